"""Server-rendered pages: small HTML (a few kB), one stylesheet from the service itself, no
script, no outside resource; every form works with a plain POST. Every value is escaped
here, at the one place where text becomes HTML.

Answers carry machine-readable attributes (``id="result"``, ``data-outcome``, ...) for the
district's own tests and the browser tests; the visible text is for residents."""

from __future__ import annotations

import html
from typing import Any, Iterable

from .i18n import tr

CSS = """body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafaf7}
header{background:#0b5d3b;color:#fff;padding:.6em 1em}header a,header .muted{color:#fff}
nav a{margin-right:.8em;display:inline-block}main{padding:1em;max-width:46em}
form{margin:1em 0}label{display:block;margin:.5em 0 .15em;font-weight:600}
input,select,textarea{font:inherit;padding:.4em;width:100%;max-width:28em;box-sizing:border-box}
button{font:inherit;padding:.45em 1.2em;margin-top:.7em;background:#0b5d3b;color:#fff;border:0;border-radius:3px}
.ok{background:#e3f4e8;border-left:5px solid #18794e;padding:.6em}.no{background:#fdecea;border-left:5px solid #b42318;padding:.6em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em;text-align:left}
.muted{color:#555;font-size:.9em}form.inline{display:inline;margin:0}form.inline button{margin:0;padding:.2em .6em}
"""


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def layout(lang: str, title: str, body: str, path: str, user: Any = None, csrf: str = "") -> str:
    """A whole page: header with the menu and the other language, then the body."""
    other = "en" if lang == "id" else "id"
    other_path = "/" + other + path[3:] if path.startswith(f"/{lang}/") or path == f"/{lang}" else f"/{other}/"
    links = [("", "home"), ("cek", "nav.cek"), ("lapor", "nav.lapor"), ("tempat", "nav.tempat")]
    if user is not None:
        links.append(("isolasi", "nav.isolasi"))
        links.append(("audit", "nav.audit"))
    nav = "".join(f'<a href="/{lang}/{slug}">{e(tr(lang, key))}</a>' for slug, key in links)
    if user is None:
        nav += f'<a href="/{lang}/masuk">{e(tr(lang, "nav.masuk"))}</a>'
    else:
        nav += (
            f'<form class="inline" method="post" action="/{lang}/keluar"><input type="hidden" name="csrf" '
            f'value="{e(csrf)}"><button id="logout">{e(tr(lang, "nav.keluar"))}</button></form>'
            f' <span class="muted" id="whoami">{e(tr(lang, "masuk.as", user=user.name, role=user.role))}</span>'
        )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{e(title)} - {e(tr(lang, "site"))}</title><link rel="stylesheet" href="/static/style.css">'
        f'</head><body><header><strong>{e(tr(lang, "site"))}</strong> '
        f'<a id="lang-switch" hreflang="{other}" href="{e(other_path)}">{e(tr(lang, "lang_other"))}</a>'
        f'<nav>{nav}</nav></header><main><h1>{e(title)}</h1>{body}</main></body></html>'
    )


def field(label: str, name: str, value: Any = "", kind: str = "text", extra: str = "") -> str:
    return (
        f'<label for="{name}">{e(label)}</label>'
        f'<input id="{name}" name="{name}" type="{kind}" value="{e(value)}" {extra}>'
    )


def form(action: str, csrf: str, inner: str, lang: str, label_key: str = "submit", form_id: str = "") -> str:
    ident = f' id="{form_id}"' if form_id else ""
    return (
        f'<form method="post" action="{e(action)}"{ident}><input type="hidden" name="csrf" value="{e(csrf)}">'
        f'{inner}<button type="submit">{e(tr(lang, label_key))}</button></form>'
    )


def message(ok: bool, text: str, **data: Any) -> str:
    attrs = "".join(f' data-{k.replace("_", "-")}="{e(v)}"' for k, v in data.items())
    return f'<p id="result" class="{"ok" if ok else "no"}" role="status"{attrs}>{e(text)}</p>'


