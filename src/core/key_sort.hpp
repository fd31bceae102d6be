// Private: a stable sort of 64-bit keys with a payload moved along (the registry's dedup,
// its NIK / KK index, and the geo batches' Hilbert order).
//
// One pass spreads the keys over about n/512 buckets by value, between a low and a high
// percentile of a sample (the keys below / above fall in the first / last bucket, so a
// stray NIK from another province does not squeeze the others into a few buckets). Each
// bucket is then sorted where it fits in cache: its keys, relative to its smallest, are
// packed with their position in the bucket into one word and sorted by a most-significant-
// digit radix sort that takes each sub-range's own span (skewed keys cost another level,
// not a quadratic sort). Both passes run on up to `threads` threads. The payload is moved
// twice, in order, instead of being gathered at random afterwards.
#ifndef SMARTKAMPUNG_SRC_CORE_KEY_SORT_HPP
#define SMARTKAMPUNG_SRC_CORE_KEY_SORT_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <type_traits>
#include <vector>

#include "core/parallel.hpp"

namespace smartkampung::detail {

/// The payload of a sort of keys alone.
struct NoPayload {};

namespace key_sort {

inline int bit_width(std::uint64_t v) noexcept { return v == 0 ? 0 : 64 - __builtin_clzll(v); }
/// v >> s, 0 for s >= 64.
inline std::uint64_t shift_right(std::uint64_t v, int s) noexcept { return s >= 64 ? 0 : v >> s; }

/// Sorts distinct words v[0, m) (scratch: room for m) ascending: one counting pass on
/// about log2(m) top bits of their span, then each part the same way (or by insertion when
/// small), so that evenly spread words take one pass and skewed ones a few more.
inline void sort_words(std::uint64_t* v, std::size_t m, std::uint64_t* scratch) {
  if (m <= 32) {
    for (std::size_t i = 1; i < m; ++i) {
      const std::uint64_t x = v[i];
      std::size_t j = i;
      for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
      v[j] = x;
    }
    return;
  }
  std::uint64_t lo = v[0], hi = v[0];
  for (std::size_t i = 1; i < m; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  constexpr int kMaxDigit = 12;
  const int digit = std::clamp(bit_width(m), 4, kMaxDigit);
  const int shift = std::max(0, bit_width(hi - lo) - digit);
  const std::size_t parts = static_cast<std::size_t>(shift_right(hi - lo, shift)) + 1;
  std::array<std::size_t, (std::size_t{1} << kMaxDigit) + 1> end;
  std::fill(end.begin(), end.begin() + static_cast<std::ptrdiff_t>(parts) + 1, std::size_t{0});
  for (std::size_t i = 0; i < m; ++i) ++end[((v[i] - lo) >> shift) + 1];
  for (std::size_t b = 1; b <= parts; ++b) end[b] += end[b - 1];
  // end[b] is where part b starts; after the scatter it is where part b ends.
  for (std::size_t i = 0; i < m; ++i) scratch[end[(v[i] - lo) >> shift]++] = v[i];
  std::copy(scratch, scratch + m, v);
  if (shift == 0) return;  // one value a part: sorted
  std::size_t s = 0;
  for (std::size_t b = 0; b < parts; ++b) {
    const std::size_t e = end[b];
    if (e - s > 1) sort_words(v + s, e - s, scratch + s);
    s = e;
  }
}

}  // namespace key_sort

/// The threads a sort of n keys uses, of `threads` (0: every core): one below 65,536 keys,
/// where starting threads costs more than it saves.
inline unsigned sort_workers(std::size_t n, unsigned threads) {
  return n < (std::size_t{1} << 16) ? 1u : thread_count(threads);
}

/// Sorts `keys` ascending, stably, moving (*payload)[i] with keys[i]; P = NoPayload with
/// payload nullptr sorts the keys alone. Uses up to `threads` threads (0: every core).
template <class P>
void sort_by_key(std::vector<std::uint64_t>& keys, std::vector<P>* payload, unsigned threads) {
  constexpr bool kPay = !std::is_same_v<P, NoPayload>;
  static_assert(std::is_trivially_copyable_v<P>, "the payload is copied as bytes");
  const std::size_t n = keys.size();
  if (n < 2) return;
  const unsigned workers = sort_workers(n, threads);

  // The value range of the buckets: a sample's 1st and 99th percentiles.
  constexpr std::size_t kSample = 1024;
  std::uint64_t lo = 0, hi = 0;
  {
    std::vector<std::uint64_t> sample(std::min(n, kSample));
    for (std::size_t i = 0; i < sample.size(); ++i) sample[i] = keys[i * n / sample.size()];
    std::sort(sample.begin(), sample.end());
    lo = sample[sample.size() / 100];
    hi = sample[sample.size() - 1 - sample.size() / 100];
  }
  std::size_t inner = 1;  // buckets between lo and hi: a power of two, n / 512 or fewer
  while (inner < 65536 && inner * 512 <= n) inner *= 2;
  const int shift = std::max(0, key_sort::bit_width(hi - lo) - key_sort::bit_width(inner - 1));
  const std::size_t buckets = static_cast<std::size_t>(key_sort::shift_right(hi - lo, shift)) + 3;
  auto bucket_of = [&](std::uint64_t k) -> std::size_t {
    if (k < lo) return 0;
    if (k > hi) return buckets - 1;
    return static_cast<std::size_t>(key_sort::shift_right(k - lo, shift)) + 1;
  };

  // Pass 1: counts per thread and bucket, then a stable scatter into tmp.
  std::vector<std::size_t> at(workers * buckets, 0);
  parallel_ranges(n, workers, [&](std::size_t a, std::size_t b, unsigned t) {
    std::size_t* c = &at[t * buckets];
    for (std::size_t i = a; i < b; ++i) ++c[bucket_of(keys[i])];
  });
  std::vector<std::size_t> bucket_start(buckets + 1, 0);
  {
    std::size_t sum = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      bucket_start[b] = sum;
      for (unsigned t = 0; t < workers; ++t) {
        const std::size_t x = at[t * buckets + b];
        at[t * buckets + b] = sum;
        sum += x;
      }
    }
    bucket_start[buckets] = sum;
  }
  std::unique_ptr<std::uint64_t[]> tmp_keys(new std::uint64_t[n]);
  std::unique_ptr<P[]> tmp_payload(kPay ? new P[n] : nullptr);
  parallel_ranges(n, workers, [&](std::size_t a, std::size_t b, unsigned t) {
    std::size_t* c = &at[t * buckets];
    for (std::size_t i = a; i < b; ++i) {
      const std::size_t pos = c[bucket_of(keys[i])]++;
      tmp_keys[pos] = keys[i];
      if constexpr (kPay) tmp_payload[pos] = (*payload)[i];
    }
  });

