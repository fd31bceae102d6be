/* smartkampung/c/geo.h: isolation houses in a spatial index; nearest and radius queries
 * by WGS84 ellipsoidal distance, bed reservations and assignment of many residents.
 *
 * Thread safety of skamp_facility_index: queries, reserve, release, free_beds and
 * nearest_reserve may run concurrently from any threads (bed counts are atomic); add,
 * update, remove and assign with reserve=1 wait for an exclusive lock. Freeing a handle
 * while another thread uses it is undefined. */
#ifndef SMARTKAMPUNG_C_GEO_H
#define SMARTKAMPUNG_C_GEO_H

#include <smartkampung/c/arrow.h>
#include <smartkampung/c/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An index of facilities (opaque). */
typedef struct skamp_facility_index skamp_facility_index;

/** One facility, for skamp_geo_index_add and _update. Set size to sizeof. */
typedef struct skamp_facility {
  size_t size;
  int64_t id;       /**< >= 0 */
  double lat;       /**< WGS84 degrees, [-90, 90] */
  double lon;       /**< WGS84 degrees, [-180, 180] */
  int32_t capacity; /**< beds, >= 0 */
  int32_t occupied; /**< 0 <= occupied <= capacity */
  int open;         /**< nonzero: open */
  const char* kind; /**< UTF-8 or NULL (none) */
  const char* name; /**< UTF-8 or NULL */
} skamp_facility;

/** Which facilities a query may return; a NULL filter means: open, any beds, any kind.
 *  Set size to sizeof. */
typedef struct skamp_facility_filter {
  size_t size;
  int32_t min_free;   /**< at least this many free beds; 0 means any */
  const char* kind;   /**< only this kind, or NULL for any */
  int include_closed; /**< nonzero: closed facilities too */
} skamp_facility_filter;

/** Assignment modes of skamp_geo_index_assign. */
typedef enum skamp_assign_mode {
  SKAMP_ASSIGN_GREEDY = 0, /**< in order, each takes the nearest house with a free bed */
  SKAMP_ASSIGN_OPTIMAL = 1 /**< minimum total distance (min-cost max-flow) */
} skamp_assign_mode;

/** Builds an index from n rows. occupied (NULL: 0), open (NULL: all open) and kinds
 *  (NULL: none; an entry may be NULL) are optional. *out receives a handle freed with
 *  skamp_geo_index_free. SKAMP_EINVALID names the first bad row. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_new(skamp_facility_index** out, size_t n,
                                                     const int64_t* ids, const double* lats,
                                                     const double* lons, const int32_t* capacity,
                                                     const int32_t* occupied, const uint8_t* open,
                                                     const char* const* kinds);

/** Loads facilities from a CSV (header: id, lat, lon, capacity, optional name, kind,
 *  occupied, open) or JSON file (an array of objects with those fields). When any row is
 *  bad, fails with SKAMP_EPARSE and a message listing rows by line (CSV) or item (JSON).
 *  *out is freed with skamp_geo_index_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_new_csv(skamp_facility_index** out,
                                                         const char* path);
/** As skamp_geo_index_new_csv, from a JSON file. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_new_json_file(skamp_facility_index** out,
                                                               const char* path);

/** Frees the index; NULL is a no-op. */
SMARTKAMPUNG_EXPORT void skamp_geo_index_free(skamp_facility_index* index);

/** Number of facilities. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_size(size_t* out,
                                                      const skamp_facility_index* index);

/** Adds a facility (SKAMP_EINVALID on a duplicate id or invalid field; nothing changes). */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_add(skamp_facility_index* index,
                                                     const skamp_facility* facility);
/** Replaces the facility with the same id (SKAMP_ENOTFOUND if unknown). */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_update(skamp_facility_index* index,
                                                        const skamp_facility* facility);
/** Removes a facility (SKAMP_ENOTFOUND if unknown). */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_remove(skamp_facility_index* index, int64_t id);

