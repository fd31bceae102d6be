"""Eligibility rules as data (format ``skamp-rules/1``).

    >>> import datetime, smartkampung as sk
    >>> rs = sk.rules.builtin("blt-dana-desa")
    >>> d = rs.evaluate({"kk": {...}}, as_of=datetime.date(2020, 5, 1), explain=True)
    >>> d.decision, [r.code for r in d.reasons], d.amount

The grammar of the expression language is in docs/rules.md.
"""

import datetime as _dt
import json as _json
import re as _re
from typing import Any, Dict, List, Mapping

from . import intake as _intake
from ._core import Decision, Reason, RuleError, RuleSet, RuleTestFailure
from ._core import Error as _Error

__all__ = ["Decision", "Reason", "RuleError", "RuleSet", "RuleTestFailure"]  # the rest stays in sk.rules


def builtin_names() -> List[str]:
    """Names of the rule sets shipped inside the library (blt-dana-desa, bst, jatim-bkk,
    sembako-banyuwangi, bps-14)."""
    return list(RuleSet.builtin_names())


def builtin(
    name: str,
    conflicts: "str | None" = None,
    *,
    max_work: "int | None" = None,
    assumed_list_length: "int | None" = None,
) -> RuleSet:
    """A shipped rule set by name; raises smartkampung.NotFound for an unknown name.
    ``conflicts`` is the JSON text of a ``skamp-conflicts/1`` document (for conflicts_with())."""
    return RuleSet.builtin(name, conflicts, max_work=max_work, assumed_list_length=assumed_list_length)


# --- flat tables: rows of a CSV or a workbook as records ---------------------------------------


