// Linkage: training (u from random pairs, m by EM over blocking sessions, the prior).
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

namespace smartkampung::detail {

// ---- training -----------------------------------------------------------------

namespace {

// u of each of L levels from the random pairs counted at them, with half a pair added to
// each level so that none is impossible.
std::vector<double> smoothed_u(const double* counts, std::size_t L) {
  double total = 0;
  for (std::size_t l = 0; l < L; ++l) total += counts[l];
  std::vector<double> u(L);
  for (std::size_t l = 0; l < L; ++l)
    u[l] = (counts[l] + 0.5) / (total + 0.5 * static_cast<double>(L));
  return u;
}

}  // namespace

void LinkModel::estimate_u(std::size_t left_size) {
  const std::size_t F = fields.size();
  const std::size_t n = size();
  // u from random pairs (all pairs when there are few).
  const bool need_u = std::any_of(settings.fields.begin(), settings.fields.end(),
                                  [](const LinkField& f) { return f.u.empty(); });
  if (need_u) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sample;
    const bool link_mode = left_size < n;
    const double all_pairs =
        link_mode ? static_cast<double>(left_size) * static_cast<double>(n - left_size)
                  : static_cast<double>(n) * (static_cast<double>(n) - 1) / 2.0;
    const std::size_t draws = u_draws();
    if (all_pairs <= static_cast<double>(draws)) {
      for (std::size_t i = 0; i < (link_mode ? left_size : n); ++i) {
        for (std::size_t j = link_mode ? left_size : i + 1; j < n; ++j) {
          sample.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j));
        }
      }
    } else {
      std::mt19937_64 rng(settings.seed);
      sample.reserve(draws);
      while (sample.size() < draws) {
        std::size_t i, j;
        if (link_mode) {
          i = rng() % left_size;
          j = left_size + rng() % (n - left_size);
        } else {
          i = rng() % n;
          j = rng() % n;
          if (i == j) continue;
        }
        sample.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j));
      }
    }
    const unsigned threads = settings.threads;
    std::vector<std::vector<std::array<double, 16>>> partial(
        threads, std::vector<std::array<double, 16>>(F, std::array<double, 16>{}));
    parallel_for(threads, sample.size(), [&](std::size_t lo, std::size_t hi, unsigned t) {
      auto& c = partial[t];
      for (std::size_t k = lo; k < hi; ++k) {
        const std::uint64_t p = pattern(sample[k].first, sample[k].second);
        for (std::size_t f = 0; f < F; ++f) c[f][static_cast<std::size_t>(level_of(p, f))] += 1;
      }
    });
    std::vector<std::array<double, 16>> counts(F, std::array<double, 16>{});
    for (const auto& c : partial) {
      for (std::size_t f = 0; f < F; ++f) {
        for (std::size_t l = 0; l < 16; ++l) counts[f][l] += c[f][l];
      }
    }
    u_counts.assign(F, std::array<double, 16>{});
    for (std::size_t f = 0; f < F; ++f) {
      LinkField& lf = settings.fields[f];
      if (!lf.u.empty()) continue;
      u_counts[f] = counts[f];
      lf.u = smoothed_u(&counts[f][1], static_cast<std::size_t>(fields[f].levels));
    }
  }
  estimate_same_date_counts(left_size);
}

