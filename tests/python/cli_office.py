"""Shared by the test_cli_*.py files: running the tool as an officer does (a subprocess),
and a small office of hand-made files whose every outcome is known."""

from __future__ import annotations

import csv
import os
import pathlib
import subprocess
import sys

from conftest import assert_no_nik, personal_files

# Persons of the lists (synthetic: real Banyuwangi district codes, made-up dates and serials).
BUDI = {"nik": "3510010101800001", "kk": "3510010101200001", "nama": "Budi Santoso", "tgl_lahir": "1980-01-01"}
SITI = {"nik": "3510014501900001", "kk": "3510010101200002", "nama": "Siti Aminah", "tgl_lahir": "1990-01-05"}
JOKO = {"nik": "3510011203750003", "kk": "3510010101200003", "nama": "Joko Susilo", "tgl_lahir": "1975-03-12"}
# A NIK that a spreadsheet would round: its last digits are not zeros.
ROUNDED = {"nik": "3510012303568595", "kk": "3510010101200004", "nama": "Made Wirawan", "tgl_lahir": "1956-03-23"}


def run(*args, lang="en", env=None, stdin=None, timeout=300):
    """The tool in a subprocess; the message scan on its standard error (16-digit runs, and
    the names, birth dates and numbers of the files handed to it)."""
    personal_files(args)
    e = os.environ.copy()
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "SMARTKAMPUNG_KEY", "SMARTKAMPUNG_PUB", "SMARTKAMPUNG_DEBUG"):
        e.pop(var, None)
    if lang:
        e["LANG"] = {"en": "C.UTF-8", "id": "id_ID.UTF-8"}[lang]
    e.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", *map(str, args)],
        capture_output=True,
        text=True,
        env=e,
        timeout=timeout,
        input=stdin,
    )
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert_no_nik(proc.stderr, "CLI message")
    return proc


def ok(proc, code=0):
    assert proc.returncode == code, (proc.returncode, proc.stdout[-2000:], proc.stderr)
    return proc


def one_line(proc, codes=(1, 2)):
    """A refused run: exit 1 or 2, one line on stderr naming the tool, no traceback."""
    assert proc.returncode in codes, (proc.returncode, proc.stdout[-2000:], proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("smartkampung"), lines[0]
    return lines[0]


def write_csv(path: pathlib.Path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_xlsx(path):
    """{sheet title: [rows as tuples]} with the cells' values as stored (str stays str)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    try:
        return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets}
    finally:
        book.close()


def sheet_dicts(rows):
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


def office(d: pathlib.Path) -> dict:
    """Programme lists, a saved registry, households, patients and houses in folder d."""
    d.mkdir(parents=True, exist_ok=True)
    head = ["nik", "kk", "nama", "tgl_lahir"]
    pkh = write_csv(d / "pkh.csv", head, [[p[k] for k in head] for p in (BUDI, SITI)])
    # Made is listed twice in BST: a duplicate, so his NIK is in the report's workbook
    bst = write_csv(d / "bst.csv", head, [[p[k] for k in head] for p in (JOKO, ROUNDED, SITI, ROUNDED)])
    exclusions = d / "exclusions.json"
    exclusions.write_text(
        '{"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk"}]}', encoding="utf-8"
    )
    registry = d / "registry.skr"
    ok(run("dedup", f"{pkh}:PKH:central", f"{bst}:BST:central", "--exclusions", exclusions, "--save", registry))
    return {"dir": d, "pkh": pkh, "bst": bst, "registry": registry, "exclusions": exclusions}
