// The cost bound of a rule set (issue 16): how many list elements count/any/all/sum can
// visit for one record, the quantity the evaluator's step budget counts. A traversal of a
// list of L elements visits L elements and evaluates its body once per element, so nested
// traversals multiply; every other node adds the work of its operands (a conditional only
// the costlier branch). Lists are taken at an assumed length, since their real length is
// known only per record: the bound says what a rule set costs on ordinary records, and
// the step budget stops the extraordinary ones.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "rules/ir.hpp"

namespace smartkampung::detail {

namespace {

constexpr double kCap = 1e300;  // saturate: a bound this large is refused anyway

double add(double a, double b) { return std::min(a + b, kCap); }

// The bound of every node of the generic program; children precede their parents, so
// one forward pass suffices (and no recursion, however long a require_any chain is).
std::vector<double> node_bounds(const RuleSetImpl& rs, double list_length) {
  std::vector<double> cost(rs.nodes.size(), 0.0);
  auto of = [&](std::int32_t i) {
    return i >= 0 && static_cast<std::size_t>(i) < cost.size() ? cost[static_cast<std::size_t>(i)]
                                                               : 0.0;
  };
  for (std::size_t i = 0; i < rs.nodes.size(); ++i) {
    const Node& n = rs.nodes[i];
    switch (n.op) {
      case Op::kConst:
      case Op::kConstStr:
      case Op::kField:
      case Op::kElemField:
      case Op::kHas:
      case Op::kParam:
      case Op::kAsOf:
        cost[i] = 0;
        break;
      case Op::kCount:
      case Op::kAny:
      case Op::kAll:
      case Op::kSum:
        cost[i] = add(of(n.a), std::min(list_length * add(1.0, of(n.b)), kCap));
        break;
      case Op::kCountTrue: {
        double sum = 0;
        for (std::int32_t k = 0; k < n.b; ++k)
          sum = add(sum, of(rs.extra[static_cast<std::size_t>(n.a + k)]));
        cost[i] = sum;
        break;
      }
      case Op::kCond:
        cost[i] = add(of(n.a), std::max(of(n.b), of(n.c)));
        break;
      case Op::kNot:
      case Op::kNeg:
      case Op::kInMask:
      case Op::kInStrs:
      case Op::kLen:
      case Op::kAge:
      case Op::kValidNik:
      case Op::kConflicts:
        cost[i] = of(n.a);
        break;
      default:  // binary operators, kInSet, kDaysBetween
        cost[i] = add(of(n.a), of(n.b));
    }
  }
  return cost;
}

// A count for a message: exact below a billion, else "2.8e+14" (never a long digit run).
std::string amount_text(double v) {
  char buf[64];
  if (v < 1e9) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g", v);
  }
  return buf;
}

}  // namespace

WorkBound work_bound(const RuleSetImpl& rs, double list_length) {
  const std::vector<double> cost = node_bounds(rs, list_length);
  auto of = [&](int i) {
    return i >= 0 && static_cast<std::size_t>(i) < cost.size() ? cost[static_cast<std::size_t>(i)]
                                                               : 0.0;
  };
  WorkBound b;
  for (const RuleDef& r : rs.rules) {
    b.rules.push_back(of(r.root));
    double m = 0;
    for (const auto* parts : {&r.message_id, &r.message_en}) {
      for (const MessagePart& p : *parts) m = add(m, of(p.expr));
    }
    b.rule_messages.push_back(m);
    b.evaluation = add(b.evaluation, b.rules.back());
    b.messages = add(b.messages, m);
  }
  b.amount = of(rs.amount_root);
  b.priority = of(rs.priority_root);
  b.evaluation = add(add(b.evaluation, b.amount), b.priority);
  return b;
}

void check_work_bound(const RuleSetImpl& rs, const RuleOptions& options) {
  if (options.max_work == 0) return;
  const double limit = static_cast<double>(options.max_work);
  const double length = static_cast<double>(options.assumed_list_length);
  const WorkBound b = work_bound(rs, length);
  if (b.evaluation <= limit && b.messages <= limit) return;
  // Name the costliest part of the side that is over.
  const bool messages = b.evaluation <= limit;
  std::string where;
  double worst = -1;
  const std::vector<double>& per_rule = messages ? b.rule_messages : b.rules;
  for (std::size_t i = 0; i < per_rule.size(); ++i) {
    if (per_rule[i] > worst) {
      worst = per_rule[i];
      where = "rules[" + std::to_string(i) + "]" + (messages ? ".reason" : "");
    }
  }
  if (!messages && b.amount > worst) {
    worst = b.amount;
    where = "amount";
  }
  if (!messages && b.priority > worst) {
    worst = b.priority;
    where = "priority";
  }
  std::string rule_name;
  if (where.rfind("rules[", 0) == 0) {
    const std::size_t i = std::stoul(where.substr(6));
    rule_name = " (rule \"" + rs.rules[i].id + "\")";
  }
  const double total = messages ? b.messages : b.evaluation;
  throw RuleError(ErrorCode::kLimit, where, 0,
                  "too costly" + rule_name + ": its count/any/all/sum may visit " +
                      amount_text(worst) + " list elements per record (" + amount_text(total) +
                      " for the whole rule set" + (messages ? "'s messages" : "") +
                      ") with lists of " + std::to_string(options.assumed_list_length) +
                      " elements, more than the limit of " + amount_text(limit) +
                      "; nested traversals multiply: nest fewer of them");
}

}  // namespace smartkampung::detail
