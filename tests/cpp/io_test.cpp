#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <smartkampung/io.hpp>
#include <string>
#include <vector>

namespace sk = smartkampung;

namespace {

std::vector<std::vector<std::string>> rows_of(const sk::CsvTable& t) {
  std::vector<std::vector<std::string>> out;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < t.columns(); ++c) row.emplace_back(t.field(r, c));
    out.push_back(row);
  }
  return out;
}

bool small_size() {
  const char* s = std::getenv("SKAMP_TEST_SIZE");
  return s != nullptr && std::string(s) == "small";
}

}  // namespace

TEST(Csv, BasicCommaLf) {
  const auto t = sk::parse_csv("nik,nama\n3510011204900001,Budi\n3510015204900002,Siti\n");
  ASSERT_EQ(t.columns(), 2u);
  EXPECT_EQ(t.header()[1], "nama");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.field(1, 1), "Siti");
  EXPECT_EQ(t.line(0), 2u);
  EXPECT_EQ(t.line(1), 3u);
  EXPECT_EQ(t.delimiter(), ',');
  EXPECT_EQ(t.encoding(), sk::TextEncoding::kUtf8);
  EXPECT_TRUE(t.rejected().empty());
  EXPECT_EQ(t.physical_lines(), 3u);
}

TEST(Csv, SemicolonCrlfBomAndQuotes) {
  const std::string text =
      "\xEF\xBB\xBFNIK;Nama;Alamat\r\n"
      "1;\"Moch. \"\"Cak\"\" Sholeh\";\"Jl. Raya; No 5\r\nDusun Krajan\"\r\n"
      "2;Siti;\"\"\r\n";
  const auto t = sk::parse_csv(text);
  EXPECT_EQ(t.delimiter(), ';');
  EXPECT_EQ(t.encoding(), sk::TextEncoding::kUtf8Bom);
  EXPECT_EQ(t.header()[0], "NIK");
  EXPECT_EQ(t.find_column("alamat"), 2);
  EXPECT_EQ(t.find_column("missing"), -1);
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.field(0, 1), "Moch. \"Cak\" Sholeh");
  EXPECT_EQ(t.field(0, 2), "Jl. Raya; No 5\r\nDusun Krajan");
  EXPECT_EQ(t.line(0), 2u);
  EXPECT_EQ(t.line(1), 4u);  // the quoted newline moved it down one physical line
  EXPECT_EQ(t.field(1, 2), "");
}

TEST(Csv, RejectsWithLinesAndGoesOn) {
  const std::string text =
      "a,b,c\n"
      "1,2,3\n"
      "1,2\n"         // line 3: too few
      "\n"            // line 4: blank, skipped
      "1,2,3,4\n"     // line 5: too many
      "\"x\"y,2,3\n"  // line 6: text after closing quote
      "7,8,9\n"       // line 7
      "\"open,2,3\n"  // line 8: unterminated quote
      "10,11,12\n";   // line 9: still loaded
  const auto t = sk::parse_csv(text);
  // The line with a quote never closed is read again with the quote as plain text.
  ASSERT_EQ(t.rows(), 4u);
  EXPECT_EQ(t.line(0), 2u);
  EXPECT_EQ(t.line(1), 7u);
  EXPECT_EQ(t.line(2), 8u);
  EXPECT_EQ(t.field(2, 0), "open");
  EXPECT_EQ(t.line(3), 9u);
  EXPECT_EQ(t.field(3, 2), "12");
  ASSERT_EQ(t.rejected().size(), 3u);
  EXPECT_EQ(t.rejected()[0].line, 3u);
  EXPECT_NE(t.rejected()[0].reason.find("wrong column count"), std::string::npos);
  EXPECT_EQ(t.rejected()[0].raw, "1,2");
  EXPECT_EQ(t.rejected()[1].line, 5u);
  EXPECT_EQ(t.rejected()[2].line, 6u);
  EXPECT_NE(t.rejected()[2].reason.find("closing quote"), std::string::npos);
  ASSERT_EQ(t.quote_runs().size(), 1u);
  EXPECT_EQ(t.quote_runs()[0].first_line, 8u);
  EXPECT_EQ(t.quote_runs()[0].last_line, 9u);  // never closed: to the end
  EXPECT_EQ(t.quote_runs()[0].recovered, 2u);
}

