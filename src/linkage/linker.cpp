// Incremental linking. Records are kept compactly: their columns in one arena (prepared
// again when a comparison needs them), short summary rows of the fields compared first,
// an index of blocking keys, and clusters as circular member lists. A new record is
// scored only against the records sharing one of its keys, and most of those are
// rejected from their summary rows alone: a proven upper bound on the match weight that
// cannot reach the threshold (add) or the k-th best (candidates).
#include <smartkampung/io.hpp>
#include <smartkampung/linkage.hpp>

#include "core/binary.hpp"
#include "core/block_vector.hpp"
#include "core/large_alloc.hpp"
#include "linkage/engine.hpp"
#include "linkage/key_index.hpp"

#include <algorithm>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <iterator>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace smartkampung {
namespace detail {
namespace {

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
      blocks_.push_back(Block(static_cast<std::uint32_t*>(large_allocate_zeroed(bytes)), BlockFree{bytes}));
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
  std::size_t block_bytes() const { return std::max<std::size_t>(words_, 1) * sizeof(std::uint32_t) << shift_; }
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
void put(std::uint64_t h, std::uint32_t* w) {
  w[0] = static_cast<std::uint32_t>(h);
  w[1] = static_cast<std::uint32_t>(h >> 32);
}
std::uint64_t joined(const std::uint32_t* w) { return w[0] | (static_cast<std::uint64_t>(w[1]) << 32); }
// A 64-bit set of a value's token hashes: disjoint sets prove that no token is shared.
std::uint64_t token_bits(TokenSpan tokens) {
  std::uint64_t bits = 0;
  for (std::uint64_t t : tokens) bits |= std::uint64_t{1} << ((t * 0x9E3779B97F4A7C15ULL) >> 58);
  return bits;
}

// Digits as packed decimal (digit k in bits 4k..4k+3), or false when the text is not
// 1 to 16 digits.

// Levels of one substitution (2), an adjacent transposition (3) or neither (4) between two
// different packed digit strings of equal length: one_substitution and
// adjacent_transposition of their texts.
int packed_level(std::uint64_t a, std::uint64_t b, int substitution, int transposition, int different) {
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

}  // namespace

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
        const double w = m.level_weight_max(f, l) + (l == 1 && m.fields[f].spec.term_frequency ? 2.0 : 0.0);
        best = std::max(best, w);
        best_from_[f][static_cast<std::size_t>(l)] = best;
      }
    }
  }

  /// Words of a cheap row (whole cache lines) and of a rest row.
  std::size_t cheap_words() const { return cheap_words_; }
  std::size_t rest_words() const { return rest_words_; }
  /// Field f's words in a record's rows.
  const std::uint32_t* field(std::size_t f, const std::uint32_t* cheap, const std::uint32_t* rest) const {
    return (cheap_[f] ? cheap : rest) + offset_[f];
  }

  void encode(const LinkModel& m, const FieldValue* values, std::uint32_t* cheap, std::uint32_t* rest) const {
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
          w[0] = static_cast<std::uint32_t>(std::min<std::size_t>(v.text().size(), 0xFFFF)) | (packed ? 0x10000U : 0U);
          const std::uint64_t payload = packed ? digits : v.h;
          put(payload, w + 1);
          break;
        }
        case CompareKind::kNik: {
          const bool packed = (v.h3 & kNikPacked) != 0;
          w[0] = static_cast<std::uint32_t>(std::min<std::size_t>(v.text().size(), 0xFFFF)) | (packed ? 0x10000U : 0U) |
                 ((v.h3 & kNikWellFormed) != 0 ? 0x20000U : 0U);
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
          w[6] = static_cast<std::uint32_t>(std::min<std::size_t>(v.text().size(), 0xFFFF)) |
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
  static int level(const LinkModel& m, std::size_t f, const std::uint32_t* a, const std::uint32_t* b) {
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
        return nik_level_packed(da, db, (a[0] & b[0] & 0x20000U) != 0);
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
        const auto days_a = static_cast<std::int32_t>(a[2]), days_b = static_cast<std::int32_t>(b[2]);
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
        if (packed_jaro_winkler_bound(a + 7, b + 7, a[6] & 0xFFFF, b[6] & 0xFFFF) < cf.thresholds[1]) {
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
        if (all > 0 && static_cast<double>(common) >= cf.thresholds[0] * static_cast<double>(all)) return 3;
        return common > 0 ? 4 : 5;
      }
    }
    return -1;
  }

  /// The most weight field f can add from level l on (l >= 1).
  double best_from(std::size_t f, int l) const { return best_from_[f][static_cast<std::size_t>(l)]; }
  /// The most weight field f can add at any level, null (0) included.
  double most(std::size_t f) const { return std::max(0.0, best_from(f, 1)); }

 private:
  static std::size_t words_of(CompareKind kind) {
    switch (kind) {
      case CompareKind::kExact:
      case CompareKind::kSex: return 2;
      case CompareKind::kId:
      case CompareKind::kNik: return 3;
      case CompareKind::kDate: return 4;
      case CompareKind::kRtRw: return 4;
      case CompareKind::kName: return 13;
      case CompareKind::kString: return 7;
      case CompareKind::kTokens: return 5 + 2 * kRowTokens;
    }
    return 0;
  }
  std::vector<std::size_t> offset_;  // in its row
  std::vector<std::uint8_t> cheap_;  // per field: in the cheap row
  std::vector<std::size_t> cheap_fields_, rest_fields_;
  std::size_t cheap_words_ = 0, rest_words_ = 0;
  std::vector<std::array<double, 16>> best_from_;
};

