"""Use cases of the protection module: Eurostat imports and statistics from the store, registrations
and decisions, the rights of each status, and the review queue of likely duplicate registrations.

Verbs (STYLE.md): ``check_*`` validates, ``do_*`` changes state and writes the audit entry in the
caller's transaction, ``access_*`` loads personal data after the permission, purpose and legal-basis
checks and records the read. The caller's session is the transaction: a use case that raises leaves
nothing behind (the kernel's ``Database.session`` rolls back).

- **Imports.** :func:`do_import_eurostat` reads the whole file with the module's readers first
  (format from the content, the dataset checked, any bad row raising a
  :class:`~qorgau.protection.domain.errors.DatasetError` that names the line), and only then writes:
  an import of the same dataset and vintage (the file's name) is replaced, the new one stored in the
  same transaction. A failed import therefore stores nothing and leaves the earlier one in place.
- **Statistics.** :func:`stats_from_store` gives exactly what ``qorgau protection stats`` gives for
  the file that was imported (the same domain function over the same observations, whole numbers
  kept whole); the dashboards' series come from :mod:`qorgau.protection.domain.series`.
- **Registrations.** :func:`do_register` validates the Temporary Protection Platform fields, links
  the registration to a person of the kernel registry (an existing one, or one it adds) and indexes
  every name for search in any script; :func:`do_decide` records a decision and moves the status;
  :func:`access_registration` reads one under a purpose and legal basis; :func:`status_rights_for`
  lists the Directive's rights of its status in ru, kk and en.
- **Review queue.** :func:`do_enqueue_duplicates` stores the clusters of ``qorgau protection dedupe
  --json`` as pending items (the same cluster twice is one item); :func:`do_review` confirms (the
  registrations become one person: every one is linked to the person of the earliest) or rejects.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qorgau.kernel.audit.service import check_purpose, do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission, check_scope
from qorgau.kernel.db import utcnow
from qorgau.kernel.people.domain.transliteration import name_query_key_sets, name_search_keys
from qorgau.kernel.people.service import do_add_person
from qorgau.kernel.people.store import PeopleRepository
from qorgau.protection.domain.burden_sharing import fair_share, parse_indicators_csv
from qorgau.protection.domain.errors import (
    DatasetError,
    DatasetNotFound,
    FormatError,
    ProtectionError,
    RegistrationInvalid,
    RegistrationNotFound,
    ReviewItemNotFound,
    StatisticsError,
)
from qorgau.protection.domain.observations import DATASETS, Number, Observation, summarise
from qorgau.protection.domain.registration import (
    ADULT_AGE,
    RegistrationInput,
    StatusRights,
    age_on,
    agreeing_fields,
    allowed_outcomes,
    check_clusters,
    check_decision,
    check_registration,
    check_registration_id,
    check_review_decision,
    protection_status,
)
from qorgau.protection.domain.series import SeriesPoint, by_citizenship, country_series, period_series
from qorgau.protection.domain.statistics import stats
from qorgau.protection.domain.temporary_protection import ProtectionEnd, tp_end
from qorgau.protection.eurostat import SHIPPED_POPULATION, read_observations_bytes, read_population
from qorgau.protection.permissions import (
    PROTECTION_REGISTRATIONS_READ,
    PROTECTION_REGISTRATIONS_WRITE,
    PROTECTION_REVIEW,
    PROTECTION_STATISTICS_IMPORT,
    PROTECTION_STATISTICS_READ,
)
from qorgau.protection.rules import activation, load_activations, load_keys, status_rights
from qorgau.protection.store import (
    DuplicateReviewRow,
    EurostatDatasetRow,
    ProtectionDecisionRow,
    ProtectionRegistrationRow,
    ProtectionRepository,
)

REGISTRATION = "protection_registration"
"""The object type of a registration in the audit log and for object scopes."""

DEDUPE_COLUMNS: tuple[str, ...] = (
    "id",
    "surname",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
    "document_number",
    "document_country",
    "registering_state",
    "registration_date",
)
"""The registrations CSV that ``qorgau protection dedupe`` reads (issue contract)."""

REVIEW_PURPOSE = "review of likely duplicate registrations"
REVIEW_LEGAL_BASIS = (
    "Directive 2001/55/EC art. 10; detection of multiple registrations (Temporary Protection Platform)"
)
EXPORT_PURPOSE = "duplicate detection across states"

FIELD_GROUPS: Mapping[str, tuple[str, ...]] = {
    "surname": ("surname", "surname_latin"),
    "given_names": ("given_names", "given_names_latin"),
    "birth_date": ("birth_date",),
    "sex": ("sex",),
    "nationality": ("nationality",),
    "document": ("document_number", "document_country"),
    "registration": ("registering_state", "registration_date"),
}
"""Which registration fields each field of the duplicate detection's agreements compares."""


