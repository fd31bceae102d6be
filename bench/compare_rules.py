"""BLT Dana Desa in four engines on the same records: smartkampung (batch over numpy
columns, and one record at a time), zen-engine, CEL (common-expression-language) and
JsonLogic (json-logic-qubit). Prints time per record and agreement with smartkampung.

    pip install zen-engine common-expression-language json-logic-qubit   # bench only
    PYTHONPATH=build/python python bench/compare_rules.py [records] [repeats]

It also puts the Python batch side by side with the C++ batch over the same records
(issue #6 target: Python batch over numpy columns <= 1.3x the C++ batch): the C++ batch
is the records decoded from JSON in C++ once, then Evaluator::evaluate_batch alone,
timed inside the library (RuleSet._cpp_batch_timings); the Python batch is the whole
rs.evaluate_batch(table) call over columnar numpy input (decoding, evaluation, result
arrays). Medians of `repeats` runs (default 9) taken in the same process.

The peers have no NIK check, dates, missing-data logic or reasons: they are given a
precomputed `nik_ok` flag (smartkampung validates every member's NIK itself) and only
their eligible/not answer is compared.
"""

import datetime
import json
import os
import random
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # no idle BLAS threads spinning beside the timed thread

import numpy as np  # noqa: E402

import smartkampung as sk  # noqa: E402

AS_OF = datetime.date(2020, 5, 1)
EXCLUDED = ["PKH", "BPNT", "PRAKERJA"]


def make_records(n, seed=42):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        members = []
        for _ in range(rng.randint(1, 4)):
            born = datetime.date(1945, 1, 1) + datetime.timedelta(days=rng.randrange(0, 27000))
            day = born.day + (40 if rng.random() < 0.5 else 0)
            nik = f"351001{day:02d}{born.month:02d}{born.year % 100:02d}{rng.randint(1, 9000):04d}"
            if rng.random() < 0.02:
                nik = nik[:3] + "x" + nik[4:]
            members.append({"nik": nik, "birth_date": born.isoformat()})
        rows.append(
            {
                "programs": [p for p in ["PKH", "BPNT", "PRAKERJA", "BST"] if rng.random() < 0.125],
                "region_kind": "desa" if rng.random() < 0.83 else "kelurahan",
                "lost_livelihood": rng.random() < 0.33,
                "chronic_illness": rng.random() < 0.2,
                "in_dtks": rng.random() < 0.67,
                "sex": "F" if rng.random() < 0.25 else "M",
                "members": members,
            }
        )
    return rows


def columnar_table(rows, nik_dtype="S16"):
    """The records in the columnar form: flat arrays plus offsets for sets and lists. NIKs
    are ASCII digits: bytes ("S16") hold them in a quarter of the memory of str ("U16")."""

    def offsets(lists):
        return np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)

    members = [r["members"] for r in rows]
    programs = [r["programs"] for r in rows]
    return {
        "programs": (offsets(programs), np.array([c for p in programs for c in p], dtype="U8")),
        "region_kind": np.array([r["region_kind"] for r in rows]),
        "lost_livelihood": np.array([r["lost_livelihood"] for r in rows]),
        "chronic_illness": np.array([r["chronic_illness"] for r in rows]),
        "in_dtks": np.array([r["in_dtks"] for r in rows]),
        "head.sex": np.array([r["sex"] for r in rows]),
        "members": offsets(members),
        "members.nik": np.array([m["nik"] for ms in members for m in ms], dtype=nik_dtype),
        "members.birth_date": np.array([m["birth_date"] for ms in members for m in ms], dtype="datetime64[D]"),
    }


