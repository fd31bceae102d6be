// Linkage in parts: the steps of link() that a distributed engine runs on pieces of one
// list (blocking keys, term-frequency counts, scoring one rule's blocks, clustering whole
// connected components), each equal to what link() does on the whole list.
#include <algorithm>
#include <atomic>
#include <memory>
#include <numeric>
#include <smartkampung/linkage.hpp>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "linkage/engine.hpp"

namespace smartkampung {

using detail::LinkModel;

struct LinkParts::State {
  LinkSettings settings;
  std::vector<std::string> columns;
  std::size_t rules = 0;
  TermCounts whole;
  std::vector<std::unordered_map<std::uint64_t, std::uint32_t>> tf;  // per field: hash -> count
  std::vector<double> tf_totals;
};

namespace {

constexpr std::uint64_t kMaxRow = 0xFFFFFFF0ULL;

// A model of the given settings with the final weights link() scores with, and `records`
// prepared in the order given by `order` (all of them when empty).
std::unique_ptr<LinkModel> prepared_model(const LinkSettings& settings,
                                          const std::vector<LinkRecord>& records,
                                          const std::vector<std::uint32_t>* order) {
  auto m = std::make_unique<LinkModel>(settings);
  // What link_prepared() does with a fixed model: no training, the given m, u and prior.
  LinkModel::PatternCounts none;
  none.sessions.resize(m->rule_count());
  m->estimate_m(none, 1.0);
  const std::size_t n = records.size(), F = m->field_count(), R = m->rule_count();
  const unsigned threads = std::max(1U, settings.threads);
  m->values.resize(n * F);
  m->keys.resize(n * R);
  m->household.resize(n);
  m->source.assign(n, 0);
  m->arenas.resize(threads);
  detail::parallel_for(threads, n, [&](std::size_t lo, std::size_t hi, unsigned t) {
    for (std::size_t k = lo; k < hi; ++k) {
      const LinkRecord& r = records[order ? (*order)[k] : k];
      m->prepare(r, &m->values[k * F], R ? &m->keys[k * R] : nullptr, m->household[k],
                 m->arenas[t]);
    }
  });
  return m;
}

void check_rows(const std::vector<std::uint64_t>& rows, std::size_t n, const char* what) {
  if (rows.size() != n) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": " +
                                                 std::to_string(rows.size()) + " rows for " +
                                                 std::to_string(n) + " records");
  }
  for (std::uint64_t r : rows) {
    if (r > kMaxRow)
      throw Error(ErrorCode::kLimit, std::string(what) + ": rows must be below 4 billion");
  }
}

}  // namespace

LinkParts::LinkParts(const LinkSettings& settings) : state_(std::make_unique<State>()) {
  settings.validate();
  const bool fixed = std::all_of(settings.fields.begin(), settings.fields.end(),
                                 [](const LinkField& f) { return !f.m.empty() && !f.u.empty(); }) &&
                     settings.prior > 0;
  if (!fixed) {
    throw Error(
        ErrorCode::kInvalidArgument,
        "link in parts: the settings need m and u for every field and a prior (train first, e.g. "
        "link() on a sample, and pass its trained settings)");
  }
  const LinkModel m(settings);
  state_->settings = settings;
  state_->columns = m.used_columns;
  state_->rules = m.rule_count();
  state_->whole.assign(m.field_count(), {});
  state_->tf.assign(m.field_count(), {});
  state_->tf_totals.assign(m.field_count(), 0.0);
}

LinkParts::~LinkParts() = default;
LinkParts::LinkParts(LinkParts&&) noexcept = default;
LinkParts& LinkParts::operator=(LinkParts&&) noexcept = default;

const LinkSettings& LinkParts::settings() const noexcept { return state_->settings; }
const std::vector<std::string>& LinkParts::columns() const noexcept { return state_->columns; }
std::size_t LinkParts::rule_count() const noexcept { return state_->rules; }
const LinkParts::TermCounts& LinkParts::whole_term_counts() const noexcept { return state_->whole; }

std::vector<std::uint64_t> LinkParts::keys(const std::vector<LinkRecord>& records) const {
  return prepared_model(state_->settings, records, nullptr)->keys;
}

