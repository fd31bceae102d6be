"""An Indonesian (Banyuwangi-like) population of programme-list records with true person ids.

Written for the linkage benchmarks, independently of the project's own generator
(sk.sample.banyuwangi): numpy and the standard library only, nothing from the library.
What the records have, each a shape parameter of ``generate`` (see ``DEFAULT_SHAPE``):

- geography: province 35, regency 10, 25 kecamatan (codes 01..25), 8-10 desa each,
  RT 1-15 / RW 1-8 written '003', '03' or '3' depending on the list;
- persons in households (KK) of 1-6, mostly 1-4: a head, often a spouse of similar age,
  children 20-35 years younger; twins (same KK and birth date, other names); sons who
  carry the father's full name; children who carry the father's second name;
- names as in Java: small pools of given and second names drawn with Zipf weights, some
  persons with one name, Muhammad + name, so that one full name is carried by dozens of
  persons in the regency and several in one village; namesakes placed in the same village
  (some born the same year);
- NIK = 35 10 DD DDMMYY SSSS (day + 40 for women; the serial counts persons of the same
  kecamatan and birth date); KK = 35 10 DD + issue date DDMMYY + serial;
- every person in 1-4 programme lists (45 / 30 / 15 / 10 %), so true pairs exist in volume;
- per record: moved (other desa, RT/RW and address, the household's next home), NIK with one
  substituted digit / two adjacent digits swapped / missing, spreadsheet damage (leading
  apostrophe, trailing .0, last digit lost), no KK, birth date with day and month swapped /
  year off by one / missing, written YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY; sex as L/P, LK/PR,
  LAKI-LAKI/PEREMPUAN or missing; name variants (Muhammad spellings, H./Hj./Drs./Ir.,
  S.Pd./S.E./S.H., old spellings Djoko/Soeparman/Tjahjo, one typing error, upper case,
  extra spaces).

    python bench/indonesia_population.py 100000 --seed 1 --out /tmp/pop.csv
    python bench/indonesia_population.py 100000 --stats
    python bench/indonesia_population.py 100000 --stats --shape p_moved=0.3 appearances=0.6,0.3,0.1

    >>> rows, truth = generate(5000, seed=1)      # rows: list of dicts, truth: person ids
"""

import argparse
import collections
import csv
import statistics
import sys
import time

import numpy as np

FIELDS = ["nik", "kk", "name", "birth_date", "sex", "address", "village", "district", "rt", "rw"]

DISTRICTS = [  # kecamatan of Banyuwangi, code = position + 1
    "Pesanggaran",
    "Siliragung",
    "Bangorejo",
    "Purwoharjo",
    "Tegaldlimo",
    "Muncar",
    "Cluring",
    "Gambiran",
    "Tegalsari",
    "Glenmore",
    "Kalibaru",
    "Genteng",
    "Srono",
    "Rogojampi",
    "Blimbingsari",
    "Kabat",
    "Singojuruh",
    "Sempu",
    "Songgon",
    "Glagah",
    "Licin",
    "Banyuwangi",
    "Giri",
    "Kalipuro",
    "Wongsorejo",
]

VILLAGE_HEAD = [
    "Sumber",
    "Karang",
    "Tegal",
    "Kebon",
    "Sido",
    "Wono",
    "Kali",
    "Suko",
    "Purwo",
    "Kedung",
    "Jati",
    "Rejo",
    "Sari",
    "Gunung",
    "Banjar",
    "Tambak",
    "Pondok",
    "Kem",
    "Bulu",
    "Temu",
    "Gen",
    "Sepanjang",
    "Ketapang",
    "Bades",
    "Kradenan",
    "Lemah",
]
VILLAGE_TAIL = [
    "rejo",
    "agung",
    "sari",
    "mulyo",
    "harjo",
    "anyar",
    "asri",
    "jati",
    "wangi",
    "arum",
    "gede",
    "baru",
    "mukti",
    "dadi",
    "makmur",
    "kerto",
    "ayu",
    "bendo",
    "gondo",
    "kidul",
    "lor",
    "wetan",
    "kulon",
    "sembung",
    "tengah",
    "asih",
]
DUSUN = [
    "Krajan",
    "Krajan Barat",
    "Krajan Timur",
    "Karanganyar",
    "Sukorejo",
    "Kebonsari",
    "Tegalrejo",
    "Sumbersari",
    "Kedungrejo",
    "Sidomulyo",
    "Wonosari",
    "Purworejo",
    "Sumberjo",
    "Tembokrejo",
    "Curahjati",
    "Kampung Baru",
    "Pasar",
    "Blok Agung",
    "Gumuk",
    "Sawahan",
    "Rowo",
    "Kampung Anyar",
    "Ringintelu",
    "Pancoran",
]
STREETS = [
    "Ahmad Yani",
    "Diponegoro",
    "Kartini",
    "Brawijaya",
    "Gajah Mada",
    "Hayam Wuruk",
    "Veteran",
    "Sudirman",
    "Imam Bonjol",
    "S. Parman",
    "Raya Jember",
    "Raya Rogojampi",
    "Kenanga",
    "Melati",
    "Mawar",
    "Anggrek",
    "Pahlawan",
    "Basuki Rahmat",
    "Letjen Suprapto",
    "Juanda",
    "Adi Sucipto",
    "Kepiting",
    "Raya Situbondo",
    "Sritanjung",
    "KH. Wahid Hasyim",
]

