// Normalising records: NIK/KK validation, dates, sex, RT/RW, name keys.
#include "registry/internal.hpp"

#include <cstring>
#include <thread>

namespace smartkampung::detail {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool parse_int(std::string_view s, int& out) noexcept {
  if (s.empty() || s.size() > 4) return false;
  int v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool equals_upper(std::string_view s, std::string_view upper_word) noexcept {
  if (s.size() != upper_word.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (upper(s[i]) != upper_word[i]) return false;
  }
  return true;
}

enum Field { kNik, kKk, kName, kBirth, kSex, kAddress, kVillage, kDistrict, kRt, kRw };

bool parse_small_number(std::string_view s, std::uint16_t& out) noexcept {
  int v = 0;
  if (!parse_int(s, v)) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace

namespace {

// parse_record_date's work, also giving the year, month and day.
bool parse_record_ymd(std::string_view text, int& y, int& m, int& d) noexcept {
  text = trim_ascii(text);
  y = 0;
  m = 0;
  d = 0;
  auto digit = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(text[i])) - '0'; };
  if (text.size() == 10 && (text[2] == '-' || text[2] == '/') && text[5] == text[2]) {
    // DD-MM-YYYY or DD/MM/YYYY, the common case of the general one below.
    const unsigned d0 = digit(0), d1 = digit(1), m0 = digit(3), m1 = digit(4);
    const unsigned y0 = digit(6), y1 = digit(7), y2 = digit(8), y3 = digit(9);
    if (d0 > 9 || d1 > 9 || m0 > 9 || m1 > 9 || y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9) return false;
    d = static_cast<int>(d0 * 10 + d1);
    m = static_cast<int>(m0 * 10 + m1);
    y = static_cast<int>(((y0 * 10 + y1) * 10 + y2) * 10 + y3);
  } else if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    if (!parse_int(text.substr(0, 4), y) || !parse_int(text.substr(5, 2), m) || !parse_int(text.substr(8, 2), d)) {
      return false;
    }
  } else {
    // D[D]-M[M]-YYYY or D[D]/M[M]/YYYY
    const std::size_t a = text.find_first_of("-/");
    if (a == std::string_view::npos) return false;
    const char sep = text[a];
    const std::size_t b = text.find(sep, a + 1);
    if (b == std::string_view::npos || text.size() - b - 1 != 4) return false;
    if (!parse_int(text.substr(0, a), d) || a > 2 || !parse_int(text.substr(a + 1, b - a - 1), m) ||
        b - a - 1 > 2 || !parse_int(text.substr(b + 1), y)) {
      return false;
    }
  }
  return y >= 1850 && Date::is_valid_ymd(y, m, d);
}

}  // namespace

bool parse_record_date(std::string_view text, Date& out) noexcept {
  int y = 0, m = 0, d = 0;
  if (!parse_record_ymd(text, y, m, d)) return false;
  out = Date(days_from_civil(y, m, d));
  return true;
}

char parse_sex(std::string_view text) noexcept {
  text = trim_ascii(text);
  if (text.size() == 1) {  // the common L / P first
    switch (upper(text[0])) {
      case 'L': case 'M': return 'M';
      case 'P': case 'F': case 'W': return 'F';
      default: return 0;
    }
  }
  static constexpr std::string_view kMale[] = {"L", "M", "LAKI-LAKI", "LAKI LAKI", "LAKI", "LAKI2", "PRIA", "MALE"};
  static constexpr std::string_view kFemale[] = {"P", "F", "PEREMPUAN", "WANITA", "W", "FEMALE"};
  for (std::string_view w : kMale) {  // as written (upper case) first: the common case
    if (text == w) return 'M';
  }
  for (std::string_view w : kFemale) {
    if (text == w) return 'F';
  }
  for (std::string_view w : kMale) {
    if (equals_upper(text, w)) return 'M';
  }
  for (std::string_view w : kFemale) {
    if (equals_upper(text, w)) return 'F';
  }
  return 0;
}

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
    if (lead >= 0xF0) len = 4;
    else if (lead >= 0xE0) len = 3;
    else if (lead >= 0xC0) len = 2;
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
  w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFULL;       // 2-digit values in bytes 0, 2, 4, 6
  w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFULL;     // 4-digit values in bytes 0-1, 4-5
  return static_cast<std::uint32_t>((w & 0xFFFF) * 10000 + (w >> 32));
}

}  // namespace

