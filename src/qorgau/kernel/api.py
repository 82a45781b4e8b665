"""Kernel API: bearer tokens, the current user, the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from qorgau.kernel.audit.service import verify
from qorgau.kernel.audit.store import AuditRepository
from qorgau.kernel.auth.domain import Principal, permissions_of
from qorgau.kernel.auth.domain.permissions import AUDIT_READ, SHELL_VIEW
from qorgau.kernel.auth.service import Client, authenticate, do_create_api_token
from qorgau.kernel.web.deps import DbSession, public, require

router = APIRouter()


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(default="api", max_length=100)
    days: int = Field(default=30, ge=1, le=365)


class TokenResponse(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_in_days: int


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    dependencies=[Depends(public("exchanges a password for a bearer token; rate-limited"))],
    tags=["auth"],
)
def issue_token(body: TokenRequest, request: Request, session: DbSession) -> TokenResponse:
    client = Client(request.client.host if request.client else "?")
    user = authenticate(session, body.username, body.password, request.app.state.login_limiter, client)
    raw = do_create_api_token(session, user.username, user, body.name, days=body.days)
    return TokenResponse(token=raw, expires_in_days=body.days)


@router.get("/me", tags=["auth"])
def me(principal: Annotated[Principal, Depends(require(SHELL_VIEW))]) -> dict[str, Any]:
    return {
        "username": principal.username,
        "role": principal.role,
        "language": principal.language,
        "permissions": sorted(permissions_of(principal.role)),
    }


@router.get("/audit", tags=["audit"])
def audit_entries(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(AUDIT_READ))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    object_type: str | None = None,
    object_id: str | None = None,
) -> dict[str, Any]:
    entries = AuditRepository(session).recent(limit, object_type, object_id)
    return {
        "entries": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "purpose": e.purpose,
                "legal_basis": e.legal_basis,
                "hash": e.hash,
            }
            for e in entries
        ]
    }


@router.get("/audit/verify", tags=["audit"])
def audit_verify(
    session: DbSession, principal: Annotated[Principal, Depends(require(AUDIT_READ))]
) -> dict[str, Any]:
    return verify(session).to_dict()
