// The type checker: untyped AST -> typed nodes appended to the rule set's generic
// program. Every field path is resolved against the declared inputs here.
#include "rules/check.hpp"

#include <algorithm>

namespace smartkampung::detail {

namespace {
const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kMoney:
      return "money";
    case Kind::kDate:
      return "date";
    case Kind::kString:
      return "string";
    case Kind::kEnum:
      return "enum";
    case Kind::kSet:
      return "set<program>";
    case Kind::kList:
      return "list";
    case Kind::kBoolList:
      return "list of bool";
    case Kind::kStrList:
      return "list of strings";
  }
  return "?";
}
bool numeric(Kind k) { return k == Kind::kInt || k == Kind::kMoney; }
}  // namespace

std::string type_name(const RuleSetImpl& rs, Type t) {
  if (t.kind == Kind::kEnum && t.aux >= 0) {
    std::string s = "enum<";
    const auto& vals = rs.schema.enums[static_cast<std::size_t>(t.aux)];
    for (std::size_t i = 0; i < vals.size(); ++i) s += (i ? "," : "") + vals[i];
    return s + ">";
  }
  if (t.kind == Kind::kList && t.aux >= 0) {
    return "list<" + rs.schema.elem_types[static_cast<std::size_t>(t.aux)].name + ">";
  }
  return kind_name(t.kind);
}

int intern_program(RuleSetImpl& rs, std::string_view code, int col) {
  const int i = rs.program_index(code);
  if (i >= 0) return i;
  if (rs.programs.size() >= kMaxPrograms) {
    throw ExprError{ErrorCode::kLimit, col,
                    "more than " + std::to_string(kMaxPrograms) + " programme codes"};
  }
  rs.programs.emplace_back(code);
  return static_cast<int>(rs.programs.size()) - 1;
}

Checker::Checker(RuleSetImpl& rs, int expr_index)
    : rs_(rs), expr_(static_cast<std::int16_t>(expr_index)) {}

int Checker::emit(Node n, int col) {
  n.col = col;
  n.expr = expr_;
  rs_.nodes.push_back(n);
  return static_cast<int>(rs_.nodes.size()) - 1;
}

int Checker::constant(Type t, std::int64_t k, int col) {
  Node n;
  n.op = Op::kConst;
  n.type = t;
  n.k = k;
  return emit(n, col);
}

Type Checker::type_of(int node) const { return rs_.nodes[static_cast<std::size_t>(node)].type; }

void Checker::fail(int col, const std::string& msg) const {
  throw ExprError{ErrorCode::kParse, col, msg};
}

int Checker::check_root(const AstTree& tree) {
  tree_ = &tree;
  return check(tree.root, 0);
}

void Checker::note_read(int field) {
  if (std::find(reads_.begin(), reads_.end(), field) == reads_.end()) reads_.push_back(field);
}

// Resolves a dotted path: as_of, params.x, a lambda variable's field, or an input.
int Checker::path(const Ast& a) {
  const std::string& p = a.text;
  const std::size_t dot = p.find('.');
  const std::string first = p.substr(0, dot);
  if (p == "as_of") {
    Node n;
    n.op = Op::kAsOf;
    n.type = Type{Kind::kDate, -1};
    return emit(n, a.col);
  }
  if (first == "params") {
    const std::string name = dot == std::string::npos ? "" : p.substr(dot + 1);
    for (std::size_t i = 0; i < rs_.params.size(); ++i) {
      if (rs_.params[i].name == name) {
        Node n;
        n.op = Op::kParam;
        n.type = rs_.params[i].type;
        n.a = static_cast<std::int32_t>(i);
        return emit(n, a.col);
      }
    }
    fail(a.col, "unknown parameter '" + p + "' (not declared in params)");
  }
  for (std::size_t s = scopes_.size(); s-- > 0;) {
    if (scopes_[s].var != first) continue;
    if (dot == std::string::npos) {
      fail(a.col, "'" + first + "' is a list element: use one of its fields, e.g. " + first + ".x");
    }
    const ElemType& et = rs_.schema.elem_types[static_cast<std::size_t>(scopes_[s].elem_type)];
    const std::string full = et.name + p.substr(dot);
    const int f = rs_.schema.find(full);
    if (f < 0) fail(a.col, "unknown field '" + full + "' (not declared in inputs)");
    Node n;
    n.op = Op::kElemField;
    n.type = rs_.schema.fields[static_cast<std::size_t>(f)].type;
    n.a = f;
    n.b = static_cast<std::int32_t>(s);
    return emit(n, a.col);
  }
  const int f = rs_.schema.find(p);
  if (f < 0) fail(a.col, "unknown field '" + p + "' (not declared in inputs)");
  const FieldDef& fd = rs_.schema.fields[static_cast<std::size_t>(f)];
  if (fd.elem_type >= 0) {
    fail(a.col,
         "'" + p +
             "' is a field of a list element: read it inside count/any/all/sum(list, m -> m." +
             p.substr(p.find('.') + 1) + ")");
  }
  note_read(f);
  Node n;
  n.op = Op::kField;
  n.type = fd.type;
  n.a = f;
  return emit(n, a.col);
}

