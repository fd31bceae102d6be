// The rule evaluator's step budget (issue 16) on generated rule sets and records. The
// input's bytes choose a rule (count/any/all/sum nested up to the 8 lambda levels the
// language allows, && || ! ?: count_true, comparisons), a household (up to 255 members
// and 255 assets, fields present or missing) and a step budget. Every record evaluation
// (fast, explain, the messages of decide, the batch) reports its final context through
// detail::eval_observer, and must hold:
// - steps never pass the budget by more than one (the step that found it spent);
// - total work is bounded by the steps: eval_node calls <= nodes * (steps + a constant),
//   so nothing outside the counted traversals can run away;
// - the compile-time bound (detail::work_bound at the record's longest list) is an upper
//   bound of the steps of a record that was not stopped, and a record whose bound fits
//   the budget is never stopped (no false LIMIT);
// - the load-time check refuses a rule set exactly when its bound at the assumed list
//   length exceeds max_work, naming a rule, code limit.
// SKAMP_FUZZ_VERBOSE=1 prints each generated rule and record (to write seeds).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <smartkampung/error.hpp>
#include <smartkampung/rules.hpp>
#include <string>
#include <vector>

#include "fuzz_bytes.hpp"
#include "fuzz_check.hpp"
#include "rules/ir.hpp"

namespace sk = smartkampung;
namespace skd = smartkampung::detail;

namespace {

struct Var {
  std::string name;
  bool member;  // a member (nik, age, works) or an asset (value)
};

// Builds an expression from the bytes. `depth` bounds the expression nesting (the
// parser allows 64 levels), `vars` are the lambda variables in scope.
class Gen {
 public:
  explicit Gen(skamp_fuzz::Bytes& bytes) : b_(bytes) {}

  std::string boolean(int depth, std::vector<Var>& vars) {
    const int choice = depth > 20 || b_.empty() ? 9 : b_.byte() % 11;
    switch (choice) {
      case 0:
      case 1: {  // any / all over a list, with a lambda
        if (vars.size() >= static_cast<std::size_t>(skd::kMaxLambdaDepth)) return leaf(vars);
        const bool members = b_.byte() % 4 != 0;
        Var v{"v" + std::to_string(vars.size()), members};
        vars.push_back(v);
        std::string body = boolean(depth + 1, vars);
        vars.pop_back();
        return std::string(choice == 0 ? "any(" : "all(") + list(members) + ", " + v.name + " -> " +
               body + ")";
      }
      case 2:
        return integer(depth + 1, vars) + (b_.byte() % 2 ? " > " : " <= ") +
               std::to_string(b_.byte() % 8);
      case 3:
        return "(" + boolean(depth + 1, vars) + " && " + boolean(depth + 1, vars) + ")";
      case 4:
        return "(" + boolean(depth + 1, vars) + " || " + boolean(depth + 1, vars) + ")";
      case 5:
        return "!(" + boolean(depth + 1, vars) + ")";  // parenthesised: ! binds tighter than <=
      case 6:
        return "(" + boolean(depth + 1, vars) + " ? " + boolean(depth + 1, vars) + " : " +
               boolean(depth + 1, vars) + ")";
      case 7: {
        std::string out = "count_true([" + boolean(depth + 1, vars);
        const int n = b_.byte() % 3;
        for (int i = 0; i < n; ++i) out += ", " + boolean(depth + 1, vars);
        return out + "]) >= " + std::to_string(b_.byte() % 3);
      }
      default:
        return leaf(vars);
    }
  }

  std::string integer(int depth, std::vector<Var>& vars) {
    const int choice = depth > 20 || b_.empty() ? 4 : b_.byte() % 5;
    if ((choice == 0 || choice == 1) &&
        vars.size() < static_cast<std::size_t>(skd::kMaxLambdaDepth)) {
      const bool members = choice == 0;
      Var v{"v" + std::to_string(vars.size()), members};
      vars.push_back(v);
      std::string out;
      if (members || b_.byte() % 2) {
        out = "count(" + list(members) + ", " + v.name + " -> " + boolean(depth + 1, vars) + ")";
      } else {
        out = "sum(kk.assets, " + v.name + " -> " + v.name + ".value / 1000)";
      }
      vars.pop_back();
      return out;
    }
    if (choice == 2) return "(" + integer(depth + 1, vars) + " + " + integer(depth + 1, vars) + ")";
    if (choice == 3) return "len(" + list(b_.byte() % 2 == 0) + ")";
    return "kk.size";
  }

