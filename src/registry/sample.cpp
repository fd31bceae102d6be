// Synthetic Banyuwangi population and programme lists. Names are drawn from common
// Indonesian (Javanese, Osing, Madurese) given names; nothing here is a real person.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <smartkampung/sample.hpp>

#include "registry/internal.hpp"

namespace smartkampung {

namespace {

const char* const kMale[] = {"Ahmad",    "Muhammad", "Moch.", "Budi",  "Joko",    "Djoko",
                             "Slamet",   "Sholeh",   "Soleh", "Agus",  "Bambang", "Hadi",
                             "Imam",     "Rudi",     "Eko",   "Dwi",   "Sugeng",  "Suparman",
                             "Sutrisno", "Wahyu",    "Yusuf", "Abdul", "Hasan",   "Samsul",
                             "Nur",      "Arif",     "Fajar", "Rizky", "Dimas",   "Teguh"};
const char* const kFemale[] = {
    "Siti", "Sri",  "Nur",   "Dewi",   "Sumiati", "Suminah", "Ani",      "Rina",   "Lestari",
    "Wati", "Yuli", "Fitri", "Aminah", "Aisyah",  "Kartini", "Endang",   "Ratna",  "Indah",
    "Puji", "Umi",  "Tri",   "Eka",    "Lia",     "Nurul",   "Sulastri", "Marsini"};
const char* const kFamily[] = {"Santoso",   "Wijaya",  "Hidayat",  "Susanto", "Setiawan",
                               "Prasetyo",  "Saputra", "Purnomo",  "Rahayu",  "Handayani",
                               "Kurniawan", "Hartono", "Haryanto", "Wibowo",  "Suryadi",
                               "Ismail",    "Rahman",  "Hakim",    "Syafii",  "Maulana"};
const char* const kVillage[] = {"Sumberagung",    "Kandangan",     "Sarongan",   "Kebondalem",
                                "Tembokrejo",     "Blambangan",    "Kedungrejo", "Sumbersari",
                                "Kalibaru Wetan", "Tamansari",     "Olehsari",   "Kemiren",
                                "Jambesari",      "Genteng Kulon", "Gitik",      "Rogojampi",
                                "Bomo",           "Singojuruh",    "Licin",      "Sempu"};
const char* const kStreet[] = {"Jl. Raya",    "Jl. Mawar",   "Jl. Melati",     "Dusun Krajan",
                               "Dusun Kidul", "Jl. Kenanga", "Jl. Diponegoro", "Jl. Ahmad Yani"};

// Spelling variants a clerk may type for the same name.
std::string name_variant(const std::string& name, std::mt19937_64& rng) {
  static const std::pair<const char*, const char*> kPairs[] = {
      {"Muhammad", "Moch."}, {"Moch.", "Muhammad"}, {"Sholeh", "Soleh"}, {"Soleh", "Sholeh"},
      {"Djoko", "Joko"},     {"Joko", "Djoko"},     {"Nur", "Nurul"},    {"Siti", "St."},
      {"Ahmad", "Achmad"},   {"Yusuf", "Yusup"}};
  for (const auto& [from, to] : kPairs) {
    const auto at = name.find(from);
    if (at != std::string::npos)
      return name.substr(0, at) + to + name.substr(at + std::strlen(from));
  }
  // Otherwise: upper case, or a doubled space (still the same person).
  std::string out = name;
  if (rng() % 2) {
    for (char& c : out) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  } else {
    const auto sp = out.find(' ');
    if (sp != std::string::npos) out.insert(sp, " ");
  }
  return out;
}

template <std::size_t N>
const char* pick(const char* const (&list)[N], std::mt19937_64& rng) {
  return list[rng() % N];
}

std::string two(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

std::string date_text(std::int32_t days, int style) {
  int y, m, d;
  civil_from_days(days, y, m, d);
  char b[16];
  if (style == 0)
    std::snprintf(b, sizeof b, "%04d-%02d-%02d", y, m, d);
  else if (style == 1)
    std::snprintf(b, sizeof b, "%02d-%02d-%04d", d, m, y);
  else
    std::snprintf(b, sizeof b, "%02d/%02d/%04d", d, m, y);
  return b;
}

}  // namespace

const std::vector<std::pair<std::string, ProgramLevel>>& sample_programs() {
  static const std::vector<std::pair<std::string, ProgramLevel>> programs = {
      {"PKH", ProgramLevel::kCentral},          {"BPNT", ProgramLevel::kCentral},
      {"BST", ProgramLevel::kCentral},          {"BLT_DD", ProgramLevel::kCentral},
      {"JATIM_BKK", ProgramLevel::kProvincial}, {"SEMBAKO_BWI", ProgramLevel::kRegency},
      {"GIZI_BUMIL", ProgramLevel::kRegency},   {"DONASI_ASN", ProgramLevel::kRegency}};
  return programs;
}

SamplePopulation sample_banyuwangi(std::size_t n_persons, std::uint64_t seed) {
  if (n_persons > 50'000'000) throw Error(ErrorCode::kLimit, "sample: at most 50 million persons");
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 12345);
  SamplePopulation s;
  const std::int32_t first_day = days_from_civil(1935, 1, 1);
  const std::int32_t last_day = days_from_civil(2019, 12, 31);
  const std::size_t span = static_cast<std::size_t>(last_day - first_day + 1);
  // Serial counters per (district, birth day, sex): NIKs stay unique.
  std::vector<std::uint16_t> serials(25 * span * 2, 0);
  std::vector<std::uint16_t> kk_serials(25, 0);
  std::vector<std::uint32_t> kk_high(25, 0);
  const auto reserve = n_persons + 8;
  s.nik.reserve(reserve);
  s.kk.reserve(reserve);
  s.name.reserve(reserve);
  auto add_person = [&](int district, std::int32_t birth, bool female, std::uint64_t kk,
                        std::string name, const std::string& village, std::uint16_t rt,
                        std::uint16_t rw, std::uint8_t relation) {
    if (birth < first_day) birth = first_day;
    if (birth > last_day) birth = last_day;
    std::size_t slot = (static_cast<std::size_t>(district - 1) * span +
                        static_cast<std::size_t>(birth - first_day)) *
                           2 +
                       (female ? 1 : 0);
    while (serials[slot] >= 9999) {  // that day is full: the next day
      birth = birth < last_day ? birth + 1 : first_day;
      slot = (static_cast<std::size_t>(district - 1) * span +
              static_cast<std::size_t>(birth - first_day)) *
                 2 +
             (female ? 1 : 0);
    }
    const int serial = ++serials[slot];
    int y, m, d;
    civil_from_days(birth, y, m, d);
    const std::uint64_t nik =
        ((3510ULL * 100 + static_cast<std::uint64_t>(district)) * 1000000 +
         static_cast<std::uint64_t>((female ? d + 40 : d) * 10000 + m * 100 + y % 100)) *
            10000 +
        static_cast<std::uint64_t>(serial);
    s.nik.push_back(nik);
    s.kk.push_back(kk);
    s.name.push_back(std::move(name));
    s.birth.push_back(birth);
    s.sex.push_back(female ? 'F' : 'M');
    s.district.push_back(static_cast<std::uint8_t>(district));
    s.village.push_back(village);
    s.rt.push_back(rt);
    s.rw.push_back(rw);
    s.relation.push_back(relation);
  };
  const std::int32_t ref = days_from_civil(2020, 5, 1);
  std::vector<std::size_t> heads;
  while (s.nik.size() < n_persons) {
    const int district = 1 + static_cast<int>(rng() % 25);
    const std::string village = kVillage[(static_cast<std::size_t>(district) * 7 + rng() % 9) % 20];
    const auto rt = static_cast<std::uint16_t>(1 + rng() % 12);
    const auto rw = static_cast<std::uint16_t>(1 + rng() % 6);
    // KK: region + issue date + serial (unique per district).
    auto& ks = kk_serials[static_cast<std::size_t>(district - 1)];
    auto& kh = kk_high[static_cast<std::size_t>(district - 1)];
    if (++ks > 9999) {
      ks = 1;
      ++kh;
    }
    const std::int32_t issue = days_from_civil(2005, 1, 1) + static_cast<std::int32_t>(kh % 5000);
    int iy, im, id;
    civil_from_days(issue, iy, im, id);
    const std::uint64_t kk = ((3510ULL * 100 + static_cast<std::uint64_t>(district)) * 1000000 +
                              static_cast<std::uint64_t>(id * 10000 + im * 100 + iy % 100)) *
                                 10000 +
                             ks;
    const std::string family = pick(kFamily, rng);
    const bool use_family = rng() % 3 != 0;
    const std::int32_t head_birth =
        ref - static_cast<std::int32_t>((25 + rng() % 45) * 365 + rng() % 365);
    heads.push_back(s.nik.size());
    add_person(district, head_birth, false, kk,
               std::string(pick(kMale, rng)) + (use_family ? " " + family : ""), village, rt, rw,
               0);
    if (s.nik.size() >= n_persons) break;
    if (rng() % 10 < 8) {
      add_person(district, head_birth + static_cast<std::int32_t>(rng() % 2000) - 700, true, kk,
                 std::string(pick(kFemale, rng)) + " " + pick(kFemale, rng), village, rt, rw, 1);
    }
    const int children = static_cast<int>(rng() % 4);
    for (int c = 0; c < children && s.nik.size() < n_persons; ++c) {
      const bool female = rng() % 2;
      const std::int32_t birth =
          head_birth + static_cast<std::int32_t>((20 + rng() % 20) * 365 + rng() % 365);
      if (birth > ref) continue;
      add_person(district, birth, female, kk,
                 std::string(female ? pick(kFemale, rng) : pick(kMale, rng)) +
                     (use_family ? " " + family : ""),
                 village, rt, rw, 2);
    }
  }
  // Programme lists: mostly heads of household, with realistic shares and overlaps.
  struct Share {
    const char* program;
    double share;
    int who;  // 0 heads, 1 women 18..45, 2 anyone adult
  };
  const Share shares[] = {{"PKH", 0.10, 0},        {"BPNT", 0.15, 0},      {"BST", 0.10, 0},
                          {"BLT_DD", 0.08, 0},     {"JATIM_BKK", 0.05, 0}, {"SEMBAKO_BWI", 0.11, 0},
                          {"GIZI_BUMIL", 0.02, 1}, {"DONASI_ASN", 0.03, 2}};
  auto& r = s.records;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  // Poorer households are more likely in every list: a shared score makes overlaps.
  std::vector<float> poverty(s.nik.size());
  for (auto& p : poverty) p = static_cast<float>(unit(rng));
  auto emit = [&](const char* program, ProgramLevel level, std::size_t person, int style) {
    std::string damage;
    std::string nik = nik_digits(s.nik[person]);
    std::string name = s.name[person];
    std::int32_t birth = s.birth[person];
    const double roll = unit(rng);
    if (roll < 0.010) {
      damage = "name_variant";
      name = name_variant(name, rng);
    } else if (roll < 0.015) {
      damage = "conflict";
      birth += 1 + static_cast<std::int32_t>(rng() % 400);
    } else if (roll < 0.025) {
      damage = "apostrophe";
      nik = "'" + nik;
    } else if (roll < 0.030) {
      damage = "dot_zero";
      nik += ".0";
    } else if (roll < 0.034) {
      damage = "scientific";
      char b[32];
      std::snprintf(b, sizeof b, "%.5E", static_cast<double>(s.nik[person]));
      nik = b;
    } else if (roll < 0.039) {
      damage = "missing_nik";
      nik.clear();
    } else if (roll < 0.044) {
      damage = "mistyped_nik";
      const std::size_t at = 12 + rng() % 4;  // a serial digit: usually still a valid NIK
      nik[at] = static_cast<char>('0' + (nik[at] - '0' + 1 + static_cast<int>(rng() % 9)) % 10);
    }
    r.program.emplace_back(program);
    r.level.emplace_back(program_level_name(level));
    r.nik.push_back(std::move(nik));
    r.kk.push_back(rng() % 20 == 0 ? std::string() : nik_digits(s.kk[person]));
    r.name.push_back(std::move(name));
    r.birth_date.push_back(rng() % 25 == 0 ? std::string() : date_text(birth, style % 3));
    r.sex.emplace_back(style % 2 == 0 ? (s.sex[person] == 'F' ? "P" : "L")
                                      : (s.sex[person] == 'F' ? "PEREMPUAN" : "LAKI-LAKI"));
    r.address.push_back(std::string(kStreet[person % 8]) + " No. " +
                        std::to_string(1 + person % 97));
    r.village.push_back(s.village[person]);
    r.district.push_back(region_name("3510" + two(s.district[person])));
    r.rt.push_back(style % 2 == 0 ? two(s.rt[person]).insert(0, "0")
                                  : std::to_string(s.rt[person]));
    r.rw.push_back(style % 2 == 0 ? two(s.rw[person]).insert(0, "0")
                                  : std::to_string(s.rw[person]));
    r.person.push_back(static_cast<std::int64_t>(person));
    r.damage.push_back(std::move(damage));
  };
  int style = 0;
  for (const auto& share : shares) {
    const auto level =
        std::find_if(sample_programs().begin(), sample_programs().end(), [&](const auto& p) {
          return p.first == share.program;
        })->second;
    for (std::size_t p = 0; p < s.nik.size(); ++p) {
      const std::size_t head = p;  // poverty is shared by the household through its head's score
      bool eligible = false;
      if (share.who == 0)
        eligible = s.relation[p] == 0;
      else if (share.who == 1) {
        const int age = age_in_years(Date(s.birth[p]), Date(ref));
        eligible = s.sex[p] == 'F' && age >= 18 && age <= 45;
      } else {
        eligible = age_in_years(Date(s.birth[p]), Date(ref)) >= 18;
      }
      if (!eligible) continue;
      const double chance = share.share * 2.0 * (0.25 + 0.75 * poverty[head]) / 0.625 * 0.5;
      if (unit(rng) >= chance) continue;
      emit(share.program, level, p, style);
      if (unit(rng) < 0.01) {  // listed twice in the same programme
        emit(share.program, level, p, style);
        r.damage.back() = r.damage.back().empty() ? "duplicate" : r.damage.back();
      }
    }
    ++style;
  }
  return s;
}

std::vector<std::string> write_sample_csv(const SamplePopulation& sample,
                                          const std::string& folder) {
  const std::string dir = folder.empty() || folder.back() == '/' ? folder : folder + "/";
  const auto& r = sample.records;
  std::vector<std::string> paths;
  int style = 0;
  for (const auto& [program, level] : sample_programs()) {
    const char delim = style % 2 == 0 ? ';' : ',';
    const char* eol = style % 2 == 0 ? "\r\n" : "\n";
    std::string out =
        style % 2 == 0 ? "NIK;NO_KK;NAMA;TGL_LAHIR;JK;ALAMAT;DESA;KECAMATAN;RT;RW"
                       : "nik,kk,nama,tanggal_lahir,jenis_kelamin,alamat,kelurahan,kecamatan,rt,rw";
    out += eol;
    for (std::size_t i = 0; i < r.program.size(); ++i) {
      if (r.program[i] != program) continue;
      const std::string* fields[] = {&r.nik[i], &r.kk[i],      &r.name[i],    &r.birth_date[i],
                                     &r.sex[i], &r.address[i], &r.village[i], &r.district[i],
                                     &r.rt[i],  &r.rw[i]};
      for (std::size_t k = 0; k < 10; ++k) {
        if (k) out.push_back(delim);
        out += csv_escape(*fields[k], delim);
      }
      out += eol;
    }
    const std::string path = dir + program + ".csv";
    write_file_atomic(path, out);
    paths.push_back(path);
    ++style;
  }
  return paths;
}

}  // namespace smartkampung
