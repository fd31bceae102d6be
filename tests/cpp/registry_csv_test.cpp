// The registry's CSV loader (records normalised straight from the text, on several
// threads) against the simple path: parse_csv on one thread into a CsvTable, then
// normalise the table. On random damaged files both must give the same rows, text,
// lines, rejections (line and reason), unkeyed records and counts, wherever the file is
// cut between the threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <smartkampung/io.hpp>
#include <smartkampung/registry.hpp>
#include <smartkampung/sample.hpp>
#include <string>
#include <vector>

#include "core/key_sort.hpp"
#include "io/csv_parser.hpp"
#include "registry/internal.hpp"

namespace sk = smartkampung;
namespace skd = smartkampung::detail;

namespace {

const sk::Date kAsOf = sk::Date::from_ymd(2024, 6, 1);

bool small_size() {
  const char* s = std::getenv("SKAMP_TEST_SIZE");
  return s != nullptr && std::string(s) == "small";
}

const sk::SamplePopulation& sample() {
  static const sk::SamplePopulation s = sk::sample_banyuwangi(small_size() ? 1500 : 4000, 11);
  return s;
}

struct GeneratedCsv {
  std::string bytes;
  sk::ColumnMap columns;
};

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// A programme file with the sample's record damage plus CSV damage: quoted fields with
// delimiters, doubled quotes and newlines, wrong column counts, stray and unterminated
// quotes, blank lines, padding, an extra column, shuffled columns, renamed headers, a BOM
// or Windows-1252.
GeneratedCsv damaged_csv(std::mt19937_64& rng, std::size_t records) {
  const auto& r = sample().records;
  GeneratedCsv out;
  const char delim = rng() % 2 == 0 ? ',' : ';';
  const std::string eol = rng() % 2 == 0 ? "\n" : "\r\n";
  const int encoding = static_cast<int>(rng() % 4);  // 0-1 UTF-8, 2 BOM, 3 Windows-1252
  static const char* kHeaders[10][2] = {{"NIK", "no_nik"},
                                        {"KK", "Nomor KK"},
                                        {"nama", "Nama Lengkap"},
                                        {"tgl_lahir", "birth_date"},
                                        {"JK", "sex"},
                                        {"alamat", "address"},
                                        {"desa", "Kelurahan"},
                                        {"kecamatan", "district"},
                                        {"rt", "RT"},
                                        {"rw", "RW"}};
  std::vector<int> order{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::shuffle(order.begin(), order.end(), rng);
  const bool extra = rng() % 3 == 0;  // a column the registry does not use
  if (extra) order.insert(order.begin() + static_cast<long>(rng() % order.size()), -1);
  const bool renamed = rng() % 3 == 0;  // a NIK header only a columns= mapping finds
  std::string text;
  for (std::size_t c = 0; c < order.size(); ++c) {
    if (c) text.push_back(delim);
    if (order[c] < 0) {
      text += "catatan";
    } else if (order[c] == 0 && renamed) {
      text += "Nomor Induk Kependudukan";
    } else {
      text += kHeaders[order[c]][rng() % 2];
    }
  }
  if (renamed) out.columns = {{"nik", " nomor induk KEPENDUDUKAN "}};
  text += eol;
  for (std::size_t i = 0; i < records; ++i) {
    const std::size_t j = rng() % r.nik.size();
    std::string fields[10] = {r.nik[j],     r.kk[j],      r.name[j],     r.birth_date[j], r.sex[j],
                              r.address[j], r.village[j], r.district[j], r.rt[j],         r.rw[j]};
    const unsigned roll = static_cast<unsigned>(rng() % 100);
    if (roll < 3)
      fields[2] += " \"Cak\" Mat";  // doubled quotes
    else if (roll < 6)
      fields[5] += std::string(1, delim) + " Gang 3";  // a delimiter inside
    else if (roll < 8)
      fields[5] += "\nDusun Krajan";  // a newline inside
    else if (roll < 10)
      fields[2] += " Andr\xC3\xA9";  // non-ASCII
    else if (roll < 12)
      fields[3] = "31-02-1990";  // no such day
    else if (roll < 13)
      fields[4] = "X";  // unknown sex
    else if (roll < 14)
      fields[8] = "12345";  // rt too long
    else if (roll < 15)
      fields[0] = "35100" + std::string(11, '1');  // invalid NIK
    else if (roll < 16)
      fields[2].clear();  // no name
    std::string line;
    for (std::size_t c = 0; c < order.size(); ++c) {
      if (c) line.push_back(delim);
      const std::string value = order[c] < 0 ? std::string("-") : fields[order[c]];
      const unsigned style = static_cast<unsigned>(rng() % 20);
      if (style == 0) {
        line += "\"" + sk::csv_escape(value, delim) + "\"";  // quoted (maybe twice: broken)
      } else if (style == 1) {
        std::string q = "\"";
        for (char ch : value) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        line += q + "\"";
      } else if (style == 2) {
        line += "  " + sk::csv_escape(value, delim) + " ";
      } else {
        line += sk::csv_escape(value, delim);
      }
    }
    const unsigned damage = static_cast<unsigned>(rng() % 100);
    if (damage == 0) {
      line += std::string(1, delim) + "extra";  // one field too many
    } else if (damage == 1) {
      line = line.substr(0, line.rfind(delim));  // one field too few
    } else if (damage == 2) {
      line.insert(line.find(delim) + 1, "\"open ");  // a quote left open
    } else if (damage == 3) {
      line.insert(line.find(delim), "\"x\"y");  // text after a quote
    } else if (damage == 4) {
      text += eol;  // a blank line
    } else if (damage == 5) {
      text += "   " + eol;  // spaces only
    } else if (damage == 6) {
      text += std::string(order.size() - 1, delim) + eol;  // empty fields only
    }
    text += line;
    if (i + 1 < records || rng() % 2 == 0) text += eol;  // sometimes no final newline
  }
  if (encoding == 2) text = "\xEF\xBB\xBF" + text;
  if (encoding == 3) replace_all(text, "\xC3\xA9", "\xE9");
  out.bytes = std::move(text);
  return out;
}

struct Outcome {
  bool threw = false;
  std::string error;
  skd::NormalizeOutput out;
};

template <class F>
Outcome run(F&& f) {
  Outcome o;
  try {
    o.out = f();
  } catch (const sk::Error& e) {
    o.threw = true;
    o.error = std::to_string(static_cast<int>(e.code())) + " " + e.what();
  }
  return o;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& what) {
  ASSERT_EQ(a.threw, b.threw) << what << ": " << a.error << b.error;
  ASSERT_EQ(a.error, b.error) << what;
  if (a.threw) return;
  const skd::NormalizeOutput& x = a.out;
  const skd::NormalizeOutput& y = b.out;
  ASSERT_EQ(x.report.loaded, y.report.loaded) << what;
  ASSERT_EQ(x.report.unkeyed, y.report.unkeyed) << what;
  ASSERT_EQ(x.report.repaired, y.report.repaired) << what;
  ASSERT_EQ(x.report.rejected.size(), y.report.rejected.size()) << what;
  for (std::size_t i = 0; i < x.report.rejected.size(); ++i) {
    ASSERT_EQ(x.report.rejected[i].line, y.report.rejected[i].line) << what << " rejection " << i;
    ASSERT_EQ(x.report.rejected[i].reason, y.report.rejected[i].reason)
        << what << " rejection " << i;
  }
  ASSERT_EQ(x.rows.size(), y.rows.size()) << what;
  skd::ProgramList lx, ly;
  lx.pool = x.pool;
  ly.pool = y.pool;
  for (std::size_t i = 0; i < x.rows.size(); ++i) {
    const skd::Row& p = x.rows[i];
    const skd::Row& q = y.rows[i];
    ASSERT_EQ(p.line, q.line) << what << " row " << i;
    ASSERT_EQ(p.nik, q.nik) << what << " row " << i;
    ASSERT_EQ(p.kk, q.kk) << what << " row " << i;
    ASSERT_EQ(p.name_key, q.name_key) << what << " row " << i;
    ASSERT_EQ(p.birth, q.birth) << what << " row " << i;
    ASSERT_EQ(p.rt, q.rt) << what << " row " << i;
    ASSERT_EQ(p.rw, q.rw) << what << " row " << i;
    ASSERT_EQ(p.sex, q.sex) << what << " row " << i;
    ASSERT_EQ(p.flags, q.flags) << what << " row " << i;
    for (int k = 0; k < 4; ++k) ASSERT_EQ(lx.field(p, k), ly.field(q, k)) << what << " row " << i;
  }
  ASSERT_EQ(x.unkeyed.size(), y.unkeyed.size()) << what;
  for (std::size_t i = 0; i < x.unkeyed.size(); ++i) {
    ASSERT_EQ(x.unkeyed[i].line, y.unkeyed[i].line) << what << " unkeyed " << i;
    sk::RawRecord u = x.unkeyed[i], v = y.unkeyed[i];
    const std::string* fu[10] = {&u.nik,     &u.kk,      &u.name,     &u.birth_date, &u.sex,
                                 &u.address, &u.village, &u.district, &u.rt,         &u.rw};
    const std::string* fv[10] = {&v.nik,     &v.kk,      &v.name,     &v.birth_date, &v.sex,
                                 &v.address, &v.village, &v.district, &v.rt,         &v.rw};
    for (std::size_t k = 0; k < 10; ++k)
      ASSERT_EQ(*fu[k], *fv[k]) << what << " unkeyed " << i << " field " << k;
  }
}

Outcome simple_path(const std::string& bytes, const sk::ColumnMap& columns) {
  return run([&] {
    sk::CsvOptions one;
    one.threads = 1;
    return skd::normalize_csv_table(sk::parse_csv(bytes, one), columns, kAsOf);
  });
}

// Every record and rejection as text, for comparing two parses.
struct Collect {
  std::vector<std::string> events;
  void record(const skd::CsvFields& f, std::size_t line, std::string_view raw) {
    std::string e = "R" + std::to_string(line);
    for (std::size_t i = 0; i < f.size(); ++i) e += "|" + std::string(f[i]);
    events.push_back(std::move(e) + "#" + std::string(raw));
  }
  void reject(std::size_t line, std::string reason, std::string_view raw) {
    events.push_back("X" + std::to_string(line) + " " + reason + "#" + std::string(raw));
  }
  void quote_run(std::size_t first, std::size_t last) {
    events.push_back("Q" + std::to_string(first) + "-" + std::to_string(last));
  }
};

}  // namespace

// The 16-bytes-at-a-time path for plain records against the general path alone, on text
// full of what must send it back to the general path: quotes anywhere, CR, blanks,
// records ending near the end of the input, empty fields, tab delimiters.
TEST(RegistryCsv, PlainRecordPathMatchesGeneralPath) {
  std::mt19937_64 rng(5);
  const int rounds = small_size() ? 300 : 2000;
  for (int round = 0; round < rounds; ++round) {
    const char delim = ",;\t|"[rng() % 4];
    const std::string alphabet =
        std::string("ab  \r\n\"") + delim + delim + delim + "xyz0123456789";
    std::string text;
    const std::size_t len = rng() % (round % 7 == 0 ? 2000 : 120);
    for (std::size_t i = 0; i < len; ++i) {
      // Mostly plain runs, with the special bytes sprinkled in.
      text.push_back(rng() % 3 == 0 ? alphabet[rng() % alphabet.size()] : "abcdefghij"[rng() % 10]);
    }
    for (bool trim : {true, false}) {
      for (std::size_t columns : {std::size_t{1}, std::size_t{3}, std::size_t{5}}) {
        for (bool skip_blank : {true, false}) {
          const skd::CsvRecordParser fast(text, delim, trim, true);
          const skd::CsvRecordParser general(text, delim, trim, false);
          Collect a, b;
          const skd::CsvRangeEnd ea =
              skd::parse_csv_range(fast, 0, text.size(), columns, skip_blank, a);
          const skd::CsvRangeEnd eb =
              skd::parse_csv_range(general, 0, text.size(), columns, skip_blank, b);
          ASSERT_EQ(a.events, b.events) << "round " << round;
          ASSERT_EQ(ea.pos, eb.pos);
          ASSERT_EQ(ea.lines, eb.lines);
        }
      }
    }
  }
}

TEST(RegistryCsv, FusedLoaderMatchesTableThenNormalise) {
  std::mt19937_64 rng(2024);
  const int rounds = small_size() ? 40 : 150;
  std::size_t rows_seen = 0, rejections_seen = 0, unkeyed_seen = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::size_t records = 1 + rng() % (round % 10 == 0 ? 2000 : 60);
    const GeneratedCsv csv = damaged_csv(rng, records);
    const Outcome expected = simple_path(csv.bytes, csv.columns);
    if (!expected.threw) {
      rows_seen += expected.out.rows.size();
      rejections_seen += expected.out.report.rejected.size();
      unkeyed_seen += expected.out.unkeyed.size();
    }
    const std::string tag = "round " + std::to_string(round);
    for (unsigned threads : {1u, 2u, 3u, 5u}) {
      // min_parallel 1: cut even tiny files, at points that move with the content.
      expect_same(expected, run([&] {
                    return skd::normalize_csv_bytes(csv.bytes, false, csv.columns, kAsOf, threads,
                                                    1);
                  }),
                  tag + " threads " + std::to_string(threads));
      if (::testing::Test::HasFatalFailure()) return;
    }
    // Told the bytes are ASCII when they are (past a BOM), as the file reader says.
    const std::string_view body =
        csv.bytes.rfind("\xEF\xBB\xBF", 0) == 0 ? std::string_view(csv.bytes).substr(3) : csv.bytes;
    if (std::all_of(body.begin(), body.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      expect_same(expected, run([&] {
                    return skd::normalize_csv_bytes(csv.bytes, true, csv.columns, kAsOf, 2, 1);
                  }),
                  tag + " ascii");
      if (::testing::Test::HasFatalFailure()) return;
    }
    // parse_csv cut between threads gives the table one thread gives.
    sk::CsvOptions one, many;
    one.threads = 1;
    many.threads = 2 + static_cast<unsigned>(round % 3);
    try {
      const sk::CsvTable a = sk::parse_csv(csv.bytes, one);
      const sk::CsvTable b = skd::parse_csv_with(csv.bytes, many, 1);
      ASSERT_EQ(a.rows(), b.rows()) << tag;
      ASSERT_EQ(a.physical_lines(), b.physical_lines()) << tag;
      for (std::size_t i = 0; i < a.rows(); ++i) {
        ASSERT_EQ(a.line(i), b.line(i)) << tag;
        for (std::size_t c = 0; c < a.columns(); ++c)
          ASSERT_EQ(a.field(i, c), b.field(i, c)) << tag;
      }
      ASSERT_EQ(a.rejected().size(), b.rejected().size()) << tag;
      for (std::size_t i = 0; i < a.rejected().size(); ++i) {
        ASSERT_EQ(a.rejected()[i].line, b.rejected()[i].line) << tag;
        ASSERT_EQ(a.rejected()[i].reason, b.rejected()[i].reason) << tag;
      }
    } catch (const sk::Error&) {
      ASSERT_TRUE(expected.threw) << tag;
    }
  }
  // The generator really produced all three outcomes.
  EXPECT_GT(rows_seen, 1000u);
  EXPECT_GT(rejections_seen, 100u);
  EXPECT_GT(unkeyed_seen, 10u);
}

// Through the public API and a file large enough for the reader to use two threads.
TEST(RegistryCsv, LoadCsvMatchesLoadTableOnALargeFile) {
  std::mt19937_64 rng(77);
  GeneratedCsv csv;
  std::size_t records = 9000;
  do {  // records until the file is over the reader's 1 MiB threshold for two threads
    csv = damaged_csv(rng, records);
    records += records / 2;
  } while (csv.bytes.size() < (std::size_t{1} << 20) + 1000);
  const std::string path = ::testing::TempDir() + "registry_csv_large.csv";
  std::ofstream(path, std::ios::binary) << csv.bytes;

  sk::Registry fused(kAsOf), simple(kAsOf);
  sk::LoadReport a, b;
  try {
    a = fused.load_csv(path, "PKH", sk::ProgramLevel::kCentral, csv.columns);
  } catch (const sk::Error& e) {
    // Only an undecidable encoding may stop the load; then the simple path stops too.
    EXPECT_THROW(sk::read_csv_file(path), sk::Error) << e.what();
    std::remove(path.c_str());
    return;
  }
  sk::CsvOptions one;
  one.threads = 1;
  b = simple.load_table(sk::read_csv_file(path, one), "PKH", sk::ProgramLevel::kCentral,
                        csv.columns);
  std::remove(path.c_str());
  ASSERT_EQ(a.loaded, b.loaded);
  ASSERT_GT(a.loaded, 1000u);
  ASSERT_EQ(a.unkeyed, b.unkeyed);
  ASSERT_EQ(a.repaired, b.repaired);
  ASSERT_EQ(a.rejected.size(), b.rejected.size());
  for (std::size_t i = 0; i < a.rejected.size(); ++i) {
    ASSERT_EQ(a.rejected[i].line, b.rejected[i].line);
    ASSERT_EQ(a.rejected[i].reason, b.rejected[i].reason);
  }
  auto same = [](const std::vector<sk::Enrolment>& x, const std::vector<sk::Enrolment>& y) {
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(x[i].line, y[i].line);
      ASSERT_EQ(x[i].nik, y[i].nik);
      ASSERT_EQ(x[i].kk, y[i].kk);
      ASSERT_EQ(x[i].name, y[i].name);
      ASSERT_EQ(x[i].address, y[i].address);
      ASSERT_EQ(x[i].village, y[i].village);
      ASSERT_EQ(x[i].district, y[i].district);
      ASSERT_EQ(x[i].birth_date.has_value(), y[i].birth_date.has_value());
      if (x[i].birth_date) {
        ASSERT_EQ(x[i].birth_date->days_since_epoch(), y[i].birth_date->days_since_epoch());
      }
      ASSERT_EQ(x[i].sex, y[i].sex);
      ASSERT_EQ(x[i].rt, y[i].rt);
      ASSERT_EQ(x[i].rw, y[i].rw);
    }
  };
  same(fused.records("PKH"), simple.records("PKH"));
  same(fused.unkeyed("PKH"), simple.unkeyed("PKH"));
  EXPECT_EQ(fused.dedup().to_json(), simple.dedup().to_json());
}

