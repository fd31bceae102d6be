"""Synthetic isolation houses and tourism businesses for the Banyuwangi demo.

Deterministic for a seed; no real data. District centres are approximate
coordinates of Banyuwangi's 25 kecamatan (for plausible maps only).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

# (district code, name, approximate centre latitude, longitude)
DISTRICTS: list[tuple[str, str, float, float]] = [
    ("351001", "Pesanggaran", -8.590, 114.030),
    ("351002", "Bangorejo", -8.515, 114.190),
    ("351003", "Purwoharjo", -8.530, 114.250),
    ("351004", "Tegaldlimo", -8.580, 114.320),
    ("351005", "Muncar", -8.435, 114.335),
    ("351006", "Cluring", -8.435, 114.255),
    ("351007", "Gambiran", -8.430, 114.170),
    ("351008", "Srono", -8.395, 114.270),
    ("351009", "Genteng", -8.365, 114.150),
    ("351010", "Glenmore", -8.340, 114.030),
    ("351011", "Kalibaru", -8.290, 113.970),
    ("351012", "Singojuruh", -8.305, 114.220),
    ("351013", "Rogojampi", -8.315, 114.290),
    ("351014", "Kabat", -8.270, 114.320),
    ("351015", "Glagah", -8.205, 114.330),
    ("351016", "Banyuwangi", -8.215, 114.370),
    ("351017", "Giri", -8.190, 114.345),
    ("351018", "Wongsorejo", -7.990, 114.405),
    ("351019", "Songgon", -8.255, 114.175),
    ("351020", "Sempu", -8.320, 114.120),
    ("351021", "Kalipuro", -8.135, 114.370),
    ("351022", "Siliragung", -8.545, 114.110),
    ("351023", "Tegalsari", -8.440, 114.100),
    ("351024", "Licin", -8.185, 114.270),
    ("351025", "Blimbingsari", -8.285, 114.355),
]

CATEGORIES = ["warung", "restaurant", "cafe", "homestay", "hotel", "destination"]
# Roughly the 2020 mix: about 300 of the first 700 certified businesses were warung.
_CATEGORY_WEIGHTS = [0.43, 0.17, 0.12, 0.12, 0.08, 0.08]
_CATEGORY_CAPACITY = {
    "warung": (10, 40),
    "restaurant": (30, 150),
    "cafe": (20, 80),
    "homestay": (4, 20),
    "hotel": (40, 300),
    "destination": (200, 3000),
}


def _jitter(rng: np.random.Generator, n: int, km: float) -> tuple[np.ndarray, np.ndarray]:
    # ~111 km per degree; a uniform disc of radius `km` around the centre.
    r = km / 111.0 * np.sqrt(rng.random(n))
    theta = rng.random(n) * 2 * np.pi
    return r * np.cos(theta), r * np.sin(theta)


def isolation_houses(n_houses: int = 120, seed: int = 2020) -> dict[str, np.ndarray]:
    """Isolation houses (rumah isolasi) spread over the districts.

    Returns columns ``id`` (int64), ``name`` (list of str), ``lat``, ``lon`` (float64),
    ``capacity``, ``occupied`` (int64), ``open`` (bool), ``kind`` (list of str),
    ``district`` (list of str).
    """
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(DISTRICTS), n_houses)
    dlat, dlon = _jitter(rng, n_houses, 6.0)
    lat = np.array([DISTRICTS[i][2] for i in which]) + dlat
    lon = np.array([DISTRICTS[i][3] for i in which]) + dlon
    capacity = rng.integers(4, 31, n_houses).astype(np.int64)
    # Mid-2021 pressure: most houses nearly full, a few empty.
    occupied = np.minimum(capacity, np.round(capacity * rng.beta(5, 2, n_houses))).astype(np.int64)
    is_open = rng.random(n_houses) > 0.05
    kinds = ["rumah_isolasi" if k < 0.8 else "gedung_desa" for k in rng.random(n_houses)]
    names = [f"Rumah Isolasi {DISTRICTS[d][1]} {i + 1}" for i, d in enumerate(which)]
    return {
        "id": np.arange(1, n_houses + 1, dtype=np.int64),
        "name": names,
        "lat": lat,
        "lon": lon,
        "capacity": capacity,
        "occupied": occupied,
        "open": is_open,
        "kind": kinds,
        "district": [DISTRICTS[d][0] for d in which],
    }


def residents(n: int = 500, seed: int = 2021) -> dict[str, np.ndarray]:
    """Residents who must isolate: ``lat``, ``lon`` near district centres."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(DISTRICTS), n)
    dlat, dlon = _jitter(rng, n, 8.0)
    return {
        "lat": np.array([DISTRICTS[i][2] for i in which]) + dlat,
        "lon": np.array([DISTRICTS[i][3] for i in which]) + dlon,
    }


def businesses(n: int = 700, seed: int = 2020) -> list[dict[str, Any]]:
    """Tourism businesses with a certificate history (2020 Banyuwangi style).

    Each business is a dict with ``id``, ``name``, ``category``, ``lat``, ``lon``,
    ``capacity``, ``district`` and ``events``: a list of ``(kind, datetime, extra)``
    in recorded order, where kind is one of ``apply``, ``audit`` (extra: passed),
    ``issue``, ``evaluate`` (extra: passed), ``violation`` (extra: reason),
    ``revoke`` (extra: reason). Times are timezone-aware (WIB).
    """
    rng = np.random.default_rng(seed)
    wib = _dt.timezone(_dt.timedelta(hours=7))
    start = _dt.datetime(2020, 6, 8, 9, 0, tzinfo=wib)
    out = []
    cats = rng.choice(len(CATEGORIES), size=n, p=_CATEGORY_WEIGHTS)
    which = rng.integers(0, len(DISTRICTS), n)
    dlat, dlon = _jitter(rng, n, 5.0)
    for i in range(n):
        cat = CATEGORIES[cats[i]]
        lo, hi = _CATEGORY_CAPACITY[cat]
        d = DISTRICTS[which[i]]
        t = start + _dt.timedelta(days=int(rng.integers(0, 30)), hours=int(rng.integers(0, 8)))
        events: list[tuple[str, _dt.datetime, Any]] = [("apply", t, None)]
        # 2 to 4 evaluations before a pass; some never pass.
        audits = int(rng.integers(2, 5))
        passes = rng.random() > 0.1
        for a in range(audits):
            t += _dt.timedelta(days=int(rng.integers(2, 8)))
            events.append(("audit", t, passes and a == audits - 1))
        if passes:
            t += _dt.timedelta(days=1)
            events.append(("issue", t, None))
            for _ in range(int(rng.integers(0, 4))):
                t += _dt.timedelta(days=int(rng.integers(20, 31)))
                events.append(("evaluate", t, bool(rng.random() > 0.05)))
            if rng.random() < 0.06:
                t += _dt.timedelta(days=int(rng.integers(1, 20)))
                events.append(("violation", t, "crowding beyond the visitor cap"))
                if rng.random() < 0.4:
                    t += _dt.timedelta(days=int(rng.integers(1, 5)))
                    events.append(("revoke", t, "repeated violation"))
        out.append(
            {
                "id": i + 1,
                "name": f"{cat.title()} {d[1]} {i + 1}",
                "category": cat,
                "lat": float(d[2] + dlat[i]),
                "lon": float(d[3] + dlon[i]),
                "capacity": int(rng.integers(lo, hi + 1)),
                "district": d[0],
                "events": events,
            }
        )
    return out
