// Link settings: defaults for registry records, JSON round trip, validation.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <smartkampung/linkage.hpp>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "linkage/engine.hpp"

namespace smartkampung {

namespace {

// The settings document's format tag, as the other input documents carry one
// ("skamp-rules/1", "skamp-conflicts/1"). Optional on input: settings may be a partial
// override of the defaults; when present it must be this.
const char* const kSettingsFormat = "skamp-linkage-settings/1";

const char* const kKindNames[] = {"exact",  "id",    "name", "string", "date",
                                  "tokens", "rt_rw", "sex",  "nik"};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "link settings " + path + ": " + what);
}

CompareKind kind_from_name(const std::string& name, const std::string& path) {
  for (int k = 0; k < 9; ++k) {
    if (name == kKindNames[k]) return static_cast<CompareKind>(k);
  }
  bad(path, "unknown comparison kind '" + name +
                "' (expected exact, id, name, string, date, tokens, rt_rw, sex or nik)");
}

LinkField field(const char* name, const char* column, CompareKind kind, bool tf = false) {
  LinkField f;
  f.name = name;
  f.column = column;
  f.kind = kind;
  f.term_frequency = tf;
  return f;
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

double get_number(const rapidjson::Value& v, const std::string& path) {
  if (!v.IsNumber()) bad(path, "expected a number");
  return v.GetDouble();
}

std::string get_string(const rapidjson::Value& v, const std::string& path) {
  if (!v.IsString()) bad(path, "expected a string");
  return std::string(v.GetString(), v.GetStringLength());
}

std::vector<double> get_numbers(const rapidjson::Value& v, const std::string& path) {
  if (!v.IsArray()) bad(path, "expected an array of numbers");
  std::vector<double> out;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    out.push_back(get_number(v[i], path + "[" + std::to_string(i) + "]"));
  }
  return out;
}

}  // namespace

const char* compare_kind_name(CompareKind kind) noexcept {
  const int k = static_cast<int>(kind);
  return k >= 0 && k < 9 ? kKindNames[k] : "unknown";
}

