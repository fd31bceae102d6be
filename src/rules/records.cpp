// Decoded records: columns shaped by a rule set's inputs, filled from JSON or field
// by field. Evaluation reads them in place.
#include <algorithm>
#include <array>
#include <climits>
#include <cstring>

#include "core/raw_value_table.hpp"
#include "core/utf8.hpp"
#include "rules/ir.hpp"
#include "rules/json_util.hpp"

namespace smartkampung {

using detail::BatchData;
using detail::Column;
using detail::FieldDef;
using detail::Kind;

namespace {
// Messages name the field, never its value (which may be personal data).
[[noreturn]] void bad(const std::string& path, const std::string& msg) {
  throw RuleError(ErrorCode::kInvalidArgument, path, 0, "record: " + msg);
}

void push_missing(Column& c) {
  c.v.push_back(0);
  c.n.push_back(0);
  c.known.push_back(0);
}
}  // namespace

RecordBatch::RecordBatch(const RuleSet& rules)
    : rules_(rules.impl_), data_(std::make_unique<BatchData>()) {
  data_->cols.resize(rules_->schema.fields.size());
  data_->elems.assign(rules_->schema.elem_types.size(), 0);
}
RecordBatch::~RecordBatch() = default;
RecordBatch::RecordBatch(const RecordBatch& o)
    : rules_(o.rules_), data_(std::make_unique<BatchData>(*o.data_)) {}
RecordBatch& RecordBatch::operator=(const RecordBatch& o) {
  if (this != &o) {
    rules_ = o.rules_;
    data_ = std::make_unique<BatchData>(*o.data_);
  }
  return *this;
}
RecordBatch::RecordBatch(RecordBatch&&) noexcept = default;
RecordBatch& RecordBatch::operator=(RecordBatch&&) noexcept = default;

std::size_t RecordBatch::size() const noexcept { return data_->rows; }

void RecordBatch::clear() noexcept {
  data_->rows = 0;
  for (auto& e : data_->elems) e = 0;
  for (Column& c : data_->cols) {
    c.v.clear();
    c.n.clear();
    c.known.clear();
  }
  data_->chars.clear();
  data_->extra_programs.clear();
}

void RecordBatch::append_rows(std::size_t n) {
  const auto& fields = rules_->schema.fields;
  data_->rows += n;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (fields[f].elem_type >= 0) continue;
    Column& c = data_->cols[f];
    c.v.resize(data_->rows);  // left unwritten: a missing entry's value is never read
    c.n.resize(data_->rows);
    c.known.resize(data_->rows, 0);
  }
}

int RecordBatch::field(std::string_view path) const noexcept { return rules_->schema.find(path); }

std::vector<RecordBatch::FieldInfo> RecordBatch::fields() const {
  std::vector<FieldInfo> out;
  for (const FieldDef& f : rules_->schema.fields) {
    FieldInfo info;
    info.path = f.path;
    info.element = f.elem_type >= 0;
    switch (f.type.kind) {
      case Kind::kBool:
        info.kind = 'b';
        break;
      case Kind::kInt:
      case Kind::kMoney:
        info.kind = 'i';
        break;
      case Kind::kDate:
        info.kind = 'd';
        break;
      case Kind::kString:
        info.kind = 's';
        break;
      case Kind::kEnum:
        info.kind = 'e';
        break;
      case Kind::kSet:
        info.kind = 'p';
        break;
      case Kind::kList:
        info.kind = 'l';
        if (f.type.aux >= 0)
          info.element_type = rules_->schema.elem_types[static_cast<std::size_t>(f.type.aux)].name;
        break;
      default:
        info.kind = 'x';
        break;
    }
    out.push_back(std::move(info));
  }
  return out;
}

