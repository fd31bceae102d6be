// Fuzzes the C API of NIK and KK as a C caller would use it, the input bytes choosing
// the calls and their arguments (as h3 fuzzes its C API). Caller-allocated buffers are
// allocated at exactly the size the caller claims, so that ASan sees any write past it.
#include <smartkampung/smartkampung.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_capi.hpp"
#include "fuzz_check.hpp"

namespace {

// An oracle written apart from the library's check: well-formed UTF-8 (no overlongs, no
// surrogates, nothing past U+10FFFF).
bool utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1FU;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0FU;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07U;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// Reads bytes from the front of the input; zeros once it runs out.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  int small_int() { return static_cast<std::int8_t>(byte()); }
  // The rest of the input as NUL-separated strings (a C string cannot hold a NUL).
  std::vector<std::string> strings() {
    std::vector<std::string> out(1);
    for (; pos_ < size_; ++pos_) {
      if (data_[pos_] == '\0' || data_[pos_] == '\n') {
        out.emplace_back();
      } else {
        out.back().push_back(static_cast<char>(data_[pos_]));
      }
    }
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

bool leaks(const char* message, const std::string& input) {
  // Only NIK-shaped input is personal data: at least ten digits (the message's own
  // words, fed back by the fuzzer, are not).
  return std::count_if(input.begin(), input.end(), [](char c) { return c >= '0' && c <= '9'; }) >=
             10 &&
         std::strstr(message, input.c_str()) != nullptr;
}

void check_error_message(skamp_status status, const std::string& input) {
  skamp_fuzz::check_status(status, input);
  if (status != SKAMP_OK) FUZZ_CHECK(!leaks(skamp_last_error(), input));
  FUZZ_CHECK(skamp_status_str(status) != nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  // Reference date: a year near now or anything at all (invalid dates must fail cleanly).
  const std::uint8_t date_mode = in.byte();
  int year = 0, month = 0, day = 0;
  if (date_mode % 4 == 1) {
    year = 2000 + in.byte() % 90;
    month = 1 + in.byte() % 12;
    day = 1 + in.byte() % 28;
  } else if (date_mode % 4 == 2) {
    year = in.small_int() * 100 + in.small_int();
    month = in.small_int();
    day = in.small_int();
  }
  // What the caller claims sizeof(skamp_nik_info) is (older callers pass less).
  const std::size_t info_size = in.byte() % (sizeof(skamp_nik_info) + 1);
  const std::size_t mask_size = in.byte() % 24;
  const std::vector<std::string> texts = in.strings();

  std::vector<const char*> pointers;
  for (const std::string& text : texts) {
    pointers.push_back((pointers.size() % 7 == 6) ? nullptr : text.c_str());
  }
  std::vector<std::int8_t> reasons(pointers.size(), -1);
  const skamp_status batch =
      skamp_nik_validate_batch(reasons.data(), pointers.data(), pointers.size(), year, month, day);
  check_error_message(batch, texts.empty() ? std::string() : texts.front());

  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    // Exactly info_size bytes: the library must not write past what the caller claims.
    auto* info = static_cast<skamp_nik_info*>(
        std::malloc(info_size < sizeof(std::size_t) ? sizeof(std::size_t) : info_size));
    FUZZ_CHECK(info != nullptr);
    info->size = info_size;
    const skamp_status parsed = skamp_nik_parse_as_of(info, text.c_str(), year, month, day);
    check_error_message(parsed, text);
    const bool sized = info_size >= offsetof(skamp_nik_info, reason) + sizeof(int);
    if (!sized) FUZZ_CHECK(parsed == SKAMP_EINVALID);
    if (batch == SKAMP_OK && sized && pointers[i] != nullptr) {
      // The batch and the single parse agree on every string they both saw.
      FUZZ_CHECK((parsed == SKAMP_OK) == (reasons[i] == SKAMP_NIK_VALID));
      FUZZ_CHECK(info->reason == reasons[i]);
      if (parsed == SKAMP_OK) {
        FUZZ_CHECK(info->sex == 'F' || info->sex == 'M');
        FUZZ_CHECK(std::strlen(info->district) == 6);
      }
    }
    if (batch == SKAMP_OK && pointers[i] == nullptr) FUZZ_CHECK(reasons[i] == SKAMP_NIK_LENGTH);
    FUZZ_CHECK(skamp_nik_reason_str(reasons[i]) != nullptr);

    const skamp_status kk = skamp_nik_kk_parse(info, text.c_str());
    check_error_message(kk, text);
    if (kk == SKAMP_OK) FUZZ_CHECK(info->sex == 0);
    std::free(info);

    char* buf = static_cast<char*>(std::malloc(mask_size == 0 ? 1 : mask_size));
    const skamp_status masked = skamp_nik_mask(buf, mask_size, text.c_str());
    check_error_message(masked, text);
    // Text that is not UTF-8 is refused (issue 16) whatever the buffer.
    FUZZ_CHECK((masked == SKAMP_OK) == (mask_size >= 17 && utf8(text)));
    if (masked == SKAMP_OK) {
      FUZZ_CHECK(std::strlen(buf) == 16);
      FUZZ_CHECK(std::strncmp(buf + 4, "********", 8) == 0);
    }
    std::free(buf);

    (void)skamp_nik_is_valid(text.c_str());
    (void)skamp_nik_kk_is_valid(text.c_str());
  }
  // NULL arguments fail cleanly, never crash.
  FUZZ_CHECK(skamp_nik_parse(nullptr, "3510014501900001") == SKAMP_EINVALID);
  FUZZ_CHECK(skamp_nik_is_valid(nullptr) == 0);
  FUZZ_CHECK(skamp_nik_reason_str(static_cast<int>(date_mode) - 128) != nullptr);
  // Only statuses inside the enum's range: a C++ caller cannot form another value without
  // UB of its own; C callers passing any int are covered by test_capi.c (fixed in 30b3bc1).
  FUZZ_CHECK(skamp_status_str(static_cast<skamp_status>(static_cast<int>(date_mode % 16) - 12)) !=
             nullptr);
  return 0;
}
