// Normalising records: NIK/KK validation, dates, sex, RT/RW, name keys.
#include <algorithm>
#include <cstring>
#include <thread>

#include "registry/internal.hpp"

namespace smartkampung::detail {

bool parse_record_date(std::string_view text, Date as_of, Date& out) noexcept {
  const DateCell c = DateReader(as_of).read(text);
  if (c.day_first == kNoDay) return false;
  out = Date(c.day_first);
  return true;
}

char parse_sex(std::string_view text) noexcept { return read_sex(text); }

namespace {

// Each byte as name_key folds it: ASCII letters lowercased, digits and bytes of UTF-8
// sequences kept, other ASCII (spaces, punctuation) 0 = skipped.
struct NameFold {
  unsigned char to[256];
  constexpr NameFold() : to() {
    for (int c = 0; c < 256; ++c) {
      const bool keep = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
      to[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : (keep ? c : 0));
    }
  }
};
constexpr NameFold kNameFold;

}  // namespace

std::uint64_t name_key(std::string_view name) noexcept {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : name) {
    const unsigned char folded = kNameFold.to[static_cast<unsigned char>(c)];
    if (folded == 0) continue;  // spaces and punctuation do not count
    h ^= folded;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string mask_name(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    while (i < name.size() && (name[i] == ' ' || name[i] == '\t')) ++i;
    if (i >= name.size()) break;
    std::size_t len = 1;
    const auto lead = static_cast<unsigned char>(name[i]);
    if (lead >= 0xF0)
      len = 4;
    else if (lead >= 0xE0)
      len = 3;
    else if (lead >= 0xC0)
      len = 2;
    len = std::min(len, name.size() - i);
    if (!out.empty()) out.push_back(' ');
    out.append(name.substr(i, len));
    out += "***";
    while (i < name.size() && name[i] != ' ' && name[i] != '\t') ++i;
  }
  return out;
}

namespace {

bool is_little_endian() noexcept {
  const std::uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// 8 ASCII bytes (first in the lowest byte) are all digits '0'..'9'.
bool eight_digits(std::uint64_t w) noexcept {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  constexpr std::uint64_t kZeros = 0x3030303030303030ULL;
  // High nibble 3, and adding 6 to each byte does not carry out of the low nibble.
  return (w & kHigh) == kZeros && ((w + 0x0606060606060606ULL) & kHigh) == kZeros;
}

// The number the 8 digits spell, combining neighbours in three steps: pairs, fours, eight.
std::uint32_t eight_digit_value(std::uint64_t w) noexcept {
  w -= 0x3030303030303030ULL;
  w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFULL;    // 2-digit values in bytes 0, 2, 4, 6
  w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFULL;  // 4-digit values in bytes 0-1, 4-5
  return static_cast<std::uint32_t>((w & 0xFFFF) * 10000 + (w >> 32));
}

}  // namespace

NikCheck KeyCheckCache::check(std::string_view s) const noexcept {
  if (s.size() != 16) return kk_ ? check_kk(s, as_of_) : check_nik(s, as_of_);
  std::uint64_t lo_bytes, hi_bytes;
  std::memcpy(&lo_bytes, s.data(), 8);
  std::memcpy(&hi_bytes, s.data() + 8, 8);
  if (!is_little_endian() || !eight_digits(lo_bytes) || !eight_digits(hi_bytes)) {
    return kk_ ? check_kk(s, as_of_) : check_nik(s, as_of_);
  }
  const std::uint32_t lo = eight_digit_value(lo_bytes);  // digits 1-8: PP RR DD and the day
  const std::uint32_t hi = eight_digit_value(hi_bytes);  // digits 9-16: month, year, serial
  NikCheck out;
  out.reason = detail::number_reason(
      static_cast<int>(lo / 1000000), static_cast<int>(lo % 100), static_cast<int>(hi / 1000000),
      static_cast<int>(hi / 10000 % 100), static_cast<int>(hi % 10000), as_of_key_, !kk_);
  if (out.reason == NikReason::kValid) out.value = std::uint64_t{lo} * 100000000u + hi;
  return out;
}

namespace {

// Does the record agree with what its NIK encodes (DDMMYY, day + 40 for women)?
void set_mismatch(Row& row) noexcept {
  row.flags = static_cast<std::uint8_t>(row.flags & ~kNikMismatch);
  const std::uint64_t date_part = (row.nik / 10000) % 1000000;
  const int nik_day_raw = static_cast<int>(date_part / 10000);
  const bool nik_female = nik_day_raw > 40;
  bool mismatch = false;
  if (row.birth != kNoDate) {
    int y = 0, m = 0, d = 0;
    civil_from_days(row.birth, y, m, d);
    const int nik_day = nik_female ? nik_day_raw - 40 : nik_day_raw;
    mismatch = d != nik_day || m != static_cast<int>(date_part / 100 % 100) ||
               y % 100 != static_cast<int>(date_part % 100);
  }
  if (row.sex != 0 && (row.sex == 'F') != nik_female) mismatch = true;
  if (mismatch) row.flags |= kNikMismatch;
}

enum Field { kNik, kKk, kName, kBirth, kSex, kAddress, kVillage, kDistrict, kRt, kRw };

bool small_number(std::string_view s, std::uint16_t& out) noexcept {
  // RT/RW: up to 4 digits ("001"), as a spreadsheet may leave them ("1.0").
  if (s.size() > 2 && s[s.size() - 2] == '.' && s.back() == '0') s.remove_suffix(2);
  if (s.empty() || s.size() > 4) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = static_cast<std::uint16_t>(v);
  return true;
}

// A key (NIK or KK) through the repair of spreadsheet damage, then the checks.
NikCheck check_key(std::string_view text, bool kk, Date as_of, KeyChecks* checks,
                   KeyRepair& repair) noexcept {
  std::array<char, 24> buffer;
  std::string_view s = text;
  repair = KeyRepair::kNone;
  if (s.size() != 16)
    s = repair_key_text(text, buffer, repair);  // 16 characters: the common, undamaged case
  NikCheck c = checks != nullptr ? (kk ? checks->kk.check(s) : checks->nik.check(s))
                                 : (kk ? check_kk(s, as_of) : check_nik(s, as_of));
  if (c.reason == NikReason::kValid && repair != KeyRepair::kNone) c.repaired = true;
  return c;
}

}  // namespace

bool normalize_record(const std::array<std::string_view, 10>& raw, std::uint32_t line, Date as_of,
                      Row& row, std::string& pool, std::string& reason, RecordNotes& notes,
                      KeyChecks* checks) {
  std::array<std::string_view, 10> f;
  for (std::size_t i = 0; i < raw.size(); ++i) f[i] = trim_ascii(raw[i]);
  reason.clear();
  notes = RecordNotes{};
  row = Row{};
  row.line = line;
  auto null_field = [&](Field k) {
    notes.nulled = static_cast<std::uint16_t>(notes.nulled | (1u << k));
  };
  if (f[kNik].empty()) {
    reason = "missing required field: nik";
    return false;
  }
  {
    const NikCheck c = check_key(f[kNik], false, as_of, checks, notes.nik_repair);
    if (c.reason != NikReason::kValid) {
      reason = std::string("invalid NIK (") + nik_reason_name(c.reason) + ")";
      return false;
    }
    row.nik = c.value;
  }
  bool repaired = notes.nik_repair != KeyRepair::kNone;
  if (!f[kKk].empty()) {
    const NikCheck c = check_key(f[kKk], true, as_of, checks, notes.kk_repair);
    if (c.reason != NikReason::kValid) {
      null_field(kKk);
      notes.kk_repair = KeyRepair::kNone;
    } else {
      row.kk = c.value;
      repaired |= notes.kk_repair != KeyRepair::kNone;
    }
  }
  if (!f[kBirth].empty()) {
    notes.birth =
        checks != nullptr ? checks->dates.read(f[kBirth]) : DateReader(as_of).read(f[kBirth]);
    const DateCell& b = notes.birth;
    if (!b.valid()) {
      null_field(kBirth);
    } else if (b.day_first != kNoDay) {
      row.birth = b.day_first;
      if (b.month_first == kNoDay) row.flags |= kBirthDayFirstOnly;
    } else {
      row.birth = b.month_first;
      row.flags |= kBirthMonthFirstOnly;
    }
  }
  if (!f[kSex].empty()) {
    row.sex = read_sex(f[kSex]);
    if (row.sex == 0) null_field(kSex);
  }
  if (!f[kRt].empty() && !small_number(f[kRt], row.rt)) {
    row.rt = kNoNumber;
    null_field(kRt);
  }
  if (!f[kRw].empty() && !small_number(f[kRw], row.rw)) {
    row.rw = kNoNumber;
    null_field(kRw);
  }
  std::string_view texts[4] = {f[kName], f[kAddress], f[kVillage], f[kDistrict]};
  const Field text_fields[4] = {kName, kAddress, kVillage, kDistrict};
  for (std::size_t k = 0; k < 4; ++k) {
    if (texts[k].size() > 0xFFFF) {
      texts[k] = std::string_view();
      null_field(text_fields[k]);
    }
  }
  row.name_key = name_key(texts[0]);
  row.text = pool.size();
  std::size_t at = pool.size();
  pool.resize(at + texts[0].size() + texts[1].size() + texts[2].size() +
              texts[3].size());  // one growth check
  for (std::size_t k = 0; k < 4; ++k) {
    if (!texts[k].empty()) std::memcpy(&pool[at], texts[k].data(), texts[k].size());
    at += texts[k].size();
    row.len[k] = static_cast<std::uint16_t>(texts[k].size());
  }
  if (repaired) row.flags |= kRepaired;
  set_mismatch(row);
  return true;
}

bool normalize_into(const std::array<std::string_view, 10>& raw, std::uint32_t line, Date as_of,
                    NormalizeOutput& out, std::string& reason, KeyChecks* checks) {
  RecordNotes notes;
  out.rows.emplace_back();  // normalised in place: no copy of the row
  if (normalize_record(raw, line, as_of, out.rows.back(), out.pool, reason, notes, checks)) {
    ++out.report.loaded;
    if (notes.nik_repair != KeyRepair::kNone || notes.kk_repair != KeyRepair::kNone)
      ++out.report.repaired;
    if (notes.nik_repair != KeyRepair::kNone)
      ++out.repairs[static_cast<std::size_t>(notes.nik_repair)];
    if (notes.kk_repair != KeyRepair::kNone)
      ++out.repairs[static_cast<std::size_t>(notes.kk_repair)];
    if (notes.nulled != 0) {
      for (std::size_t k = 0; k < kFields; ++k) {
        if ((notes.nulled >> k) & 1u) out.nulled[k].push_back(line);
      }
    }
    if (notes.birth.valid()) {
      out.birth_votes.add(notes.birth);
      const DateCell& b = notes.birth;
      if (b.day_first != kNoDay && b.month_first != kNoDay && b.day_first != b.month_first) {
        out.birth_month_first.emplace_back(out.rows.size() - 1, b.month_first);
      }
    }
    return true;
  }
  out.rows.pop_back();
  out.report.rejected.push_back({line, reason, std::string()});
  RawRecord rec;
  std::string* dst[10] = {&rec.nik,     &rec.kk,      &rec.name,     &rec.birth_date, &rec.sex,
                          &rec.address, &rec.village, &rec.district, &rec.rt,         &rec.rw};
  for (std::size_t k = 0; k < 10; ++k) dst[k]->assign(trim_ascii(raw[k]));
  rec.line = line;
  out.unkeyed.push_back(std::move(rec));
  ++out.report.unkeyed;
  return false;
}

void append_output(NormalizeOutput& into, NormalizeOutput&& part, std::size_t line_shift) {
  const std::uint64_t shift = into.pool.size();
  const std::size_t row_shift = into.rows.size();
  if (into.rows.empty() && into.pool.empty() && line_shift == 0) {
    into.rows = std::move(part.rows);
    into.pool = std::move(part.pool);
  } else {
    into.pool += part.pool;
    const std::size_t at = into.rows.size();
    into.rows.insert(into.rows.end(), part.rows.begin(),
                     part.rows.end());  // within `into`'s reserve, usually
    for (std::size_t i = at; i < into.rows.size(); ++i) {
      Row& r = into.rows[i];
      r.text += shift;
      r.line = static_cast<std::uint32_t>(r.line + line_shift);
    }
  }
  for (auto& r : part.report.rejected) {
    r.line += line_shift;
    into.report.rejected.push_back(std::move(r));
  }
  for (auto& u : part.unkeyed) {
    u.line += line_shift;
    into.unkeyed.push_back(std::move(u));
  }
  for (std::size_t k = 0; k < kFields; ++k) {
    for (std::uint32_t l : part.nulled[k])
      into.nulled[k].push_back(static_cast<std::uint32_t>(l + line_shift));
  }
  for (std::size_t k = 0; k < kKeyRepairKinds; ++k) into.repairs[k] += part.repairs[k];
  into.birth_votes.add(part.birth_votes);
  for (const auto& [row, day] : part.birth_month_first)
    into.birth_month_first.emplace_back(row + row_shift, day);
  for (CsvQuoteRun q : part.quote_runs) {
    q.first_line += line_shift;
    q.last_line += line_shift;
    into.quote_runs.push_back(q);
  }
  into.report.loaded += part.report.loaded;
  into.report.unkeyed += part.report.unkeyed;
  into.report.repaired += part.report.repaired;
}

void finish_output(NormalizeOutput& out, std::optional<DateOrder> birth_order) {
  // The birth-date column's order, from all its cells; a cell that cannot be read in it
  // is nulled, an ambiguous one read in it.
  const DateOrder order = birth_order ? *birth_order : out.birth_votes.decide();
  out.report.date_order = date_order_name(order);
  if (order == DateOrder::kMonthFirst) {
    for (const auto& [row, day] : out.birth_month_first) {
      out.rows[row].birth = day;
      set_mismatch(out.rows[row]);
    }
  }
  const std::uint8_t wrong =
      order == DateOrder::kMonthFirst ? kBirthDayFirstOnly : kBirthMonthFirstOnly;
  for (Row& r : out.rows) {
    if ((r.flags & (kBirthDayFirstOnly | kBirthMonthFirstOnly)) == 0) continue;
    if ((r.flags & wrong) != 0) {
      r.birth = kNoDate;
      out.nulled[kBirth].push_back(r.line);
      r.flags = static_cast<std::uint8_t>(r.flags & ~(kBirthDayFirstOnly | kBirthMonthFirstOnly));
      set_mismatch(r);
    } else {
      r.flags = static_cast<std::uint8_t>(r.flags & ~(kBirthDayFirstOnly | kBirthMonthFirstOnly));
    }
  }
  out.birth_month_first.clear();
  // Each quote run's records accepted after it was read again.
  for (CsvQuoteRun& q : out.quote_runs) {
    q.recovered = 0;
    for (const Row& r : out.rows)
      q.recovered += r.line >= q.first_line && r.line <= q.last_line ? 1 : 0;
  }
  std::sort(out.quote_runs.begin(), out.quote_runs.end(),
            [](const CsvQuoteRun& a, const CsvQuoteRun& b) { return a.first_line < b.first_line; });
  out.report.quote_runs = out.quote_runs;
  out.report.nulled.clear();
  const auto& names = record_fields();
  for (std::size_t k = 0; k < kFields; ++k) {
    if (out.nulled[k].empty()) continue;
    std::sort(out.nulled[k].begin(), out.nulled[k].end());
    NulledField n;
    n.field = names[k];
    n.lines.assign(out.nulled[k].begin(), out.nulled[k].end());
    out.report.nulled.push_back(std::move(n));
  }
  out.report.repairs.clear();
  for (std::size_t k = 1; k < kKeyRepairKinds; ++k) {
    if (out.repairs[k] != 0)
      out.report.repairs.emplace_back(key_repair_name(static_cast<KeyRepair>(k)), out.repairs[k]);
  }
}

NormalizeOutput normalize_all(
    std::size_t count, Date as_of,
    const std::function<void(std::size_t, std::array<std::string_view, 10>&, std::uint32_t&)>&
        fields,
    const std::function<std::string(std::size_t)>& raw_text, std::optional<DateOrder> birth_order,
    ProgressMeter* meter) {
  auto run = [&](std::size_t begin, std::size_t end, NormalizeOutput& out) {
    out.rows.reserve(end - begin);
    out.pool.reserve((end - begin) * 40);
    std::array<std::string_view, 10> raw;
    std::string reason;
    KeyChecks* checks_ptr = nullptr;
    std::unique_ptr<KeyChecks> checks;
    if (end - begin >= 1000) {  // worth its tables
      checks = std::make_unique<KeyChecks>(as_of);
      checks_ptr = checks.get();
    }
    constexpr std::size_t kReportRows = 4096;  // rows between two looks at the meter
    for (std::size_t i = begin; i < end; ++i) {
      if (meter != nullptr && i != begin && (i - begin) % kReportRows == 0) meter->add(kReportRows);
      std::uint32_t line = 0;
      fields(i, raw, line);
      if (!normalize_into(raw, line, as_of, out, reason, checks_ptr))
        out.report.rejected.back().raw = raw_text(i);
    }
  };
  NormalizeOutput first;
  if (count < 50000 || std::thread::hardware_concurrency() < 2) {
    run(0, count, first);
    finish_output(first, birth_order);
    return first;
  }
  NormalizeOutput second;
  const std::size_t mid = count / 2;
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      run(mid, count, second);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  try {
    run(0, mid, first);
  } catch (...) {
    worker.join();
    throw;
  }
  worker.join();
  if (failure) std::rethrow_exception(failure);
  append_output(first, std::move(second), 0);
  finish_output(first, birth_order);
  return first;
}

Enrolment to_enrolment(const ProgramList& list, const Row& row) {
  Enrolment e;
  e.program = list.name;
  e.nik = nik_digits(row.nik);
  e.kk = row.kk != 0 ? nik_digits(row.kk) : std::string();
  e.name = std::string(list.field(row, 0));
  e.address = std::string(list.field(row, 1));
  e.village = std::string(list.field(row, 2));
  e.district = std::string(list.field(row, 3));
  if (row.birth != kNoDate) e.birth_date = Date(row.birth);
  e.sex = row.sex;
  e.rt = row.rt == kNoNumber ? -1 : row.rt;
  e.rw = row.rw == kNoNumber ? -1 : row.rw;
  e.line = row.line;
  return e;
}

std::string program_check(const std::string& program) {
  if (program.empty() || program.size() > 64) {
    throw Error(ErrorCode::kInvalidArgument, "programme name must be 1 to 64 characters");
  }
  for (char c : program) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      throw Error(ErrorCode::kInvalidArgument,
                  "programme name '" + program + "' may only hold A-Z a-z 0-9 _ - .");
    }
  }
  return program;
}

}  // namespace smartkampung::detail
