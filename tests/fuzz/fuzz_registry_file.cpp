// A registry snapshot as found on disk: the signed envelope (detail::open_sealed), then the
// sealed file behind it (detail::deserialize). The first byte chooses: 0 (mod 3), the rest
// is a file as found; 1, the rest is a registry file's content after the magic and version,
// sealed here with a valid checksum; 2, the same, sealed and signed with the harness's key,
// so that the fuzzer reaches the parsing behind a valid signature. Each file is opened
// without keys, with the key, and with the key and allow_unsigned.
// Invariants: every failure is Error(kCorrupt); a file signed here passes the signature
// check; an unsigned file is refused ("not signed") exactly when the key is configured
// without allow_unsigned; a snapshot that loads saves to bytes that load and save to
// themselves.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <smartkampung/error.hpp>
#include <smartkampung/signing.hpp>
#include <string>
#include <vector>

#include "core/sha256.hpp"
#include "core/signing.hpp"
#include "fuzz_check.hpp"
#include "registry/internal.hpp"

namespace sk = smartkampung;

namespace {

std::string sealed(const std::string& content) {
  std::string file = std::string("SKAMPREG") + std::string("\x01\x00\x00\x00", 4) + content;
  const auto digest = sk::detail::sha256(file);
  file.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return file;
}

const sk::SigningKey& harness_key() {
  static const sk::SigningKey key = sk::SigningKey::generate();
  return key;
}

// Opens `file` under `options`; true when the snapshot loaded. Only Error(kCorrupt) may fail it.
bool try_load(const std::string& file, const sk::SignatureOptions& options, bool signed_here) {
  std::string_view inner;
  try {
    inner = sk::detail::open_sealed(file, "registry", options);
  } catch (const sk::Error& e) {
    FUZZ_CHECK(e.code() == sk::ErrorCode::kCorrupt);
    FUZZ_CHECK(!signed_here);  // the signature made here always verifies
    return false;
  }
  const bool is_signed = file.size() >= 8 && std::memcmp(file.data(), "SKAMPSIG", 8) == 0;
  FUZZ_CHECK(is_signed || options.public_keys.empty() || options.allow_unsigned);
  auto snap = std::make_shared<sk::detail::Snapshot>();
  std::vector<sk::QueuedReport> reports;
  try {
    sk::detail::deserialize(inner, *snap, reports);
  } catch (const sk::Error& e) {
    FUZZ_CHECK(e.code() == sk::ErrorCode::kCorrupt);
    return false;
  }
  const std::string saved = sk::detail::serialize(*snap, reports);
  auto back = std::make_shared<sk::detail::Snapshot>();
  std::vector<sk::QueuedReport> back_reports;
  sk::detail::deserialize(saved, *back, back_reports);
  FUZZ_CHECK(sk::detail::serialize(*back, back_reports) == saved);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int choice = data[0] % 3;
  // The bytes as they are (Bytes::rest() would turn the format's NULs into spaces).
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string file = rest;
  if (choice >= 1) file = sealed(rest);
  if (choice == 2) file = sk::detail::sign_sealed(file, harness_key());

  sk::SignatureOptions none;
  sk::SignatureOptions strict;
  strict.public_keys = {harness_key().public_key()};
  sk::SignatureOptions lenient = strict;
  lenient.allow_unsigned = true;
  const bool plain = try_load(file, none, choice == 2);
  const bool checked = try_load(file, strict, choice == 2);
  const bool allowed = try_load(file, lenient, choice == 2);
  // A key changes only whether the signature is accepted, never how the content parses.
  if (choice == 2) FUZZ_CHECK(plain == checked && checked == allowed);
  if (choice == 1) FUZZ_CHECK(!checked && plain == allowed);
  return 0;
}
