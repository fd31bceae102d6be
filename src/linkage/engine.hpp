// Private: the linkage engine shared by link() and Linker: prepared field values,
// comparison levels, Fellegi-Sunter weights, training and clustering.
#ifndef SMARTKAMPUNG_SRC_LINKAGE_ENGINE_HPP
#define SMARTKAMPUNG_SRC_LINKAGE_ENGINE_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <smartkampung/linkage.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/parallel.hpp"
#include "core/progress.hpp"

namespace smartkampung::detail {

constexpr std::size_t kMaxFields = 16;  // 4 bits per field in a 64-bit pattern

/// Where prepared values keep their texts and token lists: blocks that never move (so a
/// FieldValue may point into them), allocated as they fill. clear() keeps the first block,
/// so that a scratch arena reused per record allocates only when a record is larger than
/// every one before. Not thread-safe: one arena per thread.
class ValueArena {
 public:
  ValueArena() = default;
  ValueArena(const ValueArena&) = delete;
  ValueArena& operator=(const ValueArena&) = delete;
  ValueArena(ValueArena&&) noexcept = default;
  ValueArena& operator=(ValueArena&&) noexcept = default;

  /// `bytes` bytes at an 8-byte aligned address that stay valid until clear() or the
  /// arena's end.
  void* allocate(std::size_t bytes) {
    const std::size_t words = (bytes + 7) / 8;
    if (blocks_.empty() || used_ + words > blocks_[current_].words) next_block(words);
    std::uint64_t* at = blocks_[current_].data.get() + used_;
    used_ += words;
    return at;
  }
  /// A copy of `bytes` bytes, in allocate()'s terms.
  const void* copy(const void* data, std::size_t bytes) {
    void* at = allocate(bytes);
    if (bytes > 0) std::memcpy(at, data, bytes);
    return at;
  }
  void clear() {
    if (blocks_.size() > 1) blocks_.resize(1);
    current_ = 0;
    used_ = 0;
  }

 private:
  struct Block {
    std::unique_ptr<std::uint64_t[]> data;
    std::size_t words = 0;
  };
  void next_block(std::size_t words) {
    if (current_ + 1 < blocks_.size() && blocks_[current_ + 1].words >= words) {
      ++current_;
    } else {
      // Small blocks first (a scratch arena holds one record), then 1 MiB ones.
      const std::size_t last = blocks_.empty() ? 0 : blocks_.back().words;
      const std::size_t size =
          std::max(words, std::min<std::size_t>(std::max<std::size_t>(64, 2 * last), 1 << 17));
      blocks_.push_back(Block{std::unique_ptr<std::uint64_t[]>(new std::uint64_t[size]), size});
      current_ = blocks_.size() - 1;
    }
    used_ = 0;
  }
  std::vector<Block> blocks_;
  std::size_t current_ = 0, used_ = 0;
};

/// A value's sorted unique token hashes (in a ValueArena).
struct TokenSpan {
  const std::uint64_t* ptr = nullptr;
  std::size_t count = 0;
  std::size_t size() const { return count; }
  bool empty() const { return count == 0; }
  const std::uint64_t* begin() const { return ptr; }
  const std::uint64_t* end() const { return ptr + count; }
  std::uint64_t operator[](std::size_t i) const { return ptr[i]; }
};

/// One field of one record, prepared once so that comparing a pair allocates nothing.
/// 72 bytes: the texts and token hashes live in a ValueArena (the model's, or a scratch
/// one) that must outlive the value.
struct FieldValue {
  std::uint64_t h = 0;          // normalised text
  std::uint64_t h2 = 0;         // name: phonetic key; tokens: sorted token set; nik: packed digits
  std::uint64_t h3 = 0;         // name: sorted tokens; rt_rw: rw; nik: kNikPacked | kNikWellFormed
  const char* chars = nullptr;  // text, then text2
  const std::uint64_t* token_data = nullptr;  // token hashes
  std::int32_t days = 0;
  std::uint16_t text_size = 0, text2_size = 0, token_count = 0;
  std::int16_t year = 0;
  std::int8_t month = 0, day = 0;
  bool null = true;
  /// Letter counts of text, 4 bits a bucket (a-z, then 6 others; 15 = 15 or more): a
  /// bound on Jaro matches.
  std::array<std::uint32_t, 4> hist{};

