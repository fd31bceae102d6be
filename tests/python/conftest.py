"""Shared fixtures. The package under test is the one on PYTHONPATH (the build tree
under CTest) or the installed one."""

import datetime as dt
import os
import pathlib
import re

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SKAMP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


# ---- the message scan -------------------------------------------------------------------
#
# Every exception a test expects (pytest.raises, in either form) has its message, and the
# messages of its causes and contexts, checked for personal data: a run of 16 digits (a NIK
# or a KK, also written in groups of four) always, and the personal values the test itself
# feeds in (names, birth dates, NIKs and KKs: see `personal` below). A new leak of personal
# data into a message fails the test that provoked it. The CLI's tests check its standard
# error the same way (assert_no_nik), after registering the personal columns of the files
# they hand to the CLI (personal_files).

NIK_LIKE = re.compile(r"(?<!\d)(?:\d{16,}|\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4})(?!\d)")


def nik_like_runs(text: str) -> list[str]:
    """The NIK-like runs in text, masked (so that a failure report does not repeat them),
    followed by the personal values registered for the running test that occur in text
    (masked the same way)."""
    runs = []
    for m in NIK_LIKE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        runs.append(digits[:4] + "*" * (len(digits) - 8) + digits[-4:])
    return runs + _registered_in(text)


# ---- personal values of the running test ------------------------------------------------
#
# A test registers what it feeds in: personal("Siti Aminah", "1990-01-05", NIK), a record
# or a list of records (their nik, kk, name and birth_date fields, keys matched through the
# intake's alias table as the loaders match them: "NAMA", "Tgl. Lahir", "No. KK"), or the
# files it hands to the CLI (personal_files). A test module may also list them in a global
# PERSONAL_DATA, registered before each of its tests. The registry is emptied between tests.
#
# What a value becomes: a name, each token of two or more letters as a whole word (any
# case: "Siti", "AMINAH"); a date, its ISO, DD-MM-YYYY, DD/MM/YYYY and DD.MM.YYYY forms; a
# NIK or KK, its 16 digits in any grouping and its last ten (birth date and serial).

_NAMES: set[str] = set()  # name tokens, lower case
_DATES: set[str] = set()  # dates as written (ISO, DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, raw)
_KEYS: set[str] = set()  # 16-digit NIK/KK
_TAILS: set[str] = set()  # their last ten digits (birth date and serial)
_PERSONAL_FIELDS = {"nik", "kk", "name", "birth_date"}
_DATE_FORMS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
_WORD = re.compile(r"[^\W\d_]+")
_DATE_TEXT = re.compile(r"(?<!\d)\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}(?!\d)")
_DIGIT_RUN = re.compile(r"\d(?:[ .-]?\d)*")


def _mask(text: str) -> str:
    return text[:1] + "*" * max(len(text) - 1, 2) if len(text) < 10 else text[:4] + "*" * (len(text) - 8) + text[-4:]


def _registered_in(text: str) -> list[str]:
    """The registered personal values that occur in text, masked."""
    found = []
    if _NAMES:
        found += [f"name token {_mask(w)}" for w in _WORD.findall(text) if len(w) >= 2 and w.lower() in _NAMES]
    if _DATES:
        found += [f"date {_mask(d)}" for d in _DATE_TEXT.findall(text) if d in _DATES]
        found += [f"date {_mask(d)}" for d in _DATES if not _DATE_TEXT.fullmatch(d) and d in text]
    if _KEYS or _TAILS:
        for m in _DIGIT_RUN.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if digits in _KEYS:
                found.append(f"NIK/KK {_mask(digits)}")
            elif any(digits[i : i + 10] in _TAILS for i in range(len(digits) - 9)):
                found.append(f"NIK/KK part {_mask(digits)}")
    return found


