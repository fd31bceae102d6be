"""Issue 23: the service's guards one by one (no server): passwords, CSRF tokens, the rate
limiter (against a brute-force count of what a token bucket allows), the log mask, the
schema migration, and the CLI's refusals."""

import logging
import random
import sqlite3
import subprocess
import sys

import pytest

from smartkampung.serve import security
from smartkampung.serve.store import MIGRATIONS, Store


def test_password_hashes_verify_only_the_right_password():
    stored = security.hash_password("kata-sandi-yang-panjang")
    assert stored.startswith("scrypt$32768$8$1$") and "kata" not in stored
    assert security.check_password("kata-sandi-yang-panjang", stored)
    assert not security.check_password("kata-sandi-yang-panjanG", stored)
    assert security.hash_password("kata-sandi-yang-panjang") != stored  # salted
    assert not security.check_password("anything-at-all", security.DUMMY_HASH)
    assert not security.check_password("x", "not a hash")
    with pytest.raises(ValueError):
        security.hash_password("short")


def test_csrf_field_is_bound_to_the_cookie_and_the_secret():
    secret, other = b"s" * 32, b"t" * 32
    token = security.new_token()
    field = security.csrf_for(secret, token)
    assert security.csrf_ok(secret, token, field)
    assert not security.csrf_ok(other, token, field)
    assert not security.csrf_ok(secret, security.new_token(), field)
    assert not security.csrf_ok(secret, None, field) and not security.csrf_ok(secret, token, "")


def test_rate_limiter_allows_what_a_token_bucket_allows(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: clock[0])
    rng = random.Random(5)
    for per_minute in (1, 6, 30):
        lim = security.RateLimiter("check", per_minute, b"k" * 32, log_interval=1e9)
        tokens, last = float(per_minute), clock[0]
        for _ in range(2000):
            clock[0] += rng.choice([0.0, 0.01, 0.5, 1.0, 3.0, 20.0])
            tokens = min(per_minute, tokens + (clock[0] - last) * per_minute / 60.0)
            last = clock[0]
            expected = tokens >= 1.0
            if expected:
                tokens -= 1.0
            assert lim.allow("10.0.0.1", "3510014501900001") is expected
    exempt = security.RateLimiter("check", 1, b"k" * 32, exempt=[__import__("ipaddress").ip_network("10.1.0.0/16")])
    assert all(exempt.allow("10.1.2.3") for _ in range(100))
    assert exempt.allow("10.2.0.1") and not exempt.allow("10.2.0.1")


def test_log_mask_hides_niks_and_tracebacks(capsys):
    logger = logging.getLogger("smartkampung.serve.unit")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(security.MaskingFilter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("saw %s and 3510 0145 0190 0001", "3510014501900001")
        try:
            raise KeyError("Siti Aminah 3510014501900001")
        except KeyError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert "3510********0001" in err and "3510014501900001" not in err and "0145 0190" not in err
    assert "Siti" not in err and "Traceback" not in err and "failed (KeyError)" in err


def test_schema_is_created_and_a_newer_one_is_refused(tmp_path):
    store = Store(tmp_path / "a.sqlite3")
    c = sqlite3.connect(tmp_path / "a.sqlite3")
    assert c.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
        "reports",
        "reservations",
        "checkins",
        "audit",
        "users",
        "sessions",
    }
    assert store.conn().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert Store(tmp_path / "a.sqlite3").migrate() == len(MIGRATIONS)  # idempotent
    c.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    c.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(tmp_path / "a.sqlite3")


def test_cli_refuses_bad_sources_in_one_line(tmp_path):
    bad = tmp_path / "registry.skr"
    bad.write_bytes(b"SKAMPREG not a registry")
    certs = tmp_path / "certs.jsonl"
    certs.write_text("")
    for args, code in (
        (["--registry", str(bad), "--certs", str(certs)], 1),
        (["--registry", str(tmp_path / "missing.skr"), "--certs", str(certs)], 1),
        (["--certs", str(certs)], 2),
        (["--registry", str(bad), "--certs", str(certs), "--rate-exempt", "not-a-net"], 2),
    ):
        p = subprocess.run(
            [sys.executable, "-m", "smartkampung", "serve", "--data", str(tmp_path / "d"), *args, "--port", "1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        lines = [ln for ln in p.stderr.splitlines() if ln.startswith("smartkampung serve:")]
        assert p.returncode == code and len(lines) == 1, p.stderr
        assert "Traceback" not in p.stderr
