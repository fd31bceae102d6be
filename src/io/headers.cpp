// Header names as district offices write them, matched to our fields through one table.
#include <algorithm>
#include <smartkampung/intake.hpp>
#include <utility>

#include "io/csv_parser.hpp"

namespace smartkampung {

namespace {

// Field -> header names, Indonesian and English, each as fold_header leaves it. One
// table for every loader: a loader asks only for the fields it knows.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& alias_table() {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> table = {
      {"nik",
       {"nik", "nonik", "nomornik", "nikktp", "noktp", "nomorktp", "nikkpm", "nikpenerima",
        "nikart", "nikkrt", "nomorindukkependudukan", "nikpm", "niksesuaiktp", "nikpasien"}},
      {"kk",
       {"kk", "nokk", "nomorkk", "nkk", "nokartukeluarga", "nomorkartukeluarga", "kartukeluarga",
        "kkkpm", "nokkkpm", "familycard"}},
      {"name",
       {"nama", "name", "namalengkap", "namapenerima", "namakrt", "namakpm", "namaart", "namapm",
        "namapengurus", "fullname", "namasesuaiktp", "namapasien", "namapelapor"}},
      {"birth_date",
       {"tgllahir", "tanggallahir", "tgllhr", "tanggallhr", "birthdate", "dateofbirth", "dob",
        "ttl", "tempattanggallahir", "tempattgllahir", "tempattgllhr", "tmptgllahir",
        "tempatdantanggallahir"}},
      {"sex",
       {"jeniskelamin", "jk", "sex", "lp", "kelamin", "gender", "jnskelamin", "jenkel", "jnskel"}},
      {"address", {"alamat", "address", "alamatlengkap", "alamatrumah", "jalan"}},
      {"village",
       {"desa", "kelurahan", "village", "desakelurahan", "kelurahandesa", "desakel", "keldesa",
        "kel", "namadesa", "namakelurahan"}},
      {"district", {"kecamatan", "district", "kec", "namakecamatan", "subdistrict"}},
      {"rt", {"rt", "nort"}},
      {"rw", {"rw", "norw"}},
      {"id", {"id", "no", "nomor", "kode"}},
      {"lat", {"lat", "latitude", "lintang"}},
      {"lon", {"lon", "lng", "long", "longitude", "bujur"}},
      {"capacity",
       {"capacity", "kapasitas", "jumlahbed", "jumlahtempattidur", "tempattidur", "beds", "bed"}},
      {"occupied", {"occupied", "terisi", "bedterisi", "dipakai"}},
      {"open", {"open", "buka", "aktif", "active"}},
      {"kind", {"kind", "jenis", "tipe", "type"}},
  };
  return table;
}

const std::vector<std::string_view> kTtlAliases = {
    "ttl",          "tempattanggallahir", "tempattgllahir",
    "tempattgllhr", "tmptgllahir",        "tempatdantanggallahir"};

}  // namespace

std::string fold_header(std::string_view header) {
  std::string out;
  out.reserve(header.size());
  for (char c : header) {
    if (c == ' ' || c == '\t' || c == '.' || c == '_' || c == '/' || c == '-' || c == '\r' ||
        c == '\n')
      continue;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

std::string_view header_field(std::string_view header) {
  const std::string folded = fold_header(header);
  for (const auto& [field, names] : alias_table()) {
    if (std::find(names.begin(), names.end(), folded) != names.end()) return field;
  }
  return {};
}

ColumnMatch match_columns(const std::vector<std::string>& header,
                          const std::vector<std::string>& fields, const ColumnMap& columns) {
  ColumnMatch m;
  m.column.assign(fields.size(), -1);
  std::vector<bool> used(header.size(), false);
  std::vector<std::string> folded;
  folded.reserve(header.size());
  for (const auto& h : header) folded.push_back(fold_header(h));
  for (const auto& [ours, theirs] : columns) {
    const auto fit = std::find(fields.begin(), fields.end(), ours);
    if (fit == fields.end()) {
      std::string expected;
      for (const auto& f : fields) expected += (expected.empty() ? "" : ", ") + f;
      throw Error(ErrorCode::kInvalidArgument,
                  "columns: unknown field '" + ours + "' (expected one of " + expected + ")");
    }
    long c = detail::find_header_column(header, theirs);
    if (c < 0) {
      const std::string want = fold_header(theirs);
      const auto hit = std::find(folded.begin(), folded.end(), want);
      if (!want.empty() && hit != folded.end()) c = static_cast<long>(hit - folded.begin());
    }
    if (c < 0) {
      throw Error(ErrorCode::kParse,
                  "columns: header '" + theirs + "' (for field " + ours + ") is not in the file");
    }
    m.column[static_cast<std::size_t>(fit - fields.begin())] = c;
    used[static_cast<std::size_t>(c)] = true;
  }
  // A first row with a run of 6 or more digits (a NIK, a date) is a person's row, not a
  // header (a file without one): its cells are then named by position only, never by
  // their text, in what is reported.
  const bool row_of_data = std::any_of(header.begin(), header.end(), [](const std::string& h) {
    std::size_t run = 0;
    for (char ch : h) {
      run = (ch >= '0' && ch <= '9') ? run + 1 : 0;
      if (run >= 6) return true;
    }
    return false;
  });
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (used[i]) continue;
    const std::string_view field = header_field(header[i]);
    const auto fit = std::find(fields.begin(), fields.end(), field);
    if (field.empty() || fit == fields.end() ||
        m.column[static_cast<std::size_t>(fit - fields.begin())] >= 0) {
      m.ignored.push_back(row_of_data ? "column " + std::to_string(i + 1) : header[i]);
      continue;
    }
    m.column[static_cast<std::size_t>(fit - fields.begin())] = static_cast<long>(i);
  }
  const auto bit = std::find(fields.begin(), fields.end(), "birth_date");
  if (bit != fields.end()) {
    const long c = m.column[static_cast<std::size_t>(bit - fields.begin())];
    if (c >= 0) {
      const std::string& f = folded[static_cast<std::size_t>(c)];
      m.birth_is_ttl = std::find(kTtlAliases.begin(), kTtlAliases.end(), f) != kTtlAliases.end();
    }
  }
  return m;
}

}  // namespace smartkampung
