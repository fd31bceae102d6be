// smartkampung/arrow.hpp: tables in and out through the Arrow C Data and C Stream
// Interfaces (smartkampung/c/arrow.h), written here without Arrow C++.
//
// Producing: a ColumnBuilder per column (utf8, dictionary-encoded utf8, bool, int8-int64,
// float64, date32, timestamp, list of any of these), a Table of finished columns, and
// export_stream() handing the table to any consumer (pyarrow, polars, DuckDB, R, Go) as
// a struct ArrowArrayStream that owns it. Consuming: a StreamReader takes a foreign stream
// and gives its batches as typed column views (utf8, large utf8, utf8 views, dictionaries
// of them, bool, int8-uint64, float32/64, date32/64, timestamps, lists, structs); any
// other type is refused with an Error naming the column and its format.
//
// Builders and readers are plain values: one thread at a time. A Table is immutable once
// built and may be shared; an exported stream may be read from any one thread at a time.
#ifndef SMARTKAMPUNG_ARROW_HPP
#define SMARTKAMPUNG_ARROW_HPP

#include <smartkampung/c/arrow.h>
#include <smartkampung/export.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <smartkampung/error.hpp>
#include <smartkampung/io.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung::arrow {

/// The logical types of a column.
enum class Type : int {
  kNull = 0,
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat32,
  kFloat64,
  kUtf8,       ///< utf8, large utf8 and utf8 views alike
  kDate32,     ///< days since 1970-01-01
  kDate64,     ///< milliseconds since 1970-01-01
  kTimestamp,  ///< since 1970-01-01T00:00:00 in a unit, with an optional time zone
  kList,       ///< list and large list
  kStruct,
};
/// "bool", "int64", "utf8", "date32", "timestamp", "list", ...
SMARTKAMPUNG_EXPORT const char* type_name(Type type) noexcept;

/// A time unit of timestamps: seconds per tick are 1, 1e-3, 1e-6, 1e-9.
enum class TimeUnit : int { kSecond = 0, kMilli = 1, kMicro = 2, kNano = 3 };

namespace detail {
struct ColumnData;
struct ImportedStream;
}  // namespace detail

// ---- producing ----------------------------------------------------------------------

/// A finished column (immutable, shared by copies).
class SMARTKAMPUNG_EXPORT Column {
 public:
  Column() = default;
  const std::string& name() const noexcept;
  Type type() const noexcept;
  std::size_t size() const noexcept;
  std::size_t null_count() const noexcept;
  bool dictionary_encoded() const noexcept;
  /// Internal: the builders and the exporter reach the buffers through this.
  const detail::ColumnData& data() const { return *data_; }
  const std::shared_ptr<const detail::ColumnData>& shared_data() const { return data_; }
  explicit Column(std::shared_ptr<const detail::ColumnData> data) : data_(std::move(data)) {}

 private:
  std::shared_ptr<const detail::ColumnData> data_;
};

/// Builds one column value by value; finish() hands the buffers over without a copy.
class SMARTKAMPUNG_EXPORT ColumnBuilder {
 public:
  static ColumnBuilder boolean(std::string name);
  static ColumnBuilder int8(std::string name);
  static ColumnBuilder int16(std::string name);
  static ColumnBuilder int32(std::string name);
  static ColumnBuilder int64(std::string name);
  static ColumnBuilder float64(std::string name);
  static ColumnBuilder utf8(std::string name);
  /// utf8 values stored once each, rows as int32 indices (pandas: a Categorical).
  static ColumnBuilder dictionary(std::string name);
  /// A dictionary column whose values are given up front (distinct); rows are then
  /// appended by index with append_index (or by text, adding values as they come).
  static ColumnBuilder dictionary(std::string name, const std::vector<std::string>& values);
  static ColumnBuilder date32(std::string name);
  /// Seconds since the epoch; `time_zone` "" for none (naive), else e.g. "UTC".
  static ColumnBuilder timestamp(std::string name, std::string time_zone = "UTC");
  /// A list of `item` (which must be empty): append elements to item(), then end_list().
  static ColumnBuilder list(std::string name, ColumnBuilder item);

