"""Writes the intake test corpus (list files shaped as district offices export them) and
expected.json, their expected counts. Deterministic; synthetic people only.

    python3 tests/data/intake/make_corpus.py      # from the repository root

The .xlsx file needs openpyxl. Tests read the files and expected.json; they do not run this.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
AS_OF = dt.date(2024, 6, 1)  # the reference date every test loads with
NAMES = [
    "Siti Aminah",
    "Budi Santoso",
    "Sri Wahyuni",
    "Agus Salim",
    "Dewi Lestari",
    "Joko Susilo",
    "Nur Hidayah",
    "Slamet Riyadi",
    "Rina Marlina",
    "Eko Prasetyo",
]
VILLAGES = ["Sumberagung", "Kedungrejo", "Sarongan", "Pesanggaran", "Kandangan"]
ID_MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
ID_ABBR = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sep", "Okt", "Nov", "Des"]
EN_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class Person:
    def __init__(self, rng: random.Random, serial: int):
        self.district = rng.randint(1, 25)
        self.birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 60))
        self.female = rng.random() < 0.5
        day = self.birth.day + (40 if self.female else 0)
        self.nik = f"3510{self.district:02d}{day:02d}{self.birth.month:02d}{self.birth.year % 100:02d}{serial:04d}"
        self.kk = f"3510{self.district:02d}0101{15:02d}{serial:04d}"
        self.name = rng.choice(NAMES)
        self.village = rng.choice(VILLAGES)
        self.rt, self.rw = rng.randint(1, 20), rng.randint(1, 9)


def people(seed: int, n: int) -> list[Person]:
    rng = random.Random(seed)
    return [Person(rng, 1 + i) for i in range(n)]


def write(name: str, lines: list[str], eol: str = "\n") -> None:
    (HERE / name).write_bytes((eol.join(lines) + eol).encode("utf-8"))


expected: dict[str, dict] = {}


def expect(name: str, **counts) -> None:
    expected[name] = counts


# 1. Two-digit years (DD/MM/YY), sex LK/PR, ';' and CRLF: the PKH list that loaded 0 rows.
ps = people(1, 60)
lines = ["NIK;NAMA;No. KK;TGL LAHIR;JK;ALAMAT;DESA;KECAMATAN;RT;RW"]
for p in ps:
    lines.append(
        f"{p.nik};{p.name};{p.kk};{p.birth:%d/%m/%y};{'PR' if p.female else 'LK'};Dusun Krajan;"
        f"{p.village};Pesanggaran;{p.rt:03d};{p.rw:03d}"
    )
write("pkh_two_digit_years.csv", lines, "\r\n")
expect(
    "pkh_two_digit_years.csv",
    loaded=60,
    rejected=[],
    nulled={},
    date_order="day_first",
    repairs={},
    ignored_columns=[],
    households=True,
)

# 2. Month-first dates (4/29/1985) with times, sex Laki-laki/Perempuan, header Tgl. Lahir and L/P.
ps = people(2, 50)
lines = ["NIK,Nama Penerima,Tgl. Lahir,L/P,Desa/Kelurahan"]
for p in ps:
    lines.append(
        f"{p.nik},{p.name},{p.birth.month}/{p.birth.day}/{p.birth.year},"
        f"{'Perempuan' if p.female else 'Laki-laki'},{p.village}"
    )
write("month_first_dates.csv", lines)
expect(
    "month_first_dates.csv",
    loaded=50,
    rejected=[],
    nulled={},
    date_order="month_first",
    repairs={},
    ignored_columns=[],
    households=False,
)

# 3. Every other date shape a column may have (one shape a column, each file a column):
#    ISO with time, 29-Apr-85, 29 Agustus 1985, 29-Agt-85, Excel serials, TTL; sex in
#    every spelling; one unreadable date and one unreadable sex (nulled, rows loaded).
ps = people(3, 48)
sexes = [("L", "P"), ("LK", "PR"), ("Laki-laki", "Perempuan"), ("Pria", "Wanita"), ("M", "F"), ("1", "2")]
shapes = [
    ("iso_time", "Tanggal Lahir", lambda b: f"{b:%Y-%m-%d} 00:00:00"),
    ("en_abbr", "Tgl_Lahir", lambda b: f"{b.day:02d}-{EN_ABBR[b.month - 1]}-{b:%y}"),
    ("id_long", "TANGGAL LAHIR", lambda b: f"{b.day} {ID_MONTHS[b.month - 1]} {b.year}"),
    ("id_abbr", "tgl lahir", lambda b: f"{b.day:02d}-{ID_ABBR[b.month - 1]}-{b:%y}"),
    ("excel_serial", "Tgl Lahir", lambda b: str((b - dt.date(1899, 12, 30)).days)),
    ("ttl", "TTL", lambda b: f'"Banyuwangi, {b:%d-%m-%Y}"'),
    ("dotted", "Tgl.Lahir", lambda b: f"{b:%d.%m.%Y}"),
]
for shape, header, fmt in shapes:
    lines = [f"No,NIK,Nama,{header},Jenis Kelamin,Keterangan"]
    for i, p in enumerate(ps):
        male, female = sexes[i % len(sexes)]
        lines.append(f"{i + 1},{p.nik},{p.name},{fmt(p.birth)},{female if p.female else male},-")
    # One unreadable date (line 50) and one unreadable sex (line 51): nulled, rows loaded.
    q = people(30 + len(shape), 2)
    lines.append(f"49,{q[0].nik},{q[0].name},belum diisi,{'P' if q[0].female else 'L'},-")
    lines.append(f"50,{q[1].nik},{q[1].name},{fmt(q[1].birth)},X,-")
    write(f"dates_{shape}.csv", lines)
    expect(
        f"dates_{shape}.csv",
        loaded=50,
        rejected=[],
        nulled={"birth_date": [50], "sex": [51]},
        date_order="day_first" if shape in ("ttl", "dotted") else "unknown",
        repairs={},
        ignored_columns=["No", "Keterangan"],
        households=False,
    )

# 4. Header aliases that were refused or ignored; unknown columns listed as ignored.
ps = people(4, 40)
lines = ["No.;NIK_KPM;No. KK;NAMA KRT;TTL;J/K;Alamat;Kelurahan;Kec.;RT;RW;Status DTKS;Bansos"]
for i, p in enumerate(ps):
    lines.append(
        f"{i + 1};{p.nik};{p.kk};{p.name};Banyuwangi, {p.birth:%d-%m-%Y};{'P' if p.female else 'L'};"
        f"Jl. Raya;{p.village};Pesanggaran;{p.rt};{p.rw};Ya;BPNT"
    )
write("header_aliases.csv", lines)
expect(
    "header_aliases.csv",
    loaded=40,
    rejected=[],
    nulled={},
    date_order="day_first",
    repairs={},
    ignored_columns=["No.", "Status DTKS", "Bansos"],
    households=True,
)

# 5. Excel damage: repairable (apostrophe, .0, ="...", digit groups) and not (scientific
#    notation, cut to 15 digits, empty).
ps = people(5, 40)
lines = ["nik,kk,nama,tanggal_lahir,jenis_kelamin"]
rejected = []
repairs = {"apostrophe": 0, "dot_zero": 0, "formula_text": 0, "digit_groups": 0}
for i, p in enumerate(ps):
    line = i + 2
    n = p.nik
    kind = i % 10
    if kind == 1:
        n, _ = "'" + n, repairs.__setitem__("apostrophe", repairs["apostrophe"] + 1)
    elif kind == 2:
        n, _ = n + ".0", repairs.__setitem__("dot_zero", repairs["dot_zero"] + 1)
    elif kind == 3:
        n, _ = f'"=""{n}"""', repairs.__setitem__("formula_text", repairs["formula_text"] + 1)
    elif kind == 4:
        n, _ = f"{n[:4]} {n[4:8]} {n[8:12]} {n[12:]}", repairs.__setitem__("digit_groups", repairs["digit_groups"] + 1)
    elif kind == 5:
        n, _ = f"{n[:6]}.{n[6:12]}.{n[12:]}", repairs.__setitem__("digit_groups", repairs["digit_groups"] + 1)
    elif kind == 6 and i < 20:
        n, _ = (
            f"{n[:2]}-{n[2:4]}-{n[4:6]}-{n[6:12]}-{n[12:]}",
            repairs.__setitem__("digit_groups", repairs["digit_groups"] + 1),
        )
    elif kind == 7:
        n = f"{int(n[:7]) / 1e6:.5f}E+15".replace("0E", "E")
        rejected.append([line, "invalid NIK (scientific_notation)"])
    elif kind == 8 and i < 20:
        n = n[:15]
        rejected.append([line, "invalid NIK (length)"])
    elif kind == 9 and i < 20:
        n = ""
        rejected.append([line, "missing required field: nik"])
    lines.append(f"{n},{p.kk},{p.name},{p.birth:%d-%m-%Y},{'P' if p.female else 'L'}")
