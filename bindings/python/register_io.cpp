// The intake layer's readers for the pure-Python loaders (rule rows, houses, residents,
// the CLI's tables): one alias table and one set of value readers, in the core.
#include <array>
#include <optional>
#include <smartkampung/intake.hpp>
#include <string>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;
using namespace smartkampung;

void register_io(py::module_& m) {
  m.def(
      "_intake_field", [](const std::string& header) { return std::string(header_field(header)); },
      py::arg("header"),
      "The field a header names in the intake's alias table ('NIK' -> 'nik', 'Tgl. Lahir' -> "
      "'birth_date', 'L/P' -> 'sex', 'Lintang' -> 'lat'), or '' when it names none.");
  m.def(
      "_intake_bool",
      [](const std::string& text) -> py::object {
        const int v = read_bool(text);
        return v < 0 ? py::object(py::none()) : py::object(py::bool_(v == 1));
      },
      py::arg("text"),
      "A boolean cell (ya/tidak, y/t, yes/no, true/false, 1/0, benar/salah), or None.");
  m.def(
      "_intake_sex",
      [](const std::string& text) -> py::object {
        const char c = read_sex(text);
        return c == 0 ? py::object(py::none()) : py::object(py::str(std::string(1, c)));
      },
      py::arg("text"),
      "'M' or 'F' for a sex cell (L/P, LK/PR, Laki-laki/Perempuan, Pria/Wanita, M/F, 1/2), or "
      "None.");
  m.def(
      "_intake_key",
      [](const std::string& text) {
        std::array<char, 24> buffer;
        KeyRepair repair = KeyRepair::kNone;
        const std::string_view digits = repair_key_text(text, buffer, repair);
        return py::make_tuple(std::string(digits), key_repair_name(repair));
      },
      py::arg("text"),
      "A NIK or KK cell undamaged (', .0, =\"...\", digit groups): (text, repair name).");
  m.def(
      "_intake_number",
      [](const std::string& text) -> py::object {
        double v = 0;
        return read_number(text, v) ? py::object(py::float_(v)) : py::object(py::none());
      },
      py::arg("text"),
      "A number with a decimal comma or point and thousands separators ('1.500.000'), or None.");
  m.def(
      "_intake_coordinate",
      [](const std::string& text) -> py::object {
        double v = 0;
        return read_coordinate(text, v) ? py::object(py::float_(v)) : py::object(py::none());
      },
      py::arg("text"), "A coordinate with either decimal mark ('-8,2191'), or None.");
  m.def(
      "_intake_dates",
      [](const std::vector<std::optional<std::string>>& cells, py::handle as_of) {
        const DateReader reader(python::to_date_or_today(as_of));
        std::vector<DateCell> read(cells.size());
        DateOrderVotes votes;
        for (std::size_t i = 0; i < cells.size(); ++i) {
          if (!cells[i] || cells[i]->empty()) continue;
          read[i] = reader.read(*cells[i]);
          votes.add(read[i]);
        }
        const DateOrder order = votes.decide();
        py::list out;
        for (std::size_t i = 0; i < cells.size(); ++i) {
          const std::int32_t day = read[i].under(order);
          out.append(day == kNoDay ? py::object(py::none()) : python::from_date(Date(day)));
        }
        return py::make_tuple(out, date_order_name(order));
      },
      py::arg("cells"), py::arg("as_of") = py::none(),
      "A date column read as a list file's is: ([datetime.date or None], order), the day/month "
      "order ('day_first', 'month_first', 'unknown') decided from the column's values; two-digit "
      "years take the century that puts them on or before as_of (default today).");
}