  /// Normalised text (dates: 8 digits YYYYMMDD).
  std::string_view text() const { return {chars, text_size}; }
  /// Names: the sorted tokens joined.
  std::string_view text2() const {
    return {chars == nullptr ? nullptr : chars + text_size, text2_size};
  }
  TokenSpan tokens() const { return {token_data, token_count}; }
  /// Stores text and text2 (each cut at 65,535 bytes) and the letter counts of text.
  void set_text(ValueArena& arena, std::string_view t, std::string_view t2 = {});
  void set_tokens(ValueArena& arena, const std::vector<std::uint64_t>& tokens);
};

/// An upper bound on the Jaro-Winkler similarity of two values' texts from their letter
/// counts (and, unless any_order, their common prefix); above 1 when the counts give none.
double jaro_winkler_bound(const FieldValue& a, const FieldValue& b, bool any_order = false);
/// The same from packed letter counts (FieldValue::hist) and the texts' sizes, for any
/// order of the letters.
double packed_jaro_winkler_bound(const std::uint32_t* hist_a, const std::uint32_t* hist_b,
                                 std::uint32_t size_a, std::uint32_t size_b);

/// The level code of field f in a pattern (4 bits a field; 0 = null).
inline int level_of(std::uint64_t pattern, std::size_t f) {
  return static_cast<int>((pattern >> (4 * f)) & 0xF);
}

// NIK levels (CompareKind::kNik), as codes (0 = null).
constexpr int kNikExact = 1, kNikSubstitution = 2, kNikTransposition = 3, kNikTwoEdits = 4,
              kNikSameBirth = 5, kNikDifferent = 6, kNikContradicts = 7;
// kNikDateAgrees: the NIK's encoded birth date (digits 7-12) is the record's own birth date;
// kNikRegionAgrees: its region (digits 1-6) is the one learned for the record's place.
constexpr std::uint64_t kNikPacked = 1, kNikWellFormed = 2, kNikDateAgrees = 4,
                        kNikRegionAgrees = 8;

/// Packs up to 16 decimal digits, digit k in bits 4k..4k+3; false for anything else.
inline bool pack_digits(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 16) return false;
  out = 0;
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9') return false;
    out |= static_cast<std::uint64_t>(text[k] - '0') << (4 * k);
  }
  return true;
}

/// Reads a birth date (YYYYMMDD, YYYY-MM-DD with any separator, DD-MM-YYYY) into v's
/// date parts and `text` (YYYYMMDD); false for anything else. Impossible dates (typos)
/// are kept as data.
bool parse_date(std::string_view raw, FieldValue& v, std::string& text);

/// The kNik level of two different 16-digit NIKs packed by pack_digits. Edits are
/// substitutions and adjacent transpositions (what typing and copying do); digits 1-6 are
/// the region, 7-12 the birth date (day + 40 for women), 13-16 a serial.
/// both_dates_agree: each record's own birth date is the one its NIK encodes;
/// both_regions_agree: each record's NIK region is the one learned for its place. Digits
/// so proven by both records are not mistyped: NIKs that differ only in proven digits are
/// two persons (born on other days, registered in other regions): kNikContradicts.
inline int nik_level_packed(std::uint64_t a, std::uint64_t b, bool both_well_formed,
                            bool both_dates_agree = false, bool both_regions_agree = false) {
  const std::uint64_t x = a ^ b;
  if (x == 0) return kNikExact;
  const std::uint64_t diff =
      (x | x >> 1 | x >> 2 | x >> 3) & 0x1111111111111111ULL;  // bit 4k: digit k differs
  // Region, birth date and sex equal: another serial (twins, or persons born the same
  // day in one district).
  if ((diff & 0xFFFFFFFFFFFFULL) == 0) return kNikSameBirth;
  const auto digit = [](std::uint64_t v, int k) { return (v >> (4 * k)) & 0xF; };
  int ops = 0;
  bool transposed = false;
  for (std::uint64_t d = diff; d != 0 && ops < 3;) {
    const int k = __builtin_ctzll(d) / 4;
    d &= d - 1;
    const std::uint64_t next_bit = k < 15 ? std::uint64_t{1} << (4 * (k + 1)) : 0;
    if ((d & next_bit) != 0 && digit(a, k) == digit(b, k + 1) && digit(a, k + 1) == digit(b, k)) {
      d &= ~next_bit;
      transposed = true;
    }
    ++ops;
  }
  constexpr std::uint64_t kRegionDigits = 0x111111ULL;        // digits 1-6
  constexpr std::uint64_t kDateDigits = kRegionDigits << 24;  // digits 7-12
  const std::uint64_t proven =
      (both_dates_agree ? kDateDigits : 0) | (both_regions_agree ? kRegionDigits : 0);
  if (both_well_formed && proven != 0 && (diff & ~proven) == 0) return kNikContradicts;
  if (ops == 1) return transposed ? kNikTransposition : kNikSubstitution;
  if (ops == 2) return kNikTwoEdits;
  const bool date_differs = ((diff >> 24) & 0x111111ULL) != 0;
  return both_well_formed && date_differs ? kNikContradicts : kNikDifferent;
}

