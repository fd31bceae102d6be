// Ed25519 district keys (libsodium): key files, signing and verification, and the
// signed envelope of sealed binary files (registry snapshots).
#include "core/signing.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <smartkampung/io.hpp>
#include <smartkampung/signing.hpp>
#include <string>

#include "core/sha256.hpp"

namespace smartkampung {

namespace {

constexpr char kPublicTag[] = "skamp-ed25519-public/1";
constexpr char kPrivateTag[] = "skamp-ed25519-private/1";

void ensure_sodium() {
  // sodium_init is thread-safe and idempotent; a failure means no usable random source.
  static const int ready = sodium_init();
  if (ready < 0) throw Error(ErrorCode::kInternal, "the cryptography library could not start");
}

std::string hex_digits(const std::uint8_t* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Lowercase hex of exactly n bytes into out; false otherwise.
bool from_hex(std::string_view text, std::uint8_t* out, std::size_t n) {
  if (text.size() != 2 * n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string key_id_of(const std::array<std::uint8_t, 32>& pub) {
  const auto digest = smartkampung::detail::sha256(
      std::string_view(reinterpret_cast<const char*>(pub.data()), pub.size()));
  return hex_digits(digest.data(), 8);
}

// "<tag> <key id> <hex>" with optional trailing newline: the three words, or false.
bool split_key_text(std::string_view text, std::string_view tag, std::string_view& id,
                    std::string_view& hex) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.size() < tag.size() + 1 || text.substr(0, tag.size()) != tag || text[tag.size()] != ' ')
    return false;
  text.remove_prefix(tag.size() + 1);
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return false;
  id = text.substr(0, space);
  hex = text.substr(space + 1);
  return id.size() == 16 && hex.find(' ') == std::string_view::npos;
}

}  // namespace

namespace detail {
std::string hex_of(std::string_view bytes) {
  return hex_digits(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}
bool bytes_of_hex(std::string_view hex, std::string& out, std::size_t n) {
  out.assign(n, '\0');
  return from_hex(hex, reinterpret_cast<std::uint8_t*>(out.data()), n);
}

std::string signature_problem(std::string_view what, const std::vector<PublicKey>& keys,
                              bool allow_unsigned, std::string_view key_id,
                              std::string_view message, std::string_view signature) {
  if (keys.empty()) return {};
  if (key_id.empty()) {
    if (allow_unsigned) return {};
    return std::string(what) + " is not signed, and a district public key is configured";
  }
  const PublicKey* found = nullptr;
  for (const PublicKey& k : keys) {
    if (k.key_id() == key_id) found = &k;
  }
  if (found == nullptr) {
    return std::string(what) + " is signed with key " + std::string(key_id) +
           ", which is not a configured public key";
  }
  if (!found->verify(message, signature)) {
    return "the signature by key " + std::string(key_id) + " does not verify (" +
           std::string(what) + " was changed after it was signed)";
  }
  return {};
}

namespace {

constexpr char kEnvelopeMagic[8] = {'S', 'K', 'A', 'M', 'P', 'S', 'I', 'G'};
constexpr std::uint32_t kEnvelopeFormat = 1;
constexpr std::size_t kKeyIdBytes = 8;
constexpr std::size_t kSignatureBytes = 64;
constexpr std::size_t kEnvelopeHead = 8 + 4 + kKeyIdBytes + kSignatureBytes;
constexpr std::size_t kSealBytes = 32;

std::string envelope_message(std::string_view sealed) {
  // The sealed file's magic (its kind) and its seal: the reader of the file checks that the
  // seal is the SHA-256 of everything before it.
  std::string m = "skamp-signed-file/1";
  m.append(sealed.substr(0, 8));
  m.append(sealed.substr(sealed.size() - kSealBytes));
  return m;
}

}  // namespace

std::string sign_sealed(std::string sealed, const SigningKey& key) {
  if (sealed.size() < 8 + kSealBytes)
    throw Error(ErrorCode::kInternal, "sign_sealed: not a sealed file");
  std::string key_id;
  bytes_of_hex(key.key_id(), key_id, kKeyIdBytes);
  std::string out(kEnvelopeMagic, 8);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((kEnvelopeFormat >> (8 * i)) & 0xFF));
  out += key_id;
  out += key.sign(envelope_message(sealed));
  out += sealed;
  return out;
}

std::string_view open_sealed(std::string_view bytes, std::string_view kind,
                             const SignatureOptions& options) {
  const std::string what = "the " + std::string(kind) + " file";
  std::string key_id;
  std::string_view signature;
  std::string_view sealed = bytes;
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kEnvelopeMagic, 8) == 0) {
    auto damaged = [&](const std::string& why) {
      return Error(ErrorCode::kCorrupt, "damaged " + std::string(kind) + " file (" + why + ")");
    };
    if (bytes.size() < kEnvelopeHead + 8 + kSealBytes)
      throw damaged("truncated signature envelope");
    std::uint32_t format = 0;
    for (int i = 0; i < 4; ++i)
      format |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[8 + i])) << (8 * i);
    if (format != kEnvelopeFormat) throw damaged("unknown signature format version");
    key_id = hex_of(bytes.substr(12, kKeyIdBytes));
    signature = bytes.substr(12 + kKeyIdBytes, kSignatureBytes);
    sealed = bytes.substr(kEnvelopeHead);
  }
  const std::string problem =
      signature_problem(what, options.public_keys, options.allow_unsigned, key_id,
                        key_id.empty() ? std::string() : envelope_message(sealed), signature);
  if (!problem.empty()) throw Error(ErrorCode::kCorrupt, problem);
  return sealed;
}

}  // namespace detail

