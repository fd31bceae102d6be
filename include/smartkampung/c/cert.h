/* smartkampung/c/cert.h: health-protocol certificates of tourism businesses.
 *
 * Times are int64_t UTC seconds since 1970-01-01. An event not allowed in the current
 * state returns SKAMP_ESTATE and changes nothing; an unknown business id returns
 * SKAMP_ENOTFOUND; a saved log that fails verification returns SKAMP_ECORRUPT, with the
 * position of the first bad event in skamp_last_error().
 *
 * Thread safety: one skamp_cert_registry may be used from many threads at once. Queries,
 * skamp_cert_check_in and skamp_cert_check_out run concurrently; event calls and
 * skamp_cert_add_business take an exclusive lock. skamp_cert_registry_free must not run
 * while another thread uses the handle. */
#ifndef SMARTKAMPUNG_C_CERT_H
#define SMARTKAMPUNG_C_CERT_H

#include <smartkampung/c/arrow.h>
#include <smartkampung/c/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** "No time": a registration without an effective time, or a revocation in effect from
 *  the moment it is recorded. */
#define SKAMP_CERT_NO_TIME INT64_MIN

typedef struct skamp_cert_registry skamp_cert_registry;

/** The status of a certificate at a moment; values never change. Only ACTIVE and
 *  EVALUATION_DUE are valid (check-ins, listings). */
typedef enum skamp_cert_status {
  SKAMP_CERT_NONE = 0,
  SKAMP_CERT_APPLIED = 1,
  SKAMP_CERT_UNDER_AUDIT = 2,
  SKAMP_CERT_ACTIVE = 3,
  SKAMP_CERT_EVALUATION_DUE = 4,
  SKAMP_CERT_SUSPENDED = 5,
  SKAMP_CERT_REVOKED = 6,
  SKAMP_CERT_EXPIRED = 7,
  SKAMP_CERT_WITHDRAWN = 8
} skamp_cert_status;

/** Creates an empty registry. policy_json: a policy (docs/cert.md), or NULL for the
 *  built-in 2020 Banyuwangi-style policy. utc_offset_minutes: 420 (WIB), 480 (WITA) or
 *  540 (WIT), or 0 for WIB. The caller frees *out with skamp_cert_registry_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_registry_new(skamp_cert_registry** out,
                                                         const char* policy_json,
                                                         int utc_offset_minutes);

/** Frees a registry; NULL is a no-op. */
SMARTKAMPUNG_EXPORT void skamp_cert_registry_free(skamp_cert_registry* reg);

/** Loads a saved registry, verifying the hash chain and the trailer. The caller frees
 *  *out with skamp_cert_registry_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_registry_load(skamp_cert_registry** out,
                                                          const char* path);

/** Saves the event log as JSON lines with a trailer, atomically (temporary file, fsync,
 *  rename). */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_registry_save(const skamp_cert_registry* reg,
                                                          const char* path);

/** Registers a business. zone may be NULL (none); at may be SKAMP_CERT_NO_TIME (the
 *  registration then constrains no later event). */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_add_business(skamp_cert_registry* reg, int64_t id,
                                                         const char* name, const char* category,
                                                         double lat, double lon, int32_t capacity,
                                                         const char* zone, int64_t at);

/** Records an application for certification at `at`. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_apply(skamp_cert_registry* reg, int64_t id, int64_t at);
/** findings may be NULL. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_audit(skamp_cert_registry* reg, int64_t id, int64_t at,
                                                  int passed, const char* findings);
/** Issues a certificate after a passed audit; *out_serial (out may be NULL) gets its serial. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_issue(int64_t* out_serial, skamp_cert_registry* reg,
                                                  int64_t id, int64_t at);
/** findings may be NULL. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_evaluate(skamp_cert_registry* reg, int64_t id,
                                                     int64_t at, int passed, const char* findings);
/** Records a protocol violation; the policy decides whether it suspends the certificate. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_report_violation(skamp_cert_registry* reg, int64_t id,
                                                             int64_t at, const char* reason);
/** Suspends a valid certificate. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_suspend(skamp_cert_registry* reg, int64_t id,
                                                    int64_t at, const char* reason);
/** Lifts a suspension. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_reinstate(skamp_cert_registry* reg, int64_t id,
                                                      int64_t at);
/** Recorded at `at`, in effect from effective_at (SKAMP_CERT_NO_TIME: from `at`; never
 *  after `at`). */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_revoke(skamp_cert_registry* reg, int64_t id, int64_t at,
                                                   const char* reason, int64_t effective_at);
/** Supersedes a valid certificate after a passed evaluation; *out_serial (out may be
 *  NULL) gets the new serial. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_renew(int64_t* out_serial, skamp_cert_registry* reg,
                                                  int64_t id, int64_t at);
/** reason may be NULL. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_withdraw(skamp_cert_registry* reg, int64_t id,
                                                     int64_t at, const char* reason);

/** The status at a moment. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_status_at(skamp_cert_status* out,
                                                      const skamp_cert_registry* reg, int64_t id,
                                                      int64_t at);
/** "none", "applied", "under_audit", "active", "evaluation_due", "suspended", "revoked",
 *  "expired", "withdrawn"; "unknown" otherwise. Static text, never NULL. */
