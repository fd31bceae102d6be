"""`smartkampung report`: a batch of online reports (pelaporan) against a saved registry.
Each report is accepted for verification or refused with its reason code and the
sentence for the resident; the verification queue comes out as a second table."""

from __future__ import annotations

import argparse
import datetime as _dt

import smartkampung as sk

from . import _output, _registry
from ._common import Progress, WIB, emit, now, parse_instant, read_table, rows_failed, warn_row
from ._i18n import t

HELP = "check a batch of online reports against a saved registry: accepted or refused, with reasons"
EXAMPLES = [
    "smartkampung report laporan-mei.xlsx --registry registry.skr --out hasil.xlsx",
    "smartkampung report laporan.csv --registry registry.skr --save registry.skr --format csv --out hasil.csv",
]
COLUMNS = [
    "file",
    "line",
    "name",
    "nik",
    "kk",
    "program",
    "at",
    "outcome",
    "reason",
    "detail",
    "queue_position",
    "problem",
]
QUEUE = ["queue_position", "name", "nik", "kk", "program", "at", "file", "line"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument(
        "reports",
        metavar="FILE",
        help="CSV or .xlsx, one report a row: nik, kk, name, ... and "
        "optionally program and the time of the report (at / waktu / tanggal)",
    )
    p.add_argument("--registry", required=True, help="a registry saved by 'dedup --save'")
    _registry.add_key_options(p)
    p.add_argument(
        "--at",
        type=parse_instant,
        default=None,
        help="time of the reports without a time column (ISO; default now, WIB)",
    )
    p.add_argument("--save", metavar="FILE", help="save the registry with the updated queue (may be --registry)")
    _output.add_output_options(p, "the outcome of every report and the queue")


def run(args: argparse.Namespace) -> int:
    _output.check_out_path(args.out)
    table = read_table(args.reports)
    reg = _registry.load_registry(args.registry, args)
    at_col, prog_col = table.find("at"), table.find("program")
    name_col, nik_col, kk_col = table.find("name"), table.find("nik"), table.find("kk")
    default_at = args.at or now()
    rows, failed = [], 0
    for _line, message in table.bad:
        failed += 1
        warn_row(failed, message)
    positions: dict[int, dict] = {}
    with Progress("report", len(table.rows)) as progress:
        for i, (line, cells) in enumerate(table.rows):
            row = {
                "file": table.path,
                "line": line,
                "name": cells.get(name_col or ""),
                "nik": cells.get(nik_col or ""),
                "kk": cells.get(kk_col or ""),
                "program": cells.get(prog_col or "") or None,
            }
            at = default_at
            if at_col and cells.get(at_col):
                try:
                    at = _date_or_instant(cells[at_col])
                except ValueError:
                    failed += 1
                    msg = t("bad_time", path=table.path, line=line, field=at_col)
                    warn_row(failed, msg)
                    rows.append(row | {"problem": msg})
                    continue
            record = {k: v for k, v in cells.items() if k not in (at_col, prog_col) and v != ""}
            out = reg.report(record, at, program=row["program"])
            row |= {
                "at": at.replace(tzinfo=None) if isinstance(at, _dt.datetime) else at,
                "outcome": t("sum.accepted") if out.accepted else t("sum.refused"),
                "reason": out.reason,
                "detail": out.detail,
                "queue_position": out.queue_position if out.accepted else None,
            }
            if out.accepted:
                positions[out.queue_position] = row
            rows.append(row)
            progress.update(i + 1)
    queue = []
    for pos, q in enumerate(reg.reports(), start=1):
        src = positions.get(pos, {})
        at = q.get("at")
        queue.append(
            {
                "queue_position": pos,
                "name": q.get("name"),
                "nik": q.get("nik"),
                "kk": q.get("kk"),
                "program": q.get("program"),
                "at": at.astimezone(WIB).replace(tzinfo=None) if isinstance(at, _dt.datetime) else at,
                "file": src.get("file"),
                "line": src.get("line"),
            }
        )
    if args.save:
        reg.save(args.save)
    accepted = sum(1 for r in rows if r.get("queue_position"))
    page = _output.Summary(t("lang_title.report"), sources=[table.path, args.registry])
    page.add("sum.rows", len(rows) + len(table.bad))
    page.add("sum.accepted", accepted)
    page.add("sum.refused", sum(1 for r in rows if r.get("reason") and not r.get("queue_position")))
    reasons: dict[str, int] = {}
    for r in rows:
        if r.get("reason") and r["reason"] != "accepted":
            reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    for code, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        page.items.append((f"  {code}", n))
    page.add("sum.queue", len(queue))
    page.add("sum.failed", failed)
    written = (
        _output.write(args, [_output.Sheet("reports", COLUMNS, rows), _output.Sheet("queue", QUEUE, queue)], page)
        if args.out
        else []
    )
    if getattr(args, "json", False):
        public = [{k: (sk.mask_nik(v) if k in ("nik", "kk") and v else v) for k, v in r.items()} for r in rows]
        emit(
            args,
            {"reports": public, "accepted": accepted, "queue": len(queue), "failed": failed, "written": written},
            "",
        )
    else:
        print(page.text())
        for p in written:
            print(t("written", path=p))
    rows_failed(failed)
    return 1 if failed else 0


def _date_or_instant(text: str) -> _dt.date | _dt.datetime:
    """A report's time from its cell: an ISO date, or a date-time (naive is WIB); ValueError else."""
    text = text.strip()
    if len(text) == 10:
        return _dt.date.fromisoformat(text)
    moment = _dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)
