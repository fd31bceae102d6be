// Private: district keys named by file paths at the C boundary (certificate stores,
// stickers, registry snapshots), checked the same way everywhere.
#ifndef SMARTKAMPUNG_SRC_CAPI_KEYS_HPP
#define SMARTKAMPUNG_SRC_CAPI_KEYS_HPP

#include <cstddef>
#include <memory>
#include <smartkampung/signing.hpp>
#include <vector>

#include "capi/guard.hpp"

namespace smartkampung::capi {

/// The public keys of n_pub district.pub files; pub_paths may be NULL only when n_pub is 0.
inline std::vector<PublicKey> public_keys_of(const char* const* pub_paths, std::size_t n_pub) {
  if (n_pub > 0) require(pub_paths, "pub_paths");
  std::vector<PublicKey> keys;
  for (std::size_t i = 0; i < n_pub; ++i) {
    require_text(pub_paths[i], "pub_paths[i]");
    keys.push_back(PublicKey::load(pub_paths[i]));
  }
  return keys;
}

/// The private key of a district.key file, or none for a NULL path.
inline std::shared_ptr<const SigningKey> signing_key_of(const char* key_path) {
  check_text(key_path, "key_path");
  if (key_path == nullptr) return nullptr;
  return std::make_shared<const SigningKey>(SigningKey::load(key_path));
}

}  // namespace smartkampung::capi

#endif
