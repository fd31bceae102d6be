#include <cmath>
#include <exception>
#include <mutex>
#include <smartkampung/intake.hpp>
#include <smartkampung/linkage.hpp>
#include <smartkampung/tables.hpp>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "linkage_records.hpp"

namespace py = pybind11;
using namespace smartkampung;

namespace {

std::string value_text(py::handle v) {
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::float_>(v)) {
    const double d = v.cast<double>();
    if (std::isnan(d)) return {};
    if (std::floor(d) == d && std::abs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  }
  if (py::hasattr(v, "isoformat")) return py::str(v.attr("isoformat")()).cast<std::string>();
  return py::str(v).cast<std::string>();
}

// A record's keys go through the intake's alias table ("NIK", "NAMA", "Tgl. Lahir", "L/P"
// are nik, name, birth_date, sex); its values are canonicalised a batch at a time.
LinkRecord record_from(py::handle obj, std::size_t index, KeyedIntake& intake) {
  if (!py::isinstance<py::dict>(obj) && !py::hasattr(obj, "items")) {
    throw py::type_error("record " + std::to_string(index) + ": expected a dict");
  }
  LinkRecord r;
  std::vector<std::pair<std::string, std::string>>
      explicit_values;  // set last: they win over aliases
  for (auto item : obj.attr("items")()) {
    auto kv = item.cast<py::tuple>();
    if (kv[1].is_none()) continue;
    const std::string key = py::str(kv[0]).cast<std::string>();
    if (intake.is_explicit(key)) {
      explicit_values.emplace_back(intake.column_of(key), value_text(kv[1]));
    } else {
      r.set(intake.column_of(key), value_text(kv[1]));
    }
  }
  for (auto& [column, value] : explicit_values) r.set(column, std::move(value));
  return r;
}

// One intake per list: the reference date of two-digit years, the settings' columns, and
// the caller's explicit columns.
KeyedIntake intake_for(const LinkSettings& s, py::handle columns, py::handle as_of) {
  return KeyedIntake(python::to_date_or_today(as_of), s.columns(), python::columns_of(columns));
}

// What the intake did that a user should see next to the result.
void add_intake_warnings(LinkResult& res, const KeyedIntake& intake, const char* list) {
  const KeyedIntakeCounts& c = intake.counts();
  const std::string where = list[0] != 0 ? std::string(list) + ": " : std::string();
  if (c.dates_unreadable > 0) {
    res.warnings.push_back(where + "birth_date: " + std::to_string(c.dates_unreadable) +
                           " value(s) are no date; compared as text");
  }
  if (c.sexes_unreadable > 0) {
    res.warnings.push_back(
        where + "sex: " + std::to_string(c.sexes_unreadable) +
        " value(s) are neither male nor female (L/P, LK/PR, M/F, 1/2); compared as text");
  }
}

// Hands records to link() a chunk at a time (each converted with the GIL held, then
// prepared with it released), so that they are never all held as LinkRecords: a list
// or any iterable of dicts, or a DataFrame (converted a slice of rows at a time).
class ChunkReader {
 public:
  static constexpr std::size_t kChunk = 1 << 15;

  ChunkReader(py::handle obj, KeyedIntake& intake) : intake_(intake) {
    if (py::isinstance<py::dict>(obj) || py::isinstance<py::str>(obj) ||
        py::isinstance<py::bytes>(obj)) {
      throw py::type_error("records: expected a list of dicts or a DataFrame");
    }
    if (py::hasattr(obj, "to_dict") && py::hasattr(obj, "iloc")) {
      frame_ = py::reinterpret_borrow<py::object>(obj);
      rows_ = py::len(obj);
    } else {
      if (py::hasattr(obj, "__len__")) rows_ = py::len(obj);
      iter_ = py::iter(obj);
    }
  }
  std::size_t expected() const { return rows_; }

