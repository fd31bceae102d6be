#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <smartkampung/cert.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cert/codec.hpp"
#include "cert/engine.hpp"
#include "cert/jsonl.hpp"
#include "geodesic_oracle.hpp"

namespace sk = smartkampung;
namespace cert = smartkampung::cert;
using cert::Status;

namespace {

bool small() {
  const char* size = std::getenv("SKAMP_TEST_SIZE");
  return size != nullptr && std::string(size) == "small";
}

// "2020-07-20 14:00:00" local time in a zone, as UTC seconds.
sk::Instant at(const char* text, sk::TimeZone tz = sk::TimeZone::kWIB) {
  int y, mo, d, h, mi, s;
  if (std::sscanf(text, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
    ADD_FAILURE() << "bad time " << text;
    return 0;
  }
  return sk::start_of_day(sk::Date::from_ymd(y, mo, d), tz) + h * 3600 + mi * 60 + s;
}

constexpr std::int64_t kId = 7;
constexpr sk::Instant kDay = 86400;

cert::Business warung(std::int64_t id = kId, const char* category = "restaurant",
                      std::int32_t capacity = 101) {
  cert::Business b;
  b.id = id;
  b.name = "Warung Bu Tini";
  b.category = category;
  b.lat = -8.2192;
  b.lon = 114.3691;
  b.capacity = capacity;
  b.zone = "Giri";
  return b;
}

// Registered without a time, applied 1 July, failed audit 3 July, passed 6 July, issued
// 7 July 2020 10:00 WIB: valid until 2021-07-06, evaluation due 6 August 00:00 WIB,
// grace to 13 August 00:00, lapse deadline 27 August (revoked from 28 August 00:00).
void issued(cert::CertificateRegistry& r, std::int64_t id = kId,
            const char* category = "restaurant") {
  r.add_business(warung(id, category));
  r.apply(id, at("2020-07-01 09:00:00"));
  r.audit(id, at("2020-07-03 10:00:00"), false, "no hand-washing station");
  r.audit(id, at("2020-07-06 10:00:00"), true);
  r.issue(id, at("2020-07-07 10:00:00"));
}

// As issued(), with a passed evaluation every 28 days until `until`.
void evaluated_until(cert::CertificateRegistry& r, sk::Instant until, sk::Instant first = 0) {
  const sk::Instant start = first != 0 ? first : at("2020-07-07 10:00:00");
  for (sk::Instant t = start + 28 * kDay; t <= until; t += 28 * kDay) r.evaluate(kId, t, true);
}

using Setup = std::function<void(cert::CertificateRegistry&)>;

struct StatusCase {
  const char* name;
  Setup setup;
  const char* when;  // local WIB
  Status expected;
};

struct RefusedCase {
  const char* name;
  Setup setup;
  std::function<void(cert::CertificateRegistry&)> action;
};

const Setup kIssued = [](cert::CertificateRegistry& r) { issued(r); };
const Setup kEvaluatedYear = [](cert::CertificateRegistry& r) {
  issued(r);
  evaluated_until(r, at("2021-07-01 00:00:00"));
};
const Setup kViolation = [](cert::CertificateRegistry& r) {
  issued(r);
  r.report_violation(kId, at("2020-07-20 12:00:00"), "no masks");
};
const Setup kBackdated = [](cert::CertificateRegistry& r) {
  issued(r);
  r.evaluate(kId, at("2020-08-01 10:00:00"), true);
  r.revoke(kId, at("2020-08-20 10:00:00"), "fraudulent_audit", at("2020-07-25 00:00:00"));
};

std::vector<StatusCase> status_cases() {
  std::vector<StatusCase> c = {
      {"registered only", [](cert::CertificateRegistry& r) { r.add_business(warung()); },
       "2020-07-01 00:00:00", Status::kNone},
      {"before applying", kIssued, "2020-06-30 23:59:59", Status::kNone},
      {"application instant minus 1 s", kIssued, "2020-07-01 08:59:59", Status::kNone},
      {"application instant", kIssued, "2020-07-01 09:00:00", Status::kApplied},
      {"after a failed audit", kIssued, "2020-07-04 00:00:00", Status::kUnderAudit},
      {"after a passed audit, not issued", kIssued, "2020-07-06 12:00:00", Status::kUnderAudit},
      {"issue instant minus 1 s", kIssued, "2020-07-07 09:59:59", Status::kUnderAudit},
      {"issue instant", kIssued, "2020-07-07 10:00:00", Status::kActive},
      {"valid on 2020-07-20 14:00 WIB", kIssued, "2020-07-20 14:00:00", Status::kActive},
      {"evaluation due minus 1 s (23:59:59 WIB)", kIssued, "2020-08-05 23:59:59", Status::kActive},
      {"evaluation due (00:00 WIB)", kIssued, "2020-08-06 00:00:00", Status::kEvaluationDue},
      {"grace end minus 1 s", kIssued, "2020-08-12 23:59:59", Status::kEvaluationDue},
      {"grace lapsed: suspended", kIssued, "2020-08-13 00:00:00", Status::kSuspended},
      {"lapse deadline minus 1 s", kIssued, "2020-08-27 23:59:59", Status::kSuspended},
      {"lapse deadline passed: revoked", kIssued, "2020-08-28 00:00:00", Status::kRevoked},
      {"lapse revoked stays revoked after expiry", kIssued, "2022-01-01 00:00:00",
       Status::kRevoked},
      {"validity end minus 1 s", kEvaluatedYear, "2021-07-06 23:59:59", Status::kActive},
      {"validity end", kEvaluatedYear, "2021-07-07 00:00:00", Status::kExpired},
      {"validity end plus 1 s", kEvaluatedYear, "2021-07-07 00:00:01", Status::kExpired},
      {"violation instant minus 1 s", kViolation, "2020-07-20 11:59:59", Status::kActive},
      {"first violation suspends", kViolation, "2020-07-20 12:00:00", Status::kSuspended},
      {"suspension deadline day 23:59:59", kViolation, "2020-08-03 23:59:59", Status::kSuspended},
      {"suspension deadline passed 00:00", kViolation, "2020-08-04 00:00:00", Status::kRevoked},
      {"back-dated revocation: before effective", kBackdated, "2020-07-24 23:59:59",
       Status::kActive},
      {"back-dated revocation: at effective", kBackdated, "2020-07-25 00:00:00", Status::kRevoked},
      {"back-dated revocation overrides a later evaluation", kBackdated, "2020-08-05 00:00:00",
       Status::kRevoked},
      {"re-audit pass lifts a violation suspension",
       [](cert::CertificateRegistry& r) {
         kViolation(r);
         r.audit(kId, at("2020-08-01 10:00:00"), true);
       },
       "2020-08-02 00:00:00", Status::kActive},
      {"after re-audit the next evaluation is due one interval later",
       [](cert::CertificateRegistry& r) {
         kViolation(r);
         r.audit(kId, at("2020-08-01 10:00:00"), true);
       },
       "2020-08-31 00:00:00", Status::kEvaluationDue},
      {"failed re-audit keeps the suspension",
       [](cert::CertificateRegistry& r) {
         kViolation(r);
         r.audit(kId, at("2020-08-01 10:00:00"), false, "still no masks");
       },
       "2020-08-02 00:00:00", Status::kSuspended},
      {"failed re-audit: revoked at the deadline",
       [](cert::CertificateRegistry& r) {
         kViolation(r);
         r.audit(kId, at("2020-08-01 10:00:00"), false);
       },
       "2020-08-04 00:00:00", Status::kRevoked},
      {"second violation within 90 days revokes",
       [](cert::CertificateRegistry& r) {
         kViolation(r);
         r.reinstate(kId, at("2020-07-25 10:00:00"));
         r.report_violation(kId, at("2020-08-10 10:00:00"), "crowding");
       },
       "2020-08-10 10:00:00", Status::kRevoked},
      {"second violation within 90 days: instant minus 1 s",
       [](cert::CertificateRegistry& r) {
         kViolation(r);
         r.reinstate(kId, at("2020-07-25 10:00:00"));
         r.report_violation(kId, at("2020-08-10 10:00:00"), "crowding");
       },
       "2020-08-10 09:59:59", Status::kActive},
      {"second violation after 90 days suspends again",
       [](cert::CertificateRegistry& r) {
         kViolation(r);
         r.reinstate(kId, at("2020-07-25 10:00:00"));
         evaluated_until(r, at("2020-10-30 00:00:00"), at("2020-07-25 10:00:00"));
         r.report_violation(kId, at("2020-10-20 10:00:00"), "crowding");
       },
       "2020-10-20 10:00:00", Status::kSuspended},
      {"reinstated after a suspension order",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.suspend(kId, at("2020-07-15 10:00:00"), "order");
         r.reinstate(kId, at("2020-07-20 10:00:00"));
       },
       "2020-07-21 00:00:00", Status::kActive},
      {"suspended by order",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.suspend(kId, at("2020-07-15 10:00:00"), "order");
       },
       "2020-07-15 10:00:00", Status::kSuspended},
      {"reinstatement resets the evaluation clock",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.suspend(kId, at("2020-07-15 10:00:00"), "order");
         r.reinstate(kId, at("2020-07-20 10:00:00"));
       },
       "2020-08-18 23:59:59", Status::kActive},
      {"failed evaluation suspends",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.evaluate(kId, at("2020-08-01 10:00:00"), false);
       },
       "2020-08-01 10:00:00", Status::kSuspended},
      {"passed evaluation after a failed one",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.evaluate(kId, at("2020-08-01 10:00:00"), false);
         r.evaluate(kId, at("2020-08-05 10:00:00"), true);
       },
       "2020-08-05 10:00:00", Status::kActive},
      {"early evaluation: due one interval after it, minus 1 s",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.evaluate(kId, at("2020-07-17 10:00:00"), true);
       },
       "2020-08-15 23:59:59", Status::kActive},
      {"early evaluation: due one interval after it",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.evaluate(kId, at("2020-07-17 10:00:00"), true);
       },
       "2020-08-16 00:00:00", Status::kEvaluationDue},
      {"evaluation within the grace window",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.evaluate(kId, at("2020-08-10 10:00:00"), true);
       },
       "2020-08-20 00:00:00", Status::kActive},
      {"passed evaluation lifts a lapse suspension",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.evaluate(kId, at("2020-08-20 10:00:00"), true);
       },
       "2020-08-20 10:00:00", Status::kActive},
      {"withdrawn certificate",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.withdraw(kId, at("2020-07-30 10:00:00"), "closed");
       },
       "2020-07-30 10:00:00", Status::kWithdrawn},
      {"re-application after withdrawal",
       [](cert::CertificateRegistry& r) {
         issued(r);
         r.withdraw(kId, at("2020-07-30 10:00:00"));
         r.apply(kId, at("2020-08-10 10:00:00"));
       },
       "2020-08-10 10:00:00", Status::kApplied},
      {"withdrawn application",
       [](cert::CertificateRegistry& r) {
         r.add_business(warung());
         r.apply(kId, at("2020-07-01 09:00:00"));
         r.withdraw(kId, at("2020-07-02 09:00:00"));
       },
       "2020-07-03 00:00:00", Status::kWithdrawn},
      {"renewal supersedes: valid past the first end",
       [](cert::CertificateRegistry& r) {
         issued(r);
         evaluated_until(r, at("2021-06-01 00:00:00"));
         r.renew(kId, at("2021-06-01 10:00:00"));
         r.evaluate(kId, at("2021-06-25 10:00:00"), true);
       },
       "2021-07-07 00:00:00", Status::kActive},
      {"re-application after expiry",
       [](cert::CertificateRegistry& r) {
         kEvaluatedYear(r);
         r.apply(kId, at("2021-07-10 10:00:00"));
       },
       "2021-07-10 10:00:00", Status::kApplied},
      {"registration time constrains: none before it",
       [](cert::CertificateRegistry& r) { r.add_business(warung(), at("2020-06-01 00:00:00")); },
       "2020-05-31 23:59:59", Status::kNone},
      {"leap day issue: valid through 2021-02-28",
       [](cert::CertificateRegistry& r) {
         r.add_business(warung());
         r.apply(kId, at("2020-02-20 09:00:00"));
         r.audit(kId, at("2020-02-25 09:00:00"), true);
         r.issue(kId, at("2020-02-29 09:00:00"));
         evaluated_until(r, at("2021-02-20 00:00:00"), at("2020-02-29 09:00:00"));
       },
       "2021-02-28 23:59:59", Status::kActive},
      {"leap day issue: expired on 2021-03-01",
       [](cert::CertificateRegistry& r) {
         r.add_business(warung());
         r.apply(kId, at("2020-02-20 09:00:00"));
         r.audit(kId, at("2020-02-25 09:00:00"), true);
         r.issue(kId, at("2020-02-29 09:00:00"));
         evaluated_until(r, at("2021-02-20 00:00:00"), at("2020-02-29 09:00:00"));
       },
       "2021-03-01 00:00:00", Status::kExpired},
  };
  return c;
}

