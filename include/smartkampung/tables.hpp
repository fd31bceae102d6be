// smartkampung/tables.hpp: every bulk result as an Arrow table, and records read from
// Arrow streams, for the C API's streams and the Python tables alike.
//
// Column names are stable (docs/arrow.md lists them): a column is only ever added at
// the end. NIKs and KKs are 16-character utf8, programme names and codes are
// dictionary-encoded utf8, dates are date32, instants timestamp[s, UTC].
#ifndef SMARTKAMPUNG_TABLES_HPP
#define SMARTKAMPUNG_TABLES_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <smartkampung/arrow.hpp>
#include <smartkampung/cert.hpp>
#include <smartkampung/geo.hpp>
#include <smartkampung/intake.hpp>
#include <smartkampung/linkage.hpp>
#include <smartkampung/progress.hpp>
#include <smartkampung/registry.hpp>
#include <smartkampung/rules.hpp>
#include <string_view>
#include <vector>

namespace smartkampung::tables {

/// The tables of a DedupReport.
enum class DedupTable : int {
  kDuplicates = 0,           ///< program, nik, count
  kOverlaps = 1,             ///< nik, programs (list<utf8>), count
  kConflicts = 2,            ///< nik
  kNikMismatches = 3,        ///< nik
  kExclusionViolations = 4,  ///< key, scope ("kk" or "person"), program_a, program_b
  kLikelyDuplicates = 5,     ///< program_a, line_a, nik_a, program_b, line_b, nik_b, probability
};
/// "duplicates", "overlaps", "conflicts", "nik_mismatches", "exclusion_violations",
/// "likely_duplicates".
SMARTKAMPUNG_EXPORT const char* dedup_table_name(DedupTable table) noexcept;
/// Parses the names above; Error(kInvalidArgument) for another.
SMARTKAMPUNG_EXPORT DedupTable parse_dedup_table(std::string_view name);

/// One table of a dedup report (columns as listed at DedupTable).
SMARTKAMPUNG_EXPORT arrow::Table dedup_table(const DedupReport& report, DedupTable table);
/// program, nik, kk, name, birth_date (date32), sex, address, village, district, rt, rw
/// (int32), line (int64); missing values are null.
SMARTKAMPUNG_EXPORT arrow::Table enrolments_table(const std::vector<Enrolment>& records);
/// i, j (int64), probability, match_weight (float64): the kept pairs, by (i, j).
SMARTKAMPUNG_EXPORT arrow::Table link_pairs_table(const LinkResult& result);
/// record, cluster_id (int64; -1 for a removed record), confidence (float64; null when not given).
SMARTKAMPUNG_EXPORT arrow::Table link_clusters_table(const std::vector<std::int64_t>& cluster_ids,
                                                     const std::vector<double>& confidence = {});

/// Rows of an evaluated batch: decision (dictionary: eligible, ineligible, needs_data,
/// error), amount, priority (int64), reason (the first reason code; null when eligible),
/// reasons (list<utf8>: every failing rule's code, or every undecided one's when none
/// fails). `progress(done, total)` (may be empty) is called every few thousand rows and
/// stops the batch when it returns false: the rows not reached are "error" / LIMIT.
using smartkampung::Progress;
/// The decisions of every row of `batch` on the evaluator's date (columns above).
SMARTKAMPUNG_EXPORT arrow::Table decisions_table(const Evaluator& evaluator,
                                                 const RecordBatch& batch,
                                                 const Progress& progress = {});
/// query, rank (int64, from 0), id (int64), distance_m (float64): the answers of
/// FacilityIndex::nearest_batch (n queries, `width` answers each), missing answers left out.
SMARTKAMPUNG_EXPORT arrow::Table nearest_table(std::size_t n, std::size_t width,
                                               const std::int64_t* ids, const double* dists);
/// resident, house (int64; null when unplaced), distance_m (float64; null when unplaced).
SMARTKAMPUNG_EXPORT arrow::Table assignment_table(const geo::FacilityIndex& index,
                                                  const geo::Assignment& assignment,
                                                  const double* lats, const double* lons);
/// id, name, category, zone, status (dictionary), valid (bool), serial (int64, null when
/// never issued), valid_until (date32, null when never issued), at (timestamp[s, UTC]).
SMARTKAMPUNG_EXPORT arrow::Table cert_status_table(const cert::CertificateRegistry& registry,
                                                   Instant at);

// ---- records in ------------------------------------------------------------------------

/// Linkage records from a stream, every column's text (value_text) read through the
/// intake (aliases, explicit columns, canonical keys, dates and sex).
SMARTKAMPUNG_EXPORT std::vector<LinkRecord> link_records(arrow::StreamReader& reader,
                                                         KeyedIntake& intake);
/// Appends a stream's rows to a rule batch: columns named by input path
/// ("kk.lost_livelihood"), without the root ("lost_livelihood") or by a list header
/// ("Tgl. Lahir"); bool columns from bool, integers or text (ya/tidak, true/false, 1/0),
/// integers and money from integers, whole floats or text, dates from date32/64,
/// timestamps or text, strings and enums from utf8, programme sets from a list of utf8
/// or a text of codes split on | ; ,. Columns the rule set does not read are ignored.
/// Throws RuleError naming the column and row of a bad value. Returns the rows added.
SMARTKAMPUNG_EXPORT std::size_t append_records(RecordBatch& batch, arrow::StreamReader& reader);
/// An index of the facilities of a stream with columns id, lat, lon, capacity and
/// optionally name, kind, occupied, open (headers matched through the alias table);
/// bad rows as FacilityIndex::from_csv_text reports them.
SMARTKAMPUNG_EXPORT geo::FacilityIndex facility_index(
    arrow::StreamReader& reader, std::vector<geo::RejectedRow>* rejected = nullptr);

}  // namespace smartkampung::tables

#endif
