"""`smartkampung nearest`: the nearest open isolation houses with a free bed, for one
point or for every patient of a file (names, house names, distances; with --reserve the
beds are taken in file order and who finds none waits)."""

from __future__ import annotations

import argparse
import math

from . import _output, _places
from ._common import INT32_MAX, Progress, UsageError, emit, int_option, rows_failed, text_table, warn_row
from ._i18n import t

HELP = "the nearest open isolation houses with a free bed, for a point or a patient file"
EXAMPLES = [
    "smartkampung nearest --houses rumah.csv -8.2191 114.3691 -k 3",
    "smartkampung nearest --houses rumah.xlsx pasien.xlsx -k 2 --out terdekat.xlsx",
]
COLUMNS = ["file", "line", "name", "nik", "kk", "rank", "house", "house_name", "distance_km", "free_beds", "warning"]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    _places.add_house_options(p)
    p.add_argument(
        "where",
        nargs="+",
        metavar="LAT LON | PATIENTS",
        help="a point (latitude longitude) or a CSV/.xlsx of patients (name, nik, kk, lat, lon)",
    )
    p.add_argument(
        "-k", type=int_option(1), default=1, help="how many houses (default 1; more than there are means all)"
    )
    p.add_argument(
        "--min-free", type=int_option(0, INT32_MAX), default=1, help="at least this many free beds (default 1)"
    )
    p.add_argument(
        "--reserve", action="store_true", help="take a bed for each patient in file order (who finds none waits)"
    )
    _output.add_output_options(p, "the houses found for every patient")


def _point(text: str, limit: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{what}: not a number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise UsageError(f"{what}: must lie in [-{limit:g}, {limit:g}]")
    return value


def run(args: argparse.Namespace) -> int:
    _output.check_out_path(args.out)
    if _places.is_point(args.where):
        lat, lon = _point(args.where[0], 90, "LAT"), _point(args.where[1], 180, "LON")
        houses = _places.load_houses(args.houses)
        _places.check_place(houses, None, None, lat, lon, args.far_km)
        hits = houses.index.nearest(lat, lon, k=args.k, min_free=args.min_free)
        rows = [
            {"id": i, "name": houses.name(i), "distance_m": round(d, 1), "free_beds": houses.index.free_beds(i)}
            for i, d in hits
        ]
        text = (
            text_table(
                [(r["id"], r["name"], f"{r['distance_m'] / 1000:.2f}", r["free_beds"]) for r in rows],
                [t("col.house"), t("col.house_name"), t("col.distance_km"), t("col.free_beds")],
            )
            if rows
            else t("no_house_free")
        )
        emit(args, rows, text)
        return 0
    if len(args.where) != 1:
        raise UsageError(t("point_or_file"))
    houses = _places.load_houses(args.houses)
    table, patients, bad = _places.read_patients(args.where[0])
    for i, (_line, message) in enumerate(bad, start=1):
        warn_row(i, message)
    rows = []
    with Progress("nearest", len(patients)) as progress:
        for i, p in enumerate(patients):
            who = _places.person(table.path, p)
            warning = _places.check_place(houses, table.path, p.line, p.lat, p.lon, args.far_km)
            if args.reserve:
                got = houses.index.nearest_reserve(p.lat, p.lon, n=1)
                hits = [got] if got else []
            else:
                hits = houses.index.nearest(p.lat, p.lon, k=args.k, min_free=args.min_free)
            if not hits:
                rows.append(who | {"house_name": t("waits"), "warning": warning})
            for rank, (house, dist) in enumerate(hits, start=1):
                rows.append(
                    who
                    | {
                        "rank": rank,
                        "house": house,
                        "house_name": houses.name(house),
                        "distance_km": round(dist / 1000, 3),
                        "free_beds": houses.index.free_beds(house),
                        "warning": warning,
                    }
                )
            progress.update(i + 1)
    waiting = [r for r in rows if r.get("house") is None]
    page = _output.Summary(t("lang_title.nearest"), sources=[args.houses, table.path])
    page.add("sum.patients", len(patients) + len(bad))
    page.add("sum.houses", len(houses.index))
    page.add("sum.houses_skipped", len(houses.skipped))
    page.add("sum.waiting", len(waiting))
    page.add("sum.warnings", sum(1 for p in patients if any(r.get("warning") for r in rows if r["line"] == p.line)))
    page.add("sum.failed", len(bad))
    problems = [{"file": table.path, "line": line, "problem": msg} for line, msg in bad] + [
        {"file": args.houses, "line": line, "problem": why} for line, why in houses.skipped
    ]
    written = []
    if args.out:
        written = _output.write(
            args,
            [_output.Sheet("nearest", COLUMNS, rows), _output.Sheet("problems", ["file", "line", "problem"], problems)],
            page,
        )
    if getattr(args, "json", False):
        emit(args, {"rows": rows, "waiting": len(waiting), "failed": len(bad), "written": written}, "")
    else:
        if not args.out:
            print(text_table([[_s(r.get(c)) for c in COLUMNS[1:]] for r in rows], [t("col." + c) for c in COLUMNS[1:]]))
        print(page.text())
        for path in written:
            print(t("written", path=path))
    rows_failed(len(bad))
    return 1 if bad else 0


def _s(v) -> str:
    return "" if v is None else str(v)
