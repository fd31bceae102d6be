// The steps the cluster modules (smartkampung.dask, smartkampung.spark) run on each
// partition: linking in parts (LinkParts) and dedup of lists split by NIK and KK.
#include <algorithm>
#include <map>
#include <memory>
#include <smartkampung/intake.hpp>
#include <smartkampung/linkage.hpp>
#include <smartkampung/registry.hpp>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "linkage_records.hpp"

namespace py = pybind11;
using namespace smartkampung;

namespace {

// sk.link reads a DataFrame in chunks of this many rows and decides the birth-date
// order from the first chunk that shows one (register_linkage.cpp's ChunkReader).
constexpr std::uint64_t kChunkRows = 1 << 15;

std::vector<std::uint64_t> rows_of(py::handle obj, std::size_t n) {
  const auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(obj);
  if (!a || a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n) {
    throw Error(ErrorCode::kInvalidArgument,
                "rows: expected " + std::to_string(n) + " integer positions");
  }
  std::vector<std::uint64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (a.data()[i] < 0) throw Error(ErrorCode::kInvalidArgument, "rows: a position is negative");
    out[i] = static_cast<std::uint64_t>(a.data()[i]);
  }
  return out;
}

DateOrder order_named(const std::string& name) {
  if (name == "unknown") return DateOrder::kUnknown;
  if (name == "day_first") return DateOrder::kDayFirst;
  if (name == "month_first") return DateOrder::kMonthFirst;
  throw Error(ErrorCode::kInvalidArgument,
              "date order must be 'unknown', 'day_first' or 'month_first'");
}

// LinkParts with what reading a partition's records needs: the intake's columns and
// reference date, and the birth-date order the whole list decided.
struct PyLinkParts {
  PyLinkParts(LinkParts p, py::object settings_obj, py::object columns_obj, py::object as_of_obj)
      : parts(std::move(p)),
        settings(std::move(settings_obj)),
        columns(std::move(columns_obj)),
        as_of(std::move(as_of_obj)) {}
  LinkParts parts;
  py::object settings, columns, as_of;
  DateOrder order = DateOrder::kUnknown;
  std::uint64_t order_from = 0;  // rows before it read as no order was decided

  KeyedIntake intake() const {
    return KeyedIntake(python::to_date_or_today(as_of), parts.settings().columns(),
                       python::columns_of(columns));
  }
  // A partition's rows as sk.link reads them (keys through the alias table), not yet canonical.
  std::vector<LinkRecord> read(py::handle frame, KeyedIntake& in) const {
    std::vector<LinkRecord> out;
    std::size_t i = 0;
    for (auto item : frame.attr("to_dict")("records"))
      out.push_back(python::link_record_from(item, i++, in));
    return out;
  }
  // A canonical partition (the columns of parts.columns(), '' or None missing) as records.
  std::vector<LinkRecord> canonical_records(py::handle frame) const {
    std::vector<LinkRecord> out(static_cast<std::size_t>(py::len(frame)));
    for (const std::string& c : parts.columns()) {
      py::object col = frame.attr("__getitem__")(c);
      if (py::hasattr(col, "to_numpy")) col = col.attr("to_numpy")(py::arg("dtype") = "object");
      const python::StringColumn values = python::to_string_column(col);
      if (values.size() != out.size())
        throw Error(ErrorCode::kInvalidArgument, "column '" + c + "': wrong length");
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (!values.missing[i] && !values[i].empty()) out[i].set(c, std::string(values[i]));
      }
    }
    return out;
  }
};

LinkParts::TermCounts term_counts_from(py::handle counts) {
  LinkParts::TermCounts tc;
  for (py::handle item : counts) {
    const py::tuple t = py::reinterpret_borrow<py::tuple>(item);
    if (t.size() != 2)
      throw Error(ErrorCode::kInvalidArgument, "term counts: (hashes, counts) per field");
    const auto h =
        py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>::ensure(t[0]);
    const auto c =
        py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>::ensure(t[1]);
    if (!h || !c || h.size() != c.size())
      throw Error(ErrorCode::kInvalidArgument, "term counts: bad arrays");
    tc.emplace_back();
    for (py::ssize_t k = 0; k < h.size(); ++k) tc.back().emplace_back(h.data()[k], c.data()[k]);
  }
  return tc;
}

py::array_t<std::uint64_t> keys_array(std::vector<std::uint64_t>&& keys, std::size_t n,
                                      std::size_t R) {
  py::array_t<std::uint64_t> a = python::to_numpy(std::move(keys));
  return a.reshape(
      std::vector<py::ssize_t>{static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(R)});
}