namespace {
const FieldDef& field_def(const detail::RuleSetImpl& rs, const BatchData& d, int field,
                          std::size_t row) {
  if (field < 0 || static_cast<std::size_t>(field) >= rs.schema.fields.size()) {
    throw RuleError(ErrorCode::kInvalidArgument, "", 0,
                    "no such field index " + std::to_string(field));
  }
  const FieldDef& f = rs.schema.fields[static_cast<std::size_t>(field)];
  const std::size_t limit =
      f.elem_type >= 0 ? d.elems[static_cast<std::size_t>(f.elem_type)] : d.rows;
  if (row >= limit) bad(f.path, "row " + std::to_string(row) + " out of range");
  return f;
}

void expect_kind(const FieldDef& f, std::initializer_list<Kind> kinds, const char* what) {
  for (Kind k : kinds) {
    if (f.type.kind == k) return;
  }
  bad(f.path, std::string("type mismatch: this field does not take ") + what);
}

std::int64_t program_bits(const detail::RuleSetImpl& rs, BatchData& d,
                          const std::vector<std::string_view>& codes, const std::string& path) {
  std::uint64_t mask = 0;
  for (std::string_view code : codes) {
    int bit = rs.program_index(code);
    if (bit < 0) {
      for (std::size_t k = 0; k < d.extra_programs.size(); ++k) {
        if (d.extra_programs[k] == code) bit = static_cast<int>(rs.programs.size() + k);
      }
    }
    if (bit < 0) {
      if (code.empty()) bad(path, "empty programme code");
      if (rs.programs.size() + d.extra_programs.size() >= detail::kMaxPrograms) {
        bad(path, "more than " + std::to_string(detail::kMaxPrograms) +
                      " distinct programme codes in one batch");
      }
      d.extra_programs.emplace_back(code);
      bit = static_cast<int>(rs.programs.size() + d.extra_programs.size() - 1);
    }
    mask |= std::uint64_t{1} << bit;
  }
  return static_cast<std::int64_t>(mask);
}
}  // namespace

void RecordBatch::set_missing(int field, std::size_t row) {
  field_def(*rules_, *data_, field, row);
  data_->cols[static_cast<std::size_t>(field)].known[row] = 0;
}

void RecordBatch::set_bool(int field, std::size_t row, bool value) {
  const FieldDef& f = field_def(*rules_, *data_, field, row);
  expect_kind(f, {Kind::kBool}, "a bool");
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  c.v[row] = value ? 1 : 0;
  c.known[row] = 1;
}

void RecordBatch::set_int(int field, std::size_t row, std::int64_t value) {
  const FieldDef& f = field_def(*rules_, *data_, field, row);
  expect_kind(f, {Kind::kInt, Kind::kMoney}, "a number");
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  c.v[row] = value;
  c.known[row] = 1;
}

void RecordBatch::set_date(int field, std::size_t row, Date value) {
  const FieldDef& f = field_def(*rules_, *data_, field, row);
  expect_kind(f, {Kind::kDate}, "a date");
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  c.v[row] = value.days_since_epoch();
  c.known[row] = 1;
}

void RecordBatch::set_string(int field, std::size_t row, std::string_view value) {
  const FieldDef& f = field_def(*rules_, *data_, field, row);
  expect_kind(f, {Kind::kString, Kind::kEnum}, "a string");
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  if (f.type.kind == Kind::kEnum) {
    const auto& vals = rules_->schema.enums[static_cast<std::size_t>(f.type.aux)];
    std::int64_t idx = -1;
    for (std::size_t i = 0; i < vals.size(); ++i) {
      if (vals[i] == value) idx = static_cast<std::int64_t>(i);
    }
    if (idx < 0) {
      std::string list;
      for (const auto& v : vals) list += (list.empty() ? "" : ", ") + v;
      bad(f.path, "not one of the declared values (" + list + ")");
    }
    c.v[row] = idx;
  } else {
    if (value.size() > UINT32_MAX) bad(f.path, "string too long");
    c.v[row] = static_cast<std::int64_t>(data_->chars.size());
    c.n[row] = static_cast<std::uint32_t>(value.size());
    data_->chars.append(value);
  }
  c.known[row] = 1;
}

void RecordBatch::set_programs(int field, std::size_t row,
                               const std::vector<std::string_view>& codes) {
  const FieldDef& f = field_def(*rules_, *data_, field, row);
  expect_kind(f, {Kind::kSet}, "a programme set");
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  c.v[row] = program_bits(*rules_, *data_, codes, f.path);
  c.known[row] = 1;
}

