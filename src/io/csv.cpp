// The CSV reader: RFC 4180 with the leniencies of spreadsheet exports, parsed on up to
// two threads (the record splitter and the parallel driver are in csv_parser.hpp).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <smartkampung/io.hpp>
#include <thread>
#include <vector>

#include "io/csv_parser.hpp"
#include "io/encoding.hpp"

namespace smartkampung {

struct CsvBuilder {
  static CsvTable& table(CsvTable& t) { return t; }
  static std::vector<std::string>& header(CsvTable& t) { return t.header_; }
  static std::string& text(CsvTable& t) { return t.text_; }
  static std::vector<std::uint64_t>& ends(CsvTable& t) { return t.ends_; }
  static std::vector<std::uint32_t>& lines(CsvTable& t) { return t.lines_; }
  static std::vector<CsvRejected>& rejected(CsvTable& t) { return t.rejected_; }
  static std::vector<CsvQuoteRun>& quote_runs(CsvTable& t) { return t.quote_runs_; }
  static void set_meta(CsvTable& t, TextEncoding enc, char delim, std::size_t physical,
                       std::size_t bytes) {
    t.encoding_ = enc;
    t.delimiter_ = delim;
    t.physical_lines_ = physical;
    t.input_bytes_ = bytes;
  }
};

namespace {

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_view(std::string_view s) noexcept {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Copies each record's fields into one text buffer (the CsvTable layout).
struct TableChunk {
  std::string text;
  std::vector<std::uint64_t> ends;
  std::vector<std::uint32_t> lines;  // relative to the chunk's first line
  std::vector<CsvRejected> rejected;
  std::vector<CsvQuoteRun> quote_runs;

  void record(const detail::CsvFields& fields, std::size_t line, std::string_view /*raw*/) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::string_view f = fields[i];
      text.append(f.data(), f.size());
      ends.push_back(text.size());
    }
    lines.push_back(static_cast<std::uint32_t>(line));
  }
  void reject(std::size_t line, std::string reason, std::string_view raw) {
    rejected.push_back({line, std::move(reason), std::string(raw)});
  }
  void quote_run(std::size_t first_line, std::size_t last_line) {
    quote_runs.push_back({first_line, last_line, 0});
  }
};

void append_chunk(CsvTable& table, TableChunk&& chunk, std::size_t line_base) {
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
  for (CsvQuoteRun& q : chunk.quote_runs) {
    q.first_line += line_base;
    q.last_line += line_base;
    CsvBuilder::quote_runs(table).push_back(q);
  }
}

// The records of each quote run that were accepted (rows' lines are sorted).
void count_recovered(CsvTable& table) {
  const auto& lines = CsvBuilder::lines(table);
  for (CsvQuoteRun& q : CsvBuilder::quote_runs(table)) {
    const auto lo = std::lower_bound(lines.begin(), lines.end(), q.first_line);
    const auto hi = std::upper_bound(lines.begin(), lines.end(), q.last_line);
    q.recovered = static_cast<std::size_t>(hi - lo);
  }
}

}  // namespace

CsvTable CsvTable::from_rows(std::vector<std::string> header, const std::vector<std::string>& cells,
                             std::vector<std::size_t> lines) {
  const std::size_t columns = header.size();
  if (columns == 0 ? !cells.empty() : cells.size() % columns != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "from_rows: the cells do not fill whole rows of the header");
  }
  const std::size_t rows = columns == 0 ? 0 : cells.size() / columns;
  if (!lines.empty() && lines.size() != rows) {
    throw Error(ErrorCode::kInvalidArgument, "from_rows: one line number is needed per row");
  }
  CsvTable t;
  for (auto& h : header) h = std::string(trim_view(h));
  t.header_ = std::move(header);
  std::size_t total = 0;
  for (const auto& c : cells) total += c.size();
  t.text_.reserve(total);
  t.ends_.reserve(cells.size());
  for (const auto& c : cells) {
    t.text_ += c;
    t.ends_.push_back(t.text_.size());
  }
  t.lines_.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t line = lines.empty() ? i + 1 : lines[i];
    if (line > UINT32_MAX)
      throw Error(ErrorCode::kLimit, "from_rows: a line number is past 4294967295");
    t.lines_.push_back(static_cast<std::uint32_t>(line));
  }
  t.physical_lines_ = rows;
  return t;
}

