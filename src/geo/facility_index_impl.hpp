// Private: the state behind FacilityIndex and its candidate search (Boost.Geometry rtree of
// every facility, free-bed rtree, or linear scan).
#ifndef SMARTKAMPUNG_SRC_GEO_FACILITY_INDEX_IMPL_HPP
#define SMARTKAMPUNG_SRC_GEO_FACILITY_INDEX_IMPL_HPP

#include <algorithm>
#include <atomic>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <smartkampung/geo.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "geo/geodesy.hpp"

namespace smartkampung::geo::detail {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

using TreePoint = bg::model::point<double, 3, bg::cs::cartesian>;
using TreeBox = bg::model::box<TreePoint>;
using TreeValue = std::pair<TreePoint, std::uint32_t>;
using Tree = bgi::rtree<TreeValue, bgi::quadratic<16>>;

/// Size below which a linear scan answers (bench_geo BM_Crossover_*: the rtree is within 7%
/// of the scan at 16 houses, 10% faster at 32 and 1.35x faster at 128).
inline constexpr std::size_t kDefaultLinearScanBelow = 32;

struct Candidate {
  std::uint32_t slot = 0;
  double chord2 = 0.0;
  double distance = 0.0;
  std::int64_t id = 0;
};

/// Per-thread buffers, so a query allocates nothing once warm.
struct Scratch {
  std::vector<Candidate> cands;
  // Running estimate, per index and tree (all / free-bed), of the chord radius that holds
  // one passing facility around a query; starts from the tree's density.
  const void* hint_owner[2] = {nullptr, nullptr};
  double hint[2] = {0.0, 0.0};
};

/// What a batch carries from one query to the next (queries in space-filling-curve
/// order): the previous point's sphere image and its k-th distance, when it had k answers;
/// and the facilities passing the filter within chord `radius` of `center` as one rtree
/// range query found them, which answer the following queries whose search ball lies
/// inside that one without another walk of the tree.
struct BatchSeed {
  bool valid = false;
  Vec3 sphere{};
  double kth_m = 0.0;
  double kth_mean = 0.0;  // running mean of the k-th distances
  struct Entry {
    double x, y, z;
    std::uint32_t slot;
  };
  bool cached = false;
  Vec3 center{};
  double radius = 0.0;
  std::vector<Entry> entries;
};

/// The ball a batch caches is this many times the search radius that filled it.
inline constexpr double kBatchCacheScale = 2.0;

struct CompiledFilter {
  std::int32_t min_free = 0;
  std::int64_t kind = -1;  // -1 any, -2 a kind no facility has
  bool include_closed = false;
};

/// Batches of at least this many points are answered in Hilbert order with seeded
/// searches (knn_seeded), handed to the threads in chunks of up to kOrderedBatchChunk points
/// (at least 8 a thread).
inline constexpr std::size_t kOrderedBatchMin = 2048;
inline constexpr std::size_t kOrderedBatchChunk = 4096;

/// Position of (x, y), each below 2^bits (bits <= 16), along a Hilbert curve over the
/// 2^bits x 2^bits grid.
std::uint32_t hilbert_key(std::uint32_t x, std::uint32_t y, int bits);

/// The indices 0..n-1 ordered along a Hilbert curve over the points' bounding box in
/// degrees (key computation on up to `threads` threads); empty when n < 2 or n >= 2^32.
std::vector<std::uint32_t> hilbert_order(std::size_t n, const double* lats, const double* lons,
                                         unsigned threads);

/// Empty when the facility is valid, else the reason.
std::string facility_problem(const Facility& f);

// ---- helpers of facility_index.cpp, batch_order.cpp and assign.cpp --------------

inline std::string id_text(std::int64_t id) { return std::to_string(id); }

inline void check_point(double lat, double lon, const char* what) {
  if (!valid_lat(lat) || !valid_lon(lon)) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) +
                    ": latitude must be in [-90, 90] and longitude in [-180, 180] (got " +
                    std::to_string(lat) + ", " + std::to_string(lon) + ")");
  }
}