void register_link_parts(py::module_& m) {
  py::class_<PyLinkParts>(
      m, "LinkParts",
      "Linking one list in parts (smartkampung.dask, smartkampung.spark): a trained model "
      "applied to partitions gives sk.link's pairs and clusters. See docs/scale.md.")
      .def(py::init([](py::object settings, py::object columns, py::object as_of) {
             LinkParts p(python::link_settings_from(settings));
             python::columns_of(columns);  // checked now, not on a worker
             python::to_date_or_today(as_of);
             return std::make_unique<PyLinkParts>(std::move(p), settings, columns, as_of);
           }),
           py::arg("settings"), py::arg("columns") = py::none(), py::arg("as_of") = py::none(),
           "settings: trained (m, u and prior for every field, e.g. LinkResult.settings); columns "
           "and "
           "as_of as sk.link takes them.")
      .def_property_readonly(
          "columns", [](const PyLinkParts& p) { return p.parts.columns(); },
          "The columns of a canonical partition.")
      .def_property_readonly(
          "rule_count", [](const PyLinkParts& p) { return p.parts.rule_count(); },
          "The number of blocking rules (key columns of a canonical partition).")
      .def_property_readonly(
          "max_block_size", [](const PyLinkParts& p) { return p.parts.settings().max_block_size; },
          "Blocks larger than this are skipped (their keys cleared), as sk.link skips them.")
      .def_property_readonly(
          "settings",
          [](const PyLinkParts& p) { return python::link_settings_dict(p.parts.settings()); },
          "The trained settings (a dict).")
      .def_property_readonly(
          "birth_order",
          [](const PyLinkParts& p) {
            return py::make_tuple(date_order_name(p.order), p.order_from);
          },
          "(order, first row read in it) as set_birth_order() set them.")
      .def(
          "birth_votes",
          [](const PyLinkParts& p, py::handle frame, py::handle rows_obj) {
            KeyedIntake in = p.intake();
            std::vector<LinkRecord> recs = p.read(frame, in);
            const std::vector<std::uint64_t> rows = rows_of(rows_obj, recs.size());
            std::map<std::uint64_t, std::vector<std::string*>> by_chunk;
            for (std::size_t i = 0; i < recs.size(); ++i)
              by_chunk[rows[i] / kChunkRows].push_back(&recs[i].birth_date);
            std::vector<std::int64_t> out;
            for (const auto& [chunk, cells] : by_chunk) {
              const DateOrderVotes v = in.birth_votes(cells);
              out.insert(out.end(), {static_cast<std::int64_t>(chunk),
                                     static_cast<std::int64_t>(v.day_first_only),
                                     static_cast<std::int64_t>(v.month_first_only),
                                     static_cast<std::int64_t>(v.ambiguous)});
            }
            py::array_t<std::int64_t> a = python::to_numpy(std::move(out));
            return a.reshape(
                std::vector<py::ssize_t>{static_cast<py::ssize_t>(by_chunk.size()), 4});
          },
          py::arg("frame"), py::arg("rows"),
          "Birth-date votes per chunk of 32,768 rows (the chunks sk.link reads): int64 array of "
          "(chunk, day_first_only, month_first_only, ambiguous).")
      .def(
          "set_birth_order",
          [](PyLinkParts& p, const std::string& order, std::uint64_t from_row) {
            p.order = order_named(order);
            p.order_from = from_row;
          },
          py::arg("order"), py::arg("from_row"),
          "The order the whole list decided, and the first row read in it (earlier rows are read "
          "as "
          "sk.link reads them before a chunk decides).")
      .def(
          "canonical",
          [](const PyLinkParts& p, py::handle frame, py::handle rows_obj) {
            KeyedIntake in = p.intake();
            std::vector<LinkRecord> recs = p.read(frame, in);
            const std::vector<std::uint64_t> rows = rows_of(rows_obj, recs.size());
            std::vector<std::uint64_t> keys;
            KeyedIntake before = p.intake(),
                        after = p.intake();  // reads Python objects: with the GIL
            {
              py::gil_scoped_release release;
              before.set_birth_order(DateOrder::kUnknown);
              after.set_birth_order(p.order);
              for (const char* field : {"nik", "kk", "birth_date", "sex"}) {
                std::vector<std::string*> early, late;
                for (std::size_t i = 0; i < recs.size(); ++i) {
                  LinkRecord& r = recs[i];
                  std::string* cell = field[0] == 'n'   ? &r.nik
                                      : field[0] == 'k' ? &r.kk
                                      : field[0] == 'b' ? &r.birth_date
                                                        : &r.sex;
                  (rows[i] < p.order_from ? early : late).push_back(cell);
                }
                before.canonicalize(field, early);
                after.canonicalize(field, late);
              }
              keys = p.parts.keys(recs);
            }
            py::dict columns;
            for (const std::string& c : p.parts.columns()) {
              py::list values(recs.size());
              for (std::size_t i = 0; i < recs.size(); ++i) {
                const std::string_view v = recs[i].get(c);
                values[i] = py::str(v.data(), v.size());
              }
              columns[py::str(c)] = values;
            }
            return py::make_tuple(columns,
                                  keys_array(std::move(keys), recs.size(), p.parts.rule_count()));
          },
          py::arg("frame"), py::arg("rows"),
          "A partition read as sk.link reads it: ({column: list of str}, blocking keys uint64 (n, "
          "rules)).")
      .def(
          "term_counts",
          [](const PyLinkParts& p, py::handle frame) {
            const std::vector<LinkRecord> recs = p.canonical_records(frame);
            LinkParts::TermCounts counts;
            {
              py::gil_scoped_release release;
              counts = p.parts.term_counts(recs);
            }
            py::list out;
            for (auto& field : counts) {
              std::vector<std::uint64_t> hashes, n;
              for (const auto& [h, c] : field) {
                hashes.push_back(h);
                n.push_back(c);
              }
              out.append(py::make_tuple(python::to_numpy(std::move(hashes)),
                                        python::to_numpy(std::move(n))));
            }
            return out;
          },
          py::arg("frame"),
          "Per field: (value hashes, counts) of a canonical partition (empty without "
          "term_frequency).")
      .def(
          "set_term_counts",
          [](PyLinkParts& p, py::handle counts) {
            const LinkParts::TermCounts tc = term_counts_from(counts);
            py::gil_scoped_release release;
            p.parts.set_term_counts(tc);
          },
          py::arg("counts"),
          "The whole list's counts (the partitions' summed), as term_counts() gives them.")
      .def(
          "score_blocks",
          [](const PyLinkParts& p, py::handle frame, py::handle rows_obj, py::handle keys_obj,
             std::size_t rule) {
            const std::vector<LinkRecord> recs = p.canonical_records(frame);
            const std::vector<std::uint64_t> rows = rows_of(rows_obj, recs.size());
            const auto k =
                py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>::ensure(
                    keys_obj);
            if (!k)
              throw Error(ErrorCode::kInvalidArgument, "keys: expected an unsigned integer array");
            const std::vector<std::uint64_t> keys(k.data(), k.data() + k.size());
            LinkParts::Scored s;
            {
              py::gil_scoped_release release;
              s = p.parts.score_blocks(recs, rows, keys, rule);
            }
            std::vector<std::int64_t> i, j;
            std::vector<double> w, pr;
            for (const LinkPair& x : s.pairs) {
              i.push_back(x.i);
              j.push_back(x.j);
              w.push_back(x.weight);
              pr.push_back(x.probability);
            }
            return py::make_tuple(python::to_numpy(std::move(i)), python::to_numpy(std::move(j)),
                                  python::to_numpy(std::move(w)), python::to_numpy(std::move(pr)),
                                  s.compared);
          },
          py::arg("frame"), py::arg("rows"), py::arg("keys"), py::arg("rule"),
          "Kept pairs of one rule's blocks in a canonical partition: (i, j, weight, probability, "
          "compared).")
      .def(
          "cluster",
          [](const PyLinkParts& p, py::handle frame, py::handle rows_obj, py::handle i_obj,
             py::handle j_obj, py::handle w_obj, py::handle p_obj) {
            const std::vector<LinkRecord> recs = p.canonical_records(frame);
            const std::vector<std::uint64_t> rows = rows_of(rows_obj, recs.size());
            const std::size_t n = static_cast<std::size_t>(py::len(i_obj));
            const std::vector<std::uint64_t> i = rows_of(i_obj, n), j = rows_of(j_obj, n);
            const auto w =
                py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(w_obj);
            const auto pr =
                py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(p_obj);
            if (!w || !pr || static_cast<std::size_t>(w.size()) != n ||
                static_cast<std::size_t>(pr.size()) != n) {
              throw Error(ErrorCode::kInvalidArgument,
                          "cluster: weights and probabilities must match the pairs");
            }
            std::vector<LinkPair> pairs(n);
            for (std::size_t k = 0; k < n; ++k) {
              if (i[k] > 0xFFFFFFF0ULL || j[k] > 0xFFFFFFF0ULL)
                throw Error(ErrorCode::kLimit, "cluster: rows over 4 billion");
              pairs[k] = {static_cast<std::uint32_t>(i[k]), static_cast<std::uint32_t>(j[k]),
                          w.data()[k], pr.data()[k]};
            }
            LinkParts::Clustered c;
            {
              py::gil_scoped_release release;
              c = p.parts.cluster(recs, rows, pairs);
            }
            return py::make_tuple(python::to_numpy(std::move(c.cluster_ids)), c.refused_merges);
          },
          py::arg("frame"), py::arg("rows"), py::arg("i"), py::arg("j"), py::arg("weight"),
          py::arg("probability"),
          "Clusters whole connected components: (cluster id per record, the smallest row of its "
          "cluster; refused merges).")
      .def(py::pickle(
          [](const PyLinkParts& p) {
            py::list tf;
            for (const auto& field : p.parts.whole_term_counts()) {
              std::vector<std::uint64_t> h, c;
              for (const auto& [x, y] : field) {
                h.push_back(x);
                c.push_back(y);
              }
              tf.append(
                  py::make_tuple(python::to_numpy(std::move(h)), python::to_numpy(std::move(c))));
            }
            return py::make_tuple(python::link_settings_dict(p.parts.settings()), p.columns,
                                  p.as_of, date_order_name(p.order), p.order_from, tf);
          },
          [](const py::tuple& s) {
            if (s.size() != 6)
              throw Error(ErrorCode::kCorrupt, "damaged LinkParts (bad pickle state)");
            auto p = std::make_unique<PyLinkParts>(LinkParts(python::link_settings_from(s[0])),
                                                   s[0], s[1], s[2]);
            p->order = order_named(s[3].cast<std::string>());
            p->order_from = s[4].cast<std::uint64_t>();
            p->parts.set_term_counts(term_counts_from(s[5]));
            return p;
          }));
}

}  // namespace

