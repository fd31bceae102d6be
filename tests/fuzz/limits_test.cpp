// Huge and deeply nested inputs get a clear answer (a result, or Error with kLimit or
// kParse), never a stack overflow or an allocation of gigabytes. One section per parser,
// compiled when its area's header is in the tree.
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <smartkampung/error.hpp>
#include <smartkampung/nik.hpp>
#include <string>

#if __has_include(<smartkampung/c/registry.h>) && __has_include(<smartkampung/c/rules.h>) && \
    __has_include(<smartkampung/c/geo.h>) && __has_include(<smartkampung/c/cert.h>)
#include <smartkampung/smartkampung.h>
#define SKAMP_LIMITS_HAVE_AREAS 1
#endif

#if __has_include(<smartkampung/io.hpp>)
#include <smartkampung/io.hpp>
#define SKAMP_LIMITS_HAVE_IO 1
#endif

namespace {

bool small() {
  const char* size = std::getenv("SKAMP_TEST_SIZE");
  return size != nullptr && std::string(size) == "small";
}

TEST(Limits, HugeNikIsRejectedByLength) {
  const std::string huge(small() ? 1 << 20 : 100 << 20, '3');
  const auto check = smartkampung::check_nik(huge, smartkampung::Date::from_ymd(2020, 5, 1));
  EXPECT_EQ(check.reason, smartkampung::NikReason::kLength);
  EXPECT_EQ(smartkampung::mask_nik(huge), std::string(16, '*'));
}

#ifdef SKAMP_LIMITS_HAVE_IO
// A 100 MB field (10 MB at the small size), quoted and unquoted: read intact or refused
// with kLimit, with no copy beyond a few times the input.
TEST(Limits, CsvHugeField) {
  const std::size_t n = small() ? 10u << 20 : 100u << 20;
  for (bool quoted : {false, true}) {
    std::string text = "nik,nama\n3510014501900001,";
    if (quoted) text += '"';
    text.append(n, 'a');
    if (quoted) text += '"';
    text += "\n";
    try {
      const smartkampung::CsvTable table = smartkampung::parse_csv(text);
      ASSERT_EQ(table.rows(), 1u);
      EXPECT_EQ(table.field(0, 1).size(), n);
    } catch (const smartkampung::Error& e) {
      EXPECT_EQ(e.code(), smartkampung::ErrorCode::kLimit) << e.what();
    }
  }
}

// An unterminated quote before a million lines: rejected (the reader may resynchronise
// on the next line), not a crash or a quadratic rescan.
TEST(Limits, CsvUnterminatedQuoteOverManyLines) {
  std::string text = "a,b\n\"";
  for (int i = 0; i < (small() ? 10000 : 1000000); ++i) text += "x,y\n";
  try {
    const smartkampung::CsvTable table = smartkampung::parse_csv(text);
    ASSERT_EQ(table.quote_runs().size(), 1u);
    EXPECT_EQ(table.quote_runs().front().first_line, 2u);
    EXPECT_EQ(table.rows(), small() ? 10000u : 1000000u);  // every line read again
  } catch (const smartkampung::Error& e) {
    EXPECT_TRUE(e.code() == smartkampung::ErrorCode::kLimit ||
                e.code() == smartkampung::ErrorCode::kParse);
  }
}

// A million columns in the header and in a row.
TEST(Limits, CsvVeryWideRow) {
  const int columns = small() ? 10000 : 1000000;
  std::string header, row;
  for (int i = 0; i < columns; ++i) {
    header += (i ? ",c" : "c");
    row += (i ? ",1" : "1");
  }
  try {
    const smartkampung::CsvTable table = smartkampung::parse_csv(header + "\n" + row + "\n");
    EXPECT_EQ(table.columns(), static_cast<std::size_t>(columns));
    EXPECT_EQ(table.rows(), 1u);
  } catch (const smartkampung::Error& e) {
    EXPECT_EQ(e.code(), smartkampung::ErrorCode::kLimit);
  }
}
#endif

#ifdef SKAMP_LIMITS_HAVE_AREAS
// Deep nesting, 10,000-digit numbers and 100 MB strings through every JSON entry point of
// the C API: a clear error (a negative status and a short message) or a result, never a
// stack overflow, and never the input echoed back into the message.
const int kDeep = 100000;

// Runs `body` on a thread with a 1 MB stack (macOS secondary threads get 512 KB, many
// thread pools 1 MB): a parser that recurses once per nesting level overflows it at
// 100,000 levels whatever the build, so the tests below fail deterministically on one.
void on_small_stack(const std::function<void()>& body) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 1u << 20), 0);
  pthread_t thread;
  auto run = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&body)), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attr);
}

std::string nested(const std::string& open, const std::string& inner, const std::string& close,
                   int depth) {
  std::string out;
  out.reserve((open.size() + close.size()) * depth + inner.size());
  for (int i = 0; i < depth; ++i) out += open;
  out += inner;
  for (int i = 0; i < depth; ++i) out += close;
  return out;
}

