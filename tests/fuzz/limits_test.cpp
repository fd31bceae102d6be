// Huge and deeply nested inputs get a clear answer (a result, or Error with kLimit or
// kParse), never a stack overflow or an allocation of gigabytes. One section per parser,
// compiled when its area's header is in the tree.
#include <smartkampung/error.hpp>
#include <smartkampung/nik.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#if __has_include(<smartkampung/io.hpp>)
#include <smartkampung/io.hpp>
#define SKAMP_LIMITS_HAVE_IO 1
#endif

namespace {

bool small() {
  const char* size = std::getenv("SKAMP_TEST_SIZE");
  return size != nullptr && std::string(size) == "small";
}

TEST(Limits, HugeNikIsRejectedByLength) {
  const std::string huge(small() ? 1 << 20 : 100 << 20, '3');
  const auto check = smartkampung::check_nik(huge, smartkampung::Date::from_ymd(2020, 5, 1));
  EXPECT_EQ(check.reason, smartkampung::NikReason::kLength);
  EXPECT_EQ(smartkampung::mask_nik(huge), std::string(16, '*'));
}

#ifdef SKAMP_LIMITS_HAVE_IO
// A 100 MB field (10 MB at the small size), quoted and unquoted: read intact or refused
// with kLimit, with no copy beyond a few times the input.
TEST(Limits, CsvHugeField) {
  const std::size_t n = small() ? 10u << 20 : 100u << 20;
  for (bool quoted : {false, true}) {
    std::string text = "nik,nama\n3510014501900001,";
    if (quoted) text += '"';
    text.append(n, 'a');
    if (quoted) text += '"';
    text += "\n";
    try {
      const smartkampung::CsvTable table = smartkampung::parse_csv(text);
      ASSERT_EQ(table.rows(), 1u);
      EXPECT_EQ(table.field(0, 1).size(), n);
    } catch (const smartkampung::Error& e) {
      EXPECT_EQ(e.code(), smartkampung::ErrorCode::kLimit) << e.what();
    }
  }
}

// An unterminated quote before a million lines: rejected (the reader may resynchronise
// on the next line), not a crash or a quadratic rescan.
TEST(Limits, CsvUnterminatedQuoteOverManyLines) {
  std::string text = "a,b\n\"";
  for (int i = 0; i < (small() ? 10000 : 1000000); ++i) text += "x,y\n";
  try {
    const smartkampung::CsvTable table = smartkampung::parse_csv(text);
    EXPECT_GE(table.rejected().size(), 1u);
    EXPECT_EQ(table.rejected().front().line, 2u);
  } catch (const smartkampung::Error& e) {
    EXPECT_TRUE(e.code() == smartkampung::ErrorCode::kLimit || e.code() == smartkampung::ErrorCode::kParse);
  }
}

// A million columns in the header and in a row.
TEST(Limits, CsvVeryWideRow) {
  const int columns = small() ? 10000 : 1000000;
  std::string header, row;
  for (int i = 0; i < columns; ++i) {
    header += (i ? ",c" : "c");
    row += (i ? ",1" : "1");
  }
  try {
    const smartkampung::CsvTable table = smartkampung::parse_csv(header + "\n" + row + "\n");
    EXPECT_EQ(table.columns(), static_cast<std::size_t>(columns));
    EXPECT_EQ(table.rows(), 1u);
  } catch (const smartkampung::Error& e) {
    EXPECT_EQ(e.code(), smartkampung::ErrorCode::kLimit);
  }
}
#endif

}  // namespace
