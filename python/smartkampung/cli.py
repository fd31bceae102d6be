"""The smartkampung command-line tool (``python -m smartkampung`` or ``smartkampung``).

Subcommands work on CSV and JSON files as district offices have them. Exit codes:
0 success, 1 bad input (a one-line error naming the file, line and field; no
traceback), 2 usage error. ``--json`` gives machine-readable output.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import os
import pathlib
import sys
import tempfile
import time
from typing import Any, Callable, Iterable, Sequence

from . import _core

WIB = _dt.timezone(_dt.timedelta(hours=7), "WIB")

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


class UserError(Exception):
    """Bad input from the user: printed as one line, exit code 1."""


def _command(name: str):
    def wrap(fn):
        _COMMANDS[name] = fn
        return fn

    return wrap


# --------------------------------------------------------------------------- helpers


def _parse_date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        # the text is not repeated: it may be anything, an identity number included (issue 16)
        raise argparse.ArgumentTypeError("not a date of the form YYYY-MM-DD") from None


def _parse_instant(text: str) -> _dt.datetime:
    """ISO date-time; without a zone it is read as WIB (Asia/Jakarta)."""
    try:
        t = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a date-time of the form YYYY-MM-DDTHH:MM[+07:00]") from None
    return t if t.tzinfo else t.replace(tzinfo=WIB)


_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1


def _int_option(lo: int, hi: int | None = None, what: str = "a whole number") -> Callable[[str], int]:
    """An argparse type: an integer in [lo, hi] (hi None: no upper bound), range-checked
    here so that no value reaches the library as a number its C++ type cannot hold."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError("not an integer") from None
        if value < lo or (hi is not None and value > hi):
            # 2**63 - 1 is written so: its 19 digits would read as an identity number.
            bound = hi if hi is None or hi < 10**15 else f"2**{(hi + 1).bit_length() - 1} - 1"
            upper = f" and <= {bound}" if hi is not None else ""
            raise argparse.ArgumentTypeError(f"must be {what} >= {lo}{upper}")
        return value

    parse.__name__ = "integer"
    return parse


def _now() -> _dt.datetime:
    return _dt.datetime.now(WIB)


def _existing_file(path: str) -> str:
    p = pathlib.Path(path)
    if not p.exists():
        raise UserError(f"{path}: no such file")
    if not p.is_file():
        raise UserError(f"{path}: not a file")
    if not os.access(p, os.R_OK):
        raise UserError(f"{path}: not readable")
    return str(p)


