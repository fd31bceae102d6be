/* smartkampung/c/nik.h: NIK and KK parsing. All functions are pure and thread-safe. */
#ifndef SMARTKAMPUNG_C_NIK_H
#define SMARTKAMPUNG_C_NIK_H

#include <smartkampung/c/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reasons a NIK or KK is rejected, checked in this order; values never change. */
typedef enum skamp_nik_reason {
  SKAMP_NIK_VALID = 0,
  SKAMP_NIK_LENGTH = 1,
  SKAMP_NIK_NON_DIGIT = 2,
  SKAMP_NIK_PROVINCE = 3,
  SKAMP_NIK_BIRTH_DATE = 4,
  SKAMP_NIK_SERIAL = 5,
  SKAMP_NIK_SCIENTIFIC_NOTATION = 6
} skamp_nik_reason;

/** A decoded NIK or KK. The caller sets `size` to sizeof(skamp_nik_info); the library
 *  fills only the fields that fit, so that the struct can grow. For a KK, the birth_*
 *  fields hold the issue date and `sex` is 0. */
typedef struct skamp_nik_info {
  size_t size;
  char province[3]; /**< "35" */
  char regency[5];  /**< "3510" */
  char district[7]; /**< "351001" */
  int birth_year;
  int birth_month;
  int birth_day;
  char sex; /**< 'F' or 'M' */
  int serial;
  int reason;   /**< a skamp_nik_reason; SKAMP_NIK_VALID when parsed */
  int repaired; /**< 1 when a leading apostrophe or trailing ".0" was stripped */
} skamp_nik_info;

/** 1 when `nik` is a valid NIK as of today in Asia/Jakarta, else 0 (NULL gives 0). */
SMARTKAMPUNG_EXPORT int skamp_nik_is_valid(const char* nik);

/** Parses a NIK as of today (Asia/Jakarta). On a rejected NIK returns SKAMP_EINVALID and
 *  still sets out->reason (when out is not NULL and out->size is large enough). */
SMARTKAMPUNG_EXPORT skamp_status skamp_nik_parse(skamp_nik_info* out, const char* nik);

/** As skamp_nik_parse, with the reference date for the century rule given as
 *  year/month/day (the birth year is 20YY unless that date is after it). */
SMARTKAMPUNG_EXPORT skamp_status skamp_nik_parse_as_of(skamp_nik_info* out, const char* nik,
                                                       int year, int month, int day);

/** Validates `count` NIKs; writes each one's skamp_nik_reason into out_reasons[i]. The
 *  reference date is as for skamp_nik_parse_as_of; year 0 means today. */
SMARTKAMPUNG_EXPORT skamp_status skamp_nik_validate_batch(int8_t* out_reasons,
                                                          const char* const* niks, size_t count,
                                                          int year, int month, int day);

/** 1 when `kk` is a valid KK number as of today, else 0 (NULL gives 0). */
SMARTKAMPUNG_EXPORT int skamp_nik_kk_is_valid(const char* kk);

/** Parses a KK number (issue date in birth_*), as skamp_nik_parse. */
SMARTKAMPUNG_EXPORT skamp_status skamp_nik_kk_parse(skamp_nik_info* out, const char* kk);

/** Name of a reason ("length", "birth_date", ...); static text, never NULL. */
SMARTKAMPUNG_EXPORT const char* skamp_nik_reason_str(int reason);

/** Writes the masked form of a 16-digit NIK ("3510********0001") into out (out_size at least 17
 *  bytes, NUL-terminated). Anything that is not 16 characters masks entirely. */
SMARTKAMPUNG_EXPORT skamp_status skamp_nik_mask(char* out, size_t out_size, const char* nik);

#ifdef __cplusplus
}
#endif

#endif