void LinkModel::estimate_same_date_counts(std::size_t left_size) {
  for (auto& c : date_cond_counts) c.fill(0.0);
  date_cond_share.fill(0.0);
  if (nik_field < 0 || nik_date_field < 0) return;
  const LinkField& lf = settings.fields[static_cast<std::size_t>(nik_field)];
  if (!lf.u_same_date.empty() || !lf.m.empty()) return;
  const std::size_t F = fields.size(), n = size();
  const bool link_mode = left_size < n;
  const double all_pairs = link_mode
                               ? static_cast<double>(left_size) * static_cast<double>(n - left_size)
                               : static_cast<double>(n) * (static_cast<double>(n) - 1) / 2.0;
  if (all_pairs <= 0) return;
  const auto df = static_cast<std::size_t>(nik_date_field);
  const auto nf = static_cast<std::size_t>(nik_field);
  // The conditioning exists because a NIK carries its holder's birth date. A field whose
  // values are mostly not NIKs (another register's numbers mapped onto it) carries none,
  // and counting its agreement among pairs of equal dates would only count matches whose
  // names were rewritten: such a field keeps its unconditional weights.
  std::size_t present = 0, well_formed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const FieldValue& v = values[i * F + nf];
    if (v.null) continue;
    ++present;
    if ((v.h3 & kNikWellFormed) != 0) ++well_formed;
  }
  if (2 * well_formed < present) return;
  // Records grouped by their birth date's text (YYYYMMDD).
  std::unordered_map<std::string, std::size_t> group_of;
  std::vector<std::vector<std::uint32_t>> groups;
  for (std::size_t i = 0; i < n; ++i) {
    const FieldValue& v = values[i * F + df];
    if (v.null || v.text_size == 0) continue;
    const auto it = group_of.emplace(std::string(v.text()), groups.size());
    if (it.second) groups.emplace_back();
    groups[it.first->second].push_back(static_cast<std::uint32_t>(i));
  }
  if (groups.empty()) return;
  // Per group, the groups one digit away (a substitution or an adjacent transposition).
  std::vector<std::vector<std::size_t>> near(groups.size());
  for (const auto& kv : group_of) {
    std::string t = kv.first;
    auto visit = [&](const std::string& other) {
      const auto it = group_of.find(other);
      if (it != group_of.end() && it->second != kv.second) near[kv.second].push_back(it->second);
    };
    for (std::size_t k = 0; k < t.size(); ++k) {
      const char c = t[k];
      for (char d = '0'; d <= '9'; ++d) {
        if (d == c) continue;
        t[k] = d;
        visit(t);
      }
      t[k] = c;
      if (k + 1 < t.size() && t[k] != t[k + 1]) {
        std::swap(t[k], t[k + 1]);
        visit(t);
        std::swap(t[k], t[k + 1]);
      }
    }
    std::sort(near[kv.second].begin(), near[kv.second].end());
    near[kv.second].erase(std::unique(near[kv.second].begin(), near[kv.second].end()),
                          near[kv.second].end());
  }
  std::mt19937_64 rng(settings.seed ^ 0x5DA7E5ULL);
  const std::size_t draws = std::max<std::size_t>(1, u_draws() / 2);
  // Only pairs whose names have nothing in common: surely two persons (matches would
  // otherwise crowd pairs of equal birth dates), and for two persons the name says nothing
  // about their NIKs.
  const int name_f = household_name_field;
  auto count = [&](std::size_t c, std::uint32_t x, std::uint32_t y) {
    if (link_mode && (x < left_size) == (y < left_size)) return;  // cross pairs only
    if (name_f >= 0) {
      const auto nm = static_cast<std::size_t>(name_f);
      if (compare_field(fields[nm], values[x * F + nm], values[y * F + nm]) != fields[nm].levels)
        return;
    }
    const int l = compare_field(fields[nf], values[x * F + nf], values[y * F + nf]);
    if (l != 0) date_cond_counts[c][static_cast<std::size_t>(l)] += 1;
  };
  // Ordered pairs (x, y): group g weighs |g| * (|g| - 1) for equal dates and
  // |g| * (records one digit away) for near ones; drawn in proportion.
  for (std::size_t c = 0; c < 2; ++c) {
    std::vector<double> cumulative(groups.size());
    std::vector<double> near_size(groups.size(), 0.0);
    double total = 0;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const double size = static_cast<double>(groups[g].size());
      if (c == 1) {
        for (std::size_t h : near[g]) near_size[g] += static_cast<double>(groups[h].size());
      }
      total += c == 0 ? size * (size - 1) : size * near_size[g];
      cumulative[g] = total;
    }
    if (total <= 0) continue;
    // Unordered pairs over all pairs (in link mode about half are cross pairs).
    date_cond_share[c] = (total / 2) / all_pairs * (link_mode ? 0.5 : 1.0);
    for (std::size_t k = 0; k < draws; ++k) {
      const double at = std::uniform_real_distribution<double>(0.0, total)(rng);
      const std::size_t g = std::min<std::size_t>(
          static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), at) -
                                   cumulative.begin()),
          groups.size() - 1);
      const auto& grp = groups[g];
      const std::uint32_t x = grp[rng() % grp.size()];
      if (c == 0) {
        if (grp.size() < 2) continue;
        std::uint32_t y = grp[rng() % grp.size()];
        if (y == x) continue;
        count(c, x, y);
      } else {
        if (near_size[g] <= 0) continue;
        double pick = std::uniform_real_distribution<double>(0.0, near_size[g])(rng);
        std::size_t h = near[g].back();
        for (std::size_t cand : near[g]) {
          pick -= static_cast<double>(groups[cand].size());
          if (pick < 0) {
            h = cand;
            break;
          }
        }
        count(c, x, groups[h][rng() % groups[h].size()]);
      }
    }
  }
}

