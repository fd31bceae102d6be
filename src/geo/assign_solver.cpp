#include "geo/assign_solver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace smartkampung::geo::detail {
namespace {

// A flow network in CSR form with paired residual arcs (arc a and rev[a]).
struct Network {
  std::uint32_t nodes = 0;
  std::vector<std::uint32_t> first;  // node -> its first arc; nodes + 1 entries
  std::vector<std::uint32_t> head;   // arc -> node it points to
  std::vector<std::uint32_t> rev;    // arc -> its reverse arc
  std::vector<std::int32_t> residual;
  std::vector<std::int64_t> cost;
};

struct Edge {
  std::uint32_t from, to;
  std::int32_t cap;
  std::int64_t cost;
};

Network make_network(std::uint32_t nodes, const std::vector<Edge>& edges) {
  Network g;
  g.nodes = nodes;
  g.first.assign(nodes + 1, 0);
  for (const Edge& e : edges) {
    ++g.first[e.from + 1];
    ++g.first[e.to + 1];
  }
  for (std::uint32_t v = 0; v < nodes; ++v) g.first[v + 1] += g.first[v];
  const std::size_t arcs = 2 * edges.size();
  g.head.resize(arcs);
  g.rev.resize(arcs);
  g.residual.resize(arcs);
  g.cost.resize(arcs);
  std::vector<std::uint32_t> fill(g.first.begin(), g.first.end() - 1);
  for (const Edge& e : edges) {
    const std::uint32_t a = fill[e.from]++, b = fill[e.to]++;
    g.head[a] = e.to;
    g.head[b] = e.from;
    g.rev[a] = b;
    g.rev[b] = a;
    g.residual[a] = e.cap;
    g.residual[b] = 0;
    g.cost[a] = e.cost;
    g.cost[b] = -e.cost;
  }
  return g;
}

// Goldberg and Tarjan's cost scaling with push-relabel. Reduced cost of arc (v, w):
// cost + price[v] - price[w]; a flow is eps-optimal when every arc with residual capacity
// has reduced cost >= -eps, and for integer costs multiplied by the node count + 1 a
// flow that is 1-optimal is optimal. Each refine turns an eps*alpha-optimal flow into an
// eps-optimal one: saturate every arc of negative reduced cost (a 0-optimal pseudoflow),
// then push excess along admissible arcs (residual, reduced cost < 0) and relabel a node
// with none (lower its price to make one, by at least eps). `supply` must be feasible.
class CostScaling {
 public:
  CostScaling(Network& g, std::vector<std::int64_t> excess)
      : g_(g),
        excess_(std::move(excess)),
        price_(g.nodes, 0),
        current_(g.nodes, 0),
        queued_(g.nodes, 0) {}

  // False when the supplies cannot be met (a caller's broken promise), with the flow
  // left unfinished.
  bool run(std::int64_t max_cost) {
    // Small steps measured best on 10,000 residents x 1,000 houses (k = 20): pushes over all
    // refines 2.5 M with alpha 2, 4.0 M with 4, 10.3 M with 12, 18 M with 32; each refine
    // starts close to optimal, so its pushes stay local.
    constexpr std::int64_t kAlpha = 2;
    std::int64_t eps = std::max<std::int64_t>(1, max_cost);
    for (;;) {
      if (!refine(eps)) return false;
      if (eps == 1) break;
      eps = std::max<std::int64_t>(1, eps / kAlpha);
    }
    return true;
  }

 private:
  std::int64_t reduced(std::uint32_t v, std::uint32_t a) const {
    return g_.cost[a] + price_[v] - price_[g_.head[a]];
  }

  void push(std::uint32_t v, std::uint32_t a, std::int32_t amount) {
    const std::uint32_t w = g_.head[a];
    g_.residual[a] -= amount;
    g_.residual[g_.rev[a]] += amount;
    excess_[v] -= amount;
    excess_[w] += amount;
    if (excess_[w] > 0 && queued_[w] == 0) {
      queued_[w] = 1;
      queue_.push_back(w);
    }
  }

  bool relabel(std::uint32_t v, std::int64_t eps) {
    std::int64_t best = std::numeric_limits<std::int64_t>::min();
    for (std::uint32_t a = g_.first[v]; a < g_.first[v + 1]; ++a) {
      if (g_.residual[a] > 0) best = std::max(best, price_[g_.head[a]] - g_.cost[a]);
    }
    // A node with excess received it through an arc whose reverse has room.
    // No residual arc, or prices running away (supplies that cannot be met): a feasible
    // problem keeps them within a few times nodes * the largest cost, which
    // solve_min_cost's choice of unit keeps below 1e18.
    constexpr std::int64_t kPriceFloor = -4'500'000'000'000'000'000;
    if (best == std::numeric_limits<std::int64_t>::min() || best < kPriceFloor + eps) return false;
    price_[v] = best - eps;
    return true;
  }

