"""Regressions of issue 16 (hardening, second round), each in the layer where it was found:
the Python module here, the CLI through a subprocess as a user runs it."""

import datetime as dt
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import smartkampung as sk
from conftest import assert_no_nik, personal_files

SIZE_MAX = 2**64 - 1


def run_cli(*args, check_code=None):
    personal_files(args)  # the names, dates and numbers of the files fed in: never in stderr
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", *map(str, args)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    if check_code is not None:
        assert proc.returncode == check_code, (proc.returncode, proc.stdout, proc.stderr)
    assert_no_nik(proc.stderr, "CLI error")
    return proc


def small_index():
    return sk.FacilityIndex.from_arrays(
        np.array([10, 11, 12, 13]),
        np.array([-8.20, -8.21, -8.30, -8.20]),
        np.full(4, 114.3),
        np.array([2, 5, 4, 3]),
        occupied=np.array([2, 0, 1, 0]),
        open=np.array([1, 1, 1, 0]),
    )


# ---- item 1: k = SIZE_MAX in nearest / assign -----------------------------------------


@pytest.mark.parametrize("k", [5, 2**32 + 1, 2**63, SIZE_MAX, 2**64, 2**200])
def test_nearest_with_huge_k_means_all(k):
    idx = small_index()
    assert [i for i, _ in idx.nearest(-8.2, 114.3, k=k)] == [10, 11, 12]
    assert [i for i, _ in idx.nearest(-8.2, 114.3, k=k, include_closed=True)] == [10, 13, 11, 12]
    ids, dists = idx.nearest_batch(np.array([-8.2, -8.3]), np.array([114.3, 114.3]), k=k)
    assert ids.shape == (2, 4)  # min(k, facilities) columns
    assert ids[0].tolist() == [10, 11, 12, -1] and math.isinf(dists[0][3])


@pytest.mark.parametrize("mode", ["greedy", "optimal"])
@pytest.mark.parametrize("k", [SIZE_MAX, 2**64 + 5])
def test_assign_with_huge_k_means_all(mode, k):
    idx = small_index()
    lats, lons = np.array([-8.2, -8.25, -8.3]), np.full(3, 114.3)
    assert idx.assign(lats, lons, mode=mode, k=k).tolist() == [11, 11, 12]
    rep = idx.assign_report(lats, lons, mode=mode, k=k, reserve=True)
    assert rep["placed"] == 3 and idx.free_beds(11) == 3 and idx.free_beds(12) == 2


def test_negative_or_float_k_is_refused():
    idx = small_index()
    with pytest.raises(sk.Error, match="k must be >= 0"):
        idx.nearest(-8.2, 114.3, k=-1)
    with pytest.raises(sk.Error, match="k must be >= 0"):
        idx.assign(np.array([-8.2]), np.array([114.3]), mode="optimal", k=-(2**70))
    with pytest.raises(TypeError, match="k must be an integer"):
        idx.nearest(-8.2, 114.3, k=2.0)
    with pytest.raises(TypeError, match="k must be an integer"):
        idx.nearest_batch(np.array([-8.2]), np.array([114.3]), k=True)
    assert idx.nearest(-8.2, 114.3, k=np.uint64(SIZE_MAX))[0][0] == 10  # numpy ints are ints


