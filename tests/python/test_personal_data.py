"""No error message contains personal data from the input. Each feeder below pushes
bad inputs that hold real-looking NIKs, KK numbers, names and birth dates through one
entry point and returns every message it produced (exception texts, C API
skamp_last_error()); the test then greps the messages for the raw values.

Add a feeder per area as areas gain entry points that take personal data."""

import ctypes
import datetime
import os
import random

import pytest

import smartkampung as sk

AS_OF = datetime.date(2020, 5, 1)

# Real-looking but invented: Banyuwangi districts, plausible dates and serials.
NAMES = ["Siti Nurhaliza Rahmawati", "Muhammad Rizky Pratama", "Ni Luh Putu Ayu Lestari", "I Gede Wayan Suparta"]


def bad_niks(count: int = 200) -> list:
    """NIK-shaped strings, each rejected for some reason, all carrying personal digits."""
    rng = random.Random(20200501)
    out = [
        "3510014501900001x",
        "3510013002900001",
        "3510010101900000",
        "35100145019000O1",
        "9910014501900001",
        "351001450190000",
        "35100145019000011",
        " 3510014501900001 0",
    ]
    while len(out) < count:
        district = rng.choice(["351001", "351002", "351010", "351024"])
        day = rng.randint(1, 31) + rng.choice([0, 40])
        month, year = rng.randint(1, 12), rng.randint(40, 99)
        nik = f"{district}{day:02d}{month:02d}{year:02d}{rng.randint(1, 9999):04d}"
        damage = rng.randrange(5)
        if damage == 0:
            nik = nik[:6] + "32" + nik[8:]  # day 32: no such date
        elif damage == 1:
            nik = nik[:8] + "13" + nik[10:]  # month 13
        elif damage == 2:
            nik = nik + "9"  # 17 digits
        elif damage == 3:
            nik = nik[:15] + "I"  # a letter for a one
        else:
            nik = nik[:12] + "0000"  # serial 0000
        out.append(nik)
    return out


def secrets_of(raw: str) -> list:
    """The substrings that must not appear: the value itself and, for a NIK-shaped
    value, its date-and-serial tail (the part that, with the region, identifies a person)."""
    digits = "".join(c for c in raw if c.isdigit())
    found = [raw.strip()] if len(raw.strip()) >= 6 else []
    if len(digits) >= 16:
        found.append(digits[6:16])
    return found


def feed_python_nik(raw: str) -> list:
    messages = []
    for fn in (sk.parse_nik, sk.parse_kk):
        try:
            fn(raw, as_of=AS_OF)
        except sk.Error as e:
            messages += [str(e), repr(e)] + [str(a) for a in e.args]
    sk.validate_niks([raw], as_of=AS_OF)  # returns codes, never text
    return messages


@pytest.fixture(scope="module")
def clib():
    path = os.environ.get("SKAMP_SHARED_LIBRARY")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("SKAMP_SHARED_LIBRARY is not set: run through CTest")
        pytest.skip("SKAMP_SHARED_LIBRARY is not set (run through CTest)")
    lib = ctypes.CDLL(path)
    lib.skamp_last_error.restype = ctypes.c_char_p
    lib.skamp_nik_parse_as_of.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.skamp_nik_kk_parse.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    return lib


def feed_c_nik(lib, raw: str) -> list:
    info = (ctypes.c_size_t * 16)()  # larger than skamp_nik_info, size set to all of it
    info[0] = ctypes.sizeof(info)
    messages = []
    if lib.skamp_nik_parse_as_of(info, raw.encode(), 2020, 5, 1) != 0:
        messages.append(lib.skamp_last_error().decode())
    if lib.skamp_nik_kk_parse(info, raw.encode()) != 0:
        messages.append(lib.skamp_last_error().decode())
    return messages


def assert_clean(messages: list, raw: str) -> None:
    for message in messages:
        for secret in secrets_of(raw):
            assert secret not in message, f"message repeats personal data: {message!r}"


@pytest.mark.parametrize("raw", bad_niks())
def test_python_nik_errors_hold_no_personal_data(raw):
    messages = feed_python_nik(raw)
    assert messages, "every input here is invalid: it must raise"
    assert_clean(messages, raw)


def test_masked_nik_hides_birth_date_and_serial_part():
    for raw in bad_niks(50):
        masked = sk.mask_nik(raw)
        assert masked[4:12] == "********"
        if len(raw.strip()) == 16:
            assert raw.strip()[6:12] not in masked


