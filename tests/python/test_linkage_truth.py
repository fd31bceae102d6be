"""Linkage on an Indonesian-shaped population (bench/indonesia_population.py: repeated
Javanese names, households, twins, damaged NIKs), its warnings, its model table and a
Linker shared by threads."""

import math
import pathlib
import sys
import threading

import pytest

import smartkampung as sk

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import indonesia_population as population  # noqa: E402


@pytest.mark.parametrize("seed", [11, 12])
def test_defaults_hold_on_repeated_names(seed):
    rows, truth = population.generate(20000, seed=seed)
    res = sk.link(rows)
    precision, recall, _ = sk.pair_quality(res.cluster_ids, truth)
    assert precision >= 0.99, precision
    assert recall >= 0.95, recall
    assert res.stats["largest_cluster"] <= res.settings["max_cluster_size"]


def test_a_different_shape_holds_too():
    # Names more concentrated, more namesakes and more NIK damage than the defaults.
    rows, truth = population.generate(20000, seed=5, name_zipf=1.5, p_nik_damage=0.4, p_namesake=0.08)
    res = sk.link(rows)
    precision, recall, _ = sk.pair_quality(res.cluster_ids, truth)
    assert precision >= 0.99, precision
    assert recall >= 0.93, recall


def test_model_table_and_weights():
    rows, _ = population.generate(5000, seed=3)
    res = sk.link(rows)
    table = res.model_table()
    fields = {r["field"] for r in table}
    assert {"nik", "name", "birth_date", "prior"} <= fields
    nik = {r["level"]: r for r in table if r["field"] == "nik"}
    assert list(nik) == sk.compare_level_names("nik")
    # Identity evidence that cannot be washed out: an exact NIK is strong, a contradicting
    # one strongly against.
    assert nik["exact"]["weight"] > 8
    assert nik["contradicts"]["weight"] < -4
    # Where birth dates agree, a NIK differing only in its serial says little.
    assert nik["same_birth"]["weight_same_date"] < nik["same_birth"]["weight"] - 4
    assert all(math.isfinite(r["weight"]) for r in table)
    hist = res.weight_histogram
    assert hist.sum() == res.stats["candidate_pairs"]
    assert not [w for w in res.warnings if "weak" in w]


def test_warnings_are_issued_and_unknown_columns_refused():
    rows, _ = population.generate(300, seed=2)
    with pytest.warns(sk.LinkageWarning, match="nomor_kartu"):
        sk.link(rows, settings={"blocking": [["nomor_kartu"], ["nik"]]})
    febrl_like = [{"given_name": "siti", "surname": "aminah"}] * 4
    with pytest.raises(sk.Error, match="column"):
        sk.link(febrl_like)


def test_weak_model_warning():
    rows, _ = population.generate(300, seed=2)
    res0 = sk.link(rows)
    settings = res0.settings
    for f in settings["fields"]:
        if f["name"] == "nik":
            f["u"] = list(f["m"])  # m == u: the NIK says nothing
            f.pop("u_same_date", None)
            f.pop("u_near_date", None)
    with pytest.warns(sk.LinkageWarning, match="'nik' came out weak"):
        sk.link(rows, settings=settings)


def test_linker_from_several_threads():
    rows, _ = population.generate(3000, seed=4)
    linker = sk.Linker()
    linker.fit(rows[:1500])
    errors = []

    def adder(part):
        try:
            for r in part:
                linker.add(r)
                linker.candidates(r, k=3)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    def refitter():
        try:
            linker.fit(rows[:1500])
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=adder, args=(rows[1500 + k :: 3],)) for k in range(3)]
    threads.append(threading.Thread(target=refitter))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = linker.cluster_ids
    assert len(ids) == len(linker) >= 1500
    assert all(0 <= c <= i for i, c in enumerate(ids.tolist()))
