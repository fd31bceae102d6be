"""What the pages and the JSON API both do, over the public library API. Every function
here is blocking (a library call, a SQLite transaction) and runs on a worker thread; each
returns plain data that both faces render.

Personal data passes through (a NIK to check, a report's fields) but is never logged:
log lines name the client by pseudonym and the outcome by its code.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any

import smartkampung as sk

from .sources import Sources

WIB = _dt.timezone(_dt.timedelta(hours=7), "WIB")

#: The fields of an online report, as the library's intake names them, and their longest value.
REPORT_FIELDS = {
    "nik": 32,
    "kk": 32,
    "name": 120,
    "birth_date": 32,
    "sex": 16,
    "address": 200,
    "village": 80,
    "district": 80,
    "rt": 8,
    "rw": 8,
}


class BadInput(ValueError):
    """A request field that is missing, too long or of the wrong form: ``field`` names it."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


def now() -> _dt.datetime:
    return _dt.datetime.now(WIB)


# ---------------------------------------------------------------------------- public check


def public_check(sources: Sources, nik: Any) -> dict[str, Any]:
    """The masked public answer, or {'invalid': reason code} for an invalid NIK."""
    if not isinstance(nik, str) or len(nik) > 64:
        raise BadInput("nik")
    nik = nik.strip()
    if not nik:
        return {"valid": False, "reason": "missing"}
    try:
        answer = sources.current.registry.public_check(nik)
    except sk.NikError as e:
        return {"valid": False, "reason": e.code}
    return {"valid": True, **answer}


# ---------------------------------------------------------------------------- reports


def clean_report(fields: dict[str, Any], programs: list[str]) -> tuple[dict[str, str], str | None]:
    """The record to hand to the library (known fields, trimmed, bounded) and the programme
    asked for (one the registry holds, or None)."""
    record: dict[str, str] = {}
    for name, limit in REPORT_FIELDS.items():
        value = fields.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            raise BadInput(name)
        value = value.strip()
        if value:
            record[name] = value
    program = fields.get("program")
    if program in (None, ""):
        program = None
    elif not isinstance(program, str) or program not in programs:
        raise BadInput("program")
    return record, program


def program_names(sources: Sources) -> list[str]:
    return [p["name"] for p in sources.current.registry.programs()]


def submit_report(sources: Sources, fields: dict[str, Any]) -> dict[str, Any]:
    """Runs the library's intake; an accepted report is committed to SQLite (synchronous
    FULL) before this returns, so that an "accepted" answer is never lost."""
    record, program = clean_report(fields, program_names(sources))
    at = now()
    with sources.intake_lock:
        registry = sources.current.registry
        outcome = registry.report(record, at, program=program)
        report_id = None
        if outcome.accepted:
            try:
                report_id = sources.store.add_report(record, at.timestamp(), program, outcome.queue_position)
            except BaseException:
                # not stored: the queue in memory must not hold it either (it would refuse a retry
                # as a duplicate). Reload the queue from the database, the durable one.
                sources.reload()
                raise
    return {
        "accepted": outcome.accepted,
        "reason": outcome.reason,
        "detail": outcome.detail,
        "programs": list(outcome.programs),
        "queue_position": outcome.queue_position if outcome.accepted else None,
        "report_id": report_id,
    }


# ---------------------------------------------------------------------------- certified places


