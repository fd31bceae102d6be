// The registry file: "SKAMPREG" + format version + payload + SHA-256 of all before it.
// Integers are little-endian; strings are a u64 length then the bytes. Reading checks
// the checksum first and every length against what is left, so a damaged file is
// refused with Error(kCorrupt) and never half-loaded.
#include "registry/internal.hpp"

#include "core/sha256.hpp"

#include <cstring>

namespace smartkampung::detail {

namespace {

constexpr char kMagic[8] = {'S', 'K', 'A', 'M', 'P', 'R', 'E', 'G'};
constexpr std::uint32_t kFormat = 1;

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void i32(std::int32_t v) { le(static_cast<std::uint32_t>(v), 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s.data(), s.size());
  }
  std::string& out() { return out_; }

 private:
  void le(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(le(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(le(4)); }
  std::int32_t i32() { return static_cast<std::int32_t>(static_cast<std::uint32_t>(le(4))); }
  std::uint64_t u64() { return le(8); }
  std::string str() {
    const std::uint64_t n = u64();
    need(n);
    std::string s(in_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::size_t count(std::size_t min_bytes_each) {
    const std::uint64_t n = u64();
    if (min_bytes_each != 0 && n > (in_.size() - pos_) / min_bytes_each) fail("a count exceeds the file");
    return static_cast<std::size_t>(n);
  }
  bool done() const { return pos_ == in_.size(); }
  [[noreturn]] static void fail(const std::string& what) {
    throw Error(ErrorCode::kCorrupt, "damaged registry file (" + what + ")");
  }

 private:
  void need(std::uint64_t n) const {
    if (n > in_.size() - pos_) fail("truncated");
  }
  std::uint64_t le(int bytes) {
    need(static_cast<std::uint64_t>(bytes));
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_ + static_cast<std::size_t>(i)])) << (8 * i);
    }
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

void write_raw(Writer& w, const RawRecord& r) {
  for (const std::string* s : {&r.nik, &r.kk, &r.name, &r.birth_date, &r.sex, &r.address, &r.village, &r.district,
                               &r.rt, &r.rw}) {
    w.str(*s);
  }
  w.u64(r.line);
}

RawRecord read_raw(Reader& rd) {
  RawRecord r;
  for (std::string* s : {&r.nik, &r.kk, &r.name, &r.birth_date, &r.sex, &r.address, &r.village, &r.district, &r.rt,
                         &r.rw}) {
    *s = rd.str();
  }
  r.line = static_cast<std::size_t>(rd.u64());
  return r;
}

}  // namespace

std::string serialize(const Snapshot& snap, const std::vector<QueuedReport>& reports) {
  Writer w;
  w.out().append(kMagic, sizeof kMagic);
  w.u32(kFormat);
  w.i32(snap.as_of.days_since_epoch());
  w.str(snap.exclusions.to_json());
  w.u64(snap.programs.size());
  for (const auto& p : snap.programs) {
    w.str(p->name);
    w.u8(static_cast<std::uint8_t>(p->level));
    w.str(p->pool);
    w.u64(p->rows.size());
    for (const Row& r : p->rows) {
      w.u64(r.nik);
      w.u64(r.kk);
      w.u64(r.name_key);
      w.u64(r.text);
      for (std::uint16_t l : r.len) w.u16(l);
      w.i32(r.birth);
      w.u32(r.line);
      w.u16(r.rt);
      w.u16(r.rw);
      w.u8(static_cast<std::uint8_t>(r.sex));
      w.u8(r.flags);
    }
    w.u64(p->unkeyed.size());
    for (const auto& u : p->unkeyed) write_raw(w, u);
  }
  w.u64(reports.size());
  for (const auto& q : reports) {
    RawRecord r;
    r.nik = q.record.nik;
    r.kk = q.record.kk;
    r.name = q.record.name;
    r.birth_date = q.record.birth_date ? q.record.birth_date->to_iso() : std::string();
    r.sex = q.record.sex != 0 ? std::string(1, q.record.sex) : std::string();
    r.address = q.record.address;
    r.village = q.record.village;
    r.district = q.record.district;
    r.rt = q.record.rt >= 0 ? std::to_string(q.record.rt) : std::string();
    r.rw = q.record.rw >= 0 ? std::to_string(q.record.rw) : std::string();
    r.line = q.record.line;
    write_raw(w, r);
    w.u64(static_cast<std::uint64_t>(q.at));
    w.str(q.program);
  }
  const auto digest = sha256(w.out());
  w.out().append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return std::move(w.out());
}

void deserialize(std::string_view bytes, Snapshot& snap, std::vector<QueuedReport>& reports) {
  if (bytes.size() < sizeof kMagic + 4 + 32 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    Reader::fail("not a smartkampung registry file");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 32);
  const auto digest = sha256(body);
  if (std::memcmp(digest.data(), bytes.data() + body.size(), 32) != 0) Reader::fail("checksum mismatch");
  Reader rd(body.substr(sizeof kMagic));
  if (rd.u32() != kFormat) Reader::fail("unknown format version");
  snap.as_of = Date(rd.i32());
  try {
    snap.exclusions = ConflictTable::from_json(rd.str());
  } catch (const Error&) {
    Reader::fail("bad exclusion table");
  }
  const std::size_t programs = rd.count(8);
  if (programs > kMaxPrograms) Reader::fail("too many programmes");
  for (std::size_t p = 0; p < programs; ++p) {
    auto list = std::make_shared<ProgramList>();
    list->name = rd.str();
    const std::uint8_t level = rd.u8();
    if (level > 2) Reader::fail("bad programme level");
    list->level = static_cast<ProgramLevel>(level);
    list->pool = rd.str();
    const std::size_t rows = rd.count(54);
    list->rows.resize(rows);
    for (Row& r : list->rows) {
      r.nik = rd.u64();
      r.kk = rd.u64();
      r.name_key = rd.u64();
      r.text = rd.u64();
      std::uint64_t total = 0;
      for (std::uint16_t& l : r.len) total += (l = rd.u16());
      if (r.text > list->pool.size() || total > list->pool.size() - r.text) Reader::fail("text out of range");
      r.birth = rd.i32();
      r.line = rd.u32();
      r.rt = rd.u16();
      r.rw = rd.u16();
      r.sex = static_cast<char>(rd.u8());
      r.flags = rd.u8();
      if (r.nik == 0 || r.nik >= 10000000000000000ULL) Reader::fail("bad NIK key");
    }
    const std::size_t unkeyed = rd.count(88);
    for (std::size_t u = 0; u < unkeyed; ++u) list->unkeyed.push_back(read_raw(rd));
    if (!snap.programs.empty() && !(snap.programs.back()->name < list->name)) Reader::fail("programmes out of order");
    snap.programs.push_back(std::move(list));
  }
  const std::size_t nreports = rd.count(104);
  for (std::size_t i = 0; i < nreports; ++i) {
    const RawRecord r = read_raw(rd);
    QueuedReport q;
    ProgramList tmp;
    Row row;
    std::string reason;
    bool nik_only = false, repaired = false;
    const std::array<std::string_view, 10> f = {r.nik, r.kk, r.name, r.birth_date, r.sex,
                                                r.address, r.village, r.district, r.rt, r.rw};
    if (!normalize_record(f, static_cast<std::uint32_t>(r.line), snap.as_of, row, tmp.pool, reason, nik_only,
                          repaired)) {
      Reader::fail("bad report record");
    }
    q.record = to_enrolment(tmp, row);
    q.at = static_cast<Instant>(rd.u64());
    q.program = rd.str();
    q.record.program = q.program;
    reports.push_back(std::move(q));
  }
  if (!rd.done()) Reader::fail("trailing bytes");
}

}  // namespace smartkampung::detail
