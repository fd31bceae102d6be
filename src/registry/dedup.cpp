// Exact dedup: integer keys (NIK << 6 | programme) radix-sorted, then one linear scan.
// The NIK sort and the KK sort run on two threads.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <thread>
#include <tuple>

#include "registry/internal.hpp"

namespace smartkampung::detail {

namespace {

constexpr int kDigitBits = 11;
constexpr std::size_t kBuckets = std::size_t{1} << kDigitBits;

// The smallest key and the digits of (key - smallest) that are needed: keys are sorted by
// their offset from the smallest, which for NIKs (one province, dates, serials) spans
// fewer bits than the keys themselves, so fewer passes.
struct Digits {
  std::uint64_t base = 0;
  int count = 0;
};

Digits needed_digits(const std::vector<std::uint64_t>& keys) {
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (std::uint64_t k : keys) {
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  Digits d;
  d.base = lo;
  for (std::uint64_t span = hi - lo; span != 0; span >>= kDigitBits) ++d.count;
  return d;
}

template <bool kWithPayload>
void radix_sort(std::vector<std::uint64_t>& keys, std::vector<std::uint32_t>* payload) {
  const std::size_t n = keys.size();
  if (n < 256) {
    if constexpr (kWithPayload) {
      std::vector<std::pair<std::uint64_t, std::uint32_t>> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = {keys[i], (*payload)[i]};
      std::stable_sort(v.begin(), v.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (std::size_t i = 0; i < n; ++i) std::tie(keys[i], (*payload)[i]) = v[i];
    } else {
      std::sort(keys.begin(), keys.end());
    }
    return;
  }
  const Digits digits = needed_digits(keys);
  if (digits.count == 0) return;  // all keys equal
  const auto passes = static_cast<std::size_t>(digits.count);
  const std::uint64_t base = digits.base;
  std::vector<std::size_t> counts(passes * kBuckets, 0);
  for (std::uint64_t k : keys) {
    for (std::size_t d = 0; d < passes; ++d) {
      ++counts[d * kBuckets + (((k - base) >> (d * kDigitBits)) & (kBuckets - 1))];
    }
  }
  std::vector<std::uint64_t> tmp_keys(n);
  std::vector<std::uint32_t> tmp_payload(kWithPayload ? n : 0);
  for (std::size_t d = 0; d < passes; ++d) {
    std::size_t* c = &counts[d * kBuckets];
    std::size_t sum = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      const std::size_t x = c[b];
      c[b] = sum;
      sum += x;
    }
    const auto shift = static_cast<int>(d) * kDigitBits;
    const std::uint64_t* src = keys.data();
    std::uint64_t* dst = tmp_keys.data();
    if constexpr (kWithPayload) {
      const std::uint32_t* psrc = payload->data();
      std::uint32_t* pdst = tmp_payload.data();
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t pos = c[((src[i] - base) >> shift) & (kBuckets - 1)]++;
        dst[pos] = src[i];
        pdst[pos] = psrc[i];
      }
      payload->swap(tmp_payload);
    } else {
      for (std::size_t i = 0; i < n; ++i)
        dst[c[((src[i] - base) >> shift) & (kBuckets - 1)]++] = src[i];
    }
    keys.swap(tmp_keys);
  }
}

constexpr std::uint64_t kProgramMask = (std::uint64_t{1} << kProgramBits) - 1;

}  // namespace

void radix_sort_pairs(std::vector<std::uint64_t>& keys, std::vector<std::uint32_t>& payload) {
  radix_sort<true>(keys, &payload);
}
void radix_sort_keys(std::vector<std::uint64_t>& keys) { radix_sort<false>(keys, nullptr); }

DedupReport dedup_snapshot(const Snapshot& snap) {
  DedupReport rep;
  const std::size_t programs = snap.programs.size();
  const std::vector<std::size_t> offs = snap.offsets();
  const std::size_t total = offs.back();
  rep.records = total;
  for (const auto& p : snap.programs) rep.unkeyed += p->unkeyed.size();

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

  // Keys: NIK << 6 | programme with the global row as payload; KK << 6 | programme. The
  // payload's top bit carries the row's NIK-mismatch flag (when rows fit in 31 bits), so a
  // person with one record is decided without touching the row.
  constexpr std::uint32_t kMismatchBit = 0x80000000u;
  const bool flag_in_payload = total < kMismatchBit;
  const std::uint32_t row_mask = flag_in_payload ? kMismatchBit - 1 : 0xFFFFFFFFu;
  std::vector<std::uint64_t> keys(total);
  std::vector<std::uint32_t> rows(total);
  // What the persons' scan compares, 16 bytes a row (a quarter of a cache line, where a Row
  // takes most of one or straddles two): the scan reaches rows at random.
  struct Summary {
    std::uint64_t name_key;
    std::int32_t birth;
    char sex;
    std::uint8_t flags;
    std::uint8_t has_kk;
  };
  static_assert(sizeof(Summary) == 16, "one summary is 16 bytes");
  std::vector<Summary> summary(total);
  std::vector<std::uint64_t> kk_keys;
  std::vector<ExclusionViolation> kk_violations;
  std::size_t unique_households = 0;
  std::exception_ptr kk_failure;
  std::thread kk_worker([&] {
    try {
      std::size_t with_kk = 0;
      for (const auto& p : snap.programs) {
        for (const Row& r : p->rows) with_kk += r.kk != 0;
      }
      kk_keys.reserve(with_kk);
      for (std::size_t p = 0; p < programs; ++p) {
        for (const Row& r : snap.programs[p]->rows) {
          if (r.kk != 0) kk_keys.push_back(r.kk << kProgramBits | p);
        }
      }
      radix_sort_keys(kk_keys);
      // Households: scanned here, beside the persons' scan on the calling thread.
      const std::size_t nk = kk_keys.size();
      std::size_t i = 0;
      while (i < nk) {
        const std::uint64_t kk = kk_keys[i] >> kProgramBits;
        std::uint64_t mask = 0;
        while (i < nk && (kk_keys[i] >> kProgramBits) == kk) {
          mask |= std::uint64_t{1} << (kk_keys[i] & kProgramMask);
          ++i;
        }
        ++unique_households;
        if (any_exclusions && (mask & (mask - 1)) != 0) {
          for (std::size_t a = 0; a < programs; ++a) {
            if (!((mask >> a) & 1u)) continue;
            for (std::size_t b = a + 1; b < programs; ++b) {
              if (((mask >> b) & 1u) && ((kk_pairs[a] >> b) & 1u)) {
                kk_violations.push_back({kk, true, snap.programs[a]->name, snap.programs[b]->name});
              }
            }
          }
        }
      }
    } catch (...) {
      kk_failure = std::current_exception();
    }
  });
  try {
    for (std::size_t p = 0; p < programs; ++p) {
      const auto& list = snap.programs[p]->rows;
      std::uint64_t* k = keys.data() + offs[p];
      std::uint32_t* g = rows.data() + offs[p];
      Summary* sum = summary.data() + offs[p];
      for (std::size_t i = 0; i < list.size(); ++i) {
        const Row& r = list[i];
        k[i] = r.nik << kProgramBits | p;
        g[i] = static_cast<std::uint32_t>(offs[p] + i) |
               (flag_in_payload && (r.flags & kNikMismatch) != 0 ? kMismatchBit : 0u);
        sum[i].name_key = r.name_key;
        sum[i].birth = r.birth;
        sum[i].sex = r.sex;
        sum[i].flags = r.flags;
        sum[i].has_kk = r.kk != 0 ? 1 : 0;
      }
    }
    radix_sort_pairs(keys, rows);

    auto row_at = [&](std::size_t payload) -> const Summary& {
      return summary[payload & row_mask];
    };

    // Persons. Rows are reached in NIK order, at random: fetched some way ahead.
    constexpr std::size_t kAhead = 16;
    std::size_t i = 0;
    while (i < total) {
      if (i + kAhead < total) {
        const std::size_t a = i + kAhead;
        const bool in_group =
            (keys[a] >> kProgramBits) == (keys[a - 1] >> kProgramBits) ||
            (a + 1 < total && (keys[a] >> kProgramBits) == (keys[a + 1] >> kProgramBits));
        if (in_group || !flag_in_payload) __builtin_prefetch(&row_at(rows[a]));
      }
      const std::uint64_t nik = keys[i] >> kProgramBits;
      std::size_t j = i;
      std::uint64_t mask = 0;
      bool mismatch = false;
      while (j < total && (keys[j] >> kProgramBits) == nik) {
        const std::size_t p = keys[j] & kProgramMask;
        std::size_t k = j;
        while (k < total && keys[k] == keys[j]) ++k;
        if (k - j > 1) rep.duplicates.push_back({snap.programs[p]->name, nik, k - j});
        mask |= std::uint64_t{1} << p;
        j = k;
      }
      ++rep.unique_persons;
      if (j - i > 1) {
        // Compare the records' name, birth date and sex (each where given).
        std::uint64_t name = 0;
        std::int32_t birth = kNoDate;
        char sex = 0;
        bool conflict = false;
        bool has_kk = false;
        for (std::size_t x = i; x < j; ++x) {
          const Summary& r = row_at(rows[x]);
          mismatch |= (r.flags & kNikMismatch) != 0;
          has_kk |= r.has_kk != 0;
          if (x == i)
            name = r.name_key;
          else if (r.name_key != name)
            conflict = true;
          if (r.birth != kNoDate) {
            if (birth == kNoDate)
              birth = r.birth;
            else if (birth != r.birth)
              conflict = true;
          }
          if (r.sex != 0) {
            if (sex == 0)
              sex = r.sex;
            else if (sex != r.sex)
              conflict = true;
          }
        }
        if (conflict) rep.conflicts.push_back(nik);
        if ((mask & (mask - 1)) != 0) {
          rep.overlaps.emplace_back(nik, snap.names_of(mask));
          if (any_exclusions) {
            for (std::size_t a = 0; a < programs; ++a) {
              if (!((mask >> a) & 1u)) continue;
              // Household-scope pairs go to the KK pass unless the person has no KK.
              std::uint64_t hits = (person_pairs[a] | (has_kk ? 0 : kk_pairs[a])) & mask;
              hits &= ~((std::uint64_t{2} << a) - 1);  // b > a only
              for (std::size_t b = a + 1; hits != 0; ++b) {
                if ((hits >> b) & 1u) {
                  rep.exclusion_violations.push_back(
                      {nik, false, snap.programs[a]->name, snap.programs[b]->name});
                  hits &= ~(std::uint64_t{1} << b);
                }
              }
            }
          }
        }
      } else if (flag_in_payload) {
        mismatch = (rows[i] & kMismatchBit) != 0;
      } else {
        mismatch = (row_at(rows[i]).flags & kNikMismatch) != 0;
      }
      if (mismatch) rep.nik_mismatches.push_back(nik);
      i = j;
    }

  } catch (...) {
    kk_worker.join();
    throw;
  }
  kk_worker.join();
  if (kk_failure) std::rethrow_exception(kk_failure);
  rep.unique_households = unique_households;

  // The household violations found by the KK worker join the person ones before the sort.
  rep.exclusion_violations.insert(rep.exclusion_violations.end(), kk_violations.begin(),
                                  kk_violations.end());
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
