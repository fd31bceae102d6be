"""Linkage at scale: one batch run over N generated records (wall time, peak memory,
candidate pairs scored per second per core) and Linker look-up latency against a large
index (p50/p90/p99/max over single calls, Python call overhead included).

    PYTHONPATH=build-bench/python python3 bench/scale_linkage.py link --records 1000000
    PYTHONPATH=build-bench/python python3 bench/scale_linkage.py lookup --records 3000000

Records are the generated set of compare_linkage.py (sk.sample.banyuwangi: name variants,
mistyped/missing NIKs, spreadsheet damage, households), made once in a child process and
cached. Generation is not timed. Memory: the process's peak RSS
(getrusage) and the RSS just before the timed call, so that the part the engine adds is
peak minus before (the input lists themselves live in Python). Run one mode per process:
peak RSS is per process.
"""

import argparse
import pathlib
import resource
import time


def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n_records, seed):
    """n_records generated records (the dict lists sk.link takes) and their true persons:
    the generated set of compare_linkage.py. Made in a child process and cached as a
    pickle (SKAMP_BENCH_CACHE, default /tmp), so that the generator's own memory does not
    count in this process's peak RSS."""
    import os
    import pickle
    import subprocess
    import sys

    cache = pathlib.Path(os.environ.get("SKAMP_BENCH_CACHE", "/tmp")) / f"sk_link_rows_{n_records}_{seed}.pkl"
    if not cache.exists():
        code = ("import pickle, sys; sys.path.insert(0, %r); import compare_linkage as c; "
                "pickle.dump(c.synthetic(%d, seed=%d), open(%r, 'wb'), protocol=5)"
                % (str(pathlib.Path(__file__).parent), n_records, seed, str(cache) + ".tmp"))
        subprocess.run([sys.executable, "-c", code], check=True)
        os.replace(str(cache) + ".tmp", cache)
    with open(cache, "rb") as fh:
        return pickle.load(fh)


def run_link(args):
    import smartkampung as sk
    from smartkampung.linkage import pair_quality

    t = time.perf_counter()
    rows, truth = generate(args.records, args.seed)
    gen = time.perf_counter() - t
    before = rss_mb()
    settings = sk.Linker().settings  # the defaults (indonesian), as a dict
    settings["threads"] = args.threads
    t, c = time.perf_counter(), time.process_time()
    res = sk.link(rows, settings=settings)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    peak = peak_mb()
    st = res.stats
    p, r, f = pair_quality(res.cluster_ids.tolist(), truth)
    print(f"records {st['records']:,} (generated in {gen:.1f} s), threads {args.threads}")
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s, engine {st['seconds']:.1f} s")
    print(f"candidate pairs scored {st['candidate_pairs']:,}, kept {st['kept_pairs']:,}, "
          f"skipped blocks {st['skipped_blocks']}")
    print(f"pairs per second per core (candidates / engine seconds / threads): "
          f"{st['candidate_pairs'] / st['seconds'] / args.threads:,.0f}")
    print(f"RSS before link {before:,.0f} MB, peak {peak:,.0f} MB, added by the run "
          f"{peak - before:,.0f} MB")
    print(f"quality: precision {p:.5f} recall {r:.5f} F1 {f:.5f}")


def run_lookup(args):
    import numpy as np
    import smartkampung as sk

    t = time.perf_counter()
    rows, _ = generate(args.records + args.probes, args.seed)
    probes, rows = rows[args.records:], rows[:args.records]
    gen = time.perf_counter() - t
    # A model trained on a sample (as a deployment would: fit once, then add), then the
    # whole index built by add().
    lk = sk.Linker()
    lk.fit(rows[: min(len(rows), 100000)])
    trained = sk.Linker(lk.settings)
    before = rss_mb()
    t = time.perf_counter()
    for r in rows:
        trained.add(r)
    build = time.perf_counter() - t
    del rows
    for fn_name in ("candidates", "add"):
        fn = getattr(trained, fn_name)
        lat = []
        for r in probes:
            t = time.perf_counter()
            fn(r)
            lat.append(time.perf_counter() - t)
        lat = np.array(lat[args.warmup:]) * 1e6
        print(f"Linker.{fn_name} against {args.records:,} indexed records ({len(lat):,} calls): "
              f"p50 {np.percentile(lat, 50):.0f} us, p90 {np.percentile(lat, 90):.0f} us, "
              f"p99 {np.percentile(lat, 99):.0f} us, max {lat.max():.0f} us")
    print(f"generated in {gen:.1f} s; index built by add() in {build:.1f} s "
          f"({build / args.records * 1e6:.1f} us per record); RSS before {before:,.0f} MB, "
          f"peak {peak_mb():,.0f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["link", "lookup"])
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--probes", type=int, default=10000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    (run_link if args.mode == "link" else run_lookup)(args)


if __name__ == "__main__":
    main()