 private:
  static std::string list(bool members) { return members ? "kk.members" : "kk.assets"; }

  std::string leaf(const std::vector<Var>& vars) {
    const int choice = b_.byte() % 6;
    if (vars.empty() || choice == 0) return choice % 2 ? "kk.poor" : "has(kk.size)";
    const Var& v = vars[b_.byte() % vars.size()];
    if (!v.member) return v.name + ".value > " + std::to_string((b_.byte() % 4) * 1000);
    switch (choice) {
      case 1:
        return v.name + ".works";
      case 2:
        return v.name + ".age >= " + std::to_string(b_.byte() % 80);
      case 3: {
        const Var& w = vars[b_.byte() % vars.size()];
        if (w.member) return v.name + ".nik == " + w.name + ".nik";
        return v.name + ".nik == 'x'";
      }
      case 4:
        return "has(" + v.name + ".nik)";
      default:
        return v.name + ".nik != 'm1'";
    }
  }

  skamp_fuzz::Bytes& b_;
};

std::string rule_file(const std::string& require, const std::string& message_expr,
                      const std::string& amount) {
  return R"json({"format": "skamp-rules/1", "ruleset": "budget", "version": "1", "legal_basis": ["fuzz"],
    "valid": {"from": "2020-01-01", "to": "2030-12-31"}, "scope": "kk",
    "inputs": {"kk.poor": "bool", "kk.size": "int", "kk.members": "list<member>", "member.nik": "string",
               "member.age": "int", "member.works": "bool", "kk.assets": "list<asset>", "asset.value": "money"},
    "rules": [{"id": "generated", "require": ")json" +
         require + R"json(", "reason": {"code": "GEN", "id": "dibuat {)json" + message_expr +
         R"json(}", "en": "generated"}},
              {"id": "second", "require": "kk.size < 100 || any(kk.members, m -> m.works)",
               "reason": {"code": "SECOND", "id": "kedua", "en": "second"}}],
    "amount": ")json" +
         amount + R"json("})json";
}

std::string record(std::size_t members, std::size_t assets, std::uint8_t pattern,
                   std::size_t& longest) {
  longest = std::max(members, assets);
  std::string out = R"({"kk": {"poor": )" + std::string(pattern & 1 ? "true" : "null") +
                    R"(, "size": )" + std::to_string(members) + R"(, "members": [)";
  for (std::size_t i = 0; i < members; ++i) {
    if (i) out += ",";
    const std::size_t k = i * 7 + pattern;
    out += R"({"nik": )" +
           (k % 5 == 0 ? std::string("null") : "\"m" + std::to_string(k % 13) + "\"") +
           R"(, "age": )" + std::to_string(k % 90) + R"(, "works": )" +
           (k % 3 == 0 ? "true" : (k % 3 == 1 ? "false" : "null")) + "}";
  }
  out += R"(], "assets": [)";
  for (std::size_t i = 0; i < assets; ++i) {
    if (i) out += ",";
    out += R"({"value": )" + std::to_string((i * 1300 + pattern) % 5000) + "}";
  }
  return out + "]}}";
}

// What the observer checks against, for the record being evaluated.
struct Expect {
  double bound = 0;  // work_bound at the record's longest list (evaluation + messages)
  bool active = false;
};
Expect g_expect;
bool g_any_limited = false;

