// Private: the state of an incremental linker (Linker's pimpl): the model, the records'
// columns and summary rows, the key index and the clusters.
#ifndef SMARTKAMPUNG_SRC_LINKAGE_LINKER_STATE_HPP
#define SMARTKAMPUNG_SRC_LINKAGE_LINKER_STATE_HPP

#include <iterator>
#include <tuple>
#include <unordered_map>

#include "core/block_vector.hpp"
#include "linkage/key_index.hpp"
#include "linkage/linker_rows.hpp"

namespace smartkampung::detail {

// A candidate of Linker::candidates with an upper bound on its weight.
struct Ranked {
  double bound;
  std::uint32_t record;
};

// A thread's scratch for one look-up, reused so that a look-up allocates only when a
// larger one came before: which records were seen (open addressing over record
// indices) and the candidates' bounds.
struct LookupScratch {
  std::vector<std::uint32_t> seen;  // record + 1; 0 = empty
  std::size_t seen_mask = 0;
  std::vector<Ranked> ranked;
  std::vector<std::uint32_t> ids;  // the candidates, in the order met
  std::vector<FieldValue> values;
  ValueArena arena;  // values' texts, cleared per candidate
  std::vector<std::string_view> columns;
  volatile std::uint32_t sink = 0;  // keeps load_lines' loads

  void reset_seen(std::size_t expected) {
    std::size_t size = 64;
    while (size < 2 * expected) size *= 2;
    if (seen.size() < size) seen.resize(size);
    std::fill(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(size), 0U);
    seen_mask = size - 1;
  }
  /// True the first time a record is seen since reset_seen.
  bool first_sight(std::uint32_t record) {
    for (std::size_t i = (record * 0x9E3779B1U) & seen_mask;; i = (i + 1) & seen_mask) {
      if (seen[i] == record + 1) return false;
      if (seen[i] == 0) {
        seen[i] = record + 1;
        return true;
      }
    }
  }
};

inline LookupScratch& lookup_scratch() {
  thread_local LookupScratch scratch;
  return scratch;
}

struct Probe {
  ValueArena arena;  // the values' texts
  std::vector<FieldValue> values;
  std::vector<std::uint64_t> keys;
  std::uint64_t household = 0;
  std::vector<std::uint32_t> row;  // the cheap row, then the rest row
  const std::uint32_t* cheap() const { return row.data(); }
  const std::uint32_t* rest(const Summaries& s) const { return row.data() + s.cheap_words(); }
};

struct LinkerState {
  LinkSettings initial;
  std::shared_ptr<LinkModel> model;
  bool trained = false;
  Summaries summaries;
  std::size_t key_bytes = 0;       // bytes a record of `indexed`
  ColumnArena arena;               // every record's used columns
  RowStore cheap_rows, rest_rows;  // summary rows
  // Per index (blocks that never move, so that an add() never copies them all):
  BlockVector<std::uint8_t> indexed;  // key_bytes a record, a bit a rule: in that rule's index
  std::vector<LinkKeyIndex> index;    // per rule
  BlockVector<std::int64_t> cluster_of;
  BlockVector<std::uint32_t> next_member;  // circular list of each cluster's members
  BlockVector<std::uint8_t> alive;
  BlockVector<std::uint64_t> household;  // the household key (LinkModel::prepare)
  std::vector<std::size_t> lazy_order;   // fields the rows may not decide, cheap kinds first

  explicit LinkerState(LinkSettings s) : initial(std::move(s)) {
    model = std::make_shared<LinkModel>(initial);
    trained = initial.prior > 0 &&
              std::all_of(initial.fields.begin(), initial.fields.end(),
                          [](const LinkField& f) { return !f.m.empty() && !f.u.empty(); });
    init_rows();
    if (trained) on_trained();
  }

