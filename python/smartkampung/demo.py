"""The end-to-end demo: every area of smartkampung on a synthetic Banyuwangi.

``python -m smartkampung demo`` runs :func:`run`. Everything is generated from a seed
(no real person's data) and printed as a short, readable summary; personal data is
shown masked only.
"""

from __future__ import annotations

import datetime as _dt
import json
import pathlib
import tempfile
import time
from typing import Any

import numpy as np

import warnings

import smartkampung as sk

from . import _scenario
from .linkage import LinkageWarning, pair_quality

WIB = _dt.timezone(_dt.timedelta(hours=7), "WIB")
AS_OF = _dt.date(2020, 5, 1)


def _section(title: str) -> None:
    print(f"\n== {title} ==")


def _fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _rp(amount: int) -> str:
    return "Rp" + _fmt_int(int(amount))


class _Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._start = time.perf_counter()

    def lap(self, name: str) -> float:
        now = time.perf_counter()
        self.times[name] = now - self._start
        self._start = now
        return self.times[name]


# Synthetic sample NIKs (built from real district codes, random dates and serials).
SAMPLE_NIKS = [
    "3510014501900001",  # Pesanggaran, woman born 1990-01-05
    "3510161208850123",  # Banyuwangi district, man born 1985-08-12
    "'3510245307020007",  # spreadsheet apostrophe, repaired
    "3510011302990012.0",  # spreadsheet ".0", repaired
    "3.51001E+15",  # scientific notation: digits lost
    "3510013002900001",  # 30 February: rejected
    "9910010101900001",  # unknown province
    "3510010101900000",  # serial 0000
]


def _nik_section(summary: dict[str, Any]) -> None:
    _section("1. NIK: decode and validate (masked)")
    valid = 0
    for text in SAMPLE_NIKS:
        try:
            info = sk.parse_nik(text, AS_OF)
        except sk.NikError as e:
            print(f"  {sk.mask_nik(text)}  rejected: {e.code}")
            continue
        valid += 1
        print(
            f"  {sk.mask_nik(info.nik)}  valid    {info.district_name:<12} {info.sex} born {info.birth_date.year}"
            + ("  (spreadsheet damage repaired)" if info.repaired else "")
        )
    summary["nik"] = {"checked": len(SAMPLE_NIKS), "valid": valid}


def _registry_section(sample: Any, workdir: pathlib.Path, summary: dict[str, Any]) -> Any:
    _section("2. Programme lists crossed on NIK (tidak ada data ganda)")
    sample.write_csv(str(workdir))
    reg = sk.Registry()
    reg.set_exclusions(
        [("PKH", "BST", "kk"), ("BPNT", "BST", "person"), ("PKH", "BLT_DD", "kk"), ("BPNT", "BLT_DD", "kk")]
    )
    print(f"  {'programme':<12} {'level':<11} {'loaded':>8} {'rejected':>9} {'no NIK':>7}")
    total_loaded = 0
    for program, level in sample.programs():
        path = workdir / f"{program}.csv"
        rep = reg.load_csv(str(path), program=program, level=level)
        total_loaded += rep.loaded
        print(f"  {program:<12} {level:<11} {_fmt_int(rep.loaded):>8} {len(rep.rejected):>9} {rep.unkeyed:>7}")
    t0 = time.perf_counter()
    rep = reg.dedup()
    dt = time.perf_counter() - t0
    print(
        f"  enrolments {_fmt_int(total_loaded)} -> unique persons {_fmt_int(rep.unique_persons)}, "
        f"households {_fmt_int(rep.unique_households)} (dedup {dt * 1000:.0f} ms)"
    )
    print(
        f"  listed twice in one programme: {len(rep.duplicates)}; in several programmes: {len(rep.overlaps)}; "
        f"conflicting data: {len(rep.conflicts)}; NIK/birth-date mismatches: {len(rep.nik_mismatches)}"
    )
    print(f"  exclusion violations (e.g. BST in a PKH household): {len(rep.exclusion_violations)}")
    report_path = workdir / "dedup-report"
    report_path.mkdir(exist_ok=True)
    rep.to_csv(str(report_path))
    summary["registry"] = {
        "enrolments": total_loaded,
        "unique_persons": rep.unique_persons,
        "unique_households": rep.unique_households,
        "duplicates": len(rep.duplicates),
        "overlaps": len(rep.overlaps),
        "conflicts": len(rep.conflicts),
        "exclusion_violations": len(rep.exclusion_violations),
    }
    return reg


