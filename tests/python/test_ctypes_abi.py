"""The C API driven through ctypes only, as another language would use it (no pybind11),
and the ABI's paperwork: the shared library exports exactly the skamp_ functions listed
in tests/abi/exported_c_symbols.txt, and each one is declared with a documentation
comment in a header under include/smartkampung/c/.

Under CTest, SKAMP_SHARED_LIBRARY names the library that was built."""

import ctypes
import json
import os
import pathlib
import re
import shutil
import subprocess
import threading

import pytest
from test_areas import areas

SOURCE_DIR = pathlib.Path(os.environ.get("SKAMP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
HEADER_DIR = SOURCE_DIR / "include" / "smartkampung" / "c"
SYMBOL_LIST = SOURCE_DIR / "tests" / "abi" / "exported_c_symbols.txt"

SKAMP_OK, SKAMP_EINVALID, SKAMP_ENOTFOUND, SKAMP_ESTATE = 0, -1, -2, -3
SKAMP_EIO, SKAMP_ECORRUPT, SKAMP_EPARSE, SKAMP_ELIMIT, SKAMP_ENOMEM, SKAMP_EINTERNAL = -4, -5, -6, -7, -8, -9
SKAMP_ECANCELLED = -10
ALL_STATUSES = [0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10]


def library_path() -> pathlib.Path:
    path = os.environ.get("SKAMP_SHARED_LIBRARY")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("SKAMP_SHARED_LIBRARY is not set: run through CTest")
        pytest.skip("SKAMP_SHARED_LIBRARY is not set (run through CTest)")
    return pathlib.Path(path)


class NikInfo(ctypes.Structure):
    """Mirror of skamp_nik_info in include/smartkampung/c/nik.h."""

    _fields_ = [
        ("size", ctypes.c_size_t),
        ("province", ctypes.c_char * 3),
        ("regency", ctypes.c_char * 5),
        ("district", ctypes.c_char * 7),
        ("birth_year", ctypes.c_int),
        ("birth_month", ctypes.c_int),
        ("birth_day", ctypes.c_int),
        ("sex", ctypes.c_char),
        ("serial", ctypes.c_int),
        ("reason", ctypes.c_int),
        ("repaired", ctypes.c_int),
    ]


@pytest.fixture(scope="module")
def lib():
    lib = ctypes.CDLL(str(library_path()))
    status = ctypes.c_int
    signatures = {
        "skamp_version": (ctypes.c_char_p, []),
        "skamp_version_number": (ctypes.c_int, []),
        "skamp_last_error": (ctypes.c_char_p, []),
        "skamp_status_str": (ctypes.c_char_p, [ctypes.c_int]),
        "skamp_free": (None, [ctypes.c_void_p]),
        "skamp_nik_is_valid": (ctypes.c_int, [ctypes.c_char_p]),
        "skamp_nik_kk_is_valid": (ctypes.c_int, [ctypes.c_char_p]),
        "skamp_nik_parse": (status, [ctypes.POINTER(NikInfo), ctypes.c_char_p]),
        "skamp_nik_kk_parse": (status, [ctypes.POINTER(NikInfo), ctypes.c_char_p]),
        "skamp_nik_parse_as_of": (
            status,
            [ctypes.POINTER(NikInfo), ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int],
        ),
        "skamp_nik_validate_batch": (
            status,
            [
                ctypes.POINTER(ctypes.c_int8),
                ctypes.POINTER(ctypes.c_char_p),
                ctypes.c_size_t,
                ctypes.c_int,
                ctypes.c_int,
                ctypes.c_int,
            ],
        ),
        "skamp_nik_reason_str": (ctypes.c_char_p, [ctypes.c_int]),
        "skamp_nik_mask": (status, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


# --- the paperwork: exported == listed == documented -----------------------------


def exported_c_symbols(path: pathlib.Path) -> set:
    nm = shutil.which("nm")
    assert nm, "nm (binutils) is needed to list the dynamic symbols"
    out = subprocess.run([nm, "-D", "--defined-only", str(path)], check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ [TDBRVW] (skamp_\w+?)(@@?\w+)?$", line)
        if m:
            names.add(m.group(1))
    return names


def listed_symbols() -> set:
    return {line.strip() for line in SYMBOL_LIST.read_text().splitlines() if line.startswith("skamp_")}


DECLARATION = re.compile(r"SMARTKAMPUNG_EXPORT\b[^;{]*?\b(skamp_\w+)\s*\(", re.S)


def header_declarations() -> dict:
    """skamp_ function name -> (header, documentation comment or None)."""
    found = {}
    headers = sorted(HEADER_DIR.glob("*.h"))
    assert headers, f"no C headers in {HEADER_DIR}"
    for header in headers:
        text = header.read_text()
        for m in DECLARATION.finditer(text):
            before = text[: m.start()].rstrip()
            comment = None
            if before.endswith("*/"):
                start = before.rfind("/*")
                comment = before[start + 2 : -2].strip(" *\n")
            elif before.split("\n")[-1].lstrip().startswith("//"):
                comment = before.split("\n")[-1].lstrip()[2:].strip()
            found[m.group(1)] = (header.name, comment)
    return found


def test_exported_symbols_are_exactly_the_list():
    exported = exported_c_symbols(library_path())
    listed = listed_symbols()
    assert exported - listed == set(), "exported but not in exported_c_symbols.txt"
    assert listed - exported == set(), "listed but not exported"


def test_every_exported_function_is_declared_and_documented():
    declared = header_declarations()
    exported = exported_c_symbols(library_path())
    undeclared = sorted(exported - declared.keys())
    assert undeclared == [], f"exported but declared in no header under {HEADER_DIR}"
    undocumented = sorted(name for name in exported if not declared[name][1])
    assert undocumented == [], "declared without a comment saying what the function promises"
    # A comment that is only the name, or a few characters, documents nothing.
    thin = sorted(name for name in exported if len(declared[name][1]) < 12)
    assert thin == []


def test_every_declared_function_is_exported():
    # A declaration in a public header without a definition is a link error for users.
    missing = sorted(set(header_declarations()) - exported_c_symbols(library_path()))
    assert missing == []


def test_every_function_that_returns_memory_says_how_to_free_it():
    # STYLE.md rule 6: a function handing out char* or arrays names skamp_free.
    offenders = []
    for header in sorted(HEADER_DIR.glob("*.h")):
        text = header.read_text()
        for m in DECLARATION.finditer(text):
            decl = text[m.start() : text.find(";", m.start())]
            before = text[: m.start()].rstrip()
            comment = before[before.rfind("/*") :] if before.endswith("*/") else ""
            returns_owned = re.search(r"\bchar\s*\*\*\s*out\b|\*\*\s*out_(text|json|array)\b", decl)
            if returns_owned and "skamp_free" not in comment and "_free" not in comment:
                offenders.append(m.group(1))
    assert offenders == []


# --- the calls ------------------------------------------------------------------


def test_version_matches_header(lib):
    header = (SOURCE_DIR / "CMakeLists.txt").read_text()
    version = re.search(r"project\(smartkampung\s+VERSION\s+(\d+\.\d+\.\d+)", header).group(1)
    assert lib.skamp_version().decode() == version
    major, minor, patch = (int(x) for x in version.split("."))
    assert lib.skamp_version_number() == major * 10000 + minor * 100 + patch


def test_status_strings_are_static_and_never_null(lib):
    for status in ALL_STATUSES + [1, -11, 12345, -(2**31)]:
        text = lib.skamp_status_str(status)
        assert text, status
    assert b"SKAMP_EINVALID" in lib.skamp_status_str(SKAMP_EINVALID)
    assert b"SKAMP_ECANCELLED" in lib.skamp_status_str(SKAMP_ECANCELLED)
    lib.skamp_free(None)  # free(NULL) is a no-op


def new_info(size=None) -> NikInfo:
    info = NikInfo()
    info.size = ctypes.sizeof(NikInfo) if size is None else size
    return info


def test_nik_parse_fills_the_struct(lib):
    info = new_info()
    assert lib.skamp_nik_parse_as_of(ctypes.byref(info), b"3510014501900001", 2020, 5, 1) == SKAMP_OK
    assert (info.province, info.regency, info.district) == (b"35", b"3510", b"351001")
    assert (info.birth_year, info.birth_month, info.birth_day) == (1990, 1, 5)
    assert info.sex == b"F" and info.serial == 1 and info.reason == 0 and info.repaired == 0
    assert lib.skamp_last_error() == b""
    assert lib.skamp_nik_parse(ctypes.byref(info), b"'3510014501900001") == SKAMP_OK
    assert info.repaired == 1


def test_kk_parse_and_validity(lib):
    info = new_info()
    assert lib.skamp_nik_kk_parse(ctypes.byref(info), b"3510011203150002") == SKAMP_OK
    assert (info.birth_year, info.birth_month, info.birth_day) == (2015, 3, 12) and info.sex == b"\x00"
    assert lib.skamp_nik_kk_is_valid(b"3510011203150002") == 1
    assert lib.skamp_nik_kk_is_valid(None) == 0
    assert lib.skamp_nik_is_valid(b"3510014501900001") == 1
    assert lib.skamp_nik_is_valid(b"3510013002900001") == 0
    assert lib.skamp_nik_is_valid(None) == 0


@pytest.mark.parametrize(
    "nik,reason,name",
    [
        (b"123", 1, b"length"),
        (b"35100145019000O1", 2, b"non_digit"),
        (b"9910014501900001", 3, b"province"),
        (b"3510013002900001", 4, b"birth_date"),
        (b"3510010101900000", 5, b"serial"),
        (b"3.51001E+15", 6, b"scientific_notation"),
    ],
)
def test_rejections_set_reason_and_message(lib, nik, reason, name):
    info = new_info()
    assert lib.skamp_nik_parse_as_of(ctypes.byref(info), nik, 2020, 5, 1) == SKAMP_EINVALID
    assert info.reason == reason
    assert lib.skamp_nik_reason_str(reason) == name
    message = lib.skamp_last_error()
    assert name in message and nik not in message


def test_null_arguments_and_short_structs(lib):
    assert lib.skamp_nik_parse(None, b"3510014501900001") == SKAMP_EINVALID
    assert b"out" in lib.skamp_last_error()
    info = new_info()
    assert lib.skamp_nik_parse(ctypes.byref(info), None) == SKAMP_EINVALID
    assert lib.skamp_nik_parse(ctypes.byref(new_info(4)), b"3510014501900001") == SKAMP_EINVALID
    # An older caller whose struct ends before `repaired`: that field is left alone.
    old = new_info(NikInfo.repaired.offset)
    old.repaired = 77
    assert lib.skamp_nik_parse(ctypes.byref(old), b"'3510014501900001") == SKAMP_OK
    assert old.repaired == 77 and old.serial == 1
    assert lib.skamp_nik_reason_str(-1) == b"unknown" and lib.skamp_nik_reason_str(99) == b"unknown"
    assert lib.skamp_nik_parse_as_of(ctypes.byref(info), b"3510014501900001", 2021, 2, 29) == SKAMP_EINVALID


def test_validate_batch_and_mask(lib):
    niks = [b"3510014501900001", b"3.51001E+15", None, b"9910014501900001", b"3510010101900000"]
    array = (ctypes.c_char_p * len(niks))(*niks)
    reasons = (ctypes.c_int8 * len(niks))()
    assert lib.skamp_nik_validate_batch(reasons, array, len(niks), 2020, 5, 1) == SKAMP_OK
    assert list(reasons) == [0, 6, 1, 3, 5]
    assert lib.skamp_nik_validate_batch(None, None, 0, 0, 0, 0) == SKAMP_OK
    assert lib.skamp_nik_validate_batch(None, array, 1, 0, 0, 0) == SKAMP_EINVALID

    buf = ctypes.create_string_buffer(17)
    assert lib.skamp_nik_mask(buf, 17, b"3510014501900001") == SKAMP_OK
    assert buf.value == b"3510********0001"
    assert lib.skamp_nik_mask(buf, 16, b"3510014501900001") == SKAMP_EINVALID
    assert lib.skamp_nik_mask(buf, 17, b"12") == SKAMP_OK and buf.value == b"*" * 16


def test_last_error_is_per_thread(lib):
    """skamp_last_error() is thread-local: a failure on one thread is not seen on another."""
    info = new_info()
    assert lib.skamp_nik_parse(ctypes.byref(info), b"123") == SKAMP_EINVALID
    seen = {}

    def other():
        seen["before"] = lib.skamp_last_error()
        other_info = new_info()
        lib.skamp_nik_parse(ctypes.byref(other_info), b"3510013002900001")
        seen["after"] = lib.skamp_last_error()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen["before"] == b""
    assert b"birth_date" in seen["after"]
    assert b"length" in lib.skamp_last_error()


# --- every handle type of the areas, through ctypes only ---------------------------
#
# One ctypes declaration per function, as a Go/Java/C# binding would write it. Memory the
# library returns (char ** outputs) is read as c_void_p and released with skamp_free.

c_int, c_i8, c_i32, c_i64, c_dbl, c_sz = (
    ctypes.c_int,
    ctypes.c_int8,
    ctypes.c_int32,
    ctypes.c_int64,
    ctypes.c_double,
    ctypes.c_size_t,
)
P, VP, CP = ctypes.POINTER, ctypes.c_void_p, ctypes.c_char_p
PVP = P(VP)
SKAMP_CERT_NO_TIME = -(2**63)
JULY1_WIB = 1593536400  # 2020-07-01 00:00 WIB
DAY = 86400


class Facility(ctypes.Structure):
    """Mirror of skamp_facility in include/smartkampung/c/geo.h."""

    _fields_ = [
        ("size", c_sz),
        ("id", c_i64),
        ("lat", c_dbl),
        ("lon", c_dbl),
        ("capacity", c_i32),
        ("occupied", c_i32),
        ("open", c_int),
        ("kind", CP),
        ("name", CP),
    ]


class FacilityFilter(ctypes.Structure):
    """Mirror of skamp_facility_filter in include/smartkampung/c/geo.h."""

    _fields_ = [("size", c_sz), ("min_free", c_i32), ("kind", CP), ("include_closed", c_int)]


AREA_SIGNATURES = {
    # registry
    "skamp_registry_new": (c_int, [PVP]),
    "skamp_registry_free": (None, [VP]),
    "skamp_registry_add_csv": (c_int, [PVP, VP, CP, CP, CP]),
    "skamp_registry_add_json": (c_int, [PVP, VP, CP, CP, CP]),
    "skamp_registry_set_exclusions_json": (c_int, [VP, CP]),
    "skamp_registry_dedup_json": (c_int, [PVP, VP]),
    "skamp_registry_programs_of_json": (c_int, [PVP, VP, CP]),
    "skamp_registry_public_check_json": (c_int, [PVP, VP, CP]),
    "skamp_registry_report_json": (c_int, [PVP, VP, CP, c_i64]),
    "skamp_registry_save": (c_int, [VP, CP]),
    "skamp_registry_load": (c_int, [PVP, CP]),
    "skamp_registry_save_signed": (c_int, [VP, CP, CP]),
    "skamp_registry_load_verified": (c_int, [PVP, CP, P(CP), c_sz, c_int]),
    # rules
    "skamp_ruleset_new_json": (c_int, [PVP, CP, c_sz, CP]),
    "skamp_ruleset_builtin": (c_int, [PVP, CP]),
    "skamp_ruleset_builtin_names": (c_int, [PVP]),
    "skamp_ruleset_reload": (c_int, [VP, CP, c_sz]),
    "skamp_ruleset_free": (None, [VP]),
    "skamp_ruleset_info_json": (c_int, [PVP, VP]),
    "skamp_ruleset_to_json": (c_int, [PVP, VP]),
    "skamp_ruleset_evaluate_json": (c_int, [PVP, VP, CP, c_int, c_int, c_int, c_int]),
    "skamp_ruleset_evaluate_batch": (c_int, [P(c_i8), P(c_i64), P(c_i32), VP, CP, c_sz, c_int, c_int, c_int]),
    "skamp_ruleset_evaluate_batch_cancellable": (
        c_int,
        [P(c_sz), P(c_i8), P(c_i64), P(c_i32), VP, CP, c_sz, c_int, c_int, c_int, P(c_int)],
    ),
    "skamp_ruleset_reason_code": (CP, [VP, c_i32]),
    "skamp_ruleset_run_tests_json": (c_int, [PVP, VP]),
    # geo
    "skamp_geo_index_new": (
        c_int,
        [PVP, c_sz, P(c_i64), P(c_dbl), P(c_dbl), P(c_i32), P(c_i32), P(ctypes.c_uint8), P(CP)],
    ),
    "skamp_geo_index_new_csv": (c_int, [PVP, CP]),
    "skamp_geo_index_new_json_file": (c_int, [PVP, CP]),
    "skamp_geo_index_free": (None, [VP]),
    "skamp_geo_index_size": (c_int, [P(c_sz), VP]),
    "skamp_geo_index_add": (c_int, [VP, P(Facility)]),
    "skamp_geo_index_update": (c_int, [VP, P(Facility)]),
    "skamp_geo_index_remove": (c_int, [VP, c_i64]),
    "skamp_geo_index_nearest": (c_int, [P(c_sz), P(c_i64), P(c_dbl), VP, c_dbl, c_dbl, c_sz, P(FacilityFilter)]),
    "skamp_geo_index_nearest_batch": (
        c_int,
        [P(c_i64), P(c_dbl), VP, c_sz, P(c_dbl), P(c_dbl), c_sz, P(FacilityFilter)],
    ),
    "skamp_geo_index_within": (c_int, [P(P(c_i64)), P(P(c_dbl)), P(c_sz), VP, c_dbl, c_dbl, c_dbl, P(FacilityFilter)]),
    "skamp_geo_index_reserve": (c_int, [P(c_int), VP, c_i64, c_i32]),
    "skamp_geo_index_release": (c_int, [VP, c_i64, c_i32]),
    "skamp_geo_index_free_beds": (c_int, [P(c_i32), VP, c_i64]),
    "skamp_geo_index_nearest_reserve": (c_int, [P(c_i64), P(c_dbl), VP, c_dbl, c_dbl, c_i32, P(FacilityFilter)]),
    "skamp_geo_index_assign": (c_int, [P(c_i64), P(c_dbl), P(c_dbl), VP, c_sz, P(c_dbl), P(c_dbl), c_int, c_sz, c_int]),
    "skamp_geo_distance": (c_int, [P(c_dbl), c_dbl, c_dbl, c_dbl, c_dbl]),
    # cert
    "skamp_cert_registry_new": (c_int, [PVP, CP, c_int]),
    "skamp_cert_registry_free": (None, [VP]),
    "skamp_cert_registry_load": (c_int, [PVP, CP]),
    "skamp_cert_registry_save": (c_int, [VP, CP]),
    "skamp_cert_add_business": (c_int, [VP, c_i64, CP, CP, c_dbl, c_dbl, c_i32, CP, c_i64]),
    "skamp_cert_apply": (c_int, [VP, c_i64, c_i64]),
    "skamp_cert_audit": (c_int, [VP, c_i64, c_i64, c_int, CP]),
    "skamp_cert_issue": (c_int, [P(c_i64), VP, c_i64, c_i64]),
    "skamp_cert_evaluate": (c_int, [VP, c_i64, c_i64, c_int, CP]),
    "skamp_cert_report_violation": (c_int, [VP, c_i64, c_i64, CP]),
    "skamp_cert_suspend": (c_int, [VP, c_i64, c_i64, CP]),
    "skamp_cert_reinstate": (c_int, [VP, c_i64, c_i64]),
    "skamp_cert_revoke": (c_int, [VP, c_i64, c_i64, CP, c_i64]),
    "skamp_cert_renew": (c_int, [P(c_i64), VP, c_i64, c_i64]),
    "skamp_cert_withdraw": (c_int, [VP, c_i64, c_i64, CP]),
    "skamp_cert_status_at": (c_int, [P(c_int), VP, c_i64, c_i64]),
    "skamp_cert_status_str": (CP, [c_int]),
    "skamp_cert_max_visitors": (c_int, [P(c_i32), VP, c_i64, c_i64]),
    "skamp_cert_check_in": (c_int, [P(c_int), VP, c_i64, c_i64, c_i32]),
    "skamp_cert_check_out": (c_int, [VP, c_i64, c_i64, c_i32]),
    "skamp_cert_occupancy": (c_int, [P(c_i32), VP, c_i64]),
    "skamp_cert_certified_near_json": (c_int, [PVP, VP, c_dbl, c_dbl, c_dbl, c_i64, CP]),
    "skamp_cert_history_json": (c_int, [PVP, VP, c_i64]),
    "skamp_cert_generate_key": (c_int, [CP]),
    "skamp_cert_registry_save_signed": (c_int, [VP, CP, CP]),
    "skamp_cert_registry_load_verified": (c_int, [PVP, CP, P(CP), c_sz, c_int]),
    "skamp_cert_sticker": (c_int, [PVP, VP, c_i64, c_i64, CP]),
    "skamp_cert_status_list": (c_int, [PVP, VP, c_i64, CP]),
    "skamp_cert_verify_json": (c_int, [PVP, CP, P(CP), c_sz, CP, c_i64]),
    # linkage
    "skamp_linkage_normalize_name": (c_int, [PVP, CP]),
    "skamp_linkage_link_json": (c_int, [PVP, CP, CP, CP, c_dbl]),
    "skamp_linkage_linker_new": (c_int, [PVP, CP]),
    "skamp_linkage_linker_free": (None, [VP]),
    "skamp_linkage_linker_fit_json": (c_int, [VP, CP]),
    "skamp_linkage_linker_add_json": (c_int, [PVP, VP, CP]),
    "skamp_linkage_linker_remove": (c_int, [VP, c_sz]),
    "skamp_linkage_linker_candidates_json": (c_int, [PVP, VP, CP, c_sz]),
    "skamp_linkage_linker_clusters_json": (c_int, [PVP, VP]),
    "skamp_linkage_linker_explain_json": (c_int, [PVP, VP, c_sz, c_sz]),
    "skamp_linkage_linker_settings_json": (c_int, [PVP, VP]),
    "skamp_linkage_linker_save": (c_int, [VP, CP]),
    "skamp_linkage_linker_load": (c_int, [PVP, CP]),
    # Arrow streams (struct ArrowArrayStream *: driven in tests/python/test_arrow_capi.py)
    "skamp_registry_dedup_arrow": (c_int, [VP, VP, CP]),
    "skamp_registry_records_arrow": (c_int, [VP, VP, CP]),
    "skamp_registry_add_arrow": (c_int, [PVP, VP, VP, CP, CP]),
    "skamp_linkage_link_arrow": (c_int, [VP, VP, VP, CP, c_dbl]),
    "skamp_linkage_linker_fit_arrow": (c_int, [VP, VP]),
    "skamp_linkage_linker_clusters_arrow": (c_int, [VP, VP]),
    "skamp_ruleset_evaluate_arrow": (c_int, [VP, VP, VP, c_int, c_int, c_int]),
    "skamp_geo_index_new_arrow": (c_int, [PVP, VP]),
    "skamp_geo_index_nearest_arrow": (c_int, [VP, VP, c_sz, P(c_dbl), P(c_dbl), c_sz, VP]),
    "skamp_geo_index_assign_arrow": (c_int, [VP, VP, c_sz, P(c_dbl), P(c_dbl), c_int, c_sz, c_int]),
    "skamp_cert_statuses_arrow": (c_int, [VP, VP, c_i64]),
}


@pytest.fixture(scope="module")
def alib(lib):
    """The library with the area functions declared as well."""
    for name, (restype, argtypes) in AREA_SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def take_text(lib, out: VP):
    """The text of a char * the library returned, released with skamp_free."""
    if not out.value:
        return None
    text = ctypes.string_at(out.value).decode("utf-8")
    lib.skamp_free(out)
    return text


def call_json(lib, fn, *args):
    """Calls fn(&out, *args), checks SKAMP_OK, returns the parsed JSON."""
    import json

    out = VP()
    status = fn(ctypes.byref(out), *args)
    assert status == SKAMP_OK, lib.skamp_last_error()
    return json.loads(take_text(lib, out))


def new_handle(lib, fn, *args):
    handle = VP()
    status = fn(ctypes.byref(handle), *args)
    assert status == SKAMP_OK, lib.skamp_last_error()
    assert handle.value
    return handle


# The handle areas' C headers, from the one list of areas (nik's functions are declared in
# the `lib` fixture).
AREA_HEADERS = {f"{name}.h" for name, c_api in areas().items() if c_api and name != "nik"}


def test_area_functions_are_all_declared_here():
    """Every exported function of the areas' headers has a ctypes declaration above: a new
    function gets one (and a call in a test below), or this test fails."""
    declared = header_declarations()
    wanted = {name for name, (header, _) in declared.items() if header in AREA_HEADERS}
    assert wanted - set(AREA_SIGNATURES) == set()
    assert set(AREA_SIGNATURES) - wanted == set()


def test_registry_handle(alib, tmp_path):
    lib = alib
    lib.skamp_registry_free(None)
    assert lib.skamp_registry_new(None) == SKAMP_EINVALID
    reg = new_handle(lib, lib.skamp_registry_new)
    report = call_json(
        lib,
        lib.skamp_registry_add_json,
        reg,
        b'[{"nik": "3510014501900001", "kk": "3510010101150001", "name": "Siti"},' b' {"nik": "123", "name": "Bad"}]',
        b"PKH",
        b"central",
    )
    assert report["loaded"] == 1
    csv = tmp_path / "bst.csv"
    csv.write_bytes(b"nik;nama\r\n3510011203850002;Budi\r\n3510014501900001;Siti\r\n")
    assert call_json(lib, lib.skamp_registry_add_csv, reg, str(csv).encode(), b"BST", b"regency")["loaded"] == 2
    assert lib.skamp_registry_add_csv(None, reg, b"/nonexistent.csv", b"BST", b"regency") == SKAMP_EIO
    assert (
        lib.skamp_registry_set_exclusions_json(
            reg, b'{"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "person"}]}'
        )
        == SKAMP_OK
    )
    dedup = call_json(lib, lib.skamp_registry_dedup_json, reg)
    assert dedup["schema"] == "skamp-dedup-report/1"
    assert call_json(lib, lib.skamp_registry_programs_of_json, reg, b"3510014501900001") == ["BST", "PKH"]
    out = VP()
    assert lib.skamp_registry_programs_of_json(ctypes.byref(out), reg, b"35100145") == SKAMP_EINVALID and not out.value
    check = call_json(lib, lib.skamp_registry_public_check_json, reg, b"3510014501900001")
    assert check["found"] is True and check["nik"] == "3510********0001"
    outcome = call_json(
        lib, lib.skamp_registry_report_json, reg, b'{"nik": "3510015203950003", "name": "Ani"}', JULY1_WIB
    )
    assert outcome["accepted"] is True
    saved = tmp_path / "reg.skreg"
    assert lib.skamp_registry_save(reg, str(saved).encode()) == SKAMP_OK
    back = new_handle(lib, lib.skamp_registry_load, str(saved).encode())
    assert call_json(lib, lib.skamp_registry_programs_of_json, back, b"3510011203850002") == ["BST"]
    saved.write_bytes(saved.read_bytes()[:-5])
    bad = VP()
    assert lib.skamp_registry_load(ctypes.byref(bad), str(saved).encode()) == SKAMP_ECORRUPT and not bad.value
    lib.skamp_registry_free(back)
    # Signed snapshots (issue 19): verified with the public key, refused unsigned.
    (tmp_path / "keys").mkdir()
    assert lib.skamp_cert_generate_key(str(tmp_path / "keys").encode()) == SKAMP_OK
    pubs = (CP * 1)(str(tmp_path / "keys" / "district.pub").encode())
    key = str(tmp_path / "keys" / "district.key").encode()
    assert lib.skamp_registry_save_signed(reg, str(saved).encode(), key) == SKAMP_OK
    back = new_handle(lib, lib.skamp_registry_load_verified, str(saved).encode(), pubs, 1, 0)
    assert call_json(lib, lib.skamp_registry_programs_of_json, back, b"3510011203850002") == ["BST"]
    lib.skamp_registry_free(back)
    assert lib.skamp_registry_save_signed(reg, str(saved).encode(), None) == SKAMP_OK
    assert lib.skamp_registry_load_verified(ctypes.byref(bad), str(saved).encode(), pubs, 1, 0) == SKAMP_ECORRUPT
    assert not bad.value and b"not signed" in lib.skamp_last_error()
    back = new_handle(lib, lib.skamp_registry_load_verified, str(saved).encode(), pubs, 1, 1)
    lib.skamp_registry_free(back)
    lib.skamp_registry_free(reg)


RECORD_OK = (
    b'{"kk": {"programs": [], "region_kind": "desa", "lost_livelihood": true, "chronic_illness": false,'
    b' "in_dtks": true, "islands": false, "head": {"sex": "F"},'
    b' "members": [{"nik": "3510010101800001", "birth_date": "1980-01-01"}]}}'
)


def test_ruleset_handle(alib, source_dir):
    lib = alib
    lib.skamp_ruleset_free(None)
    names = call_json(lib, lib.skamp_ruleset_builtin_names)
    assert "bst" in names and "blt-dana-desa" in names
    rs = new_handle(lib, lib.skamp_ruleset_builtin, b"bst")
    info = call_json(lib, lib.skamp_ruleset_info_json, rs)
    assert info["schema"] == "skamp-ruleset-info/1" and info["ruleset"] == "bst"
    assert call_json(lib, lib.skamp_ruleset_run_tests_json, rs)["failures"] == []
    decision = call_json(lib, lib.skamp_ruleset_evaluate_json, rs, RECORD_OK, 2020, 5, 1, 1)
    assert decision["schema"] == "skamp-decision/1" and decision["decision"] == "eligible"
    assert decision["amount"] == 600000
    n = 2
    decisions, amounts, reasons = (c_i8 * n)(), (c_i64 * n)(), (c_i32 * n)()
    batch = b"[" + RECORD_OK + b"," + RECORD_OK.replace(b'"programs": []', b'"programs": ["PKH"]') + b"]"
    assert lib.skamp_ruleset_evaluate_batch(decisions, amounts, reasons, rs, batch, n, 2020, 5, 1) == SKAMP_OK
    assert list(decisions) == [0, 1] and amounts[0] == 600000
    assert lib.skamp_ruleset_reason_code(rs, reasons[1]) == b"PENERIMA_PKH"
    assert lib.skamp_ruleset_reason_code(rs, 123456) is not None
    out = VP()
    assert (
        lib.skamp_ruleset_evaluate_json(ctypes.byref(out), rs, b'{"kk": {"in_dtks": "ya"}}', 2020, 5, 1, 0)
        == SKAMP_EINVALID
    )
    assert not out.value
    # Reload: a rejected text keeps the old set; a good one replaces it.
    assert lib.skamp_ruleset_reload(rs, b"{", 1) == SKAMP_EPARSE
    assert call_json(lib, lib.skamp_ruleset_info_json, rs)["ruleset"] == "bst"
    text = (source_dir / "data" / "rules" / "blt-dana-desa.json").read_bytes()
    assert lib.skamp_ruleset_reload(rs, text, len(text)) == SKAMP_OK
    assert call_json(lib, lib.skamp_ruleset_info_json, rs)["ruleset"] == "blt-dana-desa"
    canonical = VP()
    assert lib.skamp_ruleset_to_json(ctypes.byref(canonical), rs) == SKAMP_OK
    canonical_text = take_text(lib, canonical).encode()
    again = new_handle(lib, lib.skamp_ruleset_new_json, canonical_text, len(canonical_text), None)
    assert (
        call_json(lib, lib.skamp_ruleset_info_json, again)["sha256"]
        == call_json(lib, lib.skamp_ruleset_info_json, rs)["sha256"]
    )
    conflicts = b'{"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk"}]}'
    with_conflicts = new_handle(lib, lib.skamp_ruleset_new_json, text, len(text), conflicts)
    bad = VP()
    assert lib.skamp_ruleset_new_json(ctypes.byref(bad), b'{"format": "x"}', 15, None) in (SKAMP_EPARSE, SKAMP_EINVALID)
    assert not bad.value and lib.skamp_last_error()
    for handle in (with_conflicts, again, rs):
        lib.skamp_ruleset_free(handle)


def test_facility_index_handle(alib, tmp_path):
    lib = alib
    lib.skamp_geo_index_free(None)
    ids = (c_i64 * 3)(1, 2, 3)
    lats = (c_dbl * 3)(-8.2, -8.21, -8.3)
    lons = (c_dbl * 3)(114.3, 114.31, 114.4)
    capacity = (c_i32 * 3)(2, 1, 5)
    index = new_handle(lib, lib.skamp_geo_index_new, 3, ids, lats, lons, capacity, None, None, None)
    size = c_sz()
    assert lib.skamp_geo_index_size(ctypes.byref(size), index) == SKAMP_OK and size.value == 3
    f = Facility(ctypes.sizeof(Facility), 4, -8.25, 114.35, 3, 0, 1, b"isolation", b"Rumah")
    assert lib.skamp_geo_index_add(index, ctypes.byref(f)) == SKAMP_OK
    assert lib.skamp_geo_index_add(index, ctypes.byref(f)) == SKAMP_EINVALID
    f.capacity = 4
    assert lib.skamp_geo_index_update(index, ctypes.byref(f)) == SKAMP_OK
    count, out_ids, out_d = c_sz(), (c_i64 * 2)(), (c_dbl * 2)()
    flt = FacilityFilter(ctypes.sizeof(FacilityFilter), 3, None, 0)
    assert (
        lib.skamp_geo_index_nearest(ctypes.byref(count), out_ids, out_d, index, -8.2, 114.3, 2, ctypes.byref(flt))
        == SKAMP_OK
    )
    assert count.value == 2 and list(out_ids) == [4, 3]  # only houses with >= 3 free beds
    q_lats, q_lons = (c_dbl * 2)(-8.2, -8.3), (c_dbl * 2)(114.3, 114.4)
    b_ids, b_d = (c_i64 * 2)(), (c_dbl * 2)()
    assert lib.skamp_geo_index_nearest_batch(b_ids, b_d, index, 2, q_lats, q_lons, 1, None) == SKAMP_OK
    assert list(b_ids) == [1, 3]
    w_ids, w_d, w_n = P(c_i64)(), P(c_dbl)(), c_sz()
    assert (
        lib.skamp_geo_index_within(
            ctypes.byref(w_ids), ctypes.byref(w_d), ctypes.byref(w_n), index, -8.2, 114.3, 2000.0, None
        )
        == SKAMP_OK
    )
    assert w_n.value == 2 and [w_ids[i] for i in range(2)] == [1, 2] and w_d[0] == 0.0
    lib.skamp_free(w_ids)
    lib.skamp_free(w_d)
    taken, beds = c_int(), c_i32()
    assert lib.skamp_geo_index_reserve(ctypes.byref(taken), index, 2, 1) == SKAMP_OK and taken.value == 1
    assert lib.skamp_geo_index_reserve(ctypes.byref(taken), index, 2, 1) == SKAMP_OK and taken.value == 0
    assert lib.skamp_geo_index_release(index, 2, 2) == SKAMP_EINVALID
    assert lib.skamp_geo_index_release(index, 2, 1) == SKAMP_OK
    assert lib.skamp_geo_index_free_beds(ctypes.byref(beds), index, 2) == SKAMP_OK and beds.value == 1
    got, dist = c_i64(), c_dbl()
    assert (
        lib.skamp_geo_index_nearest_reserve(ctypes.byref(got), ctypes.byref(dist), index, -8.2, 114.3, 2, None)
        == SKAMP_OK
        and got.value == 1
    )
    houses, total, worst = (c_i64 * 2)(), c_dbl(), c_dbl()
    assert (
        lib.skamp_geo_index_assign(houses, ctypes.byref(total), ctypes.byref(worst), index, 2, q_lats, q_lons, 1, 3, 0)
        == SKAMP_OK
    )
    assert all(h in (2, 3, 4) for h in houses)
    assert lib.skamp_geo_index_remove(index, 4) == SKAMP_OK
    assert lib.skamp_geo_index_remove(index, 4) == SKAMP_ENOTFOUND
    d = c_dbl()
    assert lib.skamp_geo_distance(ctypes.byref(d), 0.0, 0.0, 0.0, 1.0) == SKAMP_OK and abs(d.value - 111319.49) < 0.1
    assert lib.skamp_geo_distance(ctypes.byref(d), 91.0, 0.0, 0.0, 1.0) == SKAMP_EINVALID
    csv = tmp_path / "f.csv"
    csv.write_text("id,lat,lon,capacity\n1,-8.2,114.3,4\n2,-8.3,114.4,2\n")
    from_csv = new_handle(lib, lib.skamp_geo_index_new_csv, str(csv).encode())
    js = tmp_path / "f.json"
    js.write_text('[{"id": 1, "lat": -8.2, "lon": 114.3, "capacity": 4}]')
    from_json = new_handle(lib, lib.skamp_geo_index_new_json_file, str(js).encode())
    js.write_text('[{"id": 1, "lat": 95, "lon": 114.3, "capacity": 4}]')
    bad = VP()
    assert lib.skamp_geo_index_new_json_file(ctypes.byref(bad), str(js).encode()) == SKAMP_EPARSE and not bad.value
    for handle in (from_json, from_csv, index):
        lib.skamp_geo_index_free(handle)


def test_cert_registry_handle(alib, tmp_path):
    lib = alib
    lib.skamp_cert_registry_free(None)
    assert lib.skamp_cert_registry_new(None, None, 0) == SKAMP_EINVALID
    reg = new_handle(lib, lib.skamp_cert_registry_new, None, 0)
    assert (
        lib.skamp_cert_add_business(reg, 7, b"Warung", b"restaurant", -8.2192, 114.3691, 101, None, SKAMP_CERT_NO_TIME)
        == SKAMP_OK
    )
    assert (
        lib.skamp_cert_add_business(reg, 7, b"Warung", b"restaurant", -8.2, 114.3, 10, None, SKAMP_CERT_NO_TIME)
        != SKAMP_OK
    )
    assert lib.skamp_cert_apply(reg, 7, JULY1_WIB) == SKAMP_OK
    serial = c_i64()
    assert lib.skamp_cert_issue(ctypes.byref(serial), reg, 7, JULY1_WIB + DAY) == SKAMP_ESTATE
    assert lib.skamp_cert_audit(reg, 7, JULY1_WIB + 2 * DAY, 1, None) == SKAMP_OK
    assert lib.skamp_cert_issue(ctypes.byref(serial), reg, 7, JULY1_WIB + 3 * DAY) == SKAMP_OK and serial.value == 1
    status, cap, admitted, occupancy = c_int(), c_i32(), c_int(), c_i32()
    assert lib.skamp_cert_status_at(ctypes.byref(status), reg, 7, JULY1_WIB + 10 * DAY) == SKAMP_OK
    assert lib.skamp_cert_status_str(status.value) == b"active"
    assert lib.skamp_cert_status_at(ctypes.byref(status), reg, 99, JULY1_WIB) == SKAMP_ENOTFOUND
    assert lib.skamp_cert_max_visitors(ctypes.byref(cap), reg, 7, JULY1_WIB + 10 * DAY) == SKAMP_OK and cap.value > 0
    assert lib.skamp_cert_check_in(ctypes.byref(admitted), reg, 7, JULY1_WIB + 10 * DAY, cap.value) == SKAMP_OK
    assert admitted.value == 1
    assert lib.skamp_cert_check_in(ctypes.byref(admitted), reg, 7, JULY1_WIB + 10 * DAY, 1) == SKAMP_OK
    assert admitted.value == 0
    assert lib.skamp_cert_check_out(reg, 7, JULY1_WIB + 10 * DAY, cap.value + 5) == SKAMP_OK
    assert lib.skamp_cert_occupancy(ctypes.byref(occupancy), reg, 7) == SKAMP_OK and occupancy.value == 0
    near = call_json(lib, lib.skamp_cert_certified_near_json, reg, -8.22, 114.37, 5000.0, JULY1_WIB + 10 * DAY, None)
    assert [r["id"] for r in near["results"]] == [7]
    assert lib.skamp_cert_report_violation(reg, 7, JULY1_WIB + 11 * DAY, b"crowd") == SKAMP_OK
    # A violation suspends under the built-in policy: a second suspension is refused.
    assert lib.skamp_cert_status_at(ctypes.byref(status), reg, 7, JULY1_WIB + 12 * DAY) == SKAMP_OK
    assert lib.skamp_cert_status_str(status.value) == b"suspended"
    assert lib.skamp_cert_suspend(reg, 7, JULY1_WIB + 12 * DAY, b"crowd") == SKAMP_ESTATE
    assert lib.skamp_cert_reinstate(reg, 7, JULY1_WIB + 13 * DAY) == SKAMP_OK
    assert lib.skamp_cert_suspend(reg, 7, JULY1_WIB + 14 * DAY, b"crowd") == SKAMP_OK
    assert lib.skamp_cert_reinstate(reg, 7, JULY1_WIB + 15 * DAY) == SKAMP_OK
    assert lib.skamp_cert_evaluate(reg, 7, JULY1_WIB + 16 * DAY, 1, None) in (SKAMP_OK, SKAMP_ESTATE)
    assert lib.skamp_cert_renew(ctypes.byref(serial), reg, 7, JULY1_WIB + 17 * DAY) in (SKAMP_OK, SKAMP_ESTATE)
    assert lib.skamp_cert_revoke(reg, 7, JULY1_WIB + 18 * DAY, b"fraud", SKAMP_CERT_NO_TIME) == SKAMP_OK
    assert lib.skamp_cert_status_at(ctypes.byref(status), reg, 7, JULY1_WIB + 19 * DAY) == SKAMP_OK
    assert lib.skamp_cert_status_str(status.value) == b"revoked"
    assert lib.skamp_cert_withdraw(reg, 7, JULY1_WIB + 19 * DAY, None) == SKAMP_ESTATE
    history = call_json(lib, lib.skamp_cert_history_json, reg, 7)
    assert history["business_id"] == 7 and len(history["events"]) >= 9
    path = tmp_path / "cert.jsonl"
    assert lib.skamp_cert_registry_save(reg, str(path).encode()) == SKAMP_OK
    back = new_handle(lib, lib.skamp_cert_registry_load, str(path).encode())
    assert call_json(lib, lib.skamp_cert_history_json, back, 7) == history
    path.write_bytes(path.read_bytes().replace(b"Warung", b"Warunk"))
    bad = VP()
    assert lib.skamp_cert_registry_load(ctypes.byref(bad), str(path).encode()) == SKAMP_ECORRUPT and not bad.value
    lib.skamp_cert_registry_free(back)
    lib.skamp_cert_registry_free(reg)


LINK_RECORDS = [
    {"nik": "3510014501900001", "name": "Siti Aminah", "birth_date": "1990-01-05", "sex": "P", "village": "Kebalenan"},
    {"nik": "3510014501900002", "name": "Siti Aminah", "birth_date": "1990-01-05", "sex": "P", "village": "Kebalenan"},
    {"nik": None, "name": "Budi Santoso", "birth_date": "1985-03-12", "sex": "L", "village": "Penganjuran"},
    {
        "nik": "3510011203850002",
        "name": "Budi Santosa",
        "birth_date": "1985-03-12",
        "sex": "L",
        "village": "Penganjuran",
    },
    {"nik": "3510015203950003", "name": "Ani", "birth_date": "1995-03-12", "sex": "P", "village": "Tukangkayu"},
]


def test_linker_handle(alib):
    import json

    lib = alib
    lib.skamp_linkage_linker_free(None)
    out = VP()
    assert lib.skamp_linkage_normalize_name(ctypes.byref(out), b"H. Djoko  Santoso") == SKAMP_OK
    assert take_text(lib, out) == "joko santoso"
    records = json.dumps(LINK_RECORDS).encode()
    linked = call_json(lib, lib.skamp_linkage_link_json, records, None, None, -1.0)
    assert linked["schema"] == "skamp-link-result/1" and linked["cluster_ids"] == [0, 0, 2, 2, 4]
    cross = call_json(
        lib,
        lib.skamp_linkage_link_json,
        json.dumps(LINK_RECORDS[:2]).encode(),
        json.dumps(LINK_RECORDS[2:]).encode(),
        None,
        0.5,
    )
    assert all(i < 2 <= j for i, j, _ in cross["pairs"])
    assert lib.skamp_linkage_link_json(ctypes.byref(out), b"[{", None, None, -1.0) == SKAMP_EPARSE and not out.value
    linker = new_handle(lib, lib.skamp_linkage_linker_new, None)
    assert lib.skamp_linkage_linker_fit_json(linker, records) == SKAMP_OK, lib.skamp_last_error()
    added = call_json(lib, lib.skamp_linkage_linker_add_json, linker, json.dumps(LINK_RECORDS[0]).encode())
    assert added["index"] == 5 and added["cluster_id"] == 0
    candidates = call_json(
        lib, lib.skamp_linkage_linker_candidates_json, linker, json.dumps(LINK_RECORDS[2]).encode(), 3
    )
    assert candidates["candidates"] and len(candidates["candidates"]) <= 3
    assert call_json(lib, lib.skamp_linkage_linker_clusters_json, linker)["cluster_ids"] == [0, 0, 2, 2, 4, 0]
    explained = call_json(lib, lib.skamp_linkage_linker_explain_json, linker, 0, 1)
    total = explained["prior_weight"] + sum(f["weight"] + f["tf_adjustment"] for f in explained["fields"].values())
    assert (
        abs(total - explained["match_weight"]) < 1e-6
        or abs(
            explained["prior_weight"]
            + sum(f["weight"] for f in explained["fields"].values())
            - explained["match_weight"]
        )
        < 1e-6
    )
    settings = call_json(lib, lib.skamp_linkage_linker_settings_json, linker)
    assert settings["format"] == "skamp-linkage-settings/1" and settings["fields"]
    again = new_handle(lib, lib.skamp_linkage_linker_new, json.dumps(settings).encode())
    assert lib.skamp_linkage_linker_remove(linker, 1) == SKAMP_OK
    assert lib.skamp_linkage_linker_remove(linker, 1) == SKAMP_ENOTFOUND
    assert lib.skamp_linkage_linker_remove(linker, 999) == SKAMP_ENOTFOUND
    assert call_json(lib, lib.skamp_linkage_linker_clusters_json, linker)["cluster_ids"][1] == -1
    bad = VP()
    assert (
        lib.skamp_linkage_linker_new(ctypes.byref(bad), b'{"format": "skamp-linkage-settings/1", "fields": 7}')
        != SKAMP_OK
        and not bad.value
    )
    for wrong in (b'{"format": "skamp-linkage-settings/2"}', b'{"format": 1}', b'{"schema": 1}'):
        assert lib.skamp_linkage_linker_new(ctypes.byref(bad), wrong) != SKAMP_OK and not bad.value
        assert b"$.format" in lib.skamp_last_error() or b"$.schema" in lib.skamp_last_error()
    lib.skamp_linkage_linker_free(again)
    lib.skamp_linkage_linker_free(linker)


def test_handles_from_many_threads(alib):
    """The headers' promise, from ctypes threads: one ruleset, index and cert registry shared."""
    lib = alib
    rs = new_handle(lib, lib.skamp_ruleset_builtin, b"bst")
    ids, lats, lons, capacity = (c_i64 * 1)(1), (c_dbl * 1)(-8.2), (c_dbl * 1)(114.3), (c_i32 * 1)(50)
    index = new_handle(lib, lib.skamp_geo_index_new, 1, ids, lats, lons, capacity, None, None, None)
    errors = []

    def work():
        try:
            for _ in range(50):
                assert (
                    call_json(lib, lib.skamp_ruleset_evaluate_json, rs, RECORD_OK, 2020, 5, 1, 0)["decision"]
                    == "eligible"
                )
                taken = c_int()
                assert lib.skamp_geo_index_reserve(ctypes.byref(taken), index, 1, 1) == SKAMP_OK
                if taken.value:
                    assert lib.skamp_geo_index_release(index, 1, 1) == SKAMP_OK
        except AssertionError as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    beds = c_i32()
    assert lib.skamp_geo_index_free_beds(ctypes.byref(beds), index, 1) == SKAMP_OK and beds.value == 50
    lib.skamp_geo_index_free(index)
    lib.skamp_ruleset_free(rs)


DEPRECATED_HEADER = HEADER_DIR / "deprecated.h"
ALIAS = re.compile(
    r"/\*\* Deprecated alias of (skamp_\w+) \(([^)]*)\); removed in [0-9.]+\. \*/\s*"
    r"SMARTKAMPUNG_EXPORT SKAMP_DEPRECATED\(\"use (skamp_\w+)\"\) [^;]*?\b(skamp_\w+)\(",
    re.S,
)


def deprecated_aliases() -> dict:
    """old name -> new name, from smartkampung/c/deprecated.h."""
    found = {}
    for m in ALIAS.finditer(DEPRECATED_HEADER.read_text()):
        assert m.group(1) == m.group(3), m.group(0)
        found[m.group(4)] = m.group(1)
    return found


def test_deprecated_aliases_are_exported_beside_their_new_names():
    """Issue 20: every old C name is still exported (one minor version) and names a new
    function that is exported and declared outside deprecated.h."""
    aliases = deprecated_aliases()
    assert len(aliases) >= 40
    exported = exported_c_symbols(library_path())
    declared = header_declarations()
    for old, new in aliases.items():
        assert old in exported and new in exported, (old, new)
        assert declared[old][0] == "deprecated.h" and declared[new][0] != "deprecated.h", (old, new)


def test_deprecated_aliases_answer_as_the_new_names(alib, tmp_path):
    """The old names give the same results as the new ones on real calls."""
    lib = alib
    records = json.dumps(
        [
            {"nik": "3510014501900001", "name": "Siti Aminah", "kk": "3510010101100001"},
            {"nik": "3510014501900001", "name": "Siti Aminah"},
        ]
    ).encode()
    pairs = []
    for old, new in (("skamp_registry_load_json", "skamp_registry_add_json"),):
        results = []
        for name in (old, new):
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = c_int, [PVP, VP, CP, CP, CP]
            reg = new_handle(lib, lib.skamp_registry_new)
            report = call_json(lib, lambda out, *a, fn=fn, reg=reg: fn(out, reg, *a), records, b"PKH", b"central")
            dedup = getattr(lib, "skamp_registry_dedup" if name == old else "skamp_registry_dedup_json")
            dedup.restype, dedup.argtypes = c_int, [PVP, VP]
            results.append((report, call_json(lib, lambda out, reg=reg, dedup=dedup: dedup(out, reg))))
            lib.skamp_registry_free(reg)
        pairs.append(results)
    for a, b in pairs:
        assert a == b
    assert pairs[0][0][1]["records"] == 2
    # Validity and distance: plain values.
    for old, new, args, argtypes, restype in (
        ("skamp_kk_is_valid", "skamp_nik_kk_is_valid", (b"3510010101100001",), [CP], c_int),
        ("skamp_kk_is_valid", "skamp_nik_kk_is_valid", (b"0000",), [CP], c_int),
    ):
        for name in (old, new):
            getattr(lib, name).restype, getattr(lib, name).argtypes = restype, argtypes
        assert getattr(lib, old)(*args) == getattr(lib, new)(*args)
    for name in ("skamp_wgs84_distance", "skamp_geo_distance"):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = c_int, [ctypes.POINTER(ctypes.c_double)] + [ctypes.c_double] * 4
    d_old, d_new = ctypes.c_double(), ctypes.c_double()
    assert lib.skamp_wgs84_distance(ctypes.byref(d_old), -8.2, 114.3, -8.3, 114.4) == SKAMP_OK
    assert lib.skamp_geo_distance(ctypes.byref(d_new), -8.2, 114.3, -8.3, 114.4) == SKAMP_OK
    assert d_old.value == d_new.value and 10_000 < d_old.value < 20_000
    # The one alias with fewer arguments: skamp_ruleset_from_json is new_json without conflicts.
    fn = lib.skamp_ruleset_from_json
    fn.restype, fn.argtypes = c_int, [PVP, CP, c_sz]
    bad = VP()
    assert fn(ctypes.byref(bad), b"{", 1) == SKAMP_EPARSE and not bad.value
    message_old = lib.skamp_last_error()
    assert lib.skamp_ruleset_new_json(ctypes.byref(bad), b"{", 1, None) == SKAMP_EPARSE
    assert lib.skamp_last_error() == message_old
