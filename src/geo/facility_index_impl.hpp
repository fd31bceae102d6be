// Private: the state behind FacilityIndex and its candidate search (point tree, free-bed
// R-tree or linear scan).
#ifndef SMARTKAMPUNG_SRC_GEO_FACILITY_INDEX_IMPL_HPP
#define SMARTKAMPUNG_SRC_GEO_FACILITY_INDEX_IMPL_HPP

#include <smartkampung/geo.hpp>

#include "geo/geodesy.hpp"
#include "geo/point_tree.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <limits>
#include <mutex>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace smartkampung::geo::detail {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

using TreePoint = bg::model::point<double, 3, bg::cs::cartesian>;
using TreeBox = bg::model::box<TreePoint>;
using TreeValue = std::pair<TreePoint, std::uint32_t>;
using Tree = bgi::rtree<TreeValue, bgi::quadratic<16>>;

/// Size below which a linear scan answers (bench_geo: BM_Nearest* crossover).
inline constexpr std::size_t kDefaultLinearScanBelow = 128;

struct Candidate {
  std::uint32_t slot = 0;
  double chord2 = 0.0;
  double distance = 0.0;
  std::int64_t id = 0;
};

/// Per-thread buffers, so a query allocates nothing once warm.
struct Scratch {
  std::vector<TreeValue> values;
  std::vector<Candidate> cands;
};

struct CompiledFilter {
  std::int32_t min_free = 0;
  std::int64_t kind = -1;  // -1 any, -2 a kind no facility has
  bool include_closed = false;
};

