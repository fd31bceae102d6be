// Python bindings of the rules area: RuleSet, Decision, Reason, RuleError.
#include <algorithm>
#include <array>
#include <smartkampung/conflicts.hpp>
#include <smartkampung/intake.hpp>
#include <smartkampung/rules.hpp>
#include <smartkampung/tables.hpp>

#include "bindings.hpp"
#include "core/raw_value_table.hpp"
#include "core/utf8.hpp"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

namespace py = pybind11;
using namespace smartkampung;
using smartkampung::python::from_date;
using smartkampung::python::to_date_or_today;

namespace {

// A whole number in [lo, hi] for a load option: a bool, a float or a str is a TypeError,
// below lo a smartkampung.Error, above hi an OverflowError (never wrapped or clamped).
std::uint64_t option_int(py::handle obj, const char* name, std::uint64_t lo, std::uint64_t hi,
                         const char* range) {
  if (PyBool_Check(obj.ptr()) || PyFloat_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
    throw py::type_error(std::string(name) + " must be an integer, not " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  const py::object value = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!value) throw py::error_already_set();
  const bool negative = PyObject_RichCompareBool(value.ptr(), py::int_(0).ptr(), Py_LT) == 1;
  const unsigned long long v = negative ? 0 : PyLong_AsUnsignedLongLong(value.ptr());
  const bool too_big = !negative && PyErr_Occurred() != nullptr;
  if (too_big) PyErr_Clear();
  if (negative || (!too_big && v < lo)) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be in " + range);
  }
  if (too_big || v > hi) {
    const std::string message = std::string(name) + " does not fit: it must be in " + range;
    PyErr_SetString(PyExc_OverflowError, message.c_str());
    throw py::error_already_set();
  }
  return v;
}

// Load options: the conflict table and the cost bound (RuleOptions, docs/rules.md).
RuleOptions options_from(py::handle conflicts, py::handle max_work,
                         py::handle assumed_list_length) {
  RuleOptions opt;
  if (!max_work.is_none()) {
    opt.max_work = option_int(max_work, "max_work", 0, UINT64_MAX, "[0, 2**64 - 1] (0: no bound)");
  }
  if (!assumed_list_length.is_none()) {
    opt.assumed_list_length = static_cast<std::uint32_t>(
        option_int(assumed_list_length, "assumed_list_length", 1, UINT32_MAX, "[1, 2**32 - 1]"));
  }
  if (conflicts.is_none()) return opt;
  if (!py::isinstance<py::str>(conflicts)) {
    throw py::type_error(
        "conflicts must be the JSON text of a skamp-conflicts/1 document, or None");
  }
  opt.conflicts =
      std::make_shared<ConflictTable>(ConflictTable::from_json(conflicts.cast<std::string>()));
  return opt;
}

// A record (dict of the shape of the embedded tests' input) to JSON text; dates become
// ISO strings, numpy scalars plain numbers, sets sorted lists.
std::string record_json(py::handle record) {
  if (py::isinstance<py::str>(record)) return record.cast<std::string>();
  static py::object* dumps = new py::object(py::module_::import("json").attr("dumps"));
  static py::object* fallback = new py::object(py::cpp_function([](py::handle obj) -> py::object {
    if (py::hasattr(obj, "isoformat")) {
      py::object iso = obj.attr("isoformat")();
      std::string s = iso.cast<std::string>();
      return py::str(s.substr(0, 10));
    }
    if (py::isinstance<py::set>(obj) || py::isinstance<py::frozenset>(obj)) {
      return py::module_::import("builtins").attr("sorted")(obj);
    }
    if (py::hasattr(obj, "item")) return obj.attr("item")();
    if (py::hasattr(obj, "tolist")) return obj.attr("tolist")();
    throw py::type_error("record values must be JSON-like (bool, int, str, list, dict, date)");
  }));
  return (*dumps)(record, py::arg("default") = *fallback).cast<std::string>();
}

bool is_missing(py::handle v) {
  if (v.is_none()) return true;
  if (py::isinstance<py::float_>(v)) return std::isnan(v.cast<double>());
  return false;
}

// A bad column: a RuleError whose path is the column's name (the message is then
// "<column>: <message>"); it names the row of a bad value, never the value.
[[noreturn]] void bad_column(const std::string& column, const std::string& message) {
  throw RuleError(ErrorCode::kInvalidArgument, column, 0, message);
}
[[noreturn]] void bad_row(const std::string& column, std::size_t row, const std::string& message) {
  bad_column(column, "row " + std::to_string(row) + ": " + message);
}

// A str's UTF-8 without a copy (valid while the object lives).
bool utf8_view(py::handle v, std::string_view& out) {
  if (!PyUnicode_Check(v.ptr())) return false;
  Py_ssize_t len = 0;
  const char* data = PyUnicode_AsUTF8AndSize(v.ptr(), &len);
  if (data == nullptr) throw py::error_already_set();
  out = std::string_view(data, static_cast<std::size_t>(len));
  return true;
}

// The date that decides the century of two-digit years in text dates: the as_of of the
// batch being read (set by evaluate_batch for the thread that converts its columns).
thread_local Date batch_reference_date = Date::from_ymd(2000, 1, 1);
Date batch_reference() { return batch_reference_date; }
struct BatchReference {
  explicit BatchReference(Date d) : saved(batch_reference_date) { batch_reference_date = d; }
  ~BatchReference() { batch_reference_date = saved; }
  BatchReference(const BatchReference&) = delete;
  BatchReference& operator=(const BatchReference&) = delete;
  Date saved;
};

// One date cell of the object path: ISO first, else the intake's reader (day first
// unless only month first reads).
Date date_from_text(std::string_view text) {
  const DateCell c = DateReader(batch_reference()).read(text);
  const std::int32_t day = c.day_first != kNoDay ? c.day_first : c.month_first;
  if (day == kNoDay)
    throw std::invalid_argument("not a date (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YY, ...)");
  return Date(day);
}

// One value of the general (object) path; `what` is the error text when the type is wrong.
void set_value(RecordBatch& b, int field, std::size_t row, char kind, py::handle v) {
  if (is_missing(v)) return;
  std::string_view text;
  switch (kind) {
    case 'b':
      if (utf8_view(v, text)) {  // as a list file's boolean column: ya/tidak, y/t, true/false, 1/0
        const int flag = read_bool(text);
        if (flag < 0) throw std::invalid_argument("not a boolean (ya/tidak, true/false, 1/0)");
        b.set_bool(field, row, flag == 1);
        break;
      }
      if (!PyBool_Check(v.ptr()) && !py::isinstance<py::int_>(v) && !py::hasattr(v, "__bool__")) {
        throw std::invalid_argument("expected a bool");
      }
      b.set_bool(field, row, v.cast<bool>());
      break;
    case 'i':
      if (PyFloat_Check(v.ptr())) {
        const double x = PyFloat_AS_DOUBLE(v.ptr());
        if (!(x > -9.2e18 && x < 9.2e18)) throw std::invalid_argument("number out of range");
        if (x != std::trunc(x)) throw std::invalid_argument("expected a whole number");
        b.set_int(field, row, static_cast<std::int64_t>(x));
        break;
      }
      if (!py::isinstance<py::int_>(v) && !py::hasattr(v, "__index__"))
        throw std::invalid_argument("expected an int");
      b.set_int(field, row, v.cast<std::int64_t>());
      break;
    case 'd':
      if (utf8_view(v, text))
        b.set_date(field, row, date_from_text(text));
      else
        b.set_date(field, row, python::to_date(v));
      break;
    case 's':
    case 'e':
      if (!utf8_view(v, text)) throw std::invalid_argument("expected a str");
      b.set_string(field, row, text);
      break;
    case 'p': {
      if (PyUnicode_Check(v.ptr()) || !py::hasattr(v, "__iter__")) {
        throw std::invalid_argument("expected a list of programme codes");
      }
      std::vector<std::string_view> codes;
      for (py::handle code : v) {
        if (!utf8_view(code, text)) throw std::invalid_argument("a programme code must be a str");
        codes.push_back(text);
      }
      b.set_programs(field, row, codes);
      break;
    }
    default:
      break;
  }
}

// ---- declared inputs -----------------------------------------------------------------
// Kind letters: b(ool) i(nt/money) d(ate) s(tring) e(num) p(rogramme set) l(ist).
struct Input {
  std::string path;
  char kind = 's';
  std::string elem_type;   // list fields: the element type's name ("member")
  std::string short_name;  // the path without its root ("members"), "" for element fields
  bool element = false;    // an element field ("member.nik")
};

// The inputs of a rule set, read from its canonical JSON once per distinct rule set.
const std::vector<Input>& inputs_of(const RuleSet& rs) {
  static auto* cache = new std::map<std::string, std::vector<Input>>();  // guarded by the GIL
  auto it = cache->find(rs.sha256());
  if (it != cache->end()) return it->second;
  py::dict doc = py::module_::import("json").attr("loads")(rs.to_json());
  std::vector<Input> out;
  std::vector<std::string> elem_types;
  for (auto item : py::dict(doc["inputs"])) {
    Input in;
    in.path = item.first.cast<std::string>();
    const std::string t = item.second.cast<std::string>();
    if (t == "bool")
      in.kind = 'b';
    else if (t == "int" || t == "money")
      in.kind = 'i';
    else if (t == "date")
      in.kind = 'd';
    else if (t == "set<program>")
      in.kind = 'p';
    else if (t.rfind("enum<", 0) == 0)
      in.kind = 'e';
    else if (t.rfind("list<", 0) == 0) {
      in.kind = 'l';
      in.elem_type = t.substr(5, t.size() - 6);
      elem_types.push_back(in.elem_type);
    }
    out.push_back(std::move(in));
  }
  for (Input& in : out) {
    const std::size_t dot = in.path.find('.');
    const std::string root = in.path.substr(0, dot);
    for (const std::string& et : elem_types) in.element = in.element || et == root;
    if (!in.element && dot != std::string::npos) in.short_name = in.path.substr(dot + 1);
  }
  if (cache->size() > 64) cache->clear();
  return cache->emplace(rs.sha256(), std::move(out)).first->second;
}

py::object numpy() {
  static py::object* np = new py::object(py::module_::import("numpy"));
  return *np;
}

// ---- numpy columns -------------------------------------------------------------------
bool is_array(py::handle h) { return py::isinstance<py::array>(h); }

// A 1-D C-contiguous view of an array (a copy only when it is not already one).
py::array contiguous_1d(const py::array& a, const std::string& column) {
  if (a.ndim() != 1)
    bad_column(column, "expected a 1-D array, got " + std::to_string(a.ndim()) + "-D");
  return py::array::ensure(a, py::array::c_style);
}

// UTF-8 of fixed-width numpy text ('U': UCS-4, 'S': bytes), NUL padding dropped.
void append_fixed_text(std::string& out, const char* p, std::size_t itemsize, bool ucs4) {
  namespace detail = smartkampung::detail;
  if (!ucs4) {
    out.append(p, detail::fixed_text_length(p, itemsize, false));
  } else {
    detail::append_ucs4_as_utf8(out, p, detail::fixed_text_length(p, itemsize / 4, true));
  }
}

// Text of a column as UTF-8 in one buffer: row i is chars[offsets[i], offsets[i+1]).
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

// A pandas categorical column: integer codes (-1 missing) and its categories.
struct Categorical {
  py::array codes;  // int64
  py::object categories;
};

bool as_categorical(py::handle col, Categorical& out) {
  if (py::isinstance<py::array>(col) || !py::hasattr(col, "cat") || !py::hasattr(col, "dtype"))
    return false;
  if (py::str(col.attr("dtype")).cast<std::string>() != "category") return false;
  out.codes = numpy().attr("asarray")(col.attr("cat").attr("codes"), "int64");
  out.categories = col.attr("cat").attr("categories");
  return true;
}

// Reads strings from a 'U'/'S' array, an object array or any sequence (None/NaN missing).
TextColumn text_column(py::handle column, const std::string& name) {
  TextColumn t;
  if (is_array(column)) {
    py::array a = contiguous_1d(py::reinterpret_borrow<py::array>(column), name);
    const char dt = a.dtype().kind();
    if (dt == 'U' || dt == 'S') {
      const std::size_t n = static_cast<std::size_t>(a.shape(0)),
                        item = static_cast<std::size_t>(a.itemsize());
      const bool ucs4 = dt == 'U';
      const std::size_t width = ucs4 ? item / 4 : item;
      const char* base = static_cast<const char*>(a.data());
      // ASCII text (NIKs, codes): every code unit narrowed to a byte in one flat pass
      // over the buffer, then each row's NUL padding cut off. Any other character sends
      // the whole column through the UTF-8 encoder.
      t.offsets.resize(n + 1);
      t.chars.resize(n * width);
      char* __restrict out = t.chars.data();
      std::uint32_t high = 0;
      if (ucs4) {
        high = smartkampung::detail::narrow_ucs4(out, base, n * width);
      } else if (n * width > 0) {
        std::memcpy(out, base, n * width);
      }
      if (high < 0x80) {
        std::size_t pos = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const char* row = out + i * width;
          const std::size_t len = smartkampung::detail::fixed_text_length(row, width, false);
          if (pos != i * width) std::memmove(out + pos, row, len);
          pos += len;
          t.offsets[i + 1] = pos;
        }
        t.chars.resize(pos);
        return t;
      }
      t.chars.clear();
      for (std::size_t i = 0; i < n; ++i) {
        append_fixed_text(t.chars, base + i * item, item, ucs4);
        t.offsets[i + 1] = t.chars.size();
      }
      return t;
    }
    if (dt != 'O')
      bad_column(name, std::string("expected strings, got a numpy array of dtype ") +
                           py::str(a.dtype()).cast<std::string>());
  }
  const std::size_t n = py::len(column);
  t.offsets.reserve(n + 1);
  t.known.assign(n, 1);
  std::size_t i = 0;
  for (py::handle item : column) {
    std::string_view text;
    if (utf8_view(item, text)) {
      t.chars.append(text);
    } else if (PyBytes_Check(item.ptr())) {
      t.chars.append(PyBytes_AS_STRING(item.ptr()),
                     static_cast<std::size_t>(PyBytes_GET_SIZE(item.ptr())));
    } else if (is_missing(item)) {
      t.known[i] = 0;
    } else {
      bad_row(name, i, "expected a str");
    }
    t.offsets.push_back(t.chars.size());
    ++i;
  }
  return t;
}

