// Private: the threads of geo batches (nearest_batch, assignment), on core/parallel.hpp.
// Kept out of facility_index_impl.hpp, which tests include beside smartkampung::geo.
#ifndef SMARTKAMPUNG_SRC_GEO_BATCH_THREADS_HPP
#define SMARTKAMPUNG_SRC_GEO_BATCH_THREADS_HPP

#include <algorithm>
#include <cstddef>

#include "core/parallel.hpp"

namespace smartkampung::geo::detail {

// Runs body(begin, end) over [0, n) on up to `threads` threads (0: all cores), each range
// at least `min_chunk` long.
template <typename Body>
void parallel_for(std::size_t n, unsigned threads, std::size_t min_chunk, const Body& body) {
  const std::size_t max_workers = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_chunk));
  const auto workers = static_cast<unsigned>(
      std::min<std::size_t>(smartkampung::detail::thread_count(threads), max_workers));
  smartkampung::detail::parallel_ranges(
      n, workers, [&](std::size_t begin, std::size_t end, unsigned) { body(begin, end); });
}

}  // namespace smartkampung::geo::detail

#endif
