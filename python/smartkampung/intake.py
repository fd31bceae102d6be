"""Reading list fields as Indonesian offices write them: the readers every loader shares.

The registry's lists, linkage records, rule records, houses and residents all go through
the one alias table and the value readers of the core (``src/io``); this module gives the
same readers to code that reads its own tables (the CLI, a notebook).

    >>> import datetime
    >>> from smartkampung import intake
    >>> intake.header_field("Tgl. Lahir"), intake.read_sex("LK"), intake.read_bool("tidak")
    ('birth_date', 'M', False)
    >>> intake.read_dates(["29/04/85", "01/02/90"], as_of=datetime.date(2020, 5, 1))
    ([datetime.date(1985, 4, 29), datetime.date(1990, 2, 1)], 'day_first')
"""

import datetime as _dt
from typing import List, Optional, Sequence, Tuple

from . import _core

__all__ = ["header_field", "read_bool", "read_sex", "read_dates", "repair_key", "read_number", "read_coordinate"]


def header_field(header: str) -> str:
    """The field a header names in the alias table ('NIK' -> 'nik', 'No. KK' -> 'kk',
    'Tgl. Lahir' -> 'birth_date', 'L/P' -> 'sex', 'Lintang' -> 'lat'), or '' for none.
    Headers are compared after folding case, spaces, dots, underscores, slashes and dashes."""
    return _core._intake_field(header)


def read_bool(text: str) -> Optional[bool]:
    """A boolean cell: ya/tidak, y/t, yes/no, true/false, 1/0, benar/salah; None if none."""
    return _core._intake_bool(text)


def read_sex(text: str) -> Optional[str]:
    """'M' or 'F' for a sex cell (L/P, LK/PR, Laki-laki/Perempuan, Pria/Wanita, M/F, 1/2);
    None when it is neither."""
    return _core._intake_sex(text)


def read_dates(
    cells: Sequence[Optional[str]], as_of: Optional[_dt.date] = None
) -> Tuple[List[Optional[_dt.date]], str]:
    """A date column: (dates, order). Formats as in list files (YYYY-MM-DD with or without a
    time, DD-MM-YYYY, DD/MM/YY, DD.MM.YYYY, 29 Agustus 1985, 29-Apr-85, Excel serials, TTL
    "Banyuwangi, 29-04-1985"); the day/month order ('day_first', 'month_first', 'unknown')
    decided from the column's values; two-digit years on or before as_of (default today).
    A cell that is no date gives None."""
    return _core._intake_dates(list(cells), as_of)


def repair_key(text: str) -> Tuple[str, str]:
    """A NIK or KK cell undamaged by a spreadsheet: (text, repair), repair one of 'none',
    'apostrophe', 'dot_zero', 'formula_text' (="3510..."), 'digit_groups'."""
    return _core._intake_key(text)


def read_number(text: str) -> Optional[float]:
    """A number with a decimal comma or point and thousands separators ('1.500.000',
    '1,5', 'Rp 1.500.000'); None when unreadable."""
    return _core._intake_number(text)


def read_coordinate(text: str) -> Optional[float]:
    """A coordinate with either decimal mark ('-8,2191' or '-8.2191'); None when unreadable."""
    return _core._intake_coordinate(text)
