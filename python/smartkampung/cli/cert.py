"""`smartkampung cert`: health-protocol certificates of tourism businesses over a signed
store file. Each action is declared once below with its own options and its handler;
the options every store action shares (--store, --pub, --key, --allow-unsigned, --id,
--at) are added by `_shared`."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import pathlib
from dataclasses import dataclass
from typing import Any, Callable

import smartkampung as sk

from .._files import write_atomic
from ._common import (
    INT32_MAX,
    INT64_MAX,
    UserError,
    emit,
    existing_file,
    int_option,
    now,
    parse_instant,
    public_keys,
    read_utf8,
    text_table,
)
from ._i18n import t

HELP = "health-protocol certificates of tourism businesses over a store file"
EXAMPLES = ["smartkampung cert status --store certs.jsonl --id 17 --at 2020-07-20T14:00"]

_ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}


@dataclass
class _Action:
    help: str
    example: str
    options: Callable[[argparse.ArgumentParser], None]
    handler: Callable[..., Any]
    store: bool = True
    id: bool = True
    at: bool = True
    writes: bool = False  # changes the store: run inside CertificateRegistry.update (locked, signed)


ACTIONS: dict[str, _Action] = {}


def _action(
    name: str, help: str, example: str, options: Callable[[argparse.ArgumentParser], None] = lambda c: None, **kw: Any
):
    def wrap(fn):
        ACTIONS[name] = _Action(help, example, options, fn, **kw)
        return fn

    return wrap


# ---------------------------------------------------------------------------- keys and time


def _signing_key(args: argparse.Namespace) -> Any:
    path = getattr(args, "key", None) or os.environ.get("SMARTKAMPUNG_KEY")
    if not path:
        return None
    return sk.SigningKey.load(existing_file(path))


def _local(reg: Any, moment: Any) -> str:
    """An instant in the registry's zone, e.g. '2020-07-20 14:00 WIB'."""
    if moment is None:
        return "-"
    name = reg.time_zone
    zone = _dt.timezone(_dt.timedelta(hours=_ZONES[name]), name)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M ") + name


def _summary(reg: Any, id: int, at: _dt.datetime) -> dict[str, Any]:
    info = reg.certificate(id, at)
    return {
        "id": id,
        "at": _local(reg, at),
        "status": info["status"],
        "certificate": info["certificate_id"],
        "valid_until": info["valid_until"].isoformat() if info["valid_until"] else None,
        "next_evaluation": _local(reg, info["evaluation_due_at"]) if info["evaluation_due_at"] else None,
        "max_visitors": reg.max_visitors(id, at),
        "inside": reg.occupancy(id, at),
    }


def _business(reg: Any, id: int) -> dict[str, Any]:
    return reg.history(id)[0]["business"]


# ---------------------------------------------------------------------------- lifecycle (writes)


def _register_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("--name", required=True, help="business name")
    c.add_argument("--category", required=True, help="category known to the policy (warung, cafe, hotel, ...)")
    c.add_argument("--lat", type=float, required=True, help="latitude")
    c.add_argument("--lon", type=float, required=True, help="longitude")
    c.add_argument("--capacity", type=int_option(0, INT32_MAX), required=True, help="normal visitor capacity")
    c.add_argument("--zone", help="village or zone name (for dated restriction levels)")


@_action(
    "register",
    "register a business",
    "register --store s.jsonl --id 17 --name 'Warung Osing' "
    "--category warung --lat -8.2191 --lon 114.3691 --capacity 40",
    _register_options,
    writes=True,
)
def _register(reg: Any, args: argparse.Namespace, at: _dt.datetime):
    if args.category not in reg.categories:
        raise UserError(t("unknown_category", cat=args.category, known=", ".join(reg.categories)))
    reg.add_business(args.id, args.name, args.category, args.lat, args.lon, args.capacity, at=at, zone=args.zone or "")


@_action("apply", "record an application", "apply --store s.jsonl --id 17", writes=True)
def _apply(reg, args, at):
    reg.apply(args.id, at)


def _result_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("--result", choices=["pass", "fail"], default="pass", help="the result (default pass)")
    c.add_argument("--findings", help="findings")


@_action(
    "audit",
    "record an audit (pass or fail)",
    "audit --store s.jsonl --id 17 --result pass",
    _result_options,
    writes=True,
)
def _audit(reg, args, at):
    reg.audit(args.id, at, args.result == "pass", findings=args.findings or "")