def _read_csv_dicts(path: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Reads a small CSV (header + rows) with line numbers, for the CLI's own inputs."""
    _existing_file(path)
    raw = pathlib.Path(path).read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise UserError(f"{path}: the text is neither UTF-8 nor Windows-1252")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise UserError(f"{path}: empty file (a header line is needed)") from None
    rows = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise UserError(f"{path}:{line}: expected {len(header)} fields, found {len(row)}")
        rows.append((line, {h: cell.strip() for h, cell in zip(header, row)}))
    return header, rows


def _float_field(path: str, line: int, row: dict[str, str], name: str) -> float:
    if name not in row:
        raise UserError(f"{path}:{line}: missing column '{name}'")
    try:
        return float(row[name])
    except ValueError:
        raise UserError(f"{path}:{line}: field '{name}' is not a number") from None


def _write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Writes an output file (text as UTF-8, or bytes) so that a reader (or a kill -9) never
    sees it half written: a fresh temporary beside it (mkstemp: created exclusively, mode
    0600, as the outputs hold personal data), flushed, then renamed over the target. The
    temporary goes on failure."""
    target = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        print(text)


def _table(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


class _Progress:
    """A progress line on stderr for work over a second, only when stderr is a terminal."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.start = label, max(total, 1), time.monotonic()
        self.enabled = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if self.enabled and time.monotonic() - self.start > 1.0:
            pct = 100 * done // self.total
            bar = "#" * (pct // 5)
            print(f"\r{self.label} [{bar:<20}] {pct:3d}%", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled and time.monotonic() - self.start > 1.0:
            print(file=sys.stderr)


# --------------------------------------------------------------------------- nik


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


def _nik_rows(niks: Iterable[str], as_of: _dt.date | None) -> list[dict[str, Any]]:
    rows = []
    for text in niks:
        try:
            info = _core.parse_nik(text, as_of)
            rows.append({"nik": _core.mask_nik(info.nik), "valid": True, "reason": "valid",
                         "district": info.district, "district_name": info.district_name,
                         "regency_name": info.regency_name, "sex": info.sex,
                         "birth_year": info.birth_date.year, "repaired": info.repaired})
        except _core.NikError as e:
            rows.append({"nik": _core.mask_nik(text), "valid": False, "reason": e.code})
    return rows


@_command("nik")
def _cmd_nik(args: argparse.Namespace) -> int:
    rows = _nik_rows(args.niks, args.as_of)
    text = _table([(r["nik"], r["reason"], r.get("district", ""), r.get("district_name") or "",
                    r.get("sex", ""), r.get("birth_year", ""), "yes" if r.get("repaired") else "")
                   for r in rows],
                  ["NIK (masked)", "result", "district", "name", "sex", "born", "repaired"])
    _emit(args, rows, text)
    return 0 if all(r["valid"] for r in rows) or not args.strict else 1


# --------------------------------------------------------------------------- dedup


def _parse_list_spec(spec: str) -> tuple[str, str, str]:
    parts = spec.rsplit(":", 2)
    if len(parts) != 3 or not all(parts):
        raise UserError(f"{spec}: expected FILE:PROGRAM:LEVEL (level central, provincial or regency)")
    path, program, level = parts
    if level not in ("central", "provincial", "regency"):
        raise UserError(f"{spec}: level must be central, provincial or regency, not '{level}'")
    return path, program, level


def _read_exclusions(path: str | None) -> list[tuple[str, str, str]]:
    if not path:
        return []
    _existing_file(path)
    try:
        doc = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UserError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(doc, dict) or doc.get("format") != "skamp-conflicts/1":
        raise UserError(f"{path}: expected a document with \"format\": \"skamp-conflicts/1\"")
    pairs = []
    for i, c in enumerate(doc.get("conflicts", [])):
        try:
            pairs.append((c["a"], c["b"], c["scope"]))
        except (KeyError, TypeError):
            raise UserError(f"{path}: conflicts[{i}] needs a, b and scope") from None
    return pairs


def _load_exclusions(reg: Any, path: str | None) -> None:
    pairs = _read_exclusions(path)
    if pairs:
        reg.set_exclusions(pairs)


def _parse_columns(text: str | None) -> dict[str, str] | None:
    """``nik=NIK_KPM,name="NAMA KRT"``: our field = the file's header, comma-separated
    (a header holding a comma is quoted)."""
    if not text:
        return None
    out: dict[str, str] = {}
    for item in next(csv.reader([text], skipinitialspace=True)):
        field, sep, header = item.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise UserError(f"--columns: expected FIELD=HEADER, not '{item}'")
        out[field.strip()] = header.strip().strip('"')
    return out


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _check_load(args: argparse.Namespace, path: str, rep: Any, needs_kk: str | None) -> None:
    """Whole-file sanity: a load that lost more than the limit, or that lacks a column
    the job needs, is an error unless the user allows it."""
    limit = getattr(args, "max_rejected", 0.05)
    if not getattr(args, "allow_rejected", False) and rep.rows and rep.rejected_share > limit:
        first = rep.rejected[0]
        raise UserError(f"{path}: {len(rep.rejected)} of {rep.rows} rows rejected ({_pct(rep.rejected_share)}, "
                        f"over the limit of {_pct(limit)}; first: line {first[0]}: {first[1]}); "
                        f"--allow-rejected to load it anyway")
    if needs_kk and "kk" not in rep.columns and not getattr(args, "allow_missing_columns", False):
        raise UserError(f"{path}: no KK column, needed for the household exclusions in {needs_kk} "
                        f"(name it with --columns kk=HEADER, or --allow-missing-columns)")


def _load_note(path: str, rep: Any) -> list[str]:
    """What the report says beyond the counts, as lines for the terminal (no personal data)."""
    notes = []
    if rep.ignored_columns:
        notes.append(f"  {path}: ignored columns: {', '.join(rep.ignored_columns)}")
    for field, lines in rep.nulled.items():
        shown = ", ".join(str(n) for n in lines[:5]) + (", ..." if len(lines) > 5 else "")
        notes.append(f"  {path}: {field} unreadable on {len(lines)} rows, left empty (lines {shown})")
    if rep.repairs:
        notes.append(f"  {path}: repaired: " + ", ".join(f"{k} {v}" for k, v in rep.repairs.items()))
    if rep.date_order == "month_first":
        notes.append(f"  {path}: birth dates read month first (M/D/Y), as the column's values show")
    for q in rep.quote_runs:
        notes.append(f"  {path}: a quote opened on line {q['first_line']} ran to line {q['last_line']}; "
                     f"{q['recovered']} records read again")
    return notes


def _write_rejected(path: pathlib.Path, reports: Sequence[Any]) -> int:
    """Every rejected row (file, line, reason, raw text) as CSV; returns how many."""
    rows = [r for rep in reports for r in rep.rejected_rows]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "line", "reason", "raw"])
    for r in rows:
        w.writerow([r["file"], r["line"], r["reason"], r["raw"]])
    _write_atomic(path, buf.getvalue())
    return len(rows)


def _build_registry(specs: Sequence[str], exclusions: str | None,
                    args: argparse.Namespace | None = None) -> tuple[Any, list[dict[str, Any]]]:
    args = args or argparse.Namespace()
    reg = _core.Registry()
    loads = []
    pairs = _read_exclusions(exclusions)
    needs_kk = exclusions if any(scope in ("kk", "household") for _, _, scope in pairs) else None
    columns = _parse_columns(getattr(args, "columns", None))
    progress = _Progress("loading", len(specs))
    for i, spec in enumerate(specs):
        path, program, level = _parse_list_spec(spec)
        _existing_file(path.split(".xlsx#")[0] + ".xlsx" if ".xlsx#" in path else path)
        rep = reg.load_csv(path, program=program, level=level, columns=columns)
        _check_load(args, path, rep, needs_kk)
        loads.append({"file": path, "program": program, "level": level, "loaded": rep.loaded,
                      "rejected": len(rep.rejected), "unkeyed": rep.unkeyed,
                      "nulled": {k: len(v) for k, v in rep.nulled.items()}, "repairs": rep.repairs,
                      "ignored_columns": rep.ignored_columns, "date_order": rep.date_order,
                      "quote_runs": rep.quote_runs,
                      "first_rejected": [f"line {ln}: {why}" for ln, why in rep.rejected[:3]],
                      "notes": _load_note(path, rep), "report": rep})
        progress.update(i + 1)
    progress.close()
    if pairs:
        reg.set_exclusions(pairs)
    return reg, loads


def _dedup_summary(rep: Any) -> dict[str, Any]:
    return {
        "unique_persons": rep.unique_persons,
        "unique_households": rep.unique_households,
        "duplicates_within_lists": len(rep.duplicates),
        "persons_in_several_programmes": len(rep.overlaps),
        "conflicting_records": len(rep.conflicts),
        "nik_mismatches": len(rep.nik_mismatches),
        "exclusion_violations": len(rep.exclusion_violations),
    } | ({} if rep.likely_duplicates is None else {"likely_duplicates_across_niks": len(rep.likely_duplicates)})


@_command("dedup")
def _cmd_dedup(args: argparse.Namespace) -> int:
    reg, loads = _build_registry(args.lists, args.exclusions, args)
    rep = reg.dedup(fuzzy=True) if args.fuzzy else reg.dedup()
    summary = _dedup_summary(rep)
    if args.out:
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        rep.to_csv(str(out))
        _write_atomic(out / "report.json", rep.to_json())
        _write_rejected(out / "rejected.csv", [d["report"] for d in loads])
    if args.save:
        reg.save(args.save)
    lines = [_table([(d["file"], d["program"], d["level"], d["loaded"], d["rejected"], d["unkeyed"])
                     for d in loads], ["file", "programme", "level", "loaded", "rejected", "no NIK"])]
    for d in loads:
        for msg in d["first_rejected"]:
            lines.append(f"  {d['file']}: {msg}")
        lines += d["notes"]
    lines.append("")
    lines += [f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()]
    if args.out:
        lines.append(f"full report written to {args.out}/ (rejected rows in rejected.csv)")
    public = [{k: v for k, v in d.items() if k not in ("report", "notes")} for d in loads]
    _emit(args, {"lists": public, "summary": summary}, "\n".join(lines))
    return 0


@_command("replace")
def _cmd_replace(args: argparse.Namespace) -> int:
    _existing_file(args.registry)
    reg = _core.Registry.load(args.registry)
    path, program, level = _parse_list_spec(args.list)
    _existing_file(path.split(".xlsx#")[0] + ".xlsx" if ".xlsx#" in path else path)
    try:
        rep = reg.replace_program(program, path, level=level, columns=_parse_columns(args.columns),
                                  force=args.force, max_rejected=args.max_rejected)
    except _core.Error as e:
        raise UserError(f"{path}: {e}") from None
    reg.save(args.registry)
    if args.out:
        _write_rejected(pathlib.Path(args.out), [rep])
    lines = [f"{program}: replaced by {path}: {rep.loaded} loaded, {len(rep.rejected)} rejected"]
    lines += _load_note(path, rep)
    _emit(args, {"program": program, "file": path, "loaded": rep.loaded, "rejected": len(rep.rejected)},
          "\n".join(lines))
    return 0


# --------------------------------------------------------------------------- check


@_command("check")
def _cmd_check(args: argparse.Namespace) -> int:
    if args.registry:
        _existing_file(args.registry)
        reg = _core.Registry.load(args.registry)
    else:
        reg, _ = _build_registry(args.lists or [], None, args)
    answer = reg.public_check(args.nik)
    text = (f"NIK {answer['nik']}: " + (f"{answer['name']} receives {', '.join(answer['programs']) or 'nothing'}"
                                        if answer["found"] else "not in any programme list"))
    _emit(args, answer, text)
    return 0


# --------------------------------------------------------------------------- eligible


def _coerce(value: str, type_name: str) -> Any:
    v = value.strip()
    if v == "":
        # An empty set column means "no programmes"; any other empty cell is missing.
        return [] if type_name.startswith("set<") else None
    if type_name == "bool":
        low = v.lower()
        if low in ("1", "true", "ya", "y", "yes"):
            return True
        if low in ("0", "false", "tidak", "t", "n", "no"):
            return False
        raise ValueError("not a boolean (true/false, ya/tidak, 1/0)")
    # The messages name what was expected, never the cell's text: a misplaced column can
    # hold a name, a NIK or a birth date.
    if type_name in ("int", "money"):
        try:
            return int(v, 10)
        except ValueError:
            raise ValueError("not an integer") from None
    if type_name.startswith("set<"):
        return [p.strip() for p in v.replace(";", "|").replace(",", "|").split("|") if p.strip()]
    if type_name.startswith("list<"):
        try:
            return json.loads(v)
        except ValueError as e:  # JSONDecodeError is a ValueError; its text quotes the document
            raise ValueError(f"not a JSON list (at character {getattr(e, 'pos', '?')})") from None
    return v


def _record_from_row(row: dict[str, str], inputs: dict[str, str], scope: str) -> dict[str, Any]:
    """Builds a nested record from a flat CSV row whose columns are input paths
    (``kk.region_kind``) or their last parts (``region_kind``)."""
    record: dict[str, Any] = {}
    for path, type_name in inputs.items():
        if path.startswith("member."):
            continue
        short = path.split(".", 1)[1] if "." in path else path
        key = path.lower() if path.lower() in row else short.lower()
        if key not in row:
            continue
        try:
            value = _coerce(row[key], type_name)
        except ValueError as e:  # _coerce's messages carry no cell text
            raise ValueError(f"field '{key}': {e}") from None
        if value is None:
            continue
        node = record
        parts = path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return record


def _load_ruleset(spec: str) -> Any:
    from . import rules

    if spec in rules.builtin_names():
        return rules.builtin(spec)
    _existing_file(spec)
    return _core.RuleSet.from_file(spec)


@_command("eligible")
def _cmd_eligible(args: argparse.Namespace) -> int:
    rs = _load_ruleset(args.rules or args.program)
    header, rows = _read_csv_dicts(args.records)
    meta = json.loads(rs.to_json())
    inputs, scope = meta.get("inputs", {}), meta.get("scope", "person")
    as_of = args.as_of or _now().date()
    out_rows = []
    for line, row in rows:
        try:
            record = _record_from_row(row, inputs, scope)
        except ValueError as e:
            raise UserError(f"{args.records}:{line}: {e}") from None
        d = rs.evaluate(record, as_of=as_of, explain=True)
        out_rows.append({"line": line, "id": row.get("id", row.get("kk", str(line))), "decision": d.decision,
                         "amount": d.amount, "reasons": "|".join(r.code for r in d.reasons),
                         "reason_id": "; ".join(r.message_id for r in d.reasons)})
    if args.json:
        _emit(args, {"ruleset": rs.ruleset if hasattr(rs, "ruleset") else meta.get("ruleset"),
                     "as_of": as_of.isoformat(), "decisions": out_rows}, "")
        return 0
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["line", "id", "decision", "amount", "reasons", "reason_id"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(out_rows)
    if args.out:
        _write_atomic(args.out, buf.getvalue())
        counts: dict[str, int] = {}
        for r in out_rows:
            counts[r["decision"]] = counts.get(r["decision"], 0) + 1
        print(f"{len(out_rows)} decisions written to {args.out}: "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    else:
        sys.stdout.write(buf.getvalue())
    return 0


# --------------------------------------------------------------------------- geo


def _load_houses(path: str) -> Any:
    _existing_file(path)
    rejected: list[tuple[int, str]] = []
    idx = _core.FacilityIndex.from_csv(path, rejected)
    if rejected:
        line, why = rejected[0]
        raise UserError(f"{path}:{line}: {why}" + (f" (and {len(rejected) - 1} more rows)" if len(rejected) > 1 else ""))
    return idx


@_command("nearest")
def _cmd_nearest(args: argparse.Namespace) -> int:
    idx = _load_houses(args.houses)
    hits = idx.nearest(args.lat, args.lon, k=args.k, min_free=args.min_free)
    rows = [{"id": i, "distance_m": round(d, 1), "free_beds": idx.free_beds(i)} for i, d in hits]
    text = _table([(r["id"], f"{r['distance_m']:.0f}", r["free_beds"]) for r in rows],
                  ["house", "distance (m)", "free beds"]) if rows else "no open house with a free bed"
    _emit(args, rows, text)
    return 0


@_command("assign")
def _cmd_assign(args: argparse.Namespace) -> int:
    import numpy as np

    idx = _load_houses(args.houses)
    _, rows = _read_csv_dicts(args.residents)
    lats = np.array([_float_field(args.residents, ln, r, "lat") for ln, r in rows], dtype=np.float64)
    lons = np.array([_float_field(args.residents, ln, r, "lon") for ln, r in rows], dtype=np.float64)
    rep = idx.assign_report(lats, lons, mode=args.mode, k=args.k)
    houses = rep["houses"]
    summary = {"residents": len(rows), "placed": int(rep["placed"]), "unplaced": int(rep["unplaced"]),
               "mode": args.mode, "total_km": round(rep["total_m"] / 1000, 2),
               "max_km": round(rep["max_m"] / 1000, 2)}
    if args.out:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["line", "house"])
        for (ln, _), h in zip(rows, houses):
            w.writerow([ln, int(h)])
        _write_atomic(args.out, out.getvalue())
    _emit(args, summary, "\n".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()))
    return 0


# --------------------------------------------------------------------------- cert

_ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}
_CERT_WRITE_ACTIONS = ("register", "apply", "audit", "issue", "evaluate", "violate", "suspend", "reinstate",
                       "revoke", "renew", "withdraw", "checkin", "checkout")


