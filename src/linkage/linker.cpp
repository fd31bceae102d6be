// Incremental linking: an index of blocking keys over the linked records, so that a new
// record is scored only against the records sharing one of its keys.
#include <smartkampung/linkage.hpp>

#include "linkage/engine.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <unordered_map>

namespace smartkampung {
namespace detail {

struct LinkerState {
  LinkSettings initial;
  std::shared_ptr<LinkModel> model;
  bool trained = false;
  std::vector<std::unordered_map<std::uint64_t, std::vector<std::uint32_t>>> buckets;
  std::vector<std::int64_t> cluster_of;
  std::unordered_map<std::int64_t, std::vector<std::uint32_t>> members;
  std::vector<std::uint8_t> alive;
  mutable std::vector<std::uint32_t> stamp;
  mutable std::uint32_t stamp_value = 0;

  explicit LinkerState(LinkSettings s) : initial(std::move(s)) {
    model = std::make_shared<LinkModel>(initial);
    trained = initial.prior > 0 &&
              std::all_of(initial.fields.begin(), initial.fields.end(),
                          [](const LinkField& f) { return !f.m.empty() && !f.u.empty(); });
    buckets.resize(model->rule_count());
  }

  void require_trained() const {
    if (!trained) {
      throw Error(ErrorCode::kState, "Linker: call fit() first (or give m, u and prior in the settings)");
    }
  }

  // Calls fn(j) once for every alive record sharing a blocking key with `keys`.
  template <typename Fn>
  void for_each_candidate(const std::uint64_t* keys, Fn&& fn) const {
    const std::size_t R = model->rule_count();
    if (stamp.size() < model->size()) stamp.resize(model->size(), 0);
    if (++stamp_value == 0) {
      std::fill(stamp.begin(), stamp.end(), 0);
      stamp_value = 1;
    }
    for (std::size_t r = 0; r < R; ++r) {
      if (keys[r] == 0) continue;
      const auto it = buckets[r].find(keys[r]);
      if (it == buckets[r].end() || it->second.size() > model->settings.max_block_size) continue;
      for (std::uint32_t j : it->second) {
        if (!alive[j] || stamp[j] == stamp_value) continue;
        stamp[j] = stamp_value;
        fn(j);
      }
    }
  }

  bool can_merge(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) const {
    if (model->household_name_field < 0 || model->household_date_field < 0) return true;
    for (std::uint32_t x : a) {
      if (model->household[x] == 0) continue;
      for (std::uint32_t y : b) {
        if (model->household[y] != model->household[x]) continue;
        if (model->household_apart(model->household[x], model->household[y], model->pattern(x, y))) {
          return false;
        }
      }
    }
    return true;
  }

  // Joins the clusters with ids ca and cb; the smaller id survives.
  void join(std::int64_t ca, std::int64_t cb) {
    if (ca == cb) return;
    if (cb < ca) std::swap(ca, cb);
    std::vector<std::uint32_t> moved = std::move(members[cb]);
    members.erase(cb);
    for (std::uint32_t x : moved) cluster_of[x] = ca;
    auto& keep = members[ca];
    keep.insert(keep.end(), moved.begin(), moved.end());
  }

  bool share_key(std::uint32_t a, std::uint32_t b) const {
    const std::size_t R = model->rule_count();
    for (std::size_t r = 0; r < R; ++r) {
      const std::uint64_t k = model->keys[a * R + r];
      if (k == 0 || k != model->keys[b * R + r]) continue;
      const auto it = buckets[r].find(k);
      if (it != buckets[r].end() && it->second.size() <= model->settings.max_block_size) return true;
    }
    return false;
  }

