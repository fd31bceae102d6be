// Private: how the incremental linker keeps its records (linker.cpp, linker_store.cpp):
// the columns of each record in one arena, and the short summary rows that let most
// candidates be rejected without preparing the record again.
#ifndef SMARTKAMPUNG_SRC_LINKAGE_LINKER_ROWS_HPP
#define SMARTKAMPUNG_SRC_LINKAGE_LINKER_ROWS_HPP

#include <algorithm>
#include <array>
#include <cstring>
#include <smartkampung/linkage.hpp>

#include "core/block_vector.hpp"
#include "core/large_alloc.hpp"
#include "linkage/engine.hpp"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits>
#include <utility>

namespace smartkampung::detail {

// ---- the columns of the stored records ------------------------------------------------

// One blob a record (the values of the model's used_columns, each a LEB128 length and its
// bytes) in chunks that never move: no allocation a record, about its text in size.
class ColumnArena {
 public:
  template <typename Record>
  void append(const Record& r, const std::vector<std::string>& columns) {
    std::size_t need = 0;
    for (const std::string& c : columns) need += varint_size(r.get(c).size()) + r.get(c).size();
    if (chunks_.empty() || used_ + need > capacity_) {
      capacity_ = std::max(kChunk, need);
      chunks_.push_back(Chunk(static_cast<char*>(large_allocate(capacity_)), ChunkFree{capacity_}));
      used_ = 0;
    }
    offsets_.push_back((static_cast<std::uint64_t>(chunks_.size() - 1) << 32) | used_);
    char* out = chunks_.back().get() + used_;
    for (const std::string& c : columns) {
      const std::string_view v = r.get(c);
      std::size_t n = v.size();
      do {
        *out++ = static_cast<char>((n & 0x7F) | (n > 0x7F ? 0x80 : 0));
        n >>= 7;
      } while (n != 0);
      if (!v.empty()) std::memcpy(out, v.data(), v.size());
      out += v.size();
    }
    used_ += need;
  }

  /// The values of record i's `count` columns, viewing the arena.
  void view(std::size_t i, std::size_t count, std::string_view* out) const {
    const std::uint64_t at = offsets_[i];
    const char* p = chunks_[at >> 32].get() + (at & 0xFFFFFFFFU);
    for (std::size_t c = 0; c < count; ++c) {
      std::size_t n = 0;
      for (int shift = 0;; shift += 7) {
        const auto byte = static_cast<unsigned char>(*p++);
        n |= static_cast<std::size_t>(byte & 0x7F) << shift;
        if (!(byte & 0x80)) break;
      }
      out[c] = std::string_view(p, n);
      p += n;
    }
  }

 private:
  static std::size_t varint_size(std::size_t n) {
    std::size_t k = 1;
    while (n > 0x7F) {
      n >>= 7;
      ++k;
    }
    return k;
  }
  static constexpr std::size_t kChunk = std::size_t{1} << 22;
  struct ChunkFree {
    std::size_t bytes;
    void operator()(char* p) const noexcept { large_deallocate(p, bytes); }
  };
  using Chunk = std::unique_ptr<char[], ChunkFree>;
  std::vector<Chunk> chunks_;
  std::size_t used_ = 0, capacity_ = 0;
  BlockVector<std::uint64_t> offsets_;  // chunk << 32 | position
};

// ---- summary row storage --------------------------------------------------------------

// Rows of a fixed number of 32-bit words, in blocks of 2^shift rows that never move:
// appending never copies what is held (a growing vector of 10 M rows would copy 2 GB at
// its last doubling, in one add()). A block is whole 2 MiB huge pages but for at most
// 1/32 (a block of cheap rows is exactly one).
class RowStore {
 public:
  void init(std::size_t words) {
    blocks_.clear();
    words_ = words;
    size_ = 0;
    constexpr std::size_t kPage = std::size_t{2} << 20;
    shift_ = 15;
    while (shift_ < 20) {
      const std::size_t bytes = block_bytes(), pages = (bytes + kPage - 1) / kPage * kPage;
      if ((pages - bytes) * 32 <= pages) break;
      ++shift_;
    }
  }
  /// A new row of zeros at index size() - 1.
  std::uint32_t* append() {
    if ((size_ & ((std::size_t{1} << shift_) - 1)) == 0) {
      const std::size_t bytes = block_bytes();
      blocks_.push_back(
          Block(static_cast<std::uint32_t*>(large_allocate_zeroed(bytes)), BlockFree{bytes}));
    }
    return row(size_++);
  }
  std::uint32_t* row(std::size_t i) {
    return blocks_[i >> shift_].get() + (i & ((std::size_t{1} << shift_) - 1)) * words_;
  }
  const std::uint32_t* row(std::size_t i) const {
    return blocks_[i >> shift_].get() + (i & ((std::size_t{1} << shift_) - 1)) * words_;
  }

