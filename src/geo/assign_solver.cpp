#include "geo/assign_solver.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

namespace smartkampung::geo::detail {
namespace {

// A bipartite transport problem: each left node must send exactly supply[u] units, each
// right node accepts at most cap[r], each edge carries 0 or 1 unit.
struct Bipartite {
  std::uint32_t left = 0, right = 0;
  std::vector<std::int32_t> supply, cap;
  std::vector<std::uint32_t> offset;  // left CSR
  std::vector<std::uint32_t> to;      // edge -> right node
  std::vector<std::uint32_t> from;    // edge -> left node
  std::vector<double> cost;
};

// Successive shortest paths, one unit at a time from each left node, Dijkstra on reduced
// costs c + p(u) - p(v) >= 0 stopped at the first right node with spare capacity. The
// potential update p(v) -= D - dist(v) for nodes settled below D keeps reduced costs
// non-negative (nodes never settled keep theirs: the constant shift is dropped).
// Right nodes with spare capacity are never settled below D, so their potentials stay 0,
// which keeps the residual edges to the implicit sink consistent. Returns per edge flow.
std::vector<std::uint8_t> successive_shortest_paths(const Bipartite& g) {
  const std::uint32_t nodes = g.left + g.right;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> pot(nodes, 0.0), dist(nodes, inf);
  std::vector<std::uint32_t> pred(nodes, 0), stamp(nodes, 0), settled_stamp(nodes, 0);
  std::vector<std::uint8_t> flow(g.to.size(), 0);
  std::vector<std::vector<std::uint32_t>> into(g.right);  // right -> edges carrying flow
  std::vector<std::int32_t> used(g.right, 0);
  std::vector<std::uint32_t> settled;
  using Entry = std::pair<double, std::uint32_t>;
  std::vector<Entry> heap;
  const auto push = [&heap](double d, std::uint32_t v) {
    heap.emplace_back(d, v);
    std::push_heap(heap.begin(), heap.end(), std::greater<Entry>());
  };
  std::uint32_t round = 0;

  // A warm start that already meets the optimality conditions: with every right node at
  // potential 0, a left node of supply 1 sent along its cheapest edge, with potential
  // -cost, leaves every reduced cost >= 0 (forward: c - c_min; backward: 0). Only the
  // left nodes whose cheapest right node is full need a shortest path.
  std::vector<std::uint8_t> done(g.left, 0);
  for (std::uint32_t u = 0; u < g.left; ++u) {
    if (g.supply[u] != 1 || g.offset[u] == g.offset[u + 1]) continue;
    std::uint32_t best = g.offset[u];
    for (std::uint32_t e = g.offset[u] + 1; e < g.offset[u + 1]; ++e) {
      if (g.cost[e] < g.cost[best]) best = e;
    }
    pot[u] = -g.cost[best];
    const std::uint32_t r = g.to[best];
    if (used[r] < g.cap[r]) {
      ++used[r];
      flow[best] = 1;
      into[r].push_back(best);
      done[u] = 1;
    }
  }

  for (std::uint32_t source = 0; source < g.left; ++source) {
    if (done[source] != 0) continue;
    for (std::int32_t unit = 0; unit < g.supply[source]; ++unit) {
      ++round;
      heap.clear();
      settled.clear();
      dist[source] = 0.0;
      stamp[source] = round;
      push(0.0, source);
      std::uint32_t sink = nodes;
      double sink_dist = 0.0;
      while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<Entry>());
        const auto [d, v] = heap.back();
        heap.pop_back();
        if (settled_stamp[v] == round || d > dist[v]) continue;
        settled_stamp[v] = round;
        settled.push_back(v);
        if (v >= g.left) {
          const std::uint32_t r = v - g.left;
          if (used[r] < g.cap[r]) {
            sink = v;
            sink_dist = d;
            break;
          }
          for (const std::uint32_t e : into[r]) {
            const std::uint32_t w = g.from[e];
            const double nd = d + (-g.cost[e] + pot[v] - pot[w]);
            if (stamp[w] != round || nd < dist[w]) {
              stamp[w] = round;
              dist[w] = nd;
              pred[w] = e;
              push(nd, w);
            }
          }
        } else {
          for (std::uint32_t e = g.offset[v]; e < g.offset[v + 1]; ++e) {
            if (flow[e] != 0) continue;
            const std::uint32_t w = g.left + g.to[e];
            const double nd = d + (g.cost[e] + pot[v] - pot[w]);
            if (stamp[w] != round || nd < dist[w]) {
              stamp[w] = round;
              dist[w] = nd;
              pred[w] = e;
              push(nd, w);
            }
          }
        }
      }
      if (sink == nodes) break;  // no augmenting path: this left node cannot send more
      for (const std::uint32_t v : settled) {
        if (dist[v] < sink_dist) pot[v] -= sink_dist - dist[v];
      }
      ++used[sink - g.left];
      std::uint32_t v = sink;
      while (v != source) {
        const std::uint32_t e = pred[v];
        if (v >= g.left) {  // reached through a forward edge from[e] -> to[e]
          flow[e] = 1;
          into[v - g.left].push_back(e);
          v = g.from[e];
        } else {  // reached through a backward edge to[e] -> from[e]
          flow[e] = 0;
          auto& list = into[g.to[e]];
          const auto it = std::find(list.begin(), list.end(), e);
          *it = list.back();
          list.pop_back();
          v = g.left + g.to[e];
        }
      }
    }
  }
  return flow;
}

}  // namespace

