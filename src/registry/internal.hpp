// Private: the registry's storage. A programme's list is immutable once built; a
// Snapshot is an immutable set of lists plus the exclusion table, swapped whole.
#ifndef SMARTKAMPUNG_SRC_REGISTRY_INTERNAL_HPP
#define SMARTKAMPUNG_SRC_REGISTRY_INTERNAL_HPP

#include <array>
#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <smartkampung/intake.hpp>
#include <smartkampung/registry.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/progress.hpp"
#include "nik/regions.hpp"

namespace smartkampung::detail {

constexpr std::size_t kMaxPrograms = 64;  // a programme set is a 64-bit mask
constexpr int kProgramBits = 6;
constexpr std::int32_t kNoDate = INT32_MIN;
constexpr std::uint16_t kNoNumber = 0xFFFF;

enum RowFlags : std::uint8_t {
  kNikMismatch = 1,
  kRepaired = 2,
  // While a load runs (cleared by finish_output): the birth date could only be read day
  // first / month first; which counts depends on the column's order.
  kBirthDayFirstOnly = 4,
  kBirthMonthFirstOnly = 8,
};

// One enrolment: 56 bytes plus its text in the list's pool.
struct Row {
  std::uint64_t nik = 0;
  std::uint64_t kk = 0;        // 0: none
  std::uint64_t name_key = 0;  // hash of the folded name (case, spaces, punctuation)
  std::uint64_t text = 0;      // offset in the pool: name, address, village, district
  std::array<std::uint16_t, 4> len{};
  std::int32_t birth = kNoDate;
  std::uint32_t line = 0;
  std::uint16_t rt = kNoNumber, rw = kNoNumber;
  char sex = 0;
  std::uint8_t flags = 0;
};

struct ProgramList {
  std::string name;
  ProgramLevel level = ProgramLevel::kCentral;
  std::vector<Row> rows;
  std::string pool;
  std::vector<RawRecord> unkeyed;  // as given, with their line

  std::string_view field(const Row& r, int which) const noexcept {
    std::uint64_t off = r.text;
    for (int i = 0; i < which; ++i) off += r.len[static_cast<std::size_t>(i)];
    return std::string_view(pool).substr(static_cast<std::size_t>(off),
                                         r.len[static_cast<std::size_t>(which)]);
  }
};

// A sorted (key, programme mask) index, built once per snapshot on first use.
struct KeyIndex {
  std::vector<std::uint64_t> keys;
  std::vector<std::uint64_t> masks;
  std::uint64_t find(std::uint64_t key) const noexcept;
};

struct Snapshot {
  std::vector<std::shared_ptr<const ProgramList>> programs;  // sorted by name
  ConflictTable exclusions;
  Date as_of;

  mutable std::once_flag index_once;
  mutable KeyIndex by_nik, by_kk;
  mutable std::vector<std::uint32_t> nik_first;  // global row of each by_nik key's first record
  std::vector<std::size_t> offsets() const;      // global row index where each programme starts
  const KeyIndex& nik_index() const;
  const KeyIndex& kk_index() const;