std::size_t RecordBatch::add_element(int list_field, std::size_t row) {
  const FieldDef& f = field_def(*rules_, *data_, list_field, row);
  expect_kind(f, {Kind::kList}, "elements");
  Column& c = data_->cols[static_cast<std::size_t>(list_field)];
  const std::size_t et = static_cast<std::size_t>(f.type.aux);
  std::size_t& count = data_->elems[et];
  if (!c.known[row] || c.n[row] == 0) {
    c.v[row] = static_cast<std::int64_t>(count);
    c.n[row] = 0;
    c.known[row] = 1;
  } else if (static_cast<std::size_t>(c.v[row]) + c.n[row] != count) {
    bad(f.path, "the elements of a row must be added one after the other");
  }
  ++c.n[row];
  for (int ef : rules_->schema.elem_types[et].fields)
    push_missing(data_->cols[static_cast<std::size_t>(ef)]);
  return count++;
}

void RecordBatch::set_empty_list(int list_field, std::size_t row) {
  const FieldDef& f = field_def(*rules_, *data_, list_field, row);
  expect_kind(f, {Kind::kList}, "a list");
  Column& c = data_->cols[static_cast<std::size_t>(list_field)];
  c.v[row] = static_cast<std::int64_t>(data_->elems[static_cast<std::size_t>(f.type.aux)]);
  c.n[row] = 0;
  c.known[row] = 1;
}

// ---- column setters ----------------------------------------------------------------
namespace {
const FieldDef& column_def(const detail::RuleSetImpl& rs, const BatchData& d, int field,
                           std::size_t first, std::size_t count) {
  if (field < 0 || static_cast<std::size_t>(field) >= rs.schema.fields.size()) {
    throw RuleError(ErrorCode::kInvalidArgument, "", 0,
                    "no such field index " + std::to_string(field));
  }
  const FieldDef& f = rs.schema.fields[static_cast<std::size_t>(field)];
  const std::size_t limit =
      f.elem_type >= 0 ? d.elems[static_cast<std::size_t>(f.elem_type)] : d.rows;
  if (first > limit || count > limit - first) {
    bad(f.path,
        "rows " + std::to_string(first) + ".." + std::to_string(first + count) + " out of range");
  }
  return f;
}

[[noreturn]] void bad_row(const FieldDef& f, std::size_t row, const std::string& msg) {
  bad(f.path, "row " + std::to_string(row) + ": " + msg);
}
}  // namespace

void RecordBatch::set_bools(int field, std::size_t first, std::size_t count,
                            const std::uint8_t* values, const std::uint8_t* known) {
  const FieldDef& f = column_def(*rules_, *data_, field, first, count);
  expect_kind(f, {Kind::kBool}, "a bool");
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  std::int64_t* v = c.v.data() + first;
  std::uint8_t* k = c.known.data() + first;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t present = known == nullptr || known[i] != 0;
    v[i] = present && values[i] != 0;
    k[i] = present;
  }
}

