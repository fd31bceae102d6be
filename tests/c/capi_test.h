/* Shared by test_capi.c and the per-area C test files tests/c/capi_<area>.c. Each
 * area file defines `void skamp_test_<area>(void)`; test_capi.c calls the ones that
 * exist (CMake defines SKAMP_TEST_HAS_<AREA> for each file it finds). */
#ifndef SKAMP_TESTS_C_CAPI_TEST_H
#define SKAMP_TESTS_C_CAPI_TEST_H

#include <smartkampung/smartkampung.h>
#include <stdio.h>

extern int skamp_test_passed;
extern int skamp_test_failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      ++skamp_test_passed;                                                     \
    } else {                                                                   \
      ++skamp_test_failed;                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

/* 1 when every byte of text is below 0x80. */
static inline int skamp_test_is_ascii(const char* text) {
  for (; *text != '\0'; ++text) {
    if ((unsigned char)*text >= 0x80) return 0;
  }
  return 1;
}

void skamp_test_registry(void);
void skamp_test_linkage(void);
void skamp_test_rules(void);
void skamp_test_geo(void);
void skamp_test_cert(void);
void skamp_test_arrow(void);

#endif