TEST(Csv, TwoOpenQuotesDoNotSwallowTheLinesBetween) {
  const auto t = sk::parse_csv("a,b\n\"open,1\n2,3\n4,5\n\"again,6\n7,8\n");
  ASSERT_EQ(t.rows(), 5u);
  EXPECT_EQ(t.line(0), 2u);
  EXPECT_EQ(t.field(0, 0), "open");
  EXPECT_EQ(t.line(1), 3u);
  EXPECT_EQ(t.line(4), 6u);
  EXPECT_TRUE(t.rejected().empty());
  // The first quote closes at the second: one run from line 2 to line 5.
  ASSERT_EQ(t.quote_runs().size(), 2u);
  EXPECT_EQ(t.quote_runs()[0].first_line, 2u);
  EXPECT_EQ(t.quote_runs()[0].last_line, 5u);
  EXPECT_EQ(t.quote_runs()[1].first_line, 5u);
  // A legitimate multi-line quoted field is still one record.
  const auto ok = sk::parse_csv("a,b\n\"x\ny\",1\n2,3\n");
  ASSERT_EQ(ok.rows(), 2u);
  EXPECT_EQ(ok.field(0, 0), "x\ny");
  EXPECT_TRUE(ok.quote_runs().empty());
}

// A quote left open on one line and closed by a stray one far below: the record it
// makes has the right column count, but the lines it swallowed hold NIKs.
TEST(Csv, StrayQuotePairSwallowingRecordsIsReportedAndRecovered) {
  std::string text = "nik,nama,desa\n";
  text += "3510014501900001,\"Siti,Sumberagung\n";  // line 2: opens
  for (int i = 0; i < 5; ++i)
    text += "35100145019000" + std::to_string(10 + i) + ",Nama,Desa\n";  // lines 3-7
  text += "3510014501900020,Budi\",Kedungrejo\n";  // line 8: the stray closing quote
  text += "3510014501900021,Ani,Kedungrejo\n";
  const auto t = sk::parse_csv(text);
  ASSERT_EQ(t.quote_runs().size(), 1u);
  EXPECT_EQ(t.quote_runs()[0].first_line, 2u);
  EXPECT_EQ(t.quote_runs()[0].last_line, 8u);
  EXPECT_EQ(t.quote_runs()[0].recovered, 7u);
  EXPECT_EQ(t.rows(), 8u);  // every line is a record again
  EXPECT_EQ(t.field(0, 1), "Siti");
  EXPECT_EQ(t.field(6, 1), "Budi\"");  // a quote inside an unquoted field is text
  EXPECT_TRUE(t.rejected().empty());
}

TEST(Csv, Windows1252IsConverted) {
  const std::string text = "nama;desa\nJos\xE9;Kal\xEDpuro \x80\n";
  const auto t = sk::parse_csv(text);
  EXPECT_EQ(t.encoding(), sk::TextEncoding::kWindows1252);
  ASSERT_EQ(t.rows(), 1u);
  EXPECT_EQ(t.field(0, 0), "Jos\xC3\xA9");
  EXPECT_EQ(t.field(0, 1), "Kal\xC3\xADpuro \xE2\x82\xAC");
}

TEST(Csv, UndecidableEncodingNamesTheOffset) {
  try {
    sk::parse_csv("nama\nJos\xC3\xA9\nJos\xE9\n");  // valid UTF-8 then a lone Latin-1 byte
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kParse);
    EXPECT_NE(std::string(e.what()).find("byte offset 14"), std::string::npos) << e.what();
  }
  try {
    sk::parse_csv("\xEF\xBB\xBFnama\nJos\xE9\n");
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 11"), std::string::npos) << e.what();
  }
  try {
    sk::parse_csv("nama\nA\x81\n");  // 0x81 is undefined in Windows-1252
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 6"), std::string::npos) << e.what();
  }
}

TEST(Csv, EmptyAndMissingFile) {
  EXPECT_THROW(sk::parse_csv(""), sk::Error);
  EXPECT_THROW(sk::parse_csv("\n\n"), sk::Error);
  try {
    sk::read_csv_file("/nonexistent/dir/file.csv");
    FAIL();
  } catch (const sk::Error& e) {
    EXPECT_EQ(e.code(), sk::ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/file.csv"), std::string::npos);
  }
}

TEST(Csv, LastLineWithoutNewlineAndTrailingDelimiterRows) {
  const auto t = sk::parse_csv("a;b\n1;2\n;\n3;4");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.field(1, 1), "4");
  EXPECT_EQ(t.line(1), 4u);
  EXPECT_TRUE(t.rejected().empty());
}

