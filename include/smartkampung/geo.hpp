// smartkampung/geo.hpp: isolation houses (and other facilities) in a spatial index;
// k-nearest and radius queries by true WGS84 ellipsoidal distance, bed reservations,
// and capacity-aware assignment of many residents at once.
#ifndef SMARTKAMPUNG_GEO_HPP
#define SMARTKAMPUNG_GEO_HPP

#include <smartkampung/export.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <smartkampung/error.hpp>
#include <smartkampung/io.hpp>
#include <smartkampung/progress.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace smartkampung::geo {

/// WGS84 ellipsoidal distance in metres between two points given in degrees, by
/// Vincenty's inverse formula (the library's own, equal to Boost.Geometry's to a micrometre;
/// agrees with GeographicLib to micrometres away from nearly antipodal pairs). NaN when a
/// coordinate is invalid.
SMARTKAMPUNG_EXPORT double wgs84_distance(double lat1, double lon1, double lat2,
                                          double lon2) noexcept;

/// One facility: an isolation house, a clinic, a certified business.
struct Facility {
  std::int64_t id = 0;
  std::string name;
  double lat = 0.0;           ///< WGS84 degrees, [-90, 90]
  double lon = 0.0;           ///< WGS84 degrees, [-180, 180]
  std::string kind;           ///< free text ("isolation", "puskesmas", ...); empty means none
  std::int32_t capacity = 0;  ///< beds, >= 0
  std::int32_t occupied = 0;  ///< beds taken, 0 <= occupied <= capacity
  bool open = true;
};

/// A query answer: a facility id and its WGS84 distance in metres.
struct Neighbor {
  std::int64_t id = -1;
  double distance_m = 0.0;
  friend bool operator==(const Neighbor& a, const Neighbor& b) {
    return a.id == b.id && a.distance_m == b.distance_m;
  }
};

/// Which facilities a query may return.
struct Filter {
  std::int32_t min_free = 0;        ///< at least this many free beds; 0 means any
  std::optional<std::string> kind;  ///< only this kind when set
  bool include_closed = false;      ///< closed facilities are skipped unless true
};

/// A facility row that a loader rejected: 1-based line (CSV) or item number (JSON).
struct RejectedRow {
  std::size_t line = 0;
  std::string reason;
};

enum class AssignMode {
  kGreedy,   ///< in order of arrival, each resident takes the nearest house with a free bed
  kOptimal,  ///< minimum total distance (min-cost max-flow over candidate houses)
};

/// Outcome of FacilityIndex::assign.
struct Assignment {
  std::vector<std::int64_t> house;  ///< per resident: house id, or -1 when unplaced
  double total_m = 0.0;             ///< sum of distances of placed residents
  double max_m = 0.0;               ///< largest distance of a placed resident
  std::size_t placed = 0;
  std::size_t unplaced = 0;
};

/// A predicate on facility ids (for callers, such as the certificate engine, that
/// keep their own per-facility state).
using IdPredicate = std::function<bool(std::int64_t)>;

/// A set of facilities with a spatial index.
///
/// Every answer is exact: facilities are ranked by WGS84 ellipsoidal distance (Vincenty),
/// ties broken by id, and equal what a linear scan over all facilities would give. A
/// Boost.Geometry rtree over the facilities' earth-centred points (cartesian CS) proposes
/// candidates; a proven bound (a geodesic is never shorter than the straight chord between
/// its ends) decides how far to look. Small sets are scanned linearly instead.
///
/// Thread safety: every const member, reserve, release, free_beds and nearest_reserve may
/// be called concurrently from any number of threads; bed counts are atomic. add, update,
/// remove and assign(reserve=true) take an exclusive lock and wait for running queries.
/// Moving or destroying the index while another thread uses it is undefined.
class SMARTKAMPUNG_EXPORT FacilityIndex {
 public:
  FacilityIndex();
  /// Builds the index (bulk-loaded); throws Error(kInvalidArgument) naming the first bad
  /// facility (NaN or out-of-range coordinates, negative capacity, duplicate id).
  explicit FacilityIndex(std::vector<Facility> facilities);
  ~FacilityIndex();
  FacilityIndex(FacilityIndex&&) noexcept;
  FacilityIndex& operator=(FacilityIndex&&) noexcept;
  FacilityIndex(const FacilityIndex&) = delete;
  FacilityIndex& operator=(const FacilityIndex&) = delete;

  /// From columns of length n; occupied (NULL: 0), open (NULL: all open) and kinds
  /// (NULL: none) are optional. Errors as the constructor, naming the row.
  static FacilityIndex from_arrays(std::size_t n, const std::int64_t* ids, const double* lats,
                                   const double* lons, const std::int32_t* capacity,
                                   const std::int32_t* occupied = nullptr,
                                   const std::uint8_t* open = nullptr,
                                   const std::string* kinds = nullptr);

