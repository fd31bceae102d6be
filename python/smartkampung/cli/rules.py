"""`smartkampung rules`: the built-in rule sets, their versions and validity, and the
columns each needs in the table given to `eligible`."""

from __future__ import annotations

import argparse

from smartkampung import rules as sk_rules

from . import _output, _rulesets
from ._common import emit, text_table
from ._i18n import t

HELP = "list the built-in rule sets, their versions and the columns each needs"
EXAMPLES = ["smartkampung rules", "smartkampung rules --program bps-14 --out kolom.xlsx"]
COLUMNS = ["ruleset", "version", "valid_from", "valid_to", "scope", "columns", "description"]
INPUTS = ["ruleset", "column", "type", "values"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--program", help="only this rule set, with every column it reads")
    p.add_argument("--rules", help="describe a rule file (skamp-rules/1 JSON) instead")
    _output.add_output_options(p, "the list")


def _values(type_name: str) -> str:
    if type_name.startswith("enum<"):
        return type_name[5:-1].replace(",", ", ")
    return {
        "bool": "ya/tidak, true/false, 1/0",
        "int": "0, 1, 2, ...",
        "money": "Rp",
        "date": "YYYY-MM-DD",
        "set<program>": "PKH|BPNT|...",
        "list<member>": '[{"nik": ..., "birth_date": "YYYY-MM-DD"}]',
    }.get(type_name, "")


def run(args: argparse.Namespace) -> int:
    _output.check_out_path(args.out)
    if args.program or args.rules:
        sets = [_rulesets.load(args.program, args.rules)]
    else:
        sets = [sk_rules.builtin(n) for n in sk_rules.builtin_names()]
    rows, inputs = [], []
    for rs in sets:
        meta = sk_rules.describe(rs)
        rows.append(
            {
                "ruleset": rs.id,
                "version": rs.version,
                "valid_from": meta["valid_from"],
                "valid_to": meta["valid_to"],
                "scope": meta["scope"],
                "columns": sorted(set(meta["columns"].values())),
                "description": meta["description"],
            }
        )
        for path, type_name in meta["inputs"].items():
            column = meta["columns"].get(path) or f"members[].{path.split('.', 1)[1]}"
            inputs.append({"ruleset": rs.id, "column": column, "type": type_name, "values": _values(type_name)})
    written = []
    if args.out:
        page = _output.Summary(t("lang_title.rules"))
        page.add("sum.rulesets", len(rows))
        written = _output.write(
            args, [_output.Sheet("rulesets", COLUMNS, rows), _output.Sheet("columns", INPUTS, inputs)], page
        )
    lines = [
        text_table(
            [[r["ruleset"], r["version"], r["valid_from"], r["valid_to"], r["scope"]] for r in rows],
            [t("col." + c) for c in COLUMNS[:5]],
        )
    ]
    for r in rows:
        lines.append(f"\n{r['ruleset']} {r['version']}: {t('col.columns')}:")
        lines.append("  " + ", ".join(r["columns"]))
    lines += [t("written", path=p) for p in written]
    emit(args, {"rulesets": rows, "columns": inputs}, "\n".join(lines))
    return 0