// Maps each distinct value once: index = intern(bytes) for a value not seen before.
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

// A numpy 'U'/'S' array into a string or enum field.
void set_fixed_text(RecordBatch& b, int field, std::size_t first, std::size_t count,
                    const py::array& a, const std::string& name) {
  const bool ucs4 = a.dtype().kind() == 'U';
  const std::size_t item = static_cast<std::size_t>(a.itemsize());
  const void* data = a.data();
  try {
    // A large column (NIKs) is converted with the GIL released: the array is held by the
    // caller's table for the whole call, and the conversion touches no Python object.
    std::optional<py::gil_scoped_release> release;
    if (count * item >= (std::size_t{1} << 18)) release.emplace();
    b.set_fixed_strings(field, first, count, data, ucs4 ? item / 4 : item, ucs4, nullptr);
  } catch (const RuleError& e) {
    bad_column(name, e.what());
  }
}

// Enum indices of a column of strings; every distinct string is looked up once.
void fill_enum(RecordBatch& b, int field, std::size_t first, std::size_t count, py::handle column,
               const std::string& name) {
  std::vector<std::int64_t> values(count);
  std::vector<std::uint8_t> known(count, 1);
  std::size_t row = 0;
  auto lookup = [&](std::string_view utf8) {
    try {
      return b.enum_index(field, utf8);
    } catch (const RuleError& e) {
      bad_row(name, row, "not one of the declared values of " + e.path());
    }
  };
  Categorical cat;
  if (as_categorical(column, cat)) {
    // Categories are decoded once, on first use.
    const TextColumn names = text_column(cat.categories, name);
    std::vector<std::int64_t> index(names.size(), -1);
    auto codes =
        py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(cat.codes);
    const std::int64_t* c = codes.data();
    for (row = 0; row < count; ++row) {
      const std::int64_t k = c[row];
      if (k < 0 || !names.present(static_cast<std::size_t>(k))) {
        known[row] = 0;
        continue;
      }
      std::int64_t& ix = index[static_cast<std::size_t>(k)];
      if (ix < 0) ix = lookup(names[static_cast<std::size_t>(k)]);
      values[row] = ix;
    }
  } else if (is_array(column) &&
             (py::reinterpret_borrow<py::array>(column).dtype().kind() == 'U' ||
              py::reinterpret_borrow<py::array>(column).dtype().kind() == 'S')) {
    // Fixed-width text: the core maps each distinct value once, writing the rows in place.
    set_fixed_text(b, field, first, count,
                   contiguous_1d(py::reinterpret_borrow<py::array>(column), name), name);
    return;
  } else {
    const TextColumn t = text_column(column, name);
    Interner intern(lookup);
    for (row = 0; row < count; ++row) {
      if (!t.present(row)) {
        known[row] = 0;
        continue;
      }
      values[row] = intern(t[row]);
    }
  }
  b.set_values(field, first, count, values.data(), known.data());
}

// Dates of a column of strings, read as a list file's date column is (the intake's
// DateReader): YYYY-MM-DD, DD/MM/YYYY, 29/04/85, 29-Apr-85, ...; the day/month order
// decided from the column's values; two-digit years before the batch's as_of.
void fill_dates_from_text(RecordBatch& b, int field, std::size_t first, std::size_t count,
                          const TextColumn& t, const std::string& name) {
  const DateReader reader(batch_reference());
  std::vector<DateCell> cells(count);
  DateOrderVotes votes;
  for (std::size_t row = 0; row < count; ++row) {
    if (!t.present(row)) continue;
    cells[row] = reader.read(t[row]);
    votes.add(cells[row]);
  }
  const DateOrder order = votes.decide();
  std::vector<std::int64_t> values(count);
  std::vector<std::uint8_t> known(count, 1);
  for (std::size_t row = 0; row < count; ++row) {
    if (!t.present(row)) {
      known[row] = 0;
      continue;
    }
    std::int32_t day = cells[row].under(order);
    if (day == kNoDay)
      bad_row(name, row, "not a date (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YY, 29 Agustus 1985, ...)");
    values[row] = day;
  }
  b.set_values(field, first, count, values.data(), known.data());
}

