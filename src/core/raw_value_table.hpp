// Private: a small open-addressing table of distinct fixed-width byte strings (numpy `S`/`U`
// items, programme codes), used by the rules' column setters and by the Python bindings
// that feed them, so that a column of a few distinct values is mapped once per value.
#ifndef SMARTKAMPUNG_SRC_CORE_RAW_VALUE_TABLE_HPP
#define SMARTKAMPUNG_SRC_CORE_RAW_VALUE_TABLE_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace smartkampung::detail {

// Distinct fixed-width raw values (at most 128), found by a hash of their bytes: random
// columns of a few values would mispredict a compare-with-each scheme on every row.
// `Item` > 0 fixes the width at compile time (the reads of a lookup are then unrolled);
// 0 takes it at run time. with_raw_value_table() picks one for a width.
template <std::size_t Item = 0>
class RawValueTable {
 public:
  explicit RawValueTable(std::size_t item) : item_(Item > 0 ? Item : item) { slots_.fill(-1); }
  /// The value stored for the bytes at p, or null (then insert() may add it).
  const std::int64_t* find(const char* p) {
    std::size_t s = hash(p);
    for (;;) {
      const std::int32_t k = slots_[s];
      if (k < 0) {
        free_slot_ = s;
        return nullptr;
      }
      if (equal(p, keys_[static_cast<std::size_t>(k)]))
        return &values_[static_cast<std::size_t>(k)];
      s = (s + 1) & (kSlots - 1);
    }
  }
  /// Right after find(p) gave null; p must stay valid. False when the table is full.
  bool insert(const char* p, std::int64_t value) {
    if (keys_.size() >= kSlots / 2) return false;
    slots_[free_slot_] = static_cast<std::int32_t>(keys_.size());
    keys_.push_back(p);
    values_.push_back(value);
    return true;
  }

 private:
  static constexpr std::size_t kSlots = 256;
  // The item is read as whole 8-byte words plus one word ending at its last byte (which
  // may overlap the one before); a shorter item as two 4-byte reads or three bytes. Every
  // byte is read, the count of reads is fixed for a table (no branch that depends on the
  // value) and the words are mixed independently (no chain of multiplies a row).
  static std::uint64_t word(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  static std::uint64_t short_item(const char* p, std::size_t item) {
    if (item >= 4) {
      std::uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + item - 4, 4);
      return lo | (std::uint64_t{hi} << 32);
    }
    if (item == 0) return 0;
    return static_cast<unsigned char>(p[0]) |
           (std::uint64_t{static_cast<unsigned char>(p[item / 2])} << 8) |
           (std::uint64_t{static_cast<unsigned char>(p[item - 1])} << 16);
  }
  std::size_t hash(const char* p) const {
    std::uint64_t h = 0;
    const std::size_t item = width();
    if (item < 8) {
      h = (short_item(p, item) + 0x9E3779B97F4A7C15ULL) * 0xFF51AFD7ED558CCDULL;
    } else {
      std::uint64_t salt = 0x9E3779B97F4A7C15ULL;
      std::size_t at = 0;
      for (; at + 8 < item; at += 8, salt += 0x9E3779B97F4A7C15ULL)
        h ^= (word(p + at) + salt) * 0xFF51AFD7ED558CCDULL;
      h ^= (word(p + item - 8) + salt) * 0xC4CEB9FE1A85EC53ULL;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h >> 56) & (kSlots - 1);
  }
  bool equal(const char* a, const char* b) const {
    const std::size_t item = width();
    if (item < 8) return short_item(a, item) == short_item(b, item);
    std::uint64_t diff = 0;
    for (std::size_t at = 0; at + 8 < item; at += 8) diff |= word(a + at) ^ word(b + at);
    diff |= word(a + item - 8) ^ word(b + item - 8);
    return diff == 0;
  }
  std::size_t width() const { return Item > 0 ? Item : item_; }
  std::size_t item_;
  std::array<std::int32_t, kSlots> slots_{};
  std::size_t free_slot_ = 0;
  std::vector<const char*> keys_;
  std::vector<std::int64_t> values_;
};

/// Calls fn(table) with an empty RawValueTable for items of `item` bytes, of a width fixed
/// at compile time for the usual numpy widths ('S1'..'S8', 'U1'..'U12', 'U16').
template <typename Fn>
void with_raw_value_table(std::size_t item, Fn&& fn) {
  switch (item) {
#define SMARTKAMPUNG_RAW_VALUE_WIDTH(w) \
  case w: {                             \
    RawValueTable<w> table(w);          \
    fn(table);                          \
    return;                             \
  }
    // clang-format off
    SMARTKAMPUNG_RAW_VALUE_WIDTH(1)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(2)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(3)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(4)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(5)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(6)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(7)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(8)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(12)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(16)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(20)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(24)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(28)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(32)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(36)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(40)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(44)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(48)
    SMARTKAMPUNG_RAW_VALUE_WIDTH(64)
#undef SMARTKAMPUNG_RAW_VALUE_WIDTH
    default: {
      RawValueTable<0> table(item);
      fn(table);
    }
      // clang-format on
  }
}

}  // namespace smartkampung::detail

#endif  // SMARTKAMPUNG_SRC_CORE_RAW_VALUE_TABLE_HPP
