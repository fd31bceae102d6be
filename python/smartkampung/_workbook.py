"""Reading a workbook sheet (.xlsx) as rows of text for the core's intake.

openpyxl is an optional dependency (the ``cli`` extra brings it); ``import smartkampung``
does not need it. A number cell of 15 digits or more in any column is given as
scientific notation text: Excel keeps 15 significant digits, so a NIK stored as a
number has lost its last digit, and the core reports it as ``scientific_notation``
instead of taking a wrong NIK as valid.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any


def _split(path: str) -> tuple[str, str | None]:
    lower = path.lower()
    at = lower.rfind(".xlsx#")
    if at < 0:
        return path, None
    return path[: at + 5], path[at + 6 :] or None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if abs(value) >= 1e15:
            return f"{float(value):.14E}"  # digits past the 15th are gone: say so
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return str(value).strip()


def read_sheet(path: str) -> tuple[list[str], list[str], list[int]]:
    """(header, cells row by row, sheet row number of each row) of the first sheet, or
    of the sheet named after '#'. The header is the first row with any value."""
    try:
        import openpyxl  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise ImportError(
            f"{path}: reading .xlsx needs openpyxl (pip install 'smartkampung[cli]' or pip install openpyxl)"
        ) from None
    from . import Error  # noqa: PLC0415

    file, sheet = _split(path)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except FileNotFoundError:
        raise Error(f"{file}: no such file") from None
    except Exception as e:  # a damaged or foreign file
        raise Error(f"{file}: not a readable .xlsx workbook ({type(e).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise Error(f"{file}: no sheet named '{sheet}' (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        header: list[str] | None = None
        cells: list[str] = []
        lines: list[int] = []
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            texts = [_text(v) for v in row]
            if header is None:
                if any(texts):
                    while texts and not texts[-1]:
                        texts.pop()
                    header = texts
                continue
            if not any(texts):
                continue
            texts = (texts + [""] * len(header))[: len(header)]
            cells.extend(texts)
            lines.append(number)
        if header is None:
            raise Error(f"{path}: the sheet is empty (a header row is needed)")
        return header, cells, lines
    finally:
        book.close()
