// Exact dedup: integer keys (NIK << 6 | programme, KK << 6 | programme) sorted with
// sort_by_key (key_sort.hpp), the persons' keys carrying the 16 bytes their scan compares,
// then one linear scan of each, cut at key boundaries between the threads.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <tuple>

#include "core/key_sort.hpp"
#include "core/parallel.hpp"
#include "registry/internal.hpp"

namespace smartkampung::detail {

namespace {

constexpr std::uint64_t kProgramMask = (std::uint64_t{1} << kProgramBits) - 1;

// What the persons' scan compares of a row.
struct Summary {
  std::uint64_t name_key;
  std::int32_t birth;
  char sex;
  std::uint8_t flags;
  std::uint8_t has_kk;
};
static_assert(sizeof(Summary) == 16, "one summary is 16 bytes");

// Calls group(part, i, j) for each run [i, j) of sorted keys with one key >> kProgramBits,
// the runs cut into `workers` parts of about equal size scanned on their own threads.
template <class Part, class Group>
std::vector<Part> scan_runs(const std::vector<std::uint64_t>& keys, unsigned workers,
                            const Group& group) {
  const std::size_t n = keys.size();
  std::vector<std::size_t> cut(workers + 1, n);
  cut[0] = 0;
  for (unsigned t = 1; t < workers; ++t) {
    std::size_t c = std::max(cut[t - 1], n / workers * t);
    while (c > 0 && c < n && (keys[c] >> kProgramBits) == (keys[c - 1] >> kProgramBits)) ++c;
    cut[t] = c;
  }
  std::vector<Part> parts(workers);
  run_threads(workers, [&](unsigned t) {
    std::size_t i = cut[t];
    while (i < cut[t + 1]) {
      const std::uint64_t key = keys[i] >> kProgramBits;
      std::size_t j = i + 1;
      while (j < n && (keys[j] >> kProgramBits) == key) ++j;
      group(parts[t], i, j);
      i = j;
    }
  });
  return parts;
}

template <class T>
void append(std::vector<T>& into, std::vector<T>&& part) {
  into.insert(into.end(), std::make_move_iterator(part.begin()),
              std::make_move_iterator(part.end()));
}

}  // namespace

DedupReport dedup_snapshot(const Snapshot& snap) {
  DedupReport rep;
  const std::size_t programs = snap.programs.size();
  const std::vector<std::size_t> offs = snap.offsets();
  const std::size_t total = offs.back();
  rep.records = total;
  for (const auto& p : snap.programs) rep.unkeyed += p->unkeyed.size();
  const unsigned workers = sort_workers(total, 0);

  // Exclusion pairs as bit masks: person_pairs[a] / kk_pairs[a] hold the b's.
  std::vector<std::uint64_t> person_pairs(programs, 0), kk_pairs(programs, 0);
  for (std::size_t a = 0; a < programs; ++a) {
    for (std::size_t b = 0; b < programs; ++b) {
      if (a == b) continue;
      const auto& na = snap.programs[a]->name;
      const auto& nb = snap.programs[b]->name;
      if (snap.exclusions.conflicts(na, nb, ConflictScope::kKk)) {
        kk_pairs[a] |= std::uint64_t{1} << b;
      } else if (snap.exclusions.conflicts(na, nb, ConflictScope::kPerson)) {
        person_pairs[a] |= std::uint64_t{1} << b;
      }
    }
  }
  const bool any_exclusions = !snap.exclusions.empty();
  // The excluded pairs (a, b), a < b, of the programmes in `mask` under pairs_of(a) (the b's
  // excluded with a), as violations of `key`.
  auto add_violations = [&](std::uint64_t mask, std::uint64_t key, bool household,
                            DedupReport& part, const auto& pairs_of) {
    for (std::uint64_t as = mask; as != 0; as &= as - 1) {
      const auto a = static_cast<std::size_t>(__builtin_ctzll(as));
      std::uint64_t hits = pairs_of(a) & mask & ~((std::uint64_t{2} << a) - 1);  // b > a only
      for (; hits != 0; hits &= hits - 1) {
        const auto b = static_cast<std::size_t>(__builtin_ctzll(hits));
        part.exclusion_violations.push_back(
            {key, household, snap.programs[a]->name, snap.programs[b]->name});
      }
    }
  };

  // The keys in global row order, each thread a range of rows.
  std::vector<std::uint64_t> keys(total);
  std::vector<Summary> summary(total);
  std::vector<std::vector<std::uint64_t>> kk_parts(workers);
  parallel_ranges(total, workers, [&](std::size_t a, std::size_t b, unsigned t) {
    if (a >= b) return;
    auto& kk = kk_parts[t];
    kk.reserve(b - a);
    std::size_t p =
        static_cast<std::size_t>(std::upper_bound(offs.begin(), offs.end(), a) - offs.begin()) - 1;
    for (std::size_t g = a; g < b; ++g) {
      while (g >= offs[p + 1]) ++p;
      const Row& r = snap.programs[p]->rows[g - offs[p]];
      keys[g] = r.nik << kProgramBits | p;
      summary[g] = {r.name_key, r.birth, r.sex, r.flags, static_cast<std::uint8_t>(r.kk != 0)};
      if (r.kk != 0) kk.push_back(r.kk << kProgramBits | p);
    }
  });
  std::vector<std::uint64_t> kk_keys = std::move(kk_parts[0]);
  for (unsigned t = 1; t < workers; ++t) append(kk_keys, std::move(kk_parts[t]));
  kk_parts.clear();
  sort_by_key(keys, &summary, workers);
  sort_by_key<NoPayload>(kk_keys, nullptr, workers);

  // Persons.
  auto persons =
      scan_runs<DedupReport>(keys, workers, [&](DedupReport& part, std::size_t i, std::size_t j) {
        const std::uint64_t nik = keys[i] >> kProgramBits;
        ++part.unique_persons;
        if (j - i == 1) {
          if ((summary[i].flags & kNikMismatch) != 0) part.nik_mismatches.push_back(nik);
          return;
        }
        std::uint64_t mask = 0;
        for (std::size_t x = i; x < j;) {
          std::size_t y = x + 1;
          while (y < j && keys[y] == keys[x]) ++y;
          const std::size_t p = keys[x] & kProgramMask;
          if (y - x > 1) part.duplicates.push_back({snap.programs[p]->name, nik, y - x});
          mask |= std::uint64_t{1} << p;
          x = y;
        }
        // Compare the records' name, birth date and sex (each where given).
        const std::uint64_t name = summary[i].name_key;
        std::int32_t birth = kNoDate;
        char sex = 0;
        bool conflict = false, has_kk = false, mismatch = false;
        for (std::size_t x = i; x < j; ++x) {
          const Summary& r = summary[x];
          mismatch |= (r.flags & kNikMismatch) != 0;
          has_kk |= r.has_kk != 0;
          conflict |= r.name_key != name;
          if (r.birth != kNoDate) {
            if (birth == kNoDate)
              birth = r.birth;
            else
              conflict |= birth != r.birth;
          }
          if (r.sex != 0) {
            if (sex == 0)
              sex = r.sex;
            else
              conflict |= sex != r.sex;
          }
        }
        if (conflict) part.conflicts.push_back(nik);
        if (mismatch) part.nik_mismatches.push_back(nik);
        if ((mask & (mask - 1)) == 0) return;
        part.overlaps.emplace_back(nik, snap.names_of(mask));
        if (!any_exclusions) return;
        // Household-scope pairs go to the KK pass unless the person has no KK.
        add_violations(mask, nik, false, part,
                       [&](std::size_t a) { return person_pairs[a] | (has_kk ? 0 : kk_pairs[a]); });
      });
  for (auto& part : persons) {
    rep.unique_persons += part.unique_persons;
    append(rep.duplicates, std::move(part.duplicates));
    append(rep.overlaps, std::move(part.overlaps));
    append(rep.conflicts, std::move(part.conflicts));
    append(rep.nik_mismatches, std::move(part.nik_mismatches));
    append(rep.exclusion_violations, std::move(part.exclusion_violations));
  }

  // Households.
  auto households = scan_runs<DedupReport>(
      kk_keys, workers, [&](DedupReport& part, std::size_t i, std::size_t j) {
        ++part.unique_households;
        if (!any_exclusions || j - i == 1) return;
        const std::uint64_t kk = kk_keys[i] >> kProgramBits;
        std::uint64_t mask = 0;
        for (std::size_t x = i; x < j; ++x) mask |= std::uint64_t{1} << (kk_keys[x] & kProgramMask);
        add_violations(mask, kk, true, part, [&](std::size_t a) { return kk_pairs[a]; });
      });
  for (auto& part : households) {
    rep.unique_households += part.unique_households;
    append(rep.exclusion_violations, std::move(part.exclusion_violations));
  }
  std::sort(rep.exclusion_violations.begin(), rep.exclusion_violations.end(),
            [](const ExclusionViolation& x, const ExclusionViolation& y) {
              return std::tie(x.key, x.household, x.program_a, x.program_b) <
                     std::tie(y.key, y.household, y.program_a, y.program_b);
            });
  return rep;
}

}  // namespace smartkampung::detail

