// The loader: a "skamp-rules/1" JSON document -> a checked, compiled RuleSetImpl.
// Every error is a RuleError naming the JSON location; nothing is kept on failure.
#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

#include "core/json.hpp"
#include "core/sha256.hpp"
#include "rules/check.hpp"
#include "rules/ir.hpp"
#include "rules/json_util.hpp"

namespace smartkampung::detail {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& msg, int col = 0,
                       ErrorCode code = ErrorCode::kParse) {
  throw RuleError(code, path, col, msg);
}

using Value = rapidjson::Value;

std::string_view sv(const Value& v) { return std::string_view(v.GetString(), v.GetStringLength()); }

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

void check_keys(const Value& obj, const std::string& path,
                std::initializer_list<const char*> allowed) {
  for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
    const std::string_view key = sv(m->name);
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      fail(join(path, std::string(key)),
           "unknown key \"" + std::string(key) + "\" (allowed: " + list + ")");
    }
  }
}

const Value* member(const Value& obj, const char* key) {
  auto m = obj.FindMember(key);
  return m == obj.MemberEnd() ? nullptr : &m->value;
}

const Value& require_member(const Value& obj, const std::string& path, const char* key) {
  const Value* v = member(obj, key);
  if (v == nullptr) fail(join(path, key), std::string("missing \"") + key + "\"");
  return *v;
}

std::string require_string(const Value& obj, const std::string& path, const char* key) {
  const Value& v = require_member(obj, path, key);
  if (!v.IsString()) fail(join(path, key), "must be a string");
  if (v.GetStringLength() == 0) fail(join(path, key), "must not be empty");
  return std::string(sv(v));
}

Date parse_date_text(std::string_view text, const std::string& path) {
  try {
    return Date::parse_iso(text);
  } catch (const Error& e) {
    fail(path, std::string("bad date: ") + e.what());
  }
}

Date parse_date(const Value& v, const std::string& path) {
  if (!v.IsString()) fail(path, "bad date: must be a string \"YYYY-MM-DD\"");
  return parse_date_text(sv(v), path);
}

bool is_ident(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::vector<std::string> split_path(std::string_view p, const std::string& where) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = p.find('.', start);
    const std::string_view seg =
        p.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!is_ident(seg)) fail(where, "\"" + std::string(p) + "\" is not a dotted path of names");
    out.emplace_back(seg);
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

class Loader {
 public:
  explicit Loader(RuleSetImpl& rs) : rs_(rs) {}

