// smartkampung/conflicts.hpp: programmes that may not be held together.
//
// In 2020 Banyuwangi refused BST to PKH households (scope kk: no member of the
// household may hold BST while any member holds PKH) and refused a son BST because
// his father in the same KK already had it. The same table serves the registry's
// exclusion report and the rule language's conflicts_with(). JSON form:
//   {"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk"}]}
// A ConflictTable is immutable after construction: safe to read from many threads.
#ifndef SMARTKAMPUNG_CONFLICTS_HPP
#define SMARTKAMPUNG_CONFLICTS_HPP

#include <smartkampung/export.h>

#include <string>
#include <string_view>
#include <vector>

namespace smartkampung {

/// `person`: one person may not hold both; `kk`: one household may not hold both
/// (across its members), which implies the person scope too.
enum class ConflictScope : int { kPerson = 0, kKk = 1 };

/// "person" or "kk".
SMARTKAMPUNG_EXPORT const char* conflict_scope_name(ConflictScope scope) noexcept;
/// "person" or "kk"; throws Error(kInvalidArgument) otherwise.
SMARTKAMPUNG_EXPORT ConflictScope parse_conflict_scope(std::string_view text);

struct ProgramConflict {
  std::string a;
  std::string b;
  ConflictScope scope = ConflictScope::kKk;
};

class SMARTKAMPUNG_EXPORT ConflictTable {
 public:
  ConflictTable() = default;
  /// Validates (non-empty programme codes, a != b) and normalises: each pair stored
  /// once with a < b; a pair given twice keeps the wider scope (kk).
  explicit ConflictTable(std::vector<ProgramConflict> conflicts);
  /// Parses the JSON form; throws Error(kParse) naming the JSON location.
  static ConflictTable from_json(std::string_view json);
  /// Canonical JSON (pairs sorted, keys in fixed order).
  std::string to_json() const;

  const std::vector<ProgramConflict>& conflicts() const noexcept { return conflicts_; }
  bool empty() const noexcept { return conflicts_.empty(); }

  /// True when holding `a` and `b` together is refused at `scope`: for kPerson any
  /// conflict of the pair, for kKk only household-scope ones.
  bool conflicts(std::string_view a, std::string_view b, ConflictScope scope) const noexcept;
  /// The programmes of `held` that conflict with `program` at `scope` (sorted, unique).
  std::vector<std::string> conflicting(const std::vector<std::string>& held,
                                       std::string_view program, ConflictScope scope) const;

 private:
  std::vector<ProgramConflict> conflicts_;  // sorted by (a, b), a < b
};

}  // namespace smartkampung

#endif