void LinkModel::estimate_u_same_date() {
  if (nik_field < 0 || nik_date_field < 0) return;
  LinkField& lf = settings.fields[static_cast<std::size_t>(nik_field)];
  if (!lf.u_same_date.empty() || !lf.u_near_date.empty()) return;
  const auto L = static_cast<std::size_t>(fields[static_cast<std::size_t>(nik_field)].levels);
  if (lf.m.size() != L) return;
  const std::vector<double>& m_date = settings.fields[static_cast<std::size_t>(nik_date_field)].m;
  const double lambda = std::max(settings.prior, 0.0);
  // Pairs of equal (or near) birth dates hold many matches (a person's records mostly
  // agree on it): their share, from the prior and m, is taken out so that u describes
  // non-matches. P(match | date level) = prior * m_date(level) / P(date level).
  const std::size_t date_level_index[2] = {0, 2};  // exact, one_digit
  for (std::size_t c = 0; c < 2; ++c) {
    double total = 0;
    for (std::size_t l = 1; l <= L; ++l) total += date_cond_counts[c][l];
    if (total <= 0 || date_cond_share[c] <= 0) continue;
    const double m_level = m_date.size() > date_level_index[c] ? m_date[date_level_index[c]] : 1.0;
    // With a name field, only pairs of clearly different names were counted: no matches.
    const double pi = household_name_field >= 0
                          ? 0.0
                          : std::clamp(lambda * m_level / date_cond_share[c], 0.0, 0.9);
    const double floor = 0.5 / total;
    std::vector<double> u(L, 0.0);
    double sum = 0;
    for (std::size_t l = 0; l < L; ++l) {
      const double observed = date_cond_counts[c][l + 1] / total;
      u[l] = std::max((observed - pi * lf.m[l]) / (1.0 - pi), floor);
      sum += u[l];
    }
    for (double& x : u) x /= sum;
    (c == 0 ? lf.u_same_date : lf.u_near_date) = std::move(u);
  }
}

void LinkModel::PatternCounts::merge(const PatternCounts& other) {
  if (sessions.size() < other.sessions.size()) sessions.resize(other.sessions.size());
  for (std::size_t r = 0; r < other.sessions.size(); ++r) {
    for (const auto& kv : other.sessions[r]) sessions[r][kv.first] += kv.second;
  }
  for (const auto& kv : other.all) all[kv.first] += kv.second;
}

namespace {

// Patterns and counts of a map in key order, so that sums (and the model) do not depend
// on hash-table history.
struct SortedCounts {
  std::vector<std::uint64_t> patterns;
  std::vector<double> counts;
  explicit SortedCounts(const std::unordered_map<std::uint64_t, std::uint64_t>& map) {
    patterns.reserve(map.size());
    for (const auto& kv : map) patterns.push_back(kv.first);
    std::sort(patterns.begin(), patterns.end());
    counts.reserve(patterns.size());
    for (std::uint64_t p : patterns) counts.push_back(static_cast<double>(map.at(p)));
  }
};

}  // namespace

