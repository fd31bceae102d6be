#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <smartkampung/linkage.hpp>
#include <smartkampung/registry.hpp>
#include <thread>

#include "core/key_sort.hpp"
#include "core/sha256.hpp"
#include "registry/internal.hpp"

namespace sk = smartkampung;

namespace {

const sk::Date kAsOf = sk::Date::from_ymd(2020, 5, 1);

std::string make_nik(int district, int day, int month, int year, bool female, int serial) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "3510%02d%02d%02d%02d%04d", district, female ? day + 40 : day,
                month, year % 100, serial);
  return buf;
}

std::string make_kk(int district, int serial) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "3510%02d0101%02d%04d", district, 15, serial);
  return buf;
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + name; }

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

bool small_size() {
  const char* s = std::getenv("SKAMP_TEST_SIZE");
  return s != nullptr && std::string(s) == "small";
}

}  // namespace

TEST(Registry, LoadsCsvWithAliasesAndReportsRejections) {
  const std::string path = temp_path("reg_aliases.csv");
  write(path,
        "NIK;No_KK;Nama;Tanggal Lahir;JK;Alamat;Desa;Kecamatan;RT;RW\r\n"
        "'3510014501900001;3510010101150001;Siti Aminah;05-01-1990;P;Jl. "
        "Mawar;Sumberagung;Pesanggaran;001;02\r\n"
        "3510011203850002.0;3510010101150001;Budi Santoso;12/03/1985;LAKI-LAKI;;;;1;2\r\n"
        "3.51001E+15;;Joko;;;;;;;\r\n"
        ";;Tanpa NIK;;;;;;;\r\n"
        "3510011203850003;;;1985-03-12;L;;;;;\r\n"
        "3510011203850004;;Bad Date;31-02-1985;L;;;;;\r\n"
        "3510011203850005;;Short row\r\n");
  sk::Registry reg(kAsOf);
  const sk::LoadReport rep = reg.load_csv(path, "PKH", sk::ProgramLevel::kCentral);
  // Rejected only for the NIK (and the short row, whose fields cannot be placed); the row
  // without a name and the one with 31 February are loaded, the date left empty.
  EXPECT_EQ(rep.loaded, 4u);
  EXPECT_EQ(rep.repaired, 2u);
  ASSERT_EQ(rep.repairs.size(), 2u);
  EXPECT_EQ(rep.repairs[0], (std::pair<std::string, std::size_t>{"apostrophe", 1}));
  EXPECT_EQ(rep.repairs[1], (std::pair<std::string, std::size_t>{"dot_zero", 1}));
  ASSERT_EQ(rep.rejected.size(), 3u);
  EXPECT_EQ(rep.rejected[0].line, 4u);
  EXPECT_EQ(rep.rejected[0].reason, "invalid NIK (scientific_notation)");
  EXPECT_EQ(rep.rejected[0].raw, "3.51001E+15;;Joko;;;;;;;");
  EXPECT_EQ(rep.rejected[1].line, 5u);
  EXPECT_EQ(rep.rejected[1].reason, "missing required field: nik");
  EXPECT_EQ(rep.rejected[2].line, 8u);
  EXPECT_NE(rep.rejected[2].reason.find("wrong column count"), std::string::npos);
  EXPECT_EQ(rep.rejected[2].raw, "3510011203850005;;Short row");
  ASSERT_EQ(rep.nulled.size(), 1u);
  EXPECT_EQ(rep.nulled[0].field, "birth_date");
  EXPECT_EQ(rep.nulled[0].lines, std::vector<std::size_t>{7});
  EXPECT_EQ(rep.date_order, "day_first");
  EXPECT_EQ(rep.columns.size(), 10u);
  EXPECT_TRUE(rep.ignored_columns.empty());
  EXPECT_EQ(rep.file, path);
  EXPECT_EQ(rep.unkeyed, 2u);
  EXPECT_EQ(reg.programs_of("3510014501900001"), std::vector<std::string>{"PKH"});
  EXPECT_EQ(reg.programs_of_kk("3510010101150001"), std::vector<std::string>{"PKH"});
  EXPECT_TRUE(reg.programs_of("3510014501900009").empty());
  EXPECT_THROW(reg.programs_of("123"), sk::NikError);
  const auto records = reg.records("PKH");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_FALSE(records[3].birth_date.has_value());
  EXPECT_EQ(records[3].name, "Bad Date");
  EXPECT_EQ(records[0].rt, 1);
  EXPECT_EQ(records[0].rw, 2);
  EXPECT_EQ(records[0].sex, 'F');
  EXPECT_EQ(records[0].line, 2u);
  EXPECT_EQ(reg.unkeyed("PKH").size(), 2u);

  const sk::PublicCheck pc = reg.public_check("3510014501900001");
  EXPECT_TRUE(pc.found);
  EXPECT_EQ(pc.nik, "3510********0001");
  EXPECT_EQ(pc.name.value_or(""), "S*** A***");
  EXPECT_EQ(pc.programs, std::vector<std::string>{"PKH"});
  const sk::PublicCheck none = reg.public_check("3510014501900009");
  EXPECT_FALSE(none.found);
  EXPECT_FALSE(none.name.has_value());
  std::remove(path.c_str());
}