def _reports_section(reg: Any, sample: Any, summary: dict[str, Any]) -> None:
    _section("3. Online reports (pelaporan) and the public check")
    persons = sample.persons
    rng = np.random.default_rng(7)
    n = min(550, len(persons["nik"]))
    idx = rng.choice(len(persons["nik"]), size=n, replace=False)
    at = _dt.datetime(2020, 5, 12, 10, 0, tzinfo=WIB)
    outcomes: dict[str, int] = {}
    accepted = 0
    for k, i in enumerate(idx):
        nik = str(persons["nik"][i])
        if k % 25 == 0:
            nik = nik[:-1]  # a mistyped NIK (15 digits)
        record = {
            "nik": nik,
            "kk": str(persons["kk"][i]),
            "name": str(persons["name"][i]),
            "village": str(persons["village"][i]),
            "district": str(persons["district"][i]),
        }
        out = reg.report(record, at)
        if out.accepted:
            accepted += 1
        else:
            key = str(out.reason).split(":")[0].split("(")[0].strip()
            outcomes[key] = outcomes.get(key, 0) + 1
        if k % 50 == 0:
            reg.report(record, at)  # the same resident reporting twice
    refused = n - accepted
    print(f"  {n} reports: {accepted} accepted for verification, {refused} refused automatically")
    for reason, count in sorted(outcomes.items(), key=lambda kv: -kv[1])[:4]:
        print(f"    {count:>4}  {reason}")
    enrolled = next(r["nik"] for r in reg.records("PKH") if r.get("nik"))
    answer = reg.public_check(str(enrolled))
    print(f"  public check: {json.dumps(answer, ensure_ascii=False)}")
    summary["reports"] = {"reports": n, "accepted": accepted, "refused": refused}


