/* capi_bad_arguments: every exported C function called with bad arguments, one table
 * row per function (issue 16, "must show"). Each pointer argument NULL, each size 0/1/
 * SIZE_MAX, each count and index at its extremes, each string argument invalid UTF-8,
 * times and coordinates non-finite or out of range. Nothing may crash (this program also
 * runs under ASan+UBSan and valgrind); a call with an invalid argument must return a
 * failure status (not SKAMP_OK) and leave a message in skamp_last_error() that is not
 * empty, is valid UTF-8 and holds no run of 16 digits (a NIK or KK). Calls whose extreme
 * argument is valid (k = SIZE_MAX means "all", count 0 is an empty batch) may succeed;
 * when they fail, their message is held to the same rules.
 *
 * The program fails when a symbol of tests/abi/exported_c_symbols.txt has no row here
 * (or a row names a symbol that is not exported), so a new function needs its row.
 * Prints "N passed, M failed" and exits non-zero on any failure. */
#define SKAMP_ALLOW_DEPRECATED /* the deprecated names have rows too */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <smartkampung/smartkampung.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SKAMP_SOURCE_DIR
#error "SKAMP_SOURCE_DIR must name the source tree (tests/CMakeLists.txt defines it)"
#endif

static int passed = 0;
static int failed = 0;
static const char* current_row = "";
static int row_calls = 0;

static void report_failure(int line, const char* what, const char* detail) {
  ++failed;
  fprintf(stderr, "capi_bad_arguments.c:%d [%s] %s%s%s\n", line, current_row, what,
          detail ? ": " : "", detail ? detail : "");
}

static void check(int ok, int line, const char* what) {
  if (ok) {
    ++passed;
  } else {
    report_failure(line, what, NULL);
  }
}
#define CHECK(cond) check((cond) != 0, __LINE__, #cond)

/* ---- message rules ------------------------------------------------------------------- */

/* 1 when text is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
static int valid_utf8(const char* text) {
  const unsigned char* s = (const unsigned char*)text;
  while (*s != 0) {
    unsigned c = *s;
    int extra;
    unsigned min;
    unsigned cp;
    int i;
    if (c < 0x80) {
      ++s;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      min = 0x80;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      min = 0x800;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else {
      return 0;
    }
    for (i = 1; i <= extra; ++i) {
      if ((s[i] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    s += extra + 1;
  }
  return 1;
}

/* 1 when text holds 16 or more ASCII digits in a row. */
static int has_16_digit_run(const char* text) {
  int run = 0;
  for (; *text != '\0'; ++text) {
    run = (*text >= '0' && *text <= '9') ? run + 1 : 0;
    if (run >= 16) return 1;
  }
  return 0;
}

static void check_message(int line, const char* call) {
  const char* m = skamp_last_error();
  if (m == NULL) {
    report_failure(line, "skamp_last_error() is NULL after", call);
    return;
  }
  if (m[0] == '\0') {
    report_failure(line, "empty skamp_last_error() after", call);
  } else if (!valid_utf8(m)) {
    report_failure(line, "skamp_last_error() is not valid UTF-8 after", call);
  } else if (has_16_digit_run(m)) {
    report_failure(line, "skamp_last_error() holds a 16-digit run after", call);
    fprintf(stderr, "    message: %s\n", m);
  } else {
    ++passed;
  }
}

/* ---- outputs of calls that succeed unexpectedly, released after every case ------------ */

static char* out_s;
static int64_t* out_ids_alloc;
static double* out_dists_alloc;
static skamp_registry* out_reg;
static skamp_ruleset* out_rs;
static skamp_linker* out_linker;
static skamp_cert_registry* out_cert;
static skamp_facility_index* out_idx;

static struct ArrowArrayStream out_stream, out_stream2;

static void release_outputs(void) {
  if (out_stream.release != NULL) out_stream.release(&out_stream);
  if (out_stream2.release != NULL) out_stream2.release(&out_stream2);
  memset(&out_stream, 0, sizeof out_stream);
  memset(&out_stream2, 0, sizeof out_stream2);
  skamp_free(out_s);
  skamp_free(out_ids_alloc);
  skamp_free(out_dists_alloc);
  skamp_registry_free(out_reg);
  skamp_ruleset_free(out_rs);
  skamp_linkage_linker_free(out_linker);
  skamp_cert_registry_free(out_cert);
  skamp_geo_index_free(out_idx);
  out_s = NULL;
  out_ids_alloc = NULL;
  out_dists_alloc = NULL;
  out_reg = NULL;
  out_rs = NULL;
  out_linker = NULL;
  out_cert = NULL;
  out_idx = NULL;
}

/* The argument is invalid: the call must fail, with a clean message. */
static void expect_fail(skamp_status st, const char* call, int line) {
  ++row_calls;
  if (st == SKAMP_OK) {
    report_failure(line, "accepted (SKAMP_OK)", call);
  } else if (st > 0 || st < SKAMP_EINTERNAL) {
    report_failure(line, "returned a status outside skamp_status", call);
  } else if (st == SKAMP_EINTERNAL) {
    report_failure(line, "SKAMP_EINTERNAL (a bug) from", call);
    fprintf(stderr, "    message: %s\n", skamp_last_error());
  } else {
    ++passed;
    check_message(line, call);
  }
  release_outputs();
}

/* The argument is extreme but may be valid: any status, and a clean message on failure. */
static void expect_any(skamp_status st, const char* call, int line) {
  ++row_calls;
  if (st == SKAMP_EINTERNAL || st > 0 || st < SKAMP_EINTERNAL) {
    report_failure(line, "SKAMP_EINTERNAL or an unknown status from", call);
  } else {
    ++passed;
    if (st != SKAMP_OK) check_message(line, call);
  }
  release_outputs();
}

/* A function without a status (text, flags, free): it returned; `ok` checks its result. */
static void expect_returns(int ok, const char* call, int line) {
  ++row_calls;
  if (ok) {
    ++passed;
  } else {
    report_failure(line, "unexpected result from", call);
  }
  release_outputs();
}

#define FAIL(call) expect_fail((call), #call, __LINE__)
#define ANY(call) expect_any((call), #call, __LINE__)
#define RETURNS(cond) expect_returns((cond) != 0, #cond, __LINE__)

/* ---- shared values --------------------------------------------------------------------- */

static const char BAD_UTF8[] = "abc\xc3\x28\xff\xfe";
static const char BAD_JSON_UTF8[] = "[{\"name\": \"\xc3\"}]";
static const char NIK[] = "3510014501900001";
static const char MISSING_PATH[] = "/nonexistent-skamp-bad-arguments/dir/file";
static const char DIR_PATH[] = "/";
static const char DEVICE_PATH[] = "/dev/null";
static const char RECORDS[] =
    "[{\"nik\": \"3510014501900001\", \"name\": \"Siti Aminah\", \"birth_date\": \"1990-01-05\", "
    "\"sex\": \"F\"},"
    " {\"nik\": \"3510010101800001\", \"name\": \"Budi Santoso\", \"birth_date\": \"1980-01-01\", "
    "\"sex\": \"M\"}]";
static const char RECORD[] = "{\"nik\": \"3510014501900001\", \"name\": \"Siti Aminah\"}";

static skamp_registry* g_reg;
static skamp_ruleset* g_rs;
static skamp_facility_index* g_idx;
static skamp_linker* g_linker;
static skamp_cert_registry* g_cert;
static const int64_t g_business = 7;
static const int64_t g_t0 = 1588291200; /* 2020-05-01 00:00 UTC */

static double nan_value(void) { return strtod("nan", NULL); }
static double inf_value(void) { return strtod("inf", NULL); }

/* ---- common.h ---------------------------------------------------------------------------- */

static void bad_version(void) {
  const char* v = skamp_version();
  RETURNS(v != NULL && valid_utf8(v) && strcmp(v, SKAMP_VERSION_STRING) == 0);
}
static void bad_version_number(void) { RETURNS(skamp_version_number() == SKAMP_VERSION_NUMBER); }
static void bad_last_error(void) {
  skamp_status st = skamp_nik_parse(NULL, NIK);
  CHECK(st == SKAMP_EINVALID);
  RETURNS(skamp_last_error() != NULL && valid_utf8(skamp_last_error()) &&
          !has_16_digit_run(skamp_last_error()));
}
static void bad_status_str(void) {
  const int values[] = {INT_MIN, -10, 1, 100, INT_MAX};
  size_t i;
  for (i = 0; i < sizeof values / sizeof values[0]; ++i) {
    const char* s = skamp_status_str((skamp_status)values[i]);
    RETURNS(s != NULL && s[0] != '\0' && valid_utf8(s));
  }
}
static void bad_free(void) {
  skamp_free(NULL);
  RETURNS(1);
}

/* ---- nik.h ------------------------------------------------------------------------------- */

static skamp_nik_info info_of_size(size_t size) {
  skamp_nik_info info;
  memset(&info, 0, sizeof info);
  info.size = size;
  return info;
}

static void bad_nik_is_valid(void) {
  RETURNS(skamp_nik_is_valid(NULL) == 0);
  RETURNS(skamp_nik_is_valid(BAD_UTF8) == 0);
  RETURNS(skamp_nik_is_valid("") == 0);
}
static void bad_nik_kk_is_valid(void) {
  RETURNS(skamp_nik_kk_is_valid(NULL) == 0);
  RETURNS(skamp_nik_kk_is_valid(BAD_UTF8) == 0);
  RETURNS(skamp_nik_kk_is_valid("") == 0);
}
static void bad_nik_parse(void) {
  skamp_nik_info info = info_of_size(sizeof(skamp_nik_info));
  FAIL(skamp_nik_parse(NULL, NIK));
  FAIL(skamp_nik_parse(&info, NULL));
  FAIL(skamp_nik_parse(&info, BAD_UTF8));
  FAIL(skamp_nik_parse(&info, ""));
  info = info_of_size(0);
  FAIL(skamp_nik_parse(&info, NIK));
  info = info_of_size(1);
  FAIL(skamp_nik_parse(&info, NIK));
  info = info_of_size(SIZE_MAX); /* larger than the library's struct: only its fields are written */
  ANY(skamp_nik_parse(&info, NIK));
}
static void bad_nik_parse_as_of(void) {
  skamp_nik_info info = info_of_size(sizeof(skamp_nik_info));
  FAIL(skamp_nik_parse_as_of(NULL, NIK, 2020, 5, 1));
  FAIL(skamp_nik_parse_as_of(&info, NULL, 2020, 5, 1));
  FAIL(skamp_nik_parse_as_of(&info, BAD_UTF8, 2020, 5, 1));
  FAIL(skamp_nik_parse_as_of(&info, NIK, INT_MIN, 5, 1));
  FAIL(skamp_nik_parse_as_of(&info, NIK, INT_MAX, 5, 1));
  FAIL(skamp_nik_parse_as_of(&info, NIK, 10000, 5, 1));
  FAIL(skamp_nik_parse_as_of(&info, NIK, 2020, 0, 1));
  FAIL(skamp_nik_parse_as_of(&info, NIK, 2020, 13, 1));
  FAIL(skamp_nik_parse_as_of(&info, NIK, 2020, INT_MIN, 1));
  FAIL(skamp_nik_parse_as_of(&info, NIK, 2020, 5, 0));
  FAIL(skamp_nik_parse_as_of(&info, NIK, 2020, 5, 32));
  FAIL(skamp_nik_parse_as_of(&info, NIK, 2020, 5, INT_MAX));
  info = info_of_size(0);
  FAIL(skamp_nik_parse_as_of(&info, NIK, 2020, 5, 1));
}
static void bad_nik_kk_parse(void) {
  skamp_nik_info info = info_of_size(sizeof(skamp_nik_info));
  FAIL(skamp_nik_kk_parse(NULL, "3510011203150002"));
  FAIL(skamp_nik_kk_parse(&info, NULL));
  FAIL(skamp_nik_kk_parse(&info, BAD_UTF8));
  info = info_of_size(1);
  FAIL(skamp_nik_kk_parse(&info, "3510011203150002"));
}
static void bad_nik_validate_batch(void) {
  const char* niks[2];
  int8_t reasons[2];
  niks[0] = NIK;
  niks[1] = BAD_UTF8;
  FAIL(skamp_nik_validate_batch(NULL, niks, 2, 2020, 5, 1));
  FAIL(skamp_nik_validate_batch(reasons, NULL, 2, 2020, 5, 1));
  FAIL(skamp_nik_validate_batch(reasons, niks, SIZE_MAX, 2020, 5, 1));
  FAIL(skamp_nik_validate_batch(reasons, niks, SIZE_MAX / 2, 2020, 5, 1));
  FAIL(skamp_nik_validate_batch(reasons, niks, 2, INT_MIN, 5, 1));
  FAIL(skamp_nik_validate_batch(reasons, niks, 2, 2020, 13, 1));
  FAIL(skamp_nik_validate_batch(reasons, niks, 2, 2020, 5, INT_MAX));
  ANY(skamp_nik_validate_batch(NULL, NULL, 0, 2020, 5, 1)); /* an empty batch */
  ANY(skamp_nik_validate_batch(reasons, niks, 1, 2020, 5, 1));
  /* invalid UTF-8 in an entry is a rejected NIK, never a crash */
  ANY(skamp_nik_validate_batch(reasons, niks, 2, 0, 0, 0));
}
static void bad_nik_reason_str(void) {
  const int values[] = {INT_MIN, -1, 7, 100, INT_MAX};
  size_t i;
  for (i = 0; i < sizeof values / sizeof values[0]; ++i) {
    const char* s = skamp_nik_reason_str(values[i]);
    RETURNS(s != NULL && strcmp(s, "unknown") == 0);
  }
}
static void bad_nik_mask(void) {
  char buf[17];
  FAIL(skamp_nik_mask(NULL, sizeof buf, NIK));
  FAIL(skamp_nik_mask(buf, sizeof buf, NULL));
  FAIL(skamp_nik_mask(buf, sizeof buf, BAD_UTF8));
  FAIL(skamp_nik_mask(buf, 0, NIK));
  FAIL(skamp_nik_mask(buf, 1, NIK));
  FAIL(skamp_nik_mask(buf, 16, NIK));
  ANY(skamp_nik_mask(buf, SIZE_MAX, NIK)); /* only the 17 bytes are written */
  CHECK(strcmp(buf, "3510********0001") == 0);
}

