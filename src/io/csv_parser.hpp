// Private: the CSV record splitter shared by parse_csv (which copies the fields into a
// CsvTable) and the registry's loader (which normalises each record straight from the
// text, without a table in between). Both see the same records, lines and rejections
// because both run this code; only what they do with a record differs.
//
// Parallel parsing: the data after the header is cut into byte ranges at newlines and
// each thread parses the records that START in its range (a record may run past the
// range's end). A later range's result is only used when the range before it ended
// exactly where it begins, so a quoted field spanning a cut just costs a sequential
// re-parse of the rest, never a wrong answer.
#ifndef SMARTKAMPUNG_SRC_IO_CSV_PARSER_HPP
#define SMARTKAMPUNG_SRC_IO_CSV_PARSER_HPP

#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <smartkampung/io.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace smartkampung::detail {

/// The index of `name` in `header` (ASCII case-insensitive, `name` trimmed), or -1: the
/// rule of CsvTable::find_column, shared with the registry's one-pass loader.
long find_header_column(const std::vector<std::string>& header, std::string_view name) noexcept;

/// Below this many bytes of data one thread is faster.
constexpr std::size_t kCsvParallelThreshold = std::size_t{1} << 20;

/// The fields of one record, unquoted: views into the input, or into a scratch buffer
/// for a quoted field holding a doubled quote. Valid until the next record is parsed.
class CsvFields {
 public:
  std::size_t size() const noexcept { return count_; }
  std::string_view operator[](std::size_t i) const noexcept { return views_[i]; }

 private:
  friend class CsvRecordParser;
  struct ScratchSpan {
    std::size_t field, begin, size;
  };
  void clear() noexcept {
    count_ = 0;
    scratch_.clear();
    scratch_spans_.clear();
  }
  void add(std::size_t begin, std::size_t size) {
    if (count_ == views_.size()) views_.resize(views_.size() * 2 + 16);
    views_[count_++] = std::string_view(base_ + begin, size);
  }
  // A field in scratch_: its view is made once the record is complete (scratch_ may move).
  void add_scratch(std::size_t begin, std::size_t size) {
    scratch_spans_.push_back({count_, begin, size});
    add(0, 0);
  }
  void resolve_scratch() noexcept {
    for (const ScratchSpan& s : scratch_spans_)
      views_[s.field] = std::string_view(scratch_.data() + s.begin, s.size);
  }

  const char* base_ = nullptr;
  std::vector<std::string_view> views_;  // the first count_ are in use
  std::size_t count_ = 0;
  std::string scratch_;
  std::vector<ScratchSpan> scratch_spans_;
};

class CsvRecordParser {
 public:
  /// `fast` false: always the general path (tests compare the two).
  CsvRecordParser(std::string_view text, char delimiter, bool trim, bool fast = true)
      : s_(text), delim_(delimiter), trim_(trim), fast_(fast) {}

  enum class Outcome { kRecord, kBlank, kRejected };

  // Parses one record starting at `pos` into `fields`. Advances pos past the record's
  // line end and counts the newlines consumed into `lines`. On rejection sets `reason`.
  Outcome record(std::size_t& pos, std::size_t& lines, CsvFields& fields,
                 std::string& reason) const {
    bool plain_content = false;
    if (fast_ && plain_record(pos, lines, fields, plain_content))
      return plain_content ? Outcome::kRecord : Outcome::kBlank;
    return general_record(pos, lines, fields, reason);
  }

  std::string_view text() const noexcept { return s_; }

  /// Splits the line [begin, end) at the delimiter with quotes taken as plain text: how a
  /// line swallowed by a quote left open is read back. A quote at either end of a field is
  /// dropped (the field was meant to be quoted, or the quote is the stray one). Returns
  /// true when some field holds something.
  bool literal_line(std::size_t begin, std::size_t end, CsvFields& fields) const {
    fields.base_ = s_.data();
    fields.clear();
    if (end > begin && s_[end - 1] == '\r') --end;
    bool any_content = false;
    std::size_t q = begin;
    for (;;) {
      std::size_t e = q;
      while (e < end && s_[e] != delim_) ++e;
      std::size_t a = q, b = e;
      if (trim_) {
        while (a < b && is_blank(s_[a])) ++a;
        while (b > a && is_blank(s_[b - 1])) --b;
      }
      if (a < b && s_[a] == '"') ++a;
      if (b > a && s_[b - 1] == '"') --b;
      if (b > a) any_content = true;
      fields.add(a, b - a);
      if (e >= end) break;
      q = e + 1;
    }
    return any_content;
  }

