"""Registry.dedup(fuzzy=True): records with a missing or mistyped NIK are matched to
their person by linkage; checked against the generator's ground truth."""

import json

import numpy as np

import smartkampung as sk


def _truth(sample):
    """(program, line) -> true person index, from the sample's ground truth."""
    rec = sample.records
    out = {}
    for program, _ in sample.programs():
        persons = rec["person"][rec["program"] == program]
        for line, person in enumerate(persons, start=1):
            out[(program, line)] = int(person)
    return out


def test_fuzzy_dedup_against_ground_truth():
    sample = sk.sample.banyuwangi(4000, seed=3)
    reg, _ = sk.sample.to_registry(sample)
    exact = reg.dedup()
    assert exact.likely_duplicates is None
    assert "likely_duplicates" not in json.loads(exact.to_json())

    rep = reg.dedup(fuzzy=True)
    # The exact part of the report is unchanged by the fuzzy pass.
    assert rep.unique_persons == exact.unique_persons and rep.overlaps == exact.overlaps
    pairs = rep.likely_duplicates
    assert pairs, "the sample holds records with missing and mistyped NIKs"
    truth = _truth(sample)
    same = [truth[(p["program_a"], p["line_a"])] == truth[(p["program_b"], p["line_b"])] for p in pairs]
    assert np.mean(same) >= 0.95
    for p in pairs:
        assert p["nik_a"] != p["nik_b"] or p["nik_a"] == ""  # never an exact duplicate again
        assert 0.0 < p["probability"] <= 1.0
        assert (p["program_a"], p["line_a"]) < (p["program_b"], p["line_b"])

    # Most records whose NIK was removed or mistyped, and whose person appears elsewhere
    # with a valid NIK, are found.
    rec = sample.records
    damaged = set()
    for program, _ in sample.programs():
        sel = rec["program"] == program
        for line, (dmg, _person) in enumerate(zip(rec["damage"][sel], rec["person"][sel]), start=1):
            if dmg in ("missing_nik", "mistyped_nik"):
                damaged.add((program, line))
    found = {(p["program_a"], p["line_a"]) for p in pairs} | {(p["program_b"], p["line_b"]) for p in pairs}
    persons_elsewhere = {}
    for key, person in truth.items():
        persons_elsewhere.setdefault(person, set()).add(key)
    findable = {k for k in damaged if len(persons_elsewhere[truth[k]]) > 1}
    assert findable
    assert len(findable & found) / len(findable) >= 0.8

    doc = json.loads(rep.to_json())
    assert len(doc["likely_duplicates"]) == len(pairs)
