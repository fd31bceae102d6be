// Registry records: programme levels, record fields, and the normalisation of lists
// (CSV files and tables, raw records) into rows, shared by every way into a registry.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "io/csv_parser.hpp"
#include "registry/internal.hpp"

namespace smartkampung {

using detail::NormalizeOutput;
using detail::Row;

// ---- levels and fields -------------------------------------------------------------
const char* program_level_name(ProgramLevel level) noexcept {
  switch (level) {
    case ProgramLevel::kCentral:
      return "central";
    case ProgramLevel::kProvincial:
      return "provincial";
    case ProgramLevel::kRegency:
      return "regency";
  }
  return "unknown";
}

ProgramLevel parse_program_level(std::string_view text) {
  std::string lower(detail::trim_ascii(text));
  for (char& c : lower) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  if (lower == "central") return ProgramLevel::kCentral;
  if (lower == "provincial") return ProgramLevel::kProvincial;
  if (lower == "regency") return ProgramLevel::kRegency;
  throw Error(ErrorCode::kInvalidArgument,
              "programme level must be central, provincial or regency");
}

const std::vector<std::string>& record_fields() {
  static const std::vector<std::string> fields = {
      "nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"};
  return fields;
}

namespace {
std::string* field_ptr(RawRecord& r, std::size_t i) {
  std::string* dst[10] = {&r.nik,     &r.kk,      &r.name,     &r.birth_date, &r.sex,
                          &r.address, &r.village, &r.district, &r.rt,         &r.rw};
  return dst[i];
}
const std::string& field_ref(const RawRecord& r, std::size_t i) {
  return *field_ptr(const_cast<RawRecord&>(r), i);
}

// The columns of our fields in a header (aliases and the explicit map); the report
// names the headers used and those ignored. Throws Error(kParse) without a NIK column.
std::array<long, 10> resolve_columns(const std::vector<std::string>& header,
                                     const ColumnMap& columns, LoadReport& report) {
  const ColumnMatch match = match_columns(header, record_fields(), columns);
  std::array<long, 10> col;
  for (std::size_t f = 0; f < 10; ++f) col[f] = match.column[f];
  if (col[0] < 0) {
    throw Error(
        ErrorCode::kParse,
        "no NIK column (looked for NIK, No. NIK, NIK KTP, NIK_KPM, ...; name it with columns)");
  }
  report.columns.clear();
  for (std::size_t f = 0; f < 10; ++f) {
    if (col[f] >= 0)
      report.columns.emplace_back(record_fields()[f], header[static_cast<std::size_t>(col[f])]);
  }
  report.ignored_columns = match.ignored;
  return col;
}

// A row of a table as CSV text (for the report of a rejected row).
std::string table_row_text(const CsvTable& table, std::size_t row) {
  std::string out;
  for (std::size_t c = 0; c < table.columns(); ++c) {
    if (c != 0) out.push_back(table.delimiter());
    out += csv_escape(table.field(row, c), table.delimiter());
  }
  return out;
}

NormalizeOutput normalize_table(const CsvTable& table, const ColumnMap& columns, Date as_of,
                                std::optional<DateOrder> birth_order = std::nullopt,
                                const Progress& progress = {}) {
  LoadReport header_report;
  const std::array<long, 10> col = resolve_columns(table.header(), columns, header_report);
  detail::ProgressMeter meter(progress, table.rows(), "the load", std::size_t{1} << 16);
  meter.start();
  NormalizeOutput out = detail::normalize_all(
      table.rows(), as_of,
      [&](std::size_t i, std::array<std::string_view, 10>& f, std::uint32_t& line) {
        for (std::size_t k = 0; k < 10; ++k) {
          f[k] = col[k] < 0 ? std::string_view() : table.field(i, static_cast<std::size_t>(col[k]));
        }
        line = static_cast<std::uint32_t>(table.line(i));
      },
      [&](std::size_t i) { return table_row_text(table, i); }, birth_order, &meter);
  meter.finish();
  out.report.columns = std::move(header_report.columns);
  out.report.ignored_columns = std::move(header_report.ignored_columns);
  // The reader's rejections (wrong column count, quotes) join the records' in line order.
  if (!table.rejected().empty()) {
    auto& rej = out.report.rejected;
    rej.insert(rej.end(), table.rejected().begin(), table.rejected().end());
    std::stable_sort(rej.begin(), rej.end(),
                     [](const CsvRejected& a, const CsvRejected& b) { return a.line < b.line; });
  }
  if (!table.quote_runs().empty()) {
    out.quote_runs = table.quote_runs();
    detail::finish_output(out, birth_order);  // again: only the quote runs' counts change
  }
  return out;
}

// Normalises each record straight from the CSV text as the splitter hands it over.
// Lines are stored plus line_base (the absolute line of the part's first line when known
// up front, as for the first part; else 0 and the merge adds it).
struct NormalizeChunk {
  static constexpr std::size_t kReportBytes = std::size_t{1} << 16;  // between looks at the meter
  const std::array<long, 10>* col = nullptr;
  detail::ProgressMeter* meter = nullptr;
  std::size_t unreported = 0;  // bytes read since the last look
  Date as_of;
  std::size_t line_base = 0;
  std::size_t expected_rows = 0;  // reserved on the first record
  std::size_t expected_text = 0;
  NormalizeOutput out;
  std::string reason;
  std::array<std::string_view, 10> raw;
  std::unique_ptr<detail::KeyChecks> checks;  // made on the first record, in the part's thread
  bool started = false;

