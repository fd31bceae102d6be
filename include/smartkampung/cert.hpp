// smartkampung/cert.hpp: the health-protocol certificate of tourism businesses, from
// application and audit to issue, periodic evaluation, suspension, revocation, expiry and
// withdrawal; visitor caps and occupancy; a hash-chained, append-only event log.
#ifndef SMARTKAMPUNG_CERT_HPP
#define SMARTKAMPUNG_CERT_HPP

#include <smartkampung/export.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <smartkampung/date.hpp>
#include <smartkampung/error.hpp>
#include <smartkampung/signing.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung::cert {

/// The status of a business's certificate at a moment. Only kActive and kEvaluationDue
/// count as valid (check-ins, the tourism-app listing).
enum class Status : std::uint8_t {
  kNone = 0,           ///< not registered at that moment, or registered without applying
  kApplied = 1,        ///< applied, no audit yet
  kUnderAudit = 2,     ///< audited (passed or not) but not issued yet
  kActive = 3,         ///< issued, valid, evaluations up to date
  kEvaluationDue = 4,  ///< the periodic evaluation is past due, within the grace window
  kSuspended = 5,      ///< frozen (pembekuan): violation, failed evaluation, order, or lapsed grace
  kRevoked = 6,        ///< revoked (pencabutan): permanent
  kExpired = 7,        ///< the validity ended
  kWithdrawn = 8,      ///< the business withdrew
};

/// "none", "applied", "under_audit", "active", "evaluation_due", "suspended", "revoked",
/// "expired", "withdrawn"; static text.
SMARTKAMPUNG_EXPORT const char* status_name(Status status) noexcept;
/// True for kActive and kEvaluationDue.
constexpr bool is_valid(Status status) noexcept {
  return status == Status::kActive || status == Status::kEvaluationDue;
}

/// Kinds of events in the log. Values never change (they are not saved as numbers, but
/// the C API exposes them).
enum class EventType : std::uint8_t {
  kPolicy = 0,      ///< first event of every log: the policy in force and the time zone
  kRegistered = 1,  ///< a business with its data
  kApplied = 2,
  kAudited = 3,    ///< passed or failed, with findings
  kIssued = 4,     ///< a certificate with a new serial
  kEvaluated = 5,  ///< periodic evaluation, passed or failed
  kViolation = 6,  ///< a protocol violation was reported
  kSuspended = 7,  ///< suspended by order
  kReinstated = 8,
  kRevoked = 9,   ///< effective_at may lie before recorded_at (back-dated)
  kRenewed = 10,  ///< supersedes the current certificate with a new serial
  kWithdrawn = 11,
};
/// "policy", "registered", "applied", "audited", "issued", "evaluated", "violation",
/// "suspended", "reinstated", "revoked", "renewed", "withdrawn"; static text.
SMARTKAMPUNG_EXPORT const char* event_type_name(EventType type) noexcept;

/// An instant that is not set (a registration without a time sorts before every event).
constexpr Instant kNoTime = std::numeric_limits<Instant>::min();

/// A tourism business. Category is a lowercase word: destination, hotel, homestay, cafe,
/// restaurant, warung, or any other (policies may name more); zone is a village or zone
/// name matched against the policy's dated zone levels (empty: only "*" entries apply).
struct Business {
  std::int64_t id = 0;
  std::string name;
  std::string category;
  double lat = 0.0;
  double lon = 0.0;
  std::int32_t capacity = 0;  ///< normal visitor capacity, >= 0
  std::string zone;
};

/// Who recorded an event and on what evidence (an inspection report number, a photo id).
struct Provenance {
  std::string actor;
  std::string evidence;
};

/// One event of the log. Events are never edited or removed; `hash` is the SHA-256 of
/// the event's canonical form, which includes `prev_hash` (the previous event's hash).
struct Event {
  std::uint64_t seq = 0;  ///< position in the registry's log, from 0, in order recorded
  EventType type = EventType::kPolicy;
  std::int64_t business_id = 0;
  Instant effective_at = kNoTime;  ///< when it takes effect
  Instant recorded_at = kNoTime;   ///< when it was recorded
  bool passed = false;             ///< audited, evaluated
  std::string reason;              ///< findings (audited, evaluated) or reason code
  std::int64_t serial = 0;         ///< issued, renewed: the certificate serial
  Provenance provenance;
  Business business;                    ///< registered
  std::string policy_json;              ///< policy: the canonical policy JSON
  std::int32_t utc_offset_minutes = 0;  ///< policy: the registry's time zone
  std::string prev_hash;
  std::string hash;
};

