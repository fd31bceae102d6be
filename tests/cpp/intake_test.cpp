// The intake layer: header aliases, key repair, dates decided per column, sex, booleans,
// numbers; and the corpus of list files in tests/data/intake against expected.json.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <smartkampung/intake.hpp>
#include <smartkampung/linkage.hpp>
#include <smartkampung/registry.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace sk = smartkampung;

namespace {

const sk::Date kAsOf = sk::Date::from_ymd(2024, 6, 1);

std::int32_t ymd(int y, int m, int d) { return sk::days_from_civil(y, m, d); }

std::string corpus(const std::string& name) {
  return std::string(SKAMP_SOURCE_DIR) + "/tests/data/intake/" + name;
}

}  // namespace

TEST(Intake, HeadersFoldToOneAliasTable) {
  EXPECT_EQ(sk::fold_header(" No. KK "), "nokk");
  EXPECT_EQ(sk::fold_header("Tgl_Lahir"), "tgllahir");
  EXPECT_EQ(sk::fold_header("L/P"), "lp");
  const std::pair<const char*, const char*> cases[] = {
      {"NIK", "nik"},
      {"NIK KTP", "nik"},
      {"No. NIK", "nik"},
      {"NIK_KPM", "nik"},
      {"No. KK", "kk"},
      {"Nomor KK", "kk"},
      {"Nama Penerima", "name"},
      {"NAMA KRT", "name"},
      {"Tgl. Lahir", "birth_date"},
      {"TTL", "birth_date"},
      {"L/P", "sex"},
      {"Kelamin", "sex"},
      {"J/K", "sex"},
      {"Desa/Kelurahan", "village"},
      {"Kec.", "district"},
      {"RT", "rt"},
      {"lintang", "lat"},
      {"Bujur", "lon"},
      {"Kapasitas", "capacity"},
      {"Keterangan", ""},
  };
  for (const auto& [header, field] : cases) EXPECT_EQ(sk::header_field(header), field) << header;
}

TEST(Intake, MatchColumnsNamesTheIgnoredAndTakesTheExplicitMap) {
  const std::vector<std::string> header = {"No", "NIK_KPM", "NAMA KRT", "Catatan", "NIK"};
  const std::vector<std::string> fields = {"nik", "name", "kk"};
  const sk::ColumnMatch m = sk::match_columns(header, fields);
  EXPECT_EQ(m.column, (std::vector<long>{1, 2, -1}));
  EXPECT_EQ(m.ignored,
            (std::vector<std::string>{"No", "Catatan", "NIK"}));  // the second NIK column too
  const sk::ColumnMatch e = sk::match_columns(header, fields, {{"nik", "nik"}, {"kk", "catatan"}});
  EXPECT_EQ(e.column, (std::vector<long>{4, 2, 3}));
  EXPECT_EQ(e.ignored, (std::vector<std::string>{"No", "NIK_KPM"}));
  EXPECT_THROW(sk::match_columns(header, fields, {{"nope", "NIK"}}), sk::Error);
  EXPECT_THROW(sk::match_columns(header, fields, {{"nik", "NOMOR"}}), sk::Error);
}

TEST(Intake, KeyRepairUndoesSpreadsheetDamage) {
  std::array<char, 24> buf;
  sk::KeyRepair r;
  struct Case {
    const char* in;
    const char* out;
    sk::KeyRepair kind;
  };
  const Case cases[] = {
      {"3510186904851402", "3510186904851402", sk::KeyRepair::kNone},
      {"'3510186904851402", "3510186904851402", sk::KeyRepair::kApostrophe},
      {"3510186904851402.0", "3510186904851402", sk::KeyRepair::kDotZero},
      {"=\"3510186904851402\"", "3510186904851402", sk::KeyRepair::kFormulaText},
      {"3510 1869 0485 1402", "3510186904851402", sk::KeyRepair::kDigitGroups},
      {"351018.690485.1402", "3510186904851402", sk::KeyRepair::kDigitGroups},
      {"35-10-18-690485-1402", "3510186904851402", sk::KeyRepair::kDigitGroups},
      {"3510 1869.0485 1402", "3510 1869.0485 1402", sk::KeyRepair::kNone},  // mixed separators
      {"3510 1869 0485 140", "3510 1869 0485 140", sk::KeyRepair::kNone},    // 15 digits
      {"3.51019E+15", "3.51019E+15", sk::KeyRepair::kNone},                  // digits lost
      {"3510186904851402 1", "3510186904851402 1", sk::KeyRepair::kNone},    // a group of one
  };
  for (const Case& c : cases) {
    EXPECT_EQ(sk::repair_key_text(c.in, buf, r), c.out) << c.in;
    EXPECT_EQ(r, c.kind) << c.in;
  }
}

