// Shared helpers of the Python bindings: exceptions, dates, array conversions.
#ifndef SMARTKAMPUNG_BINDINGS_PYTHON_BINDINGS_HPP
#define SMARTKAMPUNG_BINDINGS_PYTHON_BINDINGS_HPP

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <smartkampung/arrow.hpp>
#include <smartkampung/date.hpp>
#include <smartkampung/error.hpp>
#include <smartkampung/io.hpp>
#include <smartkampung/progress.hpp>
#include <smartkampung/signing.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace smartkampung::python {

namespace py = pybind11;

// ---- exceptions (errors.cpp) ----------------------------------------------
/// Creates the exception hierarchy in the module: Error (a ValueError), NikError,
/// NotFound (also a KeyError), and registers the C++ translators.
void register_errors(py::module_& m);
/// Adds a subclass of smartkampung.Error (and of `extra_base` when given) to the module.
py::object add_exception(py::module_& m, const char* name, const char* doc,
                         py::handle extra_base = py::handle());
/// Makes every pybind11 function of `m` (module functions, methods, static methods,
/// property accessors) raise its "incompatible function arguments" TypeError with the
/// arguments' type names instead of their values, which may be personal data. Call once,
/// after every function is defined; `any_function` is one of them (it names the shared
/// dispatcher).
void hide_argument_values(py::module_& m, py::handle any_function);
/// The exception class `name` created in _core.
py::object exception_type(const char* name);
/// Raises (as a pending Python error) `type(message)` with extra attributes set.
void set_python_error(py::handle type, const std::string& message,
                      std::initializer_list<std::pair<const char*, py::object>> attrs = {});

// ---- dates (convert.cpp) ---------------------------------------------------
/// datetime.date (or datetime.datetime, its date part) to Date; raises TypeError otherwise.
Date to_date(py::handle obj);
/// None gives today in Asia/Jakarta, else to_date.
Date to_date_or_today(py::handle obj);
py::object from_date(Date d);
/// A timezone-aware datetime.datetime to UTC seconds; a naive one raises smartkampung.Error.
Instant to_instant(py::handle obj);
py::object from_instant(Instant t);

/// A path given as str or os.PathLike (os.fspath), as UTF-8.
std::string path_of(py::handle path);

// ---- district keys (convert.cpp) -------------------------------------------
/// A signing key from a SigningKey or a district.key path; None gives the file named by
/// SMARTKAMPUNG_KEY, or (when that is unset) nullptr, or an Error when `required`.
std::shared_ptr<const SigningKey> signing_key_of(py::handle key, bool required);
/// Public keys from one or a list of PublicKey objects, district.pub paths or texts (None: none).
std::vector<PublicKey> public_keys_of(py::handle keys);

/// Reads a sequence of strings (list, tuple, numpy 'U'/'S'/object array) into
/// contiguous storage: texts[i] views into `storage`.
struct StringColumn {
  std::string storage;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, length
  std::vector<bool> missing;                               // None / NaN
  std::size_t size() const { return spans.size(); }
  std::string_view operator[](std::size_t i) const {
    return std::string_view(storage).substr(spans[i].first, spans[i].second);
  }
};
StringColumn to_string_column(py::handle seq);

// ---- integers (convert.cpp) -------------------------------------------------
/// A count such as k from a Python int (or an object with __index__; floats and bools are
/// refused with TypeError): negative raises smartkampung.Error naming `name`; above SIZE_MAX
/// it is SIZE_MAX, since every such count means "all of them".
std::size_t count_arg(py::handle obj, const char* name);

/// A 1-D sequence or array of integers, each checked to lie in [lo, hi]: a value outside
/// raises OverflowError naming `name` and the row (never the value); floats, strings and
/// other non-integers raise TypeError. Nothing is wrapped or truncated.
std::vector<std::int64_t> checked_ints(py::handle obj, const char* name, std::int64_t lo,
                                       std::int64_t hi);

