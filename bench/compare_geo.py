"""Batch nearest-house queries from Python: smartkampung against its peers, side by side.

1,000,000 query points over 10,000 houses (Banyuwangi regency), nearest house (k = 1):
  smartkampung   FacilityIndex.nearest_batch (exact WGS84, open filter, all cores)
  numpy          brute force on precomputed unit vectors (dot product, in chunks)
  cKDTree        scipy.spatial.cKDTree on unit vectors (no filter, no ellipsoid; workers=-1,
                 all cores, as smartkampung)
  BallTree       scikit-learn BallTree, haversine metric
  rtree          the rtree package (libspatialindex), nearest in degrees
Prints each one's median time over the repetitions and its agreement with smartkampung's
answer (the fraction of points given the same house); then smartkampung and cKDTree
alternating round by round, wall and process CPU time (BallTree and rtree run on one core,
numpy's matrix products on OpenBLAS's threads).

Peers are installed for this script only:  pip install scipy scikit-learn rtree
Run:  PYTHONPATH=build/python python bench/compare_geo.py [--points 1000000] [--houses 10000]
"""

import argparse
import os
import statistics
import time

import numpy as np

import smartkampung as sk


def unit(lat, lon):
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--houses", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rtree-points", type=int, default=100_000, help="rtree is slow: timed on fewer, scaled")
    args = ap.parse_args()
    load_start = os.getloadavg()[0]

    rng = np.random.default_rng(1)
    hl = rng.uniform(-8.8, -7.7, args.houses)
    hn = rng.uniform(113.8, 114.6, args.houses)
    ql = rng.uniform(-8.8, -7.7, args.points)
    qn = rng.uniform(113.8, 114.6, args.points)
    ids = np.arange(args.houses, dtype=np.int64)
    idx = sk.FacilityIndex.from_arrays(ids, hl, hn, np.full(args.houses, 10, dtype=np.int32))

    results = {}
    t, (sk_ids, _) = timed(lambda: idx.nearest_batch(ql, qn, k=1), args.repeat)
    ref = sk_ids[:, 0]
    results["smartkampung nearest_batch"] = (t, 1.0)

    hv = unit(hl, hn)
    qv = unit(ql, qn)

    def numpy_brute():
        out = np.empty(len(qv), dtype=np.int64)
        for s in range(0, len(qv), 2048):
            out[s : s + 2048] = np.argmax(qv[s : s + 2048] @ hv.T, axis=1)
        return out

    t, got = timed(numpy_brute, args.repeat)
    results["numpy brute force (unit vectors)"] = (t, float(np.mean(got == ref)))

    try:
        from scipy.spatial import cKDTree

        tree = cKDTree(hv)
        t, (_, got) = timed(lambda: tree.query(qv, k=1, workers=-1), args.repeat)
        results["scipy cKDTree (unit vectors)"] = (t, float(np.mean(got == ref)))
    except ImportError:
        results["scipy cKDTree (unit vectors)"] = None

    try:
        from sklearn.neighbors import BallTree

        ball = BallTree(np.radians(np.stack([hl, hn], axis=1)), metric="haversine")
        qr = np.radians(np.stack([ql, qn], axis=1))
        t, (_, got) = timed(lambda: ball.query(qr, k=1), args.repeat)
        results["scikit-learn BallTree (haversine)"] = (t, float(np.mean(got[:, 0] == ref)))
    except ImportError:
        results["scikit-learn BallTree (haversine)"] = None

    try:
        from rtree import index as rindex

        prop = rindex.Property()
        ri = rindex.Index(((int(i), (hn[i], hl[i], hn[i], hl[i]), None) for i in range(args.houses)), properties=prop)
        m = min(args.rtree_points, args.points)

        def rtree_query():
            return np.array([next(ri.nearest((qn[j], ql[j], qn[j], ql[j]), 1)) for j in range(m)])

        t, got = timed(rtree_query, 1)
        results["rtree (libspatialindex, degrees)"] = (t * args.points / m, float(np.mean(got == ref[:m])))
    except ImportError:
        results["rtree (libspatialindex, degrees)"] = None

    base = results["smartkampung nearest_batch"][0]
    print(
        f"{args.points:,} queries over {args.houses:,} houses, median of {args.repeat}; "
        f"nearest_batch and cKDTree (workers=-1) on all {os.cpu_count()} cores, "
        f"BallTree and rtree on one, numpy as its BLAS threads; "
        f"1-minute load average at start {load_start:.1f}, now {os.getloadavg()[0]:.1f}"
    )
    print(f"{'method':40s} {'seconds':>9s} {'vs sk':>7s} {'agreement':>10s}")
    for name, r in results.items():
        if r is None:
            print(f"{name:40s} {'not installed':>28s}")
            continue
        print(f"{name:40s} {r[0]:9.3f} {r[0] / base:6.1f}x {r[1]:10.5f}")

    # The closest peer again, alternating with smartkampung round by round, so that a change
    # of load on a shared machine hits both alike.
    try:
        from scipy.spatial import cKDTree

        tree = cKDTree(hv)
        mine, theirs, mine_cpu, theirs_cpu = [], [], [], []
        for _ in range(max(5, args.repeat)):
            t0, c0 = time.perf_counter(), time.process_time()
            idx.nearest_batch(ql, qn, k=1)
            mine.append(time.perf_counter() - t0)
            mine_cpu.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            tree.query(qv, k=1, workers=-1)
            theirs.append(time.perf_counter() - t0)
            theirs_cpu.append(time.process_time() - c0)
        m, c = statistics.median(mine), statistics.median(theirs)
        mc, cc = statistics.median(mine_cpu), statistics.median(theirs_cpu)
        print(
            f"alternating, median of {len(mine)}: smartkampung {m:.3f} s, cKDTree {c:.3f} s, "
            f"smartkampung / cKDTree = {m / c:.2f}"
        )
        # CPU time of the process (all its threads): on a loaded machine, wall time also
        # measures how much of the cores each got.
        print(
            f"alternating, process CPU time, median of {len(mine)}: smartkampung {mc:.3f} s, "
            f"cKDTree {cc:.3f} s, smartkampung / cKDTree = {mc / cc:.2f}"
        )
    except ImportError:
        pass


if __name__ == "__main__":
    main()
