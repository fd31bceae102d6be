// Private: the one JSON layer of the library. Every JSON text the C API (and the core
// behind it) reads goes through parse(), so that a syntax error is worded the same way
// everywhere: what the text is, the path inside it, the byte offset, the line and column.
// Every JSON text the C API writes goes through JsonWriter. Records (registry and
// linkage alike) are read by read_record(), under one type rule.
#ifndef SMARTKAMPUNG_SRC_CORE_JSON_HPP
#define SMARTKAMPUNG_SRC_CORE_JSON_HPP

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <smartkampung/error.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace smartkampung::detail::json {

/// Parse options beyond the defaults (which are: iterative, so that no nesting depth can
/// overflow the stack; strict JSON).
enum ParseFlags : unsigned {
  kStrict = 0,
  kFullPrecision = 1u << 0,  // numbers read exactly (settings, stored events)
  kNanAndInf = 1u << 1,      // NaN and Infinity accepted as numbers (spreadsheet exports)
};

/// Where and why a text is not JSON.
struct SyntaxError {
  std::string path;        // "$", "$[2]", "$.rules[0].when": the value being read
  std::size_t offset = 0;  // byte offset of the error
  int line = 1;            // 1-based
  int column = 1;          // 1-based, in bytes
  std::string reason;      // RapidJSON's description

  /// The one wording: "<what>: invalid JSON at <path>, byte <offset> (line <l>, column <c>):
  /// <reason>".
  std::string message(std::string_view what) const;
};

/// Parses `text` into `doc`; returns the syntax error instead of throwing (for callers
/// that report it in their own exception type).
std::optional<SyntaxError> try_parse(rapidjson::Document& doc, std::string_view text,
                                     unsigned flags = kStrict);

/// Parses `text`; throws Error(kParse) worded by SyntaxError::message(what).
rapidjson::Document parse(std::string_view text, std::string_view what, unsigned flags = kStrict);

/// "$" + ".key" / "[i]": paths as every error of this layer writes them.
std::string child_path(const std::string& path, std::string_view key);
std::string index_path(const std::string& path, std::size_t index);

/// Throws Error(code) worded "<what>: <path>: <message>": a value of the right syntax but
/// the wrong shape.
[[noreturn]] void value_error(std::string_view what, const std::string& path,
                              std::string_view message,
                              ErrorCode code = ErrorCode::kInvalidArgument);

/// The record rule, shared by registry and linkage records: a field is a string, a whole
/// number (written as its decimal text) or null (absent). Returns the field's text, or
/// nothing for null; throws value_error for anything else and for text that is not UTF-8
/// (a lone surrogate escape decodes to such text).
std::optional<std::string> record_field(const rapidjson::Value& value, std::string_view what,
                                        const std::string& path);

/// Reads one record object, calling field(key, text) for each non-null field in order.
template <typename Field>
void read_record(const rapidjson::Value& record, std::string_view what, const std::string& path,
                 Field&& field) {
  if (!record.IsObject()) value_error(what, path, "expected a JSON object");
  for (auto m = record.MemberBegin(); m != record.MemberEnd(); ++m) {
    std::string key(m->name.GetString(), m->name.GetStringLength());
    const std::string field_path = child_path(path, key);
    std::optional<std::string> text = record_field(m->value, what, field_path);
    if (text) field(std::move(key), std::move(*text));
  }
}

/// Reads a JSON array of record objects, calling record(value, path) for each.
template <typename Record>
void read_records(const rapidjson::Value& list, std::string_view what, Record&& record) {
  if (!list.IsArray()) value_error(what, "$", "expected a JSON array of objects");
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) record(list[i], index_path("$", i));
}

/// The one output writer: compact JSON, UTF-8, keys in the order written.
class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object() { return ok(writer_.StartObject()); }
  JsonWriter& end_object() { return ok(writer_.EndObject()); }
  JsonWriter& begin_array() { return ok(writer_.StartArray()); }
  JsonWriter& end_array() { return ok(writer_.EndArray()); }
  JsonWriter& key(std::string_view k) { return ok(writer_.Key(k.data(), size_of(k))); }

  JsonWriter& null() { return ok(writer_.Null()); }
  JsonWriter& value(std::string_view s) { return ok(writer_.String(s.data(), size_of(s))); }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b) { return ok(writer_.Bool(b)); }
  /// A non-finite number (never produced by the core) is written as 0, not as text that
  /// is not JSON: every schema types these fields as numbers.
  JsonWriter& value(double d);
  template <typename Int,
            std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  JsonWriter& value(Int n) {
    if constexpr (std::is_signed_v<Int>) {
      return ok(writer_.Int64(static_cast<std::int64_t>(n)));
    } else {
      return ok(writer_.Uint64(static_cast<std::uint64_t>(n)));
    }
  }
  template <typename T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  template <typename T>
  JsonWriter& value(const std::vector<T>& list) {
    begin_array();
    for (const T& v : list) value(v);
    return end_array();
  }
  /// Text that is already one JSON value (written by another JsonWriter).
  JsonWriter& raw(std::string_view json);

  /// key(k) then value(v).
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  /// The text written so far (a whole value once every begin has its end).
  std::string_view text() const { return std::string_view(buffer_.GetString(), buffer_.GetSize()); }
  std::string str() const { return std::string(text()); }

 private:
  static rapidjson::SizeType size_of(std::string_view s);
  JsonWriter& ok(bool written);

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace smartkampung::detail::json

#endif
