// Consuming Arrow data from foreign producers: a stream's schema parsed once into column
// plans, each batch's buffers read through typed views (no copy).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <smartkampung/arrow.hpp>
#include <smartkampung/date.hpp>

namespace smartkampung::arrow {

namespace detail {

// What the schema says of a column, parsed once per stream.
struct Plan {
  std::string name, format, time_zone;
  Type type = Type::kNull;
  TimeUnit unit = TimeUnit::kSecond;
  int width = 0;      // bytes of a value / offset; 16 for views
  bool view = false;  // utf8 view
  bool index_signed = true;
  std::unique_ptr<Plan> dictionary;  // dictionary-encoded: the values' plan
  std::vector<Plan> children;
};

struct ImportedStream {
  ArrowArrayStream stream{};
  ArrowSchema schema{};
  ArrowArray batch{};
  std::vector<Plan> plans;
  std::vector<std::string> names;
  BatchView view;
  std::int64_t rows_read = 0;

  ~ImportedStream() {
    if (batch.release != nullptr) batch.release(&batch);
    if (schema.release != nullptr) schema.release(&schema);
    if (stream.release != nullptr) stream.release(&stream);
  }
};

}  // namespace detail

using detail::Plan;

struct ColumnView::Access {
  static void fill(ColumnView& v, const Plan& p, const ArrowArray& a, std::int64_t shift);
};

namespace {

[[noreturn]] void unsupported(const std::string& column, const std::string& format,
                              const char* what) {
  throw Error(ErrorCode::kInvalidArgument,
              "arrow: column '" + column + "': type '" + format + "' (" + what +
                  ") is not read here; cast it to utf8, int64, float64, bool, "
                  "date32 or timestamp");
}

void parse_plan(const ArrowSchema& s, const std::string& column, Plan& p) {
  p.name = s.name != nullptr ? s.name : "";
  p.format = s.format != nullptr ? s.format : "";
  const std::string where = column.empty() ? p.name : column;
  const std::string& f = p.format;
  if (s.dictionary != nullptr) {
    switch (f.size() == 1 ? f[0] : '?') {
      case 'c':
        p.width = 1;
        break;
      case 's':
        p.width = 2;
        break;
      case 'i':
        p.width = 4;
        break;
      case 'l':
        p.width = 8;
        break;
      case 'C':
        p.width = 1;
        p.index_signed = false;
        break;
      case 'S':
        p.width = 2;
        p.index_signed = false;
        break;
      case 'I':
        p.width = 4;
        p.index_signed = false;
        break;
      case 'L':
        p.width = 8;
        p.index_signed = false;
        break;
      default:
        unsupported(where, f, "dictionary indices");
    }
    p.dictionary = std::make_unique<Plan>();
    parse_plan(*s.dictionary, where, *p.dictionary);
    if (p.dictionary->type != Type::kUtf8 || p.dictionary->dictionary) {
      unsupported(where, p.dictionary->format, "dictionary values other than utf8");
    }
    p.type = Type::kUtf8;
    return;
  }
  struct Fixed {
    const char* format;
    Type type;
    int width;
  };
  static const Fixed fixed[] = {
      {"n", Type::kNull, 0},     {"b", Type::kBool, 0},    {"c", Type::kInt8, 1},
      {"C", Type::kUInt8, 1},    {"s", Type::kInt16, 2},   {"S", Type::kUInt16, 2},
      {"i", Type::kInt32, 4},    {"I", Type::kUInt32, 4},  {"l", Type::kInt64, 8},
      {"L", Type::kUInt64, 8},   {"f", Type::kFloat32, 4}, {"g", Type::kFloat64, 8},
      {"u", Type::kUtf8, 4},     {"U", Type::kUtf8, 8},    {"tdD", Type::kDate32, 4},
      {"tdm", Type::kDate64, 8}, {"+l", Type::kList, 4},   {"+L", Type::kList, 8},
      {"+s", Type::kStruct, 0},  {"vu", Type::kUtf8, 16},
  };
  for (const Fixed& x : fixed) {
    if (f == x.format) {
      p.type = x.type;
      p.width = x.width;
      p.view = f == "vu";
      break;
    }
  }
  if (p.type == Type::kNull && f != "n") {
    if (f.size() >= 4 && f.compare(0, 2, "ts") == 0 && f[3] == ':') {
      p.type = Type::kTimestamp;
      p.width = 8;
      switch (f[2]) {
        case 's':
          p.unit = TimeUnit::kSecond;
          break;
        case 'm':
          p.unit = TimeUnit::kMilli;
          break;
        case 'u':
          p.unit = TimeUnit::kMicro;
          break;
        case 'n':
          p.unit = TimeUnit::kNano;
          break;
        default:
          unsupported(where, f, "timestamp unit");
      }
      p.time_zone = f.substr(4);
    } else {
      const char* what = f == "z" || f == "Z" || f == "vz"                ? "binary"
                         : f.rfind("d:", 0) == 0                          ? "decimal"
                         : f == "e"                                       ? "float16"
                         : f.rfind("tt", 0) == 0                          ? "time of day"
                         : f.rfind("tD", 0) == 0 || f.rfind("tI", 0) == 0 ? "duration or interval"
                         : f.rfind("+", 0) == 0                           ? "nested type"
                                                                          : "unknown";
      unsupported(where, f, what);
    }
  }
  if (p.type == Type::kList) {
    if (s.n_children != 1 || s.children == nullptr || s.children[0] == nullptr) {
      throw Error(ErrorCode::kInvalidArgument,
                  "arrow: column '" + where + "': a list without its item type");
    }
    p.children.emplace_back();
    parse_plan(*s.children[0], where + ".item", p.children.back());
  } else if (p.type == Type::kStruct) {
    for (std::int64_t i = 0; i < s.n_children; ++i) {
      p.children.emplace_back();
      const std::string child = s.children[i]->name != nullptr ? s.children[i]->name : "";
      parse_plan(*s.children[i], where + "." + child, p.children.back());
    }
  }
}

std::int64_t read_int(const void* base, int width, bool is_signed, std::int64_t i) noexcept {
  const auto* p = static_cast<const std::uint8_t*>(base);
  switch (width) {
    case 1: {
      std::uint8_t v;
      std::memcpy(&v, p + i, 1);
      return is_signed ? static_cast<std::int8_t>(v) : v;
    }
    case 2: {
      std::uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      return is_signed ? static_cast<std::int16_t>(v) : v;
    }
    case 4: {
      std::uint32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      return is_signed ? static_cast<std::int64_t>(static_cast<std::int32_t>(v))
                       : static_cast<std::int64_t>(v);
    }
    default: {
      std::int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      return v;
    }
  }
}

bool type_signed(Type t) {
  return t != Type::kUInt8 && t != Type::kUInt16 && t != Type::kUInt32 && t != Type::kUInt64;
}

// The offset in minutes east of UTC a time zone name gives (the ones Indonesia and
// fixed-offset producers use); 0 for UTC and anything not understood.
int zone_minutes(const std::string& tz) {
  if (tz == "Asia/Jakarta" || tz == "Asia/Pontianak") return 7 * 60;
  if (tz == "Asia/Makassar") return 8 * 60;
  if (tz == "Asia/Jayapura") return 9 * 60;
  if (tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':') {
    const int h = (tz[1] - '0') * 10 + (tz[2] - '0'), m = (tz[4] - '0') * 10 + (tz[5] - '0');
    return (tz[0] == '-' ? -1 : 1) * (h * 60 + m);
  }
  return 0;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

void ColumnView::Access::fill(ColumnView& v, const Plan& p, const ArrowArray& a,
                              std::int64_t shift) {
  v.name_ = p.name;
  v.format_ = p.format;
  v.time_zone_ = p.time_zone;
  v.type_ = p.type;
  v.unit_ = p.unit;
  v.length_ = a.length;
  v.offset_ = a.offset + shift;
  v.width_ = p.width;
  v.index_signed_ = p.dictionary ? p.index_signed : type_signed(p.type);
  const std::int64_t want = p.type == Type::kNull                                 ? 0
                            : p.type == Type::kStruct                             ? 1
                            : (p.type == Type::kUtf8 && !p.dictionary && !p.view) ? 3
                                                                                  : 2;
  if (a.n_buffers < want || (want > 0 && a.buffers == nullptr)) {
    throw Error(ErrorCode::kInvalidArgument,
                "arrow: column '" + p.name + "': the array has " + std::to_string(a.n_buffers) +
                    " buffers, its type needs " + std::to_string(want));
  }
  v.validity_ = (p.type == Type::kNull || a.null_count == 0 || a.n_buffers == 0)
                    ? nullptr
                    : static_cast<const std::uint8_t*>(a.buffers[0]);
  if (p.type == Type::kNull) v.length_ = a.length;
  if (a.n_buffers > 1) v.values_ = a.buffers[1];
  if (p.type == Type::kUtf8 && !p.dictionary && !p.view)
    v.chars_ = static_cast<const char*>(a.buffers[2]);
  if (p.view) v.variadic_ = a.buffers + 2;
  if (p.dictionary) {
    if (a.dictionary == nullptr)
      throw Error(ErrorCode::kInvalidArgument, "arrow: column '" + p.name + "': no dictionary");
    v.dictionary_ = std::make_unique<ColumnView>();
    fill(*v.dictionary_, *p.dictionary, *a.dictionary, 0);
  }
  v.children_.clear();
  if (static_cast<std::size_t>(a.n_children) != p.children.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "arrow: column '" + p.name + "': the array's children do not match its type");
  }
  for (std::size_t i = 0; i < p.children.size(); ++i) {
    v.children_.emplace_back();
    // A struct's offset applies to its fields; a list's items are addressed by its offsets.
    fill(v.children_.back(), p.children[i], *a.children[i],
         p.type == Type::kStruct ? v.offset_ : 0);
  }
}

bool ColumnView::is_null(std::int64_t row) const noexcept {
  if (type_ == Type::kNull) return true;
  const std::int64_t i = row + offset_;
  if (validity_ != nullptr && ((validity_[i >> 3] >> (i & 7)) & 1) == 0) return true;
  if (dictionary_) {
    const std::int64_t k = read_int(values_, width_, index_signed_, i);
    return k < 0 || k >= dictionary_->size() || dictionary_->is_null(k);
  }
  return false;
}

bool ColumnView::bool_value(std::int64_t row) const noexcept {
  const std::int64_t i = row + offset_;
  if (type_ == Type::kBool)
    return ((static_cast<const std::uint8_t*>(values_)[i >> 3] >> (i & 7)) & 1) != 0;
  return int_value(row) != 0;
}

std::int64_t ColumnView::int_value(std::int64_t row) const noexcept {
  const std::int64_t i = row + offset_;
  switch (type_) {
    case Type::kBool:
      return bool_value(row) ? 1 : 0;
    case Type::kFloat32:
    case Type::kFloat64: {
      const double d = float_value(row);
      return std::isfinite(d) && std::fabs(d) < 9.2e18 ? static_cast<std::int64_t>(d) : 0;
    }
    case Type::kNull:
    case Type::kUtf8:
    case Type::kList:
    case Type::kStruct:
      return 0;
    default:
      return read_int(values_, width_, index_signed_, i);
  }
}

double ColumnView::float_value(std::int64_t row) const noexcept {
  const std::int64_t i = row + offset_;
  if (type_ == Type::kFloat64) {
    double d;
    std::memcpy(&d, static_cast<const std::uint8_t*>(values_) + 8 * i, 8);
    return d;
  }
  if (type_ == Type::kFloat32) {
    float f;
    std::memcpy(&f, static_cast<const std::uint8_t*>(values_) + 4 * i, 4);
    return f;
  }
  if (type_ == Type::kUInt64)
    return static_cast<double>(static_cast<std::uint64_t>(int_value(row)));
  return static_cast<double>(int_value(row));
}

std::string_view ColumnView::text(std::int64_t row) const noexcept {
  const std::int64_t i = row + offset_;
  if (dictionary_) {
    const std::int64_t k = read_int(values_, width_, index_signed_, i);
    if (k < 0 || k >= dictionary_->size()) return {};
    return dictionary_->text(k);
  }
  if (type_ != Type::kUtf8) return {};
  if (width_ == 16) {  // a view: length, then inline text or (prefix, buffer, offset)
    const auto* v = static_cast<const std::uint8_t*>(values_) + 16 * i;
    std::int32_t len;
    std::memcpy(&len, v, 4);
    if (len <= 12) return {reinterpret_cast<const char*>(v + 4), static_cast<std::size_t>(len)};
    std::int32_t buffer, offset;
    std::memcpy(&buffer, v + 8, 4);
    std::memcpy(&offset, v + 12, 4);
    const char* data = static_cast<const char*>(variadic_[buffer]);
    return {data + offset, static_cast<std::size_t>(len)};
  }
  const std::int64_t begin = read_int(values_, width_, true, i),
                     end = read_int(values_, width_, true, i + 1);
  return {chars_ + begin, static_cast<std::size_t>(end - begin)};
}

std::int32_t ColumnView::days(std::int64_t row) const noexcept {
  const std::int64_t v = int_value(row);
  switch (type_) {
    case Type::kDate32:
      return static_cast<std::int32_t>(v);
    case Type::kDate64:
      return static_cast<std::int32_t>(floor_div(v, 86400000));
    case Type::kTimestamp: {
      static const std::int64_t per_second[] = {1, 1000, 1000000, 1000000000};
      const std::int64_t seconds =
          floor_div(v, per_second[static_cast<int>(unit_)]) + zone_minutes(time_zone_) * 60;
      return static_cast<std::int32_t>(floor_div(seconds, 86400));
    }
    default:
      return static_cast<std::int32_t>(v);
  }
}

std::pair<std::int64_t, std::int64_t> ColumnView::list_range(std::int64_t row) const noexcept {
  const std::int64_t i = row + offset_;
  return {read_int(values_, width_, true, i), read_int(values_, width_, true, i + 1)};
}

bool ColumnView::value_text(std::int64_t row, std::string& out) const {
  out.clear();
  if (is_null(row)) return false;
  char buf[64];
  switch (type_) {
    case Type::kUtf8: {
      const std::string_view t = text(row);
      out.assign(t.data(), t.size());
      return true;
    }
    case Type::kBool:
      out = bool_value(row) ? "true" : "false";
      return true;
    case Type::kUInt64:
      std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(int_value(row)));
      out = buf;
      return true;
    case Type::kFloat32:
    case Type::kFloat64: {
      const double d = float_value(row);
      if (std::isnan(d)) return false;
      if (std::floor(d) == d && std::fabs(d) < 1e17) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
      } else {
        for (int precision = 1; precision <= 17; ++precision) {
          std::snprintf(buf, sizeof buf, "%.*g", precision, d);
          if (std::strtod(buf, nullptr) == d) break;
        }
      }
      out = buf;
      return true;
    }
    case Type::kDate32:
    case Type::kDate64:
      out = Date(days(row)).to_iso();
      return true;
    case Type::kTimestamp: {
      const std::int32_t day = days(row);
      out = Date(day).to_iso();
      static const std::int64_t per_second[] = {1, 1000, 1000000, 1000000000};
      const std::int64_t seconds = floor_div(int_value(row), per_second[static_cast<int>(unit_)]) +
                                   zone_minutes(time_zone_) * 60;
      const std::int64_t in_day = seconds - static_cast<std::int64_t>(day) * 86400;
      if (in_day != 0) {
        std::snprintf(buf, sizeof buf, " %02d:%02d:%02d", static_cast<int>(in_day / 3600),
                      static_cast<int>(in_day / 60 % 60), static_cast<int>(in_day % 60));
        out += buf;
      }
      return true;
    }
    case Type::kList:
    case Type::kStruct:
    case Type::kNull:
      return false;
    default:
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(int_value(row)));
      out = buf;
      return true;
  }
}