// A candidate of Linker::candidates with an upper bound on its weight.
struct Ranked {
  double bound;
  std::uint32_t record;
};

namespace {

// A thread's scratch for one look-up, reused so that a look-up allocates only when a
// larger one came before: which records were seen (open addressing over record
// indices) and the candidates' bounds.
struct LookupScratch {
  std::vector<std::uint32_t> seen;  // record + 1; 0 = empty
  std::size_t seen_mask = 0;
  std::vector<Ranked> ranked;
  std::vector<std::uint32_t> ids;  // the candidates, in the order met
  std::vector<FieldValue> values;
  ValueArena arena;  // values' texts, cleared per candidate
  std::vector<std::string_view> columns;
  volatile std::uint32_t sink = 0;  // keeps load_lines' loads

  void reset_seen(std::size_t expected) {
    std::size_t size = 64;
    while (size < 2 * expected) size *= 2;
    if (seen.size() < size) seen.resize(size);
    std::fill(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(size), 0U);
    seen_mask = size - 1;
  }
  /// True the first time a record is seen since reset_seen.
  bool first_sight(std::uint32_t record) {
    for (std::size_t i = (record * 0x9E3779B1U) & seen_mask;; i = (i + 1) & seen_mask) {
      if (seen[i] == record + 1) return false;
      if (seen[i] == 0) {
        seen[i] = record + 1;
        return true;
      }
    }
  }
};

LookupScratch& lookup_scratch() {
  thread_local LookupScratch scratch;
  return scratch;
}

}  // namespace

struct Probe {
  ValueArena arena;  // the values' texts
  std::vector<FieldValue> values;
  std::vector<std::uint64_t> keys;
  std::uint64_t household = 0;
  std::vector<std::uint32_t> row;  // the cheap row, then the rest row
  const std::uint32_t* cheap() const { return row.data(); }
  const std::uint32_t* rest(const Summaries& s) const { return row.data() + s.cheap_words(); }
};

struct LinkerState {
  LinkSettings initial;
  std::shared_ptr<LinkModel> model;
  bool trained = false;
  Summaries summaries;
  std::size_t key_bytes = 0;          // bytes a record of `indexed`
  ColumnArena arena;                  // every record's used columns
  RowStore cheap_rows, rest_rows;     // summary rows
  // Per index (blocks that never move, so that an add() never copies them all):
  BlockVector<std::uint8_t> indexed;  // key_bytes a record, a bit a rule: in that rule's index
  std::vector<LinkKeyIndex> index;        // per rule
  BlockVector<std::int64_t> cluster_of;
  BlockVector<std::uint32_t> next_member;  // circular list of each cluster's members
  BlockVector<std::uint8_t> alive;
  BlockVector<std::uint64_t> household;  // the household key (LinkModel::prepare)
  std::vector<std::size_t> lazy_order;  // fields the rows may not decide, cheap kinds first

  explicit LinkerState(LinkSettings s) : initial(std::move(s)) {
    model = std::make_shared<LinkModel>(initial);
    trained = initial.prior > 0 &&
              std::all_of(initial.fields.begin(), initial.fields.end(),
                          [](const LinkField& f) { return !f.m.empty() && !f.u.empty(); });
    init_rows();
    if (trained) on_trained();
  }

  void on_trained() {
    summaries.set_weights(*model);
    rest_most = 0;
    for (std::size_t f : summaries.rest_fields()) rest_most += summaries.most(f);
    // A field that can fall furthest below its most first, so that refine() stops early.
    rest_order = summaries.rest_fields();
    auto range = [&](std::size_t f) {
      const auto& w = model->weights[f];
      const double lowest = *std::min_element(w.begin() + 1, w.end());
      return summaries.most(f) - std::min(0.0, lowest);
    };
    std::stable_sort(rest_order.begin(), rest_order.end(),
                     [&](std::size_t x, std::size_t y) { return range(x) > range(y); });
    lazy_order.clear();
    for (std::size_t f : model->cheap_order) {
      const CompareKind k = model->fields[f].spec.kind;
      if (k == CompareKind::kId || k == CompareKind::kNik || k == CompareKind::kDate || k == CompareKind::kName ||
          k == CompareKind::kString || k == CompareKind::kTokens) {
        lazy_order.push_back(f);
      }
    }
  }

  // A model trained elsewhere (a saved Linker's): as if given m, u and prior.
  void adopt(const LinkSettings& trained_settings) {
    model = std::make_shared<LinkModel>(trained_settings);
    trained = true;
    init_rows();
    on_trained();
  }

  // Empty rows and key tables shaped by the model's fields and rules.
  void init_rows() {
    index.clear();
    index.resize(model->rule_count());
    summaries.init(*model);
    cheap_rows.init(summaries.cheap_words());
    rest_rows.init(summaries.rest_words());
    key_bytes = (model->rule_count() + 7) / 8;
  }

  // A removed record's place (a loaded Linker's): stored with no columns, null values and
  // no keys (so in no index), then marked removed.
  void store_removed() {
    const std::vector<std::string_view> empty(model->used_columns.size());
    const std::vector<FieldValue> nulls(model->field_count());
    const std::vector<std::uint64_t> no_keys(model->rule_count());
    store(ColumnsView{&model->used_columns, empty.data()}, nulls.data(), no_keys.data(), 0);
    alive[size() - 1] = 0;
  }