def houses_csv(tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text(
        "id,lat,lon,capacity,occupied,open\n10,-8.20,114.3,2,0,1\n11,-8.21,114.3,5,0,1\n" "12,-8.30,114.3,4,1,1\n",
        encoding="utf-8",
    )
    return path


def test_cli_nearest_and_assign_with_huge_k(tmp_path):
    import json

    houses = houses_csv(tmp_path)
    for k in (SIZE_MAX, 2**64, 10**30):
        proc = run_cli("nearest", "--houses", houses, -8.2, 114.3, "-k", k, "--json", check_code=0)
        assert [r["id"] for r in json.loads(proc.stdout)] == [10, 11, 12]
    residents = tmp_path / "residents.csv"
    residents.write_text("lat,lon\n-8.2,114.3\n-8.25,114.3\n-8.3,114.3\n", encoding="utf-8")
    proc = run_cli("assign", "--houses", houses, residents, "--mode", "optimal", "-k", SIZE_MAX, "--json", check_code=0)
    assert json.loads(proc.stdout)["placed"] == 3


@pytest.mark.parametrize(
    "args",
    [
        ("nearest", "-k", "-1"),
        ("nearest", "-k", "0"),
        ("nearest", "-k", "1.5"),
        ("nearest", "-k", "x"),
        ("nearest", "--min-free", str(2**31)),
        ("nearest", "--min-free", "-1"),
        ("assign", "-k", "0"),
        ("assign", "-k", str(-(2**64))),
    ],
)
def test_cli_numeric_options_out_of_range_are_usage_errors(tmp_path, args):
    houses = houses_csv(tmp_path)
    command, *rest = args
    if command == "nearest":
        argv = ["nearest", "--houses", houses, "-8.2", "114.3", *rest]
    else:
        residents = tmp_path / "residents.csv"
        residents.write_text("lat,lon\n-8.2,114.3\n", encoding="utf-8")
        argv = ["assign", "--houses", houses, residents, *rest]
    proc = run_cli(*argv)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "must be" in proc.stderr or "not an integer" in proc.stderr


@pytest.mark.parametrize(
    "args,code",
    [
        (("-n", str(2**31)), 2),
        (("-n", "0"), 2),
        (("--id", str(2**63)), 2),
        (("--id", "-1"), 2),
        (("--capacity", str(2**31)), 2),
    ],
)
def test_cli_cert_numeric_options_at_their_extremes(tmp_path, args, code):
    proc = run_cli("cert", "checkin", "--store", tmp_path / "s.jsonl", "--id", 1, *args)
    assert proc.returncode == code and "Traceback" not in proc.stderr, proc.stderr


# ---- item 5: integers that do not fit are refused, never wrapped --------------------------


def arrays(n=2):
    return np.arange(n), np.full(n, -8.2), np.full(n, 114.3)


@pytest.mark.parametrize(
    "column,values",
    [
        ("capacity", [5, 2**32 + 3]),
        ("capacity", [5, -(2**33)]),
        ("capacity", [5, 2**31]),
        ("occupied", [0, 2**32 + 1]),
        ("capacity", np.array([5, 2**40], dtype=np.int64)),
        ("capacity", np.array([5, 2**63], dtype=np.uint64)),
    ],
)
def test_from_arrays_refuses_integers_that_do_not_fit(column, values):
    ids, lats, lons = arrays()
    kwargs = {"capacity": np.array([5, 5]), "occupied": None}
    kwargs[column] = values
    with pytest.raises(OverflowError, match=rf"{column}\[1\] does not fit: it must be in \[-2147483648, 2147483647\]"):
        sk.FacilityIndex.from_arrays(ids, lats, lons, kwargs["capacity"], occupied=kwargs["occupied"])


def test_from_arrays_ids_beyond_int64_and_float_ids_are_refused():
    _, lats, lons = arrays()
    with pytest.raises(OverflowError, match=r"ids\[1\]"):
        sk.FacilityIndex.from_arrays([1, 2**63], lats, lons, [1, 1])
    with pytest.raises(OverflowError, match=r"ids\[0\]"):
        sk.FacilityIndex.from_arrays([2**64 + 1, 1], lats, lons, [1, 1])
    with pytest.raises(TypeError, match="ids must hold integers, not float64"):
        sk.FacilityIndex.from_arrays(np.array([1.7, 2.2]), lats, lons, [1, 1])
    with pytest.raises(TypeError, match=r"ids\[1\] must be an integer, not float"):
        sk.FacilityIndex.from_arrays(np.array([1, 2.0], dtype=object), lats, lons, [1, 1])
    with pytest.raises(TypeError, match=r"capacity\[0\] must be an integer, not float"):
        sk.FacilityIndex.from_arrays([1, 2], lats, lons, [1.0, 2.0])
    with pytest.raises(TypeError, match="capacity must hold integers, not float64"):
        sk.FacilityIndex.from_arrays([1, 2], lats, lons, np.array([1.0, 2.0]))


def test_from_arrays_occupied_past_capacity_is_caught_not_wrapped():
    ids, lats, lons = arrays()
    with pytest.raises(OverflowError):
        sk.FacilityIndex.from_arrays(ids, lats, lons, [4, 4], occupied=[0, 2**32 + 1])
    with pytest.raises(sk.Error, match="occupied exceeds capacity"):
        sk.FacilityIndex.from_arrays(ids, lats, lons, [4, 4], occupied=[0, 5])


def test_from_arrays_accepts_every_fitting_integer_dtype():
    _, lats, lons = arrays()
    for dtype in (np.int8, np.uint8, np.int16, np.uint32, np.int64, np.uint64):
        idx = sk.FacilityIndex.from_arrays(np.array([3, 4], dtype=dtype), lats, lons, np.array([7, 100], dtype=dtype))
        assert idx.ids().tolist() == [3, 4] and idx.free_beds(4) == 100
    idx = sk.FacilityIndex.from_arrays([0, 2**63 - 1], lats, lons, [2**31 - 1, 0])
    assert idx.free_beds(0) == 2**31 - 1 and 2**63 - 1 in idx
    assert len(sk.FacilityIndex.from_arrays([], [], [], [])) == 0


# ---- item 6: times are finite and within years 1..9999 ----------------------------------


def test_report_refuses_nan_inf_and_far_times_and_the_queue_stays_readable(tmp_path):
    reg = sk.Registry(as_of=dt.date(2020, 5, 1))
    rec = {"nik": "3510014501900001", "name": "Siti"}
    for bad in (float("nan"), float("inf"), float("-inf"), 1e30, -1e30, 2**63, -(2**70), 253402300800, -62135596801):
        with pytest.raises(sk.Error, match=r"^at (is outside the supported times|must be a finite)"):
            reg.report(rec, bad)
    assert reg.reports() == []
    assert reg.report(rec, 253402300799.5).accepted  # the last second of 9999 is fine
    when = dt.datetime(2020, 5, 1, 9, tzinfo=dt.timezone.utc)
    assert reg.report({"nik": "3510015203950003", "name": "Ani"}, when.timestamp()).accepted
    assert [r["at"] for r in reg.reports()][1] == when
    path = tmp_path / "reg.skreg"
    reg.save(str(path))
    assert len(sk.Registry.load(str(path)).reports()) == 2


def test_certificate_times_out_of_range_are_refused():
    reg = sk.CertificateRegistry()
    reg.add_business(1, "Warung Uji", "warung", -8.2, 114.3, 20)
    far = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12)))
    with pytest.raises((sk.Error, OverflowError)):
        reg.apply(1, far)
    with pytest.raises((sk.Error, OverflowError)):
        reg.status(1, far)
    assert reg.history(1)[-1]["type"] == "registered"  # nothing recorded
    ok = dt.datetime(2020, 7, 1, 9, tzinfo=dt.timezone.utc)
    reg.apply(1, ok)
    assert reg.status(1, ok) == "applied"