  void on_trained() {
    summaries.set_weights(*model);
    rest_most = 0;
    for (std::size_t f : summaries.rest_fields()) rest_most += summaries.most(f);
    // A field that can fall furthest below its most first, so that refine() stops early.
    rest_order = summaries.rest_fields();
    auto range = [&](std::size_t f) {
      const auto& w = model->weights[f];
      const double lowest = *std::min_element(w.begin() + 1, w.end());
      return summaries.most(f) - std::min(0.0, lowest);
    };
    std::stable_sort(rest_order.begin(), rest_order.end(),
                     [&](std::size_t x, std::size_t y) { return range(x) > range(y); });
    lazy_order.clear();
    for (std::size_t f : model->cheap_order) {
      const CompareKind k = model->fields[f].spec.kind;
      if (k == CompareKind::kId || k == CompareKind::kNik || k == CompareKind::kDate ||
          k == CompareKind::kName || k == CompareKind::kString || k == CompareKind::kTokens) {
        lazy_order.push_back(f);
      }
    }
  }

  // A model trained elsewhere (a saved Linker's): as if given m, u and prior.
  void adopt(const LinkSettings& trained_settings) {
    model = std::make_shared<LinkModel>(trained_settings);
    trained = true;
    init_rows();
    on_trained();
  }

  // Empty rows and key tables shaped by the model's fields and rules.
  void init_rows() {
    index.clear();
    index.resize(model->rule_count());
    summaries.init(*model);
    cheap_rows.init(summaries.cheap_words());
    rest_rows.init(summaries.rest_words());
    key_bytes = (model->rule_count() + 7) / 8;
  }

  // A removed record's place (a loaded Linker's): stored with no columns, null values and
  // no keys (so in no index), then marked removed.
  void store_removed() {
    const std::vector<std::string_view> empty(model->used_columns.size());
    const std::vector<FieldValue> nulls(model->field_count());
    const std::vector<std::uint64_t> no_keys(model->rule_count());
    store(ColumnsView{&model->used_columns, empty.data()}, nulls.data(), no_keys.data(), 0);
    alive[size() - 1] = 0;
  }

  // The circular member lists, from cluster_of (ids: the smallest member).
  void link_members() {
    const std::size_t n = cluster_of.size();
    next_member.assign(n, 0);
    std::vector<std::uint32_t> tail(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = static_cast<std::uint32_t>(i);
      if (cluster_of[i] < 0) {
        next_member[i] = x;
        continue;
      }
      const auto c = static_cast<std::size_t>(cluster_of[i]);
      if (c == i) {
        next_member[i] = x;
      } else {
        next_member[tail[c]] = x;
        next_member[i] = static_cast<std::uint32_t>(c);
      }
      tail[c] = x;
    }
  }

  void require_trained() const {
    if (!trained) {
      throw Error(ErrorCode::kState,
                  "Linker: call fit() first (or give m, u and prior in the settings)");
    }
  }

  std::size_t size() const { return alive.size(); }
  const std::uint32_t* cheap_row(std::size_t i) const { return cheap_rows.row(i); }
  const std::uint32_t* rest_row(std::size_t i) const { return rest_rows.row(i); }
  // Field f's words in stored record i's rows and in the probe's.
  const std::uint32_t* field_of(std::size_t i, std::size_t f) const {
    return summaries.field(f, cheap_row(i), rest_row(i));
  }
  const std::uint32_t* field_of(const Probe& p, std::size_t f) const {
    return summaries.field(f, p.cheap(), p.rest(summaries));
  }
  bool is_indexed(std::size_t i, std::size_t r) const {
    return (indexed[i * key_bytes + r / 8] >> (r % 8)) & 1U;
  }

  void prepare(const LinkRecord& record, Probe& p) const {
    const std::size_t F = model->field_count(), R = model->rule_count();
    p.values.resize(F);
    p.keys.resize(R);
    p.arena.clear();
    model->prepare(record, p.values.data(), p.keys.data(), p.household, p.arena);
    p.row.resize(summaries.cheap_words() + summaries.rest_words());
    summaries.encode(*model, p.values.data(), p.row.data(), p.row.data() + summaries.cheap_words());
  }

  // Stores a prepared record under the next index (not yet in any cluster structure).
  template <typename Record>
  void store(const Record& record, const FieldValue* values, const std::uint64_t* keys,
             std::uint64_t household_key) {
    const auto at = static_cast<std::uint32_t>(size());
    arena.append(record, model->used_columns);
    std::uint32_t* cheap = cheap_rows.append();
    summaries.encode(*model, values, cheap, rest_rows.append());
    for (std::size_t b = 0; b < key_bytes; ++b) indexed.push_back(0);
    for (std::size_t r = 0; r < model->rule_count(); ++r) {
      if (keys[r] == 0) continue;
      index[r].insert(keys[r], at);
      indexed[at * key_bytes + r / 8] |= static_cast<std::uint8_t>(1U << (r % 8));
    }
    household.push_back(household_key);
    alive.push_back(1);
  }