std::vector<RefusedCase> refused_cases() {
  const Setup applied = [](cert::CertificateRegistry& r) {
    r.add_business(warung());
    r.apply(kId, at("2020-07-01 09:00:00"));
  };
  const Setup failed_audit = [applied](cert::CertificateRegistry& r) {
    applied(r);
    r.audit(kId, at("2020-07-03 10:00:00"), false);
  };
  const Setup revoked = [](cert::CertificateRegistry& r) {
    issued(r);
    r.revoke(kId, at("2020-07-20 10:00:00"), "violation");
  };
  return {
      {"issue without an audit", applied, [](auto& r) { r.issue(kId, at("2020-07-02 10:00:00")); }},
      {"issue after a failed audit", failed_audit,
       [](auto& r) { r.issue(kId, at("2020-07-04 10:00:00")); }},
      {"issue twice", kIssued, [](auto& r) { r.issue(kId, at("2020-07-08 10:00:00")); }},
      {"issue with no application", [](auto& r) { r.add_business(warung()); },
       [](auto& r) { r.issue(kId, at("2020-07-08 10:00:00")); }},
      {"reinstate a revoked certificate", revoked,
       [](auto& r) { r.reinstate(kId, at("2020-07-21 10:00:00")); }},
      {"reinstate an active certificate", kIssued,
       [](auto& r) { r.reinstate(kId, at("2020-07-21 10:00:00")); }},
      {"reinstate after the suspension deadline", kViolation,
       [](auto& r) { r.reinstate(kId, at("2020-08-04 00:00:00")); }},
      {"evaluate before issue", failed_audit,
       [](auto& r) { r.evaluate(kId, at("2020-07-05 10:00:00"), true); }},
      {"audit an active certificate", kIssued,
       [](auto& r) { r.audit(kId, at("2020-07-10 10:00:00"), true); }},
      {"suspend a suspended certificate", kViolation,
       [](auto& r) { r.suspend(kId, at("2020-07-21 10:00:00"), "x"); }},
      {"violation before issue", applied,
       [](auto& r) { r.report_violation(kId, at("2020-07-02 10:00:00"), "x"); }},
      {"revoke during audit", failed_audit,
       [](auto& r) { r.revoke(kId, at("2020-07-04 10:00:00"), "x"); }},
      {"revoke an expired certificate", kEvaluatedYear,
       [](auto& r) { r.revoke(kId, at("2021-07-08 10:00:00"), "x"); }},
      {"revoke twice", revoked, [](auto& r) { r.revoke(kId, at("2020-07-22 10:00:00"), "x"); }},
      {"back-dated revocation before issue", kIssued,
       [](auto& r) { r.revoke(kId, at("2020-07-22 10:00:00"), "x", at("2020-07-05 00:00:00")); }},
      {"apply while active", kIssued, [](auto& r) { r.apply(kId, at("2020-07-10 10:00:00")); }},
      {"apply after revocation", revoked, [](auto& r) { r.apply(kId, at("2020-07-25 10:00:00")); }},
      {"withdraw with nothing to withdraw", [](auto& r) { r.add_business(warung()); },
       [](auto& r) { r.withdraw(kId, at("2020-07-25 10:00:00")); }},
      {"renew without a passed evaluation", kIssued,
       [](auto& r) { r.renew(kId, at("2020-07-25 10:00:00")); }},
      {"apply before the registration time",
       [](auto& r) { r.add_business(warung(), at("2020-06-01 00:00:00")); },
       [](auto& r) { r.apply(kId, at("2020-05-01 10:00:00")); }},
      {"a back-dated application that breaks a later audit", failed_audit,
       [](auto& r) { r.withdraw(kId, at("2020-07-02 10:00:00")); }},
      {"register twice", [](auto& r) { r.add_business(warung()); },
       [](auto& r) { r.add_business(warung()); }},
  };
}

