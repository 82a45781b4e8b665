"""The audit page: recent entries and the result of walking the whole chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qorgau.kernel.audit.service import verify
from qorgau.kernel.audit.store import AuditRepository
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.domain.permissions import AUDIT_READ
from qorgau.kernel.web.deps import DbSession, require
from qorgau.kernel.web.templating import register_nav, render

router = APIRouter(prefix="/audit", include_in_schema=False)
register_nav("Audit", "/audit", AUDIT_READ, order=95)


@router.get("")
def audit_page(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(require(AUDIT_READ))]
) -> Response:
    report = verify(session)
    entries = AuditRepository(session).recent(200)
    return render(request, "audit/list.html", principal, report=report, entries=entries)