def test_c_api_errors_hold_no_personal_data(clib):
    checked = 0
    for raw in bad_niks():
        messages = feed_c_nik(clib, raw)
        assert messages
        assert_clean(messages, raw)
        checked += len(messages)
    assert checked >= 200


def test_names_and_dates_in_nik_position_are_not_echoed():
    # A name or a birth date typed into the NIK column by mistake is personal data too.
    for raw in NAMES + ["1990-01-05", "05/01/1990", "Siti 3510014501900001"]:
        messages = feed_python_nik(raw)
        assert messages
        for message in messages:
            assert raw not in message
            for word in raw.split():
                if len(word) >= 5:
                    assert word not in message, message


# --- the areas: registry, rules, cert (through the C API, as any caller sees them) ---


def area_lib():
    from test_ctypes_abi import AREA_SIGNATURES

    path = os.environ.get("SKAMP_SHARED_LIBRARY")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("SKAMP_SHARED_LIBRARY is not set: run through CTest")
        pytest.skip("SKAMP_SHARED_LIBRARY is not set (run through CTest)")
    lib = ctypes.CDLL(path)
    lib.skamp_last_error.restype = ctypes.c_char_p
    lib.skamp_free.argtypes = [ctypes.c_void_p]
    for name, (restype, argtypes) in AREA_SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


@pytest.fixture(scope="module")
def alib():
    return area_lib()


def c_call(lib, fn, *args) -> list:
    """fn(&out, *args): every text the call produced, the error message and the JSON alike."""
    out = ctypes.c_void_p()
    status = fn(ctypes.byref(out), *args)
    texts = []
    if status != 0:
        texts.append(lib.skamp_last_error().decode("utf-8", "replace"))
    if out.value:
        texts.append(ctypes.string_at(out.value).decode("utf-8", "replace"))
        lib.skamp_free(out)
    return texts


def name_secrets(name: str) -> list:
    return [name] + [word for word in name.split() if len(word) >= 5]


def assert_no_secret(texts: list, secrets: list) -> None:
    assert texts
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"output repeats personal data {secret!r}: {text[:300]!r}"


BIRTH_DATES = ["1990-01-05", "05/01/1990", "1985-13-40", "31-02-1977"]


def bad_registry_rows(count: int = 60) -> list:
    """(nik, kk, name, birth date) rows, each bad in its NIK, KK or birth date."""
    rng = random.Random(7)
    rows = []
    niks = bad_niks(count)
    for i in range(count):
        kk = f"351001{rng.randint(10, 28):02d}{rng.randint(1, 12):02d}{rng.randint(10, 20):02d}{rng.randint(1, 9999):04d}"
        rows.append(
            (
                niks[i],
                kk if i % 3 else kk[:-1] + "x",
                NAMES[i % len(NAMES)] + f" {i}",
                BIRTH_DATES[i % len(BIRTH_DATES)],
            )
        )
    return rows


def test_registry_bad_csv_rows_hold_no_personal_data(alib, tmp_path):
    lib = alib
    reg = ctypes.c_void_p()
    assert lib.skamp_registry_new(ctypes.byref(reg)) == 0
    rows = bad_registry_rows()
    csv = tmp_path / "bad.csv"
    csv.write_text("nik;no_kk;nama;tgl_lahir\n" + "".join(f"{n};{k};{m};{d}\n" for n, k, m, d in rows))
    texts = c_call(lib, lib.skamp_registry_add_csv, reg, str(csv).encode(), b"PKH", b"central")
    assert '"rejected":[{' in texts[0]  # the bad rows are reported, by line
    secrets = [s for n, k, m, d in rows for s in secrets_of(n) + secrets_of(k) + name_secrets(m)]
    assert_no_secret(texts, secrets)
    # A file with a broken header: the message names the header, not the rows under it.
    csv.write_text("nomor;nama\n" + "".join(f"{n};{m}\n" for n, k, m, d in rows))
    texts = c_call(lib, lib.skamp_registry_add_csv, reg, str(csv).encode(), b"PKH", b"central")
    assert_no_secret(texts, secrets)
    lib.skamp_registry_free(reg)


