"""The sample generator: deterministic, valid keys, ground truth that matches the damage."""

import numpy as np

import smartkampung as sk


def test_deterministic_and_valid():
    a = sk.sample.banyuwangi(3000, seed=7)
    b = sk.sample.banyuwangi(3000, seed=7)
    c = sk.sample.banyuwangi(3000, seed=8)
    assert a.n_persons == 3000
    assert np.array_equal(a.records["nik"], b.records["nik"])
    assert not np.array_equal(a.persons["nik"], c.persons["nik"])
    persons = a.persons
    assert len(set(persons["nik"].tolist())) == 3000  # NIKs unique
    assert (sk.validate_niks(persons["nik"]) == 0).all()
    assert (sk.validate_kks(persons["kk"]) == 0).all()
    assert set(persons["district"].tolist()) <= {f"3510{d:02d}" for d in range(1, 26)}
    assert all(n.startswith("3510") for n in persons["nik"].tolist())
    progs = {p for p, _ in a.programs()}
    assert {"PKH", "BPNT", "BST", "BLT_DD", "JATIM_BKK", "SEMBAKO_BWI"} <= progs


def test_records_ground_truth_and_registry():
    s = sk.sample.banyuwangi(5000, seed=3)
    rec = s.records
    n = s.n_records
    assert n > 500 and len(rec["person"]) == n
    truth = s.persons["nik"][rec["person"]]
    clean = rec["damage"] == ""
    assert (rec["nik"][clean] == truth[clean]).all()
    assert set(rec["damage"].tolist()) >= {"", "apostrophe", "missing_nik"}
    reg, reports = sk.sample.to_registry(s)
    dropped = {"scientific", "missing_nik"}
    expected_unkeyed = int(np.isin(rec["damage"], list(dropped)).sum())
    assert sum(r.unkeyed for r in reports.values()) >= expected_unkeyed
    rep = reg.dedup()
    assert rep.unique_persons <= s.n_persons + int((rec["damage"] == "mistyped_nik").sum())
    assert len(rep.overlaps) > 0 and len(rep.duplicates) > 0


def test_write_csv(tmp_path):
    s = sk.sample.banyuwangi(800, seed=1)
    paths = s.write_csv(str(tmp_path))
    assert len(paths) == len(s.programs())
    reg = sk.Registry()
    total = 0
    for path, (program, level) in zip(paths, s.programs()):
        rep = reg.load_csv(path, program=program, level=level)
        total += rep.loaded + len(rep.rejected)
    assert total == s.n_records