// The general path: one Python object a row.
void fill_objects(RecordBatch& b, int field, char kind, std::size_t first, std::size_t count,
                  py::handle column, const std::string& name) {
  std::size_t row = 0;
  try {
    for (py::handle v : column) {
      if (row == count) break;
      set_value(b, field, first + row, kind, v);
      ++row;
    }
  } catch (const RuleError& e) {
    bad_row(name, row, e.what());
  } catch (const std::invalid_argument& e) {
    bad_row(name, row, e.what());
  } catch (const Error& e) {
    bad_row(name, row, e.what());
  } catch (const py::cast_error&) {
    bad_row(name, row, "wrong type");
  } catch (const py::builtin_exception&) {
    bad_row(name, row, "wrong type");
  }
}

// A column of a scalar field (for element fields, of `count` elements from `first`).
void fill_scalar(RecordBatch& b, int field, char kind, std::size_t first, std::size_t count,
                 py::handle column, const std::string& name) {
  if (kind == 'e') {
    fill_enum(b, field, first, count, column, name);
    return;
  }
  Categorical cat;
  if ((kind == 's' || kind == 'd') && as_categorical(column, cat)) {
    // Decode the categories once and expand.
    const TextColumn names = text_column(cat.categories, name);
    auto codes =
        py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(cat.codes);
    const std::int64_t* c = codes.data();
    TextColumn t;
    t.known.assign(count, 1);
    for (std::size_t row = 0; row < count; ++row) {
      const std::int64_t k = c[row];
      if (k < 0 || !names.present(static_cast<std::size_t>(k)))
        t.known[row] = 0;
      else
        t.chars.append(names[static_cast<std::size_t>(k)]);
      t.offsets.push_back(t.chars.size());
    }
    if (kind == 's')
      b.set_strings(field, first, count, t.chars, t.offsets.data(), t.known.data());
    else
      fill_dates_from_text(b, field, first, count, t, name);
    return;
  }
  if (is_array(column)) {
    py::array arr = contiguous_1d(py::reinterpret_borrow<py::array>(column), name);
    const char dt = arr.dtype().kind();
    if (kind == 'b' && dt == 'b') {
      b.set_bools(field, first, count, static_cast<const std::uint8_t*>(arr.data()), nullptr);
      return;
    }
    if ((kind == 'i' && (dt == 'i' || dt == 'u')) || (kind == 'b' && (dt == 'i' || dt == 'u'))) {
      if (dt == 'u' && arr.itemsize() == 8) {
        auto u = py::array_t<std::uint64_t, py::array::c_style>::ensure(arr);
        for (std::size_t i = 0; i < count; ++i) {
          if (u.data()[i] > static_cast<std::uint64_t>(INT64_MAX))
            bad_row(name, i, "number out of range");
        }
      }
      auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
      if (kind == 'i') {
        b.set_values(field, first, count, a.data(), nullptr);
      } else {
        std::vector<std::uint8_t> v(count);
        for (std::size_t i = 0; i < count; ++i) v[i] = a.data()[i] != 0;
        b.set_bools(field, first, count, v.data(), nullptr);
      }
      return;
    }
    if ((kind == 'i' || kind == 'b') && dt == 'f') {
      auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
      const double* p = a.data();
      std::vector<std::int64_t> values(count);
      std::vector<std::uint8_t> known(count, 1);
      for (std::size_t i = 0; i < count; ++i) {
        if (std::isnan(p[i])) {
          known[i] = 0;
        } else if (kind == 'b') {
          values[i] = p[i] != 0.0;
        } else if (!(p[i] > -9.2e18 && p[i] < 9.2e18)) {
          bad_row(name, i, "number out of range");
        } else if (p[i] != std::trunc(p[i])) {
          bad_row(name, i, "expected a whole number");
        } else {
          values[i] = static_cast<std::int64_t>(p[i]);
        }
      }
      if (kind == 'i') {
        b.set_values(field, first, count, values.data(), known.data());
      } else {
        std::vector<std::uint8_t> v(values.begin(), values.end());
        b.set_bools(field, first, count, v.data(), known.data());
      }
      return;
    }
    if (kind == 'd' && dt == 'M') {
      py::array days = numpy().attr("asarray")(arr, "datetime64[D]").attr("view")("int64");
      auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(days);
      const std::int64_t* p = a.data();
      // One pass of minimum and maximum (NaT is the smallest int64) tells whether any day
      // is NaT or out of range; only then are the rows looked at one by one.
      std::int64_t lowest = 0, highest = 0;
      for (std::size_t i = 0; i < count; ++i) {
        lowest = std::min(lowest, p[i]);
        highest = std::max(highest, p[i]);
      }
      const bool clean = lowest >= INT32_MIN && highest <= INT32_MAX;
      std::vector<std::uint8_t> known;  // built only when there is a NaT
      for (std::size_t i = 0; !clean && i < count; ++i) {
        if (p[i] == INT64_MIN) {  // NaT
          if (known.empty()) known.assign(count, 1);
          known[i] = 0;
        } else if (p[i] < INT32_MIN || p[i] > INT32_MAX) {
          bad_row(name, i, "date out of range");
        }
      }
      b.set_values(field, first, count, p, known.empty() ? nullptr : known.data());
      return;
    }
    if (kind == 'd' && (dt == 'U' || dt == 'S')) {
      fill_dates_from_text(b, field, first, count, text_column(arr, name), name);
      return;
    }
    if (kind == 's' && (dt == 'U' || dt == 'S')) {
      set_fixed_text(b, field, first, count, arr, name);
      return;
    }
    if (kind == 'b' && (dt == 'U' || dt == 'S')) {  // ya/tidak, y/t, true/false, 1/0 as text
      const TextColumn t = text_column(arr, name);
      std::vector<std::uint8_t> values(count), known(count, 1);
      for (std::size_t row = 0; row < count; ++row) {
        if (!t.present(row)) {
          known[row] = 0;
          continue;
        }
        const int flag = read_bool(t[row]);
        if (flag < 0) bad_row(name, row, "not a boolean (ya/tidak, true/false, 1/0)");
        values[row] = static_cast<std::uint8_t>(flag);
      }
      b.set_bools(field, first, count, values.data(), known.data());
      return;
    }
    if (kind == 's' && dt == 'O') {
      const TextColumn t = text_column(arr, name);
      b.set_strings(field, first, count, t.chars, t.offsets.data(),
                    t.known.empty() ? nullptr : t.known.data());
      return;
    }
    if (dt != 'O') {
      bad_column(name, std::string("a numpy array of dtype ") +
                           py::str(arr.dtype()).cast<std::string>() + " does not fit this input");
    }
  }
  fill_objects(b, field, kind, first, count, column, name);
}

// Offsets of a columnar list or set column: int array of n + 1 entries from 0, non-decreasing,
// ending at the number of flat values (checked by the caller against each flat column).
struct Offsets {
  // The caller's array itself when it is already C-contiguous int64 (no copy).
  py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> array;
  const std::int64_t* data() const { return array.data(); }
  std::size_t size() const { return static_cast<std::size_t>(array.shape(0)); }
  std::int64_t back() const { return data()[size() - 1]; }
  std::int64_t operator[](std::size_t i) const { return data()[i]; }
};

Offsets read_offsets(py::handle obj, const std::string& name) {
  if (!is_array(obj)) bad_column(name, "offsets must be a numpy integer array");
  py::array a = contiguous_1d(py::reinterpret_borrow<py::array>(obj), name);
  const char dt = a.dtype().kind();
  if (dt != 'i' && dt != 'u') {
    bad_column(name, "offsets must be integers, not " + py::str(a.dtype()).cast<std::string>());
  }
  if (a.shape(0) < 1) bad_column(name, "offsets need n + 1 entries (at least one)");
  Offsets out{py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(a)};
  if (!out.array) throw py::error_already_set();
  const std::int64_t* v = out.data();
  if (v[0] != 0) bad_column(name, "offsets must start at 0");
  bool decreasing = false;  // one branch-free pass; the row is looked for only on failure
  for (std::size_t i = 1; i < out.size(); ++i) decreasing |= v[i] < v[i - 1];
  for (std::size_t i = 1; decreasing && i < out.size(); ++i) {
    if (v[i] < v[i - 1]) bad_row(name, i - 1, "offsets decrease (they must be non-decreasing)");
  }
  return out;
}

// An optional per-row missing mask (bool array, True = missing).
std::vector<std::uint8_t> read_missing(py::handle obj, std::size_t n, const std::string& name) {
  std::vector<std::uint8_t> known;  // empty: none missing
  if (obj.is_none()) return known;
  known.resize(n);
  if (!is_array(obj) || py::reinterpret_borrow<py::array>(obj).dtype().kind() != 'b') {
    bad_column(name, "the missing mask must be a numpy bool array");
  }
  py::array m = contiguous_1d(py::reinterpret_borrow<py::array>(obj), name);
  if (static_cast<std::size_t>(m.shape(0)) != n) {
    bad_column(name, "the missing mask has " + std::to_string(m.shape(0)) + " entries, not " +
                         std::to_string(n));
  }
  const auto* missing = static_cast<const std::uint8_t*>(m.data());
  for (std::size_t i = 0; i < n; ++i) known[i] = missing[i] ? 0 : 1;
  return known;
}