  /// The next chunk, or false; a Python error is kept for rethrow() and ends link().
  bool next(std::vector<LinkRecord>& chunk) {
    {
      py::gil_scoped_acquire gil;
      try {
        if (frame_) {
          if (done_ >= rows_) return false;
          const std::size_t hi = std::min(rows_, done_ + kChunk);
          py::object part = frame_.attr(
              "iloc")[py::slice(static_cast<py::ssize_t>(done_), static_cast<py::ssize_t>(hi), 1)];
          for (auto item : part.attr("to_dict")("records")) {
            chunk.push_back(record_from(item, done_ + chunk.size(), intake_));
          }
        } else {
          while (chunk.size() < kChunk) {
            PyObject* item = PyIter_Next(iter_.ptr());
            if (item == nullptr) {
              if (PyErr_Occurred()) throw py::error_already_set();
              break;
            }
            const py::object owned = py::reinterpret_steal<py::object>(item);
            chunk.push_back(record_from(owned, done_ + chunk.size(), intake_));
          }
        }
      } catch (...) {
        error_ = std::current_exception();
        throw Stopped{};
      }
    }
    intake_.canonicalize(chunk);  // without the GIL
    done_ += chunk.size();
    return !chunk.empty();
  }
  struct Stopped {};
  /// With the GIL held: the error that stopped the reading.
  [[noreturn]] void rethrow() { std::rethrow_exception(std::exchange(error_, nullptr)); }

 private:
  KeyedIntake& intake_;
  py::object frame_, iter_;
  std::size_t rows_ = 0, done_ = 0;
  std::exception_ptr error_;
};

std::vector<LinkRecord> records_from(py::handle obj, KeyedIntake& intake) {
  if (std::optional<arrow::StreamReader> reader = python::arrow_reader(obj)) {
    py::gil_scoped_release release;
    return tables::link_records(*reader, intake);
  }
  py::object seq = py::reinterpret_borrow<py::object>(obj);
  if (py::hasattr(obj, "to_dict") && !py::isinstance<py::dict>(obj)) {
    seq = obj.attr("to_dict")("records");  // a pandas DataFrame
  }
  if (py::isinstance<py::dict>(seq) || py::isinstance<py::str>(seq)) {
    throw py::type_error("records: expected a list of dicts or a DataFrame");
  }
  std::vector<LinkRecord> out;
  std::size_t i = 0;
  for (auto item : seq) out.push_back(record_from(item, i++, intake));
  intake.canonicalize(out);
  return out;
}

// One record (Linker.add, candidates): read as a list of one.
LinkRecord one_record(py::handle obj, std::size_t index, const LinkSettings& s) {
  KeyedIntake intake(python::to_date_or_today(py::none()), s.columns());
  std::vector<LinkRecord> one;
  one.push_back(record_from(obj, index, intake));
  intake.canonicalize(one);
  return std::move(one.front());
}

LinkSettings settings_from(py::handle obj) {
  if (obj.is_none()) return LinkSettings::indonesian();
  if (py::isinstance<py::str>(obj)) return LinkSettings::from_json(obj.cast<std::string>());
  if (py::isinstance<py::dict>(obj)) {
    const std::string text = py::module_::import("json").attr("dumps")(obj).cast<std::string>();
    return LinkSettings::from_json(text);
  }
  throw py::type_error("settings: expected None, a dict or a JSON string");
}

py::dict settings_dict(const LinkSettings& s) {
  return py::module_::import("json").attr("loads")(s.to_json()).cast<py::dict>();
}

py::dict explanation_dict(const Explanation& e) {
  py::dict out;
  for (const FieldExplanation& f : e.fields) {
    py::dict d;
    d["level"] = f.level;
    d["weight"] = f.weight;
    d["tf_adjustment"] = f.tf_adjustment;
    out[py::str(f.field)] = d;
  }
  py::dict prior;
  prior["level"] = "prior";
  prior["weight"] = e.prior_weight;
  prior["tf_adjustment"] = 0.0;
  out["prior"] = prior;
  return out;
}

// A Linker for Python: every call holds the linker's mutex, taken with the GIL released
// (so that a thread waiting for it never blocks one holding it), and runs without the GIL.
struct LockedLinker {
  explicit LockedLinker(Linker l) : linker(std::move(l)) {}
  template <typename Fn>
  auto run(Fn&& fn) -> decltype(fn(std::declval<Linker&>())) {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex);
    return fn(linker);
  }
  std::size_t size() {
    return run([](Linker& l) { return l.size(); });
  }
  Linker linker;
  std::mutex mutex;
};

