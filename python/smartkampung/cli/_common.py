"""What the subcommands share: the two kinds of user error, argument types, reading the
officer's own tables (CSV or .xlsx, with line numbers), progress on a terminal, printing."""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import os
import pathlib
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from ._i18n import t

WIB = _dt.timezone(_dt.timedelta(hours=7), "WIB")

#: Python's csv module refuses a field longer than this; the file is then refused with its line.
CSV_FIELD_LIMIT = 131072
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


class UserError(Exception):
    """Bad input (a file, a row, a value): one line on stderr, exit code 1. The message
    names file, line and field, never a cell's content (it may be a NIK or a name)."""


class UsageError(Exception):
    """The command line itself is wrong or incomplete: one line on stderr, exit code 2."""


# ---------------------------------------------------------------------------- argument types


def parse_date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        # the text is not repeated: it may be anything, an identity number included (issue 16)
        raise argparse.ArgumentTypeError("not a date of the form YYYY-MM-DD") from None


def parse_instant(text: str) -> _dt.datetime:
    """ISO date-time; without a zone it is read as WIB (Asia/Jakarta)."""
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a date-time of the form YYYY-MM-DDTHH:MM[+07:00]") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)


def int_option(lo: int, hi: int | None = None, what: str = "a whole number") -> Callable[[str], int]:
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


