#include <algorithm>
#include <chrono>
#include <cstdio>
#include <smartkampung/nik.hpp>

#include "nik/regions.hpp"

namespace smartkampung {

namespace {

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// "3.51001E+15", "3,51001e15", "4E+15": what a spreadsheet shows after turning
// the number into a double. The trailing digits are gone, so it cannot be repaired.
bool looks_scientific(std::string_view s) noexcept {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t mantissa_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == mantissa_start) return false;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i >= s.size() || (s[i] != 'E' && s[i] != 'e')) return false;
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t exp_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i == s.size() && i > exp_start;
}

constexpr int two(const char* p) noexcept { return (p[0] - '0') * 10 + (p[1] - '0'); }

// The century rule: 20YY unless that date is after as_of, then 19YY. Only 2000 and
// 1900 differ in leap years, so the comparison clamps the day into the month.
int birth_year(int yy, int month, int day, int as_of_key) noexcept {
  const int year = 2000 + yy;
  const int dim = days_in_month(year, month);
  const int clamped = day < dim ? day : dim;
  return year * 10000 + month * 100 + clamped > as_of_key ? year - 100 : year;
}

// Shared by NIK and KK: they differ only in whether day + 40 marks a woman.
NikCheck check_number(std::string_view input, Date as_of, bool day_plus_40) noexcept {
  NikCheck out;
  std::string_view s = trim(input);
  if (!s.empty() && s.front() == '\'') {
    s.remove_prefix(1);
    out.repaired = true;
  }
  if (s.size() == 18 && s[16] == '.' && s[17] == '0') {
    s.remove_suffix(2);
    out.repaired = true;
  }
  std::uint64_t value = 0;
  bool all_digits = true;
  for (char c : s) {
    all_digits &= is_digit(c);
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!all_digits || s.size() != 16) {
    // Scientific notation is checked first: "3.51001E+15" is not a length problem.
    if (looks_scientific(s)) {
      out.reason = NikReason::kScientificNotation;
    } else {
      out.reason = s.size() != 16 ? NikReason::kLength : NikReason::kNonDigit;
    }
    return out;
  }
  const char* p = s.data();
  out.reason =
      detail::number_reason(two(p), two(p + 6), two(p + 8), two(p + 10),
                            two(p + 12) * 100 + two(p + 14), detail::ymd_key(as_of), day_plus_40);
  if (out.reason == NikReason::kValid) out.value = value;
  return out;
}

std::string reason_message(const char* what, NikReason reason) {
  switch (reason) {
    case NikReason::kLength:
      return std::string(what) + " rejected (length): it must have 16 digits";
    case NikReason::kNonDigit:
      return std::string(what) + " rejected (non_digit): it may contain only the digits 0-9";
    case NikReason::kProvince:
      return std::string(what) + " rejected (province): unknown province code";
    case NikReason::kBirthDate:
      return std::string(what) + " rejected (birth_date): the encoded date does not exist";
    case NikReason::kSerial:
      return std::string(what) + " rejected (serial): the serial number is 0000";
    case NikReason::kScientificNotation:
      return std::string(what) +
             " rejected (scientific_notation): a spreadsheet stored it as a number and its "
             "last digits are lost; re-export the column as text";
    case NikReason::kValid:
      break;
  }
  return std::string(what) + " rejected";
}

// Fills the region fields shared by NikInfo and KkInfo.
template <typename Info>
void fill_region(Info& info, std::uint64_t value) {
  const int code6 = static_cast<int>(value / 10000000000ULL);
  info.value = value;
  const std::string digits = nik_digits(value);
  info.province = digits.substr(0, 2);
  info.regency = digits.substr(0, 4);
  info.district = digits.substr(0, 6);
  info.province_name = std::string(detail::region_name(code6 / 10000, 2));
  info.regency_name = std::string(detail::region_name(code6 / 100, 4));
  info.district_name = std::string(detail::region_name(code6, 6));
  info.serial = static_cast<int>(value % 10000);
}

// The date encoded in digits 7-12 of a number known to be valid.
Date encoded_date(std::uint64_t value, Date as_of, bool day_plus_40, bool* female) {
  const int ddmmyy = static_cast<int>((value / 10000) % 1000000);
  int day = ddmmyy / 10000;
  const int month = (ddmmyy / 100) % 100;
  if (female) *female = day_plus_40 && day > 40;
  if (day_plus_40 && day > 40) day -= 40;
  return Date(
      days_from_civil(birth_year(ddmmyy % 100, month, day, detail::ymd_key(as_of)), month, day));
}

}  // namespace

