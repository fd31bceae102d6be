// Exact dedup of N enrolments (default 10 million; SKAMP_BENCH_N to change) beside its
// baseline, std::sort + std::unique on the same N uint64 NIK keys, in one run. Also the
// CSV reader and the registry's loader (split + normalise) in MB/s, and the memory held
// per enrolment.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <smartkampung/io.hpp>
#include <smartkampung/registry.hpp>
#include <smartkampung/sample.hpp>

#include "registry/internal.hpp"

namespace sk = smartkampung;
namespace skd = smartkampung::detail;

namespace {

std::size_t bench_n() {
  const char* s = std::getenv("SKAMP_BENCH_N");
  return s != nullptr ? static_cast<std::size_t>(std::atoll(s)) : 10'000'000;
}

std::uint64_t random_nik(std::mt19937_64& rng) {
  const std::uint64_t district = 1 + rng() % 25;
  const std::uint64_t day = 1 + rng() % 28 + (rng() % 2 ? 40 : 0);
  const std::uint64_t date = day * 10000 + (1 + rng() % 12) * 100 + rng() % 100;
  return ((351000 + district) * 1000000 + date) * 10000 + 1 + rng() % 9999;
}

// 8 programmes over a population of 0.7 N persons: duplicates and overlaps as in the sample.
struct Fixture {
  skd::Snapshot snap;
  std::vector<std::uint64_t> keys;  // the same NIKs, for the baseline
  Fixture() {
    const std::size_t n = bench_n();
    std::mt19937_64 rng(99);
    std::vector<std::uint64_t> persons(n * 7 / 10);
    std::vector<std::uint64_t> kks(persons.size());
    for (std::size_t i = 0; i < persons.size(); ++i) {
      persons[i] = random_nik(rng);
      kks[i] = random_nik(rng) / 10000 * 10000 + i % 4 + 1;
    }
    const char* names[] = {"BLT_DD",     "BPNT",      "BST", "DONASI_ASN",
                           "GIZI_BUMIL", "JATIM_BKK", "PKH", "SEMBAKO_BWI"};
    for (std::size_t p = 0; p < 8; ++p) {
      auto list = std::make_shared<skd::ProgramList>();
      list->name = names[p];
      snap.programs.push_back(list);
    }
    keys.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t who = rng() % persons.size();
      skd::Row row;
      row.nik = persons[who];
      row.kk = kks[who];
      row.name_key = who * 0x9E3779B97F4A7C15ULL + (rng() % 100 == 0 ? 1 : 0);
      row.birth = static_cast<std::int32_t>(who % 20000);
      row.sex = 'M';
      auto& list = const_cast<skd::ProgramList&>(*snap.programs[rng() % 8]);
      list.rows.push_back(row);
      keys.push_back(row.nik);
    }
    snap.exclusions = sk::ConflictTable({{"PKH", "BST", sk::ConflictScope::kKk}});
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_RegistryDedup(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    sk::DedupReport rep = skd::dedup_snapshot(f.snap);
    benchmark::DoNotOptimize(rep.unique_persons);
  }
  const auto rep = skd::dedup_snapshot(f.snap);
  state.counters["enrolments"] = static_cast<double>(f.keys.size());
  state.counters["persons"] = static_cast<double>(rep.unique_persons);
  state.counters["overlaps"] = static_cast<double>(rep.overlaps.size());
  // Held per enrolment: the Row (its text lives in the pool, counted apart).
  state.counters["bytes_held_per_enrolment"] = static_cast<double>(sizeof(skd::Row));
  // Transient during dedup: the persons' key and 16-byte summary, twice (the key sort's
  // buckets), and the KK key, twice.
  state.counters["bytes_transient_per_enrolment"] = 2.0 * (8 + 16) + 2.0 * 8;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.keys.size()));
}
// Wall time (it runs on every core) and the CPU time of all its threads.
BENCHMARK(BM_RegistryDedup)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

void BM_Baseline_StdSortUnique(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::uint64_t> keys = f.keys;
    state.ResumeTiming();
    std::sort(keys.begin(), keys.end());
    const auto end = std::unique(keys.begin(), keys.end());
    benchmark::DoNotOptimize(end);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.keys.size()));
}
BENCHMARK(BM_Baseline_StdSortUnique)->Unit(benchmark::kMillisecond)->Iterations(3);

// A sample programme file as CSV text (`;`, CRLF), built once for both CSV benchmarks.
const std::string& sample_csv_text() {
  static const std::string text = [] {
    const sk::SamplePopulation s =
        sk::sample_banyuwangi(std::min<std::size_t>(bench_n(), 2'000'000), 5);
    std::string out = "nik;kk;nama;tgl_lahir;jk;alamat;desa;kecamatan;rt;rw\r\n";
    const auto& r = s.records;
    for (std::size_t i = 0; i < r.nik.size(); ++i) {
      const std::string* f[] = {&r.nik[i], &r.kk[i],      &r.name[i],    &r.birth_date[i],
                                &r.sex[i], &r.address[i], &r.village[i], &r.district[i],
                                &r.rt[i],  &r.rw[i]};
      for (std::size_t k = 0; k < 10; ++k) {
        if (k) out.push_back(';');
        out += sk::csv_escape(*f[k], ';');
      }
      out += "\r\n";
    }
    return out;
  }();
  return text;
}

// The CSV reader on a sample programme file (MB/s), one thread and two.
void BM_CsvParse(benchmark::State& state) {
  const std::string& text = sample_csv_text();
  sk::CsvOptions options;
  options.threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    const sk::CsvTable t = sk::parse_csv(text, options);
    benchmark::DoNotOptimize(t.rows());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_CsvParse)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// What Registry::load_csv does after reading the file: records split and normalised
// straight into rows (MB/s), one thread and two.
void BM_CsvNormalize(benchmark::State& state) {
  const std::string& text = sample_csv_text();
  const auto threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    const skd::NormalizeOutput out = skd::normalize_csv_bytes(
        text, false, {}, sk::Date::from_ymd(2024, 6, 1), threads, 1u << 20);
    benchmark::DoNotOptimize(out.rows.size());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_CsvNormalize)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
