// Arrow in and out of Python through the PyCapsule protocol: _ArrowTable (a result table
// that hands out its stream and its columns as numpy arrays without copies where Arrow's
// layout is numpy's), and readers over any object that speaks the protocol.
#include <cstring>
#include <smartkampung/arrow.hpp>

#include "arrow/column.hpp"
#include "bindings.hpp"

namespace py = pybind11;
using namespace smartkampung;

namespace smartkampung::python {

namespace {

constexpr const char* kStreamCapsule = "arrow_array_stream";
constexpr const char* kSchemaCapsule = "arrow_schema";
constexpr const char* kArrayCapsule = "arrow_array";

struct PyTable {
  std::shared_ptr<const arrow::Table> table;
};

void stream_capsule_free(PyObject* capsule) {
  auto* s = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(capsule, kStreamCapsule));
  if (s == nullptr) {
    PyErr_Clear();
    return;
  }
  if (s->release != nullptr) s->release(s);
  delete s;
}

void schema_capsule_free(PyObject* capsule) {
  auto* s = static_cast<ArrowSchema*>(PyCapsule_GetPointer(capsule, kSchemaCapsule));
  if (s == nullptr) {
    PyErr_Clear();
    return;
  }
  if (s->release != nullptr) s->release(s);
  delete s;
}

py::object stream_capsule(const std::shared_ptr<const arrow::Table>& table) {
  auto* stream = new ArrowArrayStream{};
  arrow::export_stream(table, stream);
  PyObject* cap = PyCapsule_New(stream, kStreamCapsule, &stream_capsule_free);
  if (cap == nullptr) {
    stream->release(stream);
    delete stream;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::object>(cap);
}

const arrow::detail::ColumnData& column_data(const PyTable& t, const std::string& name) {
  const long c = t.table->find(name);
  if (c < 0) throw py::key_error("no column '" + name + "'");
  return t.table->columns()[static_cast<std::size_t>(c)].data();
}

bool valid_at(const arrow::detail::ColumnData& c, std::int64_t i) {
  if (c.null_count == 0) return true;
  const auto* bits = static_cast<const std::uint8_t*>(c.validity.data());
  return ((bits[i >> 3] >> (i & 7)) & 1) != 0;
}

// A numpy view of a fixed-width buffer, kept alive by the table.
py::array buffer_view(const PyTable& t, const arrow::detail::ColumnData& c, const char* dtype,
                      std::size_t item) {
  auto* keep = new std::shared_ptr<const arrow::Table>(t.table);
  py::capsule owner(keep,
                    [](void* p) { delete static_cast<std::shared_ptr<const arrow::Table>*>(p); });
  static const std::uint64_t kEmpty = 0;
  const void* data = c.values.data() != nullptr ? c.values.data() : &kEmpty;
  py::array out(py::dtype(dtype), {static_cast<py::ssize_t>(c.length)},
                {static_cast<py::ssize_t>(item)}, data, owner);
  // Read-only: the buffers are shared with every stream handed out.
  py::detail::array_proxy(out.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return out;
}

py::object mask_of(const arrow::detail::ColumnData& c) {
  if (c.null_count == 0) return py::none();
  py::array_t<bool> mask(static_cast<py::ssize_t>(c.length));
  bool* m = mask.mutable_data();
  for (std::int64_t i = 0; i < c.length; ++i) m[i] = valid_at(c, i);
  return std::move(mask);
}

std::string_view text_at(const arrow::detail::ColumnData& c, std::int64_t i) {
  const auto* off = static_cast<const std::int32_t*>(c.values.data());
  const char* chars = static_cast<const char*>(c.chars.data());
  return {chars + off[i], static_cast<std::size_t>(off[i + 1] - off[i])};
}

py::object py_text(std::string_view t) {
  PyObject* s = PyUnicode_DecodeUTF8(t.data(), static_cast<Py_ssize_t>(t.size()), "replace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(s);
}

// Python values of rows [0, length) of a column (None for nulls): the rows of a table.
std::vector<py::object> py_values(const arrow::detail::ColumnData& c) {
  std::vector<py::object> out(static_cast<std::size_t>(c.length));
  std::vector<py::object> dict_values;
  if (c.dictionary) {
    for (std::int64_t k = 0; k < c.dictionary->length; ++k)
      dict_values.push_back(py_text(text_at(*c.dictionary, k)));
  }
  std::vector<py::object> items;
  if (c.type == arrow::Type::kList) items = py_values(*c.children[0]);
  static auto* date_type = new py::object(py::module_::import("datetime").attr("date"));
  static auto* from_ts =
      new py::object(py::module_::import("datetime").attr("datetime").attr("fromtimestamp"));
  static auto* utc = new py::object(py::module_::import("datetime").attr("timezone").attr("utc"));
  const void* v = c.values.data();
  for (std::int64_t i = 0; i < c.length; ++i) {
    if (!valid_at(c, i)) {
      out[static_cast<std::size_t>(i)] = py::none();
      continue;
    }
    py::object value;
    if (c.dictionary) {
      value = dict_values[static_cast<std::size_t>(static_cast<const std::int32_t*>(v)[i])];
    } else {
      switch (c.type) {
        case arrow::Type::kUtf8:
          value = py_text(text_at(c, i));
          break;
        case arrow::Type::kBool:
          value = py::bool_(((static_cast<const std::uint8_t*>(v)[i >> 3] >> (i & 7)) & 1) != 0);
          break;
        case arrow::Type::kInt8:
          value = py::int_(static_cast<const std::int8_t*>(v)[i]);
          break;
        case arrow::Type::kInt16:
          value = py::int_(static_cast<const std::int16_t*>(v)[i]);
          break;
        case arrow::Type::kInt32:
          value = py::int_(static_cast<const std::int32_t*>(v)[i]);
          break;
        case arrow::Type::kInt64:
          value = py::int_(static_cast<const std::int64_t*>(v)[i]);
          break;
        case arrow::Type::kFloat64:
          value = py::float_(static_cast<const double*>(v)[i]);
          break;
        case arrow::Type::kDate32: {
          int y = 0, m = 0, d = 0;
          civil_from_days(static_cast<const std::int32_t*>(v)[i], y, m, d);
          value = (*date_type)(y, m, d);
          break;
        }
        case arrow::Type::kTimestamp:
          value = (*from_ts)(static_cast<const std::int64_t*>(v)[i], *utc);
          break;
        case arrow::Type::kList: {
          const auto* off = static_cast<const std::int32_t*>(v);
          py::list l;
          for (std::int32_t k = off[i]; k < off[i + 1]; ++k)
            l.append(items[static_cast<std::size_t>(k)]);
          value = std::move(l);
          break;
        }
        default:
          value = py::none();
      }
    }
    out[static_cast<std::size_t>(i)] = std::move(value);
  }
  return out;
}

}  // namespace

std::optional<arrow::StreamReader> arrow_reader(py::handle obj) {
  py::object source = py::reinterpret_borrow<py::object>(obj);
  const bool is_frame =
      py::hasattr(obj, "to_dict") && py::hasattr(obj, "iloc") && py::hasattr(obj, "columns");
  if (is_frame) {
    // A pandas DataFrame: through pyarrow when it is installed (the index is not data);
    // columns pyarrow cannot type (mixed objects) fall back to the dict path.
    py::object pa;
    try {
      pa = py::module_::import("pyarrow");
    } catch (const py::error_already_set&) {
      return std::nullopt;
    }
    try {
      source = pa.attr("Table").attr("from_pandas")(obj, py::arg("preserve_index") = false);
    } catch (const py::error_already_set& e) {
      if (e.matches(pa.attr("ArrowException"))) return std::nullopt;
      throw;
    }
  }
  if (py::hasattr(source, "__arrow_c_stream__")) {
    py::object cap = source.attr("__arrow_c_stream__")();
    auto* stream = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(cap.ptr(), kStreamCapsule));
    if (stream == nullptr) throw py::error_already_set();
    return arrow::StreamReader(
        stream);  // moves the stream: the capsule's destructor finds it released
  }
  if (py::hasattr(source, "__arrow_c_array__")) {
    py::tuple pair = source.attr("__arrow_c_array__")();
    auto* schema = static_cast<ArrowSchema*>(PyCapsule_GetPointer(pair[0].ptr(), kSchemaCapsule));
    if (schema == nullptr) throw py::error_already_set();
    auto* array = static_cast<ArrowArray*>(PyCapsule_GetPointer(pair[1].ptr(), kArrayCapsule));
    if (array == nullptr) throw py::error_already_set();
    ArrowArrayStream stream{};
    arrow::stream_of(schema, array, &stream);
    return arrow::StreamReader(&stream);
  }
  return std::nullopt;
}

py::object table_object(arrow::Table&& table, const char* cls, py::dict options) {
  static auto* module = new py::object(py::module_::import("smartkampung._table"));
  PyTable t{std::make_shared<const arrow::Table>(std::move(table))};
  return module->attr(cls)(py::cast(std::move(t)), **options);
}

}  // namespace smartkampung::python

void register_arrow(py::module_& m) {
  using python::PyTable;
  py::class_<PyTable>(m, "_ArrowTable",
                      "A result table in Arrow's layout (see smartkampung.Table).")
      .def_property_readonly("num_rows", [](const PyTable& t) { return t.table->rows(); })
      .def_property_readonly("column_names", [](const PyTable& t) { return t.table->names(); })
      .def(
          "__arrow_c_stream__",
          [](const PyTable& t, py::handle requested_schema) {
            (void)requested_schema;  // the table's own types are given: a consumer casts
            return python::stream_capsule(t.table);
          },
          py::arg("requested_schema") = py::none(),
          "The table as an Arrow C stream (PyCapsule protocol).")
      .def(
          "__arrow_c_schema__",
          [](const PyTable& t) {
            auto* schema = new ArrowSchema{};
            arrow::export_schema(*t.table, schema);
            PyObject* cap =
                PyCapsule_New(schema, python::kSchemaCapsule, &python::schema_capsule_free);
            if (cap == nullptr) throw py::error_already_set();
            return py::reinterpret_steal<py::object>(cap);
          },
          "The table's schema as an Arrow C schema (PyCapsule protocol).")
      .def(
          "_column",
          [](const PyTable& t, const std::string& name) -> py::tuple {
            const arrow::detail::ColumnData& c = python::column_data(t, name);
            const py::object mask = python::mask_of(c);
            if (c.dictionary) {
              py::array_t<std::int32_t> codes(static_cast<py::ssize_t>(c.length));
              std::int32_t* out = codes.mutable_data();
              const auto* v = static_cast<const std::int32_t*>(c.values.data());
              for (std::int64_t i = 0; i < c.length; ++i)
                out[i] = python::valid_at(c, i) ? v[i] : -1;
              py::list categories;
              for (std::int64_t k = 0; k < c.dictionary->length; ++k)
                categories.append(python::py_text(python::text_at(*c.dictionary, k)));
              return py::make_tuple("dictionary", codes, mask, categories);
            }
            switch (c.type) {
              case arrow::Type::kInt8:
                return py::make_tuple("int", python::buffer_view(t, c, "i1", 1), mask, py::none());
              case arrow::Type::kInt16:
                return py::make_tuple("int", python::buffer_view(t, c, "i2", 2), mask, py::none());
              case arrow::Type::kInt32:
                return py::make_tuple("int", python::buffer_view(t, c, "i4", 4), mask, py::none());
              case arrow::Type::kInt64:
                return py::make_tuple("int", python::buffer_view(t, c, "i8", 8), mask, py::none());
              case arrow::Type::kFloat64:
                return py::make_tuple("float", python::buffer_view(t, c, "f8", 8), mask,
                                      py::none());
              case arrow::Type::kDate32:
                return py::make_tuple("date", python::buffer_view(t, c, "i4", 4), mask, py::none());
              case arrow::Type::kTimestamp:
                return py::make_tuple("timestamp", python::buffer_view(t, c, "i8", 8), mask,
                                      py::none());
              case arrow::Type::kBool: {
                py::array_t<bool> out(static_cast<py::ssize_t>(c.length));
                bool* o = out.mutable_data();
                const auto* bits = static_cast<const std::uint8_t*>(c.values.data());
                for (std::int64_t i = 0; i < c.length; ++i)
                  o[i] = ((bits[i >> 3] >> (i & 7)) & 1) != 0;
                return py::make_tuple("bool", out, mask, py::none());
              }
              default: {
                std::vector<py::object> values = python::py_values(c);
                py::array out(py::dtype("O"), {static_cast<py::ssize_t>(values.size())}, {});
                auto** slots = static_cast<PyObject**>(out.mutable_data());
                for (std::size_t i = 0; i < values.size(); ++i) {
                  Py_XDECREF(slots[i]);
                  slots[i] = values[i].release().ptr();
                }
                return py::make_tuple(c.type == arrow::Type::kList ? "list" : "object", out, mask,
                                      py::none());
              }
            }
          },
          py::arg("name"),
          "(kind, values, valid mask or None, categories): a column in numpy form; int, float, "
          "date (days) "
          "and timestamp (seconds) values are views of the table's buffers.")
      .def(
          "_rows",
          [](const PyTable& t, py::object names) {
            std::vector<std::vector<py::object>> cols;
            std::vector<std::string> want =
                names.is_none() ? t.table->names() : names.cast<std::vector<std::string>>();
            for (const std::string& n : want)
              cols.push_back(python::py_values(python::column_data(t, n)));
            py::list rows;
            for (std::size_t r = 0; r < t.table->rows(); ++r) {
              py::tuple row(cols.size());
              for (std::size_t c = 0; c < cols.size(); ++c) row[c] = cols[c][r];
              rows.append(row);
            }
            return rows;
          },
          py::arg("names") = py::none(),
          "The rows as tuples of Python values (of `names`, or every column).");

  m.def(
      "_arrow_text_table",
      [](py::handle obj) {
        std::optional<arrow::StreamReader> reader = python::arrow_reader(obj);
        if (!reader)
          throw py::type_error("expected an object with __arrow_c_stream__ or __arrow_c_array__");
        CsvTable table;
        {
          py::gil_scoped_release release;
          table = arrow::read_text_table(*reader);
        }
        return py::make_tuple(table.rows(), table.columns());
      },
      py::arg("source"),
      "Bench and tests: reads an Arrow source through the intake's text table; returns (rows, "
      "columns).");
}
