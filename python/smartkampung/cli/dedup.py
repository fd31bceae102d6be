"""`smartkampung dedup`: load programme lists, cross them on NIK and KK, and write what an
officer needs to fix them: every duplicate, overlap and conflict as the rows of the lists
(file, line, name, NIK, KK, programme)."""

from __future__ import annotations

import argparse
import pathlib
from collections import defaultdict
from typing import Any

from .._files import write_atomic
from . import _cluster, _lists, _output
from ._common import Busy, emit, text_table
from ._i18n import t

HELP = "load programme lists, cross them on NIK and report duplicates, overlaps, conflicts"
EXAMPLES = [
    "smartkampung dedup pkh.csv:PKH:central bst.csv:BST:central --out laporan.xlsx --save registry.skr",
    "smartkampung dedup 'pkh-*.csv:PKH:central' bst.csv:BST:central --local-workers 8 --out laporan/",
    "smartkampung dedup pkh.csv:PKH:central bst.csv:BST:central --out laporan/ --format csv --delimiter ';'",
]

PERSON = ["file", "line", "name", "nik", "kk", "program"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("lists", nargs="+", metavar="FILE:PROGRAM:LEVEL")
    p.add_argument("--exclusions", help="programme conflicts (skamp-conflicts/1 JSON)")
    p.add_argument("--fuzzy", action="store_true", help="also link records with missing or mistyped NIKs")
    p.add_argument("--save", help="save the registry to this file (for 'check' and 'report')")
    _output.add_output_options(p, "the report (a folder: dedup.xlsx and report.json in it)")
    _lists.add_intake_options(p)
    _cluster.add_arguments(p)


def summary_of(rep: Any) -> dict[str, Any]:
    return {
        "unique_persons": rep.unique_persons,
        "unique_households": rep.unique_households,
        "duplicates_within_lists": len(rep.duplicates),
        "persons_in_several_programmes": len(rep.overlaps),
        "conflicting_records": len(rep.conflicts),
        "nik_mismatches": len(rep.nik_mismatches),
        "exclusion_violations": len(rep.exclusion_violations),
    } | ({} if rep.likely_duplicates is None else {"likely_duplicates_across_niks": len(rep.likely_duplicates)})


class _Records:
    """Every enrolment by NIK, KK and (programme, line), to name the persons of a finding."""

    def __init__(self, reg: Any, files: dict[str, str]):
        self.by_nik: dict[str, list[dict]] = defaultdict(list)
        self.by_kk: dict[str, list[dict]] = defaultdict(list)
        self.by_line: dict[tuple[str, int], dict] = {}
        for p in reg.programs():
            program = p["name"]
            for r in reg.records(program):
                r = dict(r, file=files.get(program, ""), program=program)
                self.by_nik[r["nik"]].append(r)
                if r.get("kk"):
                    self.by_kk[r["kk"]].append(r)
                self.by_line[(program, r["line"])] = r
            for r in reg.unkeyed(program):
                self.by_line[(program, r["line"])] = dict(r, file=files.get(program, ""), program=program)

    def rows(self, records: list[dict], **extra: Any) -> list[dict]:
        return [
            {c: r.get(c) for c in PERSON + ["birth_date", "sex"]} | extra
            for r in sorted(records, key=lambda r: (r["program"], r["line"]))
        ]


def sheets_of(reg: Any, rep: Any, loads: list[dict]) -> list[_output.Sheet]:
    files = {d["program"]: d["file"] for d in loads}
    recs = _Records(reg, files)
    lists = _output.Sheet(
        "lists",
        ["file", "program", "level", "loaded", "rejected", "unkeyed"],
        [{k: d[k] for k in ("file", "program", "level", "loaded", "rejected", "unkeyed")} for d in loads],
    )
    dup = _output.Sheet("duplicates", PERSON + ["count"])
    for program, nik, count in rep.duplicates:
        dup.rows += recs.rows([r for r in recs.by_nik[nik] if r["program"] == program], count=count)
    over = _output.Sheet("overlaps", PERSON + ["programs"])
    for nik, programs in rep.overlaps.items():
        over.rows += recs.rows(recs.by_nik[nik], programs=programs)
    conf = _output.Sheet("conflicts", PERSON + ["birth_date", "sex"])
    for nik in rep.conflicts:
        conf.rows += recs.rows(recs.by_nik[nik])
    mism = _output.Sheet("mismatches", PERSON + ["birth_date", "sex"])
    for nik in rep.nik_mismatches:
        mism.rows += recs.rows(recs.by_nik[nik])
    excl = _output.Sheet("exclusions", PERSON + ["programs"])
    for key, a, b in rep.exclusion_violations:
        holders = recs.by_nik.get(key) or recs.by_kk.get(key) or []
        excl.rows += recs.rows([r for r in holders if r["program"] in (a, b)], programs=[a, b])
    sheets = [lists, dup, over, conf, mism, excl]
    if rep.likely_duplicates is not None:
        likely = _output.Sheet("likely", ["group"] + PERSON + ["value"])
        for g, d in enumerate(rep.likely_duplicates, start=1):
            for side in ("a", "b"):
                r = recs.by_line.get((d[f"program_{side}"], d[f"line_{side}"]), {})
                likely.rows.append(
                    {
                        "group": g,
                        "file": files.get(d[f"program_{side}"], ""),
                        "line": d[f"line_{side}"],
                        "name": r.get("name"),
                        "nik": d[f"nik_{side}"],
                        "kk": r.get("kk"),
                        "program": d[f"program_{side}"],
                        "value": round(d["probability"], 4),
                    }
                )
        sheets.append(likely)
    rejected = _output.Sheet(
        "rejected",
        ["file", "line", "why", "raw"],
        [dict(r, why=r["reason"]) for d in loads for r in d["report"].rejected_rows],
    )
    sheets.append(rejected)
    return sheets


def run(args: argparse.Namespace) -> int:
    if _cluster.wanted(args):
        return _cluster.run(args)
    out_dir = None
    if args.out and (
        args.out.endswith(("/", "\\"))
        or pathlib.Path(args.out).is_dir()
        or pathlib.Path(args.out).suffix.lower() not in (".xlsx", ".csv")
    ):
        out_dir = pathlib.Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        args.out = str(out_dir / ("dedup.csv" if args.format == "csv" else "dedup.xlsx"))
    _output.check_out_path(args.out)
    reg, loads = _lists.build_registry(args.lists, args.exclusions, args)
    with Busy("dedup --fuzzy" if args.fuzzy else "dedup"):
        rep = reg.dedup(fuzzy=True) if args.fuzzy else reg.dedup()
    summary = summary_of(rep)
    written: list[str] = []
    if args.out:
        page = _output.Summary(t("lang_title.dedup"), sources=[d["file"] for d in loads])
        page.add("sum.loaded", sum(d["loaded"] for d in loads))
        page.add("sum.rejected", sum(d["rejected"] for d in loads))
        for k, v in summary.items():
            page.add("sum." + k, v)
        written = _output.write(args, sheets_of(reg, rep, loads), page)
        if out_dir is not None:
            write_atomic(out_dir / "report.json", rep.to_json())
            written.append(str(out_dir / "report.json"))
    if args.save:
        reg.save(args.save)
    lines = [
        text_table(
            [(d["file"], d["program"], d["level"], d["loaded"], d["rejected"], d["unkeyed"]) for d in loads],
            [t("col." + c) for c in ("file", "program", "level", "loaded", "rejected", "unkeyed")],
        )
    ]
    for d in loads:
        for msg in d["first_rejected"]:
            lines.append(f"  {d['file']}: {msg}")
        lines += d["notes"]
    lines.append("")
    lines += [f"{t('sum.' + k)}: {v}" for k, v in summary.items()]
    lines += [t("written", path=p) for p in written]
    public = [{k: v for k, v in d.items() if k not in ("report", "notes")} for d in loads]
    emit(args, {"lists": public, "summary": summary, "written": written}, "\n".join(lines))
    return 0
