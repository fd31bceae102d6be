#include "cert/engine.hpp"

namespace smartkampung::cert::detail {

namespace {
constexpr Instant kDay = 86400;

Date plus_days(Date d, int days) noexcept { return Date(d.days_since_epoch() + days); }
}  // namespace

Date add_months(Date d, int months) noexcept {
  int y = 0, m = 0, day = 0;
  civil_from_days(d.days_since_epoch(), y, m, day);
  const int total = (m - 1) + months;
  const int years = total >= 0 ? total / 12 : (total - 11) / 12;
  y += years;
  m = total - years * 12 + 1;
  const int last = days_in_month(y, m);
  if (day > last) return Date(days_from_civil(y, m, last) + (day - last));
  return Date(days_from_civil(y, m, day));
}

void Engine::set_evaluation_base(State& s, Instant at) const noexcept {
  const Date base = local_date(at, tz_);
  const EvalRule& rule = policy_.version_on(base).eval_rule(category_);
  s.due_at = start_of_day(plus_days(base, rule.interval_days), tz_);
  s.lapse_at = start_of_day(plus_days(base, rule.interval_days + rule.grace_days), tz_);
}

void Engine::suspend(State& s, Instant at) const noexcept {
  const Date day = local_date(at, tz_);
  s.suspended = true;
  // Through the deadline date inclusive: revoked from 00:00 of the day after.
  s.suspension_end = start_of_day(plus_days(day, policy_.version_on(day).suspension_days + 1), tz_);
}

void Engine::certify(State& s, Instant at, std::int64_t serial) const noexcept {
  const Date day = local_date(at, tz_);
  s.phase = Phase::kCertified;
  s.serial = serial;
  s.issued_at = at;
  s.valid_until = plus_days(add_months(day, policy_.version_on(day).validity_months), -1);
  s.valid_end = start_of_day(plus_days(s.valid_until, 1), tz_);
  s.suspended = false;
  s.pass_since_issue = false;
  s.audit_passed = false;
  s.suspension_end = kNoTime;
  set_evaluation_base(s, at);
}

void Engine::advance(State& s, Instant t) const noexcept {
  if (s.phase != Phase::kCertified) return;
  if (!s.suspended && s.lapse_at < s.valid_end && t >= s.lapse_at) {
    // The grace window lapsed: suspended from its end, with the usual deadline.
    suspend(s, s.lapse_at);
  }
  if (s.suspended && s.suspension_end < s.valid_end) {
    if (t >= s.suspension_end) s.phase = Phase::kRevoked;
    return;
  }
  if (t >= s.valid_end) s.phase = Phase::kExpired;
}

Status Engine::status(const State& s, Instant t) noexcept {
  switch (s.phase) {
    case Phase::kUnregistered:
    case Phase::kNone:
      return Status::kNone;
    case Phase::kApplied:
      return Status::kApplied;
    case Phase::kUnderAudit:
      return Status::kUnderAudit;
    case Phase::kCertified:
      if (s.suspended) return Status::kSuspended;
      return t >= s.due_at ? Status::kEvaluationDue : Status::kActive;
    case Phase::kExpired:
      return Status::kExpired;
    case Phase::kRevoked:
      return Status::kRevoked;
    case Phase::kWithdrawn:
      return Status::kWithdrawn;
  }
  return Status::kNone;
}

const char* Engine::apply(State& s, const Step& e) const noexcept {
  const Instant at = e.effective;
  if (e.type == EventType::kPolicy) return nullptr;
  if (e.type == EventType::kRegistered) {
    if (s.phase != Phase::kUnregistered) return "the business is already registered";
    s.phase = Phase::kNone;
    return nullptr;
  }
  advance(s, at);
  if (s.phase == Phase::kUnregistered) return "the business is not registered yet at that moment";
  const bool certified = s.phase == Phase::kCertified;
  switch (e.type) {
    case EventType::kApplied:
      if (s.phase != Phase::kNone && s.phase != Phase::kWithdrawn && s.phase != Phase::kExpired) {
        return "an application needs no current application or certificate";
      }
      s.phase = Phase::kApplied;
      s.audit_passed = false;
      return nullptr;
    case EventType::kAudited:
      if (s.phase == Phase::kApplied || s.phase == Phase::kUnderAudit) {
        s.phase = Phase::kUnderAudit;
        s.audit_passed = e.passed;
        return nullptr;
      }
      if (certified && s.suspended) {  // the re-audit of a suspended certificate
        if (e.passed) {
          s.suspended = false;
          s.pass_since_issue = true;
          set_evaluation_base(s, at);
        }
        return nullptr;
      }
      return certified ? "a valid certificate is evaluated, not audited"
                       : "an audit needs an application or a suspended certificate";
    case EventType::kIssued:
      if (s.phase != Phase::kUnderAudit || !s.audit_passed) return "issuing needs a passed audit";
      certify(s, at, e.serial);
      return nullptr;
    case EventType::kEvaluated:
      if (!certified) return "an evaluation needs a certificate";
      if (e.passed) {
        // Early evaluations are allowed: the next is due one interval after this one.
        s.suspended = false;
        s.pass_since_issue = true;
        set_evaluation_base(s, at);
      } else if (!s.suspended) {
        suspend(s, at);
      }
      return nullptr;
    case EventType::kViolation: {
      if (!certified) return "a violation needs a certificate";
      const PolicyVersion& v = policy_.version_on(local_date(at, tz_));
      for (int i = kMaxRevokeAfter - 1; i > 0; --i) s.violations[i] = s.violations[i - 1];
      s.violations[0] = at;
      if (s.violation_count < kMaxRevokeAfter) ++s.violation_count;
      int recent = 0;
      const Instant window_start = at - static_cast<Instant>(v.window_days) * kDay;
      for (int i = 0; i < s.violation_count; ++i) recent += s.violations[i] >= window_start ? 1 : 0;
      if (recent >= v.revoke_after || v.first_violation_revokes) {
        s.phase = Phase::kRevoked;
      } else if (!s.suspended) {
        suspend(s, at);
      }
      return nullptr;
    }
    case EventType::kSuspended:
      if (!certified) return "suspending needs a certificate";
      if (s.suspended) return "the certificate is already suspended";
      suspend(s, at);
      return nullptr;
    case EventType::kReinstated:
      if (!certified || !s.suspended) return "reinstating needs a suspended certificate";
      s.suspended = false;
      set_evaluation_base(s, at);
      return nullptr;
    case EventType::kRevoked:
      if (!certified) return "revoking needs a certificate that is valid or suspended";
      s.phase = Phase::kRevoked;
      return nullptr;
    case EventType::kRenewed:
      if (!certified || s.suspended) return "renewing needs a valid certificate";
      if (!s.pass_since_issue)
        return "renewing needs a passed evaluation since the certificate was issued";
      certify(s, at, e.serial);
      return nullptr;
    case EventType::kWithdrawn:
      if (s.phase == Phase::kNone || s.phase == Phase::kWithdrawn || s.phase == Phase::kRevoked) {
        return "withdrawing needs an application or a certificate";
      }
      s.phase = Phase::kWithdrawn;
      return nullptr;
    case EventType::kPolicy:
    case EventType::kRegistered:
      break;
  }
  return "unknown event";
}

State Engine::replay(const Step* steps, std::size_t n, Instant t,
                     std::vector<char>* accepted) const {
  State s;
  for (std::size_t i = 0; i < n; ++i) {
    if (steps[i].effective > t) break;
    const State before = s;
    const char* why = apply(s, steps[i]);
    if (why != nullptr) s = before;  // an event not allowed where it falls is ignored
    if (accepted != nullptr) accepted->push_back(why == nullptr ? 1 : 0);
  }
  advance(s, t);
  return s;
}

}  // namespace smartkampung::cert::detail
