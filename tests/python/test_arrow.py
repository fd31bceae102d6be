"""Arrow in and out of Python: every loader takes pyarrow, polars, pandas (numpy, nullable
and Arrow-backed dtypes) and DuckDB relations, and gives the same answer as the list of
dicts; every tabular result is a Table that pyarrow, polars, pandas and DuckDB read
value for value as its rows."""

import datetime as dt
import json

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import smartkampung as sk

from test_rules_columnar import KINDS_DOC

FIELDS = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]


@pytest.fixture(scope="module")
def sample():
    return sk.sample.banyuwangi(4000, seed=3)


def program_dicts(sample, program):
    return sample.program_records(program)


def frames(dicts):
    """The same records in every form a loader takes: name -> object."""
    full = [{f: d.get(f) for f in FIELDS} for d in dicts]
    table = pa.Table.from_pylist(full)
    numpy_frame = pd.DataFrame(full, dtype=object)
    nullable = pd.DataFrame(full).astype("string")
    arrow_backed = pd.DataFrame(full).astype(pd.ArrowDtype(pa.string()))
    rel = duckdb.from_arrow(table)
    return {
        "pyarrow": table,
        "record_batch": table.combine_chunks().to_batches()[0] if len(table) else table,
        "polars": pl.from_arrow(table),
        "pandas_numpy": numpy_frame,
        "pandas_nullable": nullable,
        "pandas_arrow": arrow_backed,
        "duckdb": rel,
    }


def load(records, sample=None, **kw):
    reg = sk.Registry(as_of=dt.date(2021, 1, 1))
    rep = reg.add_records(records, program="PKH", **kw)
    return reg, rep


def test_registry_from_every_frame_equals_the_dicts(sample):
    dicts = program_dicts(sample, "PKH")
    want_reg, want_rep = load(dicts)
    want = want_reg.records("PKH").to_pylist()
    want_dedup = want_reg.dedup()
    assert len(want) == want_rep.loaded > 50
    for name, obj in frames(dicts).items():
        reg, rep = load(obj)
        assert (rep.loaded, len(rep.rejected), rep.unkeyed) == (
            want_rep.loaded,
            len(want_rep.rejected),
            want_rep.unkeyed,
        ), name
        assert reg.records("PKH").to_pylist() == want, name
        got = reg.dedup()
        assert list(got.duplicates) == list(want_dedup.duplicates), name
        assert list(got.conflicts) == list(want_dedup.conflicts), name


def test_header_aliases_and_column_maps_apply_to_frames(sample):
    dicts = program_dicts(sample, "PKH")[:60]
    renamed = [
        {
            "NIK": d.get("nik"),
            "Nama Lengkap": d.get("name"),
            "Tgl. Lahir": d.get("birth_date"),
            "L/P": d.get("sex"),
            "NOMOR_KELUARGA": d.get("kk"),
        }
        for d in dicts
    ]
    want_reg, want_rep = load(renamed, columns={"kk": "NOMOR_KELUARGA"})
    want = want_reg.records("PKH").to_pylist()
    assert want_rep.columns["kk"] == "NOMOR_KELUARGA" and want_rep.columns["birth_date"] == "Tgl. Lahir"
    table = pa.Table.from_pylist(renamed)
    for obj in (table, pl.from_arrow(table), pd.DataFrame(renamed).astype("string"), duckdb.from_arrow(table)):
        reg, rep = load(obj, columns={"kk": "NOMOR_KELUARGA"})
        assert rep.columns == want_rep.columns
        assert reg.records("PKH").to_pylist() == want