std::vector<std::int32_t> solve_min_cost(const AssignmentProblem& p) {
  const auto residents = static_cast<std::uint32_t>(p.residents);
  const auto houses = static_cast<std::uint32_t>(p.beds.size());
  const std::size_t edges = p.house.size();
  std::int64_t total_beds = 0;
  for (const std::int32_t b : p.beds) total_beds += b;
  std::vector<std::int32_t> result(p.residents, -1);

  // Augment from residents, one unit each. When beds are fewer than residents, a dummy
  // house with (residents - beds) places, reachable from every resident at a cost above
  // any real one, takes the residents left out: every resident is then placed, the real
  // houses hold exactly min(residents, beds) (the greedy edges make that feasible), and
  // as the dummy's cost is the same for all, a cheapest such flow is a cheapest maximum
  // flow of the real graph.
  const bool dummy = static_cast<std::int64_t>(residents) > total_beds;
  Bipartite g;
  g.left = residents;
  g.right = houses + (dummy ? 1 : 0);
  g.supply.assign(residents, 1);
  g.cap = p.beds;
  double max_cost = 0.0;
  for (const double c : p.cost) max_cost = std::max(max_cost, c);
  if (dummy) g.cap.push_back(static_cast<std::int32_t>(static_cast<std::int64_t>(residents) - total_beds));
  const std::size_t extra = dummy ? residents : 0;
  g.offset.assign(residents + 1, 0);
  g.to.reserve(edges + extra);
  g.from.reserve(edges + extra);
  g.cost.reserve(edges + extra);
  for (std::uint32_t r = 0; r < residents; ++r) {
    for (std::uint32_t e = p.offset[r]; e < p.offset[r + 1]; ++e) {
      g.to.push_back(p.house[e]);
      g.from.push_back(r);
      g.cost.push_back(p.cost[e]);
    }
    if (dummy) {
      g.to.push_back(houses);
      g.from.push_back(r);
      g.cost.push_back(max_cost + 1.0);
    }
    g.offset[r + 1] = static_cast<std::uint32_t>(g.to.size());
  }
  const auto flow = successive_shortest_paths(g);
  for (std::uint32_t r = 0; r < residents; ++r) {
    for (std::uint32_t e = g.offset[r]; e < g.offset[r + 1]; ++e) {
      if (flow[e] != 0 && g.to[e] < houses) result[r] = static_cast<std::int32_t>(g.to[e]);
    }
  }
  return result;
}

}  // namespace smartkampung::geo::detail
