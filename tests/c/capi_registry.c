/* The registry through the C API: load from JSON and CSV, dedup, recipient check, reports,
 * save/load, and NULL arguments. */
#include "capi_test.h"

#include <stdio.h>
#include <string.h>

void skamp_test_registry(void) {
  skamp_registry *reg = NULL;
  skamp_registry *back = NULL;
  char *json = NULL;
  char path[512];
  FILE *f;

  skamp_registry_free(NULL);
  CHECK(skamp_registry_new(NULL) == SKAMP_EINVALID);
  CHECK(skamp_registry_new(&reg) == SKAMP_OK && reg != NULL);

  CHECK(skamp_registry_load_json(&json, reg,
                                 "[{\"nik\": \"3510014501900001\", \"kk\": \"3510010101150001\", \"name\": \"Siti\"},"
                                 " {\"nik\": \"3510014501900001\", \"name\": \"Siti\"},"
                                 " {\"nik\": \"123\", \"name\": \"Bad\"}]",
                                 "PKH", "central") == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"loaded\":2") != NULL && strstr(json, "\"line\":3") != NULL);
  skamp_free(json);
  json = NULL;
  CHECK(skamp_registry_load_json(NULL, reg, "[{\"nik\": \"3510011203850002\", \"kk\": \"3510010101150001\", "
                                            "\"name\": \"Budi\", \"rt\": 3}]", "BST", "central") == SKAMP_OK);
  CHECK(skamp_registry_load_json(NULL, reg, "[{\"nik\": ", "BST", "central") == SKAMP_EPARSE);
  CHECK(strstr(skamp_last_error(), "offset") != NULL);
  CHECK(skamp_registry_load_json(NULL, reg, "[]", "BST", "galactic") == SKAMP_EINVALID);
  CHECK(skamp_registry_load_json(NULL, NULL, "[]", "BST", "central") == SKAMP_EINVALID);

  CHECK(skamp_registry_set_exclusions_json(
            reg, "{\"format\": \"skamp-conflicts/1\", \"conflicts\": [{\"a\": \"PKH\", \"b\": \"BST\", "
                 "\"scope\": \"kk\"}]}") == SKAMP_OK);
  CHECK(skamp_registry_dedup(&json, reg) == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"schema\":\"skamp-dedup-report/1\"") != NULL);
  CHECK(strstr(json, "\"unique_persons\":2") != NULL);
  CHECK(strstr(json, "\"kk\":\"3510010101150001\"") != NULL);
  skamp_free(json);

  CHECK(skamp_registry_programs_of(&json, reg, "3510014501900001") == SKAMP_OK);
  CHECK(json != NULL && strcmp(json, "[\"PKH\"]") == 0);
  skamp_free(json);
  CHECK(skamp_registry_programs_of(&json, reg, "35100145") == SKAMP_EINVALID && json == NULL);

  CHECK(skamp_registry_public_check(&json, reg, "3510014501900001") == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"nik\":\"3510********0001\"") != NULL && strstr(json, "S***") != NULL);
  CHECK(strstr(json, "Siti") == NULL);
  skamp_free(json);

  CHECK(skamp_registry_report(&json, reg, "{\"nik\": \"3510014501900001\", \"name\": \"Siti\"}", 1588291200) ==
        SKAMP_OK);
  CHECK(json != NULL && strstr(json, "already_enrolled") != NULL);
  skamp_free(json);
  CHECK(skamp_registry_report(&json, reg, "{\"nik\": \"3510015203950003\", \"name\": \"Ani\"}", 1588291200) ==
        SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"accepted\":true") != NULL);
  skamp_free(json);

  /* CSV from a file. */
  snprintf(path, sizeof path, "%s", "skamp_capi_registry.csv");
  f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    fputs("nik;nama\r\n3510011203850002;Budi\r\n", f);
    fclose(f);
    CHECK(skamp_registry_load_csv(&json, reg, path, "BPNT", "regency") == SKAMP_OK);
    CHECK(json != NULL && strstr(json, "\"loaded\":1") != NULL);
    skamp_free(json);
    remove(path);
  }
  CHECK(skamp_registry_load_csv(NULL, reg, "/nonexistent/x.csv", "BPNT", "regency") == SKAMP_EIO);

  /* Save and load. */
  snprintf(path, sizeof path, "%s", "skamp_capi_registry.skreg");
  CHECK(skamp_registry_save(reg, path) == SKAMP_OK);
  CHECK(skamp_registry_load(&back, path) == SKAMP_OK && back != NULL);
  CHECK(skamp_registry_programs_of(&json, back, "3510011203850002") == SKAMP_OK);
  CHECK(json != NULL && strcmp(json, "[\"BPNT\",\"BST\"]") == 0);
  skamp_free(json);
  skamp_registry_free(back);
  f = fopen(path, "r+b");
  if (f != NULL) {
    fseek(f, 20, SEEK_SET);
    fputc('X', f);
    fclose(f);
  }
  back = NULL;
  CHECK(skamp_registry_load(&back, path) == SKAMP_ECORRUPT && back == NULL);
  remove(path);

  CHECK(skamp_registry_dedup(NULL, reg) == SKAMP_EINVALID);
  CHECK(skamp_registry_public_check(&json, NULL, "3510014501900001") == SKAMP_EINVALID);
  skamp_registry_free(reg);
}