std::size_t flat_length(py::handle values, const std::string& name) {
  if (is_array(values)) {
    py::array a = py::reinterpret_borrow<py::array>(values);
    if (a.ndim() != 1)
      bad_column(name, "expected a 1-D array, got " + std::to_string(a.ndim()) + "-D");
    return static_cast<std::size_t>(a.shape(0));
  }
  if (!py::hasattr(values, "__len__")) bad_column(name, "expected an array of values");
  return py::len(values);
}

void check_flat_length(const Offsets& offsets, std::size_t len, const std::string& offsets_name,
                       const std::string& name) {
  if (static_cast<std::uint64_t>(offsets.back()) != len) {
    bad_column(name, "has " + std::to_string(len) + " values but the offsets of '" + offsets_name +
                         "' end at " + std::to_string(offsets.back()));
  }
}

// A columnar programme set: (offsets, codes[, missing]); each distinct code is mapped once.
void fill_set_columnar(RecordBatch& b, int field, std::size_t n, const Offsets& offsets,
                       py::handle codes, py::handle missing, const std::string& name) {
  const std::string codes_name = name + "[codes]";
  check_flat_length(offsets, flat_length(codes, codes_name), name, codes_name);
  std::vector<std::uint8_t> known = read_missing(missing, n, name + "[missing]");
  const std::size_t flat = static_cast<std::size_t>(offsets.back());
  std::vector<std::int64_t> bits(flat);
  std::size_t at = 0;
  auto bit_of = [&](std::string_view code) -> std::int64_t {
    if (code.empty()) bad_row(codes_name, at, "empty programme code");
    try {
      return b.program_bit(field, code);
    } catch (const RuleError& e) {
      bad_row(codes_name, at, e.what());
    }
  };
  const char dt = is_array(codes) ? py::reinterpret_borrow<py::array>(codes).dtype().kind() : 'O';
  if (dt == 'U' || dt == 'S') {
    // Fixed-width codes: the raw bytes are the key; each distinct code is decoded once.
    py::array a = contiguous_1d(py::reinterpret_borrow<py::array>(codes), codes_name);
    const std::size_t item = static_cast<std::size_t>(a.itemsize());
    const char* base = static_cast<const char*>(a.data());
    smartkampung::detail::with_raw_value_table(item, [&](auto& table) {
      for (at = 0; at < flat; ++at) {
        const char* p = base + at * item;
        __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) +
                                                         2048));  // usually cold
        const std::int64_t* found = table.find(p);
        if (found != nullptr) {
          bits[at] = *found;
          continue;
        }
        std::string utf8;
        append_fixed_text(utf8, p, item, dt == 'U');
        bits[at] = bit_of(utf8);
        table.insert(p, bits[at]);  // a full table only means more lookups
      }
    });
  } else {
    const TextColumn t = text_column(codes, codes_name);
    Interner intern(bit_of);
    for (at = 0; at < flat; ++at) {
      if (!t.present(at)) bad_row(codes_name, at, "a programme code is missing");
      bits[at] = intern(t[at]);
    }
  }
  // Row masks without a loop per row (how many codes a row has is unpredictable): the
  // row of each code is the last row starting at or before it (a running maximum over
  // where rows start), and each code's bit is OR-ed into its row.
  const std::int64_t* off = offsets.data();
  if (!known.empty()) {
    for (std::size_t row = 0; row < n; ++row) {
      if (!known[row] && off[row + 1] != off[row]) bad_row(name, row, "a missing set has codes");
    }
  }
  std::unique_ptr<std::int64_t[]> masks(new std::int64_t[std::max<std::size_t>(n, 1)]);
  std::int64_t* out = masks.get();
  std::fill(out, out + n, 0);
  std::vector<std::size_t> starts(flat + 1, 0);  // 1 + the last row starting at each code
  for (std::size_t row = 0; row < n; ++row) starts[static_cast<std::size_t>(off[row])] = row + 1;
  std::size_t row_of = 0;
  for (std::size_t k = 0; k < flat; ++k) {
    row_of = std::max(row_of, starts[k]);
    out[row_of - 1] |= static_cast<std::int64_t>(std::uint64_t{1} << bits[k]);
  }
  b.set_values(field, 0, n, out, known.empty() ? nullptr : known.data());
}

