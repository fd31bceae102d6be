"""smartkampung.dask (a local cluster of 2 worker processes) and smartkampung.spark (local
mode) against the single-process calls: dedup reports, link clusters, eligibility
decisions and nearest houses must be equal exactly. 200,000 records in the slow run
(SMARTKAMPUNG_SLOW_TESTS), 20,000 in the default one."""

import contextlib
import datetime
import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import dask
import dask.dataframe as dd
from distributed import Client, LocalCluster

import smartkampung as sk
import smartkampung.dask as skd
import smartkampung.spark as sks
from conftest import SOURCE_DIR, kinds_rules_doc, program_env

sys.path.insert(0, str(SOURCE_DIR / "bench"))
import indonesia_population as population  # noqa: E402

SIZES = [pytest.param(20_000, id="20k"), pytest.param(200_000, id="200k", marks=pytest.mark.slow)]
AS_OF = datetime.date(2020, 5, 1)

RULES = sk.RuleSet.from_json(
    json.dumps(kinds_rules_doc("flat", ["Kemiren", "Glagah"], lists=False, amount="kk.size * 50000"))
)


@pytest.fixture(scope="module")
def client():
    # Object columns stay object columns (dask would turn them into Arrow strings, whose
    # missing values sk.link would read as text), on the workers too.
    with dask.config.set({"dataframe.convert-string": False}):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit="4GB"
        )
        with Client(cluster) as c:
            c.run(lambda: dask.config.set({"dataframe.convert-string": False}))
            yield c
        cluster.close()


