"""The library's jobs on Spark (PySpark), with the results of the single-process calls.

    import smartkampung.spark as sks
    report = sks.dedup({("PKH", "central"): spark.read.csv("pkh/", header=True)})
    clusters = sks.link(sdf, settings)             # row, cluster_id
    decisions = sks.evaluate(ruleset, sdf, as_of)  # decision, amount, reason
    houses = sks.nearest(index, sdf, k=3)          # house_1, distance_m_1, ...

Every step runs through ``mapInArrow`` on Arrow batches (or whole partitions where a step
needs them), calling the same partition functions as smartkampung.dask
(smartkampung._partitions); no row-at-a-time UDF. Needs ``pip install smartkampung[spark]``.
A record's ``row`` is its position in the DataFrame (partition order, then order within a
partition), as ``toPandas()`` lists it.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from . import _core, _partitions as P

__all__ = ["dedup", "evaluate", "link", "nearest"]


def _pa() -> Any:
    import pyarrow as pa

    return pa


def _to_batches(frame: Any) -> Iterator[Any]:
    pa = _pa()
    yield from pa.Table.from_pandas(frame, preserve_index=False).to_batches()


def _whole(fn: Callable[[Any], Any]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """A partition function over the whole partition (a step that needs whole blocks or
    components); memory follows the partition, not the data."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pa = _pa()
        got = list(batches)
        if not got:
            return
        out = fn(pa.Table.from_batches(got).to_pandas())
        if len(out):
            yield from _to_batches(out)

    return run


