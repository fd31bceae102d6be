#include <smartkampung/c/registry.h>
#include <smartkampung/registry.hpp>

#include "capi/guard.hpp"
#include "capi/keys.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>

using namespace smartkampung;
using smartkampung::capi::dup_string;
using smartkampung::capi::guard;
using smartkampung::capi::public_keys_of;
using smartkampung::capi::signing_key_of;
using smartkampung::capi::check_text;
using smartkampung::capi::require;
using smartkampung::capi::require_text;

struct skamp_registry {
  Registry registry;
};

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void put(JsonWriter& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void put_list(JsonWriter& w, const std::vector<std::string>& list) {
  w.StartArray();
  for (const auto& s : list) put(w, s);
  w.EndArray();
}

void put_key(JsonWriter& w, std::string_view s) { w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

char* finish(const rapidjson::StringBuffer& buf) { return dup_string(std::string_view(buf.GetString(), buf.GetSize())); }

char* load_report_json(const LoadReport& rep) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("schema");
  w.String("skamp-load-report/1");
  w.Key("loaded");
  w.Uint64(rep.loaded);
  w.Key("unkeyed");
  w.Uint64(rep.unkeyed);
  w.Key("repaired");
  w.Uint64(rep.repaired);
  w.Key("rejected");
  w.StartArray();
  for (const auto& r : rep.rejected) {
    w.StartObject();
    w.Key("line");
    w.Uint64(r.line);
    w.Key("reason");
    put(w, r.reason);
    w.EndObject();
  }
  w.EndArray();
  w.Key("file");
  put(w, rep.file);
  w.Key("columns");
  w.StartObject();
  for (const auto& [field, header] : rep.columns) {
    put_key(w, field);
    put(w, header);
  }
  w.EndObject();
  w.Key("ignored_columns");
  put_list(w, rep.ignored_columns);
  w.Key("nulled");
  w.StartObject();
  for (const auto& n : rep.nulled) {
    put_key(w, n.field);
    w.StartArray();
    for (std::size_t line : n.lines) w.Uint64(line);
    w.EndArray();
  }
  w.EndObject();
  w.Key("repairs");
  w.StartObject();
  for (const auto& [kind, count] : rep.repairs) {
    put_key(w, kind);
    w.Uint64(count);
  }
  w.EndObject();
  w.Key("date_order");
  put(w, rep.date_order);
  w.Key("quote_runs");
  w.StartArray();
  for (const auto& q : rep.quote_runs) {
    w.StartObject();
    w.Key("first_line");
    w.Uint64(q.first_line);
    w.Key("last_line");
    w.Uint64(q.last_line);
    w.Key("recovered");
    w.Uint64(q.recovered);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return finish(buf);
}

rapidjson::Document parse_json(const char* text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text);  // iterative: deep nesting cannot overflow the stack
  if (doc.HasParseError()) {
    throw Error(ErrorCode::kParse, std::string("JSON error at offset ") + std::to_string(doc.GetErrorOffset()) +
                                       ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

RawRecord record_of(const rapidjson::Value& v, std::size_t position, std::string* program) {
  if (!v.IsObject()) {
    throw Error(ErrorCode::kInvalidArgument, "record " + std::to_string(position) + " is not a JSON object");
  }
  RawRecord r;
  r.line = position;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& val = it->value;
    std::string text;
    if (val.IsNull()) continue;
    if (val.IsString()) {
      text.assign(val.GetString(), val.GetStringLength());
    } else if (val.IsUint64()) {
      text = std::to_string(val.GetUint64());
    } else {
      throw Error(ErrorCode::kInvalidArgument, "record " + std::to_string(position) + ": field '" + key +
                                                   "' must be a string, a whole number or null");
    }
    // The text was checked as UTF-8 at the entry, but a \u escape can still decode to a lone
    // surrogate, which is not UTF-8: refused here, before it is stored and echoed.
    if (!detail::is_valid_utf8(text) || !detail::is_valid_utf8(key)) {
      throw Error(ErrorCode::kInvalidArgument, "record " + std::to_string(position) + ": field '" + key +
                                                   "' is not valid UTF-8 (a lone surrogate escape?)");
    }
    if (key == "program" && program != nullptr) {
      *program = text;
      continue;
    }
    set_record_field(r, key, std::move(text));  // unknown keys are ignored
  }
  return r;
}

}  // namespace

extern "C" {

skamp_status skamp_registry_new(skamp_registry** out) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new skamp_registry{Registry()};
  });
}