struct BlockPart {
  std::string column;
  enum class Transform {
    kRaw,
    kNorm,
    kYear,
    kPrefix,
    kSuffix,
    kPhonetic,
    kPhoneticFirst,
    kPhoneticLast,
    kFirst,
    kLast,
    kSorted
  } transform = Transform::kRaw;
  std::size_t n = 0;
};

struct CompiledField {
  LinkField spec;
  int levels = 2;  // without null
  std::array<double, 4> thresholds{};
};

// Ranges of records over `threads` threads; small inputs stay on the caller's thread.
template <typename Fn>
void parallel_for(unsigned threads, std::size_t n, Fn&& fn) {
  parallel_ranges(n, n < 2048 ? 1u : threads, fn);
}

/// A record as a list of column values (the Linker's stored records): `values[c]` is the
/// value of `(*names)[c]`; other columns are empty.
struct ColumnsView {
  const std::vector<std::string>* names = nullptr;
  const std::string_view* values = nullptr;
  std::string_view get(std::string_view column) const noexcept {
    for (std::size_t c = 0; c < names->size(); ++c) {
      if ((*names)[c] == column) return values[c];
    }
    return {};
  }
};

/// A model (settings, trained weights) and the prepared records it has seen.
struct LinkModel {
  LinkSettings settings;  // trained parameters filled in
  std::vector<CompiledField> fields;
  std::vector<std::vector<BlockPart>> rules;
  std::vector<std::array<double, 16>> weights;  // [field][level code]; code 0 = null
  double prior_weight = 0;
  int household_name_field = -1, household_date_field = -1;
  std::vector<int> household_id_fields;  // kId/kNik fields other than the household key
  /// The kNik field (-1: none); the fields a well-formed NIK fills when they are missing
  /// (its embedded birth date and sex).
  int nik_field = -1;
  std::vector<int> nik_date_fields, nik_sex_fields;
  /// The birth date field the NIK's weight is conditioned on (-1: none), and the NIK's
  /// weights where that field is exact (log2(m / u_same_date)).
  int nik_date_field = -1;
  std::array<double, 16> nik_same_date_weights{}, nik_near_date_weights{};
  /// The field of LinkSettings::nik_place (-1: none) and its places' NIK regions: the
  /// place value's hash -> the region's digits as pack_digits packs them (24 bits).
  int nik_place_field = -1;
  std::unordered_map<std::uint64_t, std::uint64_t> nik_place_region;
  /// NIK levels of random pairs whose birth dates are equal [0] or one digit apart [1]
  /// (estimate_u), for u_same_date and u_near_date; and those pairs' share of all pairs.
  std::array<std::array<double, 16>, 2> date_cond_counts{};
  std::array<double, 2> date_cond_share{};
  /// The weight of level l of field f in a pattern; the most it can be whatever the
  /// other fields (a bound).
  double level_weight(std::size_t f, int l, std::uint64_t pattern) const {
    if (static_cast<int>(f) == nik_field && nik_date_field >= 0 && l > 0) {
      const int ld = level_of(pattern, static_cast<std::size_t>(nik_date_field));
      // Dates equal but for a day/month swap (a format read the other way) are the same
      // date: the NIK's embedded date adds nothing to them either.
      if (ld == 1 || ld == 2) return nik_same_date_weights[static_cast<std::size_t>(l)];
      if (ld == 3) return nik_near_date_weights[static_cast<std::size_t>(l)];
    }
    return weights[f][static_cast<std::size_t>(l)];
  }
  double level_weight_max(std::size_t f, int l) const {
    double w = weights[f][static_cast<std::size_t>(l)];
    if (static_cast<int>(f) == nik_field && nik_date_field >= 0 && l > 0) {
      w = std::max({w, nik_same_date_weights[static_cast<std::size_t>(l)],
                    nik_near_date_weights[static_cast<std::size_t>(l)]});
    }
    return w;
  }
  /// Per rule: blocks on the household key alone (its pairs are households, not persons,
  /// so they are scored but not used to train m).
  std::vector<bool> household_rule;
  /// Per rule: the pattern bits of the fields it blocks on. In training these fields are
  /// treated as missing on the rule's pairs (blocking forced their agreement, so it says
  /// nothing about matching there).
  std::vector<std::uint64_t> rule_masks;

  // Term frequencies (fields with term_frequency): value hash -> count.
  std::vector<std::unordered_map<std::uint64_t, std::uint32_t>> tf_counts;
  std::vector<double> tf_totals;

