// Private. The little binary files save() writes (the registry's, the Linker's): an
// 8-byte magic, a u32 format version, a payload, and the SHA-256 of everything before it.
// Integers are little-endian; strings are a length then the bytes. A Reader checks every
// length against what is left, so that a damaged file is refused with Error(kCorrupt)
// ("damaged <kind> file (...)") and never half-read.
#ifndef SMARTKAMPUNG_SRC_CORE_BINARY_HPP
#define SMARTKAMPUNG_SRC_CORE_BINARY_HPP

#include <cstdint>
#include <cstring>
#include <smartkampung/error.hpp>
#include <string>
#include <string_view>

#include "core/sha256.hpp"

namespace smartkampung::detail::binary {

[[noreturn]] inline void damaged(std::string_view kind, const std::string& what) {
  throw Error(ErrorCode::kCorrupt, "damaged " + std::string(kind) + " file (" + what + ")");
}

class Writer {
 public:
  /// Starts a file: the magic (8 bytes) and the format version.
  Writer(const char (&magic)[8], std::uint32_t format) {
    out_.append(magic, 8);
    u32(format);
  }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void i32(std::int32_t v) { le(static_cast<std::uint32_t>(v), 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  /// LEB128: 7 bits a byte, low first.
  void varint(std::uint64_t v) {
    do {
      out_.push_back(static_cast<char>((v & 0x7F) | (v > 0x7F ? 0x80 : 0)));
      v >>= 7;
    } while (v != 0);
  }
  /// A u64 length and the bytes.
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s.data(), s.size());
  }
  /// A varint length and the bytes (for many short strings).
  void short_str(std::string_view s) {
    varint(s.size());
    out_.append(s.data(), s.size());
  }
  /// Appends the checksum and hands the file over.
  std::string seal() {
    const auto digest = sha256(out_);
    out_.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    return std::move(out_);
  }

 private:
  void le(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string out_;
};

class Reader {
 public:
  /// Opens a sealed file: checks the magic, the checksum and the format version (all
  /// Error(kCorrupt) naming `kind`); the reader then stands after the version.
  Reader(std::string_view bytes, const char (&magic)[8], std::uint32_t format,
         std::string_view kind)
      : kind_(kind) {
    if (bytes.size() < 8 + 4 + 32 || std::memcmp(bytes.data(), magic, 8) != 0) {
      fail("not a smartkampung " + std::string(kind) + " file");
    }
    const std::string_view body = bytes.substr(0, bytes.size() - 32);
    const auto digest = sha256(body);
    if (std::memcmp(digest.data(), bytes.data() + body.size(), 32) != 0) fail("checksum mismatch");
    in_ = body;
    pos_ = 8;
    if (u32() != format) fail("unknown format version");
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(le(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(le(4)); }
  std::int32_t i32() { return static_cast<std::int32_t>(static_cast<std::uint32_t>(le(4))); }
  std::uint64_t u64() { return le(8); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (shift > 63) fail("bad varint");
      need(1);
      const auto byte = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
  }
  std::string str() { return take(u64()); }
  /// A short_str, viewing the file (valid while its bytes are).
  std::string_view short_str() {
    const std::uint64_t n = varint();
    need(n);
    const std::string_view s = in_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  /// A u64 count of items of at least min_bytes_each bytes, checked against what is left.
  std::size_t count(std::size_t min_bytes_each) {
    const std::uint64_t n = u64();
    if (min_bytes_each != 0 && n > (in_.size() - pos_) / min_bytes_each)
      fail("a count exceeds the file");
    return static_cast<std::size_t>(n);
  }
  bool done() const { return pos_ == in_.size(); }
  [[noreturn]] void fail(const std::string& what) const { damaged(kind_, what); }

 private:
  std::string take(std::uint64_t n) {
    need(n);
    std::string s(in_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  void need(std::uint64_t n) const {
    if (n > in_.size() - pos_) fail("truncated");
  }
  std::uint64_t le(int bytes) {
    need(static_cast<std::uint64_t>(bytes));
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<std::uint64_t>(
               static_cast<unsigned char>(in_[pos_ + static_cast<std::size_t>(i)]))
           << (8 * i);
    }
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string_view kind_;
};

}  // namespace smartkampung::detail::binary

#endif