std::vector<sk::Instant> probe_times() {
  std::vector<sk::Instant> out;
  for (sk::Instant t = at("2020-06-01 00:00:00"); t < at("2022-01-01 00:00:00");
       t += 5 * kDay + 3600) {
    out.push_back(t);
  }
  return out;
}

std::vector<Status> trace(const cert::CertificateRegistry& r, std::int64_t id = kId) {
  std::vector<Status> out;
  for (sk::Instant t : probe_times()) out.push_back(r.status(id, t));
  return out;
}

}  // namespace

TEST(CertConformance, TableOfAtLeastSixtyCases) {
  const auto statuses = status_cases();
  const auto refused = refused_cases();
  ASSERT_GE(statuses.size() + refused.size(), 60u);
  for (const StatusCase& c : statuses) {
    cert::CertificateRegistry r;
    c.setup(r);
    EXPECT_EQ(cert::status_name(r.status(kId, at(c.when))),
              std::string(cert::status_name(c.expected)))
        << c.name;
    // The pure function over the history gives the same answer.
    EXPECT_EQ(cert::status_at(r.history(kId), at(c.when)), c.expected) << c.name;
  }
  for (const RefusedCase& c : refused) {
    cert::CertificateRegistry r;
    c.setup(r);
    const std::string before = r.to_jsonl();
    const auto before_trace = trace(r);
    try {
      c.action(r);
      ADD_FAILURE() << c.name << ": not refused";
    } catch (const cert::CertificateError& e) {
      EXPECT_EQ(e.code(), sk::ErrorCode::kState) << c.name;
      EXPECT_EQ(std::string(e.what()).find("Bu Tini"), std::string::npos) << c.name;
    }
    EXPECT_EQ(r.to_jsonl(), before) << c.name << ": the log changed";
    EXPECT_EQ(trace(r), before_trace) << c.name;
  }
}

