"""Result tables: every tabular result of smartkampung, in Arrow's layout.

A :class:`Table` hands itself to pyarrow, polars, DuckDB or pandas without JSON and,
where the layouts agree, without copies (the Arrow PyCapsule protocol,
``__arrow_c_stream__``), and still iterates as rows (tuples) as the lists it replaced did.
pandas, pyarrow and polars are optional: each ``to_*`` method imports its library when
called. Column names are stable; they are listed in docs/arrow.md.

    >>> import smartkampung as sk
    >>> reg = sk.Registry()
    >>> _ = reg.add_records([{"nik": "3510014501900001", "name": "Siti"}] * 2, program="PKH")
    >>> dups = reg.dedup().duplicates
    >>> dups.columns, list(dups)
    (['program', 'nik', 'count'], [('PKH', '3510014501900001', 2)])
"""

from __future__ import annotations

import html as _html
from typing import Any, Dict, Iterator, List, Optional, Sequence

import numpy as _np

__all__ = ["Table", "MappingTable", "DecisionTable", "NearestTable", "AssignmentTable"]


class Row(tuple):
    """One row of a Table: a tuple that also answers ``row["column"]`` and ``row.column``."""

    __slots__ = ()
    _fields: Sequence[str] = ()

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._fields.index(key))
            except ValueError:
                raise KeyError(key) from None
        return tuple.__getitem__(self, key)

    def __getattr__(self, name: str) -> Any:
        try:
            return tuple.__getitem__(self, self._fields.index(name))
        except ValueError:
            raise AttributeError(name) from None

    def keys(self) -> List[str]:
        """The column names of the row."""
        return list(self._fields)

    def items(self) -> List[tuple]:
        """(column, value) pairs, as a dict's items()."""
        return list(zip(self._fields, self))

    def get(self, key: str, default: Any = None) -> Any:
        """The value of a column, or ``default`` when there is no such column."""
        return self[key] if key in self._fields else default

    def _asdict(self) -> Dict[str, Any]:
        return dict(zip(self._fields, self))


def _pyarrow():
    try:
        import pyarrow

        return pyarrow
    except ImportError:
        return None


