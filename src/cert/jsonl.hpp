// Private: the canonical JSON form of certificate events (what the hash chain covers)
// and the JSON-lines file format.
#ifndef SMARTKAMPUNG_SRC_CERT_JSONL_HPP
#define SMARTKAMPUNG_SRC_CERT_JSONL_HPP

#include <smartkampung/cert.hpp>
#include <string>
#include <string_view>

namespace smartkampung::cert::detail {

/// 64 zeros: the prev_hash of the first event.
extern const char kGenesisHash[];

/// The event as one JSON object without its hash, fixed key order, no whitespace.
std::string canonical_event(const Event& e);
/// SHA-256 hex of canonical_event(e).
std::string event_hash(const Event& e);
/// The saved line: canonical_event(e) with "hash" appended (no newline).
std::string event_line(const Event& e);
/// Parses a saved line (strict: known fields only, exact types) into an event, its hash
/// taken from the line. Throws CertificateError(kCorrupt) naming `position`.
Event parse_event_line(std::string_view line, std::int64_t position);

/// "2020-07-20T14:00:00+07:00" in the zone; "none" for kNoTime.
std::string format_instant(Instant t, TimeZone tz);
EventType event_type_from_name(std::string_view name, bool& ok) noexcept;

}  // namespace smartkampung::cert::detail

#endif
