// The expression lexer: integers, 'strings' or "strings", identifiers, operators.
#include <cctype>
#include <limits>

#include "rules/ir.hpp"

namespace smartkampung::detail {

namespace {
bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
}  // namespace

std::vector<Token> lex(std::string_view text) {
  if (text.size() > kMaxExprLength) {
    throw ExprError{ErrorCode::kLimit, 1,
                    "expression longer than " + std::to_string(kMaxExprLength) + " characters"};
  }
  std::vector<Token> out;
  std::size_t i = 0;
  auto push = [&](Tok t, std::size_t start, std::size_t len) {
    Token tok;
    tok.tok = t;
    tok.col = static_cast<int>(start) + 1;
    tok.text = std::string(text.substr(start, len));
    out.push_back(std::move(tok));
    i = start + len;
  };
  while (i < text.size()) {
    const char c = text[i];
    const int col = static_cast<int>(i) + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      std::size_t j = i;
      std::int64_t v = 0;
      bool too_big = false;
      while (j < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[j])) != 0 || text[j] == '_')) {
        if (text[j] != '_') {
          const int d = text[j] - '0';
          if (v > (std::numeric_limits<std::int64_t>::max() - d) / 10)
            too_big = true;
          else
            v = v * 10 + d;
        }
        ++j;
      }
      if (too_big)
        throw ExprError{ErrorCode::kLimit, col, "number too large (the limit is 2^63 - 1)"};
      if (j < text.size() && (ident_char(text[j]) || text[j] == '.')) {
        throw ExprError{ErrorCode::kParse, col,
                        "malformed number (only whole numbers are allowed)"};
      }
      Token tok;
      tok.tok = Tok::kInt;
      tok.col = col;
      tok.value = v;
      tok.text = std::string(text.substr(i, j - i));
      out.push_back(std::move(tok));
      i = j;
      continue;
    }
    if (c == '\'' || c == '"') {
      std::string value;
      std::size_t j = i + 1;
      bool closed = false;
      while (j < text.size()) {
        if (text[j] == '\\' && j + 1 < text.size()) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        if (text[j] == c) {
          closed = true;
          break;
        }
        value += text[j++];
      }
      if (!closed) throw ExprError{ErrorCode::kParse, col, "unterminated string"};
      Token tok;
      tok.tok = Tok::kStr;
      tok.col = col;
      tok.text = std::move(value);
      out.push_back(std::move(tok));
      i = j + 1;
      continue;
    }
    if (ident_start(c)) {
      std::size_t j = i;
      while (j < text.size() && ident_char(text[j])) ++j;
      push(Tok::kIdent, i, j - i);
      continue;
    }
    const char n = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (c) {
      case '(':
        push(Tok::kLParen, i, 1);
        break;
      case ')':
        push(Tok::kRParen, i, 1);
        break;
      case '[':
        push(Tok::kLBracket, i, 1);
        break;
      case ']':
        push(Tok::kRBracket, i, 1);
        break;
      case ',':
        push(Tok::kComma, i, 1);
        break;
      case '.':
        push(Tok::kDot, i, 1);
        break;
      case '?':
        push(Tok::kQuestion, i, 1);
        break;
      case ':':
        push(Tok::kColon, i, 1);
        break;
      case '+':
        push(Tok::kPlus, i, 1);
        break;
      case '*':
        push(Tok::kStar, i, 1);
        break;
      case '/':
        push(Tok::kSlash, i, 1);
        break;
      case '%':
        push(Tok::kPercent, i, 1);
        break;
      case '-':
        n == '>' ? push(Tok::kArrow, i, 2) : push(Tok::kMinus, i, 1);
        break;
      case '!':
        n == '=' ? push(Tok::kNe, i, 2) : push(Tok::kNot, i, 1);
        break;
      case '=':
        if (n != '=')
          throw ExprError{ErrorCode::kParse, col, "'=' is not an operator: use '==' to compare"};
        push(Tok::kEq, i, 2);
        break;
      case '<':
        n == '=' ? push(Tok::kLe, i, 2) : push(Tok::kLt, i, 1);
        break;
      case '>':
        n == '=' ? push(Tok::kGe, i, 2) : push(Tok::kGt, i, 1);
        break;
      case '&':
        n == '&' ? push(Tok::kAnd, i, 2) : push(Tok::kAmp, i, 1);
        break;
      case '|':
        n == '|' ? push(Tok::kOr, i, 2) : push(Tok::kPipe, i, 1);
        break;
      default: {
        std::string shown =
            (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                ? "a non-ASCII or control character"
                : std::string("'") + c + "'";
        throw ExprError{ErrorCode::kParse, col, "unexpected " + shown};
      }
    }
  }
  Token end;
  end.tok = Tok::kEnd;
  end.col = static_cast<int>(text.size()) + 1;
  out.push_back(end);
  return out;
}

}  // namespace smartkampung::detail
