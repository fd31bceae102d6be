#include <smartkampung/nik.hpp>

#include "bindings.hpp"

namespace py = pybind11;
using namespace smartkampung;
using smartkampung::python::from_date;
using smartkampung::python::to_date_or_today;

namespace {
py::object name_or_none(const std::string& name) {
  return name.empty() ? py::object(py::none()) : py::object(py::str(name));
}

py::array_t<std::int8_t> validate_column(py::handle seq, py::handle as_of, bool kk) {
  const Date date = to_date_or_today(as_of);
  python::StringColumn col = python::to_string_column(seq);
  std::vector<std::int8_t> reasons(col.size());
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < col.size(); ++i) {
      const NikCheck check = col.missing[i] ? NikCheck{}
                             : kk           ? check_kk(col[i], date)
                                            : check_nik(col[i], date);
      reasons[i] = static_cast<std::int8_t>(check.reason);
    }
  }
  return python::to_numpy(std::move(reasons));
}
}  // namespace

void register_nik(py::module_& m) {
  py::class_<NikInfo>(m, "NikInfo", "A decoded NIK (national identity number).")
      .def_property_readonly("nik", &NikInfo::digits, "The 16 digits.")
      .def_readonly("province", &NikInfo::province, "Province code, e.g. '35'.")
      .def_readonly("regency", &NikInfo::regency, "Regency code, e.g. '3510'.")
      .def_readonly("district", &NikInfo::district, "District code, e.g. '351001'.")
      .def_property_readonly(
          "province_name", [](const NikInfo& i) { return name_or_none(i.province_name); },
          "Province name, or None.")
      .def_property_readonly(
          "regency_name", [](const NikInfo& i) { return name_or_none(i.regency_name); },
          "Regency name, or None where the table does not know the code.")
      .def_property_readonly(
          "district_name", [](const NikInfo& i) { return name_or_none(i.district_name); },
          "District name, or None where the table does not know the code.")
      .def_property_readonly(
          "birth_date", [](const NikInfo& i) { return from_date(i.birth_date); },
          "Birth date (datetime.date).")
      .def_property_readonly(
          "sex", [](const NikInfo& i) { return std::string(1, static_cast<char>(i.sex)); },
          "'F' or 'M' (day + 40 marks a woman).")
      .def_readonly("serial", &NikInfo::serial, "The 4-digit serial as an int.")
      .def_readonly("repaired", &NikInfo::repaired,
                    "True when a leading apostrophe or trailing '.0' was stripped.")
      .def("__repr__", [](const NikInfo& i) {
        return "<NikInfo " + mask_nik(i.digits()) + " district=" + i.district + ">";
      });

  py::class_<KkInfo>(m, "KkInfo", "A decoded KK (family card) number.")
      .def_property_readonly("kk", &KkInfo::digits, "The 16 digits.")
      .def_readonly("province", &KkInfo::province, "Province code, e.g. '35'.")
      .def_readonly("regency", &KkInfo::regency, "Regency code, e.g. '3510'.")
      .def_readonly("district", &KkInfo::district, "District code, e.g. '351001'.")
      .def_property_readonly(
          "province_name", [](const KkInfo& i) { return name_or_none(i.province_name); },
          "Province name, or None.")
      .def_property_readonly(
          "regency_name", [](const KkInfo& i) { return name_or_none(i.regency_name); },
          "Regency name, or None where the table does not know the code.")
      .def_property_readonly(
          "district_name", [](const KkInfo& i) { return name_or_none(i.district_name); },
          "District name, or None where the table does not know the code.")
      .def_property_readonly(
          "issue_date", [](const KkInfo& i) { return from_date(i.issue_date); },
          "Issue date (datetime.date).")
      .def_readonly("serial", &KkInfo::serial, "The 4-digit serial as an int.")
      .def_readonly("repaired", &KkInfo::repaired,
                    "True when a leading apostrophe or trailing '.0' was stripped.")
      .def("__repr__", [](const KkInfo& i) { return "<KkInfo " + mask_nik(i.digits()) + ">"; });

  m.def(
      "parse_nik",
      [](const std::string& nik, py::handle as_of) {
        return parse_nik(nik, to_date_or_today(as_of));
      },
      py::arg("nik"), py::arg("as_of") = py::none(),
      "Decodes a NIK; raises NikError (with .code) when it is invalid. as_of (datetime.date, "
      "default today in Asia/Jakarta) decides the century of the birth year.");
  m.def(
      "parse_kk",
      [](const std::string& kk, py::handle as_of) { return parse_kk(kk, to_date_or_today(as_of)); },
      py::arg("kk"), py::arg("as_of") = py::none(),
      "Decodes a KK number; raises NikError when invalid.");
  m.def(
      "is_valid_nik",
      [](py::handle nik, py::handle as_of) {
        if (!py::isinstance<py::str>(nik)) return false;
        return is_valid_nik(nik.cast<std::string>(), to_date_or_today(as_of));
      },
      py::arg("nik"), py::arg("as_of") = py::none(), "True when the NIK is valid.");
  m.def(
      "is_valid_kk",
      [](py::handle kk, py::handle as_of) {
        if (!py::isinstance<py::str>(kk)) return false;
        return is_valid_kk(kk.cast<std::string>(), to_date_or_today(as_of));
      },
      py::arg("kk"), py::arg("as_of") = py::none(), "True when the KK number is valid.");
  m.def(
      "validate_niks",
      [](py::handle seq, py::handle as_of) { return validate_column(seq, as_of, false); },
      py::arg("niks"), py::arg("as_of") = py::none(),
      "Validates many NIKs (list or numpy array of str); returns a numpy int8 array of reason "
      "codes: 0 valid, 1 length, 2 non_digit, 3 province, 4 birth_date, 5 serial, "
      "6 scientific_notation. None and NaN count as length.");
  m.def(
      "validate_kks",
      [](py::handle seq, py::handle as_of) { return validate_column(seq, as_of, true); },
      py::arg("kks"), py::arg("as_of") = py::none(), "As validate_niks, for KK numbers.");
  m.def("mask_nik", &mask_nik, py::arg("nik"),
        "The public form of a NIK: first 4 and last 4 digits, '*' between.");
  m.def(
      "region_name", [](const std::string& code) { return name_or_none(region_name(code)); },
      py::arg("code"), "Name of a 2-, 4- or 6-digit region code, or None.");
}