// Checks `idx` where a value of type `want` is expected, turning literals into it:
// 'desa' into an enum value, ['PKH','BST'] into a set, '2020-04-01' into a date.
int Checker::check_as(int idx, Type want, int depth) {
  const Ast& a = tree_->nodes[static_cast<std::size_t>(idx)];
  if (want.kind == Kind::kEnum && a.kind == AstKind::kStr) {
    const auto& vals = rs_.schema.enums[static_cast<std::size_t>(want.aux)];
    auto it = std::find(vals.begin(), vals.end(), a.text);
    if (it == vals.end()) fail(a.col, "'" + a.text + "' is not a value of " + type_name(rs_, want));
    return constant(want, it - vals.begin(), a.col);
  }
  if (want.kind == Kind::kSet && a.kind == AstKind::kList) {
    std::uint64_t mask = 0;
    for (int k : a.kids) {
      const Ast& e = tree_->nodes[static_cast<std::size_t>(k)];
      if (e.kind != AstKind::kStr) fail(e.col, "a programme set literal holds only 'CODES'");
      mask |= std::uint64_t{1} << intern_program(rs_, e.text, e.col);
    }
    return constant(Type{Kind::kSet, -1}, static_cast<std::int64_t>(mask), a.col);
  }
  if (want.kind == Kind::kDate && a.kind == AstKind::kStr) return date_literal(a.text, a.col);
  return check(idx, depth);
}

int Checker::date_literal(const std::string& text, int col) {
  try {
    return constant(Type{Kind::kDate, -1}, Date::parse_iso(text).days_since_epoch(), col);
  } catch (const Error& e) {
    fail(col, std::string("bad date: ") + e.what());
  }
}

void Checker::require_type(int node, Kind k, int col, const char* what) const {
  if (type_of(node).kind != k) {
    fail(col,
         std::string(what) + " must be " + kind_name(k) + ", not " + type_name(rs_, type_of(node)));
  }
}

bool Checker::is_literal(int idx) const {
  const AstKind k = tree_->nodes[static_cast<std::size_t>(idx)].kind;
  return k == AstKind::kStr || k == AstKind::kList;
}

