// Linkage records and settings from Python (register_linkage.cpp), shared with the
// bindings of linking in parts (register_scale.cpp).
#ifndef SMARTKAMPUNG_BINDINGS_PYTHON_LINKAGE_RECORDS_HPP
#define SMARTKAMPUNG_BINDINGS_PYTHON_LINKAGE_RECORDS_HPP

#include <smartkampung/intake.hpp>
#include <smartkampung/linkage.hpp>
#include <string>
#include <vector>

#include "bindings.hpp"

namespace smartkampung::python {

/// A dict's keys through the intake's alias table, its values as text (not yet canonical).
LinkRecord link_record_from(py::handle obj, std::size_t index, KeyedIntake& intake);
/// None (defaults), a dict or a JSON string.
LinkSettings link_settings_from(py::handle obj);
py::dict link_settings_dict(const LinkSettings& s);

}  // namespace smartkampung::python

#endif
