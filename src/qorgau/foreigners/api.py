"""Foreigners API under ``/api/v1/foreigners``: thin handlers over ``foreigners.service``.

=======  ==============================================================  ===========================
method   path                                                            permission
=======  ==============================================================  ===========================
GET      ``/foreigners/people/{person_id}/timeline``                     foreigners.records.read
GET      ``/foreigners/people/{person_id}/assessment``                   foreigners.records.read
GET      ``/foreigners/people/{person_id}/participant-requirements``     foreigners.records.read
POST     ``/foreigners/people/{person_id}/crossings``                    foreigners.records.write
POST     ``/foreigners/people/{person_id}/crossings/{crossing_id}/exit`` foreigners.records.write
POST     ``/foreigners/people/{person_id}/host-notifications``           foreigners.records.write
POST     ``/foreigners/people/{person_id}/registrations``                foreigners.records.write
POST     ``/foreigners/people/{person_id}/address-changes``              foreigners.records.write
POST     ``/foreigners/people/{person_id}/permits``                      foreigners.records.write
POST     ``/foreigners/people/{person_id}/statuses``                     foreigners.records.write
GET      ``/foreigners/due-today``                                       foreigners.worklist.read
GET      ``/foreigners/overstays``                                       foreigners.worklist.read
POST     ``/foreigners/imports/crossings``  (multipart ``file``)         foreigners.crossings.import
GET      ``/foreigners/rights/{status}``                                 foreigners.records.read
=======  ==============================================================  ===========================

Reads of a person take ``purpose`` and ``legal_basis`` (query or ``X-Purpose`` / ``X-Legal-Basis``
headers). A rejected record is a 422 problem document naming the field; a rejected import is a 422
problem document with ``errors: [{"line", "field", "message"}]`` and nothing imported.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from qorgau.foreigners import service
from qorgau.foreigners.domain.status_rights import rights_and_restrictions
from qorgau.foreigners.imports import (
    ImportRejected,
    do_import_crossings,
    do_record_rejected_import,
    read_crossings_csv,
)
from qorgau.foreigners.permissions import (
    FOREIGNERS_IMPORT,
    FOREIGNERS_READ,
    FOREIGNERS_WORKLIST,
    FOREIGNERS_WRITE,
)
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.web.deps import DbSession, ReadBasis, require
from qorgau.kernel.web.errors import problem

router = APIRouter(prefix="/foreigners", tags=["foreigners"])

Reader = Annotated[Principal, Depends(require(FOREIGNERS_READ))]
Writer = Annotated[Principal, Depends(require(FOREIGNERS_WRITE))]
Officer = Annotated[Principal, Depends(require(FOREIGNERS_WORKLIST))]
Importer = Annotated[Principal, Depends(require(FOREIGNERS_IMPORT))]
OnDate = Annotated[dt.date | None, Query(alias="date", description="YYYY-MM-DD; today by default")]
TEXT = 2000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrossingIn(_In):
    entry: dt.date
    exit: dt.date | None = None
    entry_border_point: str | None = Field(default=None, max_length=120)
    exit_border_point: str | None = Field(default=None, max_length=120)


class ExitIn(_In):
    exit: dt.date
    exit_border_point: str | None = Field(default=None, max_length=120)


class HostNotificationIn(_In):
    date: dt.date
    host_name: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=TEXT)


class RegistrationIn(_In):
    date: dt.date
    address: str | None = Field(default=None, max_length=TEXT)
    confirmed: bool | None = None


class AddressChangeIn(_In):
    date: dt.date
    address: str | None = Field(default=None, max_length=TEXT)


class PermitIn(_In):
    kind: str = Field(description="visa, temporary_residence or permanent_residence", max_length=32)
    valid_from: dt.date
    valid_until: dt.date | None = None
    ground: str | None = Field(
        default=None, max_length=40, description="art. 6-1 ground of a temporary permit"
    )
    number: str | None = Field(default=None, max_length=60)
    category: str | None = Field(default=None, max_length=60)


class StatusIn(_In):
    status: str = Field(max_length=32, description="visitor, temporary_resident, permanent_resident, …")
    valid_from: dt.date
    note: str | None = Field(default=None, max_length=TEXT)


@router.get("/people/{person_id}/timeline")
def person_timeline(
    person_id: str,
    session: DbSession,
    principal: Reader,
    stated: ReadBasis,
    on: OnDate = None,
) -> dict[str, Any]:
    why, basis = stated.purpose, stated.legal_basis
    result = service.timeline(session, principal, person_id, purpose=why, legal_basis=basis, on=on)
    return result.to_dict()


@router.get("/people/{person_id}/assessment")
def person_assessment(
    person_id: str,
    session: DbSession,
    principal: Reader,
    stated: ReadBasis,
    on: OnDate = None,
) -> dict[str, Any]:
    why, basis = stated.purpose, stated.legal_basis
    day = on or dt.date.today()
    return service.assess_person(session, principal, person_id, day, purpose=why, legal_basis=basis).to_dict()


@router.get("/people/{person_id}/participant-requirements")
def person_participant_requirements(
    person_id: str,
    session: DbSession,
    principal: Reader,
    language: Annotated[str, Query(min_length=2, max_length=3, description="language of proceedings")],
    stated: ReadBasis,
    detained: bool = False,
    on: OnDate = None,
) -> dict[str, Any]:
    why, basis = stated.purpose, stated.legal_basis
    result = service.participant_requirements_for(
        session,
        person_id,
        language,
        detained,
        on or dt.date.today(),
        actor=principal,
        purpose=why,
        legal_basis=basis,
    )
    return result.to_dict()


@router.post("/people/{person_id}/crossings", status_code=201)
def add_crossing(person_id: str, body: CrossingIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    row = service.do_add_crossing(session, principal, person_id, body.model_dump())
    return service.crossing_dict(row)


@router.post("/people/{person_id}/crossings/{crossing_id}/exit")
def record_exit(
    person_id: str, crossing_id: int, body: ExitIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    row = service.do_record_exit(session, principal, person_id, crossing_id, body.model_dump())
    return service.crossing_dict(row)


@router.post("/people/{person_id}/host-notifications", status_code=201)
def add_host_notification(
    person_id: str, body: HostNotificationIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    row = service.do_add_host_notification(session, principal, person_id, body.model_dump())
    return {
        "id": row.id,
        "date": row.notified_on.isoformat(),
        "host_name": row.host_name,
        "address": row.address,
    }


@router.post("/people/{person_id}/registrations", status_code=201)
def add_registration(
    person_id: str, body: RegistrationIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    row = service.do_add_registration(session, principal, person_id, body.model_dump())
    return {
        "id": row.id,
        "date": row.registered_on.isoformat(),
        "address": row.address,
        "confirmed": row.confirmed,
    }


@router.post("/people/{person_id}/address-changes", status_code=201)
def add_address_change(
    person_id: str, body: AddressChangeIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    row = service.do_add_address_change(session, principal, person_id, body.model_dump())
    return {"id": row.id, "date": row.changed_on.isoformat(), "address": row.address}


@router.post("/people/{person_id}/permits", status_code=201)
def add_permit(person_id: str, body: PermitIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    row = service.do_add_permit(session, principal, person_id, body.model_dump())
    return service.permit_dict(row)


@router.post("/people/{person_id}/statuses", status_code=201)
def set_status(person_id: str, body: StatusIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    row = service.do_set_status(session, principal, person_id, body.model_dump())
    return {"id": row.id, "status": row.status, "valid_from": row.valid_from.isoformat(), "note": row.note}


@router.get("/due-today")
def due_today(session: DbSession, principal: Officer, on: OnDate = None) -> dict[str, Any]:
    day = on or dt.date.today()
    return {
        "date": day.isoformat(),
        "due": [item.to_dict() for item in service.due_today(session, principal, day)],
    }


@router.get("/overstays")
def overstays(
    session: DbSession,
    principal: Officer,
    on: OnDate = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> dict[str, Any]:
    day = on or dt.date.today()
    rows = service.overstays(session, principal, day, limit=limit)
    return {"date": day.isoformat(), "overstays": [row.to_dict() for row in rows]}


@router.post("/imports/crossings")
def import_crossings(
    session: DbSession,
    principal: Importer,
    file: Annotated[
        UploadFile, File(description="CSV of crossings (columns: see qorgau.foreigners.imports)")
    ],
    skip_bad: Annotated[bool, Query(description="import the good rows even if some are bad")] = False,
) -> Any:
    content = file.file.read()
    try:
        lines, unreadable = read_crossings_csv(content)
    except UnicodeDecodeError:
        return problem(422, "Invalid input", "the file is not UTF-8 text", field="file")
    try:
        report = do_import_crossings(session, principal, lines, skip_bad=skip_bad, unreadable=unreadable)
    except ImportRejected as rejected:
        session.rollback()
        do_record_rejected_import(session, principal, rejected.report)
        errors = [bad.to_dict() for bad in rejected.report.bad_rows]
        return problem(
            422,
            "Invalid input",
            str(rejected),
            field="file",
            errors=errors,
            report=rejected.report.to_dict(),
        )
    return JSONResponse(report.to_dict())


@router.get("/rights/{status}")
def status_rights(status: str, principal: Reader, on: OnDate = None) -> dict[str, Any]:
    return rights_and_restrictions(status, on or dt.date.today()).to_dict()
