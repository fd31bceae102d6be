// Python bindings of the rules area: RuleSet, Decision, Reason, RuleError.
#include <smartkampung/conflicts.hpp>
#include <smartkampung/rules.hpp>

#include "bindings.hpp"

#include <cmath>

namespace py = pybind11;
using namespace smartkampung;
using smartkampung::python::from_date;
using smartkampung::python::to_date_or_today;

namespace {

RuleOptions options_from(py::handle conflicts) {
  RuleOptions opt;
  if (conflicts.is_none()) return opt;
  if (!py::isinstance<py::str>(conflicts)) {
    throw py::type_error("conflicts must be the JSON text of a skamp-conflicts/1 document, or None");
  }
  opt.conflicts = std::make_shared<ConflictTable>(ConflictTable::from_json(conflicts.cast<std::string>()));
  return opt;
}

// A record (dict of the shape of the embedded tests' input) to JSON text; dates become
// ISO strings, numpy scalars plain numbers, sets sorted lists.
std::string record_json(py::handle record) {
  if (py::isinstance<py::str>(record)) return record.cast<std::string>();
  static py::object* dumps = new py::object(py::module_::import("json").attr("dumps"));
  py::cpp_function fallback([](py::handle obj) -> py::object {
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
  });
  return (*dumps)(record, py::arg("default") = fallback).cast<std::string>();
}

bool is_missing(py::handle v) {
  if (v.is_none()) return true;
  if (py::isinstance<py::float_>(v)) return std::isnan(v.cast<double>());
  return false;
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

void set_value(RecordBatch& b, int field, std::size_t row, char kind, py::handle v) {
  if (is_missing(v)) return;
  std::string_view text;
  switch (kind) {
    case 'b': b.set_bool(field, row, v.cast<bool>()); break;
    case 'i': b.set_int(field, row, v.cast<std::int64_t>()); break;
    case 'd':
      if (utf8_view(v, text)) b.set_date(field, row, Date::parse_iso(text));
      else b.set_date(field, row, python::to_date(v));
      break;
    case 's':
      if (!utf8_view(v, text)) throw py::type_error("expected a str");
      b.set_string(field, row, text);
      break;
    case 'p': {
      std::vector<std::string_view> codes;
      for (py::handle code : v) {
        if (!utf8_view(code, text)) throw py::type_error("a programme code must be a str");
        codes.push_back(text);
      }
      b.set_programs(field, row, codes);
      break;
    }
    default: break;
  }
}

// The declared inputs, read from the canonical JSON: kind letters b(ool) i(nt/money)
// d(ate) s(tring/enum) p(rogramme set) l(ist).
std::vector<std::pair<std::string, char>> input_kinds(const RuleSet& rs) {
  py::dict doc = py::module_::import("json").attr("loads")(rs.to_json());
  std::vector<std::pair<std::string, char>> out;
  for (auto item : py::dict(doc["inputs"])) {
    const std::string path = item.first.cast<std::string>();
    const std::string t = item.second.cast<std::string>();
    char k = 's';
    if (t == "bool") k = 'b';
    else if (t == "int" || t == "money") k = 'i';
    else if (t == "date") k = 'd';
    else if (t == "set<program>") k = 'p';
    else if (t.rfind("list<", 0) == 0) k = 'l';
    out.emplace_back(path, k);
  }
  return out;
}

py::object numpy() {
  static py::object* np = new py::object(py::module_::import("numpy"));
  return *np;
}

void fill_column(RecordBatch& b, int field, char kind, py::handle column, std::size_t n,
                 const std::vector<std::pair<std::string, char>>& kinds, const std::string& list_path) {
  if (py::isinstance<py::array>(column)) {
    py::array arr = py::reinterpret_borrow<py::array>(column);
    const char dt = arr.dtype().kind();
    if (kind == 'b' && dt == 'b') {
      auto a = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(arr);
      const bool* p = a.data();
      for (std::size_t i = 0; i < n; ++i) b.set_bool(field, i, p[i]);
      return;
    }
    if (kind == 'i' && (dt == 'i' || dt == 'u')) {
      auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
      const std::int64_t* p = a.data();
      for (std::size_t i = 0; i < n; ++i) b.set_int(field, i, p[i]);
      return;
    }
    if ((kind == 'i' || kind == 'b') && dt == 'f') {
      auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
      const double* p = a.data();
      for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(p[i])) continue;
        if (kind == 'b') b.set_bool(field, i, p[i] != 0.0);
        else b.set_int(field, i, static_cast<std::int64_t>(p[i]));
      }
      return;
    }
    if (kind == 'd' && dt == 'M') {
      py::array days = numpy().attr("asarray")(arr, "datetime64[D]").attr("view")("int64");
      auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(days);
      const std::int64_t* p = a.data();
      for (std::size_t i = 0; i < n; ++i) {
        if (p[i] == INT64_MIN) continue;  // NaT
        b.set_date(field, i, Date(static_cast<std::int32_t>(p[i])));
      }
      return;
    }
    if (kind == 's' && (dt == 'U' || dt == 'S' || dt == 'O')) {
      python::StringColumn col = python::to_string_column(arr);
      for (std::size_t i = 0; i < n; ++i) {
        if (!col.missing[i]) b.set_string(field, i, col[i]);
      }
      return;
    }
  }
  // General path: a sequence of Python objects.
  py::sequence seq = py::reinterpret_borrow<py::sequence>(column);
  if (kind != 'l') {
    for (std::size_t i = 0; i < n; ++i) set_value(b, field, i, kind, seq[i]);
    return;
  }
  // list<member>: each row a list of dicts keyed by the element fields' paths. The keys
  // are made once, so that each element costs a few dict lookups.
  struct ElemField {
    int index;
    char kind;
    std::vector<py::str> keys;
  };
  std::vector<ElemField> fields;
  for (const auto& [path, k] : kinds) {
    if (path.rfind(list_path + ".", 0) != 0) continue;
    ElemField f{b.field(path), k, {}};
    std::size_t start = list_path.size() + 1;
    for (;;) {
      const std::size_t dot = path.find('.', start);
      f.keys.emplace_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    fields.push_back(std::move(f));
  }
  for (std::size_t i = 0; i < n; ++i) {
    py::object items = seq[i];
    if (is_missing(items)) continue;
    b.set_empty_list(field, i);
    for (py::handle item : items) {
      const std::size_t e = b.add_element(field, i);
      if (!PyDict_Check(item.ptr())) throw py::type_error("a list element must be a dict");
      for (const ElemField& f : fields) {
        PyObject* v = item.ptr();
        for (const py::str& key : f.keys) {
          v = PyDict_Check(v) ? PyDict_GetItem(v, key.ptr()) : nullptr;  // borrowed
          if (v == nullptr) break;
        }
        if (v != nullptr) set_value(b, f.index, e, f.kind, py::handle(v));
      }
    }
  }
}

py::object evaluate_batch(const RuleSet& rs, py::handle table, py::handle as_of) {
  const Date date = to_date_or_today(as_of);
  std::vector<std::pair<std::string, py::object>> columns;
  if (py::hasattr(table, "columns") && !py::isinstance<py::dict>(table)) {
    for (py::handle key : table.attr("columns")) {
      py::object col = table[key];
      if (py::hasattr(col, "to_numpy")) col = col.attr("to_numpy")();
      columns.emplace_back(py::str(key).cast<std::string>(), col);
    }
  } else {
    for (auto item : py::dict(py::reinterpret_borrow<py::object>(table))) {
      columns.emplace_back(py::str(item.first).cast<std::string>(), py::reinterpret_borrow<py::object>(item.second));
    }
  }
  std::size_t n = 0;
  bool first = true;
  for (const auto& [name, col] : columns) {
    const std::size_t len = py::len(col);
    if (!first && len != n) {
      throw Error(ErrorCode::kInvalidArgument, "column '" + name + "' has " + std::to_string(len) + " rows, not " +
                                                   std::to_string(n) + ": columns must have equal lengths");
    }
    n = len;
    first = false;
  }
  const auto kinds = input_kinds(rs);
  RecordBatch batch(rs);
  batch.append_rows(n);
  for (const auto& [name, col] : columns) {
    // A column is named by the input path ("kk.lost_livelihood") or without its root ("lost_livelihood").
    int field = batch.field(name);
    std::string path = name;
    if (field < 0) {
      for (const auto& [p, k] : kinds) {
        const std::size_t dot = p.find('.');
        if (dot != std::string::npos && p.substr(dot + 1) == name && batch.field(p) >= 0) {
          field = batch.field(p);
          path = p;
          break;
        }
      }
    }
    if (field < 0) continue;  // columns the rule set does not read are ignored
    char kind = 's';
    for (const auto& [p, k] : kinds) {
      if (p == path) kind = k;
    }
    if (kind == 'l') {
      // The element type of list<member> is named by the element fields' first segment.
      py::dict doc = py::module_::import("json").attr("loads")(rs.to_json());
      std::string t = py::dict(doc["inputs"])[py::str(path)].cast<std::string>();
      fill_column(batch, field, kind, col, n, kinds, t.substr(5, t.size() - 6));
    } else {
      fill_column(batch, field, kind, col, n, kinds, std::string());
    }
  }
  std::vector<std::int8_t> verdicts(n);
  std::vector<std::int64_t> amounts(n);
  std::vector<std::int32_t> reasons(n);
  const Evaluator ev = rs.evaluator(date);
  {
    py::gil_scoped_release release;
    ev.evaluate_batch(batch, verdicts.data(), amounts.data(), reasons.data());
  }
  // Reason codes as a numpy str array: index into the table of codes, vectorised.
  const auto ids = rs.rule_ids();
  py::list table_codes;
  table_codes.append(py::str(""));
  table_codes.append(py::str("OUT_OF_PERIOD"));
  table_codes.append(py::str("AMOUNT_UNKNOWN"));
  for (std::size_t r = 0; r < ids.size(); ++r) table_codes.append(py::str(ev.reason_code(static_cast<std::int32_t>(r))));
  std::vector<std::int64_t> code_index(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t r = reasons[i];
    code_index[i] = r >= 0 ? 3 + r : r == Outcome::kOutOfPeriod ? 1 : r == Outcome::kAmountUnknown ? 2 : 0;
  }
  py::object codes_arr = numpy().attr("array")(table_codes, py::arg("dtype") = "str");
  py::object codes = codes_arr.attr("__getitem__")(python::to_numpy(std::move(code_index)));
  static py::object* result_type = new py::object(
      py::module_::import("collections").attr("namedtuple")("BatchDecisions", "decisions amounts reasons"));
  return (*result_type)(python::to_numpy(std::move(verdicts)), python::to_numpy(std::move(amounts)), codes);
}

py::dict values_dict(const Reason& r) {
  py::dict d;
  for (const auto& [k, v] : r.values) d[py::str(k)] = py::str(v);
  return d;
}

}  // namespace

