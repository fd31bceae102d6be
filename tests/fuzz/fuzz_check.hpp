// Shared by the fuzz harnesses: a check that aborts (so libFuzzer and the replay
// test both report it) when an invariant between two code paths does not hold.
#ifndef SMARTKAMPUNG_TESTS_FUZZ_CHECK_HPP
#define SMARTKAMPUNG_TESTS_FUZZ_CHECK_HPP

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

#endif
