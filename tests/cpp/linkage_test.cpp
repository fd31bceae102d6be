#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <smartkampung/linkage.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "linkage/engine.hpp"
#include "linkage/key_index.hpp"
#include "linkage/text.hpp"

namespace sk = smartkampung;
using sk::CompareKind;

namespace {

// The level name a kind reaches on two raw values (column "v", RW in "w").
std::string level(CompareKind kind, const std::string& a, const std::string& b,
                  const std::string& a2 = "", const std::string& b2 = "") {
  sk::LinkSettings s;
  sk::LinkField f;
  f.name = f.column = "v";
  f.column2 = "w";
  f.kind = kind;
  s.fields = {f};
  s.blocking.clear();
  const sk::detail::LinkModel model(s);
  sk::LinkRecord ra, rb;
  ra.set("v", a);
  rb.set("v", b);
  ra.set("w", a2);
  rb.set("w", b2);
  sk::detail::FieldValue va, vb;
  sk::detail::ValueArena arena;
  std::uint64_t h = 0;
  model.prepare(ra, &va, nullptr, h, arena);
  model.prepare(rb, &vb, nullptr, h, arena);
  const int l = sk::detail::compare_field(model.fields[0], va, vb);
  return l == 0 ? "null" : sk::compare_level_names(kind)[static_cast<std::size_t>(l - 1)];
}

// Settings for registry records with m, u and prior given by hand: no training, so
// that small examples are deterministic.
sk::LinkSettings hand_settings() {
  sk::LinkSettings s = sk::LinkSettings::indonesian();
  auto set = [&](const char* name, std::vector<double> m, std::vector<double> u) {
    for (auto& f : s.fields) {
      if (f.name == name) {
        f.m = std::move(m);
        f.u = std::move(u);
      }
    }
  };
  // nik: exact, one_substitution, transposition, two_edits, same_birth, different, contradicts
  set("nik", {0.80, 0.06, 0.04, 0.03, 0.01, 0.059, 0.001},
      {1e-6, 1e-5, 1e-6, 1e-4, 1e-5, 0.98, 0.019882});
  set("name", {0.6, 0.15, 0.12, 0.06, 0.04, 0.03}, {0.001, 0.002, 0.003, 0.02, 0.01, 0.964});
  set("birth_date", {0.85, 0.03, 0.05, 0.03, 0.04}, {0.0002, 0.00001, 0.002, 0.02, 0.97779});
  set("sex", {0.97, 0.03}, {0.5, 0.5});
  set("kk", {0.8, 0.02, 0.02, 0.16}, {0.0005, 0.0001, 0.0001, 0.9993});
  set("village", {0.85, 0.05, 0.03, 0.02, 0.05}, {0.01, 0.005, 0.01, 0.05, 0.925});
  set("rt_rw", {0.8, 0.1, 0.1}, {0.01, 0.1, 0.89});
  set("address", {0.5, 0.1, 0.2, 0.1, 0.1}, {0.001, 0.001, 0.01, 0.1, 0.888});
  s.prior = 0.01;
  s.threshold = 0.9;
  return s;
}

sk::LinkRecord person(std::string nik, std::string name, std::string born, std::string sex,
                      std::string kk = "", std::string village = "Kemiren") {
  sk::LinkRecord r;
  r.nik = std::move(nik);
  r.name = std::move(name);
  r.birth_date = std::move(born);
  r.sex = std::move(sex);
  r.kk = std::move(kk);
  r.village = std::move(village);
  r.district = "Glagah";
  r.rt = "002";
  r.rw = "001";
  return r;
}

// A CSV in FEBRL's shape: the entity of each row and the records.
std::vector<sk::LinkRecord> read_febrl(const std::string& path, std::vector<std::string>& entity) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  auto split = [](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      if (!cell.empty() && cell[0] == ' ') cell.erase(0, 1);
      out.push_back(cell);
    }
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
  };
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::vector<sk::LinkRecord> out;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const auto cells = split(line);
    sk::LinkRecord r;
    for (std::size_t k = 1; k < header.size(); ++k)
      r.set(header[k], k < cells.size() ? cells[k] : "");
    const std::string& id = cells[0];
    const std::size_t a = id.find('-'), b = id.find('-', a + 1);
    entity.push_back(id.substr(a + 1, b - a - 1));
    out.push_back(std::move(r));
  }
  return out;
}

struct Quality {
  double precision, recall, f1;
};

// Pairwise quality counted from clusters (all pairs within a cluster).
Quality cluster_quality(const std::vector<std::int64_t>& ids,
                        const std::vector<std::string>& entity, std::size_t left_size) {
  const bool cross = left_size < ids.size();
  auto counts = [&](const auto& groups) {
    double n = 0;
    for (const auto& kv : groups) {
      const auto& v = kv.second;
      for (std::size_t x = 0; x < v.size(); ++x) {
        for (std::size_t y = x + 1; y < v.size(); ++y) {
          if (!cross || ((v[x] < left_size) != (v[y] < left_size))) n += 1;
        }
      }
    }
    return n;
  };
  std::map<std::string, std::vector<std::size_t>> truth;
  std::map<std::int64_t, std::vector<std::size_t>> found;
  std::map<std::pair<std::int64_t, std::string>, std::vector<std::size_t>> both;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    truth[entity[i]].push_back(i);
    found[ids[i]].push_back(i);
    both[{ids[i], entity[i]}].push_back(i);
  }
  const double t = counts(truth), p = counts(found), tp = counts(both);
  const double precision = p > 0 ? tp / p : 0, recall = t > 0 ? tp / t : 0;
  return {precision, recall,
          precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0};
}

// Lists in FEBRL's shape made by tests/data/febrl_style/make.py (the real FEBRL files are
// for the benchmarks; the tests use only what is in the repository).
std::string febrl_dir() { return std::string(SKAMP_SOURCE_DIR) + "/tests/data/febrl_style"; }

sk::LinkSettings febrl_settings() {
  std::ifstream in(std::string(SKAMP_SOURCE_DIR) + "/bench/febrl_settings.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return sk::LinkSettings::from_json(ss.str());
}

}  // namespace

TEST(LinkageNormalize, IssueExamples) {
  EXPECT_EQ(sk::normalize_name("MOCH. Sholeh"), sk::normalize_name("Muhammad Sholeh"));
  EXPECT_EQ(sk::normalize_name("H. Djoko  Santoso"), sk::normalize_name("joko santoso"));
  EXPECT_EQ(sk::normalize_name("H. Djoko  Santoso"), "joko santoso");
}

TEST(LinkageNormalize, TitlesVariantsAndOldSpelling) {
  EXPECT_EQ(sk::normalize_name("Hj. Siti Aminah, S.Pd."), "siti aminah");
  EXPECT_EQ(sk::normalize_name("Drs. H. Bambang Sutejo, M.M."), "bambang sutejo");
  EXPECT_EQ(sk::normalize_name("Ir. Soekarno"), "sukarno");
  EXPECT_EQ(sk::normalize_name("TJAHJONO"), "cahjono");
  EXPECT_EQ(sk::normalize_name("Sjahrir"), "syahrir");
  EXPECT_EQ(sk::normalize_name("Njoman"), "nyoman");
  EXPECT_EQ(sk::normalize_name("Choirul Anam"), "khoirul anam");
  for (const char* m :
       {"Mohammad", "Muhamad", "Moch.", "Moh.", "Mochamad", "M.", "Mochammad", "Muh"}) {
    EXPECT_EQ(sk::normalize_name(std::string(m) + " Rizki"), "muhammad rizki") << m;
  }
  EXPECT_EQ(sk::normalize_name("Achmad Dahlan"), "ahmad dahlan");
  EXPECT_EQ(sk::normalize_name("Ma'ruf"), "maruf");
  EXPECT_EQ(sk::normalize_name("H.Djoko"), "joko");
  // Single names and a name that is only a title stay.
  EXPECT_EQ(sk::normalize_name("Sutinah"), "sutinah");
  EXPECT_EQ(sk::normalize_name("Haji"), "haji");
  EXPECT_EQ(sk::normalize_name(""), "");
  EXPECT_EQ(sk::normalize_name("  ,.- "), "");
  // j/y is a soft similarity, not a rewrite.
  EXPECT_NE(sk::normalize_name("Yusuf"), sk::normalize_name("Jusuf"));
  EXPECT_EQ(sk::name_phonetic_key("Yusuf"), sk::name_phonetic_key("Jusuf"));
  EXPECT_EQ(sk::name_phonetic_key("Sugiyanto"), sk::name_phonetic_key("Sugianto"));
  EXPECT_EQ(sk::name_phonetic_key("Khoirul"), sk::name_phonetic_key("Choirul"));
}

TEST(LinkageText, JaroWinklerKnownValues) {
  EXPECT_NEAR(sk::jaro_winkler("martha", "marhta"), 0.9611, 1e-4);
  EXPECT_NEAR(sk::jaro_winkler("dwayne", "duane"), 0.84, 1e-4);
  EXPECT_NEAR(sk::jaro_winkler("dixon", "dicksonx"), 0.8133, 1e-4);
  EXPECT_EQ(sk::jaro_winkler("", ""), 1.0);
  EXPECT_EQ(sk::jaro_winkler("abc", ""), 0.0);
  EXPECT_EQ(sk::jaro_winkler("abc", "abc"), 1.0);
  EXPECT_NEAR(sk::detail::jaro_winkler_soft("yusuf", "jusuf"), 1.0, 1e-12);
  // Long strings (the bit-parallel path stops at 64 characters) agree with symmetry.
  const std::string a(100, 'a'), b = std::string(99, 'a') + "b";
  EXPECT_NEAR(sk::jaro_winkler(a, b), sk::jaro_winkler(b, a), 1e-12);
  EXPECT_GT(sk::jaro_winkler(a, b), 0.98);
}

TEST(LinkageLevels, Nik) {
  EXPECT_EQ(level(CompareKind::kId, "3510014501900001", "3510014501900001"), "exact");
  EXPECT_EQ(level(CompareKind::kId, "3510014501900001", "3510014501900007"), "one_substitution");
  EXPECT_EQ(level(CompareKind::kId, "3510014501900001", "3510014510900001"), "transposition");
  EXPECT_EQ(level(CompareKind::kId, "3510014501900001", "3510999999999999"), "different");
  EXPECT_EQ(level(CompareKind::kId, "", "3510014501900001"), "null");
  EXPECT_EQ(level(CompareKind::kId, "3510 0145 0190 0001", "3510014501900001"), "exact");
}