inline Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace smartkampung::geo::detail

namespace smartkampung::geo {

struct FacilityIndex::Impl {
  mutable std::shared_mutex mutex;
  // Slots (struct of arrays); a removed facility leaves a dead slot for reuse.
  std::vector<std::int64_t> ids;
  std::vector<double> lat, lon;
  std::vector<detail::Reduced> reduced;  // for Vincenty
  std::vector<double> x, y, z;
  std::vector<std::int32_t> capacity;
  std::unique_ptr<std::atomic<std::int32_t>[]> occupied;
  std::size_t occupied_capacity = 0;
  std::vector<std::uint8_t> open, alive;
  std::vector<std::uint32_t> kind;
  std::vector<std::string> names;
  std::vector<std::string> kinds{std::string()};
  std::unordered_map<std::string, std::uint32_t> kind_ids;
  std::vector<std::uint32_t> free_slots;
  std::unordered_map<std::int64_t, std::uint32_t> slot_of;
  // Every live facility's ECEF point (value: point, slot) in a Boost.Geometry rtree in a
  // cartesian CS, bulk-loaded by the packing constructor at build and kept current by
  // insert/remove on add, move and remove.
  detail::Tree points;
  // Open facilities with at least one free bed, for queries that ask for a free bed (fast
  // when few have one). Kept in step by sync_free on every 0 <-> >0 transition; guarded by
  // free_mutex (queries shared; reserve/release exclusive, briefly, on a transition).
  detail::Tree free_tree;
  std::vector<std::uint8_t> in_free;
  mutable std::shared_mutex free_mutex;
  std::size_t alive_count = 0;
  std::size_t linear_below = detail::kDefaultLinearScanBelow;

  void build(std::vector<Facility> facilities);
  std::uint32_t kind_id(const std::string& name);
  std::int64_t find_kind(const std::optional<std::string>& name) const;
  void grow_occupied(std::size_t need);
  std::uint32_t put_slot(const Facility& f);
  detail::TreeValue tree_value(std::uint32_t s) const;
  std::uint32_t slot(std::int64_t id) const;  // throws kNotFound
  Facility facility(std::uint32_t s) const;
  detail::CompiledFilter compile(const Filter& filter) const;
  bool try_reserve(std::uint32_t s, std::int32_t n);
  // Exact distances for the candidates, nearest first (distance, then id). With k > 0,
  // candidates whose lower bound exceeds the k-th best so far are dropped uncomputed.
  void rank(double qlat, double qlon, std::size_t k, std::vector<detail::Candidate>& cands) const;

  bool passes(const detail::CompiledFilter& f, std::uint32_t s) const {
    if (alive[s] == 0) return false;
    if (!f.include_closed && open[s] == 0) return false;
    if (f.kind != -1 && static_cast<std::int64_t>(kind[s]) != f.kind) return false;
    if (f.min_free > 0 && capacity[s] - occupied[s].load(std::memory_order_relaxed) < f.min_free)
      return false;
    return true;
  }

  bool use_tree() const { return alive_count >= linear_below; }

  static constexpr double kWholeChord =
      2.5;  // a chord (units of a) that covers the whole ellipsoid