def test_registry_bad_json_records_and_reports_hold_no_personal_data(alib):
    import json

    lib = alib
    reg = ctypes.c_void_p()
    assert lib.skamp_registry_new(ctypes.byref(reg)) == 0
    rows = bad_registry_rows(40)
    records = [{"nik": n, "kk": k, "name": m, "birth_date": d} for n, k, m, d in rows]
    records += [
        {"nik": int(rows[0][0][:15]), "name": NAMES[0]},
        {"nik": rows[1][0], "name": 12345678901},
        {"nik": [rows[2][0]], "name": NAMES[2]},
    ]
    texts = c_call(lib, lib.skamp_registry_add_json, reg, json.dumps(records).encode(), b"PKH", b"central")
    texts += c_call(lib, lib.skamp_registry_add_json, reg, json.dumps(records)[:-20].encode(), b"PKH", b"central")
    for record in records[:20]:
        texts += c_call(lib, lib.skamp_registry_report_json, reg, json.dumps(record).encode(), 1588291200)
        texts += c_call(
            lib,
            lib.skamp_registry_public_check_json,
            reg,
            record["nik"].encode() if isinstance(record["nik"], str) else b"x",
        )
    secrets = [s for n, k, m, d in rows for s in secrets_of(n) + secrets_of(k) + name_secrets(m)]
    assert_no_secret(texts, secrets + [rows[0][0][:15]])
    lib.skamp_registry_free(reg)


def test_rules_records_with_niks_hold_no_personal_data(alib):
    import json

    lib = alib
    rs = ctypes.c_void_p()
    assert lib.skamp_ruleset_builtin(ctypes.byref(rs), b"bst") == 0
    texts, secrets = [], []
    for i, nik in enumerate(bad_niks(40)):
        good_nik = f"35100{1 + i % 9}{1 + i % 28:02d}0{1 + i % 9}8{i % 10}{1000 + i:04d}"
        secrets += secrets_of(nik) + secrets_of(good_nik)
        member = {"nik": nik, "birth_date": BIRTH_DATES[i % len(BIRTH_DATES)], "name": NAMES[i % len(NAMES)]}
        for record in (
            {"kk": {"programs": ["PKH"], "members": [member, {"nik": good_nik, "birth_date": "1980-01-01"}]}},
            {"kk": {"in_dtks": nik, "members": [member]}},  # a NIK in a boolean field
            {"kk": {"members": [{"nik": int(good_nik), "birth_date": "1980-01-01"}]}},  # a NIK as a number
            {"kk": {"members": [{"nik": good_nik, "birth_date": BIRTH_DATES[2]}]}},
        ):
            for explain in (0, 1):
                texts += c_call(
                    lib, lib.skamp_ruleset_evaluate_json, rs, json.dumps(record).encode(), 2020, 5, 1, explain
                )
    texts = [t for t in texts if t]
    assert any('"values"' in t for t in texts), "explain mode was exercised"
    assert_no_secret(texts, secrets + [d for d in BIRTH_DATES[2:]])
    lib.skamp_ruleset_free(rs)


def test_cert_errors_hold_no_personal_data(alib, tmp_path):
    lib = alib
    reg = ctypes.c_void_p()
    assert lib.skamp_cert_registry_new(ctypes.byref(reg), None, 0) == 0
    no_time = -(2**63)
    messages, secrets = [], []
    owner = "Bu Siti Nurhaliza 3510014501900001"
    secrets += name_secrets("Siti Nurhaliza") + secrets_of("3510014501900001")
    assert lib.skamp_cert_add_business(reg, 7, owner.encode(), b"restaurant", -8.2, 114.3, 20, None, no_time) == 0
    attempts = [
        lambda: lib.skamp_cert_add_business(reg, 7, owner.encode(), b"restaurant", -8.2, 114.3, 20, None, no_time),
        lambda: lib.skamp_cert_add_business(
            reg, 9, owner.encode(), owner.encode(), 95.0, 114.3, -1, owner.encode(), no_time
        ),
        lambda: lib.skamp_cert_issue(None, reg, 7, 1593536400),
        lambda: lib.skamp_cert_suspend(reg, 7, 1593536400, owner.encode()),
        lambda: lib.skamp_cert_report_violation(reg, 99, 1593536400, owner.encode()),
        lambda: lib.skamp_cert_revoke(reg, 7, 1593536400, owner.encode(), 1593536400 + 10),
        lambda: lib.skamp_cert_withdraw(reg, 8, 1593536400, owner.encode()),
    ]
    for attempt in attempts:
        assert attempt() != 0
        messages.append(lib.skamp_last_error().decode("utf-8", "replace"))
    # A saved log whose reason field was altered: the corruption message gives a position.
    assert lib.skamp_cert_apply(reg, 7, 1593536400) == 0
    assert lib.skamp_cert_audit(reg, 7, 1593536400 + 86400, 0, owner.encode()) == 0
    path = tmp_path / "cert.jsonl"
    assert lib.skamp_cert_registry_save(reg, str(path).encode()) == 0
    path.write_text(path.read_text().replace("Nurhaliza", "Nurhalizah"))
    loaded = ctypes.c_void_p()
    assert lib.skamp_cert_registry_load(ctypes.byref(loaded), str(path).encode()) != 0
    messages.append(lib.skamp_last_error().decode("utf-8", "replace"))
    assert_no_secret(messages, secrets + ["Nurhalizah"])
    lib.skamp_cert_registry_free(reg)


