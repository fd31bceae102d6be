// smartkampung/linkage.hpp: probabilistic record linkage (finding the same person when the
// NIK is missing or mistyped).
//
// Records are compared field by field; each comparison reaches a level (exact, one digit
// wrong, similar name, ...). Fellegi-Sunter weights per level (m: how often true matches
// reach it, u: how often random pairs do) add up to a match weight, turned into a
// probability. u is estimated from random pairs and m by expectation-maximisation over the
// blocked candidate pairs, so no labels are needed; both can be set by hand in the settings.
// Pairs above a threshold are clustered into persons (connected components), with members
// of one household kept apart.
//
// All free functions are pure and safe from any thread. A Linker is not synchronised:
// use one from one thread at a time (const members may run concurrently).
#ifndef SMARTKAMPUNG_LINKAGE_HPP
#define SMARTKAMPUNG_LINKAGE_HPP

#include <smartkampung/export.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <smartkampung/error.hpp>
#include <smartkampung/progress.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung {

/// One record to link. The named fields are those of the registry; other schemas put
/// their columns in `fields` (name, value). Every field may be empty (missing); an
/// invalid NIK is data to compare, never an error.
struct LinkRecord {
  std::string nik, kk, name, birth_date, sex, address, village, district, rt, rw;
  std::vector<std::pair<std::string, std::string>> fields;

  /// The value of a column: a named field or one in `fields`; empty when absent.
  SMARTKAMPUNG_EXPORT std::string_view get(std::string_view column) const noexcept;
  /// Sets a named field, or adds/replaces an entry of `fields`.
  SMARTKAMPUNG_EXPORT void set(std::string_view column, std::string value);
};

/// How a field is compared. Levels are listed best first; a missing value on either
/// side gives the "null" level, whose weight is 0.
enum class CompareKind : int {
  kExact = 0,   ///< exact, different
  kId = 1,      ///< (NIK, KK, other ids) exact, one_substitution, transposition, different
  kName = 2,    ///< (Indonesian names) exact, phonetic, jw_high, jw_mid, subset, different
  kString = 3,  ///< exact, jw_high, jw_mid, jw_low, different
  kDate = 4,    ///< exact, day_month_swapped, one_digit, within_year, different
  kTokens = 5,  ///< (addresses) exact, same_tokens, most_tokens, some_token, different
  kRtRw = 6,    ///< (RT in column, RW in column2) exact, same_rw, different
  kSex = 7,  ///< exact, different; L/LK/LAKI-LAKI/PRIA/M/MALE and P/PR/PEREMPUAN/WANITA/W/F/FEMALE
             ///< are brought to one code each first
  /// (Indonesian NIK) exact, one_substitution, transposition, two_edits (two damages:
  /// a substitution or a transposition each), same_birth (region, birth date and sex
  /// equal, another serial), different, contradicts (two well-formed NIKs three or more
  /// edits apart whose embedded birth dates differ: two persons). A well-formed NIK's
  /// embedded birth date and sex stand in for a missing birth date or sex.
  kNik = 8,
};

/// "exact", "id", "name", "string", "date", "tokens", "rt_rw", "sex", "nik".
SMARTKAMPUNG_EXPORT const char* compare_kind_name(CompareKind kind) noexcept;
/// Names of the levels of a kind, best first (without "null").
SMARTKAMPUNG_EXPORT std::vector<std::string> compare_level_names(CompareKind kind);

