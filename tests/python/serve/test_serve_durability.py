"""Issue 23: no report answered "accepted" is lost when the server is killed (kill -9)
during a burst; and no line of the service's log holds a full NIK or a name, whatever the
clients send (pages, API, errors, rate limits, logins, unknown paths)."""

import http.client
import json
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import assert_no_nik, personal
from serve_fixture import Server, make_district, sticker


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    return make_district(tmp_path_factory.mktemp("district"))


def test_kill_9_during_a_burst_loses_no_accepted_report(district):
    server = Server(district, "--report-limit", "0", "--no-access-log", log_name="crash.log").start()
    accepted: list[tuple[str, int]] = []
    answered_other: list[str] = []
    lock = threading.Lock()
    niks = iter(district.new_niks)
    kill_after = 60

    def client(n: int) -> None:
        while True:
            with lock:
                nik = next(niks, None)
            if nik is None:
                return
            try:
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
                body = json.dumps({"nik": nik, "name": f"Warga Uji {n}"})
                conn.request("POST", "/api/v1/reports", body=body, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                out = json.loads(r.read())
                conn.close()
            except (OSError, http.client.HTTPException, ValueError):
                return  # the server is gone: this report was never answered
            with lock:
                if out.get("accepted"):
                    accepted.append((nik, out["report_id"]))
                else:
                    answered_other.append(out.get("reason"))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(accepted) < kill_after and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill9()  # mid-burst: clients are still sending
    for t in threads:
        t.join()
    assert len(accepted) >= kill_after and not answered_other, answered_other
    assert len(accepted) < len(district.new_niks), "the burst ended before the kill"

    db = sqlite3.connect(district.dir / "data" / "smartkampung-serve.sqlite3")
    stored = {json.loads(rec)["nik"]: rid for rid, rec in db.execute("SELECT id, record FROM reports")}
    db.close()
    missing = [rid for nik, rid in accepted if stored.get(nik) != rid]
    assert not missing, f"{len(missing)} accepted reports lost"

    # after a restart the queue is replayed: each accepted NIK is now a duplicate
    again = Server(district, "--report-limit", "0", log_name="crash-restart.log").start()
    try:
        for nik, _ in accepted[:: max(1, len(accepted) // 20)]:
            status, _, out = again.request("POST", "/api/v1/reports", {"nik": nik, "name": "Warga Uji"})
            assert out["reason"] == "duplicate_report"
    finally:
        again.stop()
    assert "reports replayed" in again.log_text()


def _form_post(server, path, fields, cookie_jar):
    """A browser's form POST: the page first (for the CSRF cookie and field), then the form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookie_jar))
    with opener.open(server.url + path, timeout=10) as r:
        page = r.read().decode()
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    data = urllib.parse.urlencode({**fields, "csrf": token}).encode()
    try:
        with opener.open(urllib.request.Request(server.url + path, data=data), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_no_log_line_holds_a_nik_or_a_name(district):
    import http.cookiejar

    server = Server(district, "--check-limit", "5", "--report-limit", "3", log_name="privacy.log").start()
    try:
        jar = http.cookiejar.CookieJar()
        people = [
            {"nik": district.new_niks[i], "name": name, "kk": "3510010101200009", "birth_date": "1991-02-03"}
            for i, name in enumerate(
                ["Sri Wahyuningsih", "Bambang Suprapto", "Yulianti Rahayu", "Muhammad Ridwan", "Kadek Ayu Paramitha"],
                start=200,
            )
        ]
        personal(people, district.found_nik)
        personal([str(n) for n in district.persons["nik"][:50]], [str(n) for n in district.persons["name"][:50]])
        for p in people:
            _form_post(server, "/id/lapor", p, jar)
            server.request("POST", "/api/v1/reports", p)
            server.request("POST", "/api/v1/reports", {**p, "birth_date": "31/02/1991"})  # invalid_record
            _form_post(server, "/en/cek", {"nik": p["nik"]}, jar)
            server.request("POST", "/api/v1/check", {"nik": p["nik"] + "9"})
            server.request("POST", "/api/v1/check", {"nik": p["name"]})
            server.request("GET", "/id/" + urllib.parse.quote(p["name"]) + "/" + p["nik"])  # 404
            server.request("POST", "/api/v1/login", {"user": p["name"], "password": p["nik"]})
        for n in district.persons["nik"][:50]:  # an enumeration: limited, and logged
            server.request("POST", "/api/v1/check", {"nik": str(n)})
        server.request("POST", "/api/v1/check", {"nik": district.found_nik})
        raw = b'{"nik": "' + district.found_nik.encode() + b'", "name": "Sri Wahyuningsih"'  # broken JSON
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("POST", "/api/v1/reports", body=raw, headers={"Content-Type": "application/json"})
        assert conn.getresponse().status == 422
        conn.close()
        server.request("POST", "/api/v1/stickers/verify", {"text": sticker(district, 1)})
    finally:
        server.stop()
    text = server.log_text()
    assert "rate limit: check" in text and "rate limit: report" in text and "login failed" in text
    assert "report: accepted" in text and "POST /{lang}/cek 200" in text and "GET (no route) 404" in text
    for line in text.splitlines():
        assert_no_nik(line, "log line")
