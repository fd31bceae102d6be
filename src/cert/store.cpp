// The certificate registry on disk: the JSONL log (signed), the occupancy file, save,
// load and update under the store lock.
#include "cert/registry_impl.hpp"

namespace smartkampung::cert {

using detail::Engine;
using detail::State;
using detail::Step;
using namespace registry_internal;

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

CertificateRegistry CertificateRegistry::from_jsonl(std::string_view text,
                                                    const StoreOptions& options) {
  auto corrupt = [](std::int64_t position, const std::string& what) {
    return CertificateError(ErrorCode::kCorrupt,
                            "certificate log is corrupt at event " + std::to_string(position) +
                                " (line " + std::to_string(position + 1) + "): " + what,
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
        if (rest.size() != kKey.size() + 16 + kSig.size() + 128 + 3 ||
            rest.substr(0, kKey.size()) != kKey ||
            rest.substr(kKey.size() + 16, kSig.size()) != kSig ||
            rest.substr(rest.size() - 3) != "\"}}" ||
            !detail::bytes_of_hex(rest.substr(kKey.size(), 16), id_bytes, 8) ||
            !detail::bytes_of_hex(rest.substr(kKey.size() + 16 + kSig.size(), 128), signature,
                                  64)) {
          throw corrupt(position, "the trailer is malformed");
        }
        key_id = std::string(rest.substr(kKey.size(), 16));
      }
      const std::string problem = smartkampung::detail::signature_problem(
          "the log", options.public_keys, options.allow_unsigned, key_id,
          log_signing_message(events.size(), prev), signature);
      if (!problem.empty()) throw corrupt(position, problem);
      trailer_seen = true;
      break;
    }
    Event e = detail::parse_event_line(line, position);
    if (e.seq != i) {
      throw corrupt(position, "sequence number " + std::to_string(e.seq) + " where " +
                                  std::to_string(i) +
                                  " was expected (events deleted or reordered)");
    }
    if (e.prev_hash != prev) throw corrupt(position, "the link to the previous event is broken");
    if (detail::event_hash(e) != e.hash)
      throw corrupt(position, "the event does not match its hash (edited)");
    if ((i == 0) != (e.type == EventType::kPolicy)) {
      throw corrupt(position,
                    i == 0 ? "the first event must be the policy" : "a second policy event");
    }
    prev = e.hash;
    events.push_back(std::move(e));
  }
  if (!trailer_seen)
    throw corrupt(static_cast<std::int64_t>(events.size()), "no trailer (the file is truncated)");
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
  throw CertificateError(ErrorCode::kCorrupt, "occupancy file '" + occupancy_path(path) +
                                                  "' is corrupt at line " + std::to_string(line) +
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
      std::string_view(text).substr(start == std::string::npos ? 0 : start + 1,
                                    end - (start == std::string::npos ? 0 : start + 1));
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

void save_locked(const CertificateRegistry& reg, const std::string& path,
                 const StoreOptions& options,
                 const std::vector<std::pair<std::int64_t, std::uint64_t>>& occupancy,
                 bool check_prefix);

std::vector<std::pair<std::int64_t, std::uint64_t>> occupancy_of(
    const CertificateRegistry::Impl& impl);

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

std::vector<std::pair<std::int64_t, std::uint64_t>> occupancy_of(
    const CertificateRegistry::Impl& impl) {
  std::shared_lock lock(impl.mutex);
  std::vector<std::pair<std::int64_t, std::uint64_t>> out;
  for (const auto& [id, rec] : impl.businesses) {
    const std::uint64_t packed = rec->occupancy.load(std::memory_order_acquire);
    if (occupancy_count(packed) > 0) out.emplace_back(id, packed);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void save_locked(const CertificateRegistry& reg, const std::string& path,
                 const StoreOptions& options,
                 const std::vector<std::pair<std::int64_t, std::uint64_t>>& occupancy,
                 bool check_prefix) {
  const std::string data = reg.to_jsonl(options.key.get());
  if (check_prefix) {
    // Never replace another writer's events: the saved log must be a prefix of this one
    // (its head one of our events at the same position), as a fast-forward.
    std::size_t count = 0;
    std::string head;
    if (saved_head(path, count, head)) {
      const std::vector<Event> events = reg.events();
      if (count == 0 || count > events.size() || events[count - 1].hash != head) {
        throw CertificateError(
            ErrorCode::kState,
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

CertificateRegistry CertificateRegistry::load_unlocked(const std::string& path,
                                                       const StoreOptions& options) {
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
    const std::int64_t id =
        number(line.substr(0, s1), std::numeric_limits<std::int64_t>::min() / 10,
               std::numeric_limits<std::int64_t>::max() / 10);
    Date day;
    try {
      day = Date::parse_iso(line.substr(s1 + 1, s2 - s1 - 1));
    } catch (const Error&) {
      bad_occupancy(path, line_no, "not a date");
    }
    const auto count = static_cast<std::int32_t>(
        number(line.substr(s2 + 1), 0, std::numeric_limits<std::int32_t>::max()));
    auto it = impl_->businesses.find(id);
    if (it == impl_->businesses.end())
      bad_occupancy(path, line_no, "a business that is not registered");
    it->second->occupancy.store(pack_occupancy(day.days_since_epoch(), count),
                                std::memory_order_release);
  }
  if (line_no == 0) bad_occupancy(path, 1, "the file is empty");
}

CertificateRegistry CertificateRegistry::load(const std::string& path,
                                              const StoreOptions& options) {
  std::optional<StoreLock> lock;
  try {
    if (file_exists(path)) lock.emplace(path, false);  // a reader sees one save's log and occupancy
  } catch (const Error& e) {
    throw Error(e.code(), std::string("certificate registry: ") + e.what());
  }
  return load_unlocked(path, options);
}

void CertificateRegistry::update(const std::string& path,
                                 const std::function<bool(CertificateRegistry&)>& fn,
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

}  // namespace smartkampung::cert