def table(
    header: Iterable[str], rows: Iterable[Iterable[Any]], raw_cols: tuple[int, ...] = (), table_id: str = ""
) -> str:
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if i in raw_cols else e(c)}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ---------------------------------------------------------------------------- pages


def home(lang: str) -> str:
    items = "".join(
        f'<li><a href="/{lang}/{slug}">{e(tr(lang, key))}</a></li>'
        for slug, key in (("cek", "nav.cek"), ("lapor", "nav.lapor"), ("tempat", "nav.tempat"))
    )
    return f"<p>{e(tr(lang, 'home_intro'))}</p><ul>{items}</ul>"


def check_page(lang: str, csrf: str, answer: dict | None = None) -> str:
    body = f"<p>{e(tr(lang, 'cek.help'))}</p>"
    the_form = form(
        f"/{lang}/cek",
        csrf,
        field(tr(lang, "nik"), "nik", "", "text", 'inputmode="numeric" autocomplete="off" maxlength="32" required'),
        lang,
        "search",
        "check-form",
    )
    if answer is not None:  # the answer first: on a small screen it is what the resident looks for
        if not answer["valid"]:
            reason = tr(lang, "nik." + answer["reason"])
            body += message(False, tr(lang, "cek.invalid", reason=reason), outcome="invalid", reason=answer["reason"])
        elif answer["found"]:
            text = tr(lang, "cek.found", name=answer["name"] or answer["nik"], programs=", ".join(answer["programs"]))
            body += message(True, text, outcome="found", nik=answer["nik"], programs=" ".join(answer["programs"]))
        else:
            body += message(False, tr(lang, "cek.not_found", nik=answer["nik"]), outcome="not_found", nik=answer["nik"])
            body += f'<p><a href="/{lang}/lapor">{e(tr(lang, "cek.report_hint"))}</a></p>'
    return body + the_form


def report_page(
    lang: str, csrf: str, programs: list[str], outcome: dict | None = None, bad_field: str | None = None
) -> str:
    body = f"<p>{e(tr(lang, 'lapor.help'))}</p>"
    if outcome is not None:
        if outcome["accepted"]:
            body += message(
                True,
                tr(lang, "lapor.accepted", position=outcome["queue_position"]),
                outcome="accepted",
                reason="accepted",
                queue_position=outcome["queue_position"],
            )
        else:
            why = tr(
                lang, "reason." + outcome["reason"], detail=outcome["detail"], programs=", ".join(outcome["programs"])
            )
            body += message(False, tr(lang, "lapor.refused", why=why), outcome="refused", reason=outcome["reason"])
    if bad_field:
        body += message(False, tr(lang, "bad_input", field=bad_field), outcome="bad_input", field=bad_field)
    numeric = 'inputmode="numeric" autocomplete="off" maxlength="32"'
    sex = (
        f'<label for="sex">{e(tr(lang, "sex"))}</label><select id="sex" name="sex"><option value=""></option>'
        f'<option value="L">{e(tr(lang, "sex.L"))}</option><option value="P">{e(tr(lang, "sex.P"))}</option></select>'
    )
    prog = (
        f'<label for="program">{e(tr(lang, "program"))}</label><select id="program" name="program">'
        '<option value=""></option>' + "".join(f"<option>{e(p)}</option>" for p in programs) + "</select>"
    )
    inner = (
        field(tr(lang, "nik"), "nik", "", "text", numeric + " required")
        + field(tr(lang, "kk"), "kk", "", "text", numeric)
        + field(tr(lang, "name"), "name", "", "text", 'maxlength="120" required autocomplete="off"')
        + field(tr(lang, "birth_date"), "birth_date", "", "date")
        + sex
        + field(tr(lang, "address"), "address", "", "text", 'maxlength="200"')
        + field(tr(lang, "village"), "village", "", "text", 'maxlength="80"')
        + prog
    )
    return body + form(f"/{lang}/lapor", csrf, inner, lang, "submit", "report-form")


def _status(lang: str, status: str) -> str:
    return tr(lang, "st." + status)