  void count(std::string_view text) {
    unreported += text.size() + 1;  // the line end, about
    if (meter != nullptr && unreported >= kReportBytes) {
      meter->add(unreported);
      unreported = 0;
    }
  }
  void record(const detail::CsvFields& fields, std::size_t line, std::string_view text) {
    count(text);
    if (!started) {
      started = true;
      if (expected_rows != 0) out.rows.reserve(expected_rows);
      if (expected_text != 0) out.pool.reserve(expected_text);
      if (expected_rows >= 1000) checks = std::make_unique<detail::KeyChecks>(as_of);
    }
    for (std::size_t k = 0; k < 10; ++k) {
      const long c = (*col)[k];
      raw[k] = c < 0 ? std::string_view() : fields[static_cast<std::size_t>(c)];
    }
    if (!detail::normalize_into(raw, static_cast<std::uint32_t>(line + line_base), as_of, out,
                                reason, checks.get())) {
      out.report.rejected.back().raw = std::string(text);
    }
  }
  void reject(std::size_t line, std::string why, std::string_view text) {
    count(text);
    out.report.rejected.push_back({line + line_base, std::move(why), std::string(text)});
  }
  void quote_run(std::size_t first_line, std::size_t last_line) {
    out.quote_runs.push_back({first_line + line_base, last_line + line_base, 0});
  }
};

NormalizeOutput normalize_records(const std::vector<RawRecord>& records, Date as_of) {
  return detail::normalize_all(
      records.size(), as_of,
      [&](std::size_t i, std::array<std::string_view, 10>& f, std::uint32_t& line) {
        for (std::size_t k = 0; k < 10; ++k) f[k] = field_ref(records[i], k);
        line = static_cast<std::uint32_t>(records[i].line != 0 ? records[i].line : i + 1);
      },
      [&](std::size_t i) {
        std::string text;
        for (std::size_t k = 0; k < 10; ++k)
          text += (k == 0 ? "" : ",") + csv_escape(field_ref(records[i], k));
        return text;
      });
}

NikError nik_error(std::string_view text, Date as_of, bool kk) {
  try {
    if (kk) {
      (void)parse_kk(text, as_of);
    } else {
      (void)parse_nik(text, as_of);
    }
  } catch (const NikError& e) {
    return e;
  }
  return NikError(NikReason::kLength, "invalid");
}

std::uint64_t require_key(std::string_view text, Date as_of, bool kk) {
  const NikCheck c = kk ? check_kk(text, as_of) : check_nik(text, as_of);
  if (c.reason != NikReason::kValid) throw nik_error(text, as_of, kk);
  return c.value;
}

}  // namespace

namespace detail {

NormalizeOutput normalize_csv_bytes(std::string_view bytes, bool ascii, const ColumnMap& columns,
                                    Date as_of, unsigned threads, std::size_t min_parallel,
                                    const Progress& progress) {
  const CsvOptions options;  // as read_csv_file's defaults
  std::string storage;
  const std::string_view text = decode_known(bytes, ascii, storage, nullptr);
  const CsvRecordParser parser(text, csv_delimiter(text, options), options.trim_fields);
  const CsvHeader header = parse_csv_header(parser);
  LoadReport header_report;
  const std::array<long, 10> col = resolve_columns(header.names, columns, header_report);
  // Rows expected in the file, from the lines in its first 64 KiB: the first part reserves
  // room for all (the others are appended to it without moving it), the others their share.
  const std::string_view data = text.substr(header.data_pos);
  const std::string_view head = data.substr(0, std::size_t{1} << 16);
  const auto head_lines = static_cast<std::size_t>(std::count(head.begin(), head.end(), '\n'));
  // An accepted row holds at least a 16-digit NIK, a name and a line end: at most one row
  // per 18 bytes, whatever the head looked like (say, blank lines).
  const std::size_t most_rows = data.size() / 18 + 16;
  const std::size_t expected =
      std::min(most_rows, head_lines == 0
                              ? std::size_t{16}
                              : static_cast<std::size_t>(static_cast<double>(data.size()) /
                                                         static_cast<double>(head.size()) *
                                                         static_cast<double>(head_lines) * 1.03) +
                                    16);
  const std::size_t parts_hint = std::max(1u, threads);
  ProgressMeter meter(progress, data.size(), "the load", std::size_t{1} << 20);
  meter.start();
  std::size_t physical_lines = 0;
  auto parts = parse_csv_parts<NormalizeChunk>(
      parser, header.data_pos, header.lines, header.names.size(), threads, options.skip_blank_lines,
      min_parallel,
      [&](std::size_t i) {
        NormalizeChunk c;
        c.col = &col;
        c.meter = &meter;
        c.as_of = as_of;
        c.line_base = i == 0 ? header.lines + 1 : 0;
        c.expected_rows = i == 0 ? expected : expected / parts_hint + 16;
        // Name, address, village and district are about half of a record's bytes.
        c.expected_text = (i == 0 ? data.size() : data.size() / parts_hint) / 2;
        return c;
      },
      physical_lines);
  NormalizeOutput out = std::move(parts[0].consumer.out);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    append_output(out, std::move(parts[i].consumer.out),
                  parts[i].first_line - parts[i].consumer.line_base);
  }
  finish_output(out);
  meter.finish();
  out.report.columns = std::move(header_report.columns);
  out.report.ignored_columns = std::move(header_report.ignored_columns);
  // A bad estimate (short records first, many rejected) must not leave much room unused.
  if (out.rows.capacity() > out.rows.size() + out.rows.size() / 8 + 1024) out.rows.shrink_to_fit();
  if (out.pool.capacity() > out.pool.size() + out.pool.size() / 4 + 65536) out.pool.shrink_to_fit();
  return out;
}

NormalizeOutput normalize_raw_records(const std::vector<RawRecord>& records, Date as_of) {
  return normalize_records(records, as_of);
}

std::uint64_t require_valid_key(std::string_view text, Date as_of, bool kk) {
  return require_key(text, as_of, kk);
}

NormalizeOutput normalize_csv_table(const CsvTable& table, const ColumnMap& columns, Date as_of,
                                    std::optional<DateOrder> birth_order,
                                    const Progress& progress) {
  return normalize_table(table, columns, as_of, birth_order, progress);
}

NormalizeOutput normalize_csv_file(const std::string& path, const ColumnMap& columns, Date as_of,
                                   const Progress& progress) {
  const unsigned threads = csv_threads(CsvOptions{});
  const FileBytes file = read_file_bytes(path, threads);
  try {
    NormalizeOutput out = normalize_csv_bytes(file.view(), file.ascii, columns, as_of, threads,
                                              kCsvParallelThreshold, progress);
    out.report.file = path;
    return out;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kParse) throw Error(e.code(), path + ": " + e.what());
    throw;
  }
}

}  // namespace detail

bool set_record_field(RawRecord& record, std::string_view name, std::string value) {
  const auto& fields = record_fields();
  const auto it = std::find(fields.begin(), fields.end(), name);
  if (it == fields.end()) return false;
  *field_ptr(record, static_cast<std::size_t>(it - fields.begin())) = std::move(value);
  return true;
}

}  // namespace smartkampung
