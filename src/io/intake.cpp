// Field values as Indonesian offices write them: key repair, dates, sex, booleans, numbers.
#include <cstdlib>
#include <cstring>
#include <smartkampung/intake.hpp>

namespace smartkampung {

namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

bool equals_folded(std::string_view s, std::string_view lower_word) noexcept {
  if (s.size() != lower_word.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (lower(s[i]) != lower_word[i]) return false;
  }
  return true;
}

int small_int(std::string_view s) noexcept {  // 1 to 4 digits; -1 otherwise
  if (s.empty() || s.size() > 4) return -1;
  int v = 0;
  for (char c : s) {
    if (!is_digit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Month names and abbreviations, Indonesian and English (lowercase).
int month_of(std::string_view word) noexcept {
  struct Name {
    std::string_view text;
    int month;
  };
  static constexpr Name kNames[] = {
      {"jan", 1},       {"januari", 1},   {"january", 1},   {"feb", 2},       {"peb", 2},
      {"februari", 2},  {"pebruari", 2},  {"february", 2},  {"mar", 3},       {"maret", 3},
      {"march", 3},     {"apr", 4},       {"april", 4},     {"mei", 5},       {"may", 5},
      {"jun", 6},       {"juni", 6},      {"june", 6},      {"jul", 7},       {"juli", 7},
      {"july", 7},      {"agu", 8},       {"agt", 8},       {"ags", 8},       {"aug", 8},
      {"agus", 8},      {"agustus", 8},   {"august", 8},    {"sep", 9},       {"sept", 9},
      {"september", 9}, {"okt", 10},      {"oct", 10},      {"oktober", 10},  {"october", 10},
      {"nov", 11},      {"nop", 11},      {"november", 11}, {"nopember", 11}, {"des", 12},
      {"dec", 12},      {"desember", 12}, {"december", 12},
  };
  if (word.size() < 3 || word.size() > 9) return 0;
  for (const Name& n : kNames) {
    if (equals_folded(word, n.text)) return n.month;
  }
  return 0;
}

bool plausible_year(int y) noexcept { return y >= 1850 && y <= 2200; }

}  // namespace

// ---- key numbers ----------------------------------------------------------------------

const char* key_repair_name(KeyRepair repair) noexcept {
  switch (repair) {
    case KeyRepair::kNone:
      return "none";
    case KeyRepair::kApostrophe:
      return "apostrophe";
    case KeyRepair::kDotZero:
      return "dot_zero";
    case KeyRepair::kFormulaText:
      return "formula_text";
    case KeyRepair::kDigitGroups:
      return "digit_groups";
  }
  return "none";
}

std::string_view repair_key_text(std::string_view text, std::array<char, 24>& buffer,
                                 KeyRepair& repair) noexcept {
  repair = KeyRepair::kNone;
  std::string_view s = trim(text);
  if (s.size() >= 3 && s[0] == '=' && s[1] == '"' && s.back() == '"') {
    s = trim(s.substr(2, s.size() - 3));
    repair = KeyRepair::kFormulaText;
  }
  if (!s.empty() && s.front() == '\'') {
    s.remove_prefix(1);
    if (repair == KeyRepair::kNone) repair = KeyRepair::kApostrophe;
  }
  if (s.size() > 16 && s[16] == '.' && all_digits(s.substr(0, 16))) {
    bool zeros = s.size() > 17;
    for (char c : s.substr(17)) zeros &= c == '0';
    if (zeros) {
      s = s.substr(0, 16);
      if (repair == KeyRepair::kNone) repair = KeyRepair::kDotZero;
    }
  }
  if (s.size() > 16 && s.size() <= 23) {
    // Digit groups of two or more digits, one kind of separator between them.
    char sep = 0;
    std::size_t digits = 0, group = 0, groups = 0;
    bool ok = true;
    for (char c : s) {
      if (is_digit(c)) {
        if (digits < buffer.size()) buffer[digits] = c;
        ++digits;
        ++group;
      } else if (c == ' ' || c == '.' || c == '-') {
        if (sep == 0) sep = c;
        ok &= c == sep && group >= 2;
        ++groups;
        group = 0;
      } else {
        ok = false;
      }
    }
    if (ok && group >= 2 && groups >= 1 && digits == 16) {
      if (repair == KeyRepair::kNone) repair = KeyRepair::kDigitGroups;
      return std::string_view(buffer.data(), 16);
    }
  }
  if (repair == KeyRepair::kNone) return text;
  if (s.size() > buffer.size()) return s;  // a view into text: still valid
  std::memcpy(buffer.data(), s.data(), s.size());
  return std::string_view(buffer.data(), s.size());
}

// ---- dates ------------------------------------------------------------------------------

const char* date_order_name(DateOrder order) noexcept {
  switch (order) {
    case DateOrder::kUnknown:
      return "unknown";
    case DateOrder::kDayFirst:
      return "day_first";
    case DateOrder::kMonthFirst:
      return "month_first";
  }
  return "unknown";
}

DateReader::DateReader(Date reference) noexcept {
  int y = 0, m = 0, d = 0;
  civil_from_days(reference.days_since_epoch(), y, m, d);
  reference_key_ = y * 10000 + m * 100 + d;
}

std::int32_t DateReader::year_of(int yy, int month, int day) const noexcept {
  const int year = 2000 + yy;
  const int dim = days_in_month(year, month);
  const int clamped = day < dim ? day : dim;
  return year * 10000 + month * 100 + clamped > reference_key_ ? year - 100 : year;
}

namespace {

std::int32_t day_number(int y, int m, int d) noexcept {
  return Date::is_valid_ymd(y, m, d) && plausible_year(y) ? days_from_civil(y, m, d) : kNoDay;
}

}  // namespace

DateCell DateReader::read(std::string_view text) const noexcept {
  DateCell cell;
  std::string_view s = text;
  if (!s.empty() && (is_space(s.front()) || is_space(s.back()))) s = trim(s);
  auto d2 = [&](std::size_t i) {
    const unsigned a = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
    const unsigned b = static_cast<unsigned>(static_cast<unsigned char>(s[i + 1])) - '0';
    return a > 9 || b > 9 ? -1 : static_cast<int>(a * 10 + b);
  };
  auto numeric = [&](int a, int b, int y, bool two_digit) {
    cell.two_digit_year = two_digit;
    if (a < 1 || b < 1) return;
    if (two_digit) {
      if (b <= 12 && a <= 31) cell.day_first = day_number(year_of(y, b, a), b, a);
      if (a <= 12 && b <= 31) cell.month_first = day_number(year_of(y, a, b), a, b);
    } else {
      cell.day_first = day_number(y, b, a);
      cell.month_first = day_number(y, a, b);
    }
  };
  // The common shapes first: DD/MM/YY and DD/MM/YYYY (any of / - .), YYYY-MM-DD.
  if (s.size() == 8 && s[2] == s[5] && (s[2] == '/' || s[2] == '-' || s[2] == '.')) {
    const int a = d2(0), b = d2(3), y = d2(6);
    if (a >= 0 && b >= 0 && y >= 0) {
      numeric(a, b, y, true);
      return cell;
    }
  } else if (s.size() == 10 && s[2] == s[5] && (s[2] == '/' || s[2] == '-' || s[2] == '.')) {
    const int a = d2(0), b = d2(3), y1 = d2(6), y2 = d2(8);
    if (a >= 0 && b >= 0 && y1 >= 0 && y2 >= 0) {
      numeric(a, b, y1 * 100 + y2, false);
      return cell;
    }
  }
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {  // YYYY-MM-DD
    const int y1 = d2(0), y2 = d2(2), m = d2(5), d = d2(8);
    if (y1 >= 0 && y2 >= 0 && m >= 0 && d >= 0) {
      cell.day_first = cell.month_first = day_number(y1 * 100 + y2, m, d);
      return cell;
    }
  }
  // TTL: "Banyuwangi, 29-04-1985" (place, date): the date is after the last comma.
  const std::size_t comma = s.rfind(',');
  if (comma != std::string_view::npos) s = trim(s.substr(comma + 1));
  if (s.empty()) return cell;
  // A time part ("1985-04-29 00:00:00", "1985-04-29T00:00") ends the date.
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    const std::size_t cut = s.find_last_of(" T", colon);
    if (cut == std::string_view::npos) return cell;
    s = trim(s.substr(0, cut));
  }
  // Split into parts at separators.
  std::string_view parts[3];
  char seps[3] = {0, 0, 0};  // the separator before each part
  std::size_t n = 0;
  std::size_t i = 0;
  auto separator = [](char c) { return c == ' ' || c == '-' || c == '/' || c == '.'; };
  while (i < s.size()) {
    if (i < s.size() && separator(s[i]) && n < 3) seps[n] = s[i];
    while (i < s.size() && separator(s[i])) ++i;
    if (i == s.size()) break;
    if (n == 3) return cell;  // a fourth part: not a date
    const std::size_t start = i;
    while (i < s.size() && !separator(s[i])) ++i;
    parts[n++] = s.substr(start, i - start);
  }
  if (n >= 3) {
    const std::string_view p0 = parts[0], p1 = parts[1], p2 = parts[2];
    if (all_digits(p0) && all_digits(p1) && all_digits(p2)) {
      if (seps[1] != seps[2]) return cell;                       // 29/04-1985: no date
      if (p0.size() == 4 && p1.size() <= 2 && p2.size() <= 2) {  // YYYY-MM-DD
        cell.day_first = cell.month_first = day_number(small_int(p0), small_int(p1), small_int(p2));
        return cell;
      }
      if (p0.size() <= 2 && p1.size() <= 2 && (p2.size() == 4 || p2.size() == 2)) {
        numeric(small_int(p0), small_int(p1), small_int(p2), p2.size() == 2);
      }
      return cell;
    }
    // D Month Y, or Month D Y.
    int day = -1, month = 0;
    if (all_digits(p0) && p0.size() <= 2) {
      day = small_int(p0);
      month = month_of(p1);
    } else if (all_digits(p1) && p1.size() <= 2) {
      day = small_int(p1);
      month = month_of(p0);
    }
    if (month == 0 || day < 1 || !all_digits(p2) || (p2.size() != 2 && p2.size() != 4)) return cell;
    int y = small_int(p2);
    if (p2.size() == 2) {
      cell.two_digit_year = true;
      y = year_of(y, month, day);
    }
    cell.day_first = cell.month_first = day_number(y, month, day);
    return cell;
  }
  if (n == 1 || (n == 2 && all_digits(parts[1]) && s[parts[0].size()] == '.')) {
    const std::string_view p = parts[0];
    if (n == 1 && p.size() == 8 && all_digits(p)) {  // YYYYMMDD
      cell.day_first = cell.month_first = day_number(
          small_int(p.substr(0, 4)), small_int(p.substr(4, 2)), small_int(p.substr(6, 2)));
      return cell;
    }
    // An Excel serial day number, perhaps with a fraction ("31166", "31166.0").
    if (p.size() >= 3 && p.size() <= 5 && all_digits(p)) {
      int serial = 0;
      for (char c : p) serial = serial * 10 + (c - '0');
      // A lone year ("1985") is no day; serials 1850-2200 (1905-1906) lose to it.
      if (serial < 1 || serial == 60 || (n == 1 && p.size() == 4 && plausible_year(serial)))
        return cell;
      // Excel counts a 29 February 1900 that never was: serials from 61 on are one day late.
      const std::int32_t days = serial > 60 ? serial - 25569 : serial - 25568;
      int y = 0, m = 0, d = 0;
      civil_from_days(days, y, m, d);
      if (plausible_year(y)) cell.day_first = cell.month_first = days;
    }
  }
  return cell;
}

// ---- other values -------------------------------------------------------------------------

char read_sex(std::string_view text) noexcept {
  std::string_view s = text;
  if (!s.empty() && (is_space(s.front()) || is_space(s.back()))) s = trim(s);
  if (s.size() == 1) {
    switch (lower(s[0])) {
      case 'l':
      case 'm':
      case '1':
        return 'M';
      case 'p':
      case 'f':
      case 'w':
      case '2':
        return 'F';
      default:
        return 0;
    }
  }
  static constexpr std::string_view kMale[] = {
      "lk", "laki-laki", "laki laki", "laki", "laki2", "lakilaki", "pria", "male", "l.", "lk."};
  static constexpr std::string_view kFemale[] = {"pr",  "perempuan", "wanita", "female",
                                                 "pr.", "p.",        "prp"};
  for (std::string_view w : kMale) {
    if (equals_folded(s, w)) return 'M';
  }
  for (std::string_view w : kFemale) {
    if (equals_folded(s, w)) return 'F';
  }
  return 0;
}

int read_bool(std::string_view text) noexcept {
  const std::string_view s = trim(text);
  static constexpr std::string_view kTrue[] = {"1",     "y", "ya",  "yes", "true",
                                               "benar", "b", "iya", "ada"};
  static constexpr std::string_view kFalse[] = {
      "0", "t", "n", "tidak", "tdk", "no", "false", "salah", "bukan", "s", "tidak ada"};
  for (std::string_view w : kTrue) {
    if (equals_folded(s, w)) return 1;
  }
  for (std::string_view w : kFalse) {
    if (equals_folded(s, w)) return 0;
  }
  return -1;
}

namespace {

bool parse_plain_decimal(std::string_view digits, double& out) noexcept {
  // digits: [-]d+[.d+]
  if (digits.empty() || digits.size() > 60) return false;
  char buf[64];
  std::memcpy(buf, digits.data(), digits.size());
  buf[digits.size()] = '\0';
  char* end = nullptr;
  out = std::strtod(buf, &end);
  return end == buf + digits.size();
}

}  // namespace

bool read_number(std::string_view text, double& out) noexcept {
  std::string_view s = trim(text);
  if (s.size() >= 2 && lower(s[0]) == 'r' && lower(s[1]) == 'p') {  // Rp 1.500.000
    s.remove_prefix(2);
    if (!s.empty() && s.front() == '.') s.remove_prefix(1);
    s = trim(s);
  }
  if (s.empty() || s.size() > 40) return false;
  std::string clean;
  std::size_t at = 0;
  if (s[0] == '-' || s[0] == '+') {
    if (s[0] == '-') clean.push_back('-');
    at = 1;
  }
  std::size_t dots = 0, commas = 0, last_sep = std::string_view::npos;
  for (std::size_t i = at; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.')
      ++dots;
    else if (c == ',')
      ++commas;
    else if (!is_digit(c))
      return false;
    if (c == '.' || c == ',') last_sep = i;
  }
  char decimal = 0;  // the decimal mark, 0 when none
  if (dots > 0 && commas > 0) {
    decimal = s[last_sep];
    if ((decimal == '.' ? dots : commas) != 1) return false;
  } else if (dots + commas == 1) {
    const std::size_t after = s.size() - last_sep - 1;
    const std::size_t before = last_sep - at;
    decimal = after == 3 && before >= 1 && before <= 3 ? 0 : s[last_sep];
  }
  for (std::size_t i = at; i < s.size(); ++i) {
    const char c = s[i];
    if (is_digit(c))
      clean.push_back(c);
    else if (c == decimal)
      clean.push_back('.');
  }
  if (clean.empty() || clean == "-") return false;
  return parse_plain_decimal(clean, out);
}

bool read_coordinate(std::string_view text, double& out) noexcept {
  const std::string_view s = trim(text);
  if (s.empty() || s.size() > 40) return false;
  std::string clean(s);
  std::size_t marks = 0;
  for (char& c : clean) {
    if (c == ',') c = '.';
    if (c == '.')
      ++marks;
    else if (!is_digit(c) && c != '-' && c != '+')
      return false;
  }
  if (marks > 1) return false;
  return parse_plain_decimal(clean, out);
}

}  // namespace smartkampung
