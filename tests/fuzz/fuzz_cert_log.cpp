// The certificate log loader (CertificateRegistry::from_jsonl: hash chain, trailer,
// replay of every event) and the policy parser. The first byte chooses: even, the rest is
// a saved log; odd, a policy. Invariants: a log that loads saves to a text that loads to
// the same text (and the same histories); a policy that parses has a canonical JSON
// that parses to itself; failures are smartkampung::Error with a position for a corrupt log.
#include <cstddef>
#include <cstdint>
#include <smartkampung/cert.hpp>
#include <smartkampung/error.hpp>
#include <string>

#include "fuzz_bytes.hpp"
#include "fuzz_check.hpp"

namespace sk = smartkampung;
namespace cert = smartkampung::cert;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  skamp_fuzz::Bytes bytes(data, size);
  const bool policy = (bytes.byte() & 1) != 0;
  const std::string text = bytes.rest();
  if (policy) {
    try {
      const cert::Policy p = cert::Policy::from_json(text);
      const std::string canonical = p.to_json();
      FUZZ_CHECK(cert::Policy::from_json(canonical).to_json() == canonical);
    } catch (const sk::Error& e) {
      FUZZ_CHECK(e.what()[0] != '\0');
    }
    return 0;
  }
  try {
    const cert::CertificateRegistry reg = cert::CertificateRegistry::from_jsonl(text);
    const std::string saved = reg.to_jsonl();
    const cert::CertificateRegistry back = cert::CertificateRegistry::from_jsonl(saved);
    FUZZ_CHECK(back.to_jsonl() == saved);
    FUZZ_CHECK(back.size() == reg.size());
    for (const std::int64_t id : reg.ids())
      FUZZ_CHECK(back.history(id).size() == reg.history(id).size());
  } catch (const cert::CertificateError& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
    FUZZ_CHECK(e.position() >= -1);
  } catch (const sk::Error& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
  }
  return 0;
}