TEST(Registry, MissingFileAndMissingColumnsChangeNothing) {
  sk::Registry reg(kAsOf);
  reg.add_records({{"3510014501900001", "", "Siti", "", "", "", "", "", "", "", 0}}, "PKH",
                  sk::ProgramLevel::kCentral);
  try {
    reg.load_csv("/nonexistent/x.csv", "PKH", sk::ProgramLevel::kCentral);
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.csv"), std::string::npos);
  }
  const std::string path = temp_path("reg_nocol.csv");
  write(path, "nama,alamat\nSiti,Jl\n");
  EXPECT_THROW(reg.load_csv(path, "PKH", sk::ProgramLevel::kCentral), sk::Error);
  write(path, "NOMOR INDUK,NAMA ORANG\n3510011203850002,Budi\n");
  const auto rep = reg.load_csv(path, "BST", sk::ProgramLevel::kCentral,
                                {{"nik", "nomor induk"}, {"name", "NAMA ORANG"}});
  EXPECT_EQ(rep.loaded, 1u);
  EXPECT_EQ(reg.size(), 2u);
  std::remove(path.c_str());
}

TEST(Registry, ExclusionsReportsAndCorrections) {
  sk::Registry reg(kAsOf);
  const std::string kk = make_kk(1, 7);
  const std::string father = make_nik(1, 1, 1, 1970, false, 1);
  const std::string son = make_nik(1, 2, 2, 2000, false, 2);
  reg.add_records({{father, kk, "Slamet", "1970-01-01", "L", "", "", "", "", "", 0}}, "BST",
                  sk::ProgramLevel::kCentral);
  reg.add_records({{son, kk, "Joko", "2000-02-02", "L", "", "", "", "", "", 0}}, "PKH",
                  sk::ProgramLevel::kCentral);
  reg.set_exclusions(sk::ConflictTable({{"PKH", "BST", sk::ConflictScope::kKk}}));
  auto rep = reg.dedup();
  ASSERT_EQ(rep.exclusion_violations.size(), 1u);
  EXPECT_TRUE(rep.exclusion_violations[0].household);
  EXPECT_EQ(sk::nik_digits(rep.exclusion_violations[0].key), kk);
  EXPECT_EQ(rep.exclusion_violations[0].program_a, "BST");
  EXPECT_EQ(rep.unique_households, 1u);
  EXPECT_EQ(rep.unique_persons, 2u);
  EXPECT_EQ(reg.programs_of_kk(kk), (std::vector<std::string>{"BST", "PKH"}));

  // Reports.
  const std::string daughter = make_nik(1, 3, 3, 2002, true, 3);
  auto out = reg.report({"123", "", "X", "", "", "", "", "", "", "", 0}, 0);
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(out.reason, "invalid_nik");
  out = reg.report({son, kk, "Joko", "", "", "", "", "", "", "", 0}, 0);
  EXPECT_EQ(out.reason, "already_enrolled");
  EXPECT_EQ(out.programs, std::vector<std::string>{"PKH"});
  out = reg.report({daughter, kk, "Ani", "", "P", "", "", "", "", "", 0}, 0, "BST");
  EXPECT_EQ(out.reason, "household_covered");
  out = reg.report({daughter, make_kk(2, 9), "Ani", "", "P", "", "", "", "", "", 0}, 100);
  EXPECT_TRUE(out.accepted);
  EXPECT_EQ(out.queue_position, 1u);
  out = reg.report({daughter, make_kk(2, 9), "Ani", "", "P", "", "", "", "", "", 0}, 200);
  EXPECT_EQ(out.reason, "duplicate_report");
  ASSERT_EQ(reg.reports().size(), 1u);
  EXPECT_EQ(reg.reports()[0].at, 100);

  // Correct and remove.
  EXPECT_EQ(reg.correct_record("PKH", son,
                               {son, kk, "Joko Susilo", "2000-02-02", "L", "", "", "", "", "", 0}),
            1u);
  EXPECT_EQ(reg.records("PKH")[0].name, "Joko Susilo");
  EXPECT_THROW(reg.correct_record("PKH", father, {father, "", "x", "", "", "", "", "", "", "", 0}),
               sk::Error);
  EXPECT_EQ(reg.remove_record("PKH", son), 1u);
  EXPECT_TRUE(reg.programs_of(son).empty());
  EXPECT_TRUE(reg.dedup().exclusion_violations.empty());

  // Diff.
  reg.add_records({{son, kk, "Joko", "", "", "", "", "", "", "", 0}}, "PKH",
                  sk::ProgramLevel::kCentral);
  const sk::ProgramDiff d = reg.diff("PKH", {{son, kk, "Joko S", "", "", "", "", "", "", "", 0},
                                             {daughter, "", "Ani", "", "", "", "", "", "", "", 0}});
  EXPECT_EQ(d.added.size(), 1u);
  EXPECT_EQ(d.changed.size(), 1u);
  EXPECT_TRUE(d.dropped.empty());
}