void RecordBatch::set_values(int field, std::size_t first, std::size_t count,
                             const std::int64_t* values, const std::uint8_t* known) {
  const FieldDef& f = column_def(*rules_, *data_, field, first, count);
  expect_kind(f, {Kind::kInt, Kind::kMoney, Kind::kDate, Kind::kEnum, Kind::kSet},
              "a number, date, enum index or set");
  // The range every known value must fall in.
  std::int64_t lo = INT64_MIN, hi = INT64_MAX;
  const char* what = "";
  if (f.type.kind == Kind::kDate) {
    lo = INT32_MIN;
    hi = INT32_MAX;
    what = "date out of range";
  } else if (f.type.kind == Kind::kEnum) {
    lo = 0;
    hi = static_cast<std::int64_t>(
             rules_->schema.enums[static_cast<std::size_t>(f.type.aux)].size()) -
         1;
    what = "enum index out of range";
  } else if (f.type.kind == Kind::kSet) {
    const std::size_t bits = rules_->programs.size() + data_->extra_programs.size();
    what = "programme mask has a bit no programme code was given for";
    for (std::size_t i = 0; i < count; ++i) {
      if ((known == nullptr || known[i] != 0) && bits < 64 &&
          (static_cast<std::uint64_t>(values[i]) >> bits) != 0) {
        bad_row(f, first + i, what);
      }
    }
  }
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  std::int64_t* v = c.v.data() + first;
  std::uint8_t* k = c.known.data() + first;
  if (known == nullptr) {
    // All known (a numpy column): one branch-free range check, then plain copies.
    std::int64_t lowest = count > 0 ? values[0] : 0, highest = lowest;
    for (std::size_t i = 0; i < count; ++i) {
      lowest = std::min(lowest, values[i]);
      highest = std::max(highest, values[i]);
    }
    if (lowest >= lo && highest <= hi) {
      if (count > 0) {
        std::memcpy(v, values, count * sizeof(std::int64_t));
        std::memset(k, 1, count);
      }
      return;
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    const bool present = known == nullptr || known[i] != 0;
    if (present && (values[i] < lo || values[i] > hi)) bad_row(f, first + i, what);
    v[i] = present ? values[i] : 0;
    k[i] = present ? 1 : 0;
  }
}

void RecordBatch::set_strings(int field, std::size_t first, std::size_t count,
                              std::string_view chars, const std::uint64_t* offsets,
                              const std::uint8_t* known) {
  const FieldDef& f = column_def(*rules_, *data_, field, first, count);
  expect_kind(f, {Kind::kString, Kind::kEnum}, "a string");
  for (std::size_t i = 0; i < count; ++i) {
    if (offsets[i + 1] < offsets[i] || offsets[i + 1] > chars.size())
      bad_row(f, first + i, "bad string offsets");
    if (offsets[i + 1] - offsets[i] > UINT32_MAX) bad_row(f, first + i, "string too long");
  }
  if (f.type.kind == Kind::kEnum) {
    for (std::size_t i = 0; i < count; ++i) {
      if (known != nullptr && known[i] == 0) {
        data_->cols[static_cast<std::size_t>(field)].known[first + i] = 0;
      } else {
        std::int64_t index = 0;
        try {
          index = enum_index(field, chars.substr(offsets[i], offsets[i + 1] - offsets[i]));
        } catch (const RuleError&) {
          bad_row(f, first + i, "not one of the declared values");
        }
        Column& c = data_->cols[static_cast<std::size_t>(field)];
        c.v[first + i] = index;
        c.n[first + i] = 0;
        c.known[first + i] = 1;
      }
    }
    return;
  }
  // One copy of the characters the rows use; each row points into it.
  const std::uint64_t begin = count == 0 ? 0 : offsets[0], end = count == 0 ? 0 : offsets[count];
  const std::int64_t base =
      static_cast<std::int64_t>(data_->chars.size()) - static_cast<std::int64_t>(begin);
  data_->chars.append(chars.substr(begin, end - begin));
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  for (std::size_t i = 0; i < count; ++i) {
    const bool present = known == nullptr || known[i] != 0;
    c.v[first + i] = present ? base + static_cast<std::int64_t>(offsets[i]) : 0;
    c.n[first + i] = present ? static_cast<std::uint32_t>(offsets[i + 1] - offsets[i]) : 0;
    c.known[first + i] = present ? 1 : 0;
  }
}

namespace {
// Asks for the bytes 4 KiB ahead of p: the columns are usually cold (a batch's evaluation
// runs between two calls), and a prefetch never faults, so it may run past the data's end.
inline void read_ahead(const char* p) {
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + 4096));
}

}  // namespace