# --- Eurostat imports and statistics ----------------------------------------------------------------


def do_import_eurostat(
    session: Session,
    actor: Principal,
    path: Path | str,
    dataset: str,
    *,
    vintage: str | None = None,
) -> dict[str, Any]:
    """Store the Eurostat file at ``path`` as ``dataset`` (one transaction; see the module docstring).

    ``vintage`` defaults to the file's name. Returns the import report: the dataset, file, format,
    vintage, the stored import's id, whether an earlier import of the vintage was replaced, and the
    counts of :func:`~qorgau.protection.domain.observations.summarise`. Raises
    :class:`~qorgau.protection.domain.errors.DatasetError` (nothing stored) on a bad file.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    return do_import_eurostat_bytes(
        session, actor, raw, dataset, source=str(path), vintage=vintage or path.name
    )


def do_import_eurostat_bytes(
    session: Session, actor: Principal, raw: bytes, dataset: str, *, source: str, vintage: str
) -> dict[str, Any]:
    """Like :func:`do_import_eurostat`, for content already read (an upload); ``source`` names it."""
    check_permission(actor, PROTECTION_STATISTICS_IMPORT)
    if dataset not in DATASETS:
        raise StatisticsError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    found, observations = read_observations_bytes(raw, dataset, source=source)
    return do_store_import(session, actor, dataset, observations, found=found, source=source, vintage=vintage)


def do_store_import(
    session: Session,
    actor: Principal,
    dataset: str,
    observations: Sequence[Observation],
    *,
    found: str,
    source: str,
    vintage: str,
) -> dict[str, Any]:
    """Store observations already read from a file as one import of ``dataset`` (one transaction).

    An earlier import of the same dataset and ``vintage`` is replaced. Returns the import report
    (see :func:`do_import_eurostat`).
    """
    check_permission(actor, PROTECTION_STATISTICS_IMPORT)
    if dataset not in DATASETS:
        raise StatisticsError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    foreign = next((o for o in observations if o.dataset != dataset), None)
    if foreign is not None:
        raise StatisticsError(f"observations of {foreign.dataset} cannot be stored as {dataset}")
    vintage = " ".join(vintage.split())[:255]
    if not vintage:
        raise RegistrationInvalid("vintage", "name the vintage (the source file's name)")
    counts = summarise(list(observations))
    repository = ProtectionRepository(session)
    previous = repository.dataset_by_vintage(dataset, vintage)
    replaced = previous.id if previous is not None else None
    if previous is not None:
        repository.delete_dataset(previous)
    row = repository.add_dataset(
        EurostatDatasetRow(
            code=dataset,
            vintage=vintage,
            format=found,
            imported_at=utcnow(),
            imported_by=actor.username,
            observations=len(observations),
            first_period=counts["first_period"],
            last_period=counts["last_period"],
        ),
        observations,
    )
    do_record(
        session,
        actor,
        "protection.dataset.import",
        "protection_dataset",
        row.id,
        details={
            "dataset": dataset,
            "vintage": vintage,
            "format": found,
            "observations": len(observations),
            "replaced": replaced,
        },
    )
    return {
        "dataset": dataset,
        "file": source,
        "vintage": vintage,
        "format": found,
        "dataset_id": row.id,
        "replaced": replaced,
        **counts,
        "stored": True,
    }


def dataset_summary(row: EurostatDatasetRow) -> dict[str, Any]:
    spec = DATASETS.get(row.code)
    return {
        "id": row.id,
        "dataset": row.code,
        "title": spec.title if spec else None,
        "kind": spec.kind if spec else None,
        "frequency": spec.frequency if spec else None,
        "vintage": row.vintage,
        "format": row.format,
        "imported_at": row.imported_at.isoformat(),
        "imported_by": row.imported_by,
        "observations": row.observations,
        "first_period": row.first_period,
        "last_period": row.last_period,
    }


def list_datasets(session: Session, actor: Principal) -> list[dict[str, Any]]:
    """Every stored import, by dataset code, newest first within a code."""
    check_permission(actor, PROTECTION_STATISTICS_READ)
    return [dataset_summary(row) for row in ProtectionRepository(session).datasets()]


def access_dataset(
    session: Session, actor: Principal, dataset: str, *, dataset_id: int | None = None
) -> EurostatDatasetRow:
    """The import to answer from: ``dataset_id`` if given (it must be of ``dataset``), else the newest
    import of ``dataset``; :class:`DatasetNotFound` when there is none."""
    check_permission(actor, PROTECTION_STATISTICS_READ)
    repository = ProtectionRepository(session)
    if dataset_id is not None:
        row = repository.dataset(dataset_id)
        if row is None or row.code != dataset:
            raise DatasetNotFound(f"no stored import {dataset_id} of {dataset}")
        return row
    if dataset not in DATASETS:
        raise StatisticsError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    row = repository.latest_dataset(dataset)
    if row is None:
        raise DatasetNotFound(f"no import of {dataset} is stored (qorgau protection import-eurostat)")
    return row


def stats_from_store(
    session: Session,
    actor: Principal,
    dataset: str,
    year: int,
    *,
    applicant: str | None = None,
    decision: str | None = None,
    per_million: bool = False,
    population: Mapping[str, Number] | None = None,
    top: int = 5,
    dataset_id: int | None = None,
) -> dict[str, Any]:
    """``qorgau protection stats`` over a stored import (the newest of ``dataset`` by default).

    The document is the file-based command's, plus ``import`` (the stored import it came from).
    ``per_million`` uses the shipped population table unless ``population`` is given.
    """
    row = access_dataset(session, actor, dataset, dataset_id=dataset_id)
    observations = ProtectionRepository(session).observations(row)
    if per_million and population is None:
        population = read_population(SHIPPED_POPULATION, year)
    result = stats(observations, dataset, applicant, year, decision=decision, population=population, top=top)
    result["import"] = dataset_summary(row)
    return result


@dataclass(frozen=True)
class DatasetSeries:
    """A stored import's figures over time and by country, for a chart and the table beside it."""

    dataset: dict[str, Any]
    points: list[SeriesPoint]
    countries: dict[str, dict[str, Number | None]]


