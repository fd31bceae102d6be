#include <smartkampung/geo.hpp>

#include "geo/assign_solver.hpp"
#include "geo/facility_index_impl.hpp"
#include "geo/geodesy.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace smartkampung::geo {

using detail::Candidate;
using detail::Scratch;
using detail::Vec3;

namespace {

std::string id_text(std::int64_t id) { return std::to_string(id); }

void check_point(double lat, double lon, const char* what) {
  if (!detail::valid_lat(lat) || !detail::valid_lon(lon)) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) + ": latitude must be in [-90, 90] and longitude in [-180, 180] (got " +
                    std::to_string(lat) + ", " + std::to_string(lon) + ")");
  }
}

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

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
      throw Error(ErrorCode::kInvalidArgument,
                  "facility " + std::to_string(i) + " (id " + id_text(facilities[i].id) + "): " + problem);
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

void FacilityIndex::Impl::rank(double qlat, double qlon, std::size_t k, std::vector<Candidate>& cands) const {
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
  std::sort(out.begin(), out.end(), [](const Facility& a, const Facility& b) { return a.id < b.id; });
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
    m.reduced[s] = detail::reduce(facility.lat * detail::kDegToRad, facility.lon * detail::kDegToRad);
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

std::vector<Neighbor> FacilityIndex::nearest(double lat, double lon, std::size_t k, const Filter& filter) const {
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

std::vector<Neighbor> FacilityIndex::within(double lat, double lon, double radius_m, const Filter& filter) const {
  check_point(lat, lon, "query point");
  if (!(radius_m >= 0.0)) throw Error(ErrorCode::kInvalidArgument, "radius_m must be a number >= 0");
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
  m.knn(lat, lon, k, [&m, &accept](std::uint32_t s) { return m.alive[s] != 0 && accept(m.ids[s]); }, scratch);
  return to_neighbors(scratch.cands, k);
}

std::vector<Neighbor> FacilityIndex::within_if(double lat, double lon, double radius_m,
                                               const IdPredicate& accept) const {
  check_point(lat, lon, "query point");
  if (!(radius_m >= 0.0)) throw Error(ErrorCode::kInvalidArgument, "radius_m must be a number >= 0");
  if (!accept) throw Error(ErrorCode::kInvalidArgument, "accept is empty");
  std::shared_lock lock(impl_->mutex);
  const Impl& m = *impl_;
  Scratch& scratch = thread_scratch();
  m.radius(lat, lon, radius_m, [&m, &accept](std::uint32_t s) { return m.alive[s] != 0 && accept(m.ids[s]); },
           scratch);
  return to_neighbors(scratch.cands, scratch.cands.size());
}

namespace {
// Runs body(begin, end) over [0, n) on up to `threads` threads; rethrows the first failure.
template <typename Body>
void parallel_for(std::size_t n, unsigned threads, std::size_t min_chunk, const Body& body) {
  unsigned hw = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t max_workers = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_chunk));
  const auto workers = static_cast<unsigned>(std::min<std::size_t>(hw, max_workers));
  if (workers <= 1) {
    body(std::size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(workers);
  const std::size_t chunk = (n + workers - 1) / workers;
  for (unsigned w = 0; w < workers; ++w) {
    const std::size_t begin = std::min(n, w * chunk), end = std::min(n, begin + chunk);
    pool.emplace_back([&body, &errors, w, begin, end] {
      try {
        body(begin, end);
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (auto& t : pool) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Runs body(begin, end) over [0, n) in chunks of `chunk` handed out in order to up to
// `threads` threads (0: all cores) as each finishes its last, so that a thread slowed by
// other work on a shared machine does not hold up the batch; rethrows the first failure.
template <typename Body>
void parallel_chunks(std::size_t n, unsigned threads, std::size_t chunk, const Body& body) {
  const unsigned hw = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t chunks = (n + chunk - 1) / chunk;
  const auto workers = static_cast<unsigned>(std::min<std::size_t>(hw, chunks));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::exception_ptr> errors(std::max(1u, workers));
  const auto work = [&](unsigned w) {
    try {
      for (;;) {
        const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
        if (c >= chunks || failed.load(std::memory_order_relaxed)) return;
        body(c * chunk, std::min(n, (c + 1) * chunk));
      }
    } catch (...) {
      errors[w] = std::current_exception();
      failed.store(true, std::memory_order_relaxed);
    }
  };
  if (workers <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work, w);
    work(0);
    for (auto& t : pool) t.join();
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace

// The classic xy2d walk from the top bit down, without branches (which the random bits of
// random points mispredict: the branchy form took a seventh of a batch).
std::uint32_t detail::hilbert_key(std::uint32_t x, std::uint32_t y, int bits) {
  const std::uint32_t all = (1u << bits) - 1u;
  std::uint32_t d = 0;
  for (int b = bits - 1; b >= 0; --b) {
    const std::uint32_t rx = (x >> b) & 1u, ry = (y >> b) & 1u;
    d += ((3u * rx) ^ ry) << (2 * b);
    const std::uint32_t flip = (0u - (rx & (ry ^ 1u))) & all;  // rx = 1, ry = 0: mirror
    x ^= flip;
    y ^= flip;
    const std::uint32_t swap = (0u - (ry ^ 1u)) & (x ^ y);  // ry = 0: transpose
    x ^= swap;
    y ^= swap;
  }
  return d;
}

std::vector<std::uint32_t> detail::hilbert_order(std::size_t n, const double* lats, const double* lons,
                                                 unsigned threads) {
  std::vector<std::uint32_t> order;
  if (n < 2 || n > std::numeric_limits<std::uint32_t>::max()) return order;
  double lat0 = lats[0], lat1 = lats[0], lon0 = lons[0], lon1 = lons[0];
  for (std::size_t i = 1; i < n; ++i) {
    lat0 = std::min(lat0, lats[i]);
    lat1 = std::max(lat1, lats[i]);
    lon0 = std::min(lon0, lons[i]);
    lon1 = std::max(lon1, lons[i]);
  }
  // A grid of about 2n cells over the points' bounding box in degrees (near the poles and
  // across the antimeridian the order is less local; answers do not depend on it): finer
  // cells would not order the points better, and the key's cost grows with its bits.
  int bits = 4;
  while (bits < 16 && (std::size_t{1} << (2 * bits)) < 2 * n) ++bits;
  const double cells = static_cast<double>((1u << bits) - 1u);
  const double sy = lat1 > lat0 ? cells / (lat1 - lat0) : 0.0;
  const double sx = lon1 > lon0 ? cells / (lon1 - lon0) : 0.0;
  const std::uint32_t top = (1u << bits) - 1u;
  std::vector<std::uint64_t> keyed(n), sorted(n);
  parallel_chunks(n, threads, std::size_t{1} << 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const auto x = std::min(top, static_cast<std::uint32_t>((lons[i] - lon0) * sx));
      const auto y = std::min(top, static_cast<std::uint32_t>((lats[i] - lat0) * sy));
      keyed[i] = (static_cast<std::uint64_t>(hilbert_key(x, y, bits)) << 32) | i;
    }
  });
  // LSD radix sort on the key, 11 bits a pass (stable: equal keys keep the input order).
  constexpr int kDigit = 11;
  std::vector<std::uint32_t> count(1u << kDigit);
  for (int shift = 32; shift < 32 + 2 * bits; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0u);
    for (const std::uint64_t v : keyed) ++count[(v >> shift) & ((1u << kDigit) - 1u)];
    std::uint32_t sum = 0;
    for (auto& c : count) {
      const std::uint32_t here = c;
      c = sum;
      sum += here;
    }
    for (const std::uint64_t v : keyed) sorted[count[(v >> shift) & ((1u << kDigit) - 1u)]++] = v;
    keyed.swap(sorted);
  }
  order.resize(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(keyed[i]);
  return order;
}

void FacilityIndex::nearest_batch(std::size_t n, const double* lats, const double* lons, std::size_t k,
                                  const Filter& filter, std::int64_t* out_ids, double* out_dists,
                                  unsigned threads) const {
  if (n == 0 || k == 0) return;
  if (lats == nullptr || lons == nullptr || out_ids == nullptr || out_dists == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "lats, lons, out_ids and out_dists are required");
  }
  // The answers are addressed as i * k + j: refuse a size no array can have before that.
  if (k > std::numeric_limits<std::size_t>::max() / sizeof(double) / n) {
    throw Error(ErrorCode::kInvalidArgument, "nearest_batch: n * k answers (" + std::to_string(n) + " * " +
                                                 std::to_string(k) + ") exceed any array");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!detail::valid_lat(lats[i]) || !detail::valid_lon(lons[i])) {
      check_point(lats[i], lons[i], ("point " + std::to_string(i)).c_str());
    }
  }
  std::shared_lock lock(impl_->mutex);
  const Impl& m = *impl_;
  const detail::CompiledFilter f = m.compile(filter);
  // One shared lock on the free-bed tree for the whole batch (none per query).
  const bool free_only = Impl::wants_free_tree(f);
  std::shared_lock<std::shared_mutex> free_lock(m.free_mutex, std::defer_lock);
  if (free_only) free_lock.lock();
  const detail::Tree* t = m.tree_for(f);
  const auto pass = [&m, &f](std::uint32_t s) { return m.passes(f, s); };
  const auto answer = [&](std::size_t i, const Scratch& scratch) {
    const std::size_t got = std::min(k, scratch.cands.size());
    for (std::size_t j = 0; j < k; ++j) {
      out_ids[i * k + j] = j < got ? scratch.cands[j].id : -1;
      out_dists[i * k + j] = j < got ? scratch.cands[j].distance : std::numeric_limits<double>::infinity();
    }
  };
  if (!m.use_tree() || n < detail::kOrderedBatchMin) {
    parallel_for(n, threads, 512, [&](std::size_t begin, std::size_t end) {
      Scratch& scratch = thread_scratch();
      for (std::size_t i = begin; i < end; ++i) {
        m.knn(t, lats[i], lons[i], k, pass, scratch);
        answer(i, scratch);
      }
    });
    return;
  }
  // Points in Hilbert order, so that each one's search is seeded by the previous one's
  // answer and mostly served from the thread's cached ball (knn_seeded: no growing radius,
  // one rtree range query for a run of neighbouring points).
  const std::vector<std::uint32_t> order = detail::hilbert_order(n, lats, lons, threads);
  constexpr std::size_t kAhead = 8;
  const std::size_t cores = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t chunk = std::clamp<std::size_t>(n / (8 * cores), 256, detail::kOrderedBatchChunk);
  parallel_chunks(n, threads, chunk, [&](std::size_t begin, std::size_t end) {
    Scratch& scratch = thread_scratch();
    detail::BatchSeed seed;
    for (std::size_t p = begin; p < end; ++p) {
      const std::size_t i = order.empty() ? p : order[p];
      if (!order.empty() && p + kAhead < end) {  // the points and answers are scattered
        const std::size_t ahead = order[p + kAhead];
        __builtin_prefetch(&lats[ahead]);
        __builtin_prefetch(&lons[ahead]);
        __builtin_prefetch(&out_ids[ahead * k], 1);
        __builtin_prefetch(&out_dists[ahead * k], 1);
      }
      m.knn_seeded(t, lats[i], lons[i], k, pass, seed, scratch);
      answer(i, scratch);
    }
  });
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
  } while (!occ.compare_exchange_weak(current, current + n, std::memory_order_acq_rel, std::memory_order_relaxed));
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
      throw Error(ErrorCode::kInvalidArgument, "release of " + std::to_string(n) + " beds at facility " +
                                                   id_text(id) + ": only " + std::to_string(current) +
                                                   " occupied");
    }
  } while (!occ.compare_exchange_weak(current, current - n, std::memory_order_acq_rel, std::memory_order_relaxed));
  if (impl_->capacity[s] - current <= 0) impl_->sync_free_locked(s);  // a first bed came free
}

std::int32_t FacilityIndex::free_beds(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  const std::uint32_t s = impl_->slot(id);
  return impl_->capacity[s] - impl_->occupied[s].load(std::memory_order_acquire);
}

std::optional<Neighbor> FacilityIndex::nearest_reserve(double lat, double lon, std::int32_t n, const Filter& filter) {
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
      m.knn(m.tree_for(f), lat, lon, 1, [&m, &f](std::uint32_t s) { return m.passes(f, s); }, scratch);
    }
    if (scratch.cands.empty()) return std::nullopt;
    const Candidate best = scratch.cands.front();
    if (m.try_reserve(best.slot, n)) return Neighbor{best.id, best.distance};
  }
}

