// Private: the assignment problem behind FacilityIndex::assign and its min-cost solver.
#ifndef SMARTKAMPUNG_SRC_GEO_ASSIGN_SOLVER_HPP
#define SMARTKAMPUNG_SRC_GEO_ASSIGN_SOLVER_HPP

#include <smartkampung/geo.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace smartkampung::geo::detail {

/// Residents, candidate houses (local indices 0..houses-1) with free beds, and candidate
/// edges resident -> house with their distance, in CSR form by resident.
struct AssignmentProblem {
  std::size_t residents = 0;
  std::vector<std::int64_t> house_id;  // local house -> facility id
  std::vector<std::int32_t> beds;      // local house -> free beds
  std::vector<std::uint32_t> offset;   // residents + 1
  std::vector<std::uint32_t> house;    // edge -> local house
  std::vector<double> cost;            // edge -> metres
  std::vector<std::int32_t> greedy;    // resident -> local house or -1 (always an edge)
};

/// A minimum-cost maximum flow: per resident a local house or -1. Exact when the greedy
/// assignment (whose edges the problem holds) places min(residents, beds); successive
/// shortest paths from each resident with Dijkstra on reduced costs, after a warm start
/// that places every resident whose cheapest house has room; when beds are fewer, a dummy
/// house takes the surplus so that every augmentation succeeds.
std::vector<std::int32_t> solve_min_cost(const AssignmentProblem& problem);

/// The candidate problem assign(mode = optimal) solves, for tests and benchmarks.
AssignmentProblem make_assignment_problem(const FacilityIndex& index, std::size_t n, const double* lats,
                                          const double* lons, std::size_t k);

}  // namespace smartkampung::geo::detail

#endif
