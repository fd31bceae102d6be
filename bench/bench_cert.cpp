// Certificate engine speed: status_at over a 20-event log beside a stored-status lookup
// (the least a status answer can cost), the status of 100,000 businesses at a moment, and
// verifying a 100,000-event hash chain beside hashing the same bytes once.
#include <benchmark/benchmark.h>

#include <random>
#include <smartkampung/cert.hpp>
#include <string>
#include <vector>

#include "cert/engine.hpp"
#include "core/sha256.hpp"

namespace sk = smartkampung;
namespace cert = smartkampung::cert;

namespace {

constexpr sk::Instant kDay = 86400;
const sk::Instant kJuly1 = sk::start_of_day(sk::Date::from_ymd(2020, 7, 1));

cert::Business business(std::int64_t id, std::mt19937_64& rng) {
  static const char* kCats[] = {"destination", "hotel", "homestay", "cafe", "restaurant", "warung"};
  cert::Business b;
  b.id = id;
  b.name = "Usaha " + std::to_string(id);
  b.category = kCats[rng() % 6];
  b.lat = -8.6 + 0.7 * static_cast<double>(rng() % 10000) / 10000.0;
  b.lon = 113.9 + 0.6 * static_cast<double>(rng() % 10000) / 10000.0;
  b.capacity = static_cast<std::int32_t>(10 + rng() % 200);
  return b;
}

// A business with `events` events (at least 5): apply, failed audit, passed audit, issue,
// then passed evaluations every 25 days, a violation and a re-audit near the end.
void lifecycle(cert::CertificateRegistry& reg, std::int64_t id, int events, sk::Instant start) {
  reg.apply(id, start);
  reg.audit(id, start + 2 * kDay, false);
  reg.audit(id, start + 4 * kDay, true);
  reg.issue(id, start + 5 * kDay);
  sk::Instant t = start + 5 * kDay;
  for (int i = 5; i < events - 2; ++i) {
    t += 25 * kDay;
    reg.evaluate(id, t, true);
  }
  if (events >= 7) {
    reg.report_violation(id, t + kDay, "crowding");
    reg.audit(id, t + 3 * kDay, true);
  }
}

// 100,000 businesses, 1 to 20 events each (about 8 on average; the log has ~1 million).
const cert::CertificateRegistry& big_registry() {
  static const cert::CertificateRegistry* reg = [] {
    auto* r = new cert::CertificateRegistry();
    std::mt19937_64 rng(1);
    for (std::int64_t id = 0; id < 100000; ++id) {
      r->add_business(business(id, rng));
      const int events = static_cast<int>(rng() % 19);  // 0..18 more events
      if (events >= 4)
        lifecycle(*r, id, events + 1, kJuly1 + static_cast<sk::Instant>(rng() % 60) * kDay);
    }
    return r;
  }();
  return *reg;
}

// About 100,000 events: 10,000 businesses of 10 events.
const std::string& chain_100k() {
  static const std::string text = [] {
    cert::CertificateRegistry r;
    std::mt19937_64 rng(2);
    std::size_t events = 1;
    std::int64_t id = 0;
    while (events < 100000) {
      r.add_business(business(id, rng));
      lifecycle(r, id, 9, kJuly1);
      events += 10;
      ++id;
    }
    return r.to_jsonl();
  }();
  return text;
}

}  // namespace

static void BM_Baseline_StoredStatusLookup(benchmark::State& state) {
  // A table of precomputed statuses per day: what a stored-status design answers with.
  std::vector<cert::Status> by_day(800);
  for (std::size_t i = 0; i < by_day.size(); ++i) by_day[i] = static_cast<cert::Status>(i % 9);
  std::mt19937_64 rng(3);
  std::vector<sk::Instant> times(4096);
  for (auto& t : times) t = kJuly1 + static_cast<sk::Instant>(rng() % (700 * kDay));
  std::size_t i = 0;
  for (auto _ : state) {
    const sk::Instant t = times[i++ & 4095];
    benchmark::DoNotOptimize(by_day[static_cast<std::size_t>((t - kJuly1) / kDay)]);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Baseline_StoredStatusLookup);

static void BM_StatusAt_20Events_Engine(benchmark::State& state) {
  cert::CertificateRegistry reg;
  std::mt19937_64 rng(4);
  reg.add_business(business(1, rng));
  lifecycle(reg, 1, 20, kJuly1);  // + registration = 20 events
  const std::vector<cert::Event> log = reg.history(1);
  std::vector<cert::detail::Step> steps;
  for (const auto& e : log) steps.push_back({e.effective_at, e.seq, e.type, e.passed, e.serial});
  const cert::Policy policy = cert::Policy::builtin();
  const cert::detail::Engine engine(policy.impl(), sk::TimeZone::kWIB,
                                    log.front().business.category);
  std::vector<sk::Instant> times(4096);
  for (auto& t : times) t = kJuly1 + static_cast<sk::Instant>(rng() % (600 * kDay));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine.status_at(steps.data(), steps.size(), times[i++ & 4095]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["events"] = static_cast<double>(steps.size());
}
BENCHMARK(BM_StatusAt_20Events_Engine);

static void BM_StatusAt_20Events_Registry(benchmark::State& state) {
  cert::CertificateRegistry reg;
  std::mt19937_64 rng(5);
  reg.add_business(business(1, rng));
  lifecycle(reg, 1, 20, kJuly1);
  std::vector<sk::Instant> times(4096);
  for (auto& t : times) t = kJuly1 + static_cast<sk::Instant>(rng() % (600 * kDay));
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(reg.status(1, times[i++ & 4095]));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_StatusAt_20Events_Registry);

static void BM_StatusAt_20Events_PureFunction(benchmark::State& state) {
  // The public free function: sorts the events on every call.
  cert::CertificateRegistry reg;
  std::mt19937_64 rng(6);
  reg.add_business(business(1, rng));
  lifecycle(reg, 1, 20, kJuly1);
  const std::vector<cert::Event> log = reg.history(1);
  const cert::Policy policy = cert::Policy::builtin();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        cert::status_at(log, kJuly1 + static_cast<sk::Instant>(i++ % 600) * kDay, policy));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_StatusAt_20Events_PureFunction);

static void BM_AllStatuses_100kBusinesses(benchmark::State& state) {
  const cert::CertificateRegistry& reg = big_registry();
  const sk::Instant t = kJuly1 + 200 * kDay;
  for (auto _ : state) benchmark::DoNotOptimize(reg.statuses(t));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * reg.size()));
}
BENCHMARK(BM_AllStatuses_100kBusinesses)->Unit(benchmark::kMillisecond);

