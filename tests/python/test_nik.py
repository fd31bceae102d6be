import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartkampung as sk

AS_OF = datetime.date(2020, 5, 1)


def build_nik(region: str, born: datetime.date, female: bool, serial: int) -> str:
    day = born.day + (40 if female else 0)
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def test_version_and_errors_hierarchy():
    assert isinstance(sk.__version__, str) and sk.__version__.count(".") == 2
    assert issubclass(sk.Error, ValueError)
    assert issubclass(sk.NikError, sk.Error)
    assert issubclass(sk.NotFound, sk.Error) and issubclass(sk.NotFound, KeyError)


def test_parse_nik_fields():
    info = sk.parse_nik("3510014501900001", as_of=AS_OF)
    assert (info.province, info.regency, info.district) == ("35", "3510", "351001")
    assert info.province_name == "Jawa Timur"
    assert info.regency_name == "Kabupaten Banyuwangi"
    assert info.district_name == "Pesanggaran"
    assert info.birth_date == datetime.date(1990, 1, 5)
    assert info.sex == "F"
    assert info.serial == 1
    assert "3510014501900001" not in repr(info)


def test_unknown_regency_gives_none_names():
    info = sk.parse_nik("3299011203950004", as_of=AS_OF)
    assert info.province_name == "Jawa Barat"
    assert info.regency_name is None and info.district_name is None


@pytest.mark.parametrize(
    "nik,code",
    [
        ("123", "length"),
        ("35100145019000O1", "non_digit"),
        ("9910014501900001", "province"),
        ("3510013002900001", "birth_date"),
        ("3510010101900000", "serial"),
        ("3.51001E+15", "scientific_notation"),
    ],
)
def test_reasons(nik, code):
    with pytest.raises(sk.NikError) as info:
        sk.parse_nik(nik, as_of=AS_OF)
    assert info.value.code == code
    assert nik not in str(info.value)
    assert not sk.is_valid_nik(nik)


def test_is_valid_rejects_non_strings():
    assert sk.is_valid_nik("3510014501900001")
    assert not sk.is_valid_nik(None)
    assert not sk.is_valid_nik(3510014501900001)


def test_as_of_must_be_a_date():
    with pytest.raises(TypeError):
        sk.parse_nik("3510014501900001", as_of="2020-05-01")


@settings(max_examples=300, deadline=None)
@given(
    born=st.dates(min_value=datetime.date(1921, 5, 2), max_value=AS_OF),
    female=st.booleans(),
    serial=st.integers(1, 9999),
    region=st.sampled_from(["351001", "351016", "351025", "310101", "940101"]),
)
def test_property_round_trip(born, female, serial, region):
    nik = build_nik(region, born, female, serial)
    info = sk.parse_nik(nik, as_of=AS_OF)
    assert info.birth_date == born
    assert info.sex == ("F" if female else "M")
    assert info.serial == serial
    assert info.nik == nik


def test_validate_niks_matches_scalar_for_lists_and_arrays():
    rng = np.random.default_rng(1)
    good = [
        build_nik("351001", datetime.date(1980, 1, 1) + datetime.timedelta(days=int(d)), bool(f), int(s))
        for d, f, s in zip(rng.integers(0, 10000, 500), rng.integers(0, 2, 500), rng.integers(1, 9999, 500))
    ]
    bad = ["", "123", "3.51001E+15", "9910014501900001", "3510013002900001", "3510010101900000", "35100145019000O1"]
    values = good + bad
    expected = []
    for v in values:
        try:
            sk.parse_nik(v, as_of=AS_OF)
            expected.append(0)
        except sk.NikError as e:
            expected.append(
                ["length", "non_digit", "province", "birth_date", "serial", "scientific_notation"].index(e.code) + 1
            )
    for container in (values, np.array(values), np.array(values, dtype=object), np.array(values, dtype="S")):
        got = sk.validate_niks(container, as_of=AS_OF)
        assert got.dtype == np.int8
        assert got.tolist() == expected


def test_validate_niks_missing_values():
    got = sk.validate_niks([None, float("nan"), "3510014501900001"], as_of=AS_OF)
    assert got.tolist() == [1, 1, 0]


def test_kk():
    kk = sk.parse_kk("3510011203150002", as_of=AS_OF)
    assert kk.issue_date == datetime.date(2015, 3, 12)
    assert sk.is_valid_kk("3510011203150002")
    assert not sk.is_valid_kk("3510015203150002")
    assert sk.validate_kks(["3510011203150002", "x"]).tolist() == [0, 1]


def test_mask():
    assert sk.mask_nik("3510014501900001") == "3510********0001"
