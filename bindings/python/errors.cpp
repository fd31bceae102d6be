#include <cstddef>
#include <map>
#include <optional>
#include <smartkampung/error.hpp>
#include <smartkampung/nik.hpp>
#include <stdexcept>
#include <string_view>

#include "bindings.hpp"

namespace smartkampung::python {

namespace {
// Leaked on purpose: Python objects must not be released after the interpreter is gone.
std::map<std::string, py::object>& types() {
  static auto* map = new std::map<std::string, py::object>();
  return *map;
}

}  // namespace

py::object add_exception(py::module_& m, const char* name, const char* doc, py::handle extra_base) {
  const std::string qualified = std::string("smartkampung.") + name;
  py::object base = types().count("Error") ? types()["Error"]
                                           : py::reinterpret_borrow<py::object>(PyExc_ValueError);
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
  add_exception(m, "Cancelled",
                "A long call stopped by its progress callback (which returned False).");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const NikError& e) {
      set_python_error(exception_type("NikError"), e.what(),
                       {{"code", py::str(nik_reason_name(e.reason()))}});
    } catch (const Error& e) {
      const char* type = e.code() == ErrorCode::kNotFound    ? "NotFound"
                         : e.code() == ErrorCode::kCancelled ? "Cancelled"
                                                             : "Error";
      set_python_error(exception_type(type), e.what(),
                       {{"code", py::str(error_code_name(e.code()))}});
    }
  });
}

// ---- argument-type errors without the arguments --------------------------------
//
// When no overload accepts the arguments, pybind11's dispatcher raises a TypeError that
// lists the supported signatures and then "Invoked with: " and the repr of every argument:
// a NIK, a name, a whole record. Every function of the module shares that one dispatcher,
// so its slot in each function's PyMethodDef is pointed at a wrapper that calls it and, on
// that error, keeps the signatures (function, parameter names, expected types) and puts
// the arguments' type names where their values were.

namespace {

// pybind11's dispatcher as it is declared (nargsf a size_t, where CPython's vectorcall
// slot has a Py_ssize_t): calling it through a pointer of another type is undefined
// (UBSan's -fsanitize=function stops there), so it is called through its own type.
using FastCall = PyObject* (*)(PyObject*, PyObject* const*, std::size_t, PyObject*);
FastCall g_pybind11_dispatcher = nullptr;

std::string type_name_of(PyObject* obj) { return Py_TYPE(obj)->tp_name; }

// The raised TypeError's message, or nullopt when none can be read.
std::optional<std::string> message_of(PyObject* exc) {
  PyObject* text = PyObject_Str(exc);
  if (text == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  Py_ssize_t len = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(text, &len);
  std::optional<std::string> out;
  if (utf8 != nullptr) out.emplace(utf8, static_cast<std::size_t>(len));
  PyErr_Clear();
  Py_DECREF(text);
  return out;
}

PyObject* dispatch_without_values(PyObject* self, PyObject* const* args, Py_ssize_t nargsf,
                                  PyObject* kwnames) {
  PyObject* result = g_pybind11_dispatcher(self, args, static_cast<std::size_t>(nargsf), kwnames);
  if (result != nullptr || !PyErr_ExceptionMatches(PyExc_TypeError)) return result;
  PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
  PyErr_Fetch(&type, &value, &trace);
  PyErr_NormalizeException(&type, &value, &trace);
  const std::optional<std::string> message = value != nullptr ? message_of(value) : std::nullopt;
  static constexpr std::string_view kInvoked = "\nInvoked with: ";
  const std::size_t cut = message ? message->find(kInvoked) : std::string::npos;
  if (cut == std::string::npos || message->find("(): incompatible ") == std::string::npos) {
    PyErr_Restore(type, value, trace);  // another TypeError: raised as it was
    return nullptr;
  }
  std::string text = message->substr(0, cut) + "\nInvoked with argument types: ";
  const Py_ssize_t nargs = PyVectorcall_NARGS(static_cast<std::size_t>(nargsf));
  for (Py_ssize_t i = 0; i < nargs; ++i) text += (i > 0 ? ", " : "") + type_name_of(args[i]);
  const Py_ssize_t nkw = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    const char* key = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, i));
    if (key == nullptr) PyErr_Clear();
    text += std::string(i == 0 ? (nargs > 0 ? "; " : "") : ", ") + (key != nullptr ? key : "?") +
            "=" + type_name_of(args[nargs + i]);
  }
  text += " (values are not shown: they may be personal data)";
  PyObject* cause = value != nullptr ? PyException_GetCause(value) : nullptr;
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(trace);
  PyObject* message_obj =
      PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
  PyObject* fresh =
      message_obj != nullptr ? PyObject_CallOneArg(PyExc_TypeError, message_obj) : nullptr;
  Py_XDECREF(message_obj);
  if (fresh == nullptr) {
    Py_XDECREF(cause);
    return nullptr;
  }
  if (cause != nullptr) PyException_SetCause(fresh, cause);  // steals cause
  PyErr_SetObject(PyExc_TypeError, fresh);
  Py_DECREF(fresh);
  return nullptr;
}

// Points a pybind11 function's method slot at dispatch_without_values (once).
void patch_function(PyObject* func) {
  if (func == nullptr || !PyCFunction_Check(func)) return;
  PyMethodDef* def = reinterpret_cast<PyCFunctionObject*>(func)->m_ml;
  if (def == nullptr ||
      (def->ml_flags & (METH_FASTCALL | METH_KEYWORDS)) != (METH_FASTCALL | METH_KEYWORDS))
    return;
  const auto meth = reinterpret_cast<FastCall>(reinterpret_cast<void (*)()>(def->ml_meth));
  if (meth != g_pybind11_dispatcher) return;  // not pybind11's, or already patched
  def->ml_meth =
      reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dispatch_without_values));
}

void patch_member(py::handle member) {
  PyObject* obj = member.ptr();
  if (PyCFunction_Check(obj)) {
    patch_function(obj);
  } else if (PyInstanceMethod_Check(obj)) {
    patch_function(PyInstanceMethod_GET_FUNCTION(obj));
  } else if (PyObject_TypeCheck(obj, &PyStaticMethod_Type) ||
             PyObject_TypeCheck(obj, &PyClassMethod_Type)) {
    if (py::hasattr(member, "__func__")) patch_function(member.attr("__func__").ptr());
  } else if (PyObject_TypeCheck(obj, &PyProperty_Type)) {  // setters take values too
    for (const char* part : {"fget", "fset", "fdel"}) patch_function(member.attr(part).ptr());
  }
}

}  // namespace

void hide_argument_values(py::module_& m, py::handle any_function) {
  PyObject* f = any_function.ptr();
  if (!PyCFunction_Check(f))
    throw std::runtime_error("hide_argument_values: not a compiled function");
  g_pybind11_dispatcher = reinterpret_cast<FastCall>(
      reinterpret_cast<void (*)()>(reinterpret_cast<PyCFunctionObject*>(f)->m_ml->ml_meth));
  py::dict names = m.attr("__dict__");
  for (auto item : names) {
    py::handle value = item.second;
    if (PyType_Check(value.ptr())) {
      py::dict members = value.attr("__dict__");
      for (auto member : members) patch_member(member.second);
    } else {
      patch_member(value);
    }
  }
}

}  // namespace smartkampung::python
