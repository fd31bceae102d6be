"""The office's jobs through the command line, on files whose outcomes are known: online
reports, the recipient check (one NIK and a file), eligibility with a bad row and rows
that need data, nearest and assign over a patient file with a bad house row, the rule
sets' listing, and dedup's workbook naming every person with file and line."""

import json

import pytest

from cli_office import BUDI, JOKO, ROUNDED, SITI, office, ok, one_line, read_xlsx, run, sheet_dicts, write_csv


@pytest.fixture(scope="module")
def off(tmp_path_factory):
    return office(tmp_path_factory.mktemp("office"))


# ---- report ----------------------------------------------------------------------------------


def test_report_batch_with_known_outcomes(off, tmp_path):
    reports = write_csv(
        tmp_path / "laporan.csv",
        ["nik", "kk", "nama", "desa", "waktu"],
        [
            [BUDI["nik"], BUDI["kk"], BUDI["nama"], "Sumberagung", "2020-05-12T10:00"],  # 2: already_enrolled
            ["351001450190000", "3510010101200009", "Salah Ketik", "Sumberagung", "2020-05-12T10:01"],  # 3: invalid_nik
            ["3510016607850004", SITI["kk"], "Ani Aminah", "Sumberagung", "2020-05-12T10:02"],  # 4: household_covered
            ["3510011508950005", "3510010101200007", "Dewi Lestari", "Kandangan", "2020-05-12T10:03"],  # 5: accepted
            ["3510011508950005", "3510010101200007", "Dewi Lestari", "Kandangan", "2020-05-12T10:04"],  # 6: duplicate
            ["3510010905880006", "3510010101200008", "Eko Prasetyo", "Kandangan", "kemarin"],  # 7: bad time
            ["3510011011920007", "3510010101200010", "Rina Wati", "Kandangan", "2020-05-12"],  # 8: accepted
        ],
    )
    out = tmp_path / "hasil.xlsx"
    saved = tmp_path / "after.skr"
    proc = run("report", reports, "--registry", off["registry"], "--out", out, "--save", saved)
    assert proc.returncode == 1, proc.stderr  # line 7 failed; the others were decided
    assert "laporan.csv:7" in proc.stderr and "waktu" in proc.stderr
    book = read_xlsx(out)
    assert list(book) == ["Summary", "Reports", "Queue"]
    rows = sheet_dicts(book["Reports"])
    by_line = {r["line"]: r for r in rows}
    assert set(by_line) == {"2", "3", "4", "5", "6", "7", "8"}  # line numbers as text cells
    assert by_line["2"]["reason code"] == "already_enrolled" and by_line["2"]["name"] == "Budi Santoso"
    assert by_line["2"]["NIK"] == BUDI["nik"] and by_line["2"]["KK"] == BUDI["kk"]
    assert by_line["3"]["reason code"] == "invalid_nik"
    assert by_line["4"]["reason code"] == "household_covered"
    assert by_line["5"]["reason code"] == "accepted" and by_line["5"]["queue position"] == 1
    assert by_line["6"]["reason code"] == "duplicate_report"
    assert by_line["7"]["reason code"] is None and "waktu" in by_line["7"]["problem"]
    assert by_line["8"]["reason code"] == "accepted" and by_line["8"]["queue position"] == 2
    assert all(r["file"].endswith("laporan.csv") for r in rows)
    assert all(r["detail"] for r in rows if r["reason code"])
    queue = sheet_dicts(book["Queue"])
    assert [(q["queue position"], q["NIK"], q["line"]) for q in queue] == [
        (1, "3510011508950005", "5"),
        (2, "3510011011920007", "8"),
    ]
    # The saved registry holds the queue: the same report again is a duplicate.
    again = write_csv(tmp_path / "lagi.csv", ["nik", "kk", "nama"], [["3510011011920007", "3510010101200010", "Rina"]])
    data = json.loads(ok(run("report", again, "--registry", saved, "--at", "2020-05-13T09:00", "--json")).stdout)
    assert data["reports"][0]["reason"] == "duplicate_report"
    assert data["reports"][0]["nik"] == "3510********0007"  # masked on the terminal