// ---- StreamReader --------------------------------------------------------------------------
StreamReader::StreamReader(ArrowArrayStream* stream)
    : impl_(std::make_unique<detail::ImportedStream>()) {
  if (stream == nullptr || stream->release == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "arrow: the stream is NULL or already released");
  }
  impl_->stream = *stream;
  stream->release = nullptr;  // moved: ours to release now
  ArrowArrayStream& s = impl_->stream;
  if (s.get_schema(&s, &impl_->schema) != 0) {
    const char* e = s.get_last_error(&s);
    throw Error(ErrorCode::kIo, std::string("arrow: the stream gave no schema: ") +
                                    (e != nullptr ? e : "(no message)"));
  }
  const ArrowSchema& schema = impl_->schema;
  if (schema.format == nullptr || std::strcmp(schema.format, "+s") != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string("arrow: a stream of tables (struct batches) is needed, not '") +
                    (schema.format != nullptr ? schema.format : "") + "'");
  }
  for (std::int64_t i = 0; i < schema.n_children; ++i) {
    impl_->plans.emplace_back();
    parse_plan(*schema.children[i], "", impl_->plans.back());
    impl_->names.push_back(impl_->plans.back().name);
  }
}

StreamReader::~StreamReader() = default;
StreamReader::StreamReader(StreamReader&&) noexcept = default;

