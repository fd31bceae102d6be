#include "cert/policy.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <smartkampung/error.hpp>
#include <string>

#include "core/json.hpp"

namespace smartkampung::detail {
extern const char skamp_cert_default_policy[];
extern const std::size_t skamp_cert_default_policy_size;
}  // namespace smartkampung::detail

namespace smartkampung::cert {

namespace {

using Value = rapidjson::Value;

// The version tag of a policy document, like "skamp-rules/1" for rule files.
constexpr const char* kPolicyFormat = "skamp-cert-policy/1";

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "certificate policy: " + path + ": " + what);
}

void only_fields(const Value& obj, const std::string& path,
                 std::initializer_list<const char*> allowed) {
  if (!obj.IsObject()) bad(path, "expected an object");
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) bad(path + "." + key, "unknown field");
    for (auto jt = obj.MemberBegin(); jt != it; ++jt) {
      if (jt->name == it->name) bad(path + "." + key, "duplicate field");
    }
  }
}

const Value* field(const Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

const Value& required(const Value& obj, const std::string& path, const char* name) {
  const Value* v = field(obj, name);
  if (v == nullptr) bad(path + "." + name, "missing");
  return *v;
}

int int_in(const Value& v, const std::string& path, int lo, int hi) {
  if (!v.IsInt()) bad(path, "expected an integer");
  const int x = v.GetInt();
  if (x < lo || x > hi)
    bad(path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return x;
}

std::string text(const Value& v, const std::string& path, bool allow_empty = true) {
  if (!v.IsString()) bad(path, "expected a string");
  std::string s(v.GetString(), v.GetStringLength());
  if (!allow_empty && s.empty()) bad(path, "must not be empty");
  return s;
}

Date date(const Value& v, const std::string& path) {
  if (!v.IsString()) bad(path, "expected a date \"YYYY-MM-DD\"");
  try {
    return Date::parse_iso(std::string_view(v.GetString(), v.GetStringLength()));
  } catch (const Error& e) {
    bad(path, e.what());
  }
}

EvalRule eval_rule(const Value& v, const std::string& path) {
  only_fields(v, path, {"interval_days", "grace_days"});
  EvalRule r;
  r.interval_days = int_in(required(v, path, "interval_days"), path + ".interval_days", 1, 3660);
  r.grace_days = int_in(required(v, path, "grace_days"), path + ".grace_days", 0, 3660);
  return r;
}

PolicyVersion parse_version(const Value& v, const std::string& path) {
  only_fields(v, path,
              {"effective_from", "validity_months", "evaluation", "evaluation_by_category",
               "violation", "suspension_days", "caps"});
  PolicyVersion out;
  out.effective_from = date(required(v, path, "effective_from"), path + ".effective_from");
  out.validity_months =
      int_in(required(v, path, "validity_months"), path + ".validity_months", 1, 120);
  out.evaluation = eval_rule(required(v, path, "evaluation"), path + ".evaluation");
  if (const Value* by = field(v, "evaluation_by_category")) {
    const std::string p = path + ".evaluation_by_category";
    if (!by->IsObject()) bad(p, "expected an object");
    for (auto it = by->MemberBegin(); it != by->MemberEnd(); ++it) {
      std::string name(it->name.GetString(), it->name.GetStringLength());
      if (name.empty()) bad(p, "empty category name");
      for (const auto& entry : out.evaluation_by_category) {
        if (entry.first == name) bad(p + "." + name, "duplicate field");
      }
      out.evaluation_by_category.emplace_back(name, eval_rule(it->value, p + "." + name));
    }
    std::sort(out.evaluation_by_category.begin(), out.evaluation_by_category.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  const std::string vp = path + ".violation";
  const Value& vio = required(v, path, "violation");
  only_fields(vio, vp, {"first", "revoke_after", "window_days"});
  const std::string first = text(required(vio, vp, "first"), vp + ".first");
  if (first != "suspend" && first != "revoke")
    bad(vp + ".first", "must be \"suspend\" or \"revoke\"");
  out.first_violation_revokes = first == "revoke";
  out.revoke_after =
      int_in(required(vio, vp, "revoke_after"), vp + ".revoke_after", 1, kMaxRevokeAfter);
  out.window_days = int_in(required(vio, vp, "window_days"), vp + ".window_days", 0, 36600);
  out.suspension_days =
      int_in(required(v, path, "suspension_days"), path + ".suspension_days", 0, 3660);
  const Value& caps = required(v, path, "caps");
  if (!caps.IsArray()) bad(path + ".caps", "expected an array");
  for (rapidjson::SizeType i = 0; i < caps.Size(); ++i) {
    const std::string cp = path + ".caps[" + std::to_string(i) + "]";
    only_fields(caps[i], cp, {"category", "level", "percent"});
    CapRule rule;
    rule.category = text(required(caps[i], cp, "category"), cp + ".category", false);
    rule.level = text(required(caps[i], cp, "level"), cp + ".level", false);
    rule.percent = int_in(required(caps[i], cp, "percent"), cp + ".percent", 0, 100);
    for (const CapRule& other : out.caps) {
      if (other.category == rule.category && other.level == rule.level)
        bad(cp, "duplicate category and level");
    }
    out.caps.push_back(std::move(rule));
  }
  return out;
}

// Canonical JSON: fixed key order, no whitespace; what the hash chain covers.
template <typename W>
void write_eval(W& w, const EvalRule& r) {
  w.StartObject();
  w.Key("interval_days");
  w.Int(r.interval_days);
  w.Key("grace_days");
  w.Int(r.grace_days);
  w.EndObject();
}

std::string canonical_json(const Policy::Impl& p) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("format");
  w.String(kPolicyFormat);
  w.Key("name");
  w.String(p.name);
  w.Key("description");
  w.String(p.description);
  w.Key("sources");
  w.StartArray();
  for (const auto& s : p.sources) w.String(s);
  w.EndArray();
  w.Key("versions");
  w.StartArray();
  for (const PolicyVersion& v : p.versions) {
    w.StartObject();
    w.Key("effective_from");
    w.String(v.effective_from.to_iso());
    w.Key("validity_months");
    w.Int(v.validity_months);
    w.Key("evaluation");
    write_eval(w, v.evaluation);
    w.Key("evaluation_by_category");
    w.StartObject();
    for (const auto& [name, rule] : v.evaluation_by_category) {
      w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
      write_eval(w, rule);
    }
    w.EndObject();
    w.Key("violation");
    w.StartObject();
    w.Key("first");
    w.String(v.first_violation_revokes ? "revoke" : "suspend");
    w.Key("revoke_after");
    w.Int(v.revoke_after);
    w.Key("window_days");
    w.Int(v.window_days);
    w.EndObject();
    w.Key("suspension_days");
    w.Int(v.suspension_days);
    w.Key("caps");
    w.StartArray();
    for (const CapRule& c : v.caps) {
      w.StartObject();
      w.Key("category");
      w.String(c.category);
      w.Key("level");
      w.String(c.level);
      w.Key("percent");
      w.Int(c.percent);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("zone_levels");
  w.StartArray();
  for (const ZoneLevel& z : p.zone_levels) {
    w.StartObject();
    w.Key("zone");
    w.String(z.zone);
    w.Key("from");
    w.String(z.from.to_iso());
    w.Key("to");
    if (z.to) {
      w.String(z.to->to_iso());
    } else {
      w.Null();
    }
    w.Key("level");
    w.String(z.level);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::shared_ptr<const Policy::Impl> parse_policy(std::string_view json) {
  const rapidjson::Document doc = smartkampung::detail::json::parse(json, "certificate policy");
  const std::string root = "$";
  only_fields(doc, root, {"format", "name", "description", "sources", "versions", "zone_levels"});
  auto impl = std::make_shared<Policy::Impl>();
  if (text(required(doc, root, "format"), "$.format") != kPolicyFormat) {
    bad("$.format", std::string("unknown format (expected \"") + kPolicyFormat + "\")");
  }
  impl->name = text(required(doc, root, "name"), "$.name", false);
  if (const Value* d = field(doc, "description")) impl->description = text(*d, "$.description");
  if (const Value* s = field(doc, "sources")) {
    if (!s->IsArray()) bad("$.sources", "expected an array of strings");
    for (rapidjson::SizeType i = 0; i < s->Size(); ++i) {
      impl->sources.push_back(text((*s)[i], "$.sources[" + std::to_string(i) + "]"));
    }
  }
  const Value& versions = required(doc, root, "versions");
  if (!versions.IsArray() || versions.Empty()) bad("$.versions", "expected a non-empty array");
  for (rapidjson::SizeType i = 0; i < versions.Size(); ++i) {
    const std::string p = "$.versions[" + std::to_string(i) + "]";
    PolicyVersion v = parse_version(versions[i], p);
    if (!impl->versions.empty() && !(impl->versions.back().effective_from < v.effective_from)) {
      bad(p + ".effective_from", "versions must be in strictly increasing order of effective_from");
    }
    impl->versions.push_back(std::move(v));
  }
  if (const Value* z = field(doc, "zone_levels")) {
    if (!z->IsArray()) bad("$.zone_levels", "expected an array");
    for (rapidjson::SizeType i = 0; i < z->Size(); ++i) {
      const std::string p = "$.zone_levels[" + std::to_string(i) + "]";
      only_fields((*z)[i], p, {"zone", "from", "to", "level"});
      ZoneLevel level;
      level.zone = text(required((*z)[i], p, "zone"), p + ".zone", false);
      level.from = date(required((*z)[i], p, "from"), p + ".from");
      if (const Value* to = field((*z)[i], "to"); to != nullptr && !to->IsNull()) {
        level.to = date(*to, p + ".to");
        if (*level.to < level.from) bad(p + ".to", "before from");
      }
      level.level = text(required((*z)[i], p, "level"), p + ".level", false);
      impl->zone_levels.push_back(std::move(level));
    }
  }
  impl->canonical = canonical_json(*impl);
  return impl;
}

}  // namespace

std::string_view Policy::Impl::level_on(std::string_view zone, Date local) const noexcept {
  // A named zone's entry wins over a "*" entry; a later entry wins over an earlier one.
  std::string_view named;
  std::string_view any;
  for (const ZoneLevel& z : zone_levels) {
    if (local < z.from || (z.to && *z.to < local)) continue;
    if (!zone.empty() && z.zone == zone) {
      named = z.level;
    } else if (z.zone == "*") {
      any = z.level;
    }
  }
  return named.empty() ? any : named;
}

int Policy::Impl::cap_percent(std::string_view category, std::string_view zone,
                              Date local) const noexcept {
  const PolicyVersion& v = version_on(local);
  const std::string_view level = level_on(zone, local);
  // The most specific rule: category and level, category, level, neither; none: 100%.
  int best = -1;
  int best_score = -1;
  for (const CapRule& c : v.caps) {
    const bool cat_exact = c.category == category;
    const bool lvl_exact = !level.empty() && c.level == level;
    if (!cat_exact && c.category != "*") continue;
    if (!lvl_exact && c.level != "*") continue;
    const int score = (cat_exact ? 2 : 0) + (lvl_exact ? 1 : 0);
    if (score > best_score) {
      best_score = score;
      best = c.percent;
    }
  }
  return best < 0 ? 100 : best;
}

Policy::Policy(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Policy Policy::builtin() {
  static const std::shared_ptr<const Impl> impl = parse_policy(
      std::string_view(detail::skamp_cert_default_policy, detail::skamp_cert_default_policy_size));
  return Policy(impl);
}

Policy Policy::from_json(std::string_view text) { return Policy(parse_policy(text)); }

std::string Policy::to_json() const { return impl_->canonical; }

const std::string& Policy::name() const { return impl_->name; }

std::vector<std::string> Policy::categories() const {
  std::vector<std::string> out = {"cafe",  "destination", "homestay",
                                  "hotel", "restaurant",  "warung"};
  for (const PolicyVersion& v : impl_->versions) {
    for (const CapRule& c : v.caps) {
      if (c.category != "*") out.push_back(c.category);
    }
    for (const auto& entry : v.evaluation_by_category) out.push_back(entry.first);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int Policy::cap_percent(std::string_view category, std::string_view zone, Instant t,
                        TimeZone tz) const {
  return impl_->cap_percent(category, zone, local_date(t, tz));
}

}  // namespace smartkampung::cert
