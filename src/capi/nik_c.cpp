#include <smartkampung/c/nik.h>

#include <cstddef>
#include <smartkampung/nik.hpp>
#include <type_traits>

#include "capi/guard.hpp"

using namespace smartkampung;
using smartkampung::capi::check_text;
using smartkampung::capi::copy_field;
using smartkampung::capi::guard;
using smartkampung::capi::require;
using smartkampung::capi::require_text;

namespace {

// Reference date from year/month/day, where year 0 means today (Asia/Jakarta).
Date reference_date(int year, int month, int day) {
  if (year == 0) return today();
  return Date::from_ymd(year, month, day);
}

void require_sized(const skamp_nik_info* out) {
  require(out, "out");
  if (out->size < offsetof(skamp_nik_info, reason) + sizeof(out->reason)) {
    throw Error(ErrorCode::kInvalidArgument,
                "out->size is too small: set it to sizeof(skamp_nik_info)");
  }
}

template <typename Info>
void fill(skamp_nik_info* out, const Info& info, Date date, char sex) {
  copy_field(out->province, info.province);
  copy_field(out->regency, info.regency);
  copy_field(out->district, info.district);
  out->birth_year = date.year();
  out->birth_month = date.month();
  out->birth_day = date.day();
  out->sex = sex;
  out->serial = info.serial;
  out->reason = SKAMP_NIK_VALID;
  if (SKAMP_HAS_FIELD(out, repaired)) out->repaired = info.repaired ? 1 : 0;
}

void reset(skamp_nik_info* out) {
  const std::size_t size = out->size;
  const std::size_t n = size < sizeof(skamp_nik_info) ? size : sizeof(skamp_nik_info);
  std::memset(reinterpret_cast<char*>(out) + sizeof(size_t), 0, n - sizeof(size_t));
}

skamp_status parse_into(skamp_nik_info* out, const char* text, Date as_of, bool is_kk) {
  require_sized(out);
  reset(out);
  try {
    require_text(text, is_kk ? "kk" : "nik");
  } catch (const Error&) {
    // Refused as text (not UTF-8), but still given the reason the batch check gives it
    // (such bytes are never 16 digits), so that both calls agree on every string.
    if (text != nullptr) {
      out->reason =
          static_cast<int>((is_kk ? check_kk(text, as_of) : check_nik(text, as_of)).reason);
    }
    throw;
  }
  try {
    if (is_kk) {
      const KkInfo info = parse_kk(text, as_of);
      fill(out, info, info.issue_date, 0);
    } else {
      const NikInfo info = parse_nik(text, as_of);
      fill(out, info, info.birth_date, static_cast<char>(info.sex));
    }
  } catch (const NikError& e) {
    out->reason = static_cast<int>(e.reason());
    throw;
  }
  return SKAMP_OK;
}

}  // namespace

extern "C" {

int skamp_nik_is_valid(const char* nik) { return nik != nullptr && is_valid_nik(nik) ? 1 : 0; }

int skamp_nik_kk_is_valid(const char* kk) { return kk != nullptr && is_valid_kk(kk) ? 1 : 0; }

skamp_status skamp_nik_parse(skamp_nik_info* out, const char* nik) {
  return guard([&] { return parse_into(out, nik, today(), false); });
}

skamp_status skamp_nik_parse_as_of(skamp_nik_info* out, const char* nik, int year, int month,
                                   int day) {
  return guard([&] { return parse_into(out, nik, reference_date(year, month, day), false); });
}

skamp_status skamp_nik_kk_parse(skamp_nik_info* out, const char* kk) {
  return guard([&] { return parse_into(out, kk, today(), true); });
}

skamp_status skamp_nik_validate_batch(int8_t* reasons, const char* const* niks, size_t count,
                                      int year, int month, int day) {
  return guard([&] {
    if (count == 0) return SKAMP_OK;
    smartkampung::capi::check_count(count, sizeof(const char*), "count");
    require(reasons, "reasons");
    require(niks, "niks");
    const Date as_of = reference_date(year, month, day);
    for (size_t i = 0; i < count; ++i) {
      reasons[i] = niks[i] == nullptr ? static_cast<int8_t>(NikReason::kLength)
                                      : static_cast<int8_t>(check_nik(niks[i], as_of).reason);
    }
    return SKAMP_OK;
  });
}

const char* skamp_nik_reason_str(int reason) {
  if (reason < 0 || reason > static_cast<int>(NikReason::kScientificNotation)) return "unknown";
  return nik_reason_name(static_cast<NikReason>(reason));
}

skamp_status skamp_nik_mask(char* out, size_t out_size, const char* nik) {
  return guard([&] {
    require(out, "out");
    require_text(nik, "nik");
    if (out_size < 17) throw Error(ErrorCode::kInvalidArgument, "out_size must be at least 17");
    const std::string masked = mask_nik(nik);
    std::memcpy(out, masked.c_str(), masked.size() + 1);
  });
}

}  // extern "C"
