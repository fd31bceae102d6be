// smartkampung/intake.hpp: reading list fields as Indonesian offices write them.
//
// The pieces every loader shares: header names matched against one alias table,
// spreadsheet damage on key numbers undone, dates whose format is decided per column
// (day/month order from the column's values), sex, booleans, numbers and coordinates.
// Every function here is pure and thread-safe.
#ifndef SMARTKAMPUNG_INTAKE_HPP
#define SMARTKAMPUNG_INTAKE_HPP

#include <smartkampung/date.hpp>
#include <smartkampung/export.h>
#include <smartkampung/io.hpp>

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smartkampung {

// ---- headers ------------------------------------------------------------------------

/// A header folded for comparison: ASCII lowercased, without spaces, dots, underscores,
/// slashes and dashes ("No. KK" -> "nokk", "Tgl_Lahir" -> "tgllahir", "L/P" -> "lp").
SMARTKAMPUNG_EXPORT std::string fold_header(std::string_view header);

/// The field a header names in the alias table ("nik", "kk", "name", "birth_date",
/// "sex", "address", "village", "district", "rt", "rw", "lat", "lon", "capacity", ...),
/// or "" when it names none.
SMARTKAMPUNG_EXPORT std::string_view header_field(std::string_view header);

/// How a header was matched to the fields a loader wants.
struct ColumnMatch {
  std::vector<long> column;                ///< per wanted field: its column, or -1
  std::vector<std::string> ignored;        ///< headers matching no wanted field, in file order
  bool birth_is_ttl = false;               ///< the birth_date column is a TTL (place, date) one
};

/// Matches `header` against `fields` (names of the alias table): first the explicit
/// `columns` (our field -> their header, compared case-insensitively, then folded), then
/// the aliases; the first column naming a field wins. Throws Error(kInvalidArgument) for
/// an explicit field not in `fields`, Error(kParse) for an explicit header not in the file.
SMARTKAMPUNG_EXPORT ColumnMatch match_columns(const std::vector<std::string>& header,
                                              const std::vector<std::string>& fields,
                                              const ColumnMap& columns = {});

// ---- key numbers (NIK, KK) ----------------------------------------------------------

/// Damage a spreadsheet does to a 16-digit number kept as text.
enum class KeyRepair : int {
  kNone = 0,
  kApostrophe = 1,   ///< '3510...
  kDotZero = 2,      ///< 3510....0 (the cell was a number)
  kFormulaText = 3,  ///< ="3510..." (the usual way to keep it as text for Excel)
  kDigitGroups = 4,  ///< 3510 1869 0485 1402, 3510.1869..., 3510-1869-...
};
constexpr std::size_t kKeyRepairKinds = 5;
/// "none", "apostrophe", "dot_zero", "formula_text", "digit_groups".
SMARTKAMPUNG_EXPORT const char* key_repair_name(KeyRepair repair) noexcept;

/// The digits of a damaged key: `text` when nothing was repaired (`repair` kNone), else a
/// view into `buffer`. Scientific notation is left as it is (its digits are lost).
SMARTKAMPUNG_EXPORT std::string_view repair_key_text(std::string_view text, std::array<char, 24>& buffer,
                                                     KeyRepair& repair) noexcept;

// ---- dates --------------------------------------------------------------------------

/// The day/month order of a date column.
enum class DateOrder : int { kUnknown = 0, kDayFirst = 1, kMonthFirst = 2 };
/// "unknown", "day_first", "month_first".
SMARTKAMPUNG_EXPORT const char* date_order_name(DateOrder order) noexcept;

constexpr std::int32_t kNoDay = INT32_MIN;

/// One date cell read before its column's order is known: its day number read day
/// first and read month first (kNoDay where that reading is not a date). Both are equal
/// for the forms that carry no order (YYYY-MM-DD, month names, Excel serials).
struct DateCell {
  std::int32_t day_first = kNoDay;
  std::int32_t month_first = kNoDay;
  bool two_digit_year = false;
  bool valid() const noexcept { return day_first != kNoDay || month_first != kNoDay; }
  /// The day under a column's order (kUnknown reads day first, the Indonesian way).
  std::int32_t under(DateOrder order) const noexcept { return order == DateOrder::kMonthFirst ? month_first : day_first; }
};

/// Reads date cells: YYYY-MM-DD (or with '/', with or without a time part), DD-MM-YYYY,
/// DD/MM/YYYY, DD.MM.YYYY (either order, one or two digits), two-digit years (20YY
/// unless that is after the reference date, then 19YY, as for NIKs), month names and
/// abbreviations in Indonesian and English (29 Agustus 1985, 29-Agt-85, 29-Apr-85),
/// YYYYMMDD, Excel serial day numbers (1900 system) and TTL cells ("Banyuwangi,
/// 29-04-1985": the part after the last comma).
class SMARTKAMPUNG_EXPORT DateReader {
 public:
  explicit DateReader(Date reference) noexcept;
  DateCell read(std::string_view text) const noexcept;

 private:
  std::int32_t year_of(int yy, int month, int day) const noexcept;
  int reference_key_ = 0;  // YYYYMMDD
};

/// Tally of a column's cells, to decide its order: cells only readable day first, only
/// month first, and readable both ways with different answers.
struct DateOrderVotes {
  std::size_t day_first_only = 0, month_first_only = 0, ambiguous = 0;
  void add(const DateCell& c) noexcept {
    if (c.day_first != kNoDay && c.month_first == kNoDay) ++day_first_only;
    if (c.month_first != kNoDay && c.day_first == kNoDay) ++month_first_only;
    if (c.day_first != kNoDay && c.month_first != kNoDay && c.day_first != c.month_first) ++ambiguous;
  }
  void add(const DateOrderVotes& o) noexcept {
    day_first_only += o.day_first_only;
    month_first_only += o.month_first_only;
    ambiguous += o.ambiguous;
  }
  /// Month first when more cells can only be month first than only day first; day
  /// first otherwise (also with no evidence either way: the Indonesian default).
  DateOrder decide() const noexcept {
    if (day_first_only == 0 && month_first_only == 0 && ambiguous == 0) return DateOrder::kUnknown;
    return month_first_only > day_first_only ? DateOrder::kMonthFirst : DateOrder::kDayFirst;
  }
};

// ---- other values -------------------------------------------------------------------

/// 'M', 'F', or 0 when unreadable: L/P, LK/PR, Laki-laki/Perempuan, Pria/Wanita, M/F,
/// Male/Female, 1/2 (case-insensitive).
SMARTKAMPUNG_EXPORT char read_sex(std::string_view text) noexcept;
/// 1, 0, or -1 when unreadable: ya/tidak, y/t, yes/no, true/false, 1/0, benar/salah.
SMARTKAMPUNG_EXPORT int read_bool(std::string_view text) noexcept;
/// A number with a decimal comma or point and thousands separators: "1.500.000",
/// "1,500,000", "1.500,50", "2,5". One separator followed by exactly three digits is a
/// thousands separator ("1.500" is 1500). False when unreadable.
SMARTKAMPUNG_EXPORT bool read_number(std::string_view text, double& out) noexcept;
/// A coordinate with either decimal mark ("-8,2191" or "-8.2191"); no thousands.
SMARTKAMPUNG_EXPORT bool read_coordinate(std::string_view text, double& out) noexcept;

}  // namespace smartkampung

#endif
