// Decodes a NIK with the C++ API and catches the library's exception type.
#include <iostream>
#include <smartkampung/nik.hpp>
#include <smartkampung/version.hpp>

int main() {
  namespace sk = smartkampung;
  const sk::Date as_of = sk::Date::from_ymd(2020, 5, 1);
  const sk::NikInfo info = sk::parse_nik("3510014501900001", as_of);
  std::cout << "smartkampung " << sk::kVersionString << ": " << sk::mask_nik(info.digits()) << " "
            << info.district_name << ", " << info.regency_name << ", born "
            << info.birth_date.to_iso() << ", sex " << static_cast<char>(info.sex) << "\n";
  try {
    sk::parse_nik("3510013002900001", as_of);  // 30 February
    return 1;
  } catch (const sk::NikError& e) {
    std::cout << "rejected: " << sk::nik_reason_name(e.reason()) << "\n";
  } catch (const sk::Error&) {
    return 1;
  }
  return info.district_name == "Pesanggaran" ? 0 : 1;
}