NikCheck KeyCheckCache::check(std::string_view s) noexcept {
  if (s.size() != 16) return kk_ ? check_kk(s, as_of_) : check_nik(s, as_of_);
  std::uint64_t lo_bytes, hi_bytes;
  std::memcpy(&lo_bytes, s.data(), 8);
  std::memcpy(&hi_bytes, s.data() + 8, 8);
  if (!is_little_endian() || !eight_digits(lo_bytes) || !eight_digits(hi_bytes)) {
    return kk_ ? check_kk(s, as_of_) : check_nik(s, as_of_);
  }
  const std::uint32_t lo = eight_digit_value(lo_bytes);  // digits 1-8
  const std::uint32_t hi = eight_digit_value(hi_bytes);  // digits 9-16
  const std::uint64_t value = std::uint64_t{lo} * 100000000u + hi;
  const std::uint32_t key = lo / 1000000 * 1000000 + lo % 100 * 10000 + hi / 10000;  // province, date
  std::uint32_t& slot = slots_[(key * 2654435761u) >> (32 - slot_bits_)];
  NikReason prefix;
  if ((slot >> 4) == key + 1) {
    prefix = static_cast<NikReason>(slot & 15u);
  } else {
    const NikCheck c = kk_ ? check_kk(s, as_of_) : check_nik(s, as_of_);
    if (c.reason == NikReason::kProvince || c.reason == NikReason::kBirthDate) {
      prefix = c.reason;
    } else if (c.reason == NikReason::kValid || c.reason == NikReason::kSerial) {
      prefix = NikReason::kValid;
    } else {
      return c;  // not expected for 16 digits; not remembered
    }
    slot = (key + 1) << 4 | static_cast<std::uint32_t>(prefix);
    return c;
  }
  NikCheck out;
  if (prefix != NikReason::kValid) {
    out.reason = prefix;
  } else if (hi % 10000 == 0) {
    out.reason = NikReason::kSerial;
  } else {
    out.reason = NikReason::kValid;
    out.value = value;
  }
  return out;
}

bool normalize_record(const std::array<std::string_view, 10>& raw, std::uint32_t line, Date as_of, Row& row,
                      std::string& pool, std::string& reason, bool& nik_only, bool& repaired, KeyChecks* checks) {
  std::array<std::string_view, 10> f;
  for (std::size_t i = 0; i < raw.size(); ++i) f[i] = trim_ascii(raw[i]);
  reason.clear();
  nik_only = false;
  repaired = false;
  bool nik_bad = false;
  bool other_bad = false;
  auto fail = [&](const std::string& why, bool is_nik) {
    if (!reason.empty()) reason += "; ";
    reason += why;
    (is_nik ? nik_bad : other_bad) = true;
  };
  row = Row{};
  row.line = line;
  if (f[kNik].empty()) {
    fail("missing required field: nik", true);
  } else {
    const NikCheck c = checks != nullptr ? checks->nik.check(f[kNik]) : check_nik(f[kNik], as_of);
    if (c.reason != NikReason::kValid) {
      fail(std::string("invalid NIK (") + nik_reason_name(c.reason) + ")", true);
    } else {
      row.nik = c.value;
      if (c.repaired) repaired = true;
    }
  }
  if (f[kName].empty()) fail("missing required field: name", false);
  if (!f[kKk].empty()) {
    const NikCheck c = checks != nullptr ? checks->kk.check(f[kKk]) : check_kk(f[kKk], as_of);
    if (c.reason != NikReason::kValid) {
      fail(std::string("invalid KK (") + nik_reason_name(c.reason) + ")", false);
    } else {
      row.kk = c.value;
      if (c.repaired) repaired = true;
    }
  }
  int birth_y = 0, birth_m = 0, birth_d = 0;
  if (!f[kBirth].empty()) {
    if (parse_record_ymd(f[kBirth], birth_y, birth_m, birth_d)) {
      row.birth = days_from_civil(birth_y, birth_m, birth_d);
    } else {
      fail("unparseable date in birth_date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)", false);
    }
  }
  if (!f[kSex].empty()) {
    row.sex = parse_sex(f[kSex]);
    if (row.sex == 0) fail("unrecognised sex (expected L/P, LAKI-LAKI/PEREMPUAN or M/F)", false);
  }
  if (!f[kRt].empty() && !parse_small_number(f[kRt], row.rt)) fail("invalid rt (expected up to 4 digits)", false);
  if (!f[kRw].empty() && !parse_small_number(f[kRw], row.rw)) fail("invalid rw (expected up to 4 digits)", false);
  for (int k : {kName, kAddress, kVillage, kDistrict}) {
    if (f[static_cast<std::size_t>(k)].size() > 0xFFFF) fail("a text field is longer than 65535 bytes", false);
  }
  if (nik_bad || other_bad) {
    nik_only = nik_bad && !other_bad;
    return false;
  }
  row.name_key = name_key(f[kName]);
  row.text = pool.size();
  const std::string_view texts[4] = {f[kName], f[kAddress], f[kVillage], f[kDistrict]};
  std::size_t at = pool.size();
  pool.resize(at + texts[0].size() + texts[1].size() + texts[2].size() + texts[3].size());  // one growth check
  for (std::size_t k = 0; k < 4; ++k) {
    if (!texts[k].empty()) std::memcpy(&pool[at], texts[k].data(), texts[k].size());
    at += texts[k].size();
    row.len[k] = static_cast<std::uint16_t>(texts[k].size());
  }
  if (repaired) row.flags |= kRepaired;
  // Does the record agree with what its NIK encodes (DDMMYY, day + 40 for women)?
  const std::uint64_t date_part = (row.nik / 10000) % 1000000;
  const int nik_day_raw = static_cast<int>(date_part / 10000);
  const int nik_month = static_cast<int>(date_part / 100 % 100);
  const int nik_yy = static_cast<int>(date_part % 100);
  const bool nik_female = nik_day_raw > 40;
  const int nik_day = nik_female ? nik_day_raw - 40 : nik_day_raw;
  bool mismatch = false;
  if (row.birth != kNoDate) {
    mismatch = birth_d != nik_day || birth_m != nik_month || birth_y % 100 != nik_yy;
  }
  if (row.sex != 0 && (row.sex == 'F') != nik_female) mismatch = true;
  if (mismatch) row.flags |= kNikMismatch;
  return true;
}