@_action(
    "evaluate",
    "record an evaluation (pass or fail)",
    "evaluate --store s.jsonl --id 17 --result pass",
    _result_options,
    writes=True,
)
def _evaluate(reg, args, at):
    reg.evaluate(args.id, at, args.result == "pass", findings=args.findings or "")


@_action("issue", "issue a certificate after a passed audit", "issue --store s.jsonl --id 17", writes=True)
def _issue(reg, args, at):
    reg.issue(args.id, at)


def _reason(required: bool, default: str = "", effective: bool = False) -> Callable[[argparse.ArgumentParser], None]:
    def options(c: argparse.ArgumentParser) -> None:
        if required:
            c.add_argument("--reason", required=True, help="reason")
        else:
            c.add_argument("--reason", default=default, help="reason" + (f" (default: {default})" if default else ""))
        if effective:
            c.add_argument(
                "--effective", type=parse_instant, default=None, help="in effect from (back-dated; default --at)"
            )

    return options


@_action(
    "violate",
    "report a protocol violation",
    "violate --store s.jsonl --id 17 --reason 'no masks'",
    _reason(False, "protocol violation"),
    writes=True,
)
def _violate(reg, args, at):
    reg.report_violation(args.id, at, args.reason)


@_action(
    "suspend",
    "suspend a valid certificate",
    "suspend --store s.jsonl --id 17 --reason 'no masks'",
    _reason(True),
    writes=True,
)
def _suspend(reg, args, at):
    reg.suspend(args.id, at, args.reason)


@_action(
    "revoke",
    "revoke a certificate",
    "revoke --store s.jsonl --id 17 --reason 'no masks'",
    _reason(True, effective=True),
    writes=True,
)
def _revoke(reg, args, at):
    reg.revoke(args.id, at, args.reason, effective_at=args.effective)


@_action(
    "withdraw",
    "record that the business withdrew",
    "withdraw --store s.jsonl --id 17 --reason 'closed'",
    _reason(False),
    writes=True,
)
def _withdraw(reg, args, at):
    reg.withdraw(args.id, at, args.reason)


@_action("reinstate", "lift a suspension", "reinstate --store s.jsonl --id 17", writes=True)
def _reinstate(reg, args, at):
    reg.reinstate(args.id, at)


@_action("renew", "renew a certificate after a passed evaluation", "renew --store s.jsonl --id 17", writes=True)
def _renew(reg, args, at):
    reg.renew(args.id, at)


def _visitors(c: argparse.ArgumentParser) -> None:
    c.add_argument("-n", type=int_option(1, INT32_MAX), default=1, help="visitors")


@_action(
    "checkin",
    "admit visitors (the cap holds across processes)",
    "checkin --store s.jsonl --id 17 -n 4",
    _visitors,
    writes=True,
)
def _checkin(reg, args, at):
    ok = reg.check_in(args.id, at, args.n)
    return ok, {
        "id": args.id,
        "admitted": ok,
        "inside": reg.occupancy(args.id, at),
        "max_visitors": reg.max_visitors(args.id, at),
    }


@_action("checkout", "let visitors out", "checkout --store s.jsonl --id 17 -n 4", _visitors, writes=True)
def _checkout(reg, args, at):
    reg.check_out(args.id, at, args.n)
    return True, {"id": args.id, "inside": reg.occupancy(args.id, at), "max_visitors": reg.max_visitors(args.id, at)}


# ---------------------------------------------------------------------------- reading the store


@_action(
    "status",
    "certificate status, number, validity and next evaluation",
    "status --store s.jsonl --id 17 --at 2020-07-20T14:00",
)
def _status(reg, args, at):
    return _summary(reg, args.id, at)


@_action("history", "the business's events, in local time", "history --store s.jsonl --id 17")
def _history(reg, args, at):
    events = reg.history(args.id)
    for e in events:
        for k in ("effective_at", "recorded_at"):
            e[k] = _local(reg, e[k]) if e[k] is not None else None
    return events


_LISTED = ["id", "name", "category", "status", "certificate", "valid_until", "max_visitors"]