/* ---- registry.h -------------------------------------------------------------------------- */

static void bad_registry_new(void) { FAIL(skamp_registry_new(NULL)); }
static void bad_registry_free(void) {
  skamp_registry_free(NULL);
  RETURNS(1);
}
static void bad_registry_add_csv(void) {
  const char* csv = SKAMP_SOURCE_DIR "/data/regions.csv";
  FAIL(skamp_registry_add_csv(&out_s, NULL, csv, "PKH", "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, NULL, "PKH", "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, BAD_UTF8, "PKH", "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, MISSING_PATH, "PKH", "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, DIR_PATH, "PKH", "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, DEVICE_PATH, "PKH", "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, csv, NULL, "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, csv, BAD_UTF8, "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, csv, "", "central"));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, csv, "PKH", NULL));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, csv, "PKH", BAD_UTF8));
  FAIL(skamp_registry_add_csv(&out_s, g_reg, csv, "PKH", "galactic"));
}
static void bad_registry_add_json(void) {
  FAIL(skamp_registry_add_json(&out_s, NULL, RECORDS, "PKH", "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, NULL, "PKH", "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, BAD_UTF8, "PKH", "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, BAD_JSON_UTF8, "PKH", "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, "[", "PKH", "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, "{}", "PKH", "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, RECORDS, NULL, "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, RECORDS, BAD_UTF8, "central"));
  FAIL(skamp_registry_add_json(&out_s, g_reg, RECORDS, "PKH", NULL));
  FAIL(skamp_registry_add_json(&out_s, g_reg, RECORDS, "PKH", BAD_UTF8));
}
static void bad_registry_set_exclusions_json(void) {
  FAIL(skamp_registry_set_exclusions_json(
      NULL, "{\"format\": \"skamp-conflicts/1\", \"conflicts\": []}"));
  FAIL(skamp_registry_set_exclusions_json(g_reg, NULL));
  FAIL(skamp_registry_set_exclusions_json(g_reg, BAD_UTF8));
  FAIL(skamp_registry_set_exclusions_json(
      g_reg,
      "{\"format\": \"skamp-conflicts/1\", \"conflicts\": "
      "[{\"a\": \"\xc3\", \"b\": \"BST\", \"scope\": \"kk\"}]}"));
  FAIL(skamp_registry_set_exclusions_json(g_reg, "{"));
}
static void bad_registry_dedup_json(void) {
  FAIL(skamp_registry_dedup_json(NULL, g_reg));
  FAIL(skamp_registry_dedup_json(&out_s, NULL));
}
static void bad_registry_programs_of_json(void) {
  FAIL(skamp_registry_programs_of_json(NULL, g_reg, NIK));
  FAIL(skamp_registry_programs_of_json(&out_s, NULL, NIK));
  FAIL(skamp_registry_programs_of_json(&out_s, g_reg, NULL));
  FAIL(skamp_registry_programs_of_json(&out_s, g_reg, BAD_UTF8));
  FAIL(skamp_registry_programs_of_json(&out_s, g_reg, "3510014501900001\xff"));
}
static void bad_registry_public_check_json(void) {
  FAIL(skamp_registry_public_check_json(NULL, g_reg, NIK));
  FAIL(skamp_registry_public_check_json(&out_s, NULL, NIK));
  FAIL(skamp_registry_public_check_json(&out_s, g_reg, NULL));
  FAIL(skamp_registry_public_check_json(&out_s, g_reg, BAD_UTF8));
  FAIL(skamp_registry_public_check_json(&out_s, g_reg,
                                        "\xc3"
                                        "510014501900001"));
}
static void bad_registry_report_json(void) {
  FAIL(skamp_registry_report_json(NULL, g_reg, RECORD, g_t0));
  FAIL(skamp_registry_report_json(&out_s, NULL, RECORD, g_t0));
  FAIL(skamp_registry_report_json(&out_s, g_reg, NULL, g_t0));
  FAIL(skamp_registry_report_json(&out_s, g_reg, BAD_UTF8, g_t0));
  FAIL(skamp_registry_report_json(&out_s, g_reg,
                                  "{\"nik\": \"3510014501900001\", \"name\": \"\xc3\"}", g_t0));
  FAIL(skamp_registry_report_json(&out_s, g_reg, "{", g_t0));
  FAIL(skamp_registry_report_json(&out_s, g_reg, RECORD, INT64_MIN));
  FAIL(skamp_registry_report_json(&out_s, g_reg, RECORD, INT64_MAX));
  FAIL(skamp_registry_report_json(&out_s, g_reg, RECORD, (int64_t)253402300800)); /* year 10000 */
}
static void bad_registry_save(void) {
  FAIL(skamp_registry_save(NULL, "/tmp/skamp-bad-arguments.skreg"));
  FAIL(skamp_registry_save(g_reg, NULL));
  FAIL(skamp_registry_save(g_reg, BAD_UTF8));
  FAIL(skamp_registry_save(g_reg, ""));
  FAIL(skamp_registry_save(g_reg, MISSING_PATH));
}
static void bad_registry_load(void) {
  FAIL(skamp_registry_load(NULL, SKAMP_SOURCE_DIR "/README.md"));
  FAIL(skamp_registry_load(&out_reg, NULL));
  FAIL(skamp_registry_load(&out_reg, BAD_UTF8));
  FAIL(skamp_registry_load(&out_reg, ""));
  FAIL(skamp_registry_load(&out_reg, MISSING_PATH));
  FAIL(skamp_registry_load(&out_reg, DIR_PATH));
  FAIL(skamp_registry_load(&out_reg, DEVICE_PATH));
  FAIL(skamp_registry_load(&out_reg, SKAMP_SOURCE_DIR "/README.md"));
}
static void bad_registry_save_signed(void) {
  FAIL(skamp_registry_save_signed(NULL, "/tmp/skamp-bad-arguments-signed.skreg", NULL));
  FAIL(skamp_registry_save_signed(g_reg, NULL, NULL));
  FAIL(skamp_registry_save_signed(g_reg, BAD_UTF8, NULL));
  FAIL(skamp_registry_save_signed(g_reg, "", NULL));
  FAIL(skamp_registry_save_signed(g_reg, "/tmp/skamp-bad-arguments-signed.skreg", BAD_UTF8));
  FAIL(skamp_registry_save_signed(g_reg, "/tmp/skamp-bad-arguments-signed.skreg", ""));
  FAIL(skamp_registry_save_signed(g_reg, "/tmp/skamp-bad-arguments-signed.skreg", MISSING_PATH));
  FAIL(skamp_registry_save_signed(g_reg, "/tmp/skamp-bad-arguments-signed.skreg",
                                  SKAMP_SOURCE_DIR "/README.md"));
}
static void bad_registry_load_verified(void) {
  const char* pubs[2] = {MISSING_PATH, BAD_UTF8};
  const char* null_pubs[1] = {NULL};
  const char* readme_pub[1] = {SKAMP_SOURCE_DIR "/README.md"};
  FAIL(skamp_registry_load_verified(NULL, MISSING_PATH, NULL, 0, 0));
  FAIL(skamp_registry_load_verified(&out_reg, NULL, NULL, 0, 0));
  FAIL(skamp_registry_load_verified(&out_reg, BAD_UTF8, NULL, 0, 0));
  FAIL(skamp_registry_load_verified(&out_reg, "", NULL, 0, 0));
  FAIL(skamp_registry_load_verified(&out_reg, MISSING_PATH, NULL, 0, 0));
  FAIL(skamp_registry_load_verified(&out_reg, DIR_PATH, NULL, 0, 0));
  FAIL(skamp_registry_load_verified(&out_reg, SKAMP_SOURCE_DIR "/README.md", NULL, 0, 0));
  FAIL(skamp_registry_load_verified(&out_reg, SKAMP_SOURCE_DIR "/README.md", NULL, 1, 0));
  FAIL(skamp_registry_load_verified(&out_reg, SKAMP_SOURCE_DIR "/README.md", null_pubs, 1, 1));
  FAIL(skamp_registry_load_verified(&out_reg, SKAMP_SOURCE_DIR "/README.md", pubs, 2, 1));
  FAIL(skamp_registry_load_verified(&out_reg, SKAMP_SOURCE_DIR "/README.md", readme_pub, 1, 1));
  FAIL(skamp_registry_load_verified(&out_reg, SKAMP_SOURCE_DIR "/README.md", pubs, SIZE_MAX, 0));
}

/* ---- rules.h ----------------------------------------------------------------------------- */

static const char SMALL_RULES[] =
    "{\"format\": \"skamp-rules/1\", \"ruleset\": \"t\", \"version\": \"1\", \"legal_basis\": [\"a "
    "test\"],"
    " \"valid\": {\"from\": \"2020-01-01\", \"to\": \"2030-12-31\"}, \"scope\": \"kk\","
    " \"inputs\": {\"kk.poor\": \"bool\"},"
    " \"rules\": [{\"id\": \"poor\", \"require\": \"kk.poor\","
    " \"reason\": {\"code\": \"P\", \"id\": \"miskin\", \"en\": \"poor\"}}]}";

static void bad_ruleset_new_json(void) {
  const size_t len = strlen(SMALL_RULES);
  FAIL(skamp_ruleset_new_json(NULL, SMALL_RULES, len, NULL));
  FAIL(skamp_ruleset_new_json(&out_rs, NULL, len, NULL));
  FAIL(skamp_ruleset_new_json(&out_rs, SMALL_RULES, 0, NULL));
  FAIL(skamp_ruleset_new_json(&out_rs, SMALL_RULES, 1, NULL));
  FAIL(skamp_ruleset_new_json(&out_rs, SMALL_RULES, SIZE_MAX, NULL));
  FAIL(skamp_ruleset_new_json(&out_rs, BAD_UTF8, strlen(BAD_UTF8), NULL));
  FAIL(skamp_ruleset_new_json(&out_rs, SMALL_RULES, len, BAD_UTF8));
  FAIL(skamp_ruleset_new_json(&out_rs, SMALL_RULES, len, "{"));
}
static void bad_ruleset_builtin(void) {
  FAIL(skamp_ruleset_builtin(NULL, "bst"));
  FAIL(skamp_ruleset_builtin(&out_rs, NULL));
  FAIL(skamp_ruleset_builtin(&out_rs, BAD_UTF8));
  FAIL(skamp_ruleset_builtin(&out_rs, ""));
  FAIL(skamp_ruleset_builtin(&out_rs, "no-such-rule-set"));
}
static void bad_ruleset_builtin_names(void) { FAIL(skamp_ruleset_builtin_names(NULL)); }
static void bad_ruleset_reload(void) {
  const size_t len = strlen(SMALL_RULES);
  FAIL(skamp_ruleset_reload(NULL, SMALL_RULES, len));
  FAIL(skamp_ruleset_reload(g_rs, NULL, len));
  FAIL(skamp_ruleset_reload(g_rs, SMALL_RULES, 0));
  FAIL(skamp_ruleset_reload(g_rs, SMALL_RULES, 1));
  FAIL(skamp_ruleset_reload(g_rs, SMALL_RULES, SIZE_MAX));
  FAIL(skamp_ruleset_reload(g_rs, BAD_UTF8, strlen(BAD_UTF8)));
}
static void bad_ruleset_free(void) {
  skamp_ruleset_free(NULL);
  RETURNS(1);
}
static void bad_ruleset_info_json(void) {
  FAIL(skamp_ruleset_info_json(NULL, g_rs));
  FAIL(skamp_ruleset_info_json(&out_s, NULL));
}
static void bad_ruleset_to_json(void) {
  FAIL(skamp_ruleset_to_json(NULL, g_rs));
  FAIL(skamp_ruleset_to_json(&out_s, NULL));
}
static void bad_ruleset_evaluate_json(void) {
  const char* rec = "{\"kk\": {}}";
  FAIL(skamp_ruleset_evaluate_json(NULL, g_rs, rec, 2020, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, NULL, rec, 2020, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, NULL, 2020, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, BAD_UTF8, 2020, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, "{\"kk\": {\"members\": [{\"nik\": \"\xc3\"}]}}",
                                   2020, 5, 1, 1));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, "{", 2020, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, INT_MIN, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, INT_MAX, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, 0, 5, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, 2020, 0, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, 2020, 13, 1, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, 2020, 5, 0, 0));
  FAIL(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, 2020, 2, 30, 0));
  ANY(skamp_ruleset_evaluate_json(&out_s, g_rs, rec, 2020, 5, 1,
                                  INT_MIN)); /* any nonzero explains */
}
static void bad_ruleset_evaluate_batch(void) {
  int8_t d[2];
  int64_t a[2];
  int32_t r[2];
  const char* two = "[{\"kk\": {}}, {\"kk\": {}}]";
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, NULL, two, 2, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, NULL, 2, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, BAD_UTF8, 2, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, "[", 2, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, two, 0, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, two, 1, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, two, 3, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, two, SIZE_MAX, 2020, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, two, 2, INT_MIN, 5, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, two, 2, 2020, INT_MAX, 1));
  FAIL(skamp_ruleset_evaluate_batch(d, a, r, g_rs, two, 2, 2020, 5, -1));
  ANY(skamp_ruleset_evaluate_batch(NULL, NULL, NULL, g_rs, two, 2, 2020, 5,
                                   1)); /* outputs optional */
  ANY(skamp_ruleset_evaluate_batch(NULL, NULL, NULL, g_rs, "[]", 0, 2020, 5, 1));
}
static void bad_ruleset_evaluate_batch_cancellable(void) {
  int8_t d[2];
  size_t done = 0;
  const int stop = 1;
  const char* two = "[{\"kk\": {}}, {\"kk\": {}}]";
  FAIL(skamp_ruleset_evaluate_batch_cancellable(NULL, d, NULL, NULL, g_rs, two, 2, 2020, 5, 1,
                                                NULL));
  FAIL(skamp_ruleset_evaluate_batch_cancellable(&done, d, NULL, NULL, NULL, two, 2, 2020, 5, 1,
                                                NULL));
  FAIL(skamp_ruleset_evaluate_batch_cancellable(&done, d, NULL, NULL, g_rs, NULL, 2, 2020, 5, 1,
                                                NULL));
  FAIL(skamp_ruleset_evaluate_batch_cancellable(&done, d, NULL, NULL, g_rs, BAD_UTF8, 2, 2020, 5, 1,
                                                NULL));
  FAIL(skamp_ruleset_evaluate_batch_cancellable(&done, d, NULL, NULL, g_rs, two, 0, 2020, 5, 1,
                                                NULL));
  FAIL(skamp_ruleset_evaluate_batch_cancellable(&done, d, NULL, NULL, g_rs, two, SIZE_MAX, 2020, 5,
                                                1, NULL));
  FAIL(skamp_ruleset_evaluate_batch_cancellable(&done, d, NULL, NULL, g_rs, two, 2, 2020, 5,
                                                INT_MIN, NULL));
  FAIL(skamp_ruleset_evaluate_batch_cancellable(&done, d, NULL, NULL, g_rs, two, 2, 2020, 5, 1,
                                                &stop));
  CHECK(done == 0 && d[0] == SKAMP_DECISION_ERROR);
}
static void bad_ruleset_reason_code(void) {
  const int32_t values[] = {INT32_MIN, -100, -1, 100000, INT32_MAX};
  size_t i;
  for (i = 0; i < sizeof values / sizeof values[0]; ++i) {
    const char* s = skamp_ruleset_reason_code(g_rs, values[i]);
    RETURNS(s != NULL && s[0] == '\0');
  }
  RETURNS(skamp_ruleset_reason_code(NULL, 0) != NULL &&
          skamp_ruleset_reason_code(NULL, 0)[0] == '\0');
}
static void bad_ruleset_run_tests_json(void) {
  FAIL(skamp_ruleset_run_tests_json(NULL, g_rs));
  FAIL(skamp_ruleset_run_tests_json(&out_s, NULL));
}

