// Private: the internal forms of a rule set. Expressions go text -> tokens (lexer)
// -> untyped AST (parser) -> typed nodes (checker) -> per-date flat program with
// parameters resolved and constants folded (compiler) -> values (evaluator).
#ifndef SMARTKAMPUNG_SRC_RULES_IR_HPP
#define SMARTKAMPUNG_SRC_RULES_IR_HPP

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <smartkampung/conflicts.hpp>
#include <smartkampung/date.hpp>
#include <smartkampung/rules.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smartkampung::detail {

constexpr int kMaxExprDepth = 64;
constexpr int kMaxLambdaDepth = 8;
constexpr std::size_t kMaxPrograms = 64;
constexpr std::size_t kMaxExprLength = 4096;
constexpr std::size_t kMaxRuleFileBytes = std::size_t{16} << 20;

// ---- types -----------------------------------------------------------------
enum class Kind : std::uint8_t {
  kBool,
  kInt,
  kMoney,
  kDate,
  kString,
  kEnum,
  kSet,
  kList,
  kBoolList,
  kStrList
};

struct Type {
  Kind kind = Kind::kBool;
  std::int16_t aux = -1;  // enum id (kEnum), element type id (kList)
  friend bool operator==(Type a, Type b) { return a.kind == b.kind && a.aux == b.aux; }
  friend bool operator!=(Type a, Type b) { return !(a == b); }
};

// ---- lexer / parser (untyped) ------------------------------------------------
enum class Tok : std::uint8_t {
  kEnd,
  kInt,
  kStr,
  kIdent,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kArrow,
  kQuestion,
  kColon,
  kNot,
  kAnd,
  kOr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kAmp,
  kPipe
};

struct Token {
  Tok tok = Tok::kEnd;
  int col = 1;  // 1-based column of the token's first character
  std::string text;
  std::int64_t value = 0;
};

/// An error inside an expression string, at a column; the loader adds the JSON path.
struct ExprError {
  ErrorCode code;
  int col;
  std::string message;
};

/// Splits an expression; throws ExprError.
std::vector<Token> lex(std::string_view text);

enum class AstKind : std::uint8_t {
  kInt,
  kStr,
  kBool,
  kPath,
  kUnary,
  kBinary,
  kCond,
  kCall,
  kList,
  kLambda
};

struct Ast {
  AstKind kind = AstKind::kInt;
  Tok op = Tok::kEnd;  // unary/binary operator (kEnd marks 'in')
  int col = 1;
  std::int64_t value = 0;  // kInt, kBool
  std::string text;        // kStr value, kPath dotted path, kCall name, kLambda variable
  std::vector<int> kids;   // indices into the AST vector
};

struct AstTree {
  std::vector<Ast> nodes;
  int root = -1;
};

/// Parses an expression; throws ExprError (kLimit beyond kMaxExprDepth).
AstTree parse_expr(std::string_view text);

// ---- schema ------------------------------------------------------------------
struct FieldDef {
  std::string path;                   // as declared: "kk.head.sex", "member.nik"
  std::vector<std::string> segments;  // JSON path from the record (top level) or from an element
  Type type;
  int elem_type = -1;  // element fields: the element type they belong to
};

struct ElemType {
  std::string name;  // "member"
  std::vector<int> fields;
};

struct Schema {
  std::vector<FieldDef> fields;
  std::vector<ElemType> elem_types;
  std::vector<std::vector<std::string>> enums;  // values of each enum type
  std::vector<std::string> roots;               // first segments of top-level fields
  int find(std::string_view path) const noexcept;
};

// ---- typed program -------------------------------------------------------------
enum class Op : std::uint8_t {
  kConst,      // k (int-like / set mask / enum index), known
  kConstStr,   // a = string pool index
  kField,      // a = field
  kElemField,  // a = field, b = lambda slot
  kHas,        // a = field, b = lambda slot or -1
  kParam,      // a = param (generic program only)
  kAsOf,
  kNot,
  kNeg,
  kAnd,
  kOr,
  kCond,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,  // k: 0 int-like, 1 string, 2 set
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kSetAnd,
  kSetOr,
  kInSet,   // a = string expr, b = set expr
  kInMask,  // a = expr, k = mask; c = 0: enum index in mask, c = 1: set intersects mask
  kInStrs,  // a = string expr, b = first pool index, c = count
  kLen,     // a = set or list
  kCount,
  kAny,
  kAll,
  kSum,          // a = list, b = body, c = lambda slot
  kCountTrue,    // a = first index in `extra`, b = count
  kAge,          // a = date
  kDaysBetween,  // a, b dates: b - a
  kValidNik,     // a = string
  kConflicts,    // a = set, k = mask of programmes conflicting with the named one
};

struct Node {
  Op op = Op::kConst;
  Type type;
  std::int32_t a = -1, b = -1, c = -1;
  std::int64_t k = 0;
  std::int32_t col = 0;    // column in its expression
  std::int16_t expr = -1;  // index into RuleSetImpl::expr_paths
};

struct Param {
  std::string name;
  Type type;
  std::vector<std::pair<Date, std::int64_t>>
      values;                                 // by start date, sorted; one entry for "value"
  std::vector<std::pair<Date, Date>> ranges;  // (from, to) when given as ranges
};

struct MessagePart {
  std::string text;  // literal text, or empty when expr >= 0
  int expr = -1;     // node root of an interpolated expression
};

struct RuleDef {
  std::string id;
  int root = -1;
  std::string code;
  std::vector<MessagePart> message_id, message_en;
  std::vector<int> fields_read;  // field indices, sorted, unique
};

