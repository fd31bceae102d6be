"""FacilityIndex from Python: the exact surface, answers equal to a brute-force scan by
WGS84 distance, bed reservations, assignment and loading."""

import math
import os
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartkampung as sk

SMALL = os.environ.get("SKAMP_TEST_SIZE") == "small"


def brute(ids, lats, lons, cap, occ, is_open, lat, lon, k=None, min_free=0, radius=None):
    rows = []
    for i in range(len(ids)):
        if not is_open[i] or (min_free > 0 and cap[i] - occ[i] < min_free):
            continue
        rows.append((sk.wgs84_distance(lat, lon, float(lats[i]), float(lons[i])), int(ids[i])))
    rows.sort()
    if radius is not None:
        rows = [r for r in rows if r[0] <= radius]
    if k is not None:
        rows = rows[:k]
    return [(i, d) for d, i in rows]


def assert_same(got, want):
    assert [i for i, _ in got] == [i for i, _ in want]
    for (_, a), (_, b) in zip(got, want):
        assert abs(a - b) < 1e-3


def random_index(rng, n, available, region="banyuwangi"):
    ids = rng.permutation(n * 3)[:n].astype(np.int64)
    if region == "antimeridian":
        lats = rng.uniform(-10, 10, n)
        lons = rng.uniform(179.0, 180.0, n) * rng.choice([-1, 1], n)
    elif region == "pole":
        lats = rng.uniform(88.5, 90.0, n)
        lons = rng.uniform(-180, 180, n)
    else:
        lats = rng.uniform(-8.8, -7.7, n)
        lons = rng.uniform(113.8, 114.6, n)
    dup = rng.random(n) < 0.05
    lats[dup] = lats[0]
    lons[dup] = lons[0]
    cap = rng.integers(1, 10, n).astype(np.int32)
    occ = np.where(rng.random(n) < available, 0, cap).astype(np.int32)
    is_open = rng.random(n) > 0.03
    idx = sk.FacilityIndex.from_arrays(ids, lats, lons, cap, occupied=occ, open=is_open)
    return idx, (ids, lats, lons, cap, occ, is_open)


def test_surface_and_docstring_example():
    idx = sk.FacilityIndex.from_arrays(
        np.array([1, 2, 3]),
        np.array([-8.20, -8.30, -8.25]),
        np.array([114.35, 114.35, 114.35]),
        np.array([2, 1, 4]),
        occupied=np.array([0, 0, 4]),
        open=np.array([True, True, False]),
        kinds=["isolation", "isolation", "puskesmas"],
    )
    assert len(idx) == 3 and 2 in idx and 9 not in idx
    got = idx.nearest(-8.21, 114.35, k=5)
    assert [i for i, _ in got] == [1, 2]  # 3 is closed
    assert all(isinstance(i, int) and isinstance(d, float) for i, d in got)
    assert idx.nearest(-8.21, 114.35, kind="puskesmas") == []
    assert idx.nearest(-8.21, 114.35, kind="puskesmas", include_closed=True)[0][0] == 3
    ids, dists = idx.nearest_batch(np.array([-8.21, -8.29]), np.array([114.35, 114.35]), k=3, min_free=1)
    assert ids.shape == (2, 3) and dists.shape == (2, 3)
    assert ids.dtype == np.int64 and dists.dtype == np.float64
    assert ids.tolist() == [[1, 2, -1], [2, 1, -1]]
    assert math.isinf(dists[0, 2])
    within = idx.within(-8.21, 114.35, 5000.0)
    assert [i for i, _ in within] == [1]
    assert idx.facility(3)["kind"] == "puskesmas"


def test_beds_and_errors():
    idx = sk.FacilityIndex.from_arrays(np.array([7]), np.array([-8.2]), np.array([114.3]), np.array([3]))
    assert idx.reserve(7) is True
    assert idx.reserve(7, n=2) is True
    assert idx.reserve(7) is False
    assert idx.free_beds(7) == 0
    with pytest.raises(sk.Error):
        idx.release(7, n=4)
    assert idx.free_beds(7) == 0  # unchanged
    idx.release(7, n=3)
    assert idx.free_beds(7) == 3
    with pytest.raises(sk.NotFound):
        idx.reserve(8)
    with pytest.raises(KeyError):
        idx.free_beds(8)
    assert idx.nearest_reserve(-8.21, 114.3)[0] == 7
    assert idx.free_beds(7) == 2
    assert idx.nearest_reserve(-8.21, 114.3, n=3) is None
    with pytest.raises(sk.Error):
        idx.nearest(float("nan"), 114.3)
    with pytest.raises(sk.Error):
        idx.nearest_batch(np.array([-8.2, 95.0]), np.array([114.3, 114.3]))
    with pytest.raises(sk.Error):
        sk.FacilityIndex.from_arrays(np.array([1]), np.array([np.nan]), np.array([114.3]), np.array([1]))
    with pytest.raises(sk.Error):
        sk.FacilityIndex.from_arrays(np.array([1]), np.array([-8.0]), np.array([114.3]), np.array([-1]))
    with pytest.raises(sk.Error):
        sk.FacilityIndex.from_arrays(np.array([1, 2]), np.array([-8.0]), np.array([114.3]), np.array([1]))


