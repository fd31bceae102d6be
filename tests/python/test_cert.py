import datetime as dt
import os
import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartkampung as sk

WIB = dt.timezone(dt.timedelta(hours=7))
UTC = dt.timezone.utc
SMALL = os.environ.get("SKAMP_TEST_SIZE") == "small"


def wib(*args):
    return dt.datetime(*args, tzinfo=WIB)


def issued(reg=None, id=7, category="restaurant", capacity=101):
    reg = reg if reg is not None else sk.CertificateRegistry()
    reg.add_business(id, "Warung Bu Tini", category, -8.2192, 114.3691, capacity)
    reg.apply(id, wib(2020, 7, 1, 9))
    reg.audit(id, wib(2020, 7, 3, 10), False, "no hand-washing station")
    reg.audit(id, wib(2020, 7, 6, 10), True)
    assert reg.issue(id, wib(2020, 7, 7, 10)) >= 1
    return reg


def test_exceptions_hierarchy():
    assert issubclass(sk.CertificateError, sk.Error)
    assert issubclass(sk.CertificateError, ValueError)


def test_lifecycle_and_boundaries():
    reg = issued()
    assert reg.status(7, wib(2020, 6, 30)) == "none"
    assert reg.status(7, wib(2020, 7, 1, 9)) == "applied"
    assert reg.status(7, wib(2020, 7, 4)) == "under_audit"
    assert reg.status(7, wib(2020, 7, 7, 9, 59, 59)) == "under_audit"
    assert reg.status(7, wib(2020, 7, 7, 10)) == "active"
    # Was it valid on 2020-07-20 14:00 WIB? The same instant in UTC gives the same answer.
    assert reg.status(7, wib(2020, 7, 20, 14)) == "active"
    assert reg.status(7, dt.datetime(2020, 7, 20, 7, tzinfo=UTC)) == "active"
    assert reg.status(7, wib(2020, 8, 5, 23, 59, 59)) == "active"
    assert reg.status(7, wib(2020, 8, 6)) == "evaluation_due"
    assert reg.status(7, wib(2020, 8, 13)) == "suspended"
    assert reg.status(7, wib(2020, 8, 27, 23, 59, 59)) == "suspended"
    assert reg.status(7, wib(2020, 8, 28)) == "revoked"


def test_expiry_at_local_midnight():
    reg = issued()
    t = wib(2020, 7, 7, 10)
    while t < wib(2021, 7, 1):
        t += dt.timedelta(days=28)
        reg.evaluate(7, t, True)
    assert reg.status(7, wib(2021, 7, 6, 23, 59, 59)) == "active"
    assert reg.status(7, wib(2021, 7, 7)) == "expired"
    info = reg.certificate(7, wib(2021, 7, 1))
    assert info["valid_until"] == dt.date(2021, 7, 6)
    assert info["certificate_id"] == "CERT-7-1"


def test_naive_datetime_is_an_error():
    reg = issued()
    with pytest.raises(sk.Error):
        reg.status(7, dt.datetime(2020, 7, 20, 14))
    with pytest.raises(sk.Error):
        reg.evaluate(7, dt.datetime(2020, 7, 20, 14), True)
    assert len(reg.history(7)) == 5


def test_refused_events_change_nothing():
    reg = sk.CertificateRegistry()
    reg.add_business(1, "Kafe", "cafe", -8.2, 114.3, 20)
    reg.apply(1, wib(2020, 7, 1))
    with pytest.raises(sk.CertificateError) as err:
        reg.issue(1, wib(2020, 7, 2))
    assert err.value.position is None
    assert "Kafe" not in str(err.value)
    assert len(reg.history(1)) == 2
    reg.audit(1, wib(2020, 7, 3), True)
    reg.issue(1, wib(2020, 7, 4))
    reg.revoke(1, wib(2020, 7, 10), "crowding")
    with pytest.raises(sk.CertificateError):
        reg.reinstate(1, wib(2020, 7, 11))
    assert reg.status(1, wib(2020, 7, 12)) == "revoked"
    with pytest.raises(sk.NotFound):
        reg.status(99, wib(2020, 7, 12))
    with pytest.raises(KeyError):
        reg.apply(99, wib(2020, 7, 12))


