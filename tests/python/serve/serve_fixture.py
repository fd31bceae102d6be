"""What the service's tests share: a small district on disk (a signed registry from the
synthetic sample, a certificate store with a valid, a suspended and a revoked place,
isolation houses, an officer and an auditor) and a real server process on a free port,
its log kept in a file for the log scans."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

import smartkampung as sk

WIB = dt.timezone(dt.timedelta(hours=7))
OFFICER = ("siti", "kata-sandi-petugas-1")
AUDITOR = ("budi", "kata-sandi-auditor-1")


@dataclass
class District:
    dir: pathlib.Path
    registry: pathlib.Path
    certs: pathlib.Path
    houses: pathlib.Path
    pub: pathlib.Path
    key: pathlib.Path
    found_nik: str  # in the lists
    found_programs: list[str]
    new_niks: list[str]  # valid, in no list: for reports
    persons: dict = field(default_factory=dict)  # the sample's ground truth (for the log scans)
    places: dict = field(default_factory=dict)  # valid / suspended / revoked -> business id


def fresh_niks(reg, count: int, start: int = 1) -> list[str]:
    """Valid NIKs in no list (district 351001, women born 1990-1999)."""
    out, serial = [], start
    while len(out) < count:
        day = 41 + serial % 28
        nik = f"351001{day:02d}{1 + serial % 12:02d}9{serial % 10}{1000 + serial % 9000:04d}"
        serial += 1
        if sk.is_valid_nik(nik) and not reg.public_check(nik)["found"] and nik not in out:
            out.append(nik)
    return out


def make_district(root: pathlib.Path, persons: int = 2000, seed: int = 7) -> District:
    root.mkdir(parents=True, exist_ok=True)
    sample = sk.sample.banyuwangi(persons, seed=seed)
    reg, _ = sk.sample.to_registry(sample)
    sk.cert.generate_key(root / "keys")
    key = sk.SigningKey.load(str(root / "keys" / "district.key"))
    reg.save(str(root / "registry.skr"), key=key)
    found = next(str(n) for n in sample.persons["nik"] if reg.public_check(str(n))["found"])
    now = dt.datetime.now(WIB).replace(microsecond=0)
    certs = sk.CertificateRegistry()
    spots = [
        (1, "Warung Osing Kemiren", "warung", -8.2192, 114.3691, "Kemiren"),
        (2, "Kafe Gandrung", "cafe", -8.2150, 114.3700, "Kemiren"),
        (3, "Homestay Ijen Asri", "homestay", -8.2100, 114.3600, "Tamansari"),
    ]
    for id, name, cat, lat, lon, zone in spots:
        certs.add_business(id, name, cat, lat, lon, 40, zone=zone)
        certs.apply(id, now - dt.timedelta(days=10))
        certs.audit(id, now - dt.timedelta(days=9), True)
        certs.issue(id, now - dt.timedelta(days=8))
    certs.suspend(2, now - dt.timedelta(days=1), "no hand-washing station")
    certs.revoke(3, now - dt.timedelta(hours=5), "repeated violations")
    certs.save(str(root / "certs.jsonl"), key=key)
    houses = root / "houses.csv"
    houses.write_text(
        "id,name,lat,lon,capacity,occupied\n"
        "11,Rumah Isolasi Kemiren,-8.2200,114.3650,2,0\n"
        "12,Rumah Isolasi Glagah,-8.2300,114.3500,3,3\n"
        "13,Rumah Isolasi Licin,-8.2500,114.3000,4,1\n",
        encoding="utf-8",
    )
    d = District(
        root,
        root / "registry.skr",
        root / "certs.jsonl",
        houses,
        root / "keys" / "district.pub",
        root / "keys" / "district.key",
        found,
        reg.public_check(found)["programs"],
        fresh_niks(reg, 400),
        sample.persons,
        {"valid": 1, "suspended": 2, "revoked": 3},
    )
    for name, password in (OFFICER, AUDITOR):
        role = "officer" if name == OFFICER[0] else "auditor"
        run_cli("serve", "--data", str(root / "data"), "--add-user", name, "--role", role, input=password + "\n")
    return d


def sticker(d: District, id: int) -> str:
    certs = sk.CertificateRegistry.load(str(d.certs), public_keys=[str(d.pub)])
    return certs.sticker(id, key=str(d.key), at=dt.datetime.now(WIB) - dt.timedelta(days=2))


def run_cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", *args], input=input, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``smartkampung serve`` as a child process; its standard error is the log file."""

    def __init__(self, d: District, *extra: str, log_name: str = "server.log"):
        self.d, self.extra = d, list(extra)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = d.dir / log_name
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> "Server":
        cmd = [
            sys.executable,
            "-m",
            "smartkampung",
            "serve",
            "--registry",
            str(self.d.registry),
            "--certs",
            str(self.d.certs),
            "--houses",
            str(self.d.houses),
            "--data",
            str(self.d.dir / "data"),
            "--pub",
            str(self.d.pub),
            "--port",
            str(self.port),
            *self.extra,
        ]
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=logf, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        logf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not start: " + self.log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    # ------------------------------------------------------------------ a tiny client

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None, source: str | None = None
    ) -> tuple[int, dict, dict]:
        """(status, headers, JSON body or {'text': ...}); ``source`` binds the client's address
        (any 127.x.y.z is this machine) to act as another client."""
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(source, 0) if source else None
        )
        data = json.dumps(body).encode() if body is not None else None
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        try:
            payload = (
                json.loads(raw)
                if hdrs.get("content-type", "").startswith("application/json")
                else {"text": raw.decode("utf-8", "replace")}
            )
        except ValueError:
            payload = {"text": raw.decode("utf-8", "replace")}
        return r.status, hdrs, payload