  // The circular member lists, from cluster_of (ids: the smallest member).
  void link_members() {
    const std::size_t n = cluster_of.size();
    next_member.assign(n, 0);
    std::vector<std::uint32_t> tail(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = static_cast<std::uint32_t>(i);
      if (cluster_of[i] < 0) {
        next_member[i] = x;
        continue;
      }
      const auto c = static_cast<std::size_t>(cluster_of[i]);
      if (c == i) {
        next_member[i] = x;
      } else {
        next_member[tail[c]] = x;
        next_member[i] = static_cast<std::uint32_t>(c);
      }
      tail[c] = x;
    }
  }

  void require_trained() const {
    if (!trained) {
      throw Error(ErrorCode::kState, "Linker: call fit() first (or give m, u and prior in the settings)");
    }
  }

  std::size_t size() const { return alive.size(); }
  const std::uint32_t* cheap_row(std::size_t i) const { return cheap_rows.row(i); }
  const std::uint32_t* rest_row(std::size_t i) const { return rest_rows.row(i); }
  // Field f's words in stored record i's rows and in the probe's.
  const std::uint32_t* field_of(std::size_t i, std::size_t f) const {
    return summaries.field(f, cheap_row(i), rest_row(i));
  }
  const std::uint32_t* field_of(const Probe& p, std::size_t f) const {
    return summaries.field(f, p.cheap(), p.rest(summaries));
  }
  bool is_indexed(std::size_t i, std::size_t r) const {
    return (indexed[i * key_bytes + r / 8] >> (r % 8)) & 1U;
  }

  void prepare(const LinkRecord& record, Probe& p) const {
    const std::size_t F = model->field_count(), R = model->rule_count();
    p.values.resize(F);
    p.keys.resize(R);
    p.arena.clear();
    model->prepare(record, p.values.data(), p.keys.data(), p.household, p.arena);
    p.row.resize(summaries.cheap_words() + summaries.rest_words());
    summaries.encode(*model, p.values.data(), p.row.data(), p.row.data() + summaries.cheap_words());
  }

  // Stores a prepared record under the next index (not yet in any cluster structure).
  template <typename Record>
  void store(const Record& record, const FieldValue* values, const std::uint64_t* keys, std::uint64_t household_key) {
    const auto at = static_cast<std::uint32_t>(size());
    arena.append(record, model->used_columns);
    std::uint32_t* cheap = cheap_rows.append();
    summaries.encode(*model, values, cheap, rest_rows.append());
    for (std::size_t b = 0; b < key_bytes; ++b) indexed.push_back(0);
    for (std::size_t r = 0; r < model->rule_count(); ++r) {
      if (keys[r] == 0) continue;
      index[r].insert(keys[r], at);
      indexed[at * key_bytes + r / 8] |= static_cast<std::uint8_t>(1U << (r % 8));
    }
    household.push_back(household_key);
    alive.push_back(1);
  }

  // A stored record's columns, to prepare it again.
  struct Columns {
    std::vector<std::string_view> values;
    ColumnsView view;
  };
  void columns_of(std::size_t i, Columns& out) const {
    out.values.resize(model->used_columns.size());
    arena.view(i, out.values.size(), out.values.data());
    out.view = ColumnsView{&model->used_columns, out.values.data()};
  }

  // A stored record prepared again (values, and keys with those of rules it is not
  // indexed under cleared, as when it was stored).
  // The values' texts go to `texts`.
  void materialize(std::size_t i, FieldValue* values, std::uint64_t* keys, ValueArena& texts) const {
    Columns c;
    columns_of(i, c);
    std::uint64_t household_key = 0;
    model->prepare(c.view, values, keys, household_key, texts);
    for (std::size_t r = 0; r < model->rule_count(); ++r) {
      if (!is_indexed(i, r)) keys[r] = 0;
    }
  }

  // Calls fn(j) once for every record sharing an indexed key with `keys` (buckets over
  // max_block_size skipped). The records are gathered first and their cheap rows loaded
  // back to back (load_lines) before any is compared.
  template <typename Fn>
  void for_each_candidate(const std::uint64_t* keys, LookupScratch& scratch, Fn&& fn) const {
    const std::size_t R = model->rule_count();
    std::size_t total = 0;
    for (std::size_t r = 0; r < R; ++r) {
      if (keys[r] == 0) continue;
      const LinkKeyIndex::Members m = index[r].find(keys[r]);
      if (m.size <= model->settings.max_block_size) total += m.size;
    }
    scratch.reset_seen(total);
    auto& ids = scratch.ids;
    ids.clear();
    for (std::size_t r = 0; r < R; ++r) {
      if (keys[r] == 0) continue;
      const LinkKeyIndex::Members m = index[r].find(keys[r]);
      if (m.size > model->settings.max_block_size) continue;
      for (std::size_t x = 0; x < m.size; ++x) {
        const std::uint32_t j = m.data[x];
        if (scratch.first_sight(j)) ids.push_back(j);
      }
    }
    std::uint32_t sum = 0;
    for (std::uint32_t j : ids) sum += load_lines(cheap_row(j), summaries.cheap_words());
    scratch.sink = sum;
    for (std::uint32_t j : ids) fn(j);
  }

