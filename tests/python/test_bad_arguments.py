"""Bad arguments through the Python API and the CLI (issue 16, "must show"): extreme
integers (-1, 2**63, 2**64, 2**200), NaN and infinities, wrong types, empty and huge
arrays, at every public function and method of the handles. Each call either raises an
Exception that is not SystemError (pybind11's sign of a C++ exception that escaped its
translation) or, where the extreme value is a valid one (k above the number of houses
means all of them), returns; a message never holds a 16-digit run (the conftest scan
also sees every pytest.raises). A crash fails the whole run, as it should.

The CLI's numeric options at their extremes: exit status 1 or 2 with one line on
standard error, no traceback, no NIK; or success where the extreme is valid."""

import datetime as dt
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import smartkampung as sk
from conftest import assert_no_nik, personal_files

NIK = "3510014501900001"
KK = "3510011203150002"
INTS = [-1, 2**31, 2**63, 2**64, 2**200, -(2**200)]
BIG_INTS = [2**63, 2**64, 2**200, -(2**200)]
FLOATS = [math.nan, math.inf, -math.inf, 1e308]
WRONG = [None, "x", 1.5, [], {}, b"\xff", object()]
AT = dt.datetime(2020, 5, 1, 9, 0, tzinfo=dt.timezone.utc)
BAD_TIMES = [math.nan, math.inf, -math.inf, 2**200, -(2**200), 1e30, 253402300800, "tomorrow", object()]


def refused(call, *args, **kwargs):
    """The call raises a clean Exception; returns it."""
    try:
        call(*args, **kwargs)
    except SystemError as e:  # pragma: no cover - the failure being tested for
        pytest.fail(f"SystemError (an untranslated C++ exception): {e}")
    except Exception as e:  # noqa: BLE001 - any clean exception is the expected outcome
        assert_no_nik(str(e), f"{type(e).__name__} message")
        assert str(e).encode("utf-8")  # a message, in text that encodes
        return e
    pytest.fail(f"accepted: {getattr(call, '__name__', call)} {args!r:.200} {kwargs!r:.200}")


def tolerated(call, *args, **kwargs):
    """The extreme value may be valid: the call returns, or raises a clean Exception."""
    try:
        return call(*args, **kwargs)
    except SystemError as e:  # pragma: no cover
        pytest.fail(f"SystemError (an untranslated C++ exception): {e}")
    except Exception as e:  # noqa: BLE001
        assert_no_nik(str(e), f"{type(e).__name__} message")
        return e


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def reg():
    r = sk.Registry(as_of=dt.date(2020, 5, 1))
    r.add_records(
        [{"nik": NIK, "kk": KK, "name": "Siti Aminah", "birth_date": "1990-01-05"}], program="PKH", level="central"
    )
    return r


@pytest.fixture
def idx():
    return sk.FacilityIndex.from_arrays(
        np.array([10, 11]), np.array([-8.2, -8.3]), np.array([114.3, 114.4]), np.array([4, 2])
    )


@pytest.fixture
def certs():
    c = sk.CertificateRegistry()
    c.add_business(7, "Warung Kopi", "restaurant", -8.2, 114.3, 20, AT)
    return c


@pytest.fixture(scope="module")
def rules():
    return sk.RuleSet.builtin("bst")


RECORDS = [
    {"nik": NIK, "name": "Siti Aminah", "birth_date": "1990-01-05", "sex": "F"},
    {"nik": "3510010101800001", "name": "Budi Santoso", "birth_date": "1980-01-01", "sex": "M"},
]
# What the message scan (conftest) looks for in every message of this module's tests, besides
# any 16-digit run: the names, birth dates and numbers fed in.
PERSONAL_DATA = [NIK, KK, RECORDS]


# ---- NIK and names ----------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [sk.parse_nik, sk.parse_kk, sk.mask_nik, sk.region_name])
@pytest.mark.parametrize("value", [3510014501900001, *INTS, *FLOATS, *WRONG, "\ud800", "35\x0010014501900001"])
def test_nik_functions_refuse_non_text(fn, value):
    if fn in (sk.mask_nik, sk.region_name) and isinstance(value, (str, bytes)) and value != "\ud800":
        tolerated(fn, value)  # any text masks (entirely unless 16 characters); an unknown code gives None
        return
    refused(fn, value)


