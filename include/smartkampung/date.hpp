// smartkampung/date.hpp: civil dates and UTC instants, with no clock inside.
#ifndef SMARTKAMPUNG_DATE_HPP
#define SMARTKAMPUNG_DATE_HPP

#include <smartkampung/export.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace smartkampung {

/// A civil (proleptic Gregorian) date, stored as days since 1970-01-01.
class SMARTKAMPUNG_EXPORT Date {
 public:
  constexpr Date() noexcept = default;
  constexpr explicit Date(std::int32_t days_since_epoch) noexcept : days_(days_since_epoch) {}

  /// Throws Error(kInvalidArgument) when the day does not exist (2021-02-29).
  static Date from_ymd(int year, int month, int day);
  /// Parses "YYYY-MM-DD"; throws Error(kParse) naming the problem.
  static Date parse_iso(std::string_view text);
  /// True when year-month-day names an existing day.
  static bool is_valid_ymd(int year, int month, int day) noexcept;

  constexpr std::int32_t days_since_epoch() const noexcept { return days_; }
  int year() const noexcept;
  int month() const noexcept;
  int day() const noexcept;
  /// "YYYY-MM-DD".
  std::string to_iso() const;

  friend constexpr bool operator==(Date a, Date b) noexcept { return a.days_ == b.days_; }
  friend constexpr bool operator!=(Date a, Date b) noexcept { return a.days_ != b.days_; }
  friend constexpr bool operator<(Date a, Date b) noexcept { return a.days_ < b.days_; }
  friend constexpr bool operator<=(Date a, Date b) noexcept { return a.days_ <= b.days_; }
  friend constexpr bool operator>(Date a, Date b) noexcept { return a.days_ > b.days_; }
  friend constexpr bool operator>=(Date a, Date b) noexcept { return a.days_ >= b.days_; }

 private:
  std::int32_t days_ = 0;
};

/// Days since 1970-01-01 of a valid year-month-day (no checking).
SMARTKAMPUNG_EXPORT std::int32_t days_from_civil(int year, int month, int day) noexcept;
/// Inverse of days_from_civil.
SMARTKAMPUNG_EXPORT void civil_from_days(std::int32_t days, int& year, int& month,
                                         int& day) noexcept;
/// Days in a month of a year (28 to 31); 0 for a month outside 1..12.
SMARTKAMPUNG_EXPORT int days_in_month(int year, int month) noexcept;

/// Fixed UTC offsets of Indonesia's three zones (no daylight saving).
enum class TimeZone : int { kWIB = 7 * 60, kWITA = 8 * 60, kWIT = 9 * 60 };

/// UTC seconds since the epoch.
using Instant = std::int64_t;

/// The supported instants: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, the range of
/// Date and of Python's datetime. Every time that enters the library is checked against it.
inline constexpr Instant kMinInstant = -62135596800;
inline constexpr Instant kMaxInstant = 253402300799;

/// Throws Error(kInvalidArgument) naming `what` when t is outside [kMinInstant, kMaxInstant].
SMARTKAMPUNG_EXPORT void check_instant(Instant t, std::string_view what);
/// UTC seconds given as a double (as from Python or JSON), floored: NaN, infinities and values
/// outside [kMinInstant, kMaxInstant] throw Error(kInvalidArgument) naming `what`.
SMARTKAMPUNG_EXPORT Instant instant_from_seconds(double seconds, std::string_view what);

/// The local date of an instant in a zone (an instant outside the supported range is taken
/// at the nearest end of it).
SMARTKAMPUNG_EXPORT Date local_date(Instant t, TimeZone zone = TimeZone::kWIB) noexcept;
/// The instant of local midnight starting a date in a zone.
SMARTKAMPUNG_EXPORT Instant start_of_day(Date d, TimeZone zone = TimeZone::kWIB) noexcept;

/// Completed years from `birth` to `on` (a person born on 29 February has a birthday on
/// 1 March in common years); negative when `on` is before `birth`.
SMARTKAMPUNG_EXPORT int age_in_years(Date birth, Date on) noexcept;

}  // namespace smartkampung

#endif
