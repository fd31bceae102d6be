// The linkage engine: preparing records, comparison levels, blocking, training
// (u from random pairs, m and prior by EM), scoring and clustering.
#include <smartkampung/date.hpp>
#include <smartkampung/linkage.hpp>

#include "linkage/engine.hpp"
#include "linkage/text.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <tuple>

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
      throw Error(ErrorCode::kInvalidArgument, "link settings: blocking part '" + p + "' has no column");
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
  if (s.fields.size() > kMaxFields) throw Error(ErrorCode::kLimit, "link settings: at most 16 fields");
  if (!(s.threshold >= 0.0 && s.threshold <= 1.0)) {
    throw Error(ErrorCode::kInvalidArgument, "link settings: threshold must be in [0, 1]");
  }
  if (!(s.prior < 1.0)) {
    throw Error(ErrorCode::kInvalidArgument, "link settings: prior must be below 1 (negative = estimate)");
  }
  if (s.threads == 0 || s.max_block_size < 2) {
    throw Error(ErrorCode::kInvalidArgument, "link settings: threads >= 1 and max_block_size >= 2");
  }
  for (std::size_t f = 0; f < s.fields.size(); ++f) {
    const LinkField& lf = s.fields[f];
    const std::string where = "link settings: field '" + lf.name + "'";
    if (static_cast<int>(lf.kind) < 0 || static_cast<int>(lf.kind) > 7) {
      throw Error(ErrorCode::kInvalidArgument, where + ": unknown kind");
    }
    if (lf.column.empty()) throw Error(ErrorCode::kInvalidArgument, where + ": no column");
    CompiledField cf;
    cf.spec = lf;
    cf.levels = level_count(lf.kind);
    if (lf.kind == CompareKind::kRtRw && lf.column2.empty()) cf.spec.column2 = "rw";
    std::vector<double> def;
    switch (lf.kind) {
      case CompareKind::kName: def = {0.94, 0.85}; break;
      case CompareKind::kString: def = {0.94, 0.85, 0.7}; break;
      case CompareKind::kTokens: def = {0.6}; break;
      default: break;
    }
    if (!lf.thresholds.empty()) {
      if (lf.thresholds.size() != def.size()) {
        throw Error(ErrorCode::kInvalidArgument,
                    where + ": expected " + std::to_string(def.size()) + " thresholds");
      }
      for (double t : lf.thresholds) {
        if (!(t >= 0 && t <= 1)) throw Error(ErrorCode::kInvalidArgument, where + ": thresholds in [0, 1]");
      }
      def = lf.thresholds;
    }
    for (std::size_t k = 0; k < def.size(); ++k) cf.thresholds[k] = def[k];
    auto check_probs = [&](const std::vector<double>& v, const char* what) {
      if (v.empty()) return;
      if (v.size() != static_cast<std::size_t>(cf.levels)) {
        throw Error(ErrorCode::kInvalidArgument, where + ": " + what + " needs " +
                                                     std::to_string(cf.levels) + " values (one per level)");
      }
      for (double d : v) {
        if (!(d > 0 && d <= 1)) {
          throw Error(ErrorCode::kInvalidArgument, where + ": " + what + " values must be in (0, 1]");
        }
      }
    };
    check_probs(lf.m, "m");
    check_probs(lf.u, "u");
    if (lf.name == s.household_name) household_name_field = static_cast<int>(f);
    if (lf.name == s.household_date) household_date_field = static_cast<int>(f);
    if (lf.kind == CompareKind::kId && !s.household_key.empty() && lf.column != s.household_key) {
      household_id_fields.push_back(static_cast<int>(f));
    }
    fields.push_back(std::move(cf));
  }
  for (const auto& rule : s.blocking) rules.push_back(parse_block_rule(rule));
  auto use_column = [&](const std::string& column) {
    if (!column.empty() && std::find(used_columns.begin(), used_columns.end(), column) == used_columns.end()) {
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
    bool nik_date = false;
    for (const BlockPart& part : rule) {
      const bool id_column = std::any_of(fields.begin(), fields.end(), [&](const CompiledField& cf) {
        return cf.spec.kind == CompareKind::kId && cf.spec.column == part.column && cf.spec.column == "nik";
      });
      using T = BlockPart::Transform;
      if (id_column && ((part.transform == T::kPrefix && part.n >= 12) ||
                        (part.transform == T::kSuffix && part.n >= 10))) {
        nik_date = true;
      }
    }
    for (std::size_t f = 0; f < fields.size(); ++f) {
      for (const BlockPart& part : rule) {
        if (part.column == fields[f].spec.column || part.column == fields[f].spec.column2) {
          mask |= std::uint64_t{0xF} << (4 * f);
        }
      }
      if (nik_date && (fields[f].spec.kind == CompareKind::kDate || fields[f].spec.kind == CompareKind::kSex)) {
        mask |= std::uint64_t{0xF} << (4 * f);
      }
    }
    // Only for registry-style data (a household key): FEBRL-like schemas train as before.
    rule_masks.push_back(s.household_key.empty() ? 0 : mask);
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

// Accepts YYYYMMDD, YYYY-MM-DD (any separator) and DD-MM-YYYY; impossible dates (typos)
// are kept as data.
bool parse_date(std::string_view raw, FieldValue& v) {
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
  } else if (groups.size() == 3 && groups[0].size() == 4 && groups[1].size() <= 2 && groups[2].size() <= 2) {
    y = to_int(groups[0]);
    m = to_int(groups[1]);
    d = to_int(groups[2]);
  } else if (groups.size() == 3 && groups[2].size() == 4 && groups[0].size() <= 2 && groups[1].size() <= 2) {
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
  v.text = buf;
  const int cm = std::clamp(m, 1, 12);
  const int cd = std::clamp(d, 1, days_in_month(y, cm));
  v.days = days_from_civil(y, cm, cd);
  return true;
}

std::string strip_spaces(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (static_cast<unsigned char>(c) > ' ' && c != '-' && c != '.') out += lower(c);
  }
  return out;
}

void fill_hist(FieldValue& v) {
  v.hist.fill(0);
  for (char c : v.text) {
    const auto u = static_cast<unsigned char>(c);
    const std::size_t bucket = (u >= 'a' && u <= 'z') ? u - 'a' : 26 + u % 6;
    if (v.hist[bucket] < 255) ++v.hist[bucket];
  }
}

// An upper bound on the Jaro-Winkler similarity from letter counts and the common
// prefix: cheap enough to skip the full computation for clearly different values.
double jaro_winkler_bound(const FieldValue& a, const FieldValue& b, bool any_order = false) {
  unsigned common = 0;
  for (std::size_t k = 0; k < 32; ++k) common += std::min(a.hist[k], b.hist[k]);
  if (common == 0) return 0.0;
  const double m = common, la = static_cast<double>(a.text.size()), lb = static_cast<double>(b.text.size());
  const double jaro = (std::min(m, la) / la + std::min(m, lb) / lb + 1.0) / 3.0;
  std::size_t prefix = 0;
  if (any_order) return jaro + 0.4 * (1.0 - jaro) + 1e-9;
  while (prefix < 4 && prefix < a.text.size() && prefix < b.text.size() &&
         (a.text[prefix] == b.text[prefix])) {
    ++prefix;
  }
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro) + 1e-9;
}

