"""Users, passwords, web sessions and API tokens.

Verbs: ``check_*`` validates, ``do_*`` changes state and writes the audit entry.
Passwords are hashed with argon2id (argon2-cffi). Session and API tokens are random 256-bit
values; only their SHA-256 is stored, so a copy of the database does not let anyone sign in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from qorgau.kernel.audit.service import do_record
from qorgau.kernel.auth.domain import ROLES, LoginRateLimiter, Principal, Role
from qorgau.kernel.auth.store import ApiToken, User, UserRepository, WebSession
from qorgau.kernel.db import utcnow

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that a wrong name costs the same time.
_DUMMY_HASH = _hasher.hash("qorgau-timing-equaliser")
USERNAME = re.compile(r"^[a-z0-9_.-]{2,64}$")


class AuthError(Exception):
    """Base of authentication errors."""


class InvalidCredentials(AuthError):
    """Wrong user name or password (never says which)."""


class RateLimited(AuthError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins; retry in {int(retry_after) + 1} s")
        self.retry_after = retry_after


class InvalidUser(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def check_new_user(username: str, password: str, role: str) -> None:
    if not USERNAME.match(username):
        raise InvalidUser("username", "2–64 characters: lower-case letters, digits, _ . -")
    if role not in ROLES:
        raise InvalidUser("role", f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise InvalidUser("password", "at least 10 characters")


def do_create_user(
    session: Session,
    actor: Principal | str,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    language: str = "ru",
) -> User:
    check_new_user(username, password, role)
    repository = UserRepository(session)
    if repository.by_username(username):
        raise InvalidUser("username", f"{username!r} already exists")
    user = repository.add(
        User(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            display_name=display_name,
            language=language,
        )
    )
    do_record(session, actor, "user.create", "user", user.id, details={"username": username, "role": role})
    return user


def do_set_password(session: Session, actor: Principal | str, user: User, password: str) -> None:
    check_new_user(user.username, password, user.role)
    user.password_hash = _hasher.hash(password)
    do_record(session, actor, "user.password", "user", user.id)


@dataclass(frozen=True)
class Client:
    """Where a login comes from, for rate limiting and the audit entry."""

    address: str


def authenticate(
    session: Session, username: str, password: str, limiter: LoginRateLimiter, client: Client
) -> User:
    """The active user with this password, or :class:`InvalidCredentials`/:class:`RateLimited`."""
    keys = (f"user:{username.lower()}", f"addr:{client.address}")
    wait = limiter.retry_after(*keys)
    if wait > 0:
        raise RateLimited(wait)
    user = UserRepository(session).by_username(username.lower())
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        limiter.failed(*keys)
        do_record(
            session,
            username[:64] or "?",
            "auth.login_failed",
            "user",
            username[:64],
            details={"address": client.address},
        )
        # The failure must stay on record although the caller's transaction is about to fail.
        session.commit()
        raise InvalidCredentials("wrong user name or password")
    limiter.succeeded(*keys)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def do_start_session(session: Session, user: User, hours: int, client: Client) -> tuple[str, str]:
    """A new web session; returns ``(raw token for the cookie, CSRF token)``."""
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=hash_token(raw),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=utcnow() + dt.timedelta(hours=hours),
        )
    )
    do_record(session, user.username, "auth.login", "user", user.id, details={"address": client.address})
    return raw, csrf


def do_end_session(session: Session, raw_token: str) -> None:
    web_session = UserRepository(session).session_by_token_hash(hash_token(raw_token))
    if web_session:
        user = UserRepository(session).get(web_session.user_id)
        session.delete(web_session)
        do_record(session, user.username if user else "?", "auth.logout", "user", web_session.user_id)


def principal_from_session(session: Session, raw_token: str) -> Principal | None:
    repository = UserRepository(session)
    web_session = repository.session_by_token_hash(hash_token(raw_token))
    if web_session is None or web_session.expires_at <= utcnow():
        return None
    user = repository.get(web_session.user_id)
    if user is None or not user.active:
        return None
    return Principal(
        user.id,
        user.username,
        role_of(user.role),
        user.language,
        via="session",
        csrf_token=web_session.csrf_token,
    )


def principal_from_api_token(session: Session, raw_token: str) -> Principal | None:
    repository = UserRepository(session)
    token = repository.api_token_by_hash(hash_token(raw_token))
    if token is None or token.revoked or (token.expires_at and token.expires_at <= utcnow()):
        return None
    user = repository.get(token.user_id)
    if user is None or not user.active:
        return None
    return Principal(user.id, user.username, role_of(user.role), user.language, via="token")


def do_create_api_token(
    session: Session, actor: Principal | str, user: User, name: str, days: int | None = 365
) -> str:
    """A new bearer token for ``user``; the raw value is returned once and never stored."""
    raw = "qg_" + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=hash_token(raw),
        user_id=user.id,
        name=name,
        expires_at=utcnow() + dt.timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    do_record(
        session, actor, "token.create", "api_token", token.id, details={"user": user.username, "name": name}
    )
    return raw


def do_set_language(session: Session, principal: Principal, language: str) -> None:
    user = UserRepository(session).get(principal.user_id)
    if user and user.language != language:
        user.language = language
        do_record(session, principal, "user.language", "user", user.id, details={"language": language})


def role_of(value: str) -> Role:
    if value not in ROLES:
        raise InvalidUser("role", f"unknown role {value!r}; one of {', '.join(ROLES)}")
    return value