def series_from_store(
    session: Session,
    actor: Principal,
    dataset: str,
    *,
    applicant: str | None = None,
    decision: str | None = None,
) -> DatasetSeries | None:
    """The newest import of ``dataset`` as a series per period and per country; ``None`` if none stored."""
    try:
        row = access_dataset(session, actor, dataset)
    except DatasetNotFound:
        return None
    observations = ProtectionRepository(session).observations(row)
    return DatasetSeries(
        dataset_summary(row),
        period_series(observations, dataset, applicant, decision=decision),
        country_series(observations, dataset, applicant, decision=decision),
    )


def citizenship_from_store(
    session: Session, actor: Principal, dataset: str, year: int, *, applicant: str | None = None
) -> dict[str, Number]:
    """Each citizenship's figure in ``year`` at the EU row of the newest import (empty if none)."""
    try:
        row = access_dataset(session, actor, dataset)
    except DatasetNotFound:
        return {}
    return by_citizenship(ProtectionRepository(session).observations(row), dataset, year, applicant)


@dataclass(frozen=True)
class ApplicationsOverview:
    """What the dashboard shows of the asylum applicants: the series over years, one year's figures
    (``stats``, with rates per million where the shipped population table has the year) and the
    citizenships of that year — all from one read of the newest import."""

    dataset: dict[str, Any]
    points: list[SeriesPoint]
    year: int
    stats: dict[str, Any]
    citizens: dict[str, Number]
    notes: list[str]


