"""Issue 23: the service's JSON API and guards, against a real server process: masked
public check, report intake (stored, duplicates refused across a reload), certified
places and sticker checks against sk.cert.verify, officer login, roles, CSRF, the audit
log, rate limits visible in the log, security headers, the OpenAPI document, registry
reload without downtime."""

import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

import smartkampung as sk
from conftest import assert_no_nik, personal
from serve_fixture import AUDITOR, OFFICER, Server, make_district, sticker


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    return make_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module")
def server(district):
    s = Server(district, "--check-limit", "20", "--report-limit", "1000", "--rate-exempt", "127.0.0.1/32").start()
    yield s
    s.stop()


def login(server, who):
    status, headers, body = server.request("POST", "/api/v1/login", {"user": who[0], "password": who[1]})
    assert status == 200, body
    cookie = re.search(r"sk_session=([^;]+)", headers["set-cookie"]).group(1)
    return {"Cookie": f"sk_session={cookie}", "X-CSRF-Token": body["csrf_token"]}


def test_import_smartkampung_does_not_import_starlette():
    code = (
        "import sys, smartkampung, smartkampung.cli; print(any(m.split('.')[0] in ('starlette', 'uvicorn') "
        "for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_public_check_is_the_librarys_masked_answer(district, server):
    reg = sk.Registry.load(str(district.registry), public_keys=[str(district.pub)])
    for nik in [district.found_nik] + district.new_niks[:3] + [str(n) for n in district.persons["nik"][:40]]:
        status, _, body = server.request("POST", "/api/v1/check", {"nik": nik})
        assert status == 200
        assert body == reg.public_check(nik)
        assert nik not in json.dumps(body)
    status, _, body = server.request("POST", "/api/v1/check", {"nik": district.found_nik})
    assert body["found"] and body["programs"] == district.found_programs and body["nik"].count("*") == 8
    for bad, reason in (
        ("123", "length"),
        ("35100145019O0001", "non_digit"),
        ("3.51001E+15", "scientific_notation"),
        ("9910014501900001", "province"),
        ("", "missing"),
    ):
        status, _, body = server.request("POST", "/api/v1/check", {"nik": bad})
        assert (status, body) == (422, {"error": "invalid_nik", "reason": reason})
    assert server.request("POST", "/api/v1/check", {"nik": 3510014501900001})[0] == 422
    assert server.request("POST", "/api/v1/check", {"nik": "1" * 100})[0] == 422


def test_reports_accepted_stored_and_refused_with_reasons(district, server):
    nik = district.new_niks[0]
    record = {"nik": nik, "name": "Sri Wahyuni", "kk": "3510010101200002", "birth_date": "1990-01-05", "sex": "P"}
    personal(record)
    status, _, out = server.request("POST", "/api/v1/reports", record)
    assert status == 201 and out["accepted"] and out["reason"] == "accepted" and out["queue_position"] >= 1
    row = (
        sqlite3.connect(district.dir / "data" / "smartkampung-serve.sqlite3")
        .execute("SELECT record FROM reports WHERE id = ?", (out["report_id"],))
        .fetchone()
    )
    assert json.loads(row[0])["nik"] == nik
    status, _, again = server.request("POST", "/api/v1/reports", record)
    assert status == 200 and not again["accepted"] and again["reason"] == "duplicate_report"
    status, _, enrolled = server.request("POST", "/api/v1/reports", {"nik": district.found_nik, "name": "X Y"})
    assert enrolled["reason"] == "already_enrolled" and enrolled["programs"] == district.found_programs
    status, _, invalid = server.request("POST", "/api/v1/reports", {"nik": "123", "name": "Sri"})
    assert invalid["reason"] == "invalid_nik"
    status, _, unknown = server.request(
        "POST", "/api/v1/reports", {"nik": district.new_niks[1], "name": "A", "program": "NO_SUCH"}
    )
    assert (status, unknown) == (422, {"error": "bad_input", "field": "program"})
    assert server.request("POST", "/api/v1/reports", {"nik": district.new_niks[1], "name": "x" * 500})[0] == 422


def test_places_and_sticker_checks_follow_the_store(district, server):
    status, _, body = server.request("GET", "/api/v1/places?zone=kemiren")
    assert status == 200 and [p["id"] for p in body["places"]] == [1]  # 2 is suspended
    status, _, body = server.request("GET", "/api/v1/places?lat=-8.2192&lon=114.3691&radius=3000")
    near = body["places"]
    assert [p["id"] for p in near] == [1] and near[0]["distance_m"] < 1 and near[0]["status"] == "active"
    assert server.request("GET", "/api/v1/places?lat=-95&lon=114")[0] == 422
    assert server.request("GET", "/api/v1/places/2")[2]["status"] == "suspended"
    assert server.request("GET", "/api/v1/places/99")[0] == 404
    text = sticker(district, 1)
    status, _, v = server.request("POST", "/api/v1/stickers/verify", {"text": text, "place_id": 1})
    lib = sk.cert.verify(text, [str(district.pub)])
    assert v["genuine"] is lib["genuine"] is True and v["valid"] is lib["valid"] is True
    assert v["certificate"] == lib["certificate_id"] and v["matches_place"] is True
    # a sticker of place 1 shown at place 3 is not this place's
    assert server.request("POST", "/api/v1/stickers/verify", {"text": text, "place_id": 3})[2]["valid"] is False
    # suspended since the sticker was printed: genuine, not valid (the store is newer than any list)
    v2 = server.request("POST", "/api/v1/stickers/verify", {"text": sticker(district, 2)})[2]
    assert v2["genuine"] and not v2["valid"] and v2["status"] == "suspended"
    forged = text[:-6] + ("A" if text[-6] != "A" else "B") + text[-5:]
    v3 = server.request("POST", "/api/v1/stickers/verify", {"text": forged})[2]
    assert v3["genuine"] is False and v3["valid"] is False


def test_officers_roles_csrf_and_the_audit_log(district, server):
    assert server.request("GET", "/api/v1/houses/nearest?lat=-8.22&lon=114.36")[0] == 401
    assert server.request("POST", "/api/v1/login", {"user": OFFICER[0], "password": "wrong-password"})[0] == 401
    officer, auditor = login(server, OFFICER), login(server, AUDITOR)
    status, _, near = server.request("GET", "/api/v1/houses/nearest?lat=-8.2200&lon=114.3650", headers=officer)
    assert status == 200 and [h["id"] for h in near["houses"]] == [11, 13]  # 12 is full
    ask = {"lat": -8.2200, "lon": 114.3650, "patient_ref": "KASUS-001"}
    no_csrf = {"Cookie": officer["Cookie"]}
    assert server.request("POST", "/api/v1/reservations", ask, headers=no_csrf)[0] == 403
    assert server.request("POST", "/api/v1/reservations", ask, headers=auditor)[0] == 403
    status, _, got = server.request("POST", "/api/v1/reservations", ask, headers=officer)
    assert status == 201 and got["house_id"] == 11 and got["free_beds"] == 1
    status, _, log = server.request("GET", "/api/v1/audit", headers=auditor)
    mine = [
        e for e in log["entries"] if e["action"] == "reserve_bed" and e["target"] == f"reservation:{got['reservation']}"
    ]
    assert len(mine) == 1 and mine[0]["actor"] == OFFICER[0] and mine[0]["detail"]["house_id"] == 11
    assert any(e["action"] == "login_failed" for e in log["entries"])
    rid = got["reservation"]
    assert server.request("POST", f"/api/v1/reservations/{rid}/check-in", {}, headers=officer)[0] == 200
    assert server.request("POST", f"/api/v1/reservations/{rid}/release", {}, headers=officer)[0] == 200
    assert server.request("POST", f"/api/v1/reservations/{rid}/release", {}, headers=officer)[0] == 422
    actions = [e["action"] for e in server.request("GET", "/api/v1/audit", headers=officer)[2]["entries"]]
    assert actions[:3] == ["release_bed", "check_in", "reserve_bed"]


def test_rate_limit_refuses_an_enumerating_client_and_says_so_in_the_log(district, server):
    before = server.log_text()
    codes = [
        server.request("POST", "/api/v1/check", {"nik": nik}, source="127.0.0.9")[0]
        for nik in district.new_niks[100:160]
    ]
    assert codes[:20] == [200] * 20 and codes.count(429) >= 35
    # the exempt address (the load test's) is not limited
    assert all(server.request("POST", "/api/v1/check", {"nik": n})[0] == 200 for n in district.new_niks[160:200])
    new = server.log_text()[len(before) :]
    lines = [ln for ln in new.splitlines() if "rate limit: check" in ln]
    assert lines and re.search(
        r"client c-[0-9a-f]{10} refused \(\d+ refused so far, \d+ distinct NIKs asked\)", lines[0]
    )
    assert "127.0.0.9" not in new
    personal(district.new_niks[100:200])
    assert_no_nik(new, "log")


def test_forms_need_the_csrf_token_and_pages_carry_security_headers(server):
    status, headers, _ = server.request("GET", "/id/cek")
    assert status == 200
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=strict" in headers["set-cookie"]
    import urllib.error
    import urllib.request

    cookie = re.search(r"sk_csrf=([^;]+)", headers["set-cookie"]).group(1)
    token = re.search(
        r'name="csrf" value="([0-9a-f]+)"',
        server.request("GET", "/id/cek", headers={"Cookie": f"sk_csrf={cookie}"})[2]["text"],
    ).group(1)
    for field, sent_cookie in (("", cookie), (f"&csrf={token}", "x" * 43), (f"&csrf={'0' * 64}", cookie)):
        req = urllib.request.Request(
            server.url + "/id/cek", data=f"nik=123{field}".encode(), headers={"Cookie": f"sk_csrf={sent_cookie}"}
        )
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        assert e.value.code == 403
    req = urllib.request.Request(
        server.url + "/id/cek", data=f"nik=123&csrf={token}".encode(), headers={"Cookie": f"sk_csrf={cookie}"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200 and 'data-reason="length"' in r.read().decode()
    conn_status = server.request("POST", "/api/v1/check", None, headers={"Content-Type": "text/plain"})[0]
    assert conn_status in (411, 415)


def test_openapi_documents_every_api_route(server):
    from smartkampung.serve import api

    status, _, doc = server.request("GET", "/api/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    documented = {p for p in doc["paths"]}
    routed = {
        re.sub(r"\{(\w+)(:int)?\}", lambda m: "{id}" if m.group(1) in ("id", "rid") else "{" + m.group(1) + "}", r.path)
        for r in api.routes()
        if r.path.startswith("/api/v1/")
    }
    assert documented == routed


def test_reload_without_downtime_keeps_reports_and_reservations(district, server, tmp_path):
    # a new registry in which a reported person is now enrolled
    reg = sk.Registry.load(str(district.registry), public_keys=[str(district.pub)])
    newcomer = district.new_niks[300]
    personal(newcomer)
    reg.add_records([{"nik": newcomer, "name": "Dewi Lestari"}], program="BST", level="central")
    status, _, out = server.request("POST", "/api/v1/reports", {"nik": district.new_niks[301], "name": "Rina"})
    assert out["accepted"]
    answers, stop = [], threading.Event()

    def hammer():
        while not stop.is_set():
            answers.append(server.request("POST", "/api/v1/check", {"nik": district.found_nik})[0])

    t = threading.Thread(target=hammer)
    t.start()
    try:
        reg.save(str(district.registry), key=str(district.key))
        officer = login(server, OFFICER)
        status, _, body = server.request("POST", "/api/v1/admin/reload", {}, headers=officer)
        assert status == 200 and body["replayed_reports"] >= 1
    finally:
        stop.set()
        t.join()
    assert answers and set(answers) == {200}
    assert server.request("POST", "/api/v1/check", {"nik": newcomer})[2]["programs"] == ["BST"]
    # reports stored before the reload are still known to the new registry's queue
    again = server.request("POST", "/api/v1/reports", {"nik": district.new_niks[301], "name": "Rina"})[2]
    assert again["reason"] == "duplicate_report"
    # a broken file is refused and the old snapshot keeps answering
    district.registry.write_bytes(b"SKAMPREG garbage")
    assert server.request("POST", "/api/v1/admin/reload", {}, headers=officer)[0] == 500
    assert server.request("POST", "/api/v1/check", {"nik": newcomer})[2]["programs"] == ["BST"]
    reg.save(str(district.registry), key=str(district.key))
    # SIGHUP (systemctl reload) reloads too
    loads = server.log_text().count("sources loaded")
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while server.log_text().count("sources loaded") == loads and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.log_text().count("sources loaded") == loads + 1
    assert server.request("POST", "/api/v1/check", {"nik": newcomer})[2]["programs"] == ["BST"]
