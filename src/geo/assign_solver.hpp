// Private: the assignment problem behind FacilityIndex::assign and its min-cost solver.
#ifndef SMARTKAMPUNG_SRC_GEO_ASSIGN_SOLVER_HPP
#define SMARTKAMPUNG_SRC_GEO_ASSIGN_SOLVER_HPP

#include <cstddef>
#include <cstdint>
#include <smartkampung/geo.hpp>
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

/// A minimum-cost maximum flow: per resident a local house or -1. Requires that the greedy
/// assignment (whose edges the problem holds) is a maximum flow, as assign's is (it places
/// min(residents, beds)); a greedy assignment that is not even feasible (over a bed count,
/// not a candidate) gives all -1. Costs are rounded to whole millimetres (coarser only when the
/// problem is so large that the scaled costs could overflow 64 bits), and the answer is
/// optimal for those: cost scaling with push-relabel (Goldberg and Tarjan), costs times
/// (nodes + 1), down to eps = 1.
std::vector<std::int32_t> solve_min_cost(const AssignmentProblem& problem);

/// The candidate problem assign(mode = optimal) solves, for tests and benchmarks.
AssignmentProblem make_assignment_problem(const FacilityIndex& index, std::size_t n,
                                          const double* lats, const double* lons, std::size_t k);

}  // namespace smartkampung::geo::detail

#endif