  /// True when a line inside [begin, end) (past the first one) looks like a record of its
  /// own: it holds the delimiter and a run of 15 to 18 digits (a NIK or KK, perhaps
  /// damaged). A quoted field that swallowed such lines is a quote left open, not a
  /// multi-line address.
  bool swallows_records(std::size_t begin, std::size_t end) const noexcept {
    const void* nl = std::memchr(s_.data() + begin, '\n', end - begin);
    while (nl != nullptr) {
      const std::size_t line =
          static_cast<std::size_t>(static_cast<const char*>(nl) - s_.data()) + 1;
      if (line >= end) break;
      const void* next = std::memchr(s_.data() + line, '\n', end - line);
      const std::size_t line_end =
          next == nullptr ? end
                          : static_cast<std::size_t>(static_cast<const char*>(next) - s_.data());
      bool delimiter = false;
      std::size_t run = 0, longest = 0;
      for (std::size_t i = line; i < line_end; ++i) {
        const char c = s_[i];
        if (c == delim_) delimiter = true;
        if (c >= '0' && c <= '9') {
          longest = std::max(longest, ++run);
        } else {
          run = 0;
        }
      }
      if (delimiter && longest >= 15 && longest <= 18) return true;
      nl = next;
    }
    return false;
  }

 private:
  static bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

  // An unquoted field [q, e) (e at a delimiter or line end), trimmed as general_record does.
  void plain_field(std::size_t q, std::size_t e, CsvFields& fields, bool& any_content) const {
    const char* s = s_.data();
    if (q < e && static_cast<unsigned char>(s[q]) > ' ' &&
        static_cast<unsigned char>(s[e - 1]) > ' ') {
      any_content = true;  // nothing to trim, no CR: the common case
      fields.add(q, e - q);
      return;
    }
    if (trim_) {
      while (q < e && is_blank(s[q])) ++q;
    }
    std::size_t value_end = e;
    if (value_end > q && s[value_end - 1] == '\r' && (e == s_.size() || s[e] == '\n')) --value_end;
    if (trim_) {
      while (value_end > q && is_blank(s[value_end - 1])) --value_end;
    }
    if (value_end > q) any_content = true;
    fields.add(q, value_end - q);
  }

  // The common case, 16 bytes at a time: a record without any quote that ends with a
  // newline at least 16 bytes before the end of the input. Gives the same fields as
  // general_record; returns false (having consumed nothing) for anything else.
  bool plain_record(std::size_t& pos, std::size_t& lines, CsvFields& fields,
                    bool& any_content) const {
#if defined(__SSE2__)
    // A blank delimiter would interact with trimming: leave that to the general path.
    if (trim_ && is_blank(delim_)) return false;
    const char* s = s_.data();
    const std::size_t n = s_.size();
    fields.base_ = s;
    fields.clear();
    const __m128i vd = _mm_set1_epi8(delim_);
    const __m128i vn = _mm_set1_epi8('\n');
    const __m128i vq = _mm_set1_epi8('"');
    std::size_t field_start = pos;
    for (std::size_t block = pos; block + 16 <= n; block += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + block));
      const unsigned newlines = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)));
      unsigned stops = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd))) | newlines;
      const unsigned quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)));
      // Only the record's own bytes count: up to its newline if that is in this block.
      const unsigned own = newlines != 0 ? ((newlines & (0u - newlines)) << 1) - 1 : 0xFFFFu;
      if ((quotes & own) != 0) break;
      stops &= own;
      while (stops != 0) {
        const std::size_t at = block + static_cast<std::size_t>(__builtin_ctz(stops));
        stops &= stops - 1;
        plain_field(field_start, at, fields, any_content);
        if (s[at] == '\n') {
          ++lines;
          pos = at + 1;
          return true;
        }
        field_start = at + 1;
      }
    }
    fields.clear();
    any_content = false;
#else
    (void)pos;
    (void)lines;
    (void)fields;
    (void)any_content;
