"""Registry against its peers, side by side in one run (peers are for the bench only):

1. Python dedup() over N records (recomputed each call) vs numpy.unique on the same NIKs as int64.
2. Loading CSV files + dedup vs pandas (read_csv + duplicated), DuckDB (read_csv + GROUP BY
   nik with count) and polars (read_csv of the NIK column only, as text, + n_unique: it
   neither validates nor repairs a NIK, nor reads the other columns), in MB/s: the same
   files, interleaved rounds, medians (SKAMP_COMPARE_ROUNDS, default 5). Each peer is
   optional; none is a dependency of smartkampung.

    pip install pandas duckdb polars
    PYTHONPATH=<build>/python python3 bench/compare_registry.py [n_persons]
"""

import os
import statistics
import sys
import tempfile
import time

import numpy as np

import smartkampung as sk


def best(fn, repeat=3):
    """Median time of `repeat` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main():
    n_persons = int(sys.argv[1]) if len(sys.argv) > 1 else 4_500_000
    t = time.perf_counter()
    sample = sk.sample.banyuwangi(n_persons, seed=1)
    print(f"sample: {sample.n_persons:,} persons, {sample.n_records:,} records in {time.perf_counter() - t:.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        paths = sample.write_csv(folder)
        programs = sample.programs()
        mb = sum(os.path.getsize(p) for p in paths) / 1e6

        # --- 1. dedup vs numpy.unique -----------------------------------------------------
        reg = sk.Registry()
        t = time.perf_counter()
        for path, (program, level) in zip(paths, programs):
            reg.load_csv(path, program=program, level=level)
        load_s = time.perf_counter() - t
        n = len(reg)
        niks = np.concatenate([np.array([r["nik"] for r in reg.records(p)], dtype=np.int64) for p, _ in programs])
        dedup_s, rep = best(reg.dedup)
        unique_s, uniq = best(lambda: np.unique(niks))
        assert rep.unique_persons == len(uniq)
        print(
            f"\ndedup of {n:,} records: smartkampung {dedup_s * 1e3:.1f} ms, numpy.unique {unique_s * 1e3:.1f} ms "
            f"-> ratio {dedup_s / unique_s:.2f}x (target <= 3x)"
        )

        # --- 2. loading + dedup vs pandas and DuckDB --------------------------------------
        # The same files for all three, timed in interleaved rounds (one run of each per
        # round) so that a busy machine slows them alike; medians are reported.
        def ours():
            r = sk.Registry()
            for path, (program, level) in zip(paths, programs):
                r.load_csv(path, program=program, level=level)
            return r.dedup().unique_persons

        peers = {"smartkampung": ours}
        try:
            import pandas as pd

            def with_pandas():
                frames = [pd.read_csv(p, sep=";" if i % 2 == 0 else ",", dtype=str) for i, p in enumerate(paths)]
                nik = pd.concat([f.iloc[:, 0] for f in frames])
                return int((~nik.duplicated()).sum())

            peers["pandas"] = with_pandas
        except ImportError:
            print("  pandas         not installed (pip install pandas)")
        try:
            import duckdb

            def with_duckdb():
                con = duckdb.connect()
                parts = []
                for i, p in enumerate(paths):
                    delim = ";" if i % 2 == 0 else ","
                    parts.append(
                        f"SELECT column0 AS nik FROM read_csv('{p}', delim='{delim}', header=true, "
                        f"all_varchar=true, columns={{'column0': 'VARCHAR', 'c1': 'VARCHAR', "
                        f"'c2': 'VARCHAR', 'c3': 'VARCHAR', 'c4': 'VARCHAR', 'c5': 'VARCHAR', "
                        f"'c6': 'VARCHAR', 'c7': 'VARCHAR', 'c8': 'VARCHAR', 'c9': 'VARCHAR'}})"
                    )
                # Distinct NIKs and how many are listed more than once, from GROUP BY nik with count.
                q = (
                    "SELECT count(*), count(*) FILTER (WHERE n > 1) FROM (SELECT nik, count(*) AS n FROM ("
                    + " UNION ALL ".join(parts)
                    + ") GROUP BY nik)"
                )
                return con.execute(q).fetchone()[0]

            peers["DuckDB"] = with_duckdb
        except ImportError:
            print("  DuckDB         not installed (pip install duckdb)")

        try:
            import polars as pl

            def with_polars():
                niks = [
                    pl.read_csv(p, separator=";" if i % 2 == 0 else ",", columns=[0], infer_schema=False).to_series()
                    for i, p in enumerate(paths)
                ]
                return pl.concat(niks).n_unique()

            peers["polars"] = with_polars
        except ImportError:
            print("  polars         not installed (pip install polars)")

        rounds = int(os.environ.get("SKAMP_COMPARE_ROUNDS", "5"))
        times = {name: [] for name in peers}
        cpu = {name: [] for name in peers}  # CPU seconds of the process (all threads): steadier on a busy machine
        for _ in range(rounds):
            for name, fn in peers.items():
                c = time.process_time()
                t = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t)
                cpu[name].append(time.process_time() - c)
        med = {name: statistics.median(v) for name, v in times.items()}
        med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
        ours_s = med["smartkampung"]
        print(
            f"\nload + dedup of {mb:.0f} MB in {len(paths)} files, median of {rounds} interleaved rounds "
            f"(first load {load_s:.2f} s):"
        )
        for name, sec in med.items():
            spread = f"[{min(times[name]):.2f} .. {max(times[name]):.2f}]"
            line = f"  {name:14s} {sec:6.2f} s {spread:16s} {mb / sec:7.1f} MB/s  cpu {med_cpu[name]:5.2f} s"
            if name != "smartkampung":
                line += f"  -> ours/{name} {ours_s / sec:.2f}x (cpu {med_cpu['smartkampung'] / med_cpu[name]:.2f}x)"
                if name == "DuckDB":
                    line += " (target <= 1.2x)"
                if name in ("pandas", "polars"):
                    line += " (target < 1x)"
            print(line)


if __name__ == "__main__":
    main()
