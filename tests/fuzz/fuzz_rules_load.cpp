// The rule-file loader and the expression compiler. The first input byte chooses:
// - even: the input is a whole rule file (RuleSet::from_json);
// - odd: the rest is one expression, placed as the "require" of a small rule file with
//   typed inputs of every kind, so the lexer, parser, type checker and compiler see it.
// Invariants: a loaded rule set reloads from its canonical JSON to the same SHA-256 and
// canonical text; its embedded tests run; the errors are smartkampung::Error only, a
// RuleError with a column for anything wrong in the file.
#include <cstddef>
#include <cstdint>
#include <smartkampung/error.hpp>
#include <smartkampung/rules.hpp>
#include <string>

#include "fuzz_bytes.hpp"
#include "fuzz_check.hpp"

namespace sk = smartkampung;

namespace {

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string rule_file(const std::string& expression) {
  return R"({"format": "skamp-rules/1", "ruleset": "fuzz", "version": "1",
    "description": "d", "legal_basis": ["x"], "valid": {"from": "2020-01-01", "to": "2020-12-31"}, "scope": "kk",
    "inputs": {"kk.programs": "set<program>", "kk.region_kind": "enum<desa,kelurahan>",
      "kk.lost_livelihood": "bool", "kk.income": "money", "kk.size": "int",
      "kk.head.sex": "enum<F,M>", "kk.members": "list<member>", "member.nik": "string",
      "member.birth_date": "date"},
    "params": {"monthly": {"type": "money", "values": {"2020-01-01": 600000}}},
    "rules": [{"id": "r", "require": )" +
         json_string(expression) +
         R"(, "reason": {"code": "R", "id": "r {kk.size}", "en": "r"}}],
    "amount": "params.monthly"})";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  skamp_fuzz::Bytes bytes(data, size);
  const bool expression = (bytes.byte() & 1) != 0;
  const std::string text = expression ? rule_file(bytes.rest()) : bytes.rest();
  try {
    const sk::RuleSet rules = sk::RuleSet::from_json(text);
    const sk::RuleSet again = sk::RuleSet::from_json(rules.to_json());
    FUZZ_CHECK(again.sha256() == rules.sha256());
    FUZZ_CHECK(again.to_json() == rules.to_json());
    FUZZ_CHECK(rules.sha256().size() == 64);
    (void)rules.run_tests();
    (void)rules.evaluator(sk::Date::from_ymd(2020, 5, 1));
  } catch (const sk::RuleError& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
    FUZZ_CHECK(e.column() >= 0);
    // No personal-data check here: a rule file is written by the programme's author, and
    // quoting its own tokens back ("unexpected '2999...' after the end") is the point.
  } catch (const sk::Error& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
  }
  return 0;
}
