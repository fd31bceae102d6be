// The compiled BLT Dana Desa rule set against a hand-written C++ function of the same
// rule, on the same decoded records: fast mode (stop at the first failure) and explain
// mode (collect every failing reason). Target: compiled <= 3x hand-written.
//   build-bench/bench/bench_rules --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <smartkampung/nik.hpp>
#include <smartkampung/rules.hpp>
#include <string>
#include <vector>

namespace sk = smartkampung;

namespace {

constexpr int kRecords = 4096;

struct Member {
  std::string nik;
  sk::Date birth;
};
struct Household {
  std::uint32_t programs = 0;  // bit 0 PKH, 1 BPNT, 2 PRAKERJA, 3 BST
  bool desa = true;
  bool lost_livelihood = false, chronic_illness = false, in_dtks = true, head_female = false;
  std::vector<Member> members;
};

struct Data {
  std::vector<Household> households;
  std::vector<std::string> json;
};

const Data& data() {
  static const Data d = [] {
    Data out;
    std::mt19937 rng(42);
    const char* codes[] = {"PKH", "BPNT", "PRAKERJA", "BST"};
    for (int i = 0; i < kRecords; ++i) {
      Household h;
      for (int b = 0; b < 4; ++b) {
        if (rng() % 8 == 0) h.programs |= 1U << b;
      }
      h.desa = rng() % 6 != 0;
      h.lost_livelihood = rng() % 3 == 0;
      h.chronic_illness = rng() % 5 == 0;
      h.in_dtks = rng() % 3 != 0;
      h.head_female = rng() % 4 == 0;
      const int n = 1 + static_cast<int>(rng() % 4);
      std::string members;
      for (int k = 0; k < n; ++k) {
        const sk::Date born(static_cast<std::int32_t>(-9000 + static_cast<int>(rng() % 18000)));
        char nik[32];
        std::snprintf(nik, sizeof nik, "351001%02d%02d%02d%04d", born.day() + (rng() % 2 ? 40 : 0),
                      born.month(), born.year() % 100, 1 + static_cast<int>(rng() % 9000));
        if (rng() % 50 == 0) nik[3] = 'x';  // a damaged NIK now and then
        h.members.push_back(Member{nik, born});
        members += std::string(k ? "," : "") + "{\"nik\":\"" + nik + "\",\"birth_date\":\"" +
                   born.to_iso() + "\"}";
      }
      std::string programs;
      for (int b = 0; b < 4; ++b) {
        if (h.programs & (1U << b))
          programs += std::string(programs.empty() ? "" : ",") + "\"" + codes[b] + "\"";
      }
      out.json.push_back(std::string("{\"kk\":{\"programs\":[") + programs +
                         "],\"region_kind\":\"" + (h.desa ? "desa" : "kelurahan") +
                         "\",\"lost_livelihood\":" + (h.lost_livelihood ? "true" : "false") +
                         ",\"chronic_illness\":" + (h.chronic_illness ? "true" : "false") +
                         ",\"in_dtks\":" + (h.in_dtks ? "true" : "false") +
                         ",\"head\":{\"sex\":\"" + (h.head_female ? "F" : "M") +
                         "\"},\"members\":[" + members + "]}}");
      out.households.push_back(std::move(h));
    }
    return out;
  }();
  return d;
}

const sk::Date kAsOf = sk::Date::parse_iso("2020-05-01");

// The same rule, written by hand (0 = eligible, else the first failing rule + 1).
struct HandOutcome {
  int reason;
  std::int64_t amount;
  std::int64_t priority;
};

inline bool nik_rule(const Household& h) {
  if (h.members.empty()) return false;
  for (const Member& m : h.members) {
    if (sk::check_nik(m.nik, kAsOf).reason != sk::NikReason::kValid) return false;
  }
  return true;
}
inline std::int64_t priority(const Household& h) {
  std::int64_t p = (h.lost_livelihood ? 1 : 0) + (h.chronic_illness ? 1 : 0) +
                   (!h.in_dtks ? 1 : 0) + (h.head_female ? 1 : 0);
  for (const Member& m : h.members) {
    if (sk::age_in_years(m.birth, kAsOf) >= 60) return p + 1;
  }
  return p;
}

HandOutcome hand_fast(const Household& h) {
  if (!nik_rule(h)) return {1, 0, 0};
  if (!h.desa) return {2, 0, 0};
  if (h.programs & 0x7U) return {3, 0, 0};
  if (!(h.lost_livelihood || h.chronic_illness || !h.in_dtks)) return {4, 0, 0};
  return {0, kAsOf < sk::Date::parse_iso("2020-07-01") ? 600000 : 300000, priority(h)};
}

HandOutcome hand_explain(const Household& h, std::vector<int>& reasons) {
  reasons.clear();
  if (!nik_rule(h)) reasons.push_back(1);
  if (!h.desa) reasons.push_back(2);
  if (h.programs & 0x7U) reasons.push_back(3);
  if (!(h.lost_livelihood || h.chronic_illness || !h.in_dtks)) reasons.push_back(4);
  if (!reasons.empty()) return {reasons[0], 0, 0};
  return {0, kAsOf < sk::Date::parse_iso("2020-07-01") ? 600000 : 300000, priority(h)};
}

struct Compiled {
  sk::RuleSet rules = sk::RuleSet::builtin("blt-dana-desa");
  sk::RecordBatch batch{rules};
  sk::Evaluator evaluator{rules, kAsOf};
  Compiled() {
    for (const auto& j : data().json) batch.append_json(j);
    // The two must agree before their speed is compared.
    std::vector<int> hand_reasons;
    std::vector<std::int32_t> reasons;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto o = evaluator.evaluate(batch, i);
      const auto h = hand_fast(data().households[i]);
      const auto e = evaluator.explain(batch, i, reasons);
      hand_explain(data().households[i], hand_reasons);
      if (static_cast<int>(o.verdict) != (h.reason == 0 ? 0 : 1) || o.amount != h.amount ||
          (h.reason != 0 && o.reason != h.reason - 1) || reasons.size() != hand_reasons.size() ||
          e.verdict != o.verdict || (h.reason == 0 && o.priority != h.priority)) {
        std::fprintf(stderr, "disagreement on record %zu\n", i);
        std::abort();
      }
    }
  }
};