void expect_clear(skamp_status status, bool may_succeed = false) {
  if (!may_succeed) {
    EXPECT_LT(status, 0);
  }
  const char* message = skamp_last_error();
  if (status != SKAMP_OK) {
    EXPECT_NE(message[0], '\0');
    EXPECT_LT(std::strlen(message), 2000u) << "the message repeats the input";
  }
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (f != nullptr) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  return path;
}

std::string rule_file(const std::string& require) {
  return R"({"format": "skamp-rules/1", "ruleset": "deep", "version": "1",
    "description": "d", "legal_basis": ["x"], "valid": {"from": "2020-01-01", "to": "2020-12-31"}, "scope": "kk",
    "inputs": {"kk.size": "int"}, "rules": [{"id": "r", "require": ")" +
         require + R"(", "reason": {"code": "R", "id": "r", "en": "r"}}]})";
}

TEST(Limits, RuleFileNested100000Deep) {
  on_small_stack([&] {
    skamp_ruleset* rs = nullptr;
    const std::string arrays = nested("[", "", "]", kDeep);
    expect_clear(skamp_ruleset_new_json(&rs, arrays.data(), arrays.size(), NULL));
    const std::string deep_object =
        "{\"format\": \"skamp-rules/1\", \"x\": " + nested("{\"a\":", "1", "}", kDeep) + "}";
    expect_clear(skamp_ruleset_new_json(&rs, deep_object.data(), deep_object.size(), NULL));
    EXPECT_EQ(rs, nullptr);
  });
}

TEST(Limits, RuleExpressionNested100000Deep) {
  on_small_stack([&] {
    skamp_ruleset* rs = nullptr;
    for (const std::string& expression :
         {nested("(", "kk.size > 1", ")", kDeep), nested("!", "(kk.size > 1)", "", kDeep),
          nested("-", "kk.size", "", kDeep) + " > 1", nested("kk.size + ", "1", "", kDeep) + " > 1",
          nested("kk.size > 1 ? ", "true", " : false", kDeep),
          // within the 4096-character limit, so that the depth limit itself is reached
          nested("(", "kk.size > 1", ")", 2000), nested("!", "(kk.size > 1)", "", 4000)}) {
      const std::string text = rule_file(expression);
      expect_clear(skamp_ruleset_new_json(&rs, text.data(), text.size(), NULL));
      EXPECT_EQ(rs, nullptr);
    }
  });
}

TEST(Limits, RuleNumberWith10000Digits) {
  on_small_stack([&] {
    skamp_ruleset* rs = nullptr;
    const std::string digits(10000, '9');
    const std::string in_expression = rule_file("kk.size > " + digits);
    expect_clear(skamp_ruleset_new_json(&rs, in_expression.data(), in_expression.size(), NULL));
    const std::string in_json = "{\"format\": \"skamp-rules/1\", \"version\": " + digits + "}";
    expect_clear(skamp_ruleset_new_json(&rs, in_json.data(), in_json.size(), NULL));
    EXPECT_EQ(rs, nullptr);
  });
}

TEST(Limits, RuleEvaluationOfDeepHugeRecords) {
  on_small_stack([&] {
    skamp_ruleset* rs = nullptr;
    ASSERT_EQ(skamp_ruleset_builtin(&rs, "bst"), SKAMP_OK);
    char* out = nullptr;
    const std::string deep = "{\"kk\": " + nested("[", "", "]", kDeep) + "}";
    expect_clear(skamp_ruleset_evaluate_json(&out, rs, deep.c_str(), 2020, 5, 1, 1));
    const std::string number = "{\"kk\": {\"in_dtks\": " + std::string(10000, '7') + "}}";
    expect_clear(skamp_ruleset_evaluate_json(&out, rs, number.c_str(), 2020, 5, 1, 1));
    // A 100 MB NIK string (10 MB at the small size): decided (not a valid NIK) or refused.
    const std::string big(small() ? 10u << 20 : 100u << 20, '3');
    const std::string huge =
        "{\"kk\": {\"members\": [{\"nik\": \"" + big + "\", \"birth_date\": \"1980-01-01\"}]}}";
    const skamp_status status = skamp_ruleset_evaluate_json(&out, rs, huge.c_str(), 2020, 5, 1, 1);
    expect_clear(status, true);
    if (status == SKAMP_OK) {
      EXPECT_LT(std::strlen(out), 100000u) << "the decision repeats the 100 MB field";
      EXPECT_EQ(std::strstr(out, "3333333333333333"), nullptr) << "an unmasked NIK in the decision";
    }
    skamp_free(out);
    skamp_ruleset_free(rs);
  });
}

