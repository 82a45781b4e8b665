"""Pages of the shell: home, sign in and out, language switch, health."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from qorgau.kernel import i18n
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.domain.permissions import SHELL_VIEW
from qorgau.kernel.auth.service import (
    Client,
    InvalidCredentials,
    RateLimited,
    authenticate,
    do_end_session,
    do_set_language,
    do_start_session,
)
from qorgau.kernel.web.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    database,
    optional_principal,
    public,
    require,
    settings_of,
)
from qorgau.kernel.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "qorgau_login_csrf"
register_nav("Home", "/", SHELL_VIEW, order=0)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/healthz", dependencies=[Depends(public("liveness and readiness probe"))])
def healthz(request: Request) -> JSONResponse:
    with database(request).session() as session:
        session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/")
def home(request: Request, principal: Annotated[Principal, Depends(require(SHELL_VIEW))]) -> Response:
    pending = [m for m in getattr(request.app.state, "modules_without_pages", [])]
    return render(request, "home.html", principal, modules_pending=pending)


@router.get("/login", dependencies=[Depends(public("sign-in form"))])
def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, login_csrf=token, next=safe_next(next))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
    return response


@router.post("/login", dependencies=[Depends(public("sign-in"))])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    login_csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = settings_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    client = Client(request.client.host if request.client else "?")

    def attempt() -> tuple[str, str, str]:
        with database(request).session() as session:
            user = authenticate(session, username.strip(), password, request.app.state.login_limiter, client)
            raw, csrf = do_start_session(session, user, settings.session_hours, client)
            return raw, csrf, user.language

    error: str | None = None
    if not expected or not hmac.compare_digest(expected, login_csrf):
        error = i18n.gettext("The form has expired. Please try again.")
    else:
        try:
            raw, _csrf, language = await run_in_threadpool(attempt)
        except InvalidCredentials:
            error = i18n.gettext("Wrong user name or password.")
        except RateLimited as exc:
            error = i18n.gettext("Too many failed attempts. Try again in %(seconds)s seconds.") % {
                "seconds": int(exc.retry_after) + 1
            }
    if error:
        token = secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            None,
            status_code=401,
            error=error,
            login_csrf=token,
            next=safe_next(next),
            username=username,
        )
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
        return response
    redirect = RedirectResponse(safe_next(next), status_code=303)
    redirect.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
    )
    if not request.cookies.get(LANGUAGE_COOKIE):
        redirect.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", max_age=365 * 86400)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE)
    return redirect


@router.post("/logout")
def logout(request: Request, principal: Annotated[Principal, Depends(require(SHELL_VIEW))]) -> Response:
    with database(request).session() as session:
        do_end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}", dependencies=[Depends(public("language switch"))])
async def switch_language(request: Request, code: str, next: str = "/") -> Response:
    if code not in i18n.LANGUAGES:
        code = i18n.negotiate(request.headers.get("accept-language"))
    principal = await optional_principal(request)
    if principal is not None:

        def save() -> None:
            with database(request).session() as session:
                do_set_language(session, principal, code)

        await run_in_threadpool(save)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, code, samesite="lax", max_age=365 * 86400)
    return response