# ---- item 4: no personal data in messages -----------------------------------------------

NIK = "3510014501900001"
# The personal values the tests of this module feed in: the message scan (conftest) fails a
# test whose exception or CLI error repeats one of them.
PERSONAL_DATA = [
    NIK,
    {"nik": "3510015203950003", "kk": "3510010101150001", "name": "Siti Aminah", "birth_date": "1990-01-05"},
    {"name": "Ani"},
    {"name": "Dèwi Ñ"},
]


def test_argument_type_errors_name_types_never_values():
    reg = sk.Registry(as_of=dt.date(2020, 5, 1))
    with pytest.raises(TypeError) as err:
        reg.public_check(int(NIK))
    text = str(err.value)
    assert "public_check(): incompatible function arguments" in text
    assert "nik: str" in text and "Invoked with argument types: " in text and "Registry, int" in text
    assert NIK not in text and "3510" not in text
    with pytest.raises(TypeError) as err:
        sk.parse_nik(int(NIK))
    assert "parse_nik" in str(err.value) and NIK not in str(err.value) and "int" in str(err.value)
    record = {"nik": NIK, "kk": "3510010101150001", "name": "Siti Aminah", "birth_date": "1990-01-05"}
    with pytest.raises(TypeError) as err:
        reg.add_records([record], program=5)
    text = str(err.value)
    for secret in (NIK, "3510010101150001", "Siti", "1990-01-05"):
        assert secret not in text
    assert "program=int" in text
    with pytest.raises(TypeError) as err:  # a constructor
        sk.FacilityIndex("Siti Aminah 1990-01-05", name="Siti")
    text = str(err.value)
    assert "__init__(): incompatible constructor arguments" in text
    assert "Siti" not in text and "1990" not in text and "str; name=str" in text
    with pytest.raises(TypeError) as err:  # a static method
        sk.FacilityIndex.from_csv_text(text=["Siti Aminah"])
    assert "Siti" not in str(err.value)


