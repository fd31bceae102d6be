// Linkage: the batch driver (blocking, streaming candidates, scoring, clustering).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <smartkampung/date.hpp>
#include <smartkampung/linkage.hpp>
#include <thread>
#include <tuple>

#include "linkage/engine.hpp"
#include "linkage/text.hpp"

namespace smartkampung {
namespace detail {
struct LinkResultAccess {
  static void set(LinkResult& r, std::shared_ptr<const LinkModel> m) { r.model_ = std::move(m); }
};

}  // namespace detail

// ---- batch linking --------------------------------------------------------------

namespace {

using detail::LinkModel;

struct Candidate {
  std::uint32_t a, b;
  std::uint64_t pattern;
};

}  // namespace

namespace detail {

// Prepares records after those the model holds (source 0: the left or only list, 1: right).
void append_prepared(LinkModel& model, const std::vector<LinkRecord>& records,
                     std::uint8_t source) {
  const std::size_t at = model.size(), n = records.size();
  if (at + n > 0xFFFFFFF0ULL) throw Error(ErrorCode::kLimit, "link: at most 4 billion records");
  const std::size_t F = model.field_count(), R = model.rule_count();
  const unsigned threads = model.settings.threads;
  model.values.resize((at + n) * F);
  model.keys.resize((at + n) * R);
  model.household.resize(at + n);
  model.source.resize(at + n, source);
  if (model.arenas.size() < std::max(1U, threads)) model.arenas.resize(std::max(1U, threads));
  parallel_for(threads, n, [&](std::size_t lo, std::size_t hi, unsigned t) {
    for (std::size_t k = lo; k < hi; ++k) {
      const std::size_t i = at + k;
      model.prepare(records[k], &model.values[i * F], R ? &model.keys[i * R] : nullptr,
                    model.household[i], model.arenas[t]);
    }
  });
}

std::shared_ptr<LinkModel> prepare_records(const LinkSettings& settings,
                                           const std::vector<LinkRecord>& left,
                                           const std::vector<LinkRecord>* right) {
  auto model = std::make_shared<LinkModel>(settings);
  append_prepared(*model, left, 0);
  if (right) append_prepared(*model, *right, 1);
  return model;
}

LinkResult link_prepared(std::shared_ptr<LinkModel> model, std::size_t left_size,
                         ProgressMeter* meter) {
  const auto stage = [meter](std::size_t done) {
    if (meter != nullptr) meter->set(done);
  };
  const auto started = std::chrono::steady_clock::now();
  LinkModel& m = *model;
  const std::size_t n = m.size();
  const std::size_t R = m.rule_count();
  const std::size_t F = m.field_count();
  const bool link_mode = left_size < n;
  const unsigned threads = m.settings.threads;
  LinkResult result;
  result.stats.records = n;
  // Columns the records do not have: an error when no compared column has a value at
  // all (a schema the settings do not know), a warning per empty field otherwise.
  if (n > 0) {
    std::vector<std::size_t> present(F, 0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t f = 0; f < F; ++f) present[f] += m.values[i * F + f].null ? 0 : 1;
    }
    std::string names;
    for (std::size_t f = 0; f < F; ++f) names += (f ? ", " : "") + m.fields[f].spec.column;
    if (std::all_of(present.begin(), present.end(), [](std::size_t c) { return c == 0; })) {
      throw Error(ErrorCode::kInvalidArgument,
                  "link: no record has a value in any compared column (" + names +
                      "); rename the columns or give settings for this schema");
    }
    for (std::size_t f = 0; f < F; ++f) {
      if (present[f] == 0) {
        result.warnings.push_back("link: column '" + m.fields[f].spec.column + "' (field '" +
                                  m.fields[f].spec.name +
                                  "') has no value in any record; is it named otherwise?");
      }
    }
  }

  // Each place's NIK region, from the records themselves unless the settings give them:
  // what lets a difference in the region digits count as two persons (compare.cpp).
  m.learn_nik_places();

