// The compiler: specialises the generic typed program for one decision date.
// Parameters take the value in force on that date, as_of becomes a constant,
// constant sub-expressions are folded and age(x) compared with a constant becomes
// a date comparison, so that per record only field-dependent work remains.
#include <algorithm>

#include "rules/ir.hpp"

namespace smartkampung::detail {

namespace {

bool foldable(Op op) {
  switch (op) {
    case Op::kConst:
    case Op::kConstStr:
    case Op::kField:
    case Op::kElemField:
    case Op::kHas:
    case Op::kParam:
    case Op::kAsOf:
    case Op::kCount:
    case Op::kAny:
    case Op::kAll:
    case Op::kSum:
      return false;
    default:
      return true;
  }
}

// The node-index children of a node; -1 when there are more than `cap`.
int children(const Node& n, const std::vector<std::int32_t>& extra, std::int32_t out[], int cap) {
  int k = 0;
  auto add = [&](std::int32_t i) {
    if (i >= 0 && k < cap) out[k++] = i;
  };
  switch (n.op) {
    case Op::kCountTrue:
      if (n.b > cap) return -1;
      for (std::int32_t i = 0; i < n.b; ++i) add(extra[static_cast<std::size_t>(n.a + i)]);
      return k;
    case Op::kInMask:
    case Op::kInStrs:
    case Op::kNot:
    case Op::kNeg:
    case Op::kLen:
    case Op::kAge:
    case Op::kValidNik:
    case Op::kConflicts:
      add(n.a);
      return k;
    case Op::kCond:
      add(n.a);
      add(n.b);
      add(n.c);
      return k;
    default:
      add(n.a);
      add(n.b);
      return k;
  }
}

bool is_const(const Node& n) { return n.op == Op::kConst; }

// The latest birth date b with age_in_years(b, on) >= years.
bool age_threshold(Date on, std::int64_t years, Date& out) {
  if (years < -150 || years > 300) return false;
  const int y = on.year() - static_cast<int>(years);
  if (y < 1 || y > 9999) return false;
  const int m = on.month();
  const int d = std::min(on.day(), days_in_month(y, m));
  Date b = Date::from_ymd(y, m, d);
  const int n = static_cast<int>(years);
  auto plus = [](Date x, int k) { return Date(x.days_since_epoch() + k); };
  for (int i = 0; i < 4 && age_in_years(plus(b, 1), on) >= n; ++i) b = plus(b, 1);
  for (int i = 0; i < 4 && age_in_years(b, on) < n; ++i) b = plus(b, -1);
  out = b;
  return age_in_years(b, on) >= n && age_in_years(plus(b, 1), on) < n;
}

std::int64_t param_value(const Param& p, Date as_of) {
  if (!p.ranges.empty()) {
    for (std::size_t i = 0; i < p.ranges.size(); ++i) {
      if (p.ranges[i].first <= as_of && as_of <= p.ranges[i].second) return p.values[i].second;
    }
    return p.values.front().second;  // outside every range: only reachable out of period
  }
  std::int64_t v = p.values.front().second;
  for (const auto& [from, value] : p.values) {
    if (from <= as_of) v = value;
  }
  return v;
}

Op mirror(Op op) {
  switch (op) {
    case Op::kLt:
      return Op::kGt;
    case Op::kLe:
      return Op::kGe;
    case Op::kGt:
      return Op::kLt;
    default:
      return Op::kLe;
  }
}

}  // namespace

std::shared_ptr<const Compiled> compile_for(const RuleSetImpl& rs, Date as_of) {
  auto c = std::make_shared<Compiled>();
  c->as_of = as_of;
  c->in_period = rs.valid_from <= as_of && as_of <= rs.valid_to;
  c->nodes = rs.nodes;
  c->extra = rs.extra;
  for (const RuleDef& r : rs.rules) c->rule_roots.push_back(r.root);
  c->amount_root = rs.amount_root;
  c->priority_root = rs.priority_root;
  if (!c->in_period) return c;

  EvalCtx ctx;
  ctx.prog = c.get();
  ctx.rs = &rs;
  std::vector<Node>& nodes = c->nodes;
  const std::size_t original = nodes.size();
  // Children precede their parents, so one forward pass folds bottom-up.
  for (std::size_t i = 0; i < original; ++i) {
    Node n = nodes[i];
    if (n.op == Op::kParam) {
      n.op = Op::kConst;
      n.k = param_value(rs.params[static_cast<std::size_t>(n.a)], as_of);
      nodes[i] = n;
      continue;
    }
    if (n.op == Op::kAsOf) {
      n.op = Op::kConst;
      n.k = as_of.days_since_epoch();
      nodes[i] = n;
      continue;
    }
    if (!foldable(n.op)) continue;
    // Kleene short cuts with one constant side: false && x = false, true && x = x.
    if (n.op == Op::kAnd || n.op == Op::kOr) {
      const Node l = nodes[static_cast<std::size_t>(n.a)];
      const Node r = nodes[static_cast<std::size_t>(n.b)];
      const bool absorbing = n.op == Op::kOr;
      if ((is_const(l) && (l.k != 0) == absorbing) || (is_const(r) && (r.k != 0) == absorbing)) {
        n.op = Op::kConst;
        n.k = absorbing ? 1 : 0;
        nodes[i] = n;
        continue;
      }
      if (is_const(l) != is_const(r)) {
        nodes[i] = is_const(l) ? r : l;
        continue;
      }
    }
    if (n.op == Op::kCond && is_const(nodes[static_cast<std::size_t>(n.a)])) {
      Node copy =
          nodes[static_cast<std::size_t>(nodes[static_cast<std::size_t>(n.a)].k ? n.b : n.c)];
      if (copy.op == Op::kConst) copy.type = n.type;
      if (copy.type == n.type || copy.op == Op::kConst) {
        nodes[i] = copy;
        continue;
      }
    }
    // age(x) <op> N  ->  x <op'> threshold date
    if (n.op == Op::kLt || n.op == Op::kLe || n.op == Op::kGt || n.op == Op::kGe) {
      Op op = n.op;
      std::int32_t age_node = n.a, k_node = n.b;
      if (nodes[static_cast<std::size_t>(n.b)].op == Op::kAge &&
          is_const(nodes[static_cast<std::size_t>(n.a)])) {
        std::swap(age_node, k_node);
        op = mirror(op);
      }
      const Node an = nodes[static_cast<std::size_t>(age_node)];
      const Node kn = nodes[static_cast<std::size_t>(k_node)];
      if (an.op == Op::kAge && is_const(kn) && !is_const(nodes[static_cast<std::size_t>(an.a)])) {
        // age >= N <=> x <= T(N); age > N <=> x <= T(N+1); age < N <=> x > T(N); age <= N <=> x >
        // T(N+1)
        const std::int64_t years = (op == Op::kGt || op == Op::kLe) ? kn.k + 1 : kn.k;
        Date t;
        if (age_threshold(as_of, years, t)) {
          Node limit;
          limit.op = Op::kConst;
          limit.type = Type{Kind::kDate, -1};
          limit.k = t.days_since_epoch();
          limit.expr = n.expr;
          limit.col = n.col;
          nodes.push_back(limit);
          n.a = an.a;
          n.b = static_cast<std::int32_t>(nodes.size() - 1);
          n.op = (op == Op::kGe || op == Op::kGt) ? Op::kLe : Op::kGt;
          nodes[i] = n;
          continue;
        }
      }
    }
    std::int32_t kids[16];
    const int nk = children(n, c->extra, kids, 16);
    if (nk < 0 || n.type.kind == Kind::kString) continue;
    bool all_const = true;
    for (int k = 0; k < nk; ++k)
      all_const = all_const && is_const(nodes[static_cast<std::size_t>(kids[k])]);
    if (!all_const) continue;
    ctx.failed = false;
    const Val v = eval_node(ctx, static_cast<int>(i));
    if (ctx.failed) {
      const bool div =
          (n.op == Op::kDiv || n.op == Op::kMod) && nodes[static_cast<std::size_t>(n.b)].k == 0;
      const std::string where = n.expr >= 0 ? rs.expr_paths[static_cast<std::size_t>(n.expr)] : "";
      throw RuleError(ErrorCode::kParse, where, n.col,
                      std::string(div ? "division by zero" : "integer overflow") +
                          " in a constant expression (on " + as_of.to_iso() + ")");
    }
    if (!v.known) continue;
    n.op = Op::kConst;
    n.k = v.i;
    nodes[i] = n;
  }
  return c;
}

std::shared_ptr<const Compiled> RuleSetImpl::compiled_for(Date as_of) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = cache.find(as_of.days_since_epoch());
    if (it != cache.end()) return it->second;
  }
  auto c = compile_for(*this, as_of);
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (cache.size() >= 256) cache.clear();
  cache.emplace(as_of.days_since_epoch(), c);
  return c;
}

int RuleSetImpl::program_index(std::string_view code) const noexcept {
  for (std::size_t i = 0; i < programs.size(); ++i) {
    if (programs[i] == code) return static_cast<int>(i);
  }
  return -1;
}

int Schema::find(std::string_view path) const noexcept {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].path == path) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace smartkampung::detail
