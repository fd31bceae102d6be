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

import os
import pathlib
from typing import Any, Iterable

from . import _core
from ._files import write_atomic  # one atomic writer for every output file
from ._core import CertificateError, CertificateRegistry, PublicKey, SigningKey

__all__ = ["CertificateError", "CertificateRegistry", "PublicKey", "SigningKey", "VALID_STATUSES", "STATUSES",
           "generate_key", "verify", "qr_png", "qr_svg", "write_sticker"]


def generate_key(dir: str | os.PathLike) -> PublicKey:
    """Generates a district Ed25519 key pair: ``dir/district.key`` (private, mode 0600, never
    overwritten) and ``dir/district.pub`` (to hand to verifiers). Returns the public key."""
    pathlib.Path(dir).mkdir(parents=True, exist_ok=True)
    return _core.cert_generate_key(str(dir))


def verify(text: str, public_keys: Any, status_list: str | None = None, at: Any = None,
           max_list_age_s: float = 7 * 86400) -> dict:
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


def write_sticker(reg: CertificateRegistry, id: int, out_dir: str | os.PathLike, key: Any = None,
                  at: Any = None) -> dict:
    """Writes the printable sticker of a business: ``<id>.txt`` (the credential text),
    ``<id>.png`` and ``<id>.svg`` (its QR code; the SVG with name, certificate number and
    validity below). Returns {"txt", "png", "svg", "text"}."""
    key = _signing_key(key)
    text = reg.sticker(id, key=key, at=at)
    info = verify(text, [key.public_key], at=at)
    b = info["business"]
    caption = [b["name"], f"{info['certificate_id']} \u00b7 berlaku s.d. / valid until {info['valid_until']}",
               "Pindai untuk memeriksa / scan to verify"]
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"txt": out / f"{id}.txt", "png": out / f"{id}.png", "svg": out / f"{id}.svg"}
    write_atomic(paths["txt"], text + "\n")
    write_atomic(paths["png"], qr_png(text))
    write_atomic(paths["svg"], qr_svg(text, caption))
    return {**{k: str(v) for k, v in paths.items()}, "text": text}


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