TEST(Intake, DateCellsInEveryShape) {
  const sk::DateReader reader(kAsOf);
  const std::int32_t want = ymd(1985, 4, 29);
  for (const char* text :
       {"1985-04-29", "1985-04-29 00:00:00", "1985-04-29T00:00", "1985/4/29", "29-04-1985",
        "29/04/1985", "29.04.1985", "29/04/85", "29-4-85", " 29 April 1985 ", "29-Apr-85",
        "29-Apr-85", "29 april 1985", "April 29 1985", "31166", "31166.0", "19850429",
        "Banyuwangi, 29-04-1985", "Kab. Banyuwangi, 29 April 1985"}) {
    const sk::DateCell c = reader.read(text);
    EXPECT_EQ(c.under(sk::DateOrder::kDayFirst), want) << text;
  }
  EXPECT_EQ(reader.read("29 Agustus 1985").day_first, ymd(1985, 8, 29));
  EXPECT_EQ(reader.read("29-Agt-85").day_first, ymd(1985, 8, 29));
  EXPECT_EQ(reader.read("1 Nopember 1990").day_first, ymd(1990, 11, 1));
  EXPECT_EQ(reader.read("7 Mei 2001").day_first, ymd(2001, 5, 7));
  // Month first only: 4/29/1985.
  const sk::DateCell us = reader.read("4/29/1985");
  EXPECT_EQ(us.day_first, sk::kNoDay);
  EXPECT_EQ(us.month_first, want);
  // Ambiguous: both readings kept.
  const sk::DateCell amb = reader.read("05/06/1990");
  EXPECT_EQ(amb.day_first, ymd(1990, 6, 5));
  EXPECT_EQ(amb.month_first, ymd(1990, 5, 6));
  // Two-digit years: 20YY unless after the reference date, then 19YY.
  EXPECT_EQ(reader.read("01/06/24").day_first, ymd(2024, 6, 1));
  EXPECT_EQ(reader.read("02/06/24").day_first, ymd(1924, 6, 2));
  EXPECT_EQ(reader.read("15/03/45").day_first, ymd(1945, 3, 15));
  // Not dates.
  for (const char* text : {"", "belum diisi", "31-02-1985", "29/04-1985", "13/13/1985", "1985", "0",
                           "60", "29-Xyz-85", "1-2-3-4", "12:30"}) {
    EXPECT_FALSE(reader.read(text).valid()) << text;
  }
}

TEST(Intake, DateOrderIsDecidedByTheColumn) {
  const sk::DateReader reader(kAsOf);
  sk::DateOrderVotes votes;
  for (const char* t : {"4/29/1985", "05/06/1990", "12/31/1999"}) votes.add(reader.read(t));
  EXPECT_EQ(votes.decide(), sk::DateOrder::kMonthFirst);
  sk::DateOrderVotes dmy;
  for (const char* t : {"29/04/1985", "05/06/1990"}) dmy.add(reader.read(t));
  EXPECT_EQ(dmy.decide(), sk::DateOrder::kDayFirst);
  sk::DateOrderVotes none;
  none.add(reader.read("1985-04-29"));
  EXPECT_EQ(none.decide(), sk::DateOrder::kUnknown);
}

TEST(Intake, SexBooleansAndNumbers) {
  for (const char* m : {"L", "l", "LK", "Laki-laki", "LAKI LAKI", "Pria", "M", "male", "1"}) {
    EXPECT_EQ(sk::read_sex(m), 'M') << m;
  }
  for (const char* f : {"P", "PR", "Perempuan", "wanita", "W", "F", "Female", "2"})
    EXPECT_EQ(sk::read_sex(f), 'F') << f;
  for (const char* x : {"", "X", "3", "laki-perempuan"}) EXPECT_EQ(sk::read_sex(x), 0) << x;
  for (const char* t : {"ya", "Y", "true", "1", "Yes", "benar"})
    EXPECT_EQ(sk::read_bool(t), 1) << t;
  for (const char* t : {"tidak", "T", "false", "0", "no", "salah"})
    EXPECT_EQ(sk::read_bool(t), 0) << t;
  EXPECT_EQ(sk::read_bool("mungkin"), -1);
  double v = 0;
  const std::pair<const char*, double> numbers[] = {{"1.500.000", 1500000},
                                                    {"1,500,000", 1500000},
                                                    {"1.500,50", 1500.5},
                                                    {"1,500.50", 1500.5},
                                                    {"2,5", 2.5},
                                                    {"2.5", 2.5},
                                                    {"1.500", 1500},
                                                    {"Rp 750.000", 750000},
                                                    {"-3", -3},
                                                    {"42", 42}};
  for (const auto& [text, want] : numbers) {
    ASSERT_TRUE(sk::read_number(text, v)) << text;
    EXPECT_DOUBLE_EQ(v, want) << text;
  }
  for (const char* bad : {"", "abc", "1.2.3,4,5", "1,2.3.4"})
    EXPECT_FALSE(sk::read_number(bad, v)) << bad;
  ASSERT_TRUE(sk::read_coordinate("-8,2191", v));
  EXPECT_DOUBLE_EQ(v, -8.2191);
  ASSERT_TRUE(sk::read_coordinate("114.3691", v));
  EXPECT_DOUBLE_EQ(v, 114.3691);
  EXPECT_FALSE(sk::read_coordinate("1.2.3", v));
}

