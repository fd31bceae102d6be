"""Shared fixtures. The package under test is the one on PYTHONPATH (the build tree
under CTest) or the installed one."""

import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SKAMP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: large tests, run only when SMARTKAMPUNG_SLOW_TESTS is on")


@pytest.fixture(scope="session")
def source_dir() -> pathlib.Path:
    return SOURCE_DIR


def test_size() -> str:
    """'small' under sanitizers and valgrind (SKAMP_TEST_SIZE=small), else 'default'."""
    return os.environ.get("SKAMP_TEST_SIZE", "default")
