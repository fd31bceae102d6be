"""Arrow streams of the C ABI handed to pyarrow and taken from it through the PyCapsule
protocol (ctypes only: as another language's binding would do it), each compared with the
JSON form of the same call."""

import ctypes
import json

import pyarrow as pa
import pytest

from test_ctypes_abi import AREA_SIGNATURES, SKAMP_OK, library_path

VP, CP = ctypes.c_void_p, ctypes.c_char_p


class ArrowArrayStream(ctypes.Structure):
    """struct ArrowArrayStream (include/smartkampung/c/arrow.h): five pointers."""

    _fields_ = [("get_schema", VP), ("get_next", VP), ("get_last_error", VP), ("release", VP), ("private_data", VP)]


PyCapsule_New = ctypes.pythonapi.PyCapsule_New
PyCapsule_New.restype = ctypes.py_object
PyCapsule_New.argtypes = [VP, CP, VP]
PyCapsule_GetPointer = ctypes.pythonapi.PyCapsule_GetPointer
PyCapsule_GetPointer.restype = VP
PyCapsule_GetPointer.argtypes = [ctypes.py_object, CP]


class Holder:
    """An object speaking the PyCapsule protocol over a stream the C ABI filled."""

    def __init__(self, stream: ArrowArrayStream):
        self.stream = stream

    def __arrow_c_stream__(self, requested_schema=None):
        return PyCapsule_New(ctypes.addressof(self.stream), b"arrow_array_stream", None)


@pytest.fixture(scope="module")
def lib():
    lib = ctypes.CDLL(str(library_path()))
    for name, (restype, argtypes) in AREA_SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    lib.skamp_last_error.restype = CP
    lib.skamp_free.argtypes = [VP]
    return lib


def take_json(lib, out):
    text = ctypes.string_at(out.value).decode()
    lib.skamp_free(out)
    return json.loads(text)


RECORDS = [
    {"NIK": "3510014501900001", "Nama": "Siti", "No. KK": "3510010101080001"},
    {"NIK": "3510014501900001", "Nama": "Siti", "No. KK": "3510010101080001"},
    {"NIK": "3510011203850002", "Nama": "Budi", "No. KK": "3510010101080001"},
]


def test_streams_from_the_c_abi_reach_pyarrow_through_the_capsule(lib):
    reg = VP()
    assert lib.skamp_registry_new(ctypes.byref(reg)) == SKAMP_OK
    # in: a pyarrow table's own stream capsule, given to the C ABI by pointer
    source = pa.Table.from_pylist(RECORDS).__arrow_c_stream__()
    report = VP()
    assert (
        lib.skamp_registry_add_arrow(
            ctypes.byref(report), reg, PyCapsule_GetPointer(source, b"arrow_array_stream"), b"PKH", b"central"
        )
        == SKAMP_OK
    ), lib.skamp_last_error()
    rep = take_json(lib, report)
    assert rep["loaded"] == 3 and rep["columns"]["kk"] == "No. KK"
    assert (
        lib.skamp_registry_add_json(
            None, reg, json.dumps([{"nik": "3510011203850002", "name": "Budi"}]).encode(), b"BST", b"central"
        )
        == SKAMP_OK
    )
    out = VP()
    assert lib.skamp_registry_dedup_json(ctypes.byref(out), reg) == SKAMP_OK
    doc = take_json(lib, out)

    stream = ArrowArrayStream()
    assert lib.skamp_registry_dedup_arrow(ctypes.byref(stream), reg, b"duplicates") == SKAMP_OK
    dups = pa.table(Holder(stream))
    assert stream.release is None  # moved into pyarrow, which releases it
    assert dups.column_names == ["program", "nik", "count"]
    assert pa.types.is_dictionary(dups.schema.field("program").type)
    assert [(d["program"], d["nik"], d["count"]) for d in dups.to_pylist()] == [
        (d["program"], d["nik"], d["count"]) for d in doc["duplicates"]
    ]

    stream = ArrowArrayStream()
    assert lib.skamp_registry_dedup_arrow(ctypes.byref(stream), reg, b"overlaps") == SKAMP_OK
    overlaps = pa.table(Holder(stream)).to_pylist()
    assert {d["nik"]: d["programs"] for d in overlaps} == {o["nik"]: o["programs"] for o in doc["overlaps"]}

    stream = ArrowArrayStream()
    assert lib.skamp_registry_records_arrow(ctypes.byref(stream), reg, b"PKH") == SKAMP_OK
    records = pa.table(Holder(stream))
    assert records.num_rows == 3 and records.column("name").to_pylist() == ["Siti", "Siti", "Budi"]
    assert records.schema.field("birth_date").type == pa.date32()
    lib.skamp_registry_free(reg)


def test_rule_decisions_stream(lib):
    rs = VP()
    doc = {
        "format": "skamp-rules/1",
        "ruleset": "t",
        "version": "1",
        "scope": "person",
        "legal_basis": ["x"],
        "valid": {"from": "2020-01-01", "to": "2020-12-31"},
        "inputs": {"person.income": "money", "person.poor": "bool"},
        "rules": [
            {"id": "income", "require": "person.income <= 1000000", "reason": {"code": "RICH", "id": "r", "en": "r"}},
            {"id": "poor", "require": "person.poor", "reason": {"code": "NOT_POOR", "id": "p", "en": "p"}},
        ],
        "amount": "300000",
    }
    text = json.dumps(doc).encode()
    lib.skamp_ruleset_new_json.argtypes = [ctypes.POINTER(VP), CP, ctypes.c_size_t, CP]
    assert lib.skamp_ruleset_new_json(ctypes.byref(rs), text, len(text), None) == SKAMP_OK, lib.skamp_last_error()
    source = pa.table({"income": [500000, 2000000, None], "Poor": ["ya", "tidak", "ya"]})
    cap = source.__arrow_c_stream__()
    stream = ArrowArrayStream()
    assert (
        lib.skamp_ruleset_evaluate_arrow(
            ctypes.byref(stream), rs, PyCapsule_GetPointer(cap, b"arrow_array_stream"), 2020, 5, 1
        )
        == SKAMP_OK
    ), lib.skamp_last_error()
    got = pa.table(Holder(stream)).to_pylist()
    assert [g["decision"] for g in got] == ["eligible", "ineligible", "needs_data"]
    assert got[1]["reasons"] == ["RICH", "NOT_POOR"] and got[1]["reason"] == "RICH"
    assert got[0]["amount"] == 300000 and got[0]["reason"] is None
    lib.skamp_ruleset_free(rs)
