// Private to the cert area: the certificate registry's state (CertificateRegistry::Impl)
// and the helpers its two source files share: registry.cpp (events and queries) and
// store.cpp (the JSONL log, the occupancy file, save and load).
#ifndef SMARTKAMPUNG_SRC_CERT_REGISTRY_IMPL_HPP
#define SMARTKAMPUNG_SRC_CERT_REGISTRY_IMPL_HPP

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <smartkampung/cert.hpp>
#include <smartkampung/geo.hpp>
#include <smartkampung/io.hpp>
#include <sstream>
#include <unordered_map>

#include "cert/codec.hpp"
#include "cert/engine.hpp"
#include "cert/jsonl.hpp"
#include "cert/policy.hpp"
#include "core/store_file.hpp"
#include "io/csv_parser.hpp"

namespace smartkampung::cert {

using detail::Engine;
using detail::State;
using detail::Step;

namespace registry_internal {

inline Step step_of(const Event& e) {
  return Step{e.effective_at, e.seq, e.type, e.passed, e.serial};
}

inline std::vector<Step> sorted_steps(const std::vector<Event>& events, std::int64_t business_id) {
  std::vector<Step> steps;
  for (const Event& e : events) {
    if (e.business_id == business_id && e.type != EventType::kPolicy) steps.push_back(step_of(e));
  }
  std::stable_sort(steps.begin(), steps.end(), detail::step_before);
  return steps;
}

inline bool valid_category(std::string_view c) {
  if (c.empty() || c.size() > 64) return false;
  for (char ch : c) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
      return false;
  }
  return true;
}

inline void check_business(const Business& b) {
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

inline bool valid_zone(TimeZone tz) {
  return tz == TimeZone::kWIB || tz == TimeZone::kWITA || tz == TimeZone::kWIT;
}

// Occupancy is counted per local day: the day (days since the epoch) in the high 32 bits,
// the visitors inside in the low 32, so that a check-in compares and updates both at once.
constexpr std::uint64_t pack_occupancy(std::int32_t day, std::int32_t count) noexcept {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(day)) << 32) |
         static_cast<std::uint32_t>(count);
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

inline bool file_exists(const std::string& path) {
  return smartkampung::detail::store_exists(path);
}

inline std::string log_signing_message(std::size_t count, std::string_view head) {
  return "skamp-cert-log/1|" + std::to_string(count) + "|" + std::string(head);
}

}  // namespace registry_internal

using namespace registry_internal;

struct CertificateRegistry::Impl {
  using BusinessRec = registry_internal::BusinessRec;
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
      throw Error(ErrorCode::kNotFound,
                  "certificate registry: no business with id " + std::to_string(id));
    }
    return *it->second;
  }
  BusinessRec& find(std::int64_t id) {
    return const_cast<BusinessRec&>(std::as_const(*this).find(id));
  }

  State state_at(const BusinessRec& b, Instant t) const {
    return engine(b).replay(b.steps.data(), b.steps.size(), t);
  }
  Status status(const BusinessRec& b, Instant t) const { return Engine::status(state_at(b, t), t); }

  std::int32_t max_visitors(const BusinessRec& b, Instant t) const {
    if (!is_valid(status(b, t))) return 0;
    const int percent = policy.impl().cap_percent(b.data.category, b.data.zone, local_date(t, tz));
    return static_cast<std::int32_t>(static_cast<std::int64_t>(b.data.capacity) * percent / 100);
  }

  Event make_event(EventType type, std::int64_t id, Instant effective, Instant recorded,
                   const Provenance& p) const {
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
    throw CertificateError(ErrorCode::kState,
                           std::string(event_type_name(e.type)) + " not allowed for business " +
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
        refuse(e, std::string("status is ") + status_name(Engine::status(at, step.effective)) +
                      " (" + why + ")");
      }
      if (i != pos && why != nullptr && e.type != EventType::kRevoked &&
          before_flags[i < pos ? i : i - 1]) {
        refuse(e, std::string("it would make the later ") + event_type_name(steps[i].type) +
                      " event (seq " + std::to_string(steps[i].seq) + ") not allowed (" + why +
                      ")");
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
    if (at == kNoTime)
      throw Error(ErrorCode::kInvalidArgument, "certificate event: the time is not set");
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
                              "certificate log is corrupt at event " + std::to_string(position) +
                                  " (line " + std::to_string(position + 1) + "): " + what,
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
    b.steps.insert(std::upper_bound(b.steps.begin(), b.steps.end(), step, detail::step_before),
                   step);
    b.seqs.push_back(e.seq);
    last_serial = std::max(last_serial, e.serial);
  }
};

}  // namespace smartkampung::cert

#endif
