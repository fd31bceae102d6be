"""The service's own state in SQLite: reports, reservations, check-ins, the audit log,
officers and sessions.

One connection per thread (SQLite connections are not shared between threads); WAL
journal with ``synchronous=FULL``, so that a transaction that returned from COMMIT is on
disk: a report answered "accepted" survives kill -9 and a power cut. The schema is created
and migrated here, one numbered step at a time (``PRAGMA user_version``).
"""

from __future__ import annotations

import datetime as _dt
import json
import pathlib
import sqlite3
import threading
from typing import Any, Iterator

#: Each step brings the schema from version i to i + 1; steps are only ever appended.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,          -- UTC, ISO
        at_utc REAL NOT NULL,               -- the report's time, UTC seconds (what the registry was given)
        program TEXT,
        record TEXT NOT NULL,               -- JSON: the fields as submitted (personal data: never logged)
        queue_position INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued'
    );
    CREATE TABLE reservations (
        id INTEGER PRIMARY KEY,
        house_id INTEGER NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        distance_m REAL,
        patient_ref TEXT NOT NULL,
        beds INTEGER NOT NULL DEFAULT 1,
        officer TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'reserved',   -- reserved, checked_in, released
        updated_at TEXT NOT NULL
    );
    CREATE INDEX reservations_open ON reservations(status);
    CREATE TABLE checkins (
        id INTEGER PRIMARY KEY,
        reservation_id INTEGER NOT NULL REFERENCES reservations(id),
        officer TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT                          -- JSON
    );
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('officer', 'auditor')),
        password TEXT NOT NULL,              -- scrypt$n$r$p$salt$hash
        created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,         -- SHA-256 of the cookie's token
        user TEXT NOT NULL REFERENCES users(name),
        role TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at REAL NOT NULL
    );
    """,
]


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """The database file; ``conn()`` is this thread's connection."""

    def __init__(self, path: str | pathlib.Path):
        self.path = pathlib.Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.migrate()

    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=True)
            c.row_factory = sqlite3.Row
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=FULL")
            c.execute("PRAGMA foreign_keys=ON")
            c.execute("PRAGMA busy_timeout=30000")
            self._local.conn = c
        return c

    def migrate(self) -> int:
        """Creates the schema or brings it up to date; returns the version reached."""
        c = self.conn()
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path}: schema version {version} is newer than this service "
                f"({len(MIGRATIONS)}): upgrade smartkampung"
            )
        for step in range(version, len(MIGRATIONS)):
            c.execute("BEGIN IMMEDIATE")  # executescript would commit on its own: statements one by one
            try:
                for statement in _statements(MIGRATIONS[step]):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version={step + 1}")
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return len(MIGRATIONS)

    # ------------------------------------------------------------------ reports

    def add_report(self, record: dict[str, Any], at_utc: float, program: str | None, queue_position: int) -> int:
        """Stores an accepted report durably (returns after the commit reached the disk)."""
        c = self.conn()
        cur = c.execute(
            "INSERT INTO reports (received_at, at_utc, program, record, queue_position) " "VALUES (?, ?, ?, ?, ?)",
            (utc_now(), at_utc, program, json.dumps(record, ensure_ascii=False), queue_position),
        )
        return int(cur.lastrowid)

    def reports_after(self, last_id: int = 0) -> Iterator[sqlite3.Row]:
        yield from self.conn().execute("SELECT * FROM reports WHERE id > ? ORDER BY id", (last_id,))

    def report_count(self) -> int:
        return int(self.conn().execute("SELECT count(*) FROM reports").fetchone()[0])

    # ------------------------------------------------------------------ reservations

    def add_reservation(
        self,
        house_id: int,
        lat: float,
        lon: float,
        distance_m: float | None,
        patient_ref: str,
        officer: str,
        role: str,
        client: str,
    ) -> int:
        c = self.conn()
        now = utc_now()
        c.execute("BEGIN IMMEDIATE")
        try:
            cur = c.execute(
                "INSERT INTO reservations (house_id, lat, lon, distance_m, patient_ref, officer, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (house_id, lat, lon, distance_m, patient_ref, officer, now, now),
            )
            rid = int(cur.lastrowid)
            self._audit(
                c,
                officer,
                role,
                "reserve_bed",
                f"reservation:{rid}",
                {"house_id": house_id, "distance_m": distance_m, "client": client},
            )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return rid

    def set_reservation_status(self, rid: int, status: str, officer: str, role: str, client: str) -> sqlite3.Row:
        """reserved -> checked_in -> released (or reserved -> released); the row before the
        change, or LookupError/ValueError."""
        c = self.conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            row = c.execute("SELECT * FROM reservations WHERE id = ?", (rid,)).fetchone()
            if row is None:
                raise LookupError(rid)
            allowed = {"checked_in": ("reserved",), "released": ("reserved", "checked_in")}[status]
            if row["status"] not in allowed:
                raise ValueError(row["status"])
            c.execute("UPDATE reservations SET status = ?, updated_at = ? WHERE id = ?", (status, utc_now(), rid))
            if status == "checked_in":
                c.execute(
                    "INSERT INTO checkins (reservation_id, officer, at) VALUES (?, ?, ?)", (rid, officer, utc_now())
                )
            self._audit(
                c,
                officer,
                role,
                "check_in" if status == "checked_in" else "release_bed",
                f"reservation:{rid}",
                {"house_id": row["house_id"], "client": client},
            )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return row

    def open_reservations(self) -> list[sqlite3.Row]:
        return self.conn().execute("SELECT * FROM reservations WHERE status != 'released' ORDER BY id").fetchall()

    def reservation(self, rid: int) -> sqlite3.Row | None:
        return self.conn().execute("SELECT * FROM reservations WHERE id = ?", (rid,)).fetchone()

    # ------------------------------------------------------------------ audit

    @staticmethod
    def _audit(
        c: sqlite3.Connection, actor: str, role: str, action: str, target: str | None, detail: dict[str, Any] | None
    ) -> None:
        c.execute(
            "INSERT INTO audit (at, actor, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), actor, role, action, target, json.dumps(detail or {}, ensure_ascii=False)),
        )

    def audit(
        self, actor: str, role: str, action: str, target: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        self._audit(self.conn(), actor, role, action, target, detail)

    def audit_log(self, limit: int = 200) -> list[sqlite3.Row]:
        return self.conn().execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    # ------------------------------------------------------------------ officers and sessions

    def add_user(self, name: str, role: str, password_hash: str) -> None:
        self.conn().execute(
            "INSERT INTO users (name, role, password, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET role = excluded.role, password = excluded.password, "
            "disabled = 0",
            (name, role, password_hash, utc_now()),
        )

    def user(self, name: str) -> sqlite3.Row | None:
        return self.conn().execute("SELECT * FROM users WHERE name = ? AND disabled = 0", (name,)).fetchone()

    def add_session(self, token_hash: str, user: str, role: str, csrf: str, expires_at: float) -> None:
        self.conn().execute(
            "INSERT INTO sessions (token_hash, user, role, csrf, created_at, expires_at) " "VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, user, role, csrf, utc_now(), expires_at),
        )

    def session(self, token_hash: str, now: float) -> sqlite3.Row | None:
        return (
            self.conn()
            .execute(
                "SELECT s.* FROM sessions s JOIN users u ON u.name = s.user "
                "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
                (token_hash, now),
            )
            .fetchone()
        )

    def drop_session(self, token_hash: str) -> None:
        self.conn().execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def drop_expired_sessions(self, now: float) -> None:
        self.conn().execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))


def _statements(script: str) -> list[str]:
    """The statements of a migration (no ';' inside our literals or comments)."""
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
