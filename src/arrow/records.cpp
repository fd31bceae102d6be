// Records read from Arrow streams for linkage, rules and facilities: the same intake
// (aliases, explicit columns, canonical values) as dicts, data frames and files.
#include <cmath>
#include <smartkampung/nik.hpp>
#include <smartkampung/tables.hpp>

namespace smartkampung::tables {

using arrow::BatchView;
using arrow::ColumnView;
using arrow::Type;

std::vector<LinkRecord> link_records(arrow::StreamReader& reader, KeyedIntake& intake) {
  std::vector<LinkRecord> out;
  std::string value;
  struct Target {
    std::string column;
    bool explicit_map = false;
  };
  std::vector<Target> targets;
  for (const std::string& name : reader.names())
    targets.push_back({intake.column_of(name), intake.is_explicit(name)});
  while (const BatchView* batch = reader.next()) {
    const std::size_t first = out.size();
    out.resize(first + static_cast<std::size_t>(batch->rows));
    for (std::size_t c = 0; c < batch->columns.size(); ++c) {
      const ColumnView& col = batch->columns[c];
      if (col.type() == Type::kList || col.type() == Type::kStruct) {
        throw Error(ErrorCode::kInvalidArgument, "arrow: column '" + col.name() + "' is a " +
                                                     arrow::type_name(col.type()) +
                                                     ": a record takes one value a field");
      }
    }
    // Aliased columns first, explicit ones last: an explicit column wins over an alias.
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t c = 0; c < batch->columns.size(); ++c) {
        if (targets[c].explicit_map != (pass == 1)) continue;
        const ColumnView& col = batch->columns[c];
        for (std::int64_t r = 0; r < batch->rows; ++r) {
          if (col.value_text(r, value))
            out[first + static_cast<std::size_t>(r)].set(targets[c].column, value);
        }
      }
    }
    intake.canonicalize(out, first);
  }
  return out;
}

