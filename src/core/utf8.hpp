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
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace smartkampung::detail {

/// Length (1 to 4) of the well-formed UTF-8 sequence starting at text[i], or 0 when the
/// bytes there are not one (a stray continuation byte, an overlong form, a surrogate, a code
/// point above U+10FFFF, a truncated sequence). The table of RFC 3629, section 4.
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const std::size_t left = text.size() - i;
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  const auto tail = [&](std::size_t k) { return k < left && (byte(i + k) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return tail(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3 || !tail(2)) return 0;
    const unsigned char b1 = byte(i + 1);
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;  // E0: no overlong forms
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;  // ED: no surrogates
    return b1 >= lo && b1 <= hi ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4 || !tail(2) || !tail(3)) return 0;
    const unsigned char b1 = byte(i + 1);
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;  // F0: no overlong forms
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;  // F4: nothing above U+10FFFF
    return b1 >= lo && b1 <= hi ? 4 : 0;
  }
  return 0;
}

/// The offset of the first byte that is not part of well-formed UTF-8, or npos when all is.
inline std::size_t utf8_error_offset(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {  // ASCII runs, the common case
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

inline bool is_valid_utf8(std::string_view text) {
  return utf8_error_offset(text) == std::string_view::npos;
}

/// `text` with every byte that is not part of well-formed UTF-8 written as the four ASCII
/// characters \xHH, so that the result is valid UTF-8 and still shows what the bytes were.
inline std::string escape_invalid_utf8(std::string_view text) {
  std::size_t i = utf8_error_offset(text);
  if (i == std::string_view::npos) return std::string(text);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(text.substr(0, i));
  while (i < text.size()) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n > 0) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    const auto b = static_cast<unsigned char>(text[i++]);
    out += "\\x";
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

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
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k),
                     _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d)));
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