// list<member> given as a list of dicts a row: each dict keyed by the element fields' paths.
void fill_list_objects(RecordBatch& b, int field, std::size_t n, py::handle column,
                       const std::vector<Input>& inputs, const std::string& elem_type,
                       const std::string& name) {
  // The keys are made once, so that each element costs a few dict lookups.
  struct ElemField {
    int index;
    char kind;
    std::string sub;
    std::vector<py::str> keys;
  };
  std::vector<ElemField> fields;
  for (const Input& in : inputs) {
    if (in.path.rfind(elem_type + ".", 0) != 0) continue;
    ElemField f{b.field(in.path), in.kind, in.path.substr(elem_type.size() + 1), {}};
    std::size_t start = elem_type.size() + 1;
    for (;;) {
      const std::size_t dot = in.path.find('.', start);
      f.keys.emplace_back(
          in.path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    fields.push_back(std::move(f));
  }
  std::size_t row = 0;
  for (py::handle items : column) {
    if (row == n) break;
    if (is_missing(items)) {
      ++row;
      continue;
    }
    if (PyUnicode_Check(items.ptr()) || PyDict_Check(items.ptr()) ||
        !py::hasattr(items, "__iter__")) {
      bad_row(name, row, "expected a list of dicts");
    }
    b.set_empty_list(field, row);
    std::size_t k = 0;
    for (py::handle item : items) {
      const std::size_t e = b.add_element(field, row);
      if (!PyDict_Check(item.ptr()))
        bad_row(name, row, "element " + std::to_string(k) + " is not a dict");
      for (const ElemField& f : fields) {
        PyObject* v = item.ptr();
        for (const py::str& key : f.keys) {
          v = PyDict_Check(v) ? PyDict_GetItem(v, key.ptr()) : nullptr;  // borrowed
          if (v == nullptr) break;
        }
        if (v == nullptr) continue;
        try {
          set_value(b, f.index, e, f.kind, py::handle(v));
        } catch (const std::invalid_argument& x) {
          bad_row(name, row, "element " + std::to_string(k) + ", '" + f.sub + "': " + x.what());
        } catch (const Error& x) {
          bad_row(name, row, "element " + std::to_string(k) + ", '" + f.sub + "': " + x.what());
        } catch (const py::cast_error&) {
          bad_row(name, row, "element " + std::to_string(k) + ", '" + f.sub + "': wrong type");
        } catch (const py::builtin_exception&) {
          bad_row(name, row, "element " + std::to_string(k) + ", '" + f.sub + "': wrong type");
        }
      }
      ++k;
    }
    ++row;
  }
}

// ---- the table -------------------------------------------------------------------------
struct TableColumn {
  std::string name;
  py::object value;
};

std::vector<TableColumn> table_columns(py::handle table) {
  std::vector<TableColumn> columns;
  if (py::isinstance<py::dict>(table)) {
    for (auto item : py::reinterpret_borrow<py::dict>(table)) {
      columns.push_back({py::str(item.first).cast<std::string>(),
                         py::reinterpret_borrow<py::object>(item.second)});
    }
    return columns;
  }
  if (!py::hasattr(table, "columns")) {
    throw Error(ErrorCode::kInvalidArgument,
                "evaluate_batch takes a dict of columns or a DataFrame");
  }
  for (py::handle key : table.attr("columns")) {
    py::object col = table[key];
    // Categoricals stay Series (decoded once per category); the rest become numpy arrays.
    Categorical cat;
    if (!as_categorical(col, cat) && py::hasattr(col, "to_numpy")) col = col.attr("to_numpy")();
    columns.push_back({py::str(key).cast<std::string>(), col});
  }
  return columns;
}

// What a column feeds, from its name.
struct Target {
  enum Role { kIgnored, kTop, kElement } role = kIgnored;
  const Input* input = nullptr;  // the field fed
  const Input* list = nullptr;   // element columns: the list they belong to
  std::string list_name;         // element columns: the name of the list column ("members")
};

const Input* top_input(const std::vector<Input>& inputs, const std::string& name) {
  for (const Input& in : inputs) {
    if (!in.element && in.path == name) return &in;
  }
  for (const Input& in : inputs) {
    if (!in.element && in.short_name == name) return &in;
  }
  return nullptr;
}

Target resolve(const std::vector<Input>& inputs, const std::string& name) {
  Target t;
  if ((t.input = top_input(inputs, name)) != nullptr) {
    t.role = Target::kTop;
    return t;
  }
  // A header as a list file writes it ("NIK", "Tgl. Lahir", "L/P"): the field the intake's
  // alias table names, when the rule set reads that field.
  if (const std::string_view field = header_field(name); !field.empty()) {
    if ((t.input = top_input(inputs, std::string(field))) != nullptr) {
      t.role = Target::kTop;
      return t;
    }
  }
  // "<list column>.<element field without its type>": "members.nik", "kk.members.nik".
  for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    const Input* list = top_input(inputs, name.substr(0, dot));
    if (list == nullptr || list->kind != 'l') continue;
    const std::string elem_path = list->elem_type + name.substr(dot);
    const std::string_view field = header_field(name.substr(dot + 1));
    const std::string alias_path =
        field.empty() ? std::string() : list->elem_type + "." + std::string(field);
    for (const Input& in : inputs) {
      if (in.element && (in.path == elem_path || (!alias_path.empty() && in.path == alias_path))) {
        t.role = Target::kElement;
        t.input = &in;
        t.list = list;
        t.list_name = name.substr(0, dot);
        return t;
      }
    }
  }
  return t;
}

// The columnar form of a list or set column: (offsets, values[, missing]) or, for a
// list, a bare integer offsets array (the element columns are then named "<list>.<field>").
bool is_columnar(py::handle value, char kind) {
  if (py::isinstance<py::tuple>(value)) return true;
  // A list column as a numpy array that is not of objects can only be offsets.
  return kind == 'l' && is_array(value) &&
         py::reinterpret_borrow<py::array>(value).dtype().kind() != 'O';
}

// A programme set column of one code a row: a numpy 'U'/'S' array or a categorical
// ('' is the empty set, None/NaN missing); every distinct code is mapped once.
bool fill_set_single(RecordBatch& b, int field, std::size_t n, py::handle column,
                     const std::string& name) {
  Categorical cat;
  const bool categorical = as_categorical(column, cat);
  if (!categorical) {
    if (!is_array(column)) return false;
    const char dt = py::reinterpret_borrow<py::array>(column).dtype().kind();
    if (dt == 'O') return false;
    if (dt != 'U' && dt != 'S') {
      bad_column(
          name,
          "a programme set column is (offsets, codes[, missing]), a list of code lists or a str "
          "array of one code a row, not an array of dtype " +
              py::str(py::reinterpret_borrow<py::array>(column).dtype()).cast<std::string>());
    }
  }
  const TextColumn names = text_column(
      categorical ? cat.categories : py::object(py::reinterpret_borrow<py::object>(column)), name);
  std::vector<std::int64_t> masks(n, 0);
  std::vector<std::uint8_t> known(n, 1);
  std::size_t row = 0;
  Interner intern([&](std::string_view code) -> std::int64_t {
    if (code.empty()) return 0;
    try {
      return static_cast<std::int64_t>(std::uint64_t{1} << b.program_bit(field, code));
    } catch (const RuleError& e) {
      bad_row(name, row, e.what());
    }
  });
  const std::int64_t* codes = nullptr;
  py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> code_array;
  if (categorical) {
    code_array =
        py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(cat.codes);
    codes = code_array.data();
  }
  for (row = 0; row < n; ++row) {
    const std::size_t k = categorical ? static_cast<std::size_t>(codes[row]) : row;
    if ((categorical && codes[row] < 0) || !names.present(k)) {
      known[row] = 0;
      continue;
    }
    masks[row] = intern(names[k]);
  }
  b.set_values(field, 0, n, masks.data(), known.data());
  return true;
}

// Row i of `out` = entry index[i] of `padded` (entries of `width` characters). The width
// is fixed for a call, so a copy of a width known at compile time (moves, no call to
// memcpy a row) is picked once for the common widths.
using CopyCodes = void (*)(char32_t*, const char32_t*, const std::uint32_t*, std::size_t);
template <std::size_t Width>
void copy_codes_of(char32_t* out, const char32_t* padded, const std::uint32_t* index,
                   std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  // Rows are assembled 64 at a time in a small buffer that stays in L1, then streamed to
  // the array with non-temporal stores: its lines are not fetched before being written
  // (the array is large and fresh; nothing here reads it back).
  constexpr std::size_t kRows = 64;  // 64 rows of Width characters: 16 * Width whole 16-byte blocks
  if (Width > 0 && reinterpret_cast<std::uintptr_t>(out) % 16 == 0) {
    alignas(16) char32_t staged[kRows * (Width > 0 ? Width : 1)];
    for (; i + kRows <= n; i += kRows) {
      for (std::size_t r = 0; r < kRows; ++r) {
        std::memcpy(staged + r * Width, padded + std::size_t{index[i + r]} * Width, Width * 4);
      }
      const auto* from = reinterpret_cast<const __m128i*>(staged);
      auto* to = reinterpret_cast<__m128i*>(out + i * Width);
      for (std::size_t block = 0; block < kRows * Width / 4; ++block)
        _mm_stream_si128(to + block, _mm_load_si128(from + block));
    }
    _mm_sfence();
  }
#endif
  for (; i < n; ++i)
    std::memcpy(out + i * Width, padded + std::size_t{index[i]} * Width, Width * 4);
}
template <std::size_t... Widths>
constexpr std::array<CopyCodes, sizeof...(Widths)> copy_codes_table(
    std::index_sequence<Widths...>) {
  return {&copy_codes_of<Widths>...};
}
void copy_codes(std::size_t width, char32_t* out, const char32_t* padded,
                const std::uint32_t* index, std::size_t n) {
  static constexpr auto fixed = copy_codes_table(std::make_index_sequence<33>{});
  if (width < fixed.size()) {
    fixed[width](out, padded, index, n);
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(out + i * width, padded + std::size_t{index[i]} * width, width * 4);
}

// The result: (decisions int8, amounts int64, reasons as a numpy str array). The reason
// codes are written straight into the array's UCS-4 buffer, one fixed-size copy a row.
py::object batch_result(const RuleSet& rs, const Evaluator& ev, const py::array& verdicts,
                        const py::array& amounts, const std::int32_t* reasons, std::size_t n) {
  const std::size_t rules = rs.rule_ids().size();
  // Code table: [""], OUT_OF_PERIOD, AMOUNT_UNKNOWN, LIMIT, then each rule's code.
  std::vector<std::u32string> table(4 + rules);
  auto to_u32 = [](const char* utf8) {
    py::str s = py::str(utf8);
    Py_ssize_t len = 0;
    Py_UCS4* buf = PyUnicode_AsUCS4Copy(s.ptr());
    if (buf == nullptr) throw py::error_already_set();
    len = PyUnicode_GET_LENGTH(s.ptr());
    std::u32string out(reinterpret_cast<const char32_t*>(buf), static_cast<std::size_t>(len));
    PyMem_Free(buf);
    return out;
  };
  table[1] = to_u32("OUT_OF_PERIOD");
  table[2] = to_u32("AMOUNT_UNKNOWN");
  table[3] = to_u32("LIMIT");
  for (std::size_t r = 0; r < rules; ++r)
    table[4 + r] = to_u32(ev.reason_code(static_cast<std::int32_t>(r)));
  std::unique_ptr<std::uint32_t[]> index(new std::uint32_t[std::max<std::size_t>(n, 1)]);
  std::vector<std::uint8_t> used(table.size(), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t r = reasons[i];
    // kNoReason (-1) -> 0, kOutOfPeriod (-2) -> 1, kAmountUnknown (-3) -> 2, kStepLimit (-4)
    // -> 3, rule r -> 4 + r: picked without a branch (the outcomes of a batch come in no
    // predictable order).
    static_assert(Outcome::kNoReason == -1 && Outcome::kOutOfPeriod == -2 &&
                  Outcome::kAmountUnknown == -3 && Outcome::kStepLimit == -4);
    const std::int64_t negative = -static_cast<std::int64_t>(r < 0);  // all ones when r < 0
    const std::int64_t special = (-std::int64_t{r} - 1) & -static_cast<std::int64_t>(r >= -4);
    index[i] =
        static_cast<std::uint32_t>(((std::int64_t{r} + 4) & ~negative) | (special & negative));
    used[index[i]] = 1;
  }
  // As wide as the longest code that occurs (numpy's own choice for these strings).
  std::size_t width = 1;
  for (std::size_t k = 0; k < table.size(); ++k) {
    if (used[k]) width = std::max(width, table[k].size());
  }
  py::dtype dtyp("<U" + std::to_string(width));
  // Made as a plain uint32 array and viewed as str: numpy zero-fills a new str array
  // (its dtype needs init), which costs more than the copy that fills it.
  py::array_t<std::uint32_t> units(static_cast<py::ssize_t>(n * width));
  auto* out = reinterpret_cast<char32_t*>(units.mutable_data());
  py::array codes = units.attr("view")(dtyp);
  std::vector<char32_t> padded(table.size() * width, U'\0');
  for (std::size_t k = 0; k < table.size(); ++k) {
    std::copy(table[k].begin(),
              table[k].begin() + static_cast<std::ptrdiff_t>(std::min(width, table[k].size())),
              padded.begin() + static_cast<std::ptrdiff_t>(k * width));
  }
  {
    py::gil_scoped_release release;
    copy_codes(width, out, padded.data(), index.get(), n);
  }
  static py::object* result_type =
      new py::object(py::module_::import("collections")
                         .attr("namedtuple")("BatchDecisions", "decisions amounts reasons"));
  return (*result_type)(verdicts, amounts, codes);
}

// Warm batches to refill: a cleared RecordBatch keeps its memory, so refilling one
// of a like size allocates nothing and touches no fresh pages (which, for a batch of
// tens of thousands of rows, costs about as much as decoding it). The pool is used
// with the GIL held; a batch is taken out while in use, so concurrent calls (which
// release the GIL while evaluating) never share one. Small batches only, a few rule
// sets: the memory kept stays bounded. A batch keeps its rule set alive, so the
// address of the rule set's canonical text identifies it.
constexpr std::size_t kPooledRowsMax = std::size_t{1} << 16;
constexpr std::size_t kPooledBatchesMax = 4;
struct PooledBatch {
  const void* ruleset;
  std::unique_ptr<RecordBatch> batch;
};
std::vector<PooledBatch>& batch_pool() {
  static auto* pool = new std::vector<PooledBatch>();  // leaked on purpose, like the other statics
  return *pool;
}
std::unique_ptr<RecordBatch> take_batch(const RuleSet& rs) {
  auto& pool = batch_pool();
  for (auto it = pool.begin(); it != pool.end(); ++it) {
    if (it->ruleset == &rs.to_json()) {
      std::unique_ptr<RecordBatch> b = std::move(it->batch);
      pool.erase(it);
      b->clear();
      return b;
    }
  }
  return std::make_unique<RecordBatch>(rs);
}
void give_back(const RuleSet& rs, std::unique_ptr<RecordBatch> batch) {
  if (batch->size() > kPooledRowsMax) return;
  auto& pool = batch_pool();
  pool.insert(pool.begin(), PooledBatch{&rs.to_json(), std::move(batch)});
  if (pool.size() > kPooledBatchesMax) pool.pop_back();
}

// ---- one record from a dict -------------------------------------------------------------
// rs.evaluate(dict) reads the declared fields straight from the dict, with no JSON text in
// between. Only values of the types JSON would carry as they are (None, bool, int, str,
// datetime.date, list/tuple, dict) are taken, and set as RecordBatch::append_json sets
// them; on anything else (another type, a value the batch rejects) the record goes the
// old way, through JSON, which then gives the same decision or the same error as before.
struct RecordField {
  int field = -1;
  char kind = 's';
  std::vector<py::str> keys;          // the path's segments (element fields: after the type name)
  std::vector<RecordField> elements;  // list fields: their element fields
};
struct RecordPlan {
  std::vector<RecordField> fields;  // in the batch's field order, as append_json sets them
};

const RecordPlan& record_plan(const RuleSet& rs) {
  static auto* cache = new std::map<std::string, RecordPlan>();  // guarded by the GIL
  auto it = cache->find(rs.sha256());
  if (it != cache->end()) return it->second;
  const std::vector<Input>& inputs = inputs_of(rs);
  const RecordBatch names(rs);
  auto keys_of = [](const std::string& path, std::size_t start) {
    std::vector<py::str> keys;
    for (;;) {
      const std::size_t dot = path.find('.', start);
      keys.emplace_back(
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) return keys;
      start = dot + 1;
    }
  };
  RecordPlan plan;
  for (const Input& in : inputs) {
    if (in.element) continue;
    RecordField f{names.field(in.path), in.kind, keys_of(in.path, 0), {}};
    if (in.kind == 'l') {
      for (const Input& e : inputs) {
        if (e.path.rfind(in.elem_type + ".", 0) != 0) continue;
        f.elements.push_back(
            RecordField{names.field(e.path), e.kind, keys_of(e.path, in.elem_type.size() + 1), {}});
      }
      std::sort(f.elements.begin(), f.elements.end(),
                [](const RecordField& a, const RecordField& b) { return a.field < b.field; });
    }
    plan.fields.push_back(std::move(f));
  }
  std::sort(plan.fields.begin(), plan.fields.end(),
            [](const RecordField& a, const RecordField& b) { return a.field < b.field; });
  if (cache->size() > 64) cache->clear();
  return cache->emplace(rs.sha256(), std::move(plan)).first->second;
}

// The value at `keys` under `from` (borrowed; null when a step is None or lacks the key).
// False when a step on the way is neither a dict nor None: the JSON way decides what that
// means (absent, or an error for a value JSON cannot carry).
bool lookup(PyObject* from, const std::vector<py::str>& keys, PyObject*& out) {
  out = nullptr;
  for (const py::str& key : keys) {
    if (from == nullptr || from == Py_None) return true;
    if (!PyDict_Check(from)) return false;
    from = PyDict_GetItemWithError(from, key.ptr());
    if (from == nullptr && PyErr_Occurred()) throw py::error_already_set();
  }
  out = from;
  return true;
}

// One value as append_json would set it; false when it is not of a plain type (the record
// then goes through JSON). Throws what the batch throws for a plain value it rejects.
bool set_plain(RecordBatch& b, const RecordField& f, std::size_t row, PyObject* v) {
  if (v == Py_None) return true;  // null: missing
  std::string_view text;
  switch (f.kind) {
    case 'b':
      if (!PyBool_Check(v)) return false;
      b.set_bool(f.field, row, v == Py_True);
      return true;
    case 'i': {
      if (!PyLong_CheckExact(v)) return false;
      int overflow = 0;
      const long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
      if (overflow != 0 || (x == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return false;
      }
      b.set_int(f.field, row, static_cast<std::int64_t>(x));
      return true;
    }
    case 'd': {
      static py::object* date_type = new py::object(py::module_::import("datetime").attr("date"));
      if (PyUnicode_Check(v)) {
        if (!utf8_view(v, text)) return false;
        b.set_date(f.field, row, Date::parse_iso(text));
        return true;
      }
      if (reinterpret_cast<PyObject*>(Py_TYPE(v)) != date_type->ptr()) return false;
      b.set_date(f.field, row, python::to_date(v));
      return true;
    }
    case 's':
    case 'e':
      if (!PyUnicode_Check(v) || !utf8_view(v, text)) return false;
      b.set_string(f.field, row, text);
      return true;
    case 'p': {
      if (!PyList_CheckExact(v) && !PyTuple_CheckExact(v)) return false;
      py::sequence seq = py::reinterpret_borrow<py::sequence>(v);
      std::vector<std::string_view> codes;
      codes.reserve(seq.size());
      for (py::handle code : seq) {
        if (!PyUnicode_Check(code.ptr()) || !utf8_view(code, text)) return false;
        codes.push_back(text);
      }
      b.set_programs(f.field, row, codes);
      return true;
    }
    case 'l': {
      if (!PyList_CheckExact(v) && !PyTuple_CheckExact(v)) return false;
      b.set_empty_list(f.field, row);
      for (py::handle item : py::reinterpret_borrow<py::sequence>(v)) {
        if (!PyDict_Check(item.ptr())) return false;
        const std::size_t e = b.add_element(f.field, row);
        for (const RecordField& ef : f.elements) {
          PyObject* ev = nullptr;
          if (!lookup(item.ptr(), ef.keys, ev) || (ev != nullptr && !set_plain(b, ef, e, ev)))
            return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}

// The record's declared fields into row 0 of an empty batch; false: take the JSON way.
bool fill_record(RecordBatch& b, const RecordPlan& plan, py::handle record) {
  if (!PyDict_Check(record.ptr())) return false;
  b.append_rows(1);
  try {
    for (const RecordField& f : plan.fields) {
      PyObject* v = nullptr;
      if (!lookup(record.ptr(), f.keys, v) || (v != nullptr && !set_plain(b, f, 0, v)))
        return false;
    }
  } catch (const std::exception&) {
    return false;  // a value the batch rejects (or text Python cannot encode): the JSON way reports
                   // it as before
  }
  return true;
}

Decision evaluate_record(const RuleSet& rs, py::handle record, py::handle as_of, bool explain) {
  const Date date = to_date_or_today(as_of);
  if (!PyUnicode_Check(record.ptr())) {
    std::unique_ptr<RecordBatch> pooled = take_batch(rs);
    if (fill_record(*pooled, record_plan(rs), record)) {
      Decision d = rs.evaluator(date).decide(*pooled, 0, explain);
      give_back(rs, std::move(pooled));
      return d;
    }
    give_back(rs, std::move(pooled));
  }
  return rs.evaluate_json(record_json(record), date, explain);
}

// Evaluates a filled batch into a DecisionTable without the GIL; `progress` (None, bool
// or a callable) reports through smartkampung._progress, taking the GIL for each report.
// A report returning False (or raising, as KeyboardInterrupt does) stops the batch:
// smartkampung.Cancelled (or the exception) is raised.
py::object decisions_object(const Evaluator& ev, const RecordBatch& batch, py::handle progress) {
  python::ProgressHook report(progress, batch.size(), "rules");
  arrow::Table t =
      report.run([&](const Progress& hook) { return tables::decisions_table(ev, batch, hook); });
  return python::table_object(std::move(t), "DecisionTable");
}

py::object evaluate_batch(const RuleSet& rs, py::handle table, py::handle as_of,
                          py::handle progress) {
  const Date date = to_date_or_today(as_of);
  if (std::optional<arrow::StreamReader> reader = python::arrow_reader(table)) {
    RecordBatch batch(rs);
    {
      py::gil_scoped_release release;
      tables::append_records(batch, *reader);
    }
    return decisions_object(rs.evaluator(date), batch, progress);
  }
  const BatchReference reference(date);
  const std::vector<TableColumn> columns = table_columns(table);
  const std::vector<Input> inputs =
      inputs_of(rs);  // a copy: the cache may change while the GIL is released
  std::unique_ptr<RecordBatch> pooled = take_batch(rs);
  RecordBatch& batch = *pooled;

  // Rows: every top-level column has n rows (offsets n + 1 entries); element columns
  // are checked against their list's offsets.
  std::vector<Target> targets;
  std::size_t n = 0;
  const std::string* first_name = nullptr;
  for (const TableColumn& col : columns) {
    targets.push_back(resolve(inputs, col.name));
    const Target& t = targets.back();
    if (t.role != Target::kTop) continue;
    std::size_t len = 0;
    if ((t.input->kind == 'l' || t.input->kind == 'p') && is_columnar(col.value, t.input->kind)) {
      py::object offsets = col.value;
      if (py::isinstance<py::tuple>(col.value)) {
        const std::size_t parts = py::len(col.value);
        if (parts < 2 || parts > 3)
          bad_column(col.name, "the columnar form is a tuple (offsets, values[, missing])");
        offsets = py::reinterpret_borrow<py::tuple>(col.value)[0];
      }
      if (!is_array(offsets)) bad_column(col.name, "offsets must be a numpy integer array");
      const py::ssize_t entries = py::reinterpret_borrow<py::array>(offsets).shape(0);
      if (entries < 1) bad_column(col.name, "offsets need n + 1 entries (at least one)");
      len = static_cast<std::size_t>(entries - 1);
    } else {
      if (!py::hasattr(col.value, "__len__") || PyUnicode_Check(col.value.ptr())) {
        bad_column(col.name, "expected an array or a sequence of values");
      }
      len = py::len(col.value);
    }
    if (first_name != nullptr && len != n) {
      bad_column(col.name, "has " + std::to_string(len) + " rows, not " + std::to_string(n) +
                               " (as '" + *first_name + "'): columns must have equal lengths");
    }
    n = len;
    first_name = &col.name;
  }
  batch.append_rows(n);

  // Lists given as offsets: where their elements start, for the element columns.
  struct ListSpan {
    const Input* list;
    std::string name;
    Offsets offsets;
    std::size_t first_element;
  };
  std::vector<ListSpan> spans;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const TableColumn& col = columns[c];
    const Target& t = targets[c];
    if (t.role != Target::kTop) continue;
    const int field = batch.field(t.input->path);
    const char kind = t.input->kind;
    if (kind == 'p' && is_columnar(col.value, kind)) {
      py::tuple parts = py::reinterpret_borrow<py::tuple>(col.value);
      fill_set_columnar(batch, field, n, read_offsets(parts[0], col.name), parts[1],
                        parts.size() > 2 ? py::object(parts[2]) : py::none(), col.name);
    } else if (kind == 'p' && fill_set_single(batch, field, n, col.value, col.name)) {
      // one code a row
    } else if (kind == 'l' && is_columnar(col.value, kind)) {
      ListSpan span{t.input, col.name, {}, 0};
      py::object missing = py::none();
      py::object values = py::none();
      if (py::isinstance<py::tuple>(col.value)) {
        py::tuple parts = py::reinterpret_borrow<py::tuple>(col.value);
        span.offsets = read_offsets(parts[0], col.name);
        values = parts[1];
        if (parts.size() > 2) missing = parts[2];
        if (!py::isinstance<py::dict>(values)) {
          bad_column(col.name,
                     "the values of a columnar list are a dict {element field: flat column}");
        }
      } else {
        span.offsets = read_offsets(col.value, col.name);
      }
      const std::vector<std::uint8_t> known = read_missing(missing, n, col.name + "[missing]");
      try {
        span.first_element = batch.set_lists(field, 0, n, span.offsets.data(),
                                             known.empty() ? nullptr : known.data());
      } catch (const RuleError& e) {
        bad_column(col.name, e.what());
      }
      if (!values.is_none()) {
        for (auto item : py::reinterpret_borrow<py::dict>(values)) {
          const std::string sub = py::str(item.first).cast<std::string>();
          const std::string elem_name = col.name + "." + sub;
          const std::string elem_path = t.input->elem_type + "." + sub;
          const Input* in = nullptr;
          for (const Input& i : inputs) {
            if (i.element && i.path == elem_path) in = &i;
          }
          if (in == nullptr) continue;  // element fields the rule set does not read are ignored
          check_flat_length(span.offsets, flat_length(item.second, elem_name), col.name, elem_name);
          fill_scalar(batch, batch.field(in->path), in->kind, span.first_element,
                      static_cast<std::size_t>(span.offsets.back()), item.second, elem_name);
        }
      }
      spans.push_back(std::move(span));
    } else if (kind == 'l') {
      fill_list_objects(batch, field, n, col.value, inputs, t.input->elem_type, col.name);
    } else {
      fill_scalar(batch, field, kind, 0, n, col.value, col.name);
    }
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const TableColumn& col = columns[c];
    const Target& t = targets[c];
    if (t.role != Target::kElement) continue;
    const ListSpan* span = nullptr;
    for (const ListSpan& s : spans) {
      if (s.list == t.list) span = &s;
    }
    if (span == nullptr) {
      bad_column(col.name,
                 "an element column needs its list column '" + t.list_name + "' given as offsets");
    }
    check_flat_length(span->offsets, flat_length(col.value, col.name), span->name, col.name);
    fill_scalar(batch, batch.field(t.input->path), t.input->kind, span->first_element,
                static_cast<std::size_t>(span->offsets.back()), col.value, col.name);
  }

  (void)n;
  py::object out = decisions_object(rs.evaluator(date), batch, progress);
  give_back(rs, std::move(pooled));
  return out;
}

// Bench only: the C++ batch. Decodes a JSON array of records in C++ once, then times
// `repeats` runs of Evaluator::evaluate_batch alone, in wall-clock and in this thread's
// CPU seconds (steadier on a shared machine); returns (wall seconds of each run, CPU
// seconds of each run, result of the last run as evaluate_batch gives it).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

py::tuple cpp_batch_timings(const RuleSet& rs, const std::string& records_json, py::handle as_of,
                            int repeats) {
  const Date date = to_date_or_today(as_of);
  RecordBatch batch(rs);
  const Evaluator ev = rs.evaluator(date);
  const std::size_t n = batch.append_json_array(records_json);
  std::vector<std::int8_t> verdicts(n);
  std::vector<std::int64_t> amounts(n);
  std::vector<std::int32_t> reasons(n);
  std::vector<double> wall, cpu;
  {
    py::gil_scoped_release release;
    for (int r = 0; r < std::max(repeats, 1); ++r) {
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = thread_cpu_seconds();
      ev.evaluate_batch(batch, verdicts.data(), amounts.data(), reasons.data());
      cpu.push_back(thread_cpu_seconds() - cpu_start);
      wall.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  return py::make_tuple(wall, cpu,
                        batch_result(rs, ev, python::to_numpy(std::move(verdicts)),
                                     python::to_numpy(std::move(amounts)), reasons.data(), n));
}

py::dict values_dict(const Reason& r) {
  py::dict d;
  for (const auto& [k, v] : r.values) d[py::str(k)] = py::str(v);
  return d;
}

}  // namespace

void register_rules(py::module_& m) {
  python::add_exception(
      m, "RuleError",
      "A rule file was rejected, or a record does not fit a rule set's inputs. .path is the JSON "
      "location (e.g. 'rules[2].require'; '' for the whole document), .column the 1-based column "
      "inside that expression (0 when not inside one).");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const RuleError& e) {
      python::set_python_error(python::exception_type("RuleError"), e.what(),
                               {{"path", py::str(e.path())},
                                {"column", py::int_(e.column())},
                                {"code", py::str(e.code() == ErrorCode::kLimit ? "limit"
                                                 : e.code() == ErrorCode::kIo  ? "io"
                                                                               : "parse")}});
    }
  });

  py::class_<Reason>(m, "Reason", "Why a decision is not 'eligible': a failing (or unknown) rule.")
      .def_readonly("code", &Reason::code, "Reason code, e.g. 'SUDAH_MENERIMA'.")
      .def_readonly("rule", &Reason::rule,
                    "Id of the rule ('' for OUT_OF_PERIOD / AMOUNT_UNKNOWN).")
      .def_readonly("message_id", &Reason::message_id,
                    "Message in Indonesian, values interpolated.")
      .def_readonly("message_en", &Reason::message_en, "Message in English, values interpolated.")
      .def_readonly("unknown", &Reason::unknown,
                    "True when the rule could not be decided (missing data).")
      .def_property_readonly(
          "values", &values_dict,
          "Explain mode: the fields the rule read and their values (NIKs masked).")
      .def("__repr__", [](const Reason& r) { return "<Reason " + r.code + ">"; });

  py::class_<Decision>(m, "Decision", "The decision on one record.")
      .def_property_readonly(
          "decision", [](const Decision& d) { return std::string(verdict_name(d.verdict)); },
          "'eligible', 'ineligible' or 'needs_data'.")
      .def_readonly("reasons", &Decision::reasons, "List of Reason (empty when eligible).")
      .def_readonly("amount", &Decision::amount,
                    "Monthly rupiah in force on the decision date; 0 unless eligible.")
      .def_readonly("priority", &Decision::priority,
                    "The rule set's priority expression (0 when absent).")
      .def_readonly("ruleset", &Decision::ruleset, "Rule set id.")
      .def_readonly("version", &Decision::version, "Rule set version.")
      .def_readonly("sha256", &Decision::sha256, "SHA-256 of the rule set's canonical JSON.")
      .def_property_readonly(
          "as_of", [](const Decision& d) { return from_date(d.as_of); }, "The decision date.")
      .def("to_json", &Decision::to_json, "The decision as JSON text (schema skamp-decision/1).")
      .def("__repr__", [](const Decision& d) {
        std::string codes;
        for (const auto& r : d.reasons) codes += (codes.empty() ? "" : ",") + r.code;
        return "<Decision " + std::string(verdict_name(d.verdict)) +
               (codes.empty() ? "" : " " + codes) + " amount=" + std::to_string(d.amount) + ">";
      });

  py::class_<TestFailure>(m, "RuleTestFailure", "A failing embedded test of a rule set.")
      .def_readonly("name", &TestFailure::name)
      .def_readonly("message", &TestFailure::message)
      .def("__repr__", [](const TestFailure& f) {
        return "<RuleTestFailure " + f.name + ": " + f.message + ">";
      });

  py::class_<RuleSet>(
      m, "RuleSet",
      "Eligibility rules as data (format skamp-rules/1), parsed, type-checked and compiled once. "
      "Immutable and safe to share between threads.")
      .def_static(
          "from_json",
          [](const std::string& text, py::handle conflicts, py::handle max_work,
             py::handle list_length) {
            return RuleSet::from_json(text, options_from(conflicts, max_work, list_length));
          },
          py::arg("text"), py::arg("conflicts") = py::none(), py::kw_only(),
          py::arg("max_work") = py::none(), py::arg("assumed_list_length") = py::none(),
          "Loads a rule set from JSON text; raises RuleError (with .path and .column) for any "
          "problem. "
          "conflicts: JSON text of a skamp-conflicts/1 document, needed by conflicts_with(). "
          "max_work and assumed_list_length set the cost bound checked at load (docs/rules.md, "
          "'Cost bound'): the most list elements count/any/all/sum may visit for one record, "
          "taking "
          "every list at assumed_list_length elements (default 1,000,000 and 64; max_work=0 turns "
          "the check off, evaluation still carries its step budget). A rule set past the bound "
          "raises RuleError naming the costliest rule.")
      .def_static(
          "from_file",
          [](const std::string& path, py::handle conflicts, py::handle max_work,
             py::handle list_length) {
            return RuleSet::from_file(path, options_from(conflicts, max_work, list_length));
          },
          py::arg("path"), py::arg("conflicts") = py::none(), py::kw_only(),
          py::arg("max_work") = py::none(), py::arg("assumed_list_length") = py::none(),
          "As from_json, reading a file.")
      .def_static(
          "builtin",
          [](const std::string& name, py::handle conflicts, py::handle max_work,
             py::handle list_length) {
            return RuleSet::builtin(name, options_from(conflicts, max_work, list_length));
          },
          py::arg("name"), py::arg("conflicts") = py::none(), py::kw_only(),
          py::arg("max_work") = py::none(), py::arg("assumed_list_length") = py::none(),
          "A rule set shipped inside the library (max_work, assumed_list_length: as from_json).")
      .def_static("builtin_names", &RuleSet::builtin_names, "Names of the shipped rule sets.")
      .def_property_readonly("id", &RuleSet::id, "Rule set id, e.g. 'blt-dana-desa'.")
      .def_property_readonly("ruleset", &RuleSet::id, "Same as id.")
      .def_property_readonly("version", &RuleSet::version, "Version string.")
      .def_property_readonly("sha256", &RuleSet::sha256, "SHA-256 (lowercase hex) of to_json().")
      .def_property_readonly("scope", &RuleSet::scope, "'person' or 'kk'.")
      .def_property_readonly("valid_from",
                             [](const RuleSet& r) { return from_date(r.valid_from()); })
      .def_property_readonly("valid_to", [](const RuleSet& r) { return from_date(r.valid_to()); })
      .def_property_readonly("rule_ids", &RuleSet::rule_ids, "Ids of the rules, in order.")
      .def("to_json", &RuleSet::to_json,
           "Canonical JSON: keys sorted, no whitespace, tests included.")
      .def("evaluate", &evaluate_record, py::arg("record"), py::arg("as_of") = py::none(),
           py::arg("explain") = false,
           "Decides one record (a dict shaped like the embedded tests' input, e.g. {'kk': {...}}) "
           "on as_of "
           "(datetime.date; default today in Asia/Jakarta). explain=True lists every failing rule "
           "with the values "
           "it read; otherwise evaluation stops at the first failing rule.")
      .def("evaluate_batch", &evaluate_batch, py::arg("table"), py::arg("as_of") = py::none(),
           py::arg("progress") = py::none(),
           "Decides many records given as columns: a dict of columns or a DataFrame, named by "
           "input path "
           "('kk.lost_livelihood') or without the root ('lost_livelihood'); columns the rule set "
           "does not read "
           "are ignored. Every top-level column has n rows (offsets n + 1 entries). Column forms:\n"
           "- bool/int/money: numpy bool/int arrays, or float arrays with NaN missing; date: "
           "datetime64 (NaT "
           "missing) or ISO 'YYYY-MM-DD' strings; string/enum: numpy 'U'/'S' arrays, object arrays "
           "(None "
           "missing) or pandas categoricals (enum values are looked up once per distinct value); "
           "any of these "
           "also as a list of Python values (None missing).\n"
           "- programme sets: (offsets, codes[, missing]) with codes a flat str array and row i's "
           "codes "
           "codes[offsets[i]:offsets[i+1]], a 'U'/'S' array or categorical of one code a row ('' "
           "the empty set), or a "
           "list of code lists a row.\n"
           "- member lists: offsets (int array of n + 1, from 0, non-decreasing, ending at the "
           "number of "
           "elements) with flat element columns named '<list>.<field>' ('members.nik', "
           "'members.birth_date'), "
           "or (offsets, {'nik': flat, 'birth_date': flat}[, missing]), or a list of lists of "
           "dicts a row. "
           "missing: bool array, True where the whole list/set is missing.\n"
           "Also any Arrow source (pyarrow Table/RecordBatch, polars, DuckDB relation; a member "
           "list as "
           "list<struct>) and pandas DataFrames with nullable, Arrow-backed or ya/tidak columns.\n"
           "Returns a DecisionTable (decision, amount, priority, reason, reasons: every failing "
           "rule's code); its "
           "attributes decisions (int8: 0 eligible, 1 ineligible, 2 needs_data, 3 error), amounts "
           "(int64) and "
           "reasons (first code as a numpy str array, '' when eligible) are the arrays of the "
           "earlier tuple. "
           "progress: None/True (a tqdm bar for long batches when tqdm is installed), False, or "
           "f(done, total) "
           "returning False to cancel (smartkampung.Cancelled). A bad column raises RuleError "
           "naming the column "
           "(and row); the GIL is released while evaluating.")
      .def("_cpp_batch_timings", &cpp_batch_timings, py::arg("records_json"), py::arg("as_of"),
           py::arg("repeats"),
           "Bench only (bench/compare_rules.py): decodes a JSON array of records in C++, then "
           "times each of "
           "`repeats` runs of the C++ batch evaluation alone. Returns (wall seconds per run, "
           "thread CPU seconds per "
           "run, the last run's result).")
      .def("run_tests", &RuleSet::run_tests,
           "Runs the embedded tests; returns the failures (empty when all pass).")
      .def(py::pickle(
               // A loaded rule set passed its cost bound once: it is read back without the check.
               [](const RuleSet& r) {
                 const auto table = r.conflicts();
                 return py::make_tuple(r.to_json(), table ? py::object(py::str(table->to_json()))
                                                          : py::object(py::none()));
               },
               [](const py::tuple& state) {
                 if (state.size() != 2)
                   throw Error(ErrorCode::kCorrupt, "damaged rule set (bad pickle state)");
                 RuleOptions options;
                 options.max_work = 0;
                 if (!state[1].is_none()) {
                   options.conflicts = std::make_shared<const ConflictTable>(
                       ConflictTable::from_json(state[1].cast<std::string>()));
                 }
                 return RuleSet::from_json(state[0].cast<std::string>(), options);
               }),
           "Pickles as its canonical JSON (and conflicts): a worker of a cluster gets the same "
           "rule set.")
      .def("__repr__",
           [](const RuleSet& r) { return "<RuleSet " + r.id() + " " + r.version() + ">"; });
}
