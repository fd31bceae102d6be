// The registry: immutable snapshots swapped under a mutex; writers build aside.
#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "core/key_sort.hpp"
#include "core/signing.hpp"
#include "core/store_file.hpp"
#include "io/csv_parser.hpp"
#include "registry/internal.hpp"

namespace smartkampung {

using detail::KeyIndex;
using detail::NormalizeOutput;
using detail::ProgramList;
using detail::Row;
using detail::Snapshot;

// ---- snapshot ------------------------------------------------------------------
namespace detail {

std::uint64_t KeyIndex::find(std::uint64_t key) const noexcept {
  const auto it = std::lower_bound(keys.begin(), keys.end(), key);
  if (it == keys.end() || *it != key) return 0;
  return masks[static_cast<std::size_t>(it - keys.begin())];
}

std::vector<std::size_t> Snapshot::offsets() const {
  std::vector<std::size_t> out{0};
  for (const auto& p : programs) out.push_back(out.back() + p->rows.size());
  return out;
}

namespace {
void build_index(const Snapshot& s) {
  const std::vector<std::size_t> offs = s.offsets();
  std::vector<std::uint64_t> keys;
  std::vector<std::uint32_t> rows;
  keys.reserve(offs.back());
  rows.reserve(offs.back());
  std::vector<std::uint64_t> kk_keys;
  for (std::size_t p = 0; p < s.programs.size(); ++p) {
    const auto& list = s.programs[p]->rows;
    for (std::size_t i = 0; i < list.size(); ++i) {
      keys.push_back(list[i].nik << kProgramBits | p);
      rows.push_back(static_cast<std::uint32_t>(offs[p] + i));
      if (list[i].kk != 0) kk_keys.push_back(list[i].kk << kProgramBits | p);
    }
  }
  sort_by_key(keys, &rows, 0);
  sort_by_key<NoPayload>(kk_keys, nullptr, 0);
  auto fold = [](const std::vector<std::uint64_t>& sorted, KeyIndex& index,
                 std::vector<std::uint32_t>* firsts, const std::vector<std::uint32_t>* payload) {
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      const std::uint64_t key = sorted[i] >> kProgramBits;
      const std::uint64_t bit = std::uint64_t{1} << (sorted[i] & ((1u << kProgramBits) - 1));
      if (index.keys.empty() || index.keys.back() != key) {
        index.keys.push_back(key);
        index.masks.push_back(bit);
        if (firsts != nullptr) firsts->push_back((*payload)[i]);
      } else {
        index.masks.back() |= bit;
      }
    }
  };
  fold(keys, s.by_nik, &s.nik_first, &rows);
  fold(kk_keys, s.by_kk, nullptr, nullptr);
}
}  // namespace

const KeyIndex& Snapshot::nik_index() const {
  std::call_once(index_once, [this] { build_index(*this); });
  return by_nik;
}
const KeyIndex& Snapshot::kk_index() const {
  std::call_once(index_once, [this] { build_index(*this); });
  return by_kk;
}

long Snapshot::find(std::string_view program) const noexcept {
  const auto it =
      std::lower_bound(programs.begin(), programs.end(), program,
                       [](const auto& p, std::string_view name) { return p->name < name; });
  if (it == programs.end() || (*it)->name != program) return -1;
  return static_cast<long>(it - programs.begin());
}

std::vector<std::string> Snapshot::names_of(std::uint64_t mask) const {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(__builtin_popcountll(mask)));
  for (std::size_t p = 0; p < programs.size() && mask != 0; ++p) {
    if ((mask >> p) & 1u) out.push_back(programs[p]->name);
  }
  return out;
}

}  // namespace detail

// ---- Registry ------------------------------------------------------------------
struct Registry::Impl {
  std::mutex write_mutex;
  mutable std::mutex snap_mutex;
  std::shared_ptr<const Snapshot> snap;
  mutable std::mutex reports_mutex;
  std::vector<QueuedReport> reports;
  std::unordered_set<std::uint64_t> reported;

