import json
import math
import os
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartkampung as sk

HAND = {
    "fields": [
        {"name": "nik", "kind": "id", "m": [0.85, 0.06, 0.04, 0.05], "u": [1e-6, 1e-5, 1e-6, 0.999989]},
        {
            "name": "name",
            "kind": "name",
            "m": [0.6, 0.15, 0.12, 0.06, 0.04, 0.03],
            "u": [0.001, 0.002, 0.003, 0.02, 0.01, 0.964],
        },
        {
            "name": "birth_date",
            "kind": "date",
            "m": [0.85, 0.03, 0.05, 0.03, 0.04],
            "u": [0.0002, 0.00001, 0.002, 0.02, 0.97779],
        },
        {"name": "kk", "kind": "id", "m": [0.8, 0.02, 0.02, 0.16], "u": [0.0005, 0.0001, 0.0001, 0.9993]},
        {"name": "village", "kind": "exact", "m": [0.9, 0.1], "u": [0.01, 0.99]},
    ],
    "blocking": [["nik"], ["name:phonetic"], ["kk"]],
    "prior": 0.01,
    "threshold": 0.9,
}

RECORDS = [
    {"nik": "3510014501900001", "name": "Moch. Sholeh", "birth_date": "1990-01-05", "village": "Kemiren"},
    {"nik": "3510014501900007", "name": "Muhammad Soleh", "birth_date": "1990-01-05", "village": "Kemiren"},
    {"nik": None, "name": "H. Mochammad Sholeh", "birth_date": "05-01-1990"},
    {"nik": "3510016208850002", "name": "Siti Aminah", "birth_date": "1985-08-22"},
    {"name": "Wahyu Lestari"},
]


def test_normalize_name_issue_examples():
    assert sk.normalize_name("MOCH. Sholeh") == sk.normalize_name("Muhammad Sholeh")
    assert sk.normalize_name("H. Djoko  Santoso") == sk.normalize_name("joko santoso")
    assert sk.normalize_name("Hj. Siti Aminah, S.Pd.") == "siti aminah"
    assert sk.normalize_name("Soekarno") == "sukarno"
    assert sk.name_phonetic_key("Yusuf") == sk.name_phonetic_key("Jusuf")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalize_name_is_idempotent_and_never_fails(s):
    n = sk.normalize_name(s)
    assert isinstance(n, str)
    assert "  " not in n and n == n.strip()


def test_link_clusters_and_pairs():
    res = sk.link(RECORDS, settings=HAND)
    assert isinstance(res.cluster_ids, np.ndarray) and res.cluster_ids.dtype == np.int64
    assert res.cluster_ids.tolist() == [0, 0, 0, 3, 4]
    for i, j, p in res.pairs:
        assert i < j and 0.9 <= p <= 1.0
    assert len(res) == 5


def test_explain_weights_sum_to_match_weight():
    res = sk.link(RECORDS, settings=HAND)
    for i in range(5):
        for j in range(5):
            e = res.explain(i, j)
            total = sum(v["weight"] for v in e.values())
            assert math.isclose(total, res.match_weight(i, j), abs_tol=1e-9)
            p = res.probability(i, j)
            assert math.isclose(p, 1 / (1 + 2**-total), rel_tol=1e-9)
    e = res.explain(0, 1)
    assert e["nik"]["level"] == "one_substitution"
    assert e["name"]["level"] == "phonetic"
    assert e["kk"]["level"] == "null" and e["kk"]["weight"] == 0
    with pytest.raises(sk.NotFound):
        res.explain(0, 99)


def test_threshold_and_settings_forms():
    strict = sk.link(RECORDS, settings=json.dumps(HAND), threshold=1.0)
    assert strict.pairs == [] and strict.cluster_ids.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(sk.Error):
        sk.link(RECORDS, settings={"bogus": 1})
    with pytest.raises(sk.Error):
        sk.link(RECORDS, threshold=1.5)
    with pytest.raises(TypeError):
        sk.link(RECORDS, settings=42)


