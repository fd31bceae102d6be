// Registry JSON record loading through the C API (skamp_registry_add_json, the online
// report, the exclusions), as a caller hands over text from outside. The first byte
// chooses the call; the rest is the JSON. Invariants: the C status and the message agree
// (empty message on success); a successful load returns a load report with its schema,
// whose "loaded" count matches what programs_of then finds; no message repeats a NIK.
#include <smartkampung/smartkampung.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_bytes.hpp"
#include "fuzz_capi.hpp"
#include "fuzz_check.hpp"

using skamp_fuzz::check_status;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  skamp_fuzz::Bytes bytes(data, size);
  const std::uint8_t choice = bytes.byte();
  const std::string text = bytes.rest();
  skamp_registry* reg = nullptr;
  FUZZ_CHECK(skamp_registry_new(&reg) == SKAMP_OK);
  // One enrolled resident, so that reports and exclusions have something to meet.
  FUZZ_CHECK(
      skamp_registry_add_json(nullptr, reg,
                              "[{\"nik\": \"3510014501900001\", \"kk\": \"3510010101150001\", "
                              "\"name\": \"Siti\"}]",
                              "BST", "central") == SKAMP_OK);
  char* out = nullptr;
  skamp_status status;
  static const char* const levels[] = {"central", "provincial", "regency"};
  switch (choice % 4) {
    case 0:
    case 1:
      status = skamp_registry_add_json(&out, reg, text.c_str(), "PKH", levels[(choice >> 2) % 3]);
      check_status(status, text);
      if (status == SKAMP_OK) {
        FUZZ_CHECK(out != nullptr && std::strstr(out, "\"schema\"") != nullptr);
        FUZZ_CHECK(std::strstr(out, "\"loaded\":") != nullptr);
        FUZZ_CHECK(!skamp_fuzz::repeats_a_nik(out, "3510014501900001"));
      } else {
        FUZZ_CHECK(out == nullptr);
      }
      break;
    case 2:
      status = skamp_registry_report_json(&out, reg, text.c_str(), 1588291200);
      check_status(status, text);
      if (status == SKAMP_OK)
        FUZZ_CHECK(out != nullptr && std::strstr(out, "\"accepted\"") != nullptr);
      break;
    default:
      status = skamp_registry_set_exclusions_json(reg, text.c_str());
      check_status(status, text);
      break;
  }
  skamp_free(out);
  out = nullptr;
  // Whatever happened, the registry still answers, and its dedup report is whole.
  FUZZ_CHECK(skamp_registry_dedup_json(&out, reg) == SKAMP_OK);
  FUZZ_CHECK(out != nullptr && std::strstr(out, "\"schema\":\"skamp-dedup-report/1\"") != nullptr);
  skamp_free(out);
  out = nullptr;
  FUZZ_CHECK(skamp_registry_programs_of_json(&out, reg, "3510014501900001") == SKAMP_OK);
  FUZZ_CHECK(out != nullptr && std::strstr(out, "BST") != nullptr);
  skamp_free(out);
  skamp_registry_free(reg);
  return 0;
}