MALE_GIVEN = [
    "Agus",
    "Bambang",
    "Budi",
    "Eko",
    "Joko",
    "Slamet",
    "Sutrisno",
    "Sugeng",
    "Ahmad",
    "Wahyu",
    "Hadi",
    "Heru",
    "Imam",
    "Rudi",
    "Andi",
    "Arif",
    "Bayu",
    "Dedi",
    "Edi",
    "Fajar",
    "Hari",
    "Hendra",
    "Irfan",
    "Kusnadi",
    "Mulyadi",
    "Nanang",
    "Rahmat",
    "Riyadi",
    "Rizal",
    "Sapto",
    "Sigit",
    "Supriadi",
    "Suparman",
    "Suwarno",
    "Teguh",
    "Wawan",
    "Yudi",
    "Yusuf",
    "Zainal",
    "Suyanto",
    "Sukardi",
    "Paiman",
    "Misnadi",
    "Cahyo",
    "Abdul",
    "Hasan",
    "Rizki",
    "Dani",
    "Ilham",
    "Yoyok",
]
FEMALE_GIVEN = [
    "Siti",
    "Sri",
    "Dewi",
    "Rina",
    "Yuli",
    "Ani",
    "Ika",
    "Lia",
    "Endang",
    "Indah",
    "Kartini",
    "Lilik",
    "Luluk",
    "Maya",
    "Mega",
    "Nanik",
    "Ninik",
    "Novi",
    "Nurul",
    "Puspita",
    "Ratna",
    "Ratih",
    "Rini",
    "Rita",
    "Sari",
    "Sulastri",
    "Sumiati",
    "Suminah",
    "Susi",
    "Tutik",
    "Umi",
    "Wartini",
    "Winarti",
    "Yanti",
    "Yatmi",
    "Eni",
    "Fitri",
    "Ayu",
    "Anis",
    "Erna",
    "Evi",
    "Juwariyah",
    "Painem",
    "Tumini",
    "Kasiyati",
    "Yayuk",
]
BOTH_GIVEN = ["Nur", "Tri", "Dwi", "Puji", "Suci"]
MUHAMMAD_NEXT = [
    "Ali",
    "Rizki",
    "Yusuf",
    "Hasan",
    "Ilham",
    "Fauzi",
    "Ridwan",
    "Nur",
    "Syaiful",
    "Abdul",
    "Arif",
    "Faisal",
    "Hamzah",
    "Iqbal",
    "Amin",
    "Sholeh",
]
MALE_SECOND = [
    "Santoso",
    "Wibowo",
    "Susanto",
    "Purnomo",
    "Hidayat",
    "Setiawan",
    "Saputra",
    "Prasetyo",
    "Kurniawan",
    "Hariyanto",
    "Gunawan",
    "Wijaya",
    "Hartono",
    "Sugiarto",
    "Suryadi",
    "Utomo",
    "Nugroho",
    "Firmansyah",
    "Ramadhan",
    "Hakim",
    "Rahman",
    "Syaifuddin",
    "Efendi",
    "Hermawan",
    "Budiono",
    "Riyanto",
    "Cahyono",
    "Mulyono",
    "Sujarwo",
    "Basuki",
    "Sholeh",
    "Anwar",
    "Yulianto",
    "Junaedi",
    "Subagyo",
]
FEMALE_SECOND = [
    "Rahayu",
    "Lestari",
    "Wahyuni",
    "Handayani",
    "Ningsih",
    "Astuti",
    "Rahmawati",
    "Susanti",
    "Suryani",
    "Kusuma",
    "Purwanti",
    "Hidayati",
    "Wulandari",
    "Fitriani",
    "Safitri",
    "Utami",
    "Yuliana",
    "Aminah",
    "Fatimah",
    "Khoiriyah",
    "Maisaroh",
    "Mariyam",
    "Sholikhah",
    "Ernawati",
    "Sulistyowati",
    "Puspitasari",
    "Anggraini",
    "Kurniasih",
    "Setyowati",
    "Zulaikha",
]
MUHAMMAD_SPELLINGS = ["Muhammad", "Mohammad", "Muhamad", "Moh.", "M.", "Mochammad", "Muh.", "Mohamad"]
DEGREES = ["S.Pd.", "S.E.", "S.H.", "S.Ag.", "S.Kom.", "A.Md.", "S.Sos.", "S.Pd.I"]
OTHER_REGENCIES = ["3509", "3512", "3511", "3578", "3507", "5103"]  # moved in from elsewhere

