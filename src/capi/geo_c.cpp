#include <smartkampung/c/geo.h>

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <smartkampung/geo.hpp>
#include <smartkampung/tables.hpp>
#include <type_traits>

#include "capi/arrow_c.hpp"
#include "capi/guard.hpp"

struct skamp_facility_index {
  smartkampung::geo::FacilityIndex index;
};

using namespace smartkampung;
using smartkampung::capi::check_count;
using smartkampung::capi::check_text;
using smartkampung::capi::guard;
using smartkampung::capi::require;
using smartkampung::capi::require_text;

namespace {

// A C caller may pass any int; reading it as the enum would be undefined behaviour in C++
// when it is out of range, so its bytes are read as an int.
// Taken by reference: a C caller may pass any int, and copying an out-of-range value as
// the enum would itself be undefined behaviour in C++, so only its bytes are read.
geo::AssignMode assign_mode_of(const skamp_assign_mode& mode) {
  static_assert(sizeof(skamp_assign_mode) == sizeof(int), "skamp_assign_mode is int-sized");
  int mode_value = 0;
  std::memcpy(&mode_value, &mode, sizeof mode_value);
  if (mode_value != SKAMP_ASSIGN_GREEDY && mode_value != SKAMP_ASSIGN_OPTIMAL) {
    throw Error(ErrorCode::kInvalidArgument,
                "mode must be SKAMP_ASSIGN_GREEDY or SKAMP_ASSIGN_OPTIMAL");
  }
  return mode_value == SKAMP_ASSIGN_OPTIMAL ? geo::AssignMode::kOptimal : geo::AssignMode::kGreedy;
}

geo::Filter to_filter(const skamp_facility_filter* f) {
  geo::Filter filter;
  if (f == nullptr) return filter;
  if (f->size < offsetof(skamp_facility_filter, min_free) + sizeof(f->min_free)) {
    throw Error(ErrorCode::kInvalidArgument,
                "filter->size is too small: set it to sizeof(skamp_facility_filter)");
  }
  if (f->min_free < 0) throw Error(ErrorCode::kInvalidArgument, "filter->min_free must be >= 0");
  filter.min_free = f->min_free;
  if (SKAMP_HAS_FIELD(f, kind) && f->kind != nullptr) {
    check_text(f->kind, "filter->kind");
    filter.kind = std::string(f->kind);
  }
  if (SKAMP_HAS_FIELD(f, include_closed)) filter.include_closed = f->include_closed != 0;
  return filter;
}

geo::Facility to_facility(const skamp_facility* f) {
  require(f, "facility");
  if (f->size < offsetof(skamp_facility, open) + sizeof(f->open)) {
    throw Error(ErrorCode::kInvalidArgument,
                "facility->size is too small: set it to sizeof(skamp_facility)");
  }
  geo::Facility out;
  out.id = f->id;
  out.lat = f->lat;
  out.lon = f->lon;
  out.capacity = f->capacity;
  out.occupied = f->occupied;
  out.open = f->open != 0;
  if (SKAMP_HAS_FIELD(f, kind) && f->kind != nullptr) {
    check_text(f->kind, "facility->kind");
    out.kind = f->kind;
  }
  if (SKAMP_HAS_FIELD(f, name) && f->name != nullptr) {
    check_text(f->name, "facility->name");
    out.name = f->name;
  }
  return out;
}

template <typename T>
T* copy_array(const std::vector<T>& values) {
  if (values.empty()) return nullptr;
  auto* out = static_cast<T*>(std::malloc(values.size() * sizeof(T)));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, values.data(), values.size() * sizeof(T));
  return out;
}

}  // namespace

extern "C" {

skamp_status skamp_geo_index_new(skamp_facility_index** out, size_t n, const int64_t* ids,
                                 const double* lats, const double* lons, const int32_t* capacity,
                                 const int32_t* occupied, const uint8_t* open,
                                 const char* const* kinds) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    check_count(n, sizeof(int64_t), "n");
    if (n > 0) {
      require(ids, "ids");
      require(lats, "lats");
      require(lons, "lons");
      require(capacity, "capacity");
    }
    std::vector<std::string> kind_text;
    if (kinds != nullptr) {
      kind_text.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        if (kinds[i] != nullptr && !detail::is_valid_utf8(kinds[i])) {
          throw Error(ErrorCode::kInvalidArgument,
                      "kinds[" + std::to_string(i) + "] is not valid UTF-8");
        }
        kind_text.emplace_back(kinds[i] != nullptr ? kinds[i] : "");
      }
    }
    auto index = geo::FacilityIndex::from_arrays(n, ids, lats, lons, capacity, occupied, open,
                                                 kinds != nullptr ? kind_text.data() : nullptr);
    *out = new skamp_facility_index{std::move(index)};
  });
}