TEST(CertConformance, WitaZoneBoundaries) {
  cert::CertificateRegistry r(cert::Policy::builtin(), sk::TimeZone::kWITA);
  issued(r);
  evaluated_until(r, at("2021-07-01 00:00:00"));
  // Issued 7 July 2020 11:00 WITA: valid until 2021-07-06, ends at 00:00 WITA (16:00 UTC).
  const sk::Instant end = at("2021-07-07 00:00:00", sk::TimeZone::kWITA);
  EXPECT_EQ(r.status(kId, end - 1), Status::kActive);
  EXPECT_EQ(r.status(kId, end), Status::kExpired);
  EXPECT_EQ(r.certificate(kId, end - 1).valid_until.to_iso(), "2021-07-06");
}

TEST(CertConformance, UnknownIdsAndBadArguments) {
  cert::CertificateRegistry r;
  issued(r);
  try {
    r.status(99, 0);
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kNotFound);
  }
  EXPECT_THROW(r.apply(99, 0), sk::Error);
  try {
    r.revoke(kId, at("2020-07-10 00:00:00"), "x", at("2020-07-11 00:00:00"));
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kInvalidArgument);
  }
  cert::Business bad = warung(8);
  bad.lat = std::nan("");
  EXPECT_THROW(r.add_business(bad), sk::Error);
  bad = warung(8, "Warung!");
  EXPECT_THROW(r.add_business(bad), sk::Error);
  bad = warung(8, "warung", -1);
  EXPECT_THROW(r.add_business(bad), sk::Error);
  EXPECT_FALSE(r.contains(8));
  EXPECT_THROW(r.check_in(kId, at("2020-07-10 00:00:00"), 0), sk::Error);
}

TEST(CertCaps, DatedCapsByCategoryAndZoneLevel) {
  cert::CertificateRegistry r;
  const char* cats[] = {"restaurant", "destination", "hotel", "warung"};
  for (int i = 0; i < 4; ++i) {
    r.add_business(warung(100 + i, cats[i], 101));
    r.apply(100 + i, at("2021-06-01 09:00:00"));
    r.audit(100 + i, at("2021-06-02 09:00:00"), true);
    r.issue(100 + i, at("2021-06-03 09:00:00"));
    r.evaluate(100 + i, at("2021-06-30 09:00:00"), true);
  }
  const sk::Instant june = at("2021-06-20 12:00:00");
  const sk::Instant red = at("2021-07-10 12:00:00");
  EXPECT_EQ(r.max_visitors(100, june), 50);  // floor(101 * 50%)
  EXPECT_EQ(r.max_visitors(101, june), 25);  // floor(101 * 25%)
  EXPECT_EQ(r.max_visitors(102, june), 101);
  EXPECT_EQ(r.max_visitors(103, june), 50);
  EXPECT_EQ(r.max_visitors(101, red), 0);  // tourist sites closed in red zones
  EXPECT_EQ(r.max_visitors(100, red), 50);
  EXPECT_EQ(r.max_visitors(101, at("2021-07-26 12:00:00")), 25);
  EXPECT_EQ(r.max_visitors(100, at("2021-06-02 12:00:00")), 0);  // not issued yet
  EXPECT_FALSE(r.check_in(101, red));
  EXPECT_TRUE(r.check_in(100, june, 50));
  EXPECT_FALSE(r.check_in(100, june));
  r.check_out(100, june, 60);
  EXPECT_EQ(r.occupancy(100), 0);
}