TEST(LinkageLevels, Name) {
  EXPECT_EQ(level(CompareKind::kName, "MOCH. Sholeh", "Muhammad Sholeh"), "exact");
  EXPECT_EQ(level(CompareKind::kName, "Muhammad Soleh", "Muhammad Sholeh"), "phonetic");
  EXPECT_EQ(level(CompareKind::kName, "Santoso Budi", "Budi Santoso"), "phonetic");
  EXPECT_EQ(level(CompareKind::kName, "Budi Santosa", "Budi Santoso"), "phonetic");
  EXPECT_EQ(level(CompareKind::kName, "Sri Wahyuningsih", "Sri Wahyuninsih"), "jw_high");
  EXPECT_EQ(level(CompareKind::kName, "Suparmi", "Suparman"), "jw_mid");
  EXPECT_EQ(level(CompareKind::kName, "Sholeh", "Muhammad Sholeh Hidayatullah"), "subset");
  EXPECT_EQ(level(CompareKind::kName, "Budi Santoso", "Wahyu Lestari"), "different");
  EXPECT_EQ(level(CompareKind::kName, "", "Wahyu Lestari"), "null");
}

TEST(LinkageLevels, DateSexKkVillageRtRw) {
  EXPECT_EQ(level(CompareKind::kDate, "1990-01-05", "05-01-1990"), "exact");
  EXPECT_EQ(level(CompareKind::kDate, "1990-01-05", "1990-05-01"), "day_month_swapped");
  EXPECT_EQ(level(CompareKind::kDate, "1990-01-05", "1990-01-06"), "one_digit");
  EXPECT_EQ(level(CompareKind::kDate, "1990-01-05", "1990-08-20"), "within_year");
  EXPECT_EQ(level(CompareKind::kDate, "1990-01-05", "1975-08-20"), "different");
  EXPECT_EQ(level(CompareKind::kDate, "", "1975-08-20"), "null");
  EXPECT_EQ(level(CompareKind::kExact, "L", "l"), "exact");
  EXPECT_EQ(level(CompareKind::kExact, "L", "P"), "different");
  EXPECT_EQ(level(CompareKind::kString, "Kemiren", "kemiren"), "exact");
  EXPECT_EQ(level(CompareKind::kString, "Kemiren", "Kemirenn"), "jw_high");
  EXPECT_EQ(level(CompareKind::kString, "Kemiren", "Glagah"), "different");
  EXPECT_EQ(level(CompareKind::kRtRw, "002", "2", "001", "1"), "exact");
  EXPECT_EQ(level(CompareKind::kRtRw, "002", "003", "001", "001"), "same_rw");
  EXPECT_EQ(level(CompareKind::kRtRw, "002", "002", "001", "004"), "different");
  EXPECT_EQ(level(CompareKind::kRtRw, "002", "002", "", "004"), "null");
  EXPECT_EQ(level(CompareKind::kTokens, "Jl. Merdeka 5", "merdeka jl 5"), "same_tokens");
  EXPECT_EQ(level(CompareKind::kTokens, "Jl. Merdeka 5", "Jl. Merdeka 7"), "some_token");
  EXPECT_EQ(level(CompareKind::kTokens, "Jl. Merdeka 5", "Dusun Krajan"), "different");
}

TEST(LinkageLevels, SexCodesAndIdDamage) {
  // Lists write sex as L/P, LAKI-LAKI/PEREMPUAN, Pria/Wanita, M/F: one code each.
  EXPECT_EQ(level(CompareKind::kSex, "L", "LAKI-LAKI"), "exact");
  EXPECT_EQ(level(CompareKind::kSex, "Laki laki", "pria"), "exact");
  EXPECT_EQ(level(CompareKind::kSex, "P", "PEREMPUAN"), "exact");
  EXPECT_EQ(level(CompareKind::kSex, "wanita", "F"), "exact");
  EXPECT_EQ(level(CompareKind::kSex, "L", "PEREMPUAN"), "different");
  EXPECT_EQ(level(CompareKind::kSex, "", "P"), "null");
  EXPECT_STREQ(sk::compare_kind_name(CompareKind::kSex), "sex");
  EXPECT_EQ(
      sk::LinkSettings::from_json(R"({"fields": [{"name": "s", "kind": "sex"}]})").fields[0].kind,
      CompareKind::kSex);
  // Spreadsheet damage on an id is not a difference.
  EXPECT_EQ(level(CompareKind::kId, "'3510014501900001", "3510014501900001"), "exact");
  EXPECT_EQ(level(CompareKind::kId, "3510014501900001.0", "3510014501900001"), "exact");
}

TEST(LinkageTraining, EmRecoversKnownMAndPrior) {
  // Three fields with known m and u; patterns drawn from the mixture.
  const std::vector<std::vector<double>> m = {
      {0.9, 0.1}, {0.7, 0.2, 0.05, 0.05}, {0.8, 0.15, 0.05}};
  const std::vector<std::vector<double>> u = {
      {0.05, 0.95}, {0.01, 0.04, 0.15, 0.8}, {0.1, 0.3, 0.6}};
  const double lambda = 0.3;
  sk::LinkSettings s;
  const CompareKind kinds[] = {CompareKind::kExact, CompareKind::kId, CompareKind::kRtRw};
  for (int f = 0; f < 3; ++f) {
    sk::LinkField lf;
    lf.name = lf.column = "f" + std::to_string(f);
    lf.kind = kinds[f];
    lf.u = u[static_cast<std::size_t>(f)];
    s.fields.push_back(lf);
  }
  s.blocking.clear();
  s.em_iterations = 500;
  sk::detail::LinkModel model(s);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uni(0, 1);
  std::unordered_map<std::uint64_t, std::uint64_t> counts;
  for (int k = 0; k < 200000; ++k) {
    const bool match = uni(rng) < lambda;
    std::uint64_t p = 0;
    for (std::size_t f = 0; f < 3; ++f) {
      const auto& probs = match ? m[f] : u[f];
      double x = uni(rng);
      std::size_t l = 0;
      while (l + 1 < probs.size() && x >= probs[l]) x -= probs[l++];
      p |= static_cast<std::uint64_t>(l + 1) << (4 * f);
    }
    ++counts[p];
  }
  // One session holding every pair, and every pair a candidate: the prior of two random
  // records is the share of matches.
  sk::detail::LinkModel::PatternCounts pc;
  pc.sessions = {counts};
  pc.all = counts;
  model.estimate_m(pc, 200000.0);
  EXPECT_NEAR(model.settings.prior, lambda, 0.01);
  for (std::size_t f = 0; f < 3; ++f) {
    for (std::size_t l = 0; l < m[f].size(); ++l) {
      EXPECT_NEAR(model.settings.fields[f].m[l], m[f][l], 0.02) << "field " << f << " level " << l;
    }
  }
}

TEST(LinkageTraining, UFromRandomPairs) {
  // Sex alternates: half of all pairs agree.
  std::vector<sk::LinkRecord> rs;
  for (int i = 0; i < 200; ++i) {
    rs.push_back(person("", "orang " + std::to_string(i), "", i % 2 ? "L" : "P"));
  }
  sk::LinkSettings s = sk::LinkSettings::indonesian();
  const sk::LinkResult res = sk::link(rs, s);
  const auto& sex = res.trained_settings().fields[3];
  ASSERT_EQ(sex.name, "sex");
  EXPECT_NEAR(sex.u[0], 99.0 / 199.0, 0.01);
}

// Two lists of the same 600 persons: one random cross pair in 600 is a match, and such
// pairs agree on everything. u describes non-matches, so the matches drawn among the random
// pairs are taken out: two different persons share an id far less often than 1 in 600.
// The NIK's weight is conditioned on the birth date only where the values are NIKs (a NIK
// carries its holder's birth date; another register's 7-digit numbers do not).
TEST(LinkageTraining, UTakesOutTheMatchesAmongRandomPairs) {
  for (const bool niks : {false, true}) {
    std::vector<sk::LinkRecord> left, right;
    for (int i = 0; i < 600; ++i) {
      // Few birth dates (ten persons each, of different names), so that different persons
      // share them.
      const int d = i / 10, day = 1 + d % 4, month = 1 + (d / 4) % 3, year = 1980 + d / 12;
      char date[16], nik[24];
      std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
      if (niks) {
        std::snprintf(nik, sizeof nik, "351001%02d%02d%02d%04d", day, month, year % 100, i + 1);
      } else {
        std::snprintf(nik, sizeof nik, "%07d", 1000003 + 7919 * i);
      }
      static const char* const given[] = {"agus",   "bambang", "citra",  "dewi",  "eko",
                                          "fajar",  "gilang",  "hendra", "indah", "joko",
                                          "kurnia", "lestari", "made",   "nanda", "oktavia",
                                          "putri",  "rizky",   "sari",   "teguh", "wahyu"};
      static const char* const family[] = {
          "santoso",    "wijaya",   "hidayat",   "pratama",   "kusuma",  "saputra",
          "nugroho",    "setiawan", "rahmawati", "susanto",   "hartono", "gunawan",
          "purnomo",    "utomo",    "yulianto",  "permana",   "suryadi", "maulana",
          "firmansyah", "ramadhan", "irawan",    "kurniawan", "siregar", "nasution",
          "sitompul",   "harahap",  "lubis",     "tanjung",   "daulay",  "batubara"};
      const std::string name = std::string(given[i % 20]) + " " + family[(13 * i + i / 20) % 30];
      left.push_back(person(nik, name, date, "L"));
      right.push_back(person(nik, name, date, "L"));
    }
    const sk::LinkResult res = sk::link(left, right, sk::LinkSettings::indonesian());
    const auto& nik = res.trained_settings().fields[0];
    ASSERT_EQ(nik.name, "nik");
    SCOPED_TRACE(niks ? "NIKs" : "7-digit ids");
    EXPECT_LT(nik.u[0], 1e-4);  // with the matches left in: about 1 / 600
    // Names repeat here: u of "exact" is the share of pairs of two persons with one name.
    double namesakes = 0;
    for (int i = 0; i < 600; ++i) {
      for (int j = 0; j < 600; ++j) {
        namesakes += i != j && left[static_cast<std::size_t>(i)].get("name") ==
                                   right[static_cast<std::size_t>(j)].get("name");
      }
    }
    const double expected = namesakes / (600.0 * 600.0);
    EXPECT_NEAR(res.trained_settings().fields[1].u[0], expected, 0.2 * expected + 1e-5);
    EXPECT_EQ(nik.u_same_date.empty(), !niks);
    EXPECT_EQ(res.stats.clusters, 600U);
  }
}

TEST(LinkageLink, ClustersVariantsOfOnePerson) {
  std::vector<sk::LinkRecord> rs = {
      person("3510014501900001", "Moch. Sholeh", "1990-01-05", "L", "3510010101150001"),
      person("3510014501900007", "Muhammad Soleh", "1990-01-05", "L", "3510010101150001"),
      person("", "H. Mochammad Sholeh", "05-01-1990", "L", "3510010101150001"),
      person("3510016208850002", "Siti Aminah", "1985-08-22", "P", "3510010101150009", "Olehsari"),
      person("3510016208850002", "Hj. Siti Aminah, S.Pd.", "1985-08-22", "P", "", "Olehsari"),
      person("3510011203700003", "Bambang Sutejo", "1970-03-12", "L", "3510010101150011",
             "Banjarsari"),
  };
  const sk::LinkResult res = sk::link(rs, hand_settings());
  EXPECT_EQ(res.cluster_ids, (std::vector<std::int64_t>{0, 0, 0, 3, 3, 5}));
  EXPECT_EQ(res.stats.clusters, 3U);
  for (const auto& p : res.pairs) {
    EXPECT_LT(p.i, p.j);
    EXPECT_GE(p.probability, 0.9);
  }
  EXPECT_EQ(res.confidence[5], 1.0);
  EXPECT_GE(res.confidence[0], 0.9);
}

