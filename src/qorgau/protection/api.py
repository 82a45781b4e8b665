"""Protection API under ``/api/v1/protection``: thin handlers over ``protection.service``.

=======  ===============================================  =================================
method   path                                             permission
=======  ===============================================  =================================
GET      ``/protection/datasets``                         protection.statistics.read
POST     ``/protection/datasets`` (multipart ``file``,    protection.statistics.import
         form ``dataset``)
GET      ``/protection/stats``                            protection.statistics.read
GET      ``/protection/series``                           protection.statistics.read
GET      ``/protection/citizenships``                     protection.statistics.read
GET      ``/protection/tp-end``                           protection.statistics.read
POST     ``/protection/fair-share`` (multipart ``file``,  protection.statistics.read
         form ``key``, ``total``)
GET      ``/protection/rights/{status}``                  protection.statistics.read
GET      ``/protection/registrations``                    protection.registrations.read
POST     ``/protection/registrations``                    protection.registrations.write
GET      ``/protection/registrations/{id}``               protection.registrations.read
POST     ``/protection/registrations/{id}/decisions``     protection.registrations.write
GET      ``/protection/exports/registrations.csv``        protection.registrations.read
GET      ``/protection/review``                           protection.review.work
POST     ``/protection/review`` (``dedupe --json`` body)  protection.review.work
GET      ``/protection/review/{item_id}``                 protection.review.work
POST     ``/protection/review/{item_id}/decision``        protection.review.work
=======  ===============================================  =================================

``stats`` answers with the ``qorgau protection stats`` document for the newest stored import of the
dataset (or ``dataset_id``). Reads of a registration take ``purpose`` and ``legal_basis`` (query or
``X-Purpose`` / ``X-Legal-Basis`` headers). A bad file is a 422 problem document with ``field``
``file`` and the ``line``; nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.web.deps import DbSession, ReadBasis, require
from qorgau.kernel.web.errors import problem
from qorgau.protection import service
from qorgau.protection.domain.errors import BurdenSharingError, DatasetError
from qorgau.protection.permissions import (
    PROTECTION_REGISTRATIONS_READ,
    PROTECTION_REGISTRATIONS_WRITE,
    PROTECTION_REVIEW,
    PROTECTION_STATISTICS_IMPORT,
    PROTECTION_STATISTICS_READ,
)
from qorgau.protection.rules import status_rights

router = APIRouter(prefix="/protection", tags=["protection"])

Analyst = Annotated[Principal, Depends(require(PROTECTION_STATISTICS_READ))]
Importer = Annotated[Principal, Depends(require(PROTECTION_STATISTICS_IMPORT))]
Reader = Annotated[Principal, Depends(require(PROTECTION_REGISTRATIONS_READ))]
Writer = Annotated[Principal, Depends(require(PROTECTION_REGISTRATIONS_WRITE))]
Reviewer = Annotated[Principal, Depends(require(PROTECTION_REVIEW))]
MAX_UPLOAD = 200 * 1024 * 1024


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentIn(_In):
    kind: str = Field(max_length=40, description="passport, id_card, residence_permit, travel_document, …")
    number: str = Field(max_length=60)
    issuing_country: str | None = Field(default=None, max_length=2)
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None


class RegistrationIn(_In):
    id: str | None = Field(default=None, max_length=64, description="the registering state's own id")
    kind: str = Field(max_length=32, description="temporary_protection or asylum_application")
    surname: str = Field(max_length=200, description="in the original script")
    given_names: str | None = Field(default=None, max_length=200)
    surname_latin: str | None = Field(default=None, max_length=200)
    given_names_latin: str | None = Field(default=None, max_length=200)
    earlier_names: list[str] = Field(default_factory=list, max_length=20)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    birth_date: dt.date
    birth_place: str | None = Field(default=None, max_length=200)
    nationality: str | None = Field(default=None, max_length=2)
    nationality_type: str | None = Field(default=None, max_length=20)
    sex: str | None = Field(default=None, max_length=1)
    document: DocumentIn | None = None
    activation: str | None = Field(default=None, max_length=20, description="e.g. 2022/382")
    registering_state: str = Field(max_length=4, description="Eurostat geo code (EL for Greece)")
    registration_date: dt.date
    accompanying_adult_id: str | None = Field(default=None, max_length=64)
    relation_to_adult: str | None = Field(default=None, max_length=20)
    unaccompanied: bool = False
    person_id: str | None = Field(default=None, max_length=36)


class DecisionIn(_In):
    outcome: str = Field(max_length=32)
    decided_on: dt.date
    legal_basis: str = Field(max_length=500)
    reasons: str | None = Field(default=None, max_length=2000)


class ReviewDecisionIn(_In):
    decision: str = Field(max_length=16, description="confirmed or rejected")
    note: str | None = Field(default=None, max_length=2000)


def _file_problem(exc: DatasetError | BurdenSharingError) -> JSONResponse:
    return problem(422, "Invalid file", str(exc), field="file", line=getattr(exc, "line", None))


# --- statistics -------------------------------------------------------------------------------------


@router.get("/datasets")
def datasets(session: DbSession, principal: Analyst) -> dict[str, Any]:
    return {"datasets": service.list_datasets(session, principal)}


@router.post("/datasets", status_code=201, response_model=None)
async def import_dataset(
    session: DbSession,
    principal: Importer,
    file: Annotated[UploadFile, File(description="Eurostat bulk TSV, SDMX-CSV or JSON-stat (may be gzip)")],
    dataset: Annotated[str, Form(max_length=32)],
) -> dict[str, Any] | JSONResponse:
    raw = await file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        return problem(413, "File too large", f"at most {MAX_UPLOAD} bytes", field="file")
    name = file.filename or "upload"
    try:
        return service.do_import_eurostat_bytes(session, principal, raw, dataset, source=name, vintage=name)
    except DatasetError as exc:
        return _file_problem(exc)


@router.get("/stats")
def statistics(
    session: DbSession,
    principal: Analyst,
    dataset: Annotated[str, Query(max_length=32)],
    year: Annotated[int, Query(ge=1900, le=2200)],
    applicant: Annotated[str | None, Query(max_length=8)] = None,
    decision: Annotated[str | None, Query(max_length=16)] = None,
    per_million: bool = False,
    top: Annotated[int, Query(ge=0, le=100)] = 5,
    dataset_id: int | None = None,
) -> dict[str, Any]:
    return service.stats_from_store(
        session,
        principal,
        dataset,
        year,
        applicant=applicant.upper() if applicant else None,
        decision=decision.upper() if decision else None,
        per_million=per_million,
        top=top,
        dataset_id=dataset_id,
    )


@router.get("/series")
def series(
    session: DbSession,
    principal: Analyst,
    dataset: Annotated[str, Query(max_length=32)],
    applicant: Annotated[str | None, Query(max_length=8)] = None,
    decision: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    found = service.series_from_store(
        session,
        principal,
        dataset,
        applicant=applicant.upper() if applicant else None,
        decision=decision.upper() if decision else None,
    )
    if found is None:
        return {"dataset": dataset, "import": None, "points": [], "countries": {}}
    return {
        "dataset": dataset,
        "import": found.dataset,
        "points": [point.to_dict() for point in found.points],
        "countries": found.countries,
    }


@router.get("/citizenships")
def citizenships(
    session: DbSession,
    principal: Analyst,
    dataset: Annotated[str, Query(max_length=32)],
    year: Annotated[int, Query(ge=1900, le=2200)],
    applicant: Annotated[str | None, Query(max_length=8)] = None,
) -> dict[str, Any]:
    values = service.citizenship_from_store(
        session, principal, dataset, year, applicant=applicant.upper() if applicant else None
    )
    return {"dataset": dataset, "year": year, "by_citizen": values}


@router.get("/tp-end")
def temporary_protection_end(
    principal: Analyst,
    activation: Annotated[str, Query(max_length=20, description="e.g. 2022/382")],
    on: Annotated[dt.date, Query(description="YYYY-MM-DD")],
) -> dict[str, Any]:
    return service.tp_end_answer(principal, activation, on).to_dict()


@router.post("/fair-share", response_model=None)
async def fair_share(
    principal: Analyst,
    file: Annotated[
        UploadFile, File(description="geo,population,gdp,unemployment_rate,asylum_per_million[,actual]")
    ],
    key: Annotated[str, Form(max_length=32)],
    total: Annotated[int | None, Form(ge=0)] = None,
) -> dict[str, Any] | JSONResponse:
    raw = await file.read(MAX_UPLOAD + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return problem(422, "Invalid file", "not UTF-8 text", field="file")
    try:
        return service.fair_share_answer(principal, text, key, total)
    except BurdenSharingError as exc:
        return _file_problem(exc)


@router.get("/rights/{status}")
def rights(status: str, principal: Analyst) -> dict[str, Any]:
    return status_rights(status).to_dict()


# --- registrations ----------------------------------------------------------------------------------


@router.get("/registrations")
def registrations(
    session: DbSession,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=200, description="a name in any script")] = None,
    registering_state: Annotated[str | None, Query(max_length=4)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    rows = service.search_registrations(
        session,
        principal,
        q,
        registering_state=registering_state,
        kind=kind,
        status=status,
        limit=limit,
        offset=offset,
    )
    return {"registrations": [service.registration_summary(row) for row in rows]}


@router.post("/registrations", status_code=201)
def register(body: RegistrationIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    data = body.model_dump()
    if body.document is not None:
        data["document"] = body.document.model_dump()
    row = service.do_register(session, principal, data)
    return service.registration_summary(row) | {"person_id": row.person_id}


@router.get("/exports/registrations.csv", response_model=None)
def export_registrations(
    session: DbSession,
    principal: Reader,
    stated: ReadBasis,
) -> Response:
    text = service.registrations_csv(
        session,
        principal,
        purpose=stated.purpose or service.EXPORT_PURPOSE,
        legal_basis=stated.legal_basis or service.REVIEW_LEGAL_BASIS,
    )
    return PlainTextResponse(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="registrations.csv"'},
    )


@router.get("/registrations/{registration_id}")
def registration(
    registration_id: str,
    session: DbSession,
    principal: Reader,
    stated: ReadBasis,
) -> dict[str, Any]:
    row = service.access_registration(
        session, principal, registration_id, purpose=stated.purpose, legal_basis=stated.legal_basis
    )
    return service.registration_detail(row)


@router.post("/registrations/{registration_id}/decisions", status_code=201)
def decide(registration_id: str, body: DecisionIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    decision = service.do_decide(session, principal, registration_id, body.model_dump())
    return {
        "registration_id": registration_id,
        "outcome": decision.outcome,
        "decided_on": decision.decided_on.isoformat(),
        "legal_basis": decision.legal_basis,
        "reasons": decision.reasons,
        "status": decision.registration.status,
    }


# --- the review queue -------------------------------------------------------------------------------


@router.get("/review")
def review_queue(
    session: DbSession,
    principal: Reviewer,
    status: Annotated[
        str | None, Query(max_length=16, description="pending (default), confirmed, rejected, all")
    ] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    items = service.review_queue(
        session, principal, None if status == "all" else status, limit=limit, offset=offset
    )
    return {
        "items": [service.review_item_summary(item) for item in items],
        "counts": service.review_counts(session, principal),
    }


@router.post("/review", status_code=201)
def enqueue(document: dict[str, Any], session: DbSession, principal: Reviewer) -> dict[str, Any]:
    return service.do_enqueue_duplicates(session, principal, document)


@router.get("/review/{item_id}")
def review_item(item_id: int, session: DbSession, principal: Reviewer) -> dict[str, Any]:
    return service.access_review_item(session, principal, item_id).to_dict()


@router.post("/review/{item_id}/decision")
def review(item_id: int, body: ReviewDecisionIn, session: DbSession, principal: Reviewer) -> dict[str, Any]:
    item = service.do_review(session, principal, item_id, body.decision, note=body.note)
    return service.review_item_summary(item)