TEST(Registry, SaveLoadRoundTripAndDamage) {
  sk::Registry reg(kAsOf);
  reg.add_records({{make_nik(1, 1, 1, 1970, false, 1), make_kk(1, 1), "Slamet", "1970-01-01", "L",
                    "Jl", "Desa", "Kec", "3", "4", 0},
                   {"", "", "No Nik", "", "", "", "", "", "", "", 0}},
                  "PKH", sk::ProgramLevel::kCentral);
  reg.add_records({{make_nik(2, 2, 2, 1980, true, 2), "", "Sri", "", "", "", "", "", "", "", 0}},
                  "BST", sk::ProgramLevel::kRegency);
  reg.set_exclusions(sk::ConflictTable({{"PKH", "BST", sk::ConflictScope::kKk}}));
  reg.report({make_nik(3, 3, 3, 1990, false, 3), "", "Budi", "", "", "", "", "", "", "", 0}, 42);
  const std::string path = temp_path("reg_save.skreg");
  reg.save(path);
  const sk::Registry back = sk::Registry::load(path);
  EXPECT_EQ(back.dedup().to_json(), reg.dedup().to_json());
  EXPECT_EQ(back.records("PKH")[0].address, "Jl");
  EXPECT_EQ(back.unkeyed("PKH").size(), 1u);
  EXPECT_EQ(back.programs()[0].level, sk::ProgramLevel::kRegency);
  EXPECT_EQ(back.reports().size(), 1u);
  EXPECT_EQ(back.exclusions().to_json(), reg.exclusions().to_json());

  std::string bytes = sk::read_file(path);
  for (std::size_t pos : {std::size_t{3}, bytes.size() / 2, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[pos] = static_cast<char>(damaged[pos] ^ 0x20);
    write(path, damaged);
    try {
      (void)sk::Registry::load(path);
      FAIL();
    } catch (const sk::Error& e) {
      EXPECT_EQ(e.code(), sk::ErrorCode::kCorrupt);
    }
  }
  write(path, bytes.substr(0, bytes.size() / 3));
  EXPECT_THROW((void)sk::Registry::load(path), sk::Error);
  std::remove(path.c_str());
}

// Issue 19: a signed snapshot. An edit resealed with SHA-256 loads unsigned but is refused
// when a public key is configured; another district's key is named; unsigned files are
// refused unless allow_unsigned; without keys nothing changes.
TEST(Registry, SignedSnapshotRefusesResealedEditsAndOtherKeys) {
  sk::Registry reg(kAsOf);
  reg.add_records({{make_nik(1, 1, 1, 1970, false, 1), make_kk(1, 1), "Slamet", "1970-01-01", "L",
                    "", "", "", "", "", 0}},
                  "PKH", sk::ProgramLevel::kCentral);
  const auto key = std::make_shared<const sk::SigningKey>(sk::SigningKey::generate());
  const sk::SigningKey other = sk::SigningKey::generate();
  const std::string path = temp_path("reg_signed_" + std::to_string(::getpid()) + ".skreg");
  sk::SignatureOptions writer;
  writer.key = key;
  reg.save(path, writer);
  sk::SignatureOptions reader;
  reader.public_keys = {key->public_key()};
  EXPECT_EQ(sk::Registry::load(path, reader).size(), 1u);
  EXPECT_EQ(sk::Registry::load(path).size(), 1u);

  auto refused = [&](const sk::SignatureOptions& options) -> std::string {
    try {
      (void)sk::Registry::load(path, options);
    } catch (const sk::Error& e) {
      EXPECT_EQ(e.code(), sk::ErrorCode::kCorrupt);
      return e.what();
    }
    ADD_FAILURE() << "loaded";
    return {};
  };
  // The attack: rename the programme, reseal with SHA-256, keep the signature in front.
  const std::string signed_bytes = sk::read_file(path);
  const std::size_t envelope = 8 + 4 + 8 + 64;
  std::string sealed = signed_bytes.substr(envelope);
  ASSERT_EQ(sealed.substr(0, 8), "SKAMPREG");
  const std::size_t at = sealed.find("PKH");
  ASSERT_NE(at, std::string::npos);
  sealed.replace(at, 3, "BST");
  const std::string body = sealed.substr(0, sealed.size() - 32);
  const auto digest = sk::detail::sha256(body);
  sealed = body + std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
  write(path, signed_bytes.substr(0, envelope) + sealed);
  EXPECT_NE(refused(reader).find("signature by key " + key->key_id() + " does not verify"),
            std::string::npos);
  write(path, sealed);
  EXPECT_EQ(sk::Registry::load(path).programs()[0].name, "BST");  // unsigned, the edit loads
  EXPECT_NE(refused(reader).find("not signed"), std::string::npos);
  sk::SignatureOptions lenient = reader;
  lenient.allow_unsigned = true;
  EXPECT_EQ(sk::Registry::load(path, lenient).programs()[0].name, "BST");

  sk::SignatureOptions other_writer;
  other_writer.key = std::make_shared<const sk::SigningKey>(other);
  reg.save(path, other_writer);
  EXPECT_NE(refused(lenient).find("signed with key " + other.key_id() +
                                  ", which is not a configured public key"),
            std::string::npos);
  reader.public_keys.push_back(other.public_key());  // a rotation keeps old keys listed
  EXPECT_EQ(sk::Registry::load(path, reader).size(), 1u);
  std::remove(path.c_str());
}

// Oracle: random lists with duplicates, overlaps, conflicts and broken rows, checked
// against counts computed here with std::set / std::map.
TEST(Registry, RandomListsAgainstSetOracle) {
  std::mt19937_64 rng(1234);
  const int rounds = small_size() ? 3 : 12;
  for (int round = 0; round < rounds; ++round) {
    struct Person {
      std::string nik, kk, name, birth;
      bool female;
    };
    std::vector<Person> people;
    const int n = 50 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      const bool female = rng() % 2;
      const int day = 1 + static_cast<int>(rng() % 28), month = 1 + static_cast<int>(rng() % 12);
      const int year = 1950 + static_cast<int>(rng() % 60);
      char birth[16];
      std::snprintf(birth, sizeof birth, "%04d-%02d-%02d", year, month, day);
      people.push_back(
          {make_nik(1 + static_cast<int>(rng() % 25), day, month, year, female, 1 + i),
           make_kk(1 + static_cast<int>(rng() % 25), 1 + static_cast<int>(rng() % (n / 3 + 1))),
           "Name " + std::to_string(i), birth, female});
    }
    const std::vector<std::string> programs = {"BLT_DD", "BPNT", "BST", "PKH"};
    sk::Registry reg(kAsOf);
    reg.set_exclusions(sk::ConflictTable(
        {{"PKH", "BST", sk::ConflictScope::kKk}, {"BPNT", "BLT_DD", sk::ConflictScope::kPerson}}));
    std::map<std::pair<std::string, std::string>, int> listed;  // (program, nik) -> count
    std::map<std::string, std::set<std::string>> progs_of;      // nik -> programmes
    std::map<std::string, std::set<std::string>> progs_of_kk;   // kk -> programmes
    std::map<std::string, std::set<std::string>> names_of;      // nik -> folded names
    std::map<std::string, std::string> kk_of;
    std::set<std::string> mismatched;
    std::size_t bad_rows = 0, loaded_rows = 0;
    for (const auto& prog : programs) {
      std::string csv = "nik,kk,nama,tgl_lahir,jk\n";
      const int rows = 20 + static_cast<int>(rng() % 200);
      for (int r = 0; r < rows; ++r) {
        const Person& p = people[rng() % people.size()];
        const int kind = static_cast<int>(rng() % 20);
        if (kind == 0) {  // broken: invalid NIK
          csv += "35100199999999,," + p.name + ",,\n";
          ++bad_rows;
          continue;
        }
        if (kind == 1) {  // broken: wrong column count
          csv += p.nik + "," + p.name + "\n";
          ++bad_rows;
          continue;
        }
        std::string name = p.name;
        if (kind == 2) name = "Other " + name;            // a conflict
        if (kind == 3) name = " name-" + name.substr(5);  // same after folding: no conflict
        std::string sex = p.female ? "P" : "L";
        if (kind == 4) {
          sex = p.female ? "L" : "P";  // disagrees with the NIK (and with other records)
          mismatched.insert(p.nik);
        }
        csv += p.nik + "," + p.kk + "," + name + "," + p.birth + "," + sex + "\n";
        ++loaded_rows;
        ++listed[{prog, p.nik}];
        progs_of[p.nik].insert(prog);
        progs_of_kk[p.kk].insert(prog);
        std::string folded;
        for (char c : name) {
          if (std::isalnum(static_cast<unsigned char>(c)))
            folded.push_back(static_cast<char>(std::tolower(c)));
        }
        names_of[p.nik].insert(folded + (kind == 4 ? "#sex" : ""));
        kk_of[p.nik] = p.kk;
      }
      const std::string path = temp_path("reg_oracle_" + prog + ".csv");
      write(path, csv);
      const auto rep = reg.load_csv(path, prog, sk::ProgramLevel::kCentral);
      std::remove(path.c_str());
      ASSERT_EQ(rep.loaded + rep.rejected.size(), static_cast<std::size_t>(rows));
    }
    const sk::DedupReport rep = reg.dedup();
    EXPECT_EQ(rep.records, loaded_rows);
    EXPECT_EQ(rep.unique_persons, progs_of.size());
    EXPECT_EQ(rep.unique_households, progs_of_kk.size());
    std::size_t dups = 0;
    for (const auto& [key, count] : listed) dups += count > 1;
    ASSERT_EQ(rep.duplicates.size(), dups);
    for (const auto& d : rep.duplicates) {
      EXPECT_EQ(static_cast<int>(d.count), (listed[{d.program, sk::nik_digits(d.nik)}]));
    }
    std::size_t overlaps = 0;
    for (const auto& [nik, set] : progs_of) overlaps += set.size() > 1;
    ASSERT_EQ(rep.overlaps.size(), overlaps);
    for (const auto& [nik, names] : rep.overlaps) {
      const auto& expect = progs_of[sk::nik_digits(nik)];
      EXPECT_EQ(std::vector<std::string>(expect.begin(), expect.end()), names);
    }
    std::set<std::string> conflicts;
    for (const auto& [nik, names] : names_of) {
      if (names.size() > 1) conflicts.insert(nik);
    }
    std::set<std::string> got_conflicts;
    for (auto c : rep.conflicts) got_conflicts.insert(sk::nik_digits(c));
    EXPECT_EQ(got_conflicts, conflicts);
    std::set<std::string> got_mismatch;
    for (auto c : rep.nik_mismatches) got_mismatch.insert(sk::nik_digits(c));
    EXPECT_EQ(got_mismatch, mismatched);
    // Exclusions: PKH+BST per household, BPNT+BLT_DD per person.
    std::set<std::tuple<std::string, std::string, std::string>> expected_violations;
    for (const auto& [kk, set] : progs_of_kk) {
      if (set.count("PKH") && set.count("BST")) expected_violations.insert({kk, "BST", "PKH"});
    }
    for (const auto& [nik, set] : progs_of) {
      if (set.count("BPNT") && set.count("BLT_DD"))
        expected_violations.insert({nik, "BLT_DD", "BPNT"});
    }
    std::set<std::tuple<std::string, std::string, std::string>> got_violations;
    for (const auto& v : rep.exclusion_violations) {
      got_violations.insert({sk::nik_digits(v.key), v.program_a, v.program_b});
    }
    EXPECT_EQ(got_violations, expected_violations);
    // Recipient check agrees with the oracle.
    for (const auto& [nik, set] : progs_of) {
      EXPECT_EQ(reg.programs_of(nik), std::vector<std::string>(set.begin(), set.end()));
    }
  }
}

