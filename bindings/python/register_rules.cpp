// Python bindings of the rules area: RuleSet, Decision, Reason, RuleError.
#include <cstdint>
#include <smartkampung/conflicts.hpp>
#include <smartkampung/rules.hpp>

#include "rules_bindings.hpp"

namespace py = pybind11;
using namespace smartkampung;
using smartkampung::python::from_date;
using smartkampung::python::rules_binding::cpp_batch_timings;
using smartkampung::python::rules_binding::evaluate_batch;
using smartkampung::python::rules_binding::evaluate_record;

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

  py::class_<RuleSet> rule_set(
      m, "RuleSet",
      "Eligibility rules as data (format skamp-rules/1), parsed, type-checked and compiled once. "
      "Immutable and safe to share between threads.");
  // from_json, from_file and builtin: one argument, then the load options.
  auto def_loader = [&rule_set](const char* name, const char* argument, auto load,
                                const char* doc) {
    rule_set.def_static(
        name,
        [load](const std::string& text, py::handle conflicts, py::handle max_work,
               py::handle list_length) {
          return load(text, options_from(conflicts, max_work, list_length));
        },
        py::arg(argument), py::arg("conflicts") = py::none(), py::kw_only(),
        py::arg("max_work") = py::none(), py::arg("assumed_list_length") = py::none(), doc);
  };
  def_loader(
      "from_json", "text",
      [](const std::string& text, const RuleOptions& o) { return RuleSet::from_json(text, o); },
      "Loads a rule set from JSON text; raises RuleError (with .path and .column) for any "
      "problem. "
      "conflicts: JSON text of a skamp-conflicts/1 document, needed by conflicts_with(). "
      "max_work and assumed_list_length set the cost bound checked at load (docs/rules.md, "
      "'Cost bound'): the most list elements count/any/all/sum may visit for one record, "
      "taking "
      "every list at assumed_list_length elements (default 1,000,000 and 64; max_work=0 turns "
      "the check off, evaluation still carries its step budget). A rule set past the bound "
      "raises RuleError naming the costliest rule.");
  def_loader(
      "from_file", "path",
      [](const std::string& path, const RuleOptions& o) { return RuleSet::from_file(path, o); },
      "As from_json, reading a file.");
  def_loader(
      "builtin", "name",
      [](const std::string& name, const RuleOptions& o) { return RuleSet::builtin(name, o); },
      "A rule set shipped inside the library (max_work, assumed_list_length: as from_json).");
  rule_set.def_static("builtin_names", &RuleSet::builtin_names, "Names of the shipped rule sets.")
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
