// The evaluator: a flat array of typed nodes walked from a root, three-valued
// (Kleene) logic for missing fields, checked integer arithmetic, no allocation.
#include <algorithm>
#include <climits>
#include <cstring>
#include <smartkampung/nik.hpp>

#include "rules/ir.hpp"

namespace smartkampung::detail {

namespace {
inline Val known(std::int64_t i) {
  Val v;
  v.i = i;
  v.known = true;
  return v;
}
inline Val unknown() { return Val{}; }

inline Val load(const EvalCtx& ctx, const Node& n, std::size_t row) {
  const Column& col = ctx.batch->cols[static_cast<std::size_t>(n.a)];
  Val v;
  if (!col.known[row]) return v;
  v.known = true;
  v.i = col.v[row];
  if (n.type.kind == Kind::kString) {
    v.s = ctx.batch->chars.data() + v.i;
    v.n = col.n[row];
  } else if (n.type.kind == Kind::kList) {
    v.n = col.n[row];
  }
  return v;
}

inline bool str_eq(const Val& a, const Val& b) {
  return a.n == b.n && (a.n == 0 || std::memcmp(a.s, b.s, a.n) == 0);
}

int program_bit(const RuleSetImpl& rs, const BatchData* batch, std::string_view code) {
  const int i = rs.program_index(code);
  if (i >= 0 || batch == nullptr) return i;
  for (std::size_t k = 0; k < batch->extra_programs.size(); ++k) {
    if (batch->extra_programs[k] == code) return static_cast<int>(rs.programs.size() + k);
  }
  return -1;
}
}  // namespace

thread_local EvalObserver eval_observer = nullptr;

Val eval_node(EvalCtx& ctx, int index) {
  ++ctx.nodes;
  const Node& n = ctx.prog->nodes[static_cast<std::size_t>(index)];
  switch (n.op) {
    case Op::kConst:
      return known(n.k);
    case Op::kConstStr: {
      const std::string& s = ctx.rs->strings[static_cast<std::size_t>(n.a)];
      Val v = known(0);
      v.s = s.data();
      v.n = static_cast<std::uint32_t>(s.size());
      return v;
    }
    case Op::kField:
      return load(ctx, n, ctx.row);
    case Op::kElemField:
      return load(ctx, n, ctx.elem[n.b]);
    case Op::kHas: {
      const Column& col = ctx.batch->cols[static_cast<std::size_t>(n.a)];
      return known(col.known[n.b < 0 ? ctx.row : ctx.elem[n.b]] != 0);
    }
    case Op::kParam:
    case Op::kAsOf:
      return unknown();  // replaced by the compiler
    case Op::kNot: {
      Val x = eval_node(ctx, n.a);
      x.i = !x.i;
      return x;
    }
    case Op::kNeg: {
      Val x = eval_node(ctx, n.a);
      if (!x.known) return x;
      if (__builtin_sub_overflow(std::int64_t{0}, x.i, &x.i)) {
        ctx.failed = true;
        return unknown();
      }
      return x;
    }
    case Op::kAnd: {
      const Val l = eval_node(ctx, n.a);
      if (l.known && !l.i) return known(0);
      const Val r = eval_node(ctx, n.b);
      if (r.known && !r.i) return known(0);
      return l.known && r.known ? known(1) : unknown();
    }
    case Op::kOr: {
      const Val l = eval_node(ctx, n.a);
      if (l.known && l.i) return known(1);
      const Val r = eval_node(ctx, n.b);
      if (r.known && r.i) return known(1);
      return l.known && r.known ? known(0) : unknown();
    }
    case Op::kCond: {
      const Val c = eval_node(ctx, n.a);
      if (!c.known) return unknown();
      return eval_node(ctx, c.i ? n.b : n.c);
    }
    case Op::kEq:
    case Op::kNe: {
      const Val l = eval_node(ctx, n.a);
      if (!l.known) return unknown();
      const Val r = eval_node(ctx, n.b);
      if (!r.known) return unknown();
      const bool eq = n.k == 1 ? str_eq(l, r) : l.i == r.i;
      return known((n.op == Op::kEq) == eq);
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      const Val l = eval_node(ctx, n.a);
      if (!l.known) return unknown();
      const Val r = eval_node(ctx, n.b);
      if (!r.known) return unknown();
      switch (n.op) {
        case Op::kLt:
          return known(l.i < r.i);
        case Op::kLe:
          return known(l.i <= r.i);
        case Op::kGt:
          return known(l.i > r.i);
        default:
          return known(l.i >= r.i);
      }
    }
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod: {
      const Val l = eval_node(ctx, n.a);
      if (!l.known) return unknown();
      const Val r = eval_node(ctx, n.b);
      if (!r.known) return unknown();
      std::int64_t out = 0;
      bool bad = false;
      switch (n.op) {
        case Op::kAdd:
          bad = __builtin_add_overflow(l.i, r.i, &out);
          break;
        case Op::kSub:
          bad = __builtin_sub_overflow(l.i, r.i, &out);
          break;
        case Op::kMul:
          bad = __builtin_mul_overflow(l.i, r.i, &out);
          break;
        default:
          if (r.i == 0 || (l.i == INT64_MIN && r.i == -1))
            bad = true;
          else
            out = n.op == Op::kDiv ? l.i / r.i : l.i % r.i;
      }
      if (!bad && n.type.kind == Kind::kDate && (out < -3000000 || out > 3000000)) bad = true;
      if (bad) {
        ctx.failed = true;
        return unknown();
      }
      return known(out);
    }
    case Op::kSetAnd:
    case Op::kSetOr: {
      const Val l = eval_node(ctx, n.a);
      if (!l.known) return unknown();
      const Val r = eval_node(ctx, n.b);
      if (!r.known) return unknown();
      return known(n.op == Op::kSetAnd ? (l.i & r.i) : (l.i | r.i));
    }
    case Op::kInSet: {
      const Val l = eval_node(ctx, n.a);
      if (!l.known) return unknown();
      const Val r = eval_node(ctx, n.b);
      if (!r.known) return unknown();
      const int bit = program_bit(*ctx.rs, ctx.batch, std::string_view(l.s, l.n));
      return known(bit >= 0 && ((static_cast<std::uint64_t>(r.i) >> bit) & 1U) != 0);
    }
    case Op::kInMask: {
      const Val x = eval_node(ctx, n.a);
      if (!x.known) return unknown();
      const std::uint64_t mask = static_cast<std::uint64_t>(n.k);
      if (n.c == 1) return known((static_cast<std::uint64_t>(x.i) & mask) != 0);
      return known(x.i >= 0 && x.i < 64 && ((mask >> x.i) & 1U) != 0);
    }
    case Op::kInStrs: {
      const Val x = eval_node(ctx, n.a);
      if (!x.known) return unknown();
      const std::string_view sv(x.s, x.n);
      for (std::int32_t k = 0; k < n.c; ++k) {
        if (ctx.rs->strings[static_cast<std::size_t>(n.b + k)] == sv) return known(1);
      }
      return known(0);
    }
    case Op::kLen: {
      const Val x = eval_node(ctx, n.a);
      if (!x.known) return unknown();
      if (ctx.prog->nodes[static_cast<std::size_t>(n.a)].type.kind == Kind::kSet) {
        return known(__builtin_popcountll(static_cast<unsigned long long>(x.i)));
      }
      return known(x.n);
    }
    case Op::kCount:
    case Op::kAny:
    case Op::kAll:
    case Op::kSum: {
      const Val list = eval_node(ctx, n.a);
      if (!list.known) return unknown();
      std::int64_t acc = 0;
      bool saw_unknown = false;
      const std::size_t first = static_cast<std::size_t>(list.i);
      for (std::size_t e = first; e < first + list.n; ++e) {
        // The budget is spent per element: only list traversals repeat work (a nested one
        // multiplies it); everything else is bounded by the size of the compiled program.
        // Once over, no traversal counts again: a record's steps never pass the budget + 1.
        if (ctx.limited) return unknown();
        if (++ctx.steps > ctx.step_limit) {
          ctx.limited = true;
          return unknown();
        }
        ctx.elem[n.c] = e;
        const Val b = eval_node(ctx, n.b);
        if (ctx.limited) return unknown();
        if (!b.known) {
          saw_unknown = true;
          if (n.op == Op::kCount || n.op == Op::kSum) return unknown();
          continue;
        }
        switch (n.op) {
          case Op::kAny:
            if (b.i) return known(1);
            break;
          case Op::kAll:
            if (!b.i) return known(0);
            break;
          case Op::kCount:
            acc += b.i ? 1 : 0;
            break;
          default:
            if (__builtin_add_overflow(acc, b.i, &acc)) {
              ctx.failed = true;
              return unknown();
            }
        }
      }
      if (saw_unknown) return unknown();
      if (n.op == Op::kAny) return known(0);
      if (n.op == Op::kAll) return known(1);
      return known(acc);
    }
    case Op::kCountTrue: {
      std::int64_t acc = 0;
      bool saw_unknown = false;
      for (std::int32_t k = 0; k < n.b; ++k) {
        const Val b = eval_node(ctx, ctx.prog->extra[static_cast<std::size_t>(n.a + k)]);
        if (!b.known)
          saw_unknown = true;
        else
          acc += b.i ? 1 : 0;
      }
      return saw_unknown ? unknown() : known(acc);
    }
    case Op::kAge: {
      const Val d = eval_node(ctx, n.a);
      if (!d.known) return unknown();
      return known(age_in_years(Date(static_cast<std::int32_t>(d.i)), ctx.prog->as_of));
    }
    case Op::kDaysBetween: {
      const Val a = eval_node(ctx, n.a);
      if (!a.known) return unknown();
      const Val b = eval_node(ctx, n.b);
      if (!b.known) return unknown();
      return known(b.i - a.i);
    }
    case Op::kValidNik: {
      const Val s = eval_node(ctx, n.a);
      if (!s.known) return unknown();
      return known(check_nik(std::string_view(s.s, s.n), ctx.prog->as_of).reason ==
                   NikReason::kValid);
    }
    case Op::kConflicts: {
      const Val s = eval_node(ctx, n.a);
      if (!s.known) return unknown();
      return known((static_cast<std::uint64_t>(s.i) & static_cast<std::uint64_t>(n.k)) != 0);
    }
  }
  return unknown();
}

std::string_view program_name(const RuleSetImpl& rs, const BatchData* batch, int bit) {
  const std::size_t b = static_cast<std::size_t>(bit);
  if (b < rs.programs.size()) return rs.programs[b];
  if (batch != nullptr && b - rs.programs.size() < batch->extra_programs.size()) {
    return batch->extra_programs[b - rs.programs.size()];
  }
  return "?";
}

namespace {
std::string group_thousands(std::int64_t v, char sep) {
  const bool neg = v < 0;
  std::string digits = std::to_string(v);
  if (neg) digits.erase(0, 1);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += sep;
    out += digits[i];
  }
  return (neg ? "-" : "") + out;
}
}  // namespace

