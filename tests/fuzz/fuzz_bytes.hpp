// Shared by the fuzz harnesses of the areas: reads choices from the front of the input
// and hands out the rest as text. Zeros once the input runs out.
#ifndef SMARTKAMPUNG_TESTS_FUZZ_BYTES_HPP
#define SMARTKAMPUNG_TESTS_FUZZ_BYTES_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace skamp_fuzz {

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool empty() const { return pos_ >= size_; }
  // Up to the next NUL or newline (excluded), or the end.
  std::string line() {
    std::string out;
    while (pos_ < size_ && data_[pos_] != '\0' && data_[pos_] != '\n')
      out.push_back(static_cast<char>(data_[pos_++]));
    if (pos_ < size_) ++pos_;
    return out;
  }
  // Everything left (NULs replaced by spaces: a C string cannot hold them).
  std::string rest() {
    std::string out(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
    std::replace(out.begin(), out.end(), '\0', ' ');
    pos_ = size_;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// True when `text` holds a run of 16 digits that also appears in `message`: an error
// message must never repeat a NIK (or KK) from the input.
inline bool repeats_a_nik(const std::string& message, const std::string& text) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    run = (text[i] >= '0' && text[i] <= '9') ? run + 1 : 0;
    if (run >= 16 && message.find(text.substr(i + 1 - 16, 16)) != std::string::npos) return true;
  }
  return false;
}

}  // namespace skamp_fuzz

#endif
