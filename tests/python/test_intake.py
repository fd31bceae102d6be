"""The intake corpus (tests/data/intake) through every Python path and the CLI: every
row with a valid NIK loaded whatever its date, sex, header or Excel damage; the rejected
rows exactly those without a usable NIK; the same field values through load_csv and
add_records(DataFrame); the workbook; the CLI's whole-file checks."""

import csv
import datetime as dt
import json
import os
import pathlib
import subprocess
import sys

import pytest

import smartkampung as sk
from conftest import assert_no_nik, personal_files

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "intake"
EXPECTED = json.loads((DATA / "expected.json").read_text())
AS_OF = dt.date.fromisoformat(EXPECTED["as_of"])
CSV_FILES = sorted(n for n in EXPECTED["files"] if n.endswith(".csv"))


def check_report(name, rep):
    want = EXPECTED["files"][name]
    assert rep.loaded == want["loaded"], name
    assert [list(r) for r in rep.rejected] == want["rejected"], name
    assert rep.nulled == want["nulled"], name
    assert rep.repairs == want["repairs"], name
    assert rep.date_order == want["date_order"], name
    assert rep.ignored_columns == want["ignored_columns"], name
    assert ("kk" in rep.columns) == want["households"], name
    assert [[q["first_line"], q["last_line"], q["recovered"]] for q in rep.quote_runs] == want.get("quote_runs", [])
    for row in rep.rejected_rows:
        assert row["raw"] and row["line"] >= 2 and row["reason"]
    assert "3510" not in repr(rep)  # no personal data in the repr


@pytest.mark.parametrize("name", CSV_FILES)
def test_corpus_through_load_csv(name):
    reg = sk.Registry(as_of=AS_OF)
    rep = reg.load_csv(DATA / name, program="P")
    check_report(name, rep)
    assert rep.file.endswith(name)
    assert len(reg.records("P")) == rep.loaded


# Files whose structure a plain CSV reader reads the same way (not the stray quote).
PLAIN = [n for n in CSV_FILES if n != "stray_quote.csv"]


@pytest.mark.parametrize("name", PLAIN)
def test_dataframe_gives_the_same_field_values(name):
    pd = pytest.importorskip("pandas")
    text = (DATA / name).read_text(encoding="utf-8")
    sep = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    frame = pd.read_csv(DATA / name, sep=sep, dtype=str, keep_default_na=False)
    a, b = sk.Registry(as_of=AS_OF), sk.Registry(as_of=AS_OF)
    ra = a.load_csv(DATA / name, program="P")
    rb = b.add_records(frame, program="P")
    assert rb.loaded == ra.loaded
    assert len(rb.rejected) == len(ra.rejected)
    assert rb.nulled.keys() == ra.nulled.keys()
    assert rb.date_order == ra.date_order
    assert rb.ignored_columns == ra.ignored_columns
    strip = lambda rs: [{k: v for k, v in r.items() if k != "line"} for r in rs]  # noqa: E731
    assert strip(a.records("P")) == strip(b.records("P"))


def test_add_records_applies_aliases_and_explicit_columns():
    reg = sk.Registry(as_of=AS_OF)
    rep = reg.add_records(
        [{"NIK": "3510186904851402", "NAMA": "Siti", "Tgl. Lahir": "29-Apr-85", "L/P": "PR"}], program="PKH"
    )
    assert rep.loaded == 1 and rep.columns == {"nik": "NIK", "name": "NAMA", "birth_date": "Tgl. Lahir", "sex": "L/P"}
    rec = reg.records("PKH")[0]
    assert rec["birth_date"] == dt.date(1985, 4, 29) and rec["sex"] == "F" and rec["name"] == "Siti"
    rep = reg.add_records(
        [{"NOMOR INDUK": '="3510186904851403"', "X": "Budi"}],
        program="BST",
        columns={"nik": "NOMOR INDUK", "name": "X"},
    )
    assert rep.loaded == 1 and rep.repairs == {"formula_text": 1}
    assert reg.records("BST")[0]["name"] == "Budi"
    with pytest.raises(sk.Error):
        reg.add_records([{"NIK": "3510186904851402"}], program="X", columns={"nik": "NOPE"})


def test_replace_program_refuses_a_damaged_month_and_changes_nothing():
    reg = sk.Registry(as_of=AS_OF)
    reg.load_csv(DATA / "monthly_previous.csv", program="PKH")
    before = reg.records("PKH")
    with pytest.raises(sk.Error, match="30 of 30 rows rejected"):
        reg.replace_program("PKH", DATA / "monthly_all_damaged.csv")
    assert reg.records("PKH") == before
    rep = reg.replace_program("PKH", DATA / "monthly_all_damaged.csv", force=True)
    assert rep.loaded == 0 and reg.records("PKH") == []