DEFAULT_SHAPE = {
    # geography
    "n_districts": 25,
    "villages_min": 8,
    "villages_max": 10,
    "rt_max": 15,
    "rw_max": 8,
    "geo_seed": None,  # None: the geography follows seed
    # households and persons
    "household_sizes": (0.20, 0.25, 0.25, 0.18, 0.08, 0.04),  # P(size 1..6)
    "p_couple": 0.85,  # household of >= 2 has head + spouse
    "p_twins": 0.04,  # household with >= 2 children: two share a birth date
    "p_junior": 0.03,  # a son carries his father's full name
    "p_father_second": 0.35,  # a son carries the father's second name (daughters / 2)
    "p_namesake": 0.04,  # a person takes the name of another in the same desa
    "p_namesake_year": 0.35,  # ... and is born the same year
    "p_nik_elsewhere": 0.02,  # NIK issued in another regency
    "p_nik_dob_mismatch": 0.01,  # NIK's embedded date differs from the true birth date
    "ref_date": "2024-06-30",
    # names
    "name_zipf": 1.0,  # weight of rank k: 1 / (k + 2) ** name_zipf
    "p_single_name": 0.15,
    "p_three_names": 0.15,
    "p_muhammad": 0.10,
    "p_haji": 0.07,
    "p_drs": 0.02,
    "p_degree": 0.05,
    "p_show_title": 0.5,
    # records
    "appearances": (0.45, 0.30, 0.15, 0.10),  # P(a person is in 1..k lists)
    "n_lists": 40,
    "p_moved": 0.15,
    "p_nik_damage": 0.30,
    "nik_damage_mix": (1 / 3, 1 / 3, 1 / 3),  # substituted, swapped, missing
    "p_excel": 0.04,  # apostrophe, '.0' or last digit lost (thirds)
    "p_no_kk": 0.10,
    "p_dob_swap": 0.03,
    "p_dob_year": 0.03,
    "p_dob_missing": 0.03,
    "p_sex_missing": 0.04,
    "p_muhammad_variant": 0.5,
    "p_old_spelling": 0.3,
    "p_typo": 0.10,
    "p_upper": 0.4,
    "p_spaces": 0.05,
}


def _zipf(n, a):
    w = 1.0 / (np.arange(n) + 2.0) ** a
    return w / w.sum()


def _geography(rng, shape):
    nd = shape["n_districts"]
    names = (
        DISTRICTS[:nd]
        if nd <= len(DISTRICTS)
        else DISTRICTS + [f"Kecamatan {i + 1}" for i in range(len(DISTRICTS), nd)]
    )
    vill_name, vill_dist = [], []
    for d in range(nd):
        k = int(rng.integers(shape["villages_min"], shape["villages_max"] + 1))
        seen = set()
        if d < len(DISTRICTS):
            seen.add(names[d])
            vill_name.append(names[d])  # the desa that gives its name
            vill_dist.append(d)
        while len(seen) < k:
            v = VILLAGE_HEAD[rng.integers(len(VILLAGE_HEAD))] + VILLAGE_TAIL[rng.integers(len(VILLAGE_TAIL))]
            if v not in seen:
                seen.add(v)
                vill_name.append(v)
                vill_dist.append(d)
    dist_w = rng.gamma(4.0, size=nd)
    vill_dist = np.array(vill_dist)
    vill_w = rng.gamma(3.0, size=len(vill_name)) * dist_w[vill_dist]
    return names, vill_name, vill_dist, vill_w / vill_w.sum()


def _address(rng, n):
    """Household addresses as (kind, name index, house number)."""
    kind = rng.random(n) < 0.35  # True: street
    idx = np.where(kind, rng.integers(len(STREETS), size=n), rng.integers(len(DUSUN), size=n))
    num = rng.integers(1, 150, size=n)
    return kind, idx, num


def _serials(groups):
    """1-based rank of each item within its group, in item order."""
    order = np.lexsort((np.arange(len(groups)), groups))
    g = groups[order]
    start = np.r_[True, g[1:] != g[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(g)), 0))
    rank = np.empty(len(g), dtype=np.int64)
    rank[order] = np.arange(len(g)) - first + 1
    return rank


def _ymd(days):
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(int) + 1
    return y, m, dd


def _old_spelling(name, r):
    """Spelling before 1972 (EYD) on some tokens: Joko -> Djoko, Suparman -> Soeparman,
    Cahyo -> Tjahjo, Syaiful -> Sjaiful, Khoiriyah -> Choirijah, Nyoman -> Njoman."""
    out = []
    for k, tok in enumerate(name.split(" ")):
        if (r * (k + 3) * 7.31) % 1.0 < 0.75:
            t = tok.replace("j", "dj").replace("J", "Dj").replace("ny", "nj").replace("sy", "sj").replace("Sy", "Sj")
            t = t.replace("y", "j").replace("Y", "J").replace("c", "tj").replace("C", "Tj")
            t = t.replace("kh", "ch").replace("Kh", "Ch").replace("u", "oe").replace("U", "Oe")
            tok = t
        out.append(tok)
    return " ".join(out)


