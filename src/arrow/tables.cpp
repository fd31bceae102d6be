// Every bulk result as an Arrow table (column names documented in docs/arrow.md).
#include <cmath>
#include <smartkampung/nik.hpp>
#include <smartkampung/tables.hpp>

namespace smartkampung::tables {

using arrow::Column;
using arrow::ColumnBuilder;
using arrow::Table;

const char* dedup_table_name(DedupTable table) noexcept {
  switch (table) {
    case DedupTable::kDuplicates:
      return "duplicates";
    case DedupTable::kOverlaps:
      return "overlaps";
    case DedupTable::kConflicts:
      return "conflicts";
    case DedupTable::kNikMismatches:
      return "nik_mismatches";
    case DedupTable::kExclusionViolations:
      return "exclusion_violations";
    case DedupTable::kLikelyDuplicates:
      return "likely_duplicates";
  }
  return "";
}

DedupTable parse_dedup_table(std::string_view name) {
  for (int t = 0; t <= static_cast<int>(DedupTable::kLikelyDuplicates); ++t) {
    if (name == dedup_table_name(static_cast<DedupTable>(t))) return static_cast<DedupTable>(t);
  }
  throw Error(
      ErrorCode::kInvalidArgument,
      "table: expected duplicates, overlaps, conflicts, nik_mismatches, exclusion_violations or "
      "likely_duplicates");
}

namespace {
void text_or_null(ColumnBuilder& b, std::string_view text) {
  if (text.empty()) {
    b.append_null();
  } else {
    b.append_text(text);
  }
}

Table nik_table(const std::vector<std::uint64_t>& niks) {
  ColumnBuilder nik = ColumnBuilder::utf8("nik");
  nik.reserve(niks.size());
  for (std::uint64_t n : niks) nik.append_text(nik_digits(n));
  return Table({nik.finish()});
}
}  // namespace

Table dedup_table(const DedupReport& report, DedupTable table) {
  switch (table) {
    case DedupTable::kDuplicates: {
      ColumnBuilder program = ColumnBuilder::dictionary("program"),
                    nik = ColumnBuilder::utf8("nik"), count = ColumnBuilder::int64("count");
      for (const DuplicateEntry& d : report.duplicates) {
        program.append_text(d.program);
        nik.append_text(nik_digits(d.nik));
        count.append_int(static_cast<std::int64_t>(d.count));
      }
      return Table({program.finish(), nik.finish(), count.finish()});
    }
    case DedupTable::kOverlaps: {
      ColumnBuilder nik = ColumnBuilder::utf8("nik");
      ColumnBuilder programs = ColumnBuilder::list("programs", ColumnBuilder::utf8("item"));
      ColumnBuilder count = ColumnBuilder::int64("count");
      for (const auto& [key, progs] : report.overlaps) {
        nik.append_text(nik_digits(key));
        for (const std::string& p : progs) programs.item().append_text(p);
        programs.end_list();
        count.append_int(static_cast<std::int64_t>(progs.size()));
      }
      return Table({nik.finish(), programs.finish(), count.finish()});
    }
    case DedupTable::kConflicts:
      return nik_table(report.conflicts);
    case DedupTable::kNikMismatches:
      return nik_table(report.nik_mismatches);
    case DedupTable::kExclusionViolations: {
      ColumnBuilder key = ColumnBuilder::utf8("key"), scope = ColumnBuilder::dictionary("scope"),
                    a = ColumnBuilder::dictionary("program_a"),
                    b = ColumnBuilder::dictionary("program_b");
      for (const ExclusionViolation& v : report.exclusion_violations) {
        key.append_text(nik_digits(v.key));
        scope.append_text(v.household ? "kk" : "person");
        a.append_text(v.program_a);
        b.append_text(v.program_b);
      }
      return Table({key.finish(), scope.finish(), a.finish(), b.finish()});
    }
    case DedupTable::kLikelyDuplicates: {
      ColumnBuilder pa = ColumnBuilder::dictionary("program_a"),
                    la = ColumnBuilder::int64("line_a"), na = ColumnBuilder::utf8("nik_a"),
                    pb = ColumnBuilder::dictionary("program_b"),
                    lb = ColumnBuilder::int64("line_b"), nb = ColumnBuilder::utf8("nik_b"),
                    p = ColumnBuilder::float64("probability");
      for (const LikelyDuplicate& d : report.likely_duplicates) {
        pa.append_text(d.program_a);
        la.append_int(static_cast<std::int64_t>(d.line_a));
        text_or_null(na, d.nik_a);
        pb.append_text(d.program_b);
        lb.append_int(static_cast<std::int64_t>(d.line_b));
        text_or_null(nb, d.nik_b);
        p.append_double(d.probability);
      }
      return Table({pa.finish(), la.finish(), na.finish(), pb.finish(), lb.finish(), nb.finish(),
                    p.finish()});
    }
  }
  throw Error(ErrorCode::kInvalidArgument, "table: unknown dedup table");
}

Table enrolments_table(const std::vector<Enrolment>& records) {
  ColumnBuilder program = ColumnBuilder::dictionary("program"), nik = ColumnBuilder::utf8("nik"),
                kk = ColumnBuilder::utf8("kk"), name = ColumnBuilder::utf8("name"),
                birth = ColumnBuilder::date32("birth_date"), sex = ColumnBuilder::utf8("sex"),
                address = ColumnBuilder::utf8("address"), village = ColumnBuilder::utf8("village"),
                district = ColumnBuilder::utf8("district"), rt = ColumnBuilder::int32("rt"),
                rw = ColumnBuilder::int32("rw"), line = ColumnBuilder::int64("line");
  for (ColumnBuilder* b :
       {&program, &nik, &kk, &name, &birth, &sex, &address, &village, &district, &rt, &rw, &line}) {
    b->reserve(records.size());
  }
  for (const Enrolment& e : records) {
    program.append_text(e.program);
    nik.append_text(e.nik);
    text_or_null(kk, e.kk);
    name.append_text(e.name);
    if (e.birth_date) {
      birth.append_int(e.birth_date->days_since_epoch());
    } else {
      birth.append_null();
    }
    if (e.sex != 0) {
      sex.append_text(std::string_view(&e.sex, 1));
    } else {
      sex.append_null();
    }
    address.append_text(e.address);
    village.append_text(e.village);
    district.append_text(e.district);
    if (e.rt >= 0)
      rt.append_int(e.rt);
    else
      rt.append_null();
    if (e.rw >= 0)
      rw.append_int(e.rw);
    else
      rw.append_null();
    line.append_int(static_cast<std::int64_t>(e.line));
  }
  return Table({program.finish(), nik.finish(), kk.finish(), name.finish(), birth.finish(),
                sex.finish(), address.finish(), village.finish(), district.finish(), rt.finish(),
                rw.finish(), line.finish()});
}

Table link_pairs_table(const LinkResult& result) {
  ColumnBuilder i = ColumnBuilder::int64("i"), j = ColumnBuilder::int64("j"),
                p = ColumnBuilder::float64("probability"),
                w = ColumnBuilder::float64("match_weight");
  for (ColumnBuilder* b : {&i, &j, &p, &w}) b->reserve(result.pairs.size());
  for (const LinkPair& pair : result.pairs) {
    i.append_int(pair.i);
    j.append_int(pair.j);
    p.append_double(pair.probability);
    w.append_double(pair.weight);
  }
  return Table({i.finish(), j.finish(), p.finish(), w.finish()});
}

Table link_clusters_table(const std::vector<std::int64_t>& cluster_ids,
                          const std::vector<double>& confidence) {
  ColumnBuilder record = ColumnBuilder::int64("record"),
                cluster = ColumnBuilder::int64("cluster_id"),
                conf = ColumnBuilder::float64("confidence");
  const std::size_t n = cluster_ids.size();
  for (ColumnBuilder* b : {&record, &cluster, &conf}) b->reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    record.append_int(static_cast<std::int64_t>(r));
    cluster.append_int(cluster_ids[r]);
    if (r < confidence.size()) {
      conf.append_double(confidence[r]);
    } else {
      conf.append_null();
    }
  }
  return Table({record.finish(), cluster.finish(), conf.finish()});
}

