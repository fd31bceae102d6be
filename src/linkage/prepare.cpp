// Linkage: compiling settings and preparing records (field values and blocking keys).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <smartkampung/date.hpp>
#include <smartkampung/linkage.hpp>
#include <thread>
#include <tuple>

#include "linkage/engine.hpp"
#include "linkage/text.hpp"

namespace smartkampung {

// ---- LinkRecord -------------------------------------------------------------

namespace {
template <typename Record>
auto* named_field(Record& r, std::string_view column) {
  if (column == "nik") return &r.nik;
  if (column == "kk") return &r.kk;
  if (column == "name") return &r.name;
  if (column == "birth_date") return &r.birth_date;
  if (column == "sex") return &r.sex;
  if (column == "address") return &r.address;
  if (column == "village") return &r.village;
  if (column == "district") return &r.district;
  if (column == "rt") return &r.rt;
  if (column == "rw") return &r.rw;
  return static_cast<decltype(&r.nik)>(nullptr);
}
}  // namespace

std::string_view LinkRecord::get(std::string_view column) const noexcept {
  if (const std::string* p = named_field(*this, column)) return *p;
  for (const auto& kv : fields) {
    if (kv.first == column) return kv.second;
  }
  return {};
}

void LinkRecord::set(std::string_view column, std::string value) {
  if (std::string* p = named_field(*this, column)) {
    *p = std::move(value);
    return;
  }
  for (auto& kv : fields) {
    if (kv.first == column) {
      kv.second = std::move(value);
      return;
    }
  }
  fields.emplace_back(std::string(column), std::move(value));
}

namespace detail {

// ---- compiling settings -------------------------------------------------------

int level_count(CompareKind kind) { return static_cast<int>(compare_level_names(kind).size()); }

std::vector<BlockPart> parse_block_rule(const std::vector<std::string>& parts) {
  if (parts.empty()) throw Error(ErrorCode::kInvalidArgument, "link settings: empty blocking rule");
  std::vector<BlockPart> out;
  for (const std::string& p : parts) {
    BlockPart b;
    const std::size_t colon = p.find(':');
    b.column = p.substr(0, colon);
    if (b.column.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "link settings: blocking part '" + p + "' has no column");
    }
    if (colon != std::string::npos) {
      const std::string t = p.substr(colon + 1);
      using T = BlockPart::Transform;
      auto number = [&](std::size_t skip) {
        const std::string digits = t.substr(skip);
        if (digits.empty() || digits.size() > 3 ||
            digits.find_first_not_of("0123456789") != std::string::npos || std::stoi(digits) == 0) {
          throw Error(ErrorCode::kInvalidArgument,
                      "link settings: blocking part '" + p + "' needs a length (prefix3, suffix4)");
        }
        return static_cast<std::size_t>(std::stoi(digits));
      };
      if (t == "norm") {
        b.transform = T::kNorm;
      } else if (t == "year") {
        b.transform = T::kYear;
      } else if (t.rfind("prefix", 0) == 0) {
        b.transform = T::kPrefix;
        b.n = number(6);
      } else if (t.rfind("suffix", 0) == 0) {
        b.transform = T::kSuffix;
        b.n = number(6);
      } else if (t == "phonetic") {
        b.transform = T::kPhonetic;
      } else if (t == "phonetic_first") {
        b.transform = T::kPhoneticFirst;
      } else if (t == "phonetic_last") {
        b.transform = T::kPhoneticLast;
      } else if (t == "first") {
        b.transform = T::kFirst;
      } else if (t == "last") {
        b.transform = T::kLast;
      } else if (t == "sorted") {
        b.transform = T::kSorted;
      } else {
        throw Error(ErrorCode::kInvalidArgument,
                    "link settings: unknown blocking transform '" + t +
                        "' (norm, year, prefixN, suffixN, phonetic, phonetic_first, "
                        "phonetic_last, first, last, sorted)");
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

LinkModel::LinkModel(const LinkSettings& s) : settings(s) {
  if (s.fields.empty()) throw Error(ErrorCode::kInvalidArgument, "link settings: no fields");
  if (s.fields.size() > kMaxFields)
    throw Error(ErrorCode::kLimit, "link settings: at most 16 fields");
  if (!(s.threshold >= 0.0 && s.threshold <= 1.0)) {
    throw Error(ErrorCode::kInvalidArgument, "link settings: threshold must be in [0, 1]");
  }
  if (!(s.prior < 1.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "link settings: prior must be below 1 (negative = estimate)");
  }
  if (s.threads == 0 || s.max_block_size < 2) {
    throw Error(ErrorCode::kInvalidArgument, "link settings: threads >= 1 and max_block_size >= 2");
  }
  for (std::size_t f = 0; f < s.fields.size(); ++f) {
    const LinkField& lf = s.fields[f];
    const std::string where = "link settings: field '" + lf.name + "'";
    if (static_cast<int>(lf.kind) < 0 || static_cast<int>(lf.kind) > 8) {
      throw Error(ErrorCode::kInvalidArgument, where + ": unknown kind");
    }
    if (lf.column.empty()) throw Error(ErrorCode::kInvalidArgument, where + ": no column");
    CompiledField cf;
    cf.spec = lf;
    cf.levels = level_count(lf.kind);
    if (lf.kind == CompareKind::kRtRw && lf.column2.empty()) cf.spec.column2 = "rw";
    std::vector<double> def;
    switch (lf.kind) {
      case CompareKind::kName:
        def = {0.94, 0.85};
        break;
      case CompareKind::kString:
        def = {0.94, 0.85, 0.7};
        break;
      case CompareKind::kTokens:
        def = {0.6};
        break;
      default:
        break;
    }
    if (!lf.thresholds.empty()) {
      if (lf.thresholds.size() != def.size()) {
        throw Error(ErrorCode::kInvalidArgument,
                    where + ": expected " + std::to_string(def.size()) + " thresholds");
      }
      for (double t : lf.thresholds) {
        if (!(t >= 0 && t <= 1))
          throw Error(ErrorCode::kInvalidArgument, where + ": thresholds in [0, 1]");
      }
      def = lf.thresholds;
    }
    for (std::size_t k = 0; k < def.size(); ++k) cf.thresholds[k] = def[k];
    auto check_probs = [&](const std::vector<double>& v, const char* what) {
      if (v.empty()) return;
      if (v.size() != static_cast<std::size_t>(cf.levels)) {
        throw Error(ErrorCode::kInvalidArgument, where + ": " + what + " needs " +
                                                     std::to_string(cf.levels) +
                                                     " values (one per level)");
      }
      for (double d : v) {
        if (!(d > 0 && d <= 1)) {
          throw Error(ErrorCode::kInvalidArgument,
                      where + ": " + what + " values must be in (0, 1]");
        }
      }
    };
    check_probs(lf.m, "m");
    check_probs(lf.u, "u");
    if (lf.name == s.household_name) household_name_field = static_cast<int>(f);
    if (lf.name == s.household_date) household_date_field = static_cast<int>(f);
    if ((lf.kind == CompareKind::kId || lf.kind == CompareKind::kNik) && !s.household_key.empty() &&
        lf.column != s.household_key) {
      household_id_fields.push_back(static_cast<int>(f));
    }
    if (lf.kind == CompareKind::kNik) {
      if (nik_field >= 0)
        throw Error(ErrorCode::kInvalidArgument, where + ": only one field may be of kind nik");
      nik_field = static_cast<int>(f);
    }
    fields.push_back(std::move(cf));
  }
  if (nik_field >= 0) {
    for (std::size_t f = 0; f < fields.size(); ++f) {
      const LinkField& lf = fields[f].spec;
      if (lf.kind == CompareKind::kDate && lf.name == s.household_date) {
        nik_date_fields.push_back(static_cast<int>(f));
        if (nik_date_field < 0) nik_date_field = static_cast<int>(f);
      }
      if (lf.kind == CompareKind::kSex) nik_sex_fields.push_back(static_cast<int>(f));
    }
  }
  if (nik_field >= 0 && !s.nik_place.empty()) {
    for (std::size_t f = 0; f < fields.size(); ++f) {
      if (fields[f].spec.name == s.nik_place && static_cast<int>(f) != nik_field)
        nik_place_field = static_cast<int>(f);
    }
  }
  for (std::size_t i = 0; i < s.nik_place_regions.size(); ++i) {
    const auto& [place, region] = s.nik_place_regions[i];
    std::uint64_t digits = 0;
    if (region.size() != 6 || !pack_digits(region, digits)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "link settings: nik_place_regions: a region is 6 digits (entry " +
                      std::to_string(i + 1) + ")");
    }
    nik_place_region[hash_text(place)] = digits;
  }
  for (const auto& rule : s.blocking) rules.push_back(parse_block_rule(rule));
  auto use_column = [&](const std::string& column) {
    if (!column.empty() &&
        std::find(used_columns.begin(), used_columns.end(), column) == used_columns.end()) {
      used_columns.push_back(column);
    }
  };
  for (const CompiledField& cf : fields) {
    use_column(cf.spec.column);
    if (cf.spec.kind == CompareKind::kRtRw) use_column(cf.spec.column2);
  }
  for (const auto& rule : rules) {
    for (const BlockPart& part : rule) use_column(part.column);
  }
  use_column(s.household_key);
  for (const auto& rule : rules) {
    std::uint64_t mask = 0;
    // A NIK's digits 7-12 are the birth date (day + 40 for women): blocking on a NIK
    // prefix of 12 or more digits or a suffix of 10 or more forces the birth date and the
    // sex to agree too, so they say nothing about matching on that rule's pairs. (Without
    // this, EM learnt "same birth date" as the match class once those blocks grew: from
    // about 200,000 records on, one cluster held most records.)
    bool nik_date = false, place = false;
    for (const BlockPart& part : rule) {
      const bool id_column =
          std::any_of(fields.begin(), fields.end(), [&](const CompiledField& cf) {
            return (cf.spec.kind == CompareKind::kNik ||
                    (cf.spec.kind == CompareKind::kId && cf.spec.column == "nik")) &&
                   cf.spec.column == part.column;
          });
      using T = BlockPart::Transform;
      if (id_column && ((part.transform == T::kPrefix && part.n >= 12) ||
                        (part.transform == T::kSuffix && part.n >= 10))) {
        nik_date = true;
      }
      // Blocking on a place (a NIK's region, its first 6 digits or more, or a compared
      // place column) makes the places inside it agree far more often than between random
      // records: two namesakes of one district share a village one time in ten, not one in
      // two hundred. EM, whose u comes from random pairs, would read that excess as
      // matches and learn "same village" as the match class; so places are held out too.
      if (id_column && part.transform == T::kPrefix && part.n >= 6) place = true;
      for (const CompiledField& cf : fields) {
        if (cf.spec.place && (cf.spec.column == part.column || cf.spec.column2 == part.column))
          place = true;
      }
    }
    for (std::size_t f = 0; f < fields.size(); ++f) {
      for (const BlockPart& part : rule) {
        if (part.column == fields[f].spec.column || part.column == fields[f].spec.column2) {
          mask |= std::uint64_t{0xF} << (4 * f);
        }
      }
      if (nik_date &&
          (fields[f].spec.kind == CompareKind::kDate || fields[f].spec.kind == CompareKind::kSex)) {
        mask |= std::uint64_t{0xF} << (4 * f);
      }
      if (place && fields[f].spec.place) mask |= std::uint64_t{0xF} << (4 * f);
    }
    rule_masks.push_back(mask);
    household_rule.push_back(!s.household_key.empty() &&
                             std::all_of(rule.begin(), rule.end(), [&](const BlockPart& p) {
                               return p.column == s.household_key;
                             }));
  }
  weights.assign(fields.size(), std::array<double, 16>{});
  tf_counts.resize(fields.size());
  tf_totals.assign(fields.size(), 0.0);
  const bool all_given = std::all_of(fields.begin(), fields.end(), [](const CompiledField& f) {
    return !f.spec.m.empty() && !f.spec.u.empty();
  });
  if (all_given) compute_weights();
}

// ---- preparing values ---------------------------------------------------------

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int to_int(const std::string& digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

std::string strip_spaces(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (static_cast<unsigned char>(c) > ' ' && c != '-' && c != '.') out += lower(c);
  }
  return out;
}

// Sorted unique token hashes of a normalised text, and their combined hash.
std::uint64_t sorted_token_hashes(std::string_view normalized, std::vector<std::uint64_t>& tokens) {
  tokens.clear();
  for (std::string_view t : split_tokens(normalized)) tokens.push_back(hash_text(t));
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  std::uint64_t h = 7;
  for (std::uint64_t t : tokens) h = hash_combine(h, t);
  return h;
}

// One code per sex however a list writes it (Indonesian and English forms).
std::string sex_code(std::string s) {
  s.erase(
      std::remove_if(s.begin(), s.end(), [](char c) { return c == ' ' || c == '-' || c == '.'; }),
      s.end());
  static const char* const kMale[] = {"l", "lk", "lakilaki", "laki", "pria", "m", "male", "1"};
  static const char* const kFemale[] = {"p", "pr", "perempuan", "wanita", "w", "f", "female", "2"};
  for (const char* m : kMale) {
    if (s == m) return "m";
  }
  for (const char* f : kFemale) {
    if (s == f) return "f";
  }
  return s;
}

template <typename Record>
void prepare_value(const CompiledField& f, const Record& r, FieldValue& v, ValueArena& arena) {
  v = FieldValue{};
  const std::string_view raw = r.get(f.spec.column);
  std::string text;
  switch (f.spec.kind) {
    case CompareKind::kExact:
      text = simple_normalize(raw);
      break;
    case CompareKind::kSex:
      text = sex_code(simple_normalize(raw));
      break;
    case CompareKind::kString:
      text = simple_normalize(raw);
      break;
    case CompareKind::kId:
      // Spreadsheet damage is not a difference: a leading apostrophe, a trailing ".0".
      {
        std::string_view id = raw;
        while (!id.empty() && static_cast<unsigned char>(id.back()) <= ' ') id.remove_suffix(1);
        if (id.size() > 2 && id.substr(id.size() - 2) == ".0") id.remove_suffix(2);
        text = strip_spaces(id);
        if (!text.empty() && text.front() == '\'') text.erase(0, 1);
        break;
      }
    case CompareKind::kNik: {
      std::string_view id = raw;
      while (!id.empty() && static_cast<unsigned char>(id.back()) <= ' ') id.remove_suffix(1);
      if (id.size() > 2 && id.substr(id.size() - 2) == ".0") id.remove_suffix(2);
      text = strip_spaces(id);
      while (!text.empty() && (text.front() == '\'' || text.front() == '=' || text.front() == '"'))
        text.erase(0, 1);
      while (!text.empty() && text.back() == '"') text.pop_back();
      if (text.empty()) return;
      v.null = false;
      v.h = hash_text(text);
      std::uint64_t packed = 0;
      if (text.size() == 16 && pack_digits(text, packed)) {
        v.h2 = packed;
        v.h3 = kNikPacked;
        const auto two = [&](std::size_t at) {
          return (text[at] - '0') * 10 + (text[at + 1] - '0');
        };
        const int day = two(6), month = two(8);
        const bool day_ok = (day >= 1 && day <= 31) || (day >= 41 && day <= 71);
        if (text[0] != '0' && day_ok && month >= 1 && month <= 12 &&
            text.compare(12, 4, "0000") != 0) {
          v.h3 |= kNikWellFormed;
        }
      }
      v.set_text(arena, text);
      return;
    }
    case CompareKind::kName: {
      const std::string norm = normalize_name(raw);
      if (norm.empty()) return;
      const auto tokens = split_tokens(norm);
      std::vector<std::string_view> sorted(tokens.begin(), tokens.end());
      std::sort(sorted.begin(), sorted.end());
      std::string phon, text2;
      for (const auto& t : tokens) {
        if (!phon.empty()) phon += ' ';
        phon += phonetic_token(t);
      }
      for (const auto& t : sorted) {
        if (!text2.empty()) text2 += ' ';
        text2 += t;
      }
      std::vector<std::uint64_t> hashes;
      sorted_token_hashes(norm, hashes);
      v.set_tokens(arena, hashes);
      v.h = hash_text(norm);
      v.h2 = hash_text(phon);
      v.h3 = hash_text(text2);
      // Soft j/y: Jaro-Winkler sees y written as j.
      text = norm;
      std::replace(text.begin(), text.end(), 'y', 'j');
      std::replace(text2.begin(), text2.end(), 'y', 'j');
      v.set_text(arena, text, text2);
      v.null = false;
      return;
    }
    case CompareKind::kDate: {
      const std::string s = simple_normalize(raw);
      if (s.empty()) return;
      if (!parse_date(s, v, text)) text = strip_spaces(s);
      break;
    }
    case CompareKind::kTokens: {
      std::string t(raw);
      for (char& c : t) {
        if (c == ',' || c == '.' || c == '/' || c == '-') c = ' ';
      }
      text = simple_normalize(t);
      if (!text.empty()) {
        std::vector<std::uint64_t> hashes;
        v.h2 = sorted_token_hashes(text, hashes);
        v.set_tokens(arena, hashes);
      }
      break;
    }
    case CompareKind::kRtRw: {
      const std::string rt = strip_spaces(raw), rw = strip_spaces(r.get(f.spec.column2));
      if (rw.empty()) return;
      auto trim0 = [](const std::string& s) {  // "003" and "3" are the same RT
        const std::size_t p = s.find_first_not_of('0');
        return p == std::string::npos ? std::string("0") : s.substr(p);
      };
      v.h3 = hash_text(trim0(rw));
      if (!rt.empty()) {
        text = trim0(rt) + "/" + trim0(rw);
        v.h = hash_text(text);
        v.set_text(arena, text);
      }
      v.null = false;
      return;
    }
  }
  if (text.empty()) return;
  v.null = false;
  v.h = hash_text(text);
  v.set_text(arena, text);
}

// `norm(column)` gives normalize_name of a column (computed once per record).
template <typename Record, typename NormOf>
std::string block_value(const BlockPart& p, const Record& r, NormOf&& norm) {
  using T = BlockPart::Transform;
  const std::string_view raw = r.get(p.column);
  switch (p.transform) {
    case T::kRaw:
      return simple_normalize(raw);
    case T::kNorm:
      return norm(p.column);
    case T::kYear: {
      FieldValue v;
      std::string text;
      if (!parse_date(simple_normalize(raw), v, text)) return {};
      return std::to_string(v.year);
    }
    case T::kPrefix: {
      const std::string s = strip_spaces(raw);
      return s.size() >= p.n ? s.substr(0, p.n) : std::string();
    }
    case T::kSuffix: {
      const std::string s = strip_spaces(raw);
      return s.size() >= p.n ? s.substr(s.size() - p.n) : std::string();
    }
    case T::kPhonetic:
      return phonetic_of_normalized(norm(p.column));
    case T::kPhoneticFirst:
    case T::kPhoneticLast:
    case T::kFirst:
    case T::kLast: {
      const std::string& n = norm(p.column);
      const auto tokens = split_tokens(n);
      if (tokens.empty()) return {};
      const bool first = p.transform == T::kPhoneticFirst || p.transform == T::kFirst;
      const std::string_view t = first ? tokens.front() : tokens.back();
      const bool phon = p.transform == T::kPhoneticFirst || p.transform == T::kPhoneticLast;
      return phon ? phonetic_token(t) : std::string(t);
    }
    case T::kSorted: {
      const std::string& n = norm(p.column);
      auto tokens = split_tokens(n);
      std::sort(tokens.begin(), tokens.end());
      std::string out;
      for (auto t : tokens) {
        if (!out.empty()) out += ' ';
        out += t;
      }
      return out;
    }
  }
  return {};
}

}  // namespace

// parse_date (engine.hpp): accepts YYYYMMDD, YYYY-MM-DD (any separator) and DD-MM-YYYY; impossible
// dates (typos) are kept as data.
bool parse_date(std::string_view raw, FieldValue& v, std::string& text) {
  std::vector<std::string> groups;
  std::string cur;
  for (char c : raw) {
    if (c >= '0' && c <= '9') {
      cur += c;
    } else if (!cur.empty()) {
      groups.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) groups.push_back(cur);
  int y = 0, m = 0, d = 0;
  if (groups.size() == 1 && groups[0].size() == 8) {
    y = to_int(groups[0].substr(0, 4));
    m = to_int(groups[0].substr(4, 2));
    d = to_int(groups[0].substr(6, 2));
  } else if (groups.size() == 3 && groups[0].size() == 4 && groups[1].size() <= 2 &&
             groups[2].size() <= 2) {
    y = to_int(groups[0]);
    m = to_int(groups[1]);
    d = to_int(groups[2]);
  } else if (groups.size() == 3 && groups[2].size() == 4 && groups[0].size() <= 2 &&
             groups[1].size() <= 2) {
    d = to_int(groups[0]);
    m = to_int(groups[1]);
    y = to_int(groups[2]);
  } else {
    return false;
  }
  if (y == 0) return false;
  v.year = static_cast<std::int16_t>(y);
  v.month = static_cast<std::int8_t>(m);
  v.day = static_cast<std::int8_t>(d);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", y, m, d);
  text = buf;
  const int cm = std::clamp(m, 1, 12);
  const int cd = std::clamp(d, 1, days_in_month(y, cm));
  v.days = days_from_civil(y, cm, cd);
  return true;
}

template <typename Record>
void LinkModel::prepare_field(const Record& r, std::size_t f, FieldValue& value_out,
                              ValueArena& arena) const {
  prepare_value(fields[f], r, value_out, arena);
  if (static_cast<int>(f) == nik_field && nik_date_field >= 0 && !value_out.null) {
    FieldValue date;
    prepare_value(fields[static_cast<std::size_t>(nik_date_field)], r, date, arena);
    mark_nik_date(value_out, date);
  }
  if (static_cast<int>(f) == nik_field && nik_place_field >= 0 && !value_out.null) {
    FieldValue place;
    prepare_value(fields[static_cast<std::size_t>(nik_place_field)], r, place, arena);
    mark_nik_place(value_out, place);
  }
  if (value_out.null && filled_from_nik(f)) {
    FieldValue nik;
    prepare_value(fields[static_cast<std::size_t>(nik_field)], r, nik, arena);
    fill_from_nik(nik, f, value_out, arena);
  }
}

template <typename Record>
void LinkModel::prepare(const Record& r, FieldValue* values_out, std::uint64_t* keys_out,
                        std::uint64_t& household_out, ValueArena& arena) const {
  for (std::size_t f = 0; f < fields.size(); ++f) prepare_value(fields[f], r, values_out[f], arena);
  if (nik_field >= 0 && nik_date_field >= 0)
    mark_nik_date(values_out[nik_field], values_out[nik_date_field]);
  if (nik_field >= 0 && nik_place_field >= 0)
    mark_nik_place(values_out[nik_field], values_out[nik_place_field]);
  if (nik_field >= 0) {
    for (int f : nik_date_fields)
      fill_from_nik(values_out[nik_field], static_cast<std::size_t>(f), values_out[f], arena);
    for (int f : nik_sex_fields)
      fill_from_nik(values_out[nik_field], static_cast<std::size_t>(f), values_out[f], arena);
  }
  std::vector<std::pair<std::string_view, std::string>> names;  // column -> normalize_name
  auto norm = [&](const std::string& column) -> const std::string& {
    for (const auto& kv : names) {
      if (kv.first == column) return kv.second;
    }
    names.emplace_back(column, normalize_name(r.get(column)));
    return names.back().second;
  };
  names.reserve(4);
  for (std::size_t k = 0; k < rules.size(); ++k) {
    std::uint64_t h = 0x51ed270b2f1e3c5dULL + k;
    bool ok = true;
    for (const BlockPart& p : rules[k]) {
      const std::string v = block_value(p, r, norm);
      if (v.empty()) {
        ok = false;
        break;
      }
      h = hash_combine(h, hash_text(v));
    }
    keys_out[k] = ok ? h : 0;
  }
  household_out = 0;
  if (!settings.household_key.empty()) {
    const std::string hk = strip_spaces(r.get(settings.household_key));
    if (!hk.empty()) household_out = hash_text(hk);
  }
}

template void LinkModel::prepare<LinkRecord>(const LinkRecord&, FieldValue*, std::uint64_t*,
                                             std::uint64_t&, ValueArena&) const;
template void LinkModel::prepare<ColumnsView>(const ColumnsView&, FieldValue*, std::uint64_t*,
                                              std::uint64_t&, ValueArena&) const;
template void LinkModel::prepare_field<ColumnsView>(const ColumnsView&, std::size_t, FieldValue&,
                                                    ValueArena&) const;
template void LinkModel::prepare_field<LinkRecord>(const LinkRecord&, std::size_t, FieldValue&,
                                                   ValueArena&) const;

// ---- compact values ---------------------------------------------------------------

void FieldValue::set_text(ValueArena& arena, std::string_view t, std::string_view t2) {
  const std::size_t n1 = std::min<std::size_t>(t.size(), 0xFFFF),
                    n2 = std::min<std::size_t>(t2.size(), 0xFFFF);
  text_size = static_cast<std::uint16_t>(n1);
  text2_size = static_cast<std::uint16_t>(n2);
  char* at = static_cast<char*>(arena.allocate(n1 + n2));
  if (n1 > 0) std::memcpy(at, t.data(), n1);
  if (n2 > 0) std::memcpy(at + n1, t2.data(), n2);
  chars = at;
  std::array<std::uint8_t, 32> counts{};
  for (char c : t.substr(0, n1)) {
    const auto u = static_cast<unsigned char>(c);
    const std::size_t bucket = (u >= 'a' && u <= 'z') ? u - 'a' : 26 + u % 6;
    if (counts[bucket] < 15) ++counts[bucket];
  }
  hist.fill(0);
  for (std::size_t k = 0; k < 32; ++k)
    hist[k / 8] |= static_cast<std::uint32_t>(counts[k]) << (4 * (k % 8));
}

void FieldValue::set_tokens(ValueArena& arena, const std::vector<std::uint64_t>& tokens) {
  token_count = static_cast<std::uint16_t>(std::min<std::size_t>(tokens.size(), 0xFFFF));
  token_data = static_cast<const std::uint64_t*>(
      arena.copy(tokens.data(), token_count * sizeof(std::uint64_t)));
}

}  // namespace detail
}  // namespace smartkampung