def test_workbook_reads_like_a_csv():
    pytest.importorskip("openpyxl")
    reg = sk.Registry(as_of=AS_OF)
    rep = reg.load_csv(DATA / "workbook.xlsx", program="P")
    check_report("workbook.xlsx", rep)
    rep2 = sk.Registry(as_of=AS_OF).load_csv(str(DATA / "workbook.xlsx") + "#Penerima", program="P")
    assert rep2.loaded == rep.loaded
    with pytest.raises(sk.Error, match="no sheet named"):
        sk.Registry(as_of=AS_OF).load_csv(str(DATA / "workbook.xlsx") + "#Nope", program="P")
    assert all(r["birth_date"] is not None for r in reg.records("P"))


def run(*args):
    personal_files(args)  # the corpus' names, birth dates and numbers: never in a message
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", *map(str, args)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert_no_nik(proc.stderr, "CLI message")
    return proc


def one_line_error(proc):
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "3510" not in proc.stderr  # no NIK in a message
    return lines[0]


def test_cli_fails_a_list_that_lost_its_rows(tmp_path):
    msg = one_line_error(run("dedup", f"{DATA / 'monthly_all_damaged.csv'}:PKH:central"))
    assert "monthly_all_damaged.csv" in msg and "30 of 30 rows rejected" in msg
    ok = run(
        "dedup",
        f"{DATA / 'monthly_all_damaged.csv'}:PKH:central",
        "--allow-rejected",
        "--out",
        tmp_path,
        "--format",
        "csv",
        "--lang",
        "en",
    )
    assert ok.returncode == 0, ok.stderr
    with open(tmp_path / "dedup-rejected.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30 and rows[0]["line"] == "2" and rows[0]["reason"] == "invalid NIK (scientific_notation)"
    assert rows[0]["raw text"].endswith(";3510110101150001")  # the raw text, in the file only


def test_cli_fails_a_list_without_kk_for_household_exclusions(tmp_path):
    excl = tmp_path / "excl.json"
    excl.write_text(
        json.dumps({"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BPNT", "scope": "kk"}]})
    )
    lists = [f"{DATA / 'no_kk_column.csv'}:PKH:central", f"{DATA / 'pkh_two_digit_years.csv'}:BPNT:central"]
    msg = one_line_error(run("dedup", *lists, "--exclusions", excl))
    assert "no_kk_column.csv" in msg and "no KK column" in msg
    assert run("dedup", *lists, "--exclusions", excl, "--allow-missing-columns").returncode == 0


def test_cli_loads_every_shape_and_takes_columns(tmp_path):
    proc = run(
        "dedup",
        *[f"{DATA / n}:P{i}:central" for i, n in enumerate(PLAIN) if "monthly_all" not in n],
        "--max-rejected",
        "0.25",
        "--json",
    )  # excel_damage.csv loses 8 of 40
    assert proc.returncode == 0, proc.stderr
    loads = {pathlib.Path(d["file"]).name: d for d in json.loads(proc.stdout)["lists"]}
    for name, d in loads.items():
        assert d["loaded"] == EXPECTED["files"][name]["loaded"], name
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("NOMOR INDUK,PENERIMA\n3510186904851402,Siti\n")
    assert run("dedup", f"{renamed}:PKH:central").returncode == 1  # no NIK column
    proc = run("dedup", f"{renamed}:PKH:central", "--columns", 'nik=NOMOR INDUK,name="PENERIMA"', "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["lists"][0]["loaded"] == 1


def test_cli_replace_keeps_the_old_list(tmp_path):
    saved = tmp_path / "reg.skr"
    assert run("dedup", f"{DATA / 'monthly_previous.csv'}:PKH:central", "--save", saved).returncode == 0
    msg = one_line_error(run("replace", "--registry", saved, f"{DATA / 'monthly_all_damaged.csv'}:PKH:central"))
    assert "30 of 30 rows rejected" in msg
    assert sk.Registry.load(saved).programs()[0]["records"] == 30


def test_a_file_without_header_never_reports_its_first_row(tmp_path):
    # The first row is a person's (no header): the report names the ignored cells by
    # position, never by their text (issue 16: no personal data in what is reported).
    path = tmp_path / "no_header.csv"
    path.write_text(
        "3510014501900001,Siti Aminah,Dusun Krajan,1990-01-05\n"
        "3510010101800002,Budi Santoso,Dusun Krajan,1980-01-01\n"
    )
    reg = sk.Registry(as_of=AS_OF)
    try:
        rep = reg.load_csv(path, program="P")
    except sk.Error as e:
        text = str(e)
    else:
        text = repr(rep) + " ".join(rep.ignored_columns)
        assert all(c.startswith("column ") for c in rep.ignored_columns), rep.ignored_columns
    for value in ("Siti", "Aminah", "Krajan", "1990-01-05", "3510014501900001"):
        assert value not in text
