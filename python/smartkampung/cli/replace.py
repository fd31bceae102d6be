"""`smartkampung replace`: the monthly update, a programme's list swapped in a saved
registry, or nothing changed when the new list lost too many rows."""

from __future__ import annotations

import argparse

import smartkampung as sk

from . import _lists, _output, _registry
from ._common import UserError, emit
from ._i18n import t

HELP = "replace a programme's list in a saved registry (the monthly update)"
EXAMPLES = ["smartkampung replace --registry registry.skr pkh-juni.csv:PKH:central --out ditolak.xlsx"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("list", metavar="FILE:PROGRAM:LEVEL")
    p.add_argument("--registry", required=True, help="a registry saved by 'dedup --save' (updated in place)")
    _registry.add_key_options(p)
    p.add_argument("--columns", help="FIELD=HEADER,... for headers the alias table does not know")
    p.add_argument(
        "--max-rejected",
        type=float,
        default=0.05,
        help="refuse a new list with more than this share of rows rejected (default 0.05)",
    )
    p.add_argument("--force", action="store_true", help="replace even past --max-rejected")
    _output.add_output_options(p, "the rejected rows (file, line, reason, raw text)")


def run(args: argparse.Namespace) -> int:
    _output.check_out_path(args.out)
    reg = _registry.load_registry(args.registry, args)
    path, program, level = _lists.parse_list_spec(args.list)
    _lists.list_file(path)
    try:
        rep = reg.replace_program(
            program,
            path,
            level=level,
            columns=_lists.parse_columns(args.columns),
            force=args.force,
            max_rejected=args.max_rejected,
        )
    except sk.Error as e:
        raise UserError(f"{path}: {e}") from None
    reg.save(args.registry)
    lines = [f"{program}: {path}: {t('sum.loaded')} {rep.loaded}, {t('sum.rejected')} {len(rep.rejected)}"]
    lines += _lists.load_notes(path, rep)
    if args.out:
        page = _output.Summary(t("lang_title.replace"), sources=[path])
        page.add("sum.loaded", rep.loaded)
        page.add("sum.rejected", len(rep.rejected))
        sheet = _output.Sheet(
            "rejected", ["file", "line", "why", "raw"], [dict(r, why=r["reason"]) for r in rep.rejected_rows]
        )
        lines += [t("written", path=p) for p in _output.write(args, [sheet], page)]
    emit(
        args, {"program": program, "file": path, "loaded": rep.loaded, "rejected": len(rep.rejected)}, "\n".join(lines)
    )
    return 0
