#include <smartkampung/c/cert.h>

#include <memory>
#include <optional>
#include <smartkampung/cert.hpp>
#include <smartkampung/tables.hpp>
#include <string>

#include "capi/arrow_c.hpp"
#include "capi/guard.hpp"
#include "capi/keys.hpp"
#include "cert/jsonl.hpp"
#include "core/json.hpp"

using namespace smartkampung;
using smartkampung::capi::check_text;
using smartkampung::capi::dup_string;
using smartkampung::capi::guard;
using smartkampung::capi::public_keys_of;
using smartkampung::capi::require;
using smartkampung::capi::require_text;
using smartkampung::capi::signing_key_of;
using smartkampung::detail::json::JsonWriter;

struct skamp_cert_registry {
  cert::CertificateRegistry reg;
};

namespace {

// Optional text: NULL is empty, anything else must be UTF-8.
const char* or_empty(const char* s, const char* name) {
  check_text(s, name);
  return s == nullptr ? "" : s;
}

TimeZone zone_of(int minutes) {
  switch (minutes) {
    case 0:
    case 420:
      return TimeZone::kWIB;
    case 480:
      return TimeZone::kWITA;
    case 540:
      return TimeZone::kWIT;
    default:
      throw Error(ErrorCode::kInvalidArgument,
                  "utc_offset_minutes must be 420, 480 or 540 (or 0 for WIB)");
  }
}

cert::CertificateRegistry& get(skamp_cert_registry* reg) {
  require(reg, "reg");
  return reg->reg;
}
const cert::CertificateRegistry& get(const skamp_cert_registry* reg) {
  require(reg, "reg");
  return reg->reg;
}

}  // namespace

extern "C" {

skamp_status skamp_cert_registry_new(skamp_cert_registry** out, const char* policy_json,
                                     int utc_offset_minutes) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    check_text(policy_json, "policy_json");
    cert::Policy policy =
        policy_json == nullptr ? cert::Policy::builtin() : cert::Policy::from_json(policy_json);
    *out = new skamp_cert_registry{
        cert::CertificateRegistry(std::move(policy), zone_of(utc_offset_minutes))};
  });
}

void skamp_cert_registry_free(skamp_cert_registry* reg) { delete reg; }

skamp_status skamp_cert_registry_load(skamp_cert_registry** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    *out = new skamp_cert_registry{cert::CertificateRegistry::load(path)};
  });
}

skamp_status skamp_cert_registry_save(const skamp_cert_registry* reg, const char* path) {
  return guard([&] {
    require_text(path, "path");
    get(reg).save(path);
  });
}

skamp_status skamp_cert_add_business(skamp_cert_registry* reg, int64_t id, const char* name,
                                     const char* category, double lat, double lon, int32_t capacity,
                                     const char* zone, int64_t at) {
  return guard([&] {
    require_text(name, "name");
    require_text(category, "category");
    cert::Business b{id, name, category, lat, lon, capacity, or_empty(zone, "zone")};
    get(reg).add_business(b, at);
  });
}

skamp_status skamp_cert_apply(skamp_cert_registry* reg, int64_t id, int64_t at) {
  return guard([&] { get(reg).apply(id, at); });
}

skamp_status skamp_cert_audit(skamp_cert_registry* reg, int64_t id, int64_t at, int passed,
                              const char* findings) {
  return guard([&] { get(reg).audit(id, at, passed != 0, or_empty(findings, "findings")); });
}

skamp_status skamp_cert_issue(int64_t* out_serial, skamp_cert_registry* reg, int64_t id,
                              int64_t at) {
  return guard([&] {
    const std::int64_t serial = get(reg).issue(id, at);
    if (out_serial != nullptr) *out_serial = serial;
  });
}

skamp_status skamp_cert_evaluate(skamp_cert_registry* reg, int64_t id, int64_t at, int passed,
                                 const char* findings) {
  return guard([&] { get(reg).evaluate(id, at, passed != 0, or_empty(findings, "findings")); });
}

skamp_status skamp_cert_report_violation(skamp_cert_registry* reg, int64_t id, int64_t at,
                                         const char* reason) {
  return guard([&] {
    require_text(reason, "reason");
    get(reg).report_violation(id, at, reason);
  });
}

skamp_status skamp_cert_suspend(skamp_cert_registry* reg, int64_t id, int64_t at,
                                const char* reason) {
  return guard([&] {
    require_text(reason, "reason");
    get(reg).suspend(id, at, reason);
  });
}

skamp_status skamp_cert_reinstate(skamp_cert_registry* reg, int64_t id, int64_t at) {
  return guard([&] { get(reg).reinstate(id, at); });
}

skamp_status skamp_cert_revoke(skamp_cert_registry* reg, int64_t id, int64_t at, const char* reason,
                               int64_t effective_at) {
  return guard([&] {
    require_text(reason, "reason");
    get(reg).revoke(id, at, reason, effective_at);
  });
}

skamp_status skamp_cert_renew(int64_t* out_serial, skamp_cert_registry* reg, int64_t id,
                              int64_t at) {
  return guard([&] {
    const std::int64_t serial = get(reg).renew(id, at);
    if (out_serial != nullptr) *out_serial = serial;
  });
}

skamp_status skamp_cert_withdraw(skamp_cert_registry* reg, int64_t id, int64_t at,
                                 const char* reason) {
  return guard([&] { get(reg).withdraw(id, at, or_empty(reason, "reason")); });
}

skamp_status skamp_cert_status_at(skamp_cert_status* out, const skamp_cert_registry* reg,
                                  int64_t id, int64_t at) {
  return guard([&] {
    require(out, "out");
    *out = static_cast<skamp_cert_status>(get(reg).status(id, at));
  });
}