TEST(Registry, SortByKeyMatchesStdSort) {
  std::mt19937_64 rng(5);
  for (std::size_t n : {0u, 1u, 100u, 1000u, 70000u}) {
    std::vector<std::uint64_t> keys(n);
    std::vector<std::uint32_t> payload(n);
    for (std::size_t i = 0; i < n; ++i) {
      keys[i] = (rng() % 1000) << 40 | (rng() % 7);
      payload[i] = static_cast<std::uint32_t>(i);
    }
    auto expect = keys;
    std::stable_sort(expect.begin(), expect.end());
    auto copy = keys;
    sk::detail::sort_by_key(keys, &payload, 0);
    EXPECT_EQ(keys, expect);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(copy[payload[i]], keys[i]);
    sk::detail::sort_by_key<sk::detail::NoPayload>(copy, nullptr, 0);
    EXPECT_EQ(copy, expect);
  }
}

// Dedup over a snapshot big enough to run on every core (its scans cut between threads at
// NIK / KK boundaries), against maps: persons listed in up to 8 programmes, NIKs from a
// regency plus a few from far provinces, some records disagreeing on name, date or sex.
TEST(Registry, DedupOnEveryCoreMatchesMaps) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    sk::detail::Snapshot snap;
    const char* names[] = {"BLT_DD",     "BPNT",      "BST", "DONASI_ASN",
                           "GIZI_BUMIL", "JATIM_BKK", "PKH", "SEMBAKO_BWI"};
    std::vector<std::shared_ptr<sk::detail::ProgramList>> lists;
    for (const char* n : names) {
      lists.push_back(std::make_shared<sk::detail::ProgramList>());
      lists.back()->name = n;
    }
    const std::size_t persons = 60000 + rng() % 20000;
    std::vector<std::uint64_t> nik(persons), kk(persons);
    for (std::size_t i = 0; i < persons; ++i) {
      const bool far = rng() % 300 == 0;
      nik[i] = far ? 1101010101000001ULL + rng() % 8000000000000000ULL
                   : 3510010101000001ULL + rng() % 24000000000ULL;
      kk[i] = rng() % 10 == 0 ? 0 : 3510010101050000ULL + rng() % (persons / 2);
    }
    std::map<std::uint64_t, std::map<std::size_t, std::size_t>> listed;  // nik -> prog -> count
    std::map<std::uint64_t, bool> mismatch;
    std::map<std::uint64_t, std::set<std::size_t>> kk_progs;
    const std::size_t records = 120000 + rng() % 40000;
    for (std::size_t r = 0; r < records; ++r) {
      const std::size_t who = rng() % persons, p = rng() % 8;
      sk::detail::Row row;
      row.nik = nik[who];
      row.kk = kk[who];
      const int odd = static_cast<int>(rng() % 50);
      row.name_key = who * 7 + (odd == 0 ? 1 : 0);
      row.birth =
          odd == 1 ? sk::detail::kNoDate : static_cast<std::int32_t>(who % 20000 + (odd == 2));
      row.sex = odd == 3 ? 0 : (odd == 4 ? 'F' : 'M');
      row.flags = odd == 5 ? sk::detail::kNikMismatch : 0;
      lists[p]->rows.push_back(row);
      ++listed[row.nik][p];
      mismatch[row.nik] = mismatch[row.nik] || row.flags != 0;
      if (row.kk != 0) kk_progs[row.kk].insert(p);
    }
    for (auto& l : lists) snap.programs.push_back(l);
    snap.exclusions = sk::ConflictTable(
        {{"PKH", "BST", sk::ConflictScope::kKk}, {"BPNT", "BLT_DD", sk::ConflictScope::kPerson}});
    // The conflicts: another name, or two given dates or sexes that differ.
    std::map<std::uint64_t, std::set<std::uint64_t>> name_keys;
    std::map<std::uint64_t, std::set<std::int32_t>> births;
    std::map<std::uint64_t, std::set<char>> sexes;
    std::map<std::uint64_t, bool> has_kk;
    for (const auto& l : lists) {
      for (const auto& row : l->rows) {
        name_keys[row.nik].insert(row.name_key);
        if (row.birth != sk::detail::kNoDate) births[row.nik].insert(row.birth);
        if (row.sex != 0) sexes[row.nik].insert(row.sex);
        has_kk[row.nik] = has_kk[row.nik] || row.kk != 0;
      }
    }
    const sk::DedupReport rep = sk::detail::dedup_snapshot(snap);
    ASSERT_EQ(rep.records, records);
    EXPECT_EQ(rep.unique_persons, listed.size());
    EXPECT_EQ(rep.unique_households, kk_progs.size());
    std::vector<std::tuple<std::uint64_t, std::string, std::size_t>> dups, got_dups;
    std::vector<std::pair<std::uint64_t, std::vector<std::string>>> overlaps;
    std::vector<std::uint64_t> conflicts, mismatches;
    std::set<std::tuple<std::uint64_t, bool, std::string, std::string>> violations, got_violations;
    for (const auto& [n, progs] : listed) {  // in NIK order, as the report
      for (const auto& [p, count] : progs) {
        if (count > 1) dups.emplace_back(n, names[p], count);
      }
      const std::size_t total =
          std::accumulate(progs.begin(), progs.end(), std::size_t{0},
                          [](std::size_t a, const auto& x) { return a + x.second; });
      if (progs.size() > 1) {
        std::vector<std::string> ps;
        for (const auto& [p, count] : progs) ps.push_back(names[p]);
        overlaps.emplace_back(n, ps);
        if (progs.count(1) && progs.count(0)) violations.insert({n, false, "BLT_DD", "BPNT"});
        if (!has_kk[n] && progs.count(2) && progs.count(6))
          violations.insert({n, false, "BST", "PKH"});
      }
      if (total > 1 && (name_keys[n].size() > 1 || births[n].size() > 1 || sexes[n].size() > 1))
        conflicts.push_back(n);
      if (mismatch[n]) mismatches.push_back(n);
    }
    for (const auto& [k, progs] : kk_progs) {
      if (progs.count(2) && progs.count(6)) violations.insert({k, true, "BST", "PKH"});
    }
    for (const auto& d : rep.duplicates) got_dups.emplace_back(d.nik, d.program, d.count);
    EXPECT_EQ(got_dups, dups) << seed;
    EXPECT_EQ(rep.overlaps, overlaps) << seed;
    EXPECT_EQ(rep.conflicts, conflicts) << seed;
    EXPECT_EQ(rep.nik_mismatches, mismatches) << seed;
    for (const auto& v : rep.exclusion_violations)
      got_violations.insert({v.key, v.household, v.program_a, v.program_b});
    EXPECT_EQ(got_violations, violations) << seed;
    EXPECT_EQ(got_violations.size(), rep.exclusion_violations.size()) << seed;
  }
}

