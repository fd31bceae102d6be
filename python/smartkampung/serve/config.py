"""The service's settings, one dataclass filled by the CLI (or by a test)."""

from __future__ import annotations

import ipaddress
import pathlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ServeConfig:
    """What the service reads and how it guards itself.

    ``registry``: a registry snapshot saved by ``dedup --save`` (source of the public check
    and of the report intake); ``certs``: a certificate store; ``houses``: isolation houses
    (CSV or JSON, as ``smartkampung nearest --houses``), optional; ``data_dir``: where the
    SQLite database and the session secret live. ``public_keys``: district public keys
    (paths or PublicKey objects) that verify the registry, the store and stickers.
    """

    registry: pathlib.Path
    certs: pathlib.Path
    data_dir: pathlib.Path
    houses: pathlib.Path | None = None
    public_keys: list[Any] = field(default_factory=list)
    allow_unsigned: bool = False
    status_list: pathlib.Path | None = None
    #: public check: requests per minute and per client (a token bucket of this size)
    check_per_minute: int = 30
    #: online reports: submissions per minute and per client
    report_per_minute: int = 6
    #: login attempts per minute and per client
    login_per_minute: int = 10
    #: clients exempt from the rate limits (CIDR networks), e.g. a load test's address
    rate_exempt: list[str] = field(default_factory=list)
    #: proxies whose X-Forwarded-For/-Proto are trusted (uvicorn's forwarded_allow_ips)
    trusted_proxies: str = "127.0.0.1"
    #: threads that run blocking calls (SQLite commits, file loads, scrypt) off the event loop
    workers: int = 4
    #: the public check on the event loop itself: a binary search over the NIK keys (about
    #: 6 us per call on 1M persons) costs far less than a hop to a worker thread and back
    #: (100-150 us measured); False sends it to the workers like every other call
    inline_check: bool = True
    session_hours: float = 8.0
    #: a log line per client at most this often when it is refused (seconds)
    limit_log_interval_s: float = 10.0

    def exempt_networks(self) -> list[ipaddress._BaseNetwork]:
        return [ipaddress.ip_network(n, strict=False) for n in self.rate_exempt]

    @property
    def database(self) -> pathlib.Path:
        return pathlib.Path(self.data_dir) / "smartkampung-serve.sqlite3"
