"""evaluate_batch over columnar input (flat arrays + offsets, numpy text, categoricals)
against the old forms (lists of dicts, lists of code lists) and against per-record
evaluate; and bad columns give a RuleError naming the column, never a value."""

import datetime
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartkampung as sk

import conftest

MAY = datetime.date(2020, 5, 1)
NIKS = ["3510010101800001", "3510014501900001", "3510011203550002", "3510013002900001", "35x0013002900001"]
CODES = {"eligible": 0, "ineligible": 1, "needs_data": 2}

# A rule set reading every kind of input, so that each column form is exercised.
KINDS_DOC = conftest.kinds_rules_doc("kinds", ["Kemiren", "Glagah", "Désa Ω"])
KINDS = sk.RuleSet.from_json(json.dumps(KINDS_DOC))


def maybe(strategy):
    return st.one_of(st.none(), strategy)


member = st.fixed_dictionaries(
    {
        "nik": maybe(st.sampled_from(NIKS)),
        "birth_date": maybe(st.dates(datetime.date(1930, 1, 1), datetime.date(2019, 12, 31))),
        "disabled": maybe(st.booleans()),
        "hours": maybe(st.integers(0, 40)),
    }
)
household = st.fixed_dictionaries(
    {
        "size": maybe(st.integers(0, 12)),
        "income": maybe(st.integers(0, 2_000_000)),
        "village": maybe(st.sampled_from(["Kemiren", "Glagah", "Désa Ω", "Olehsari", ""])),
        "registered": maybe(st.dates(datetime.date(2019, 1, 1), datetime.date(2020, 12, 31))),
        "kind": maybe(st.sampled_from(["a", "b", "c"])),
        "flag": maybe(st.booleans()),
        "programs": maybe(
            st.lists(st.sampled_from(["PKH", "BPNT", "BST", "OTHER", "NEW_ONE"]), unique=True, max_size=3)
        ),
        "members": maybe(st.lists(member, max_size=4)),
    }
)


def offsets(lists):
    return np.concatenate([[0], np.cumsum([len(x or []) for x in lists])]).astype(np.int64)


def nullable_float(values):
    return np.array([np.nan if v is None else float(v) for v in values])


def nullable_dates(values):
    return np.array(["NaT" if v is None else v.isoformat() for v in values], dtype="datetime64[D]")


def columnar(rows, list_form):
    """The columnar form; list_form picks flattened names or the tuple form for members."""
    progs = [r["programs"] for r in rows]
    members = [r["members"] for r in rows]
    flat = [m for ms in members for m in (ms or [])]
    table = {
        "size": nullable_float([r["size"] for r in rows]),
        "kk.income": nullable_float([r["income"] for r in rows]),
        "village": np.array([r["village"] for r in rows], dtype=object),
        "registered": nullable_dates([r["registered"] for r in rows]),
        "kind": np.array([r["kind"] for r in rows], dtype=object),
        "flag": nullable_float([r["flag"] for r in rows]),
        "programs": (
            offsets(progs),
            np.array([c for p in progs for c in (p or [])], dtype="U8"),
            np.array([p is None for p in progs], dtype=bool),
        ),
    }
    elements = {
        "nik": np.array([m["nik"] for m in flat], dtype=object),
        "birth_date": nullable_dates([m["birth_date"] for m in flat]),
        "disabled": nullable_float([m["disabled"] for m in flat]),
        "hours": nullable_float([m["hours"] for m in flat]),
    }
    missing = np.array([ms is None for ms in members], dtype=bool)
    if list_form == "tuple":
        table["members"] = (offsets(members), elements, missing)
    else:
        # Flattened names need no mask when no list is missing; else the tuple's mask carries it.
        table["members"] = offsets(members) if not missing.any() else (offsets(members), {}, missing)
        for k, v in elements.items():
            table["members." + k] = v
    return table


def old_form(rows):
    def iso(d):
        return None if d is None else d.isoformat()

    return {
        "size": [r["size"] for r in rows],
        "income": [r["income"] for r in rows],
        "village": [r["village"] for r in rows],
        "registered": [r["registered"] for r in rows],
        "kind": [r["kind"] for r in rows],
        "flag": [r["flag"] for r in rows],
        "programs": [r["programs"] for r in rows],
        "members": [
            None if ms is None else [{**m, "birth_date": iso(m["birth_date"])} for m in ms]
            for ms in [r["members"] for r in rows]
        ],
    }