def test_backdated_revocation_and_history_order():
    reg = issued()
    reg.evaluate(7, wib(2020, 8, 1, 10), True)
    reg.revoke(7, wib(2020, 8, 20), "fraudulent_audit", effective_at=wib(2020, 7, 25))
    assert reg.status(7, wib(2020, 7, 24, 23, 59, 59)) == "active"
    assert reg.status(7, wib(2020, 7, 25)) == "revoked"
    assert reg.status(7, wib(2020, 8, 5)) == "revoked"
    hist = reg.history(7)
    assert [h["type"] for h in hist] == [
        "registered",
        "applied",
        "audited",
        "audited",
        "issued",
        "evaluated",
        "revoked",
    ]
    assert hist[-1]["effective_at"] < hist[-1]["recorded_at"]
    assert hist[0]["effective_at"] is None
    assert hist[2]["passed"] is False and hist[2]["findings"] == "no hand-washing station"
    assert all(h["prev_hash"] != h["hash"] for h in hist)
    with pytest.raises(sk.Error):
        reg.revoke(7, wib(2020, 8, 20), "x", effective_at=wib(2020, 8, 21))


def test_violations():
    reg = issued()
    reg.report_violation(7, wib(2020, 7, 20, 12), "no masks")
    assert reg.status(7, wib(2020, 7, 20, 12)) == "suspended"
    assert reg.max_visitors(7, wib(2020, 7, 21)) == 0
    reg.audit(7, wib(2020, 7, 25), True)
    assert reg.status(7, wib(2020, 7, 26)) == "active"
    reg.report_violation(7, wib(2020, 8, 10), "crowding")
    assert reg.status(7, wib(2020, 8, 10)) == "revoked"


def test_caps_and_check_in():
    reg = sk.CertificateRegistry()
    for id, cat in [(1, "restaurant"), (2, "destination"), (3, "hotel")]:
        reg.add_business(id, f"B{id}", cat, -8.2, 114.3, 101)
        reg.apply(id, wib(2021, 6, 1))
        reg.audit(id, wib(2021, 6, 2), True)
        reg.issue(id, wib(2021, 6, 3))
        reg.evaluate(id, wib(2021, 6, 30), True)
    june, july = wib(2021, 6, 20), wib(2021, 7, 10)
    assert [reg.max_visitors(i, june) for i in (1, 2, 3)] == [50, 25, 101]
    assert reg.max_visitors(2, july) == 0  # tourist sites closed in red zones
    assert not reg.check_in(2, july)
    assert reg.check_in(1, june, n=50)
    assert not reg.check_in(1, june)
    reg.check_out(1, june, n=70)
    assert reg.occupancy(1) == 0
    assert not reg.check_in(1, wib(2021, 5, 1))  # not yet certified


def test_certified_near_sorted_and_filtered():
    reg = sk.CertificateRegistry()
    rng = random.Random(3)
    pts = {}
    for i in range(60):
        lat, lon = -8.2 + rng.uniform(-0.1, 0.1), 114.35 + rng.uniform(-0.1, 0.1)
        cat = "hotel" if i % 3 == 0 else "warung"
        reg.add_business(i, f"B{i}", cat, lat, lon, 10)
        pts[i] = (cat, lat, lon)
        if i % 4:
            reg.apply(i, wib(2020, 7, 1))
            reg.audit(i, wib(2020, 7, 2), True)
            reg.issue(i, wib(2020, 7, 3))
    at = wib(2020, 7, 10)
    got = reg.certified_near(-8.2, 114.35, 8000, at, category="warung")
    assert got == sorted(got, key=lambda x: (x[1], x[0]))
    ids = {i for i, _ in got}
    for i, (cat, _, _) in pts.items():
        if i in ids:
            assert cat == "warung" and reg.status(i, at) in sk.cert.VALID_STATUSES
    assert all(d <= 8000 for _, d in got)
    everything = reg.certified_near(-8.2, 114.35, 1e7, at)
    assert {i for i, _ in everything} == {i for i in pts if i % 4}


def test_save_load_roundtrip(tmp_path):
    reg = issued()
    reg.report_violation(7, wib(2020, 7, 20, 12), "no masks")
    path = tmp_path / "certs.jsonl"
    reg.save(path)
    loaded = sk.CertificateRegistry.load(str(path))
    assert loaded.history(7) == reg.history(7)
    assert loaded.status(7, wib(2020, 8, 4)) == "revoked"
    assert loaded.policy_json == reg.policy_json
    assert not os.path.exists(str(path) + ".tmp")