@pytest.mark.parametrize("fn", [sk.is_valid_nik, sk.is_valid_kk])
@pytest.mark.parametrize("value", [3510014501900001, *INTS, *FLOATS, *WRONG])
def test_validity_checks_answer_or_refuse(fn, value):
    out = tolerated(fn, value)
    assert out is False or isinstance(out, Exception)


@pytest.mark.parametrize("fn", [sk.parse_nik, sk.is_valid_nik, sk.validate_niks])
@pytest.mark.parametrize("as_of", [*BIG_INTS, *FLOATS, "2020-13-01", dt.date(9999, 12, 31), object()])
def test_nik_reference_dates(fn, as_of):
    arg = [NIK] if fn is sk.validate_niks else NIK
    tolerated(fn, arg, as_of=as_of) if isinstance(as_of, dt.date) else refused(fn, arg, as_of=as_of)


@pytest.mark.parametrize("fn", [sk.validate_niks, sk.validate_kks])
def test_nik_arrays_empty_huge_and_wrong(fn):
    assert len(fn(np.array([], dtype="U16"))) == 0
    assert len(fn([])) == 0
    # A huge view (no memory behind it: one value broadcast) is read without copying it whole.
    view = np.broadcast_to(np.array([NIK]), (200_000,))
    assert len(fn(view)) == 200_000
    for bad in (5, None, np.zeros((2, 2)), [NIK, 5], np.array([1.5, math.nan]), [[NIK]]):
        out = tolerated(fn, bad)
        assert isinstance(out, (Exception, np.ndarray))


@pytest.mark.parametrize("fn", [sk.normalize_name, sk.name_phonetic_key])
@pytest.mark.parametrize("value", [*INTS, *FLOATS, *[w for w in WRONG if w != "x"], "\ud800"])
def test_name_functions_refuse_non_text(fn, value):
    refused(fn, value)


@pytest.mark.parametrize("a", [None, 5, math.nan, "\ud800"])
def test_jaro_winkler_refuses_non_text(a):
    refused(sk.jaro_winkler, a, "Siti")
    refused(sk.jaro_winkler, "Siti", a)


@pytest.mark.parametrize(
    "args",
    [
        (math.nan, 0, 0, 0),
        (0, math.inf, 0, 0),
        (0, 0, -math.inf, 0),
        (0, 0, 0, math.nan),
        (91, 0, 0, 0),
        (0, 181, 0, 0),
        (2**200, 0, 0, 0),
        ("x", 0, 0, 0),
        (None, 0, 0, 0),
        (1e308, 0, 0, 0),
    ],
)
def test_distance_refuses_bad_coordinates(args):
    refused(sk.wgs84_distance, *args)


# ---- linkage ------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [*FLOATS, 1.5, 2**200, "x", object()])
def test_link_threshold(threshold):
    refused(sk.link, RECORDS, threshold=threshold)


@pytest.mark.parametrize(
    "records",
    [5, None, "x", [5], [None], [{"nik": 2**200}], [{"name": math.nan}], [{"birth_date": 1e308}], {"nik": [NIK]}],
)
def test_link_records(records):
    tolerated(sk.link, records)


def test_link_empty_and_settings():
    tolerated(sk.link, [])
    for settings in (5, "x", {"threshold": math.nan}, {"threshold": 2**200}, {"fields": 5}, [1]):
        refused(sk.link, RECORDS, settings=settings)


@pytest.fixture(scope="module")
def linked():
    return sk.link(RECORDS)


@pytest.mark.parametrize("i", INTS + [1.5, "x", None])
def test_link_result_indices(linked, i):
    for method in (linked.explain, linked.probability, linked.match_weight, linked.household_apart):
        refused(method, i, 0)
        refused(method, 0, i)


@pytest.fixture
def linker():
    lk = sk.Linker()
    lk.fit(RECORDS * 3)
    return lk


@pytest.mark.parametrize("i", INTS + [1.5, "x", None])
def test_linker_indices(linker, i):
    refused(linker.explain, i, 0)
    refused(linker.explain, 0, i)
    refused(linker.remove, i)


@pytest.mark.parametrize("k", [-1, 1.5, "x", None, -(2**200)])
def test_linker_candidates_bad_k(linker, k):
    refused(linker.candidates, RECORDS[0], k=k)