CsvTable CsvTable::from_cells(std::vector<std::string> header, std::string text,
                              std::vector<std::uint64_t> ends, std::vector<std::size_t> lines) {
  const std::size_t columns = header.size();
  if (columns == 0 ? !ends.empty() : ends.size() % columns != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "from_cells: the cells do not fill whole rows of the header");
  }
  std::uint64_t last = 0;
  for (const std::uint64_t e : ends) {
    if (e < last || e > text.size())
      throw Error(ErrorCode::kInvalidArgument, "from_cells: a cell end is out of order");
    last = e;
  }
  const std::size_t rows = columns == 0 ? 0 : ends.size() / columns;
  if (!lines.empty() && lines.size() != rows) {
    throw Error(ErrorCode::kInvalidArgument, "from_cells: one line number is needed per row");
  }
  CsvTable t;
  for (auto& h : header) h = std::string(trim_view(h));
  t.header_ = std::move(header);
  t.text_ = std::move(text);
  t.ends_ = std::move(ends);
  t.lines_.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t line = lines.empty() ? i + 1 : lines[i];
    if (line > UINT32_MAX)
      throw Error(ErrorCode::kLimit, "from_cells: a line number is past 4294967295");
    t.lines_.push_back(static_cast<std::uint32_t>(line));
  }
  t.physical_lines_ = rows;
  return t;
}

long CsvTable::find_column(std::string_view name) const noexcept {
  return detail::find_header_column(header_, name);
}

