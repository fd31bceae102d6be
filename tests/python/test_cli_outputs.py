"""Outputs that survive a spreadsheet (issue 18): identifiers are text cells in the .xlsx,
every row names the person, the source file and line and the programme; CSV is UTF-8 with a
BOM and the chosen delimiter; a refused or interrupted run leaves the previous file as it
was; and a real spreadsheet program (LibreOffice, headless) opens and saves the workbook
without changing one NIK."""

import csv
import io
import os
import shutil
import subprocess

import pytest

from conftest import program_env
from cli_office import BUDI, JOKO, ROUNDED, SITI, office, ok, one_line, read_xlsx, run, sheet_dicts

PERSONS = (BUDI, SITI, JOKO, ROUNDED)


@pytest.fixture(scope="module")
def off(tmp_path_factory):
    return office(tmp_path_factory.mktemp("outputs"))


@pytest.fixture(scope="module")
def workbook(off, tmp_path_factory):
    out = tmp_path_factory.mktemp("wb") / "laporan.xlsx"
    ok(run("dedup", f"{off['pkh']}:PKH:central", f"{off['bst']}:BST:central", "--out", out))
    return out


def identifier_cells(path):
    """Every cell under a NIK or KK heading, as openpyxl reads it: (value, data type, format)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    cells = []
    for ws in book.worksheets:
        rows = list(ws.iter_rows())
        if not rows:
            continue
        heads = [c.value for c in rows[0]]
        for j, h in enumerate(heads):
            if h in ("NIK", "KK", "No. KK"):
                cells += [(r[j].value, r[j].data_type, r[j].number_format) for r in rows[1:] if r[j].value is not None]
    book.close()
    return cells


def test_xlsx_identifiers_are_text_cells_unchanged(workbook):
    cells = identifier_cells(workbook)
    assert cells
    for value, kind, fmt in cells:
        assert isinstance(value, str) and kind == "s" and fmt == "@", (kind, fmt)
        assert len(value) == 16 and value.isdigit()
    values = {v for v, _, _ in cells}
    assert ROUNDED["nik"] in values and SITI["kk"] in values  # 3510012303568595 is not ...600


def test_xlsx_rows_name_person_file_line_and_programme(workbook):
    import openpyxl

    book = read_xlsx(workbook)
    assert list(book)[0] == "Summary"
    for title in ("Overlaps",):
        rows = sheet_dicts(book[title])
        assert rows
        for r in rows:
            assert r["name"] and r["NIK"] and r["KK"] and r["file"] and r["line"] and r["programme"]
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Overlaps"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws.column_dimensions["A"].width > 10  # widths set from the contents
    summary = wb["Summary"]
    assert summary.page_setup.fitToHeight == 1 and summary.sheet_properties.pageSetUpPr.fitToPage
    wb.close()


def test_csv_is_utf8_with_bom_and_the_chosen_delimiter(off, tmp_path):
    out = tmp_path / "laporan.csv"
    proc = ok(
        run(
            "dedup",
            f"{off['pkh']}:PKH:central",
            f"{off['bst']}:BST:central",
            "--out",
            out,
            "--format",
            "csv",
            "--delimiter",
            ";",
            "--lang",
            "id",
        )
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    assert {"laporan.csv", "laporan-summary.csv", "laporan-overlaps.csv", "laporan-rejected.csv"} <= set(files)
    overlaps = tmp_path / "laporan-overlaps.csv"
    raw = overlaps.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    siti = [r for r in rows if r["NIK"] == SITI["nik"]]
    assert {r["program"] for r in siti} == {"PKH", "BST"} and all(r["nama"] == "Siti Aminah" for r in siti)
    assert all(r["berkas"] and r["baris"] for r in siti)
    assert "ditulis" in proc.stdout


def test_a_refused_run_leaves_the_previous_output_intact(off, tmp_path):
    out = tmp_path / "keputusan.xlsx"
    out.write_bytes(b"the previous file")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,region_kind\nK1," + "x" * 200_000 + "\n", encoding="utf-8")
    one_line(run("eligible", "--program", "bst", bad, "--out", out))
    assert out.read_bytes() == b"the previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "keputusan.xlsx"]  # no temporary left
    assert oct(os.stat(out).st_mode & 0o777)
    rec = tmp_path / "ok.csv"
    rec.write_text("id,region_kind\nK1,desa\n", encoding="utf-8")
    ok(run("eligible", "--program", "bst", rec, "--out", out))
    assert out.read_bytes()[:2] == b"PK" and (os.stat(out).st_mode & 0o777) == 0o600


def test_libreoffice_opens_and_saves_the_workbook_keeping_every_nik(workbook, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (Debian libreoffice-calc-nogui, installed by scripts/setup.sh) is needed"
    before = sorted(v for v, _, _ in identifier_cells(workbook))
    out_dir = tmp_path / "saved"
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out_dir),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(program_env(), HOME=str(tmp_path)),
    )
    saved = out_dir / workbook.name
    assert proc.returncode == 0 and saved.exists(), (proc.stdout, proc.stderr)
    after = identifier_cells(saved)
    assert sorted(v for v, _, _ in after) == before
    assert all(isinstance(v, str) for v, _, _ in after)
    assert ROUNDED["nik"] in {v for v, _, _ in after}
    # and what the spreadsheet saved reads back through the tool's own intake
    book = read_xlsx(saved)
    rows = sheet_dicts(book["Overlaps"])
    assert {r["NIK"] for r in rows} == {SITI["nik"]}
