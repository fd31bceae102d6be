"""Linkage quality, time and memory on FEBRL3, FEBRL4 and generated Indonesian sets: smartkampung
beside Splink (DuckDB) and the recordlinkage toolkit (pip install splink recordlinkage duckdb
pandas; bench-only, never runtime dependencies).

The generated sets come from bench/indonesia_population.py (independent of sk.sample): a
Banyuwangi-like population with repeated Javanese names, households, namesakes, twins, moved
persons and damaged identifiers; --synthetic gives the sizes (records), --seed the seed.

No labels are used for training by any engine; pairwise precision / recall / F1 are counted
from clusters. Every (set, engine) runs in its own subprocess: wall and process CPU seconds
(all threads) of the engine's run, and its peak RSS (the input is loaded and the engine
imported first; the peak is then reset through /proc/self/clear_refs, so the figure is the
run's, with the input held).

    PYTHONPATH=build/python /tmp/peervenv/bin/python bench/compare_linkage.py
    ... --synthetic 5000 100000 --seed 1 --only syn5k,syn100k --engines splink,recordlinkage
    ... --synthetic 0 (FEBRL only) --json out.json

Engines:
- smartkampung: sk.link, defaults on the raw generated records; bench/febrl_settings.json on FEBRL.
- splink (Splink 5, DuckDB), a standard model: on the generated sets, blocking on the NIK prefix
  (region + embedded birth date), on the NIK's date + serial, and on name + birth date, name +
  desa, birth date + desa; comparisons NIK (Damerau-Levenshtein 1 / 2), name (Splink's
  NameComparison: exact with term-frequency adjustment, Jaro-Winkler 0.92 / 0.88 / 0.7), birth
  date (DateOfBirthComparison), sex, desa, RT/RW (both / RW only); prior from deterministic
  rules, u by random sampling, m by EM on three training blocking rules (each holds its own
  fields out); connected components at --splink-threshold (0.99; P/R/F1 at 0.5-0.999 from
  the same predictions are printed below its row, so the best threshold can be read). On FEBRL: the comparisons and
  blocking of its FEBRL examples.
- recordlinkage (0.16): the union of the same blocks, binary comparisons (NIK within one edit,
  name Jaro-Winkler >= 0.9, exact birth date, sex, desa, KK), ECM. RT/RW is left out: it
  repeats the desa's evidence, which ECM (conditional independence) would count twice, and
  with it ECM settles on "same address" as its match class (F1 0.83-0.85 at 5k, seeds 1-3;
  0.94-0.97 without). On FEBRL: string comparisons (Jaro-Winkler >= 0.85, date / id exact).
- splink_idn, recordlinkage_idn: the same on names cleaned the Indonesian way (titles and
  degrees dropped, Muhammad spellings unified, pre-1972 spellings folded), written here.

The peers get the generated records cleaned (ISO dates, one sex code, spreadsheet marks removed
from the NIK, RT/RW without leading zeros, names lower-case without punctuation, desa keyed by
kecamatan); cleaning is done before their clocks start. smartkampung gets the records raw.
"""

import argparse
import csv
import datetime
import gc
import json
import logging
import os
import pathlib
import re
import subprocess
import sys
import time
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import _rss  # noqa: E402  (bench/ is on the path only now)

DATA = pathlib.Path(os.environ.get("SKAMP_FEBRL_DIR", ROOT / ".." / "shared" / "data" / "febrl"))
COLS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]


# --- data -----------------------------------------------------------------------------------


def read(name):
    with open(DATA / name, newline="") as fh:
        rows = list(csv.DictReader(fh, skipinitialspace=True))
    ent = [r["rec_id"].split("-")[1] for r in rows]
    return rows, ent


def synthetic(n_records, seed=1):
    """n_records records of bench/indonesia_population.py and their true persons."""
    import indonesia_population

    return indonesia_population.generate(n_records, seed=seed)


def load(name, seed):
    """(left rows, left truth), (right rows, right truth) or None."""
    if name == "febrl3":
        return read("dataset3.csv"), None
    if name == "febrl4":
        return read("dataset4a.csv"), read("dataset4b.csv")
    n = set_size(name)
    if n is None:
        raise SystemExit(f"unknown data set {name!r}")
    return synthetic(n, seed), None