LinkParts::TermCounts LinkParts::term_counts(const std::vector<LinkRecord>& records) const {
  const auto m = prepared_model(state_->settings, records, nullptr);
  const std::size_t F = m->field_count();
  TermCounts out(F);
  for (std::size_t f = 0; f < F; ++f) {
    if (!m->fields[f].spec.term_frequency) continue;
    std::unordered_map<std::uint64_t, std::uint64_t> counts;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const detail::FieldValue& v = m->values[i * F + f];
      if (!v.null) ++counts[v.h];
    }
    out[f].assign(counts.begin(), counts.end());
    std::sort(out[f].begin(), out[f].end());
  }
  return out;
}

void LinkParts::set_term_counts(const TermCounts& counts) {
  const std::size_t F = state_->tf.size();
  if (counts.size() != F) {
    throw Error(ErrorCode::kInvalidArgument, "set_term_counts: " + std::to_string(counts.size()) +
                                                 " fields given, the settings have " +
                                                 std::to_string(F));
  }
  std::vector<std::unordered_map<std::uint64_t, std::uint32_t>> tf(F);
  std::vector<double> totals(F, 0.0);
  for (std::size_t f = 0; f < F; ++f) {
    if (!counts[f].empty() && !state_->settings.fields[f].term_frequency) {
      throw Error(
          ErrorCode::kInvalidArgument,
          "set_term_counts: field '" + state_->settings.fields[f].name + "' has no term_frequency");
    }
    tf[f].reserve(counts[f].size());
    for (const auto& [hash, count] : counts[f]) {
      tf[f][hash] = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, 0xFFFFFFFFULL));
      totals[f] += static_cast<double>(count);
    }
  }
  state_->whole = counts;
  state_->tf = std::move(tf);
  state_->tf_totals = std::move(totals);
}

namespace {

// The whole list's term frequencies of the values the model's records hold (a term's
// adjustment reads only the count of the record's own value and the total).
void set_frequencies(LinkModel& m,
                     const std::vector<std::unordered_map<std::uint64_t, std::uint32_t>>& tf,
                     const std::vector<double>& totals) {
  const std::size_t F = m.field_count(), n = m.size();
  for (std::size_t f = 0; f < F; ++f) {
    m.tf_counts[f].clear();
    m.tf_totals[f] = totals[f];
    if (!m.fields[f].spec.term_frequency) continue;
    for (std::size_t i = 0; i < n; ++i) {
      const detail::FieldValue& v = m.values[i * F + f];
      if (v.null) continue;
      const auto it = tf[f].find(v.h);
      if (it != tf[f].end()) m.tf_counts[f].emplace(v.h, it->second);
    }
  }
}

}  // namespace

