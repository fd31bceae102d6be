/* smartkampung/c/deprecated.h: the C names before the rename of 0.2 (issue 20), kept as
 * deprecated aliases for one minor version: each forwards to its new name with the same
 * arguments (skamp_ruleset_from_json: skamp_ruleset_new_json with no conflict table).
 * A compiler warns on their use; define SKAMP_ALLOW_DEPRECATED before including the
 * header to silence it, or SKAMP_NO_DEPRECATED to hide these names altogether. */
#ifndef SMARTKAMPUNG_C_DEPRECATED_H
#define SMARTKAMPUNG_C_DEPRECATED_H

#include <smartkampung/c/cert.h>
#include <smartkampung/c/common.h>
#include <smartkampung/c/geo.h>
#include <smartkampung/c/linkage.h>
#include <smartkampung/c/nik.h>
#include <smartkampung/c/registry.h>
#include <smartkampung/c/rules.h>

#ifndef SKAMP_NO_DEPRECATED

#ifdef __cplusplus
extern "C" {
#endif

/** Deprecated alias of skamp_linkage_link_json (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_link_json") skamp_status
    skamp_link_json(char** out, const char* records_json, const char* right_json,
                    const char* settings_json, double threshold);

/** Deprecated alias of skamp_linkage_linker_new (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_new") skamp_status
    skamp_linker_new(skamp_linker** out, const char* settings_json);

/** Deprecated alias of skamp_linkage_linker_free (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_free") void skamp_linker_free(
    skamp_linker* linker);

/** Deprecated alias of skamp_linkage_linker_save (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_save") skamp_status
    skamp_linker_save(const skamp_linker* linker, const char* path);

/** Deprecated alias of skamp_linkage_linker_load (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_load") skamp_status
    skamp_linker_load(skamp_linker** out, const char* path);

/** Deprecated alias of skamp_linkage_linker_fit_json (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_fit_json") skamp_status
    skamp_linker_fit_json(skamp_linker* linker, const char* records_json);

/** Deprecated alias of skamp_linkage_linker_add_json (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_add_json") skamp_status
    skamp_linker_add_json(char** out, skamp_linker* linker, const char* record_json);

/** Deprecated alias of skamp_linkage_linker_remove (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_remove") skamp_status
    skamp_linker_remove(skamp_linker* linker, size_t index);

/** Deprecated alias of skamp_linkage_linker_candidates_json (same arguments; what it returns is
 * freed as the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_candidates_json") skamp_status
    skamp_linker_candidates_json(char** out, const skamp_linker* linker, const char* record_json,
                                 size_t k);

/** Deprecated alias of skamp_linkage_linker_clusters_json (same arguments; what it returns is freed
 * as the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_clusters_json") skamp_status
    skamp_linker_clusters_json(char** out, const skamp_linker* linker);

/** Deprecated alias of skamp_linkage_linker_explain_json (same arguments; what it returns is freed
 * as the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_explain_json") skamp_status
    skamp_linker_explain_json(char** out, const skamp_linker* linker, size_t i, size_t j);

/** Deprecated alias of skamp_linkage_linker_settings_json (same arguments; what it returns is freed
 * as the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_linkage_linker_settings_json") skamp_status
    skamp_linker_settings_json(char** out, const skamp_linker* linker);

/** Deprecated alias of skamp_registry_add_csv (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_registry_add_csv") skamp_status
    skamp_registry_load_csv(char** out, skamp_registry* reg, const char* path, const char* program,
                            const char* level);

/** Deprecated alias of skamp_registry_add_json (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_registry_add_json") skamp_status
    skamp_registry_load_json(char** out, skamp_registry* reg, const char* records_json,
                             const char* program, const char* level);

/** Deprecated alias of skamp_registry_dedup_json (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_registry_dedup_json") skamp_status
    skamp_registry_dedup(char** out, const skamp_registry* reg);

/** Deprecated alias of skamp_registry_programs_of_json (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_registry_programs_of_json") skamp_status
    skamp_registry_programs_of(char** out, const skamp_registry* reg, const char* nik);

/** Deprecated alias of skamp_registry_public_check_json (same arguments; what it returns is freed
 * as the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_registry_public_check_json") skamp_status
    skamp_registry_public_check(char** out, const skamp_registry* reg, const char* nik);

/** Deprecated alias of skamp_registry_report_json (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_registry_report_json") skamp_status
    skamp_registry_report(char** out, skamp_registry* reg, const char* record_json, int64_t at);

/** Deprecated alias of skamp_geo_index_new (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_new") skamp_status
    skamp_facility_index_new(skamp_facility_index** out, size_t n, const int64_t* ids,
                             const double* lats, const double* lons, const int32_t* capacity,
                             const int32_t* occupied, const uint8_t* open,
                             const char* const* kinds);

/** Deprecated alias of skamp_geo_index_new_csv (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_new_csv") skamp_status
    skamp_facility_index_load_csv(skamp_facility_index** out, const char* path);

/** Deprecated alias of skamp_geo_index_new_json_file (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_new_json_file") skamp_status
    skamp_facility_index_load_json(skamp_facility_index** out, const char* path);

/** Deprecated alias of skamp_geo_index_free (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_free") void skamp_facility_index_free(
    skamp_facility_index* index);

/** Deprecated alias of skamp_geo_index_size (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_size") skamp_status
    skamp_facility_index_size(size_t* out, const skamp_facility_index* index);

/** Deprecated alias of skamp_geo_index_add (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_add") skamp_status
    skamp_facility_index_add(skamp_facility_index* index, const skamp_facility* facility);

/** Deprecated alias of skamp_geo_index_update (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_update") skamp_status
    skamp_facility_index_update(skamp_facility_index* index, const skamp_facility* facility);

/** Deprecated alias of skamp_geo_index_remove (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_remove") skamp_status
    skamp_facility_index_remove(skamp_facility_index* index, int64_t id);

/** Deprecated alias of skamp_geo_index_nearest (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_nearest") skamp_status
    skamp_facility_index_nearest(size_t* out_count, int64_t* out_ids, double* out_dists,
                                 const skamp_facility_index* index, double lat, double lon,
                                 size_t k, const skamp_facility_filter* filter);

/** Deprecated alias of skamp_geo_index_nearest_batch (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_nearest_batch") skamp_status
    skamp_facility_index_nearest_batch(int64_t* out_ids, double* out_dists,
                                       const skamp_facility_index* index, size_t n,
                                       const double* lats, const double* lons, size_t k,
                                       const skamp_facility_filter* filter);

/** Deprecated alias of skamp_geo_index_within (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_within") skamp_status
    skamp_facility_index_within(int64_t** out_ids, double** out_dists, size_t* out_count,
                                const skamp_facility_index* index, double lat, double lon,
                                double radius_m, const skamp_facility_filter* filter);

/** Deprecated alias of skamp_geo_index_reserve (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_reserve") skamp_status
    skamp_facility_index_reserve(int* out, skamp_facility_index* index, int64_t id, int32_t n);

/** Deprecated alias of skamp_geo_index_release (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_release") skamp_status
    skamp_facility_index_release(skamp_facility_index* index, int64_t id, int32_t n);

/** Deprecated alias of skamp_geo_index_free_beds (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_free_beds") skamp_status
    skamp_facility_index_free_beds(int32_t* out, const skamp_facility_index* index, int64_t id);

/** Deprecated alias of skamp_geo_index_nearest_reserve (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_nearest_reserve") skamp_status
    skamp_facility_index_nearest_reserve(int64_t* out_id, double* out_dist,
                                         skamp_facility_index* index, double lat, double lon,
                                         int32_t n, const skamp_facility_filter* filter);

/** Deprecated alias of skamp_geo_index_assign (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_index_assign") skamp_status
    skamp_facility_index_assign(int64_t* out_houses, double* out_total_m, double* out_max_m,
                                skamp_facility_index* index, size_t n, const double* lats,
                                const double* lons, skamp_assign_mode mode, size_t k, int reserve);

/** Deprecated alias of skamp_geo_distance (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_geo_distance") skamp_status
    skamp_wgs84_distance(double* out, double lat1, double lon1, double lat2, double lon2);

/** Deprecated alias of skamp_ruleset_new_json (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_ruleset_new_json") skamp_status
    skamp_ruleset_from_json_with_conflicts(skamp_ruleset** out, const char* json, size_t len,
                                           const char* conflicts_json);

/** Deprecated alias of skamp_ruleset_evaluate_json (same arguments; what it returns is freed as the
 * new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_ruleset_evaluate_json") skamp_status
    skamp_ruleset_evaluate(char** out, const skamp_ruleset* rs, const char* record_json, int year,
                           int month, int day, int explain);

/** Deprecated alias of skamp_ruleset_info_json (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_ruleset_info_json") skamp_status
    skamp_ruleset_info(char** out, const skamp_ruleset* rs);

/** Deprecated alias of skamp_ruleset_run_tests_json (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_ruleset_run_tests_json") skamp_status
    skamp_ruleset_run_tests(char** out, const skamp_ruleset* rs);

/** Deprecated alias of skamp_cert_certified_near_json (same arguments; what it returns is freed as
 * the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_cert_certified_near_json") skamp_status
    skamp_cert_certified_near(char** out_json, const skamp_cert_registry* reg, double lat,
                              double lon, double radius_m, int64_t at, const char* category);

/** Deprecated alias of skamp_nik_kk_is_valid (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_nik_kk_is_valid") int skamp_kk_is_valid(
    const char* kk);

/** Deprecated alias of skamp_nik_kk_parse (same arguments; what it returns is freed as the new
 * name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_nik_kk_parse") skamp_status
    skamp_kk_parse(skamp_nik_info* out, const char* kk);

/** Deprecated alias of skamp_ruleset_new_json (with conflicts_json = NULL; what it returns is freed
 * as the new name's, with skamp_free or the handle's _free); removed in 0.3. */
SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED("use skamp_ruleset_new_json") skamp_status
    skamp_ruleset_from_json(skamp_ruleset** out, const char* json, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SKAMP_NO_DEPRECATED */

#endif
