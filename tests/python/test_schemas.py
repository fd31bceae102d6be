"""Every JSON document the C API returns has a documented schema (docs/schemas.md, and a
JSON Schema file in docs/schemas/) with a "schema" version field; real outputs of the C
API, called through ctypes only, are validated against those files.

No jsonschema dependency: `validate` below implements the subset of JSON Schema (2020-12)
that the files use (type, const, enum, properties, required, additionalProperties, items,
minimum, minLength, pattern), and fails on any keyword outside it, so a schema cannot
silently ask for more than is checked."""

import ctypes
import json
import re

import pytest

from test_ctypes_abi import (
    DAY,
    JULY1_WIB,
    LINK_RECORDS,
    RECORD_OK,
    SKAMP_CERT_NO_TIME,
    SKAMP_OK,
    SOURCE_DIR,
    VP,
    call_json,
    new_handle,
)
from test_ctypes_abi import alib, lib  # noqa: F401  (fixtures, used by name)

SCHEMA_DIR = SOURCE_DIR / "docs" / "schemas"
ANNOTATIONS = {"$schema", "$id", "title", "description"}
KEYWORDS = {
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minimum",
    "minLength",
    "pattern",
}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(value, schema, path="$"):
    """Returns the list of violations of `schema` by `value` (empty when valid)."""
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    assert not unknown, f"{path}: schema keyword(s) the validator does not implement: {unknown}"
    errors = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            return [f"{path}: {value!r:.60} is not of type {schema['type']}"]
    if "const" in schema and (value != schema["const"] or type(value) is not type(schema["const"])):
        errors.append(f"{path}: {value!r:.60} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r:.60} not in {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r:.60} does not match {schema['pattern']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "minimum" in schema:
        if value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}: missing {name!r}")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                errors += validate(item, props[name], f"{path}.{name}")
            elif extra is False:
                errors.append(f"{path}: unexpected field {name!r}")
            elif isinstance(extra, dict):
                errors += validate(item, extra, f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += validate(item, schema["items"], f"{path}[{i}]")
    return errors


def load_schema(name):
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text())


def check(document, name):
    errors = validate(document, load_schema(name))
    assert errors == [], f"{name}: {errors}"


def test_the_validator_rejects_what_it_should():
    schema = {
        "type": "object",
        "properties": {
            "schema": {"const": "x/1"},
            "n": {"type": "integer", "minimum": 0},
            "s": {"type": ["string", "null"], "pattern": "^a"},
        },
        "required": ["schema", "n"],
        "additionalProperties": False,
    }
    assert validate({"schema": "x/1", "n": 0, "s": None}, schema) == []
    assert validate({"schema": "x/2", "n": 0}, schema)
    assert validate({"schema": "x/1", "n": -1}, schema)
    assert validate({"schema": "x/1", "n": True}, schema)
    assert validate({"schema": "x/1"}, schema)
    assert validate({"schema": "x/1", "n": 1, "s": "b"}, schema)
    assert validate({"schema": "x/1", "n": 1, "extra": 1}, schema)
    assert validate([1], {"type": "array", "items": {"type": "string"}})
    assert validate(1, {"const": True}) and validate(True, {"const": 1})
    with pytest.raises(AssertionError):
        validate(1, {"oneOf": []})


def test_every_schema_file_is_documented_and_versioned():
    files = sorted(SCHEMA_DIR.glob("*.json"))
    assert len(files) >= 9
    doc = (SOURCE_DIR / "docs" / "schemas.md").read_text()
    for path in files:
        schema = json.loads(path.read_text())
        assert f"docs/schemas/{path.name}" in doc, f"{path.name} is not described in docs/schemas.md"
        assert schema["$id"].endswith(path.name)
        if schema["type"] == "object":
            # Output documents name themselves with "schema", input documents with "format";
            # either way the tag is the file's name with its version: skamp-x-1.json is "skamp-x/1".
            key = "format" if "format" in schema["properties"] else "schema"
            tag = path.stem.rsplit("-", 1)[0] + "/" + path.stem.rsplit("-", 1)[1]
            assert schema["properties"][key].get("const") == tag, f"{path.name}: version field is not {tag!r}"
            assert key in schema["required"]
            assert schema["additionalProperties"] is False, f"{path.name}: a new field must change the schema"