const std::vector<std::string>& StreamReader::names() const noexcept { return impl_->names; }
std::int64_t StreamReader::rows_read() const noexcept { return impl_->rows_read; }

const BatchView* StreamReader::next() {
  detail::ImportedStream& s = *impl_;
  for (;;) {
    if (s.batch.release != nullptr) s.batch.release(&s.batch);
    s.batch = ArrowArray{};
    if (s.stream.get_next(&s.stream, &s.batch) != 0) {
      const char* e = s.stream.get_last_error(&s.stream);
      throw Error(ErrorCode::kIo,
                  std::string("arrow: the stream failed: ") + (e != nullptr ? e : "(no message)"));
    }
    if (s.batch.release == nullptr) return nullptr;
    if (s.batch.length == 0) continue;
    if (static_cast<std::size_t>(s.batch.n_children) != s.plans.size()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "arrow: a batch's columns do not match the stream's schema");
    }
    s.view.rows = s.batch.length;
    s.view.columns.resize(s.plans.size());
    for (std::size_t c = 0; c < s.plans.size(); ++c) {
      ColumnView::Access::fill(s.view.columns[c], s.plans[c], *s.batch.children[c], s.batch.offset);
      if (s.batch.children[c]->length < s.batch.length + s.batch.offset) {
        throw Error(ErrorCode::kInvalidArgument, "arrow: a column is shorter than its batch");
      }
    }
    s.rows_read += s.batch.length;
    return &s.view;
  }
}