std::string format_value(const RuleSetImpl& rs, const BatchData* batch, Type type, const Val& v,
                         bool id) {
  if (!v.known) return id ? "(tidak diketahui)" : "(unknown)";
  switch (type.kind) {
    case Kind::kBool:
      return v.i ? (id ? "ya" : "yes") : (id ? "tidak" : "no");
    case Kind::kInt:
      return std::to_string(v.i);
    case Kind::kMoney:
      return "Rp" + group_thousands(v.i, id ? '.' : ',');
    case Kind::kDate:
      return Date(static_cast<std::int32_t>(v.i)).to_iso();
    case Kind::kString: {
      const std::string_view s(v.s, v.n);
      if (s.size() == 16) return mask_nik(s);  // never show a NIK-like value in full
      return std::string(s);
    }
    case Kind::kEnum: {
      const auto& vals = rs.schema.enums[static_cast<std::size_t>(type.aux)];
      return v.i >= 0 && static_cast<std::size_t>(v.i) < vals.size()
                 ? vals[static_cast<std::size_t>(v.i)]
                 : "?";
    }
    case Kind::kSet: {
      std::vector<std::string_view> names;
      for (int b = 0; b < 64; ++b) {
        if ((static_cast<std::uint64_t>(v.i) >> b) & 1U)
          names.push_back(program_name(rs, batch, b));
      }
      std::sort(names.begin(), names.end());
      if (names.empty()) return id ? "(tidak ada)" : "(none)";
      std::string out;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out += ", ";
        out += names[i];
      }
      return out;
    }
    case Kind::kList: {
      const std::string name =
          type.aux >= 0 ? rs.schema.elem_types[static_cast<std::size_t>(type.aux)].name : "item";
      return std::to_string(v.n) + " " + name;
    }
    default:
      return "?";
  }
}

}  // namespace smartkampung::detail