def set_name(n):
    return f"syn{n // 1000}k" if n % 1000 == 0 else f"syn{n}"


def set_size(name):
    m = re.fullmatch(r"syn(\d+)(k?)", name)
    return int(m.group(1)) * (1000 if m.group(2) else 1) if m else None


# --- quality --------------------------------------------------------------------------------


def _pair_quality(ids, ent, left=None):
    """Pairwise precision / recall / F1 from clusters (as smartkampung.linkage.pair_quality)."""

    def pairs(labels):
        if left is None:
            return sum(n * (n - 1) // 2 for n in Counter(labels).values())
        sides = Counter((lab, i < left) for i, lab in enumerate(labels))
        return sum(n * sides.get((lab, False), 0) for (lab, is_left), n in sides.items() if is_left)

    ids = [int(c) for c in ids]
    tp, found, true = pairs(list(zip(ids, ent))), pairs(ids), pairs(list(ent))
    p = tp / found if found else 1.0
    r = tp / true if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def quality(ids, ent, left=None):
    """The library's own measure when it imports, the same count written here otherwise."""
    try:
        from smartkampung.linkage import pair_quality
    except ImportError:
        return _pair_quality(ids, ent, left)
    return pair_quality(ids, ent, left=left)


def clusters_from_pairs(n, pairs):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        a, b = find(int(i)), find(int(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(n)]


# --- cleaning for the peers -----------------------------------------------------------------


def _iso(text):
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), fmt).strftime("%Y-%m-%d")
        except ValueError:
            pass
    return None


def _nik(text):
    v = text.strip().lstrip("'")
    if v.endswith(".0"):
        v = v[:-2]
    return v if v.isdigit() else None


def _sex(text):
    t = text.strip().upper()
    if not t:
        return None
    return "M" if t.startswith("L") else "F" if t.startswith("P") else None


_TITLES = {
    "h",
    "hj",
    "haji",
    "hajjah",
    "drs",
    "dra",
    "ir",
    "dr",
    "prof",
    "kh",
    "ust",
    "ustadz",
    "bpk",
    "ibu",
    "sdr",
    "sdri",
    "alm",
    "almh",
}
_DEGREES = {
    "spd",
    "spdi",
    "se",
    "sh",
    "sag",
    "skom",
    "amd",
    "ssos",
    "st",
    "sp",
    "ssi",
    "mpd",
    "mm",
    "msi",
    "sip",
    "skep",
    "ak",
    "ama",
    "amapd",
    "sthi",
    "shi",
}
_MUHAMMAD = {
    "muhammad",
    "mohammad",
    "muhamad",
    "moh",
    "m",
    "mochammad",
    "muh",
    "mohamad",
    "mochamad",
    "muchammad",
    "muhammat",
    "mokhammad",
    "moch",
    "mhd",
    "md",
}


_DEGREE_END = re.compile(
    r"\s+(?:s\.?\s?(?:pd\.?\s?i|pd|e|h|ag|kom|sos|t|p|si|ip|kep|hi)|a\.?\s?md|" r"m\.?\s?(?:pd|m|si))\.?\s*$"
)


def _plain_name(text):
    """Standard cleaning: lower case, punctuation to spaces, one space between words."""
    return " ".join(re.sub(r"[^a-z ]", " ", text.lower()).split()) or None


def _fold_old(tok):
    """Spelling before 1972 (EYD) to today's: oe->u, dj->j, tj->c, sj->sy, nj->ny, ch->kh (old j for
    y is left: it cannot be told from today's j)."""
    t = tok.replace("oe", "u").replace("tj", "c").replace("dj", "j").replace("sj", "sy").replace("nj", "ny")
    return t.replace("ch", "kh")


