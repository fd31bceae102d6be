#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <smartkampung/nik.hpp>
#include <string>

namespace sk = smartkampung;

namespace {
const sk::Date kAsOf = sk::Date::from_ymd(2020, 5, 1);

std::string make_nik(const std::string& region6, int day, int month, int year, bool female,
                     int serial) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%02d%02d%02d%04d", region6.c_str(), female ? day + 40 : day,
                month, year % 100, serial);
  return buf;
}
}  // namespace

TEST(Date, CivilRoundTripOverFourHundredYears) {
  for (std::int32_t d = sk::days_from_civil(1800, 1, 1); d < sk::days_from_civil(2200, 1, 1); ++d) {
    int y, m, dd;
    sk::civil_from_days(d, y, m, dd);
    ASSERT_TRUE(sk::Date::is_valid_ymd(y, m, dd));
    ASSERT_EQ(sk::days_from_civil(y, m, dd), d);
  }
  EXPECT_EQ(sk::days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(sk::Date::parse_iso("2020-02-29").to_iso(), "2020-02-29");
  EXPECT_THROW(sk::Date::parse_iso("2021-02-29"), sk::Error);
}

TEST(Date, AgeAndLocalDates) {
  EXPECT_EQ(sk::age_in_years(sk::Date::from_ymd(2000, 2, 29), sk::Date::from_ymd(2018, 2, 28)), 17);
  EXPECT_EQ(sk::age_in_years(sk::Date::from_ymd(2000, 2, 29), sk::Date::from_ymd(2018, 3, 1)), 18);
  // 2020-07-20 16:59:59 UTC is 23:59:59 WIB; one second later is the next day.
  const sk::Instant t = sk::start_of_day(sk::Date::from_ymd(2020, 7, 21)) - 1;
  EXPECT_EQ(sk::local_date(t).to_iso(), "2020-07-20");
  EXPECT_EQ(sk::local_date(t + 1).to_iso(), "2020-07-21");
  EXPECT_EQ(sk::local_date(t + 1, sk::TimeZone::kWIT).to_iso(), "2020-07-21");
  EXPECT_EQ(sk::local_date(t - 2 * 3600 + 1, sk::TimeZone::kWIT).to_iso(), "2020-07-21");
}

TEST(Nik, DecodesAFemaleNikWithNames) {
  const sk::NikInfo info = sk::parse_nik("3510014501900001", kAsOf);
  EXPECT_EQ(info.province, "35");
  EXPECT_EQ(info.regency, "3510");
  EXPECT_EQ(info.district, "351001");
  EXPECT_EQ(info.province_name, "Jawa Timur");
  EXPECT_EQ(info.regency_name, "Kabupaten Banyuwangi");
  EXPECT_EQ(info.district_name, "Pesanggaran");
  EXPECT_EQ(info.birth_date, sk::Date::from_ymd(1990, 1, 5));
  EXPECT_EQ(info.sex, sk::Sex::kFemale);
  EXPECT_EQ(info.serial, 1);
  EXPECT_EQ(info.digits(), "3510014501900001");
  EXPECT_FALSE(info.repaired);
}

TEST(Nik, UnknownRegencyIsStillValidWithEmptyNames) {
  const sk::NikInfo info = sk::parse_nik("3299011203950004", kAsOf);
  EXPECT_EQ(info.province_name, "Jawa Barat");
  EXPECT_EQ(info.regency_name, "");
  EXPECT_EQ(info.district_name, "");
}

TEST(Nik, CenturyFollowsTheReferenceDate) {
  EXPECT_EQ(sk::parse_nik("3510010101190001", kAsOf).birth_date.year(), 2019);
  EXPECT_EQ(sk::parse_nik("3510010101210001", kAsOf).birth_date.year(), 1921);
  // 1 May 2020 itself is 2020; 2 May 2020 would be in the future, so 1920.
  EXPECT_EQ(sk::parse_nik("3510010105200001", kAsOf).birth_date.year(), 2020);
  EXPECT_EQ(sk::parse_nik("3510010205200001", kAsOf).birth_date.year(), 1920);
  // 29 Feb 00 is 2000 (leap); with as_of in 1999 it would be 1900, which has no 29 Feb.
  EXPECT_TRUE(sk::is_valid_nik("3510012902000001", kAsOf));
  EXPECT_FALSE(sk::is_valid_nik("3510012902000001", sk::Date::from_ymd(1999, 1, 1)));
}

TEST(Nik, ReasonsInOrder) {
  struct Case {
    const char* nik;
    sk::NikReason reason;
  };
  const Case cases[] = {
      {"", sk::NikReason::kLength},
      {"351001450190001", sk::NikReason::kLength},
      {"35100145019000011", sk::NikReason::kLength},
      {"35100145019000O1", sk::NikReason::kNonDigit},
      {"9910014501900001", sk::NikReason::kProvince},
      {"99100145019000x1", sk::NikReason::kNonDigit},   // non_digit wins over province
      {"3510013202900001", sk::NikReason::kBirthDate},  // day 32
      {"3510013002900001", sk::NikReason::kBirthDate},  // 30 Feb
      {"3510012902010001", sk::NikReason::kBirthDate},  // 29 Feb 2001
      {"3510017201900001", sk::NikReason::kBirthDate},  // day 72 (woman, 32)
      {"3510010113900001", sk::NikReason::kBirthDate},  // month 13
      {"3510010100900001", sk::NikReason::kBirthDate},  // month 0
      {"3510010001900001", sk::NikReason::kBirthDate},  // day 0
      {"3510014001900001", sk::NikReason::kBirthDate},  // day 40 (neither)
      {"3510010101900000", sk::NikReason::kSerial},
      {"9910013202900000", sk::NikReason::kProvince},   // province wins over date and serial
      {"3510013202900000", sk::NikReason::kBirthDate},  // date wins over serial
      {"3.51001E+15", sk::NikReason::kScientificNotation},
      {"3,51001e15", sk::NikReason::kScientificNotation},
      {"3510014501900001", sk::NikReason::kValid},
      {"  3510014501900001\t", sk::NikReason::kValid},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(sk::check_nik(c.nik, kAsOf).reason, c.reason) << "case " << c.nik;
    if (c.reason == sk::NikReason::kValid) continue;
    try {
      sk::parse_nik(c.nik, kAsOf);
      ADD_FAILURE() << "no exception for " << c.nik;
    } catch (const sk::NikError& e) {
      EXPECT_EQ(e.reason(), c.reason);
      EXPECT_EQ(e.code(), sk::ErrorCode::kInvalidArgument);
      // The message names the reason and never the number itself.
      EXPECT_NE(std::string(e.what()).find(sk::nik_reason_name(c.reason)), std::string::npos);
      if (std::string(c.nik).size() >= 8) {
        EXPECT_EQ(std::string(e.what()).find(c.nik), std::string::npos);
      }
    }
  }
}

TEST(Nik, SpreadsheetDamageIsRepairedAndReported) {
  const sk::NikInfo a = sk::parse_nik("'3510014501900001", kAsOf);
  EXPECT_TRUE(a.repaired);
  EXPECT_EQ(a.digits(), "3510014501900001");
  const sk::NikInfo b = sk::parse_nik("3510014501900001.0", kAsOf);
  EXPECT_TRUE(b.repaired);
  EXPECT_EQ(b.value, a.value);
}

TEST(Nik, PropertyEveryBuiltNikParsesBack) {
  std::mt19937_64 rng(20200501);
  const char* regions[] = {"351001", "351016", "351025", "310101", "940101", "110101"};
  for (int i = 0; i < 20000; ++i) {
    const sk::Date born(static_cast<std::int32_t>(std::uniform_int_distribution<int>(
        sk::days_from_civil(1921, 5, 2), kAsOf.days_since_epoch())(rng)));
    const bool female = rng() % 2 == 0;
    const int serial = std::uniform_int_distribution<int>(1, 9999)(rng);
    const std::string region = regions[rng() % 6];
    const std::string nik = make_nik(region, born.day(), born.month(), born.year(), female, serial);
    const sk::NikInfo info = sk::parse_nik(nik, kAsOf);
    ASSERT_EQ(info.birth_date, born) << nik;
    ASSERT_EQ(info.sex, female ? sk::Sex::kFemale : sk::Sex::kMale);
    ASSERT_EQ(info.serial, serial);
    ASSERT_EQ(info.district, region);
    ASSERT_EQ(info.digits(), nik);
  }
}

TEST(Nik, PropertySingleDigitChangesThatBreakTheDateAreRejected) {
  // Oracle: decode the date digits independently and decide validity by days_in_month.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const sk::Date born(static_cast<std::int32_t>(std::uniform_int_distribution<int>(
        sk::days_from_civil(1930, 1, 1), sk::days_from_civil(2019, 12, 31))(rng)));
    std::string nik = make_nik("351009", born.day(), born.month(), born.year(), rng() % 2 == 0, 17);
    for (int pos = 6; pos < 12; ++pos) {
      for (char digit = '0'; digit <= '9'; ++digit) {
        std::string changed = nik;
        changed[static_cast<std::size_t>(pos)] = digit;
        int day = (changed[6] - '0') * 10 + (changed[7] - '0');
        const int month = (changed[8] - '0') * 10 + (changed[9] - '0');
        const int yy = (changed[10] - '0') * 10 + (changed[11] - '0');
        if (day > 40) day -= 40;
        int year = 2000 + yy;
        const int dim = sk::days_in_month(year, month);
        bool date_ok = dim > 0 && day >= 1;
        if (date_ok) {
          if (sk::days_from_civil(year, month, std::min(day, dim)) > kAsOf.days_since_epoch())
            year -= 100;
          date_ok = day <= sk::days_in_month(year, month);
        }
        const sk::NikReason got = sk::check_nik(changed, kAsOf).reason;
        ASSERT_EQ(got, date_ok ? sk::NikReason::kValid : sk::NikReason::kBirthDate) << changed;
      }
    }
  }
}