void normalize_into(const std::array<std::string_view, 10>& raw, std::uint32_t line, Date as_of,
                    NormalizeOutput& out, std::string& reason, KeyChecks* checks) {
  bool nik_only = false, repaired = false;
  out.rows.emplace_back();  // normalised in place: no copy of the row
  if (normalize_record(raw, line, as_of, out.rows.back(), out.pool, reason, nik_only, repaired, checks)) {
    ++out.report.loaded;
    if (repaired) ++out.report.repaired;
    return;
  }
  out.rows.pop_back();
  out.report.rejected.push_back({line, reason});
  if (nik_only) {
    RawRecord rec;
    std::string* dst[10] = {&rec.nik,     &rec.kk,      &rec.name,     &rec.birth_date, &rec.sex,
                            &rec.address, &rec.village, &rec.district, &rec.rt,         &rec.rw};
    for (std::size_t k = 0; k < 10; ++k) dst[k]->assign(trim_ascii(raw[k]));
    rec.line = line;
    out.unkeyed.push_back(std::move(rec));
    ++out.report.unkeyed;
  }
}

void append_output(NormalizeOutput& into, NormalizeOutput&& part, std::size_t line_shift) {
  const std::uint64_t shift = into.pool.size();
  if (into.rows.empty() && into.pool.empty() && line_shift == 0) {
    into.rows = std::move(part.rows);
    into.pool = std::move(part.pool);
  } else {
    into.pool += part.pool;
    const std::size_t at = into.rows.size();
    into.rows.insert(into.rows.end(), part.rows.begin(), part.rows.end());  // within `into`'s reserve, usually
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
  into.report.loaded += part.report.loaded;
  into.report.unkeyed += part.report.unkeyed;
  into.report.repaired += part.report.repaired;
}

NormalizeOutput normalize_all(std::size_t count, Date as_of,
                              const std::function<void(std::size_t, std::array<std::string_view, 10>&,
                                                       std::uint32_t&)>& fields) {
  auto run = [&](std::size_t begin, std::size_t end, NormalizeOutput& out) {
    out.rows.reserve(end - begin);
    out.pool.reserve((end - begin) * 40);
    std::array<std::string_view, 10> raw;
    std::string reason;
    std::unique_ptr<KeyChecks> checks;
    if (end - begin >= 1000) checks = std::make_unique<KeyChecks>(as_of);  // worth its tables
    for (std::size_t i = begin; i < end; ++i) {
      std::uint32_t line = 0;
      fields(i, raw, line);
      normalize_into(raw, line, as_of, out, reason, checks.get());
    }
  };
  NormalizeOutput first;
  if (count < 50000 || std::thread::hardware_concurrency() < 2) {
    run(0, count, first);
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
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) {
      throw Error(ErrorCode::kInvalidArgument,
                  "programme name '" + program + "' may only hold A-Z a-z 0-9 _ - .");
    }
  }
  return program;
}

}  // namespace smartkampung::detail