/// One compared field.
struct LinkField {
  std::string name;     ///< as shown in explanations ("name", "birth_date", ...)
  std::string column;   ///< the record column read
  std::string column2;  ///< second column (the RW of kRtRw)
  CompareKind kind = CompareKind::kExact;
  /// Similarity thresholds of the kind's graded levels (Jaro-Winkler for kName and
  /// kString, token overlap for kTokens); empty = the defaults.
  std::vector<double> thresholds;
  bool term_frequency = false;  ///< adjust the exact level's weight by value frequency
  /// A place (village, RT/RW, address): where a blocking rule fixes a place (a place
  /// column, or a NIK prefix of 6 digits or more: the district), every place field is
  /// held out of that rule's training, since places inside one agree far more often than
  /// between random records.
  bool place = false;
  /// Per level (best first, without null). Empty = estimated (u from random pairs, m by EM);
  /// given = fixed.
  std::vector<double> m, u;
  /// (kNik only) u of each level among pairs whose birth dates agree exactly: a NIK
  /// embeds the birth date, so where the birth dates agree the NIK's weight is
  /// log2(m / u_same_date) and the date is not counted twice. Empty = estimated.
  std::vector<double> u_same_date;
  /// (kNik only) likewise among pairs whose birth dates are one digit apart (the NIKs of
  /// two persons born a digit apart in one district are a digit apart too).
  std::vector<double> u_near_date;
};

/// What is compared, how pairs are blocked and how they are scored. Round-trips through
/// JSON (see docs/linkage.md); after training, the trained m, u and prior are filled in.
struct LinkSettings {
  std::vector<LinkField> fields;
  /// Blocking rules: a pair is a candidate when, for some rule, all its parts are equal
  /// and non-empty. A part is "column" or "column:transform" with transform one of norm,
  /// year, prefixN, suffixN, phonetic, phonetic_first, phonetic_last, first, last, sorted.
  std::vector<std::vector<std::string>> blocking;
  double threshold = 0.9;  ///< match probability at or above which a pair is kept
  /// P(match) of two records drawn at random (not of a blocked candidate pair: blocking
  /// only decides which pairs are compared, the comparison itself carries the evidence);
  /// negative = estimated from the expected matches among the candidates.
  double prior = -1;
  /// Household rule: records with the same non-empty `household_key`, clearly different
  /// names (field household_name) and different birth dates (field household_date) are
  /// different persons and never join one cluster. Empty key = no rule.
  std::string household_key = "kk";
  std::string household_name = "name";
  std::string household_date = "birth_date";
  /// The field (by name) whose value is a place inside one NIK region, a desa or a
  /// kecamatan; empty: none (and no error when no field has this name, unless it was
  /// given in JSON). Training learns each place's region, the first six digits most of
  /// its well-formed NIKs share (nik_place_regions). Two well-formed NIKs that differ only
  /// in digits the records prove (the region, where each record's region is its place's;
  /// the birth date, where each encodes its record's birth date) are then two persons
  /// (level "contradicts"): a mistyped NIK does not agree with its own record like that.
  std::string nik_place = "village";
  /// Place (as normalised by the field's comparison) -> NIK region (6 digits): learned
  /// from the records when empty, kept when given (e.g. from trained_settings()).
  std::vector<std::pair<std::string, std::string>> nik_place_regions;
  std::size_t max_block_size = 2000;  ///< larger blocks are skipped (other rules cover them)
  /// Clusters larger than this are reported (LinkStats::large_clusters and a warning).
  std::size_t max_cluster_size = 50;
  /// Random pairs drawn to estimate u, at most: 25 a record are drawn, at least 200,000
  /// (all pairs when there are fewer).
  std::size_t u_sample_pairs = 1000000;
  int em_iterations = 40;
  unsigned threads = 2;
  std::uint64_t seed = 42;

  /// The defaults for registry records (nik, kk, name, birth_date, sex, village, rt/rw...).
  SMARTKAMPUNG_EXPORT static LinkSettings indonesian();
  /// Parses settings; missing keys keep the defaults of indonesian() except "fields" and
  /// "blocking", which replace them. Throws Error(kParse / kInvalidArgument) with the JSON path.
  SMARTKAMPUNG_EXPORT static LinkSettings from_json(std::string_view json);
  SMARTKAMPUNG_EXPORT std::string to_json() const;
  /// Throws Error(kInvalidArgument) naming the first problem (unknown kind, too many fields...).
  SMARTKAMPUNG_EXPORT void validate() const;
  /// The columns the settings read by name (fields, second columns, blocking parts): an
  /// intake keeps them as they are, never renaming them through a header alias.
  SMARTKAMPUNG_EXPORT std::vector<std::string> columns() const;
};