/* ---- linkage.h --------------------------------------------------------------------------- */

static void bad_linkage_normalize_name(void) {
  FAIL(skamp_linkage_normalize_name(NULL, "Siti"));
  FAIL(skamp_linkage_normalize_name(&out_s, NULL));
  FAIL(skamp_linkage_normalize_name(&out_s, BAD_UTF8));
}
static void bad_linkage_link_json(void) {
  FAIL(skamp_linkage_link_json(NULL, RECORDS, NULL, NULL, -1));
  FAIL(skamp_linkage_link_json(&out_s, NULL, NULL, NULL, -1));
  FAIL(skamp_linkage_link_json(&out_s, BAD_UTF8, NULL, NULL, -1));
  FAIL(skamp_linkage_link_json(&out_s, BAD_JSON_UTF8, NULL, NULL, -1));
  FAIL(skamp_linkage_link_json(&out_s, "[", NULL, NULL, -1));
  FAIL(skamp_linkage_link_json(&out_s, RECORDS, BAD_UTF8, NULL, -1));
  FAIL(skamp_linkage_link_json(&out_s, RECORDS, NULL, BAD_UTF8, -1));
  FAIL(skamp_linkage_link_json(&out_s, RECORDS, NULL, "{", -1));
  FAIL(skamp_linkage_link_json(&out_s, RECORDS, NULL, NULL, nan_value()));
  FAIL(skamp_linkage_link_json(&out_s, RECORDS, NULL, NULL, inf_value()));
  FAIL(skamp_linkage_link_json(&out_s, RECORDS, NULL, NULL, 1.5));
  FAIL(skamp_linkage_link_json(&out_s, RECORDS, NULL, NULL, DBL_MAX));
  ANY(skamp_linkage_link_json(&out_s, RECORDS, NULL, NULL,
                              -inf_value())); /* negative: the settings' */
  ANY(skamp_linkage_link_json(&out_s, "[]", NULL, NULL, -1));
}
static void bad_linkage_linker_new(void) {
  FAIL(skamp_linkage_linker_new(NULL, NULL));
  FAIL(skamp_linkage_linker_new(&out_linker, BAD_UTF8));
  FAIL(skamp_linkage_linker_new(&out_linker, "{"));
  FAIL(skamp_linkage_linker_new(&out_linker, "{\"threshold\": \"\xc3\"}"));
}
static void bad_linkage_linker_free(void) {
  skamp_linkage_linker_free(NULL);
  RETURNS(1);
}
static void bad_linkage_linker_save(void) {
  FAIL(skamp_linkage_linker_save(NULL, "/tmp/skamp-bad-arguments.sklink"));
  FAIL(skamp_linkage_linker_save(g_linker, NULL));
  FAIL(skamp_linkage_linker_save(g_linker, BAD_UTF8));
  FAIL(skamp_linkage_linker_save(g_linker, ""));
  FAIL(skamp_linkage_linker_save(g_linker, MISSING_PATH));
}
static void bad_linkage_linker_load(void) {
  FAIL(skamp_linkage_linker_load(NULL, SKAMP_SOURCE_DIR "/README.md"));
  FAIL(skamp_linkage_linker_load(&out_linker, NULL));
  FAIL(skamp_linkage_linker_load(&out_linker, BAD_UTF8));
  FAIL(skamp_linkage_linker_load(&out_linker, MISSING_PATH));
  FAIL(skamp_linkage_linker_load(&out_linker, DIR_PATH));
  FAIL(skamp_linkage_linker_load(&out_linker, DEVICE_PATH));
  FAIL(skamp_linkage_linker_load(&out_linker, SKAMP_SOURCE_DIR "/README.md"));
}
static void bad_linkage_linker_fit_json(void) {
  FAIL(skamp_linkage_linker_fit_json(NULL, RECORDS));
  FAIL(skamp_linkage_linker_fit_json(g_linker, NULL));
  FAIL(skamp_linkage_linker_fit_json(g_linker, BAD_UTF8));
  FAIL(skamp_linkage_linker_fit_json(g_linker, BAD_JSON_UTF8));
  FAIL(skamp_linkage_linker_fit_json(g_linker, "["));
  FAIL(skamp_linkage_linker_fit_json(g_linker, "{}"));
}
static void bad_linkage_linker_add_json(void) {
  FAIL(skamp_linkage_linker_add_json(NULL, g_linker, RECORD));
  FAIL(skamp_linkage_linker_add_json(&out_s, NULL, RECORD));
  FAIL(skamp_linkage_linker_add_json(&out_s, g_linker, NULL));
  FAIL(skamp_linkage_linker_add_json(&out_s, g_linker, BAD_UTF8));
  FAIL(skamp_linkage_linker_add_json(&out_s, g_linker, "{\"name\": \"\xc3\"}"));
  FAIL(skamp_linkage_linker_add_json(&out_s, g_linker, "["));
  FAIL(skamp_linkage_linker_add_json(&out_s, g_linker, "[]"));
}
static void bad_linkage_linker_remove(void) {
  FAIL(skamp_linkage_linker_remove(NULL, 0));
  FAIL(skamp_linkage_linker_remove(g_linker, SIZE_MAX));
  FAIL(skamp_linkage_linker_remove(g_linker, SIZE_MAX / 2));
  FAIL(skamp_linkage_linker_remove(g_linker, 1000000));
}
static void bad_linkage_linker_candidates_json(void) {
  FAIL(skamp_linkage_linker_candidates_json(NULL, g_linker, RECORD, 3));
  FAIL(skamp_linkage_linker_candidates_json(&out_s, NULL, RECORD, 3));
  FAIL(skamp_linkage_linker_candidates_json(&out_s, g_linker, NULL, 3));
  FAIL(skamp_linkage_linker_candidates_json(&out_s, g_linker, BAD_UTF8, 3));
  FAIL(skamp_linkage_linker_candidates_json(&out_s, g_linker, "[", 3));
  ANY(skamp_linkage_linker_candidates_json(&out_s, g_linker, RECORD, 0));
  ANY(skamp_linkage_linker_candidates_json(&out_s, g_linker, RECORD, 1));
  ANY(skamp_linkage_linker_candidates_json(&out_s, g_linker, RECORD, SIZE_MAX));
}
static void bad_linkage_linker_clusters_json(void) {
  FAIL(skamp_linkage_linker_clusters_json(NULL, g_linker));
  FAIL(skamp_linkage_linker_clusters_json(&out_s, NULL));
}
static void bad_linkage_linker_explain_json(void) {
  FAIL(skamp_linkage_linker_explain_json(NULL, g_linker, 0, 1));
  FAIL(skamp_linkage_linker_explain_json(&out_s, NULL, 0, 1));
  FAIL(skamp_linkage_linker_explain_json(&out_s, g_linker, SIZE_MAX, 0));
  FAIL(skamp_linkage_linker_explain_json(&out_s, g_linker, 0, SIZE_MAX));
  FAIL(skamp_linkage_linker_explain_json(&out_s, g_linker, SIZE_MAX, SIZE_MAX));
  FAIL(skamp_linkage_linker_explain_json(&out_s, g_linker, 1000000, 0));
}
static void bad_linkage_linker_settings_json(void) {
  FAIL(skamp_linkage_linker_settings_json(NULL, g_linker));
  FAIL(skamp_linkage_linker_settings_json(&out_s, NULL));
}

