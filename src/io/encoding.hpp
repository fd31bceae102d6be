// Private: encoding detection shared by the CSV reader.
#ifndef SMARTKAMPUNG_SRC_IO_ENCODING_HPP
#define SMARTKAMPUNG_SRC_IO_ENCODING_HPP

#include <cstddef>
#include <smartkampung/io.hpp>
#include <string>
#include <string_view>

namespace smartkampung::detail {

struct Utf8Scan {
  std::size_t first_invalid = std::string_view::npos;  // offset of the first byte that breaks UTF-8
  std::size_t first_multibyte =
      std::string_view::npos;  // offset of the first valid multi-byte sequence
};

/// Length of the valid UTF-8 sequence at p (1..4), or 0 when it is invalid.
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t left) noexcept;
Utf8Scan scan_utf8(std::string_view bytes) noexcept;

/// The UTF-8 text of `bytes`: a view into `bytes` (minus a BOM) when it already is
/// UTF-8, else converted from Windows-1252 into `storage`. Throws Error(kParse).
std::string_view decode_to_utf8(std::string_view bytes, std::string& storage,
                                TextEncoding* detected);

}  // namespace smartkampung::detail

#endif