  // 1. Blocks: per rule, records sorted by key; oversized blocks are skipped and their
  //    keys cleared, so that a later rule may still pair those records.
  struct Block {
    std::size_t rule, begin, end;
  };
  std::vector<std::vector<std::uint32_t>> order(R);
  std::vector<Block> blocks;
  for (std::size_t r = 0; r < R; ++r) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = m.keys[i * R + r];
      if (k != 0) keyed.emplace_back(k, static_cast<std::uint32_t>(i));
    }
    if (keyed.empty() && n > 0) {
      std::string rule;
      for (const std::string& part : m.settings.blocking[r])
        rule += (rule.empty() ? "" : ", ") + part;
      result.warnings.push_back("link: blocking rule [" + rule + "] gives no record a key (" +
                                m.why_no_key(r) + ")");
    }
    std::sort(keyed.begin(), keyed.end());
    order[r].resize(keyed.size());
    for (std::size_t i = 0; i < keyed.size(); ++i) order[r][i] = keyed[i].second;
    for (std::size_t i = 0; i < keyed.size();) {
      std::size_t j = i + 1;
      while (j < keyed.size() && keyed[j].first == keyed[i].first) ++j;
      if (j - i > m.settings.max_block_size) {
        ++result.stats.skipped_blocks;
        result.stats.skipped_records += j - i;
        for (std::size_t k = i; k < j; ++k) m.keys[keyed[k].second * R + r] = 0;
      } else if (j - i >= 2) {
        blocks.push_back({r, i, j});
      }
      i = j;
    }
  }
  // u and term frequencies do not depend on the candidate pairs: estimated first.
  m.count_term_frequencies();
  m.estimate_u(link_mode ? left_size : n);
  stage(2);

  // 2. Candidate pairs, each compared once: under rule r a pair is skipped when an
  //    earlier rule already blocked it together. Every candidate's pattern is counted for
  //    training, but a candidate is stored (16 bytes) only when it may still reach the
  //    threshold, so that memory follows the pairs kept rather than all pairs compared.
  //    Which ones may is not known before training, so the blocks are streamed in two
  //    phases: (A) a sample of blocks, all of whose pairs are stored, trains a preliminary
  //    model; (B) the other blocks store only pairs whose weight bound under that model
  //    reaches the threshold minus a margin. After the final training (on the counts of
  //    all pairs, as before) the drift of the weights is checked against the margin; when
  //    it is larger, phase B runs again with the final weights, so the pairs kept are
  //    exactly those of storing everything.
  std::size_t all_pairs = 0;
  for (const Block& blk : blocks)
    all_pairs += (blk.end - blk.begin) * (blk.end - blk.begin - 1) / 2;
  const bool fixed_model =
      std::all_of(m.settings.fields.begin(), m.settings.fields.end(),
                  [](const LinkField& f) { return !f.m.empty() && !f.u.empty(); }) &&
      m.settings.prior > 0;
  const std::size_t kStoreAllPairs = m.streaming.store_all_pairs;
  const std::size_t kSamplePairs = std::max<std::size_t>(1, m.streaming.sample_pairs);
  const double kMarginBits = m.streaming.margin_bits;
  // Phase of each block: 0 = A (stored in full), 1 = B (filtered).
  std::vector<std::uint8_t> phase(blocks.size(), 0);
  if (!fixed_model && all_pairs > kStoreAllPairs) {
    const std::uint64_t stride = (all_pairs + kSamplePairs - 1) / kSamplePairs;
    for (std::size_t bi = 0; bi < blocks.size(); ++bi) {
      std::uint64_t h = (bi + 1) * 0x9E3779B97F4A7C15ULL ^ m.settings.seed;
      h ^= h >> 31;
      h *= 0xBF58476D1CE4E5B9ULL;
      h ^= h >> 29;
      phase[bi] = h % stride == 0 ? 0 : 1;
    }
  } else if (fixed_model && all_pairs > kStoreAllPairs) {
    // Final weights are known: every block filters, with no margin.
    std::fill(phase.begin(), phase.end(), std::uint8_t{1});
    m.compute_weights();
  }
  std::vector<std::size_t> blocks_a, blocks_b;
  for (std::size_t bi = 0; bi < blocks.size(); ++bi)
    (phase[bi] == 0 ? blocks_a : blocks_b).push_back(bi);

  const double threshold = m.settings.threshold;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<Candidate>> per_thread(threads);
  std::vector<LinkModel::PatternCounts> counts_per_thread(threads);
  for (auto& c : counts_per_thread) c.sessions.resize(R);
  std::vector<std::size_t> compared_per_thread(threads, 0);
  // Runs the candidates of `list` (block indices): count (when `count`) and store those
  // with probability_of(weight bound + margin) >= threshold (all when margin is infinite).
  auto stream = [&](const std::vector<std::size_t>& list, bool count, double margin) {
    std::atomic<std::size_t> next{0};
    const bool keep_all = std::isinf(margin);
    // probability_of(w + margin) >= threshold  <=>  w >= logit2(threshold) - margin, up to
    // rounding: below cut_low a pair is surely out, at or above cut_high surely in.
    const double logit = std::log2(threshold) - std::log2(1.0 - threshold);
    const double cut_low =
        std::isfinite(logit) ? logit - margin - 1e-3 : (logit > 0 ? 50.0 - margin : -inf);
    const double cut_high = std::isfinite(logit) ? logit - margin + 1e-3 : inf;
    run_threads(threads, [&](unsigned t) {
      auto& out = per_thread[t];
      auto& counts = counts_per_thread[t];
      std::size_t compared = 0;
      for (;;) {
        const std::size_t li = next.fetch_add(1);
        if (li >= list.size()) break;
        const Block& blk = blocks[list[li]];
        const auto& ord = order[blk.rule];
        for (std::size_t x = blk.begin; x < blk.end; ++x) {
          for (std::size_t y = x + 1; y < blk.end; ++y) {
            std::uint32_t a = ord[x], b = ord[y];
            if (a > b) std::swap(a, b);
            if (link_mode && (a < left_size) == (b < left_size)) continue;
            bool seen = false;
            for (std::size_t r = 0; r < blk.rule && !seen; ++r) {
              const std::uint64_t ka = m.keys[a * R + r];
              seen = ka != 0 && ka == m.keys[b * R + r];
            }
            if (seen) continue;
            const std::uint64_t pat = m.pattern(&m.values[a * F], &m.values[b * F]);
            ++compared;
            if (keep_all) {
              out.push_back({a, b, pat});
            } else if (const double wb = m.weight_bound(pat); wb >= cut_low) {
              // Near the cut, the exact test (the weight cut is only a fast path).
              if (wb >= cut_high || probability_of(wb + margin) >= threshold)
                out.push_back({a, b, pat});
            }
            if (count) {
              // Every candidate for the prior; for m, each rule that blocks the pair (its
              // session) with that rule's fields held out: blocking forced them to agree,
              // so they say nothing about matching there. Sessions see person-level
              // candidates only: not pairs blocked by the household key alone, nor pairs
              // the household rule keeps apart.
              ++counts.all[pat];
              if (!m.household_apart(m.household[a], m.household[b], pat)) {
                for (std::size_t r = 0; r < R; ++r) {
                  if (m.household_rule[r]) continue;
                  const std::uint64_t ka = m.keys[a * R + r];
                  if (ka != 0 && ka == m.keys[b * R + r])
                    ++counts.sessions[r][pat & ~m.rule_masks[r]];
                }
              }
            }
          }
        }
      }
      if (count) compared_per_thread[t] += compared;
    });
  };
  auto merged_counts = [&] {
    LinkModel::PatternCounts total;
    total.sessions.resize(R);
    for (const auto& counts : counts_per_thread) total.merge(counts);
    return total;
  };
  // All pairs (two random records), for the prior.
  const double pair_universe =
      link_mode ? static_cast<double>(left_size) * static_cast<double>(n - left_size)
                : static_cast<double>(n) * (static_cast<double>(n) - 1) / 2.0;
  auto gather = [&](std::vector<Candidate>& into) {
    std::size_t total = into.size();
    for (const auto& v : per_thread) total += v.size();
    into.reserve(total);
    for (auto& v : per_thread) {
      into.insert(into.end(), v.begin(), v.end());
      std::vector<Candidate>().swap(v);
    }
  };
  std::vector<Candidate> candidates;
  // Phase A, then a preliminary model from its counts (the settings are restored after:
  // the final training starts from the same state as training on all counts at once).
  stream(blocks_a, true, inf);
  gather(candidates);
  std::array<std::array<double, 16>, kMaxFields> preliminary{};
  double preliminary_prior = 0;
  std::array<double, 16> preliminary_nik{}, preliminary_near{};
  if (!blocks_b.empty() && !fixed_model) {
    std::vector<std::vector<double>> saved_m, saved_u, saved_same, saved_near;
    for (const LinkField& f : m.settings.fields) {
      saved_m.push_back(f.m);
      saved_u.push_back(f.u);
      saved_same.push_back(f.u_same_date);
      saved_near.push_back(f.u_near_date);
    }
    const double saved_prior = m.settings.prior;
    // The sample holds about this share of the candidates: of all pairs too, for the prior.
    double pairs_a = 0;
    for (std::size_t bi : blocks_a) {
      const double size = static_cast<double>(blocks[bi].end - blocks[bi].begin);
      pairs_a += size * (size - 1) / 2;
    }
    m.estimate_m(merged_counts(),
                 pair_universe * pairs_a / std::max(1.0, static_cast<double>(all_pairs)));
    for (std::size_t f = 0; f < F; ++f) {
      m.settings.fields[f].m = saved_m[f];
      m.settings.fields[f].u = saved_u[f];
      m.settings.fields[f].u_same_date = saved_same[f];
      m.settings.fields[f].u_near_date = saved_near[f];
    }
    m.settings.prior = saved_prior;
    for (std::size_t f = 0; f < F; ++f) preliminary[f] = m.weights[f];
    preliminary_nik = m.nik_same_date_weights;
    preliminary_near = m.nik_near_date_weights;
    preliminary_prior = m.prior_weight;
    // m.weights and m.prior_weight keep the preliminary model for phase B; the final
    // estimate_m overwrites both.
  }
  const std::size_t stored_a = candidates.size();
  stream(blocks_b, true, fixed_model ? 0.0 : kMarginBits);
  gather(candidates);
  stage(3);

  // 3. Training on the counts of all candidates.
  {
    const auto pattern_counts = merged_counts();
    for (auto& counts : counts_per_thread) counts = LinkModel::PatternCounts{};
    result.stats.em_iterations = m.estimate_m(pattern_counts, pair_universe);
    // The match weights of all candidates (without term frequencies), as data.
    result.weight_histogram.assign(129, 0);
    for (const auto& kv : pattern_counts.all) {
      double w = m.prior_weight;
      for (std::size_t f = 0; f < F; ++f) w += m.level_weight(f, level_of(kv.first, f), kv.first);
      const double bin = std::clamp(std::floor(w) + 64.0, 0.0, 128.0);
      result.weight_histogram[static_cast<std::size_t>(bin)] += kv.second;
    }
    for (std::string& w : m.check_model()) result.warnings.push_back(std::move(w));
  }
  if (!blocks_b.empty() && !fixed_model) {
    double drift = std::abs(m.prior_weight - preliminary_prior);
    for (std::size_t f = 0; f < F; ++f) {
      double worst = 0;
      for (std::size_t l = 0; l < 16; ++l)
        worst = std::max(worst, std::abs(m.weights[f][l] - preliminary[f][l]));
      if (static_cast<int>(f) == m.nik_field) {
        for (std::size_t l = 0; l < 16; ++l) {
          worst = std::max(worst, std::abs(m.nik_same_date_weights[l] - preliminary_nik[l]));
          worst = std::max(worst, std::abs(m.nik_near_date_weights[l] - preliminary_near[l]));
        }
      }
      drift += worst;
    }
    if (!(drift < kMarginBits)) {
      // A pair left out in phase B could reach the threshold now: phase B again, with the
      // final weights and no margin.
      candidates.resize(stored_a);
      stream(blocks_b, false, 0.0);
      gather(candidates);
      m.streaming.restreamed = true;
    }
  }
  stage(4);
  for (std::size_t c : compared_per_thread) result.stats.candidate_pairs += c;
  m.streaming.stored_pairs = candidates.size();
  m.streaming.sampled_blocks = blocks_b.empty() ? 0 : blocks_a.size();

  // 4. Scoring, then clustering in order of falling weight.
  std::vector<std::vector<LinkPair>> kept_per_thread(threads);
  parallel_for(threads, candidates.size(), [&](std::size_t lo, std::size_t hi, unsigned t) {
    for (std::size_t k = lo; k < hi; ++k) {
      const Candidate& c = candidates[k];
      const double w = m.weight(c.pattern, &m.values[c.a * F]);
      const double p = probability_of(w);
      if (p < threshold) continue;
      if (m.household_apart(m.household[c.a], m.household[c.b], c.pattern)) continue;
      kept_per_thread[t].push_back({c.a, c.b, w, p});
    }
  });
  std::vector<Candidate>().swap(candidates);
  for (auto& v : kept_per_thread) result.pairs.insert(result.pairs.end(), v.begin(), v.end());
  stage(5);
  cluster_pairs(m, result);
  if (result.stats.skipped_blocks > 0) {
    result.warnings.push_back("link: " + std::to_string(result.stats.skipped_blocks) +
                              " blocks over max_block_size (" +
                              std::to_string(m.settings.max_block_size) + ") were skipped (" +
                              std::to_string(result.stats.skipped_records) +
                              " record keys); pairs only they would find are not compared");
  }
  if (n >= 2 && result.stats.candidate_pairs == 0) {
    result.warnings.push_back("link: no two records share a blocking key: nothing was compared");
  }
  if (result.stats.large_clusters > 0) {
    result.warnings.push_back(
        "link: " + std::to_string(result.stats.large_clusters) + " clusters hold more than " +
        std::to_string(m.settings.max_cluster_size) + " records (largest " +
        std::to_string(result.stats.largest_cluster) + "); check them before use");
  }
  result.stats.kept_pairs = result.pairs.size();
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  LinkResultAccess::set(result, std::move(model));
  return result;
}

}  // namespace detail