  void load(const rapidjson::Document& doc) {
    if (!doc.IsObject()) fail("", "the rule file must be a JSON object");
    const Value* format = member(doc, "format");
    if (format == nullptr) fail("format", "missing \"format\": expected \"skamp-rules/1\"");
    if (!format->IsString() || sv(*format) != "skamp-rules/1") {
      fail("format", format->IsString() ? "unknown format \"" + std::string(sv(*format)) +
                                              "\": expected \"skamp-rules/1\""
                                        : "must be the string \"skamp-rules/1\"");
    }
    check_keys(
        doc, "",
        {"format", "ruleset", "version", "description", "valid", "scope", "time_zone",
         "legal_basis", "notes", "inputs", "params", "rules", "priority", "amount", "tests"});
    rs_.id = require_string(doc, "", "ruleset");
    rs_.version = require_string(doc, "", "version");
    const Value& valid = require_member(doc, "", "valid");
    if (!valid.IsObject()) fail("valid", "must be an object {\"from\": date, \"to\": date}");
    check_keys(valid, "valid", {"from", "to"});
    rs_.valid_from = parse_date(require_member(valid, "valid", "from"), "valid.from");
    rs_.valid_to = parse_date(require_member(valid, "valid", "to"), "valid.to");
    if (rs_.valid_to < rs_.valid_from)
      fail("valid", "overlapping validity: \"to\" is before \"from\"");
    rs_.scope = require_string(doc, "", "scope");
    if (rs_.scope != "person" && rs_.scope != "kk") fail("scope", "must be \"person\" or \"kk\"");
    if (const Value* tz = member(doc, "time_zone")) {
      const std::string_view z = tz->IsString() ? sv(*tz) : std::string_view();
      if (z == "Asia/Jakarta" || z == "WIB")
        rs_.zone = TimeZone::kWIB;
      else if (z == "Asia/Makassar" || z == "WITA")
        rs_.zone = TimeZone::kWITA;
      else if (z == "Asia/Jayapura" || z == "WIT")
        rs_.zone = TimeZone::kWIT;
      else
        fail("time_zone",
             "must be \"Asia/Jakarta\" (WIB), \"Asia/Makassar\" (WITA) or \"Asia/Jayapura\" (WIT)");
    }
    const Value& basis = require_member(doc, "", "legal_basis");
    if (!basis.IsArray() || basis.Empty())
      fail("legal_basis", "must be a non-empty list of citations");
    for (rapidjson::SizeType i = 0; i < basis.Size(); ++i) {
      if (!basis[i].IsString() || basis[i].GetStringLength() == 0) {
        fail("legal_basis[" + std::to_string(i) + "]", "must be a non-empty string");
      }
    }
    // Programme codes of the shipped schemes get stable bits, then the conflict table's.
    for (const char* code :
         {"PKH", "BPNT", "PRAKERJA", "BST", "BLT_DD", "JATIM_BKK", "SEMBAKO_BWI"}) {
      rs_.programs.emplace_back(code);
    }
    if (rs_.conflicts) {
      for (const ProgramConflict& c : rs_.conflicts->conflicts()) {
        for (const std::string* code : {&c.a, &c.b}) {
          try {
            intern_program(rs_, *code, 0);
          } catch (const ExprError& e) {
            fail("", "conflict table: " + e.message, 0, e.code);
          }
        }
      }
    }
    inputs(require_member(doc, "", "inputs"));
    if (const Value* p = member(doc, "params")) params(*p);
    rules(require_member(doc, "", "rules"));
    if (const Value* a = member(doc, "amount")) {
      rs_.amount_root = expression(*a, "amount", nullptr);
      const Type t = rs_.nodes[static_cast<std::size_t>(rs_.amount_root)].type;
      if (t.kind != Kind::kMoney && t.kind != Kind::kInt)
        fail("amount", "type mismatch: must give money, not " + type_name(rs_, t), 1);
    }
    if (const Value* p = member(doc, "priority")) {
      rs_.priority_root = expression(*p, "priority", nullptr);
      const Type t = rs_.nodes[static_cast<std::size_t>(rs_.priority_root)].type;
      if (t.kind != Kind::kInt)
        fail("priority", "type mismatch: must give int, not " + type_name(rs_, t), 1);
    }
    if (const Value* t = member(doc, "tests")) tests(*t);
  }