static void BM_Baseline_Sha256Only_100kEvents(benchmark::State& state) {
  const std::string& text = chain_100k();
  for (auto _ : state) benchmark::DoNotOptimize(sk::detail::sha256(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Baseline_Sha256Only_100kEvents)->Unit(benchmark::kMillisecond);

static void BM_VerifyChain_100kEvents(benchmark::State& state) {
  const std::string& text = chain_100k();
  for (auto _ : state) benchmark::DoNotOptimize(cert::CertificateRegistry::from_jsonl(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_VerifyChain_100kEvents)->Unit(benchmark::kMillisecond);

// ---- the sticker (issue 19): verify time per credential and the QR payload size --------

namespace {

struct StickerFixture {
  cert::SigningKey key = cert::SigningKey::generate();
  std::string text;
  std::string list;
  sk::Instant at = kJuly1 + 20 * kDay;
  StickerFixture() {
    cert::CertificateRegistry reg;
    std::mt19937_64 rng(7);
    cert::Business b = business(17, rng);
    b.name = "Warung Osing Bu Sri Tanjung";  // a realistic name length
    reg.add_business(b);
    lifecycle(reg, 17, 5, kJuly1);
    // 10,000 other certificates in the status list, one in 50 revoked.
    for (std::int64_t id = 1000; id < 11000; ++id) {
      reg.add_business(business(id, rng));
      lifecycle(reg, id, 5, kJuly1);
      if (id % 50 == 0) reg.revoke(id, kJuly1 + 10 * kDay, "fraud");
    }
    text = reg.sticker(17, at, key);
    list = reg.status_list(at, key);
  }
};

const StickerFixture& sticker_fixture() {
  static const StickerFixture f;
  return f;
}

}  // namespace

static void BM_Sticker_Verify(benchmark::State& state) {
  const StickerFixture& f = sticker_fixture();
  const std::vector<cert::PublicKey> keys = {f.key.public_key()};
  for (auto _ : state) {
    cert::Verification v = cert::verify_credential(f.text, keys, f.at);
    benchmark::DoNotOptimize(v);
  }
  state.counters["payload_chars"] = static_cast<double>(f.text.size());
}
BENCHMARK(BM_Sticker_Verify)->Unit(benchmark::kMicrosecond);

static void BM_Sticker_VerifyWithStatusList10k(benchmark::State& state) {
  const StickerFixture& f = sticker_fixture();
  const std::vector<cert::PublicKey> keys = {f.key.public_key()};
  for (auto _ : state) {
    cert::Verification v = cert::verify_credential(f.text, keys, f.at, f.list);
    benchmark::DoNotOptimize(v);
  }
  state.counters["status_list_chars"] = static_cast<double>(f.list.size());
}
BENCHMARK(BM_Sticker_VerifyWithStatusList10k)->Unit(benchmark::kMicrosecond);

// Baseline: the Ed25519 signature check alone, which verifying a credential cannot avoid.
static void BM_Baseline_Ed25519VerifyOnly(benchmark::State& state) {
  const StickerFixture& f = sticker_fixture();
  const std::string message(200, 'x');
  const std::string sig = f.key.sign(message);
  for (auto _ : state) benchmark::DoNotOptimize(f.key.public_key().verify(message, sig));
}
BENCHMARK(BM_Baseline_Ed25519VerifyOnly)->Unit(benchmark::kMicrosecond);

static void BM_Sticker_Issue(benchmark::State& state) {
  const StickerFixture& f = sticker_fixture();
  cert::Credential c;
  c.issuer = "smartkampung";
  c.name = "Warung Osing Bu Sri Tanjung";
  c.category = "warung";
  c.certificate_id = "CERT-17-1";
  for (auto _ : state) benchmark::DoNotOptimize(cert::encode_credential(c, f.key));
}
BENCHMARK(BM_Sticker_Issue)->Unit(benchmark::kMicrosecond);

static void BM_Sticker_QrPng(benchmark::State& state) {
  const StickerFixture& f = sticker_fixture();
  for (auto _ : state) benchmark::DoNotOptimize(cert::qr_png(f.text));
}
BENCHMARK(BM_Sticker_QrPng)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