# ---- check -----------------------------------------------------------------------------------


def test_check_without_a_registry_is_a_usage_error(off, tmp_path):
    msg = one_line(run("check", SITI["nik"]), codes=(2,))
    assert "--registry" in msg
    niks = write_csv(tmp_path / "niks.csv", ["nik"], [[SITI["nik"]]])
    assert "--registry" in one_line(run("check", niks), codes=(2,))


def test_check_one_nik_and_a_file_masked(off, tmp_path):
    ans = json.loads(ok(run("check", SITI["nik"], "--registry", off["registry"], "--json")).stdout)
    assert ans == {"nik": "3510********0001", "name": "S*** A***", "programs": ["BST", "PKH"], "found": True} or (
        ans["found"] and ans["programs"] == ["BST", "PKH"] and ans["nik"] == "3510********0001"
    )
    niks = write_csv(
        tmp_path / "warga.csv",
        ["no", "NIK"],
        [["1", SITI["nik"]], ["2", "3510010101010001"], ["3", "12345"], ["4", JOKO["nik"]]],
    )
    out = tmp_path / "jawaban.xlsx"
    proc = run("check", niks, "--registry", off["registry"], "--out", out)
    assert proc.returncode == 1 and "warga.csv:4" in proc.stderr  # the invalid NIK, named by line
    rows = sheet_dicts(read_xlsx(out)["Checks"])
    assert [r["line"] for r in rows] == ["2", "3", "4", "5"]
    assert [r["enrolled"] for r in rows] == ["yes", "no", None, "yes"]
    assert rows[3]["programmes"] == "BST" and rows[2]["problem"] == "length"
    text = out.read_bytes()
    for p in (SITI, JOKO):  # the public answer is masked, in the file too
        assert p["nik"].encode() not in text
    assert rows[0]["NIK"] == "3510********0001"


# ---- eligible --------------------------------------------------------------------------------

HOUSEHOLDS = (
    "id,nama,programs,region_kind,lost_livelihood,chronic_illness,in_dtks,islands,head.sex,members\n"
    'K1,Budi Santoso,PKH,desa,true,false,true,false,M,"[{""nik"": ""3510010101800001"", '
    '""birth_date"": ""1980-01-01""}]"\n'
    'K2,Siti Aminah,,DESA,ya,tidak,1,0,f,"[{""nik"": ""3510014501900001"", ""birth_date"": ""1950-01-05""}]"\n'
    'K3,Joko Susilo,,Desa,,false,true,false,M,"[{""nik"": ""3510011203750003"", '
    '""birth_date"": ""1975-03-12""}]"\n'
    'K4,Made Wirawan,,desa,mungkin,false,true,false,M,"[]"\n'
    'K5,Eko Prasetyo,,kelurahan,true,false,true,false,M,"[{""nik"": ""3510010905880006"", '
    '""birth_date"": ""1988-05-09""}]"\n'
)


def test_eligible_reports_priority_reasons_missing_fields_and_goes_on_past_a_bad_row(tmp_path):
    rec = tmp_path / "keluarga.csv"
    rec.write_text(HOUSEHOLDS, encoding="utf-8")
    out = tmp_path / "keputusan.xlsx"
    proc = run("eligible", "--program", "blt-dana-desa", rec, "--as-of", "2020-05-01", "--out", out)
    assert proc.returncode == 1, proc.stderr  # K4 failed; the others were decided
    assert "keluarga.csv:5" in proc.stderr and "lost_livelihood" in proc.stderr and "mungkin" not in proc.stderr
    rows = {r["id"]: r for r in sheet_dicts(read_xlsx(out)["Decisions"])}
    assert rows["K1"]["decision"] == "ineligible" and "SUDAH_MENERIMA" in rows["K1"]["reason codes"]
    assert rows["K1"]["NIK"] == BUDI["nik"] and rows["K1"]["name"] == "Budi Santoso"
    assert rows["K1"]["file"].endswith("keluarga.csv") and rows["K1"]["line"] == "2"
    assert rows["K1"]["programme"] == "blt-dana-desa"
    # Upper-case DESA and a lower-case sex are the declared values.
    assert rows["K2"]["decision"] == "eligible" and rows["K2"]["amount (Rp/month)"] == 600000
    # The rule set's priority: lost livelihood 1 + a woman at the head 1 + a member aged 60 or more 1
    assert rows["K2"]["priority"] == 3
    assert rows["K3"]["decision"] == "needs_data"
    assert rows["K3"]["missing fields"] == "kk.lost_livelihood"
    assert rows["K4"]["decision"] is None and "lost_livelihood" in rows["K4"]["problem"]
    assert rows["K5"]["decision"] == "ineligible" and rows["K5"]["reason codes"] == "BUKAN_DESA"
    assert "village" in rows["K5"]["reasons"]  # English sentence with --lang en (the locale here)


