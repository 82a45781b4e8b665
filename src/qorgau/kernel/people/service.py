"""Use cases of the people registry.

Every read of a person states a purpose and a legal basis and is audited; a search is audited with
its query. ``access_person`` is the only way to load a person for display.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from qorgau.kernel.audit.service import check_purpose, do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.domain.permissions import PEOPLE_READ, PEOPLE_WRITE
from qorgau.kernel.auth.scopes import check_permission
from qorgau.kernel.people.domain.model import PersonInput, check_person
from qorgau.kernel.people.domain.transliteration import (
    canonical_latin,
    name_query_key_sets,
    name_search_keys,
    name_similarity,
)
from qorgau.kernel.people.store import DocumentRow, PeopleRepository, PersonRow


class PersonNotFound(LookupError):
    pass


@dataclass(frozen=True)
class SearchHit:
    person: PersonRow
    score: float


def latin_form(person: PersonInput) -> str:
    """The stored Latin name: as given, else the canonical transliteration in title case."""
    return person.latin_name or canonical_latin(person.name).title()


def person_keys(name: str, latin_name: str) -> set[str]:
    return name_search_keys(name) | name_search_keys(latin_name)


def do_add_person(session: Session, actor: Principal, data: Mapping[str, Any]) -> PersonRow:
    """Validate and store a person; raises ``PersonInvalid`` naming the field."""
    check_permission(actor, PEOPLE_WRITE)
    person = check_person(data)
    latin_name = latin_form(person)
    row = PersonRow(
        id=str(uuid.uuid4()),
        name=person.name,
        latin_name=latin_name,
        birth_date=person.birth_date,
        sex=person.sex,
        citizenships=list(person.citizenships),
        languages=list(person.languages),
        immunity=person.immunity,
        documents=[
            DocumentRow(
                kind=d.kind,
                number=d.number,
                issuing_country=d.issuing_country,
                issued_on=d.issued_on,
                expires_on=d.expires_on,
            )
            for d in person.documents
        ],
    )
    PeopleRepository(session).add(row, person_keys(row.name, row.latin_name))
    do_record(session, actor, "person.create", "person", row.id, details={"name": row.name})
    return row


def access_person(
    session: Session, actor: Principal, person_id: str, *, purpose: str | None, legal_basis: str | None
) -> PersonRow:
    """Load a person for reading: permission, purpose and basis checked, the read audited."""
    check_permission(actor, PEOPLE_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    row = PeopleRepository(session).get(person_id)
    if row is None:
        raise PersonNotFound(person_id)
    do_record(session, actor, "person.read", "person", person_id, purpose=purpose, legal_basis=legal_basis)
    return row


def search_people(
    session: Session,
    actor: Principal,
    query: str | None,
    *,
    purpose: str | None = None,
    legal_basis: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SearchHit]:
    """People whose names match every token of ``query`` in any script, best first.

    Without a query: the registry page by page (Latin name order). The search is audited with the
    query, the purpose and the basis (a registry search defaults to "registry search" under the
    user's official duties, since it reveals names only).
    """
    check_permission(actor, PEOPLE_READ)
    repository = PeopleRepository(session)
    text = " ".join((query or "").split())
    if text:
        hits = [
            SearchHit(row, max(name_similarity(text, row.name), name_similarity(text, row.latin_name)))
            for row in repository.candidates(name_query_key_sets(text))
        ]
        hits.sort(key=lambda hit: (-hit.score, hit.person.latin_name))
        hits = hits[offset : offset + limit]
    else:
        hits = [SearchHit(row, 1.0) for row in repository.list(limit=limit, offset=offset)]
    do_record(
        session,
        actor,
        "person.search",
        "person",
        "*",
        purpose=purpose or "registry search",
        legal_basis=legal_basis or f"official duties ({actor.role})",
        details={"query": text, "results": len(hits)},
    )
    return hits


def person_summary(row: PersonRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "latin_name": row.latin_name,
        "birth_date": row.birth_date.isoformat() if row.birth_date else None,
        "citizenships": list(row.citizenships or []),
    }


def person_detail(row: PersonRow) -> dict[str, Any]:
    return person_summary(row) | {
        "sex": row.sex,
        "languages": list(row.languages or []),
        "immunity": row.immunity,
        "documents": [
            {
                "kind": d.kind,
                "number": d.number,
                "issuing_country": d.issuing_country,
                "issued_on": d.issued_on.isoformat() if d.issued_on else None,
                "expires_on": d.expires_on.isoformat() if d.expires_on else None,
            }
            for d in row.documents
        ],
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }
