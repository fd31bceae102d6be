// Tests of the rules area: loading and located errors, the language (three-valued
// logic, dates, params by date, folding), explain mode, shipped rule sets, and a
// property test of the compiled evaluator against a small interpreter written here.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <new>
#include <optional>
#include <random>
#include <smartkampung/rules.hpp>
#include <sstream>

#include "core/sha256.hpp"
#include "core/utf8.hpp"

// Counts heap allocations so that the no-allocation promise of evaluation is tested.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace sk = smartkampung;
using sk::Date;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Date d(const char* iso) { return Date::parse_iso(iso); }

std::string ruleset(const std::string& inputs, const std::string& rules,
                    const std::string& extra = "") {
  return R"({"format": "skamp-rules/1", "ruleset": "t", "version": "1",
            "valid": {"from": "2020-04-01", "to": "2020-12-31"}, "scope": "kk", "legal_basis": ["test"],
            "inputs": )" +
         inputs + R"(, "rules": )" + rules + extra + "}";
}

const char* kInputs =
    R"({"kk.a": "int", "kk.b": "int", "kk.p": "bool", "kk.q": "bool", "kk.m": "money",
   "kk.programs": "set<program>", "kk.kind": "enum<desa,kelurahan>", "kk.members": "list<member>",
   "member.birth_date": "date", "member.nik": "string", "member.works": "bool"})";

std::string rule(const std::string& expr, const std::string& code = "FAIL") {
  return R"({"id": ")" + code + R"(", "require": ")" + expr + R"(", "reason": {"code": ")" + code +
         R"(", "id": "gagal", "en": "failed"}})";
}

sk::RuleSet one_rule(const std::string& expr, const std::string& extra = "") {
  return sk::RuleSet::from_json(ruleset(kInputs, "[" + rule(expr) + "]", extra));
}

sk::Verdict verdict(const sk::RuleSet& rs, const std::string& record,
                    const char* as_of = "2020-05-01") {
  return rs.evaluate_json(record, d(as_of)).verdict;
}

}  // namespace

TEST(Rules, ExampleLoadsAndItsTestsPass) {
  const auto rs = sk::RuleSet::builtin("blt-dana-desa");
  EXPECT_EQ(rs.id(), "blt-dana-desa");
  EXPECT_TRUE(rs.run_tests().empty());
  EXPECT_EQ(rs.sha256(), sk::detail::sha256_hex(rs.to_json()));
  EXPECT_EQ(rs.sha256().size(), 64u);
  // Canonical: reformatting the file does not change the fingerprint.
  const auto again = sk::RuleSet::from_json(rs.to_json());
  EXPECT_EQ(again.sha256(), rs.sha256());
  EXPECT_EQ(again.to_json(), rs.to_json());
  EXPECT_EQ(rs.to_json().find('\n'), std::string::npos);
}

TEST(Rules, EveryShippedRuleSetPassesItsGoldenTests) {
  const auto names = sk::RuleSet::builtin_names();
  ASSERT_EQ(names.size(), 5u);
  for (const auto& name : names) {
    const auto rs = sk::RuleSet::builtin(name);
    EXPECT_EQ(rs.id(), name);
    for (const auto& f : rs.run_tests())
      ADD_FAILURE() << name << ": " << f.name << ": " << f.message;
    // The file in data/rules is the source of the embedded text.
    EXPECT_EQ(read_file(std::string(SKAMP_SOURCE_DIR) + "/data/rules/" + name + ".json"),
              sk::RuleSet::builtin_json(name));
  }
  EXPECT_THROW(sk::RuleSet::builtin("nope"), sk::Error);
}

TEST(Rules, BrokenCorpusIsRejectedWithLocatedErrors) {
  const std::string dir = std::string(SKAMP_SOURCE_DIR) + "/tests/rules/broken/";
  std::ifstream manifest(dir + "expected.tsv");
  ASSERT_TRUE(manifest.good());
  std::string line;
  int checked = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream cols(line);
    std::string file, path, column, words;
    std::getline(cols, file, '\t');
    std::getline(cols, path, '\t');
    std::getline(cols, column, '\t');
    std::getline(cols, words, '\t');
    SCOPED_TRACE(file);
    try {
      sk::RuleSet::from_file(dir + file);
      ADD_FAILURE() << "accepted";
    } catch (const sk::RuleError& e) {
      EXPECT_EQ(e.path(), path == "-" ? "" : path) << e.what();
      EXPECT_EQ(e.column(), std::stoi(column)) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
    ++checked;
  }
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files += entry.path().extension() == ".json";
  EXPECT_EQ(checked, static_cast<int>(files))
      << "every file in the corpus has a line in expected.tsv";
}

TEST(Rules, RejectedFileLeavesThePreviousRuleSet) {
  auto rs = one_rule("kk.p");
  const std::string sha = rs.sha256();
  try {
    rs = one_rule("kk.nope");
  } catch (const sk::RuleError&) {
  }
  EXPECT_EQ(rs.sha256(), sha);
  EXPECT_EQ(verdict(rs, R"({"kk": {"p": true}})"), sk::Verdict::kEligible);
}

TEST(Rules, KleeneLogicForMissingFields) {
  const auto either = one_rule("kk.p || kk.q");
  EXPECT_EQ(verdict(either, R"({"kk": {"p": true}})"), sk::Verdict::kEligible);
  EXPECT_EQ(verdict(either, R"({"kk": {"p": false}})"), sk::Verdict::kNeedsData);
  EXPECT_EQ(verdict(either, R"({"kk": {"p": false, "q": false}})"), sk::Verdict::kIneligible);
  const auto both = one_rule("kk.p && kk.q");
  EXPECT_EQ(verdict(both, R"({"kk": {"q": false}})"), sk::Verdict::kIneligible);
  EXPECT_EQ(verdict(both, R"({"kk": {"q": true, "p": null}})"), sk::Verdict::kNeedsData);
  const auto d1 = both.evaluate_json(R"({"kk": {"q": true}})", d("2020-05-01"));
  ASSERT_EQ(d1.reasons.size(), 1u);
  EXPECT_EQ(d1.reasons[0].code, "FAIL");
  EXPECT_TRUE(d1.reasons[0].unknown);
  // has() is always known.
  EXPECT_EQ(verdict(one_rule("!has(kk.p)"), R"({"kk": {}})"), sk::Verdict::kEligible);
  // A failing rule wins over an unknown one, whatever the order.
  const auto two = sk::RuleSet::from_json(
      ruleset(kInputs, "[" + rule("kk.p", "A") + "," + rule("kk.q", "B") + "]"));
  EXPECT_EQ(verdict(two, R"({"kk": {"q": false}})"), sk::Verdict::kIneligible);
}

TEST(Rules, OutOfPeriodAndParamsByDate) {
  const auto rs = one_rule("kk.p", R"(, "params": {"monthly": {"type": "money",
      "values": {"2020-04-01": 600000, "2020-07-01": 300000}}}, "amount": "params.monthly")");
  const std::string rec = R"({"kk": {"p": true}})";
  EXPECT_EQ(rs.evaluate_json(rec, d("2020-04-01")).amount, 600000);
  EXPECT_EQ(rs.evaluate_json(rec, d("2020-06-30")).amount, 600000);
  EXPECT_EQ(rs.evaluate_json(rec, d("2020-07-01")).amount, 300000);
  const auto out = rs.evaluate_json(rec, d("2021-01-01"));
  EXPECT_EQ(out.verdict, sk::Verdict::kIneligible);
  ASSERT_EQ(out.reasons.size(), 1u);
  EXPECT_EQ(out.reasons[0].code, "OUT_OF_PERIOD");
  EXPECT_EQ(out.amount, 0);
  EXPECT_EQ(rs.evaluate_json(rec, d("2020-03-31")).reasons[0].code, "OUT_OF_PERIOD");
  // Not eligible: amount 0.
  EXPECT_EQ(rs.evaluate_json(R"({"kk": {"p": false}})", d("2020-05-01")).amount, 0);
}

TEST(Rules, AgeIsFoldedIntoADateComparison) {
  const auto rs = one_rule("all(kk.members, m -> age(m.birth_date) >= 18)");
  const auto gt = one_rule("all(kk.members, m -> 17 < age(m.birth_date))");
  const auto le = one_rule("all(kk.members, m -> age(m.birth_date) <= 17)");
  const auto raw = one_rule("all(kk.members, m -> age(m.birth_date) + 0 >= 18)");  // not folded
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const Date on(static_cast<std::int32_t>(18353 + rng() % 270));  // inside `valid`
    const Date born(on.days_since_epoch() - static_cast<std::int32_t>(18 * 365 - 30 + rng() % 60));
    const std::string rec = R"({"kk": {"members": [{"birth_date": ")" + born.to_iso() + R"("}]}})";
    const bool adult = sk::age_in_years(born, on) >= 18;
    const sk::Verdict want = adult ? sk::Verdict::kEligible : sk::Verdict::kIneligible;
    ASSERT_EQ(rs.evaluate_json(rec, on).verdict, want) << born.to_iso() << " on " << on.to_iso();
    ASSERT_EQ(gt.evaluate_json(rec, on).verdict, want);
    ASSERT_EQ(raw.evaluate_json(rec, on).verdict, want);
    ASSERT_NE(le.evaluate_json(rec, on).verdict, want);
  }
}

TEST(Rules, SetsEnumsStringsAndFunctions) {
  EXPECT_EQ(verdict(one_rule("'PKH' in kk.programs"), R"({"kk": {"programs": ["BST", "PKH"]}})"),
            sk::Verdict::kEligible);
  EXPECT_EQ(verdict(one_rule("len(kk.programs & ['PKH', 'BPNT']) == 0"),
                    R"({"kk": {"programs": ["BST"]}})"),
            sk::Verdict::kEligible);
  EXPECT_EQ(
      verdict(one_rule("len(kk.programs | ['X']) == 3"), R"({"kk": {"programs": ["BST", "Y"]}})"),
      sk::Verdict::kEligible);
  EXPECT_EQ(verdict(one_rule("kk.kind in ['desa']"), R"({"kk": {"kind": "kelurahan"}})"),
            sk::Verdict::kIneligible);
  EXPECT_EQ(verdict(one_rule("count(kk.members, m -> m.works) == 1"),
                    R"({"kk": {"members": [{"works": true}, {"works": false}]}})"),
            sk::Verdict::kEligible);
  EXPECT_EQ(verdict(one_rule("any(kk.members, m -> m.works)"),
                    R"({"kk": {"members": [{"works": false}, {}]}})"),
            sk::Verdict::kNeedsData);
  EXPECT_EQ(verdict(one_rule("any(kk.members, m -> m.works)"),
                    R"({"kk": {"members": [{"works": true}, {}]}})"),
            sk::Verdict::kEligible);
  EXPECT_EQ(verdict(one_rule("count_true([kk.p, kk.q, true]) == 2"),
                    R"({"kk": {"p": true, "q": false}})"),
            sk::Verdict::kEligible);
  EXPECT_EQ(verdict(one_rule("days_between(date('2020-01-01'), as_of) == 121"), R"({"kk": {}})"),
            sk::Verdict::kEligible);
  EXPECT_EQ(
      verdict(one_rule("all(kk.members, m -> valid_nik(m.nik))"),
              R"({"kk": {"members": [{"nik": "3510010101800001"}, {"nik": "3510013002900001"}]}})"),
      sk::Verdict::kIneligible);
  EXPECT_EQ(verdict(one_rule("sum(kk.members, m -> m.works ? 2 : 1) == 3"),
                    R"({"kk": {"members": [{"works": true}, {"works": false}]}})"),
            sk::Verdict::kEligible);
  EXPECT_EQ(verdict(one_rule("kk.m * 2 > 1000"), R"({"kk": {"m": 600}})"), sk::Verdict::kEligible);
  // Overflow at run time is unknown, never a wrapped number.
  EXPECT_EQ(verdict(one_rule("kk.a * 2 > 0"), R"({"kk": {"a": 9223372036854775807}})"),
            sk::Verdict::kNeedsData);
  EXPECT_EQ(verdict(one_rule("kk.a / kk.b == 0"), R"({"kk": {"a": 1, "b": 0}})"),
            sk::Verdict::kNeedsData);
}

TEST(Rules, ConflictsWithNeedsATable) {
  EXPECT_THROW(one_rule("!conflicts_with(kk.programs, 'BST')"), sk::RuleError);
  sk::RuleOptions opt;
  opt.conflicts = std::make_shared<sk::ConflictTable>(sk::ConflictTable::from_json(
      R"({"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk"}]})"));
  const auto rs = sk::RuleSet::from_json(
      ruleset(kInputs, "[" + rule("!conflicts_with(kk.programs, 'BST')") + "]"), opt);
  EXPECT_EQ(verdict(rs, R"({"kk": {"programs": ["PKH"]}})"), sk::Verdict::kIneligible);
  EXPECT_EQ(verdict(rs, R"({"kk": {"programs": ["BPNT"]}})"), sk::Verdict::kEligible);
}

TEST(Rules, ExplainListsEveryFailingRuleWithValues) {
  const auto rs = sk::RuleSet::builtin("blt-dana-desa");
  const std::string rec =
      R"({"kk": {"programs": ["PKH"], "region_kind": "kelurahan", "lost_livelihood": false,
      "chronic_illness": false, "in_dtks": true, "head": {"sex": "M"},
      "members": [{"nik": "3510010101800001", "birth_date": "1980-01-01"}]}})";
  const auto fast = rs.evaluate_json(rec, d("2020-05-01"), false);
  const auto full = rs.evaluate_json(rec, d("2020-05-01"), true);
  ASSERT_EQ(fast.reasons.size(), 1u);
  ASSERT_GE(full.reasons.size(), 3u);
  EXPECT_EQ(full.reasons[0].code, fast.reasons[0].code);
  bool saw_programs = false;
  for (const auto& r : full.reasons) {
    EXPECT_FALSE(r.values.empty()) << r.code;
    for (const auto& [k, v] : r.values) {
      if (k == "kk.programs") saw_programs = v == "PKH";
      EXPECT_EQ(v.find("3510010101800001"), std::string::npos);
    }
  }
  EXPECT_TRUE(saw_programs);
  const std::string json = full.to_json();
  EXPECT_NE(json.find("\"schema\":\"skamp-decision/1\""), std::string::npos);
  EXPECT_NE(json.find("PKH"), std::string::npos);  // interpolated message
}

TEST(Rules, LimitsGiveClearErrors) {
  std::string deep(500, '(');
  deep += "kk.p" + std::string(500, ')');
  try {
    one_rule(deep);
    FAIL();
  } catch (const sk::RuleError& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kLimit);
    EXPECT_EQ(e.path(), "rules[0].require");
  }
  std::string chain = "kk.p";
  for (int i = 0; i < 300; ++i) chain += " && kk.p";
  EXPECT_THROW(one_rule(chain), sk::RuleError);
  std::string nested_json(100000, '[');
  EXPECT_THROW(sk::RuleSet::from_json(nested_json), sk::RuleError);
  EXPECT_THROW(sk::RuleSet::from_json(""), sk::RuleError);
  EXPECT_THROW(sk::RuleSet::from_json("[]"), sk::RuleError);
}

TEST(Rules, RecordErrorsNameTheFieldNotTheValue) {
  const auto rs = sk::RuleSet::builtin("blt-dana-desa");
  try {
    rs.evaluate_json(R"({"kk": {"members": [{"nik": 3510010101800001}]}})", d("2020-05-01"));
    FAIL();
  } catch (const sk::RuleError& e) {
    EXPECT_EQ(e.path(), "kk.members[0].nik");
    EXPECT_EQ(std::string(e.what()).find("3510010101800001"), std::string::npos);
  }
  EXPECT_THROW(rs.evaluate_json(R"({"kk": {"region_kind": "kota"}})", d("2020-05-01")),
               sk::RuleError);
}

