// Private: the region table (built-in provinces, embedded regency/district names).
#ifndef SMARTKAMPUNG_SRC_NIK_REGIONS_HPP
#define SMARTKAMPUNG_SRC_NIK_REGIONS_HPP

#include <string_view>

namespace smartkampung::detail {

/// True for a province code (11..96) printed on NIKs, current or older.
bool is_province_code(int code) noexcept;
/// Name of a 2-, 4- or 6-digit code given as an integer with its digit count;
/// empty when unknown. The returned view points to static storage.
std::string_view region_name(int code, int digits) noexcept;

}  // namespace smartkampung::detail

#endif
