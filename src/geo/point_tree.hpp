// Private: a static k-d tree over 3-D points (the facilities' earth-centred positions) for
// nearest-by-chord and range searches with a predicate on slot numbers. Built once in
// O(n log n); FacilityIndex keeps the few facilities added or moved since in a side list
// and rebuilds when that list grows (see FacilityIndex::Impl::note_unindexed).
//
// Why not Boost.Geometry's rtree here: its nearest query (a visitor over variant nodes,
// sorting each node's branches) took 60% of a k = 5 query at 100,000 houses; this tree's
// depth-first search with the nearer child first and box pruning does the same work in a
// fraction of the time, and its leaves hold coordinates contiguously.
#ifndef SMARTKAMPUNG_SRC_GEO_POINT_TREE_HPP
#define SMARTKAMPUNG_SRC_GEO_POINT_TREE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace smartkampung::geo::detail {

class PointTree {
 public:
  /// Points (x[s], y[s], z[s]) for every slot s in `slots`.
  void build(const double* x, const double* y, const double* z, std::vector<std::uint32_t> slots) {
    pairs_.clear();
    xyz_.clear();
    slot_.clear();
    if (slots.empty()) return;
    pairs_.reserve(slots.size() / kLeaf + 2);
    pairs_.emplace_back();  // the root, alone in pair 0
    build_node(x, y, z, slots, 0, 0, slots.size());
    xyz_.reserve(3 * slots.size());
    for (const std::uint32_t s : slots) {
      xyz_.push_back(x[s]);
      xyz_.push_back(y[s]);
      xyz_.push_back(z[s]);
    }
    slot_ = std::move(slots);
  }

  std::size_t size() const { return slot_.size(); }

  /// Permutes `slots` into the order build() would put them in its leaves.
  static void leaf_order(const double* x, const double* y, const double* z, std::vector<std::uint32_t>& slots) {
    PointTree t;
    t.build(x, y, z, std::move(slots));
    slots = std::move(t.slot_);
  }

  /// visit(slot, chord2) for the points of every leaf whose box may hold a point at squared
  /// distance < bound(), nearer subtrees first; bound() may shrink as the search goes.
  template <typename Visit, typename Bound>
  void search(const double* q, const Visit& visit, const Bound& bound) const {
    if (pairs_.empty()) return;
    struct Pending {
      const Node* node;
      double d2;
    };
    Pending stack[64];
    int top = 0;
    stack[top++] = {&pairs_[0].side[0], box_distance2(pairs_[0].side[0], q)};
    while (top > 0) {
      const Pending p = stack[--top];
      if (!(p.d2 < bound())) continue;
      const Node* n = p.node;
      // Descend to a leaf, nearer child first, leaving the farther one on the stack.
      while (n->count == 0) {
        const Pair& children = pairs_[n->first];
        const Node* a = &children.side[0];
        const Node* b = &children.side[1];
        const double da = box_distance2(*a, q), db = box_distance2(*b, q);
        const double lim = bound();
        if (db < da) std::swap(a, b);
        const double near = std::min(da, db), far = std::max(da, db);
        if (far < lim) stack[top++] = {b, far};
        if (!(near < lim)) break;
        n = a;
        if (n->count == 0) {
          __builtin_prefetch(&pairs_[n->first]);
        } else {
          __builtin_prefetch(&xyz_[3 * static_cast<std::size_t>(n->first)]);
          __builtin_prefetch(&xyz_[3 * static_cast<std::size_t>(n->first) + 8]);
          __builtin_prefetch(&xyz_[3 * static_cast<std::size_t>(n->first) + 16]);
        }
      }
      if (n->count == 0) continue;
      const double* pts = &xyz_[3 * static_cast<std::size_t>(n->first)];
      double c2[kLeaf];
      for (std::uint32_t i = 0; i < n->count; ++i) {
        const double dx = pts[3 * i] - q[0], dy = pts[3 * i + 1] - q[1], dz = pts[3 * i + 2] - q[2];
        c2[i] = dx * dx + dy * dy + dz * dz;
      }
      for (std::uint32_t i = 0; i < n->count; ++i) visit(slot_[n->first + i], c2[i]);
    }
  }

 private:
  static constexpr std::uint32_t kLeaf = 8;

  // Boxes in float, rounded outwards (a box only has to contain its points): 32 bytes a
  // node, a pair of siblings to a 64-byte cache line.
  struct Node {
    float lo[3], hi[3];
    std::uint32_t first = 0;  // leaf: first point; inner: index of the children's pair
    std::uint32_t count = 0;  // leaf: number of points; inner: 0
  };
  struct alignas(64) Pair {
    Node side[2];
  };

  static double box_distance2(const Node& n, const double* q) {
    double d2 = 0.0;
    for (int a = 0; a < 3; ++a) {
      const double t = std::max(std::max(static_cast<double>(n.lo[a]) - q[a], q[a] - static_cast<double>(n.hi[a])), 0.0);
      d2 += t * t;
    }
    return d2;
  }
  static float down(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
    return f;
  }
  static float up(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
    return f;
  }
  Node& node(std::uint32_t id) { return pairs_[id / 2].side[id % 2]; }

  // Fills node `at` (pair at / 2, side at % 2) for slots[begin, end); an inner node's
  // children are appended as a pair.
  void build_node(const double* x, const double* y, const double* z, std::vector<std::uint32_t>& slots,
                  std::uint32_t at, std::size_t begin, std::size_t end) {
    const double* axis_of[3] = {x, y, z};
    double lo[3], hi[3];
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::numeric_limits<double>::infinity();
      hi[a] = -std::numeric_limits<double>::infinity();
    }
    for (std::size_t i = begin; i < end; ++i) {
      for (int a = 0; a < 3; ++a) {
        lo[a] = std::min(lo[a], axis_of[a][slots[i]]);
        hi[a] = std::max(hi[a], axis_of[a][slots[i]]);
      }
    }
    Node box;
    for (int a = 0; a < 3; ++a) {
      box.lo[a] = down(lo[a]);
      box.hi[a] = up(hi[a]);
    }
    if (end - begin <= kLeaf) {
      box.first = static_cast<std::uint32_t>(begin);
      box.count = static_cast<std::uint32_t>(end - begin);
      node(at) = box;
      return;
    }
    int axis = 0;
    for (int a = 1; a < 3; ++a) {
      if (hi[a] - lo[a] > hi[axis] - lo[axis]) axis = a;
    }
    // Split near the middle at a multiple of the leaf size, so that leaves are full.
    const std::size_t half = (end - begin) / 2;
    const std::size_t mid = begin + std::max<std::size_t>(kLeaf, half / kLeaf * kLeaf);
    const double* coord = axis_of[axis];
    std::nth_element(slots.begin() + static_cast<std::ptrdiff_t>(begin),
                     slots.begin() + static_cast<std::ptrdiff_t>(mid),
                     slots.begin() + static_cast<std::ptrdiff_t>(end),
                     [coord](std::uint32_t a, std::uint32_t b) { return coord[a] < coord[b]; });
    const auto pair = static_cast<std::uint32_t>(pairs_.size());
    box.first = pair;
    box.count = 0;
    node(at) = box;
    pairs_.emplace_back();
    build_node(x, y, z, slots, 2 * pair, begin, mid);
    build_node(x, y, z, slots, 2 * pair + 1, mid, end);
  }

  std::vector<Pair> pairs_;
  std::vector<double> xyz_;          // leaf order
  std::vector<std::uint32_t> slot_;  // leaf order
};

}  // namespace smartkampung::geo::detail

#endif