/* ---- geo.h ------------------------------------------------------------------------------- */

static skamp_facility facility(int64_t id) {
  skamp_facility f;
  memset(&f, 0, sizeof f);
  f.size = sizeof f;
  f.id = id;
  f.lat = -8.2;
  f.lon = 114.3;
  f.capacity = 4;
  f.occupied = 0;
  f.open = 1;
  return f;
}

static void bad_geo_index_new(void) {
  const int64_t ids[2] = {1, 2};
  const double lats[2] = {-8.2, -8.3};
  const double lons[2] = {114.3, 114.4};
  const int32_t cap[2] = {4, 4};
  const int32_t bad_occ[2] = {5, -1};
  const double bad_lats[2] = {0.0, 0.0};
  const char* kinds[2];
  kinds[0] = "rs";
  kinds[1] = BAD_UTF8;
  FAIL(skamp_geo_index_new(NULL, 2, ids, lats, lons, cap, NULL, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, 2, NULL, lats, lons, cap, NULL, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, 2, ids, NULL, lons, cap, NULL, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, 2, ids, lats, NULL, cap, NULL, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, 2, ids, lats, lons, NULL, NULL, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, SIZE_MAX, ids, lats, lons, cap, NULL, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, SIZE_MAX / 2, ids, lats, lons, cap, NULL, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, 2, ids, lats, lons, cap, bad_occ, NULL, NULL));
  FAIL(skamp_geo_index_new(&out_idx, 2, ids, lats, lons, cap, NULL, NULL, kinds));
  {
    double nan_lats[2];
    nan_lats[0] = nan_value();
    nan_lats[1] = bad_lats[1];
    FAIL(skamp_geo_index_new(&out_idx, 2, ids, nan_lats, lons, cap, NULL, NULL, NULL));
  }
  ANY(skamp_geo_index_new(&out_idx, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  ANY(skamp_geo_index_new(&out_idx, 1, ids, lats, lons, cap, NULL, NULL, NULL));
}
static void bad_geo_index_new_csv(void) {
  FAIL(skamp_geo_index_new_csv(NULL, SKAMP_SOURCE_DIR "/README.md"));
  FAIL(skamp_geo_index_new_csv(&out_idx, NULL));
  FAIL(skamp_geo_index_new_csv(&out_idx, BAD_UTF8));
  FAIL(skamp_geo_index_new_csv(&out_idx, MISSING_PATH));
  FAIL(skamp_geo_index_new_csv(&out_idx, DIR_PATH));
  FAIL(skamp_geo_index_new_csv(&out_idx, DEVICE_PATH));
  FAIL(skamp_geo_index_new_csv(&out_idx, SKAMP_SOURCE_DIR "/README.md"));
}
static void bad_geo_index_new_json_file(void) {
  FAIL(skamp_geo_index_new_json_file(NULL, SKAMP_SOURCE_DIR "/README.md"));
  FAIL(skamp_geo_index_new_json_file(&out_idx, NULL));
  FAIL(skamp_geo_index_new_json_file(&out_idx, BAD_UTF8));
  FAIL(skamp_geo_index_new_json_file(&out_idx, MISSING_PATH));
  FAIL(skamp_geo_index_new_json_file(&out_idx, DIR_PATH));
  FAIL(skamp_geo_index_new_json_file(&out_idx, DEVICE_PATH));
  FAIL(skamp_geo_index_new_json_file(&out_idx, SKAMP_SOURCE_DIR "/README.md"));
}
static void bad_geo_index_free(void) {
  skamp_geo_index_free(NULL);
  RETURNS(1);
}
static void bad_geo_index_size(void) {
  size_t n = 0;
  FAIL(skamp_geo_index_size(NULL, g_idx));
  FAIL(skamp_geo_index_size(&n, NULL));
}
static void bad_facility_struct(skamp_status (*fn)(skamp_facility_index*, const skamp_facility*),
                                int64_t id) {
  skamp_facility f = facility(id);
  FAIL(fn(NULL, &f));
  FAIL(fn(g_idx, NULL));
  f.size = 0;
  FAIL(fn(g_idx, &f));
  f.size = 1;
  FAIL(fn(g_idx, &f));
  f = facility(-1);
  FAIL(fn(g_idx, &f));
  f = facility(INT64_MIN);
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.lat = nan_value();
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.lon = inf_value();
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.lat = 90.5;
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.capacity = INT32_MIN;
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.capacity = -1;
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.occupied = INT32_MAX;
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.occupied = -1;
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.kind = BAD_UTF8;
  FAIL(fn(g_idx, &f));
  f = facility(id);
  f.name = BAD_UTF8;
  FAIL(fn(g_idx, &f));
}
static void bad_geo_index_add(void) {
  skamp_facility dup = facility(1); /* already in the index */
  bad_facility_struct(skamp_geo_index_add, 100);
  FAIL(skamp_geo_index_add(g_idx, &dup));
}
static void bad_geo_index_update(void) {
  skamp_facility unknown = facility(INT64_MAX);
  bad_facility_struct(skamp_geo_index_update, 1);
  FAIL(skamp_geo_index_update(g_idx, &unknown));
}
static void bad_geo_index_remove(void) {
  FAIL(skamp_geo_index_remove(NULL, 1));
  FAIL(skamp_geo_index_remove(g_idx, -1));
  FAIL(skamp_geo_index_remove(g_idx, INT64_MIN));
  FAIL(skamp_geo_index_remove(g_idx, INT64_MAX));
}

static skamp_facility_filter filter_of_size(size_t size) {
  skamp_facility_filter f;
  memset(&f, 0, sizeof f);
  f.size = size;
  return f;
}

static void bad_geo_index_nearest(void) {
  size_t count = 0;
  int64_t ids[8];
  double dists[8];
  skamp_facility_filter f = filter_of_size(sizeof(skamp_facility_filter));
  FAIL(skamp_geo_index_nearest(NULL, ids, dists, g_idx, -8.2, 114.3, 2, NULL));
  FAIL(skamp_geo_index_nearest(&count, NULL, dists, g_idx, -8.2, 114.3, 2, NULL));
  FAIL(skamp_geo_index_nearest(&count, ids, NULL, g_idx, -8.2, 114.3, 2, NULL));
  FAIL(skamp_geo_index_nearest(&count, ids, dists, NULL, -8.2, 114.3, 2, NULL));
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, nan_value(), 114.3, 2, NULL));
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, inf_value(), 2, NULL));
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -91, 114.3, 2, NULL));
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 181, 2, NULL));
  f.size = 0;
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, 2, &f));
  f = filter_of_size(1);
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, 2, &f));
  f = filter_of_size(sizeof f);
  f.kind = BAD_UTF8;
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, 2, &f));
  f = filter_of_size(sizeof f);
  f.min_free = -1;
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, 2, &f));
  f.min_free = INT32_MIN;
  FAIL(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, 2, &f));
  f = filter_of_size(SIZE_MAX); /* a caller newer than the library: only known fields read */
  ANY(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, 2, &f));
  ANY(skamp_geo_index_nearest(&count, NULL, NULL, g_idx, -8.2, 114.3, 0, NULL));
  ANY(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, 1, NULL));
  ANY(skamp_geo_index_nearest(&count, ids, dists, g_idx, -8.2, 114.3, SIZE_MAX, NULL));
}
static void bad_geo_index_nearest_batch(void) {
  int64_t ids[16];
  double dists[16];
  const double lats[2] = {-8.2, -8.3};
  const double lons[2] = {114.3, 114.4};
  double nan_lats[2];
  skamp_facility_filter f = filter_of_size(0);
  nan_lats[0] = nan_value();
  nan_lats[1] = -8.3;
  FAIL(skamp_geo_index_nearest_batch(NULL, dists, g_idx, 2, lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, NULL, g_idx, 2, lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, dists, NULL, 2, lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, dists, g_idx, 2, NULL, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, dists, g_idx, 2, lats, NULL, 2, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, dists, g_idx, SIZE_MAX, lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, dists, g_idx, SIZE_MAX / 2, lats, lons, SIZE_MAX, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, dists, g_idx, 2, nan_lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_batch(ids, dists, g_idx, 2, lats, lons, 2, &f));
  ANY(skamp_geo_index_nearest_batch(NULL, NULL, g_idx, 0, NULL, NULL, 2, NULL));
  ANY(skamp_geo_index_nearest_batch(ids, dists, g_idx, 2, lats, lons, 0, NULL));
  ANY(skamp_geo_index_nearest_batch(ids, dists, g_idx, 2, lats, lons, SIZE_MAX, NULL));
  ANY(skamp_geo_index_nearest_batch(ids, dists, g_idx, 1, lats, lons, 1, NULL));
}
static void bad_geo_index_within(void) {
  size_t count = 0;
  skamp_facility_filter f = filter_of_size(1);
  FAIL(skamp_geo_index_within(NULL, &out_dists_alloc, &count, g_idx, -8.2, 114.3, 1000, NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, NULL, &count, g_idx, -8.2, 114.3, 1000, NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, NULL, g_idx, -8.2, 114.3, 1000,
                              NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, NULL, -8.2, 114.3, 1000,
                              NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, nan_value(), 114.3,
                              1000, NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 200, 1000,
                              NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 114.3,
                              nan_value(), NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 114.3, -1,
                              NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 114.3,
                              -inf_value(), NULL));
  FAIL(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 114.3, 1000,
                              &f));
  ANY(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 114.3,
                             inf_value(), NULL));
  ANY(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 114.3, DBL_MAX,
                             NULL));
  ANY(skamp_geo_index_within(&out_ids_alloc, &out_dists_alloc, &count, g_idx, -8.2, 114.3, 0,
                             NULL));
}
static void bad_geo_index_reserve(void) {
  int got = 0;
  FAIL(skamp_geo_index_reserve(NULL, g_idx, 1, 1));
  FAIL(skamp_geo_index_reserve(&got, NULL, 1, 1));
  FAIL(skamp_geo_index_reserve(&got, g_idx, INT64_MIN, 1));
  FAIL(skamp_geo_index_reserve(&got, g_idx, INT64_MAX, 1));
  FAIL(skamp_geo_index_reserve(&got, g_idx, 1, 0));
  FAIL(skamp_geo_index_reserve(&got, g_idx, 1, -1));
  FAIL(skamp_geo_index_reserve(&got, g_idx, 1, INT32_MIN));
  ANY(skamp_geo_index_reserve(&got, g_idx, 1, INT32_MAX)); /* not free: *out 0 */
  CHECK(got == 0);
}
static void bad_geo_index_release(void) {
  FAIL(skamp_geo_index_release(NULL, 1, 1));
  FAIL(skamp_geo_index_release(g_idx, INT64_MIN, 1));
  FAIL(skamp_geo_index_release(g_idx, INT64_MAX, 1));
  FAIL(skamp_geo_index_release(g_idx, 1, 0));
  FAIL(skamp_geo_index_release(g_idx, 1, -1));
  FAIL(skamp_geo_index_release(g_idx, 1, INT32_MIN));
  FAIL(skamp_geo_index_release(g_idx, 1, INT32_MAX));
}
static void bad_geo_index_free_beds(void) {
  int32_t beds = 0;
  FAIL(skamp_geo_index_free_beds(NULL, g_idx, 1));
  FAIL(skamp_geo_index_free_beds(&beds, NULL, 1));
  FAIL(skamp_geo_index_free_beds(&beds, g_idx, INT64_MIN));
  FAIL(skamp_geo_index_free_beds(&beds, g_idx, INT64_MAX));
}
static void bad_geo_index_nearest_reserve(void) {
  int64_t id = 0;
  double dist = 0;
  skamp_facility_filter f = filter_of_size(0);
  FAIL(skamp_geo_index_nearest_reserve(NULL, &dist, g_idx, -8.2, 114.3, 1, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, NULL, g_idx, -8.2, 114.3, 1, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, &dist, NULL, -8.2, 114.3, 1, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, &dist, g_idx, nan_value(), 114.3, 1, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, &dist, g_idx, -8.2, -inf_value(), 1, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, &dist, g_idx, -8.2, 114.3, 0, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, &dist, g_idx, -8.2, 114.3, -1, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, &dist, g_idx, -8.2, 114.3, INT32_MIN, NULL));
  FAIL(skamp_geo_index_nearest_reserve(&id, &dist, g_idx, -8.2, 114.3, 1, &f));
  ANY(skamp_geo_index_nearest_reserve(&id, &dist, g_idx, -8.2, 114.3, INT32_MAX, NULL));
  CHECK(id == -1);
}
static void bad_geo_index_assign(void) {
  int64_t houses[2];
  const double lats[2] = {-8.2, -8.3};
  const double lons[2] = {114.3, 114.4};
  double nan_lons[2];
  nan_lons[0] = 114.3;
  nan_lons[1] = nan_value();
  FAIL(skamp_geo_index_assign(houses, NULL, NULL, NULL, 2, lats, lons, SKAMP_ASSIGN_GREEDY, 2, 0));
  FAIL(skamp_geo_index_assign(NULL, NULL, NULL, g_idx, 2, lats, lons, SKAMP_ASSIGN_GREEDY, 2, 0));
  FAIL(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, NULL, lons, SKAMP_ASSIGN_GREEDY, 2, 0));
  FAIL(
      skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, NULL, SKAMP_ASSIGN_OPTIMAL, 2, 0));
  FAIL(skamp_geo_index_assign(houses, NULL, NULL, g_idx, SIZE_MAX, lats, lons, SKAMP_ASSIGN_GREEDY,
                              2, 0));
  FAIL(skamp_geo_index_assign(houses, NULL, NULL, g_idx, SIZE_MAX, lats, lons, SKAMP_ASSIGN_OPTIMAL,
                              2, 0));
  FAIL(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, nan_lons, SKAMP_ASSIGN_GREEDY, 2,
                              0));
  FAIL(
      skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, lons, (skamp_assign_mode)2, 2, 0));
  FAIL(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, lons, (skamp_assign_mode)-1, 2,
                              0));
  FAIL(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, lons, (skamp_assign_mode)INT_MAX,
                              2, 0));
  ANY(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, lons, SKAMP_ASSIGN_OPTIMAL,
                             SIZE_MAX, 0));
  ANY(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, lons, SKAMP_ASSIGN_OPTIMAL, 0, 0));
  ANY(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 2, lats, lons, SKAMP_ASSIGN_OPTIMAL, 1, 0));
  ANY(skamp_geo_index_assign(NULL, NULL, NULL, g_idx, 0, NULL, NULL, SKAMP_ASSIGN_GREEDY, 0, 0));
  ANY(skamp_geo_index_assign(houses, NULL, NULL, g_idx, 1, lats, lons, SKAMP_ASSIGN_GREEDY, 1,
                             INT_MIN));
}
static void bad_geo_distance(void) {
  double d = 0;
  FAIL(skamp_geo_distance(NULL, 0, 0, 1, 1));
  FAIL(skamp_geo_distance(&d, nan_value(), 0, 1, 1));
  FAIL(skamp_geo_distance(&d, 0, inf_value(), 1, 1));
  FAIL(skamp_geo_distance(&d, 0, 0, -inf_value(), 1));
  FAIL(skamp_geo_distance(&d, 0, 0, 1, nan_value()));
  FAIL(skamp_geo_distance(&d, 90.000001, 0, 1, 1));
  FAIL(skamp_geo_distance(&d, 0, -180.5, 1, 1));
  FAIL(skamp_geo_distance(&d, DBL_MAX, 0, 1, 1));
  ANY(skamp_geo_distance(&d, 90, 180, -90, -180));
}

