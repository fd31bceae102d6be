"""The library's jobs on a Dask cluster, with the results of the single-process calls.

    import dask.dataframe as dd, smartkampung.dask as skd
    report = skd.dedup({("PKH", "central"): dd.read_csv("pkh-*.csv", dtype=str)})
    clusters = skd.link(ddf, settings)            # columns row, cluster_id
    decisions = skd.evaluate(ruleset, ddf, as_of) # decision, amount, reason
    houses = skd.nearest(index, ddf, k=3)         # house_1, distance_m_1, ...

Needs ``pip install smartkampung[dask]`` (dask[dataframe], distributed). Runs on the
current ``distributed`` client when there is one (``Client("tcp://host:8786")``), else on
dask's local scheduler. How each job splits and why the results are equal: docs/scale.md.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

import dask
import dask.dataframe as dd

from . import _core, _partitions as P

__all__ = ["dedup", "evaluate", "link", "nearest", "train"]


def _client() -> Any:
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def _ship(obj: Any) -> Any:
    """An object every task reads, sent once to each worker (scattered with broadcast on a
    distributed cluster; one key of the graph otherwise)."""
    client = _client()
    if client is not None:
        return client.scatter(obj, broadcast=True, hash=False)
    return dask.delayed(obj, pure=False)


def _as_of(as_of: Optional[datetime.date]) -> datetime.date:
    return as_of if as_of is not None else P.today_in_jakarta()


# ---- dedup ---------------------------------------------------------------------------


def dedup(
    lists: Dict[Tuple[str, str], dd.DataFrame],
    *,
    columns: Optional[dict] = None,
    exclusions: Optional[list] = None,
    as_of: Optional[datetime.date] = None,
    npartitions: Optional[int] = None,
) -> Any:
    """Exact dedup of programme lists given as ``{(program, level): dask DataFrame}``: the
    DedupReport of a Registry loaded with the same frames (in this order, then
    ``set_exclusions(exclusions)``). Records are split by a hash of their NIK (a person's
    records meet in one partition) and, for households, by KK; each share is a Registry of
    its own and the shares' reports are merged (smartkampung.merge_dedup_reports)."""
    as_of = _as_of(as_of)
    names = list(lists)
    nparts = npartitions or max(ddf.npartitions for ddf in lists.values())
    keyed: Dict[Tuple[str, str], dd.DataFrame] = {}
    votes: Dict[str, list] = {}
    for (program, level), ddf in lists.items():
        parts = [dask.delayed(P.dedup_keys)(p, columns, as_of) for p in ddf.to_delayed()]
        meta = ddf._meta.assign(_sk_nik=np.zeros(0, np.int64), _sk_kk=np.zeros(0, np.int64))
        keyed[(program, level)] = dd.from_delayed([p[0] for p in parts], meta=meta, verify_meta=False)
        votes[program] = [p[1] for p in parts]
    # One pass over the lists: the keyed frames kept, the votes summed per list.
    flat = dask.persist(*keyed.values(), *[v for vs in votes.values() for v in vs])
    keyed = dict(zip(keyed, flat[: len(keyed)]))
    rest = list(flat[len(keyed) :])
    counts = dask.compute(rest)[0]
    orders, at = {}, 0
    for program, vs in votes.items():
        orders[program] = P.decide_list_order(counts[at : at + len(vs)])
        at += len(vs)
    # Persons: every record of a NIK in one share (rejected rows, key 0, anywhere).
    by_nik = {name: keyed[name].shuffle(on="_sk_nik", npartitions=nparts).to_delayed() for name in names}
    nik_reports = [
        dask.delayed(_share_report)([(name, by_nik[name][k]) for name in names], orders, columns, as_of, exclusions)
        for k in range(nparts)
    ]
    # Households: every keyed record with a KK, of one KK in one share.
    households = {
        name: keyed[name].map_partitions(P.household_frame, meta=P.household_frame(keyed[name]._meta)) for name in names
    }
    by_kk = {name: households[name].shuffle(on="_sk_kk", npartitions=nparts).to_delayed() for name in names}
    kk_reports = [
        dask.delayed(_share_report)([(name, by_kk[name][k]) for name in names], orders, None, as_of, exclusions)
        for k in range(nparts)
    ]
    nik_done, kk_done = dask.compute(nik_reports, kk_reports)
    return _core.merge_dedup_reports(list(nik_done), list(kk_done))


def _share_report(
    shares: List[Tuple[Tuple[str, str], Any]],
    orders: Dict[str, str],
    columns: Optional[dict],
    as_of: datetime.date,
    exclusions: Optional[list],
) -> Any:
    return P.dedup_share(
        [(program, level, frame) for (program, level), frame in shares], orders, columns, as_of, exclusions
    )


