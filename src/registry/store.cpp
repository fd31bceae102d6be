// The registry file ("SKAMPREG", core/binary.hpp): a damaged file is refused with
// Error(kCorrupt) and never half-loaded.
#include <cstring>

#include "core/binary.hpp"
#include "core/utf8.hpp"
#include "registry/internal.hpp"

namespace smartkampung::detail {

namespace {

constexpr char kMagic[8] = {'S', 'K', 'A', 'M', 'P', 'R', 'E', 'G'};
constexpr std::uint32_t kFormat = 1;

using binary::Reader;
using binary::Writer;

void write_raw(Writer& w, const RawRecord& r) {
  for (const std::string* s : {&r.nik, &r.kk, &r.name, &r.birth_date, &r.sex, &r.address,
                               &r.village, &r.district, &r.rt, &r.rw}) {
    w.str(*s);
  }
  w.u64(r.line);
}

// A string of the file that becomes text (names, programmes): UTF-8 like everything the
// registry holds, so that a forged file cannot put other bytes into answers and messages.
std::string read_text(Reader& rd) {
  std::string s = rd.str();
  if (!is_valid_utf8(s)) rd.fail("text that is not UTF-8");
  return s;
}

RawRecord read_raw(Reader& rd) {
  RawRecord r;
  for (std::string* s : {&r.nik, &r.kk, &r.name, &r.birth_date, &r.sex, &r.address, &r.village,
                         &r.district, &r.rt, &r.rw}) {
    *s = read_text(rd);
  }
  r.line = static_cast<std::size_t>(rd.u64());
  return r;
}

}  // namespace

std::string serialize(const Snapshot& snap, const std::vector<QueuedReport>& reports) {
  Writer w(kMagic, kFormat);
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
  return w.seal();
}

void deserialize(std::string_view bytes, Snapshot& snap, std::vector<QueuedReport>& reports) {
  Reader rd(bytes, kMagic, kFormat, "registry");
  snap.as_of = Date(rd.i32());
  try {
    snap.exclusions = ConflictTable::from_json(rd.str());
  } catch (const Error&) {
    rd.fail("bad exclusion table");
  }
  const std::size_t programs = rd.count(8);
  if (programs > kMaxPrograms) rd.fail("too many programmes");
  for (std::size_t p = 0; p < programs; ++p) {
    auto list = std::make_shared<ProgramList>();
    list->name = read_text(rd);
    const std::uint8_t level = rd.u8();
    if (level > 2) rd.fail("bad programme level");
    list->level = static_cast<ProgramLevel>(level);
    list->pool = read_text(rd);
    const std::size_t rows = rd.count(54);
    list->rows.resize(rows);
    for (Row& r : list->rows) {
      r.nik = rd.u64();
      r.kk = rd.u64();
      r.name_key = rd.u64();
      r.text = rd.u64();
      std::uint64_t total = 0;
      for (std::uint16_t& l : r.len) total += (l = rd.u16());
      if (r.text > list->pool.size() || total > list->pool.size() - r.text)
        rd.fail("text out of range");
      r.birth = rd.i32();
      r.line = rd.u32();
      r.rt = rd.u16();
      r.rw = rd.u16();
      r.sex = static_cast<char>(rd.u8());
      r.flags = rd.u8();
      if (r.nik == 0 || r.nik >= 10000000000000000ULL) rd.fail("bad NIK key");
    }
    const std::size_t unkeyed = rd.count(88);
    for (std::size_t u = 0; u < unkeyed; ++u) list->unkeyed.push_back(read_raw(rd));
    if (!snap.programs.empty() && !(snap.programs.back()->name < list->name))
      rd.fail("programmes out of order");
    snap.programs.push_back(std::move(list));
  }
  const std::size_t nreports = rd.count(104);
  for (std::size_t i = 0; i < nreports; ++i) {
    const RawRecord r = read_raw(rd);
    QueuedReport q;
    ProgramList tmp;
    Row row;
    std::string reason;
    RecordNotes notes;
    const std::array<std::string_view, 10> f = {
        r.nik, r.kk, r.name, r.birth_date, r.sex, r.address, r.village, r.district, r.rt, r.rw};
    if (!normalize_record(f, static_cast<std::uint32_t>(r.line), snap.as_of, row, tmp.pool, reason,
                          notes)) {
      rd.fail("bad report record");
    }
    q.record = to_enrolment(tmp, row);
    q.at = static_cast<Instant>(rd.u64());
    if (q.at < kMinInstant || q.at > kMaxInstant) rd.fail("report time out of range");
    q.program = read_text(rd);
    q.record.program = q.program;
    reports.push_back(std::move(q));
  }
  if (!rd.done()) rd.fail("trailing bytes");
}

}  // namespace smartkampung::detail