class RowError(_Error):
    """A flat row that cannot become a record; ``field`` names the column. The message
    says what was expected, never what the cell held (it may be a name or a NIK)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"field '{field}': {message}")
        self.field = field


_PATH = _re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def describe(ruleset: RuleSet) -> Dict[str, Any]:
    """What a rule set is and needs, as a dict: ``id``, ``version``, ``valid_from``,
    ``valid_to``, ``scope``, ``description``, ``inputs`` ({path: type}, e.g.
    ``{'kk.region_kind': 'enum<desa,kelurahan>'}``), ``columns`` (the column name a flat
    table uses for each input: the path without its root, ``region_kind``, ``head.sex``;
    member fields come inside the ``members`` column as a JSON list) and ``rules`` ([{id,
    code, reads: [input paths]}])."""
    doc = _json.loads(ruleset.to_json())
    inputs = dict(doc.get("inputs", {}))
    columns = {p: p.split(".", 1)[1] for p in inputs if not p.startswith("member.") and "." in p}
    rules = []
    for r in doc.get("rules", []):
        text = " ".join(_expressions({k: v for k, v in r.items() if k not in ("id", "reason")}))
        reads = []
        for m in _PATH.findall(text):
            m = _member_path(m, text)
            if m in inputs and m not in reads:
                reads.append(m)
        rules.append({"id": r.get("id"), "code": (r.get("reason") or {}).get("code"), "reads": reads})
    return {
        "id": ruleset.id,
        "version": ruleset.version,
        "valid_from": ruleset.valid_from,
        "valid_to": ruleset.valid_to,
        "scope": ruleset.scope,
        "description": doc.get("description", ""),
        "inputs": inputs,
        "columns": columns,
        "rules": rules,
    }


def _expressions(node: Any) -> List[str]:
    """Every expression text in a rule (require, when, require_any's alternatives, ...)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [e for v in node.values() for e in _expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in _expressions(v)]
    return []


def _member_path(path: str, text: str) -> str:
    """'m.nik' inside ``kk.members, m -> ...`` is the input 'member.nik'."""
    head, _, rest = path.partition(".")
    if _re.search(r"kk\.members\s*,\s*" + _re.escape(head) + r"\s*->", text):
        return "member." + rest
    return path


def _enum_values(type_name: str) -> list:
    return [v.strip() for v in type_name[5:-1].split(",")] if type_name.startswith("enum<") else []


def _coerce(text: str, type_name: str, field: str, as_of: "_dt.date | None" = None) -> Any:
    v = text.strip()
    if v == "":
        # An empty set column means "no programmes"; any other empty cell is missing.
        return [] if type_name.startswith("set<") else None
    if type_name == "bool":  # the intake's reader: ya/tidak, y/t, true/false, 1/0, benar/salah
        flag = _intake.read_bool(v)
        if flag is None:
            raise RowError(field, "not a boolean (true/false, ya/tidak, 1/0)")
        return flag
    if type_name in ("int", "money"):
        try:
            return int(v.replace(".", "") if _re.fullmatch(r"\d{1,3}(\.\d{3})+", v) else v, 10)
        except ValueError:
            raise RowError(field, "not an integer") from None
    if type_name.startswith("enum<"):
        declared = _enum_values(type_name)
        for d in declared:
            if d.lower() == v.lower():
                return d
        if {"M", "F"} <= set(declared) and _intake.read_sex(v) is not None:  # L/P, LK/PR, Laki-laki, ...
            return _intake.read_sex(v)
        raise RowError(field, "not one of " + ", ".join(declared))
    if type_name == "set<program>":
        return [p.strip().upper() for p in _re.split(r"[|;,]", v) if p.strip()]
    if type_name.startswith("set<"):
        return [p.strip() for p in _re.split(r"[|;,]", v) if p.strip()]
    if type_name.startswith("list<"):
        try:
            value = _json.loads(v)
        except ValueError as e:  # its text quotes the document: only the position is kept
            raise RowError(field, f"not a JSON list (at character {getattr(e, 'pos', '?')})") from None
        if not isinstance(value, list):
            raise RowError(field, "not a JSON list")
        return value
    if type_name == "date":  # the intake's reader: 1985-04-29, 29/04/1985, 29/04/85, 29-Apr-85, ...
        day = _intake.read_dates([v], as_of)[0][0]
        if day is None:
            raise RowError(field, "not a date (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YY, ...)")
        return day.isoformat()
    return v


def record_from_row(
    ruleset: "RuleSet | Mapping[str, Any]", row: Mapping[str, str], as_of: "_dt.date | None" = None
) -> Dict[str, Any]:
    """Builds the nested record a rule set evaluates from a flat row of text cells (a CSV
    or workbook row: {column: text}). A column is named by the input path
    (``kk.region_kind``), by the path without its root (``region_kind``, ``head.sex``), or,
    when that is unambiguous, by its last part (``sex``); headers are matched without regard
    to case. Enum values are matched without regard to case (``DESA`` is ``desa``); booleans
    as true/false, ya/tidak, 1/0; set columns split on ``|``, ``;`` or ``,``; list columns
    are JSON. Empty cells are missing. ``ruleset``: a RuleSet or describe()'s dict. Raises
    RowError naming the column."""
    meta = describe(ruleset) if isinstance(ruleset, RuleSet) else ruleset
    inputs = meta["inputs"]
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    for k, v in row.items():  # a list file's header ("NIK", "Tgl. Lahir", "L/P") names its field too
        field = _intake.header_field(str(k))
        if field and field not in lowered:
            lowered[field] = v
    lasts: Dict[str, int] = {}
    for path in inputs:
        lasts[path.rsplit(".", 1)[-1]] = lasts.get(path.rsplit(".", 1)[-1], 0) + 1
    record: Dict[str, Any] = {}
    for path, type_name in inputs.items():
        if path.startswith("member."):
            continue
        short = path.split(".", 1)[1] if "." in path else path
        last = path.rsplit(".", 1)[-1]
        names = [path.lower(), short.lower()] + ([last.lower()] if lasts[last] == 1 else [])
        key = next((n for n in names if n in lowered), None)
        if key is None or lowered[key] is None:
            continue
        value = _coerce(str(lowered[key]), type_name, key, as_of)
        if value is None:
            continue
        node = record
        parts = path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return record


def missing_fields(ruleset: "RuleSet | Mapping[str, Any]", record: Mapping[str, Any], decision: Decision) -> list:
    """For a ``needs_data`` decision: the input paths that the undecided rules read and the
    record lacks (``['kk.lost_livelihood']``), in rule order. Member fields are named
    ``member.<field>`` when a member lacks them."""
    meta = describe(ruleset) if isinstance(ruleset, RuleSet) else ruleset
    undecided = {r.rule for r in decision.reasons if r.unknown}
    out: list = []
    for r in decision.reasons:  # the fields explain mode read as unknown
        for path, value in (r.values if r.unknown else {}).items():
            if value == "(unknown)" and path not in out and not _present(record, path):
                out.append(path)
    for rule in meta["rules"]:
        if rule["id"] not in undecided:
            continue
        for path in rule["reads"]:
            if path not in out and not _present(record, path):
                out.append(path)
    return out


def _present(record: Mapping[str, Any], path: str) -> bool:
    if path.startswith("member."):
        members = (record.get("kk") or {}).get("members") if isinstance(record.get("kk"), dict) else None
        if not isinstance(members, list):
            return True  # the list itself is what is missing, named on its own
        name = path.split(".", 1)[1]
        return all(isinstance(m, dict) and m.get(name) is not None for m in members)
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return False
        node = node[part]
    return True
