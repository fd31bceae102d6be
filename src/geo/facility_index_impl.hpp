// Private: the state behind FacilityIndex and its candidate search (R-tree or linear scan).
#ifndef SMARTKAMPUNG_SRC_GEO_FACILITY_INDEX_IMPL_HPP
#define SMARTKAMPUNG_SRC_GEO_FACILITY_INDEX_IMPL_HPP

#include <smartkampung/geo.hpp>

#include "geo/geodesy.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
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
  std::vector<double> lat, lon, lat_rad, lon_rad;
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
  detail::Tree tree;
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
    if (f.min_free > 0 && capacity[s] - occupied[s].load(std::memory_order_relaxed) < f.min_free) return false;
    return true;
  }

  bool use_tree() const { return alive_count >= linear_below; }

  double chord2_to(const detail::Vec3& q, std::uint32_t s) const {
    const double dx = x[s] - q[0], dy = y[s] - q[1], dz = z[s] - q[2];
    return dx * dx + dy * dy + dz * dz;
  }

  // The `want` passing facilities nearest to q by chord (all of them when fewer pass);
  // returns the largest chord2 among them.
  template <typename Pred>
  double gather_nearest(const detail::Vec3& q, std::size_t want, const Pred& pred, detail::Scratch& sc) const {
    sc.cands.clear();
    double far = 0.0;
    if (use_tree()) {
      sc.values.clear();
      tree.query(detail::bgi::nearest(detail::TreePoint(q[0], q[1], q[2]), static_cast<unsigned>(want)) &&
                     detail::bgi::satisfies([&pred](const detail::TreeValue& v) { return pred(v.second); }),
                 std::back_inserter(sc.values));
      for (const auto& v : sc.values) {
        const double c2 = chord2_to(q, v.second);
        far = std::max(far, c2);
        sc.cands.push_back({v.second, c2, 0.0, 0});
      }
      return far;
    }
    // Linear: a bounded max-heap on chord2.
    const auto by_chord = [](const detail::Candidate& a, const detail::Candidate& b) { return a.chord2 < b.chord2; };
    const auto n = static_cast<std::uint32_t>(ids.size());
    for (std::uint32_t s = 0; s < n; ++s) {
      const double c2 = chord2_to(q, s);
      if (sc.cands.size() == want && c2 >= sc.cands.front().chord2) continue;
      if (!pred(s)) continue;
      if (sc.cands.size() == want) {
        std::pop_heap(sc.cands.begin(), sc.cands.end(), by_chord);
        sc.cands.back() = {s, c2, 0.0, 0};
      } else {
        sc.cands.push_back({s, c2, 0.0, 0});
      }
      std::push_heap(sc.cands.begin(), sc.cands.end(), by_chord);
    }
    for (const auto& c : sc.cands) far = std::max(far, c.chord2);
    return far;
  }

  // Every passing facility with chord2 <= limit.
  template <typename Pred>
  void gather_range(const detail::Vec3& q, double limit, const Pred& pred, detail::Scratch& sc) const {
    sc.cands.clear();
    if (use_tree()) {
      const double c = std::sqrt(limit);
      const detail::TreeBox box(detail::TreePoint(q[0] - c, q[1] - c, q[2] - c),
                                detail::TreePoint(q[0] + c, q[1] + c, q[2] + c));
      sc.values.clear();
      tree.query(detail::bgi::intersects(box) && detail::bgi::satisfies([&](const detail::TreeValue& v) {
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
  // (which may hold more than k afterwards: callers read the first k).
  template <typename Pred>
  void knn(double qlat, double qlon, std::size_t k, const Pred& pred, detail::Scratch& sc) const {
    sc.cands.clear();
    if (k == 0 || alive_count == 0) return;
    const detail::Vec3 q = detail::unit_vector(qlat, qlon);
    // A few more candidates than asked usually settle the bound in one pass.
    const std::size_t want = k + std::max<std::size_t>(k, 4);
    const double far = gather_nearest(q, want, pred, sc);
    const std::size_t gathered = sc.cands.size();
    rank(qlat, qlon, k, sc.cands);
    if (gathered < want) return;  // every passing facility was seen
    const double dk = sc.cands[k - 1].distance;
    if (detail::beyond(far, dk)) return;  // unseen ones are farther than the k-th
    gather_range(q, detail::search_chord2(dk), pred, sc);
    rank(qlat, qlon, k, sc.cands);
  }

  template <typename Pred>
  void radius(double qlat, double qlon, double radius_m, const Pred& pred, detail::Scratch& sc) const {
    sc.cands.clear();
    if (alive_count == 0) return;
    const detail::Vec3 q = detail::unit_vector(qlat, qlon);
    gather_range(q, detail::search_chord2(radius_m), pred, sc);
    rank(qlat, qlon, 0, sc.cands);
    while (!sc.cands.empty() && sc.cands.back().distance > radius_m) sc.cands.pop_back();
  }
};

}  // namespace smartkampung::geo

#endif
