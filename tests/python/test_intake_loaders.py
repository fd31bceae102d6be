"""Issue 17, "one intake layer, shared by every loader": linkage records, rule records and
batches, houses and residents read office-shaped inputs (upper-case or Indonesian
headers, 29/04/85 dates, LK/PR sex, ="3510..." NIKs, decimal commas, ya/tidak) through
the same alias table and readers as the registry's lists, and give the same answers as
the canonical inputs."""

import datetime as dt
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import smartkampung as sk
from conftest import assert_no_nik, personal, personal_files

AS_OF = dt.date(2020, 5, 1)

# Persons (synthetic: Banyuwangi district codes, made-up dates and serials), canonical form.
CANONICAL = [
    {
        "nik": "3510014501900001",
        "name": "Siti Aminah",
        "birth_date": "1990-01-05",
        "sex": "F",
        "kk": "3510010101150001",
    },
    {
        "nik": "3510014501900001",
        "name": "Siti Aminah",
        "birth_date": "1990-01-05",
        "sex": "F",
        "kk": "3510010101150001",
    },
    {
        "nik": "3510014501900010",
        "name": "Siti Aminah",
        "birth_date": "1990-01-05",
        "sex": "F",
        "kk": "3510010101150001",
    },
    {
        "nik": "3510012904850002",
        "name": "Budi Santoso",
        "birth_date": "1985-04-29",
        "sex": "M",
        "kk": "3510010101150002",
    },
    {
        "nik": "3510012904850002",
        "name": "Budi Santosa",
        "birth_date": "1985-04-29",
        "sex": "M",
        "kk": "3510010101150002",
    },
    {
        "nik": "3510016112740003",
        "name": "Joko Susilo",
        "birth_date": "1974-12-21",
        "sex": "M",
        "kk": "3510010101150003",
    },
    {"nik": "3510015203950004", "name": "Ani Rahayu", "birth_date": "1995-03-12", "sex": "F", "kk": "3510010101150004"},
    {"nik": "3510015203950004", "name": "Ani Rahayu", "birth_date": "1995-03-12", "sex": "F", "kk": "3510010101150004"},
]
PERSONAL_DATA = [CANONICAL]  # the message scan (conftest) looks for these in every message


def office(record, style):
    """A canonical record as a district office's export writes it."""
    y, m, d = record["birth_date"].split("-")
    if style == "upper":
        return {
            "NIK": f'="{record["nik"]}"',
            "NAMA": record["name"].upper(),
            "TGL LAHIR": f"{d}/{m}/{y[2:]}",
            "JK": {"F": "PR", "M": "LK"}[record["sex"]],
            "NO KK": "'" + record["kk"],
        }
    return {
        "No. NIK": record["nik"][:4] + " " + record["nik"][4:8] + " " + record["nik"][8:12] + " " + record["nik"][12:],
        "Nama Penerima": record["name"],
        "Tgl. Lahir": f"{d}-{m}-{y}",
        "L/P": {"F": "P", "M": "L"}[record["sex"]],
        "No. KK": record["kk"] + ".0",
    }


def clusters(result):
    return result.cluster_ids.tolist()


# ---- sk.link and Linker ---------------------------------------------------------------


@pytest.mark.parametrize("style", ["upper", "indonesian"])
def test_link_reads_office_headers_and_formats_as_the_canonical_records(style):
    want = sk.link(CANONICAL, as_of=AS_OF)
    assert len(want.pairs) > 0
    got = sk.link([office(r, style) for r in CANONICAL], as_of=AS_OF)
    assert clusters(got) == clusters(want)
    assert len(got.pairs) == len(want.pairs) > 0  # upper-case columns never find 0 pairs in silence
    assert [w for w in got.warnings] == [w for w in want.warnings]
    i, j = 3, 4  # Budi Santoso / Budi Santosa: the same evidence field by field
    assert got.explain(i, j) == want.explain(i, j)


def test_link_on_a_dataframe_with_office_headers():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([office(r, "upper") for r in CANONICAL])
    assert clusters(sk.link(frame, as_of=AS_OF)) == clusters(sk.link(CANONICAL, as_of=AS_OF))