TEST(CertPolicy, RejectsBadPolicyWithPath) {
  try {
    cert::Policy::from_json(
        R"({"format":"skamp-cert-policy/1","name":"x","versions":[{"effective_from":"2020-01-01",
      "validity_months":12,"evaluation":{"interval_days":0,"grace_days":7},
      "violation":{"first":"suspend","revoke_after":2,"window_days":90},"suspension_days":14,"caps":[]}]})");
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("$.versions[0].evaluation.interval_days"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(cert::Policy::from_json("{"), sk::Error);
  EXPECT_THROW(cert::Policy::from_json(
                   R"({"format":"skamp-cert-policy/1","name":"x","versions":[],"colour":1})"),
               sk::Error);
  const cert::Policy p = cert::Policy::builtin();
  EXPECT_EQ(cert::Policy::from_json(p.to_json()).to_json(), p.to_json());
  EXPECT_EQ(p.name(), "banyuwangi-2020");
}

TEST(CertDates, AddMonthsRollsLikeAnniversaries) {
  using cert::detail::add_months;
  EXPECT_EQ(add_months(sk::Date::from_ymd(2020, 2, 29), 12).to_iso(), "2021-03-01");
  EXPECT_EQ(add_months(sk::Date::from_ymd(2020, 1, 31), 1).to_iso(), "2020-03-02");
  EXPECT_EQ(add_months(sk::Date::from_ymd(2020, 7, 7), 12).to_iso(), "2021-07-07");
  EXPECT_EQ(add_months(sk::Date::from_ymd(2020, 12, 15), 1).to_iso(), "2021-01-15");
}

// ---- properties over random operation sequences ----------------------------------

namespace {

// Random calls (many refused) on a few businesses; returns the registry.
cert::CertificateRegistry random_registry(std::mt19937_64& rng, int businesses, int ops) {
  cert::CertificateRegistry r;
  for (int b = 0; b < businesses; ++b) {
    r.add_business(warung(b, b % 2 ? "destination" : "restaurant"),
                   rng() % 3 == 0
                       ? at("2020-06-01 00:00:00") + static_cast<sk::Instant>(rng() % 10) * kDay
                       : cert::kNoTime);
  }
  sk::Instant now = at("2020-06-01 00:00:00");
  for (int i = 0; i < ops; ++i) {
    now += static_cast<sk::Instant>(rng() % (6 * kDay));
    // Sometimes an event back in time (recorded out of order).
    const sk::Instant t =
        rng() % 6 == 0 ? now - static_cast<sk::Instant>(rng() % (20 * kDay)) : now;
    const std::int64_t id =
        static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(businesses));
    const std::string before = r.to_jsonl();
    try {
      switch (rng() % 11) {
        case 0:
          r.apply(id, t);
          break;
        case 1:
        case 2:
          r.audit(id, t, rng() % 3 != 0);
          break;
        case 3:
          r.issue(id, t);
          break;
        case 4:
        case 5:
          r.evaluate(id, t, rng() % 5 != 0);
          break;
        case 6:
          r.report_violation(id, t, "v");
          break;
        case 7:
          r.suspend(id, t, "s");
          break;
        case 8:
          r.reinstate(id, t);
          break;
        case 9:
          r.revoke(id, t, "r", t - static_cast<sk::Instant>(rng() % (10 * kDay)));
          break;
        default:
          rng() % 2 ? r.withdraw(id, t) : static_cast<void>(r.renew(id, t));
          break;
      }
    } catch (const cert::CertificateError&) {
      EXPECT_EQ(r.to_jsonl(), before);  // refused: nothing changed
    }
  }
  return r;
}

}  // namespace

TEST(CertProperties, PureFunctionAgreesAndIgnoresEventOrder) {
  std::mt19937_64 rng(7);
  const int rounds = small() ? 5 : 30;
  for (int round = 0; round < rounds; ++round) {
    cert::CertificateRegistry r = random_registry(rng, 3, 120);
    for (std::int64_t id = 0; id < 3; ++id) {
      std::vector<cert::Event> log = r.history(id);
      std::vector<cert::Event> shuffled = log;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      bool revoked = false;
      for (sk::Instant t : probe_times()) {
        const Status s = r.status(id, t);
        ASSERT_EQ(cert::status_at(log, t), s);
        ASSERT_EQ(cert::status_at(shuffled, t), s);
        // Revocation is permanent.
        if (revoked) {
          ASSERT_EQ(s, Status::kRevoked);
        }
        revoked = s == Status::kRevoked;
        // Only valid certificates admit visitors.
        if (!cert::is_valid(s)) {
          ASSERT_EQ(r.max_visitors(id, t), 0);
        }
      }
    }
  }
}

TEST(CertPersistence, RoundTripAndAtomicSave) {
  std::mt19937_64 rng(11);
  cert::CertificateRegistry r = random_registry(rng, 4, 80);
  const std::string path = ::testing::TempDir() + "cert_roundtrip.jsonl";
  r.save(path);
  cert::CertificateRegistry loaded = cert::CertificateRegistry::load(path);
  EXPECT_EQ(loaded.to_jsonl(), r.to_jsonl());
  for (std::int64_t id = 0; id < 4; ++id) EXPECT_EQ(trace(loaded, id), trace(r, id));
  // The loaded registry keeps appending to the same chain.
  loaded.add_business(warung(50));
  EXPECT_NO_THROW(cert::CertificateRegistry::from_jsonl(loaded.to_jsonl()));
  EXPECT_THROW(cert::CertificateRegistry::load(path + ".missing"), sk::Error);
  std::remove(path.c_str());
}

