// smartkampung/rules.hpp: eligibility rules as data ("format": "skamp-rules/1").
//
// A RuleSet is parsed, type-checked against its declared inputs and compiled once;
// per decision date its parameters are resolved and its constants folded once (an
// Evaluator), and then records are evaluated without touching JSON or allocating.
// A RuleSet and an Evaluator are immutable: safe to share between threads. A
// RecordBatch is a plain value: one writer at a time. The grammar is in docs/rules.md.
#ifndef SMARTKAMPUNG_RULES_HPP
#define SMARTKAMPUNG_RULES_HPP

#include <smartkampung/export.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <smartkampung/conflicts.hpp>
#include <smartkampung/date.hpp>
#include <smartkampung/error.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung {

namespace detail {
struct RuleSetImpl;
struct Compiled;
struct BatchData;
}  // namespace detail

/// A rule file was rejected (or a record does not fit the rule set's inputs). path()
/// is the JSON location ("rules[2].require", "params.monthly.values", "" for the
/// whole document) and column() the 1-based column inside that string (0 when the
/// error is not inside an expression; for text that is not JSON, the line:column is
/// in the message and column() is the column on that line). code() is kParse, or
/// kLimit for input beyond a size or depth limit.
class SMARTKAMPUNG_EXPORT RuleError : public Error {
 public:
  RuleError(ErrorCode code, std::string path, int column, const std::string& message);
  ~RuleError() override;
  RuleError(const RuleError&) = default;
  RuleError& operator=(const RuleError&) = default;
  const std::string& path() const noexcept { return path_; }
  int column() const noexcept { return column_; }

 private:
  std::string path_;
  int column_ = 0;
};

/// The outcomes; the integer values are those of the batch arrays and the C API. kError:
/// the record could not be decided (its evaluation ran past the step budget: reason LIMIT).
enum class Verdict : std::int8_t { kEligible = 0, kIneligible = 1, kNeedsData = 2, kError = 3 };
/// "eligible", "ineligible", "needs_data", "error".
SMARTKAMPUNG_EXPORT const char* verdict_name(Verdict v) noexcept;

/// Why a decision is not "eligible": the failing (or unknown) rule and its messages
/// with the values interpolated. In explain mode `values` lists the fields the rule
/// read and their values (NIK-like strings masked, lists given by their length).
struct Reason {
  std::string rule;        ///< rule id, "" for OUT_OF_PERIOD
  std::string code;        ///< e.g. "SUDAH_MENERIMA"
  std::string message_id;  ///< Indonesian
  std::string message_en;  ///< English
  bool unknown = false;    ///< the rule could not be decided: a field it needs is missing
  std::vector<std::pair<std::string, std::string>> values;
};

struct Decision {
  Verdict verdict = Verdict::kIneligible;
  std::vector<Reason> reasons;
  std::int64_t amount = 0;    ///< monthly rupiah in force on the decision date; 0 unless eligible
  std::int64_t priority = 0;  ///< the priority expression (0 when absent or unknown)
  std::string ruleset;
  std::string version;
  std::string sha256;
  Date as_of;
  /// {"schema":"skamp-decision/1", ...}: the C API's JSON form.
  SMARTKAMPUNG_EXPORT std::string to_json() const;
};

/// One failing embedded test.
struct TestFailure {
  std::string name;
  std::string message;  ///< what differs: expected against got
};

/// The allocation-free outcome of one record. `reason` is a rule index (see
/// Evaluator::reason_code), kNoReason or kOutOfPeriod.
struct Outcome {
  static constexpr std::int32_t kNoReason = -1;
  static constexpr std::int32_t kOutOfPeriod = -2;
  static constexpr std::int32_t kAmountUnknown =
      -3;  ///< all rules hold but the amount needs a missing field
  static constexpr std::int32_t kStepLimit =
      -4;  ///< verdict kError: the step budget ran out (LIMIT)
  Verdict verdict = Verdict::kIneligible;
  std::int32_t reason = kNoReason;
  std::int64_t amount = 0;
  std::int64_t priority = 0;
};

class RuleSet;

/// Decoded records in columns, shaped by one RuleSet's inputs. Fill it from JSON
/// (append_json) or field by field; evaluating its rows reads the columns in place.
/// Missing values (never set, or set_missing) are unknown to the rules.
class SMARTKAMPUNG_EXPORT RecordBatch {
 public:
  explicit RecordBatch(const RuleSet& rules);
  ~RecordBatch();
  RecordBatch(const RecordBatch&);
  RecordBatch& operator=(const RecordBatch&);
  RecordBatch(RecordBatch&&) noexcept;
  RecordBatch& operator=(RecordBatch&&) noexcept;

  std::size_t size() const noexcept;
  /// Drops every row, keeping the memory (refilling allocates nothing once warm).
  void clear() noexcept;
  /// Appends one record of the shape of the embedded tests' `input` (for a household
  /// rule set {"kk": {...}}); keys the inputs do not declare are ignored. Throws
  /// RuleError naming the field (never its value) when a value has the wrong type.
  void append_json(std::string_view record_json);
  /// Appends every record of a JSON array of records; returns how many. All or nothing:
  /// on an error (naming the record index and field) nothing is appended.
  std::size_t append_json_array(std::string_view records_json);
  /// Appends `n` rows with every field missing, to fill with the setters below.
  void append_rows(std::size_t n);