  ColumnBuilder(ColumnBuilder&&) noexcept;
  ColumnBuilder& operator=(ColumnBuilder&&) noexcept;
  ~ColumnBuilder();

  void reserve(std::size_t rows);
  void append_null();
  void append_bool(bool value);
  /// Integer types, date32 (days) and timestamp (seconds). Throws Error(kInvalidArgument)
  /// when the value does not fit the column's type.
  void append_int(std::int64_t value);
  void append_double(double value);
  /// utf8 and dictionary columns (the text must be UTF-8; it is not checked here).
  void append_text(std::string_view value);
  /// Dictionary columns: a row holding value `index` of the dictionary (no lookup).
  void append_index(std::int32_t index);
  /// Many values at once (fixed-width columns): `known` null means all valid.
  void append_ints(const std::int64_t* values, std::size_t n, const std::uint8_t* known = nullptr);
  void append_doubles(const double* values, std::size_t n, const std::uint8_t* known = nullptr);
  /// The item builder of a list column.
  ColumnBuilder& item();
  /// Closes one list value holding the items appended since the last end_list().
  void end_list();
  std::size_t size() const noexcept;
  Type type() const noexcept;
  Column finish();

 private:
  ColumnBuilder(std::string name, Type type, std::string format);
  struct State;
  std::unique_ptr<State> state_;
};

/// Named columns of equal length.
class SMARTKAMPUNG_EXPORT Table {
 public:
  Table() = default;
  /// Throws Error(kInvalidArgument) when a column's length differs from the others'.
  explicit Table(std::vector<Column> columns);
  std::size_t rows() const noexcept { return rows_; }
  const std::vector<Column>& columns() const noexcept { return columns_; }
  std::vector<std::string> names() const;
  /// -1 when absent.
  long find(std::string_view name) const noexcept;

 private:
  std::vector<Column> columns_;
  std::size_t rows_ = 0;
};

/// Hands `table` to a consumer: *out becomes a stream of one struct batch per
/// `batch_rows` rows (0: one batch) that shares the table (no copy) and keeps it alive
/// until the consumer releases the stream and every array it took.
SMARTKAMPUNG_EXPORT void export_stream(std::shared_ptr<const Table> table, ArrowArrayStream* out,
                                       std::size_t batch_rows = 0);
/// The table's schema (a struct of its columns) into *out.
SMARTKAMPUNG_EXPORT void export_schema(const Table& table, ArrowSchema* out);
/// A stream of one batch made of a schema and an array given separately (as the Arrow
/// PyCapsule protocol's __arrow_c_array__ gives them): both are moved into *out.
SMARTKAMPUNG_EXPORT void stream_of(ArrowSchema* schema, ArrowArray* array, ArrowArrayStream* out);
/// Rows [first, first + count) as one struct array sharing the table's buffers.
SMARTKAMPUNG_EXPORT void export_array(std::shared_ptr<const Table> table, ArrowArray* out,
                                      std::size_t first = 0, std::size_t count = SIZE_MAX);

// ---- consuming ----------------------------------------------------------------------

/// A column of a foreign batch: a typed view of its buffers, valid while the batch is.
class SMARTKAMPUNG_EXPORT ColumnView {
 public:
  const std::string& name() const noexcept { return name_; }
  Type type() const noexcept { return type_; }
  /// The foreign format string ("u", "tsu:UTC", ...).
  const std::string& format() const noexcept { return format_; }
  std::int64_t size() const noexcept { return length_; }
  bool dictionary_encoded() const noexcept { return dictionary_ != nullptr; }
  TimeUnit unit() const noexcept { return unit_; }
  const std::string& time_zone() const noexcept { return time_zone_; }

