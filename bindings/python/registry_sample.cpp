// The synthetic sample population in Python: SamplePopulation, _sample_banyuwangi.
#include <memory>
#include <smartkampung/registry.hpp>
#include <smartkampung/sample.hpp>

#include "registry_bindings.hpp"

namespace smartkampung::python {

namespace {

// A numpy str ('U') array from text columns, built in one pass (ASCII-safe; other
// bytes pass through as their code units, which the sample never produces).
py::object numpy_from_bytes(const std::string& bytes, const std::string& dtype) {
  // Leaked on purpose: Python objects must not be released after the interpreter is gone.
  static auto* frombuffer = new py::object(py::module_::import("numpy").attr("frombuffer"));
  return (*frombuffer)(py::bytes(bytes), py::str(dtype)).attr("copy")();
}

py::object unicode_column(const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::string buf(values.size() * width * 4, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    char* cell = &buf[i * width * 4];
    const std::string& v = values[i];
    for (std::size_t k = 0; k < v.size(); ++k) cell[4 * k] = v[k];  // little-endian UCS4 of ASCII
  }
  return numpy_from_bytes(buf, "<U" + std::to_string(width));
}

// The text fields of a listed record that a registry record has, in its order.
using Records = SamplePopulation::Records;
const std::pair<const char*, std::vector<std::string> Records::*> kRecordFields[] = {
    {"nik", &Records::nik},         {"kk", &Records::kk},
    {"name", &Records::name},       {"birth_date", &Records::birth_date},
    {"sex", &Records::sex},         {"address", &Records::address},
    {"village", &Records::village}, {"district", &Records::district},
    {"rt", &Records::rt},           {"rw", &Records::rw}};

template <typename T>
py::object copy_column(const std::vector<T>& values, const char* dtype) {
  return numpy_from_bytes(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)), dtype);
}

}  // namespace

void register_registry_sample(py::module_& m) {
  py::class_<SamplePopulation, std::shared_ptr<SamplePopulation>>(
      m, "SamplePopulation",
      "A synthetic Banyuwangi population with programme lists and ground truth.")
      .def_property_readonly(
          "persons",
          [](const SamplePopulation& s) {
            py::dict d;
            std::vector<std::string> nik(s.nik.size()), kk(s.kk.size()), sex(s.sex.size()),
                district(s.district.size());
            std::vector<std::string> birth(s.birth.size());
            for (std::size_t i = 0; i < s.nik.size(); ++i) {
              nik[i] = nik_digits(s.nik[i]);
              kk[i] = nik_digits(s.kk[i]);
              sex[i] = std::string(1, s.sex[i]);
              district[i] = "3510" + std::string(s.district[i] < 10 ? "0" : "") +
                            std::to_string(s.district[i]);
            }
            d["nik"] = unicode_column(nik);
            d["kk"] = unicode_column(kk);
            d["name"] = unicode_column(s.name);
            d["birth_date"] = copy_column(s.birth, "<i4").attr("astype")("datetime64[D]");
            d["sex"] = unicode_column(sex);
            d["district"] = unicode_column(district);
            d["village"] = unicode_column(s.village);
            d["rt"] = copy_column(s.rt, "<u2");
            d["rw"] = copy_column(s.rw, "<u2");
            d["relation"] = copy_column(s.relation, "u1");
            return d;
          },
          "Ground truth, one entry per person: dict of numpy arrays nik, kk, name, birth_date "
          "(datetime64[D]), sex, district (6-digit code), village, rt, rw, relation (0 head, 1 "
          "spouse, 2 child).")
      .def_property_readonly(
          "records",
          [](const SamplePopulation& s) {
            const auto& r = s.records;
            py::dict d;
            d["program"] = unicode_column(r.program);
            d["level"] = unicode_column(r.level);
            for (const auto& [key, field] : kRecordFields) d[key] = unicode_column(r.*field);
            d["person"] = copy_column(r.person, "<i8");
            d["damage"] = unicode_column(r.damage);
            return d;
          },
          "Programme records as listed (text, with damage): dict of numpy arrays program, level, "
          "nik, kk, name, "
          "birth_date, sex, address, village, district, rt, rw (str; '' = missing), person (int64: "
          "the true "
          "person's index) and damage ('' or what was done to the record).")
      .def(
          "program_records",
          [](const SamplePopulation& s, const std::string& program) {
            const auto& r = s.records;
            py::list out;
            for (std::size_t i = 0; i < r.program.size(); ++i) {
              if (r.program[i] != program) continue;
              py::dict d;
              for (const auto& [key, field] : kRecordFields) {
                const std::string& value = (r.*field)[i];
                if (!value.empty()) d[key] = value;
              }
              out.append(d);
            }
            return out;
          },
          py::arg("program"),
          "One programme's records as a list of dicts, ready for Registry.add_records.")
      .def(
          "programs",
          [](const SamplePopulation&) {
            py::list out;
            for (const auto& [name, level] : sample_programs())
              out.append(py::make_tuple(name, program_level_name(level)));
            return out;
          },
          "The sample's programmes as (name, level) pairs.")
      .def(
          "write_csv",
          [](const SamplePopulation& s, py::handle folder) {
            const std::string dir = path_of(folder);
            py::gil_scoped_release release;
            return write_sample_csv(s, dir);
          },
          py::arg("folder"),
          "Writes <folder>/<PROGRAM>.csv for every programme; returns the paths.")
      .def("__repr__",
           [](const SamplePopulation& s) {
             return "<SamplePopulation persons=" + std::to_string(s.nik.size()) +
                    " records=" + std::to_string(s.records.nik.size()) +
                    " programs=" + std::to_string(sample_programs().size()) + ">";
           })
      .def_property_readonly("n_persons", [](const SamplePopulation& s) { return s.nik.size(); })
      .def_property_readonly("n_records",
                             [](const SamplePopulation& s) { return s.records.nik.size(); });

  m.def(
      "_sample_banyuwangi",
      [](std::size_t n_persons, std::uint64_t seed) {
        std::shared_ptr<SamplePopulation> s;
        {
          py::gil_scoped_release release;
          s = std::make_shared<SamplePopulation>(sample_banyuwangi(n_persons, seed));
        }
        return s;
      },
      py::arg("n_persons"), py::arg("seed") = 0, "See smartkampung.sample.banyuwangi.");
}

}  // namespace smartkampung::python
