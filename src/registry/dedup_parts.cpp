// Dedup over lists split across machines: a report read back from its JSON, and one
// report merged from the reports of registries holding shares split by NIK and by KK.
#include <algorithm>
#include <tuple>

#include "core/json.hpp"
#include "registry/internal.hpp"

namespace smartkampung {

namespace {

namespace json = detail::json;
const char* const kWhat = "dedup report";

const rapidjson::Value& member(const rapidjson::Value& obj, const char* key,
                               const std::string& path) {
  if (!obj.IsObject()) json::value_error(kWhat, path, "expected an object", ErrorCode::kParse);
  const auto it = obj.FindMember(key);
  if (it == obj.MemberEnd())
    json::value_error(kWhat, json::child_path(path, key), "missing", ErrorCode::kParse);
  return it->value;
}

std::size_t count_of(const rapidjson::Value& obj, const char* key, const std::string& path) {
  const rapidjson::Value& v = member(obj, key, path);
  if (!v.IsUint64())
    json::value_error(kWhat, json::child_path(path, key), "expected a count", ErrorCode::kParse);
  return static_cast<std::size_t>(v.GetUint64());
}

std::string text_of(const rapidjson::Value& obj, const char* key, const std::string& path) {
  const rapidjson::Value& v = member(obj, key, path);
  if (!v.IsString())
    json::value_error(kWhat, json::child_path(path, key), "expected a string", ErrorCode::kParse);
  return std::string(v.GetString(), v.GetStringLength());
}

// A NIK or KK as to_json() writes it: 16 digits.
std::uint64_t key_of(const rapidjson::Value& v, const std::string& path) {
  std::uint64_t out = 0;
  if (!v.IsString() || v.GetStringLength() == 0 || v.GetStringLength() > 19) {
    json::value_error(kWhat, path, "expected the digits of a NIK or KK", ErrorCode::kParse);
  }
  for (rapidjson::SizeType k = 0; k < v.GetStringLength(); ++k) {
    const char c = v.GetString()[k];
    if (c < '0' || c > '9')
      json::value_error(kWhat, path, "expected the digits of a NIK or KK", ErrorCode::kParse);
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return out;
}

const rapidjson::Value& array_of(const rapidjson::Value& obj, const char* key,
                                 const std::string& path) {
  const rapidjson::Value& v = member(obj, key, path);
  if (!v.IsArray())
    json::value_error(kWhat, json::child_path(path, key), "expected an array", ErrorCode::kParse);
  return v;
}

}  // namespace

DedupReport DedupReport::from_json(std::string_view json) {
  const rapidjson::Document doc = json::parse(json, kWhat, json::kFullPrecision);
  const std::string root = "$";
  if (text_of(doc, "schema", root) != "skamp-dedup-report/1") {
    json::value_error(kWhat, "$.schema", "expected skamp-dedup-report/1", ErrorCode::kParse);
  }
  DedupReport r;
  r.records = count_of(doc, "records", root);
  r.unkeyed = count_of(doc, "unkeyed", root);
  r.unique_persons = count_of(doc, "unique_persons", root);
  r.unique_households = count_of(doc, "unique_households", root);
  const rapidjson::Value& dups = array_of(doc, "duplicates", root);
  for (rapidjson::SizeType i = 0; i < dups.Size(); ++i) {
    const std::string p = json::index_path("$.duplicates", i);
    r.duplicates.push_back({text_of(dups[i], "program", p),
                            key_of(member(dups[i], "nik", p), p + ".nik"),
                            count_of(dups[i], "count", p)});
  }
  const rapidjson::Value& over = array_of(doc, "overlaps", root);
  for (rapidjson::SizeType i = 0; i < over.Size(); ++i) {
    const std::string p = json::index_path("$.overlaps", i);
    std::vector<std::string> programs;
    const rapidjson::Value& list = array_of(over[i], "programs", p);
    for (rapidjson::SizeType k = 0; k < list.Size(); ++k) {
      if (!list[k].IsString())
        json::value_error(kWhat, p + ".programs", "expected strings", ErrorCode::kParse);
      programs.emplace_back(list[k].GetString(), list[k].GetStringLength());
    }
    r.overlaps.emplace_back(key_of(member(over[i], "nik", p), p + ".nik"), std::move(programs));
  }
  for (const auto& [key, into] : {std::make_pair("conflicts", &r.conflicts),
                                  std::make_pair("nik_mismatches", &r.nik_mismatches)}) {
    const rapidjson::Value& list = array_of(doc, key, root);
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      into->push_back(key_of(list[i], json::index_path(json::child_path(root, key), i)));
    }
  }
  const rapidjson::Value& excl = array_of(doc, "exclusion_violations", root);
  for (rapidjson::SizeType i = 0; i < excl.Size(); ++i) {
    const std::string p = json::index_path("$.exclusion_violations", i);
    ExclusionViolation v;
    v.household = text_of(excl[i], "scope", p) == "kk";
    v.key = key_of(member(excl[i], v.household ? "kk" : "nik", p), p);
    v.program_a = text_of(excl[i], "a", p);
    v.program_b = text_of(excl[i], "b", p);
    r.exclusion_violations.push_back(std::move(v));
  }
  const auto likely = doc.FindMember("likely_duplicates");
  if (likely != doc.MemberEnd()) {
    r.fuzzy = true;
    if (!likely->value.IsArray())
      json::value_error(kWhat, "$.likely_duplicates", "expected an array", ErrorCode::kParse);
    for (rapidjson::SizeType i = 0; i < likely->value.Size(); ++i) {
      const rapidjson::Value& d = likely->value[i];
      const std::string p = json::index_path("$.likely_duplicates", i);
      LikelyDuplicate x;
      x.program_a = text_of(d, "program_a", p);
      x.program_b = text_of(d, "program_b", p);
      x.line_a = count_of(d, "line_a", p);
      x.line_b = count_of(d, "line_b", p);
      x.nik_a = text_of(d, "nik_a", p);
      x.nik_b = text_of(d, "nik_b", p);
      const rapidjson::Value& prob = member(d, "probability", p);
      if (!prob.IsNumber())
        json::value_error(kWhat, p + ".probability", "expected a number", ErrorCode::kParse);
      x.probability = prob.GetDouble();
      r.likely_duplicates.push_back(std::move(x));
    }
  }
  return r;
}

DedupReport merge_dedup_reports(const std::vector<DedupReport>& by_nik,
                                const std::vector<DedupReport>& by_kk) {
  DedupReport out;
  for (const DedupReport& r : by_nik) {
    if (r.fuzzy)
      throw Error(ErrorCode::kInvalidArgument,
                  "merge_dedup_reports: fuzzy reports cannot be merged");
    out.records += r.records;
    out.unkeyed += r.unkeyed;
    out.unique_persons += r.unique_persons;
    out.duplicates.insert(out.duplicates.end(), r.duplicates.begin(), r.duplicates.end());
    out.overlaps.insert(out.overlaps.end(), r.overlaps.begin(), r.overlaps.end());
    out.conflicts.insert(out.conflicts.end(), r.conflicts.begin(), r.conflicts.end());
    out.nik_mismatches.insert(out.nik_mismatches.end(), r.nik_mismatches.begin(),
                              r.nik_mismatches.end());
    // Person-scope findings (and household-scope ones of persons without a KK) are the
    // NIK shares'; those per KK the KK shares'.
    for (const ExclusionViolation& v : r.exclusion_violations) {
      if (!v.household) out.exclusion_violations.push_back(v);
    }
  }
  for (const DedupReport& r : by_kk) {
    if (r.fuzzy)
      throw Error(ErrorCode::kInvalidArgument,
                  "merge_dedup_reports: fuzzy reports cannot be merged");
    out.unique_households += r.unique_households;
    for (const ExclusionViolation& v : r.exclusion_violations) {
      if (v.household) out.exclusion_violations.push_back(v);
    }
  }
  // Each NIK's entries come from one share, in that share's order (its programmes as
  // added): a stable sort by NIK keeps them.
  std::stable_sort(out.duplicates.begin(), out.duplicates.end(),
                   [](const DuplicateEntry& a, const DuplicateEntry& b) { return a.nik < b.nik; });
  std::sort(out.overlaps.begin(), out.overlaps.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::sort(out.conflicts.begin(), out.conflicts.end());
  std::sort(out.nik_mismatches.begin(), out.nik_mismatches.end());
  std::sort(out.exclusion_violations.begin(), out.exclusion_violations.end(),
            [](const ExclusionViolation& x, const ExclusionViolation& y) {
              return std::tie(x.key, x.household, x.program_a, x.program_b) <
                     std::tie(y.key, y.household, y.program_a, y.program_b);
            });
  return out;
}

}  // namespace smartkampung
