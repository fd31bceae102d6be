#include <rapidjson/document.h>

#include <algorithm>
#include <smartkampung/conflicts.hpp>
#include <smartkampung/error.hpp>
#include <tuple>

#include "core/json.hpp"

namespace smartkampung {

const char* conflict_scope_name(ConflictScope scope) noexcept {
  return scope == ConflictScope::kPerson ? "person" : "kk";
}

ConflictScope parse_conflict_scope(std::string_view text) {
  if (text == "person") return ConflictScope::kPerson;
  if (text == "kk") return ConflictScope::kKk;
  throw Error(ErrorCode::kInvalidArgument, "conflict scope must be \"person\" or \"kk\"");
}

ConflictTable::ConflictTable(std::vector<ProgramConflict> conflicts) {
  for (std::size_t i = 0; i < conflicts.size(); ++i) {
    ProgramConflict& c = conflicts[i];
    const std::string where = "conflicts[" + std::to_string(i) + "]";
    if (c.a.empty() || c.b.empty())
      throw Error(ErrorCode::kInvalidArgument, where + ": empty programme code");
    if (c.a == c.b)
      throw Error(ErrorCode::kInvalidArgument, where + ": a programme cannot conflict with itself");
    if (c.b < c.a) std::swap(c.a, c.b);
  }
  std::sort(conflicts.begin(), conflicts.end(),
            [](const ProgramConflict& x, const ProgramConflict& y) {
              return std::tie(x.a, x.b, x.scope) < std::tie(y.a, y.b, y.scope);
            });
  for (ProgramConflict& c : conflicts) {
    if (!conflicts_.empty() && conflicts_.back().a == c.a && conflicts_.back().b == c.b) {
      conflicts_.back().scope = ConflictScope::kKk;  // sorted: kk (1) comes last and wins
      continue;
    }
    conflicts_.push_back(std::move(c));
  }
}

ConflictTable ConflictTable::from_json(std::string_view json) {
  const rapidjson::Document doc = detail::json::parse(json, "conflicts JSON");
  if (!doc.IsObject())
    throw Error(ErrorCode::kParse, "conflicts JSON: the document must be an object");
  auto fmt = doc.FindMember("format");
  if (fmt == doc.MemberEnd() || !fmt->value.IsString() ||
      std::string_view(fmt->value.GetString()) != "skamp-conflicts/1") {
    throw Error(ErrorCode::kParse, "conflicts JSON: format must be \"skamp-conflicts/1\"");
  }
  auto list = doc.FindMember("conflicts");
  if (list == doc.MemberEnd() || !list->value.IsArray()) {
    throw Error(ErrorCode::kParse, "conflicts JSON: conflicts must be an array");
  }
  std::vector<ProgramConflict> out;
  rapidjson::SizeType i = 0;
  for (const auto& item : list->value.GetArray()) {
    const std::string where = "conflicts JSON: conflicts[" + std::to_string(i++) + "]";
    if (!item.IsObject()) throw Error(ErrorCode::kParse, where + " must be an object");
    auto get = [&](const char* key) -> std::string {
      auto m = item.FindMember(key);
      if (m == item.MemberEnd() || !m->value.IsString()) {
        throw Error(ErrorCode::kParse, where + "." + key + " must be a string");
      }
      return std::string(m->value.GetString(), m->value.GetStringLength());
    };
    for (auto m = item.MemberBegin(); m != item.MemberEnd(); ++m) {
      const std::string_view key(m->name.GetString(), m->name.GetStringLength());
      if (key != "a" && key != "b" && key != "scope") {
        throw Error(ErrorCode::kParse, where + ": unknown key \"" + std::string(key) + "\"");
      }
    }
    ProgramConflict c;
    c.a = get("a");
    c.b = get("b");
    try {
      c.scope = parse_conflict_scope(get("scope"));
    } catch (const Error& e) {
      throw Error(ErrorCode::kParse, where + ".scope: " + e.what());
    }
    out.push_back(std::move(c));
  }
  try {
    return ConflictTable(std::move(out));
  } catch (const Error& e) {
    throw Error(ErrorCode::kParse, std::string("conflicts JSON: ") + e.what());
  }
}

namespace {
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(c >> 4) & 15];
      out += kHex[c & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}
}  // namespace

std::string ConflictTable::to_json() const {
  std::string out = "{\"conflicts\":[";
  for (std::size_t i = 0; i < conflicts_.size(); ++i) {
    if (i) out += ',';
    out += "{\"a\":";
    append_json_string(out, conflicts_[i].a);
    out += ",\"b\":";
    append_json_string(out, conflicts_[i].b);
    out += ",\"scope\":\"";
    out += conflict_scope_name(conflicts_[i].scope);
    out += "\"}";
  }
  out += "],\"format\":\"skamp-conflicts/1\"}";
  return out;
}

bool ConflictTable::conflicts(std::string_view a, std::string_view b,
                              ConflictScope scope) const noexcept {
  if (b < a) std::swap(a, b);
  auto it = std::lower_bound(
      conflicts_.begin(), conflicts_.end(), std::pair(a, b),
      [](const ProgramConflict& c, const std::pair<std::string_view, std::string_view>& key) {
        return std::pair<std::string_view, std::string_view>(c.a, c.b) < key;
      });
  if (it == conflicts_.end() || it->a != a || it->b != b) return false;
  return scope == ConflictScope::kPerson || it->scope == ConflictScope::kKk;
}

std::vector<std::string> ConflictTable::conflicting(const std::vector<std::string>& held,
                                                    std::string_view program,
                                                    ConflictScope scope) const {
  std::vector<std::string> out;
  for (const std::string& h : held) {
    if (h != program && conflicts(h, program, scope)) out.push_back(h);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace smartkampung
