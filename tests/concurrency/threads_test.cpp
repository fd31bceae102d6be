// Thread-safety promises of the foundation, exercised from several threads at once so
// that the ThreadSanitizer build (scripts/test-tsan.sh) can see any race:
// - NIK/KK functions are pure and safe from any thread (nik.hpp, c/nik.h);
// - skamp_last_error() is per thread: one thread's failure never shows on another.
#include <gtest/gtest.h>
#include <smartkampung/smartkampung.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <smartkampung/nik.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 8;

int rounds() {
  const char* size = std::getenv("SKAMP_TEST_SIZE");
  return size != nullptr && std::string(size) == "small" ? 200 : 2000;
}

TEST(Concurrency, CApiLastErrorIsPerThread) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      skamp_nik_info info;
      std::memset(&info, 0, sizeof info);
      info.size = sizeof info;
      // Even threads fail on the birth date, odd ones on the length: each must read
      // back its own message, whatever the others did in between.
      const char* nik = t % 2 == 0 ? "3510013002900001" : "123";
      const char* expected = t % 2 == 0 ? "birth_date" : "length";
      for (int i = 0; i < rounds(); ++i) {
        if (skamp_nik_parse_as_of(&info, nik, 2020, 5, 1) != SKAMP_EINVALID) ++wrong;
        std::this_thread::yield();
        if (std::strstr(skamp_last_error(), expected) == nullptr) ++wrong;
        if (skamp_nik_parse_as_of(&info, "3510014501900001", 2020, 5, 1) != SKAMP_OK) ++wrong;
        if (skamp_last_error()[0] != '\0') ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Concurrency, NikParsingFromManyThreadsAgrees) {
  const std::vector<std::string> niks = {"3510014501900001",  "3510010501900002",
                                         "3.51001E+15",       "9910014501900001",
                                         "'3510014501900001", "3299011203950004"};
  const smartkampung::Date as_of = smartkampung::Date::from_ymd(2020, 5, 1);
  std::vector<smartkampung::NikReason> expected;
  for (const auto& nik : niks) expected.push_back(smartkampung::check_nik(nik, as_of).reason);

  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<const char*> pointers;
      for (const auto& nik : niks) pointers.push_back(nik.c_str());
      std::vector<std::int8_t> reasons(niks.size());
      for (int i = 0; i < rounds(); ++i) {
        for (std::size_t k = 0; k < niks.size(); ++k) {
          if (smartkampung::check_nik(niks[k], as_of).reason != expected[k]) ++wrong;
          // parse_nik reads the embedded region table (built once, shared).
          if (expected[k] == smartkampung::NikReason::kValid &&
              smartkampung::parse_nik(niks[k], as_of).district.size() != 6) {
            ++wrong;
          }
        }
        // The default reference date reads the clock: also from many threads at once.
        if (skamp_nik_validate_batch(reasons.data(), pointers.data(), pointers.size(), 0, 0, 0) !=
            SKAMP_OK) {
          ++wrong;
        }
        (void)smartkampung::region_name("3510");
        (void)smartkampung::today();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
