// The registry's reports in Python: LoadReport, DedupReport, ReportOutcome.
#include <map>
#include <memory>
#include <smartkampung/registry.hpp>
#include <smartkampung/tables.hpp>

#include "registry_bindings.hpp"

namespace smartkampung::python {

namespace {

// A list of dicts, one an item, each filled by fill(dict, item).
template <typename Items, typename Fill>
py::list dict_list(const Items& items, Fill fill) {
  py::list out;
  for (const auto& item : items) {
    py::dict d;
    fill(d, item);
    out.append(d);
  }
  return out;
}

// A DedupReport property: one of its tables as a smartkampung Table.
template <tables::DedupTable Which>
py::object dedup_table_of(const DedupReport& r) {
  return table_object(tables::dedup_table(r, Which));
}

}  // namespace

void register_registry_reports(py::module_& m) {
  py::class_<LoadReport>(
      m, "LoadReport",
      "Outcome of a load: rows loaded; rows rejected (only for want of a usable NIK, or a "
      "record the file's structure cannot give); fields left empty; repairs; columns used "
      "and ignored; the date column's order; quotes left open.")
      .def_readonly("loaded", &LoadReport::loaded, "Rows loaded.")
      .def_property_readonly(
          "rejected",
          [](const LoadReport& r) {
            py::list out;
            for (const auto& x : r.rejected) out.append(py::make_tuple(x.line, x.reason));
            return out;
          },
          "List of (line, reason): the 1-based physical line where the row starts (header = line "
          "1).")
      .def_property_readonly(
          "rejected_rows",
          [](const LoadReport& r) {
            return dict_list(r.rejected, [&r](py::dict& d, const auto& x) {
              d["file"] = r.file;
              d["line"] = x.line;
              d["reason"] = x.reason;
              d["raw"] = x.raw;
            });
          },
          "Every rejected row as a dict (file, line, reason, raw). 'raw' is the row's text as in "
          "the "
          "file: personal data, for the report only, never for a log.")
      .def_readonly(
          "unkeyed", &LoadReport::unkeyed,
          "Rejected rows kept aside (for linkage) because their NIK was missing or invalid.")
      .def_readonly("repaired", &LoadReport::repaired,
                    "Rows whose NIK or KK had spreadsheet damage repaired.")
      .def_property_readonly(
          "repairs",
          [](const LoadReport& r) {
            return py::dict(
                py::cast(std::map<std::string, std::size_t>(r.repairs.begin(), r.repairs.end())));
          },
          "Repairs by kind: {'apostrophe': n, 'dot_zero': n, 'formula_text': n, 'digit_groups': n} "
          "(kinds seen).")
      .def_readonly("file", &LoadReport::file, "The file loaded ('' for records given in memory).")
      .def_property_readonly(
          "columns",
          [](const LoadReport& r) {
            py::dict d;
            for (const auto& [field, header] : r.columns) d[py::str(field)] = header;
            return d;
          },
          "Our field -> the header it was read from.")
      .def_readonly("ignored_columns", &LoadReport::ignored_columns,
                    "Headers that match no field, in file order.")
      .def_property_readonly(
          "nulled",
          [](const LoadReport& r) {
            py::dict d;
            for (const auto& n : r.nulled) d[py::str(n.field)] = py::cast(n.lines);
            return d;
          },
          "Fields that could not be read and were left empty: {field: [lines]} (the rows were "
          "loaded).")
      .def_readonly("date_order", &LoadReport::date_order,
                    "Day/month order decided for the birth_date column: 'day_first', 'month_first' "
                    "or 'unknown'.")
      .def_property_readonly(
          "quote_runs",
          [](const LoadReport& r) {
            return dict_list(r.quote_runs, [](py::dict& d, const auto& q) {
              d["first_line"] = q.first_line;
              d["last_line"] = q.last_line;
              d["recovered"] = q.recovered;
            });
          },
          "Quotes left open that swallowed lines: dicts (first_line, last_line, recovered "
          "records).")
      .def_property_readonly("rows", &LoadReport::rows, "Data rows seen: loaded + rejected.")
      .def_property_readonly("rejected_share", &LoadReport::rejected_share,
                             "rejected / rows (0 when empty).")
      .def("__repr__", [](const LoadReport& r) {
        return "<LoadReport loaded=" + std::to_string(r.loaded) +
               " rejected=" + std::to_string(r.rejected.size()) +
               " unkeyed=" + std::to_string(r.unkeyed) +
               " nulled=" + std::to_string(r.nulled.size()) + " fields>";
      });

  py::class_<DedupReport, std::shared_ptr<DedupReport>>(
      m, "DedupReport", "Exact dedup on NIK and KK; NIK/KK are 16-character str.")
      .def_readonly("records", &DedupReport::records, "Keyed enrolments examined.")
      .def_readonly("unkeyed", &DedupReport::unkeyed, "Records held aside without a valid NIK.")
      .def_readonly("unique_persons", &DedupReport::unique_persons, "Distinct NIKs.")
      .def_readonly("unique_households", &DedupReport::unique_households, "Distinct KKs.")
      .def_property_readonly(
          "duplicates", &dedup_table_of<tables::DedupTable::kDuplicates>,
          "Table (program, nik, count): a NIK listed count times in one programme; rows are "
          "tuples.")
      .def_property_readonly(
          "overlaps",
          [](const DedupReport& r) {
            return table_object(tables::dedup_table(r, tables::DedupTable::kOverlaps),
                                "MappingTable");
          },
          "Table (nik, programs, count) of NIKs in two or more programmes; also a mapping NIK -> "
          "sorted "
          "programmes (overlaps[nik], items()).")
      .def_property_readonly(
          "conflicts", &dedup_table_of<tables::DedupTable::kConflicts>,
          "Table (nik) of NIKs whose records disagree on name (folded), birth date or sex; "
          "iterates as NIKs.")
      .def_property_readonly(
          "nik_mismatches", &dedup_table_of<tables::DedupTable::kNikMismatches>,
          "Table (nik) of NIKs with a record whose birth date or sex disagrees with the NIK; "
          "iterates as NIKs.")
      .def_property_readonly(
          "exclusion_violations",
          [](const DedupReport& r) {
            py::dict options;
            options["row_columns"] = py::make_tuple("key", "program_a", "program_b");
            return table_object(tables::dedup_table(r, tables::DedupTable::kExclusionViolations),
                                "Table", options);
          },
          "Table (key, scope, program_a, program_b): KK for household-scope pairs (scope 'kk'), "
          "NIK for "
          "person-scope ones; rows iterate as (key, program_a, program_b).")
      .def_property_readonly(
          "likely_duplicates",
          [](const DedupReport& r) -> py::object {
            if (!r.fuzzy) return py::none();
            return table_object(tables::dedup_table(r, tables::DedupTable::kLikelyDuplicates));
          },
          "With dedup(fuzzy=True): Table (program_a, line_a, nik_a, program_b, line_b, nik_b, "
          "probability) of "
          "records linkage found to be one person across different or missing NIKs (rows answer "
          "row['program_a']); None in an exact report.")
      .def("to_json", &DedupReport::to_json, "The report as JSON (schema 'skamp-dedup-report/1').")
      .def_static(
          "from_json",
          [](const std::string& text) {
            return std::make_shared<DedupReport>(DedupReport::from_json(text));
          },
          py::arg("text"), "Reads a report written by to_json().")
      .def("__eq__",
           [](const DedupReport& a, py::object b) -> py::object {
             if (!py::isinstance<DedupReport>(b))
               return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::bool_(a.to_json() == b.cast<const DedupReport&>().to_json());
           })
      .def("__hash__", [](const DedupReport& r) { return py::hash(py::str(r.to_json())); })
      .def(py::pickle([](const DedupReport& r) { return py::make_tuple(r.to_json()); },
                      [](const py::tuple& state) {
                        if (state.size() != 1)
                          throw Error(ErrorCode::kCorrupt,
                                      "damaged dedup report (bad pickle state)");
                        return std::make_shared<DedupReport>(
                            DedupReport::from_json(state[0].cast<std::string>()));
                      }))
      .def(
          "to_csv", &DedupReport::write_csv, py::arg("folder"),
          "Writes summary.csv, duplicates.csv, overlaps.csv, conflicts.csv, nik_mismatches.csv and "
          "exclusion_violations.csv into an existing folder.")
      .def("__repr__", [](const DedupReport& r) {
        return "<DedupReport persons=" + std::to_string(r.unique_persons) +
               " households=" + std::to_string(r.unique_households) +
               " duplicates=" + std::to_string(r.duplicates.size()) +
               " overlaps=" + std::to_string(r.overlaps.size()) +
               " conflicts=" + std::to_string(r.conflicts.size()) + ">";
      });

  py::class_<ReportOutcome>(m, "ReportOutcome", "The immediate answer to an online report.")
      .def_readonly("accepted", &ReportOutcome::accepted, "True when queued for verification.")
      .def_readonly(
          "reason", &ReportOutcome::reason,
          "'accepted', 'invalid_nik', 'invalid_record', 'already_enrolled', 'household_covered' or "
          "'duplicate_report'.")
      .def_readonly("detail", &ReportOutcome::detail, "A sentence for the resident.")
      .def_readonly("programs", &ReportOutcome::programs, "Programmes behind a refusal.")
      .def_readonly("queue_position", &ReportOutcome::queue_position,
                    "1-based queue position when accepted.")
      .def("__repr__", [](const ReportOutcome& r) {
        return "<ReportOutcome accepted=" + std::string(r.accepted ? "True" : "False") +
               " reason=" + r.reason + ">";
      });
}

}  // namespace smartkampung::python
