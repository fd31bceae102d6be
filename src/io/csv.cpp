// The CSV reader: RFC 4180 with the leniencies of spreadsheet exports, parsed on up to
// two threads. Each thread parses the records that START in its byte range; a record
// may run past the range's end. The second range's result is only used when the first
// range's last record ended exactly where the second range begins (so a quoted field
// spanning the split point just costs a sequential re-parse, never a wrong answer).
#include <smartkampung/io.hpp>

#include "io/encoding.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <thread>

#include <unistd.h>

namespace smartkampung {

struct CsvBuilder {
  static CsvTable& table(CsvTable& t) { return t; }
  static std::vector<std::string>& header(CsvTable& t) { return t.header_; }
  static std::string& text(CsvTable& t) { return t.text_; }
  static std::vector<std::uint64_t>& ends(CsvTable& t) { return t.ends_; }
  static std::vector<std::uint32_t>& lines(CsvTable& t) { return t.lines_; }
  static std::vector<CsvRejected>& rejected(CsvTable& t) { return t.rejected_; }
  static void set_meta(CsvTable& t, TextEncoding enc, char delim, std::size_t physical, std::size_t bytes) {
    t.encoding_ = enc;
    t.delimiter_ = delim;
    t.physical_lines_ = physical;
    t.input_bytes_ = bytes;
  }
};

namespace {

constexpr std::size_t kParallelThreshold = 1u << 20;  // below 1 MiB one thread is faster

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_view(std::string_view s) noexcept {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

struct Chunk {
  std::string text;
  std::vector<std::uint64_t> ends;
  std::vector<std::uint32_t> lines;  // relative to the chunk's first line (0-based offset)
  std::vector<CsvRejected> rejected;
  std::size_t end_pos = 0;   // where the next record would start
  std::size_t end_line = 0;  // lines consumed (relative)
};

class Parser {
 public:
  Parser(std::string_view text, char delimiter, bool trim) : s_(text), delim_(delimiter), trim_(trim) {}

  enum class Outcome { kRecord, kBlank, kRejected };

  // Parses one record starting at `pos` into chunk.text (fields appended) and
  // `field_ends`. Advances pos past the record's line end and counts newlines into
  // `lines`. On rejection sets `reason` and rewinds chunk.text.
  Outcome record(std::size_t& pos, std::size_t& lines, std::string& out, std::vector<std::uint64_t>& field_ends,
                 std::string& reason) const {
    const std::size_t n = s_.size();
    const std::size_t start_pos = pos;
    const std::size_t start_lines = lines;
    const std::size_t out_start = out.size();
    const std::size_t ends_start = field_ends.size();
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
        for (;;) {
          const void* hit = q < n ? std::memchr(s_.data() + q, '"', n - q) : nullptr;
          if (hit == nullptr) {
            // Unterminated: reject the record and resume at the line after its start,
            // so that one stray quote does not swallow the rest of the file.
            reason = "unterminated quote";
            out.resize(out_start);
            field_ends.resize(ends_start);
            lines = start_lines;
            const void* nl = std::memchr(s_.data() + start_pos, '\n', n - start_pos);
            pos = nl == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(nl) - s_.data()) + 1;
            if (nl != nullptr) ++lines;
            return Outcome::kRejected;
          }
          const std::size_t qpos = static_cast<std::size_t>(static_cast<const char*>(hit) - s_.data());
          const std::string_view piece = s_.substr(q, qpos - q);
          lines += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
          out.append(piece.data(), piece.size());
          if (qpos + 1 < n && s_[qpos + 1] == '"') {
            out.push_back('"');
            q = qpos + 2;
            continue;
          }
          q = qpos + 1;
          break;
        }
        while (q < n && is_blank(s_[q])) ++q;
        if (q < n && s_[q] == '\r' && q + 1 < n && s_[q + 1] == '\n') ++q;
        if (q < n && s_[q] != delim_ && s_[q] != '\n') {
          reason = "text after a closing quote in field " + std::to_string(field_ends.size() - ends_start + 1);
          out.resize(out_start);
          field_ends.resize(ends_start);
          const void* nl = std::memchr(s_.data() + q, '\n', n - q);
          pos = nl == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(nl) - s_.data()) + 1;
          if (nl != nullptr) ++lines;
          return Outcome::kRejected;
        }
        field_ends.push_back(out.size());
      } else {
        std::size_t e = q;
        while (e < n && s_[e] != delim_ && s_[e] != '\n') ++e;
        std::size_t value_end = e;
        if (value_end > q && s_[value_end - 1] == '\r' && (e == n || s_[e] == '\n')) --value_end;
        if (trim_) {
          while (value_end > q && is_blank(s_[value_end - 1])) --value_end;
        }
        if (value_end > q) any_content = true;
        out.append(s_.data() + q, value_end - q);
        field_ends.push_back(out.size());
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
    if (!any_content) {
      out.resize(out_start);
      field_ends.resize(ends_start);
      return Outcome::kBlank;
    }
    return Outcome::kRecord;
  }

