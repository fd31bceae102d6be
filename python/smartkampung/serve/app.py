"""The ASGI application (Starlette): the HTML pages, the shared guards (security headers,
access log, CSRF, sessions, rate limits) and the server's life (uvicorn, SIGHUP reload).

Handlers are async; every library call and every SQLite transaction runs on a small pool
of worker threads (``Context.run``), so the event loop only parses and renders."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

import smartkampung as sk

from . import pages, service
from .config import ServeConfig
from .i18n import LANGS, pick_lang, tr
from .security import (
    DUMMY_HASH,
    MaskingFilter,
    RateLimiter,
    check_password,
    client_pseudonym,
    csrf_for,
    csrf_ok,
    load_secret,
    new_token,
    token_hash,
)
from .sources import Sources
from .store import Store

log = logging.getLogger("smartkampung.serve")
access_log = logging.getLogger("smartkampung.serve.access")

CSRF_COOKIE, SESSION_COOKIE = "sk_csrf", "sk_session"
MAX_BODY = 16 * 1024
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


@dataclass
class User:
    name: str
    role: str
    csrf: str


class Context:
    """What every handler shares: settings, database, sources, secret, limits, workers."""

    def __init__(self, config: ServeConfig):
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.secret = load_secret(config.data_dir)
        self.store = Store(config.database)
        self.sources = Sources(config, self.store)
        exempt = config.exempt_networks()
        interval = config.limit_log_interval_s
        self.limits = {
            name: RateLimiter(name, per_minute, self.secret, exempt, interval)
            for name, per_minute in (
                ("check", config.check_per_minute),
                ("report", config.report_per_minute),
                ("login", config.login_per_minute),
            )
        }
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, config.workers), thread_name_prefix="skamp-serve"
        )
        self._page: tuple[Any, str | None] = (None, None)

    def verification_page(self) -> str | None:
        """The offline verification page with the keys and the status list of the current
        sources (rebuilt after a reload brought a new list)."""
        snap = self.sources.current
        if not self.sources.keys:
            return None
        if self._page[0] is not snap:
            self._page = (snap, sk.cert.verification_page(self.sources.keys, status_list=snap.status_list))
        return self._page[1]

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A blocking call (library, SQLite) on a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def check(self, nik: Any) -> dict:
        """The public check: on the loop (see ServeConfig.inline_check), else on a worker."""
        if self.config.inline_check:
            return service.public_check(self.sources, nik)
        return await self.run(service.public_check, self.sources, nik)

    async def reload(self, who: str = "signal") -> bool:
        try:
            await self.run(self.sources.reload)
        except (sk.Error, OSError) as e:
            log.error("reload failed (%s by %s); the previous sources stay in service: %s", type(e).__name__, who, e)
            return False
        return True


# ---------------------------------------------------------------------------- request helpers


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


def lang_of(request: Request) -> str:
    lang = request.path_params.get("lang", "id")
    if lang not in LANGS:
        raise HTTPException(404)
    return lang


def csrf_cookie(request: Request) -> tuple[str, bool]:
    """This browser's CSRF cookie token, and whether it is new (to be set)."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and 20 <= len(token) <= 64:
        return token, False
    return new_token(), True


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def html_page(request: Request, title: str, body: str, user: User | None = None, status: int = 200) -> HTMLResponse:
    """A page with the CSRF cookie set when the browser has none yet."""
    ctx = ctx_of(request)
    token, new = csrf_cookie(request)
    lang = lang_of(request)
    html = pages.layout(
        lang,
        title,
        body.replace("__CSRF__", csrf_for(ctx.secret, token)),
        request.url.path,
        user,
        csrf_for(ctx.secret, token),
    )
    response = HTMLResponse(html, status_code=status)
    if new:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request), path="/")
    return response


