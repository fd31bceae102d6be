// Fuzzy dedup: the registry's records handed to the linkage engine, so that records
// with a mistyped or missing NIK are still matched to the person they belong to.
#include <algorithm>
#include <cstdio>
#include <smartkampung/linkage.hpp>
#include <smartkampung/registry.hpp>
#include <tuple>

#include "core/progress.hpp"

namespace smartkampung {

namespace {

LinkRecord to_link_record(const Enrolment& e) {
  LinkRecord r;
  r.nik = e.nik;
  r.kk = e.kk;
  r.name = e.name;
  if (e.birth_date) r.birth_date = e.birth_date->to_iso();
  if (e.sex) r.sex = std::string(1, e.sex);
  r.address = e.address;
  r.village = e.village;
  r.district = e.district;
  if (e.rt >= 0) r.rt = std::to_string(e.rt);
  if (e.rw >= 0) r.rw = std::to_string(e.rw);
  return r;
}

}  // namespace

DedupReport Registry::dedup(bool fuzzy, double threshold, const Progress& progress) const {
  // NaN fails both comparisons: refused like any value outside [0, 1] (issue 16).
  if (!(threshold >= 0 && threshold <= 1)) {
    throw Error(ErrorCode::kInvalidArgument,
                "threshold must be in [0, 1] (0: the settings' default)");
  }
  // Stages: the exact dedup, link()'s, the report.
  detail::ProgressMeter meter(progress, kLinkStages + 2, "dedup");
  meter.start();
  DedupReport report = dedup();
  if (!fuzzy) {
    meter.finish();
    return report;
  }
  report.fuzzy = true;
  meter.set(1);

  // The records go to the engine a programme at a time (link() prepares each chunk and
  // drops it), so that neither all enrolments nor all LinkRecords are held at once; what
  // the report needs of a record is kept beside (programme, line, NIK).
  struct Held {
    std::size_t program;
    std::size_t line;
    std::string nik;
  };
  std::vector<Held> held;
  const std::vector<ProgramInfo> infos = programs();
  std::size_t next_program = 0;
  const auto next = [&](std::vector<LinkRecord>& chunk) {
    if (next_program >= infos.size()) return false;
    const std::size_t k = next_program++;
    const std::string& name = infos[k].name;
    for (Enrolment& e : records(name)) {
      held.push_back({k, e.line, e.nik});
      chunk.push_back(to_link_record(e));
    }
    for (Enrolment& e : unkeyed(name)) {
      e.nik.clear();  // an invalid NIK is compared as missing, never as a key
      held.push_back({k, e.line, e.nik});
      chunk.push_back(to_link_record(e));
    }
    return true;
  };
  std::size_t expected = 0;
  for (const ProgramInfo& p : infos) expected += p.records + p.unkeyed;
  LinkSettings settings = LinkSettings::indonesian();
  if (threshold > 0) settings.threshold = threshold;
  const Progress link_progress = [&meter](std::size_t done, std::size_t) {
    if (done < kLinkStages) meter.set(done + 1);  // link's last stage is reported below
    return !meter.stopped();
  };
  const LinkResult linked =
      link(next, settings, expected, meter.active() ? link_progress : Progress());
  meter.set(kLinkStages + 1);

  for (const LinkPair& pair : linked.pairs) {
    const Held& a = held[pair.i];
    const Held& b = held[pair.j];
    if (!a.nik.empty() && a.nik == b.nik) continue;  // exact dedup already reports these
    if (linked.cluster_ids[pair.i] != linked.cluster_ids[pair.j]) continue;  // kept apart
    LikelyDuplicate d{infos[a.program].name, infos[b.program].name, a.line, b.line, a.nik, b.nik,
                      pair.probability};
    if (std::tie(d.program_b, d.line_b) < std::tie(d.program_a, d.line_a)) {
      std::swap(d.program_a, d.program_b);
      std::swap(d.line_a, d.line_b);
      std::swap(d.nik_a, d.nik_b);
    }
    report.likely_duplicates.push_back(std::move(d));
  }
  std::sort(report.likely_duplicates.begin(), report.likely_duplicates.end(),
            [](const LikelyDuplicate& x, const LikelyDuplicate& y) {
              return std::tie(x.program_a, x.line_a, x.program_b, x.line_b) <
                     std::tie(y.program_a, y.line_a, y.program_b, y.line_b);
            });
  meter.finish();
  return report;
}

}  // namespace smartkampung
