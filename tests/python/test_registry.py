"""Registry: loading, recipient check, reports, dedup against a plain-set oracle."""

import datetime
import json
import random
import threading

import pytest

import smartkampung as sk

AS_OF = datetime.date(2020, 5, 1)


def make_nik(district, day, month, year, female, serial):
    return f"3510{district:02d}{day + 40 if female else day:02d}{month:02d}{year % 100:02d}{serial:04d}"


def make_kk(district, serial):
    return f"3510{district:02d}010115{serial:04d}"


def test_load_csv_report_and_public_check(tmp_path):
    path = tmp_path / "pkh.csv"
    path.write_bytes(
        "NIK;KK;Nama;Tgl_Lahir;JK;Desa;RT;RW\r\n"
        "3510014501900001;3510010101150001;Siti Aminah;05-01-1990;P;Sumberagung;001;002\r\n"
        "3.51001E+15;;Joko;;;;;\r\n"
        "3510011203850002;;;;;;;\r\n"
        "3510011203850003;;Budi;1985/13/12;L;;;\r\n".encode("cp1252")
    )
    reg = sk.Registry(as_of=AS_OF)
    rep = reg.load_csv(str(path), program="PKH", level="central")
    # Rejected only for the NIK: the row without a name and the one with month 13 load,
    # the unreadable date left empty and reported with its line.
    assert rep.loaded == 3
    assert [line for line, _ in rep.rejected] == [3]
    assert "scientific_notation" in rep.rejected[0][1]
    assert rep.rejected_rows[0]["raw"] == "3.51001E+15;;Joko;;;;;"
    assert rep.nulled == {"birth_date": [5]}
    assert rep.unkeyed == 1
    assert reg.programs_of("3510014501900001") == ["PKH"]
    assert reg.programs_of_kk("3510010101150001") == ["PKH"]
    check = reg.public_check("3510014501900001")
    assert check == {"nik": "3510********0001", "name": "S*** A***", "programs": ["PKH"], "found": True}
    assert reg.public_check("3510014501900002") == {
        "nik": "3510********0002",
        "name": None,
        "programs": [],
        "found": False,
    }
    with pytest.raises(sk.NikError):
        reg.public_check("12345")
    with pytest.raises(sk.NikError):
        reg.programs_of("3510019999990001")


def test_missing_file_changes_nothing(tmp_path):
    reg = sk.Registry(as_of=AS_OF)
    reg.add_records([{"nik": "3510014501900001", "name": "Siti"}], program="PKH")
    with pytest.raises(sk.Error) as info:
        reg.load_csv(str(tmp_path / "nope.csv"), program="PKH")
    assert "nope.csv" in str(info.value)
    assert len(reg) == 1


def test_columns_mapping_and_records_with_dates(tmp_path):
    path = tmp_path / "bst.csv"
    path.write_text("NOMOR INDUK,NAMA KEPALA\n3510011203850002,Budi\n")
    reg = sk.Registry(as_of=AS_OF)
    rep = reg.load_csv(
        path.as_posix(), program="BST", level="central", columns={"nik": "NOMOR INDUK", "name": "NAMA KEPALA"}
    )
    assert rep.loaded == 1
    rep = reg.add_records(
        [
            {"nik": "3510014501900001", "name": "Siti", "birth_date": datetime.date(1990, 1, 5), "sex": "P", "rt": 3},
            {"nik": "3510014501900009", "name": "Ani", "birth_date": "1991-01-05"},
            {"name": "no nik"},
        ],
        program="PKH",
        level="central",
    )
    assert rep.loaded == 2
    assert rep.rejected == [(3, "missing required field: nik")]
    assert rep.unkeyed == 1
    recs = reg.records("PKH")
    assert recs[0]["birth_date"] == datetime.date(1990, 1, 5) and recs[0]["rt"] == 3
    assert reg.dedup().nik_mismatches == ["3510014501900009"]
    assert reg.unkeyed("PKH")[0]["name"] == "no nik"


def test_exclusions_reports_save_load(tmp_path):
    reg = sk.Registry(as_of=AS_OF)
    kk = make_kk(1, 7)
    father, son, daughter = (
        make_nik(1, 1, 1, 1970, False, 1),
        make_nik(1, 2, 2, 2000, False, 2),
        make_nik(1, 3, 3, 2002, True, 3),
    )
    reg.add_records([{"nik": father, "kk": kk, "name": "Slamet"}], program="BST", level="central")
    reg.add_records([{"nik": son, "kk": kk, "name": "Joko"}], program="PKH", level="central")
    reg.set_exclusions([("PKH", "BST", "kk")])
    rep = reg.dedup()
    assert rep.exclusion_violations == [(kk, "BST", "PKH")]
    assert json.loads(rep.to_json())["schema"] == "skamp-dedup-report/1"
    at = datetime.datetime(2020, 5, 1, 9, 0, tzinfo=datetime.timezone.utc)
    out = reg.report({"nik": son, "kk": kk, "name": "Joko"}, at)
    assert not out.accepted and out.reason == "already_enrolled" and out.programs == ["PKH"]
    out = reg.report({"nik": daughter, "kk": kk, "name": "Ani", "program": "BST"}, at)
    assert not out.accepted and out.reason == "household_covered"
    out = reg.report({"nik": "123", "name": "X"}, at)
    assert out.reason == "invalid_nik"
    out = reg.report({"nik": daughter, "kk": make_kk(2, 1), "name": "Ani"}, at)
    assert out.accepted
    assert reg.report({"nik": daughter, "name": "Ani"}, at).reason == "duplicate_report"
    assert reg.reports()[0]["at"] == at
    path = tmp_path / "reg.skreg"
    reg.save(str(path))
    back = sk.Registry.load(str(path))
    assert back.dedup().to_json() == rep.to_json()
    assert len(back.reports()) == 1
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(sk.Error, match="damaged"):
        sk.Registry.load(str(path))
    rep.to_csv(str(tmp_path))
    assert (tmp_path / "exclusion_violations.csv").read_text().count("\n") == 2


