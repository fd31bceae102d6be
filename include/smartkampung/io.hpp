// smartkampung/io.hpp: a generic CSV table reader for files as district offices have them.
//
// Accepts UTF-8 (with or without BOM) and Windows-1252 (detected, converted to UTF-8),
// CRLF or LF line ends, ',' or ';' (or tab) as delimiter (detected), and RFC 4180
// quoting (delimiters, doubled quotes and newlines inside quoted fields). The first
// record is the header. A malformed record (wrong number of fields, unterminated
// quote, text after a closing quote) is rejected with its 1-based physical line
// and a reason, and the load goes on. Functions here are pure and thread-safe; a
// CsvTable is immutable once returned, so it may be read from many threads.
#ifndef SMARTKAMPUNG_IO_HPP
#define SMARTKAMPUNG_IO_HPP

#include <smartkampung/export.h>

#include <cstddef>
#include <cstdint>
#include <smartkampung/error.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung {

/// The encoding a CSV file was found to be in (the table itself is always UTF-8).
enum class TextEncoding : int { kUtf8 = 0, kUtf8Bom = 1, kWindows1252 = 2 };

/// "utf-8", "utf-8-sig" or "windows-1252".
SMARTKAMPUNG_EXPORT const char* text_encoding_name(TextEncoding encoding) noexcept;

struct CsvOptions {
  char delimiter = 0;            ///< 0: detect among ',', ';' and tab from the header line
  unsigned threads = 0;          ///< parsing threads; 0: up to 2 (the hardware's count, capped)
  bool trim_fields = true;       ///< strip ASCII spaces around unquoted fields and the header
  bool skip_blank_lines = true;  ///< a line with nothing on it is not a record
};

/// A record that was not accepted: its first physical line (1-based; the header is
/// line 1) and why. Reasons never quote the record's content.
struct CsvRejected {
  std::size_t line = 0;
  std::string reason;
  /// The record's text as it stood in the file (without its line end). Personal data:
  /// it belongs in the report and the rejected-rows file, never in a message or a log.
  std::string raw;
};

/// A quote left open on `first_line` that swallowed the lines up to `last_line` (both
/// 1-based physical lines). The first line was read again with its quotes as plain text
/// and the lines after it as records of their own; `recovered` counts the records of the
/// run that were accepted that way.
struct CsvQuoteRun {
  std::size_t first_line = 0;
  std::size_t last_line = 0;
  std::size_t recovered = 0;
};

/// A parsed table: the header and every accepted row, each with exactly
/// header().size() fields, stored contiguously (one allocation for all text).
class SMARTKAMPUNG_EXPORT CsvTable {
 public:
  CsvTable() = default;

  const std::vector<std::string>& header() const noexcept { return header_; }
  std::size_t columns() const noexcept { return header_.size(); }
  /// Number of accepted data rows.
  std::size_t rows() const noexcept { return lines_.size(); }
  /// Field `col` of row `row` (unquoted, UTF-8). No bounds check beyond debug builds.
  std::string_view field(std::size_t row, std::size_t col) const noexcept {
    const std::size_t i = row * header_.size() + col;
    const std::uint64_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(text_).substr(static_cast<std::size_t>(begin),
                                          static_cast<std::size_t>(ends_[i] - begin));
  }
  /// The physical line (1-based) where row `row` starts.
  std::size_t line(std::size_t row) const noexcept { return lines_[row]; }
  /// Index of a header name compared case-insensitively (ASCII) after trimming; -1 if absent.
  long find_column(std::string_view name) const noexcept;

  /// Rejected records in line order.
  const std::vector<CsvRejected>& rejected() const noexcept { return rejected_; }
  /// Quotes left open that swallowed lines, in line order (see CsvQuoteRun).
  const std::vector<CsvQuoteRun>& quote_runs() const noexcept { return quote_runs_; }

