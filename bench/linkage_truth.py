"""Linkage quality against the truth of bench/indonesia_population.py, with sk.link defaults.

Every run (size x seed x shape) is its own subprocess, so peak RSS is per run. Per run:
records, pairwise precision / recall / F1 from the clusters (smartkampung.linkage.pair_quality),
largest cluster, wall and CPU seconds of sk.link (CPU: the process, all threads), peak RSS
while linking (the input rows are held; the generator's own peak is reset before sk.link, via
/proc/self/clear_refs), RSS with the input loaded, and res.stats.

    PYTHONPATH=/work/main/build/python python3 bench/linkage_truth.py --sizes 5000 100000
    ... --sizes 1000000 --seeds 1 2 3 --shape default harsh "p_moved=0.3;name_zipf=1.3" --json out.json

A shape is a preset name (see PRESETS) or KEY=VALUE settings of
indonesia_population.DEFAULT_SHAPE separated by ';' (tuples with commas).
"""

import argparse
import gc
import json
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _rss  # noqa: E402  (bench/ is on the path only now)

PRESETS = {
    "default": "",
    "clean": "p_moved=0;p_nik_damage=0;p_excel=0;p_no_kk=0;p_dob_swap=0;p_dob_year=0;p_dob_missing=0;"
    "p_sex_missing=0;p_typo=0;p_spaces=0;p_nik_dob_mismatch=0",
    "harsh": "p_moved=0.25;p_nik_damage=0.45;p_no_kk=0.3;p_typo=0.2;p_dob_missing=0.08;p_excel=0.08",
    "common_names": "name_zipf=1.5;p_namesake=0.08;p_namesake_year=0.6;p_single_name=0.25",
    "varied_names": "name_zipf=0.6;p_namesake=0.01",
    "big_households": "household_sizes=0.05,0.15,0.25,0.25,0.18,0.12;p_twins=0.1;p_junior=0.08",
    "few_lists": "appearances=0.7,0.2,0.07,0.03",
}


def parse_shape(text):
    import indonesia_population as ip

    text = PRESETS.get(text, text)
    items = [t for t in text.split(";") if t.strip()]
    return ip._parse_shape([t.strip() for t in items])


def _import_sk(wait):
    deadline = time.time() + wait
    while True:
        try:
            import smartkampung as sk
            from smartkampung.linkage import pair_quality

            return sk, pair_quality
        except ImportError as e:
            if time.time() > deadline:
                raise
            print(
                f"import smartkampung failed ({e}); the build may be in progress, retrying in 60 s",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(60)
            for m in [m for m in sys.modules if m.startswith("smartkampung")]:
                del sys.modules[m]


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return str(x)


def one_run(size, seed, shape_text, input_kind, wait, settings=None):
    """In the child: generate, link (defaults, or `settings` over them), measure; returns a dict."""
    import indonesia_population as ip

    sk, pair_quality = _import_sk(wait)
    t = time.perf_counter()
    rows, truth = ip.generate(size, seed=seed, **parse_shape(shape_text))
    gen_s = time.perf_counter() - t
    if input_kind == "dataframe":
        import pandas as pd

        rows = pd.DataFrame(rows, columns=ip.FIELDS).fillna("")
    gc.collect()
    rss_input = _rss.status_kb("VmRSS")
    reset = _rss.reset_peak()
    t, c = time.perf_counter(), time.process_time()
    res = sk.link(rows, settings=settings) if settings else sk.link(rows)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    peak = _rss.maxrss_kb()
    ids = res.cluster_ids
    p, r, f = pair_quality(ids, truth)
    import numpy as np

    sizes = np.bincount(np.unique(np.asarray(ids), return_inverse=True)[1])
    try:
        st = _jsonable(dict(res.stats))
    except Exception as e:  # stats are optional
        st = {"error": f"{type(e).__name__}: {e}"}
    return {
        "records": size,
        "seed": seed,
        "shape": shape_text,
        "input": input_kind,
        "precision": p,
        "recall": r,
        "f1": f,
        "largest_cluster": int(sizes.max()),
        "clusters": int(len(sizes)),
        "clusters_over_10": int((sizes > 10).sum()),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": peak / 1024,
        "peak_reset": reset,
        "input_rss_mb": rss_input / 1024,
        "generate_s": gen_s,
        "stats": st,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 100000, 1000000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument(
        "--shape", nargs="+", default=["default"], help=f"presets ({', '.join(PRESETS)}) or 'KEY=VALUE;KEY=VALUE'"
    )
    ap.add_argument(
        "--input",
        choices=["dicts", "dataframe"],
        default="dicts",
        help="how the rows are handed to sk.link (default: a list of dicts)",
    )
    ap.add_argument("--settings", help="settings over the defaults, as JSON (e.g. '{\"threshold\": 0.99}')")
    ap.add_argument("--json", help="write all runs to this file as JSON")
    ap.add_argument("--wait", type=float, default=600, help="seconds to keep retrying a failing import")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    ap.add_argument("--no-stats", action="store_true", help="do not print res.stats")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one:
        size, seed, shape, kind = json.loads(args.one)
        result = one_run(size, seed, shape, kind, args.wait, args.settings)
        print("RESULT " + json.dumps(result), flush=True)
        return
    for s in args.shape:
        parse_shape(s)  # fail early on a bad shape
    runs = []
    head = (
        f"{'records':>9} {'seed':>4} {'shape':14} {'precision':>9} {'recall':>7} {'F1':>7} {'largest':>8} "
        f"{'wall s':>7} {'CPU s':>7} {'RSS MB':>7} {'in MB':>6}"
    )
    print(head, flush=True)
    for shape in args.shape:
        for size in args.sizes:
            for seed in args.seeds:
                cmd = [
                    sys.executable,
                    __file__,
                    "--one",
                    json.dumps([size, seed, shape, args.input]),
                    "--wait",
                    str(args.wait),
                ] + (["--settings", args.settings] if args.settings else [])
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    print(f"{size:>9} {seed:>4} {shape[:14]:14} timed out after {args.timeout:.0f} s", flush=True)
                    runs.append({"records": size, "seed": seed, "shape": shape, "error": "timeout"})
                    continue
                line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
                if proc.returncode != 0 or not line:
                    err = (proc.stderr.strip().splitlines() or ["?"])[-1]
                    print(f"{size:>9} {seed:>4} {shape[:14]:14} failed (rc {proc.returncode}): {err}", flush=True)
                    runs.append(
                        {"records": size, "seed": seed, "shape": shape, "error": err, "returncode": proc.returncode}
                    )
                    continue
                r = json.loads(line[-1][7:])
                runs.append(r)
                print(
                    f"{size:>9} {seed:>4} {shape[:14]:14} {r['precision']:9.5f} {r['recall']:7.4f} {r['f1']:7.4f} "
                    f"{r['largest_cluster']:>8} {r['wall_s']:7.2f} {r['cpu_s']:7.2f} {r['peak_rss_mb']:7.0f} "
                    f"{r['input_rss_mb']:6.0f}",
                    flush=True,
                )
                if not args.no_stats and r.get("stats"):
                    print("          stats: " + json.dumps(r["stats"], sort_keys=True), flush=True)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(runs, indent=1))
    ok = [r for r in runs if "error" not in r]
    if ok:
        print(
            f"worst precision {min(r['precision'] for r in ok):.5f}, worst recall {min(r['recall'] for r in ok):.4f} "
            f"over {len(ok)} runs; {len(runs) - len(ok)} failed",
            flush=True,
        )


if __name__ == "__main__":
    main()