TEST(Rules, EvaluationDoesNotAllocate) {
  const auto rs = sk::RuleSet::builtin("blt-dana-desa");
  sk::RecordBatch batch(rs);
  for (int i = 0; i < 50; ++i) {
    batch.append_json(
        R"({"kk": {"programs": ["BST"], "region_kind": "desa", "lost_livelihood": true,
      "chronic_illness": false, "in_dtks": true, "head": {"sex": "F"},
      "members": [{"nik": "3510010101800001", "birth_date": "1950-01-01"}, {"nik": "3510014501900001", "birth_date": "1990-01-05"}]}})");
  }
  const sk::Evaluator ev = rs.evaluator(d("2020-05-01"));
  std::vector<std::int32_t> reasons;
  reasons.reserve(16);
  const long before = g_allocations.load();
  std::int64_t total = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    total += ev.evaluate(batch, i).amount;
    total += ev.explain(batch, i, reasons).amount;
  }
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_EQ(total, 2 * 50 * 600000);
}

// ---- property test: compiled evaluation against an interpreter written here -------
namespace {
struct Gen {
  std::mt19937 rng;
  // A value of the small interpreter: nullopt is unknown.
  using V = std::optional<std::int64_t>;
  struct Env {
    V a, b;
    std::optional<bool> p, q;
  };
  std::function<V(const Env&)> fn;

  int pick(int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); }

  // Integer expression: text and meaning.
  std::pair<std::string, std::function<V(const Env&)>> integer(int depth) {
    const int k = depth <= 0 ? pick(3) : pick(7);
    if (k == 0) {
      const std::int64_t c = static_cast<std::int64_t>(pick(21)) - 10;
      return {c < 0 ? "(0 - " + std::to_string(-c) + ")" : std::to_string(c),
              [c](const Env&) { return V(c); }};
    }
    if (k == 1) return {"kk.a", [](const Env& e) { return e.a; }};
    if (k == 2) return {"kk.b", [](const Env& e) { return e.b; }};
    auto [ls, lf] = integer(depth - 1);
    auto [rs, rf] = integer(depth - 1);
    if (k == 6) {
      auto [cs, cf] = boolean(depth - 1);
      return {"(" + cs + " ? " + ls + " : " + rs + ")",
              [cf = cf, lf = lf, rf = rf](const Env& e) -> V {
                auto c = cf(e);
                if (!c) return std::nullopt;
                return *c ? lf(e) : rf(e);
              }};
    }
    const char* ops[] = {"+", "-", "*", "/"};
    const int op = k - 3 + (k == 5 ? pick(2) : 0);
    return {"(" + ls + " " + ops[op] + " " + rs + ")", [op, lf = lf, rf = rf](const Env& e) -> V {
              V l = lf(e), r = rf(e);
              if (!l || !r) return std::nullopt;
              std::int64_t out;
              switch (op) {
                case 0:
                  if (__builtin_add_overflow(*l, *r, &out)) return std::nullopt;
                  return out;
                case 1:
                  if (__builtin_sub_overflow(*l, *r, &out)) return std::nullopt;
                  return out;
                case 2:
                  if (__builtin_mul_overflow(*l, *r, &out)) return std::nullopt;
                  return out;
                default:
                  if (*r == 0) return std::nullopt;
                  return *l / *r;
              }
            }};
  }
  std::pair<std::string, std::function<std::optional<bool>(const Env&)>> boolean(int depth) {
    using B = std::optional<bool>;
    const int k = depth <= 0 ? pick(3) : pick(7);
    if (k == 0) return {"kk.p", [](const Env& e) { return e.p; }};
    if (k == 1) return {"kk.q", [](const Env& e) { return e.q; }};
    if (k == 2) return {"has(kk.a)", [](const Env& e) { return B(e.a.has_value()); }};
    if (k == 3) {
      auto [s, f] = boolean(depth - 1);
      return {"!" + s, [f = f](const Env& e) -> B {
                auto v = f(e);
                if (!v) return std::nullopt;
                return !*v;
              }};
    }
    if (k == 4 || k == 5) {
      auto [ls, lf] = boolean(depth - 1);
      auto [rs, rf] = boolean(depth - 1);
      const bool is_and = k == 4;
      return {"(" + ls + (is_and ? " && " : " || ") + rs + ")",
              [is_and, lf = lf, rf = rf](const Env& e) -> B {
                B l = lf(e), r = rf(e);
                if (is_and) {
                  if ((l && !*l) || (r && !*r)) return false;
                  if (l && r) return true;
                  return std::nullopt;
                }
                if ((l && *l) || (r && *r)) return true;
                if (l && r) return false;
                return std::nullopt;
              }};
    }
    auto [ls, lf] = integer(depth - 1);
    auto [rs, rf] = integer(depth - 1);
    const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
    const int op = pick(6);
    return {"(" + ls + " " + ops[op] + " " + rs + ")", [op, lf = lf, rf = rf](const Env& e) -> B {
              V l = lf(e), r = rf(e);
              if (!l || !r) return std::nullopt;
              switch (op) {
                case 0:
                  return *l == *r;
                case 1:
                  return *l != *r;
                case 2:
                  return *l < *r;
                case 3:
                  return *l <= *r;
                case 4:
                  return *l > *r;
                default:
                  return *l >= *r;
              }
            }};
  }
};
}  // namespace