def test_link_two_lists_and_an_explicit_column_map():
    left = [
        {"PENERIMA": r["name"], "NOMOR": r["nik"], "LAHIR": r["birth_date"], "SEX": r["sex"], "KELUARGA": r["kk"]}
        for r in CANONICAL[:4]
    ]
    right = [office(r, "upper") for r in CANONICAL[4:]]
    columns = {"name": "PENERIMA", "nik": "NOMOR", "birth_date": "LAHIR", "kk": "KELUARGA"}
    got = sk.link(left, right, columns=columns, as_of=AS_OF)
    want = sk.link(CANONICAL[:4], CANONICAL[4:], as_of=AS_OF)
    assert clusters(got) == clusters(want)
    with pytest.raises(TypeError, match="columns must"):
        sk.link(CANONICAL, columns=["nik"])


def test_link_two_digit_years_take_their_century_from_as_of():
    rows = [
        {"NIK": "3510012904850002", "NAMA": "Budi", "TGL LAHIR": "29/04/85"},
        {"NIK": "3510012904850002", "NAMA": "Budi", "TGL LAHIR": "29/04/1985"},
    ]
    res = sk.link(rows, as_of=AS_OF)
    assert res.explain(0, 1)["birth_date"]["level"] == "exact"


def test_link_unreadable_dates_and_sexes_are_named_in_the_warnings():
    rows = [dict(office(r, "upper"), **{"TGL LAHIR": "belum tahu", "JK": "?"}) for r in CANONICAL[:3]]
    res = sk.link(rows + [office(r, "upper") for r in CANONICAL[3:]], as_of=AS_OF)
    assert any(w.startswith("birth_date: 3 value(s) are no date") for w in res.warnings), res.warnings
    assert any(w.startswith("sex: 3 value(s)") for w in res.warnings), res.warnings


def test_link_settings_that_name_a_column_keep_it():
    # A column the settings read by name is taken as it is, never renamed by an alias.
    settings = {
        "fields": [{"name": "nama", "column": "NAMA", "kind": "name"}, {"name": "nik", "column": "nik", "kind": "nik"}],
        "blocking": [["NAMA:first"]],
    }
    rows = [office(r, "upper") for r in CANONICAL]
    res = sk.link(rows, settings=settings, as_of=AS_OF)
    assert "nama" in res.explain(0, 1)
    assert res.explain(0, 1)["nama"]["level"] == "exact"


def test_linker_fit_add_and_candidates_read_office_records():
    lk = sk.Linker()
    lk.fit([office(r, "upper") for r in CANONICAL] * 2)
    cluster, matches = lk.add(office(CANONICAL[3], "indonesian"))
    assert matches and matches[0][0] in (3, 4, 11, 12)
    best = lk.candidates({"NIK": CANONICAL[6]["nik"], "NAMA": "ani rahayu", "Tgl. Lahir": "12-03-1995"}, k=2)
    assert best and best[0][0] in (6, 7, 14, 15)


# ---- rule records and batches -----------------------------------------------------------

RULES = {
    "format": "skamp-rules/1",
    "ruleset": "intake-test",
    "version": "1",
    "legal_basis": ["a test"],
    "valid": {"from": "2020-01-01", "to": "2030-12-31"},
    "scope": "kk",
    "inputs": {"kk.nik": "string", "kk.birth_date": "date", "kk.lost_livelihood": "bool"},
    "rules": [
        {
            "id": "adult",
            "require": "age(kk.birth_date) >= 18",
            "reason": {"code": "MINOR", "id": "anak", "en": "minor"},
        },
        {"id": "lost", "require": "kk.lost_livelihood", "reason": {"code": "NO_LOSS", "id": "tidak", "en": "no loss"}},
        {"id": "nik", "require": "valid_nik(kk.nik)", "reason": {"code": "NIK", "id": "nik", "en": "nik"}},
    ],
}


@pytest.fixture(scope="module")
def rules():
    return sk.RuleSet.from_json(json.dumps(RULES))


def test_evaluate_batch_reads_office_columns_as_canonical_ones(rules):
    canonical = {
        "nik": np.array(["3510014501900001", "3510012904850002", "3510016112740003", "3510015203150004"]),
        "birth_date": np.array(["1990-01-05", "1985-04-29", "1974-12-21", "2015-03-12"]),
        "lost_livelihood": np.array([True, False, True, True]),
    }
    office_cols = {
        "NIK": canonical["nik"],
        "Tgl. Lahir": np.array(["05/01/90", "29/04/85", "21/12/74", "12/03/15"]),
        "lost_livelihood": np.array(["ya", "tidak", "Y", "ya"]),
    }
    want = rules.evaluate_batch(canonical, as_of=AS_OF)
    got = rules.evaluate_batch(office_cols, as_of=AS_OF)
    assert got.decisions.tolist() == want.decisions.tolist()
    assert got.reasons.tolist() == want.reasons.tolist() == ["", "NO_LOSS", "", "MINOR"]
    # Lists of Python objects (the object path) read the same way.
    objects = {k: list(v) for k, v in office_cols.items()}
    assert rules.evaluate_batch(objects, as_of=AS_OF).reasons.tolist() == want.reasons.tolist()
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(office_cols)
    assert rules.evaluate_batch(frame, as_of=AS_OF).reasons.tolist() == want.reasons.tolist()