def places_page(
    lang: str, categories: list[str], query: dict, found: list[dict] | None, bad_field: str | None = None
) -> str:
    opts = f'<option value="">{e(tr(lang, "any"))}</option>' + "".join(
        f'<option{" selected" if query.get("category") == c else ""}>{e(c)}</option>' for c in categories
    )
    body = (
        f"<p>{e(tr(lang, 'tempat.help'))}</p><form method=\"get\" action=\"/{lang}/tempat\" id=\"places-form\">"
        + field(tr(lang, "lat"), "lat", query.get("lat", ""), "text", 'inputmode="decimal"')
        + field(tr(lang, "lon"), "lon", query.get("lon", ""), "text", 'inputmode="decimal"')
        + field(tr(lang, "radius"), "radius", query.get("radius", "5000"), "number")
        + field(tr(lang, "zone"), "zone", query.get("zone", ""))
        + f'<label for="category">{e(tr(lang, "category"))}</label><select id="category" name="category">{opts}'
        f'</select><button type="submit">{e(tr(lang, "search"))}</button></form>'
    )
    if bad_field:
        body += message(False, tr(lang, "bad_input", field=bad_field), outcome="bad_input", field=bad_field)
    if found is not None:
        if not found:
            body += message(False, tr(lang, "none_found"), outcome="none")
        else:
            near = any("distance_m" in p for p in found)
            header = [tr(lang, "name"), tr(lang, "category"), tr(lang, "status"), tr(lang, "valid_until")] + (
                [tr(lang, "distance")] if near else []
            )
            rows = [
                [
                    f'<a class="place" href="/{lang}/tempat/{p["id"]}">{e(p["name"])}</a>',
                    p["category"],
                    _status(lang, p["status"]),
                    p["valid_until"] or "-",
                ]
                + ([f'{p["distance_m"]:.0f} m'] if near else [])
                for p in found
            ]
            body += table(header, rows, raw_cols=(0,), table_id="places")
    return body


def place_page(lang: str, csrf: str, p: dict, check: dict | None = None) -> str:
    rows = [
        [tr(lang, "category"), p["category"]],
        [tr(lang, "zone"), p["zone"] or "-"],
        [tr(lang, "status"), _status(lang, p["status"])],
        [tr(lang, "certificate"), p["certificate"] or "-"],
        [tr(lang, "valid_until"), p["valid_until"] or "-"],
        [tr(lang, "max_visitors"), p["max_visitors"]],
    ]
    body = table(["", ""], rows, table_id="place") + f'<h2>{e(tr(lang, "tempat.sticker"))}</h2>'
    if check is not None:
        b = check.get("business") or {}
        data = {
            "outcome": "valid" if check["valid"] else "invalid",
            "genuine": str(check["genuine"]).lower(),
            "status": check["status"],
            "business_id": b.get("id", ""),
        }
        if not check["genuine"]:
            body += message(False, tr(lang, "sticker.forged", status=check["status"]), **data)
        elif check["matches_place"] is False:
            body += message(False, tr(lang, "sticker.other_place", name=b.get("name", "")), **data)
        elif check["valid"]:
            body += message(
                True,
                tr(
                    lang,
                    "sticker.genuine_valid",
                    name=b.get("name", ""),
                    cert=check["certificate"],
                    until=check["valid_until"],
                ),
                **data,
            )
        else:
            body += message(
                False,
                tr(
                    lang,
                    "sticker.genuine_invalid",
                    status=_status(lang, check["status"])
                    if check["status"] in ("suspended", "revoked", "expired", "withdrawn")
                    else check["status"],
                    name=b.get("name", ""),
                ),
                **data,
            )
    body += f"<p>{e(tr(lang, 'tempat.sticker_help'))}</p>"
    body += form(
        f"/{lang}/tempat/{p['id']}/stiker",
        csrf,
        f'<label for="text">{e(tr(lang, "sticker_text"))}</label>'
        f'<textarea id="text" name="text" rows="4" maxlength="4096" required></textarea>',
        lang,
        "submit",
        "sticker-form",
    )
    body += f'<p class="muted"><a href="/verifikasi.html">{e(tr(lang, "sticker.offline"))}</a></p>'
    return body


