#include "core/json.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/utf8.hpp"

namespace smartkampung::detail::json {

namespace {

constexpr unsigned kIterative = rapidjson::kParseIterativeFlag;  // no recursion: any nesting depth

// Calls fn with RapidJSON's parse flags for `flags` (a compile-time constant: RapidJSON
// takes its flags as a template argument), iterative parsing always included.
template <typename Fn>
void with_flags(unsigned flags, Fn&& fn) {
  using rapidjson::kParseFullPrecisionFlag;
  using rapidjson::kParseNanAndInfFlag;
  switch (flags & (kFullPrecision | kNanAndInf)) {
    case kFullPrecision:
      fn(std::integral_constant<unsigned, kIterative | kParseFullPrecisionFlag>{});
      break;
    case kNanAndInf:
      fn(std::integral_constant<unsigned, kIterative | kParseNanAndInfFlag>{});
      break;
    case kFullPrecision | kNanAndInf:
      fn(std::integral_constant<unsigned,
                                kIterative | kParseFullPrecisionFlag | kParseNanAndInfFlag>{});
      break;
    default:
      fn(std::integral_constant<unsigned, kIterative>{});
      break;
  }
}

// Follows a parse as SAX events and keeps the path of the value being read, so that after a
// syntax error it names where in the document the reader stopped. Only run on the error
// path: a good document is parsed once.
class PathTracker : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PathTracker> {
 public:
  bool Default() {
    next_value();
    return true;
  }
  bool StartObject() {
    next_value();
    frames_.push_back(Frame{false, 0, {}, false});
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    frames_.back().key.assign(s, n);
    frames_.back().started = true;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    frames_.pop_back();
    return true;
  }
  bool StartArray() {
    next_value();
    frames_.push_back(Frame{true, 0, {}, false});
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    frames_.pop_back();
    return true;
  }

  std::string path() const {
    std::string out = "$";
    for (const Frame& f : frames_) {
      if (!f.started) break;
      out = f.array ? index_path(out, f.index) : child_path(out, f.key);
    }
    return out;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    bool started;  // an element (array) or a key (object) has been read
  };

  void next_value() {
    if (frames_.empty() || !frames_.back().array) return;
    Frame& f = frames_.back();
    if (f.started) {
      ++f.index;
    } else {
      f.started = true;
    }
  }

  std::vector<Frame> frames_;
};

std::string error_path(std::string_view text, unsigned flags) {
  PathTracker tracker;
  with_flags(flags, [&](auto rapid_flags) {
    rapidjson::MemoryStream memory(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(memory);
    rapidjson::Reader reader;
    reader.Parse<decltype(rapid_flags)::value>(input, tracker);
  });
  return tracker.path();
}

}  // namespace

std::string SyntaxError::message(std::string_view what) const {
  return std::string(what) + ": invalid JSON at " + path + ", byte " + std::to_string(offset) +
         " (line " + std::to_string(line) + ", column " + std::to_string(column) + "): " + reason;
}

std::optional<SyntaxError> try_parse(rapidjson::Document& doc, std::string_view text,
                                     unsigned flags) {
  with_flags(flags, [&](auto rapid_flags) {
    doc.Parse<decltype(rapid_flags)::value>(text.data(), text.size());
  });
  if (!doc.HasParseError()) return std::nullopt;
  SyntaxError e;
  e.offset = std::min(doc.GetErrorOffset(), text.size());
  for (std::size_t i = 0; i < e.offset; ++i) {
    if (text[i] == '\n') {
      ++e.line;
      e.column = 1;
    } else {
      ++e.column;
    }
  }
  e.reason = rapidjson::GetParseError_En(doc.GetParseError());
  e.path = error_path(text, flags);
  return e;
}

rapidjson::Document parse(std::string_view text, std::string_view what, unsigned flags) {
  rapidjson::Document doc;
  if (const auto error = try_parse(doc, text, flags))
    throw Error(ErrorCode::kParse, error->message(what));
  return doc;
}

std::string child_path(const std::string& path, std::string_view key) {
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  out += path;
  out += '.';
  out += key;
  return out;
}

std::string index_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

void value_error(std::string_view what, const std::string& path, std::string_view message,
                 ErrorCode code) {
  throw Error(code, std::string(what) + ": " + path + ": " + std::string(message));
}

std::optional<std::string> record_field(const rapidjson::Value& value, std::string_view what,
                                        const std::string& path) {
  std::string text;
  if (value.IsNull()) return std::nullopt;
  if (value.IsString()) {
    text.assign(value.GetString(), value.GetStringLength());
  } else if (value.IsInt64()) {
    text = std::to_string(value.GetInt64());
  } else if (value.IsUint64()) {
    text = std::to_string(value.GetUint64());
  } else {
    value_error(what, path, "expected a string, a whole number or null");
  }
  // The text was checked as UTF-8 at the entry, but a \u escape can still decode to a lone
  // surrogate, which is not UTF-8: refused here, before it is stored and echoed. The path
  // holds the key, so it is checked too.
  if (!is_valid_utf8(text) || !is_valid_utf8(path)) {
    value_error(what, escape_invalid_utf8(path), "is not valid UTF-8 (a lone surrogate escape?)");
  }
  return text;
}

JsonWriter& JsonWriter::value(double d) { return ok(writer_.Double(std::isfinite(d) ? d : 0.0)); }

JsonWriter& JsonWriter::raw(std::string_view json) {
  return ok(writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType));
}

rapidjson::SizeType JsonWriter::size_of(std::string_view s) {
  if (s.size() > std::numeric_limits<rapidjson::SizeType>::max()) {
    throw Error(ErrorCode::kLimit, "a JSON string longer than 4 GiB");
  }
  return static_cast<rapidjson::SizeType>(s.size());
}

JsonWriter& JsonWriter::ok(bool written) {
  if (!written) throw Error(ErrorCode::kInternal, "JSON writer: a value out of place");
  return *this;
}

}  // namespace smartkampung::detail::json