 private:
  Type parse_type(std::string_view t, const std::string& where) {
    if (t == "bool") return Type{Kind::kBool, -1};
    if (t == "int") return Type{Kind::kInt, -1};
    if (t == "money") return Type{Kind::kMoney, -1};
    if (t == "date") return Type{Kind::kDate, -1};
    if (t == "string") return Type{Kind::kString, -1};
    if (t == "set<program>") return Type{Kind::kSet, -1};
    auto inner = [&](std::string_view prefix) -> std::string_view {
      if (t.size() > prefix.size() + 1 && t.substr(0, prefix.size()) == prefix && t.back() == '>') {
        return t.substr(prefix.size(), t.size() - prefix.size() - 1);
      }
      return std::string_view();
    };
    if (std::string_view vals = inner("enum<"); !vals.empty()) {
      std::vector<std::string> values;
      std::size_t start = 0;
      for (;;) {
        const std::size_t comma = vals.find(',', start);
        std::string v(vals.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        v.erase(0, v.find_first_not_of(' '));
        v.erase(v.find_last_not_of(' ') + 1);
        if (v.empty()) fail(where, "empty value in " + std::string(t));
        if (std::find(values.begin(), values.end(), v) != values.end()) {
          fail(where, "value \"" + v + "\" given twice in " + std::string(t));
        }
        values.push_back(v);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (values.size() > 63) fail(where, "an enum holds at most 63 values");
      for (std::size_t i = 0; i < rs_.schema.enums.size(); ++i) {
        if (rs_.schema.enums[i] == values) return Type{Kind::kEnum, static_cast<std::int16_t>(i)};
      }
      rs_.schema.enums.push_back(values);
      return Type{Kind::kEnum, static_cast<std::int16_t>(rs_.schema.enums.size() - 1)};
    }
    if (std::string_view elem = inner("list<"); !elem.empty()) {
      if (!is_ident(elem)) fail(where, "list<...> takes an element type name");
      for (std::size_t i = 0; i < rs_.schema.elem_types.size(); ++i) {
        if (rs_.schema.elem_types[i].name == elem)
          return Type{Kind::kList, static_cast<std::int16_t>(i)};
      }
      rs_.schema.elem_types.push_back(ElemType{std::string(elem), {}});
      return Type{Kind::kList, static_cast<std::int16_t>(rs_.schema.elem_types.size() - 1)};
    }
    fail(where, "unknown type \"" + std::string(t) +
                    "\" (bool, int, money, date, string, enum<a,b>, set<program>, list<name>)");
  }

  void inputs(const Value& v) {
    if (!v.IsObject() || v.ObjectEmpty())
      fail("inputs", "must be a non-empty object {\"path\": \"type\"}");
    std::vector<std::string> where;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string path = "inputs." + std::string(sv(m->name));
      if (!m->value.IsString()) fail(path, "must be a type string");
      FieldDef f;
      f.path = std::string(sv(m->name));
      f.segments = split_path(f.path, path);
      f.type = parse_type(sv(m->value), path);
      rs_.schema.fields.push_back(f);
      where.push_back(path);
    }
    // Types first, so that list<member> has declared the element type before member.x.
    for (std::size_t i = 0; i < rs_.schema.fields.size(); ++i) {
      FieldDef& f = rs_.schema.fields[i];
      for (std::size_t e = 0; e < rs_.schema.elem_types.size(); ++e) {
        if (rs_.schema.elem_types[e].name != f.segments[0]) continue;
        if (f.segments.size() < 2)
          fail(where[i], "an element type is not a field: declare its fields (" + f.path + ".x)");
        if (f.type.kind == Kind::kList)
          fail(where[i], "lists inside list elements are not supported");
        f.elem_type = static_cast<int>(e);
        f.segments.erase(f.segments.begin());
        rs_.schema.elem_types[e].fields.push_back(static_cast<int>(i));
      }
      if (f.elem_type < 0) {
        if (f.segments[0] == "params" || f.segments[0] == "as_of")
          fail(where[i], "\"" + f.segments[0] + "\" is reserved");
        if (f.segments.size() < 2)
          fail(where[i], "a field path starts with its record (e.g. kk.x or person.x)");
        if (std::find(rs_.schema.roots.begin(), rs_.schema.roots.end(), f.segments[0]) ==
            rs_.schema.roots.end()) {
          rs_.schema.roots.push_back(f.segments[0]);
        }
      }
    }
    for (std::size_t i = 0; i < rs_.schema.fields.size(); ++i) {
      for (std::size_t j = 0; j < rs_.schema.fields.size(); ++j) {
        const FieldDef& a = rs_.schema.fields[i];
        const FieldDef& b = rs_.schema.fields[j];
        if (i == j || a.elem_type != b.elem_type || a.segments.size() >= b.segments.size())
          continue;
        if (std::equal(a.segments.begin(), a.segments.end(), b.segments.begin())) {
          fail(where[i], "\"" + a.path + "\" is a value and also holds \"" + b.path + "\"");
        }
      }
    }
    for (const ElemType& e : rs_.schema.elem_types) {
      if (e.fields.empty())
        fail("inputs", "list<" + e.name + "> has no fields: declare " + e.name + ".x");
    }
  }

  std::int64_t param_scalar(const Value& v, Type t, const std::string& where) {
    switch (t.kind) {
      case Kind::kBool:
        if (!v.IsBool()) fail(where, "type mismatch: must be true or false");
        return v.GetBool() ? 1 : 0;
      case Kind::kInt:
      case Kind::kMoney:
        if (!v.IsInt64()) fail(where, "type mismatch: must be a whole number (rupiah for money)");
        return v.GetInt64();
      case Kind::kDate:
        return parse_date(v, where).days_since_epoch();
      case Kind::kSet: {
        if (!v.IsArray()) fail(where, "type mismatch: must be a list of programme codes");
        std::uint64_t mask = 0;
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
          const std::string w = where + "[" + std::to_string(i) + "]";
          if (!v[i].IsString() || v[i].GetStringLength() == 0) fail(w, "must be a programme code");
          try {
            mask |= std::uint64_t{1} << intern_program(rs_, sv(v[i]), 0);
          } catch (const ExprError& e) {
            fail(w, e.message, 0, e.code);
          }
        }
        return static_cast<std::int64_t>(mask);
      }
      default:
        fail(where, "parameters are bool, int, money, date or set<program>");
    }
  }

