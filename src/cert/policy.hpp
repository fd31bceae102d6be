// Private: the typed form of a certificate policy (parsed once, then read without JSON).
#ifndef SMARTKAMPUNG_SRC_CERT_POLICY_HPP
#define SMARTKAMPUNG_SRC_CERT_POLICY_HPP

#include <optional>
#include <smartkampung/cert.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung::cert {

struct EvalRule {
  int interval_days = 30;
  int grace_days = 7;
};

struct CapRule {
  std::string category;  // "*" for any
  std::string level;     // "*" for any
  int percent = 100;
};

struct PolicyVersion {
  Date effective_from;
  int validity_months = 12;
  EvalRule evaluation;
  std::vector<std::pair<std::string, EvalRule>> evaluation_by_category;  // sorted by name
  bool first_violation_revokes = false;
  int revoke_after = 2;  // violations within window_days that revoke (1..8)
  int window_days = 90;
  int suspension_days = 14;
  std::vector<CapRule> caps;

  const EvalRule& eval_rule(std::string_view category) const noexcept {
    for (const auto& [name, rule] : evaluation_by_category) {
      if (name == category) return rule;
    }
    return evaluation;
  }
};

struct ZoneLevel {
  std::string zone;  // "*" for every zone
  Date from;
  std::optional<Date> to;  // inclusive
  std::string level;
};

struct Policy::Impl {
  std::string name;
  std::string description;
  std::vector<std::string> sources;
  std::vector<PolicyVersion> versions;  // strictly increasing effective_from, never empty
  std::vector<ZoneLevel> zone_levels;
  std::string canonical;

  /// The version in force on a local date (the first version before it begins).
  const PolicyVersion& version_on(Date local) const noexcept {
    std::size_t i = versions.size() - 1;
    while (i > 0 && local < versions[i].effective_from) --i;
    return versions[i];
  }
  /// The restriction level of a zone on a local date ("" when none applies).
  std::string_view level_on(std::string_view zone, Date local) const noexcept;
  int cap_percent(std::string_view category, std::string_view zone, Date local) const noexcept;
};

/// Maximum revoke_after: violation times are kept in a fixed-size window.
constexpr int kMaxRevokeAfter = 8;

}  // namespace smartkampung::cert

#endif