def applications_overview(
    session: Session,
    actor: Principal,
    applicant: str,
    year: int | None = None,
    *,
    dataset: str = "migr_asyappctza",
) -> ApplicationsOverview | None:
    """The applicants dashboard for ``year`` (default: the latest year with figures); ``None`` when
    no import of ``dataset`` is stored or it has no figure for ``applicant``.

    A year the data cannot answer gives ``stats == {"error": reason}``.
    """
    try:
        row = access_dataset(session, actor, dataset)
    except DatasetNotFound:
        return None
    observations = ProtectionRepository(session).observations(row)
    points = period_series(observations, dataset, applicant)
    if not points:
        return None
    chosen = year if year is not None else max(int(point.period[:4]) for point in points)
    notes: list[str] = []
    try:
        population: Mapping[str, Number] | None = read_population(SHIPPED_POPULATION, chosen)
    except DatasetError:
        population = None
        notes.append("no_population")
    try:
        figures = stats(observations, dataset, applicant, chosen, population=population, top=10)
    except ProtectionError as exc:
        figures = {"error": str(exc)}
    return ApplicationsOverview(
        dataset_summary(row),
        points,
        chosen,
        figures,
        by_citizenship(observations, dataset, chosen, applicant),
        notes,
    )


# --- law: temporary-protection end dates, burden sharing ------------------------------------------------


def tp_end_answer(actor: Principal, activation_key: str, on: dt.date) -> ProtectionEnd:
    """When protection under ``activation_key`` ends as things stood on ``on`` (``tp-end``)."""
    check_permission(actor, PROTECTION_STATISTICS_READ)
    return tp_end(activation(activation_key), on)


def fair_share_answer(actor: Principal, csv_text: str, key: str, total: int | None = None) -> dict[str, Any]:
    """``fair-share`` over an indicators CSV; raises ``BurdenSharingError`` naming the line."""
    check_permission(actor, PROTECTION_STATISTICS_READ)
    keys = load_keys()
    if key not in keys:
        raise RegistrationInvalid("key", f"one of {', '.join(keys)}")
    states = parse_indicators_csv(csv_text)
    result = fair_share(states, keys[key], total)
    if "gap" in result:
        result["actual"] = {state.geo: state.actual for state in states}
    return result


# --- registrations ---------------------------------------------------------------------------------


def activation_starts() -> dict[str, dt.date]:
    """Each activation of the Directive with the day it began (from ``rules/temporary_protection.yaml``)."""
    return {key: item.started for key, item in load_activations().items()}


def check_new_registration(data: Mapping[str, Any], *, today: dt.date | None = None) -> RegistrationInput:
    return check_registration(data, activations=activation_starts(), today=today or dt.date.today())


def do_register(
    session: Session, actor: Principal, data: Mapping[str, Any], *, today: dt.date | None = None
) -> ProtectionRegistrationRow:
    """Validate and store a registration, linked to a person of the kernel registry.

    With ``person_id`` the person must exist; without it a person is added from the registration
    (names, birth date, sex, citizenship, document). An accompanying adult must be a stored
    registration. Raises :class:`RegistrationInvalid` naming the field.
    """
    check_permission(actor, PROTECTION_REGISTRATIONS_WRITE)
    record = check_new_registration(data, today=today)
    repository = ProtectionRepository(session)
    if record.accompanying_adult_id is not None:
        adult = repository.registration(record.accompanying_adult_id)
        if adult is None:
            raise RegistrationInvalid("accompanying_adult_id", "no registration with that id")
        if age_on(adult.birth_date, record.registration_date) < ADULT_AGE:
            raise RegistrationInvalid("accompanying_adult_id", "the accompanying person is a minor")
    person_id = record.person_id
    if person_id is not None:
        if PeopleRepository(session).get(person_id) is None:
            raise RegistrationInvalid("person_id", "no person with that id in the registry")
    else:
        person_id = _add_person(session, actor, record)
    registration_id = check_registration_id(data.get("id")) or str(uuid.uuid4())
    if repository.registration(registration_id) is not None:
        raise RegistrationInvalid("id", f"registration {registration_id} exists already")
    document = record.document
    row = ProtectionRegistrationRow(
        id=registration_id,
        kind=record.kind,
        status="registered",
        person_id=person_id,
        surname=record.surname,
        given_names=record.given_names,
        surname_latin=record.surname_latin,
        given_names_latin=record.given_names_latin,
        earlier_names=list(record.earlier_names),
        aliases=list(record.aliases),
        birth_date=record.birth_date,
        birth_place=record.birth_place,
        nationality=record.nationality,
        nationality_type=record.nationality_type,
        sex=record.sex,
        document_kind=document.kind if document else None,
        document_number=document.number if document else None,
        document_country=document.issuing_country if document else None,
        document_issued_on=document.issued_on if document else None,
        document_expires_on=document.expires_on if document else None,
        activation=record.activation,
        registering_state=record.registering_state,
        registration_date=record.registration_date,
        accompanying_adult_id=record.accompanying_adult_id,
        relation_to_adult=record.relation_to_adult,
        unaccompanied=record.unaccompanied,
        created_at=utcnow(),
        created_by=actor.username,
    )
    repository.add_registration(row, registration_keys(row))
    do_record(
        session,
        actor,
        "protection.registration.create",
        REGISTRATION,
        row.id,
        details={
            "kind": row.kind,
            "registering_state": row.registering_state,
            "registration_date": row.registration_date.isoformat(),
            "person_id": person_id,
        },
    )
    return row