  // The most field f can add at level l as Summaries::level gives it: a decided level its
  // weight (an exact level of a term-frequency field its 2-bit most), an open one (< 0)
  // the best weight it can still reach, null 0.
  double contribution(std::size_t f, int l) const {
    const LinkModel& m = *model;
    if (l > 0) {
      return m.level_weight_max(f, l) + (l == 1 && m.fields[f].spec.term_frequency ? 2.0 : 0.0);
    }
    return l < 0 ? summaries.best_from(f, -l) : 0.0;
  }

  // Reads a word of each cache line of `count` words at `at` and returns their sum. Rows of
  // many records loaded back to back are fetched from memory together (the processor
  // overlaps independent loads), so that comparing them after finds them in cache;
  // software prefetches, issued the same way, measured slower.
  static std::uint32_t load_lines(const std::uint32_t* at, std::size_t count) {
    if (count == 0) return 0;
    std::uint32_t sum = at[count - 1];
    for (std::size_t w = 0; w < count; w += Summaries::kLineWords) sum += at[w];
    return sum;
  }
  // The rest rows of the first bounds in [first, last) that reach min_weight, loaded.
  void load_rest_rows(const Ranked* first, const Ranked* last, double min_weight, LookupScratch& scratch) const {
    std::uint32_t sum = 0;
    for (; first != last; ++first) {
      if (first->bound >= min_weight - 1e-6) sum += load_lines(rest_row(first->record), summaries.rest_words());
    }
    scratch.sink = sum;
  }

  // An upper bound on the match weight of stored record j and the probe from the cheap
  // kinds' words alone (the first cache line of its row); the other fields count the
  // most any of their levels (null: 0) gives.
  double first_bound(std::uint32_t j, const Probe& p) const {
    double w = model->prior_weight + rest_most;
    for (std::size_t f : summaries.cheap_fields()) {
      w += contribution(f, Summaries::level(*model, f, field_of(j, f), field_of(p, f)));
    }
    return w;
  }

  // Tightens a first bound with the rest of the row, the fields that can swing the weight
  // most first; false as soon as the bound falls below min_weight (it only falls). On
  // true, `bound` is the bound of the whole row and levels[f] as Summaries::level gives
  // them, for finish().
  bool refine(std::uint32_t j, const Probe& p, double first, double min_weight, int* levels, double& bound) const {
    const LinkModel& m = *model;
    double w = first;
    for (std::size_t f : rest_order) {
      const int l = Summaries::level(m, f, field_of(j, f), field_of(p, f));
      levels[f] = l;
      w += contribution(f, l) - summaries.most(f);
      if (w < min_weight - 1e-6) return false;
    }
    for (std::size_t f : summaries.cheap_fields()) levels[f] = Summaries::level(m, f, field_of(j, f), field_of(p, f));
    bound = w;
    return true;
  }
  double rest_most = 0;                // the most the non-cheap fields can add
  std::vector<std::size_t> rest_order;  // the non-cheap fields, widest weight range first

  // Completes the levels of the fields the rows left open, preparing j's columns again;
  // false as soon as the weight cannot reach min_weight. On true, fills the pattern and
  // the exact weight (summed as LinkModel::weight sums it).
  bool finish(std::uint32_t j, const Probe& p, int* levels, double bound_weight, double min_weight,
              LookupScratch& scratch, std::uint64_t& pattern_out, double& weight_out) const {
    const LinkModel& m = *model;
    const std::size_t F = m.field_count();
    double w = bound_weight;
    if (w < min_weight - 1e-6) return false;
    bool any_open = false;
    for (std::size_t f = 0; f < F; ++f) any_open = any_open || levels[f] < 0;
    // A decided exact level of a term-frequency field needs the value's hash: kinds with
    // the hash in the row give it; an id (packed digits) is prepared again.
    std::uint64_t tf_hash[kMaxFields] = {};
    bool need_columns = any_open;
    for (std::size_t f = 0; f < F; ++f) {
      if (levels[f] == 1 && m.fields[f].spec.term_frequency) {
        const std::uint32_t* a = field_of(j, f);
        switch (m.fields[f].spec.kind) {
          case CompareKind::kExact:
          case CompareKind::kSex:
          case CompareKind::kDate:
          case CompareKind::kName:
          case CompareKind::kString:
          case CompareKind::kTokens: tf_hash[f] = joined(a); break;
          case CompareKind::kRtRw: tf_hash[f] = joined(a + 2); break;
          default: need_columns = true; break;
        }
      }
    }
    std::vector<FieldValue>& values = scratch.values;
    scratch.arena.clear();
    ColumnsView view;
    if (need_columns) {
      values.resize(F);
      scratch.columns.resize(m.used_columns.size());
      arena.view(j, scratch.columns.size(), scratch.columns.data());
      view = ColumnsView{&m.used_columns, scratch.columns.data()};
    }
    for (std::size_t f : lazy_order) {
      const int open = levels[f];
      if (open >= 0) continue;
      m.prepare_field(view, f, values[f], scratch.arena);
      const int l = compare_field(m.fields[f], values[f], p.values[f]);
      levels[f] = l;
      if (l == 1) tf_hash[f] = values[f].h;
      w += contribution(f, l) - contribution(f, open);
      if (w < min_weight - 1e-6) return false;
    }
    for (std::size_t f = 0; f < F; ++f) {
      if (levels[f] == 1 && m.fields[f].spec.term_frequency && tf_hash[f] == 0) {
        m.prepare_field(view, f, values[f], scratch.arena);
        tf_hash[f] = values[f].h;
      }
    }
    std::uint64_t pattern = 0;
    double exact = m.prior_weight;
    for (std::size_t f = 0; f < F; ++f) pattern |= static_cast<std::uint64_t>(levels[f]) << (4 * f);
    for (std::size_t f = 0; f < F; ++f) {
      const int l = levels[f];
      exact += m.level_weight(f, l, pattern);
      if (l == 1 && m.fields[f].spec.term_frequency) exact += m.tf_adjustment_of(f, tf_hash[f]);
    }
    pattern_out = pattern;
    weight_out = exact;
    return true;
  }


