// The rule sets shipped inside the library (data/rules/*.json, embedded at build time).
#include <cstddef>
#include <smartkampung/rules.hpp>

namespace smartkampung::detail {
extern const char skamp_rules_blt_dana_desa[];
extern const std::size_t skamp_rules_blt_dana_desa_size;
extern const char skamp_rules_bst[];
extern const std::size_t skamp_rules_bst_size;
extern const char skamp_rules_jatim_bkk[];
extern const std::size_t skamp_rules_jatim_bkk_size;
extern const char skamp_rules_sembako_banyuwangi[];
extern const std::size_t skamp_rules_sembako_banyuwangi_size;
extern const char skamp_rules_bps_14[];
extern const std::size_t skamp_rules_bps_14_size;
}  // namespace smartkampung::detail

namespace smartkampung {

namespace {
struct Builtin {
  const char* name;
  const char* text;
  const std::size_t* size;
};

const Builtin kBuiltins[] = {
    {"blt-dana-desa", detail::skamp_rules_blt_dana_desa, &detail::skamp_rules_blt_dana_desa_size},
    {"bst", detail::skamp_rules_bst, &detail::skamp_rules_bst_size},
    {"jatim-bkk", detail::skamp_rules_jatim_bkk, &detail::skamp_rules_jatim_bkk_size},
    {"sembako-banyuwangi", detail::skamp_rules_sembako_banyuwangi,
     &detail::skamp_rules_sembako_banyuwangi_size},
    {"bps-14", detail::skamp_rules_bps_14, &detail::skamp_rules_bps_14_size},
};
}  // namespace

std::vector<std::string> RuleSet::builtin_names() {
  std::vector<std::string> out;
  for (const Builtin& b : kBuiltins) out.emplace_back(b.name);
  return out;
}

std::string RuleSet::builtin_json(std::string_view name) {
  for (const Builtin& b : kBuiltins) {
    if (name == b.name) return std::string(b.text, *b.size);
  }
  throw Error(ErrorCode::kNotFound, "no shipped rule set named \"" + std::string(name) + "\"");
}

RuleSet RuleSet::builtin(std::string_view name, const RuleOptions& options) {
  return from_json(builtin_json(name), options);
}

}  // namespace smartkampung