std::vector<std::string> compare_level_names(CompareKind kind) {
  switch (kind) {
    case CompareKind::kExact:
      return {"exact", "different"};
    case CompareKind::kId:
      return {"exact", "one_substitution", "transposition", "different"};
    case CompareKind::kName:
      return {"exact", "phonetic", "jw_high", "jw_mid", "subset", "different"};
    case CompareKind::kString:
      return {"exact", "jw_high", "jw_mid", "jw_low", "different"};
    case CompareKind::kDate:
      return {"exact", "day_month_swapped", "one_digit", "within_year", "different"};
    case CompareKind::kTokens:
      return {"exact", "same_tokens", "most_tokens", "some_token", "different"};
    case CompareKind::kRtRw:
      return {"exact", "same_rw", "different"};
    case CompareKind::kSex:
      return {"exact", "different"};
    case CompareKind::kNik:
      return {"exact",      "one_substitution", "transposition", "two_edits",
              "same_birth", "different",        "contradicts"};
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown comparison kind");
}

LinkSettings LinkSettings::indonesian() {
  LinkSettings s;
  s.fields = {field("nik", "nik", CompareKind::kNik),
              field("name", "name", CompareKind::kName, true),
              field("birth_date", "birth_date", CompareKind::kDate),
              field("sex", "sex", CompareKind::kSex),
              field("kk", "kk", CompareKind::kId),
              field("village", "village", CompareKind::kString),
              field("rt_rw", "rt", CompareKind::kRtRw),
              field("address", "address", CompareKind::kTokens)};
  s.fields[6].column2 = "rw";
  for (const std::size_t f : {std::size_t{5}, std::size_t{6}, std::size_t{7}})
    s.fields[f].place = true;  // village, rt_rw, address
  s.blocking = {
      {"nik"},
      {"nik:prefix12"},
      {"nik:prefix6", "name:phonetic"},  // serials are mostly 0001: prefix6+suffix4 is a district
      {"nik:suffix10"},
      {"name:phonetic", "birth_date:year"},
      {"name:phonetic_first", "birth_date"},
      {"name:phonetic_last", "birth_date"},
      {"birth_date", "village"},
      {"name:phonetic", "village"},
      {"kk"}};  // last: household pairs, scored but not trained on
  return s;
}

std::vector<std::string> LinkSettings::columns() const {
  std::vector<std::string> out;
  for (const LinkField& f : fields) {
    out.push_back(f.column);
    if (!f.column2.empty()) out.push_back(f.column2);
  }
  for (const auto& rule : blocking) {
    for (const std::string& part : rule) out.push_back(part.substr(0, part.find(':')));
  }
  return out;
}

void LinkSettings::validate() const {
  const detail::LinkModel model(*this);  // compiling checks everything
}

LinkSettings LinkSettings::from_json(std::string_view json) {
  const rapidjson::Document doc =
      detail::json::parse(json, "link settings", detail::json::kFullPrecision);
  if (!doc.IsObject()) bad("$", "expected an object");
  LinkSettings s = indonesian();
  static const char* const known[] = {
      "format",           "fields",         "blocking",       "threshold",      "prior",
      "household_key",    "household_name", "household_date", "max_block_size", "max_cluster_size",
      "u_sample_pairs",   "em_iterations",  "threads",        "seed",           "nik_place",
      "nik_place_regions"};
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) bad("$." + key, "unknown key");
  }
  if (const auto* v = member(doc, "format")) {
    if (!v->IsString() ||
        std::string_view(v->GetString(), v->GetStringLength()) != kSettingsFormat) {
      bad("$.format", std::string("unknown format (expected \"") + kSettingsFormat + "\")");
    }
  }
  if (const auto* v = member(doc, "fields")) {
    if (!v->IsArray()) bad("$.fields", "expected an array");
    s.fields.clear();
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const std::string path = "$.fields[" + std::to_string(i) + "]";
      const rapidjson::Value& f = (*v)[i];
      if (!f.IsObject()) bad(path, "expected an object");
      LinkField lf;
      for (auto m = f.MemberBegin(); m != f.MemberEnd(); ++m) {
        const std::string key(m->name.GetString(), m->name.GetStringLength());
        const std::string p = path + "." + key;
        if (key == "name") {
          lf.name = get_string(m->value, p);
        } else if (key == "column") {
          lf.column = get_string(m->value, p);
        } else if (key == "column2") {
          lf.column2 = get_string(m->value, p);
        } else if (key == "kind") {
          lf.kind = kind_from_name(get_string(m->value, p), p);
        } else if (key == "thresholds") {
          lf.thresholds = get_numbers(m->value, p);
        } else if (key == "term_frequency") {
          if (!m->value.IsBool()) bad(p, "expected true or false");
          lf.term_frequency = m->value.GetBool();
        } else if (key == "place") {
          if (!m->value.IsBool()) bad(p, "expected true or false");
          lf.place = m->value.GetBool();
        } else if (key == "m") {
          lf.m = get_numbers(m->value, p);
        } else if (key == "u") {
          lf.u = get_numbers(m->value, p);
        } else if (key == "u_same_date") {
          lf.u_same_date = get_numbers(m->value, p);
        } else if (key == "u_near_date") {
          lf.u_near_date = get_numbers(m->value, p);
        } else {
          bad(p, "unknown key");
        }
      }
      if (lf.column.empty()) lf.column = lf.name;
      if (lf.name.empty()) lf.name = lf.column;
      if (lf.name.empty()) bad(path, "a field needs a name or a column");
      s.fields.push_back(std::move(lf));
    }
  }
  if (const auto* v = member(doc, "blocking")) {
    if (!v->IsArray()) bad("$.blocking", "expected an array of rules");
    s.blocking.clear();
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const std::string path = "$.blocking[" + std::to_string(i) + "]";
      const rapidjson::Value& r = (*v)[i];
      std::vector<std::string> parts;
      if (r.IsString()) {
        parts.push_back(get_string(r, path));
      } else if (r.IsArray()) {
        for (rapidjson::SizeType k = 0; k < r.Size(); ++k) {
          parts.push_back(get_string(r[k], path + "[" + std::to_string(k) + "]"));
        }
      } else {
        bad(path, "expected a string or an array of strings");
      }
      s.blocking.push_back(std::move(parts));
    }
  }
  if (const auto* v = member(doc, "threshold")) s.threshold = get_number(*v, "$.threshold");
  if (const auto* v = member(doc, "prior")) s.prior = get_number(*v, "$.prior");
  if (const auto* v = member(doc, "household_key"))
    s.household_key = get_string(*v, "$.household_key");
  if (const auto* v = member(doc, "household_name"))
    s.household_name = get_string(*v, "$.household_name");
  if (const auto* v = member(doc, "household_date"))
    s.household_date = get_string(*v, "$.household_date");
  if (const auto* v = member(doc, "nik_place")) {
    s.nik_place = get_string(*v, "$.nik_place");
    if (!s.nik_place.empty() &&
        std::none_of(s.fields.begin(), s.fields.end(),
                     [&](const LinkField& f) { return f.name == s.nik_place; })) {
      bad("$.nik_place", "no field has this name");
    }
  }
  if (const auto* v = member(doc, "nik_place_regions")) {
    if (!v->IsObject()) bad("$.nik_place_regions", "expected an object of place: region");
    s.nik_place_regions.clear();
    for (auto m = v->MemberBegin(); m != v->MemberEnd(); ++m) {
      const std::string place(m->name.GetString(), m->name.GetStringLength());
      s.nik_place_regions.emplace_back(
          place, get_string(m->value, "$.nik_place_regions[\"" + place + "\"]"));
    }
  }
  auto count = [&](const char* key, double lo, double hi) {
    const auto* v = member(doc, key);
    const std::string path = std::string("$.") + key;
    if (v == nullptr) return -1.0;
    const double d = get_number(*v, path);
    if (!(d >= lo && d <= hi) || std::floor(d) != d) bad(path, "expected a whole number in range");
    return d;
  };
  if (double d = count("max_block_size", 2, 1e9); d >= 0)
    s.max_block_size = static_cast<std::size_t>(d);
  if (double d = count("max_cluster_size", 2, 1e12); d >= 0)
    s.max_cluster_size = static_cast<std::size_t>(d);
  if (double d = count("u_sample_pairs", 0, 1e10); d >= 0)
    s.u_sample_pairs = static_cast<std::size_t>(d);
  if (double d = count("em_iterations", 0, 10000); d >= 0) s.em_iterations = static_cast<int>(d);
  if (double d = count("threads", 1, 256); d >= 0) s.threads = static_cast<unsigned>(d);
  if (double d = count("seed", 0, 9e15); d >= 0) s.seed = static_cast<std::uint64_t>(d);
  s.validate();
  return s;
}