/// A certificate event that is not allowed in the current state, or a saved log that
/// failed verification. position() is the 0-based index of the first bad event (or of
/// the trailer, which counts as one past the last event) for a corrupt file, -1 otherwise.
class SMARTKAMPUNG_EXPORT CertificateError : public Error {
 public:
  CertificateError(ErrorCode code, const std::string& message, std::int64_t position = -1);
  ~CertificateError() override;
  CertificateError(const CertificateError&) = default;
  CertificateError& operator=(const CertificateError&) = default;
  std::int64_t position() const noexcept { return position_; }

 private:
  std::int64_t position_;
};

// The district's keys (smartkampung/signing.hpp), named here as well for the certificate API.
using smartkampung::PublicKey;
using smartkampung::SigningKey;

/// How a store is read and written. With public_keys given, a log must carry a valid
/// signature by one of them (old keys stay listed after a rotation) or it is refused;
/// allow_unsigned also reads an unsigned log (a signed one must still verify). Without
/// public keys, signatures are not checked. `key`, when set, signs every save.
struct StoreOptions {
  std::vector<PublicKey> public_keys;
  bool allow_unsigned = false;
  std::shared_ptr<const SigningKey> key;
  bool create = false;  ///< update(): start an empty registry when the file does not exist
};

/// The rules as data: versions by effective date (validity, evaluation interval and grace
/// per category, violation handling, suspension deadline, visitor caps by category and
/// restriction level) and a dated table of zone restriction levels. See docs/cert.md.
/// Immutable and cheap to copy; safe to share between threads.
class SMARTKAMPUNG_EXPORT Policy {
 public:
  /// The built-in 2020 Banyuwangi-style policy (data/cert/default-policy.json).
  static Policy builtin();
  /// Parses and checks a policy; Error(kParse) with the JSON offset for malformed JSON,
  /// Error(kInvalidArgument) naming the JSON path of a bad or unknown field.
  static Policy from_json(std::string_view text);
  /// The canonical JSON (fixed key order, no whitespace): equal policies give equal text.
  std::string to_json() const;
  const std::string& name() const;

  /// The categories the policy names (its caps and evaluation rules) and the standard
  /// ones (destination, hotel, homestay, cafe, restaurant, warung), sorted.
  std::vector<std::string> categories() const;
  /// The visitor cap in percent of capacity (0..100) for a category in a zone at a moment.
  int cap_percent(std::string_view category, std::string_view zone, Instant t,
                  TimeZone tz = TimeZone::kWIB) const;

  struct Impl;
  explicit Policy(std::shared_ptr<const Impl> impl);
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

/// The status at `t` of one business's certificate from its events (any order; events of
/// other businesses and the policy event are ignored), as an OCSP responder answers for a
/// moment. Events take effect in order of effective_at (ties in recorded order); an event
/// not allowed where it falls is ignored; expiry, evaluation due, a lapse into suspension
/// and a suspension deadline passing into revocation follow from time alone. Pure.
SMARTKAMPUNG_EXPORT Status status_at(const std::vector<Event>& events, Instant t,
                                     const Policy& policy = Policy::builtin(),
                                     TimeZone tz = TimeZone::kWIB);

/// What a certificate looks like at a moment (for displays and the door sticker).
struct CertificateInfo {
  Status status = Status::kNone;
  std::int64_t serial = 0;              ///< 0 when never issued
  std::string certificate_id;           ///< "CERT-<business>-<serial>", empty when never issued
  Instant issued_at = kNoTime;          ///< of the current serial
  Date valid_until;                     ///< last local date of validity
  Instant valid_end = kNoTime;          ///< 00:00 local of the day after valid_until
  Instant evaluation_due_at = kNoTime;  ///< when the next evaluation is due (certified only)
  Instant grace_end = kNoTime;          ///< when an overdue evaluation lapses into suspension
  Instant suspension_end = kNoTime;     ///< when a suspension becomes a revocation (suspended only)
};

/// A listing answer: business id and WGS84 distance in metres.
struct Nearby {
  std::int64_t id = 0;
  double distance_m = 0.0;
};

/// The registry of businesses and their certificate events.
///
/// Every event call checks that the event is allowed where it falls in time; if not, it
/// throws CertificateError (kState) and changes nothing. Unknown ids throw
/// Error(kNotFound); malformed arguments Error(kInvalidArgument).
///
/// Thread safety: const members, check_in and check_out may run concurrently from any
/// number of threads; event calls and add_business take an exclusive lock. Occupancy counts
/// visitors inside on one local day (a check-in on a later day starts from zero); it is not
/// part of the log but is saved beside it (<path>.occupancy) and restored on load.
///
/// Files: save, load and update serialise on an OS lock (flock on <path>.lock) across
/// processes and threads; a save never replaces a log that is not a prefix of its own
/// (another writer's events are never lost: the save is refused instead).
class SMARTKAMPUNG_EXPORT CertificateRegistry {
 public:
  explicit CertificateRegistry(Policy policy = Policy::builtin(), TimeZone tz = TimeZone::kWIB);
  ~CertificateRegistry();
  CertificateRegistry(CertificateRegistry&&) noexcept;
  CertificateRegistry& operator=(CertificateRegistry&&) noexcept;
  CertificateRegistry(const CertificateRegistry&) = delete;
  CertificateRegistry& operator=(const CertificateRegistry&) = delete;

