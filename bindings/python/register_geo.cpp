// Python bindings of the geo area: FacilityIndex.
#include <cmath>
#include <limits>
#include <optional>
#include <smartkampung/geo.hpp>
#include <smartkampung/tables.hpp>
#include <string>

#include "bindings.hpp"

namespace py = pybind11;
using namespace smartkampung;
using namespace smartkampung::geo;

namespace {

template <typename T>
using Array = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <typename T>
Array<T> column(py::handle obj, const char* name, std::optional<std::size_t> n = std::nullopt) {
  Array<T> arr = Array<T>::ensure(obj);
  if (!arr) {
    PyErr_Clear();
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be a 1-D array of numbers");
  }
  if (arr.ndim() != 1) throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be 1-D");
  if (n && static_cast<std::size_t>(arr.shape(0)) != *n) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " has " +
                                                 std::to_string(arr.shape(0)) +
                                                 " entries, expected " + std::to_string(*n));
  }
  return arr;
}

void same_length(std::size_t got, std::size_t n, const char* name) {
  if (got != n) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " has " + std::to_string(got) +
                                                 " entries, expected " + std::to_string(n));
  }
}

Filter make_filter(std::int32_t min_free, const std::optional<std::string>& kind,
                   bool include_closed) {
  if (min_free < 0) throw Error(ErrorCode::kInvalidArgument, "min_free must be >= 0");
  Filter f;
  f.min_free = min_free;
  f.kind = kind;
  f.include_closed = include_closed;
  return f;
}

py::list neighbors(const std::vector<Neighbor>& found) {
  py::list out(found.size());
  for (std::size_t i = 0; i < found.size(); ++i)
    out[i] = py::make_tuple(found[i].id, found[i].distance_m);
  return out;
}

AssignMode parse_mode(const std::string& mode) {
  if (mode == "greedy") return AssignMode::kGreedy;
  if (mode == "optimal") return AssignMode::kOptimal;
  throw Error(ErrorCode::kInvalidArgument,
              "mode must be 'greedy' or 'optimal', not '" + mode + "'");
}

// Loads with `rejected` (a list) receiving (line, reason) tuples, or raising when None.
template <typename Load>
FacilityIndex load_with(py::object rejected, const Load& load) {
  if (rejected.is_none()) return load(nullptr);
  if (!py::isinstance<py::list>(rejected)) throw py::type_error("rejected must be a list or None");
  std::vector<RejectedRow> rows;
  FacilityIndex index = load(&rows);
  py::list list = rejected.cast<py::list>();
  for (const auto& r : rows) list.append(py::make_tuple(r.line, r.reason));
  return index;
}

py::dict facility_dict(const Facility& f) {
  py::dict d;
  d["id"] = f.id;
  d["name"] = f.name;
  d["lat"] = f.lat;
  d["lon"] = f.lon;
  d["kind"] = f.kind;
  d["capacity"] = f.capacity;
  d["occupied"] = f.occupied;
  d["open"] = f.open;
  return d;
}

Facility make_facility(std::int64_t id, double lat, double lon, std::int32_t capacity,
                       std::int32_t occupied, bool open, const std::string& kind,
                       const std::string& name) {
  Facility f;
  f.id = id;
  f.lat = lat;
  f.lon = lon;
  f.capacity = capacity;
  f.occupied = occupied;
  f.open = open;
  f.kind = kind;
  f.name = name;
  return f;
}

py::dict assignment_dict(Assignment&& a) {
  py::dict d;
  d["total_m"] = a.total_m;
  d["max_m"] = a.max_m;
  d["placed"] = a.placed;
  d["unplaced"] = a.unplaced;
  d["houses"] = python::to_numpy(std::move(a.house));
  return d;
}

// An assignment and, when asked, its table (resident, house, distance_m).
struct AssignOutcome {
  Assignment assignment;
  arrow::Table table;
};

AssignOutcome run_assign(FacilityIndex& index, py::handle lats_obj, py::handle lons_obj,
                         const std::string& mode, py::handle k_obj, bool reserve,
                         py::handle progress, bool with_table) {
  const AssignMode m = parse_mode(mode);
  const std::size_t k = python::count_arg(k_obj, "k");
  const auto lats = column<double>(lats_obj, "lats");
  const std::size_t n = static_cast<std::size_t>(lats.shape(0));
  const auto lons = column<double>(lons_obj, "lons", n);
  python::ProgressHook report(progress, n, "assign", "res");
  return report.run([&](const Progress& hook) {
    AssignOutcome out;
    out.assignment = index.assign(n, lats.data(), lons.data(), m, k, reserve, hook);
    if (with_table)
      out.table = tables::assignment_table(index, out.assignment, lats.data(), lons.data());
    return out;
  });
}