  std::shared_ptr<const Snapshot> get() const {
    std::lock_guard<std::mutex> lock(snap_mutex);
    return snap;
  }
  void put(std::shared_ptr<const Snapshot> next) {
    std::lock_guard<std::mutex> lock(snap_mutex);
    snap = std::move(next);
  }
  std::shared_ptr<Snapshot> copy() const {
    auto cur = get();
    auto next = std::make_shared<Snapshot>();
    next->programs = cur->programs;
    next->exclusions = cur->exclusions;
    next->as_of = cur->as_of;
    return next;
  }

  // Adds (or replaces with) normalised rows in a programme; the new snapshot is published
  // only when everything succeeded.
  LoadReport apply(const std::string& program, ProgramLevel level, NormalizeOutput&& out,
                   bool replace) {
    auto next = copy();
    auto list = std::make_shared<ProgramList>();
    list->name = program;
    list->level = level;
    const long at = next->find(program);
    if (at >= 0 && !replace) {
      const ProgramList& old = *next->programs[static_cast<std::size_t>(at)];
      list->rows.reserve(old.rows.size() + out.rows.size());
      list->rows = old.rows;
      list->pool = old.pool;
      list->unkeyed = old.unkeyed;
    }
    const std::uint64_t shift = list->pool.size();
    if (list->rows.empty() && list->pool.empty()) {
      list->rows = std::move(out.rows);
      list->pool = std::move(out.pool);
    } else {
      list->pool += out.pool;
      for (Row& r : out.rows) {
        r.text += shift;
        list->rows.push_back(r);
      }
    }
    for (auto& u : out.unkeyed) list->unkeyed.push_back(std::move(u));
    if (at >= 0) {
      next->programs[static_cast<std::size_t>(at)] = std::move(list);
    } else {
      if (next->programs.size() >= detail::kMaxPrograms) {
        throw Error(ErrorCode::kLimit, "a registry holds at most 64 programmes");
      }
      next->programs.push_back(std::move(list));
      std::sort(next->programs.begin(), next->programs.end(),
                [](const auto& a, const auto& b) { return a->name < b->name; });
    }
    put(std::move(next));
    return std::move(out.report);
  }
};

Registry::Registry() : Registry(today()) {}

Registry::Registry(Date as_of) : impl_(std::make_unique<Impl>()) {
  auto s = std::make_shared<Snapshot>();
  s->as_of = as_of;
  impl_->snap = std::move(s);
}

Registry::~Registry() = default;
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;

// The rows are normalised before the write lock is taken (as_of never changes), so that a
// progress hook never runs while the lock is held.
LoadReport Registry::load_table(const CsvTable& table, const std::string& program,
                                ProgramLevel level, const ColumnMap& columns,
                                const Progress& progress) {
  detail::program_check(program);
  NormalizeOutput out =
      detail::normalize_csv_table(table, columns, impl_->get()->as_of, std::nullopt, progress);
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  return impl_->apply(program, level, std::move(out), false);
}

LoadReport Registry::load_table(const CsvTable& table, const std::string& program,
                                ProgramLevel level, const ColumnMap& columns, DateOrder birth_order,
                                const Progress& progress) {
  detail::program_check(program);
  NormalizeOutput out =
      detail::normalize_csv_table(table, columns, impl_->get()->as_of, birth_order, progress);
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  return impl_->apply(program, level, std::move(out), false);
}

ListKeys list_keys(const CsvTable& table, const ColumnMap& columns, Date as_of) {
  detail::NormalizeOutput out = detail::normalize_csv_table(table, columns, as_of);
  ListKeys keys;
  keys.nik.assign(table.rows(), 0);
  keys.kk.assign(table.rows(), 0);
  keys.birth_votes = out.birth_votes;
  // Rows carry their table line; lines rise with the table's rows.
  std::vector<std::pair<std::size_t, std::size_t>> line_row(table.rows());
  for (std::size_t i = 0; i < table.rows(); ++i) line_row[i] = {table.line(i), i};
  std::sort(line_row.begin(), line_row.end());
  for (const detail::Row& r : out.rows) {
    const auto it = std::lower_bound(line_row.begin(), line_row.end(),
                                     std::make_pair(std::size_t{r.line}, std::size_t{0}));
    if (it == line_row.end() || it->first != r.line) continue;
    keys.nik[it->second] = r.nik;
    keys.kk[it->second] = r.kk;
  }
  return keys;
}