Table decisions_table(const Evaluator& evaluator, const RecordBatch& batch,
                      const Progress& progress) {
  const std::size_t n = batch.size();
  // Dictionaries given up front: a verdict's value is its index, a reason's index comes
  // from a small table (rule codes may repeat across rules: each is listed once).
  std::vector<std::string> codes = {"OUT_OF_PERIOD", "AMOUNT_UNKNOWN", "LIMIT"};
  std::vector<std::int32_t> code_of_rule;
  for (std::int32_t r = 0;; ++r) {
    const std::string code = evaluator.reason_code(r);
    if (code.empty()) break;
    std::int32_t at = -1;
    for (std::size_t k = 0; k < codes.size(); ++k) {
      if (codes[k] == code) at = static_cast<std::int32_t>(k);
    }
    if (at < 0) {
      at = static_cast<std::int32_t>(codes.size());
      codes.push_back(code);
    }
    code_of_rule.push_back(at);
  }
  const auto code_index = [&](std::int32_t reason) -> std::int32_t {
    if (reason >= 0)
      return static_cast<std::size_t>(reason) < code_of_rule.size()
                 ? code_of_rule[static_cast<std::size_t>(reason)]
                 : -1;
    if (reason == Outcome::kOutOfPeriod) return 0;
    if (reason == Outcome::kAmountUnknown) return 1;
    if (reason == Outcome::kStepLimit) return 2;
    return -1;
  };
  ColumnBuilder decision = ColumnBuilder::dictionary(
                    "decision", {"eligible", "ineligible", "needs_data", "error"}),
                amount = ColumnBuilder::int64("amount"),
                priority = ColumnBuilder::int64("priority"),
                reason = ColumnBuilder::dictionary("reason", codes),
                reasons = ColumnBuilder::list("reasons", ColumnBuilder::dictionary("item", codes));
  for (ColumnBuilder* b : {&decision, &amount, &priority, &reason, &reasons}) b->reserve(n);
  std::vector<std::int32_t> failing;
  failing.reserve(code_of_rule.size() + 1);
  constexpr std::size_t kStep = 4096;
  bool stopped = false;
  for (std::size_t row = 0; row < n; ++row) {
    if (progress && row % kStep == 0 && !stopped) stopped = !progress(row, n);
    Outcome o;
    failing.clear();
    if (stopped) {
      o.verdict = Verdict::kError;
      o.reason = Outcome::kStepLimit;
    } else {
      o = evaluator.evaluate(batch, row);
      // Every reason, not only the first: explain mode for the rows that have reasons.
      if (o.verdict == Verdict::kIneligible || o.verdict == Verdict::kNeedsData) {
        const Outcome full = evaluator.explain(batch, row, failing);
        if (full.verdict == o.verdict) o.priority = full.priority;
      }
    }
    decision.append_index(static_cast<std::int32_t>(o.verdict));
    amount.append_int(o.amount);
    priority.append_int(o.priority);
    const std::int32_t first = o.verdict == Verdict::kEligible ? -1 : code_index(o.reason);
    if (first >= 0) {
      reason.append_index(first);
    } else {
      reason.append_null();
    }
    if (o.verdict != Verdict::kEligible) {
      if (failing.empty() && first >= 0) reasons.item().append_index(first);
      for (const std::int32_t r : failing) {
        const std::int32_t k = code_index(r);
        if (k >= 0) reasons.item().append_index(k);
      }
    }
    reasons.end_list();
  }
  if (progress && !stopped) progress(n, n);
  return Table(
      {decision.finish(), amount.finish(), priority.finish(), reason.finish(), reasons.finish()});
}

