// Private: the region table (built-in provinces, embedded regency/district names).
#ifndef SMARTKAMPUNG_SRC_NIK_REGIONS_HPP
#define SMARTKAMPUNG_SRC_NIK_REGIONS_HPP

#include <smartkampung/date.hpp>
#include <smartkampung/nik.hpp>
#include <string_view>

namespace smartkampung::detail {

/// True for a province code (11..96) printed on NIKs, current or older.
bool is_province_code(int code) noexcept;
/// Name of a 2-, 4- or 6-digit code given as an integer with its digit count;
/// empty when unknown. The returned view points to static storage.
std::string_view region_name(int code, int digits) noexcept;

/// as_of as the integer YYYYMMDD (the form number_reason compares dates in).
int ymd_key(Date as_of) noexcept;

/// The checks of a 16-digit NIK or KK after its length and digits, on its parts: the
/// province (digits 1-2), the encoded date (digits 7-12: DD, MM, YY; day + 40 marks a
/// woman when day_plus_40) and the serial (digits 13-16). kValid, kProvince, kBirthDate or
/// kSerial. as_of_key: ymd_key(as_of), which decides the century of YY.
NikReason number_reason(int province, int day, int month, int yy, int serial, int as_of_key,
                        bool day_plus_40) noexcept;

}  // namespace smartkampung::detail

#endif
