// Batches of nearest queries: the points ordered along a Hilbert curve, so that
// consecutive queries walk the same part of the tree, then answered on several threads.
#include <algorithm>
#include <cmath>
#include <limits>
#include <smartkampung/geo.hpp>
#include <utility>
#include <vector>

#include "core/key_sort.hpp"
#include "core/progress.hpp"
#include "geo/batch_threads.hpp"
#include "geo/facility_index_impl.hpp"
#include "geo/geodesy.hpp"

namespace smartkampung::geo {

using detail::check_point;
using detail::parallel_for;
using detail::Scratch;
using detail::thread_scratch;

// The classic xy2d walk from the top bit down, without branches (which the random bits of
// random points mispredict: the branchy form took a seventh of a batch).
std::uint32_t detail::hilbert_key(std::uint32_t x, std::uint32_t y, int bits) {
  const std::uint32_t all = (1u << bits) - 1u;
  std::uint32_t d = 0;
  for (int b = bits - 1; b >= 0; --b) {
    const std::uint32_t rx = (x >> b) & 1u, ry = (y >> b) & 1u;
    d += ((3u * rx) ^ ry) << (2 * b);
    const std::uint32_t flip = (0u - (rx & (ry ^ 1u))) & all;  // rx = 1, ry = 0: mirror
    x ^= flip;
    y ^= flip;
    const std::uint32_t swap = (0u - (ry ^ 1u)) & (x ^ y);  // ry = 0: transpose
    x ^= swap;
    y ^= swap;
  }
  return d;
}

std::vector<std::uint32_t> detail::hilbert_order(std::size_t n, const double* lats,
                                                 const double* lons, unsigned threads) {
  std::vector<std::uint32_t> order;
  if (n < 2 || n > std::numeric_limits<std::uint32_t>::max()) return order;
  double lat0 = lats[0], lat1 = lats[0], lon0 = lons[0], lon1 = lons[0];
  for (std::size_t i = 1; i < n; ++i) {
    lat0 = std::min(lat0, lats[i]);
    lat1 = std::max(lat1, lats[i]);
    lon0 = std::min(lon0, lons[i]);
    lon1 = std::max(lon1, lons[i]);
  }
  // A grid of about 2n cells over the points' bounding box in degrees (near the poles and
  // across the antimeridian the order is less local; answers do not depend on it): finer
  // cells would not order the points better, and the key's cost grows with its bits.
  int bits = 4;
  while (bits < 16 && (std::size_t{1} << (2 * bits)) < 2 * n) ++bits;
  const double cells = static_cast<double>((1u << bits) - 1u);
  const double sy = lat1 > lat0 ? cells / (lat1 - lat0) : 0.0;
  const double sx = lon1 > lon0 ? cells / (lon1 - lon0) : 0.0;
  const std::uint32_t top = (1u << bits) - 1u;
  std::vector<std::uint64_t> keyed(n);
  smartkampung::detail::parallel_chunks(
      n, threads, std::size_t{1} << 16, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          const auto x = std::min(top, static_cast<std::uint32_t>((lons[i] - lon0) * sx));
          const auto y = std::min(top, static_cast<std::uint32_t>((lats[i] - lat0) * sy));
          keyed[i] = (static_cast<std::uint64_t>(hilbert_key(x, y, bits)) << 32) | i;
        }
      });
  // The index in the low half makes the words distinct: sorted, equal keys keep the input order.
  smartkampung::detail::sort_by_key<smartkampung::detail::NoPayload>(keyed, nullptr, threads);
  order.resize(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(keyed[i]);
  return order;
}

