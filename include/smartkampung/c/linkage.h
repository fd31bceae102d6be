/* smartkampung/c/linkage.h: probabilistic record linkage (the same person when the NIK is
 * missing or mistyped).
 *
 * Records go in as JSON: an array of objects whose keys are columns (nik, kk, name,
 * birth_date, sex, address, village, district, rt, rw, or any other column named in the
 * settings); values are strings, numbers or null. Settings are JSON as documented in
 * docs/linkage.md; NULL means the defaults for registry records. Results come back as
 * JSON text with a "schema" field (currently 1), allocated by the library: release it
 * with skamp_free().
 *
 * Thread safety: skamp_linkage_link_json and skamp_linkage_normalize_name are safe from any
 * thread. A skamp_linker handle is not synchronised: use it from one thread at a time. */
#ifndef SMARTKAMPUNG_C_LINKAGE_H
#define SMARTKAMPUNG_C_LINKAGE_H

#include <smartkampung/c/arrow.h>
#include <smartkampung/c/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An incremental linker: fit once, then add and remove records. */
typedef struct skamp_linker skamp_linker;

/** Writes the normalised form of an Indonesian name into *out ("H. Djoko  Santoso" ->
 *  "joko santoso"). The caller releases *out with skamp_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_normalize_name(char** out, const char* name);

/** Links (deduplicates) the records of `records_json`; when `right_json` is not NULL,
 *  links the two lists instead (indices run over records then right, only cross pairs
 *  are scored). `threshold` in [0, 1] overrides the settings' threshold; a negative value
 *  keeps it. *out receives
 * {"schema":"skamp-link-result/1","cluster_ids":[...],"pairs":[[i,j,p],...], "stats":{records,
 * candidate_pairs, kept_pairs, clusters, largest_cluster, large_clusters, skipped_blocks,
 * refused_merges},"warnings":[text,...]} (warnings: empty columns, no candidates, skipped blocks,
 * large clusters, a weak model; never personal data); the caller releases it with skamp_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_link_json(char** out, const char* records_json,
                                                         const char* right_json,
                                                         const char* settings_json,
                                                         double threshold);

/** Creates a linker with settings (NULL = defaults). Free it with skamp_linkage_linker_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_new(skamp_linker** out,
                                                          const char* settings_json);

/** Releases a linker; NULL is a no-op. */
SMARTKAMPUNG_EXPORT void skamp_linkage_linker_free(skamp_linker* linker);

/** Writes the whole linker (model, records, clusters) to one file, atomically (temporary
 *  file, then rename); SKAMP_EIO on failure. */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_save(const skamp_linker* linker,
                                                           const char* path);

/** Reads a file written by skamp_linkage_linker_save into a new linker (free it with
 *  skamp_linkage_linker_free()); SKAMP_EIO when unreadable, SKAMP_ECORRUPT when damaged. */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_load(skamp_linker** out, const char* path);

/** Trains and clusters the records (a JSON array), replacing the linker's content. On
 *  failure the previous content is kept. */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_fit_json(skamp_linker* linker,
                                                               const char* records_json);

/** Adds one record (a JSON object). *out receives
 * {"schema":"skamp-linker-add/1","index":n,"cluster_id":c, "matches":[[index,probability],...]};
 * the caller releases it with skamp_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_add_json(char** out, skamp_linker* linker,
                                                               const char* record_json);

/** Removes the record at `index`; its cluster is re-formed. SKAMP_ENOTFOUND for an
 *  unknown or removed index. */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_remove(skamp_linker* linker, size_t index);

/** The k best indexed records for a record (not added): *out receives
 *  {"schema":"skamp-linker-candidates/1","candidates":[[index,probability],...]}; the caller
 * releases it with skamp_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_candidates_json(char** out,
                                                                      const skamp_linker* linker,
                                                                      const char* record_json,
                                                                      size_t k);

/** *out receives {"schema":"skamp-linker-clusters/1","cluster_ids":[...]} (-1 for removed records);
 * the caller releases it with skamp_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_clusters_json(char** out,
                                                                    const skamp_linker* linker);

/** Explains a pair: *out receives
 * {"schema":"skamp-linker-explain/1","match_weight":w,"probability":p,
 *  "prior_weight":w0,"household_apart":false,"fields":{"name":{"level":"exact",
 *  "weight":x,"tf_adjustment":t},...}} where prior_weight plus the field weights equals
 *  match_weight. The caller releases it with skamp_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_explain_json(char** out,
                                                                   const skamp_linker* linker,
                                                                   size_t i, size_t j);

/** The trained settings as JSON ("format":"skamp-linkage-settings/1"; m, u and prior filled in
 * after fit); the caller releases *out with skamp_free(). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_settings_json(char** out,
                                                                    const skamp_linker* linker);

/* ---- Arrow streams (smartkampung/c/arrow.h; columns in docs/arrow.md) ---------------- */

/** As skamp_linkage_link_json, records from an Arrow stream (taken over and released by the
 *  library, also on failure) and results as two streams: *out_pairs (i, j int64,
 *  probability, match_weight float64) and *out_clusters (record, cluster_id int64,
 *  confidence float64). The caller releases both. */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_link_arrow(struct ArrowArrayStream* out_pairs,
                                                          struct ArrowArrayStream* out_clusters,
                                                          struct ArrowArrayStream* records,
                                                          const char* settings_json,
                                                          double threshold);

/** As skamp_linkage_linker_fit_json, from an Arrow stream of records (taken over and released). */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_fit_arrow(skamp_linker* linker,
                                                                struct ArrowArrayStream* records);

/** The linker's clusters as an Arrow stream (record, cluster_id int64 (-1 removed),
 *  confidence null). The caller releases *out. */
SMARTKAMPUNG_EXPORT skamp_status skamp_linkage_linker_clusters_arrow(struct ArrowArrayStream* out,
                                                                     const skamp_linker* linker);

#ifdef __cplusplus
}
#endif

#endif
