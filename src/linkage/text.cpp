// Indonesian name normalisation, a phonetic key and string similarities.
#include "linkage/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <smartkampung/linkage.hpp>
#include <unordered_map>
#include <unordered_set>

namespace smartkampung {
namespace detail {

namespace {

bool is_alnum_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Length of the UTF-8 encoded Unicode space at the start of s (U+0085, U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), or 0. Such spaces separate
// words like an ASCII space: a name pasted from a web page or a PDF often has them.
std::size_t unicode_space_length(std::string_view s) {
  auto at = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  if (at(0) == 0xC2 && (at(1) == 0x85 || at(1) == 0xA0)) return 2;
  if (at(0) == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;
  if (at(0) == 0xE2 && at(1) == 0x80 &&
      (at(2) <= 0x8A || at(2) == 0xA8 || at(2) == 0xA9 || at(2) == 0xAF) && at(2) >= 0x80)
    return 3;
  if (at(0) == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;
  if (at(0) == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;
  return 0;
}

// Honorifics written before a name (compared without dots).
const std::unordered_set<std::string>& prefix_titles() {
  static const auto* set = new std::unordered_set<std::string>{
      "h",   "hj",   "haji", "hajah",    "hajjah", "ir",       "drs",       "dra",   "dr",  "prof",
      "kh",  "kyai", "ust",  "ustad",    "ustadz", "ustadzah", "bpk",       "bapak", "pak", "ibu",
      "bu",  "sdr",  "sdri", "sdra",     "ny",     "nyonya",   "tn",        "tuan",  "nn",  "nona",
      "drg", "hc",   "mbak", "almarhum", "alm",    "almh",     "almarhumah"};
  return *set;
}

// Academic and professional degrees written after a name.
const std::unordered_set<std::string>& suffix_titles() {
  static const auto* set = new std::unordered_set<std::string>{
      "spd",  "spdi", "se",   "sh",   "mm",   "skom", "mpd",   "ssos",  "st",    "sip",
      "msi",  "skep", "sked", "amd",  "amk",  "ssi",  "mh",    "mt",    "sag",   "mag",
      "sthi", "apt",  "ns",   "bsc",  "phd",  "msc",  "mba",   "spog",  "sfarm", "ssit",
      "stp",  "shi",  "sei",  "mpdi", "mkes", "skm",  "sgz",   "ak",    "cpa",   "sth",
      "dipl", "mkom", "mak",  "spsi", "spt",  "str",  "amkeb", "amkep", "ssn",   "sikom",
      "mp",   "skg",  "ir",   "drs",  "dr",   "h",    "hj"};
  return *set;
}

// Spellings of Muhammad (and Ahmad) brought to one form.
const std::unordered_map<std::string, std::string>& name_variants() {
  static const auto* map = new std::unordered_map<std::string, std::string>{
      {"muhammad", "muhammad"},  {"muhamad", "muhammad"},   {"muhammed", "muhammad"},
      {"muhamed", "muhammad"},   {"mohammad", "muhammad"},  {"mohamad", "muhammad"},
      {"mohammed", "muhammad"},  {"mohamed", "muhammad"},   {"mochammad", "muhammad"},
      {"mochamad", "muhammad"},  {"mochamat", "muhammad"},  {"mochammat", "muhammad"},
      {"muchammad", "muhammad"}, {"muchamad", "muhammad"},  {"mukhammad", "muhammad"},
      {"mukhamad", "muhammad"},  {"mokhammad", "muhammad"}, {"mokhamad", "muhammad"},
      {"muhamat", "muhammad"},   {"muhammat", "muhammad"},  {"mohamat", "muhammad"},
      {"moch", "muhammad"},      {"mochd", "muhammad"},     {"moh", "muhammad"},
      {"mohd", "muhammad"},      {"muh", "muhammad"},       {"mhd", "muhammad"},
      {"mhmd", "muhammad"},      {"mch", "muhammad"},       {"much", "muhammad"},
      {"m", "muhammad"},         {"md", "muhammad"},        {"mokh", "muhammad"},
      {"mukh", "muhammad"},      {"achmad", "ahmad"},       {"akhmad", "ahmad"},
      {"ahmat", "ahmad"},        {"achmat", "ahmad"},       {"akhmat", "ahmad"}};
  return *map;
}

// Old (pre-1972 and Dutch-era) spelling folded to the current one.
std::string fold_spelling(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    const char n = i + 1 < token.size() ? token[i + 1] : '\0';
    if (c == 'o' && n == 'e') {
      out += 'u';
      ++i;
      continue;
    }
    if (c == 'd' && n == 'j') {
      out += 'j';
      ++i;
      continue;
    }
    if (c == 't' && n == 'j') {
      out += 'c';
      ++i;
      continue;
    }
    if (c == 'c' && n == 'h') {
      out += "kh";
      ++i;
      continue;
    }
    if (c == 's' && n == 'j') {
      out += "sy";
      ++i;
      continue;
    }
    if (c == 'n' && n == 'j') {
      out += "ny";
      ++i;
      continue;
    }
    out += c;
  }
  return out;
}

struct RawToken {
  std::string compact;  // letters, digits and dots, lower case
  bool after_comma = false;
};

bool is_title(const std::string& t) { return prefix_titles().count(t) || suffix_titles().count(t); }

template <bool Soft>
double jaro_winkler_impl(std::string_view a, std::string_view b) noexcept {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  if (a.size() > b.size()) std::swap(a, b);
  const std::size_t la = a.size(), lb = b.size();
  constexpr std::size_t kMax = 256;
  if (lb > kMax) return a == b ? 1.0 : 0.0;  // far longer than names and addresses
  auto same = [](char x, char y) {
    if (x == y) return true;
    if constexpr (Soft) {
      return (x == 'y' && y == 'j') || (x == 'j' && y == 'y');
    }
    return false;
  };
  const std::size_t window = lb / 2 > 0 ? lb / 2 - 1 : 0;
  std::size_t matches = 0;
  std::size_t transpositions = 0;
  if (lb <= 64) {
    // Bit-parallel: positions of each character of b (32 buckets; a bucket may hold
    // two characters, so a candidate is verified), matched positions as bit sets.
    std::uint64_t pos[32] = {};
    for (std::size_t j = 0; j < lb; ++j) {
      const auto c = static_cast<unsigned char>(b[j]);
      pos[c & 31U] |= std::uint64_t{1} << j;
      if constexpr (Soft) {
        if (c == 'y') pos[static_cast<unsigned char>('j') & 31U] |= std::uint64_t{1} << j;
        if (c == 'j') pos[static_cast<unsigned char>('y') & 31U] |= std::uint64_t{1} << j;
      }
    }
    std::uint64_t matched_a = 0, matched_b = 0;
    for (std::size_t i = 0; i < la; ++i) {
      const std::size_t lo = i > window ? i - window : 0;
      const std::size_t hi = std::min(lb, i + window + 1);
      const std::uint64_t upto = hi >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << hi) - 1;
      const std::uint64_t from = ~((std::uint64_t{1} << lo) - 1);
      std::uint64_t cand = pos[static_cast<unsigned char>(a[i]) & 31U] & ~matched_b & upto & from;
      while (cand != 0) {
        const auto j = static_cast<std::size_t>(__builtin_ctzll(cand));
        if (same(a[i], b[j])) {
          matched_a |= std::uint64_t{1} << i;
          matched_b |= std::uint64_t{1} << j;
          ++matches;
          break;
        }
        cand &= cand - 1;
      }
    }
    if (matches == 0) return 0.0;
    std::uint64_t ma = matched_a, mb = matched_b;
    while (ma != 0) {
      const int i = __builtin_ctzll(ma);
      const int j = __builtin_ctzll(mb);
      if (!same(a[static_cast<std::size_t>(i)], b[static_cast<std::size_t>(j)])) ++transpositions;
      ma &= ma - 1;
      mb &= mb - 1;
    }
  } else {
    std::array<bool, kMax> matched_b{};
    std::array<bool, kMax> matched_a{};
    for (std::size_t i = 0; i < la; ++i) {
      const std::size_t lo = i > window ? i - window : 0;
      const std::size_t hi = std::min(lb, i + window + 1);
      for (std::size_t j = lo; j < hi; ++j) {
        if (!matched_b[j] && same(a[i], b[j])) {
          matched_a[i] = matched_b[j] = true;
          ++matches;
          break;
        }
      }
    }
    if (matches == 0) return 0.0;
    std::size_t k = 0;
    for (std::size_t i = 0; i < la; ++i) {
      if (!matched_a[i]) continue;
      while (!matched_b[k]) ++k;
      if (!same(a[i], b[k])) ++transpositions;
      ++k;
    }
  }
  const double m = static_cast<double>(matches);
  const double jaro = (m / static_cast<double>(la) + m / static_cast<double>(lb) +
                       (m - static_cast<double>(transpositions / 2)) / m) /
                      3.0;
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < la && same(a[prefix], b[prefix])) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

}  // namespace

std::string simple_normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += lower(c);
  }
  return out;
}

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string phonetic_token(std::string_view token) {
  // Folds sounds that Indonesian spellings mix up (kh/ch/h, sy/sh/s, dh/d, th/t, f/v/p,
  // z/j/y, q/k, x/ks), then keeps the first letter and the consonant skeleton: vowels
  // and 'h' dropped after the first letter, repeated letters collapsed.
  std::string mapped;
  mapped.reserve(token.size() + 2);
  for (std::size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    const char n = i + 1 < token.size() ? token[i + 1] : '\0';
    if ((c == 'k' || c == 'c' || c == 's' || c == 'd' || c == 't' || c == 'p') && n == 'h') {
      mapped += (c == 'k' || c == 'c') ? 'h' : c;
      ++i;
      continue;
    }
    switch (c) {
      case 'f':
      case 'v':
        c = 'p';
        break;
      case 'z':
      case 'y':
        c = 'j';
        break;
      case 'q':
        c = 'k';
        break;
      case 'x':
        mapped += 'k';
        c = 's';
        break;
      case 'e':
      case 'o':
      case 'u':
      case 'i':
        c = 'a';
        break;
      default:
        break;
    }
    mapped += c;
  }
  std::string out;
  out.reserve(mapped.size());
  for (std::size_t i = 0; i < mapped.size(); ++i) {
    const char c = mapped[i];
    if (i > 0) {
      if (c == 'a' || c == 'h') continue;
      // 'y' between vowels ("Sugiyanto" and "Sugianto") is a glide.
      if (c == 'j' && mapped[i - 1] == 'a' && i + 1 < mapped.size() && mapped[i + 1] == 'a')
        continue;
      if (!out.empty() && out.back() == c) continue;
    }
    out += c;
  }
  return out;
}

std::string phonetic_of_normalized(std::string_view normalized) {
  std::string out;
  for (std::string_view t : split_tokens(normalized)) {
    if (!out.empty()) out += ' ';
    out += phonetic_token(t);
  }
  return out;
}

std::uint64_t hash_text(std::string_view text) noexcept {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h == 0 ? 1 : h;
}

std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t h = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 29;
  return h == 0 ? 1 : h;
}