TEST(Rules, CompiledEvaluationMatchesAnIndependentInterpreter) {
  const char* size = std::getenv("SKAMP_TEST_SIZE");
  const int expressions = size != nullptr && std::string(size) == "small" ? 100 : 600;
  Gen gen{std::mt19937(2020), {}};
  for (int i = 0; i < expressions; ++i) {
    auto [text, meaning] = gen.boolean(4);
    SCOPED_TRACE(text);
    std::optional<sk::RuleSet> loaded;
    try {
      loaded = one_rule(text);
    } catch (const sk::RuleError& e) {
      // A constant that divides by zero or overflows is rejected at load, by design.
      const std::string what = e.what();
      ASSERT_TRUE(what.find("in a constant expression") != std::string::npos) << what;
      continue;
    }
    const sk::RuleSet& rs = *loaded;
    sk::RecordBatch batch(rs);
    std::vector<Gen::Env> envs;
    for (int r = 0; r < 20; ++r) {
      Gen::Env e;
      auto maybe_int = [&]() -> Gen::V {
        if (gen.pick(5) == 0) return std::nullopt;
        if (gen.pick(10) == 0) return gen.pick(2) ? INT64_MAX / 2 : INT64_MIN / 2;
        return static_cast<std::int64_t>(gen.pick(41)) - 20;
      };
      e.a = maybe_int();
      e.b = maybe_int();
      if (gen.pick(5)) e.p = gen.pick(2) == 1;
      if (gen.pick(5)) e.q = gen.pick(2) == 1;
      batch.append_rows(1);
      const std::size_t row = batch.size() - 1;
      if (e.a) batch.set_int(batch.field("kk.a"), row, *e.a);
      if (e.b) batch.set_int(batch.field("kk.b"), row, *e.b);
      if (e.p) batch.set_bool(batch.field("kk.p"), row, *e.p);
      if (e.q) batch.set_bool(batch.field("kk.q"), row, *e.q);
      envs.push_back(e);
    }
    const auto ev = rs.evaluator(d("2020-05-01"));
    for (std::size_t r = 0; r < envs.size(); ++r) {
      const auto want = meaning(envs[r]);
      const sk::Verdict expected = !want   ? sk::Verdict::kNeedsData
                                   : *want ? sk::Verdict::kEligible
                                           : sk::Verdict::kIneligible;
      ASSERT_EQ(ev.evaluate(batch, r).verdict, expected) << "row " << r;
    }
  }
}