def median_time(fn, repeats):
    times = []
    out = None
    for _ in range(repeats):
        out, t = timed(fn)
        times.append(t)
    return out, statistics.median(times)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rows = make_records(n)
    rs = sk.rules.builtin("blt-dana-desa")
    table = {
        "programs": [r["programs"] for r in rows],
        "region_kind": np.array([r["region_kind"] for r in rows]),
        "lost_livelihood": np.array([r["lost_livelihood"] for r in rows]),
        "chronic_illness": np.array([r["chronic_illness"] for r in rows]),
        "in_dtks": np.array([r["in_dtks"] for r in rows]),
        "head.sex": np.array([r["sex"] for r in rows]),
        "members": [r["members"] for r in rows],
    }
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    records = [{"kk": {**{k: v for k, v in r.items() if k != "sex"}, "head": {"sex": r["sex"]}}} for r in rows]
    columnar = columnar_table(rows)
    rs.evaluate_batch(columnar, as_of=AS_OF)  # warm: the rule set's inputs and the program for the date
    old_form, t_old = median_time(lambda: rs.evaluate_batch(table, as_of=AS_OF), max(3, repeats // 3))
    # Interleaved rounds (the machine's load drifts): each round times the C++ batch 3
    # times and the Python batch 3 times, in wall-clock and in thread CPU time (the
    # evaluation runs in the calling thread; CPU time is steadier on a shared machine);
    # a ratio is the median over the rounds of (round median Python / round median C++).
    records_json = json.dumps(records)

    def rounds(tab, count):
        wall_cpp, cpu_cpp, wall_py, cpu_py = [], [], [], []
        out = cpp = None
        for _ in range(count):
            w, c, cpp = rs._cpp_batch_timings(records_json, AS_OF, 3)
            wall_cpp.append(statistics.median(w))
            cpu_cpp.append(statistics.median(c))
            ws, cs = [], []
            for _ in range(3):
                w0, c0 = time.perf_counter(), time.thread_time()
                out = rs.evaluate_batch(tab, as_of=AS_OF)
                cs.append(time.thread_time() - c0)
                ws.append(time.perf_counter() - w0)
            wall_py.append(statistics.median(ws))
            cpu_py.append(statistics.median(cs))
        ratio_wall = statistics.median([p / c for p, c in zip(wall_py, wall_cpp)])
        ratio_cpu = statistics.median([p / c for p, c in zip(cpu_py, cpu_cpp)])
        return (
            out,
            cpp,
            (
                statistics.median(wall_cpp),
                statistics.median(cpu_cpp),
                statistics.median(wall_py),
                statistics.median(cpu_py),
                ratio_wall,
                ratio_cpu,
            ),
        )

    fast, cpp, (t_cpp, c_cpp, t_batch, c_batch, ratio, ratio_cpu) = rounds(columnar, repeats)
    fast_u, _, stats_u = rounds(columnar_table(rows, nik_dtype="U16"), max(3, repeats // 2))
    for a, b in ((fast, old_form), (fast, cpp), (fast_u, cpp)):
        # evaluate_batch gives a DecisionTable: its arrays against the C++ batch's tuple.
        same = (np.array_equal(getattr(a, k), getattr(b, k)) for k in ("decisions", "amounts", "reasons"))
        assert all(same), "the batch forms disagree"
    decisions = fast.decisions
    ours = decisions == 0
    print(
        f"Python batch vs C++ batch, {n} records, median of {repeats} interleaved rounds of 3 runs each "
        "(wall ms / thread CPU ms):"
    )
    print(f"  C++ batch (decoded once, Evaluator::evaluate_batch)    {t_cpp * 1e3:8.2f} / {c_cpp * 1e3:8.2f}")
    print(f"  Python evaluate_batch, columnar numpy (NIKs S16)       {t_batch * 1e3:8.2f} / {c_batch * 1e3:8.2f}")
    print(f"  Python evaluate_batch, columnar numpy (NIKs U16)       {stats_u[2] * 1e3:8.2f} / {stats_u[3] * 1e3:8.2f}")
    print(f"  Python evaluate_batch, lists of dicts/code lists       {t_old * 1e3:8.2f}")
    print(
        f"  ratio Python columnar / C++ batch: S16 NIKs {ratio:.2f} wall, {ratio_cpu:.2f} CPU; "
        f"U16 NIKs {stats_u[4]:.2f} wall, {stats_u[5]:.2f} CPU (target <= 1.3); "
        f"lists of dicts / C++ {t_old / t_cpp:.2f} wall"
    )

    single_n = min(n, 5000)
    single, t_single = timed(
        lambda: [rs.evaluate(records[i], as_of=AS_OF).decision == "eligible" for i in range(single_n)]
    )
    assert single == list(ours[:single_n])

    contexts = [
        {
            "nik_ok": len(r["members"]) >= 1 and all(sk.is_valid_nik(m["nik"], AS_OF) for m in r["members"]),
            "region_kind": r["region_kind"],
            "programs": r["programs"],
            "lost_livelihood": r["lost_livelihood"],
            "chronic_illness": r["chronic_illness"],
            "in_dtks": r["in_dtks"],
        }
        for r in rows
    ]
    results = [
        ("smartkampung evaluate_batch (columnar numpy)", t_batch / n, 1.0),
        ("smartkampung evaluate_batch (lists of dicts)", t_old / n, 1.0),
        ("smartkampung evaluate (one dict at a time)", t_single / single_n, 1.0),
    ]

    def run_peer(name, fn):
        try:
            got, t = timed(lambda: [bool(fn(c)) for c in contexts])
        except Exception as e:  # a peer missing: say so, keep going
            print(f"{name}: not run ({e})")
            return
        agree = float(np.mean(np.array(got) == ours))
        results.append((name, t / n, agree))

    try:
        import zen

        expr = zen.compile_expression(
            "nik_ok and region_kind == 'desa' and not some(programs, # in ['PKH','BPNT','PRAKERJA']) "
            "and (lost_livelihood or chronic_illness or not in_dtks)"
        )
        run_peer("zen-engine (compiled expression)", expr.evaluate)
    except ImportError as e:
        print(f"zen-engine: not installed ({e})")
    try:
        import cel

        prog = cel.compile(
            "nik_ok && region_kind == 'desa' && !programs.exists(p, p in ['PKH','BPNT','PRAKERJA']) "
            "&& (lost_livelihood || chronic_illness || !in_dtks)"
        )
        run_peer("CEL (common-expression-language)", prog.execute)
    except ImportError as e:
        print(f"common-expression-language: not installed ({e})")
    try:
        from json_logic import jsonLogic

        rule = {
            "and": [
                {"var": "nik_ok"},
                {"==": [{"var": "region_kind"}, "desa"]},
                {"none": [{"var": "programs"}, {"in": [{"var": ""}, EXCLUDED]}]},
                {"or": [{"var": "lost_livelihood"}, {"var": "chronic_illness"}, {"!": {"var": "in_dtks"}}]},
            ]
        }
        run_peer("JsonLogic (json-logic-qubit)", lambda c: jsonLogic(rule, c))
    except ImportError as e:
        print(f"json-logic-qubit: not installed ({e})")

    print(f"{n} records, BLT Dana Desa on {AS_OF}; {int(ours.sum())} eligible")
    print(f"{'engine':48s} {'us/record':>10s} {'agreement':>10s}")
    for name, per, agree in results:
        print(f"{name:48s} {per * 1e6:10.2f} {agree * 100:9.2f}%")


if __name__ == "__main__":
    main()