int Checker::check(int idx, int depth) {
  const Ast& a = tree_->nodes[static_cast<std::size_t>(idx)];
  if (depth > kMaxExprDepth) {
    throw ExprError{ErrorCode::kLimit, a.col,
                    "expression nested deeper than " + std::to_string(kMaxExprDepth) + " levels"};
  }
  switch (a.kind) {
    case AstKind::kInt:
      return constant(Type{Kind::kInt, -1}, a.value, a.col);
    case AstKind::kBool:
      return constant(Type{Kind::kBool, -1}, a.value, a.col);
    case AstKind::kStr: {
      rs_.strings.push_back(a.text);
      Node n;
      n.op = Op::kConstStr;
      n.type = Type{Kind::kString, -1};
      n.a = static_cast<std::int32_t>(rs_.strings.size()) - 1;
      return emit(n, a.col);
    }
    case AstKind::kList:
      return check_as(idx, Type{Kind::kSet, -1}, depth);
    case AstKind::kPath:
      return path(a);
    case AstKind::kLambda:
      fail(a.col,
           "a lambda (m -> ...) is only allowed as the second argument of count/any/all/sum");
    case AstKind::kUnary: {
      const int x = check(a.kids[0], depth + 1);
      Node n;
      n.a = x;
      if (a.op == Tok::kNot) {
        require_type(x, Kind::kBool, a.col, "the operand of '!'");
        n.op = Op::kNot;
        n.type = Type{Kind::kBool, -1};
      } else {
        if (!numeric(type_of(x).kind)) {
          fail(a.col, "the operand of '-' must be int or money, not " + type_name(rs_, type_of(x)));
        }
        n.op = Op::kNeg;
        n.type = type_of(x);
      }
      return emit(n, a.col);
    }
    case AstKind::kCond: {
      const int c = check(a.kids[0], depth + 1);
      require_type(c, Kind::kBool, a.col, "the condition of '?:'");
      int t, e;
      if (is_literal(a.kids[1]) && !is_literal(a.kids[2])) {
        e = check(a.kids[2], depth + 1);
        t = check_as(a.kids[1], type_of(e), depth + 1);
      } else {
        t = check(a.kids[1], depth + 1);
        e = check_as(a.kids[2], type_of(t), depth + 1);
      }
      Type rt = type_of(t);
      if (type_of(t) != type_of(e)) {
        if (numeric(type_of(t).kind) && numeric(type_of(e).kind)) {
          rt = Type{Kind::kMoney, -1};
        } else {
          fail(a.col, "the branches of '?:' differ: " + type_name(rs_, type_of(t)) + " and " +
                          type_name(rs_, type_of(e)));
        }
      }
      Node n;
      n.op = Op::kCond;
      n.type = rt;
      n.a = c;
      n.b = t;
      n.c = e;
      return emit(n, a.col);
    }
    case AstKind::kBinary:
      return binary(a, depth);
    case AstKind::kCall:
      return call(a, depth);
  }
  fail(a.col, "unsupported expression");
}

