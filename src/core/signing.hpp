// Private: what every signed file shares: hex, the one check of a found signature
// against the configured keys (one wording everywhere), and the signed envelope of a
// sealed binary file (core/binary.hpp), used by registry snapshots.
#ifndef SMARTKAMPUNG_SRC_CORE_SIGNING_HPP
#define SMARTKAMPUNG_SRC_CORE_SIGNING_HPP

#include <cstddef>
#include <smartkampung/signing.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace smartkampung::detail {

/// Lowercase hex of bytes.
std::string hex_of(std::string_view bytes);
/// Exactly n bytes from 2n lowercase hex digits into out; false otherwise.
bool bytes_of_hex(std::string_view hex, std::string& out, std::size_t n);

/// Why a file's signature is not acceptable under `keys`, or "" when it is. `what` names
/// the file ("the log", "the registry file"); an empty key_id means the file is unsigned.
/// Without keys nothing is checked; with keys, an unsigned file is refused ("... is not
/// signed ...") unless allow_unsigned, and a signature must be by one of the keys (else
/// "... signed with key <id>, which is not a configured public key") and verify.
std::string signature_problem(std::string_view what, const std::vector<PublicKey>& keys,
                              bool allow_unsigned, std::string_view key_id,
                              std::string_view message, std::string_view signature);

/// The signed envelope of a sealed binary file: "SKAMPSIG", a u32 format (1), the key id
/// (8 bytes), the Ed25519 signature (64 bytes), then the sealed file unchanged. The
/// signature covers "skamp-signed-file/1", the sealed file's magic and its seal (the
/// SHA-256 of its content, which the file's reader checks), so that editing and resealing
/// the content needs the private key.
std::string sign_sealed(std::string sealed, const SigningKey& key);

/// The sealed file inside `bytes` (a view into it), after checking per options:
/// Error(kCorrupt) "damaged <kind> file (...)" for a malformed envelope, or naming the
/// key id / saying "not signed" as signature_problem does. An unsigned file is returned
/// as it is (its own reader checks its magic and seal).
std::string_view open_sealed(std::string_view bytes, std::string_view kind,
                             const SignatureOptions& options);

}  // namespace smartkampung::detail

#endif