  // Members of a cluster (its id is a member).
  template <typename Fn>
  void for_each_member(std::int64_t cluster, Fn&& fn) const {
    const auto start = static_cast<std::uint32_t>(cluster);
    std::uint32_t x = start;
    do {
      fn(x);
      x = next_member[x];
    } while (x != start);
  }

  bool can_merge(std::int64_t ca, std::int64_t cb) const {
    const LinkModel& m = *model;
    const std::size_t F = m.field_count(), R = m.rule_count();
    std::vector<FieldValue> va(F), vb(F);
    ValueArena arena_a, arena_b;  // va's and vb's texts
    std::vector<std::uint64_t> keys(R);
    if (m.nik_field >= 0) {
      // Contradicting identities (as link() refuses them): NIKs from the rows first, the
      // records prepared again only for a contradiction.
      const auto nf = static_cast<std::size_t>(m.nik_field);
      const auto well_formed = [&](std::uint32_t x) { return (field_of(x, nf)[0] & 0x20000U) != 0; };
      bool conflict = false;
      for_each_member(ca, [&](std::uint32_t x) {
        if (conflict || !well_formed(x)) return;
        const std::uint32_t* wx = field_of(x, nf);
        for_each_member(cb, [&](std::uint32_t y) {
          if (conflict || !well_formed(y)) return;
          const std::uint32_t* wy = field_of(y, nf);
          if (nik_level_packed(joined(wx + 1), joined(wy + 1), true) != kNikContradicts) return;
          arena_a.clear();
          arena_b.clear();
          materialize(x, va.data(), keys.data(), arena_a);
          materialize(y, vb.data(), keys.data(), arena_b);
          conflict = m.identity_conflict(va.data(), vb.data());
        });
      });
      if (conflict) return false;
    }
    if (m.household_name_field < 0 || m.household_date_field < 0) return true;
    bool apart = false;
    for_each_member(ca, [&](std::uint32_t x) {
      if (apart || household[x] == 0) return;
      bool prepared = false;
      for_each_member(cb, [&](std::uint32_t y) {
        if (apart || household[y] != household[x]) return;
        if (!prepared) {
          arena_a.clear();
          materialize(x, va.data(), keys.data(), arena_a);
          prepared = true;
        }
        arena_b.clear();
        materialize(y, vb.data(), keys.data(), arena_b);
        if (m.household_apart(household[x], household[y], m.pattern(va.data(), vb.data()))) apart = true;
      });
    });
    return !apart;
  }

  // Joins the clusters with ids ca and cb; the smaller id survives.
  void join(std::int64_t ca, std::int64_t cb) {
    if (ca == cb) return;
    if (cb < ca) std::swap(ca, cb);
    for_each_member(cb, [&](std::uint32_t x) { cluster_of[x] = ca; });
    std::swap(next_member[static_cast<std::size_t>(ca)], next_member[static_cast<std::size_t>(cb)]);
  }

  void tf_update(const FieldValue* values, bool add) {
    const std::size_t F = model->field_count();
    for (std::size_t f = 0; f < F; ++f) {
      if (!model->fields[f].spec.term_frequency) continue;
      const FieldValue& v = values[f];
      if (v.null) continue;
      auto& count = model->tf_counts[f][v.h];
      if (add) {
        ++count;
        model->tf_totals[f] += 1;
      } else if (count > 0) {
        --count;
        model->tf_totals[f] -= 1;
      }
    }
  }
};

}  // namespace detail

using detail::FieldValue;
using detail::LinkerState;

Linker::Linker(LinkSettings settings) : state_(std::make_unique<LinkerState>(std::move(settings))) {}
Linker::Linker(std::unique_ptr<LinkerState> state) : state_(std::move(state)) {}
Linker::~Linker() = default;
Linker::Linker(Linker&&) noexcept = default;
Linker& Linker::operator=(Linker&&) noexcept = default;

void Linker::fit(const std::vector<LinkRecord>& records) {
  auto next = std::make_unique<LinkerState>(state_->initial);
  auto model = detail::prepare_records(next->initial, records, nullptr);
  const LinkResult result = detail::link_prepared(model, records.size());
  const std::size_t n = records.size(), F = model->field_count(), R = model->rule_count();
  // The prepared values move into the compact store; the model keeps weights, term
  // frequencies and households.
  std::vector<detail::FieldValue> values = std::move(model->values);
  std::vector<std::uint64_t> keys = std::move(model->keys);
  std::vector<std::uint64_t> household = std::move(model->household);
  model->values = {};
  model->keys = {};
  model->source = {};
  next->model = model;
  next->trained = true;
  next->init_rows();
  next->on_trained();
  for (std::size_t i = 0; i < n; ++i) {
    next->store(records[i], &values[i * F], R ? &keys[i * R] : nullptr, household[i]);
    for (std::size_t f = 0; f < F; ++f) values[i * F + f] = detail::FieldValue{};
  }
  std::vector<detail::FieldValue>().swap(values);
  model->arenas.clear();  // the values' texts, no longer pointed to
  for (std::int64_t c : result.cluster_ids) next->cluster_of.push_back(c);
  next->link_members();
  state_ = std::move(next);
}