  // Pass 2: each bucket sorted in cache, back into keys / payload; the threads take runs of
  // buckets of about equal size.
  std::vector<std::size_t> first_bucket(workers + 1, buckets);
  for (unsigned t = 0; t < workers; ++t) {
    const std::size_t target = n / workers * t;
    first_bucket[t] = static_cast<std::size_t>(
        std::lower_bound(bucket_start.begin(), bucket_start.end() - 1, target) -
        bucket_start.begin());
  }
  run_threads(workers, [&](unsigned t) {
    std::vector<std::uint64_t> words, scratch;
    std::vector<std::size_t> order;
    for (std::size_t b = first_bucket[t]; b < first_bucket[t + 1]; ++b) {
      const std::size_t s = bucket_start[b], m = bucket_start[b + 1] - s;
      if (m == 0) continue;
      const std::uint64_t* src = tmp_keys.get() + s;
      std::uint64_t blo = src[0], bhi = src[0];
      for (std::size_t i = 1; i < m; ++i) {
        blo = std::min(blo, src[i]);
        bhi = std::max(bhi, src[i]);
      }
      const int index_bits = key_sort::bit_width(m - 1);
      auto place = [&](std::size_t i, std::size_t from) {
        keys[s + i] = src[from];
        if constexpr (kPay) (*payload)[s + i] = tmp_payload[s + from];
      };
      if (key_sort::bit_width(bhi - blo) + index_bits <= 64) {
        // (key - smallest) << index_bits | position: distinct words whose order is the
        // stable order of the keys.
        words.resize(m);
        scratch.resize(m);
        for (std::size_t i = 0; i < m; ++i) words[i] = (src[i] - blo) << index_bits | i;
        key_sort::sort_words(words.data(), m, scratch.data());
        const std::uint64_t mask = (std::uint64_t{1} << index_bits) - 1;
        for (std::size_t i = 0; i < m; ++i) place(i, static_cast<std::size_t>(words[i] & mask));
      } else {
        order.resize(m);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t x, std::size_t y) { return src[x] < src[y]; });
        for (std::size_t i = 0; i < m; ++i) place(i, order[i]);
      }
    }
  });
}

}  // namespace smartkampung::detail

#endif