// ---- assignment ----------------------------------------------------------------

namespace {
struct GreedyResult {
  std::vector<std::int32_t> slot;  // per resident, -1 unplaced
  std::vector<double> distance;
};

GreedyResult run_greedy(const FacilityIndex::Impl& m, std::size_t n, const double* lats, const double* lons,
                        std::vector<std::int32_t> remaining, std::int64_t beds) {
  GreedyResult g;
  g.slot.assign(n, -1);
  g.distance.assign(n, 0.0);
  Scratch& scratch = thread_scratch();
  const auto has_bed = [&remaining](std::uint32_t s) { return remaining[s] > 0; };
  for (std::size_t i = 0; i < n && beds > 0; ++i) {
    m.knn(lats[i], lons[i], 1, has_bed, scratch);
    if (scratch.cands.empty()) break;
    const Candidate& c = scratch.cands.front();
    g.slot[i] = static_cast<std::int32_t>(c.slot);
    g.distance[i] = c.distance;
    --remaining[c.slot];
    --beds;
  }
  return g;
}

std::vector<std::int32_t> free_beds_snapshot(const FacilityIndex::Impl& m, std::int64_t& beds) {
  std::vector<std::int32_t> remaining(m.ids.size(), 0);
  beds = 0;
  for (std::uint32_t s = 0; s < m.ids.size(); ++s) {
    if (m.alive[s] != 0 && m.open[s] != 0) {
      remaining[s] = std::max(0, m.capacity[s] - m.occupied[s].load(std::memory_order_acquire));
      beds += remaining[s];
    }
  }
  return remaining;
}

void check_points(std::size_t n, const double* lats, const double* lons) {
  if (n > 0 && (lats == nullptr || lons == nullptr)) {
    throw Error(ErrorCode::kInvalidArgument, "lats and lons are required");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!detail::valid_lat(lats[i]) || !detail::valid_lon(lons[i])) {
      check_point(lats[i], lons[i], ("resident " + std::to_string(i)).c_str());
    }
  }
}