  // Prepared records: values[record * F + field], keys[record * R + rule]; the values'
  // texts in `arenas` (one a preparing thread).
  std::vector<FieldValue> values;
  std::vector<ValueArena> arenas;
  std::vector<std::uint64_t> keys;
  std::vector<std::uint64_t> household;
  std::vector<std::uint8_t> source;  // 0 left / single list, 1 right

  /// How link_prepared() streams candidate pairs (see there): up to store_all_pairs
  /// blocked pairs are all stored; above, a sample of about sample_pairs trains a
  /// preliminary model and the rest are stored only within margin_bits of the threshold.
  /// The outputs say what happened (for tests and benchmarks).
  struct Streaming {
    std::size_t store_all_pairs = std::size_t{1} << 22;  // 64 MiB of candidates
    std::size_t sample_pairs = std::size_t{1} << 20;
    double margin_bits = 10.0;
    std::size_t stored_pairs = 0;    // out: candidates held for scoring
    std::size_t sampled_blocks = 0;  // out: phase-A blocks (0: all stored)
    bool restreamed = false;         // out: the weights drifted more than the margin
  } streaming;

  /// Compiles settings (validating them); no records yet.
  explicit LinkModel(const LinkSettings& s);

  std::size_t field_count() const { return fields.size(); }
  std::size_t rule_count() const { return rules.size(); }
  std::size_t size() const { return household.size(); }

  /// The columns that preparing a record reads (fields, blocking rules, household key),
  /// each once: what the Linker stores of a record.
  std::vector<std::string> used_columns;

  /// Prepares one record (a LinkRecord or a ColumnsView) into caller storage (F values,
  /// R keys).
  template <typename Record>
  void prepare(const Record& r, FieldValue* values_out, std::uint64_t* keys_out,
               std::uint64_t& household_out, ValueArena& arena) const;

  std::uint64_t pattern(const FieldValue* a, const FieldValue* b) const;
  std::uint64_t pattern(std::size_t i, std::size_t j) const {
    return pattern(&values[i * fields.size()], &values[j * fields.size()]);
  }
  /// Match weight (log2 odds) of a pattern, with term-frequency adjustments from a's values.
  double weight(std::uint64_t pattern, const FieldValue* a) const;
  double tf_adjustment(std::size_t f, const FieldValue& a) const;
  /// tf_adjustment of a value given by its hash (FieldValue::h).
  double tf_adjustment_of(std::size_t f, std::uint64_t value_hash) const;
  /// Fills field f (a birth date or sex of nik_date_fields / nik_sex_fields), when it is
  /// missing, from a well-formed NIK: its embedded date, and day + 40 for women.
  void fill_from_nik(const FieldValue& nik, std::size_t f, FieldValue& value,
                     ValueArena& arena) const;
  bool filled_from_nik(std::size_t f) const;
  /// Sets kNikDateAgrees on a prepared NIK when `date` (the record's own birth date, before
  /// any filling from the NIK) is the date the NIK encodes.
  void mark_nik_date(FieldValue& nik, const FieldValue& date) const;
  /// Sets kNikRegionAgrees on a prepared NIK when its region is the one of `place`.
  void mark_nik_place(FieldValue& nik, const FieldValue& place) const;
  /// When nik_place names a field and no regions were given: learns each place's region
  /// from the prepared values (a strict majority of at least 5 well-formed NIKs), records
  /// it in settings.nik_place_regions and marks every prepared NIK.
  void learn_nik_places();
  /// Prepares field f alone (what prepare() puts in values_out[f]).
  template <typename Record>
  void prepare_field(const Record& r, std::size_t f, FieldValue& value_out,
                     ValueArena& arena) const;
  /// Two persons whatever the weight (the pair is scored but never kept): members of one
  /// household (same key) whose names or birth dates are far apart, twins; and in any
  /// household, NIKs equal but for the serial with names that share nothing.
  bool household_apart(std::uint64_t household_a, std::uint64_t household_b,
                       std::uint64_t pattern) const;
  /// Two records that may never share a cluster through other records: their NIKs
  /// contradict (kNikContradicts) and their own comparison stays below the threshold.
  /// Cheap unless the NIKs contradict.
  bool identity_conflict(const FieldValue* a, const FieldValue* b) const;
  /// Warnings on a trained model whose identity fields came out weak (empty: sound).
  std::vector<std::string> check_model() const;