namespace {

[[noreturn]] void bad_value(const std::string& column, std::int64_t row, const std::string& what) {
  throw RuleError(ErrorCode::kInvalidArgument, column, 0,
                  "column '" + column + "', row " + std::to_string(row) + ": " + what);
}

using FieldInfo = RecordBatch::FieldInfo;

// The input a column name feeds: its path, the path without its root, or the field a
// list header names (through the intake's alias table); -1 when none.
std::string lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

int resolve(const std::vector<FieldInfo>& fields, const std::string& given, bool element,
            const std::string& elem_type) {
  // Headers are compared without regard to case, as a list file's are.
  const std::string name = lower(given);
  const auto match = [&](const std::string& want) -> int {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const FieldInfo& f = fields[i];
      if (f.element != element) continue;
      if (element) {
        if (f.path == elem_type + "." + want) return static_cast<int>(i);
        continue;
      }
      if (f.path == want) return static_cast<int>(i);
    }
    if (element) return -1;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const FieldInfo& f = fields[i];
      const std::size_t dot = f.path.find('.');
      if (!f.element && dot != std::string::npos &&
          f.path.compare(dot + 1, std::string::npos, want) == 0) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  int found = match(name);
  if (found < 0) {
    const std::string_view alias = header_field(name);
    if (!alias.empty()) found = match(std::string(alias));
  }
  return found;
}

// Fills `count` rows of field `field` (batch rows from `first`) from rows [start, start +
// count) of a column.
void fill(RecordBatch& batch, int field, char kind, std::size_t first, std::size_t count,
          const ColumnView& col, std::int64_t start, std::int64_t row_base) {
  const std::string& name = col.name();
  std::vector<std::uint8_t> known(count, 1);
  bool any_missing = false;
  for (std::size_t i = 0; i < count; ++i) {
    if (col.is_null(start + static_cast<std::int64_t>(i))) {
      known[i] = 0;
      any_missing = true;
    }
  }
  const std::uint8_t* k = any_missing ? known.data() : nullptr;
  const Type t = col.type();
  const bool text = t == Type::kUtf8;
  const auto row_of = [&](std::size_t i) { return row_base + static_cast<std::int64_t>(i); };
  try {
    switch (kind) {
      case 'b': {
        std::vector<std::uint8_t> v(count, 0);
        for (std::size_t i = 0; i < count; ++i) {
          if (!known[i]) continue;
          const std::int64_t r = start + static_cast<std::int64_t>(i);
          if (text) {
            const int b = read_bool(col.text(r));
            if (b < 0) bad_value(name, row_of(i), "not a boolean (ya/tidak, true/false, 1/0)");
            v[i] = static_cast<std::uint8_t>(b);
          } else if (t == Type::kBool || (t >= Type::kInt8 && t <= Type::kUInt64)) {
            v[i] = col.int_value(r) != 0 ? 1 : 0;
          } else {
            bad_value(name, row_of(i),
                      std::string("a bool field cannot be read from ") + arrow::type_name(t));
          }
        }
        batch.set_bools(field, first, count, v.data(), k);
        return;
      }
      case 'i':
      case 'd': {
        std::vector<std::int64_t> v(count, 0);
        // Text dates are read as list files' are: the day/month order decided over the column.
        std::vector<DateCell> cells;
        DateOrder order = DateOrder::kUnknown;
        if (kind == 'd' && text) {
          const DateReader reader(today());
          DateOrderVotes votes;
          cells.resize(count);
          for (std::size_t i = 0; i < count; ++i) {
            if (!known[i]) continue;
            cells[i] = reader.read(col.text(start + static_cast<std::int64_t>(i)));
            votes.add(cells[i]);
          }
          order = votes.decide();
        }
        for (std::size_t i = 0; i < count; ++i) {
          if (!known[i]) continue;
          const std::int64_t r = start + static_cast<std::int64_t>(i);
          if (kind == 'd') {
            if (t == Type::kDate32 || t == Type::kDate64 || t == Type::kTimestamp) {
              v[i] = col.days(r);
            } else if (text) {
              std::int32_t day = cells[i].under(order);
              if (day == kNoDay)
                day = cells[i].under(order == DateOrder::kMonthFirst ? DateOrder::kDayFirst
                                                                     : DateOrder::kMonthFirst);
              if (day == kNoDay)
                bad_value(name, row_of(i), "not a date (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YY, ...)");
              v[i] = day;
            } else {
              bad_value(name, row_of(i),
                        std::string("a date field cannot be read from ") + arrow::type_name(t));
            }
            continue;
          }
          if (t == Type::kFloat32 || t == Type::kFloat64) {
            const double d = col.float_value(r);
            if (std::isnan(d)) {
              known[i] = 0;
              k = known.data();
              continue;
            }
            if (std::floor(d) != d || std::fabs(d) > 9.0e15)
              bad_value(name, row_of(i), "not a whole number");
            v[i] = static_cast<std::int64_t>(d);
          } else if (text) {
            double d = 0;
            if (!read_number(col.text(r), d) || std::floor(d) != d || std::fabs(d) > 9.0e15) {
              bad_value(name, row_of(i), "not a whole number");
            }
            v[i] = static_cast<std::int64_t>(d);
          } else if (t == Type::kUInt64 && col.int_value(r) < 0) {
            bad_value(name, row_of(i), "does not fit a 64-bit integer");
          } else if (t == Type::kBool || (t >= Type::kInt8 && t <= Type::kUInt64)) {
            v[i] = col.int_value(r);
          } else {
            bad_value(name, row_of(i),
                      std::string("an integer field cannot be read from ") + arrow::type_name(t));
          }
        }
        batch.set_values(field, first, count, v.data(), k);
        return;
      }
      case 's':
      case 'e': {
        std::string chars;
        std::vector<std::uint64_t> offsets(count + 1, 0);
        std::string cell;
        for (std::size_t i = 0; i < count; ++i) {
          const std::int64_t r = start + static_cast<std::int64_t>(i);
          if (known[i]) {
            if (text) {
              const std::string_view s = col.text(r);
              chars.append(s.data(), s.size());
            } else if (col.value_text(r, cell)) {
              chars += cell;
            }
          }
          offsets[i + 1] = chars.size();
        }
        batch.set_strings(field, first, count, chars, offsets.data(), k);
        return;
      }
      case 'p': {
        std::vector<std::int64_t> v(count, 0);
        for (std::size_t i = 0; i < count; ++i) {
          if (!known[i]) continue;
          const std::int64_t r = start + static_cast<std::int64_t>(i);
          std::uint64_t mask = 0;
          const auto add = [&](std::string_view code) {
            while (!code.empty() && code.front() == ' ') code.remove_prefix(1);
            while (!code.empty() && code.back() == ' ') code.remove_suffix(1);
            if (!code.empty()) mask |= std::uint64_t{1} << batch.program_bit(field, code);
          };
          if (t == Type::kList &&
              (col.item().type() == Type::kUtf8 || col.item().type() == Type::kNull)) {
            const auto [b, e] = col.list_range(r);
            for (std::int64_t x = b; x < e; ++x) {
              if (!col.item().is_null(x)) add(col.item().text(x));
            }
          } else if (text) {
            const std::string_view s = col.text(r);
            std::size_t from = 0;
            for (std::size_t p = 0; p <= s.size(); ++p) {
              if (p == s.size() || s[p] == '|' || s[p] == ';' || s[p] == ',') {
                add(s.substr(from, p - from));
                from = p + 1;
              }
            }
          } else {
            bad_value(name, row_of(i),
                      "a programme set is a list of codes or a text of codes split on | ; ,");
          }
          v[i] = static_cast<std::int64_t>(mask);
        }
        batch.set_values(field, first, count, v.data(), k);
        return;
      }
      default:
        bad_value(name, row_base, "this input cannot be given as a column");
    }
  } catch (const RuleError& e) {
    if (e.path() == name) throw;
    throw RuleError(ErrorCode::kInvalidArgument, name, 0, "column '" + name + "': " + e.what());
  }
}

}  // namespace