def _add_person(session: Session, actor: Principal, record: RegistrationInput) -> str:
    documents = []
    if record.document is not None:
        documents.append(
            {
                "kind": record.document.kind,
                "number": record.document.number,
                "issuing_country": record.document.issuing_country,
                "issued_on": record.document.issued_on,
                "expires_on": record.document.expires_on,
            }
        )
    person = do_add_person(
        session,
        actor,
        {
            "name": record.full_name,
            "latin_name": record.full_latin_name or None,
            "birth_date": record.birth_date,
            "sex": record.sex if record.sex in ("F", "M") else None,
            "citizenships": [record.nationality] if record.nationality else [],
            "documents": documents,
        },
    )
    return person.id


def registration_keys(row: ProtectionRegistrationRow) -> set[str]:
    """The phonetic keys of every name of a registration (original, Latin, earlier, aliases)."""
    keys: set[str] = set()
    for name in (row.full_name, row.full_latin_name, *row.earlier_names, *row.aliases):
        keys |= name_search_keys(name)
    return keys


def access_registration(
    session: Session,
    actor: Principal,
    registration_id: str,
    *,
    purpose: str | None,
    legal_basis: str | None,
) -> ProtectionRegistrationRow:
    """Load a registration for reading: permission, purpose and basis checked, the read audited."""
    check_permission(actor, PROTECTION_REGISTRATIONS_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    row = ProtectionRepository(session).registration(registration_id)
    if row is None:
        raise RegistrationNotFound(registration_id)
    check_scope(session, actor, REGISTRATION, row.id)
    do_record(
        session,
        actor,
        "protection.registration.read",
        REGISTRATION,
        row.id,
        purpose=purpose,
        legal_basis=legal_basis,
    )
    return row


def search_registrations(
    session: Session,
    actor: Principal,
    query: str | None = None,
    *,
    registering_state: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    purpose: str | None = None,
    legal_basis: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ProtectionRegistrationRow]:
    """Registrations whose names match every word of ``query`` in any script (newest first).

    Without a query: all registrations page by page. Audited with the query and the number of
    results; the purpose and basis default to a register search under the officer's duties (the
    list shows names and dates; the full record is read with :func:`access_registration`).
    """
    check_permission(actor, PROTECTION_REGISTRATIONS_READ)
    text = " ".join((query or "").split())
    key_sets = name_query_key_sets(text) if text else []
    if text and not key_sets:
        rows: list[ProtectionRegistrationRow] = []
    else:
        rows = ProtectionRepository(session).search_registrations(
            key_sets,
            registering_state=(registering_state or "").upper() or None,
            kind=kind or None,
            status=status or None,
            limit=limit,
            offset=offset,
        )
    do_record(
        session,
        actor,
        "protection.registration.search",
        REGISTRATION,
        "*",
        purpose=purpose or "register search",
        legal_basis=legal_basis or f"official duties ({actor.role})",
        details={"query": text, "registering_state": registering_state, "kind": kind, "results": len(rows)},
    )
    return rows


def do_decide(
    session: Session,
    actor: Principal,
    registration_id: str,
    data: Mapping[str, Any],
    *,
    today: dt.date | None = None,
) -> ProtectionDecisionRow:
    """Record a decision and move the registration's status; :class:`DecisionInvalid` naming the field."""
    check_permission(actor, PROTECTION_REGISTRATIONS_WRITE)
    row = ProtectionRepository(session).registration(registration_id)
    if row is None:
        raise RegistrationNotFound(registration_id)
    check_scope(session, actor, REGISTRATION, row.id)
    decision = check_decision(
        row.kind, row.status, row.registration_date, data, today=today or dt.date.today()
    )
    previous = row.status
    decided = ProtectionDecisionRow(
        outcome=decision.outcome,
        decided_on=decision.decided_on,
        legal_basis=decision.legal_basis,
        reasons=decision.reasons,
        decided_by=actor.username,
        created_at=utcnow(),
    )
    row.decisions.append(decided)
    row.status = decision.outcome
    session.flush()
    do_record(
        session,
        actor,
        "protection.registration.decide",
        REGISTRATION,
        row.id,
        legal_basis=decision.legal_basis,
        details={
            "from": previous,
            "outcome": decision.outcome,
            "decided_on": decision.decided_on.isoformat(),
        },
    )
    return decided


def status_rights_for(row: ProtectionRegistrationRow) -> StatusRights:
    """The rights of the registration's protection status (Directive 2001/55/EC articles)."""
    return status_rights(protection_status(row.kind, row.status))


def next_outcomes(row: ProtectionRegistrationRow) -> tuple[str, ...]:
    return allowed_outcomes(row.kind, row.status)


def registration_summary(row: ProtectionRegistrationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "name": row.full_name,
        "latin_name": row.full_latin_name,
        "birth_date": row.birth_date.isoformat(),
        "nationality": row.nationality,
        "registering_state": row.registering_state,
        "registration_date": row.registration_date.isoformat(),
    }


def registration_detail(row: ProtectionRegistrationRow) -> dict[str, Any]:
    """Every field of a registration, its decisions, and the rights of its status."""
    rights = status_rights_for(row)
    return registration_summary(row) | {
        "person_id": row.person_id,
        "surname": row.surname,
        "given_names": row.given_names,
        "surname_latin": row.surname_latin,
        "given_names_latin": row.given_names_latin,
        "earlier_names": list(row.earlier_names),
        "aliases": list(row.aliases),
        "birth_place": row.birth_place,
        "nationality_type": row.nationality_type,
        "sex": row.sex,
        "document": None
        if row.document_number is None
        else {
            "kind": row.document_kind,
            "number": row.document_number,
            "issuing_country": row.document_country,
            "issued_on": row.document_issued_on.isoformat() if row.document_issued_on else None,
            "expires_on": row.document_expires_on.isoformat() if row.document_expires_on else None,
        },
        "activation": row.activation,
        "accompanying_adult_id": row.accompanying_adult_id,
        "relation_to_adult": row.relation_to_adult,
        "unaccompanied": row.unaccompanied,
        "decisions": [
            {
                "outcome": d.outcome,
                "decided_on": d.decided_on.isoformat(),
                "legal_basis": d.legal_basis,
                "reasons": d.reasons,
                "decided_by": d.decided_by,
            }
            for d in row.decisions
        ],
        "next_outcomes": list(next_outcomes(row)),
        "protection_status": rights.status,
        "rights": rights.to_dict(),
    }


def registrations_csv(
    session: Session,
    actor: Principal,
    *,
    purpose: str = EXPORT_PURPOSE,
    legal_basis: str | None = REVIEW_LEGAL_BASIS,
) -> str:
    """Every registration as the CSV that ``qorgau protection dedupe`` reads (:data:`DEDUPE_COLUMNS`).

    A bulk read of personal data: the purpose and basis are checked and the export is audited.
    """
    check_permission(actor, PROTECTION_REGISTRATIONS_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    rows = ProtectionRepository(session).all_registrations()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DEDUPE_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.surname,
                row.given_names,
                row.birth_date.isoformat(),
                row.sex or "",
                row.nationality or ("STLS" if row.nationality_type == "stateless" else ""),
                row.document_number or "",
                row.document_country or "",
                row.registering_state,
                row.registration_date.isoformat(),
            ]
        )
    do_record(
        session,
        actor,
        "protection.registration.export",
        REGISTRATION,
        "*",
        purpose=purpose,
        legal_basis=legal_basis,
        details={"registrations": len(rows), "columns": list(DEDUPE_COLUMNS)},
    )
    return buffer.getvalue()


