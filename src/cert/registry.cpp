#include <smartkampung/cert.hpp>
#include <smartkampung/geo.hpp>
#include <smartkampung/io.hpp>

#include "cert/codec.hpp"
#include "cert/engine.hpp"
#include "cert/jsonl.hpp"
#include "cert/policy.hpp"
#include "core/store_file.hpp"
#include "io/csv_parser.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <unordered_map>

namespace smartkampung::cert {

using detail::Engine;
using detail::State;
using detail::Step;

const char* status_name(Status status) noexcept {
  switch (status) {
    case Status::kNone: return "none";
    case Status::kApplied: return "applied";
    case Status::kUnderAudit: return "under_audit";
    case Status::kActive: return "active";
    case Status::kEvaluationDue: return "evaluation_due";
    case Status::kSuspended: return "suspended";
    case Status::kRevoked: return "revoked";
    case Status::kExpired: return "expired";
    case Status::kWithdrawn: return "withdrawn";
  }
  return "unknown";
}

const char* event_type_name(EventType type) noexcept {
  switch (type) {
    case EventType::kPolicy: return "policy";
    case EventType::kRegistered: return "registered";
    case EventType::kApplied: return "applied";
    case EventType::kAudited: return "audited";
    case EventType::kIssued: return "issued";
    case EventType::kEvaluated: return "evaluated";
    case EventType::kViolation: return "violation";
    case EventType::kSuspended: return "suspended";
    case EventType::kReinstated: return "reinstated";
    case EventType::kRevoked: return "revoked";
    case EventType::kRenewed: return "renewed";
    case EventType::kWithdrawn: return "withdrawn";
  }
  return "unknown";
}

CertificateError::CertificateError(ErrorCode code, const std::string& message, std::int64_t position)
    : Error(code, message), position_(position) {}

// Out of line so that the vtable and typeinfo live in the library (the key function).
CertificateError::~CertificateError() = default;

namespace {

Step step_of(const Event& e) { return Step{e.effective_at, e.seq, e.type, e.passed, e.serial}; }

std::vector<Step> sorted_steps(const std::vector<Event>& events, std::int64_t business_id) {
  std::vector<Step> steps;
  for (const Event& e : events) {
    if (e.business_id == business_id && e.type != EventType::kPolicy) steps.push_back(step_of(e));
  }
  std::stable_sort(steps.begin(), steps.end(), detail::step_before);
  return steps;
}

bool valid_category(std::string_view c) {
  if (c.empty() || c.size() > 64) return false;
  for (char ch : c) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) return false;
  }
  return true;
}

void check_business(const Business& b) {
  const std::string where = "business " + std::to_string(b.id) + ": ";
  if (b.name.empty()) throw Error(ErrorCode::kInvalidArgument, where + "name is empty");
  if (!valid_category(b.category)) {
    throw Error(ErrorCode::kInvalidArgument,
                where + "category must be a lowercase word (a-z, 0-9, _ or -), e.g. \"warung\"");
  }
  if (!std::isfinite(b.lat) || b.lat < -90.0 || b.lat > 90.0) {
    throw Error(ErrorCode::kInvalidArgument, where + "latitude must be a number in [-90, 90]");
  }
  if (!std::isfinite(b.lon) || b.lon < -180.0 || b.lon > 180.0) {
    throw Error(ErrorCode::kInvalidArgument, where + "longitude must be a number in [-180, 180]");
  }
  if (b.capacity < 0) throw Error(ErrorCode::kInvalidArgument, where + "capacity must be >= 0");
}

bool valid_zone(TimeZone tz) {
  return tz == TimeZone::kWIB || tz == TimeZone::kWITA || tz == TimeZone::kWIT;
}

// Occupancy is counted per local day: the day (days since the epoch) in the high 32 bits,
// the visitors inside in the low 32, so that a check-in compares and updates both at once.
constexpr std::uint64_t pack_occupancy(std::int32_t day, std::int32_t count) noexcept {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(day)) << 32) | static_cast<std::uint32_t>(count);
}
constexpr std::int32_t occupancy_day(std::uint64_t packed) noexcept {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(packed >> 32));
}
constexpr std::int32_t occupancy_count(std::uint64_t packed) noexcept {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(packed & 0xffffffffu));
}

struct BusinessRec {
  Business data;
  std::vector<Step> steps;          // by effective time, then seq
  std::vector<std::uint64_t> seqs;  // the business's events in the order recorded
  std::atomic<std::uint64_t> occupancy{0};
};

