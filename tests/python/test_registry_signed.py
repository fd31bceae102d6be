"""Issue 19: signed registry snapshots. The registry's file carries its own SHA-256 seal,
which anyone who edits the file can recompute; with the district's Ed25519 key the
snapshot is signed, and a reader holding the public key refuses an edited and resealed
file, one signed by another key, and (unless told otherwise) an unsigned one."""

import datetime
import hashlib

import pytest

import smartkampung as sk

AS_OF = datetime.date(2020, 5, 1)
# The signed envelope in front of the sealed file: magic, format, key id, signature.
ENVELOPE = 8 + 4 + 8 + 64


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    a = sk.cert.generate_key(d / "a")
    b = sk.cert.generate_key(d / "b")
    return {
        "key": d / "a" / "district.key",
        "pub": d / "a" / "district.pub",
        "id": a.key_id,
        "other_key": d / "b" / "district.key",
        "other_pub": d / "b" / "district.pub",
        "other_id": b.key_id,
    }


def registry():
    reg = sk.Registry(AS_OF)
    reg.add_records(
        [
            {"nik": "3510014501900001", "kk": "3510010101150001", "name": "Siti Aminah"},
            {"nik": "3510011203850002", "kk": "3510010101150002", "name": "Joko"},
        ],
        program="PKH",
    )
    return reg


def reseal(sealed: bytes) -> bytes:
    """What an attacker does: recompute the file's own SHA-256 seal after an edit."""
    body = sealed[:-32]
    return body + hashlib.sha256(body).digest()


def test_signed_snapshot_round_trip_and_rotation(tmp_path, keys):
    path = tmp_path / "reg.skreg"
    registry().save(path, key=str(keys["key"]))
    assert path.read_bytes()[:8] == b"SKAMPSIG"
    back = sk.Registry.load(path, public_keys=[str(keys["pub"])])
    assert back.programs_of("3510014501900001") == ["PKH"] and len(back) == 2
    # A PublicKey object, a district.pub text, several keys (rotation): all accepted.
    pub = sk.PublicKey.load(keys["pub"])
    assert len(sk.Registry.load(path, public_keys=pub)) == 2
    assert len(sk.Registry.load(path, public_keys=[pub.to_text()])) == 2
    assert len(sk.Registry.load(path, public_keys=[str(keys["other_pub"]), str(keys["pub"])])) == 2
    # Without keys, as today: signatures are not checked.
    assert len(sk.Registry.load(path)) == 2
    # The key may be a SigningKey object.
    registry().save(path, key=sk.SigningKey.load(keys["key"]))
    assert len(sk.Registry.load(path, public_keys=[str(keys["pub"])])) == 2


def test_a_resealed_registry_is_refused_when_signed(tmp_path, keys):
    path = tmp_path / "reg.skreg"
    registry().save(path, key=str(keys["key"]))
    signed = path.read_bytes()
    envelope, sealed = signed[:ENVELOPE], signed[ENVELOPE:]
    assert sealed[:8] == b"SKAMPREG"
    # The attack: move everyone into another programme and reseal with SHA-256.
    assert sealed.count(b"PKH") == 1
    edited = reseal(sealed.replace(b"PKH", b"BST"))
    # Unsigned, the edit loads: that is the hole the signature closes.
    forged = tmp_path / "forged.skreg"
    forged.write_bytes(edited)
    assert sk.Registry.load(forged).programs_of("3510014501900001") == ["BST"]
    # Kept behind the original signature: the signature no longer verifies.
    forged.write_bytes(envelope + edited)
    with pytest.raises(sk.Error, match=f"signature by key {keys['id']} does not verify") as e:
        sk.Registry.load(forged, public_keys=[str(keys["pub"])])
    assert e.value.code == "corrupt" and str(forged) in str(e.value)
    with pytest.raises(sk.Error, match="does not verify"):
        sk.Registry.load(forged, public_keys=[str(keys["pub"])], allow_unsigned=True)
    # The signature removed: "not signed", unless allow_unsigned says so on purpose.
    forged.write_bytes(edited)
    with pytest.raises(sk.Error, match="not signed") as e:
        sk.Registry.load(forged, public_keys=[str(keys["pub"])])
    assert e.value.code == "corrupt"
    assert len(sk.Registry.load(forged, public_keys=[str(keys["pub"])], allow_unsigned=True)) == 2
    # An edit without resealing is caught by the seal, as before.
    forged.write_bytes(envelope + sealed.replace(b"PKH", b"BST"))
    with pytest.raises(sk.Error, match="checksum"):
        sk.Registry.load(forged, public_keys=[str(keys["pub"])])