detail::AssignmentProblem build_problem(const FacilityIndex::Impl& m, std::size_t n, const double* lats,
                                        const double* lons, std::size_t k, const std::vector<std::int32_t>& remaining,
                                        const GreedyResult& greedy) {
  detail::AssignmentProblem p;
  p.residents = n;
  std::vector<std::int32_t> local(m.ids.size(), -1);
  for (std::uint32_t s = 0; s < m.ids.size(); ++s) {
    if (remaining[s] > 0) {
      local[s] = static_cast<std::int32_t>(p.house_id.size());
      p.house_id.push_back(m.ids[s]);
      p.beds.push_back(remaining[s]);
    }
  }
  // A k above the houses with a bed means all of them; the candidate edges (k + 1 per
  // resident at most) are numbered by uint32 offsets, so their total is bounded first.
  k = std::min(k, p.house_id.size());
  if (n > 0 && k + 1 > std::numeric_limits<std::uint32_t>::max() / n) {
    throw Error(ErrorCode::kLimit, "assign: " + std::to_string(n) + " residents with " + std::to_string(k) +
                                       " candidate houses each exceed the solver's limit; lower k");
  }
  // k nearest houses with a free bed per resident, in parallel; then greedy's choice.
  std::vector<std::vector<std::pair<std::uint32_t, double>>> cand(n);
  parallel_for(n, 0, 256, [&](std::size_t begin, std::size_t end) {
    Scratch& scratch = thread_scratch();
    const auto has_bed = [&remaining](std::uint32_t s) { return remaining[s] > 0; };
    for (std::size_t i = begin; i < end; ++i) {
      m.knn(lats[i], lons[i], k, has_bed, scratch);
      const std::size_t got = std::min(k, scratch.cands.size());
      cand[i].reserve(got + 1);
      for (std::size_t j = 0; j < got; ++j) {
        cand[i].emplace_back(static_cast<std::uint32_t>(local[scratch.cands[j].slot]), scratch.cands[j].distance);
      }
    }
  });
  p.offset.assign(n + 1, 0);
  p.greedy.assign(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    if (greedy.slot[i] >= 0) {
      const auto h = static_cast<std::uint32_t>(local[static_cast<std::size_t>(greedy.slot[i])]);
      p.greedy[i] = static_cast<std::int32_t>(h);
      const bool present = std::any_of(cand[i].begin(), cand[i].end(),
                                       [h](const std::pair<std::uint32_t, double>& c) { return c.first == h; });
      if (!present) cand[i].emplace_back(h, greedy.distance[i]);
    }
    p.offset[i + 1] = p.offset[i] + static_cast<std::uint32_t>(cand[i].size());
  }
  p.house.reserve(p.offset[n]);
  p.cost.reserve(p.offset[n]);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& [h, d] : cand[i]) {
      p.house.push_back(h);
      p.cost.push_back(d);
    }
  }
  return p;
}
}  // namespace

