"""Issue 19: certificates you can trust. A store that many processes and threads can
write, signed history (Ed25519), the visitor's sticker (signed credential, QR code) and the
signed status list, and the CLI around them, tried as a user and as an attacker would."""

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import threading

import pytest

import smartkampung as sk
from conftest import program_env

WIB = dt.timezone(dt.timedelta(hours=7))
# Trials of the many-process test; bench/cert_concurrency.sh runs more.
TRIALS = int(os.environ.get("SKAMP_CERT_TRIALS", "5"))
PROCESSES = 10


def wib(*a):
    return dt.datetime(*a, tzinfo=WIB)


def cli(*args, env=None):
    e = os.environ.copy()
    e.pop("SMARTKAMPUNG_KEY", None)
    e.pop("SMARTKAMPUNG_PUB", None)
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "smartkampung", *map(str, args)], capture_output=True, text=True, env=e, timeout=300
    )


def ok(proc, code=0):
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def one_line_error(proc):
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def certified(reg, id=1, capacity=40, name="Warung Osing"):
    reg.add_business(id, name, "warung", -8.2192, 114.3691, capacity, at=wib(2020, 6, 30))
    reg.apply(id, wib(2020, 7, 1, 9))
    reg.audit(id, wib(2020, 7, 3, 9), passed=True)
    return reg.issue(id, wib(2020, 7, 6, 9))


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    pub = sk.cert.generate_key(d / "a")
    other = sk.cert.generate_key(d / "b")
    return {
        "dir": d,
        "key": d / "a" / "district.key",
        "pub": d / "a" / "district.pub",
        "id": pub.key_id,
        "other_key": d / "b" / "district.key",
        "other_pub": d / "b" / "district.pub",
        "other_id": other.key_id,
    }


# ---- 1. a store many processes and threads can write -------------------------------------