LoadReport Registry::load_csv(const std::string& path, const std::string& program,
                              ProgramLevel level, const ColumnMap& columns,
                              const Progress& progress) {
  detail::program_check(program);
  NormalizeOutput out = detail::normalize_csv_file(path, columns, impl_->get()->as_of,
                                                   progress);  // as_of never changes
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  return impl_->apply(program, level, std::move(out), false);
}

LoadReport Registry::add_records(const std::vector<RawRecord>& records, const std::string& program,
                                 ProgramLevel level) {
  detail::program_check(program);
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  return impl_->apply(program, level, detail::normalize_raw_records(records, impl_->get()->as_of),
                      false);
}

namespace {

// A replacement that lost more than the limit is refused before anything changes.
void check_replacement(const std::string& program, const LoadReport& report,
                       const ReplaceOptions& options) {
  if (options.force || report.rejected_share() <= options.max_rejected_share) return;
  char share[32], limit[32];
  std::snprintf(share, sizeof share, "%.1f%%", 100.0 * report.rejected_share());
  std::snprintf(limit, sizeof limit, "%.1f%%", 100.0 * options.max_rejected_share);
  throw Error(ErrorCode::kLimit, "replace_program " + program + ": " +
                                     std::to_string(report.rejected.size()) + " of " +
                                     std::to_string(report.rows()) + " rows rejected (" + share +
                                     ", over the limit of " + limit +
                                     "); the list was not replaced (force to replace it anyway)");
}

}  // namespace

LoadReport Registry::replace_program(const std::string& program,
                                     const std::vector<RawRecord>& records, ProgramLevel level,
                                     const ReplaceOptions& options) {
  detail::program_check(program);
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  NormalizeOutput out = detail::normalize_raw_records(records, impl_->get()->as_of);
  check_replacement(program, out.report, options);
  return impl_->apply(program, level, std::move(out), true);
}

LoadReport Registry::replace_program_csv(const std::string& program, const std::string& path,
                                         ProgramLevel level, const ColumnMap& columns,
                                         const ReplaceOptions& options, const Progress& progress) {
  detail::program_check(program);
  NormalizeOutput out = detail::normalize_csv_file(path, columns, impl_->get()->as_of, progress);
  check_replacement(program, out.report, options);
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  return impl_->apply(program, level, std::move(out), true);
}

LoadReport Registry::replace_program_table(const std::string& program, const CsvTable& table,
                                           ProgramLevel level, const ColumnMap& columns,
                                           const ReplaceOptions& options,
                                           const Progress& progress) {
  detail::program_check(program);
  NormalizeOutput out =
      detail::normalize_csv_table(table, columns, impl_->get()->as_of, std::nullopt, progress);
  check_replacement(program, out.report, options);
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  return impl_->apply(program, level, std::move(out), true);
}

bool Registry::drop_program(const std::string& program) {
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  auto next = impl_->copy();
  const long at = next->find(program);
  if (at < 0) return false;
  next->programs.erase(next->programs.begin() + at);
  impl_->put(std::move(next));
  return true;
}

std::size_t Registry::remove_record(const std::string& program, std::string_view nik) {
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  auto next = impl_->copy();
  const std::uint64_t key = detail::require_valid_key(nik, next->as_of, false);
  const long at = next->find(program);
  if (at < 0) throw Error(ErrorCode::kNotFound, "programme '" + program + "' is not held");
  const ProgramList& old = *next->programs[static_cast<std::size_t>(at)];
  auto list = std::make_shared<ProgramList>(old);
  const std::size_t before = list->rows.size();
  list->rows.erase(std::remove_if(list->rows.begin(), list->rows.end(),
                                  [&](const Row& r) { return r.nik == key; }),
                   list->rows.end());
  const std::size_t removed = before - list->rows.size();
  if (removed == 0) return 0;
  next->programs[static_cast<std::size_t>(at)] = std::move(list);
  impl_->put(std::move(next));
  return removed;
}

