"""Cases API under ``/api/v1/cases``: thin handlers over :mod:`qorgau.cases.service`.

Reads of case materials (a material's bytes, the export, a search) take ``purpose`` and
``legal_basis`` as query parameters or ``X-Purpose`` / ``X-Legal-Basis`` headers; without them
the answer is 422 naming the missing one. A case is named by its id or its ERDR number.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from qorgau.cases.documents import render_case_document
from qorgau.cases.permissions import (
    CASES_ACTS,
    CASES_AGREEMENTS_DECIDE,
    CASES_AGREEMENTS_PETITION,
    CASES_EDIT,
    CASES_EXPORT,
    CASES_MATERIALS_READ,
    CASES_READ,
    CASES_REGISTER,
    CASES_STATISTICS,
    CASES_SUPERVISE,
)
from qorgau.cases.service import (
    CaseArchive,
    CaseFileCorrupted,
    access_case,
    access_material,
    act_view,
    agreement_view,
    agreements_of,
    case_detail,
    case_summary,
    do_add_act,
    do_add_material,
    do_add_participant,
    do_advance_agreement,
    do_assign_defender,
    do_attach_correlation,
    do_choose_form,
    do_petition,
    do_register_case,
    do_send_to_court,
    due_soon,
    entry_view,
    export_case,
    interpreter_requirements,
    list_acts,
    list_cases,
    overdue,
    search_materials,
    statistics,
)
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.web.deps import DbSession, ReadBasis, require, settings_of

router = APIRouter(prefix="/cases", tags=["cases"])
CaseRef = Annotated[str, "the case id or ERDR number"]


def case_archive(request: Request) -> CaseArchive:
    return CaseArchive.under(settings_of(request).data_dir)


Archive = Annotated[CaseArchive, Depends(case_archive)]


class FormIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form: Literal["investigation", "inquiry", "accelerated", "protocol", "writ"]
    motivation: str = Field(min_length=1, max_length=10000, description="The reasons of the decision")


class ActIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal[
        "suspension", "resumption", "extension", "instruction", "procedural_act", "completion_report"
    ]
    text: str = Field(min_length=1, max_length=10000)
    data: dict[str, Any] = Field(
        default_factory=dict, description='e.g. {"term": {"amount": 1, "unit": "months"}}'
    )
    at: dt.datetime | None = Field(default=None, description="When the act was made (default: now)")


class PetitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["plea", "cooperation", "asset_return"]
    participant: int | None = Field(
        default=None, ge=1, description="The suspect's position (default: the first)"
    )
    note: str = Field(default="", max_length=2000)


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(min_length=1, max_length=30)
    note: str = Field(default="", max_length=2000)


class DefenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    client: int | None = Field(default=None, ge=1)


class CorrelationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float = Field(gt=0)
    start: dt.datetime = Field(alias="from", description="Start of the window (ISO 8601 with offset)")
    end: dt.datetime = Field(alias="to", description="End of the window (ISO 8601 with offset)")
    purpose: str = Field(min_length=1, max_length=500, description="Why the positions are read (audited)")
    legal_basis: str = Field(min_length=1, max_length=500, description="Under which basis (audited)")
    person: str | None = Field(
        default=None, max_length=100, description="An alibi report of this person instead of 'who was near'"
    )


class CourtIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(default="", max_length=2000)


@router.post("", status_code=201)
def register_case(
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_REGISTER))],
    document: Annotated[dict[str, Any], Body(description="The assess input plus region and reason")],
) -> dict[str, Any]:
    case = do_register_case(session, principal, document, archive)
    return {"id": case.id, "number": case.number}


@router.get("")
def my_cases(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    cases = list_cases(session, principal, status=status, limit=limit, offset=offset)
    return {"cases": [case_summary(case) for case in cases]}


@router.get("/deadlines")
def case_deadlines(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    now: dt.datetime | None = None,
    within_days: Annotated[int, Query(ge=0, le=365)] = 3,
) -> dict[str, Any]:
    moment = now if now is not None and now.tzinfo is not None else dt.datetime.now(dt.UTC)
    window = dt.timedelta(days=within_days)
    return {
        "now": moment.isoformat(),
        "overdue": [item.to_dict() for item in overdue(session, principal, now=moment)],
        "due_soon": [item.to_dict() for item in due_soon(session, principal, now=moment, within=window)],
    }


@router.get("/statistics", response_model=None)
def case_statistics(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_STATISTICS))],
    by: str = "form",
    region: str | None = None,
    period: Annotated[str | None, Query(description="YYYY, YYYY-Qn or YYYY-MM")] = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    format: Literal["json", "csv"] = "json",
    lang: Literal["ru", "kk", "en"] | None = None,
) -> dict[str, Any] | Response:
    result = statistics(session, principal, by=by, region=region, period=period, since=since, until=until)
    if format == "csv":
        return Response(
            result.to_csv(lang or principal.language),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="cases-by-{result.by}.csv"'},
        )
    return result.to_dict()


@router.get("/search")
def search(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_MATERIALS_READ))],
    stated: ReadBasis,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    hits = search_materials(
        session,
        principal,
        q,
        purpose=stated.purpose,
        legal_basis=stated.legal_basis,
        limit=limit,
    )
    return {"query": q, "hits": [hit.to_dict() for hit in hits]}


@router.get("/{case}")
def show_case(
    case: CaseRef,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    stated: ReadBasis,
) -> dict[str, Any]:
    row = access_case(session, principal, case, purpose=stated.purpose, legal_basis=stated.legal_basis)
    return case_detail(session, row, actor=principal, purpose=stated.purpose, legal_basis=stated.legal_basis)


@router.get("/{case}/interpreters")
def interpreters(
    case: CaseRef,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    stated: ReadBasis,
) -> dict[str, Any]:
    row = access_case(session, principal, case, purpose=stated.purpose, legal_basis=stated.legal_basis)
    found = interpreter_requirements(
        session, principal, row, purpose=stated.purpose, legal_basis=stated.legal_basis
    )
    return {"interpreters": [item.to_dict() for item in found]}


@router.post("/{case}/participants", status_code=201)
def add_participant(
    case: CaseRef,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
    participant: Annotated[
        dict[str, Any], Body(description="One persons[] entry of the registration, linked to a person")
    ],
) -> dict[str, Any]:
    row = do_add_participant(session, principal, case, archive, participant=participant)
    return {"position": row.position, "role": row.role, "person_id": row.person_id, "name": row.name}


@router.post("/{case}/correlation-reports", status_code=201)
def attach_correlation(
    case: CaseRef,
    body: CorrelationIn,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
) -> dict[str, Any]:
    attached = do_attach_correlation(
        session,
        principal,
        case,
        archive,
        lat=body.lat,
        lon=body.lon,
        radius_m=body.radius_m,
        start=body.start,
        end=body.end,
        purpose=body.purpose,
        legal_basis=body.legal_basis,
        person=body.person,
    )
    return attached.to_dict()


@router.post("/{case}/form")
def choose_form(
    case: CaseRef,
    body: FormIn,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
) -> dict[str, Any]:
    act = do_choose_form(session, principal, case, archive, form=body.form, motivation=body.motivation)
    return act_view(act)


@router.post("/{case}/materials", status_code=201)
async def add_material(
    case: CaseRef,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
    file: Annotated[UploadFile, File(description="The material")],
    title: Annotated[str, Form(min_length=1, max_length=300)],
    text: Annotated[str | None, Form(description="Searchable text when the file has none (OCR)")] = None,
) -> dict[str, Any]:
    content = await file.read()
    entry = do_add_material(
        session,
        principal,
        case,
        archive,
        title=title,
        filename=file.filename or "material",
        content=content,
        media_type=file.content_type,
        text=text,
    )
    return entry_view(entry)


@router.get("/{case}/materials/{entry_id}")
def material_content(
    case: CaseRef,
    entry_id: int,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_MATERIALS_READ))],
    stated: ReadBasis,
) -> Response:
    entry, content = access_material(
        session,
        principal,
        case,
        entry_id,
        archive,
        purpose=stated.purpose,
        legal_basis=stated.legal_basis,
    )
    return Response(
        content,
        media_type=entry.media_type,
        headers={"Content-Disposition": _attachment(entry.filename), "X-Content-SHA256": entry.sha256},
    )


@router.get("/{case}/acts")
def acts(
    case: CaseRef, session: DbSession, principal: Annotated[Principal, Depends(require(CASES_READ))]
) -> dict[str, Any]:
    return {"acts": [act_view(act) for act in list_acts(session, principal, case)]}


@router.post("/{case}/acts", status_code=201)
def add_act(
    case: CaseRef,
    body: ActIn,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_ACTS))],
) -> dict[str, Any]:
    act = do_add_act(
        session, principal, case, archive, kind=body.kind, text=body.text, data=body.data, at=body.at
    )
    return act_view(act)


@router.get("/{case}/agreements")
def agreements(
    case: CaseRef, session: DbSession, principal: Annotated[Principal, Depends(require(CASES_READ))]
) -> dict[str, Any]:
    row = access_case(session, principal, case)
    return {"agreements": [agreement_view(item) for item in agreements_of(session, row)]}


@router.post("/{case}/agreements", status_code=201)
def petition(
    case: CaseRef,
    body: PetitionIn,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_AGREEMENTS_PETITION))],
) -> dict[str, Any]:
    row = do_petition(
        session, principal, case, archive, kind=body.kind, participant=body.participant, note=body.note
    )
    return agreement_view(row)


@router.post("/{case}/agreements/{agreement_id}/moves")
def move_agreement(
    case: CaseRef,
    agreement_id: int,
    body: MoveIn,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_AGREEMENTS_DECIDE))],
) -> dict[str, Any]:
    row = do_advance_agreement(session, principal, case, agreement_id, archive, to=body.to, note=body.note)
    return agreement_view(row)


@router.post("/{case}/defenders", status_code=201)
def admit_defender(
    case: CaseRef,
    body: DefenderIn,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
) -> dict[str, Any]:
    row = do_assign_defender(
        session, principal, case, archive, username=body.username, client_position=body.client
    )
    return {"id": row.id, "user_id": row.user_id, "client": row.client_position}


@router.post("/{case}/court")
def send_to_court(
    case: CaseRef,
    body: CourtIn,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_SUPERVISE))],
) -> dict[str, Any]:
    return case_summary(do_send_to_court(session, principal, case, archive, text=body.text))


@router.get("/{case}/export")
def export(
    case: CaseRef,
    session: DbSession,
    archive: Archive,
    principal: Annotated[Principal, Depends(require(CASES_EXPORT))],
    stated: ReadBasis,
) -> Response:
    try:
        bundle = export_case(
            session,
            principal,
            case,
            archive,
            purpose=stated.purpose,
            legal_basis=stated.legal_basis,
        )
    except CaseFileCorrupted as exc:
        raise HTTPException(409, f"the case file does not match its log: {exc}") from None
    return Response(
        bundle, media_type="application/zip", headers={"Content-Disposition": _attachment(f"case-{case}.zip")}
    )


@router.get("/{case}/documents/{kind}")
def document(
    case: CaseRef,
    kind: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    lang: Literal["ru", "kk"] = "ru",
    agreement: int | None = None,
) -> Response:
    pdf = render_case_document(session, principal, case, kind, lang, agreement_id=agreement)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": _attachment(f"{kind}-{case}-{lang}.pdf")},
    )


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