Linker::Added Linker::add(const LinkRecord& record) {
  LinkerState& s = *state_;
  s.require_trained();
  detail::LinkModel& m = *s.model;
  if (s.size() >= 0xFFFFFFF0ULL) throw Error(ErrorCode::kLimit, "Linker: at most 4 billion records");
  detail::Probe probe;
  s.prepare(record, probe);
  auto& scratch = detail::lookup_scratch();

  std::vector<Match> matches;
  const double floor = detail::weight_floor_for(m.settings.threshold);
  int levels[detail::kMaxFields];
  // Pairs that cannot reach the threshold are dropped from their rows alone: first from
  // the cheap row, then (rest rows loaded together) field by field.
  auto& ranked = scratch.ranked;
  ranked.clear();
  s.for_each_candidate(probe.keys.data(), scratch, [&](std::uint32_t j) {
    const double first = s.first_bound(j, probe);
    if (first >= floor - 1e-6) ranked.push_back({first, j});
  });
  s.load_rest_rows(ranked.data(), ranked.data() + ranked.size(), floor, scratch);
  for (const detail::Ranked& r : ranked) {
    const std::uint32_t j = r.record;
    double b = 0;
    if (!s.refine(j, probe, r.bound, floor, levels, b)) continue;
    std::uint64_t p = 0;
    double w = 0;
    if (!s.finish(j, probe, levels, b, floor, scratch, p, w)) continue;
    const double prob = detail::probability_of(w);
    if (prob >= m.settings.threshold && !m.household_apart(s.household[j], probe.household, p)) {
      matches.push_back({j, prob});
    }
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    return std::tie(b.probability, a.index) < std::tie(a.probability, b.index);
  });

  const auto index = static_cast<std::uint32_t>(s.size());
  s.store(record, probe.values.data(), probe.keys.data(), probe.household);
  s.cluster_of.push_back(index);
  s.next_member.push_back(index);
  s.tf_update(probe.values.data(), true);
  for (const Match& match : matches) {
    const std::int64_t mine = s.cluster_of[index], theirs = s.cluster_of[match.index];
    if (mine == theirs) continue;
    if (s.can_merge(mine, theirs)) s.join(mine, theirs);
  }
  Added out;
  out.index = index;
  out.cluster_id = s.cluster_of[index];
  out.matches = std::move(matches);
  return out;
}

void Linker::remove(std::size_t index) {
  LinkerState& s = *state_;
  if (index >= s.size() || !s.alive[index]) {
    throw Error(ErrorCode::kNotFound, "Linker.remove: no record at index " + std::to_string(index));
  }
  detail::LinkModel& m = *s.model;
  const std::size_t R = m.rule_count(), F = m.field_count();
  const auto idx = static_cast<std::uint32_t>(index);
  // Re-form the cluster from the blocked pairs left, scored as in a batch run.
  const std::int64_t cid = s.cluster_of[index];
  std::vector<std::uint32_t> rest;
  s.for_each_member(cid, [&](std::uint32_t x) {
    if (x != idx) rest.push_back(x);
  });
  std::sort(rest.begin(), rest.end());
  // The members prepared again (values and the keys they are indexed under).
  std::vector<FieldValue> values(rest.size() * F);
  detail::ValueArena arena;
  std::vector<std::uint64_t> keys(rest.size() * R);
  for (std::size_t x = 0; x < rest.size(); ++x) s.materialize(rest[x], &values[x * F], R ? &keys[x * R] : nullptr, arena);
  auto share_key = [&](std::size_t x, std::size_t y) {
    for (std::size_t r = 0; r < R; ++r) {
      const std::uint64_t k = keys[x * R + r];
      if (k == 0 || k != keys[y * R + r]) continue;
      const auto members = s.index[r].find(k);
      if (members.size != 0 && members.size <= m.settings.max_block_size) return true;
    }
    return false;
  };
  struct Edge {
    std::uint32_t a, b;
    double weight;
  };
  std::vector<Edge> edges;
  for (std::size_t x = 0; x < rest.size(); ++x) {
    for (std::size_t y = x + 1; y < rest.size(); ++y) {
      // rest is sorted: rest[x] < rest[y]
      if (!share_key(x, y)) continue;
      const std::uint64_t p = m.pattern(&values[x * F], &values[y * F]);
      const double w = m.weight(p, &values[x * F]);
      if (detail::probability_of(w) >= m.settings.threshold &&
          !m.household_apart(s.household[rest[x]], s.household[rest[y]], p)) {
        edges.push_back({rest[x], rest[y], w});
      }
    }
  }
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return std::tie(b.weight, a.a, a.b) < std::tie(a.weight, b.a, b.b);
  });
  {
    std::vector<FieldValue> own(F);
    std::vector<std::uint64_t> own_keys(R);
    s.materialize(index, own.data(), own_keys.data(), arena);
    s.alive[index] = 0;
    s.tf_update(own.data(), false);
    for (std::size_t r = 0; r < R; ++r) {
      if (own_keys[r] != 0) s.index[r].erase(own_keys[r], idx);
    }
  }
  s.cluster_of[index] = -1;
  s.next_member[index] = idx;
  for (std::uint32_t x : rest) {
    s.cluster_of[x] = x;
    s.next_member[x] = x;
  }
  for (const Edge& e : edges) {
    const std::int64_t ca = s.cluster_of[e.a], cb = s.cluster_of[e.b];
    if (ca != cb && s.can_merge(ca, cb)) s.join(ca, cb);
  }
}

