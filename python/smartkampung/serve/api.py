"""The JSON API (``/api/v1``) for the district's own app: the same answers as the pages,
documented in ``/api/openapi.json`` (OpenAPI 3.1, in openapi.py).

Public calls take JSON bodies (``Content-Type: application/json``: a cross-site form
cannot send one without the browser asking first) and are rate-limited per client as
the pages are. Officer calls need the session cookie from ``POST /api/v1/login`` and the
``X-CSRF-Token`` header it returned."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import service
from .openapi import spec
from .security import client_pseudonym, token_hash


_APP = None


def _app():
    """The app module (it imports this one: late, to avoid the cycle; then kept)."""
    global _APP
    if _APP is None:
        from . import app

        _APP = app
    return _APP


async def body(request: Request) -> dict[str, Any]:
    """The JSON object sent (at most 16 KiB), or 400/411/413/415."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411)
    if int(length) > _app().MAX_BODY:
        raise HTTPException(413)
    try:
        data = json.loads(await request.body())
    except ValueError:
        return _bad("body")
    if not isinstance(data, dict):
        return _bad("body")
    return data


class _BadBody(HTTPException):
    def __init__(self, field: str):
        super().__init__(422)
        self.field = field


def _bad(field: str):
    raise _BadBody(field)


def bad_input(field: str) -> JSONResponse:
    return JSONResponse({"error": "bad_input", "field": field}, status_code=422)


def limited() -> JSONResponse:
    return JSONResponse({"error": "rate_limited"}, status_code=429, headers={"Retry-After": "60"})


async def guarded(request: Request, handler) -> Response:
    try:
        return await handler()
    except _BadBody as e:
        return bad_input(e.field)
    except service.BadInput as e:
        return bad_input(e.field)


# ---------------------------------------------------------------------------- public


async def check(request: Request) -> Response:
    a = _app()
    ctx = a.ctx_of(request)

    async def go() -> Response:
        data = await body(request)
        nik = data.get("nik")
        if not ctx.limits["check"].allow(a.client_of(request), nik.strip() if isinstance(nik, str) else None):
            return limited()
        answer = await ctx.check(nik)
        if not answer["valid"]:
            return JSONResponse({"error": "invalid_nik", "reason": answer["reason"]}, status_code=422)
        return JSONResponse({k: answer[k] for k in ("nik", "name", "programs", "found")})

    return await guarded(request, go)


async def reports(request: Request) -> Response:
    a = _app()
    ctx = a.ctx_of(request)

    async def go() -> Response:
        data = await body(request)
        nik = data.get("nik")
        if not ctx.limits["report"].allow(a.client_of(request), nik.strip() if isinstance(nik, str) else None):
            return limited()
        outcome = await ctx.run(service.submit_report, ctx.sources, data)
        a.log.info("report: %s", outcome["reason"])
        return JSONResponse(outcome, status_code=201 if outcome["accepted"] else 200)

    return await guarded(request, go)


async def places(request: Request) -> Response:
    ctx = _app().ctx_of(request)
    q = request.query_params

    async def go() -> Response:
        found = await ctx.run(
            service.places, ctx.sources, q.get("lat"), q.get("lon"), q.get("radius"), q.get("category"), q.get("zone")
        )
        return JSONResponse({"places": found})

    return await guarded(request, go)


async def place(request: Request) -> Response:
    ctx = _app().ctx_of(request)
    p = await ctx.run(service.place, ctx.sources, request.path_params["id"])
    if p is None:
        return JSONResponse({"error": "not_found"}, status_code=404)
    return JSONResponse(p)


async def verify_sticker(request: Request) -> Response:
    ctx = _app().ctx_of(request)

    async def go() -> Response:
        data = await body(request)
        place_id = data.get("place_id")
        if place_id is not None and (not isinstance(place_id, int) or isinstance(place_id, bool)):
            return bad_input("place_id")
        return JSONResponse(await ctx.run(service.verify_sticker, ctx.sources, data.get("text"), place_id))

    return await guarded(request, go)


async def openapi(request: Request) -> Response:
    return JSONResponse(spec(), headers={"Cache-Control": "public, max-age=3600"})


# ---------------------------------------------------------------------------- officers


async def login(request: Request) -> Response:
    a = _app()
    ctx = a.ctx_of(request)

    async def go() -> Response:
        data = await body(request)
        if not ctx.limits["login"].allow(a.client_of(request)):
            return limited()
        name, password = data.get("user"), data.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or len(name) > 64 or len(password) > 256:
            return bad_input("user")
        token = await ctx.run(a.authenticate, ctx, name, password, client_pseudonym(ctx.secret, a.client_of(request)))
        if token is None:
            return JSONResponse({"error": "login_failed"}, status_code=401)
        row = await ctx.run(ctx.store.session, token_hash(token), time.time())
        response = JSONResponse({"user": row["user"], "role": row["role"], "csrf_token": row["csrf"]})
        response.set_cookie(
            a.SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=a.secure(request),
            path="/",
            max_age=int(ctx.config.session_hours * 3600),
        )
        return response

    return await guarded(request, go)