namespace smartkampung {

std::string DedupReport::to_json() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto key = [&](const char* k) { w.Key(k); };
  auto nik = [&](std::uint64_t v) {
    const std::string s = nik_digits(v);
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  auto str = [&](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  key("schema");
  w.String("skamp-dedup-report/1");
  key("records");
  w.Uint64(records);
  key("unkeyed");
  w.Uint64(unkeyed);
  key("unique_persons");
  w.Uint64(unique_persons);
  key("unique_households");
  w.Uint64(unique_households);
  key("duplicates");
  w.StartArray();
  for (const auto& d : duplicates) {
    w.StartObject();
    key("program");
    str(d.program);
    key("nik");
    nik(d.nik);
    key("count");
    w.Uint64(d.count);
    w.EndObject();
  }
  w.EndArray();
  key("overlaps");
  w.StartArray();
  for (const auto& [n, progs] : overlaps) {
    w.StartObject();
    key("nik");
    nik(n);
    key("programs");
    w.StartArray();
    for (const auto& p : progs) str(p);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  key("conflicts");
  w.StartArray();
  for (auto n : conflicts) nik(n);
  w.EndArray();
  key("nik_mismatches");
  w.StartArray();
  for (auto n : nik_mismatches) nik(n);
  w.EndArray();
  key("exclusion_violations");
  w.StartArray();
  for (const auto& v : exclusion_violations) {
    w.StartObject();
    key(v.household ? "kk" : "nik");
    nik(v.key);
    key("scope");
    w.String(v.household ? "kk" : "person");
    key("a");
    str(v.program_a);
    key("b");
    str(v.program_b);
    w.EndObject();
  }
  w.EndArray();
  if (fuzzy) {
    key("likely_duplicates");
    w.StartArray();
    for (const auto& d : likely_duplicates) {
      w.StartObject();
      key("program_a");
      str(d.program_a);
      key("line_a");
      w.Uint64(d.line_a);
      key("nik_a");
      str(d.nik_a);
      key("program_b");
      str(d.program_b);
      key("line_b");
      w.Uint64(d.line_b);
      key("nik_b");
      str(d.nik_b);
      key("probability");
      w.Double(d.probability);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

void DedupReport::write_csv(const std::string& folder) const {
  const std::string dir = folder.empty() || folder.back() == '/' ? folder : folder + "/";
  std::string s =
      "records,unkeyed,unique_persons,unique_households,duplicates,overlaps,conflicts,nik_"
      "mismatches,"
      "exclusion_violations\n";
  s += std::to_string(records) + ',' + std::to_string(unkeyed) + ',' +
       std::to_string(unique_persons) + ',' + std::to_string(unique_households) + ',' +
       std::to_string(duplicates.size()) + ',' + std::to_string(overlaps.size()) + ',' +
       std::to_string(conflicts.size()) + ',' + std::to_string(nik_mismatches.size()) + ',' +
       std::to_string(exclusion_violations.size()) + '\n';
  write_file_atomic(dir + "summary.csv", s);
  s = "program,nik,count\n";
  for (const auto& d : duplicates)
    s += csv_escape(d.program) + ',' + nik_digits(d.nik) + ',' + std::to_string(d.count) + '\n';
  write_file_atomic(dir + "duplicates.csv", s);
  s = "nik,programs\n";
  for (const auto& [n, progs] : overlaps) {
    std::string joined;
    for (const auto& p : progs) joined += (joined.empty() ? "" : " ") + p;
    s += nik_digits(n) + ',' + csv_escape(joined) + '\n';
  }
  write_file_atomic(dir + "overlaps.csv", s);
  s = "nik\n";
  for (auto n : conflicts) s += nik_digits(n) + '\n';
  write_file_atomic(dir + "conflicts.csv", s);
  s = "nik\n";
  for (auto n : nik_mismatches) s += nik_digits(n) + '\n';
  write_file_atomic(dir + "nik_mismatches.csv", s);
  s = "scope,key,program_a,program_b\n";
  for (const auto& v : exclusion_violations) {
    s += std::string(v.household ? "kk" : "person") + ',' + nik_digits(v.key) + ',' +
         csv_escape(v.program_a) + ',' + csv_escape(v.program_b) + '\n';
  }
  write_file_atomic(dir + "exclusion_violations.csv", s);
  if (fuzzy) {
    s = "program_a,line_a,nik_a,program_b,line_b,nik_b,probability\n";
    for (const auto& d : likely_duplicates) {
      s += csv_escape(d.program_a) + ',' + std::to_string(d.line_a) + ',' + d.nik_a + ',' +
           csv_escape(d.program_b) + ',' + std::to_string(d.line_b) + ',' + d.nik_b + ',' +
           std::to_string(d.probability) + '\n';
    }
    write_file_atomic(dir + "likely_duplicates.csv", s);
  }
}

}  // namespace smartkampung