TEST(Kk, DecodesIssueDateWithoutSexOffset) {
  const sk::KkInfo kk = sk::parse_kk("3510011203150002", kAsOf);
  EXPECT_EQ(kk.issue_date, sk::Date::from_ymd(2015, 3, 12));
  EXPECT_EQ(kk.serial, 2);
  EXPECT_EQ(kk.district_name, "Pesanggaran");
  // Day 52 is a woman's NIK day, not a KK issue day.
  EXPECT_EQ(sk::check_kk("3510015203150002", kAsOf).reason, sk::NikReason::kBirthDate);
  EXPECT_TRUE(sk::is_valid_nik("3510015203150002", kAsOf));
  EXPECT_THROW(sk::parse_kk("3510011203150000", kAsOf), sk::NikError);
}

TEST(Nik, MaskKeepsFirstAndLastFour) {
  EXPECT_EQ(sk::mask_nik("3510014501900001"), "3510********0001");
  EXPECT_EQ(sk::mask_nik("123"), "****************");
}

TEST(Regions, ProvincesIncludingNewPapuaCodes) {
  for (const char* code : {"11", "35", "91", "92", "93", "94", "95", "96"}) {
    EXPECT_FALSE(sk::region_name(code).empty()) << code;
  }
  EXPECT_TRUE(sk::region_name("99").empty());
  EXPECT_EQ(sk::region_name("351025"), "Blimbingsari");
  EXPECT_EQ(sk::region_name("3578"), "Kota Surabaya");
}
