// The thread-safety promise of every C handle, exercised from several threads at once
// through the public C API (as a C caller would), so that ThreadSanitizer
// (scripts/test-tsan.sh) sees any race:
// - skamp_registry (c/registry.h): readers (dedup, programs_of, public_check, save) run
//   concurrently with writers (load_json, set_exclusions, report); a reader sees the
//   state before or after a write, never a mix.
// - skamp_ruleset (c/rules.h): evaluate / evaluate_batch / info concurrently with reload.
// - skamp_facility_index (c/geo.h): queries, reserve, release, nearest_reserve
//   concurrently with add / update / remove; beds never go below 0 or above capacity.
// - skamp_cert_registry (c/cert.h): queries, check-in and check-out concurrently with
//   events and add_business; occupancy never exceeds the cap.
// - linkage (c/linkage.h): skamp_linkage_link_json and skamp_linkage_normalize_name from any
//   thread (a skamp_linker promises nothing: one thread at a time, not tested here).
#include <gtest/gtest.h>
#include <smartkampung/smartkampung.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 4;

int rounds() {
  const char* size = std::getenv("SKAMP_TEST_SIZE");
  return size != nullptr && std::string(size) == "small" ? 60 : 400;
}

std::string take(char* json) {
  std::string s = json != nullptr ? json : "";
  skamp_free(json);
  return s;
}

// A valid NIK: province 35, regency 10, district 01, born 1980-01-01 (+40 for women), serial.
std::string nik(int serial, bool woman = false) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "351001%02d0180%04d", woman ? 41 : 1, serial);
  return buf;
}

std::string records(const char* tag, int first, int n) {
  std::string json = "[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) json += ",";
    json += "{\"nik\":\"" + nik(first + i) + "\",\"name\":\"" + tag + std::to_string(i) + "\"}";
  }
  return json + "]";
}

TEST(ConcurrencyCApi, RegistryReadersDuringWrites) {
  skamp_registry* reg = nullptr;
  ASSERT_EQ(skamp_registry_new(&reg), SKAMP_OK);
  ASSERT_EQ(skamp_registry_add_json(nullptr, reg, records("A", 1, 50).c_str(), "PKH", "central"),
            SKAMP_OK);
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < kThreads - 1; ++t) {
    readers.emplace_back([&, t] {
      const std::string path = "skamp_conc_registry_" + std::to_string(t) + ".skreg";
      int i = 0;
      while (!stop.load()) {
        char* out = nullptr;
        if (skamp_registry_dedup_json(&out, reg) != SKAMP_OK) ++wrong;
        const std::string dedup = take(out);
        if (dedup.find("\"schema\":\"skamp-dedup-report/1\"") == std::string::npos) ++wrong;
        out = nullptr;
        if (skamp_registry_programs_of_json(&out, reg, nik(1 + i % 50).c_str()) != SKAMP_OK)
          ++wrong;
        // PKH is always there; BST may or may not be yet, nothing else ever.
        const std::string progs = take(out);
        if (progs != "[\"PKH\"]" && progs != "[\"BST\",\"PKH\"]") ++wrong;
        out = nullptr;
        if (skamp_registry_public_check_json(&out, reg, nik(1 + i % 50).c_str()) != SKAMP_OK)
          ++wrong;
        if (take(out).find("\"found\":true") == std::string::npos) ++wrong;
        if (i % 10 == 0) {
          if (skamp_registry_save(reg, path.c_str()) != SKAMP_OK) ++wrong;
        }
        ++i;
      }
      std::remove(path.c_str());
    });
  }
  for (int i = 0; i < rounds(); ++i) {
    // Writers: loads into another programme, exclusions, online reports.
    if (skamp_registry_add_json(nullptr, reg, records("B", 1 + i % 50, 1).c_str(), "BST",
                                "central") != SKAMP_OK)
      ++wrong;
    if (skamp_registry_set_exclusions_json(
            reg,
            "{\"format\": \"skamp-conflicts/1\", \"conflicts\": [{\"a\": \"PKH\", \"b\": \"BST\", "
            "\"scope\": \"person\"}]}") != SKAMP_OK)
      ++wrong;
    char* out = nullptr;
    const std::string rec = "{\"nik\": \"" + nik(1000 + i) + "\", \"name\": \"Report\"}";
    if (skamp_registry_report_json(&out, reg, rec.c_str(), 1588291200) != SKAMP_OK) ++wrong;
    take(out);
  }
  stop = true;
  for (auto& thread : readers) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  skamp_registry_free(reg);
}