def cert_cmd(action, store, id, *rest):
    return [
        sys.executable,
        "-m",
        "smartkampung",
        "cert",
        action,
        "--store",
        str(store),
        "--id",
        str(id),
        "--json",
        *map(str, rest),
    ]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_ten_cli_processes_register_check_in_and_save_without_losing_anything(tmp_path, trial):
    store = tmp_path / "store.jsonl"
    at = "2020-07-20T14:00"
    # Business 0 is certified with a cap of 20 (warung: 50% of 40); each process registers
    # its own business and then tries to admit 3 visitors to business 0.
    ok(
        cli(
            "cert",
            "register",
            "--store",
            store,
            "--id",
            0,
            "--name",
            "Warung",
            "--category",
            "warung",
            "--lat",
            -8.2,
            "--lon",
            114.3,
            "--capacity",
            40,
            "--at",
            "2020-07-01T08:00",
        )
    )
    for action, extra in (("apply", []), ("audit", ["--result", "pass"]), ("issue", [])):
        ok(cli("cert", action, "--store", store, "--id", 0, "--at", "2020-07-02T09:00", *extra))
    procs = []
    for i in range(1, PROCESSES + 1):
        script = (
            f"{' '.join(map(repr_sh, cert_cmd('register', store, i, '--name', f'Place {i}', '--category', 'cafe', '--lat', -8.21, '--lon', 114.36, '--capacity', 10, '--at', '2020-07-10T10:00')))}"
            f" && {' '.join(map(repr_sh, cert_cmd('checkin', store, 0, '-n', 3, '--at', at)))}"
        )
        procs.append(
            subprocess.Popen(
                ["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy()
            )
        )
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert "Traceback" not in err, err
        assert code in (0, 1), err  # 1: a check-in refused at the cap, said so
    admitted = sum(1 for code, out, err in results if code == 0)
    reg = sk.CertificateRegistry.load(store)  # the store loads
    assert sorted(reg.ids()) == list(range(PROCESSES + 1))  # every registration is there
    assert admitted == 6  # 6 x 3 = 18 <= 20 < 21: the cap is exact across processes
    assert reg.occupancy(0, wib(2020, 7, 20, 14)) == 18
    # Every process that said "admitted" is counted, and no other.
    # Each process printed two JSON objects (register, then checkin): the last one counts.
    said = sum(json.loads(out[out.rindex("{") :])["admitted"] for code, out, err in results)
    assert said == admitted
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def repr_sh(arg):
    return "'" + str(arg).replace("'", "'\\''") + "'"


def test_cap_holds_across_processes(tmp_path):
    store = tmp_path / "s.jsonl"
    ok(
        cli(
            "cert",
            "register",
            "--store",
            store,
            "--id",
            7,
            "--name",
            "Cafe",
            "--category",
            "cafe",
            "--lat",
            -8.2,
            "--lon",
            114.3,
            "--capacity",
            60,
            "--at",
            "2020-07-01T08:00",
        )
    )
    for action, extra in (("apply", []), ("audit", ["--result", "pass"]), ("issue", [])):
        ok(cli("cert", action, "--store", store, "--id", 7, "--at", "2020-07-02T09:00", *extra))
    at = "2020-07-20T14:00"
    st = json.loads(ok(cli("cert", "status", "--store", store, "--id", 7, "--at", at, "--json")).stdout)
    assert st["max_visitors"] == 30
    assert json.loads(ok(cli("cert", "checkin", "--store", store, "--id", 7, "-n", 25, "--at", at, "--json")).stdout)[
        "admitted"
    ]
    refused = cli("cert", "checkin", "--store", store, "--id", 7, "-n", 10, "--at", at, "--json")
    assert refused.returncode == 1 and json.loads(refused.stdout)["admitted"] is False
    out = json.loads(ok(cli("cert", "checkout", "--store", store, "--id", 7, "-n", 5, "--at", at, "--json")).stdout)
    assert out["inside"] == 20
    assert (
        json.loads(ok(cli("cert", "checkin", "--store", store, "--id", 7, "-n", 10, "--at", at, "--json")).stdout)[
            "inside"
        ]
        == 30
    )
    # The next day starts from zero.
    assert (
        json.loads(
            ok(
                cli("cert", "checkin", "--store", store, "--id", 7, "-n", 30, "--at", "2020-07-21T09:00", "--json")
            ).stdout
        )["inside"]
        == 30
    )


def test_two_threads_saving_one_handle_never_fail(tmp_path):
    reg = sk.CertificateRegistry()
    certified(reg)
    path = tmp_path / "s.jsonl"
    errors = []

    def work(base):
        for i in range(100):
            try:
                if i % 10 == 0:
                    reg.add_business(base + i, "P", "cafe", -8.2, 114.3, 10)
                reg.save(path)
            except Exception as e:  # noqa: BLE001 - counted, then asserted empty
                errors.append(e)

    threads = [threading.Thread(target=work, args=(1000 * (t + 1),)) for t in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(sk.CertificateRegistry.load(path)) == 1 + 20
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_a_stale_writer_is_refused_and_loses_nobody_elses_event(tmp_path):
    path = tmp_path / "s.jsonl"
    reg = sk.CertificateRegistry()
    certified(reg)
    reg.save(path)
    a = sk.CertificateRegistry.load(path)
    b = sk.CertificateRegistry.load(path)
    a.add_business(2, "A", "cafe", -8.2, 114.3, 10)
    a.save(path)
    b.add_business(3, "B", "cafe", -8.2, 114.3, 10)
    with pytest.raises(sk.CertificateError, match="another writer"):
        b.save(path)
    assert sorted(sk.CertificateRegistry.load(path).ids()) == [1, 2]
    # update() is the way to write from several places: load, change and save under the lock.
    sk.CertificateRegistry.update(path, lambda r: r.add_business(3, "B", "cafe", -8.2, 114.3, 10))
    assert sorted(sk.CertificateRegistry.load(path).ids()) == [1, 2, 3]


def test_planted_symlinks_are_not_followed(tmp_path):
    path = tmp_path / "store.jsonl"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    reg = sk.CertificateRegistry()
    certified(reg)
    (tmp_path / "store.jsonl.tmp").symlink_to(victim)
    reg.save(path)
    ok(
        cli(
            "cert",
            "register",
            "--store",
            path,
            "--id",
            9,
            "--name",
            "X",
            "--category",
            "cafe",
            "--lat",
            -8.2,
            "--lon",
            114.3,
            "--capacity",
            5,
        )
    )
    assert victim.read_text() == "precious\n"
    assert 9 in sk.CertificateRegistry.load(path)
    # A symlink in place of the lock file: refused, nothing written through it.
    path2 = tmp_path / "other.jsonl"
    (tmp_path / "other.jsonl.lock").symlink_to(victim)
    with pytest.raises(sk.Error, match="lock"):
        reg.save(path2)
    assert victim.read_text() == "precious\n" and not path2.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_occupancy_survives_save_and_load(tmp_path):
    reg = sk.CertificateRegistry()
    certified(reg)
    t = wib(2020, 7, 20, 14)
    assert reg.check_in(1, t, 7)
    reg.save(tmp_path / "s.jsonl")
    again = sk.CertificateRegistry.load(tmp_path / "s.jsonl")
    assert again.occupancy(1, t) == 7 and again.occupancy(1, wib(2020, 7, 21, 9)) == 0
    (tmp_path / "s.jsonl.occupancy").write_text("skamp-cert-occupancy/1\n1 2020-07-20 x\n")
    with pytest.raises(sk.CertificateError, match="occupancy"):
        sk.CertificateRegistry.load(tmp_path / "s.jsonl")


# ---- 2. signed history ------------------------------------------------------------------


def signed_store(tmp_path, keys, name="s.jsonl"):
    reg = sk.CertificateRegistry()
    certified(reg)
    reg.add_business(2, "Cafe Gandrung", "cafe", -8.21, 114.37, 30, at=wib(2020, 6, 30))
    reg.apply(2, wib(2020, 7, 1, 9))
    reg.audit(2, wib(2020, 7, 3, 9), passed=False, findings="no handwashing station")
    path = tmp_path / name
    reg.save(path, key=str(keys["key"]))
    return path


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path):
    out = json.loads(ok(cli("cert", "keygen", "--out", tmp_path / "k", "--json")).stdout)
    key, pub = tmp_path / "k" / "district.key", tmp_path / "k" / "district.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert pub.read_text().startswith("skamp-ed25519-public/1 " + out["key_id"])
    assert out["key_id"] not in key.read_text().split()[2]
    # A key is never overwritten.
    assert "never overwritten" in one_line_error(cli("cert", "keygen", "--out", tmp_path / "k"))


def test_signed_store_loads_with_its_key_and_rotation(tmp_path, keys):
    path = signed_store(tmp_path, keys)
    assert '"key_id":"%s"' % keys["id"] in path.read_text().splitlines()[-1]
    assert len(sk.CertificateRegistry.load(path, public_keys=[str(keys["pub"])])) == 2
    # After a rotation both public keys are listed: the old head still verifies.
    assert len(sk.CertificateRegistry.load(path, public_keys=[str(keys["other_pub"]), str(keys["pub"])])) == 2
    assert len(sk.CertificateRegistry.load(path)) == 2  # no key configured: as before


def test_another_key_is_refused_naming_the_key_id(tmp_path, keys):
    path = signed_store(tmp_path, keys)
    with pytest.raises(sk.CertificateError, match=keys["id"]):
        sk.CertificateRegistry.load(path, public_keys=[str(keys["other_pub"])])
    msg = one_line_error(cli("cert", "status", "--store", path, "--id", 1, "--pub", keys["other_pub"]))
    assert keys["id"] in msg


def test_unsigned_store_refused_when_a_key_is_configured(tmp_path, keys):
    reg = sk.CertificateRegistry()
    certified(reg)
    path = tmp_path / "u.jsonl"
    reg.save(path)
    with pytest.raises(sk.CertificateError, match="not signed"):
        sk.CertificateRegistry.load(path, public_keys=[str(keys["pub"])])
    assert len(sk.CertificateRegistry.load(path, public_keys=[str(keys["pub"])], allow_unsigned=True)) == 1
    assert "not signed" in one_line_error(
        cli("cert", "status", "--store", path, "--id", 1, env={"SMARTKAMPUNG_PUB": str(keys["pub"])})
    )
    ok(cli("cert", "status", "--store", path, "--id", 1, "--pub", keys["pub"], "--allow-unsigned"))
    # A write with a public key configured must be signed, and then it is.
    msg = one_line_error(cli("cert", "apply", "--store", path, "--id", 1, "--pub", keys["pub"], "--allow-unsigned"))
    assert "--key" in msg
    ok(
        cli(
            "cert",
            "suspend",
            "--store",
            path,
            "--id",
            1,
            "--reason",
            "order",
            "--at",
            "2020-07-20T10:00",
            "--pub",
            keys["pub"],
            "--allow-unsigned",
            env={"SMARTKAMPUNG_KEY": str(keys["key"])},
        )
    )
    assert sk.CertificateRegistry.load(path, public_keys=[str(keys["pub"])]).status(1, wib(2020, 7, 21)) == "suspended"


def event_hash(body):
    return hashlib.sha256(body.encode()).hexdigest()


def reseal(lines, keep_trailer_signature=True):
    """Recomputes every hash and link of edited event lines, as a forger without the key
    would, and rewrites the trailer (keeping the old signature)."""
    out, prev = [], "0" * 64
    trailer = json.loads(lines[-1])["trailer"]
    for line in lines[:-1]:
        body = line[: line.rindex(',"hash":')]
        body = body[: body.rindex('"prev":"') + 8] + prev + '"'
        prev = event_hash(body + "}")
        out.append(body + ',"hash":"' + prev + '"}')
    t = '{"trailer":{"count":%d,"head":"%s"' % (len(out), prev)
    if keep_trailer_signature and "signature" in trailer:
        t += ',"key_id":"%s","signature":"%s"' % (trailer["key_id"], trailer["signature"])
    return out + [t + "}}"]


def test_forged_histories_are_refused_when_signed(tmp_path, keys):
    path = signed_store(tmp_path, keys)
    pubs = [str(keys["pub"])]
    lines = path.read_text().splitlines()
    # (a) the failed audit turned into a pass, an issue forged after it, the chain recomputed.
    forged = [
        ln.replace('"passed":false,"reason":"no handwashing station"', '"passed":true,"reason":""') for ln in lines
    ]
    assert forged != lines
    issued = [ln for ln in lines if '"type":"issued"' in ln][0]
    extra = json.loads(issued)
    extra.update(seq=len(lines) - 1, business=2, serial=2)
    body = json.dumps({k: v for k, v in extra.items() if k != "hash"}, separators=(",", ":"))
    forged = reseal(forged[:-1] + [body + ',"hash":"' + "0" * 64 + '"}', forged[-1]])
    path.write_text("\n".join(forged) + "\n")
    assert sk.CertificateRegistry.load(path).status(2, wib(2020, 7, 20)) == "active"  # unsigned check: fooled
    with pytest.raises(sk.CertificateError, match="signature"):
        sk.CertificateRegistry.load(path, public_keys=pubs)
    # (b) the last event deleted and the trailer rewritten (no hash computed by hand).
    path = signed_store(tmp_path, keys, "b.jsonl")
    lines = path.read_text().splitlines()
    body = json.loads(lines[-3])
    cut = lines[:-2] + [
        '{"trailer":{"count":%d,"head":"%s","key_id":"%s","signature":"%s"}}'
        % (len(lines) - 2, body["hash"], keys["id"], json.loads(lines[-1])["trailer"]["signature"])
    ]
    path.write_text("\n".join(cut) + "\n")
    with pytest.raises(sk.CertificateError, match="signature"):
        sk.CertificateRegistry.load(path, public_keys=pubs)
    # (c) the signature dropped: "not signed".
    path.write_text("\n".join(reseal(lines, keep_trailer_signature=False)) + "\n")
    with pytest.raises(sk.CertificateError, match="not signed"):
        sk.CertificateRegistry.load(path, public_keys=pubs)


def test_every_byte_flip_of_a_signed_store_gives_certificate_error(tmp_path, keys):
    path = signed_store(tmp_path, keys)
    data = path.read_bytes()
    pubs = [sk.PublicKey.load(keys["pub"])]
    damaged = tmp_path / "damaged.jsonl"
    tried = 0
    for i in range(len(data)):
        for mask in (0x01, 0x80):
            b = bytearray(data)
            b[i] ^= mask
            damaged.write_bytes(bytes(b))
            try:
                sk.CertificateRegistry.load(damaged, public_keys=pubs)
            except sk.CertificateError as e:
                str(e).encode("utf-8")  # valid UTF-8
            else:
                pytest.fail(f"byte {i} ^ {mask:#x} loaded")
            tried += 1
    assert tried == 2 * len(data) > 2000


# ---- 4. the sticker -----------------------------------------------------------------------


@pytest.fixture()
def sticker_setup(tmp_path, keys):
    reg = sk.CertificateRegistry()
    certified(reg, 17, capacity=40, name="Warung Osing Bu Sri")
    return reg, keys


def test_sticker_round_trip_through_the_qr_image(tmp_path, sticker_setup):
    reg, keys = sticker_setup
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (Debian zbar-tools, installed by scripts/setup.sh) is needed"
    path = tmp_path / "s.jsonl"
    reg.save(path, key=str(keys["key"]))
    out = json.loads(
        ok(
            cli(
                "cert",
                "sticker",
                "--store",
                path,
                "--id",
                17,
                "--key",
                keys["key"],
                "--out",
                tmp_path / "st",
                "--at",
                "2020-07-20T10:00",
                "--json",
            )
        ).stdout
    )
    text = (tmp_path / "st" / "17.txt").read_text().strip()
    assert text.startswith("SKC1:") and text == out["text"]
    assert (tmp_path / "st" / "17.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "st" / "17.svg").read_text()
    decoded = subprocess.run(
        [zbarimg, "--raw", "-q", str(tmp_path / "st" / "17.png")],
        capture_output=True,
        text=True,
        timeout=60,
        env=program_env(),
    )
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stdout.strip() == text
    v = sk.cert.verify(decoded.stdout.strip(), [str(keys["pub"])], at=wib(2020, 7, 20, 12))
    assert v["genuine"] and v["valid"] and v["status"] == "valid"
    assert v["business"]["name"] == "Warung Osing Bu Sri" and v["business"]["id"] == 17
    assert v["certificate_id"] == "CERT-17-1" and v["valid_until"] == dt.date(2021, 7, 5)
    assert v["max_visitors"] == 20
    # The CLI verifier on the file.
    res = json.loads(
        ok(
            cli(
                "cert", "verify", "--pub", keys["pub"], tmp_path / "st" / "17.txt", "--at", "2020-07-20T12:00", "--json"
            )
        ).stdout
    )
    assert res["genuine"] is True and res["status"] == "valid" and res["valid_until"] == "2021-07-05"
    assert res["business"]["name"] == "Warung Osing Bu Sri"


def test_a_flipped_bit_or_another_key_is_not_genuine(sticker_setup):
    reg, keys = sticker_setup
    text = reg.sticker(17, key=str(keys["key"]), at=wib(2020, 7, 20))
    at = wib(2020, 7, 20, 12)
    assert sk.cert.verify(text, [str(keys["pub"])], at=at)["valid"]
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    for i in range(5, len(text)):
        c = alphabet[(alphabet.index(text[i]) ^ 1) % 45]
        v = sk.cert.verify(text[:i] + c + text[i + 1 :], [str(keys["pub"])], at=at)
        assert not v["genuine"] and not v["valid"], i
    v = sk.cert.verify(text, [str(keys["other_pub"])], at=at)
    assert not v["genuine"] and v["status"] == "unknown_key"
    assert v["genuine"] is False
    # A credential forged with another key under our key id does not verify either.
    forged = reg.sticker(17, key=str(keys["other_key"]), at=wib(2020, 7, 20))
    assert not sk.cert.verify(forged, [str(keys["pub"])], at=at)["genuine"]


def test_expired_and_revoked_stickers(tmp_path, sticker_setup):
    reg, keys = sticker_setup
    pub = [str(keys["pub"])]
    text = reg.sticker(17, key=str(keys["key"]), at=wib(2020, 7, 20))
    expired = sk.cert.verify(text, pub, at=wib(2021, 7, 6, 1))
    assert expired["genuine"] and not expired["valid"] and expired["status"] == "expired"
    assert sk.cert.verify(text, pub, at=wib(2021, 7, 5, 23))["status"] == "valid"
    reg.revoke(17, wib(2020, 8, 1), "fraud")
    lst = reg.status_list(key=str(keys["key"]), at=wib(2020, 8, 2))
    assert lst.startswith("SKS1:")
    v = sk.cert.verify(text, pub, status_list=lst, at=wib(2020, 8, 3))
    assert v["genuine"] and not v["valid"] and v["status"] == "revoked" and "2020-08-02" in v["reason"]
    assert not v["status_list_stale"]
    stale = sk.cert.verify(text, pub, status_list=lst, at=wib(2020, 9, 3))
    assert stale["status_list_stale"] and "stale" in stale["reason"]
    # A list before the revocation says valid; a list signed by another key is refused.
    early = reg.status_list(key=str(keys["key"]), at=wib(2020, 7, 25))
    assert sk.cert.verify(text, pub, status_list=early, at=wib(2020, 7, 26))["status"] == "valid"
    with pytest.raises(sk.Error, match="status list"):
        sk.cert.verify(text, pub, status_list=reg.status_list(key=str(keys["other_key"]), at=wib(2020, 8, 2)))
    # Through the CLI: the store, the list, exit codes.
    path = tmp_path / "s.jsonl"
    reg.save(path, key=str(keys["key"]))
    ok(
        cli(
            "cert",
            "status-list",
            "--store",
            path,
            "--key",
            keys["key"],
            "--out",
            tmp_path / "list.txt",
            "--at",
            "2020-08-02T00:00",
        )
    )
    (tmp_path / "st.txt").write_text(text + "\n")
    proc = cli(
        "cert",
        "verify",
        "--pub",
        keys["pub"],
        "--status-list",
        tmp_path / "list.txt",
        tmp_path / "st.txt",
        "--at",
        "2020-08-03T00:00",
        "--json",
    )
    assert proc.returncode == 1 and json.loads(proc.stdout)["status"] == "revoked"
    proc = cli("cert", "verify", "--pub", keys["pub"], text[:-3] + "AAA", "--at", "2020-07-21T00:00", "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["genuine"] is False


def test_suspended_sticker_and_status_list_of_a_renewed_serial(sticker_setup):
    reg, keys = sticker_setup
    pub = [str(keys["pub"])]
    text = reg.sticker(17, key=str(keys["key"]), at=wib(2020, 7, 20))
    reg.suspend(17, wib(2020, 7, 22), "order")
    lst = reg.status_list(key=str(keys["key"]), at=wib(2020, 7, 23))
    assert sk.cert.verify(text, pub, status_list=lst, at=wib(2020, 7, 23, 12))["status"] == "suspended"
    with pytest.raises(sk.CertificateError, match="no valid certificate"):
        reg.sticker(17, key=str(keys["key"]), at=wib(2020, 7, 23))


# ---- 3. the CLI, complete -----------------------------------------------------------------


def test_cli_lifecycle_listing_and_local_times(tmp_path):
    s = tmp_path / "c.jsonl"

    def c(action, *a, code=0):
        return ok(cli("cert", action, "--store", s, *a), code)

    def j(action, *a):
        return json.loads(c(action, *a, "--json").stdout)

    c(
        "register",
        "--id",
        1,
        "--name",
        "Warung Osing",
        "--category",
        "warung",
        "--lat",
        -8.2192,
        "--lon",
        114.3691,
        "--capacity",
        40,
        "--at",
        "2020-06-30T09:00",
    )
    c(
        "register",
        "--id",
        2,
        "--name",
        "Hotel Ijen",
        "--category",
        "hotel",
        "--lat",
        -8.30,
        "--lon",
        114.40,
        "--capacity",
        100,
        "--at",
        "2020-06-30T09:00",
    )
    for id in (1, 2):
        c("apply", "--id", id, "--at", "2020-07-01T09:00")
        c("audit", "--id", id, "--result", "pass", "--at", "2020-07-03T09:00")
        c("issue", "--id", id, "--at", "2020-07-06T09:00")
    st = j("status", "--id", 1, "--at", "2020-07-20T14:00")
    assert st["certificate"] == "CERT-1-1" and st["valid_until"] == "2021-07-05"
    assert st["next_evaluation"].endswith("WIB") and st["next_evaluation"].startswith("2020-08-05")
    assert st["at"] == "2020-07-20 14:00 WIB"
    text = c("status", "--id", 1, "--at", "2020-07-20T14:00").stdout
    assert "CERT-1-1" in text and "WIB" in text
    near = j("near", "-8.2191", "114.3691", "--radius", 1000, "--at", "2020-07-20T14:00")
    assert [r["id"] for r in near] == [1] and near[0]["distance_m"] < 50
    assert [r["id"] for r in j("list", "--at", "2020-07-20T14:00")] == [1, 2]
    assert [r["id"] for r in j("list", "--category", "hotel", "--at", "2020-07-20T14:00")] == [2]
    assert j("evaluate", "--id", 1, "--result", "pass", "--at", "2020-08-01T09:00")["status"] == "active"
    assert j("renew", "--id", 1, "--at", "2020-08-02T09:00")["certificate"] == "CERT-1-3"
    assert j("suspend", "--id", 1, "--reason", "order", "--at", "2020-08-03T09:00")["status"] == "suspended"
    assert j("reinstate", "--id", 1, "--at", "2020-08-04T09:00")["status"] == "active"
    assert [r["id"] for r in j("list", "--at", "2020-08-04T10:00")] == [1, 2]
    assert j("violate", "--id", 2, "--reason", "crowding", "--at", "2020-08-05T09:00")["status"] == "suspended"
    assert [r["id"] for r in j("list", "--at", "2020-08-05T10:00")] == [1]
    assert {r["id"]: r["status"] for r in j("list", "--all", "--at", "2020-08-05T10:00")}[2] == "suspended"
    assert j("revoke", "--id", 2, "--reason", "fraud", "--at", "2020-08-06T09:00")["status"] == "revoked"
    assert j("withdraw", "--id", 1, "--at", "2020-08-07T09:00")["status"] == "withdrawn"
    hist = j("history", "--id", 1)
    assert hist[0]["effective_at"] == "2020-06-30 09:00 WIB"
    assert [e["type"] for e in hist][-4:] == ["renewed", "suspended", "reinstated", "withdrawn"]


def test_cli_refuses_unknown_categories_and_missing_fields(tmp_path):
    s = tmp_path / "c.jsonl"
    msg = one_line_error(
        cli(
            "cert",
            "register",
            "--store",
            s,
            "--id",
            1,
            "--name",
            "X",
            "--category",
            "destinasi",
            "--lat",
            -8.2,
            "--lon",
            114.3,
            "--capacity",
            10,
        )
    )
    assert "destinasi" in msg and "destination" in msg
    assert not s.exists()
    for missing in ("--name", "--category", "--lat", "--lon", "--capacity"):
        args = {"--name": "X", "--category": "cafe", "--lat": "-8.2", "--lon": "114.3", "--capacity": "10"}
        del args[missing]
        proc = cli("cert", "register", "--store", s, "--id", 1, *[x for kv in args.items() for x in kv])
        assert proc.returncode == 2 and missing in proc.stderr, (missing, proc.stderr)
    assert not s.exists()
