// Records given by key (dicts, JSON objects, data-frame rows) through the list intake:
// the same alias table, key repair, date, and sex readers as a list file's columns.
#include <algorithm>
#include <cstdio>
#include <smartkampung/intake.hpp>
#include <smartkampung/linkage.hpp>

namespace smartkampung {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string iso_date(std::int32_t days) {
  int y = 0, m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

}  // namespace

KeyedIntake::KeyedIntake(Date reference, std::vector<std::string> keep, ColumnMap columns)
    : dates_(reference), keep_(std::move(keep)), columns_(std::move(columns)) {}

const std::string& KeyedIntake::column_of(const std::string& key) {
  for (const Entry& e : cache_) {
    if (e.key == key) return e.stored;
  }
  Entry entry{key, key, false};
  const bool kept = std::find(keep_.begin(), keep_.end(), key) != keep_.end();
  if (!kept) {
    for (const auto& [ours, theirs] : columns_) {
      if (theirs == key || equals_ignoring_case(theirs, key) ||
          (!fold_header(theirs).empty() && fold_header(theirs) == fold_header(key))) {
        entry.stored = ours;
        entry.explicit_map = true;
        break;
      }
    }
    if (!entry.explicit_map) {
      const std::string_view field = header_field(key);
      if (!field.empty()) entry.stored = std::string(field);
    }
  }
  if (entry.stored != key) renamed_.emplace_back(key, entry.stored);
  cache_.push_back(std::move(entry));
  return cache_.back().stored;
}

bool KeyedIntake::is_explicit(const std::string& key) {
  column_of(key);
  for (const Entry& e : cache_) {
    if (e.key == key) return e.explicit_map;
  }
  return false;
}

void KeyedIntake::canonicalize(std::string_view field, const std::vector<std::string*>& cells) {
  if (field == "nik" || field == "kk") {
    for (std::string* cell : cells) {
      if (cell == nullptr || cell->empty()) continue;
      std::array<char, 24> buffer;
      KeyRepair repair = KeyRepair::kNone;
      const std::string_view digits = repair_key_text(*cell, buffer, repair);
      if (repair != KeyRepair::kNone) {
        *cell = std::string(digits);
        ++counts_.keys_repaired;
      }
    }
  } else if (field == "sex") {
    for (std::string* cell : cells) {
      if (cell == nullptr || cell->empty()) continue;
      const char sex = read_sex(*cell);
      if (sex == 0) {
        ++counts_.sexes_unreadable;
      } else {
        cell->assign(1, sex);
        ++counts_.sexes_read;
      }
    }
  } else if (field == "birth_date") {
    std::vector<DateCell> read(cells.size());
    DateOrderVotes votes;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i] == nullptr || cells[i]->empty()) continue;
      read[i] = dates_.read(*cells[i]);
      votes.add(read[i]);
    }
    if (birth_order_ == DateOrder::kUnknown && !birth_order_fixed_) birth_order_ = votes.decide();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i] == nullptr || cells[i]->empty()) continue;
      const DateCell& c = read[i];
      std::int32_t day = c.under(birth_order_);
      if (day == kNoDay)
        day = c.day_first != kNoDay ? c.day_first : c.month_first;  // the one reading there is
      if (day == kNoDay) {
        ++counts_.dates_unreadable;
      } else {
        *cells[i] = iso_date(day);
        ++counts_.dates_read;
      }
    }
  }
}

DateOrderVotes KeyedIntake::birth_votes(const std::vector<std::string*>& cells) const {
  DateOrderVotes votes;
  for (const std::string* cell : cells) {
    if (cell != nullptr && !cell->empty()) votes.add(dates_.read(*cell));
  }
  return votes;
}

void KeyedIntake::canonicalize(std::vector<LinkRecord>& records, std::size_t first) {
  std::vector<std::string*> nik, kk, birth, sex;
  const std::size_t n = records.size() > first ? records.size() - first : 0;
  nik.reserve(n);
  kk.reserve(n);
  birth.reserve(n);
  sex.reserve(n);
  for (std::size_t i = first; i < records.size(); ++i) {
    LinkRecord& r = records[i];
    nik.push_back(&r.nik);
    kk.push_back(&r.kk);
    birth.push_back(&r.birth_date);
    sex.push_back(&r.sex);
  }
  canonicalize("nik", nik);
  canonicalize("kk", kk);
  canonicalize("birth_date", birth);
  canonicalize("sex", sex);
}

}  // namespace smartkampung
