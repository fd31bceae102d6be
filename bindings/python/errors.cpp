#include <smartkampung/error.hpp>
#include <smartkampung/nik.hpp>

#include "bindings.hpp"

#include <map>

namespace smartkampung::python {

namespace {
// Leaked on purpose: Python objects must not be released after the interpreter is gone.
std::map<std::string, py::object>& types() {
  static auto* map = new std::map<std::string, py::object>();
  return *map;
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kState: return "state";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kParse: return "parse";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}
}  // namespace

py::object add_exception(py::module_& m, const char* name, const char* doc, py::handle extra_base) {
  const std::string qualified = std::string("smartkampung.") + name;
  py::object base = types().count("Error") ? types()["Error"] : py::reinterpret_borrow<py::object>(PyExc_ValueError);
  py::object bases = extra_base ? py::object(py::make_tuple(base, extra_base)) : base;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  py::object obj = py::reinterpret_steal<py::object>(type);
  m.attr(name) = obj;
  types()[name] = obj;
  return obj;
}

py::object exception_type(const char* name) { return types().at(name); }

void set_python_error(py::handle type, const std::string& message,
                      std::initializer_list<std::pair<const char*, py::object>> attrs) {
  py::object instance = type(message);
  for (const auto& [key, value] : attrs) instance.attr(key) = value;
  PyErr_SetObject(type.ptr(), instance.ptr());
}

void register_errors(py::module_& m) {
  add_exception(m, "Error",
                "Base of every smartkampung error; a ValueError. Messages never contain "
                "personal data.");
  add_exception(m, "NikError",
                "A NIK or KK was rejected; .code names the reason (length, non_digit, "
                "province, birth_date, serial, scientific_notation).");
  add_exception(m, "NotFound", "An unknown id or key; also a KeyError.", PyExc_KeyError);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const NikError& e) {
      set_python_error(exception_type("NikError"), e.what(),
                       {{"code", py::str(nik_reason_name(e.reason()))}});
    } catch (const Error& e) {
      const char* type = e.code() == ErrorCode::kNotFound ? "NotFound" : "Error";
      set_python_error(exception_type(type), e.what(), {{"code", py::str(error_code_name(e.code()))}});
    }
  });
}

}  // namespace smartkampung::python