async def read_form(request: Request) -> dict[str, str]:
    """A POSTed form (at most MAX_BODY bytes) whose CSRF field matches the cookie; 403
    otherwise. Values are strings."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > MAX_BODY:
        raise HTTPException(413 if length and length.isdigit() else 411)
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise HTTPException(403, "csrf")
    form = await request.form(max_files=0, max_fields=32)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not csrf_ok(ctx_of(request).secret, request.cookies.get(CSRF_COOKIE), values.get("csrf")):
        raise HTTPException(403, "csrf")
    return values


async def current_user(request: Request) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 128:
        return None
    ctx = ctx_of(request)
    row = await ctx.run(ctx.store.session, token_hash(token), time.time())
    return User(row["user"], row["role"], row["csrf"]) if row is not None else None


def officer_of(user: User, request: Request) -> service.Officer:
    return service.Officer(user.name, user.role, client_pseudonym(ctx_of(request).secret, client_of(request)))


def too_many(request: Request, lang: str) -> Response:
    return PlainTextResponse(tr(lang, "too_many"), status_code=429, headers={"Retry-After": "60"})


# ---------------------------------------------------------------------------- public pages


async def root(request: Request) -> Response:
    return RedirectResponse(f"/{pick_lang(request.headers.get('accept-language'))}/", status_code=303)


async def home(request: Request) -> Response:
    lang = lang_of(request)
    return html_page(request, tr(lang, "home"), pages.home(lang), await current_user(request))


async def check(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    user = await current_user(request)
    answer = None
    if request.method == "POST":
        form = await read_form(request)
        nik = form.get("nik", "")
        if not ctx.limits["check"].allow(client_of(request), nik.strip()):
            return too_many(request, lang)
        try:
            answer = await ctx.check(nik)
        except service.BadInput:
            answer = {"valid": False, "reason": "length"}
    return html_page(request, tr(lang, "cek.title"), pages.check_page(lang, "__CSRF__", answer), user)


async def report(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    user = await current_user(request)
    outcome, bad = None, None
    if request.method == "POST":
        form = await read_form(request)
        if not ctx.limits["report"].allow(client_of(request), form.get("nik", "").strip()):
            return too_many(request, lang)
        try:
            outcome = await ctx.run(service.submit_report, ctx.sources, form)
            log.info("report: %s", outcome["reason"])
        except service.BadInput as e:
            bad = e.field
    programs = service.program_names(ctx.sources)
    return html_page(
        request, tr(lang, "lapor.title"), pages.report_page(lang, "__CSRF__", programs, outcome, bad), user
    )


async def places(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    q = {k: v for k, v in request.query_params.items() if k in ("lat", "lon", "radius", "category", "zone")}
    found, bad = None, None
    if any(q.get(k) for k in ("lat", "lon", "zone", "category")):
        try:
            found = await ctx.run(
                service.places,
                ctx.sources,
                q.get("lat"),
                q.get("lon"),
                q.get("radius"),
                q.get("category"),
                q.get("zone"),
            )
        except service.BadInput as e:
            bad = e.field
    elif "lat" not in q:
        found = await ctx.run(service.places, ctx.sources)
    body = pages.places_page(lang, ctx.sources.current.certs.categories, q, found, bad)
    return html_page(request, tr(lang, "tempat.title"), body, await current_user(request))


async def place(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    try:
        p = await ctx.run(service.place, ctx.sources, request.path_params["id"])
    except service.BadInput:
        p = None
    if p is None:
        raise HTTPException(404)
    check_result = None
    if request.method == "POST":
        form = await read_form(request)
        try:
            check_result = await ctx.run(service.verify_sticker, ctx.sources, form.get("text", ""), p["id"])
        except service.BadInput:
            check_result = {
                "genuine": False,
                "valid": False,
                "status": "forged",
                "business": None,
                "matches_place": None,
            }
    return html_page(
        request, p["name"], pages.place_page(lang, "__CSRF__", p, check_result), await current_user(request)
    )


async def verification_page(request: Request) -> Response:
    page = ctx_of(request).verification_page()
    if page is None:
        raise HTTPException(404)
    return HTMLResponse(page, headers={"X-Own-CSP": "1"})


async def stylesheet(request: Request) -> Response:
    return Response(pages.CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})


async def healthz(request: Request) -> Response:
    snap = ctx_of(request).sources.current
    return JSONResponse({"ok": True, "sources_loaded_at": snap.loaded_at})


# ---------------------------------------------------------------------------- officers


async def login(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    if request.method == "GET":
        return html_page(
            request, tr(lang, "masuk.title"), pages.login_page(lang, "__CSRF__"), await current_user(request)
        )
    form = await read_form(request)
    if not ctx.limits["login"].allow(client_of(request)):
        return too_many(request, lang)
    token = await ctx.run(
        authenticate,
        ctx,
        form.get("user", "")[:64],
        form.get("password", "")[:256],
        client_pseudonym(ctx.secret, client_of(request)),
    )
    if token is None:
        return html_page(request, tr(lang, "masuk.title"), pages.login_page(lang, "__CSRF__", failed=True), status=401)
    response = RedirectResponse(f"/{lang}/isolasi", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure(request),
        path="/",
        max_age=int(ctx.config.session_hours * 3600),
    )
    return response


def authenticate(ctx: Context, name: str, password: str, client: str) -> str | None:
    """A new session token for a right password, else None; both are in the audit log."""
    row = ctx.store.user(name)
    ok = check_password(password, row["password"] if row is not None else DUMMY_HASH) and row is not None
    if not ok:
        ctx.store.audit(
            name if row is not None else "?",
            row["role"] if row is not None else "-",
            "login_failed",
            None,
            {"client": client},
        )
        log.warning("login failed from client %s", client)
        return None
    token = new_token()
    now = time.time()
    ctx.store.drop_expired_sessions(now)
    ctx.store.add_session(token_hash(token), name, row["role"], new_token(), now + ctx.config.session_hours * 3600)
    ctx.store.audit(name, row["role"], "login", None, {"client": client})
    return token


async def logout(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    await read_form(request)
    user = await current_user(request)
    if user is not None:
        await ctx.run(ctx.store.drop_session, token_hash(request.cookies[SESSION_COOKIE]))
        await ctx.run(
            ctx.store.audit,
            user.name,
            user.role,
            "logout",
            None,
            {"client": client_pseudonym(ctx.secret, client_of(request))},
        )
    response = RedirectResponse(f"/{lang}/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def require(request: Request, *roles: str) -> User | Response:
    user = await current_user(request)
    lang = lang_of(request)
    if user is None:
        return RedirectResponse(f"/{lang}/masuk", status_code=303)
    if user.role not in roles:
        return html_page(request, tr(lang, "forbidden"), pages.message(False, tr(lang, "forbidden")), user, 403)
    return user


async def houses(request: Request, note: str = "") -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    user = await require(request, "officer")
    if isinstance(user, Response):
        return user
    q = {k: request.query_params.get(k, "") for k in ("lat", "lon")}
    found = None
    if q["lat"] or q["lon"]:
        try:
            found = await ctx.run(service.nearest_houses, ctx.sources, q["lat"], q["lon"])
        except service.BadInput as e:
            note += pages.message(False, tr(lang, "bad_input", field=e.field), outcome="bad_input", field=e.field)
    reservations = await ctx.run(service.open_reservations, ctx.sources)
    body = pages.houses_page(lang, "__CSRF__", q, found, reservations, note, ctx.sources.current.houses is not None)
    return html_page(request, tr(lang, "isolasi.title"), body, user)


async def reserve(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    user = await require(request, "officer")
    if isinstance(user, Response):
        return user
    form = await read_form(request)
    try:
        got = await ctx.run(
            service.reserve_bed,
            ctx.sources,
            officer_of(user, request),
            form.get("lat"),
            form.get("lon"),
            form.get("patient_ref"),
            form.get("house_id"),
        )
    except service.BadInput as e:
        note = pages.message(False, tr(lang, "bad_input", field=e.field), outcome="bad_input", field=e.field)
    else:
        if got is None:
            note = pages.message(False, tr(lang, "no_bed"), outcome="no_bed")
        else:
            note = pages.message(
                True,
                tr(
                    lang,
                    "reserved",
                    id=got["reservation"],
                    house=got["house_id"],
                    name=got["name"],
                    dist=f'{got["distance_m"]:.0f}',
                ),
                outcome="reserved",
                reservation=got["reservation"],
                house=got["house_id"],
            )
    return await houses(request, note)


async def reservation_change(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    user = await require(request, "officer")
    if isinstance(user, Response):
        return user
    await read_form(request)
    status = request.path_params["status"]
    if status not in ("checked_in", "released"):
        raise HTTPException(404)
    try:
        await ctx.run(
            service.change_reservation, ctx.sources, officer_of(user, request), request.path_params["rid"], status
        )
    except service.BadInput as e:
        return await houses(request, pages.message(False, tr(lang, "bad_input", field=e.field), outcome="bad_input"))
    return RedirectResponse(f"/{lang}/isolasi", status_code=303)


async def audit(request: Request) -> Response:
    lang, ctx = lang_of(request), ctx_of(request)
    user = await require(request, "officer", "auditor")
    if isinstance(user, Response):
        return user
    entries = [dict(r) for r in await ctx.run(ctx.store.audit_log, 500)]
    return html_page(request, tr(lang, "audit.title"), pages.audit_page(lang, entries), user)


# ---------------------------------------------------------------------------- errors


async def http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if request.url.path.startswith("/api/"):
        code = {403: "forbidden", 404: "not_found", 411: "length_required", 413: "too_large"}.get(status, "error")
        return JSONResponse({"error": code}, status_code=status)
    lang = request.url.path[1:3] if request.url.path[1:3] in LANGS else "id"
    key = {403: "csrf", 404: "not_found"}.get(status, "server_error")
    return PlainTextResponse(tr(lang, key), status_code=status)


async def server_error(request: Request, exc: Exception) -> Response:
    # the type only: a message may quote what the client sent
    log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "internal"}, status_code=500)
    return PlainTextResponse(tr("id", "server_error") + " / " + tr("en", "server_error"), status_code=500)


# ---------------------------------------------------------------------------- middleware


class Guard:
    """Pure ASGI middleware: security headers on every response, and one access-log line a
    request (method, route pattern, status, time, client pseudonym; never a path, query or body)."""

    def __init__(self, app: Any, ctx_getter: Callable[[], Context], log_access: bool):
        self.app, self.ctx_getter, self.log_access = app, ctx_getter, log_access

    async def __call__(self, scope: dict, receive: Callable, send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-own-csp"]
                own_csp = len(headers) != len(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if not own_csp:
                    extra.append((b"content-security-policy", CSP.encode()))
                if b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                if https:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers + extra}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as e:  # answered 500 already (server_error); uvicorn would log a traceback
            log.error("unhandled %s on %s", type(e).__name__, getattr(scope.get("route"), "path", "(no route)"))
            if status[0] == 0:
                await send_with_headers(
                    {"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]}
                )
                await send({"type": "http.response.body", "body": b"internal error"})
        finally:
            if self.log_access:
                client = scope.get("client") or ("?", 0)
                ctx = self.ctx_getter()
                # the route's pattern, not the path: an unknown path may be anything a client typed
                route = getattr(scope.get("route"), "path", None) or "(no route)"
                access_log.info(
                    "%s %s %d %.1f ms %s",
                    scope["method"],
                    route,
                    status[0],
                    (time.perf_counter() - started) * 1000,
                    client_pseudonym(ctx.secret, client[0]) if ctx else "-",
                )


# ---------------------------------------------------------------------------- assembly


def routes() -> list[Route]:
    from . import api

    return [
        Route("/", root),
        Route("/healthz", healthz),
        Route("/static/style.css", stylesheet),
        Route("/verifikasi.html", verification_page),
        *api.routes(),
        Route("/{lang}/", home),
        Route("/{lang}/cek", check, methods=["GET", "POST"]),
        Route("/{lang}/lapor", report, methods=["GET", "POST"]),
        Route("/{lang}/tempat", places),
        Route("/{lang}/tempat/{id:int}", place),
        Route("/{lang}/tempat/{id:int}/stiker", place, methods=["POST"]),
        Route("/{lang}/masuk", login, methods=["GET", "POST"]),
        Route("/{lang}/keluar", logout, methods=["POST"]),
        Route("/{lang}/isolasi", houses),
        Route("/{lang}/isolasi/pesan", reserve, methods=["POST"]),
        Route("/{lang}/isolasi/{rid:int}/{status}", reservation_change, methods=["POST"]),
        Route("/{lang}/audit", audit),
    ]


def build_app(config: ServeConfig, log_access: bool = True) -> Any:
    """The application; its sources are loaded here (a bad file fails at start, not later)."""
    ctx = Context(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(ctx.reload("SIGHUP")))
        except (RuntimeError, ValueError, NotImplementedError):  # not the main thread (a test's server)
            pass
        yield
        ctx.pool.shutdown(wait=True, cancel_futures=True)

    app = Starlette(
        routes=routes(), lifespan=lifespan, exception_handlers={HTTPException: http_error, Exception: server_error}
    )
    app.state.ctx = ctx
    return Guard(app, lambda: ctx, log_access)


def setup_logging(level: int = logging.INFO) -> None:
    """One line a record on stderr (journald adds the time), every line through the mask."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    for name in ("smartkampung", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


def serve_forever(config: ServeConfig, host: str, port: int, log_access: bool = True) -> None:
    import uvicorn

    setup_logging()
    app = build_app(config, log_access)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=config.trusted_proxies,
        server_header=False,
        date_header=True,
        timeout_graceful_shutdown=10,
    )