def test_other_type_errors_are_left_as_they_were():
    with pytest.raises(TypeError, match="k must be an integer, not float"):
        small_index().nearest(-8.2, 114.3, k=1.5)


def eligible_csv(tmp_path, column, cell):
    import csv

    path = tmp_path / "records.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", column], ["1", cell]])
    return path


@pytest.mark.parametrize(
    "program,column,cell,expected",
    [
        ("bps-14", "house.floor_area_m2", "Siti Aminah 3510 0145 0190 0001", "not an integer"),
        ("bps-14", "house.floor_area_m2", "3510014501900001x", "not an integer"),
        ("blt-dana-desa", "lost_livelihood", "Siti Aminah 3510014501900001", "not a boolean"),
        ("blt-dana-desa", "members", '[{"nik": "3510014501900001", ', "not a JSON list"),
    ],
)
def test_cli_eligible_never_echoes_a_cell(tmp_path, program, column, cell, expected):
    proc = run_cli(
        "eligible", "--program", program, eligible_csv(tmp_path, column, cell), "--as-of", "2020-05-01", check_code=1
    )
    assert expected in proc.stderr and f"field '{column}'" in proc.stderr
    assert "Siti" not in proc.stderr and "3510" not in proc.stderr and "Traceback" not in proc.stderr


def test_message_scan_finds_a_leak():
    # The conftest hook itself: a message with a NIK fails, a masked one passes.
    from conftest import check_exception, forget_personal, nik_like_runs, personal

    forget_personal()  # first without this module's PERSONAL_DATA: only the digit runs
    assert nik_like_runs("nik 3510 0145 0190 0001 here") == ["3510********0001"]
    with pytest.raises(AssertionError, match=r"3510\*{8}0001"):
        check_exception(ValueError(f"bad {NIK}"))
    check_exception(ValueError("bad 3510********0001"))
    with pytest.raises(AssertionError):  # a cause is scanned too
        check_exception(_chained())
    # The test's own inputs: names (tokens of two or more letters, any case), birth dates
    # in the forms offices write them, NIK/KK and their date-and-serial part.
    personal({"NAMA": "Siti Aminah", "Tgl. Lahir": "05/01/1990", "No. KK": "3510010101150001"}, "Ni Luh Ayu")
    for leak in (
        "row 3: SITI is not a number",
        "unknown value 'aminah'",
        "born 1990-01-05",
        "on 05-01-1990",
        "date 05/01/1990 refused",
        "kk 3510.0101.0115.0001",
        "serial 0101150001 taken",
        "Ni said",
        "luh",
    ):
        with pytest.raises(AssertionError, match="personal data"):
            check_exception(ValueError(leak))
    for clean in (
        "row 3: not a number",
        "Situation normal",
        "NIK missing",
        "date 1990-01-06",
        "nilai salah",
        "line 12: invalid NIK (length)",
        "S*** A***",
    ):
        check_exception(ValueError(clean))
    assert nik_like_runs("Siti") == ["name token S***"]  # masked in the failure report too


def _chained():
    try:
        try:
            raise KeyError(NIK)
        except KeyError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as outer:
        return outer


# ---- item 3: text is UTF-8 and every message is UTF-8 -----------------------------------


