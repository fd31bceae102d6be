"""Scale-out figures of smartkampung.dask on a local cluster against one process.

    PYTHONPATH=build/python python3 bench/scale_out.py --jobs dedup --records 1000000 10000000
    PYTHONPATH=build/python python3 bench/scale_out.py --jobs link --records 1000000

dedup: sk.sample.banyuwangi lists written as CSV (one file per programme), then (a) one
process: Registry.load_csv of every file + dedup(); (b) the cluster: dask.read_csv of the
same files + smartkampung.dask.dedup. link: bench/indonesia_population.py records, the
model trained once on 100k of them; (a) sk.link(frame, settings); (b) smartkampung.dask.link.
Each cluster run gets a fresh LocalCluster (--workers processes, one thread each); per
worker the peak RSS (VmHWM), and the bytes workers sent each other (shuffles run as task
shuffles so that every byte goes through the counted transfers). The reports / cluster ids
of (a) and (b) are compared. Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


def _peak_rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _worker_bytes(dask_worker=None) -> int:
    return int(getattr(dask_worker, "transfer_outgoing_bytes_total", 0))


def _cluster(workers: int, memory: str):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit=memory
    )
    return cluster, Client(cluster)


def _finish(client, cluster) -> dict:
    peaks = client.run(_peak_rss)
    sent = client.run(_worker_bytes)
    client.close()
    cluster.close()
    return {
        "worker_peak_rss_mb": sorted(round(v / 2**20) for v in peaks.values()),
        "shuffle_mb": round(sum(sent.values()) / 2**20, 1),
    }


def write_lists(n_records: int, folder: pathlib.Path, seed: int = 11, chunk: int = 1_000_000) -> list:
    """Sample lists of about n_records listings as CSV, in chunks of `chunk` listings (one
    sample per chunk, seeds seed, seed + 1, ...): [(files, program, level)]."""
    import smartkampung as sk

    chunks = max(1, round(n_records / chunk))
    per = n_records // chunks
    programs = sk.sample.banyuwangi(10, seed=seed).programs()
    for c in range(chunks):
        sub = folder / f"chunk_{c}"
        if not (sub / "done").exists():
            sub.mkdir(parents=True, exist_ok=True)
            s = sk.sample.banyuwangi(int(per * 4.53), seed=seed + c)  # ~0.22 listings a person
            s.write_csv(str(sub))
            del s
            (sub / "done").write_text("ok")
    return [([str(folder / f"chunk_{c}" / f"{p}.csv") for c in range(chunks)], p, lv) for p, lv in programs]


def bench_dedup(n: int, args) -> None:
    import dask
    import dask.dataframe as dd

    import smartkampung as sk
    import smartkampung.dask as skd
    from smartkampung.cli._cluster import _delimiter

    folder = pathlib.Path(args.data) / f"lists_{n}"
    folder.mkdir(parents=True, exist_ok=True)
    files = write_lists(n, folder)
    records = sum(sum(1 for _ in open(f, "rb")) - 1 for paths, _, _ in files for f in paths)
    as_of = __import__("datetime").date(2020, 5, 1)
    single = None
    if not args.skip_single:
        t0 = time.perf_counter()
        reg = sk.Registry(as_of=as_of)
        for paths, program, level in files:
            for path in paths:
                reg.load_csv(path, program=program, level=level)
        single = reg.dedup()
        wall = time.perf_counter() - t0
        print(
            json.dumps(
                {
                    "job": "dedup",
                    "mode": "single",
                    "records": records,
                    "wall_s": round(wall, 1),
                    "peak_rss_mb": round(_peak_rss() / 2**20),
                }
            ),
            flush=True,
        )
        del reg
    with dask.config.set({"dataframe.shuffle.method": "tasks", "dataframe.convert-string": False}):
        cluster, client = _cluster(args.workers, args.memory)
        client.run(lambda: dask.config.set({"dataframe.convert-string": False}))
        t0 = time.perf_counter()
        lists = {
            (p, lv): dd.read_csv(
                paths,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                sep=_delimiter(paths[0]),
                encoding="utf-8-sig",
                blocksize=args.blocksize,
            )
            for paths, p, lv in files
        }
        rep = skd.dedup(lists, as_of=as_of)
        wall = time.perf_counter() - t0
        parts = sum(d.npartitions for d in lists.values())
        out = {
            "job": "dedup",
            "mode": f"dask {args.workers} workers",
            "records": records,
            "wall_s": round(wall, 1),
            "partitions": parts,
            "equal_to_single": None if single is None else rep == single,
        }
        out.update(_finish(client, cluster))
        print(json.dumps(out), flush=True)


def bench_link(n: int, args) -> None:
    import dask
    import dask.dataframe as dd
    import pandas as pd

    import indonesia_population as population
    import smartkampung as sk
    import smartkampung.dask as skd

    rows, _ = population.generate(n, seed=1)
    frame = pd.DataFrame(rows)
    del rows
    settings = sk.link(frame.sample(n=min(n, 100_000), random_state=1)).settings
    single = None
    if not args.skip_single:
        t0 = time.perf_counter()
        res = sk.link(frame, settings=settings)
        wall = time.perf_counter() - t0
        single = res.cluster_ids
        print(
            json.dumps(
                {
                    "job": "link",
                    "mode": "single",
                    "records": n,
                    "wall_s": round(wall, 1),
                    "kept_pairs": res.stats["kept_pairs"],
                    "peak_rss_mb": round(_peak_rss() / 2**20),
                }
            ),
            flush=True,
        )
        del res
    with dask.config.set({"dataframe.shuffle.method": "tasks", "dataframe.convert-string": False}):
        cluster, client = _cluster(args.workers, args.memory)
        client.run(lambda: dask.config.set({"dataframe.convert-string": False}))
        ddf = dd.from_pandas(frame, npartitions=max(2, n // args.partition_rows))
        t0 = time.perf_counter()
        result, stats = skd.link_with_stats(ddf, settings)
        got = result.compute().sort_values("row")["cluster_id"].to_numpy()
        wall = time.perf_counter() - t0
        out = {
            "job": "link",
            "mode": f"dask {args.workers} workers",
            "records": n,
            "wall_s": round(wall, 1),
            "partitions": ddf.npartitions,
            "stats": stats,
            "equal_to_single": None if single is None else bool(np.array_equal(got, single)),
        }
        out.update(_finish(client, cluster))
        print(json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", default="dedup", help="comma-separated: dedup, link")
    ap.add_argument("--records", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory", default="6GB", help="memory limit per worker")
    ap.add_argument("--blocksize", default="32MB", help="CSV block per partition (dedup)")
    ap.add_argument("--partition-rows", type=int, default=100_000, help="records per partition (link)")
    ap.add_argument("--data", default=tempfile.gettempdir() + "/sk_scale_out")
    ap.add_argument("--skip-single", action="store_true")
    args = ap.parse_args()
    for job in args.jobs.split(","):
        for n in args.records:
            {"dedup": bench_dedup, "link": bench_link}[job](n, args)
    print(
        json.dumps(
            {
                "bench_process_peak_rss_mb": round(_peak_rss() / 2**20),
                "maxrss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