Explanation LinkResult::explain(std::size_t i, std::size_t j) const {
  if (!model_) throw Error(ErrorCode::kState, "explain: empty result");
  return model_->explain(i, j);
}

const LinkSettings& LinkResult::trained_settings() const {
  if (!model_) throw Error(ErrorCode::kState, "trained_settings: empty result");
  return model_->settings;
}

namespace {
constexpr const char* kLinkWhat = "link";
}  // namespace

LinkResult link(const std::vector<LinkRecord>& records, const LinkSettings& settings,
                const Progress& progress) {
  detail::ProgressMeter meter(progress, kLinkStages, kLinkWhat);
  meter.start();
  auto model = detail::prepare_records(settings, records, nullptr);
  meter.set(1);
  LinkResult result = detail::link_prepared(std::move(model), records.size(), &meter);
  meter.finish();
  return result;
}

LinkResult link(std::vector<LinkRecord>&& records, const LinkSettings& settings,
                const Progress& progress) {
  detail::ProgressMeter meter(progress, kLinkStages, kLinkWhat);
  meter.start();
  auto model = detail::prepare_records(settings, records, nullptr);
  const std::size_t n = records.size();
  std::vector<LinkRecord>().swap(records);
  meter.set(1);
  LinkResult result = detail::link_prepared(std::move(model), n, &meter);
  meter.finish();
  return result;
}

