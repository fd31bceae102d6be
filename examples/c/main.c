/* Decodes a NIK with the C API. */
#include <smartkampung/smartkampung.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  skamp_nik_info info;
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  if (strcmp(skamp_version(), SKAMP_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s but library %s\n", SKAMP_VERSION_STRING, skamp_version());
    return 1;
  }
  if (skamp_nik_parse_as_of(&info, "3510014501900001", 2020, 5, 1) != SKAMP_OK) {
    fprintf(stderr, "error: %s\n", skamp_last_error());
    return 1;
  }
  printf("district %s, born %04d-%02d-%02d, sex %c\n", info.district, info.birth_year,
         info.birth_month, info.birth_day, info.sex);
  if (skamp_nik_parse(&info, "3510013002900001") != SKAMP_EINVALID) return 1;
  printf("rejected: %s (%s)\n", skamp_nik_reason_str(info.reason), skamp_last_error());
  return info.reason == SKAMP_NIK_BIRTH_DATE ? 0 : 1;
}