  // Parses records starting in [begin, stop) into a chunk; lines are relative to begin.
  Chunk range(std::size_t begin, std::size_t stop, std::size_t columns, bool skip_blank) const {
    Chunk chunk;
    chunk.text.reserve(stop > begin ? stop - begin : 0);
    std::size_t pos = begin;
    std::size_t lines = 0;
    std::string reason;
    while (pos < stop) {
      const std::size_t record_line = lines;
      const std::size_t record_pos = pos;
      const std::size_t ends_before = chunk.ends.size();
      const Outcome outcome = record(pos, lines, chunk.text, chunk.ends, reason);
      // A malformed record spanning several lines almost always is a quote left open
      // that swallowed the lines after it: reject its first line only and resume there.
      auto resume_after_first_line = [&] {
        if (lines - record_line <= 1) return false;
        const void* nl = std::memchr(s_.data() + record_pos, '\n', s_.size() - record_pos);
        pos = static_cast<std::size_t>(static_cast<const char*>(nl) - s_.data()) + 1;
        lines = record_line + 1;
        chunk.rejected.push_back({record_line, "unterminated quote"});
        return true;
      };
      if (outcome == Outcome::kRejected) {
        if (!resume_after_first_line()) chunk.rejected.push_back({record_line, reason});
        continue;
      }
      if (outcome == Outcome::kBlank) {
        if (skip_blank || columns <= 1) continue;
        // A blank line where several fields are expected is a wrong column count.
        chunk.rejected.push_back({record_line, "wrong column count: expected " + std::to_string(columns) +
                                                   " fields, found an empty line"});
        continue;
      }
      const std::size_t fields = chunk.ends.size() - ends_before;
      if (fields != columns) {
        chunk.text.resize(ends_before == 0 ? 0 : static_cast<std::size_t>(chunk.ends[ends_before - 1]));
        chunk.ends.resize(ends_before);
        if (resume_after_first_line()) continue;
        chunk.rejected.push_back({record_line, "wrong column count: expected " + std::to_string(columns) +
                                                   " fields, found " + std::to_string(fields)});
        continue;
      }
      chunk.lines.push_back(static_cast<std::uint32_t>(record_line));
    }
    chunk.end_pos = pos;
    chunk.end_line = lines;
    return chunk;
  }

  std::string_view text() const noexcept { return s_; }

 private:
  std::string_view s_;
  char delim_;
  bool trim_;
};

// Counts ',', ';' and tab outside quotes on the first record; the most frequent wins.
char detect_delimiter(std::string_view s) {
  std::size_t comma = 0, semicolon = 0, tab = 0;
  bool quoted = false;
  for (char c : s) {
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted) {
      if (c == '\n') break;
      if (c == ',') ++comma;
      if (c == ';') ++semicolon;
      if (c == '\t') ++tab;
    }
  }
  if (semicolon > comma && semicolon >= tab) return ';';
  if (tab > comma && tab > semicolon) return '\t';
  return ',';
}

void append_chunk(CsvTable& table, Chunk&& chunk, std::size_t line_base) {
  std::string& text = CsvBuilder::text(table);
  auto& ends = CsvBuilder::ends(table);
  auto& lines = CsvBuilder::lines(table);
  auto& rejected = CsvBuilder::rejected(table);
  const std::uint64_t offset = text.size();
  if (text.empty()) {
    text = std::move(chunk.text);
  } else {
    text.append(chunk.text);
  }
  ends.reserve(ends.size() + chunk.ends.size());
  for (std::uint64_t e : chunk.ends) ends.push_back(e + offset);
  lines.reserve(lines.size() + chunk.lines.size());
  for (std::uint32_t l : chunk.lines) lines.push_back(static_cast<std::uint32_t>(l + line_base));
  for (CsvRejected& r : chunk.rejected) {
    r.line += line_base;
    rejected.push_back(std::move(r));
  }
}

}  // namespace

long CsvTable::find_column(std::string_view name) const noexcept {
  name = trim_view(name);
  for (std::size_t i = 0; i < header_.size(); ++i) {
    const std::string& h = header_[i];
    if (h.size() != name.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < h.size() && same; ++k) {
      char a = h[k], b = name[k];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
      same = a == b;
    }
    if (same) return static_cast<long>(i);
  }
  return -1;
}

