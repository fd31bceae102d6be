// rs.evaluate_batch: a table of columns (dict or DataFrame) or an Arrow source into a
// RecordBatch, evaluated into a DecisionTable; and the bench-only C++ batch timings.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <smartkampung/intake.hpp>
#include <smartkampung/rules.hpp>
#include <smartkampung/tables.hpp>
#include <utility>

#include "rules_bindings.hpp"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace smartkampung::python::rules_binding {

namespace {

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

}  // namespace

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
namespace {
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

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

}  // namespace smartkampung::python::rules_binding