detail::AssignmentProblem detail::make_assignment_problem(const FacilityIndex& index, std::size_t n,
                                                          const double* lats, const double* lons, std::size_t k) {
  check_points(n, lats, lons);
  const FacilityIndex::Impl& m = index.impl();
  std::shared_lock lock(m.mutex);
  std::int64_t beds = 0;
  std::vector<std::int32_t> remaining = free_beds_snapshot(m, beds);
  const GreedyResult greedy = run_greedy(m, n, lats, lons, remaining, beds);
  return build_problem(m, n, lats, lons, k, remaining, greedy);
}

Assignment FacilityIndex::assign(std::size_t n, const double* lats, const double* lons, AssignMode mode,
                                 std::size_t k, bool reserve) {
  check_points(n, lats, lons);
  if (mode == AssignMode::kOptimal && k == 0) throw Error(ErrorCode::kInvalidArgument, "assign: k must be >= 1");
  // With reserve, nothing may change the beds between the snapshot and the reservation.
  std::unique_lock<std::shared_mutex> exclusive(impl_->mutex, std::defer_lock);
  std::shared_lock<std::shared_mutex> shared(impl_->mutex, std::defer_lock);
  if (reserve) {
    exclusive.lock();
  } else {
    shared.lock();
  }
  Impl& m = *impl_;
  std::int64_t beds = 0;
  const std::vector<std::int32_t> remaining = free_beds_snapshot(m, beds);
  const GreedyResult greedy = run_greedy(m, n, lats, lons, remaining, beds);

  Assignment result;
  result.house.assign(n, -1);
  std::vector<std::int32_t> slot_of_resident = greedy.slot;
  std::vector<double> distance = greedy.distance;
  if (mode == AssignMode::kOptimal) {
    const detail::AssignmentProblem p = build_problem(m, n, lats, lons, k, remaining, greedy);
    const std::vector<std::int32_t> local = detail::solve_min_cost(p);
    for (std::size_t i = 0; i < n; ++i) {
      slot_of_resident[i] = -1;
      if (local[i] < 0) continue;
      slot_of_resident[i] = static_cast<std::int32_t>(m.slot_of.at(p.house_id[static_cast<std::size_t>(local[i])]));
      for (std::uint32_t e = p.offset[i]; e < p.offset[i + 1]; ++e) {
        if (p.house[e] == static_cast<std::uint32_t>(local[i])) distance[i] = p.cost[e];
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (slot_of_resident[i] < 0) {
      ++result.unplaced;
      continue;
    }
    const auto s = static_cast<std::uint32_t>(slot_of_resident[i]);
    result.house[i] = m.ids[s];
    ++result.placed;
    result.total_m += distance[i];
    result.max_m = std::max(result.max_m, distance[i]);
    if (reserve) {
      m.occupied[s].fetch_add(1, std::memory_order_acq_rel);
      m.sync_free(s);
    }
  }
  return result;
}

}  // namespace smartkampung::geo
