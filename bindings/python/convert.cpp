#include <cmath>
#include <cstring>
#include <limits>
#include <smartkampung/error.hpp>
#include <smartkampung/nik.hpp>

#include "bindings.hpp"

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
  // A datetime's timestamp is finite, but year 1 in a zone east of UTC or year 9999 west of
  // it falls outside the supported range: checked, not cast.
  return instant_from_seconds(obj.attr("timestamp")().cast<double>(), "time");
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
      col.storage.append(PyBytes_AS_STRING(item.ptr()),
                         static_cast<std::size_t>(PyBytes_GET_SIZE(item.ptr())));
    } else if (item.is_none() ||
               (PyFloat_Check(item.ptr()) && std::isnan(PyFloat_AS_DOUBLE(item.ptr())))) {
      missing = true;
    } else {
      col.storage += py::str(item).cast<std::string>();
    }
    col.spans.emplace_back(start, col.storage.size() - start);
    col.missing.push_back(missing);
  }
  return col;
}

std::size_t count_arg(py::handle obj, const char* name) {
  if (PyBool_Check(obj.ptr()) || PyFloat_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
    throw py::type_error(std::string(name) + " must be an integer, not " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  const py::object value = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!value) throw py::error_already_set();
  int overflow = 0;
  const long long small = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (small == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (overflow < 0 || (overflow == 0 && small < 0)) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be >= 0");
  }
  if (overflow == 0) return static_cast<std::size_t>(small);
  const unsigned long long big = PyLong_AsUnsignedLongLong(value.ptr());
  if (PyErr_Occurred()) {  // above 2**64 - 1: as many as SIZE_MAX, i.e. all
    PyErr_Clear();
    return std::numeric_limits<std::size_t>::max();
  }
  return big > std::numeric_limits<std::size_t>::max() ? std::numeric_limits<std::size_t>::max()
                                                       : static_cast<std::size_t>(big);
}

namespace {
[[noreturn]] void out_of_range(const char* name, std::size_t row, std::int64_t lo,
                               std::int64_t hi) {
  // The bounds are named, not printed: int64's have 19 digits, which the message scan (and
  // a reader) would take for an identity number.
  const auto bound = [](std::int64_t v) {
    if (v == std::numeric_limits<std::int64_t>::min()) return std::string("-2**63");
    if (v == std::numeric_limits<std::int64_t>::max()) return std::string("2**63 - 1");
    return std::to_string(v);
  };
  const std::string message = std::string(name) + "[" + std::to_string(row) +
                              "] does not fit: it must be in [" + bound(lo) + ", " + bound(hi) +
                              "]";
  PyErr_SetString(PyExc_OverflowError, message.c_str());
  throw py::error_already_set();
}
}  // namespace

std::vector<std::int64_t> checked_ints(py::handle obj, const char* name, std::int64_t lo,
                                       std::int64_t hi) {
  // A list or other sequence is read item by item as Python objects: numpy would turn
  // [2**64 + 1, 1] or [1, 2.5] into floats before anything could be checked.
  py::array arr =
      py::isinstance<py::array>(obj)
          ? py::reinterpret_borrow<py::array>(obj)
          : py::array(py::module_::import("numpy").attr("array")(obj, py::arg("dtype") = "object"));
  if (!arr) {
    PyErr_Clear();
    throw py::type_error(std::string(name) + " must be a 1-D array or sequence of integers");
  }
  if (arr.ndim() != 1) throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be 1-D");
  const auto n = static_cast<std::size_t>(arr.shape(0));
  std::vector<std::int64_t> out(n);
  if (n == 0) return out;  // np.asarray([]) is float64: an empty column has no values to check
  const char kind = arr.dtype().kind();
  if (kind == 'b' || kind == 'i') {  // every bool and signed integer type fits int64 exactly
    const auto wide =
        py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
    if (!wide) throw py::error_already_set();
    const std::int64_t* v = wide.data();
    for (std::size_t i = 0; i < n; ++i) {
      if (v[i] < lo || v[i] > hi) out_of_range(name, i, lo, hi);
      out[i] = v[i];
    }
  } else if (kind == 'u') {  // uint64 does not fit int64: compare unsigned
    const auto wide =
        py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
    if (!wide) throw py::error_already_set();
    const std::uint64_t* v = wide.data();
    for (std::size_t i = 0; i < n; ++i) {
      if (hi < 0 || v[i] > static_cast<std::uint64_t>(hi) || static_cast<std::int64_t>(v[i]) < lo) {
        out_of_range(name, i, lo, hi);
      }
      out[i] = static_cast<std::int64_t>(v[i]);
    }
  } else if (kind == 'O') {  // Python ints beyond 64 bits, or mixed objects
    for (std::size_t i = 0; i < n; ++i) {
      const py::object item = arr.attr("__getitem__")(i);
      if (PyFloat_Check(item.ptr()) || !PyIndex_Check(item.ptr())) {
        throw py::type_error(std::string(name) + "[" + std::to_string(i) +
                             "] must be an integer, not " +
                             std::string(py::str(py::type::of(item).attr("__name__"))));
      }
      const py::object value = py::reinterpret_steal<py::object>(PyNumber_Index(item.ptr()));
      if (!value) throw py::error_already_set();
      int overflow = 0;
      const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
      if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
      if (overflow != 0 || v < lo || v > hi) out_of_range(name, i, lo, hi);
      out[i] = v;
    }
  } else {
    throw py::type_error(std::string(name) + " must hold integers, not " +
                         std::string(py::str(arr.dtype())) + " (floats are not truncated)");
  }
  return out;
}

std::string path_of(py::handle path) {
  return py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>();
}

// A signing key from a SigningKey, a path, or (None) the file named by SMARTKAMPUNG_KEY.
std::shared_ptr<const SigningKey> signing_key_of(py::handle key, bool required) {
  if (key.is_none()) {
    py::object env = py::module_::import("os").attr("environ").attr("get")("SMARTKAMPUNG_KEY");
    if (env.is_none() || env.cast<std::string>().empty()) {
      if (required) {
        throw Error(ErrorCode::kInvalidArgument,
                    "a district signing key is needed (key=..., or SMARTKAMPUNG_KEY)");
      }
      return nullptr;
    }
    return std::make_shared<const SigningKey>(SigningKey::load(env.cast<std::string>()));
  }
  if (py::isinstance<SigningKey>(key))
    return std::make_shared<const SigningKey>(key.cast<SigningKey>());
  return std::make_shared<const SigningKey>(SigningKey::load(path_of(key)));
}

// Public keys from a list of PublicKey objects, paths or district.pub texts (None: none).
std::vector<PublicKey> public_keys_of(py::handle keys) {
  std::vector<PublicKey> out;
  if (keys.is_none()) return out;
  // One key given alone becomes a list of one; the list is owned here (a handle to a
  // temporary would dangle).
  py::object list = py::reinterpret_borrow<py::object>(keys);
  if (py::isinstance<py::str>(keys) || py::isinstance<PublicKey>(keys) ||
      py::hasattr(keys, "__fspath__")) {
    list = py::make_tuple(keys);
  }
  for (py::handle k : list) {
    if (py::isinstance<PublicKey>(k)) {
      out.push_back(k.cast<PublicKey>());
    } else if (py::isinstance<py::str>(k) &&
               k.cast<std::string>().rfind("skamp-ed25519-public/1 ", 0) == 0) {
      out.push_back(PublicKey::from_text(k.cast<std::string>()));
    } else {
      out.push_back(PublicKey::load(path_of(k)));
    }
  }
  return out;
}

}  // namespace smartkampung::python
