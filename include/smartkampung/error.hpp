// smartkampung/error.hpp: the one exception type of the C++ API.
#ifndef SMARTKAMPUNG_ERROR_HPP
#define SMARTKAMPUNG_ERROR_HPP

#include <smartkampung/export.h>

#include <stdexcept>
#include <string>

namespace smartkampung {

/// What went wrong, coarsely; the C API maps each to a negative skamp_status.
enum class ErrorCode : int {
  kInvalidArgument = 1,  ///< malformed input: a bad NIK, a broken CSV row, NaN coordinates
  kNotFound = 2,         ///< an id or key that is not held
  kState = 3,            ///< the call is not allowed in the current state
  kIo = 4,               ///< a file could not be read or written
  kCorrupt = 5,          ///< a saved file failed its integrity check
  kParse = 6,            ///< text that is not valid JSON/CSV/rule syntax
  kLimit = 7,            ///< input beyond a documented size or depth limit
  kInternal = 8,         ///< a bug: please report it
  kCancelled = 9,        ///< a long call stopped by its progress hook (see progress.hpp)
};

/// The stable name of a code ("invalid_argument", "not_found", "state", "io", "corrupt",
/// "parse", "limit", "internal", "cancelled"; "unknown" for any other value): the one table the
/// Python exceptions' `code` attribute and the C layer's messages use. Static text.
SMARTKAMPUNG_EXPORT const char* error_code_name(ErrorCode code) noexcept;

/// Base of every exception the library throws. Messages never contain personal
/// data (NIKs, names, birth dates are masked), so they may be shown or logged. As a
/// last line of defence, the constructor masks every run of 16 or more digits in the
/// message (first and last four kept, `*` between, as `mask_nik`), so that text echoed
/// from the input, such as an unknown JSON key, cannot carry a NIK or KK out. Bytes that
/// are not well-formed UTF-8 are escaped as \xHH, so every message is valid UTF-8.
class SMARTKAMPUNG_EXPORT Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message);
  ~Error() override;
  Error(const Error&) = default;
  Error& operator=(const Error&) = default;

  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace smartkampung

#endif