using smartkampung::detail::StoreLock;

bool file_exists(const std::string& path) { return smartkampung::detail::store_exists(path); }

std::string log_signing_message(std::size_t count, std::string_view head) {
  return "skamp-cert-log/1|" + std::to_string(count) + "|" + std::string(head);
}

}  // namespace

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

struct CertificateRegistry::Impl {
  Policy policy;
  TimeZone tz;
  std::vector<Event> log;
  std::unordered_map<std::int64_t, std::unique_ptr<BusinessRec>> businesses;
  std::int64_t last_serial = 0;
  // The geo area's spatial index answers "certified places near me"; the certificate
  // status is checked by a predicate on ids.
  geo::FacilityIndex places;
  mutable std::shared_mutex mutex;

  static geo::Facility place_of(const Business& b) {
    geo::Facility f;
    f.id = b.id;
    f.lat = b.lat;
    f.lon = b.lon;
    f.kind = b.category;
    return f;
  }

  Impl(Policy p, TimeZone zone) : policy(std::move(p)), tz(zone) {}

  Engine engine(const BusinessRec& b) const { return Engine(policy.impl(), tz, b.data.category); }

  const BusinessRec& find(std::int64_t id) const {
    auto it = businesses.find(id);
    if (it == businesses.end()) {
      throw Error(ErrorCode::kNotFound, "certificate registry: no business with id " + std::to_string(id));
    }
    return *it->second;
  }
  BusinessRec& find(std::int64_t id) { return const_cast<BusinessRec&>(std::as_const(*this).find(id)); }

  State state_at(const BusinessRec& b, Instant t) const {
    return engine(b).replay(b.steps.data(), b.steps.size(), t);
  }
  Status status(const BusinessRec& b, Instant t) const { return Engine::status(state_at(b, t), t); }

  std::int32_t max_visitors(const BusinessRec& b, Instant t) const {
    if (!is_valid(status(b, t))) return 0;
    const int percent = policy.impl().cap_percent(b.data.category, b.data.zone, local_date(t, tz));
    return static_cast<std::int32_t>(static_cast<std::int64_t>(b.data.capacity) * percent / 100);
  }

  Event make_event(EventType type, std::int64_t id, Instant effective, Instant recorded, const Provenance& p) const {
    Event e;
    e.seq = log.size();
    e.type = type;
    e.business_id = id;
    e.effective_at = effective;
    e.recorded_at = recorded;
    e.provenance = p;
    e.prev_hash = log.empty() ? std::string(detail::kGenesisHash) : log.back().hash;
    return e;
  }

  void push(Event e) {
    e.hash = detail::event_hash(e);
    log.push_back(std::move(e));
  }

  [[noreturn]] void refuse(const Event& e, const std::string& what) const {
    throw CertificateError(ErrorCode::kState, std::string(event_type_name(e.type)) + " not allowed for business " +
                                                  std::to_string(e.business_id) + " at " +
                                                  detail::format_instant(e.effective_at, tz) + ": " + what);
  }