  void tf_update(std::size_t index, bool add) {
    const std::size_t F = model->field_count();
    for (std::size_t f = 0; f < F; ++f) {
      if (!model->fields[f].spec.term_frequency) continue;
      const FieldValue& v = model->values[index * F + f];
      if (v.null) continue;
      auto& count = model->tf_counts[f][v.h];
      if (add) {
        ++count;
        model->tf_totals[f] += 1;
      } else if (count > 0) {
        --count;
        model->tf_totals[f] -= 1;
      }
    }
  }
};

}  // namespace detail

using detail::FieldValue;
using detail::LinkerState;

Linker::Linker(LinkSettings settings) : state_(std::make_unique<LinkerState>(std::move(settings))) {}
Linker::~Linker() = default;
Linker::Linker(Linker&&) noexcept = default;
Linker& Linker::operator=(Linker&&) noexcept = default;

void Linker::fit(const std::vector<LinkRecord>& records) {
  auto next = std::make_unique<LinkerState>(state_->initial);
  auto model = detail::prepare_records(next->initial, records, nullptr);
  const LinkResult result = detail::link_prepared(model, records.size());
  next->model = model;
  next->trained = true;
  const std::size_t n = records.size(), R = model->rule_count();
  next->buckets.assign(R, {});
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = model->keys[i * R + r];
      if (k != 0) next->buckets[r][k].push_back(static_cast<std::uint32_t>(i));
    }
  }
  next->cluster_of = result.cluster_ids;
  for (std::size_t i = 0; i < n; ++i) {
    next->members[result.cluster_ids[i]].push_back(static_cast<std::uint32_t>(i));
  }
  next->alive.assign(n, 1);
  state_ = std::move(next);
}

Linker::Added Linker::add(const LinkRecord& record) {
  LinkerState& s = *state_;
  s.require_trained();
  detail::LinkModel& m = *s.model;
  const std::size_t F = m.field_count(), R = m.rule_count();
  if (m.size() >= 0xFFFFFFF0ULL) throw Error(ErrorCode::kLimit, "Linker: at most 4 billion records");
  std::vector<FieldValue> values(F);
  std::vector<std::uint64_t> keys(R);
  std::uint64_t household = 0;
  m.prepare(record, values.data(), keys.data(), household);

  std::vector<Match> matches;
  const double floor = detail::weight_floor_for(m.settings.threshold);
  s.for_each_candidate(keys.data(), [&](std::uint32_t j) {
    const FieldValue* other = &m.values[j * F];
    std::uint64_t p = 0;
    // Pairs that cannot reach the threshold are dropped before their costly fields.
    if (!m.pattern_reaching(other, values.data(), floor, p)) return;
    const double prob = detail::probability_of(m.weight(p, other));
    if (prob >= m.settings.threshold && !m.household_apart(m.household[j], household, p)) {
      matches.push_back({j, prob});
    }
  });
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    return std::tie(b.probability, a.index) < std::tie(a.probability, b.index);
  });

  const auto index = static_cast<std::uint32_t>(m.size());
  m.values.insert(m.values.end(), std::make_move_iterator(values.begin()),
                  std::make_move_iterator(values.end()));
  m.keys.insert(m.keys.end(), keys.begin(), keys.end());
  m.household.push_back(household);
  m.source.push_back(0);
  s.alive.push_back(1);
  s.cluster_of.push_back(index);
  s.members[index] = {index};
  for (std::size_t r = 0; r < R; ++r) {
    if (keys[r] != 0) s.buckets[r][keys[r]].push_back(index);
  }
  s.tf_update(index, true);
  for (const Match& match : matches) {
    const std::int64_t mine = s.cluster_of[index], theirs = s.cluster_of[match.index];
    if (mine == theirs) continue;
    if (s.can_merge(s.members[mine], s.members[theirs])) s.join(mine, theirs);
  }
  Added out;
  out.index = index;
  out.cluster_id = s.cluster_of[index];
  out.matches = std::move(matches);
  return out;
}

