// Private: the one set of threading helpers of the core (linkage and geo batches). Each
// runs its work on plain std::threads joined before it returns, and rethrows the first
// failure, so a caller sees a parallel call as one ordinary call.
#ifndef SMARTKAMPUNG_SRC_CORE_PARALLEL_HPP
#define SMARTKAMPUNG_SRC_CORE_PARALLEL_HPP

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace smartkampung::detail {

/// `threads`, or every core for 0.
inline unsigned thread_count(unsigned threads) {
  return threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
}

/// Runs fn(thread_index) on `threads` threads (the caller's included, as index 0);
/// rethrows the first exception once all have finished.
template <typename Fn>
void run_threads(unsigned threads, Fn&& fn) {
  std::vector<std::thread> pool;
  std::exception_ptr error;
  std::mutex error_mutex;
  auto wrapped = [&](unsigned t) {
    try {
      fn(t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(wrapped, t);
  wrapped(0);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

/// Splits [0, n) into `workers` equal ranges and runs fn(lo, hi, thread_index) on each, one
/// thread a range (a range may be empty); one worker or fewer runs fn(0, n, 0) here.
template <typename Fn>
void parallel_ranges(std::size_t n, unsigned workers, Fn&& fn) {
  if (workers <= 1) {
    fn(std::size_t{0}, n, 0u);
    return;
  }
  const std::size_t chunk = (n + workers - 1) / workers;
  run_threads(workers, [&](unsigned t) {
    const std::size_t lo = std::min(n, t * chunk), hi = std::min(n, lo + chunk);
    fn(lo, hi, t);
  });
}

/// Runs body(begin, end) over [0, n) in chunks of `chunk` handed out in order to up to
/// `threads` threads (0: all cores) as each finishes its last, so that a thread slowed by
/// other work on a shared machine does not hold up the batch; after a failure no new chunk
/// is started, and the first failure is rethrown.
template <typename Body>
void parallel_chunks(std::size_t n, unsigned threads, std::size_t chunk, const Body& body) {
  const std::size_t chunks = (n + chunk - 1) / chunk;
  const auto workers = static_cast<unsigned>(std::min<std::size_t>(thread_count(threads), chunks));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  run_threads(std::max(1u, workers), [&](unsigned) {
    try {
      for (;;) {
        const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
        if (c >= chunks || failed.load(std::memory_order_relaxed)) return;
        body(c * chunk, std::min(n, (c + 1) * chunk));
      }
    } catch (...) {
      failed.store(true, std::memory_order_relaxed);
      throw;
    }
  });
}

}  // namespace smartkampung::detail

#endif