void skamp_registry_free(skamp_registry* reg) { delete reg; }

skamp_status skamp_registry_load_csv(char** out, skamp_registry* reg, const char* path, const char* program,
                                     const char* level) {
  return guard([&] {
    if (out != nullptr) *out = nullptr;
    require(reg, "reg");
    require_text(path, "path");
    require_text(program, "program");
    require_text(level, "level");
    const LoadReport rep = reg->registry.load_csv(path, program, parse_program_level(level));
    if (out != nullptr) *out = load_report_json(rep);
  });
}

skamp_status skamp_registry_load_json(char** out, skamp_registry* reg, const char* records_json, const char* program,
                                      const char* level) {
  return guard([&] {
    if (out != nullptr) *out = nullptr;
    require(reg, "reg");
    require_text(records_json, "records_json");
    require_text(program, "program");
    require_text(level, "level");
    const ProgramLevel lv = parse_program_level(level);
    const rapidjson::Document doc = parse_json(records_json);
    if (!doc.IsArray()) throw Error(ErrorCode::kInvalidArgument, "records_json must be a JSON array of objects");
    std::vector<RawRecord> records;
    records.reserve(doc.Size());
    std::size_t i = 0;
    for (const auto& v : doc.GetArray()) records.push_back(record_of(v, ++i, nullptr));
    const LoadReport rep = reg->registry.add_records(records, program, lv);
    if (out != nullptr) *out = load_report_json(rep);
  });
}

skamp_status skamp_registry_set_exclusions_json(skamp_registry* reg, const char* json) {
  return guard([&] {
    require(reg, "reg");
    require_text(json, "json");
    reg->registry.set_exclusions(ConflictTable::from_json(json));
  });
}

skamp_status skamp_registry_dedup(char** out, const skamp_registry* reg) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    *out = dup_string(reg->registry.dedup().to_json());
  });
}

skamp_status skamp_registry_programs_of(char** out, const skamp_registry* reg, const char* nik) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    require_text(nik, "nik");
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    put_list(w, reg->registry.programs_of(nik));
    *out = finish(buf);
  });
}

skamp_status skamp_registry_public_check(char** out, const skamp_registry* reg, const char* nik) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    require_text(nik, "nik");
    const PublicCheck c = reg->registry.public_check(nik);
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    w.Key("schema");
    w.String("skamp-public-check/1");
    w.Key("nik");
    put(w, c.nik);
    w.Key("name");
    if (c.name) {
      put(w, *c.name);
    } else {
      w.Null();
    }
    w.Key("programs");
    put_list(w, c.programs);
    w.Key("found");
    w.Bool(c.found);
    w.EndObject();
    *out = finish(buf);
  });
}

skamp_status skamp_registry_report(char** out, skamp_registry* reg, const char* record_json, int64_t at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    require_text(record_json, "record_json");
    const rapidjson::Document doc = parse_json(record_json);
    std::string program;
    const RawRecord record = record_of(doc, 1, &program);
    const ReportOutcome r = reg->registry.report(record, at, program);
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    w.Key("schema");
    w.String("skamp-report-outcome/1");
    w.Key("accepted");
    w.Bool(r.accepted);
    w.Key("reason");
    put(w, r.reason);
    w.Key("detail");
    put(w, r.detail);
    w.Key("programs");
    put_list(w, r.programs);
    w.Key("queue_position");
    w.Uint64(r.queue_position);
    w.EndObject();
    *out = finish(buf);
  });
}

skamp_status skamp_registry_save(const skamp_registry* reg, const char* path) {
  return guard([&] {
    require(reg, "reg");
    require_text(path, "path");
    reg->registry.save(path);
  });
}

skamp_status skamp_registry_load(skamp_registry** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    *out = new skamp_registry{Registry::load(path)};
  });
}

skamp_status skamp_registry_save_signed(const skamp_registry* reg, const char* path, const char* key_path) {
  return guard([&] {
    require(reg, "reg");
    require_text(path, "path");
    SignatureOptions options;
    options.key = signing_key_of(key_path);
    reg->registry.save(path, options);
  });
}

skamp_status skamp_registry_load_verified(skamp_registry** out, const char* path, const char* const* pub_paths,
                                          size_t n_pub, int allow_unsigned) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    SignatureOptions options;
    options.public_keys = public_keys_of(pub_paths, n_pub);
    options.allow_unsigned = allow_unsigned != 0;
    *out = new skamp_registry{Registry::load(path, options)};
  });
}

}  // extern "C"
