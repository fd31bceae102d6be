"""The smartkampung command-line tool (`python -m smartkampung` or `smartkampung`).

Exit codes: 0 success, 1 bad input (with a one-line error naming what and where),
2 usage error. User errors never print a traceback.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from typing import Callable, Sequence

from . import _core

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


class UserError(Exception):
    """Bad input from the user: printed as one line, exit code 1."""


def _command(name: str):
    def wrap(fn):
        _COMMANDS[name] = fn
        return fn

    return wrap


def _parse_date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date of the form YYYY-MM-DD: {text!r}") from None


# Synthetic sample NIKs (built from real district codes, random dates and serials).
_SAMPLE_NIKS = [
    "3510014501900001",  # Pesanggaran, woman born 1990-01-05
    "3510161208850123",  # Banyuwangi district, man born 1985-08-12
    "'3510245307020007",  # spreadsheet apostrophe, repaired
    "3510011302990012.0",  # spreadsheet ".0", repaired
    "3.51001E+15",  # scientific notation: digits lost
    "3510013002900001",  # 30 February: rejected
    "9910010101900001",  # unknown province
    "3510010101900000",  # serial 0000
]


@_command("nik")
def _cmd_nik(args: argparse.Namespace) -> int:
    as_of = args.as_of or None
    rows = []
    for text in args.niks:
        try:
            info = _core.parse_nik(text, as_of)
            rows.append({"nik": _core.mask_nik(info.nik), "valid": True, "reason": "valid",
                         "district": info.district, "district_name": info.district_name,
                         "regency_name": info.regency_name, "sex": info.sex,
                         "birth_year": info.birth_date.year, "repaired": info.repaired})
        except _core.NikError as e:
            rows.append({"nik": _core.mask_nik(text), "valid": False, "reason": e.code})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            if r["valid"]:
                print(f"{r['nik']}  valid   {r['district']} {r['district_name'] or '?':<14} "
                      f"{r['sex']} born {r['birth_year']}{'  (repaired)' if r['repaired'] else ''}")
            else:
                print(f"{r['nik']}  invalid ({r['reason']})")
    return 0


@_command("demo")
def _cmd_demo(args: argparse.Namespace) -> int:
    print(f"smartkampung {_core.__version__}: demo on bundled synthetic data\n")
    print("== NIK decoding ==")
    ns = argparse.Namespace(niks=_SAMPLE_NIKS, as_of=_dt.date(2020, 5, 1), json=False)
    _cmd_nik(ns)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smartkampung",
        description="Smart Kampung: social-aid dedup, eligibility, isolation houses, certificates.",
        epilog="Example: smartkampung demo",
    )
    parser.add_argument("--version", action="version", version=f"smartkampung {_core.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("demo", help="run every area on bundled synthetic data",
                       epilog="Example: smartkampung demo")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("nik", help="decode and validate NIKs (output masked)",
                       epilog="Example: smartkampung nik 3510014501900001 --as-of 2020-05-01")
    p.add_argument("niks", nargs="+", metavar="NIK")
    p.add_argument("--as-of", type=_parse_date, default=None,
                   help="reference date for the century of the birth year (default today)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (UserError, _core.Error, OSError) as e:
        print(f"smartkampung {args.command}: error: {e}", file=sys.stderr)
        return 1
