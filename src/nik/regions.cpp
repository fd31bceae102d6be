#include "nik/regions.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smartkampung::detail {

extern const char skamp_regions_csv[];
extern const std::size_t skamp_regions_csv_size;

namespace {

// The 38 provinces (Kepmendagri 100.1.1-6117/2022). Codes 91 and 94 were printed on
// NIKs before 2022 as Papua Barat and Papua; they stay valid, under their current names.
struct Province {
  int code;
  const char* name;
};
constexpr Province kProvinces[] = {
    {11, "Aceh"},
    {12, "Sumatera Utara"},
    {13, "Sumatera Barat"},
    {14, "Riau"},
    {15, "Jambi"},
    {16, "Sumatera Selatan"},
    {17, "Bengkulu"},
    {18, "Lampung"},
    {19, "Kepulauan Bangka Belitung"},
    {21, "Kepulauan Riau"},
    {31, "DKI Jakarta"},
    {32, "Jawa Barat"},
    {33, "Jawa Tengah"},
    {34, "DI Yogyakarta"},
    {35, "Jawa Timur"},
    {36, "Banten"},
    {51, "Bali"},
    {52, "Nusa Tenggara Barat"},
    {53, "Nusa Tenggara Timur"},
    {61, "Kalimantan Barat"},
    {62, "Kalimantan Tengah"},
    {63, "Kalimantan Selatan"},
    {64, "Kalimantan Timur"},
    {65, "Kalimantan Utara"},
    {71, "Sulawesi Utara"},
    {72, "Sulawesi Tengah"},
    {73, "Sulawesi Selatan"},
    {74, "Sulawesi Tenggara"},
    {75, "Gorontalo"},
    {76, "Sulawesi Barat"},
    {81, "Maluku"},
    {82, "Maluku Utara"},
    {91, "Papua"},
    {92, "Papua Barat"},
    {93, "Papua Selatan"},
    {94, "Papua Tengah"},
    {95, "Papua Pegunungan"},
    {96, "Papua Barat Daya"},
};

struct ProvinceTable {
  bool known[100] = {};
  const char* names[100] = {};
  constexpr ProvinceTable() {
    for (const auto& p : kProvinces) {
      known[p.code] = true;
      names[p.code] = p.name;
    }
  }
};
constexpr ProvinceTable kProvinceTable{};

// Regency and district names, parsed once from the embedded CSV: code,name lines,
// '#' comments and a header line. Sorted by (digits, code) for binary search.
struct Entry {
  int digits;
  int code;
  std::string name;
  bool operator<(const Entry& o) const noexcept {
    return std::pair(digits, code) < std::pair(o.digits, o.code);
  }
};

std::vector<Entry> parse_embedded() {
  std::vector<Entry> entries;
  std::string_view text(skamp_regions_csv, skamp_regions_csv_size);
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t comma = line.find(',');
    if (comma == std::string_view::npos) continue;
    std::string_view code = line.substr(0, comma);
    if (code.empty() || code.size() > 6 ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;  // the header line
    }
    int value = 0;
    for (char c : code) value = value * 10 + (c - '0');
    entries.push_back({static_cast<int>(code.size()), value, std::string(line.substr(comma + 1))});
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = parse_embedded();  // thread-safe init
  return entries;
}

}  // namespace

bool is_province_code(int code) noexcept {
  return code >= 0 && code < 100 && kProvinceTable.known[code];
}

std::string_view region_name(int code, int digits) noexcept {
  if (digits == 2) {
    return is_province_code(code) ? std::string_view(kProvinceTable.names[code])
                                  : std::string_view();
  }
  const auto& entries = table();
  const Entry key{digits, code, {}};
  auto it = std::lower_bound(entries.begin(), entries.end(), key);
  if (it != entries.end() && it->digits == digits && it->code == code) return it->name;
  return {};
}

}  // namespace smartkampung::detail
