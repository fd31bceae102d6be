// Benchmarks of the geo area, each beside its baselines in this one binary:
//   BM_Nearest5/Index    FacilityIndex::nearest, k = 5, min_free = 1 (exact WGS84)
//   BM_Nearest5/Linear   the same index forced to its linear scan (unit-vector dot products,
//                        then Vincenty on the few candidates the bound leaves)
//   BM_Nearest5_SideBySide  the three interleaved in rounds on the same queries (thread CPU
//                        time): index_us, linear_us, geortree_us and best_ratio = index / best
//   BM_Nearest5_Latency  the index again, each query timed alone: p50_us / p99_us counters
//   BM_Nearest5/GeoRtree Boost.Geometry rtree in its geographic CS with the filter in the
//                        query (bgi::satisfies), then Vincenty on its 5 answers
// over 100 .. 1,000,000 houses and 1% / 50% / 100% of houses with a free bed; a batch of
// 2^18 points over 10,000 houses (BM_NearestBatch, k = 1) against the same points one at a
// time (BM_NearestBatch_Loop); and the assignment of 10,000 residents into 1,000 houses
// (greedy, optimal with k = 20).
//
//   build-bench/bench/bench_geo --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <chrono>
#include <ctime>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <smartkampung/geo.hpp>
#include <utility>
#include <vector>

#include "geo/geodesy.hpp"