def _public_keys(args: argparse.Namespace) -> list[Any]:
    """The public keys to verify with: every --pub, else SMARTKAMPUNG_PUB (paths separated by
    the path separator, for rotation)."""
    paths = list(getattr(args, "pub", None) or [])
    if not paths and os.environ.get("SMARTKAMPUNG_PUB"):
        paths = [p for p in os.environ["SMARTKAMPUNG_PUB"].split(os.pathsep) if p]
    keys = []
    for p in paths:
        _existing_file(p)
        keys.append(_core.PublicKey.load(p))
    return keys


def _signing_key(args: argparse.Namespace) -> Any:
    path = getattr(args, "key", None) or os.environ.get("SMARTKAMPUNG_KEY")
    if not path:
        return None
    _existing_file(path)
    return _core.SigningKey.load(path)


def _local(reg: Any, t: Any) -> str:
    """An instant in the registry's zone, e.g. '2020-07-20 14:00 WIB'."""
    if t is None:
        return "-"
    name = reg.time_zone
    return t.astimezone(_dt.timezone(_dt.timedelta(hours=_ZONES[name]), name)).strftime("%Y-%m-%d %H:%M ") + name


def _cert_summary(reg: Any, id: int, at: _dt.datetime) -> dict[str, Any]:
    info = reg.certificate(id, at)
    return {"id": id, "at": _local(reg, at), "status": info["status"], "certificate": info["certificate_id"],
            "valid_until": info["valid_until"].isoformat() if info["valid_until"] else None,
            "next_evaluation": _local(reg, info["evaluation_due_at"]) if info["evaluation_due_at"] else None,
            "max_visitors": reg.max_visitors(id, at), "inside": reg.occupancy(id, at)}


