"""Linkage at scale: one batch run over N generated records (wall time, peak memory,
candidate pairs scored per second per core) and Linker look-up latency against a large
index (p50/p90/p99/max over single calls, Python call overhead included).

    PYTHONPATH=build-bench/python python3 bench/scale_linkage.py link --records 1000000
    PYTHONPATH=build-bench/python python3 bench/scale_linkage.py lookup --records 3000000
    PYTHONPATH=build-bench/python python3 bench/scale_linkage.py lookup --records 1000000 --save /tmp/lk.sklink

Records are the generated set of compare_linkage.py (sk.sample.banyuwangi: name variants,
mistyped/missing NIKs, spreadsheet damage, households), made once in a child process and
cached. Generation is not timed. Memory: the process's peak RSS
during the timed call (VmHWM reset just before it) and the RSS just before it, so that the
part the engine adds is peak minus before (the input lists themselves live in Python). Run one mode per process:
peak RSS is per process.
"""

import argparse
import array
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _rss import peak_mb, reset_peak, rss_mb  # noqa: E402


def generate(n_records, seed):
    """n_records generated records (the dict lists sk.link takes) and their true persons:
    the generated set of compare_linkage.py. Made in a child process and cached as a
    pickle (SKAMP_BENCH_CACHE, default /tmp), so that the generator's own memory does not
    count in this process's peak RSS."""
    import os
    import pickle
    import subprocess

    cache = pathlib.Path(os.environ.get("SKAMP_BENCH_CACHE", "/tmp")) / f"sk_link_rows_{n_records}_{seed}.pkl"
    if not cache.exists():
        code = (
            "import pickle, sys; sys.path.insert(0, %r); import compare_linkage as c; "
            "pickle.dump(c.synthetic(%d, seed=%d), open(%r, 'wb'), protocol=5)"
            % (str(pathlib.Path(__file__).parent), n_records, seed, str(cache) + ".tmp")
        )
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
    print(
        f"candidate pairs scored {st['candidate_pairs']:,}, kept {st['kept_pairs']:,}, "
        f"skipped blocks {st['skipped_blocks']}"
    )
    print(
        f"pairs per second per core: {st['candidate_pairs'] / st['seconds'] / args.threads:,.0f} "
        f"(candidates / engine wall seconds / threads), {st['candidate_pairs'] / cpu:,.0f} "
        f"(candidates / process CPU seconds: the figure a loaded machine does not distort)"
    )
    print(
        f"RSS before link {before:,.0f} MB, peak {'during link' if reset else 'of the process'} "
        f"{peak:,.0f} MB, added by the run {peak - before:,.0f} MB"
    )
    print(f"quality: precision {p:.5f} recall {r:.5f} F1 {f:.5f}")


def run_lookup(args):
    import numpy as np
    import smartkampung as sk

    # The generated set (as for link); the last `probes` records are the look-ups, the rest
    # is indexed by add(), with latency measured at each size of --sizes. The model is
    # trained once on the first 100,000 records (as a deployment would: fit, then add).
    # With --chunk, the records are generated chunk by chunk (seeds seed, seed+1, ...: each
    # chunk the listings of its own generated population) and only one chunk is held in
    # Python at a time, so that 10 M records fit; the probes come from the first chunk.
    chunk = args.chunk or args.records
    n_chunks = (args.records + chunk - 1) // chunk

    def chunk_rows(c):
        if n_chunks == 1:
            return generate(args.records, args.seed)[0]
        return generate(chunk, args.seed + c)[0]

    rows = chunk_rows(0)
    probes, rows = rows[-args.probes :], rows[: -args.probes]
    total = args.records - args.probes
    settings = sk.link(rows[:100000]).settings
    lk = sk.Linker(settings)
    sizes = sorted({min(int(x), total) for x in args.sizes.split(",")} | {total})
    before = rss_mb()
    done, build = 0, 0.0
    build_calls = array.array("d")  # wall time of every add() that builds the index
    chunk_index, chunk_start = 0, 0  # rows[i - chunk_start] is record i

    def measure(fn, label):
        lat, cpu = [], []
        for r in probes:
            t, c = time.perf_counter(), time.thread_time()
            fn(r)
            cpu.append(time.thread_time() - c)
            lat.append(time.perf_counter() - t)
        # Wall time, and this thread's CPU time (what the call costs without the waits a
        # loaded machine adds).
        for what, xs in (("CPU", cpu), ("wall", lat)):
            xs = np.array(xs[args.warmup :]) * 1e6
            print(
                f"Linker.{label} against {done:,} indexed records ({len(xs):,} calls), {what}: "
                f"p50 {np.percentile(xs, 50):.0f} us, p90 {np.percentile(xs, 90):.0f} us, "
                f"p99 {np.percentile(xs, 99):.0f} us, max {xs.max():.0f} us",
                flush=True,
            )

    for size in sizes:
        while done < size:
            if done - chunk_start >= len(rows):
                chunk_start += len(rows)
                chunk_index += 1
                rows = None
                rows = chunk_rows(chunk_index)
            upto = min(size, chunk_start + len(rows))
            t = time.perf_counter()
            for i in range(done - chunk_start, upto - chunk_start):
                a = time.perf_counter()
                lk.add(rows[i])
                build_calls.append(time.perf_counter() - a)
            build += time.perf_counter() - t
            done = upto
        measure(lambda r: lk.candidates(r, 5), "candidates(k=5)")
    measure(lk.add, "add")
    after = rss_mb()
    print(
        f"index built by add() in {build:.1f} s wall ({build / done * 1e6:.1f} us per record); "
        f"RSS before the index {before:,.0f} MB, after {after:,.0f} MB "
        f"({(after - before) * 1048576 / (done + len(probes)):,.0f} bytes per indexed record; one chunk of "
        f"Python rows held at both points)"
    )
    xs = np.frombuffer(build_calls, dtype=np.float64) * 1e3
    slow = np.sort(xs)[-5:][::-1]
    print(
        f"add() calls building the index ({len(xs):,}), wall: p99 {np.percentile(xs, 99) * 1e3:.0f} us, "
        f"p99.99 {np.percentile(xs, 99.99):.1f} ms, over 10 ms {int((xs > 10).sum())}, slowest "
        + ", ".join(f"{v:.1f}" for v in slow)
        + " ms (growing tables included)"
    )
    if args.save:
        # Saving and loading the whole index (Linker.save / Linker.load): wall time, file
        # size, and the loaded linker's answers against the original's for the probes.
        import os

        t = time.perf_counter()
        lk.save(args.save)
        saved = time.perf_counter() - t
        size = os.path.getsize(args.save)
        t = time.perf_counter()
        back = sk.Linker.load(args.save)
        loaded = time.perf_counter() - t
        same = all(back.candidates(r, 5) == lk.candidates(r, 5) for r in probes[:1000])
        print(
            f"save {saved:.1f} s ({size / 1e6:,.0f} MB, {size / len(lk):,.0f} bytes per record), "
            f"load {loaded:.1f} s; loaded answers equal the original's for 1,000 probes: {same}"
        )
        os.remove(args.save)


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
    ap.add_argument("--sizes", default="100000,300000", help="lookup: index sizes measured on the way")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument(
        "--chunk",
        type=int,
        default=0,
        help="lookup: generate the records in chunks of this many (one population "
        "each, seeds seed, seed+1, ...), holding one chunk at a time; 0 = one set",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--save", default="", help="lookup: also time Linker.save/load of the index to this path")
    args = ap.parse_args()
    {"link": run_link, "lookup": run_lookup, "write-csv": run_write_csv}[args.mode](args)


if __name__ == "__main__":
    main()
