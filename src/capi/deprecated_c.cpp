// The deprecated C names (include/smartkampung/c/deprecated.h): each forwards to its new
// name, which holds the exception barrier and the argument checks.
#define SKAMP_ALLOW_DEPRECATED
#include <smartkampung/smartkampung.h>

extern "C" {

skamp_status skamp_link_json(char** out, const char* records_json, const char* right_json,
                             const char* settings_json, double threshold) {
  return skamp_linkage_link_json(out, records_json, right_json, settings_json, threshold);
}
skamp_status skamp_linker_new(skamp_linker** out, const char* settings_json) {
  return skamp_linkage_linker_new(out, settings_json);
}
void skamp_linker_free(skamp_linker* linker) { skamp_linkage_linker_free(linker); }
skamp_status skamp_linker_save(const skamp_linker* linker, const char* path) {
  return skamp_linkage_linker_save(linker, path);
}
skamp_status skamp_linker_load(skamp_linker** out, const char* path) {
  return skamp_linkage_linker_load(out, path);
}
skamp_status skamp_linker_fit_json(skamp_linker* linker, const char* records_json) {
  return skamp_linkage_linker_fit_json(linker, records_json);
}
skamp_status skamp_linker_add_json(char** out, skamp_linker* linker, const char* record_json) {
  return skamp_linkage_linker_add_json(out, linker, record_json);
}
skamp_status skamp_linker_remove(skamp_linker* linker, size_t index) {
  return skamp_linkage_linker_remove(linker, index);
}
skamp_status skamp_linker_candidates_json(char** out, const skamp_linker* linker,
                                          const char* record_json, size_t k) {
  return skamp_linkage_linker_candidates_json(out, linker, record_json, k);
}
skamp_status skamp_linker_clusters_json(char** out, const skamp_linker* linker) {
  return skamp_linkage_linker_clusters_json(out, linker);
}
skamp_status skamp_linker_explain_json(char** out, const skamp_linker* linker, size_t i, size_t j) {
  return skamp_linkage_linker_explain_json(out, linker, i, j);
}
skamp_status skamp_linker_settings_json(char** out, const skamp_linker* linker) {
  return skamp_linkage_linker_settings_json(out, linker);
}
skamp_status skamp_registry_load_csv(char** out, skamp_registry* reg, const char* path,
                                     const char* program, const char* level) {
  return skamp_registry_add_csv(out, reg, path, program, level);
}
skamp_status skamp_registry_load_json(char** out, skamp_registry* reg, const char* records_json,
                                      const char* program, const char* level) {
  return skamp_registry_add_json(out, reg, records_json, program, level);
}
skamp_status skamp_registry_dedup(char** out, const skamp_registry* reg) {
  return skamp_registry_dedup_json(out, reg);
}
skamp_status skamp_registry_programs_of(char** out, const skamp_registry* reg, const char* nik) {
  return skamp_registry_programs_of_json(out, reg, nik);
}
skamp_status skamp_registry_public_check(char** out, const skamp_registry* reg, const char* nik) {
  return skamp_registry_public_check_json(out, reg, nik);
}
skamp_status skamp_registry_report(char** out, skamp_registry* reg, const char* record_json,
                                   int64_t at) {
  return skamp_registry_report_json(out, reg, record_json, at);
}
skamp_status skamp_facility_index_new(skamp_facility_index** out, size_t n, const int64_t* ids,
                                      const double* lats, const double* lons,
                                      const int32_t* capacity, const int32_t* occupied,
                                      const uint8_t* open, const char* const* kinds) {
  return skamp_geo_index_new(out, n, ids, lats, lons, capacity, occupied, open, kinds);
}
skamp_status skamp_facility_index_load_csv(skamp_facility_index** out, const char* path) {
  return skamp_geo_index_new_csv(out, path);
}
skamp_status skamp_facility_index_load_json(skamp_facility_index** out, const char* path) {
  return skamp_geo_index_new_json_file(out, path);
}
void skamp_facility_index_free(skamp_facility_index* index) { skamp_geo_index_free(index); }
skamp_status skamp_facility_index_size(size_t* out, const skamp_facility_index* index) {
  return skamp_geo_index_size(out, index);
}
skamp_status skamp_facility_index_add(skamp_facility_index* index, const skamp_facility* facility) {
  return skamp_geo_index_add(index, facility);
}
skamp_status skamp_facility_index_update(skamp_facility_index* index,
                                         const skamp_facility* facility) {
  return skamp_geo_index_update(index, facility);
}
skamp_status skamp_facility_index_remove(skamp_facility_index* index, int64_t id) {
  return skamp_geo_index_remove(index, id);
}
skamp_status skamp_facility_index_nearest(size_t* out_count, int64_t* out_ids, double* out_dists,
                                          const skamp_facility_index* index, double lat, double lon,
                                          size_t k, const skamp_facility_filter* filter) {
  return skamp_geo_index_nearest(out_count, out_ids, out_dists, index, lat, lon, k, filter);
}
skamp_status skamp_facility_index_nearest_batch(int64_t* out_ids, double* out_dists,
                                                const skamp_facility_index* index, size_t n,
                                                const double* lats, const double* lons, size_t k,
                                                const skamp_facility_filter* filter) {
  return skamp_geo_index_nearest_batch(out_ids, out_dists, index, n, lats, lons, k, filter);
}
skamp_status skamp_facility_index_within(int64_t** out_ids, double** out_dists, size_t* out_count,
                                         const skamp_facility_index* index, double lat, double lon,
                                         double radius_m, const skamp_facility_filter* filter) {
  return skamp_geo_index_within(out_ids, out_dists, out_count, index, lat, lon, radius_m, filter);
}
skamp_status skamp_facility_index_reserve(int* out, skamp_facility_index* index, int64_t id,
                                          int32_t n) {
  return skamp_geo_index_reserve(out, index, id, n);
}
skamp_status skamp_facility_index_release(skamp_facility_index* index, int64_t id, int32_t n) {
  return skamp_geo_index_release(index, id, n);
}
skamp_status skamp_facility_index_free_beds(int32_t* out, const skamp_facility_index* index,
                                            int64_t id) {
  return skamp_geo_index_free_beds(out, index, id);
}
skamp_status skamp_facility_index_nearest_reserve(int64_t* out_id, double* out_dist,
                                                  skamp_facility_index* index, double lat,
                                                  double lon, int32_t n,
                                                  const skamp_facility_filter* filter) {
  return skamp_geo_index_nearest_reserve(out_id, out_dist, index, lat, lon, n, filter);
}
skamp_status skamp_facility_index_assign(int64_t* out_houses, double* out_total_m,
                                         double* out_max_m, skamp_facility_index* index, size_t n,
                                         const double* lats, const double* lons,
                                         skamp_assign_mode mode, size_t k, int reserve) {
  return skamp_geo_index_assign(out_houses, out_total_m, out_max_m, index, n, lats, lons, mode, k,
                                reserve);
}
skamp_status skamp_wgs84_distance(double* out, double lat1, double lon1, double lat2, double lon2) {
  return skamp_geo_distance(out, lat1, lon1, lat2, lon2);
}
skamp_status skamp_ruleset_from_json_with_conflicts(skamp_ruleset** out, const char* json,
                                                    size_t len, const char* conflicts_json) {
  return skamp_ruleset_new_json(out, json, len, conflicts_json);
}
skamp_status skamp_ruleset_evaluate(char** out, const skamp_ruleset* rs, const char* record_json,
                                    int year, int month, int day, int explain) {
  return skamp_ruleset_evaluate_json(out, rs, record_json, year, month, day, explain);
}
skamp_status skamp_ruleset_info(char** out, const skamp_ruleset* rs) {
  return skamp_ruleset_info_json(out, rs);
}
skamp_status skamp_ruleset_run_tests(char** out, const skamp_ruleset* rs) {
  return skamp_ruleset_run_tests_json(out, rs);
}
skamp_status skamp_cert_certified_near(char** out_json, const skamp_cert_registry* reg, double lat,
                                       double lon, double radius_m, int64_t at,
                                       const char* category) {
  return skamp_cert_certified_near_json(out_json, reg, lat, lon, radius_m, at, category);
}
int skamp_kk_is_valid(const char* kk) { return skamp_nik_kk_is_valid(kk); }
skamp_status skamp_kk_parse(skamp_nik_info* out, const char* kk) {
  return skamp_nik_kk_parse(out, kk);
}
skamp_status skamp_ruleset_from_json(skamp_ruleset** out, const char* json, size_t len) {
  return skamp_ruleset_new_json(out, json, len, nullptr);
}

}  // extern "C"
