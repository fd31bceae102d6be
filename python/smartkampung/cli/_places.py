"""Isolation houses and patients for `nearest` and `assign`: one bad house row is
reported and skipped, a patient row without usable coordinates is reported and left
out, and places outside Indonesia or far from every house are warned about."""

from __future__ import annotations

import argparse
import csv
import io
import math
import pathlib
from dataclasses import dataclass, field
from typing import Any

import smartkampung as sk

from .. import intake
from ._common import InputTable, UserError, existing_file, number_field, read_table, warn
from ._i18n import t

#: Indonesia's bounding box, with a margin of about half a degree (Sabang to Merauke,
#: Miangas to Rote).
LAT_RANGE = (-11.5, 6.5)
LON_RANGE = (94.5, 141.5)


def add_house_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--houses",
        required=True,
        help="houses CSV, JSON or .xlsx (id, name, lat, lon, capacity; optional occupied, open, kind)",
    )
    p.add_argument(
        "--far-km",
        type=float,
        default=50.0,
        help="warn about a patient farther than this from every house (default 50 km)",
    )


def in_indonesia(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


@dataclass
class Houses:
    index: Any
    path: str
    skipped: list[tuple[int, str]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)

    def name(self, house: int) -> str:
        return self.names.get(house) or self.index.facility(house).get("name") or ""


def load_houses(path: str) -> Houses:
    """The houses; each bad row is reported (file:line: why; house skipped) and left out."""
    existing_file(path)
    rejected: list[tuple[int, str]] = []
    lines: dict[int, int] = {}
    if path.lower().endswith(".json"):
        index = sk.FacilityIndex.from_json(path, rejected)
    else:
        table = read_table(path)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(table.header)
        file_lines = []
        id_col = table.find("id") or "id"
        for line, row in table.rows:
            w.writerow([row[h] for h in table.header])
            file_lines.append(line)
            try:
                lines[int(row.get(id_col, ""))] = line
            except ValueError:
                pass
        index = sk.FacilityIndex.from_csv_text(buf.getvalue(), rejected)
        # from_csv_text numbers the rows of the text it was given: give back the file's lines
        rejected = [(file_lines[ln - 2] if 2 <= ln < len(file_lines) + 2 else ln, why) for ln, why in rejected]
        rejected += table.bad
    houses = Houses(index, path, sorted(rejected))
    for line, why in houses.skipped:
        warn(t("house_row_skipped", path=path, line=line, why=why))
    if len(index) == 0:
        raise UserError(t("no_houses", path=path))
    for house in index.ids().tolist():
        f = index.facility(house)
        houses.names[house] = f.get("name") or ""
        if not in_indonesia(f["lat"], f["lon"]):
            warn(f"{path}:{lines.get(house, '?')}: " + t("outside_indonesia", lat=f["lat"], lon=f["lon"]))
    return houses


@dataclass
class Patient:
    line: int
    name: str | None
    nik: str | None
    kk: str | None
    lat: float
    lon: float
    warning: str | None = None


def _key(text: str | None) -> str | None:
    """A NIK or KK cell undamaged by a spreadsheet (="3510...", '3510..., 3510....0)."""
    return intake.repair_key(text)[0] if text else text


def read_patients(path: str) -> tuple[InputTable, list[Patient], list[tuple[int, str]]]:
    """The patients with usable coordinates, and the rows without as (line, message)."""
    table = read_table(path)
    lat_col = table.find("lat") or table.require("lat", "latitude", "lintang")
    lon_col = table.find("lon") or table.require("lon", "longitude", "bujur")
    name_col, nik_col, kk_col = table.find("name"), table.find("nik"), table.find("kk")
    patients, bad = [], list(table.bad)
    for line, row in table.rows:
        try:
            lat = number_field(table, line, row, lat_col)
            lon = number_field(table, line, row, lon_col)
        except UserError as e:
            bad.append((line, str(e)))
            continue
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            bad.append(
                (
                    line,
                    t(
                        "not_a_number",
                        path=path,
                        line=line,
                        field=lat_col if abs(lat) > 90 or not math.isfinite(lat) else lon_col,
                    ),
                )
            )
            continue
        patients.append(
            Patient(
                line,
                row.get(name_col) if name_col else None,
                _key(row.get(nik_col) if nik_col else None),
                _key(row.get(kk_col) if kk_col else None),
                lat,
                lon,
            )
        )
    return table, patients, bad


def check_place(houses: Houses, path: str | None, line: Any, lat: float, lon: float, far_km: float) -> str | None:
    """A warning (printed with file and line, and returned for the output's column) for a
    place outside Indonesia or farther than far_km from every house, open or not."""
    message = None
    if not in_indonesia(lat, lon):
        message = t("outside_indonesia", lat=lat, lon=lon)
    else:
        nearest = houses.index.nearest(lat, lon, k=1, include_closed=True)
        if nearest and nearest[0][1] > far_km * 1000:
            message = t("far_from_houses", km=nearest[0][1] / 1000, limit=far_km)
    if message:
        warn(f"{path}:{line}: {message}" if path else message)
    return message


def person(path: str, p: Patient) -> dict[str, Any]:
    return {"file": path, "line": p.line, "name": p.name, "nik": p.nik, "kk": p.kk}


def is_point(values: list[str]) -> bool:
    if len(values) != 2:
        return False
    try:
        float(values[0]), float(values[1])
    except ValueError:
        return not pathlib.Path(values[0]).exists()  # two words, not a file: a bad point
    return True
