"""What the service reads from the district's files: the registry snapshot, the
certificate store and the isolation houses, each loaded aside and swapped in on reload.

A request takes the current objects once and keeps them to its end, so a reload never
shows it a mix; loading happens on a worker thread while the old snapshot goes on
answering (no downtime). The registry's report queue is not the durable one: the
service's SQLite database is, and its accepted reports are replayed into every newly
loaded registry, so that "this NIK has already reported" holds across restarts and
reloads. Open reservations are re-applied to newly loaded houses in the same way.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import pathlib
import threading
import time
from dataclasses import dataclass
from typing import Any

import smartkampung as sk

from .config import ServeConfig
from .store import Store

log = logging.getLogger("smartkampung.serve")


@dataclass(frozen=True)
class Snapshot:
    """One consistent set of sources."""

    registry: Any
    certs: Any
    houses: Any | None
    house_names: dict[int, str]
    businesses: dict[int, dict]
    status_list: str | None
    loaded_at: str
    replayed_reports: int


class Sources:
    """The current snapshot and how to replace it."""

    def __init__(self, config: ServeConfig, store: Store):
        self.config = config
        self.store = store
        self.keys = [k if isinstance(k, sk.PublicKey) else sk.PublicKey.load(str(k)) for k in config.public_keys]
        #: held by report intake around registry.report + the INSERT, by bed reservations
        #: around the index change + the INSERT, and by a reload while it replays the last
        #: reports, re-applies reservations and swaps: nothing accepted is missing afterwards
        self.intake_lock = threading.RLock()
        self._reload_lock = threading.Lock()
        self.current: Snapshot = self._load()

    # -------------------------------------------------------------- loading

    def _load_registry(self) -> Any:
        return sk.Registry.load(
            str(self.config.registry), public_keys=self.keys or None, allow_unsigned=self.config.allow_unsigned
        )

    def _load_certs(self) -> Any:
        return sk.CertificateRegistry.load(
            str(self.config.certs), public_keys=self.keys or None, allow_unsigned=self.config.allow_unsigned
        )

    def _load_houses(self) -> tuple[Any | None, dict[int, str]]:
        path = self.config.houses
        if path is None:
            return None, {}
        text = str(path)
        index = sk.FacilityIndex.from_json(text) if text.lower().endswith(".json") else sk.FacilityIndex.from_csv(text)
        names = {int(i): index.facility(int(i)).get("name") or "" for i in index.ids().tolist()}
        for row in self.store.open_reservations():
            if int(row["house_id"]) in index and not index.reserve(int(row["house_id"]), int(row["beds"])):
                log.warning(
                    "reservation %d: house %d has no free bed left in the reloaded list", row["id"], row["house_id"]
                )
        return index, names

    def _status_list(self) -> str | None:
        if self.config.status_list is None:
            return None
        text = pathlib.Path(self.config.status_list).read_text(encoding="ascii", errors="replace").strip()
        sk.cert.verify("", self.keys, status_list=text)  # raises Error when it does not verify
        return text

    @staticmethod
    def replay(registry: Any, rows: Any) -> tuple[int, int]:
        """Feeds stored reports into a registry's queue; returns (count, last id)."""
        n, last = 0, 0
        for row in rows:
            record = json.loads(row["record"])
            registry.report(record, float(row["at_utc"]), program=row["program"])
            n, last = n + 1, int(row["id"])
        return n, last

    def _load(self) -> Snapshot:
        started = time.monotonic()
        registry = self._load_registry()
        certs = self._load_certs()
        businesses = {int(i): dict(certs.history(int(i))[0]["business"]) for i in certs.ids()}
        status_list = self._status_list()
        n, last = self.replay(registry, self.store.reports_after(0))
        with self.intake_lock:  # the reports and reservations made meanwhile, then the swap
            more, _ = self.replay(registry, self.store.reports_after(last))
            houses, names = self._load_houses()  # a small file: read under the lock
            snap = Snapshot(
                registry,
                certs,
                houses,
                names,
                businesses,
                status_list,
                _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                n + more,
            )
            self.current = snap
        log.info(
            "sources loaded in %.1f s: %d enrolments, %d businesses, %s houses, %d stored reports replayed",
            time.monotonic() - started,
            len(registry),
            len(certs),
            len(houses) if houses is not None else "no",
            n + more,
        )
        return snap

    def business(self, id: int) -> dict:
        """A business's registration (name, category, lat, lon, capacity, zone)."""
        return self.current.businesses[int(id)]

    def reload(self) -> Snapshot:
        """Loads every source anew and swaps it in; on any error the old snapshot stays and
        the error is raised (logged by the caller, without personal data)."""
        with self._reload_lock:
            return self._load()
