// Private: JSON helpers of the rules area (RapidJSON stays inside src/).
#ifndef SMARTKAMPUNG_SRC_RULES_JSON_UTIL_HPP
#define SMARTKAMPUNG_SRC_RULES_JSON_UTIL_HPP

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace smartkampung::detail {

void append_json_string(std::string& out, std::string_view s);
/// Keys sorted, no whitespace.
void write_canonical(std::string& out, const rapidjson::Value& v);
std::string to_plain_json(const rapidjson::Value& v);

/// Parses JSON (iteratively: deep nesting cannot overflow the stack); throws
/// RuleError naming the line and column of a syntax error. `what` names the text
/// ("the rule file", "the record"). Rejects duplicate keys and nesting beyond 64 levels.
void parse_json(rapidjson::Document& doc, std::string_view json, const char* what);

}  // namespace smartkampung::detail

#endif