  // A stored record's columns, to prepare it again.
  struct Columns {
    std::vector<std::string_view> values;
    ColumnsView view;
  };
  void columns_of(std::size_t i, Columns& out) const {
    out.values.resize(model->used_columns.size());
    arena.view(i, out.values.size(), out.values.data());
    out.view = ColumnsView{&model->used_columns, out.values.data()};
  }

  // A stored record prepared again (values, and keys with those of rules it is not
  // indexed under cleared, as when it was stored).
  // The values' texts go to `texts`.
  void materialize(std::size_t i, FieldValue* values, std::uint64_t* keys,
                   ValueArena& texts) const {
    Columns c;
    columns_of(i, c);
    std::uint64_t household_key = 0;
    model->prepare(c.view, values, keys, household_key, texts);
    for (std::size_t r = 0; r < model->rule_count(); ++r) {
      if (!is_indexed(i, r)) keys[r] = 0;
    }
  }

  // Calls fn(j) once for every record sharing an indexed key with `keys` (buckets over
  // max_block_size skipped). The records are gathered first and their cheap rows loaded
  // back to back (load_lines) before any is compared.
  template <typename Fn>
  void for_each_candidate(const std::uint64_t* keys, LookupScratch& scratch, Fn&& fn) const {
    const std::size_t R = model->rule_count();
    std::size_t total = 0;
    for (std::size_t r = 0; r < R; ++r) {
      if (keys[r] == 0) continue;
      const LinkKeyIndex::Members m = index[r].find(keys[r]);
      if (m.size <= model->settings.max_block_size) total += m.size;
    }
    scratch.reset_seen(total);
    auto& ids = scratch.ids;
    ids.clear();
    for (std::size_t r = 0; r < R; ++r) {
      if (keys[r] == 0) continue;
      const LinkKeyIndex::Members m = index[r].find(keys[r]);
      if (m.size > model->settings.max_block_size) continue;
      for (std::size_t x = 0; x < m.size; ++x) {
        const std::uint32_t j = m.data[x];
        if (scratch.first_sight(j)) ids.push_back(j);
      }
    }
    std::uint32_t sum = 0;
    for (std::uint32_t j : ids) sum += load_lines(cheap_row(j), summaries.cheap_words());
    scratch.sink = sum;
    for (std::uint32_t j : ids) fn(j);
  }

  // The most field f can add at level l as Summaries::level gives it: a decided level its
  // weight (an exact level of a term-frequency field its 2-bit most), an open one (< 0)
  // the best weight it can still reach, null 0.
  double contribution(std::size_t f, int l) const {
    const LinkModel& m = *model;
    if (l > 0) {
      return m.level_weight_max(f, l) + (l == 1 && m.fields[f].spec.term_frequency ? 2.0 : 0.0);
    }
    return l < 0 ? summaries.best_from(f, -l) : 0.0;
  }

  // Reads a word of each cache line of `count` words at `at` and returns their sum. Rows of
  // many records loaded back to back are fetched from memory together (the processor
  // overlaps independent loads), so that comparing them after finds them in cache;
  // software prefetches, issued the same way, measured slower.
  static std::uint32_t load_lines(const std::uint32_t* at, std::size_t count) {
    if (count == 0) return 0;
    std::uint32_t sum = at[count - 1];
    for (std::size_t w = 0; w < count; w += Summaries::kLineWords) sum += at[w];
    return sum;
  }
  // The rest rows of the first bounds in [first, last) that reach min_weight, loaded.
  void load_rest_rows(const Ranked* first, const Ranked* last, double min_weight,
                      LookupScratch& scratch) const {
    std::uint32_t sum = 0;
    for (; first != last; ++first) {
      if (first->bound >= min_weight - 1e-6)
        sum += load_lines(rest_row(first->record), summaries.rest_words());
    }
    scratch.sink = sum;
  }

