"""Guards of the service: officer passwords (scrypt), session and CSRF tokens, per-client
rate limits, pseudonyms of clients for the log, and the last guard on log lines."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("smartkampung.serve")

# ---------------------------------------------------------------------------- passwords

#: scrypt cost: 2**15 x 8 x 1 (32 MiB, about 0.1 s a guess); stored with the hash so that
#: it can be raised later without invalidating old hashes.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) of a password."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=32
    )
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)])


def check_password(password: str, stored: str) -> bool:
    """True when the password gives the stored hash (compared in constant time)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 1024 * 1024,
            dklen=len(_unb64(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


#: A hash to check against when the user is unknown, so that the answer takes as long.
DUMMY_HASH = "scrypt$32768$8$1$" + "A" * 22 + "$" + "A" * 43


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------------------- tokens


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored form of a session token (a database dump holds no live session)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def load_secret(data_dir: Path) -> bytes:
    """The service's secret key (CSRF tokens, client pseudonyms): DATA/secret, 0600,
    created on first start."""
    path = Path(data_dir) / "secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
            f.flush()
            os.fsync(f.fileno())
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        os.chmod(path, 0o600)
    return path.read_bytes()


def csrf_for(secret: bytes, cookie_token: str) -> str:
    """The form field matching a CSRF cookie: HMAC of the cookie's random token, so that a
    cookie planted by a neighbour site cannot be paired with a field of its choosing."""
    return hmac.new(secret, b"csrf:" + cookie_token.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, cookie_token: str | None, field_value: str | None) -> bool:
    if not cookie_token or not field_value:
        return False
    return hmac.compare_digest(csrf_for(secret, cookie_token), field_value)


def client_pseudonym(secret: bytes, address: str) -> str:
    """A stable name of a client address for the log (an address is personal data)."""
    return "c-" + hmac.new(secret, b"client:" + address.encode(), hashlib.sha256).hexdigest()[:10]


# ---------------------------------------------------------------------------- rate limits


#: Distinct keys counted per client at most (a keyed 8-byte hash each): the log says ">=" past it.
DISTINCT_CAP = 10_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    refused: int = 0
    logged_at: float = 0.0
    distinct: set = field(default_factory=set)


class RateLimiter:
    """A token bucket per client and purpose: ``per_minute`` requests a minute, bursts of
    as many. Clients in an exempt network are never limited. A refused client is logged
    (its pseudonym, the purpose, how many refused, how many distinct keys, e.g. NIKs, it
    asked about) at most once per ``log_interval`` seconds: an enumeration shows in the log
    while the log does not grow with it."""

    def __init__(
        self,
        purpose: str,
        per_minute: int,
        secret: bytes,
        exempt: list | None = None,
        log_interval: float = 10.0,
        max_clients: int = 100_000,
    ):
        self.purpose, self.rate = purpose, per_minute / 60.0
        self.capacity = float(per_minute)
        self.secret, self.exempt = secret, exempt or []
        self.log_interval, self.max_clients = log_interval, max_clients
        self._buckets: dict[str, _Bucket] = {}
        self._exempt_cache: dict[str, bool] = {}
        self._lock = threading.Lock()

    def is_exempt(self, address: str) -> bool:
        if not self.exempt:
            return False
        known = self._exempt_cache.get(address)
        if known is None:
            try:
                ip = ipaddress.ip_address(address)
                known = any(ip in net for net in self.exempt)
            except ValueError:
                known = False
            if len(self._exempt_cache) > 10_000:
                self._exempt_cache.clear()
            self._exempt_cache[address] = known
        return known

    def allow(self, address: str, key: str | None = None) -> bool:
        """Takes a token for the client; False when it has none left. ``key`` (a NIK)
        is only counted (distinct keys, as a keyed hash), never kept or logged."""
        if self.capacity <= 0 or self.is_exempt(address):
            return True
        now = time.monotonic()
        with self._lock:
            b = self._buckets.get(address)
            if b is None:
                if len(self._buckets) >= self.max_clients:
                    self._evict(now)
                b = self._buckets[address] = _Bucket(self.capacity, now)
            b.tokens = min(self.capacity, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if key is not None and len(b.distinct) < DISTINCT_CAP:
                b.distinct.add(hmac.new(self.secret, key.encode("utf-8", "replace"), hashlib.sha256).digest()[:8])
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return True
            b.refused += 1
            if now - b.logged_at >= self.log_interval:
                b.logged_at = now
                distinct = f"{len(b.distinct)}" if len(b.distinct) < DISTINCT_CAP else f">={DISTINCT_CAP}"
                log.warning(
                    "rate limit: %s: client %s refused (%d refused so far, %s distinct %s asked)",
                    self.purpose,
                    client_pseudonym(self.secret, address),
                    b.refused,
                    distinct,
                    "NIKs" if self.purpose in ("check", "report") else "keys",
                )
            return False

    def _evict(self, now: float) -> None:
        """Drops the buckets that have refilled (their clients are back to a clean state)."""
        full = [a for a, b in self._buckets.items() if b.tokens + (now - b.stamp) * self.rate >= self.capacity]
        for a in full:
            del self._buckets[a]
        if len(self._buckets) >= self.max_clients:  # all busy: forget the oldest
            for a in sorted(self._buckets, key=lambda a: self._buckets[a].stamp)[: self.max_clients // 10]:
                del self._buckets[a]


# ---------------------------------------------------------------------------- logs

#: A NIK or KK (16 digits, perhaps grouped by four): masked in any log line, a last guard
#: behind the rule that no handler logs what a client sent.
_NIK_LIKE = re.compile(r"(?<!\d)(\d{4})[ .-]?(\d{4})[ .-]?(\d{4})[ .-]?(\d{4})(?!\d)")


class MaskingFilter(logging.Filter):
    """Masks NIK-like digit runs in every record's final message, and drops tracebacks
    (a traceback quotes values: a frame's line, an exception's message) for the exception's
    type, unless SMARTKAMPUNG_DEBUG is set on a machine without real data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not os.environ.get("SMARTKAMPUNG_DEBUG"):
            kind = record.exc_info[0].__name__ if record.exc_info[0] else "exception"
            record.msg, record.args = f"{record.getMessage()} ({kind})", None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        message = record.getMessage()
        masked = _NIK_LIKE.sub(lambda m: m.group(1) + "*" * 8 + m.group(4), message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True