const char* skamp_cert_status_str(int status) {
  if (status < 0 || status > static_cast<int>(cert::Status::kWithdrawn)) return "unknown";
  return cert::status_name(static_cast<cert::Status>(status));
}

skamp_status skamp_cert_max_visitors(int32_t* out, const skamp_cert_registry* reg, int64_t id,
                                     int64_t at) {
  return guard([&] {
    require(out, "out");
    *out = get(reg).max_visitors(id, at);
  });
}

skamp_status skamp_cert_check_in(int* out_admitted, skamp_cert_registry* reg, int64_t id,
                                 int64_t at, int32_t n) {
  return guard([&] {
    require(out_admitted, "out_admitted");
    *out_admitted = 0;
    *out_admitted = get(reg).check_in(id, at, n) ? 1 : 0;
  });
}

skamp_status skamp_cert_check_out(skamp_cert_registry* reg, int64_t id, int64_t at, int32_t n) {
  return guard([&] { get(reg).check_out(id, at, n); });
}

skamp_status skamp_cert_occupancy(int32_t* out, const skamp_cert_registry* reg, int64_t id) {
  return guard([&] {
    require(out, "out");
    *out = get(reg).occupancy(id);
  });
}

skamp_status skamp_cert_certified_near_json(char** out_json, const skamp_cert_registry* reg,
                                            double lat, double lon, double radius_m, int64_t at,
                                            const char* category) {
  return guard([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    check_text(category, "category");
    std::optional<std::string> cat;
    if (category != nullptr) cat = category;
    const auto found = get(reg).certified_near(lat, lon, radius_m, at, cat);
    JsonWriter w;
    w.begin_object().field("schema", "skamp-cert-near/1");
    w.key("results").begin_array();
    for (const cert::Nearby& n : found)
      w.begin_object().field("id", n.id).field("distance_m", n.distance_m).end_object();
    w.end_array().end_object();
    *out_json = dup_string(w.text());
  });
}

skamp_status skamp_cert_history_json(char** out_json, const skamp_cert_registry* reg, int64_t id) {
  return guard([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    JsonWriter w;
    w.begin_object().field("schema", "skamp-cert-history/1").field("business_id", id);
    w.key("events").begin_array();
    for (const cert::Event& e : get(reg).history(id)) w.raw(cert::detail::event_line(e));
    w.end_array().end_object();
    *out_json = dup_string(w.text());
  });
}

}  // extern "C"

// ---- signed history, stickers and the status list (issue 19) ------------------------

extern "C" {

skamp_status skamp_cert_generate_key(const char* dir) {
  return guard([&] {
    require_text(dir, "dir");
    cert::SigningKey::generate().save(dir);
  });
}

skamp_status skamp_cert_registry_save_signed(const skamp_cert_registry* reg, const char* path,
                                             const char* key_path) {
  return guard([&] {
    require_text(path, "path");
    cert::StoreOptions options;
    options.key = signing_key_of(key_path);
    get(reg).save(path, options);
  });
}

skamp_status skamp_cert_registry_load_verified(skamp_cert_registry** out, const char* path,
                                               const char* const* pub_paths, size_t n_pub,
                                               int allow_unsigned) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    cert::StoreOptions options;
    options.public_keys = public_keys_of(pub_paths, n_pub);
    options.allow_unsigned = allow_unsigned != 0;
    *out = new skamp_cert_registry{cert::CertificateRegistry::load(path, options)};
  });
}

skamp_status skamp_cert_sticker(char** out, const skamp_cert_registry* reg, int64_t id, int64_t at,
                                const char* key_path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(key_path, "key_path");
    const cert::SigningKey key = cert::SigningKey::load(key_path);
    *out = dup_string(get(reg).sticker(id, at, key));
  });
}

skamp_status skamp_cert_status_list(char** out, const skamp_cert_registry* reg, int64_t at,
                                    const char* key_path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(key_path, "key_path");
    const cert::SigningKey key = cert::SigningKey::load(key_path);
    *out = dup_string(get(reg).status_list(at, key));
  });
}

skamp_status skamp_cert_verify_json(char** out_json, const char* text, const char* const* pub_paths,
                                    size_t n_pub, const char* status_list, int64_t at) {
  return guard([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    require(text, "text");
    check_text(status_list, "status_list");
    check_instant(at, "at");
    const cert::Verification v = cert::verify_credential(text, public_keys_of(pub_paths, n_pub), at,
                                                         status_list == nullptr ? "" : status_list);
    JsonWriter w;
    w.begin_object()
        .field("schema", "skamp-cert-verify/1")
        .field("genuine", v.genuine)
        .field("valid", v.valid)
        .field("status", v.status)
        .field("reason", v.reason);
    w.key("business");
    if (v.genuine) {
      const cert::Credential& c = v.credential;
      w.begin_object()
          .field("id", c.business_id)
          .field("name", c.name)
          .field("category", c.category)
          .field("lat", c.lat)
          .field("lon", c.lon)
          .end_object();
      w.field("certificate", c.certificate_id)
          .field("valid_until", c.valid_until.to_iso())
          .field("key_id", c.key_id);
    } else {
      w.null();
    }
    w.field("status_list_stale", v.status_list_stale).end_object();
    *out_json = dup_string(w.text());
  });
}

}  // extern "C"

// ---- Arrow streams ------------------------------------------------------------------------
extern "C" {

skamp_status skamp_cert_statuses_arrow(struct ArrowArrayStream* out, const skamp_cert_registry* reg,
                                       int64_t at) {
  return guard([&] {
    capi::clear_stream(out, "out");
    require(reg, "reg");
    check_instant(at, "at");
    capi::give_stream(tables::cert_status_table(reg->reg, at), out);
  });
}

}  // extern "C"
