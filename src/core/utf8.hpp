// Private: the UTF-8 encoding of one Unicode code point, shared by the CSV reader
// (Windows-1252 to UTF-8), the rules' column setters and the Python bindings (numpy
// UCS-4 text to UTF-8).
#ifndef SMARTKAMPUNG_SRC_CORE_UTF8_HPP
#define SMARTKAMPUNG_SRC_CORE_UTF8_HPP

#include <cstdint>
#include <string>

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

}  // namespace smartkampung::detail

#endif  // SMARTKAMPUNG_SRC_CORE_UTF8_HPP