@pytest.mark.parametrize("k", [0, 2**63, 2**64, 2**200])
def test_linker_candidates_huge_k(linker, k):
    out = tolerated(linker.candidates, RECORDS[0], k=k)
    assert isinstance(out, (list, Exception))


@pytest.mark.parametrize("value", [5, None, "x", [5], {"nik": 2**200}, {"name": math.nan}])
def test_linker_records(linker, value):
    tolerated(linker.add, value)
    refused(linker.fit, value) if not isinstance(value, list) else tolerated(linker.fit, value)
    for settings in (5, "x", {"threshold": math.inf}):
        refused(sk.Linker, settings)


# ---- registry --------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [*BIG_INTS, *FLOATS, "x", object()])
def test_registry_as_of(as_of):
    refused(sk.Registry, as_of=as_of)


@pytest.mark.parametrize(
    "records",
    [
        5,
        None,
        "x",
        [5],
        [None],
        [{"nik": 2**200}],
        [{"nik": math.nan}],
        [{"nik": NIK, "birth_date": 1e308}],
        [{"nik": NIK, "rt": 2**200}],
    ],
)
def test_registry_add_records(reg, records):
    out = tolerated(reg.add_records, records, program="BST")
    if not isinstance(out, Exception):  # rows with bad values are rejected rows, not a crash
        assert out.loaded + len(out.rejected) + out.unkeyed >= 0


@pytest.mark.parametrize("program", [5, None, 2**200, math.nan, ""])
def test_registry_program_and_level(reg, program):
    refused(reg.add_records, RECORDS, program=program)
    refused(reg.add_records, RECORDS, program="BST", level=program)


@pytest.mark.parametrize("nik", [3510014501900001, *INTS, *FLOATS, *WRONG])
def test_registry_lookups(reg, nik):
    for method in (reg.public_check, reg.programs_of, reg.programs_of_kk):
        refused(method, nik)
    refused(reg.remove_record, "PKH", nik)


@pytest.mark.parametrize("at", BAD_TIMES)
def test_registry_report_times(reg, at):
    refused(reg.report, {"nik": NIK, "name": "Siti Aminah"}, at)
    assert isinstance(reg.reports(), list)  # the queue is not poisoned


@pytest.mark.parametrize("record", [5, None, "x", [], {"nik": 2**200}, {"nik": math.nan}])
def test_registry_report_records(reg, record):
    tolerated(reg.report, record, AT)
    assert isinstance(reg.reports(), list)


@pytest.mark.parametrize("threshold", [*FLOATS, -1, 2, 2**200, "x"])
def test_registry_dedup_threshold(reg, threshold):
    refused(reg.dedup, fuzzy=True, threshold=threshold)


@pytest.mark.parametrize("value", [5, None, 2**200, math.nan, object()])
def test_registry_paths_and_programs(reg, value, tmp_path):
    refused(reg.save, value)
    refused(sk.Registry.load, value)
    refused(reg.records, value)
    refused(reg.set_exclusions, value)
    tolerated(reg.drop_program, value)


# ---- rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [5, None, 2**200, math.nan, "", "{", "[]", b"{}"])
def test_ruleset_from_json(text):
    refused(sk.RuleSet.from_json, text)


@pytest.mark.parametrize("name", [5, None, "", "no-such", "\ud800"])
def test_ruleset_builtin(name):
    refused(sk.RuleSet.builtin, name)


@pytest.mark.parametrize("as_of", [*BIG_INTS, *FLOATS, "x", "2020-02-30", object()])
def test_rule_dates(rules, as_of):
    refused(rules.evaluate, {"kk": {}}, as_of=as_of)
    refused(rules.evaluate_batch, {"kk.lost_livelihood": [True]}, as_of=as_of)


@pytest.mark.parametrize(
    "record",
    [
        5,
        None,
        "x",
        [],
        {"kk": 5},
        {"kk": {"lost_livelihood": 2**200}},
        {"kk": {"lost_livelihood": math.nan}},
        {"kk": {"members": [5]}},
    ],
)
def test_rule_records(rules, record):
    tolerated(rules.evaluate, record, as_of=dt.date(2020, 5, 1))


