// Linkage speed: scored pairs per second on prepared records (the engine's hot loop)
// beside a baseline that compares raw strings per pair (normalising and Jaro-Winkler on
// every comparison, as a straightforward implementation does); Linker look-up latency;
// a whole FEBRL4 run.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <smartkampung/linkage.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "linkage/engine.hpp"

namespace sk = smartkampung;

namespace {

const char* const kGiven[] = {"Muhammad", "Siti", "Budi",   "Sri",   "Ahmad", "Dewi",
                              "Agus",     "Nur",  "Slamet", "Wahyu", "Eko",   "Rina",
                              "Joko",     "Tri",  "Yusuf",  "Indah"};
const char* const kFamily[] = {"Santoso", "Aminah",  "Hidayat",   "Lestari",
                               "Sholeh",  "Wibowo",  "Rahayu",    "Setiawan",
                               "Susanti", "Pratama", "Kurniawan", "Handayani"};

// Synthetic registry-like records: every third one a variant of the one before.
std::vector<sk::LinkRecord> sample(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<sk::LinkRecord> out;
  out.reserve(n);
  char buf[64];
  for (std::size_t i = 0; i < n; ++i) {
    sk::LinkRecord r;
    if (i % 3 == 2) {
      r = out.back();
      if (rng() % 2) r.nik[15] = static_cast<char>('0' + rng() % 10);
      if (rng() % 3 == 0) r.name = "H. " + r.name;
      if (rng() % 4 == 0) r.nik.clear();
    } else {
      const int day = 1 + static_cast<int>(rng() % 28), month = 1 + static_cast<int>(rng() % 12);
      const int year = 1940 + static_cast<int>(rng() % 70);
      std::snprintf(buf, sizeof buf, "3510%02d%02d%02d%02d%04d", 1 + static_cast<int>(rng() % 25),
                    day, month, year % 100, static_cast<int>(rng() % 9999) + 1);
      r.nik = buf;
      r.name =
          std::string(kGiven[rng() % 16]) + " " + kFamily[rng() % 12] + " " + kFamily[rng() % 12];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
      r.birth_date = buf;
      r.sex = rng() % 2 ? "L" : "P";
      std::snprintf(buf, sizeof buf, "3510%012d", static_cast<int>(rng() % 400000));
      r.kk = buf;
      r.village = "Desa " + std::to_string(rng() % 217);
      r.rt = std::to_string(1 + rng() % 9);
      r.rw = std::to_string(1 + rng() % 5);
      r.address = "Dusun " + std::string(kFamily[rng() % 12]) + " RT " + r.rt;
    }
    out.push_back(std::move(r));
  }
  return out;
}

sk::LinkSettings hand_settings() {
  sk::LinkSettings s = sk::LinkSettings::indonesian();
  for (auto& f : s.fields) {
    const int L = sk::detail::level_count(f.kind);
    f.m.assign(static_cast<std::size_t>(L), 0.1 / (L - 1));
    f.m[0] = 0.9;
    f.u.assign(static_cast<std::size_t>(L), 0.01 / (L - 1));
    f.u.back() = 0.99;
    f.u[0] = 0.01 / (L - 1);
  }
  s.prior = 0.001;
  s.threads = 1;
  return s;
}

struct Prepared {
  std::shared_ptr<sk::detail::LinkModel> model;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  std::vector<sk::LinkRecord> records;
};

// Candidate-like pairs: neighbours (often the same person) and random pairs in equal parts.
const Prepared& prepared() {
  static const Prepared p = [] {
    Prepared out;
    out.records = sample(30000, 1);
    out.model = sk::detail::prepare_records(hand_settings(), out.records, nullptr);
    out.model->compute_weights();
    std::mt19937_64 rng(2);
    for (std::uint32_t i = 0; i + 1 < out.records.size(); ++i) {
      out.pairs.emplace_back(i, i + 1);
      out.pairs.emplace_back(i, static_cast<std::uint32_t>(rng() % out.records.size()));
    }
    return out;
  }();
  return p;
}

void BM_ScorePairsPrepared(benchmark::State& state) {
  const Prepared& p = prepared();
  const auto& m = *p.model;
  const std::size_t F = m.field_count();
  double sum = 0;
  for (auto _ : state) {
    for (const auto& [a, b] : p.pairs) {
      const std::uint64_t pattern = m.pattern(a, b);
      sum += m.weight(pattern, &m.values[a * F]);
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * p.pairs.size()));
}
BENCHMARK(BM_ScorePairsPrepared)->Unit(benchmark::kMillisecond);

// Baseline: the same pairs, normalising and comparing raw strings on every pair.
void BM_ScorePairsBaselineRaw(benchmark::State& state) {
  const Prepared& p = prepared();
  double sum = 0;
  for (auto _ : state) {
    for (const auto& [a, b] : p.pairs) {
      const sk::LinkRecord& x = p.records[a];
      const sk::LinkRecord& y = p.records[b];
      sum += x.nik == y.nik ? 10 : -1;
      sum += sk::jaro_winkler(sk::normalize_name(x.name), sk::normalize_name(y.name));
      sum += x.birth_date == y.birth_date ? 8 : -2;
      sum += x.sex == y.sex ? 1 : -1;
      sum += x.kk == y.kk ? 3 : 0;
      sum += sk::jaro_winkler(x.village, y.village);
      sum += (x.rt == y.rt && x.rw == y.rw) ? 2 : 0;
      sum += sk::jaro_winkler(x.address, y.address);
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * p.pairs.size()));
}
BENCHMARK(BM_ScorePairsBaselineRaw)->Unit(benchmark::kMillisecond);

// Look-up latency of one new report against an indexed Linker.
void BM_LinkerCandidates(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  sk::Linker lk(hand_settings());
  const auto records = sample(n, 3);
  for (const auto& r : records) lk.add(r);
  const auto probes = sample(1000, 4);
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lk.candidates(probes[k++ % probes.size()], 5));
  }
}
BENCHMARK(BM_LinkerCandidates)->Arg(100000)->Unit(benchmark::kMicrosecond);

