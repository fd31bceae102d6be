"""The residents' side: a reference web service a district can run as it is.

``smartkampung serve --registry R --certs S`` (see docs/serve.md) serves, in Indonesian
and English, the masked public check (*Cek penerima*), online reports (*Lapor*), certified
places with their sticker check (*Tempat bersertifikat*) and, behind an officer login, the
nearest isolation houses with a free bed and their reservation (*Rumah isolasi*), as
small server-rendered pages and as a JSON API (OpenAPI at ``/api/openapi.json``).

It is built only on the public Python API (``sk.Registry``, ``sk.CertificateRegistry``,
``sk.cert``, ``sk.FacilityIndex``). Its own state (reports, reservations, check-ins, the
audit log, officers and sessions) lives in SQLite under the data folder.

Starlette and uvicorn are an optional extra (``pip install smartkampung[serve]``): this
package imports them only when an application is built, and ``import smartkampung`` never
does.
"""

from __future__ import annotations

from .config import ServeConfig

__all__ = ["ServeConfig", "create_app", "run"]


def create_app(config: ServeConfig):
    """The ASGI application for a configuration (Starlette)."""
    from .app import build_app

    return build_app(config)


def run(config: ServeConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serves the application with uvicorn until SIGINT or SIGTERM (SIGHUP reloads the
    registry, the certificate store and the houses without downtime)."""
    from .app import serve_forever

    serve_forever(config, host, port)
