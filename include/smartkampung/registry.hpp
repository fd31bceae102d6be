// smartkampung/registry.hpp: every programme's recipient list, crossed on NIK and KK.
//
// A Registry holds the lists of aid programmes (central, provincial, regency level),
// answers "which programmes does this person / household receive" in O(log n), takes
// online reports from residents, and reports duplicates, overlaps, conflicts and
// exclusion violations. Thread safety: every const member may run from many threads at
// once, also while one writer (load, replace, remove, correct, report) runs; readers see
// the state before or after a write, never a mix (the writer builds a new immutable
// snapshot aside and swaps a pointer). Writers are serialised internally.
#ifndef SMARTKAMPUNG_REGISTRY_HPP
#define SMARTKAMPUNG_REGISTRY_HPP

#include <smartkampung/export.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <smartkampung/conflicts.hpp>
#include <smartkampung/date.hpp>
#include <smartkampung/error.hpp>
#include <smartkampung/intake.hpp>
#include <smartkampung/io.hpp>
#include <smartkampung/nik.hpp>
#include <smartkampung/progress.hpp>
#include <smartkampung/signing.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung {

enum class ProgramLevel : int { kCentral = 0, kProvincial = 1, kRegency = 2 };
/// "central", "provincial", "regency".
SMARTKAMPUNG_EXPORT const char* program_level_name(ProgramLevel level) noexcept;
/// Parses the names above (case-insensitive); throws Error(kInvalidArgument).
SMARTKAMPUNG_EXPORT ProgramLevel parse_program_level(std::string_view text);

/// A record as it arrives: text in the CSV formats (empty = missing). Dates, sex and
/// keys are read as smartkampung/intake.hpp describes (the date order decided over all
/// the records given together); RT/RW digits.
struct RawRecord {
  std::string nik, kk, name, birth_date, sex, address, village, district, rt, rw;
  std::size_t line = 0;  ///< CSV physical line, or 1-based position in a list of records
};

/// Our field names, in RawRecord order: nik kk name birth_date sex address village district rt rw.
SMARTKAMPUNG_EXPORT const std::vector<std::string>& record_fields();
/// Sets field `name` (one of record_fields()) of a RawRecord; false for an unknown name.
SMARTKAMPUNG_EXPORT bool set_record_field(RawRecord& record, std::string_view name,
                                          std::string value);

/// A field that could not be read on some rows and was left empty (null) there: the
/// row itself was loaded.
struct NulledField {
  std::string field;               ///< one of record_fields()
  std::vector<std::size_t> lines;  ///< the rows' lines, ascending
};

/// Outcome of a load. A row is rejected only when its NIK cannot be had (or the file's
/// structure gives no record); every rejected row is carried with its line, reason and
/// raw text. A secondary field that cannot be read is left empty and counted in
/// `nulled`; spreadsheet damage on NIK/KK is repaired and counted in `repairs`.
struct LoadReport {
  std::size_t loaded = 0;
  /// Rejected rows (line, reason, raw text: personal data, for the report only), by line.
  std::vector<CsvRejected> rejected;
  std::size_t unkeyed = 0;   ///< rejected rows kept aside as unkeyed records for linkage
  std::size_t repaired = 0;  ///< rows whose NIK or KK had spreadsheet damage repaired
  std::string file;          ///< the file loaded ("" for records given in memory)
  /// Our field -> the header it was read from, for every field found.
  std::vector<std::pair<std::string, std::string>> columns;
  std::vector<std::string> ignored_columns;  ///< headers matching no field, in file order
  std::vector<NulledField> nulled;           ///< in record_fields() order, only fields with nulls
  /// Repairs by kind (key_repair_name: "apostrophe", "dot_zero", "formula_text",
  /// "digit_groups"), only kinds seen.
  std::vector<std::pair<std::string, std::size_t>> repairs;
  /// The day/month order decided for the birth_date column: "day_first", "month_first",
  /// or "unknown" when no cell told (or there were no dates).
  std::string date_order = "unknown";
  std::vector<CsvQuoteRun> quote_runs;  ///< quotes left open that swallowed lines

