#include <smartkampung/error.hpp>
#include <smartkampung/nik.hpp>

#include "bindings.hpp"

#include <cmath>

namespace smartkampung::python {

namespace {
py::module_& datetime_module() {
  static auto* mod = new py::module_(py::module_::import("datetime"));
  return *mod;
}
}  // namespace

Date to_date(py::handle obj) {
  py::module_& dt = datetime_module();
  if (!py::isinstance(obj, dt.attr("date"))) {
    throw py::type_error("expected a datetime.date, got " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  return Date::from_ymd(obj.attr("year").cast<int>(), obj.attr("month").cast<int>(),
                        obj.attr("day").cast<int>());
}

Date to_date_or_today(py::handle obj) { return obj.is_none() ? today() : to_date(obj); }

py::object from_date(Date d) {
  return datetime_module().attr("date")(d.year(), d.month(), d.day());
}

Instant to_instant(py::handle obj) {
  py::module_& dt = datetime_module();
  if (!py::isinstance(obj, dt.attr("datetime"))) {
    throw py::type_error("expected a timezone-aware datetime.datetime");
  }
  if (obj.attr("tzinfo").is_none() || obj.attr("utcoffset")().is_none()) {
    throw Error(ErrorCode::kInvalidArgument,
                "naive datetime: give a timezone-aware datetime (e.g. tzinfo=timezone.utc)");
  }
  const double ts = obj.attr("timestamp")().cast<double>();
  return static_cast<Instant>(std::floor(ts));
}

py::object from_instant(Instant t) {
  py::module_& dt = datetime_module();
  return dt.attr("datetime").attr("fromtimestamp")(t, dt.attr("timezone").attr("utc"));
}

StringColumn to_string_column(py::handle seq) {
  StringColumn col;
  if (py::isinstance<py::array>(seq)) {
    py::array arr = py::reinterpret_borrow<py::array>(seq);
    const char kind = arr.dtype().kind();
    if ((kind == 'U' || kind == 'S') && arr.ndim() == 1) {
      py::array contiguous = py::array::ensure(arr, py::array::c_style);
      const std::size_t n = static_cast<std::size_t>(contiguous.shape(0));
      const std::size_t item = static_cast<std::size_t>(contiguous.itemsize());
      const char* base = static_cast<const char*>(contiguous.data());
      const std::size_t width = kind == 'U' ? item / 4 : item;
      col.storage.reserve(n * width);
      col.spans.reserve(n);
      col.missing.assign(n, false);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t start = col.storage.size();
        const char* p = base + i * item;
        for (std::size_t c = 0; c < width; ++c) {
          std::uint32_t code;
          if (kind == 'U') {
            std::memcpy(&code, p + 4 * c, 4);
          } else {
            code = static_cast<unsigned char>(p[c]);
          }
          if (code == 0) break;  // numpy pads with NULs
          // Non-ASCII characters can never be part of a NIK: keep them as a marker byte.
          col.storage.push_back(code < 128 ? static_cast<char>(code) : '\x7f');
        }
        col.spans.emplace_back(start, col.storage.size() - start);
      }
      return col;
    }
  }
  for (py::handle item : seq) {
    const std::size_t start = col.storage.size();
    bool missing = false;
    if (PyUnicode_Check(item.ptr())) {
      Py_ssize_t len = 0;
      const char* utf8 = PyUnicode_AsUTF8AndSize(item.ptr(), &len);
      if (utf8 == nullptr) throw py::error_already_set();
      col.storage.append(utf8, static_cast<std::size_t>(len));
    } else if (PyBytes_Check(item.ptr())) {
      col.storage.append(PyBytes_AS_STRING(item.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(item.ptr())));
    } else if (item.is_none() || (PyFloat_Check(item.ptr()) && std::isnan(PyFloat_AS_DOUBLE(item.ptr())))) {
      missing = true;
    } else {
      col.storage += py::str(item).cast<std::string>();
    }
    col.spans.emplace_back(start, col.storage.size() - start);
    col.missing.push_back(missing);
  }
  return col;
}

std::string path_of(py::handle path) {
  return py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>();
}

}  // namespace smartkampung::python