TEST(CertPersistence, TamperingIsDetectedWithPosition) {
  std::mt19937_64 rng(13);
  cert::CertificateRegistry r = random_registry(rng, 3, 60);
  const std::string text = r.to_jsonl();
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto join = [](const std::vector<std::string>& ls) {
    std::string out;
    for (const auto& l : ls) out += l + "\n";
    return out;
  };
  const int trials = small() ? 300 : 3000;
  int detected = 0;
  for (int trial = 0; trial < trials; ++trial) {
    std::string bad;
    std::vector<std::string> ls = lines;
    switch (trial % 6) {
      case 0: {  // edit one character
        bad = text;
        const std::size_t pos = rng() % bad.size();
        bad[pos] = static_cast<char>(' ' + rng() % 95);
        break;
      }
      case 1:
        ls.erase(ls.begin() + static_cast<std::ptrdiff_t>(rng() % ls.size()));
        bad = join(ls);
        break;
      case 2:
        bad = text.substr(0, rng() % text.size());
        break;
      case 3: {
        const std::size_t a = rng() % ls.size(), b = rng() % ls.size();
        std::swap(ls[a], ls[b]);
        bad = join(ls);
        break;
      }
      case 4: {  // a digit changed inside a number (times, ids)
        bad = text;
        for (int tries = 0; tries < 100; ++tries) {
          const std::size_t pos = rng() % bad.size();
          if (bad[pos] >= '0' && bad[pos] <= '9') {
            bad[pos] = static_cast<char>('0' + (bad[pos] - '0' + 1 + rng() % 9) % 10);
            break;
          }
        }
        break;
      }
      default: {  // duplicate a line
        const std::size_t a = rng() % ls.size();
        ls.insert(ls.begin() + static_cast<std::ptrdiff_t>(a), ls[a]);
        bad = join(ls);
        break;
      }
    }
    try {
      cert::CertificateRegistry loaded = cert::CertificateRegistry::from_jsonl(bad);
      // Accepted: then no loaded value may differ.
      ASSERT_EQ(loaded.to_jsonl(), text) << "undetected tampering, trial " << trial;
    } catch (const cert::CertificateError& e) {
      ++detected;
      EXPECT_EQ(e.code(), sk::ErrorCode::kCorrupt);
      EXPECT_GE(e.position(), 0);
      EXPECT_NE(std::string(e.what()).find("at event " + std::to_string(e.position())),
                std::string::npos);
    }
  }
  EXPECT_GT(detected, trials / 2);
}

TEST(CertPersistence, NamesTheFirstBadEvent) {
  cert::CertificateRegistry r;
  issued(r);
  std::string text = r.to_jsonl();
  // Event 3 (the failed audit): change its findings.
  const std::size_t pos = text.find("no hand-washing station");
  ASSERT_NE(pos, std::string::npos);
  text[pos] = 'N';
  try {
    cert::CertificateRegistry::from_jsonl(text);
    FAIL();
  } catch (const cert::CertificateError& e) {
    EXPECT_EQ(e.position(), 3);
  }
  // Truncation after the last event: the trailer is missing.
  const std::string full = r.to_jsonl();
  const std::string cut = full.substr(0, full.rfind("{\"trailer\""));
  try {
    cert::CertificateRegistry::from_jsonl(cut);
    FAIL();
  } catch (const cert::CertificateError& e) {
    EXPECT_EQ(e.position(), 6);
  }
}

// A zero written with an exponent or many decimals ("0E179") hit undefined behaviour in
// RapidJSON 1.1.0's full-precision parser (found by the fuzzer; this test runs under UBSan
// in CI). Such a zero loads as the zero it is; the same spellings of a non-zero value, and
// number-like text inside strings, are left alone, so a changed value is still detected.
TEST(CertPersistence, ZeroSpelledWithExponentLoadsAsZero) {
  cert::CertificateRegistry r;
  cert::Business b = warung();
  b.lat = 0.0;
  b.lon = 0.0;
  r.add_business(b);
  const std::string text = r.to_jsonl();
  ASSERT_NE(text.find("\"lat\":0.0"), std::string::npos);
  for (const char* zero : {"0E179", "0e+400", "0.000000000000000000000000", "0.0E-400", "0.00e0"}) {
    std::string edited = text;
    edited.replace(edited.find("\"lat\":0.0") + 6, 3, zero);
    const cert::CertificateRegistry loaded = cert::CertificateRegistry::from_jsonl(edited);
    EXPECT_EQ(loaded.to_jsonl(), text) << zero;
  }
  // The sign of a zero is a value too: -0.0 spelled "-0E179" loads as -0.0, not 0.0.
  cert::CertificateRegistry negative;
  b.lat = -0.0;
  negative.add_business(b);
  const std::string negative_text = negative.to_jsonl();
  ASSERT_NE(negative_text.find("\"lat\":-0.0"), std::string::npos);
  for (const char* zero : {"-0E179", "-0.000000000000000000000000e-5", "-0.0"}) {
    std::string edited = negative_text;
    edited.replace(edited.find("\"lat\":-0.0") + 6, 4, zero);
    EXPECT_EQ(cert::CertificateRegistry::from_jsonl(edited).to_jsonl(), negative_text) << zero;
  }
  {
    std::string edited = negative_text;
    edited.replace(edited.find("\"lat\":-0.0") + 6, 4, "0E179");
    EXPECT_THROW(cert::CertificateRegistry::from_jsonl(edited), cert::CertificateError);
  }
  for (const char* other : {"1E-400", "0.5", "0.0E1x", "0E117fi", "0.000000000000000000000000x",
                            "0E0E0079", "0E5.5", "0.0E5e5", "0e0-0e99", "0.E5", "00E5", "0e"}) {
    std::string edited = text;
    edited.replace(edited.find("\"lat\":0.0") + 6, 3, other);
    if (std::string(other) == "1E-400") {
      // Underflows to zero: the value is unchanged, so the chain still holds.
      EXPECT_NO_THROW(cert::CertificateRegistry::from_jsonl(edited)) << other;
    } else {
      EXPECT_THROW(cert::CertificateRegistry::from_jsonl(edited), cert::CertificateError) << other;
    }
  }
}

