// Python values and numpy/pandas columns into a RecordBatch: one conversion a (column
// form, input kind), picked from a table.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <smartkampung/intake.hpp>
#include <smartkampung/rules.hpp>
#include <stdexcept>

#include "core/utf8.hpp"
#include "rules_bindings.hpp"

namespace smartkampung::python::rules_binding {

[[noreturn]] void bad_column(const std::string& column, const std::string& message) {
  throw RuleError(ErrorCode::kInvalidArgument, column, 0, message);
}
[[noreturn]] void bad_row(const std::string& column, std::size_t row, const std::string& message) {
  bad_column(column, "row " + std::to_string(row) + ": " + message);
}

namespace {
// The date that decides the century of two-digit years in text dates: the as_of of the
// batch being read (set by evaluate_batch for the thread that converts its columns).
thread_local Date batch_reference_date = Date::from_ymd(2000, 1, 1);
Date batch_reference() { return batch_reference_date; }
}  // namespace

BatchReference::BatchReference(Date d) : saved_(batch_reference_date) { batch_reference_date = d; }
BatchReference::~BatchReference() { batch_reference_date = saved_; }

namespace {
// One date cell of the object path: ISO first, else the intake's reader (day first
// unless only month first reads).
Date date_from_text(std::string_view text) {
  const DateCell c = DateReader(batch_reference()).read(text);
  const std::int32_t day = c.day_first != kNoDay ? c.day_first : c.month_first;
  if (day == kNoDay)
    throw std::invalid_argument("not a date (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YY, ...)");
  return Date(day);
}

}  // namespace

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

namespace {
py::object numpy() {
  static py::object* np = new py::object(py::module_::import("numpy"));
  return *np;
}
}  // namespace

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

bool as_categorical(py::handle col, Categorical& out) {
  if (py::isinstance<py::array>(col) || !py::hasattr(col, "cat") || !py::hasattr(col, "dtype"))
    return false;
  if (py::str(col.attr("dtype")).cast<std::string>() != "category") return false;
  out.codes =
      decltype(out.codes)::ensure(numpy().attr("asarray")(col.attr("cat").attr("codes"), "int64"));
  if (!out.codes) throw py::error_already_set();
  out.categories = col.attr("cat").attr("categories");
  return true;
}

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

namespace {

// The column being filled: `count` rows (for element fields, elements) from `first`.
struct ColumnSink {
  RecordBatch& b;
  int field;
  char kind;
  std::size_t first;
  std::size_t count;
  const std::string& name;
};

// A numpy 'U'/'S' array into a string or enum field.
void set_fixed_text(const ColumnSink& c, const py::array& a) {
  const bool ucs4 = a.dtype().kind() == 'U';
  const std::size_t item = static_cast<std::size_t>(a.itemsize());
  const void* data = a.data();
  try {
    // A large column (NIKs) is converted with the GIL released: the array is held by the
    // caller's table for the whole call, and the conversion touches no Python object.
    std::optional<py::gil_scoped_release> release;
    if (c.count * item >= (std::size_t{1} << 18)) release.emplace();
    c.b.set_fixed_strings(c.field, c.first, c.count, data, ucs4 ? item / 4 : item, ucs4, nullptr);
  } catch (const RuleError& e) {
    bad_column(c.name, e.what());
  }
}

bool is_fixed_text(py::handle column) {
  if (!is_array(column)) return false;
  const char dt = py::reinterpret_borrow<py::array>(column).dtype().kind();
  return dt == 'U' || dt == 'S';
}

// The text of a categorical's rows (the categories decoded once).
TextColumn expand(const Categorical& cat, std::size_t count, const std::string& name) {
  const TextColumn names = text_column(cat.categories, name);
  const std::int64_t* codes = cat.codes.data();
  TextColumn t;
  t.known.assign(count, 1);
  for (std::size_t row = 0; row < count; ++row) {
    const std::int64_t k = codes[row];
    if (k < 0 || !names.present(static_cast<std::size_t>(k)))
      t.known[row] = 0;
    else
      t.chars.append(names[static_cast<std::size_t>(k)]);
    t.offsets.push_back(t.chars.size());
  }
  return t;
}

// Enum indices of a column of strings; every distinct string is looked up once.
void fill_enum(const ColumnSink& c, py::handle column) {
  std::vector<std::int64_t> values(c.count);
  std::vector<std::uint8_t> known(c.count, 1);
  std::size_t row = 0;
  auto lookup = [&](std::string_view utf8) {
    try {
      return c.b.enum_index(c.field, utf8);
    } catch (const RuleError& e) {
      bad_row(c.name, row, "not one of the declared values of " + e.path());
    }
  };
  Categorical cat;
  if (as_categorical(column, cat)) {
    // Categories are decoded once, on first use.
    const TextColumn names = text_column(cat.categories, c.name);
    std::vector<std::int64_t> index(names.size(), -1);
    const std::int64_t* codes = cat.codes.data();
    for (row = 0; row < c.count; ++row) {
      const std::int64_t k = codes[row];
      if (k < 0 || !names.present(static_cast<std::size_t>(k))) {
        known[row] = 0;
        continue;
      }
      std::int64_t& ix = index[static_cast<std::size_t>(k)];
      if (ix < 0) ix = lookup(names[static_cast<std::size_t>(k)]);
      values[row] = ix;
    }
  } else if (is_fixed_text(column)) {
    // Fixed-width text: the core maps each distinct value once, writing the rows in place.
    set_fixed_text(c, contiguous_1d(py::reinterpret_borrow<py::array>(column), c.name));
    return;
  } else {
    const TextColumn t = text_column(column, c.name);
    Interner intern(lookup);
    for (row = 0; row < c.count; ++row) {
      if (!t.present(row)) {
        known[row] = 0;
        continue;
      }
      values[row] = intern(t[row]);
    }
  }
  c.b.set_values(c.field, c.first, c.count, values.data(), known.data());
}

// Dates of a column of strings, read as a list file's date column is (the intake's
// DateReader): YYYY-MM-DD, DD/MM/YYYY, 29/04/85, 29-Apr-85, ...; the day/month order
// decided from the column's values; two-digit years before the batch's as_of.
void fill_dates_from_text(const ColumnSink& c, const TextColumn& t) {
  const DateReader reader(batch_reference());
  std::vector<DateCell> cells(c.count);
  DateOrderVotes votes;
  for (std::size_t row = 0; row < c.count; ++row) {
    if (!t.present(row)) continue;
    cells[row] = reader.read(t[row]);
    votes.add(cells[row]);
  }
  const DateOrder order = votes.decide();
  std::vector<std::int64_t> values(c.count);
  std::vector<std::uint8_t> known(c.count, 1);
  for (std::size_t row = 0; row < c.count; ++row) {
    if (!t.present(row)) {
      known[row] = 0;
      continue;
    }
    std::int32_t day = cells[row].under(order);
    if (day == kNoDay)
      bad_row(c.name, row, "not a date (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YY, 29 Agustus 1985, ...)");
    values[row] = day;
  }
  c.b.set_values(c.field, c.first, c.count, values.data(), known.data());
}

// The general path: one Python object a row.
void fill_objects(const ColumnSink& c, py::handle column) {
  std::size_t row = 0;
  or_bad_value(
      [&] {
        for (py::handle v : column) {
          if (row == c.count) break;
          set_value(c.b, c.field, c.first + row, c.kind, v);
          ++row;
        }
      },
      [&](const std::string& message) { bad_row(c.name, row, message); });
}

// ---- one conversion a (numpy dtype, input kind) ----------------------------------------
void bools_from_bools(const ColumnSink& c, const py::array& arr) {
  c.b.set_bools(c.field, c.first, c.count, static_cast<const std::uint8_t*>(arr.data()), nullptr);
}

void from_ints(const ColumnSink& c, const py::array& arr) {
  if (arr.dtype().kind() == 'u' && arr.itemsize() == 8) {
    auto u = py::array_t<std::uint64_t, py::array::c_style>::ensure(arr);
    for (std::size_t i = 0; i < c.count; ++i) {
      if (u.data()[i] > static_cast<std::uint64_t>(INT64_MAX))
        bad_row(c.name, i, "number out of range");
    }
  }
  auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
  if (c.kind == 'i') {
    c.b.set_values(c.field, c.first, c.count, a.data(), nullptr);
  } else {
    std::vector<std::uint8_t> v(c.count);
    for (std::size_t i = 0; i < c.count; ++i) v[i] = a.data()[i] != 0;
    c.b.set_bools(c.field, c.first, c.count, v.data(), nullptr);
  }
}

void from_floats(const ColumnSink& c, const py::array& arr) {  // NaN missing
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
  const double* p = a.data();
  std::vector<std::int64_t> values(c.count);
  std::vector<std::uint8_t> known(c.count, 1);
  for (std::size_t i = 0; i < c.count; ++i) {
    if (std::isnan(p[i])) {
      known[i] = 0;
    } else if (c.kind == 'b') {
      values[i] = p[i] != 0.0;
    } else if (!(p[i] > -9.2e18 && p[i] < 9.2e18)) {
      bad_row(c.name, i, "number out of range");
    } else if (p[i] != std::trunc(p[i])) {
      bad_row(c.name, i, "expected a whole number");
    } else {
      values[i] = static_cast<std::int64_t>(p[i]);
    }
  }
  if (c.kind == 'i') {
    c.b.set_values(c.field, c.first, c.count, values.data(), known.data());
  } else {
    std::vector<std::uint8_t> v(values.begin(), values.end());
    c.b.set_bools(c.field, c.first, c.count, v.data(), known.data());
  }
}

void dates_from_datetime64(const ColumnSink& c, const py::array& arr) {  // NaT missing
  py::array days = numpy().attr("asarray")(arr, "datetime64[D]").attr("view")("int64");
  auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(days);
  const std::int64_t* p = a.data();
  // One pass of minimum and maximum (NaT is the smallest int64) tells whether any day
  // is NaT or out of range; only then are the rows looked at one by one.
  std::int64_t lowest = 0, highest = 0;
  for (std::size_t i = 0; i < c.count; ++i) {
    lowest = std::min(lowest, p[i]);
    highest = std::max(highest, p[i]);
  }
  const bool clean = lowest >= INT32_MIN && highest <= INT32_MAX;
  std::vector<std::uint8_t> known;  // built only when there is a NaT
  for (std::size_t i = 0; !clean && i < c.count; ++i) {
    if (p[i] == INT64_MIN) {  // NaT
      if (known.empty()) known.assign(c.count, 1);
      known[i] = 0;
    } else if (p[i] < INT32_MIN || p[i] > INT32_MAX) {
      bad_row(c.name, i, "date out of range");
    }
  }
  c.b.set_values(c.field, c.first, c.count, p, known.empty() ? nullptr : known.data());
}

void dates_from_text(const ColumnSink& c, const py::array& arr) {
  fill_dates_from_text(c, text_column(arr, c.name));
}

void bools_from_text(const ColumnSink& c, const py::array& arr) {  // ya/tidak, y/t, 1/0, ...
  const TextColumn t = text_column(arr, c.name);
  std::vector<std::uint8_t> values(c.count), known(c.count, 1);
  for (std::size_t row = 0; row < c.count; ++row) {
    if (!t.present(row)) {
      known[row] = 0;
      continue;
    }
    const int flag = read_bool(t[row]);
    if (flag < 0) bad_row(c.name, row, "not a boolean (ya/tidak, true/false, 1/0)");
    values[row] = static_cast<std::uint8_t>(flag);
  }
  c.b.set_bools(c.field, c.first, c.count, values.data(), known.data());
}

void strings_from_objects(const ColumnSink& c, const py::array& arr) {
  const TextColumn t = text_column(arr, c.name);
  c.b.set_strings(c.field, c.first, c.count, t.chars, t.offsets.data(),
                  t.known.empty() ? nullptr : t.known.data());
}

// The array forms of a scalar column, the first that fits wins: the input kinds a form
// fills and the numpy dtype kinds it reads. An object array no form takes goes the
// general path; any other dtype does not fit the input.
struct ArrayForm {
  const char* kinds;
  const char* dtypes;
  void (*fill)(const ColumnSink&, const py::array&);
};
constexpr ArrayForm kArrayForms[] = {
    {"b", "b", bools_from_bools}, {"ib", "iu", from_ints},
    {"ib", "f", from_floats},     {"d", "M", dates_from_datetime64},
    {"d", "US", dates_from_text}, {"s", "US", set_fixed_text},
    {"b", "US", bools_from_text}, {"s", "O", strings_from_objects},
};

}  // namespace

void fill_scalar(RecordBatch& b, int field, char kind, std::size_t first, std::size_t count,
                 py::handle column, const std::string& name) {
  const ColumnSink c{b, field, kind, first, count, name};
  if (kind == 'e') {
    fill_enum(c, column);
    return;
  }
  Categorical cat;
  if ((kind == 's' || kind == 'd') && as_categorical(column, cat)) {
    const TextColumn t = expand(cat, count, name);
    if (kind == 's')
      b.set_strings(field, first, count, t.chars, t.offsets.data(), t.known.data());
    else
      fill_dates_from_text(c, t);
    return;
  }
  if (is_array(column)) {
    py::array arr = contiguous_1d(py::reinterpret_borrow<py::array>(column), name);
    const char dt = arr.dtype().kind();
    for (const ArrayForm& form : kArrayForms) {
      if (std::strchr(form.kinds, kind) != nullptr && std::strchr(form.dtypes, dt) != nullptr) {
        form.fill(c, arr);
        return;
      }
    }
    if (dt != 'O') {
      bad_column(name, std::string("a numpy array of dtype ") +
                           py::str(arr.dtype()).cast<std::string>() + " does not fit this input");
    }
  }
  fill_objects(c, column);
}

}  // namespace smartkampung::python::rules_binding
