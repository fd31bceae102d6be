// smartkampung/sample.hpp: a synthetic population of Banyuwangi and its programme lists,
// for demos, tests and benchmarks (no real person's data).
#ifndef SMARTKAMPUNG_SAMPLE_HPP
#define SMARTKAMPUNG_SAMPLE_HPP

#include <cstdint>
#include <smartkampung/registry.hpp>
#include <string>
#include <utility>
#include <vector>

namespace smartkampung {

/// A synthetic population of Banyuwangi (no real person's data) and the programme lists
/// built from it, with the damage real lists have. Deterministic for a seed.
struct SamplePopulation {
  // Persons (the ground truth), one entry each.
  std::vector<std::uint64_t> nik, kk;
  std::vector<std::string> name;
  std::vector<std::int32_t> birth;     ///< days since 1970-01-01
  std::vector<char> sex;               ///< 'F' / 'M'
  std::vector<std::uint8_t> district;  ///< 1..25 (351001..351025)
  std::vector<std::string> village;
  std::vector<std::uint16_t> rt, rw;
  std::vector<std::uint8_t> relation;  ///< 0 head, 1 spouse, 2 child
  // Records: one per listing in a programme, as a district office would have it (text).
  struct Records {
    std::vector<std::string> program, level, nik, kk, name, birth_date, sex, address, village,
        district, rt, rw;
    std::vector<std::int64_t> person;  ///< index of the true person
    /// What was done to the record: "" clean, or "duplicate", "name_variant", "conflict",
    /// "apostrophe", "dot_zero", "scientific", "missing_nik", "mistyped_nik".
    std::vector<std::string> damage;
  } records;
};

/// Programme codes the sample uses, with their level, in a fixed order.
SMARTKAMPUNG_EXPORT const std::vector<std::pair<std::string, ProgramLevel>>& sample_programs();

/// Builds a sample of about n_persons persons in households of Banyuwangi's 25 districts.
SMARTKAMPUNG_EXPORT SamplePopulation sample_banyuwangi(std::size_t n_persons, std::uint64_t seed);

/// Writes one CSV file per programme (<folder>/<PROGRAM>.csv) in the styles district offices
/// use (some ';' with CRLF, some ','), each atomically; returns the paths.
SMARTKAMPUNG_EXPORT std::vector<std::string> write_sample_csv(const SamplePopulation& sample,
                                                              const std::string& folder);

}  // namespace smartkampung

#endif
