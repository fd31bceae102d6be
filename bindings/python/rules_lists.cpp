// Member lists and programme sets from Python: columnar (offsets and flat columns), one
// code a row, or Python lists a row.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <smartkampung/rules.hpp>
#include <stdexcept>

#include "core/raw_value_table.hpp"
#include "rules_bindings.hpp"

namespace smartkampung::python::rules_binding {

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
  for (const Input* in : element_inputs(inputs, elem_type)) {
    fields.push_back(ElemField{b.field(in->path), in->kind, in->path.substr(elem_type.size() + 1),
                               path_keys(in->path, elem_type.size() + 1)});
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
        or_bad_value([&] { set_value(b, f.index, e, f.kind, py::handle(v)); },
                     [&](const std::string& message) {
                       bad_row(name, row,
                               "element " + std::to_string(k) + ", '" + f.sub + "': " + message);
                     });
      }
      ++k;
    }
    ++row;
  }
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
  const std::int64_t* codes = categorical ? cat.codes.data() : nullptr;
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

}  // namespace smartkampung::python::rules_binding
