// Records from Python (dicts, DataFrames, workbook sheets) as tables of text, so that
// every loader reads them through the core's one intake path (aliases, formats, report).
#include <cmath>
#include <unordered_map>

#include "bindings.hpp"

namespace smartkampung::python {

bool value_text(py::handle v, std::string& out) {
  if (v.is_none()) return false;
  static auto* date_type =
      new py::object(py::module_::import("datetime").attr("date"));  // leaked on purpose
  if (py::isinstance<py::str>(v)) {
    out = v.cast<std::string>();
    return true;
  }
  if (py::isinstance(v, *date_type)) {
    out = v.attr("isoformat")().cast<std::string>();
    if (out.size() > 10) out.resize(10);  // a datetime: its date part
    return true;
  }
  if (PyBool_Check(v.ptr())) {
    throw py::type_error("a record field may not be a bool");
  }
  if (PyLong_Check(v.ptr())) {
    out = py::str(v).cast<std::string>();
    return true;
  }
  if (PyFloat_Check(v.ptr())) {
    const double d = PyFloat_AS_DOUBLE(v.ptr());
    if (std::isnan(d)) return false;
    if (std::floor(d) == d && std::fabs(d) < 1e17) {
      out = py::str(py::int_(static_cast<long long>(d))).cast<std::string>();
    } else {
      out = py::str(v).cast<std::string>();
    }
    return true;
  }
  // pandas.NA, NaT and similar: missing when they say they are.
  const std::string type_name = py::str(py::type::of(v).attr("__name__")).cast<std::string>();
  if (type_name == "NAType" || type_name == "NaTType") return false;
  out = py::str(v).cast<std::string>();
  return true;
}

CsvTable table_from_records(py::handle records) {
  if (std::optional<arrow::StreamReader> reader = arrow_reader(records)) {
    py::gil_scoped_release release;
    return arrow::read_text_table(*reader);
  }
  py::object seq = py::reinterpret_borrow<py::object>(records);
  if (py::hasattr(records, "to_dict") && py::hasattr(records, "columns")) {
    seq = records.attr("to_dict")("records");
  }
  if (py::isinstance<py::dict>(seq)) seq = py::make_tuple(seq);
  std::vector<std::string> header;
  std::unordered_map<std::string, std::size_t> column_of;
  std::vector<std::vector<std::pair<std::size_t, std::string>>> rows;
  for (py::handle item : seq) {
    if (!py::isinstance<py::dict>(item)) {
      throw py::type_error(
          "each record must be a dict (keys: nik, kk, name, birth_date, sex, address, village, "
          "district, rt, rw, or the list's own headers)");
    }
    std::vector<std::pair<std::size_t, std::string>> row;
    for (auto kv : py::reinterpret_borrow<py::dict>(item)) {
      const std::string key = py::str(kv.first).cast<std::string>();
      auto it = column_of.find(key);
      if (it == column_of.end()) {
        it = column_of.emplace(key, header.size()).first;
        header.push_back(key);
      }
      std::string text;
      if (value_text(kv.second, text)) row.emplace_back(it->second, std::move(text));
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> cells(rows.size() * header.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (auto& [c, text] : rows[r]) cells[r * header.size() + c] = std::move(text);
  }
  return CsvTable::from_rows(std::move(header), cells);
}

ColumnMap columns_of(py::handle columns) {
  ColumnMap out;
  if (columns.is_none()) return out;
  if (!py::isinstance<py::dict>(columns)) {
    throw py::type_error("columns must be a dict of our field -> the list's header, or None");
  }
  for (auto item : py::reinterpret_borrow<py::dict>(columns)) {
    if (!py::isinstance<py::str>(item.first) || !py::isinstance<py::str>(item.second)) {
      throw py::type_error("columns must map str to str (our field -> the list's header)");
    }
    out.emplace_back(item.first.cast<std::string>(), item.second.cast<std::string>());
  }
  return out;
}

bool is_workbook_path(const std::string& path) {
  std::string lower = path;
  for (char& c : lower) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  const std::size_t hash = lower.rfind(".xlsx#");
  if (hash != std::string::npos) return true;
  return lower.size() >= 5 && lower.compare(lower.size() - 5, 5, ".xlsx") == 0;
}

CsvTable table_from_workbook(const std::string& path) {
  py::tuple t = py::module_::import("smartkampung._workbook").attr("read_sheet")(path);
  std::vector<std::string> header = t[0].cast<std::vector<std::string>>();
  std::vector<std::string> cells = t[1].cast<std::vector<std::string>>();
  std::vector<std::size_t> lines = t[2].cast<std::vector<std::size_t>>();
  return CsvTable::from_rows(std::move(header), cells, std::move(lines));
}

}  // namespace smartkampung::python