void RecordBatch::set_fixed_strings(int field, std::size_t first, std::size_t count,
                                    const void* data, std::size_t width, bool ucs4,
                                    const std::uint8_t* known) {
  const FieldDef& f = column_def(*rules_, *data_, field, first, count);
  expect_kind(f, {Kind::kString, Kind::kEnum}, "a string");
  const char* base = static_cast<const char*>(data);
  const std::size_t item = ucs4 ? 4 * width : width;
  Column& c = data_->cols[static_cast<std::size_t>(field)];
  if (f.type.kind == Kind::kEnum) {
    // Each distinct value is decoded and looked up once.
    std::string utf8;
    std::int64_t* values = c.v.data() + first;
    std::uint8_t* present_out = c.known.data() + first;
    detail::with_raw_value_table(item, [&](auto& table) {
      for (std::size_t i = 0; i < count; ++i) {
        const char* p = base + i * item;
        read_ahead(p);
        if (known != nullptr && known[i] == 0) {
          present_out[i] = 0;
          values[i] = 0;
          continue;
        }
        const std::int64_t* found = table.find(p);
        std::int64_t index = 0;
        if (found != nullptr) {
          index = *found;
        } else {
          utf8.clear();
          const std::size_t len = detail::fixed_text_length(p, width, ucs4);
          if (ucs4)
            detail::append_ucs4_as_utf8(utf8, p, len);
          else
            utf8.assign(p, len);
          try {
            index = enum_index(field, utf8);
          } catch (const RuleError&) {
            bad_row(f, first + i, "not one of the declared values");
          }
          table.insert(p, index);  // a full table only means more lookups
        }
        values[i] = index;
        present_out[i] = 1;
      }
    });
    return;
  }
  // Strings: each value narrowed (UCS-4) or copied to its place in the batch's characters
  // and cut at its NUL padding. UCS-4 is narrowed value by value straight to its place
  // (the column's four bytes a character are read once); bytes are copied in one block,
  // then moved down over the padding. A UCS-4 column with any character beyond ASCII is
  // then encoded again, value by value, as UTF-8.
  std::string& chars = data_->chars;
  const std::size_t start = chars.size();
  chars.resize(start + count * width);
  char* out = chars.data();
  if (!ucs4 && count * width > 0) std::memcpy(out + start, base, count * width);
  std::uint32_t high = 0;
  std::size_t pos = start;
  for (std::size_t i = 0; i < count; ++i) {
    const bool present = known == nullptr || known[i] != 0;
    std::size_t len = 0;
    if (present) {
      if (ucs4) {
        read_ahead(base + i * item);
        high |= detail::narrow_ucs4(out + pos, base + i * item, width);
        len = detail::fixed_text_length(out + pos, width, false);
      } else {
        const char* row = out + start + i * width;
        len = detail::fixed_text_length(row, width, false);
        if (pos != start + i * width) std::memmove(out + pos, row, len);
      }
    }
    if (len > UINT32_MAX) bad_row(f, first + i, "string too long");
    c.v[first + i] = present ? static_cast<std::int64_t>(pos) : 0;
    c.n[first + i] = static_cast<std::uint32_t>(len);
    c.known[first + i] = present ? 1 : 0;
    pos += len;
  }
  if (high >= 0x80) {
    chars.resize(start);
    pos = start;
    for (std::size_t i = 0; i < count; ++i) {
      if (known != nullptr && known[i] == 0) continue;
      detail::append_ucs4_as_utf8(chars, base + i * item,
                                  detail::fixed_text_length(base + i * item, width, true));
      const std::size_t len = chars.size() - pos;
      if (len > UINT32_MAX) bad_row(f, first + i, "string too long");
      c.v[first + i] = static_cast<std::int64_t>(pos);
      c.n[first + i] = static_cast<std::uint32_t>(len);
      pos += len;
    }
  }
  chars.resize(pos);
}

