"""Issue 19: the visitor's verification page, in a real headless browser (Chromium from
Debian, installed by scripts/setup.sh). The page is static HTML+JavaScript: it decodes the
sticker's text, checks the Ed25519 signature with the district keys embedded in it (Web
Crypto) and the signed status list, and must give the same answer as sk.cert.verify for a
genuine, a forged, an expired, a suspended and a revoked sticker.

Certificates here are dated around the real present, since the page reads the phone's
clock (a page that took the time from its address could be told to accept an expired
sticker)."""

import datetime as dt
import functools
import html.parser
import http.server
import os
import shutil
import subprocess
import sys
import threading
import zlib

import pytest

import smartkampung as sk
from conftest import program_env

WIB = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime.now(WIB).replace(microsecond=0)
DAY = dt.timedelta(days=1)
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("chromium (Debian package chromium, installed by scripts/setup.sh) is needed")


class _Result(html.parser.HTMLParser):
    """The attributes of <output id="result"> and its text."""

    def __init__(self):
        super().__init__()
        self.attrs = None
        self._inside = False
        self.text = ""

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if tag == "output" and d.get("id") == "result":
            self.attrs = {k[5:]: v for k, v in d.items() if k.startswith("data-")}
            self._inside = True

    def handle_endtag(self, tag):
        if tag == "output":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.text += data


def open_page(url, profile, budget_ms=15000):
    """Loads the page headless with the network cut off, waits for the check, and returns
    the result element's data attributes and the visible text of the page."""
    cmd = [
        chromium(),
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        # No name resolves: the page may reach nothing outside (127.0.0.1 stays reachable).
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        url,
    ]
    # The browser is not under test: the sanitizer run's preloaded runtime stays out of it.
    env = program_env()
    for _attempt in range(3):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
        assert proc.returncode == 0, proc.stderr[-2000:]
        parser = _Result()
        parser.feed(proc.stdout)
        assert parser.attrs is not None, proc.stdout[:2000]
        if parser.attrs.get("state") != "checking":
            break
    return parser.attrs, proc.stdout


def certify(reg, id, issued, name, category="warung"):
    reg.add_business(id, name, category, -8.2192, 114.3691, 40, at=issued - 5 * DAY)
    reg.apply(id, issued - 4 * DAY)
    reg.audit(id, issued - 3 * DAY, passed=True)
    return reg.issue(id, issued)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("page")
    pub = sk.cert.generate_key(d / "a")
    other = sk.cert.generate_key(d / "b")
    key, other_key = str(d / "a" / "district.key"), str(d / "b" / "district.key")
    reg = sk.CertificateRegistry()
    certify(reg, 1, NOW - 10 * DAY, "Warung Osing Bu Sri")
    certify(reg, 2, NOW - 3 * 365 * DAY, "Homestay Lama", "homestay")  # validity ended long ago
    certify(reg, 3, NOW - 10 * DAY, "Kafe Dicabut", "cafe")
    certify(reg, 4, NOW - 10 * DAY, "Hotel Dibekukan", "hotel")
    stickers = {
        "genuine": reg.sticker(1, key=key, at=NOW - 9 * DAY),
        "expired": reg.sticker(2, key=key, at=NOW - 3 * 365 * DAY + DAY),
        "revoked": reg.sticker(3, key=key, at=NOW - 9 * DAY),
        "suspended": reg.sticker(4, key=key, at=NOW - 9 * DAY),
        "other_key": reg.sticker(1, key=other_key, at=NOW - 9 * DAY),
    }
    reg.revoke(3, NOW - 2 * DAY, "fraud")
    reg.suspend(4, NOW - 2 * DAY, "crowding")
    status_list = reg.status_list(key=key, at=NOW - DAY)
    stale_list = reg.status_list(key=key, at=NOW - 30 * DAY)
    return {
        "dir": d,
        "pub": pub,
        "other_pub": other,
        "key": key,
        "other_key": other_key,
        "reg": reg,
        "stickers": stickers,
        "list": status_list,
        "stale_list": stale_list,
    }


def b45decode(text):
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = [B45.index(c) for c in text[i : i + 3]]
        n = sum(v * 45**k for k, v in enumerate(chunk))
        out += n.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(out)


def b45encode(data):
    out = []
    for i in range(0, len(data), 2):
        pair = data[i : i + 2]
        n = int.from_bytes(pair, "big")
        for _ in range(3 if len(pair) == 2 else 2):
            out.append(B45[n % 45])
            n //= 45
    return "".join(out)