def record(r):
    kk = {k: v for k, v in r.items()}
    kk["registered"] = None if r["registered"] is None else r["registered"].isoformat()
    if r["members"] is not None:
        kk["members"] = [
            {**m, "birth_date": None if m["birth_date"] is None else m["birth_date"].isoformat()} for m in r["members"]
        ]
    return {"kk": kk}


def assert_same(a, b):
    assert a.decisions.tolist() == b.decisions.tolist()
    assert a.amounts.tolist() == b.amounts.tolist()
    assert a.reasons.tolist() == b.reasons.tolist()


@settings(max_examples=30 if conftest.test_size() == "small" else 120, deadline=None)
@given(
    st.lists(household, min_size=0, max_size=10),
    st.sampled_from(["tuple", "flat"]),
    st.dates(datetime.date(2020, 1, 1), datetime.date(2020, 12, 31)),
)
def test_columnar_matches_old_form_and_single(rows, list_form, as_of):
    fast = KINDS.evaluate_batch(columnar(rows, list_form), as_of=as_of)
    old = KINDS.evaluate_batch(old_form(rows), as_of=as_of)
    assert fast.decisions.dtype == np.int8 and fast.amounts.dtype == np.int64 and fast.reasons.dtype.kind == "U"
    assert len(fast.decisions) == len(rows)
    assert_same(fast, old)
    for i, r in enumerate(rows):
        d = KINDS.evaluate(record(r), as_of=as_of)
        assert fast.decisions[i] == CODES[d.decision]
        assert fast.amounts[i] == d.amount
        assert fast.reasons[i] == (d.reasons[0].code if d.reasons else "")


blt_household = st.fixed_dictionaries(
    {
        "programs": st.lists(st.sampled_from(["PKH", "BPNT", "PRAKERJA", "BST", "OTHER"]), unique=True, max_size=3),
        "region_kind": st.sampled_from(["desa", "kelurahan"]),
        "lost_livelihood": st.booleans(),
        "chronic_illness": st.booleans(),
        "in_dtks": st.booleans(),
        "islands": st.booleans(),
        "sex": st.sampled_from(["F", "M"]),
        "members": st.lists(
            st.fixed_dictionaries(
                {
                    "nik": st.sampled_from(NIKS),
                    "birth_date": st.dates(datetime.date(1930, 1, 1), datetime.date(2019, 12, 31)),
                }
            ),
            max_size=4,
        ),
    }
)


@settings(max_examples=20 if conftest.test_size() == "small" else 60, deadline=None)
@given(
    st.lists(blt_household, min_size=1, max_size=12),
    st.sampled_from(["blt-dana-desa", "bst", "jatim-bkk", "sembako-banyuwangi", "bps-14"]),
    st.dates(datetime.date(2020, 3, 1), datetime.date(2021, 1, 31)),
    st.sampled_from(["U", "S", "category"]),
)
def test_shipped_rule_sets_numpy_text(rows, name, as_of, text):
    """The bench's form: numpy 'U'/'S' text (or pandas categoricals), bool arrays, flat members."""
    rs = sk.rules.builtin(name)
    members = [r["members"] for r in rows]
    flat = [m for ms in members for m in ms]

    def text_col(values):
        if text == "category":
            pd = pytest.importorskip("pandas")
            return pd.Series(values, dtype="category")
        return np.array(values, dtype=text)

    table = {
        "programs": (
            offsets([r["programs"] for r in rows]),
            np.array([c for r in rows for c in r["programs"]], dtype=text if text != "category" else "U"),
        ),
        "region_kind": text_col([r["region_kind"] for r in rows]),
        "kk.head.sex": text_col([r["sex"] for r in rows]),
        "members": offsets(members),
        "members.nik": np.array([m["nik"] for m in flat], dtype="U16" if text != "S" else "S16"),
        "members.birth_date": np.array([m["birth_date"] for m in flat], dtype="datetime64[D]"),
    }
    for k in ("lost_livelihood", "chronic_illness", "in_dtks", "islands"):
        table[k] = np.array([r[k] for r in rows])
    fast = rs.evaluate_batch(table, as_of=as_of)
    for i, r in enumerate(rows):
        rec = {
            "kk": {
                **{k: v for k, v in r.items() if k != "sex"},
                "head": {"sex": r["sex"]},
                "members": [{"nik": m["nik"], "birth_date": m["birth_date"].isoformat()} for m in r["members"]],
            }
        }
        d = rs.evaluate(rec, as_of=as_of)
        assert (fast.decisions[i], fast.amounts[i], fast.reasons[i]) == (
            CODES[d.decision],
            d.amount,
            d.reasons[0].code if d.reasons else "",
        )


