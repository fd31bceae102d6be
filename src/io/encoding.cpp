// Encoding detection: UTF-8 (with or without BOM) or Windows-1252, converted to UTF-8.
#include "io/encoding.hpp"

#include <cstring>
#include <smartkampung/io.hpp>

#include "core/utf8.hpp"

namespace smartkampung {

namespace {

// Windows-1252 bytes 0x80..0x9F as Unicode code points; 0 where the code page is undefined.
constexpr std::uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80-87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 88-8F
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90-97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 98-9F
};

bool all_ascii8(const unsigned char* p) noexcept {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return (word & 0x8080808080808080ULL) == 0;
}

}  // namespace

namespace detail {

std::size_t utf8_sequence_length(const unsigned char* p, std::size_t left) noexcept {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  std::size_t n;
  std::uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (left < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return n;
}

Utf8Scan scan_utf8(std::string_view bytes) noexcept {
  Utf8Scan scan;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n && all_ascii8(p + i)) {
      i += 8;
      continue;
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p + i, n - i);
    if (len == 0) {
      if (scan.first_invalid == std::string_view::npos) scan.first_invalid = i;
      ++i;
    } else {
      if (scan.first_multibyte == std::string_view::npos) scan.first_multibyte = i;
      i += len;
    }
  }
  return scan;
}

std::string_view decode_to_utf8(std::string_view bytes, std::string& storage,
                                TextEncoding* detected) {
  const bool bom = bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xEF &&
                   static_cast<unsigned char>(bytes[1]) == 0xBB &&
                   static_cast<unsigned char>(bytes[2]) == 0xBF;
  std::string_view body = bom ? bytes.substr(3) : bytes;
  const Utf8Scan scan = scan_utf8(body);
  const std::size_t base = bom ? 3 : 0;
  if (scan.first_invalid == std::string_view::npos) {
    if (detected != nullptr) *detected = bom ? TextEncoding::kUtf8Bom : TextEncoding::kUtf8;
    return body;
  }
  if (bom) {
    throw Error(ErrorCode::kParse,
                "encoding cannot be decided: the file starts with a UTF-8 BOM but byte offset " +
                    std::to_string(base + scan.first_invalid) + " is not valid UTF-8");
  }
  if (scan.first_multibyte != std::string_view::npos) {
    throw Error(ErrorCode::kParse,
                "encoding cannot be decided: valid UTF-8 at byte offset " +
                    std::to_string(scan.first_multibyte) + " but invalid UTF-8 at byte offset " +
                    std::to_string(scan.first_invalid) + " (mixed UTF-8 and Windows-1252?)");
  }
  // Windows-1252: every byte must be defined by the code page.
  storage.clear();
  storage.reserve(body.size() + body.size() / 8);
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c < 0x80) {
      storage.push_back(static_cast<char>(c));
    } else if (c < 0xA0) {
      const std::uint16_t cp = kCp1252High[c - 0x80];
      if (cp == 0) {
        throw Error(ErrorCode::kParse, "encoding cannot be decided: byte offset " +
                                           std::to_string(i) +
                                           " is neither valid UTF-8 nor defined in Windows-1252");
      }
      detail::append_utf8_code_point(storage, cp);
    } else {
      detail::append_utf8_code_point(storage, c);
    }
  }
  if (detected != nullptr) *detected = TextEncoding::kWindows1252;
  return storage;
}

}  // namespace detail

const char* text_encoding_name(TextEncoding encoding) noexcept {
  switch (encoding) {
    case TextEncoding::kUtf8:
      return "utf-8";
    case TextEncoding::kUtf8Bom:
      return "utf-8-sig";
    case TextEncoding::kWindows1252:
      return "windows-1252";
  }
  return "unknown";
}

std::string to_utf8(std::string_view bytes, TextEncoding* detected) {
  std::string storage;
  const std::string_view text = detail::decode_to_utf8(bytes, storage, detected);
  if (text.data() == storage.data()) return storage;
  return std::string(text);
}

}  // namespace smartkampung