  void params(const Value& v) {
    if (!v.IsObject()) fail("params", "must be an object");
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string path = "params." + std::string(sv(m->name));
      if (!is_ident(sv(m->name))) fail(path, "a parameter name is a plain name");
      const Value& p = m->value;
      if (!p.IsObject())
        fail(path, "must be {\"type\": ..., \"value\": ...} or {\"type\": ..., \"values\": ...}");
      check_keys(p, path, {"type", "value", "values", "description"});
      Param param;
      param.name = std::string(sv(m->name));
      param.type = parse_type(require_string(p, path, "type"), path + ".type");
      const Value* value = member(p, "value");
      const Value* values = member(p, "values");
      if ((value == nullptr) == (values == nullptr))
        fail(path, "give exactly one of \"value\" and \"values\"");
      if (value != nullptr) {
        param.values.emplace_back(rs_.valid_from,
                                  param_scalar(*value, param.type, path + ".value"));
      } else if (values->IsObject()) {
        // {"2020-04-01": 600000, "2020-07-01": 300000}: each value holds from its date on.
        if (values->ObjectEmpty()) fail(path + ".values", "must not be empty");
        for (auto e = values->MemberBegin(); e != values->MemberEnd(); ++e) {
          const std::string w = path + ".values." + std::string(sv(e->name));
          param.values.emplace_back(parse_date_text(sv(e->name), w),
                                    param_scalar(e->value, param.type, w));
        }
        std::sort(param.values.begin(), param.values.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        if (rs_.valid_from < param.values.front().first) {
          fail(path + ".values",
               "no value in force on valid.from (" + rs_.valid_from.to_iso() + ")");
        }
      } else if (values->IsArray()) {
        // [{"from": d, "to": d, "value": v}, ...]: ranges must not overlap and must cover `valid`.
        std::vector<std::tuple<Date, Date, std::int64_t, std::size_t>> ranges;
        for (rapidjson::SizeType i = 0; i < values->Size(); ++i) {
          const std::string w = path + ".values[" + std::to_string(i) + "]";
          const Value& r = (*values)[i];
          if (!r.IsObject()) fail(w, "must be {\"from\", \"to\", \"value\"}");
          check_keys(r, w, {"from", "to", "value"});
          const Date from = parse_date(require_member(r, w, "from"), w + ".from");
          const Date to = parse_date(require_member(r, w, "to"), w + ".to");
          if (to < from) fail(w, "overlapping validity: \"to\" is before \"from\"");
          ranges.emplace_back(
              from, to, param_scalar(require_member(r, w, "value"), param.type, w + ".value"), i);
        }
        if (ranges.empty()) fail(path + ".values", "must not be empty");
        std::sort(ranges.begin(), ranges.end());
        for (std::size_t i = 1; i < ranges.size(); ++i) {
          const auto& prev = ranges[i - 1];
          const auto& cur = ranges[i];
          if (std::get<0>(cur) <= std::get<1>(prev)) {
            fail(path + ".values[" + std::to_string(std::get<3>(cur)) + "]",
                 "overlapping validity: " + std::get<0>(cur).to_iso() + ".." +
                     std::get<1>(cur).to_iso() + " overlaps " + std::get<0>(prev).to_iso() + ".." +
                     std::get<1>(prev).to_iso());
          }
          if (std::get<0>(cur).days_since_epoch() != std::get<1>(prev).days_since_epoch() + 1) {
            fail(path + ".values", "gap in validity after " + std::get<1>(prev).to_iso());
          }
        }
        if (rs_.valid_from < std::get<0>(ranges.front()) ||
            std::get<1>(ranges.back()) < rs_.valid_to) {
          fail(path + ".values", "the ranges must cover valid (" + rs_.valid_from.to_iso() + ".." +
                                     rs_.valid_to.to_iso() + ")");
        }
        for (const auto& r : ranges) {
          param.values.emplace_back(std::get<0>(r), std::get<2>(r));
          param.ranges.emplace_back(std::get<0>(r), std::get<1>(r));
        }
      } else {
        fail(path + ".values", "must be an object {date: value} or a list of {from, to, value}");
      }
      rs_.params.push_back(std::move(param));
    }
  }