void sorted_token_hashes(std::string_view normalized, FieldValue& v) {
  v.tokens.clear();
  for (std::string_view t : split_tokens(normalized)) v.tokens.push_back(hash_text(t));
  std::sort(v.tokens.begin(), v.tokens.end());
  v.tokens.erase(std::unique(v.tokens.begin(), v.tokens.end()), v.tokens.end());
  std::uint64_t h = 7;
  for (std::uint64_t t : v.tokens) h = hash_combine(h, t);
  v.h2 = h;
}

// One code per sex however a list writes it (Indonesian and English forms).
std::string sex_code(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ' ' || c == '-' || c == '.'; }), s.end());
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
void prepare_value(const CompiledField& f, const Record& r, FieldValue& v) {
  v = FieldValue{};
  const std::string_view raw = r.get(f.spec.column);
  switch (f.spec.kind) {
    case CompareKind::kExact:
      v.text = simple_normalize(raw);
      break;
    case CompareKind::kSex:
      v.text = sex_code(simple_normalize(raw));
      break;
    case CompareKind::kString:
      v.text = simple_normalize(raw);
      fill_hist(v);
      break;
    case CompareKind::kId:
      // Spreadsheet damage is not a difference: a leading apostrophe, a trailing ".0".
    {
      std::string_view id = raw;
      while (!id.empty() && static_cast<unsigned char>(id.back()) <= ' ') id.remove_suffix(1);
      if (id.size() > 2 && id.substr(id.size() - 2) == ".0") id.remove_suffix(2);
      v.text = strip_spaces(id);
      if (!v.text.empty() && v.text.front() == '\'') v.text.erase(0, 1);
      // A copy inside the value (hist is unused by ids): a NIK (16 digits) is past the
      // small-string buffer, and comparing it would otherwise read one more cache line.
      if (v.text.size() <= v.hist.size()) std::memcpy(v.hist.data(), v.text.data(), v.text.size());
      break;
    }
    case CompareKind::kName: {
      const std::string norm = normalize_name(raw);
      if (norm.empty()) return;
      const auto tokens = split_tokens(norm);
      std::vector<std::string> sorted(tokens.begin(), tokens.end());
      std::sort(sorted.begin(), sorted.end());
      std::string phon;
      for (const auto& t : tokens) {
        if (!phon.empty()) phon += ' ';
        phon += phonetic_token(t);
      }
      for (const auto& t : sorted) {
        if (!v.text2.empty()) v.text2 += ' ';
        v.text2 += t;
      }
      sorted_token_hashes(norm, v);
      v.h = hash_text(norm);
      v.h2 = hash_text(phon);
      v.h3 = hash_text(v.text2);
      // Soft j/y: Jaro-Winkler sees y written as j.
      v.text = norm;
      std::replace(v.text.begin(), v.text.end(), 'y', 'j');
      std::replace(v.text2.begin(), v.text2.end(), 'y', 'j');
      fill_hist(v);
      v.null = false;
      return;
    }
    case CompareKind::kDate: {
      const std::string s = simple_normalize(raw);
      if (s.empty()) return;
      if (!parse_date(s, v)) v.text = strip_spaces(s);
      break;
    }
    case CompareKind::kTokens: {
      std::string t(raw);
      for (char& c : t) {
        if (c == ',' || c == '.' || c == '/' || c == '-') c = ' ';
      }
      v.text = simple_normalize(t);
      if (!v.text.empty()) sorted_token_hashes(v.text, v);
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
        v.text = trim0(rt) + "/" + trim0(rw);
        v.h = hash_text(v.text);
      }
      v.null = false;
      return;
    }
  }
  if (v.text.empty()) return;
  v.null = false;
  v.h = hash_text(v.text);
}