void FacilityIndex::nearest_batch(std::size_t n, const double* lats, const double* lons,
                                  std::size_t k, const Filter& filter, std::int64_t* out_ids,
                                  double* out_dists, unsigned threads,
                                  const Progress& progress) const {
  smartkampung::detail::ProgressMeter meter(progress, n, "nearest_batch", std::size_t{1} << 16);
  if (n == 0 || k == 0) {
    meter.start();
    meter.finish();
    return;
  }
  if (lats == nullptr || lons == nullptr || out_ids == nullptr || out_dists == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "lats, lons, out_ids and out_dists are required");
  }
  // The answers are addressed as i * k + j: refuse a size no array can have before that.
  if (k > std::numeric_limits<std::size_t>::max() / sizeof(double) / n) {
    throw Error(ErrorCode::kInvalidArgument, "nearest_batch: n * k answers (" + std::to_string(n) +
                                                 " * " + std::to_string(k) + ") exceed any array");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!detail::valid_lat(lats[i]) || !detail::valid_lon(lons[i])) {
      check_point(lats[i], lons[i], ("point " + std::to_string(i)).c_str());
    }
  }
  meter.start();
  std::shared_lock lock(impl_->mutex);
  const Impl& m = *impl_;
  const detail::CompiledFilter f = m.compile(filter);
  // One shared lock on the free-bed tree for the whole batch (none per query).
  const bool free_only = Impl::wants_free_tree(f);
  std::shared_lock<std::shared_mutex> free_lock(m.free_mutex, std::defer_lock);
  if (free_only) free_lock.lock();
  const detail::Tree* t = m.tree_for(f);
  const auto pass = [&m, &f](std::uint32_t s) { return m.passes(f, s); };
  const auto answer = [&](std::size_t i, const Scratch& scratch) {
    const std::size_t got = std::min(k, scratch.cands.size());
    for (std::size_t j = 0; j < k; ++j) {
      out_ids[i * k + j] = j < got ? scratch.cands[j].id : -1;
      out_dists[i * k + j] =
          j < got ? scratch.cands[j].distance : std::numeric_limits<double>::infinity();
    }
  };
  if (!m.use_tree() || n < detail::kOrderedBatchMin) {
    parallel_for(n, threads, 512, [&](std::size_t begin, std::size_t end) {
      Scratch& scratch = thread_scratch();
      constexpr std::size_t kReport = 1024;  // queries between two looks at the meter
      for (std::size_t i = begin; i < end; ++i) {
        if (i != begin && (i - begin) % kReport == 0) meter.add(kReport);
        m.knn(t, lats[i], lons[i], k, pass, scratch);
        answer(i, scratch);
      }
    });
    meter.finish();
    return;
  }
  // Points in Hilbert order, so that each one's search is seeded by the previous one's
  // answer and mostly served from the thread's cached ball (knn_seeded: no growing radius,
  // one rtree range query for a run of neighbouring points).
  const std::vector<std::uint32_t> order = detail::hilbert_order(n, lats, lons, threads);
  constexpr std::size_t kAhead = 8;
  const std::size_t cores = smartkampung::detail::thread_count(threads);
  const std::size_t chunk =
      std::clamp<std::size_t>(n / (8 * cores), 256, detail::kOrderedBatchChunk);
  smartkampung::detail::parallel_chunks(n, threads, chunk, [&](std::size_t begin, std::size_t end) {
    Scratch& scratch = thread_scratch();
    detail::BatchSeed seed;
    for (std::size_t p = begin; p < end; ++p) {
      const std::size_t i = order.empty() ? p : order[p];
      if (!order.empty() && p + kAhead < end) {  // the points and answers are scattered
        const std::size_t ahead = order[p + kAhead];
        __builtin_prefetch(&lats[ahead]);
        __builtin_prefetch(&lons[ahead]);
        __builtin_prefetch(&out_ids[ahead * k], 1);
        __builtin_prefetch(&out_dists[ahead * k], 1);
      }
      m.knn_seeded(t, lats[i], lons[i], k, pass, seed, scratch);
      answer(i, scratch);
    }
    meter.add(end - begin);
  });
  meter.finish();
}

}  // namespace smartkampung::geo