TEST(RegistryCsv, LoadCsvErrorsNameTheFile) {
  sk::Registry reg(kAsOf);
  const std::string dir = ::testing::TempDir();
  try {
    reg.load_csv(dir + "no_such_file.csv", "PKH", sk::ProgramLevel::kCentral);
    FAIL() << "no error";
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("no_such_file.csv"), std::string::npos);
  }
  struct Case {
    std::string bytes;
    std::string needle;
  };
  const Case cases[] = {
      {"", "empty"},
      {"nik,nama\n3510\xC3\xA9,x\xE9\n", "byte offset 13"},
      {"\xEF\xBB\xBFnik,nama\n\xE9\n", "byte offset 12"},
      {"kk,nama\n1,2\n", "no NIK column"},
      {"\"nik,nama\n", "header is malformed"},
  };
  for (const Case& c : cases) {
    const std::string path = dir + "registry_csv_bad.csv";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << c.bytes;
    try {
      reg.load_csv(path, "PKH", sk::ProgramLevel::kCentral);
      ADD_FAILURE() << "no error for " << c.needle;
    } catch (const sk::Error& e) {
      EXPECT_EQ(e.code(), sk::ErrorCode::kParse) << c.needle;
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(path + ": ", 0), 0u) << what;
      EXPECT_NE(what.find(c.needle), std::string::npos) << what;
    }
    std::remove(path.c_str());
  }
  EXPECT_EQ(reg.size(), 0u);  // nothing was published
}