def test_two_lists_only_cross_pairs():
    left = RECORDS[:2]
    right = [RECORDS[2], RECORDS[4]]
    res = sk.link(left, right=right, settings=HAND)
    assert len(res.cluster_ids) == 4
    for i, j, _ in res.pairs:
        assert i < 2 <= j
    assert res.cluster_ids[2] == 0


def test_default_settings_train_without_labels():
    # Missing and odd values are data, not errors; the default model trains by itself.
    rows = [dict(r) for r in RECORDS] + [{"nik": "12", "birth_date": "kemarin", "sex": 1, "rt": 3.0}]
    res = sk.link(rows)
    assert len(res.cluster_ids) == 6
    trained = res.settings
    assert 0 < trained["prior"] < 1
    assert all(len(f["m"]) == len(f["u"]) for f in trained["fields"])


def test_household_members_kept_apart():
    base = {"kk": "3510010101150001", "village": "Kemiren"}
    rows = [
        dict(base, name="Slamet Riyadi", birth_date="1960-02-01"),
        dict(base, name="Budi Slamet", birth_date="1990-07-11"),
        dict(base, name="Slamet Riyadi", birth_date="1960-02-01"),
    ]
    res = sk.link(rows, settings=HAND, threshold=0.5)
    assert res.household_apart(0, 1)
    assert res.cluster_ids[0] == res.cluster_ids[2] != res.cluster_ids[1]


def test_linker_incremental_equals_batch():
    batch = sk.link(RECORDS, settings=HAND)
    lk = sk.Linker(settings=HAND)
    for k, r in enumerate(RECORDS):
        cluster_id, matches = lk.add(r)
        assert cluster_id == lk.cluster_ids[k]
        for index, p in matches:
            assert index < k and p >= 0.9
    assert lk.cluster_ids.tolist() == batch.cluster_ids.tolist()
    best = lk.candidates({"name": "Mochamad Sholeh", "birth_date": "1990-01-05"}, k=2)
    assert len(best) == 2 and best[0][1] >= best[1][1] and best[0][0] in (0, 1, 2)
    lk.remove(2)
    assert lk.cluster_ids.tolist()[2] == -1
    with pytest.raises(sk.NotFound):
        lk.remove(2)
    assert len(lk) == 5


def test_linker_fit_and_reuse_trained_settings():
    lk = sk.Linker()
    with pytest.raises(sk.Error):
        lk.add(RECORDS[0])
    lk.fit(RECORDS)
    assert len(lk) == 5
    again = sk.Linker(settings=lk.settings)
    cid, _ = again.add(RECORDS[0])
    assert cid == 0


def test_linker_save_load_and_pickle(tmp_path):
    import copy
    import pickle

    lk = sk.Linker(settings=HAND)
    lk.fit(RECORDS)
    lk.add({"name": "Mochamad Sholeh", "birth_date": "1990-01-05"})
    lk.remove(3)
    probe = {"name": "Moch Sholeh", "birth_date": "1990-01-05", "village": "Kemiren"}
    path = tmp_path / "linker.sklink"
    lk.save(path)  # os.PathLike accepted
    for back in (sk.Linker.load(str(path)), pickle.loads(pickle.dumps(lk)), copy.deepcopy(lk)):
        assert len(back) == len(lk) == 6
        assert back.cluster_ids.tolist() == lk.cluster_ids.tolist()
        assert back.candidates(probe, k=6) == lk.candidates(probe, k=6)
        assert back.settings == lk.settings
        # Both go on alike (a fresh copy of the original each time).
        assert back.add(RECORDS[2]) == sk.Linker.load(path).add(RECORDS[2])
    raw = bytearray(path.read_bytes())
    raw[40] ^= 0x55
    path.write_bytes(bytes(raw))
    with pytest.raises(sk.Error, match="damaged linker file"):
        sk.Linker.load(path)
    with pytest.raises(sk.Error):
        sk.Linker.load(tmp_path / "missing.sklink")