  /// CSV with a header row naming columns id, lat (or latitude), lon (or longitude,
  /// lng), capacity and optionally name, kind, occupied, open; `,` or `;` separated,
  /// quotes, CRLF and a BOM allowed. Every bad row is reported with its line and reason:
  /// into `rejected` when given (the good rows are loaded), else as one Error(kParse)
  /// listing them (nothing loaded).
  static FacilityIndex from_csv_text(std::string_view text,
                                     std::vector<RejectedRow>* rejected = nullptr);
  static FacilityIndex load_csv(const std::string& path,
                                std::vector<RejectedRow>* rejected = nullptr);
  /// As from_csv_text, from a table of text (a DataFrame's or an Arrow stream's rows).
  static FacilityIndex from_text_table(const CsvTable& table,
                                       std::vector<RejectedRow>* rejected = nullptr);
  /// JSON: an array of objects (or {"facilities": [...]}) with the same field names;
  /// rows are numbered from 1 in `RejectedRow::line`. Malformed JSON is Error(kParse)
  /// with its offset.
  static FacilityIndex from_json_text(std::string_view text,
                                      std::vector<RejectedRow>* rejected = nullptr);
  static FacilityIndex load_json(const std::string& path,
                                 std::vector<RejectedRow>* rejected = nullptr);

  std::size_t size() const;
  bool contains(std::int64_t id) const;
  /// The facility with its current bed count; Error(kNotFound) for an unknown id.
  Facility get(std::int64_t id) const;
  /// All facilities, sorted by id.
  std::vector<Facility> facilities() const;

  /// Adds one facility without rebuilding the tree; Error(kInvalidArgument) on a duplicate
  /// id or invalid fields (the index is unchanged then).
  void add(const Facility& facility);
  /// Replaces the facility with the same id (location, capacity, beds, open, kind, name);
  /// Error(kNotFound) for an unknown id.
  void update(const Facility& facility);
  /// Error(kNotFound) for an unknown id.
  void remove(std::int64_t id);

  /// The k nearest facilities passing `filter`, by distance then id; fewer when fewer
  /// pass (any k above size(), SIZE_MAX included, means all of them).
  /// Error(kInvalidArgument) on invalid coordinates.
  std::vector<Neighbor> nearest(double lat, double lon, std::size_t k = 1,
                                const Filter& filter = {}) const;
  /// Every facility passing `filter` within radius_m metres (inclusive), by distance then id.
  std::vector<Neighbor> within(double lat, double lon, double radius_m,
                               const Filter& filter = {}) const;
  /// n queries into caller arrays of n*k (row-major); missing answers are id -1 and
  /// distance +inf. Runs on up to `threads` threads (0: all cores). A point with invalid
  /// coordinates throws Error(kInvalidArgument) naming its row before any work is done, and
  /// so does an n*k no array can hold. Callers that take k from outside size their arrays
  /// with answer_width(k).
  /// Every k above the number of facilities (SIZE_MAX included) asks for all of them.
  /// `progress` (may be empty, see progress.hpp) is told the queries answered, every 64k
  /// at most, from one worker thread at a time; Error(kCancelled) when it returns false
  /// (the arrays are then partly filled).
  void nearest_batch(std::size_t n, const double* lats, const double* lons, std::size_t k,
                     const Filter& filter, std::int64_t* out_ids, double* out_dists,
                     unsigned threads = 0, const Progress& progress = {}) const;

  /// min(k, size()): the most answers a query for k can give, so the row width of arrays
  /// for nearest_batch when k comes from a caller ("more than there are" means all).
  std::size_t answer_width(std::size_t k) const;

  /// As nearest and within, but the only filter is `accept(id)` (open, beds and kind are
  /// ignored). `accept` is called under the index's shared lock, possibly from the calling
  /// thread only, and must not modify this index.
  std::vector<Neighbor> nearest_if(double lat, double lon, std::size_t k,
                                   const IdPredicate& accept) const;
  std::vector<Neighbor> within_if(double lat, double lon, double radius_m,
                                  const IdPredicate& accept) const;

  /// Takes n beds (n >= 1) if that many are free in an open facility: true when taken,
  /// false otherwise (nothing changes). Atomic: concurrent calls never give a bed twice.
  /// Error(kNotFound) for an unknown id, Error(kInvalidArgument) when n < 1.
  bool reserve(std::int64_t id, std::int32_t n = 1);
  /// Frees n beds; Error(kInvalidArgument) and no change when fewer than n are occupied.
  void release(std::int64_t id, std::int32_t n = 1);
  /// capacity - occupied; Error(kNotFound) for an unknown id.
  std::int32_t free_beds(std::int64_t id) const;
  /// Finds the nearest open facility with n free beds (and `filter`) and reserves them, in
  /// one step that is safe against concurrent reservations; nullopt when none qualifies.
  std::optional<Neighbor> nearest_reserve(double lat, double lon, std::int32_t n = 1,
                                          const Filter& filter = {});

  /// Places n residents into open houses without exceeding free beds. Both modes place
  /// min(n, free beds); optimal's total distance is never above greedy's. Optimal uses, per
  /// resident, the k nearest houses with a free bed plus greedy's choice as candidates (a k
  /// above the number of houses means all of them; Error(kLimit) when the n * k candidates
  /// would exceed 2^32). Reserves the beds only when `reserve` is true.
  /// `progress` (may be empty) is told the residents done (greedy) or the stages
  /// (optimal: candidates, then the flow); a cancel (Error(kCancelled)) reserves nothing.
  Assignment assign(std::size_t n, const double* lats, const double* lons, AssignMode mode,
                    std::size_t k = 20, bool reserve = false, const Progress& progress = {});

  /// Below this many facilities, queries scan linearly instead of using the tree
  /// (default measured by bench_geo). For tests and tuning.
  void set_linear_scan_below(std::size_t n);

  struct Impl;
  /// Internal: the library's own tests and benchmarks reach the state through this.
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace smartkampung::geo

#endif
