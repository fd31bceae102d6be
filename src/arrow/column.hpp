// The buffers of a built column, in Arrow's layout (private to src/arrow).
#ifndef SMARTKAMPUNG_SRC_ARROW_COLUMN_HPP
#define SMARTKAMPUNG_SRC_ARROW_COLUMN_HPP

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <smartkampung/arrow.hpp>
#include <string>
#include <vector>

namespace smartkampung::arrow::detail {

/// Bytes with 64-byte alignment is not needed by consumers (8 is what the specification
/// recommends at least); std::vector<std::uint64_t> storage gives 8.
struct Buffer {
  std::vector<std::uint64_t> words;
  std::size_t bytes = 0;
  const void* data() const noexcept { return bytes == 0 ? nullptr : words.data(); }
  std::uint8_t* bytes_ptr() noexcept { return reinterpret_cast<std::uint8_t*>(words.data()); }
  void resize(std::size_t n) {
    words.resize((n + 7) / 8 + 1, 0);
    bytes = n;
  }
  void reserve(std::size_t n) { words.reserve((n + 7) / 8 + 1); }
  template <typename T>
  void push(T value) {
    const std::size_t at = bytes;
    if ((at + sizeof(T) + 7) / 8 + 1 > words.size())
      words.resize(std::max<std::size_t>(words.size() * 2, (at + sizeof(T) + 7) / 8 + 1), 0);
    std::memcpy(bytes_ptr() + at, &value, sizeof(T));
    bytes = at + sizeof(T);
  }
  void append(const void* p, std::size_t n) {
    const std::size_t at = bytes;
    if ((at + n + 7) / 8 + 1 > words.size())
      words.resize(std::max<std::size_t>(words.size() * 2, (at + n + 7) / 8 + 1), 0);
    if (n > 0) std::memcpy(bytes_ptr() + at, p, n);
    bytes = at + n;
  }
};

struct ColumnData {
  std::string name;
  std::string format;  // Arrow format string
  Type type = Type::kNull;
  std::int64_t length = 0;
  std::int64_t null_count = 0;
  Buffer validity;  // empty when no null
  Buffer values;    // fixed-width values, bool bits, or int32 offsets (utf8, list)
  Buffer chars;     // utf8 characters
  std::vector<std::shared_ptr<const ColumnData>> children;  // a list's item
  std::shared_ptr<const ColumnData> dictionary;             // dictionary-encoded: the utf8 values
};

}  // namespace smartkampung::arrow::detail

#endif