# ---- linkage -------------------------------------------------------------------------


def train(
    ddf: dd.DataFrame,
    settings: Any = None,
    *,
    sample: int = 200_000,
    columns: Optional[dict] = None,
    as_of: Optional[datetime.date] = None,
    seed: int = 42,
) -> dict:
    """A trained model for ``link``: sk.link on a sample of ``sample`` records drawn on the
    client (all of them when fewer), its ``settings``. Settings that already give m, u and
    the prior for every field are returned as they are."""
    from . import linkage

    if (
        isinstance(settings, dict)
        and all(f.get("m") and f.get("u") for f in settings.get("fields", []))
        and settings.get("prior", -1) > 0
    ):
        return settings
    n = int(ddf.map_partitions(len).sum().compute())
    frac = min(1.0, sample / max(n, 1))
    part = ddf.sample(frac=frac, random_state=seed).compute() if frac < 1.0 else ddf.compute()
    return linkage.link(part, settings=settings, columns=columns, as_of=as_of).settings


def link(
    ddf: dd.DataFrame,
    settings: Any = None,
    *,
    columns: Optional[dict] = None,
    as_of: Optional[datetime.date] = None,
    train_sample: int = 200_000,
) -> dd.DataFrame:
    """Fuzzy linkage of a dask DataFrame of records: columns ``row`` (the record's position
    in ``ddf``) and ``cluster_id`` (the smallest row of its cluster), the clusters of
    ``sk.link(ddf.compute(), settings)``. ``settings`` without a trained model are trained
    first on a sample (``train``); pass trained settings (LinkResult.settings) to get
    exactly a single-process run's clusters."""
    return link_with_stats(ddf, settings, columns=columns, as_of=as_of, train_sample=train_sample)[0]


def link_with_stats(
    ddf: dd.DataFrame,
    settings: Any = None,
    *,
    columns: Optional[dict] = None,
    as_of: Optional[datetime.date] = None,
    train_sample: int = 200_000,
) -> Tuple[dd.DataFrame, dict]:
    """``link`` and its counts: records, kept_pairs, skipped_blocks, skipped_records,
    refused_merges, components, cc_iterations."""
    as_of = _as_of(as_of)
    settings = train(ddf, settings, sample=train_sample, columns=columns, as_of=as_of)
    parts = _core.LinkParts(settings, columns=columns, as_of=as_of)
    pieces = ddf.to_delayed()
    lengths = dask.compute([dask.delayed(len)(p) for p in pieces])[0]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    stats: Dict[str, Any] = {"records": int(offsets[-1])}
    # The birth-date order as sk.link decides it: from the first chunk that shows one.
    # The first chunk nearly always decides: its partitions are read first, the rest only if not.
    shipped = _ship(parts)
    first = [k for k in range(len(pieces)) if offsets[k] < P.CHUNK_ROWS and lengths[k] > 0]
    votes = dask.compute([dask.delayed(P.birth_votes)(shipped, pieces[k], int(offsets[k])) for k in first])[0]
    order = P.decide_birth_order(votes)
    if order[1] != 0 or order[0] == "unknown":
        votes = dask.compute([dask.delayed(P.birth_votes)(shipped, p, int(offsets[k])) for k, p in enumerate(pieces)])[
            0
        ]
        order = P.decide_birth_order(votes)
    parts.set_birth_order(*order)
    shipped = _ship(parts)
    canon = dd.from_delayed(
        [dask.delayed(P.canonical)(shipped, p, int(offsets[k])) for k, p in enumerate(pieces)],
        meta=P.canonical_meta(parts),
        verify_meta=False,
    ).persist()
    # Blocks over max_block_size are skipped, as sk.link skips them (and counted).
    counts = [canon[P.key(r)][canon[P.key(r)] != 0].value_counts() for r in range(parts.rule_count)]
    counts = dask.compute(counts)[0]
    oversized = {r: c[c > parts.max_block_size].index.to_numpy(dtype=np.int64) for r, c in enumerate(counts)}
    stats["skipped_blocks"] = int(sum(len(v) for v in oversized.values()))
    stats["skipped_records"] = int(sum(int(c[c > parts.max_block_size].sum()) for c in counts))
    canon = canon.map_partitions(P.clear_keys, oversized, meta=canon._meta).persist()
    # The whole list's term frequencies, then the model goes to the workers once.
    tf = canon.map_partitions(lambda c, p: P.term_counts(p, c), shipped, meta=P.term_counts(parts, canon._meta))
    summed = tf.groupby(["field", "hash"])["count"].sum().reset_index().compute()
    parts.set_term_counts(P.term_counts_list(parts, summed))
    shipped = _ship(parts)
    # Candidate pairs: records shuffled on each rule's key, a partition holding whole blocks.
    nparts = canon.npartitions
    edges = []
    for r in range(parts.rule_count):
        sub = canon[canon[P.key(r)] != 0].shuffle(on=P.key(r), npartitions=nparts)
        edges.append(sub.map_partitions(lambda c, p, rule: P.score(p, c, rule), shipped, r, meta=P.edges_meta()))
    edges = dd.concat(edges).persist()
    stats["kept_pairs"] = int(len(edges))
    comp, iterations = _components(edges)
    stats["cc_iterations"] = iterations
    # Each component's records and pairs in one partition; the core clusters them.
    comp = comp.to_frame()
    recs = canon.merge(comp, left_on=P.ROW, right_index=True, how="inner")
    ed = edges.merge(comp, left_on="i", right_index=True, how="inner")
    union = dd.concat(
        [
            recs.map_partitions(lambda f, p: P.union_records(p, f), shipped, meta=P.union_meta(parts)),
            ed.map_partitions(lambda f, p: P.union_edges(p, f), shipped, meta=P.union_meta(parts)),
        ]
    )
    clustered = (
        union.shuffle(on=P.COMP, npartitions=nparts)
        .map_partitions(lambda f, p: P.cluster(p, f), shipped, meta=P.clusters_meta())
        .persist()
    )
    stats["refused_merges"] = int(clustered["refused"].sum().compute())
    stats["components"] = int(comp[P.COMP].nunique().compute()) if stats["kept_pairs"] else 0
    out = canon[[P.ROW]].merge(clustered[[P.ROW, "cluster_id"]], on=P.ROW, how="left")
    out = out.assign(cluster_id=out["cluster_id"].fillna(out[P.ROW]).astype(np.int64))
    out = out.rename(columns={P.ROW: "row"})[["row", "cluster_id"]]
    return out, stats


