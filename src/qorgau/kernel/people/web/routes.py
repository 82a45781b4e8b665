"""People registry pages: search, add, and a record read under a stated purpose."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.domain.permissions import PEOPLE_READ, PEOPLE_WRITE
from qorgau.kernel.i18n import gettext as _
from qorgau.kernel.people.domain.model import DOCUMENT_KINDS, PersonInvalid
from qorgau.kernel.people.service import access_person, do_add_person, search_people
from qorgau.kernel.web.deps import DbSession, require
from qorgau.kernel.web.templating import register_nav, render

router = APIRouter(prefix="/people", include_in_schema=False)
register_nav("People", "/people", PEOPLE_READ, order=90)


@router.get("")
def people_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(PEOPLE_READ))],
    q: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    hits = search_people(session, principal, q, limit=50, offset=(page - 1) * 50)
    return render(request, "people/list.html", principal, hits=hits, q=q, page=page)


@router.get("/new")
def new_person_form(
    request: Request, principal: Annotated[Principal, Depends(require(PEOPLE_WRITE))]
) -> Response:
    return render(request, "people/new.html", principal, form={}, document_kinds=DOCUMENT_KINDS)


@router.post("/new")
async def add_person(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(require(PEOPLE_WRITE))]
) -> Response:
    form = await request.form()
    fields = {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}
    data: dict[str, object] = {
        "name": fields.get("name", ""),
        "latin_name": fields.get("latin_name") or None,
        "birth_date": fields.get("birth_date") or None,
        "sex": fields.get("sex") or None,
        "citizenships": [c for c in fields.get("citizenships", "").replace(",", " ").split() if c],
        "languages": [c for c in fields.get("languages", "").replace(",", " ").split() if c],
        "immunity": fields.get("immunity") or None,
        "documents": [
            {
                "kind": fields.get("document_kind"),
                "number": fields.get("document_number"),
                "issuing_country": fields.get("document_country") or None,
            }
        ]
        if fields.get("document_number")
        else [],
    }
    try:
        row = do_add_person(session, principal, data)
    except PersonInvalid as exc:
        session.rollback()
        return render(
            request,
            "people/new.html",
            principal,
            status_code=422,
            form=fields,
            error=exc,
            document_kinds=DOCUMENT_KINDS,
        )
    return RedirectResponse(f"/people?q={row.latin_name}&added={row.id}", status_code=303)


@router.get("/{person_id}")
def person_page(
    request: Request,
    person_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(PEOPLE_READ))],
    purpose: str = "",
    legal_basis: str = "",
) -> Response:
    if not purpose and not legal_basis:
        return render(request, "people/purpose.html", principal, person_id=person_id)
    try:
        row = access_person(session, principal, person_id, purpose=purpose, legal_basis=legal_basis)
    except MissingLegalBasis as exc:
        return render(
            request,
            "people/purpose.html",
            principal,
            status_code=422,
            person_id=person_id,
            error=_("State the purpose and the legal basis of this read."),
            field=exc.field,
            purpose=purpose,
            legal_basis=legal_basis,
        )
    return render(
        request, "people/show.html", principal, person=row, purpose=purpose, legal_basis=legal_basis
    )
