// NIK parsing cost per call and in batch, beside a baseline that only checks that
// 16 characters are digits (the least any validator must do).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <smartkampung/nik.hpp>
#include <string>
#include <vector>

namespace sk = smartkampung;

namespace {
const sk::Date kAsOf = sk::Date::from_ymd(2020, 5, 1);

// 1 million NIKs: 90% valid, the rest damaged in the ways district lists are.
// Stored contiguously, as a batch arrives from a CSV buffer or a numpy column.
struct Column {
  std::string buffer;
  std::vector<std::string_view> views;
};

const std::vector<std::string_view>& sample() {
  static const Column column = [] {
    std::mt19937_64 rng(42);
    std::vector<std::string> out;
    out.reserve(1000000);
    char buf[32];
    for (int i = 0; i < 1000000; ++i) {
      const int district = 1 + static_cast<int>(rng() % 25);
      const int day = 1 + static_cast<int>(rng() % 28) + (rng() % 2 ? 40 : 0);
      const int month = 1 + static_cast<int>(rng() % 12);
      const int year = static_cast<int>(rng() % 100);
      std::snprintf(buf, sizeof buf, "3510%02d%02d%02d%02d%04d", district, day, month, year,
                    1 + static_cast<int>(rng() % 9999));
      std::string nik = buf;
      switch (rng() % 20) {
        case 0:
          nik[9] = '9';
          break;  // month 19 or 09
        case 1:
          nik.pop_back();
          break;  // 15 digits
        default:
          break;
      }
      out.push_back(std::move(nik));
    }
    Column col;
    for (const auto& n : out) col.buffer += n;
    std::size_t offset = 0;
    for (const auto& n : out) {
      col.views.emplace_back(col.buffer.data() + offset, n.size());
      offset += n.size();
    }
    return col;
  }();
  return column.views;
}

bool baseline_all_digits(std::string_view s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
}  // namespace

static void BM_Baseline_DigitsOnly_Batch(benchmark::State& state) {
  const auto& niks = sample();
  for (auto _ : state) {
    std::size_t valid = 0;
    for (const auto& n : niks) valid += baseline_all_digits(n);
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * niks.size()));
}
BENCHMARK(BM_Baseline_DigitsOnly_Batch)->Unit(benchmark::kMillisecond);

static void BM_CheckNik_Batch(benchmark::State& state) {
  const auto& niks = sample();
  for (auto _ : state) {
    std::size_t valid = 0;
    for (const auto& n : niks) valid += sk::check_nik(n, kAsOf).reason == sk::NikReason::kValid;
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * niks.size()));
}
BENCHMARK(BM_CheckNik_Batch)->Unit(benchmark::kMillisecond);

static void BM_CheckNik_PerCall(benchmark::State& state) {
  const std::string nik = "3510014501900001";
  for (auto _ : state) {
    benchmark::DoNotOptimize(sk::check_nik(nik, kAsOf));
  }
}
BENCHMARK(BM_CheckNik_PerCall);

static void BM_ParseNik_PerCall(benchmark::State& state) {
  const std::string nik = "3510014501900001";
  for (auto _ : state) {
    benchmark::DoNotOptimize(sk::parse_nik(nik, kAsOf));
  }
}
BENCHMARK(BM_ParseNik_PerCall);

BENCHMARK_MAIN();
