#include <smartkampung/c/rules.h>

#include <functional>
#include <memory>
#include <mutex>
#include <smartkampung/rules.hpp>
#include <smartkampung/tables.hpp>
#include <vector>

#include "capi/arrow_c.hpp"
#include "capi/guard.hpp"
#include "core/json.hpp"
#include "rules/ir.hpp"

using namespace smartkampung;
using smartkampung::capi::check_text;
using smartkampung::capi::dup_string;
using smartkampung::capi::guard;
using smartkampung::capi::require;
using smartkampung::capi::require_text;
using smartkampung::detail::json::JsonWriter;

struct skamp_ruleset {
  mutable std::mutex mutex;
  std::shared_ptr<const RuleSet> current;
  // Rule sets replaced by reload stay alive so that reason codes handed out stay valid.
  std::vector<std::shared_ptr<const RuleSet>> retired;

  std::shared_ptr<const RuleSet> get() const {
    std::lock_guard<std::mutex> lock(mutex);
    return current;
  }
};

namespace {
// `len` bytes of rule-file JSON: refused before a byte is read when no rule file can be
// that long (a len of SIZE_MAX would otherwise send the UTF-8 check past the buffer).
void check_rule_text(const char* json, size_t len) {
  require(json, "json");
  if (len > detail::kMaxRuleFileBytes) {
    throw Error(ErrorCode::kLimit, "len is larger than a rule file may be (16 MiB)");
  }
  check_text(json, len, "json");
}

Date date_of(int year, int month, int day) { return Date::from_ymd(year, month, day); }

const skamp_ruleset& checked(const skamp_ruleset* rs) {
  require(rs, "rs");
  return *rs;
}
}  // namespace

extern "C" {

skamp_status skamp_ruleset_new_json(skamp_ruleset** out, const char* json, size_t len,
                                    const char* conflicts_json) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    check_rule_text(json, len);
    check_text(conflicts_json, "conflicts_json");
    RuleOptions opt;
    if (conflicts_json != nullptr)
      opt.conflicts = std::make_shared<ConflictTable>(ConflictTable::from_json(conflicts_json));
    auto handle = std::make_unique<skamp_ruleset>();
    handle->current =
        std::make_shared<const RuleSet>(RuleSet::from_json(std::string_view(json, len), opt));
    *out = handle.release();
  });
}

skamp_status skamp_ruleset_builtin(skamp_ruleset** out, const char* name) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(name, "name");
    auto handle = std::make_unique<skamp_ruleset>();
    handle->current = std::make_shared<const RuleSet>(RuleSet::builtin(name));
    *out = handle.release();
  });
}

skamp_status skamp_ruleset_builtin_names(char** out) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    JsonWriter w;
    w.value(RuleSet::builtin_names());
    *out = dup_string(w.text());
  });
}

skamp_status skamp_ruleset_reload(skamp_ruleset* rs, const char* json, size_t len) {
  return guard([&] {
    require(rs, "rs");
    check_rule_text(json, len);
    auto next = std::make_shared<const RuleSet>(RuleSet::from_json(std::string_view(json, len)));
    std::lock_guard<std::mutex> lock(rs->mutex);
    rs->retired.push_back(rs->current);
    rs->current = std::move(next);
  });
}

void skamp_ruleset_free(skamp_ruleset* rs) { delete rs; }

skamp_status skamp_ruleset_info_json(char** out, const skamp_ruleset* rs) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const auto r = checked(rs).get();
    JsonWriter w;
    w.begin_object()
        .field("schema", "skamp-ruleset-info/1")
        .field("ruleset", r->id())
        .field("version", r->version())
        .field("sha256", r->sha256())
        .field("scope", r->scope())
        .field("valid_from", r->valid_from().to_iso())
        .field("valid_to", r->valid_to().to_iso())
        .field("rules", r->rule_ids())
        .end_object();
    *out = dup_string(w.text());
  });
}

skamp_status skamp_ruleset_to_json(char** out, const skamp_ruleset* rs) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = dup_string(checked(rs).get()->to_json());
  });
}