py::list matches_list(const std::vector<Linker::Match>& matches) {
  py::list out;
  for (const auto& m : matches) out.append(py::make_tuple(m.index, m.probability));
  return out;
}

}  // namespace

namespace smartkampung::python {
LinkRecord link_record_from(py::handle obj, std::size_t index, KeyedIntake& intake) {
  return record_from(obj, index, intake);
}
LinkSettings link_settings_from(py::handle obj) { return settings_from(obj); }
py::dict link_settings_dict(const LinkSettings& s) { return settings_dict(s); }
}  // namespace smartkampung::python

void register_linkage(py::module_& m) {
  py::class_<LinkResult>(m, "LinkResult",
                         "The outcome of link(): cluster ids, kept pairs and explanations.")
      .def_property_readonly(
          "cluster_ids",
          [](const LinkResult& r) {
            return python::to_numpy(std::vector<std::int64_t>(r.cluster_ids));
          },
          "numpy int64 array, one id per record (the smallest record index of its cluster).")
      .def_property_readonly(
          "confidence",
          [](const LinkResult& r) { return python::to_numpy(std::vector<double>(r.confidence)); },
          "numpy float64 array: per record, the lowest probability among the pairs that joined "
          "its cluster (1.0 alone).")
      .def_property_readonly(
          "pairs",
          [](const LinkResult& r) {
            py::dict options;
            options["row_columns"] = py::make_tuple("i", "j", "probability");
            return python::table_object(tables::link_pairs_table(r), "Table", options);
          },
          "Table (i, j, probability, match_weight) of the pairs at or above the threshold, i < j; "
          "rows "
          "iterate as (i, j, probability).")
      .def_property_readonly(
          "clusters",
          [](const LinkResult& r) {
            return python::table_object(tables::link_clusters_table(r.cluster_ids, r.confidence));
          },
          "Table (record, cluster_id, confidence): one row per record, cluster_id the smallest "
          "record index "
          "of its cluster.")
      .def(
          "explain",
          [](const LinkResult& r, std::size_t i, std::size_t j) {
            return explanation_dict(r.explain(i, j));
          },
          py::arg("i"), py::arg("j"),
          "Per field, the comparison level reached and its weight (log2 of m/u, with any "
          "term-frequency part), plus a 'prior' entry; the weights sum to match_weight(i, j).")
      .def(
          "match_weight",
          [](const LinkResult& r, std::size_t i, std::size_t j) {
            return r.explain(i, j).match_weight;
          },
          py::arg("i"), py::arg("j"), "The match weight (log2 odds) of a pair.")
      .def(
          "probability",
          [](const LinkResult& r, std::size_t i, std::size_t j) {
            return r.explain(i, j).probability;
          },
          py::arg("i"), py::arg("j"), "The match probability of a pair.")
      .def(
          "household_apart",
          [](const LinkResult& r, std::size_t i, std::size_t j) {
            return r.explain(i, j).household_apart;
          },
          py::arg("i"), py::arg("j"), "True when the household rule keeps the two records apart.")
      .def_property_readonly(
          "settings", [](const LinkResult& r) { return settings_dict(r.trained_settings()); },
          "The settings with the trained m, u and prior (a dict; pass it back to reuse the model).")
      .def_property_readonly(
          "stats",
          [](const LinkResult& r) {
            py::dict d;
            d["records"] = r.stats.records;
            d["candidate_pairs"] = r.stats.candidate_pairs;
            d["kept_pairs"] = r.stats.kept_pairs;
            d["skipped_blocks"] = r.stats.skipped_blocks;
            d["skipped_records"] = r.stats.skipped_records;
            d["clusters"] = r.stats.clusters;
            d["largest_cluster"] = r.stats.largest_cluster;
            d["large_clusters"] = r.stats.large_clusters;
            d["refused_merges"] = r.stats.refused_merges;
            d["em_iterations"] = r.stats.em_iterations;
            d["seconds"] = r.stats.seconds;
            return d;
          },
          "Counts and timing of the run.")
      .def_property_readonly(
          "warnings", [](const LinkResult& r) { return r.warnings; },
          "What to look at before using the result (empty columns, no candidates, skipped "
          "blocks, large clusters, weak identity fields). sk.link also issues each as a "
          "LinkageWarning.")
      .def_property_readonly(
          "weight_histogram",
          [](const LinkResult& r) {
            return python::to_numpy(std::vector<std::uint64_t>(r.weight_histogram));
          },
          "numpy uint64 array of 129 counts: candidate pairs by match weight (no "
          "term-frequency part), bin k holding weights in [k - 64, k - 63).")
      .def("__len__", [](const LinkResult& r) { return r.cluster_ids.size(); })
      .def("__repr__", [](const LinkResult& r) {
        return "<LinkResult records=" + std::to_string(r.stats.records) +
               " clusters=" + std::to_string(r.stats.clusters) +
               " pairs=" + std::to_string(r.pairs.size()) + ">";
      });

  m.def(
      "link",
      [](py::handle records, py::handle right, py::handle threshold, py::handle settings,
         py::handle columns, py::handle as_of, py::handle progress) {
        LinkSettings s = settings_from(settings);
        if (!threshold.is_none()) {
          const double t = threshold.cast<double>();
          if (!(t >= 0 && t <= 1))
            throw Error(ErrorCode::kInvalidArgument, "threshold must be in [0, 1]");
          s.threshold = t;
        }
        LinkResult res;
        KeyedIntake intake = intake_for(s, columns, as_of);
        if (right.is_none()) {
          if (std::optional<arrow::StreamReader> arrow_in = python::arrow_reader(records)) {
            std::vector<LinkRecord> rows;
            {
              py::gil_scoped_release release;
              rows = tables::link_records(*arrow_in, intake);
            }
            python::ProgressHook report(progress, rows.size(), "link", "stage");
            res = report.run([&](const Progress& hook) { return link(std::move(rows), s, hook); });
            add_intake_warnings(res, intake, "");
            return res;
          }
        }
        if (right.is_none()) {
          ChunkReader reader(records, intake);
          python::ProgressHook report(progress, reader.expected(), "link", "stage");
          try {
            res = report.run([&](const Progress& hook) {
              return link([&](std::vector<LinkRecord>& chunk) { return reader.next(chunk); }, s,
                          reader.expected(), hook);
            });
          } catch (const ChunkReader::Stopped&) {
            reader.rethrow();
          }
          add_intake_warnings(res, intake, "");
          return res;
        }
        KeyedIntake right_intake = intake_for(s, columns, as_of);
        const std::vector<LinkRecord> left = records_from(records, intake),
                                      other = records_from(right, right_intake);
        python::ProgressHook report(progress, left.size() + other.size(), "link", "stage");
        res = report.run([&](const Progress& hook) { return link(left, other, s, hook); });
        add_intake_warnings(res, intake, "records");
        add_intake_warnings(res, right_intake, "right");
        return res;
      },
      py::arg("records"), py::arg("right") = py::none(), py::arg("threshold") = py::none(),
      py::arg("settings") = py::none(), py::arg("columns") = py::none(),
      py::arg("as_of") = py::none(), py::arg("progress") = py::none(),
      "Finds the records of one person (fuzzy record linkage, Fellegi-Sunter with EM; no labels "
      "needed). records: a list of dicts (keys nik, kk, name, birth_date, sex, address, village, "
      "district, rt, rw; any may be missing) or a DataFrame. Keys are matched as a list file's "
      "headers are (NIK, NAMA, Tgl. Lahir, L/P, No. KK, ...), or named with columns "
      "({'nik': 'NIK_KPM'}); birth dates are read in the formats of list files (29/04/85, "
      "29-Apr-85, ...; the century of two-digit years from as_of, default today), sex as L/P, "
      "LK/PR, M/F, and NIK/KK undamaged (=\"3510...\", '3510..., 3510....0). With right, links the "
      "two lists "
      "(indices run over records then right; only cross pairs are scored). threshold: match "
      "probability to keep a pair (None = the settings' default). settings: dict or JSON string "
      "(see docs/linkage.md). progress: None/True (a tqdm bar for a long call when tqdm is "
      "installed), False, or f(done, total) told the stages done (prepare, block, compare, "
      "train, score, cluster) and returning False to cancel (smartkampung.Cancelled). Returns "
      "a LinkResult.");

  m.def(
      "normalize_name", [](const std::string& s) { return normalize_name(s); }, py::arg("name"),
      "Normalises an Indonesian name: case, punctuation and spaces; honorifics and titles removed; "
      "spellings of Muhammad unified; old spelling folded (oe->u, dj->j, tj->c, ch->kh, sj->sy, "
      "nj->ny). normalize_name('H. Djoko  Santoso') == 'joko santoso'.");
  m.def(
      "name_phonetic_key", [](const std::string& s) { return name_phonetic_key(s); },
      py::arg("name"),
      "A phonetic key suited to Indonesian names (used for blocking and comparison).");
  m.def(
      "compare_level_names",
      [](const std::string& kind) {
        for (int k = 0; k <= static_cast<int>(CompareKind::kNik); ++k) {
          if (kind == compare_kind_name(static_cast<CompareKind>(k)))
            return compare_level_names(static_cast<CompareKind>(k));
        }
        throw Error(ErrorCode::kInvalidArgument, "unknown comparison kind '" + kind + "'");
      },
      py::arg("kind"),
      "The levels of a comparison kind ('nik', 'name', ...), best first (without null).");
  m.def(
      "jaro_winkler", [](const std::string& a, const std::string& b) { return jaro_winkler(a, b); },
      py::arg("a"), py::arg("b"), "Jaro-Winkler similarity in [0, 1].");

  py::class_<LockedLinker>(
      m, "Linker",
      "Incremental linking: fit once, then add and remove records without a re-run. "
      "Safe from several Python threads: calls on one Linker run one at a time.")
      .def(py::init([](py::handle settings) {
             return std::make_unique<LockedLinker>(Linker(settings_from(settings)));
           }),
           py::arg("settings") = py::none(),
           "settings: None (defaults for registry records), a dict or a JSON string. Settings with "
           "m, u and prior for every field (e.g. LinkResult.settings) need no fit().")
      .def(
          "fit",
          [](LockedLinker& lk, py::handle records, py::handle progress) {
            const LinkSettings s = lk.run([](Linker& l) { return l.settings(); });
            KeyedIntake intake(python::to_date_or_today(py::none()), s.columns());
            std::vector<LinkRecord> rs = records_from(records, intake);
            python::ProgressHook report(progress, rs.size(), "Linker.fit", "stage");
            report.call([&] { lk.run([&](Linker& l) { l.fit(rs, report.hook()); }); });
          },
          py::arg("records"), py::arg("progress") = py::none(),
          "Trains and clusters the records, replacing any content. progress as sk.link's "
          "(stages); a cancelled fit keeps the previous content.")
      .def(
          "add",
          [](LockedLinker& lk, py::handle record) {
            const LinkRecord r =
                one_record(record, lk.size(), lk.run([](Linker& l) { return l.settings(); }));
            Linker::Added a = lk.run([&](Linker& l) { return l.add(r); });
            return py::make_tuple(a.cluster_id, matches_list(a.matches));
          },
          py::arg("record"),
          "Adds a record (its index is len(linker) before the call); returns (cluster_id, matches) "
          "with matches [(index, probability)] at or above the threshold, best first.")
      .def(
          "remove",
          [](LockedLinker& lk, std::size_t index) { lk.run([&](Linker& l) { l.remove(index); }); },
          py::arg("index"),
          "Removes a record; its cluster is re-formed. Raises NotFound for an unknown index.")
      .def(
          "candidates",
          [](LockedLinker& lk, py::handle record, std::size_t k) {
            const LinkRecord r =
                one_record(record, 0, lk.run([](Linker& l) { return l.settings(); }));
            return matches_list(lk.run([&](Linker& l) { return l.candidates(r, k); }));
          },
          py::arg("record"), py::arg("k") = 5,
          "The k best indexed records for a record (not added) as [(index, probability)].")
      .def_property_readonly(
          "cluster_ids",
          [](LockedLinker& lk) {
            return python::to_numpy(lk.run([](Linker& l) { return l.cluster_ids(); }));
          },
          "numpy int64 array: cluster id per index (smallest index of its cluster), -1 if removed.")
      .def(
          "explain",
          [](LockedLinker& lk, std::size_t i, std::size_t j) {
            return explanation_dict(lk.run([&](Linker& l) { return l.explain(i, j); }));
          },
          py::arg("i"), py::arg("j"), "As LinkResult.explain.")
      .def_property_readonly(
          "settings",
          [](LockedLinker& lk) {
            return settings_dict(lk.run([](Linker& l) { return l.settings(); }));
          },
          "The settings with trained parameters (a dict).")
      .def(
          "save",
          [](LockedLinker& lk, py::handle path) {
            const std::string p = python::path_of(path);
            lk.run([&](Linker& l) { l.save(p); });
          },
          py::arg("path"),
          "Writes the whole linker (model, records, clusters) to one file, atomically (temporary "
          "file, then rename). Linker.load() gives a linker that answers every call as this one.")
      .def_static(
          "load",
          [](py::handle path) {
            const std::string p = python::path_of(path);
            py::gil_scoped_release release;
            return std::make_unique<LockedLinker>(Linker::load(p));
          },
          py::arg("path"),
          "Reads a file written by save(); a damaged file raises smartkampung.Error.")
      .def(py::pickle(
          [](LockedLinker& lk) {
            const std::string bytes = lk.run([](Linker& l) { return l.to_bytes(); });
            return py::make_tuple(py::bytes(bytes));
          },
          [](const py::tuple& state) {
            if (state.size() != 1)
              throw Error(ErrorCode::kCorrupt, "damaged linker file (bad pickle state)");
            const std::string bytes = state[0].cast<std::string>();
            py::gil_scoped_release release;
            return std::make_unique<LockedLinker>(Linker::from_bytes(bytes));
          }))
      .def("__len__", [](LockedLinker& lk) { return lk.size(); })
      .def("__repr__",
           [](LockedLinker& lk) {
             const auto ids = lk.run([](Linker& l) { return l.cluster_ids(); });
             std::size_t live = 0, clusters = 0;
             for (std::size_t i = 0; i < ids.size(); ++i) {
               if (ids[i] < 0) continue;
               ++live;
               if (ids[i] == static_cast<std::int64_t>(i)) ++clusters;
             }
             return "<Linker records=" + std::to_string(live) +
                    " clusters=" + std::to_string(clusters) + ">";
           })
      .def_property_readonly(
          "clusters",
          [](LockedLinker& lk) {
            return python::table_object(
                tables::link_clusters_table(lk.run([](Linker& l) { return l.cluster_ids(); })));
          },
          "Table (record, cluster_id, confidence): cluster_id -1 for removed records, confidence "
          "null.");
}