void register_rules(py::module_& m) {
  python::add_exception(m, "RuleError",
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
                                {"code", py::str(e.code() == ErrorCode::kLimit ? "limit" : e.code() == ErrorCode::kIo ? "io" : "parse")}});
    }
  });

  py::class_<Reason>(m, "Reason", "Why a decision is not 'eligible': a failing (or unknown) rule.")
      .def_readonly("code", &Reason::code, "Reason code, e.g. 'SUDAH_MENERIMA'.")
      .def_readonly("rule", &Reason::rule, "Id of the rule ('' for OUT_OF_PERIOD / AMOUNT_UNKNOWN).")
      .def_readonly("message_id", &Reason::message_id, "Message in Indonesian, values interpolated.")
      .def_readonly("message_en", &Reason::message_en, "Message in English, values interpolated.")
      .def_readonly("unknown", &Reason::unknown, "True when the rule could not be decided (missing data).")
      .def_property_readonly("values", &values_dict,
                             "Explain mode: the fields the rule read and their values (NIKs masked).")
      .def("__repr__", [](const Reason& r) { return "<Reason " + r.code + ">"; });

  py::class_<Decision>(m, "Decision", "The decision on one record.")
      .def_property_readonly("decision", [](const Decision& d) { return std::string(verdict_name(d.verdict)); },
                             "'eligible', 'ineligible' or 'needs_data'.")
      .def_readonly("reasons", &Decision::reasons, "List of Reason (empty when eligible).")
      .def_readonly("amount", &Decision::amount, "Monthly rupiah in force on the decision date; 0 unless eligible.")
      .def_readonly("priority", &Decision::priority, "The rule set's priority expression (0 when absent).")
      .def_readonly("ruleset", &Decision::ruleset, "Rule set id.")
      .def_readonly("version", &Decision::version, "Rule set version.")
      .def_readonly("sha256", &Decision::sha256, "SHA-256 of the rule set's canonical JSON.")
      .def_property_readonly("as_of", [](const Decision& d) { return from_date(d.as_of); }, "The decision date.")
      .def("to_json", &Decision::to_json, "The decision as JSON text (schema skamp-decision/1).")
      .def("__repr__", [](const Decision& d) {
        std::string codes;
        for (const auto& r : d.reasons) codes += (codes.empty() ? "" : ",") + r.code;
        return "<Decision " + std::string(verdict_name(d.verdict)) + (codes.empty() ? "" : " " + codes) +
               " amount=" + std::to_string(d.amount) + ">";
      });

  py::class_<TestFailure>(m, "RuleTestFailure", "A failing embedded test of a rule set.")
      .def_readonly("name", &TestFailure::name)
      .def_readonly("message", &TestFailure::message)
      .def("__repr__", [](const TestFailure& f) { return "<RuleTestFailure " + f.name + ": " + f.message + ">"; });

  py::class_<RuleSet>(m, "RuleSet",
                      "Eligibility rules as data (format skamp-rules/1), parsed, type-checked and compiled once. "
                      "Immutable and safe to share between threads.")
      .def_static("from_json",
                  [](const std::string& text, py::handle conflicts) { return RuleSet::from_json(text, options_from(conflicts)); },
                  py::arg("text"), py::arg("conflicts") = py::none(),
                  "Loads a rule set from JSON text; raises RuleError (with .path and .column) for any problem. "
                  "conflicts: JSON text of a skamp-conflicts/1 document, needed by conflicts_with().")
      .def_static("from_file",
                  [](const std::string& path, py::handle conflicts) { return RuleSet::from_file(path, options_from(conflicts)); },
                  py::arg("path"), py::arg("conflicts") = py::none(), "As from_json, reading a file.")
      .def_static("builtin",
                  [](const std::string& name, py::handle conflicts) { return RuleSet::builtin(name, options_from(conflicts)); },
                  py::arg("name"), py::arg("conflicts") = py::none(), "A rule set shipped inside the library.")
      .def_static("builtin_names", &RuleSet::builtin_names, "Names of the shipped rule sets.")
      .def_property_readonly("id", &RuleSet::id, "Rule set id, e.g. 'blt-dana-desa'.")
      .def_property_readonly("ruleset", &RuleSet::id, "Same as id.")
      .def_property_readonly("version", &RuleSet::version, "Version string.")
      .def_property_readonly("sha256", &RuleSet::sha256, "SHA-256 (lowercase hex) of to_json().")
      .def_property_readonly("scope", &RuleSet::scope, "'person' or 'kk'.")
      .def_property_readonly("valid_from", [](const RuleSet& r) { return from_date(r.valid_from()); })
      .def_property_readonly("valid_to", [](const RuleSet& r) { return from_date(r.valid_to()); })
      .def_property_readonly("rule_ids", &RuleSet::rule_ids, "Ids of the rules, in order.")
      .def("to_json", &RuleSet::to_json, "Canonical JSON: keys sorted, no whitespace, tests included.")
      .def(
          "evaluate",
          [](const RuleSet& rs, py::handle record, py::handle as_of, bool explain) {
            const std::string text = record_json(record);
            const Date date = to_date_or_today(as_of);
            return rs.evaluate_json(text, date, explain);
          },
          py::arg("record"), py::arg("as_of") = py::none(), py::arg("explain") = false,
          "Decides one record (a dict shaped like the embedded tests' input, e.g. {'kk': {...}}) on as_of "
          "(datetime.date; default today in Asia/Jakarta). explain=True lists every failing rule with the values "
          "it read; otherwise evaluation stops at the first failing rule.")
      .def("evaluate_batch", &evaluate_batch, py::arg("table"), py::arg("as_of") = py::none(),
           "Decides many records given as columns: a dict of equal-length columns or a DataFrame, named by input "
           "path ('kk.lost_livelihood') or without the root ('lost_livelihood'); numpy arrays for scalars (NaN/None "
           "missing), lists of code lists for programme sets, lists of lists of dicts for member lists. Returns "
           "(decisions int8: 0 eligible, 1 ineligible, 2 needs_data; amounts int64; reasons: first reason code "
           "as str, '' when eligible).")
      .def("run_tests", &RuleSet::run_tests, "Runs the embedded tests; returns the failures (empty when all pass).")
      .def("__repr__", [](const RuleSet& r) { return "<RuleSet " + r.id() + " " + r.version() + ">"; });
}