std::string LinkSettings::to_json() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto numbers = [&](const std::vector<double>& v) {
    w.StartArray();
    for (double d : v) w.Double(d);
    w.EndArray();
  };
  w.StartObject();
  w.Key("format");
  w.String(kSettingsFormat);
  w.Key("fields");
  w.StartArray();
  for (const LinkField& f : fields) {
    w.StartObject();
    w.Key("name");
    w.String(f.name);
    w.Key("column");
    w.String(f.column);
    if (!f.column2.empty()) {
      w.Key("column2");
      w.String(f.column2);
    }
    w.Key("kind");
    w.String(compare_kind_name(f.kind));
    if (!f.thresholds.empty()) {
      w.Key("thresholds");
      numbers(f.thresholds);
    }
    w.Key("term_frequency");
    w.Bool(f.term_frequency);
    if (f.place) {
      w.Key("place");
      w.Bool(true);
    }
    if (!f.m.empty()) {
      w.Key("m");
      numbers(f.m);
    }
    if (!f.u_same_date.empty()) {
      w.Key("u_same_date");
      numbers(f.u_same_date);
    }
    if (!f.u_near_date.empty()) {
      w.Key("u_near_date");
      numbers(f.u_near_date);
    }
    if (!f.u.empty()) {
      w.Key("u");
      numbers(f.u);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("blocking");
  w.StartArray();
  for (const auto& rule : blocking) {
    w.StartArray();
    for (const auto& p : rule) w.String(p);
    w.EndArray();
  }
  w.EndArray();
  w.Key("threshold");
  w.Double(threshold);
  w.Key("prior");
  w.Double(prior);
  w.Key("household_key");
  w.String(household_key);
  w.Key("household_name");
  w.String(household_name);
  w.Key("household_date");
  w.String(household_date);
  // A default that names no field of these settings is left out: it means nothing here.
  if (nik_place.empty() || std::any_of(fields.begin(), fields.end(),
                                       [&](const LinkField& f) { return f.name == nik_place; })) {
    w.Key("nik_place");
    w.String(nik_place);
  }
  if (!nik_place_regions.empty()) {
    w.Key("nik_place_regions");
    w.StartObject();
    for (const auto& [place, region] : nik_place_regions) {
      w.Key(place.data(), static_cast<rapidjson::SizeType>(place.size()));
      w.String(region.data(), static_cast<rapidjson::SizeType>(region.size()));
    }
    w.EndObject();
  }
  w.Key("max_block_size");
  w.Uint64(max_block_size);
  w.Key("max_cluster_size");
  w.Uint64(max_cluster_size);
  w.Key("u_sample_pairs");
  w.Uint64(u_sample_pairs);
  w.Key("em_iterations");
  w.Int(em_iterations);
  w.Key("threads");
  w.Uint(threads);
  w.Key("seed");
  w.Uint64(seed);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace smartkampung