def test_evaluate_batch_unreadable_boolean_or_date_names_the_column_and_row_not_the_value(rules):
    with pytest.raises(sk.Error, match=r"lost_livelihood: row 1: not a boolean") as e:
        rules.evaluate_batch({"lost_livelihood": np.array(["ya", "Siti Aminah"])}, as_of=AS_OF)
    assert "Siti" not in str(e.value)
    with pytest.raises(sk.Error, match=r"Tgl\. Lahir: row 0: not a date"):
        rules.evaluate_batch({"Tgl. Lahir": np.array(["Siti 1990"])}, as_of=AS_OF)


def test_record_from_row_reads_office_headers_sex_and_dates():
    rs = sk.RuleSet.builtin("jatim-bkk")
    row = {"L/P": "LK", "Lost_Livelihood": "ya", "IN_DTKS": "Tidak", "region_kind": "DESA"}
    record = sk.rules.record_from_row(rs, row)
    assert record["kk"]["head"]["sex"] == "M" and record["kk"]["lost_livelihood"] is True
    assert record["kk"]["in_dtks"] is False and record["kk"]["region_kind"] == "desa"
    meta = {"inputs": {"kk.birth_date": "date", "kk.nik": "string"}}
    assert sk.rules.record_from_row(meta, {"Tgl. Lahir": "29/04/85", "NIK": "x"}, AS_OF) == {
        "kk": {"birth_date": "1985-04-29", "nik": "x"}
    }
    assert sk.rules.record_from_row(meta, {"TGL LAHIR": "29-Apr-85"}, AS_OF)["kk"]["birth_date"] == "1985-04-29"
    with pytest.raises(sk.rules.RowError, match="not a date"):
        sk.rules.record_from_row(meta, {"Tgl. Lahir": "kemarin"}, AS_OF)


# ---- houses and residents ------------------------------------------------------------------

HOUSES_CANONICAL = (
    "id,name,lat,lon,capacity,occupied,open\n1,Rumah A,-8.2191,114.3691,4,1,1\n" "2,Rumah B,-8.3000,114.3000,2,0,0\n"
)
HOUSES_OFFICE = (
    "NO;NAMA;LINTANG;BUJUR;KAPASITAS;TERISI;BUKA\n1;Rumah A;-8,2191;114,3691;4;1;ya\n"
    "2;Rumah B;-8,3000;114,3000;2.0;0;tidak\n"
)


def facilities(index):
    return [index.facility(i) for i in sorted(index.ids().tolist())]


def test_facility_csv_with_indonesian_headers_and_decimal_commas():
    want = sk.FacilityIndex.from_csv_text(HOUSES_CANONICAL)
    got = sk.FacilityIndex.from_csv_text(HOUSES_OFFICE)
    assert facilities(got) == facilities(want)
    assert got.free_beds(1) == 3 and not got.facility(2)["open"]


def test_facility_json_with_indonesian_member_names(tmp_path):
    path = tmp_path / "houses.json"
    path.write_text(
        json.dumps(
            [
                {"ID": 1, "Nama": "Rumah A", "Lintang": -8.2191, "Bujur": 114.3691, "Kapasitas": 4, "Terisi": 1},
                {"ID": 2, "Nama": "Rumah B", "Lintang": -8.3, "Bujur": 114.3, "Kapasitas": 2, "Buka": False},
            ]
        ),
        encoding="utf-8",
    )
    got = sk.FacilityIndex.from_json(str(path))
    assert facilities(got) == facilities(sk.FacilityIndex.from_csv_text(HOUSES_CANONICAL))


def run_cli(*args):
    personal_files(args)
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", *map(str, args)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert_no_nik(proc.stderr, "CLI message")
    return proc