  /// Data rows seen: loaded + rejected.
  std::size_t rows() const noexcept { return loaded + rejected.size(); }
  /// rejected / rows (0 for an empty load).
  double rejected_share() const noexcept {
    return rows() == 0 ? 0.0 : static_cast<double>(rejected.size()) / static_cast<double>(rows());
  }
  /// True when the load has a column for `field` (one of record_fields()).
  bool has_column(std::string_view field) const noexcept {
    for (const auto& c : columns) {
      if (c.first == field) return true;
    }
    return false;
  }
};

/// When a replacement list is refused: more than `max_rejected_share` of its rows
/// rejected (default 5%), unless `force`.
struct ReplaceOptions {
  double max_rejected_share = 0.05;
  bool force = false;
};

/// A record as held, normalised. NIK/KK are the 16 digits ("" when missing).
struct Enrolment {
  std::string program;
  std::string nik, kk, name, address, village, district;
  std::optional<Date> birth_date;
  char sex = 0;          ///< 'F', 'M' or 0 when not given
  int rt = -1, rw = -1;  ///< -1 when not given
  std::size_t line = 0;
};

struct DuplicateEntry {
  std::string program;
  std::uint64_t nik = 0;
  std::size_t count = 0;  ///< times the NIK is listed in the programme
};

struct ExclusionViolation {
  std::uint64_t key = 0;             ///< the KK (household scope) or the NIK (person scope)
  bool household = false;            ///< true: key is a KK
  std::string program_a, program_b;  ///< a < b
};

/// Result of Registry::dedup(). NIKs/KKs are integers here; nik_digits() gives the text.
/// Two records that fuzzy linkage found to be one person although their NIKs differ
/// or one is missing (a mistyped or absent NIK): each named by programme and line.
struct LikelyDuplicate {
  std::string program_a, program_b;
  std::size_t line_a = 0, line_b = 0;
  std::string nik_a, nik_b;  ///< the NIKs as held ("" when missing or invalid)
  double probability = 0;    ///< match probability of the pair
};

struct SMARTKAMPUNG_EXPORT DedupReport {
  std::size_t records = 0;                 ///< keyed enrolments examined
  std::size_t unkeyed = 0;                 ///< records held aside without a valid NIK
  std::size_t unique_persons = 0;          ///< distinct NIKs
  std::size_t unique_households = 0;       ///< distinct KKs (records without a KK count for none)
  std::vector<DuplicateEntry> duplicates;  ///< sorted by (NIK, programme)
  /// NIKs enrolled in two or more programmes, each with its sorted programmes; by NIK.
  std::vector<std::pair<std::uint64_t, std::vector<std::string>>> overlaps;
  /// NIKs whose records disagree on name (folded), birth date or sex; sorted.
  std::vector<std::uint64_t> conflicts;
  /// NIKs with at least one record whose birth date or sex disagrees with the NIK's; sorted.
  std::vector<std::uint64_t> nik_mismatches;
  /// Exclusion violations: household-scope pairs per KK, person-scope pairs per NIK (and
  /// household-scope pairs per NIK for a person without a KK). Sorted.
  std::vector<ExclusionViolation> exclusion_violations;
  /// True when the report was made with dedup(true): then likely_duplicates holds the
  /// pairs linkage joined across different or missing NIKs (sorted by programme and line).
  bool fuzzy = false;
  std::vector<LikelyDuplicate> likely_duplicates;

  /// JSON, schema "skamp-dedup-report/1" (see docs/registry.md); "likely_duplicates" is
  /// present only in a fuzzy report.
  std::string to_json() const;
  /// Reads what to_json() wrote (the report again, equal field by field); Error(kParse)
  /// naming the first key that is missing or of the wrong type.
  static DedupReport from_json(std::string_view json);
  /// Writes summary.csv, duplicates.csv, overlaps.csv, conflicts.csv, nik_mismatches.csv and
  /// exclusion_violations.csv into an existing folder (each atomically). Throws Error(kIo).
  void write_csv(const std::string& folder) const;
};

/// What an anonymous visitor may see: masked NIK and name, the programmes.
struct PublicCheck {
  std::string nik;                    ///< "3510********0001"
  std::optional<std::string> name;    ///< "S*** A***"; empty optional when not found
  std::vector<std::string> programs;  ///< sorted
  bool found = false;
};