int Checker::binary(const Ast& a, int depth) {
  const int li = a.kids[0], ri = a.kids[1];
  int l, r;
  // Check the non-literal side first so that a literal can take its type.
  if (is_literal(li) && !is_literal(ri)) {
    r = check(ri, depth + 1);
    Type want = type_of(r);
    if (a.op == Tok::kEnd) want = Type{Kind::kString, -1};  // 'CODE' in set
    l = check_as(li, want, depth + 1);
  } else {
    l = check(li, depth + 1);
    Type want = type_of(l);
    if (a.op == Tok::kEnd) {
      // x in [...]: an enum takes a list of its values; a string a list of strings.
      const Ast& rhs = tree_->nodes[static_cast<std::size_t>(ri)];
      if (rhs.kind == AstKind::kList) return in_list(a, l, rhs);
      want = Type{Kind::kSet, -1};
    }
    r = check_as(ri, want, depth + 1);
  }
  const Type lt = type_of(l), rt = type_of(r);
  Node n;
  n.a = l;
  n.b = r;
  const std::string pair = type_name(rs_, lt) + " and " + type_name(rs_, rt);
  switch (a.op) {
    case Tok::kAnd:
    case Tok::kOr:
      require_type(l, Kind::kBool, a.col,
                   a.op == Tok::kAnd ? "the left of '&&'" : "the left of '||'");
      require_type(r, Kind::kBool, a.col,
                   a.op == Tok::kAnd ? "the right of '&&'" : "the right of '||'");
      n.op = a.op == Tok::kAnd ? Op::kAnd : Op::kOr;
      n.type = Type{Kind::kBool, -1};
      return emit(n, a.col);
    case Tok::kEq:
    case Tok::kNe:
      n.op = a.op == Tok::kEq ? Op::kEq : Op::kNe;
      n.type = Type{Kind::kBool, -1};
      if (numeric(lt.kind) && numeric(rt.kind))
        n.k = 0;
      else if (lt != rt)
        fail(a.col, "type mismatch: cannot compare " + pair);
      else if (lt.kind == Kind::kString)
        n.k = 1;
      else if (lt.kind == Kind::kSet)
        n.k = 2;
      else if (lt.kind == Kind::kList)
        fail(a.col, "lists cannot be compared: compare len(...) or use any/all");
      else
        n.k = 0;
      return emit(n, a.col);
    case Tok::kLt:
    case Tok::kLe:
    case Tok::kGt:
    case Tok::kGe: {
      const bool ok = (numeric(lt.kind) && numeric(rt.kind)) ||
                      (lt.kind == Kind::kDate && rt.kind == Kind::kDate);
      if (!ok)
        fail(a.col,
             "type mismatch: cannot order " + pair + " (only int, money and date are ordered)");
      n.op = a.op == Tok::kLt   ? Op::kLt
             : a.op == Tok::kLe ? Op::kLe
             : a.op == Tok::kGt ? Op::kGt
                                : Op::kGe;
      n.type = Type{Kind::kBool, -1};
      return emit(n, a.col);
    }
    case Tok::kEnd: {  // in
      if (rt.kind != Kind::kSet) {
        fail(a.col,
             "the right of 'in' must be a programme set or a [list], not " + type_name(rs_, rt));
      }
      if (lt.kind != Kind::kString) {
        fail(a.col,
             "the left of 'in' a set must be a programme code (string), not " + type_name(rs_, lt));
      }
      const Node& ln = rs_.nodes[static_cast<std::size_t>(l)];
      if (ln.op == Op::kConstStr) {
        // 'PKH' in s: a bit test.
        const int bit = intern_program(rs_, rs_.strings[static_cast<std::size_t>(ln.a)], a.col);
        n.op = Op::kInMask;
        n.a = r;
        n.b = -1;
        n.c = 1;
        n.k = static_cast<std::int64_t>(std::uint64_t{1} << bit);
      } else {
        n.op = Op::kInSet;
      }
      n.type = Type{Kind::kBool, -1};
      return emit(n, a.col);
    }
    case Tok::kAmp:
    case Tok::kPipe:
      if (lt.kind != Kind::kSet || rt.kind != Kind::kSet) {
        fail(a.col, std::string("'") + (a.op == Tok::kAmp ? "&" : "|") +
                        "' needs two programme sets, not " + pair);
      }
      n.op = a.op == Tok::kAmp ? Op::kSetAnd : Op::kSetOr;
      n.type = lt;
      return emit(n, a.col);
    case Tok::kPlus:
    case Tok::kMinus:
      if (lt.kind == Kind::kDate && rt.kind == Kind::kInt) {
        n.type = lt;
      } else if (numeric(lt.kind) && numeric(rt.kind)) {
        n.type = (lt.kind == Kind::kMoney || rt.kind == Kind::kMoney) ? Type{Kind::kMoney, -1}
                                                                      : Type{Kind::kInt, -1};
      } else {
        fail(a.col,
             std::string("type mismatch: cannot ") + (a.op == Tok::kPlus ? "add " : "subtract ") +
                 pair +
                 (lt.kind == Kind::kDate && rt.kind == Kind::kDate ? " (use days_between)" : ""));
      }
      n.op = a.op == Tok::kPlus ? Op::kAdd : Op::kSub;
      return emit(n, a.col);
    case Tok::kStar:
      if (!numeric(lt.kind) || !numeric(rt.kind) ||
          (lt.kind == Kind::kMoney && rt.kind == Kind::kMoney)) {
        fail(a.col, "type mismatch: cannot multiply " + pair);
      }
      n.op = Op::kMul;
      n.type = (lt.kind == Kind::kMoney || rt.kind == Kind::kMoney) ? Type{Kind::kMoney, -1}
                                                                    : Type{Kind::kInt, -1};
      return emit(n, a.col);
    case Tok::kSlash:
    case Tok::kPercent:
      if (!numeric(lt.kind) || rt.kind != Kind::kInt) {
        fail(a.col, "type mismatch: cannot divide " + pair + " (the divisor must be int)");
      }
      n.op = a.op == Tok::kSlash ? Op::kDiv : Op::kMod;
      n.type = lt;
      return emit(n, a.col);
    default:
      fail(a.col, "unsupported operator");
  }
}