TEST(CertNearby, ListsValidCertifiedPlacesByDistance) {
  cert::CertificateRegistry r;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> dlat(-8.35, -8.10), dlon(114.25, 114.45);
  const int n = 200;
  std::vector<cert::Business> all;
  for (int i = 0; i < n; ++i) {
    cert::Business b = warung(i, i % 3 == 0 ? "hotel" : "warung");
    b.lat = dlat(rng);
    b.lon = dlon(rng);
    r.add_business(b);
    all.push_back(b);
    if (i % 4 != 0) {
      r.apply(i, at("2020-07-01 09:00:00"));
      r.audit(i, at("2020-07-02 09:00:00"), true);
      r.issue(i, at("2020-07-03 09:00:00"));
    }
    if (i % 8 == 1) r.suspend(i, at("2020-07-05 09:00:00"), "order");
  }
  const sk::Instant t = at("2020-07-10 12:00:00");
  const double lat = -8.22, lon = 114.37, radius = 9000.0;
  const auto got = r.certified_near(lat, lon, radius, t, std::string("warung"));
  // Oracle: a linear scan with the same exact distance.
  std::vector<cert::Nearby> want;
  for (const auto& b : all) {
    const double d = cert::detail::wgs84_distance_m(lat, lon, b.lat, b.lon);
    if (b.category == "warung" && d <= radius && cert::is_valid(r.status(b.id, t)))
      want.push_back({b.id, d});
  }
  std::sort(want.begin(), want.end(), [](auto& a, auto& b) { return a.distance_m < b.distance_m; });
  ASSERT_EQ(got.size(), want.size());
  ASSERT_FALSE(got.empty());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_NEAR(got[i].distance_m, want[i].distance_m, 1e-6);
  }
  // Banyuwangi town to Ketapang harbour, about 8.3 km.
  EXPECT_NEAR(cert::detail::wgs84_distance_m(-8.2192, 114.3691, -8.1436, 114.3980), 8900, 600);
}

TEST(ConcurrencyCert, CheckInNeverExceedsCapNorGoesBelowZero) {
  cert::CertificateRegistry r;
  issued(r);  // restaurant, capacity 101: cap 50
  const sk::Instant t = at("2020-07-20 12:00:00");
  const int cap = r.max_visitors(kId, t);
  ASSERT_EQ(cap, 50);
  const int threads = 8;
  const int ops = small() ? 2000 : 20000;
  std::atomic<bool> over{false};
  std::atomic<bool> done{false};
  std::vector<int> inside(threads, 0);
  std::thread watcher([&] {
    while (!done.load()) {
      const int o = r.occupancy(kId);
      if (o > cap || o < 0) over = true;
    }
  });
  std::vector<std::thread> pool;
  for (int th = 0; th < threads; ++th) {
    pool.emplace_back([&, th] {
      std::mt19937 rng(static_cast<unsigned>(th));
      for (int i = 0; i < ops; ++i) {
        const int n = 1 + static_cast<int>(rng() % 3);
        if (rng() % 2 == 0) {
          if (r.check_in(kId, t, n)) inside[th] += n;
        } else if (inside[th] >= n) {
          r.check_out(kId, t, n);
          inside[th] -= n;
        }
        const int o = r.occupancy(kId);
        if (o > cap || o < 0) over = true;
      }
    });
  }
  for (auto& th : pool) th.join();
  done = true;
  watcher.join();
  EXPECT_FALSE(over.load());
  int total = 0;
  for (int v : inside) total += v;
  EXPECT_EQ(r.occupancy(kId), total);
  // Checking out more than are inside stops at zero.
  r.check_out(kId, t, 1000);
  EXPECT_EQ(r.occupancy(kId), 0);
}

// ---- issue 19: signed history, the sticker, many writers ----------------------------------

TEST(CertCodec, Base45MatchesRfc9285Examples) {
  namespace d = cert::detail;
  EXPECT_EQ(d::base45_encode("AB"), "BB8");
  EXPECT_EQ(d::base45_encode("Hello!!"), "%69 VD92EX0");
  EXPECT_EQ(d::base45_encode("base-45"), "UJCLQE7W581");
  std::string out;
  ASSERT_TRUE(d::base45_decode("QED8WEX0", out));
  EXPECT_EQ(out, "ietf!");
  EXPECT_FALSE(d::base45_decode("GGW", out));  // 65536 and more is not a pair of bytes
  EXPECT_FALSE(d::base45_decode("A", out));
  EXPECT_FALSE(d::base45_decode("ab", out));  // lowercase is not in the alphabet
}