#endif
    return false;
  }

  Outcome general_record(std::size_t& pos, std::size_t& lines, CsvFields& fields,
                         std::string& reason) const {
    const std::size_t n = s_.size();
    const std::size_t start_pos = pos;
    const std::size_t start_lines = lines;
    fields.base_ = s_.data();
    fields.clear();
    bool any_content = false;
    std::size_t p = pos;
    for (;;) {
      // One field.
      std::size_t q = p;
      if (trim_) {
        while (q < n && is_blank(s_[q])) ++q;
      }
      if (q < n && s_[q] == '"') {
        any_content = true;
        ++q;
        std::size_t view_begin = q, view_size = 0, scratch_begin = 0;
        bool in_scratch = false;
        for (;;) {
          const void* hit = q < n ? std::memchr(s_.data() + q, '"', n - q) : nullptr;
          if (hit == nullptr) {
            // Unterminated: reject the record and resume at the line after its start,
            // so that one stray quote does not swallow the rest of the file.
            reason = "unterminated quote";
            lines = start_lines;
            const void* nl = std::memchr(s_.data() + start_pos, '\n', n - start_pos);
            pos = nl == nullptr
                      ? n
                      : static_cast<std::size_t>(static_cast<const char*>(nl) - s_.data()) + 1;
            if (nl != nullptr) ++lines;
            return Outcome::kRejected;
          }
          const std::size_t qpos =
              static_cast<std::size_t>(static_cast<const char*>(hit) - s_.data());
          const std::string_view piece = s_.substr(q, qpos - q);
          lines += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
          if (in_scratch) {
            fields.scratch_.append(piece.data(), piece.size());
          } else {
            view_begin = q;
            view_size = piece.size();
          }
          if (qpos + 1 < n && s_[qpos + 1] == '"') {
            if (!in_scratch) {
              scratch_begin = fields.scratch_.size();
              fields.scratch_.append(s_.data() + view_begin, view_size);
              in_scratch = true;
            }
            fields.scratch_.push_back('"');
            q = qpos + 2;
            continue;
          }
          q = qpos + 1;
          break;
        }
        while (q < n && is_blank(s_[q])) ++q;
        if (q < n && s_[q] == '\r' && q + 1 < n && s_[q + 1] == '\n') ++q;
        if (q < n && s_[q] != delim_ && s_[q] != '\n') {
          reason = "text after a closing quote in field " + std::to_string(fields.size() + 1);
          const void* nl = std::memchr(s_.data() + q, '\n', n - q);
          pos = nl == nullptr
                    ? n
                    : static_cast<std::size_t>(static_cast<const char*>(nl) - s_.data()) + 1;
          if (nl != nullptr) ++lines;
          return Outcome::kRejected;
        }
        if (in_scratch) {
          fields.add_scratch(scratch_begin, fields.scratch_.size() - scratch_begin);
        } else {
          fields.add(view_begin, view_size);
        }
      } else {
        std::size_t e = q;
        while (e < n && s_[e] != delim_ && s_[e] != '\n') ++e;
        std::size_t value_end = e;
        if (value_end > q && s_[value_end - 1] == '\r' && (e == n || s_[e] == '\n')) --value_end;
        if (trim_) {
          while (value_end > q && is_blank(s_[value_end - 1])) --value_end;
        }
        if (value_end > q) any_content = true;
        fields.add(q, value_end - q);
        q = e;
      }
      // After the field: delimiter, newline or end of input.
      if (q < n && s_[q] == delim_) {
        p = q + 1;
        continue;
      }
      if (q < n) {  // newline
        ++lines;
        pos = q + 1;
      } else {
        pos = n;
      }
      break;
    }
    fields.resolve_scratch();
    return any_content ? Outcome::kRecord : Outcome::kBlank;
  }

  std::string_view s_;
  char delim_;
  bool trim_;
  bool fast_;
};

/// Where a range's parse stopped: the position the next record would start at and the
/// lines consumed.
struct CsvRangeEnd {
  std::size_t pos = 0;
  std::size_t lines = 0;
};