  bool refine(std::int64_t eps) {
    queue_.clear();
    for (std::uint32_t v = 0; v < g_.nodes; ++v) {
      for (std::uint32_t a = g_.first[v]; a < g_.first[v + 1]; ++a) {
        if (g_.residual[a] > 0 && reduced(v, a) < 0) {
          const std::int32_t amount = g_.residual[a];
          g_.residual[a] = 0;
          g_.residual[g_.rev[a]] += amount;
          excess_[v] -= amount;
          excess_[g_.head[a]] += amount;
        }
      }
    }
    for (std::uint32_t v = 0; v < g_.nodes; ++v) {
      current_[v] = g_.first[v];
      queued_[v] = excess_[v] > 0 ? 1 : 0;
      if (queued_[v] != 0) queue_.push_back(v);
    }
    for (std::size_t qi = 0; qi < queue_.size(); ++qi) {
      const std::uint32_t v = queue_[qi];
      queued_[v] = 0;
      while (excess_[v] > 0) {
        std::uint32_t& a = current_[v];
        if (a == g_.first[v + 1]) {
          if (!relabel(v, eps)) return false;
          a = g_.first[v];
          continue;
        }
        if (g_.residual[a] > 0 && reduced(v, a) < 0) {
          const auto amount =
              static_cast<std::int32_t>(std::min<std::int64_t>(excess_[v], g_.residual[a]));
          push(v, a, amount);
          if (g_.residual[a] > 0) continue;
        }
        ++a;
      }
      // Compact the queue now and then so that it does not grow without bound.
      if (qi > 4096 && qi * 2 > queue_.size()) {
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(qi + 1));
        qi = static_cast<std::size_t>(-1);
      }
    }
    return true;
  }

  Network& g_;
  std::vector<std::int64_t> excess_;
  std::vector<std::int64_t> price_;
  std::vector<std::uint32_t> current_;
  std::vector<std::uint8_t> queued_;
  std::vector<std::uint32_t> queue_;
};

}  // namespace

std::vector<std::int32_t> solve_min_cost(const AssignmentProblem& p) {
  const auto residents = static_cast<std::uint32_t>(p.residents);
  const auto houses = static_cast<std::uint32_t>(p.beds.size());
  std::vector<std::int32_t> result(p.residents, -1);
  if (residents == 0 || houses == 0) return result;

  // The flow to send: greedy's placements, which are a maximum flow of the candidate graph
  // (greedy places min(residents, beds) and its edges are in the graph).
  // Checked, since cost scaling would not end on supplies that cannot be met: greedy's
  // houses exist, are among the resident's candidates and hold no more than their beds.
  std::int64_t flow = 0;
  std::vector<std::int32_t> used(houses, 0);
  for (std::uint32_t r = 0; r < residents; ++r) {
    if (r >= p.greedy.size() || p.greedy[r] < 0) continue;
    const auto h = static_cast<std::uint32_t>(p.greedy[r]);
    const bool candidate =
        h < houses && std::find(p.house.begin() + p.offset[r], p.house.begin() + p.offset[r + 1],
                                h) != p.house.begin() + p.offset[r + 1];
    if (!candidate || ++used[h] > p.beds[h]) return result;
    ++flow;
  }
  if (flow == 0) return result;

  // Nodes: source, residents, houses, sink. Whole millimetres (coarser only if the prices
  // could overflow), times the node count + 1 so that 1-optimal means optimal.
  const std::uint32_t source = 0, sink = residents + houses + 1, nodes = residents + houses + 2;
  double max_m = 0.0;
  for (const double c : p.cost) max_m = std::max(max_m, c);
  double unit = 1000.0;
  const double n1 = static_cast<double>(nodes) + 1.0;
  // Prices stay within a few times nodes * the largest scaled cost.
  while (unit > 1e-6 && (max_m * unit + 1.0) * n1 * 4.0 * n1 > 4e18) unit /= 10.0;
  const auto scale = static_cast<std::int64_t>(nodes) + 1;

  // When every resident is placed, each is a source of one unit and the source node (a hub
  // that every refine would relabel over all its arcs) is left out.
  const bool everyone = flow == static_cast<std::int64_t>(residents);
  std::vector<Edge> edges;
  edges.reserve(residents + houses + p.house.size());
  std::int64_t max_cost = 0;
  for (std::uint32_t r = 0; r < residents; ++r) {
    if (p.offset[r] == p.offset[r + 1]) continue;
    if (!everyone) edges.push_back({source, 1 + r, 1, 0});
    for (std::uint32_t e = p.offset[r]; e < p.offset[r + 1]; ++e) {
      const std::int64_t c = std::llround(p.cost[e] * unit) * scale;
      max_cost = std::max(max_cost, c);
      edges.push_back({1 + r, 1 + residents + p.house[e], 1, c});
    }
  }
  for (std::uint32_t h = 0; h < houses; ++h) {
    if (p.beds[h] > 0) edges.push_back({1 + residents + h, sink, p.beds[h], 0});
  }
  Network g = make_network(nodes, edges);
  std::vector<std::int64_t> excess(nodes, 0);
  if (everyone) {
    for (std::uint32_t r = 0; r < residents; ++r) excess[1 + r] = 1;
  } else {
    excess[source] = flow;
  }
  excess[sink] = -flow;
  if (!CostScaling(g, std::move(excess)).run(max_cost)) {
    // Unreachable when greedy's placement is a maximum flow, as assign's is; greedy's
    // answer is still a valid one.
    for (std::uint32_t r = 0; r < residents && r < p.greedy.size(); ++r) result[r] = p.greedy[r];
    return result;
  }

  for (std::uint32_t r = 0; r < residents; ++r) {
    const std::uint32_t v = 1 + r;
    for (std::uint32_t a = g.first[v]; a < g.first[v + 1]; ++a) {
      const std::uint32_t w = g.head[a];
      if (w > residents && w != sink && g.residual[a] == 0 && g.cost[a] >= 0) {
        result[r] = static_cast<std::int32_t>(w - 1 - residents);
      }
    }
  }
  return result;
}

}  // namespace smartkampung::geo::detail