/// A scored pair (i < j) with its match weight (log2 odds) and probability.
struct LinkPair {
  std::uint32_t i = 0, j = 0;
  double weight = 0;
  double probability = 0;
};

/// The comparison of one field of a pair.
struct FieldExplanation {
  std::string field;
  std::string level;         ///< a level name, or "null"
  int level_index = -1;      ///< index in compare_level_names(kind); -1 for null
  double weight = 0;         ///< log2(m/u) plus tf_adjustment
  double tf_adjustment = 0;  ///< the term-frequency part of weight
};

/// Why a pair scores as it does: prior_weight + sum of field weights == match_weight.
struct Explanation {
  std::vector<FieldExplanation> fields;
  double prior_weight = 0;
  double match_weight = 0;
  double probability = 0;
  bool household_apart = false;  ///< the household rule keeps the two apart
};

struct LinkStats {
  std::size_t records = 0;
  std::size_t candidate_pairs = 0;  ///< pairs compared (each once)
  std::size_t kept_pairs = 0;       ///< at or above the threshold
  std::size_t skipped_blocks = 0;   ///< blocks larger than max_block_size
  std::size_t skipped_records = 0;  ///< records in those blocks (each counted per rule)
  std::size_t clusters = 0;
  std::size_t largest_cluster = 0;
  std::size_t large_clusters = 0;  ///< clusters above max_cluster_size
  /// Merges refused because two records' identities contradict (see CompareKind::kNik)
  /// or the household rule keeps two members apart.
  std::size_t refused_merges = 0;
  int em_iterations = 0;
  double seconds = 0;
};

namespace detail {
struct LinkModel;
struct LinkerState;
struct LinkResultAccess;
}  // namespace detail

/// The outcome of link(): one cluster id per record (the smallest record index of its
/// cluster), the kept pairs, per-record cluster confidence, and explanations.
class LinkResult {
 public:
  std::vector<std::int64_t> cluster_ids;
  std::vector<LinkPair> pairs;  ///< sorted by (i, j)
  /// Per record: the lowest probability among the pairs that joined its cluster
  /// (1 for a record alone).
  std::vector<double> confidence;
  LinkStats stats;
  /// What the user should look at: columns with no values, no candidate pairs, skipped
  /// blocks, clusters above max_cluster_size, a model whose identity fields came out
  /// weak. Never personal data.
  std::vector<std::string> warnings;
  /// Candidate pairs by match weight (without term-frequency adjustments): counts of
  /// weights in [k - 64, k - 63) for k = 0..128 (first and last bins open-ended).
  std::vector<std::uint64_t> weight_histogram;

  /// Explains any pair of records (scored or not). Throws Error(kNotFound) on a bad index.
  SMARTKAMPUNG_EXPORT Explanation explain(std::size_t i, std::size_t j) const;
  /// The settings with the trained m, u and prior filled in.
  SMARTKAMPUNG_EXPORT const LinkSettings& trained_settings() const;

 private:
  friend struct detail::LinkResultAccess;
  std::shared_ptr<const detail::LinkModel> model_;
};

/// Links (deduplicates) records. Throws Error(kInvalidArgument) on bad settings.
/// `progress` (may be empty, see progress.hpp) is told the stages done, out of
/// kLinkStages: records prepared, blocks built, candidate pairs compared, model trained,
/// pairs scored, clusters formed; Error(kCancelled) when it returns false.
SMARTKAMPUNG_EXPORT LinkResult link(const std::vector<LinkRecord>& records,
                                    const LinkSettings& settings = LinkSettings::indonesian(),
                                    const Progress& progress = {});
/// As above, releasing the records once they are prepared (less peak memory at scale).
SMARTKAMPUNG_EXPORT LinkResult link(std::vector<LinkRecord>&& records,
                                    const LinkSettings& settings = LinkSettings::indonesian(),
                                    const Progress& progress = {});
