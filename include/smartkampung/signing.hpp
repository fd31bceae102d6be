// smartkampung/signing.hpp: the district's Ed25519 keys, which sign what leaves the office
// (certificate logs, stickers, status lists, registry snapshots), and the options saying
// how a signed file is written and checked.
#ifndef SMARTKAMPUNG_SIGNING_HPP
#define SMARTKAMPUNG_SIGNING_HPP

#include <smartkampung/export.h>

#include <array>
#include <cstdint>
#include <memory>
#include <smartkampung/error.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace smartkampung {

/// An Ed25519 public key of the district, as verifiers hold it. The key id is the first 8
/// bytes of the SHA-256 of the key, in hex (16 characters): it names the key in signed
/// files and messages. Immutable; safe to share between threads.
class SMARTKAMPUNG_EXPORT PublicKey {
 public:
  /// Parses the text of a district.pub file ("skamp-ed25519-public/1 <key id> <64 hex>");
  /// Error(kInvalidArgument) when it is not one.
  static PublicKey from_text(std::string_view text);
  /// Reads a district.pub file; Error(kIo) when unreadable, else as from_text.
  static PublicKey load(const std::string& path);
  /// The text of a district.pub file (one line, with its newline).
  std::string to_text() const;
  const std::string& key_id() const noexcept { return key_id_; }
  const std::array<std::uint8_t, 32>& bytes() const noexcept { return bytes_; }
  /// True when `signature` (64 bytes) is this key's Ed25519 signature of `message`.
  bool verify(std::string_view message, std::string_view signature) const noexcept;

 private:
  friend class SigningKey;
  std::array<std::uint8_t, 32> bytes_{};
  std::string key_id_;
};

/// The district's private Ed25519 signing key. Whoever holds it can write history that
/// verifiers accept, so its file is created with mode 0600 and never overwritten.
/// Safe to share between threads (signing does not change it).
class SMARTKAMPUNG_EXPORT SigningKey {
 public:
  /// A fresh key from the operating system's random source.
  static SigningKey generate();
  /// Reads a district.key file; Error(kIo) when unreadable, Error(kInvalidArgument) when it
  /// is not a key file.
  static SigningKey load(const std::string& path);
  /// Writes dir/district.key (mode 0600, refused when it exists) and dir/district.pub;
  /// Error(kIo) on failure. Returns the public key.
  PublicKey save(const std::string& dir) const;
  const std::string& key_id() const noexcept { return public_.key_id(); }
  const PublicKey& public_key() const noexcept { return public_; }
  /// The 64-byte Ed25519 signature of `message`.
  std::string sign(std::string_view message) const;
  ~SigningKey();
  SigningKey(const SigningKey&) = default;
  SigningKey& operator=(const SigningKey&) = default;

 private:
  SigningKey() = default;
  std::array<std::uint8_t, 64> secret_{};
  PublicKey public_;
};

/// How a signed file (a registry snapshot) is written and read. With public_keys given, a
/// file must carry a valid signature by one of them (old keys stay listed after a
/// rotation) or it is refused, naming the key id or saying "not signed"; allow_unsigned
/// also reads an unsigned file on purpose (a signed one must still verify). Without public
/// keys, signatures are not checked. `key`, when set, signs every save.
struct SignatureOptions {
  std::vector<PublicKey> public_keys;
  bool allow_unsigned = false;
  std::shared_ptr<const SigningKey> key;
};

}  // namespace smartkampung

#endif