@pytest.fixture(scope="module")
def outputs(alib, tmp_path_factory):
    """Real documents from every JSON-returning C function, name -> list of documents."""
    lib = alib
    docs = {}
    reg = new_handle(lib, lib.skamp_registry_new)
    docs["skamp-load-report-1"] = [
        call_json(
            lib,
            lib.skamp_registry_add_json,
            reg,
            b'[{"nik": "3510014501900001", "kk": "3510010101150001", "name": "Siti Aminah", "rt": 3},'
            b' {"nik": "3510014501900001", "name": "Siti"}, {"nik": "123", "name": "Bad"},'
            b' {"nik": "3.51001E+15", "name": "Sci"}]',
            b"PKH",
            b"central",
        )
    ]
    csv = tmp_path_factory.mktemp("schemas") / "bst.csv"
    csv.write_bytes(
        b"nik;nama;no_kk\r\n3510014501900001;Siti Aminah;3510010101150001\r\n"
        b"3510011203850002;Budi;3510010101150001\r\n'3510015203950003;Ani;\r\n12;x;\r\n"
    )
    docs["skamp-load-report-1"].append(
        call_json(lib, lib.skamp_registry_add_csv, reg, str(csv).encode(), b"BST", b"regency")
    )
    assert (
        lib.skamp_registry_set_exclusions_json(
            reg,
            b'{"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk"},'
            b' {"a": "PKH", "b": "BST", "scope": "person"}]}',
        )
        == SKAMP_OK
    )
    docs["skamp-dedup-report-1"] = [call_json(lib, lib.skamp_registry_dedup_json, reg)]
    docs["skamp-public-check-1"] = [
        call_json(lib, lib.skamp_registry_public_check_json, reg, nik)
        for nik in (b"3510014501900001", b"3510011203850002", b"3510015203950004")
    ]
    docs["skamp-report-outcome-1"] = [
        call_json(lib, lib.skamp_registry_report_json, reg, record, JULY1_WIB)
        for record in (
            b'{"nik": "3510014501900001", "name": "Siti", "program": "PKH"}',
            b'{"nik": "3510015203950009", "name": "Ani"}',
            b'{"nik": "351001", "name": "X"}',
        )
    ]
    docs["skamp-string-list"] = [
        call_json(lib, lib.skamp_registry_programs_of_json, reg, b"3510014501900001"),
        call_json(lib, lib.skamp_ruleset_builtin_names),
    ]
    lib.skamp_registry_free(reg)

    docs["skamp-ruleset-info-1"], docs["skamp-decision-1"], docs["skamp-rule-tests-1"] = [], [], []
    pkh = RECORD_OK.replace(b'"programs": []', b'"programs": ["PKH"]')
    missing = RECORD_OK.replace(b'"in_dtks": true, ', b"").replace(b'"lost_livelihood": true, ', b"")
    for name in docs["skamp-string-list"][1]:
        rs = new_handle(lib, lib.skamp_ruleset_builtin, name.encode())
        docs["skamp-ruleset-info-1"].append(call_json(lib, lib.skamp_ruleset_info_json, rs))
        docs["skamp-rule-tests-1"].append(call_json(lib, lib.skamp_ruleset_run_tests_json, rs))
        for record in (RECORD_OK, pkh, missing):
            for date in ((2020, 5, 1), (2021, 6, 1)):
                for explain in (0, 1):
                    out = VP()
                    if lib.skamp_ruleset_evaluate_json(ctypes.byref(out), rs, record, *date, explain) == SKAMP_OK:
                        docs["skamp-decision-1"].append(json.loads(ctypes.string_at(out.value).decode()))
                        lib.skamp_free(out)
        lib.skamp_ruleset_free(rs)

    c = new_handle(lib, lib.skamp_cert_registry_new, None, 0)
    assert (
        lib.skamp_cert_add_business(
            c, 7, b"Warung", b"restaurant", -8.2192, 114.3691, 101, b"zona-a", SKAMP_CERT_NO_TIME
        )
        == SKAMP_OK
    )
    assert lib.skamp_cert_add_business(c, 8, b"Homestay", b"lodging", -8.3, 114.2, 10, None, JULY1_WIB) == SKAMP_OK
    for call in (
        lambda: lib.skamp_cert_apply(c, 7, JULY1_WIB),
        lambda: lib.skamp_cert_audit(c, 7, JULY1_WIB + DAY, 0, b"no masks"),
        lambda: lib.skamp_cert_audit(c, 7, JULY1_WIB + 2 * DAY, 1, None),
        lambda: lib.skamp_cert_issue(None, c, 7, JULY1_WIB + 3 * DAY),
        lambda: lib.skamp_cert_report_violation(c, 7, JULY1_WIB + 4 * DAY, b"crowd"),
        lambda: lib.skamp_cert_reinstate(c, 7, JULY1_WIB + 5 * DAY),
        lambda: lib.skamp_cert_evaluate(c, 7, JULY1_WIB + 6 * DAY, 1, b"ok"),
        lambda: lib.skamp_cert_revoke(c, 7, JULY1_WIB + 7 * DAY, b"fraud", JULY1_WIB + 7 * DAY - 100),
        lambda: lib.skamp_cert_apply(c, 8, JULY1_WIB + DAY),
        lambda: lib.skamp_cert_withdraw(c, 8, JULY1_WIB + 2 * DAY, None),
    ):
        assert call() == SKAMP_OK, lib.skamp_last_error()
    docs["skamp-cert-history-1"] = [call_json(lib, lib.skamp_cert_history_json, c, i) for i in (7, 8)]
    docs["skamp-cert-near-1"] = [
        call_json(lib, lib.skamp_cert_certified_near_json, c, -8.22, 114.37, 5000.0, JULY1_WIB + 5 * DAY, cat)
        for cat in (None, b"restaurant", b"lodging")
    ]
    lib.skamp_cert_registry_free(c)

    records = json.dumps(LINK_RECORDS).encode()
    docs["skamp-link-result-1"] = [
        call_json(lib, lib.skamp_linkage_link_json, records, None, None, -1.0),
        call_json(
            lib,
            lib.skamp_linkage_link_json,
            json.dumps(LINK_RECORDS[:2]).encode(),
            json.dumps(LINK_RECORDS[2:]).encode(),
            None,
            0.2,
        ),
    ]
    linker = new_handle(lib, lib.skamp_linkage_linker_new, None)
    docs["skamp-linkage-settings-1"] = [call_json(lib, lib.skamp_linkage_linker_settings_json, linker)]
    assert lib.skamp_linkage_linker_fit_json(linker, records) == SKAMP_OK, lib.skamp_last_error()
    docs["skamp-linkage-settings-1"].append(call_json(lib, lib.skamp_linkage_linker_settings_json, linker))
    docs["skamp-linker-add-1"] = [
        call_json(lib, lib.skamp_linkage_linker_add_json, linker, json.dumps(r).encode()) for r in LINK_RECORDS[:2]
    ]
    docs["skamp-linker-candidates-1"] = [
        call_json(lib, lib.skamp_linkage_linker_candidates_json, linker, json.dumps(LINK_RECORDS[2]).encode(), 3)
    ]
    docs["skamp-linker-explain-1"] = [
        call_json(lib, lib.skamp_linkage_linker_explain_json, linker, 0, j) for j in (1, 2)
    ]
    assert lib.skamp_linkage_linker_remove(linker, 4) == SKAMP_OK
    docs["skamp-linker-clusters-1"] = [call_json(lib, lib.skamp_linkage_linker_clusters_json, linker)]
    lib.skamp_linkage_linker_free(linker)
    return docs