struct TestCase {
  std::string name;
  Date as_of;
  std::string input_json;
  std::string decision;
  bool has_reasons = false;
  std::vector<std::string> reasons;
  bool has_amount = false;
  std::int64_t amount = 0;
  bool has_priority = false;
  std::int64_t priority = 0;
};

struct Compiled;

struct RuleSetImpl {
  std::string id, version, scope, sha256, canonical;
  TimeZone zone = TimeZone::kWIB;
  Date valid_from, valid_to;
  Schema schema;
  std::vector<std::string> programs;  // programme codes known to the rule set (bit = index)
  std::vector<std::string> strings;   // string constant pool
  std::vector<Param> params;
  std::vector<Node> nodes;          // generic typed program (params unresolved)
  std::vector<std::int32_t> extra;  // argument lists of kCountTrue
  std::vector<std::string> expr_paths;
  std::vector<RuleDef> rules;
  int amount_root = -1, priority_root = -1;
  std::vector<TestCase> tests;
  std::shared_ptr<const ConflictTable> conflicts;

  mutable std::mutex cache_mutex;
  mutable std::map<std::int32_t, std::shared_ptr<const Compiled>> cache;

  int program_index(std::string_view code) const noexcept;
  std::shared_ptr<const Compiled> compiled_for(Date as_of) const;
};

/// The program for one decision date.
struct Compiled {
  Date as_of;
  bool in_period = true;
  std::vector<Node> nodes;
  std::vector<std::int32_t> extra;
  std::vector<int> rule_roots;
  int amount_root = -1, priority_root = -1;
};

/// Specialises the generic program for a date; throws RuleError when a constant
/// fails (division by zero, overflow), naming its expression and column.
std::shared_ptr<const Compiled> compile_for(const RuleSetImpl& rs, Date as_of);

// ---- decoded records -------------------------------------------------------------
/// Leaves the elements that resize(n) adds uninitialised (resize(n, value) still fills):
/// the value and length of a missing entry are never read, so new rows are not written
/// twice (once as zeros, once by a setter).
template <typename T>
struct UninitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() noexcept = default;
  template <typename U>
  UninitAllocator(const UninitAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

struct Column {
  // Read only where known[row] != 0 (n: only for strings and lists).
  std::vector<std::int64_t, UninitAllocator<std::int64_t>>
      v;  // value; string: offset into chars; list: first element
  std::vector<std::uint32_t, UninitAllocator<std::uint32_t>> n;  // string length / list length
  std::vector<std::uint8_t> known;
};

struct BatchData {
  std::size_t rows = 0;
  std::vector<std::size_t> elems;  // element rows per element type
  std::vector<Column> cols;        // one per schema field
  std::string chars;
  std::vector<std::string> extra_programs;  // codes seen in records, after the rule set's
};

/// The value the evaluator passes around: 24 bytes, no ownership.
struct Val {
  std::int64_t i = 0;       // bool/int/money/date/enum; set mask; list first element
  const char* s = nullptr;  // string
  std::uint32_t n = 0;      // string or list length
  bool known = false;
};

struct EvalCtx {
  const Compiled* prog = nullptr;
  const RuleSetImpl* rs = nullptr;
  const BatchData* batch = nullptr;
  std::size_t row = 0;
  std::size_t elem[kMaxLambdaDepth] = {};
  bool failed = false;  // an arithmetic error (overflow, division by zero) happened
  // The step budget: list elements visited so far and the most allowed (UINT64_MAX: no
  // limit); `limited` once it ran out, after which every node answers unknown at once.
  std::uint64_t steps = 0;
  std::uint64_t step_limit = UINT64_MAX;
  bool limited = false;
  std::uint64_t nodes = 0;  // eval_node calls (for the fuzz harness's bound on total work)
};

/// Test hook (tests/fuzz/fuzz_rules_budget.cpp): when set on a thread, every record
/// evaluation on that thread (fast, explain, or the messages of decide) passes its final
/// context here when it ends. Null, and never set, in the library itself.
using EvalObserver = void (*)(const EvalCtx& ctx);
extern thread_local EvalObserver eval_observer;

/// Evaluates a node; sets ctx.failed on an arithmetic error (the value is then unknown).
Val eval_node(EvalCtx& ctx, int node);

/// Formats a value for messages (id: Indonesian, else English). NIK-like strings are masked.
std::string format_value(const RuleSetImpl& rs, const BatchData* batch, Type type, const Val& v,
                         bool indonesian);

/// Programme code of a set bit for a batch (rule set's codes, then the batch's).
std::string_view program_name(const RuleSetImpl& rs, const BatchData* batch, int bit);

std::shared_ptr<const RuleSetImpl> load_ruleset(std::string_view json, const RuleOptions& options);

// ---- cost bound (cost.cpp) ----------------------------------------------------------------
/// The work bound of one rule set with every list at `list_length` elements: the most list
/// elements count/any/all/sum can visit (what the evaluator's step budget counts) in one
/// record's evaluation (rules, amount and priority: one budget) and in the messages of
/// its failing rules (decide() renders them under a budget of its own).
struct WorkBound {
  double evaluation = 0;              // every rule + amount + priority
  double messages = 0;                // every rule's interpolated message expressions
  std::vector<double> rules;          // per rule: its condition
  std::vector<double> rule_messages;  // per rule: its messages (id and en)
  double amount = 0, priority = 0;
};
WorkBound work_bound(const RuleSetImpl& rs, double list_length);
/// Throws RuleError (kLimit) naming the costliest rule when the bound at
/// options.assumed_list_length exceeds options.max_work (0: no check).
void check_work_bound(const RuleSetImpl& rs, const RuleOptions& options);

}  // namespace smartkampung::detail

#endif