// name_key (table-driven) against its definition: FNV-1a over the name with ASCII letters
// lowercased and other ASCII but digits left out; bytes from 0x80 count as they are.
TEST(RegistryCsv, NameKeyMatchesItsDefinition) {
  auto reference = [](std::string_view name) {
    std::uint64_t h = 1469598103934665603ULL;
    for (char c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x80) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum) continue;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    return h;
  };
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 24, ' ');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    ASSERT_EQ(skd::name_key(s), reference(s));
  }
  EXPECT_EQ(skd::name_key("Siti  Aminah"), skd::name_key("SITI-AMINAH."));
  for (const char* t : {"", " ", "\t\r\n", " a ", "a", "\r\nab c\t"}) {
    std::string_view v = t;
    while (!v.empty() &&
           (v.front() == ' ' || v.front() == '\t' || v.front() == '\r' || v.front() == '\n')) {
      v.remove_prefix(1);
    }
    while (!v.empty() &&
           (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n')) {
      v.remove_suffix(1);
    }
    EXPECT_EQ(skd::trim_ascii(t), v);
  }
}

// The loader's NIK/KK check (16 digits read 8 bytes at a time) against check_nik /
// check_kk, with every kind of fault: province, day, month, century edge against as_of,
// serial 0000, non-digits, lengths, spreadsheet damage.
TEST(RegistryCsv, KeyCheckCacheMatchesCheckNik) {
  std::mt19937_64 rng(9);
  const int provinces[] = {11, 35, 36, 51, 94, 10, 0, 99, 20};
  for (const sk::Date as_of : {sk::Date::from_ymd(2024, 6, 1), sk::Date::from_ymd(2000, 2, 29),
                               sk::Date::from_ymd(2013, 12, 31)}) {
    for (const bool kk : {false, true}) {
      const skd::KeyCheckCache cache(as_of,
                                     kk);  // reads 8 bytes at a time: checked against the text path
      for (int i = 0; i < 60000; ++i) {
        char buf[40];
        const int day = static_cast<int>(rng() % 33) + (rng() % 2 == 0 ? 40 : 0);
        const int month = static_cast<int>(rng() % 14);
        const int yy = static_cast<int>(rng() % 100);
        const int serial = rng() % 8 == 0 ? 0 : static_cast<int>(rng() % 10000);
        std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02d%04d", provinces[rng() % 9],
                      static_cast<int>(rng() % 100), static_cast<int>(rng() % 100), day % 100,
                      month, yy, serial);
        std::string s = buf;
        switch (rng() % 12) {
          case 0:
            s[rng() % 16] = "x /.+-"[rng() % 6];
            break;
          case 1:
            s.pop_back();
            break;
          case 2:
            s = "'" + s;
            break;
          case 3:
            s += ".0";
            break;
          case 4:
            s = "3.51001E+15";
            break;
          default:
            break;
        }
        const sk::NikCheck want = kk ? sk::check_kk(s, as_of) : sk::check_nik(s, as_of);
        const sk::NikCheck got = cache.check(s);
        ASSERT_EQ(static_cast<int>(got.reason), static_cast<int>(want.reason)) << s;
        ASSERT_EQ(got.value, want.value) << s;
        ASSERT_EQ(got.repaired, want.repaired) << s;
      }
    }
  }
}