std::size_t Registry::correct_record(const std::string& program, std::string_view nik,
                                     const RawRecord& record) {
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  auto next = impl_->copy();
  const std::uint64_t key = detail::require_valid_key(nik, next->as_of, false);
  const long at = next->find(program);
  if (at < 0) throw Error(ErrorCode::kNotFound, "programme '" + program + "' is not held");
  NormalizeOutput fixed = detail::normalize_raw_records({record}, next->as_of);
  if (fixed.rows.size() != 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "the corrected record is rejected: " + fixed.report.rejected.at(0).reason);
  }
  const ProgramList& old = *next->programs[static_cast<std::size_t>(at)];
  auto list = std::make_shared<ProgramList>(old);
  std::size_t changed = 0;
  bool kept = false;
  std::vector<Row> rows;
  rows.reserve(list->rows.size());
  for (const Row& r : list->rows) {
    if (r.nik != key) {
      rows.push_back(r);
      continue;
    }
    ++changed;
    if (!kept) {  // the corrected record takes the place of the first; others go
      Row nr = fixed.rows[0];
      nr.text += list->pool.size();
      nr.line = r.line;
      rows.push_back(nr);
      kept = true;
    }
  }
  if (changed == 0)
    throw Error(ErrorCode::kNotFound,
                "programme '" + program + "' does not list NIK " + mask_nik(nik));
  list->pool += fixed.pool;
  list->rows = std::move(rows);
  next->programs[static_cast<std::size_t>(at)] = std::move(list);
  impl_->put(std::move(next));
  return changed;
}

namespace {
// A comparable form of a row's content (everything but the line).
std::string row_signature(const ProgramList& list, const Row& r) {
  std::string s;
  for (int k = 0; k < 4; ++k) {
    s += list.field(r, k);
    s.push_back('\x1f');
  }
  s += std::to_string(r.kk) + '|' + std::to_string(r.birth) + '|' + r.sex + '|' +
       std::to_string(r.rt) + '|' + std::to_string(r.rw);
  return s;
}

ProgramDiff diff_lists(const ProgramList* old_list, const ProgramList& fresh) {
  using Sig = std::pair<std::uint64_t, std::string>;
  auto collect = [](const ProgramList* l) {
    std::vector<Sig> v;
    if (l == nullptr) return v;
    v.reserve(l->rows.size());
    for (const Row& r : l->rows) v.emplace_back(r.nik, row_signature(*l, r));
    std::sort(v.begin(), v.end());
    return v;
  };
  const std::vector<Sig> a = collect(old_list), b = collect(&fresh);
  ProgramDiff d;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].first < b[j].first)) {
      const std::uint64_t k = a[i].first;
      d.dropped.push_back(k);
      while (i < a.size() && a[i].first == k) ++i;
    } else if (i == a.size() || b[j].first < a[i].first) {
      const std::uint64_t k = b[j].first;
      d.added.push_back(k);
      while (j < b.size() && b[j].first == k) ++j;
    } else {
      const std::uint64_t k = a[i].first;
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && a[i2].first == k) ++i2;
      while (j2 < b.size() && b[j2].first == k) ++j2;
      bool same = i2 - i == j2 - j;
      for (std::size_t x = 0; same && x < i2 - i; ++x) same = a[i + x].second == b[j + x].second;
      if (!same) d.changed.push_back(k);
      i = i2;
      j = j2;
    }
  }
  return d;
}
}  // namespace

ProgramDiff Registry::diff(const std::string& program,
                           const std::vector<RawRecord>& candidate) const {
  auto s = impl_->get();
  NormalizeOutput out = detail::normalize_raw_records(candidate, s->as_of);
  ProgramList fresh;
  fresh.rows = std::move(out.rows);
  fresh.pool = std::move(out.pool);
  const long at = s->find(program);
  return diff_lists(at < 0 ? nullptr : s->programs[static_cast<std::size_t>(at)].get(), fresh);
}

ProgramDiff Registry::diff_csv(const std::string& program, const std::string& path,
                               const ColumnMap& columns) const {
  auto s = impl_->get();
  NormalizeOutput out = detail::normalize_csv_file(path, columns, s->as_of);
  ProgramList fresh;
  fresh.rows = std::move(out.rows);
  fresh.pool = std::move(out.pool);
  const long at = s->find(program);
  return diff_lists(at < 0 ? nullptr : s->programs[static_cast<std::size_t>(at)].get(), fresh);
}

