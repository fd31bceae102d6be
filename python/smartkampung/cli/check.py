"""`smartkampung check`: the public recipient check, for one NIK or a file of NIKs. The
answer is what an anonymous visitor may see: the NIK and the name masked."""

from __future__ import annotations

import argparse
import pathlib

import smartkampung as sk

from . import _output, _registry
from ._common import InputTable, Progress, UserError, emit, read_table, rows_failed, text_table, warn_row
from ._i18n import t

HELP = "the public recipient check of one NIK or of a file of NIKs (masked)"
EXAMPLES = [
    "smartkampung check 3510014501900001 --registry registry.skr",
    "smartkampung check warga.xlsx --registry registry.skr --out jawaban.xlsx",
]
COLUMNS = ["file", "line", "nik", "name", "found", "programs", "problem"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("nik", metavar="NIK_OR_FILE", help="one NIK, or a CSV/.xlsx file with a NIK column")
    _registry.add_registry_options(p)
    _output.add_output_options(p, "the answers (file, line, masked NIK and name, programmes)")


def _is_file(text: str) -> bool:
    return not text.strip().lstrip("'").replace(" ", "").replace(".", "").isdigit() and (
        pathlib.Path(text).exists() or text.lower().endswith((".csv", ".xlsx", ".txt")) or ".xlsx#" in text
    )


def _niks_of(path: str) -> tuple[InputTable, list[tuple[int, str]]]:
    table = read_table(path)
    col = _registry.nik_column(table)
    if col is None:
        if len(table.header) == 1 and table.header[0].strip("'").replace(" ", "").isdigit():
            # a bare list of NIKs, one a line, no header
            first = [(1, table.header[0])]
            return table, first + [(line, row[table.header[0]]) for line, row in table.rows]
        raise UserError(t("no_nik_column", path=path))
    return table, [(line, row[col]) for line, row in table.rows]


def run(args: argparse.Namespace) -> int:
    _output.check_out_path(args.out)
    if not _is_file(args.nik):
        reg = _registry.open_registry(args)
        answer = reg.public_check(args.nik)  # an invalid NIK raises NikError: exit 1, its reason
        text = f"NIK {answer['nik']}: " + (
            f"{answer['name']} {t('receives', programs=', '.join(answer['programs']) or t('nothing'))}"
            if answer["found"]
            else t("not_in_lists")
        )
        emit(args, answer, text)
        return 0
    table, niks = _niks_of(args.nik)
    reg = _registry.open_registry(args)
    rows, failed = [], 0
    for _line, message in table.bad:
        failed += 1
        warn_row(failed, message)
    with Progress("check", len(niks)) as progress:
        for i, (line, nik) in enumerate(niks):
            row = {"file": table.path, "line": line}
            try:
                a = reg.public_check(nik)
                row |= {"nik": a["nik"], "name": a["name"], "found": a["found"], "programs": a["programs"]}
            except sk.NikError as e:
                failed += 1
                row |= {"nik": sk.mask_nik(nik), "found": None, "programs": [], "problem": e.code}
                warn_row(failed, t("invalid_nik_row", path=table.path, line=line, code=e.code))
            rows.append(row)
            progress.update(i + 1)
    found = sum(1 for r in rows if r.get("found"))
    page = _output.Summary(t("lang_title.check"), sources=[table.path])
    page.add("sum.niks", len(rows))
    page.add("sum.found", found)
    page.add("sum.not_found", sum(1 for r in rows if r.get("found") is False))
    page.add("sum.invalid", failed)
    written = _output.write(args, [_output.Sheet("checks", COLUMNS, rows)], page) if args.out else []
    if getattr(args, "json", False):
        emit(args, {"answers": rows, "failed": failed, "written": written}, "")
    else:
        if not args.out:
            print(text_table([[_cellstr(r.get(c)) for c in COLUMNS] for r in rows], [t("col." + c) for c in COLUMNS]))
        print(page.text())
        for p in written:
            print(t("written", path=p))
    rows_failed(failed)
    return 1 if failed else 0


def _cellstr(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return t("yes") if v else t("no")
    if isinstance(v, list):
        return ", ".join(v)
    return str(v)
