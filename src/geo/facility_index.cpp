#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <smartkampung/geo.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "geo/assign_solver.hpp"
#include "geo/facility_index_impl.hpp"
#include "geo/geodesy.hpp"

namespace smartkampung::geo {

using detail::Candidate;
using detail::Scratch;
using detail::Vec3;

using detail::check_point;
using detail::id_text;
using detail::thread_scratch;

// ---- validation and slots ----------------------------------------------------

std::string detail::facility_problem(const Facility& f) {
  if (f.id < 0) return "id must be >= 0 (-1 marks 'no facility' in answers)";
  if (!valid_lat(f.lat)) return "latitude must be a number in [-90, 90]";
  if (!valid_lon(f.lon)) return "longitude must be a number in [-180, 180]";
  if (f.capacity < 0) return "capacity must be >= 0";
  if (f.occupied < 0) return "occupied must be >= 0";
  if (f.occupied > f.capacity) return "occupied exceeds capacity";
  return {};
}

std::uint32_t FacilityIndex::Impl::kind_id(const std::string& name) {
  if (name.empty()) return 0;
  const auto it = kind_ids.find(name);
  if (it != kind_ids.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(kinds.size());
  kinds.push_back(name);
  kind_ids.emplace(name, id);
  return id;
}

std::int64_t FacilityIndex::Impl::find_kind(const std::optional<std::string>& name) const {
  if (!name) return -1;
  if (name->empty()) return 0;
  const auto it = kind_ids.find(*name);
  return it == kind_ids.end() ? -2 : static_cast<std::int64_t>(it->second);
}

void FacilityIndex::Impl::grow_occupied(std::size_t need) {
  if (need <= occupied_capacity) return;
  std::size_t cap = std::max<std::size_t>(16, occupied_capacity * 2);
  while (cap < need) cap *= 2;
  auto fresh = std::make_unique<std::atomic<std::int32_t>[]>(cap);
  for (std::size_t i = 0; i < occupied_capacity; ++i) {
    fresh[i].store(occupied[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  occupied = std::move(fresh);
  occupied_capacity = cap;
}

std::uint32_t FacilityIndex::Impl::put_slot(const Facility& f) {
  std::uint32_t s;
  if (!free_slots.empty()) {
    s = free_slots.back();
    free_slots.pop_back();
  } else {
    s = static_cast<std::uint32_t>(ids.size());
    ids.emplace_back();
    lat.emplace_back();
    lon.emplace_back();
    reduced.emplace_back();
    x.emplace_back();
    y.emplace_back();
    z.emplace_back();
    capacity.emplace_back();
    open.emplace_back();
    alive.emplace_back();
    kind.emplace_back();
    names.emplace_back();
    in_free.emplace_back(0);
    grow_occupied(ids.size());
  }
  const Vec3 v = detail::ecef_unit(f.lat, f.lon);
  ids[s] = f.id;
  lat[s] = f.lat;
  lon[s] = f.lon;
  reduced[s] = detail::reduce(f.lat * detail::kDegToRad, f.lon * detail::kDegToRad);
  x[s] = v[0];
  y[s] = v[1];
  z[s] = v[2];
  capacity[s] = f.capacity;
  occupied[s].store(f.occupied, std::memory_order_relaxed);
  open[s] = f.open ? 1 : 0;
  alive[s] = 1;
  kind[s] = kind_id(f.kind);
  names[s] = f.name;
  slot_of[f.id] = s;
  ++alive_count;
  return s;
}

detail::TreeValue FacilityIndex::Impl::tree_value(std::uint32_t s) const {
  return {detail::TreePoint(x[s], y[s], z[s]), s};
}

std::uint32_t FacilityIndex::Impl::slot(std::int64_t id) const {
  const auto it = slot_of.find(id);
  if (it == slot_of.end()) throw Error(ErrorCode::kNotFound, "no facility with id " + id_text(id));
  return it->second;
}

Facility FacilityIndex::Impl::facility(std::uint32_t s) const {
  Facility f;
  f.id = ids[s];
  f.name = names[s];
  f.lat = lat[s];
  f.lon = lon[s];
  f.kind = kinds[kind[s]];
  f.capacity = capacity[s];
  f.occupied = occupied[s].load(std::memory_order_relaxed);
  f.open = open[s] != 0;
  return f;
}

void FacilityIndex::Impl::build(std::vector<Facility> facilities) {
  for (std::size_t i = 0; i < facilities.size(); ++i) {
    const std::string problem = detail::facility_problem(facilities[i]);
    if (!problem.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "facility " + std::to_string(i) + " (id " +
                                                   id_text(facilities[i].id) + "): " + problem);
    }
  }
  slot_of.reserve(facilities.size());
  grow_occupied(facilities.size());
  for (std::size_t i = 0; i < facilities.size(); ++i) {
    if (!slot_of.emplace(facilities[i].id, 0).second) {
      throw Error(ErrorCode::kInvalidArgument,
                  "facility " + std::to_string(i) + ": duplicate id " + id_text(facilities[i].id));
    }
  }
  // Slots in the packed rtree's leaf order (a query over everything visits the leaves in
  // order), so that a query's checks of beds, kind and coordinates read neighbouring
  // memory, not one cache line per facility.
  std::vector<detail::TreeValue> values(facilities.size());
  for (std::uint32_t i = 0; i < facilities.size(); ++i) {
    const Vec3 v = detail::ecef_unit(facilities[i].lat, facilities[i].lon);
    values[i] = {detail::TreePoint(v[0], v[1], v[2]), i};
  }
  std::vector<std::uint32_t> order;
  order.reserve(facilities.size());
  {
    const detail::Tree packed(values.begin(), values.end());
    auto take = [&order](const detail::TreeValue& v) { order.push_back(v.second); };
    packed.query(detail::bgi::satisfies([](const detail::TreeValue&) { return true; }),
                 CallbackOut<decltype(take)>{&take});
  }
  values.clear();
  for (const std::uint32_t i : order) put_slot(facilities[i]);
  for (std::uint32_t s = 0; s < ids.size(); ++s) values.push_back(tree_value(s));
  points = detail::Tree(values.begin(), values.end());  // the packing constructor
  std::vector<detail::TreeValue> free_values;
  for (std::uint32_t s = 0; s < ids.size(); ++s) {
    if (should_be_free(s)) {
      free_values.push_back(tree_value(s));
      in_free[s] = 1;
    }
  }
  free_tree = detail::Tree(free_values.begin(), free_values.end());  // the packing constructor
}

detail::CompiledFilter FacilityIndex::Impl::compile(const Filter& filter) const {
  detail::CompiledFilter c;
  c.min_free = filter.min_free;
  c.kind = find_kind(filter.kind);
  c.include_closed = filter.include_closed;
  return c;
}

// ---- the search -------------------------------------------------------------

void FacilityIndex::Impl::rank(double qlat, double qlon, std::size_t k,
                               std::vector<Candidate>& cands) const {
  // Start the candidates' loads now: each is a cache miss at 100,000 houses, and waiting
  // for them one distance at a time took a fifth of a query.
  for (const Candidate& c : cands) {
    __builtin_prefetch(&reduced[c.slot]);
    __builtin_prefetch(&ids[c.slot]);
  }
  const detail::Reduced query = detail::reduce(qlat * detail::kDegToRad, qlon * detail::kDegToRad);
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    return a.chord2 < b.chord2 || (a.chord2 == b.chord2 && a.slot < b.slot);
  });
  thread_local std::vector<double> best;  // max-heap of the k smallest distances so far
  best.clear();
  std::size_t computed = 0;
  for (; computed < cands.size(); ++computed) {
    Candidate& c = cands[computed];
    // Sorted by chord: once one candidate is certainly beyond the k-th, all later ones are.
    if (k > 0 && best.size() == k && detail::ecef_beyond(c.chord2, best.front())) break;
    c.distance = detail::vincenty(query, reduced[c.slot]);
    c.id = ids[c.slot];
    if (k == 0) continue;
    if (best.size() < k) {
      best.push_back(c.distance);
      std::push_heap(best.begin(), best.end());
    } else if (c.distance < best.front()) {
      std::pop_heap(best.begin(), best.end());
      best.back() = c.distance;
      std::push_heap(best.begin(), best.end());
    }
  }
  cands.resize(computed);
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
  });
}

