"""The tool's words in Indonesian and English: messages, table headings, summaries.

One table, keyed by a stable name; ``t(key, **values)`` gives the text in the language of
the run (``--lang``, else Indonesian when the locale is Indonesian, else English). Reason
codes (``SUDAH_MENERIMA``, ``invalid_nik``, ...) are never translated: they are the same in
both languages so that a spreadsheet filter or a script keeps working.
"""

from __future__ import annotations

import os
from typing import Mapping

LANGS = ("id", "en")

_lang = "en"


def locale_lang(env: Mapping[str, str] = os.environ) -> str:
    """'id' when the locale (LC_ALL, LC_MESSAGES, LANG, in that order) is Indonesian."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "id" if value.lower().startswith(("id", "in_")) else "en"
    return "en"


def set_lang(lang: str) -> None:
    global _lang
    _lang = lang if lang in LANGS else "en"


def lang() -> str:
    return _lang


def t(key: str, **values: object) -> str:
    """The text of `key` in the run's language, with {values} filled in."""
    texts = _TEXTS.get(key)
    if texts is None:  # a heading with no translation: its key, readable
        return key.split(".", 1)[-1].replace("_", " ")
    text = texts[0] if _lang == "id" else texts[1]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in _TEXTS


# (Indonesian, English)
_TEXTS: dict[str, tuple[str, str]] = {
    # ---- errors and warnings --------------------------------------------------------------
    "error": ("galat", "error"),
    "warning": ("peringatan", "warning"),
    "internal_error": (
        "galat internal ({kind}); mohon laporkan; SMARTKAMPUNG_DEBUG=1 menampilkan rinciannya",
        "internal error ({kind}); please report it; SMARTKAMPUNG_DEBUG=1 shows the details",
    ),
    "no_such_file": ("{path}: berkas tidak ada", "{path}: no such file"),
    "not_a_file": ("{path}: bukan berkas", "{path}: not a file"),
    "not_readable": ("{path}: tidak dapat dibaca", "{path}: not readable"),
    "empty_file": ("{path}: berkas kosong (perlu baris judul kolom)", "{path}: empty file (a header line is needed)"),
    "binary_file": (
        "{path}: bukan berkas teks (CSV) maupun buku kerja .xlsx",
        "{path}: neither a text (CSV) file nor an .xlsx workbook",
    ),
    "not_utf8": (
        "{path}: bukan teks UTF-8 (byte {pos}); simpan ulang sebagai UTF-8",
        "{path}: not UTF-8 text (byte {pos}); save it again as UTF-8",
    ),
    "field_too_long": (
        "{path}:{line}: ada kolom lebih dari {limit} karakter",
        "{path}:{line}: a field is longer than {limit} characters",
    ),
    "bad_field_count": (
        "{path}:{line}: diharapkan {expected} kolom, ada {found}; baris dilewati",
        "{path}:{line}: expected {expected} fields, found {found}; row skipped",
    ),
    "missing_column": ("{path}: tidak ada kolom '{column}'", "{path}: no column '{column}'"),
    "missing_columns_any": ("{path}: tidak ada kolom {columns}", "{path}: none of the columns {columns}"),
    "not_a_number": ("{path}:{line}: kolom '{field}' bukan angka", "{path}:{line}: field '{field}' is not a number"),
    "bad_row": ("{path}:{line}: {message}", "{path}:{line}: {message}"),
    "rows_failed_more": (
        "{n} baris gagal lagi (semua ada di kolom 'masalah' hasil)",
        "{n} more rows failed (all are in the output's 'problem' column)",
    ),
    "os_error": ("{path}: {reason}", "{path}: {reason}"),
    "out_dir_missing": ("{path}: folder tujuan tidak ada", "{path}: the output folder does not exist"),
    "bad_list_spec": (
        "{spec}: diharapkan BERKAS:PROGRAM:TINGKAT (tingkat central, provincial atau regency)",
        "{spec}: expected FILE:PROGRAM:LEVEL (level central, provincial or regency)",
    ),
    "bad_level": (
        "{spec}: tingkat harus central, provincial atau regency, bukan '{level}'",
        "{spec}: level must be central, provincial or regency, not '{level}'",
    ),
    "bad_columns": (
        "--columns: diharapkan FIELD=JUDUL, bukan '{item}'",
        "--columns: expected FIELD=HEADER, not '{item}'",
    ),
    "bad_json": ("{path}:{line}: bukan JSON yang sah ({msg})", "{path}:{line}: not valid JSON ({msg})"),
    "bad_conflicts": (
        '{path}: diharapkan dokumen dengan "format": "skamp-conflicts/1"',
        '{path}: expected a document with "format": "skamp-conflicts/1"',
    ),
    "bad_conflict_item": ("{path}: conflicts[{i}] perlu a, b dan scope", "{path}: conflicts[{i}] needs a, b and scope"),
    "too_many_rejected": (
        "{path}: {n} dari {rows} baris ditolak ({share}, di atas batas {limit}; pertama: baris {line}: "
        "{why}); --allow-rejected untuk tetap memuat",
        "{path}: {n} of {rows} rows rejected ({share}, over the limit of {limit}; first: line {line}: "
        "{why}); --allow-rejected to load it anyway",
    ),
    "no_kk_column": (
        "{path}: tidak ada kolom KK, diperlukan untuk pengecualian per KK di {excl} (sebut dengan "
        "--columns kk=JUDUL, atau --allow-missing-columns)",
        "{path}: no KK column, needed for the household exclusions in {excl} (name it with "
        "--columns kk=HEADER, or --allow-missing-columns)",
    ),
    "serve_needs_extra": (
        "serve memerlukan Starlette dan uvicorn: pip install 'smartkampung[serve]'",
        "serve needs Starlette and uvicorn: pip install 'smartkampung[serve]'",
    ),
    "serve_needs_sources": (
        "serve memerlukan --registry dan --certs (lihat smartkampung serve --help)",
        "serve needs --registry and --certs (see smartkampung serve --help)",
    ),
    "serve_bad_network": (
        "--rate-exempt: bukan jaringan (CIDR seperti 127.0.0.1/32)",
        "--rate-exempt: not a network (CIDR such as 127.0.0.1/32)",
    ),
    "serve_user_name": ("--add-user: nama 1 sampai 64 karakter", "--add-user: a name of 1 to 64 characters"),
    "serve_short_password": ("kata sandi minimal {n} karakter", "a password needs at least {n} characters"),
    "check_needs_registry": (
        "pemeriksaan memerlukan daftar penerima: --registry BERKAS (dari 'dedup --save') "
        "atau --list BERKAS:PROGRAM:TINGKAT; tanpa itu jawabannya akan salah",
        "a check needs the recipient lists: --registry FILE (from 'dedup --save') or --list "
        "FILE:PROGRAM:LEVEL; without them the answer would be wrong",
    ),
    "eligible_needs_rules": (
        "sebutkan aturan: --program NAMA (bawaan: {names}) atau --rules BERKAS.json",
        "name the rules: --program NAME (built in: {names}) or --rules FILE.json",
    ),
    "unknown_program": (
        "aturan bawaan '{name}' tidak ada (bawaan: {names}; atau --rules BERKAS.json)",
        "no built-in rule set '{name}' (built in: {names}; or --rules FILE.json)",
    ),
    "unknown_category": (
        "kategori {cat!r} tidak dikenal (dikenal: {known})",
        "unknown category {cat!r} (known: {known})",
    ),
    "need_signing_key": (
        "penyimpanan ini dibaca dengan kunci publik, jadi perubahan harus ditandatangani: "
        "--key atau SMARTKAMPUNG_KEY",
        "this store is read with a public key, so a write must be signed: give --key or " "SMARTKAMPUNG_KEY",
    ),
    "sticker_needs_key": (
        "stiker ditandatangani: --key atau SMARTKAMPUNG_KEY",
        "a sticker is signed: give --key or SMARTKAMPUNG_KEY",
    ),
    "status_list_needs_key": (
        "daftar status ditandatangani: --key atau SMARTKAMPUNG_KEY",
        "a status list is signed: give --key or SMARTKAMPUNG_KEY",
    ),
    "verify_needs_pub": (
        "verifikasi memerlukan kunci publik kabupaten: --pub atau SMARTKAMPUNG_PUB",
        "verifying needs the district's public key: give --pub or SMARTKAMPUNG_PUB",
    ),
    "no_store": (
        "{path}: penyimpanan sertifikat tidak ada (buat dengan 'cert register')",
        "{path}: no such certificate store (create it with 'cert register')",
    ),
    "outside_indonesia": (
        "koordinat ({lat:.4f}, {lon:.4f}) di luar wilayah Indonesia; " "periksa tanda dan urutan lintang/bujur",
        "coordinates ({lat:.4f}, {lon:.4f}) are outside Indonesia; "
        "check the sign and the order of latitude and longitude",
    ),
    "far_from_houses": (
        "rumah isolasi terdekat berjarak {km:.0f} km (lebih dari {limit:.0f} km); " "periksa koordinatnya",
        "the nearest isolation house is {km:.0f} km away (over {limit:.0f} km); " "check the coordinates",
    ),
    "house_row_skipped": ("{path}:{line}: {why}; rumah dilewati", "{path}:{line}: {why}; house skipped"),
    "no_houses": ("{path}: tidak ada rumah isolasi yang terbaca", "{path}: no isolation house could be read"),
    "point_or_file": (
        "beri LINTANG BUJUR satu titik, atau satu berkas pasien",
        "give LAT LON of one point, or one patient file",
    ),
    "bad_coordinate": ("{what} '{text}' bukan koordinat yang sah", "{what} '{text}' is not a valid coordinate"),
    "invalid_nik_row": ("{path}:{line}: NIK tidak sah ({code})", "{path}:{line}: invalid NIK ({code})"),
    "no_nik_column": ("{path}: tidak ada kolom NIK", "{path}: no NIK column"),
    "bad_time": (
        "{path}:{line}: kolom '{field}' bukan tanggal/waktu (YYYY-MM-DD[THH:MM])",
        "{path}:{line}: field '{field}' is not a date or date-time (YYYY-MM-DD[THH:MM])",
    ),
    "openpyxl_missing": (
        "menulis .xlsx memerlukan openpyxl (pip install openpyxl), atau pakai --format csv",
        "writing .xlsx needs openpyxl (pip install openpyxl), or use --format csv",
    ),
    # ---- words in summaries and tables ------------------------------------------------------
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
    "waits": ("menunggu", "waits"),
    "written": ("ditulis: {path}", "written: {path}"),
    "summary": ("Ringkasan", "Summary"),
    "generated": ("dibuat", "generated"),
    "source": ("sumber", "source"),
    "none_found": ("tidak ada", "none"),
    "no_house_free": ("tidak ada rumah isolasi terbuka dengan tempat tidur kosong", "no open house with a free bed"),
    "not_in_lists": ("tidak ada di daftar program mana pun", "not in any programme list"),
    "receives": ("menerima {programs}", "receives {programs}"),
    "nothing": ("tidak ada", "nothing"),
    "valid": ("sah", "valid"),
    "lang_title.eligible": ("Keputusan kelayakan", "Eligibility decisions"),
    "lang_title.report": ("Laporan daring", "Online reports"),
    "lang_title.check": ("Pemeriksaan penerima", "Recipient check"),
    "lang_title.nearest": ("Rumah isolasi terdekat", "Nearest isolation houses"),
    "lang_title.assign": ("Penempatan pasien", "Patient placement"),
    "lang_title.dedup": ("Data ganda antar program", "Duplicates across programmes"),
    "lang_title.rules": ("Aturan bawaan", "Built-in rule sets"),
    "lang_title.nik": ("Pemeriksaan NIK", "NIK check"),
    "lang_title.replace": ("Penggantian daftar", "List replacement"),
    # summary lines
    "sum.rows": ("baris dibaca", "rows read"),
    "sum.failed": ("baris gagal", "rows failed"),
    "sum.decision.eligible": ("layak", "eligible"),
    "sum.decision.ineligible": ("tidak layak", "ineligible"),
    "sum.decision.needs_data": ("data kurang", "needs data"),
    "sum.decision.error": ("galat aturan", "rule error"),
    "sum.amount": ("jumlah bantuan per bulan (Rp)", "monthly amount (Rp)"),
    "sum.ruleset": ("aturan", "rule set"),
    "sum.as_of": ("tanggal keputusan", "decision date"),
    "sum.accepted": ("diterima untuk verifikasi", "accepted for verification"),
    "sum.refused": ("ditolak", "refused"),
    "sum.queue": ("antrean verifikasi", "verification queue"),
    "sum.found": ("terdaftar", "enrolled"),
    "sum.not_found": ("tidak terdaftar", "not enrolled"),
    "sum.invalid": ("NIK tidak sah", "invalid NIK"),
    "sum.patients": ("pasien", "patients"),
    "sum.placed": ("ditempatkan", "placed"),
    "sum.waiting": ("menunggu (tempat tidur habis)", "waiting (no bed left)"),
    "sum.total_km": ("jarak total (km)", "total distance (km)"),
    "sum.max_km": ("jarak terjauh (km)", "longest distance (km)"),
    "sum.mode": ("cara", "mode"),
    "sum.houses": ("rumah isolasi", "isolation houses"),
    "sum.houses_skipped": ("baris rumah dilewati", "house rows skipped"),
    "sum.warnings": ("peringatan koordinat", "coordinate warnings"),
    "sum.free_beds": ("tempat tidur kosong", "free beds"),
    "sum.unique_persons": ("orang unik", "unique persons"),
    "sum.unique_households": ("KK unik", "unique households"),
    "sum.duplicates_within_lists": ("ganda dalam satu daftar", "duplicates within a list"),
    "sum.persons_in_several_programmes": ("orang di beberapa program", "persons in several programmes"),
    "sum.conflicting_records": ("data bertentangan", "conflicting records"),
    "sum.nik_mismatches": ("NIK tidak cocok dengan tanggal lahir", "NIK/birth-date mismatches"),
    "sum.exclusion_violations": ("pelanggaran pengecualian", "exclusion violations"),
    "sum.likely_duplicates_across_niks": ("kemungkinan orang sama dengan NIK lain", "likely same person across NIKs"),
    "sum.rejected": ("baris ditolak", "rows rejected"),
    "sum.loaded": ("baris dimuat", "rows loaded"),
    "sum.rulesets": ("aturan bawaan", "built-in rule sets"),
    "sum.niks": ("NIK diperiksa", "NIKs checked"),
    "sum.file": ("berkas", "file"),
    # sheet names (at most 31 characters)
    "sheet.decisions": ("Keputusan", "Decisions"),
    "sheet.reports": ("Laporan", "Reports"),
    "sheet.queue": ("Antrean", "Queue"),
    "sheet.checks": ("Pemeriksaan", "Checks"),
    "sheet.nearest": ("Terdekat", "Nearest"),
    "sheet.placements": ("Penempatan", "Placements"),
    "sheet.waiting": ("Menunggu", "Waiting"),
    "sheet.houses": ("Rumah isolasi", "Houses"),
    "sheet.problems": ("Masalah", "Problems"),
    "sheet.rulesets": ("Aturan", "Rule sets"),
    "sheet.columns": ("Kolom", "Columns"),
    "sheet.lists": ("Daftar", "Lists"),
    "sheet.duplicates": ("Ganda", "Duplicates"),
    "sheet.overlaps": ("Beberapa program", "Overlaps"),
    "sheet.conflicts": ("Bertentangan", "Conflicts"),
    "sheet.exclusions": ("Pelanggaran", "Exclusion violations"),
    "sheet.mismatches": ("NIK vs tgl lahir", "NIK mismatches"),
    "sheet.rejected": ("Ditolak", "Rejected"),
    "sheet.likely": ("Kemungkinan sama", "Likely same person"),
    "sheet.niks": ("NIK", "NIK"),
    "sheet.summary": ("Ringkasan", "Summary"),
    # column headings
    "col.file": ("berkas", "file"),
    "col.line": ("baris", "line"),
    "col.name": ("nama", "name"),
    "col.nik": ("NIK", "NIK"),
    "col.kk": ("No. KK", "KK"),
    "col.id": ("id", "id"),
    "col.program": ("program", "programme"),
    "col.programs": ("semua program", "programmes"),
    "col.level": ("tingkat", "level"),
    "col.decision": ("keputusan", "decision"),
    "col.priority": ("prioritas", "priority"),
    "col.amount": ("jumlah (Rp/bulan)", "amount (Rp/month)"),
    "col.reasons": ("kode alasan", "reason codes"),
    "col.messages": ("alasan", "reasons"),
    "col.missing": ("data yang kurang", "missing fields"),
    "col.problem": ("masalah", "problem"),
    "col.outcome": ("hasil", "outcome"),
    "col.reason": ("kode alasan", "reason code"),
    "col.detail": ("keterangan", "detail"),
    "col.queue_position": ("nomor antrean", "queue position"),
    "col.at": ("waktu", "time"),
    "col.found": ("terdaftar", "enrolled"),
    "col.house": ("rumah", "house"),
    "col.house_name": ("nama rumah", "house name"),
    "col.distance_km": ("jarak (km)", "distance (km)"),
    "col.free_beds": ("tempat tidur kosong", "free beds"),
    "col.rank": ("urutan", "rank"),
    "col.warning": ("peringatan", "warning"),
    "col.lat": ("lintang", "latitude"),
    "col.lon": ("bujur", "longitude"),
    "col.capacity": ("kapasitas", "capacity"),
    "col.occupied": ("terisi", "occupied"),
    "col.open": ("buka", "open"),
    "col.kind": ("jenis", "kind"),
    "col.placed": ("ditempatkan", "placed"),
    "col.ruleset": ("aturan", "rule set"),
    "col.version": ("versi", "version"),
    "col.valid_from": ("berlaku dari", "valid from"),
    "col.valid_to": ("berlaku s.d.", "valid to"),
    "col.scope": ("lingkup", "scope"),
    "col.columns": ("kolom yang diperlukan", "columns needed"),
    "col.column": ("kolom", "column"),
    "col.type": ("jenis isi", "type"),
    "col.values": ("nilai yang diterima", "accepted values"),
    "col.description": ("keterangan", "description"),
    "col.loaded": ("dimuat", "loaded"),
    "col.rejected": ("ditolak", "rejected"),
    "col.unkeyed": ("tanpa NIK", "no NIK"),
    "col.result": ("hasil", "result"),
    "col.district": ("kecamatan", "district"),
    "col.district_name": ("nama kecamatan", "district name"),
    "col.sex": ("jenis kelamin", "sex"),
    "col.birth_year": ("tahun lahir", "birth year"),
    "col.repaired": ("diperbaiki", "repaired"),
    "col.raw": ("teks asli", "raw text"),
    "col.why": ("alasan", "reason"),
    "col.birth_date": ("tanggal lahir", "birth date"),
    "col.other": ("data lain", "other data"),
    "col.count": ("jumlah", "count"),
    "col.item": ("hal", "item"),
    "col.value": ("nilai", "value"),
    "col.group": ("kelompok", "group"),
    "col.kind_of": ("jenis", "kind"),
}