  int expression_text(std::string_view text, const std::string& path, int col_offset,
                      std::vector<int>* reads) {
    if (rs_.expr_paths.size() > 30000) fail(path, "too many expressions", 0, ErrorCode::kLimit);
    rs_.expr_paths.push_back(path);
    const int expr_index = static_cast<int>(rs_.expr_paths.size()) - 1;
    try {
      const AstTree tree = parse_expr(text);
      Checker checker(rs_, expr_index);
      const int root = checker.check_root(tree);
      if (reads != nullptr) {
        for (int f : checker.reads()) {
          if (std::find(reads->begin(), reads->end(), f) == reads->end()) reads->push_back(f);
        }
      }
      return root;
    } catch (const ExprError& e) {
      fail(path, e.message, e.col + col_offset, e.code);
    }
  }

  int expression(const Value& v, const std::string& path, std::vector<int>* reads) {
    if (!v.IsString()) fail(path, "must be an expression string");
    if (v.GetStringLength() == 0) fail(path, "empty expression");
    return expression_text(sv(v), path, 0, reads);
  }

  int bool_expression(const Value& v, const std::string& path, std::vector<int>* reads) {
    const int root = expression(v, path, reads);
    const Type t = rs_.nodes[static_cast<std::size_t>(root)].type;
    if (t.kind != Kind::kBool)
      fail(path, "type mismatch: a condition must be bool, not " + type_name(rs_, t), 1);
    return root;
  }