# --- the review queue ------------------------------------------------------------------------------


def cluster_fingerprint(ids: Sequence[str]) -> str:
    """The same string for the same set of registrations, whatever their order."""
    return hashlib.sha256("\x1f".join(sorted(ids)).encode("utf-8")).hexdigest()


def do_enqueue_duplicates(
    session: Session, actor: Principal, document: Any, *, source: str = "dedupe"
) -> dict[str, Any]:
    """Store the clusters of a ``dedupe --json`` document as pending review items.

    ``document`` is ``{"clusters": [{"ids": [...], "probability": p, "agreements": {...}}], ...}``.
    A cluster already queued (the same set of ids, whatever its status) is not queued again.
    Returns ``{"added": N, "already_queued": N, "items": [ids of the new items]}``; raises
    :class:`~qorgau.protection.domain.errors.ReviewInvalid` naming the field of a malformed document.
    """
    check_permission(actor, PROTECTION_REVIEW)
    clusters = check_clusters(document)
    repository = ProtectionRepository(session)
    added: list[int] = []
    already = 0
    seen: set[str] = set()
    for cluster in clusters:
        fingerprint = cluster_fingerprint(cluster.ids)
        if fingerprint in seen or repository.review_item_by_fingerprint(fingerprint) is not None:
            already += 1
            continue
        seen.add(fingerprint)
        item = DuplicateReviewRow(
            fingerprint=fingerprint,
            registration_ids=list(cluster.ids),
            probability=cluster.probability,
            agreements=dict(cluster.agreements),
            status="pending",
            source=" ".join(source.split())[:100] or "dedupe",
            created_at=utcnow(),
        )
        session.add(item)
        session.flush()
        added.append(item.id)
    do_record(
        session,
        actor,
        "protection.review.enqueue",
        "protection_review_item",
        "*",
        details={"clusters": len(clusters), "added": added, "already_queued": already, "source": source},
    )
    return {"added": len(added), "already_queued": already, "items": added}