// ---- construction -------------------------------------------------------------

FacilityIndex::FacilityIndex() : impl_(std::make_unique<Impl>()) {}

FacilityIndex::FacilityIndex(std::vector<Facility> facilities) : impl_(std::make_unique<Impl>()) {
  impl_->build(std::move(facilities));
}

FacilityIndex::~FacilityIndex() = default;
FacilityIndex::FacilityIndex(FacilityIndex&&) noexcept = default;
FacilityIndex& FacilityIndex::operator=(FacilityIndex&&) noexcept = default;

FacilityIndex FacilityIndex::from_arrays(std::size_t n, const std::int64_t* ids, const double* lats,
                                         const double* lons, const std::int32_t* capacity,
                                         const std::int32_t* occupied, const std::uint8_t* open,
                                         const std::string* kinds) {
  if (n > 0 && (ids == nullptr || lats == nullptr || lons == nullptr || capacity == nullptr)) {
    throw Error(ErrorCode::kInvalidArgument, "ids, lats, lons and capacity are required");
  }
  std::vector<Facility> facilities(n);
  for (std::size_t i = 0; i < n; ++i) {
    Facility& f = facilities[i];
    f.id = ids[i];
    f.lat = lats[i];
    f.lon = lons[i];
    f.capacity = capacity[i];
    f.occupied = occupied != nullptr ? occupied[i] : 0;
    f.open = open != nullptr ? open[i] != 0 : true;
    if (kinds != nullptr) f.kind = kinds[i];
  }
  return FacilityIndex(std::move(facilities));
}