  // Checks that the event is allowed where it falls in time and that it makes no later
  // event disallowed (a revocation supersedes what follows it), then appends it.
  void append(BusinessRec& b, Event e) {
    const Step step = step_of(e);
    const Engine eng = engine(b);
    std::vector<char> before_flags;
    eng.replay(b.steps.data(), b.steps.size(), detail::kForever, &before_flags);
    std::vector<Step> steps = b.steps;
    const auto pos = static_cast<std::size_t>(
        std::upper_bound(steps.begin(), steps.end(), step, detail::step_before) - steps.begin());
    steps.insert(steps.begin() + static_cast<std::ptrdiff_t>(pos), step);
    State s;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const State before = s;
      const char* why = eng.apply(s, steps[i]);
      if (why != nullptr) s = before;
      if (i == pos && why != nullptr) {
        State at = before;
        eng.advance(at, step.effective);
        refuse(e, std::string("status is ") + status_name(Engine::status(at, step.effective)) + " (" + why + ")");
      }
      if (i != pos && why != nullptr && e.type != EventType::kRevoked && before_flags[i < pos ? i : i - 1]) {
        refuse(e, std::string("it would make the later ") + event_type_name(steps[i].type) + " event (seq " +
                      std::to_string(steps[i].seq) + ") not allowed (" + why + ")");
      }
    }
    push(std::move(e));  // on failure nothing has changed
    try {
      b.seqs.push_back(log.back().seq);
    } catch (...) {
      log.pop_back();
      throw;
    }
    b.steps = std::move(steps);
  }

  void record(EventType type, std::int64_t id, Instant at, const Provenance& p, bool passed = false,
              std::string_view reason = {}, Instant effective = kNoTime) {
    if (at == kNoTime) throw Error(ErrorCode::kInvalidArgument, "certificate event: the time is not set");
    check_instant(at, "certificate event time");
    if (effective == kNoTime) effective = at;
    check_instant(effective, "certificate event effective time");
    std::unique_lock lock(mutex);
    BusinessRec& b = find(id);
    Event e = make_event(type, id, effective, at, p);
    e.passed = passed;
    e.reason = std::string(reason);
    const bool new_serial = type == EventType::kIssued || type == EventType::kRenewed;
    if (new_serial) e.serial = last_serial + 1;
    append(b, std::move(e));
    if (new_serial) ++last_serial;
  }

  void index_event(const Event& e, std::int64_t position) {
    auto fail = [&](const char* what) {
      return CertificateError(ErrorCode::kCorrupt,
                              "certificate log is corrupt at event " + std::to_string(position) + " (line " +
                                  std::to_string(position + 1) + "): " + what,
                              position);
    };
    if (e.type == EventType::kPolicy) return;
    if (e.type == EventType::kRegistered) {
      if (businesses.count(e.business_id) != 0) throw fail("business registered twice");
      try {
        check_business(e.business);
      } catch (const Error&) {
        throw fail("invalid business data");
      }
      auto rec = std::make_unique<BusinessRec>();
      rec->data = e.business;
      places.add(place_of(e.business));
      businesses.emplace(e.business_id, std::move(rec));
    }
    auto it = businesses.find(e.business_id);
    if (it == businesses.end()) throw fail("event of a business that is not registered");
    BusinessRec& b = *it->second;
    const Step step = step_of(e);
    b.steps.insert(std::upper_bound(b.steps.begin(), b.steps.end(), step, detail::step_before), step);
    b.seqs.push_back(e.seq);
    last_serial = std::max(last_serial, e.serial);
  }
};

CertificateRegistry::CertificateRegistry(Policy policy, TimeZone tz) {
  if (!valid_zone(tz)) throw Error(ErrorCode::kInvalidArgument, "time zone must be WIB, WITA or WIT");
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
    throw CertificateError(ErrorCode::kState, "business " + std::to_string(business.id) + " is already registered");
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
void CertificateRegistry::evaluate(std::int64_t id, Instant at, bool passed, std::string_view findings,
                                   const Provenance& p) {
  impl_->record(EventType::kEvaluated, id, at, p, passed, findings);
}
void CertificateRegistry::report_violation(std::int64_t id, Instant at, std::string_view reason,
                                           const Provenance& p) {
  impl_->record(EventType::kViolation, id, at, p, false, reason);
}
void CertificateRegistry::suspend(std::int64_t id, Instant at, std::string_view reason, const Provenance& p) {
  impl_->record(EventType::kSuspended, id, at, p, false, reason);
}
void CertificateRegistry::reinstate(std::int64_t id, Instant at, const Provenance& p) {
  impl_->record(EventType::kReinstated, id, at, p);
}
void CertificateRegistry::revoke(std::int64_t id, Instant at, std::string_view reason, Instant effective_at,
                                 const Provenance& p) {
  if (effective_at != kNoTime && at != kNoTime && effective_at > at) {
    throw Error(ErrorCode::kInvalidArgument, "revocation: effective_at must not be after the time it is recorded");
  }
  impl_->record(EventType::kRevoked, id, at, p, false, reason, effective_at);
}
std::int64_t CertificateRegistry::renew(std::int64_t id, Instant at, const Provenance& p) {
  impl_->record(EventType::kRenewed, id, at, p);
  std::shared_lock lock(impl_->mutex);
  return impl_->last_serial;
}
void CertificateRegistry::withdraw(std::int64_t id, Instant at, std::string_view reason, const Provenance& p) {
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
  } while (!b.occupancy.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_relaxed));
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
  } while (!b.occupancy.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_relaxed));
}

std::int32_t CertificateRegistry::occupancy(std::int64_t id) const {
  std::shared_lock lock(impl_->mutex);
  return occupancy_count(impl_->find(id).occupancy.load(std::memory_order_acquire));
}

std::int32_t CertificateRegistry::occupancy(std::int64_t id, Instant t) const {
  check_instant(t, "time");
  std::shared_lock lock(impl_->mutex);
  const std::uint64_t packed = impl_->find(id).occupancy.load(std::memory_order_acquire);
  return occupancy_day(packed) == local_date(t, impl_->tz).days_since_epoch() ? occupancy_count(packed) : 0;
}