def _mutations(lines, rng):
    text = "".join(lines)
    kind = rng.randrange(5)
    if kind == 0:
        pos = rng.randrange(len(text))
        return text[:pos] + chr(rng.randrange(32, 127)) + text[pos + 1 :]
    if kind == 1:
        ls = list(lines)
        del ls[rng.randrange(len(ls))]
        return "".join(ls)
    if kind == 2:
        return text[: rng.randrange(len(text))]
    if kind == 3:
        ls = list(lines)
        a, b = rng.randrange(len(ls)), rng.randrange(len(ls))
        ls[a], ls[b] = ls[b], ls[a]
        return "".join(ls)
    pos = rng.randrange(len(text))
    return text[:pos] + text[pos + rng.randrange(1, 40) :]


def test_tampering_is_detected(tmp_path):
    reg = issued()
    reg.add_business(8, "Homestay", "homestay", -8.3, 114.2, 12, at=wib(2020, 6, 1))
    reg.evaluate(7, wib(2020, 8, 1), True)
    reg.revoke(7, wib(2020, 8, 20), "x", effective_at=wib(2020, 8, 2))
    path = tmp_path / "certs.jsonl"
    reg.save(path)
    lines = path.read_text().splitlines(keepends=True)
    rng = random.Random(17)
    bad = tmp_path / "bad.jsonl"
    detected = 0
    trials = 100 if SMALL else 600
    for _ in range(trials):
        bad.write_text(_mutations(lines, rng))
        try:
            loaded = sk.CertificateRegistry.load(bad)
        except sk.CertificateError as e:
            detected += 1
            assert e.position is not None and e.position >= 0
            assert f"at event {e.position}" in str(e)
            continue
        # Loaded despite the change: then no loaded value may differ.
        assert loaded.history(7) == reg.history(7) and loaded.history(8) == reg.history(8)
        assert len(loaded) == len(reg)
    assert detected > trials // 2


def test_check_in_many_threads_never_exceeds_cap():
    reg = issued()
    at = wib(2020, 7, 20, 12)
    cap = reg.max_visitors(7, at)
    over = []

    def worker(seed):
        rng = random.Random(seed)
        inside = 0
        for _ in range(300 if SMALL else 2000):
            if rng.random() < 0.5:
                if reg.check_in(7, at):
                    inside += 1
            elif inside:
                reg.check_out(7, at)
                inside -= 1
            occ = reg.occupancy(7)
            if not 0 <= occ <= cap:
                over.append(occ)
        for _ in range(inside):
            reg.check_out(7, at)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not over
    assert reg.occupancy(7) == 0


def test_policy_argument():
    base = sk.CertificateRegistry().policy_json
    import json

    doc = json.loads(base)
    doc["versions"][0]["evaluation"]["interval_days"] = 10
    reg = sk.CertificateRegistry(policy=doc, time_zone="WITA")
    assert reg.time_zone == "WITA"
    issued(reg)
    assert reg.status(7, wib(2020, 7, 17, 2)) == "evaluation_due"  # 00:00 WITA on 17 July
    with pytest.raises(sk.Error, match="interval_days"):
        doc["versions"][0]["evaluation"]["interval_days"] = 0
        sk.CertificateRegistry(policy=doc)


@settings(max_examples=30 if SMALL else 150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 40 * 86400), st.booleans()), max_size=25))
def test_random_sequences_status_is_consistent(ops):
    reg = sk.CertificateRegistry()
    reg.add_business(1, "B", "warung", -8.2, 114.3, 10)
    t0 = wib(2020, 7, 1)
    now = t0
    names = [
        "apply",
        "audit",
        "issue",
        "evaluate",
        "report_violation",
        "suspend",
        "reinstate",
        "revoke",
        "withdraw",
        "renew",
    ]
    for kind, delta, flag in ops:
        now = now + dt.timedelta(seconds=delta)
        name = names[kind]
        before = reg.history(1)
        try:
            if name in ("audit", "evaluate"):
                getattr(reg, name)(1, now, flag)
            elif name in ("report_violation", "suspend", "revoke"):
                getattr(reg, name)(1, now, "r")
            else:
                getattr(reg, name)(1, now)
        except sk.CertificateError:
            assert reg.history(1) == before
    seen_revoked = False
    for k in range(0, 60):
        t = t0 + dt.timedelta(days=15 * k)
        s = reg.status(1, t)
        assert s in sk.cert.STATUSES
        if seen_revoked:
            assert s == "revoked"
        seen_revoked = s == "revoked"
        if s not in sk.cert.VALID_STATUSES:
            assert reg.max_visitors(1, t) == 0