@pytest.mark.parametrize(
    "table",
    [
        5,
        None,
        "x",
        [],
        {"kk.lost_livelihood": 5},
        {"kk.lost_livelihood": [2**200]},
        {"kk.lost_livelihood": np.array([math.nan, 1.0])},
        {"kk.lost_livelihood": [True], "kk.programs": [[1, 2]]},
        {"kk.lost_livelihood": [True, False], "kk.programs": [[]]},
    ],
)
def test_rule_batches(rules, table):
    tolerated(rules.evaluate_batch, table, as_of=dt.date(2020, 5, 1))


def test_rule_batches_empty_and_huge(rules):
    out = rules.evaluate_batch({"kk.lost_livelihood": np.array([], dtype=bool)}, as_of=dt.date(2020, 5, 1))
    assert len(out.decisions) == 0
    view = np.broadcast_to(np.array([True]), (100_000,))
    out = rules.evaluate_batch({"kk.lost_livelihood": view}, as_of=dt.date(2020, 5, 1))
    assert len(out.decisions) == 100_000


# ---- geo --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        dict(id=2**63),
        dict(id=2**64),
        dict(id=-1),
        dict(id=1.5),
        dict(lat=math.nan),
        dict(lon=math.inf),
        dict(lat=91),
        dict(capacity=-1),
        dict(capacity=2**31),
        dict(capacity=2**200),
        dict(occupied=-1),
        dict(occupied=5),
        dict(kind=5),
        dict(name="\ud800"),
        dict(lat="x"),
        dict(capacity=None),
    ],
)
def test_facility_add_and_update(idx, bad):
    args = dict(id=20, lat=-8.2, lon=114.3, capacity=4, occupied=0)
    args.update(bad)
    refused(idx.add, **args)
    args["id"] = bad.get("id", 10)
    refused(idx.update, **args)


@pytest.mark.parametrize("value", [*INTS, 1.5, "x", None])
def test_facility_ids(idx, value):
    for method in (idx.remove, idx.free_beds, idx.facility):
        refused(method, value)
    refused(idx.reserve, value)
    refused(idx.release, value)
    assert tolerated(idx.__contains__, value) in (False,) or isinstance(tolerated(idx.__contains__, value), Exception)


@pytest.mark.parametrize("n", [0, -1, 2**31, 2**63, 2**64, 2**200, 1.5, "x"])
def test_bed_counts(idx, n):
    if n == 2**31 or isinstance(n, int) and n > 2**31:
        tolerated(idx.reserve, 10, n)  # False (not free) or refused
    else:
        refused(idx.reserve, 10, n)
    refused(idx.release, 10, n)
    if isinstance(n, int) and n >= 2**31:
        out = tolerated(idx.nearest_reserve, -8.2, 114.3, n=n)
        assert out is None or isinstance(out, Exception)
    else:
        refused(idx.nearest_reserve, -8.2, 114.3, n=n)
    assert idx.free_beds(10) == 4 and idx.free_beds(11) == 2


@pytest.mark.parametrize("lat", [*FLOATS, 91, -(2**200), "x", None])
def test_facility_queries_bad_coordinates(idx, lat):
    refused(idx.nearest, lat, 114.3)
    refused(idx.within, lat, 114.3, 1000)
    refused(idx.nearest_reserve, lat, 114.3)
    refused(idx.nearest_batch, np.array([lat if isinstance(lat, float) else math.nan]), np.array([114.3]))
    refused(idx.assign, np.array([lat if isinstance(lat, float) else math.nan]), np.array([114.3]))


@pytest.mark.parametrize("radius", [math.nan, -1, -math.inf, "x", None])
def test_within_radius(idx, radius):
    refused(idx.within, -8.2, 114.3, radius)


@pytest.mark.parametrize("min_free", [-1, 2**31, 2**63, 2**200, 1.5])
def test_min_free(idx, min_free):
    refused(idx.nearest, -8.2, 114.3, min_free=min_free)
    refused(idx.within, -8.2, 114.3, 1000, min_free=min_free)


@pytest.mark.parametrize("k", [-1, -(2**200), 1.5, "x", None])
def test_bad_k(idx, k):
    refused(idx.nearest, -8.2, 114.3, k=k)
    refused(idx.nearest_batch, np.array([-8.2]), np.array([114.3]), k=k)
    refused(idx.assign, np.array([-8.2]), np.array([114.3]), mode="optimal", k=k)


