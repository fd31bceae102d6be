"""Linkage quality and time on FEBRL3 and FEBRL4: smartkampung beside Splink (DuckDB) and
the recordlinkage toolkit when they are installed (pip install splink recordlinkage duckdb;
bench-only, never runtime dependencies). No labels are used for training by any engine;
pairwise precision/recall/F1 are counted from clusters.

    PYTHONPATH=build-linkage/python python3 bench/compare_linkage.py
"""

import csv
import os
import pathlib
import time
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("SKAMP_FEBRL_DIR", ROOT / ".." / "shared" / "data" / "febrl"))
COLS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
        "state", "date_of_birth", "soc_sec_id"]


def read(name):
    with open(DATA / name, newline="") as fh:
        rows = list(csv.DictReader(fh, skipinitialspace=True))
    ent = [r["rec_id"].split("-")[1] for r in rows]
    return rows, ent


def quality(ids, ent, left=None):
    def count(groups):
        n = 0
        for v in groups.values():
            if left is None:
                n += len(v) * (len(v) - 1) // 2
            else:
                a = sum(1 for x in v if x < left)
                n += a * (len(v) - a)
        return n

    found, truth, both = defaultdict(list), defaultdict(list), defaultdict(list)
    for i, (c, e) in enumerate(zip(ids, ent)):
        found[c].append(i)
        truth[e].append(i)
        both[(c, e)].append(i)
    tp, p, t = count(both), count(found), count(truth)
    prec = tp / p if p else 0.0
    rec = tp / t if t else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def clusters_from_pairs(n, pairs):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(n)]


def run_smartkampung(left, right):
    import smartkampung as sk

    settings = (ROOT / "bench" / "febrl_settings.json").read_text()
    strip = lambda rows: [{k: r[k] for k in COLS} for r in rows]
    t = time.perf_counter()
    res = sk.link(strip(left), right=strip(right) if right is not None else None, settings=settings)
    return res.cluster_ids.tolist(), time.perf_counter() - t


def run_recordlinkage(left, right):
    import pandas as pd
    import recordlinkage as rl

    dfa = pd.DataFrame(left)[COLS]
    dfb = pd.DataFrame(right)[COLS] if right is not None else None
    t = time.perf_counter()
    idx = rl.Index()
    idx.block("given_name")
    idx.block("surname")
    idx.block("date_of_birth")
    idx.block("soc_sec_id")
    cand = idx.index(dfa, dfb) if dfb is not None else idx.index(dfa)
    cmp = rl.Compare()
    cmp.exact("given_name", "given_name", label="given_name")
    cmp.exact("surname", "surname", label="surname")
    cmp.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    cmp.exact("suburb", "suburb", label="suburb")
    cmp.exact("state", "state", label="state")
    cmp.exact("address_1", "address_1", label="address_1")
    cmp.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    feats = cmp.compute(cand, dfa, dfb) if dfb is not None else cmp.compute(cand, dfa)
    ecm = rl.ECMClassifier(binarize=None)
    matches = ecm.fit_predict(feats)
    off = len(dfa)
    pairs = [(i, j + off if dfb is not None else j) for i, j in matches]
    n = len(dfa) + (len(dfb) if dfb is not None else 0)
    return clusters_from_pairs(n, pairs), time.perf_counter() - t


def run_splink(left, right):
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    dfa = pd.DataFrame(left)[COLS].replace("", None)
    dfa["unique_id"] = range(len(dfa))
    frames = [dfa]
    if right is not None:
        dfb = pd.DataFrame(right)[COLS].replace("", None)
        dfb["unique_id"] = range(len(dfa), len(dfa) + len(dfb))
        frames.append(dfb)
    t = time.perf_counter()
    settings = SettingsCreator(
        link_type="link_only" if right is not None else "dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"), block_on("date_of_birth"), block_on("soc_sec_id"),
            block_on("postcode", "street_number")],
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name", [0.94, 0.85, 0.7]),
            cl.JaroWinklerAtThresholds("surname", [0.94, 0.85, 0.7]),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.94, 0.85]),
            cl.JaroWinklerAtThresholds("suburb", [0.94, 0.85]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frames if len(frames) > 1 else frames[0], settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    pred = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    pairs = list(zip(pred["unique_id_l"].astype(int), pred["unique_id_r"].astype(int)))
    n = sum(len(f) for f in frames)
    return clusters_from_pairs(n, pairs), time.perf_counter() - t


def main():
    tasks = {"febrl3": (read("dataset3.csv"), None), "febrl4": (read("dataset4a.csv"), read("dataset4b.csv"))}
    engines = [("smartkampung", run_smartkampung), ("splink", run_splink), ("recordlinkage", run_recordlinkage)]
    print(f"{'data':8} {'engine':14} {'precision':>9} {'recall':>8} {'F1':>8} {'seconds':>8}")
    for name, (left, right) in tasks.items():
        rows, ent = left
        all_ent = ent + (right[1] if right else [])
        for engine, fn in engines:
            try:
                ids, secs = fn(rows, right[0] if right else None)
            except ImportError as e:
                print(f"{name:8} {engine:14} not installed ({e.name})")
                continue
            except Exception as e:  # a peer's API may differ between versions
                print(f"{name:8} {engine:14} failed: {type(e).__name__}: {e}")
                continue
            p, r, f = quality(ids, all_ent, left=len(rows) if right else None)
            print(f"{name:8} {engine:14} {p:9.5f} {r:8.5f} {f:8.5f} {secs:8.2f}")


if __name__ == "__main__":
    main()