// `norm(column)` gives normalize_name of a column (computed once per record).
template <typename Record, typename NormOf>
std::string block_value(const BlockPart& p, const Record& r, NormOf&& norm) {
  using T = BlockPart::Transform;
  const std::string_view raw = r.get(p.column);
  switch (p.transform) {
    case T::kRaw: return simple_normalize(raw);
    case T::kNorm: return norm(p.column);
    case T::kYear: {
      FieldValue v;
      if (!parse_date(simple_normalize(raw), v)) return {};
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
    case T::kPhonetic: return phonetic_of_normalized(norm(p.column));
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

// hamming(a, b) == 1, stopping at the second difference.
bool one_substitution(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d += a[i] != b[i];
    if (d > 1) return false;
  }
  return d == 1;
}

// The number of tokens two sorted unique token lists share.
std::size_t common_tokens(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++n;
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return n;
}

}  // namespace

template <typename Record>
void LinkModel::prepare_field(const Record& r, std::size_t f, FieldValue& value_out) const {
  prepare_value(fields[f], r, value_out);
}

template <typename Record>
void LinkModel::prepare(const Record& r, FieldValue* values_out, std::uint64_t* keys_out,
                        std::uint64_t& household_out) const {
  for (std::size_t f = 0; f < fields.size(); ++f) prepare_value(fields[f], r, values_out[f]);
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
                                            std::uint64_t&) const;
template void LinkModel::prepare<ColumnsView>(const ColumnsView&, FieldValue*, std::uint64_t*,
                                             std::uint64_t&) const;
template void LinkModel::prepare_field<ColumnsView>(const ColumnsView&, std::size_t, FieldValue&) const;

// ---- comparing ----------------------------------------------------------------

int compare_field(const CompiledField& f, const FieldValue& a, const FieldValue& b) {
  if (a.null || b.null) return 0;
  switch (f.spec.kind) {
    case CompareKind::kExact:
    case CompareKind::kSex:
      return a.h == b.h ? 1 : 2;
    case CompareKind::kId: {
      if (a.h == b.h) return 1;
      if (a.text.size() != b.text.size()) return 4;  // neither a substitution nor a transposition
      const bool inline_text = a.text.size() <= a.hist.size();
      const std::string_view ta = inline_text ? std::string_view(reinterpret_cast<const char*>(a.hist.data()), a.text.size())
                                              : std::string_view(a.text);
      const std::string_view tb = inline_text ? std::string_view(reinterpret_cast<const char*>(b.hist.data()), b.text.size())
                                              : std::string_view(b.text);
      if (one_substitution(ta, tb)) return 2;
      if (adjacent_transposition(ta, tb)) return 3;
      return 4;
    }
    case CompareKind::kName: {
      if (a.h == b.h) return 1;
      if (a.h2 == b.h2 || a.h3 == b.h3) return 2;
      // Token order does not change letter counts, so the bound covers both orders.
      double jw = 0;
      if (jaro_winkler_bound(a, b, true) >= f.thresholds[1]) {
        jw = jaro_winkler_soft(a.text, b.text);
        if (jw < f.thresholds[0]) jw = std::max(jw, jaro_winkler_soft(a.text2, b.text2));
      }
      if (jw >= f.thresholds[0]) return 3;
      if (jw >= f.thresholds[1]) return 4;
      const std::size_t common = common_tokens(a.tokens, b.tokens);
      if (common > 0 && (common == a.tokens.size() || common == b.tokens.size())) return 5;
      return 6;
    }
    case CompareKind::kString: {
      if (a.h == b.h) return 1;
      if (jaro_winkler_bound(a, b) < f.thresholds[2]) return 5;
      const double jw = jaro_winkler(a.text, b.text);
      if (jw >= f.thresholds[0]) return 2;
      if (jw >= f.thresholds[1]) return 3;
      if (jw >= f.thresholds[2]) return 4;
      return 5;
    }
    case CompareKind::kDate:
      if (a.h == b.h) return 1;
      if (a.year != 0 && a.year == b.year && a.month == b.day && a.day == b.month) return 2;
      if (one_substitution(a.text, b.text) || adjacent_transposition(a.text, b.text)) return 3;
      if (a.year != 0 && b.year != 0 && std::abs(a.days - b.days) <= 365) return 4;
      return 5;
    case CompareKind::kTokens: {
      if (a.h == b.h) return 1;
      if (a.h2 == b.h2) return 2;
      const std::size_t common = common_tokens(a.tokens, b.tokens);
      const std::size_t all = a.tokens.size() + b.tokens.size() - common;
      if (all > 0 && static_cast<double>(common) >= f.thresholds[0] * static_cast<double>(all)) return 3;
      if (common > 0) return 4;
      return 5;
    }
    case CompareKind::kRtRw:
      if (a.h != 0 && a.h == b.h) return 1;
      if (a.h3 == b.h3) return 2;
      return 3;
  }
  return 0;
}

std::uint64_t LinkModel::pattern(const FieldValue* a, const FieldValue* b) const {
  std::uint64_t p = 0;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    p |= static_cast<std::uint64_t>(compare_field(fields[f], a[f], b[f])) << (4 * f);
  }
  return p;
}

double LinkModel::tf_adjustment(std::size_t f, const FieldValue& a) const { return tf_adjustment_of(f, a.h); }

double LinkModel::tf_adjustment_of(std::size_t f, std::uint64_t value_hash) const {
  if (!fields[f].spec.term_frequency || tf_totals[f] <= 0) return 0.0;
  const std::vector<double>& u = settings.fields[f].u;
  if (u.empty()) return 0.0;
  const auto it = tf_counts[f].find(value_hash);
  const double count = it == tf_counts[f].end() ? 1.0 : std::max(1.0, static_cast<double>(it->second));
  const double tf = count / tf_totals[f];
  // Common values lose what their frequency says; rare ones gain at most 2 bits.
  return std::min(std::log2(u[0] / tf), 2.0);
}

double LinkModel::weight(std::uint64_t pattern, const FieldValue* a) const {
  double w = prior_weight;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const int l = level_of(pattern, f);
    w += weights[f][static_cast<std::size_t>(l)];
    if (l == 1 && fields[f].spec.term_frequency) w += tf_adjustment(f, a[f]);
  }
  return w;
}

