"""The command-line tool, run as a user would: a subprocess per command, on the
sample data, with good and bad files, checking exit codes and messages."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from conftest import assert_no_nik, personal_files

PERSONS = 3000


def run(*args, cwd=None, check_code=None):
    personal_files(args)  # the names, birth dates and numbers in the files fed in
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    if check_code is not None:
        assert proc.returncode == check_code, (proc.returncode, proc.stdout, proc.stderr)
    assert_no_nik(proc.stderr, "CLI error")  # the message scan, for the CLI
    return proc


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    proc = run("demo", "--persons", PERSONS, "--workdir", d, check_code=0)
    for title in (
        "NIK",
        "Programme lists",
        "Online reports",
        "Linking",
        "Eligibility",
        "isolation house",
        "certificates",
    ):
        assert title in proc.stdout, title
    assert "Traceback" not in proc.stderr
    return d


def no_traceback(proc):
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr  # one line for a user error
    return lines[0]


def test_help_of_every_command_has_an_example():
    for cmd in ("demo", "nik", "dedup", "check", "eligible", "nearest", "assign", "cert"):
        out = run(cmd, "--help", check_code=0).stdout
        assert "Example:" in out and f"smartkampung {cmd}" in out, cmd


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("nosuchcommand").returncode == 2
    assert run("nearest", "--houses").returncode == 2


def test_demo_json_is_machine_readable(tmp_path):
    proc = run("demo", "--persons", 1500, "--json", check_code=0)
    summary = json.loads(proc.stdout[proc.stdout.index("\n{") + 1 :])
    assert summary["registry"]["unique_persons"] > 0
    assert summary["cert"]["reload_ok"] is True
    assert set(summary["rules"]) >= {"blt-dana-desa", "bst", "jatim-bkk", "sembako-banyuwangi", "bps-14"}


def test_demo_is_deterministic_for_a_seed():
    a = run("demo", "--persons", 1500, "--json", check_code=0).stdout
    b = run("demo", "--persons", 1500, "--json", check_code=0).stdout
    strip = lambda s: json.loads(s[s.index("\n{") + 1 :]) | {"seconds": None}  # noqa: E731
    assert strip(a) == strip(b)


def test_nik_masks_and_reports_reasons():
    proc = run("nik", "3510014501900001", "3.51001E+15", "--as-of", "2020-05-01", "--json", check_code=0)
    rows = json.loads(proc.stdout)
    assert rows[0]["nik"] == "3510********0001" and rows[0]["district_name"] == "Pesanggaran"
    assert rows[1]["reason"] == "scientific_notation"
    assert "3510014501900001" not in proc.stdout
    assert run("nik", "123", "--strict").returncode == 1


def test_dedup_writes_reports_and_check_reads_the_saved_registry(work, tmp_path):
    out = tmp_path / "report"
    saved = tmp_path / "reg.skr"
    proc = run(
        "dedup",
        f"{work}/PKH.csv:PKH:central",
        f"{work}/BST.csv:BST:central",
        f"{work}/SEMBAKO_BWI.csv:SEMBAKO_BWI:regency",
        "--out",
        out,
        "--save",
        saved,
        "--json",
        check_code=0,
    )
    data = json.loads(proc.stdout)
    assert data["summary"]["unique_persons"] > 0
    assert {p.name for p in out.iterdir()} == {"report.json", "dedup.xlsx"}  # a folder: workbook + JSON
    fuzzy = json.loads(
        run(
            "dedup", f"{work}/PKH.csv:PKH:central", f"{work}/BST.csv:BST:central", "--fuzzy", "--json", check_code=0
        ).stdout
    )
    assert "likely_duplicates_across_niks" in fuzzy["summary"]
    json.loads((out / "report.json").read_text())
    # A NIK from the PKH list is found, masked; an unknown valid NIK is not.
    header, first = (work / "PKH.csv").read_text(encoding="utf-8-sig").splitlines()[:2]
    delim = ";" if header.count(";") > header.count(",") else ","
    nik = first.split(delim)[[h.strip().lower() for h in header.split(delim)].index("nik")].strip("'\"")
    ans = json.loads(run("check", nik, "--registry", saved, "--json", check_code=0).stdout)
    assert ans["found"] and "PKH" in ans["programs"] and ans["nik"] == nik[:4] + "*" * 8 + nik[-4:]
    assert nik not in json.dumps(ans)
    unknown = json.loads(run("check", "3510010101010001", "--registry", saved, "--json", check_code=0).stdout)
    assert unknown == {"nik": "3510********0001", "name": None, "programs": [], "found": False}


def test_dedup_bad_inputs(work, tmp_path):
    msg = no_traceback(run("dedup", f"{tmp_path}/missing.csv:PKH:central", check_code=1))
    assert "missing.csv" in msg
    msg = no_traceback(run("dedup", f"{work}/PKH.csv:PKH:national", check_code=1))
    assert "level" in msg
    msg = no_traceback(run("dedup", f"{work}/PKH.csv", check_code=1))
    assert "FILE:PROGRAM:LEVEL" in msg
    # A broken row is rejected with its line; the load still succeeds.
    bad = tmp_path / "bad.csv"
    bad.write_text('nik,nama\n3510014501900001,Siti\n"3510014501900002,Unterminated\n', encoding="utf-8")
    proc = run("dedup", f"{bad}:PKH:central", check_code=0)
    assert "line 3" in proc.stdout


def test_check_bad_nik_and_missing_registry(work, tmp_path):
    msg = no_traceback(run("check", "123", "--registry", tmp_path / "none.skr", check_code=1))
    assert "none.skr" in msg
    saved = tmp_path / "r.skr"
    run("dedup", f"{work}/PKH.csv:PKH:central", "--save", saved, check_code=0)
    msg = no_traceback(run("check", "123", "--registry", saved, check_code=1))
    assert "length" in msg


def test_eligible_decisions_and_bad_rows(tmp_path):
    rec = tmp_path / "hh.csv"
    rec.write_text(
        "id,programs,region_kind,lost_livelihood,chronic_illness,in_dtks,islands,head.sex,members\n"
        'K1,PKH,desa,true,false,true,false,M,"[{""nik"": ""3510014501900001"", ""birth_date"": ""1990-01-05""}]"\n'
        'K2,,desa,ya,tidak,1,0,F,"[{""nik"": ""3510014501900001"", ""birth_date"": ""1950-01-05""}]"\n'
        "K3,,kelurahan,,false,true,false,F,[]\n",
        encoding="utf-8",
    )
    proc = run("eligible", "--program", "blt-dana-desa", rec, "--as-of", "2020-05-01", check_code=0)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [(r["line"], r["id"], r["decision"], r["amount"]) for r in rows] == [
        ("2", "K1", "ineligible", "0"),
        ("3", "K2", "eligible", "600000"),
        ("4", "K3", "ineligible", "0"),
    ]
    assert rows[0]["reasons"].startswith("SUDAH_MENERIMA") and "BUKAN_DESA" in rows[2]["reasons"]
    assert rows[0]["nik"] == "3510014501900001" and rows[0]["program"] == "blt-dana-desa"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,region_kind,lost_livelihood\nK1,desa,maybe\n", encoding="utf-8")
    msg = no_traceback(run("eligible", "--program", "bst", bad, check_code=1))
    assert "bad.csv:2" in msg and "lost_livelihood" in msg
    msg = no_traceback(run("eligible", "--rules", tmp_path / "nope.json", rec, check_code=1))
    assert "nope.json" in msg
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "skamp-rules/1", "rules": [', encoding="utf-8")
    msg = no_traceback(run("eligible", "--rules", broken, rec, check_code=1))
    assert msg.startswith("smartkampung eligible: error:")


def test_nearest_and_assign(work, tmp_path):
    proc = run("nearest", "--houses", work / "houses.csv", -8.2191, 114.3691, "-k", 3, "--json", check_code=0)
    rows = json.loads(proc.stdout)
    assert len(rows) == 3 and rows == sorted(rows, key=lambda r: (r["distance_m"], r["id"]))
    res = tmp_path / "res.csv"
    res.write_text("lat,lon\n-8.3,114.2\n-8.4,114.1\n-8.25,114.35\n", encoding="utf-8")
    out = tmp_path / "placed.csv"
    data = json.loads(run("assign", "--houses", work / "houses.csv", res, "--out", out, "--json", check_code=0).stdout)
    assert data["placed"] == 3 and data["unplaced"] == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 4
    # One bad house row is reported and skipped; the others answer.
    bad = tmp_path / "badh.csv"
    bad.write_text("id,lat,lon,capacity\n1,-8.2,114.3,5\n2,nan,114.3,5\n", encoding="utf-8")
    proc = run("nearest", "--houses", bad, -8.2, 114.3, "--json", check_code=0)
    assert "badh.csv:3" in no_traceback(proc) and [r["id"] for r in json.loads(proc.stdout)] == [1]
    badres = tmp_path / "badres.csv"
    badres.write_text("lat,lon\n-8.3,east\n", encoding="utf-8")
    msg = no_traceback(run("assign", "--houses", work / "houses.csv", badres, check_code=1))
    assert "badres.csv:2" in msg and "lon" in msg


def test_cert_lifecycle_through_the_store(tmp_path):
    s = tmp_path / "certs.jsonl"

    def cert(*a, code=0):
        return run("cert", *a, "--store", s, "--id", 7, "--json", check_code=code)

    assert (
        json.loads(
            cert(
                "register",
                "--name",
                "Warung Bu Sri",
                "--category",
                "warung",
                "--lat",
                "-8.2191",
                "--lon",
                "114.3691",
                "--capacity",
                50,
                "--at",
                "2020-06-01T09:00",
            ).stdout
        )["status"]
        == "none"
    )
    cert("apply", "--at", "2020-06-02T09:00")
    assert json.loads(cert("audit", "--result", "fail", "--at", "2020-06-05T09:00").stdout)["status"] == "under_audit"
    cert("audit", "--at", "2020-06-09T09:00")
    assert json.loads(cert("issue", "--at", "2020-06-10T09:00").stdout)["status"] == "active"
    st = json.loads(cert("status", "--at", "2020-06-20T14:00").stdout)
    assert st["status"] == "active" and st["max_visitors"] > 0
    assert json.loads(cert("checkin", "-n", 1, "--at", "2020-06-20T14:00").stdout)["admitted"] is True
    # Issuing again is not allowed: a one-line error, exit 1, and the store is unchanged.
    before = s.read_bytes()
    msg = no_traceback(run("cert", "issue", "--store", s, "--id", 7, "--at", "2020-06-11T09:00", check_code=1))
    assert "not allowed" in msg
    assert s.read_bytes() == before
    assert json.loads(cert("violate", "--at", "2020-06-21T09:00").stdout)["status"] == "suspended"
    hist = json.loads(cert("history").stdout)
    assert [e["type"] for e in hist][:3] == ["registered", "applied", "audited"]
    msg = no_traceback(run("cert", "status", "--store", tmp_path / "none.jsonl", "--id", 1, check_code=1))
    assert "none.jsonl" in msg
    # A tampered store is refused with the position of the bad event.
    lines = s.read_text().splitlines()
    lines[2], lines[3] = lines[3], lines[2]  # two events reordered
    s.write_text("\n".join(lines) + "\n")
    msg = no_traceback(run("cert", "status", "--store", s, "--id", 7, check_code=1))
    assert "event" in msg
