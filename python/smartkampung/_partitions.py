"""The work smartkampung.dask and smartkampung.spark run on one partition: pandas frames
in, pandas frames out, each step calling the C++ core on the whole partition (the GIL
released inside). Shared by both engines so that they compute the same thing.

A *canonical* partition holds, per record, the columns linkage reads (as text, ``''``
missing, after the intake sk.link applies), its position in the whole list (``ROW``) and
its blocking keys (``key(r)``, int64 views of the core's 64-bit keys, 0 for none).
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from . import _core

ROW = "_sk_row"
COMP = "_sk_comp"
EDGE_COLUMNS = ["i", "j", "weight", "probability"]
CHUNK_ROWS = 1 << 15  # sk.link reads a DataFrame in chunks of this many rows


def key(rule: int) -> str:
    """The column of a canonical partition holding blocking rule ``rule``'s keys."""
    return f"_sk_k{rule}"


def today_in_jakarta() -> datetime.date:
    """What the core takes for a missing ``as_of``: fixed once on the client, so that every
    worker reads two-digit years alike even across midnight."""
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))
    return now.date()


# ---- linkage -------------------------------------------------------------------------


def birth_votes(parts: Any, frame: Any, first_row: int) -> np.ndarray:
    """Birth-date votes of a partition per chunk of CHUNK_ROWS rows: int64 (chunk, day_first_only,
    month_first_only, ambiguous) rows."""
    if len(frame) == 0:
        return np.zeros((0, 4), dtype=np.int64)
    return parts.birth_votes(frame, np.arange(first_row, first_row + len(frame), dtype=np.int64))


def decide_birth_order(votes: Iterable[np.ndarray]) -> Tuple[str, int]:
    """The order sk.link decides for a whole list: that of the first chunk whose votes
    decide one, applied from that chunk on (``('unknown', 0)`` when none does)."""
    stacked = [v for v in votes if len(v)]
    if not stacked:
        return "unknown", 0
    table = np.concatenate(stacked)
    for chunk in np.unique(table[:, 0]):
        d, m, a = table[table[:, 0] == chunk, 1:].sum(axis=0)
        order = _core._decide_date_order(int(d), int(m), int(a))
        if order != "unknown":
            return order, int(chunk) * CHUNK_ROWS
    return "unknown", 0


def canonical_meta(parts: Any) -> Any:
    """An empty canonical partition (the schema)."""
    import pandas as pd

    data: Dict[str, Any] = {c: pd.Series([], dtype=object) for c in parts.columns}
    data[ROW] = pd.Series([], dtype=np.int64)
    for r in range(parts.rule_count):
        data[key(r)] = pd.Series([], dtype=np.int64)
    return pd.DataFrame(data)


def _canonical_frame(parts: Any, frame: Any, rows: Any) -> Any:
    """The core's canonical columns and blocking keys of `frame`, whose records are `rows`."""
    import pandas as pd

    columns, keys = parts.canonical(frame, rows)
    data: Dict[str, Any] = {c: np.array(columns[c], dtype=object) for c in parts.columns}
    data[ROW] = rows
    signed = keys.view(np.int64)
    for r in range(parts.rule_count):
        data[key(r)] = signed[:, r].copy()
    return pd.DataFrame(data)


def canonical(parts: Any, frame: Any, first_row: int) -> Any:
    """A partition of records (rows ``first_row`` onwards of the whole list) as a canonical
    partition."""
    if len(frame) == 0:
        return canonical_meta(parts)
    return _canonical_frame(parts, frame, np.arange(first_row, first_row + len(frame), dtype=np.int64))


def canonical_with_rows(parts: Any, frame: Any) -> Any:
    """canonical() of a partition that carries its rows in column ROW (Spark)."""
    if len(frame) == 0:
        return canonical_meta(parts)
    return _canonical_frame(parts, frame.drop(columns=[ROW]), frame[ROW].to_numpy(dtype=np.int64))


def term_counts(parts: Any, canon: Any) -> Any:
    """A canonical partition's term-frequency counts: frame (field, hash, count), hash as int64."""
    import pandas as pd

    fields, hashes, counts = [], [], []
    if len(canon):
        for f, (h, c) in enumerate(parts.term_counts(canon)):
            fields.append(np.full(len(h), f, dtype=np.int32))
            hashes.append(h.view(np.int64))
            counts.append(c.view(np.int64))
    if not fields:
        return pd.DataFrame(
            {"field": np.zeros(0, np.int32), "hash": np.zeros(0, np.int64), "count": np.zeros(0, np.int64)}
        )
    return pd.DataFrame(
        {"field": np.concatenate(fields), "hash": np.concatenate(hashes), "count": np.concatenate(counts)}
    )


