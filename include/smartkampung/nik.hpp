// smartkampung/nik.hpp: NIK (national identity number) and KK (family card number).
//
// A NIK is 16 digits: province (2) + regency (2) + district (2) + birth date DDMMYY,
// with 40 added to the day for women, + serial (4). A KK is region (6) + issue date
// DDMMYY + serial (4). All functions here are pure and safe from any thread.
#ifndef SMARTKAMPUNG_NIK_HPP
#define SMARTKAMPUNG_NIK_HPP

#include <smartkampung/export.h>

#include <cstdint>
#include <smartkampung/date.hpp>
#include <smartkampung/error.hpp>
#include <string>
#include <string_view>

namespace smartkampung {

/// Why a NIK or KK was rejected, checked in this order (the first failure wins).
/// The integer values are part of the C ABI and never change.
enum class NikReason : int {
  kValid = 0,
  kLength = 1,              ///< not 16 characters after trimming ASCII whitespace
  kNonDigit = 2,            ///< a character other than 0-9
  kProvince = 3,            ///< unknown province code
  kBirthDate = 4,           ///< the encoded date does not exist (day 32, Feb 30, month 13, ...)
  kSerial = 5,              ///< serial 0000
  kScientificNotation = 6,  ///< a spreadsheet turned it into 3.51001E+15: the digits are lost
};

/// "valid", "length", "non_digit", "province", "birth_date", "serial", "scientific_notation".
SMARTKAMPUNG_EXPORT const char* nik_reason_name(NikReason reason) noexcept;

/// Error thrown by parse_nik / parse_kk; code() is kInvalidArgument.
class SMARTKAMPUNG_EXPORT NikError : public Error {
 public:
  NikError(NikReason reason, const std::string& message);
  ~NikError() override;
  NikError(const NikError&) = default;
  NikError& operator=(const NikError&) = default;
  NikReason reason() const noexcept { return reason_; }

 private:
  NikReason reason_;
};

enum class Sex : char { kFemale = 'F', kMale = 'M' };

/// A decoded NIK. Region names are empty where the built-in table does not know
/// the code (the NIK is still valid when its province is known).
struct NikInfo {
  std::uint64_t value = 0;    ///< the 16 digits as an integer (a dedup key)
  std::string province;       ///< "35"
  std::string regency;        ///< "3510"
  std::string district;       ///< "351001"
  std::string province_name;  ///< "Jawa Timur"
  std::string regency_name;   ///< "Kabupaten Banyuwangi"
  std::string district_name;  ///< "Pesanggaran"
  Date birth_date;
  Sex sex = Sex::kMale;
  int serial = 0;
  bool repaired = false;  ///< a leading apostrophe or trailing ".0" was stripped

  /// The 16 digits, zero-padded.
  SMARTKAMPUNG_EXPORT std::string digits() const;
};

/// A decoded KK (family card) number.
struct KkInfo {
  std::uint64_t value = 0;
  std::string province;
  std::string regency;
  std::string district;
  std::string province_name;
  std::string regency_name;
  std::string district_name;
  Date issue_date;
  int serial = 0;
  bool repaired = false;

  /// The 16 digits, zero-padded.
  SMARTKAMPUNG_EXPORT std::string digits() const;
};

/// The outcome of a non-throwing check: the reason, the 16-digit key (0 unless
/// valid) and whether spreadsheet damage was repaired.
struct NikCheck {
  NikReason reason = NikReason::kLength;
  std::uint64_t value = 0;
  bool repaired = false;
};

/// Parses a NIK. The century of the birth year is 20YY unless that date is after
/// `as_of`, then 19YY. Throws NikError naming the reason (never the NIK itself).
SMARTKAMPUNG_EXPORT NikInfo parse_nik(std::string_view nik, Date as_of);
/// As above with as_of = today in Asia/Jakarta (the clock is read here, in the API layer).
SMARTKAMPUNG_EXPORT NikInfo parse_nik(std::string_view nik);
SMARTKAMPUNG_EXPORT KkInfo parse_kk(std::string_view kk, Date as_of);
SMARTKAMPUNG_EXPORT KkInfo parse_kk(std::string_view kk);

/// Non-throwing, non-allocating checks (the hot path of batch validation).
SMARTKAMPUNG_EXPORT NikCheck check_nik(std::string_view nik, Date as_of) noexcept;
SMARTKAMPUNG_EXPORT NikCheck check_kk(std::string_view kk, Date as_of) noexcept;

/// True when check_nik / check_kk find nothing wrong (as_of defaults to today in WIB).
SMARTKAMPUNG_EXPORT bool is_valid_nik(std::string_view nik) noexcept;
SMARTKAMPUNG_EXPORT bool is_valid_nik(std::string_view nik, Date as_of) noexcept;
SMARTKAMPUNG_EXPORT bool is_valid_kk(std::string_view kk) noexcept;
SMARTKAMPUNG_EXPORT bool is_valid_kk(std::string_view kk, Date as_of) noexcept;

/// Today's date in a zone, from the system clock. Only API layers call this; the
/// core takes dates as parameters so that every decision can be replayed.
SMARTKAMPUNG_EXPORT Date today(TimeZone zone = TimeZone::kWIB) noexcept;

/// "3510********0001": first 4 and last 4 digits, '*' between (for public answers and
/// error messages). Input that is not 16 characters is masked entirely.
SMARTKAMPUNG_EXPORT std::string mask_nik(std::string_view nik);

/// The 16-digit form of a key (zero-padded).
SMARTKAMPUNG_EXPORT std::string nik_digits(std::uint64_t value);

/// Names of a region code of 2, 4 or 6 digits; empty when unknown.
SMARTKAMPUNG_EXPORT std::string region_name(std::string_view code);

}  // namespace smartkampung

#endif
