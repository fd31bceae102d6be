// The rules area's Python bindings, in stages: the declared inputs of a rule set and one
// record from a dict (rules_inputs.cpp); Python values and numpy/pandas columns into a
// RecordBatch (rules_columns.cpp), lists and programme sets among them (rules_lists.cpp);
// a table of columns, or an Arrow source, evaluated into a DecisionTable (rules_batch.cpp);
// the classes (register_rules.cpp).
#ifndef SMARTKAMPUNG_BINDINGS_PYTHON_RULES_BINDINGS_HPP
#define SMARTKAMPUNG_BINDINGS_PYTHON_RULES_BINDINGS_HPP

#include <cmath>
#include <cstdint>
#include <memory>
#include <smartkampung/rules.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace smartkampung::python::rules_binding {

// ---- declared inputs and one record (rules_inputs.cpp) ----------------------------------
// Kind letters: b(ool) i(nt/money) d(ate) s(tring) e(num) p(rogramme set) l(ist).
struct Input {
  std::string path;
  char kind = 's';
  std::string elem_type;   // list fields: the element type's name ("member")
  std::string short_name;  // the path without its root ("members"), "" for element fields
  bool element = false;    // an element field ("member.nik")
};

/// The inputs of a rule set, read from its canonical JSON once per distinct rule set
/// (the cache is guarded by the GIL).
const std::vector<Input>& inputs_of(const RuleSet& rs);
/// The dict keys of a dotted path from `start` ("kk.members" -> "kk", "members").
std::vector<py::str> path_keys(const std::string& path, std::size_t start);
/// The element fields of list<elem_type> among `inputs`, in their order.
std::vector<const Input*> element_inputs(const std::vector<Input>& inputs,
                                         const std::string& elem_type);

/// A warm RecordBatch of the rule set (cleared), and back to the pool after use.
std::unique_ptr<RecordBatch> take_batch(const RuleSet& rs);
void give_back(const RuleSet& rs, std::unique_ptr<RecordBatch> batch);

/// rs.evaluate(record): a dict read straight into a batch, or any record through JSON.
Decision evaluate_record(const RuleSet& rs, py::handle record, py::handle as_of, bool explain);

// ---- values and columns (rules_columns.cpp) ----------------------------------------------
inline bool is_missing(py::handle v) {
  if (v.is_none()) return true;
  if (py::isinstance<py::float_>(v)) return std::isnan(v.cast<double>());
  return false;
}

/// A str's UTF-8 without a copy (valid while the object lives).
inline bool utf8_view(py::handle v, std::string_view& out) {
  if (!PyUnicode_Check(v.ptr())) return false;
  Py_ssize_t len = 0;
  const char* data = PyUnicode_AsUTF8AndSize(v.ptr(), &len);
  if (data == nullptr) throw py::error_already_set();
  out = std::string_view(data, static_cast<std::size_t>(len));
  return true;
}

/// A bad column: a RuleError whose path is the column's name (the message is then
/// "<column>: <message>"); it names the row of a bad value, never the value.
[[noreturn]] void bad_column(const std::string& column, const std::string& message);
[[noreturn]] void bad_row(const std::string& column, std::size_t row, const std::string& message);

/// Runs set(), which sets one value; a value of the wrong kind or one the batch rejects
/// gives its message to fail() ("wrong type" for a failed cast).
template <typename Set, typename Fail>
void or_bad_value(Set&& set, Fail&& fail) {
  try {
    set();
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  } catch (const Error& e) {  // RuleError included
    fail(e.what());
  } catch (const py::cast_error&) {
    fail("wrong type");
  } catch (const py::builtin_exception&) {
    fail("wrong type");
  }
}

/// While alive: the date that decides the century of two-digit years in text dates (the
/// as_of of the batch being read, for the thread that converts its columns).
class BatchReference {
 public:
  explicit BatchReference(Date d);
  ~BatchReference();
  BatchReference(const BatchReference&) = delete;
  BatchReference& operator=(const BatchReference&) = delete;

 private:
  Date saved_;
};

/// One value of the general (object) path; throws std::invalid_argument (or the batch's
/// error) when the value does not fit the kind.
void set_value(RecordBatch& b, int field, std::size_t row, char kind, py::handle v);