std::vector<Nearby> CertificateRegistry::certified_near(double lat, double lon, double radius_m, Instant t,
                                                        std::optional<std::string> category) const {
  check_instant(t, "time");
  if (!std::isfinite(lat) || lat < -90.0 || lat > 90.0 || !std::isfinite(lon) || lon < -180.0 || lon > 180.0) {
    throw Error(ErrorCode::kInvalidArgument, "certified_near: coordinates out of range");
  }
  if (!(radius_m >= 0.0)) throw Error(ErrorCode::kInvalidArgument, "certified_near: radius_m must be >= 0");
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

std::string CertificateRegistry::to_jsonl(const SigningKey* key) const {
  std::shared_lock lock(impl_->mutex);
  std::string out;
  out.reserve(impl_->log.size() * 300);
  for (const Event& e : impl_->log) {
    out += detail::event_line(e);
    out += '\n';
  }
  const std::size_t count = impl_->log.size();
  const std::string& head = impl_->log.back().hash;
  out += "{\"trailer\":{\"count\":" + std::to_string(count) + ",\"head\":\"" + head + "\"";
  if (key != nullptr) {
    out += ",\"key_id\":\"" + key->key_id() + "\",\"signature\":\"" +
           detail::hex_of(key->sign(log_signing_message(count, head))) + "\"";
  }
  out += "}}\n";
  return out;
}

CertificateRegistry CertificateRegistry::from_jsonl(std::string_view text, const StoreOptions& options) {
  auto corrupt = [](std::int64_t position, const std::string& what) {
    return CertificateError(ErrorCode::kCorrupt,
                            "certificate log is corrupt at event " + std::to_string(position) + " (line " +
                                std::to_string(position + 1) + "): " + what,
                            position);
  };
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) throw corrupt(0, "the file is empty");
  std::vector<Event> events;
  events.reserve(lines.size());
  std::string prev = detail::kGenesisHash;
  bool trailer_seen = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto position = static_cast<std::int64_t>(i);
    const std::string_view line = lines[i];
    if (line.rfind("{\"trailer\":", 0) == 0) {
      const std::string expected =
          "{\"trailer\":{\"count\":" + std::to_string(events.size()) + ",\"head\":\"" + prev + "\"";
      if (line.substr(0, expected.size()) != expected) {
        throw corrupt(position, "the trailer does not match the events before it");
      }
      if (i + 1 != lines.size()) throw corrupt(position + 1, "content after the trailer");
      std::string_view rest = line.substr(expected.size());
      std::string key_id;
      std::string signature;
      if (rest != "}}") {
        // ,"key_id":"<16 hex>","signature":"<128 hex>"}}
        constexpr std::string_view kKey = ",\"key_id\":\"";
        constexpr std::string_view kSig = "\",\"signature\":\"";
        std::string id_bytes;
        if (rest.size() != kKey.size() + 16 + kSig.size() + 128 + 3 || rest.substr(0, kKey.size()) != kKey ||
            rest.substr(kKey.size() + 16, kSig.size()) != kSig || rest.substr(rest.size() - 3) != "\"}}" ||
            !detail::bytes_of_hex(rest.substr(kKey.size(), 16), id_bytes, 8) ||
            !detail::bytes_of_hex(rest.substr(kKey.size() + 16 + kSig.size(), 128), signature, 64)) {
          throw corrupt(position, "the trailer is malformed");
        }
        key_id = std::string(rest.substr(kKey.size(), 16));
      }
      const std::string problem =
          smartkampung::detail::signature_problem("the log", options.public_keys, options.allow_unsigned, key_id,
                                                  log_signing_message(events.size(), prev), signature);
      if (!problem.empty()) throw corrupt(position, problem);
      trailer_seen = true;
      break;
    }
    Event e = detail::parse_event_line(line, position);
    if (e.seq != i) {
      throw corrupt(position, "sequence number " + std::to_string(e.seq) + " where " + std::to_string(i) +
                                  " was expected (events deleted or reordered)");
    }
    if (e.prev_hash != prev) throw corrupt(position, "the link to the previous event is broken");
    if (detail::event_hash(e) != e.hash) throw corrupt(position, "the event does not match its hash (edited)");
    if ((i == 0) != (e.type == EventType::kPolicy)) {
      throw corrupt(position, i == 0 ? "the first event must be the policy" : "a second policy event");
    }
    prev = e.hash;
    events.push_back(std::move(e));
  }
  if (!trailer_seen) throw corrupt(static_cast<std::int64_t>(events.size()), "no trailer (the file is truncated)");
  const Event& first = events.front();
  const auto tz = static_cast<TimeZone>(first.utc_offset_minutes);
  if (!valid_zone(tz)) throw corrupt(0, "the time zone is not WIB, WITA or WIT");
  CertificateRegistry reg(Policy::from_json(first.policy_json), tz);
  Impl& impl = *reg.impl_;
  impl.log.clear();
  for (std::size_t i = 0; i < events.size(); ++i) {
    impl.index_event(events[i], static_cast<std::int64_t>(i));
    impl.log.push_back(std::move(events[i]));
  }
  return reg;
}

