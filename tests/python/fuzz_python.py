"""atheris harness for the Python API's entry points that take user data. Run by
scripts/fuzz.sh (atheris comes from PyPI and is not a test dependency):

    PYTHONPATH=build-clang-asan/python python3 tests/python/fuzz_python.py CORPUS_DIR -max_total_time=60

Any exception other than smartkampung.Error (or a documented TypeError on wrong types)
is a finding, as is a message that repeats the input."""

import datetime
import sys

import atheris

with atheris.instrument_imports():
    import smartkampung as sk

import numpy as np


def check_message(error: Exception, text: str) -> None:
    if len(text.strip()) >= 10 and text.strip() in str(error):
        raise AssertionError(f"error message repeats the input: {error!r}")


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    as_of = datetime.date(2000, 1, 1) + datetime.timedelta(days=fdp.ConsumeIntInRange(0, 32767))
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64))
    for parse, valid in ((sk.parse_nik, sk.is_valid_nik), (sk.parse_kk, sk.is_valid_kk)):
        try:
            info = parse(text, as_of=as_of)
        except sk.NikError as e:
            check_message(e, text)
            if valid(text, as_of=as_of):
                raise AssertionError("parse rejects what is_valid accepts") from None
        else:
            if not valid(text, as_of=as_of):
                raise AssertionError("parse accepts what is_valid rejects")
            if len(info.district) != 6:
                raise AssertionError("district is not 6 digits")
    # A column with text, None, NaN and numbers mixed, as pandas gives it.
    column = [text, None, float("nan"), fdp.ConsumeInt(8), fdp.ConsumeUnicodeNoSurrogates(20)]
    for validate in (sk.validate_niks, sk.validate_kks):
        try:
            codes = validate(column, as_of=as_of)
        except (sk.Error, TypeError) as e:
            check_message(e, text)
        else:
            if codes.dtype != np.int8 or len(codes) != len(column):
                raise AssertionError("reason codes of the wrong shape")
    # mask_nik() on any text (fixed in 30b3bc1: it used to cut a UTF-8 sequence in 16 bytes of
    # non-ASCII text) is 16 characters with the middle eight masked.
    masked = sk.mask_nik(text)
    if len(masked) != 16 or masked[4:12] != "********":
        raise AssertionError(f"bad mask {masked!r}")
    sk.region_name(text[:6])


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
