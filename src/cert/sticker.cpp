// The visitor's credential ("SKC1:"), the signed status list ("SKS1:") and the offline
// verifier. Both texts are zlib(COSE_Sign1(CBOR claims)) in base45 behind a prefix.
#include <cmath>
#include <smartkampung/cert.hpp>

#include "cert/codec.hpp"
#include "cert/jsonl.hpp"

namespace smartkampung::cert {

namespace {

using detail::CborClaim;
using detail::CborItem;

constexpr std::string_view kCredentialPrefix = "SKC1:";
constexpr std::string_view kStatusPrefix = "SKS1:";
constexpr std::int64_t kCredentialKind = 1;
constexpr std::int64_t kStatusKind = 2;
constexpr std::size_t kMaxCredentialBytes = 64 * 1024;
constexpr std::size_t kMaxStatusBytes = 64 * 1024 * 1024;

// Claim keys of a credential (small integers keep the QR code small).
enum Claim : std::int64_t {
  kKind = 0,
  kIssuer = 1,
  kBusiness = 2,
  kName = 3,
  kCategory = 4,
  kLat = 5,
  kLon = 6,
  kCertificate = 7,
  kSerial = 8,
  kValidFrom = 9,
  kValidEnd = 10,
  kValidUntil = 11,
  kMaxVisitors = 12,
  kOffset = 13,
  kSignedAt = 14,
};
// Claim keys of a status list.
enum ListClaim : std::int64_t {
  kListKind = 0,
  kListIssuer = 1,
  kListDate = 2,
  kListCount = 3,
  kListStates = 4
};

std::string wrap(std::string_view prefix, std::string_view payload, const SigningKey& key) {
  return std::string(prefix) +
         detail::base45_encode(detail::zlib_compress(detail::cose_sign1(payload, key)));
}

std::string_view trim(std::string_view t) {
  while (!t.empty() &&
         (t.front() == ' ' || t.front() == '\n' || t.front() == '\r' || t.front() == '\t')) {
    t.remove_prefix(1);
  }
  while (!t.empty() &&
         (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return t;
}

enum class Unwrap { kOk, kMalformed, kUnknownKey, kBadSignature };

// Undoes wrap() and checks the signature against the keys; the claims in `claims`.
Unwrap unwrap(std::string_view text, std::string_view prefix, std::size_t max_size,
              const std::vector<PublicKey>& keys, CborItem& claims, std::string& key_id) {
  text = trim(text);
  if (text.substr(0, prefix.size()) != prefix) return Unwrap::kMalformed;
  std::string compressed;
  std::string cose;
  if (!detail::base45_decode(text.substr(prefix.size()), compressed) ||
      !detail::zlib_decompress(compressed, max_size, cose)) {
    return Unwrap::kMalformed;
  }
  std::string payload;
  std::string tbs;
  std::string signature;
  if (!detail::cose_parse(cose, key_id, payload, tbs, signature)) return Unwrap::kMalformed;
  const PublicKey* key = nullptr;
  for (const PublicKey& k : keys) {
    if (k.key_id() == key_id) key = &k;
  }
  if (key == nullptr) return Unwrap::kUnknownKey;
  if (!key->verify(tbs, signature)) return Unwrap::kBadSignature;
  if (!detail::cbor_decode(payload, claims) || claims.kind != CborItem::Kind::kMap)
    return Unwrap::kMalformed;
  return Unwrap::kOk;
}

bool get_int(const CborItem& m, std::int64_t key, std::int64_t& out) {
  const CborItem* v = m.at(key);
  if (v == nullptr || v->kind != CborItem::Kind::kInt) return false;
  out = v->integer;
  return true;
}
bool get_text(const CborItem& m, std::int64_t key, std::string& out) {
  const CborItem* v = m.at(key);
  if (v == nullptr || v->kind != CborItem::Kind::kText) return false;
  out = v->data;
  return true;
}

}  // namespace

std::string encode_credential(Credential c, const SigningKey& key) {
  c.key_id = key.key_id();
  const std::string p = detail::cbor_claims({
      CborClaim::of_int(kKind, kCredentialKind),
      CborClaim::of_text(kIssuer, c.issuer),
      CborClaim::of_int(kBusiness, c.business_id),
      CborClaim::of_text(kName, c.name),
      CborClaim::of_text(kCategory, c.category),
      CborClaim::of_int(kLat, static_cast<std::int64_t>(std::llround(c.lat * 1e6))),
      CborClaim::of_int(kLon, static_cast<std::int64_t>(std::llround(c.lon * 1e6))),
      CborClaim::of_text(kCertificate, c.certificate_id),
      CborClaim::of_int(kSerial, c.serial),
      CborClaim::of_int(kValidFrom, c.valid_from),
      CborClaim::of_int(kValidEnd, c.valid_end),
      CborClaim::of_int(kValidUntil, c.valid_until.days_since_epoch()),
      CborClaim::of_int(kMaxVisitors, c.max_visitors),
      CborClaim::of_int(kOffset, c.utc_offset_minutes),
      CborClaim::of_int(kSignedAt, c.signed_at),
  });
  return wrap(kCredentialPrefix, p, key);
}

std::string encode_status_list(const StatusList& list, const SigningKey& key) {
  // 2 bits a serial, 4 serials a byte, lowest bits first.
  std::string bits((list.states.size() + 3) / 4, '\0');
  for (std::size_t i = 0; i < list.states.size(); ++i) {
    bits[i / 4] = static_cast<char>(static_cast<std::uint8_t>(bits[i / 4]) |
                                    ((list.states[i] & 3u) << (2 * (i % 4))));
  }
  const std::string packed = detail::zlib_compress(bits);
  const std::string p = detail::cbor_claims({
      CborClaim::of_int(kListKind, kStatusKind),
      CborClaim::of_text(kListIssuer, list.issuer),
      CborClaim::of_int(kListDate, list.issued_at),
      CborClaim::of_int(kListCount, static_cast<std::int64_t>(list.states.size())),
      CborClaim::of_bytes(kListStates, packed),
  });
  return wrap(kStatusPrefix, p, key);
}

Verification verify_credential(std::string_view text, const std::vector<PublicKey>& keys, Instant t,
                               std::string_view status_list, Instant max_list_age_s) {
  Verification v;
  // The status list first: a list that does not verify is the caller's error, not the sticker's.
  std::vector<std::uint8_t> states;
  if (!trim(status_list).empty()) {
    CborItem list;
    std::string list_key;
    const Unwrap r = unwrap(status_list, kStatusPrefix, kMaxStatusBytes, keys, list, list_key);
    std::int64_t kind = 0;
    std::int64_t date = 0;
    std::int64_t count = 0;
    const CborItem* packed = list.at(kListStates);
    std::string bits;
    if (r == Unwrap::kUnknownKey) {
      throw Error(ErrorCode::kInvalidArgument, "status list: signed with key " + list_key +
                                                   ", which is not a configured public key");
    }
    if (r != Unwrap::kOk || !get_int(list, kListKind, kind) || kind != kStatusKind ||
        !get_int(list, kListDate, date) || !get_int(list, kListCount, count) || count < 0 ||
        count > static_cast<std::int64_t>(kMaxStatusBytes) * 4 || packed == nullptr ||
        packed->kind != CborItem::Kind::kBytes ||
        !detail::zlib_decompress(packed->data, kMaxStatusBytes, bits) ||
        bits.size() != static_cast<std::size_t>((count + 3) / 4) || date < kMinInstant ||
        date > kMaxInstant) {
      throw Error(ErrorCode::kInvalidArgument,
                  "status list: not a genuine status list of the district");
    }
    states.resize(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < states.size(); ++i) {
      states[i] =
          static_cast<std::uint8_t>((static_cast<std::uint8_t>(bits[i / 4]) >> (2 * (i % 4))) & 3u);
    }
    v.status_list_used = true;
    v.status_list_date = date;
    v.status_list_stale = t - date > max_list_age_s;
  }
  CborItem claims;
  std::string key_id;
  const Unwrap r = unwrap(text, kCredentialPrefix, kMaxCredentialBytes, keys, claims, key_id);
  if (r == Unwrap::kUnknownKey) {
    v.status = "unknown_key";
    v.reason = "signed with key " + key_id + ", which is not a district key known to this verifier";
    return v;
  }
  if (r == Unwrap::kBadSignature) {
    v.status = "forged";
    v.reason = "the signature does not verify: the sticker was altered or forged";
    return v;
  }
  Credential& c = v.credential;
  std::int64_t kind = 0;
  std::int64_t lat = 0;
  std::int64_t lon = 0;
  std::int64_t until = 0;
  std::int64_t cap = 0;
  std::int64_t offset = 0;
  if (r != Unwrap::kOk || !get_int(claims, kKind, kind) || kind != kCredentialKind ||
      !get_text(claims, kIssuer, c.issuer) || !get_int(claims, kBusiness, c.business_id) ||
      !get_text(claims, kName, c.name) || !get_text(claims, kCategory, c.category) ||
      !get_int(claims, kLat, lat) || !get_int(claims, kLon, lon) ||
      !get_text(claims, kCertificate, c.certificate_id) || !get_int(claims, kSerial, c.serial) ||
      !get_int(claims, kValidFrom, c.valid_from) || !get_int(claims, kValidEnd, c.valid_end) ||
      !get_int(claims, kValidUntil, until) || !get_int(claims, kMaxVisitors, cap) ||
      !get_int(claims, kOffset, offset) || !get_int(claims, kSignedAt, c.signed_at) ||
      until < INT32_MIN || until > INT32_MAX || cap < 0 || cap > INT32_MAX || offset < -24 * 60 ||
      offset > 24 * 60) {
    v.genuine = false;
    v.status = "forged";
    v.reason = "not a smartkampung certificate credential";
    v.credential = Credential{};
    return v;
  }
  c.lat = static_cast<double>(lat) / 1e6;
  c.lon = static_cast<double>(lon) / 1e6;
  c.valid_until = Date(static_cast<std::int32_t>(until));
  c.max_visitors = static_cast<std::int32_t>(cap);
  c.utc_offset_minutes = static_cast<std::int32_t>(offset);
  c.key_id = key_id;
  v.genuine = true;
  const std::uint8_t listed = c.serial >= 0 && static_cast<std::uint64_t>(c.serial) < states.size()
                                  ? states[static_cast<std::size_t>(c.serial)]
                                  : 0;
  const std::string as_of =
      v.status_list_used ? " as of " + detail::format_instant(v.status_list_date, TimeZone::kWIB)
                         : std::string();
  if (t < c.valid_from) {
    v.status = "not_yet_valid";
    v.reason = "the certificate is not valid yet";
  } else if (t >= c.valid_end) {
    v.status = "expired";
    v.reason = "the certificate expired after " + c.valid_until.to_iso();
  } else if (listed == 1) {
    v.status = "suspended";
    v.reason = "suspended" + as_of;
  } else if (listed == 2) {
    v.status = "revoked";
    v.reason = "revoked" + as_of;
  } else if (listed == 3) {
    v.status = "withdrawn";
    v.reason = "withdrawn or replaced by a newer certificate" + as_of;
  } else {
    v.status = "valid";
    v.valid = true;
    v.reason = "valid until " + c.valid_until.to_iso();
  }
  if (v.status_list_stale) v.reason += " (the status list is stale: fetch a newer one)";
  return v;
}

}  // namespace smartkampung::cert