SMARTKAMPUNG_EXPORT const char* skamp_cert_status_str(int status);

/** The visitor cap at a moment (0 when not valid). */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_max_visitors(int32_t* out,
                                                         const skamp_cert_registry* reg, int64_t id,
                                                         int64_t at);
/** Admits n >= 1 visitors: *out is 1 when admitted, 0 when refused (not valid,
 *  or the cap would be exceeded). Atomic. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_check_in(int* out, skamp_cert_registry* reg, int64_t id,
                                                     int64_t at, int32_t n);
/** Lets n >= 1 visitors out; occupancy never goes below zero. Atomic. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_check_out(skamp_cert_registry* reg, int64_t id,
                                                      int64_t at, int32_t n);
/** Visitors inside now. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_occupancy(int32_t* out, const skamp_cert_registry* reg,
                                                      int64_t id);

/** Businesses valid at `at` within radius_m metres, optionally of one category (NULL:
 *  any), as JSON {"schema":"skamp-cert-near/1","results":[{"id":1,"distance_m":12.5},...]}
 *  sorted by WGS84 distance. The caller frees *out with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_certified_near_json(char** out,
                                                                const skamp_cert_registry* reg,
                                                                double lat, double lon,
                                                                double radius_m, int64_t at,
                                                                const char* category);

/** A business's events in the order recorded, as JSON
 *  {"schema":"skamp-cert-history/1","business_id":7,"events":[{"seq":..,"type":..,...,"prev":..,"hash":..}]}
 *  (each event as in the saved file; see docs/cert.md). The caller frees *out with
 *  skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_history_json(char** out, const skamp_cert_registry* reg,
                                                         int64_t id);

/* ---- signed history, stickers and the status list ---------------------------------- */

/** Generates a district Ed25519 key pair: dir/district.key (mode 0600, never overwritten:
 *  SKAMP_EIO when it exists) and dir/district.pub. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_generate_key(const char* dir);
/** As skamp_cert_registry_save, the trailer signed with the private key file key_path
 *  (NULL: unsigned). Refuses (SKAMP_ESTATE) to replace a file holding events this registry
 *  lacks (another writer saved since it was loaded). Saves take an OS lock on path.lock. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_registry_save_signed(const skamp_cert_registry* reg,
                                                                 const char* path,
                                                                 const char* key_path);
/** As skamp_cert_registry_load, and the signature must verify with one of the n_pub
 *  public key files (district.pub; old keys stay listed after a rotation); an unsigned log
 *  is refused (SKAMP_ECORRUPT, "not signed") unless allow_unsigned. With n_pub 0 no
 *  signature is checked. The caller frees *out with skamp_cert_registry_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_registry_load_verified(skamp_cert_registry** out,
                                                                   const char* path,
                                                                   const char* const* pub_paths,
                                                                   size_t n_pub,
                                                                   int allow_unsigned);
/** The sticker's signed credential text ("SKC1:" + base45) of the certificate valid at
 *  `at`, signed with the private key file key_path; SKAMP_ESTATE when not valid then. The
 *  caller frees *out with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_sticker(char** out, const skamp_cert_registry* reg,
                                                    int64_t id, int64_t at, const char* key_path);
/** The signed status list ("SKS1:" + base45) at `at`. The caller frees *out with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_status_list(char** out, const skamp_cert_registry* reg,
                                                        int64_t at, const char* key_path);
/** Verifies a credential text offline at `at` against n_pub public key files, with an
 *  optional status list text (NULL: none), as JSON {"schema":"skamp-cert-verify/1",
 *  "genuine":bool,"valid":bool,"status":"valid|not_yet_valid|expired|suspended|revoked|
 *  withdrawn|forged|unknown_key","reason":"...","business":{"id","name","category","lat",
 *  "lon"}|null,"certificate":..,"valid_until":"YYYY-MM-DD","key_id":..,"status_list_stale":bool}.
 *  A forged credential is an answer, not an error; a status list that does not verify is
 *  SKAMP_EINVALID. The caller frees *out with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_verify_json(char** out, const char* text,
                                                        const char* const* pub_paths, size_t n_pub,
                                                        const char* status_list, int64_t at);

/* ---- Arrow streams (smartkampung/c/arrow.h; columns in docs/arrow.md) ---------------- */

/** Every business's certificate at `at` (UTC seconds) as an Arrow stream: id, name,
 *  category, zone, status (dictionary), valid (bool), serial (null when never issued),
 *  valid_until (date32), at (timestamp[s, UTC]). The caller releases *out. */
SMARTKAMPUNG_EXPORT skamp_status skamp_cert_statuses_arrow(struct ArrowArrayStream* out,
                                                           const skamp_cert_registry* reg,
                                                           int64_t at);

#ifdef __cplusplus
}
#endif

#endif