@pytest.mark.parametrize("mode", ["x", "", None, 5])
def test_assign_mode(idx, mode):
    refused(idx.assign, np.array([-8.2]), np.array([114.3]), mode=mode)


def test_geo_arrays_empty_huge_and_mismatched(idx):
    ids, dists = idx.nearest_batch(np.array([]), np.array([]), k=2)
    assert len(ids) == 0
    assert len(idx.assign(np.array([]), np.array([]))) == 0
    refused(idx.nearest_batch, np.array([-8.2, -8.3]), np.array([114.3]))
    refused(idx.assign, np.array([-8.2, -8.3]), np.array([114.3]))
    refused(idx.nearest_batch, np.zeros((2, 2)), np.zeros((2, 2)))
    refused(idx.nearest_batch, "x", "y")
    lats = np.broadcast_to(np.array([-8.2]), (50_000,))
    lons = np.broadcast_to(np.array([114.3]), (50_000,))
    ids, dists = idx.nearest_batch(lats, lons, k=1)
    assert ids.shape[0] == 50_000 and (ids[:, 0] == 10).all()
    for bad in ([1, 2**64], [1.5, 2], [1, -(2**63) - 1], np.array([2**63 - 1, 2**63 - 1])):
        refused(
            sk.FacilityIndex.from_arrays,
            np.array(bad, dtype=object) if isinstance(bad, list) else bad,
            np.array([-8.2, -8.3]),
            np.array([114.3, 114.3]),
            np.array([1, 1]),
        )
    refused(sk.FacilityIndex.from_arrays, [], [1.0], [], [])
    assert len(sk.FacilityIndex.from_arrays([], [], [], [])) == 0


# ---- certificates -----------------------------------------------------------------------------


@pytest.mark.parametrize("policy,zone", [(5, "WIB"), ("{", "WIB"), (None, "XYZ"), (None, 5), (None, None)])
def test_certificate_registry_new(policy, zone):
    refused(sk.CertificateRegistry, policy, zone)


@pytest.mark.parametrize(
    "bad",
    [
        dict(id=2**63),
        dict(id=2**64),
        dict(id=-1),
        dict(id=1.5),
        dict(lat=math.nan),
        dict(lon=-math.inf),
        dict(capacity=-1),
        dict(capacity=2**31),
        dict(capacity=2**200),
        dict(name=None),
        dict(name="\ud800"),
        dict(category=5),
        dict(at=math.nan),
        dict(at=2**200),
        dict(at=253402300800),
    ],
)
def test_add_business(certs, bad):
    args = dict(id=8, name="Warung", category="restaurant", lat=-8.2, lon=114.3, capacity=20, at=AT)
    args.update(bad)
    refused(certs.add_business, **args)


@pytest.mark.parametrize("at", BAD_TIMES)
def test_certificate_event_times(certs, at):
    refused(certs.apply, 7, at)
    refused(certs.status, 7, at)
    refused(certs.max_visitors, 7, at)
    refused(certs.check_in, 7, at)
    refused(certs.certified_near, -8.2, 114.3, 1000, at)
    refused(certs.statuses, at)
    refused(certs.revoke, 7, AT + dt.timedelta(days=1), "fraud", effective_at=at)


@pytest.mark.parametrize("i", [*INTS, 1.5, "x", None])
def test_certificate_ids(certs, i):
    for method in (certs.occupancy, certs.history):
        refused(method, i)
    refused(certs.status, i, AT)
    refused(certs.apply, i, AT)
    refused(certs.check_out, i, AT)


@pytest.mark.parametrize("n", [0, -1, 2**31, 2**63, 2**200, 1.5, "x"])
def test_visitor_counts(certs, n):
    refused(certs.check_in, 7, AT, n)
    refused(certs.check_out, 7, AT, n)


@pytest.mark.parametrize("radius", [math.nan, -1, "x", None])
def test_certified_near_radius(certs, radius):
    refused(certs.certified_near, -8.2, 114.3, radius, AT)


# ---- the CLI: numeric options at their extremes ----------------------------------------------


def run_cli(*args):
    personal_files(args)
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", *map(str, args)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert_no_nik(proc.stderr, "CLI error")
    return proc


