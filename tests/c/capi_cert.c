/* The certificate C API from plain C99. */
#include <stdlib.h>
#include <string.h>

#include "capi_test.h"

/* 2020-07-01 00:00 WIB is 2020-06-30 17:00 UTC. */
#define JULY1_WIB ((int64_t)1593536400)
#define DAY ((int64_t)86400)

void skamp_test_cert(void) {
  skamp_cert_registry* reg = NULL;
  skamp_cert_registry* loaded = NULL;
  skamp_cert_status status = SKAMP_CERT_NONE;
  int64_t serial = 0;
  int32_t cap = -1;
  int32_t occupancy = -1;
  int admitted = -1;
  char* json = NULL;

  CHECK(skamp_cert_registry_new(NULL, NULL, 0) == SKAMP_EINVALID);
  CHECK(skamp_cert_registry_new(&reg, "{", 0) == SKAMP_EPARSE && reg == NULL);
  CHECK(skamp_cert_registry_new(&reg, NULL, 123) == SKAMP_EINVALID);
  CHECK(skamp_cert_registry_new(&reg, NULL, 0) == SKAMP_OK && reg != NULL);
  skamp_cert_registry_free(NULL);

  CHECK(skamp_cert_add_business(reg, 7, "Warung", "restaurant", -8.2192, 114.3691, 101, NULL,
                                SKAMP_CERT_NO_TIME) == SKAMP_OK);
  CHECK(skamp_cert_add_business(reg, 8, NULL, "restaurant", -8.2, 114.3, 10, NULL,
                                SKAMP_CERT_NO_TIME) == SKAMP_EINVALID);
  CHECK(skamp_cert_add_business(reg, 7, "Warung", "restaurant", -8.2, 114.3, 10, NULL,
                                SKAMP_CERT_NO_TIME) == SKAMP_ESTATE);
  /* Issue 16, item 6: times outside years 1..9999 are refused and record nothing. */
  CHECK(skamp_cert_apply(reg, 7, INT64_MAX) == SKAMP_EINVALID);
  CHECK(skamp_cert_apply(reg, 7, INT64_MIN + 1) == SKAMP_EINVALID);
  CHECK(skamp_cert_status_at(&status, reg, 7, INT64_MAX) == SKAMP_EINVALID);
  CHECK(skamp_cert_add_business(reg, 9, "Warung", "restaurant", -8.2, 114.3, 10, NULL, INT64_MAX) ==
        SKAMP_EINVALID);
  CHECK(skamp_cert_apply(reg, 7, JULY1_WIB + 9 * 3600) == SKAMP_OK);
  /* Issuing without a passed audit is refused and changes nothing. */
  CHECK(skamp_cert_issue(&serial, reg, 7, JULY1_WIB + DAY) == SKAMP_ESTATE);
  CHECK(strstr(skamp_last_error(), "issued not allowed") != NULL);
  CHECK(skamp_cert_status_at(&status, reg, 7, JULY1_WIB + DAY) == SKAMP_OK &&
        status == SKAMP_CERT_APPLIED);
  CHECK(skamp_cert_audit(reg, 7, JULY1_WIB + 2 * DAY, 0, "no masks") == SKAMP_OK);
  CHECK(skamp_cert_audit(reg, 7, JULY1_WIB + 5 * DAY, 1, NULL) == SKAMP_OK);
  CHECK(skamp_cert_issue(&serial, reg, 7, JULY1_WIB + 6 * DAY + 10 * 3600) == SKAMP_OK &&
        serial == 1);
  CHECK(skamp_cert_status_at(&status, reg, 7, JULY1_WIB + 19 * DAY + 14 * 3600) == SKAMP_OK &&
        status == SKAMP_CERT_ACTIVE);
  CHECK(strcmp(skamp_cert_status_str(status), "active") == 0);
  CHECK(strcmp(skamp_cert_status_str(99), "unknown") == 0);
  /* Evaluation due on 6 August 00:00 WIB (issue date 7 July + 30 days). */
  CHECK(skamp_cert_status_at(&status, reg, 7, JULY1_WIB + 36 * DAY - 1) == SKAMP_OK &&
        status == SKAMP_CERT_ACTIVE);
  CHECK(skamp_cert_status_at(&status, reg, 7, JULY1_WIB + 36 * DAY) == SKAMP_OK &&
        status == SKAMP_CERT_EVALUATION_DUE);
  CHECK(skamp_cert_status_at(&status, reg, 99, JULY1_WIB) == SKAMP_ENOTFOUND);
  CHECK(skamp_cert_status_at(NULL, reg, 7, JULY1_WIB) == SKAMP_EINVALID);

  CHECK(skamp_cert_max_visitors(&cap, reg, 7, JULY1_WIB + 10 * DAY) == SKAMP_OK && cap == 50);
  CHECK(skamp_cert_check_in(&admitted, reg, 7, JULY1_WIB + 10 * DAY, 50) == SKAMP_OK &&
        admitted == 1);
  CHECK(skamp_cert_check_in(&admitted, reg, 7, JULY1_WIB + 10 * DAY, 1) == SKAMP_OK &&
        admitted == 0);
  CHECK(skamp_cert_check_in(&admitted, reg, 7, JULY1_WIB + 10 * DAY, 0) == SKAMP_EINVALID);
  CHECK(skamp_cert_check_out(reg, 7, JULY1_WIB + 10 * DAY, 80) == SKAMP_OK);
  CHECK(skamp_cert_occupancy(&occupancy, reg, 7) == SKAMP_OK && occupancy == 0);

  CHECK(skamp_cert_certified_near_json(&json, reg, -8.22, 114.37, 5000.0, JULY1_WIB + 10 * DAY,
                                       "restaurant") == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"schema\":\"skamp-cert-near/1\"") != NULL &&
        strstr(json, "\"id\":7") != NULL);
  skamp_free(json);
  json = NULL;
  CHECK(skamp_cert_certified_near_json(&json, reg, -8.22, 114.37, 5000.0, JULY1_WIB + 10 * DAY,
                                       "hotel") == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"results\":[]") != NULL);
  skamp_free(json);
  json = NULL;

  /* A back-dated revocation. */
  CHECK(skamp_cert_revoke(reg, 7, JULY1_WIB + 30 * DAY, "fraud", JULY1_WIB + 20 * DAY) == SKAMP_OK);
  CHECK(skamp_cert_status_at(&status, reg, 7, JULY1_WIB + 20 * DAY) == SKAMP_OK &&
        status == SKAMP_CERT_REVOKED);
  CHECK(skamp_cert_reinstate(reg, 7, JULY1_WIB + 31 * DAY) == SKAMP_ESTATE);

  CHECK(skamp_cert_history_json(&json, reg, 7) == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"schema\":\"skamp-cert-history/1\"") != NULL &&
        strstr(json, "\"type\":\"revoked\"") != NULL);
  skamp_free(json);
  json = NULL;

  CHECK(skamp_cert_registry_save(reg, "capi_cert_test.jsonl") == SKAMP_OK);
  CHECK(skamp_cert_registry_load(&loaded, "capi_cert_test.jsonl") == SKAMP_OK && loaded != NULL);
  CHECK(skamp_cert_status_at(&status, loaded, 7, JULY1_WIB + 20 * DAY) == SKAMP_OK &&
        status == SKAMP_CERT_REVOKED);
  skamp_cert_registry_free(loaded);
  loaded = NULL;
  CHECK(skamp_cert_registry_load(&loaded, "does-not-exist.jsonl") == SKAMP_EIO && loaded == NULL);
  remove("capi_cert_test.jsonl");
  remove("capi_cert_test.jsonl.occupancy");
  remove("capi_cert_test.jsonl.lock");

  /* Signed history and the sticker: a key pair in the working folder. */
  {
    const char* pubs[1] = {"./district.pub"};
    char* text = NULL;
    remove("district.key");
    remove("district.pub");
    CHECK(skamp_cert_generate_key(".") == SKAMP_OK);
    CHECK(skamp_cert_generate_key(".") == SKAMP_EIO); /* a key is never overwritten */
    CHECK(skamp_cert_add_business(reg, 9, "Cafe", "cafe", -8.2, 114.3, 40, NULL, JULY1_WIB) ==
          SKAMP_OK);
    CHECK(skamp_cert_apply(reg, 9, JULY1_WIB + DAY) == SKAMP_OK);
    CHECK(skamp_cert_audit(reg, 9, JULY1_WIB + 2 * DAY, 1, NULL) == SKAMP_OK);
    CHECK(skamp_cert_issue(NULL, reg, 9, JULY1_WIB + 3 * DAY) == SKAMP_OK);
    CHECK(skamp_cert_registry_save(reg, "capi_cert_signed.jsonl") == SKAMP_OK);
    CHECK(skamp_cert_registry_load_verified(&loaded, "capi_cert_signed.jsonl", pubs, 1, 0) ==
              SKAMP_ECORRUPT &&
          loaded == NULL);
    CHECK(strstr(skamp_last_error(), "not signed") != NULL);
    CHECK(skamp_cert_registry_load_verified(&loaded, "capi_cert_signed.jsonl", pubs, 1, 1) ==
          SKAMP_OK);
    skamp_cert_registry_free(loaded);
    loaded = NULL;
    CHECK(skamp_cert_registry_save_signed(reg, "capi_cert_signed.jsonl", "./district.key") ==
          SKAMP_OK);
    CHECK(skamp_cert_registry_load_verified(&loaded, "capi_cert_signed.jsonl", pubs, 1, 0) ==
          SKAMP_OK);
    skamp_cert_registry_free(loaded);
    loaded = NULL;
    CHECK(skamp_cert_sticker(&text, reg, 9, JULY1_WIB + 10 * DAY, "./district.key") == SKAMP_OK &&
          text != NULL);
    CHECK(strncmp(text, "SKC1:", 5) == 0);
    CHECK(skamp_cert_verify_json(&json, text, pubs, 1, NULL, JULY1_WIB + 11 * DAY) == SKAMP_OK);
    CHECK(strstr(json, "\"genuine\":true") != NULL && strstr(json, "\"status\":\"valid\"") != NULL);
    skamp_free(json);
    json = NULL;
    text[strlen(text) - 5] = text[strlen(text) - 5] == 'A' ? 'B' : 'A'; /* one character changed */
    CHECK(skamp_cert_verify_json(&json, text, pubs, 1, NULL, JULY1_WIB + 11 * DAY) == SKAMP_OK);
    CHECK(strstr(json, "\"genuine\":false") != NULL);
    skamp_free(json);
    json = NULL;
    skamp_free(text);
    text = NULL;
    CHECK(skamp_cert_sticker(&text, reg, 7, JULY1_WIB + 40 * DAY, "./district.key") ==
              SKAMP_ESTATE &&
          text == NULL);
    CHECK(skamp_cert_status_list(&text, reg, JULY1_WIB + 40 * DAY, "./district.key") == SKAMP_OK);
    CHECK(strncmp(text, "SKS1:", 5) == 0);
    skamp_free(text);
    remove("capi_cert_signed.jsonl");
    remove("capi_cert_signed.jsonl.occupancy");
    remove("capi_cert_signed.jsonl.lock");
    remove("district.key");
    remove("district.pub");
  }
  CHECK(skamp_cert_registry_save(NULL, "x") == SKAMP_EINVALID);
  skamp_cert_registry_free(loaded);
  skamp_cert_registry_free(reg);
}
