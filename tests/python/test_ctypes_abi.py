"""The C API driven through ctypes only, as another language would use it (no pybind11),
and the ABI's paperwork: the shared library exports exactly the skamp_ functions listed
in tests/abi/exported_c_symbols.txt, and each one is declared with a documentation
comment in a header under include/smartkampung/c/.

Under CTest, SKAMP_SHARED_LIBRARY names the library that was built."""

import ctypes
import os
import pathlib
import re
import shutil
import subprocess
import threading

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SKAMP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
HEADER_DIR = SOURCE_DIR / "include" / "smartkampung" / "c"
SYMBOL_LIST = SOURCE_DIR / "tests" / "abi" / "exported_c_symbols.txt"

SKAMP_OK, SKAMP_EINVALID, SKAMP_ENOTFOUND, SKAMP_ESTATE = 0, -1, -2, -3
SKAMP_EIO, SKAMP_ECORRUPT, SKAMP_EPARSE, SKAMP_ELIMIT, SKAMP_ENOMEM, SKAMP_EINTERNAL = -4, -5, -6, -7, -8, -9
ALL_STATUSES = [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]


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
        "skamp_kk_is_valid": (ctypes.c_int, [ctypes.c_char_p]),
        "skamp_nik_parse": (status, [ctypes.POINTER(NikInfo), ctypes.c_char_p]),
        "skamp_kk_parse": (status, [ctypes.POINTER(NikInfo), ctypes.c_char_p]),
        "skamp_nik_parse_as_of": (
            status,
            [ctypes.POINTER(NikInfo), ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int],
        ),
        "skamp_nik_validate_batch": (
            status,
            [ctypes.POINTER(ctypes.c_int8), ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
             ctypes.c_int, ctypes.c_int, ctypes.c_int],
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
    for status in ALL_STATUSES + [1, -10, 12345, -(2**31)]:
        text = lib.skamp_status_str(status)
        assert text, status
    assert b"SKAMP_EINVALID" in lib.skamp_status_str(SKAMP_EINVALID)
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
    assert lib.skamp_kk_parse(ctypes.byref(info), b"3510011203150002") == SKAMP_OK
    assert (info.birth_year, info.birth_month, info.birth_day) == (2015, 3, 12) and info.sex == b"\x00"
    assert lib.skamp_kk_is_valid(b"3510011203150002") == 1
    assert lib.skamp_kk_is_valid(None) == 0
    assert lib.skamp_nik_is_valid(b"3510014501900001") == 1
    assert lib.skamp_nik_is_valid(b"3510013002900001") == 0
    assert lib.skamp_nik_is_valid(None) == 0


@pytest.mark.parametrize(
    "nik,reason,name",
    [(b"123", 1, b"length"), (b"35100145019000O1", 2, b"non_digit"), (b"9910014501900001", 3, b"province"),
     (b"3510013002900001", 4, b"birth_date"), (b"3510010101900000", 5, b"serial"),
     (b"3.51001E+15", 6, b"scientific_notation")],
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