  // An upper bound on the match weight of stored record j and the probe from the cheap
  // kinds' words alone (the first cache line of its row); the other fields count the
  // most any of their levels (null: 0) gives.
  double first_bound(std::uint32_t j, const Probe& p) const {
    double w = model->prior_weight + rest_most;
    for (std::size_t f : summaries.cheap_fields()) {
      w += contribution(f, Summaries::level(*model, f, field_of(j, f), field_of(p, f)));
    }
    return w;
  }

  // Tightens a first bound with the rest of the row, the fields that can swing the weight
  // most first; false as soon as the bound falls below min_weight (it only falls). On
  // true, `bound` is the bound of the whole row and levels[f] as Summaries::level gives
  // them, for finish().
  bool refine(std::uint32_t j, const Probe& p, double first, double min_weight, int* levels,
              double& bound) const {
    const LinkModel& m = *model;
    double w = first;
    for (std::size_t f : rest_order) {
      const int l = Summaries::level(m, f, field_of(j, f), field_of(p, f));
      levels[f] = l;
      w += contribution(f, l) - summaries.most(f);
      if (w < min_weight - 1e-6) return false;
    }
    for (std::size_t f : summaries.cheap_fields())
      levels[f] = Summaries::level(m, f, field_of(j, f), field_of(p, f));
    bound = w;
    return true;
  }
  double rest_most = 0;                 // the most the non-cheap fields can add
  std::vector<std::size_t> rest_order;  // the non-cheap fields, widest weight range first

  // Completes the levels of the fields the rows left open, preparing j's columns again;
  // false as soon as the weight cannot reach min_weight. On true, fills the pattern and
  // the exact weight (summed as LinkModel::weight sums it).
  bool finish(std::uint32_t j, const Probe& p, int* levels, double bound_weight, double min_weight,
              LookupScratch& scratch, std::uint64_t& pattern_out, double& weight_out) const {
    const LinkModel& m = *model;
    const std::size_t F = m.field_count();
    double w = bound_weight;
    if (w < min_weight - 1e-6) return false;
    bool any_open = false;
    for (std::size_t f = 0; f < F; ++f) any_open = any_open || levels[f] < 0;
    // A decided exact level of a term-frequency field needs the value's hash: kinds with
    // the hash in the row give it; an id (packed digits) is prepared again.
    std::uint64_t tf_hash[kMaxFields] = {};
    bool need_columns = any_open;
    for (std::size_t f = 0; f < F; ++f) {
      if (levels[f] == 1 && m.fields[f].spec.term_frequency) {
        const std::uint32_t* a = field_of(j, f);
        switch (m.fields[f].spec.kind) {
          case CompareKind::kExact:
          case CompareKind::kSex:
          case CompareKind::kDate:
          case CompareKind::kName:
          case CompareKind::kString:
          case CompareKind::kTokens:
            tf_hash[f] = joined(a);
            break;
          case CompareKind::kRtRw:
            tf_hash[f] = joined(a + 2);
            break;
          default:
            need_columns = true;
            break;
        }
      }
    }
    std::vector<FieldValue>& values = scratch.values;
    scratch.arena.clear();
    ColumnsView view;
    if (need_columns) {
      values.resize(F);
      scratch.columns.resize(m.used_columns.size());
      arena.view(j, scratch.columns.size(), scratch.columns.data());
      view = ColumnsView{&m.used_columns, scratch.columns.data()};
    }
    for (std::size_t f : lazy_order) {
      const int open = levels[f];
      if (open >= 0) continue;
      m.prepare_field(view, f, values[f], scratch.arena);
      const int l = compare_field(m.fields[f], values[f], p.values[f]);
      levels[f] = l;
      if (l == 1) tf_hash[f] = values[f].h;
      w += contribution(f, l) - contribution(f, open);
      if (w < min_weight - 1e-6) return false;
    }
    for (std::size_t f = 0; f < F; ++f) {
      if (levels[f] == 1 && m.fields[f].spec.term_frequency && tf_hash[f] == 0) {
        m.prepare_field(view, f, values[f], scratch.arena);
        tf_hash[f] = values[f].h;
      }
    }
    std::uint64_t pattern = 0;
    double exact = m.prior_weight;
    for (std::size_t f = 0; f < F; ++f) pattern |= static_cast<std::uint64_t>(levels[f]) << (4 * f);
    for (std::size_t f = 0; f < F; ++f) {
      const int l = levels[f];
      exact += m.level_weight(f, l, pattern);
      if (l == 1 && m.fields[f].spec.term_frequency) exact += m.tf_adjustment_of(f, tf_hash[f]);
    }
    pattern_out = pattern;
    weight_out = exact;
    return true;
  }

