// Private: the Arrow streams of the C API. A stream given out owns its table; a stream
// taken in is the library's from the moment of the call (released on every path).
#ifndef SMARTKAMPUNG_SRC_CAPI_ARROW_C_HPP
#define SMARTKAMPUNG_SRC_CAPI_ARROW_C_HPP

#include <smartkampung/c/arrow.h>

#include <memory>
#include <optional>
#include <smartkampung/arrow.hpp>

#include "capi/guard.hpp"

namespace smartkampung::capi {

/// Marks an out stream released before anything else, so that a failed call never
/// leaves a stale stream for the caller to release.
inline void clear_stream(ArrowArrayStream* out, const char* name) {
  require(out, name);
  out->release = nullptr;
}

/// Hands a table out as a stream.
inline void give_stream(arrow::Table&& table, ArrowArrayStream* out) {
  arrow::export_stream(std::make_shared<const arrow::Table>(std::move(table)), out);
}

/// Takes an input stream over at once (so that it is released however the call ends);
/// NULL or an already released stream is SKAMP_EINVALID naming the argument.
class TakenStream {
 public:
  TakenStream(ArrowArrayStream* in, const char* name) {
    require(in, name);
    if (in->release == nullptr)
      throw Error(ErrorCode::kInvalidArgument, std::string(name) + " is a released stream");
    reader_.emplace(in);
  }
  arrow::StreamReader& reader() { return *reader_; }

 private:
  std::optional<arrow::StreamReader> reader_;
};

}  // namespace smartkampung::capi

#endif
