// Private: SHA-256 (FIPS 180-4), used for rule-set fingerprints and the
// certificate event chain.
#ifndef SMARTKAMPUNG_SRC_CORE_SHA256_HPP
#define SMARTKAMPUNG_SRC_CORE_SHA256_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smartkampung::detail {

class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;
  Sha256() noexcept;
  void update(std::string_view data) noexcept;
  Digest finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

Sha256::Digest sha256(std::string_view data) noexcept;
/// Lowercase hex of the SHA-256 of data.
std::string sha256_hex(std::string_view data);
std::string to_hex(const Sha256::Digest& digest);

}  // namespace smartkampung::detail

#endif