skamp_status skamp_geo_index_new_csv(skamp_facility_index** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    *out = new skamp_facility_index{geo::FacilityIndex::load_csv(path)};
  });
}

skamp_status skamp_geo_index_new_json_file(skamp_facility_index** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    *out = new skamp_facility_index{geo::FacilityIndex::load_json(path)};
  });
}

void skamp_geo_index_free(skamp_facility_index* index) { delete index; }

skamp_status skamp_geo_index_size(size_t* out, const skamp_facility_index* index) {
  return guard([&] {
    require(out, "out");
    require(index, "index");
    *out = index->index.size();
  });
}

skamp_status skamp_geo_index_add(skamp_facility_index* index, const skamp_facility* facility) {
  return guard([&] {
    require(index, "index");
    index->index.add(to_facility(facility));
  });
}

skamp_status skamp_geo_index_update(skamp_facility_index* index, const skamp_facility* facility) {
  return guard([&] {
    require(index, "index");
    index->index.update(to_facility(facility));
  });
}

skamp_status skamp_geo_index_remove(skamp_facility_index* index, int64_t id) {
  return guard([&] {
    require(index, "index");
    index->index.remove(id);
  });
}

skamp_status skamp_geo_index_nearest(size_t* out_count, int64_t* out_ids, double* out_dists,
                                     const skamp_facility_index* index, double lat, double lon,
                                     size_t k, const skamp_facility_filter* filter) {
  return guard([&] {
    require(out_count, "out_count");
    *out_count = 0;
    require(index, "index");
    if (k > 0) {
      require(out_ids, "out_ids");
      require(out_dists, "out_dists");
    }
    // A k above the number of facilities asks for all of them: only that many entries are
    // written, so k = SIZE_MAX never runs past the caller's arrays.
    const size_t width = index->index.answer_width(k);
    const auto found = index->index.nearest(lat, lon, width, to_filter(filter));
    for (size_t i = 0; i < width; ++i) {
      out_ids[i] = i < found.size() ? found[i].id : -1;
      out_dists[i] =
          i < found.size() ? found[i].distance_m : std::numeric_limits<double>::infinity();
    }
    *out_count = found.size();
  });
}

skamp_status skamp_geo_index_nearest_batch(int64_t* out_ids, double* out_dists,
                                           const skamp_facility_index* index, size_t n,
                                           const double* lats, const double* lons, size_t k,
                                           const skamp_facility_filter* filter) {
  return guard([&] {
    require(index, "index");
    if (n == 0 || k == 0) return;
    check_count(n, sizeof(double), "n");
    require(out_ids, "out_ids");
    require(out_dists, "out_dists");
    require(lats, "lats");
    require(lons, "lons");
    // Rows of min(k, facilities) entries: a k above the number of facilities asks for all.
    index->index.nearest_batch(n, lats, lons, index->index.answer_width(k), to_filter(filter),
                               out_ids, out_dists);
  });
}

skamp_status skamp_geo_index_within(int64_t** out_ids, double** out_dists, size_t* out_count,
                                    const skamp_facility_index* index, double lat, double lon,
                                    double radius_m, const skamp_facility_filter* filter) {
  return guard([&] {
    require(out_ids, "out_ids");
    require(out_dists, "out_dists");
    require(out_count, "out_count");
    *out_ids = nullptr;
    *out_dists = nullptr;
    *out_count = 0;
    require(index, "index");
    const auto found = index->index.within(lat, lon, radius_m, to_filter(filter));
    std::vector<int64_t> ids(found.size());
    std::vector<double> dists(found.size());
    for (size_t i = 0; i < found.size(); ++i) {
      ids[i] = found[i].id;
      dists[i] = found[i].distance_m;
    }
    int64_t* id_array = copy_array(ids);
    double* dist_array = nullptr;
    try {
      dist_array = copy_array(dists);
    } catch (...) {
      std::free(id_array);
      throw;
    }
    *out_ids = id_array;
    *out_dists = dist_array;
    *out_count = found.size();
  });
}

skamp_status skamp_geo_index_reserve(int* out, skamp_facility_index* index, int64_t id, int32_t n) {
  return guard([&] {
    require(out, "out");
    *out = 0;
    require(index, "index");
    *out = index->index.reserve(id, n) ? 1 : 0;
  });
}

