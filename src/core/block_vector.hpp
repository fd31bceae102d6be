// Private: an append-only array in blocks of 2^Shift elements that never move, so that
// appending never copies what is held. A std::vector of 10 M elements copies all of them
// at its last doubling, in one push_back; a service adding one record at a time would see
// that call take tens to hundreds of milliseconds. Indexing costs one more load (the
// block's address, from a small array that stays in cache).
#ifndef SMARTKAMPUNG_SRC_CORE_BLOCK_VECTOR_HPP
#define SMARTKAMPUNG_SRC_CORE_BLOCK_VECTOR_HPP

#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace smartkampung::detail {

template <typename T, std::size_t Shift = 16>
class BlockVector {
  static_assert(std::is_trivially_copyable_v<T>, "BlockVector holds plain values");

 public:
  static constexpr std::size_t kBlock = std::size_t{1} << Shift;

  void push_back(const T& v) {
    if (size_ == blocks_.size() * kBlock) blocks_.push_back(std::make_unique<T[]>(kBlock));
    (*this)[size_++] = v;
  }
  T& operator[](std::size_t i) { return blocks_[i >> Shift][i & (kBlock - 1)]; }
  const T& operator[](std::size_t i) const { return blocks_[i >> Shift][i & (kBlock - 1)]; }
  std::size_t size() const { return size_; }
  void clear() {
    blocks_.clear();
    size_ = 0;
  }
  /// n copies of v (replacing the content).
  void assign(std::size_t n, const T& v) {
    clear();
    for (std::size_t i = 0; i < n; ++i) push_back(v);
  }
  std::vector<T> to_vector() const {
    std::vector<T> out(size_);
    for (std::size_t i = 0; i < size_; ++i) out[i] = (*this)[i];
    return out;
  }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  std::size_t size_ = 0;
};

}  // namespace smartkampung::detail

#endif