TEST(CertCodec, CborRoundTripAndLimits) {
  namespace d = cert::detail;
  std::string b;
  d::cbor_map(b, 3);
  d::cbor_int(b, 1);
  d::cbor_int(b, -8);
  d::cbor_int(b, 2);
  d::cbor_text(b, "Warung");
  d::cbor_int(b, 3);
  d::cbor_int(b, 1593536400);
  d::CborItem item;
  ASSERT_TRUE(d::cbor_decode(b, item));
  EXPECT_EQ(item.at(1)->integer, -8);
  EXPECT_EQ(item.at(2)->data, "Warung");
  EXPECT_EQ(item.at(3)->integer, 1593536400);
  EXPECT_FALSE(d::cbor_decode(b + "x", item));  // trailing bytes
  EXPECT_FALSE(d::cbor_decode(b.substr(0, b.size() - 1), item));
  EXPECT_FALSE(d::cbor_decode(std::string("\x9f\xff", 2), item));  // indefinite length
  EXPECT_FALSE(d::cbor_decode(std::string(20, '\x81') + std::string(1, '\0'), item));  // too deep
  EXPECT_FALSE(
      d::cbor_decode(std::string("\x9b\xff\xff\xff\xff\xff\xff\xff\xff", 9), item));  // huge count
}

TEST(CertSigning, SignedLogVerifiesOnlyWithItsKey) {
  const cert::SigningKey key = cert::SigningKey::generate();
  const cert::SigningKey other = cert::SigningKey::generate();
  cert::CertificateRegistry r;
  issued(r);
  const std::string text = r.to_jsonl(&key);
  cert::StoreOptions opts;
  opts.public_keys = {key.public_key()};
  EXPECT_EQ(cert::CertificateRegistry::from_jsonl(text, opts).size(), 1u);
  opts.public_keys = {other.public_key()};
  try {
    (void)cert::CertificateRegistry::from_jsonl(text, opts);
    FAIL() << "a log signed with another key loaded";
  } catch (const cert::CertificateError& e) {
    EXPECT_NE(std::string(e.what()).find(key.key_id()), std::string::npos) << e.what();
  }
  opts.public_keys = {other.public_key(), key.public_key()};  // after a rotation
  EXPECT_EQ(cert::CertificateRegistry::from_jsonl(text, opts).size(), 1u);
  opts.public_keys = {key.public_key()};
  EXPECT_THROW((void)cert::CertificateRegistry::from_jsonl(r.to_jsonl(), opts),
               cert::CertificateError);
  opts.allow_unsigned = true;
  EXPECT_EQ(cert::CertificateRegistry::from_jsonl(r.to_jsonl(), opts).size(), 1u);
  // The public key text round-trips and names its key.
  const cert::PublicKey back = cert::PublicKey::from_text(key.public_key().to_text());
  EXPECT_EQ(back.key_id(), key.key_id());
  EXPECT_THROW(
      cert::PublicKey::from_text("skamp-ed25519-public/1 0000000000000000 " + std::string(64, '0')),
      sk::Error);
}

TEST(CertSticker, VerifiesAndReportsExpiryAndStatusList) {
  const cert::SigningKey key = cert::SigningKey::generate();
  cert::CertificateRegistry r;
  issued(r);
  const sk::Instant t = at("2020-07-20 14:00:00");
  const std::string text = r.sticker(kId, t, key);
  ASSERT_EQ(text.rfind("SKC1:", 0), 0u);
  for (char c : text)
    EXPECT_NE(std::string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:").find(c),
              std::string::npos);
  const std::vector<cert::PublicKey> keys = {key.public_key()};
  cert::Verification v = cert::verify_credential(text, keys, t);
  EXPECT_TRUE(v.genuine && v.valid) << v.reason;
  EXPECT_EQ(v.credential.name, "Warung Bu Tini");
  EXPECT_EQ(v.credential.certificate_id, "CERT-7-1");
  EXPECT_EQ(v.credential.valid_until.to_iso(), "2021-07-06");
  EXPECT_EQ(cert::verify_credential(text, keys, at("2021-07-07 00:00:00")).status, "expired");
  EXPECT_EQ(cert::verify_credential(text, keys, at("2021-07-06 23:59:59")).status, "valid");
  r.revoke(kId, at("2020-08-01 09:00:00"), "fraud");
  const std::string list = r.status_list(at("2020-08-02 00:00:00"), key);
  v = cert::verify_credential(text, keys, at("2020-08-03 00:00:00"), list);
  EXPECT_TRUE(v.genuine);
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.status, "revoked");
  EXPECT_FALSE(v.status_list_stale);
  EXPECT_TRUE(
      cert::verify_credential(text, keys, at("2020-09-03 00:00:00"), list).status_list_stale);
  // Any single character changed: never genuine, never an exception.
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(cert::verify_credential(bad, keys, t).genuine) << i;
  }
  EXPECT_FALSE(cert::qr_png(text).empty());
  EXPECT_NE(cert::qr_svg(text, {"Warung <Bu> Tini"}).find("Warung &lt;Bu&gt; Tini"),
            std::string::npos);
}

TEST(ConcurrencyCert, UpdatesFromManyThreadsLoseNothing) {
  // A name of this process's own: CTest runs this test in two programs at once.
  const std::string path =
      ::testing::TempDir() + "cert_update_threads_" + std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  cert::StoreOptions opts;
  opts.create = true;
  const int threads = 4;
  const int per_thread = small() ? 5 : 20;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int th = 0; th < threads; ++th) {
    pool.emplace_back([&, th] {
      for (int i = 0; i < per_thread; ++i) {
        try {
          cert::CertificateRegistry::update(
              path,
              [&](cert::CertificateRegistry& reg) {
                reg.add_business(warung(1000 * (th + 1) + i));
                return true;
              },
              opts);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : pool) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(cert::CertificateRegistry::load(path).size(),
            static_cast<std::size_t>(threads * per_thread));
  for (const char* suffix : {"", ".occupancy", ".lock"}) std::remove((path + suffix).c_str());
}