int LinkModel::estimate_m(const PatternCounts& counts, double pair_universe) {
  const std::size_t F = fields.size();
  std::vector<std::vector<double>> log_u(F);
  for (std::size_t f = 0; f < F; ++f) {
    for (double u : settings.fields[f].u) log_u[f].push_back(std::log(u));
  }
  // Starting m: "mostly the best level" (replaced, field by field, by the pooled estimate
  // of the sessions run so far, so that later sessions start from what earlier ones found).
  std::vector<std::vector<double>> m(F);
  std::vector<bool> given(F);
  for (std::size_t f = 0; f < F; ++f) {
    const LinkField& lf = settings.fields[f];
    given[f] = !lf.m.empty();
    if (given[f]) {
      m[f] = lf.m;
      continue;
    }
    const auto L = static_cast<std::size_t>(fields[f].levels);
    m[f].assign(L, 0.0);
    m[f][0] = 0.8;
    double rest = 0.2;
    for (std::size_t l = 1; l < L; ++l) {
      m[f][l] = l + 1 == L ? rest : rest / 2;
      rest -= m[f][l];
    }
  }
  const bool any_m_free = std::find(given.begin(), given.end(), false) != given.end();
  // Pooled match-class counts per field and level over the sessions.
  std::vector<std::vector<double>> pooled(F);
  for (std::size_t f = 0; f < F; ++f) pooled[f].assign(m[f].size(), 0.0);
  int iterations = 0;
  auto pooled_m = [&](std::size_t f, std::vector<double>& out) {
    double total = 0;
    for (double a : pooled[f]) total += a;
    if (total <= 0) return false;
    const double L = static_cast<double>(pooled[f].size());
    out.resize(pooled[f].size());
    for (std::size_t l = 0; l < pooled[f].size(); ++l) {
      out[l] = std::max((pooled[f][l] + 1e-3) / (total + 1e-3 * L), 1e-6);
    }
    return true;
  };
  if (any_m_free) {
    std::vector<std::vector<double>> acc(F);
    for (std::size_t r = 0; r < counts.sessions.size(); ++r) {
      if (counts.sessions[r].empty()) continue;
      const SortedCounts sc(counts.sessions[r]);
      // This session starts from the pooled estimate so far.
      std::vector<std::vector<double>> sm = m;
      for (std::size_t f = 0; f < F; ++f) {
        std::vector<double> p;
        if (!given[f] && pooled_m(f, p)) sm[f] = p;
      }
      double lambda = 0.5;
      for (int it = 0; it < settings.em_iterations; ++it) {
        ++iterations;
        for (std::size_t f = 0; f < F; ++f) acc[f].assign(sm[f].size(), 0.0);
        double match_total = 0, all_total = 0;
        for (std::size_t k = 0; k < sc.patterns.size(); ++k) {
          double lm = std::log(lambda), lu = std::log(1 - lambda);
          for (std::size_t f = 0; f < F; ++f) {
            const int l = level_of(sc.patterns[k], f);
            if (l == 0) continue;
            const auto li = static_cast<std::size_t>(l - 1);
            lm += std::log(sm[f][li]);
            lu += log_u[f][li];
          }
          const double post = 1.0 / (1.0 + std::exp(lu - lm));
          const double c = sc.counts[k];
          match_total += post * c;
          all_total += c;
          for (std::size_t f = 0; f < F; ++f) {
            const int l = level_of(sc.patterns[k], f);
            if (l != 0) acc[f][static_cast<std::size_t>(l - 1)] += post * c;
          }
        }
        double change = 0;
        for (std::size_t f = 0; f < F; ++f) {
          if (given[f]) continue;
          double total = 0;
          for (double a : acc[f]) total += a;
          if (total <= 0) continue;
          const double L = static_cast<double>(sm[f].size());
          for (std::size_t l = 0; l < sm[f].size(); ++l) {
            const double nm = std::max((acc[f][l] + 1e-3) / (total + 1e-3 * L), 1e-6);
            change = std::max(change, std::abs(nm - sm[f][l]));
            sm[f][l] = nm;
          }
        }
        if (all_total > 0) {
          const double nl = std::clamp(match_total / all_total, 1e-9, 1 - 1e-9);
          change = std::max(change, std::abs(nl - lambda));
          lambda = nl;
        }
        if (change < 1e-6) break;
      }
      // The last E-step's match-class counts join the pool (fields the session held out
      // are null there and add nothing).
      for (std::size_t f = 0; f < F; ++f) {
        for (std::size_t l = 0; l < acc[f].size(); ++l) pooled[f][l] += acc[f][l];
      }
    }
    for (std::size_t f = 0; f < F; ++f) {
      std::vector<double> p;
      if (!given[f] && pooled_m(f, p)) m[f] = p;
    }
  }
  for (std::size_t f = 0; f < F; ++f) {
    if (settings.fields[f].m.empty()) settings.fields[f].m = m[f];
  }
  // The prior of two random records: the expected number of matches among the candidates
  // (pairs outside the blocks are taken as non-matches) over all pairs, by EM with m and
  // u fixed.
  const double universe = std::max(pair_universe, 1.0);
  const SortedCounts all(counts.all);
  auto estimate_prior = [&] {
    std::vector<double> lr(all.patterns.size(), 0.0);  // log(m/u) of each pattern
    for (std::size_t k = 0; k < all.patterns.size(); ++k) {
      for (std::size_t f = 0; f < F; ++f) {
        const int l = level_of(all.patterns[k], f);
        if (l == 0) continue;
        const auto li = static_cast<std::size_t>(l - 1);
        lr[k] += std::log(m[f][li]) - log_u[f][li];
      }
    }
    double lambda = 1.0 / universe;
    for (int it = 0; it < 1000; ++it) {
      const double prior_logit = std::log(lambda) - std::log1p(-lambda);
      double expected = 0;
      for (std::size_t k = 0; k < all.patterns.size(); ++k) {
        expected += all.counts[k] / (1.0 + std::exp(-(prior_logit + lr[k])));
      }
      const double next = std::clamp(expected / universe, 1e-15, 0.5);
      const bool done = std::abs(next - lambda) <= 1e-9 * lambda;
      lambda = next;
      if (done) break;
    }
    return all.patterns.empty() ? 1.0 / universe : lambda;
  };
  if (settings.prior < 0) {
    settings.prior = estimate_prior();
    // u came from random pairs, and a share `prior` of random pairs are matches: where
    // matches are many for the population (a small list, or two lists that are mostly the
    // same persons), they fill the agreeing levels' u (FEBRL4: 0.9 of the pairs that agree
    // on the id are matches). Their expected count (prior * draws * m) is taken out of
    // each level's count, and the prior re-estimated with the cleaned u; twice, since each
    // moves the other. At district scale the prior is ~1e-6 and nothing changes.
    for (int round = 0; round < 2 && u_counts.size() == F; ++round) {
      bool changed = false;
      for (std::size_t f = 0; f < F; ++f) {
        LinkField& lf = settings.fields[f];
        const auto L = static_cast<std::size_t>(fields[f].levels);
        double drawn = 0;
        for (std::size_t l = 1; l <= L; ++l) drawn += u_counts[f][l];
        if (drawn <= 0 || lf.u.size() != L || m[f].size() != L) continue;
        std::vector<double> clean(L);
        for (std::size_t l = 0; l < L; ++l)
          clean[l] = std::max(u_counts[f][l + 1] - settings.prior * drawn * m[f][l], 0.0);
        lf.u = smoothed_u(clean.data(), L);
        for (std::size_t l = 0; l < L; ++l) log_u[f][l] = std::log(lf.u[l]);
        changed = true;
      }
      if (!changed) break;
      settings.prior = estimate_prior();
    }
  }
  estimate_u_same_date();
  compute_weights();
  return iterations;
}

}  // namespace smartkampung::detail
