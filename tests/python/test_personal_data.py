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
    out = ["3510014501900001x", "3510013002900001", "3510010101900000", "35100145019000O1",
           "9910014501900001", "351001450190000", "35100145019000011", " 3510014501900001 0"]
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
    lib.skamp_kk_parse.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    return lib


def feed_c_nik(lib, raw: str) -> list:
    info = (ctypes.c_size_t * 16)()  # larger than skamp_nik_info, size set to all of it
    info[0] = ctypes.sizeof(info)
    messages = []
    if lib.skamp_nik_parse_as_of(info, raw.encode(), 2020, 5, 1) != 0:
        messages.append(lib.skamp_last_error().decode())
    if lib.skamp_kk_parse(info, raw.encode()) != 0:
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