def test_typed_columns_are_read_as_list_files_hold_them():
    # NIK as int64, birth dates as date32 / timestamps / pandas datetimes, rt as nullable Int64.
    rows = [
        {"nik": 3510014501900001, "name": "Siti", "birth_date": dt.date(1990, 1, 5), "rt": 3},
        {"nik": 3510011203850002, "name": "Budi", "birth_date": None, "rt": None},
    ]
    want_reg, _ = load(
        [
            {
                "nik": str(r["nik"]),
                "name": r["name"],
                "birth_date": r["birth_date"].isoformat() if r["birth_date"] else None,
                "rt": r["rt"],
            }
            for r in rows
        ]
    )
    want = want_reg.records("PKH").to_pylist()
    table = pa.Table.from_pylist(rows)
    frame = pd.DataFrame(rows).astype({"rt": "Int64", "nik": "Int64"})
    frame["birth_date"] = pd.to_datetime(frame["birth_date"])
    for obj in (table, frame, pl.from_arrow(table)):
        reg, _ = load(obj)
        assert reg.records("PKH").to_pylist() == want
    assert want[0]["birth_date"] == dt.date(1990, 1, 5) and want[1]["rt"] is None


def test_unsupported_types_are_named():
    table = pa.table({"nik": pa.array([b"35100145019"], pa.binary()), "name": ["Siti"]})
    with pytest.raises(sk.Error, match="column 'nik'.*binary"):
        load(table)
    reg, _ = load([{"nik": "3510014501900001", "name": "A"}])
    with pytest.raises(sk.Error, match="column 'tags'.*list"):
        reg.add_records(pa.table({"nik": ["3510014501900001"], "tags": [["x"]]}), program="P")


def result_rows(table):
    return [tuple(r.values()) for r in table.to_pylist()]


def test_result_tables_round_trip_through_every_library(sample):
    reg, _ = sk.sample.to_registry(sample)
    reg.set_exclusions([("PKH", "BST", "kk")])
    rep = reg.dedup()
    for name in ("duplicates", "overlaps", "conflicts", "nik_mismatches", "exclusion_violations"):
        res = getattr(rep, name)
        rows = result_rows(res)
        assert len(rows) == len(res) and res.columns
        arrow = res.to_arrow()
        assert arrow.column_names == res.columns
        assert [tuple(d.values()) for d in arrow.to_pylist()] == rows, name
        assert [tuple(d.values()) for d in res.to_polars().to_dicts()] == rows, name
        frame = res.to_pandas()
        assert list(frame.columns) == res.columns and len(frame) == len(rows)
        got = duckdb.sql(f"select {', '.join(res.columns)} from res").fetchall()
        assert [tuple(r) for r in got] == rows, name
    dups = rep.duplicates
    assert len(dups) > 0 and list(dups) == [(p, n, c) for p, n, c in rows_of(dups)]
    counted = duckdb.sql("select program, count(*) from dups group by program order by program").fetchall()
    assert sum(c for _, c in counted) == len(dups)
    assert rep.overlaps == {r["nik"]: r["programs"] for r in rep.overlaps.to_pylist()}


def rows_of(table):
    return [tuple(d.values()) for d in table.to_pylist()]


def test_records_table_matches_the_rows(sample):
    reg, _ = sk.sample.to_registry(sample)
    res = reg.records("BPNT")
    frame = res.to_pandas()
    assert list(frame["nik"]) == [r["nik"] for r in res]
    assert frame["birth_date"].tolist() == [r["birth_date"] for r in res]
    nik_counts = duckdb.sql("select count(distinct nik) from res").fetchall()[0][0]
    assert nik_counts == len({r["nik"] for r in res})


def test_link_from_frames_equals_the_dicts(sample):
    dicts = [{f: d.get(f) for f in FIELDS} for d in program_dicts(sample, "PKH") + program_dicts(sample, "BPNT")]
    want = sk.link(dicts, as_of=dt.date(2021, 1, 1))
    table = pa.Table.from_pylist(dicts)
    for obj in (table, pl.from_arrow(table), pd.DataFrame(dicts).astype("string"), duckdb.from_arrow(table)):
        got = sk.link(obj, as_of=dt.date(2021, 1, 1))
        assert list(got.pairs) == list(want.pairs)
        assert got.cluster_ids.tolist() == want.cluster_ids.tolist()
    pairs = want.pairs
    assert pairs.columns == ["i", "j", "probability", "match_weight"] and len(pairs) > 0
    assert [tuple(r) for r in duckdb.sql("select i, j, probability from pairs").fetchall()] == list(pairs)
    clusters = want.clusters.to_pandas()
    assert clusters["cluster_id"].tolist() == want.cluster_ids.tolist()