// Readers during replace_program see the old list or the new one, never a mix.
TEST(Registry, ReadsDuringReplaceSeeOldOrNew) {
  sk::Registry reg(kAsOf);
  std::vector<sk::RawRecord> a, b;
  for (int i = 1; i <= 200; ++i) {
    a.push_back({make_nik(1, 1, 1, 1980, false, i), "", "A", "", "", "", "", "", "", "", 0});
    b.push_back({make_nik(2, 1, 1, 1980, false, i), "", "B", "", "", "", "", "", "", "", 0});
  }
  reg.replace_program("PKH", a, sk::ProgramLevel::kCentral);
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0};
  std::thread reader([&] {
    while (!stop) {
      const auto rep = reg.dedup();
      if (rep.unique_persons != 200) ++mixed;
      // One read sees one snapshot: every record from the same version.
      const auto records = reg.records("PKH");
      for (const auto& r : records) {
        if (r.name != records[0].name) ++mixed;
      }
      if (records.size() != 200) ++mixed;
    }
  });
  for (int k = 0; k < 50; ++k)
    reg.replace_program("PKH", k % 2 ? a : b, sk::ProgramLevel::kCentral);
  stop = true;
  reader.join();
  EXPECT_EQ(mixed.load(), 0);
}

// ---- progress and cancellation (smartkampung/progress.hpp) --------------------------