namespace detail {

// Divisions by constants only: a few nanoseconds.
int ymd_key(Date as_of) noexcept {
  int y, m, d;
  civil_from_days(as_of.days_since_epoch(), y, m, d);
  return y * 10000 + m * 100 + d;
}

NikReason number_reason(int province, int day, int month, int yy, int serial, int as_of_key,
                        bool day_plus_40) noexcept {
  if (!is_province_code(province)) return NikReason::kProvince;
  if (day_plus_40 && day > 40) day -= 40;
  if (month < 1 || month > 12 || day < 1 ||
      day > days_in_month(birth_year(yy, month, day, as_of_key), month)) {
    return NikReason::kBirthDate;
  }
  return serial == 0 ? NikReason::kSerial : NikReason::kValid;
}

}  // namespace detail

const char* nik_reason_name(NikReason reason) noexcept {
  switch (reason) {
    case NikReason::kValid:
      return "valid";
    case NikReason::kLength:
      return "length";
    case NikReason::kNonDigit:
      return "non_digit";
    case NikReason::kProvince:
      return "province";
    case NikReason::kBirthDate:
      return "birth_date";
    case NikReason::kSerial:
      return "serial";
    case NikReason::kScientificNotation:
      return "scientific_notation";
  }
  return "unknown";
}

NikError::NikError(NikReason reason, const std::string& message)
    : Error(ErrorCode::kInvalidArgument, message), reason_(reason) {}
NikError::~NikError() = default;

std::string NikInfo::digits() const { return nik_digits(value); }
std::string KkInfo::digits() const { return nik_digits(value); }

std::string nik_digits(std::uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llu", static_cast<unsigned long long>(value));
  return buf;
}

NikCheck check_nik(std::string_view nik, Date as_of) noexcept {
  return check_number(nik, as_of, true);
}
NikCheck check_kk(std::string_view kk, Date as_of) noexcept {
  return check_number(kk, as_of, false);
}

NikInfo parse_nik(std::string_view nik, Date as_of) {
  const NikCheck check = check_nik(nik, as_of);
  if (check.reason != NikReason::kValid)
    throw NikError(check.reason, reason_message("NIK", check.reason));
  NikInfo info;
  fill_region(info, check.value);
  bool female = false;
  info.birth_date = encoded_date(check.value, as_of, true, &female);
  info.sex = female ? Sex::kFemale : Sex::kMale;
  info.repaired = check.repaired;
  return info;
}

KkInfo parse_kk(std::string_view kk, Date as_of) {
  const NikCheck check = check_kk(kk, as_of);
  if (check.reason != NikReason::kValid)
    throw NikError(check.reason, reason_message("KK", check.reason));
  KkInfo info;
  fill_region(info, check.value);
  info.issue_date = encoded_date(check.value, as_of, false, nullptr);
  info.repaired = check.repaired;
  return info;
}

Date today(TimeZone zone) noexcept {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return local_date(std::chrono::duration_cast<std::chrono::seconds>(now).count(), zone);
}

NikInfo parse_nik(std::string_view nik) { return parse_nik(nik, today()); }
KkInfo parse_kk(std::string_view kk) { return parse_kk(kk, today()); }

bool is_valid_nik(std::string_view nik, Date as_of) noexcept {
  return check_nik(nik, as_of).reason == NikReason::kValid;
}
bool is_valid_nik(std::string_view nik) noexcept { return is_valid_nik(nik, today()); }
bool is_valid_kk(std::string_view kk, Date as_of) noexcept {
  return check_kk(kk, as_of).reason == NikReason::kValid;
}
bool is_valid_kk(std::string_view kk) noexcept { return is_valid_kk(kk, today()); }

std::string mask_nik(std::string_view nik) {
  nik = trim(nik);
  // Only 16 ASCII characters keep their first and last four: cutting anything else
  // could split a UTF-8 sequence (or reveal a name typed into the NIK column).
  const bool ascii = std::all_of(nik.begin(), nik.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (nik.size() != 16 || !ascii) return std::string(16, '*');
  std::string out(nik);
  for (std::size_t i = 4; i < 12; ++i) out[i] = '*';
  return out;
}

std::string region_name(std::string_view code) {
  if (code.size() != 2 && code.size() != 4 && code.size() != 6) return {};
  int value = 0;
  for (char c : code) {
    if (!is_digit(c)) return {};
    value = value * 10 + (c - '0');
  }
  return std::string(detail::region_name(value, static_cast<int>(code.size())));
}

}  // namespace smartkampung