def _idn_name(text):
    """Indonesian cleaning: titles and degrees dropped, Muhammad unified, old spelling folded."""
    raw = text.lower().strip()
    raw = re.sub(r",.*$", " ", raw).strip()  # ", S.Pd." and what follows
    while True:  # a degree written without a comma: "Endang S.Pd."
        cut = _DEGREE_END.sub("", raw)
        if cut == raw:
            break
        raw = cut
    toks = [t for t in re.split(r"[\s.]+", raw) if t]
    toks = [re.sub(r"[^a-z]", "", t) for t in toks]
    toks = [t for t in toks if t]
    while toks and toks[0] in _TITLES:
        toks = toks[1:]
    while len(toks) > 1 and toks[-1] in _DEGREES:
        toks = toks[:-1]
    out = []
    for t in toks:
        if t in _MUHAMMAD and not out:
            t = "muhammad"
        out.append(_fold_old(t))
    return " ".join(out) or None


def cleaned(rows, idn=False):
    """The generated records as a peer needs them (its comparators know no Indonesian formats)."""
    name = _idn_name if idn else _plain_name
    out = []
    for r in rows:
        nik = _nik(r.get("nik", ""))
        kk = _nik(r.get("kk", ""))
        rt = r.get("rt", "").strip().lstrip("0") or None
        rw = r.get("rw", "").strip().lstrip("0") or None
        village = r.get("village", "").strip().lower()
        district = r.get("district", "").strip().lower()
        out.append(
            {
                "nik": nik,
                "kk": kk,
                "name": name(r.get("name", "")),
                "birth_date": _iso(r["birth_date"]) if r.get("birth_date") else None,
                "sex": _sex(r.get("sex", "")),
                "village": f"{district}/{village}" if village else None,
                "rt": rt,
                "rw": rw,
            }
        )
    return out


# --- smartkampung ---------------------------------------------------------------------------


def prep_smartkampung(left, right, kind):
    if kind == "synthetic":
        return left, None

    def strip(rows):
        return [{k: r[k] for k in COLS} for r in rows]

    return strip(left), (strip(right) if right is not None else None)


def prep_smartkampung_defaults(left, right, kind):
    """FEBRL's columns mapped onto the registry's (no settings file): name, birth date, the
    social security number in the id column, street and suburb as address and village."""

    def mapped(rows):
        out = []
        for r in rows:
            out.append(
                {
                    "name": f"{r['given_name']} {r['surname']}".strip(),
                    "birth_date": r["date_of_birth"],
                    "nik": r["soc_sec_id"],
                    "address": " ".join(r[c] for c in ("street_number", "address_1", "address_2", "postcode") if r[c]),
                    "village": r["suburb"],
                    "district": r["state"],
                }
            )
        return out

    return mapped(left), (mapped(right) if right is not None else None)


def run_smartkampung_defaults(left, right, kind, args):
    import warnings

    import smartkampung as sk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no KK and no RT/RW in FEBRL: said, and expected
        res = sk.link(left, right=right)
    return res.cluster_ids.tolist()


def run_smartkampung(left, right, kind, args):
    import smartkampung as sk

    if kind == "synthetic":
        res = sk.link(left)
    else:
        settings = (ROOT / "bench" / "febrl_settings.json").read_text()
        res = sk.link(left, right=right, settings=settings)
    return res.cluster_ids.tolist()


# --- recordlinkage --------------------------------------------------------------------------


def prep_recordlinkage(left, right, kind, idn=False):
    import pandas as pd

    if kind == "synthetic":
        df = pd.DataFrame(cleaned(left, idn=idn))
        df["nik12"] = df["nik"].str.slice(0, 12)
        df["nik_ds"] = df["nik"].str.slice(6, 16)
        df["rt_rw"] = df["rt"].where(df["rw"].isna(), df["rt"] + "/" + df["rw"])
        return df, None
    dfa = pd.DataFrame(left)[COLS]
    dfb = pd.DataFrame(right)[COLS] if right is not None else None
    return dfa, dfb