int Checker::in_list(const Ast& a, int l, const Ast& list) {
  const Type lt = type_of(l);
  Node n;
  n.type = Type{Kind::kBool, -1};
  n.a = l;
  if (lt.kind == Kind::kEnum) {
    std::uint64_t mask = 0;
    const auto& vals = rs_.schema.enums[static_cast<std::size_t>(lt.aux)];
    for (int k : list.kids) {
      const Ast& e = tree_->nodes[static_cast<std::size_t>(k)];
      auto it = e.kind == AstKind::kStr ? std::find(vals.begin(), vals.end(), e.text) : vals.end();
      if (it == vals.end()) fail(e.col, "not a value of " + type_name(rs_, lt));
      mask |= std::uint64_t{1} << (it - vals.begin());
    }
    n.op = Op::kInMask;
    n.c = 0;
    n.k = static_cast<std::int64_t>(mask);
    return emit(n, a.col);
  }
  if (lt.kind == Kind::kString) {
    n.op = Op::kInStrs;
    n.b = static_cast<std::int32_t>(rs_.strings.size());
    for (int k : list.kids) {
      const Ast& e = tree_->nodes[static_cast<std::size_t>(k)];
      if (e.kind != AstKind::kStr) fail(e.col, "the list after 'in' must hold only strings");
      rs_.strings.push_back(e.text);
    }
    n.c = static_cast<std::int32_t>(list.kids.size());
    return emit(n, a.col);
  }
  fail(a.col, "the left of 'in [...]' must be a string or enum, not " + type_name(rs_, lt));
}

