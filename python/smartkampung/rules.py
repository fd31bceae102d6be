"""Eligibility rules as data (format ``skamp-rules/1``).

    >>> import datetime, smartkampung as sk
    >>> rs = sk.rules.builtin("blt-dana-desa")
    >>> d = rs.evaluate({"kk": {...}}, as_of=datetime.date(2020, 5, 1), explain=True)
    >>> d.decision, [r.code for r in d.reasons], d.amount

The grammar of the expression language is in docs/rules.md.
"""

from typing import List

from ._core import Decision, Reason, RuleError, RuleSet, RuleTestFailure

__all__ = ["Decision", "Reason", "RuleError", "RuleSet", "RuleTestFailure"]  # builtin* stay in sk.rules


def builtin_names() -> List[str]:
    """Names of the rule sets shipped inside the library (blt-dana-desa, bst, jatim-bkk,
    sembako-banyuwangi, bps-14)."""
    return list(RuleSet.builtin_names())


def builtin(name: str, conflicts: "str | None" = None) -> RuleSet:
    """A shipped rule set by name; raises smartkampung.NotFound for an unknown name.
    ``conflicts`` is the JSON text of a ``skamp-conflicts/1`` document (for conflicts_with())."""
    return RuleSet.builtin(name, conflicts)