def _as_date(value) -> "dt.date | None":
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for form in _DATE_FORMS + ("%d/%m/%y", "%d-%m-%y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def _add_date(day: "dt.date", raw: str | None = None) -> None:
    _DATES.update(day.strftime(form) for form in _DATE_FORMS)
    if raw and len(raw) >= 6 and not raw.isdigit():
        _DATES.add(raw)


def _add_number(digits: str) -> None:
    _KEYS.add(digits)
    _TAILS.add(digits[6:16])


def _add_name(text: str) -> None:
    _NAMES.update(w.lower() for w in _WORD.findall(text) if len(w) >= 2)


def _add_value(value, field: str | None = None) -> None:
    """One value: of a known field (nik, kk, name, birth_date), or classified by its shape."""
    if value is None or isinstance(value, (bool, float)):
        return
    if isinstance(value, (dt.date, dt.datetime)):
        _add_date(_as_date(value))
        return
    text = str(value).strip()
    if not text:
        return
    digits = re.sub(r"[\s.'\"=-]", "", text)
    if field in ("nik", "kk") or (field is None and digits.isdigit() and len(digits) == 16):
        if digits.isdigit() and len(digits) == 16:
            _add_number(digits)
        return
    day = _as_date(text)
    if field == "birth_date" or (field is None and day is not None):
        if day is None and "," in text:  # TTL: "Banyuwangi, 29-04-1985"
            day = _as_date(text.rsplit(",", 1)[1])
            _add_name(text.rsplit(",", 1)[0])
        if day is not None:
            _add_date(day, text)
        return
    if field in (None, "name"):
        _add_name(text)


def _field_of_any(key) -> str:
    from smartkampung import intake

    return intake.header_field(str(key)) or str(key).strip().lower()


def _field_of(key) -> str | None:
    field = _field_of_any(key)
    return field if field in _PERSONAL_FIELDS else None


def personal(*values):
    """Registers personal values the running test feeds in, so that the message scan finds
    them in any message: names, dates, NIK/KK strings, records (dicts: their nik, kk, name
    and birth_date fields), lists of either, DataFrames. Returns the first value."""
    for value in values:
        if isinstance(value, dict):
            for key, v in value.items():
                field = _field_of(key)
                if field is not None:
                    _add_value(v, field)
                elif isinstance(v, (dict, list, tuple)):
                    personal(v)
        elif hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
            personal(value.to_dict("records"))
        elif isinstance(value, (list, tuple, set)):
            personal(*value)
        else:
            _add_value(value)
    return values[0] if values else None


def personal_files(args) -> None:
    """Registers the personal columns (nik, kk, name, birth_date, by the alias table) of the
    CSV and JSON files among a CLI call's arguments."""
    import csv
    import json

    for arg in args:
        path = pathlib.Path(str(arg))
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".json", ".jsonl", ".txt") or not path.is_file() or path.stat().st_size > 2**24:
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError):
            continue
        if suffix == ".csv" or suffix == ".txt":
            sample = text[:4096]
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            try:
                rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
            except csv.Error:
                continue
            if rows and any(_field_of_any(h) == "capacity" for h in rows[0]):
                continue  # a house list: its names are of houses, not persons
            personal(rows)
        elif suffix == ".json":
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if (
                isinstance(data, list)
                and data
                and isinstance(data[0], dict)
                and any(_field_of_any(k) == "capacity" for k in data[0])
            ):
                continue  # a house list
            personal(data)


def forget_personal() -> None:
    """Empties the registry (between tests; a test of the scan itself may call it)."""
    for registered in (_NAMES, _DATES, _KEYS, _TAILS):
        registered.clear()


@pytest.fixture(autouse=True)
def _personal_data_of_the_test(request):
    forget_personal()
    module_values = getattr(request.module, "PERSONAL_DATA", None)
    if module_values:
        personal(module_values)
    yield
    forget_personal()


def assert_no_nik(text: str, where: str = "message") -> None:
    """No NIK-like digit run and no registered personal value of the test in text."""
    runs = nik_like_runs(text)
    assert not runs, f"a {where} carries personal data (masked here): {runs}"


assert_no_personal_data = assert_no_nik


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


def kinds_rules_doc(
    ruleset: str,
    villages: list,
    *,
    lists: bool = True,
    village_reason: str = "v",
    programs_reason: str = "p",
    amount: str = "kk.income * 0 + kk.size * 50000",
) -> dict:
    """A rule set (as a dict) reading every kind of input, so that each input form is
    exercised: int, money, string, date, enum and bool, and with ``lists`` a set and a list
    of members. The rules tests, the columnar tests and the cluster tests differ only in the
    villages allowed, the reasons' texts and the amount."""
    inputs = {
        "kk.size": "int",
        "kk.income": "money",
        "kk.village": "string",
        "kk.registered": "date",
        "kk.kind": "enum<a,b,c>",
        "kk.flag": "bool",
    }
    rules = [
        {"id": "size", "require": "kk.size * 100000 >= kk.income", "reason": {"code": "INCOME", "id": "i", "en": "i"}},
        {
            "id": "village",
            "require": f"kk.village in {villages!r}",
            "reason": {"code": "VILLAGE", "id": village_reason, "en": "v"},
        },
        {"id": "kind", "require": "kk.kind != 'c' || kk.flag", "reason": {"code": "KIND", "id": "k", "en": "k"}},
        {
            "id": "registered",
            "require": "days_between(kk.registered, as_of) >= 30",
            "reason": {"code": "NEW", "id": "n", "en": "n"},
        },
    ]
    if lists:
        inputs.update(
            {
                "kk.programs": "set<program>",
                "kk.members": "list<member>",
                "member.nik": "string",
                "member.birth_date": "date",
                "member.disabled": "bool",
                "member.hours": "int",
            }
        )
        rules += [
            {
                "id": "programs",
                "require": "!('PKH' in kk.programs) && len(kk.programs) <= 2",
                "reason": {"code": "PROG", "id": programs_reason, "en": "p"},
            },
            {
                "id": "members",
                "require": "all(kk.members, m -> valid_nik(m.nik)) && "
                "count(kk.members, m -> m.disabled || age(m.birth_date) >= 60) + "
                "sum(kk.members, m -> m.hours) / 10 >= 1",
                "reason": {"code": "MEMBERS", "id": "m", "en": "m"},
            },
        ]
    return {
        "format": "skamp-rules/1",
        "ruleset": ruleset,
        "version": "1",
        "scope": "kk",
        "legal_basis": ["test"],
        "valid": {"from": "2020-01-01", "to": "2020-12-31"},
        "inputs": inputs,
        "rules": rules,
        "amount": amount,
    }