void observe(const skd::EvalCtx& ctx) {
  if (!g_expect.active) return;
  const std::uint64_t limit = ctx.step_limit;
  if (limit != UINT64_MAX) {
    FUZZ_CHECK(ctx.steps <= limit + 1);
    FUZZ_CHECK(!ctx.limited || ctx.steps == limit + 1);
  }
  const std::uint64_t n = ctx.prog->nodes.size();
  const std::uint64_t roots = ctx.prog->rule_roots.size() + 2;
  FUZZ_CHECK(ctx.nodes <= n * (ctx.steps + 3 * roots + 3));
  if (!ctx.limited) FUZZ_CHECK(static_cast<double>(ctx.steps) <= g_expect.bound);
  if (ctx.limited) g_any_limited = true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  skd::eval_observer = observe;
  skamp_fuzz::Bytes bytes(data, size);
  // The budget: small, so that a run stays fast however deep the rule.
  const std::uint8_t lo = bytes.byte(), hi = bytes.byte();
  const std::uint64_t budget = 1 + lo + (static_cast<std::uint64_t>(hi % 64) << 8);
  // The household's shape next, then the rule (which takes the rest of the bytes).
  const std::size_t members = bytes.byte();
  const std::size_t assets = bytes.byte() % 64;
  const std::uint8_t pattern = bytes.byte();
  Gen gen(bytes);
  std::vector<Var> vars;
  const std::string require = gen.boolean(0, vars);
  const std::string message_expr = gen.integer(0, vars);
  const std::string amount = "kk.size * 1000 + " + gen.integer(0, vars) + " * 10";
  std::size_t longest = 0;
  const std::string rec = record(members, assets, pattern, longest);
  const std::string text = rule_file(require, message_expr, amount);
  if (std::getenv("SKAMP_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "budget %llu\nrequire: %s\nmessage: %s\namount: %s\nrecord: %.200s...\n",
                 static_cast<unsigned long long>(budget), require.c_str(), message_expr.c_str(),
                 amount.c_str(), rec.c_str());
  }

  sk::RuleOptions unchecked;
  unchecked.max_work = 0;
  std::shared_ptr<const skd::RuleSetImpl> impl;
  try {
    impl = skd::load_ruleset(text, unchecked);
  } catch (const sk::RuleError& e) {
    // Only a limit of the language (nesting) may refuse a generated rule set.
    FUZZ_CHECK(e.code() == sk::ErrorCode::kLimit);
    return 0;
  }
  // The load-time check agrees with the bound it reports.
  {
    const skd::WorkBound at_assumed = skd::work_bound(*impl, 64);
    const bool over = at_assumed.evaluation > 1e6 || at_assumed.messages > 1e6;
    try {
      (void)sk::RuleSet::from_json(text);
      FUZZ_CHECK(!over);
    } catch (const sk::RuleError& e) {
      FUZZ_CHECK(over);
      FUZZ_CHECK(e.code() == sk::ErrorCode::kLimit);
      FUZZ_CHECK(std::string(e.what()).find("too costly") != std::string::npos);
    }
  }
  const skd::WorkBound bound = skd::work_bound(*impl, static_cast<double>(longest));
  const sk::RuleSet rules = sk::RuleSet::from_json(text, unchecked);
  sk::Evaluator ev = rules.evaluator(sk::Date::from_ymd(2020, 5, 1));
  ev.set_step_limit(budget);
  sk::RecordBatch batch(rules);
  try {
    batch.append_json(rec);
    batch.append_json(rec);
  } catch (const sk::RuleError&) {
    FUZZ_CHECK(false);  // the generator writes only well-typed records
  }
  g_expect.bound = bound.evaluation + bound.messages;
  g_expect.active = true;
  g_any_limited = false;
  const sk::Outcome fast = ev.evaluate(batch, 0);
  FUZZ_CHECK((fast.verdict == sk::Verdict::kError) == g_any_limited);
  FUZZ_CHECK(fast.verdict != sk::Verdict::kError || fast.reason == sk::Outcome::kStepLimit);
  // A record whose bound fits the budget is never stopped.
  if (bound.evaluation <= static_cast<double>(budget))
    FUZZ_CHECK(fast.verdict != sk::Verdict::kError);
  std::vector<std::int32_t> reasons;
  const sk::Outcome explained = ev.explain(batch, 0, reasons);
  if (explained.verdict != sk::Verdict::kError && fast.verdict != sk::Verdict::kError) {
    FUZZ_CHECK(explained.verdict == fast.verdict);
  }
  const sk::Decision d = ev.decide(batch, 0, true);
  FUZZ_CHECK(d.verdict == explained.verdict);
  std::int8_t verdicts[2];
  std::int32_t codes[2];
  FUZZ_CHECK(ev.evaluate_batch(batch, verdicts, nullptr, codes) == 2);
  FUZZ_CHECK(verdicts[0] == static_cast<std::int8_t>(fast.verdict) && verdicts[1] == verdicts[0]);
  g_expect.active = false;
  return 0;
}