TEST(Limits, RegistryJsonDeepHuge) {
  on_small_stack([&] {
    skamp_registry* reg = nullptr;
    ASSERT_EQ(skamp_registry_new(&reg), SKAMP_OK);
    char* out = nullptr;
    const std::string deep = nested("[", "", "]", kDeep);
    expect_clear(skamp_registry_add_json(&out, reg, deep.c_str(), "PKH", "central"));
    const std::string deep_field =
        "[{\"nik\": \"3510014501900001\", \"name\": " + nested("[", "", "]", kDeep) + "}]";
    expect_clear(skamp_registry_add_json(&out, reg, deep_field.c_str(), "PKH", "central"), true);
    skamp_free(out);
    out = nullptr;
    expect_clear(skamp_registry_report_json(&out, reg, deep.c_str(), 0));
    expect_clear(skamp_registry_set_exclusions_json(reg, deep.c_str()));
    const std::string number = "[{\"nik\": " + std::string(10000, '3') + ", \"name\": \"A\"}]";
    expect_clear(skamp_registry_add_json(&out, reg, number.c_str(), "PKH", "central"), true);
    skamp_free(out);
    out = nullptr;
    // A 100 MB name (10 MB at the small size): loaded or refused, and the report is small.
    const std::string big(small() ? 10u << 20 : 100u << 20, 'a');
    const std::string huge = "[{\"nik\": \"3510014501900001\", \"name\": \"" + big + "\"}]";
    const skamp_status status = skamp_registry_add_json(&out, reg, huge.c_str(), "PKH", "central");
    expect_clear(status, true);
    if (status == SKAMP_OK) {
      EXPECT_LT(std::strlen(out), 100000u);
    }
    skamp_free(out);
    skamp_registry_free(reg);
  });
}

TEST(Limits, CertLogAndPolicyDeepHuge) {
  on_small_stack([&] {
    skamp_cert_registry* reg = nullptr;
    const std::string deep = nested("{\"a\":", "1", "}", kDeep);
    expect_clear(skamp_cert_registry_new(&reg, deep.c_str(), 0));
    const std::string number = "{\"format\": " + std::string(10000, '1') + "}";
    expect_clear(skamp_cert_registry_new(&reg, number.c_str(), 0));
    EXPECT_EQ(reg, nullptr);
    const std::string path =
        write_file("skamp_limits_cert.jsonl", deep + "\n" + nested("[", "", "]", kDeep) + "\n");
    expect_clear(skamp_cert_registry_load(&reg, path.c_str()));
    const std::string path2 =
        write_file("skamp_limits_cert2.jsonl", "{\"seq\": " + std::string(10000, '1') + "}\n");
    expect_clear(skamp_cert_registry_load(&reg, path2.c_str()));
    EXPECT_EQ(reg, nullptr);
    std::remove(path.c_str());
    std::remove(path2.c_str());
  });
}

TEST(Limits, FacilityJsonAndCsvDeepHuge) {
  on_small_stack([&] {
    skamp_facility_index* index = nullptr;
    const std::string path = write_file("skamp_limits_fac.json", nested("[", "", "]", kDeep));
    expect_clear(skamp_geo_index_new_json_file(&index, path.c_str()));
    const std::string path2 =
        write_file("skamp_limits_fac2.json", "[{\"id\": 1, \"lat\": " + std::string(10000, '8') +
                                                 ", \"lon\": 1, \"capacity\": 1}]");
    expect_clear(skamp_geo_index_new_json_file(&index, path2.c_str()));
    const std::string big(small() ? 10u << 20 : 100u << 20, 'n');
    const std::string path3 = write_file("skamp_limits_fac3.csv",
                                         "id,lat,lon,capacity,name\n1,-8.2,114.3,2," + big + "\n");
    const skamp_status status = skamp_geo_index_new_csv(&index, path3.c_str());
    expect_clear(status, true);
    skamp_geo_index_free(index);
    for (const auto& p : {path, path2, path3}) std::remove(p.c_str());
  });
}
#endif

#if defined(SKAMP_LIMITS_HAVE_AREAS)
TEST(Limits, LinkageSettingsAndRecordsDeep) {
  on_small_stack([&] {
    skamp_linker* lk = nullptr;
    char* out = nullptr;
    const std::string arrays = nested("[", "", "]", kDeep);
    const std::string deep_object =
        "{\"threshold\": 0.9, \"x\": " + nested("{\"a\":", "1", "}", kDeep) + "}";
    expect_clear(skamp_linkage_linker_new(&lk, arrays.c_str()));
    expect_clear(skamp_linkage_linker_new(&lk, deep_object.c_str()));
    EXPECT_EQ(lk, nullptr);
    expect_clear(skamp_linkage_link_json(&out, arrays.c_str(), nullptr, nullptr, -1.0));
    const std::string deep_records = "[" + nested("{\"name\":", "\"x\"", "}", kDeep) + "]";
    expect_clear(skamp_linkage_link_json(&out, deep_records.c_str(), nullptr, nullptr, -1.0));
    EXPECT_EQ(out, nullptr);
  });
}
#endif

}  // namespace
