// Linkage: comparison levels, Fellegi-Sunter weights, the household rule and explanations.
#include <algorithm>
#include <smartkampung/date.hpp>
#include <smartkampung/linkage.hpp>

#include "linkage/engine.hpp"
#include "linkage/text.hpp"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
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

namespace smartkampung::detail {

namespace {

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
std::size_t common_tokens(TokenSpan a, TokenSpan b) {
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

namespace {

// An upper bound on the Jaro similarity of two texts from their packed letter counts
// (FieldValue::hist) and sizes: 0 when they share no letter, -1 when the counts give no
// bound (both saturated somewhere).
double packed_jaro_bound(const std::uint32_t* hist_a, const std::uint32_t* hist_b,
                         std::uint32_t size_a, std::uint32_t size_b) {
  // Common letters: the sum of the smaller counts (a saturated count against any other
  // gives the other, its min); two saturated counts give no bound.
  unsigned common = 0;
#if defined(__SSE2__)
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hist_a));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hist_b));
  const __m128i nibble = _mm_set1_epi8(0x0F);
  const __m128i least_lo = _mm_min_epu8(_mm_and_si128(a, nibble), _mm_and_si128(b, nibble));
  const __m128i least_hi = _mm_min_epu8(_mm_and_si128(_mm_srli_epi16(a, 4), nibble),
                                        _mm_and_si128(_mm_srli_epi16(b, 4), nibble));
  const __m128i saturated =
      _mm_or_si128(_mm_cmpeq_epi8(least_lo, nibble), _mm_cmpeq_epi8(least_hi, nibble));
  if (_mm_movemask_epi8(saturated) != 0) return -1.0;
  const __m128i sums = _mm_sad_epu8(_mm_add_epi8(least_lo, least_hi), _mm_setzero_si128());
  common = static_cast<unsigned>(_mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4));
#else
  for (std::size_t k = 0; k < 32; ++k) {
    const unsigned ca = (hist_a[k / 8] >> (4 * (k % 8))) & 0xF,
                   cb = (hist_b[k / 8] >> (4 * (k % 8))) & 0xF;
    if (ca == 15 && cb == 15) return -1.0;
    common += std::min(ca, cb);
  }
#endif
  if (common == 0) return 0.0;
  const double m = common, la = size_a, lb = size_b;
  return (std::min(m, la) / la + std::min(m, lb) / lb + 1.0) / 3.0;
}

// Jaro-Winkler from a Jaro bound (packed_jaro_bound) and a common prefix of `prefix`
// letters (at most 4); above 1 when there is no bound.
double winkler_bound(double jaro, std::size_t prefix) {
  if (jaro < 0) return 1.0 + 1e-9;
  if (jaro == 0) return 0.0;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro) + 1e-9;
}

}  // namespace

double packed_jaro_winkler_bound(const std::uint32_t* hist_a, const std::uint32_t* hist_b,
                                 std::uint32_t size_a, std::uint32_t size_b) {
  return winkler_bound(packed_jaro_bound(hist_a, hist_b, size_a, size_b),
                       4);  // any order: the largest prefix
}

double jaro_winkler_bound(const FieldValue& a, const FieldValue& b, bool any_order) {
  const double jaro = packed_jaro_bound(a.hist.data(), b.hist.data(), a.text_size, b.text_size);
  std::size_t prefix = 4;
  if (!any_order) {
    const std::string_view ta = a.text(), tb = b.text();
    prefix = 0;
    while (prefix < 4 && prefix < ta.size() && prefix < tb.size() && ta[prefix] == tb[prefix])
      ++prefix;
  }
  return winkler_bound(jaro, prefix);
}

// ---- comparing ----------------------------------------------------------------

