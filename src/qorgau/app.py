"""The FastAPI application: the kernel, then each module's ``register``.

``create_app`` is the composition root of the web process: it builds the database, the login
limiter and the templates once, and hands them to the routers through ``app.state``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xstatic.pkg.leaflet as xstatic_leaflet
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from qorgau.kernel import i18n
from qorgau.kernel.auth.domain import LoginRateLimiter
from qorgau.kernel.db import Database
from qorgau.kernel.registry import optional_module
from qorgau.kernel.web.errors import install_error_handlers
from qorgau.modules import MODULES
from qorgau.settings import Settings, load_settings

API_PREFIX = "/api/v1"


class LanguageMiddleware:
    """Sets the request's language: ``?lang=``, then the cookie, then ``Accept-Language``."""

    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
            query = scope.get("query_string", b"").decode("latin-1")
            chosen = next((p[5:] for p in query.split("&") if p.startswith("lang=")), None)
            cookie = _cookie(headers.get("cookie", ""), "qorgau_lang")
            language = next(
                (c for c in (chosen, cookie) if c in i18n.LANGUAGES),
                i18n.negotiate(headers.get("accept-language"), self.default),
            )
            with i18n.language(language):
                await self.app(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="Qorgau",
        version="0.1.0",
        description="Open platform for public-protection services.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database or Database(settings)
    app.state.login_limiter = LoginRateLimiter(settings.login_attempts, settings.login_window_seconds)
    app.state.modules_without_pages = []
    install_error_handlers(app)

    from qorgau.kernel import api as kernel_api
    from qorgau.kernel.audit.web import routes as audit_pages
    from qorgau.kernel.people import api as people_api
    from qorgau.kernel.people.web import routes as people_pages
    from qorgau.kernel.web import routes as shell

    app.include_router(shell.router)
    app.include_router(kernel_api.router, prefix=API_PREFIX)
    app.include_router(people_api.router, prefix=API_PREFIX)
    app.include_router(people_pages.router)
    app.include_router(audit_pages.router)
    static_root = Path(__file__).parent / "kernel" / "web" / "static"
    app.mount("/static/qorgau", StaticFiles(directory=static_root), name="static-qorgau")
    app.mount("/static/leaflet", StaticFiles(directory=xstatic_leaflet.BASE_DIR), name="static-leaflet")

    for name in MODULES:
        module: Any = optional_module(f"qorgau.{name}")
        register = getattr(module, "register", None) if module else None
        if register is not None:
            register(app=app, cli=None)
        else:
            app.state.modules_without_pages.append(name)

    app.add_middleware(LanguageMiddleware, default=settings.default_language)
    return app
