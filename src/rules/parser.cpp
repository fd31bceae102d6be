// Recursive-descent parser of the expression language (grammar in docs/rules.md).
#include <algorithm>

#include "rules/ir.hpp"

namespace smartkampung::detail {

namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  AstTree run() {
    tree_.root = cond();
    if (peek().tok != Tok::kEnd)
      fail(peek().col, "unexpected '" + peek().text + "' after the end of the expression");
    return std::move(tree_);
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxExprDepth) {
        throw ExprError{
            ErrorCode::kLimit, p_.peek().col,
            "expression nested deeper than " + std::to_string(kMaxExprDepth) + " levels"};
      }
    }
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& p_;
  };

  [[noreturn]] static void fail(int col, const std::string& msg) {
    throw ExprError{ErrorCode::kParse, col, msg};
  }
  const Token& peek(std::size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  const Token& next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool accept(Tok t) {
    if (peek().tok != t) return false;
    ++pos_;
    return true;
  }
  void expect(Tok t, const char* what) {
    if (!accept(t)) {
      const Token& got = peek();
      fail(got.col, std::string("expected ") + what +
                        (got.tok == Tok::kEnd ? " before the end" : ", found '" + got.text + "'"));
    }
  }
  int add(Ast a) {
    tree_.nodes.push_back(std::move(a));
    return static_cast<int>(tree_.nodes.size()) - 1;
  }
  int binary(Tok op, int col, int l, int r) {
    Ast a;
    a.kind = AstKind::kBinary;
    a.op = op;
    a.col = col;
    a.kids = {l, r};
    return add(std::move(a));
  }

  int cond() {
    DepthGuard g(*this);
    const int c = lor();
    if (peek().tok == Tok::kQuestion) {
      const int col = next().col;
      const int t = cond();
      expect(Tok::kColon, "':' of '?:'");
      const int e = cond();
      Ast a;
      a.kind = AstKind::kCond;
      a.col = col;
      a.kids = {c, t, e};
      return add(std::move(a));
    }
    return c;
  }
  template <typename Sub>
  int left_assoc(Sub sub, std::initializer_list<Tok> ops) {
    int l = (this->*sub)();
    for (;;) {
      const Tok t = peek().tok;
      bool match = false;
      for (Tok o : ops) match = match || o == t;
      if (!match) return l;
      const int col = next().col;
      const int r = (this->*sub)();
      l = binary(t, col, l, r);
    }
  }
  int lor() { return left_assoc(&Parser::land, {Tok::kOr}); }
  int land() { return left_assoc(&Parser::equality, {Tok::kAnd}); }
  int equality() { return left_assoc(&Parser::relation, {Tok::kEq, Tok::kNe}); }
  int relation() {
    int l = set_union();
    for (;;) {
      const Token& t = peek();
      const bool is_in = t.tok == Tok::kIdent && t.text == "in";
      if (!is_in && t.tok != Tok::kLt && t.tok != Tok::kLe && t.tok != Tok::kGt &&
          t.tok != Tok::kGe)
        return l;
      const Tok op = is_in ? Tok::kEnd : t.tok;  // kEnd marks 'in'
      const int col = next().col;
      const int r = set_union();
      l = binary(op, col, l, r);
    }
  }
  int set_union() { return left_assoc(&Parser::set_inter, {Tok::kPipe}); }
  int set_inter() { return left_assoc(&Parser::additive, {Tok::kAmp}); }
  int additive() { return left_assoc(&Parser::multiplicative, {Tok::kPlus, Tok::kMinus}); }
  int multiplicative() {
    return left_assoc(&Parser::unary, {Tok::kStar, Tok::kSlash, Tok::kPercent});
  }
  int unary() {
    DepthGuard g(*this);
    const Token& t = peek();
    if (t.tok == Tok::kNot || t.tok == Tok::kMinus) {
      const Tok op = t.tok;
      const int col = next().col;
      const int operand = unary();
      Ast a;
      a.kind = AstKind::kUnary;
      a.op = op;
      a.col = col;
      a.kids = {operand};
      return add(std::move(a));
    }
    return primary();
  }
  int primary() {
    const Token t = next();
    Ast a;
    a.col = t.col;
    switch (t.tok) {
      case Tok::kInt:
        a.kind = AstKind::kInt;
        a.value = t.value;
        return add(std::move(a));
      case Tok::kStr:
        a.kind = AstKind::kStr;
        a.text = t.text;
        return add(std::move(a));
      case Tok::kLParen: {
        const int inner = cond();
        expect(Tok::kRParen, "')'");
        return inner;
      }
      case Tok::kLBracket: {
        a.kind = AstKind::kList;
        if (!accept(Tok::kRBracket)) {
          do {
            a.kids.push_back(cond());
          } while (accept(Tok::kComma));
          expect(Tok::kRBracket, "']' or ','");
        }
        return add(std::move(a));
      }
      case Tok::kIdent: {
        if (t.text == "true" || t.text == "false") {
          a.kind = AstKind::kBool;
          a.value = t.text == "true" ? 1 : 0;
          return add(std::move(a));
        }
        if (t.text == "in") fail(t.col, "'in' needs a value on its left");
        if (peek().tok == Tok::kLParen) {
          next();
          a.kind = AstKind::kCall;
          a.text = t.text;
          if (!accept(Tok::kRParen)) {
            do {
              a.kids.push_back(argument());
            } while (accept(Tok::kComma));
            expect(Tok::kRParen, "')' or ','");
          }
          return add(std::move(a));
        }
        a.kind = AstKind::kPath;
        a.text = t.text;
        while (peek().tok == Tok::kDot) {
          next();
          const Token& part = next();
          if (part.tok != Tok::kIdent) fail(part.col, "expected a field name after '.'");
          a.text += "." + part.text;
        }
        return add(std::move(a));
      }
      case Tok::kEnd:
        fail(t.col, "unexpected end of the expression");
      default:
        fail(t.col, "unexpected '" + t.text + "'");
    }
  }
  int argument() {
    if (peek().tok == Tok::kIdent && peek(1).tok == Tok::kArrow) {
      Ast a;
      a.kind = AstKind::kLambda;
      a.col = peek().col;
      a.text = next().text;
      next();
      a.kids = {cond()};
      return add(std::move(a));
    }
    return cond();
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  AstTree tree_;
};

}  // namespace

AstTree parse_expr(std::string_view text) { return Parser(lex(text)).run(); }

}  // namespace smartkampung::detail