const Compiled& compiled() {
  static const Compiled c;
  return c;
}

void BM_Handwritten_Fast(benchmark::State& state) {
  const auto& hs = data().households;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hand_fast(hs[i]));
    i = (i + 1) % hs.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Handwritten_Fast);

void BM_Compiled_Fast(benchmark::State& state) {
  const auto& c = compiled();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.evaluator.evaluate(c.batch, i));
    i = (i + 1) % c.batch.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Compiled_Fast);

void BM_Handwritten_Explain(benchmark::State& state) {
  const auto& hs = data().households;
  std::vector<int> reasons;
  reasons.reserve(8);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hand_explain(hs[i], reasons));
    i = (i + 1) % hs.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Handwritten_Explain);

void BM_Compiled_Explain(benchmark::State& state) {
  const auto& c = compiled();
  std::vector<std::int32_t> reasons;
  reasons.reserve(8);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.evaluator.explain(c.batch, i, reasons));
    i = (i + 1) % c.batch.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Compiled_Explain);

// For scale: decoding the JSON record (not on the hot path of a batch).
void BM_DecodeJson(benchmark::State& state) {
  const auto& c = compiled();
  sk::RecordBatch batch(c.rules);
  std::size_t i = 0;
  for (auto _ : state) {
    if (batch.size() >= 4096) batch.clear();
    batch.append_json(data().json[i]);
    i = (i + 1) % data().json.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeJson);

}  // namespace

BENCHMARK_MAIN();
