"""`smartkampung eligible`: decide eligibility for every row of a table, with the
priority, every reason (code and sentence), and for `needs_data` the missing fields by
name. A bad row is reported with its file and line and the run goes on; the exit code is
1 at the end if any row failed."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

import smartkampung as sk
from smartkampung import rules

from . import _output, _rulesets
from ._common import Progress, emit, now, parse_date, read_table, rows_failed, warn_row
from ._i18n import lang, t

HELP = "decide eligibility per row of a table (CSV or .xlsx), with priority, reasons and missing fields"
EXAMPLES = [
    "smartkampung eligible --program blt-dana-desa keluarga.xlsx --as-of 2020-05-01 --out keputusan.xlsx",
    "smartkampung eligible --program bst keluarga.csv --format csv --delimiter ';' --out keputusan.csv",
]
COLUMNS = [
    "file",
    "line",
    "id",
    "name",
    "nik",
    "kk",
    "program",
    "decision",
    "priority",
    "amount",
    "reasons",
    "messages",
    "missing",
    "problem",
]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("records", help="CSV or .xlsx with one column per rule input (see 'smartkampung rules')")
    p.add_argument(
        "--program",
        help="a built-in rule set (blt-dana-desa, bst, jatim-bkk, sembako-banyuwangi, "
        "bps-14; 'smartkampung rules' lists them)",
    )
    p.add_argument("--rules", help="a rule file (skamp-rules/1 JSON)")
    p.add_argument("--as-of", type=parse_date, default=None, help="decision date (default today, WIB)")
    _output.add_output_options(p, "the decisions (without --out: CSV on standard output)")


def _person(table: Any, cells: dict[str, str], record: dict) -> dict[str, Any]:
    name_col, nik_col, kk_col = table.find("name"), table.find("nik"), table.find("kk")
    nik = cells.get(nik_col) if nik_col else None
    if not nik:  # the first member's NIK names the household
        members = (record.get("kk") or {}).get("members") if isinstance(record.get("kk"), dict) else None
        if isinstance(members, list) and members and isinstance(members[0], dict):
            nik = members[0].get("nik")
    return {
        "id": cells.get("id") or None,
        "name": cells.get(name_col) if name_col else None,
        "nik": nik or None,
        "kk": cells.get(kk_col) if kk_col else None,
    }


def run(args: argparse.Namespace) -> int:
    rs = _rulesets.load(args.program, args.rules)
    _output.check_out_path(args.out)
    meta = rules.describe(rs)
    table = read_table(args.records)
    as_of = args.as_of or now().date()
    out_rows: list[dict[str, Any]] = []
    failed = 0

    def fail(line: int, message: str, row: dict[str, Any]) -> None:
        nonlocal failed
        failed += 1
        warn_row(failed, message)
        out_rows.append(row | {"problem": message})

    for line, message in table.bad:
        fail(line, message, {"file": table.path, "line": line, "program": rs.id})
    with Progress("eligible", len(table.rows)) as progress:
        for i, (line, cells) in enumerate(table.rows):
            base = {"file": table.path, "line": line, "program": rs.id}
            try:
                record = rules.record_from_row(meta, cells, as_of)
            except rules.RowError as e:
                fail(line, f"{table.path}:{line}: {e}", base | _person(table, cells, {}))
                continue
            base |= _person(table, cells, record)
            try:
                d = rs.evaluate(record, as_of=as_of, explain=True)
            except sk.Error as e:  # the library's message names the field, not the value
                fail(line, f"{table.path}:{line}: {e}", base)
                continue
            missing = rules.missing_fields(meta, record, d) if d.decision == "needs_data" else []
            out_rows.append(
                base
                | {
                    "decision": d.decision,
                    "priority": d.priority,
                    "amount": d.amount,
                    "reasons": [r.code for r in d.reasons],
                    "messages": "; ".join(r.message_id if lang() == "id" else r.message_en for r in d.reasons),
                    "missing": missing,
                }
            )
            progress.update(i + 1)
    out_rows.sort(key=lambda r: r["line"])
    page = _output.Summary(t("lang_title.eligible"), sources=[table.path])
    page.add("sum.ruleset", f"{rs.id} {rs.version}")
    page.add("sum.as_of", as_of.isoformat())
    page.add("sum.rows", len(out_rows))
    for decision in ("eligible", "ineligible", "needs_data", "error"):
        n = sum(1 for r in out_rows if r.get("decision") == decision)
        if n or decision != "error":
            page.add("sum.decision." + decision, n)
    page.add("sum.amount", sum(r.get("amount") or 0 for r in out_rows))
    page.add("sum.failed", failed)
    if getattr(args, "json", False):
        emit(
            args,
            {
                "ruleset": rs.id,
                "version": rs.version,
                "as_of": as_of.isoformat(),
                "decisions": out_rows,
                "failed": failed,
            },
            "",
        )
    elif args.out:
        for path in _output.write(args, [_output.Sheet("decisions", COLUMNS, out_rows)], page):
            print(t("written", path=path))
        print(page.text())
    else:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=args.delimiter, lineterminator="\n")
        w.writerow(COLUMNS)  # stable keys: standard output is for programs
        for r in out_rows:
            w.writerow([_output.text(c, r.get(c)) for c in COLUMNS])
        sys.stdout.write(buf.getvalue())
    rows_failed(failed)
    return 1 if failed else 0
