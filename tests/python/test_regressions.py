"""Regression tests for bugs found outside an area's own tests (each names its finding)."""

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import smartkampung as sk


@settings(max_examples=40, deadline=None)
@given(lat=st.floats(-89.0, 89.0), lon=st.floats(-179.0, 179.0), capacity=st.integers(1, 5000))
def test_certificate_store_round_trips_any_double(tmp_path_factory, lat, lon, capacity):
    # Found by the demo: a latitude printed with 17 digits was parsed back by RapidJSON's
    # default (not full-precision) number parser, so the event's hash no longer matched.
    path = tmp_path_factory.mktemp("cert") / "store.jsonl"
    reg = sk.CertificateRegistry()
    reg.add_business(1, "Warung Uji", "warung", lat, lon, capacity)
    at = dt.datetime(2020, 7, 1, 9, tzinfo=dt.timezone.utc)
    reg.apply(1, at)
    reg.save(str(path))
    again = sk.CertificateRegistry.load(str(path))
    assert again.status(1, at) == reg.status(1, at)


def test_mask_nik_never_splits_utf8():
    # Found by fuzzing: 16 bytes of non-ASCII text were cut inside a UTF-8 sequence.
    for text in ["é" * 8, "ñ" * 8, "日本語テキスト1", "Ж" * 8]:
        masked = sk.mask_nik(text)
        assert masked == "*" * 16
    rng = np.random.default_rng(0)
    for _ in range(200):
        s = "".join(chr(int(c)) for c in rng.integers(0x20, 0x3000, 16))
        masked = sk.mask_nik(s)
        masked.encode("utf-8")
        assert len(masked) == 16