 private:
  std::size_t block_bytes() const {
    return std::max<std::size_t>(words_, 1) * sizeof(std::uint32_t) << shift_;
  }
  struct BlockFree {
    std::size_t bytes;
    void operator()(std::uint32_t* p) const noexcept { large_deallocate(p, bytes); }
  };
  using Block = std::unique_ptr<std::uint32_t[], BlockFree>;
  std::vector<Block> blocks_;
  std::size_t words_ = 0, size_ = 0, shift_ = 15;
};

// ---- summary rows -----------------------------------------------------------------------

// A 64-bit value in two words: put() writes it, joined() reads it back.
inline void put(std::uint64_t h, std::uint32_t* w) {
  w[0] = static_cast<std::uint32_t>(h);
  w[1] = static_cast<std::uint32_t>(h >> 32);
}
inline std::uint64_t joined(const std::uint32_t* w) {
  return w[0] | (static_cast<std::uint64_t>(w[1]) << 32);
}
// A 64-bit set of a value's token hashes: disjoint sets prove that no token is shared.
inline std::uint64_t token_bits(TokenSpan tokens) {
  std::uint64_t bits = 0;
  for (std::uint64_t t : tokens) bits |= std::uint64_t{1} << ((t * 0x9E3779B97F4A7C15ULL) >> 58);
  return bits;
}

// Digits as packed decimal (digit k in bits 4k..4k+3), or false when the text is not
// 1 to 16 digits.

// Levels of one substitution (2), an adjacent transposition (3) or neither (4) between two
// different packed digit strings of equal length: one_substitution and
// adjacent_transposition of their texts.
inline int packed_level(std::uint64_t a, std::uint64_t b, int substitution, int transposition,
                        int different) {
  const std::uint64_t x = a ^ b;
  if (x == 0) return different;  // not reached: equal digits are the exact level
  const int first = __builtin_ctzll(x) / 4;
  const std::uint64_t rest = first >= 15 ? 0 : x >> (4 * first + 4);  // a shift by 64 is undefined
  if (rest == 0) return substitution;
  if (rest >> 4 != 0) return different;
  const auto digit = [](std::uint64_t v, int k) { return (v >> (4 * k)) & 0xF; };
  if (digit(a, first) == digit(b, first + 1) && digit(a, first + 1) == digit(b, first) &&
      digit(a, first) != digit(a, first + 1)) {
    return transposition;
  }
  return different;
}

// What the first comparisons of a pair read: a few 32-bit words a field, in two rows a
// record: the cheap kinds' (ids, dates, codes; one cache line for the default fields,
// padded to whole lines) and the rest's (names, strings, tokens; 140 bytes). Levels
// compare_field reaches on hashes and digits come out exactly (64-bit hashes; ids of up
// to 16 digits and parsed dates as packed decimal, dates with their day number; a name's
// phonetic and sorted-token hashes; the token hashes of a token set of up to kRowTokens
// tokens); for names and strings, letter counts (4 bits a letter) and a name's 64-bit
// set of token hashes bound the level: compare_field's own Jaro-Winkler cut-offs on
// letter counts, no token shared. The rest is done on the record prepared again.
class Summaries {
 public:
  static constexpr std::size_t kRowTokens = 5;  // token hashes a row holds (addresses: 4-5)