std::vector<Linker::Match> Linker::candidates(const LinkRecord& record, std::size_t k) const {
  const LinkerState& s = *state_;
  s.require_trained();
  const detail::LinkModel& m = *s.model;
  std::vector<Match> out;
  if (k == 0) return out;
  detail::Probe probe;
  s.prepare(record, probe);
  auto& scratch = detail::lookup_scratch();
  // Every candidate's first bound (the first cache line of its row); then candidates are
  // taken best first bound first, in rounds (the best few, then four times as many...,
  // each round selected and sorted), tightened with the rest of their rows and scored
  // in full, the k best so far in a heap whose top ranks last. A candidate whose bound
  // cannot reach the k-th best is dropped, and a round drops all whose first bound
  // cannot. The answer is the k best of scoring every candidate.
  auto& ranked = scratch.ranked;
  ranked.clear();
  s.for_each_candidate(probe.keys.data(), scratch, [&](std::uint32_t j) {
    ranked.push_back({s.first_bound(j, probe), j});
  });
  auto higher = [](const detail::Ranked& a, const detail::Ranked& b) { return a.bound > b.bound; };
  auto before = [](const Match& a, const Match& b) {
    return std::tie(b.probability, a.index) < std::tie(a.probability, b.index);
  };
  double floor = -HUGE_VAL;
  int levels[detail::kMaxFields];
  std::size_t begin = 0, take = std::max<std::size_t>(2 * k, 8);
  bool done = false;
  while (begin < ranked.size()) {
    if (floor > -HUGE_VAL) {
      const auto end = std::partition(ranked.begin() + static_cast<std::ptrdiff_t>(begin), ranked.end(),
                                      [&](const detail::Ranked& r) { return r.bound >= floor - 1e-6; });
      ranked.erase(end, ranked.end());
      if (begin == ranked.size()) break;
    }
    const std::size_t stop = std::min(ranked.size(), begin + take);
    const auto first = ranked.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = ranked.begin() + static_cast<std::ptrdiff_t>(stop);
    if (stop < ranked.size()) std::nth_element(first, last - 1, ranked.end(), higher);
    std::sort(first, last, higher);
    s.load_rest_rows(&*first, &*first + (stop - begin), floor, scratch);
    for (std::size_t x = begin; x < stop; ++x) {
      // Later candidates (this round's and those left) have no higher first bound.
      if (ranked[x].bound < floor - 1e-6) {
        done = true;
        break;
      }
      const std::uint32_t j = ranked[x].record;
      double bound = 0;
      if (!s.refine(j, probe, ranked[x].bound, floor, levels, bound)) continue;
      std::uint64_t p = 0;
      double w = 0;
      if (!s.finish(j, probe, levels, bound, floor, scratch, p, w)) continue;
      double prob = detail::probability_of(w);
      if (m.household_apart(s.household[j], probe.household, p)) prob = 0.0;
      const Match match{j, prob};
      if (out.size() < k) {
        out.push_back(match);
        std::push_heap(out.begin(), out.end(), before);
      } else if (before(match, out.front())) {
        std::pop_heap(out.begin(), out.end(), before);
        out.back() = match;
        std::push_heap(out.begin(), out.end(), before);
      } else {
        continue;
      }
      if (out.size() == k) floor = detail::weight_floor_for(out.front().probability);
    }
    if (done) break;
    begin = stop;
    take *= 4;
  }
  std::sort(out.begin(), out.end(), before);
  return out;
}

std::vector<std::int64_t> Linker::cluster_ids() const { return state_->cluster_of.to_vector(); }

// ---- saving ---------------------------------------------------------------------------

// "SKAMPLNK" (core/binary.hpp): the settings given and the model's (trained m, u and
// prior), the used columns' names, then a record an index: alive, and for a live one its
// cluster id, the rules it is indexed under and its columns' text. Rows, key tables and
// term frequencies are derived again on loading, so the file does not depend on their
// layout.
namespace {
constexpr char kLinkerMagic[8] = {'S', 'K', 'A', 'M', 'P', 'L', 'N', 'K'};
constexpr std::uint32_t kLinkerFormat = 1;
}  // namespace

std::string Linker::to_bytes() const {
  const LinkerState& s = *state_;
  const detail::LinkModel& m = *s.model;
  detail::binary::Writer w(kLinkerMagic, kLinkerFormat);
  w.str(s.initial.to_json());
  w.str(m.settings.to_json());
  w.u8(s.trained ? 1 : 0);
  w.u64(m.used_columns.size());
  for (const std::string& c : m.used_columns) w.short_str(c);
  w.u64(s.size());
  LinkerState::Columns columns;
  for (std::size_t i = 0; i < s.size(); ++i) {
    w.u8(s.alive[i]);
    if (!s.alive[i]) continue;
    w.varint(static_cast<std::uint64_t>(s.cluster_of[i]));
    for (std::size_t b = 0; b < s.key_bytes; ++b) w.u8(s.indexed[i * s.key_bytes + b]);
    s.columns_of(i, columns);
    for (std::string_view v : columns.values) w.short_str(v);
  }
  return w.seal();
}

