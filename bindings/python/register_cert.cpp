// Python bindings of the certificate engine: sk.CertificateRegistry and sk.CertificateError.
#include <chrono>
#include <memory>
#include <smartkampung/cert.hpp>
#include <string>

#include "bindings.hpp"

namespace py = pybind11;
using namespace smartkampung;
using smartkampung::python::from_instant;
using smartkampung::python::path_of;
using smartkampung::python::public_keys_of;
using smartkampung::python::signing_key_of;
using smartkampung::python::to_instant;

namespace {

TimeZone zone_from_name(const std::string& name) {
  if (name == "WIB" || name == "Asia/Jakarta" || name == "Asia/Pontianak") return TimeZone::kWIB;
  if (name == "WITA" || name == "Asia/Makassar") return TimeZone::kWITA;
  if (name == "WIT" || name == "Asia/Jayapura") return TimeZone::kWIT;
  throw Error(ErrorCode::kInvalidArgument, "time_zone must be \"WIB\", \"WITA\" or \"WIT\"");
}

const char* zone_name(TimeZone tz) {
  switch (tz) {
    case TimeZone::kWIB:
      return "WIB";
    case TimeZone::kWITA:
      return "WITA";
    case TimeZone::kWIT:
      return "WIT";
  }
  return "WIB";
}

cert::Policy policy_from(py::handle policy) {
  if (policy.is_none()) return cert::Policy::builtin();
  if (py::isinstance<py::str>(policy)) return cert::Policy::from_json(policy.cast<std::string>());
  if (py::isinstance<py::dict>(policy)) {
    const std::string text = py::module_::import("json").attr("dumps")(policy).cast<std::string>();
    return cert::Policy::from_json(text);
  }
  throw py::type_error("policy must be None, a JSON string or a dict");
}

py::object time_or_none(Instant t) {
  return t == cert::kNoTime ? py::object(py::none()) : from_instant(t);
}

py::dict event_dict(const cert::Event& e) {
  py::dict d;
  d["seq"] = e.seq;
  d["type"] = cert::event_type_name(e.type);
  d["business_id"] = e.business_id;
  d["effective_at"] = time_or_none(e.effective_at);
  d["recorded_at"] = time_or_none(e.recorded_at);
  switch (e.type) {
    case cert::EventType::kAudited:
    case cert::EventType::kEvaluated:
      d["passed"] = e.passed;
      d["findings"] = e.reason;
      break;
    case cert::EventType::kIssued:
    case cert::EventType::kRenewed:
      d["serial"] = e.serial;
      d["certificate_id"] =
          "CERT-" + std::to_string(e.business_id) + "-" + std::to_string(e.serial);
      break;
    case cert::EventType::kRegistered: {
      py::dict b;
      b["name"] = e.business.name;
      b["category"] = e.business.category;
      b["lat"] = e.business.lat;
      b["lon"] = e.business.lon;
      b["capacity"] = e.business.capacity;
      b["zone"] = e.business.zone;
      d["business"] = b;
      break;
    }
    case cert::EventType::kViolation:
    case cert::EventType::kSuspended:
    case cert::EventType::kRevoked:
    case cert::EventType::kWithdrawn:
      d["reason"] = e.reason;
      break;
    default:
      break;
  }
  d["actor"] = e.provenance.actor;
  d["evidence"] = e.provenance.evidence;
  d["prev_hash"] = e.prev_hash;
  d["hash"] = e.hash;
  return d;
}

cert::Provenance prov(const std::string& actor, const std::string& evidence) {
  return {actor, evidence};
}

Instant now_or(py::handle at) {
  if (!at.is_none()) return to_instant(at);
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

cert::StoreOptions store_options(py::handle key, py::handle public_keys, bool allow_unsigned,
                                 bool create = false) {
  cert::StoreOptions o;
  o.key = signing_key_of(key, false);
  o.public_keys = public_keys_of(public_keys);
  o.allow_unsigned = allow_unsigned;
  o.create = create;
  return o;
}

py::dict verification_dict(const cert::Verification& v) {
  py::dict d;
  d["genuine"] = v.genuine;
  d["valid"] = v.valid;
  d["status"] = v.status;
  d["reason"] = v.reason;
  if (v.genuine) {
    const cert::Credential& c = v.credential;
    py::dict b;
    b["id"] = c.business_id;
    b["name"] = c.name;
    b["category"] = c.category;
    b["lat"] = c.lat;
    b["lon"] = c.lon;
    d["business"] = b;
    d["certificate_id"] = c.certificate_id;
    d["serial"] = c.serial;
    d["valid_from"] = from_instant(c.valid_from);
    d["valid_until"] = python::from_date(c.valid_until);
    d["max_visitors"] = c.max_visitors;
    d["issuer"] = c.issuer;
    d["key_id"] = c.key_id;
  } else {
    d["business"] = py::none();
    d["valid_until"] = py::none();
  }
  d["status_list_date"] =
      v.status_list_used ? from_instant(v.status_list_date) : py::object(py::none());
  d["status_list_stale"] = v.status_list_stale;
  return d;
}

}  // namespace

void register_cert(py::module_& m) {
  python::add_exception(
      m, "CertificateError",
      "A certificate event not allowed in the current state (nothing was changed), or "
      "a saved certificate log that failed verification; .position is the 0-based "
      "index of the first bad event (None for a refused event).");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cert::CertificateError& e) {
      python::set_python_error(
          python::exception_type("CertificateError"), e.what(),
          {{"position",
            e.position() < 0 ? py::object(py::none()) : py::object(py::int_(e.position()))},
           {"code", py::str(e.code() == ErrorCode::kCorrupt ? "corrupt" : "state")}});
    }
  });

  py::class_<cert::PublicKey>(
      m, "PublicKey",
      "A district's Ed25519 public key (a district.pub file), as verifiers hold it.")
      .def_static(
          "load", [](py::handle path) { return cert::PublicKey::load(path_of(path)); },
          py::arg("path"), "Reads a district.pub file.")
      .def_static("from_text", &cert::PublicKey::from_text, py::arg("text"),
                  "Parses the text of a district.pub file.")
      .def_property_readonly("key_id", &cert::PublicKey::key_id, "16 hex digits naming the key.")
      .def("to_text", &cert::PublicKey::to_text, "The text of a district.pub file.")
      .def("__repr__", [](const cert::PublicKey& k) { return "<PublicKey " + k.key_id() + ">"; });
  py::class_<cert::SigningKey>(
      m, "SigningKey", "A district's private Ed25519 signing key (a district.key file, mode 0600).")
      .def_static("generate", &cert::SigningKey::generate,
                  "A fresh key from the system's random source.")
      .def_static(
          "load", [](py::handle path) { return cert::SigningKey::load(path_of(path)); },
          py::arg("path"), "Reads a district.key file.")
      .def(
          "save", [](const cert::SigningKey& k, py::handle dir) { return k.save(path_of(dir)); },
          py::arg("dir"),
          "Writes dir/district.key (0600, never overwritten) and dir/district.pub; returns the "
          "PublicKey.")
      .def_property_readonly("key_id", &cert::SigningKey::key_id, "16 hex digits naming the key.")
      .def_property_readonly("public_key", &cert::SigningKey::public_key, "The matching PublicKey.")
      .def("__repr__", [](const cert::SigningKey& k) { return "<SigningKey " + k.key_id() + ">"; });
  m.def(
      "cert_generate_key",
      [](py::handle dir) { return cert::SigningKey::generate().save(path_of(dir)); },
      py::arg("dir"),
      "Generates a district key pair into dir (district.key, district.pub); returns the "
      "PublicKey.");
  m.def(
      "cert_verify",
      [](const std::string& text, py::handle public_keys, py::handle status_list, py::handle at,
         double max_list_age_s) {
        const std::vector<cert::PublicKey> keys = public_keys_of(public_keys);
        const std::string list =
            status_list.is_none() ? std::string() : status_list.cast<std::string>();
        const Instant t = now_or(at);
        cert::Verification v;
        {
          py::gil_scoped_release release;
          v = cert::verify_credential(text, keys, t, list, static_cast<Instant>(max_list_age_s));
        }
        return verification_dict(v);
      },
      py::arg("text"), py::arg("public_keys"), py::arg("status_list") = py::none(),
      py::arg("at") = py::none(), py::arg("max_list_age_s") = 7 * 86400.0,
      "Verifies a sticker's credential text offline; see smartkampung.cert.verify.");
  m.def(
      "cert_qr_png",
      [](const std::string& text, int scale) { return py::bytes(cert::qr_png(text, scale)); },
      py::arg("text"), py::arg("scale") = 8, "The QR code of a text as PNG bytes.");
  m.def("cert_qr_svg", &cert::qr_svg, py::arg("text"),
        py::arg("caption") = std::vector<std::string>{},
        "The QR code of a text as an SVG document, with caption lines below it.");

  using Reg = cert::CertificateRegistry;
  py::class_<Reg>(
      m, "CertificateRegistry",
      "Health-protocol certificates of tourism businesses: an append-only, hash-chained "
      "event log per business, and a status that is a pure function of the log and a "
      "moment. Every time argument is a timezone-aware datetime.")
      .def(py::init([](py::handle policy, const std::string& time_zone) {
             return Reg(policy_from(policy), zone_from_name(time_zone));
           }),
           py::arg("policy") = py::none(), py::arg("time_zone") = "WIB",
           "policy: None for the built-in 2020 Banyuwangi-style policy, or a policy as a JSON "
           "string or dict (see docs/cert.md). time_zone: 'WIB' (default), 'WITA' or 'WIT', the "
           "zone of local dates (validity, due dates, deadlines).")
      .def(
          "add_business",
          [](Reg& r, std::int64_t id, const std::string& name, const std::string& category,
             double lat, double lon, std::int32_t capacity, py::handle at, const std::string& zone,
             const std::string& actor, const std::string& evidence) {
            cert::Business b{id, name, category, lat, lon, capacity, zone};
            r.add_business(b, at.is_none() ? cert::kNoTime : to_instant(at), prov(actor, evidence));
          },
          py::arg("id"), py::arg("name"), py::arg("category"), py::arg("lat"), py::arg("lon"),
          py::arg("capacity"), py::arg("at") = py::none(), py::kw_only(), py::arg("zone") = "",
          py::arg("actor") = "", py::arg("evidence") = "",
          "Registers a business (category: destination, hotel, homestay, cafe, restaurant, warung "
          "or "
          "another lowercase word). Without `at`, the registration has no effective time and "
          "constrains no later event. Raises CertificateError on a duplicate id, Error on bad "
          "data.")
      .def(
          "apply",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& actor,
             const std::string& evidence) { r.apply(id, to_instant(at), prov(actor, evidence)); },
          py::arg("id"), py::arg("at"), py::kw_only(), py::arg("actor") = "",
          py::arg("evidence") = "", "Records an application for a certificate.")
      .def(
          "audit",
          [](Reg& r, std::int64_t id, py::handle at, bool passed, const std::string& findings,
             const std::string& actor, const std::string& evidence) {
            r.audit(id, to_instant(at), passed, findings, prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::arg("passed"), py::arg("findings") = "", py::kw_only(),
          py::arg("actor") = "", py::arg("evidence") = "",
          "Records an audit (after applying, or the re-audit of a suspended certificate: a pass "
          "lifts the suspension).")
      .def(
          "issue",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& actor,
             const std::string& evidence) {
            return r.issue(id, to_instant(at), prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::kw_only(), py::arg("actor") = "",
          py::arg("evidence") = "",
          "Issues a certificate after a passed audit; returns its serial.")
      .def(
          "evaluate",
          [](Reg& r, std::int64_t id, py::handle at, bool passed, const std::string& findings,
             const std::string& actor, const std::string& evidence) {
            r.evaluate(id, to_instant(at), passed, findings, prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::arg("passed"), py::arg("findings") = "", py::kw_only(),
          py::arg("actor") = "", py::arg("evidence") = "",
          "Records a periodic evaluation. May come early: the next is due one interval after the "
          "last passed one. A failure suspends.")
      .def(
          "report_violation",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& reason,
             const std::string& actor, const std::string& evidence) {
            r.report_violation(id, to_instant(at), reason, prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::arg("reason"), py::kw_only(), py::arg("actor") = "",
          py::arg("evidence") = "",
          "Records a protocol violation: by the default policy the first suspends (14 days to "
          "pass a re-audit), a second within 90 days revokes.")
      .def(
          "suspend",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& reason,
             const std::string& actor, const std::string& evidence) {
            r.suspend(id, to_instant(at), reason, prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::arg("reason"), py::kw_only(), py::arg("actor") = "",
          py::arg("evidence") = "", "Suspends (freezes) a valid certificate.")
      .def(
          "reinstate",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& actor,
             const std::string& evidence) {
            r.reinstate(id, to_instant(at), prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::kw_only(), py::arg("actor") = "",
          py::arg("evidence") = "",
          "Lifts a suspension before its deadline; a revoked certificate cannot be reinstated.")
      .def(
          "revoke",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& reason,
             py::handle effective_at, const std::string& actor, const std::string& evidence) {
            r.revoke(id, to_instant(at), reason,
                     effective_at.is_none() ? cert::kNoTime : to_instant(effective_at),
                     prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::arg("reason"), py::arg("effective_at") = py::none(),
          py::kw_only(), py::arg("actor") = "", py::arg("evidence") = "",
          "Revokes a certificate, recorded at `at` and in effect from `effective_at` (default "
          "`at`; "
          "never later than `at`).")
      .def(
          "renew",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& actor,
             const std::string& evidence) {
            return r.renew(id, to_instant(at), prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::kw_only(), py::arg("actor") = "",
          py::arg("evidence") = "",
          "Supersedes a valid certificate that passed an evaluation since its issue; returns the "
          "new serial.")
      .def(
          "withdraw",
          [](Reg& r, std::int64_t id, py::handle at, const std::string& reason,
             const std::string& actor, const std::string& evidence) {
            r.withdraw(id, to_instant(at), reason, prov(actor, evidence));
          },
          py::arg("id"), py::arg("at"), py::arg("reason") = "", py::kw_only(),
          py::arg("actor") = "", py::arg("evidence") = "",
          "Records that the business withdrew its application or certificate.")
      .def(
          "status",
          [](const Reg& r, std::int64_t id, py::handle at) {
            return std::string(cert::status_name(r.status(id, to_instant(at))));
          },
          py::arg("id"), py::arg("at"),
          "The status at a moment: none, applied, under_audit, active, evaluation_due, suspended, "
          "revoked, expired or withdrawn. Only active and evaluation_due are valid.")
      .def(
          "certificate",
          [](const Reg& r, std::int64_t id, py::handle at) {
            const cert::CertificateInfo info = r.certificate(id, to_instant(at));
            py::dict d;
            d["status"] = cert::status_name(info.status);
            d["serial"] =
                info.serial == 0 ? py::object(py::none()) : py::object(py::int_(info.serial));
            d["certificate_id"] = info.certificate_id.empty()
                                      ? py::object(py::none())
                                      : py::object(py::str(info.certificate_id));
            d["issued_at"] = time_or_none(info.issued_at);
            d["valid_until"] =
                info.serial == 0 ? py::object(py::none()) : python::from_date(info.valid_until);
            d["valid_end"] = time_or_none(info.valid_end);
            d["evaluation_due_at"] = time_or_none(info.evaluation_due_at);
            d["grace_end"] = time_or_none(info.grace_end);
            d["suspension_end"] = time_or_none(info.suspension_end);
            return d;
          },
          py::arg("id"), py::arg("at"),
          "The certificate at a moment as a dict: status, serial, certificate_id, issued_at, "
          "valid_until (local date), valid_end, evaluation_due_at, grace_end, suspension_end.")
      .def(
          "statuses",
          [](const Reg& r, py::handle at) {
            const Instant t = to_instant(at);
            std::vector<std::pair<std::int64_t, cert::Status>> all;
            {
              py::gil_scoped_release release;
              all = r.statuses(t);
            }
            py::dict d;
            for (const auto& [id, s] : all) d[py::int_(id)] = cert::status_name(s);
            return d;
          },
          py::arg("at"), "The status of every business at a moment, as {id: status}.")
      .def(
          "max_visitors",
          [](const Reg& r, std::int64_t id, py::handle at) {
            return r.max_visitors(id, to_instant(at));
          },
          py::arg("id"), py::arg("at"),
          "The visitor cap at a moment: capacity times the policy's percentage for the category "
          "and "
          "the zone's restriction level, rounded down; 0 when the certificate is not valid.")
      .def(
          "check_in",
          [](Reg& r, std::int64_t id, py::handle at, std::int32_t n) {
            return r.check_in(id, to_instant(at), n);
          },
          py::arg("id"), py::arg("at"), py::arg("n") = 1,
          "Admits n visitors if the certificate is valid and the cap allows; returns False (and "
          "changes nothing) otherwise. Safe from many threads.")
      .def(
          "check_out",
          [](Reg& r, std::int64_t id, py::handle at, std::int32_t n) {
            r.check_out(id, to_instant(at), n);
          },
          py::arg("id"), py::arg("at"), py::arg("n") = 1,
          "Lets n visitors out; occupancy never goes below zero. Safe from many threads.")
      .def(
          "occupancy",
          [](const Reg& r, std::int64_t id, py::handle at) {
            return at.is_none() ? r.occupancy(id) : r.occupancy(id, to_instant(at));
          },
          py::arg("id"), py::arg("at") = py::none(),
          "Visitors inside on the day of the last movement, or (with `at`) on the local day of "
          "`at`. "
          "Saved beside the store and restored on load.")
      .def(
          "sticker",
          [](const Reg& r, std::int64_t id, py::handle key, py::handle at,
             const std::string& issuer) {
            const auto k = signing_key_of(key, true);
            return r.sticker(id, now_or(at), *k, issuer);
          },
          py::arg("id"), py::arg("key") = py::none(), py::arg("at") = py::none(),
          py::arg("issuer") = "smartkampung",
          "The signed credential text (\"SKC1:...\") of the business's certificate valid at `at` "
          "(default "
          "now), signed with `key` (a SigningKey or a district.key path; default "
          "SMARTKAMPUNG_KEY). Raises "
          "CertificateError when the certificate is not valid then.")
      .def(
          "status_list",
          [](const Reg& r, py::handle key, py::handle at, const std::string& issuer) {
            const auto k = signing_key_of(key, true);
            return r.status_list(now_or(at), *k, issuer);
          },
          py::arg("key") = py::none(), py::arg("at") = py::none(),
          py::arg("issuer") = "smartkampung",
          "The signed status list (\"SKS1:...\"): 2 bits per certificate serial (suspended, "
          "revoked, "
          "withdrawn or replaced), with its date.")
      .def_property_readonly(
          "categories", [](const Reg& r) { return r.policy().categories(); },
          "The business categories the policy knows, sorted.")
      .def(
          "certified_near",
          [](const Reg& r, double lat, double lon, double radius_m, py::handle at,
             std::optional<std::string> category) {
            const Instant t = to_instant(at);
            std::vector<cert::Nearby> found;
            {
              py::gil_scoped_release release;
              found = r.certified_near(lat, lon, radius_m, t, std::move(category));
            }
            py::list out;
            for (const cert::Nearby& n : found) out.append(py::make_tuple(n.id, n.distance_m));
            return out;
          },
          py::arg("lat"), py::arg("lon"), py::arg("radius_m"), py::arg("at"),
          py::arg("category") = py::none(),
          "Businesses with a valid certificate at `at` within radius_m metres, optionally of one "
          "category, as a list of (id, distance_m) by WGS84 distance (ties by id).")
      .def(
          "history",
          [](const Reg& r, std::int64_t id) {
            py::list out;
            for (const cert::Event& e : r.history(id)) out.append(event_dict(e));
            return out;
          },
          py::arg("id"),
          "The business's events in the order recorded, as dicts (seq, type, business_id, "
          "effective_at, recorded_at, type-specific fields, actor, evidence, prev_hash, hash).")
      .def("ids", &Reg::ids, "Every business id, sorted.")
      .def("__len__", &Reg::size)
      .def("__contains__", &Reg::contains, py::arg("id"))
      .def_property_readonly(
          "policy_json", [](const Reg& r) { return r.policy().to_json(); },
          "The policy in force, as canonical JSON.")
      .def_property_readonly(
          "time_zone", [](const Reg& r) { return std::string(zone_name(r.time_zone())); },
          "'WIB', 'WITA' or 'WIT'.")
      .def(
          "save",
          [](const Reg& r, py::handle path, py::handle key) {
            const std::string p = path_of(path);
            const cert::StoreOptions o = store_options(key, py::none(), false);
            py::gil_scoped_release release;
            r.save(p, o);
          },
          py::arg("path"), py::arg("key") = py::none(),
          "Writes the log as JSON lines with a trailer (event count, head hash; with `key`, a "
          "SigningKey or district.key path, defaulting to SMARTKAMPUNG_KEY, also its Ed25519 "
          "signature), atomically under the store's lock, with the occupancy beside it. Raises "
          "CertificateError when the file holds events this registry lacks (another writer).")
      .def_static(
          "load",
          [](py::handle path, py::handle public_keys, bool allow_unsigned) {
            const std::string p = path_of(path);
            cert::StoreOptions o;
            o.public_keys = public_keys_of(public_keys);
            o.allow_unsigned = allow_unsigned;
            py::gil_scoped_release release;
            return Reg::load(p, o);
          },
          py::arg("path"), py::arg("public_keys") = py::none(), py::arg("allow_unsigned") = false,
          "Loads a saved log, verifying every hash and the trailer; with public_keys (PublicKey "
          "objects, district.pub paths or texts) the signature must verify by one of them, and an "
          "unsigned log is refused unless allow_unsigned. Raises CertificateError naming the first "
          "bad event (.position) or the key id.")
      .def_static(
          "update",
          [](py::handle path, py::function fn, py::handle key, py::handle public_keys,
             bool allow_unsigned, bool create) {
            const std::string p = path_of(path);
            const cert::StoreOptions o = store_options(key, public_keys, allow_unsigned, create);
            py::gil_scoped_release release;
            Reg::update(
                p,
                [&](Reg& r) {
                  py::gil_scoped_acquire acquire;
                  py::object result = fn(py::cast(&r, py::return_value_policy::reference));
                  return result.is_none() || result.cast<bool>();
                },
                o);
          },
          py::arg("path"), py::arg("fn"), py::arg("key") = py::none(),
          py::arg("public_keys") = py::none(), py::arg("allow_unsigned") = false,
          py::arg("create") = false,
          "Load, change, save as one step under the store's OS lock: fn(registry) runs on the "
          "loaded "
          "store (an empty one when absent and create=True); the store is saved unless fn returns "
          "False. Writers in many processes and threads lose nothing.")
      .def("__repr__", [](const Reg& r) {
        return "<CertificateRegistry businesses=" + std::to_string(r.size()) +
               " policy=" + r.policy().name() + ">";
      });
}