TEST(Csv, AtomicWriteAndRead) {
  const std::string path = ::testing::TempDir() + "skamp_io_atomic.txt";
  sk::write_file_atomic(path, "one");
  sk::write_file_atomic(path, "two");
  EXPECT_EQ(sk::read_file(path), "two");
  std::remove(path.c_str());
  EXPECT_THROW(sk::write_file_atomic("/nonexistent/dir/x", "a"), sk::Error);
  EXPECT_EQ(sk::csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(sk::csv_escape("a\"b", ';'), "\"a\"\"b\"");
  EXPECT_EQ(sk::csv_escape("plain"), "plain");
}

// Oracle: random tables written with random quoting, line ends and delimiters, plus
// broken rows at known lines, parse back to exactly the rows written, on one thread
// and on two (the input is large enough to be split, with quoted newlines near splits).
TEST(Csv, RandomTablesRoundTrip) {
  std::mt19937_64 rng(42);
  const int rounds = small_size() ? 2 : 6;
  for (int round = 0; round < rounds; ++round) {
    const char delim = round % 2 == 0 ? ',' : ';';
    const std::string eol = round % 3 == 0 ? "\r\n" : "\n";
    const std::size_t cols = 2 + rng() % 4;  // one column leaves the delimiter undetectable
    const std::size_t nrows = (round < 2 ? 50 : (small_size() ? 5000 : 40000));
    std::string text;
    std::size_t line = 1;
    for (std::size_t c = 0; c < cols; ++c)
      text += (c ? std::string(1, delim) : "") + "h" + std::to_string(c);
    text += eol;
    std::vector<std::vector<std::string>> expected_rows;
    std::vector<std::size_t> expected_lines, expected_rejected;
    const std::string alphabet = std::string("abc XYZ019\"\n") + delim;
    for (std::size_t r = 0; r < nrows; ++r) {
      ++line;
      if (rng() % 50 == 0) {  // a broken row: one field too many
        for (std::size_t c = 0; c <= cols; ++c) text += (c ? std::string(1, delim) : "") + "x";
        text += eol;
        expected_rejected.push_back(line);
        continue;
      }
      std::vector<std::string> row;
      std::size_t newlines = 0;
      for (std::size_t c = 0; c < cols; ++c) {
        std::string value;
        const std::size_t len = rng() % 8;
        for (std::size_t k = 0; k < len; ++k) value.push_back(alphabet[rng() % alphabet.size()]);
        if (c == 0 && value.empty()) value = "v";  // keep rows from being blank
        const bool needs_quotes =
            value.find_first_of(std::string{'"', '\n', delim, ' '}) != std::string::npos;
        if (c) text.push_back(delim);
        if (needs_quotes || rng() % 4 == 0) {
          text += sk::csv_escape(value, delim) == value ? "\"" + value + "\""
                                                        : sk::csv_escape(value, delim);
        } else {
          text += value;
        }
        for (char ch : value) newlines += ch == '\n';
        row.push_back(value);
      }
      text += eol;
      expected_rows.push_back(row);
      expected_lines.push_back(line);
      line += newlines;
    }
    for (unsigned threads : {1u, 2u}) {
      sk::CsvOptions options;
      options.threads = threads;
      options.trim_fields = false;
      const auto t = sk::parse_csv(text, options);
      ASSERT_EQ(t.delimiter(), delim);
      ASSERT_EQ(t.columns(), cols);
      ASSERT_EQ(rows_of(t), expected_rows) << "round " << round << " threads " << threads;
      for (std::size_t r = 0; r < t.rows(); ++r) ASSERT_EQ(t.line(r), expected_lines[r]);
      ASSERT_EQ(t.rejected().size(), expected_rejected.size());
      for (std::size_t i = 0; i < expected_rejected.size(); ++i) {
        ASSERT_EQ(t.rejected()[i].line, expected_rejected[i]);
      }
    }
  }
}

// Arbitrary bytes never crash the reader; they parse or throw sk::Error.
TEST(Csv, RandomBytesNeverCrash) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "a,;\"\r\n\t \xC3\xA9\xE9\x81";
  for (int i = 0; i < (small_size() ? 300 : 3000); ++i) {
    std::string s;
    const std::size_t len = rng() % 60;
    for (std::size_t k = 0; k < len; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
    try {
      const auto t = sk::parse_csv(s);
      for (std::size_t r = 0; r < t.rows(); ++r) {
        for (std::size_t c = 0; c < t.columns(); ++c) (void)t.field(r, c);
      }
    } catch (const sk::Error&) {
    }
  }
}