bool LinkModel::pattern_reaching(const FieldValue* a, const FieldValue* b, double min_weight,
                                 std::uint64_t& pattern_out) const {
  std::uint64_t p = 0;
  double w = prior_weight;
  const std::size_t F = cheap_order.size();
  for (std::size_t k = 0; k < F; ++k) {
    const std::size_t f = cheap_order[k];
    const int l = compare_field(fields[f], a[f], b[f]);
    p |= static_cast<std::uint64_t>(l) << (4 * f);
    w += weights[f][static_cast<std::size_t>(l)];
    if (l == 1 && fields[f].spec.term_frequency) w += 2.0;
    // A small slack: this sum runs in another order than weight()'s.
    if (w + rest_max[k + 1] < min_weight - 1e-6) return false;
  }
  pattern_out = p;
  return true;
}

double LinkModel::weight_bound(std::uint64_t pattern) const {
  double w = prior_weight;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const int l = level_of(pattern, f);
    w += weights[f][static_cast<std::size_t>(l)];
    if (l == 1 && fields[f].spec.term_frequency) w += 2.0;  // tf_adjustment is at most 2 bits
  }
  return w;
}

bool LinkModel::household_apart(std::uint64_t ha, std::uint64_t hb, std::uint64_t pattern) const {
  if (ha == 0 || ha != hb || household_name_field < 0 || household_date_field < 0) return false;
  const auto nf = static_cast<std::size_t>(household_name_field);
  const auto df = static_cast<std::size_t>(household_date_field);
  const int ln = level_of(pattern, nf), ld = level_of(pattern, df);
  const CompareKind dk = fields[df].spec.kind;
  // An id (NIK) on both sides: "different" is the worst level; close ids keep the pair.
  bool ids_different = false;
  for (int idf : household_id_fields) {
    const int li = level_of(pattern, static_cast<std::size_t>(idf));
    if (li >= 1 && li <= 3) return false;
    if (li == 4) ids_different = true;
  }
  // Same household, different NIKs and clearly different birth dates (a parent and a
  // child of the same name).
  if (ids_different && ld != 0 && ld == fields[df].levels) return true;
  if (ln == 0) return false;
  // Names clearly different (below the kind's high-similarity level) and birth dates
  // neither equal nor one typo apart; with a birth date missing, the names must be at the
  // kind's worst level.
  const CompareKind nk = fields[nf].spec.kind;
  const int name_close = nk == CompareKind::kName ? 3 : nk == CompareKind::kString ? 2 : 1;
  const int date_close = dk == CompareKind::kDate ? 3 : 1;
  if (ln <= name_close) return false;
  if (ld == 0) return ln == fields[nf].levels;
  return ld > date_close;
}

void LinkModel::compute_weights() {
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const LinkField& lf = settings.fields[f];
    weights[f].fill(0.0);
    for (std::size_t l = 0; l < static_cast<std::size_t>(fields[f].levels); ++l) {
      weights[f][l + 1] = std::log2(lf.m[l] / lf.u[l]);
    }
  }
  if (settings.prior > 0) prior_weight = std::log2(settings.prior / (1 - settings.prior));
  // Cheap comparisons first (hash and digit tests), Jaro-Winkler kinds last.
  auto cost = [](CompareKind k) {
    switch (k) {
      case CompareKind::kExact:
      case CompareKind::kSex:
      case CompareKind::kRtRw: return 0;
      case CompareKind::kId:
      case CompareKind::kDate: return 1;
      case CompareKind::kTokens: return 2;
      case CompareKind::kName:
      case CompareKind::kString: return 3;
    }
    return 3;
  };
  cheap_order.resize(fields.size());
  std::iota(cheap_order.begin(), cheap_order.end(), std::size_t{0});
  std::stable_sort(cheap_order.begin(), cheap_order.end(), [&](std::size_t x, std::size_t y) {
    return cost(fields[x].spec.kind) < cost(fields[y].spec.kind);
  });
  rest_max.assign(fields.size() + 1, 0.0);
  for (std::size_t k = fields.size(); k-- > 0;) {
    const std::size_t f = cheap_order[k];
    double best = 0.0;  // the null level
    for (std::size_t l = 1; l <= static_cast<std::size_t>(fields[f].levels); ++l) {
      best = std::max(best, weights[f][l] + (l == 1 && fields[f].spec.term_frequency ? 2.0 : 0.0));
    }
    rest_max[k] = rest_max[k + 1] + best;
  }
}

void LinkModel::count_term_frequencies() {
  const std::size_t F = fields.size();
  for (std::size_t f = 0; f < F; ++f) {
    tf_counts[f].clear();
    tf_totals[f] = 0;
    if (!fields[f].spec.term_frequency) continue;
    for (std::size_t i = 0; i < size(); ++i) {
      const FieldValue& v = values[i * F + f];
      if (v.null) continue;
      ++tf_counts[f][v.h];
      tf_totals[f] += 1;
    }
  }
}

// ---- training -----------------------------------------------------------------

int LinkModel::train(const std::unordered_map<std::uint64_t, std::uint64_t>& pattern_counts,
                     std::size_t left_size) {
  estimate_u(left_size);
  return estimate_m(pattern_counts);
}

