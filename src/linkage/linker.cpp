// Incremental linking. Records are kept compactly: their columns in one arena (prepared
// again when a comparison needs them), short summary rows of the fields compared first,
// an index of blocking keys, and clusters as circular member lists. A new record is
// scored only against the records sharing one of its keys, and most of those are
// rejected from their summary rows alone: a proven upper bound on the match weight that
// cannot reach the threshold (add) or the k-th best (candidates).
#include <algorithm>
#include <smartkampung/linkage.hpp>
#include <utility>

#include "linkage/linker_state.hpp"

namespace smartkampung {

using detail::FieldValue;
using detail::LinkerState;

Linker::Linker(LinkSettings settings)
    : state_(std::make_unique<LinkerState>(std::move(settings))) {}
Linker::Linker(std::unique_ptr<LinkerState> state) : state_(std::move(state)) {}
Linker::~Linker() = default;
Linker::Linker(Linker&&) noexcept = default;
Linker& Linker::operator=(Linker&&) noexcept = default;

void Linker::fit(const std::vector<LinkRecord>& records, const Progress& progress) {
  detail::ProgressMeter meter(progress, kLinkStages, "Linker.fit");
  meter.start();
  auto next = std::make_unique<LinkerState>(state_->initial);
  auto model = detail::prepare_records(next->initial, records, nullptr);
  meter.set(1);
  const LinkResult result = detail::link_prepared(model, records.size(), &meter);
  const std::size_t n = records.size(), F = model->field_count(), R = model->rule_count();
  // The prepared values move into the compact store; the model keeps weights, term
  // frequencies and households.
  std::vector<detail::FieldValue> values = std::move(model->values);
  std::vector<std::uint64_t> keys = std::move(model->keys);
  std::vector<std::uint64_t> household = std::move(model->household);
  model->values = {};
  model->keys = {};
  model->source = {};
  next->model = model;
  next->trained = true;
  next->init_rows();
  next->on_trained();
  for (std::size_t i = 0; i < n; ++i) {
    next->store(records[i], &values[i * F], R ? &keys[i * R] : nullptr, household[i]);
    for (std::size_t f = 0; f < F; ++f) values[i * F + f] = detail::FieldValue{};
  }
  std::vector<detail::FieldValue>().swap(values);
  model->arenas.clear();  // the values' texts, no longer pointed to
  for (std::int64_t c : result.cluster_ids) next->cluster_of.push_back(c);
  next->link_members();
  meter.finish();  // the last chance to cancel: nothing has changed yet
  state_ = std::move(next);
}

Linker::Added Linker::add(const LinkRecord& record) {
  LinkerState& s = *state_;
  s.require_trained();
  detail::LinkModel& m = *s.model;
  if (s.size() >= 0xFFFFFFF0ULL)
    throw Error(ErrorCode::kLimit, "Linker: at most 4 billion records");
  detail::Probe probe;
  s.prepare(record, probe);
  auto& scratch = detail::lookup_scratch();

  std::vector<Match> matches;
  const double floor = detail::weight_floor_for(m.settings.threshold);
  int levels[detail::kMaxFields];
  // Pairs that cannot reach the threshold are dropped from their rows alone: first from
  // the cheap row, then (rest rows loaded together) field by field.
  auto& ranked = scratch.ranked;
  ranked.clear();
  s.for_each_candidate(probe.keys.data(), scratch, [&](std::uint32_t j) {
    const double first = s.first_bound(j, probe);
    if (first >= floor - 1e-6) ranked.push_back({first, j});
  });
  s.load_rest_rows(ranked.data(), ranked.data() + ranked.size(), floor, scratch);
  for (const detail::Ranked& r : ranked) {
    const std::uint32_t j = r.record;
    double b = 0;
    if (!s.refine(j, probe, r.bound, floor, levels, b)) continue;
    std::uint64_t p = 0;
    double w = 0;
    if (!s.finish(j, probe, levels, b, floor, scratch, p, w)) continue;
    const double prob = detail::probability_of(w);
    if (prob >= m.settings.threshold && !m.household_apart(s.household[j], probe.household, p)) {
      matches.push_back({j, prob});
    }
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    return std::tie(b.probability, a.index) < std::tie(a.probability, b.index);
  });

