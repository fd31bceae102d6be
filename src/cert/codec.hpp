// Private: the encodings under signed files and stickers: hex, a small CBOR subset,
// COSE_Sign1 (Ed25519), zlib and base45 (RFC 9285).
#ifndef SMARTKAMPUNG_SRC_CERT_CODEC_HPP
#define SMARTKAMPUNG_SRC_CERT_CODEC_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <smartkampung/cert.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/signing.hpp"

namespace smartkampung::cert::detail {

// Hex, shared with every signed file (core/signing.hpp).
using smartkampung::detail::bytes_of_hex;
using smartkampung::detail::hex_of;

/// CBOR (RFC 8949) writing: each call appends one item's head or a whole scalar.
void cbor_uint(std::string& out, std::uint64_t v);
void cbor_int(std::string& out, std::int64_t v);
void cbor_bytes(std::string& out, std::string_view b);
void cbor_text(std::string& out, std::string_view t);
void cbor_array(std::string& out, std::size_t n);
void cbor_map(std::string& out, std::size_t n);
void cbor_tag(std::string& out, std::uint64_t tag);

/// One entry of a map with small integer keys (the claims of a sticker or a status list).
struct CborClaim {
  enum class Kind : std::uint8_t { kInt, kText, kBytes };
  std::int64_t key = 0;
  Kind kind = Kind::kInt;
  std::int64_t integer = 0;  ///< kInt
  std::string_view data;     ///< kText, kBytes (not owned: valid until cbor_claims returns)

  static CborClaim of_int(std::int64_t key, std::int64_t v) { return {key, Kind::kInt, v, {}}; }
  static CborClaim of_text(std::int64_t key, std::string_view v) {
    return {key, Kind::kText, 0, v};
  }
  static CborClaim of_bytes(std::int64_t key, std::string_view v) {
    return {key, Kind::kBytes, 0, v};
  }
};
/// The CBOR map of `claims`, in the order given (its size is the number of claims).
std::string cbor_claims(std::initializer_list<CborClaim> claims);

/// A decoded CBOR item (definite lengths only, depth and size bounded).
struct CborItem {
  enum class Kind : std::uint8_t { kInt, kBytes, kText, kArray, kMap, kTag, kSimple };
  Kind kind = Kind::kSimple;
  std::int64_t integer = 0;  ///< kInt (fits int64), kTag number, kSimple value
  std::string data;          ///< kBytes, kText
  std::vector<CborItem>
      items;  ///< kArray items; kMap keys and values alternating; kTag its content
  /// The value under an integer key of a map, or nullptr.
  const CborItem* at(std::int64_t key) const noexcept;
};
/// Decodes exactly one item filling `bytes`; false when malformed or beyond the limits.
bool cbor_decode(std::string_view bytes, CborItem& out);

/// COSE_Sign1 (tag 18) over `payload` with an Ed25519 key (alg -8, kid the key id's 8 bytes).
std::string cose_sign1(std::string_view payload, const SigningKey& key);
/// The parts of a COSE_Sign1 structure: false when it is not one (signature not checked).
bool cose_parse(std::string_view bytes, std::string& key_id_hex, std::string& payload,
                std::string& to_be_signed, std::string& signature);

/// zlib (RFC 1950) at the best compression.
std::string zlib_compress(std::string_view data);
/// Inflates; false when damaged or larger than max_size.
bool zlib_decompress(std::string_view data, std::size_t max_size, std::string& out);

/// base45 (RFC 9285).
std::string base45_encode(std::string_view data);
bool base45_decode(std::string_view text, std::string& out);

}  // namespace smartkampung::cert::detail

#endif