  // Members of a cluster (its id is a member).
  template <typename Fn>
  void for_each_member(std::int64_t cluster, Fn&& fn) const {
    const auto start = static_cast<std::uint32_t>(cluster);
    std::uint32_t x = start;
    do {
      fn(x);
      x = next_member[x];
    } while (x != start);
  }

  bool can_merge(std::int64_t ca, std::int64_t cb) const {
    const LinkModel& m = *model;
    const std::size_t F = m.field_count(), R = m.rule_count();
    std::vector<FieldValue> va(F), vb(F);
    ValueArena arena_a, arena_b;  // va's and vb's texts
    std::vector<std::uint64_t> keys(R);
    if (m.nik_field >= 0) {
      // Contradicting identities (as link() refuses them): NIKs from the rows first, the
      // records prepared again only for a contradiction.
      const auto nf = static_cast<std::size_t>(m.nik_field);
      const auto well_formed = [&](std::uint32_t x) {
        return (field_of(x, nf)[0] & 0x20000U) != 0;
      };
      bool conflict = false;
      for_each_member(ca, [&](std::uint32_t x) {
        if (conflict || !well_formed(x)) return;
        const std::uint32_t* wx = field_of(x, nf);
        for_each_member(cb, [&](std::uint32_t y) {
          if (conflict || !well_formed(y)) return;
          const std::uint32_t* wy = field_of(y, nf);
          if (nik_level_packed(joined(wx + 1), joined(wy + 1), true,
                               (wx[0] & wy[0] & 0x40000U) != 0,
                               (wx[0] & wy[0] & 0x80000U) != 0) != kNikContradicts) {
            return;
          }
          arena_a.clear();
          arena_b.clear();
          materialize(x, va.data(), keys.data(), arena_a);
          materialize(y, vb.data(), keys.data(), arena_b);
          conflict = m.identity_conflict(va.data(), vb.data());
        });
      });
      if (conflict) return false;
    }
    if (m.household_name_field < 0 || m.household_date_field < 0) return true;
    bool apart = false;
    for_each_member(ca, [&](std::uint32_t x) {
      if (apart || household[x] == 0) return;
      bool prepared = false;
      for_each_member(cb, [&](std::uint32_t y) {
        if (apart || household[y] != household[x]) return;
        if (!prepared) {
          arena_a.clear();
          materialize(x, va.data(), keys.data(), arena_a);
          prepared = true;
        }
        arena_b.clear();
        materialize(y, vb.data(), keys.data(), arena_b);
        if (m.household_apart(household[x], household[y], m.pattern(va.data(), vb.data())))
          apart = true;
      });
    });
    return !apart;
  }

  // Joins the clusters with ids ca and cb; the smaller id survives.
  void join(std::int64_t ca, std::int64_t cb) {
    if (ca == cb) return;
    if (cb < ca) std::swap(ca, cb);
    for_each_member(cb, [&](std::uint32_t x) { cluster_of[x] = ca; });
    std::swap(next_member[static_cast<std::size_t>(ca)], next_member[static_cast<std::size_t>(cb)]);
  }

  void tf_update(const FieldValue* values, bool add) {
    const std::size_t F = model->field_count();
    for (std::size_t f = 0; f < F; ++f) {
      if (!model->fields[f].spec.term_frequency) continue;
      const FieldValue& v = values[f];
      if (v.null) continue;
      auto& count = model->tf_counts[f][v.h];
      if (add) {
        ++count;
        model->tf_totals[f] += 1;
      } else if (count > 0) {
        --count;
        model->tf_totals[f] -= 1;
      }
    }
  }
};

}  // namespace smartkampung::detail

#endif
