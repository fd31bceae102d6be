/* The rules C API from plain C99: loading with located errors, the shipped rule sets'
 * golden tests, single and batch evaluation, reload keeping the old set on failure. */
#include <stdlib.h>
#include <string.h>

#include "capi_test.h"

static const char* kRecordPkh =
    "{\"kk\": {\"programs\": [\"PKH\"], \"region_kind\": \"desa\", \"lost_livelihood\": true,"
    " \"chronic_illness\": false, \"in_dtks\": true, \"head\": {\"sex\": \"M\"},"
    " \"members\": [{\"nik\": \"3510010101800001\", \"birth_date\": \"1980-01-01\"}]}}";
static const char* kRecordOk =
    "{\"kk\": {\"programs\": [], \"region_kind\": \"desa\", \"lost_livelihood\": true,"
    " \"chronic_illness\": false, \"in_dtks\": true, \"head\": {\"sex\": \"F\"},"
    " \"members\": [{\"nik\": \"3510010101800001\", \"birth_date\": \"1980-01-01\"}]}}";

static void test_builtins_pass_their_golden_tests(void) {
  const char* names[] = {"blt-dana-desa", "bst", "jatim-bkk", "sembako-banyuwangi", "bps-14"};
  char* list = NULL;
  size_t i;
  CHECK(skamp_ruleset_builtin_names(&list) == SKAMP_OK);
  for (i = 0; i < sizeof names / sizeof names[0]; ++i) {
    skamp_ruleset* rs = NULL;
    char* report = NULL;
    CHECK(list != NULL && strstr(list, names[i]) != NULL);
    CHECK(skamp_ruleset_builtin(&rs, names[i]) == SKAMP_OK);
    CHECK(skamp_ruleset_run_tests_json(&report, rs) == SKAMP_OK);
    CHECK(report != NULL && strstr(report, "\"failures\":[]") != NULL);
    if (report != NULL && strstr(report, "\"failures\":[]") == NULL)
      fprintf(stderr, "%s: %s\n", names[i], report);
    skamp_free(report);
    skamp_ruleset_free(rs);
  }
  skamp_free(list);
  {
    skamp_ruleset* rs = NULL;
    CHECK(skamp_ruleset_builtin(&rs, "nope") == SKAMP_ENOTFOUND && rs == NULL);
  }
}

