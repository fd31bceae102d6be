"""Linkage at scale: one batch run over N generated records (wall time, peak memory,
candidate pairs scored per second per core) and Linker look-up latency against a large
index (p50/p90/p99/max over single calls, Python call overhead included).

    PYTHONPATH=build-bench/python python3 bench/scale_linkage.py link --records 1000000
    PYTHONPATH=build-bench/python python3 bench/scale_linkage.py lookup --records 3000000

Records are the generated set of compare_linkage.py (sk.sample.banyuwangi: name variants,
mistyped/missing NIKs, spreadsheet damage, households), made once in a child process and
cached. Generation is not timed. Memory: the process's peak RSS
during the timed call (VmHWM reset just before it) and the RSS just before it, so that the
part the engine adds is peak minus before (the input lists themselves live in Python). Run one mode per process:
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
    """Peak RSS since the last reset_peak() (VmHWM), else of the whole process."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak():
    """Resets VmHWM to the current RSS (Linux >= 4.0), so that loading the input does not
    count in the peak of the timed call."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


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
    settings = sk.Linker().settings  # the defaults (indonesian), as a dict
    settings["threads"] = args.threads
    reset = reset_peak()
    before = rss_mb()
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
    print(f"RSS before link {before:,.0f} MB, peak {'during link' if reset else 'of the process'} "
          f"{peak:,.0f} MB, added by the run {peak - before:,.0f} MB")
    print(f"quality: precision {p:.5f} recall {r:.5f} F1 {f:.5f}")


def run_lookup(args):
    import numpy as np
    import smartkampung as sk

    cols = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]
    # The model: trained once on the 100k generated set (as a deployment would: fit, then
    # only add); the index: every listing of a generated population of records/4 persons
    # (about 4 listings a person: bigger blocks than the 100k set, so a harder index).
    train_rows, _ = generate(100000, args.seed)
    settings = sk.link(train_rows).settings
    del train_rows
    t = time.perf_counter()
    rec = sk.sample.banyuwangi(args.records // 4 + args.probes, seed=args.seed + 1).records
    n_all = len(rec["person"])
    order = np.random.default_rng(args.seed).permutation(n_all)
    need = min(n_all, args.records + args.probes)
    columns = {c: rec[c][order[:need]].tolist() for c in cols}
    del rec
    gen = time.perf_counter() - t
    row = lambda i: {c: columns[c][i] for c in cols if columns[c][i]}
    lk = sk.Linker(settings)
    n_index = need - args.probes
    before = rss_mb()
    t = time.perf_counter()
    for i in range(n_index):
        lk.add(row(i))
    build = time.perf_counter() - t
    probes = [row(i) for i in range(n_index, need)]
    del columns
    for fn_name in ("candidates", "add"):
        fn = getattr(lk, fn_name)
        lat = []
        for r in probes:
            t = time.perf_counter()
            fn(r)
            lat.append(time.perf_counter() - t)
        lat = np.array(lat[args.warmup:]) * 1e6
        print(f"Linker.{fn_name} against {n_index:,} indexed records ({len(lat):,} calls): "
              f"p50 {np.percentile(lat, 50):.0f} us, p90 {np.percentile(lat, 90):.0f} us, "
              f"p99 {np.percentile(lat, 99):.0f} us, max {lat.max():.0f} us", flush=True)
    print(f"generated in {gen:.1f} s; index built by add() in {build:.1f} s "
          f"({build / n_index * 1e6:.1f} us per record); RSS before {before:,.0f} MB, "
          f"now {rss_mb():,.0f} MB")


def run_write_csv(args):
    """The generated records as a CSV for bench_linkage's BM_LinkFile (SKAMP_BENCH_RECORDS)."""
    rows, _ = generate(args.records, args.seed)
    out = f"/tmp/sk_link_rows_{args.records}_{args.seed}.csv"
    with open(out, "w") as fh:
        fh.write(",".join(COLS) + "\n")
        for r in rows:
            fh.write(",".join(r.get(c, "").replace(",", " ").replace("\n", " ") for c in COLS) + "\n")
    print(out)


COLS = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["link", "lookup", "write-csv"])
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--probes", type=int, default=10000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    {"link": run_link, "lookup": run_lookup, "write-csv": run_write_csv}[args.mode](args)


if __name__ == "__main__":
    main()