  std::vector<MessagePart> message(const Value& reason, const std::string& rpath,
                                   const char* lang) {
    const std::string path = rpath + "." + lang;
    const Value* v = member(reason, lang);
    const bool indonesian = std::string_view(lang) == "id";
    if (v == nullptr) {
      fail(path, std::string("missing message \"") + lang + "\" (" +
                     (indonesian ? "Indonesian" : "English") + " text)");
    }
    if (!v->IsString() || v->GetStringLength() == 0)
      fail(path, "missing message: must be a non-empty string");
    const std::string_view text = sv(*v);
    std::vector<MessagePart> parts;
    std::string literal;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '}')
        fail(path, "'}' without '{' (interpolate with {expression})", static_cast<int>(i) + 1);
      if (text[i] != '{') {
        literal += text[i];
        continue;
      }
      const std::size_t close = text.find('}', i);
      if (close == std::string_view::npos) fail(path, "unclosed '{'", static_cast<int>(i) + 1);
      if (!literal.empty()) parts.push_back(MessagePart{literal, -1});
      literal.clear();
      const int root = expression_text(text.substr(i + 1, close - i - 1), path,
                                       static_cast<int>(i) + 1, nullptr);
      parts.push_back(MessagePart{std::string(), root});
      i = close;
    }
    if (!literal.empty()) parts.push_back(MessagePart{literal, -1});
    return parts;
  }

  void rules(const Value& v) {
    if (!v.IsArray() || v.Empty()) fail("rules", "must be a non-empty list");
    std::set<std::string> ids;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string path = "rules[" + std::to_string(i) + "]";
      const Value& r = v[i];
      if (!r.IsObject()) fail(path, "must be an object");
      check_keys(r, path, {"id", "require", "require_any", "reason", "description"});
      RuleDef rule;
      rule.id = require_string(r, path, "id");
      if (!ids.insert(rule.id).second)
        fail(path + ".id", "rule id \"" + rule.id + "\" given twice");
      const Value* req = member(r, "require");
      const Value* any = member(r, "require_any");
      if ((req == nullptr) == (any == nullptr))
        fail(path, "give exactly one of \"require\" and \"require_any\"");
      if (req != nullptr) {
        rule.root = bool_expression(*req, path + ".require", &rule.fields_read);
      } else {
        if (!any->IsObject() || any->ObjectEmpty()) {
          fail(path + ".require_any", "must be a non-empty object {name: condition}");
        }
        int acc = -1;
        for (auto m = any->MemberBegin(); m != any->MemberEnd(); ++m) {
          const std::string p = path + ".require_any." + std::string(sv(m->name));
          const int part = bool_expression(m->value, p, &rule.fields_read);
          if (acc < 0) {
            acc = part;
            continue;
          }
          Node n;
          n.op = Op::kOr;
          n.type = Type{Kind::kBool, -1};
          n.a = acc;
          n.b = part;
          n.col = 1;
          n.expr = rs_.nodes[static_cast<std::size_t>(part)].expr;
          rs_.nodes.push_back(n);
          acc = static_cast<int>(rs_.nodes.size()) - 1;
        }
        rule.root = acc;
      }
      const std::string rpath = path + ".reason";
      const Value* reason = member(r, "reason");
      if (reason == nullptr) fail(rpath, "missing reason {\"code\", \"id\", \"en\"}");
      if (!reason->IsObject()) fail(rpath, "must be an object {\"code\", \"id\", \"en\"}");
      check_keys(*reason, rpath, {"code", "id", "en"});
      rule.code = require_string(*reason, rpath, "code");
      for (char c : rule.code) {
        if (!(std::isupper(static_cast<unsigned char>(c)) ||
              std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
          fail(rpath + ".code", "a reason code is UPPER_CASE letters, digits and '_'");
        }
      }
      if (rule.code == "OUT_OF_PERIOD" || rule.code == "AMOUNT_UNKNOWN" || rule.code == "LIMIT") {
        fail(rpath + ".code", "\"" + rule.code + "\" is reserved");
      }
      rule.message_id = message(*reason, rpath, "id");
      rule.message_en = message(*reason, rpath, "en");
      std::sort(rule.fields_read.begin(), rule.fields_read.end());
      rs_.rules.push_back(std::move(rule));
    }
  }

  void tests(const Value& v) {
    if (!v.IsArray()) fail("tests", "must be a list");
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string path = "tests[" + std::to_string(i) + "]";
      const Value& t = v[i];
      if (!t.IsObject()) fail(path, "must be an object");
      check_keys(t, path, {"name", "as_of", "input", "expect", "description"});
      TestCase tc;
      tc.name = require_string(t, path, "name");
      tc.as_of = parse_date(require_member(t, path, "as_of"), path + ".as_of");
      const Value& input = require_member(t, path, "input");
      if (!input.IsObject()) fail(path + ".input", "must be an object (a record)");
      tc.input_json = to_plain_json(input);
      const Value& expect = require_member(t, path, "expect");
      if (!expect.IsObject()) fail(path + ".expect", "must be an object");
      check_keys(expect, path + ".expect", {"decision", "reasons", "amount", "priority"});
      tc.decision = require_string(expect, path + ".expect", "decision");
      if (tc.decision != "eligible" && tc.decision != "ineligible" && tc.decision != "needs_data") {
        fail(path + ".expect.decision", "must be \"eligible\", \"ineligible\" or \"needs_data\"");
      }
      if (const Value* r = member(expect, "reasons")) {
        if (!r->IsArray()) fail(path + ".expect.reasons", "must be a list of reason codes");
        tc.has_reasons = true;
        for (rapidjson::SizeType k = 0; k < r->Size(); ++k) {
          if (!(*r)[k].IsString())
            fail(path + ".expect.reasons[" + std::to_string(k) + "]", "must be a reason code");
          tc.reasons.emplace_back(sv((*r)[k]));
        }
      }
      if (const Value* a = member(expect, "amount")) {
        if (!a->IsInt64()) fail(path + ".expect.amount", "must be a whole number");
        tc.has_amount = true;
        tc.amount = a->GetInt64();
      }
      if (const Value* p = member(expect, "priority")) {
        if (!p->IsInt64()) fail(path + ".expect.priority", "must be a whole number");
        tc.has_priority = true;
        tc.priority = p->GetInt64();
      }
      rs_.tests.push_back(std::move(tc));
    }
  }

  RuleSetImpl& rs_;
};