def test_add_update_remove():
    idx = sk.FacilityIndex()
    idx.add(1, -8.2, 114.3, 2, name="Rumah A", kind="isolation")
    idx.add(2, -8.3, 114.3, 2)
    with pytest.raises(sk.Error):
        idx.add(2, -8.3, 114.3, 2)
    idx.update(2, -8.2001, 114.3, 5, occupied=1)
    assert idx.free_beds(2) == 4
    assert [i for i, _ in idx.nearest(-8.2002, 114.3, k=2)] == [2, 1]
    idx.remove(2)
    with pytest.raises(sk.NotFound):
        idx.remove(2)
    assert idx.ids().tolist() == [1]


@settings(max_examples=60 if not SMALL else 15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 80),
    available=st.sampled_from([0.01, 0.5, 1.0]),
    region=st.sampled_from(["banyuwangi", "antimeridian", "pole"]),
    k=st.integers(1, 100),
    min_free=st.integers(0, 3),
)
def test_queries_equal_brute_force(seed, n, available, region, k, min_free):
    rng = np.random.default_rng(seed)
    idx, data = random_index(rng, n, available, region)
    probe, _ = random_index(rng, 3, 1.0, region)
    for pid in probe.ids():
        q = probe.facility(int(pid))
        assert_same(
            idx.nearest(q["lat"], q["lon"], k=k, min_free=min_free),
            brute(*data, q["lat"], q["lon"], k=k, min_free=min_free),
        )
        want = brute(*data, q["lat"], q["lon"], min_free=min_free)
        radius = want[min(2, len(want) - 1)][1] if want else 1000.0
        assert_same(
            idx.within(q["lat"], q["lon"], radius, min_free=min_free),
            brute(*data, q["lat"], q["lon"], min_free=min_free, radius=radius),
        )


@pytest.mark.parametrize("available", [0.01, 0.5, 1.0])
def test_batch_equals_brute_force_at_10000(available):
    rng = np.random.default_rng(42)
    n = 2000 if SMALL else 10000
    idx, data = random_index(rng, n, available)
    qlats = rng.uniform(-8.8, -7.7, 12)
    qlons = rng.uniform(113.8, 114.6, 12)
    ids, dists = idx.nearest_batch(qlats, qlons, k=5, min_free=1)
    for r in range(len(qlats)):
        want = brute(*data, float(qlats[r]), float(qlons[r]), k=5, min_free=1)
        got = [(int(i), float(d)) for i, d in zip(ids[r], dists[r]) if i >= 0]
        assert_same(got, want)


@pytest.mark.parametrize("region", ["banyuwangi", "antimeridian", "pole"])
def test_large_batch_equals_single_queries(region):
    # 3,000 points take the ordered path (Hilbert order, seeded searches, cached balls).
    rng = np.random.default_rng(17)
    idx, data = random_index(rng, 400 if SMALL else 1500, 0.3, region)
    n = 3000
    pick = rng.integers(0, len(data[0]), n)
    at_facility = rng.random(n) < 0.1
    if region == "antimeridian":
        qlats = rng.uniform(-10, 10, n)
        qlons = rng.uniform(179.0, 180.0, n) * rng.choice([-1, 1], n)
    elif region == "pole":
        qlats = rng.uniform(88.5, 90.0, n)
        qlons = rng.uniform(-180, 180, n)
    else:
        qlats = rng.uniform(-8.8, -7.7, n)
        qlons = rng.uniform(113.8, 114.6, n)
    qlats = np.where(at_facility, data[1][pick], qlats)
    qlons = np.where(at_facility, data[2][pick], qlons)
    for k, min_free in [(1, 0), (4, 1), (3, 5)]:
        ids, dists = idx.nearest_batch(qlats, qlons, k=k, min_free=min_free)
        for r in range(0, n, 1 if not SMALL else 7):
            one = idx.nearest(float(qlats[r]), float(qlons[r]), k=k, min_free=min_free)
            got = [(int(i), float(d)) for i, d in zip(ids[r], dists[r]) if i >= 0]
            assert got == one, (region, k, min_free, r)
            assert all(i == -1 for i in ids[r][len(one) :]) and np.isinf(dists[r][len(one) :]).all()
        for r in range(0, n, 300):
            want = brute(*data, float(qlats[r]), float(qlons[r]), k=k, min_free=min_free)
            assert_same([(int(i), float(d)) for i, d in zip(ids[r], dists[r]) if i >= 0], want)