def test_damaged_certificate_store_raises_certificate_error_never_unicode_error(tmp_path):
    reg = sk.CertificateRegistry()
    reg.add_business(1, "Warung Bu Tini", "warung", -8.2, 114.3, 20)
    reg.apply(1, dt.datetime(2020, 7, 1, 9, tzinfo=dt.timezone.utc))
    path = tmp_path / "store.jsonl"
    reg.save(str(path))
    good = path.read_bytes()
    damaged = tmp_path / "damaged.jsonl"
    outcomes = {"loaded": 0, "refused": 0}
    step = 1 if len(good) < 3000 else 3
    for pos in range(0, len(good), step):
        for byte in (0xFF, 0xC3, 0x80, 0xFE):
            data = bytearray(good)
            data[pos] = byte
            damaged.write_bytes(bytes(data))
            try:
                sk.CertificateRegistry.load(str(damaged))
                outcomes["loaded"] += 1
            except sk.CertificateError as e:
                str(e).encode("utf-8")  # a str that encodes: valid text
                outcomes["refused"] += 1
    assert outcomes["refused"] > 0


def test_registry_text_stays_utf8_through_save_and_the_public_check(tmp_path):
    reg = sk.Registry(as_of=dt.date(2020, 5, 1))
    reg.add_records([{"nik": NIK, "name": "Dèwi Ñ 😀"}], program="PKH", level="central")
    path = tmp_path / "reg.skreg"
    reg.save(str(path))
    back = sk.Registry.load(str(path))
    assert back.public_check(NIK)["found"]


# ---- item 7: files ------------------------------------------------------------------------


@pytest.fixture
def special_files(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    return {"/dev/zero": "/dev/zero", "fifo": str(fifo), "directory": str(tmp_path)}


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "directory"])
def test_non_regular_files_are_refused_before_reading(special_files, kind):
    path = special_files[kind]
    expected = {"/dev/zero": "character device", "fifo": "FIFO", "directory": "directory"}[kind]
    loaders = [
        lambda: sk.Registry.load(path),
        lambda: sk.Registry(as_of=dt.date(2020, 5, 1)).load_csv(path, "PKH"),
        lambda: sk.CertificateRegistry.load(path),
        lambda: sk.Linker.load(path),
        lambda: sk.FacilityIndex.from_csv(path),
        lambda: sk.RuleSet.from_file(path),
    ]
    for load in loaders:
        with pytest.raises(sk.Error, match=expected):
            load()


def mode_of(path):
    return os.stat(path).st_mode & 0o777


def test_saved_files_are_owner_only_and_no_temporary_is_left(tmp_path):
    old_umask = os.umask(0o022)
    try:
        reg = sk.Registry(as_of=dt.date(2020, 5, 1))
        reg.add_records([{"nik": NIK, "name": "Siti"}], program="PKH", level="central")
        reg.save(str(tmp_path / "reg.skreg"))
        cert = sk.CertificateRegistry()
        cert.add_business(1, "Warung", "warung", -8.2, 114.3, 20)
        cert.save(str(tmp_path / "certs.jsonl"))
        sk.Linker().save(str(tmp_path / "linker.sklink"))
    finally:
        os.umask(old_umask)
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert names == ["certs.jsonl", "certs.jsonl.occupancy", "linker.sklink", "reg.skreg"]  # no *.tmp* left
    for name in names:
        assert mode_of(tmp_path / name) == 0o600, name


def test_temporaries_of_killed_saves_are_removed_on_the_next_save_and_open(tmp_path):
    path = tmp_path / "reg.skreg"
    dead = tmp_path / "reg.skreg.tmp999999999_3"  # no process has this id
    mine = tmp_path / f"reg.skreg.tmp{os.getpid()}_77"  # a save still running: kept
    other = tmp_path / "reg.skreg.tmpx_1"  # not a temporary of ours: kept
    for p in (dead, mine, other):
        p.write_bytes(b"3510014501900001 Siti")
    reg = sk.Registry(as_of=dt.date(2020, 5, 1))
    reg.save(str(path))
    assert not dead.exists() and mine.exists() and other.exists()
    dead.write_bytes(b"left by kill -9")
    sk.Registry.load(str(path))
    assert not dead.exists()


