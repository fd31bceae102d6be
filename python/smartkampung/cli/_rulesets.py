"""Choosing a rule set: a built-in name (--program) or a file (--rules)."""

from __future__ import annotations

import pathlib
from typing import Any

import smartkampung as sk
from smartkampung import rules

from ._common import UsageError, existing_file
from ._i18n import t


def load(program: str | None, rules_file: str | None) -> Any:
    names = rules.builtin_names()
    if program is None and rules_file is None:
        raise UsageError(t("eligible_needs_rules", names=", ".join(names)))
    if program is not None:
        match = next((n for n in names if n.lower() == program.strip().lower()), None)
        if match is None:
            raise UsageError(t("unknown_program", name=program, names=", ".join(names)))
        return rules.builtin(match)
    if rules_file in names:  # --rules took a built-in name before --program existed
        return rules.builtin(rules_file)
    return sk.RuleSet.from_file(existing_file(str(pathlib.Path(rules_file))))