KINDS = sk.RuleSet.from_json(json.dumps(KINDS_DOC))
MAY = dt.date(2020, 5, 1)


def kinds_rows():
    members = [
        {"nik": "3510014501900001", "birth_date": dt.date(1950, 1, 1), "disabled": False, "hours": 5},
        {"nik": "12", "birth_date": dt.date(2000, 1, 1), "disabled": True, "hours": None},
    ]
    return [
        {
            "size": 3,
            "income": 100000,
            "village": "Kemiren",
            "registered": dt.date(2020, 1, 1),
            "kind": "a",
            "flag": True,
            "programs": ["BST"],
            "members": members[:1],
        },
        {
            "size": 1,
            "income": 900000,
            "village": "Glagah",
            "registered": dt.date(2020, 4, 25),
            "kind": "c",
            "flag": False,
            "programs": ["PKH", "BST", "X"],
            "members": members,
        },
        {
            "size": None,
            "income": None,
            "village": None,
            "registered": None,
            "kind": None,
            "flag": None,
            "programs": None,
            "members": None,
        },
    ]


def test_rule_batches_from_arrow_equal_the_record_path():
    rows = kinds_rows()
    table = pa.Table.from_pylist(rows)
    got = KINDS.evaluate_batch(table, as_of=MAY)
    want = [
        KINDS.evaluate(
            {
                "kk": {
                    k: (
                        v.isoformat()
                        if isinstance(v, dt.date)
                        else [{**m, "birth_date": m["birth_date"].isoformat()} for m in v]
                        if k == "members" and v
                        else v
                    )
                    for k, v in r.items()
                    if v is not None
                }
            },
            as_of=MAY,
            explain=True,
        )
        for r in rows
    ]
    assert got.columns == ["decision", "amount", "priority", "reason", "reasons"]
    assert [r["decision"] for r in got] == [d.decision for d in want]
    assert [r["amount"] for r in got] == [d.amount for d in want]
    assert [r["reasons"] for r in got] == [[x.code for x in d.reasons] for d in want]
    assert [r["reason"] for r in got] == [d.reasons[0].code if d.reasons else None for d in want]
    for obj in (pl.from_arrow(table), duckdb.from_arrow(table)):
        assert KINDS.evaluate_batch(obj, as_of=MAY).to_pylist() == got.to_pylist()


def test_pandas_nullable_and_ya_tidak_columns():
    frame = pd.DataFrame(
        {
            "flag": pd.array([True, None, False], dtype="boolean"),
            "size": pd.array([3, None, 1], dtype="Int64"),
            "village": pd.array(["Kemiren", None, "Glagah"], dtype="string"),
            "kind": ["c", "c", "c"],
        }
    )
    text = frame.assign(flag=["ya", None, "tidak"])
    arrow_backed = frame.astype({"village": pd.ArrowDtype(pa.string())})
    results = [KINDS.evaluate_batch(f, as_of=MAY).to_pylist() for f in (frame, text, arrow_backed)]
    assert results[0] == results[1] == results[2]
    # the flag decides rule "kind": True passes it, False fails it, missing leaves it unknown
    assert "KIND" not in results[0][0]["reasons"] and "KIND" in results[0][2]["reasons"]
    with pytest.raises(sk.RuleError, match="column 'flag', row 0"):
        KINDS.evaluate_batch(pa.table({"flag": ["mungkin"]}), as_of=MAY)


def test_decision_table_keeps_the_array_attributes():
    res = KINDS.evaluate_batch(pa.Table.from_pylist(kinds_rows()), as_of=MAY)
    assert res.decisions.dtype == np.int8 and len(res.decisions) == 3
    assert res.amounts.tolist() == [r["amount"] for r in res]
    assert res.reasons.tolist() == [r["reason"] or "" for r in res]
    frame = res.to_pandas()
    assert frame["decision"].tolist() == [r["decision"] for r in res]