constexpr const char* kAssignDoc =
    "Places residents into open houses without exceeding free beds. 'greedy': in order, each "
    "takes the nearest house with a free bed; 'optimal': minimum total distance (min-cost "
    "max-flow over the k nearest houses plus greedy's choice; a k above the number of houses "
    "means all). Both place min(residents, free beds). Reserves the beds only when "
    "reserve=True. progress: None/True (a tqdm bar for a long call when tqdm is installed), "
    "False, or f(done, total) told the residents done (optimal: 2 n + 1 steps) and returning "
    "False to cancel (smartkampung.Cancelled; nothing is reserved).";

}  // namespace

void register_geo(py::module_& m) {
  // Leaked on purpose: pybind11 keeps the pointer.
  static const std::string& assign_doc = *new std::string(
      std::string(kAssignDoc) +
      " Returns an AssignmentTable (resident, house, distance_m; house and distance null when "
      "unplaced) that still behaves as the numpy int64 array of house ids it was (-1 unplaced: "
      "iterating, indexing, len, tolist, comparisons, np.asarray), with total_m, max_m, placed, "
      "unplaced and houses as attributes.");
  // Calls that take the index's lock do so without the GIL: a long batch holding the lock
  // takes the GIL for its progress reports, so a thread waiting for the lock must not hold it.
  using release_gil = py::call_guard<py::gil_scoped_release>;
  py::class_<FacilityIndex>(m, "FacilityIndex",
                            R"doc(Isolation houses (or any facilities) in a spatial index.

Answers are exact WGS84 ellipsoidal distances in metres (Vincenty), sorted by distance then
id, equal to a linear scan's. Thread safety: queries and bed reservations may run from many
threads at once (bed counts are atomic); add/update/remove wait for running queries.)doc")
      .def(py::init<>(), "An empty index.")
      .def_static(
          "from_arrays",
          [](py::handle ids_obj, py::handle lats_obj, py::handle lons_obj, py::handle capacity_obj,
             py::handle occupied_obj, py::handle open_obj, py::handle kinds_obj) {
            // Integer columns are range-checked, never cast: 2**32 + 3 beds is an error, not 3.
            const auto ids = python::int_column<std::int64_t>(ids_obj, "ids");
            const std::size_t n = ids.size();
            const auto lats = column<double>(lats_obj, "lats", n);
            const auto lons = column<double>(lons_obj, "lons", n);
            const auto capacity = python::int_column<std::int32_t>(capacity_obj, "capacity");
            same_length(capacity.size(), n, "capacity");
            std::optional<std::vector<std::int32_t>> occupied;
            std::optional<Array<std::uint8_t>> open;
            if (!occupied_obj.is_none()) {
              occupied = python::int_column<std::int32_t>(occupied_obj, "occupied");
              same_length(occupied->size(), n, "occupied");
            }
            if (!open_obj.is_none()) {
              py::array as_bool = py::array::ensure(open_obj);
              if (!as_bool)
                throw Error(ErrorCode::kInvalidArgument, "open must be an array of booleans");
              open = column<std::uint8_t>(as_bool.attr("astype")("bool"), "open", n);
            }
            std::vector<std::string> kinds;
            if (!kinds_obj.is_none()) {
              for (py::handle item : kinds_obj)
                kinds.push_back(item.is_none() ? std::string() : py::str(item).cast<std::string>());
              if (kinds.size() != n) {
                throw Error(ErrorCode::kInvalidArgument,
                            "kinds has " + std::to_string(kinds.size()) + " entries, expected " +
                                std::to_string(n));
              }
            }
            py::gil_scoped_release release;
            return FacilityIndex::from_arrays(
                n, ids.data(), lats.data(), lons.data(), capacity.data(),
                occupied ? occupied->data() : nullptr, open ? open->data() : nullptr,
                kinds_obj.is_none() ? nullptr : kinds.data());
          },
          py::arg("ids"), py::arg("lats"), py::arg("lons"), py::arg("capacity"),
          py::arg("occupied") = py::none(), py::arg("open") = py::none(),
          py::arg("kinds") = py::none(),
          "Builds an index from numpy columns (ids int64, lats/lons degrees, capacity beds; "
          "occupied "
          "default 0, open default True, kinds default none). Raises smartkampung.Error naming the "
          "first bad row (NaN or out-of-range coordinates, negative capacity, duplicate id).")
      .def_static(
          "from_csv",
          [](const std::string& path, py::object rejected) {
            return load_with(rejected, [&](std::vector<RejectedRow>* r) {
              return FacilityIndex::load_csv(path, r);
            });
          },
          py::arg("path"), py::arg("rejected") = py::none(),
          "Loads a CSV file (columns id, lat, lon, capacity; optional name, kind, occupied, open). "
          "Bad rows raise smartkampung.Error listing each line and reason, unless `rejected` is a "
          "list: then the good rows load and (line, reason) tuples are appended to it.")
      .def_static(
          "from_csv_text",
          [](const std::string& text, py::object rejected) {
            return load_with(rejected, [&](std::vector<RejectedRow>* r) {
              return FacilityIndex::from_csv_text(text, r);
            });
          },
          py::arg("text"), py::arg("rejected") = py::none(), "As from_csv, from text.")
      .def_static(
          "from_json",
          [](const std::string& path, py::object rejected) {
            return load_with(rejected, [&](std::vector<RejectedRow>* r) {
              return FacilityIndex::load_json(path, r);
            });
          },
          py::arg("path"), py::arg("rejected") = py::none(),
          "Loads a JSON array of facility objects (or {\"facilities\": [...]}); rows are numbered "
          "from 1. Bad rows as from_csv.")
      .def_static(
          "from_json_text",
          [](const std::string& text, py::object rejected) {
            return load_with(rejected, [&](std::vector<RejectedRow>* r) {
              return FacilityIndex::from_json_text(text, r);
            });
          },
          py::arg("text"), py::arg("rejected") = py::none(), "As from_json, from text.")
      .def(py::pickle(
               [](const FacilityIndex& index) {
                 py::list rows;
                 std::vector<Facility> all;
                 {
                   py::gil_scoped_release release;
                   all = index.facilities();
                 }
                 for (const Facility& f : all) {
                   rows.append(py::make_tuple(f.id, py::bytes(f.name), f.lat, f.lon,
                                              py::bytes(f.kind), f.capacity, f.occupied, f.open));
                 }
                 return py::make_tuple(rows);
               },
               [](const py::tuple& state) {
                 if (state.size() != 1)
                   throw Error(ErrorCode::kCorrupt, "damaged facility index (bad pickle state)");
                 std::vector<Facility> list;
                 for (py::handle item : state[0]) {
                   const py::tuple t = py::reinterpret_borrow<py::tuple>(item);
                   if (t.size() != 8)
                     throw Error(ErrorCode::kCorrupt, "damaged facility index (bad pickle state)");
                   Facility f;
                   f.id = t[0].cast<std::int64_t>();
                   f.name = t[1].cast<std::string>();
                   f.lat = t[2].cast<double>();
                   f.lon = t[3].cast<double>();
                   f.kind = t[4].cast<std::string>();
                   f.capacity = t[5].cast<std::int32_t>();
                   f.occupied = t[6].cast<std::int32_t>();
                   f.open = t[7].cast<bool>();
                   list.push_back(std::move(f));
                 }
                 py::gil_scoped_release release;
                 return FacilityIndex(std::move(list));
               }),
           "Pickles with every facility and its bed count (a copy: reservations do not travel "
           "back).")
      .def("__len__", &FacilityIndex::size, release_gil())
      .def("__contains__", &FacilityIndex::contains, py::arg("id"), release_gil())
      .def("__repr__",
           [](const FacilityIndex& i) {
             return "<FacilityIndex of " + std::to_string(i.size()) + " facilities>";
           })
      .def(
          "facility",
          [](const FacilityIndex& i, std::int64_t id) {
            Facility f;
            {
              py::gil_scoped_release release;
              f = i.get(id);
            }
            return facility_dict(f);
          },
          py::arg("id"),
          "The facility as a dict (id, name, lat, lon, kind, capacity, occupied, open); NotFound "
          "if unknown.")
      .def(
          "ids",
          [](const FacilityIndex& i) {
            std::vector<std::int64_t> ids;
            {
              py::gil_scoped_release release;
              for (const auto& f : i.facilities()) ids.push_back(f.id);
            }
            return python::to_numpy(std::move(ids));
          },
          "All facility ids, sorted (numpy int64).")
      .def(
          "add",
          [](FacilityIndex& i, std::int64_t id, double lat, double lon, std::int32_t capacity,
             std::int32_t occupied, bool open, const std::string& kind, const std::string& name) {
            i.add(make_facility(id, lat, lon, capacity, occupied, open, kind, name));
          },
          py::arg("id"), py::arg("lat"), py::arg("lon"), py::arg("capacity"),
          py::arg("occupied") = 0, py::arg("open") = true, py::arg("kind") = "",
          py::arg("name") = "", release_gil(),
          "Adds a facility without rebuilding the index; smartkampung.Error on a duplicate id or "
          "bad field.")
      .def(
          "update",
          [](FacilityIndex& i, std::int64_t id, double lat, double lon, std::int32_t capacity,
             std::int32_t occupied, bool open, const std::string& kind, const std::string& name) {
            i.update(make_facility(id, lat, lon, capacity, occupied, open, kind, name));
          },
          py::arg("id"), py::arg("lat"), py::arg("lon"), py::arg("capacity"),
          py::arg("occupied") = 0, py::arg("open") = true, py::arg("kind") = "",
          py::arg("name") = "", release_gil(),
          "Replaces the facility with this id; NotFound if unknown.")
      .def("remove", &FacilityIndex::remove, py::arg("id"), release_gil(),
           "Removes a facility; NotFound if unknown.")
      .def(
          "nearest",
          [](const FacilityIndex& i, double lat, double lon, py::handle k, std::int32_t min_free,
             std::optional<std::string> kind, bool include_closed) {
            const std::size_t count = python::count_arg(k, "k");
            const Filter filter = make_filter(min_free, kind, include_closed);
            std::vector<Neighbor> found;
            {
              py::gil_scoped_release release;
              found = i.nearest(lat, lon, count, filter);
            }
            return neighbors(found);
          },
          py::arg("lat"), py::arg("lon"), py::arg("k") = 1, py::arg("min_free") = 0,
          py::arg("kind") = py::none(), py::arg("include_closed") = false,
          "The k nearest open facilities with at least min_free free beds (0: any) and of `kind` "
          "(None: any), as a list of (id, distance_m), nearest first, ties by id. Any k above the "
          "number of facilities means all of them; a negative k raises smartkampung.Error.")
      .def(
          "nearest_batch",
          [](const FacilityIndex& i, py::handle lats_obj, py::handle lons_obj, py::handle k_obj,
             std::int32_t min_free, std::optional<std::string> kind, bool include_closed,
             py::handle progress) {
            const Filter filter = make_filter(min_free, kind, include_closed);
            const auto lats = column<double>(lats_obj, "lats");
            const std::size_t n = static_cast<std::size_t>(lats.shape(0));
            const auto lons = column<double>(lons_obj, "lons", n);
            // Rows of min(k, facilities): a larger k asks for all of them.
            const std::size_t k = i.answer_width(python::count_arg(k_obj, "k"));
            if (n > 0 && k > static_cast<std::size_t>(std::numeric_limits<py::ssize_t>::max()) /
                                 sizeof(double) / n) {
              throw Error(ErrorCode::kInvalidArgument,
                          "nearest_batch: n * k answers exceed any array");
            }
            std::vector<std::int64_t> ids(n * k);
            std::vector<double> dists(n * k);
            python::ProgressHook report(progress, n, "nearest_batch", "query");
            arrow::Table table = report.run([&](const Progress& hook) {
              i.nearest_batch(n, lats.data(), lons.data(), k, filter, ids.data(), dists.data(), 0,
                              hook);
              return tables::nearest_table(n, k, ids.data(), dists.data());
            });
            const std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(n),
                                                    static_cast<py::ssize_t>(k)};
            py::dict options;
            options["ids"] = python::to_numpy(std::move(ids)).reshape(shape);
            options["distances"] = python::to_numpy(std::move(dists)).reshape(shape);
            return python::table_object(std::move(table), "NearestTable", options);
          },
          py::arg("lats"), py::arg("lons"), py::arg("k") = 1, py::arg("min_free") = 0,
          py::arg("kind") = py::none(), py::arg("include_closed") = false,
          py::arg("progress") = py::none(),
          "nearest() for many points at once, on all cores with the GIL released. Returns a "
          "NearestTable (query, rank, id, distance_m: one row per answer, missing answers left "
          "out) that still unpacks as the (ids, dists) pair it was: numpy arrays of shape (n, "
          "min(k, len(self))) (a k above the number of facilities asks for all), id -1 and "
          "distance inf where fewer qualify (also .ids and .distances). progress: None/True (a "
          "tqdm bar for a long call when tqdm is installed), False, or f(done, total) told the "
          "queries answered and returning False to cancel (smartkampung.Cancelled).")
      .def(
          "within",
          [](const FacilityIndex& i, double lat, double lon, double radius_m, std::int32_t min_free,
             std::optional<std::string> kind, bool include_closed) {
            const Filter filter = make_filter(min_free, kind, include_closed);
            std::vector<Neighbor> found;
            {
              py::gil_scoped_release release;
              found = i.within(lat, lon, radius_m, filter);
            }
            return neighbors(found);
          },
          py::arg("lat"), py::arg("lon"), py::arg("radius_m"), py::arg("min_free") = 0,
          py::arg("kind") = py::none(), py::arg("include_closed") = false,
          "Every open facility (with the same filters as nearest) within radius_m metres, as a "
          "list "
          "of (id, distance_m) sorted by distance then id.")
      .def("reserve", &FacilityIndex::reserve, py::arg("id"), py::arg("n") = 1, release_gil(),
           "Takes n free beds atomically: True when taken, False when not free (or closed). "
           "NotFound "
           "for an unknown id.")
      .def("release", &FacilityIndex::release, py::arg("id"), py::arg("n") = 1, release_gil(),
           "Frees n beds; smartkampung.Error (and no change) when fewer than n are occupied.")
      .def("free_beds", &FacilityIndex::free_beds, py::arg("id"), release_gil(),
           "capacity - occupied; NotFound if unknown.")
      .def(
          "nearest_reserve",
          [](FacilityIndex& i, double lat, double lon, std::int32_t n,
             std::optional<std::string> kind) -> py::object {
            const Filter filter = make_filter(0, kind, false);
            std::optional<Neighbor> got;
            {
              py::gil_scoped_release release;
              got = i.nearest_reserve(lat, lon, n, filter);
            }
            if (!got) return py::none();
            return py::make_tuple(got->id, got->distance_m);
          },
          py::arg("lat"), py::arg("lon"), py::arg("n") = 1, py::arg("kind") = py::none(),
          "Finds the nearest open facility with n free beds and reserves them in one atomic step: "
          "(id, distance_m), or None when none has room.")
      .def(
          "assign",
          [](FacilityIndex& i, py::handle lats, py::handle lons, const std::string& mode,
             py::handle k, bool reserve, py::handle progress) {
            AssignOutcome out = run_assign(i, lats, lons, mode, k, reserve, progress, true);
            py::dict options;
            options["total_m"] = out.assignment.total_m;
            options["max_m"] = out.assignment.max_m;
            options["placed"] = out.assignment.placed;
            options["unplaced"] = out.assignment.unplaced;
            options["houses"] = python::to_numpy(std::move(out.assignment.house));
            return python::table_object(std::move(out.table), "AssignmentTable", options);
          },
          py::arg("lats"), py::arg("lons"), py::arg("mode") = "greedy", py::arg("k") = 20,
          py::arg("reserve") = false, py::arg("progress") = py::none(), assign_doc.c_str())
      .def(
          "assign_report",
          [](FacilityIndex& i, py::handle lats, py::handle lons, const std::string& mode,
             py::handle k, bool reserve, py::handle progress) {
            return assignment_dict(
                run_assign(i, lats, lons, mode, k, reserve, progress, false).assignment);
          },
          py::arg("lats"), py::arg("lons"), py::arg("mode") = "greedy", py::arg("k") = 20,
          py::arg("reserve") = false, py::arg("progress") = py::none(),
          "As assign, returning a dict: houses (array), total_m, max_m, placed, unplaced.");

  m.def(
      "wgs84_distance",
      [](double lat1, double lon1, double lat2, double lon2) {
        const double d = wgs84_distance(lat1, lon1, lat2, lon2);
        if (std::isnan(d)) {
          throw Error(ErrorCode::kInvalidArgument,
                      "latitudes must be in [-90, 90] and longitudes in [-180, 180]");
        }
        return d;
      },
      py::arg("lat1"), py::arg("lon1"), py::arg("lat2"), py::arg("lon2"),
      "WGS84 ellipsoidal distance in metres between two points in degrees (Vincenty's formula).");
}