namespace {

// A hook that records every report and answers false from the `stop_at`-th call on.
struct Recorder {
  std::vector<std::pair<std::size_t, std::size_t>> seen;
  std::size_t stop_at = SIZE_MAX;
  bool stop_at_end = false;  // answer false to the last report (done == total)
  sk::Progress hook() {
    return [this](std::size_t done, std::size_t total) {
      seen.emplace_back(done, total);
      return seen.size() < stop_at && !(stop_at_end && done == total);
    };
  }
  // Increasing, ending at the total, one total throughout.
  void expect_complete() const {
    ASSERT_FALSE(seen.empty());
    for (std::size_t i = 1; i < seen.size(); ++i) {
      EXPECT_LT(seen[i - 1].first, seen[i].first);
      EXPECT_EQ(seen[i - 1].second, seen[i].second);
    }
    EXPECT_EQ(seen.back().first, seen.back().second);
  }
};

std::string sample_list_csv(std::size_t rows) {
  std::string text = "nik,kk,name,birth_date,sex\n";
  for (std::size_t i = 0; i < rows; ++i) {
    const int serial = static_cast<int>(i % 9000) + 1;
    const int day = static_cast<int>(i / 9000) % 28 + 1;
    text += make_nik(1, day, 1, 1990, false, serial) + "," + make_kk(1, serial) + ",Siti " +
            std::to_string(i) + ",1990-01-" + (day < 10 ? "0" : "") + std::to_string(day) + ",P\n";
  }
  return text;
}

void expect_cancelled(const std::function<void()>& call) {
  try {
    call();
    ADD_FAILURE() << "not cancelled";
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kCancelled) << e.what();
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos);
  }
}

}  // namespace