/// Empty when the facility is valid, else the reason.
std::string facility_problem(const Facility& f);

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
  // Every facility's ECEF point in a static k-d tree, except those added or moved since it
  // was built (`unindexed`, scanned linearly); `indexed[s]` says whether the tree's entry for
  // slot s is current (a removed or moved facility's old entry stays until the next rebuild,
  // and is skipped). Rebuilt when the side list and the stale entries grow (note_unindexed).
  detail::PointTree points;
  std::vector<std::uint8_t> indexed;
  std::vector<std::uint32_t> unindexed;
  std::size_t stale_points = 0;
  // Open facilities with at least one free bed, for queries that ask for a free bed (fast
  // when few have one). Kept in step by sync_free on every 0 <-> >0 transition; guarded by
  // free_mutex (queries shared; reserve/release exclusive, briefly, on a transition).
  detail::Tree free_tree;
  std::vector<std::uint8_t> in_free;
  mutable std::shared_mutex free_mutex;
  std::size_t alive_count = 0;
  std::size_t linear_below = detail::kDefaultLinearScanBelow;

  void build(std::vector<Facility> facilities);
  // Rebuilds `points` over every live facility.
  void rebuild_points();
  // Slot s (just added or moved) is not in `points`; rebuilds when enough are.
  void note_unindexed(std::uint32_t s);
  // Slot s leaves: its tree entry (if any) goes stale, it leaves the side list.
  void forget_indexed(std::uint32_t s);
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
    if (f.min_free > 0 && capacity[s] - occupied[s].load(std::memory_order_relaxed) < f.min_free) return false;
    return true;
  }

  bool use_tree() const { return alive_count >= linear_below; }

  bool should_be_free(std::uint32_t s) const {
    return alive[s] != 0 && open[s] != 0 && capacity[s] - occupied[s].load(std::memory_order_acquire) > 0;
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
  static bool wants_free_tree(const detail::CompiledFilter& f) { return f.min_free >= 1 && !f.include_closed; }
  // The free-bed tree when the filter needs a free bed and few facilities have one (the
  // point tree with the filter is faster otherwise); nullptr for the point tree. The caller
  // holds free_mutex shared when wants_free_tree(f).
  const detail::Tree* tree_for(const detail::CompiledFilter& f) const {
    return wants_free_tree(f) && free_tree.size() * 4 < alive_count ? &free_tree : nullptr;
  }

  double chord2_to(const detail::Vec3& q, std::uint32_t s) const {
    const double dx = x[s] - q[0], dy = y[s] - q[1], dz = z[s] - q[2];
    return dx * dx + dy * dy + dz * dz;
  }

  // The `want` passing facilities nearest to q by chord (all of them when fewer pass);
  // returns the largest chord2 among them.
  template <typename Pred>
  double gather_nearest(const detail::Tree* t, const detail::Vec3& q, std::size_t want, const Pred& pred,
                        detail::Scratch& sc) const {
    sc.cands.clear();
    double far = 0.0;
    const auto by_chord = [](const detail::Candidate& a, const detail::Candidate& b) { return a.chord2 < b.chord2; };
    if (use_tree() && t == nullptr) {
      double worst = std::numeric_limits<double>::infinity();
      const auto consider = [&](std::uint32_t s, double c2) {
        if (c2 >= worst || !pred(s)) return;
        if (sc.cands.size() == want) {
          std::pop_heap(sc.cands.begin(), sc.cands.end(), by_chord);
          sc.cands.back() = {s, c2, 0.0, 0};
        } else {
          sc.cands.push_back({s, c2, 0.0, 0});
        }
        std::push_heap(sc.cands.begin(), sc.cands.end(), by_chord);
        if (sc.cands.size() == want) worst = sc.cands.front().chord2;
      };
      for (const std::uint32_t s : unindexed) consider(s, chord2_to(q, s));
      points.search(
          q.data(),
          [&](std::uint32_t s, double c2) {
            if (indexed[s] != 0) consider(s, c2);
          },
          [&worst] { return worst; });
      for (const auto& c : sc.cands) far = std::max(far, c.chord2);
      return far;
    }
    if (use_tree()) {
      sc.values.clear();
      t->query(detail::bgi::nearest(detail::TreePoint(q[0], q[1], q[2]), static_cast<unsigned>(want)) &&
                  detail::bgi::satisfies([&pred](const detail::TreeValue& v) { return pred(v.second); }),
              std::back_inserter(sc.values));
      for (const auto& v : sc.values) {
        const double c2 = chord2_to(q, v.second);
        far = std::max(far, c2);
        sc.cands.push_back({v.second, c2, 0.0, 0});
      }
      return far;
    }
    // Linear: squared chords a block at a time (vectorised), then a bounded max-heap on
    // chord2 for the few that beat the current worst.
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

  // Every passing facility with chord2 <= limit.
  template <typename Pred>
  void gather_range(const detail::Tree* t, const detail::Vec3& q, double limit, const Pred& pred,
                    detail::Scratch& sc) const {
    sc.cands.clear();
    if (use_tree() && t == nullptr) {
      for (const std::uint32_t s : unindexed) {
        const double c2 = chord2_to(q, s);
        if (c2 <= limit && pred(s)) sc.cands.push_back({s, c2, 0.0, 0});
      }
      const double bound = std::nextafter(limit, std::numeric_limits<double>::infinity());
      points.search(
          q.data(),
          [&](std::uint32_t s, double c2) {
            if (c2 <= limit && indexed[s] != 0 && pred(s)) sc.cands.push_back({s, c2, 0.0, 0});
          },
          [bound] { return bound; });
      return;
    }
    if (use_tree()) {
      const double c = std::sqrt(limit);
      const detail::TreeBox box(detail::TreePoint(q[0] - c, q[1] - c, q[2] - c),
                                detail::TreePoint(q[0] + c, q[1] + c, q[2] + c));
      sc.values.clear();
      t->query(detail::bgi::intersects(box) && detail::bgi::satisfies([&](const detail::TreeValue& v) {
                return chord2_to(q, v.second) <= limit && pred(v.second);
              }),
              std::back_inserter(sc.values));
      for (const auto& v : sc.values) sc.cands.push_back({v.second, chord2_to(q, v.second), 0.0, 0});
      return;
    }
    const auto n = static_cast<std::uint32_t>(ids.size());
    for (std::uint32_t s = 0; s < n; ++s) {
      const double c2 = chord2_to(q, s);
      if (c2 <= limit && pred(s)) sc.cands.push_back({s, c2, 0.0, 0});
    }
  }

  // The exact k nearest passing facilities by WGS84 distance, then id, into sc.cands
  // (which may hold more than k afterwards: callers read the first k). `t` is the tree
  // to search: the free-bed one, or nullptr for the point tree of every facility.
  template <typename Pred>
  void knn(const detail::Tree* t, double qlat, double qlon, std::size_t k, const Pred& pred,
           detail::Scratch& sc) const {
    sc.cands.clear();
    if (k == 0 || alive_count == 0) return;
    const detail::Vec3 q = detail::ecef_unit(qlat, qlon);
    // The ECEF chord is within 1e-8 of the distance at these scales: one candidate more
    // than asked nearly always proves the k-th (duplicates fall to the range pass).
    const std::size_t want = k + 1;
    const double far = gather_nearest(t, q, want, pred, sc);
    const std::size_t gathered = sc.cands.size();
    rank(qlat, qlon, k, sc.cands);
    if (gathered < want) return;  // every passing facility was seen
    const double dk = sc.cands[k - 1].distance;
    if (detail::ecef_beyond(far, dk)) return;  // unseen ones are farther than the k-th
    gather_range(t, q, detail::ecef_search_chord2(dk), pred, sc);
    rank(qlat, qlon, k, sc.cands);
  }
  template <typename Pred>
  void knn(double qlat, double qlon, std::size_t k, const Pred& pred, detail::Scratch& sc) const {
    knn(nullptr, qlat, qlon, k, pred, sc);
  }

  template <typename Pred>
  void radius(double qlat, double qlon, double radius_m, const Pred& pred, detail::Scratch& sc) const {
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