class Table:
    """A result table (Arrow columns). ``len(t)`` rows; ``t.columns`` names; iterating gives
    rows as tuples (a table of one column gives its values); ``t[i]`` a row, ``t["name"]`` a
    column as a numpy array; ``to_pandas()``, ``to_arrow()``, ``to_polars()``,
    ``to_pylist()``; and ``__arrow_c_stream__`` for any Arrow consumer
    (``pyarrow.table(t)``, ``polars.DataFrame(t)``, ``duckdb.sql("select * from t")``)."""

    def __init__(self, core: Any, row_columns: Optional[Sequence[str]] = None, title: str = ""):
        self._core = core
        self._row_columns = list(row_columns) if row_columns is not None else None
        self._rows: Optional[list] = None
        self._title = title

    # --- shape ------------------------------------------------------------------------
    @property
    def columns(self) -> List[str]:
        """Column names, in order."""
        return list(self._core.column_names)

    def __len__(self) -> int:
        return int(self._core.num_rows)

    @property
    def num_rows(self) -> int:
        """Rows in the table."""
        return len(self)

    # --- the Arrow PyCapsule protocol ---------------------------------------------------
    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The table as an Arrow C stream (a PyCapsule), for any Arrow consumer."""
        return self._core.__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self) -> Any:
        """The table's schema as an Arrow C schema (a PyCapsule)."""
        return self._core.__arrow_c_schema__()

    # --- rows ---------------------------------------------------------------------------
    def _row_list(self) -> list:
        if self._rows is None:
            names = self._row_columns or self.columns
            raw = self._core._rows(names)
            if len(names) == 1:
                self._rows = [r[0] for r in raw]
            else:
                row_type = type("Row", (Row,), {"__slots__": (), "_fields": tuple(names)})
                self._rows = [row_type(r) for r in raw]
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._row_list())

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self.column(key)
        return self._row_list()[key]

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Table):
            return self.columns == other.columns and self._row_list() == other._row_list()
        if isinstance(other, (list, tuple)):
            return self._row_list() == list(other)
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return len(self) > 0

    def rows(self) -> list:
        """Every row as a tuple (that also answers ``row["column"]``), as iterating gives them."""
        return list(self._row_list())

    def to_pylist(self) -> List[Dict[str, Any]]:
        """Every row as a dict of all columns (None for nulls; dates as datetime.date)."""
        names = self.columns
        return [dict(zip(names, r)) for r in self._core._rows(names)]

    def column(self, name: str) -> _np.ndarray:
        """A column as a numpy array: integers and floats without a copy (nullable ones as
        float with NaN, or object with None for ints), dates as datetime64[D], instants as
        datetime64[s], text and lists as object arrays (None for nulls)."""
        kind, values, mask, categories = self._core._column(name)
        if kind == "dictionary":
            cats = _np.array(list(categories) + [None], dtype=object)
            return cats[values]  # -1 (null) picks the trailing None
        if kind == "date":
            out = values.astype("datetime64[D]")
        elif kind == "timestamp":
            out = values.astype("datetime64[s]")
        else:
            out = values
        if mask is None:
            return out
        if kind in ("date", "timestamp"):
            out = out.copy()
            out[~mask] = _np.datetime64("NaT")
            return out
        if kind == "float":
            out = out.copy()
            out[~mask] = _np.nan
            return out
        obj = out.astype(object)
        obj[~mask] = None
        return obj

    # --- conversions --------------------------------------------------------------------
    def to_arrow(self) -> Any:
        """A pyarrow.Table sharing this table's buffers (pyarrow needed)."""
        pa = _pyarrow()
        if pa is None:
            raise ImportError("to_arrow() needs pyarrow (pip install pyarrow)")
        return pa.table(self)

    def to_polars(self) -> Any:
        """A polars.DataFrame of this table (polars needed)."""
        import polars as pl

        return pl.DataFrame(self)

    def to_pandas(self) -> Any:
        """A pandas.DataFrame: through pyarrow when it is installed (as
        ``pyarrow.Table.to_pandas()`` gives it), else built from numpy columns: integers
        (Int64 when they hold nulls), floats, booleans (boolean when nullable), dictionary
        columns as Categoricals, dates as datetime.date objects, text as object."""
        import pandas as pd

        pa = _pyarrow()
        if pa is not None:
            return self.to_arrow().to_pandas()
        data = {}
        for name in self.columns:
            kind, values, mask, categories = self._core._column(name)
            if kind == "dictionary":
                data[name] = pd.Categorical.from_codes(values, categories=list(categories))
            elif kind == "int":
                data[name] = values if mask is None else pd.array(values, dtype="Int64").copy()
                if mask is not None:
                    data[name][~mask] = pd.NA
            elif kind == "bool":
                data[name] = values if mask is None else pd.arrays.BooleanArray(values, ~mask)
            elif kind == "float":
                data[name] = self.column(name)
            elif kind == "date":
                data[name] = self.column(name).astype(object)  # datetime.date, None for NaT
            elif kind == "timestamp":
                data[name] = pd.to_datetime(self.column(name)).tz_localize("UTC")
            else:
                data[name] = values
        return pd.DataFrame(data, columns=self.columns)

    # --- display ------------------------------------------------------------------------
    def __repr__(self) -> str:
        title = f"{self._title} " if self._title else ""
        return (
            f"<{type(self).__name__} {title}{len(self)} rows x {len(self.columns)} columns: {', '.join(self.columns)}>"
        )

    def _repr_html_(self, max_rows: int = 10) -> str:
        names = self.columns
        head = self._core._rows(names)[:max_rows] if len(self) else []
        cells = "".join(f"<th>{_html.escape(n)}</th>" for n in names)
        body = "".join(
            "<tr>" + "".join(f"<td>{_html.escape('' if v is None else str(v))}</td>" for v in r) + "</tr>" for r in head
        )
        more = f"<p>... {len(self) - max_rows} more rows</p>" if len(self) > max_rows else ""
        title = _html.escape(self._title or type(self).__name__)
        return (
            f"<div><p><b>{title}</b>: {len(self)} rows</p><table><thead><tr>{cells}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}</div>"
        )


class MappingTable(Table):
    """A table keyed by its first column (as the dict it replaced: ``overlaps[nik]`` gives
    the second column's value, ``items()`` the pairs)."""

    def _mapping(self) -> Dict[Any, Any]:
        names = self.columns
        return {r[0]: r[1] for r in self._core._rows(names[:2])}

    def keys(self):
        """The first column's values."""
        return self._mapping().keys()

    def values(self):
        """The second column's values."""
        return self._mapping().values()

    def items(self):
        """(first column, second column) pairs."""
        return self._mapping().items()

    def get(self, key: Any, default: Any = None) -> Any:
        """The second column's value for a key, or ``default``."""
        return self._mapping().get(key, default)

    def __contains__(self, key: Any) -> bool:
        return key in self._mapping()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str) and key in self.columns:
            return self.column(key)
        if isinstance(key, str):
            return self._mapping()[key]
        return super().__getitem__(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._mapping())

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, dict):
            return self._mapping() == other
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]


_VERDICTS = {"eligible": 0, "ineligible": 1, "needs_data": 2, "error": 3}


