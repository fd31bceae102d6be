/* smartkampung/c/registry.h: programme lists crossed on NIK, recipient check, reports.
 *
 * Thread safety: a skamp_registry may be used from many threads at once. Reading calls
 * (dedup, programs_of, public_check, save) run concurrently with each other and with one
 * writing call (load, set_exclusions, report); readers see the state before or after a
 * write, never a mix. Writing calls are serialised internally. skamp_registry_free must
 * not race with any other call on the same handle.
 *
 * Results are JSON text with a "schema" field (documented in docs/registry.md). Every NIK
 * and KK in them is a 16-character string. */
#ifndef SMARTKAMPUNG_C_REGISTRY_H
#define SMARTKAMPUNG_C_REGISTRY_H

#include <smartkampung/c/arrow.h>
#include <smartkampung/c/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct skamp_registry skamp_registry;

/** Creates an empty registry (NIK centuries decided as of today in Asia/Jakarta).
 *  Release it with skamp_registry_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_new(skamp_registry** out);

/** Releases a registry; NULL is a no-op. */
SMARTKAMPUNG_EXPORT void skamp_registry_free(skamp_registry* reg);

/** Adds the rows of a CSV file to a programme's list. `level` is "central", "provincial"
 *  or "regency". When `out` is not NULL it receives the load report as JSON (schema
 *  "skamp-load-report/1": loaded, unkeyed, repaired, rejected [{line, reason}], file,
 *  columns {field: header}, ignored_columns, nulled {field: [lines]}, repairs {kind: count},
 *  date_order, quote_runs [{first_line, last_line, recovered}]), which the caller releases
 *  with skamp_free. It holds no personal data: a rejected row's text is not in it. A file that
 * cannot be read gives SKAMP_EIO and changes nothing. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_add_csv(char** out, skamp_registry* reg,
                                                        const char* path, const char* program,
                                                        const char* level);

/** As skamp_registry_add_csv, from a JSON array of record objects with keys nik, kk, name,
 *  birth_date, sex, address, village, district, rt, rw (strings; rt/rw may be numbers).
 *  Malformed JSON gives SKAMP_EPARSE naming the offset. When `out` is not NULL it receives
 *  the load report as JSON, which the caller releases with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_add_json(char** out, skamp_registry* reg,
                                                         const char* records_json,
                                                         const char* program, const char* level);

/** Sets the programme exclusions from their JSON form
 *  ({"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk"}]}). */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_set_exclusions_json(skamp_registry* reg,
                                                                    const char* json);

/** Exact dedup over every programme; *out receives the report as JSON (schema
 *  "skamp-dedup-report/1"), released by the caller with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_dedup_json(char** out, const skamp_registry* reg);

/** The sorted programmes of a NIK as a JSON array of strings, released with skamp_free.
 *  An invalid NIK gives SKAMP_EINVALID. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_programs_of_json(char** out,
                                                                 const skamp_registry* reg,
                                                                 const char* nik);

/** The public answer for a NIK as JSON ({"schema": "skamp-public-check/1", "nik": masked,
 *  "name": masked or null, "programs": [...], "found": bool}), released with skamp_free.
 *  An invalid NIK gives SKAMP_EINVALID. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_public_check_json(char** out,
                                                                  const skamp_registry* reg,
                                                                  const char* nik);

/** An online report: `record_json` is one record object (optionally with "program");
 *  `at` is UTC seconds. *out receives {"schema": "skamp-report-outcome/1", "accepted",
 *  "reason", "detail", "programs", "queue_position"}, released with skamp_free. A refusal
 *  is a normal outcome (SKAMP_OK with "accepted": false). */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_report_json(char** out, skamp_registry* reg,
                                                            const char* record_json, int64_t at);

/** Writes the whole registry to one file, atomically. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_save(const skamp_registry* reg, const char* path);

/** Reads a file written by skamp_registry_save into a new registry (free it with
 *  skamp_registry_free). A damaged file gives SKAMP_ECORRUPT. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_load(skamp_registry** out, const char* path);

/** As skamp_registry_save, and signed (Ed25519) with the private key file key_path (a
 *  district.key, see skamp_cert_generate_key; NULL: unsigned), so that a snapshot edited
 *  and resealed with its SHA-256 is refused by a reader holding the public key. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_save_signed(const skamp_registry* reg,
                                                            const char* path, const char* key_path);

/** As skamp_registry_load, and the signature must verify with one of the n_pub public
 *  key files (district.pub; old keys stay listed after a rotation): a snapshot signed by
 *  another key or changed after signing gives SKAMP_ECORRUPT naming the key id; an
 *  unsigned one gives SKAMP_ECORRUPT ("not signed") unless allow_unsigned. With n_pub 0
 *  no signature is checked. The caller frees *out with skamp_registry_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_load_verified(skamp_registry** out,
                                                              const char* path,
                                                              const char* const* pub_paths,
                                                              size_t n_pub, int allow_unsigned);

/* ---- Arrow streams (smartkampung/c/arrow.h; columns in docs/arrow.md) ---------------- */

/** One table of the exact dedup report as an Arrow stream into *out: `table` is
 *  "duplicates" (program, nik, count), "overlaps" (nik, programs list<utf8>, count),
 *  "conflicts" (nik), "nik_mismatches" (nik) or "exclusion_violations" (key, scope,
 *  program_a, program_b). The caller releases *out with out->release(out). */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_dedup_arrow(struct ArrowArrayStream* out,
                                                            const skamp_registry* reg,
                                                            const char* table);

/** A programme's records as an Arrow stream into *out (program, nik, kk, name,
 *  birth_date date32, sex, address, village, district, rt, rw int32, line int64; missing
 *  values null). SKAMP_ENOTFOUND for a programme not held. The caller releases *out. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_records_arrow(struct ArrowArrayStream* out,
                                                              const skamp_registry* reg,
                                                              const char* program);

/** As skamp_registry_add_json, from an Arrow stream of records (columns named as a list
 *  file's headers: nik, NIK, No. KK, Tgl. Lahir, ...; any type, read as its text). The
 *  library takes `records` over and releases it, also when the call fails. When `out` is
 *  not NULL it receives the load report as JSON, released with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_registry_add_arrow(char** out, skamp_registry* reg,
                                                          struct ArrowArrayStream* records,
                                                          const char* program, const char* level);

#ifdef __cplusplus
}
#endif

#endif
