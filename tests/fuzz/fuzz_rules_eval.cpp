// Rule evaluation on arbitrary JSON records, against the shipped rule sets (the first
// byte chooses one and the decision date; the rest is the record, or an array of records
// for the batch path). Invariants: fast and explain mode agree on the verdict and the
// amount; the batch path agrees with the single path; only eligible decisions carry an
// amount... and an error never repeats a NIK from the record.
#include <cstddef>
#include <cstdint>
#include <smartkampung/error.hpp>
#include <smartkampung/rules.hpp>
#include <string>
#include <vector>

#include "fuzz_bytes.hpp"
#include "fuzz_check.hpp"

namespace sk = smartkampung;

namespace {

const std::vector<sk::RuleSet>& rule_sets() {
  static const std::vector<sk::RuleSet> sets = [] {
    std::vector<sk::RuleSet> out;
    for (const auto& name : sk::RuleSet::builtin_names()) out.push_back(sk::RuleSet::builtin(name));
    return out;
  }();
  return sets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  skamp_fuzz::Bytes bytes(data, size);
  const std::uint8_t choice = bytes.byte();
  const sk::RuleSet& rules = rule_sets()[choice % rule_sets().size()];
  // Dates around the rule sets' validity (2020) and outside it.
  const sk::Date as_of =
      sk::Date::from_ymd(2019 + (choice >> 6), 1 + (choice >> 2) % 12, 1 + choice % 28);
  const std::string record = bytes.rest();
  try {
    const sk::Decision fast = rules.evaluate_json(record, as_of, false);
    const sk::Decision explained = rules.evaluate_json(record, as_of, true);
    FUZZ_CHECK(fast.verdict == explained.verdict);
    FUZZ_CHECK(fast.amount == explained.amount);
    FUZZ_CHECK(fast.verdict == sk::Verdict::kEligible || fast.amount == 0);
    FUZZ_CHECK(fast.verdict == sk::Verdict::kEligible || !explained.reasons.empty());
    const std::string json = explained.to_json();
    FUZZ_CHECK(json.find("\"schema\":\"skamp-decision/1\"") != std::string::npos);
    // The same record through the batch path decides the same.
    sk::RecordBatch batch(rules);
    FUZZ_CHECK(batch.append_json_array("[" + record + "]") == 1);
    const sk::Outcome outcome = rules.evaluator(as_of).evaluate(batch, 0);
    FUZZ_CHECK(outcome.verdict == fast.verdict);
    FUZZ_CHECK(outcome.amount == fast.amount);
  } catch (const sk::Error& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
    FUZZ_CHECK(!skamp_fuzz::repeats_a_nik(e.what(), record));
  }
  // Arrays of records: all or nothing.
  try {
    sk::RecordBatch batch(rules);
    const std::size_t n = batch.append_json_array(record);
    FUZZ_CHECK(n == batch.size());
    const sk::Evaluator evaluator = rules.evaluator(as_of);
    for (std::size_t i = 0; i < n; ++i) (void)evaluator.evaluate(batch, i);
  } catch (const sk::Error& e) {
    FUZZ_CHECK(!skamp_fuzz::repeats_a_nik(e.what(), record));
  }
  return 0;
}