long detail::find_header_column(const std::vector<std::string>& header,
                                std::string_view name) noexcept {
  name = trim_view(name);
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string& h = header[i];
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

namespace detail {

char detect_csv_delimiter(std::string_view s) noexcept {
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

char csv_delimiter(std::string_view text, const CsvOptions& options) {
  const char delimiter = options.delimiter != 0 ? options.delimiter : detect_csv_delimiter(text);
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
    throw Error(ErrorCode::kInvalidArgument, "the CSV delimiter may not be a quote or a line end");
  }
  return delimiter;
}

unsigned csv_threads(const CsvOptions& options) noexcept {
  if (options.threads != 0) return options.threads;
  return std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
}

CsvHeader parse_csv_header(const CsvRecordParser& parser) {
  const std::string_view text = parser.text();
  CsvHeader header;
  CsvFields fields;
  std::string reason;
  std::size_t pos = 0;
  std::size_t lines = 0;
  for (;;) {
    if (pos >= text.size()) throw Error(ErrorCode::kParse, "no header: the CSV input is empty");
    const std::size_t header_line = lines + 1;
    const auto outcome = parser.record(pos, lines, fields, reason);
    if (outcome == CsvRecordParser::Outcome::kRejected) {
      throw Error(ErrorCode::kParse, "line " + std::to_string(header_line) +
                                         ": the header is malformed (" + reason + ")");
    }
    if (outcome == CsvRecordParser::Outcome::kRecord) break;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) header.names.emplace_back(trim_view(fields[i]));
  header.data_pos = pos;
  header.lines = lines;
  return header;
}

CsvTable parse_csv_with(std::string_view bytes, const CsvOptions& options,
                        std::size_t min_parallel) {
  CsvTable table;
  TextEncoding encoding = TextEncoding::kUtf8;
  std::string storage;
  const std::string_view text = decode_to_utf8(bytes, storage, &encoding);
  const char delimiter = csv_delimiter(text, options);
  const CsvRecordParser parser(text, delimiter, options.trim_fields);
  CsvHeader header = parse_csv_header(parser);
  const std::size_t columns = header.names.size();
  CsvBuilder::header(table) = std::move(header.names);
  std::size_t physical_lines = 0;
  auto parts = parse_csv_parts<TableChunk>(
      parser, header.data_pos, header.lines, columns, csv_threads(options),
      options.skip_blank_lines, min_parallel, [](std::size_t) { return TableChunk{}; },
      physical_lines);
  for (auto& part : parts) append_chunk(table, std::move(part.consumer), part.first_line);
  count_recovered(table);
  CsvBuilder::set_meta(table, encoding, delimiter, physical_lines, bytes.size());
  return table;
}

}  // namespace detail

CsvTable parse_csv(std::string_view bytes, const CsvOptions& options) {
  return detail::parse_csv_with(bytes, options, detail::kCsvParallelThreshold);
}

namespace {

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

int detail::open_regular_file(const std::string& path, struct stat* st) {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer; it is refused below,
  // before any read, as are devices (/dev/zero never ends) and directories.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) throw Error(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  if (::fstat(fd, st) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(err));
  }
  if (!S_ISREG(st->st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::kIo, "cannot read '" + path + "': it is " + file_kind(st->st_mode) +
                                    ", not a regular file");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

std::string read_file(const std::string& path) {
  struct stat st {};
  const int fd = detail::open_regular_file(path, &st);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::string content;
  if (st.st_size > 0) content.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {  // to the end, not to st_size: /proc files report 0, and files may grow
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo, "cannot read '" + path + "': " + std::strerror(errno));
    }
    if (got == 0) break;
    content.append(buf, static_cast<std::size_t>(got));
  }
  return content;
}

namespace detail {

namespace {

// True when every byte of [p, p + n) is below 0x80.
bool ascii_block(const char* p, std::size_t n) noexcept {
  std::uint64_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, p + i, 32);
    acc0 |= w[0];
    acc1 |= w[1];
    acc2 |= w[2];
    acc3 |= w[3];
  }
  std::uint64_t acc = acc0 | acc1 | acc2 | acc3;
  for (; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
  return (acc & 0x8080808080808080ULL) == 0;
}

bool has_bom(std::string_view b) noexcept {
  return b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xEF &&
         static_cast<unsigned char>(b[1]) == 0xBB && static_cast<unsigned char>(b[2]) == 0xBF;
}

}  // namespace

FileBytes read_file_bytes(const std::string& path, unsigned threads) {
  FileBytes out;
  struct stat st {};
  const int fd = open_regular_file(path, &st);  // devices, FIFOs and directories refused
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (st.st_size <= 0) {
    out.fallback = read_file(path);  // /proc files, empty files: read to the end
    return out;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  out.data.reset(new char[size]);
  if (size < kCsvParallelThreshold) threads = 1;
  threads = std::max(1u, std::min(threads, 2u));
  constexpr std::size_t kBlock = std::size_t{1} << 20;  // checked for ASCII while still in cache
  struct Part {
    std::size_t begin = 0, end = 0;
    bool ascii = true;
    int error = 0;
    bool short_read = false;
  };
  std::vector<Part> parts(threads);
  for (unsigned t = 0; t < threads; ++t) {
    parts[t].begin = size / threads * t;
    parts[t].end = t + 1 == threads ? size : size / threads * (t + 1);
  }
  auto run = [&](Part& part) {
    std::size_t at = part.begin;
    while (at < part.end) {
      const std::size_t want = std::min(kBlock, part.end - at);
      const ssize_t got = ::pread(fd, out.data.get() + at, want, static_cast<off_t>(at));
      if (got < 0) {
        if (errno == EINTR) continue;
        part.error = errno;
        return;
      }
      if (got == 0) {
        part.short_read = true;
        return;
      }
      // The first 3 bytes may be a BOM: judged apart below.
      const std::size_t from = std::max<std::size_t>(at, 3);
      const std::size_t to = at + static_cast<std::size_t>(got);
      if (part.ascii && from < to) part.ascii = ascii_block(out.data.get() + from, to - from);
      at = to;
    }
  };
  {
    std::thread worker;
    if (threads == 2) worker = std::thread(run, std::ref(parts[1]));
    run(parts[0]);
    if (worker.joinable()) worker.join();
  }
  bool ascii = true, short_read = false;
  for (const Part& part : parts) {
    if (part.error != 0)
      throw Error(ErrorCode::kIo, "cannot read '" + path + "': " + std::strerror(part.error));
    ascii = ascii && part.ascii;
    short_read = short_read || part.short_read;
  }
  char extra = 0;
  if (short_read || ::pread(fd, &extra, 1, static_cast<off_t>(size)) != 0) {
    out.data.reset();  // the file changed size while being read: read it to its end
    out.fallback = read_file(path);
    return out;
  }
  out.size = size;
  const std::string_view head(out.data.get(), std::min<std::size_t>(size, 3));
  out.ascii = ascii && (ascii_block(head.data(), head.size()) || has_bom(head));
  return out;
}

std::string_view decode_known(std::string_view bytes, bool ascii, std::string& storage,
                              TextEncoding* detected) {
  if (!ascii) return decode_to_utf8(bytes, storage, detected);
  const bool bom = has_bom(bytes);
  if (detected != nullptr) *detected = bom ? TextEncoding::kUtf8Bom : TextEncoding::kUtf8;
  return bom ? bytes.substr(3) : bytes;
}

}  // namespace detail

CsvTable read_csv_file(const std::string& path, const CsvOptions& options) {
  const detail::FileBytes bytes = detail::read_file_bytes(path, detail::csv_threads(options));
  try {
    return parse_csv(bytes.view(), options);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

namespace {

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// "<name>.tmp<pid>_<n>" -> pid, or 0 when `entry` is not a temporary of `name`.
long temporary_owner(std::string_view entry, std::string_view name) {
  if (entry.size() <= name.size() + 4 || entry.substr(0, name.size()) != name ||
      entry.substr(name.size(), 4) != ".tmp") {
    return 0;
  }
  const std::string_view rest = entry.substr(name.size() + 4);
  const std::size_t under = rest.find('_');
  if (under == 0 || under == std::string_view::npos || under + 1 == rest.size() || under > 9)
    return 0;
  long pid = 0;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i == under) continue;
    if (rest[i] < '0' || rest[i] > '9') return 0;
    if (i < under) pid = pid * 10 + (rest[i] - '0');
  }
  return pid;
}

}  // namespace

void detail::remove_stale_temporaries(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* dir = ::opendir(directory_of(path).c_str());
  if (dir == nullptr) return;  // best effort: a folder that cannot be listed keeps its files
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(dir)) {
    const long pid = temporary_owner(e->d_name, name);
    // Only a process that no longer exists left it: a running save keeps its own.
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      stale.emplace_back(e->d_name);
  }
  ::closedir(dir);
  const std::string prefix = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  for (const std::string& entry : stale) (void)::unlink((prefix + entry).c_str());
}

void write_file_atomic(const std::string& path, std::string_view content) {
  static std::atomic<unsigned> counter{0};
  detail::remove_stale_temporaries(path);  // what a killed save left behind
  // A fresh name, created here and only here (O_EXCL: never an existing file, never through
  // a symlink), readable by the owner only: the content is personal data.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = path + ".tmp" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && (errno != EEXIST || attempt == 100)) {
      throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(errno));
    }
  }
  const auto fail = [&](int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(err));
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw fail(errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw fail(errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(err));
  }
  // Make the rename durable too (best effort: some file systems refuse fsync on a folder).
  const int dfd = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
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