def _components(edges: dd.DataFrame, max_iterations: int = 1000) -> Tuple[dd.Series, int]:
    """Connected components of the kept pairs by min-label propagation over dask frames (no
    edge list gathered anywhere): a Series vertex -> the smallest vertex of its component."""
    fwd = edges[["i", "j"]].rename(columns={"i": "v", "j": "u"})
    bwd = edges[["j", "i"]].rename(columns={"j": "v", "i": "u"})
    adj = dd.concat([fwd, bwd]).persist()
    label = adj.groupby("v")["u"].min().to_frame("l")
    label = label.assign(l=label["l"].where(label["l"] < label.index.to_series(), label.index.to_series()))
    label = label.persist()
    for it in range(1, max_iterations + 1):
        hop = adj.merge(label, left_on="u", right_index=True, how="inner")
        best = hop.groupby("v")["l"].min().to_frame("n")
        new = label.join(best, how="left")
        new = new.assign(l=new["l"].where(new["n"].isna() | (new["l"] <= new["n"]), new["n"]).astype(np.int64))
        new = new[["l"]].persist()
        both = label.join(new.rename(columns={"l": "m"}))
        changed = int((both["l"] != both["m"]).sum().compute())
        label = new
        if changed == 0:
            return label["l"].rename(P.COMP), it
    raise RuntimeError("connected components: no convergence")


# ---- eligibility and nearest houses -------------------------------------------------


def evaluate(ruleset: Any, ddf: dd.DataFrame, as_of: Optional[datetime.date] = None) -> dd.DataFrame:
    """RuleSet.evaluate_batch over every partition (the rule set sent once per worker):
    columns decision (int8: 0 eligible, 1 ineligible, 2 needs_data), amount, reason."""
    as_of = _as_of(as_of)
    shipped = _ship(ruleset)
    return ddf.map_partitions(lambda f, rs: P.evaluate(rs, f, as_of), shipped, meta=P.evaluate_meta())


def nearest(
    index: Any,
    ddf: dd.DataFrame,
    k: int = 1,
    *,
    lat: str = "lat",
    lon: str = "lon",
    min_free: int = 0,
    kind: Optional[str] = None,
    include_closed: bool = False,
) -> dd.DataFrame:
    """FacilityIndex.nearest_batch over every partition's points (the index sent once per
    worker, with its bed counts at call time): house_1..k and distance_m_1..k."""
    width = min(int(k), len(index))
    options = {"min_free": min_free, "kind": kind, "include_closed": include_closed}
    shipped = _ship(index)
    return ddf.map_partitions(lambda f, ix: P.nearest(ix, f, k, lat, lon, options), shipped, meta=P.nearest_meta(width))