// Every CSV file of the corpus, loaded with Registry::load_csv, gives the counts in
// expected.json: loaded rows, rejected lines and reasons, nulled fields with lines,
// repairs, the date order, ignored columns and quote runs.
TEST(Intake, KeyedRecordsGoThroughTheSameTableAndReaders) {
  sk::KeyedIntake intake(sk::Date::from_ymd(2020, 5, 1), {"NAMA_PANGGILAN"}, {{"kk", "KELUARGA"}});
  EXPECT_EQ(intake.column_of("NIK"), "nik");
  EXPECT_EQ(intake.column_of("Tgl. Lahir"), "birth_date");
  EXPECT_EQ(intake.column_of("L/P"), "sex");
  EXPECT_EQ(intake.column_of("keluarga"), "kk");  // the explicit map, any case
  EXPECT_TRUE(intake.is_explicit("KELUARGA"));
  EXPECT_FALSE(intake.is_explicit("NIK"));
  EXPECT_EQ(intake.column_of("NAMA_PANGGILAN"), "NAMA_PANGGILAN");  // kept as the caller names it
  EXPECT_EQ(intake.column_of("Status DTKS"), "Status DTKS");        // no field: unchanged
  ASSERT_EQ(intake.renamed().size(), 5u);  // NIK, Tgl. Lahir, L/P, keluarga, KELUARGA

  std::vector<sk::LinkRecord> batch(4);
  batch[0].nik = "=\"3510014501900001\"";
  batch[0].birth_date = "05/01/90";
  batch[0].sex = "PR";
  batch[1].kk = "3510010101150001.0";
  batch[1].birth_date = "29/04/85";  // day 29: the column is day first
  batch[1].sex = "Laki-laki";
  batch[2].birth_date = "belum tahu";
  batch[2].sex = "?";
  batch[3].birth_date = "1985-04-29 00:00:00";
  intake.canonicalize(batch);
  EXPECT_EQ(batch[0].nik, "3510014501900001");
  EXPECT_EQ(batch[0].birth_date, "1990-01-05");
  EXPECT_EQ(batch[0].sex, "F");
  EXPECT_EQ(batch[1].kk, "3510010101150001");
  EXPECT_EQ(batch[1].birth_date, "1985-04-29");
  EXPECT_EQ(batch[1].sex, "M");
  EXPECT_EQ(batch[2].birth_date, "belum tahu");  // left as it was: the loader decides
  EXPECT_EQ(batch[2].sex, "?");
  EXPECT_EQ(batch[3].birth_date, "1985-04-29");
  EXPECT_EQ(intake.birth_order(), sk::DateOrder::kDayFirst);
  EXPECT_EQ(intake.counts().keys_repaired, 2u);
  EXPECT_EQ(intake.counts().dates_read, 3u);
  EXPECT_EQ(intake.counts().dates_unreadable, 1u);
  EXPECT_EQ(intake.counts().sexes_read, 2u);
  EXPECT_EQ(intake.counts().sexes_unreadable, 1u);

  // A later batch keeps the order the first one decided (04/05 stays 4 May).
  std::vector<sk::LinkRecord> later(1);
  later[0].birth_date = "04/05/90";
  intake.canonicalize(later);
  EXPECT_EQ(later[0].birth_date, "1990-05-04");
}

