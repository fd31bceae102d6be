// What a NIK says about its record beyond its digits: the birth date and sex it encodes
// (filling them where the record has none), whether it agrees with the record's own birth
// date, and whether its region is the one learned for the record's place.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "linkage/engine.hpp"
#include "linkage/text.hpp"

namespace smartkampung::detail {

namespace {

// The two-digit years of NIKs: at most this many years ago (from the current year).
int nik_century_pivot() {
  static const int pivot = [] {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    return (tm.tm_year + 1900) % 100;
  }();
  return pivot;
}

}  // namespace

void LinkModel::fill_from_nik(const FieldValue& nik, std::size_t f, FieldValue& v,
                              ValueArena& arena) const {
  if (!v.null || (nik.h3 & kNikWellFormed) == 0) return;
  const std::string_view digits = nik.text();
  const auto two = [&](std::size_t at) { return (digits[at] - '0') * 10 + (digits[at + 1] - '0'); };
  const int day = two(6), month = two(8), yy = two(10);
  const bool female = day > 40;
  if (fields[f].spec.kind == CompareKind::kDate) {
    const int year = yy <= nik_century_pivot() ? 2000 + yy : 1900 + yy;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", year, month, female ? day - 40 : day);
    std::string text;
    if (parse_date(buf, v, text)) {
      v.null = false;
      v.h = hash_text(text);
      v.set_text(arena, text);
    }
  } else {
    const std::string_view text = female ? "f" : "m";
    v.null = false;
    v.h = hash_text(text);
    v.set_text(arena, text);
  }
}

void LinkModel::mark_nik_date(FieldValue& nik, const FieldValue& date) const {
  if (nik.null || (nik.h3 & kNikWellFormed) == 0 || date.null || date.year == 0) return;
  const std::string_view digits = nik.text();
  const auto two = [&](std::size_t at) { return (digits[at] - '0') * 10 + (digits[at + 1] - '0'); };
  const int day = two(6) > 40 ? two(6) - 40 : two(6);
  if (day == date.day && two(8) == date.month && two(10) == date.year % 100)
    nik.h3 |= kNikDateAgrees;
}

void LinkModel::mark_nik_place(FieldValue& nik, const FieldValue& place) const {
  if (nik.null || (nik.h3 & kNikWellFormed) == 0 || place.null) return;
  const auto it = nik_place_region.find(place.h);
  if (it != nik_place_region.end() && (nik.h2 & 0xFFFFFFULL) == it->second)
    nik.h3 |= kNikRegionAgrees;
}

void LinkModel::learn_nik_places() {
  if (nik_field < 0 || nik_place_field < 0 || !nik_place_region.empty()) return;
  const std::size_t F = field_count(), n = size();
  const auto nf = static_cast<std::size_t>(nik_field);
  const auto pf = static_cast<std::size_t>(nik_place_field);
  struct Place {
    std::string_view text;  // a value's text (the arena outlives this call)
    std::unordered_map<std::uint64_t, std::uint32_t> regions;
    std::uint32_t total = 0;
  };
  std::unordered_map<std::uint64_t, Place> places;
  for (std::size_t i = 0; i < n; ++i) {
    const FieldValue& nik = values[i * F + nf];
    const FieldValue& place = values[i * F + pf];
    if (nik.null || (nik.h3 & kNikWellFormed) == 0 || place.null) continue;
    Place& p = places[place.h];
    if (p.total == 0) p.text = place.text();
    ++p.regions[nik.h2 & 0xFFFFFFULL];
    ++p.total;
  }
  std::vector<std::pair<std::string, std::string>> learned;
  for (const auto& [hash, p] : places) {
    if (p.total < 5) continue;
    for (const auto& [region, count] : p.regions) {
      if (2 * static_cast<std::uint64_t>(count) <= p.total) continue;  // a strict majority
      nik_place_region[hash] = region;
      std::string digits(6, '0');
      for (int k = 0; k < 6; ++k)
        digits[static_cast<std::size_t>(k)] = static_cast<char>('0' + ((region >> (4 * k)) & 0xF));
      learned.emplace_back(std::string(p.text), std::move(digits));
    }
  }
  std::sort(learned.begin(), learned.end());  // the same settings whatever the hash order
  settings.nik_place_regions = std::move(learned);
  for (std::size_t i = 0; i < n; ++i) mark_nik_place(values[i * F + nf], values[i * F + pf]);
}

bool LinkModel::filled_from_nik(std::size_t f) const {
  const auto is = [&](const std::vector<int>& list) {
    return std::find(list.begin(), list.end(), static_cast<int>(f)) != list.end();
  };
  return is(nik_date_fields) || is(nik_sex_fields);
}

}  // namespace smartkampung::detail