// A whole run on FEBRL4 (5,000 x 5,000), training included.
void BM_LinkFebrl4(benchmark::State& state) {
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::vector<sk::LinkRecord> out;
    std::string line;
    std::getline(in, line);
    const char* const cols[] = {"given_name",    "surname",   "street_number", "address_1",
                                "address_2",     "suburb",    "postcode",      "state",
                                "date_of_birth", "soc_sec_id"};
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::stringstream ss(line);
      std::string cell;
      std::getline(ss, cell, ',');
      sk::LinkRecord r;
      for (const char* c : cols) {
        std::getline(ss, cell, ',');
        if (!cell.empty() && cell[0] == ' ') cell.erase(0, 1);
        r.set(c, cell);
      }
      out.push_back(std::move(r));
    }
    return out;
  };
  const std::string dir = std::string(SKAMP_SHARED_DATA_DIR) + "/febrl/";
  const auto a = read(dir + "dataset4a.csv"), b = read(dir + "dataset4b.csv");
  // SKAMP_SHARED_DATA_DIR is "<source>/../shared/data".
  const std::string shared = SKAMP_SHARED_DATA_DIR;
  const std::string source =
      shared.substr(0, shared.size() - std::string("/../shared/data").size());
  std::ifstream sf(source + "/bench/febrl_settings.json");
  std::stringstream ss;
  ss << sf.rdbuf();
  if (a.empty() || ss.str().empty()) {
    state.SkipWithError("FEBRL data or settings not found");
    return;
  }
  const sk::LinkSettings s = sk::LinkSettings::from_json(ss.str());
  for (auto _ : state) benchmark::DoNotOptimize(sk::link(a, b, s));
}
BENCHMARK(BM_LinkFebrl4)->Unit(benchmark::kMillisecond)->Iterations(3);

// A whole batch run over a records file (SKAMP_BENCH_RECORDS: CSV with a header of
// LinkRecord columns, no quoting, e.g. written by bench/scale_linkage.py --write-csv), with
// the default streaming of candidate pairs (arg 1) or with every candidate stored as
// before streaming (arg 0). Peak RSS is per process: run one variant per process, e.g.
//   SKAMP_BENCH_RECORDS=/tmp/sk_1m.csv bench_linkage --benchmark_filter='LinkFile/1'
void BM_LinkFile(benchmark::State& state) {
  const char* path = std::getenv("SKAMP_BENCH_RECORDS");
  std::ifstream in(path ? path : "");
  if (!in) {
    state.SkipWithError("set SKAMP_BENCH_RECORDS to a records CSV");
    return;
  }
  std::vector<sk::LinkRecord> records;
  {
    std::string line, cell;
    std::getline(in, line);
    std::vector<std::string> header;
    std::stringstream hs(line);
    while (std::getline(hs, cell, ',')) header.push_back(cell);
    while (std::getline(in, line)) {
      sk::LinkRecord r;
      std::size_t k = 0, start = 0;
      for (std::size_t pos = 0; pos <= line.size() && k < header.size(); ++pos) {
        if (pos == line.size() || line[pos] == ',') {
          r.set(header[k++], line.substr(start, pos - start));
          start = pos + 1;
        }
      }
      records.push_back(std::move(r));
    }
  }
  sk::LinkSettings s = sk::LinkSettings::indonesian();
  s.threads = 2;
  const bool streaming = state.range(0) != 0;
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  std::size_t candidates = 0, stored = 0, kept = 0;
  double engine_seconds = 0;
  for (auto _ : state) {
    auto model = sk::detail::prepare_records(s, records, nullptr);
    if (!streaming) model->streaming.store_all_pairs = ~std::size_t{0};
    const sk::LinkResult res = sk::detail::link_prepared(model, records.size());
    candidates = res.stats.candidate_pairs;
    kept = res.stats.kept_pairs;
    stored = model->streaming.stored_pairs;
    engine_seconds = res.stats.seconds;
  }
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  state.counters["records"] = static_cast<double>(records.size());
  state.counters["candidate_pairs"] = static_cast<double>(candidates);
  state.counters["stored_pairs"] = static_cast<double>(stored);
  state.counters["kept_pairs"] = static_cast<double>(kept);
  state.counters["peak_rss_MB"] = static_cast<double>(after.ru_maxrss) / 1024.0;
  state.counters["rss_before_MB"] = static_cast<double>(before.ru_maxrss) / 1024.0;
  state.counters["pairs_per_s_per_core"] =
      static_cast<double>(candidates) / engine_seconds / s.threads;
}
BENCHMARK(BM_LinkFile)->Arg(1)->Arg(0)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