def login_page(lang: str, csrf: str, failed: bool = False) -> str:
    body = message(False, tr(lang, "masuk.failed"), outcome="failed") if failed else ""
    inner = field(tr(lang, "user"), "user", "", "text", 'autocomplete="username" required maxlength="64"') + field(
        tr(lang, "password"), "password", "", "password", 'autocomplete="current-password" required maxlength="256"'
    )
    return body + form(f"/{lang}/masuk", csrf, inner, lang, "nav.masuk", "login-form")


def houses_page(
    lang: str,
    csrf: str,
    query: dict,
    houses: list[dict] | None,
    reservations: list[dict],
    note: str = "",
    loaded: bool = True,
) -> str:
    body = note
    if not loaded:
        return body + message(False, tr(lang, "no_houses"), outcome="no_houses")
    body += f"<p>{e(tr(lang, 'isolasi.help'))}</p>"
    body += (
        f'<form method="get" action="/{lang}/isolasi" id="houses-form">'
        + field(tr(lang, "lat"), "lat", query.get("lat", ""), "text", 'inputmode="decimal" required')
        + field(tr(lang, "lon"), "lon", query.get("lon", ""), "text", 'inputmode="decimal" required')
        + f'<button type="submit">{e(tr(lang, "search"))}</button></form>'
    )
    if houses is not None:
        if not houses:
            body += message(False, tr(lang, "none_found"), outcome="none")
        rows = []
        for h in houses:
            reserve = (
                f'<form class="inline" method="post" action="/{lang}/isolasi/pesan">'
                f'<input type="hidden" name="csrf" value="{e(csrf)}">'
                f'<input type="hidden" name="house_id" value="{h["id"]}">'
                f'<input type="hidden" name="lat" value="{e(query.get("lat"))}">'
                f'<input type="hidden" name="lon" value="{e(query.get("lon"))}">'
                f'<input name="patient_ref" aria-label="{e(tr(lang, "patient_ref"))}" '
                f'placeholder="{e(tr(lang, "patient_ref"))}" required maxlength="64" style="width:9em">'
                f'<button class="reserve" data-house="{h["id"]}">{e(tr(lang, "reserve"))}</button></form>'
            )
            rows.append([h["id"], h["name"], f'{h["distance_m"]:.0f} m', h["free_beds"], reserve])
        if rows:
            body += table(
                [tr(lang, "house"), tr(lang, "name"), tr(lang, "distance"), tr(lang, "free_beds"), ""],
                rows,
                raw_cols=(4,),
                table_id="houses",
            )
    body += f'<h2>{e(tr(lang, "reservations"))}</h2>'
    rows = []
    for r in reservations:
        actions = ""
        for status, key in (("checked_in", "check_in"), ("released", "release")):
            if status == "checked_in" and r["status"] != "reserved":
                continue
            actions += (
                f'<form class="inline" method="post" action="/{lang}/isolasi/{r["id"]}/{status}">'
                f'<input type="hidden" name="csrf" value="{e(csrf)}"><button>{e(tr(lang, key))}</button></form> '
            )
        rows.append([r["id"], r["house_id"], r["patient_ref"], r["status"], r["officer"], r["created_at"], actions])
    body += table(
        ["#", tr(lang, "house"), tr(lang, "patient_ref"), tr(lang, "status"), tr(lang, "actor"), tr(lang, "at"), ""],
        rows,
        raw_cols=(6,),
        table_id="reservations",
    )
    return body


def audit_page(lang: str, entries: list[dict]) -> str:
    rows = [[x["id"], x["at"], x["actor"], x["role"], x["action"], x["target"] or ""] for x in entries]
    return table(
        ["#", tr(lang, "at"), tr(lang, "actor"), "role", tr(lang, "action"), tr(lang, "target")], rows, table_id="audit"
    )