const char* kRecord =
    "{\"kk\": {\"programs\": [], \"region_kind\": \"desa\", \"lost_livelihood\": true,"
    " \"chronic_illness\": false, \"in_dtks\": true, \"head\": {\"sex\": \"F\"},"
    " \"members\": [{\"nik\": \"3510010101800001\", \"birth_date\": \"1980-01-01\"}]}}";

std::string read_text(const std::string& path) {
  std::string text;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

TEST(ConcurrencyCApi, RulesetEvaluateDuringReload) {
  const std::string blt =
      read_text(std::string(SKAMP_SOURCE_DIR) + "/data/rules/blt-dana-desa.json");
  const std::string bst = read_text(std::string(SKAMP_SOURCE_DIR) + "/data/rules/bst.json");
  ASSERT_FALSE(blt.empty());
  ASSERT_FALSE(bst.empty());
  skamp_ruleset* rs = nullptr;
  ASSERT_EQ(skamp_ruleset_new_json(&rs, blt.data(), blt.size(), NULL), SKAMP_OK);
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  const std::string batch = std::string("[") + kRecord + "," + kRecord + "]";
  for (int t = 0; t < kThreads - 1; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        char* out = nullptr;
        // Either rule set may be in place: both decide this record without error.
        if (skamp_ruleset_evaluate_json(&out, rs, kRecord, 2020, 5, 1, 1) != SKAMP_OK) ++wrong;
        if (take(out).find("\"schema\":\"skamp-decision/1\"") == std::string::npos) ++wrong;
        std::int8_t decisions[2];
        std::int32_t reasons[2];
        if (skamp_ruleset_evaluate_batch(decisions, nullptr, reasons, rs, batch.c_str(), 2, 2020, 5,
                                         1) != SKAMP_OK)
          ++wrong;
        if (decisions[0] != decisions[1]) ++wrong;
        (void)skamp_ruleset_reason_code(rs, reasons[0]);
        out = nullptr;
        if (skamp_ruleset_info_json(&out, rs) != SKAMP_OK) ++wrong;
        take(out);
      }
    });
  }
  for (int i = 0; i < rounds(); ++i) {
    const std::string& next = i % 2 == 0 ? bst : blt;
    if (skamp_ruleset_reload(rs, next.data(), next.size()) != SKAMP_OK) ++wrong;
    // A rejected file keeps the old set, also under readers.
    if (skamp_ruleset_reload(rs, "{", 1) == SKAMP_OK) ++wrong;
  }
  stop = true;
  for (auto& thread : readers) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  skamp_ruleset_free(rs);
}