def run_recordlinkage(dfa, dfb, kind, args):
    import recordlinkage as rl

    if kind == "synthetic":
        idx = rl.Index()
        idx.block("nik12")
        idx.block("nik_ds")
        idx.block(["name", "birth_date"])
        idx.block(["name", "village"])
        idx.block(["birth_date", "village"])
        cand = idx.index(dfa)
        cmp = rl.Compare()
        cmp.string("nik", "nik", method="damerau_levenshtein", threshold=0.93, label="nik")
        cmp.string("name", "name", method="jarowinkler", threshold=0.9, label="name")
        cmp.exact("birth_date", "birth_date", label="birth_date")
        cmp.exact("sex", "sex", label="sex")
        cmp.exact("village", "village", label="village")
        cmp.exact("kk", "kk", label="kk")
        feats = cmp.compute(cand, dfa)
        matches = rl.ECMClassifier(binarize=None).fit_predict(feats)
        return clusters_from_pairs(len(dfa), list(matches))
    idx = rl.Index()
    idx.block("given_name")
    idx.block("surname")
    idx.block("date_of_birth")
    idx.block("soc_sec_id")
    cand = idx.index(dfa, dfb) if dfb is not None else idx.index(dfa)
    cmp = rl.Compare()
    for col in ("given_name", "surname", "address_1", "suburb"):
        cmp.string(col, col, method="jarowinkler", threshold=0.85, label=col)
    for col in ("date_of_birth", "soc_sec_id", "state", "postcode"):
        cmp.exact(col, col, label=col)
    feats = cmp.compute(cand, dfa, dfb) if dfb is not None else cmp.compute(cand, dfa)
    matches = rl.ECMClassifier(binarize=None).fit_predict(feats)
    off = len(dfa)
    pairs = [(i, j + off if dfb is not None else j) for i, j in matches]
    n = len(dfa) + (len(dfb) if dfb is not None else 0)
    return clusters_from_pairs(n, pairs)


# --- Splink ---------------------------------------------------------------------------------


def prep_splink(left, right, kind, idn=False):
    import pandas as pd

    if kind == "synthetic":
        df = pd.DataFrame(cleaned(left, idn=idn))[["nik", "name", "birth_date", "sex", "village", "rt", "rw"]]
        df["unique_id"] = range(len(df))
        return [df], None
    dfa = pd.DataFrame(left)[COLS].replace("", None)
    dfa["unique_id"] = range(len(dfa))
    frames = [dfa]
    if right is not None:
        dfb = pd.DataFrame(right)[COLS].replace("", None)
        dfb["unique_id"] = range(len(dfa), len(dfa) + len(dfb))
        frames.append(dfb)
    return frames, None


_LAST_PRED = []  # the last Splink predictions (pairs >= 0.5), for the threshold sweep after the clock


def _splink_clusters(linker, pred, n, threshold):
    """Splink's connected components at threshold, as one int label per record."""
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=threshold
    ).as_pandas_dataframe()
    _LAST_PRED[:] = [pred]
    ids = list(range(n))
    labels = {}
    # link_only gives composite ids "<dataset>-__-<unique_id>"; unique ids run over both lists here
    for uid, cid in zip(clusters["unique_id"].astype(str), clusters["cluster_id"].astype(str)):
        ids[int(uid.rsplit("-__-", 1)[-1])] = labels.setdefault(cid, len(labels))
    return ids


def splink_sweep(n, ent, left, thresholds):
    """P/R/F1 of connected components at each threshold, from the stored predictions."""
    pred = _LAST_PRED[0].as_pandas_dataframe()
    out = {}
    for thr in thresholds:
        keep = pred[pred["match_probability"] >= thr]
        ids = clusters_from_pairs(
            n,
            zip(
                keep["unique_id_l"].astype(str).str.rsplit("-__-", n=1).str[-1].astype(int),
                keep["unique_id_r"].astype(str).str.rsplit("-__-", n=1).str[-1].astype(int),
            ),
        )
        out[str(thr)] = quality(ids, ent, left=left)
    return out


