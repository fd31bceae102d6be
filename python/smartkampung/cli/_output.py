"""Tabular outputs an office can use: an .xlsx workbook (identifiers as text cells, a
header row, one sheet per table, column widths, a printable one-page summary first) or
CSV files (UTF-8 with BOM, `,` or `;`). Every file is written atomically."""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import pathlib
from dataclasses import dataclass, field
from typing import Any, Sequence

from .._files import write_atomic
from ._common import UserError
from ._i18n import t

#: Columns whose values are identifiers: always text, never a number a spreadsheet rounds.
TEXT_COLUMNS = {"nik", "kk", "id", "house", "line", "raw", "reasons", "program", "programs"}


@dataclass
class Sheet:
    """One table: a key for its translated name, column keys (headings are translated via
    'col.<key>'), and rows as dicts keyed by column key."""

    key: str
    columns: Sequence[str]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Summary:
    """The one-page summary (ringkasan): a title, (label, value) lines, the sources."""

    title: str
    items: list[tuple[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, key: str, value: Any) -> None:
        self.items.append((t(key), value))

    def text(self) -> str:
        width = max((len(label) for label, _ in self.items), default=0)
        heading = f"{t('summary')}: {self.title}"
        lines = [heading, "=" * len(heading)]
        lines += [f"{label.ljust(width)}  {_show(value)}" for label, value in self.items]
        return "\n".join(lines)


def add_output_options(p: argparse.ArgumentParser, what: str = "the results") -> None:
    p.add_argument(
        "--out",
        metavar="FILE",
        help=f"write {what} to this file: .xlsx (one sheet per table, a "
        "summary sheet first) or, with --format csv or a .csv name, CSV files",
    )
    p.add_argument(
        "--format",
        choices=["xlsx", "csv"],
        default=None,
        help="output format (default: from the --out name, .csv gives csv, else xlsx)",
    )
    p.add_argument(
        "--delimiter",
        choices=[",", ";"],
        default=",",
        help="CSV field separator (default ','; ';' for a spreadsheet set to Indonesian)",
    )


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    return "csv" if str(args.out).lower().endswith(".csv") else "xlsx"


def check_out_path(path: str | None) -> None:
    """Refuses an output path whose folder is missing before any work is done."""
    if path is None:
        return
    parent = pathlib.Path(path).parent
    if not parent.is_dir():
        raise UserError(t("out_dir_missing", path=str(parent)))
    if pathlib.Path(path).is_dir():
        raise UserError(t("not_a_file", path=path))


def write(args: argparse.Namespace, sheets: Sequence[Sheet], summary: Summary) -> list[str]:
    """Writes the sheets to args.out in the chosen format; returns the paths written."""
    check_out_path(args.out)
    if output_format(args) == "csv":
        return write_csv(args.out, sheets, summary, args.delimiter)
    return [write_xlsx(args.out, sheets, summary)]


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value)
    return str(value)


def text(key: str, value: Any) -> str:
    """A value of column `key` as CSV text."""
    return _show(_cell(key, value))


def _cell(key: str, value: Any) -> Any:
    """A value as it goes into a cell: identifiers and lists as text, numbers as numbers."""
    if value is None:
        return None
    if key in TEXT_COLUMNS or isinstance(value, (list, tuple, dict)):
        return _show(value)
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, (int, float, _dt.date)):
        return value
    return str(value)


def write_csv(path: str, sheets: Sequence[Sheet], summary: Summary, delimiter: str = ",") -> list[str]:
    """The first sheet to `path`, each other sheet to '<stem>-<sheet key>.csv' and the
    summary to '<stem>-summary.csv', all UTF-8 with BOM. The file names do not change with
    the language (a script finds them); the headings inside do."""
    target = pathlib.Path(path)
    stem = target.stem if target.suffix.lower() == ".csv" else target.name
    written = []
    for i, sheet in enumerate(sheets):
        out = target if i == 0 else target.with_name(f"{stem}-{sheet.key}.csv")
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        w.writerow([t("col." + c) for c in sheet.columns])
        for row in sheet.rows:
            w.writerow([text(c, row.get(c)) for c in sheet.columns])
        write_atomic(out, "\ufeff" + buf.getvalue())
        written.append(str(out))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow([t("col.item"), t("col.value")])
    for label, value in summary.items:
        w.writerow([label, _show(value)])
    for src in summary.sources:
        w.writerow([t("source"), src])
    out = target.with_name(f"{stem}-summary.csv")
    write_atomic(out, "\ufeff" + buf.getvalue())
    written.append(str(out))
    return written


def write_xlsx(path: str, sheets: Sequence[Sheet], summary: Summary) -> str:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise UserError(t("openpyxl_missing")) from None
    book = Workbook()
    # The summary first: what an officer prints, on one page.
    ws = book.active
    ws.title = _sheet_title(t("sheet.summary"), set())
    ws.append([summary.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for label, value in summary.items:
        v = value if isinstance(value, (int, float)) and not isinstance(value, bool) else _show(value)
        ws.append([label, v])
    ws.append([])
    for src in summary.sources:
        ws.append([t("source"), src])
    ws.column_dimensions["A"].width = min(60, max([len(lbl) for lbl, _ in summary.items] + [12]) + 2)
    ws.column_dimensions["B"].width = min(
        80, max([len(_show(v)) for _, v in summary.items] + [len(s) for s in summary.sources] + [12]) + 2
    )
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    used = {ws.title}
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(t("sheet." + sheet.key), used))
        used.add(ws.title)
        headings = [t("col." + c) for c in sheet.columns]
        ws.append(headings)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="top")
        widths = [len(h) for h in headings]
        for row in sheet.rows:
            values = [_cell(c, row.get(c)) for c in sheet.columns]
            ws.append(values)
            for j, v in enumerate(values):
                if v is not None:
                    widths[j] = max(widths[j], len(str(v)))
        for j, c in enumerate(sheet.columns):
            letter = get_column_letter(j + 1)
            ws.column_dimensions[letter].width = min(60, widths[j] + 2)
            if c in TEXT_COLUMNS:
                # Text format on the cells: a spreadsheet keeps the 16 digits of a NIK as typed
                for (cell,) in ws.iter_rows(min_row=2, min_col=j + 1, max_col=j + 1):
                    cell.number_format = "@"
        ws.freeze_panes = "A2"
        if sheet.rows:
            ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    book.save(buf)
    write_atomic(path, buf.getvalue())
    return str(path)


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        title = f"{base[:28]} {n}"
        n += 1
    return title
