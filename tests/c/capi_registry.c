/* The registry through the C API: load from JSON and CSV, dedup, recipient check, reports,
 * save/load, and NULL arguments. */
#define _POSIX_C_SOURCE 200809L /* stat() under -std=c99 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capi_test.h"

void skamp_test_registry(void) {
  skamp_registry* reg = NULL;
  skamp_registry* back = NULL;
  char* json = NULL;
  char path[512];
  FILE* f;

  skamp_registry_free(NULL);
  CHECK(skamp_registry_new(NULL) == SKAMP_EINVALID);
  CHECK(skamp_registry_new(&reg) == SKAMP_OK && reg != NULL);

  CHECK(skamp_registry_add_json(
            &json, reg,
            "[{\"nik\": \"3510014501900001\", \"kk\": \"3510010101150001\", \"name\": \"Siti\"},"
            " {\"nik\": \"3510014501900001\", \"name\": \"Siti\"},"
            " {\"nik\": \"123\", \"name\": \"Bad\"}]",
            "PKH", "central") == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"loaded\":2") != NULL && strstr(json, "\"line\":3") != NULL);
  skamp_free(json);
  json = NULL;
  CHECK(skamp_registry_add_json(NULL, reg,
                                "[{\"nik\": \"3510011203850002\", \"kk\": \"3510010101150001\", "
                                "\"name\": \"Budi\", \"rt\": 3}]",
                                "BST", "central") == SKAMP_OK);
  CHECK(skamp_registry_add_json(NULL, reg, "[{\"nik\": ", "BST", "central") == SKAMP_EPARSE);
  CHECK(strstr(skamp_last_error(), "records_json: invalid JSON at $[0].nik, byte 9") != NULL);
  CHECK(skamp_registry_add_json(NULL, reg, "[]", "BST", "galactic") == SKAMP_EINVALID);
  CHECK(skamp_registry_add_json(NULL, NULL, "[]", "BST", "central") == SKAMP_EINVALID);

  /* Issue 16, item 3: text that is not UTF-8 is refused at the entry, naming the field, and
   * the message itself is UTF-8 (here: ASCII, since it names the field and echoes no bytes). */
  CHECK(skamp_registry_add_json(
            NULL, reg, "[{\"nik\": \"3510016604000004\", \"name\": \"Dewi \xc3\xff\xfe\"}]", "PKH",
            "central") == SKAMP_EINVALID);
  CHECK(strstr(skamp_last_error(), "records_json is not valid UTF-8") != NULL);
  CHECK(skamp_test_is_ascii(skamp_last_error()));
  CHECK(skamp_registry_add_json(NULL, reg,
                                "[{\"nik\": \"3510016604000004\", \"name\": \"Dewi \\udcff\"}]",
                                "PKH", "central") == SKAMP_EINVALID);
  CHECK(strstr(skamp_last_error(), "records_json: $[0].name: is not valid UTF-8") != NULL);
  CHECK(skamp_registry_add_json(NULL, reg, "[]", "PKH\xc0\xaf", "central") == SKAMP_EINVALID);
  CHECK(strstr(skamp_last_error(), "program is not valid UTF-8") != NULL);
  CHECK(skamp_registry_add_json(NULL, reg, "[]", "PKH", "central\xed\xa0\x80") == SKAMP_EINVALID);
  CHECK(skamp_registry_public_check_json(&json, reg, "3510016604000004") ==
        SKAMP_OK); /* nothing was loaded */
  CHECK(json != NULL && strstr(json, "\"found\":false") != NULL);
  skamp_free(json);
  json = NULL;
  {
    skamp_registry* other = NULL;
    CHECK(skamp_registry_new(&other) == SKAMP_OK);
    CHECK(skamp_registry_add_json(
              NULL, other,
              "[{\"nik\": \"3510016604000004\", \"name\": \"D\xc3\xa9wi \xf0\x9f\x98\x80\"}]", "ZZ",
              "central") == SKAMP_OK); /* well-formed UTF-8 is fine */
    skamp_registry_free(other);
  }

  CHECK(skamp_registry_set_exclusions_json(
            reg,
            "{\"format\": \"skamp-conflicts/1\", \"conflicts\": [{\"a\": \"PKH\", \"b\": \"BST\", "
            "\"scope\": \"kk\"}]}") == SKAMP_OK);
  CHECK(skamp_registry_dedup_json(&json, reg) == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"schema\":\"skamp-dedup-report/1\"") != NULL);
  CHECK(strstr(json, "\"unique_persons\":2") != NULL);
  CHECK(strstr(json, "\"kk\":\"3510010101150001\"") != NULL);
  skamp_free(json);

  CHECK(skamp_registry_programs_of_json(&json, reg, "3510014501900001") == SKAMP_OK);
  CHECK(json != NULL && strcmp(json, "[\"PKH\"]") == 0);
  skamp_free(json);
  CHECK(skamp_registry_programs_of_json(&json, reg, "35100145") == SKAMP_EINVALID && json == NULL);

  CHECK(skamp_registry_public_check_json(&json, reg, "3510014501900001") == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"nik\":\"3510********0001\"") != NULL &&
        strstr(json, "S***") != NULL);
  CHECK(strstr(json, "Siti") == NULL);
  skamp_free(json);

  CHECK(skamp_registry_report_json(&json, reg,
                                   "{\"nik\": \"3510014501900001\", \"name\": \"Siti\"}",
                                   1588291200) == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "already_enrolled") != NULL);
  skamp_free(json);
  CHECK(skamp_registry_report_json(&json, reg, "{\"nik\": \"3510015203950003\", \"name\": \"Ani\"}",
                                   1588291200) == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "\"accepted\":true") != NULL);
  skamp_free(json);

  /* Issue 16, item 6: a time past year 9999 (or before year 1) is refused and queues nothing,
   * so the queue and a saved file stay readable. */
  CHECK(skamp_registry_report_json(&json, reg,
                                   "{\"nik\": \"3510016604000004\", \"name\": \"Dewi\"}",
                                   INT64_MAX) == SKAMP_EINVALID);
  CHECK(json == NULL && strstr(skamp_last_error(), "report time") != NULL);
  CHECK(skamp_registry_report_json(&json, reg,
                                   "{\"nik\": \"3510016604000004\", \"name\": \"Dewi\"}",
                                   (int64_t)253402300800) == SKAMP_EINVALID);
  CHECK(skamp_registry_report_json(&json, reg,
                                   "{\"nik\": \"3510016604000004\", \"name\": \"Dewi\"}",
                                   INT64_MIN) == SKAMP_EINVALID);
  CHECK(skamp_registry_report_json(&json, reg,
                                   "{\"nik\": \"3510016604000004\", \"name\": \"Dewi\"}",
                                   (int64_t)253402300799) == SKAMP_OK);
  CHECK(json != NULL &&
        strstr(json, "\"accepted\":true") != NULL); /* not held as a duplicate report */
  skamp_free(json);
  json = NULL;

  /* CSV from a file. */
  snprintf(path, sizeof path, "%s", "skamp_capi_registry.csv");
  f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    fputs("nik;nama\r\n3510011203850002;Budi\r\n", f);
    fclose(f);
    CHECK(skamp_registry_add_csv(&json, reg, path, "BPNT", "regency") == SKAMP_OK);
    CHECK(json != NULL && strstr(json, "\"loaded\":1") != NULL);
    skamp_free(json);
    remove(path);
  }
  CHECK(skamp_registry_add_csv(NULL, reg, "/nonexistent/x.csv", "BPNT", "regency") == SKAMP_EIO);

  /* Save and load. */
  snprintf(path, sizeof path, "%s", "skamp_capi_registry.skreg");
  CHECK(skamp_registry_save(reg, path) == SKAMP_OK);
  CHECK(skamp_registry_load(&back, path) == SKAMP_OK && back != NULL);
  {
    /* Issue 16, item 7: saved 0600 whatever the umask; devices and directories refused. */
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  }
  {
    skamp_registry* none = NULL;
    CHECK(skamp_registry_load(&none, "/dev/zero") == SKAMP_EIO && none == NULL);
    CHECK(strstr(skamp_last_error(), "not a regular file") != NULL);
    CHECK(skamp_registry_load(&none, ".") == SKAMP_EIO && none == NULL);
    CHECK(strstr(skamp_last_error(), "directory") != NULL);
  }
  CHECK(skamp_registry_programs_of_json(&json, back, "3510011203850002") == SKAMP_OK);
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

  /* Signed snapshots (issue 19): a key pair of our own, then another district's. */
  {
    const char* pubs[1] = {"capi_registry_keys/a/district.pub"};
    const char* other_pubs[1] = {"capi_registry_keys/b/district.pub"};
    const char* signed_path = "skamp_capi_registry_signed.skreg";
    skamp_registry* none = NULL;
    remove("capi_registry_keys/a/district.key");
    remove("capi_registry_keys/a/district.pub");
    remove("capi_registry_keys/b/district.key");
    remove("capi_registry_keys/b/district.pub");
    mkdir("capi_registry_keys", 0700);
    mkdir("capi_registry_keys/a", 0700);
    mkdir("capi_registry_keys/b", 0700);
    CHECK(skamp_cert_generate_key("capi_registry_keys/a") == SKAMP_OK);
    CHECK(skamp_cert_generate_key("capi_registry_keys/b") == SKAMP_OK);
    /* Unsigned: refused once a public key is configured, unless allow_unsigned. */
    CHECK(skamp_registry_save_signed(reg, signed_path, NULL) == SKAMP_OK);
    CHECK(skamp_registry_load_verified(&none, signed_path, pubs, 1, 0) == SKAMP_ECORRUPT &&
          none == NULL);
    CHECK(strstr(skamp_last_error(), "not signed") != NULL);
    CHECK(skamp_registry_load_verified(&back, signed_path, pubs, 1, 1) == SKAMP_OK && back != NULL);
    skamp_registry_free(back);
    back = NULL;
    /* Signed: verifies with its key, is refused by another district's naming the key id,
     * and still loads without any key configured. */
    CHECK(skamp_registry_save_signed(reg, signed_path, "capi_registry_keys/a/district.key") ==
          SKAMP_OK);
    CHECK(skamp_registry_load_verified(&back, signed_path, pubs, 1, 0) == SKAMP_OK && back != NULL);
    CHECK(skamp_registry_programs_of_json(&json, back, "3510011203850002") == SKAMP_OK);
    CHECK(json != NULL && strcmp(json, "[\"BPNT\",\"BST\"]") == 0);
    skamp_free(json);
    json = NULL;
    skamp_registry_free(back);
    back = NULL;
    CHECK(skamp_registry_load_verified(&none, signed_path, other_pubs, 1, 1) == SKAMP_ECORRUPT &&
          none == NULL);
    CHECK(strstr(skamp_last_error(), "signed with key") != NULL);
    CHECK(skamp_registry_load_verified(&back, signed_path, NULL, 0, 0) == SKAMP_OK && back != NULL);
    skamp_registry_free(back);
    back = NULL;
    CHECK(skamp_registry_load(&back, signed_path) == SKAMP_OK && back != NULL);
    skamp_registry_free(back);
    back = NULL;
    remove(signed_path);
    remove("capi_registry_keys/a/district.key");
    remove("capi_registry_keys/a/district.pub");
    remove("capi_registry_keys/b/district.key");
    remove("capi_registry_keys/b/district.pub");
    rmdir("capi_registry_keys/a");
    rmdir("capi_registry_keys/b");
    rmdir("capi_registry_keys");
  }

  CHECK(skamp_registry_dedup_json(NULL, reg) == SKAMP_EINVALID);
  CHECK(skamp_registry_public_check_json(&json, NULL, "3510014501900001") == SKAMP_EINVALID);
  skamp_registry_free(reg);
}
