// The registry area's Python bindings in parts: Registry (register_registry.cpp), its
// reports (registry_reports.cpp) and the synthetic sample population (registry_sample.cpp).
#ifndef SMARTKAMPUNG_BINDINGS_PYTHON_REGISTRY_BINDINGS_HPP
#define SMARTKAMPUNG_BINDINGS_PYTHON_REGISTRY_BINDINGS_HPP

#include "bindings.hpp"

namespace smartkampung::python {

/// LoadReport, DedupReport and ReportOutcome (before Registry, whose methods return them).
void register_registry_reports(py::module_& m);
/// SamplePopulation and _sample_banyuwangi.
void register_registry_sample(py::module_& m);

}  // namespace smartkampung::python

#endif