def test_dataframe_with_categoricals_and_nan():
    pd = pytest.importorskip("pandas")
    rs = sk.rules.builtin("blt-dana-desa")
    df = pd.DataFrame(
        {
            "region_kind": pd.Series(["desa", "kelurahan", None, "desa"], dtype="category"),
            "lost_livelihood": [True, True, True, False],
            "chronic_illness": [False] * 4,
            "in_dtks": [True] * 4,
            "programs": [[], [], [], []],
            "members": [[{"nik": NIKS[0], "birth_date": "1980-01-01"}]] * 4,
        }
    )
    out = rs.evaluate_batch(df, as_of=MAY)
    assert out.decisions.tolist() == [0, 1, 2, 1]
    assert out.reasons.tolist() == ["", "BUKAN_DESA", "BUKAN_DESA", "TIDAK_RENTAN"]


def test_non_ascii_strings_survive_numpy_text():
    rows = [
        {
            "size": 3,
            "income": 1,
            "village": "Désa Ω",
            "registered": datetime.date(2020, 1, 1),
            "kind": "a",
            "flag": True,
            "programs": [],
            "members": [{"nik": NIKS[0], "birth_date": None, "disabled": True, "hours": 0}],
        }
    ]
    table = columnar(rows, "tuple")
    table["village"] = np.array(["Désa Ω"])
    out = KINDS.evaluate_batch(table, as_of=MAY)
    assert out.reasons.tolist() == [""] and out.decisions.tolist() == [0]


# ---- bad columns ----------------------------------------------------------------------
def good_table():
    return {
        "size": np.array([2, 3]),
        "income": np.array([0, 0]),
        "village": np.array(["Kemiren", "Glagah"]),
        "registered": np.array(["2020-01-01", "2020-01-01"], dtype="datetime64[D]"),
        "kind": np.array(["a", "b"]),
        "flag": np.array([True, False]),
        "programs": (np.array([0, 1, 1]), np.array(["BST"])),
        "members": np.array([0, 1, 3]),
        "members.nik": np.array([NIKS[0], NIKS[1], NIKS[2]]),
        "members.birth_date": np.array(["1950-01-01", "1980-01-01", "1990-01-01"], dtype="datetime64[D]"),
        "members.disabled": np.array([False, False, False]),
        "members.hours": np.array([0, 0, 0]),
    }


def test_good_table_is_good():
    out = KINDS.evaluate_batch(good_table(), as_of=MAY)
    assert out.decisions.tolist() == [0, 1]
    assert out.reasons.tolist() == ["", "MEMBERS"]


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("size", np.array([1, 2, 3]), ["rows", "equal lengths"]),
        ("kind", np.array(["a", "z"]), ["row 1", "declared values"]),
        ("flag", np.array(["yes", "mungkin"]), ["row 1", "not a boolean (ya/tidak"]),  # text read as list files are
        ("flag", np.array([1.5 + 1j, 2]), ["dtype"]),
        ("size", np.array([1.5, 2.0]), ["row 0", "whole number"]),
        ("village", np.array([1, 2]), ["dtype int64"]),
        ("registered", np.array([1.0, 2.0]), ["dtype"]),
        ("size", np.zeros((2, 2)), ["1-D"]),
        ("members", np.array([0, 2, 1]), ["row 1", "decrease"]),
        ("members", np.array([1, 2, 3]), ["start at 0"]),
        ("members", np.array([0, 1, 2]), ["members.nik", "end at 2"]),
        ("members", np.array([0.0, 1.0, 3.0]), ["offsets must be integers"]),
        ("members", (np.array([0, 1, 3]), {"nik": np.array([NIKS[0]] * 2)}), ["members.nik", "2 values", "end at 3"]),
        ("members", (np.array([0, 1, 3]), {}, np.array([True, False, False])), ["missing mask", "3 entries"]),
        ("members", (np.array([0, 1, 3]), {}, np.array([True, False])), ["row 0", "missing list has elements"]),
        ("members", (np.array([0, 1, 3]), [np.zeros(3)]), ["dict"]),
        ("members.birth_date", np.array(["1950-01-01", "1980-13-01", "x"]), ["row 1", "not a date"]),
        ("members.nik", np.array([NIKS[0]] * 4), ["4 values", "end at 3"]),
        ("programs", (np.array([0, 2, 1]), np.array(["BST"])), ["row 1", "decrease"]),
        ("programs", (np.array([0, 1, 1]), np.array(["BST", "PKH"])), ["programs[codes]", "2 values", "end at 1"]),
        ("programs", (np.array([0, 1, 1]), np.array([""])), ["empty programme code"]),
        ("programs", (np.array([0, 1]),), ["tuple"]),
        ("programs", np.array([1.0, 2.0]), ["dtype float64"]),
        ("programs", [["PKH"], "PKH"], ["row 1", "list of programme codes"]),
        ("village", ["Kemiren", 3], ["row 1", "expected a str"]),
    ],
)
def test_bad_column_names_the_column(column, value, words):
    table = good_table()
    table[column] = value
    with pytest.raises(sk.RuleError) as info:
        KINDS.evaluate_batch(table, as_of=MAY)
    message = str(info.value)
    assert column in message, message
    for w in words:
        assert w in message, message
    # .path is the column at fault (for unequal lengths, the first that differs from the others).
    assert info.value.path and message.startswith(info.value.path + ": ")
    assert info.value.path.startswith(column) or "equal lengths" in message