void LinkModel::estimate_u(std::size_t left_size) {
  const std::size_t F = fields.size();
  const std::size_t n = size();
  // u from random pairs (all pairs when there are few).
  const bool need_u = std::any_of(settings.fields.begin(), settings.fields.end(),
                                  [](const LinkField& f) { return f.u.empty(); });
  if (need_u) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sample;
    const bool link_mode = left_size < n;
    const double all_pairs = link_mode ? static_cast<double>(left_size) * static_cast<double>(n - left_size)
                                       : static_cast<double>(n) * (static_cast<double>(n) - 1) / 2.0;
    if (all_pairs <= static_cast<double>(settings.u_sample_pairs)) {
      for (std::size_t i = 0; i < (link_mode ? left_size : n); ++i) {
        for (std::size_t j = link_mode ? left_size : i + 1; j < n; ++j) {
          sample.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j));
        }
      }
    } else {
      std::mt19937_64 rng(settings.seed);
      sample.reserve(settings.u_sample_pairs);
      while (sample.size() < settings.u_sample_pairs) {
        std::size_t i, j;
        if (link_mode) {
          i = rng() % left_size;
          j = left_size + rng() % (n - left_size);
        } else {
          i = rng() % n;
          j = rng() % n;
          if (i == j) continue;
        }
        sample.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j));
      }
    }
    const unsigned threads = settings.threads;
    std::vector<std::vector<std::array<double, 16>>> partial(
        threads, std::vector<std::array<double, 16>>(F, std::array<double, 16>{}));
    parallel_for(threads, sample.size(), [&](std::size_t lo, std::size_t hi, unsigned t) {
      auto& c = partial[t];
      for (std::size_t k = lo; k < hi; ++k) {
        const std::uint64_t p = pattern(sample[k].first, sample[k].second);
        for (std::size_t f = 0; f < F; ++f) c[f][static_cast<std::size_t>(level_of(p, f))] += 1;
      }
    });
    std::vector<std::array<double, 16>> counts(F, std::array<double, 16>{});
    for (const auto& c : partial) {
      for (std::size_t f = 0; f < F; ++f) {
        for (std::size_t l = 0; l < 16; ++l) counts[f][l] += c[f][l];
      }
    }
    for (std::size_t f = 0; f < F; ++f) {
      LinkField& lf = settings.fields[f];
      if (!lf.u.empty()) continue;
      const auto L = static_cast<std::size_t>(fields[f].levels);
      double total = 0;
      for (std::size_t l = 1; l <= L; ++l) total += counts[f][l];
      lf.u.assign(L, 0.0);
      for (std::size_t l = 1; l <= L; ++l) {
        lf.u[l - 1] = (counts[f][l] + 0.5) / (total + 0.5 * static_cast<double>(L));
      }
    }
  }
}

int LinkModel::estimate_m(const std::unordered_map<std::uint64_t, std::uint64_t>& pattern_counts) {
  const std::size_t F = fields.size();
  // m and prior by EM over the candidate patterns, u fixed.
  std::vector<std::uint64_t> patterns;
  std::vector<double> counts_of;
  patterns.reserve(pattern_counts.size());
  for (const auto& kv : pattern_counts) patterns.push_back(kv.first);
  // In key order, so that the sums (and the model) do not depend on hash-table history.
  std::sort(patterns.begin(), patterns.end());
  for (std::uint64_t p : patterns) counts_of.push_back(static_cast<double>(pattern_counts.at(p)));
  std::vector<std::vector<double>> m(F);
  for (std::size_t f = 0; f < F; ++f) {
    const LinkField& lf = settings.fields[f];
    if (!lf.m.empty()) {
      m[f] = lf.m;
      continue;
    }
    const auto L = static_cast<std::size_t>(fields[f].levels);
    m[f].assign(L, 0.0);
    m[f][0] = 0.8;
    double rest = 0.2;
    for (std::size_t l = 1; l < L; ++l) {
      m[f][l] = l + 1 == L ? rest : rest / 2;
      rest -= m[f][l];
    }
  }
  std::vector<std::vector<double>> log_u(F);
  for (std::size_t f = 0; f < F; ++f) {
    for (double u : settings.fields[f].u) log_u[f].push_back(std::log(u));
  }
  double lambda = settings.prior > 0 ? settings.prior : 0.1;
  int iterations = 0;
  const bool any_m_free = std::any_of(settings.fields.begin(), settings.fields.end(),
                                      [](const LinkField& lf) { return lf.m.empty(); });
  if (!patterns.empty() && (any_m_free || settings.prior < 0)) {
    std::vector<std::vector<double>> acc(F);
    for (int it = 0; it < settings.em_iterations; ++it) {
      ++iterations;
      for (std::size_t f = 0; f < F; ++f) acc[f].assign(m[f].size(), 0.0);
      double match_total = 0, all_total = 0;
      for (std::size_t k = 0; k < patterns.size(); ++k) {
        double lm = std::log(lambda), lu = std::log(1 - lambda);
        for (std::size_t f = 0; f < F; ++f) {
          const int l = level_of(patterns[k], f);
          if (l == 0) continue;
          const auto li = static_cast<std::size_t>(l - 1);
          lm += std::log(m[f][li]);
          lu += log_u[f][li];
        }
        const double post = 1.0 / (1.0 + std::exp(lu - lm));
        const double c = counts_of[k];
        match_total += post * c;
        all_total += c;
        for (std::size_t f = 0; f < F; ++f) {
          const int l = level_of(patterns[k], f);
          if (l != 0) acc[f][static_cast<std::size_t>(l - 1)] += post * c;
        }
      }
      double change = 0;
      for (std::size_t f = 0; f < F; ++f) {
        if (!settings.fields[f].m.empty()) continue;
        double total = 0;
        for (double a : acc[f]) total += a;
        if (total <= 0) continue;
        const double L = static_cast<double>(m[f].size());
        for (std::size_t l = 0; l < m[f].size(); ++l) {
          const double nm = std::max((acc[f][l] + 1e-3) / (total + 1e-3 * L), 1e-6);
          change = std::max(change, std::abs(nm - m[f][l]));
          m[f][l] = nm;
        }
      }
      if (settings.prior < 0 && all_total > 0) {
        const double nl = std::clamp(match_total / all_total, 1e-9, 1 - 1e-9);
        change = std::max(change, std::abs(nl - lambda));
        lambda = nl;
      }
      if (change < 1e-6) break;
    }
  }
  for (std::size_t f = 0; f < F; ++f) {
    if (settings.fields[f].m.empty()) settings.fields[f].m = m[f];
  }
  if (settings.prior < 0) settings.prior = patterns.empty() ? 1e-4 : lambda;
  compute_weights();
  return iterations;
}