CsvTable parse_csv(std::string_view bytes, const CsvOptions& options) {
  CsvTable table;
  TextEncoding encoding = TextEncoding::kUtf8;
  std::string storage;
  const std::string_view text = detail::decode_to_utf8(bytes, storage, &encoding);
  const char delimiter = options.delimiter != 0 ? options.delimiter : detect_delimiter(text);
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
    throw Error(ErrorCode::kInvalidArgument, "the CSV delimiter may not be a quote or a line end");
  }
  const Parser parser(text, delimiter, options.trim_fields);

  // The header: the first non-blank record.
  std::size_t pos = 0;
  std::size_t lines = 0;
  std::string header_text;
  std::vector<std::uint64_t> header_ends;
  std::string reason;
  for (;;) {
    if (pos >= text.size()) throw Error(ErrorCode::kParse, "no header: the CSV input is empty");
    const std::size_t header_line = lines + 1;
    const auto outcome = parser.record(pos, lines, header_text, header_ends, reason);
    if (outcome == Parser::Outcome::kRejected) {
      throw Error(ErrorCode::kParse, "line " + std::to_string(header_line) + ": the header is malformed (" +
                                         reason + ")");
    }
    if (outcome == Parser::Outcome::kRecord) break;
  }
  auto& header = CsvBuilder::header(table);
  std::uint64_t begin = 0;
  for (std::uint64_t end : header_ends) {
    header.emplace_back(trim_view(std::string_view(header_text).substr(begin, end - begin)));
    begin = end;
  }
  const std::size_t columns = header.size();
  const std::size_t header_lines = lines;  // the data's first line is header_lines + 1

  unsigned threads = options.threads;
  if (threads == 0) threads = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  const std::size_t rest = text.size() - pos;
  std::size_t total_lines = header_lines;

  if (threads >= 2 && rest >= kParallelThreshold) {
    // Split points, each moved to just after a newline.
    std::vector<std::size_t> starts{pos};
    for (unsigned t = 1; t < threads; ++t) {
      std::size_t split = pos + rest / threads * t;
      const void* nl = std::memchr(text.data() + split, '\n', text.size() - split);
      split = nl == nullptr ? text.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
      if (split > starts.back() && split < text.size()) starts.push_back(split);
    }
    starts.push_back(text.size());
    const std::size_t parts = starts.size() - 1;
    std::vector<Chunk> chunks(parts);
    {
      std::vector<std::thread> workers;
      for (std::size_t i = 1; i < parts; ++i) {
        workers.emplace_back([&, i] {
          chunks[i] = parser.range(starts[i], starts[i + 1], columns, options.skip_blank_lines);
        });
      }
      try {
        chunks[0] = parser.range(starts[0], starts[1], columns, options.skip_blank_lines);
      } catch (...) {
        for (auto& w : workers) w.join();
        throw;
      }
      for (auto& w : workers) w.join();
    }
    std::size_t line_base = header_lines + 1;
    for (std::size_t i = 0; i < parts; ++i) {
      const std::size_t end_pos = chunks[i].end_pos;
      const std::size_t end_line = chunks[i].end_line;
      append_chunk(table, std::move(chunks[i]), line_base);
      line_base += end_line;
      if (i + 1 < parts && end_pos != starts[i + 1]) {
        // A record ran across the split point: parse the remainder sequentially.
        Chunk tail = parser.range(end_pos, text.size(), columns, options.skip_blank_lines);
        const std::size_t tail_lines = tail.end_line;
        append_chunk(table, std::move(tail), line_base);
        line_base += tail_lines;
        break;
      }
    }
    total_lines = line_base - 1;
  } else {
    Chunk chunk = parser.range(pos, text.size(), columns, options.skip_blank_lines);
    total_lines += chunk.end_line;
    append_chunk(table, std::move(chunk), header_lines + 1);
  }
  if (!text.empty() && text.back() != '\n') ++total_lines;
  CsvBuilder::set_meta(table, encoding, delimiter, total_lines, bytes.size());
  return table;
}

std::string read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw Error(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  }
  std::string content;
  char buf[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(buf, 1, sizeof buf, f);
    content.append(buf, got);
    if (got < sizeof buf) break;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw Error(ErrorCode::kIo, "cannot read '" + path + "'");
  return content;
}

CsvTable read_csv_file(const std::string& path, const CsvOptions& options) {
  const std::string bytes = read_file(path);
  try {
    return parse_csv(bytes, options);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

void write_file_atomic(const std::string& path, std::string_view content) {
  static std::atomic<unsigned> counter{0};
  const std::string tmp = path + ".tmp" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(errno));
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(::fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(err));
  }
}

std::string csv_escape(std::string_view field, char delimiter) {
  if (field.find_first_of(std::string{delimiter, '"', '\r', '\n'}) == std::string_view::npos) {
    return std::string(field);
  }
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace smartkampung