def term_counts_list(parts: Any, summed: Any) -> List[Tuple[np.ndarray, np.ndarray]]:
    """The summed (field, hash, count) frame as LinkParts.set_term_counts takes it."""
    out = []
    n_fields = len(parts.settings["fields"])
    for f in range(n_fields):
        sub = summed[summed["field"] == f].sort_values("hash")
        out.append(
            (
                sub["hash"].to_numpy(dtype=np.int64).view(np.uint64),
                sub["count"].to_numpy(dtype=np.int64).view(np.uint64),
            )
        )
    return out


def clear_keys(canon: Any, oversized: Dict[int, np.ndarray]) -> Any:
    """Keys of blocks over max_block_size set to 0 (sk.link skips those blocks)."""
    if not any(len(v) for v in oversized.values()):
        return canon
    canon = canon.copy()
    for r, big in oversized.items():
        if len(big):
            col = canon[key(r)].to_numpy(dtype=np.int64)
            canon[key(r)] = np.where(np.isin(col, big), 0, col)
    return canon


def edges_meta() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "i": np.zeros(0, np.int64),
            "j": np.zeros(0, np.int64),
            "weight": np.zeros(0, np.float64),
            "probability": np.zeros(0, np.float64),
        }
    )


def score(parts: Any, canon: Any, rule: int) -> Any:
    """Kept pairs of blocking rule ``rule`` in a partition holding whole blocks of it."""
    import pandas as pd

    if len(canon) < 2:
        return edges_meta()
    keys = np.stack([canon[key(r)].to_numpy(dtype=np.int64) for r in range(parts.rule_count)], axis=1)
    i, j, w, p, _ = parts.score_blocks(
        canon, canon[ROW].to_numpy(dtype=np.int64), np.ascontiguousarray(keys).view(np.uint64), rule
    )
    return pd.DataFrame({"i": i, "j": j, "weight": w, "probability": p})


def union_meta(parts: Any) -> Any:
    """Records and edges of components in one frame (so that one shuffle on COMP brings both
    together): records have i = j = -1, edges ROW = -1 and '' in the record columns."""
    import pandas as pd

    data: Dict[str, Any] = {c: pd.Series([], dtype=object) for c in parts.columns}
    data[ROW] = pd.Series([], dtype=np.int64)
    data[COMP] = pd.Series([], dtype=np.int64)
    for c, dt in zip(EDGE_COLUMNS, (np.int64, np.int64, np.float64, np.float64)):
        data[c] = pd.Series([], dtype=dt)
    return pd.DataFrame(data)


def union_records(parts: Any, recs: Any) -> Any:
    """Canonical records with their component (COMP) as union rows."""
    import pandas as pd

    n = len(recs)
    data = {c: recs[c].to_numpy(dtype=object) for c in parts.columns}
    data[ROW] = recs[ROW].to_numpy(dtype=np.int64)
    data[COMP] = recs[COMP].to_numpy(dtype=np.int64)
    data["i"] = np.full(n, -1, np.int64)
    data["j"] = np.full(n, -1, np.int64)
    data["weight"] = np.full(n, np.nan)
    data["probability"] = np.full(n, np.nan)
    return pd.DataFrame(data)


def union_edges(parts: Any, edges: Any) -> Any:
    """Edges with their component (COMP) as union rows."""
    import pandas as pd

    n = len(edges)
    data: Dict[str, Any] = {c: np.full(n, "", dtype=object) for c in parts.columns}
    data[ROW] = np.full(n, -1, np.int64)
    data[COMP] = edges[COMP].to_numpy(dtype=np.int64)
    for c in EDGE_COLUMNS:
        data[c] = edges[c].to_numpy()
    return pd.DataFrame(data)


def clusters_meta() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {ROW: np.zeros(0, np.int64), "cluster_id": np.zeros(0, np.int64), "refused": np.zeros(0, np.int64)}
    )


def cluster(parts: Any, union: Any) -> Any:
    """Cluster ids of the records of a partition holding whole components (union rows).
    ``refused`` is the partition's refused merges on its first row (0 on the others)."""
    import pandas as pd

    recs = union[union[ROW] >= 0]
    edges = union[union[ROW] < 0]
    if len(recs) == 0:
        return clusters_meta()
    rows = recs[ROW].to_numpy(dtype=np.int64)
    ids, refused = parts.cluster(
        recs,
        rows,
        edges["i"].to_numpy(dtype=np.int64),
        edges["j"].to_numpy(dtype=np.int64),
        edges["weight"].to_numpy(dtype=np.float64),
        edges["probability"].to_numpy(dtype=np.float64),
    )
    extra = np.zeros(len(rows), np.int64)
    extra[0] = refused
    return pd.DataFrame({ROW: rows, "cluster_id": ids, "refused": extra})