def test_cli_assign_reads_office_houses_and_residents(tmp_path):
    houses = tmp_path / "rumah.csv"
    houses.write_text(HOUSES_OFFICE, encoding="utf-8")
    residents = tmp_path / "pasien.csv"
    residents.write_text(
        'NAMA;NIK;LINTANG;BUJUR\nSiti Aminah;="3510014501900001";-8,2200;114,3700\n'
        "Budi Santoso;'3510012904850002;-8,2195;114,3690\n",
        encoding="utf-8",
    )
    proc = run_cli("assign", "--houses", houses, residents, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["placed"] == 2
    proc = run_cli("nearest", "--houses", houses, "-8.22", "114.37", "--json")
    assert proc.returncode == 0 and [r["id"] for r in json.loads(proc.stdout)] == [1]


# ---- the readers the pure-Python loaders share --------------------------------------------


def test_the_shared_readers():
    core = sk._core
    assert [core._intake_field(h) for h in ("NIK", "No. KK", "Tgl. Lahir", "L/P", "Lintang", "Kapasitas", "x")] == [
        "nik",
        "kk",
        "birth_date",
        "sex",
        "lat",
        "capacity",
        "",
    ]
    assert [core._intake_bool(v) for v in ("ya", "Tidak", "Y", "t", "1", "0", "true", "maybe")] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        None,
    ]
    assert [core._intake_sex(v) for v in ("LK", "PR", "Laki-laki", "Perempuan", "M", "2", "?")] == [
        "M",
        "F",
        "M",
        "F",
        "M",
        "F",
        None,
    ]
    assert core._intake_key('="3510014501900001"') == ("3510014501900001", "formula_text")
    assert core._intake_coordinate("-8,2191") == -8.2191 and core._intake_number("1.500.000") == 1500000.0
    days, order = core._intake_dates(["29/04/85", "01/02/90", None, "x"], dt.date(2020, 5, 1))
    assert days == [dt.date(1985, 4, 29), dt.date(1990, 2, 1), None, None] and order == "day_first"
    days, order = core._intake_dates(["04/29/1985", "02/01/1990"])
    assert days == [dt.date(1985, 4, 29), dt.date(1990, 2, 1)] and order == "month_first"


# ---- the corpus (tests/data/intake) through sk.link: the registry's field values --------

CORPUS = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "intake"
CORPUS_AS_OF = dt.date.fromisoformat(json.loads((CORPUS / "expected.json").read_text())["as_of"])
LINK_FIELDS = ("nik", "kk", "name", "birth_date", "sex")


def raw_rows(path):
    import csv

    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text[:4096].count(";") > text[:4096].count(",") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


@pytest.mark.parametrize(
    "name",
    [
        "pkh_two_digit_years.csv",
        "month_first_dates.csv",
        "dates_iso_time.csv",
        "dates_en_abbr.csv",
        "dates_id_long.csv",
        "dates_id_abbr.csv",
        "dates_excel_serial.csv",
        "dates_ttl.csv",
        "dates_dotted.csv",
        "header_aliases.csv",
    ],
)
def test_corpus_rows_link_as_the_registry_reads_them(name):
    """The raw rows of a list file, as csv.DictReader gives them (office headers, formats),
    link exactly as the registry's normalised records of the same file."""
    path = CORPUS / name
    reg = sk.Registry(as_of=CORPUS_AS_OF)
    reg.load_csv(str(path), "P")
    canonical = [
        {k: (r[k].isoformat() if hasattr(r[k], "isoformat") else r[k]) for k in LINK_FIELDS if r.get(k)}
        for r in reg.records("P")
    ]
    rows = raw_rows(path)
    assert len(rows) == len(canonical)
    personal(rows)
    got = sk.link(rows, as_of=CORPUS_AS_OF, settings={"fields": FIELDS, "blocking": [["name:first"], ["nik"]]})
    want = sk.link(canonical, as_of=CORPUS_AS_OF, settings={"fields": FIELDS, "blocking": [["name:first"], ["nik"]]})
    assert clusters(got) == clusters(want)
    assert len(got.pairs) == len(want.pairs)
    # The cells the registry nulled (an unreadable secondary field) are the ones linkage
    # names in its warnings, counted alike.
    nulled = json.loads((CORPUS / "expected.json").read_text())["files"][name]["nulled"]
    for field, words in (("birth_date", "are no date"), ("sex", "are neither male")):
        said = [w for w in got.warnings if words in w]
        if nulled.get(field):
            assert said == [w for w in said if w.startswith(f"{field}: {len(nulled[field])} value(s)")] and said
        else:
            assert not said, got.warnings


FIELDS = [
    {"name": f, "column": f, "kind": {"nik": "nik", "kk": "id", "name": "name", "birth_date": "date", "sex": "sex"}[f]}
    for f in LINK_FIELDS
]