def review_queue(
    session: Session, actor: Principal, status: str | None = "pending", *, limit: int = 100, offset: int = 0
) -> list[DuplicateReviewRow]:
    """Review items of ``status`` (``None``: all), the most probable duplicates first."""
    check_permission(actor, PROTECTION_REVIEW)
    return ProtectionRepository(session).review_items(status, limit=limit, offset=offset)


def review_counts(session: Session, actor: Principal) -> dict[str, int]:
    check_permission(actor, PROTECTION_REVIEW)
    repository = ProtectionRepository(session)
    return {status: repository.count_review_items(status) for status in ("pending", "confirmed", "rejected")}


@dataclass(frozen=True)
class ReviewView:
    """A review item with its registrations side by side and the fields that agree."""

    item: DuplicateReviewRow
    registrations: list[ProtectionRegistrationRow]
    missing: list[str]
    rows: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return review_item_summary(self.item) | {
            "registrations": [registration_detail(row) for row in self.registrations],
            "not_registered_here": self.missing,
            "fields": self.rows,
        }


def review_item_summary(item: DuplicateReviewRow) -> dict[str, Any]:
    return {
        "id": item.id,
        "registration_ids": list(item.registration_ids),
        "probability": item.probability,
        "agreements": dict(item.agreements),
        "agreeing_fields": agreeing_fields(item.agreements),
        "status": item.status,
        "source": item.source,
        "created_at": item.created_at.isoformat(),
        "reviewer": item.reviewer,
        "reviewed_at": item.reviewed_at.isoformat() if item.reviewed_at else None,
        "note": item.note,
    }