# ---- dedup ---------------------------------------------------------------------------


def dedup_keys(frame: Any, columns: Optional[dict], as_of: datetime.date) -> Tuple[Any, np.ndarray]:
    """A list partition's NIK and KK keys (int64 columns ``_sk_nik``, ``_sk_kk``; 0 for
    none) beside its own columns, and its birth-date votes (3 counts)."""
    if len(frame) == 0:
        out = frame.copy()
        out["_sk_nik"] = np.zeros(0, np.int64)
        out["_sk_kk"] = np.zeros(0, np.int64)
        return out, np.zeros(3, np.int64)
    nik, kk, votes = _core._dedup_list_keys(frame, columns, as_of)
    out = frame.copy()
    out["_sk_nik"] = nik.view(np.int64)
    out["_sk_kk"] = kk.view(np.int64)
    return out, np.array(votes, dtype=np.int64)


def decide_list_order(votes: Iterable[np.ndarray]) -> str:
    """The birth-date order a whole list's summed votes decide."""
    total = np.zeros(3, np.int64)
    for v in votes:
        total += np.asarray(v, dtype=np.int64)
    return _core._decide_date_order(int(total[0]), int(total[1]), int(total[2]))


def dedup_share(
    shares: Sequence[Tuple[str, str, Any]],
    orders: Dict[str, str],
    columns: Optional[dict],
    as_of: datetime.date,
    exclusions: Optional[list],
) -> Any:
    """The DedupReport of one share: (program, level, frame) in the order of the whole
    registry's lists, each read in its whole list's birth-date order."""
    reg = _core.Registry(as_of=as_of)
    for program, level, frame in shares:
        if len(frame):
            body = frame.drop(columns=[c for c in ("_sk_nik", "_sk_kk", "_sk_part") if c in frame.columns])
            _core._registry_add_records(reg, body, program, level, columns, orders.get(program, "unknown"))
    if exclusions:
        reg.set_exclusions(exclusions)
    return reg.dedup()


def household_frame(keys: Any) -> Any:
    """The records a KK share needs: the valid NIK and KK of each keyed row with a KK."""
    import pandas as pd

    sel = keys[(keys["_sk_nik"] != 0) & (keys["_sk_kk"] != 0)]
    nik = sel["_sk_nik"].to_numpy(dtype=np.int64)
    kk = sel["_sk_kk"].to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "nik": np.array([f"{v:016d}" for v in nik], dtype=object),
            "kk": np.array([f"{v:016d}" for v in kk], dtype=object),
            "_sk_kk": kk,
        }
    )


# ---- eligibility and nearest houses -------------------------------------------------


def evaluate_meta() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {"decision": np.zeros(0, np.int8), "amount": np.zeros(0, np.int64), "reason": pd.Series([], dtype=object)}
    )


def evaluate(ruleset: Any, frame: Any, as_of: datetime.date) -> Any:
    """RuleSet.evaluate_batch of a partition as a frame (decision int8, amount, reason)."""
    import pandas as pd

    if len(frame) == 0:
        return evaluate_meta().set_axis(frame.index[:0])
    out = ruleset.evaluate_batch(frame, as_of=as_of)
    return pd.DataFrame(
        {"decision": out.decisions, "amount": out.amounts, "reason": out.reasons.astype(object)}, index=frame.index
    )


def nearest_meta(width: int) -> Any:
    import pandas as pd

    data: Dict[str, Any] = {}
    for r in range(1, width + 1):
        data[f"house_{r}"] = np.zeros(0, np.int64)
        data[f"distance_m_{r}"] = np.zeros(0, np.float64)
    return pd.DataFrame(data)


def nearest(index: Any, frame: Any, k: int, lat: str, lon: str, options: Dict[str, Any]) -> Any:
    """FacilityIndex.nearest_batch of a partition's points: house_1..k and distance_m_1..k
    (-1 and inf where fewer qualify)."""
    import pandas as pd

    lats = frame[lat].to_numpy(dtype=np.float64)
    lons = frame[lon].to_numpy(dtype=np.float64)
    ids, dists = index.nearest_batch(lats, lons, k=k, **options)
    data: Dict[str, Any] = {}
    for r in range(ids.shape[1]):
        data[f"house_{r + 1}"] = ids[:, r]
        data[f"distance_m_{r + 1}"] = dists[:, r]
    if ids.shape[1] == 0:
        return pd.DataFrame(index=frame.index)
    return pd.DataFrame(data, index=frame.index)
