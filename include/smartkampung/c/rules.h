/* smartkampung/c/rules.h: eligibility rule sets ("format": "skamp-rules/1").
 *
 * A skamp_ruleset is loaded from JSON text, then evaluates JSON records to JSON
 * decisions ({"schema": "skamp-decision/1", ...}) or batches of records to arrays.
 * Thread safety: a skamp_ruleset may be used from many threads at once, including
 * skamp_ruleset_reload (which swaps the rule set atomically). Dates are civil dates
 * (year, month, day): the decision date is always an argument, never the clock. */
#ifndef SMARTKAMPUNG_C_RULES_H
#define SMARTKAMPUNG_C_RULES_H

#include <smartkampung/c/arrow.h>
#include <smartkampung/c/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct skamp_ruleset skamp_ruleset;

/** Decisions in batch arrays. */
#define SKAMP_ELIGIBLE 0
#define SKAMP_INELIGIBLE 1
#define SKAMP_NEEDS_DATA 2
/** Not decided: the record ran past the evaluator's step budget (reason code "LIMIT"), or
 *  its batch was cancelled before it. */
#define SKAMP_DECISION_ERROR 3

/** Creates a rule set from `len` bytes of JSON. conflicts_json: a programme conflict table
 *  for conflicts_with(), the NUL-terminated JSON text of a {"format": "skamp-conflicts/1",
 *  ...} document, or NULL for none. On failure (SKAMP_EPARSE, SKAMP_ELIMIT)
 *  skamp_last_error() names the JSON location and column, e.g. "rules[2].require, column
 *  5: unknown field ...", and *out is left NULL. Free the handle with skamp_ruleset_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_new_json(skamp_ruleset** out, const char* json,
                                                        size_t len, const char* conflicts_json);

/** Loads a rule set shipped inside the library by name ("blt-dana-desa", "bst",
 *  "jatim-bkk", "sembako-banyuwangi", "bps-14"); SKAMP_ENOTFOUND for another name.
 *  Free the handle with skamp_ruleset_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_builtin(skamp_ruleset** out, const char* name);

/** The names of the shipped rule sets as a JSON array; the caller frees *out with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_builtin_names(char** out);

/** Replaces the handle's rule set by one loaded from JSON. A rejected file leaves the
 *  previous rule set in place (and in use by concurrent calls). Strings returned by
 *  skamp_ruleset_reason_code before the reload stay valid until skamp_ruleset_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_reload(skamp_ruleset* rs, const char* json,
                                                      size_t len);

/** Releases a rule set; NULL is a no-op. */
SMARTKAMPUNG_EXPORT void skamp_ruleset_free(skamp_ruleset* rs);

/** {"schema": "skamp-ruleset-info/1", "ruleset", "version", "sha256", "scope", "valid_from",
 *  "valid_to", "rules": [ids]}; the caller frees *out with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_info_json(char** out, const skamp_ruleset* rs);

/** The canonical JSON of the rule set (keys sorted, no whitespace, tests included), whose
 *  SHA-256 is the decisions' "sha256"; the caller frees *out with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_to_json(char** out, const skamp_ruleset* rs);

/** Decides one record (NUL-terminated JSON shaped like the embedded tests' "input", e.g.
 *  {"kk": {...}}) on the date year-month-day. explain != 0 lists every failing rule with
 *  the values it read; 0 stops at the first failing rule. *out receives
 *  {"schema": "skamp-decision/1", "decision", "reasons": [{"code", "rule", "message_id",
 *  "message_en", "unknown", "values"?}], "amount", "priority", "ruleset", "version",
 *  "sha256", "as_of"}; the caller frees it with skamp_free. A record whose values do not
 *  fit the inputs gives SKAMP_EINVALID naming the field (never its value). */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_evaluate_json(char** out, const skamp_ruleset* rs,
                                                             const char* record_json, int year,
                                                             int month, int day, int explain);

/** Decides `count` records given as a NUL-terminated JSON array (its length must be
 *  `count`) in fast mode, writing caller-allocated arrays of `count` entries: out_decisions
 *  (SKAMP_ELIGIBLE, SKAMP_INELIGIBLE, SKAMP_NEEDS_DATA, SKAMP_DECISION_ERROR), out_amounts
 *  (rupiah; 0 unless eligible) and out_reasons (the first reason, for skamp_ruleset_reason_code;
 *  -1 when eligible). Any of the three output pointers may be NULL when not wanted. A record
 *  past the step budget (nested list traversals) is SKAMP_DECISION_ERROR with reason "LIMIT";
 *  the rest of the batch goes on. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_evaluate_batch(
    int8_t* out_decisions, int64_t* out_amounts, int32_t* out_reasons, const skamp_ruleset* rs,
    const char* records_json, size_t count, int year, int month, int day);

/** As skamp_ruleset_evaluate_batch, and cancellable: another thread stores a nonzero value
 *  in *cancel (read atomically before each record; NULL: never cancelled) to stop a long
 *  batch. *out_done receives how many records were evaluated; the others are
 *  SKAMP_DECISION_ERROR with reason "LIMIT" and the call returns SKAMP_ELIMIT. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_evaluate_batch_cancellable(
    size_t* out_done, int8_t* out_decisions, int64_t* out_amounts, int32_t* out_reasons,
    const skamp_ruleset* rs, const char* records_json, size_t count, int year, int month, int day,
    const int* cancel);

/** The code of a batch reason ("SUDAH_MENERIMA", "OUT_OF_PERIOD", ...; "" for -1 or an
 *  unknown value); never NULL, owned by the handle, valid until skamp_ruleset_free. */
SMARTKAMPUNG_EXPORT const char* skamp_ruleset_reason_code(const skamp_ruleset* rs, int32_t reason);

/** Runs the embedded tests: *out receives {"schema": "skamp-rule-tests/1",
 *  "failures": [{"name", "message"}]}; the caller frees it with skamp_free. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_run_tests_json(char** out, const skamp_ruleset* rs);

/* ---- Arrow streams (smartkampung/c/arrow.h; columns in docs/arrow.md) ---------------- */

/** Decides every record of an Arrow stream (taken over and released by the library, also
 *  on failure) on year-month-day: columns named by input path ("kk.lost_livelihood"),
 *  without the root or by a list header; a member list as list<struct<...>>. *out
 *  receives one row per record: decision (dictionary: eligible, ineligible, needs_data,
 *  error), amount, priority (int64), reason (first code, null when eligible), reasons
 *  (list: every failing rule's code). A bad value is SKAMP_EINVALID naming the column and
 *  row (never the value). The caller releases *out. */
SMARTKAMPUNG_EXPORT skamp_status skamp_ruleset_evaluate_arrow(struct ArrowArrayStream* out,
                                                              const skamp_ruleset* rs,
                                                              struct ArrowArrayStream* records,
                                                              int year, int month, int day);

#ifdef __cplusplus
}
#endif

#endif