std::size_t RecordBatch::set_lists(int list_field, std::size_t first, std::size_t count,
                                   const std::int64_t* offsets, const std::uint8_t* known) {
  const FieldDef& f = column_def(*rules_, *data_, list_field, first, count);
  expect_kind(f, {Kind::kList}, "a list");
  for (std::size_t i = 0; i < count; ++i) {
    if (offsets[i + 1] < offsets[i]) bad_row(f, first + i, "list offsets decrease");
    if (offsets[i + 1] - offsets[i] > UINT32_MAX) bad_row(f, first + i, "list too long");
    if (known != nullptr && known[i] == 0 && offsets[i + 1] != offsets[i]) {
      bad_row(f, first + i, "a missing list has elements");
    }
  }
  const std::size_t et = static_cast<std::size_t>(f.type.aux);
  const std::size_t start = data_->elems[et];
  const std::size_t added = count == 0 ? 0 : static_cast<std::size_t>(offsets[count] - offsets[0]);
  Column& c = data_->cols[static_cast<std::size_t>(list_field)];
  for (std::size_t i = 0; i < count; ++i) {
    const bool present = known == nullptr || known[i] != 0;
    c.v[first + i] = present ? static_cast<std::int64_t>(start) + (offsets[i] - offsets[0]) : 0;
    c.n[first + i] = present ? static_cast<std::uint32_t>(offsets[i + 1] - offsets[i]) : 0;
    c.known[first + i] = present ? 1 : 0;
  }
  data_->elems[et] = start + added;
  for (int ef : rules_->schema.elem_types[et].fields) {
    Column& e = data_->cols[static_cast<std::size_t>(ef)];
    e.v.resize(start + added);  // left unwritten: a missing entry's value is never read
    e.n.resize(start + added);
    e.known.resize(start + added, 0);
  }
  return start;
}

std::int64_t RecordBatch::enum_index(int field, std::string_view value) const {
  if (field < 0 || static_cast<std::size_t>(field) >= rules_->schema.fields.size()) {
    throw RuleError(ErrorCode::kInvalidArgument, "", 0,
                    "no such field index " + std::to_string(field));
  }
  const FieldDef& f = rules_->schema.fields[static_cast<std::size_t>(field)];
  expect_kind(f, {Kind::kEnum}, "an enum value");
  const auto& vals = rules_->schema.enums[static_cast<std::size_t>(f.type.aux)];
  for (std::size_t i = 0; i < vals.size(); ++i) {
    if (vals[i] == value) return static_cast<std::int64_t>(i);
  }
  std::string list;
  for (const auto& v : vals) list += (list.empty() ? "" : ", ") + v;
  bad(f.path, "not one of the declared values (" + list + ")");
}

int RecordBatch::program_bit(int field, std::string_view code) {
  if (field < 0 || static_cast<std::size_t>(field) >= rules_->schema.fields.size()) {
    throw RuleError(ErrorCode::kInvalidArgument, "", 0,
                    "no such field index " + std::to_string(field));
  }
  const FieldDef& f = rules_->schema.fields[static_cast<std::size_t>(field)];
  expect_kind(f, {Kind::kSet}, "programme codes");
  const auto mask = static_cast<std::uint64_t>(
      program_bits(*rules_, *data_, std::vector<std::string_view>{code}, f.path));
  return __builtin_ctzll(mask);
}

namespace {
void put_json(RecordBatch& b, const detail::RuleSetImpl& rs, int field, std::size_t row,
              const rapidjson::Value& v, const std::string& path) {
  const FieldDef& f = rs.schema.fields[static_cast<std::size_t>(field)];
  if (v.IsNull()) return;  // null is missing
  switch (f.type.kind) {
    case Kind::kBool:
      if (!v.IsBool()) bad(path, "type mismatch: expected true or false");
      b.set_bool(field, row, v.GetBool());
      break;
    case Kind::kInt:
    case Kind::kMoney:
      if (!v.IsInt64()) bad(path, "type mismatch: expected a whole number");
      b.set_int(field, row, v.GetInt64());
      break;
    case Kind::kDate: {
      if (!v.IsString()) bad(path, "type mismatch: expected a date \"YYYY-MM-DD\"");
      Date d;
      try {
        d = Date::parse_iso(std::string_view(v.GetString(), v.GetStringLength()));
      } catch (const Error&) {
        bad(path, "not a valid date \"YYYY-MM-DD\"");
      }
      b.set_date(field, row, d);
      break;
    }
    case Kind::kString:
    case Kind::kEnum:
      if (!v.IsString()) bad(path, "type mismatch: expected a string");
      b.set_string(field, row, std::string_view(v.GetString(), v.GetStringLength()));
      break;
    case Kind::kSet: {
      if (!v.IsArray()) bad(path, "type mismatch: expected a list of programme codes");
      std::vector<std::string_view> codes;
      for (const auto& c : v.GetArray()) {
        if (!c.IsString()) bad(path, "type mismatch: expected a list of programme codes");
        codes.emplace_back(c.GetString(), c.GetStringLength());
      }
      b.set_programs(field, row, codes);
      break;
    }
    default:
      break;
  }
}

const rapidjson::Value* walk(const rapidjson::Value& from, const std::vector<std::string>& segments,
                             std::string& path) {
  const rapidjson::Value* cur = &from;
  for (const std::string& s : segments) {
    if (!cur->IsObject()) return nullptr;
    auto m =
        cur->FindMember(rapidjson::StringRef(s.data(), static_cast<rapidjson::SizeType>(s.size())));
    if (m == cur->MemberEnd()) return nullptr;
    path += (path.empty() ? "" : ".") + s;
    cur = &m->value;
  }
  return cur;
}
}  // namespace

