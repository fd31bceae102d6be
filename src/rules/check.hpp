// Private: the type checker (see check.cpp).
#ifndef SMARTKAMPUNG_SRC_RULES_CHECK_HPP
#define SMARTKAMPUNG_SRC_RULES_CHECK_HPP

#include "rules/ir.hpp"

namespace smartkampung::detail {

std::string type_name(const RuleSetImpl& rs, Type t);
/// Index of a programme code, added to the rule set's table when new.
int intern_program(RuleSetImpl& rs, std::string_view code, int col);

/// Checks one expression tree and appends its typed nodes to rs.nodes; throws ExprError.
class Checker {
 public:
  Checker(RuleSetImpl& rs, int expr_index);
  int check_root(const AstTree& tree);
  /// Top-level fields the expression reads (for explain mode).
  const std::vector<int>& reads() const { return reads_; }

 private:
  struct Scope {
    std::string var;
    int elem_type;
  };
  int emit(Node n, int col);
  int constant(Type t, std::int64_t k, int col);
  Type type_of(int node) const;
  [[noreturn]] void fail(int col, const std::string& msg) const;
  void require_type(int node, Kind k, int col, const char* what) const;
  bool is_literal(int idx) const;
  void note_read(int field);
  int check(int idx, int depth);
  int check_as(int idx, Type want, int depth);
  int date_literal(const std::string& text, int col);
  int path(const Ast& a);
  int binary(const Ast& a, int depth);
  int in_list(const Ast& a, int l, const Ast& list);
  int call(const Ast& a, int depth);

  RuleSetImpl& rs_;
  std::int16_t expr_;
  const AstTree* tree_ = nullptr;
  std::vector<Scope> scopes_;
  std::vector<int> reads_;
};

}  // namespace smartkampung::detail

#endif
