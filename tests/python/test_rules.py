"""Rules from Python: loading errors with locations, the shipped rule sets' golden tests
(run here through the Python surface), batch evaluation against single evaluation, and
the language against Python's own arithmetic."""

import datetime
import hashlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartkampung as sk

import conftest
from conftest import SOURCE_DIR

MAY = datetime.date(2020, 5, 1)
NIKS = ["3510010101800001", "3510014501900001", "3510011203550002", "3510013002900001"]


def household(**kw):
    kk = {
        "programs": [],
        "region_kind": "desa",
        "lost_livelihood": True,
        "chronic_illness": False,
        "in_dtks": True,
        "islands": False,
        "head": {"sex": "M"},
        "members": [{"nik": NIKS[0], "birth_date": "1980-01-01"}],
    }
    kk.update(kw)
    return {"kk": kk}


def test_surface():
    assert issubclass(sk.RuleError, sk.Error)
    assert set(sk.rules.builtin_names()) == {"blt-dana-desa", "bst", "jatim-bkk", "sembako-banyuwangi", "bps-14"}
    rs = sk.rules.builtin("blt-dana-desa")
    assert isinstance(rs, sk.RuleSet)
    with pytest.raises(sk.NotFound):
        sk.rules.builtin("nope")


@pytest.mark.parametrize("name", ["blt-dana-desa", "bst", "jatim-bkk", "sembako-banyuwangi", "bps-14"])
def test_golden_tests_pass_through_python(name):
    rs = sk.rules.builtin(name)
    assert rs.run_tests() == []
    doc = json.loads(rs.to_json())
    assert doc["legal_basis"]
    assert doc["tests"], "every shipped rule set embeds tests"
    for t in doc["tests"]:
        as_of = datetime.date.fromisoformat(t["as_of"])
        d = rs.evaluate(t["input"], as_of=as_of, explain=True)
        fast = rs.evaluate(t["input"], as_of=as_of)
        assert d.decision == fast.decision == t["expect"]["decision"], t["name"]
        if "reasons" in t["expect"]:
            assert [r.code for r in d.reasons] == t["expect"]["reasons"], t["name"]
        if "amount" in t["expect"]:
            assert d.amount == fast.amount == t["expect"]["amount"], t["name"]
        assert (d.ruleset, d.version, d.sha256, d.as_of) == (rs.id, rs.version, rs.sha256, as_of)


def test_canonical_json_and_sha256():
    rs = sk.rules.builtin("bst")
    text = rs.to_json()
    assert rs.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    again = sk.RuleSet.from_json(json.dumps(json.loads(text), indent=4))
    assert again.sha256 == rs.sha256