LinkParts::Scored LinkParts::score_blocks(const std::vector<LinkRecord>& records,
                                          const std::vector<std::uint64_t>& rows,
                                          const std::vector<std::uint64_t>& keys,
                                          std::size_t rule) const {
  const std::size_t n = records.size(), R = state_->rules;
  check_rows(rows, n, "score_blocks");
  if (rule >= R)
    throw Error(ErrorCode::kInvalidArgument,
                "score_blocks: no blocking rule " + std::to_string(rule));
  if (keys.size() != n * R) {
    throw Error(ErrorCode::kInvalidArgument,
                "score_blocks: keys must hold " + std::to_string(R) + " per record");
  }
  const auto m = prepared_model(state_->settings, records, nullptr);
  set_frequencies(*m, state_->tf, state_->tf_totals);
  const std::size_t F = m->field_count();
  // Records by (key, row): a block's records in the order of their rows.
  std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>> keyed;
  for (std::size_t i = 0; i < n; ++i) {
    if (const std::uint64_t k = keys[i * R + rule])
      keyed.emplace_back(k, rows[i], static_cast<std::uint32_t>(i));
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::pair<std::size_t, std::size_t>> blocks;
  for (std::size_t i = 0; i < keyed.size();) {
    std::size_t j = i + 1;
    while (j < keyed.size() && std::get<0>(keyed[j]) == std::get<0>(keyed[i])) {
      if (std::get<1>(keyed[j]) == std::get<1>(keyed[j - 1])) {
        throw Error(
            ErrorCode::kInvalidArgument,
            "score_blocks: row " + std::to_string(std::get<1>(keyed[j])) + " is given twice");
      }
      ++j;
    }
    if (j - i > state_->settings.max_block_size) {
      throw Error(ErrorCode::kInvalidArgument,
                  "score_blocks: a block of " + std::to_string(j - i) +
                      " records is over max_block_size (clear its keys first)");
    }
    if (j - i >= 2) blocks.emplace_back(i, j);
    i = j;
  }
  const unsigned threads = std::max(1U, state_->settings.threads);
  const double threshold = state_->settings.threshold;
  std::vector<std::vector<LinkPair>> kept(threads);
  std::vector<std::size_t> compared(threads, 0);
  std::atomic<std::size_t> next{0};
  detail::run_threads(blocks.size() < 64 ? 1U : threads, [&](unsigned t) {
    for (;;) {
      const std::size_t b = next.fetch_add(1);
      if (b >= blocks.size()) break;
      for (std::size_t x = blocks[b].first; x < blocks[b].second; ++x) {
        for (std::size_t y = x + 1; y < blocks[b].second; ++y) {
          const std::uint32_t a = std::get<2>(keyed[x]),
                              c = std::get<2>(keyed[y]);  // rows[a] < rows[c]
          bool seen = false;
          for (std::size_t r = 0; r < rule && !seen; ++r) {
            const std::uint64_t ka = keys[a * R + r];
            seen = ka != 0 && ka == keys[c * R + r];
          }
          if (seen) continue;
          ++compared[t];
          const std::uint64_t pat = m->pattern(&m->values[a * F], &m->values[c * F]);
          const double w = m->weight(pat, &m->values[a * F]);
          const double p = detail::probability_of(w);
          if (p < threshold) continue;
          if (m->household_apart(m->household[a], m->household[c], pat)) continue;
          kept[t].push_back(
              {static_cast<std::uint32_t>(rows[a]), static_cast<std::uint32_t>(rows[c]), w, p});
        }
      }
    }
  });
  Scored out;
  for (std::size_t t = 0; t < threads; ++t) {
    out.pairs.insert(out.pairs.end(), kept[t].begin(), kept[t].end());
    out.compared += compared[t];
  }
  std::sort(out.pairs.begin(), out.pairs.end(), [](const LinkPair& x, const LinkPair& y) {
    return std::tie(x.i, x.j) < std::tie(y.i, y.j);
  });
  return out;
}

LinkParts::Clustered LinkParts::cluster(const std::vector<LinkRecord>& records,
                                        const std::vector<std::uint64_t>& rows,
                                        const std::vector<LinkPair>& pairs) const {
  const std::size_t n = records.size();
  check_rows(rows, n, "cluster");
  // Records in the order of their rows: local indices rank as the rows do, so that the
  // clustering (strongest pairs first, ties by index) runs as link()'s on the whole list.
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return rows[a] < rows[b]; });
  std::vector<std::uint64_t> sorted(n);
  for (std::size_t k = 0; k < n; ++k) sorted[k] = rows[order[k]];
  for (std::size_t k = 1; k < n; ++k) {
    if (sorted[k] == sorted[k - 1]) {
      throw Error(ErrorCode::kInvalidArgument,
                  "cluster: row " + std::to_string(sorted[k]) + " is given twice");
    }
  }
  auto local = [&](std::uint32_t row) {
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), static_cast<std::uint64_t>(row));
    if (it == sorted.end() || *it != row) {
      throw Error(ErrorCode::kInvalidArgument, "cluster: a pair names row " + std::to_string(row) +
                                                   ", which is not among the records");
    }
    return static_cast<std::uint32_t>(it - sorted.begin());
  };
  const auto m = prepared_model(state_->settings, records, &order);
  set_frequencies(*m, state_->tf, state_->tf_totals);
  LinkResult result;
  result.pairs.reserve(pairs.size());
  for (const LinkPair& p : pairs) {
    std::uint32_t a = local(p.i), b = local(p.j);
    if (a == b) throw Error(ErrorCode::kInvalidArgument, "cluster: a pair joins a row to itself");
    if (a > b) std::swap(a, b);
    result.pairs.push_back({a, b, p.weight, p.probability});
  }
  detail::cluster_pairs(*m, result);
  Clustered out;
  out.cluster_ids.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    out.cluster_ids[order[k]] =
        static_cast<std::int64_t>(sorted[static_cast<std::size_t>(result.cluster_ids[k])]);
  }
  out.refused_merges = result.stats.refused_merges;
  return out;
}

}  // namespace smartkampung