  bool is_null(std::int64_t row) const noexcept;
  bool bool_value(std::int64_t row) const noexcept;
  /// Integers (uint64 above INT64_MAX wraps: check type()), date32 days, date64
  /// milliseconds, timestamp ticks, and bool (0/1).
  std::int64_t int_value(std::int64_t row) const noexcept;
  /// Floats, and integers as doubles.
  double float_value(std::int64_t row) const noexcept;
  /// utf8 columns (dictionary-encoded or not).
  std::string_view text(std::int64_t row) const noexcept;
  /// Days since 1970-01-01 of a date32, date64 or timestamp (the date where the time zone
  /// says, UTC for fixed offsets it cannot read, the wall date for naive ones).
  std::int32_t days(std::int64_t row) const noexcept;
  /// A list value's items: [first, last) rows of item().
  std::pair<std::int64_t, std::int64_t> list_range(std::int64_t row) const noexcept;
  const ColumnView& item() const { return children_.at(0); }
  /// A struct column's fields.
  const std::vector<ColumnView>& fields() const noexcept { return children_; }
  /// The value as a list file would hold it: text as is, integers in decimal, floats
  /// with a whole value as integers (else the shortest text that reads back), bool as
  /// "true"/"false", dates as YYYY-MM-DD, timestamps as YYYY-MM-DD HH:MM:SS (date
  /// only at midnight). False for a null (and for lists and structs: not text).
  bool value_text(std::int64_t row, std::string& out) const;

  // Internal: the reader fills these.
  struct Access;

 private:
  friend struct Access;
  std::string name_, format_, time_zone_;
  Type type_ = Type::kNull;
  TimeUnit unit_ = TimeUnit::kSecond;
  std::int64_t length_ = 0, offset_ = 0;
  const std::uint8_t* validity_ = nullptr;
  const void* values_ = nullptr;           // fixed-width values, offsets or views
  const char* chars_ = nullptr;            // utf8 / large utf8 characters
  const void* const* variadic_ = nullptr;  // utf8 view data buffers
  int width_ = 0;  // bytes of a value or an offset; 16 for views; dictionary index bytes
  bool index_signed_ = true;
  std::unique_ptr<ColumnView> dictionary_;
  std::vector<ColumnView> children_;
};

/// One batch of a foreign stream: columns of equal length.
struct BatchView {
  std::int64_t rows = 0;
  std::vector<ColumnView> columns;
  /// -1 when absent (names compared exactly).
  long find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].name() == name) return static_cast<long>(i);
    }
    return -1;
  }
};

/// Reads a foreign stream batch by batch. Throws Error(kInvalidArgument) naming the
/// column and its format when the schema holds a type that is not read here, or when the
/// stream's top level is not a struct; Error(kIo) with the producer's message when the
/// producer fails.
class SMARTKAMPUNG_EXPORT StreamReader {
 public:
  /// Takes the stream over (the caller's struct is left released).
  explicit StreamReader(ArrowArrayStream* stream);
  ~StreamReader();
  StreamReader(StreamReader&&) noexcept;
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  /// Column names, in schema order.
  const std::vector<std::string>& names() const noexcept;
  /// The next batch, or nullptr at the end; valid until the next call.
  const BatchView* next();
  /// Rows read so far.
  std::int64_t rows_read() const noexcept;

 private:
  std::unique_ptr<detail::ImportedStream> impl_;
};

/// Every batch of a stream as one table of text (the columns' value_text(); a null an
/// empty cell; lists and structs are refused, naming the column), lines 1, 2, 3, ...:
/// the form every list loader reads, so header aliases and column maps apply as to files.
SMARTKAMPUNG_EXPORT CsvTable read_text_table(ArrowArrayStream* stream);
SMARTKAMPUNG_EXPORT CsvTable read_text_table(StreamReader& reader);

}  // namespace smartkampung::arrow

#endif