/// The stages link() and Linker::fit() report to their progress hook.
inline constexpr std::size_t kLinkStages = 6;
/// Records handed over a chunk at a time: `next(chunk)` is given an empty chunk, fills it
/// and returns true, or returns false when no records are left. Exceptions it throws pass
/// through link(). Called on the thread that called link().
using LinkRecordChunks = std::function<bool(std::vector<LinkRecord>& chunk)>;
/// Links records read a chunk at a time, each prepared and released before the next is
/// read, so that a large list is never held whole beside its prepared form (the least
/// peak memory at scale). `expected_records` (0: unknown) sizes the storage up front.
SMARTKAMPUNG_EXPORT LinkResult link(const LinkRecordChunks& next,
                                    const LinkSettings& settings = LinkSettings::indonesian(),
                                    std::size_t expected_records = 0,
                                    const Progress& progress = {});
/// Links two lists: indices run over `left` then `right`, and only cross pairs are scored.
SMARTKAMPUNG_EXPORT LinkResult link(const std::vector<LinkRecord>& left,
                                    const std::vector<LinkRecord>& right,
                                    const LinkSettings& settings, const Progress& progress = {});

/// Incremental linking: fit once, then add and remove records one at a time; each new
/// record is scored against the indexed records sharing a blocking key and joins (or
/// founds) a cluster without a re-run.
class SMARTKAMPUNG_EXPORT Linker {
 public:
  struct Match {
    std::size_t index = 0;
    double probability = 0;
  };
  struct Added {
    std::size_t index = 0;        ///< the new record's index
    std::int64_t cluster_id = 0;  ///< smallest index of its cluster
    std::vector<Match> matches;   ///< records at or above the threshold, best first
  };

  explicit Linker(LinkSettings settings = LinkSettings::indonesian());
  ~Linker();
  Linker(Linker&&) noexcept;
  Linker& operator=(Linker&&) noexcept;
  Linker(const Linker&) = delete;
  Linker& operator=(const Linker&) = delete;

  /// Trains (unless m and u are all given) and clusters `records`, replacing any content.
  /// On failure the previous content is kept. `progress` (may be empty) is told the
  /// stages as link()'s; Error(kCancelled) when it returns false, the content kept.
  void fit(const std::vector<LinkRecord>& records, const Progress& progress = {});
  Added add(const LinkRecord& record);
  /// Removes a record; its cluster is re-formed from the pairs left. Throws
  /// Error(kNotFound) for an unknown or removed index.
  void remove(std::size_t index);
  /// The k best indexed records for `record` (not added), best first.
  std::vector<Match> candidates(const LinkRecord& record, std::size_t k = 5) const;
  /// One id per index (the smallest index of its cluster); -1 for removed records.
  std::vector<std::int64_t> cluster_ids() const;
  Explanation explain(std::size_t i, std::size_t j) const;
  /// Indices ever assigned (removed ones included).
  std::size_t size() const noexcept;
  /// Settings with trained parameters (after fit).
  const LinkSettings& settings() const noexcept;

  /// The whole state (settings, trained model, every record's columns, clusters, removed
  /// indices) as bytes; from_bytes() gives a Linker that answers every call as this one
  /// does. Rows and key tables are rebuilt on loading (about as fast as fit() without
  /// its scoring). A damaged or foreign input throws Error(kCorrupt).
  std::string to_bytes() const;
  static Linker from_bytes(std::string_view bytes);
  /// to_bytes() written atomically (temporary file, then rename); Error(kIo) on failure.
  void save(const std::string& path) const;
  /// Reads a file written by save(); Error(kIo) when unreadable, Error(kCorrupt) when damaged.
  static Linker load(const std::string& path);

 private:
  explicit Linker(std::unique_ptr<detail::LinkerState> state);
  std::unique_ptr<detail::LinkerState> state_;
};