// ---- explanations -------------------------------------------------------------

Explanation LinkModel::explain_values(const FieldValue* a, const FieldValue* b, std::uint64_t ha,
                                      std::uint64_t hb) const {
  Explanation e;
  const std::uint64_t p = pattern(a, b);
  e.prior_weight = prior_weight;
  double total = prior_weight;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    FieldExplanation fe;
    fe.field = fields[f].spec.name;
    const int l = level_of(p, f);
    if (l == 0) {
      fe.level = "null";
    } else {
      fe.level = compare_level_names(fields[f].spec.kind)[static_cast<std::size_t>(l - 1)];
      fe.level_index = l - 1;
      fe.weight = weights[f][static_cast<std::size_t>(l)];
      if (l == 1 && fields[f].spec.term_frequency) {
        fe.tf_adjustment = tf_adjustment(f, a[f]);
        fe.weight += fe.tf_adjustment;
      }
    }
    total += fe.weight;
    e.fields.push_back(std::move(fe));
  }
  e.match_weight = total;
  e.probability = probability_of(total);
  e.household_apart = household_apart(ha, hb, p);
  return e;
}

Explanation LinkModel::explain(std::size_t i, std::size_t j) const {
  if (i >= size() || j >= size()) {
    throw Error(ErrorCode::kNotFound, "explain: record index out of range (have " +
                                          std::to_string(size()) + " records)");
  }
  if (i > j) std::swap(i, j);
  const std::size_t F = fields.size();
  return explain_values(&values[i * F], &values[j * F], household[i], household[j]);
}

struct LinkResultAccess {
  static void set(LinkResult& r, std::shared_ptr<const LinkModel> m) { r.model_ = std::move(m); }
};

}  // namespace detail

// ---- batch linking --------------------------------------------------------------

namespace {

using detail::LinkModel;

struct Candidate {
  std::uint32_t a, b;
  std::uint64_t pattern;
};

// Union-find with member lists, so that a merge can check the household rule.
struct Clusters {
  std::vector<std::uint32_t> parent;
  std::vector<std::vector<std::uint32_t>> members;
  std::vector<double> confidence;

  explicit Clusters(std::size_t n) : parent(n), members(n), confidence(n, 1.0) {
    for (std::size_t i = 0; i < n; ++i) {
      parent[i] = static_cast<std::uint32_t>(i);
      members[i] = {static_cast<std::uint32_t>(i)};
    }
  }
  std::uint32_t find(std::uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
};

// Merges the clusters of a and b unless the household rule keeps two members apart.
void merge(Clusters& c, const LinkModel& model, std::uint32_t a, std::uint32_t b, double probability) {
  std::uint32_t ra = c.find(a), rb = c.find(b);
  if (ra == rb) return;
  if (c.members[ra].size() < c.members[rb].size()) std::swap(ra, rb);
  if (model.household_name_field >= 0 && model.household_date_field >= 0) {
    for (std::uint32_t x : c.members[rb]) {
      if (model.household[x] == 0) continue;
      for (std::uint32_t y : c.members[ra]) {
        if (model.household[y] != model.household[x]) continue;
        if (model.household_apart(model.household[x], model.household[y], model.pattern(x, y))) return;
      }
    }
  }
  c.parent[rb] = ra;
  c.members[ra].insert(c.members[ra].end(), c.members[rb].begin(), c.members[rb].end());
  std::vector<std::uint32_t>().swap(c.members[rb]);
  c.confidence[ra] = std::min({c.confidence[ra], c.confidence[rb], probability});
}

}  // namespace

namespace detail {

std::shared_ptr<LinkModel> prepare_records(const LinkSettings& settings,
                                           const std::vector<LinkRecord>& left,
                                           const std::vector<LinkRecord>* right) {
  auto model = std::make_shared<LinkModel>(settings);
  const std::size_t n = left.size() + (right ? right->size() : 0);
  if (n > 0xFFFFFFF0ULL) throw Error(ErrorCode::kLimit, "link: at most 4 billion records");
  const std::size_t F = model->field_count(), R = model->rule_count();
  model->values.resize(n * F);
  model->keys.resize(n * R);
  model->household.resize(n);
  model->source.assign(n, 0);
  parallel_for(settings.threads, n, [&](std::size_t lo, std::size_t hi, unsigned) {
    for (std::size_t i = lo; i < hi; ++i) {
      const LinkRecord& r = i < left.size() ? left[i] : (*right)[i - left.size()];
      model->prepare(r, &model->values[i * F], R ? &model->keys[i * R] : nullptr, model->household[i]);
      if (i >= left.size()) model->source[i] = 1;
    }
  });
  return model;
}

LinkResult link_prepared(std::shared_ptr<LinkModel> model, std::size_t left_size) {
  const auto started = std::chrono::steady_clock::now();
  LinkModel& m = *model;
  const std::size_t n = m.size();
  const std::size_t R = m.rule_count();
  const std::size_t F = m.field_count();
  const bool link_mode = left_size < n;
  const unsigned threads = m.settings.threads;
  LinkResult result;
  result.stats.records = n;

  // 1. Blocks: per rule, records sorted by key; oversized blocks are skipped and their
  //    keys cleared, so that a later rule may still pair those records.
  struct Block {
    std::size_t rule, begin, end;
  };
  std::vector<std::vector<std::uint32_t>> order(R);
  std::vector<Block> blocks;
  for (std::size_t r = 0; r < R; ++r) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = m.keys[i * R + r];
      if (k != 0) keyed.emplace_back(k, static_cast<std::uint32_t>(i));
    }
    std::sort(keyed.begin(), keyed.end());
    order[r].resize(keyed.size());
    for (std::size_t i = 0; i < keyed.size(); ++i) order[r][i] = keyed[i].second;
    for (std::size_t i = 0; i < keyed.size();) {
      std::size_t j = i + 1;
      while (j < keyed.size() && keyed[j].first == keyed[i].first) ++j;
      if (j - i > m.settings.max_block_size) {
        ++result.stats.skipped_blocks;
        for (std::size_t k = i; k < j; ++k) m.keys[keyed[k].second * R + r] = 0;
      } else if (j - i >= 2) {
        blocks.push_back({r, i, j});
      }
      i = j;
    }
  }
  // u and term frequencies do not depend on the candidate pairs: estimated first.
  m.count_term_frequencies();
  m.estimate_u(link_mode ? left_size : n);