def _cert_change(reg: Any, args: argparse.Namespace, at: _dt.datetime) -> tuple[bool, dict[str, Any]]:
    """Applies one lifecycle action; returns (save, result)."""
    a, id = args.action, args.id
    if a == "register":
        if args.category not in reg.categories:
            raise UserError(f"unknown category {args.category!r} (known: {', '.join(reg.categories)})")
        reg.add_business(id, args.name, args.category, args.lat, args.lon, args.capacity, at=at,
                         zone=args.zone or "")
    elif a == "apply":
        reg.apply(id, at)
    elif a == "audit":
        reg.audit(id, at, args.result == "pass", findings=args.findings or "")
    elif a == "issue":
        reg.issue(id, at)
    elif a == "evaluate":
        reg.evaluate(id, at, args.result == "pass", findings=args.findings or "")
    elif a == "violate":
        reg.report_violation(id, at, args.reason)
    elif a == "suspend":
        reg.suspend(id, at, args.reason)
    elif a == "reinstate":
        reg.reinstate(id, at)
    elif a == "revoke":
        reg.revoke(id, at, args.reason, effective_at=args.effective)
    elif a == "renew":
        reg.renew(id, at)
    elif a == "withdraw":
        reg.withdraw(id, at, args.reason)
    elif a == "checkin":
        ok = reg.check_in(id, at, args.n)
        return ok, {"id": id, "admitted": ok, "inside": reg.occupancy(id, at),
                    "max_visitors": reg.max_visitors(id, at)}
    elif a == "checkout":
        reg.check_out(id, at, args.n)
        return True, {"id": id, "inside": reg.occupancy(id, at), "max_visitors": reg.max_visitors(id, at)}
    return True, _cert_summary(reg, id, at)


