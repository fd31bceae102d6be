#include <smartkampung/c/common.h>

#include <string>

#include "capi/guard.hpp"

namespace smartkampung::capi {

namespace {
thread_local std::string g_last_error;
}

skamp_status set_error(skamp_status status, std::string_view message) noexcept {
  try {
    g_last_error = detail::escape_invalid_utf8(message);  // every message is UTF-8, whatever threw
  } catch (...) {
    g_last_error.clear();  // out of memory: an empty message rather than none
  }
  return status;
}

void clear_error() noexcept { g_last_error.clear(); }

skamp_status status_of(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return SKAMP_EINVALID;
    case ErrorCode::kNotFound:
      return SKAMP_ENOTFOUND;
    case ErrorCode::kState:
      return SKAMP_ESTATE;
    case ErrorCode::kIo:
      return SKAMP_EIO;
    case ErrorCode::kCorrupt:
      return SKAMP_ECORRUPT;
    case ErrorCode::kParse:
      return SKAMP_EPARSE;
    case ErrorCode::kLimit:
      return SKAMP_ELIMIT;
    case ErrorCode::kInternal:
      return SKAMP_EINTERNAL;
    case ErrorCode::kCancelled:
      return SKAMP_ECANCELLED;
  }
  return SKAMP_EINTERNAL;
}

char* dup_string(std::string_view text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

}  // namespace smartkampung::capi

extern "C" {

const char* skamp_version(void) { return SKAMP_VERSION_STRING; }

int skamp_version_number(void) { return SKAMP_VERSION_NUMBER; }

const char* skamp_last_error(void) { return smartkampung::capi::g_last_error.c_str(); }

const char* skamp_status_str(skamp_status status) {
  // A C caller may pass any int; reading it as the enum would be undefined behaviour
  // in C++ when it is out of range, so its bytes are read as an int.
  static_assert(sizeof(skamp_status) == sizeof(int), "skamp_status is int-sized");
  int code = 0;
  std::memcpy(&code, &status, sizeof code);
  switch (code) {
    case SKAMP_OK:
      return "SKAMP_OK: success";
    case SKAMP_EINVALID:
      return "SKAMP_EINVALID: invalid argument";
    case SKAMP_ENOTFOUND:
      return "SKAMP_ENOTFOUND: not found";
    case SKAMP_ESTATE:
      return "SKAMP_ESTATE: not allowed in the current state";
    case SKAMP_EIO:
      return "SKAMP_EIO: input/output error";
    case SKAMP_ECORRUPT:
      return "SKAMP_ECORRUPT: damaged file";
    case SKAMP_EPARSE:
      return "SKAMP_EPARSE: parse error";
    case SKAMP_ELIMIT:
      return "SKAMP_ELIMIT: size or depth limit exceeded";
    case SKAMP_ENOMEM:
      return "SKAMP_ENOMEM: out of memory";
    case SKAMP_EINTERNAL:
      return "SKAMP_EINTERNAL: internal error";
    case SKAMP_ECANCELLED:
      return "SKAMP_ECANCELLED: cancelled";
  }
  return "unknown status";
}

void skamp_free(void* ptr) { std::free(ptr); }
}