  bool should_be_free(std::uint32_t s) const {
    return alive[s] != 0 && open[s] != 0 &&
           capacity[s] - occupied[s].load(std::memory_order_acquire) > 0;
  }
  // Brings slot s's membership in free_tree in line with its state; the caller holds
  // free_mutex exclusively (or the main mutex exclusively).
  void sync_free(std::uint32_t s) {
    const bool want = should_be_free(s);
    if (want == (in_free[s] != 0)) return;
    if (want) {
      free_tree.insert(tree_value(s));
    } else {
      free_tree.remove(tree_value(s));
    }
    in_free[s] = want ? 1 : 0;
  }
  void sync_free_locked(std::uint32_t s) {
    std::unique_lock lock(free_mutex);
    sync_free(s);
  }
  // The free-bed tree answers filters that need a free bed in an open facility.
  static bool wants_free_tree(const detail::CompiledFilter& f) {
    return f.min_free >= 1 && !f.include_closed;
  }
  // The free-bed tree when the filter needs a free bed and few facilities have one (the
  // main tree with the filter is faster otherwise); nullptr for the main tree. The caller
  // holds free_mutex shared when wants_free_tree(f).
  const detail::Tree* tree_for(const detail::CompiledFilter& f) const {
    return wants_free_tree(f) && free_tree.size() * 4 < alive_count * 3 ? &free_tree : nullptr;
  }

  double chord2_to(const detail::Vec3& q, std::uint32_t s) const {
    const double dx = x[s] - q[0], dy = y[s] - q[1], dz = z[s] - q[2];
    return dx * dx + dy * dy + dz * dz;
  }

  // Output iterator that hands each value the rtree query yields to a callback (no
  // intermediate vector).
  template <typename F>
  struct CallbackOut {
    using iterator_category = std::output_iterator_tag;
    using value_type = void;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = void;
    F* f;
    CallbackOut& operator*() { return *this; }
    CallbackOut& operator++() { return *this; }
    CallbackOut operator++(int) { return *this; }
    CallbackOut& operator=(const detail::TreeValue& v) {
      (*f)(v);
      return *this;
    }
  };

  // Every passing facility in `tree` with squared chord <= r2 from q, appended to sc.cands,
  // by a spatial query (box of half-side sqrt(r2), the sphere test and the filter inside
  // the query); returns how many were appended.
  template <typename Pred>
  static std::size_t gather_ball(const detail::Tree& tree, const detail::Vec3& q, double r2,
                                 const Pred& pred, detail::Scratch& sc) {
    const std::size_t before = sc.cands.size();
    query_ball(tree, q, r2, pred, [&sc](const detail::TreeValue& v, double c2) {
      sc.cands.push_back({v.second, c2, 0.0, 0});
    });
    return sc.cands.size() - before;
  }

  // Calls take(value, squared chord) for every passing facility in `tree` within squared
  // chord r2 of q: one rtree query, the box of half-side sqrt(r2) in the index and the
  // sphere test and the filter in bgi::satisfies.
  template <typename Pred, typename Take>
  static void query_ball(const detail::Tree& tree, const detail::Vec3& q, double r2,
                         const Pred& pred, const Take& take) {
    const double r = std::sqrt(r2);
    const detail::TreeBox box(detail::TreePoint(q[0] - r, q[1] - r, q[2] - r),
                              detail::TreePoint(q[0] + r, q[1] + r, q[2] + r));
    const auto c2_of = [&q](const detail::TreeValue& v) {
      const double dx = detail::bg::get<0>(v.first) - q[0], dy = detail::bg::get<1>(v.first) - q[1],
                   dz = detail::bg::get<2>(v.first) - q[2];
      return dx * dx + dy * dy + dz * dz;
    };
    auto push = [&take, &c2_of](const detail::TreeValue& v) { take(v, c2_of(v)); };
    tree.query(
        detail::bgi::intersects(box) && detail::bgi::satisfies([&](const detail::TreeValue& v) {
          return c2_of(v) <= r2 && pred(v.second);
        }),
        CallbackOut<decltype(push)>{&push});
  }

