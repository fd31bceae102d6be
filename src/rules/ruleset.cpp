// The public face of the rules area: RuleSet, Evaluator, decisions and embedded tests.
#include <fstream>
#include <smartkampung/io.hpp>
#include <smartkampung/nik.hpp>
#include <smartkampung/rules.hpp>
#include <sstream>

#include "core/json.hpp"
#include "rules/ir.hpp"
#include "rules/json_util.hpp"

namespace smartkampung {

using detail::Compiled;
using detail::EvalCtx;
using detail::RuleSetImpl;
using detail::Val;

namespace {
std::string rule_error_text(const std::string& path, int column, const std::string& message) {
  if (path.empty()) return message;
  return path + (column > 0 ? ", column " + std::to_string(column) : std::string()) + ": " +
         message;
}
}  // namespace

RuleError::RuleError(ErrorCode code, std::string path, int column, const std::string& message)
    : Error(code, rule_error_text(path, column, message)),
      path_(std::move(path)),
      column_(column) {}
RuleError::~RuleError() = default;

const char* verdict_name(Verdict v) noexcept {
  switch (v) {
    case Verdict::kEligible:
      return "eligible";
    case Verdict::kIneligible:
      return "ineligible";
    case Verdict::kNeedsData:
      return "needs_data";
    case Verdict::kError:
      return "error";
  }
  return "?";
}

// ---- Evaluator ---------------------------------------------------------------------
Evaluator::Evaluator(const RuleSet& rules, Date as_of)
    : rules_(rules.impl_), compiled_(rules_->compiled_for(as_of)) {}
Evaluator::~Evaluator() = default;
Evaluator::Evaluator(const Evaluator&) = default;
Evaluator& Evaluator::operator=(const Evaluator&) = default;

Date Evaluator::as_of() const noexcept { return compiled_->as_of; }

namespace {
void check_batch(const std::shared_ptr<const RuleSetImpl>& mine,
                 const std::shared_ptr<const RuleSetImpl>& theirs, std::size_t row,
                 std::size_t rows) {
  if (mine != theirs)
    throw Error(ErrorCode::kInvalidArgument, "the record batch was made for another rule set");
  if (row >= rows)
    throw Error(ErrorCode::kInvalidArgument, "row " + std::to_string(row) + " out of range");
}

struct Run {
  const Compiled& c;
  EvalCtx ctx;
  Run(const Compiled& compiled, const RuleSetImpl& rs, const detail::BatchData* batch,
      std::size_t row, std::uint64_t step_limit)
      : c(compiled) {
    ctx.prog = &compiled;
    ctx.rs = &rs;
    ctx.batch = batch;
    ctx.row = row;
    ctx.step_limit = step_limit == 0 ? UINT64_MAX : step_limit;
  }
  ~Run() {
    if (detail::eval_observer != nullptr) detail::eval_observer(ctx);
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  Val at(int root) { return detail::eval_node(ctx, root); }
  // True (and the outcome set to an error) once the record ran past its step budget.
  bool over_budget(Outcome& o) const {
    if (!ctx.limited) return false;
    o = Outcome{};
    o.verdict = Verdict::kError;
    o.reason = Outcome::kStepLimit;
    return true;
  }
  // After the rules: priority, then the amount when every rule holds.
  void finish(Outcome& o, std::int32_t first_unknown) {
    if (c.priority_root >= 0) {
      const Val p = at(c.priority_root);
      if (over_budget(o)) return;
      o.priority = p.known ? p.i : 0;
    }
    if (first_unknown != Outcome::kNoReason) {
      o.verdict = Verdict::kNeedsData;
      o.reason = first_unknown;
      return;
    }
    if (c.amount_root >= 0) {
      const Val a = at(c.amount_root);
      if (over_budget(o)) return;
      if (!a.known) {
        o.verdict = Verdict::kNeedsData;
        o.reason = Outcome::kAmountUnknown;
        return;
      }
      o.amount = a.i;
    }
    o.verdict = Verdict::kEligible;
  }
};
}  // namespace

Outcome Evaluator::evaluate(const RecordBatch& batch, std::size_t row) const {
  check_batch(rules_, batch.rules_, row, batch.data_->rows);
  Outcome o;
  const Compiled& c = *compiled_;
  if (!c.in_period) {
    o.reason = Outcome::kOutOfPeriod;
    return o;
  }
  Run run(c, *rules_, batch.data_.get(), row, step_limit_);
  std::int32_t first_unknown = Outcome::kNoReason;
  const std::size_t n = c.rule_roots.size();
  for (std::size_t r = 0; r < n; ++r) {
    const Val v = run.at(c.rule_roots[r]);
    if (run.over_budget(o)) return o;
    if (!v.known) {
      if (first_unknown == Outcome::kNoReason) first_unknown = static_cast<std::int32_t>(r);
    } else if (v.i == 0) {
      o.verdict = Verdict::kIneligible;
      o.reason = static_cast<std::int32_t>(r);
      return o;
    }
  }
  run.finish(o, first_unknown);
  return o;
}

Outcome Evaluator::explain(const RecordBatch& batch, std::size_t row,
                           std::vector<std::int32_t>& reasons) const {
  check_batch(rules_, batch.rules_, row, batch.data_->rows);
  reasons.clear();
  Outcome o;
  const Compiled& c = *compiled_;
  if (!c.in_period) {
    o.reason = Outcome::kOutOfPeriod;
    reasons.push_back(o.reason);
    return o;
  }
  Run run(c, *rules_, batch.data_.get(), row, step_limit_);
  std::int32_t first_unknown = Outcome::kNoReason;
  std::size_t failing = 0;
  const std::size_t n = c.rule_roots.size();
  // Failing rules go first in `reasons`, unknown ones after them; an ineligible
  // decision is explained by its failures alone.
  for (std::size_t r = 0; r < n; ++r) {
    const Val v = run.at(c.rule_roots[r]);
    if (run.over_budget(o)) {
      reasons.assign(1, o.reason);
      return o;
    }
    if (!v.known) {
      if (first_unknown == Outcome::kNoReason) first_unknown = static_cast<std::int32_t>(r);
      reasons.push_back(static_cast<std::int32_t>(r));
    } else if (v.i == 0) {
      reasons.insert(reasons.begin() + static_cast<std::ptrdiff_t>(failing),
                     static_cast<std::int32_t>(r));
      ++failing;
    }
  }
  if (failing > 0) {
    reasons.resize(failing);
    o.verdict = Verdict::kIneligible;
    o.reason = reasons.front();
    return o;
  }
  run.finish(o, first_unknown);
  if (o.reason == Outcome::kAmountUnknown) reasons.push_back(o.reason);
  if (o.reason == Outcome::kStepLimit) reasons.assign(1, o.reason);
  return o;
}

std::size_t Evaluator::evaluate_batch(const RecordBatch& batch, std::int8_t* verdicts,
                                      std::int64_t* amounts, std::int32_t* reasons,
                                      const std::function<bool()>& cancelled) const {
  const std::size_t n = batch.size();
  std::size_t done = 0;
  for (; done < n; ++done) {
    if (cancelled && cancelled()) break;
    const Outcome o = evaluate(batch, done);
    if (verdicts != nullptr) verdicts[done] = static_cast<std::int8_t>(o.verdict);
    if (amounts != nullptr) amounts[done] = o.amount;
    if (reasons != nullptr) reasons[done] = o.reason;
  }
  for (std::size_t i = done; i < n; ++i) {  // cancelled: every row still gets an answer
    if (verdicts != nullptr) verdicts[i] = static_cast<std::int8_t>(Verdict::kError);
    if (amounts != nullptr) amounts[i] = 0;
    if (reasons != nullptr) reasons[i] = Outcome::kStepLimit;
  }
  return done;
}

const char* Evaluator::reason_code(std::int32_t reason) const noexcept {
  if (reason == Outcome::kOutOfPeriod) return "OUT_OF_PERIOD";
  if (reason == Outcome::kAmountUnknown) return "AMOUNT_UNKNOWN";
  if (reason == Outcome::kStepLimit) return "LIMIT";
  if (reason < 0 || static_cast<std::size_t>(reason) >= rules_->rules.size()) return "";
  return rules_->rules[static_cast<std::size_t>(reason)].code.c_str();
}

namespace {
std::string render(Run& run, const RuleSetImpl& rs, const detail::BatchData* batch,
                   const std::vector<detail::MessagePart>& parts, bool id) {
  std::string out;
  for (const auto& p : parts) {
    if (p.expr < 0) {
      out += p.text;
      continue;
    }
    const Val v = run.at(p.expr);
    out +=
        detail::format_value(rs, batch, run.c.nodes[static_cast<std::size_t>(p.expr)].type, v, id);
  }
  return out;
}
}  // namespace

Decision Evaluator::decide(const RecordBatch& batch, std::size_t row, bool explain_mode) const {
  std::vector<std::int32_t> idx;
  Outcome o;
  if (explain_mode) {
    o = explain(batch, row, idx);
  } else {
    o = evaluate(batch, row);
    if (o.verdict != Verdict::kEligible) idx.push_back(o.reason);
  }
  const RuleSetImpl& rs = *rules_;
  Decision d;
  d.verdict = o.verdict;
  d.amount = o.verdict == Verdict::kEligible ? o.amount : 0;
  d.priority = o.priority;
  d.ruleset = rs.id;
  d.version = rs.version;
  d.sha256 = rs.sha256;
  d.as_of = compiled_->as_of;
  Run run(*compiled_, rs, batch.data_.get(), row, step_limit_);
  for (std::int32_t r : idx) {
    Reason reason;
    if (r == Outcome::kOutOfPeriod) {
      reason.code = "OUT_OF_PERIOD";
      reason.message_id = "Tanggal keputusan " + d.as_of.to_iso() + " di luar masa berlaku " +
                          rs.valid_from.to_iso() + " s.d. " + rs.valid_to.to_iso();
      reason.message_en = "The decision date " + d.as_of.to_iso() + " is outside the validity " +
                          rs.valid_from.to_iso() + " to " + rs.valid_to.to_iso();
    } else if (r == Outcome::kStepLimit) {
      reason.code = "LIMIT";
      reason.message_id = "Evaluasi dihentikan: data ini memerlukan lebih dari " +
                          std::to_string(step_limit_) + " langkah (batas per data)";
      reason.message_en = "Evaluation stopped: this record needs more than " +
                          std::to_string(step_limit_) + " steps (the limit per record)";
    } else if (r == Outcome::kAmountUnknown) {
      reason.code = "AMOUNT_UNKNOWN";
      reason.unknown = true;
      reason.message_id = "Besaran bantuan tidak dapat dihitung: data belum lengkap";
      reason.message_en = "The amount cannot be computed: data is missing";
    } else if (r >= 0) {
      const detail::RuleDef& def = rs.rules[static_cast<std::size_t>(r)];
      reason.rule = def.id;
      reason.code = def.code;
      reason.unknown = o.verdict == Verdict::kNeedsData;
      reason.message_id = render(run, rs, batch.data_.get(), def.message_id, true);
      reason.message_en = render(run, rs, batch.data_.get(), def.message_en, false);
      if (explain_mode) {
        for (int f : def.fields_read) {
          const auto& fd = rs.schema.fields[static_cast<std::size_t>(f)];
          const detail::Column& col = batch.data_->cols[static_cast<std::size_t>(f)];
          Val v;
          if (col.known[row]) {
            v.known = true;
            v.i = col.v[row];
            if (fd.type.kind == detail::Kind::kString || fd.type.kind == detail::Kind::kList)
              v.n = col.n[row];
            v.s = batch.data_->chars.data() + (fd.type.kind == detail::Kind::kString ? v.i : 0);
          }
          reason.values.emplace_back(
              fd.path, detail::format_value(rs, batch.data_.get(), fd.type, v, false));
        }
      }
    }
    d.reasons.push_back(std::move(reason));
  }
  return d;
}

std::string Decision::to_json() const {
  detail::json::JsonWriter w;
  w.begin_object().field("schema", "skamp-decision/1").field("decision", verdict_name(verdict));
  w.key("reasons").begin_array();
  for (const Reason& r : reasons) {
    w.begin_object()
        .field("code", r.code)
        .field("rule", r.rule)
        .field("message_id", r.message_id)
        .field("message_en", r.message_en)
        .field("unknown", r.unknown);
    if (!r.values.empty()) {
      w.key("values").begin_object();
      for (const auto& [name, value] : r.values) w.field(name, value);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  w.field("amount", amount)
      .field("priority", priority)
      .field("ruleset", ruleset)
      .field("version", version)
      .field("sha256", sha256)
      .field("as_of", as_of.to_iso())
      .end_object();
  return w.str();
}

// ---- RuleSet -------------------------------------------------------------------------
RuleSet RuleSet::from_json(std::string_view json, const RuleOptions& options) {
  return RuleSet(detail::load_ruleset(json, options));
}

RuleSet RuleSet::from_file(const std::string& path, const RuleOptions& options) {
  std::string text;
  try {
    text = read_file(path);  // devices, FIFOs and directories are refused before reading
  } catch (const Error& e) {
    throw RuleError(ErrorCode::kIo, "", 0, std::string("cannot read the rule file: ") + e.what());
  }
  return from_json(text, options);
}

const std::string& RuleSet::id() const noexcept { return impl_->id; }
const std::string& RuleSet::version() const noexcept { return impl_->version; }
const std::string& RuleSet::sha256() const noexcept { return impl_->sha256; }
Date RuleSet::valid_from() const noexcept { return impl_->valid_from; }
Date RuleSet::valid_to() const noexcept { return impl_->valid_to; }
const std::string& RuleSet::scope() const noexcept { return impl_->scope; }
std::shared_ptr<const ConflictTable> RuleSet::conflicts() const noexcept {
  return impl_->conflicts;
}
TimeZone RuleSet::time_zone() const noexcept { return impl_->zone; }
const std::string& RuleSet::to_json() const noexcept { return impl_->canonical; }
Date RuleSet::decision_date(Instant t) const noexcept { return local_date(t, impl_->zone); }

std::vector<std::string> RuleSet::rule_ids() const {
  std::vector<std::string> out;
  for (const auto& r : impl_->rules) out.push_back(r.id);
  return out;
}

Evaluator RuleSet::evaluator(Date as_of) const { return Evaluator(*this, as_of); }

Decision RuleSet::evaluate_json(std::string_view record_json, Date as_of, bool explain) const {
  RecordBatch batch(*this);
  batch.append_json(record_json);
  return evaluator(as_of).decide(batch, 0, explain);
}

std::vector<TestFailure> RuleSet::run_tests() const {
  std::vector<TestFailure> failures;
  for (const detail::TestCase& t : impl_->tests) {
    auto failed = [&](const std::string& msg) { failures.push_back(TestFailure{t.name, msg}); };
    try {
      RecordBatch batch(*this);
      batch.append_json(t.input_json);
      const Evaluator ev = evaluator(t.as_of);
      const Decision fast = ev.decide(batch, 0, false);
      const Decision full = ev.decide(batch, 0, true);
      auto codes = [](const Decision& d) {
        std::string s;
        for (const Reason& r : d.reasons) s += (s.empty() ? "" : ",") + r.code;
        return "[" + s + "]";
      };
      std::string want_codes;
      for (const auto& c : t.reasons) want_codes += (want_codes.empty() ? "" : ",") + c;
      want_codes = "[" + want_codes + "]";
      if (verdict_name(full.verdict) != t.decision) {
        failed("expected " + t.decision + ", got " + verdict_name(full.verdict) + " " +
               codes(full));
      } else if (fast.verdict != full.verdict) {
        failed("fast mode gave " + std::string(verdict_name(fast.verdict)) + ", explain mode " +
               verdict_name(full.verdict));
      } else if (t.has_reasons && codes(full) != want_codes) {
        failed("expected reasons " + want_codes + ", got " + codes(full));
      } else if (!full.reasons.empty() &&
                 (fast.reasons.empty() || fast.reasons[0].code != full.reasons[0].code)) {
        failed("fast mode reason " + codes(fast) + " is not the first of explain mode " +
               codes(full));
      } else if (t.has_amount && full.amount != t.amount) {
        failed("expected amount " + std::to_string(t.amount) + ", got " +
               std::to_string(full.amount));
      } else if (fast.amount != full.amount) {
        failed("fast and explain mode amounts differ");
      } else if (t.has_priority && full.priority != t.priority) {
        failed("expected priority " + std::to_string(t.priority) + ", got " +
               std::to_string(full.priority));
      }
    } catch (const Error& e) {
      failed(std::string("error: ") + e.what());
    }
  }
  return failures;
}

}  // namespace smartkampung
