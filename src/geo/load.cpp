// Facilities from CSV (through the io area's reader) and JSON (RapidJSON).
#include <rapidjson/document.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <smartkampung/geo.hpp>
#include <smartkampung/intake.hpp>
#include <smartkampung/io.hpp>
#include <string>
#include <unordered_map>

#include "core/json.hpp"
#include "core/utf8.hpp"
#include "geo/facility_index_impl.hpp"

namespace smartkampung::geo {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_int64(std::string_view text, std::int64_t& out) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool parse_int32(std::string_view text, std::int32_t& out) {
  std::int64_t v = 0;
  if (!parse_int64(text, v) || v < INT32_MIN || v > INT32_MAX) return false;
  out = static_cast<std::int32_t>(v);
  return true;
}

// A coordinate with either decimal mark (the intake's reader: "-8,2191" or "-8.2191");
// other numbers strtod reads ("1e-3", "nan") are left to the facility check to judge.
bool parse_double(std::string_view text, double& out) {
  if (read_coordinate(text, out)) return true;
  text = trim(text);
  if (text.empty() || text.size() > 64) return false;
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && errno != ERANGE;
}

// An open flag: the intake's booleans (ya/tidak, y/t, true/false, 1/0, ...) and the words
// of a status column (open/closed, buka/tutup).
bool parse_bool(std::string_view text, bool& out) {
  std::string t(trim(text));
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "open" || t == "buka") {
    out = true;
    return true;
  }
  if (t == "closed" || t == "tutup") {
    out = false;
    return true;
  }
  const int flag = read_bool(t);
  out = flag == 1;
  return flag >= 0;
}

// A whole number of beds as a spreadsheet may leave it ("12", "12.0", "1.200").
bool parse_count(std::string_view text, std::int32_t& out) {
  if (parse_int32(text, out)) return true;
  double v = 0;
  if (!read_number(text, v) || v != std::floor(v) || v < INT32_MIN || v > INT32_MAX) return false;
  out = static_cast<std::int32_t>(v);
  return true;
}

// Validates one parsed facility and a duplicate id; returns the reason or "".
std::string check_row(const Facility& f, std::unordered_map<std::int64_t, std::size_t>& seen,
                      std::size_t line) {
  std::string problem = detail::facility_problem(f);
  if (!problem.empty()) return problem;
  const auto [it, fresh] = seen.emplace(f.id, line);
  if (!fresh) return "duplicate id (first on line " + std::to_string(it->second) + ")";
  return {};
}

FacilityIndex finish(std::vector<Facility> good, std::vector<RejectedRow> bad,
                     std::vector<RejectedRow>* rejected, const char* what, const char* unit) {
  if (rejected != nullptr) {
    *rejected = std::move(bad);
  } else if (!bad.empty()) {
    std::string message = std::string(what) + ": " + std::to_string(bad.size()) + " bad row(s)";
    const std::size_t shown = std::min<std::size_t>(bad.size(), 10);
    for (std::size_t i = 0; i < shown; ++i) {
      message +=
          std::string("; ") + unit + " " + std::to_string(bad[i].line) + ": " + bad[i].reason;
    }
    if (shown < bad.size()) message += "; ...";
    throw Error(ErrorCode::kParse, message);
  }
  return FacilityIndex(std::move(good));
}

// The facility fields, matched through the intake's one alias table (ID/No, Lintang,
// Bujur, Kapasitas, Nama, Terisi, Buka, Jenis, ...).
const std::vector<std::string>& facility_fields() {
  static const std::vector<std::string> fields = {"id",   "lat",  "lon",      "capacity",
                                                  "name", "kind", "occupied", "open"};
  return fields;
}