std::vector<std::string> Registry::programs_of(std::string_view nik) const {
  auto s = impl_->get();
  const std::uint64_t key = detail::require_valid_key(nik, s->as_of, false);
  return s->names_of(s->nik_index().find(key));
}

std::vector<std::string> Registry::programs_of_kk(std::string_view kk) const {
  auto s = impl_->get();
  const std::uint64_t key = detail::require_valid_key(kk, s->as_of, true);
  return s->names_of(s->kk_index().find(key));
}

PublicCheck Registry::public_check(std::string_view nik) const {
  auto s = impl_->get();
  const std::uint64_t key = detail::require_valid_key(nik, s->as_of, false);
  PublicCheck out;
  out.nik = mask_nik(nik_digits(key));
  const KeyIndex& index = s->nik_index();
  const auto it = std::lower_bound(index.keys.begin(), index.keys.end(), key);
  if (it == index.keys.end() || *it != key) return out;
  const std::size_t pos = static_cast<std::size_t>(it - index.keys.begin());
  out.found = true;
  out.programs = s->names_of(index.masks[pos]);
  const std::vector<std::size_t> offs = s->offsets();
  const std::size_t global = s->nik_first[pos];
  const std::size_t p =
      static_cast<std::size_t>(std::upper_bound(offs.begin(), offs.end(), global) - offs.begin()) -
      1;
  const ProgramList& list = *s->programs[p];
  out.name = detail::mask_name(list.field(list.rows[global - offs[p]], 0));
  return out;
}

void Registry::set_exclusions(const ConflictTable& table) {
  std::lock_guard<std::mutex> lock(impl_->write_mutex);
  auto next = impl_->copy();
  next->exclusions = table;
  impl_->put(std::move(next));
}

ConflictTable Registry::exclusions() const { return impl_->get()->exclusions; }

ReportOutcome Registry::report(const RawRecord& record, Instant at, const std::string& program) {
  check_instant(at,
                "report time");  // before anything is queued: one bad time must not reach the store
  auto s = impl_->get();
  ReportOutcome out;
  const NikCheck check = check_nik(detail::trim_ascii(record.nik), s->as_of);
  if (check.reason != NikReason::kValid) {
    out.reason = "invalid_nik";
    out.detail = std::string("the NIK is not valid (") +
                 (record.nik.empty() ? "missing" : nik_reason_name(check.reason)) + ")";
    return out;
  }
  NormalizeOutput norm = detail::normalize_raw_records({record}, s->as_of);
  if (norm.rows.size() != 1) {
    out.reason = "invalid_record";
    out.detail = norm.report.rejected.at(0).reason;
    return out;
  }
  const Row& row = norm.rows[0];
  const std::uint64_t enrolled = s->nik_index().find(row.nik);
  if (enrolled != 0) {
    out.reason = "already_enrolled";
    out.programs = s->names_of(enrolled);
    out.detail = "already enrolled";
    return out;
  }
  if (row.kk != 0) {
    const std::vector<std::string> held = s->names_of(s->kk_index().find(row.kk));
    std::vector<std::string> blocking;
    if (!program.empty()) {
      blocking = s->exclusions.conflicting(held, program, ConflictScope::kKk);
    } else {
      for (const auto& h : held) {
        for (const auto& c : s->exclusions.conflicts()) {
          if (c.scope == ConflictScope::kKk && (c.a == h || c.b == h)) {
            blocking.push_back(h);
            break;
          }
        }
      }
    }
    if (!blocking.empty()) {
      out.reason = "household_covered";
      out.programs = blocking;
      out.detail = "the household already receives a programme that excludes further aid";
      return out;
    }
  }
  std::lock_guard<std::mutex> lock(impl_->reports_mutex);
  if (!impl_->reported.insert(row.nik).second) {
    out.reason = "duplicate_report";
    out.detail = "this NIK has already reported";
    return out;
  }
  ProgramList tmp;
  tmp.pool = std::move(norm.pool);
  tmp.name = program;
  QueuedReport q;
  q.record = detail::to_enrolment(tmp, row);
  q.at = at;
  q.program = program;
  impl_->reports.push_back(std::move(q));
  out.accepted = true;
  out.reason = "accepted";
  out.detail = "queued for verification";
  out.queue_position = impl_->reports.size();
  return out;
}