def test_a_snapshot_signed_with_another_key_is_refused_naming_the_key_id(tmp_path, keys):
    path = tmp_path / "reg.skreg"
    registry().save(path, key=str(keys["other_key"]))
    with pytest.raises(sk.Error) as e:
        sk.Registry.load(path, public_keys=[str(keys["pub"])])
    assert f"signed with key {keys['other_id']}, which is not a configured public key" in str(e.value)
    with pytest.raises(sk.Error, match=keys["other_id"]):
        sk.Registry.load(path, public_keys=[str(keys["pub"])], allow_unsigned=True)
    # A signature made with another key but carrying our key id does not verify either.
    ours = tmp_path / "ours.skreg"
    registry().save(ours, key=str(keys["key"]))
    theirs = path.read_bytes()
    ours.write_bytes(theirs[:12] + ours.read_bytes()[12:20] + theirs[20:])
    with pytest.raises(sk.Error, match=f"signature by key {keys['id']} does not verify"):
        sk.Registry.load(ours, public_keys=[str(keys["pub"])])


def test_the_environment_key_signs_and_a_bad_key_is_a_clear_error(tmp_path, keys, monkeypatch):
    path = tmp_path / "reg.skreg"
    monkeypatch.setenv("SMARTKAMPUNG_KEY", str(keys["key"]))
    registry().save(path)
    assert len(sk.Registry.load(path, public_keys=[str(keys["pub"])])) == 2
    monkeypatch.delenv("SMARTKAMPUNG_KEY")
    registry().save(path)
    assert path.read_bytes()[:8] == b"SKAMPREG"
    with pytest.raises(sk.Error, match="not a district private key"):
        registry().save(path, key=str(keys["pub"]))
    with pytest.raises(sk.Error, match="not a district public key"):
        sk.Registry.load(path, public_keys=[str(keys["key"])])
    with pytest.raises(sk.Error):
        sk.Registry.load(path, public_keys=[str(tmp_path / "missing.pub")])


def test_every_byte_flip_of_a_signed_snapshot_is_the_registrys_error(tmp_path, keys):
    path = tmp_path / "reg.skreg"
    registry().save(path, key=str(keys["key"]))
    data = path.read_bytes()
    damaged = tmp_path / "damaged.skreg"
    pubs = [str(keys["pub"])]
    tried = 0
    for i in range(len(data)):
        for mask in (0x01, 0x80):
            b = bytearray(data)
            b[i] ^= mask
            damaged.write_bytes(bytes(b))
            for allow_unsigned in (False, True):
                try:
                    sk.Registry.load(damaged, public_keys=pubs, allow_unsigned=allow_unsigned)
                except sk.Error as e:
                    assert type(e) is sk.Error and e.code == "corrupt", (i, mask, e)
                    str(e).encode("utf-8")
                else:
                    pytest.fail(f"byte {i} ^ {mask:#x} loaded (allow_unsigned={allow_unsigned})")
            tried += 1
    assert tried == 2 * len(data) > 2 * ENVELOPE


def test_one_public_key_given_alone_is_a_list_of_one(tmp_path, keys):
    # Regression: a single PublicKey (or path) given without a list crashed the interpreter
    # (the binding iterated over a temporary tuple it no longer held).
    pub = sk.PublicKey.load(keys["pub"])
    path = tmp_path / "reg.skreg"
    registry().save(path, key=str(keys["key"]))
    for given in (pub, str(keys["pub"]), keys["pub"]):
        for _ in range(3):
            assert len(sk.Registry.load(path, public_keys=given)) == 2
            assert sk.cert.verify("SKC1:AAA", given)["status"] == "forged"
    store = tmp_path / "c.jsonl"
    sk.CertificateRegistry().save(store, key=str(keys["key"]))
    assert len(sk.CertificateRegistry.load(store, public_keys=pub)) == 0


def test_the_cli_verifies_a_saved_registry_with_the_district_key(tmp_path, keys):
    # `check --registry R --pub P`: a signed snapshot answers; another key's snapshot and an
    # unsigned one are refused in one line (exit 1) unless --allow-unsigned (unsigned only).
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SMARTKAMPUNG_PUB", "SMARTKAMPUNG_KEY")}

    def check(path, *extra):
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "smartkampung",
                "check",
                "--registry",
                str(path),
                *extra,
                "--lang",
                "en",
                "3510014501900001",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    signed, other, unsigned = tmp_path / "signed.skreg", tmp_path / "other.skreg", tmp_path / "plain.skreg"
    registry().save(signed, key=str(keys["key"]))
    registry().save(other, key=str(keys["other_key"]))
    registry().save(unsigned)
    ok = check(signed, "--pub", str(keys["pub"]))
    assert ok.returncode == 0, ok.stderr
    assert "PKH" in ok.stdout and "Siti Aminah" not in ok.stdout
    for path, needle in ((other, keys["other_id"]), (unsigned, "not signed")):
        bad = check(path, "--pub", str(keys["pub"]))
        lines = [ln for ln in bad.stderr.splitlines() if ln.strip()]
        assert bad.returncode == 1 and len(lines) == 1 and needle in lines[0], bad.stderr
        assert "Traceback" not in bad.stderr
    assert check(unsigned, "--pub", str(keys["pub"]), "--allow-unsigned").returncode == 0
    assert check(other, "--pub", str(keys["pub"]), "--allow-unsigned").returncode == 1
    # Without a key configured, every snapshot reads as before.
    assert check(other).returncode == 0