  // The `want` passing facilities nearest to q by chord, by linear scan (all of them when
  // fewer pass); returns the largest chord2 among them.
  template <typename Pred>
  double scan_nearest(const detail::Vec3& q, std::size_t want, const Pred& pred,
                      detail::Scratch& sc) const {
    sc.cands.clear();
    double far = 0.0;
    const auto by_chord = [](const detail::Candidate& a, const detail::Candidate& b) {
      return a.chord2 < b.chord2;
    };
    // Squared chords a block at a time (vectorised), then a bounded max-heap on chord2 for
    // the few that beat the current worst.
    const auto n = static_cast<std::uint32_t>(ids.size());
    constexpr std::uint32_t kBlock = 64;
    alignas(64) double block[kBlock];
    const double* px = x.data();
    const double* py = y.data();
    const double* pz = z.data();
    const double qx = q[0], qy = q[1], qz = q[2];
    double worst = std::numeric_limits<double>::infinity();
    for (std::uint32_t b0 = 0; b0 < n; b0 += kBlock) {
      const std::uint32_t len = std::min(kBlock, n - b0);
      for (std::uint32_t j = 0; j < len; ++j) {
        const double dx = px[b0 + j] - qx, dy = py[b0 + j] - qy, dz = pz[b0 + j] - qz;
        block[j] = dx * dx + dy * dy + dz * dz;
      }
      for (std::uint32_t j = 0; j < len; ++j) {
        const double c2 = block[j];
        if (c2 >= worst) continue;
        const std::uint32_t s = b0 + j;
        if (!pred(s)) continue;
        if (sc.cands.size() == want) {
          std::pop_heap(sc.cands.begin(), sc.cands.end(), by_chord);
          sc.cands.back() = {s, c2, 0.0, 0};
        } else {
          sc.cands.push_back({s, c2, 0.0, 0});
        }
        std::push_heap(sc.cands.begin(), sc.cands.end(), by_chord);
        if (sc.cands.size() == want) worst = sc.cands.front().chord2;
      }
    }
    for (const auto& c : sc.cands) far = std::max(far, c.chord2);
    return far;
  }

  // Every passing facility with chord2 <= limit (the tree `t`, or the linear scan).
  template <typename Pred>
  void gather_range(const detail::Tree* t, const detail::Vec3& q, double limit, const Pred& pred,
                    detail::Scratch& sc) const {
    sc.cands.clear();
    if (use_tree()) {
      gather_ball(t != nullptr ? *t : points, q, limit, pred, sc);
      return;
    }
    const auto n = static_cast<std::uint32_t>(ids.size());
    for (std::uint32_t s = 0; s < n; ++s) {
      const double c2 = chord2_to(q, s);
      if (c2 <= limit && pred(s)) sc.cands.push_back({s, c2, 0.0, 0});
    }
  }

  // A first guess at the chord radius that holds one passing facility around a query, from
  // the tree's bounds and size (points spread over a patch of the surface).
  static double density_radius(const detail::Tree& tree) {
    if (tree.empty()) return 2.0;
    const detail::TreeBox b = tree.bounds();
    double e[3] = {detail::bg::get<detail::bg::max_corner, 0>(b) -
                       detail::bg::get<detail::bg::min_corner, 0>(b),
                   detail::bg::get<detail::bg::max_corner, 1>(b) -
                       detail::bg::get<detail::bg::min_corner, 1>(b),
                   detail::bg::get<detail::bg::max_corner, 2>(b) -
                       detail::bg::get<detail::bg::min_corner, 2>(b)};
    std::sort(e, e + 3);
    const double area = std::max(e[2] * e[1], 1e-10);  // at least (64 m)^2
    return std::sqrt(area / (3.0 * static_cast<double>(tree.size())));
  }