bool is_array(py::handle h);
/// A 1-D C-contiguous view of an array (a copy only when it is not already one).
py::array contiguous_1d(const py::array& a, const std::string& column);
/// UTF-8 of fixed-width numpy text ('U': UCS-4, 'S': bytes), NUL padding dropped.
void append_fixed_text(std::string& out, const char* p, std::size_t itemsize, bool ucs4);

/// Text of a column as UTF-8 in one buffer: row i is chars[offsets[i], offsets[i+1]).
struct TextColumn {
  std::string chars;
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint8_t> known;  // empty: all known
  std::size_t size() const { return offsets.size() - 1; }
  std::string_view operator[](std::size_t i) const {
    return std::string_view(chars).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  bool present(std::size_t i) const { return known.empty() || known[i] != 0; }
};
/// Reads strings from a 'U'/'S' array, an object array or any sequence (None/NaN missing).
TextColumn text_column(py::handle column, const std::string& name);

/// A pandas categorical column: integer codes (-1 missing) and its categories.
struct Categorical {
  py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> codes;
  py::object categories;
};
bool as_categorical(py::handle col, Categorical& out);

/// Maps each distinct value once: index = intern(bytes) for a value not seen before.
template <typename Lookup>
class Interner {
 public:
  explicit Interner(Lookup lookup) : lookup_(std::move(lookup)) {}
  std::int64_t operator()(std::string_view key) {
    if (last_ < seen_.size() && seen_[last_].first == key) return seen_[last_].second;
    for (std::size_t k = 0; k < seen_.size(); ++k) {
      if (seen_[k].first == key) {
        last_ = k;
        return seen_[k].second;
      }
    }
    seen_.emplace_back(std::string(key), lookup_(key));
    last_ = seen_.size() - 1;
    return seen_.back().second;
  }

 private:
  Lookup lookup_;
  std::vector<std::pair<std::string, std::int64_t>> seen_;
  std::size_t last_ = 0;
};

/// A column of a scalar field (for element fields, of `count` elements from `first`).
void fill_scalar(RecordBatch& b, int field, char kind, std::size_t first, std::size_t count,
                 py::handle column, const std::string& name);

// ---- lists and programme sets (rules_lists.cpp) -------------------------------------------
/// Offsets of a columnar list or set column: int array of n + 1 entries from 0,
/// non-decreasing, ending at the number of flat values (checked by the caller against each
/// flat column).
struct Offsets {
  // The caller's array itself when it is already C-contiguous int64 (no copy).
  py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> array;
  const std::int64_t* data() const { return array.data(); }
  std::size_t size() const { return static_cast<std::size_t>(array.shape(0)); }
  std::int64_t back() const { return data()[size() - 1]; }
  std::int64_t operator[](std::size_t i) const { return data()[i]; }
};
Offsets read_offsets(py::handle obj, const std::string& name);
/// An optional per-row missing mask (bool array, True = missing) as known flags (empty:
/// none missing).
std::vector<std::uint8_t> read_missing(py::handle obj, std::size_t n, const std::string& name);
std::size_t flat_length(py::handle values, const std::string& name);
void check_flat_length(const Offsets& offsets, std::size_t len, const std::string& offsets_name,
                       const std::string& name);

/// A columnar programme set: (offsets, codes[, missing]); each distinct code is mapped once.
void fill_set_columnar(RecordBatch& b, int field, std::size_t n, const Offsets& offsets,
                       py::handle codes, py::handle missing, const std::string& name);
/// A programme set column of one code a row; false when the column is not of that form.
bool fill_set_single(RecordBatch& b, int field, std::size_t n, py::handle column,
                     const std::string& name);
/// list<member> given as a list of dicts a row: each dict keyed by the element fields' paths.
void fill_list_objects(RecordBatch& b, int field, std::size_t n, py::handle column,
                       const std::vector<Input>& inputs, const std::string& elem_type,
                       const std::string& name);

// ---- the batch (rules_batch.cpp) ---------------------------------------------------------
/// rs.evaluate_batch(table, as_of, progress): a DecisionTable.
py::object evaluate_batch(const RuleSet& rs, py::handle table, py::handle as_of,
                          py::handle progress);
/// rs._cpp_batch_timings (bench only).
py::tuple cpp_batch_timings(const RuleSet& rs, const std::string& records_json, py::handle as_of,
                            int repeats);

}  // namespace smartkampung::python::rules_binding

#endif