_KEYS = "qwertyuiopasdfghjklzxcvbnm"


def _typo(name, r, kind):
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 3:
        return name
    p = letters[int(r * len(letters))]
    ch = _KEYS[int(r * 7919) % 26]
    if name[p].isupper():
        ch = ch.upper()
    if kind == 0:  # substitution
        if ch.lower() == name[p].lower():
            ch = "a" if name[p].lower() != "a" else "e"
        return name[:p] + ch + name[p + 1 :]
    if kind == 1:  # deletion
        return name[:p] + name[p + 1 :]
    if kind == 2:  # insertion
        return name[:p] + ch + name[p:]
    q = p + 1 if p + 1 < len(name) and name[p + 1].isalpha() else p - 1  # transposition
    a, b = min(p, q), max(p, q)
    if name[a] == name[b]:
        return name[:p] + name[p + 1 :]
    return name[:a] + name[b] + name[a] + name[b + 1 :]


def generate(n_records, seed=0, return_persons=False, **shape):
    """``n_records`` records of a generated population and their true person ids.

    Returns ``(rows, truth)``: rows are dicts with string values for nik, kk, name,
    birth_date, sex, address, village, district, rt, rw (a key is left out when the value is
    missing); truth[i] is the person of rows[i]. Keyword arguments override DEFAULT_SHAPE.
    With ``return_persons`` a third item, a dict of per-person arrays, is returned too.
    """
    unknown = set(shape) - set(DEFAULT_SHAPE)
    if unknown:
        raise TypeError(f"unknown shape parameters: {sorted(unknown)}")
    s = dict(DEFAULT_SHAPE, **shape)
    rng = np.random.default_rng(seed)
    geo_rng = np.random.default_rng(seed if s["geo_seed"] is None else s["geo_seed"])
    dnames, vnames, vdist, vw = _geography(geo_rng, s)
    ref = np.datetime64(s["ref_date"], "D").astype(np.int64)

    # --- persons in households -------------------------------------------------------------
    app_p = np.asarray(s["appearances"], float)
    app_p /= app_p.sum()
    mean_app = float((np.arange(1, len(app_p) + 1) * app_p).sum())
    hs_p = np.asarray(s["household_sizes"], float)
    hs_p /= hs_p.sum()
    mean_hs = float((np.arange(1, len(hs_p) + 1) * hs_p).sum())
    H = max(1, int(n_records / mean_app / mean_hs * 1.08) + 8)
    while True:
        hs = rng.choice(np.arange(1, len(hs_p) + 1), size=H, p=hs_p)
        P = int(hs.sum())
        app = rng.choice(np.arange(1, len(app_p) + 1), size=P, p=app_p)
        if app.sum() >= n_records:
            break
        H = int(H * 1.2) + 8
    hh = np.repeat(np.arange(H), hs)
    hstart = np.cumsum(hs) - hs
    pos = np.arange(P) - hstart[hh]
    couple = (hs >= 2) & (rng.random(H) < s["p_couple"])
    role = np.where(pos == 0, 0, np.where((pos == 1) & couple[hh], 1, 2))  # head, spouse, child
    has_child = hs - 1 - couple.astype(int) > 0

    head_female = np.where(couple, rng.random(H) < 0.1, rng.random(H) < 0.6)
    sex_f = np.where(role == 0, head_female[hh], np.where(role == 1, ~head_female[hh], rng.random(P) < 0.5))

    head_age = np.where(has_child, rng.uniform(28, 78, H), rng.uniform(18, 88, H))
    age = np.empty(P)
    age[:] = head_age[hh]
    spouse = role == 1
    age[spouse] = np.clip(head_age[hh][spouse] + rng.normal(-3, 3.5, spouse.sum()), 17, 95)
    child = role == 2
    gap = rng.uniform(20, 35, child.sum())
    cage = head_age[hh][child] - gap
    bad = cage < 0
    cage[bad] = rng.uniform(0, np.maximum(head_age[hh][child][bad] - 20, 1))
    age[child] = cage
    birth = ref - np.floor(age * 365.25).astype(np.int64) - rng.integers(0, 365, P)

    # twins: the second and third members of a household with >= 2 children
    n_child = hs - 1 - couple.astype(int)
    twin_h = np.flatnonzero((n_child >= 2) & (rng.random(H) < s["p_twins"]))
    first_child = hstart[twin_h] + 1 + couple[twin_h].astype(int)
    birth[first_child + 1] = birth[first_child]
    twin_of = np.full(P, -1)
    twin_of[first_child + 1] = first_child

    # residence
    hvill = rng.choice(len(vnames), size=H, p=vw)
    hrt = rng.integers(1, s["rt_max"] + 1, H)
    hrw = rng.integers(1, s["rw_max"] + 1, H)
    hakind, haidx, hanum = _address(rng, H)
    # the household's next home (records marked moved show it)
    same_d = rng.random(H) < 0.6
    nv = rng.choice(len(vnames), size=H, p=vw)
    for _ in range(3):  # prefer a desa of the same kecamatan where asked, never the same desa
        want = (same_d & (vdist[nv] != vdist[hvill])) | (nv == hvill)
        if not want.any():
            break
        nv[want] = rng.choice(len(vnames), size=int(want.sum()), p=vw)
    nv = np.where(nv == hvill, (hvill + 1) % len(vnames), nv)
    nrt = rng.integers(1, s["rt_max"] + 1, H)
    nrw = rng.integers(1, s["rw_max"] + 1, H)
    nakind, naidx, nanum = _address(rng, H)

    # --- names ----------------------------------------------------------------------------
    male_pool = MALE_GIVEN + BOTH_GIVEN
    female_pool = FEMALE_GIVEN + BOTH_GIVEN
    a = s["name_zipf"]
    mg = rng.choice(len(male_pool), size=P, p=_zipf(len(male_pool), a))
    fg = rng.choice(len(female_pool), size=P, p=_zipf(len(female_pool), a))
    mg2 = rng.choice(len(male_pool), size=P, p=_zipf(len(male_pool), a))
    fg2 = rng.choice(len(female_pool), size=P, p=_zipf(len(female_pool), a))
    ms = rng.choice(len(MALE_SECOND), size=P, p=_zipf(len(MALE_SECOND), a))
    fs = rng.choice(len(FEMALE_SECOND), size=P, p=_zipf(len(FEMALE_SECOND), a))
    mu = rng.choice(len(MUHAMMAD_NEXT), size=P, p=_zipf(len(MUHAMMAD_NEXT), a))
    # persons with one name: flatter weights (Painem, Slamet, Tumini more than a lone Siti)
    m1 = rng.choice(len(male_pool), size=P, p=_zipf(len(male_pool), a / 2))
    f1 = rng.choice(len(female_pool), size=P, p=_zipf(len(female_pool), a / 2))
    u = rng.random(P)
    parts = np.where(u < s["p_single_name"], 1, np.where(u < s["p_single_name"] + s["p_three_names"], 3, 2))
    muh = (~sex_f) & (rng.random(P) < s["p_muhammad"])
    names = []
    for i in range(P):
        if sex_f[i]:
            g, g2, sec = female_pool[fg[i]], female_pool[fg2[i]], FEMALE_SECOND[fs[i]]
        else:
            g, g2, sec = male_pool[mg[i]], male_pool[mg2[i]], MALE_SECOND[ms[i]]
        if muh[i]:
            toks = ["Muhammad", MUHAMMAD_NEXT[mu[i]]] + ([sec] if parts[i] >= 2 else [])
        elif parts[i] == 1:
            toks = [female_pool[f1[i]] if sex_f[i] else male_pool[m1[i]]]
        elif parts[i] == 2:
            toks = [g, sec]
        else:
            toks = [g, g2 if g2 != g else sec, sec]
        names.append(toks)
    # children carry the father's second name, sons sometimes his full name
    father = np.full(H, -1)
    fh = couple & ~head_female
    father[fh] = hstart[fh]
    lone_father = ~couple & ~head_female
    father[lone_father] = hstart[lone_father]
    junior = np.zeros(P, bool)
    r_inh = rng.random(P)
    for i in np.flatnonzero(child & (father[hh] >= 0)):
        f = father[hh[i]]
        if not sex_f[i] and twin_of[i] < 0 and r_inh[i] < s["p_junior"]:
            names[i] = list(names[f])
            junior[i] = True
        elif len(names[f]) >= 2 and len(names[i]) >= 2 and r_inh[i] < s["p_father_second"] * (0.5 if sex_f[i] else 1.0):
            names[i] = names[i][:-1] + [names[f][-1]]
            if names[i][0] == names[i][-1]:
                names[i] = names[f][-1:]  # "Santoso Santoso" -> a single name
    # namesakes in the same desa (another household)
    ns = np.flatnonzero(rng.random(P) < s["p_namesake"])
    pv = hvill[hh]
    order = np.lexsort((sex_f, pv))
    key = pv[order] * 2 + sex_f[order]
    gstart = np.searchsorted(key, key, side="left")
    gend = np.searchsorted(key, key, side="right")
    where = np.empty(P, np.int64)
    where[order] = np.arange(P)
    namesake_of = np.full(P, -1)
    rr = rng.random((len(ns), 2))
    for k, i in enumerate(ns):
        w = where[i]
        lo, hi = gstart[w], gend[w]
        if hi - lo < 2:
            continue
        j = order[lo + int(rr[k, 0] * (hi - lo))]
        if hh[j] == hh[i]:
            continue
        names[i] = list(names[j])
        namesake_of[i] = j
        if rr[k, 1] < s["p_namesake_year"]:
            y_i, _, _ = _ymd(birth[i : i + 1])
            y_j, _, _ = _ymd(birth[j : j + 1])
            birth[i] += int(round((int(y_j[0]) - int(y_i[0])) * 365.25))
    full = [" ".join(t) for t in names]
    muh = np.array([len(t) > 1 and t[0] == "Muhammad" for t in names])  # after inheritance / namesakes
    age_now = (ref - birth) / 365.25
    haji = (age_now >= 40) & (rng.random(P) < s["p_haji"])
    drs = (age_now >= 45) & (rng.random(P) < s["p_drs"])
    degree = (age_now >= 23) & (age_now < 65) & ~drs & (rng.random(P) < s["p_degree"])
    deg_idx = rng.integers(len(DEGREES), size=P)
    ir = rng.random(P) < 0.3

    # --- identifiers ----------------------------------------------------------------------
    hdist = vdist[hvill]
    pdist = hdist[hh]
    nik_birth = birth.copy()
    mism = rng.random(P) < s["p_nik_dob_mismatch"]
    nik_birth[mism] += rng.choice([-1, 1], mism.sum()) * rng.choice([1, 2, 30, 365, 3652], mism.sum())
    by, bm, bd = _ymd(nik_birth)
    elsewhere = rng.random(P) < s["p_nik_elsewhere"]
    other_reg = rng.integers(len(OTHER_REGENCIES), size=P)
    other_d = rng.integers(1, 30, size=P)
    region = np.where(elsewhere, 100 + other_reg * 100 + other_d, pdist + 1)  # for serials only
    serial = _serials(region * 100000 + (nik_birth - nik_birth.min()))
    nik_day = bd + np.where(sex_f, 40, 0)
    nik = [
        (f"{OTHER_REGENCIES[other_reg[i]]}{other_d[i]:02d}" if elsewhere[i] else f"3510{pdist[i] + 1:02d}")
        + f"{nik_day[i]:02d}{bm[i]:02d}{by[i] % 100:02d}{serial[i]:04d}"
        for i in range(P)
    ]
    issue = rng.integers(np.datetime64("2005-01-01").astype(np.int64), ref - 30, H)
    iy, im, idd = _ymd(issue)
    kser = _serials(hdist * 100000 + (issue - issue.min()))
    kk = [f"3510{hdist[h] + 1:02d}{idd[h]:02d}{im[h]:02d}{iy[h] % 100:02d}{kser[h]:04d}" for h in range(H)]

    # --- records --------------------------------------------------------------------------
    csum = np.cumsum(app)
    last = int(np.searchsorted(csum, n_records))  # persons 0..last carry the records
    app = app[: last + 1].copy()
    app[-1] -= int(csum[last] - n_records)
    person = np.repeat(np.arange(last + 1), app)
    rng.shuffle(person)
    N = n_records
    lst = rng.integers(s["n_lists"], size=N)
    L = s["n_lists"]
    l_date = rng.choice(3, L, p=[0.5, 0.25, 0.25])
    l_sex = rng.choice(4, L, p=[0.5, 0.15, 0.2, 0.15])
    l_pad = rng.choice(3, L, p=[0.5, 0.15, 0.35])
    l_upper = rng.random(L) < s["p_upper"]
    l_addr = rng.integers(4, size=L)

    moved = rng.random(N) < s["p_moved"]
    u_nik = rng.random(N)
    mix = np.cumsum(np.asarray(s["nik_damage_mix"], float) / sum(s["nik_damage_mix"])) * s["p_nik_damage"]
    nik_kind = np.where(u_nik < mix[0], 1, np.where(u_nik < mix[1], 2, np.where(u_nik < mix[2], 3, 0)))
    excel = np.where(rng.random(N) < s["p_excel"], rng.integers(1, 4, N), 0)
    no_kk = rng.random(N) < s["p_no_kk"]
    u_dob = rng.random(N)
    c1, c2, c3 = (
        s["p_dob_swap"],
        s["p_dob_swap"] + s["p_dob_year"],
        s["p_dob_swap"] + s["p_dob_year"] + s["p_dob_missing"],
    )
    dob_kind = np.where(u_dob < c1, 1, np.where(u_dob < c2, 2, np.where(u_dob < c3, 3, 0)))
    sex_missing = rng.random(N) < s["p_sex_missing"]
    r_name = rng.random((N, 8))
    typo_kind = rng.integers(4, size=N)
    r_pos = rng.random((N, 2))
    by_r, bm_r, bd_r = _ymd(birth[person])
    year_shift = rng.choice([-1, 1], N)

    sex_codes = [("L", "P"), ("LK", "PR"), ("LAKI-LAKI", "PEREMPUAN"), ("Laki-laki", "Perempuan")]
    dusun_w = [("Dusun ", "DUSUN "), ("Dsn. ", "DSN. "), ("Dsn ", "DSN "), ("Dusun ", "DUSUN ")]
    street_w = [("Jl. ", "JL. "), ("Jalan ", "JALAN "), ("Jln. ", "JLN. "), ("Jl ", "JL ")]
    rows = []
    truth = person.tolist()
    for k in range(N):
        i = person[k]
        h = hh[i]
        li = lst[k]
        up = l_upper[li]
        row = {}
        # NIK
        if nik_kind[k] != 3:
            v = nik[i]
            if nik_kind[k] == 1:
                p = int(r_pos[k, 0] * 16)
                d = (int(v[p]) + 1 + int(r_pos[k, 1] * 9)) % 10
                v = v[:p] + str(d) + v[p + 1 :]
            elif nik_kind[k] == 2:
                p = int(r_pos[k, 0] * 15)
                for t in range(15):
                    q = (p + t) % 15
                    if v[q] != v[q + 1]:
                        v = v[:q] + v[q + 1] + v[q] + v[q + 2 :]
                        break
            if excel[k] == 1:
                v = "'" + v
            elif excel[k] == 2:
                v = v + ".0"
            elif excel[k] == 3:
                v = v[:15] + "0"
            row["nik"] = v
        if not no_kk[k]:
            row["kk"] = kk[h]
        # name
        nm = full[i]
        rn = r_name[k]
        if age_now[i] >= 50 and rn[2] < s["p_old_spelling"]:
            nm = _old_spelling(nm, rn[2] / s["p_old_spelling"])
        if muh[i] and rn[0] < s["p_muhammad_variant"]:
            nm = MUHAMMAD_SPELLINGS[1 + int(rn[1] * (len(MUHAMMAD_SPELLINGS) - 1))] + nm[nm.index(" ") :]
        if rn[3] < s["p_show_title"]:
            if haji[i]:
                nm = ("Hj. " if sex_f[i] else "H. ") + nm
            if drs[i]:
                nm = ("Ir. " if ir[i] else ("Dra. " if sex_f[i] else "Drs. ")) + nm
            if degree[i]:
                nm = nm + (", " if rn[4] < 0.6 else " ") + DEGREES[deg_idx[i]]
        if rn[5] < s["p_typo"]:
            nm = _typo(nm, rn[6], typo_kind[k])
        if up:
            nm = nm.upper()
        if rn[7] < s["p_spaces"]:
            nm = ("  " + nm) if rn[6] < 0.3 else (nm.replace(" ", "  ", 1) if " " in nm else nm + " ")
        row["name"] = nm
        # birth date
        dk = dob_kind[k]
        if dk != 3:
            yy, mm, dd = int(by_r[k]), int(bm_r[k]), int(bd_r[k])
            if dk == 1 and dd <= 12 and dd != mm:
                mm, dd = dd, mm
            elif dk == 2:
                yy += int(year_shift[k])
                if mm == 2 and dd == 29:
                    dd = 28
            fmt = l_date[li]
            row["birth_date"] = (
                f"{yy:04d}-{mm:02d}-{dd:02d}"
                if fmt == 0
                else f"{dd:02d}-{mm:02d}-{yy:04d}"
                if fmt == 1
                else f"{dd:02d}/{mm:02d}/{yy:04d}"
            )
        if not sex_missing[k]:
            row["sex"] = sex_codes[l_sex[li]][1 if sex_f[i] else 0]
        # residence
        if moved[k]:
            vi, rt, rw, ak, ai, an = nv[h], nrt[h], nrw[h], nakind[h], naidx[h], nanum[h]
        else:
            vi, rt, rw, ak, ai, an = hvill[h], hrt[h], hrw[h], hakind[h], haidx[h], hanum[h]
        aw = l_addr[li]
        if ak:
            addr = street_w[aw][0] + STREETS[ai] + (f" No. {an}" if aw < 2 else f" No.{an}" if aw == 2 else f" {an}")
        else:
            addr = dusun_w[aw][0] + DUSUN[ai]
        village, district = vnames[vi], dnames[vdist[vi]]
        if up:
            addr, village, district = addr.upper(), village.upper(), district.upper()
        row["address"] = addr
        row["village"] = village
        row["district"] = district
        pad = l_pad[li]
        row["rt"] = f"{rt:03d}" if pad == 0 else f"{rt:02d}" if pad == 1 else str(rt)
        row["rw"] = f"{rw:03d}" if pad == 0 else f"{rw:02d}" if pad == 1 else str(rw)
        rows.append(row)
    if not return_persons:
        return rows, truth
    persons = {
        "name": full,
        "nik": nik,
        "kk": [kk[h] for h in hh],
        "household": hh,
        "sex_female": sex_f,
        "birth": birth.astype("datetime64[D]"),
        "village": hvill[hh],
        "role": role,
        "twin_of": twin_of,
        "junior": junior,
        "namesake_of": namesake_of,
        "n_records": np.bincount(person, minlength=P),
    }
    persons["_village_names"] = vnames
    persons["_nik_kind"] = nik_kind
    persons["_excel"] = excel
    persons["_moved"] = moved
    return rows, truth, persons