CsvTable read_text_table(ArrowArrayStream* stream) {
  StreamReader reader(stream);
  return read_text_table(reader);
}

CsvTable read_text_table(StreamReader& reader) {
  std::vector<std::string> header = reader.names();
  std::string text;
  std::vector<std::uint64_t> ends;
  std::string cell;
  while (const BatchView* batch = reader.next()) {
    for (const ColumnView& c : batch->columns) {
      if (c.type() == Type::kList || c.type() == Type::kStruct) {
        throw Error(ErrorCode::kInvalidArgument, "arrow: column '" + c.name() + "' is a " +
                                                     type_name(c.type()) +
                                                     ": a list of records takes one value a cell");
      }
    }
    ends.reserve(ends.size() + static_cast<std::size_t>(batch->rows) * header.size());
    for (std::int64_t r = 0; r < batch->rows; ++r) {
      for (const ColumnView& c : batch->columns) {
        if (c.type() == Type::kUtf8) {
          if (!c.is_null(r)) {
            const std::string_view t = c.text(r);
            text.append(t.data(), t.size());
          }
        } else if (c.value_text(r, cell)) {
          text += cell;
        }
        ends.push_back(text.size());
      }
    }
  }
  return CsvTable::from_cells(std::move(header), std::move(text), std::move(ends));
}

}  // namespace smartkampung::arrow