write("excel_damage.csv", lines)
expect(
    "excel_damage.csv",
    loaded=40 - len(rejected),
    rejected=rejected,
    nulled={},
    date_order="day_first",
    repairs={k: v for k, v in repairs.items() if v},
    ignored_columns=[],
    households=True,
)

# 6. A quote left open on line 11 and a stray one on line 152: 199 rows, every one a record.
ps = people(6, 199)
lines = ["nik,nama,desa,tgl_lahir"]
for i, p in enumerate(ps):
    line = i + 2
    name = p.name
    if line == 11:
        name = '"' + name
    if line == 152:
        name = name + '"'
    lines.append(f"{p.nik},{name},{p.village},{p.birth:%d/%m/%Y}")
write("stray_quote.csv", lines)
expect(
    "stray_quote.csv",
    loaded=199,
    rejected=[],
    nulled={},
    date_order="day_first",
    repairs={},
    ignored_columns=[],
    households=False,
    quote_runs=[[11, 152, 142]],
)

# 7. A monthly update whose NIKs Excel destroyed: 0 of N usable.
ps = people(7, 30)
lines = ["NIK;NAMA;KK"]
for p in ps:
    lines.append(f"{int(p.nik[:6]) / 1e5:.5f}E+15;{p.name};{p.kk}".replace(".", ",", 1))