void check_duplicates(const Value& v, const std::string& path, int depth) {
  if (depth > 64) fail(path, "JSON nested deeper than 64 levels", 0, ErrorCode::kLimit);
  if (v.IsObject()) {
    std::set<std::string_view> seen;
    const bool dated = path.size() >= 7 && path.compare(path.size() - 7, 7, ".values") == 0;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string_view key = sv(m->name);
      const std::string child = join(path, std::string(key));
      if (!seen.insert(key).second) {
        fail(child, "duplicate key \"" + std::string(key) + "\"" +
                        (dated ? " (overlapping validity)" : ""));
      }
      check_duplicates(m->value, child, depth + 1);
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      check_duplicates(v[i], path + "[" + std::to_string(i) + "]", depth + 1);
    }
  }
}

}  // namespace

void parse_json(rapidjson::Document& doc, std::string_view json, const char* what) {
  if (const auto error = json::try_parse(doc, json)) {
    // The structured path of a RuleError names a rule-file field: a syntax error has none.
    throw RuleError(ErrorCode::kParse, "", error->column, error->message(what));
  }
  check_duplicates(doc, "", 0);
}

std::shared_ptr<const RuleSetImpl> load_ruleset(std::string_view json, const RuleOptions& options) {
  if (json.size() > kMaxRuleFileBytes)
    fail("", "rule file larger than 16 MiB", 0, ErrorCode::kLimit);
  rapidjson::Document doc;
  parse_json(doc, json, "the rule file");
  auto rs = std::make_shared<RuleSetImpl>();
  rs->conflicts = options.conflicts;
  Loader(*rs).load(doc);
  check_work_bound(*rs, options);
  write_canonical(rs->canonical, doc);
  rs->sha256 = sha256_hex(rs->canonical);
  // Compile for the start of the window and every date a parameter changes, so that
  // a constant that fails (division by zero, overflow) is found at load.
  std::set<std::int32_t> dates{rs->valid_from.days_since_epoch()};
  for (const Param& p : rs->params) {
    for (const auto& entry : p.values) {
      if (rs->valid_from <= entry.first && entry.first <= rs->valid_to)
        dates.insert(entry.first.days_since_epoch());
    }
  }
  for (std::int32_t d : dates) compile_for(*rs, Date(d));
  return rs;
}

}  // namespace smartkampung::detail