/// The answer to an online report (pelaporan).
struct ReportOutcome {
  bool accepted = false;
  /// "accepted", "invalid_nik", "invalid_record", "already_enrolled", "household_covered",
  /// "duplicate_report".
  std::string reason;
  std::string detail;                 ///< a sentence for the resident (no personal data)
  std::vector<std::string> programs;  ///< the programmes behind a refusal
  std::size_t queue_position = 0;     ///< 1-based position in the queue when accepted
};

/// A report accepted into the verification queue.
struct QueuedReport {
  Enrolment record;
  Instant at = 0;
  std::string program;  ///< the programme applied for ("" when none named)
};

/// Who was added, dropped or changed between two versions of a programme's list (NIKs,
/// sorted). "Changed" means a NIK in both whose records differ in any field.
struct ProgramDiff {
  std::vector<std::uint64_t> added, dropped, changed;
};

/// A programme held: its name, level and counts.
struct ProgramInfo {
  std::string name;
  ProgramLevel level = ProgramLevel::kCentral;
  std::size_t records = 0;
  std::size_t unkeyed = 0;
};

class SMARTKAMPUNG_EXPORT Registry {
 public:
  /// The reference date decides the century of NIK birth years; default today (WIB).
  Registry();
  explicit Registry(Date as_of);
  ~Registry();
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Adds the rows of a CSV file to a programme's list (creating it). Throws Error(kIo)
  /// when the file cannot be read, Error(kParse) when it has no NIK or name column; then
  /// nothing changes. Programme names are 1-64 characters of A-Z a-z 0-9 _ - . (at most
  /// 64 programmes per registry, Error(kLimit)).
  ///
  /// `progress` (may be empty, see progress.hpp) is told the bytes of the file's data read
  /// (load_csv, replace_program_csv) or the rows read (load_table, replace_program_table),
  /// every megabyte or 64k rows at most; the last report (done == total) comes before
  /// anything changes, so that a cancelled load (Error(kCancelled)) leaves the registry as
  /// it was.
  LoadReport load_csv(const std::string& path, const std::string& program, ProgramLevel level,
                      const ColumnMap& columns = {}, const Progress& progress = {});
  LoadReport load_table(const CsvTable& table, const std::string& program, ProgramLevel level,
                        const ColumnMap& columns = {}, const Progress& progress = {});
  LoadReport add_records(const std::vector<RawRecord>& records, const std::string& program,
                         ProgramLevel level);
  /// load_table() reading the birth dates in `birth_order` whatever this share of a list
  /// shows (a list split over machines is read as the whole list's votes decide, see
  /// list_keys()); DateOrder::kUnknown reads them as no order was decided.
  LoadReport load_table(const CsvTable& table, const std::string& program, ProgramLevel level,
                        const ColumnMap& columns, DateOrder birth_order,
                        const Progress& progress = {});
  /// Swaps a programme's whole list for a new one (the monthly update), atomically.
  /// Refuses a list that lost more than options.max_rejected_share of its rows (unless
  /// options.force): Error(kLimit) naming the programme and the share, and nothing changes.
  LoadReport replace_program(const std::string& program, const std::vector<RawRecord>& records,
                             ProgramLevel level, const ReplaceOptions& options = {});
  LoadReport replace_program_csv(const std::string& program, const std::string& path,
                                 ProgramLevel level, const ColumnMap& columns = {},
                                 const ReplaceOptions& options = {}, const Progress& progress = {});
  LoadReport replace_program_table(const std::string& program, const CsvTable& table,
                                   ProgramLevel level, const ColumnMap& columns = {},
                                   const ReplaceOptions& options = {},
                                   const Progress& progress = {});
  /// Removes a programme entirely; false when it was not held.
  bool drop_program(const std::string& program);
  /// Removes every record of `nik` from a programme; returns how many.
  std::size_t remove_record(const std::string& program, std::string_view nik);
  /// Replaces the record(s) of `nik` in a programme by `record` (validated like a loaded
  /// row; its NIK may differ, to correct a mistyped one). Throws Error(kNotFound) when the
  /// programme does not list `nik`, Error(kInvalidArgument) when `record` is rejected.
  std::size_t correct_record(const std::string& program, std::string_view nik,
                             const RawRecord& record);
  /// Compares a programme's current list with a candidate version (nothing changes).
  ProgramDiff diff(const std::string& program, const std::vector<RawRecord>& candidate) const;
  ProgramDiff diff_csv(const std::string& program, const std::string& path,
                       const ColumnMap& columns = {}) const;