def _cert_load(args: argparse.Namespace) -> Any:
    path = pathlib.Path(args.store)
    if not path.exists():
        raise UserError(f"{args.store}: no such certificate store (create it with 'cert register')")
    return _core.CertificateRegistry.load(str(path), public_keys=_public_keys(args),
                                          allow_unsigned=args.allow_unsigned)


def _text_of(result: Any) -> str:
    if isinstance(result, dict):
        return "  ".join(f"{k}: {v}" for k, v in result.items())
    return "\n".join(json.dumps(e, default=str, ensure_ascii=False) for e in result)


@_command("cert")
def _cmd_cert(args: argparse.Namespace) -> int:
    action = args.action
    at = getattr(args, "at", None) or _now()
    if action == "keygen":
        from . import cert as _cert

        out = pathlib.Path(args.out)
        pub = _cert.generate_key(out)
        result = {"key": str(out / "district.key"), "pub": str(out / "district.pub"), "key_id": pub.key_id}
        _emit(args, result, _text_of(result))
        return 0
    if action == "verify":
        return _cert_verify(args, at)
    if action in _CERT_WRITE_ACTIONS:
        keys, key = _public_keys(args), _signing_key(args)
        if keys and key is None:
            raise UserError("this store is read with a public key, so a write must be signed: "
                            "give --key or SMARTKAMPUNG_KEY")
        holder: dict[str, Any] = {}

        def change(reg: Any) -> bool:
            save, holder["result"] = _cert_change(reg, args, at)
            return save

        _core.CertificateRegistry.update(str(args.store), change, key=key, public_keys=keys,
                                         allow_unsigned=args.allow_unsigned, create=action == "register")
        result = holder["result"]
        _emit(args, result, _text_of(result))
        return 0 if action != "checkin" or result["admitted"] else 1
    reg = _cert_load(args)
    if action == "status":
        result = _cert_summary(reg, args.id, at)
    elif action == "history":
        result = reg.history(args.id)
        for e in result:
            for k in ("effective_at", "recorded_at"):
                e[k] = _local(reg, e[k]) if e[k] is not None else None
    elif action in ("list", "near"):
        if action == "near":
            found = reg.certified_near(args.lat, args.lon, args.radius, at, args.category)
            rows = [(id, round(d, 1)) for id, d in found]
        else:
            statuses = reg.statuses(at)
            rows = [(id, None) for id, st in statuses.items()
                    if (args.all or st in ("active", "evaluation_due"))
                    and (args.category is None or reg_category(reg, id) == args.category)]
        result = []
        for id, dist in rows:
            s = _cert_summary(reg, id, at)
            item = {"id": id, "name": reg_name(reg, id), "category": reg_category(reg, id), "status": s["status"],
                    "certificate": s["certificate"], "valid_until": s["valid_until"],
                    "max_visitors": s["max_visitors"]}
            if dist is not None:
                item["distance_m"] = dist
            result.append(item)
        header = ["id", "name", "category", "status", "certificate", "valid_until", "max_visitors"]
        if action == "near":
            header.append("distance_m")
        _emit(args, result, _table([[r.get(h) for h in header] for r in result], header)
              if result else "no certified place found")
        return 0
    elif action == "sticker":
        from . import cert as _cert

        key = _signing_key(args)
        if key is None:
            raise UserError("a sticker is signed: give --key or SMARTKAMPUNG_KEY")
        result = _cert.write_sticker(reg, args.id, args.out, key=key, at=at)
    elif action == "status-list":
        key = _signing_key(args)
        if key is None:
            raise UserError("a status list is signed: give --key or SMARTKAMPUNG_KEY")
        text = reg.status_list(key=key, at=at)
        _write_atomic(args.out, text + "\n")
        result = {"out": str(args.out), "key_id": key.key_id, "date": _local(reg, at), "bytes": len(text)}
    else:  # pragma: no cover - argparse restricts the choices
        raise UserError(f"unknown cert action {action}")
    _emit(args, result, _text_of(result))
    return 0