async def officer(request: Request, *roles: str, write: bool = True):
    """The session's user when its role is allowed (and, for a change, the CSRF header
    matches); else the error response."""
    user = await _app().current_user(request)
    if user is None:
        return JSONResponse({"error": "login_required"}, status_code=401)
    if user.role not in roles:
        return JSONResponse({"error": "forbidden"}, status_code=403)
    if write and not hmac.compare_digest(request.headers.get("x-csrf-token", ""), user.csrf):
        return JSONResponse({"error": "csrf"}, status_code=403)
    return user


async def nearest_houses(request: Request) -> Response:
    a = _app()
    ctx = a.ctx_of(request)
    user = await officer(request, "officer", write=False)
    if isinstance(user, Response):
        return user
    q = request.query_params

    async def go() -> Response:
        return JSONResponse(
            {"houses": await ctx.run(service.nearest_houses, ctx.sources, q.get("lat"), q.get("lon"), q.get("k"))}
        )

    return await guarded(request, go)


async def reservations(request: Request) -> Response:
    a = _app()
    ctx = a.ctx_of(request)
    if request.method == "GET":
        user = await officer(request, "officer", "auditor", write=False)
        if isinstance(user, Response):
            return user
        return JSONResponse({"reservations": await ctx.run(service.open_reservations, ctx.sources)})
    user = await officer(request, "officer")
    if isinstance(user, Response):
        return user

    async def go() -> Response:
        data = await body(request)
        got = await ctx.run(
            service.reserve_bed,
            ctx.sources,
            a.officer_of(user, request),
            data.get("lat"),
            data.get("lon"),
            data.get("patient_ref"),
            data.get("house_id"),
        )
        if got is None:
            return JSONResponse({"error": "no_free_bed"}, status_code=409)
        return JSONResponse(got, status_code=201)

    return await guarded(request, go)


async def reservation_change(request: Request) -> Response:
    a = _app()
    ctx = a.ctx_of(request)
    user = await officer(request, "officer")
    if isinstance(user, Response):
        return user
    status = {"check-in": "checked_in", "release": "released"}.get(request.path_params["action"])
    if status is None:
        return JSONResponse({"error": "not_found"}, status_code=404)

    async def go() -> Response:
        return JSONResponse(
            await ctx.run(
                service.change_reservation, ctx.sources, a.officer_of(user, request), request.path_params["rid"], status
            )
        )

    return await guarded(request, go)


async def audit(request: Request) -> Response:
    ctx = _app().ctx_of(request)
    user = await officer(request, "officer", "auditor", write=False)
    if isinstance(user, Response):
        return user
    rows = await ctx.run(ctx.store.audit_log, 500)
    return JSONResponse({"entries": [{**dict(r), "detail": json.loads(r["detail"] or "{}")} for r in rows]})


async def reload(request: Request) -> Response:
    a = _app()
    ctx = a.ctx_of(request)
    user = await officer(request, "officer")
    if isinstance(user, Response):
        return user
    ok = await ctx.reload(user.name)
    await ctx.run(
        ctx.store.audit,
        user.name,
        user.role,
        "reload_sources",
        None,
        {"ok": ok, "client": client_pseudonym(ctx.secret, a.client_of(request))},
    )
    if not ok:
        return JSONResponse({"error": "reload_failed"}, status_code=500)
    snap = ctx.sources.current
    return JSONResponse({"loaded_at": snap.loaded_at, "replayed_reports": snap.replayed_reports})


def routes() -> list[Route]:
    return [
        Route("/api/openapi.json", openapi),
        Route("/api/v1/check", check, methods=["POST"]),
        Route("/api/v1/reports", reports, methods=["POST"]),
        Route("/api/v1/places", places),
        Route("/api/v1/places/{id:int}", place),
        Route("/api/v1/stickers/verify", verify_sticker, methods=["POST"]),
        Route("/api/v1/login", login, methods=["POST"]),
        Route("/api/v1/houses/nearest", nearest_houses),
        Route("/api/v1/reservations", reservations, methods=["GET", "POST"]),
        Route("/api/v1/reservations/{rid:int}/{action}", reservation_change, methods=["POST"]),
        Route("/api/v1/audit", audit),
        Route("/api/v1/admin/reload", reload, methods=["POST"]),
    ]
