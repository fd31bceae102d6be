#include "cert/jsonl.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <cstdio>
#include <cstring>

#include "core/json.hpp"
#include "core/sha256.hpp"
#include "core/utf8.hpp"

namespace smartkampung::cert::detail {

const char kGenesisHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_time(Writer& w, Instant t) {
  if (t == kNoTime) {
    w.Null();
  } else {
    w.Int64(t);
  }
}

void write_body(Writer& w, const Event& e) {
  w.Key("seq");
  w.Uint64(e.seq);
  w.Key("type");
  w.String(event_type_name(e.type));
  w.Key("business");
  w.Int64(e.business_id);
  w.Key("effective");
  write_time(w, e.effective_at);
  w.Key("recorded");
  write_time(w, e.recorded_at);
  w.Key("passed");
  w.Bool(e.passed);
  w.Key("reason");
  w.String(e.reason);
  w.Key("serial");
  w.Int64(e.serial);
  w.Key("actor");
  w.String(e.provenance.actor);
  w.Key("evidence");
  w.String(e.provenance.evidence);
  if (e.type == EventType::kRegistered) {
    w.Key("data");
    w.StartObject();
    w.Key("name");
    w.String(e.business.name);
    w.Key("category");
    w.String(e.business.category);
    w.Key("lat");
    w.Double(e.business.lat);
    w.Key("lon");
    w.Double(e.business.lon);
    w.Key("capacity");
    w.Int(e.business.capacity);
    w.Key("zone");
    w.String(e.business.zone);
    w.EndObject();
  }
  if (e.type == EventType::kPolicy) {
    w.Key("policy");
    w.RawValue(e.policy_json.data(), e.policy_json.size(), rapidjson::kObjectType);
    w.Key("utc_offset_minutes");
    w.Int(e.utc_offset_minutes);
  }
  w.Key("prev");
  w.String(e.prev_hash);
}

[[noreturn]] void corrupt(std::int64_t position, const std::string& what) {
  throw CertificateError(ErrorCode::kCorrupt,
                         "certificate log is corrupt at event " + std::to_string(position) +
                             " (line " + std::to_string(position + 1) + "): " + what,
                         position);
}

bool is_hex64(const rapidjson::Value& v) {
  if (!v.IsString() || v.GetStringLength() != 64) return false;
  const char* s = v.GetString();
  for (int i = 0; i < 64; ++i) {
    const char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

constexpr const char* kFields[] = {"seq",
                                   "type",
                                   "business",
                                   "effective",
                                   "recorded",
                                   "passed",
                                   "reason",
                                   "serial",
                                   "actor",
                                   "evidence",
                                   "data",
                                   "policy",
                                   "utc_offset_minutes",
                                   "prev",
                                   "hash"};
constexpr int kFieldCount = 15;

}  // namespace

std::string canonical_event(const Event& e) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  write_body(w, e);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string event_hash(const Event& e) {
  return smartkampung::detail::sha256_hex(canonical_event(e));
}

std::string event_line(const Event& e) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  write_body(w, e);
  w.Key("hash");
  w.String(e.hash);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

EventType event_type_from_name(std::string_view name, bool& ok) noexcept {
  for (int i = 0; i <= static_cast<int>(EventType::kWithdrawn); ++i) {
    const auto type = static_cast<EventType>(i);
    if (name == event_type_name(type)) {
      ok = true;
      return type;
    }
  }
  ok = false;
  return EventType::kPolicy;
}

namespace {

// RapidJSON 1.1.0's full-precision number parser has undefined behaviour on a zero written
// with an exponent or many decimals ("0E179", "0.000000000000000000000000"): it normalises
// a zero significand with __builtin_clzll(0) (internal/diyfp.h; later releases return 0.0
// before that point). The fuzzer found it. So every number token of the form
// -?0(.0+)?([eE][+-]?digits)? other than "0" and "0.0" is rewritten before parsing (see
// below how). A token that is not a JSON number ("0.", "0e") is left for the parser to
// reject. On the first token that needs it, `text` is copied into `out` and rewritten
// there; returns whether that happened (rarely: the line is then parsed without a copy).
bool neutralise_zero_numbers(std::string_view text, std::string& out) {
  bool changed = false;
  bool in_string = false;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && c != '0') continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '.' ||
                  text[i - 1] == '-' || text[i - 1] == '+')) {
      continue;  // inside another token
    }
    const std::size_t zero = i + (c == '-' ? 1 : 0);
    std::size_t j = zero;
    if (j >= n || text[j] != '0') continue;
    ++j;
    bool extra = false;
    if (j < n && text[j] == '.') {
      std::size_t k = j + 1;
      while (k < n && text[k] == '0') ++k;
      if (k == j + 1 || (k < n && text[k] >= '1' && text[k] <= '9')) continue;  // not all zeros
      j = k;
      extra = true;
    }
    if (j < n && (text[j] == 'e' || text[j] == 'E')) {
      std::size_t k = j + 1;
      if (k < n && (text[k] == '+' || text[k] == '-')) ++k;
      const std::size_t digits = k;
      while (k < n && text[k] >= '0' && text[k] <= '9') ++k;
      if (k == digits) continue;  // "0e" without digits: invalid, the parser rejects it
      j = k;
      extra = true;
    }
    // The parser converts the number before it looks at the next character ("0E117fi"
    // reached the bug too), so the token is rewritten whatever follows it. Where a value may
    // end (end of text, whitespace, ',', '}' or ']'), it becomes "0.0" padded with spaces:
    // still a double, and "-0E5" keeps its sign (-0.0 must round-trip). Anything else makes
    // the line invalid JSON whatever we do; there it becomes "0x" padded with spaces, which
    // the parser rejects right after a plain 0 (padding could otherwise join the next
    // characters into a new number: "0E0" + "E0079" would read as "0.0E0079").
    const bool ends = j == n || text[j] == ' ' || text[j] == '\t' || text[j] == '\n' ||
                      text[j] == '\r' || text[j] == ',' || text[j] == '}' || text[j] == ']';
    if (ends && j - zero == 3 && text[zero + 1] == '.') extra = false;  // "0.0" itself is fine
    if (extra) {
      if (!changed) out.assign(text);
      changed = true;
      for (std::size_t k = zero + 1; k < j; ++k) out[k] = ' ';
      if (ends) {
        out[zero + 1] = '.';
        out[zero + 2] = '0';
      } else {
        out[zero + 1] = 'x';
      }
    }
    i = j - 1;
  }
  return changed;
}

}  // namespace