/// Parses the records starting in [begin, stop), handing each to `out`:
///   out.record(const CsvFields&, std::size_t line, std::string_view raw)  a record with `columns`
///   fields out.reject(std::size_t line, std::string reason, std::string_view raw)  a malformed
///   record out.quote_run(std::size_t first_line, std::size_t last_line)  a quote left open on
///       first_line swallowed the lines up to last_line; they were read again as records
/// Lines are relative to the range's first line (0-based); `raw` is the record's text
/// without its line end (personal data: for the report, never for a message).
template <class Consumer>
CsvRangeEnd parse_csv_range(const CsvRecordParser& parser, std::size_t begin, std::size_t stop,
                            std::size_t columns, bool skip_blank, Consumer& out) {
  const std::string_view s = parser.text();
  CsvFields fields;
  std::size_t pos = begin;
  std::size_t lines = 0;
  std::string reason;
  auto line_end_of = [&](std::size_t from) {
    const void* nl = std::memchr(s.data() + from, '\n', s.size() - from);
    return nl == nullptr ? s.size()
                         : static_cast<std::size_t>(static_cast<const char*>(nl) - s.data());
  };
  auto raw_of = [&](std::size_t from, std::size_t to) {
    std::string_view r = s.substr(from, to - from);
    while (!r.empty() && (r.back() == '\n' || r.back() == '\r')) r.remove_suffix(1);
    return r;
  };
  while (pos < stop) {
    const std::size_t record_line = lines;
    const std::size_t record_pos = pos;
    const CsvRecordParser::Outcome outcome = parser.record(pos, lines, fields, reason);
    // A quote left open: a record that ran over line breaks and is malformed, or that
    // swallowed lines looking like records, or a quote never closed. Report the run, read
    // its first line with quotes as plain text and go on at the line after it, so that the
    // swallowed lines are read as the records they are.
    const bool multi_line = lines - record_line > 1;
    const bool unterminated =
        outcome == CsvRecordParser::Outcome::kRejected && reason == "unterminated quote";
    if (unterminated || (multi_line && (outcome == CsvRecordParser::Outcome::kRejected ||
                                        (outcome == CsvRecordParser::Outcome::kRecord &&
                                         (fields.size() != columns ||
                                          parser.swallows_records(record_pos, pos)))))) {
      const std::size_t first_end = line_end_of(record_pos);
      // The run ends where the record did, or at the end of the input for a quote never closed.
      const std::size_t run_end = unterminated ? s.size() : pos;
      const std::string_view run = raw_of(record_pos, run_end);
      const auto inner_newlines =
          static_cast<std::size_t>(std::count(run.begin(), run.end(), '\n'));
      out.quote_run(record_line, record_line + inner_newlines);
      const std::string_view raw = raw_of(record_pos, first_end);
      const bool content = parser.literal_line(record_pos, first_end, fields);
      if (content && fields.size() == columns) {
        out.record(fields, record_line, raw);
      } else if (content) {
        out.reject(record_line,
                   "unbalanced quote (wrong column count: expected " + std::to_string(columns) +
                       " fields, found " + std::to_string(fields.size()) + ")",
                   raw);
      }
      pos = first_end < s.size() ? first_end + 1 : s.size();
      lines = record_line + (first_end < s.size() ? 1 : 0);
      continue;
    }
    if (outcome == CsvRecordParser::Outcome::kRejected) {
      out.reject(record_line, reason, raw_of(record_pos, pos));
      continue;
    }
    if (outcome == CsvRecordParser::Outcome::kBlank) {
      if (skip_blank || columns <= 1) continue;
      // A blank line where several fields are expected is a wrong column count.
      out.reject(record_line,
                 "wrong column count: expected " + std::to_string(columns) +
                     " fields, found an empty line",
                 std::string_view());
      continue;
    }
    if (fields.size() != columns) {
      out.reject(record_line,
                 "wrong column count: expected " + std::to_string(columns) + " fields, found " +
                     std::to_string(fields.size()),
                 raw_of(record_pos, pos));
      continue;
    }
    out.record(fields, record_line, raw_of(record_pos, pos));
  }
  return {pos, lines};
}

/// One consumer's share of the records; its relative line 0 is absolute line `first_line`.
template <class Consumer>
struct CsvPart {
  Consumer consumer;
  std::size_t first_line = 0;
};