/// checked_ints into the range of T.
template <typename T>
std::vector<T> int_column(py::handle obj, const char* name) {
  static_assert(sizeof(T) <= sizeof(std::int64_t) && std::is_signed_v<T>,
                "a signed type of at most 64 bits");
  const std::vector<std::int64_t> wide =
      checked_ints(obj, name, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  return std::vector<T>(wide.begin(), wide.end());
}

// ---- tables of records (convert_table.cpp) ------------------------------------
/// A list of dicts or a pandas DataFrame as a table of text: the header is the keys
/// (columns) in first-seen order, a missing value (None, NaN, NA, NaT) an empty cell,
/// a date its ISO text; line i is the record's 1-based position.
CsvTable table_from_records(py::handle records);
/// An explicit column map (`columns={"nik": "NIK_KPM"}`: our field -> their header);
/// None gives an empty map. TypeError for anything but a dict of str to str.
ColumnMap columns_of(py::handle columns);
/// True when `path` names a workbook (.xlsx, optionally "file.xlsx#Sheet").
bool is_workbook_path(const std::string& path);
/// A workbook's sheet as a table, read by smartkampung._workbook (openpyxl); lines are
/// the sheet's row numbers.
CsvTable table_from_workbook(const std::string& path);
/// A record field's value as text; false when missing (None, NaN, pandas NA/NaT).
bool value_text(py::handle v, std::string& out);

// ---- Arrow (register_arrow.cpp) ---------------------------------------------------
/// A reader over the Arrow stream of `obj` when it speaks the Arrow PyCapsule protocol
/// (__arrow_c_stream__ or __arrow_c_array__: pyarrow, polars, DuckDB, nanoarrow), or is a
/// pandas DataFrame that pyarrow (when installed) converts; nullopt otherwise (a list of
/// dicts, or a DataFrame without pyarrow: the callers' own paths).
std::optional<arrow::StreamReader> arrow_reader(py::handle obj);
/// A result table for Python: smartkampung._table.Table (or `cls` of that module) over `table`.
py::object table_object(arrow::Table&& table, const char* cls = "Table",
                        py::dict options = py::dict());

// ---- progress of long calls (progress.cpp) -------------------------------------------
/// A long call's `progress=` argument as the core's Progress hook: reports go to
/// smartkampung._progress.callback(progress, size, what, unit) (None/True: a tqdm bar when
/// tqdm is installed and `size` reaches settings.progress_min_rows; False: silent; or the
/// user's f(done, total)). Each report takes the GIL (the work runs without it, possibly
/// on another thread); a False answer or an exception from the callback (KeyboardInterrupt
/// included) stops the call, and it raises smartkampung.Cancelled or that exception.
class ProgressHook {
 public:
  ProgressHook(py::handle progress, std::size_t size, const char* what, const char* unit = "rec");
  ~ProgressHook();
  ProgressHook(const ProgressHook&) = delete;
  ProgressHook& operator=(const ProgressHook&) = delete;

  /// The hook to hand to the core (empty when silent).
  const Progress& hook() const { return hook_; }
  /// Runs work() (which handles the GIL itself) and raises as above when the callback
  /// stopped it, whether the core threw Error(kCancelled) or returned (as a rule batch does,
  /// marking the rows not reached).
  template <typename Work>
  decltype(auto) call(Work&& work) {
    try {
      if constexpr (std::is_void_v<decltype(work())>) {
        work();
        raise_if_stopped(true);
      } else {
        decltype(auto) out = work();
        raise_if_stopped(true);
        return out;
      }
    } catch (const smartkampung::Error& e) {
      if (e.code() == ErrorCode::kCancelled) raise_if_stopped(false);
      throw;
    }
  }
  /// call() with work(hook()) run without the GIL.
  template <typename Work>
  decltype(auto) run(Work&& work) {
    return call([&]() -> decltype(auto) {
      py::gil_scoped_release release;
      return work(hook_);
    });
  }

 private:
  /// With the GIL held: raises the callback's exception or smartkampung.Cancelled. When the
  /// work `returned`, a False answer to the last report (done == total) came too late to
  /// stop it (the core ignores it there) and is ignored too; an exception is raised.
  void raise_if_stopped(bool returned);

  py::object report_;
  Progress hook_;
  std::string what_;
  bool stopped_ = false;
  bool stopped_at_end_ = false;
  std::exception_ptr failed_;
};

/// Moves a vector into a numpy array without copying (a capsule owns the data).
template <typename T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
  auto* owner = new std::vector<T>(std::move(values));
  py::capsule free_when_done(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({owner->size()}, {sizeof(T)}, owner->data(), free_when_done);
}

}  // namespace smartkampung::python

#endif
