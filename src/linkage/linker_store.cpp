// Saving and loading an incremental linker ("SKAMPLNK").
#include <smartkampung/linkage.hpp>

#include "core/binary.hpp"
#include "core/store_file.hpp"
#include "linkage/linker_state.hpp"

namespace smartkampung {

using detail::FieldValue;
using detail::LinkerState;

// "SKAMPLNK" (core/binary.hpp): the settings given and the model's (trained m, u and
// prior), the used columns' names, then a record an index: alive, and for a live one its
// cluster id, the rules it is indexed under and its columns' text. Rows, key tables and
// term frequencies are derived again on loading, so the file does not depend on their
// layout.
namespace {
constexpr char kLinkerMagic[8] = {'S', 'K', 'A', 'M', 'P', 'L', 'N', 'K'};
constexpr std::uint32_t kLinkerFormat = 1;
}  // namespace

std::string Linker::to_bytes() const {
  const LinkerState& s = *state_;
  const detail::LinkModel& m = *s.model;
  detail::binary::Writer w(kLinkerMagic, kLinkerFormat);
  w.str(s.initial.to_json());
  w.str(m.settings.to_json());
  w.u8(s.trained ? 1 : 0);
  w.u64(m.used_columns.size());
  for (const std::string& c : m.used_columns) w.short_str(c);
  w.u64(s.size());
  LinkerState::Columns columns;
  for (std::size_t i = 0; i < s.size(); ++i) {
    w.u8(s.alive[i]);
    if (!s.alive[i]) continue;
    w.varint(static_cast<std::uint64_t>(s.cluster_of[i]));
    for (std::size_t b = 0; b < s.key_bytes; ++b) w.u8(s.indexed[i * s.key_bytes + b]);
    s.columns_of(i, columns);
    for (std::string_view v : columns.values) w.short_str(v);
  }
  return w.seal();
}

Linker Linker::from_bytes(std::string_view bytes) {
  detail::binary::Reader rd(bytes, kLinkerMagic, kLinkerFormat, "linker");
  const std::string initial_json = rd.str(), model_json = rd.str();
  const std::uint8_t trained = rd.u8();
  if (trained > 1) rd.fail("bad trained flag");
  std::unique_ptr<LinkerState> state;
  try {
    state = std::make_unique<LinkerState>(LinkSettings::from_json(initial_json));
    if (trained) state->adopt(LinkSettings::from_json(model_json));
  } catch (const Error& e) {
    rd.fail(std::string("bad settings: ") + e.what());
  }
  LinkerState& s = *state;
  if (!trained && s.trained) rd.fail("settings with m, u and prior marked untrained");
  detail::LinkModel& m = *s.model;
  const std::size_t C = rd.count(1);
  if (C != m.used_columns.size()) rd.fail("columns differ from the settings'");
  for (std::size_t c = 0; c < C; ++c) {
    if (rd.short_str() != m.used_columns[c]) rd.fail("columns differ from the settings'");
  }
  const std::size_t n = rd.count(1);
  if (n >= 0xFFFFFFF0ULL) rd.fail("too many records");
  if (n != 0 && !s.trained) rd.fail("records without a trained model");
  const std::size_t F = m.field_count(), R = m.rule_count(), K = s.key_bytes;
  // Records are read a batch at a time, prepared on settings.threads threads and stored in
  // index order (preparing is most of the work).
  constexpr std::size_t kBatch = 8192;
  std::vector<std::uint8_t> alive(kBatch), indexed(kBatch * K);
  std::vector<std::uint64_t> cluster(kBatch), keys(kBatch * R), household(kBatch);
  std::vector<std::string_view> values(kBatch * C);
  std::vector<FieldValue> prepared(kBatch * F);
  std::vector<detail::ValueArena> arenas(std::max(1U, m.settings.threads));  // one a thread
  for (std::size_t start = 0; start < n; start += kBatch) {
    for (detail::ValueArena& a : arenas) a.clear();
    const std::size_t count = std::min(kBatch, n - start);
    for (std::size_t b = 0; b < count; ++b) {
      const std::size_t i = start + b;
      alive[b] = rd.u8();
      if (alive[b] > 1) rd.fail("bad record flag at index " + std::to_string(i));
      if (!alive[b]) continue;
      cluster[b] = rd.varint();
      // A cluster's id is its smallest member.
      if (cluster[b] > i) rd.fail("bad cluster id at index " + std::to_string(i));
      for (std::size_t k = 0; k < K; ++k) indexed[b * K + k] = rd.u8();
      for (std::size_t c = 0; c < C; ++c) values[b * C + c] = rd.short_str();
    }
    detail::parallel_for(
        m.settings.threads, count, [&](std::size_t lo, std::size_t hi, unsigned t) {
          for (std::size_t b = lo; b < hi; ++b) {
            if (!alive[b]) continue;
            const detail::ColumnsView view{&m.used_columns, &values[b * C]};
            m.prepare(view, &prepared[b * F], R ? &keys[b * R] : nullptr, household[b], arenas[t]);
            for (std::size_t r = 0; r < R; ++r) {
              if (!((indexed[b * K + r / 8] >> (r % 8)) & 1U)) keys[b * R + r] = 0;
            }
          }
        });
    for (std::size_t b = 0; b < count; ++b) {
      if (!alive[b]) {
        s.store_removed();
        s.cluster_of.push_back(-1);
        continue;
      }
      const detail::ColumnsView view{&m.used_columns, &values[b * C]};
      s.store(view, &prepared[b * F], R ? &keys[b * R] : nullptr, household[b]);
      s.tf_update(&prepared[b * F], true);
      s.cluster_of.push_back(static_cast<std::int64_t>(cluster[b]));
    }
  }
  if (!rd.done()) rd.fail("trailing bytes");
  for (std::size_t i = 0; i < n; ++i) {
    if (!s.alive[i]) continue;
    const auto c = static_cast<std::size_t>(s.cluster_of[i]);
    if (!s.alive[c] || s.cluster_of[c] != static_cast<std::int64_t>(c)) {
      rd.fail("bad cluster id at index " + std::to_string(i));
    }
  }
  s.link_members();
  return Linker(std::move(state));
}

void Linker::save(const std::string& path) const { detail::write_store(path, to_bytes()); }

Linker Linker::load(const std::string& path) {
  const std::string bytes = detail::read_store(path);
  try {
    return from_bytes(bytes);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

}  // namespace smartkampung