  /// A table from rows given as text (a DataFrame, a workbook sheet): `cells` holds
  /// rows x header.size() fields row by row; `lines` the line (or 1-based position) of
  /// each row, or empty for 1, 2, 3, ... Throws Error(kInvalidArgument) when the sizes
  /// do not agree.
  static CsvTable from_rows(std::vector<std::string> header, const std::vector<std::string>& cells,
                            std::vector<std::size_t> lines = {});
  /// As from_rows, from the cells' text back to back (`text`, row by row) and each cell's
  /// end offset in it (`ends`: rows x header.size() entries, non-decreasing): no string
  /// per cell. Throws Error(kInvalidArgument) when the sizes do not agree.
  static CsvTable from_cells(std::vector<std::string> header, std::string text,
                             std::vector<std::uint64_t> ends, std::vector<std::size_t> lines = {});
  TextEncoding encoding() const noexcept { return encoding_; }
  char delimiter() const noexcept { return delimiter_; }
  /// Physical lines in the input (a final line without a newline counts).
  std::size_t physical_lines() const noexcept { return physical_lines_; }
  /// Bytes of input read (before conversion).
  std::size_t input_bytes() const noexcept { return input_bytes_; }

 private:
  friend struct CsvBuilder;
  std::vector<std::string> header_;
  std::string text_;                  // all fields of accepted rows, back to back
  std::vector<std::uint64_t> ends_;   // end offset in text_ of each field
  std::vector<std::uint32_t> lines_;  // start line of each row (files up to 4 billion lines)
  std::vector<CsvRejected> rejected_;
  std::vector<CsvQuoteRun> quote_runs_;
  TextEncoding encoding_ = TextEncoding::kUtf8;
  char delimiter_ = ',';
  std::size_t physical_lines_ = 0;
  std::size_t input_bytes_ = 0;
};

/// Our field name to the file's header name; overrides the built-in header aliases.
using ColumnMap = std::vector<std::pair<std::string, std::string>>;

/// Parses CSV text (any of the accepted encodings). Throws Error(kParse) when the
/// encoding cannot be decided (the message names the byte offset) or there is no
/// header; malformed records are reported in rejected(), not thrown.
SMARTKAMPUNG_EXPORT CsvTable parse_csv(std::string_view bytes, const CsvOptions& options = {});

/// Reads and parses a file. Throws Error(kIo) naming the file when it cannot be
/// opened or read; parse errors are as parse_csv's, prefixed with the file name.
SMARTKAMPUNG_EXPORT CsvTable read_csv_file(const std::string& path, const CsvOptions& options = {});

/// Reads a whole file into memory; throws Error(kIo) naming the file on failure, and
/// before reading anything when it is not a regular file (a directory, a device such as
/// /dev/zero, a FIFO, a socket).
SMARTKAMPUNG_EXPORT std::string read_file(const std::string& path);

/// Writes `content` to `path` atomically: a temporary file beside it with a fresh name
/// (created exclusively, never through a symlink, mode 0600), flushed to disk, then renamed
/// over the target, which so is 0600 too. Throws Error(kIo) naming the file; on failure the
/// previous file is untouched and the temporary file is removed. Temporaries left beside
/// `path` by saves that were killed are removed first.
SMARTKAMPUNG_EXPORT void write_file_atomic(const std::string& path, std::string_view content);

/// Detects the encoding of `bytes` and returns the text as UTF-8 (BOM removed). Throws
/// Error(kParse) naming the byte offset where the encoding cannot be decided: invalid
/// UTF-8 after a BOM, a mix of valid multi-byte UTF-8 and invalid bytes, or a byte that
/// Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) in non-UTF-8 text.
SMARTKAMPUNG_EXPORT std::string to_utf8(std::string_view bytes, TextEncoding* detected = nullptr);

/// Quotes a field for CSV output when it holds the delimiter, a quote, CR or LF.
SMARTKAMPUNG_EXPORT std::string csv_escape(std::string_view field, char delimiter = ',');

}  // namespace smartkampung

#endif