  void init(const LinkModel& m) {
    const std::size_t F = m.field_count();
    offset_.assign(F, 0);
    cheap_.assign(F, 0);
    // Kinds decided from a few words first, in a row of their own, so that a first bound
    // reads only them.
    cheap_fields_.clear();
    rest_fields_.clear();
    for (std::size_t f = 0; f < F; ++f) {
      (is_cheap(m.fields[f].spec.kind) ? cheap_fields_ : rest_fields_).push_back(f);
    }
    cheap_words_ = rest_words_ = 0;
    for (std::size_t f : cheap_fields_) {
      cheap_[f] = 1;
      offset_[f] = cheap_words_;
      cheap_words_ += words_of(m.fields[f].spec.kind);
    }
    cheap_words_ = (cheap_words_ + kLineWords - 1) / kLineWords * kLineWords;
    for (std::size_t f : rest_fields_) {
      offset_[f] = rest_words_;
      rest_words_ += words_of(m.fields[f].spec.kind);
    }
  }
  static constexpr std::size_t kLineWords = 16;  // a 64-byte cache line

  static bool is_cheap(CompareKind kind) {
    return kind == CompareKind::kExact || kind == CompareKind::kSex || kind == CompareKind::kId ||
           kind == CompareKind::kNik || kind == CompareKind::kDate || kind == CompareKind::kRtRw;
  }
  const std::vector<std::size_t>& cheap_fields() const { return cheap_fields_; }
  const std::vector<std::size_t>& rest_fields() const { return rest_fields_; }

  /// Per field and level, the most weight that level or a worse one gives (the
  /// term-frequency bonus of an exact level at its 2-bit most).
  void set_weights(const LinkModel& m) {
    const std::size_t F = m.field_count();
    best_from_.assign(F, {});
    for (std::size_t f = 0; f < F; ++f) {
      const int L = m.fields[f].levels;
      double best = -HUGE_VAL;
      for (int l = L; l >= 1; --l) {
        const double w =
            m.level_weight_max(f, l) + (l == 1 && m.fields[f].spec.term_frequency ? 2.0 : 0.0);
        best = std::max(best, w);
        best_from_[f][static_cast<std::size_t>(l)] = best;
      }
    }
  }

  /// Words of a cheap row (whole cache lines) and of a rest row.
  std::size_t cheap_words() const { return cheap_words_; }
  std::size_t rest_words() const { return rest_words_; }
  /// Field f's words in a record's rows.
  const std::uint32_t* field(std::size_t f, const std::uint32_t* cheap,
                             const std::uint32_t* rest) const {
    return (cheap_[f] ? cheap : rest) + offset_[f];
  }

  void encode(const LinkModel& m, const FieldValue* values, std::uint32_t* cheap,
              std::uint32_t* rest) const {
    std::fill(cheap, cheap + cheap_words_, 0U);
    std::fill(rest, rest + rest_words_, 0U);
    for (std::size_t f = 0; f < m.field_count(); ++f) {
      const FieldValue& v = values[f];
      std::uint32_t* w = (cheap_[f] ? cheap : rest) + offset_[f];
      if (v.null) continue;  // all words 0
      switch (m.fields[f].spec.kind) {
        case CompareKind::kExact:
        case CompareKind::kSex:
          put(v.h, w);
          break;
        case CompareKind::kId: {
          std::uint64_t digits = 0;
          const bool packed = pack_digits(v.text(), digits);
          w[0] = static_cast<std::uint32_t>(std::min<std::size_t>(v.text().size(), 0xFFFF)) |
                 (packed ? 0x10000U : 0U);
          const std::uint64_t payload = packed ? digits : v.h;
          put(payload, w + 1);
          break;
        }
        case CompareKind::kNik: {
          const bool packed = (v.h3 & kNikPacked) != 0;
          w[0] = static_cast<std::uint32_t>(std::min<std::size_t>(v.text().size(), 0xFFFF)) |
                 (packed ? 0x10000U : 0U) | ((v.h3 & kNikWellFormed) != 0 ? 0x20000U : 0U) |
                 ((v.h3 & kNikDateAgrees) != 0 ? 0x40000U : 0U) |
                 ((v.h3 & kNikRegionAgrees) != 0 ? 0x80000U : 0U);
          put(packed ? v.h2 : v.h, w + 1);
          break;
        }
        case CompareKind::kDate: {
          put(v.h, w);
          std::uint64_t digits = 0;
          if (v.year != 0 && v.text().size() == 8 && pack_digits(v.text(), digits)) {
            w[2] = static_cast<std::uint32_t>(v.days);
            w[3] = static_cast<std::uint32_t>(digits);
          }
          break;
        }
        case CompareKind::kRtRw:
          put(v.h3, w);
          put(v.h, w + 2);
          break;
        case CompareKind::kName: {
          put(v.h, w);
          put(v.h2, w + 2);
          put(v.h3, w + 4);
          w[6] =
              static_cast<std::uint32_t>(std::min<std::size_t>(v.text().size(), 0xFFFF)) |
              (static_cast<std::uint32_t>(std::min<std::size_t>(v.tokens().size(), 0xFFFF)) << 16);
          std::memcpy(w + 7, v.hist.data(), sizeof v.hist);
          put(token_bits(v.tokens()), w + 11);
          break;
        }
        case CompareKind::kString:
          put(v.h, w);
          w[2] = static_cast<std::uint32_t>(std::min<std::size_t>(v.text().size(), 0xFFFFFFFF));
          std::memcpy(w + 3, v.hist.data(), sizeof v.hist);
          break;
        case CompareKind::kTokens: {
          put(v.h, w);
          put(v.h2, w + 2);
          w[4] = static_cast<std::uint32_t>(std::min<std::size_t>(v.tokens().size(), 0xFFFFFFFF));
          if (v.tokens().size() <= kRowTokens) {
            for (std::size_t t = 0; t < v.tokens().size(); ++t) put(v.tokens()[t], w + 5 + 2 * t);
          }
          break;
        }
      }
    }
  }

