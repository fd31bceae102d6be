// Capacity-aware assignment of many residents to facilities: greedy, or optimal through
// the assignment problem of assign_solver.
#include <algorithm>
#include <cmath>
#include <limits>
#include <smartkampung/geo.hpp>
#include <utility>
#include <vector>

#include "core/progress.hpp"
#include "geo/assign_solver.hpp"
#include "geo/batch_threads.hpp"
#include "geo/facility_index_impl.hpp"
#include "geo/geodesy.hpp"

namespace smartkampung::geo {

using detail::Candidate;
using detail::check_point;
using detail::parallel_for;
using detail::Scratch;
using detail::thread_scratch;
using smartkampung::detail::ProgressMeter;

// ---- assignment ----------------------------------------------------------------

namespace {
struct GreedyResult {
  std::vector<std::int32_t> slot;  // per resident, -1 unplaced
  std::vector<double> distance;
};

GreedyResult run_greedy(const FacilityIndex::Impl& m, std::size_t n, const double* lats,
                        const double* lons, std::vector<std::int32_t> remaining, std::int64_t beds,
                        ProgressMeter* meter = nullptr) {
  GreedyResult g;
  g.slot.assign(n, -1);
  g.distance.assign(n, 0.0);
  Scratch& scratch = thread_scratch();
  const auto has_bed = [&remaining](std::uint32_t s) { return remaining[s] > 0; };
  constexpr std::size_t kReport = 4096;  // residents between two looks at the meter
  for (std::size_t i = 0; i < n && beds > 0; ++i) {
    if (meter != nullptr && i % kReport == 0) meter->set(i);
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

detail::AssignmentProblem build_problem(const FacilityIndex::Impl& m, std::size_t n,
                                        const double* lats, const double* lons, std::size_t k,
                                        const std::vector<std::int32_t>& remaining,
                                        const GreedyResult& greedy,
                                        ProgressMeter* meter = nullptr) {
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
    throw Error(ErrorCode::kLimit, "assign: " + std::to_string(n) + " residents with " +
                                       std::to_string(k) +
                                       " candidate houses each exceed the solver's limit; lower k");
  }
  // k nearest houses with a free bed per resident, in parallel; then greedy's choice.
  std::vector<std::vector<std::pair<std::uint32_t, double>>> cand(n);
  parallel_for(n, 0, 256, [&](std::size_t begin, std::size_t end) {
    Scratch& scratch = thread_scratch();
    const auto has_bed = [&remaining](std::uint32_t s) { return remaining[s] > 0; };
    constexpr std::size_t kReport = 1024;  // residents between two looks at the meter
    for (std::size_t i = begin; i < end; ++i) {
      if (meter != nullptr && i != begin && (i - begin) % kReport == 0) meter->add(kReport);
      m.knn(lats[i], lons[i], k, has_bed, scratch);
      const std::size_t got = std::min(k, scratch.cands.size());
      cand[i].reserve(got + 1);
      for (std::size_t j = 0; j < got; ++j) {
        cand[i].emplace_back(static_cast<std::uint32_t>(local[scratch.cands[j].slot]),
                             scratch.cands[j].distance);
      }
    }
  });
  p.offset.assign(n + 1, 0);
  p.greedy.assign(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    if (greedy.slot[i] >= 0) {
      const auto h = static_cast<std::uint32_t>(local[static_cast<std::size_t>(greedy.slot[i])]);
      p.greedy[i] = static_cast<std::int32_t>(h);
      const bool present =
          std::any_of(cand[i].begin(), cand[i].end(),
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
                                                          const double* lats, const double* lons,
                                                          std::size_t k) {
  check_points(n, lats, lons);
  const FacilityIndex::Impl& m = index.impl();
  std::shared_lock lock(m.mutex);
  std::int64_t beds = 0;
  std::vector<std::int32_t> remaining = free_beds_snapshot(m, beds);
  const GreedyResult greedy = run_greedy(m, n, lats, lons, remaining, beds);
  return build_problem(m, n, lats, lons, k, remaining, greedy);
}

Assignment FacilityIndex::assign(std::size_t n, const double* lats, const double* lons,
                                 AssignMode mode, std::size_t k, bool reserve,
                                 const Progress& progress) {
  check_points(n, lats, lons);
  if (mode == AssignMode::kOptimal && k == 0)
    throw Error(ErrorCode::kInvalidArgument, "assign: k must be >= 1");
  // Residents placed by greedy, then (optimal) residents given candidates and the solver.
  const bool optimal = mode == AssignMode::kOptimal;
  ProgressMeter meter(progress, optimal ? 2 * n + 1 : n, "assign", std::size_t{1} << 16);
  meter.start();
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
  const GreedyResult greedy = run_greedy(m, n, lats, lons, remaining, beds, &meter);
  meter.set(n);

  Assignment result;
  result.house.assign(n, -1);
  std::vector<std::int32_t> slot_of_resident = greedy.slot;
  std::vector<double> distance = greedy.distance;
  if (mode == AssignMode::kOptimal) {
    const detail::AssignmentProblem p =
        build_problem(m, n, lats, lons, k, remaining, greedy, &meter);
    meter.set(2 * n);
    const std::vector<std::int32_t> local = detail::solve_min_cost(p);
    for (std::size_t i = 0; i < n; ++i) {
      slot_of_resident[i] = -1;
      if (local[i] < 0) continue;
      slot_of_resident[i] =
          static_cast<std::int32_t>(m.slot_of.at(p.house_id[static_cast<std::size_t>(local[i])]));
      for (std::uint32_t e = p.offset[i]; e < p.offset[i + 1]; ++e) {
        if (p.house[e] == static_cast<std::uint32_t>(local[i])) distance[i] = p.cost[e];
      }
    }
  }
  meter.finish();  // the last chance to cancel: nothing is reserved yet
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