def access_review_item(
    session: Session,
    actor: Principal,
    item_id: int,
    *,
    purpose: str | None = None,
    legal_basis: str | None = None,
) -> ReviewView:
    """A review item with its registrations side by side (a read of personal data, audited).

    The purpose and basis default to the review duty (:data:`REVIEW_PURPOSE`,
    :data:`REVIEW_LEGAL_BASIS`); every registration shown is recorded as read.
    """
    check_permission(actor, PROTECTION_REVIEW)
    purpose, legal_basis = check_purpose(purpose or REVIEW_PURPOSE, legal_basis or REVIEW_LEGAL_BASIS)
    repository = ProtectionRepository(session)
    item = repository.review_item(item_id)
    if item is None:
        raise ReviewItemNotFound(str(item_id))
    found = repository.registrations_by_id(item.registration_ids)
    registrations = [found[identifier] for identifier in item.registration_ids if identifier in found]
    for row in registrations:
        check_scope(session, actor, REGISTRATION, row.id)
        do_record(
            session,
            actor,
            "protection.registration.read",
            REGISTRATION,
            row.id,
            purpose=purpose,
            legal_basis=legal_basis,
            details={"review_item": item.id},
        )
    missing = [identifier for identifier in item.registration_ids if identifier not in found]
    return ReviewView(item, registrations, missing, compare_fields(item.agreements, registrations))


def compare_fields(
    agreements: Mapping[str, str], registrations: Sequence[ProtectionRegistrationRow]
) -> list[dict[str, Any]]:
    """One row per compared field: the values side by side, the agreement label, whether it agrees.

    The label comes from the duplicate detection where it compared the field; a field it did not
    compare agrees when every registration holds the same non-empty value.
    """
    rows = []
    agreeing = set(agreeing_fields(agreements))
    for group, fields in FIELD_GROUPS.items():
        for name in fields:
            values = [_display(getattr(row, name)) for row in registrations]
            label = agreements.get(group)
            if label is None:
                agrees = len(registrations) > 1 and len(set(values)) == 1 and values[0] != ""
                label = "same" if agrees else ("different" if len(set(values)) > 1 else "missing")
            else:
                agrees = group in agreeing
            rows.append({"field": name, "group": group, "values": values, "label": label, "agrees": agrees})
    return rows


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def do_review(
    session: Session,
    actor: Principal,
    item_id: int,
    decision: str,
    *,
    note: str | None = None,
) -> DuplicateReviewRow:
    """Confirm or reject a pending item; a confirmed cluster becomes one person.

    On confirmation every registration of the cluster found in the register is linked to the person
    of the earliest registration (by registration date) that has one; the previous links are kept
    in the audit entry. Raises :class:`ReviewInvalid` for a decision other than ``confirmed`` or
    ``rejected``, or an item no longer pending; :class:`ReviewItemNotFound` for an unknown item.
    """
    check_permission(actor, PROTECTION_REVIEW)
    repository = ProtectionRepository(session)
    item = repository.review_item(item_id)
    if item is None:
        raise ReviewItemNotFound(str(item_id))
    chosen = check_review_decision(item.status, decision)
    text = " ".join((note or "").split()) or None
    if text and len(text) > 2000:
        raise RegistrationInvalid("note", "at most 2000 characters")
    linked: dict[str, str | None] = {}
    person: str | None = None
    if chosen == "confirmed":
        found = repository.registrations_by_id(item.registration_ids)
        ordered = sorted(found.values(), key=lambda row: (row.registration_date, row.id))
        person = next((row.person_id for row in ordered if row.person_id), None)
        if person is not None:
            for row in ordered:
                check_scope(session, actor, REGISTRATION, row.id)
                if row.person_id != person:
                    linked[row.id] = row.person_id
                    row.person_id = person
    item.status = chosen
    item.reviewer = actor.username
    item.reviewed_at = utcnow()
    item.note = text
    session.flush()
    do_record(
        session,
        actor,
        "protection.review.decide",
        "protection_review_item",
        item.id,
        details={
            "decision": chosen,
            "registrations": list(item.registration_ids),
            "person_id": person,
            "relinked_from": linked,
        },
    )
    return item