def _each(fn: Callable[[Any], Any]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """A partition function batch by batch (steps that read each row alone)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        for b in batches:
            out = fn(b.to_pandas())
            if len(out):
                yield from _to_batches(out)

    return run


def _partition_id() -> int:
    from pyspark import TaskContext

    return TaskContext.get().partitionId()


def _schema(frame: Any) -> str:
    """A Spark DDL schema for a pandas frame of str/object, int and float columns."""
    kinds = []
    for name, dt in frame.dtypes.items():
        if dt.kind in "iu":
            t = "int" if dt.itemsize <= 4 else "bigint"
            t = "tinyint" if dt.itemsize == 1 else t
        elif dt.kind == "f":
            t = "double"
        elif dt.kind == "b":
            t = "boolean"
        else:
            t = "string"
        kinds.append(f"`{name}` {t}")
    return ", ".join(kinds)


def _offsets(sdf: Any) -> Dict[int, int]:
    """First row of each partition (rows numbered in partition order)."""
    import pandas as pd

    def count(batches: Iterator[Any]) -> Iterator[Any]:
        n = sum(b.num_rows for b in batches)
        yield from _to_batches(pd.DataFrame({"pid": [_partition_id()], "n": [n]}))

    got = sdf.mapInArrow(count, "pid bigint, n bigint").toPandas().sort_values("pid")
    starts = np.concatenate([[0], np.cumsum(got["n"].to_numpy())[:-1]]).astype(np.int64)
    return dict(zip(got["pid"].astype(int), starts.tolist()))


def _numbered(fn: Callable[[Any, int], Any], offsets: Dict[int, int]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """fn(frame, first_row) over a partition's batches in order, rows numbered globally."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        at = offsets.get(_partition_id(), 0)
        for b in batches:
            out = fn(b.to_pandas(), at)
            at += b.num_rows
            if len(out):
                yield from _to_batches(out)

    return run


def _as_of(as_of: Optional[datetime.date]) -> datetime.date:
    return as_of if as_of is not None else P.today_in_jakarta()


# ---- linkage -------------------------------------------------------------------------


def link(
    sdf: Any,
    settings: Any = None,
    *,
    columns: Optional[dict] = None,
    as_of: Optional[datetime.date] = None,
    train_sample: int = 200_000,
) -> Any:
    """As smartkampung.dask.link over a Spark DataFrame: a DataFrame (row, cluster_id)."""
    return link_with_stats(sdf, settings, columns=columns, as_of=as_of, train_sample=train_sample)[0]


def link_with_stats(
    sdf: Any,
    settings: Any = None,
    *,
    columns: Optional[dict] = None,
    as_of: Optional[datetime.date] = None,
    train_sample: int = 200_000,
) -> Tuple[Any, dict]:
    from pyspark.sql import functions as F

    from . import linkage

    spark = sdf.sparkSession
    as_of = _as_of(as_of)
    if not (
        isinstance(settings, dict)
        and all(f.get("m") and f.get("u") for f in settings.get("fields", []))
        and settings.get("prior", -1) > 0
    ):
        n = sdf.count()
        sample = sdf.sample(fraction=min(1.0, train_sample / max(n, 1)), seed=42) if n > train_sample else sdf
        settings = linkage.link(sample.toPandas(), settings=settings, columns=columns, as_of=as_of).settings
    parts = _core.LinkParts(settings, columns=columns, as_of=as_of)
    offsets = _offsets(sdf)
    bc = spark.sparkContext.broadcast(parts)
    votes = sdf.mapInArrow(
        _numbered(lambda f, at: _votes_frame(bc.value, f, at), offsets), "chunk bigint, d bigint, m bigint, a bigint"
    ).toPandas()
    parts.set_birth_order(*P.decide_birth_order([votes.to_numpy(dtype=np.int64)]))
    bc = spark.sparkContext.broadcast(parts)
    meta = P.canonical_meta(parts)
    canon = sdf.mapInArrow(_numbered(lambda f, at: P.canonical(bc.value, f, at), offsets), _schema(meta)).cache()
    stats: Dict[str, Any] = {"records": canon.count()}
    oversized: Dict[int, np.ndarray] = {}
    skipped = 0
    for r in range(parts.rule_count):
        k = P.key(r)
        big = canon.filter(F.col(k) != 0).groupBy(k).count().filter(F.col("count") > parts.max_block_size).toPandas()
        oversized[r] = big[k].to_numpy(dtype=np.int64)
        skipped += int(big["count"].sum())
    stats["skipped_blocks"] = int(sum(len(v) for v in oversized.values()))
    stats["skipped_records"] = skipped
    canon = canon.mapInArrow(_each(lambda f: P.clear_keys(f, oversized)), _schema(meta)).cache()
    tf_meta = P.term_counts(parts, meta)
    summed = (
        canon.mapInArrow(_each(lambda f: P.term_counts(bc.value, f)), _schema(tf_meta))
        .groupBy("field", "hash")
        .agg(F.sum("count").alias("count"))
        .toPandas()
    )
    parts.set_term_counts(P.term_counts_list(parts, summed))
    bc = spark.sparkContext.broadcast(parts)
    nparts = max(1, sdf.rdd.getNumPartitions())
    edge_schema = _schema(P.edges_meta())
    edges = None
    for r in range(parts.rule_count):
        k = P.key(r)
        part = (
            canon.filter(F.col(k) != 0)
            .repartition(nparts, k)
            .mapInArrow(_whole(lambda f, rule=r: P.score(bc.value, f, rule)), edge_schema)
        )
        edges = part if edges is None else edges.unionByName(part)
    edges = edges.cache()
    stats["kept_pairs"] = edges.count()
    comp, iterations = _components(edges)
    stats["cc_iterations"] = iterations
    union_schema = _schema(P.union_meta(parts))
    recs = canon.join(comp.withColumnRenamed("v", P.ROW), on=P.ROW, how="inner")
    ed = edges.join(comp.withColumnRenamed("v", "i"), on="i", how="inner")
    union = recs.mapInArrow(_each(lambda f: P.union_records(bc.value, f)), union_schema).unionByName(
        ed.mapInArrow(_each(lambda f: P.union_edges(bc.value, f)), union_schema)
    )
    clustered = (
        union.repartition(nparts, P.COMP)
        .mapInArrow(_whole(lambda f: P.cluster(bc.value, f)), _schema(P.clusters_meta()))
        .cache()
    )
    stats["refused_merges"] = int(clustered.agg(F.sum("refused")).collect()[0][0] or 0)
    out = (
        canon.select(P.ROW)
        .join(clustered.select(P.ROW, "cluster_id"), on=P.ROW, how="left")
        .select(F.col(P.ROW).alias("row"), F.coalesce(F.col("cluster_id"), F.col(P.ROW)).alias("cluster_id"))
    )
    return out, stats


def _votes_frame(parts: Any, frame: Any, at: int) -> Any:
    import pandas as pd

    v = P.birth_votes(parts, frame, at)
    return pd.DataFrame({"chunk": v[:, 0], "d": v[:, 1], "m": v[:, 2], "a": v[:, 3]})


def _components(edges: Any, max_iterations: int = 1000) -> Tuple[Any, int]:
    """Connected components by min-label propagation over Spark frames: (v, _sk_comp)."""
    from pyspark.sql import functions as F

    adj = (
        edges.select(F.col("i").alias("v"), F.col("j").alias("u"))
        .unionByName(edges.select(F.col("j").alias("v"), F.col("i").alias("u")))
        .cache()
    )
    label = adj.groupBy("v").agg(F.min("u").alias("l")).select("v", F.least("l", "v").alias("l")).localCheckpoint()
    for it in range(1, max_iterations + 1):
        hop = adj.join(label.withColumnRenamed("v", "u"), on="u")
        best = hop.groupBy("v").agg(F.min("l").alias("n"))
        new = (
            label.join(best, on="v", how="left")
            .select("v", F.least("l", F.coalesce("n", "l")).alias("l"))
            .localCheckpoint()
        )
        changed = new.join(label.withColumnRenamed("l", "m"), on="v").filter(F.col("l") != F.col("m")).count()
        label = new
        if changed == 0:
            return label.withColumnRenamed("l", P.COMP), it
    raise RuntimeError("connected components: no convergence")


# ---- dedup ---------------------------------------------------------------------------


def dedup(
    lists: Dict[Tuple[str, str], Any],
    *,
    columns: Optional[dict] = None,
    exclusions: Optional[list] = None,
    as_of: Optional[datetime.date] = None,
    npartitions: Optional[int] = None,
) -> Any:
    """As smartkampung.dask.dedup over Spark DataFrames: the DedupReport of a Registry
    loaded with the same frames."""
    from pyspark.sql import functions as F

    as_of = _as_of(as_of)
    names = list(lists)
    nparts = npartitions or max(s.rdd.getNumPartitions() for s in lists.values())
    keyed_all = None
    for index, (_name, sdf) in enumerate(lists.items()):
        fields = list(sdf.columns)
        keyed = sdf.mapInArrow(
            _each(lambda f, i=index, c=fields: _keyed_rows(f, i, c, columns, as_of)),
            "_sk_prog int, _sk_rec string, _sk_nik bigint, _sk_kk bigint, "
            "_sk_v0 bigint, _sk_v1 bigint, _sk_v2 bigint",
        )
        keyed_all = keyed if keyed_all is None else keyed_all.unionByName(keyed)
    keyed_all = keyed_all.cache()
    sums = keyed_all.groupBy("_sk_prog").agg(*[F.sum(f"_sk_v{k}").alias(f"v{k}") for k in range(3)]).toPandas()
    orders = {}
    for _, r in sums.iterrows():
        program = names[int(r["_sk_prog"])][0]
        orders[program] = P.decide_list_order([np.array([r["v0"], r["v1"], r["v2"]], dtype=np.int64)])
    report_schema = "report string"
    by_nik = (
        keyed_all.select("_sk_prog", "_sk_rec", "_sk_nik")
        .repartition(nparts, "_sk_nik")
        .mapInArrow(_whole(lambda f: _share_json(f, names, orders, columns, as_of, exclusions)), report_schema)
        .toPandas()
    )
    homes = (
        keyed_all.filter((F.col("_sk_nik") != 0) & (F.col("_sk_kk") != 0))
        .select("_sk_prog", "_sk_nik", "_sk_kk")
        .repartition(nparts, "_sk_kk")
        .mapInArrow(_whole(lambda f: _household_json(f, names, as_of, exclusions)), report_schema)
        .toPandas()
    )
    from_json = _core.DedupReport.from_json
    return _core.merge_dedup_reports([from_json(t) for t in by_nik["report"]], [from_json(t) for t in homes["report"]])


def _keyed_rows(frame: Any, index: int, fields: List[str], columns: Optional[dict], as_of: datetime.date) -> Any:
    """A batch of list ``index`` as (programme, the row as JSON, NIK, KK, and the batch's
    birth-date votes on its first row)."""
    import pandas as pd

    keyed, votes = P.dedup_keys(frame[fields], columns, as_of)
    n = len(frame)
    v = np.zeros((3, n), np.int64)
    if n:
        v[:, 0] = votes
    records = [json.dumps(r) for r in frame[fields].to_dict("records")]
    return pd.DataFrame(
        {
            "_sk_prog": np.full(n, index, np.int32),
            "_sk_rec": np.array(records, dtype=object),
            "_sk_nik": keyed["_sk_nik"].to_numpy(),
            "_sk_kk": keyed["_sk_kk"].to_numpy(),
            "_sk_v0": v[0],
            "_sk_v1": v[1],
            "_sk_v2": v[2],
        }
    )


def _share_json(
    frame: Any,
    names: list,
    orders: Dict[str, str],
    columns: Optional[dict],
    as_of: datetime.date,
    exclusions: Optional[list],
) -> Any:
    import pandas as pd

    shares = []
    for index, (program, level) in enumerate(names):
        rows = frame[frame["_sk_prog"] == index]["_sk_rec"]
        shares.append((program, level, pd.DataFrame.from_records([json.loads(x) for x in rows])))
    return pd.DataFrame({"report": [P.dedup_share(shares, orders, columns, as_of, exclusions).to_json()]})


def _household_json(frame: Any, names: list, as_of: datetime.date, exclusions: Optional[list]) -> Any:
    import pandas as pd

    shares = []
    for index, (program, level) in enumerate(names):
        sel = frame[frame["_sk_prog"] == index]
        shares.append((program, level, P.household_frame(sel)))
    return pd.DataFrame({"report": [P.dedup_share(shares, {}, None, as_of, exclusions).to_json()]})


# ---- eligibility and nearest houses -------------------------------------------------


def evaluate(ruleset: Any, sdf: Any, as_of: Optional[datetime.date] = None) -> Any:
    """RuleSet.evaluate_batch over every Arrow batch (the rule set broadcast once): a
    DataFrame (decision, amount, reason) in the rows' order."""
    as_of = _as_of(as_of)
    bc = sdf.sparkSession.sparkContext.broadcast(ruleset)
    return sdf.mapInArrow(_each(lambda f: P.evaluate(bc.value, f, as_of)), _schema(P.evaluate_meta()))


def nearest(
    index: Any,
    sdf: Any,
    k: int = 1,
    *,
    lat: str = "lat",
    lon: str = "lon",
    min_free: int = 0,
    kind: Optional[str] = None,
    include_closed: bool = False,
) -> Any:
    """FacilityIndex.nearest_batch over every Arrow batch (the index broadcast once, with
    its bed counts at call time): house_1..k, distance_m_1..k in the rows' order."""
    width = min(int(k), len(index))
    options = {"min_free": min_free, "kind": kind, "include_closed": include_closed}
    bc = sdf.sparkSession.sparkContext.broadcast(index)
    return sdf.mapInArrow(_each(lambda f: P.nearest(bc.value, f, k, lat, lon, options)), _schema(P.nearest_meta(width)))