Linker Linker::from_bytes(std::string_view bytes) {
  detail::binary::Reader rd(bytes, kLinkerMagic, kLinkerFormat, "linker");
  const std::string initial_json = rd.str(), model_json = rd.str();
  const std::uint8_t trained = rd.u8();
  if (trained > 1) rd.fail("bad trained flag");
  std::unique_ptr<LinkerState> state;
  try {
    state = std::make_unique<LinkerState>(LinkSettings::from_json(initial_json));
    if (trained) state->adopt(LinkSettings::from_json(model_json));
  } catch (const Error& e) {
    rd.fail(std::string("bad settings: ") + e.what());
  }
  LinkerState& s = *state;
  if (!trained && s.trained) rd.fail("settings with m, u and prior marked untrained");
  detail::LinkModel& m = *s.model;
  const std::size_t C = rd.count(1);
  if (C != m.used_columns.size()) rd.fail("columns differ from the settings'");
  for (std::size_t c = 0; c < C; ++c) {
    if (rd.short_str() != m.used_columns[c]) rd.fail("columns differ from the settings'");
  }
  const std::size_t n = rd.count(1);
  if (n >= 0xFFFFFFF0ULL) rd.fail("too many records");
  if (n != 0 && !s.trained) rd.fail("records without a trained model");
  const std::size_t F = m.field_count(), R = m.rule_count(), K = s.key_bytes;
  // Records are read a batch at a time, prepared on settings.threads threads and stored in
  // index order (preparing is most of the work).
  constexpr std::size_t kBatch = 8192;
  std::vector<std::uint8_t> alive(kBatch), indexed(kBatch * K);
  std::vector<std::uint64_t> cluster(kBatch), keys(kBatch * R), household(kBatch);
  std::vector<std::string_view> values(kBatch * C);
  std::vector<FieldValue> prepared(kBatch * F);
  std::vector<detail::ValueArena> arenas(std::max(1U, m.settings.threads));  // one a thread
  for (std::size_t start = 0; start < n; start += kBatch) {
    for (detail::ValueArena& a : arenas) a.clear();
    const std::size_t count = std::min(kBatch, n - start);
    for (std::size_t b = 0; b < count; ++b) {
      const std::size_t i = start + b;
      alive[b] = rd.u8();
      if (alive[b] > 1) rd.fail("bad record flag at index " + std::to_string(i));
      if (!alive[b]) continue;
      cluster[b] = rd.varint();
      // A cluster's id is its smallest member.
      if (cluster[b] > i) rd.fail("bad cluster id at index " + std::to_string(i));
      for (std::size_t k = 0; k < K; ++k) indexed[b * K + k] = rd.u8();
      for (std::size_t c = 0; c < C; ++c) values[b * C + c] = rd.short_str();
    }
    detail::parallel_for(m.settings.threads, count, [&](std::size_t lo, std::size_t hi, unsigned t) {
      for (std::size_t b = lo; b < hi; ++b) {
        if (!alive[b]) continue;
        const detail::ColumnsView view{&m.used_columns, &values[b * C]};
        m.prepare(view, &prepared[b * F], R ? &keys[b * R] : nullptr, household[b], arenas[t]);
        for (std::size_t r = 0; r < R; ++r) {
          if (!((indexed[b * K + r / 8] >> (r % 8)) & 1U)) keys[b * R + r] = 0;
        }
      }
    });
    for (std::size_t b = 0; b < count; ++b) {
      if (!alive[b]) {
        s.store_removed();
        s.cluster_of.push_back(-1);
        continue;
      }
      const detail::ColumnsView view{&m.used_columns, &values[b * C]};
      s.store(view, &prepared[b * F], R ? &keys[b * R] : nullptr, household[b]);
      s.tf_update(&prepared[b * F], true);
      s.cluster_of.push_back(static_cast<std::int64_t>(cluster[b]));
    }
  }
  if (!rd.done()) rd.fail("trailing bytes");
  for (std::size_t i = 0; i < n; ++i) {
    if (!s.alive[i]) continue;
    const auto c = static_cast<std::size_t>(s.cluster_of[i]);
    if (!s.alive[c] || s.cluster_of[c] != static_cast<std::int64_t>(c)) {
      rd.fail("bad cluster id at index " + std::to_string(i));
    }
  }
  s.link_members();
  return Linker(std::move(state));
}

void Linker::save(const std::string& path) const { write_file_atomic(path, to_bytes()); }

Linker Linker::load(const std::string& path) {
  const std::string bytes = read_file(path);
  try {
    return from_bytes(bytes);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

Explanation Linker::explain(std::size_t i, std::size_t j) const {
  const LinkerState& s = *state_;
  s.require_trained();
  if (i >= s.size() || j >= s.size()) {
    throw Error(ErrorCode::kNotFound, "explain: record index out of range (have " +
                                          std::to_string(s.size()) + " records)");
  }
  if (i > j) std::swap(i, j);
  const std::size_t F = s.model->field_count(), R = s.model->rule_count();
  std::vector<FieldValue> a(F), b(F);
  detail::ValueArena arena;
  std::vector<std::uint64_t> keys(R);
  s.materialize(i, a.data(), keys.data(), arena);
  s.materialize(j, b.data(), keys.data(), arena);
  return s.model->explain_values(a.data(), b.data(), s.household[i], s.household[j]);
}

std::size_t Linker::size() const noexcept { return state_->alive.size(); }

const LinkSettings& Linker::settings() const noexcept { return state_->model->settings; }

}  // namespace smartkampung