TEST(RegistryProgress, LoadsReportToTheEndAndACancelChangesNothing) {
  const std::size_t rows = small_size() ? 20000 : 100000;
  const std::string path = temp_path("reg_progress.csv");
  const std::string text = sample_list_csv(rows);
  write(path, text);
  sk::Registry reg(kAsOf);
  Recorder file;
  const sk::LoadReport first =
      reg.load_csv(path, "PKH", sk::ProgramLevel::kCentral, {}, file.hook());
  EXPECT_EQ(first.loaded, rows);
  file.expect_complete();
  EXPECT_GE(file.seen.size(), 3u);
  EXPECT_EQ(file.seen.back().second, text.size() - text.find('\n') - 1);  // the data's bytes

  const std::size_t before = reg.size();
  const std::string json_before = reg.dedup().to_json();
  for (const std::size_t stop_at : {std::size_t{1}, std::size_t{3}, std::size_t{0}}) {
    Recorder cancel;
    cancel.stop_at = stop_at == 0 ? SIZE_MAX : stop_at;
    cancel.stop_at_end = stop_at == 0;  // the last report still comes before any change
    expect_cancelled(
        [&] { reg.load_csv(path, "BPNT", sk::ProgramLevel::kCentral, {}, cancel.hook()); });
    if (stop_at != 0) {
      EXPECT_EQ(cancel.seen.size(), stop_at);
    }
    EXPECT_EQ(reg.size(), before);
    EXPECT_EQ(reg.programs().size(), 1u);
    EXPECT_EQ(reg.dedup().to_json(), json_before);
  }
  const sk::CsvTable table = sk::parse_csv(text);
  Recorder table_rows;
  reg.load_table(table, "BPNT", sk::ProgramLevel::kCentral, {}, table_rows.hook());
  table_rows.expect_complete();
  EXPECT_EQ(table_rows.seen.back().second, rows);
  EXPECT_EQ(reg.size(), 2 * before);
  Recorder replace;
  replace.stop_at = 2;
  expect_cancelled([&] {
    reg.replace_program_table("BPNT", table, sk::ProgramLevel::kCentral, {}, sk::ReplaceOptions{},
                              replace.hook());
  });
  EXPECT_EQ(reg.size(), 2 * before);
  // A hook's own exception stops the load and comes through as it was thrown.
  EXPECT_THROW(
      reg.load_table(table, "X", sk::ProgramLevel::kCentral, {},
                     [](std::size_t, std::size_t) -> bool { throw std::domain_error("no"); }),
      std::domain_error);
  EXPECT_EQ(reg.programs().size(), 2u);
  std::remove(path.c_str());
}

