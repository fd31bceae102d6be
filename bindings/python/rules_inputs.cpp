// The declared inputs of a rule set, warm batches, and rs.evaluate(record): one record read
// from a dict straight into a batch (or any record through JSON).
#include <algorithm>
#include <map>
#include <smartkampung/rules.hpp>

#include "rules_bindings.hpp"

namespace smartkampung::python::rules_binding {

namespace {

// A record (dict of the shape of the embedded tests' input) to JSON text; dates become
// ISO strings, numpy scalars plain numbers, sets sorted lists.
std::string record_json(py::handle record) {
  if (py::isinstance<py::str>(record)) return record.cast<std::string>();
  static py::object* dumps = new py::object(py::module_::import("json").attr("dumps"));
  static py::object* fallback = new py::object(py::cpp_function([](py::handle obj) -> py::object {
    if (py::hasattr(obj, "isoformat")) {
      py::object iso = obj.attr("isoformat")();
      std::string s = iso.cast<std::string>();
      return py::str(s.substr(0, 10));
    }
    if (py::isinstance<py::set>(obj) || py::isinstance<py::frozenset>(obj)) {
      return py::module_::import("builtins").attr("sorted")(obj);
    }
    if (py::hasattr(obj, "item")) return obj.attr("item")();
    if (py::hasattr(obj, "tolist")) return obj.attr("tolist")();
    throw py::type_error("record values must be JSON-like (bool, int, str, list, dict, date)");
  }));
  return (*dumps)(record, py::arg("default") = *fallback).cast<std::string>();
}

}  // namespace

// ---- declared inputs -----------------------------------------------------------------
namespace {

// The kind letter of each input type: whole names, then the parametrised types by prefix
// (any other type, such as string or nik, is read as a string).
struct KindOfType {
  std::string_view type;
  char kind;
  bool prefix;
};
constexpr KindOfType kKindOfType[] = {
    {"bool", 'b', false},         {"int", 'i', false},  {"money", 'i', false}, {"date", 'd', false},
    {"set<program>", 'p', false}, {"enum<", 'e', true}, {"list<", 'l', true},
};

char kind_of(std::string_view type) {
  for (const KindOfType& k : kKindOfType) {
    if (k.prefix ? type.substr(0, k.type.size()) == k.type : type == k.type) return k.kind;
  }
  return 's';
}

}  // namespace

const std::vector<Input>& inputs_of(const RuleSet& rs) {
  static auto* cache = new std::map<std::string, std::vector<Input>>();  // guarded by the GIL
  auto it = cache->find(rs.sha256());
  if (it != cache->end()) return it->second;
  py::dict doc = py::module_::import("json").attr("loads")(rs.to_json());
  std::vector<Input> out;
  std::vector<std::string> elem_types;
  for (auto item : py::dict(doc["inputs"])) {
    Input in;
    in.path = item.first.cast<std::string>();
    const std::string t = item.second.cast<std::string>();
    in.kind = kind_of(t);
    if (in.kind == 'l') {
      in.elem_type = t.substr(5, t.size() - 6);
      elem_types.push_back(in.elem_type);
    }
    out.push_back(std::move(in));
  }
  for (Input& in : out) {
    const std::size_t dot = in.path.find('.');
    const std::string root = in.path.substr(0, dot);
    for (const std::string& et : elem_types) in.element = in.element || et == root;
    if (!in.element && dot != std::string::npos) in.short_name = in.path.substr(dot + 1);
  }
  if (cache->size() > 64) cache->clear();
  return cache->emplace(rs.sha256(), std::move(out)).first->second;
}

std::vector<py::str> path_keys(const std::string& path, std::size_t start) {
  std::vector<py::str> keys;
  for (;;) {
    const std::size_t dot = path.find('.', start);
    keys.emplace_back(
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return keys;
    start = dot + 1;
  }
}

std::vector<const Input*> element_inputs(const std::vector<Input>& inputs,
                                         const std::string& elem_type) {
  std::vector<const Input*> out;
  for (const Input& in : inputs) {
    if (in.path.rfind(elem_type + ".", 0) == 0) out.push_back(&in);
  }
  return out;
}

// Warm batches to refill: a cleared RecordBatch keeps its memory, so refilling one
// of a like size allocates nothing and touches no fresh pages (which, for a batch of
// tens of thousands of rows, costs about as much as decoding it). The pool is used
// with the GIL held; a batch is taken out while in use, so concurrent calls (which
// release the GIL while evaluating) never share one. Small batches only, a few rule
// sets: the memory kept stays bounded. A batch keeps its rule set alive, so the
// address of the rule set's canonical text identifies it.
namespace {
constexpr std::size_t kPooledRowsMax = std::size_t{1} << 16;
constexpr std::size_t kPooledBatchesMax = 4;
struct PooledBatch {
  const void* ruleset;
  std::unique_ptr<RecordBatch> batch;
};
std::vector<PooledBatch>& batch_pool() {
  static auto* pool = new std::vector<PooledBatch>();  // leaked on purpose, like the other statics
  return *pool;
}
}  // namespace

std::unique_ptr<RecordBatch> take_batch(const RuleSet& rs) {
  auto& pool = batch_pool();
  for (auto it = pool.begin(); it != pool.end(); ++it) {
    if (it->ruleset == &rs.to_json()) {
      std::unique_ptr<RecordBatch> b = std::move(it->batch);
      pool.erase(it);
      b->clear();
      return b;
    }
  }
  return std::make_unique<RecordBatch>(rs);
}
void give_back(const RuleSet& rs, std::unique_ptr<RecordBatch> batch) {
  if (batch->size() > kPooledRowsMax) return;
  auto& pool = batch_pool();
  pool.insert(pool.begin(), PooledBatch{&rs.to_json(), std::move(batch)});
  if (pool.size() > kPooledBatchesMax) pool.pop_back();
}

// ---- one record from a dict -------------------------------------------------------------
// rs.evaluate(dict) reads the declared fields straight from the dict, with no JSON text in
// between. Only values of the types JSON would carry as they are (None, bool, int, str,
// datetime.date, list/tuple, dict) are taken, and set as RecordBatch::append_json sets
// them; on anything else (another type, a value the batch rejects) the record goes the
// old way, through JSON, which then gives the same decision or the same error as before.
namespace {

struct RecordField {
  int field = -1;
  char kind = 's';
  std::vector<py::str> keys;          // the path's segments (element fields: after the type name)
  std::vector<RecordField> elements;  // list fields: their element fields
};
struct RecordPlan {
  std::vector<RecordField> fields;  // in the batch's field order, as append_json sets them
};

const RecordPlan& record_plan(const RuleSet& rs) {
  static auto* cache = new std::map<std::string, RecordPlan>();  // guarded by the GIL
  auto it = cache->find(rs.sha256());
  if (it != cache->end()) return it->second;
  const std::vector<Input>& inputs = inputs_of(rs);
  const RecordBatch names(rs);
  RecordPlan plan;
  for (const Input& in : inputs) {
    if (in.element) continue;
    RecordField f{names.field(in.path), in.kind, path_keys(in.path, 0), {}};
    if (in.kind == 'l') {
      for (const Input* e : element_inputs(inputs, in.elem_type)) {
        f.elements.push_back(RecordField{
            names.field(e->path), e->kind, path_keys(e->path, in.elem_type.size() + 1), {}});
      }
      std::sort(f.elements.begin(), f.elements.end(),
                [](const RecordField& a, const RecordField& b) { return a.field < b.field; });
    }
    plan.fields.push_back(std::move(f));
  }
  std::sort(plan.fields.begin(), plan.fields.end(),
            [](const RecordField& a, const RecordField& b) { return a.field < b.field; });
  if (cache->size() > 64) cache->clear();
  return cache->emplace(rs.sha256(), std::move(plan)).first->second;
}

// The value at `keys` under `from` (borrowed; null when a step is None or lacks the key).
// False when a step on the way is neither a dict nor None: the JSON way decides what that
// means (absent, or an error for a value JSON cannot carry).
bool lookup(PyObject* from, const std::vector<py::str>& keys, PyObject*& out) {
  out = nullptr;
  for (const py::str& key : keys) {
    if (from == nullptr || from == Py_None) return true;
    if (!PyDict_Check(from)) return false;
    from = PyDict_GetItemWithError(from, key.ptr());
    if (from == nullptr && PyErr_Occurred()) throw py::error_already_set();
  }
  out = from;
  return true;
}

// One value as append_json would set it; false when it is not of a plain type (the record
// then goes through JSON). Throws what the batch throws for a plain value it rejects.
bool set_plain(RecordBatch& b, const RecordField& f, std::size_t row, PyObject* v) {
  if (v == Py_None) return true;  // null: missing
  std::string_view text;
  switch (f.kind) {
    case 'b':
      if (!PyBool_Check(v)) return false;
      b.set_bool(f.field, row, v == Py_True);
      return true;
    case 'i': {
      if (!PyLong_CheckExact(v)) return false;
      int overflow = 0;
      const long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
      if (overflow != 0 || (x == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return false;
      }
      b.set_int(f.field, row, static_cast<std::int64_t>(x));
      return true;
    }
    case 'd': {
      static py::object* date_type = new py::object(py::module_::import("datetime").attr("date"));
      if (PyUnicode_Check(v)) {
        if (!utf8_view(v, text)) return false;
        b.set_date(f.field, row, Date::parse_iso(text));
        return true;
      }
      if (reinterpret_cast<PyObject*>(Py_TYPE(v)) != date_type->ptr()) return false;
      b.set_date(f.field, row, python::to_date(v));
      return true;
    }
    case 's':
    case 'e':
      if (!PyUnicode_Check(v) || !utf8_view(v, text)) return false;
      b.set_string(f.field, row, text);
      return true;
    case 'p': {
      if (!PyList_CheckExact(v) && !PyTuple_CheckExact(v)) return false;
      py::sequence seq = py::reinterpret_borrow<py::sequence>(v);
      std::vector<std::string_view> codes;
      codes.reserve(seq.size());
      for (py::handle code : seq) {
        if (!PyUnicode_Check(code.ptr()) || !utf8_view(code, text)) return false;
        codes.push_back(text);
      }
      b.set_programs(f.field, row, codes);
      return true;
    }
    case 'l': {
      if (!PyList_CheckExact(v) && !PyTuple_CheckExact(v)) return false;
      b.set_empty_list(f.field, row);
      for (py::handle item : py::reinterpret_borrow<py::sequence>(v)) {
        if (!PyDict_Check(item.ptr())) return false;
        const std::size_t e = b.add_element(f.field, row);
        for (const RecordField& ef : f.elements) {
          PyObject* ev = nullptr;
          if (!lookup(item.ptr(), ef.keys, ev) || (ev != nullptr && !set_plain(b, ef, e, ev)))
            return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}

// The record's declared fields into row 0 of an empty batch; false: take the JSON way.
bool fill_record(RecordBatch& b, const RecordPlan& plan, py::handle record) {
  if (!PyDict_Check(record.ptr())) return false;
  b.append_rows(1);
  try {
    for (const RecordField& f : plan.fields) {
      PyObject* v = nullptr;
      if (!lookup(record.ptr(), f.keys, v) || (v != nullptr && !set_plain(b, f, 0, v)))
        return false;
    }
  } catch (const std::exception&) {
    return false;  // a value the batch rejects (or text Python cannot encode): the JSON way reports
                   // it as before
  }
  return true;
}

}  // namespace

Decision evaluate_record(const RuleSet& rs, py::handle record, py::handle as_of, bool explain) {
  const Date date = to_date_or_today(as_of);
  if (!PyUnicode_Check(record.ptr())) {
    std::unique_ptr<RecordBatch> pooled = take_batch(rs);
    if (fill_record(*pooled, record_plan(rs), record)) {
      Decision d = rs.evaluator(date).decide(*pooled, 0, explain);
      give_back(rs, std::move(pooled));
      return d;
    }
    give_back(rs, std::move(pooled));
  }
  return rs.evaluate_json(record_json(record), date, explain);
}

}  // namespace smartkampung::python::rules_binding