TEST(LinkageLink, ExplanationSumsToMatchWeight) {
  std::vector<sk::LinkRecord> rs = {
      person("3510014501900001", "Moch. Sholeh", "1990-01-05", "L"),
      person("3510014501900007", "Muhammad Soleh", "1990-05-01", "L"),
      person("", "Wahyu Lestari", "1975-08-20", "P"),
  };
  const sk::LinkResult res = sk::link(rs, hand_settings());
  for (std::size_t i = 0; i < rs.size(); ++i) {
    for (std::size_t j = 0; j < rs.size(); ++j) {
      const sk::Explanation e = res.explain(i, j);
      double sum = e.prior_weight;
      for (const auto& f : e.fields) sum += f.weight;
      EXPECT_NEAR(sum, e.match_weight, 1e-9);
      EXPECT_NEAR(e.probability, 1 / (1 + std::exp2(-e.match_weight)), 1e-12);
    }
  }
  const sk::Explanation e = res.explain(0, 1);
  EXPECT_EQ(e.fields[0].level, "same_birth");  // the serial alone differs
  EXPECT_EQ(e.fields[1].level, "phonetic");
  EXPECT_EQ(e.fields[2].level, "day_month_swapped");
  EXPECT_THROW(res.explain(0, 3), sk::Error);
}

TEST(LinkageLink, HouseholdMembersStayApart) {
  // Father and son: same KK, village, RT/RW and address, different names and birth
  // dates. Their similarity would pass the threshold on household fields alone.
  auto member = [](std::string name, std::string born, std::string nik) {
    sk::LinkRecord r =
        person(std::move(nik), std::move(name), std::move(born), "L", "3510010101150001");
    r.address = "Dusun Krajan RT 2";
    return r;
  };
  std::vector<sk::LinkRecord> rs = {member("Slamet Riyadi", "1960-02-01", ""),
                                    member("Budi Slamet", "1990-07-11", ""),
                                    member("Slamet Riyadi", "1960-02-01", "")};
  sk::LinkSettings s = hand_settings();
  s.threshold = 0.5;
  const sk::LinkResult res = sk::link(rs, s);
  EXPECT_TRUE(res.explain(0, 1).household_apart);
  EXPECT_FALSE(res.explain(0, 2).household_apart);
  EXPECT_EQ(res.cluster_ids[0], res.cluster_ids[2]);
  EXPECT_NE(res.cluster_ids[0], res.cluster_ids[1]);
  // Without the rule they would be joined.
  s.household_key.clear();
  EXPECT_EQ(sk::link(rs, s).cluster_ids[1], 0);
}

TEST(LinkageLink, HouseholdRuleWithMissingDateAndSameNames) {
  const std::string kk = "3510010101150001";
  sk::LinkSettings s = hand_settings();
  s.threshold = 0.5;
  sk::LinkRecord father = person("3510011302600001", "Eko Rahman", "", "L", kk);
  sk::LinkRecord son = person("3510010807900001", "Eko Hakim", "1990-07-08", "L", kk);
  // A birth date missing: clearly different names in one KK are two persons...
  sk::LinkResult res = sk::link({father, son}, s);
  EXPECT_TRUE(res.explain(0, 1).household_apart);
  EXPECT_NE(res.cluster_ids[0], res.cluster_ids[1]);
  // ...unless their NIKs agree or are one typo apart (outside the serial: a serial of
  // its own is another person born that day).
  son.nik = "3510011302680001";
  EXPECT_FALSE(sk::link({father, son}, s).explain(0, 1).household_apart);
  // A son of the same name: NIKs and birth dates clearly different.
  father.birth_date = "1960-02-13";
  son = person("3510010807900001", "Eko Rahman", "1990-07-08", "L", kk);
  res = sk::link({father, son}, s);
  EXPECT_TRUE(res.explain(0, 1).household_apart);
  EXPECT_NE(res.cluster_ids[0], res.cluster_ids[1]);
  // The same person listed twice, once without a birth date, still joins.
  sk::LinkRecord again = father;
  again.birth_date.clear();
  res = sk::link({father, again}, s);
  EXPECT_EQ(res.cluster_ids[1], 0);
}

TEST(LinkageLink, TwoListsScoreOnlyCrossPairs) {
  std::vector<sk::LinkRecord> left = {
      person("3510014501900001", "Budi Santoso", "1990-01-05", "L"),
      person("3510014501900001", "Budi Santoso", "1990-01-05", "L")};
  std::vector<sk::LinkRecord> right = {person("", "Budi Santosa", "1990-01-05", "L")};
  const sk::LinkResult res = sk::link(left, right, hand_settings());
  for (const auto& p : res.pairs) EXPECT_TRUE(p.i < 2 && p.j == 2);
  EXPECT_EQ(res.stats.candidate_pairs, 2U);
}

TEST(LinkageLink, EmptyAndMissingFieldsDoNotCrash) {
  std::vector<sk::LinkRecord> rs(5);
  rs[1].nik = "x";
  rs[2].birth_date = "not a date";
  rs[3].name = "\xff\xfe";
  const sk::LinkResult res = sk::link(rs);
  EXPECT_EQ(res.cluster_ids.size(), 5U);
  EXPECT_TRUE(sk::link(std::vector<sk::LinkRecord>{}).cluster_ids.empty());
}

// Trained parameters survive JSON exactly (a saved Linker's scores depend on it): random
// doubles of every magnitude come back bit for bit.
TEST(LinkageSettings, JsonKeepsEveryDoubleExactly) {
  std::mt19937_64 rng(51);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int round = 0; round < 50; ++round) {
    sk::LinkSettings s = hand_settings();
    for (auto& f : s.fields) {
      for (double& v : f.m) v = unit(rng) * std::pow(10.0, -static_cast<double>(rng() % 12));
      for (double& v : f.u) v = unit(rng) * std::pow(10.0, -static_cast<double>(rng() % 12));
    }
    s.prior = unit(rng) * 1e-3;
    s.threshold = unit(rng);
    const sk::LinkSettings back = sk::LinkSettings::from_json(s.to_json());
    ASSERT_EQ(back.fields.size(), s.fields.size());
    for (std::size_t f = 0; f < s.fields.size(); ++f) {
      EXPECT_EQ(back.fields[f].m, s.fields[f].m) << "field " << f;
      EXPECT_EQ(back.fields[f].u, s.fields[f].u) << "field " << f;
    }
    EXPECT_EQ(back.prior, s.prior);
    EXPECT_EQ(back.threshold, s.threshold);
  }
}

TEST(LinkageSettings, JsonRoundTripAndErrors) {
  const sk::LinkSettings s = hand_settings();
  const sk::LinkSettings back = sk::LinkSettings::from_json(s.to_json());
  EXPECT_EQ(back.to_json(), s.to_json());
  EXPECT_THROW(sk::LinkSettings::from_json("{"), sk::Error);
  EXPECT_THROW(sk::LinkSettings::from_json("{\"bogus\": 1}"), sk::Error);
  EXPECT_THROW(sk::LinkSettings::from_json(R"({"fields": [{"name": "x", "kind": "fuzzy"}]})"),
               sk::Error);
  EXPECT_THROW(sk::LinkSettings::from_json(R"({"blocking": [["nik:prefixX"]]})"), sk::Error);
  EXPECT_THROW(sk::LinkSettings::from_json(R"({"threshold": 2})"), sk::Error);
  try {
    sk::LinkSettings::from_json(R"({"fields": [{"name": "x", "kind": "id", "m": [0.5]}]})");
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos);
  }
}

TEST(LinkageLinker, IncrementalAddEqualsBatch) {
  std::vector<sk::LinkRecord> rs = {
      person("3510014501900001", "Moch. Sholeh", "1990-01-05", "L", "3510010101150001"),
      person("3510016208850002", "Siti Aminah", "1985-08-22", "P", "3510010101150009", "Olehsari"),
      person("3510014501900007", "Muhammad Soleh", "1990-01-05", "L", "3510010101150001"),
      person("3510011203700003", "Bambang Sutejo", "1970-03-12", "L", "3510010101150011",
             "Banjarsari"),
      person("", "H. Mochammad Sholeh", "05-01-1990", "L", "3510010101150001"),
      person("3510016208850002", "Hj. Siti Aminah, S.Pd.", "1985-08-22", "P", "", "Olehsari"),
  };
  const sk::LinkResult batch = sk::link(rs, hand_settings());
  sk::Linker lk(hand_settings());
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const sk::Linker::Added a = lk.add(rs[i]);
    EXPECT_EQ(a.index, i);
    EXPECT_EQ(a.cluster_id, lk.cluster_ids()[i]);
  }
  EXPECT_EQ(lk.cluster_ids(), batch.cluster_ids);

  sk::Linker fitted(hand_settings());
  fitted.fit(rs);
  EXPECT_EQ(fitted.cluster_ids(), batch.cluster_ids);
  const auto best = fitted.candidates(person("", "Mochamad Sholeh", "1990-01-05", "L"), 2);
  ASSERT_EQ(best.size(), 2U);
  EXPECT_TRUE(best[0].index == 0 || best[0].index == 2 || best[0].index == 4);
  EXPECT_GE(best[0].probability, best[1].probability);
}

TEST(LinkageLinker, RemoveReformsTheCluster) {
  // b links a and c; without b, a and c share no key and fall apart.
  sk::LinkSettings s = hand_settings();
  s.blocking = {{"nik"}, {"name:phonetic"}};
  sk::Linker lk(s);
  lk.add(person("3510014501900001", "Budi Santoso", "1990-01-05", "L"));
  lk.add(person("3510014501900001", "Joko Widodo", "1990-01-05", "L"));
  lk.add(person("", "Joko Widodo", "1990-01-05", "L", "", "Olehsari"));
  EXPECT_EQ(lk.cluster_ids(), (std::vector<std::int64_t>{0, 0, 0}));
  lk.remove(1);
  EXPECT_EQ(lk.cluster_ids(), (std::vector<std::int64_t>{0, -1, 2}));
  EXPECT_THROW(lk.remove(1), sk::Error);
  EXPECT_THROW(lk.remove(99), sk::Error);
  const auto a = lk.add(person("", "Joko Widodo", "1990-01-05", "L", "", "Olehsari"));
  EXPECT_EQ(a.cluster_id, 2);
  EXPECT_EQ(a.matches.size(), 1U);
}

TEST(LinkageLinker, AddBeforeFitNeedsAModel) {
  sk::Linker lk;
  EXPECT_THROW(lk.add(person("", "Budi", "", "")), sk::Error);
  EXPECT_EQ(lk.size(), 0U);
}