// The column setters (the columnar fast path of the Python batch) fill the same batch as
// append_json: random households decoded both ways give the same outcome on every row.
TEST(Rules, ColumnSettersMatchJsonDecoding) {
  const auto rs = sk::RuleSet::builtin("blt-dana-desa");
  const char* codes[] = {"PKH", "BPNT", "PRAKERJA", "BST", "OTHER"};
  const char* niks[] = {"3510010101800001", "3510014501900001", "3510011203550002",
                        "35x0013002900001"};
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    const std::size_t n = rng() % 40;
    sk::RecordBatch from_json(rs), from_columns(rs);
    std::vector<std::int64_t> member_offsets{0}, program_offsets{0};
    std::vector<std::uint8_t> lost(n), lost_known(n), list_known(n);
    std::vector<std::int64_t> births, masks(n);
    std::string region_bytes;         // 'S9' layout
    std::vector<char32_t> nik_units;  // 'U16' layout
    std::vector<std::string> program_codes;
    for (std::size_t i = 0; i < n; ++i) {
      std::string json = R"({"kk": {"in_dtks": true, "chronic_illness": false)";
      lost_known[i] = rng() % 5 != 0;
      lost[i] = rng() % 2;
      if (lost_known[i])
        json += std::string(R"(, "lost_livelihood": )") + (lost[i] ? "true" : "false");
      const std::string region = rng() % 4 ? "desa" : "kelurahan";
      json += R"(, "region_kind": ")" + region + "\"";
      region_bytes += region + std::string(9 - region.size(), '\0');
      json += R"(, "programs": [)";
      for (int c = 0; c < 5; ++c) {
        if (rng() % 6) continue;
        json += std::string(program_codes.size() == static_cast<std::size_t>(program_offsets.back())
                                ? ""
                                : ",") +
                "\"" + codes[c] + "\"";
        program_codes.emplace_back(codes[c]);
      }
      program_offsets.push_back(static_cast<std::int64_t>(program_codes.size()));
      json += "]";
      list_known[i] = rng() % 6 != 0;
      const std::size_t members = list_known[i] ? rng() % 4 : 0;
      if (list_known[i]) {
        json += R"(, "members": [)";
        for (std::size_t m = 0; m < members; ++m) {
          const char* nik = niks[rng() % 4];
          const Date born(static_cast<std::int32_t>(rng() % 20000) - 5000);
          json += std::string(m ? "," : "") + R"({"nik": ")" + nik + R"(", "birth_date": ")" +
                  born.to_iso() + "\"}";
          for (int k = 0; k < 16; ++k) nik_units.push_back(static_cast<char32_t>(nik[k]));
          births.push_back(born.days_since_epoch());
        }
        json += "]";
      }
      member_offsets.push_back(member_offsets.back() + static_cast<std::int64_t>(members));
      from_json.append_json(json + "}}");
    }
    from_columns.append_rows(n);
    const std::vector<std::uint8_t> yes(n, 1);
    from_columns.set_bools(from_columns.field("kk.in_dtks"), 0, n, yes.data(), nullptr);
    const std::vector<std::uint8_t> no(n, 0);
    from_columns.set_bools(from_columns.field("kk.chronic_illness"), 0, n, no.data(), nullptr);
    from_columns.set_bools(from_columns.field("kk.lost_livelihood"), 0, n, lost.data(),
                           lost_known.data());
    from_columns.set_fixed_strings(from_columns.field("kk.region_kind"), 0, n, region_bytes.data(),
                                   9, false, nullptr);
    const int programs = from_columns.field("kk.programs");
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t mask = 0;
      for (auto k = program_offsets[i]; k < program_offsets[i + 1]; ++k) {
        mask |= std::uint64_t{1} << from_columns.program_bit(
                    programs, program_codes[static_cast<std::size_t>(k)]);
      }
      masks[i] = static_cast<std::int64_t>(mask);
    }
    from_columns.set_values(programs, 0, n, masks.data(), nullptr);
    const std::size_t first = from_columns.set_lists(from_columns.field("kk.members"), 0, n,
                                                     member_offsets.data(), list_known.data());
    const std::size_t elements = births.size();
    from_columns.set_fixed_strings(from_columns.field("member.nik"), first, elements,
                                   nik_units.data(), 16, true, nullptr);
    from_columns.set_values(from_columns.field("member.birth_date"), first, elements, births.data(),
                            nullptr);
    ASSERT_EQ(from_columns.size(), from_json.size());
    for (const char* date : {"2020-05-01", "2020-08-01", "2021-02-01"}) {
      const sk::Evaluator ev = rs.evaluator(d(date));
      for (std::size_t i = 0; i < n; ++i) {
        const auto a = ev.evaluate(from_json, i), b = ev.evaluate(from_columns, i);
        EXPECT_EQ(a.verdict, b.verdict) << "row " << i;
        EXPECT_EQ(a.reason, b.reason) << "row " << i;
        EXPECT_EQ(a.amount, b.amount) << "row " << i;
        EXPECT_EQ(a.priority, b.priority) << "row " << i;
        EXPECT_EQ(ev.decide(from_json, i, true).to_json(),
                  ev.decide(from_columns, i, true).to_json());
      }
    }
  }
}

// set_fixed_strings of numpy 'U' (UCS-4) and 'S' text of any width, with missing rows,
// empty strings, padding and characters beyond ASCII (then the whole column is encoded as
// UTF-8), stores what set_string stores for the same text.
TEST(Rules, FixedStringsMatchSetStringForEveryWidth) {
  const std::u32string niks[] = {
      U"3510010101800001", U"3510014501900001",       U"35x0013002900001", U"",
      U"351001",           U"3510010101800001\u00e9", U"D\u00e9sa \u03a9", U"\U0001F600"};
  // One rule a candidate value: the failing rules (explain mode) say which value a row holds.
  std::string rules = "[";
  for (int v = 0; v < 8; ++v) {
    std::string value;
    for (char32_t c : niks[v]) sk::detail::append_utf8_code_point(value, c);
    rules += std::string(v ? "," : "") +
             rule("count(kk.members, m -> m.nik == '" + value + "') == 0", "V" + std::to_string(v));
  }
  const auto rs = sk::RuleSet::from_json(ruleset(kInputs, rules + "]"));
  std::mt19937 rng(5);
  for (int round = 0; round < 60; ++round) {
    const std::size_t n = rng() % 30;
    const bool ucs4 = round % 2 == 0;
    const bool ascii_only = round % 4 < 2;
    const std::size_t width = 17 + rng() % 6;
    std::vector<std::u32string> values(n);
    std::vector<std::size_t> which(n);
    std::vector<std::uint8_t> known(n);
    for (std::size_t i = 0; i < n; ++i) {
      which[i] = rng() % (ascii_only ? 5 : 8);
      values[i] = niks[which[i]];
      known[i] = rng() % 5 != 0;
    }
    auto utf8 = [](const std::u32string& v) {
      std::string out;
      for (char32_t c : v) sk::detail::append_utf8_code_point(out, c);
      return out;
    };
    std::vector<char32_t> units(n * width, U'\0');
    std::string bytes(n * width * 4, '\0');  // 'S' items of 4 * width bytes hold the UTF-8
    for (std::size_t i = 0; i < n; ++i) {
      std::copy(values[i].begin(), values[i].end(),
                units.begin() + static_cast<std::ptrdiff_t>(i * width));
      const std::string u = utf8(values[i]);
      std::copy(u.begin(), u.end(), bytes.begin() + static_cast<std::ptrdiff_t>(i * width * 4));
    }
    sk::RecordBatch by_value(rs), by_column(rs);
    std::vector<std::int64_t> offsets(n + 1);
    for (std::size_t i = 0; i <= n; ++i) offsets[i] = static_cast<std::int64_t>(i);
    for (sk::RecordBatch* b : {&by_value, &by_column}) {
      b->append_rows(n);
      b->set_lists(b->field("kk.members"), 0, n, offsets.data(), nullptr);
    }
    const int nik = by_value.field("member.nik");
    for (std::size_t i = 0; i < n; ++i) {
      if (known[i]) by_value.set_string(nik, i, utf8(values[i]));
    }
    if (ucs4)
      by_column.set_fixed_strings(nik, 0, n, units.data(), width, true, known.data());
    else
      by_column.set_fixed_strings(nik, 0, n, bytes.data(), width * 4, false, known.data());
    const sk::Evaluator ev = rs.evaluator(d("2020-05-01"));
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(ev.decide(by_value, i, true).to_json(), ev.decide(by_column, i, true).to_json())
          << "round " << round << " row " << i;
      const sk::Decision decided = ev.decide(by_column, i, false);
      ASSERT_EQ(decided.reasons.size(), 1u);
      EXPECT_EQ(decided.verdict, known[i] ? sk::Verdict::kIneligible : sk::Verdict::kNeedsData);
      if (known[i]) {
        EXPECT_EQ(decided.reasons[0].code, "V" + std::to_string(which[i]))
            << "round " << round << " row " << i;
      }
    }
  }
}

