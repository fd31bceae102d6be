// The linkage C API as a caller hands it text from outside: records, a second list and
// settings as JSON, and an incremental linker fed one record at a time. The first byte
// chooses the call; then a line of settings (where the call takes them) and the rest as
// records. Invariants: status and skamp_last_error() agree, and no message repeats a NIK
// from the input; results carry their schema; a linker's own settings document loads
// back into a new linker; a record the linker added can be explained against the first
// and removed once, not twice.
#include <smartkampung/smartkampung.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_bytes.hpp"
#include "fuzz_capi.hpp"
#include "fuzz_check.hpp"

namespace {

const char* const kFitRecords =
    "[{\"nik\": \"3510014501900001\", \"kk\": \"3510010101150001\", \"name\": \"Siti Aminah\","
    " \"birth_date\": \"1990-01-05\", \"sex\": \"P\", \"village\": \"Kemiren\", \"rt\": \"1\", "
    "\"rw\": \"2\"},"
    " {\"nik\": \"3510014501900010\", \"kk\": \"3510010101150001\", \"name\": \"Siti Aminah\","
    " \"birth_date\": \"1990-01-05\", \"sex\": \"P\", \"village\": \"Kemiren\"},"
    " {\"nik\": \"3510010203850002\", \"name\": \"Moch. Sholeh\", \"birth_date\": \"1985-03-02\", "
    "\"sex\": \"L\"},"
    " {\"name\": \"Muhammad Soleh\", \"birth_date\": \"1985-03-02\", \"sex\": \"L\"},"
    " {\"nik\": \"3510011207700003\", \"name\": \"H. Djoko Santoso\", \"birth_date\": "
    "\"1970-07-12\"},"
    " {\"nik\": \"3510011207700003\", \"name\": \"joko santoso\", \"birth_date\": \"1970-07-12\"}]";

using skamp_fuzz::check_status;

void check_out(skamp_status status, char* out, const char* schema) {
  if (status == SKAMP_OK) {
    FUZZ_CHECK(out != nullptr && std::strstr(out, schema) != nullptr);
  } else {
    FUZZ_CHECK(out == nullptr);
  }
  skamp_free(out);
}

void run_linker(const std::string& settings, const std::string& record, std::uint8_t k) {
  skamp_linker* linker = nullptr;
  skamp_status status =
      skamp_linkage_linker_new(&linker, settings.empty() ? nullptr : settings.c_str());
  check_status(status, settings);
  if (status != SKAMP_OK) {
    FUZZ_CHECK(linker == nullptr);
    return;
  }
  status = skamp_linkage_linker_fit_json(linker, kFitRecords);
  check_status(status, settings);
  const bool fitted = status == SKAMP_OK;
  char* out = nullptr;
  status = skamp_linkage_linker_candidates_json(&out, linker, record.c_str(), k % 8);
  check_status(status, record);
  check_out(status, out, "\"schema\":\"skamp-linker-candidates/1\"");
  out = nullptr;
  status = skamp_linkage_linker_add_json(&out, linker, record.c_str());
  check_status(status, record);
  const bool added = status == SKAMP_OK;
  std::size_t last = 0;
  if (added) {
    const char* index = out == nullptr ? nullptr : std::strstr(out, "\"index\":");
    FUZZ_CHECK(index != nullptr);
    last = std::strtoull(index + 8, nullptr, 10);
    // After the six records of fit (when it succeeded), or alone.
    FUZZ_CHECK(last == (fitted ? 6u : 0u));
  }
  check_out(status, out, "\"schema\":\"skamp-linker-add/1\"");
  out = nullptr;
  if (added) {
    char* explained = nullptr;
    const skamp_status e = skamp_linkage_linker_explain_json(&explained, linker, 0, last);
    check_status(e, record);
    check_out(e, explained, "\"schema\":\"skamp-linker-explain/1\"");
    if (skamp_linkage_linker_remove(linker, last) == SKAMP_OK) {
      FUZZ_CHECK(skamp_linkage_linker_remove(linker, last) == SKAMP_ENOTFOUND);
    }
  }
  out = nullptr;
  status = skamp_linkage_linker_clusters_json(&out, linker);
  FUZZ_CHECK(status == SKAMP_OK);
  check_out(status, out, "\"schema\":\"skamp-linker-clusters/1\"");
  out = nullptr;
  FUZZ_CHECK(skamp_linkage_linker_settings_json(&out, linker) == SKAMP_OK && out != nullptr);
  skamp_linker* again = nullptr;
  FUZZ_CHECK(skamp_linkage_linker_new(&again, out) == SKAMP_OK && again != nullptr);
  skamp_free(out);
  skamp_linkage_linker_free(again);
  skamp_linkage_linker_free(linker);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  skamp_fuzz::Bytes bytes(data, size);
  const std::uint8_t choice = bytes.byte();
  char* out = nullptr;
  skamp_status status;
  switch (choice % 4) {
    case 0: {
      const std::string records = bytes.rest();
      const double threshold = (choice >> 2) == 63 ? -1.0 : (choice >> 2) / 62.0;
      status = skamp_linkage_link_json(&out, records.c_str(), nullptr, nullptr, threshold);
      check_status(status, records);
      check_out(status, out, "\"schema\":\"skamp-link-result/1\"");
      break;
    }
    case 1: {
      const std::string left = bytes.line();
      const std::string right = bytes.rest();
      status = skamp_linkage_link_json(&out, left.c_str(), right.c_str(), nullptr, -1.0);
      check_status(status, left + "\n" + right);
      check_out(status, out, "\"schema\":\"skamp-link-result/1\"");
      break;
    }
    case 2: {
      const std::string settings = bytes.line();
      const std::string records = bytes.rest();
      status = skamp_linkage_link_json(&out, records.c_str(), nullptr, settings.c_str(), -1.0);
      check_status(status, settings + "\n" + records);
      check_out(status, out, "\"schema\":\"skamp-link-result/1\"");
      break;
    }
    default: {
      const std::uint8_t k = bytes.byte();
      const std::string settings = bytes.line();
      run_linker(settings, bytes.rest(), k);
      break;
    }
  }
  return 0;
}