def altered(text, old, new):
    """The credential with a claim edited in its signed payload (well formed, our key id,
    the district's signature left as it was): what a forger without the key can make."""
    cose = zlib.decompress(b45decode(text[5:]))
    assert cose.count(old) == 1 and len(old) == len(new)
    return "SKC1:" + b45encode(zlib.compress(cose.replace(old, new), 9))


@pytest.fixture(scope="module")
def page(world):
    path = world["dir"] / "verify.html"
    path.write_text(sk.cert.verification_page([world["pub"]], status_list=world["list"]), encoding="utf-8")
    return path


def check(page_path, text, profile):
    return open_page(sk.cert.verification_link(page_path.as_uri(), text), profile)


def library(world, text, status_list="list"):
    lst = world[status_list] if status_list else None
    return sk.cert.verify(text, [world["pub"]], status_list=lst)


def test_genuine_valid_sticker(page, world, tmp_path):
    text = world["stickers"]["genuine"]
    res, dom = check(page, text, tmp_path / "profile")
    assert res["state"] == "done", res
    assert res["genuine"] == "true" and res["valid"] == "true" and res["status"] == "valid"
    assert res["business-id"] == "1" and res["business-name"] == "Warung Osing Bu Sri"
    assert res["certificate"] == "CERT-1-1" and res["category"] == "warung"
    v = library(world, text)
    assert v["status"] == "valid" and res["valid-until"] == v["valid_until"].isoformat()
    assert res["list"] == "used" and res["list-stale"] == "false"
    assert res["key-id"] == world["pub"].key_id
    assert res["crypto"] == "webcrypto"  # Debian's Chromium has Ed25519 in Web Crypto
    assert res["inflate"] == "stream"
    # What the visitor reads, in both languages.
    assert "SERTIFIKAT ASLI DAN BERLAKU" in dom and "GENUINE AND VALID" in dom
    assert "Warung Osing Bu Sri" in dom and v["valid_until"].isoformat() in dom


def test_forged_stickers(page, world, tmp_path):
    genuine = world["stickers"]["genuine"]
    # A claim edited under the district's signature (the name of another business).
    forged = altered(genuine, b"Warung Osing Bu Sri", b"Warung Palsu Bu Sri")
    assert library(world, forged)["status"] == "forged"
    res, dom = check(page, forged, tmp_path / "p1")
    assert res["state"] == "done" and res["genuine"] == "false" and res["valid"] == "false"
    assert res["status"] == "forged" and res["business-name"] == ""
    assert "PALSU" in dom and "FORGED" in dom and "Warung Palsu" not in dom
    # A flipped character in the text.
    i = len(genuine) // 2
    flipped = genuine[:i] + B45[(B45.index(genuine[i]) ^ 1) % 45] + genuine[i + 1 :]
    assert not library(world, flipped)["genuine"]
    res, _ = check(page, flipped, tmp_path / "p2")
    assert res["state"] == "done" and res["genuine"] == "false" and res["status"] == "forged"
    # Signed with a key that is not the district's.
    other = world["stickers"]["other_key"]
    assert library(world, other)["status"] == "unknown_key"
    res, dom = check(page, other, tmp_path / "p3")
    assert res["state"] == "done" and res["genuine"] == "false" and res["status"] == "unknown_key"
    assert world["other_pub"].key_id in dom


def test_expired_sticker(page, world, tmp_path):
    text = world["stickers"]["expired"]
    v = library(world, text)
    assert v["genuine"] and v["status"] == "expired"
    res, dom = check(page, text, tmp_path / "profile")
    assert res["state"] == "done" and res["genuine"] == "true" and res["valid"] == "false"
    assert res["status"] == "expired" and res["valid-until"] == v["valid_until"].isoformat()
    assert "KEDALUWARSA" in dom and "EXPIRED" in dom


def test_revoked_and_suspended_stickers_as_of_the_list(page, world, tmp_path):
    for case, word_id, word_en in (("revoked", "DICABUT", "REVOKED"), ("suspended", "DIBEKUKAN", "SUSPENDED")):
        text = world["stickers"][case]
        assert library(world, text)["status"] == case
        assert library(world, text, status_list=None)["status"] == "valid"
        res, dom = check(page, text, tmp_path / case)
        assert res["state"] == "done" and res["genuine"] == "true" and res["valid"] == "false", res
        assert res["status"] == case and res["list"] == "used"
        assert word_id in dom and word_en in dom
        # "as of" the list's date, in the registry's local time.
        list_day = (NOW - DAY).strftime("%Y-%m-%d")
        assert f"as of the status list of {list_day}" in dom