def test_cli_outputs_are_written_whole_and_owner_only(tmp_path):
    houses = houses_csv(tmp_path)
    residents = tmp_path / "residents.csv"
    residents.write_text("lat,lon\n-8.2,114.3\n-8.25,114.3\n", encoding="utf-8")
    out = tmp_path / "placed.csv"
    out.write_text("an older file\n", encoding="utf-8")
    run_cli("assign", "--houses", houses, residents, "--out", out, check_code=0)
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("file,line,name,NIK,KK,house")
    written = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("placed"))
    assert written == [
        "placed-houses.csv",
        "placed-problems.csv",
        "placed-summary.csv",
        "placed-waiting.csv",
        "placed.csv",
    ]
    assert all(mode_of(tmp_path / name) == 0o600 for name in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["houses.csv", "residents.csv"] + written)


# ---- item 2: a step budget per record --------------------------------------------------

NESTED = {
    "format": "skamp-rules/1",
    "ruleset": "nested",
    "version": "1",
    "legal_basis": ["a test"],
    "valid": {"from": "2020-01-01", "to": "2030-12-31"},
    "scope": "kk",
    "inputs": {"kk.members": "list<member>", "member.nik": "string"},
    "rules": [
        {
            "id": "deep",
            "require": "!any(kk.members, a -> any(kk.members, b -> any(kk.members, c -> "
            "a.nik == 'x' && b.nik == 'y' && c.nik == 'z')))",
            "reason": {"code": "DEEP", "id": "dalam", "en": "deep"},
        }
    ],
}


def household(n):
    return {"kk": {"members": [{"nik": f"m{i}"} for i in range(n)]}}


def test_nested_traversals_stop_at_the_step_budget_and_the_batch_goes_on():
    import json
    import time

    rs = sk.RuleSet.from_json(json.dumps(NESTED))
    as_of = dt.date(2020, 5, 1)
    start = time.perf_counter()
    d = rs.evaluate(household(300), as_of=as_of, explain=True)  # 300**3 = 2.7e7 steps unbounded
    assert time.perf_counter() - start < 5.0
    assert d.decision == "error" and [r.code for r in d.reasons] == ["LIMIT"]
    assert rs.evaluate(household(5), as_of=as_of).decision == "eligible"  # 155 steps: decided
    out = rs.evaluate_batch(
        {"kk.members": [household(5)["kk"]["members"], household(300)["kk"]["members"], household(3)["kk"]["members"]]},
        as_of=as_of,
    )
    assert out.decisions.tolist() == [0, 3, 0] and out.reasons.tolist() == ["", "LIMIT", ""]


def test_a_rule_nesting_four_traversals_is_refused_at_load_naming_it():
    """The compile-time bound: four traversals of one list nested (64**4 elements with the
    assumed 64-element lists) pass the limit of 1,000,000; three (64**3) do not."""
    import json

    four = json.loads(json.dumps(NESTED))
    four["rules"].insert(
        0, {"id": "fine", "require": "len(kk.members) < 30", "reason": {"code": "FINE", "id": "baik", "en": "fine"}}
    )
    four["rules"][1]["require"] = (
        "!any(kk.members, a -> any(kk.members, b -> any(kk.members, c -> "
        "any(kk.members, d -> a.nik == b.nik && c.nik == d.nik))))"
    )
    with pytest.raises(sk.Error) as e:
        sk.RuleSet.from_json(json.dumps(four))
    msg = str(e.value)
    assert msg.startswith("rules[1]") and '"deep"' in msg and "too costly" in msg
    assert sk.RuleSet.from_json(json.dumps(NESTED)).rule_ids == ["deep"]  # three levels load
    reserved = json.loads(json.dumps(NESTED))
    reserved["rules"][0]["reason"]["code"] = "LIMIT"
    with pytest.raises(sk.Error, match="reserved"):
        sk.RuleSet.from_json(json.dumps(reserved))


# ---- the cost bound, set from Python (RuleOptions::max_work, assumed_list_length) ---------