std::size_t FacilityIndex::size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->alive_count;
}

bool FacilityIndex::contains(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->slot_of.count(id) != 0;
}

Facility FacilityIndex::get(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->facility(impl_->slot(id));
}

std::vector<Facility> FacilityIndex::facilities() const {
  std::shared_lock lock(impl_->mutex);
  std::vector<Facility> out;
  out.reserve(impl_->alive_count);
  for (std::uint32_t s = 0; s < impl_->ids.size(); ++s) {
    if (impl_->alive[s] != 0) out.push_back(impl_->facility(s));
  }
  std::sort(out.begin(), out.end(),
            [](const Facility& a, const Facility& b) { return a.id < b.id; });
  return out;
}

void FacilityIndex::add(const Facility& facility) {
  const std::string problem = detail::facility_problem(facility);
  if (!problem.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "facility " + id_text(facility.id) + ": " + problem);
  }
  std::unique_lock lock(impl_->mutex);
  if (impl_->slot_of.count(facility.id) != 0) {
    throw Error(ErrorCode::kInvalidArgument, "duplicate facility id " + id_text(facility.id));
  }
  const std::uint32_t s = impl_->put_slot(facility);
  impl_->points.insert(impl_->tree_value(s));
  impl_->sync_free(s);
}

void FacilityIndex::update(const Facility& facility) {
  const std::string problem = detail::facility_problem(facility);
  if (!problem.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "facility " + id_text(facility.id) + ": " + problem);
  }
  std::unique_lock lock(impl_->mutex);
  const std::uint32_t s = impl_->slot(facility.id);
  Impl& m = *impl_;
  if (m.lat[s] != facility.lat || m.lon[s] != facility.lon) {
    m.points.remove(m.tree_value(s));
    if (m.in_free[s] != 0) {
      m.free_tree.remove(m.tree_value(s));
      m.in_free[s] = 0;
    }
    const Vec3 v = detail::ecef_unit(facility.lat, facility.lon);
    m.lat[s] = facility.lat;
    m.lon[s] = facility.lon;
    m.reduced[s] =
        detail::reduce(facility.lat * detail::kDegToRad, facility.lon * detail::kDegToRad);
    m.x[s] = v[0];
    m.y[s] = v[1];
    m.z[s] = v[2];
    m.points.insert(m.tree_value(s));
  }
  m.capacity[s] = facility.capacity;
  m.occupied[s].store(facility.occupied, std::memory_order_relaxed);
  m.open[s] = facility.open ? 1 : 0;
  m.kind[s] = m.kind_id(facility.kind);
  m.names[s] = facility.name;
  m.sync_free(s);
}