/* ---- cert.h ------------------------------------------------------------------------------ */

static const int64_t BAD_TIMES[] = {INT64_MAX, (int64_t)253402300800 /* year 10000 */,
                                    INT64_MIN + 1, (int64_t)-62135596801 /* before year 1 */};
#define N_BAD_TIMES (sizeof BAD_TIMES / sizeof BAD_TIMES[0])

static void bad_cert_registry_new(void) {
  FAIL(skamp_cert_registry_new(NULL, NULL, 420));
  FAIL(skamp_cert_registry_new(&out_cert, BAD_UTF8, 420));
  FAIL(skamp_cert_registry_new(&out_cert, "{", 420));
  FAIL(skamp_cert_registry_new(&out_cert, "{\"name\": \"\xc3\"}", 420));
  FAIL(skamp_cert_registry_new(&out_cert, NULL, INT_MIN));
  FAIL(skamp_cert_registry_new(&out_cert, NULL, INT_MAX));
  FAIL(skamp_cert_registry_new(&out_cert, NULL, -1));
  FAIL(skamp_cert_registry_new(&out_cert, NULL, 421));
}
static void bad_cert_registry_free(void) {
  skamp_cert_registry_free(NULL);
  RETURNS(1);
}
static void bad_cert_registry_load(void) {
  FAIL(skamp_cert_registry_load(NULL, SKAMP_SOURCE_DIR "/README.md"));
  FAIL(skamp_cert_registry_load(&out_cert, NULL));
  FAIL(skamp_cert_registry_load(&out_cert, BAD_UTF8));
  FAIL(skamp_cert_registry_load(&out_cert, MISSING_PATH));
  FAIL(skamp_cert_registry_load(&out_cert, DIR_PATH));
  FAIL(skamp_cert_registry_load(&out_cert, DEVICE_PATH));
  FAIL(skamp_cert_registry_load(&out_cert, SKAMP_SOURCE_DIR "/README.md"));
}
static void bad_cert_registry_save(void) {
  FAIL(skamp_cert_registry_save(NULL, "/tmp/skamp-bad-arguments.jsonl"));
  FAIL(skamp_cert_registry_save(g_cert, NULL));
  FAIL(skamp_cert_registry_save(g_cert, BAD_UTF8));
  FAIL(skamp_cert_registry_save(g_cert, ""));
  FAIL(skamp_cert_registry_save(g_cert, MISSING_PATH));
}
static void bad_cert_generate_key(void) {
  FAIL(skamp_cert_generate_key(NULL));
  FAIL(skamp_cert_generate_key(BAD_UTF8));
  FAIL(skamp_cert_generate_key(""));
  FAIL(skamp_cert_generate_key(MISSING_PATH));
}
static void bad_cert_registry_save_signed(void) {
  FAIL(skamp_cert_registry_save_signed(NULL, "/tmp/skamp-bad-arguments-signed.jsonl", NULL));
  FAIL(skamp_cert_registry_save_signed(g_cert, NULL, NULL));
  FAIL(skamp_cert_registry_save_signed(g_cert, BAD_UTF8, NULL));
  FAIL(skamp_cert_registry_save_signed(g_cert, "/tmp/skamp-bad-arguments-signed.jsonl", BAD_UTF8));
  FAIL(skamp_cert_registry_save_signed(g_cert, "/tmp/skamp-bad-arguments-signed.jsonl",
                                       MISSING_PATH));
  FAIL(skamp_cert_registry_save_signed(g_cert, "/tmp/skamp-bad-arguments-signed.jsonl",
                                       SKAMP_SOURCE_DIR "/README.md"));
}
static void bad_cert_registry_load_verified(void) {
  skamp_cert_registry* out_cert = NULL;
  const char* pubs[2] = {MISSING_PATH, BAD_UTF8};
  const char* null_pubs[1] = {NULL};
  FAIL(skamp_cert_registry_load_verified(NULL, MISSING_PATH, NULL, 0, 0));
  FAIL(skamp_cert_registry_load_verified(&out_cert, NULL, NULL, 0, 0));
  FAIL(skamp_cert_registry_load_verified(&out_cert, BAD_UTF8, NULL, 0, 0));
  FAIL(skamp_cert_registry_load_verified(&out_cert, MISSING_PATH, NULL, 0, 0));
  FAIL(skamp_cert_registry_load_verified(&out_cert, SKAMP_SOURCE_DIR "/README.md", NULL, 1, 0));
  FAIL(
      skamp_cert_registry_load_verified(&out_cert, SKAMP_SOURCE_DIR "/README.md", null_pubs, 1, 0));
  FAIL(skamp_cert_registry_load_verified(&out_cert, SKAMP_SOURCE_DIR "/README.md", pubs, 2, 0));
  FAIL(skamp_cert_registry_load_verified(&out_cert, SKAMP_SOURCE_DIR "/README.md", pubs, SIZE_MAX,
                                         0));
}
static void bad_cert_sticker(void) {
  char* out = NULL;
  FAIL(skamp_cert_sticker(NULL, g_cert, 1, g_t0, MISSING_PATH));
  FAIL(skamp_cert_sticker(&out, NULL, 1, g_t0, MISSING_PATH));
  FAIL(skamp_cert_sticker(&out, g_cert, -1, g_t0, MISSING_PATH));
  FAIL(skamp_cert_sticker(&out, g_cert, INT64_MIN, g_t0, MISSING_PATH));
  FAIL(skamp_cert_sticker(&out, g_cert, 1, g_t0, NULL));
  FAIL(skamp_cert_sticker(&out, g_cert, 1, g_t0, BAD_UTF8));
  FAIL(skamp_cert_sticker(&out, g_cert, 1, INT64_MIN, MISSING_PATH));
}
static void bad_cert_status_list(void) {
  char* out = NULL;
  FAIL(skamp_cert_status_list(NULL, g_cert, g_t0, MISSING_PATH));
  FAIL(skamp_cert_status_list(&out, NULL, g_t0, MISSING_PATH));
  FAIL(skamp_cert_status_list(&out, g_cert, g_t0, NULL));
  FAIL(skamp_cert_status_list(&out, g_cert, g_t0, BAD_UTF8));
  FAIL(skamp_cert_status_list(&out, g_cert, INT64_MIN, MISSING_PATH));
}
static void bad_cert_verify_json(void) {
  char* out = NULL;
  const char* pubs[1] = {MISSING_PATH};
  const char* null_pubs[1] = {NULL};
  FAIL(skamp_cert_verify_json(NULL, "SKC1:AAAA", pubs, 1, NULL, g_t0));
  FAIL(skamp_cert_verify_json(&out, NULL, pubs, 1, NULL, g_t0));
  FAIL(skamp_cert_verify_json(&out, BAD_UTF8, pubs, 1, NULL, g_t0));
  FAIL(skamp_cert_verify_json(&out, "SKC1:AAAA", NULL, 1, NULL, g_t0));
  FAIL(skamp_cert_verify_json(&out, "SKC1:AAAA", null_pubs, 1, NULL, g_t0));
  FAIL(skamp_cert_verify_json(&out, "SKC1:AAAA", pubs, 1, NULL, g_t0));
  FAIL(skamp_cert_verify_json(&out, "SKC1:AAAA", pubs, SIZE_MAX, NULL, g_t0));
  FAIL(skamp_cert_verify_json(&out, "SKC1:AAAA", pubs, 1, BAD_UTF8, g_t0));
  FAIL(skamp_cert_verify_json(&out, "SKC1:AAAA", pubs, 1, NULL, INT64_MIN));
}
static void bad_cert_add_business(void) {
  size_t i;
  FAIL(skamp_cert_add_business(NULL, 8, "Warung", "restaurant", -8.2, 114.3, 20, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, g_business, "Warung", "restaurant", -8.2, 114.3, 20, NULL,
                               g_t0));
  FAIL(skamp_cert_add_business(g_cert, -1, "Warung", "restaurant", -8.2, 114.3, 20, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, INT64_MIN, "Warung", "restaurant", -8.2, 114.3, 20, NULL,
                               g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, NULL, "restaurant", -8.2, 114.3, 20, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, BAD_UTF8, "restaurant", -8.2, 114.3, 20, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", NULL, -8.2, 114.3, 20, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", BAD_UTF8, -8.2, 114.3, 20, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", "restaurant", nan_value(), 114.3, 20, NULL,
                               g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", "restaurant", -8.2, inf_value(), 20, NULL,
                               g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", "restaurant", 91, 114.3, 20, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", "restaurant", -8.2, 114.3, -1, NULL, g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", "restaurant", -8.2, 114.3, INT32_MIN, NULL,
                               g_t0));
  FAIL(skamp_cert_add_business(g_cert, 8, "Warung", "restaurant", -8.2, 114.3, 20, BAD_UTF8, g_t0));
  for (i = 0; i < N_BAD_TIMES; ++i) {
    FAIL(skamp_cert_add_business(g_cert, 8, "Warung", "restaurant", -8.2, 114.3, 20, NULL,
                                 BAD_TIMES[i]));
  }
}

