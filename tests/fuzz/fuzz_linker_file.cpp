// The Linker's saved file (Linker::from_bytes). The first byte chooses: even, the rest is
// a file as found; odd, the rest is a file's content after the magic and version, sealed
// here with a valid checksum so that the fuzzer reaches the parsing behind it.
// Invariants: every failure is Error(kCorrupt); a file that loads saves to bytes that
// load and save to themselves, holds one cluster id per index, and the loaded linker
// takes look-ups, an add and the removal of what it added.
#include <cstddef>
#include <cstdint>
#include <smartkampung/error.hpp>
#include <smartkampung/linkage.hpp>
#include <string>

#include "core/sha256.hpp"
#include "fuzz_check.hpp"

namespace sk = smartkampung;

namespace {

std::string sealed(const std::string& content) {
  std::string file = std::string("SKAMPLNK") + std::string("\x01\x00\x00\x00", 4) + content;
  const auto digest = sk::detail::sha256(file);
  file.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool seal = (data[0] & 1) != 0;
  // The bytes as they are (Bytes::rest() would turn the format's NULs into spaces).
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string file = seal ? sealed(rest) : rest;
  try {
    sk::Linker lk = sk::Linker::from_bytes(file);
    const std::string saved = lk.to_bytes();
    sk::Linker back = sk::Linker::from_bytes(saved);
    FUZZ_CHECK(back.to_bytes() == saved);
    FUZZ_CHECK(lk.cluster_ids().size() == lk.size());
    FUZZ_CHECK(back.cluster_ids() == lk.cluster_ids());
    sk::LinkRecord probe;
    probe.set("nik", "3510014501900001");
    probe.set("name", "Moch. Sholeh");
    probe.set("birth_date", "1990-01-05");
    try {
      const auto best = lk.candidates(probe, 3);
      FUZZ_CHECK(best.size() <= 3);
      const sk::Linker::Added added = lk.add(probe);
      FUZZ_CHECK(added.index + 1 == lk.size());
      lk.remove(added.index);
      FUZZ_CHECK(lk.cluster_ids().back() == -1);
    } catch (const sk::Error& e) {
      // Only an untrained linker refuses look-ups.
      FUZZ_CHECK(e.code() == sk::ErrorCode::kState);
    }
  } catch (const sk::Error& e) {
    FUZZ_CHECK(e.code() == sk::ErrorCode::kCorrupt);
  }
  return 0;
}
