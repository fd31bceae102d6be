#include <cstddef>
#include <smartkampung/error.hpp>
#include <string>

#include "core/utf8.hpp"

namespace smartkampung {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The last line of defence behind the rule that messages never carry personal data:
// a message may echo text from the input (an unknown JSON key, a bad value), and such
// text can hold a NIK or KK. Every run of 16 or more digits is masked as the public
// check masks a NIK: the first and last four digits kept, '*' between.
std::string mask_digit_runs(const std::string& message) {
  std::string out = message;
  std::size_t i = 0;
  while (i < out.size()) {
    if (!is_digit(out[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < out.size() && is_digit(out[end])) ++end;
    if (end - i >= 16) {
      for (std::size_t j = i + 4; j + 4 < end; ++j) out[j] = '*';
    }
    i = end;
  }
  return out;
}

}  // namespace

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kState:
      return "state";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kParse:
      return "parse";
    case ErrorCode::kLimit:
      return "limit";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

// Messages may also echo bytes from damaged files or callers' text: every byte that is not
// well-formed UTF-8 is escaped as \xHH first, so that every message is valid UTF-8 (a
// Python str, a JSON string) whatever the input was.
Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(mask_digit_runs(detail::escape_invalid_utf8(message))), code_(code) {}

// Out of line so that the vtable and typeinfo live in the library (the key function).
Error::~Error() = default;

}  // namespace smartkampung
