"""People registry API: thin handlers over ``people.service``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.domain.permissions import PEOPLE_READ, PEOPLE_WRITE
from qorgau.kernel.people.service import (
    access_person,
    do_add_person,
    person_detail,
    person_summary,
    search_people,
)
from qorgau.kernel.web.deps import DbSession, ReadBasis, require

router = APIRouter(prefix="/people", tags=["people"])


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["passport", "id_card", "residence_permit", "travel_document", "birth_certificate", "other"]
    number: str = Field(min_length=1, max_length=60)
    issuing_country: str | None = Field(default=None, min_length=2, max_length=2)
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300, description="Name in the original script")
    latin_name: str | None = Field(default=None, max_length=300)
    birth_date: dt.date | None = None
    sex: Literal["F", "M"] | None = None
    citizenships: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-2")
    languages: list[str] = Field(default_factory=list, description="ISO 639-1")
    immunity: (
        Literal["mp", "constitutional_court_judge", "judge", "prosecutor_general", "diplomat"] | None
    ) = None
    documents: list[DocumentIn] = Field(default_factory=list)


@router.get("")
def list_people(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(PEOPLE_READ))],
    query: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    hits = search_people(session, principal, query, limit=limit, offset=offset)
    return {"people": [person_summary(hit.person) | {"score": round(hit.score, 3)} for hit in hits]}


@router.post("", status_code=201)
def add_person(
    body: PersonIn, session: DbSession, principal: Annotated[Principal, Depends(require(PEOPLE_WRITE))]
) -> dict[str, Any]:
    row = do_add_person(session, principal, body.model_dump(mode="json"))
    return {"id": row.id, "latin_name": row.latin_name}


@router.get("/{person_id}")
def show_person(
    person_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(PEOPLE_READ))],
    basis: ReadBasis,
) -> dict[str, Any]:
    row = access_person(session, principal, person_id, purpose=basis.purpose, legal_basis=basis.legal_basis)
    return person_detail(row)