  const auto index = static_cast<std::uint32_t>(s.size());
  s.store(record, probe.values.data(), probe.keys.data(), probe.household);
  s.cluster_of.push_back(index);
  s.next_member.push_back(index);
  s.tf_update(probe.values.data(), true);
  for (const Match& match : matches) {
    const std::int64_t mine = s.cluster_of[index], theirs = s.cluster_of[match.index];
    if (mine == theirs) continue;
    if (s.can_merge(mine, theirs)) s.join(mine, theirs);
  }
  Added out;
  out.index = index;
  out.cluster_id = s.cluster_of[index];
  out.matches = std::move(matches);
  return out;
}

void Linker::remove(std::size_t index) {
  LinkerState& s = *state_;
  if (index >= s.size() || !s.alive[index]) {
    throw Error(ErrorCode::kNotFound, "Linker.remove: no record at index " + std::to_string(index));
  }
  detail::LinkModel& m = *s.model;
  const std::size_t R = m.rule_count(), F = m.field_count();
  const auto idx = static_cast<std::uint32_t>(index);
  // Re-form the cluster from the blocked pairs left, scored as in a batch run.
  const std::int64_t cid = s.cluster_of[index];
  std::vector<std::uint32_t> rest;
  s.for_each_member(cid, [&](std::uint32_t x) {
    if (x != idx) rest.push_back(x);
  });
  std::sort(rest.begin(), rest.end());
  // The members prepared again (values and the keys they are indexed under).
  std::vector<FieldValue> values(rest.size() * F);
  detail::ValueArena arena;
  std::vector<std::uint64_t> keys(rest.size() * R);
  for (std::size_t x = 0; x < rest.size(); ++x)
    s.materialize(rest[x], &values[x * F], R ? &keys[x * R] : nullptr, arena);
  auto share_key = [&](std::size_t x, std::size_t y) {
    for (std::size_t r = 0; r < R; ++r) {
      const std::uint64_t k = keys[x * R + r];
      if (k == 0 || k != keys[y * R + r]) continue;
      const auto members = s.index[r].find(k);
      if (members.size != 0 && members.size <= m.settings.max_block_size) return true;
    }
    return false;
  };
  struct Edge {
    std::uint32_t a, b;
    double weight;
  };
  std::vector<Edge> edges;
  for (std::size_t x = 0; x < rest.size(); ++x) {
    for (std::size_t y = x + 1; y < rest.size(); ++y) {
      // rest is sorted: rest[x] < rest[y]
      if (!share_key(x, y)) continue;
      const std::uint64_t p = m.pattern(&values[x * F], &values[y * F]);
      const double w = m.weight(p, &values[x * F]);
      if (detail::probability_of(w) >= m.settings.threshold &&
          !m.household_apart(s.household[rest[x]], s.household[rest[y]], p)) {
        edges.push_back({rest[x], rest[y], w});
      }
    }
  }
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return std::tie(b.weight, a.a, a.b) < std::tie(a.weight, b.a, b.b);
  });
  {
    std::vector<FieldValue> own(F);
    std::vector<std::uint64_t> own_keys(R);
    s.materialize(index, own.data(), own_keys.data(), arena);
    s.alive[index] = 0;
    s.tf_update(own.data(), false);
    for (std::size_t r = 0; r < R; ++r) {
      if (own_keys[r] != 0) s.index[r].erase(own_keys[r], idx);
    }
  }
  s.cluster_of[index] = -1;
  s.next_member[index] = idx;
  for (std::uint32_t x : rest) {
    s.cluster_of[x] = x;
    s.next_member[x] = x;
  }
  for (const Edge& e : edges) {
    const std::int64_t ca = s.cluster_of[e.a], cb = s.cluster_of[e.b];
    if (ca != cb && s.can_merge(ca, cb)) s.join(ca, cb);
  }
}