def test_errors_carry_no_personal_data():
    table = good_table()
    table["members"] = np.array([0, 1, 2])  # the offsets end before the NIK column's end
    table["members.nik"] = np.array(["3510010101800001", "3510014501900001", "3510011203550002"])
    with pytest.raises(sk.RuleError) as info:
        KINDS.evaluate_batch(table, as_of=MAY)
    assert "3510" not in str(info.value)
    table = good_table()
    table["members.birth_date"] = np.array(["1950-01-01", "1980-02-30", "1990-01-01"])
    with pytest.raises(sk.RuleError) as info:
        KINDS.evaluate_batch(table, as_of=MAY)
    assert "1980" not in str(info.value) and "members.birth_date" in str(info.value)


def test_element_column_without_offsets():
    table = good_table()
    table["members"] = [[{"nik": NIKS[0]}], []]
    with pytest.raises(sk.RuleError, match="members.nik.*offsets"):
        KINDS.evaluate_batch(table, as_of=MAY)


def test_undeclared_element_columns_are_ignored():
    table = good_table()
    table["members.shoe_size"] = np.array([1, 2, 3, 4, 5])
    table["members"] = (np.array([0, 1, 3]), {"nik": table.pop("members.nik"), "shoe_size": np.zeros(9)})
    out = KINDS.evaluate_batch(table, as_of=MAY)
    assert out.decisions.tolist() == [0, 1]


def test_set_column_of_one_code_a_row():
    pd = pytest.importorskip("pandas")
    table = good_table()
    table["programs"] = np.array(["", "PKH"])
    first = KINDS.evaluate_batch(table, as_of=MAY)
    assert first.reasons.tolist() == ["", "PROG"]
    table["programs"] = pd.Series(["OTHER", None], dtype="category")
    second = KINDS.evaluate_batch(table, as_of=MAY)
    assert second.decisions.tolist() == [0, 1] and second.reasons.tolist() == ["", "MEMBERS"]
    table["members.hours"] = np.array([0, 10, 0])  # now only the missing set stands in the way
    third = KINDS.evaluate_batch(table, as_of=MAY)
    assert third.decisions.tolist() == [0, 2] and third.reasons.tolist() == ["", "PROG"]


# ---- numpy text forms agree -------------------------------------------------------------
# No NUL (numpy drops trailing NULs) and no lone surrogates (not valid text).
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
text_row = st.fixed_dictionaries(
    {
        "village": st.one_of(text, st.sampled_from(["Kemiren", "Glagah", "Désa Ω", ""])),
        "kind": st.sampled_from(["a", "b", "c"]),
        "programs": st.lists(st.sampled_from(["PKH", "BPNT", "BST", "OTHER", "NEW_ONE", "Ω"]), unique=True, max_size=3),
        "niks": st.lists(
            st.one_of(st.sampled_from(NIKS + ["", "351001", NIKS[0] + "é", "３５１０"]), text), max_size=3
        ),
    }
)