TEST(LinkageFebrl, FebrlStyleListsQuality) {
  const sk::LinkSettings s = febrl_settings();
  {
    std::vector<std::string> entity;
    const auto rs = read_febrl(febrl_dir() + "/dedup.csv", entity);
    ASSERT_GT(rs.size(), 3000U);
    const sk::LinkResult res = sk::link(rs, s);
    const Quality q = cluster_quality(res.cluster_ids, entity, rs.size());
    EXPECT_GE(q.f1, 0.995);
    EXPECT_GE(q.precision, 0.995);
  }
  {
    std::vector<std::string> entity;
    const auto a = read_febrl(febrl_dir() + "/link_a.csv", entity);
    const auto b = read_febrl(febrl_dir() + "/link_b.csv", entity);
    ASSERT_EQ(a.size(), 2000U);
    ASSERT_EQ(b.size(), 2000U);
    const sk::LinkResult res = sk::link(a, b, s);
    const Quality q = cluster_quality(res.cluster_ids, entity, a.size());
    EXPECT_GE(q.f1, 0.995);
    EXPECT_GE(q.precision, 0.999);
  }
}

namespace {

using Streaming = sk::detail::LinkModel::Streaming;

// Links with the given streaming limits; `out` receives what the run did.
sk::LinkResult link_streaming(const std::vector<sk::LinkRecord>& left,
                              const std::vector<sk::LinkRecord>* right, const sk::LinkSettings& s,
                              const Streaming& limits, Streaming& out) {
  auto model = sk::detail::prepare_records(s, left, right);
  model->streaming = limits;
  sk::LinkResult res = sk::detail::link_prepared(model, left.size());
  out = model->streaming;
  return res;
}

// Registry-like records with households (shared KK), name variants and damaged NIKs.
std::vector<sk::LinkRecord> registry_like(std::size_t persons, std::uint64_t seed) {
  const char* const given[] = {"Muhammad", "Siti", "Budi", "Sri", "Ahmad", "Dewi", "Agus", "Nur"};
  const char* const family[] = {"Santoso", "Aminah", "Hidayat", "Lestari", "Sholeh", "Wibowo"};
  std::mt19937_64 rng(seed);
  std::vector<sk::LinkRecord> out;
  char buf[40];
  for (std::size_t p = 0; p < persons; ++p) {
    std::snprintf(buf, sizeof buf, "35100%02d%02d%02d%05d", static_cast<int>(1 + rng() % 28),
                  static_cast<int>(1 + rng() % 12), static_cast<int>(rng() % 100),
                  static_cast<int>(p));
    const std::string nik = buf;
    std::snprintf(buf, sizeof buf, "19%02d-%02d-%02d", static_cast<int>(rng() % 100),
                  static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28));
    const std::string born = buf;
    const std::string name = std::string(given[rng() % 8]) + " " + family[rng() % 6];
    std::snprintf(buf, sizeof buf, "351001010115%04d", static_cast<int>(p / 4));
    const std::string kk = buf;
    const std::string village = "Desa " + std::to_string(rng() % 7);
    const std::size_t copies = 1 + rng() % 3;
    for (std::size_t c = 0; c < copies; ++c) {
      sk::LinkRecord r = person(nik, name, born, rng() % 2 ? "L" : "P", kk, village);
      if (c > 0 && rng() % 2) r.nik[10] = static_cast<char>('0' + rng() % 10);
      if (c > 0 && rng() % 3 == 0) r.name = "H. " + r.name;
      if (c > 0 && rng() % 4 == 0) r.nik.clear();
      out.push_back(std::move(r));
    }
  }
  return out;
}

void expect_same(const sk::LinkResult& a, const sk::LinkResult& b) {
  EXPECT_EQ(a.cluster_ids, b.cluster_ids);
  EXPECT_EQ(a.stats.candidate_pairs, b.stats.candidate_pairs);
  ASSERT_EQ(a.pairs.size(), b.pairs.size());
  for (std::size_t k = 0; k < a.pairs.size(); ++k) {
    EXPECT_EQ(a.pairs[k].i, b.pairs[k].i);
    EXPECT_EQ(a.pairs[k].j, b.pairs[k].j);
    EXPECT_EQ(a.pairs[k].weight, b.pairs[k].weight);  // the same model, bit for bit
  }
  EXPECT_EQ(a.confidence, b.confidence);
}

}  // namespace

// Streaming candidates (a sampled preliminary model, then only pairs near the threshold
// stored) gives exactly the result of storing every candidate pair; with no margin the
// weights drift past it and phase B runs again, still with the same result.
TEST(LinkageStreaming, SameResultAsStoringAllPairs) {
  std::vector<std::pair<std::string, sk::LinkSettings>> cases = {
      {"trained", sk::LinkSettings::indonesian()}, {"fixed", hand_settings()}};
  cases[0].second.threads = 2;
  const auto rs = registry_like(3000, 11);
  for (const auto& [label, s] : cases) {
    SCOPED_TRACE(label);
    Streaming all, out;
    all.store_all_pairs = std::size_t{1} << 40;
    const sk::LinkResult reference = link_streaming(rs, nullptr, s, all, out);
    EXPECT_EQ(out.stored_pairs, reference.stats.candidate_pairs);
    ASSERT_GT(reference.stats.kept_pairs, 100U);

    Streaming small;
    small.store_all_pairs = 0;
    small.sample_pairs = 500;
    const sk::LinkResult streamed = link_streaming(rs, nullptr, s, small, out);
    expect_same(reference, streamed);
    EXPECT_LT(out.stored_pairs, reference.stats.candidate_pairs / 2) << "memory follows kept pairs";
    EXPECT_GE(out.stored_pairs, reference.stats.kept_pairs);

    small.margin_bits = 0;
    const sk::LinkResult again = link_streaming(rs, nullptr, s, small, out);
    expect_same(reference, again);
    if (label == "trained") {
      EXPECT_TRUE(out.restreamed);
    }
  }
}

TEST(LinkageStreaming, FebrlSameResultAsStoringAllPairs) {
  const sk::LinkSettings s = febrl_settings();
  std::vector<std::string> entity;
  const auto a = read_febrl(febrl_dir() + "/link_a.csv", entity);
  const auto b = read_febrl(febrl_dir() + "/link_b.csv", entity);
  const auto f3 = read_febrl(febrl_dir() + "/dedup.csv", entity);
  Streaming all, small, out;
  all.store_all_pairs = std::size_t{1} << 40;
  small.store_all_pairs = 0;
  small.sample_pairs = 2000;
  const sk::LinkResult ref4 = link_streaming(a, &b, s, all, out);
  const sk::LinkResult got4 = link_streaming(a, &b, s, small, out);
  expect_same(ref4, got4);
  EXPECT_GT(out.sampled_blocks, 0U);
  EXPECT_LT(out.stored_pairs, ref4.stats.candidate_pairs / 2);
  const sk::LinkResult ref3 = link_streaming(f3, nullptr, s, all, out);
  const sk::LinkResult got3 = link_streaming(f3, nullptr, s, small, out);
  expect_same(ref3, got3);
  EXPECT_GT(out.sampled_blocks, 0U);
}

// Look-ups stop comparing a record once it cannot reach the threshold (add) or the k-th
// best (candidates): the same answers as scoring every candidate (k large enough that
// nothing is pruned).
TEST(LinkageLinker, PrunedLookupsEqualFullScoring) {
  const auto rs = registry_like(600, 5);
  const auto probes = registry_like(80, 6);
  sk::Linker lk(hand_settings()), full(hand_settings());
  lk.fit(rs);
  full.fit(rs);
  const std::size_t all = rs.size() + probes.size();
  std::size_t matched = 0;
  for (const sk::LinkRecord& r : probes) {
    const auto every = full.candidates(r, all);
    for (std::size_t k : {std::size_t{1}, std::size_t{3}, std::size_t{10}}) {
      const auto best = lk.candidates(r, k);
      ASSERT_EQ(best.size(), std::min(k, every.size()));
      for (std::size_t x = 0; x < best.size(); ++x) {
        EXPECT_EQ(best[x].index, every[x].index);
        EXPECT_EQ(best[x].probability, every[x].probability);
      }
    }
    std::vector<std::size_t> expected;
    for (const auto& m : every) {
      if (m.probability >= lk.settings().threshold) expected.push_back(m.index);
    }
    const sk::Linker::Added added = lk.add(r);
    full.add(r);
    std::vector<std::size_t> got;
    for (const auto& m : added.matches) got.push_back(m.index);
    EXPECT_EQ(got, expected);
    matched += got.size();
  }
  EXPECT_GT(matched, 10U);
  EXPECT_TRUE(lk.candidates(probes[0], 0).empty());
}

// A brute-force oracle for the Linker's look-ups: every alive record sharing an indexed
// key (buckets over max_block_size skipped, keys of oversized fit blocks cleared as
// link() clears them), prepared from its raw record and scored in full with
// LinkModel::pattern and weight. The Linker's compact rows, bounds and best-first order
// must give exactly its answers.
namespace {

struct LookupOracle {
  sk::detail::LinkModel model;
  std::vector<std::vector<sk::detail::FieldValue>> values;
  std::vector<std::vector<std::uint64_t>> keys;
  std::vector<std::uint64_t> household;
  std::vector<bool> alive;
  sk::detail::ValueArena arena;  // the values' texts

  explicit LookupOracle(const sk::LinkSettings& trained) : model(trained) {}

  void push(const sk::LinkRecord& r) {
    values.emplace_back(model.field_count());
    keys.emplace_back(model.rule_count());
    household.push_back(0);
    model.prepare(r, values.back().data(), keys.back().data(), household.back(), arena);
    alive.push_back(true);
  }
  void fit(const std::vector<sk::LinkRecord>& rs) {
    for (const auto& r : rs) push(r);
    for (std::size_t r = 0; r < model.rule_count(); ++r) {
      std::map<std::uint64_t, std::size_t> count;
      for (const auto& k : keys) ++count[k[r]];
      for (auto& k : keys) {
        if (k[r] != 0 && count[k[r]] > model.settings.max_block_size) k[r] = 0;
      }
    }
  }
  std::vector<sk::Linker::Match> score(const sk::LinkRecord& probe) {
    const std::size_t F = model.field_count(), R = model.rule_count();
    for (std::size_t f = 0; f < F; ++f) {
      model.tf_counts[f].clear();
      model.tf_totals[f] = 0;
      if (!model.fields[f].spec.term_frequency) continue;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!alive[i] || values[i][f].null) continue;
        ++model.tf_counts[f][values[i][f].h];
        model.tf_totals[f] += 1;
      }
    }
    std::vector<sk::detail::FieldValue> pv(F);
    std::vector<std::uint64_t> pk(R);
    std::uint64_t ph = 0;
    sk::detail::ValueArena probe_arena;
    model.prepare(probe, pv.data(), pk.data(), ph, probe_arena);
    std::vector<bool> usable(R, false);
    for (std::size_t r = 0; r < R; ++r) {
      std::size_t size = 0;
      for (std::size_t i = 0; i < keys.size(); ++i)
        size += alive[i] && pk[r] != 0 && keys[i][r] == pk[r];
      usable[r] = size > 0 && size <= model.settings.max_block_size;
    }
    std::vector<sk::Linker::Match> out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (!alive[i]) continue;
      bool shared = false;
      for (std::size_t r = 0; r < R && !shared; ++r) shared = usable[r] && keys[i][r] == pk[r];
      if (!shared) continue;
      const std::uint64_t p = model.pattern(values[i].data(), pv.data());
      double prob = sk::detail::probability_of(model.weight(p, values[i].data()));
      if (model.household_apart(household[i], ph, p)) prob = 0;
      out.push_back({i, prob});
    }
    std::sort(out.begin(), out.end(), [](const sk::Linker::Match& a, const sk::Linker::Match& b) {
      return std::tie(b.probability, a.index) < std::tie(a.probability, b.index);
    });
    return out;
  }
};