// parse_record_date on every format and on near misses, against the calendar.
TEST(RegistryCsv, RecordDatesAgainstTheCalendar) {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 200000; ++i) {
    const int y = 1840 + static_cast<int>(rng() % 200), m = static_cast<int>(rng() % 14),
              d = static_cast<int>(rng() % 33);
    char buf[48];
    const int style = static_cast<int>(rng() % 6);
    if (style == 0) std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    if (style == 1) std::snprintf(buf, sizeof buf, "%02d-%02d-%04d", d, m, y);
    if (style == 2) std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d, m, y);
    if (style == 3) std::snprintf(buf, sizeof buf, "%d/%d/%04d", d, m, y);
    if (style == 4) std::snprintf(buf, sizeof buf, " %d-%02d-%04d\t", d, m, y);
    if (style == 5) std::snprintf(buf, sizeof buf, "%02d/%02d-%04d", d, m, y);  // mixed separators
    std::string text = buf;
    bool garbled = false;
    if (rng() % 8 == 0) {
      text[rng() % text.size()] = "x/-. 9"[rng() % 6];
      garbled = true;
    }
    sk::Date got;
    const bool ok = skd::parse_record_date(text, kAsOf, got);
    if (!garbled) {
      // Mixed separators are no date; years from 1850 to 2200.
      const bool want = style != 5 && y >= 1850 && y <= 2200 && sk::Date::is_valid_ymd(y, m, d);
      ASSERT_EQ(ok, want) << text;
      if (want) {
        ASSERT_EQ(got.days_since_epoch(), sk::days_from_civil(y, m, d)) << text;
      }
    } else if (ok) {
      // A changed character may still spell a date; then it is a real one.
      ASSERT_GE(got.year(), 1850) << text;
    }
  }
}

