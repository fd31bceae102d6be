"""`smartkampung assign`: place every patient of a file into an isolation house without
overfilling any; the placements name the patient, the house and the distance, and who
waits when the beds run out is listed on its own sheet."""

from __future__ import annotations

import argparse

import numpy as np

import smartkampung as sk

from . import _output, _places
from ._common import Progress, emit, int_option, rows_failed, warn_row
from ._i18n import t

HELP = "place patients into isolation houses without overfilling any (who waits is listed)"
EXAMPLES = ["smartkampung assign --houses rumah.csv pasien.xlsx --mode optimal --out penempatan.xlsx"]
COLUMNS = ["file", "line", "name", "nik", "kk", "house", "house_name", "distance_km", "placed", "warning"]
HOUSES = ["house", "house_name", "capacity", "occupied", "placed", "free_beds"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    _places.add_house_options(p)
    p.add_argument("residents", metavar="PATIENTS", help="CSV or .xlsx of patients (name, nik, kk, lat, lon)")
    p.add_argument(
        "--mode",
        choices=["greedy", "optimal"],
        default="optimal",
        help="optimal: least total distance; greedy: first come, nearest free bed",
    )
    p.add_argument(
        "-k",
        type=int_option(1),
        default=20,
        help="candidate houses per patient (default 20; more than there are means all)",
    )
    _output.add_output_options(p, "the placements, who waits, and the houses")


def run(args: argparse.Namespace) -> int:
    _output.check_out_path(args.out)
    houses = _places.load_houses(args.houses)
    table, patients, bad = _places.read_patients(args.residents)
    for i, (_line, message) in enumerate(bad, start=1):
        warn_row(i, message)
    lats = np.array([p.lat for p in patients], dtype=np.float64)
    lons = np.array([p.lon for p in patients], dtype=np.float64)
    rep = houses.index.assign_report(lats, lons, mode=args.mode, k=args.k)
    placed_in = rep["houses"].tolist()
    rows, counts = [], {}
    with Progress("assign", len(patients)) as progress:
        for i, (p, house) in enumerate(zip(patients, placed_in)):
            warning = _places.check_place(houses, table.path, p.line, p.lat, p.lon, args.far_km)
            row = _places.person(table.path, p) | {"warning": warning}
            if house >= 0:
                f = houses.index.facility(house)
                counts[house] = counts.get(house, 0) + 1
                row |= {
                    "house": house,
                    "house_name": houses.name(house),
                    "placed": True,
                    "distance_km": round(sk.wgs84_distance(p.lat, p.lon, f["lat"], f["lon"]) / 1000, 3),
                }
            else:
                row |= {"placed": False, "house_name": t("waits")}
            rows.append(row)
            progress.update(i + 1)
    waiting = [r for r in rows if not r["placed"]]
    house_rows = []
    for house in houses.index.ids().tolist():
        f = houses.index.facility(house)
        house_rows.append(
            {
                "house": house,
                "house_name": houses.name(house),
                "capacity": f["capacity"],
                "occupied": f["occupied"],
                "placed": counts.get(house, 0),
                "free_beds": (f["capacity"] - f["occupied"] - counts.get(house, 0)) if f["open"] else 0,
            }
        )
    summary = {
        "residents": len(patients),
        "placed": int(rep["placed"]),
        "unplaced": int(rep["unplaced"]),
        "mode": args.mode,
        "total_km": round(rep["total_m"] / 1000, 2),
        "max_km": round(rep["max_m"] / 1000, 2),
        "failed": len(bad),
        "houses_skipped": len(houses.skipped),
    }
    page = _output.Summary(t("lang_title.assign"), sources=[args.houses, table.path])
    page.add("sum.patients", len(patients) + len(bad))
    page.add("sum.placed", summary["placed"])
    page.add("sum.waiting", summary["unplaced"])
    page.add("sum.mode", args.mode)
    page.add("sum.total_km", summary["total_km"])
    page.add("sum.max_km", summary["max_km"])
    page.add("sum.houses", len(houses.index))
    page.add("sum.houses_skipped", len(houses.skipped))
    page.add("sum.warnings", sum(1 for r in rows if r.get("warning")))
    page.add("sum.failed", len(bad))
    written = []
    if args.out:
        problems = [{"file": table.path, "line": line, "problem": msg} for line, msg in bad] + [
            {"file": args.houses, "line": line, "problem": why} for line, why in houses.skipped
        ]
        written = _output.write(
            args,
            [
                _output.Sheet("placements", COLUMNS, rows),
                _output.Sheet("waiting", COLUMNS[:5], waiting),
                _output.Sheet("houses", HOUSES, house_rows),
                _output.Sheet("problems", ["file", "line", "problem"], problems),
            ],
            page,
        )
    if getattr(args, "json", False):
        emit(args, summary | {"written": written}, "")
    else:
        print(page.text())
        for path in written:
            print(t("written", path=path))
    rows_failed(len(bad))
    return 1 if bad else 0