skamp_status skamp_geo_index_release(skamp_facility_index* index, int64_t id, int32_t n) {
  return guard([&] {
    require(index, "index");
    index->index.release(id, n);
  });
}

skamp_status skamp_geo_index_free_beds(int32_t* out, const skamp_facility_index* index,
                                       int64_t id) {
  return guard([&] {
    require(out, "out");
    require(index, "index");
    *out = index->index.free_beds(id);
  });
}

skamp_status skamp_geo_index_nearest_reserve(int64_t* out_id, double* out_dist,
                                             skamp_facility_index* index, double lat, double lon,
                                             int32_t n, const skamp_facility_filter* filter) {
  return guard([&] {
    require(out_id, "out_id");
    require(out_dist, "out_dist");
    *out_id = -1;
    *out_dist = std::numeric_limits<double>::infinity();
    require(index, "index");
    const auto found = index->index.nearest_reserve(lat, lon, n, to_filter(filter));
    if (found) {
      *out_id = found->id;
      *out_dist = found->distance_m;
    }
  });
}

skamp_status skamp_geo_index_assign(int64_t* out_houses, double* out_total_m, double* out_max_m,
                                    skamp_facility_index* index, size_t n, const double* lats,
                                    const double* lons, skamp_assign_mode mode, size_t k,
                                    int reserve) {
  return guard([&] {
    require(index, "index");
    check_count(n, sizeof(double), "n");
    if (n > 0) {
      require(out_houses, "out_houses");
      require(lats, "lats");
      require(lons, "lons");
    }
    const geo::Assignment a =
        index->index.assign(n, lats, lons, assign_mode_of(mode), k, reserve != 0);
    for (size_t i = 0; i < n; ++i) out_houses[i] = a.house[i];
    if (out_total_m != nullptr) *out_total_m = a.total_m;
    if (out_max_m != nullptr) *out_max_m = a.max_m;
  });
}

skamp_status skamp_geo_distance(double* out, double lat1, double lon1, double lat2, double lon2) {
  return guard([&] {
    require(out, "out");
    const double d = geo::wgs84_distance(lat1, lon1, lat2, lon2);
    if (std::isnan(d)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "coordinates must be latitudes in [-90, 90] and longitudes in [-180, 180]");
    }
    *out = d;
  });
}

}  // extern "C"

// ---- Arrow streams ------------------------------------------------------------------------
extern "C" {

skamp_status skamp_geo_index_new_arrow(skamp_facility_index** out,
                                       struct ArrowArrayStream* facilities) {
  return guard([&] {
    capi::TakenStream in(facilities, "facilities");
    require(out, "out");
    *out = nullptr;
    *out = new skamp_facility_index{tables::facility_index(in.reader())};
  });
}

skamp_status skamp_geo_index_nearest_arrow(struct ArrowArrayStream* out,
                                           const skamp_facility_index* index, size_t n,
                                           const double* lats, const double* lons, size_t k,
                                           const skamp_facility_filter* filter) {
  return guard([&] {
    capi::clear_stream(out, "out");
    require(index, "index");
    check_count(n, sizeof(double), "n");
    if (n > 0) {
      require(lats, "lats");
      require(lons, "lons");
    }
    const std::size_t width = index->index.answer_width(k);
    check_count(width, sizeof(double), "k");
    if (width != 0 && n > static_cast<std::size_t>(PTRDIFF_MAX) / sizeof(double) / width) {
      throw Error(ErrorCode::kLimit, "n * k is larger than any array can be");
    }
    std::vector<std::int64_t> ids(n * width, -1);
    std::vector<double> dists(n * width, 0);
    if (n > 0 && width > 0)
      index->index.nearest_batch(n, lats, lons, width, to_filter(filter), ids.data(), dists.data());
    capi::give_stream(tables::nearest_table(n, width, ids.data(), dists.data()), out);
  });
}

skamp_status skamp_geo_index_assign_arrow(struct ArrowArrayStream* out, skamp_facility_index* index,
                                          size_t n, const double* lats, const double* lons,
                                          skamp_assign_mode mode, size_t k, int reserve) {
  return guard([&] {
    capi::clear_stream(out, "out");
    require(index, "index");
    check_count(n, sizeof(double), "n");
    if (n > 0) {
      require(lats, "lats");
      require(lons, "lons");
    }
    const geo::Assignment a =
        index->index.assign(n, lats, lons, assign_mode_of(mode), k, reserve != 0);
    capi::give_stream(tables::assignment_table(index->index, a, lats, lons), out);
  });
}

}  // extern "C"