def text_table(rows, form, widen):
    """The text columns as numpy 'U' (default width, or `widen` characters wider), 'S'
    (UTF-8 bytes) or object arrays; the other columns fixed."""

    def col(values):
        if form == "U":
            width = max([len(v) for v in values] + [1]) + widen
            return np.array(values, dtype=f"U{width}")
        if form == "S":
            encoded = [v.encode() for v in values]
            return np.array(encoded, dtype=f"S{max([len(v) for v in encoded] + [1]) + widen}")
        return np.array(values + [None], dtype=object)[:-1]  # an object array even when empty

    niks = [n for r in rows for n in r["niks"]]
    return {
        "size": np.full(len(rows), 3),
        "income": np.zeros(len(rows), dtype=np.int64),
        "village": col([r["village"] for r in rows]),
        "registered": np.full(len(rows), np.datetime64("2019-01-01")),
        "kind": col([r["kind"] for r in rows]),
        "flag": np.ones(len(rows), dtype=bool),
        "programs": (offsets([r["programs"] for r in rows]), col([c for r in rows for c in r["programs"]])),
        "members": offsets([r["niks"] for r in rows]),
        "members.nik": col(niks),
        "members.birth_date": np.full(len(niks), np.datetime64("1950-01-01")),
        "members.disabled": np.zeros(len(niks), dtype=bool),
        "members.hours": np.zeros(len(niks), dtype=np.int64),
    }


@settings(max_examples=30 if conftest.test_size() == "small" else 150, deadline=None)
@given(st.lists(text_row, max_size=12), st.integers(0, 5))
def test_u_s_and_object_text_give_equal_results(rows, widen):
    """UCS-4 ('U', narrowed in bulk, or encoded as UTF-8 when any character is beyond
    ASCII), bytes ('S') and object columns of the same text decide alike, and like one
    record at a time."""
    results = {form: KINDS.evaluate_batch(text_table(rows, form, widen), as_of=MAY) for form in ("U", "S", "O")}
    for form in ("S", "O"):
        assert_same(results["U"], results[form])
    for i, r in enumerate(rows):
        rec = {
            "kk": {
                "size": 3,
                "income": 0,
                "village": r["village"],
                "registered": "2019-01-01",
                "kind": r["kind"],
                "flag": True,
                "programs": r["programs"],
                "members": [{"nik": n, "birth_date": "1950-01-01", "disabled": False, "hours": 0} for n in r["niks"]],
            }
        }
        d = KINDS.evaluate(rec, as_of=MAY)
        assert (results["U"].decisions[i], results["U"].amounts[i], results["U"].reasons[i]) == (
            CODES[d.decision],
            d.amount,
            d.reasons[0].code if d.reasons else "",
        )