  // The exact k nearest passing facilities by WGS84 distance, then id, into sc.cands
  // (which may hold more than k afterwards: callers read the first k). `t` is the tree
  // to search: the free-bed one, or nullptr for the tree of every facility.
  //
  // With the tree: every passing facility within chord r of the query (a box query with
  // the sphere test and the filter inside it), r grown until at least k + 1 are; ranked by
  // Vincenty in chord order; every facility not seen lies beyond chord r, so at least a·r
  // metres away, and the answer is exact once the k-th distance is below that. Otherwise
  // one range query over the chord that can hold the k-th distance settles it. r starts
  // from a per-thread running estimate of the radius that held one passing facility.
  template <typename Pred>
  void knn(const detail::Tree* t, double qlat, double qlon, std::size_t k, const Pred& pred,
           detail::Scratch& sc) const {
    sc.cands.clear();
    if (k == 0 || alive_count == 0) return;
    // More than every facility means every facility; bounded here, before want = k + 1 and
    // the heaps sized by k, so that no k (SIZE_MAX included) can wrap the arithmetic below.
    k = std::min(k, alive_count);
    const detail::Vec3 q = detail::ecef_unit(qlat, qlon);
    const std::size_t want = k + 1;
    if (!use_tree()) {
      // The ECEF chord is within 1e-8 of the distance at these scales: one candidate more
      // than asked nearly always proves the k-th (duplicates fall to the range pass).
      const double far = scan_nearest(q, want, pred, sc);
      const std::size_t gathered = sc.cands.size();
      rank(qlat, qlon, k, sc.cands);
      if (gathered < want) return;  // every passing facility was seen
      const double dk = sc.cands[k - 1].distance;
      if (detail::ecef_beyond(far, dk)) return;  // unseen ones are farther than the k-th
      gather_range(t, q, detail::ecef_search_chord2(dk), pred, sc);
      rank(qlat, qlon, k, sc.cands);
      return;
    }
    const detail::Tree& tree = t != nullptr ? *t : points;
    const int which = t != nullptr ? 1 : 0;
    if (sc.hint_owner[which] != this) {
      sc.hint_owner[which] = this;
      sc.hint[which] = density_radius(tree);
    }
    const double root_want = std::sqrt(static_cast<double>(want));
    double r = std::min(kWholeChord, sc.hint[which] * root_want * 1.4);
    std::size_t found = 0;
    for (;;) {
      sc.cands.clear();
      found = gather_ball(tree, q, r * r, pred, sc);
      if (found >= want || r >= kWholeChord) break;
      // Counts grow with the area, r^2: aim at twice the number wanted.
      const double grow =
          found == 0 ? 4.0
                     : std::sqrt(2.0 * static_cast<double>(want) / static_cast<double>(found));
      r = std::min(kWholeChord, r * std::max(grow, 1.25));
    }
    if (found > 0) {
      const double estimate = r / std::sqrt(static_cast<double>(found));
      sc.hint[which] += 0.25 * (estimate - sc.hint[which]);
    }
    rank(qlat, qlon, k, sc.cands);
    if (found < want) return;  // r covers the ellipsoid: every passing facility was seen
    const double dk = sc.cands[k - 1].distance;
    if (detail::ecef_beyond(r * r, dk)) return;  // unseen ones are farther than the k-th
    gather_range(t, q, detail::ecef_search_chord2(dk), pred, sc);
    rank(qlat, qlon, k, sc.cands);
  }
  // As knn, for a query that follows a nearby one in a batch. The previous query's k
  // answers are at most kth_m from it and, by the triangle inequality of the geodesic
  // distance, at most reach = kth_m + d(previous, q) from q, d bounded above by the points'
  // sphere images (distance_upper_bound); so the passing facilities within the chord that
  // can hold reach include the k nearest, with no growing radius. They are taken from the
  // seed's cached ball when the search ball lies inside it, else from one rtree range query
  // of twice the search radius, which becomes the cached ball. Exactness does not rest on
  // the triangle argument: the answer is kept only when its k-th distance is at most reach
  // (every facility outside the search ball is farther: the rule knn's second pass relies
  // on), else knn answers afresh. The cached ball's filter is evaluated when it is filled:
  // with beds reserved or released during a batch, an answer reflects the bed counts at
  // some moment during the batch, as before.
  template <typename Pred>
  void knn_seeded(const detail::Tree* t, double qlat, double qlon, std::size_t k, const Pred& pred,
                  detail::BatchSeed& seed, detail::Scratch& sc) const {
    sc.cands.clear();
    if (k == 0 || alive_count == 0) {
      seed.valid = false;
      return;
    }
    k = std::min(k, alive_count);  // as in knn
    detail::Vec3 sphere;
    const detail::Vec3 q = detail::ecef_unit(qlat, qlon, &sphere);
    const double step =
        seed.valid ? detail::distance_upper_bound(detail::chord2(sphere, seed.sphere)) : 0.0;
    // A step longer than the k-th distances (points sparser than the facilities) would make
    // the ball hold many times k facilities: the growing search is cheaper then. The scale
    // is the larger of the last k-th distance and their running mean (one point next to a
    // facility does not end the seeding).
    if (seed.valid && step <= std::max(seed.kth_m, seed.kth_mean)) {
      const double slack = detail::distance_slack(seed.kth_m);
      const double reach = seed.kth_m + 2.0 * slack + step;
      const double r2 = detail::ecef_search_chord2(reach);
      const double r = std::sqrt(r2);
      // The cached ball holds every facility within chord r of q when |q - center| + r
      // is within its radius (the triangle inequality in space; 1e-12 a, 6 micrometres,
      // covers the rounding of these chords many times over).
      const bool covered =
          seed.cached && (seed.radius >= kWholeChord ||
                          std::sqrt(detail::chord2(q, seed.center)) + r <= seed.radius - 1e-12);
      if (!covered) {
        seed.cached = true;
        seed.center = q;
        seed.radius = std::min(kWholeChord, r * detail::kBatchCacheScale);
        seed.entries.clear();
        query_ball(
            t != nullptr ? *t : points, q, seed.radius * seed.radius, pred,
            [&seed](const detail::TreeValue& v, double) {
              seed.entries.push_back({detail::bg::get<0>(v.first), detail::bg::get<1>(v.first),
                                      detail::bg::get<2>(v.first), v.second});
            });
      }
      sc.cands.clear();
      for (const auto& e : seed.entries) {
        const double dx = e.x - q[0], dy = e.y - q[1], dz = e.z - q[2];
        const double c2 = dx * dx + dy * dy + dz * dz;
        if (c2 <= r2) sc.cands.push_back({e.slot, c2, 0.0, 0});
      }
      const std::size_t found = sc.cands.size();
      if (found >= k) {
        rank(qlat, qlon, k, sc.cands);
        if (sc.cands[k - 1].distance <= reach) {
          seed.sphere = sphere;
          seed.kth_m = sc.cands[k - 1].distance;
          seed.kth_mean += 0.125 * (seed.kth_m - seed.kth_mean);
          return;
        }
      }
    }
    knn(t, qlat, qlon, k, pred, sc);
    seed.valid = sc.cands.size() >= k && k > 0;
    seed.sphere = sphere;
    seed.kth_m = seed.valid ? sc.cands[k - 1].distance : 0.0;
    seed.kth_mean += 0.125 * (seed.kth_m - seed.kth_mean);
  }

  template <typename Pred>
  void knn(double qlat, double qlon, std::size_t k, const Pred& pred, detail::Scratch& sc) const {
    knn(nullptr, qlat, qlon, k, pred, sc);
  }

  template <typename Pred>
  void radius(double qlat, double qlon, double radius_m, const Pred& pred,
              detail::Scratch& sc) const {
    sc.cands.clear();
    if (alive_count == 0) return;
    const detail::Vec3 q = detail::ecef_unit(qlat, qlon);
    gather_range(nullptr, q, detail::ecef_search_chord2(radius_m), pred, sc);
    rank(qlat, qlon, 0, sc.cands);
    while (!sc.cands.empty() && sc.cands.back().distance > radius_m) sc.cands.pop_back();
  }
};

}  // namespace smartkampung::geo

#endif