double jaro_winkler_soft(std::string_view a, std::string_view b) noexcept {
  return jaro_winkler_impl<true>(a, b);
}

std::size_t hamming(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return SIZE_MAX;
  std::size_t d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d += a[i] != b[i];
  return d;
}

bool adjacent_transposition(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size() || a.size() < 2) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i + 1 >= a.size()) return false;
  if (a[i] != b[i + 1] || a[i + 1] != b[i] || a[i] == a[i + 1]) return false;
  return a.substr(i + 2) == b.substr(i + 2);
}

bool one_indel(std::string_view a, std::string_view b) noexcept {
  if (a.size() + 1 == b.size()) std::swap(a, b);
  if (a.size() != b.size() + 1) return false;
  std::size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  return a.substr(i + 1) == b.substr(i);
}

}  // namespace detail

std::string normalize_name(std::string_view name) {
  using detail::RawToken;
  // 1. Tokens of letters and digits; apostrophes join ("Ma'ruf" -> "maruf"), dots are
  //    kept for now, other punctuation and spaces separate.
  std::vector<RawToken> tokens;
  std::string current;
  bool after_comma = false;
  auto flush = [&] {
    if (!current.empty()) tokens.push_back({current, after_comma});
    current.clear();
  };
  for (std::size_t pos = 0; pos < name.size(); ++pos) {
    if (const std::size_t space = detail::unicode_space_length(name.substr(pos)); space > 0) {
      flush();
      pos += space - 1;
      continue;
    }
    const auto u = static_cast<unsigned char>(detail::lower(name[pos]));
    if (detail::is_alnum_byte(u) || u == '.') {
      current += static_cast<char>(u);
    } else if (u == '\'' || u == '`') {
      // joins
    } else {
      flush();
      if (u == ',') after_comma = true;
    }
  }
  flush();
  // 2. A token with dots is one title ("S.Pd.") when it is known as one, else pieces
  //    ("H.Djoko" -> "h", "djoko"; "Moch." -> "moch").
  std::vector<RawToken> pieces;
  for (const RawToken& t : tokens) {
    std::string compact;
    for (char c : t.compact) {
      if (c != '.') compact += c;
    }
    if (compact.empty()) continue;
    if (detail::is_title(compact) || t.compact.find('.') == std::string::npos) {
      pieces.push_back({compact, t.after_comma});
      continue;
    }
    std::string part;
    for (char c : t.compact) {
      if (c == '.') {
        if (!part.empty()) pieces.push_back({part, t.after_comma});
        part.clear();
      } else {
        part += c;
      }
    }
    if (!part.empty()) pieces.push_back({part, t.after_comma});
  }
  // 3. Leading honorifics and trailing degrees go; at least one token stays.
  std::size_t begin = 0, end = pieces.size();
  while (end - begin > 1 && detail::prefix_titles().count(pieces[begin].compact)) ++begin;
  while (end - begin > 1 && detail::suffix_titles().count(pieces[end - 1].compact)) --end;
  // 4. Variants and old spelling.
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    std::string token = pieces[i].compact;
    auto it = detail::name_variants().find(token);
    if (it != detail::name_variants().end()) {
      token = it->second;
    } else {
      token = detail::fold_spelling(token);
      auto again = detail::name_variants().find(token);
      if (again != detail::name_variants().end()) token = again->second;
    }
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

std::string name_phonetic_key(std::string_view name) {
  return detail::phonetic_of_normalized(normalize_name(name));
}

double jaro_winkler(std::string_view a, std::string_view b) noexcept {
  return detail::jaro_winkler_impl<false>(a, b);
}

}  // namespace smartkampung