// Clustering kept pairs: near-linear in the pairs (BM_ClusterPairs) beside the former
// clustering, which checked the household rule against every member of the larger cluster
// and found each record's cluster id by scanning its cluster's members
// (BM_ClusterPairsBaselineScan). Pairs: each variant with its original, plus chains of
// name-only edges over windows of `chain` records (the shape that made clusters of tens
// of thousands of records on a population with repeated names).
struct ClusterCase {
  std::shared_ptr<sk::detail::LinkModel> model;
  std::vector<sk::LinkPair> pairs;
};

ClusterCase cluster_case(std::size_t n, std::size_t chain) {
  ClusterCase c;
  const auto records = sample(n, 5);
  sk::LinkSettings s = hand_settings();
  s.threads = 2;
  c.model = sk::detail::prepare_records(s, records, nullptr);
  c.model->compute_weights();
  std::mt19937_64 rng(9);
  for (std::size_t i = 2; i < n; i += 3)
    c.pairs.push_back(
        {static_cast<std::uint32_t>(i - 1), static_cast<std::uint32_t>(i), 30.0, 1.0});
  for (std::size_t i = 0; i + 3 < n; ++i) {
    if (i % chain != chain - 1) {
      c.pairs.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 3),
                         5.0 + static_cast<double>(rng() % 100) / 10, 0.97});
    }
  }
  return c;
}

void BM_ClusterPairs(benchmark::State& state) {
  const ClusterCase c = cluster_case(static_cast<std::size_t>(state.range(0)), 600);
  sk::LinkResult res;
  for (auto _ : state) {
    res.pairs = c.pairs;
    sk::detail::cluster_pairs(*c.model, res);
    benchmark::DoNotOptimize(res.cluster_ids.data());
  }
  state.counters["pairs"] = static_cast<double>(c.pairs.size());
  state.counters["ns_per_pair"] = benchmark::Counter(
      static_cast<double>(c.pairs.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["largest_cluster"] = static_cast<double>(res.stats.largest_cluster);
  state.counters["refused"] = static_cast<double>(res.stats.refused_merges);
}
BENCHMARK(BM_ClusterPairs)
    ->Arg(25000)
    ->Arg(100000)
    ->Arg(250000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

void BM_ClusterPairsBaselineScan(benchmark::State& state) {
  const ClusterCase c = cluster_case(static_cast<std::size_t>(state.range(0)), 600);
  const sk::detail::LinkModel& m = *c.model;
  const std::size_t n = m.size();
  std::size_t largest = 0;
  for (auto _ : state) {
    std::vector<sk::LinkPair> pairs = c.pairs;
    std::sort(pairs.begin(), pairs.end(),
              [](const sk::LinkPair& a, const sk::LinkPair& b) { return a.weight > b.weight; });
    std::vector<std::uint32_t> parent(n);
    std::vector<std::vector<std::uint32_t>> members(n);
    for (std::size_t i = 0; i < n; ++i) {
      parent[i] = static_cast<std::uint32_t>(i);
      members[i] = {static_cast<std::uint32_t>(i)};
    }
    auto find = [&](std::uint32_t x) {
      while (parent[x] != x) x = parent[x] = parent[parent[x]];
      return x;
    };
    for (const sk::LinkPair& p : pairs) {
      std::uint32_t ra = find(p.i), rb = find(p.j);
      if (ra == rb) continue;
      if (members[ra].size() < members[rb].size()) std::swap(ra, rb);
      bool apart = false;
      for (std::uint32_t x : members[rb]) {
        if (m.household[x] == 0) continue;
        for (std::uint32_t y : members[ra]) {
          if (m.household[y] == m.household[x] &&
              m.household_apart(m.household[x], m.household[y], m.pattern(x, y)))
            apart = true;
        }
      }
      if (apart) continue;
      parent[rb] = ra;
      members[ra].insert(members[ra].end(), members[rb].begin(), members[rb].end());
      std::vector<std::uint32_t>().swap(members[rb]);
    }
    std::vector<std::int64_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& mem = members[find(static_cast<std::uint32_t>(i))];
      ids[i] = *std::min_element(mem.begin(), mem.end());
      largest = std::max(largest, mem.size());
    }
    benchmark::DoNotOptimize(ids.data());
  }
  state.counters["pairs"] = static_cast<double>(c.pairs.size());
  state.counters["ns_per_pair"] = benchmark::Counter(
      static_cast<double>(c.pairs.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["largest_cluster"] = static_cast<double>(largest);
}
BENCHMARK(BM_ClusterPairsBaselineScan)
    ->Arg(25000)
    ->Arg(100000)
    ->Arg(250000)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