def _number(value: Any, field: str, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BadInput(field) from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise BadInput(field)
    return x


def _local_date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _place(sources: Sources, id: int, at: _dt.datetime, distance: float | None = None) -> dict[str, Any]:
    certs = sources.current.certs
    business = sources.business(id)
    info = certs.certificate(id, at)
    return {
        "id": id,
        "name": business["name"],
        "category": business["category"],
        "zone": business.get("zone") or "",
        "lat": business["lat"],
        "lon": business["lon"],
        "status": info["status"],
        "valid": info["status"] in sk.VALID_STATUSES,
        "certificate": info["certificate_id"] or None,
        "valid_until": _local_date(info["valid_until"]),
        "max_visitors": certs.max_visitors(id, at),
        **({"distance_m": round(distance, 1)} if distance is not None else {}),
    }


def places(
    sources: Sources, lat: Any = None, lon: Any = None, radius: Any = None, category: Any = None, zone: Any = None
) -> list[dict[str, Any]]:
    """Certified places (valid certificate now): near a point (within radius metres,
    nearest first) or in a village/zone, optionally of one category."""
    certs = sources.current.certs
    at = now()
    if category in ("", None):
        category = None
    elif not isinstance(category, str) or category not in certs.categories:
        raise BadInput("category")
    if lat not in (None, "") or lon not in (None, ""):
        la, lo = _number(lat, "lat", -90, 90), _number(lon, "lon", -180, 180)
        r = _number(radius if radius not in (None, "") else 5000, "radius", 1, 100_000)
        return [_place(sources, id, at, d) for id, d in certs.certified_near(la, lo, r, at, category)]
    if zone not in (None, "") and (not isinstance(zone, str) or len(zone) > 80):
        raise BadInput("zone")
    found = []
    for id, status in sorted(certs.statuses(at).items()):
        if status not in sk.VALID_STATUSES:
            continue
        b = sources.business(id)
        if category is not None and b["category"] != category:
            continue
        if zone not in (None, "") and (b.get("zone") or "").casefold() != zone.strip().casefold():
            continue
        found.append(_place(sources, id, at))
    return found


def place(sources: Sources, id: Any) -> dict[str, Any] | None:
    try:
        ident = int(id)
    except (TypeError, ValueError):
        raise BadInput("id") from None
    if ident not in sources.current.certs:
        return None
    return _place(sources, ident, now())


def verify_sticker(sources: Sources, text: Any, place_id: int | None = None) -> dict[str, Any]:
    """The sticker check: the library's offline verification (signature, validity window,
    status list), then the store's own status now (the store is newer than any list)."""
    if not isinstance(text, str) or len(text) > 4096:
        raise BadInput("text")
    snap = sources.current
    v = sk.cert.verify(text.strip(), sources.keys, status_list=snap.status_list, at=now())
    out = {
        "genuine": bool(v["genuine"]),
        "valid": bool(v["valid"]),
        "status": v["status"],
        "reason": v["reason"],
        "business": v.get("business"),
        "certificate": v.get("certificate_id"),
        "valid_until": _local_date(v.get("valid_until")),
        "matches_place": None,
        "store_status": None,
    }
    b = v.get("business")
    if v["genuine"] and b is not None:
        bid = int(b["id"])
        if place_id is not None:
            out["matches_place"] = bid == place_id
        if bid in snap.certs:
            info = snap.certs.certificate(bid, now())
            out["store_status"] = info["status"]
            current = info["certificate_id"] or None
            if out["valid"] and (info["status"] not in sk.VALID_STATUSES or current != out["certificate"]):
                out["valid"] = False  # suspended/revoked/renewed since the list was signed
                out["status"] = info["status"] if info["status"] not in sk.VALID_STATUSES else "superseded"
        if place_id is not None and not out["matches_place"]:
            out["valid"] = False
    return out


# ---------------------------------------------------------------------------- isolation houses


@dataclass
class Officer:
    name: str
    role: str
    client: str


def nearest_houses(sources: Sources, lat: Any, lon: Any, k: Any = 5) -> list[dict[str, Any]]:
    index = sources.current.houses
    if index is None:
        return []
    la, lo = _number(lat, "lat", -90, 90), _number(lon, "lon", -180, 180)
    kk = int(_number(k if k not in (None, "") else 5, "k", 1, 50))
    out = []
    for id, dist in index.nearest(la, lo, k=kk, min_free=1):
        out.append(
            {
                "id": int(id),
                "name": sources.current.house_names.get(int(id), ""),
                "distance_m": round(dist, 1),
                "free_beds": index.free_beds(int(id)),
            }
        )
    return out


def reserve_bed(
    sources: Sources, officer: Officer, lat: Any, lon: Any, patient_ref: Any, house_id: Any = None
) -> dict[str, Any] | None:
    """Takes a bed (in the house chosen, else the nearest with one) and records the
    reservation and its audit entry in one transaction. None when no bed is free."""
    la, lo = _number(lat, "lat", -90, 90), _number(lon, "lon", -180, 180)
    if not isinstance(patient_ref, str) or not patient_ref.strip() or len(patient_ref) > 64:
        raise BadInput("patient_ref")
    with sources.intake_lock:
        index = sources.current.houses
        if index is None:
            return None
        if house_id in (None, ""):
            got = index.nearest_reserve(la, lo, 1)
            if got is None:
                return None
            hid, dist = int(got[0]), float(got[1])
        else:
            hid = int(_number(house_id, "house_id", 0, 2**62))
            if hid not in index:
                raise BadInput("house_id")
            if not index.reserve(hid, 1):
                return None
            f = index.facility(hid)
            dist = sk.wgs84_distance(la, lo, f["lat"], f["lon"])
        try:
            rid = sources.store.add_reservation(
                hid, la, lo, round(dist, 1), patient_ref.strip(), officer.name, officer.role, officer.client
            )
        except BaseException:
            index.release(hid, 1)
            raise
    return {
        "reservation": rid,
        "house_id": hid,
        "name": sources.current.house_names.get(hid, ""),
        "distance_m": round(dist, 1),
        "free_beds": index.free_beds(hid),
    }


def change_reservation(sources: Sources, officer: Officer, rid: Any, status: str) -> dict[str, Any]:
    """checked_in or released (a release frees the bed)."""
    try:
        ident = int(rid)
    except (TypeError, ValueError):
        raise BadInput("reservation") from None
    with sources.intake_lock:
        try:
            row = sources.store.set_reservation_status(ident, status, officer.name, officer.role, officer.client)
        except (LookupError, ValueError):
            raise BadInput("reservation") from None
        index = sources.current.houses
        if status == "released" and index is not None and int(row["house_id"]) in index:
            index.release(int(row["house_id"]), int(row["beds"]))
    return {"reservation": ident, "status": status}


def open_reservations(sources: Sources) -> list[dict[str, Any]]:
    return [dict(r) for r in sources.store.open_reservations()]