# --- the public check: exactly the fields the registry issue allows ------------------


def test_public_check_exposes_exactly_masked_nik_name_programs_found(alib):
    import json

    lib = alib
    reg = ctypes.c_void_p()
    assert lib.skamp_registry_new(ctypes.byref(reg)) == 0
    people = [
        ("3510014501900001", "3510010101150001", "Siti Nurhaliza Rahmawati", "1990-01-05", "P", "Jl. Melati 3"),
        ("3510011203850002", "3510010101150001", "Muhammad Rizky Pratama", "1985-03-12", "L", "Jl. Mawar 7"),
    ]
    records = [
        {
            "nik": n,
            "kk": k,
            "name": m,
            "birth_date": d,
            "sex": s,
            "address": a,
            "rt": 3,
            "rw": 4,
            "desa": "Kebalenan",
            "kecamatan": "Banyuwangi",
        }
        for n, k, m, d, s, a in people
    ]
    assert c_call(lib, lib.skamp_registry_add_json, reg, json.dumps(records).encode(), b"PKH", b"central")
    seen_fields = set()
    for nik, kk, name, birth, _sex, address in people + [("3510015203950003", "", "", "", "", "")]:
        (text,) = c_call(lib, lib.skamp_registry_public_check_json, reg, nik.encode())
        doc = json.loads(text)
        seen_fields |= set(doc)
        assert set(doc) == {"schema", "nik", "name", "programs", "found"}, sorted(doc)
        assert doc["schema"] == "skamp-public-check/1"
        assert doc["nik"] == nik[:4] + "*" * 8 + nik[12:]
        for secret in [nik, nik[4:12], kk, birth, address, "Kebalenan"] + (name_secrets(name) if name else []):
            if secret:
                assert secret not in text, f"public check shows {secret!r}"
        if name:
            assert doc["found"] is True and doc["programs"] == ["PKH"]
            assert doc["name"] == " ".join(w[0] + "***" for w in name.split())
        else:
            assert doc == {
                "schema": "skamp-public-check/1",
                "nik": "3510********0003",
                "name": None,
                "programs": [],
                "found": False,
            }
    assert seen_fields == {"schema", "nik", "name", "programs", "found"}
    lib.skamp_registry_free(reg)


def test_linkage_errors_hold_no_personal_data(alib):
    import json

    lib = alib
    texts, secrets = [], []
    for i, nik in enumerate(bad_niks(20)):
        name = NAMES[i % len(NAMES)]
        secrets += secrets_of(nik) + name_secrets(name)
        for records in (
            [{"nik": nik, "name": {"first": name}}],  # a value of the wrong type
            [{"nik": nik, "name": name}, [nik, name]],  # a record that is not an object
            [{"nik": nik, "name": name, "birth_date": "1990-13-45"}],
        ):
            texts += c_call(lib, lib.skamp_linkage_link_json, json.dumps(records).encode(), None, None, -1.0)
        texts += c_call(
            lib, lib.skamp_linkage_link_json, (json.dumps([{"nik": nik, "name": name}])[:-3]).encode(), None, None, -1.0
        )
    linker = ctypes.c_void_p()
    assert lib.skamp_linkage_linker_new(ctypes.byref(linker), None) == 0
    texts += c_call(
        lib,
        lib.skamp_linkage_linker_add_json,
        linker,
        json.dumps({"nik": "3510014501900001", "name": NAMES[0]}).encode()[:-2],
    )
    lib.skamp_linkage_linker_free(linker)
    errors = [t for t in texts if not t.startswith("{")]
    assert errors, "some of these inputs must be refused"
    # Only the error messages: a successful linkage result carries indices, never values.
    assert_no_secret(texts, secrets)