class DecisionTable(Table):
    """The decisions of ``RuleSet.evaluate_batch``: columns ``decision`` (eligible,
    ineligible, needs_data, error), ``amount``, ``priority``, ``reason`` (the first reason
    code; None when eligible) and ``reasons`` (every failing rule's code). The attributes
    ``decisions``, ``amounts`` and ``reasons`` give the numpy arrays of the earlier result
    (int8 codes, int64 amounts, the first reason code as str, '' when eligible); the
    column ``t["reasons"]`` holds every reason."""

    def _arrays(self) -> tuple:
        cached = getattr(self, "_cached_arrays", None)
        if cached is None:
            _, codes, _, categories = self._core._column("decision")
            lookup = _np.array([_VERDICTS[c] for c in categories], dtype=_np.int8)
            decisions = lookup[codes] if len(codes) else _np.zeros(0, dtype=_np.int8)
            amounts = _np.array(self._core._column("amount")[1], dtype=_np.int64)  # a writeable copy
            _, codes, _, categories = self._core._column("reason")
            names = list(categories) + [""]
            width = max([1] + [len(names[k]) for k in _np.unique(codes)])  # as wide as the codes that occur
            reasons = _np.array(names, dtype=f"<U{width}")[codes] if len(codes) else _np.zeros(0, "<U1")
            cached = self._cached_arrays = (decisions, amounts, reasons)
        return cached

    @property
    def decisions(self) -> _np.ndarray:
        """int8 codes: 0 eligible, 1 ineligible, 2 needs_data, 3 error (one array, kept)."""
        return self._arrays()[0]

    @property
    def amounts(self) -> _np.ndarray:
        """int64 amounts (rupiah; 0 unless eligible)."""
        return self._arrays()[1]

    @property
    def reasons(self) -> _np.ndarray:
        """The first reason code of each row as a numpy str array ('' when eligible)."""
        return self._arrays()[2]


class NearestTable(Table):
    """The answers of ``FacilityIndex.nearest_batch``: columns ``query`` (the point's
    index), ``rank`` (0 for the nearest), ``id`` and ``distance_m``, one row per answer
    (missing answers left out), as the C stream gives them.

    It still unpacks as the pair of numpy arrays it was, ``ids, dists = idx.nearest_batch(...)``:
    ``ids`` and ``distances`` are (n, k) arrays (id -1 and distance inf where fewer qualify),
    also ``t[0]`` and ``t[1]``. So iterating gives those two arrays, not rows; the rows are
    ``t.rows()``, ``to_pylist()`` or any of the conversions."""

    def __init__(self, core: Any, ids: Any = None, distances: Any = None, **options: Any):
        super().__init__(core, **options)
        self._ids = ids
        self._distances = distances

    @property
    def ids(self) -> _np.ndarray:
        """int64 array (n, k): the ids of each point's answers, nearest first (-1: none)."""
        return self._ids

    @property
    def distances(self) -> _np.ndarray:
        """float64 array (n, k): the distances in metres (inf where no answer)."""
        return self._distances

    def __iter__(self) -> Iterator[Any]:
        return iter((self._ids, self._distances))

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self.column(key)
        return (self._ids, self._distances)[key]


class AssignmentTable(Table):
    """The placement of ``FacilityIndex.assign``: columns ``resident`` (the resident's
    index), ``house`` and ``distance_m`` (both null when unplaced), one row per resident,
    and the attributes ``total_m``, ``max_m``, ``placed``, ``unplaced`` and ``houses``
    (numpy int64, -1 unplaced).

    It still behaves as the array of house ids it was: iterating gives the house of each
    resident (-1 unplaced), ``t[i]``, ``t[mask]``, ``len(t)``, ``t.tolist()``, ``t.dtype``,
    ``t.shape``, comparisons (``t >= 0``) and ``numpy.asarray(t)`` answer as the array;
    ``t["house"]`` is the column, the rows are ``t.rows()``."""

    def __init__(
        self,
        core: Any,
        houses: Any = None,
        total_m: float = 0.0,
        max_m: float = 0.0,
        placed: int = 0,
        unplaced: int = 0,
        **options: Any,
    ):
        super().__init__(core, **options)
        self.houses: _np.ndarray = houses
        self.total_m = total_m
        self.max_m = max_m
        self.placed = placed
        self.unplaced = unplaced

    # --- the array it was -------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> _np.ndarray:
        return self.houses if dtype is None else self.houses.astype(dtype)

    @property
    def dtype(self) -> Any:
        """int64, as the array of house ids."""
        return self.houses.dtype

    @property
    def shape(self) -> tuple:
        """(residents,), as the array of house ids."""
        return self.houses.shape

    def tolist(self) -> List[int]:
        """The house of each resident (-1 unplaced) as a list."""
        return self.houses.tolist()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.houses)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self.column(key)
        return self.houses[key]

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if isinstance(other, Table):
            return super().__eq__(other)
        return self.houses == other  # elementwise, as the array did

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq if isinstance(eq, _np.ndarray) else not eq

    def __lt__(self, other: Any) -> Any:
        return self.houses < other

    def __le__(self, other: Any) -> Any:
        return self.houses <= other

    def __gt__(self, other: Any) -> Any:
        return self.houses > other

    def __ge__(self, other: Any) -> Any:
        return self.houses >= other

    __hash__ = None  # type: ignore[assignment]
