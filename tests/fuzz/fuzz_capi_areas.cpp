// The C API of the rules, geo and cert areas driven by the input bytes (as h3 fuzzes its
// C API): each input is a program of calls on one skamp_ruleset, one
// skamp_facility_index and one skamp_cert_registry, with arguments (ids, coordinates,
// counts, times, text) taken from the bytes. Caller arrays are allocated at exactly the
// size the call is told, so ASan sees a write past them. Invariants: status and
// skamp_last_error() agree; counts stay within what was asked; free beds stay within
// [0, capacity]; occupancy within [0, cap]; JSON results carry their schema field.
#include <smartkampung/smartkampung.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_bytes.hpp"
#include "fuzz_capi.hpp"
#include "fuzz_check.hpp"

namespace {

using skamp_fuzz::check_status;

class Program {
 public:
  Program(const std::uint8_t* data, std::size_t size) : in_(data, size) {}
  skamp_fuzz::Bytes& in() { return in_; }
  std::int64_t small_id() { return static_cast<std::int64_t>(in_.byte() % 6) - 1; }
  std::int32_t count() { return static_cast<std::int32_t>(static_cast<std::int8_t>(in_.byte())); }
  // Mostly a plausible coordinate, sometimes raw bits (NaN, infinities, huge values).
  double coordinate(double limit) {
    const std::uint8_t b = in_.byte();
    if (b < 200) return (static_cast<double>(b) / 100.0 - 1.0) * limit;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | in_.byte();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  std::int64_t time() {
    // 2020-07-01 00:00 WIB plus up to ~2 years in 3-day steps, or NO_TIME.
    const std::uint8_t b = in_.byte();
    if (b == 255) return SKAMP_CERT_NO_TIME;
    return 1593536400 + static_cast<std::int64_t>(b) * 3 * 86400 + in_.byte() * 3600;
  }

 private:
  skamp_fuzz::Bytes in_;
};

void ruleset_calls(Program& p, skamp_ruleset* rs) {
  char* out = nullptr;
  skamp_status status;
  switch (p.in().byte() % 4) {
    case 0: {
      const std::string record = p.in().line();
      status = skamp_ruleset_evaluate_json(&out, rs, record.c_str(), 2019 + p.in().byte() % 3,
                                           1 + p.in().byte() % 12, 1 + p.in().byte() % 31,
                                           p.in().byte() & 1);
      check_status(status);
      if (status == SKAMP_OK)
        FUZZ_CHECK(out != nullptr && std::strstr(out, "\"schema\":\"skamp-decision/1\""));
      if (status != SKAMP_OK) FUZZ_CHECK(out == nullptr);
      break;
    }
    case 1: {
      const std::size_t n = p.in().byte() % 4;
      const std::string records = p.in().line();
      std::unique_ptr<std::int8_t[]> decisions(new std::int8_t[n + (n == 0)]);
      std::unique_ptr<std::int64_t[]> amounts(new std::int64_t[n + (n == 0)]);
      std::unique_ptr<std::int32_t[]> reasons(new std::int32_t[n + (n == 0)]);
      status = skamp_ruleset_evaluate_batch(decisions.get(), amounts.get(), reasons.get(), rs,
                                            records.c_str(), n, 2020, 5, 1);
      check_status(status);
      if (status == SKAMP_OK) {
        for (std::size_t i = 0; i < n; ++i) {
          FUZZ_CHECK(decisions[i] >= 0 && decisions[i] <= 2);
          FUZZ_CHECK(skamp_ruleset_reason_code(rs, reasons[i]) != nullptr);
        }
      }
      break;
    }
    case 2: {
      char* before = nullptr;
      FUZZ_CHECK(skamp_ruleset_to_json(&before, rs) == SKAMP_OK);
      const std::string text = p.in().line();
      status = skamp_ruleset_reload(rs, text.data(), text.size());
      check_status(status);
      FUZZ_CHECK(skamp_ruleset_to_json(&out, rs) == SKAMP_OK);
      // A rejected file keeps the previous rule set.
      if (status != SKAMP_OK) FUZZ_CHECK(std::strcmp(before, out) == 0);
      skamp_free(before);
      break;
    }
    default:
      FUZZ_CHECK(skamp_ruleset_reason_code(
                     rs, static_cast<std::int32_t>(p.count()) * 1000 + p.count()) != nullptr);
      FUZZ_CHECK(skamp_ruleset_info_json(&out, rs) == SKAMP_OK);
      FUZZ_CHECK(std::strstr(out, "\"schema\":\"skamp-ruleset-info/1\"") != nullptr);
      break;
  }
  skamp_free(out);
}

void geo_calls(Program& p, skamp_facility_index* index) {
  skamp_status status;
  switch (p.in().byte() % 7) {
    case 0:
    case 1: {
      std::unique_ptr<skamp_facility> f(new skamp_facility);
      std::memset(f.get(), 0, sizeof *f);
      f->size = sizeof *f;
      f->id = p.small_id();
      f->lat = p.coordinate(90);
      f->lon = p.coordinate(180);
      f->capacity = p.count();
      f->occupied = p.count();
      f->open = p.in().byte() & 1;
      const std::string kind = p.in().line();
      f->kind = kind.empty() ? nullptr : kind.c_str();
      f->name = "Rumah";
      status = p.in().byte() & 1 ? skamp_geo_index_add(index, f.get())
                                 : skamp_geo_index_update(index, f.get());
      check_status(status);
      break;
    }
    case 2:
      check_status(skamp_geo_index_remove(index, p.small_id()));
      break;
    case 3: {
      const std::size_t k = p.in().byte() % 5;
      std::unique_ptr<std::int64_t[]> ids(new std::int64_t[k + (k == 0)]);
      std::unique_ptr<double[]> dists(new double[k + (k == 0)]);
      std::size_t count = 99;
      std::unique_ptr<skamp_facility_filter> filter(new skamp_facility_filter);
      filter->size = sizeof *filter;
      filter->min_free = p.count();
      filter->kind = nullptr;
      filter->include_closed = p.in().byte() & 1;
      status =
          skamp_geo_index_nearest(&count, ids.get(), dists.get(), index, p.coordinate(90),
                                  p.coordinate(180), k, p.in().byte() & 1 ? filter.get() : nullptr);
      check_status(status);
      if (status == SKAMP_OK) FUZZ_CHECK(count <= k);
      break;
    }
    case 4: {
      std::int64_t* ids = nullptr;
      double* dists = nullptr;
      std::size_t count = 0;
      status = skamp_geo_index_within(&ids, &dists, &count, index, p.coordinate(90),
                                      p.coordinate(180), p.coordinate(1e6), nullptr);
      check_status(status);
      if (status == SKAMP_OK && count > 0) {
        for (std::size_t i = 1; i < count; ++i) FUZZ_CHECK(dists[i - 1] <= dists[i]);
      }
      skamp_free(ids);
      skamp_free(dists);
      break;
    }
    case 5: {
      const std::int64_t id = p.small_id();
      const std::int32_t n = p.count();
      int taken = -1;
      status = p.in().byte() & 1 ? skamp_geo_index_reserve(&taken, index, id, n)
                                 : skamp_geo_index_release(index, id, n);
      check_status(status);
      std::int32_t free_beds = -1;
      if (skamp_geo_index_free_beds(&free_beds, index, id) == SKAMP_OK) FUZZ_CHECK(free_beds >= 0);
      std::int64_t got = 0;
      double dist = 0;
      check_status(skamp_geo_index_nearest_reserve(&got, &dist, index, p.coordinate(90),
                                                   p.coordinate(180), p.count(), nullptr));
      break;
    }
    default: {
      const std::size_t n = p.in().byte() % 4;
      std::vector<double> lats(n), lons(n);
      for (std::size_t i = 0; i < n; ++i) {
        lats[i] = p.coordinate(90);
        lons[i] = p.coordinate(180);
      }
      std::unique_ptr<std::int64_t[]> houses(new std::int64_t[n + (n == 0)]);
      double total = 0, max = 0;
      status =
          skamp_geo_index_assign(houses.get(), &total, &max, index, n, lats.data(), lons.data(),
                                 p.in().byte() & 1 ? SKAMP_ASSIGN_OPTIMAL : SKAMP_ASSIGN_GREEDY,
                                 p.in().byte() % 4, p.in().byte() & 1);
      check_status(status);
      if (status == SKAMP_OK) FUZZ_CHECK(!(total < 0) && !(max < 0));
      break;
    }
  }
}

void cert_calls(Program& p, skamp_cert_registry* reg) {
  const std::int64_t id = p.small_id();
  const std::int64_t at = p.time();
  const std::string text = p.in().line();
  const char* reason = text.empty() ? nullptr : text.c_str();
  std::int64_t serial = 0;
  char* out = nullptr;
  skamp_status status = SKAMP_OK;
  switch (p.in().byte() % 15) {
    case 0:
      status = skamp_cert_add_business(reg, id, reason, p.in().byte() & 1 ? "restaurant" : reason,
                                       p.coordinate(90), p.coordinate(180), p.count(),
                                       p.in().byte() & 1 ? nullptr : "zona-a", at);
      break;
    case 1:
      status = skamp_cert_apply(reg, id, at);
      break;
    case 2:
      status = skamp_cert_audit(reg, id, at, p.in().byte() & 1, reason);
      break;
    case 3:
      status = skamp_cert_issue(&serial, reg, id, at);
      break;
    case 4:
      status = skamp_cert_evaluate(reg, id, at, p.in().byte() & 1, reason);
      break;
    case 5:
      status = skamp_cert_report_violation(reg, id, at, reason);
      break;
    case 6:
      status = skamp_cert_suspend(reg, id, at, reason);
      break;
    case 7:
      status = skamp_cert_reinstate(reg, id, at);
      break;
    case 8:
      status = skamp_cert_revoke(reg, id, at, reason, p.time());
      break;
    case 9:
      status = skamp_cert_renew(&serial, reg, id, at);
      break;
    case 10:
      status = skamp_cert_withdraw(reg, id, at, reason);
      break;
    case 11: {
      int admitted = -1;
      status = skamp_cert_check_in(&admitted, reg, id, at, p.count());
      check_status(status);
      std::int32_t occupancy = -1, cap = -1;
      if (skamp_cert_occupancy(&occupancy, reg, id) == SKAMP_OK) {
        FUZZ_CHECK(occupancy >= 0);
        if (status == SKAMP_OK && admitted == 1 &&
            skamp_cert_max_visitors(&cap, reg, id, at) == SKAMP_OK) {
          FUZZ_CHECK(occupancy <= cap);
        }
      }
      status = skamp_cert_check_out(reg, id, at, p.count());
      break;
    }
    case 12: {
      skamp_cert_status s = SKAMP_CERT_NONE;
      status = skamp_cert_status_at(&s, reg, id, at);
      if (status == SKAMP_OK) FUZZ_CHECK(std::strcmp(skamp_cert_status_str(s), "unknown") != 0);
      break;
    }
    case 13:
      status = skamp_cert_history_json(&out, reg, id);
      if (status == SKAMP_OK)
        FUZZ_CHECK(out != nullptr &&
                   std::strstr(out, "\"schema\":\"skamp-cert-history/1\"") != nullptr);
      break;
    default:
      status = skamp_cert_certified_near_json(&out, reg, p.coordinate(90), p.coordinate(180),
                                              p.coordinate(1e5), at,
                                              p.in().byte() & 1 ? reason : nullptr);
      if (status == SKAMP_OK)
        FUZZ_CHECK(out != nullptr &&
                   std::strstr(out, "\"schema\":\"skamp-cert-near/1\"") != nullptr);
      break;
  }
  check_status(status);
  skamp_free(out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Program p(data, size);
  skamp_ruleset* rs = nullptr;
  FUZZ_CHECK(skamp_ruleset_builtin(&rs, p.in().byte() & 1 ? "bst" : "blt-dana-desa") == SKAMP_OK);
  const std::int64_t ids[] = {0, 1, 2};
  const double lats[] = {-8.2, -8.21, -8.3};
  const double lons[] = {114.3, 114.31, 114.4};
  const std::int32_t capacity[] = {2, 3, 0};
  skamp_facility_index* index = nullptr;
  FUZZ_CHECK(skamp_geo_index_new(&index, 3, ids, lats, lons, capacity, nullptr, nullptr, nullptr) ==
             SKAMP_OK);
  skamp_cert_registry* reg = nullptr;
  FUZZ_CHECK(skamp_cert_registry_new(&reg, nullptr, 0) == SKAMP_OK);
  for (int step = 0; step < 64 && !p.in().empty(); ++step) {
    switch (p.in().byte() % 3) {
      case 0:
        ruleset_calls(p, rs);
        break;
      case 1:
        geo_calls(p, index);
        break;
      default:
        cert_calls(p, reg);
        break;
    }
  }
  skamp_cert_registry_free(reg);
  skamp_geo_index_free(index);
  skamp_ruleset_free(rs);
  return 0;
}