std::vector<QueuedReport> Registry::reports() const {
  std::lock_guard<std::mutex> lock(impl_->reports_mutex);
  return impl_->reports;
}

DedupReport Registry::dedup() const { return detail::dedup_snapshot(*impl_->get()); }

std::vector<ProgramInfo> Registry::programs() const {
  auto s = impl_->get();
  std::vector<ProgramInfo> out;
  for (const auto& p : s->programs)
    out.push_back({p->name, p->level, p->rows.size(), p->unkeyed.size()});
  return out;
}

std::vector<Enrolment> Registry::records(const std::string& program) const {
  auto s = impl_->get();
  const long at = s->find(program);
  if (at < 0) throw Error(ErrorCode::kNotFound, "programme '" + program + "' is not held");
  const ProgramList& list = *s->programs[static_cast<std::size_t>(at)];
  std::vector<Enrolment> out;
  out.reserve(list.rows.size());
  for (const Row& r : list.rows) out.push_back(detail::to_enrolment(list, r));
  return out;
}

std::vector<Enrolment> Registry::unkeyed(const std::string& program) const {
  auto s = impl_->get();
  const long at = s->find(program);
  if (at < 0) throw Error(ErrorCode::kNotFound, "programme '" + program + "' is not held");
  const ProgramList& list = *s->programs[static_cast<std::size_t>(at)];
  std::vector<Enrolment> out;
  for (const RawRecord& r : list.unkeyed) {
    Enrolment e;
    e.program = list.name;
    e.nik = r.nik;
    e.kk = r.kk;
    e.name = r.name;
    e.address = r.address;
    e.village = r.village;
    e.district = r.district;
    Date d;
    if (detail::parse_record_date(r.birth_date, s->as_of, d)) e.birth_date = d;
    e.sex = detail::parse_sex(r.sex);
    auto number = [](const std::string& t) {
      const std::string_view v = detail::trim_ascii(t);
      if (v.empty() || v.size() > 4) return -1;
      int n = 0;
      for (char c : v) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
      }
      return n;
    };
    e.rt = number(r.rt);
    e.rw = number(r.rw);
    e.line = r.line;
    out.push_back(std::move(e));
  }
  return out;
}

std::size_t Registry::size() const {
  auto s = impl_->get();
  std::size_t n = 0;
  for (const auto& p : s->programs) n += p->rows.size();
  return n;
}

Date Registry::as_of() const { return impl_->get()->as_of; }

// save and load report three stages each; a cancelled save has written nothing.
void Registry::save(const std::string& path, const SignatureOptions& options,
                    const Progress& progress) const {
  detail::ProgressMeter meter(progress, 3, "the save");
  meter.start();
  auto s = impl_->get();
  std::string bytes = detail::serialize(*s, reports());
  meter.set(1);
  if (options.key != nullptr) bytes = detail::sign_sealed(std::move(bytes), *options.key);
  meter.set(2);
  detail::write_store(path, bytes);
  meter.finish(false);  // the file is in place: too late to cancel
}

Registry Registry::load(const std::string& path, const SignatureOptions& options,
                        const Progress& progress) {
  detail::ProgressMeter meter(progress, 3, "the load");
  meter.start();
  const std::string bytes = detail::read_store(path);  // clears what a killed save left there
  meter.set(1);
  auto snap = std::make_shared<Snapshot>();
  std::vector<QueuedReport> reports;
  try {
    const std::string_view body = detail::open_sealed(bytes, "registry", options);
    meter.set(2);
    detail::deserialize(body, *snap, reports);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kCancelled) throw;
    throw Error(e.code(), path + ": " + e.what());
  }
  meter.finish();
  Registry reg(snap->as_of);
  reg.impl_->snap = std::move(snap);
  for (const auto& r : reports) {
    reg.impl_->reported.insert(detail::require_valid_key(r.record.nik, reg.as_of(), false));
  }
  reg.impl_->reports = std::move(reports);
  return reg;
}

}  // namespace smartkampung