def test_tables_without_pyarrow_paths(monkeypatch, sample):
    # The numpy path of to_pandas (pyarrow absent) gives the same frame values.
    reg, _ = sk.sample.to_registry(sample)
    res = reg.records("PKH")
    with_pa = res.to_pandas()
    import smartkampung._table as t

    monkeypatch.setattr(t, "_pyarrow", lambda: None)
    without = res.to_pandas()
    assert list(without.columns) == list(with_pa.columns)
    for col in ("nik", "name", "line"):
        assert without[col].tolist() == with_pa[col].tolist()
    assert [None if pd.isna(v) else int(v) for v in without["rt"]] == [
        None if pd.isna(v) else int(v) for v in with_pa["rt"]
    ]


def big_income_table(n):
    rng = np.random.default_rng(5)
    return {"size": rng.integers(1, 6, n), "income": rng.integers(0, 900_000, n)}


def test_progress_increases_and_cancels():
    table = big_income_table(50_000)
    seen = []
    res = KINDS.evaluate_batch(table, as_of=MAY, progress=lambda done, total: seen.append((done, total)))
    assert len(res) == 50_000 and len(seen) >= 10
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and dones[0] == 0 and dones[-1] == 50_000
    assert all(t == 50_000 for _, t in seen)
    calls = []

    def stop_at_half(done, total):
        calls.append(done)
        return done < total // 2

    with pytest.raises(sk.Cancelled):
        KINDS.evaluate_batch(table, as_of=MAY, progress=stop_at_half)
    assert calls and max(calls) >= 25_000 and max(calls) < 50_000
    with pytest.raises(ZeroDivisionError):  # an exception in the callback stops the batch and is raised
        KINDS.evaluate_batch(table, as_of=MAY, progress=lambda d, t: 1 / 0)


def test_progress_bar_is_silent_when_off_or_without_tqdm(capsys, monkeypatch):
    table = big_income_table(30_000)
    monkeypatch.setattr(sk.settings, "progress_min_rows", 1000)
    monkeypatch.setattr(sk.settings, "progress_delay", 0)  # the bar at once, however fast
    KINDS.evaluate_batch(table, as_of=MAY)
    shown = capsys.readouterr()
    assert "rules" in shown.err  # tqdm's bar, on stderr
    KINDS.evaluate_batch(table, as_of=MAY, progress=False)
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(sk.settings, "progress", False)
    KINDS.evaluate_batch(table, as_of=MAY)
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(sk.settings, "progress", True)
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    KINDS.evaluate_batch(table, as_of=MAY)
    assert capsys.readouterr() == ("", "")


def test_large_tables_with_nulls_everywhere():
    # Half the rows eligible (reason null), half not: the validity bitmaps of 200,000 rows.
    doc = {
        "format": "skamp-rules/1",
        "ruleset": "t",
        "version": "1",
        "scope": "person",
        "legal_basis": ["x"],
        "valid": {"from": "2020-01-01", "to": "2020-12-31"},
        "inputs": {"person.poor": "bool"},
        "rules": [{"id": "poor", "require": "person.poor", "reason": {"code": "NOT_POOR", "id": "p", "en": "p"}}],
    }
    rs = sk.RuleSet.from_json(json.dumps(doc))
    n = 200_000
    poor = np.arange(n) % 2 == 0
    res = rs.evaluate_batch(pa.table({"poor": poor}), as_of=MAY, progress=False)
    arrow = res.to_arrow()
    assert arrow.column("reason").null_count == n // 2
    assert arrow.column("reason").to_pylist()[:4] == [None, "NOT_POOR", None, "NOT_POOR"]
    assert res.reasons.tolist()[-2:] == ["", "NOT_POOR"]


# ---- facility results as tables --------------------------------------------------------


def small_houses():
    rng = np.random.default_rng(11)
    n = 60
    cap = rng.integers(0, 4, n).astype(np.int32)
    idx = sk.FacilityIndex.from_arrays(
        np.arange(100, 100 + n), rng.uniform(-8.4, -8.1, n), rng.uniform(114.2, 114.4, n), cap
    )
    lats, lons = rng.uniform(-8.4, -8.1, 150), rng.uniform(114.2, 114.4, 150)
    return idx, lats, lons


