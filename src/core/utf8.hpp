// Private: the UTF-8 encoding of one Unicode code point, shared by the CSV reader
// (Windows-1252 to UTF-8), the rules' column setters and the Python bindings (numpy
// UCS-4 text to UTF-8); and the fixed-width text helpers (numpy 'U'/'S' items) that the
// rules' column setters and the Python bindings both use.
#ifndef SMARTKAMPUNG_SRC_CORE_UTF8_HPP
#define SMARTKAMPUNG_SRC_CORE_UTF8_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace smartkampung::detail {

/// Appends the UTF-8 bytes of `code` (at most U+10FFFF; callers clamp or check before).
inline void append_utf8_code_point(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

/// Appends the UTF-8 of `len` UCS-4 code units (values beyond U+10FFFF become U+FFFD).
inline void append_ucs4_as_utf8(std::string& out, const char* units, std::size_t len) {
  for (std::size_t c = 0; c < len; ++c) {
    std::uint32_t code;
    std::memcpy(&code, units + 4 * c, 4);
    if (code > 0x10FFFF) code = 0xFFFD;
    append_utf8_code_point(out, code);
  }
}

/// Narrows `count` UCS-4 code units to bytes; returns the OR of all units (>= 0x80: the
/// text was not ASCII and the bytes are not its encoding).
inline std::uint32_t narrow_ucs4(char* out, const char* in, std::size_t count) {
  std::uint32_t high = 0;
  std::size_t k = 0;
#if defined(__SSE2__)
  // 16 units a step, packed with saturation (exact below 0x80) and OR-ed for the check.
  __m128i any = _mm_setzero_si128();
  for (; k + 16 <= count; k += 16) {
    const char* at = in + 4 * k;
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 32));
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 48));
    any = _mm_or_si128(any, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k), _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d)));
  }
  alignas(16) std::uint32_t lanes[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), any);
  high = lanes[0] | lanes[1] | lanes[2] | lanes[3];
#endif
  for (; k < count; ++k) {
    std::uint32_t code;
    std::memcpy(&code, in + 4 * k, 4);
    high |= code;
    out[k] = static_cast<char>(code);
  }
  return high;
}

/// Length in characters of a fixed-width value (`width` characters of 1 or 4 bytes)
/// without its trailing NULs.
inline std::size_t fixed_text_length(const char* p, std::size_t width, bool ucs4) {
  std::size_t len = width;
  if (ucs4) {
    std::uint32_t code = 0;
    while (len > 0 && (std::memcpy(&code, p + 4 * (len - 1), 4), code == 0)) --len;
  } else {
    while (len > 0 && p[len - 1] == '\0') --len;
  }
  return len;
}

}  // namespace smartkampung::detail

#endif  // SMARTKAMPUNG_SRC_CORE_UTF8_HPP