def test_a_stale_list_is_said_to_be_stale_and_no_list_is_said(world, tmp_path):
    stale = tmp_path / "stale.html"
    stale.write_text(sk.cert.verification_page([world["pub"]], status_list=world["stale_list"]), encoding="utf-8")
    res, dom = check(stale, world["stickers"]["revoked"], tmp_path / "p1")
    # The list predates the revocation: the sticker looks valid, and the page says why to doubt it.
    assert library(world, world["stickers"]["revoked"], "stale_list")["status_list_stale"]
    assert res["status"] == "valid" and res["list"] == "used" and res["list-stale"] == "true"
    assert "stale" in dom and "sudah lama" in dom
    bare = tmp_path / "bare.html"
    bare.write_text(sk.cert.verification_page(str(world["dir"] / "a" / "district.pub")), encoding="utf-8")
    res, dom = check(bare, world["stickers"]["revoked"], tmp_path / "p2")
    assert res["status"] == "valid" and res["list"] == "none" and "No status list" in dom


def test_a_list_published_beside_the_page_over_http(world, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "verify.html").write_text(sk.cert.verification_page([world["pub"]]), encoding="utf-8")
    (site / "status-list.txt").write_text(world["list"] + "\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/verify.html"
        res, _ = open_page(sk.cert.verification_link(url, world["stickers"]["revoked"]), tmp_path / "p")
    finally:
        server.shutdown()
        server.server_close()
    assert res["state"] == "done" and res["status"] == "revoked" and res["list"] == "used"


def test_a_page_opened_without_a_sticker_waits_for_one(page, tmp_path):
    res, dom = open_page(page.as_uri(), tmp_path / "profile")
    assert res["state"] == "idle" and "Pindai atau tempel" in dom


def test_page_building_refuses_bad_inputs(world, tmp_path):
    with pytest.raises(sk.Error, match="status list"):
        sk.cert.verification_page([world["pub"]], status_list=world["reg"].status_list(key=world["other_key"]))
    with pytest.raises(sk.Error, match="public key"):
        sk.cert.verification_page([])
    with pytest.raises(sk.Error, match="cannot read"):
        sk.cert.verification_page([world["pub"]], status_list=tmp_path / "missing.txt")
    for bad in (0, -1, float("nan"), float("inf"), "7", True):
        with pytest.raises(sk.Error, match="max_list_age_s"):
            sk.cert.verification_page([world["pub"]], max_list_age_s=bad)
    with pytest.raises(sk.Error, match="plain file name"):
        sk.cert.verification_page([world["pub"]], status_list_file="../x.txt")
    with pytest.raises(sk.Error, match="SKC1"):
        sk.cert.verification_link("https://example.org/v.html", "hello")
    # The page embeds nothing that could close its script element, and pins its script by hash.
    html_text = sk.cert.verification_page([world["pub"]], status_list=world["list"])
    assert html_text.count("</script>") == 2 and "script-src 'sha256-" in html_text
    assert "http://" not in html_text and "https://" not in html_text
    link = sk.cert.verification_link("https://example.org/v.html#old", world["stickers"]["genuine"])
    assert link.startswith("https://example.org/v.html#SKC1:") and " " not in link


def test_the_pages_own_ed25519_and_inflate_give_the_same_answers(world, tmp_path):
    # Browsers without Ed25519 in Web Crypto (Chromium before 137, Safari before 17) get
    # the page's own verification, those without DecompressionStream (Safari before 16.4)
    # its own inflater; forced here, they must agree with the browser's.
    html_text = sk.cert.verification_page([world["pub"]], status_list=world["list"])
    assert html_text.count('"max_list_age_s":') == 1
    genuine = world["stickers"]["genuine"]
    i = len(genuine) // 2
    cases = {
        "genuine": (genuine, "valid", "true"),
        "altered": (altered(genuine, b"Warung Osing Bu Sri", b"Warung Palsu Bu Sri"), "forged", "false"),
        "flipped": (genuine[:i] + B45[(B45.index(genuine[i]) ^ 1) % 45] + genuine[i + 1 :], "forged", "false"),
        "revoked": (world["stickers"]["revoked"], "revoked", "true"),
        "suspended": (world["stickers"]["suspended"], "suspended", "true"),
        "expired": (world["stickers"]["expired"], "expired", "true"),
    }
    for forced, crypto, inflater in (
        ('"ed25519":"js",', "js", "stream"),
        ('"inflate":"js",', "webcrypto", "js"),
        ('"ed25519":"js","inflate":"js",', "js", "js"),
    ):
        page = tmp_path / f"forced-{crypto}-{inflater}.html"
        page.write_text(html_text.replace('"max_list_age_s":', forced + '"max_list_age_s":'), encoding="utf-8")
        # Each alone on three cases; both together on all of them.
        names = list(cases) if crypto == inflater == "js" else ["genuine", "altered", "revoked"]
        for name in names:
            text, status, genuine_flag = cases[name]
            res, _ = check(page, text, tmp_path / f"{crypto}-{inflater}-{name}")
            assert (res["crypto"] or crypto, res["inflate"]) == (crypto, inflater), (name, res)
            assert (res["status"], res["genuine"]) == (status, genuine_flag), (name, crypto, inflater, res)
            if name == "revoked":
                assert res["list"] == "used"


def test_the_pages_inflater_reads_stored_fixed_and_dynamic_blocks(world, tmp_path):
    # The signature covers the COSE bytes, not their compression: the same credential
    # recompressed as stored blocks stays genuine, and a long varied name makes zlib choose
    # dynamic Huffman codes. The page's own inflater must read every block type.
    import random

    reg = sk.CertificateRegistry()
    name = "".join(random.Random(7).choices("aaaaaaeeeeiioouu nnrrsstlkgmbh", k=600))
    certify(reg, 9, NOW - 10 * DAY, name)
    long_text = reg.sticker(9, key=world["key"], at=NOW - 9 * DAY)
    genuine = world["stickers"]["genuine"]
    cose = zlib.decompress(b45decode(genuine[5:]))
    stored = "SKC1:" + b45encode(zlib.compress(cose, 0))
    texts = {"stored": stored, "fixed": genuine, "dynamic": long_text}
    # The first block's type: the two bits after the final-block bit.
    assert {k: (b45decode(v[5:])[2] >> 1) & 3 for k, v in texts.items()} == {"stored": 0, "fixed": 1, "dynamic": 2}
    page = tmp_path / "inflate.html"
    html_text = sk.cert.verification_page([world["pub"]])
    page.write_text(html_text.replace('"max_list_age_s":', '"inflate":"js","max_list_age_s":'), encoding="utf-8")
    for kind, text in texts.items():
        assert sk.cert.verify(text, [world["pub"]])["status"] == "valid", kind
        res, _ = check(page, text, tmp_path / kind)
        assert res["inflate"] == "js" and res["status"] == "valid" and res["genuine"] == "true", (kind, res)
    res, _ = check(page, long_text, tmp_path / "name")
    assert res["business-name"] == name
    # Bytes after the end of the stream, a wrong Adler-32 or a cut stream are refused, by
    # both inflaters, as the library does.
    raw = b45decode(genuine[5:])
    damaged = {
        "padded": "SKC1:" + b45encode(zlib.compress(cose, 9) + b"\x00"),
        "checksum": "SKC1:" + b45encode(raw[:-1] + bytes([raw[-1] ^ 1])),
        "cut": "SKC1:" + b45encode(raw[:-3]),
    }
    stream_page = tmp_path / "stream.html"
    stream_page.write_text(html_text, encoding="utf-8")
    for kind, text in damaged.items():
        assert not sk.cert.verify(text, [world["pub"]])["genuine"], kind
        for inflater, p in (("js", page), ("stream", stream_page)):
            res, _ = check(p, text, tmp_path / f"{kind}-{inflater}")
            assert res["inflate"] == inflater and res["status"] == "forged", (kind, res)
            assert res["problem"].startswith("zlib"), (kind, res)


def test_cli_writes_the_page_the_browser_answers_with(world, tmp_path):
    # `smartkampung cert page`: the page from the district's public key and a status list
    # file, as the library builds it; in the browser it answers a revoked sticker as such.
    list_file = tmp_path / "status.txt"
    list_file.write_text(world["list"] + "\n", encoding="utf-8")
    out = tmp_path / "verifikasi.html"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "smartkampung",
            "cert",
            "page",
            "--pub",
            str(world["dir"] / "a" / "district.pub"),
            "--status-list",
            str(list_file),
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text(encoding="utf-8") == sk.cert.verification_page([world["pub"]], status_list=str(list_file))
    res, _ = check(out, world["stickers"]["revoked"], tmp_path / "profile")
    assert res["state"] == "done" and res["genuine"] == "true" and res["status"] == "revoked", res
    # Without a public key: a usage error in one line, no page written.
    missing = tmp_path / "none.html"
    proc = subprocess.run(
        [sys.executable, "-m", "smartkampung", "cert", "page", "--out", str(missing)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "SMARTKAMPUNG_PUB"},
    )
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1
    assert not missing.exists()