FacilityIndex from_table(const CsvTable& table, std::vector<RejectedRow>* rejected) {
  const ColumnMatch match = match_columns(table.header(), facility_fields());
  const long c_id = match.column[0], c_lat = match.column[1], c_lon = match.column[2],
             c_cap = match.column[3];
  const long c_name = match.column[4], c_kind = match.column[5], c_occ = match.column[6],
             c_open = match.column[7];
  std::string missing;
  if (c_id < 0) missing += " id";
  if (c_lat < 0) missing += " lat";
  if (c_lon < 0) missing += " lon";
  if (c_cap < 0) missing += " capacity";
  if (!missing.empty())
    throw Error(ErrorCode::kParse, "facility CSV: header lacks column(s):" + missing);

  std::vector<RejectedRow> bad;
  for (const auto& r : table.rejected()) bad.push_back({r.line, r.reason});
  std::vector<Facility> good;
  good.reserve(table.rows());
  std::unordered_map<std::int64_t, std::size_t> seen;
  const auto col = [](long c) { return static_cast<std::size_t>(c); };
  for (std::size_t row = 0; row < table.rows(); ++row) {
    const std::size_t line = table.line(row);
    Facility f;
    std::string reason;
    if (!parse_int64(table.field(row, col(c_id)), f.id)) {
      reason = "id is not an integer";
    } else if (!parse_double(table.field(row, col(c_lat)), f.lat)) {
      reason = "lat is not a number";
    } else if (!parse_double(table.field(row, col(c_lon)), f.lon)) {
      reason = "lon is not a number";
    } else if (!parse_count(table.field(row, col(c_cap)), f.capacity)) {
      reason = "capacity is not an integer";
    } else if (c_occ >= 0 && !trim(table.field(row, col(c_occ))).empty() &&
               !parse_count(table.field(row, col(c_occ)), f.occupied)) {
      reason = "occupied is not an integer";
    } else if (c_open >= 0 && !trim(table.field(row, col(c_open))).empty() &&
               !parse_bool(table.field(row, col(c_open)), f.open)) {
      reason = "open is not a boolean (true/false, 1/0, yes/no)";
    } else {
      if (c_name >= 0) f.name = std::string(table.field(row, col(c_name)));
      if (c_kind >= 0) f.kind = std::string(trim(table.field(row, col(c_kind))));
      reason = check_row(f, seen, line);
    }
    if (reason.empty()) {
      good.push_back(std::move(f));
    } else {
      bad.push_back({line, std::move(reason)});
    }
  }
  std::sort(bad.begin(), bad.end(),
            [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
  return finish(std::move(good), std::move(bad), rejected, "facility CSV", "line");
}

// JSON members: numbers must be numbers (a string is a type error), booleans booleans.
std::string json_row(const rapidjson::Value& v, Facility& f) {
  if (!v.IsObject()) return "not an object";
  // A member by its field, its name matched as a CSV header is (the first one wins).
  const auto member = [&v](std::initializer_list<const char*> names) -> const rapidjson::Value* {
    const std::string_view field = *names.begin();
    for (const char* name : names) {
      const auto it = v.FindMember(name);
      if (it != v.MemberEnd() && !it->value.IsNull()) return &it->value;
    }
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      if (it->value.IsNull()) continue;
      if (header_field(std::string_view(it->name.GetString(), it->name.GetStringLength())) == field)
        return &it->value;
    }
    return nullptr;
  };
  const rapidjson::Value* id = member({"id"});
  if (id == nullptr || !id->IsInt64()) return "id is missing or not an integer";
  f.id = id->GetInt64();
  const rapidjson::Value* lat = member({"lat", "latitude"});
  if (lat == nullptr || !lat->IsNumber()) return "lat is missing or not a number";
  f.lat = lat->GetDouble();
  const rapidjson::Value* lon = member({"lon", "longitude", "lng"});
  if (lon == nullptr || !lon->IsNumber()) return "lon is missing or not a number";
  f.lon = lon->GetDouble();
  const rapidjson::Value* cap = member({"capacity", "beds"});
  if (cap == nullptr || !cap->IsInt()) return "capacity is missing or not an integer";
  f.capacity = cap->GetInt();
  if (const rapidjson::Value* occ = member({"occupied"})) {
    if (!occ->IsInt()) return "occupied is not an integer";
    f.occupied = occ->GetInt();
  }
  if (const rapidjson::Value* open = member({"open"})) {
    if (!open->IsBool()) return "open is not a boolean";
    f.open = open->GetBool();
  }
  if (const rapidjson::Value* name = member({"name"})) {
    if (!name->IsString()) return "name is not a string";
    f.name.assign(name->GetString(), name->GetStringLength());
    if (!smartkampung::detail::is_valid_utf8(f.name)) return "name is not UTF-8";
  }
  if (const rapidjson::Value* kind = member({"kind", "type"})) {
    if (!kind->IsString()) return "kind is not a string";
    f.kind.assign(kind->GetString(), kind->GetStringLength());
    if (!smartkampung::detail::is_valid_utf8(f.kind)) return "kind is not UTF-8";
  }
  return {};
}

}  // namespace

FacilityIndex FacilityIndex::from_text_table(const CsvTable& table,
                                             std::vector<RejectedRow>* rejected) {
  return from_table(table, rejected);
}

FacilityIndex FacilityIndex::from_csv_text(std::string_view text,
                                           std::vector<RejectedRow>* rejected) {
  return from_table(parse_csv(text), rejected);
}

FacilityIndex FacilityIndex::load_csv(const std::string& path, std::vector<RejectedRow>* rejected) {
  return from_table(read_csv_file(path), rejected);
}

FacilityIndex FacilityIndex::from_json_text(std::string_view text,
                                            std::vector<RejectedRow>* rejected) {
  const rapidjson::Document doc = smartkampung::detail::json::parse(
      text, "facility JSON", smartkampung::detail::json::kNanAndInf);
  const rapidjson::Value* list = &doc;
  if (doc.IsObject()) {
    const auto it = doc.FindMember("facilities");
    if (it == doc.MemberEnd())
      throw Error(ErrorCode::kParse, "facility JSON: object without \"facilities\"");
    list = &it->value;
  }
  if (!list->IsArray())
    throw Error(ErrorCode::kParse, "facility JSON: expected an array of facilities");
  std::vector<Facility> good;
  std::vector<RejectedRow> bad;
  std::unordered_map<std::int64_t, std::size_t> seen;
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const std::size_t row = static_cast<std::size_t>(i) + 1;
    Facility f;
    std::string reason = json_row((*list)[i], f);
    if (reason.empty()) reason = check_row(f, seen, row);
    if (reason.empty()) {
      good.push_back(std::move(f));
    } else {
      bad.push_back({row, std::move(reason)});
    }
  }
  return finish(std::move(good), std::move(bad), rejected, "facility JSON", "item");
}

FacilityIndex FacilityIndex::load_json(const std::string& path,
                                       std::vector<RejectedRow>* rejected) {
  return from_json_text(read_file(path), rejected);
}

}  // namespace smartkampung::geo
