// smartkampung/intake.hpp: reading list fields as Indonesian offices write them.
//
// The pieces every loader shares: header names matched against one alias table,
// spreadsheet damage on key numbers undone, dates whose format is decided per column
// (day/month order from the column's values), sex, booleans, numbers and coordinates.
// Every function here is pure and thread-safe.
#ifndef SMARTKAMPUNG_INTAKE_HPP
#define SMARTKAMPUNG_INTAKE_HPP

#include <smartkampung/export.h>

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <smartkampung/date.hpp>
#include <smartkampung/io.hpp>
#include <string>
#include <string_view>
#include <utility>
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
  std::vector<long> column;          ///< per wanted field: its column, or -1
  std::vector<std::string> ignored;  ///< headers matching no wanted field, in file order
  bool birth_is_ttl = false;         ///< the birth_date column is a TTL (place, date) one
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
SMARTKAMPUNG_EXPORT std::string_view repair_key_text(std::string_view text,
                                                     std::array<char, 24>& buffer,
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
  std::int32_t under(DateOrder order) const noexcept {
    return order == DateOrder::kMonthFirst ? month_first : day_first;
  }
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
    if (c.day_first != kNoDay && c.month_first != kNoDay && c.day_first != c.month_first)
      ++ambiguous;
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

// ---- records given by key (dicts, JSON objects, data-frame rows) --------------------

struct LinkRecord;

/// What a KeyedIntake did, summed over the batches it was given.
struct KeyedIntakeCounts {
  std::size_t keys_repaired = 0;     ///< NIK/KK cells undamaged (', .0, ="...", digit groups)
  std::size_t dates_read = 0;        ///< birth dates brought to YYYY-MM-DD
  std::size_t dates_unreadable = 0;  ///< birth dates left as they were (no date in them)
  std::size_t sexes_read = 0;        ///< sex cells brought to M or F
  std::size_t sexes_unreadable = 0;  ///< sex cells left as they were
};

/// Records given as key -> text (Python dicts, JSON objects, data-frame rows) read through
/// the same table and readers as a list file: each key is matched once against the alias
/// table ("NIK", "NAMA", "Tgl. Lahir", "L/P" -> nik, name, birth_date, sex), and values of
/// the known fields are brought to one form: NIK and KK repaired of spreadsheet damage,
/// birth dates to YYYY-MM-DD (the day/month order of the column decided from the first
/// batch that shows it, then kept), sex to M or F. A value that cannot be read is left as
/// it was: the loader decides what it means. One object per load; not thread-safe.
class SMARTKAMPUNG_EXPORT KeyedIntake {
 public:
  /// `keep`: keys taken as they are (the columns a caller's settings name); `columns`:
  /// our field -> their key, taken before the alias table. `reference`: the date that
  /// decides the century of two-digit years.
  KeyedIntake(Date reference, std::vector<std::string> keep = {}, ColumnMap columns = {});

  /// The name a key is stored under: the field the explicit `columns` give it, else the
  /// one the alias table gives it, else the key itself. When a record has a key of each
  /// kind for one field, the explicit one is meant: set it last (is_explicit).
  const std::string& column_of(const std::string& key);
  /// True when `key` is named in the explicit `columns`.
  bool is_explicit(const std::string& key);
  /// Brings one batch's cells of `field` ("nik", "kk", "birth_date", "sex"; any other is
  /// left alone) to their canonical form, in place. Null pointers are skipped.
  void canonicalize(std::string_view field, const std::vector<std::string*>& cells);
  /// canonicalize() on the nik, kk, birth_date and sex of a batch of linkage records.
  void canonicalize(std::vector<LinkRecord>& records, std::size_t first = 0);

  DateOrder birth_order() const noexcept { return birth_order_; }
  /// Reads birth dates in `order` from now on, whatever later batches show (kUnknown: as
  /// if no order was ever decided): a share of a list read as the whole list decided.
  void set_birth_order(DateOrder order) noexcept {
    birth_order_ = order;
    birth_order_fixed_ = true;
  }
  /// The votes of a batch's birth dates (what canonicalize() decides the order from),
  /// nothing changed. Null pointers and empty cells are skipped.
  DateOrderVotes birth_votes(const std::vector<std::string*>& cells) const;
  const KeyedIntakeCounts& counts() const noexcept { return counts_; }
  /// Keys mapped to another name, as (key, field), in the order first seen.
  const std::vector<std::pair<std::string, std::string>>& renamed() const noexcept {
    return renamed_;
  }

 private:
  DateReader dates_;
  std::vector<std::string> keep_;
  ColumnMap columns_;
  struct Entry {
    std::string key, stored;
    bool explicit_map = false;
  };
  std::vector<Entry> cache_;
  std::vector<std::pair<std::string, std::string>> renamed_;
  DateOrder birth_order_ = DateOrder::kUnknown;
  bool birth_order_fixed_ = false;
  KeyedIntakeCounts counts_;
};

}  // namespace smartkampung

#endif