TEST(ConcurrencyCApi, FacilityIndexQueriesReservationsAndEdits) {
  constexpr int kHouses = 20;
  constexpr std::int32_t kBeds = 5;
  std::vector<std::int64_t> ids;
  std::vector<double> lats, lons;
  std::vector<std::int32_t> capacity;
  for (int i = 0; i < kHouses; ++i) {
    ids.push_back(i);
    lats.push_back(-8.2 - 0.01 * i);
    lons.push_back(114.3 + 0.01 * i);
    capacity.push_back(kBeds);
  }
  skamp_facility_index* index = nullptr;
  ASSERT_EQ(skamp_geo_index_new(&index, ids.size(), ids.data(), lats.data(), lons.data(),
                                capacity.data(), nullptr, nullptr, nullptr),
            SKAMP_OK);
  std::atomic<int> wrong{0};
  std::atomic<int> taken{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads - 1; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < rounds(); ++i) {
        std::int64_t id = -1;
        double dist = 0;
        if (skamp_geo_index_nearest_reserve(&id, &dist, index, -8.25, 114.35, 1, nullptr) !=
            SKAMP_OK)
          ++wrong;
        // A bed in one of the editor's short-lived houses (ids from 1000) leaves with its
        // house, so only beds in the fixed houses are counted.
        if (id >= 0 && id < kHouses) {
          ++taken;
          std::int32_t free_beds = -1;
          if (skamp_geo_index_free_beds(&free_beds, index, id) != SKAMP_OK) ++wrong;
          if (free_beds < 0 || free_beds > kBeds) ++wrong;
          if (i % 2 == 0) {
            if (skamp_geo_index_release(index, id, 1) != SKAMP_OK) ++wrong;
            --taken;
          }
        }
        int ok = -1;
        if (skamp_geo_index_reserve(&ok, index, (t + i) % kHouses, 1) != SKAMP_OK) ++wrong;
        if (ok == 1) {
          if (skamp_geo_index_release(index, (t + i) % kHouses, 1) != SKAMP_OK) ++wrong;
        }
        std::size_t count = 0;
        std::int64_t near_ids[3];
        double near_dists[3];
        if (skamp_geo_index_nearest(&count, near_ids, near_dists, index, -8.2, 114.3, 3, nullptr) !=
            SKAMP_OK)
          ++wrong;
        std::int64_t* within_ids = nullptr;
        double* within_dists = nullptr;
        if (skamp_geo_index_within(&within_ids, &within_dists, &count, index, -8.2, 114.3, 50000.0,
                                   nullptr) != SKAMP_OK)
          ++wrong;
        skamp_free(within_ids);
        skamp_free(within_dists);
      }
    });
  }
  // The editor: adds, updates and removes houses of its own while the others run.
  threads.emplace_back([&] {
    for (int i = 0; i < rounds(); ++i) {
      skamp_facility f;
      std::memset(&f, 0, sizeof f);
      f.size = sizeof f;
      f.id = 1000 + i;
      f.lat = -8.3;
      f.lon = 114.4;
      f.capacity = 2;
      f.open = 1;
      f.kind = "house";
      if (skamp_geo_index_add(index, &f) != SKAMP_OK) ++wrong;
      f.capacity = 3;
      if (skamp_geo_index_update(index, &f) != SKAMP_OK) ++wrong;
      if (skamp_geo_index_remove(index, f.id) != SKAMP_OK) ++wrong;
    }
    stop = true;
  });
  for (auto& thread : threads) thread.join();
  std::int32_t total_free = 0;
  for (int i = 0; i < kHouses; ++i) {
    std::int32_t free_beds = -1;
    ASSERT_EQ(skamp_geo_index_free_beds(&free_beds, index, i), SKAMP_OK);
    total_free += free_beds;
  }
  // Every bed kept by nearest_reserve (and only those) is taken in the end.
  EXPECT_EQ(total_free, kHouses * kBeds - taken.load());
  EXPECT_EQ(wrong.load(), 0);
  std::size_t size = 0;
  EXPECT_EQ(skamp_geo_index_size(&size, index), SKAMP_OK);
  EXPECT_EQ(size, static_cast<std::size_t>(kHouses));
  skamp_geo_index_free(index);
}

// 2020-07-01 00:00 WIB.
constexpr std::int64_t kJuly1 = 1593536400;
constexpr std::int64_t kDay = 86400;

