"""Shared fixtures. The package under test is the one on PYTHONPATH (the build tree
under CTest) or the installed one."""

import os
import pathlib
import re

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SKAMP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


# ---- the message scan -------------------------------------------------------------------
#
# Every exception a test expects (pytest.raises, in either form) has its message, and the
# messages of its causes and contexts, checked for a run of 16 digits (a NIK or a KK, also
# written in groups of four): a new leak of personal data into a message fails the test that
# provoked it. The CLI's tests check its standard error the same way (assert_no_nik).

NIK_LIKE = re.compile(r"(?<!\d)(?:\d{16,}|\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4})(?!\d)")


def nik_like_runs(text: str) -> list[str]:
    """The NIK-like runs in text, masked (so that a failure report does not repeat them)."""
    runs = []
    for m in NIK_LIKE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        runs.append(digits[:4] + "*" * (len(digits) - 8) + digits[-4:])
    return runs


def assert_no_nik(text: str, where: str = "message") -> None:
    runs = nik_like_runs(text)
    assert not runs, f"a {where} carries NIK-like digit runs (masked here): {runs}"


def _messages(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def check_exception(exc: BaseException) -> None:
    for e in _messages(exc):
        text = str(e) + "".join(getattr(e, "__notes__", []) or [])
        assert_no_nik(text, f"{type(e).__name__} message")


class _ScannedRaises:
    """pytest.raises' context manager, with the caught exception scanned on exit."""

    def __init__(self, inner):
        self._inner = inner

    def __enter__(self):
        return self._inner.__enter__()

    def __exit__(self, exc_type, exc, tb):
        suppressed = self._inner.__exit__(exc_type, exc, tb)
        if suppressed and exc is not None:
            check_exception(exc)
        return suppressed

    def __getattr__(self, name):
        return getattr(self._inner, name)


_original_raises = pytest.raises


def _scanning_raises(*args, **kwargs):
    result = _original_raises(*args, **kwargs)
    if hasattr(result, "__exit__"):
        return _ScannedRaises(result)
    check_exception(result.value)  # the call form returns the ExceptionInfo
    return result


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: large tests, run only when SMARTKAMPUNG_SLOW_TESTS is on")
    pytest.raises = _scanning_raises


def program_env() -> dict:
    """The environment for running a program that is not ours (zbarimg, a spreadsheet, a
    browser): without the sanitizer runtime that scripts/test-sanitizers-clang.sh preloads
    for CPython (LD_PRELOAD), which such programs do not expect (zbarimg hangs with it)."""
    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}


@pytest.fixture(scope="session")
def source_dir() -> pathlib.Path:
    return SOURCE_DIR


def test_size() -> str:
    """'small' under sanitizers and valgrind (SKAMP_TEST_SIZE=small), else 'default'."""
    return os.environ.get("SKAMP_TEST_SIZE", "default")
