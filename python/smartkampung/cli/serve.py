"""`smartkampung serve`: the residents' web service (public check, online reports,
certified places; isolation houses for officers) over a saved registry and a certificate
store, with its own state in SQLite under --data. Needs the `serve` extra (Starlette,
uvicorn). See docs/serve.md."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import os
import pathlib
import sys

from ._common import UsageError, UserError, existing_file, int_option, public_keys
from ._i18n import t

HELP = "run the residents' web service (public check, reports, certified places, isolation houses)"
EXAMPLES = [
    "smartkampung serve --registry registry.skr --certs certs.jsonl --houses rumah.csv --data /var/lib/smartkampung "
    "--pub district.pub",
    "smartkampung serve --data /var/lib/smartkampung --add-user siti --role officer   # password on stdin",
]


def add_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", help="a registry saved by 'dedup --save' (the public check and report intake)")
    p.add_argument("--certs", help="the certificate store (certified places and their stickers)")
    p.add_argument("--houses", help="isolation houses, CSV or JSON (id, name, lat, lon, capacity, ...)")
    p.add_argument(
        "--data",
        default="smartkampung-data",
        help="folder of the service's database and secret (default ./smartkampung-data)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: behind a proxy)")
    p.add_argument("--port", type=int_option(1, 65535), default=8080, help="port (default 8080)")
    p.add_argument(
        "--pub",
        action="append",
        metavar="FILE",
        help="district public key: verifies registry, store and stickers (repeatable; default " "SMARTKAMPUNG_PUB)",
    )
    p.add_argument("--allow-unsigned", action="store_true", help="read unsigned files although a key is configured")
    p.add_argument("--status-list", help="a signed status list ('cert status-list') for sticker checks")
    p.add_argument(
        "--check-limit",
        type=int_option(0, 10**6),
        default=30,
        help="public checks a minute per client (default 30; 0 = no limit)",
    )
    p.add_argument(
        "--report-limit",
        type=int_option(0, 10**6),
        default=6,
        help="reports a minute per client (default 6; 0 = no limit)",
    )
    p.add_argument(
        "--login-limit", type=int_option(0, 10**6), default=10, help="login attempts a minute per client (default 10)"
    )
    p.add_argument(
        "--rate-exempt",
        action="append",
        default=[],
        metavar="CIDR",
        help="clients never rate-limited, e.g. a load test's 127.0.0.1/32 (repeatable)",
    )
    p.add_argument(
        "--trusted-proxies",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For/-Proto are believed (default 127.0.0.1)",
    )
    p.add_argument("--workers", type=int_option(1, 64), default=4, help="threads for library calls (default 4)")
    p.add_argument(
        "--check-on-pool",
        action="store_true",
        help="run the public check on the worker threads too (default: on the event loop, cheaper)",
    )
    p.add_argument("--no-access-log", action="store_true", help="no line a request (warnings still logged)")
    p.add_argument(
        "--add-user",
        metavar="NAME",
        help="add (or reset) an officer and exit; the password is read "
        "from standard input (or SMARTKAMPUNG_SERVE_PASSWORD)",
    )
    p.add_argument("--role", choices=["officer", "auditor"], default="officer", help="role of --add-user")


def _add_user(args: argparse.Namespace) -> int:
    from ..serve.security import MIN_PASSWORD, hash_password
    from ..serve.store import Store

    password = os.environ.get("SMARTKAMPUNG_SERVE_PASSWORD")
    if password is None:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not args.add_user.strip() or len(args.add_user) > 64:
        raise UsageError(t("serve_user_name"))
    if len(password) < MIN_PASSWORD:
        raise UserError(t("serve_short_password", n=MIN_PASSWORD))
    hashed = hash_password(password)
    store = Store(pathlib.Path(args.data) / "smartkampung-serve.sqlite3")
    store.add_user(args.add_user.strip(), args.role, hashed)
    store.audit("cli", "admin", "add_user", f"user:{args.add_user.strip()}", {"role": args.role})
    print(f"{args.add_user.strip()}: {args.role}")
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UserError(t("serve_needs_extra")) from None
    if args.add_user:
        return _add_user(args)
    if not args.registry or not args.certs:
        raise UsageError(t("serve_needs_sources"))
    for cidr in args.rate_exempt:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise UsageError(t("serve_bad_network")) from None
    from ..serve import ServeConfig
    from ..serve.app import serve_forever

    config = ServeConfig(
        registry=pathlib.Path(existing_file(args.registry)),
        certs=pathlib.Path(existing_file(args.certs)),
        data_dir=pathlib.Path(args.data),
        houses=pathlib.Path(existing_file(args.houses)) if args.houses else None,
        public_keys=public_keys(args),
        allow_unsigned=args.allow_unsigned,
        status_list=pathlib.Path(existing_file(args.status_list)) if args.status_list else None,
        check_per_minute=args.check_limit,
        report_per_minute=args.report_limit,
        login_per_minute=args.login_limit,
        rate_exempt=list(args.rate_exempt),
        trusted_proxies=args.trusted_proxies,
        workers=args.workers,
        inline_check=not args.check_on_pool,
    )
    serve_forever(config, args.host, args.port, log_access=not args.no_access_log)
    return 0