def _listing(reg: Any, found: list[tuple[int, float | None]], at: _dt.datetime, near: bool) -> list[dict]:
    result = []
    for id, dist in found:
        s, b = _summary(reg, id, at), _business(reg, id)
        item = {
            "id": id,
            "name": b["name"],
            "category": b["category"],
            "status": s["status"],
            "certificate": s["certificate"],
            "valid_until": s["valid_until"],
            "max_visitors": s["max_visitors"],
        }
        if near:
            item["distance_m"] = dist
        result.append(item)
    return result


def _list_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("--category", help="only this category")
    c.add_argument("--all", action="store_true", help="every business, whatever its status")


@_action(
    "list", "certified places (valid certificates)", "list --store s.jsonl --category warung", _list_options, id=False
)
def _list(reg, args, at):
    found = [
        (id, None)
        for id, st in reg.statuses(at).items()
        if (args.all or st in sk.VALID_STATUSES)
        and (args.category is None or _business(reg, id)["category"] == args.category)
    ]
    return _listing(reg, found, at, near=False)


def _near_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("lat", type=float)
    c.add_argument("lon", type=float)
    c.add_argument("--radius", type=float, default=5000.0, help="metres (default 5000)")
    c.add_argument("--category", help="only this category")


@_action(
    "near",
    "certified places near a point",
    "near --store s.jsonl -8.2191 114.3691 --radius 2000",
    _near_options,
    id=False,
)
def _near(reg, args, at):
    found = [(id, round(d, 1)) for id, d in reg.certified_near(args.lat, args.lon, args.radius, at, args.category)]
    return _listing(reg, found, at, near=True)


def _out_folder(c: argparse.ArgumentParser) -> None:
    c.add_argument("--out", required=True, help="output folder")


@_action(
    "sticker",
    "write the signed sticker: DIR/<id>.txt, .png and .svg (QR code)",
    "sticker --store s.jsonl --id 17 --key keys/district.key --out stickers/",
    _out_folder,
)
def _sticker(reg, args, at):
    key = _signing_key(args)
    if key is None:
        raise UserError(t("sticker_needs_key"))
    return sk.cert.write_sticker(reg, args.id, args.out, key=key, at=at)


def _out_file(c: argparse.ArgumentParser) -> None:
    c.add_argument("--out", required=True, help="output file")


@_action(
    "status-list",
    "write the signed status list (suspended and revoked certificates)",
    "status-list --store s.jsonl --key keys/district.key --out status.txt",
    _out_file,
    id=False,
)
def _status_list(reg, args, at):
    key = _signing_key(args)
    if key is None:
        raise UserError(t("status_list_needs_key"))
    text = reg.status_list(key=key, at=at)
    write_atomic(args.out, text + "\n")
    return {"out": str(args.out), "key_id": key.key_id, "date": _local(reg, at), "bytes": len(text)}


# ---------------------------------------------------------------------------- without a store


@_action(
    "keygen",
    "generate the district signing key: DIR/district.key (0600) and DIR/district.pub",
    "keygen --out keys/",
    lambda c: c.add_argument("--out", required=True, help="output folder (a key is never overwritten)"),
    store=False,
    id=False,
    at=False,
)
def _keygen(args, at):
    out = pathlib.Path(args.out)
    pub = sk.cert.generate_key(out)
    return 0, {"key": str(out / "district.key"), "pub": str(out / "district.pub"), "key_id": pub.key_id}


def _verify_options(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--pub", action="append", metavar="FILE", help="district public key (repeatable; default SMARTKAMPUNG_PUB)"
    )
    c.add_argument("--status-list", help="a status list file written by 'cert status-list'")
    c.add_argument("credential", metavar="TEXT_OR_FILE", help="the sticker text (SKC1:...) or a file holding it")


@_action(
    "verify",
    "verify a sticker offline (exit 0 genuine and valid, 1 otherwise)",
    "verify --pub district.pub --status-list status.txt stickers/17.txt",
    _verify_options,
    store=False,
    id=False,
)
def _verify(args, at):
    keys = public_keys(args)
    if not keys:
        raise UserError(t("verify_needs_pub"))
    text = args.credential
    if not text.strip().startswith("SKC1:") and pathlib.Path(text).exists():
        text = read_utf8(text)
    status_list = read_utf8(args.status_list) if args.status_list else None
    v = sk.cert.verify(text, keys, status_list=status_list, at=at)
    data = {
        "genuine": v["genuine"],
        "valid": v["valid"],
        "business": v["business"],
        "status": v["status"],
        "valid_until": v["valid_until"].isoformat() if v["valid_until"] else None,
        "certificate": v.get("certificate_id"),
        "reason": v["reason"],
        "status_list_stale": v["status_list_stale"],
    }
    if v["genuine"]:
        b = v["business"]
        text_out = (
            f"{'VALID' if v['valid'] else v['status'].upper()}: {b['name']} ({b['category']}), "
            f"{v['certificate_id']}, {v['reason']}"
        )
    else:
        text_out = f"NOT GENUINE ({v['status']}): {v['reason']}"
    return (0 if v["valid"] else 1), data, text_out