std::size_t append_records(RecordBatch& batch, arrow::StreamReader& reader) {
  const std::vector<FieldInfo> fields = batch.fields();
  std::vector<int> target;
  for (const std::string& name : reader.names()) target.push_back(resolve(fields, name, false, ""));
  std::size_t added = 0;
  while (const BatchView* view = reader.next()) {
    const std::size_t first = batch.size();
    const auto rows = static_cast<std::size_t>(view->rows);
    const std::int64_t row_base = reader.rows_read() - view->rows;
    batch.append_rows(rows);
    for (std::size_t c = 0; c < view->columns.size(); ++c) {
      if (target[c] < 0) continue;  // a column the rule set does not read
      const FieldInfo& f = fields[static_cast<std::size_t>(target[c])];
      const ColumnView& col = view->columns[c];
      if (f.kind != 'l') {
        fill(batch, target[c], f.kind, first, rows, col, 0, row_base);
        continue;
      }
      // A list of records: list<struct<field, ...>>, each struct field an element field.
      if (col.type() != Type::kList || col.item().type() != Type::kStruct) {
        throw RuleError(ErrorCode::kInvalidArgument, col.name(), 0,
                        "column '" + col.name() + "': a list of " + f.element_type +
                            " records is a list<struct<...>> column, not " +
                            arrow::type_name(col.type()));
      }
      std::vector<std::int64_t> offsets(rows + 1, 0);
      std::vector<std::uint8_t> known(rows, 1);
      const std::int64_t base = col.list_range(0).first;
      for (std::size_t r = 0; r < rows; ++r) {
        const auto range = col.list_range(static_cast<std::int64_t>(r));
        known[r] = col.is_null(static_cast<std::int64_t>(r)) ? 0 : 1;
        offsets[r] = range.first - base;
        offsets[r + 1] = range.second - base;
      }
      const std::size_t elements = static_cast<std::size_t>(offsets[rows]);
      std::size_t first_element = 0;
      try {
        first_element = batch.set_lists(target[c], first, rows, offsets.data(), known.data());
      } catch (const RuleError& e) {
        throw RuleError(ErrorCode::kInvalidArgument, col.name(), 0,
                        "column '" + col.name() + "': " + e.what());
      }
      for (const ColumnView& sub : col.item().fields()) {
        const int ef = resolve(fields, sub.name(), true, f.element_type);
        if (ef < 0) continue;
        fill(batch, ef, fields[static_cast<std::size_t>(ef)].kind, first_element, elements, sub,
             base, 0);
      }
    }
    added += rows;
  }
  return added;
}

geo::FacilityIndex facility_index(arrow::StreamReader& reader,
                                  std::vector<geo::RejectedRow>* rejected) {
  return geo::FacilityIndex::from_text_table(arrow::read_text_table(reader), rejected);
}

}  // namespace smartkampung::tables