def refused_cli(*args):
    proc = run_cli(*args)
    assert proc.returncode in (1, 2), (proc.returncode, proc.stdout[-500:], proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("smartkampung") or "error" in proc.stderr, proc.stderr
    return proc.stderr


@pytest.fixture(scope="module")
def houses(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_bad")
    h = d / "houses.csv"
    h.write_text("id,lat,lon,capacity\n1,-8.2,114.3,5\n2,-8.3,114.4,3\n", encoding="utf-8")
    r = d / "residents.csv"
    r.write_text("lat,lon\n-8.25,114.35\n", encoding="utf-8")
    return h, r


EXTREME_TEXT = ["-1", "0", str(2**31), str(2**63), str(2**64), str(2**200), "nan", "inf", "-inf", "1e309", "1.5", "x"]


@pytest.mark.parametrize("value", EXTREME_TEXT)
def test_cli_nearest_k(houses, value):
    h, _ = houses
    proc = run_cli("nearest", "--houses", h, "-8.2", "114.3", "-k", value)
    if value.isdigit() and int(value) >= 1:
        assert proc.returncode == 0, proc.stderr  # a k above the number of houses means all of them
    else:
        assert proc.returncode in (1, 2), proc.stderr


@pytest.mark.parametrize("value", EXTREME_TEXT)
def test_cli_min_free_and_assign_k(houses, value):
    h, r = houses
    valid_k = value.isdigit() and int(value) >= 1
    proc = run_cli("assign", "--houses", h, r, "-k", value)
    assert proc.returncode == (0 if valid_k else 2) or (not valid_k and proc.returncode == 1), proc.stderr
    proc = run_cli("nearest", "--houses", h, "-8.2", "114.3", "--min-free", value)
    valid_min = value.isdigit() and int(value) < 2**31
    assert (proc.returncode == 0) == valid_min, proc.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309", "91", "-181", str(2**200), "x"])
def test_cli_nearest_coordinates(houses, value):
    h, _ = houses
    refused_cli("nearest", "--houses", h, value, "114.3")
    if value != "91":  # a valid longitude
        refused_cli("nearest", "--houses", h, "-8.2", value)


@pytest.mark.parametrize("value", ["-1", "0", str(2**32), str(2**64), str(2**200), "nan", "1e309", "x"])
def test_cli_demo_sizes(value, tmp_path):
    if value != "0":  # --persons 0 is below its minimum of 1; --seed 0 is a valid seed
        refused_cli("demo", "--persons", value, "--workdir", tmp_path)
    if value not in ("0",):
        refused_cli("demo", "--seed", value, "--persons", 10, "--workdir", tmp_path)


@pytest.mark.parametrize(
    "option,values",
    [
        ("--id", ["-1", str(2**63), str(2**64), str(2**200), "nan", "1.5", "x"]),
        ("-n", ["0", "-1", str(2**31), str(2**64), "nan", "x"]),
        ("--capacity", ["-1", str(2**31), str(2**64), "nan", "x"]),
        ("--lat", ["nan", "inf", "91", "-1e309", "x"]),
        ("--lon", ["nan", "-inf", "181", "1e309", "x"]),
        ("--at", ["10000-01-01T00:00", "0000-01-01T00:00", "nan", "inf", str(2**200), "2020-13-01T00:00", "x"]),
    ],
)
def test_cli_cert_options(option, values, tmp_path):
    store = tmp_path / "certs.jsonl"
    required = {"--category": "restaurant", "--lat": "-8.2", "--lon": "114.3", "--capacity": "20"}
    run_cli(
        "cert",
        "register",
        "--store",
        store,
        "--id",
        7,
        "--name",
        "Warung",
        "--at",
        "2020-06-01T09:00",
        *[x for kv in required.items() for x in kv],
    )
    before = store.read_bytes()
    action = "register" if option in ("--capacity", "--lat", "--lon") else ("checkin" if option == "-n" else "status")
    for value in values:
        args = ["cert", action, "--store", store]
        args += [] if option == "--id" else ["--id", 8 if action == "register" else 7]
        args += [option, value]
        if action == "register" and option != "--at":
            args += ["--at", "2020-06-01T09:00", "--name", "Warung"]
            args += [x for k, v in required.items() if k != option for x in (k, v)]
        refused_cli(*args)
    assert store.read_bytes() == before  # nothing written by a refused command
