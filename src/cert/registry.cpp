#include "cert/registry_impl.hpp"

namespace smartkampung::cert {

using detail::Engine;
using detail::State;
using detail::Step;
using namespace registry_internal;

const char* status_name(Status status) noexcept {
  switch (status) {
    case Status::kNone:
      return "none";
    case Status::kApplied:
      return "applied";
    case Status::kUnderAudit:
      return "under_audit";
    case Status::kActive:
      return "active";
    case Status::kEvaluationDue:
      return "evaluation_due";
    case Status::kSuspended:
      return "suspended";
    case Status::kRevoked:
      return "revoked";
    case Status::kExpired:
      return "expired";
    case Status::kWithdrawn:
      return "withdrawn";
  }
  return "unknown";
}

const char* event_type_name(EventType type) noexcept {
  switch (type) {
    case EventType::kPolicy:
      return "policy";
    case EventType::kRegistered:
      return "registered";
    case EventType::kApplied:
      return "applied";
    case EventType::kAudited:
      return "audited";
    case EventType::kIssued:
      return "issued";
    case EventType::kEvaluated:
      return "evaluated";
    case EventType::kViolation:
      return "violation";
    case EventType::kSuspended:
      return "suspended";
    case EventType::kReinstated:
      return "reinstated";
    case EventType::kRevoked:
      return "revoked";
    case EventType::kRenewed:
      return "renewed";
    case EventType::kWithdrawn:
      return "withdrawn";
  }
  return "unknown";
}

CertificateError::CertificateError(ErrorCode code, const std::string& message,
                                   std::int64_t position)
    : Error(code, message), position_(position) {}

// Out of line so that the vtable and typeinfo live in the library (the key function).
CertificateError::~CertificateError() = default;

Status status_at(const std::vector<Event>& events, Instant t, const Policy& policy, TimeZone tz) {
  const Event* first = nullptr;
  for (const Event& e : events) {
    if (e.type != EventType::kPolicy) {
      first = &e;
      break;
    }
  }
  if (first == nullptr) return Status::kNone;
  std::string_view category;
  for (const Event& e : events) {
    if (e.type == EventType::kRegistered && e.business_id == first->business_id) {
      category = e.business.category;
      break;
    }
  }
  const std::vector<Step> steps = sorted_steps(events, first->business_id);
  const Engine engine(policy.impl(), tz, category);
  return engine.status_at(steps.data(), steps.size(), t);
}

// --------------------------------------------------------------------------------------

CertificateRegistry::CertificateRegistry(Policy policy, TimeZone tz) {
  if (!valid_zone(tz))
    throw Error(ErrorCode::kInvalidArgument, "time zone must be WIB, WITA or WIT");
  impl_ = std::make_unique<Impl>(std::move(policy), tz);
  Event e = impl_->make_event(EventType::kPolicy, 0, kNoTime, kNoTime, {});
  e.policy_json = impl_->policy.to_json();
  e.utc_offset_minutes = static_cast<std::int32_t>(tz);
  impl_->push(std::move(e));
}

CertificateRegistry::~CertificateRegistry() = default;
CertificateRegistry::CertificateRegistry(CertificateRegistry&&) noexcept = default;
CertificateRegistry& CertificateRegistry::operator=(CertificateRegistry&&) noexcept = default;

void CertificateRegistry::add_business(const Business& business, Instant at, const Provenance& p) {
  check_business(business);
  if (at != kNoTime) check_instant(at, "registration time");
  std::unique_lock lock(impl_->mutex);
  if (impl_->businesses.count(business.id) != 0) {
    throw CertificateError(ErrorCode::kState,
                           "business " + std::to_string(business.id) + " is already registered");
  }
  Event e = impl_->make_event(EventType::kRegistered, business.id, at, at, p);
  e.business = business;
  auto rec = std::make_unique<BusinessRec>();
  rec->data = business;
  rec->steps.push_back(step_of(e));
  rec->seqs.push_back(e.seq);
  // Three steps, each undone if a later one fails (out of memory), so that a failed call
  // changes nothing. (Reserving one more slot each time would make loading quadratic.)
  impl_->places.add(Impl::place_of(business));
  try {
    impl_->push(std::move(e));
    try {
      impl_->businesses.emplace(business.id, std::move(rec));
    } catch (...) {
      impl_->log.pop_back();
      throw;
    }
  } catch (...) {
    impl_->places.remove(business.id);
    throw;
  }
}

void CertificateRegistry::apply(std::int64_t id, Instant at, const Provenance& p) {
  impl_->record(EventType::kApplied, id, at, p);
}
void CertificateRegistry::audit(std::int64_t id, Instant at, bool passed, std::string_view findings,
                                const Provenance& p) {
  impl_->record(EventType::kAudited, id, at, p, passed, findings);
}
std::int64_t CertificateRegistry::issue(std::int64_t id, Instant at, const Provenance& p) {
  impl_->record(EventType::kIssued, id, at, p);
  std::shared_lock lock(impl_->mutex);
  return impl_->last_serial;
}
void CertificateRegistry::evaluate(std::int64_t id, Instant at, bool passed,
                                   std::string_view findings, const Provenance& p) {
  impl_->record(EventType::kEvaluated, id, at, p, passed, findings);
}
void CertificateRegistry::report_violation(std::int64_t id, Instant at, std::string_view reason,
                                           const Provenance& p) {
  impl_->record(EventType::kViolation, id, at, p, false, reason);
}
void CertificateRegistry::suspend(std::int64_t id, Instant at, std::string_view reason,
                                  const Provenance& p) {
  impl_->record(EventType::kSuspended, id, at, p, false, reason);
}
void CertificateRegistry::reinstate(std::int64_t id, Instant at, const Provenance& p) {
  impl_->record(EventType::kReinstated, id, at, p);
}
void CertificateRegistry::revoke(std::int64_t id, Instant at, std::string_view reason,
                                 Instant effective_at, const Provenance& p) {
  if (effective_at != kNoTime && at != kNoTime && effective_at > at) {
    throw Error(ErrorCode::kInvalidArgument,
                "revocation: effective_at must not be after the time it is recorded");
  }
  impl_->record(EventType::kRevoked, id, at, p, false, reason, effective_at);
}
std::int64_t CertificateRegistry::renew(std::int64_t id, Instant at, const Provenance& p) {
  impl_->record(EventType::kRenewed, id, at, p);
  std::shared_lock lock(impl_->mutex);
  return impl_->last_serial;
}
void CertificateRegistry::withdraw(std::int64_t id, Instant at, std::string_view reason,
                                   const Provenance& p) {
  impl_->record(EventType::kWithdrawn, id, at, p, false, reason);
}

Status CertificateRegistry::status(std::int64_t id, Instant t) const {
  check_instant(t, "time");
  std::shared_lock lock(impl_->mutex);
  return impl_->status(impl_->find(id), t);
}

CertificateInfo CertificateRegistry::certificate(std::int64_t id, Instant t) const {
  check_instant(t, "time");
  std::shared_lock lock(impl_->mutex);
  const BusinessRec& b = impl_->find(id);
  const State s = impl_->state_at(b, t);
  CertificateInfo info;
  info.status = Engine::status(s, t);
  info.serial = s.serial;
  if (s.serial != 0) {
    info.certificate_id = "CERT-" + std::to_string(id) + "-" + std::to_string(s.serial);
    info.issued_at = s.issued_at;
    info.valid_until = s.valid_until;
    info.valid_end = s.valid_end;
  }
  if (s.phase == detail::Phase::kCertified) {
    info.evaluation_due_at = s.due_at;
    info.grace_end = s.lapse_at;
    if (s.suspended) info.suspension_end = s.suspension_end;
  }
  return info;
}

std::vector<std::pair<std::int64_t, Status>> CertificateRegistry::statuses(Instant t) const {
  check_instant(t, "time");
  std::shared_lock lock(impl_->mutex);
  std::vector<std::pair<std::int64_t, Status>> out;
  out.reserve(impl_->businesses.size());
  for (const auto& [id, rec] : impl_->businesses) out.emplace_back(id, impl_->status(*rec, t));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::int32_t CertificateRegistry::max_visitors(std::int64_t id, Instant t) const {
  check_instant(t, "time");
  std::shared_lock lock(impl_->mutex);
  return impl_->max_visitors(impl_->find(id), t);
}

bool CertificateRegistry::check_in(std::int64_t id, Instant t, std::int32_t n) {
  check_instant(t, "time");
  if (n < 1) throw Error(ErrorCode::kInvalidArgument, "check_in: n must be >= 1");
  std::shared_lock lock(impl_->mutex);
  BusinessRec& b = impl_->find(id);
  const std::int32_t cap = impl_->max_visitors(b, t);
  const std::int32_t day = local_date(t, impl_->tz).days_since_epoch();
  std::uint64_t current = b.occupancy.load(std::memory_order_relaxed);
  std::uint64_t next = 0;
  do {
    // Visitors counted on another day are not inside today.
    const std::int32_t inside = occupancy_day(current) == day ? occupancy_count(current) : 0;
    if (static_cast<std::int64_t>(inside) + n > cap) return false;
    next = pack_occupancy(day, inside + n);
  } while (!b.occupancy.compare_exchange_weak(current, next, std::memory_order_acq_rel,
                                              std::memory_order_relaxed));
  return true;
}

void CertificateRegistry::check_out(std::int64_t id, Instant t, std::int32_t n) {
  check_instant(t, "time");  // leaving is always allowed, whatever the certificate's status
  if (n < 1) throw Error(ErrorCode::kInvalidArgument, "check_out: n must be >= 1");
  std::shared_lock lock(impl_->mutex);
  BusinessRec& b = impl_->find(id);
  const std::int32_t day = local_date(t, impl_->tz).days_since_epoch();
  std::uint64_t current = b.occupancy.load(std::memory_order_relaxed);
  std::uint64_t next = 0;
  do {
    const std::int32_t inside = occupancy_day(current) == day ? occupancy_count(current) : 0;
    next = pack_occupancy(day, inside > n ? inside - n : 0);
  } while (!b.occupancy.compare_exchange_weak(current, next, std::memory_order_acq_rel,
                                              std::memory_order_relaxed));
}

std::int32_t CertificateRegistry::occupancy(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  return occupancy_count(impl_->find(id).occupancy.load(std::memory_order_acquire));
}

std::int32_t CertificateRegistry::occupancy(std::int64_t id, Instant t) const {
  check_instant(t, "time");
  std::shared_lock lock(impl_->mutex);
  const std::uint64_t packed = impl_->find(id).occupancy.load(std::memory_order_acquire);
  return occupancy_day(packed) == local_date(t, impl_->tz).days_since_epoch()
             ? occupancy_count(packed)
             : 0;
}

std::vector<Nearby> CertificateRegistry::certified_near(double lat, double lon, double radius_m,
                                                        Instant t,
                                                        std::optional<std::string> category) const {
  check_instant(t, "time");
  if (!std::isfinite(lat) || lat < -90.0 || lat > 90.0 || !std::isfinite(lon) || lon < -180.0 ||
      lon > 180.0) {
    throw Error(ErrorCode::kInvalidArgument, "certified_near: coordinates out of range");
  }
  if (!(radius_m >= 0.0))
    throw Error(ErrorCode::kInvalidArgument, "certified_near: radius_m must be >= 0");
  std::shared_lock lock(impl_->mutex);
  const auto found = impl_->places.within_if(lat, lon, radius_m, [&](std::int64_t id) {
    auto it = impl_->businesses.find(id);
    if (it == impl_->businesses.end()) return false;
    const BusinessRec& rec = *it->second;
    if (category && rec.data.category != *category) return false;
    return is_valid(impl_->status(rec, t));
  });
  std::vector<Nearby> out;
  out.reserve(found.size());
  for (const geo::Neighbor& n : found) out.push_back(Nearby{n.id, n.distance_m});
  return out;
}

bool CertificateRegistry::contains(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->businesses.count(id) != 0;
}

Business CertificateRegistry::business(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->find(id).data;
}

std::vector<std::int64_t> CertificateRegistry::ids() const {
  std::shared_lock lock(impl_->mutex);
  std::vector<std::int64_t> out;
  out.reserve(impl_->businesses.size());
  for (const auto& entry : impl_->businesses) out.push_back(entry.first);
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t CertificateRegistry::size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->businesses.size();
}

std::vector<Event> CertificateRegistry::history(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  std::vector<Event> out;
  for (std::uint64_t seq : impl_->find(id).seqs) out.push_back(impl_->log[seq]);
  return out;
}

std::vector<Event> CertificateRegistry::events() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->log;
}

const Policy& CertificateRegistry::policy() const { return impl_->policy; }
TimeZone CertificateRegistry::time_zone() const { return impl_->tz; }

std::string CertificateRegistry::sticker(std::int64_t id, Instant t, const SigningKey& key,
                                         std::string_view issuer) const {
  check_instant(t, "time");
  const CertificateInfo info = certificate(id, t);
  if (!is_valid(info.status)) {
    throw CertificateError(ErrorCode::kState,
                           "business " + std::to_string(id) + " has no valid certificate at " +
                               detail::format_instant(t, impl_->tz) + " (status " +
                               status_name(info.status) + "): no sticker");
  }
  const Business b = business(id);
  Credential c;
  c.issuer = std::string(issuer);
  c.business_id = id;
  c.name = b.name;
  c.category = b.category;
  c.lat = b.lat;
  c.lon = b.lon;
  c.certificate_id = info.certificate_id;
  c.serial = info.serial;
  c.valid_from = info.issued_at;
  c.valid_end = info.valid_end;
  c.valid_until = info.valid_until;
  c.max_visitors = max_visitors(id, t);
  c.utc_offset_minutes = static_cast<std::int32_t>(impl_->tz);
  c.signed_at = t;
  return encode_credential(std::move(c), key);
}

std::string CertificateRegistry::status_list(Instant t, const SigningKey& key,
                                             std::string_view issuer) const {
  check_instant(t, "time");
  StatusList list;
  list.issuer = std::string(issuer);
  list.issued_at = t;
  {
    std::shared_lock lock(impl_->mutex);
    list.states.assign(static_cast<std::size_t>(impl_->last_serial) + 1, 0);
    for (const auto& [id, rec] : impl_->businesses) {
      const State s = impl_->state_at(*rec, t);
      const Status now = Engine::status(s, t);
      std::uint8_t current = 0;
      if (now == Status::kSuspended) current = 1;
      if (now == Status::kRevoked) current = 2;
      if (now == Status::kWithdrawn) current = 3;
      for (const Step& step : rec->steps) {
        if (step.serial <= 0 || step.serial > impl_->last_serial || step.effective > t) continue;
        // A serial replaced by a renewal is no longer the one on the door; a revocation
        // reaches every serial the business held.
        const std::uint8_t state = step.serial == s.serial ? current : (current == 2 ? 2 : 3);
        list.states[static_cast<std::size_t>(step.serial)] = state;
      }
    }
  }
  return encode_status_list(list, key);
}

}  // namespace smartkampung::cert