TEST(Rules, ColumnSettersRejectBadValuesNamingTheRow) {
  const auto rs = sk::RuleSet::builtin("blt-dana-desa");
  sk::RecordBatch b(rs);
  b.append_rows(3);
  const std::int64_t enums[] = {0, 1, 2};
  try {
    b.set_values(b.field("kk.region_kind"), 0, 3, enums, nullptr);
    FAIL();
  } catch (const sk::RuleError& e) {
    EXPECT_EQ(e.path(), "kk.region_kind");
    EXPECT_NE(std::string(e.what()).find("row 2"), std::string::npos) << e.what();
  }
  const std::int64_t decreasing[] = {0, 2, 1, 3};
  EXPECT_THROW(b.set_lists(b.field("kk.members"), 0, 3, decreasing, nullptr), sk::RuleError);
  const std::int64_t offsets[] = {0, 1, 1, 2};
  const std::uint8_t known[] = {1, 0, 0};
  EXPECT_THROW(b.set_lists(b.field("kk.members"), 0, 3, offsets, known),
               sk::RuleError);  // a missing list with elements
  EXPECT_THROW(b.set_values(b.field("member.birth_date"), 0, 1, enums, nullptr),
               sk::RuleError);  // no elements yet
  EXPECT_THROW(b.set_bools(b.field("kk.region_kind"), 0, 3, known, nullptr),
               sk::RuleError);  // wrong type
  const char region[] = "desa\0\0\0\0\0kota\0\0\0\0\0desa\0\0\0\0\0";
  try {
    b.set_fixed_strings(b.field("kk.region_kind"), 0, 3, region, 9, false, nullptr);
    FAIL();
  } catch (const sk::RuleError& e) {
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("kota"), std::string::npos);
  }
  EXPECT_THROW(b.program_bit(b.field("kk.programs"), ""), sk::RuleError);
  const std::int64_t unknown_bit[] = {std::int64_t{1} << 40, 0, 0};
  EXPECT_THROW(b.set_values(b.field("kk.programs"), 0, 3, unknown_bit, nullptr), sk::RuleError);
}

