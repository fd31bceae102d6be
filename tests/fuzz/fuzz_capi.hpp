// Shared by the fuzz harnesses of the C API: the check every call's outcome must pass.
#ifndef SMARTKAMPUNG_TESTS_FUZZ_CAPI_HPP
#define SMARTKAMPUNG_TESTS_FUZZ_CAPI_HPP

#include <smartkampung/smartkampung.h>

#include <string>

#include "fuzz_bytes.hpp"
#include "fuzz_check.hpp"

namespace skamp_fuzz {

// The status and skamp_last_error() agree (an empty message on success, a negative
// status and a message on failure), and a failure's message repeats no NIK of `input`.
inline void check_status(skamp_status status, const std::string& input = std::string()) {
  const char* message = skamp_last_error();
  FUZZ_CHECK(message != nullptr);
  if (status == SKAMP_OK) {
    FUZZ_CHECK(message[0] == '\0');
  } else {
    FUZZ_CHECK(status < 0);
    FUZZ_CHECK(message[0] != '\0');
    FUZZ_CHECK(!repeats_a_nik(message, input));
  }
}

}  // namespace skamp_fuzz

#endif