int Checker::call(const Ast& a, int depth) {
  const std::string& f = a.text;
  auto arity = [&](std::size_t n) {
    if (a.kids.size() != n)
      fail(a.col, f + "() takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s"));
  };
  Node n;
  if (f == "len") {
    arity(1);
    const int x = check(a.kids[0], depth + 1);
    if (type_of(x).kind != Kind::kSet && type_of(x).kind != Kind::kList) {
      fail(a.col, "len() takes a set or a list, not " + type_name(rs_, type_of(x)));
    }
    n.op = Op::kLen;
    n.a = x;
    n.type = Type{Kind::kInt, -1};
    return emit(n, a.col);
  }
  if (f == "count" || f == "any" || f == "all" || f == "sum") {
    arity(2);
    const int list = check(a.kids[0], depth + 1);
    if (type_of(list).kind != Kind::kList) {
      fail(a.col, f + "() takes a list first, not " + type_name(rs_, type_of(list)));
    }
    const Ast& lam = tree_->nodes[static_cast<std::size_t>(a.kids[1])];
    if (lam.kind != AstKind::kLambda)
      fail(lam.col, f + "() takes a lambda second: " + f + "(list, m -> ...)");
    if (scopes_.size() >= static_cast<std::size_t>(kMaxLambdaDepth)) {
      throw ExprError{ErrorCode::kLimit, lam.col,
                      "lambdas nested deeper than " + std::to_string(kMaxLambdaDepth)};
    }
    const int slot = static_cast<int>(scopes_.size());
    scopes_.push_back(Scope{lam.text, type_of(list).aux});
    const int body = check(lam.kids[0], depth + 1);
    scopes_.pop_back();
    const Type bt = type_of(body);
    if (f == "sum") {
      if (!numeric(bt.kind))
        fail(lam.col, "the lambda of sum() must give int or money, not " + type_name(rs_, bt));
      n.op = Op::kSum;
      n.type = bt;
    } else {
      if (bt.kind != Kind::kBool)
        fail(lam.col, "the lambda of " + f + "() must give bool, not " + type_name(rs_, bt));
      n.op = f == "count" ? Op::kCount : f == "any" ? Op::kAny : Op::kAll;
      n.type = f == "count" ? Type{Kind::kInt, -1} : Type{Kind::kBool, -1};
    }
    n.a = list;
    n.b = body;
    n.c = slot;
    return emit(n, a.col);
  }
  if (f == "count_true") {
    arity(1);
    const Ast& list = tree_->nodes[static_cast<std::size_t>(a.kids[0])];
    if (list.kind != AstKind::kList) fail(list.col, "count_true() takes a [list] of conditions");
    std::vector<std::int32_t> items;
    for (int k : list.kids) {
      const int x = check(k, depth + 1);
      require_type(x, Kind::kBool, tree_->nodes[static_cast<std::size_t>(k)].col,
                   "each item of count_true()");
      items.push_back(x);
    }
    n.op = Op::kCountTrue;
    n.a = static_cast<std::int32_t>(rs_.extra.size());
    n.b = static_cast<std::int32_t>(items.size());
    rs_.extra.insert(rs_.extra.end(), items.begin(), items.end());
    n.type = Type{Kind::kInt, -1};
    return emit(n, a.col);
  }
  if (f == "age") {
    arity(1);
    const int x = check_as(a.kids[0], Type{Kind::kDate, -1}, depth + 1);
    require_type(x, Kind::kDate, a.col, "the argument of age()");
    n.op = Op::kAge;
    n.a = x;
    n.type = Type{Kind::kInt, -1};
    return emit(n, a.col);
  }
  if (f == "days_between") {
    arity(2);
    const int x = check_as(a.kids[0], Type{Kind::kDate, -1}, depth + 1);
    const int y = check_as(a.kids[1], Type{Kind::kDate, -1}, depth + 1);
    require_type(x, Kind::kDate, a.col, "the first argument of days_between()");
    require_type(y, Kind::kDate, a.col, "the second argument of days_between()");
    n.op = Op::kDaysBetween;
    n.a = x;
    n.b = y;
    n.type = Type{Kind::kInt, -1};
    return emit(n, a.col);
  }
  if (f == "date") {
    arity(1);
    const Ast& s = tree_->nodes[static_cast<std::size_t>(a.kids[0])];
    if (s.kind != AstKind::kStr) fail(s.col, "date() takes a 'YYYY-MM-DD' literal");
    return date_literal(s.text, s.col);
  }
  if (f == "has") {
    arity(1);
    const Ast& p = tree_->nodes[static_cast<std::size_t>(a.kids[0])];
    if (p.kind != AstKind::kPath) fail(p.col, "has() takes a field path");
    const int x = path(p);
    const Node fn = rs_.nodes[static_cast<std::size_t>(x)];
    if (fn.op != Op::kField && fn.op != Op::kElemField)
      fail(p.col, "has() takes a field of the record");
    n.op = Op::kHas;
    n.a = fn.a;
    n.b = fn.op == Op::kElemField ? fn.b : -1;
    n.type = Type{Kind::kBool, -1};
    return emit(n, a.col);
  }
  if (f == "valid_nik") {
    arity(1);
    const int x = check(a.kids[0], depth + 1);
    require_type(x, Kind::kString, a.col, "the argument of valid_nik()");
    n.op = Op::kValidNik;
    n.a = x;
    n.type = Type{Kind::kBool, -1};
    return emit(n, a.col);
  }
  if (f == "conflicts_with") {
    arity(2);
    const int x = check(a.kids[0], depth + 1);
    require_type(x, Kind::kSet, a.col, "the first argument of conflicts_with()");
    const Ast& p = tree_->nodes[static_cast<std::size_t>(a.kids[1])];
    if (p.kind != AstKind::kStr) fail(p.col, "conflicts_with() takes a 'PROGRAMME' literal second");
    if (!rs_.conflicts) {
      fail(a.col,
           "conflicts_with() needs a conflict table: load the rule set with one "
           "(RuleOptions::conflicts, "
           "conflicts= in Python)");
    }
    intern_program(rs_, p.text, p.col);
    const ConflictScope scope = rs_.scope == "person" ? ConflictScope::kPerson : ConflictScope::kKk;
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < rs_.programs.size(); ++i) {
      if (rs_.programs[i] != p.text && rs_.conflicts->conflicts(rs_.programs[i], p.text, scope)) {
        mask |= std::uint64_t{1} << i;
      }
    }
    n.op = Op::kConflicts;
    n.a = x;
    n.k = static_cast<std::int64_t>(mask);
    n.type = Type{Kind::kBool, -1};
    return emit(n, a.col);
  }
  fail(a.col, "unknown function '" + f + "' (see docs/rules.md for the list)");
}

}  // namespace smartkampung::detail