Event parse_event_line(std::string_view line, std::int64_t position) {
  // Text in the store is UTF-8; a damaged byte is reported (with its offset), not carried
  // into names and messages.
  const std::size_t bad = smartkampung::detail::utf8_error_offset(line);
  if (bad != std::string_view::npos) corrupt(position, "not UTF-8 at byte " + std::to_string(bad));
  rapidjson::Document doc;
  std::string rewritten;
  if (neutralise_zero_numbers(line, rewritten)) line = rewritten;
  if (const auto error = smartkampung::detail::json::try_parse(
          doc, line, smartkampung::detail::json::kFullPrecision)) {
    corrupt(position, error->message("the event"));
  }
  if (!doc.IsObject()) corrupt(position, "not a JSON object");
  Event e;
  bool has[kFieldCount] = {};
  const rapidjson::Value* data = nullptr;
  const rapidjson::Value* policy = nullptr;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    int index = -1;
    for (int i = 0; i < kFieldCount; ++i) {
      if (key == kFields[i]) index = i;
    }
    if (index < 0) corrupt(position, "unknown field");
    if (has[index]) corrupt(position, "duplicate field \"" + key + "\"");
    has[index] = true;
    const rapidjson::Value& v = it->value;
    auto time_of = [&](Instant& out) {
      if (v.IsNull()) {
        out = kNoTime;
      } else if (v.IsInt64() && v.GetInt64() >= kMinInstant && v.GetInt64() <= kMaxInstant) {
        out = v.GetInt64();
      } else {
        corrupt(position, "\"" + key + "\" is not a time");
      }
    };
    auto string_of = [&](std::string& out) {
      if (!v.IsString()) corrupt(position, "\"" + key + "\" is not a string");
      out.assign(v.GetString(), v.GetStringLength());
      if (!smartkampung::detail::is_valid_utf8(out))
        corrupt(position, "\"" + key + "\" is not UTF-8 (a lone surrogate escape?)");
    };
    switch (index) {
      case 0:
        if (!v.IsUint64()) corrupt(position, "\"seq\" is not a count");
        e.seq = v.GetUint64();
        break;
      case 1: {
        bool ok = false;
        if (v.IsString())
          e.type = event_type_from_name(std::string_view(v.GetString(), v.GetStringLength()), ok);
        if (!ok) corrupt(position, "unknown event type");
        break;
      }
      case 2:
        if (!v.IsInt64()) corrupt(position, "\"business\" is not an id");
        e.business_id = v.GetInt64();
        break;
      case 3:
        time_of(e.effective_at);
        break;
      case 4:
        time_of(e.recorded_at);
        break;
      case 5:
        if (!v.IsBool()) corrupt(position, "\"passed\" is not a boolean");
        e.passed = v.GetBool();
        break;
      case 6:
        string_of(e.reason);
        break;
      case 7:
        if (!v.IsInt64()) corrupt(position, "\"serial\" is not an integer");
        e.serial = v.GetInt64();
        break;
      case 8:
        string_of(e.provenance.actor);
        break;
      case 9:
        string_of(e.provenance.evidence);
        break;
      case 10:
        data = &v;
        break;
      case 11:
        policy = &v;
        break;
      case 12:
        if (!v.IsInt() || v.GetInt() < -24 * 60 || v.GetInt() > 24 * 60) {
          corrupt(position, "\"utc_offset_minutes\" is not an offset");
        }
        e.utc_offset_minutes = v.GetInt();
        break;
      case 13:
        if (!is_hex64(v)) corrupt(position, "\"prev\" is not a SHA-256 hex digest");
        e.prev_hash.assign(v.GetString(), 64);
        break;
      case 14:
        if (!is_hex64(v)) corrupt(position, "\"hash\" is not a SHA-256 hex digest");
        e.hash.assign(v.GetString(), 64);
        break;
      default:
        break;
    }
  }
  for (int i = 0; i < kFieldCount; ++i) {
    const bool needed = i == 10   ? e.type == EventType::kRegistered
                        : i == 11 ? e.type == EventType::kPolicy
                        : i == 12 ? e.type == EventType::kPolicy
                                  : true;
    if (needed && !has[i]) corrupt(position, std::string("missing field \"") + kFields[i] + "\"");
    if (!needed && has[i])
      corrupt(position, std::string("unexpected field \"") + kFields[i] + "\"");
  }
  if (data != nullptr) {
    if (!data->IsObject()) corrupt(position, "\"data\" is not an object");
    int seen = 0;
    bool got[6] = {};
    for (auto it = data->MemberBegin(); it != data->MemberEnd(); ++it) {
      const std::string key(it->name.GetString(), it->name.GetStringLength());
      const rapidjson::Value& v = it->value;
      ++seen;
      if (key == "name" && v.IsString() && !got[0]) {
        got[0] = true;
        e.business.name.assign(v.GetString(), v.GetStringLength());
      } else if (key == "category" && v.IsString() && !got[1]) {
        got[1] = true;
        e.business.category.assign(v.GetString(), v.GetStringLength());
      } else if (key == "zone" && v.IsString() && !got[2]) {
        got[2] = true;
        e.business.zone.assign(v.GetString(), v.GetStringLength());
      } else if (key == "lat" && v.IsNumber() && !got[3]) {
        got[3] = true;
        e.business.lat = v.GetDouble();
      } else if (key == "lon" && v.IsNumber() && !got[4]) {
        got[4] = true;
        e.business.lon = v.GetDouble();
      } else if (key == "capacity" && v.IsInt() && !got[5]) {
        got[5] = true;
        e.business.capacity = v.GetInt();
      } else {
        corrupt(position, "bad business field \"" + key + "\"");
      }
    }
    if (seen != 6)
      corrupt(position, "business data needs exactly name, category, lat, lon, capacity, zone");
    for (const std::string* text : {&e.business.name, &e.business.category, &e.business.zone}) {
      if (!smartkampung::detail::is_valid_utf8(*text))
        corrupt(position, "business text is not UTF-8");
    }
    e.business.id = e.business_id;
  }
  if (policy != nullptr) {
    if (!policy->IsObject()) corrupt(position, "\"policy\" is not an object");
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    policy->Accept(w);
    try {
      e.policy_json = Policy::from_json(std::string_view(buf.GetString(), buf.GetSize())).to_json();
    } catch (const Error& err) {
      corrupt(position, std::string("bad policy: ") + err.what());
    }
  }
  return e;
}

std::string format_instant(Instant t, TimeZone tz) {
  if (t == kNoTime) return "none";
  const int offset = static_cast<int>(tz);
  const Instant local = t + static_cast<Instant>(offset) * 60;
  const Date day = local_date(t, tz);
  const Instant secs = local - static_cast<Instant>(day.days_since_epoch()) * 86400;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d+%02d:%02d", day.to_iso().c_str(),
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), offset / 60, offset % 60);
  return buf;
}

}  // namespace smartkampung::cert::detail