void Linker::remove(std::size_t index) {
  LinkerState& s = *state_;
  if (index >= s.alive.size() || !s.alive[index]) {
    throw Error(ErrorCode::kNotFound, "Linker.remove: no record at index " + std::to_string(index));
  }
  detail::LinkModel& m = *s.model;
  const std::size_t R = m.rule_count(), F = m.field_count();
  const auto idx = static_cast<std::uint32_t>(index);
  // Re-form the cluster from the blocked pairs left, scored as in a batch run.
  const std::int64_t cid = s.cluster_of[index];
  std::vector<std::uint32_t> rest;
  for (std::uint32_t x : s.members[cid]) {
    if (x != idx) rest.push_back(x);
  }
  struct Edge {
    std::uint32_t a, b;
    double weight;
  };
  std::vector<Edge> edges;
  for (std::size_t x = 0; x < rest.size(); ++x) {
    for (std::size_t y = x + 1; y < rest.size(); ++y) {
      const std::uint32_t a = std::min(rest[x], rest[y]), b = std::max(rest[x], rest[y]);
      if (!s.share_key(a, b)) continue;
      const std::uint64_t p = m.pattern(a, b);
      const double w = m.weight(p, &m.values[a * F]);
      if (detail::probability_of(w) >= m.settings.threshold &&
          !m.household_apart(m.household[a], m.household[b], p)) {
        edges.push_back({a, b, w});
      }
    }
  }
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return std::tie(b.weight, a.a, a.b) < std::tie(a.weight, b.a, b.b);
  });
  s.alive[index] = 0;
  s.tf_update(index, false);
  for (std::size_t r = 0; r < R; ++r) {
    const std::uint64_t k = m.keys[index * R + r];
    if (k == 0) continue;
    auto it = s.buckets[r].find(k);
    if (it == s.buckets[r].end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), idx), v.end());
    if (v.empty()) s.buckets[r].erase(it);
  }
  s.members.erase(cid);
  s.cluster_of[index] = -1;
  for (std::uint32_t x : rest) {
    s.cluster_of[x] = x;
    s.members[x] = {x};
  }
  for (const Edge& e : edges) {
    const std::int64_t ca = s.cluster_of[e.a], cb = s.cluster_of[e.b];
    if (ca != cb && s.can_merge(s.members[ca], s.members[cb])) s.join(ca, cb);
  }
}

std::vector<Linker::Match> Linker::candidates(const LinkRecord& record, std::size_t k) const {
  const LinkerState& s = *state_;
  s.require_trained();
  const detail::LinkModel& m = *s.model;
  const std::size_t F = m.field_count(), R = m.rule_count();
  std::vector<FieldValue> values(F);
  std::vector<std::uint64_t> keys(R);
  std::uint64_t household = 0;
  m.prepare(record, values.data(), keys.data(), household);
  // The k best so far in a heap whose top ranks last; a record whose weight bound falls
  // below the k-th best probability cannot enter and is dropped before its costly fields.
  auto before = [](const Match& a, const Match& b) {
    return std::tie(b.probability, a.index) < std::tie(a.probability, b.index);
  };
  std::vector<Match> out;
  if (k == 0) return out;
  double floor = -HUGE_VAL;
  s.for_each_candidate(keys.data(), [&](std::uint32_t j) {
    const FieldValue* other = &m.values[j * F];
    std::uint64_t p = 0;
    if (!m.pattern_reaching(other, values.data(), floor, p)) return;
    double prob = detail::probability_of(m.weight(p, other));
    if (m.household_apart(m.household[j], household, p)) prob = 0.0;
    const Match match{j, prob};
    if (out.size() < k) {
      out.push_back(match);
      std::push_heap(out.begin(), out.end(), before);
    } else if (before(match, out.front())) {
      std::pop_heap(out.begin(), out.end(), before);
      out.back() = match;
      std::push_heap(out.begin(), out.end(), before);
    } else {
      return;
    }
    if (out.size() == k) floor = detail::weight_floor_for(out.front().probability);
  });
  std::sort(out.begin(), out.end(), before);
  return out;
}

std::vector<std::int64_t> Linker::cluster_ids() const { return state_->cluster_of; }

Explanation Linker::explain(std::size_t i, std::size_t j) const {
  state_->require_trained();
  return state_->model->explain(i, j);
}

std::size_t Linker::size() const noexcept { return state_->alive.size(); }

const LinkSettings& Linker::settings() const noexcept { return state_->model->settings; }

}  // namespace smartkampung
