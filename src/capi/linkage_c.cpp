#include <smartkampung/c/linkage.h>
#include <smartkampung/linkage.hpp>

#include "capi/guard.hpp"
#include "linkage/engine.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdio>
#include <string>

using namespace smartkampung;
using smartkampung::capi::dup_string;
using smartkampung::capi::guard;
using smartkampung::capi::check_text;
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

void append_number(std::string& out, double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", std::isfinite(d) ? d : 0.0);
  out += buf;
}

std::string matches_json(const std::vector<Linker::Match>& matches) {
  std::string out = "[";
  for (std::size_t k = 0; k < matches.size(); ++k) {
    if (k) out += ',';
    out += '[' + std::to_string(matches[k].index) + ',';
    append_number(out, matches[k].probability);
    out += ']';
  }
  return out + "]";
}

std::string ids_json(const std::vector<std::int64_t>& ids) {
  std::string out = "[";
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (k) out += ',';
    out += std::to_string(ids[k]);
  }
  return out + "]";
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

skamp_status skamp_link_json(char** out, const char* records_json, const char* right_json,
                             const char* settings_json, double threshold) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(records_json, "records_json");
    check_text(right_json, "right_json");
    LinkSettings settings = settings_of(settings_json);
    if (std::isnan(threshold) || threshold > 1) {
      throw Error(ErrorCode::kInvalidArgument, "threshold must be in [0, 1] (negative keeps the settings')");
    }
    if (threshold >= 0) settings.threshold = threshold;
    const auto left = detail::records_from_json(records_json);
    LinkResult res = right_json == nullptr
                         ? link(left, settings)
                         : link(left, detail::records_from_json(right_json), settings);
    std::string text = "{\"schema\":\"skamp-link-result/1\",\"cluster_ids\":" + ids_json(res.cluster_ids) + ",\"pairs\":[";
    for (std::size_t k = 0; k < res.pairs.size(); ++k) {
      if (k) text += ',';
      text += '[' + std::to_string(res.pairs[k].i) + ',' + std::to_string(res.pairs[k].j) + ',';
      append_number(text, res.pairs[k].probability);
      text += ']';
    }
    text += "],\"stats\":{\"records\":" + std::to_string(res.stats.records) +
            ",\"candidate_pairs\":" + std::to_string(res.stats.candidate_pairs) +
            ",\"kept_pairs\":" + std::to_string(res.stats.kept_pairs) +
            ",\"clusters\":" + std::to_string(res.stats.clusters) +
            ",\"largest_cluster\":" + std::to_string(res.stats.largest_cluster) +
            ",\"large_clusters\":" + std::to_string(res.stats.large_clusters) +
            ",\"skipped_blocks\":" + std::to_string(res.stats.skipped_blocks) +
            ",\"refused_merges\":" + std::to_string(res.stats.refused_merges) + "},\"warnings\":";
    rapidjson::StringBuffer warnings;
    rapidjson::Writer<rapidjson::StringBuffer> w(warnings);
    w.StartArray();
    for (const std::string& warning : res.warnings) w.String(warning.data(), static_cast<rapidjson::SizeType>(warning.size()));
    w.EndArray();
    text += std::string(warnings.GetString(), warnings.GetSize()) + "}";
    *out = dup_string(text);
  });
}

skamp_status skamp_linker_new(skamp_linker** out, const char* settings_json) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new skamp_linker{Linker(settings_of(settings_json))};
  });
}

void skamp_linker_free(skamp_linker* linker) { delete linker; }

skamp_status skamp_linker_save(const skamp_linker* linker, const char* path) {
  return guard([&] {
    require(linker, "linker");
    require_text(path, "path");
    linker->linker.save(path);
  });
}

skamp_status skamp_linker_load(skamp_linker** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(path, "path");
    *out = new skamp_linker{Linker::load(path)};
  });
}

skamp_status skamp_linker_fit_json(skamp_linker* linker, const char* records_json) {
  return guard([&] {
    require(linker, "linker");
    require_text(records_json, "records_json");
    linker->linker.fit(detail::records_from_json(records_json));
  });
}

skamp_status skamp_linker_add_json(char** out, skamp_linker* linker, const char* record_json) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    require_text(record_json, "record_json");
    const Linker::Added added = linker->linker.add(detail::record_from_json(record_json));
    *out = dup_string("{\"schema\":\"skamp-linker-add/1\",\"index\":" + std::to_string(added.index) +
                      ",\"cluster_id\":" + std::to_string(added.cluster_id) +
                      ",\"matches\":" + matches_json(added.matches) + "}");
  });
}

skamp_status skamp_linker_remove(skamp_linker* linker, size_t index) {
  return guard([&] {
    require(linker, "linker");
    linker->linker.remove(index);
  });
}

skamp_status skamp_linker_candidates_json(char** out, const skamp_linker* linker,
                                          const char* record_json, size_t k) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    require_text(record_json, "record_json");
    const auto found = linker->linker.candidates(detail::record_from_json(record_json), k);
    *out = dup_string("{\"schema\":\"skamp-linker-candidates/1\",\"candidates\":" + matches_json(found) + "}");
  });
}

skamp_status skamp_linker_clusters_json(char** out, const skamp_linker* linker) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    *out = dup_string("{\"schema\":\"skamp-linker-clusters/1\",\"cluster_ids\":" + ids_json(linker->linker.cluster_ids()) + "}");
  });
}

skamp_status skamp_linker_explain_json(char** out, const skamp_linker* linker, size_t i, size_t j) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    *out = dup_string(detail::explanation_to_json(linker->linker.explain(i, j)));
  });
}

skamp_status skamp_linker_settings_json(char** out, const skamp_linker* linker) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(linker, "linker");
    *out = dup_string(linker->linker.settings().to_json());
  });
}

}  // extern "C"
