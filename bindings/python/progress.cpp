// The progress of long calls: the core's Progress hook over smartkampung._progress.
#include <smartkampung/error.hpp>

#include "bindings.hpp"

namespace smartkampung::python {

ProgressHook::ProgressHook(py::handle progress, std::size_t size, const char* what,
                           const char* unit)
    : what_(what) {
  // Leaked on purpose: Python objects must not be released after the interpreter is gone.
  static auto* make =
      new py::object(py::module_::import("smartkampung._progress").attr("callback"));
  report_ = (*make)(progress, size, what, py::arg("unit") = unit);
  if (report_.is_none()) return;
  hook_ = [this](std::size_t done, std::size_t total) {
    py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      stopped_ = !report_(done, total).cast<bool>();
      stopped_at_end_ = stopped_ && done == total;
    } catch (...) {
      failed_ = std::current_exception();
      stopped_ = true;
    }
    return !stopped_;
  };
}

ProgressHook::~ProgressHook() = default;

void ProgressHook::raise_if_stopped(bool returned) {
  if (!stopped_) return;
  if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
  if (returned && stopped_at_end_) return;
  set_python_error(exception_type("Cancelled"), what_ + ": cancelled by its progress callback",
                   {{"code", py::str("cancelled")}});
  throw py::error_already_set();
}

}  // namespace smartkampung::python
