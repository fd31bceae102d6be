#include <cmath>
#include <cstdio>
#include <smartkampung/date.hpp>
#include <smartkampung/error.hpp>
#include <string>

namespace smartkampung {

namespace {
constexpr bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Floor division for the era arithmetic below.
constexpr int floor_div(int a, int b) noexcept { return (a >= 0 ? a : a - b + 1) / b; }
}  // namespace

int days_in_month(int year, int month) noexcept {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Civil date <-> day count over 400-year eras of 146097 days, with years starting
// in March so that the leap day is the last day of the year.
std::int32_t days_from_civil(int year, int month, int day) noexcept {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = floor_div(y, 400);
  const int year_of_era = y - era * 400;                               // [0, 399]
  const int month_from_march = month > 2 ? month - 3 : month + 9;      // [0, 11]
  const int day_of_year = (153 * month_from_march + 2) / 5 + day - 1;  // [0, 365]
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void civil_from_days(std::int32_t days, int& year, int& month, int& day) noexcept {
  const int z = days + 719468;
  const int era = floor_div(z, 146097);
  const int day_of_era = z - era * 146097;  // [0, 146096]
  const int year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int mp = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

bool Date::is_valid_ymd(int year, int month, int day) noexcept {
  return year >= 1 && year <= 9999 && day >= 1 && day <= days_in_month(year, month);
}

Date Date::from_ymd(int year, int month, int day) {
  if (!is_valid_ymd(year, month, day)) {
    throw Error(ErrorCode::kInvalidArgument, "date does not exist: year " + std::to_string(year) +
                                                 ", month " + std::to_string(month) + ", day " +
                                                 std::to_string(day));
  }
  return Date(days_from_civil(year, month, day));
}

Date Date::parse_iso(std::string_view text) {
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(0, 4, y) ||
      !digits(5, 2, m) || !digits(8, 2, d)) {
    throw Error(ErrorCode::kParse, "date is not of the form YYYY-MM-DD");
  }
  if (!is_valid_ymd(y, m, d)) throw Error(ErrorCode::kParse, "date does not exist");
  return Date(days_from_civil(y, m, d));
}

int Date::year() const noexcept {
  int y, m, d;
  civil_from_days(days_, y, m, d);
  return y;
}
int Date::month() const noexcept {
  int y, m, d;
  civil_from_days(days_, y, m, d);
  return m;
}
int Date::day() const noexcept {
  int y, m, d;
  civil_from_days(days_, y, m, d);
  return d;
}

std::string Date::to_iso() const {
  int y, m, d;
  civil_from_days(days_, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

void check_instant(Instant t, std::string_view what) {
  if (t < kMinInstant || t > kMaxInstant) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) + " is outside the supported times (years 1 to 9999, UTC)");
  }
}

Instant instant_from_seconds(double seconds, std::string_view what) {
  // Compared as doubles before any conversion: casting NaN or 1e30 to int64 is undefined.
  if (!std::isfinite(seconds)) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) + " must be a finite number of seconds");
  }
  const double floored = std::floor(seconds);
  if (floored < static_cast<double>(kMinInstant) || floored > static_cast<double>(kMaxInstant)) {
    check_instant(seconds < 0 ? kMinInstant - 1 : kMaxInstant + 1, what);
  }
  return static_cast<Instant>(floored);
}

Date local_date(Instant t, TimeZone zone) noexcept {
  // Clamped so that no instant (kNoTime, INT64_MAX) can overflow the arithmetic below.
  t = t < kMinInstant ? kMinInstant : (t > kMaxInstant ? kMaxInstant : t);
  const Instant local = t + static_cast<Instant>(zone) * 60;
  const Instant day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  return Date(static_cast<std::int32_t>(day));
}

Instant start_of_day(Date d, TimeZone zone) noexcept {
  return static_cast<Instant>(d.days_since_epoch()) * 86400 - static_cast<Instant>(zone) * 60;
}

int age_in_years(Date birth, Date on) noexcept {
  int by, bm, bd, oy, om, od;
  civil_from_days(birth.days_since_epoch(), by, bm, bd);
  civil_from_days(on.days_since_epoch(), oy, om, od);
  int age = oy - by;
  if (om < bm || (om == bm && od < bd)) --age;
  return age;
}

}  // namespace smartkampung