/* Calls taking (reg, id, at[, text]): NULL handle, unknown ids, bad times. */
#define BAD_ID_AND_TIME(call_with_reg_id_at)  \
  do {                                        \
    size_t bt_;                               \
    skamp_cert_registry* R_ = NULL;           \
    int64_t I_ = g_business, T_ = g_t0;       \
    FAIL(call_with_reg_id_at);                \
    R_ = g_cert;                              \
    I_ = -1;                                  \
    FAIL(call_with_reg_id_at);                \
    I_ = INT64_MIN;                           \
    FAIL(call_with_reg_id_at);                \
    I_ = INT64_MAX;                           \
    FAIL(call_with_reg_id_at);                \
    I_ = g_business;                          \
    for (bt_ = 0; bt_ < N_BAD_TIMES; ++bt_) { \
      T_ = BAD_TIMES[bt_];                    \
      FAIL(call_with_reg_id_at);              \
    }                                         \
    (void)T_;                                 \
  } while (0)

static void bad_cert_apply(void) { BAD_ID_AND_TIME(skamp_cert_apply(R_, I_, T_)); }
static void bad_cert_audit(void) {
  BAD_ID_AND_TIME(skamp_cert_audit(R_, I_, T_, 1, NULL));
  FAIL(skamp_cert_audit(g_cert, g_business, g_t0 + 10, 1, BAD_UTF8));
}
static void bad_cert_issue(void) {
  int64_t serial = 0;
  BAD_ID_AND_TIME(skamp_cert_issue(&serial, R_, I_, T_));
}
static void bad_cert_evaluate(void) {
  BAD_ID_AND_TIME(skamp_cert_evaluate(R_, I_, T_, 1, NULL));
  FAIL(skamp_cert_evaluate(g_cert, g_business, g_t0 + 10, 1, BAD_UTF8));
}
static void bad_cert_report_violation(void) {
  BAD_ID_AND_TIME(skamp_cert_report_violation(R_, I_, T_, "no masks"));
  FAIL(skamp_cert_report_violation(g_cert, g_business, g_t0 + 10, NULL));
  FAIL(skamp_cert_report_violation(g_cert, g_business, g_t0 + 10, BAD_UTF8));
}
static void bad_cert_suspend(void) {
  BAD_ID_AND_TIME(skamp_cert_suspend(R_, I_, T_, "no masks"));
  FAIL(skamp_cert_suspend(g_cert, g_business, g_t0 + 10, NULL));
  FAIL(skamp_cert_suspend(g_cert, g_business, g_t0 + 10, BAD_UTF8));
}
static void bad_cert_reinstate(void) { BAD_ID_AND_TIME(skamp_cert_reinstate(R_, I_, T_)); }
static void bad_cert_revoke(void) {
  BAD_ID_AND_TIME(skamp_cert_revoke(R_, I_, T_, "fraud", SKAMP_CERT_NO_TIME));
  FAIL(skamp_cert_revoke(g_cert, g_business, g_t0 + 10, NULL, SKAMP_CERT_NO_TIME));
  FAIL(skamp_cert_revoke(g_cert, g_business, g_t0 + 10, BAD_UTF8, SKAMP_CERT_NO_TIME));
  FAIL(skamp_cert_revoke(g_cert, g_business, g_t0 + 10, "fraud", INT64_MAX));
  FAIL(skamp_cert_revoke(g_cert, g_business, g_t0 + 10, "fraud", INT64_MIN + 1));
}
static void bad_cert_renew(void) {
  int64_t serial = 0;
  BAD_ID_AND_TIME(skamp_cert_renew(&serial, R_, I_, T_));
}
static void bad_cert_withdraw(void) {
  BAD_ID_AND_TIME(skamp_cert_withdraw(R_, I_, T_, NULL));
  FAIL(skamp_cert_withdraw(g_cert, g_business, g_t0 + 10, BAD_UTF8));
}
static void bad_cert_status_at(void) {
  skamp_cert_status st;
  FAIL(skamp_cert_status_at(NULL, g_cert, g_business, g_t0));
  BAD_ID_AND_TIME(skamp_cert_status_at(&st, R_, I_, T_));
}
static void bad_cert_status_str(void) {
  const int values[] = {INT_MIN, -1, 9, 100, INT_MAX};
  size_t i;
  for (i = 0; i < sizeof values / sizeof values[0]; ++i) {
    const char* s = skamp_cert_status_str(values[i]);
    RETURNS(s != NULL && strcmp(s, "unknown") == 0);
  }
}
static void bad_cert_max_visitors(void) {
  int32_t n = 0;
  FAIL(skamp_cert_max_visitors(NULL, g_cert, g_business, g_t0));
  BAD_ID_AND_TIME(skamp_cert_max_visitors(&n, R_, I_, T_));
}
static void bad_cert_check_in(void) {
  int admitted = 0;
  FAIL(skamp_cert_check_in(NULL, g_cert, g_business, g_t0, 1));
  BAD_ID_AND_TIME(skamp_cert_check_in(&admitted, R_, I_, T_, 1));
  FAIL(skamp_cert_check_in(&admitted, g_cert, g_business, g_t0, 0));
  FAIL(skamp_cert_check_in(&admitted, g_cert, g_business, g_t0, -1));
  FAIL(skamp_cert_check_in(&admitted, g_cert, g_business, g_t0, INT32_MIN));
  ANY(skamp_cert_check_in(&admitted, g_cert, g_business, g_t0, INT32_MAX));
  CHECK(admitted == 0);
}
static void bad_cert_check_out(void) {
  BAD_ID_AND_TIME(skamp_cert_check_out(R_, I_, T_, 1));
  FAIL(skamp_cert_check_out(g_cert, g_business, g_t0, 0));
  FAIL(skamp_cert_check_out(g_cert, g_business, g_t0, -1));
  FAIL(skamp_cert_check_out(g_cert, g_business, g_t0, INT32_MIN));
  ANY(skamp_cert_check_out(g_cert, g_business, g_t0, INT32_MAX));
}
static void bad_cert_occupancy(void) {
  int32_t n = 0;
  FAIL(skamp_cert_occupancy(NULL, g_cert, g_business));
  FAIL(skamp_cert_occupancy(&n, NULL, g_business));
  FAIL(skamp_cert_occupancy(&n, g_cert, -1));
  FAIL(skamp_cert_occupancy(&n, g_cert, INT64_MIN));
  FAIL(skamp_cert_occupancy(&n, g_cert, INT64_MAX));
}
static void bad_cert_certified_near_json(void) {
  size_t i;
  FAIL(skamp_cert_certified_near_json(NULL, g_cert, -8.2, 114.3, 1000, g_t0, NULL));
  FAIL(skamp_cert_certified_near_json(&out_s, NULL, -8.2, 114.3, 1000, g_t0, NULL));
  FAIL(skamp_cert_certified_near_json(&out_s, g_cert, nan_value(), 114.3, 1000, g_t0, NULL));
  FAIL(skamp_cert_certified_near_json(&out_s, g_cert, -8.2, inf_value(), 1000, g_t0, NULL));
  FAIL(skamp_cert_certified_near_json(&out_s, g_cert, -95, 114.3, 1000, g_t0, NULL));
  FAIL(skamp_cert_certified_near_json(&out_s, g_cert, -8.2, 114.3, nan_value(), g_t0, NULL));
  FAIL(skamp_cert_certified_near_json(&out_s, g_cert, -8.2, 114.3, -1, g_t0, NULL));
  FAIL(skamp_cert_certified_near_json(&out_s, g_cert, -8.2, 114.3, 1000, g_t0, BAD_UTF8));
  for (i = 0; i < N_BAD_TIMES; ++i) {
    FAIL(skamp_cert_certified_near_json(&out_s, g_cert, -8.2, 114.3, 1000, BAD_TIMES[i], NULL));
  }
  ANY(skamp_cert_certified_near_json(&out_s, g_cert, -8.2, 114.3, inf_value(), g_t0, NULL));
  ANY(skamp_cert_certified_near_json(&out_s, g_cert, -8.2, 114.3, 0, g_t0, ""));
}
static void bad_cert_history_json(void) {
  FAIL(skamp_cert_history_json(NULL, g_cert, g_business));
  FAIL(skamp_cert_history_json(&out_s, NULL, g_business));
  FAIL(skamp_cert_history_json(&out_s, g_cert, -1));
  FAIL(skamp_cert_history_json(&out_s, g_cert, INT64_MIN));
  FAIL(skamp_cert_history_json(&out_s, g_cert, INT64_MAX));
}

/* ---- the table ----------------------------------------------------------------------------- */

/* ---- Arrow streams (issue 21) ------------------------------------------------------------
 * Input streams: NULL, or one already released (release == NULL), which is no stream. */