TEST(RegistryProgress, FuzzyDedupAndSaveLoadReportStagesAndCancel) {
  sk::Registry reg(kAsOf);
  reg.load_table(sk::parse_csv(sample_list_csv(3000)), "PKH", sk::ProgramLevel::kCentral);
  const std::string exact = reg.dedup().to_json();
  Recorder stages;
  const sk::DedupReport fuzzy = reg.dedup(true, 0, stages.hook());
  stages.expect_complete();
  EXPECT_EQ(stages.seen.back().second, sk::kLinkStages + 2);
  EXPECT_EQ(stages.seen.size(), sk::kLinkStages + 3);  // 0, each stage, the end
  for (std::size_t stop_at = 1; stop_at <= stages.seen.size(); ++stop_at) {
    Recorder cancel;
    cancel.stop_at = stop_at;
    expect_cancelled([&] { (void)reg.dedup(true, 0, cancel.hook()); });
  }
  EXPECT_EQ(reg.dedup(true).to_json(), fuzzy.to_json());
  EXPECT_EQ(reg.dedup().to_json(), exact);

  const std::string path = temp_path("reg_progress.skr");
  std::remove(path.c_str());
  for (const std::size_t stop_at : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
    Recorder cancel;
    cancel.stop_at = stop_at;
    expect_cancelled([&] { reg.save(path, {}, cancel.hook()); });
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << "a cancelled save wrote " << path;
  }
  Recorder saved;
  saved.stop_at = 4;  // the answer to the last report (the file is in place) is ignored
  reg.save(path, {}, saved.hook());
  saved.expect_complete();
  EXPECT_EQ(saved.seen.back(), std::make_pair(std::size_t{3}, std::size_t{3}));
  Recorder cancel_load;
  cancel_load.stop_at = 2;
  expect_cancelled([&] { (void)sk::Registry::load(path, {}, cancel_load.hook()); });
  Recorder loaded;
  const sk::Registry again = sk::Registry::load(path, {}, loaded.hook());
  loaded.expect_complete();
  EXPECT_EQ(again.size(), reg.size());
  std::remove(path.c_str());
}