def reg_name(reg: Any, id: int) -> str:
    return reg.history(id)[0]["business"]["name"]


def reg_category(reg: Any, id: int) -> str:
    return reg.history(id)[0]["business"]["category"]


def _cert_verify(args: argparse.Namespace, at: _dt.datetime) -> int:
    from . import cert as _cert

    keys = _public_keys(args)
    if not keys:
        raise UserError("verifying needs the district's public key: give --pub or SMARTKAMPUNG_PUB")
    text = args.credential
    if not text.strip().startswith("SKC1:") and pathlib.Path(text).exists():
        text = pathlib.Path(_existing_file(text)).read_text(encoding="utf-8", errors="replace")
    status_list = None
    if args.status_list:
        status_list = pathlib.Path(_existing_file(args.status_list)).read_text(encoding="utf-8", errors="replace")
    v = _cert.verify(text, keys, status_list=status_list, at=at)
    data = {"genuine": v["genuine"], "valid": v["valid"], "business": v["business"], "status": v["status"],
            "valid_until": v["valid_until"].isoformat() if v["valid_until"] else None,
            "certificate": v.get("certificate_id"), "reason": v["reason"],
            "status_list_stale": v["status_list_stale"]}
    if v["genuine"]:
        b = v["business"]
        text_out = (f"{'VALID' if v['valid'] else v['status'].upper()}: {b['name']} ({b['category']}), "
                    f"{v['certificate_id']}, {v['reason']}")
    else:
        text_out = f"NOT GENUINE ({v['status']}): {v['reason']}"
    _emit(args, data, text_out)
    return 0 if v["valid"] else 1


# --------------------------------------------------------------------------- demo


@_command("demo")
def _cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    return demo.run(seed=args.seed, persons=args.persons, workdir=args.workdir, as_json=args.json)


# --------------------------------------------------------------------------- parser