def _linkage_section(sample: Any, summary: dict[str, Any]) -> None:
    _section("4. Linking records with a missing or mistyped NIK")
    rec = sample.records
    damaged = np.isin(rec["damage"], ["missing_nik", "mistyped_nik", "name_variant"])
    # The damaged records and every record of the same true persons, plus others of
    # their districts, as an officer would link one district's lists.
    persons = set(rec["person"][damaged].tolist())
    keep = np.array([p in persons for p in rec["person"]]) | (rng_mask(len(rec["person"]), 0.3))
    fields = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]
    records = [{f: str(rec[f][i]) for f in fields if str(rec[f][i])} for i in np.flatnonzero(keep)]
    truth = rec["person"][keep]
    t0 = time.perf_counter()
    with warnings.catch_warnings():  # the demo's sample is small: its warnings are expected
        warnings.simplefilter("ignore", LinkageWarning)
        res = sk.link(records)
    dt = time.perf_counter() - t0
    precision, recall, f1 = pair_quality(res.cluster_ids, truth.tolist())
    n_persons = len(set(res.cluster_ids.tolist()))
    print(
        f"  {len(records)} records ({int(damaged.sum())} with missing/mistyped NIK or a name variant) "
        f"-> {n_persons} persons in {dt:.2f} s"
    )
    print(f"  against the generator's ground truth: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}")
    summary["linkage"] = {
        "records": len(records),
        "persons": n_persons,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def rng_mask(n: int, share: float, seed: int = 11) -> np.ndarray:
    """A deterministic random boolean mask with about `share` True."""
    return np.random.default_rng(seed).random(n) < share


def _households(reg: Any, sample: Any, limit: int) -> list[dict[str, Any]]:
    persons = sample.persons
    rng = np.random.default_rng(5)
    kks: dict[str, list[int]] = {}
    for i, kk in enumerate(persons["kk"]):
        kks.setdefault(str(kk), []).append(i)
    out = []
    for kk, members in list(kks.items())[:limit]:
        head = members[0]
        birth = persons["birth_date"]
        house = {"floor_area_m2": int(rng.integers(12, 90))}
        house.update(
            {
                k: bool(rng.random() < 0.45)
                for k in (
                    "earth_floor",
                    "poor_walls",
                    "no_private_toilet",
                    "no_electricity",
                    "unsafe_water",
                    "wood_fuel",
                )
            }
        )
        out.append(
            {
                "kk": {
                    "programs": reg.programs_of_kk(kk),
                    "region_kind": "kelurahan" if str(persons["district"][head]) in ("351016", "351017") else "desa",
                    "lost_livelihood": bool(rng.random() < 0.35),
                    "chronic_illness": bool(rng.random() < 0.1),
                    "in_dtks": bool(rng.random() < 0.6),
                    "islands": False,
                    "head": {
                        "sex": str(persons["sex"][head]),
                        "low_income_job": bool(rng.random() < 0.5),
                        "low_education": bool(rng.random() < 0.5),
                    },
                    "members": [
                        {"nik": str(persons["nik"][m]), "birth_date": str(np.datetime_as_string(birth[m], unit="D"))}
                        for m in members
                    ],
                    "house": house,
                    "food": {
                        k: bool(rng.random() < 0.5)
                        for k in ("meat_once_a_week", "one_new_clothes_a_year", "eats_at_most_twice")
                    },
                    "health": {"cannot_afford_clinic": bool(rng.random() < 0.4)},
                    "assets": {"none_over_500k": bool(rng.random() < 0.5)},
                }
            }
        )
    return out


def _rules_section(reg: Any, sample: Any, summary: dict[str, Any]) -> None:
    from . import rules

    _section("5. Eligibility rules (JSON data, explained)")
    households = _households(reg, sample, 2000)
    as_of = _dt.date(2020, 5, 15)
    summary["rules"] = {}
    for name in rules.builtin_names():
        rs = rules.builtin(name)
        counts = {"eligible": 0, "ineligible": 0, "needs_data": 0}
        reasons: dict[str, int] = {}
        amount = 0
        t0 = time.perf_counter()
        for h in households:
            d = rs.evaluate(h, as_of=as_of)
            counts[d.decision] += 1
            amount += d.amount
            for r in d.reasons[:1]:
                reasons[r.code] = reasons.get(r.code, 0) + 1
        dt = time.perf_counter() - t0
        top = ", ".join(f"{c} {k}" for k, c in sorted(reasons.items(), key=lambda kv: -kv[1])[:2])
        print(
            f"  {name:<19} eligible {counts['eligible']:>4}  no {counts['ineligible']:>4}  "
            f"needs data {counts['needs_data']:>3}  {_rp(amount)}/month  ({top})  "
            f"[{dt / len(households) * 1e6:.1f} µs/household]"
        )
        summary["rules"][name] = dict(counts, monthly_amount=amount)
    # One explained refusal, as an officer would read it.
    rs = rules.builtin("bst")
    for h in households:
        d = rs.evaluate(h, as_of=as_of, explain=True)
        if d.decision == "ineligible":
            print("  why not BST: " + "; ".join(f"{r.code}: {r.message_id}" for r in d.reasons))
            break


def _geo_section(summary: dict[str, Any], workdir: pathlib.Path) -> None:
    _section("6. Nearest isolation house with a free bed")
    houses = _scenario.isolation_houses(seed=2021)
    idx = sk.FacilityIndex.from_arrays(
        houses["id"],
        houses["lat"],
        houses["lon"],
        houses["capacity"],
        occupied=houses["occupied"],
        open=houses["open"],
        kinds=houses["kind"],
    )
    free = int(np.sum(np.where(houses["open"], houses["capacity"] - houses["occupied"], 0)))
    print(f"  {len(houses['id'])} houses, {int(houses['capacity'].sum())} beds, {free} free in open houses")
    lat, lon = -8.2191, 114.3691  # Banyuwangi town square (Taman Blambangan)
    near = idx.nearest(lat, lon, k=3, min_free=1)
    print("  nearest with a free bed to the town square: " + ", ".join(f"#{i} at {d / 1000:.2f} km" for i, d in near))
    res = _scenario.residents(n=min(free, 400) + 100, seed=2022)
    greedy = idx.assign_report(res["lat"], res["lon"], mode="greedy", k=20)
    optimal = idx.assign_report(res["lat"], res["lon"], mode="optimal", k=20)
    loss = (greedy["total_m"] / optimal["total_m"] - 1) * 100 if optimal["total_m"] else 0.0
    print(
        f"  {len(res['lat'])} residents to place: {optimal['placed']} placed, {optimal['unplaced']} wait "
        f"(no bed left)"
    )
    print(
        f"  optimal total {optimal['total_m'] / 1000:.1f} km (max {optimal['max_m'] / 1000:.1f} km); "
        f"first-come greedy {greedy['total_m'] / 1000:.1f} km (+{loss:.1f}%)"
    )
    summary["geo"] = {
        "houses": len(houses["id"]),
        "free_beds": free,
        "placed": optimal["placed"],
        "optimal_km": round(optimal["total_m"] / 1000, 1),
        "greedy_km": round(greedy["total_m"] / 1000, 1),
    }
    with open(workdir / "houses.csv", "w", encoding="utf-8") as f:
        f.write("id,name,lat,lon,capacity,occupied,open,kind\n")
        for i in range(len(houses["id"])):
            f.write(
                f"{houses['id'][i]},{houses['name'][i]},{houses['lat'][i]:.6f},{houses['lon'][i]:.6f},"
                f"{houses['capacity'][i]},{houses['occupied'][i]},{int(houses['open'][i])},{houses['kind'][i]}\n"
            )


def _cert_section(summary: dict[str, Any], workdir: pathlib.Path) -> None:
    _section("7. Health-protocol certificates of tourism businesses")
    reg = sk.CertificateRegistry()
    businesses = _scenario.businesses(n=700, seed=2020)
    for b in businesses:
        reg.add_business(b["id"], b["name"], b["category"], b["lat"], b["lon"], b["capacity"])
        for kind, t, extra in b["events"]:
            try:
                if kind == "apply":
                    reg.apply(b["id"], t)
                elif kind == "audit":
                    reg.audit(b["id"], t, bool(extra))
                elif kind == "issue":
                    reg.issue(b["id"], t)
                elif kind == "evaluate":
                    reg.evaluate(b["id"], t, bool(extra))
                elif kind == "violation":
                    reg.report_violation(b["id"], t, extra)
                elif kind == "revoke":
                    reg.revoke(b["id"], t, extra)
            except sk.CertificateError:
                pass  # a transition the policy refuses (e.g. revoking what already lapsed)
    moment = _dt.datetime(2020, 7, 20, 14, 0, tzinfo=WIB)
    statuses = reg.statuses(moment)
    counts: dict[str, int] = {}
    for s in statuses.values():
        counts[s] = counts.get(s, 0) + 1
    valid = counts.get("active", 0) + counts.get("evaluation_due", 0)
    print(
        f"  {len(businesses)} businesses on 20 July 2020 14:00 WIB: {valid} may receive visitors; "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    )
    near = reg.certified_near(-8.2191, 114.3691, 3000, moment)
    print(
        f"  certified places within 3 km of the town square: {len(near)}"
        + (f" (nearest #{near[0][0]} at {near[0][1]:.0f} m)" if near else "")
    )
    if near:
        bid = near[0][0]
        cap = reg.max_visitors(bid, moment)
        admitted = sum(reg.check_in(bid, moment, 1) for _ in range(cap + 5))
        print(f"  visitor cap at #{bid}: {cap}; {cap + 5} arrive, {admitted} admitted")
    store = workdir / "certificates.jsonl"
    reg.save(str(store))
    reloaded = sk.CertificateRegistry.load(str(store))
    same = reloaded.statuses(moment) == statuses
    print(f"  hash-chained log saved and verified on reload: {'ok' if same else 'MISMATCH'} ({store.name})")
    summary["cert"] = {
        "businesses": len(businesses),
        "valid_at_2020_07_20": valid,
        "statuses": counts,
        "reload_ok": same,
    }


def run(seed: int = 2020, persons: int = 20000, workdir: str | None = None, as_json: bool = False) -> int:
    """Runs the demo; returns the process exit code."""
    clock = _Clock()
    summary: dict[str, Any] = {"seed": seed, "persons": persons}
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="smartkampung-demo-")
        work = pathlib.Path(tmp.name)
    else:
        work = pathlib.Path(workdir)
        work.mkdir(parents=True, exist_ok=True)
    try:
        print(
            f"smartkampung {sk.__version__}: the whole system on a synthetic Banyuwangi "
            f"(seed {seed}, about {_fmt_int(persons)} persons; no real data)"
        )
        _nik_section(summary)
        sample = sk.sample.banyuwangi(int(persons), int(seed))
        clock.lap("generate")
        reg = _registry_section(sample, work, summary)
        clock.lap("registry")
        _reports_section(reg, sample, summary)
        _linkage_section(sample, summary)
        clock.lap("linkage")
        _rules_section(reg, sample, summary)
        clock.lap("rules")
        _geo_section(summary, work)
        clock.lap("geo")
        _cert_section(summary, work)
        clock.lap("cert")
        total = sum(clock.times.values())
        print(f"\ndone in {total:.1f} s" + (f"; files kept in {work}" if workdir else ""))
        if as_json:
            summary["seconds"] = {k: round(v, 3) for k, v in clock.times.items()}
            print(json.dumps(summary, indent=2, default=str))
        return 0
    finally:
        if tmp is not None:
            tmp.cleanup()
