/* The linkage C API from plain C99. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi_test.h"

/* Settings with m, u and prior given by hand: small examples stay deterministic. */
static const char* kSettings =
    "{\"fields\":["
    "{\"name\":\"nik\",\"kind\":\"id\",\"m\":[0.85,0.06,0.04,0.05],\"u\":[1e-6,1e-5,1e-6,0.999989]}"
    ","
    "{\"name\":\"name\",\"kind\":\"name\",\"m\":[0.6,0.15,0.12,0.06,0.04,0.03],"
    "\"u\":[0.001,0.002,0.003,0.02,0.01,0.964]},"
    "{\"name\":\"birth_date\",\"kind\":\"date\",\"m\":[0.85,0.03,0.05,0.03,0.04],"
    "\"u\":[0.0002,0.00001,0.002,0.02,0.97779]}],"
    "\"blocking\":[[\"nik\"],[\"name:phonetic\"]],\"prior\":0.01,\"threshold\":0.9}";

static const char* kRecords =
    "[{\"nik\":\"3510014501900001\",\"name\":\"Moch. Sholeh\",\"birth_date\":\"1990-01-05\"},"
    "{\"nik\":\"3510014501900007\",\"name\":\"Muhammad Soleh\",\"birth_date\":\"1990-01-05\"},"
    "{\"nik\":null,\"name\":\"Wahyu Lestari\",\"birth_date\":\"1975-08-20\"}]";

void skamp_test_linkage(void) {
  char* out = NULL;
  skamp_linker* lk = NULL;

  CHECK(skamp_linkage_normalize_name(&out, "H. Djoko  Santoso") == SKAMP_OK);
  CHECK(out != NULL && strcmp(out, "joko santoso") == 0);
  skamp_free(out);
  out = NULL;
  CHECK(skamp_linkage_normalize_name(&out, NULL) == SKAMP_EINVALID);
  CHECK(skamp_linkage_normalize_name(NULL, "x") == SKAMP_EINVALID);

  CHECK(skamp_linkage_link_json(&out, kRecords, NULL, kSettings, -1.0) == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "\"schema\":\"skamp-link-result/1\"") != NULL);
  CHECK(out != NULL && strstr(out, "\"cluster_ids\":[0,0,2]") != NULL);
  skamp_free(out);
  out = NULL;
  CHECK(skamp_linkage_link_json(&out, "[{]", NULL, NULL, -1.0) == SKAMP_EPARSE);
  CHECK(out == NULL);
  CHECK(skamp_linkage_link_json(&out, kRecords, NULL, "{\"bogus\":1}", -1.0) == SKAMP_EINVALID);
  CHECK(strstr(skamp_last_error(), "bogus") != NULL);
  CHECK(skamp_linkage_link_json(&out, kRecords, NULL, kSettings, 2.0) == SKAMP_EINVALID);

  CHECK(skamp_linkage_linker_new(&lk, kSettings) == SKAMP_OK);
  CHECK(skamp_linkage_linker_fit_json(lk, kRecords) == SKAMP_OK);
  CHECK(skamp_linkage_linker_clusters_json(&out, lk) == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "[0,0,2]") != NULL);
  skamp_free(out);
  CHECK(skamp_linkage_linker_add_json(
            &out, lk, "{\"name\":\"Mochammad Sholeh\",\"birth_date\":\"1990-01-05\"}") == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "\"index\":3") != NULL &&
        strstr(out, "\"cluster_id\":0") != NULL);
  skamp_free(out);
  CHECK(skamp_linkage_linker_candidates_json(&out, lk, "{\"name\":\"Wahyu Lestari\"}", 1) ==
        SKAMP_OK);
  CHECK(out != NULL && strstr(out, "\"candidates\":[[2,") != NULL);
  skamp_free(out);
  CHECK(skamp_linkage_linker_explain_json(&out, lk, 0, 1) == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "\"one_substitution\"") != NULL &&
        strstr(out, "\"schema\":\"skamp-linker-explain/1\"") != NULL);
  skamp_free(out);
  CHECK(skamp_linkage_linker_explain_json(&out, lk, 0, 99) == SKAMP_ENOTFOUND);
  CHECK(skamp_linkage_linker_remove(lk, 3) == SKAMP_OK);
  CHECK(skamp_linkage_linker_remove(lk, 3) == SKAMP_ENOTFOUND);
  CHECK(skamp_linkage_linker_settings_json(&out, lk) == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "\"fields\"") != NULL);
  skamp_free(out);
  /* A failed fit keeps the previous content. */
  CHECK(skamp_linkage_linker_fit_json(lk, "not json") == SKAMP_EPARSE);
  CHECK(skamp_linkage_linker_clusters_json(&out, lk) == SKAMP_OK);
  CHECK(out != NULL && strstr(out, "[0,0,2,-1]") != NULL);
  skamp_free(out);
  CHECK(skamp_linkage_linker_fit_json(NULL, kRecords) == SKAMP_EINVALID);

  /* Save and load: the loaded linker holds the same clusters and answers alike. */
  {
    const char* path = "skamp_capi_linker.sklink";
    skamp_linker* back = NULL;
    char* again = NULL;
    FILE* f = NULL;
    CHECK(skamp_linkage_linker_save(lk, path) == SKAMP_OK);
    CHECK(skamp_linkage_linker_load(&back, path) == SKAMP_OK && back != NULL);
    CHECK(skamp_linkage_linker_clusters_json(&out, back) == SKAMP_OK);
    CHECK(out != NULL && strstr(out, "[0,0,2,-1]") != NULL);
    skamp_free(out);
    out = NULL;
    CHECK(skamp_linkage_linker_candidates_json(&out, lk, "{\"name\":\"Moch Sholeh\"}", 3) ==
          SKAMP_OK);
    CHECK(skamp_linkage_linker_candidates_json(&again, back, "{\"name\":\"Moch Sholeh\"}", 3) ==
          SKAMP_OK);
    CHECK(out != NULL && again != NULL && strcmp(out, again) == 0);
    skamp_free(out);
    skamp_free(again);
    out = NULL;
    skamp_linkage_linker_free(back);
    back = NULL;
    f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f != NULL) {
      fseek(f, 30, SEEK_SET);
      fputc('X', f);
      fclose(f);
    }
    CHECK(skamp_linkage_linker_load(&back, path) == SKAMP_ECORRUPT && back == NULL);
    remove(path);
    CHECK(skamp_linkage_linker_load(&back, "/nonexistent/x.sklink") == SKAMP_EIO && back == NULL);
    CHECK(skamp_linkage_linker_load(NULL, path) == SKAMP_EINVALID);
    CHECK(skamp_linkage_linker_load(&back, NULL) == SKAMP_EINVALID);
    CHECK(skamp_linkage_linker_save(NULL, path) == SKAMP_EINVALID);
    CHECK(skamp_linkage_linker_save(lk, NULL) == SKAMP_EINVALID);
  }
  skamp_linkage_linker_free(lk);
  skamp_linkage_linker_free(NULL);
  CHECK(skamp_linkage_linker_new(&lk, "{\"threshold\":\"high\"}") == SKAMP_EINVALID);
  CHECK(lk == NULL);
}
