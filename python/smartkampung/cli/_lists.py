"""Programme lists given as FILE:PROGRAM:LEVEL, loaded into a registry (dedup, check)."""

from __future__ import annotations

import argparse
import csv
import pathlib
from typing import Any, Sequence

import smartkampung as sk

from ._common import Busy, Progress, UserError, existing_file, read_json
from ._i18n import t

LEVELS = ("central", "provincial", "regency")


def add_intake_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--columns",
        metavar="FIELD=HEADER,...",
        help='headers the alias table does not know: nik=NIK_KPM,name="NAMA KRT"',
    )
    p.add_argument(
        "--max-rejected",
        type=float,
        default=0.05,
        help="a list with more than this share of rows rejected is an error (default 0.05)",
    )
    p.add_argument("--allow-rejected", action="store_true", help="load lists past --max-rejected")
    p.add_argument(
        "--allow-missing-columns",
        action="store_true",
        help="load lists without a column the job needs (KK for household exclusions)",
    )


def parse_list_spec(spec: str) -> tuple[str, str, str]:
    parts = spec.rsplit(":", 2)
    if len(parts) != 3 or not all(parts):
        raise UserError(t("bad_list_spec", spec=spec))
    path, program, level = parts
    if level not in LEVELS:
        raise UserError(t("bad_level", spec=spec, level=level))
    return path, program, level


def list_file(path: str) -> str:
    """The file of a list path ('book.xlsx#Sheet' is book.xlsx), checked to exist."""
    return existing_file(path.split(".xlsx#")[0] + ".xlsx" if ".xlsx#" in path else path)


def read_exclusions(path: str | None) -> list[tuple[str, str, str]]:
    if not path:
        return []
    doc = read_json(path)
    if not isinstance(doc, dict) or doc.get("format") != "skamp-conflicts/1":
        raise UserError(t("bad_conflicts", path=path))
    pairs = []
    for i, c in enumerate(doc.get("conflicts", [])):
        try:
            pairs.append((str(c["a"]), str(c["b"]), str(c["scope"])))
        except (KeyError, TypeError):
            raise UserError(t("bad_conflict_item", path=path, i=i)) from None
    return pairs


def parse_columns(text: str | None) -> dict[str, str] | None:
    """``nik=NIK_KPM,name="NAMA KRT"``: our field = the file's header, comma-separated
    (a header holding a comma is quoted)."""
    if not text:
        return None
    out: dict[str, str] = {}
    for item in next(csv.reader([text], skipinitialspace=True)):
        name, sep, header = item.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise UserError(t("bad_columns", item=item))
        out[name.strip()] = header.strip().strip('"')
    return out


def pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def check_load(args: argparse.Namespace, path: str, rep: Any, needs_kk: str | None) -> None:
    """Whole-file sanity: a load that lost more than the limit, or that lacks a column the
    job needs, is an error unless the user allows it."""
    limit = getattr(args, "max_rejected", 0.05)
    if not getattr(args, "allow_rejected", False) and rep.rows and rep.rejected_share > limit:
        line, why = rep.rejected[0]
        raise UserError(
            t(
                "too_many_rejected",
                path=path,
                n=len(rep.rejected),
                rows=rep.rows,
                share=pct(rep.rejected_share),
                limit=pct(limit),
                line=line,
                why=why,
            )
        )
    if needs_kk and "kk" not in rep.columns and not getattr(args, "allow_missing_columns", False):
        raise UserError(t("no_kk_column", path=path, excl=needs_kk))


def load_notes(path: str, rep: Any) -> list[str]:
    """What a load report says beyond the counts, as lines for the terminal (no personal data)."""
    notes = []
    if rep.ignored_columns:
        notes.append(f"  {path}: ignored columns: {', '.join(rep.ignored_columns)}")
    for name, lines in rep.nulled.items():
        shown = ", ".join(str(n) for n in lines[:5]) + (", ..." if len(lines) > 5 else "")
        notes.append(f"  {path}: {name} unreadable on {len(lines)} rows, left empty (lines {shown})")
    if rep.repairs:
        notes.append(f"  {path}: repaired: " + ", ".join(f"{k} {v}" for k, v in rep.repairs.items()))
    if rep.date_order == "month_first":
        notes.append(f"  {path}: birth dates read month first (M/D/Y), as the column's values show")
    for q in rep.quote_runs:
        notes.append(
            f"  {path}: a quote opened on line {q['first_line']} ran to line {q['last_line']}; "
            f"{q['recovered']} records read again"
        )
    return notes


def build_registry(
    specs: Sequence[str], exclusions: str | None, args: argparse.Namespace
) -> tuple[Any, list[dict[str, Any]]]:
    reg = sk.Registry()
    loads = []
    pairs = read_exclusions(exclusions)
    needs_kk = exclusions if any(scope in ("kk", "household") for _, _, scope in pairs) else None
    columns = parse_columns(getattr(args, "columns", None))
    parsed = [parse_list_spec(spec) for spec in specs]
    for path, _, _ in parsed:
        list_file(path)
    with Progress("loading", len(parsed)) as progress:
        for i, (path, program, level) in enumerate(parsed):
            with Busy(f"loading {pathlib.Path(path).name}"):
                rep = reg.load_csv(path, program=program, level=level, columns=columns)
            check_load(args, path, rep, needs_kk)
            loads.append(
                {
                    "file": path,
                    "program": program,
                    "level": level,
                    "loaded": rep.loaded,
                    "rejected": len(rep.rejected),
                    "unkeyed": rep.unkeyed,
                    "nulled": {k: len(v) for k, v in rep.nulled.items()},
                    "repairs": rep.repairs,
                    "ignored_columns": rep.ignored_columns,
                    "date_order": rep.date_order,
                    "quote_runs": rep.quote_runs,
                    "first_rejected": [f"line {ln}: {why}" for ln, why in rep.rejected[:3]],
                    "notes": load_notes(path, rep),
                    "report": rep,
                }
            )
            progress.update(i + 1)
    if pairs:
        reg.set_exclusions(pairs)
    return reg, loads