std::vector<Linker::Match> Linker::candidates(const LinkRecord& record, std::size_t k) const {
  const LinkerState& s = *state_;
  s.require_trained();
  const detail::LinkModel& m = *s.model;
  std::vector<Match> out;
  if (k == 0) return out;
  detail::Probe probe;
  s.prepare(record, probe);
  auto& scratch = detail::lookup_scratch();
  // Every candidate's first bound (the first cache line of its row); then candidates are
  // taken best first bound first, in rounds (the best few, then four times as many...,
  // each round selected and sorted), tightened with the rest of their rows and scored
  // in full, the k best so far in a heap whose top ranks last. A candidate whose bound
  // cannot reach the k-th best is dropped, and a round drops all whose first bound
  // cannot. The answer is the k best of scoring every candidate.
  auto& ranked = scratch.ranked;
  ranked.clear();
  s.for_each_candidate(probe.keys.data(), scratch,
                       [&](std::uint32_t j) { ranked.push_back({s.first_bound(j, probe), j}); });
  auto higher = [](const detail::Ranked& a, const detail::Ranked& b) { return a.bound > b.bound; };
  auto before = [](const Match& a, const Match& b) {
    return std::tie(b.probability, a.index) < std::tie(a.probability, b.index);
  };
  double floor = -HUGE_VAL;
  int levels[detail::kMaxFields];
  std::size_t begin = 0, take = std::max<std::size_t>(2 * k, 8);
  bool done = false;
  while (begin < ranked.size()) {
    if (floor > -HUGE_VAL) {
      const auto end =
          std::partition(ranked.begin() + static_cast<std::ptrdiff_t>(begin), ranked.end(),
                         [&](const detail::Ranked& r) { return r.bound >= floor - 1e-6; });
      ranked.erase(end, ranked.end());
      if (begin == ranked.size()) break;
    }
    const std::size_t stop = std::min(ranked.size(), begin + take);
    const auto first = ranked.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = ranked.begin() + static_cast<std::ptrdiff_t>(stop);
    if (stop < ranked.size()) std::nth_element(first, last - 1, ranked.end(), higher);
    std::sort(first, last, higher);
    s.load_rest_rows(&*first, &*first + (stop - begin), floor, scratch);
    for (std::size_t x = begin; x < stop; ++x) {
      // Later candidates (this round's and those left) have no higher first bound.
      if (ranked[x].bound < floor - 1e-6) {
        done = true;
        break;
      }
      const std::uint32_t j = ranked[x].record;
      double bound = 0;
      if (!s.refine(j, probe, ranked[x].bound, floor, levels, bound)) continue;
      std::uint64_t p = 0;
      double w = 0;
      if (!s.finish(j, probe, levels, bound, floor, scratch, p, w)) continue;
      double prob = detail::probability_of(w);
      if (m.household_apart(s.household[j], probe.household, p)) prob = 0.0;
      const Match match{j, prob};
      if (out.size() < k) {
        out.push_back(match);
        std::push_heap(out.begin(), out.end(), before);
      } else if (before(match, out.front())) {
        std::pop_heap(out.begin(), out.end(), before);
        out.back() = match;
        std::push_heap(out.begin(), out.end(), before);
      } else {
        continue;
      }
      if (out.size() == k) floor = detail::weight_floor_for(out.front().probability);
    }
    if (done) break;
    begin = stop;
    take *= 4;
  }
  std::sort(out.begin(), out.end(), before);
  return out;
}

std::vector<std::int64_t> Linker::cluster_ids() const { return state_->cluster_of.to_vector(); }

Explanation Linker::explain(std::size_t i, std::size_t j) const {
  const LinkerState& s = *state_;
  s.require_trained();
  if (i >= s.size() || j >= s.size()) {
    throw Error(ErrorCode::kNotFound, "explain: record index out of range (have " +
                                          std::to_string(s.size()) + " records)");
  }
  if (i > j) std::swap(i, j);
  const std::size_t F = s.model->field_count(), R = s.model->rule_count();
  std::vector<FieldValue> a(F), b(F);
  detail::ValueArena arena;
  std::vector<std::uint64_t> keys(R);
  s.materialize(i, a.data(), keys.data(), arena);
  s.materialize(j, b.data(), keys.data(), arena);
  return s.model->explain_values(a.data(), b.data(), s.household[i], s.household[j]);
}

std::size_t Linker::size() const noexcept { return state_->alive.size(); }

const LinkSettings& Linker::settings() const noexcept { return state_->model->settings; }

}  // namespace smartkampung