PublicKey PublicKey::from_text(std::string_view text) {
  std::string_view id;
  std::string_view hex;
  PublicKey key;
  if (!split_key_text(text, kPublicTag, id, hex) || !from_hex(hex, key.bytes_.data(), 32)) {
    throw Error(ErrorCode::kInvalidArgument,
                "not a district public key (expected a line \"skamp-ed25519-public/1 <key id> <64 "
                "hex digits>\")");
  }
  key.key_id_ = key_id_of(key.bytes_);
  if (key.key_id_ != id) {
    throw Error(ErrorCode::kInvalidArgument,
                "district public key: the key id does not match the key");
  }
  return key;
}

PublicKey PublicKey::load(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return from_text(text);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

std::string PublicKey::to_text() const {
  return std::string(kPublicTag) + " " + key_id_ + " " + hex_digits(bytes_.data(), bytes_.size()) +
         "\n";
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const noexcept {
  if (signature.size() != crypto_sign_BYTES || key_id_.empty()) return false;
  if (sodium_init() < 0) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), bytes_.data()) == 0;
}

SigningKey SigningKey::generate() {
  ensure_sodium();
  SigningKey key;
  crypto_sign_keypair(key.public_.bytes_.data(), key.secret_.data());
  key.public_.key_id_ = key_id_of(key.public_.bytes_);
  return key;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

SigningKey SigningKey::load(const std::string& path) {
  ensure_sodium();
  std::string text = read_file(path);
  std::string_view id;
  std::string_view hex;
  std::array<std::uint8_t, 32> seed{};
  const bool ok = split_key_text(text, kPrivateTag, id, hex) && from_hex(hex, seed.data(), 32);
  const std::string key_id_text(ok ? id : std::string_view());
  sodium_memzero(text.data(), text.size());
  if (!ok) {
    throw Error(ErrorCode::kInvalidArgument,
                path + ": not a district private key (expected a file written by 'cert keygen')");
  }
  SigningKey key;
  crypto_sign_seed_keypair(key.public_.bytes_.data(), key.secret_.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  key.public_.key_id_ = key_id_of(key.public_.bytes_);
  if (key.public_.key_id_ != key_id_text) {
    throw Error(ErrorCode::kInvalidArgument, path + ": the key id does not match the private key");
  }
  return key;
}

PublicKey SigningKey::save(const std::string& dir) const {
  if (dir.empty())
    throw Error(ErrorCode::kInvalidArgument, "key folder: empty path (name a folder, e.g. '.')");
  const std::string key_path = dir + "/district.key";
  // The private key is written once, exclusively, never through a symlink, readable by the
  // owner only; an existing key is never replaced (a rotation writes to a new folder).
  const int fd =
      ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(ErrorCode::kIo, "cannot write '" + key_path + "': " + std::strerror(errno) +
                                    (errno == EEXIST ? " (a key is never overwritten)" : ""));
  }
  std::string text =
      std::string(kPrivateTag) + " " + key_id() + " " + hex_digits(secret_.data(), 32) + "\n";
  std::size_t written = 0;
  int err = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  sodium_memzero(text.data(), text.size());
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(key_path.c_str());
    throw Error(ErrorCode::kIo, "cannot write '" + key_path + "': " + std::strerror(err));
  }
  write_file_atomic(dir + "/district.pub", public_.to_text());
  // The public key is meant to be shared: readable by everyone.
  (void)::chmod((dir + "/district.pub").c_str(), 0644);
  return public_;
}

std::string SigningKey::sign(std::string_view message) const {
  ensure_sodium();
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return sig;
}

}  // namespace smartkampung