  long find(std::string_view program) const noexcept;
  std::vector<std::string> names_of(std::uint64_t mask) const;
};

// --- normalisation (normalize.cpp) ------------------------------------------
/// Reads a date cell day first (as a lone cell is read); false when it is no date.
bool parse_record_date(std::string_view text, Date as_of, Date& out) noexcept;
/// 'M', 'F', or 0 when unrecognised.
char parse_sex(std::string_view text) noexcept;
/// Hash of a name folded for comparison (ASCII case, spaces and punctuation ignored).
std::uint64_t name_key(std::string_view name) noexcept;
/// "S*** A***".
std::string mask_name(std::string_view name);
/// Without ASCII spaces, tabs, CR and LF at either end.
inline std::string_view trim_ascii(std::string_view s) noexcept {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  if (s.empty() ||
      (static_cast<unsigned char>(s.front()) > ' ' && static_cast<unsigned char>(s.back()) > ' ')) {
    return s;  // the common case
  }
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

constexpr std::size_t kFields = 10;

/// Normalises records [begin, end) into `out` (rows + pool) or the report's rejections.
/// Safe to run on disjoint ranges in parallel, each with its own output; finish_output
/// then decides what needs the whole list (the date column's order).
struct NormalizeOutput {
  std::vector<Row> rows;
  std::string pool;
  std::vector<RawRecord> unkeyed;
  LoadReport report;
  std::array<std::vector<std::uint32_t>, kFields>
      nulled;  // lines of the rows where a field was nulled
  std::array<std::size_t, kKeyRepairKinds> repairs{};
  DateOrderVotes birth_votes;
  // Rows whose birth date reads differently month first: (row index, month-first day).
  std::vector<std::pair<std::size_t, std::int32_t>> birth_month_first;
  std::vector<CsvQuoteRun> quote_runs;
};

/// check_nik / check_kk for one thread's many calls: an input of exactly 16 ASCII digits
/// is read 8 bytes at a time and checked on its parts (detail::number_reason, with the
/// century cut-off computed once); any other input goes to check_nik / check_kk. (It
/// used to remember verdicts per province and date in a 512 KiB table: the cache misses
/// cost more than the checks.)
class KeyCheckCache {
 public:
  KeyCheckCache(Date as_of, bool kk) : as_of_(as_of), as_of_key_(detail::ymd_key(as_of)), kk_(kk) {}
  NikCheck check(std::string_view s) const noexcept;

 private:
  Date as_of_;
  int as_of_key_;
  bool kk_;
};

struct KeyChecks {
  explicit KeyChecks(Date as_of) : nik(as_of, false), kk(as_of, true), dates(as_of) {}
  KeyCheckCache nik, kk;
  DateReader dates;
};

/// What normalising one record found besides its row.
struct RecordNotes {
  std::uint16_t nulled = 0;  // bit k: field k could not be read and was left empty
  KeyRepair nik_repair = KeyRepair::kNone, kk_repair = KeyRepair::kNone;
  DateCell birth;  // the birth date cell as read (both orders)
};

/// Validates one record; fills `row` and appends its text to `pool`, or returns false
/// with the reason when its NIK cannot be had (the only cause of a rejection).
bool normalize_record(const std::array<std::string_view, 10>& fields, std::uint32_t line,
                      Date as_of, Row& row, std::string& pool, std::string& reason,
                      RecordNotes& notes, KeyChecks* checks = nullptr);

/// Normalises one record into `out` (a row, or a rejection and an unkeyed record);
/// false when rejected (the caller then sets the rejection's raw text).
bool normalize_into(const std::array<std::string_view, 10>& raw, std::uint32_t line, Date as_of,
                    NormalizeOutput& out, std::string& reason, KeyChecks* checks = nullptr);

/// Appends `part` to `into`: text offsets shifted, lines (rows, rejections, unkeyed) plus
/// `line_shift`.
void append_output(NormalizeOutput& into, NormalizeOutput&& part, std::size_t line_shift);

/// After the last append: decides the birth-date column's order and applies it (cells
/// that cannot be read in it are nulled), counts the records each quote run recovered and
/// fills the report's nulled fields and repairs.
/// `birth_order`, when given, is applied instead of the one the votes decide.
void finish_output(NormalizeOutput& out, std::optional<DateOrder> birth_order = std::nullopt);

/// Normalises many records on up to two threads; fields(i) gives the 10 fields and the
/// line of record i, raw(i) the text of a rejected one. Then finish_output.
NormalizeOutput normalize_all(
    std::size_t count, Date as_of,
    const std::function<void(std::size_t, std::array<std::string_view, 10>&, std::uint32_t&)>&
        fields,
    const std::function<std::string(std::size_t)>& raw,
    std::optional<DateOrder> birth_order = std::nullopt, ProgressMeter* meter = nullptr);

/// Reads a CSV file and normalises its records in one pass per thread, without building a
/// CsvTable: the same records, lines and rejections as normalising read_csv_file's table.
/// Errors as read_csv_file's and load_table's (kParse ones prefixed with the path).
/// `progress` is told the bytes of the data read; its last report comes at the end.
NormalizeOutput normalize_csv_file(const std::string& path, const ColumnMap& columns, Date as_of,
                                   const Progress& progress = {});

/// Normalises a parsed table's records (Registry::load_table's path).
/// birth_order, when given, replaces the order the birth date column's votes decide.
/// `progress` is told the rows read; its last report comes at the end.
NormalizeOutput normalize_csv_table(const CsvTable& table, const ColumnMap& columns, Date as_of,
                                    std::optional<DateOrder> birth_order = std::nullopt,
                                    const Progress& progress = {});

/// Normalises records given as fields (Registry::add_records, replace_program, ...).
NormalizeOutput normalize_raw_records(const std::vector<RawRecord>& records, Date as_of);

/// The value of a valid NIK (kk false) or KK; throws the NikError of the first check it fails.
std::uint64_t require_valid_key(std::string_view text, Date as_of, bool kk);

/// normalize_csv_file over bytes in memory; `ascii` tells that every byte past an optional BOM is
/// below 0x80 (false: not known). `min_parallel`: data size from which it goes parallel.
NormalizeOutput normalize_csv_bytes(std::string_view bytes, bool ascii, const ColumnMap& columns,
                                    Date as_of, unsigned threads, std::size_t min_parallel,
                                    const Progress& progress = {});

Enrolment to_enrolment(const ProgramList& list, const Row& row);
std::string program_check(const std::string& program);

// --- dedup (dedup.cpp) -------------------------------------------------------
DedupReport dedup_snapshot(const Snapshot& snap);

// --- persistence (store.cpp) ---------------------------------------------------
std::string serialize(const Snapshot& snap, const std::vector<QueuedReport>& reports);
void deserialize(std::string_view bytes, Snapshot& snap, std::vector<QueuedReport>& reports);

}  // namespace smartkampung::detail

#endif