def _intake_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--columns", metavar="FIELD=HEADER,...",
                   help='headers the alias table does not know: nik=NIK_KPM,name="NAMA KRT"')
    p.add_argument("--max-rejected", type=float, default=0.05,
                   help="a list with more than this share of rows rejected is an error (default 0.05)")
    p.add_argument("--allow-rejected", action="store_true", help="load lists past --max-rejected")
    p.add_argument("--allow-missing-columns", action="store_true",
                   help="load lists without a column the job needs (KK for household exclusions)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the tool (every subcommand has --help with an example)."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="smartkampung", formatter_class=fmt,
        description="Smart Kampung: social-aid dedup, eligibility, isolation houses, certificates.",
        epilog="Example:\n  smartkampung demo\n  smartkampung dedup pkh.csv:PKH:central bst.csv:BST:central --out report/")
    parser.add_argument("--version", action="version", version=f"smartkampung {_core.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, formatter_class=fmt,
                           epilog="Example:\n  " + example)
        p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    p = add("demo", "run every area on the bundled synthetic Banyuwangi data set",
            "smartkampung demo --persons 20000")
    p.add_argument("--seed", type=_int_option(0, 2**32 - 1), default=2020, help="random seed of the synthetic data (default 2020)")
    p.add_argument("--persons", type=_int_option(1, 10_000_000), default=20000, help="synthetic population size (default 20000)")
    p.add_argument("--workdir", default=None, help="keep the generated files in this folder")

    p = add("nik", "decode and validate NIKs (output masked)",
            "smartkampung nik 3510014501900001 --as-of 2020-05-01")
    p.add_argument("niks", nargs="+", metavar="NIK")
    p.add_argument("--as-of", type=_parse_date, default=None,
                   help="reference date for the century of the birth year (default today)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any NIK is invalid")

    p = add("dedup", "load programme lists, cross them on NIK and report duplicates, overlaps, conflicts",
            "smartkampung dedup pkh.csv:PKH:central bst.csv:BST:central --out report/")
    p.add_argument("lists", nargs="+", metavar="FILE:PROGRAM:LEVEL")
    p.add_argument("--out", help="write the full report (CSV files and report.json) to this folder")
    p.add_argument("--exclusions", help="programme conflicts (skamp-conflicts/1 JSON)")
    p.add_argument("--fuzzy", action="store_true", help="also link records with missing or mistyped NIKs")
    p.add_argument("--save", help="save the registry to this file (for 'check --registry')")
    _intake_options(p)

    p = add("replace", "replace a programme's list in a saved registry (the monthly update)",
            "smartkampung replace --registry registry.skr pkh-juni.csv:PKH:central")
    p.add_argument("list", metavar="FILE:PROGRAM:LEVEL")
    p.add_argument("--registry", required=True, help="a registry saved by 'dedup --save' (updated in place)")
    p.add_argument("--columns", help="FIELD=HEADER,... for headers the alias table does not know")
    p.add_argument("--max-rejected", type=float, default=0.05,
                   help="refuse a new list with more than this share of rows rejected (default 0.05)")
    p.add_argument("--force", action="store_true", help="replace even past --max-rejected")
    p.add_argument("--out", help="write the rejected rows (file, line, reason, raw text) to this CSV")

    p = add("check", "the public recipient check of one NIK (masked)",
            "smartkampung check 3510014501900001 --registry registry.skr")
    p.add_argument("nik")
    p.add_argument("--registry", help="a registry saved by 'dedup --save'")
    p.add_argument("--list", dest="lists", action="append", metavar="FILE:PROGRAM:LEVEL",
                   help="or load programme lists directly (repeatable)")
    _intake_options(p)

    p = add("eligible", "decide eligibility per row of a records CSV, with reasons (CSV out)",
            "smartkampung eligible --program blt-dana-desa households.csv --as-of 2020-05-01")
    p.add_argument("records", help="CSV with one column per rule input (e.g. region_kind, programs)")
    p.add_argument("--rules", help="a rule file (skamp-rules/1 JSON) or a built-in rule set name")
    p.add_argument("--program", help="a built-in rule set name (blt-dana-desa, bst, jatim-bkk, ...)")
    p.add_argument("--as-of", type=_parse_date, default=None, help="decision date (default today, WIB)")
    p.add_argument("--out", help="write the decisions CSV here instead of standard output")

    p = add("nearest", "the nearest open isolation houses with a free bed",
            "smartkampung nearest --houses houses.csv -8.2191 114.3691 -k 3")
    p.add_argument("--houses", required=True, help="houses CSV (id,name,lat,lon,capacity,occupied,open,kind)")
    p.add_argument("lat", type=float)
    p.add_argument("lon", type=float)
    p.add_argument("-k", type=_int_option(1), default=1,
                   help="how many houses (default 1; more than there are means all)")
    p.add_argument("--min-free", type=_int_option(0, _INT32_MAX), default=1,
                   help="at least this many free beds (default 1)")

    p = add("assign", "place residents into isolation houses without overfilling any",
            "smartkampung assign --houses houses.csv residents.csv --mode optimal")
    p.add_argument("--houses", required=True, help="houses CSV")
    p.add_argument("residents", help="residents CSV with lat and lon columns")
    p.add_argument("--mode", choices=["greedy", "optimal"], default="optimal")
    p.add_argument("-k", type=_int_option(1), default=20,
                   help="candidate houses per resident (default 20; more than there are means all)")
    p.add_argument("--out", help="write line,house per resident to this CSV")

    p = add("cert", "health-protocol certificates of tourism businesses over a store file",
            "smartkampung cert status --store certs.jsonl --id 17 --at 2020-07-20T14:00")
    csub = p.add_subparsers(dest="action", metavar="ACTION")
    csub.required = True

    def cert_cmd(name: str, help_text: str, example: str, store: bool = True, id: bool = True,
                 at: bool = True) -> argparse.ArgumentParser:
        c = csub.add_parser(name, help=help_text, description=help_text, formatter_class=fmt,
                            epilog="Example:\n  smartkampung cert " + example)
        c.add_argument("--json", action="store_true", help="machine-readable output")
        if store:
            c.add_argument("--store", required=True, help="certificate store file (created by 'register')")
            c.add_argument("--pub", action="append", metavar="FILE",
                           help="district public key to verify the store with (repeatable, for rotation; "
                                "default SMARTKAMPUNG_PUB)")
            c.add_argument("--key", metavar="FILE", help="district private key to sign with (default SMARTKAMPUNG_KEY)")
            c.add_argument("--allow-unsigned", action="store_true",
                           help="read an unsigned store although a public key is configured")
        if id:
            c.add_argument("--id", type=_int_option(0, _INT64_MAX), required=True, help="business id")
        if at:
            c.add_argument("--at", type=_parse_instant, default=None, help="moment (ISO; default now, WIB)")
        return c

    c = cert_cmd("register", "register a business", "register --store s.jsonl --id 17 --name 'Warung Osing' "
                 "--category warung --lat -8.2191 --lon 114.3691 --capacity 40")
    c.add_argument("--name", required=True, help="business name")
    c.add_argument("--category", required=True, help="category known to the policy (warung, cafe, hotel, ...)")
    c.add_argument("--lat", type=float, required=True, help="latitude")
    c.add_argument("--lon", type=float, required=True, help="longitude")
    c.add_argument("--capacity", type=_int_option(0, _INT32_MAX), required=True, help="normal visitor capacity")
    c.add_argument("--zone", help="village or zone name (for dated restriction levels)")
    cert_cmd("apply", "record an application", "apply --store s.jsonl --id 17")
    for name in ("audit", "evaluate"):
        c = cert_cmd(name, f"record an {name.replace('evaluate', 'evaluation')} (pass or fail)",
                     f"{name} --store s.jsonl --id 17 --result pass")
        c.add_argument("--result", choices=["pass", "fail"], default="pass", help="the result (default pass)")
        c.add_argument("--findings", help="findings")
    cert_cmd("issue", "issue a certificate after a passed audit", "issue --store s.jsonl --id 17")
    for name, what in (("violate", "report a protocol violation"), ("suspend", "suspend a valid certificate"),
                       ("revoke", "revoke a certificate"), ("withdraw", "record that the business withdrew")):
        c = cert_cmd(name, what, f"{name} --store s.jsonl --id 17 --reason 'no masks'")
        if name in ("violate", "withdraw"):
            c.add_argument("--reason", default="protocol violation" if name == "violate" else "",
                           help="reason" + (" (default: protocol violation)" if name == "violate" else ""))
        else:
            c.add_argument("--reason", required=True, help="reason")
        if name == "revoke":
            c.add_argument("--effective", type=_parse_instant, default=None,
                           help="in effect from (back-dated; default --at)")
    cert_cmd("reinstate", "lift a suspension", "reinstate --store s.jsonl --id 17")
    cert_cmd("renew", "renew a certificate after a passed evaluation", "renew --store s.jsonl --id 17")
    for name in ("checkin", "checkout"):
        c = cert_cmd(name, f"{'admit' if name == 'checkin' else 'let out'} visitors (the cap holds across processes)",
                     f"{name} --store s.jsonl --id 17 -n 4")
        c.add_argument("-n", type=_int_option(1, _INT32_MAX), default=1, help="visitors")
    cert_cmd("status", "certificate status, number, validity and next evaluation",
             "status --store s.jsonl --id 17 --at 2020-07-20T14:00")
    cert_cmd("history", "the business's events, in local time", "history --store s.jsonl --id 17")
    c = cert_cmd("list", "certified places (valid certificates)", "list --store s.jsonl --category warung", id=False)
    c.add_argument("--category", help="only this category")
    c.add_argument("--all", action="store_true", help="every business, whatever its status")
    c = cert_cmd("near", "certified places near a point", "near --store s.jsonl -8.2191 114.3691 --radius 2000",
                 id=False)
    c.add_argument("lat", type=float)
    c.add_argument("lon", type=float)
    c.add_argument("--radius", type=float, default=5000.0, help="metres (default 5000)")
    c.add_argument("--category", help="only this category")
    c = cert_cmd("sticker", "write the signed sticker: DIR/<id>.txt, .png and .svg (QR code)",
                 "sticker --store s.jsonl --id 17 --key keys/district.key --out stickers/")
    c.add_argument("--out", required=True, help="output folder")
    c = cert_cmd("status-list", "write the signed status list (suspended and revoked certificates)",
                 "status-list --store s.jsonl --key keys/district.key --out status.txt", id=False)
    c.add_argument("--out", required=True, help="output file")
    c = cert_cmd("keygen", "generate the district signing key: DIR/district.key (0600) and DIR/district.pub",
                 "keygen --out keys/", store=False, id=False, at=False)
    c.add_argument("--out", required=True, help="output folder (a key is never overwritten)")
    c = cert_cmd("verify", "verify a sticker offline (exit 0 genuine and valid, 1 otherwise)",
                 "verify --pub district.pub --status-list status.txt stickers/17.txt", store=False, id=False)
    c.add_argument("--pub", action="append", metavar="FILE", help="district public key (repeatable; "
                   "default SMARTKAMPUNG_PUB)")
    c.add_argument("--status-list", help="a status list file written by 'cert status-list'")
    c.add_argument("credential", metavar="TEXT_OR_FILE", help="the sticker text (SKC1:...) or a file holding it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the tool; returns the exit code (0 ok, 1 bad input, 2 usage error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (UserError, _core.Error, OSError, ImportError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"smartkampung {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        sys.stderr.close()
        return 0