  /// Training data: per blocking rule (a session), the patterns of the pairs that rule
  /// blocks with its own fields held out (null); and the patterns of all candidates.
  struct PatternCounts {
    std::vector<std::unordered_map<std::uint64_t, std::uint64_t>> sessions;  // per rule
    std::unordered_map<std::uint64_t, std::uint64_t> all;
    void merge(const PatternCounts& other);
  };
  /// Random pairs drawn for u: 25 a record, at least 200,000, at most
  /// settings.u_sample_pairs (small lists need fewer draws for the same precision per
  /// record pair class, and the draws were most of their time).
  std::size_t u_draws() const {
    return std::min(settings.u_sample_pairs, std::max<std::size_t>(200000, 25 * size()));
  }
  /// Why blocking rule r gave no record a key, as a hint for a warning: a prefixN or
  /// suffixN part longer than every value of its (compared) column, e.g. NIK parts on
  /// another register's 7-digit numbers; otherwise "missing column?".
  std::string why_no_key(std::size_t r) const;
  /// u (fields without a given u) from random pairs ...
  void estimate_u(std::size_t left_size);
  /// ... whose level counts are kept (per field; empty where u was given), so that once
  /// m and the prior are known the matches among them can be taken out (estimate_m).
  std::vector<std::array<double, 16>> u_counts;
  /// NIK levels of random pairs with equal birth dates (same_date_counts), and from them,
  /// once m and the prior are known, u_same_date (matches taken out).
  void estimate_same_date_counts(std::size_t left_size);
  void estimate_u_same_date();
  /// ... then m by EM in each session (u fixed; the session's prior free), the sessions'
  /// match-class counts pooled per field and level; then the prior of two random records
  /// (among `pair_universe` pairs, of which the candidates are those counted in `all`)
  /// from the expected matches among the candidates. Fills weights and settings; returns
  /// the EM iterations. Deterministic in the settings and the counts.
  int estimate_m(const PatternCounts& counts, double pair_universe);
  /// An upper bound on weight(pattern, a) over all records a: the term-frequency
  /// adjustment of an exact level adds at most 2 bits.
  double weight_bound(std::uint64_t pattern) const;
  /// Compares a and b field by field, cheap kinds first, and stops (false) as soon as
  /// their weight bound cannot reach min_weight; otherwise fills the whole pattern (true).
  /// min_weight = -infinity always completes.
  bool pattern_reaching(const FieldValue* a, const FieldValue* b, double min_weight,
                        std::uint64_t& pattern_out) const;
  // Field order for pattern_reaching and, per position, the most weight the fields from
  // there on can add (set by compute_weights).
  std::vector<std::size_t> cheap_order;
  std::vector<double> rest_max;
  void compute_weights();
  void count_term_frequencies();
  Explanation explain_values(const FieldValue* a, const FieldValue* b, std::uint64_t ha,
                             std::uint64_t hb) const;
  Explanation explain(std::size_t i, std::size_t j) const;
};

inline double probability_of(double weight) { return 1.0 / (1.0 + std::exp2(-weight)); }

/// A weight below which probability_of(weight) < p surely (a little under logit2(p), so
/// that rounding cannot make a pair below it reach p).
inline double weight_floor_for(double p) {
  if (!(p > 0)) return -HUGE_VAL;
  if (!(p < 1)) return 50.0;  // probability_of(w) rounds to 1 only above ~53
  const double logit = std::log2(p) - std::log2(1.0 - p);
  // Near 1, 1 - p keeps little precision (about 2^(logit - 53) relative) and weights that
  // close round to the same probability (a tie, ranked by index): a margin well above both.
  return logit - 1e-3 - std::exp2(logit - 48.0);
}

int level_count(CompareKind kind);
int compare_field(const CompiledField& f, const FieldValue& a, const FieldValue& b);
std::vector<BlockPart> parse_block_rule(const std::vector<std::string>& parts);

/// Clusters result.pairs (kept pairs of the model's records) into persons: fills
/// cluster_ids, confidence and the cluster counts of result.stats. Pairs are merged in
/// order of falling weight (result.pairs ends sorted by (i, j)).
void cluster_pairs(const LinkModel& m, LinkResult& result);
/// Runs blocking, training, scoring and clustering over a prepared model; `meter` (may be
/// null) is set to the stages 2 to 5 of kLinkStages on the way (the caller reports 1, after
/// preparing, and finishes).
LinkResult link_prepared(std::shared_ptr<LinkModel> model, std::size_t left_size,
                         ProgressMeter* meter = nullptr);
std::shared_ptr<LinkModel> prepare_records(const LinkSettings& s,
                                           const std::vector<LinkRecord>& left,
                                           const std::vector<LinkRecord>* right);

}  // namespace smartkampung::detail

#endif