def write_csv(path, rows, truth):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["person"] + FIELDS)
        w.writeheader()
        for r, t in zip(rows, truth):
            w.writerow(dict(r, person=t))


def read_csv(path):
    """Rows and truth back from a CSV written by write_csv (empty fields left out)."""
    rows, truth = [], []
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            truth.append(int(r.pop("person")))
            rows.append({k: v for k, v in r.items() if v})
    return rows, truth


def stats(rows, truth, persons, out=sys.stdout):
    P_used = sorted(set(truth))
    used = np.zeros(len(persons["name"]), bool)
    used[P_used] = True

    def pr(*a):
        print(*a, file=out)

    names = [persons["name"][i] for i in P_used]
    per_name = collections.Counter(names)
    pr(f"records {len(rows):,}  persons {len(P_used):,}  records/person {len(rows) / len(P_used):.2f}")
    app = collections.Counter(persons["n_records"][P_used].tolist())
    pr("lists per person: " + ", ".join(f"{k}: {app[k] / len(P_used):.1%}" for k in sorted(app)))
    n_true_pairs = sum(c * (c - 1) // 2 for c in collections.Counter(truth).values())
    pr(f"true pairs {n_true_pairs:,}")
    pr(f"distinct full names {len(per_name):,} / persons {len(P_used):,} = {len(per_name) / len(P_used):.3f}")
    cnt = sorted(per_name.values())
    pr(
        f"persons per full name: max {cnt[-1]}  median {statistics.median(cnt)}  mean {statistics.mean(cnt):.1f}  "
        f"top: " + ", ".join(f"{n} ({c})" for n, c in per_name.most_common(5))
    )
    vil = persons["village"]
    per_vn = collections.Counter((int(vil[i]), persons["name"][i]) for i in P_used)
    vc = sorted(per_vn.values())
    shared = sum(c for c in vc if c > 1)
    pr(
        f"persons per (desa, full name): max {vc[-1]}  persons sharing their name with another in their desa "
        f"{shared:,} ({shared / len(P_used):.1%})"
    )
    by = persons["birth"].astype("datetime64[Y]").astype(int)
    per_vny = collections.Counter((int(vil[i]), persons["name"][i], int(by[i])) for i in P_used)
    pr(f"persons sharing desa + full name + birth year with another: {sum(c for c in per_vny.values() if c > 1):,}")
    twins = int(((persons["twin_of"] >= 0) & used).sum())
    junior = int((persons["junior"] & used).sum())
    pr(
        f"twins (second of pair) {twins:,}  sons with the father's full name {junior:,}  "
        f"namesakes placed in desa {int(((persons['namesake_of'] >= 0) & used).sum()):,}"
    )
    hh = persons["household"][P_used]
    hsz = collections.Counter(collections.Counter(hh.tolist()).values())
    pr("household members listed: " + ", ".join(f"{k}: {hsz[k]}" for k in sorted(hsz)))
    nk, ex = persons["_nik_kind"], persons["_excel"]
    pr(
        f"NIK: substituted {np.mean(nk == 1):.1%}  swapped {np.mean(nk == 2):.1%}  missing {np.mean(nk == 3):.1%}  "
        f"damaged (incl. last digit lost) {np.mean((nk > 0) | (ex == 3)):.1%}  spreadsheet-marked {np.mean(ex > 0):.1%}"
    )
    pr(
        f"moved records {np.mean(persons['_moved']):.1%}  no KK {sum('kk' not in r for r in rows) / len(rows):.1%}  "
        f"no birth date {sum('birth_date' not in r for r in rows) / len(rows):.1%}  "
        f"no sex {sum('sex' not in r for r in rows) / len(rows):.1%}"
    )
    rec_names = collections.Counter(" ".join(r["name"].split()).lower() for r in rows)
    pr(f"distinct record names (case/space folded) {len(rec_names):,}")
    pr("sample rows:")
    for r, t in list(zip(rows, truth))[:6]:
        pr(f"  {t}: {r}")


def _parse_shape(items):
    out = {}
    for it in items or []:
        k, _, v = it.partition("=")
        if k not in DEFAULT_SHAPE:
            raise SystemExit(f"unknown shape parameter {k!r}; known: {', '.join(DEFAULT_SHAPE)}")
        d = DEFAULT_SHAPE[k]
        if isinstance(d, tuple):
            out[k] = tuple(float(x) for x in v.split(","))
        elif isinstance(d, bool) or d is None:
            out[k] = None if v.lower() == "none" else int(v)
        elif isinstance(d, int):
            out[k] = int(v)
        elif isinstance(d, float):
            out[k] = float(v)
        else:
            out[k] = v
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of records")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="CSV file to write (with a person column)")
    ap.add_argument("--stats", action="store_true", help="print quick statistics")
    ap.add_argument("--shape", nargs="*", metavar="KEY=VALUE", help="override shape parameters")
    args = ap.parse_args()
    shape = _parse_shape(args.shape)
    t = time.perf_counter()
    rows, truth, persons = generate(args.n, seed=args.seed, return_persons=True, **shape)
    print(f"generated {len(rows):,} records in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    if args.out:
        write_csv(args.out, rows, truth)
    if args.stats:
        stats(rows, truth, persons)


if __name__ == "__main__":
    main()