TEST(Intake, CorpusGivesItsExpectedCounts) {
  std::ifstream in(corpus("expected.json"));
  ASSERT_TRUE(in) << "tests/data/intake/expected.json";
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  ASSERT_FALSE(doc.HasParseError());
  std::size_t files = 0;
  for (auto it = doc["files"].MemberBegin(); it != doc["files"].MemberEnd(); ++it) {
    const std::string name = it->name.GetString();
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".csv") != 0)
      continue;  // workbooks: Python
    const rapidjson::Value& want = it->value;
    ++files;
    sk::Registry reg(kAsOf);
    const sk::LoadReport rep = reg.load_csv(corpus(name), "P", sk::ProgramLevel::kCentral);
    EXPECT_EQ(rep.loaded, want["loaded"].GetUint64()) << name;
    EXPECT_EQ(reg.size(), rep.loaded) << name;
    ASSERT_EQ(rep.rejected.size(), want["rejected"].Size()) << name;
    for (rapidjson::SizeType i = 0; i < want["rejected"].Size(); ++i) {
      EXPECT_EQ(rep.rejected[i].line, want["rejected"][i][0].GetUint64()) << name;
      EXPECT_EQ(rep.rejected[i].reason, want["rejected"][i][1].GetString()) << name;
      EXPECT_FALSE(rep.rejected[i].raw.empty()) << name;
    }
    std::map<std::string, std::vector<std::size_t>> nulled, want_nulled;
    for (const auto& n : rep.nulled) nulled[n.field] = n.lines;
    for (auto f = want["nulled"].MemberBegin(); f != want["nulled"].MemberEnd(); ++f) {
      for (const auto& l : f->value.GetArray())
        want_nulled[f->name.GetString()].push_back(l.GetUint64());
    }
    EXPECT_EQ(nulled, want_nulled) << name;
    std::map<std::string, std::size_t> repairs(rep.repairs.begin(), rep.repairs.end()),
        want_repairs;
    for (auto f = want["repairs"].MemberBegin(); f != want["repairs"].MemberEnd(); ++f) {
      want_repairs[f->name.GetString()] = f->value.GetUint64();
    }
    EXPECT_EQ(repairs, want_repairs) << name;
    EXPECT_EQ(rep.date_order, want["date_order"].GetString()) << name;
    std::vector<std::string> ignored;
    for (const auto& s : want["ignored_columns"].GetArray()) ignored.emplace_back(s.GetString());
    EXPECT_EQ(rep.ignored_columns, ignored) << name;
    EXPECT_EQ(rep.has_column("kk"), want["households"].GetBool()) << name;
    const std::size_t runs = want.HasMember("quote_runs") ? want["quote_runs"].Size() : 0;
    ASSERT_EQ(rep.quote_runs.size(), runs) << name;
    for (std::size_t i = 0; i < runs; ++i) {
      const auto& q = want["quote_runs"][static_cast<rapidjson::SizeType>(i)];
      EXPECT_EQ(rep.quote_runs[i].first_line, q[0].GetUint64()) << name;
      EXPECT_EQ(rep.quote_runs[i].last_line, q[1].GetUint64()) << name;
      EXPECT_EQ(rep.quote_runs[i].recovered, q[2].GetUint64()) << name;
    }
    // Every loaded row with a readable date agrees with its NIK (the corpus is made so).
    for (const sk::Enrolment& e : reg.records("P")) {
      if (!e.birth_date) continue;
      const int nik_day = std::stoi(e.nik.substr(6, 2)) % 40;
      EXPECT_EQ(e.birth_date->day(), nik_day) << name << " line " << e.line;
      EXPECT_EQ(e.birth_date->month(), std::stoi(e.nik.substr(8, 2))) << name << " line " << e.line;
    }
  }
  EXPECT_EQ(files, 15u);
}

// A monthly update that lost every row is refused and the old list stays.
TEST(Intake, ReplaceProgramKeepsTheOldListWhenTheNewOneLostTooMuch) {
  sk::Registry reg(kAsOf);
  const sk::LoadReport before =
      reg.load_csv(corpus("monthly_previous.csv"), "PKH", sk::ProgramLevel::kCentral);
  ASSERT_EQ(before.loaded, 30u);
  try {
    reg.replace_program_csv("PKH", corpus("monthly_all_damaged.csv"), sk::ProgramLevel::kCentral);
    ADD_FAILURE() << "no refusal";
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kLimit);
    EXPECT_NE(std::string(e.what()).find("30 of 30 rows rejected"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("3510"), std::string::npos) << "no NIK in a message";
  }
  EXPECT_EQ(reg.records("PKH").size(), 30u);
  // Forced, it replaces.
  sk::ReplaceOptions force;
  force.force = true;
  const sk::LoadReport forced = reg.replace_program_csv("PKH", corpus("monthly_all_damaged.csv"),
                                                        sk::ProgramLevel::kCentral, {}, force);
  EXPECT_EQ(forced.loaded, 0u);
  EXPECT_EQ(reg.records("PKH").size(), 0u);
}