def test_every_schema_has_real_outputs(outputs):
    assert set(outputs) == {p.stem for p in SCHEMA_DIR.glob("*.json")}


@pytest.mark.parametrize("name", sorted(p.stem for p in SCHEMA_DIR.glob("*.json")))
def test_outputs_match_their_schema(outputs, name):
    assert outputs[name], f"no output collected for {name}"
    for document in outputs[name]:
        check(document, name)


def test_outputs_are_not_trivially_empty(outputs):
    """The documents exercise the schemas' nested parts, not just empty arrays."""
    dedup = outputs["skamp-dedup-report-1"][0]
    assert dedup["duplicates"] and dedup["overlaps"] and dedup["exclusion_violations"]
    assert any(d["rejected"] for d in outputs["skamp-load-report-1"])
    assert any(d["reasons"] and d["reasons"][0].get("values") for d in outputs["skamp-decision-1"])
    assert {d["decision"] for d in outputs["skamp-decision-1"]} >= {"eligible", "ineligible"}
    assert any(len(h["events"]) >= 8 for h in outputs["skamp-cert-history-1"])
    assert any(n["results"] for n in outputs["skamp-cert-near-1"])
    assert {o["accepted"] for o in outputs["skamp-report-outcome-1"]} == {True, False}
    assert any(r["pairs"] for r in outputs["skamp-link-result-1"])
    assert -1 in outputs["skamp-linker-clusters-1"][0]["cluster_ids"]
    assert any(a["matches"] for a in outputs["skamp-linker-add-1"])