/** The k nearest facilities passing filter (NULL: defaults) into caller arrays of
 *  min(k, number of facilities) entries, by distance in metres then id; *out_count receives
 *  how many qualified, and the rest of those entries are id -1 and distance +infinity. Any
 *  k above the number of facilities (SIZE_MAX included) asks for all of them. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_nearest(size_t* out_count, int64_t* out_ids,
                                                         double* out_dists,
                                                         const skamp_facility_index* index,
                                                         double lat, double lon, size_t k,
                                                         const skamp_facility_filter* filter);

/** n queries at once (multi-threaded) into caller arrays of n*w entries, row-major, where
 *  w = min(k, number of facilities) (a k above it asks for all); missing answers are id -1
 *  and distance +infinity. SKAMP_EINVALID when n*w entries exceed any array. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_nearest_batch(int64_t* out_ids, double* out_dists,
                                                               const skamp_facility_index* index,
                                                               size_t n, const double* lats,
                                                               const double* lons, size_t k,
                                                               const skamp_facility_filter* filter);

/** Every facility passing filter within radius_m metres, by distance then id. *out_ids and
 *  *out_dists are arrays of *out_count entries that the caller frees with skamp_free (NULL
 *  when the count is 0). */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_within(int64_t** out_ids, double** out_dists,
                                                        size_t* out_count,
                                                        const skamp_facility_index* index,
                                                        double lat, double lon, double radius_m,
                                                        const skamp_facility_filter* filter);

/** Takes n beds atomically: *out is 1 when taken, 0 when not free (nothing changes).
 *  SKAMP_ENOTFOUND for an unknown id. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_reserve(int* out, skamp_facility_index* index,
                                                         int64_t id, int32_t n);
/** Frees n beds; SKAMP_EINVALID (and no change) when fewer are occupied. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_release(skamp_facility_index* index, int64_t id,
                                                         int32_t n);
/** Free beds (capacity - occupied) of a facility. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_free_beds(int32_t* out,
                                                           const skamp_facility_index* index,
                                                           int64_t id);
/** Finds the nearest open facility with n free beds (and filter) and reserves them in one
 *  step; *out_id is -1 and *out_dist +infinity when none qualifies. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_nearest_reserve(
    int64_t* out_id, double* out_dist, skamp_facility_index* index, double lat, double lon,
    int32_t n, const skamp_facility_filter* filter);

/** Places n residents without exceeding free beds into a caller array of n house ids (-1
 *  unplaced). k is the number of candidate houses per resident in optimal mode (any k above
 *  the number of houses, SIZE_MAX included, means all of them; SKAMP_ELIMIT when n times
 *  that exceeds 2^32); reserve nonzero also takes the beds. out_total_m and out_max_m may
 *  be NULL. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_assign(int64_t* out_houses, double* out_total_m,
                                                        double* out_max_m,
                                                        skamp_facility_index* index, size_t n,
                                                        const double* lats, const double* lons,
                                                        skamp_assign_mode mode, size_t k,
                                                        int reserve);

/** WGS84 ellipsoidal distance in metres (Vincenty); SKAMP_EINVALID for invalid coordinates. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_distance(double* out, double lat1, double lon1,
                                                    double lat2, double lon2);

/* ---- Arrow streams (smartkampung/c/arrow.h; columns in docs/arrow.md) ---------------- */

/** As skamp_geo_index_new_csv, from an Arrow stream (taken over and released by the
 *  library) with columns id, lat, lon, capacity and optionally name, kind, occupied, open. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_new_arrow(skamp_facility_index** out,
                                                           struct ArrowArrayStream* facilities);

/** As skamp_geo_index_nearest_batch, the answers as an Arrow stream: query, rank
 *  (from 0), id (int64), distance_m (float64); missing answers are left out. The caller
 *  releases *out. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_nearest_arrow(struct ArrowArrayStream* out,
                                                               const skamp_facility_index* index,
                                                               size_t n, const double* lats,
                                                               const double* lons, size_t k,
                                                               const skamp_facility_filter* filter);

/** As skamp_geo_index_assign, the answer as an Arrow stream: resident, house (int64,
 *  null when unplaced), distance_m (float64, null when unplaced). The caller releases *out. */
SMARTKAMPUNG_EXPORT skamp_status skamp_geo_index_assign_arrow(
    struct ArrowArrayStream* out, skamp_facility_index* index, size_t n, const double* lats,
    const double* lons, skamp_assign_mode mode, size_t k, int reserve);

#ifdef __cplusplus
}
#endif

#endif