TEST(ConcurrencyCApi, CertCheckInsDuringEvents) {
  skamp_cert_registry* reg = nullptr;
  ASSERT_EQ(skamp_cert_registry_new(&reg, nullptr, 0), SKAMP_OK);
  ASSERT_EQ(skamp_cert_add_business(reg, 7, "Warung", "restaurant", -8.2192, 114.3691, 101, nullptr,
                                    SKAMP_CERT_NO_TIME),
            SKAMP_OK);
  ASSERT_EQ(skamp_cert_apply(reg, 7, kJuly1), SKAMP_OK);
  ASSERT_EQ(skamp_cert_audit(reg, 7, kJuly1 + kDay, 1, nullptr), SKAMP_OK);
  ASSERT_EQ(skamp_cert_issue(nullptr, reg, 7, kJuly1 + 2 * kDay), SKAMP_OK);
  const std::int64_t now = kJuly1 + 10 * kDay;
  std::int32_t cap = 0;
  ASSERT_EQ(skamp_cert_max_visitors(&cap, reg, 7, now), SKAMP_OK);
  ASSERT_GT(cap, 0);
  std::atomic<int> wrong{0};
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads - 1; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < rounds() * 4; ++i) {
        int admitted = -1;
        if (skamp_cert_check_in(&admitted, reg, 7, now, 3) != SKAMP_OK) ++wrong;
        if (admitted == 1) {
          const int now_inside = inside += 3;
          int seen = max_inside.load();
          while (now_inside > seen && !max_inside.compare_exchange_weak(seen, now_inside)) {
          }
          std::int32_t occupancy = -1;
          if (skamp_cert_occupancy(&occupancy, reg, 7) != SKAMP_OK || occupancy < 3 ||
              occupancy > cap)
            ++wrong;
          inside -= 3;
          if (skamp_cert_check_out(reg, 7, now, 3) != SKAMP_OK) ++wrong;
        }
        skamp_cert_status status = SKAMP_CERT_NONE;
        if (skamp_cert_status_at(&status, reg, 7, now) != SKAMP_OK || status != SKAMP_CERT_ACTIVE)
          ++wrong;
        char* out = nullptr;
        if (skamp_cert_certified_near_json(&out, reg, -8.22, 114.37, 5000.0, now, nullptr) !=
            SKAMP_OK)
          ++wrong;
        take(out);
        out = nullptr;
        if (skamp_cert_history_json(&out, reg, 7) != SKAMP_OK) ++wrong;
        take(out);
      }
    });
  }
  // The writer: new businesses going through their own lifecycle under the lock.
  threads.emplace_back([&] {
    for (int i = 0; i < rounds(); ++i) {
      const std::int64_t id = 100 + i;
      if (skamp_cert_add_business(reg, id, "Homestay", "lodging", -8.2, 114.3, 20, nullptr,
                                  SKAMP_CERT_NO_TIME) != SKAMP_OK)
        ++wrong;
      if (skamp_cert_apply(reg, id, kJuly1) != SKAMP_OK) ++wrong;
      if (skamp_cert_audit(reg, id, kJuly1 + kDay, 1, "ok") != SKAMP_OK) ++wrong;
      if (skamp_cert_issue(nullptr, reg, id, kJuly1 + 2 * kDay) != SKAMP_OK) ++wrong;
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(max_inside.load(), cap);
  std::int32_t occupancy = -1;
  EXPECT_EQ(skamp_cert_occupancy(&occupancy, reg, 7), SKAMP_OK);
  EXPECT_EQ(occupancy, 0);
  skamp_cert_registry_free(reg);
}

TEST(ConcurrencyCApi, LinkJsonAndNormalizeFromManyThreads) {
  const char* records =
      "[{\"nik\": \"3510014501900001\", \"name\": \"Siti Aminah\", \"birth_date\": \"1990-01-05\"},"
      " {\"nik\": \"3510014501900002\", \"name\": \"Siti Aminah\", \"birth_date\": \"1990-01-05\"},"
      " {\"nik\": null, \"name\": \"Budi Santoso\", \"birth_date\": \"1985-03-12\"}]";
  char* first = nullptr;
  ASSERT_EQ(skamp_linkage_link_json(&first, records, nullptr, nullptr, -1.0), SKAMP_OK)
      << skamp_last_error();
  const std::string expected = take(first);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < rounds() / 10 + 1; ++i) {
        char* out = nullptr;
        if (skamp_linkage_link_json(&out, records, nullptr, nullptr, -1.0) != SKAMP_OK) ++wrong;
        // Deterministic: every thread gets the same answer as the first call.
        if (take(out) != expected) ++wrong;
        out = nullptr;
        if (skamp_linkage_normalize_name(&out, "H. Djoko  Santoso") != SKAMP_OK) ++wrong;
        if (take(out) != "joko santoso") ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
