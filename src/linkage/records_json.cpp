// Records and explanations as JSON (for the C API).
#include <smartkampung/linkage.hpp>

#include "linkage/engine.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <string>

namespace smartkampung::detail {

namespace {

LinkRecord record_from_value(const rapidjson::Value& v, const std::string& path) {
  if (!v.IsObject()) throw Error(ErrorCode::kInvalidArgument, "records " + path + ": expected an object");
  LinkRecord r;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string key(m->name.GetString(), m->name.GetStringLength());
    const rapidjson::Value& x = m->value;
    std::string value;
    if (x.IsString()) {
      value.assign(x.GetString(), x.GetStringLength());
    } else if (x.IsNull()) {
      continue;
    } else if (x.IsInt64()) {
      value = std::to_string(x.GetInt64());
    } else if (x.IsUint64()) {
      value = std::to_string(x.GetUint64());
    } else if (x.IsNumber()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", x.GetDouble());
      value = buf;
    } else if (x.IsBool()) {
      value = x.GetBool() ? "true" : "false";
    } else {
      throw Error(ErrorCode::kInvalidArgument,
                  "records " + path + "." + key + ": expected a string, number or null");
    }
    r.set(key, std::move(value));
  }
  return r;
}

rapidjson::Document parse(std::string_view json, const char* what) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());  // no recursion: any nesting depth
  if (doc.HasParseError()) {
    throw Error(ErrorCode::kParse, std::string(what) + ": invalid JSON at offset " +
                                       std::to_string(doc.GetErrorOffset()) + ": " +
                                       rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

}  // namespace

std::vector<LinkRecord> records_from_json(std::string_view json) {
  rapidjson::Document doc = parse(json, "records");
  if (!doc.IsArray()) throw Error(ErrorCode::kInvalidArgument, "records: expected a JSON array of objects");
  std::vector<LinkRecord> out;
  out.reserve(doc.Size());
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    out.push_back(record_from_value(doc[i], "[" + std::to_string(i) + "]"));
  }
  return out;
}

LinkRecord record_from_json(std::string_view json) {
  rapidjson::Document doc = parse(json, "record");
  return record_from_value(doc, "$");
}

std::string explanation_to_json(const Explanation& e) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("schema");
  w.String("skamp-linker-explain/1");
  w.Key("match_weight");
  w.Double(e.match_weight);
  w.Key("probability");
  w.Double(e.probability);
  w.Key("prior_weight");
  w.Double(e.prior_weight);
  w.Key("household_apart");
  w.Bool(e.household_apart);
  w.Key("fields");
  w.StartObject();
  for (const FieldExplanation& f : e.fields) {
    w.Key(f.field.c_str(), static_cast<rapidjson::SizeType>(f.field.size()));
    w.StartObject();
    w.Key("level");
    w.String(f.level.c_str(), static_cast<rapidjson::SizeType>(f.level.size()));
    w.Key("weight");
    w.Double(f.weight);
    w.Key("tf_adjustment");
    w.Double(f.tf_adjustment);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace smartkampung::detail