def test_eligible_messages_follow_the_language(tmp_path):
    rec = tmp_path / "k.csv"
    rec.write_text(HOUSEHOLDS, encoding="utf-8")
    out = tmp_path / "k.xlsx"
    run("eligible", "--program", "blt-dana-desa", rec, "--as-of", "2020-05-01", "--out", out, "--lang", "id")
    book = read_xlsx(out)
    assert list(book) == ["Ringkasan", "Keputusan"]
    rows = {r["id"]: r for r in sheet_dicts(book["Keputusan"])}
    assert rows["K5"]["kode alasan"] == "BUKAN_DESA" and "desa" in rows["K5"]["alasan"]
    assert rows["K3"]["keputusan"] == "needs_data" and rows["K3"]["data yang kurang"] == "kk.lost_livelihood"


def test_eligible_csv_on_standard_output(tmp_path):
    rec = tmp_path / "k.csv"
    rec.write_text(HOUSEHOLDS, encoding="utf-8")
    proc = run("eligible", "--program", "bst", rec, "--as-of", "2020-05-01")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("file,line,id,name,nik,kk,program,decision,priority,amount,reasons")
    assert ",K1,Budi Santoso," in lines[1]


def test_eligible_without_rules_and_with_an_unknown_programme(tmp_path):
    rec = tmp_path / "k.csv"
    rec.write_text(HOUSEHOLDS, encoding="utf-8")
    msg = one_line(run("eligible", rec), codes=(2,))
    assert "--program" in msg and "blt-dana-desa" in msg
    msg = one_line(run("eligible", "--program", "blt-dd", rec), codes=(2,))
    assert "blt-dd" in msg and "blt-dana-desa" in msg and "bps-14" in msg
    assert "no such file" not in msg


# ---- rules -----------------------------------------------------------------------------------


def test_rules_lists_sets_versions_and_columns(tmp_path):
    data = json.loads(ok(run("rules", "--json")).stdout)
    sets = {r["ruleset"]: r for r in data["rulesets"]}
    assert set(sets) >= {"blt-dana-desa", "bst", "jatim-bkk", "sembako-banyuwangi", "bps-14"}
    assert sets["blt-dana-desa"]["version"] == "2020.10.0"
    assert {"region_kind", "lost_livelihood", "members", "head.sex"} <= set(sets["blt-dana-desa"]["columns"])
    assert "house.floor_area_m2" in sets["bps-14"]["columns"]
    enum = [c for c in data["columns"] if c["ruleset"] == "bst" and c["column"] == "region_kind"]
    assert enum and enum[0]["values"] == "desa, kelurahan"
    out = tmp_path / "rules.xlsx"
    ok(run("rules", "--program", "bps-14", "--out", out))
    assert list(read_xlsx(out)) == ["Summary", "Rule sets", "Columns"]


# ---- nearest and assign ----------------------------------------------------------------------

