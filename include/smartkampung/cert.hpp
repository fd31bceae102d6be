// smartkampung/cert.hpp: the health-protocol certificate of tourism businesses, from
// application and audit to issue, periodic evaluation, suspension, revocation, expiry and
// withdrawal; visitor caps and occupancy; a hash-chained, append-only event log.
#ifndef SMARTKAMPUNG_CERT_HPP
#define SMARTKAMPUNG_CERT_HPP

#include <smartkampung/date.hpp>
#include <smartkampung/error.hpp>
#include <smartkampung/export.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
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
  kPolicy = 0,       ///< first event of every log: the policy in force and the time zone
  kRegistered = 1,   ///< a business with its data
  kApplied = 2,
  kAudited = 3,      ///< passed or failed, with findings
  kIssued = 4,       ///< a certificate with a new serial
  kEvaluated = 5,    ///< periodic evaluation, passed or failed
  kViolation = 6,    ///< a protocol violation was reported
  kSuspended = 7,    ///< suspended by order
  kReinstated = 8,
  kRevoked = 9,      ///< effective_at may lie before recorded_at (back-dated)
  kRenewed = 10,     ///< supersedes the current certificate with a new serial
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
  Business business;               ///< registered
  std::string policy_json;         ///< policy: the canonical policy JSON
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
  std::int64_t serial = 0;             ///< 0 when never issued
  std::string certificate_id;          ///< "CERT-<business>-<serial>", empty when never issued
  Instant issued_at = kNoTime;         ///< of the current serial
  Date valid_until;                    ///< last local date of validity
  Instant valid_end = kNoTime;         ///< 00:00 local of the day after valid_until
  Instant evaluation_due_at = kNoTime; ///< when the next evaluation is due (certified only)
  Instant grace_end = kNoTime;         ///< when an overdue evaluation lapses into suspension
  Instant suspension_end = kNoTime;    ///< when a suspension becomes a revocation (suspended only)
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
/// number of threads; event calls and add_business take an exclusive lock. Occupancy is
/// kept in memory only (it is not part of the log).
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
  void report_violation(std::int64_t id, Instant at, std::string_view reason, const Provenance& p = {});
  void suspend(std::int64_t id, Instant at, std::string_view reason, const Provenance& p = {});
  void reinstate(std::int64_t id, Instant at, const Provenance& p = {});
  /// Recorded at `at`, in effect from `effective_at` (kNoTime: from `at`; never after `at`).
  void revoke(std::int64_t id, Instant at, std::string_view reason, Instant effective_at = kNoTime,
              const Provenance& p = {});
  /// Supersedes a valid certificate after a passed evaluation since its issue; new serial.
  std::int64_t renew(std::int64_t id, Instant at, const Provenance& p = {});
  void withdraw(std::int64_t id, Instant at, std::string_view reason = {}, const Provenance& p = {});

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
  std::int32_t occupancy(std::int64_t id) const;

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

  /// JSON lines of every event, then a trailer line {"trailer":{"count":N,"head":hash}}.
  std::string to_jsonl() const;
  /// Verifies the chain and the trailer; CertificateError(kCorrupt) naming the position
  /// of the first bad event otherwise.
  static CertificateRegistry from_jsonl(std::string_view text);
  /// Writes to_jsonl() atomically (temporary file, fsync, rename); Error(kIo) on failure.
  void save(const std::string& path) const;
  /// Error(kIo) when unreadable, CertificateError as from_jsonl.
  static CertificateRegistry load(const std::string& path);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace smartkampung::cert

#endif