Table nearest_table(std::size_t n, std::size_t width, const std::int64_t* ids,
                    const double* dists) {
  ColumnBuilder query = ColumnBuilder::int64("query"), rank = ColumnBuilder::int64("rank"),
                id = ColumnBuilder::int64("id"), dist = ColumnBuilder::float64("distance_m");
  for (ColumnBuilder* b : {&query, &rank, &id, &dist}) b->reserve(n * width);
  for (std::size_t q = 0; q < n; ++q) {
    for (std::size_t k = 0; k < width; ++k) {
      const std::size_t at = q * width + k;
      if (ids[at] < 0) break;
      query.append_int(static_cast<std::int64_t>(q));
      rank.append_int(static_cast<std::int64_t>(k));
      id.append_int(ids[at]);
      dist.append_double(dists[at]);
    }
  }
  return Table({query.finish(), rank.finish(), id.finish(), dist.finish()});
}

Table assignment_table(const geo::FacilityIndex& index, const geo::Assignment& assignment,
                       const double* lats, const double* lons) {
  const std::size_t n = assignment.house.size();
  ColumnBuilder resident = ColumnBuilder::int64("resident"), house = ColumnBuilder::int64("house"),
                dist = ColumnBuilder::float64("distance_m");
  for (ColumnBuilder* b : {&resident, &house, &dist}) b->reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    resident.append_int(static_cast<std::int64_t>(r));
    const std::int64_t h = assignment.house[r];
    if (h < 0) {
      house.append_null();
      dist.append_null();
      continue;
    }
    house.append_int(h);
    const geo::Facility f = index.get(h);
    dist.append_double(geo::wgs84_distance(lats[r], lons[r], f.lat, f.lon));
  }
  return Table({resident.finish(), house.finish(), dist.finish()});
}

Table cert_status_table(const cert::CertificateRegistry& registry, Instant at) {
  ColumnBuilder id = ColumnBuilder::int64("id"), name = ColumnBuilder::utf8("name"),
                category = ColumnBuilder::dictionary("category"),
                zone = ColumnBuilder::utf8("zone"), status = ColumnBuilder::dictionary("status"),
                valid = ColumnBuilder::boolean("valid"), serial = ColumnBuilder::int64("serial"),
                until = ColumnBuilder::date32("valid_until"),
                when = ColumnBuilder::timestamp("at", "UTC");
  for (const std::int64_t business : registry.ids()) {
    const cert::Business b = registry.business(business);
    const cert::CertificateInfo info = registry.certificate(business, at);
    id.append_int(business);
    name.append_text(b.name);
    category.append_text(b.category);
    text_or_null(zone, b.zone);
    status.append_text(cert::status_name(info.status));
    valid.append_bool(cert::is_valid(info.status));
    if (info.serial > 0) {
      serial.append_int(info.serial);
      until.append_int(info.valid_until.days_since_epoch());
    } else {
      serial.append_null();
      until.append_null();
    }
    when.append_int(at);
  }
  return Table({id.finish(), name.finish(), category.finish(), zone.finish(), status.finish(),
                valid.finish(), serial.finish(), until.finish(), when.finish()});
}

}  // namespace smartkampung::tables
