// Private: the certificate state machine. A business's events, sorted by effective time
// (ties in recorded order), are replayed into a State; expiry, evaluation due, a lapse
// into suspension and a suspension deadline passing into revocation follow from time
// in advance(), never from stored events.
#ifndef SMARTKAMPUNG_SRC_CERT_ENGINE_HPP
#define SMARTKAMPUNG_SRC_CERT_ENGINE_HPP

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "cert/policy.hpp"

namespace smartkampung::cert::detail {

constexpr Instant kForever = std::numeric_limits<Instant>::max();

/// The part of an event that the state machine reads (kept compact for speed).
struct Step {
  Instant effective = kNoTime;
  std::uint64_t seq = 0;
  EventType type = EventType::kPolicy;
  bool passed = false;
  std::int64_t serial = 0;
};

inline bool step_before(const Step& a, const Step& b) noexcept {
  return a.effective != b.effective ? a.effective < b.effective : a.seq < b.seq;
}

enum class Phase : std::uint8_t {
  kUnregistered,
  kNone,
  kApplied,
  kUnderAudit,
  kCertified,
  kExpired,
  kRevoked,
  kWithdrawn
};

struct State {
  Phase phase = Phase::kUnregistered;
  bool audit_passed = false;      // the latest audit since applying passed
  bool suspended = false;         // within kCertified
  bool pass_since_issue = false;  // a passed evaluation or re-audit since issue (renewal)
  std::int64_t serial = 0;
  Instant issued_at = kNoTime;
  Date valid_until;
  Instant valid_end = kNoTime;
  Instant due_at = kNoTime;
  Instant lapse_at = kNoTime;
  Instant suspension_end = kNoTime;
  Instant violations[kMaxRevokeAfter] = {};  // most recent first
  int violation_count = 0;
};

class Engine {
 public:
  Engine(const Policy::Impl& policy, TimeZone tz, std::string_view category) noexcept
      : policy_(policy), tz_(tz), category_(category) {}

  /// Applies what time alone does up to t.
  void advance(State& s, Instant t) const noexcept;
  /// Applies one event at its effective time (advancing first). Returns nullptr when
  /// allowed, else why not (the caller restores the state then).
  const char* apply(State& s, const Step& step) const noexcept;
  /// The status of an advanced state at t.
  static Status status(const State& s, Instant t) noexcept;

  /// Replays sorted steps with effective <= t, ignoring steps not allowed where they
  /// fall, and advances to t. When `accepted` is given, it receives one flag per step.
  State replay(const Step* steps, std::size_t n, Instant t,
               std::vector<char>* accepted = nullptr) const;

  Status status_at(const Step* steps, std::size_t n, Instant t) const {
    const State s = replay(steps, n, t);
    return status(s, t);
  }

 private:
  void certify(State& s, Instant at, std::int64_t serial) const noexcept;
  void set_evaluation_base(State& s, Instant at) const noexcept;
  void suspend(State& s, Instant at) const noexcept;

  const Policy::Impl& policy_;
  TimeZone tz_;
  std::string_view category_;
};

/// The local date `months` after d; a day that does not exist rolls into the next month
/// (2020-02-29 plus 12 months is 2021-03-01), as anniversaries do.
Date add_months(Date d, int months) noexcept;

}  // namespace smartkampung::cert::detail

#endif