static struct ArrowArrayStream released_stream(void) {
  struct ArrowArrayStream s;
  memset(&s, 0, sizeof s);
  return s;
}
static void bad_registry_dedup_arrow(void) {
  FAIL(skamp_registry_dedup_arrow(NULL, g_reg, "overlaps"));
  FAIL(skamp_registry_dedup_arrow(&out_stream, NULL, "overlaps"));
  FAIL(skamp_registry_dedup_arrow(&out_stream, g_reg, NULL));
  FAIL(skamp_registry_dedup_arrow(&out_stream, g_reg, "no_such_table"));
  FAIL(skamp_registry_dedup_arrow(&out_stream, g_reg, BAD_UTF8));
}
static void bad_registry_records_arrow(void) {
  FAIL(skamp_registry_records_arrow(NULL, g_reg, "PKH"));
  FAIL(skamp_registry_records_arrow(&out_stream, NULL, "PKH"));
  FAIL(skamp_registry_records_arrow(&out_stream, g_reg, NULL));
  FAIL(skamp_registry_records_arrow(&out_stream, g_reg, "NO_SUCH_PROGRAMME"));
  FAIL(skamp_registry_records_arrow(&out_stream, g_reg, BAD_UTF8));
}
static void bad_registry_add_arrow(void) {
  struct ArrowArrayStream gone = released_stream();
  FAIL(skamp_registry_add_arrow(&out_s, NULL, NULL, "PKH", "central"));
  FAIL(skamp_registry_add_arrow(&out_s, g_reg, NULL, "PKH", "central"));
  FAIL(skamp_registry_add_arrow(&out_s, g_reg, &gone, "PKH", "central"));
}
static void bad_linkage_link_arrow(void) {
  struct ArrowArrayStream gone = released_stream();
  FAIL(skamp_linkage_link_arrow(NULL, &out_stream2, NULL, NULL, 0.9));
  FAIL(skamp_linkage_link_arrow(&out_stream, NULL, NULL, NULL, 0.9));
  FAIL(skamp_linkage_link_arrow(&out_stream, &out_stream2, NULL, NULL, 0.9));
  FAIL(skamp_linkage_link_arrow(&out_stream, &out_stream2, &gone, NULL, 0.9));
}
static void bad_linkage_linker_fit_arrow(void) {
  struct ArrowArrayStream gone = released_stream();
  FAIL(skamp_linkage_linker_fit_arrow(NULL, NULL));
  FAIL(skamp_linkage_linker_fit_arrow(g_linker, NULL));
  FAIL(skamp_linkage_linker_fit_arrow(g_linker, &gone));
}
static void bad_linkage_linker_clusters_arrow(void) {
  FAIL(skamp_linkage_linker_clusters_arrow(NULL, g_linker));
  FAIL(skamp_linkage_linker_clusters_arrow(&out_stream, NULL));
}
static void bad_ruleset_evaluate_arrow(void) {
  struct ArrowArrayStream gone = released_stream();
  FAIL(skamp_ruleset_evaluate_arrow(NULL, g_rs, NULL, 2020, 7, 1));
  FAIL(skamp_ruleset_evaluate_arrow(&out_stream, NULL, NULL, 2020, 7, 1));
  FAIL(skamp_ruleset_evaluate_arrow(&out_stream, g_rs, NULL, 2020, 7, 1));
  FAIL(skamp_ruleset_evaluate_arrow(&out_stream, g_rs, &gone, 2020, 7, 1));
}
static void bad_geo_index_new_arrow(void) {
  struct ArrowArrayStream gone = released_stream();
  FAIL(skamp_geo_index_new_arrow(NULL, NULL));
  FAIL(skamp_geo_index_new_arrow(&out_idx, NULL));
  FAIL(skamp_geo_index_new_arrow(&out_idx, &gone));
}
static void bad_geo_index_nearest_arrow(void) {
  const double lats[2] = {-8.2, -8.3};
  const double lons[2] = {114.3, 114.4};
  double nan_lats[2];
  nan_lats[0] = nan_value();
  nan_lats[1] = -8.3;
  FAIL(skamp_geo_index_nearest_arrow(NULL, g_idx, 2, lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_arrow(&out_stream, NULL, 2, lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_arrow(&out_stream, g_idx, 2, NULL, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_arrow(&out_stream, g_idx, 2, lats, NULL, 2, NULL));
  FAIL(skamp_geo_index_nearest_arrow(&out_stream, g_idx, SIZE_MAX, lats, lons, 2, NULL));
  FAIL(skamp_geo_index_nearest_arrow(&out_stream, g_idx, 2, nan_lats, lons, 2, NULL));
}
static void bad_geo_index_assign_arrow(void) {
  const double lats[2] = {-8.2, -8.3};
  const double lons[2] = {114.3, 114.4};
  double nan_lons[2];
  nan_lons[0] = 114.3;
  nan_lons[1] = nan_value();
  FAIL(skamp_geo_index_assign_arrow(NULL, g_idx, 2, lats, lons, SKAMP_ASSIGN_GREEDY, 2, 0));
  FAIL(skamp_geo_index_assign_arrow(&out_stream, NULL, 2, lats, lons, SKAMP_ASSIGN_GREEDY, 2, 0));
  FAIL(skamp_geo_index_assign_arrow(&out_stream, g_idx, 2, NULL, lons, SKAMP_ASSIGN_GREEDY, 2, 0));
  FAIL(skamp_geo_index_assign_arrow(&out_stream, g_idx, SIZE_MAX, lats, lons, SKAMP_ASSIGN_OPTIMAL,
                                    2, 0));
  FAIL(skamp_geo_index_assign_arrow(&out_stream, g_idx, 2, lats, nan_lons, SKAMP_ASSIGN_GREEDY, 2,
                                    0));
  FAIL(skamp_geo_index_assign_arrow(&out_stream, g_idx, 2, lats, lons, (skamp_assign_mode)2, 2, 0));
}
static void bad_cert_statuses_arrow(void) {
  FAIL(skamp_cert_statuses_arrow(NULL, g_cert, g_t0));
  FAIL(skamp_cert_statuses_arrow(&out_stream, NULL, g_t0));
  FAIL(skamp_cert_statuses_arrow(&out_stream, g_cert, INT64_MIN));
}

/* ---- deprecated names (smartkampung/c/deprecated.h) ----------------------------------
 * The same bad call through the old name and the new one: the same status and the same
 * message (the old name only forwards). */
static void same_outcome(skamp_status a, const char* old_message, skamp_status b, const char* name,
                         int line) {
  ++row_calls;
  check(a == b, line, name);
  if (a != SKAMP_OK) check(strcmp(old_message, skamp_last_error()) == 0, line, name);
}
#define SAME(old_call, new_call)                                         \
  do {                                                                   \
    char old_message[512];                                               \
    const skamp_status a = (old_call);                                   \
    snprintf(old_message, sizeof old_message, "%s", skamp_last_error()); \
    same_outcome(a, old_message, (new_call), #old_call, __LINE__);       \
  } while (0)
static void bad_link_json(void) {
  SAME(skamp_link_json(NULL, NULL, NULL, NULL, 0.0),
       skamp_linkage_link_json(NULL, NULL, NULL, NULL, 0.0));
}
static void bad_linker_new(void) {
  SAME(skamp_linker_new(NULL, NULL), skamp_linkage_linker_new(NULL, NULL));
}
static void bad_linker_free(void) {
  skamp_linker_free(NULL);
  skamp_linkage_linker_free(NULL);
  ++row_calls;
  ++passed;
}
static void bad_linker_save(void) {
  SAME(skamp_linker_save(NULL, NULL), skamp_linkage_linker_save(NULL, NULL));
}
static void bad_linker_load(void) {
  SAME(skamp_linker_load(NULL, NULL), skamp_linkage_linker_load(NULL, NULL));
}
static void bad_linker_fit_json(void) {
  SAME(skamp_linker_fit_json(NULL, NULL), skamp_linkage_linker_fit_json(NULL, NULL));
}
static void bad_linker_add_json(void) {
  SAME(skamp_linker_add_json(NULL, NULL, NULL), skamp_linkage_linker_add_json(NULL, NULL, NULL));
}
static void bad_linker_remove(void) {
  SAME(skamp_linker_remove(NULL, 0), skamp_linkage_linker_remove(NULL, 0));
}
static void bad_linker_candidates_json(void) {
  SAME(skamp_linker_candidates_json(NULL, NULL, NULL, 0),
       skamp_linkage_linker_candidates_json(NULL, NULL, NULL, 0));
}
static void bad_linker_clusters_json(void) {
  SAME(skamp_linker_clusters_json(NULL, NULL), skamp_linkage_linker_clusters_json(NULL, NULL));
}
static void bad_linker_explain_json(void) {
  SAME(skamp_linker_explain_json(NULL, NULL, 0, 0),
       skamp_linkage_linker_explain_json(NULL, NULL, 0, 0));
}
static void bad_linker_settings_json(void) {
  SAME(skamp_linker_settings_json(NULL, NULL), skamp_linkage_linker_settings_json(NULL, NULL));
}
static void bad_registry_load_csv(void) {
  SAME(skamp_registry_load_csv(NULL, NULL, NULL, NULL, NULL),
       skamp_registry_add_csv(NULL, NULL, NULL, NULL, NULL));
}
static void bad_registry_load_json(void) {
  SAME(skamp_registry_load_json(NULL, NULL, NULL, NULL, NULL),
       skamp_registry_add_json(NULL, NULL, NULL, NULL, NULL));
}
static void bad_registry_dedup(void) {
  SAME(skamp_registry_dedup(NULL, NULL), skamp_registry_dedup_json(NULL, NULL));
}
static void bad_registry_programs_of(void) {
  SAME(skamp_registry_programs_of(NULL, NULL, NULL),
       skamp_registry_programs_of_json(NULL, NULL, NULL));
}
static void bad_registry_public_check(void) {
  SAME(skamp_registry_public_check(NULL, NULL, NULL),
       skamp_registry_public_check_json(NULL, NULL, NULL));
}
static void bad_registry_report(void) {
  SAME(skamp_registry_report(NULL, NULL, NULL, 0), skamp_registry_report_json(NULL, NULL, NULL, 0));
}
static void bad_facility_index_new(void) {
  SAME(skamp_facility_index_new(NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       skamp_geo_index_new(NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
}
static void bad_facility_index_load_csv(void) {
  SAME(skamp_facility_index_load_csv(NULL, NULL), skamp_geo_index_new_csv(NULL, NULL));
}
static void bad_facility_index_load_json(void) {
  SAME(skamp_facility_index_load_json(NULL, NULL), skamp_geo_index_new_json_file(NULL, NULL));
}
static void bad_facility_index_free(void) {
  skamp_facility_index_free(NULL);
  skamp_geo_index_free(NULL);
  ++row_calls;
  ++passed;
}
static void bad_facility_index_size(void) {
  SAME(skamp_facility_index_size(NULL, NULL), skamp_geo_index_size(NULL, NULL));
}
static void bad_facility_index_add(void) {
  SAME(skamp_facility_index_add(NULL, NULL), skamp_geo_index_add(NULL, NULL));
}
static void bad_facility_index_update(void) {
  SAME(skamp_facility_index_update(NULL, NULL), skamp_geo_index_update(NULL, NULL));
}
static void bad_facility_index_remove(void) {
  SAME(skamp_facility_index_remove(NULL, 0), skamp_geo_index_remove(NULL, 0));
}
static void bad_facility_index_nearest(void) {
  SAME(skamp_facility_index_nearest(NULL, NULL, NULL, NULL, 0.0, 0.0, 0, NULL),
       skamp_geo_index_nearest(NULL, NULL, NULL, NULL, 0.0, 0.0, 0, NULL));
}
static void bad_facility_index_nearest_batch(void) {
  SAME(skamp_facility_index_nearest_batch(NULL, NULL, NULL, 0, NULL, NULL, 0, NULL),
       skamp_geo_index_nearest_batch(NULL, NULL, NULL, 0, NULL, NULL, 0, NULL));
}
static void bad_facility_index_within(void) {
  SAME(skamp_facility_index_within(NULL, NULL, NULL, NULL, 0.0, 0.0, 0.0, NULL),
       skamp_geo_index_within(NULL, NULL, NULL, NULL, 0.0, 0.0, 0.0, NULL));
}
static void bad_facility_index_reserve(void) {
  SAME(skamp_facility_index_reserve(NULL, NULL, 0, 0), skamp_geo_index_reserve(NULL, NULL, 0, 0));
}
static void bad_facility_index_release(void) {
  SAME(skamp_facility_index_release(NULL, 0, 0), skamp_geo_index_release(NULL, 0, 0));
}
static void bad_facility_index_free_beds(void) {
  SAME(skamp_facility_index_free_beds(NULL, NULL, 0), skamp_geo_index_free_beds(NULL, NULL, 0));
}
static void bad_facility_index_nearest_reserve(void) {
  SAME(skamp_facility_index_nearest_reserve(NULL, NULL, NULL, 0.0, 0.0, 0, NULL),
       skamp_geo_index_nearest_reserve(NULL, NULL, NULL, 0.0, 0.0, 0, NULL));
}
static void bad_facility_index_assign(void) {
  SAME(skamp_facility_index_assign(NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, 0),
       skamp_geo_index_assign(NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, 0));
}
static void bad_wgs84_distance(void) {
  SAME(skamp_wgs84_distance(NULL, 0.0, 0.0, 0.0, 0.0),
       skamp_geo_distance(NULL, 0.0, 0.0, 0.0, 0.0));
}
static void bad_ruleset_from_json_with_conflicts(void) {
  SAME(skamp_ruleset_from_json_with_conflicts(NULL, NULL, 0, NULL),
       skamp_ruleset_new_json(NULL, NULL, 0, NULL));
}
static void bad_ruleset_evaluate(void) {
  SAME(skamp_ruleset_evaluate(NULL, NULL, NULL, 0, 0, 0, 0),
       skamp_ruleset_evaluate_json(NULL, NULL, NULL, 0, 0, 0, 0));
}
static void bad_ruleset_info(void) {
  SAME(skamp_ruleset_info(NULL, NULL), skamp_ruleset_info_json(NULL, NULL));
}
static void bad_ruleset_run_tests(void) {
  SAME(skamp_ruleset_run_tests(NULL, NULL), skamp_ruleset_run_tests_json(NULL, NULL));
}
static void bad_cert_certified_near(void) {
  SAME(skamp_cert_certified_near(NULL, NULL, 0.0, 0.0, 0.0, 0, NULL),
       skamp_cert_certified_near_json(NULL, NULL, 0.0, 0.0, 0.0, 0, NULL));
}
static void bad_kk_is_valid(void) {
  ++row_calls;
  CHECK(skamp_kk_is_valid(NULL) == skamp_nik_kk_is_valid(NULL));
}
static void bad_kk_parse(void) { SAME(skamp_kk_parse(NULL, NULL), skamp_nik_kk_parse(NULL, NULL)); }
static void bad_ruleset_from_json(void) {
  SAME(skamp_ruleset_from_json(NULL, NULL, 0), skamp_ruleset_new_json(NULL, NULL, 0, NULL));
}

struct row {
  const char* symbol;
  void (*run)(void);
};

#define ROW(name) {"skamp_" #name, bad_##name}

static const struct row rows[] = {
    ROW(version),
    ROW(version_number),
    ROW(last_error),
    ROW(status_str),
    ROW(free),
    ROW(nik_is_valid),
    ROW(nik_kk_is_valid),
    ROW(nik_parse),
    ROW(nik_parse_as_of),
    ROW(nik_kk_parse),
    ROW(nik_validate_batch),
    ROW(nik_reason_str),
    ROW(nik_mask),
    ROW(registry_new),
    ROW(registry_free),
    ROW(registry_add_csv),
    ROW(registry_add_json),
    ROW(registry_set_exclusions_json),
    ROW(registry_dedup_json),
    ROW(registry_programs_of_json),
    ROW(registry_public_check_json),
    ROW(registry_report_json),
    ROW(registry_save),
    ROW(registry_load),
    ROW(registry_save_signed),
    ROW(registry_load_verified),
    ROW(ruleset_new_json),
    ROW(ruleset_builtin),
    ROW(ruleset_builtin_names),
    ROW(ruleset_reload),
    ROW(ruleset_free),
    ROW(ruleset_info_json),
    ROW(ruleset_to_json),
    ROW(ruleset_evaluate_json),
    ROW(ruleset_evaluate_batch),
    ROW(ruleset_evaluate_batch_cancellable),
    ROW(ruleset_reason_code),
    ROW(ruleset_run_tests_json),
    ROW(linkage_normalize_name),
    ROW(linkage_link_json),
    ROW(linkage_linker_new),
    ROW(linkage_linker_free),
    ROW(linkage_linker_save),
    ROW(linkage_linker_load),
    ROW(linkage_linker_fit_json),
    ROW(linkage_linker_add_json),
    ROW(linkage_linker_remove),
    ROW(linkage_linker_candidates_json),
    ROW(linkage_linker_clusters_json),
    ROW(linkage_linker_explain_json),
    ROW(linkage_linker_settings_json),
    ROW(geo_index_new),
    ROW(geo_index_new_csv),
    ROW(geo_index_new_json_file),
    ROW(geo_index_free),
    ROW(geo_index_size),
    ROW(geo_index_add),
    ROW(geo_index_update),
    ROW(geo_index_remove),
    ROW(geo_index_nearest),
    ROW(geo_index_nearest_batch),
    ROW(geo_index_within),
    ROW(geo_index_reserve),
    ROW(geo_index_release),
    ROW(geo_index_free_beds),
    ROW(geo_index_nearest_reserve),
    ROW(geo_index_assign),
    ROW(geo_distance),
    ROW(cert_registry_new),
    ROW(cert_registry_free),
    ROW(cert_registry_load),
    ROW(cert_registry_save),
    ROW(cert_add_business),
    ROW(cert_apply),
    ROW(cert_audit),
    ROW(cert_issue),
    ROW(cert_evaluate),
    ROW(cert_report_violation),
    ROW(cert_suspend),
    ROW(cert_reinstate),
    ROW(cert_revoke),
    ROW(cert_renew),
    ROW(cert_withdraw),
    ROW(cert_status_at),
    ROW(cert_status_str),
    ROW(cert_max_visitors),
    ROW(cert_check_in),
    ROW(cert_check_out),
    ROW(cert_occupancy),
    ROW(cert_certified_near_json),
    ROW(cert_history_json),
    ROW(cert_generate_key),
    ROW(cert_registry_save_signed),
    ROW(cert_registry_load_verified),
    ROW(cert_sticker),
    ROW(cert_status_list),
    ROW(cert_verify_json),
    ROW(registry_dedup_arrow),
    ROW(registry_records_arrow),
    ROW(registry_add_arrow),
    ROW(linkage_link_arrow),
    ROW(linkage_linker_fit_arrow),
    ROW(linkage_linker_clusters_arrow),
    ROW(ruleset_evaluate_arrow),
    ROW(geo_index_new_arrow),
    ROW(geo_index_nearest_arrow),
    ROW(geo_index_assign_arrow),
    ROW(cert_statuses_arrow),
    ROW(link_json),
    ROW(linker_new),
    ROW(linker_free),
    ROW(linker_save),
    ROW(linker_load),
    ROW(linker_fit_json),
    ROW(linker_add_json),
    ROW(linker_remove),
    ROW(linker_candidates_json),
    ROW(linker_clusters_json),
    ROW(linker_explain_json),
    ROW(linker_settings_json),
    ROW(registry_load_csv),
    ROW(registry_load_json),
    ROW(registry_dedup),
    ROW(registry_programs_of),
    ROW(registry_public_check),
    ROW(registry_report),
    ROW(facility_index_new),
    ROW(facility_index_load_csv),
    ROW(facility_index_load_json),
    ROW(facility_index_free),
    ROW(facility_index_size),
    ROW(facility_index_add),
    ROW(facility_index_update),
    ROW(facility_index_remove),
    ROW(facility_index_nearest),
    ROW(facility_index_nearest_batch),
    ROW(facility_index_within),
    ROW(facility_index_reserve),
    ROW(facility_index_release),
    ROW(facility_index_free_beds),
    ROW(facility_index_nearest_reserve),
    ROW(facility_index_assign),
    ROW(wgs84_distance),
    ROW(ruleset_from_json_with_conflicts),
    ROW(ruleset_evaluate),
    ROW(ruleset_info),
    ROW(ruleset_run_tests),
    ROW(cert_certified_near),
    ROW(kk_is_valid),
    ROW(kk_parse),
    ROW(ruleset_from_json),
};
#define N_ROWS (sizeof rows / sizeof rows[0])

/* Every exported symbol has a row, and every row an exported symbol. */
static void check_table_is_complete(void) {
  const char* path = SKAMP_SOURCE_DIR "/tests/abi/exported_c_symbols.txt";
  FILE* f = fopen(path, "r");
  char line[256];
  int seen[N_ROWS];
  size_t symbols = 0;
  size_t i;
  current_row = "table";
  memset(seen, 0, sizeof seen);
  if (f == NULL) {
    report_failure(__LINE__, "cannot open", path);
    return;
  }
  while (fgets(line, sizeof line, f) != NULL) {
    size_t n = strlen(line);
    int found = 0;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
      line[--n] = '\0';
    if (n == 0 || line[0] == '#') continue;
    ++symbols;
    for (i = 0; i < N_ROWS; ++i) {
      if (strcmp(rows[i].symbol, line) == 0) {
        seen[i] = 1;
        found = 1;
      }
    }
    if (!found)
      report_failure(__LINE__, "exported symbol without a bad-argument row (add one)", line);
  }
  fclose(f);
  for (i = 0; i < N_ROWS; ++i) {
    if (!seen[i])
      report_failure(__LINE__, "row for a symbol not in exported_c_symbols.txt", rows[i].symbol);
  }
  CHECK(symbols == N_ROWS);
}

/* ---- fixtures ---------------------------------------------------------------------------- */

static int make_fixtures(void) {
  const int64_t ids[3] = {1, 2, 3};
  const double lats[3] = {-8.20, -8.25, -8.30};
  const double lons[3] = {114.30, 114.35, 114.40};
  const int32_t cap[3] = {4, 2, 0};
  char* report = NULL;
  int ok = 1;
  ok = ok && skamp_registry_new(&g_reg) == SKAMP_OK;
  ok = ok && skamp_registry_add_json(&report, g_reg, RECORDS, "PKH", "central") == SKAMP_OK;
  skamp_free(report);
  ok = ok && skamp_ruleset_builtin(&g_rs, "bst") == SKAMP_OK;
  ok = ok && skamp_geo_index_new(&g_idx, 3, ids, lats, lons, cap, NULL, NULL, NULL) == SKAMP_OK;
  ok = ok && skamp_linkage_linker_new(&g_linker, NULL) == SKAMP_OK;
  ok = ok && skamp_cert_registry_new(&g_cert, NULL, 420) == SKAMP_OK;
  ok = ok && skamp_cert_add_business(g_cert, g_business, "Warung Kopi", "restaurant", -8.2, 114.3,
                                     20, NULL, g_t0) == SKAMP_OK;
  if (!ok) fprintf(stderr, "fixtures failed: %s\n", skamp_last_error());
  return ok;
}

static void free_fixtures(void) {
  skamp_registry_free(g_reg);
  skamp_ruleset_free(g_rs);
  skamp_geo_index_free(g_idx);
  skamp_linkage_linker_free(g_linker);
  skamp_cert_registry_free(g_cert);
}

int main(int argc, char** argv) {
  size_t i;
  const char* only = argc > 1 ? argv[1] : NULL; /* one row by symbol name, for debugging */
  if (!make_fixtures()) return 1;
  check_table_is_complete();
  for (i = 0; i < N_ROWS; ++i) {
    if (only != NULL && strcmp(only, rows[i].symbol) != 0) continue;
    current_row = rows[i].symbol;
    row_calls = 0;
    rows[i].run();
    if (row_calls == 0) report_failure(__LINE__, "row made no call", rows[i].symbol);
  }
  free_fixtures();
  printf("capi_bad_arguments: %zu rows, %d passed, %d failed\n", (size_t)N_ROWS, passed, failed);
  return failed == 0 ? 0 : 1;
}