HOUSES = (
    "id,name,lat,lon,capacity,occupied,open\n"
    "1,Rumah Isolasi Genteng,-8.3600,114.1500,1,0,1\n"
    "2,Rumah Isolasi Rogojampi,-8.3100,114.2900,1,0,1\n"
    "3,Rusak,abc,114.3,2,0,1\n"
    "4,Rumah Isolasi Kota,-8.2191,114.3691,1,0,1\n"
)
PATIENTS = [
    ["nama", "nik", "kk", "lat", "lon"],
    ["Budi Santoso", BUDI["nik"], BUDI["kk"], "-8.2200", "114.3600"],
    ["Siti Aminah", SITI["nik"], SITI["kk"], "-8.3000", "114.3000"],
    ["Joko Susilo", JOKO["nik"], JOKO["kk"], "8.3600", "114.1500"],  # wrong sign: outside Indonesia
    ["Made Wirawan", ROUNDED["nik"], ROUNDED["kk"], "-8.3500", "114.1600"],
    ["Eko Prasetyo", "3510010905880006", "3510010101200008", "timur", "114.1"],
]  # bad row


def test_nearest_over_a_patient_file_with_a_bad_house_row(tmp_path):
    houses = tmp_path / "rumah.csv"
    houses.write_text(HOUSES, encoding="utf-8")
    patients = write_csv(tmp_path / "pasien.csv", PATIENTS[0], PATIENTS[1:])
    out = tmp_path / "terdekat.xlsx"
    proc = run("nearest", "--houses", houses, patients, "-k", 2, "--out", out)
    assert proc.returncode == 1  # the patient on line 6 has no usable coordinates
    assert "rumah.csv:4" in proc.stderr and "house skipped" in proc.stderr  # the bad house row
    assert "pasien.csv:4" in proc.stderr and "outside Indonesia" in proc.stderr
    assert "pasien.csv:6" in proc.stderr
    book = read_xlsx(out)
    rows = sheet_dicts(book["Nearest"])
    first = [r for r in rows if r["line"] == "2"]
    assert [r["house"] for r in first] == ["4", "2"] and first[0]["house name"] == "Rumah Isolasi Kota"
    assert first[0]["name"] == "Budi Santoso" and first[0]["NIK"] == BUDI["nik"] and first[0]["KK"] == BUDI["kk"]
    assert 0.5 < first[0]["distance (km)"] < 1.5
    assert [r for r in rows if r["line"] == "4"][0]["warning"]
    problems = sheet_dicts(book["Problems"])
    assert {(p["file"].rsplit("/", 1)[-1], p["line"]) for p in problems} == {("pasien.csv", "6"), ("rumah.csv", "4")}
    summary = dict(r for r in book["Summary"] if r and len(r) == 2 and r[0])
    assert summary["house rows skipped"] == 1 and summary["isolation houses"] == 3
    # With --reserve, beds are taken in file order: three one-bed houses, four patients: one waits.
    proc = run("nearest", "--houses", houses, patients, "--reserve", "--json")
    data = json.loads(proc.stdout)
    assert data["waiting"] == 1 and [r["line"] for r in data["rows"] if r.get("house") is None] == [5]


def test_nearest_one_point_names_the_house_and_warns_far_away(tmp_path):
    houses = tmp_path / "rumah.csv"
    houses.write_text(HOUSES, encoding="utf-8")
    rows = json.loads(ok(run("nearest", "--houses", houses, -8.2191, 114.3691, "-k", 3, "--json")).stdout)
    assert [r["id"] for r in rows] == [4, 2, 1] and rows[0]["name"] == "Rumah Isolasi Kota"
    proc = ok(run("nearest", "--houses", houses, 8.2191, 114.3691))  # wrong sign: answered, with a warning
    assert "outside Indonesia" in proc.stderr
    proc = ok(run("nearest", "--houses", houses, -7.2575, 112.7521))  # Surabaya: 200 km from every house
    assert "km away" in proc.stderr


