#include <smartkampung/c/registry.h>

#include <memory>
#include <smartkampung/registry.hpp>
#include <smartkampung/tables.hpp>

#include "capi/arrow_c.hpp"
#include "capi/guard.hpp"
#include "capi/keys.hpp"
#include "core/json.hpp"

using namespace smartkampung;
using smartkampung::capi::check_text;
using smartkampung::capi::dup_string;
using smartkampung::capi::guard;
using smartkampung::capi::public_keys_of;
using smartkampung::capi::require;
using smartkampung::capi::require_text;
using smartkampung::capi::signing_key_of;

struct skamp_registry {
  Registry registry;
};

namespace {

using detail::json::JsonWriter;

char* finish(const JsonWriter& w) { return dup_string(w.text()); }

char* load_report_json(const LoadReport& rep) {
  JsonWriter w;
  w.begin_object();
  w.field("schema", "skamp-load-report/1");
  w.field("loaded", rep.loaded);
  w.field("unkeyed", rep.unkeyed);
  w.field("repaired", rep.repaired);
  w.key("rejected").begin_array();
  for (const auto& r : rep.rejected) {
    w.begin_object().field("line", r.line).field("reason", r.reason).end_object();
  }
  w.end_array();
  w.field("file", rep.file);
  w.key("columns").begin_object();
  for (const auto& [field, header] : rep.columns) w.field(field, header);
  w.end_object();
  w.field("ignored_columns", rep.ignored_columns);
  w.key("nulled").begin_object();
  for (const auto& n : rep.nulled) w.field(n.field, n.lines);
  w.end_object();
  w.key("repairs").begin_object();
  for (const auto& [kind, count] : rep.repairs) w.field(kind, count);
  w.end_object();
  w.field("date_order", rep.date_order);
  w.key("quote_runs").begin_array();
  for (const auto& q : rep.quote_runs) {
    w.begin_object()
        .field("first_line", q.first_line)
        .field("last_line", q.last_line)
        .field("recovered", q.recovered)
        .end_object();
  }
  w.end_array();
  w.end_object();
  return finish(w);
}

// One record under the record rule of core/json.hpp; "program" (when asked for) is taken
// out, unknown keys are ignored.
RawRecord record_of(const rapidjson::Value& v, std::string_view what, const std::string& path,
                    std::size_t line, std::string* program) {
  RawRecord r;
  r.line = line;
  detail::json::read_record(v, what, path, [&](std::string key, std::string text) {
    if (key == "program" && program != nullptr) {
      *program = std::move(text);
    } else {
      set_record_field(r, key, std::move(text));
    }
  });
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

skamp_status skamp_registry_add_csv(char** out, skamp_registry* reg, const char* path,
                                    const char* program, const char* level) {
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

skamp_status skamp_registry_add_json(char** out, skamp_registry* reg, const char* records_json,
                                     const char* program, const char* level) {
  return guard([&] {
    if (out != nullptr) *out = nullptr;
    require(reg, "reg");
    require_text(records_json, "records_json");
    require_text(program, "program");
    require_text(level, "level");
    const ProgramLevel lv = parse_program_level(level);
    const rapidjson::Document doc = detail::json::parse(records_json, "records_json");
    std::vector<RawRecord> records;
    if (doc.IsArray()) records.reserve(doc.Size());
    detail::json::read_records(
        doc, "records_json", [&](const rapidjson::Value& v, const std::string& path) {
          records.push_back(record_of(v, "records_json", path, records.size() + 1, nullptr));
        });
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

skamp_status skamp_registry_dedup_json(char** out, const skamp_registry* reg) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    *out = dup_string(reg->registry.dedup().to_json());
  });
}

skamp_status skamp_registry_programs_of_json(char** out, const skamp_registry* reg,
                                             const char* nik) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    require_text(nik, "nik");
    JsonWriter w;
    w.value(reg->registry.programs_of(nik));
    *out = finish(w);
  });
}

skamp_status skamp_registry_public_check_json(char** out, const skamp_registry* reg,
                                              const char* nik) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    require_text(nik, "nik");
    const PublicCheck c = reg->registry.public_check(nik);
    JsonWriter w;
    w.begin_object()
        .field("schema", "skamp-public-check/1")
        .field("nik", c.nik)
        .field("name", c.name)
        .field("programs", c.programs)
        .field("found", c.found)
        .end_object();
    *out = finish(w);
  });
}

skamp_status skamp_registry_report_json(char** out, skamp_registry* reg, const char* record_json,
                                        int64_t at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(reg, "reg");
    require_text(record_json, "record_json");
    const rapidjson::Document doc = detail::json::parse(record_json, "record_json");
    std::string program;
    const RawRecord record = record_of(doc, "record_json", "$", 1, &program);
    const ReportOutcome r = reg->registry.report(record, at, program);
    JsonWriter w;
    w.begin_object()
        .field("schema", "skamp-report-outcome/1")
        .field("accepted", r.accepted)
        .field("reason", r.reason)
        .field("detail", r.detail)
        .field("programs", r.programs)
        .field("queue_position", r.queue_position)
        .end_object();
    *out = finish(w);
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

skamp_status skamp_registry_save_signed(const skamp_registry* reg, const char* path,
                                        const char* key_path) {
  return guard([&] {
    require(reg, "reg");
    require_text(path, "path");
    SignatureOptions options;
    options.key = signing_key_of(key_path);
    reg->registry.save(path, options);
  });
}

skamp_status skamp_registry_load_verified(skamp_registry** out, const char* path,
                                          const char* const* pub_paths, size_t n_pub,
                                          int allow_unsigned) {
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

// ---- Arrow streams ------------------------------------------------------------------------
extern "C" {

skamp_status skamp_registry_dedup_arrow(struct ArrowArrayStream* out, const skamp_registry* reg,
                                        const char* table) {
  return guard([&] {
    capi::clear_stream(out, "out");
    require(reg, "reg");
    require_text(table, "table");
    const tables::DedupTable which = tables::parse_dedup_table(table);
    if (which == tables::DedupTable::kLikelyDuplicates) {
      throw Error(ErrorCode::kInvalidArgument,
                  "table: likely_duplicates needs a fuzzy dedup, which the C API has not");
    }
    capi::give_stream(tables::dedup_table(reg->registry.dedup(), which), out);
  });
}

skamp_status skamp_registry_records_arrow(struct ArrowArrayStream* out, const skamp_registry* reg,
                                          const char* program) {
  return guard([&] {
    capi::clear_stream(out, "out");
    require(reg, "reg");
    require_text(program, "program");
    bool held = false;
    for (const ProgramInfo& p : reg->registry.programs()) held = held || p.name == program;
    if (!held) throw Error(ErrorCode::kNotFound, "program: not held by the registry");
    capi::give_stream(tables::enrolments_table(reg->registry.records(program)), out);
  });
}

skamp_status skamp_registry_add_arrow(char** out, skamp_registry* reg,
                                      struct ArrowArrayStream* records, const char* program,
                                      const char* level) {
  return guard([&] {
    if (out != nullptr) *out = nullptr;
    capi::TakenStream in(records, "records");
    require(reg, "reg");
    require_text(program, "program");
    require_text(level, "level");
    const ProgramLevel lv = parse_program_level(level);
    const CsvTable table = arrow::read_text_table(in.reader());
    const LoadReport rep = reg->registry.load_table(table, program, lv);
    if (out != nullptr) *out = load_report_json(rep);
  });
}

}  // extern "C"