def _febrl_style():
    """tests/data/febrl_style/make.py: lists in FEBRL's shape, made here (the real FEBRL
    files are for the benchmarks; the tests use only what is in the repository)."""
    import importlib.util

    path = pathlib.Path(__file__).resolve().parents[1] / "data" / "febrl_style" / "make.py"
    spec = importlib.util.spec_from_file_location("febrl_style", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_febrl_style_quality(seed):
    # Several seeds of the generator, not only the files the C++ tests read.
    make = _febrl_style()
    root = pathlib.Path(os.environ.get("SKAMP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
    settings_json = (root / "bench" / "febrl_settings.json").read_text()
    a, b = make.link_rows(seed)
    (ra, ea), (rb, eb) = make.as_records(a), make.as_records(b)
    res = sk.link(ra, right=rb, settings=settings_json)
    prec, rec, f1 = sk.pair_quality(res.cluster_ids, ea + eb, left=len(ra))
    assert f1 >= 0.995 and prec >= 0.999, (prec, rec)
    records, entity = make.as_records(make.dedup_rows(seed))
    res = sk.link(records, settings=settings_json)
    prec, rec, f1 = sk.pair_quality(res.cluster_ids, entity)
    assert f1 >= 0.995 and prec >= 0.995, (prec, rec)


def test_febrl_style_files_are_the_generators():
    # The committed files are what make.py writes for seed 1.
    import tempfile

    make = _febrl_style()
    here = pathlib.Path(make.__file__).parent
    with tempfile.TemporaryDirectory() as out:
        make.write(pathlib.Path(out) / "dedup.csv", make.dedup_rows(1))
        a, b = make.link_rows(1)
        make.write(pathlib.Path(out) / "link_a.csv", a)
        make.write(pathlib.Path(out) / "link_b.csv", b)
        for name in ("dedup.csv", "link_a.csv", "link_b.csv"):
            assert (pathlib.Path(out) / name).read_bytes() == (here / name).read_bytes(), name


def test_generated_indonesian_lists_quality():
    # Every listing of a generated population (name variants, mistyped and missing NIKs,
    # spreadsheet damage, household members and same-name relatives as non-matches),
    # default settings, no labels.
    rec = sk.sample.banyuwangi(40000, seed=3).records
    cols = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]
    n = len(rec["person"])
    assert n > 8000
    records = [{c: str(rec[c][i]) for c in cols if str(rec[c][i])} for i in range(n)]
    res = sk.link(records)
    precision, recall, _ = sk.pair_quality(res.cluster_ids, rec["person"].tolist())
    assert precision >= 0.998, precision
    assert recall >= 0.99, recall
    # Sex written "L" in one list and "LAKI-LAKI" in another is the same.
    i = next(i for i in range(n) if rec["sex"][i] == "LAKI-LAKI")
    j = next(j for j in range(n) if rec["sex"][j] == "L")
    assert res.explain(i, j)["sex"]["level"] == "exact"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=30), st.integers(0, 30))
def test_pair_quality_equals_brute_force_pairs(labels, left):
    ids = [c for c, _ in labels]
    truth = [t for _, t in labels]
    for cut in (None, min(left, len(labels))):
        pairs = [
            (i, j) for i in range(len(ids)) for j in range(i + 1, len(ids)) if cut is None or (i < cut) != (j < cut)
        ]
        found = {p for p in pairs if ids[p[0]] == ids[p[1]]}
        true = {p for p in pairs if truth[p[0]] == truth[p[1]]}
        precision, recall, f1 = sk.pair_quality(ids, truth, left=cut)
        assert precision == (len(found & true) / len(found) if found else 1.0)
        assert recall == (len(found & true) / len(true) if true else 1.0)
        assert f1 == (2 * precision * recall / (precision + recall) if precision + recall else 0.0)