// The key sort (buckets between a sample's percentiles, then a radix sort of each on its
// own span) on full-range, narrow, offset, equal, NIK-like and skewed keys (a regency's
// NIKs with a few from far provinces; many equal keys beside spread ones), on one and on
// several threads, with payloads showing it is stable.
TEST(RegistryCsv, KeySortOnAnyKeyRange) {
  std::mt19937_64 rng(21);
  struct Wide {  // a payload as wide as the dedup's
    std::uint64_t a;
    std::uint32_t b, c;
  };
  for (int kind = 0; kind < 9; ++kind) {
    for (std::size_t n : {0u, 1u, 2u, 255u, 256u, 5000u, 100000u, 300000u}) {
      std::vector<std::uint64_t> keys(n);
      for (auto& k : keys) {
        switch (kind) {
          case 0:
            k = rng();
            break;  // full 64 bits
          case 1:
            k = rng() % 2 == 0 ? 0 : ~std::uint64_t{0};
            break;  // the two extremes
          case 2:
            k = 42;
            break;  // all equal
          case 3:
            k = (std::uint64_t{1} << 63) + rng() % 3000;
            break;  // narrow, high
          case 4:
            k = (3510010101000001ULL + rng() % 250000000000ULL) << 6 | rng() % 8;
            break;  // NIK-like
          case 5:
            k = rng() % 2048 << 11 | rng() % 4;
            break;  // one digit apart
          case 6:   // a regency's NIKs and 0.5% from anywhere (below and above)
            k = rng() % 200 == 0 ? (1101010101000001ULL + rng() % 8000000000000000ULL) << 6
                                 : (3510010101000001ULL + rng() % 24000000000ULL) << 6 | rng() % 8;
            break;
          case 7:  // half the keys one value, the others spread
            k = rng() % 2 == 0 ? 777 : rng() >> 8;
            break;
          default:  // clustered: a few tight groups far apart
            k = (rng() % 5) * (std::uint64_t{1} << 58) + rng() % 1000;
            break;
        }
      }
      std::vector<std::uint32_t> payload(n);
      for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<std::uint32_t>(i);
      std::vector<std::pair<std::uint64_t, std::uint32_t>> expect(n);
      for (std::size_t i = 0; i < n; ++i) expect[i] = {keys[i], payload[i]};
      std::stable_sort(expect.begin(), expect.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      auto copy = keys, wide_keys = keys;
      skd::sort_by_key(keys, &payload, 0);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(keys[i], expect[i].first) << kind;
        ASSERT_EQ(payload[i], expect[i].second) << kind;  // stable: equal keys keep their order
      }
      skd::sort_by_key<skd::NoPayload>(copy, nullptr, 1);
      ASSERT_EQ(copy, keys) << kind;
      std::vector<Wide> wide(n);
      for (std::size_t i = 0; i < n; ++i)
        wide[i] = {wide_keys[i] ^ 0x5555, static_cast<std::uint32_t>(i), 7};
      skd::sort_by_key(wide_keys, &wide, 2);
      ASSERT_EQ(wide_keys, keys) << kind;
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(wide[i].b, expect[i].second) << kind;
        ASSERT_EQ(wide[i].a, keys[i] ^ 0x5555) << kind;
        ASSERT_EQ(wide[i].c, 7u) << kind;
      }
    }
  }
}