namespace {

constexpr std::string_view kOccupancyTag = "skamp-cert-occupancy/1";

std::string occupancy_path(const std::string& path) { return path + ".occupancy"; }

[[noreturn]] void bad_occupancy(const std::string& path, std::size_t line, const char* what) {
  throw CertificateError(ErrorCode::kCorrupt,
                         "occupancy file '" + occupancy_path(path) + "' is corrupt at line " + std::to_string(line) +
                             ": " + what);
}

}  // namespace

// The trailer's count and head of the log saved at `path`: false when there is no file.
static bool saved_head(const std::string& path, std::size_t& count, std::string& head) {
  if (!file_exists(path)) return false;
  const std::string text = read_file(path);
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') --end;
  const std::size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
  const std::string_view line =
      std::string_view(text).substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
  constexpr std::string_view kCount = "{\"trailer\":{\"count\":";
  constexpr std::string_view kHead = ",\"head\":\"";
  count = 0;
  head.clear();
  if (line.substr(0, kCount.size()) != kCount) return true;
  std::size_t i = kCount.size();
  while (i < line.size() && line[i] >= '0' && line[i] <= '9' && count < (std::size_t{1} << 48)) {
    count = count * 10 + static_cast<std::size_t>(line[i++] - '0');
  }
  if (line.substr(i, kHead.size()) != kHead || line.size() < i + kHead.size() + 64) {
    count = 0;
    return true;
  }
  head = std::string(line.substr(i + kHead.size(), 64));
  return true;
}

void save_locked(const CertificateRegistry& reg, const std::string& path, const StoreOptions& options,
                 const std::vector<std::pair<std::int64_t, std::uint64_t>>& occupancy, bool check_prefix);

std::vector<std::pair<std::int64_t, std::uint64_t>> occupancy_of(const CertificateRegistry::Impl& impl);

void CertificateRegistry::save(const std::string& path, const StoreOptions& options) const {
  try {
    StoreLock lock(path, true);
    save_locked(*this, path, options, occupancy_of(*impl_), true);
  } catch (const CertificateError&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.code(), std::string("certificate registry: ") + e.what());
  }
}