  // 2. Candidate pairs, each compared once: under rule r a pair is skipped when an
  //    earlier rule already blocked it together. Every candidate's pattern is counted for
  //    training, but a candidate is stored (16 bytes) only when it may still reach the
  //    threshold, so that memory follows the pairs kept rather than all pairs compared.
  //    Which ones may is not known before training, so the blocks are streamed in two
  //    phases: (A) a sample of blocks, all of whose pairs are stored, trains a preliminary
  //    model; (B) the other blocks store only pairs whose weight bound under that model
  //    reaches the threshold minus a margin. After the final training (on the counts of
  //    all pairs, as before) the drift of the weights is checked against the margin; when
  //    it is larger, phase B runs again with the final weights, so the pairs kept are
  //    exactly those of storing everything.
  std::size_t all_pairs = 0;
  for (const Block& blk : blocks) all_pairs += (blk.end - blk.begin) * (blk.end - blk.begin - 1) / 2;
  const bool fixed_model = std::all_of(m.settings.fields.begin(), m.settings.fields.end(),
                                       [](const LinkField& f) { return !f.m.empty() && !f.u.empty(); }) &&
                           m.settings.prior > 0;
  const std::size_t kStoreAllPairs = m.streaming.store_all_pairs;
  const std::size_t kSamplePairs = std::max<std::size_t>(1, m.streaming.sample_pairs);
  const double kMarginBits = m.streaming.margin_bits;
  // Phase of each block: 0 = A (stored in full), 1 = B (filtered).
  std::vector<std::uint8_t> phase(blocks.size(), 0);
  if (!fixed_model && all_pairs > kStoreAllPairs) {
    const std::uint64_t stride = (all_pairs + kSamplePairs - 1) / kSamplePairs;
    for (std::size_t bi = 0; bi < blocks.size(); ++bi) {
      std::uint64_t h = (bi + 1) * 0x9E3779B97F4A7C15ULL ^ m.settings.seed;
      h ^= h >> 31;
      h *= 0xBF58476D1CE4E5B9ULL;
      h ^= h >> 29;
      phase[bi] = h % stride == 0 ? 0 : 1;
    }
  } else if (fixed_model && all_pairs > kStoreAllPairs) {
    // Final weights are known: every block filters, with no margin.
    std::fill(phase.begin(), phase.end(), std::uint8_t{1});
    m.compute_weights();
  }
  std::vector<std::size_t> blocks_a, blocks_b;
  for (std::size_t bi = 0; bi < blocks.size(); ++bi) (phase[bi] == 0 ? blocks_a : blocks_b).push_back(bi);

  const double threshold = m.settings.threshold;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<Candidate>> per_thread(threads);
  std::vector<std::unordered_map<std::uint64_t, std::uint64_t>> counts_per_thread(threads);
  std::vector<std::size_t> compared_per_thread(threads, 0);
  // Runs the candidates of `list` (block indices): count (when `count`) and store those
  // with probability_of(weight bound + margin) >= threshold (all when margin is infinite).
  auto stream = [&](const std::vector<std::size_t>& list, bool count, double margin) {
    std::atomic<std::size_t> next{0};
    const bool keep_all = std::isinf(margin);
    // probability_of(w + margin) >= threshold  <=>  w >= logit2(threshold) - margin, up to
    // rounding: below cut_low a pair is surely out, at or above cut_high surely in.
    const double logit = std::log2(threshold) - std::log2(1.0 - threshold);
    const double cut_low = std::isfinite(logit) ? logit - margin - 1e-3 : (logit > 0 ? 50.0 - margin : -inf);
    const double cut_high = std::isfinite(logit) ? logit - margin + 1e-3 : inf;
    run_threads(threads, [&](unsigned t) {
      auto& out = per_thread[t];
      auto& counts = counts_per_thread[t];
      std::size_t compared = 0;
      for (;;) {
        const std::size_t li = next.fetch_add(1);
        if (li >= list.size()) break;
        const Block& blk = blocks[list[li]];
        const auto& ord = order[blk.rule];
        for (std::size_t x = blk.begin; x < blk.end; ++x) {
          for (std::size_t y = x + 1; y < blk.end; ++y) {
            std::uint32_t a = ord[x], b = ord[y];
            if (a > b) std::swap(a, b);
            if (link_mode && (a < left_size) == (b < left_size)) continue;
            bool seen = false;
            for (std::size_t r = 0; r < blk.rule && !seen; ++r) {
              const std::uint64_t ka = m.keys[a * R + r];
              seen = ka != 0 && ka == m.keys[b * R + r];
            }
            if (seen) continue;
            const std::uint64_t pat = m.pattern(&m.values[a * F], &m.values[b * F]);
            ++compared;
            if (keep_all) {
              out.push_back({a, b, pat});
            } else if (const double wb = m.weight_bound(pat); wb >= cut_low) {
              // Near the cut, the exact test (the weight cut is only a fast path).
              if (wb >= cut_high || probability_of(wb + margin) >= threshold) out.push_back({a, b, pat});
            }
            // Training sees person-level candidates only: not pairs blocked by the household
            // key alone, nor pairs the household rule keeps apart.
            if (count && !m.household_rule[blk.rule] &&
                !m.household_apart(m.household[a], m.household[b], pat)) {
              ++counts[pat & ~m.rule_masks[blk.rule]];
            }
          }
        }
      }
      if (count) compared_per_thread[t] += compared;
    });
  };
  auto merged_counts = [&] {
    std::unordered_map<std::uint64_t, std::uint64_t> total;
    for (const auto& counts : counts_per_thread) {
      for (const auto& kv : counts) total[kv.first] += kv.second;
    }
    return total;
  };
  auto gather = [&](std::vector<Candidate>& into) {
    std::size_t total = into.size();
    for (const auto& v : per_thread) total += v.size();
    into.reserve(total);
    for (auto& v : per_thread) {
      into.insert(into.end(), v.begin(), v.end());
      std::vector<Candidate>().swap(v);
    }
  };
  std::vector<Candidate> candidates;
  // Phase A, then a preliminary model from its counts (the settings are restored after:
  // the final training starts from the same state as training on all counts at once).
  stream(blocks_a, true, inf);
  gather(candidates);
  std::array<std::array<double, 16>, kMaxFields> preliminary{};
  double preliminary_prior = 0;
  if (!blocks_b.empty() && !fixed_model) {
    std::vector<std::vector<double>> saved_m;
    for (const LinkField& f : m.settings.fields) saved_m.push_back(f.m);
    const double saved_prior = m.settings.prior;
    m.estimate_m(merged_counts());
    for (std::size_t f = 0; f < F; ++f) m.settings.fields[f].m = saved_m[f];
    m.settings.prior = saved_prior;
    for (std::size_t f = 0; f < F; ++f) preliminary[f] = m.weights[f];
    preliminary_prior = m.prior_weight;
    // m.weights and m.prior_weight keep the preliminary model for phase B; the final
    // estimate_m overwrites both.
  }
  const std::size_t stored_a = candidates.size();
  stream(blocks_b, true, fixed_model ? 0.0 : kMarginBits);
  gather(candidates);

