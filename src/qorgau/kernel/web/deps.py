"""FastAPI dependencies: the database session, the signed-in principal, one permission per route.

``require(permission)`` is the only way a route gets a principal; the route-table test reads the
permission back from the dependency (``route_permission``) and checks every route against every role.
Cookie-authenticated requests that change state must carry the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``); bearer-token requests are not exposed to CSRF.

``ReadBasis`` is how a route that reads personal data, location history or case materials takes the
purpose and legal basis of the read: query parameters ``purpose`` / ``legal_basis`` or headers
``X-Purpose`` / ``X-Legal-Basis`` (the query wins). It only collects them; the service checks them
(``qorgau.kernel.audit.service.check_purpose``) and writes them to the audit log.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from qorgau.kernel.auth.domain import Permission, Principal
from qorgau.kernel.auth.scopes import Forbidden
from qorgau.kernel.auth.service import principal_from_api_token, principal_from_session
from qorgau.kernel.db import Database
from qorgau.settings import Settings

SESSION_COOKIE = "qorgau_session"
LANGUAGE_COOKIE = "qorgau_lang"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotAuthenticated(Exception):
    """No valid session cookie or bearer token."""


class CsrfFailure(Exception):
    """A state-changing request from a browser session without the right CSRF token."""


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_session(request: Request) -> Iterator[Session]:
    with database(request).session() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def _lookup_principal(request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    with database(request).session() as session:
        if header.lower().startswith("bearer "):
            return principal_from_api_token(session, header[7:].strip())
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            return principal_from_session(session, cookie)
    return None


async def optional_principal(request: Request) -> Principal | None:
    if "qorgau_principal" not in request.state._state:
        request.state.qorgau_principal = await run_in_threadpool(_lookup_principal, request)
    principal: Principal | None = request.state.qorgau_principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise CsrfFailure()


def require(permission: Permission) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A dependency that yields the principal holding ``permission``, else 401/403."""

    async def dependency(request: Request) -> Principal:
        principal = await optional_principal(request)
        if principal is None:
            raise NotAuthenticated()
        if not principal.can(permission):
            raise Forbidden(f"role {principal.role!r} lacks permission {permission!r}", permission)
        await _check_csrf(request, principal)
        return principal

    dependency.qorgau_permission = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    return dependency


def public(reason: str) -> Callable[[], None]:
    """Marks a route as open to anyone (health, login, static); ``reason`` is documentation."""

    def dependency() -> None:
        return None

    dependency.qorgau_public = reason  # type: ignore[attr-defined]
    return dependency


@dataclass(frozen=True, slots=True)
class AccessBasis:
    """Why data is read and under which legal basis, as the caller stated them (either may be None:
    the service that audits the read refuses what is missing, naming the field)."""

    purpose: str | None
    legal_basis: str | None


def access_basis(
    purpose: Annotated[
        str | None, Query(max_length=500, description="Why the data is read (audited)")
    ] = None,
    legal_basis: Annotated[
        str | None, Query(max_length=500, description="Under which legal basis (audited)")
    ] = None,
    x_purpose: Annotated[str | None, Header(max_length=500)] = None,
    x_legal_basis: Annotated[str | None, Header(max_length=500)] = None,
) -> AccessBasis:
    """The stated purpose and legal basis of a read, from the query or the ``X-Purpose`` /
    ``X-Legal-Basis`` headers."""
    return AccessBasis(purpose or x_purpose, legal_basis or x_legal_basis)


ReadBasis = Annotated[AccessBasis, Depends(access_basis)]


def route_permission(dependant: Any) -> str | None:
    """The permission a route requires, or ``"public: …"`` — None if the route declares neither."""
    for sub in dependant.dependencies:
        call = sub.call
        if hasattr(call, "qorgau_permission"):
            return str(call.qorgau_permission)
        if hasattr(call, "qorgau_public"):
            return f"public: {call.qorgau_public}"
        if hasattr(call, "qorgau_device"):
            return "device"
        found = route_permission(sub)
        if found:
            return found
    return None
