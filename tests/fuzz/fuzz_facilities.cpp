// Facility CSV and JSON loading (geo). The first byte chooses CSV or JSON and whether bad
// rows are collected or fail the load. Invariants: with collection, the index holds every
// row not rejected (so size + rejected never exceeds the rows given), each rejected row
// has a line and a reason; without it, either everything loads or nothing does; every
// loaded facility is found again by a radius query around itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <smartkampung/error.hpp>
#include <smartkampung/geo.hpp>
#include <string>
#include <vector>

#include "fuzz_bytes.hpp"
#include "fuzz_check.hpp"

namespace sk = smartkampung::geo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  skamp_fuzz::Bytes bytes(data, size);
  const std::uint8_t choice = bytes.byte();
  const bool json = (choice & 1) != 0;
  const bool collect = (choice & 2) != 0;
  const std::string text = bytes.rest();
  std::vector<sk::RejectedRow> rejected;
  try {
    const sk::FacilityIndex index =
        json ? sk::FacilityIndex::from_json_text(text, collect ? &rejected : nullptr)
             : sk::FacilityIndex::from_csv_text(text, collect ? &rejected : nullptr);
    const std::size_t lines =
        static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (!json) FUZZ_CHECK(index.size() + rejected.size() <= lines);
    for (const auto& row : rejected) {
      FUZZ_CHECK(row.line >= 1);
      FUZZ_CHECK(!row.reason.empty());
    }
    if (!collect) FUZZ_CHECK(rejected.empty());
    sk::Filter all;
    all.include_closed = true;
    std::size_t checked = 0;
    for (const sk::Facility& f : index.facilities()) {
      if (++checked > 16) break;
      FUZZ_CHECK(f.capacity >= 0 && f.occupied >= 0 && f.occupied <= f.capacity);
      const auto near = index.within(f.lat, f.lon, 1.0, all);
      FUZZ_CHECK(std::any_of(near.begin(), near.end(),
                             [&](const sk::Neighbor& n) { return n.id == f.id; }));
    }
  } catch (const smartkampung::Error& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
  }
  return 0;
}