def test_all_full_and_k_larger_than_n():
    idx = sk.FacilityIndex.from_arrays(
        np.arange(5), np.full(5, -8.2), np.full(5, 114.3), np.full(5, 2), occupied=np.full(5, 2)
    )
    ids, dists = idx.nearest_batch(np.array([-8.3]), np.array([114.3]), k=3, min_free=1)
    assert ids.tolist() == [[-1, -1, -1]] and np.isinf(dists).all()
    assert [i for i, _ in idx.nearest(-8.3, 114.3, k=50)] == [0, 1, 2, 3, 4]


def test_concurrent_reservations_count_every_bed():
    idx = sk.FacilityIndex.from_arrays(
        np.arange(1, 4), np.array([-8.2, -8.21, -8.22]), np.full(3, 114.3), np.array([40, 25, 10])
    )
    taken = []

    def worker(seed):
        rng = np.random.default_rng(seed)
        mine = 0
        for _ in range(2000):
            if rng.random() < 0.5:
                mine += idx.reserve(int(rng.integers(1, 4)))
            else:
                mine += idx.nearest_reserve(-8.2, 114.3) is not None
        taken.append(mine)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(taken) == 75
    assert [idx.free_beds(i) for i in (1, 2, 3)] == [0, 0, 0]


@pytest.mark.parametrize("residents,houses", [(300, 40), (400, 20)])
def test_assign_respects_capacity_and_optimal_beats_greedy(residents, houses):
    rng = np.random.default_rng(residents)
    cap = rng.integers(0, 12, houses).astype(np.int32)
    idx = sk.FacilityIndex.from_arrays(
        np.arange(houses), rng.uniform(-8.4, -8.1, houses), rng.uniform(114.2, 114.4, houses), cap
    )
    lats = rng.uniform(-8.4, -8.1, residents)
    lons = rng.uniform(114.2, 114.4, residents)
    greedy = idx.assign_report(lats, lons, mode="greedy")
    optimal = idx.assign_report(lats, lons, mode="optimal", k=10)
    for rep in (greedy, optimal):
        placed = rep["houses"][rep["houses"] >= 0]
        assert len(placed) == min(residents, int(cap.sum())) == rep["placed"]
        counts = np.bincount(placed, minlength=houses)
        assert (counts <= cap).all()
    assert optimal["total_m"] <= greedy["total_m"] + 1e-6
    houses_arr = idx.assign(lats, lons, mode="optimal", k=10)
    assert houses_arr.dtype == np.int64 and houses_arr.shape == (residents,)
    assert [idx.free_beds(h) for h in range(houses)] == cap.tolist()  # nothing reserved
    idx.assign(lats, lons, mode="greedy", reserve=True)
    assert sum(idx.free_beds(h) for h in range(houses)) == max(0, int(cap.sum()) - residents)
    with pytest.raises(sk.Error):
        idx.assign(lats, lons, mode="fastest")


def test_load_csv_and_json(tmp_path):
    text = (
        "id;name;lat;lon;kind;capacity;occupied;open\n"
        "1;Rumah A;-8,21;114,35;isolation;10;2;ya\n"
        "2;B;nan;114.3;isolation;5;0;1\n"
        "3;C;-8.2;114.3;isolation;-5;0;1\n"
    )
    rejected = []
    idx = sk.FacilityIndex.from_csv_text(text, rejected=rejected)
    assert len(idx) == 1 and idx.free_beds(1) == 8
    assert [line for line, _ in rejected] == [3, 4]
    with pytest.raises(sk.Error, match="line 3"):
        sk.FacilityIndex.from_csv_text(text)
    path = tmp_path / "houses.csv"
    path.write_text(text.replace("2;B;nan", "2;B;-8.3").replace("-5", "5"))
    assert len(sk.FacilityIndex.from_csv(str(path))) == 3
    jpath = tmp_path / "houses.json"
    jpath.write_text(
        '[{"id": 1, "lat": -8.2, "lon": 114.3, "capacity": 3}, {"id": 2, "lat": 91, "lon": 0, "capacity": 1}]'
    )
    rejected = []
    assert len(sk.FacilityIndex.from_json(str(jpath), rejected=rejected)) == 1
    assert rejected[0][0] == 2 and "latitude" in rejected[0][1]


def test_wgs84_distance():
    assert sk.wgs84_distance(0, 0, 0, 1) == pytest.approx(6378137.0 * math.pi / 180, abs=1e-6)
    with pytest.raises(sk.Error):
        sk.wgs84_distance(0, 0, 100, 0)