// Registry-like records with the damage the rows must handle: ids with letters, an
// apostrophe or ".0", one digit changed or two swapped; dates swapped, one digit off,
// unparseable or missing; sex codes, RT/RW and addresses varied; names and villages of
// one letter 14-43 times (its 4-bit count in the rows saturates); fields missing.
std::vector<sk::LinkRecord> damaged(const std::vector<sk::LinkRecord>& base, std::size_t n,
                                    std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<sk::LinkRecord> out;
  const char* const sexes[] = {"L", "P", "LAKI-LAKI", "PEREMPUAN", "", "x"};
  const char* const streets[] = {"Jl. Mawar 3", "Jalan Mawar no 3", "Dusun Krajan", "Krajan", ""};
  for (std::size_t k = 0; k < n; ++k) {
    sk::LinkRecord r = base[rng() % base.size()];
    auto pick = [&](int in) { return static_cast<int>(rng() % 100) < in; };
    // One person in six (by their KK), in every copy.
    const bool saturated = std::hash<std::string>{}(r.kk) % 6 == 0;
    if (pick(30) && r.nik.size() == 16) r.nik[rng() % 16] = static_cast<char>('0' + rng() % 10);
    if (pick(15) && r.nik.size() == 16) {
      const std::size_t at = rng() % 15;
      std::swap(r.nik[at], r.nik[at + 1]);
    }
    if (pick(5)) r.nik = "'" + r.nik;
    if (pick(5)) r.nik += ".0";
    if (pick(5)) r.nik = "35100A" + r.nik.substr(std::min<std::size_t>(6, r.nik.size()));
    if (pick(5)) r.nik = r.nik.substr(0, r.nik.size() / 2);
    if (pick(10)) r.nik.clear();
    if (pick(20) && r.birth_date.size() == 10) {
      r.birth_date =
          r.birth_date.substr(0, 5) + r.birth_date.substr(8, 2) + "-" + r.birth_date.substr(5, 2);
    }
    if (pick(20) && r.birth_date.size() == 10)
      r.birth_date[3] = static_cast<char>('0' + rng() % 10);
    if (pick(10) && r.birth_date.size() == 10) {
      r.birth_date = r.birth_date.substr(8, 2) + "-" + r.birth_date.substr(5, 2) + "-" +
                     r.birth_date.substr(0, 4);
    }
    if (pick(5)) r.birth_date = "abc" + std::to_string(rng() % 3);
    if (pick(5)) r.birth_date.clear();
    if (pick(30)) r.sex = sexes[rng() % 6];
    if (pick(20) && r.kk.size() == 16) r.kk[rng() % 16] = static_cast<char>('0' + rng() % 10);
    if (pick(10)) r.kk.clear();
    if (pick(20)) r.name = "Hj. " + r.name;
    if (pick(10)) r.name = r.name.substr(0, r.name.find(' '));
    if (pick(20) && !r.name.empty())
      r.name[rng() % r.name.size()] = static_cast<char>('a' + rng() % 26);
    if (pick(10)) r.name += std::string(" ") + static_cast<char>('a' + rng() % 26) + "yah";
    if (pick(5)) r.name.clear();
    // A letter 15 times or more saturates its 4-bit count in the rows (no bound from it).
    if (saturated) {
      r.name = std::string(14 + rng() % 30, 'a') + " " + static_cast<char>('b' + rng() % 24) + "i";
      r.village = std::string(14 + rng() % 30, 'o') + static_cast<char>('b' + rng() % 24);
    }
    if (pick(15) && !r.village.empty())
      r.village[rng() % r.village.size()] = static_cast<char>('a' + rng() % 26);
    if (pick(20)) r.rt = std::to_string(rng() % 4);
    if (pick(10)) r.rw.clear();
    if (pick(60)) r.address = streets[rng() % 5];
    if (pick(10)) r.village.clear();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

TEST(LinkageLinker, LookupsEqualBruteForceOracle) {
  sk::LinkSettings tf = hand_settings();
  for (auto& f : tf.fields) {
    if (f.name == "kk" || f.name == "birth_date" || f.name == "sex" || f.name == "rt_rw" ||
        f.name == "address") {
      f.term_frequency = true;
    }
  }
  tf.max_block_size = 25;  // oversized buckets, and fit blocks whose keys are cleared
  const std::pair<const char*, sk::LinkSettings> cases[] = {{"hand", hand_settings()},
                                                            {"tf, small blocks", tf}};
  for (const auto& [label, settings] : cases) {
    SCOPED_TRACE(label);
    const auto base = registry_like(500, 21);
    auto fitted = base;
    const auto extra = damaged(base, 500, 22);
    fitted.insert(fitted.end(), extra.begin(), extra.end());
    const auto probes = damaged(base, 150, 23);
    sk::Linker lk(settings);
    lk.fit(fitted);
    LookupOracle oracle(lk.settings());
    oracle.fit(fitted);
    std::mt19937_64 rng(24);
    std::size_t compared = 0, matched = 0;
    for (std::size_t p = 0; p < probes.size(); ++p) {
      const sk::LinkRecord& r = probes[p];
      const auto every = oracle.score(r);
      for (std::size_t k : {std::size_t{1}, std::size_t{5}, std::size_t{40}}) {
        const auto best = lk.candidates(r, k);
        ASSERT_EQ(best.size(), std::min(k, every.size()));
        for (std::size_t x = 0; x < best.size(); ++x) {
          EXPECT_EQ(best[x].index, every[x].index) << "probe " << p << " k " << k << " rank " << x;
          EXPECT_EQ(best[x].probability, every[x].probability)
              << "probe " << p << " k " << k << " rank " << x;
        }
        compared += best.size();
      }
      if (p % 3 == 0) {
        std::vector<std::size_t> expected;
        for (const auto& m : every) {
          if (m.probability >= lk.settings().threshold) expected.push_back(m.index);
        }
        const sk::Linker::Added added = lk.add(r);
        oracle.push(r);
        std::vector<std::size_t> got;
        for (const auto& m : added.matches) got.push_back(m.index);
        EXPECT_EQ(got, expected) << "probe " << p;
        matched += got.size();
      }
      if (p % 7 == 0) {
        std::size_t victim = rng() % lk.size();
        while (!oracle.alive[victim]) victim = rng() % lk.size();
        lk.remove(victim);
        oracle.alive[victim] = false;
        for (std::int64_t c : lk.cluster_ids()) EXPECT_NE(c, static_cast<std::int64_t>(victim));
      }
    }
    EXPECT_GT(compared, 1000U);
    EXPECT_GT(matched, 20U);
  }
}

// The key index against a map of multisets, through many growths (each spread over later
// inserts, with erases and look-ups of keys in either table while slots move), keys that
// collide on their home slot included.
TEST(LinkageKeyIndex, AgreesWithAMapWhileGrowing) {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    sk::detail::LinkKeyIndex index;
    std::map<std::uint64_t, std::multiset<std::uint32_t>> oracle;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> held;
    // Small keys share home slots (key & mask); spread ones do not.
    auto key_of = [&](std::uint64_t k) {
      return seed == 3 ? (k * 0x9E3779B97F4A7C15ULL) | 1U : k + 1;
    };
    auto check = [&](std::uint64_t key) {
      const auto m = index.find(key);
      const auto it = oracle.find(key);
      const std::size_t expected = it == oracle.end() ? 0 : it->second.size();
      ASSERT_EQ(m.size, expected) << "key " << key;
      std::multiset<std::uint32_t> got(m.data, m.data + m.size);
      if (expected != 0) {
        ASSERT_EQ(got, it->second) << "key " << key;
      }
    };
    for (int step = 0; step < 60000; ++step) {
      const int op = static_cast<int>(rng() % 10);
      if (op < 6 || held.empty()) {
        // Keys grow with the steps, so that the table keeps growing; a third repeat.
        const std::uint64_t key = key_of(rng() % 3 == 0 ? rng() % 50 : rng() % (step / 2 + 10));
        const auto record = static_cast<std::uint32_t>(rng() % 1000000);
        index.insert(key, record);
        oracle[key].insert(record);
        held.emplace_back(key, record);
      } else if (op < 9) {
        const std::size_t at = rng() % held.size();
        const auto [key, record] = held[at];
        index.erase(key, record);
        auto it = oracle.find(key);
        it->second.erase(it->second.find(record));
        if (it->second.empty()) oracle.erase(it);
        held[at] = held.back();
        held.pop_back();
      } else {
        index.erase(key_of(rng() % 100000), 1000001);  // a record never inserted: no change
      }
      check(held.empty() ? key_of(0) : held[rng() % held.size()].first);
      check(key_of(rng() % 200000));
      if (step % 5000 == 4999) {
        for (const auto& [key, records] : oracle) check(key);
      }
    }
  }
}

namespace {

// Two linkers answer alike: clusters, and every probe's 40 best (index and probability).
void expect_same_answers(const sk::Linker& a, const sk::Linker& b,
                         const std::vector<sk::LinkRecord>& probes) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.cluster_ids(), b.cluster_ids());
  EXPECT_EQ(a.settings().to_json(), b.settings().to_json());
  for (std::size_t p = 0; p < probes.size(); ++p) {
    const auto x = a.candidates(probes[p], 40), y = b.candidates(probes[p], 40);
    ASSERT_EQ(x.size(), y.size()) << "probe " << p;
    for (std::size_t r = 0; r < x.size(); ++r) {
      EXPECT_EQ(x[r].index, y[r].index) << "probe " << p << " rank " << r;
      EXPECT_EQ(x[r].probability, y[r].probability) << "probe " << p << " rank " << r;
    }
  }
}

}  // namespace

