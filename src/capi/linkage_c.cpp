#include <smartkampung/c/linkage.h>

#include <cmath>
#include <smartkampung/intake.hpp>
#include <smartkampung/linkage.hpp>
#include <smartkampung/nik.hpp>
#include <smartkampung/tables.hpp>
#include <string>
#include <vector>

#include "capi/arrow_c.hpp"
#include "capi/guard.hpp"
#include "core/json.hpp"

using namespace smartkampung;
using smartkampung::capi::check_text;
using smartkampung::capi::dup_string;
using smartkampung::capi::guard;
using smartkampung::capi::require;
using smartkampung::capi::require_text;

struct skamp_linker {
  Linker linker;
};

namespace {

LinkSettings settings_of(const char* json) {
  check_text(json, "settings_json");
  return json == nullptr ? LinkSettings::indonesian() : LinkSettings::from_json(json);
}

using detail::json::JsonWriter;

LinkRecord link_record_of(const rapidjson::Value& v, std::string_view what,
                          const std::string& path) {
  LinkRecord r;
  detail::json::read_record(
      v, what, path, [&](std::string key, std::string text) { r.set(key, std::move(text)); });
  return r;
}

// A JSON array of record objects; keys as LinkRecord columns.
std::vector<LinkRecord> link_records_of(const char* json, std::string_view what) {
  const rapidjson::Document doc = detail::json::parse(json, what);
  std::vector<LinkRecord> out;
  if (doc.IsArray()) out.reserve(doc.Size());
  detail::json::read_records(doc, what, [&](const rapidjson::Value& v, const std::string& path) {
    out.push_back(link_record_of(v, what, path));
  });
  return out;
}

LinkRecord link_record_of(const char* json, std::string_view what) {
  return link_record_of(detail::json::parse(json, what), what, "$");
}

// [[index, probability], ...]
void write_matches(JsonWriter& w, const std::vector<Linker::Match>& matches) {
  w.begin_array();
  for (const Linker::Match& m : matches)
    w.begin_array().value(m.index).value(m.probability).end_array();
  w.end_array();
}

std::string explanation_json(const Explanation& e) {
  JsonWriter w;
  w.begin_object()
      .field("schema", "skamp-linker-explain/1")
      .field("match_weight", e.match_weight)
      .field("probability", e.probability)
      .field("prior_weight", e.prior_weight)
      .field("household_apart", e.household_apart);
  w.key("fields").begin_object();
  for (const FieldExplanation& f : e.fields) {
    w.key(f.field)
        .begin_object()
        .field("level", f.level)
        .field("weight", f.weight)
        .field("tf_adjustment", f.tf_adjustment)
        .end_object();
  }
  w.end_object();
  w.end_object();
  return w.str();
}

}  // namespace

extern "C" {

skamp_status skamp_linkage_normalize_name(char** out, const char* name) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(name, "name");
    *out = dup_string(normalize_name(name));
  });
}

skamp_status skamp_linkage_link_json(char** out, const char* records_json, const char* right_json,
                                     const char* settings_json, double threshold) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(records_json, "records_json");
    check_text(right_json, "right_json");
    LinkSettings settings = settings_of(settings_json);
    if (std::isnan(threshold) || threshold > 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  "threshold must be in [0, 1] (negative keeps the settings')");
    }
    if (threshold >= 0) settings.threshold = threshold;
    const auto left = link_records_of(records_json, "records_json");
    LinkResult res = right_json == nullptr
                         ? link(left, settings)
                         : link(left, link_records_of(right_json, "right_json"), settings);
    JsonWriter w;
    w.begin_object().field("schema", "skamp-link-result/1").field("cluster_ids", res.cluster_ids);
    w.key("pairs").begin_array();
    for (const auto& pair : res.pairs)
      w.begin_array().value(pair.i).value(pair.j).value(pair.probability).end_array();
    w.end_array();
    w.key("stats")
        .begin_object()
        .field("records", res.stats.records)
        .field("candidate_pairs", res.stats.candidate_pairs)
        .field("kept_pairs", res.stats.kept_pairs)
        .field("clusters", res.stats.clusters)
        .field("largest_cluster", res.stats.largest_cluster)
        .field("large_clusters", res.stats.large_clusters)
        .field("skipped_blocks", res.stats.skipped_blocks)
        .field("refused_merges", res.stats.refused_merges)
        .end_object();
    w.field("warnings", res.warnings).end_object();
    *out = dup_string(w.text());
  });
}

skamp_status skamp_linkage_linker_new(skamp_linker** out, const char* settings_json) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new skamp_linker{Linker(settings_of(settings_json))};
  });
}