  /// A declared input: its path and kind ('b' bool, 'i' int or money, 'd' date, 's'
  /// string, 'e' enum, 'p' programme set, 'l' list); element fields of lists ("member.nik")
  /// have `element` set.
  struct FieldInfo {
    std::string path;
    char kind = 's';
    bool element = false;
    std::string element_type;  ///< list fields: the element type's name ("member")
  };
  /// Every declared input, by field index.
  std::vector<FieldInfo> fields() const;

  /// Index of a declared input ("kk.lost_livelihood", or "member.nik" for a list
  /// element field); -1 when not declared.
  int field(std::string_view path) const noexcept;
  /// Setters by field index and row (for element fields, the element index). Throw
  /// RuleError when the field's type does not match or an enum value is not declared.
  void set_missing(int field, std::size_t row);
  void set_bool(int field, std::size_t row, bool value);
  void set_int(int field, std::size_t row, std::int64_t value);  ///< int and money
  void set_date(int field, std::size_t row, Date value);
  void set_string(int field, std::size_t row, std::string_view value);  ///< string and enum
  void set_programs(int field, std::size_t row, const std::vector<std::string_view>& codes);
  /// Adds an element (all fields missing) to the list field of a row; returns the
  /// element index for the element-field setters. A row's elements must be added
  /// while that row is the last one touched (rows are filled in order).
  std::size_t add_element(int list_field, std::size_t row);
  /// Marks a list field present and empty (lists are missing until then or an element is added).
  void set_empty_list(int list_field, std::size_t row);

  // Column setters: many consecutive rows (element rows for element fields) at once,
  // from `first`; the fast path of columnar input. known[i] == 0 leaves row first + i
  // missing; `known` may be null (all known). They throw RuleError naming the field and
  // the row (first + i) of a bad value, and leave earlier rows of the call set.

  /// Bool fields: values[i] != 0 is true.
  void set_bools(int field, std::size_t first, std::size_t count, const std::uint8_t* values,
                 const std::uint8_t* known);
  /// int and money (the value), date (days since 1970-01-01), enum (an index from
  /// enum_index) and programme sets (a mask of program_bit bits).
  void set_values(int field, std::size_t first, std::size_t count, const std::int64_t* values,
                  const std::uint8_t* known);
  /// String and enum fields: row first + i is chars[offsets[i], offsets[i + 1]) (UTF-8;
  /// `offsets` has count + 1 non-decreasing entries, the last <= chars.size()).
  void set_strings(int field, std::size_t first, std::size_t count, std::string_view chars,
                   const std::uint64_t* offsets, const std::uint8_t* known);
  /// String and enum fields from fixed-width text (numpy's layouts): value i starts at
  /// data + i * width * (ucs4 ? 4 : 1) and is `width` bytes ('S') or `width` UCS-4 code
  /// points ('U', host byte order), its trailing NULs dropped; UCS-4 is stored as UTF-8.
  /// An enum value is looked up once per distinct value.
  void set_fixed_strings(int field, std::size_t first, std::size_t count, const void* data,
                         std::size_t width, bool ucs4, const std::uint8_t* known);
  /// List fields: gives row first + i the elements offsets[i] .. offsets[i + 1] - 1 of
  /// offsets[count] - offsets[0] new elements (every element field missing), appended
  /// after the existing ones; `offsets` must be non-decreasing. A missing row gets no
  /// elements (its offsets must be equal). Returns the element index of the first new
  /// element, the `first` of the element fields' column setters.
  std::size_t set_lists(int list_field, std::size_t first, std::size_t count,
                        const std::int64_t* offsets, const std::uint8_t* known);
  /// The index of a declared value of an enum field (for set_values); throws RuleError
  /// naming the field when it is not declared.
  std::int64_t enum_index(int field, std::string_view value) const;
  /// The bit of a programme code in this batch's set masks (for set_values): the rule
  /// set's codes first, then new codes as they are met. Throws RuleError (naming
  /// `field`'s path) for an empty code or more than 64 distinct codes in the batch.
  int program_bit(int field, std::string_view code);

 private:
  friend class Evaluator;
  friend class RuleSet;
  std::shared_ptr<const detail::RuleSetImpl> rules_;
  std::unique_ptr<detail::BatchData> data_;
};

/// A rule set compiled for one decision date: parameters resolved, constants folded.
class SMARTKAMPUNG_EXPORT Evaluator {
 public:
  Evaluator(const RuleSet& rules, Date as_of);
  ~Evaluator();
  Evaluator(const Evaluator&);
  Evaluator& operator=(const Evaluator&);