// A saved Linker, loaded, answers every call as the original: after fit, adds and
// removals (term frequencies and fit blocks whose keys were cleared included), and both
// go on alike; saving the loaded one gives the same bytes.
TEST(LinkageLinker, SavedAndLoadedAnswersAsTheOriginal) {
  sk::LinkSettings tf = hand_settings();
  for (auto& f : tf.fields) {
    if (f.name == "kk" || f.name == "birth_date" || f.name == "address") f.term_frequency = true;
  }
  tf.max_block_size = 10;
  const std::pair<const char*, sk::LinkSettings> cases[] = {{"hand", hand_settings()},
                                                            {"tf, small blocks", tf}};
  for (const auto& [label, settings] : cases) {
    SCOPED_TRACE(label);
    const auto base = registry_like(300, 31);
    auto fitted = base;
    const auto extra = damaged(base, 300, 32);
    fitted.insert(fitted.end(), extra.begin(), extra.end());
    // Small blocks: fit leaves some of its records out of oversized blocks' keys.
    if (settings.max_block_size == 10) {
      EXPECT_GT(sk::link(fitted, settings).stats.skipped_blocks, 0U);
    }
    const auto later = damaged(base, 120, 33);
    const auto probes = damaged(base, 80, 34);
    sk::Linker lk(settings);
    lk.fit(fitted);
    std::mt19937_64 rng(35);
    for (std::size_t i = 0; i < 60; ++i) lk.add(later[i]);
    for (int x = 0; x < 25; ++x) {
      const std::size_t victim = rng() % lk.size();
      if (lk.cluster_ids()[victim] >= 0) lk.remove(victim);
    }
    const std::string bytes = lk.to_bytes();
    sk::Linker loaded = sk::Linker::from_bytes(bytes);
    expect_same_answers(lk, loaded, probes);
    EXPECT_EQ(loaded.to_bytes(), bytes);
    // Both go on alike: adds (matches and clusters) and removals.
    for (std::size_t i = 60; i < later.size(); ++i) {
      const auto a = lk.add(later[i]), b = loaded.add(later[i]);
      EXPECT_EQ(a.index, b.index);
      EXPECT_EQ(a.cluster_id, b.cluster_id);
      ASSERT_EQ(a.matches.size(), b.matches.size()) << "record " << i;
      for (std::size_t m = 0; m < a.matches.size(); ++m) {
        EXPECT_EQ(a.matches[m].index, b.matches[m].index);
        EXPECT_EQ(a.matches[m].probability, b.matches[m].probability);
      }
    }
    for (std::size_t victim : {std::size_t{3}, std::size_t{600}, lk.size() - 1}) {
      if (lk.cluster_ids()[victim] < 0) continue;
      lk.remove(victim);
      loaded.remove(victim);
    }
    expect_same_answers(lk, loaded, probes);
    EXPECT_THROW(loaded.remove(lk.size() + 5), sk::Error);

    // Through a file, and fit() afterwards trains again as the original's would.
    const std::string path = ::testing::TempDir() + "linker.sklink";
    lk.save(path);
    sk::Linker from_file = sk::Linker::load(path);
    expect_same_answers(lk, from_file, probes);
    std::remove(path.c_str());
  }
}

// Loading prepares records in batches on settings.threads threads: a linker larger than a
// batch, with removed records in it, loads as it was.
TEST(LinkageLinker, LoadingInParallelBatchesAnswersAsTheOriginal) {
  sk::LinkSettings settings = hand_settings();
  settings.threads = 3;
  const auto base = registry_like(2500, 61);
  auto records = base;
  const auto extra = damaged(base, 7000, 62);
  records.insert(records.end(), extra.begin(), extra.end());
  sk::Linker lk(settings);
  lk.fit(records);
  std::mt19937_64 rng(63);
  for (int x = 0; x < 30; ++x) {
    const std::size_t victim = rng() % lk.size();
    if (lk.cluster_ids()[victim] >= 0) lk.remove(victim);
  }
  ASSERT_GT(lk.size(), 8192U + 2048U);  // more than one batch, and a last one prepared in parallel
  const std::string bytes = lk.to_bytes();
  const sk::Linker loaded = sk::Linker::from_bytes(bytes);
  EXPECT_EQ(loaded.to_bytes(), bytes);
  expect_same_answers(lk, loaded, damaged(base, 60, 64));
}

TEST(LinkageLinker, LoadingRefusesDamagedFiles) {
  sk::Linker lk(hand_settings());
  lk.fit(registry_like(40, 41));
  const std::string bytes = lk.to_bytes();
  const auto kLoaded = static_cast<sk::ErrorCode>(0);
  auto code_of = [&](const std::string& b) {
    try {
      (void)sk::Linker::from_bytes(b);
    } catch (const sk::Error& e) {
      // The message names the file kind and never a record's content.
      EXPECT_NE(std::string(e.what()).find("linker file"), std::string::npos) << e.what();
      return e.code();
    }
    return kLoaded;
  };
  EXPECT_EQ(code_of(bytes), kLoaded);
  EXPECT_EQ(code_of(""), sk::ErrorCode::kCorrupt);
  EXPECT_EQ(code_of(bytes.substr(0, bytes.size() - 1)), sk::ErrorCode::kCorrupt);
  EXPECT_EQ(code_of(bytes + "x"), sk::ErrorCode::kCorrupt);
  std::mt19937_64 rng(42);
  for (int t = 0; t < 200; ++t) {
    std::string b = bytes;
    b[rng() % b.size()] ^= static_cast<char>(1 + rng() % 255);
    EXPECT_EQ(code_of(b), sk::ErrorCode::kCorrupt);
  }
  // A registry file is not a linker file.
  EXPECT_EQ(code_of("SKAMPREG" + bytes.substr(8)), sk::ErrorCode::kCorrupt);
  EXPECT_THROW(sk::Linker::load(::testing::TempDir() + "no-such-linker-file"), sk::Error);
  // An untrained linker round-trips and still needs a model.
  sk::Linker empty = sk::Linker::from_bytes(sk::Linker().to_bytes());
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_THROW(empty.add(person("", "Budi", "", "")), sk::Error);
}

// const members may run concurrently (header): look-ups keep their scratch per thread.
TEST(LinkageLinker, ConcurrentLookupsAgree) {
  const auto base = registry_like(400, 31);
  const auto probes = damaged(base, 200, 32);
  sk::Linker lk(hand_settings());
  lk.fit(base);
  std::vector<std::vector<sk::Linker::Match>> expected;
  for (const auto& r : probes) expected.push_back(lk.candidates(r, 5));
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep) {
        for (std::size_t p = 0; p < probes.size(); ++p) {
          const auto got =
              lk.candidates(probes[(p + static_cast<std::size_t>(t) * 37) % probes.size()], 5);
          const auto& want = expected[(p + static_cast<std::size_t>(t) * 37) % probes.size()];
          bool same = got.size() == want.size();
          for (std::size_t x = 0; same && x < got.size(); ++x) {
            same = got[x].index == want[x].index && got[x].probability == want[x].probability;
          }
          wrong[static_cast<std::size_t>(t)] += same ? 0 : 1;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

// Blocking on a NIK prefix of 12+ digits or a suffix of 10+ forces birth date and sex to
// agree (NIK digits 7-12): training treats them as missing on those rules' pairs, as it
// does the blocked columns themselves; other rules keep them.
TEST(LinkageTraining, NikDateRulesMaskBirthDateAndSex) {
  const sk::LinkSettings s = sk::LinkSettings::indonesian();
  const sk::detail::LinkModel model(s);
  auto field_bits = [&](const char* name) {
    for (std::size_t f = 0; f < s.fields.size(); ++f) {
      if (s.fields[f].name == name) return std::uint64_t{0xF} << (4 * f);
    }
    return std::uint64_t{0};
  };
  const std::uint64_t date = field_bits("birth_date"), sex = field_bits("sex"),
                      nik = field_bits("nik");
  ASSERT_NE(date, 0U);
  for (std::size_t r = 0; r < s.blocking.size(); ++r) {
    const std::string first = s.blocking[r][0];
    const bool forced = first == "nik:prefix12" || first == "nik:suffix10";
    SCOPED_TRACE(first);
    EXPECT_EQ((model.rule_masks[r] & sex) != 0, forced);
    if (forced) {
      EXPECT_EQ(model.rule_masks[r] & (date | nik), date | nik);
    }
    if (first == "nik" || first == "nik:prefix6") {
      EXPECT_EQ(model.rule_masks[r] & date, 0U);
    }
  }
  // Schemas without a household key hold their blocking fields out too.
  sk::LinkSettings plain = s;
  plain.household_key.clear();
  const sk::detail::LinkModel unmasked(plain);
  EXPECT_EQ(unmasked.rule_masks, model.rule_masks);
}

TEST(LinkageLevels, NikKind) {
  const auto nik = [](const std::string& a, const std::string& b) {
    return level(CompareKind::kNik, a, b);
  };
  EXPECT_EQ(nik("3510014501900001", "3510014501900001"), "exact");
  EXPECT_EQ(nik("3510014501900001", "3510014501980001"), "one_substitution");
  EXPECT_EQ(nik("3510014501900001", "3510014510900001"), "transposition");
  EXPECT_EQ(nik("3510014501900001", "3510014502910001"), "two_edits");
  EXPECT_EQ(nik("3510014501900001", "3510014501900023"), "same_birth");  // twins: serial alone
  // Well-formed, three or more edits apart, embedded birth dates differ: two persons.
  EXPECT_EQ(nik("3510014501900001", "3510026712850001"), "contradicts");
  // Four edits apart in the region and serial alone: the birth dates agree, no contradiction.
  EXPECT_EQ(nik("3510014501900001", "3510994501900099"), "different");
  EXPECT_EQ(nik("3510014501900001", "3599914501900099"), "different");
  // Not well-formed (month 13): far apart but no contradiction.
  EXPECT_EQ(nik("3510014513900001", "3510026712850001"), "different");
  EXPECT_EQ(nik("351001450190001", "3510014501900001"), "different");  // 15 digits
  EXPECT_EQ(nik("'3510014501900001", "3510014501900001.0"), "exact");
  EXPECT_EQ(nik("=\"3510014501900001\"", "3510 0145 0190 0001"), "exact");
  EXPECT_EQ(nik("", "3510014501900001"), "null");
}

// Brute force over all digit strings of a few shapes: the packed NIK level agrees with a
// direct count of substitutions and transpositions.
TEST(LinkageLevels, NikPackedLevelAgreesWithEditCount) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::string a(16, '0');
    for (char& c : a) c = static_cast<char>('0' + rng() % 10);
    std::string b = a;
    const int edits = static_cast<int>(rng() % 5);
    for (int e = 0; e < edits; ++e) {
      const std::size_t k = rng() % 15;
      if (rng() % 2)
        std::swap(b[k], b[k + 1]);
      else
        b[k] = static_cast<char>('0' + rng() % 10);
    }
    std::uint64_t pa = 0, pb = 0;
    ASSERT_TRUE(sk::detail::pack_digits(a, pa) && sk::detail::pack_digits(b, pb));
    const int l = sk::detail::nik_level_packed(pa, pb, false);
    // Direct: fewest substitutions and adjacent transpositions, by dynamic programming.
    std::vector<int> cost(17, 0);
    for (std::size_t i = 1; i <= 16; ++i) {
      cost[i] = cost[i - 1] + (a[i - 1] != b[i - 1]);
      if (i > 1 && a[i - 1] != b[i - 1] && a[i - 1] == b[i - 2] && a[i - 2] == b[i - 1]) {
        cost[i] = std::min(cost[i], cost[i - 2] + 1);
      }
    }
    std::vector<std::vector<int>> d(17, std::vector<int>(17, 0));
    d[16][16] = cost[16];
    const bool same12 = a.compare(0, 12, b, 0, 12) == 0;
    SCOPED_TRACE(a + " " + b);
    if (a == b) {
      EXPECT_EQ(l, sk::detail::kNikExact);
    } else if (same12) {
      EXPECT_EQ(l, sk::detail::kNikSameBirth);
    } else if (l == sk::detail::kNikSubstitution || l == sk::detail::kNikTransposition) {
      EXPECT_EQ(d[16][16], 1);
    } else if (l == sk::detail::kNikTwoEdits) {
      EXPECT_EQ(d[16][16], 2);
    } else {
      EXPECT_GE(d[16][16], 3);
      EXPECT_EQ(l, sk::detail::kNikDifferent);  // not well-formed: never contradicts
    }
  }
}