@pytest.mark.parametrize("dtype", [f"U{w}" for w in range(1, 11)] + [f"S{w}" for w in range(1, 18)])
def test_enum_and_programme_codes_of_every_item_width(dtype):
    """Fixed-width enum values and programme codes are found by their raw bytes: every
    item size (1 to 7 bytes, whole words, an overlapping last word) finds the same values."""
    rows = 40
    kinds = np.array(["a", "b", "c", "a"] * (rows // 4), dtype=dtype)
    codes = ["PKH", "BST", "OTHER", "NEW_ONE", "P", "B"]
    width = int(dtype[1:])
    usable = [c for c in codes if len(c) <= width]
    per_row = [[usable[(i + k) % len(usable)] for k in range(i % 3)] if i % 7 else [] for i in range(rows)]
    per_row = [list(dict.fromkeys(p)) for p in per_row]
    table = good_table()
    table.update(
        {
            "size": np.full(rows, 2),
            "income": np.zeros(rows, dtype=np.int64),
            "village": np.array(["Kemiren"] * rows),
            "registered": np.full(rows, np.datetime64("2020-01-01")),
            "flag": np.zeros(rows, dtype=bool),
            "members": np.arange(rows + 1),
            "members.nik": np.array([NIKS[0]] * rows),
            "members.birth_date": np.full(rows, np.datetime64("1950-01-01")),
            "members.disabled": np.zeros(rows, dtype=bool),
            "members.hours": np.zeros(rows, dtype=np.int64),
        }
    )
    table["kind"] = kinds
    table["programs"] = (offsets(per_row), np.array([c for p in per_row for c in p], dtype=dtype))
    fast = KINDS.evaluate_batch(table, as_of=MAY)
    table["kind"] = kinds.astype(str).astype(object)
    table["programs"] = [list(p) for p in per_row]
    assert_same(fast, KINDS.evaluate_batch(table, as_of=MAY))
    assert set(fast.reasons.tolist()) >= {"KIND"} | ({"PROG"} if "PKH" in usable else set())


def test_programme_sets_with_empty_and_missing_rows():
    """Set masks come from where each row's codes start: empty rows first, last and in runs,
    missing rows, all rows empty."""
    sets = [[], [], ["PKH", "BST"], [], None, ["OTHER"], [], None, ["BST"], [], []]
    table = good_table()
    n = len(sets)
    table.update(
        {
            "size": np.full(n, 2),
            "income": np.zeros(n, dtype=np.int64),
            "village": np.array(["Kemiren"] * n),
            "registered": np.full(n, np.datetime64("2020-01-01")),
            "kind": np.array(["a"] * n),
            "flag": np.zeros(n, dtype=bool),
            "members": np.arange(n + 1),
            "members.nik": np.array([NIKS[0]] * n),
            "members.birth_date": np.full(n, np.datetime64("1950-01-01")),
            "members.disabled": np.zeros(n, dtype=bool),
            "members.hours": np.zeros(n, dtype=np.int64),
        }
    )
    for form in (sets, [[] for _ in sets]):
        table["programs"] = (
            offsets(form),
            np.array([c for p in form for c in (p or [])], dtype="U8"),
            np.array([p is None for p in form]),
        )
        fast = KINDS.evaluate_batch(table, as_of=MAY)
        table_old = dict(table, programs=form)
        assert_same(fast, KINDS.evaluate_batch(table_old, as_of=MAY))
    table["programs"] = (
        offsets(sets),
        np.array([c for p in sets for c in (p or [])], dtype="U8"),
        np.array([p is None for p in sets]),
    )
    assert KINDS.evaluate_batch(table, as_of=MAY).reasons.tolist() == [
        "",
        "",
        "PROG",
        "",
        "PROG",
        "",
        "",
        "PROG",
        "",
        "",
        "",
    ]


def test_result_arrays():
    """The reasons are a writeable, contiguous str array as wide as the longest code that
    occurs; an empty table gives empty arrays."""
    out = KINDS.evaluate_batch(good_table(), as_of=MAY)
    assert out.reasons.dtype == np.dtype("<U7") and out.reasons.flags.writeable and out.reasons.flags.c_contiguous
    out.reasons[0] = "X"
    assert out.reasons.tolist() == ["X", "MEMBERS"]
    many = {
        k: (np.concatenate([v] * 300) if isinstance(v, np.ndarray) and k != "members" else v)
        for k, v in good_table().items()
    }
    many["members"] = np.concatenate([[0], np.cumsum([1, 2] * 300)])
    many["programs"] = (np.concatenate([[0], np.cumsum([1, 0] * 300)]), np.array(["BST"] * 300))
    big = KINDS.evaluate_batch(many, as_of=MAY)
    assert big.reasons.tolist() == ["", "MEMBERS"] * 300 and big.decisions.tolist() == [0, 1] * 300
    empty = {k: (v[:0] if isinstance(v, np.ndarray) else v) for k, v in good_table().items()}
    empty["members"] = np.array([0])
    empty["programs"] = (np.array([0]), np.array([], dtype="U3"))
    none = KINDS.evaluate_batch(empty, as_of=MAY)
    assert none.reasons.shape == (0,) and none.reasons.dtype.kind == "U" and none.decisions.shape == (0,)


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("members.nik", np.array([NIKS[0]] * 4, dtype="S16"), ["4 values", "end at 3"]),
        ("members.nik", np.array([NIKS[0]] * 2, dtype="U20"), ["2 values", "end at 3"]),
        ("village", np.array(["Kemiren"] * 3, dtype="S8"), ["rows", "equal lengths"]),
        ("kind", np.array(["a", "é"], dtype="U1"), ["row 1", "declared values"]),
        ("kind", np.array([b"a", b"z"], dtype="S1"), ["row 1", "declared values"]),
        ("registered", np.array(["2020-01-01", "NaT"], dtype="datetime64[D]"), None),
        (
            "registered",
            np.array(["2020-01-01", "9999999-01-01"], dtype="datetime64[D]"),
            ["row 1", "date out of range"],
        ),
    ],
)
def test_fixed_width_columns_errors_name_the_column(column, value, words):
    table = good_table()
    table[column] = value
    if words is None:  # NaT is missing, not an error
        listed = dict(table, registered=[datetime.date(2020, 1, 1), None])
        assert_same(KINDS.evaluate_batch(table, as_of=MAY), KINDS.evaluate_batch(listed, as_of=MAY))
        return
    with pytest.raises(sk.RuleError) as info:
        KINDS.evaluate_batch(table, as_of=MAY)
    message = str(info.value)
    assert column in message or "equal lengths" in message, message
    for w in words:
        assert w in message, message
    assert "3510" not in message
