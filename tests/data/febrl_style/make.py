"""Lists in FEBRL's shape, made here: the tests' stand-in for the FEBRL benchmark files.

FEBRL (Christen, ANU) is the usual benchmark for generic record linkage, with columns
rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state,
date_of_birth (YYYYMMDD) and soc_sec_id (7 digits), and duplicates that carry typing errors,
missing values and swapped fields. The project's benchmarks run on the real files
(bench/compare_linkage.py); the tests use only what is in the repository, so this writes
lists of the same shape and kind of damage from name pools of its own.

Ground truth is in rec_id, as in FEBRL: ``rec-<N>-org`` for an original and
``rec-<N>-dup-<k>`` for its duplicates; rows sharing N are one person.

    python3 tests/data/febrl_style/make.py            # rewrites the three files beside it
    python3 tests/data/febrl_style/make.py --seed 7 --out /tmp/x

Files: ``dedup.csv`` (originals with 0-5 duplicates each, within one list) and
``link_a.csv`` / ``link_b.csv`` (each original in a, its one duplicate in b).
"""

import argparse
import csv
import pathlib
import random

COLUMNS = [
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]

GIVEN = (
    "james jack oliver william thomas lucas noah henry charlie leo ethan harrison samuel "
    "joshua daniel benjamin liam mason alexander max cooper hunter riley jacob isaac "
    "charlotte olivia amelia isla mia ava grace chloe sophie emily ruby zoe lily ella "
    "matilda sienna hannah jessica emma georgia lucy madison sarah chelsea kate caitlin "
    "bianca tahlia brooke jasmine paige holly phoebe alice laura rebecca"
).split()
SURNAME = (
    "smith jones williams brown wilson taylor johnson white martin anderson thompson "
    "nguyen thomas walker harris lee ryan robinson kelly king davis wright evans roberts "
    "green hall wood jackson clarke patel khan lewis james phillips mitchell turner "
    "campbell morris mcdonald edwards young hughes stewart cook bennett murphy ward "
    "morgan cooper baker price collins bell palmer russell watson rogers ross "
    "sinclair fitzgerald oconnor henderson dawson kennedy gallagher reilly burke "
    "schultz muller becker nowak kowalski rossi ferrari romano costa santos"
).split()
STREET = (
    "banksia wattle acacia eucalypt jacaranda waratah bottlebrush grevillea tea tree "
    "kurrajong river ocean harbour hill valley ridge park station church mill forest "
    "lake bay bridge market king queen george victoria albert elizabeth william"
).split()
STREET_TYPE = "street road avenue place crescent circuit drive court lane parade close way".split()
ADDRESS_2 = (
    "unit 1|unit 4|unit 12|flat 2|flat 7|rose cottage|the gables|hillview|"
    "riverside village|kingsford park|sunset units|lakeside apartments|"
    "st johns retirement village|the manor|wattle lodge"
).split("|")
SUBURB = (
    "kingston belconnen greenway marrickville dandenong chermside morningside "
    "fremantle glenelg sandy bay launceston toowong camberwell brunswick northcote "
    "parramatta penrith hornsby maroubra coogee manly bondi cronulla ringwood "
    "frankston geelong ballarat bendigo mildura wodonga albury orange dubbo tamworth "
    "armidale lismore grafton ballina byron bay kiama nowra ulladulla batemans bay "
    "bega eden merimbula jindabyne cooma yass goulburn bowral mittagong"
).split()
STATE = ["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"]
KEYBOARD = {
    "a": "qwsz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}
SOUNDS = [("ph", "f"), ("ck", "k"), ("ll", "l"), ("ee", "ea"), ("y", "ie"), ("c", "k"), ("th", "t")]


def make_places(rng):
    """Suburbs, each with its postcode and state (a person's suburb and postcode agree)."""
    places = []
    for k, suburb in enumerate(SUBURB):
        state = STATE[k % len(STATE)]
        places.append((suburb, str(2000 + (k * 137) % 7000).zfill(4), state))
    rng.shuffle(places)
    return places


def original(rng, places, ids):
    suburb, postcode, state = rng.choice(places)
    year = rng.randint(1915, 2005)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    while True:
        ssid = str(rng.randint(1000000, 9999999))
        if ssid not in ids:
            ids.add(ssid)
            break
    return {
        "given_name": rng.choice(GIVEN),
        "surname": rng.choice(SURNAME),
        "street_number": str(rng.choice([rng.randint(1, 40), rng.randint(1, 400)])),
        "address_1": f"{rng.choice(STREET)} {rng.choice(STREET_TYPE)}",
        "address_2": rng.choice(ADDRESS_2) if rng.random() < 0.3 else "",
        "suburb": suburb,
        "postcode": postcode,
        "state": state,
        "date_of_birth": f"{year:04d}{month:02d}{day:02d}",
        "soc_sec_id": ssid,
    }


def typo(rng, text):
    """One typing error: a neighbouring key, a letter dropped or doubled, two swapped."""
    if len(text) < 2:
        return text
    i = rng.randrange(len(text))
    kind = rng.random()
    if kind < 0.35 and text[i] in KEYBOARD:
        return text[:i] + rng.choice(KEYBOARD[text[i]]) + text[i + 1 :]
    if kind < 0.55:
        return text[:i] + text[i + 1 :]
    if kind < 0.75:
        return text[: i + 1] + text[i] + text[i + 1 :]
    if i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def digit_error(rng, text):
    """One digit substituted or two neighbours swapped."""
    if len(text) < 2:
        return text
    i = rng.randrange(len(text) - 1)
    if rng.random() < 0.6:
        return text[:i] + str((int(text[i]) + rng.randint(1, 9)) % 10) + text[i + 1 :]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def sound_alike(rng, text):
    options = [(a, b) for a, b in SOUNDS if a in text]
    if not options:
        return typo(rng, text)
    a, b = rng.choice(options)
    return text.replace(a, b, 1)


def damage(rng, rec, places, changes):
    """A duplicate: `changes` modifications, each to a field picked by how often offices
    get it wrong."""
    dup = dict(rec)
    fields = ["given_name", "surname", "address_1", "address_2", "suburb", "postcode", "street_number"]
    for _ in range(changes):
        r = rng.random()
        if r < 0.40:
            f = rng.choice(fields)
            if dup[f]:
                dup[f] = typo(rng, dup[f]) if f not in ("postcode", "street_number") else digit_error(rng, dup[f])
        elif r < 0.50:
            f = rng.choice(["given_name", "surname"])
            dup[f] = sound_alike(rng, dup[f])
        elif r < 0.60:
            dup[rng.choice(["given_name", "address_2", "street_number", "date_of_birth", "suburb"])] = ""
        elif r < 0.67:
            dup["given_name"], dup["surname"] = dup["surname"], dup["given_name"]
        elif r < 0.77:
            dup["soc_sec_id"] = digit_error(rng, dup["soc_sec_id"])
        elif r < 0.87 and dup["date_of_birth"]:
            d = dup["date_of_birth"]
            if rng.random() < 0.3:
                dup["date_of_birth"] = d[:4] + d[6:8] + d[4:6] if int(d[6:8]) <= 12 else digit_error(rng, d)
            else:
                dup["date_of_birth"] = d[:4] + digit_error(rng, d[4:])
        elif r < 0.93:
            words = dup["address_1"].split(" ")
            dup["address_1"] = "".join(words) if len(words) > 1 else dup["address_1"]
        else:
            dup["suburb"], dup["postcode"], dup["state"] = rng.choice(places)  # moved
    return dup


def changes_of(rng):
    return rng.choice([1, 1, 2, 2, 3, 4])


def write(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for rec_id, rec in rows:
            w.writerow([rec_id] + [rec[c] for c in COLUMNS[1:]])


def dedup_rows(seed, originals=1500):
    rng = random.Random(seed)
    places = make_places(rng)
    ids = set()
    rows = []
    for n in range(originals):
        rec = original(rng, places, ids)
        rows.append((f"rec-{n}-org", rec))
        # 0-5 duplicates, fewer more often (about 1.5 an original).
        dups = min(5, int(rng.expovariate(0.55)))
        for k in range(dups):
            rows.append((f"rec-{n}-dup-{k}", damage(rng, rec, places, changes_of(rng))))
    rng.shuffle(rows)
    return rows


def link_rows(seed, originals=2000):
    rng = random.Random(seed * 7919 + 1)
    places = make_places(rng)
    ids = set()
    a, b = [], []
    for n in range(originals):
        rec = original(rng, places, ids)
        a.append((f"rec-{n}-org", rec))
        b.append((f"rec-{n}-dup-0", damage(rng, rec, places, changes_of(rng))))
    rng.shuffle(a)
    rng.shuffle(b)
    return a, b


def as_records(rows):
    """(records as dicts without rec_id, entity of each) as the tests read them."""
    return [{c: rec[c] for c in COLUMNS[1:]} for _, rec in rows], [rid.split("-")[1] for rid, _ in rows]


def main():
    here = pathlib.Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(here))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write(out / "dedup.csv", dedup_rows(args.seed))
    a, b = link_rows(args.seed)
    write(out / "link_a.csv", a)
    write(out / "link_b.csv", b)


if __name__ == "__main__":
    main()