// Digits both records prove are not mistyped: the birth date digits (7-12) where each
// NIK encodes its own record's birth date, the region digits (1-6) where each NIK's
// region is its record's place's. NIKs that differ only in proven digits are two persons
// (kNikContradicts); any other difference keeps the level it has without proofs, and a
// NIK that is not well-formed is never contradicted this way. Oracle: the digit strings.
TEST(LinkageLevels, NikEditsInDigitsTheRecordsProveContradict) {
  std::mt19937_64 rng(11);
  int contradicted = 0, by_region = 0, by_date = 0;
  for (int round = 0; round < 40000; ++round) {
    std::string a(16, '0');
    for (char& c : a) c = static_cast<char>('0' + rng() % 10);
    std::string b = a;
    const int edits = 1 + static_cast<int>(rng() % 3);
    const int where = static_cast<int>(rng() % 4);  // 0 region, 1 date, 2 both, 3 anywhere
    for (int e = 0; e < edits; ++e) {
      std::size_t k = rng() % 16;
      if (where == 0) k = rng() % 6;
      if (where == 1) k = 6 + rng() % 6;
      if (where == 2) k = rng() % 12;
      b[k] = static_cast<char>('0' + (b[k] - '0' + 1 + rng() % 9) % 10);
    }
    if (a == b) continue;
    std::uint64_t pa = 0, pb = 0;
    ASSERT_TRUE(sk::detail::pack_digits(a, pa) && sk::detail::pack_digits(b, pb));
    const bool dates = rng() % 2 == 0, regions = rng() % 2 == 0;
    const int plain = sk::detail::nik_level_packed(pa, pb, true);
    const int proven = sk::detail::nik_level_packed(pa, pb, true, dates, regions);
    bool only_proven = dates || regions;
    for (std::size_t k = 0; k < 16; ++k) {
      const bool ok = (k < 6 && regions) || (k >= 6 && k < 12 && dates);
      if (a[k] != b[k] && !ok) only_proven = false;
    }
    SCOPED_TRACE(a + " " + b);
    EXPECT_EQ(sk::detail::nik_level_packed(pa, pb, false, dates, regions),
              sk::detail::nik_level_packed(pa, pb, false));
    if (only_proven) {
      EXPECT_EQ(proven, sk::detail::kNikContradicts);
      if (plain != sk::detail::kNikContradicts) {
        ++contradicted;
        if (a.compare(0, 6, b, 0, 6) != 0) ++by_region;
        if (a.compare(6, 6, b, 6, 6) != 0) ++by_date;
      }
    } else {
      EXPECT_EQ(proven, plain);
    }
  }
  EXPECT_GT(contradicted, 3000);
  EXPECT_GT(by_region, 1000);
  EXPECT_GT(by_date, 1000);
}

namespace {

// The kNik level name of two records' NIKs as the model prepares them; also checks that
// prepare_field (the NIK alone) marks the NIK as prepare() does.
std::string prepared_nik_level(const sk::detail::LinkModel& m, const sk::LinkRecord& ra,
                               const sk::LinkRecord& rb) {
  std::vector<sk::detail::FieldValue> va(m.field_count()), vb(m.field_count());
  std::vector<std::uint64_t> keys(m.rule_count());
  std::uint64_t household = 0;
  sk::detail::ValueArena arena;
  m.prepare(ra, va.data(), keys.data(), household, arena);
  m.prepare(rb, vb.data(), keys.data(), household, arena);
  const auto nf = static_cast<std::size_t>(m.nik_field);
  sk::detail::FieldValue alone;
  m.prepare_field(rb, nf, alone, arena);
  EXPECT_EQ(alone.h3, vb[nf].h3);
  return sk::compare_level_names(sk::CompareKind::kNik)[static_cast<std::size_t>(
      sk::detail::compare_field(m.fields[nf], va[nf], vb[nf]) - 1)];
}

}  // namespace

// Through prepared records: the birth date field decides whether the NIKs' date edit is
// corroborated (both records match their own NIK) or a typing error (one does not).
TEST(LinkageLevels, NikDateAgreementComesFromTheRecordsBirthDates) {
  const sk::LinkSettings s = sk::LinkSettings::indonesian();
  const sk::detail::LinkModel m(s);
  auto level = [&](const char* nik_a, const char* date_a, const char* nik_b, const char* date_b) {
    sk::LinkRecord ra, rb;
    ra.set("nik", nik_a);
    ra.set("birth_date", date_a);
    rb.set("nik", nik_b);
    rb.set("birth_date", date_b);
    return prepared_nik_level(m, ra, rb);
  };
  // Born 12 and 13 April 1985, each NIK encoding its own date: two persons.
  EXPECT_EQ(level("3510181204850001", "1985-04-12", "3510181304850001", "1985-04-13"),
            "contradicts");
  // The same NIKs, but the second record's birth date is the first's: a mistyped NIK.
  EXPECT_EQ(level("3510181204850001", "1985-04-12", "3510181304850001", "1985-04-12"),
            "one_substitution");
  // No birth date on one record: nothing corroborates, the edit level stays.
  EXPECT_EQ(level("3510181204850001", "1985-04-12", "3510181304850001", ""), "one_substitution");
  // Women (day + 40) born on days apart: two persons.
  EXPECT_EQ(level("3510185204850001", "1985-04-12", "3510185304850001", "1985-04-13"),
            "contradicts");
  // An edit in the region digits is not a date edit.
  EXPECT_EQ(level("3510181204850001", "1985-04-12", "3510151204850001", "1985-04-12"),
            "one_substitution");
}

// Through prepared records: a NIK's region agrees with its record when the place (the
// village) is one whose region the settings know; both agreeing make a region edit two
// persons, one record whose NIK is not its village's keeps the edit (a typing error).
TEST(LinkageLevels, NikRegionAgreementComesFromThePlace) {
  sk::LinkSettings s = sk::LinkSettings::indonesian();
  s.nik_place_regions = {{"sarigede", "351018"}, {"rejobaru", "351016"}};
  const sk::detail::LinkModel m(s);
  ASSERT_GE(m.nik_place_field, 0);
  auto level = [&](const char* nik_a, const char* village_a, const char* nik_b,
                   const char* village_b) {
    sk::LinkRecord ra, rb;
    ra.set("nik", nik_a);
    ra.set("village", village_a);
    rb.set("nik", nik_b);
    rb.set("village", village_b);
    return prepared_nik_level(m, ra, rb);
  };
  // Namesakes born the same day in two villages, each NIK of its own village's region.
  EXPECT_EQ(level("3510185507880001", "Sarigede", "3510165507880001", "REJOBARU"), "contradicts");
  // The second NIK's region is not its village's: a mistyped NIK, the edit stays.
  EXPECT_EQ(level("3510185507880001", "Sarigede", "3510165507880001", "Sarigede"),
            "one_substitution");
  // A village whose region is not known proves nothing.
  EXPECT_EQ(level("3510185507880001", "Sarigede", "3510165507880001", "Kemiren"),
            "one_substitution");
  // A serial edit is not proven by the place.
  EXPECT_EQ(level("3510185507880001", "Sarigede", "3510185507880002", "Sarigede"), "same_birth");
}

// nik_place_regions round-trips through JSON, and bad entries are refused with their path.
TEST(LinkageSettingsJson, NikPlaceRegionsRoundTripAndAreChecked) {
  sk::LinkSettings s = sk::LinkSettings::indonesian();
  s.nik_place_regions = {{"rejobaru", "351016"}, {"sarigede", "351018"}};
  const sk::LinkSettings back = sk::LinkSettings::from_json(s.to_json());
  EXPECT_EQ(back.nik_place, "village");
  EXPECT_EQ(back.nik_place_regions, s.nik_place_regions);
  const auto error_of = [](const std::string& json) {
    try {
      (void)sk::LinkSettings::from_json(json);
    } catch (const sk::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(R"({"nik_place_regions": {"sarigede": "35101"}})").find("6 digits"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"nik_place_regions": {"sarigede": 351018}})").find("nik_place_regions"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"nik_place": "kelurahan"})").find("$.nik_place"), std::string::npos);
  EXPECT_EQ(error_of(R"({"nik_place": ""})"), "no error");
}

// Training learns a place's region only from a strict majority of at least five
// well-formed NIKs, and the result carries it (so a Linker saved or a model reused
// marks the same NIKs).
TEST(Linkage, LearnsEachPlacesNikRegionFromTheRecords) {
  std::vector<sk::LinkRecord> records;
  auto add = [&](const char* village, const char* region, int count, int serial0) {
    for (int i = 0; i < count; ++i) {
      char nik[17];
      std::snprintf(nik, sizeof nik, "%s%02d0385%04d", region, 1 + (serial0 + i) % 28, serial0 + i);
      records.push_back(person(nik, "Warga " + std::to_string(serial0 + i), "", "", "", village));
    }
  };
  add("Sarigede", "351018", 8, 1);  // 8 of 10: its region
  add("Sarigede", "351023", 2, 100);
  add("Rejobaru", "351016", 6, 200);  // 6 of 12: no strict majority
  add("Rejobaru", "351023", 6, 300);
  add("Kemiren", "351020", 4, 400);  // too few
  const sk::LinkResult res = sk::link(records);
  const auto& learned = res.trained_settings().nik_place_regions;
  ASSERT_EQ(learned.size(), 1U);
  EXPECT_EQ(learned[0].first, "sarigede");
  EXPECT_EQ(learned[0].second, "351018");
}

