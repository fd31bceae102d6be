"""Health-protocol certificates of tourism businesses, from audit to revocation.

>>> import datetime as dt, smartkampung as sk
>>> WIB = dt.timezone(dt.timedelta(hours=7))
>>> reg = sk.CertificateRegistry()
>>> reg.add_business(1, "Warung Osing", "warung", -8.2192, 114.3691, capacity=40)
>>> reg.apply(1, dt.datetime(2020, 7, 1, 9, tzinfo=WIB))
>>> reg.audit(1, dt.datetime(2020, 7, 3, 9, tzinfo=WIB), passed=True)
>>> reg.issue(1, dt.datetime(2020, 7, 6, 9, tzinfo=WIB))
1
>>> reg.status(1, dt.datetime(2020, 7, 20, 14, tzinfo=WIB)), reg.max_visitors(1, dt.datetime(2020, 7, 20, 14, tzinfo=WIB))
('active', 20)
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import importlib.resources
import json
import math
import os
import pathlib
import re
import urllib.parse
from typing import Any, Iterable

from . import _core
from ._files import write_atomic  # one atomic writer for every output file
from ._core import CertificateError, CertificateRegistry, PublicKey, SigningKey

__all__ = [
    "CertificateError",
    "CertificateRegistry",
    "PublicKey",
    "SigningKey",
    "VALID_STATUSES",
    "STATUSES",
    "generate_key",
    "verify",
    "qr_png",
    "qr_svg",
    "write_sticker",
    "verification_page",
    "verification_link",
]


def generate_key(dir: str | os.PathLike) -> PublicKey:
    """Generates a district Ed25519 key pair: ``dir/district.key`` (private, mode 0600, never
    overwritten) and ``dir/district.pub`` (to hand to verifiers). Returns the public key."""
    pathlib.Path(dir).mkdir(parents=True, exist_ok=True)
    return _core.cert_generate_key(str(dir))


def verify(
    text: str, public_keys: Any, status_list: str | None = None, at: Any = None, max_list_age_s: float = 7 * 86400
) -> dict:
    """Verifies a sticker's credential text offline. ``public_keys``: PublicKey objects,
    district.pub paths or texts (one or several, for rotation); ``status_list``: the text of a
    signed status list (``reg.status_list()``), or None. Returns a dict with ``genuine``,
    ``valid`` (genuine and valid at ``at``, default now), ``status`` (valid, not_yet_valid,
    expired, suspended, revoked, withdrawn, forged, unknown_key), ``reason``, ``business``
    ({id, name, category, lat, lon}), ``certificate_id``, ``valid_until`` and the status
    list's date and staleness. A forged or damaged credential gives genuine False, never an
    exception; a status list that does not verify raises Error."""
    return _core.cert_verify(text, public_keys, status_list, at, max_list_age_s)


def qr_png(text: str, scale: int = 8) -> bytes:
    """The QR code of a text (level M, 4-module border) as PNG bytes."""
    return _core.cert_qr_png(text, scale)


def qr_svg(text: str, caption: Iterable[str] = ()) -> str:
    """The QR code of a text as an SVG document, with caption lines printed below."""
    return _core.cert_qr_svg(text, list(caption))


def write_sticker(
    reg: CertificateRegistry, id: int, out_dir: str | os.PathLike, key: Any = None, at: Any = None
) -> dict:
    """Writes the printable sticker of a business: ``<id>.txt`` (the credential text),
    ``<id>.png`` and ``<id>.svg`` (its QR code; the SVG with name, certificate number and
    validity below). Returns {"txt", "png", "svg", "text"}."""
    key = _signing_key(key)
    text = reg.sticker(id, key=key, at=at)
    info = verify(text, [key.public_key], at=at)
    b = info["business"]
    caption = [
        b["name"],
        f"{info['certificate_id']} \u00b7 berlaku s.d. / valid until {info['valid_until']}",
        "Pindai untuk memeriksa / scan to verify",
    ]
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"txt": out / f"{id}.txt", "png": out / f"{id}.png", "svg": out / f"{id}.svg"}
    write_atomic(paths["txt"], text + "\n")
    write_atomic(paths["png"], qr_png(text))
    write_atomic(paths["svg"], qr_svg(text, caption))
    return {**{k: str(v) for k, v in paths.items()}, "text": text}


def verification_page(
    public_keys: Any,
    status_list: str | os.PathLike | None = None,
    *,
    status_list_file: str | None = "status-list.txt",
    max_list_age_s: float = 7 * 86400,
) -> str:
    """The visitor's verification page: one static HTML file (no server, no network, no
    outside script) that a phone opens to check a sticker offline. It reads the QR text
    pasted into it or carried in its address after ``#`` (see :func:`verification_link`),
    checks the Ed25519 signature with the district public keys embedded in it (Web
    Crypto), the validity window against the phone's clock and the status list, and shows
    business, category, validity and status (genuine or forged, valid, expired, suspended
    or revoked as of the list's date, a stale list) in Indonesian and English.

    ``public_keys``: PublicKey objects, district.pub paths or texts (one or several, for
    rotation). ``status_list``: a signed status list (``SKS1:`` text or a file holding it)
    to embed, checked here against the keys (an Error when it does not verify), or None.
    ``status_list_file``: a file name the page also reads from its own folder when it is
    served over http(s) (the newest genuine list wins), so that the district can publish a
    fresh list without rebuilding the page; None to read only the embedded one. A list
    older than ``max_list_age_s`` is shown as stale.

    The result element ``<output id="result">`` carries the answer for machines:
    ``data-state`` ("done"), ``data-genuine``, ``data-valid``, ``data-status`` (as
    :func:`verify`), ``data-business-id``, ``data-certificate``, ``data-valid-until``,
    ``data-list`` (used, none, invalid), ``data-list-date``, ``data-list-stale``,
    ``data-crypto`` (webcrypto, or js: the page's own Ed25519 on browsers without it),
    ``data-inflate`` (stream or js) and ``data-problem`` (why a text is not a credential).
    See docs/cert.md. Write it with an atomic writer; publish it on the district's own site."""
    keys = _public_key_list(public_keys)
    if not keys:
        raise _core.Error("verification_page: at least one district public key is needed")
    if (
        isinstance(max_list_age_s, bool)
        or not isinstance(max_list_age_s, (int, float))
        or not math.isfinite(max_list_age_s)
        or max_list_age_s <= 0
    ):
        raise _core.Error("verification_page: max_list_age_s must be a positive number of seconds")
    list_text = None
    list_date = None
    if status_list is not None:
        list_text = str(status_list).strip()
        if not list_text.startswith("SKS1:"):
            try:
                list_text = pathlib.Path(status_list).read_bytes().decode("ascii", "replace").strip()
            except OSError as e:
                raise _core.Error(f"status list: cannot read '{status_list}': {e.strerror}") from None
        # The same check as every verifier's: a list that does not verify raises Error.
        checked = verify("", keys, status_list=list_text, max_list_age_s=max_list_age_s)
        list_date = checked["status_list_date"].astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if status_list_file is not None and (
        not status_list_file or "/" in status_list_file or status_list_file.startswith(".")
    ):
        raise _core.Error("verification_page: status_list_file must be a plain file name beside the page")
    config = {
        "keys": [_key_entry(k) for k in keys],
        "status_list": list_text,
        "status_list_date": list_date,
        "status_list_file": status_list_file,
        "max_list_age_s": int(max_list_age_s),
    }
    template = importlib.resources.files(__package__).joinpath("verification_page.html").read_text(encoding="utf-8")
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(template, 'script')}",
            f"style-src {_csp_hash(template, 'style')}",
            "connect-src 'self'",
            "img-src 'self' data:",
            "media-src mediastream:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    # JSON inside <script type="application/json">: no "<" may close the element early.
    embedded = json.dumps(config, ensure_ascii=True, separators=(",", ":"))
    embedded = embedded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace("__SKAMP_CSP__", csp, 1).replace("__SKAMP_CONFIG__", embedded, 1)


def verification_link(page_url: str, text: str) -> str:
    """The address that opens the verification page on a credential: ``page_url#SKC1:...``
    with the characters a URL fragment cannot hold (space, ``%``) percent-encoded; a QR
    code of this link takes a visitor's camera app straight to the answer."""
    text = text.strip()
    if not text.startswith("SKC1:"):
        raise _core.Error("verification_link: not a credential text (a credential starts with 'SKC1:')")
    return page_url.split("#", 1)[0] + "#" + urllib.parse.quote(text, safe=":$*+-./")


def _public_key_list(public_keys: Any) -> list:
    """PublicKey objects from one or several PublicKey objects, district.pub paths or texts."""
    if public_keys is None:
        return []
    if isinstance(public_keys, (str, os.PathLike, PublicKey)):
        public_keys = [public_keys]
    out = []
    for k in public_keys:
        if isinstance(k, PublicKey):
            out.append(k)
        elif isinstance(k, str) and k.startswith("skamp-ed25519-public/1 "):
            out.append(PublicKey.from_text(k))
        else:
            out.append(PublicKey.load(k))
    return out


def _key_entry(key: PublicKey) -> dict:
    """The page's form of a public key: its id and its 32 bytes in hex."""
    _tag, key_id, hex_key = key.to_text().split()
    return {"key_id": key_id, "public": hex_key}


def _csp_hash(template: str, element: str) -> str:
    """The CSP source 'sha256-...' of the one bare <script> or <style> element of the page."""
    found = re.findall(rf"<{element}>(.*?)</{element}>", template, flags=re.S)
    if len(found) != 1:
        raise _core.Error(f"verification page template: expected one <{element}> element")
    digest = base64.b64encode(hashlib.sha256(found[0].encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def _signing_key(key: Any) -> SigningKey:
    """A SigningKey from a key, a district.key path, or (None) SMARTKAMPUNG_KEY."""
    if isinstance(key, SigningKey):
        return key
    if key is None:
        path = os.environ.get("SMARTKAMPUNG_KEY")
        if not path:
            raise _core.Error("a district signing key is needed (key=..., or SMARTKAMPUNG_KEY)")
        return SigningKey.load(path)
    return SigningKey.load(key)


#: Every status a certificate can have at a moment.
STATUSES = (
    "none",
    "applied",
    "under_audit",
    "active",
    "evaluation_due",
    "suspended",
    "revoked",
    "expired",
    "withdrawn",
)

#: The statuses that admit visitors and appear in the tourism-app listing.
VALID_STATUSES = ("active", "evaluation_due")