  Date as_of() const noexcept;
  /// Fast mode: stops at the first failing rule. No allocation.
  Outcome evaluate(const RecordBatch& batch, std::size_t row) const;
  /// Explain mode: every failing (or, when none fails, every unknown) rule index goes
  /// into `reasons` (cleared first; reserve rules().size() to stay allocation-free).
  Outcome explain(const RecordBatch& batch, std::size_t row,
                  std::vector<std::int32_t>& reasons) const;
  /// The full decision, with messages (and in explain mode the values read). Allocates.
  Decision decide(const RecordBatch& batch, std::size_t row, bool explain) const;
  /// Evaluates every row (fast mode) into arrays of batch.size() entries. `cancelled`,
  /// when given, is asked before each row: once it says true (another thread asked to stop
  /// a long batch), the rows not yet evaluated get verdict kError (reason kStepLimit) and
  /// the call returns how many rows were evaluated; else it returns batch.size().
  std::size_t evaluate_batch(const RecordBatch& batch, std::int8_t* verdicts, std::int64_t* amounts,
                             std::int32_t* reasons,
                             const std::function<bool()>& cancelled = nullptr) const;
  /// The reason code of Outcome::reason: a rule's code, "OUT_OF_PERIOD",
  /// "AMOUNT_UNKNOWN", "LIMIT" or "" (storage owned by the rule set).
  const char* reason_code(std::int32_t reason) const noexcept;

  /// The step budget of one record: list elements visited by count/any/all/sum, over all
  /// its rules (nested traversals multiply). Past it the record's verdict is kError with
  /// reason kStepLimit ("LIMIT") and the rest of a batch goes on. 0 means no limit. Set it
  /// before the evaluator is shared between threads (the only member that changes it).
  static constexpr std::uint64_t kDefaultStepLimit = 1000000;
  void set_step_limit(std::uint64_t steps) noexcept { step_limit_ = steps; }
  std::uint64_t step_limit() const noexcept { return step_limit_; }

 private:
  std::shared_ptr<const detail::RuleSetImpl> rules_;
  std::shared_ptr<const detail::Compiled> compiled_;
  std::uint64_t step_limit_ = kDefaultStepLimit;
};

/// Load-time options of a rule set.
struct RuleOptions {
  /// Programme conflicts for conflicts_with(); a rule set using conflicts_with()
  /// without a table is rejected at load.
  std::shared_ptr<const ConflictTable> conflicts;
  /// The cost bound checked at load (docs/rules.md, "Cost bound"): the most list elements
  /// count/any/all/sum can visit for one record, taking every list at
  /// `assumed_list_length` elements (nested traversals multiply). A rule set whose bound
  /// exceeds `max_work` is refused with RuleError (code kLimit) naming the costliest
  /// rule. 0 turns the check off (evaluation still carries its step budget).
  std::uint64_t max_work = Evaluator::kDefaultStepLimit;
  std::uint32_t assumed_list_length = 64;
};

class SMARTKAMPUNG_EXPORT RuleSet {
 public:
  /// Parses, type-checks and compiles a rule file; throws RuleError (with the JSON
  /// location and column) for any problem, including text that is not JSON and an
  /// unknown "format". Nothing is kept from a rejected file.
  static RuleSet from_json(std::string_view json, const RuleOptions& options = {});
  /// As from_json, reading a file (Error(kIo) when it cannot be read).
  static RuleSet from_file(const std::string& path, const RuleOptions& options = {});
  /// Names of the rule sets shipped inside the library.
  static std::vector<std::string> builtin_names();
  /// A shipped rule set; Error(kNotFound) for an unknown name.
  static RuleSet builtin(std::string_view name, const RuleOptions& options = {});
  /// The shipped file's text.
  static std::string builtin_json(std::string_view name);

  const std::string& id() const noexcept;
  const std::string& version() const noexcept;
  /// Lowercase hex SHA-256 of to_json().
  const std::string& sha256() const noexcept;
  Date valid_from() const noexcept;
  Date valid_to() const noexcept;
  /// "person" or "kk".
  const std::string& scope() const noexcept;
  TimeZone time_zone() const noexcept;
  std::vector<std::string> rule_ids() const;
  /// Canonical JSON: keys sorted, no insignificant whitespace, tests included.
  const std::string& to_json() const noexcept;
  /// The programme conflicts it was loaded with (RuleOptions::conflicts; null: none).
  std::shared_ptr<const ConflictTable> conflicts() const noexcept;

  /// The decision date of an instant: its local date in the rule set's time zone.
  Date decision_date(Instant t) const noexcept;
  /// Evaluates one JSON record (see RecordBatch::append_json).
  Decision evaluate_json(std::string_view record_json, Date as_of, bool explain = false) const;
  /// The compiled program for a date (cached: the same date gives the same program).
  Evaluator evaluator(Date as_of) const;
  /// Runs the embedded tests (each in fast and explain mode); empty when all pass.
  std::vector<TestFailure> run_tests() const;

 private:
  friend class RecordBatch;
  friend class Evaluator;
  explicit RuleSet(std::shared_ptr<const detail::RuleSetImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::RuleSetImpl> impl_;
};

}  // namespace smartkampung

#endif