/// Parses the data records from `pos` (just after the header, which took `header_lines`
/// lines) to the end on up to `threads` threads, each feeding a consumer made by
/// `make()`. Returns the parts in input order; `physical_lines` receives the input's line
/// count (a final line without a newline counts). `make(i)` makes the consumer of part i;
/// part 0 starts at absolute line header_lines + 1.
template <class Consumer, class Make>
std::vector<CsvPart<Consumer>> parse_csv_parts(const CsvRecordParser& parser, std::size_t pos,
                                               std::size_t header_lines, std::size_t columns,
                                               unsigned threads, bool skip_blank,
                                               std::size_t min_parallel, const Make& make,
                                               std::size_t& physical_lines) {
  const std::string_view text = parser.text();
  const std::size_t rest = text.size() - pos;
  std::vector<CsvPart<Consumer>> result;
  std::size_t line_base = header_lines + 1;
  std::vector<std::size_t> starts{pos};
  if (threads >= 2 && rest >= min_parallel && rest > 0) {
    // Cut points, each moved to just after a newline.
    for (unsigned t = 1; t < threads; ++t) {
      std::size_t split = pos + rest / threads * t;
      const void* nl = std::memchr(text.data() + split, '\n', text.size() - split);
      split = nl == nullptr
                  ? text.size()
                  : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
      if (split > starts.back() && split < text.size()) starts.push_back(split);
    }
  }
  starts.push_back(text.size());
  const std::size_t parts = starts.size() - 1;
  std::vector<Consumer> consumers;
  consumers.reserve(parts);
  for (std::size_t i = 0; i < parts; ++i) consumers.push_back(make(i));
  std::vector<CsvRangeEnd> ends(parts);
  {
    std::vector<std::exception_ptr> failures(parts);
    std::vector<std::thread> workers;
    workers.reserve(parts);
    auto run = [&](std::size_t i) {
      try {
        ends[i] =
            parse_csv_range(parser, starts[i], starts[i + 1], columns, skip_blank, consumers[i]);
      } catch (...) {
        failures[i] = std::current_exception();
      }
    };
    try {
      for (std::size_t i = 1; i < parts; ++i) workers.emplace_back(run, i);
    } catch (...) {
      for (auto& w : workers) w.join();
      throw;
    }
    run(0);
    for (auto& w : workers) w.join();
    for (const auto& f : failures) {
      if (f) std::rethrow_exception(f);
    }
  }
  for (std::size_t i = 0; i < parts; ++i) {
    result.push_back({std::move(consumers[i]), line_base});
    line_base += ends[i].lines;
    if (i + 1 < parts && ends[i].pos != starts[i + 1]) {
      // A record ran across the cut: parse the remainder sequentially.
      Consumer tail = make(i + 1);
      const CsvRangeEnd tail_end =
          parse_csv_range(parser, ends[i].pos, text.size(), columns, skip_blank, tail);
      result.push_back({std::move(tail), line_base});
      line_base += tail_end.lines;
      break;
    }
  }
  physical_lines = line_base - 1;
  if (!text.empty() && text.back() != '\n') ++physical_lines;
  return result;
}

/// The header found by parse_csv_header.
struct CsvHeader {
  std::vector<std::string> names;  ///< trimmed
  std::size_t data_pos = 0;        ///< where the first data record starts
  std::size_t lines = 0;           ///< lines the header (and blank lines before it) took
};

/// Parses the header: the first non-blank record. Throws Error(kParse) when there is none
/// or it is malformed.
CsvHeader parse_csv_header(const CsvRecordParser& parser);

/// Counts ',', ';' and tab outside quotes on the first record; the most frequent wins.
char detect_csv_delimiter(std::string_view text) noexcept;

/// The delimiter to use (options.delimiter or detected); throws Error(kInvalidArgument)
/// for a quote or a line end.
char csv_delimiter(std::string_view text, const CsvOptions& options);

/// Number of parsing threads for options.threads (0: up to 2).
unsigned csv_threads(const CsvOptions& options) noexcept;

/// parse_csv with the size from which it goes parallel given (tests use small sizes).
CsvTable parse_csv_with(std::string_view bytes, const CsvOptions& options,
                        std::size_t min_parallel);

/// A file's bytes, read with one pread per thread into an uninitialised buffer.
struct FileBytes {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::string fallback;  ///< used instead of data when the file is not a plain file
  bool ascii = false;    ///< true when every byte is below 0x80 (checked while reading)
  std::string_view view() const noexcept {
    return data ? std::string_view(data.get(), size) : std::string_view(fallback);
  }
};

/// Opens `path` for reading and returns the descriptor, with its stat in *st; throws
/// Error(kIo) naming the file when it cannot be opened or is not a regular file (devices,
/// FIFOs, sockets and directories are refused before anything is read).
int open_regular_file(const std::string& path, struct stat* st);

/// Removes the temporaries "<path>.tmp<pid>_<n>" that write_file_atomic calls of processes
/// no longer running left beside `path` (a save killed half-way); best effort.
void remove_stale_temporaries(const std::string& path);

/// Reads a whole file (up to `threads` threads); errors as read_file's.
FileBytes read_file_bytes(const std::string& path, unsigned threads);

/// decode_to_utf8 for bytes known to be ASCII or not yet checked (`ascii` false).
std::string_view decode_known(std::string_view bytes, bool ascii, std::string& storage,
                              TextEncoding* detected);

}  // namespace smartkampung::detail

#endif
