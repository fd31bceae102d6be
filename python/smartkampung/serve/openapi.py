"""The OpenAPI 3.1 description of ``/api/v1``, written out by hand (no generator, no
outside dependency); a test checks that every path here is routed and every route here."""

from __future__ import annotations

from typing import Any

import smartkampung as sk


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


S, I, N, B = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}  # noqa: E741
NULLABLE_S = {"type": ["string", "null"]}
ERROR = _obj({"error": S, "field": S, "reason": S}, ["error"])


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, **(_json(schema) if schema else {})}


COMMON = {
    "422": _resp("a field is missing or malformed (field names it)", ERROR),
    "429": _resp("rate limit of the client reached (Retry-After)", ERROR),
}
OFFICER = {"401": _resp("no session", ERROR), "403": _resp("role not allowed, or X-CSRF-Token missing", ERROR)}

PLACE = _obj(
    {
        "id": I,
        "name": S,
        "category": S,
        "zone": S,
        "lat": N,
        "lon": N,
        "status": S,
        "valid": B,
        "certificate": NULLABLE_S,
        "valid_until": NULLABLE_S,
        "max_visitors": I,
        "distance_m": N,
    }
)
REPORT_IN = _obj(
    {
        "nik": S,
        "kk": S,
        "name": S,
        "birth_date": {"type": "string", "description": "YYYY-MM-DD, " "DD-MM-YYYY or DD/MM/YYYY"},
        "sex": {"type": "string", "description": "L/P or M/F"},
        "address": S,
        "village": S,
        "district": S,
        "rt": S,
        "rw": S,
        "program": {"type": "string", "description": "a programme the registry holds (optional)"},
    },
    ["nik", "name"],
)