def run_splink(frames, _unused, kind, args):
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    n = sum(len(f) for f in frames)
    if kind == "synthetic":
        rt_rw = cl.CustomComparison(
            output_column_name="rt_rw",
            comparison_levels=[
                {
                    "sql_condition": "rt_l IS NULL OR rt_r IS NULL OR rw_l IS NULL OR rw_r IS NULL",
                    "label_for_charts": "RT or RW missing",
                    "is_null_level": True,
                },
                {"sql_condition": "rt_l = rt_r AND rw_l = rw_r", "label_for_charts": "same RT and RW"},
                {"sql_condition": "rw_l = rw_r", "label_for_charts": "same RW"},
                {"sql_condition": "ELSE", "label_for_charts": "other"},
            ],
        )
        settings = SettingsCreator(
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=[
                block_on("substr(nik, 1, 12)"),  # NIK prefix: region + embedded birth date
                block_on("substr(nik, 7, 10)"),  # embedded birth date + serial (region damaged)
                block_on("name", "birth_date"),
                block_on("name", "village"),
                block_on("birth_date", "village"),
            ],
            comparisons=[
                cl.DamerauLevenshteinAtThresholds("nik", [1, 2]),
                cl.NameComparison("name"),
                cl.DateOfBirthComparison("birth_date", input_is_string=True, datetime_format="%Y-%m-%d"),
                cl.ExactMatch("sex"),
                cl.ExactMatch("village"),
                rt_rw,
            ],
            retain_intermediate_calculation_columns=False,
        )
        db_api = DuckDBAPI()
        linker = Linker(
            db_api.register(frames[0], dataset_display_name="synthetic"), settings, log_level=logging.WARNING
        )
        linker.training.estimate_probability_two_random_records_match(
            [block_on("nik"), block_on("name", "birth_date", "village")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=args.splink_u_pairs, seed=1)
        em_pairs = args.splink_em_pairs or None
        for rule in (block_on("substr(nik, 1, 12)"), block_on("name", "birth_date"), block_on("birth_date", "village")):
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_pairs)
        pred = linker.inference.predict(threshold_match_probability=min(0.5, args.splink_threshold))
        return _splink_clusters(linker, pred, n, args.splink_threshold)
    settings = SettingsCreator(
        link_type="link_only" if len(frames) > 1 else "dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
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
    linker.training.estimate_probability_two_random_records_match([block_on("soc_sec_id")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    pred = linker.inference.predict(threshold_match_probability=min(0.5, args.splink_threshold))
    return _splink_clusters(linker, pred, n, args.splink_threshold)


# --- one run --------------------------------------------------------------------------------

SWEEP = (0.5, 0.9, 0.95, 0.99, 0.999)  # Splink thresholds also reported (from the same predictions)

ENGINES = {
    # name: (import for the engine, prepare (untimed), run (timed), data kinds)
    "smartkampung": ("smartkampung", prep_smartkampung, run_smartkampung, ("febrl", "synthetic")),
    "smartkampung_defaults": ("smartkampung", prep_smartkampung_defaults, run_smartkampung_defaults, ("febrl",)),
    "splink": ("splink", prep_splink, run_splink, ("febrl", "synthetic")),
    "splink_idn": ("splink", lambda left, right, k: prep_splink(left, right, k, idn=True), run_splink, ("synthetic",)),
    "recordlinkage": ("recordlinkage", prep_recordlinkage, run_recordlinkage, ("febrl", "synthetic")),
    "recordlinkage_idn": (
        "recordlinkage",
        lambda left, right, k: prep_recordlinkage(left, right, k, idn=True),
        run_recordlinkage,
        ("synthetic",),
    ),
}


def one_run(data, engine, args):
    module, prep, run, kinds = ENGINES[engine]
    kind = "synthetic" if data.startswith("syn") else "febrl"
    if kind not in kinds:
        return {"data": data, "engine": engine, "skipped": f"not for {kind}"}
    __import__(module)
    if engine.startswith("splink"):
        import splink.comparison_library  # noqa: F401  (imports are not timed)
    left, right = load(data, args.seed)
    a, b = prep(left[0], right[0] if right else None, kind)
    gc.collect()
    rss_input = _rss.status_kb("VmRSS")
    reset = _rss.reset_peak()
    t, c = time.perf_counter(), time.process_time()
    ids = run(a, b, kind, args)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    peak = _rss.maxrss_kb()
    ent = left[1] + (right[1] if right else [])
    p, r, f = quality(ids, ent, left=len(left[0]) if right else None)
    largest = max(Counter(ids).values())
    extra = {}
    if engine.startswith("splink") and _LAST_PRED:
        extra["threshold"] = args.splink_threshold
        extra["by_threshold"] = splink_sweep(len(ent), ent, len(left[0]) if right else None, SWEEP)
    return {
        **extra,
        "data": data,
        "engine": engine,
        "records": len(ent),
        "seed": args.seed if kind == "synthetic" else None,
        "precision": p,
        "recall": r,
        "f1": f,
        "largest_cluster": largest,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": peak / 1024,
        "input_rss_mb": rss_input / 1024,
        "peak_reset": reset,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--synthetic", type=int, nargs="+", default=[5000, 100000], help="generated set sizes in records (0: none)"
    )
    ap.add_argument("--seed", type=int, default=1, help="seed of the generated sets")
    ap.add_argument("--only", default=None, help="data sets, comma-separated (febrl3,febrl4,syn5k,syn100k,...)")
    ap.add_argument(
        "--engines", default="smartkampung,smartkampung_defaults,splink,splink_idn,recordlinkage,recordlinkage_idn"
    )
    ap.add_argument(
        "--splink-threshold",
        type=float,
        default=0.99,
        help="match probability for Splink's clusters (P/R/F1 at %s are reported too)" % (SWEEP,),
    )
    ap.add_argument("--splink-u-pairs", type=float, default=1e7, help="Splink: max_pairs for u by random sampling")
    ap.add_argument("--splink-em-pairs", type=float, default=5e6, help="Splink: max_pairs per EM pass (0: all)")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per run")
    ap.add_argument("--json", help="write all runs to this file as JSON")
    ap.add_argument("--in-process", action="store_true", help="no subprocesses (RSS is then not per run)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one:
        data, engine = json.loads(args.one)
        print("RESULT " + json.dumps(one_run(data, engine, args)), flush=True)
        return
    sets = args.only.split(",") if args.only else ["febrl3", "febrl4"] + [set_name(n) for n in args.synthetic if n > 0]
    engines = args.engines.split(",")
    for e in engines:
        if e not in ENGINES:
            raise SystemExit(f"unknown engine {e!r}; known: {', '.join(ENGINES)}")
    passthrough = [
        "--seed",
        str(args.seed),
        "--splink-threshold",
        str(args.splink_threshold),
        "--splink-u-pairs",
        str(args.splink_u_pairs),
        "--splink-em-pairs",
        str(args.splink_em_pairs),
    ]
    print(
        f"{'data':8} {'engine':18} {'precision':>9} {'recall':>8} {'F1':>8} {'wall s':>8} {'CPU s':>8} "
        f"{'RSS MB':>7} {'in MB':>6} {'largest':>7}",
        flush=True,
    )
    runs = []
    for data in sets:
        sized = set_size(data)
        data = set_name(sized) if sized else data
        for engine in engines:
            kind = "synthetic" if data.startswith("syn") else "febrl"
            if kind not in ENGINES[engine][3]:
                continue
            if args.in_process:
                try:
                    r = one_run(data, engine, args)
                except ImportError as e:
                    r = {"data": data, "engine": engine, "error": f"not installed ({e.name})"}
                except Exception as e:  # a peer's API may differ between versions
                    r = {"data": data, "engine": engine, "error": f"{type(e).__name__}: {e}"}
            else:
                cmd = [sys.executable, __file__, "--one", json.dumps([data, engine])] + passthrough
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
                    if line:
                        r = json.loads(line[-1][7:])
                    else:
                        err = (proc.stderr.strip().splitlines() or ["?"])[-1]
                        r = {"data": data, "engine": engine, "error": f"rc {proc.returncode}: {err}"}
                except subprocess.TimeoutExpired:
                    r = {"data": data, "engine": engine, "error": f"timed out after {args.timeout:.0f} s"}
            runs.append(r)
            if "error" in r:
                print(f"{data:8} {engine:18} failed: {r['error']}", flush=True)
            elif "skipped" not in r:
                print(
                    f"{data:8} {engine:18} {r['precision']:9.5f} {r['recall']:8.5f} {r['f1']:8.5f} "
                    f"{r['wall_s']:8.2f} {r['cpu_s']:8.2f} {r['peak_rss_mb']:7.0f} {r['input_rss_mb']:6.0f} "
                    f"{r['largest_cluster']:7}",
                    flush=True,
                )
                if r.get("by_threshold"):
                    print(
                        f"{'':8} {'  by threshold':18} "
                        + "  ".join(f"{t}: {q[0]:.4f}/{q[1]:.4f}/{q[2]:.4f}" for t, q in r["by_threshold"].items()),
                        flush=True,
                    )
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