  /// The level of field f that compare_field gives the pair (0 = null), when the rows
  /// decide it; otherwise minus the best level the pair can reach (< 0). a and b: the
  /// field's words in either record's rows.
  static int level(const LinkModel& m, std::size_t f, const std::uint32_t* a,
                   const std::uint32_t* b) {
    const CompiledField& cf = m.fields[f];
    switch (cf.spec.kind) {
      case CompareKind::kExact:
      case CompareKind::kSex: {
        const std::uint64_t ha = joined(a), hb = joined(b);
        if (ha == 0 || hb == 0) return 0;
        return ha == hb ? 1 : 2;
      }
      case CompareKind::kId: {
        const std::uint32_t size_a = a[0] & 0xFFFF, size_b = b[0] & 0xFFFF;
        if (size_a == 0 || size_b == 0) return 0;
        const bool packed = (a[0] & b[0] & 0x10000U) != 0;
        if (!packed) return -1;  // texts needed (hashes alone give exact or not)
        const std::uint64_t da = joined(a + 1), db = joined(b + 1);
        if (size_a == size_b && da == db) return 1;
        if (size_a != size_b) return 4;
        return packed_level(da, db, 2, 3, 4);
      }
      case CompareKind::kNik: {
        if ((a[0] & 0xFFFF) == 0 || (b[0] & 0xFFFF) == 0) return 0;
        if ((a[0] & b[0] & 0x10000U) == 0) return -1;  // not both 16 digits: texts needed
        const std::uint64_t da = joined(a + 1), db = joined(b + 1);
        if (da == db) return kNikExact;
        return nik_level_packed(da, db, (a[0] & b[0] & 0x20000U) != 0,
                                (a[0] & b[0] & 0x40000U) != 0, (a[0] & b[0] & 0x80000U) != 0);
      }
      case CompareKind::kDate: {
        const std::uint64_t ha = joined(a), hb = joined(b);
        if (ha == 0 || hb == 0) return 0;
        if (ha == hb) return 1;
        if (a[3] == 0 || b[3] == 0) return -3;  // an unparsed date: one_digit at best
        const auto field = [](std::uint32_t d, int from, int n) {
          int v = 0;
          for (int k = from; k < from + n; ++k) v = v * 10 + static_cast<int>((d >> (4 * k)) & 0xF);
          return v;
        };
        if (field(a[3], 0, 4) == field(b[3], 0, 4) && field(a[3], 4, 2) == field(b[3], 6, 2) &&
            field(a[3], 6, 2) == field(b[3], 4, 2)) {
          return 2;
        }
        if (packed_level(a[3], b[3], 3, 3, 5) == 3) return 3;
        const auto days_a = static_cast<std::int32_t>(a[2]),
                   days_b = static_cast<std::int32_t>(b[2]);
        return std::abs(static_cast<std::int64_t>(days_a) - days_b) <= 365 ? 4 : 5;
      }
      case CompareKind::kRtRw: {
        const std::uint64_t rw_a = joined(a), rw_b = joined(b);
        if (rw_a == 0 || rw_b == 0) return 0;
        const std::uint64_t ha = joined(a + 2);
        if (ha != 0 && ha == joined(b + 2)) return 1;
        return rw_a == rw_b ? 2 : 3;
      }
      case CompareKind::kName: {
        const std::uint64_t ha = joined(a), hb = joined(b);
        if (ha == 0 || hb == 0) return 0;
        if (ha == hb) return 1;
        if (joined(a + 2) == joined(b + 2) || joined(a + 4) == joined(b + 4)) return 2;
        // Below jw_mid's threshold on the letter counts, compare_field skips Jaro-Winkler:
        // subset (5) or different (6), different when no token can be shared.
        if (packed_jaro_winkler_bound(a + 7, b + 7, a[6] & 0xFFFF, b[6] & 0xFFFF) <
            cf.thresholds[1]) {
          const std::uint64_t ta = joined(a + 11), tb = joined(b + 11);
          const bool subset_possible = (ta & tb) != 0 && ((ta & ~tb) == 0 || (tb & ~ta) == 0);
          return subset_possible ? -5 : 6;
        }
        return -3;
      }
      case CompareKind::kString: {
        const std::uint64_t ha = joined(a), hb = joined(b);
        if (ha == 0 || hb == 0) return 0;
        if (ha == hb) return 1;
        // Jaro-Winkler is at most the letter-count bound (matches <= common letters, a
        // prefix bonus of at most 4 characters); compare_field itself gives "different"
        // below the lowest threshold on its own (no larger) bound.
        const double jw = packed_jaro_winkler_bound(a + 3, b + 3, a[2], b[2]);
        if (jw < cf.thresholds[2]) return 5;
        if (jw < cf.thresholds[1]) return -4;
        if (jw < cf.thresholds[0]) return -3;
        return -2;
      }
      case CompareKind::kTokens: {
        const std::uint64_t ha = joined(a), hb = joined(b);
        if (ha == 0 || hb == 0) return 0;
        if (ha == hb) return 1;
        if (joined(a + 2) == joined(b + 2)) return 2;
        const std::size_t size_a = a[4], size_b = b[4];
        if (size_a > kRowTokens || size_b > kRowTokens) return -3;
        // The sorted token hashes are in the rows: compare_field's count of shared tokens.
        std::size_t i = 0, j = 0, common = 0;
        while (i < size_a && j < size_b) {
          const std::uint64_t ta = joined(a + 5 + 2 * i), tb = joined(b + 5 + 2 * j);
          if (ta == tb) {
            ++common;
            ++i;
            ++j;
          } else if (ta < tb) {
            ++i;
          } else {
            ++j;
          }
        }
        const std::size_t all = size_a + size_b - common;
        if (all > 0 && static_cast<double>(common) >= cf.thresholds[0] * static_cast<double>(all))
          return 3;
        return common > 0 ? 4 : 5;
      }
    }
    return -1;
  }

  /// The most weight field f can add from level l on (l >= 1).
  double best_from(std::size_t f, int l) const {
    return best_from_[f][static_cast<std::size_t>(l)];
  }
  /// The most weight field f can add at any level, null (0) included.
  double most(std::size_t f) const { return std::max(0.0, best_from(f, 1)); }

 private:
  static std::size_t words_of(CompareKind kind) {
    switch (kind) {
      case CompareKind::kExact:
      case CompareKind::kSex:
        return 2;
      case CompareKind::kId:
      case CompareKind::kNik:
        return 3;
      case CompareKind::kDate:
        return 4;
      case CompareKind::kRtRw:
        return 4;
      case CompareKind::kName:
        return 13;
      case CompareKind::kString:
        return 7;
      case CompareKind::kTokens:
        return 5 + 2 * kRowTokens;
    }
    return 0;
  }
  std::vector<std::size_t> offset_;  // in its row
  std::vector<std::uint8_t> cheap_;  // per field: in the cheap row
  std::vector<std::size_t> cheap_fields_, rest_fields_;
  std::size_t cheap_words_ = 0, rest_words_ = 0;
  std::vector<std::array<double, 16>> best_from_;
};

}  // namespace smartkampung::detail

#endif