void skamp_linkage_linker_free(skamp_linker* linker) { delete linker; }

skamp_status skamp_linkage_linker_save(const skamp_linker* linker, const char* path) {
  return guard([&] {
    require(linker, "linker");
    require_text(path, "path");
    linker->linker.save(path);
  });
}

skamp_status skamp_linkage_linker_load(skamp_linker** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    *out = new skamp_linker{Linker::load(path)};
  });
}

skamp_status skamp_linkage_linker_fit_json(skamp_linker* linker, const char* records_json) {
  return guard([&] {
    require(linker, "linker");
    require_text(records_json, "records_json");
    linker->linker.fit(link_records_of(records_json, "records_json"));
  });
}

skamp_status skamp_linkage_linker_add_json(char** out, skamp_linker* linker,
                                           const char* record_json) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    require_text(record_json, "record_json");
    const Linker::Added added = linker->linker.add(link_record_of(record_json, "record_json"));
    JsonWriter w;
    w.begin_object()
        .field("schema", "skamp-linker-add/1")
        .field("index", added.index)
        .field("cluster_id", added.cluster_id);
    write_matches(w.key("matches"), added.matches);
    *out = dup_string(w.end_object().text());
  });
}

skamp_status skamp_linkage_linker_remove(skamp_linker* linker, size_t index) {
  return guard([&] {
    require(linker, "linker");
    linker->linker.remove(index);
  });
}

skamp_status skamp_linkage_linker_candidates_json(char** out, const skamp_linker* linker,
                                                  const char* record_json, size_t k) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    require_text(record_json, "record_json");
    const auto found = linker->linker.candidates(link_record_of(record_json, "record_json"), k);
    JsonWriter w;
    w.begin_object().field("schema", "skamp-linker-candidates/1");
    write_matches(w.key("candidates"), found);
    *out = dup_string(w.end_object().text());
  });
}

skamp_status skamp_linkage_linker_clusters_json(char** out, const skamp_linker* linker) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    JsonWriter w;
    w.begin_object()
        .field("schema", "skamp-linker-clusters/1")
        .field("cluster_ids", linker->linker.cluster_ids())
        .end_object();
    *out = dup_string(w.text());
  });
}

skamp_status skamp_linkage_linker_explain_json(char** out, const skamp_linker* linker, size_t i,
                                               size_t j) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    *out = dup_string(explanation_json(linker->linker.explain(i, j)));
  });
}

skamp_status skamp_linkage_linker_settings_json(char** out, const skamp_linker* linker) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    *out = dup_string(linker->linker.settings().to_json());
  });
}

}  // extern "C"

// ---- Arrow streams ------------------------------------------------------------------------
namespace {
std::vector<LinkRecord> arrow_records(arrow::StreamReader& reader, const LinkSettings& settings) {
  KeyedIntake intake(today(), settings.columns());
  return tables::link_records(reader, intake);
}
}  // namespace

extern "C" {

skamp_status skamp_linkage_link_arrow(struct ArrowArrayStream* out_pairs,
                                      struct ArrowArrayStream* out_clusters,
                                      struct ArrowArrayStream* records, const char* settings_json,
                                      double threshold) {
  return guard([&] {
    capi::TakenStream in(records, "records");
    capi::clear_stream(out_pairs, "out_pairs");
    capi::clear_stream(out_clusters, "out_clusters");
    LinkSettings settings = settings_of(settings_json);
    if (std::isnan(threshold) || threshold > 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  "threshold must be in [0, 1] (negative keeps the settings')");
    }
    if (threshold >= 0) settings.threshold = threshold;
    const LinkResult res = link(arrow_records(in.reader(), settings), settings);
    arrow::Table clusters = tables::link_clusters_table(res.cluster_ids, res.confidence);
    capi::give_stream(tables::link_pairs_table(res), out_pairs);
    capi::give_stream(std::move(clusters), out_clusters);
  });
}

skamp_status skamp_linkage_linker_fit_arrow(skamp_linker* linker,
                                            struct ArrowArrayStream* records) {
  return guard([&] {
    capi::TakenStream in(records, "records");
    require(linker, "linker");
    linker->linker.fit(arrow_records(in.reader(), linker->linker.settings()));
  });
}

skamp_status skamp_linkage_linker_clusters_arrow(struct ArrowArrayStream* out,
                                                 const skamp_linker* linker) {
  return guard([&] {
    capi::clear_stream(out, "out");
    require(linker, "linker");
    capi::give_stream(tables::link_clusters_table(linker->linker.cluster_ids()), out);
  });
}

}  // extern "C"
