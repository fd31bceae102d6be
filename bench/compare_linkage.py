"""Linkage quality and time on FEBRL3, FEBRL4 and a generated Indonesian set
(sk.sample.banyuwangi: name variants, mistyped/missing NIKs, spreadsheet damage, household
members as hard non-matches): smartkampung beside Splink (DuckDB) and the recordlinkage
toolkit when they are installed (pip install splink recordlinkage duckdb; bench-only, never
runtime dependencies). No labels are used for training by any engine; pairwise
precision/recall/F1 are counted from clusters. Times: wall and process CPU (all threads).

    PYTHONPATH=build-bench/python /tmp/peervenv/bin/python bench/compare_linkage.py --synthetic 100000
    ... --synthetic 0 (FEBRL only) --only synthetic --engines smartkampung

Written for Splink 5 (tables registered with DuckDBAPI().register, then Linker(tables,
settings); checked with splink 5.0.0, recordlinkage 0.16). Peer settings: their standard
comparisons (Jaro-Winkler / Levenshtein / DateOfBirthComparison / exact), blocking rules as
in their FEBRL examples, u by random sampling and m by EM on two blocking rules (Splink),
ECM (recordlinkage): no labels, as their docs recommend.

The peers get the generated set pre-cleaned (ISO dates, one sex code, NIK damage repaired,
RT/RW without leading zeros, lower-case names); smartkampung gets it raw.
"""

import argparse
import csv
import datetime
import logging
import os
import pathlib
import time

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
    """Pairwise precision, recall and F1 from clusters (the library's own measure)."""
    from smartkampung.linkage import pair_quality

    return pair_quality(ids, ent, left=left)


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


SYN_COLS = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]


def synthetic(n_records, seed=7):
    """About n_records records (all listings of a generated population) and their true persons."""
    import smartkampung as sk

    persons = max(50, int(n_records * 4.5))
    while True:
        rec = sk.sample.banyuwangi(persons, seed=seed).records
        if len(rec["person"]) >= n_records:
            break
        persons = int(persons * 1.2)
    n = n_records
    cols = {c: rec[c][:n].tolist() for c in SYN_COLS}
    rows = [{c: cols[c][i] for c in SYN_COLS if cols[c][i]} for i in range(n)]
    return rows, [int(x) for x in rec["person"][:n]]


def _iso(text):
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            pass
    return None


def cleaned(rows):
    """The generated records as a peer needs them (its comparators know no Indonesian formats)."""
    out = []
    for r in rows:
        nik = r.get("nik", "").lstrip("'")
        nik = nik[:-2] if nik.endswith(".0") else nik
        sex = r.get("sex", "")
        out.append({
            "nik": nik or None, "kk": r.get("kk") or None, "name": " ".join(r.get("name", "").lower().split()) or None,
            "birth_date": _iso(r["birth_date"]) if r.get("birth_date") else None,
            "sex": ("M" if sex in ("L", "LAKI-LAKI") else "F") if sex else None,
            "village": r.get("village") or None, "rt": r.get("rt", "").lstrip("0") or None,
            "rw": r.get("rw", "").lstrip("0") or None})
    return out


def run_smartkampung(left, right, kind="febrl"):
    import smartkampung as sk

    if kind == "synthetic":
        t, c = time.perf_counter(), time.process_time()
        res = sk.link(left)
        return res.cluster_ids.tolist(), time.perf_counter() - t, time.process_time() - c
    settings = (ROOT / "bench" / "febrl_settings.json").read_text()
    strip = lambda rows: [{k: r[k] for k in COLS} for r in rows]
    t, c = time.perf_counter(), time.process_time()
    res = sk.link(strip(left), right=strip(right) if right is not None else None, settings=settings)
    return res.cluster_ids.tolist(), time.perf_counter() - t, time.process_time() - c


def run_recordlinkage(left, right, kind="febrl"):
    import pandas as pd
    import recordlinkage as rl

    if kind == "synthetic":
        return run_recordlinkage_synthetic(left)
    dfa = pd.DataFrame(left)[COLS]
    dfb = pd.DataFrame(right)[COLS] if right is not None else None
    t, c = time.perf_counter(), time.process_time()
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
    return clusters_from_pairs(n, pairs), time.perf_counter() - t, time.process_time() - c


