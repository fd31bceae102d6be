/* test_capi: the C API from plain C99, using only smartkampung.h. Runs with no
 * arguments from any folder. Prints "N passed, M failed" and exits non-zero on failure. */
#include <stdlib.h>
#include <string.h>

#include "capi_test.h"

int skamp_test_passed = 0;
int skamp_test_failed = 0;

static void test_version(void) {
  CHECK(strcmp(skamp_version(), SKAMP_VERSION_STRING) == 0);
  CHECK(skamp_version_number() == SKAMP_VERSION_NUMBER);
  CHECK(skamp_last_error() != NULL);
  CHECK(strstr(skamp_status_str(SKAMP_EINVALID), "invalid") != NULL);
  CHECK(skamp_status_str((skamp_status)12345) != NULL);
  skamp_free(NULL);
}

static void test_nik_parse(void) {
  skamp_nik_info info;
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  CHECK(skamp_nik_parse_as_of(&info, "3510014501900001", 2020, 5, 1) == SKAMP_OK);
  CHECK(strcmp(info.province, "35") == 0);
  CHECK(strcmp(info.regency, "3510") == 0);
  CHECK(strcmp(info.district, "351001") == 0);
  CHECK(info.birth_year == 1990 && info.birth_month == 1 && info.birth_day == 5);
  CHECK(info.sex == 'F');
  CHECK(info.serial == 1);
  CHECK(info.reason == SKAMP_NIK_VALID);
  CHECK(info.repaired == 0);

  CHECK(skamp_nik_parse(&info, "'3510014501900001") == SKAMP_OK);
  CHECK(info.repaired == 1);

  CHECK(skamp_nik_parse(&info, "3510013002900001") == SKAMP_EINVALID);
  CHECK(info.reason == SKAMP_NIK_BIRTH_DATE);
  CHECK(strstr(skamp_last_error(), "birth_date") != NULL);
  CHECK(strstr(skamp_last_error(), "3510013002900001") == NULL);
  CHECK(strcmp(skamp_nik_reason_str(info.reason), "birth_date") == 0);

  CHECK(skamp_nik_parse(&info, "3.51001E+15") == SKAMP_EINVALID);
  CHECK(info.reason == SKAMP_NIK_SCIENTIFIC_NOTATION);
  CHECK(skamp_nik_parse(&info, "123") == SKAMP_EINVALID && info.reason == SKAMP_NIK_LENGTH);

  /* A success clears the last error. */
  CHECK(skamp_nik_parse(&info, "3510014501900001") == SKAMP_OK);
  CHECK(strcmp(skamp_last_error(), "") == 0);
}

static void test_null_and_small_struct(void) {
  skamp_nik_info info;
  CHECK(skamp_nik_parse(NULL, "3510014501900001") == SKAMP_EINVALID);
  CHECK(strstr(skamp_last_error(), "out") != NULL);
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  CHECK(skamp_nik_parse(&info, NULL) == SKAMP_EINVALID);
  info.size = 4; /* too small to hold even the reason */
  CHECK(skamp_nik_parse(&info, "3510014501900001") == SKAMP_EINVALID);
  CHECK(skamp_nik_is_valid(NULL) == 0);
  CHECK(skamp_nik_kk_is_valid(NULL) == 0);
  CHECK(skamp_nik_parse_as_of(&info, "3510014501900001", 2021, 2, 29) == SKAMP_EINVALID);
}

static void test_kk(void) {
  skamp_nik_info info;
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  CHECK(skamp_nik_kk_parse(&info, "3510011203150002") == SKAMP_OK);
  CHECK(info.birth_year == 2015 && info.birth_month == 3 && info.birth_day == 12);
  CHECK(info.sex == 0);
  CHECK(skamp_nik_kk_is_valid("3510011203150002") == 1);
  CHECK(skamp_nik_kk_is_valid("3510015203150002") == 0);
}

static void test_batch_and_mask(void) {
  const char* niks[] = {"3510014501900001", "3.51001E+15", NULL, "9910014501900001",
                        "3510010101900000"};
  int8_t reasons[5];
  char buf[17];
  CHECK(skamp_nik_validate_batch(reasons, niks, 5, 2020, 5, 1) == SKAMP_OK);
  CHECK(reasons[0] == SKAMP_NIK_VALID);
  CHECK(reasons[1] == SKAMP_NIK_SCIENTIFIC_NOTATION);
  CHECK(reasons[2] == SKAMP_NIK_LENGTH);
  CHECK(reasons[3] == SKAMP_NIK_PROVINCE);
  CHECK(reasons[4] == SKAMP_NIK_SERIAL);
  CHECK(skamp_nik_validate_batch(NULL, niks, 5, 0, 0, 0) == SKAMP_EINVALID);
  CHECK(skamp_nik_validate_batch(NULL, NULL, 0, 0, 0, 0) == SKAMP_OK);
  CHECK(skamp_nik_mask(buf, sizeof buf, "3510014501900001") == SKAMP_OK);
  CHECK(strcmp(buf, "3510********0001") == 0);
  CHECK(skamp_nik_mask(buf, 5, "3510014501900001") == SKAMP_EINVALID);
}

int main(void) {
  test_version();
  test_nik_parse();
  test_null_and_small_struct();
  test_kk();
  test_batch_and_mask();
#ifdef SKAMP_TEST_HAS_REGISTRY
  skamp_test_registry();
#endif
#ifdef SKAMP_TEST_HAS_LINKAGE
  skamp_test_linkage();
#endif
#ifdef SKAMP_TEST_HAS_RULES
  skamp_test_rules();
#endif
#ifdef SKAMP_TEST_HAS_GEO
  skamp_test_geo();
#endif
#ifdef SKAMP_TEST_HAS_CERT
  skamp_test_cert();
#endif
#ifdef SKAMP_TEST_HAS_ARROW
  skamp_test_arrow();
#endif
  printf("%d passed, %d failed\n", skamp_test_passed, skamp_test_failed);
  return skamp_test_failed == 0 ? 0 : 1;
}