def _page_options(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--pub",
        action="append",
        metavar="FILE",
        help="district public key to embed (repeatable, for rotation; default SMARTKAMPUNG_PUB)",
    )
    c.add_argument("--status-list", help="a status list file written by 'cert status-list', to embed")
    c.add_argument("--out", required=True, help="the page to write (HTML)")


@_action(
    "page",
    "write the visitor's verification page (static HTML, works offline on a phone)",
    "page --pub district.pub --status-list status.txt --out verifikasi.html",
    _page_options,
    store=False,
    id=False,
    at=False,
)
def _page(args, at):
    keys = public_keys(args)
    if not keys:
        raise UserError(t("verify_needs_pub"))
    html = sk.cert.verification_page(keys, status_list=args.status_list)
    write_atomic(args.out, html)
    return 0, {"page": str(args.out), "bytes": len(html.encode("utf-8"))}


# ---------------------------------------------------------------------------- the subcommand


def _shared(c: argparse.ArgumentParser, a: _Action) -> None:
    if a.store:
        c.add_argument("--store", required=True, help="certificate store file (created by 'register')")
        c.add_argument(
            "--pub",
            action="append",
            metavar="FILE",
            help="district public key to verify the store with (repeatable, for rotation; " "default SMARTKAMPUNG_PUB)",
        )
        c.add_argument("--key", metavar="FILE", help="district private key to sign with (default SMARTKAMPUNG_KEY)")
        c.add_argument(
            "--allow-unsigned", action="store_true", help="read an unsigned store although a public key is configured"
        )
    if a.id:
        c.add_argument("--id", type=int_option(0, INT64_MAX), required=True, help="business id")
    if a.at:
        c.add_argument("--at", type=parse_instant, default=None, help="moment (ISO; default now, WIB)")


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    sub.required = True
    for name, a in ACTIONS.items():
        c = sub.add_parser(
            name,
            help=a.help,
            description=a.help,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            epilog="Example:\n  smartkampung cert " + a.example,
            parents=[common],
        )
        _shared(c, a)
        a.options(c)


def _text_of(result: Any) -> str:
    if isinstance(result, dict):
        return "  ".join(f"{k}: {v}" for k, v in result.items())
    return "\n".join(json.dumps(e, default=str, ensure_ascii=False) for e in result)


def run(args: argparse.Namespace) -> int:
    a = ACTIONS[args.action]
    at = getattr(args, "at", None) or now()
    if not a.store:
        code, data, *text = a.handler(args, at)
        emit(args, data, text[0] if text else _text_of(data))
        return code
    if a.writes:
        keys, key = public_keys(args), _signing_key(args)
        if keys and key is None:
            raise UserError(t("need_signing_key"))
        holder: dict[str, Any] = {}

        def change(reg: Any) -> bool:
            out = a.handler(reg, args, at)
            save, holder["result"] = out if isinstance(out, tuple) else (True, _summary(reg, args.id, at))
            return save

        sk.CertificateRegistry.update(
            str(args.store),
            change,
            key=key,
            public_keys=keys,
            allow_unsigned=args.allow_unsigned,
            create=args.action == "register",
        )
        result = holder["result"]
        emit(args, result, _text_of(result))
        return 0 if args.action != "checkin" or result["admitted"] else 1
    if not pathlib.Path(args.store).exists():
        raise UserError(t("no_store", path=args.store))
    reg = sk.CertificateRegistry.load(
        str(args.store), public_keys=public_keys(args), allow_unsigned=args.allow_unsigned
    )
    result = a.handler(reg, args, at)
    if args.action in ("list", "near"):
        header = _LISTED + (["distance_m"] if args.action == "near" else [])
        emit(
            args,
            result,
            text_table([[r.get(h) for h in header] for r in result], header) if result else "no certified place found",
        )
    else:
        emit(args, result, _text_of(result))
    return 0