  /// Registers a business; `at` kNoTime means no effective time (constrains no event).
  /// Error(kInvalidArgument) on bad data; CertificateError on a duplicate id.
  void add_business(const Business& business, Instant at = kNoTime, const Provenance& p = {});

  void apply(std::int64_t id, Instant at, const Provenance& p = {});
  void audit(std::int64_t id, Instant at, bool passed, std::string_view findings = {},
             const Provenance& p = {});
  /// Returns the new certificate serial.
  std::int64_t issue(std::int64_t id, Instant at, const Provenance& p = {});
  void evaluate(std::int64_t id, Instant at, bool passed, std::string_view findings = {},
                const Provenance& p = {});
  void report_violation(std::int64_t id, Instant at, std::string_view reason,
                        const Provenance& p = {});
  void suspend(std::int64_t id, Instant at, std::string_view reason, const Provenance& p = {});
  void reinstate(std::int64_t id, Instant at, const Provenance& p = {});
  /// Recorded at `at`, in effect from `effective_at` (kNoTime: from `at`; never after `at`).
  void revoke(std::int64_t id, Instant at, std::string_view reason, Instant effective_at = kNoTime,
              const Provenance& p = {});
  /// Supersedes a valid certificate after a passed evaluation since its issue; new serial.
  std::int64_t renew(std::int64_t id, Instant at, const Provenance& p = {});
  void withdraw(std::int64_t id, Instant at, std::string_view reason = {},
                const Provenance& p = {});

  Status status(std::int64_t id, Instant t) const;
  CertificateInfo certificate(std::int64_t id, Instant t) const;
  /// Status of every business at t, in order of id.
  std::vector<std::pair<std::int64_t, Status>> statuses(Instant t) const;
  /// floor(capacity * cap%) when valid at t, else 0.
  std::int32_t max_visitors(std::int64_t id, Instant t) const;
  /// Admits n >= 1 visitors when the business is valid at t and occupancy + n stays within
  /// max_visitors; returns false (nothing changes) otherwise. Atomic.
  bool check_in(std::int64_t id, Instant t, std::int32_t n = 1);
  /// Lets n >= 1 visitors out; occupancy never goes below zero. Atomic.
  void check_out(std::int64_t id, Instant t, std::int32_t n = 1);
  /// Visitors inside on the day of the last check-in or check-out.
  std::int32_t occupancy(std::int64_t id) const;
  /// Visitors inside on the local day of t (0 when the last movement was another day).
  std::int32_t occupancy(std::int64_t id, Instant t) const;

  /// Businesses valid at t within radius_m (inclusive) of a point, optionally of one
  /// category, by WGS84 distance then id.
  std::vector<Nearby> certified_near(double lat, double lon, double radius_m, Instant t,
                                     std::optional<std::string> category = std::nullopt) const;

  bool contains(std::int64_t id) const;
  Business business(std::int64_t id) const;
  std::vector<std::int64_t> ids() const;
  std::size_t size() const;
  /// The events of one business in the order recorded.
  std::vector<Event> history(std::int64_t id) const;
  /// The whole log (policy event first).
  std::vector<Event> events() const;
  const Policy& policy() const;
  TimeZone time_zone() const;

  /// JSON lines of every event, then a trailer line {"trailer":{"count":N,"head":hash}};
  /// with a key, the trailer also holds "key_id" and "signature" (Ed25519, hex) over
  /// "skamp-cert-log/1|N|head", so that rewriting history needs the private key.
  std::string to_jsonl(const SigningKey* key = nullptr) const;
  /// Verifies the chain, the trailer and (per options) the signature;
  /// CertificateError(kCorrupt) naming the position of the first bad event otherwise, or
  /// naming the key id of a signature that does not verify, or saying "not signed".
  static CertificateRegistry from_jsonl(std::string_view text, const StoreOptions& options = {});
  /// Writes to_jsonl(options.key) atomically (a fresh 0600 temporary, fsync of the file and
  /// the folder, rename) under the store's lock, and the occupancy beside it. Refuses with
  /// CertificateError(kState) when the file holds events this registry does not have
  /// (another writer saved since this registry was loaded); Error(kIo) on failure.
  void save(const std::string& path, const StoreOptions& options = {}) const;
  /// Error(kIo) when unreadable, CertificateError as from_jsonl.
  static CertificateRegistry load(const std::string& path, const StoreOptions& options = {});
  /// Load, change, save as one step under the store's lock, so that writers in several
  /// processes and threads never lose each other's events or check-ins: loads `path`
  /// (or starts an empty registry when it does not exist and options.create is set, else
  /// Error(kNotFound)), calls fn, and saves when fn returns true. An exception from fn
  /// leaves the file untouched.
  static void update(const std::string& path, const std::function<bool(CertificateRegistry&)>& fn,
                     const StoreOptions& options = {});