def four_levels():
    four = json.loads(json.dumps(NESTED))
    four["rules"][0]["require"] = (
        "!any(kk.members, a -> any(kk.members, b -> any(kk.members, c -> "
        "any(kk.members, d -> a.nik == 'w' && b.nik == 'x' && c.nik == 'y' && d.nik == 'z'))))"
    )
    return json.dumps(four)


def test_cost_bound_options_on_every_rule_set_loader(tmp_path):
    text = four_levels()  # 64**4 + ... elements with the assumed 64-element lists: past 1,000,000
    with pytest.raises(sk.Error, match="too costly"):
        sk.RuleSet.from_json(text)
    assert sk.RuleSet.from_json(text, max_work=0).rule_ids == ["deep"]  # 0: no bound at load
    assert sk.RuleSet.from_json(text, assumed_list_length=8).rule_ids == ["deep"]  # 8**4 + ... < 1e6
    assert sk.RuleSet.from_json(text, max_work=2**64 - 1).rule_ids == ["deep"]
    with pytest.raises(sk.Error, match="too costly"):  # a lower bound refuses three levels
        sk.RuleSet.from_json(json.dumps(NESTED), max_work=1000)
    with pytest.raises(sk.Error, match="too costly"):  # longer lists assumed
        sk.RuleSet.from_json(json.dumps(NESTED), assumed_list_length=200)
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sk.Error, match="too costly"):
        sk.RuleSet.from_file(str(path))
    assert sk.RuleSet.from_file(str(path), max_work=0).rule_ids == ["deep"]
    with pytest.raises(sk.Error, match="too costly"):
        sk.RuleSet.builtin("jatim-bkk", max_work=1)
    assert sk.RuleSet.builtin("jatim-bkk", max_work=64).id == "jatim-bkk"
    assert sk.rules.builtin("jatim-bkk", max_work=64, assumed_list_length=1).id == "jatim-bkk"


def test_a_rule_set_loaded_without_the_bound_still_stops_at_the_step_budget():
    rs = sk.RuleSet.from_json(four_levels(), max_work=0)
    d = rs.evaluate(household(40), as_of=dt.date(2020, 5, 1), explain=True)  # 40**4 = 2.56e6 steps
    assert d.decision == "error" and [r.code for r in d.reasons] == ["LIMIT"]


@pytest.mark.parametrize(
    "option,value,error,message",
    [
        ("max_work", -1, sk.Error, r"max_work must be in \[0, 2\*\*64 - 1\]"),
        ("max_work", -(2**70), sk.Error, "max_work must be in"),
        ("max_work", 2**64, OverflowError, "max_work does not fit"),
        ("max_work", 2**200, OverflowError, "max_work does not fit"),
        ("max_work", 1.0, TypeError, "max_work must be an integer, not float"),
        ("max_work", True, TypeError, "max_work must be an integer, not bool"),
        ("max_work", "1000", TypeError, "max_work must be an integer, not str"),
        ("max_work", math.nan, TypeError, "max_work must be an integer"),
        ("assumed_list_length", 0, sk.Error, r"assumed_list_length must be in \[1, 2\*\*32 - 1\]"),
        ("assumed_list_length", -5, sk.Error, "assumed_list_length must be in"),
        ("assumed_list_length", 2**32, OverflowError, "assumed_list_length does not fit"),
        ("assumed_list_length", 2.5, TypeError, "assumed_list_length must be an integer"),
        ("assumed_list_length", [64], TypeError, "assumed_list_length must be an integer"),
    ],
)
def test_cost_bound_options_are_checked(option, value, error, message, tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(NESTED), encoding="utf-8")
    for load in (
        lambda **kw: sk.RuleSet.from_json(json.dumps(NESTED), **kw),
        lambda **kw: sk.RuleSet.from_file(str(path), **kw),
        lambda **kw: sk.RuleSet.builtin("bst", **kw),
    ):
        with pytest.raises(error, match=message):
            load(**{option: value})
    assert np.uint32(7) and sk.RuleSet.from_json(json.dumps(NESTED), assumed_list_length=np.uint32(7)).rule_ids