@contextlib.contextmanager
def _jvm_environment():
    """The JVM starts without the sanitizer runtime (program_env); Spark's Python workers
    get it back through executorEnv, since they load our module."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(program_env())
    os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        yield {k: saved[k] for k in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS") if k in saved}
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    with _jvm_environment() as sanitizer:
        builder = (
            SparkSession.builder.master("local[2]")
            .appName("smartkampung-test")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "3g")
            .config("spark.ui.enabled", "false")
        )
        # The workers import smartkampung from where this process does (the build tree).
        path = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        builder = builder.config("spark.executorEnv.PYTHONPATH", path)
        for k, v in sanitizer.items():
            builder = builder.config(f"spark.executorEnv.{k}", v)
        session = builder.getOrCreate()
    yield session
    session.stop()


def _records(n, seed=1):
    rows, _ = population.generate(n, seed=seed)
    return pd.DataFrame(rows)


def _trained(frame):
    return sk.link(frame.head(50_000)).settings


def _sample_lists(n_records, seed=3):
    # About 0.22 listings a person (most persons are in no list): n_records listings in all.
    s = sk.sample.banyuwangi(int(n_records * 4.53), seed=seed)
    return [(program, level, pd.DataFrame(s.program_records(program))) for program, level in s.programs()]


EXCLUSIONS = [("PKH", "BPNT", "kk"), ("BST", "BLT_DD", "person"), ("BST", "SEMBAKO_BWI", "kk")]


def _single_report(lists):
    reg = sk.Registry(as_of=AS_OF)
    for program, level, frame in lists:
        reg.add_records(frame, program=program, level=level)
    reg.set_exclusions(EXCLUSIONS)
    return reg.dedup()


# ---- core pieces --------------------------------------------------------------------


def test_pickles_round_trip():
    rep = _single_report(_sample_lists(3000))
    assert rep.records > 2500
    assert pickle.loads(pickle.dumps(rep)) == rep and rep.to_json() == sk.DedupReport.from_json(rep.to_json()).to_json()
    assert pickle.loads(pickle.dumps(RULES)).to_json() == RULES.to_json()
    idx = sk.FacilityIndex.from_arrays(
        np.array([3, 1]), np.array([-8.2, -8.3]), np.array([114.3, 114.4]), np.array([4, 2]), occupied=np.array([1, 2])
    )
    back = pickle.loads(pickle.dumps(idx))
    assert [back.facility(i) for i in (1, 3)] == [idx.facility(i) for i in (1, 3)]


def test_import_does_not_load_engines():
    code = "import sys, smartkampung; print('dask' in sys.modules, 'pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_merge_of_one_share_is_the_report():
    rep = _single_report(_sample_lists(3000))
    assert rep.unique_households > 0 and rep.exclusion_violations
    merged = sk.merge_dedup_reports([rep], [rep])
    assert merged == rep


def test_parts_refuse_untrained_settings():
    with pytest.raises(sk.Error, match="m and u"):
        sk.LinkParts(None)


# ---- dask ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_dask_dedup_equals_registry(client, n):
    lists = _sample_lists(n)
    assert abs(sum(len(f) for _, _, f in lists) - n) < n // 50
    ddfs = {(p, lv): dd.from_pandas(f, npartitions=3) for p, lv, f in lists}
    got = skd.dedup(ddfs, exclusions=EXCLUSIONS, as_of=AS_OF, npartitions=4)
    want = _single_report(lists)
    assert want.duplicates and want.overlaps and want.conflicts and want.exclusion_violations
    assert got == want


@pytest.mark.parametrize("n", SIZES)
def test_dask_link_equals_single_process(client, n):
    frame = _records(n)
    settings = _trained(frame)
    single = sk.link(frame, settings=settings)
    ddf = dd.from_pandas(frame, npartitions=6)
    out, stats = skd.link_with_stats(ddf, settings)
    got = out.compute().sort_values("row")
    assert got["row"].tolist() == list(range(n))
    np.testing.assert_array_equal(got["cluster_id"].to_numpy(), single.cluster_ids)
    assert stats["kept_pairs"] == single.stats["kept_pairs"]
    assert stats["refused_merges"] == single.stats["refused_merges"] > 0
    assert stats["skipped_blocks"] == single.stats["skipped_blocks"]
    # Plain connected components of the kept pairs would differ: the clustering's refusals matter.
    assert len(np.unique(single.cluster_ids)) > n - _plain_components_merges(single.pairs, n)


def _plain_components_merges(pairs, n):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    merges = 0
    for i, j, _ in pairs:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
            merges += 1
    return merges


def _rule_frame(n, seed=5):
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 8, n).astype(float)
    size[rng.random(n) < 0.05] = np.nan
    village = np.array(["Kemiren", "Glagah", "Olehsari", None], dtype=object)[rng.integers(0, 4, n)]
    days = rng.integers(0, 360, n)
    registered = np.array(
        [(datetime.date(2020, 1, 1) + datetime.timedelta(days=int(d))).isoformat() for d in days], dtype=object
    )
    return pd.DataFrame(
        {
            "size": size,
            "income": rng.integers(0, 900_000, n),
            "village": village,
            "registered": registered,
            "kind": np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, n)],
            "flag": rng.random(n) < 0.5,
        }
    )


def _single_decisions(frame):
    out = RULES.evaluate_batch(frame, as_of=AS_OF)
    return pd.DataFrame({"decision": out.decisions, "amount": out.amounts, "reason": out.reasons.astype(object)})


@pytest.mark.parametrize("n", SIZES)
def test_dask_evaluate_equals_batch(client, n):
    frame = _rule_frame(n)
    got = skd.evaluate(RULES, dd.from_pandas(frame, npartitions=5), AS_OF).compute().reset_index(drop=True)
    want = _single_decisions(frame)
    assert set(want["decision"]) == {0, 1, 2}
    pd.testing.assert_frame_equal(got, want)


def _houses(seed=7, m=300):
    rng = np.random.default_rng(seed)
    return sk.FacilityIndex.from_arrays(
        np.arange(1, m + 1),
        rng.uniform(-8.6, -7.9, m),
        rng.uniform(113.8, 114.6, m),
        rng.integers(0, 6, m),
        occupied=np.zeros(m, np.int64),
    )


def _points(n, seed=8):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lat": rng.uniform(-8.7, -7.8, n), "lon": rng.uniform(113.7, 114.7, n)})


def _single_nearest(index, frame, k):
    ids, dists = index.nearest_batch(frame["lat"].to_numpy(), frame["lon"].to_numpy(), k=k, min_free=1)
    return ids, dists


@pytest.mark.parametrize("n", SIZES)
def test_dask_nearest_equals_batch(client, n):
    index, frame = _houses(), _points(n)
    got = skd.nearest(index, dd.from_pandas(frame, npartitions=5), k=3, min_free=1).compute()
    ids, dists = _single_nearest(index, frame, 3)
    np.testing.assert_array_equal(got[["house_1", "house_2", "house_3"]].to_numpy(), ids)
    np.testing.assert_array_equal(got[["distance_m_1", "distance_m_2", "distance_m_3"]].to_numpy(), dists)


# ---- spark --------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_spark_dedup_equals_registry(spark, n):
    lists = _sample_lists(n)
    sdfs = {(p, lv): spark.createDataFrame(f) for p, lv, f in lists}
    got = sks.dedup(sdfs, exclusions=EXCLUSIONS, as_of=AS_OF, npartitions=4)
    assert got == _single_report(lists)


@pytest.mark.parametrize("n", SIZES)
def test_spark_link_equals_single_process(spark, n):
    frame = _records(n, seed=2)
    sdf = spark.createDataFrame(frame.astype(object).where(frame.notna(), None))
    local = sdf.toPandas()  # what the Spark frame holds, in its row order
    settings = _trained(local)
    single = sk.link(local, settings=settings)
    out, stats = sks.link_with_stats(sdf, settings)
    got = out.toPandas().sort_values("row")
    assert got["row"].tolist() == list(range(n))
    np.testing.assert_array_equal(got["cluster_id"].to_numpy(), single.cluster_ids)
    assert stats["refused_merges"] == single.stats["refused_merges"] > 0


@pytest.mark.parametrize("n", SIZES)
def test_spark_evaluate_and_nearest_equal_batch(spark, n):
    frame = _rule_frame(n)
    sdf = spark.createDataFrame(frame)
    local = sdf.toPandas()
    got = sks.evaluate(RULES, sdf, AS_OF).toPandas()
    pd.testing.assert_frame_equal(got, _single_decisions(local))
    index, points = _houses(), _points(n)
    got = sks.nearest(index, spark.createDataFrame(points), k=2, min_free=1).toPandas()
    ids, dists = _single_nearest(index, points, 2)
    np.testing.assert_array_equal(got[["house_1", "house_2"]].to_numpy(), ids)
    np.testing.assert_array_equal(got[["distance_m_1", "distance_m_2"]].to_numpy(), dists)


def test_cli_dedup_on_local_workers_equals_one_process(tmp_path):
    s = sk.sample.banyuwangi(3000, seed=5)
    s.write_csv(str(tmp_path))
    specs = [f"{tmp_path / (p + '.csv')}:{p}:{lv}" for p, lv in s.programs()]
    excl = tmp_path / "excl.json"
    excl.write_text(
        json.dumps(
            {"format": "skamp-conflicts/1", "conflicts": [{"a": a, "b": b, "scope": sc} for a, b, sc in EXCLUSIONS]}
        )
    )
    outs = []
    for extra in ([], ["--local-workers", "2"]):
        out = tmp_path / ("multi" if extra else "single")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "smartkampung",
                "dedup",
                *specs,
                "--exclusions",
                str(excl),
                "--out",
                str(out) + "/",
                *extra,
            ],
            check=True,
            capture_output=True,
        )
        outs.append((out / "report.json").read_text())
    assert json.loads(outs[0])["exclusion_violations"] and outs[0] == outs[1]
    bad = subprocess.run(
        [sys.executable, "-m", "smartkampung", "dedup", *specs, "--local-workers", "2", "--fuzzy"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--fuzzy" in bad.stderr