def broken_corpus():
    rows = []
    for line in (SOURCE_DIR / "tests/rules/broken/expected.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            file, path, column, words = line.split("\t")
            rows.append((file, "" if path == "-" else path, int(column), words))
    return rows


@pytest.mark.parametrize("file,path,column,words", broken_corpus())
def test_broken_files_are_rejected_with_location(file, path, column, words):
    with pytest.raises(sk.RuleError) as info:
        sk.RuleSet.from_file(str(SOURCE_DIR / "tests/rules/broken" / file))
    assert info.value.path == path
    assert info.value.column == column
    assert words in str(info.value)


def test_not_json_and_unknown_format():
    with pytest.raises(sk.RuleError) as info:
        sk.RuleSet.from_json("not json at all")
    assert info.value.path == ""
    doc = json.loads(sk.rules.builtin("bst").to_json())
    doc["format"] = "skamp-rules/9"
    with pytest.raises(sk.RuleError) as info:
        sk.RuleSet.from_json(json.dumps(doc))
    assert info.value.path == "format"
    with pytest.raises(sk.RuleError):
        sk.RuleSet.from_file(str(SOURCE_DIR / "no-such-file.json"))


def test_explain_lists_every_failure_and_masks_niks():
    rs = sk.rules.builtin("blt-dana-desa")
    rec = household(programs=["BPNT"], region_kind="kelurahan", lost_livelihood=False)
    fast = rs.evaluate(rec, as_of=MAY)
    full = rs.evaluate(rec, as_of=MAY, explain=True)
    assert [r.code for r in fast.reasons] == ["BUKAN_DESA"]
    assert [r.code for r in full.reasons] == ["BUKAN_DESA", "SUDAH_MENERIMA", "TIDAK_RENTAN"]
    assert full.reasons[1].values == {"kk.programs": "BPNT"}
    assert "BPNT" in full.reasons[1].message_id and "BPNT" in full.reasons[1].message_en
    assert NIKS[0] not in full.to_json()


def test_needs_data_and_out_of_period():
    rs = sk.rules.builtin("bst")
    d = rs.evaluate({"kk": {"members": [{"nik": NIKS[0]}]}}, as_of=MAY)
    assert d.decision == "needs_data" and d.reasons[0].code == "PENERIMA_PKH" and d.reasons[0].unknown
    d = rs.evaluate(household(), as_of=datetime.date(2021, 1, 1))
    assert (d.decision, d.reasons[0].code, d.amount) == ("ineligible", "OUT_OF_PERIOD", 0)


def test_conflicts_with_table():
    table = json.dumps({"format": "skamp-conflicts/1", "conflicts": [{"a": "PKH", "b": "BST", "scope": "kk"}]})
    doc = json.loads(sk.rules.builtin("bst").to_json())
    doc["rules"][1]["require"] = "!conflicts_with(kk.programs, 'BST')"
    doc.pop("tests")
    with pytest.raises(sk.RuleError) as info:
        sk.RuleSet.from_json(json.dumps(doc))
    assert info.value.path == "rules[1].require"
    rs = sk.RuleSet.from_json(json.dumps(doc), conflicts=table)
    assert rs.evaluate(household(programs=["PKH"]), as_of=MAY).decision == "ineligible"
    assert rs.evaluate(household(programs=["PRAKERJA"]), as_of=MAY).decision == "eligible"


member = st.fixed_dictionaries(
    {"nik": st.sampled_from(NIKS), "birth_date": st.dates(datetime.date(1930, 1, 1), datetime.date(2019, 12, 31))}
)
households = st.fixed_dictionaries(
    {
        "programs": st.lists(
            st.sampled_from(["PKH", "BPNT", "PRAKERJA", "BST", "BLT_DD", "JATIM_BKK", "OTHER"]), unique=True, max_size=3
        ),
        "region_kind": st.sampled_from(["desa", "kelurahan", None]),
        "lost_livelihood": st.sampled_from([True, False, None]),
        "chronic_illness": st.sampled_from([True, False, None]),
        "in_dtks": st.sampled_from([True, False, None]),
        "islands": st.sampled_from([True, False]),
        "sex": st.sampled_from(["F", "M"]),
        "members": st.lists(member, max_size=3),
    }
)


@settings(max_examples=20 if conftest.test_size() == "small" else 60, deadline=None)
@given(
    st.lists(households, min_size=1, max_size=12),
    st.sampled_from(["blt-dana-desa", "bst", "jatim-bkk", "sembako-banyuwangi"]),
    st.dates(datetime.date(2020, 3, 1), datetime.date(2021, 1, 31)),
)
def test_batch_matches_single_evaluation(rows, name, as_of):
    rs = sk.rules.builtin(name)
    table = {
        "kk.programs": [r["programs"] for r in rows],
        "region_kind": np.array([r["region_kind"] for r in rows], dtype=object),
        "lost_livelihood": np.array(
            [np.nan if r["lost_livelihood"] is None else float(r["lost_livelihood"]) for r in rows]
        ),
        "chronic_illness": [r["chronic_illness"] for r in rows],
        "kk.in_dtks": [r["in_dtks"] for r in rows],
        "islands": np.array([r["islands"] for r in rows]),
        "kk.head.sex": np.array([r["sex"] for r in rows]),
        "members": [r["members"] for r in rows],
        "unrelated_column": np.zeros(len(rows)),
    }
    out = rs.evaluate_batch(table, as_of=as_of)
    decisions, amounts, reasons = out.decisions, out.amounts, out.reasons
    assert decisions.dtype == np.int8 and amounts.dtype == np.int64 and len(reasons) == len(rows)
    codes = {"eligible": 0, "ineligible": 1, "needs_data": 2}
    for i, r in enumerate(rows):
        rec = {
            "kk": {
                "programs": r["programs"],
                "region_kind": r["region_kind"],
                "lost_livelihood": r["lost_livelihood"],
                "chronic_illness": r["chronic_illness"],
                "in_dtks": r["in_dtks"],
                "islands": r["islands"],
                "head": {"sex": r["sex"]},
                "members": r["members"],
            }
        }
        d = rs.evaluate(rec, as_of=as_of)
        assert decisions[i] == codes[d.decision]
        assert amounts[i] == d.amount
        assert reasons[i] == (d.reasons[0].code if d.reasons else "")


def test_batch_from_dataframe():
    pd = pytest.importorskip("pandas")
    rs = sk.rules.builtin("jatim-bkk")
    df = pd.DataFrame(
        {"programs": [[], ["PKH"], []], "islands": [False, False, True], "members": [[{"nik": NIKS[0]}]] * 3}
    )
    out = rs.evaluate_batch(df, as_of=MAY)
    decisions, amounts, reasons = out.decisions, out.amounts, out.reasons
    assert decisions.tolist() == [0, 1, 0]
    assert amounts.tolist() == [200000, 0, 500000]
    assert reasons.tolist() == ["", "SUDAH_BANSOS_PUSAT", ""]


def test_batch_dates_from_numpy():
    doc = {
        "format": "skamp-rules/1",
        "ruleset": "t",
        "version": "1",
        "valid": {"from": "2020-01-01", "to": "2020-12-31"},
        "scope": "person",
        "legal_basis": ["test"],
        "inputs": {"person.born": "date"},
        "rules": [
            {
                "id": "adult",
                "require": "age(person.born) >= 18",
                "reason": {"code": "MINOR", "id": "di bawah umur", "en": "minor"},
            }
        ],
    }
    rs = sk.RuleSet.from_json(json.dumps(doc))
    born = np.array(["2002-05-01", "2002-05-02", "NaT"], dtype="datetime64[D]")
    out = rs.evaluate_batch({"born": born}, as_of=MAY)
    decisions, reasons = out.decisions, out.reasons
    assert decisions.tolist() == [0, 1, 2]
    assert reasons.tolist() == ["", "MINOR", "MINOR"]


ARITH = "kk.a * 3 - kk.b / 2 > kk.a % 5 || (kk.p && kk.a + kk.b <= 10)"


def python_value(a, b, p):
    """The same expression in Python, with truncating division and Kleene logic."""

    def trunc_div(x, y):
        q = abs(x) // abs(y)
        return q if (x >= 0) == (y > 0) else -q

    def trunc_mod(x, y):
        return x - y * trunc_div(x, y)

    left = None if a is None or b is None else (a * 3 - trunc_div(b, 2) > trunc_mod(a, 5))
    inner_cmp = None if a is None or b is None else a + b <= 10
    if p is False or inner_cmp is False:
        right = False
    elif p is None or inner_cmp is None:
        right = None
    else:
        right = True
    if left is True or right is True:
        return True
    if left is None or right is None:
        return None
    return False


@settings(max_examples=100 if conftest.test_size() == "small" else 300, deadline=None)
@given(
    st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    st.sampled_from([True, False, None]),
)
def test_language_matches_python(a, b, p):
    doc = {
        "format": "skamp-rules/1",
        "ruleset": "t",
        "version": "1",
        "valid": {"from": "2020-01-01", "to": "2020-12-31"},
        "scope": "kk",
        "legal_basis": ["test"],
        "inputs": {"kk.a": "int", "kk.b": "int", "kk.p": "bool"},
        "rules": [{"id": "r", "require": ARITH, "reason": {"code": "R", "id": "r", "en": "r"}}],
    }
    rs = sk.RuleSet.from_json(json.dumps(doc))
    want = python_value(a, b, p)
    got = rs.evaluate({"kk": {"a": a, "b": b, "p": p}}, as_of=MAY).decision
    assert got == {True: "eligible", False: "ineligible", None: "needs_data"}[want]


# ---- evaluate(dict) reads the dict directly -----------------------------------------------
# A rule set reading every kind of input (conftest.kinds_rules_doc, as test_rules_columnar).
KINDS = sk.RuleSet.from_json(
    json.dumps(
        conftest.kinds_rules_doc(
            "kinds", ["Kemiren", "Désa Ω"], village_reason="{kk.village}", programs_reason="{kk.programs}"
        )
    )
)


def old_record_json(record):
    """The JSON text evaluate() made of a dict before it read dicts directly (a str is taken
    as JSON text, as it still is)."""
    if isinstance(record, str):
        return record

    def default(o):
        if hasattr(o, "isoformat"):
            return o.isoformat()[:10]
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        if hasattr(o, "item"):
            return o.item()
        if hasattr(o, "tolist"):
            return o.tolist()
        raise TypeError("not JSON-like")

    return json.dumps(record, default=default)


odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.integers(0, 40),
    st.floats(),
    st.just(3.0),
    st.text(max_size=4),
    st.just("2020-02-30"),
    st.just("1950-01-01"),
    st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)),
    st.just(datetime.datetime(2019, 1, 1, 12, 30)),
    st.just(np.int64(7)),
    st.just(np.bool_(True)),
    st.just(np.float64("nan")),
    st.sampled_from(["a", "b", "c", "z", "Kemiren", "Désa Ω", "\ud800"]),
    st.lists(st.sampled_from(["PKH", "BST", "", "OTHER", 5]), max_size=3),
    st.frozensets(st.sampled_from(["PKH", "BST", "OTHER"]), max_size=2),
    st.tuples(st.just("BST")),
    st.dictionaries(st.sampled_from(["x", "nik"]), st.integers(0, 3), max_size=1),
)
nik_value = st.one_of(st.sampled_from(NIKS + ["35x0013002900001", ""]), odd)
member_value = st.one_of(
    st.fixed_dictionaries({}, optional={"nik": nik_value, "birth_date": odd, "disabled": odd, "hours": odd}), odd
)
plain = {
    "size": st.integers(0, 12),
    "income": st.integers(0, 2_000_000),
    "village": st.sampled_from(["Kemiren", "Glagah", "Désa Ω", ""]),
    "registered": st.dates(datetime.date(2019, 1, 1), datetime.date(2020, 12, 31)),
    "kind": st.sampled_from(["a", "b", "c"]),
    "flag": st.booleans(),
    "programs": st.lists(st.sampled_from(["PKH", "BPNT", "BST", "OTHER", "NEW_ONE"]), unique=True, max_size=3),
    "members": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "nik": st.sampled_from(NIKS + ["35x0013002900001"]),
                "birth_date": st.dates(datetime.date(1930, 1, 1), datetime.date(2019, 12, 31)).map(str),
                "disabled": st.booleans(),
                "hours": st.integers(0, 40),
            },
        ),
        max_size=3,
    ),
}
kk_value = st.fixed_dictionaries(
    {},
    optional={
        k: st.one_of(st.none(), v, v, odd, st.lists(member_value, max_size=3) if k == "members" else odd)
        for k, v in plain.items()
    },
)


@settings(max_examples=60 if conftest.test_size() == "small" else 400, deadline=None)
@given(st.one_of(st.fixed_dictionaries({"kk": kk_value}), st.fixed_dictionaries({"kk": odd}), odd), st.booleans())
def test_evaluate_dict_matches_the_json_way(record, explain):
    """Whatever the dict holds (plain values, numpy scalars, floats, datetimes, sets, bad
    values, wrong types), evaluate(dict) decides, or fails, as the JSON text of the same
    dict does (the way every dict went before)."""

    def outcome(x):
        try:
            d = KINDS.evaluate(x, as_of=MAY, explain=explain)
        except Exception as e:  # noqa: BLE001 - the kind of error is what is compared
            return type(e), str(e), getattr(e, "path", None)
        return d.to_json(), [(r.code, r.values) for r in d.reasons]

    try:
        text = old_record_json(record)
    except (TypeError, ValueError) as e:  # not JSON-like: the dict raises the same kind of error
        assert outcome(record)[0] is type(e)
        return
    assert outcome(record) == outcome(text)