static void test_evaluate_and_batch(void) {
  skamp_ruleset* rs = NULL;
  char* out = NULL;
  char batch[2048];
  int8_t decisions[3];
  int64_t amounts[3];
  int32_t reasons[3];
  CHECK(skamp_ruleset_builtin(&rs, "blt-dana-desa") == SKAMP_OK);
  CHECK(skamp_ruleset_evaluate_json(&out, rs, kRecordPkh, 2020, 5, 1, 0) == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "\"schema\":\"skamp-decision/1\"") != NULL);
  CHECK(out != NULL && strstr(out, "\"decision\":\"ineligible\"") != NULL);
  CHECK(out != NULL && strstr(out, "SUDAH_MENERIMA") != NULL);
  CHECK(out != NULL && strstr(out, "3510010101800001") == NULL);
  skamp_free(out);
  CHECK(skamp_ruleset_evaluate_json(&out, rs, kRecordOk, 2020, 8, 1, 1) == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "\"decision\":\"eligible\"") != NULL &&
        strstr(out, "\"amount\":300000") != NULL);
  skamp_free(out);
  /* A value of the wrong type names the field, not the value. */
  CHECK(skamp_ruleset_evaluate_json(&out, rs, "{\"kk\": {\"in_dtks\": \"ya\"}}", 2020, 5, 1, 0) ==
        SKAMP_EINVALID);
  CHECK(out == NULL && strstr(skamp_last_error(), "kk.in_dtks") != NULL);

  strcpy(batch, "[");
  strcat(batch, kRecordPkh);
  strcat(batch, ",");
  strcat(batch, kRecordOk);
  strcat(batch, ", {\"kk\": {\"members\": []}}]");
  CHECK(skamp_ruleset_evaluate_batch(decisions, amounts, reasons, rs, batch, 3, 2020, 5, 1) ==
        SKAMP_OK);
  CHECK(decisions[0] == SKAMP_INELIGIBLE && amounts[0] == 0);
  CHECK(strcmp(skamp_ruleset_reason_code(rs, reasons[0]), "SUDAH_MENERIMA") == 0);
  CHECK(decisions[1] == SKAMP_ELIGIBLE && amounts[1] == 600000 && reasons[1] == -1);
  CHECK(decisions[2] == SKAMP_INELIGIBLE &&
        strcmp(skamp_ruleset_reason_code(rs, reasons[2]), "NIK_TIDAK_VALID") == 0);
  CHECK(skamp_ruleset_evaluate_batch(decisions, NULL, NULL, rs, batch, 2, 2020, 5, 1) ==
        SKAMP_EINVALID);
  CHECK(skamp_ruleset_evaluate_batch(decisions, amounts, reasons, rs, batch, 3, 2021, 1, 1) ==
        SKAMP_OK);
  CHECK(strcmp(skamp_ruleset_reason_code(rs, reasons[1]), "OUT_OF_PERIOD") == 0);
  CHECK(strcmp(skamp_ruleset_reason_code(rs, 999), "") == 0);
  {
    /* Issue 16, item 2: a cancelled batch stops; every record still gets an answer. */
    size_t done = 99;
    int cancel = 1;
    CHECK(skamp_ruleset_evaluate_batch_cancellable(&done, decisions, amounts, reasons, rs, batch, 3,
                                                   2020, 5, 1, &cancel) == SKAMP_ELIMIT);
    CHECK(done == 0 && decisions[0] == SKAMP_DECISION_ERROR &&
          decisions[2] == SKAMP_DECISION_ERROR);
    CHECK(strcmp(skamp_ruleset_reason_code(rs, reasons[1]), "LIMIT") == 0);
    CHECK(strstr(skamp_last_error(), "cancelled after 0 of 3") != NULL);
    cancel = 0;
    CHECK(skamp_ruleset_evaluate_batch_cancellable(&done, decisions, amounts, reasons, rs, batch, 3,
                                                   2020, 5, 1, &cancel) == SKAMP_OK);
    CHECK(done == 3 && decisions[1] == SKAMP_ELIGIBLE);
    CHECK(skamp_ruleset_evaluate_batch_cancellable(&done, decisions, amounts, reasons, rs, batch, 3,
                                                   2020, 5, 1, NULL) == SKAMP_OK &&
          done == 3);
    CHECK(skamp_ruleset_evaluate_batch_cancellable(NULL, decisions, amounts, reasons, rs, batch, 3,
                                                   2020, 5, 1, NULL) == SKAMP_EINVALID);
  }
  skamp_ruleset_free(rs);
}

static void test_errors_and_reload(void) {
  skamp_ruleset* rs = NULL;
  char* info = NULL;
  char* text = NULL;
  const char* bad = "{\"format\": \"skamp-rules/2\"}";
  CHECK(skamp_ruleset_new_json(&rs, bad, strlen(bad), NULL) == SKAMP_EPARSE && rs == NULL);
  CHECK(strstr(skamp_last_error(), "format") != NULL);
  CHECK(skamp_ruleset_new_json(&rs, "{", 1, NULL) == SKAMP_EPARSE);
  CHECK(skamp_ruleset_new_json(NULL, "{}", 2, NULL) == SKAMP_EINVALID);
  CHECK(skamp_ruleset_builtin(&rs, "bst") == SKAMP_OK);
  CHECK(skamp_ruleset_to_json(&text, rs) == SKAMP_OK);
  CHECK(skamp_ruleset_reload(rs, bad, strlen(bad)) == SKAMP_EPARSE);
  CHECK(skamp_ruleset_info_json(&info, rs) == SKAMP_OK);
  CHECK(info != NULL && strstr(info, "\"ruleset\":\"bst\"") != NULL);
  skamp_free(info);
  if (text != NULL) {
    CHECK(skamp_ruleset_reload(rs, text, strlen(text)) == SKAMP_OK);
  }
  skamp_free(text);
  CHECK(skamp_ruleset_evaluate_json(NULL, rs, "{}", 2020, 5, 1, 0) == SKAMP_EINVALID);
  CHECK(skamp_ruleset_evaluate_batch(NULL, NULL, NULL, NULL, "[]", 0, 2020, 5, 1) ==
        SKAMP_EINVALID);
  skamp_ruleset_free(rs);
  skamp_ruleset_free(NULL);
}

void skamp_test_rules(void) {
  test_builtins_pass_their_golden_tests();
  test_evaluate_and_batch();
  test_errors_and_reload();
}