def coordinate(limit: float, what: str) -> Callable[[str], float]:
    """An argparse type: a finite latitude (limit 90) or longitude (limit 180)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {what}") from None
        if not (-limit <= value <= limit):  # also NaN
            raise argparse.ArgumentTypeError(f"a {what} must lie in [-{limit:g}, {limit:g}]")
        return value

    parse.__name__ = what
    return parse


def now() -> _dt.datetime:
    return _dt.datetime.now(WIB)


# ---------------------------------------------------------------------------- files


def existing_file(path: str) -> str:
    p = pathlib.Path(path)
    if not p.exists():
        raise UserError(t("no_such_file", path=path))
    if not p.is_file():
        raise UserError(t("not_a_file", path=path))
    if not os.access(p, os.R_OK):
        raise UserError(t("not_readable", path=path))
    return str(p)


def read_utf8(path: str) -> str:
    """A small text file (JSON, keys, credentials) as UTF-8; any other encoding is refused
    naming the byte, never decoded into something else."""
    raw = pathlib.Path(existing_file(path)).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(t("not_utf8", path=path, pos=e.start)) from None


def read_json(path: str) -> Any:
    text = read_utf8(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(t("bad_json", path=path, line=e.lineno, msg=e.msg)) from None


@dataclass
class InputTable:
    """An officer's table: lower-cased headers and its rows with their line numbers (the
    spreadsheet's row number for a workbook). Rows with the wrong number of fields are kept
    aside in `bad` as (line, message): the caller reports them and goes on."""

    path: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    bad: list[tuple[int, str]] = field(default_factory=list)

    def column(self, *names: str) -> str | None:
        """The first of `names` that is a column of the table."""
        for n in names:
            if n in self.header:
                return n
        return None

    def find(self, kind: str) -> str | None:
        """The column holding `kind` (nik, kk, name, lat, lon, ...): by the intake's alias
        table (the core's, shared by every loader), or by the CLI's own extra headers."""
        from .. import intake

        for h in self.header:
            if intake.header_field(h) == kind or _fold(h) in EXTRA_ALIASES.get(kind, {kind}):
                return h
        return None

    def require(self, *names: str) -> str:
        col = self.column(*names)
        if col is None:
            if len(names) == 1:
                raise UserError(t("missing_column", path=self.path, column=names[0]))
            raise UserError(t("missing_columns_any", path=self.path, columns=" / ".join(names)))
        return col


#: Headers of columns that only the CLI reads (folded: lower case, letters and digits
#: only), besides the intake's alias table in the core (smartkampung.intake.header_field),
#: which every loader shares for nik, kk, name, birth_date, sex, lat, lon, id, ...
EXTRA_ALIASES = {
    "nik": {"noinduk", "nomorinduk"},  # too loose for the lists' table (a school or staff number)
    "name": {"headname", "kkheadname"},
    "program": {"program", "programme", "programs", "bantuan", "jenisbantuan"},
    "at": {"at", "time", "waktu", "tanggal", "tanggallapor", "tglemail", "date", "reportedat", "timestamp"},
}


def _fold(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


def read_table(path: str) -> InputTable:
    """Reads a CSV (UTF-8 with or without BOM, else Windows-1252; `,` or `;`) or an .xlsx
    workbook ('file.xlsx#Sheet' for another sheet than the first)."""
    base = path.split(".xlsx#")[0] + ".xlsx" if ".xlsx#" in path.lower() else path
    existing_file(base)
    if base.lower().endswith(".xlsx"):
        return _read_workbook(path)
    raw = pathlib.Path(base).read_bytes()
    if b"\x00" in raw[:4096] or raw[:4] == b"PK\x03\x04":
        raise UserError(t("binary_file", path=path))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves five bytes undefined
        raise UserError(t("not_utf8", path=path, pos=0))
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    bad: list[tuple[int, str]] = []
    try:
        for row in reader:
            line = reader.line_num
            if header is None:
                if any(cell.strip() for cell in row):
                    header = [h.strip().lower() for h in row]
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                bad.append((line, t("bad_field_count", path=path, line=line, expected=len(header), found=len(row))))
                continue
            rows.append((line, {h: cell.strip() for h, cell in zip(header, row)}))
    except csv.Error:
        # csv's own message is about the field limit or a NUL byte; say it with the line
        raise UserError(t("field_too_long", path=path, line=reader.line_num, limit=f"{CSV_FIELD_LIMIT:,}")) from None
    if header is None:
        raise UserError(t("empty_file", path=path))
    return InputTable(path, header, rows, bad)


def _read_workbook(path: str) -> InputTable:
    from .. import _workbook
    import smartkampung as sk

    try:
        header, cells, lines = _workbook.read_sheet(path)
    except sk.Error as e:
        raise UserError(str(e)) from None
    header = [h.strip().lower() for h in header]
    width = len(header)
    rows = [(line, dict(zip(header, cells[i * width : (i + 1) * width]))) for i, line in enumerate(lines)]
    return InputTable(path, header, rows)


def number_field(table: InputTable, line: int, row: dict[str, str], name: str) -> float:
    """A coordinate or other decimal cell, either decimal mark, through the intake's reader."""
    from .. import intake

    value = intake.read_coordinate(row[name])
    if value is None:
        raise UserError(t("not_a_number", path=table.path, line=line, field=name)) from None
    return value


# ---------------------------------------------------------------------------- terminal


def warn(message: str) -> None:
    """A warning on stderr: the run goes on."""
    print(f"smartkampung: {t('warning')}: {message}", file=sys.stderr)


#: Bad rows printed one by one on stderr; past this many only their count (all are in the output).
MAX_WARNINGS = 20


def warn_row(count: int, message: str) -> None:
    """The warning of the count-th bad row of a run."""
    if count <= MAX_WARNINGS:
        warn(message)


def rows_failed(count: int) -> None:
    """At the end of a run: how many bad rows were not printed."""
    if count > MAX_WARNINGS:
        warn(t("rows_failed_more", n=count - MAX_WARNINGS))


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    elif text:
        print(text)


def text_table(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> str:
    rows = [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


class Progress:
    """A progress bar on stderr for work that takes over a second, only when stderr is a
    terminal (a pipe or a log file gets nothing)."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.start = label, max(total, 1), time.monotonic()
        self.enabled = sys.stderr.isatty()
        # the second of patience before a bar shows; settable so that a test need not wait
        self.delay = float(os.environ.get("SMARTKAMPUNG_PROGRESS_DELAY", "1.0"))
        self.shown = False
        self._last = 0.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        moment = time.monotonic()
        if moment - self.start < self.delay or moment - self._last < 0.1:
            return
        self._last, self.shown = moment, True
        pct = min(100, 100 * done // self.total)
        print(
            f"\r{self.label} [{'#' * (pct // 5):<20}] {pct:3d}% ({done}/{self.total})",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Busy:
    """For one long call into the library that cannot count its steps (dedup --fuzzy): the
    elapsed time on stderr, from a thread, while the call runs with the GIL released. Only
    on a terminal, and only past the delay."""

    def __init__(self, label: str):
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.delay = float(os.environ.get("SMARTKAMPUNG_PROGRESS_DELAY", "1.0"))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.shown = False

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.wait(0.25):
            elapsed = time.monotonic() - start
            if elapsed >= self.delay:
                self.shown = True
                print(f"\r{self.label} ... {elapsed:.0f} s", end="", file=sys.stderr, flush=True)

    def __enter__(self) -> "Busy":
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            if self.shown:
                print("\r\033[K", end="", file=sys.stderr, flush=True)


def public_keys(args: argparse.Namespace) -> list[Any]:
    """The district public keys to verify with: every --pub, else SMARTKAMPUNG_PUB (paths
    separated by the path separator, for rotation)."""
    import smartkampung as sk

    paths = list(getattr(args, "pub", None) or [])
    if not paths and os.environ.get("SMARTKAMPUNG_PUB"):
        paths = [p for p in os.environ["SMARTKAMPUNG_PUB"].split(os.pathsep) if p]
    return [sk.PublicKey.load(existing_file(p)) for p in paths]
