// smartkampung._core: calls each area's register function in dependency order.
#include "bindings.hpp"
#include "register_all.inc"

PYBIND11_MODULE(_core, m) {
  m.doc() = "Compiled core of smartkampung (private: import smartkampung instead).";
  m.attr("__version__") = SKAMP_VERSION_FOR_PYTHON;
  smartkampung::python::register_errors(m);
  register_all(m);
  // Last: every function now exists. Argument-type errors name types, never values.
  smartkampung::python::hide_argument_values(m, m.attr("wgs84_distance"));
}
