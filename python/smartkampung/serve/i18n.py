"""The service's words in Indonesian and English. Reason and status codes (``invalid_nik``,
``already_enrolled``, ``revoked``) are the library's and stay the same in both languages;
the sentences around them are translated here."""

from __future__ import annotations

LANGS = ("id", "en")

# (Indonesian, English)
TEXTS: dict[str, tuple[str, str]] = {
    "site": ("Smart Kampung", "Smart Kampung"),
    "lang_other": ("English", "Bahasa Indonesia"),
    "home": ("Beranda", "Home"),
    "home_intro": (
        "Layanan warga: periksa penerima bantuan, laporkan bila belum terdata, temukan tempat " "wisata bersertifikat.",
        "Residents' services: check who receives aid, report when you are not yet covered, " "find certified places.",
    ),
    "nav.cek": ("Cek penerima", "Check recipients"),
    "nav.lapor": ("Lapor", "Report"),
    "nav.tempat": ("Tempat bersertifikat", "Certified places"),
    "nav.isolasi": ("Rumah isolasi", "Isolation houses"),
    "nav.audit": ("Log audit", "Audit log"),
    "nav.masuk": ("Masuk petugas", "Officer login"),
    "nav.keluar": ("Keluar", "Log out"),
    "submit": ("Kirim", "Submit"),
    "search": ("Cari", "Search"),
    # ---- Cek penerima
    "cek.title": ("Cek penerima bantuan", "Check aid recipients"),
    "cek.help": (
        "Masukkan NIK (16 angka). Jawaban disamarkan: nama dan NIK tidak ditampilkan utuh.",
        "Enter a NIK (16 digits). The answer is masked: name and NIK are never shown in full.",
    ),
    "nik": ("NIK", "NIK"),
    "cek.found": ("{name} menerima: {programs}", "{name} receives: {programs}"),
    "cek.not_found": ("NIK {nik} tidak ada dalam daftar penerima.", "NIK {nik} is not in the recipient lists."),
    "cek.invalid": ("NIK tidak sah: {reason}", "The NIK is not valid: {reason}"),
    "cek.report_hint": ("Belum terdata? Silakan lapor.", "Not covered yet? Please report."),
    # NIK reason codes (the library's NikError.code)
    "nik.length": ("harus 16 angka", "it must have 16 digits"),
    "nik.non_digit": ("hanya boleh angka", "only digits are allowed"),
    "nik.province": ("kode provinsi tidak dikenal", "unknown province code"),
    "nik.birth_date": ("tanggal lahir di dalam NIK tidak mungkin", "the birth date inside the NIK is impossible"),
    "nik.serial": ("nomor urut 0000 tidak sah", "serial 0000 is not valid"),
    "nik.scientific_notation": (
        "tertulis sebagai 3.51E+15 (rusak oleh spreadsheet)",
        "written as 3.51E+15 (damaged by a spreadsheet)",
    ),
    "nik.missing": ("NIK kosong", "the NIK is empty"),
    # ---- Lapor
    "lapor.title": ("Lapor: belum menerima bantuan", "Report: not receiving aid"),
    "lapor.help": (
        "Isi data sesuai KTP dan KK. Laporan yang diterima akan diverifikasi petugas desa.",
        "Fill in as on your identity card and family card. Accepted reports are verified by the " "village officer.",
    ),
    "kk": ("Nomor KK", "Family card (KK) number"),
    "name": ("Nama lengkap", "Full name"),
    "birth_date": ("Tanggal lahir", "Birth date"),
    "sex": ("Jenis kelamin", "Sex"),
    "sex.L": ("Laki-laki", "Male"),
    "sex.P": ("Perempuan", "Female"),
    "address": ("Alamat", "Address"),
    "village": ("Desa/kelurahan", "Village"),
    "program": ("Program yang diminta (boleh kosong)", "Programme asked for (optional)"),
    "lapor.accepted": (
        "Laporan diterima untuk verifikasi. Nomor antrean: {position}.",
        "Report accepted for verification. Queue number: {position}.",
    ),
    "lapor.refused": ("Laporan tidak dapat diterima: {why}", "The report cannot be accepted: {why}"),
    "reason.invalid_nik": ("NIK tidak sah ({detail})", "the NIK is not valid ({detail})"),
    "reason.invalid_record": (
        "data tidak lengkap atau tidak terbaca ({detail})",
        "the data is incomplete or unreadable ({detail})",
    ),
    "reason.already_enrolled": (
        "sudah terdaftar sebagai penerima: {programs}",
        "already enrolled as a recipient: {programs}",
    ),
    "reason.household_covered": (
        "keluarga (KK) sudah menerima program yang tidak boleh digabung: {programs}",
        "the household (KK) already receives a programme that excludes more aid: " "{programs}",
    ),
    "reason.duplicate_report": ("NIK ini sudah pernah melapor", "this NIK has already reported"),
    # ---- Tempat
    "tempat.title": ("Tempat wisata bersertifikat", "Certified places"),
    "tempat.help": (
        "Tempat dengan sertifikat protokol kesehatan yang berlaku, di sekitar titik atau di " "satu desa.",
        "Places with a valid health-protocol certificate, near a point or in one village.",
    ),
    "lat": ("Lintang", "Latitude"),
    "lon": ("Bujur", "Longitude"),
    "radius": ("Radius (m)", "Radius (m)"),
    "category": ("Kategori", "Category"),
    "any": ("semua", "any"),
    "zone": ("Desa / zona", "Village / zone"),
    "status": ("Status", "Status"),
    "distance": ("Jarak", "Distance"),
    "certificate": ("Sertifikat", "Certificate"),
    "valid_until": ("Berlaku s.d.", "Valid until"),
    "max_visitors": ("Maks. pengunjung", "Max. visitors"),
    "none_found": ("Tidak ada yang ditemukan.", "Nothing found."),
    "tempat.sticker": ("Periksa stiker", "Check the sticker"),
    "tempat.sticker_help": (
        "Tempel teks kode QR stiker (SKC1:...) untuk memeriksa keasliannya.",
        "Paste the sticker's QR text (SKC1:...) to check that it is genuine.",
    ),
    "sticker_text": ("Teks stiker", "Sticker text"),
    "sticker.genuine_valid": (
        "ASLI dan BERLAKU: {name}, {cert}, berlaku s.d. {until}.",
        "GENUINE and VALID: {name}, {cert}, valid until {until}.",
    ),
    "sticker.genuine_invalid": (
        "Asli, tetapi TIDAK BERLAKU ({status}): {name}.",
        "Genuine, but NOT VALID ({status}): {name}.",
    ),
    "sticker.other_place": ("Stiker ini milik tempat lain: {name}.", "This sticker belongs to another place: {name}."),
    "sticker.forged": ("TIDAK ASLI ({status}).", "NOT GENUINE ({status})."),
    "sticker.offline": ("Halaman pemeriksa luring (tanpa jaringan)", "Offline verification page"),
    "st.active": ("berlaku", "valid"),
    "st.evaluation_due": ("berlaku, evaluasi jatuh tempo", "valid, evaluation due"),
    "st.suspended": ("dibekukan", "suspended"),
    "st.revoked": ("dicabut", "revoked"),
    "st.expired": ("kedaluwarsa", "expired"),
    "st.withdrawn": ("ditarik", "withdrawn"),
    "st.none": ("tidak ada", "none"),
    "st.applied": ("diajukan", "applied"),
    "st.under_audit": ("sedang diaudit", "under audit"),
    # ---- officers
    "masuk.title": ("Masuk petugas", "Officer login"),
    "user": ("Nama pengguna", "User name"),
    "password": ("Kata sandi", "Password"),
    "masuk.failed": ("Nama pengguna atau kata sandi salah.", "Wrong user name or password."),
    "masuk.as": ("Masuk sebagai {user} ({role})", "Logged in as {user} ({role})"),
    "isolasi.title": ("Rumah isolasi terdekat dengan tempat tidur kosong", "Nearest isolation houses with a free bed"),
    "isolasi.help": (
        "Titik pasien (lintang, bujur). Pemesanan mengambil satu tempat tidur dan tercatat di log " "audit.",
        "The patient's point (latitude, longitude). A reservation takes one bed and is written to " "the audit log.",
    ),
    "patient_ref": ("Nomor kasus pasien", "Patient case number"),
    "house": ("Rumah", "House"),
    "free_beds": ("Tempat tidur kosong", "Free beds"),
    "reserve": ("Pesan", "Reserve"),
    "check_in": ("Pasien tiba", "Patient arrived"),
    "release": ("Lepaskan", "Release"),
    "reserved": (
        "Dipesan: reservasi #{id}, rumah {house} ({name}), {dist} m.",
        "Reserved: reservation #{id}, house {house} ({name}), {dist} m.",
    ),
    "no_bed": ("Rumah itu tidak lagi punya tempat tidur kosong.", "That house has no free bed any more."),
    "no_houses": ("Daftar rumah isolasi tidak dimuat (--houses).", "No isolation-house list is loaded (--houses)."),
    "reservations": ("Reservasi aktif", "Open reservations"),
    "forbidden": ("Halaman ini hanya untuk petugas.", "This page is for officers only."),
    "audit.title": ("Log audit tindakan petugas", "Audit log of officer actions"),
    "at": ("Waktu", "Time"),
    "actor": ("Petugas", "Officer"),
    "action": ("Tindakan", "Action"),
    "target": ("Sasaran", "Target"),
    # ---- errors
    "too_many": ("Terlalu banyak permintaan. Coba lagi sebentar lagi.", "Too many requests. Try again shortly."),
    "csrf": (
        "Formulir kedaluwarsa. Muat ulang halaman dan kirim lagi.",
        "The form has expired. Reload the page and submit again.",
    ),
    "bad_input": ("Isian tidak sah: {field}", "Invalid input: {field}"),
    "not_found": ("Halaman tidak ditemukan.", "Page not found."),
    "server_error": ("Terjadi galat. Coba lagi.", "Something went wrong. Please try again."),
}


def tr(lang: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` with {values} filled in (the key itself when unknown)."""
    pair = TEXTS.get(key)
    if pair is None:
        return key.split(".", 1)[-1]
    text = pair[0] if lang == "id" else pair[1]
    return text.format(**values) if values else text


def pick_lang(accept_language: str | None) -> str:
    """'id' unless the browser prefers English over Indonesian."""
    if not accept_language:
        return "id"
    best = []
    for part in accept_language.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        best.append((weight, tag.strip().lower()[:2]))
    for _w, tag in sorted(best, reverse=True):
        if tag in LANGS:
            return tag
    return "id"
