"""`smartkampung nik`: decode and validate NIKs; the answer is masked."""

from __future__ import annotations

import argparse

import smartkampung as sk

from . import _output
from ._common import emit, parse_date, text_table
from ._i18n import t

HELP = "decode and validate NIKs (output masked)"
EXAMPLES = ["smartkampung nik 3510014501900001 --as-of 2020-05-01"]
COLUMNS = ["nik", "result", "district", "district_name", "sex", "birth_year", "repaired"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("niks", nargs="+", metavar="NIK")
    p.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        help="reference date for the century of the birth year (default today)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when any NIK is invalid")
    _output.add_output_options(p, "the table")


def rows_of(niks, as_of) -> list[dict]:
    rows = []
    for text in niks:
        try:
            info = sk.parse_nik(text, as_of)
            rows.append(
                {
                    "nik": sk.mask_nik(info.nik),
                    "valid": True,
                    "reason": "valid",
                    "result": "valid",
                    "district": info.district,
                    "district_name": info.district_name,
                    "regency_name": info.regency_name,
                    "sex": info.sex,
                    "birth_year": info.birth_date.year,
                    "repaired": info.repaired,
                }
            )
        except sk.NikError as e:
            rows.append({"nik": sk.mask_nik(text), "valid": False, "reason": e.code, "result": e.code})
    return rows


def run(args: argparse.Namespace) -> int:
    _output.check_out_path(args.out)
    rows = rows_of(args.niks, args.as_of)
    if args.out:
        summary = _output.Summary(t("lang_title.nik"))
        summary.add("sum.niks", len(rows))
        summary.add("sum.invalid", sum(not r["valid"] for r in rows))
        for path in _output.write(args, [_output.Sheet("niks", COLUMNS, rows)], summary):
            print(t("written", path=path))
    text = text_table(
        [[r.get(c) if c != "repaired" else (t("yes") if r.get("repaired") else "") for c in COLUMNS] for r in rows],
        [t("col." + c) for c in COLUMNS],
    )
    emit(args, rows, text)
    return 0 if all(r["valid"] for r in rows) or not args.strict else 1