// Issue 16, item 2: nested list traversals multiply; the step budget bounds each record.
// The compile-time cost bound (issue 16): nested traversals multiply, lists taken at 64.
TEST(Rules, CostBoundRefusesNestedTraversalsAtLoadNamingTheRule) {
  const std::string two = "any(kk.members, a -> any(kk.members, b -> a.nik == b.nik))";
  const std::string three =
      "any(kk.members, a -> any(kk.members, b -> any(kk.members, c -> a.nik == c.nik)))";
  const std::string four =
      "any(kk.members, a -> any(kk.members, b -> any(kk.members, c -> any(kk.members, e -> a.nik "
      "== e.nik))))";
  EXPECT_NO_THROW(one_rule(two));
  EXPECT_NO_THROW(one_rule(three));  // 64 * (1 + 64 * (1 + 64)) = 266,304
  try {
    sk::RuleSet::from_json(
        ruleset(kInputs, "[" + rule("kk.p", "FIRST") + "," + rule(four, "DEEP") + "]"));
    FAIL() << "four nested traversals loaded";
  } catch (const sk::RuleError& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kLimit);
    EXPECT_EQ(e.path(), "rules[1]");
    EXPECT_NE(std::string(e.what()).find("\"DEEP\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("17043520"), std::string::npos) << e.what();
  }
  // Options: no check, a longer assumed list, a lower limit.
  sk::RuleOptions off;
  off.max_work = 0;
  EXPECT_NO_THROW(sk::RuleSet::from_json(ruleset(kInputs, "[" + rule(four) + "]"), off));
  sk::RuleOptions long_lists;
  long_lists.assumed_list_length = 200;
  EXPECT_THROW(sk::RuleSet::from_json(ruleset(kInputs, "[" + rule(three) + "]"), long_lists),
               sk::RuleError);
  sk::RuleOptions low;
  low.max_work = 4159;  // two nested: 64 * (1 + 64) = 4160
  EXPECT_THROW(sk::RuleSet::from_json(ruleset(kInputs, "[" + rule(two) + "]"), low), sk::RuleError);
  low.max_work = 4160;
  EXPECT_NO_THROW(sk::RuleSet::from_json(ruleset(kInputs, "[" + rule(two) + "]"), low));
  // Rules add up; a conditional costs its costlier branch; amount and messages are named.
  low.max_work = 4160 * 2 - 1;
  EXPECT_THROW(sk::RuleSet::from_json(
                   ruleset(kInputs, "[" + rule(two, "A") + "," + rule(two, "B") + "]"), low),
               sk::RuleError);
  low.max_work = 4160 + 64;
  EXPECT_NO_THROW(sk::RuleSet::from_json(
      ruleset(kInputs, "[" + rule("kk.p ? " + two + " : any(kk.members, m -> m.works)") + "]"),
      low));
  try {
    sk::RuleSet::from_json(
        ruleset(kInputs, "[" + rule("kk.p") + "]",
                R"(, "amount": "count(kk.members, a -> any(kk.members, b -> any(kk.members, )"
                R"(c -> any(kk.members, e -> a.works)))) * 1000")"));
    FAIL() << "a costly amount loaded";
  } catch (const sk::RuleError& e) {
    EXPECT_EQ(e.path(), "amount");
  }
  try {
    sk::RuleSet::from_json(ruleset(
        kInputs, R"([{"id": "r", "require": "kk.p", "reason": {"code": "R", )"
                 R"("id": "lihat {count(kk.members, a -> any(kk.members, b -> )"
                 R"(any(kk.members, c -> any(kk.members, e -> a.works))))}", "en": "x"}}])"));
    FAIL() << "a costly message loaded";
  } catch (const sk::RuleError& e) {
    EXPECT_EQ(e.path(), "rules[0].reason");
  }
  // The shipped rule sets are well within the bound.
  for (const auto& name : sk::RuleSet::builtin_names())
    EXPECT_NO_THROW(sk::RuleSet::builtin(name)) << name;
}

TEST(Rules, StepBudgetStopsNestedTraversalsPerRecord) {
  const auto rs =
      one_rule("!any(kk.members, a -> any(kk.members, b -> a.works && b.works && a.nik == b.nik))");
  std::string members = "[";
  for (int i = 0; i < 40; ++i)
    members += std::string(i ? "," : "") + R"({"nik": "m)" + std::to_string(i) + R"("})";
  members += "]";
  sk::RecordBatch batch(rs);
  batch.append_json(R"({"kk": {"members": [{"nik": "a"}, {"nik": "b"}]}})");  // 2 + 2 * 2 = 6 steps
  batch.append_json(R"({"kk": {"members": )" + members + "}}");  // 40 + 40 * 40 = 1640 steps
  sk::Evaluator ev = rs.evaluator(d("2020-05-01"));
  EXPECT_EQ(ev.step_limit(), sk::Evaluator::kDefaultStepLimit);
  EXPECT_EQ(ev.evaluate(batch, 1).verdict, sk::Verdict::kNeedsData);  // works unknown: decided
  ev.set_step_limit(1000);
  const sk::Outcome over = ev.evaluate(batch, 1);
  EXPECT_EQ(over.verdict, sk::Verdict::kError);
  EXPECT_EQ(over.reason, sk::Outcome::kStepLimit);
  EXPECT_STREQ(ev.reason_code(over.reason), "LIMIT");
  EXPECT_NE(ev.evaluate(batch, 0).verdict, sk::Verdict::kError);  // the small record is decided
  std::vector<std::int32_t> reasons;
  EXPECT_EQ(ev.explain(batch, 1, reasons).verdict, sk::Verdict::kError);
  EXPECT_EQ(reasons, std::vector<std::int32_t>{sk::Outcome::kStepLimit});
  const sk::Decision dec = ev.decide(batch, 1, true);
  ASSERT_EQ(dec.reasons.size(), 1u);
  EXPECT_EQ(dec.reasons[0].code, "LIMIT");
  EXPECT_STREQ(sk::verdict_name(dec.verdict), "error");
  std::int8_t verdicts[2];
  std::int32_t codes[2];
  EXPECT_EQ(ev.evaluate_batch(batch, verdicts, nullptr, codes), 2u);
  EXPECT_NE(verdicts[0], static_cast<std::int8_t>(sk::Verdict::kError));
  EXPECT_EQ(verdicts[1], static_cast<std::int8_t>(sk::Verdict::kError));
  ev.set_step_limit(1640);  // exactly enough
  EXPECT_EQ(ev.evaluate(batch, 1).verdict, sk::Verdict::kNeedsData);
  ev.set_step_limit(1639);
  EXPECT_EQ(ev.evaluate(batch, 1).verdict, sk::Verdict::kError);
  ev.set_step_limit(0);  // no limit
  EXPECT_EQ(ev.evaluate(batch, 1).verdict, sk::Verdict::kNeedsData);
  // Cancelled before the first row: every row answered as an error, 0 evaluated.
  EXPECT_EQ(ev.evaluate_batch(batch, verdicts, nullptr, codes, [] { return true; }), 0u);
  EXPECT_EQ(verdicts[0], static_cast<std::int8_t>(sk::Verdict::kError));
  EXPECT_EQ(codes[0], sk::Outcome::kStepLimit);
}