def spec() -> dict[str, Any]:
    """The document served at /api/openapi.json."""

    def q(name: str, schema: dict[str, Any], desc: str, required: bool = False) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc}

    path_id = {"name": "id", "in": "path", "required": True, "schema": I}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Smart Kampung residents' service",
            "version": sk.__version__,
            "description": "Masked public check, online reports, certified places and their stickers; "
            "isolation-house reservations for officers. No call ever answers with a full NIK "
            "or name of anyone but what the caller sent.",
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sk_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            }
        },
        "paths": {
            "/api/v1/check": {
                "post": {
                    "summary": "Public recipient check (masked)",
                    "requestBody": {"required": True, **_json(_obj({"nik": S}, ["nik"]))},
                    "responses": {
                        "200": _resp(
                            "the masked answer",
                            _obj({"nik": S, "name": NULLABLE_S, "programs": {"type": "array", "items": S}, "found": B}),
                        ),
                        "422": _resp(
                            "invalid NIK: reason is the library's code (length, non_digit, province, "
                            "birth_date, serial, scientific_notation, missing)",
                            ERROR,
                        ),
                        "429": COMMON["429"],
                    },
                }
            },
            "/api/v1/reports": {
                "post": {
                    "summary": "Online report of a resident not yet covered",
                    "requestBody": {"required": True, **_json(REPORT_IN)},
                    "responses": {
                        "201": _resp(
                            "accepted for verification and stored durably",
                            _obj(
                                {
                                    "accepted": B,
                                    "reason": S,
                                    "detail": S,
                                    "programs": {"type": "array", "items": S},
                                    "queue_position": I,
                                    "report_id": I,
                                }
                            ),
                        ),
                        "200": _resp(
                            "refused: reason is invalid_nik, invalid_record, already_enrolled, "
                            "household_covered or duplicate_report"
                        ),
                        **COMMON,
                    },
                }
            },
            "/api/v1/places": {
                "get": {
                    "summary": "Certified places (valid certificate now) near a point or in a village",
                    "parameters": [
                        q("lat", N, "latitude"),
                        q("lon", N, "longitude"),
                        q("radius", N, "metres (default 5000)"),
                        q("category", S, "one category"),
                        q("zone", S, "village or zone"),
                    ],
                    "responses": {
                        "200": _resp(
                            "places, nearest first when a point is given",
                            _obj({"places": {"type": "array", "items": PLACE}}),
                        ),
                        "422": COMMON["422"],
                    },
                }
            },
            "/api/v1/places/{id}": {
                "get": {
                    "summary": "One place with its certificate's status now",
                    "parameters": [path_id],
                    "responses": {"200": _resp("the place", PLACE), "404": _resp("unknown id", ERROR)},
                }
            },
            "/api/v1/stickers/verify": {
                "post": {
                    "summary": "Verify a sticker's QR text (signature, validity, status now)",
                    "requestBody": {"required": True, **_json(_obj({"text": S, "place_id": I}, ["text"]))},
                    "responses": {
                        "200": _resp(
                            "the verdict",
                            _obj(
                                {
                                    "genuine": B,
                                    "valid": B,
                                    "status": S,
                                    "reason": S,
                                    "business": {"type": ["object", "null"]},
                                    "certificate": NULLABLE_S,
                                    "valid_until": NULLABLE_S,
                                    "matches_place": {"type": ["boolean", "null"]},
                                    "store_status": NULLABLE_S,
                                }
                            ),
                        ),
                        "422": COMMON["422"],
                    },
                }
            },
            "/api/v1/login": {
                "post": {
                    "summary": "Officer login: sets the session cookie, returns the CSRF token",
                    "requestBody": {"required": True, **_json(_obj({"user": S, "password": S}, ["user", "password"]))},
                    "responses": {
                        "200": _resp("logged in", _obj({"user": S, "role": S, "csrf_token": S})),
                        "401": _resp("wrong user or password", ERROR),
                        "429": COMMON["429"],
                    },
                }
            },
            "/api/v1/houses/nearest": {
                "get": {
                    "summary": "Nearest isolation houses with a free bed (officer)",
                    "security": [{"session": []}],
                    "parameters": [
                        q("lat", N, "latitude", True),
                        q("lon", N, "longitude", True),
                        q("k", I, "how many (default 5, at most 50)"),
                    ],
                    "responses": {
                        "200": _resp(
                            "houses",
                            _obj(
                                {
                                    "houses": {
                                        "type": "array",
                                        "items": _obj({"id": I, "name": S, "distance_m": N, "free_beds": I}),
                                    }
                                }
                            ),
                        ),
                        **OFFICER,
                    },
                }
            },
            "/api/v1/reservations": {
                "get": {
                    "summary": "Open reservations (officer, auditor)",
                    "security": [{"session": []}],
                    "responses": {"200": _resp("reservations"), **OFFICER},
                },
                "post": {
                    "summary": "Reserve a bed: in house_id, else the nearest with one (officer)",
                    "security": [{"session": [], "csrf": []}],
                    "requestBody": {
                        "required": True,
                        **_json(
                            _obj({"lat": N, "lon": N, "patient_ref": S, "house_id": I}, ["lat", "lon", "patient_ref"])
                        ),
                    },
                    "responses": {
                        "201": _resp(
                            "reserved",
                            _obj({"reservation": I, "house_id": I, "name": S, "distance_m": N, "free_beds": I}),
                        ),
                        "409": _resp("no free bed", ERROR),
                        **OFFICER,
                        "422": COMMON["422"],
                    },
                },
            },
            "/api/v1/reservations/{id}/{action}": {
                "post": {
                    "summary": "check-in (the patient arrived) or release (frees the bed) (officer)",
                    "security": [{"session": [], "csrf": []}],
                    "parameters": [
                        path_id,
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": ["check-in", "release"]},
                        },
                    ],
                    "responses": {"200": _resp("changed"), **OFFICER, "422": COMMON["422"]},
                }
            },
            "/api/v1/audit": {
                "get": {
                    "summary": "The audit log of officer actions, newest first (officer, auditor)",
                    "security": [{"session": []}],
                    "responses": {"200": _resp("entries"), **OFFICER},
                }
            },
            "/api/v1/admin/reload": {
                "post": {
                    "summary": "Reload registry, certificate store and houses without downtime (officer)",
                    "security": [{"session": [], "csrf": []}],
                    "responses": {
                        "200": _resp("reloaded"),
                        "500": _resp("a source failed to load; the old ones stay"),
                        **OFFICER,
                    },
                }
            },
        },
    }