void register_scale(py::module_& m) {
  register_link_parts(m);

  m.def(
      "_dedup_list_keys",
      [](py::handle records, py::handle columns, py::handle as_of) {
        const CsvTable table = python::table_from_records(records);
        const ColumnMap cols = python::columns_of(columns);
        const Date date = python::to_date_or_today(as_of);
        ListKeys k;
        {
          py::gil_scoped_release release;
          k = list_keys(table, cols, date);
        }
        return py::make_tuple(
            python::to_numpy(std::move(k.nik)), python::to_numpy(std::move(k.kk)),
            py::make_tuple(k.birth_votes.day_first_only, k.birth_votes.month_first_only,
                           k.birth_votes.ambiguous));
      },
      py::arg("records"), py::arg("columns") = py::none(), py::arg("as_of") = py::none(),
      "Per row of a list's share: (NIK keys uint64, KK keys uint64 (0: rejected / none), "
      "birth-date votes "
      "(day_first_only, month_first_only, ambiguous)).");
  m.def(
      "_decide_date_order",
      [](std::size_t day_first_only, std::size_t month_first_only, std::size_t ambiguous) {
        DateOrderVotes v;
        v.day_first_only = day_first_only;
        v.month_first_only = month_first_only;
        v.ambiguous = ambiguous;
        return std::string(date_order_name(v.decide()));
      },
      py::arg("day_first_only"), py::arg("month_first_only"), py::arg("ambiguous"),
      "The order a list's summed birth-date votes decide: 'unknown', 'day_first' or "
      "'month_first'.");
  m.def(
      "_registry_add_records",
      [](Registry& reg, py::handle records, const std::string& program, const std::string& level,
         py::handle columns, const std::string& birth_order) {
        const CsvTable table = python::table_from_records(records);
        const ColumnMap cols = python::columns_of(columns);
        const ProgramLevel lv = parse_program_level(level);
        const DateOrder order = order_named(birth_order);
        py::gil_scoped_release release;
        return reg.load_table(table, program, lv, cols, order);
      },
      py::arg("registry"), py::arg("records"), py::arg("program"), py::arg("level"),
      py::arg("columns"), py::arg("birth_order"),
      "Registry.add_records reading birth dates in the whole list's order.");
  m.def(
      "merge_dedup_reports",
      [](const std::vector<std::shared_ptr<DedupReport>>& by_nik,
         const std::vector<std::shared_ptr<DedupReport>>& by_kk) {
        std::vector<DedupReport> a, b;
        for (const auto& r : by_nik) a.push_back(*r);
        for (const auto& r : by_kk) b.push_back(*r);
        py::gil_scoped_release release;
        return std::make_shared<DedupReport>(merge_dedup_reports(a, b));
      },
      py::arg("by_nik"), py::arg("by_kk"),
      "One exact DedupReport from the reports of registries holding a list's shares split by NIK "
      "and by KK.");
}