  /// The visitor's credential for the business's certificate at t (see sticker below).
  std::string sticker(std::int64_t id, Instant t, const SigningKey& key,
                      std::string_view issuer = "smartkampung") const;
  /// The signed status list at t (see status list below).
  std::string status_list(Instant t, const SigningKey& key,
                          std::string_view issuer = "smartkampung") const;

  struct Impl;

 private:
  static CertificateRegistry load_unlocked(const std::string& path, const StoreOptions& options);
  void restore_occupancy(const std::string& path, std::string_view text);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------
// The sticker: a compact signed credential modelled on the EU Digital COVID Certificate:
// a CBOR claim map, signed as a COSE_Sign1 structure (Ed25519, alg -8, kid = key id),
// zlib-compressed, base45-encoded, prefixed "SKC1:". Every character is in the QR
// alphanumeric set, so the QR code is small.

/// The claims of a credential.
struct Credential {
  std::string issuer;
  std::int64_t business_id = 0;
  std::string name;
  std::string category;
  double lat = 0.0;  ///< microdegree precision
  double lon = 0.0;
  std::string certificate_id;  ///< "CERT-<business>-<serial>"
  std::int64_t serial = 0;
  Instant valid_from = kNoTime;   ///< issue of the serial
  Instant valid_end = kNoTime;    ///< validity ends (00:00 local after valid_until)
  Date valid_until;               ///< last local date of validity
  std::int32_t max_visitors = 0;  ///< the cap when issued
  std::int32_t utc_offset_minutes = 0;
  std::string key_id;
  Instant signed_at = kNoTime;
};

/// A signed credential text ("SKC1:...") for the claims; key_id is set from the key.
SMARTKAMPUNG_EXPORT std::string encode_credential(Credential claims, const SigningKey& key);

/// The signed status list: for each certificate serial 2 bits (0 good, 1 suspended,
/// 2 revoked, 3 withdrawn or expired), zlib-compressed, with its date, as a COSE_Sign1
/// structure like the sticker's, base45 text prefixed "SKS1:".
struct StatusList {
  std::string issuer;
  Instant issued_at = kNoTime;
  std::string key_id;
  std::vector<std::uint8_t> states;  ///< by serial (index 0 unused)
};
/// The signed status list text ("SKS1:...") of the list; its key id is the key's.
SMARTKAMPUNG_EXPORT std::string encode_status_list(const StatusList& list, const SigningKey& key);

/// What a verifier answers for a credential, offline.
struct Verification {
  bool genuine = false;  ///< well formed and signed by one of the public keys
  bool valid =
      false;  ///< genuine, within its validity window at t, not listed as suspended/revoked
  /// "valid", "not_yet_valid", "expired", "suspended", "revoked", "withdrawn", "forged"
  /// (signature or format), "unknown_key".
  std::string status;
  std::string reason;     ///< one sentence for the visitor
  Credential credential;  ///< the claims (only when genuine)
  bool status_list_used = false;
  bool status_list_stale = false;  ///< the list is older than max_list_age_s at t
  Instant status_list_date = kNoTime;
};

/// Verifies a credential text (surrounding whitespace ignored) against the district's
/// public keys at moment t, with an optional status list text (an empty view: none). A
/// list that does not verify is an Error(kInvalidArgument); one older than max_list_age_s
/// is used but reported stale. Never throws for a damaged or forged credential.
SMARTKAMPUNG_EXPORT Verification verify_credential(std::string_view text,
                                                   const std::vector<PublicKey>& keys, Instant t,
                                                   std::string_view status_list = {},
                                                   Instant max_list_age_s = 7 * 86400);

/// The QR code of a text (error correction level M) as PNG bytes (`scale` pixels a module,
/// 4-module quiet zone) and as an SVG document with an optional caption of lines below.
SMARTKAMPUNG_EXPORT std::string qr_png(std::string_view text, int scale = 8);
SMARTKAMPUNG_EXPORT std::string qr_svg(std::string_view text,
                                       const std::vector<std::string>& caption = {});

}  // namespace smartkampung::cert

#endif