def test_nearest_batch_is_a_table_that_still_unpacks():
    idx, lats, lons = small_houses()
    res = idx.nearest_batch(lats, lons, k=3, min_free=1)
    assert isinstance(res, sk.NearestTable) and isinstance(res, sk.Table)
    assert res.columns == ["query", "rank", "id", "distance_m"]
    ids, dists = res  # the pair it was
    assert ids.shape == dists.shape == (150, 3) and ids.dtype == np.int64
    assert res[0] is ids and res[1] is dists and res.ids is ids and res.distances is dists
    # The rows, value for value the answers of the (ids, dists) arrays (missing ones left out).
    expected = [(q, r, int(ids[q, r]), float(dists[q, r])) for q in range(150) for r in range(3) if ids[q, r] >= 0]
    assert len(res) == len(expected)
    assert [tuple(row) for row in res.rows()] == expected
    table = pa.table(res)
    assert table.column_names == ["query", "rank", "id", "distance_m"]
    assert table.schema.field("distance_m").type == pa.float64() and table.schema.field("id").type == pa.int64()
    assert list(zip(*(table.column(c).to_pylist() for c in table.column_names))) == expected
    assert res.to_arrow().equals(table)
    frame = res.to_pandas()
    assert frame.values.tolist() == [list(e) for e in expected]
    assert res.to_polars().rows() == expected
    assert res["id"].tolist() == [e[2] for e in expected]
    # A query with fewer answers than k: -1 / inf in the arrays, no row.
    few = idx.nearest_batch(lats[:2], lons[:2], k=1000, min_free=1)
    assert (few.ids == -1).any() and len(few) == int((few.ids >= 0).sum())


@pytest.mark.parametrize("mode", ["greedy", "optimal"])
def test_assign_is_a_table_that_still_behaves_as_the_array(mode):
    idx, lats, lons = small_houses()
    old = idx.assign_report(lats, lons, mode=mode, k=10)  # the dict path, as before
    res = idx.assign(lats, lons, mode=mode, k=10)
    assert isinstance(res, sk.AssignmentTable) and isinstance(res, sk.Table)
    assert res.columns == ["resident", "house", "distance_m"]
    houses = old["houses"]
    # the array it was
    assert res.dtype == np.int64 and res.shape == (150,) and len(res) == 150
    assert res.tolist() == houses.tolist() and list(res) == houses.tolist()
    assert np.array_equal(np.asarray(res), houses) and res[3] == houses[3]
    assert ((res >= 0) == (houses >= 0)).all() and int((res >= 0).sum()) == old["placed"]
    assert (res == houses).all() and res[res >= 0].tolist() == houses[houses >= 0].tolist()
    # the scalars
    assert (res.placed, res.unplaced) == (old["placed"], old["unplaced"])
    assert res.total_m == pytest.approx(old["total_m"]) and res.max_m == pytest.approx(old["max_m"])
    # the table, value for value
    table = pa.table(res)
    assert table.column("resident").to_pylist() == list(range(150))
    assert table.column("house").to_pylist() == [None if h < 0 else h for h in houses.tolist()]
    dist = table.column("distance_m").to_pylist()
    for i, h in enumerate(houses.tolist()):
        if h < 0:
            assert dist[i] is None
        else:
            f = idx.facility(h)
            assert dist[i] == pytest.approx(sk.wgs84_distance(lats[i], lons[i], f["lat"], f["lon"]))
    assert sum(d for d in dist if d is not None) == pytest.approx(res.total_m)
    frame = res.to_pandas()
    assert frame["resident"].tolist() == list(range(150))
    assert [None if pd.isna(h) else int(h) for h in frame["house"]] == table.column("house").to_pylist()
    assert [tuple(r) for r in res.rows()][:3] == list(zip(*(table.column(c).to_pylist()[:3] for c in res.columns)))
    assert res.to_polars().height == 150