/// Linking one list in parts, for a distributed engine (smartkampung.dask, .spark) where
/// no machine holds the whole list: a trained model (settings with m, u and prior given
/// for every field, such as LinkResult::trained_settings()) applied to pieces of the list
/// gives exactly the kept pairs and clusters link() gives on the whole, when
/// - every record carries its position in the whole list (`rows`): pairs are oriented and
///   ties ranked by it, as link() ranks them by index;
/// - the term frequencies are the whole list's (term_counts() of each part, summed, given
///   to set_term_counts());
/// - score_blocks() sees, for one rule, every record of each of its blocks at once, with
///   the keys of blocks over max_block_size cleared (0) in all rules, as link() clears them;
/// - cluster() sees every record and kept pair of each connected component of the kept
///   pairs at once: a merge is decided from the two clusters' own records and pairs only.
/// Const members are safe from any thread.
class SMARTKAMPUNG_EXPORT LinkParts {
 public:
  /// Per field (in settings order): (value hash, count) of the values of a field with
  /// term_frequency; empty for other fields.
  using TermCounts = std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>>;
  struct Scored {
    std::vector<LinkPair> pairs;  ///< kept pairs, i and j the records' rows (i < j)
    std::size_t compared = 0;     ///< candidate pairs compared
  };
  struct Clustered {
    std::vector<std::int64_t> cluster_ids;  ///< per record: the smallest row of its cluster
    std::size_t refused_merges = 0;
  };

  /// Throws Error(kInvalidArgument) on bad settings or when some m, u or the prior is not given.
  explicit LinkParts(const LinkSettings& settings);
  ~LinkParts();
  LinkParts(LinkParts&&) noexcept;
  LinkParts& operator=(LinkParts&&) noexcept;
  LinkParts(const LinkParts&) = delete;
  LinkParts& operator=(const LinkParts&) = delete;

  const LinkSettings& settings() const noexcept;
  /// The columns preparing a record reads (what a part must carry of each record).
  const std::vector<std::string>& columns() const noexcept;
  std::size_t rule_count() const noexcept;
  /// Blocking keys, keys[i * rule_count() + r] (0: record i has no key under rule r).
  std::vector<std::uint64_t> keys(const std::vector<LinkRecord>& records) const;
  /// The term-frequency counts of some records.
  TermCounts term_counts(const std::vector<LinkRecord>& records) const;
  /// The whole list's counts (the parts' summed); before scoring or clustering.
  void set_term_counts(const TermCounts& counts);
  const TermCounts& whole_term_counts() const noexcept;
  /// Scores the pairs of rule `rule`'s blocks among `records` (rows[i] the position of
  /// records[i] in the whole list; keys as keys() gives, oversized blocks cleared): each
  /// pair sharing a non-zero key under `rule` and under no earlier rule. Throws
  /// Error(kInvalidArgument) on sizes that do not match or a block over max_block_size.
  Scored score_blocks(const std::vector<LinkRecord>& records,
                      const std::vector<std::uint64_t>& rows,
                      const std::vector<std::uint64_t>& keys, std::size_t rule) const;
  /// Clusters records (rows[i] the position of records[i]) by kept pairs given in rows,
  /// with the weights and probabilities score_blocks() gave them.
  Clustered cluster(const std::vector<LinkRecord>& records, const std::vector<std::uint64_t>& rows,
                    const std::vector<LinkPair>& pairs) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Indonesian name normalisation: lower case, punctuation and spaces collapsed,
/// honorifics and titles removed, spellings of Muhammad unified, old spelling folded
/// (oe->u, dj->j, tj->c, ch->kh, sj->sy, nj->ny). "H. Djoko  Santoso" -> "joko santoso".
SMARTKAMPUNG_EXPORT std::string normalize_name(std::string_view name);
/// A phonetic key suited to Indonesian names (of the normalised name), tokens space-separated.
SMARTKAMPUNG_EXPORT std::string name_phonetic_key(std::string_view name);
/// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters).
SMARTKAMPUNG_EXPORT double jaro_winkler(std::string_view a, std::string_view b) noexcept;

}  // namespace smartkampung

#endif