def test_assign_names_patients_houses_distances_and_who_waits(tmp_path):
    houses = tmp_path / "rumah.csv"
    houses.write_text(HOUSES, encoding="utf-8")
    patients = write_csv(tmp_path / "pasien.csv", PATIENTS[0], PATIENTS[1:])
    out = tmp_path / "penempatan.xlsx"
    proc = run("assign", "--houses", houses, patients, "--out", out, "--mode", "optimal")
    assert proc.returncode == 1 and "rumah.csv:4" in proc.stderr and "pasien.csv:6" in proc.stderr
    book = read_xlsx(out)
    assert list(book) == ["Summary", "Placements", "Waiting", "Houses", "Problems"]
    placed = sheet_dicts(book["Placements"])
    assert len(placed) == 4 and sum(1 for r in placed if r["placed"] == "yes") == 3
    waiting = sheet_dicts(book["Waiting"])
    assert len(waiting) == 1 and waiting[0]["name"] and waiting[0]["NIK"]
    for r in placed:
        if r["placed"] == "yes":
            assert r["house"] in ("1", "2", "4") and r["house name"].startswith("Rumah Isolasi")
            assert r["distance (km)"] >= 0
    houses_sheet = sheet_dicts(book["Houses"])
    assert sorted(h["house"] for h in houses_sheet) == ["1", "2", "4"]
    assert all(h["free beds"] == 0 for h in houses_sheet)


# ---- dedup -----------------------------------------------------------------------------------


def test_dedup_workbook_names_person_file_and_line(off, tmp_path):
    out = tmp_path / "laporan.xlsx"
    ok(
        run(
            "dedup",
            f"{off['pkh']}:PKH:central",
            f"{off['bst']}:BST:central",
            "--exclusions",
            off["exclusions"],
            "--out",
            out,
        )
    )
    book = read_xlsx(out)
    overlaps = sheet_dicts(book["Overlaps"])
    siti = [r for r in overlaps if r["NIK"] == SITI["nik"]]
    assert {(r["programme"], r["file"].rsplit("/", 1)[-1], r["line"]) for r in siti} == {
        ("PKH", "pkh.csv", "3"),
        ("BST", "bst.csv", "4"),
    }
    assert all(r["name"] == "Siti Aminah" and r["KK"] == SITI["kk"] for r in siti)
    lists = sheet_dicts(book["Lists"])
    assert [(r["programme"], r["loaded"]) for r in lists] == [("PKH", 2), ("BST", 4)]
    dups = sheet_dicts(book["Duplicates"])
    assert [(r["NIK"], r["line"], r["count"]) for r in dups] == [(ROUNDED["nik"], "3", 2), (ROUNDED["nik"], "5", 2)]
    # PKH and BST exclude each other per household: Siti's household holds both
    excl = sheet_dicts(book["Exclusion violations"])
    assert {(r["programme"], r["line"]) for r in excl} == {("PKH", "3"), ("BST", "4")}
    # A folder as --out: the workbook and the machine-readable report.json in it.
    folder = tmp_path / "laporan"
    ok(run("dedup", f"{off['pkh']}:PKH:central", f"{off['bst']}:BST:central", "--out", f"{folder}/"))
    assert {p.name for p in folder.iterdir()} == {"dedup.xlsx", "report.json"}


def test_a_workbook_as_input_keeps_sheet_rows_as_lines(tmp_path):
    import openpyxl

    houses = tmp_path / "rumah.csv"
    houses.write_text(HOUSES, encoding="utf-8")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(PATIENTS[0])
    ws.append([])  # an empty row: skipped, the line numbers stay the sheet's
    for row in PATIENTS[1:3]:
        ws.append(row[:3] + [float(row[3]), float(row[4])])
    for row in ws.iter_rows(min_row=3):
        row[1].number_format = row[2].number_format = "@"
    book.save(tmp_path / "pasien.xlsx")
    data = json.loads(ok(run("nearest", "--houses", houses, tmp_path / "pasien.xlsx", "--json")).stdout)
    assert [(r["line"], r["name"], r["nik"]) for r in data["rows"]] == [
        (3, "Budi Santoso", BUDI["nik"]),
        (4, "Siti Aminah", SITI["nik"]),
    ]