def test_replace_remove_correct_diff():
    reg = sk.Registry(as_of=AS_OF)
    a = [{"nik": make_nik(1, 1, 1, 1980, False, i), "name": f"A{i}"} for i in range(1, 6)]
    reg.replace_program("PKH", a, level="central")
    new = a[1:] + [{"nik": make_nik(2, 1, 1, 1980, False, 9), "name": "New"}]
    new[0] = dict(new[0], name="Changed")
    d = reg.diff("PKH", new)
    assert d == {"added": [make_nik(2, 1, 1, 1980, False, 9)], "dropped": [a[0]["nik"]], "changed": [a[1]["nik"]]}
    reg.replace_program("PKH", new, level="central")
    assert reg.programs_of(a[0]["nik"]) == []
    assert reg.remove_record("PKH", a[2]["nik"]) == 1
    assert reg.correct_record("PKH", a[3]["nik"], {"nik": a[3]["nik"], "name": "Fixed"}) == 1
    assert {r["name"] for r in reg.records("PKH")} == {"Changed", "Fixed", "A5", "New"}


def test_dataframe_path():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"nik": ["3510014501900001", None], "name": ["Siti", "Tanpa"], "rt": [1.0, float("nan")]})
    reg = sk.Registry(as_of=AS_OF)
    rep = reg.add_records(df, program="PKH", level="central")
    assert rep.loaded == 1 and rep.unkeyed == 1


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_lists_against_set_oracle(tmp_path, seed):
    rng = random.Random(seed)
    people = []
    for i in range(rng.randint(30, 200)):
        female = rng.random() < 0.5
        d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2009)
        people.append(
            (
                make_nik(rng.randint(1, 25), d, m, y, female, i + 1),
                make_kk(rng.randint(1, 25), rng.randint(1, 40)),
                f"Nama {i}",
                f"{y:04d}-{m:02d}-{d:02d}",
                "P" if female else "L",
            )
        )
    reg = sk.Registry(as_of=AS_OF)
    reg.set_exclusions([("PKH", "BST", "kk"), ("BPNT", "BLT_DD", "person")])
    listed, progs, kk_progs, names = {}, {}, {}, {}
    for prog in ["BLT_DD", "BPNT", "BST", "PKH"]:
        lines = ["nik,kk,nama,tgl_lahir,jk"]
        good = 0
        for _ in range(rng.randint(10, 150)):
            nik, kk, name, birth, sex = rng.choice(people)
            kind = rng.randrange(12)
            if kind == 0:
                lines.append(f"{nik[:10]},,{name},,")  # invalid NIK
                continue
            if kind == 1:
                lines.append(f'"{nik},{name}')  # unterminated quote
                continue
            if kind == 2:
                name = "Lain " + name  # a conflict
            lines.append(f"{nik},{kk},{name},{birth},{sex}")
            good += 1
            listed[(prog, nik)] = listed.get((prog, nik), 0) + 1
            progs.setdefault(nik, set()).add(prog)
            kk_progs.setdefault(kk, set()).add(prog)
            names.setdefault(nik, set()).add(name.lower().replace(" ", ""))
        path = tmp_path / f"{prog}.csv"
        path.write_text("\n".join(lines) + "\n")
        rep = reg.load_csv(str(path), program=prog, level="central")
        assert rep.loaded == good
    rep = reg.dedup()
    assert rep.unique_persons == len(progs)
    assert rep.unique_households == len(kk_progs)
    assert sorted(rep.duplicates) == sorted((p, n, c) for (p, n), c in listed.items() if c > 1)
    assert rep.overlaps == {n: sorted(s) for n, s in progs.items() if len(s) > 1}
    assert set(rep.conflicts) == {n for n, s in names.items() if len(s) > 1}
    expected = {(k, "BST", "PKH") for k, s in kk_progs.items() if {"PKH", "BST"} <= s}
    expected |= {(n, "BLT_DD", "BPNT") for n, s in progs.items() if {"BPNT", "BLT_DD"} <= s}
    assert set(rep.exclusion_violations) == expected
    for nik, s in progs.items():
        assert reg.programs_of(nik) == sorted(s)
        assert len(nik) == 16


def test_reads_during_replace_see_old_or_new():
    reg = sk.Registry(as_of=AS_OF)
    a = [{"nik": make_nik(1, 1, 1, 1980, False, i), "name": "A"} for i in range(1, 300)]
    b = [{"nik": make_nik(2, 1, 1, 1980, False, i), "name": "B"} for i in range(1, 300)]
    reg.replace_program("PKH", a)
    bad = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            names = {r["name"] for r in reg.records("PKH")}  # one read, one snapshot
            if len(names) != 1:
                bad.append(names)
            if reg.dedup().unique_persons != 299:
                bad.append("count")

    t = threading.Thread(target=reader)
    t.start()
    for k in range(30):
        reg.replace_program("PKH", b if k % 2 == 0 else a)
    stop.set()
    t.join()
    assert bad == []