void RecordBatch::append_json(std::string_view record_json) {
  rapidjson::Document doc;
  detail::parse_json(doc, record_json, "the record");
  if (!doc.IsObject()) bad("", "a record is a JSON object");
  const detail::RuleSetImpl& rs = *rules_;
  // On a bad value the batch is cut back to what it was.
  const std::size_t rows0 = data_->rows, chars0 = data_->chars.size(),
                    extra0 = data_->extra_programs.size();
  const std::vector<std::size_t> elems0 = data_->elems;
  try {
    append_rows(1);
    const std::size_t row = data_->rows - 1;
    for (std::size_t fi = 0; fi < rs.schema.fields.size(); ++fi) {
      const FieldDef& f = rs.schema.fields[fi];
      if (f.elem_type >= 0) continue;
      std::string path;
      const rapidjson::Value* v = walk(doc, f.segments, path);
      if (v == nullptr) continue;
      const int field = static_cast<int>(fi);
      if (f.type.kind != Kind::kList) {
        put_json(*this, rs, field, row, *v, path);
        continue;
      }
      if (v->IsNull()) continue;
      if (!v->IsArray()) bad(path, "type mismatch: expected a list");
      set_empty_list(field, row);
      const detail::ElemType& et = rs.schema.elem_types[static_cast<std::size_t>(f.type.aux)];
      for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        const std::string epath = path + "[" + std::to_string(i) + "]";
        const rapidjson::Value& e = (*v)[i];
        if (!e.IsObject()) bad(epath, "type mismatch: expected an object");
        const std::size_t erow = add_element(field, row);
        for (int ef : et.fields) {
          std::string sub = epath;
          const rapidjson::Value* ev =
              walk(e, rs.schema.fields[static_cast<std::size_t>(ef)].segments, sub);
          if (ev != nullptr) put_json(*this, rs, ef, erow, *ev, sub);
        }
      }
    }
  } catch (...) {
    data_->rows = rows0;
    data_->elems = elems0;
    data_->chars.resize(chars0);
    data_->extra_programs.resize(extra0);
    for (std::size_t fi = 0; fi < rs.schema.fields.size(); ++fi) {
      const FieldDef& f = rs.schema.fields[fi];
      const std::size_t n =
          f.elem_type >= 0 ? elems0[static_cast<std::size_t>(f.elem_type)] : rows0;
      Column& c = data_->cols[fi];
      c.v.resize(n);
      c.n.resize(n);
      c.known.resize(n);
    }
    throw;
  }
}

std::size_t RecordBatch::append_json_array(std::string_view records_json) {
  rapidjson::Document doc;
  detail::parse_json(doc, records_json, "the records");
  if (!doc.IsArray()) bad("", "expected a JSON array of records");
  RecordBatch staged(*this);
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    try {
      staged.append_json(detail::to_plain_json(doc[i]));
    } catch (const RuleError& e) {
      throw RuleError(e.code(),
                      "[" + std::to_string(i) + "]" + (e.path().empty() ? "" : "." + e.path()), 0,
                      e.what());
    }
  }
  *this = std::move(staged);
  return doc.Size();
}

}  // namespace smartkampung