int compare_field(const CompiledField& f, const FieldValue& a, const FieldValue& b) {
  if (a.null || b.null) return 0;
  switch (f.spec.kind) {
    case CompareKind::kExact:
    case CompareKind::kSex:
      return a.h == b.h ? 1 : 2;
    case CompareKind::kId: {
      if (a.h == b.h) return 1;
      if (a.text_size != b.text_size) return 4;  // neither a substitution nor a transposition
      const std::string_view ta = a.text(), tb = b.text();
      if (one_substitution(ta, tb)) return 2;
      if (adjacent_transposition(ta, tb)) return 3;
      return 4;
    }
    case CompareKind::kNik: {
      if (a.h == b.h) return kNikExact;
      if ((a.h3 & b.h3 & kNikPacked) != 0) {
        return nik_level_packed(a.h2, b.h2, (a.h3 & b.h3 & kNikWellFormed) != 0,
                                (a.h3 & b.h3 & kNikDateAgrees) != 0,
                                (a.h3 & b.h3 & kNikRegionAgrees) != 0);
      }
      if (a.text().size() != b.text().size()) return kNikDifferent;
      if (one_substitution(a.text(), b.text())) return kNikSubstitution;
      if (adjacent_transposition(a.text(), b.text())) return kNikTransposition;
      return kNikDifferent;
    }
    case CompareKind::kName: {
      if (a.h == b.h) return 1;
      if (a.h2 == b.h2 || a.h3 == b.h3) return 2;
      // Token order does not change letter counts, so the bound covers both orders.
      double jw = 0;
      if (jaro_winkler_bound(a, b, true) >= f.thresholds[1]) {
        jw = jaro_winkler_soft(a.text(), b.text());
        if (jw < f.thresholds[0]) jw = std::max(jw, jaro_winkler_soft(a.text2(), b.text2()));
      }
      if (jw >= f.thresholds[0]) return 3;
      if (jw >= f.thresholds[1]) return 4;
      const std::size_t common = common_tokens(a.tokens(), b.tokens());
      if (common > 0 && (common == a.tokens().size() || common == b.tokens().size())) return 5;
      return 6;
    }
    case CompareKind::kString: {
      if (a.h == b.h) return 1;
      if (jaro_winkler_bound(a, b) < f.thresholds[2]) return 5;
      const double jw = jaro_winkler(a.text(), b.text());
      if (jw >= f.thresholds[0]) return 2;
      if (jw >= f.thresholds[1]) return 3;
      if (jw >= f.thresholds[2]) return 4;
      return 5;
    }
    case CompareKind::kDate:
      if (a.h == b.h) return 1;
      if (a.year != 0 && a.year == b.year && a.month == b.day && a.day == b.month) return 2;
      if (one_substitution(a.text(), b.text()) || adjacent_transposition(a.text(), b.text()))
        return 3;
      if (a.year != 0 && b.year != 0 && std::abs(a.days - b.days) <= 365) return 4;
      return 5;
    case CompareKind::kTokens: {
      if (a.h == b.h) return 1;
      if (a.h2 == b.h2) return 2;
      const std::size_t common = common_tokens(a.tokens(), b.tokens());
      const std::size_t all = a.tokens().size() + b.tokens().size() - common;
      if (all > 0 && static_cast<double>(common) >= f.thresholds[0] * static_cast<double>(all))
        return 3;
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

double LinkModel::tf_adjustment(std::size_t f, const FieldValue& a) const {
  return tf_adjustment_of(f, a.h);
}

double LinkModel::tf_adjustment_of(std::size_t f, std::uint64_t value_hash) const {
  if (!fields[f].spec.term_frequency || tf_totals[f] <= 0) return 0.0;
  const std::vector<double>& u = settings.fields[f].u;
  if (u.empty()) return 0.0;
  const auto it = tf_counts[f].find(value_hash);
  const double count =
      it == tf_counts[f].end() ? 1.0 : std::max(1.0, static_cast<double>(it->second));
  const double tf = count / tf_totals[f];
  // Common values lose what their frequency says; rare ones gain at most 2 bits.
  return std::min(std::log2(u[0] / tf), 2.0);
}

double LinkModel::weight(std::uint64_t pattern, const FieldValue* a) const {
  double w = prior_weight;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const int l = level_of(pattern, f);
    w += level_weight(f, l, pattern);
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
    w += level_weight_max(f, l);
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
    w += level_weight(f, l, pattern);
    if (l == 1 && fields[f].spec.term_frequency) w += 2.0;  // tf_adjustment is at most 2 bits
  }
  return w;
}

// One household (same non-empty household key) holds several persons; two of its records
// are two persons when their names have nothing in common, when their birth dates are
// far apart (a parent and a child of one name), when their NIKs differ in the serial
// alone (twins), or when their names are clearly different and their birth dates are not
// close. A NIK one typing error apart keeps the pair (the other rules do not apply).
bool LinkModel::household_apart(std::uint64_t ha, std::uint64_t hb, std::uint64_t pattern) const {
  if (household_name_field < 0 || household_date_field < 0) return false;
  const auto nf = static_cast<std::size_t>(household_name_field);
  const auto df = static_cast<std::size_t>(household_date_field);
  const int ln = level_of(pattern, nf), ld = level_of(pattern, df);
  // Whatever the household (a KK is often missing): NIKs equal but for the serial (same
  // region, birth date and sex) and names with nothing in common are two persons born on
  // one day in one district (twins, neighbours), not a damaged serial: a mistyped serial
  // leaves the name.
  if (nik_field >= 0 && ln != 0 && ln == fields[nf].levels &&
      level_of(pattern, static_cast<std::size_t>(nik_field)) == kNikSameBirth) {
    return true;
  }
  if (ha == 0 || ha != hb) return false;
  const CompareKind dk = fields[df].spec.kind, nk = fields[nf].spec.kind;
  const int name_worst = fields[nf].levels, date_worst = fields[df].levels;
  if (ln != 0 && ln == name_worst) return true;
  bool same_birth = false;
  for (int idf : household_id_fields) {
    const int li = level_of(pattern, static_cast<std::size_t>(idf));
    if (fields[static_cast<std::size_t>(idf)].spec.kind == CompareKind::kNik) {
      // Two edits apart is what siblings born close together in one district have: no
      // evidence either way here.
      if (li >= kNikExact && li <= kNikTransposition) return false;
      same_birth = same_birth || li == kNikSameBirth;
      continue;
    }
    if (li >= 1 && li <= 3) return false;
  }
  if (ld != 0 && ld == date_worst) return true;
  if (ln == 0) return false;
  const int name_close = nk == CompareKind::kName ? 3 : nk == CompareKind::kString ? 2 : 1;
  const int date_close = dk == CompareKind::kDate ? 3 : 1;
  if (ln <= name_close) return false;
  if (same_birth) return true;
  return ld == 0 || ld > date_close;
}

bool LinkModel::identity_conflict(const FieldValue* a, const FieldValue* b) const {
  if (nik_field < 0) return false;
  const auto nf = static_cast<std::size_t>(nik_field);
  if (compare_field(fields[nf], a[nf], b[nf]) != kNikContradicts) return false;
  return probability_of(weight(pattern(a, b), a)) < settings.threshold;
}

std::vector<std::string> LinkModel::check_model() const {
  std::vector<std::string> out;
  char buf[256];
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const CompareKind kind = fields[f].spec.kind;
    const int L = fields[f].levels;
    const double exact = weights[f][1];
    double worst = weights[f][static_cast<std::size_t>(L)];
    if (kind == CompareKind::kNik)
      worst = std::min(weights[f][kNikDifferent], weights[f][kNikContradicts]);
    // An identifier must say more than a name: exact at least 5 bits, different at most
    // -2 bits; any other field must at least point the right way.
    // (The household key is an id of the household, which persons leave: not held to it.)
    const bool identity =
        kind == CompareKind::kNik ||
        (kind == CompareKind::kId && fields[f].spec.column != settings.household_key);
    const double need_exact = identity ? 5.0 : 0.5, need_worst = identity ? -2.0 : 0.0;
    if (exact < need_exact || worst > need_worst) {
      std::snprintf(
          buf, sizeof buf,
          "model: field '%.64s' came out weak (exact %+.1f bits, worst level %+.1f bits; expected "
          "at least %+.1f and at most %+.1f): check its column and the blocking rules",
          fields[f].spec.name.c_str(), exact, worst, need_exact, need_worst);
      out.emplace_back(buf);
    }
  }
  if (nik_field >= 0) {
    const auto nf = static_cast<std::size_t>(nik_field);
    if (weights[nf][kNikContradicts] > -4.0) {
      std::snprintf(
          buf, sizeof buf,
          "model: contradicting NIKs weigh only %+.1f bits against a match (expected at most -4)",
          weights[nf][kNikContradicts]);
      out.emplace_back(buf);
    }
  }
  return out;
}

void LinkModel::compute_weights() {
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const LinkField& lf = settings.fields[f];
    weights[f].fill(0.0);
    for (std::size_t l = 0; l < static_cast<std::size_t>(fields[f].levels); ++l) {
      weights[f][l + 1] = std::log2(lf.m[l] / lf.u[l]);
    }
  }
  nik_same_date_weights =
      nik_field >= 0 ? weights[static_cast<std::size_t>(nik_field)] : std::array<double, 16>{};
  nik_near_date_weights = nik_same_date_weights;
  if (nik_field >= 0 && nik_date_field >= 0) {
    const LinkField& lf = settings.fields[static_cast<std::size_t>(nik_field)];
    if (lf.u_same_date.size() == lf.m.size()) {
      for (std::size_t l = 0; l < lf.m.size(); ++l)
        nik_same_date_weights[l + 1] = std::log2(lf.m[l] / lf.u_same_date[l]);
    }
    if (lf.u_near_date.size() == lf.m.size()) {
      for (std::size_t l = 0; l < lf.m.size(); ++l)
        nik_near_date_weights[l + 1] = std::log2(lf.m[l] / lf.u_near_date[l]);
    }
  }
  if (settings.prior > 0) prior_weight = std::log2(settings.prior / (1 - settings.prior));
  // Cheap comparisons first (hash and digit tests), Jaro-Winkler kinds last.
  auto cost = [](CompareKind k) {
    switch (k) {
      case CompareKind::kExact:
      case CompareKind::kSex:
      case CompareKind::kRtRw:
        return 0;
      case CompareKind::kId:
      case CompareKind::kNik:
      case CompareKind::kDate:
        return 1;
      case CompareKind::kTokens:
        return 2;
      case CompareKind::kName:
      case CompareKind::kString:
        return 3;
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
      best = std::max(best, level_weight_max(f, static_cast<int>(l)) +
                                (l == 1 && fields[f].spec.term_frequency ? 2.0 : 0.0));
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
      fe.weight = level_weight(f, l, p);
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
    throw Error(ErrorCode::kNotFound,
                "explain: record index out of range (have " + std::to_string(size()) + " records)");
  }
  if (i > j) std::swap(i, j);
  const std::size_t F = fields.size();
  return explain_values(&values[i * F], &values[j * F], household[i], household[j]);
}

}  // namespace smartkampung::detail
