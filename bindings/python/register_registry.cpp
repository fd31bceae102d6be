// Python bindings of the registry area: Registry (its reports in registry_reports.cpp, the
// synthetic sample population in registry_sample.cpp).
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <smartkampung/registry.hpp>
#include <smartkampung/tables.hpp>

#include "registry_bindings.hpp"

namespace py = pybind11;
using namespace smartkampung;

namespace {

ProgramLevel level_of(const std::string& level) { return parse_program_level(level); }

using python::value_text;

RawRecord to_raw(py::handle obj, std::size_t position) {
  if (!py::isinstance<py::dict>(obj)) {
    throw py::type_error(
        "each record must be a dict with keys nik, kk, name, birth_date, sex, address, village, "
        "district, rt, rw");
  }
  py::dict d = py::reinterpret_borrow<py::dict>(obj);
  RawRecord r;
  r.line = position;
  for (const std::string& field : record_fields()) {
    if (!d.contains(field)) continue;
    std::string text;
    if (value_text(d[field.c_str()], text)) set_record_field(r, field, std::move(text));
  }
  return r;
}

// A file path (str or os.PathLike) rather than records.
bool is_path(py::handle obj) {
  return py::isinstance<py::str>(obj) || py::hasattr(obj, "__fspath__");
}

// A list of dicts, or a pandas DataFrame (when pandas is installed).
std::vector<RawRecord> to_records(py::handle records) {
  py::object seq = py::reinterpret_borrow<py::object>(records);
  if (py::hasattr(records, "to_dict") && py::hasattr(records, "columns")) {
    seq = records.attr("to_dict")("records");
  }
  if (py::isinstance<py::dict>(seq)) seq = py::make_tuple(seq);
  std::vector<RawRecord> out;
  std::size_t i = 0;
  for (py::handle item : seq) out.push_back(to_raw(item, ++i));
  return out;
}

// The size of a file for deciding whether its load is long (0 when it cannot be read: the
// load itself reports that).
std::size_t file_size(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

ReplaceOptions replace_options(bool force, double max_rejected) {
  ReplaceOptions o;
  o.force = force;
  o.max_rejected_share = max_rejected;
  return o;
}

py::list nik_list(const std::vector<std::uint64_t>& keys) {
  py::list out;
  for (auto k : keys) out.append(nik_digits(k));
  return out;
}

py::object date_or_none(const std::optional<Date>& d) {
  return d ? python::from_date(*d) : py::object(py::none());
}

py::dict enrolment_dict(const Enrolment& e) {
  py::dict d;
  d["program"] = e.program;
  d["nik"] = e.nik;
  d["kk"] = e.kk.empty() ? py::object(py::none()) : py::object(py::str(e.kk));
  d["name"] = e.name;
  d["birth_date"] = date_or_none(e.birth_date);
  d["sex"] = e.sex != 0 ? py::object(py::str(std::string(1, e.sex))) : py::object(py::none());
  d["address"] = e.address;
  d["village"] = e.village;
  d["district"] = e.district;
  d["rt"] = e.rt >= 0 ? py::object(py::int_(e.rt)) : py::object(py::none());
  d["rw"] = e.rw >= 0 ? py::object(py::int_(e.rw)) : py::object(py::none());
  d["line"] = e.line;
  return d;
}

Instant to_report_instant(py::handle at) {
  py::module_ dt = py::module_::import("datetime");
  if (py::isinstance(at, dt.attr("datetime"))) {
    if (at.attr("tzinfo").is_none()) {  // naive: local time in Asia/Jakarta
      py::object aware = at.attr("replace")(
          py::arg("tzinfo") = dt.attr("timezone")(dt.attr("timedelta")(py::arg("hours") = 7)));
      return python::to_instant(aware);
    }
    return python::to_instant(at);
  }
  if (py::isinstance(at, dt.attr("date"))) return start_of_day(python::to_date(at));
  if (PyFloat_Check(at.ptr())) return instant_from_seconds(PyFloat_AS_DOUBLE(at.ptr()), "at");
  if (PyLong_Check(at.ptr()) && !PyBool_Check(at.ptr())) {
    int overflow = 0;
    const long long seconds = PyLong_AsLongLongAndOverflow(at.ptr(), &overflow);
    if (seconds == -1 && PyErr_Occurred()) throw py::error_already_set();
    check_instant(overflow < 0 ? kMinInstant - 1 : (overflow > 0 ? kMaxInstant + 1 : seconds),
                  "at");
    return seconds;
  }
  throw py::type_error("at must be a datetime.datetime, a datetime.date or UTC seconds");
}

}  // namespace

void register_registry(py::module_& m) {
  python::register_registry_reports(m);
  py::class_<Registry>(
      m, "Registry",
      "Every programme's recipient list, crossed on NIK and KK. Reads are safe from many threads, "
      "also during a load (they see the old or the new state).")
      .def(py::init([](py::handle as_of) {
             return std::make_unique<Registry>(python::to_date_or_today(as_of));
           }),
           py::arg("as_of") = py::none(),
           "A new empty registry; as_of (datetime.date, default today in Asia/Jakarta) decides NIK "
           "centuries.")
      .def(
          "load_csv",
          [](Registry& reg, py::handle path_obj, const std::string& program,
             const std::string& level, py::handle columns, py::handle progress) {
            const std::string path = python::path_of(path_obj);
            const ColumnMap cols = python::columns_of(columns);
            const ProgramLevel lv = level_of(level);
            if (python::is_workbook_path(path)) {
              const CsvTable table = python::table_from_workbook(path);
              python::ProgressHook report(progress, table.rows(), "load_csv");
              LoadReport rep = report.run([&](const Progress& hook) {
                return reg.load_table(table, program, lv, cols, hook);
              });
              rep.file = path;
              return rep;
            }
            python::ProgressHook report(progress, file_size(path), "load_csv", "B");
            return report.run(
                [&](const Progress& hook) { return reg.load_csv(path, program, lv, cols, hook); });
          },
          py::arg("path"), py::arg("program"), py::arg("level") = "central",
          py::arg("columns") = py::none(), py::arg("progress") = py::none(),
          "Adds a CSV file's (or an .xlsx workbook's, 'file.xlsx#Sheet' for a sheet other than the "
          "first, "
          "with openpyxl installed) rows to a programme's list. Headers are matched through the "
          "alias table "
          "(NIK, No. NIK, NIK_KPM, No. KK, Tgl. Lahir, TTL, L/P, ...); columns maps our field "
          "names to the "
          "file's headers ({'nik': 'NOMOR INDUK'}) over it. Returns a LoadReport; a file that "
          "cannot be read "
          "raises and changes nothing. Progress is told the bytes read (rows for a workbook).")
      .def(
          "add_records",
          [](Registry& reg, py::handle records, const std::string& program,
             const std::string& level, py::handle columns, py::handle progress) {
            const CsvTable table = python::table_from_records(records);
            const ColumnMap cols = python::columns_of(columns);
            const ProgramLevel lv = level_of(level);
            python::ProgressHook report(progress, table.rows(), "add_records");
            return report.run([&](const Progress& hook) {
              return reg.load_table(table, program, lv, cols, hook);
            });
          },
          py::arg("records"), py::arg("program"), py::arg("level") = "central",
          py::arg("columns") = py::none(), py::arg("progress") = py::none(),
          "Adds records (a list of dicts, or a pandas DataFrame) to a programme's list, their keys "
          "or columns "
          "matched as a CSV file's headers are (aliases, or columns={'nik': 'NIK_KPM'}); returns a "
          "LoadReport "
          "whose lines are 1-based positions in the list. Progress is told the rows read.")
      .def(
          "replace_program",
          [](Registry& reg, const std::string& program, py::handle records_or_path,
             const std::string& level, py::handle columns, bool force, double max_rejected,
             py::handle progress) {
            const ProgramLevel lv = level_of(level);
            const ColumnMap cols = python::columns_of(columns);
            const ReplaceOptions options = replace_options(force, max_rejected);
            if (is_path(records_or_path)) {
              const std::string path = python::path_of(records_or_path);
              if (python::is_workbook_path(path)) {
                const CsvTable table = python::table_from_workbook(path);
                python::ProgressHook report(progress, table.rows(), "replace_program");
                LoadReport rep = report.run([&](const Progress& hook) {
                  return reg.replace_program_table(program, table, lv, cols, options, hook);
                });
                rep.file = path;
                return rep;
              }
              python::ProgressHook report(progress, file_size(path), "replace_program", "B");
              return report.run([&](const Progress& hook) {
                return reg.replace_program_csv(program, path, lv, cols, options, hook);
              });
            }
            const CsvTable table = python::table_from_records(records_or_path);
            python::ProgressHook report(progress, table.rows(), "replace_program");
            return report.run([&](const Progress& hook) {
              return reg.replace_program_table(program, table, lv, cols, options, hook);
            });
          },
          py::arg("program"), py::arg("records_or_path"), py::arg("level") = "central",
          py::arg("columns") = py::none(), py::arg("force") = false, py::arg("max_rejected") = 0.05,
          py::arg("progress") = py::none(),
          "Swaps a programme's whole list atomically (the monthly update) for records, a CSV file "
          "or a "
          "workbook. A new list with more than max_rejected (a share, default 0.05) of its rows "
          "rejected is "
          "refused with smartkampung.Error and nothing changes, unless force=True. Progress is "
          "told the bytes (a CSV file) or rows read.")
      .def("drop_program", &Registry::drop_program, py::arg("program"),
           "Removes a programme; False if not held.")
      .def("remove_record", &Registry::remove_record, py::arg("program"), py::arg("nik"),
           "Removes every record of a NIK from a programme; returns how many.")
      .def(
          "correct_record",
          [](Registry& reg, const std::string& program, const std::string& nik, py::handle record) {
            return reg.correct_record(program, nik, to_raw(record, 1));
          },
          py::arg("program"), py::arg("nik"), py::arg("record"),
          "Replaces the record(s) of a NIK in a programme by a corrected record (a dict).")
      .def(
          "diff",
          [](const Registry& reg, const std::string& program, py::handle records_or_path) {
            ProgramDiff d;
            if (is_path(records_or_path)) {
              const std::string path = python::path_of(records_or_path);
              d = reg.diff_csv(program, path);
            } else {
              d = reg.diff(program, to_records(records_or_path));
            }
            py::dict out;
            out["added"] = nik_list(d.added);
            out["dropped"] = nik_list(d.dropped);
            out["changed"] = nik_list(d.changed);
            return out;
          },
          py::arg("program"), py::arg("records_or_path"),
          "Compares a programme's list with a new version: {'added': [...], 'dropped': [...], "
          "'changed': [...]} "
          "(NIKs). Nothing changes.")
      .def("programs_of", &Registry::programs_of, py::arg("nik"),
           "Sorted programmes of a person; raises NikError for an invalid NIK.")
      .def("programs_of_kk", &Registry::programs_of_kk, py::arg("kk"),
           "Sorted programmes of a household (any member); raises NikError for an invalid KK.")
      .def(
          "public_check",
          [](const Registry& reg, const std::string& nik) {
            const PublicCheck c = reg.public_check(nik);
            py::dict out;
            out["nik"] = c.nik;
            out["name"] = c.name ? py::object(py::str(*c.name)) : py::object(py::none());
            out["programs"] = py::cast(c.programs);
            out["found"] = c.found;
            return out;
          },
          py::arg("nik"),
          "What an anonymous visitor may see: {'nik': masked, 'name': initials + '***' or None, "
          "'programs': [...], 'found': bool}. Raises NikError for an invalid NIK.")
      .def(
          "set_exclusions",
          [](Registry& reg, py::handle pairs) {
            std::vector<ProgramConflict> list;
            for (py::handle item : pairs) {
              py::tuple t = py::tuple(py::reinterpret_borrow<py::object>(item));
              if (t.size() != 2 && t.size() != 3) {
                throw Error(ErrorCode::kInvalidArgument,
                            "each exclusion is (program_a, program_b[, scope])");
              }
              ProgramConflict c;
              c.a = t[0].cast<std::string>();
              c.b = t[1].cast<std::string>();
              c.scope = t.size() == 3 ? parse_conflict_scope(t[2].cast<std::string>())
                                      : ConflictScope::kKk;
              list.push_back(std::move(c));
            }
            reg.set_exclusions(ConflictTable(std::move(list)));
          },
          py::arg("pairs"),
          "Programmes that may not be held together: [(a, b, scope)], scope 'person' or 'kk' "
          "(default 'kk').")
      .def(
          "exclusions_json", [](const Registry& reg) { return reg.exclusions().to_json(); },
          "The exclusion table as JSON (format skamp-conflicts/1).")
      .def(
          "report",
          [](Registry& reg, py::handle record, py::handle at, py::handle program) {
            const RawRecord raw = to_raw(record, 1);
            const Instant t = to_report_instant(at);
            std::string prog = program.is_none() ? std::string() : program.cast<std::string>();
            if (prog.empty() && py::reinterpret_borrow<py::dict>(record).contains("program")) {
              py::object p = py::reinterpret_borrow<py::dict>(record)["program"];
              if (!p.is_none()) prog = p.cast<std::string>();
            }
            return reg.report(raw, t, prog);
          },
          py::arg("record"), py::arg("at"), py::arg("program") = py::none(),
          "An online report (a dict with nik, kk, name, ...; optionally 'program'): refused with a "
          "reason or "
          "queued. at: datetime (naive = WIB), date, or UTC seconds.")
      .def(
          "reports",
          [](const Registry& reg) {
            py::list out;
            for (const auto& q : reg.reports()) {
              py::dict d = enrolment_dict(q.record);
              d["at"] = python::from_instant(q.at);
              d["program"] =
                  q.program.empty() ? py::object(py::none()) : py::object(py::str(q.program));
              out.append(d);
            }
            return out;
          },
          "The queue of accepted reports, oldest first (list of dicts).")
      .def(
          "dedup",
          [](const Registry& reg, bool fuzzy, py::object threshold, py::handle progress) {
            const double t = threshold.is_none() ? 0.0 : threshold.cast<double>();
            // Only a fuzzy dedup is long.
            python::ProgressHook report(progress, fuzzy ? reg.size() : 0, "dedup", "stage");
            return report.run([&](const Progress& hook) {
              return std::make_shared<DedupReport>(reg.dedup(fuzzy, t, hook));
            });
          },
          py::arg("fuzzy") = false, py::arg("threshold") = py::none(),
          py::arg("progress") = py::none(),
          "Dedup over every programme (recomputed each call); returns a DedupReport. With "
          "fuzzy=True the records are also linked (sk.link's Indonesian settings; threshold = "
          "match probability, None = default) and report.likely_duplicates lists the records "
          "of one person across different or missing NIKs. Progress is told the stages (the "
          "exact dedup, link's six, the report).")
      .def(
          "programs",
          [](const Registry& reg) {
            py::list out;
            for (const auto& p : reg.programs()) {
              py::dict d;
              d["name"] = p.name;
              d["level"] = program_level_name(p.level);
              d["records"] = p.records;
              d["unkeyed"] = p.unkeyed;
              out.append(d);
            }
            return out;
          },
          "The programmes held: list of dicts with name, level, records, unkeyed.")
      .def(
          "records",
          [](const Registry& reg, const std::string& program) {
            arrow::Table t;
            {
              py::gil_scoped_release release;
              t = tables::enrolments_table(reg.records(program));
            }
            return python::table_object(std::move(t));
          },
          py::arg("program"),
          "A programme's records (normalised) as a Table: program, nik, kk, name, birth_date, sex, "
          "address, "
          "village, district, rt, rw, line; rows answer row['name'].")
      .def(
          "unkeyed",
          [](const Registry& reg, const std::string& program) {
            py::list out;
            for (const auto& e : reg.unkeyed(program)) out.append(enrolment_dict(e));
            return out;
          },
          py::arg("program"), "Records held aside for lack of a valid NIK (nik as given).")
      .def("__len__", &Registry::size, "Keyed enrolments over all programmes.")
      .def("__repr__",
           [](const Registry& reg) {
             const auto programs = reg.programs();
             return "<Registry programs=" + std::to_string(programs.size()) +
                    " records=" + std::to_string(reg.size()) + " as_of=" + reg.as_of().to_iso() +
                    ">";
           })
      .def(
          "_repr_html_",
          [](const Registry& reg) {
            std::string out = "<div><p><b>Registry</b> as of " + reg.as_of().to_iso() + ": " +
                              std::to_string(reg.size()) +
                              " keyed records</p><table><thead><tr><th>program</th>"
                              "<th>level</th><th>records</th><th>unkeyed</th></tr></thead><tbody>";
            for (const auto& p : reg.programs()) {
              out += "<tr><td>" + p.name + "</td><td>" + program_level_name(p.level) + "</td><td>" +
                     std::to_string(p.records) + "</td><td>" + std::to_string(p.unkeyed) +
                     "</td></tr>";
            }
            return out + "</tbody></table></div>";
          },
          "An HTML summary for notebooks: the programmes held and their counts (no personal data).")
      .def_property_readonly(
          "as_of", [](const Registry& reg) { return python::from_date(reg.as_of()); },
          "The reference date for NIK centuries.")
      .def(
          "save",
          [](const Registry& reg, py::handle path, py::handle key, py::handle progress) {
            const std::string p = python::path_of(path);
            SignatureOptions o;
            o.key = python::signing_key_of(key, false);
            python::ProgressHook report(progress, reg.size(), "save", "stage");
            report.run([&](const Progress& hook) { reg.save(p, o, hook); });
          },
          py::arg("path"), py::arg("key") = py::none(), py::arg("progress") = py::none(),
          "Writes the whole registry to one file, atomically (temporary file, then rename), sealed "
          "with "
          "its SHA-256; with `key` (a SigningKey or district.key path, defaulting to "
          "SMARTKAMPUNG_KEY when "
          "set) also signed with Ed25519, so that a reader holding the public key refuses an "
          "edited and "
          "resealed file. Progress is told three stages (snapshot, seal, write); a cancel "
          "before the last writes nothing.")
      .def_static(
          "load",
          [](py::handle path, py::handle public_keys, bool allow_unsigned, py::handle progress) {
            const std::string p = python::path_of(path);
            SignatureOptions o;
            o.public_keys = python::public_keys_of(public_keys);
            o.allow_unsigned = allow_unsigned;
            python::ProgressHook report(progress, file_size(p) / 100, "load", "stage");
            return report.run([&](const Progress& hook) {
              return std::make_unique<Registry>(Registry::load(p, o, hook));
            });
          },
          py::arg("path"), py::arg("public_keys") = py::none(), py::arg("allow_unsigned") = false,
          py::arg("progress") = py::none(),
          "Reads a file written by save(); a damaged file raises smartkampung.Error. With "
          "public_keys "
          "(PublicKey objects, district.pub paths or texts) the signature must verify by one of "
          "them: an "
          "unsigned file (unless allow_unsigned), one signed by another key or changed after "
          "signing "
          "raises smartkampung.Error saying 'not signed' or naming the key id. Progress is told "
          "three stages (read, seal checked, parsed).");
  python::register_registry_sample(m);
}