def run_recordlinkage_synthetic(rows):
    import pandas as pd
    import recordlinkage as rl

    cols = ["nik", "kk", "name", "birth_date", "sex", "village", "rt", "rw"]
    df = pd.DataFrame(cleaned(rows))[cols]
    t, c = time.perf_counter(), time.process_time()
    idx = rl.Index()
    idx.block("nik")
    idx.block("name")
    idx.block(["birth_date", "village"])
    cand = idx.index(df)
    cmp = rl.Compare()
    cmp.exact("nik", "nik", label="nik")
    cmp.string("name", "name", method="jarowinkler", threshold=0.9, label="name")
    cmp.exact("birth_date", "birth_date", label="birth_date")
    cmp.exact("sex", "sex", label="sex")
    cmp.exact("kk", "kk", label="kk")
    cmp.exact("village", "village", label="village")
    cmp.exact("rt", "rt", label="rt")
    cmp.exact("rw", "rw", label="rw")
    feats = cmp.compute(cand, df)
    matches = rl.ECMClassifier(binarize=None).fit_predict(feats)
    return clusters_from_pairs(len(df), list(matches)), time.perf_counter() - t, time.process_time() - c


def run_splink(left, right, kind="febrl"):
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    if kind == "synthetic":
        return run_splink_synthetic(left)
    dfa = pd.DataFrame(left)[COLS].replace("", None)
    dfa["unique_id"] = range(len(dfa))
    frames = [dfa]
    if right is not None:
        dfb = pd.DataFrame(right)[COLS].replace("", None)
        dfb["unique_id"] = range(len(dfa), len(dfa) + len(dfb))
        frames.append(dfb)
    t, c = time.perf_counter(), time.process_time()
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
    # Splink 5: tables are registered with the database API, then handed to the Linker.
    db_api = DuckDBAPI()
    tables = [db_api.register(f, dataset_display_name=f"febrl_{k}") for k, f in enumerate(frames)]
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    pred = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    pairs = list(zip(pred["unique_id_l"].astype(int), pred["unique_id_r"].astype(int)))
    n = sum(len(f) for f in frames)
    return clusters_from_pairs(n, pairs), time.perf_counter() - t, time.process_time() - c


def run_splink_synthetic(rows):
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = pd.DataFrame(cleaned(rows))
    df["unique_id"] = range(len(df))
    t, c = time.perf_counter(), time.process_time()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("nik"), block_on("name", "birth_date"), block_on("kk"), block_on("birth_date", "village"),
            block_on("name", "village")],
        comparisons=[
            cl.LevenshteinAtThresholds("nik", [1, 2]),
            cl.JaroWinklerAtThresholds("name", [0.94, 0.85, 0.7]),
            cl.DateOfBirthComparison("birth_date", input_is_string=True, datetime_format="%Y-%m-%d"),
            cl.ExactMatch("sex"),
            cl.LevenshteinAtThresholds("kk", [1]),
            cl.ExactMatch("village"),
            cl.ExactMatch("rt"),
            cl.ExactMatch("rw"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df, dataset_display_name="synthetic"), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on("nik")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    pred = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    pairs = list(zip(pred["unique_id_l"].astype(int), pred["unique_id_r"].astype(int)))
    return clusters_from_pairs(len(df), pairs), time.perf_counter() - t, time.process_time() - c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", type=int, default=100000, help="generated records (0: none)")
    ap.add_argument("--only", default="febrl3,febrl4,synthetic", help="data sets, comma-separated")
    ap.add_argument("--engines", default="smartkampung,splink,recordlinkage")
    args = ap.parse_args()
    only = set(args.only.split(","))
    tasks = {}
    if "febrl3" in only:
        tasks["febrl3"] = (read("dataset3.csv"), None)
    if "febrl4" in only:
        tasks["febrl4"] = (read("dataset4a.csv"), read("dataset4b.csv"))
    if "synthetic" in only and args.synthetic > 0:
        tasks[f"syn{args.synthetic // 1000}k"] = (synthetic(args.synthetic), None)
    every = {"smartkampung": run_smartkampung, "splink": run_splink, "recordlinkage": run_recordlinkage}
    engines = [(e, every[e]) for e in args.engines.split(",")]
    print(f"{'data':8} {'engine':14} {'precision':>9} {'recall':>8} {'F1':>8} {'wall s':>8} {'CPU s':>8}", flush=True)
    for name, (left, right) in tasks.items():
        rows, ent = left
        all_ent = ent + (right[1] if right else [])
        kind = "synthetic" if name.startswith("syn") else "febrl"
        for engine, fn in engines:
            try:
                ids, secs, cpu = fn(rows, right[0] if right else None, kind)
            except ImportError as e:
                print(f"{name:8} {engine:14} not installed ({e.name})")
                continue
            except Exception as e:  # a peer's API may differ between versions
                print(f"{name:8} {engine:14} failed: {type(e).__name__}: {e}")
                continue
            p, r, f = quality(ids, all_ent, left=len(rows) if right else None)
            print(f"{name:8} {engine:14} {p:9.5f} {r:8.5f} {f:8.5f} {secs:8.2f} {cpu:8.2f}", flush=True)


if __name__ == "__main__":
    main()