  // 3. Training on the counts of all candidates.
  {
    const auto pattern_counts = merged_counts();
    for (auto& counts : counts_per_thread) std::unordered_map<std::uint64_t, std::uint64_t>().swap(counts);
    result.stats.em_iterations = m.estimate_m(pattern_counts);
  }
  if (!blocks_b.empty() && !fixed_model) {
    double drift = std::abs(m.prior_weight - preliminary_prior);
    for (std::size_t f = 0; f < F; ++f) {
      double worst = 0;
      for (std::size_t l = 0; l < 16; ++l) worst = std::max(worst, std::abs(m.weights[f][l] - preliminary[f][l]));
      drift += worst;
    }
    if (!(drift < kMarginBits)) {
      // A pair left out in phase B could reach the threshold now: phase B again, with the
      // final weights and no margin.
      candidates.resize(stored_a);
      stream(blocks_b, false, 0.0);
      gather(candidates);
      m.streaming.restreamed = true;
    }
  }
  for (std::size_t c : compared_per_thread) result.stats.candidate_pairs += c;
  m.streaming.stored_pairs = candidates.size();
  m.streaming.sampled_blocks = blocks_b.empty() ? 0 : blocks_a.size();

  // 4. Scoring, then clustering in order of falling weight.
  std::vector<std::vector<LinkPair>> kept_per_thread(threads);
  parallel_for(threads, candidates.size(), [&](std::size_t lo, std::size_t hi, unsigned t) {
    for (std::size_t k = lo; k < hi; ++k) {
      const Candidate& c = candidates[k];
      const double w = m.weight(c.pattern, &m.values[c.a * F]);
      const double p = probability_of(w);
      if (p < threshold) continue;
      if (m.household_apart(m.household[c.a], m.household[c.b], c.pattern)) continue;
      kept_per_thread[t].push_back({c.a, c.b, w, p});
    }
  });
  std::vector<Candidate>().swap(candidates);
  for (auto& v : kept_per_thread) result.pairs.insert(result.pairs.end(), v.begin(), v.end());
  std::sort(result.pairs.begin(), result.pairs.end(), [](const LinkPair& a, const LinkPair& b) {
    if (a.weight != b.weight) return a.weight > b.weight;
    return std::tie(a.i, a.j) < std::tie(b.i, b.j);
  });
  Clusters clusters(n);
  for (const LinkPair& p : result.pairs) merge(clusters, m, p.i, p.j, p.probability);
  std::sort(result.pairs.begin(), result.pairs.end(),
            [](const LinkPair& a, const LinkPair& b) { return std::tie(a.i, a.j) < std::tie(b.i, b.j); });
  result.cluster_ids.assign(n, 0);
  result.confidence.assign(n, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t root = clusters.find(static_cast<std::uint32_t>(i));
    const auto& mem = clusters.members[root];
    result.cluster_ids[i] = *std::min_element(mem.begin(), mem.end());
    result.confidence[i] = clusters.confidence[root];
    if (result.cluster_ids[i] == static_cast<std::int64_t>(i)) ++result.stats.clusters;
  }
  result.stats.kept_pairs = result.pairs.size();
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  LinkResultAccess::set(result, std::move(model));
  return result;
}

}  // namespace detail

Explanation LinkResult::explain(std::size_t i, std::size_t j) const {
  if (!model_) throw Error(ErrorCode::kState, "explain: empty result");
  return model_->explain(i, j);
}

const LinkSettings& LinkResult::trained_settings() const {
  if (!model_) throw Error(ErrorCode::kState, "trained_settings: empty result");
  return model_->settings;
}

LinkResult link(const std::vector<LinkRecord>& records, const LinkSettings& settings) {
  return detail::link_prepared(detail::prepare_records(settings, records, nullptr), records.size());
}

LinkResult link(const std::vector<LinkRecord>& left, const std::vector<LinkRecord>& right,
                const LinkSettings& settings) {
  return detail::link_prepared(detail::prepare_records(settings, left, &right), left.size());
}

}  // namespace smartkampung