std::vector<std::pair<std::int64_t, std::uint64_t>> occupancy_of(const CertificateRegistry::Impl& impl) {
  std::shared_lock lock(impl.mutex);
  std::vector<std::pair<std::int64_t, std::uint64_t>> out;
  for (const auto& [id, rec] : impl.businesses) {
    const std::uint64_t packed = rec->occupancy.load(std::memory_order_acquire);
    if (occupancy_count(packed) > 0) out.emplace_back(id, packed);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void save_locked(const CertificateRegistry& reg, const std::string& path, const StoreOptions& options,
                 const std::vector<std::pair<std::int64_t, std::uint64_t>>& occupancy, bool check_prefix) {
  const std::string data = reg.to_jsonl(options.key.get());
  if (check_prefix) {
    // Never replace another writer's events: the saved log must be a prefix of this one
    // (its head one of our events at the same position), as a fast-forward.
    std::size_t count = 0;
    std::string head;
    if (saved_head(path, count, head)) {
      const std::vector<Event> events = reg.events();
      if (count == 0 || count > events.size() || events[count - 1].hash != head) {
        throw CertificateError(ErrorCode::kState,
                               "certificate registry: '" + path +
                                   "' holds events this registry does not have (another writer saved since it "
                                   "was loaded, or it is another store); nothing was written: load it again");
      }
    }
  }
  std::string occ(kOccupancyTag);
  occ += '\n';
  for (const auto& [id, packed] : occupancy) {
    occ += std::to_string(id) + " " + Date(occupancy_day(packed)).to_iso() + " " +
           std::to_string(occupancy_count(packed)) + "\n";
  }
  smartkampung::detail::write_store(path, data);
  smartkampung::detail::write_store(occupancy_path(path), occ);
}

CertificateRegistry CertificateRegistry::load_unlocked(const std::string& path, const StoreOptions& options) {
  std::string data;
  try {
    data = smartkampung::detail::read_store(path);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("certificate registry: ") + e.what());
  }
  CertificateRegistry reg = CertificateRegistry::from_jsonl(data, options);
  const std::string occ_path = occupancy_path(path);
  if (file_exists(occ_path)) {
    std::string occ;
    try {
      occ = read_file(occ_path);
    } catch (const Error& e) {
      throw Error(e.code(), std::string("certificate registry: ") + e.what());
    }
    reg.restore_occupancy(path, occ);
  }
  return reg;
}

void CertificateRegistry::restore_occupancy(const std::string& path, std::string_view text) {
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) bad_occupancy(path, line_no + 1, "no newline at the end");
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line_no == 1) {
      if (line != kOccupancyTag) bad_occupancy(path, 1, "not an occupancy file");
      continue;
    }
    // "<id> <YYYY-MM-DD> <count>"
    const std::size_t s1 = line.find(' ');
    const std::size_t s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
    if (s2 == std::string_view::npos) bad_occupancy(path, line_no, "expected: id date count");
    auto number = [&](std::string_view t, std::int64_t lo, std::int64_t hi) {
      std::int64_t v = 0;
      bool neg = !t.empty() && t[0] == '-';
      if (neg) t.remove_prefix(1);
      if (t.empty() || t.size() > 18) bad_occupancy(path, line_no, "not a number");
      for (char c : t) {
        if (c < '0' || c > '9') bad_occupancy(path, line_no, "not a number");
        v = v * 10 + (c - '0');
      }
      v = neg ? -v : v;
      if (v < lo || v > hi) bad_occupancy(path, line_no, "number out of range");
      return v;
    };
    const std::int64_t id = number(line.substr(0, s1), std::numeric_limits<std::int64_t>::min() / 10,
                                   std::numeric_limits<std::int64_t>::max() / 10);
    Date day;
    try {
      day = Date::parse_iso(line.substr(s1 + 1, s2 - s1 - 1));
    } catch (const Error&) {
      bad_occupancy(path, line_no, "not a date");
    }
    const auto count = static_cast<std::int32_t>(number(line.substr(s2 + 1), 0, std::numeric_limits<std::int32_t>::max()));
    auto it = impl_->businesses.find(id);
    if (it == impl_->businesses.end()) bad_occupancy(path, line_no, "a business that is not registered");
    it->second->occupancy.store(pack_occupancy(day.days_since_epoch(), count), std::memory_order_release);
  }
  if (line_no == 0) bad_occupancy(path, 1, "the file is empty");
}

CertificateRegistry CertificateRegistry::load(const std::string& path, const StoreOptions& options) {
  std::optional<StoreLock> lock;
  try {
    if (file_exists(path)) lock.emplace(path, false);  // a reader sees one save's log and occupancy
  } catch (const Error& e) {
    throw Error(e.code(), std::string("certificate registry: ") + e.what());
  }
  return load_unlocked(path, options);
}

void CertificateRegistry::update(const std::string& path, const std::function<bool(CertificateRegistry&)>& fn,
                                 const StoreOptions& options) {
  std::optional<StoreLock> lock;
  try {
    lock.emplace(path, true);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("certificate registry: ") + e.what());
  }
  std::optional<CertificateRegistry> reg;
  if (file_exists(path)) {
    reg.emplace(load_unlocked(path, options));
  } else if (options.create) {
    reg.emplace();
  } else {
    throw Error(ErrorCode::kNotFound, "certificate registry: no store at '" + path + "'");
  }
  if (!fn(*reg)) return;
  try {
    save_locked(*reg, path, options, occupancy_of(*reg->impl_), false);
  } catch (const CertificateError&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.code(), std::string("certificate registry: ") + e.what());
  }
}

std::string CertificateRegistry::sticker(std::int64_t id, Instant t, const SigningKey& key,
                                         std::string_view issuer) const {
  check_instant(t, "time");
  const CertificateInfo info = certificate(id, t);
  if (!is_valid(info.status)) {
    throw CertificateError(ErrorCode::kState, "business " + std::to_string(id) + " has no valid certificate at " +
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

std::string CertificateRegistry::status_list(Instant t, const SigningKey& key, std::string_view issuer) const {
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