LinkResult link(const LinkRecordChunks& next, const LinkSettings& settings,
                std::size_t expected_records, const Progress& progress) {
  if (!next) throw Error(ErrorCode::kInvalidArgument, "link: no record source");
  detail::ProgressMeter meter(progress, kLinkStages, kLinkWhat);
  meter.start();
  auto model = std::make_shared<detail::LinkModel>(settings);
  if (expected_records > 0 && expected_records <= 0xFFFFFFF0ULL) {
    model->values.reserve(expected_records * model->field_count());
    model->keys.reserve(expected_records * model->rule_count());
    model->household.reserve(expected_records);
    model->source.reserve(expected_records);
  }
  std::vector<LinkRecord> chunk;
  while (true) {
    chunk.clear();
    if (!next(chunk)) break;
    detail::append_prepared(*model, chunk, 0);
  }
  std::vector<LinkRecord>().swap(chunk);
  const std::size_t n = model->size();
  meter.set(1);
  LinkResult result = detail::link_prepared(std::move(model), n, &meter);
  meter.finish();
  return result;
}

LinkResult link(const std::vector<LinkRecord>& left, const std::vector<LinkRecord>& right,
                const LinkSettings& settings, const Progress& progress) {
  detail::ProgressMeter meter(progress, kLinkStages, kLinkWhat);
  meter.start();
  auto model = detail::prepare_records(settings, left, &right);
  meter.set(1);
  LinkResult result = detail::link_prepared(std::move(model), left.size(), &meter);
  meter.finish();
  return result;
}

}  // namespace smartkampung

namespace smartkampung::detail {

std::string LinkModel::why_no_key(std::size_t r) const {
  using T = BlockPart::Transform;
  const std::size_t F = fields.size(), n = size();
  for (const BlockPart& part : rules[r]) {
    if (part.transform != T::kPrefix && part.transform != T::kSuffix) continue;
    for (std::size_t f = 0; f < F; ++f) {
      if (fields[f].spec.column != part.column) continue;
      std::size_t present = 0, longest = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const FieldValue& v = values[i * F + f];
        if (v.null) continue;
        ++present;
        longest = std::max<std::size_t>(longest, v.text_size);
      }
      if (present > 0 && longest < part.n) {
        return "the values of column '" + part.column + "' have at most " +
               std::to_string(longest) + " characters, fewer than " + std::to_string(part.n) +
               ": give rules that fit them";
      }
    }
  }
  return "missing column?";
}

}  // namespace smartkampung::detail
