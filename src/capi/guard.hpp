// Private: the exception barrier of the C API. Every entry point runs its body
// through guard(), which turns any exception into a status and a thread-local message.
#ifndef SMARTKAMPUNG_SRC_CAPI_GUARD_HPP
#define SMARTKAMPUNG_SRC_CAPI_GUARD_HPP

#include <smartkampung/c/common.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <smartkampung/error.hpp>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace smartkampung::capi {

/// Sets the calling thread's last error message (and returns the status, for chaining).
skamp_status set_error(skamp_status status, std::string_view message) noexcept;
/// Clears the calling thread's last error message.
void clear_error() noexcept;

skamp_status status_of(ErrorCode code) noexcept;

/// Runs `body` (returning void or skamp_status); maps exceptions to statuses.
template <typename Body>
skamp_status guard(Body&& body) noexcept {
  try {
    clear_error();
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      return SKAMP_OK;
    } else {
      return body();
    }
  } catch (const Error& e) {
    return set_error(status_of(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return set_error(SKAMP_ENOMEM, "out of memory");
  } catch (const std::exception& e) {
    return set_error(SKAMP_EINTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return set_error(SKAMP_EINTERNAL, "internal error: unknown exception");
  }
}

/// Throws Error(kInvalidArgument) naming the argument when `ptr` is NULL.
inline void require(const void* ptr, const char* name) {
  if (ptr == nullptr) throw Error(ErrorCode::kInvalidArgument, std::string(name) + " is NULL");
}

/// Throws Error(kLimit) naming the argument when `count` elements of `elem_size` bytes
/// cannot be one array (more than PTRDIFF_MAX bytes): such a count (SIZE_MAX, a negative
/// number cast to size_t) is refused before any element is touched.
inline void check_count(std::size_t count, std::size_t elem_size, const char* name) {
  if (elem_size != 0 && count > static_cast<std::size_t>(PTRDIFF_MAX) / elem_size) {
    throw Error(ErrorCode::kLimit, std::string(name) + " is larger than any array can be");
  }
}

/// Throws Error(kInvalidArgument) naming the argument when `text` (NUL-terminated, may be
/// NULL) is not well-formed UTF-8: the C API takes UTF-8 only, checked at every entry.
inline void check_text(const char* text, const char* name) {
  if (text == nullptr) return;
  const std::size_t bad = detail::utf8_error_offset(text);
  if (bad != std::string_view::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(name) + " is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
  }
}

/// As check_text, for `len` bytes that need not end with a NUL.
inline void check_text(const char* text, std::size_t len, const char* name) {
  if (text == nullptr) return;
  const std::size_t bad = detail::utf8_error_offset(std::string_view(text, len));
  if (bad != std::string_view::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(name) + " is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
  }
}

/// require and check_text: text that must be given, in UTF-8.
inline void require_text(const char* text, const char* name) {
  require(text, name);
  check_text(text, name);
}

/// Copies text into memory the caller releases with skamp_free.
char* dup_string(std::string_view text);

/// Copies src into a fixed-size char array field, NUL-terminated and truncated.
template <std::size_t N>
void copy_field(char (&dst)[N], std::string_view src) noexcept {
  const std::size_t n = src.size() < N - 1 ? src.size() : N - 1;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

/// True when a caller-sized struct (first member size_t size) holds `member`.
#define SKAMP_HAS_FIELD(ptr, member) \
  ((ptr)->size >= offsetof(std::remove_pointer_t<decltype(ptr)>, member) + sizeof((ptr)->member))

}  // namespace smartkampung::capi

#endif