skamp_status skamp_ruleset_evaluate_json(char** out, const skamp_ruleset* rs,
                                         const char* record_json, int year, int month, int day,
                                         int explain) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require_text(record_json, "record_json");
    const auto r = checked(rs).get();
    *out = dup_string(
        r->evaluate_json(record_json, date_of(year, month, day), explain != 0).to_json());
  });
}

namespace {
// Both batch entries: parse, check the count, evaluate; `cancel` (may be NULL) is read
// atomically before each record. Returns how many records were evaluated.
std::size_t evaluate_batch_json(int8_t* decisions, int64_t* amounts, int32_t* reasons,
                                const skamp_ruleset* rs, const char* records_json, size_t count,
                                int year, int month, int day, const int* cancel) {
  require_text(records_json, "records_json");
  const auto r = checked(rs).get();
  const Date date = date_of(year, month, day);
  RecordBatch batch(*r);
  const std::size_t n = batch.append_json_array(records_json);
  if (n != count) {
    throw Error(ErrorCode::kInvalidArgument, "records_json holds " + std::to_string(n) +
                                                 " records, count is " + std::to_string(count));
  }
  std::function<bool()> cancelled;
  if (cancel != nullptr)
    cancelled = [cancel] { return __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0; };
  return r->evaluator(date).evaluate_batch(batch, decisions, amounts, reasons, cancelled);
}
}  // namespace

skamp_status skamp_ruleset_evaluate_batch(int8_t* decisions, int64_t* amounts, int32_t* reasons,
                                          const skamp_ruleset* rs, const char* records_json,
                                          size_t count, int year, int month, int day) {
  return guard([&] {
    (void)evaluate_batch_json(decisions, amounts, reasons, rs, records_json, count, year, month,
                              day, nullptr);
  });
}

skamp_status skamp_ruleset_evaluate_batch_cancellable(size_t* out_done, int8_t* decisions,
                                                      int64_t* amounts, int32_t* reasons,
                                                      const skamp_ruleset* rs,
                                                      const char* records_json, size_t count,
                                                      int year, int month, int day,
                                                      const int* cancel) {
  return guard([&] {
    require(out_done, "out_done");
    *out_done = 0;
    *out_done = evaluate_batch_json(decisions, amounts, reasons, rs, records_json, count, year,
                                    month, day, cancel);
    if (*out_done < count) {
      throw Error(ErrorCode::kLimit, "the batch was cancelled after " + std::to_string(*out_done) +
                                         " of " + std::to_string(count) + " records");
    }
  });
}

const char* skamp_ruleset_reason_code(const skamp_ruleset* rs, int32_t reason) {
  if (rs == nullptr) return "";
  try {
    const auto r = rs->get();
    return r->evaluator(r->valid_from()).reason_code(reason);
  } catch (...) {
    return "";
  }
}

skamp_status skamp_ruleset_run_tests_json(char** out, const skamp_ruleset* rs) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const auto r = checked(rs).get();
    const auto failures = r->run_tests();
    JsonWriter w;
    w.begin_object().field("schema", "skamp-rule-tests/1");
    w.key("failures").begin_array();
    for (const auto& f : failures)
      w.begin_object().field("name", f.name).field("message", f.message).end_object();
    w.end_array().end_object();
    *out = dup_string(w.text());
  });
}

}  // extern "C"

// ---- Arrow streams ------------------------------------------------------------------------
extern "C" {

skamp_status skamp_ruleset_evaluate_arrow(struct ArrowArrayStream* out, const skamp_ruleset* rs,
                                          struct ArrowArrayStream* records, int year, int month,
                                          int day) {
  return guard([&] {
    capi::TakenStream in(records, "records");
    capi::clear_stream(out, "out");
    const auto r = checked(rs).get();
    const Date as_of = Date::from_ymd(year, month, day);
    RecordBatch batch(*r);
    tables::append_records(batch, in.reader());
    capi::give_stream(tables::decisions_table(r->evaluator(as_of), batch), out);
  });
}

}  // extern "C"