using namespace smartkampung::geo;
namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {

using GeoPoint = bg::model::point<double, 2, bg::cs::geographic<bg::degree>>;
using GeoValue = std::pair<GeoPoint, std::uint32_t>;
using GeoTree = bgi::rtree<GeoValue, bgi::quadratic<16>>;

struct Data {
  std::vector<Facility> facilities;
  std::unique_ptr<FacilityIndex> index;
  std::unique_ptr<FacilityIndex> linear;
  std::unique_ptr<GeoTree> geo;
  std::vector<std::uint8_t> has_bed;
};

// Houses spread over Banyuwangi regency (about 5,800 km2).
const Data& data(std::size_t n, int available_pct) {
  static std::map<std::pair<std::size_t, int>, Data> cache;
  auto& d = cache[{n, available_pct}];
  if (!d.facilities.empty()) return d;
  std::mt19937_64 rng(n);
  std::uniform_real_distribution<double> lat(-8.8, -7.7), lon(113.8, 114.6), u(0.0, 1.0);
  std::vector<GeoValue> values;
  for (std::size_t i = 0; i < n; ++i) {
    Facility f;
    f.id = static_cast<std::int64_t>(i);
    f.lat = lat(rng);
    f.lon = lon(rng);
    f.capacity = 10;
    const bool free_bed = u(rng) * 100.0 < available_pct;
    f.occupied = free_bed ? 5 : 10;
    d.has_bed.push_back(free_bed ? 1 : 0);
    values.emplace_back(GeoPoint(f.lon, f.lat), static_cast<std::uint32_t>(i));
    d.facilities.push_back(f);
  }
  d.index = std::make_unique<FacilityIndex>(d.facilities);
  d.linear = std::make_unique<FacilityIndex>(d.facilities);
  d.linear->set_linear_scan_below(std::size_t{1} << 40);
  d.geo = std::make_unique<GeoTree>(values.begin(), values.end());
  return d;
}

const std::vector<std::pair<double, double>>& queries() {
  static const auto q = [] {
    std::vector<std::pair<double, double>> out;
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> lat(-8.8, -7.7), lon(113.8, 114.6);
    for (int i = 0; i < 4096; ++i) out.emplace_back(lat(rng), lon(rng));
    return out;
  }();
  return q;
}

const Filter kFreeBed{1, std::nullopt, false};

void BM_Nearest5_Index(benchmark::State& state) {
  const Data& d = data(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& q = queries();
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& p = q[i++ % q.size()];
    benchmark::DoNotOptimize(d.index->nearest(p.first, p.second, 5, kFreeBed));
  }
}

void BM_Nearest5_Linear(benchmark::State& state) {
  const Data& d = data(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& q = queries();
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& p = q[i++ % q.size()];
    benchmark::DoNotOptimize(d.linear->nearest(p.first, p.second, 5, kFreeBed));
  }
}

void BM_Nearest5_GeoRtree(benchmark::State& state) {
  const Data& d = data(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& q = queries();
  std::size_t i = 0;
  std::vector<GeoValue> out;
  std::vector<std::pair<double, std::int64_t>> ranked;
  for (auto _ : state) {
    const auto& p = q[i++ % q.size()];
    out.clear();
    const auto& has_bed = d.has_bed;
    d.geo->query(
        bgi::nearest(GeoPoint(p.second, p.first), 5) &&
            bgi::satisfies([&has_bed](const GeoValue& v) { return has_bed[v.second] != 0; }),
        std::back_inserter(out));
    ranked.clear();
    for (const auto& v : out) {
      ranked.emplace_back(
          wgs84_distance(p.first, p.second, bg::get<1>(v.first), bg::get<0>(v.first)), v.second);
    }
    std::sort(ranked.begin(), ranked.end());
    benchmark::DoNotOptimize(ranked.data());
  }
}

void sizes(benchmark::internal::Benchmark* b) {
  for (const int pct : {1, 50, 100}) {
    for (const long n : {100L, 1000L, 10000L, 100000L, 1000000L}) b->Args({n, pct});
  }
  b->ArgNames({"houses", "available_pct"});
}

BENCHMARK(BM_Nearest5_Index)->Apply(sizes);
BENCHMARK(BM_Nearest5_Linear)->Apply(sizes);
BENCHMARK(BM_Nearest5_GeoRtree)->Apply(sizes);

// The three side by side on the same queries, interleaved in rounds so that a change of
// load on a shared machine hits all three alike: per-query thread CPU time (median of the
// rounds) as counters index_us, linear_us, geortree_us, and best_ratio = index / the
// better of the two baselines (the issue asks for <= 1.1 at every size and availability).
double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double geo_rtree_query(const Data& d, double lat, double lon, std::vector<GeoValue>& out,
                       std::vector<std::pair<double, std::int64_t>>& ranked) {
  out.clear();
  const auto& has_bed = d.has_bed;
  d.geo->query(bgi::nearest(GeoPoint(lon, lat), 5) &&
                   bgi::satisfies([&has_bed](const GeoValue& v) { return has_bed[v.second] != 0; }),
               std::back_inserter(out));
  ranked.clear();
  for (const auto& v : out) {
    ranked.emplace_back(wgs84_distance(lat, lon, bg::get<1>(v.first), bg::get<0>(v.first)),
                        v.second);
  }
  std::sort(ranked.begin(), ranked.end());
  return ranked.empty() ? 0.0 : ranked.front().first;
}

void BM_Nearest5_SideBySide(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Data& d = data(n, static_cast<int>(state.range(1)));
  const auto& q = queries();
  // Enough queries per round for ~10 ms each.
  const std::size_t fast_queries = 2048;
  const std::size_t linear_queries =
      std::max<std::size_t>(8, std::min<std::size_t>(2048, 4000000 / n));
  std::vector<double> index_us, linear_us, geo_us;
  std::vector<GeoValue> out;
  std::vector<std::pair<double, std::int64_t>> ranked;
  double sink = 0.0;
  for (auto _ : state) {
    double t0 = thread_cpu_us();
    for (std::size_t i = 0; i < fast_queries; ++i) {
      const auto& p = q[i % q.size()];
      sink += static_cast<double>(d.index->nearest(p.first, p.second, 5, kFreeBed).size());
    }
    double t1 = thread_cpu_us();
    index_us.push_back((t1 - t0) / static_cast<double>(fast_queries));
    t0 = thread_cpu_us();
    for (std::size_t i = 0; i < linear_queries; ++i) {
      const auto& p = q[i % q.size()];
      sink += static_cast<double>(d.linear->nearest(p.first, p.second, 5, kFreeBed).size());
    }
    t1 = thread_cpu_us();
    linear_us.push_back((t1 - t0) / static_cast<double>(linear_queries));
    t0 = thread_cpu_us();
    for (std::size_t i = 0; i < fast_queries; ++i) {
      const auto& p = q[i % q.size()];
      sink += geo_rtree_query(d, p.first, p.second, out, ranked);
    }
    t1 = thread_cpu_us();
    geo_us.push_back((t1 - t0) / static_cast<double>(fast_queries));
  }
  benchmark::DoNotOptimize(sink);
  const auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const double idx = median(index_us), lin = median(linear_us), geo = median(geo_us);
  state.counters["index_us"] = idx;
  state.counters["linear_us"] = lin;
  state.counters["geortree_us"] = geo;
  state.counters["best_ratio"] = idx / std::min(lin, geo);
  state.counters["vs_geortree"] = geo / idx;
}
BENCHMARK(BM_Nearest5_SideBySide)->Apply(sizes)->Iterations(7);

// Per-query latency of FacilityIndex::nearest (k = 5, a free bed): every query timed on
// its own (steady clock), reported as counters p50_us and p99_us.
void BM_Nearest5_Latency(benchmark::State& state) {
  const Data& d = data(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& q = queries();
  std::size_t i = 0;
  std::vector<double> ns;
  ns.reserve(1 << 20);
  for (auto _ : state) {
    const auto& p = q[i++ % q.size()];
    const auto t0 = std::chrono::steady_clock::now();
    auto got = d.index->nearest(p.first, p.second, 5, kFreeBed);
    const auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(got);
    if (ns.size() < ns.capacity())
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  if (ns.empty()) return;
  const auto at = [&ns](double f) {
    const auto pos = static_cast<std::size_t>(f * static_cast<double>(ns.size() - 1));
    std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(pos), ns.end());
    return ns[pos] / 1000.0;
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
}
BENCHMARK(BM_Nearest5_Latency)->Apply(sizes);

// A batch as bench/compare_geo.py runs it from Python: k = 1, no bed filter, 10,000 houses,
// 2^18 random points a call, on `threads` threads (0: all cores); process CPU time and wall
// time. Its baseline, BM_NearestBatch_Loop, answers the same points with nearest() one at a
// time on one thread (the batch did the same per point before it ordered them).
const std::pair<std::vector<double>, std::vector<double>>& batch_points() {
  static const auto points = [] {
    std::pair<std::vector<double>, std::vector<double>> out;
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> lat(-8.8, -7.7), lon(113.8, 114.6);
    for (int i = 0; i < (1 << 18); ++i) {
      out.first.push_back(lat(rng));
      out.second.push_back(lon(rng));
    }
    return out;
  }();
  return points;
}

void BM_NearestBatch(benchmark::State& state) {
  const Data& d = data(10000, 100);
  const auto& [lats, lons] = batch_points();
  const std::size_t n = lats.size();
  std::vector<std::int64_t> ids(n);
  std::vector<double> dists(n);
  for (auto _ : state) {
    d.index->nearest_batch(n, lats.data(), lons.data(), 1, Filter{}, ids.data(), dists.data(),
                           static_cast<unsigned>(state.range(0)));
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_NearestBatch)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("threads")
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

void BM_NearestBatch_Loop(benchmark::State& state) {
  const Data& d = data(10000, 100);
  const auto& [lats, lons] = batch_points();
  for (auto _ : state) {
    for (std::size_t i = 0; i < lats.size(); ++i)
      benchmark::DoNotOptimize(d.index->nearest(lats[i], lons[i], 1));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lats.size()));
}
BENCHMARK(BM_NearestBatch_Loop)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

// Crossover for the linear scan threshold: the tree against the scan at small sizes.
void small_sizes(benchmark::internal::Benchmark* b) {
  for (const long n : {16L, 32L, 64L, 128L, 256L, 512L}) b->Args({n, 100});
  b->ArgNames({"houses", "available_pct"});
}
void BM_Crossover_Tree(benchmark::State& state) {
  const Data& d = data(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  FacilityIndex index(d.facilities);
  index.set_linear_scan_below(0);
  const auto& q = queries();
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& p = q[i++ % q.size()];
    benchmark::DoNotOptimize(index.nearest(p.first, p.second, 5, kFreeBed));
  }
}
BENCHMARK(BM_Crossover_Tree)->Apply(small_sizes);
BENCHMARK(BM_Nearest5_Linear)->Name("BM_Crossover_Linear")->Apply(small_sizes);

// 10,000 residents into 1,000 houses of 5 to 15 beds, residents clustered around towns.
void BM_Assign(benchmark::State& state) {
  const auto mode = state.range(0) == 0 ? AssignMode::kGreedy : AssignMode::kOptimal;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lat(-8.8, -7.7), lon(113.8, 114.6), u(0.0, 1.0);
  std::normal_distribution<double> spread(0.0, 0.05);
  std::vector<Facility> houses;
  for (int h = 0; h < 1000; ++h) {
    houses.push_back(
        {h, "", lat(rng), lon(rng), "", std::uniform_int_distribution<int>(5, 15)(rng), 0, true});
  }
  const std::vector<std::pair<double, double>> towns = {
      {-8.22, 114.37}, {-8.47, 114.15}, {-8.60, 114.02}};
  std::vector<double> lats, lons;
  for (int i = 0; i < 10000; ++i) {
    const auto& t = towns[static_cast<std::size_t>(i) % towns.size()];
    if (u(rng) < 0.6) {
      lats.push_back(std::clamp(t.first + spread(rng), -8.8, -7.7));
      lons.push_back(std::clamp(t.second + spread(rng), 113.8, 114.6));
    } else {
      lats.push_back(lat(rng));
      lons.push_back(lon(rng));
    }
  }
  FacilityIndex index(houses);
  Assignment a;
  for (auto _ : state) {
    a = index.assign(lats.size(), lats.data(), lons.data(), mode, 20);
    benchmark::DoNotOptimize(a.house.data());
  }
  state.counters["total_km"] = a.total_m / 1000.0;
  state.counters["max_km"] = a.max_m / 1000.0;
  state.counters["unplaced"] = static_cast<double>(a.unplaced);
}
BENCHMARK(BM_Assign)->Arg(0)->Arg(1)->ArgName("optimal")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