TEST(LinkageLevels, NikFillsMissingBirthDateAndSex) {
  const sk::LinkSettings s = sk::LinkSettings::indonesian();
  const sk::detail::LinkModel model(s);
  const std::size_t F = model.field_count(), R = model.rule_count();
  sk::detail::ValueArena arena;  // outlives the values
  auto prepare = [&](const sk::LinkRecord& r) {
    std::vector<sk::detail::FieldValue> v(F);
    std::vector<std::uint64_t> keys(R);
    std::uint64_t h = 0;
    model.prepare(r, v.data(), keys.data(), h, arena);
    return v;
  };
  auto field = [&](const char* name) {
    for (std::size_t f = 0; f < F; ++f) {
      if (s.fields[f].name == name) return f;
    }
    return F;
  };
  // A woman born 5 January 1990 (day + 40): no birth date, no sex on the record.
  const auto a = prepare(person("3510014501900001", "Siti Aminah", "", ""));
  const auto b = prepare(person("", "Siti Aminah", "05-01-1990", "P"));
  const std::size_t bd = field("birth_date"), sx = field("sex");
  EXPECT_EQ(sk::detail::compare_field(model.fields[bd], a[bd], b[bd]), 1);
  EXPECT_EQ(sk::detail::compare_field(model.fields[sx], a[sx], b[sx]), 1);
  // A given birth date is kept, not replaced by the NIK's.
  const auto c = prepare(person("3510014501900001", "Siti Aminah", "1991-01-05", ""));
  EXPECT_NE(sk::detail::compare_field(model.fields[bd], c[bd], b[bd]), 1);
  // A malformed NIK fills nothing.
  const auto d = prepare(person("3510014513900001", "Siti Aminah", "", ""));
  EXPECT_TRUE(d[bd].null);
}

namespace {

// A village where names repeat: persons drawn from a pool of three names and two
// birth years, each with a well-formed NIK and one to three records, some without NIK or
// birth date, so that name-only edges can chain persons together.
std::vector<sk::LinkRecord> repeated_names(std::size_t persons, std::uint64_t seed,
                                           std::vector<std::size_t>& truth) {
  const char* const names[] = {"Siti Aminah", "Sri Wahyuni", "Agus Santoso"};
  std::mt19937_64 rng(seed);
  std::vector<sk::LinkRecord> out;
  char nik[24], born[16], kk[24];
  for (std::size_t p = 0; p < persons; ++p) {
    const int day = 1 + static_cast<int>(rng() % 28), month = 1 + static_cast<int>(rng() % 12);
    const int year = 80 + static_cast<int>(rng() % 2);
    const bool woman = rng() % 2;
    std::snprintf(nik, sizeof nik, "3510%02d%02d%02d%02d%04d", 1 + static_cast<int>(rng() % 3),
                  day + (woman ? 40 : 0), month, year, 1 + static_cast<int>(p % 7));
    std::snprintf(born, sizeof born, "19%02d-%02d-%02d", year, month, day);
    std::snprintf(kk, sizeof kk, "35100101%08d", static_cast<int>(p));
    const std::size_t copies = 1 + rng() % 3;
    for (std::size_t c = 0; c < copies; ++c) {
      sk::LinkRecord r =
          person(nik, names[rng() % 3], born, woman ? "P" : "L", rng() % 2 ? kk : "");
      if (rng() % 3 == 0) r.nik.clear();
      if (rng() % 4 == 0) r.birth_date.clear();
      out.push_back(std::move(r));
      truth.push_back(p);
    }
  }
  return out;
}

// No cluster holds two records whose NIKs contradict unless their own comparison is at
// or above the threshold.
template <typename Explain>
void expect_no_contradiction(const std::vector<sk::LinkRecord>& records,
                             const std::vector<std::int64_t>& ids, double threshold,
                             Explain&& explain) {
  const sk::LinkSettings s = sk::LinkSettings::indonesian();
  std::map<std::int64_t, std::vector<std::size_t>> clusters;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= 0) clusters[ids[i]].push_back(i);
  }
  std::size_t checked = 0;
  for (const auto& kv : clusters) {
    for (std::size_t x = 0; x < kv.second.size(); ++x) {
      for (std::size_t y = x + 1; y < kv.second.size(); ++y) {
        const std::size_t i = kv.second[x], j = kv.second[y];
        if (level(CompareKind::kNik, records[i].nik, records[j].nik) != "contradicts") continue;
        ++checked;
        EXPECT_GE(explain(i, j).probability, threshold) << "records " << i << " and " << j;
      }
    }
  }
  (void)checked;
}

}  // namespace

TEST(LinkageClusters, NoClusterJoinsContradictingNiks) {
  for (std::uint64_t seed : {1, 2, 3}) {
    std::vector<std::size_t> truth;
    const auto records = repeated_names(400, seed, truth);
    const sk::LinkResult res = sk::link(records);
    SCOPED_TRACE(seed);
    expect_no_contradiction(records, res.cluster_ids, 0.9,
                            [&](std::size_t i, std::size_t j) { return res.explain(i, j); });
    // The incremental path keeps the same property.
    sk::Linker linker;
    const std::vector<sk::LinkRecord> first(
        records.begin(), records.begin() + static_cast<std::ptrdiff_t>(records.size() / 2));
    linker.fit(first);
    for (std::size_t i = first.size(); i < records.size(); ++i) linker.add(records[i]);
    expect_no_contradiction(records, linker.cluster_ids(), 0.9,
                            [&](std::size_t i, std::size_t j) { return linker.explain(i, j); });
  }
}

TEST(LinkageClusters, ABridgeWithoutNikDoesNotChainTwoPersons) {
  // Two women of one name in one village, born 1980 and 1985 (contradicting NIKs), and a
  // third listing of that name with no NIK and no birth date that matches each of them
  // above the threshold on name, village and RT/RW alone.
  sk::LinkSettings s = hand_settings();
  s.threshold = 0.9;
  s.household_key.clear();
  s.blocking = {{"name:phonetic", "village"}};
  const std::vector<sk::LinkRecord> rs = {
      person("3510014501800001", "Siti Aminah", "1980-01-05", "P"),
      person("3510016712850001", "Siti Aminah", "1985-12-27", "P"),
      person("", "Siti Aminah", "", "P")};
  const sk::LinkResult res = sk::link(rs, s);
  ASSERT_GE(res.explain(0, 2).probability, 0.9);
  ASSERT_GE(res.explain(1, 2).probability, 0.9);
  ASSERT_LT(res.explain(0, 1).probability, 0.9);
  EXPECT_EQ(res.explain(0, 1).fields[0].level, "contradicts");
  EXPECT_NE(res.cluster_ids[0], res.cluster_ids[1]);
  EXPECT_TRUE(res.cluster_ids[2] == res.cluster_ids[0] || res.cluster_ids[2] == res.cluster_ids[1]);
  EXPECT_EQ(res.stats.refused_merges, 1U);
  // The Linker refuses the same bridge.
  sk::Linker linker(s);
  linker.fit({rs[0], rs[1]});
  linker.add(rs[2]);
  const auto ids = linker.cluster_ids();
  EXPECT_NE(ids[0], ids[1]);
  // And a direct comparison above the threshold is the only way past a contradiction:
  // with a threshold low enough for the pair itself, the two join.
  s.threshold = 1e-9;
  const sk::LinkResult low = sk::link(rs, s);
  EXPECT_EQ(low.cluster_ids[0], low.cluster_ids[1]);
}

TEST(LinkageModel, WeakIdentityFieldIsReported) {
  std::vector<std::size_t> truth;
  const auto records = repeated_names(200, 4, truth);
  // A deliberately bad model: the NIK barely matters.
  sk::LinkSettings bad = hand_settings();
  for (auto& f : bad.fields) {
    if (f.name == "nik") {
      f.kind = CompareKind::kId;
      f.m = {0.3, 0.2, 0.2, 0.3};
      f.u = {0.25, 0.25, 0.25, 0.25};
    }
  }
  const sk::LinkResult weak = sk::link(records, bad);
  const auto mentions_nik = [](const std::vector<std::string>& w) {
    return std::any_of(w.begin(), w.end(), [](const std::string& t) {
      return t.find("'nik'") != std::string::npos && t.find("weak") != std::string::npos;
    });
  };
  EXPECT_TRUE(mentions_nik(weak.warnings));
  const sk::LinkResult sound = sk::link(records, hand_settings());
  EXPECT_FALSE(mentions_nik(sound.warnings));
  // No personal data in warnings.
  for (const std::string& w : weak.warnings) {
    EXPECT_EQ(w.find("3510"), std::string::npos);
    EXPECT_EQ(w.find("Siti"), std::string::npos);
  }
}

TEST(LinkageModel, UnknownColumnsAreAnErrorOrAWarning) {
  std::vector<sk::LinkRecord> rs(5);
  for (std::size_t i = 0; i < rs.size(); ++i)
    rs[i].set("given_name", "Siti " + std::to_string(i % 2));
  try {
    sk::link(rs);
    FAIL() << "no compared column had a value";
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("column"), std::string::npos);
  }
  // A blocking rule on a column no record has, and a field with no values: warnings.
  std::vector<sk::LinkRecord> named;
  for (int i = 0; i < 6; ++i)
    named.push_back(person("", "Siti Aminah", "", "P", "", "Desa " + std::to_string(i)));
  sk::LinkSettings s = sk::LinkSettings::indonesian();
  s.blocking = {{"nomor_kartu"}};
  const sk::LinkResult res = sk::link(named, s);
  const auto has = [&](const char* text) {
    return std::any_of(res.warnings.begin(), res.warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("nomor_kartu"));
  EXPECT_TRUE(has("no two records share a blocking key"));
  EXPECT_TRUE(has("'nik'"));  // the NIK column is empty everywhere
  EXPECT_TRUE(has("missing column?"));
  // NIK parts on another register's 7-digit numbers: the warning says why, not "missing".
  std::vector<sk::LinkRecord> short_ids;
  for (int i = 0; i < 6; ++i)
    short_ids.push_back(person(std::to_string(1234560 + i), "Siti Aminah", "", "P"));
  s.blocking = {{"nik:prefix12"}, {"nik:suffix4"}};
  const sk::LinkResult ids = sk::link(short_ids, s);
  const auto said = [&](const std::string& text) {
    return std::count_if(ids.warnings.begin(), ids.warnings.end(),
                         [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  EXPECT_EQ(said("[nik:prefix12] gives no record a key (the values of column 'nik' have at most "
                 "7 characters, fewer than 12"),
            1);
  EXPECT_EQ(said("[nik:suffix4] gives no record a key"), 0);  // it keys every record
}

TEST(LinkageModel, SkippedBlocksAndLargeClustersAreReported) {
  std::vector<sk::LinkRecord> rs;
  for (int i = 0; i < 30; ++i)
    rs.push_back(person("3510014501900001", "Siti Aminah", "1990-01-05", "P"));
  sk::LinkSettings s = hand_settings();
  s.max_block_size = 10;
  s.max_cluster_size = 5;
  s.blocking = {{"nik"}, {"name:phonetic", "birth_date"}, {"village", "birth_date"}};
  // Every block holds all 30 records: all are skipped and counted.
  const sk::LinkResult skipped = sk::link(rs, s);
  EXPECT_EQ(skipped.stats.skipped_blocks, 3U);
  EXPECT_EQ(skipped.stats.skipped_records, 90U);
  EXPECT_FALSE(skipped.warnings.empty());
  s.max_block_size = 100;
  const sk::LinkResult big = sk::link(rs, s);
  EXPECT_EQ(big.stats.largest_cluster, 30U);
  EXPECT_EQ(big.stats.large_clusters, 1U);
  EXPECT_TRUE(std::any_of(big.warnings.begin(), big.warnings.end(), [](const std::string& w) {
    return w.find("more than 5 records") != std::string::npos;
  }));
}