  /// Sorted programme names of a person / a household. Throws NikError for an invalid key.
  std::vector<std::string> programs_of(std::string_view nik) const;
  std::vector<std::string> programs_of_kk(std::string_view kk) const;
  /// The masked public answer. Throws NikError for an invalid NIK.
  PublicCheck public_check(std::string_view nik) const;

  void set_exclusions(const ConflictTable& table);
  ConflictTable exclusions() const;

  /// An online report by a resident not yet covered, for `program` ("" when none named).
  /// Refused when the NIK is invalid, the person is enrolled, the household holds a
  /// programme exclusive at household scope (with `program`, or with any programme when
  /// none is named), or the NIK already reported; else queued.
  ReportOutcome report(const RawRecord& record, Instant at, const std::string& program = "");
  std::vector<QueuedReport> reports() const;

  /// Exact dedup over every programme, recomputed on each call.
  DedupReport dedup() const;
  /// With fuzzy = true, also links every record (keyed or not) with the linkage engine's
  /// Indonesian settings and reports the likely duplicates across different or missing
  /// NIKs; match probability at least `threshold` (0: the settings' default).
  /// `progress` (may be empty) is told the stages done: the exact dedup, link()'s stages
  /// (see link()) and the report; Error(kCancelled) when it returns false.
  DedupReport dedup(bool fuzzy, double threshold = 0, const Progress& progress = {}) const;

  std::vector<ProgramInfo> programs() const;
  std::vector<Enrolment> records(const std::string& program) const;
  /// Records held aside for lack of a valid NIK (NIK field as given, possibly empty).
  std::vector<Enrolment> unkeyed(const std::string& program) const;
  std::size_t size() const;  ///< keyed enrolments over all programmes
  Date as_of() const;

  /// Writes the whole registry (lists, exclusions, reports) to one file, atomically. The
  /// file is sealed with its SHA-256; with options.key it is also signed (Ed25519, key id
  /// named in the file), so that an edited and resealed snapshot is refused by a reader
  /// holding the district's public key.
  /// `progress` (may be empty) is told the stages: programmes written into the snapshot
  /// (one stage each), sealing (and signing), writing; a cancel before the last leaves no
  /// file behind, the answer to the last (the file is in place) is ignored.
  void save(const std::string& path, const SignatureOptions& options = {},
            const Progress& progress = {}) const;
  /// Reads a file written by save(); Error(kCorrupt) when it is damaged, Error(kIo) when
  /// it cannot be read. With options.public_keys, the signature must verify by one of
  /// them: an unsigned file (unless options.allow_unsigned), one signed by another key or
  /// one changed after signing is Error(kCorrupt) saying "not signed" or naming the key id.
  /// `progress` (may be empty) is told the stages: reading, checking the seal (and
  /// signature), then each programme read; Error(kCancelled) when it returns false.
  static Registry load(const std::string& path, const SignatureOptions& options = {},
                       const Progress& progress = {});

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---- lists split over machines (smartkampung.dask, smartkampung.spark) --------------

/// A list's rows keyed for splitting it by person or household: per row of the table, in
/// order, its NIK and KK as a load holds them (0: the row is rejected, or has no valid
/// KK), and the votes of its birth dates on the column's day/month order (the whole
/// list's order is DateOrderVotes::decide() of the shares' votes summed).
struct ListKeys {
  std::vector<std::uint64_t> nik, kk;
  DateOrderVotes birth_votes;
};
/// The ListKeys of a table (a list's share) read as Registry::load_table reads it.
SMARTKAMPUNG_EXPORT ListKeys list_keys(const CsvTable& table, const ColumnMap& columns, Date as_of);

/// One exact DedupReport from the reports of registries that each hold a share of the
/// same lists (added in the same order, with the same exclusions): `by_nik` from shares
/// split by NIK (every record of a NIK in one share; rejected rows anywhere), `by_kk` from
/// shares split by KK (every keyed record with a KK, of a KK in one share). Equal to the
/// report of one registry holding every record. Fuzzy reports are refused (kInvalidArgument).
SMARTKAMPUNG_EXPORT DedupReport merge_dedup_reports(const std::vector<DedupReport>& by_nik,
                                                    const std::vector<DedupReport>& by_kk);

}  // namespace smartkampung

#endif
