"""Arrow in and out of Python, side by side with pyarrow's own conversion (issue 21).

Targets: taking 1 M records in from a pyarrow Table, and handing 1 M decisions out to
pandas, each cost no more than 1.5x ``pyarrow.Table.to_pandas()`` of the same columns.
Every figure is the median of `repeats` runs in the same process, interleaved with its
baseline (the machine's load drifts).

    PYTHONPATH=build/python python3 bench/compare_arrow.py [n_records] [repeats]
"""

import statistics
import sys
import time

import numpy as np
import pyarrow as pa

import smartkampung as sk
from smartkampung import _core

FIELDS = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def records_table(n):
    """n programme records (text columns, as lists have them) from the synthetic sample."""
    sample = sk.sample.banyuwangi(max(1000, n // 2), seed=1)
    cols = sample.records
    have = len(cols["nik"])
    reps = -(-n // have)
    data = {f: np.tile(cols[f], reps)[:n].astype(object) for f in FIELDS}
    for f in FIELDS:
        data[f][data[f] == ""] = None
    return pa.table({f: pa.array(data[f], pa.string()) for f in FIELDS})


RULES = {
    "format": "skamp-rules/1",
    "ruleset": "bench",
    "version": "1",
    "scope": "person",
    "legal_basis": ["bench"],
    "valid": {"from": "2020-01-01", "to": "2020-12-31"},
    "inputs": {"person.income": "money", "person.poor": "bool", "person.village": "string"},
    "rules": [
        {"id": "income", "require": "person.income <= 1500000", "reason": {"code": "RICH", "id": "r", "en": "r"}},
        {"id": "poor", "require": "person.poor", "reason": {"code": "NOT_POOR", "id": "p", "en": "p"}},
        {"id": "village", "require": "person.village != 'Kota'", "reason": {"code": "TOWN", "id": "v", "en": "v"}},
    ],
    "amount": "300000",
}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    table = records_table(n)
    print(f"{n} records, {table.num_columns} text columns, {table.nbytes / 1e6:.0f} MB; median of {repeats} runs")

    base_in, intake, load = [], [], []
    for _ in range(repeats):
        base_in.append(timed(table.to_pandas)[0])
        intake.append(timed(lambda: _core._arrow_text_table(table))[0])
        reg = sk.Registry(as_of=__import__("datetime").date(2021, 1, 1))
        load.append(timed(lambda reg=reg: reg.add_records(table, program="P", progress=False))[0])
    b, i, l_ = (statistics.median(x) for x in (base_in, intake, load))
    print(f"  in   pyarrow.Table.to_pandas() (baseline)          {b * 1e3:9.1f} ms")
    print(f"  in   Arrow stream -> intake table (C++)            {i * 1e3:9.1f} ms   ratio {i / b:5.2f}")
    print(f"  in   Registry.add_records(pyarrow.Table), whole    {l_ * 1e3:9.1f} ms   ratio {l_ / b:5.2f}")

    rng = np.random.default_rng(1)
    inputs = pa.table(
        {
            "income": rng.integers(0, 3_000_000, n),
            "poor": rng.random(n) < 0.7,
            "village": pa.array(np.where(rng.random(n) < 0.1, "Kota", "Desa")),
        }
    )
    import datetime as dt

    rs = sk.RuleSet.from_json(__import__("json").dumps(RULES))
    decisions = rs.evaluate_batch(inputs, as_of=dt.date(2020, 5, 1), progress=False)
    same = decisions.to_arrow()  # the same columns, as a pyarrow.Table
    base_out, out, out_numpy = [], [], []
    import smartkampung._table as t

    for _ in range(repeats):
        base_out.append(timed(same.to_pandas)[0])
        out.append(timed(decisions.to_pandas)[0])
        keep = t._pyarrow
        t._pyarrow = lambda: None
        try:
            out_numpy.append(timed(decisions.to_pandas)[0])
        finally:
            t._pyarrow = keep
    b, o, on = (statistics.median(x) for x in (base_out, out, out_numpy))
    print(f"  out  pyarrow.Table.to_pandas() of the decisions    {b * 1e3:9.1f} ms")
    print(f"  out  DecisionTable.to_pandas()                     {o * 1e3:9.1f} ms   ratio {o / b:5.2f}")
    print(f"  out  DecisionTable.to_pandas() without pyarrow     {on * 1e3:9.1f} ms   ratio {on / b:5.2f}")


if __name__ == "__main__":
    main()