void FacilityIndex::remove(std::int64_t id) {
  std::unique_lock lock(impl_->mutex);
  Impl& m = *impl_;
  const std::uint32_t s = m.slot(id);
  m.points.remove(m.tree_value(s));
  if (m.in_free[s] != 0) {
    m.free_tree.remove(m.tree_value(s));
    m.in_free[s] = 0;
  }
  m.alive[s] = 0;
  m.names[s].clear();
  m.slot_of.erase(id);
  m.free_slots.push_back(s);
  --m.alive_count;
}

std::size_t FacilityIndex::answer_width(std::size_t k) const { return std::min(k, size()); }

void FacilityIndex::set_linear_scan_below(std::size_t n) {
  std::unique_lock lock(impl_->mutex);
  impl_->linear_below = n;
}

// ---- queries -------------------------------------------------------------------

namespace {
std::vector<Neighbor> to_neighbors(const std::vector<Candidate>& cands, std::size_t k) {
  std::vector<Neighbor> out;
  const std::size_t n = std::min(k, cands.size());
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back({cands[i].id, cands[i].distance});
  return out;
}
}  // namespace

std::vector<Neighbor> FacilityIndex::nearest(double lat, double lon, std::size_t k,
                                             const Filter& filter) const {
  check_point(lat, lon, "query point");
  std::shared_lock lock(impl_->mutex);
  const Impl& m = *impl_;
  const detail::CompiledFilter f = m.compile(filter);
  Scratch& scratch = thread_scratch();
  const auto pass = [&m, &f](std::uint32_t s) { return m.passes(f, s); };
  if (Impl::wants_free_tree(f)) {
    std::shared_lock free_lock(m.free_mutex);
    m.knn(m.tree_for(f), lat, lon, k, pass, scratch);
  } else {
    m.knn(nullptr, lat, lon, k, pass, scratch);
  }
  return to_neighbors(scratch.cands, k);
}

std::vector<Neighbor> FacilityIndex::within(double lat, double lon, double radius_m,
                                            const Filter& filter) const {
  check_point(lat, lon, "query point");
  if (!(radius_m >= 0.0))
    throw Error(ErrorCode::kInvalidArgument, "radius_m must be a number >= 0");
  std::shared_lock lock(impl_->mutex);
  const Impl& m = *impl_;
  const detail::CompiledFilter f = m.compile(filter);
  Scratch& scratch = thread_scratch();
  m.radius(lat, lon, radius_m, [&m, &f](std::uint32_t s) { return m.passes(f, s); }, scratch);
  return to_neighbors(scratch.cands, scratch.cands.size());
}

std::vector<Neighbor> FacilityIndex::nearest_if(double lat, double lon, std::size_t k,
                                                const IdPredicate& accept) const {
  check_point(lat, lon, "query point");
  if (!accept) throw Error(ErrorCode::kInvalidArgument, "accept is empty");
  std::shared_lock lock(impl_->mutex);
  const Impl& m = *impl_;
  Scratch& scratch = thread_scratch();
  m.knn(
      lat, lon, k, [&m, &accept](std::uint32_t s) { return m.alive[s] != 0 && accept(m.ids[s]); },
      scratch);
  return to_neighbors(scratch.cands, k);
}