write("monthly_all_damaged.csv", lines)
expect(
    "monthly_all_damaged.csv",
    loaded=0,
    rejected=[[i + 2, "invalid NIK (scientific_notation)"] for i in range(30)],
    nulled={},
    date_order="unknown",
    repairs={},
    ignored_columns=[],
    households=True,
)

# 8. The same programme's previous month, clean (what replace_program must keep).
ps = people(7, 30)
lines = ["NIK;NAMA;KK"] + [f"{p.nik};{p.name};{p.kk}" for p in ps]
write("monthly_previous.csv", lines)
expect(
    "monthly_previous.csv",
    loaded=30,
    rejected=[],
    nulled={},
    date_order="unknown",
    repairs={},
    ignored_columns=[],
    households=True,
)

# 9. A list without a KK column (household exclusions cannot be checked on it).
ps = people(8, 25)
lines = ["NIK,NAMA,DESA"] + [f"{p.nik},{p.name},{p.village}" for p in ps]
write("no_kk_column.csv", lines)
expect(
    "no_kk_column.csv",
    loaded=25,
    rejected=[],
    nulled={},
    date_order="unknown",
    repairs={},
    ignored_columns=[],
    households=False,
)

# 10. A workbook: dates as date cells, NIKs as text, one NIK stored as a number.
try:
    import openpyxl
except ImportError:  # pragma: no cover
    openpyxl = None
if openpyxl is not None:
    ps = people(9, 20)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Penerima"
    ws.append(["NIK", "Nama Lengkap", "No KK", "Tanggal Lahir", "JK", "Desa"])
    for i, p in enumerate(ps):
        nik = int(p.nik) if i == 4 else p.nik  # row 6: a number, rounded past 15 digits
        ws.append(
            [
                nik,
                p.name,
                p.kk,
                dt.datetime(p.birth.year, p.birth.month, p.birth.day),
                "P" if p.female else "L",
                p.village,
            ]
        )
    wb.properties.creator = "smartkampung tests"
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 6, 1)
    wb.save(HERE / "workbook.xlsx")
expect(
    "workbook.xlsx",
    loaded=19,
    rejected=[[6, "invalid NIK (scientific_notation)"]],
    nulled={},
    date_order="unknown",
    repairs={},
    ignored_columns=[],
    households=True,
)

(HERE / "expected.json").write_text(json.dumps({"as_of": AS_OF.isoformat(), "files": expected}, indent=1) + "\n")
