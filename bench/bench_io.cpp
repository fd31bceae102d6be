// The intake layer's date reader on a column of 10 M cells in DD/MM/YY, the shape of
// the PKH lists with two-digit years (target: under 30 ns a cell), against a baseline
// of strptime + timegm on the same cells.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <smartkampung/intake.hpp>
#include <string>
#include <vector>

namespace sk = smartkampung;

namespace {

constexpr std::size_t kCells = 10'000'000;

// 10 M cells "DD/MM/YY" back to back (8 bytes each), birth dates 1940-2005.
const std::string& column() {
  static const std::string text = [] {
    std::string out(kCells * 8, '\0');
    std::mt19937_64 rng(7);
    char buf[16];
    for (std::size_t i = 0; i < kCells; ++i) {
      int y = 0, m = 0, d = 0;
      sk::civil_from_days(
          sk::days_from_civil(1940, 1, 1) + static_cast<std::int32_t>(rng() % (65 * 365)), y, m, d);
      std::snprintf(buf, sizeof buf, "%02d/%02d/%02d", d, m, y % 100);
      out.replace(i * 8, 8, buf, 8);
    }
    return out;
  }();
  return text;
}

void BM_DateReaderDdMmYy(benchmark::State& state) {
  const std::string& text = column();
  const sk::DateReader reader(sk::Date::from_ymd(2024, 6, 1));
  for (auto _ : state) {
    sk::DateOrderVotes votes;
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < kCells; ++i) {
      const sk::DateCell c = reader.read(std::string_view(text.data() + i * 8, 8));
      votes.add(c);
      sum += c.day_first;
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(votes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kCells));
  state.counters["ns_per_cell"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kCells),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DateReaderDdMmYy)->Unit(benchmark::kMillisecond)->UseRealTime();

// Baseline: strptime("%d/%m/%y") and timegm, 1 M cells (it is slow), per cell.
void BM_BaselineStrptime(benchmark::State& state) {
  const std::string& text = column();
  constexpr std::size_t kBaseline = 1'000'000;
  for (auto _ : state) {
    std::int64_t sum = 0;
    char cell[9] = {};
    for (std::size_t i = 0; i < kBaseline; ++i) {
      std::memcpy(cell, text.data() + i * 8, 8);
      std::tm tm{};
      if (strptime(cell, "%d/%m/%y", &tm) != nullptr) sum += timegm(&tm) / 86400;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBaseline));
  state.counters["ns_per_cell"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kBaseline),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_BaselineStrptime)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
