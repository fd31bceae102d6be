// Fuzzes NIK and KK parsing in the C++ core. The first two bytes pick the reference
// date (as_of); the rest is the text. Beyond "no crash", it checks that the
// non-throwing check and the throwing parse agree, that a parsed number round-trips,
// and that no error message or masked form repeats the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <smartkampung/date.hpp>
#include <smartkampung/nik.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "fuzz_check.hpp"

using namespace smartkampung;

namespace {

// The reference date: any day from 2000-01-01 to about 2089.
Date as_of_from(const std::uint8_t* data) {
  const int offset = (data[0] << 8 | data[1]) % 32768;
  return Date(days_from_civil(2000, 1, 1) + offset);
}

bool leaks(const std::string& message, std::string_view input) {
  // Ten characters of a NIK already identify a region and a birth date.
  // Only NIK-shaped input is personal data: at least ten digits (the message's own
  // words, fed back by the fuzzer, are not).
  return std::count_if(input.begin(), input.end(), [](char c) { return c >= '0' && c <= '9'; }) >=
             10 &&
         message.find(input) != std::string::npos;
}

template <typename Info, typename Check, typename Parse>
void check_agreement(std::string_view text, Date as_of, Check check_fn, Parse parse_fn,
                     bool /*is_nik*/) {
  const NikCheck check = check_fn(text, as_of);
  FUZZ_CHECK((check.reason == NikReason::kValid) == (check.value != 0));
  try {
    const Info info = parse_fn(text, as_of);
    FUZZ_CHECK(check.reason == NikReason::kValid);
    FUZZ_CHECK(info.value == check.value);
    FUZZ_CHECK(info.repaired == check.repaired);
    const std::string digits = info.digits();
    FUZZ_CHECK(digits.size() == 16);
    FUZZ_CHECK(digits.substr(0, 6) == info.district);
    FUZZ_CHECK(info.serial >= 1 && info.serial <= 9999);
    // The clean 16 digits parse to the same number, unrepaired.
    const NikCheck again = check_fn(digits, as_of);
    FUZZ_CHECK(again.reason == NikReason::kValid && again.value == info.value && !again.repaired);
    const std::string masked = mask_nik(digits);
    FUZZ_CHECK(masked.size() == 16 && masked.substr(4, 8) == "********");
    FUZZ_CHECK(masked.substr(0, 4) == digits.substr(0, 4));
    if constexpr (std::is_same_v<Info, NikInfo>) {
      // The century rule never puts a birth after the reference date.
      FUZZ_CHECK(info.birth_date <= as_of);
      const int encoded_day = (digits[6] - '0') * 10 + (digits[7] - '0');
      FUZZ_CHECK((info.sex == Sex::kFemale) == (encoded_day > 40));
      FUZZ_CHECK(is_valid_nik(digits, as_of));
    } else {
      FUZZ_CHECK(info.issue_date <= as_of);
      FUZZ_CHECK(is_valid_kk(digits, as_of));
    }
  } catch (const NikError& e) {
    FUZZ_CHECK(check.reason != NikReason::kValid);
    FUZZ_CHECK(e.reason() == check.reason);
    FUZZ_CHECK(e.code() == ErrorCode::kInvalidArgument);
    FUZZ_CHECK(!leaks(e.what(), text));
    const std::string name = nik_reason_name(e.reason());
    FUZZ_CHECK(std::string(e.what()).find(name) != std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const Date as_of = as_of_from(data);
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  check_agreement<NikInfo>(
      text, as_of, [](std::string_view s, Date d) { return check_nik(s, d); },
      [](std::string_view s, Date d) { return parse_nik(s, d); }, true);
  check_agreement<KkInfo>(
      text, as_of, [](std::string_view s, Date d) { return check_kk(s, d); },
      [](std::string_view s, Date d) { return parse_kk(s, d); }, false);

  // Masking never shows the middle of anything.
  const std::string masked = mask_nik(text);
  FUZZ_CHECK(masked.size() == 16);
  FUZZ_CHECK(masked.substr(4, 8) == "********");

  // Region names of the leading digits, and dates in ISO form, from the same bytes.
  for (std::size_t n : {2u, 4u, 6u}) {
    if (text.size() >= n) (void)region_name(text.substr(0, n));
  }
  try {
    const Date date = Date::parse_iso(text);
    FUZZ_CHECK(Date::parse_iso(date.to_iso()) == date);
  } catch (const Error& e) {
    FUZZ_CHECK(e.code() == ErrorCode::kParse || e.code() == ErrorCode::kInvalidArgument);
  }
  return 0;
}