std::vector<Neighbor> FacilityIndex::within_if(double lat, double lon, double radius_m,
                                               const IdPredicate& accept) const {
  check_point(lat, lon, "query point");
  if (!(radius_m >= 0.0))
    throw Error(ErrorCode::kInvalidArgument, "radius_m must be a number >= 0");
  if (!accept) throw Error(ErrorCode::kInvalidArgument, "accept is empty");
  std::shared_lock lock(impl_->mutex);
  const Impl& m = *impl_;
  Scratch& scratch = thread_scratch();
  m.radius(
      lat, lon, radius_m,
      [&m, &accept](std::uint32_t s) { return m.alive[s] != 0 && accept(m.ids[s]); }, scratch);
  return to_neighbors(scratch.cands, scratch.cands.size());
}

// ---- beds ----------------------------------------------------------------------

bool FacilityIndex::reserve(std::int64_t id, std::int32_t n) {
  if (n < 1) throw Error(ErrorCode::kInvalidArgument, "reserve: n must be >= 1");
  std::shared_lock lock(impl_->mutex);
  return impl_->try_reserve(impl_->slot(id), n);
}

bool FacilityIndex::Impl::try_reserve(std::uint32_t s, std::int32_t n) {
  if (open[s] == 0) return false;
  std::atomic<std::int32_t>& occ = occupied[s];
  std::int32_t current = occ.load(std::memory_order_relaxed);
  do {
    if (capacity[s] - current < n) return false;
  } while (!occ.compare_exchange_weak(current, current + n, std::memory_order_acq_rel,
                                      std::memory_order_relaxed));
  if (capacity[s] - (current + n) <= 0) sync_free_locked(s);  // the last free bed went
  return true;
}

void FacilityIndex::release(std::int64_t id, std::int32_t n) {
  if (n < 1) throw Error(ErrorCode::kInvalidArgument, "release: n must be >= 1");
  std::shared_lock lock(impl_->mutex);
  const std::uint32_t s = impl_->slot(id);
  std::atomic<std::int32_t>& occ = impl_->occupied[s];
  std::int32_t current = occ.load(std::memory_order_relaxed);
  do {
    if (current < n) {
      throw Error(ErrorCode::kInvalidArgument, "release of " + std::to_string(n) +
                                                   " beds at facility " + id_text(id) + ": only " +
                                                   std::to_string(current) + " occupied");
    }
  } while (!occ.compare_exchange_weak(current, current - n, std::memory_order_acq_rel,
                                      std::memory_order_relaxed));
  if (impl_->capacity[s] - current <= 0) impl_->sync_free_locked(s);  // a first bed came free
}

std::int32_t FacilityIndex::free_beds(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  const std::uint32_t s = impl_->slot(id);
  return impl_->capacity[s] - impl_->occupied[s].load(std::memory_order_acquire);
}

std::optional<Neighbor> FacilityIndex::nearest_reserve(double lat, double lon, std::int32_t n,
                                                       const Filter& filter) {
  check_point(lat, lon, "query point");
  if (n < 1) throw Error(ErrorCode::kInvalidArgument, "nearest_reserve: n must be >= 1");
  std::shared_lock lock(impl_->mutex);
  Impl& m = *impl_;
  detail::CompiledFilter f = m.compile(filter);
  f.min_free = std::max(f.min_free, n);
  f.include_closed = false;
  Scratch& scratch = thread_scratch();
  for (;;) {  // another thread may take the beds between the search and the reservation: retry
    {
      std::shared_lock free_lock(m.free_mutex);  // released before try_reserve may sync
      m.knn(
          m.tree_for(f), lat, lon, 1, [&m, &f](std::uint32_t s) { return m.passes(f, s); },
          scratch);
    }
    if (scratch.cands.empty()) return std::nullopt;
    const Candidate best = scratch.cands.front();
    if (m.try_reserve(best.slot, n)) return Neighbor{best.id, best.distance};
  }
}

}  // namespace smartkampung::geo
