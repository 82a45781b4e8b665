"""Use cases of the foreigners module: records per person, timeline, assessment, worklists.

Every change goes through the domain first: the person's stored records plus the new one are parsed
as one :class:`~qorgau.foreigners.domain.facts.AssessmentRequest`, so the same errors that the
``assess`` command gives (an exit before its entry, overlapping stays, an unknown country or status)
reject a record here, rewritten to name stored records by number (``crossing #12 (2026-06-01 –
2026-07-20)``) and the new one as "the new crossing". A change is stored with its audit entry in the
caller's transaction, and the person's stay index (``first_unlawful_day`` of each stay, see
:mod:`~qorgau.foreigners.domain.stay_index`) is recomputed, so the overstay list is a stored query.

Reads of a person's records state a purpose and a legal basis (:func:`check_purpose`) and are
audited; the worklists (:func:`due_today`, :func:`overstays`) are the migration officer's duty and
are audited with the count they returned.

Status: the status history holds the status from each ``valid_from``; the first row also covers
the time before it. A person met for the first time gets a presumed status (``citizen`` for a
citizen of Kazakhstan, ``stateless`` without citizenship, otherwise ``visitor``), recorded as such.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from qorgau.foreigners.domain.assessment import Assessment, assess
from qorgau.foreigners.domain.errors import InvalidInputError
from qorgau.foreigners.domain.facts import (
    AssessmentRequest,
    Permit,
    PermitKind,
    PersonFacts,
    Status,
    parse_crossings,
    parse_date,
)
from qorgau.foreigners.domain.participants import ParticipantRequirements, participant_requirements
from qorgau.foreigners.domain.registration import assess_registration
from qorgau.foreigners.domain.stay import assess_stay
from qorgau.foreigners.domain.stay_index import first_unlawful_days, index_person
from qorgau.foreigners.permissions import (
    FOREIGNERS_READ,
    FOREIGNERS_WORKLIST,
    FOREIGNERS_WRITE,
)
from qorgau.foreigners.rules import default_rulebook
from qorgau.foreigners.store import (
    AddressChangeRow,
    BorderCrossingRow,
    ForeignerPermitRow,
    ForeignerRow,
    ForeignersRepository,
    ForeignerStatusRow,
    HostNotificationRow,
    Records,
    StayRegistrationRow,
)
from qorgau.kernel.audit.service import check_purpose, do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission
from qorgau.kernel.people.store import PeopleRepository, PersonRow

WORKLIST_PURPOSE = "migration control worklist"
WORKLIST_BASIS = "Law No. 477-IV 'On migration of population' (duties of the migration service)"

RECORD_KINDS = ("crossings", "registrations", "address_changes", "host_notifications", "permits")
_RECORD_NAME = {
    "crossings": "crossing",
    "registrations": "registration",
    "address_changes": "address change",
    "host_notifications": "host notification",
    "permits": "permit",
}
_RECORD_PATH = re.compile(r"\b(crossings|registrations|address_changes|host_notifications|permits)\[(\d+)\]")


class ForeignerNotFound(LookupError):
    """No person with this id in the people registry (or no such record of the person)."""


class RecordRejected(InvalidInputError):
    """A record contradicts the rules or the person's other records.

    ``field`` names the field of the submitted record at fault (``exit``, ``entry``, ``status``,
    ``valid_until``, ``citizenships[0]`` …) so HTTP answers 422 naming it; the message names the
    records involved.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__("", message)
        self.field = field


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class StayRecord:
    """A stored stay with what the index says of it."""

    row: BorderCrossingRow

    @property
    def last_lawful_day(self) -> dt.date | None:
        day = self.row.first_unlawful_day
        if day is None or day <= self.row.entry:
            return None
        return day - dt.timedelta(days=1)

    @property
    def lawful_from_entry(self) -> bool:
        day = self.row.first_unlawful_day
        return day is None or day > self.row.entry

    def overstayed(self, on: dt.date) -> bool:
        """Whether the stay ran past its last lawful day by ``on`` (its exit, if earlier)."""
        day = self.row.first_unlawful_day
        if day is None:
            return False
        last = on if self.row.exit is None or self.row.exit > on else self.row.exit
        return day <= last


@dataclass(frozen=True)
class Timeline:
    """A person's records in date order, the status in force and the assessment on ``on``."""

    on: dt.date
    person: PersonRow
    known: bool  # the migration service has records of the person
    status: Status
    status_presumed: bool
    records: Records | None
    assessment: Assessment

    @property
    def stays(self) -> list[StayRecord]:
        return [StayRecord(row) for row in (self.records.crossings if self.records else [])]

    def to_dict(self) -> dict[str, Any]:
        records = self.records
        return {
            "date": self.on.isoformat(),
            "person": _person_summary(self.person),
            "known": self.known,
            "status": self.status.value,
            "status_presumed": self.status_presumed,
            "statuses": [
                {"id": s.id, "status": s.status, "valid_from": s.valid_from.isoformat(), "note": s.note}
                for s in (records.statuses if records else [])
            ],
            "crossings": [crossing_dict(stay.row) for stay in self.stays],
            "host_notifications": [
                {
                    "id": n.id,
                    "date": n.notified_on.isoformat(),
                    "host_name": n.host_name,
                    "address": n.address,
                }
                for n in (records.host_notifications if records else [])
            ],
            "registrations": [
                {
                    "id": r.id,
                    "date": r.registered_on.isoformat(),
                    "address": r.address,
                    "confirmed": r.confirmed,
                }
                for r in (records.registrations if records else [])
            ],
            "address_changes": [
                {"id": c.id, "date": c.changed_on.isoformat(), "address": c.address}
                for c in (records.address_changes if records else [])
            ],
            "permits": [permit_dict(p) for p in (records.permits if records else [])],
            "assessment": self.assessment.to_dict(),
        }


@dataclass(frozen=True)
class DueItem:
    """A registration duty due today or already late on the date of the worklist."""

    person_id: str
    name: str
    latin_name: str
    citizenships: list[str]
    kind: str  # registration | host_notification | self_registration | re_registration
    performed_by: str  # foreigner | host
    due: dt.date
    status: str  # due | late
    entry: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "latin_name": self.latin_name,
            "citizenships": self.citizenships,
            "kind": self.kind,
            "performed_by": self.performed_by,
            "due": self.due.isoformat(),
            "status": self.status,
            "entry": self.entry.isoformat(),
        }


@dataclass(frozen=True)
class Overstay:
    """A person in the country past the last lawful day of the current stay."""

    person_id: str
    name: str
    latin_name: str
    birth_date: dt.date | None
    citizenships: list[str]
    status: str
    entry: dt.date
    entry_border_point: str | None
    last_lawful_day: dt.date | None  # None: not one day of the stay was lawful
    days_over: int
    crossing_id: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "latin_name": self.latin_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "citizenships": self.citizenships,
            "status": self.status,
            "entry": self.entry.isoformat(),
            "entry_border_point": self.entry_border_point,
            "last_lawful_day": self.last_lawful_day.isoformat() if self.last_lawful_day else None,
            "days_over": self.days_over,
            "crossing_id": self.crossing_id,
        }


# ------------------------------------------------------------------------------------ writes


def do_add_crossing(
    session: Session, actor: Principal, person_id: str, data: Mapping[str, Any]
) -> BorderCrossingRow:
    """Record a stay: ``{"entry", "exit"?, "entry_border_point"?, "exit_border_point"?}``."""
    change = _Change(session, actor, person_id, first_day=_peek_date(data, "entry"))
    entry = _required_date(data, "entry")
    exit_day = _date(data, "exit")
    same_day = next((c for c in change.records.crossings if c.entry == entry), None)
    if same_day is not None:  # one stay begins on a day (the store keys stays by person and entry)
        raise RecordRejected(
            "entry",
            f"the new crossing: crossing #{same_day.id}{_span('crossings', same_day)} begins on the same day",
        )
    row = BorderCrossingRow(
        foreigner_id=change.foreigner.id,
        entry=entry,
        exit=exit_day,
        entry_border_point=_text(data, "entry_border_point", 120),
        exit_border_point=_text(data, "exit_border_point", 120),
        source=str(data.get("source") or "manual"),
    )
    change.check(crossings=[*change.records.crossings, row], new=("crossings", row))
    change.store(row, "foreigners.crossing.add", {"entry": entry, "exit": exit_day})
    return row


def do_record_exit(
    session: Session,
    actor: Principal,
    person_id: str,
    crossing_id: int,
    data: Mapping[str, Any],
) -> BorderCrossingRow:
    """Close an open stay: ``{"exit", "exit_border_point"?}``."""
    change = _Change(session, actor, person_id)
    row = next((c for c in change.records.crossings if c.id == crossing_id), None)
    if row is None:
        raise ForeignerNotFound(f"crossing {crossing_id} of person {person_id}")
    exit_day = _required_date(data, "exit")
    if row.exit is not None:
        raise RecordRejected("exit", f"crossing #{row.id} already has an exit ({row.exit.isoformat()})")
    candidate = BorderCrossingRow(id=row.id, foreigner_id=row.foreigner_id, entry=row.entry, exit=exit_day)
    others = [c for c in change.records.crossings if c.id != row.id]
    change.check(crossings=[*others, candidate], new=("crossings", candidate))
    row.exit = exit_day
    row.exit_border_point = _text(data, "exit_border_point", 120)
    change.store(None, "foreigners.crossing.exit", {"crossing": row.id, "exit": exit_day})
    return row


def do_add_host_notification(
    session: Session, actor: Principal, person_id: str, data: Mapping[str, Any]
) -> HostNotificationRow:
    """Record a host's notice of a stay: ``{"date", "host_name"?, "address"?}``."""
    change = _Change(session, actor, person_id, first_day=_peek_date(data, "date"))
    row = HostNotificationRow(
        foreigner_id=change.foreigner.id,
        notified_on=_required_date(data, "date"),
        host_name=_text(data, "host_name", 300),
        address=_text(data, "address", 2000),
    )
    change.check(
        host_notifications=[*change.records.host_notifications, row], new=("host_notifications", row)
    )
    change.store(row, "foreigners.host_notification.add", {"date": row.notified_on})
    return row


def do_add_registration(
    session: Session, actor: Principal, person_id: str, data: Mapping[str, Any]
) -> StayRegistrationRow:
    """Record a registration of the stay: ``{"date", "address"?, "confirmed"?}``."""
    change = _Change(session, actor, person_id, first_day=_peek_date(data, "date"))
    confirmed = data.get("confirmed")
    if confirmed is not None and not isinstance(confirmed, bool):
        raise RecordRejected("confirmed", "the new registration: confirmed must be true or false")
    row = StayRegistrationRow(
        foreigner_id=change.foreigner.id,
        registered_on=_required_date(data, "date"),
        address=_text(data, "address", 2000),
        confirmed=confirmed,
    )
    change.check(registrations=[*change.records.registrations, row], new=("registrations", row))
    change.store(row, "foreigners.registration.add", {"date": row.registered_on, "address": row.address})
    return row


def do_add_address_change(
    session: Session, actor: Principal, person_id: str, data: Mapping[str, Any]
) -> AddressChangeRow:
    """Record a change of the address of stay: ``{"date", "address"?}``."""
    change = _Change(session, actor, person_id, first_day=_peek_date(data, "date"))
    row = AddressChangeRow(
        foreigner_id=change.foreigner.id,
        changed_on=_required_date(data, "date"),
        address=_text(data, "address", 2000),
    )
    change.check(address_changes=[*change.records.address_changes, row], new=("address_changes", row))
    change.store(row, "foreigners.address_change.add", {"date": row.changed_on, "address": row.address})
    return row


def do_add_permit(
    session: Session, actor: Principal, person_id: str, data: Mapping[str, Any]
) -> ForeignerPermitRow:
    """Record a visa or a residence permit: ``{"kind", "valid_from", "valid_until"?, "ground"?,
    "number"?, "category"?}`` (``kind``: visa, temporary_residence, permanent_residence; ``ground``
    of a temporary residence permit: art. 6-1 of the migration law)."""
    change = _Change(session, actor, person_id, first_day=_peek_date(data, "valid_from"))
    row = ForeignerPermitRow(
        foreigner_id=change.foreigner.id,
        kind=str(data.get("kind") or "").strip(),
        number=_text(data, "number", 60),
        category=_text(data, "category", 60),
        ground=_text(data, "ground", 40),
        valid_from=_required_date(data, "valid_from"),
        valid_until=_date(data, "valid_until"),
    )
    change.check(permits=[*change.records.permits, row], new=("permits", row))
    change.store(
        row,
        "foreigners.permit.add",
        {
            "kind": row.kind,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until,
            "ground": row.ground,
        },
    )
    return row


def do_set_status(
    session: Session, actor: Principal, person_id: str, data: Mapping[str, Any]
) -> ForeignerStatusRow:
    """Record a status from a date: ``{"status", "valid_from", "note"?}``; checked against the
    person's citizenships (a stateless person has none; a citizen of Kazakhstan is ``citizen``)."""
    change = _Change(session, actor, person_id, first_day=_peek_date(data, "valid_from"), presume=False)
    raw_status = str(data.get("status") or "").strip()
    row = ForeignerStatusRow(
        foreigner_id=change.foreigner.id,
        status=raw_status,
        valid_from=_required_date(data, "valid_from"),
        note=_text(data, "note", 2000),
    )
    change.check_status(raw_status)
    change.store(row, "foreigners.status.set", {"status": row.status, "valid_from": row.valid_from})
    return row


# ------------------------------------------------------------------------------------ reads


def timeline(
    session: Session,
    actor: Principal,
    person_id: str,
    *,
    purpose: str | None,
    legal_basis: str | None,
    on: dt.date | None = None,
) -> Timeline:
    """A person's records and the assessment on ``on`` (today by default); the read is audited."""
    check_permission(actor, FOREIGNERS_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    day = on or dt.date.today()
    person, foreigner, records = _load(session, person_id)
    status, presumed = _status(records, person, day)
    assessment = assess(_request(person, records, status, day))
    do_record(
        session,
        actor,
        "foreigners.timeline.read",
        "person",
        person_id,
        purpose=purpose,
        legal_basis=legal_basis,
        details={"date": day.isoformat()},
    )
    return Timeline(
        on=day,
        person=person,
        known=foreigner is not None,
        status=status,
        status_presumed=presumed,
        records=records,
        assessment=assessment,
    )


def assess_person(
    session: Session,
    actor: Principal,
    person_id: str,
    on: dt.date,
    *,
    purpose: str | None,
    legal_basis: str | None,
) -> Assessment:
    """The domain's assessment (stay, registration, rights) of a person's stored records on ``on``."""
    check_permission(actor, FOREIGNERS_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    person, _foreigner, records = _load(session, person_id)
    status, _presumed = _status(records, person, on)
    result = assess(_request(person, records, status, on))
    do_record(
        session,
        actor,
        "foreigners.assessment.read",
        "person",
        person_id,
        purpose=purpose,
        legal_basis=legal_basis,
        details={"date": on.isoformat()},
    )
    return result


def due_today(session: Session, actor: Principal, on: dt.date) -> list[DueItem]:
    """Registration duties (registration, host notification, self-registration, re-registration)
    of visitors present on ``on`` whose deadline is ``on`` and not met, or already passed unmet.

    The store picks the visitors present with something possibly pending (no registration in the
    stay, or a change of address); the domain judges each of them. Ordered late first, then by
    deadline.
    """
    check_permission(actor, FOREIGNERS_WORKLIST)
    repository = ForeignersRepository(session)
    foreigners = repository.registration_candidates(on)
    people = repository.people(f.person_id for f in foreigners)
    book = default_rulebook()
    items: list[DueItem] = []
    for foreigner in foreigners:
        person = people[foreigner.person_id]
        records = repository.records(foreigner)
        try:
            request = _request(person, records, Status.VISITOR, on)
            registration = assess_registration(request, assess_stay(request, book), book)
        except InvalidInputError:
            continue  # records written before a rules change no longer parse; shown on the timeline
        current = request.current_stay()
        for duty in registration.duties:
            if duty.done_on is not None or current is None:
                continue
            if (duty.status == "due" and duty.due == on) or duty.status == "late":
                items.append(
                    DueItem(
                        person_id=person.id,
                        name=person.name,
                        latin_name=person.latin_name,
                        citizenships=list(person.citizenships or []),
                        kind=duty.kind,
                        performed_by=duty.performed_by,
                        due=duty.due,
                        status=duty.status,
                        entry=current.entry,
                    )
                )
    items.sort(key=lambda item: (item.status != "late", item.due, item.latin_name))
    do_record(
        session,
        actor,
        "foreigners.due_today.read",
        "person",
        "*",
        purpose=WORKLIST_PURPOSE,
        legal_basis=WORKLIST_BASIS,
        details={"date": on.isoformat(), "results": len(items)},
    )
    return items


def overstays(session: Session, actor: Principal, on: dt.date, *, limit: int | None = None) -> list[Overstay]:
    """Everyone in the country on ``on`` past the last lawful day of the stay in progress.

    A stored query on the stay index (see :meth:`ForeignersRepository.overstays`); the same answer
    as :attr:`~qorgau.foreigners.domain.stay.StayAssessment.overstaying` for each person.
    Ordered by the first unlawful day (the longest overstays first).
    """
    check_permission(actor, FOREIGNERS_WORKLIST)
    rows = ForeignersRepository(session).overstays(on, limit=limit)
    result = [
        Overstay(
            person_id=row.person_id,
            name=row.name,
            latin_name=row.latin_name,
            birth_date=row.birth_date,
            citizenships=list(row.citizenships or []),
            status=row.status,
            entry=row.entry,
            entry_border_point=row.entry_border_point,
            last_lawful_day=(
                row.first_unlawful_day - dt.timedelta(days=1) if row.first_unlawful_day > row.entry else None
            ),
            days_over=(on - row.first_unlawful_day).days + 1,
            crossing_id=row.crossing_id,
        )
        for row in rows
    ]
    do_record(
        session,
        actor,
        "foreigners.overstays.read",
        "person",
        "*",
        purpose=WORKLIST_PURPOSE,
        legal_basis=WORKLIST_BASIS,
        details={"date": on.isoformat(), "results": len(result)},
    )
    return result


def participant_requirements_for(
    session: Session,
    person_id: str,
    language_of_proceedings: str,
    detained: bool,
    on: dt.date,
    *,
    actor: Principal | None = None,
    purpose: str | None = None,
    legal_basis: str | None = None,
) -> ParticipantRequirements:
    """For other modules (``cases``, ``protection``): does this participant need an interpreter, is
    consular notification due (detained or arrested foreign citizen, VCCR art. 36), which rights apply.

    Citizenships and languages come from the people registry, the status from the migration
    service's history on ``on`` (presumed when the service has no record: ``citizen`` for a citizen
    of Kazakhstan, ``stateless`` without citizenship, otherwise ``visitor``). The calling module
    audits its own access to the participant; pass ``actor`` (with ``purpose`` and
    ``legal_basis``) to have this read audited here as well.

    Raises :class:`ForeignerNotFound` for an unknown person and the domain's
    :class:`~qorgau.foreigners.domain.errors.InvalidInputError` for facts the rules refuse.
    """
    person, _foreigner, records = _load(session, person_id)
    status, _presumed = _status(records, person, on)
    if actor is not None:
        purpose, legal_basis = check_purpose(purpose, legal_basis)
        do_record(
            session,
            actor,
            "foreigners.participant.read",
            "person",
            person_id,
            purpose=purpose,
            legal_basis=legal_basis,
            details={"language_of_proceedings": language_of_proceedings, "detained": detained},
        )
    return participant_requirements(
        {
            "status": status.value,
            "citizenships": list(person.citizenships or []),
            "languages": list(person.languages or []),
        },
        language_of_proceedings,
        detained,
        on,
    )


def status_on(session: Session, person_id: str, on: dt.date) -> tuple[Status, bool]:
    """The status of a person on ``on`` and whether it is presumed (no record says it)."""
    person, _foreigner, records = _load(session, person_id)
    return _status(records, person, on)


# ------------------------------------------------------------------------------------ helpers


def crossing_dict(row: BorderCrossingRow) -> dict[str, Any]:
    stay = StayRecord(row)
    return {
        "id": row.id,
        "entry": row.entry.isoformat(),
        "exit": row.exit.isoformat() if row.exit else None,
        "entry_border_point": row.entry_border_point,
        "exit_border_point": row.exit_border_point,
        "source": row.source,
        "last_lawful_day": stay.last_lawful_day.isoformat() if stay.last_lawful_day else None,
        "first_unlawful_day": row.first_unlawful_day.isoformat() if row.first_unlawful_day else None,
    }


def permit_dict(row: ForeignerPermitRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "number": row.number,
        "category": row.category,
        "ground": row.ground,
        "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
    }


def presumed_status(citizenships: Sequence[str]) -> Status:
    """The status of a person the migration service has no record of."""
    if "KZ" in citizenships:
        return Status.CITIZEN
    if not citizenships:
        return Status.STATELESS
    return Status.VISITOR


def refresh_stay_index(person: PersonRow, records: Records) -> None:
    """Recompute ``first_unlawful_day`` of every stay and ``has_permits`` (after any change)."""
    book = default_rulebook()
    crossings = parse_crossings(
        [{"entry": c.entry, "exit": c.exit} for c in records.crossings]
    )  # already checked: cannot fail
    permits = _permit_facts(records.permits)
    facts = index_person(list(person.citizenships or []))
    days = first_unlawful_days(facts, crossings, permits, book)
    for index, row in enumerate(records.crossings):
        row.first_unlawful_day = days[index]
    records.foreigner.has_permits = bool(records.permits)


@dataclass
class _Change:
    """One change of a person's records: load, check against the domain, store, index, audit."""

    session: Session
    actor: Principal
    person_id: str
    first_day: dt.date | None = None
    presume: bool = True  # record a presumed status for a person met for the first time
    person: PersonRow = field(init=False)
    foreigner: ForeignerRow = field(init=False)
    records: Records = field(init=False)
    registered: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        check_permission(self.actor, FOREIGNERS_WRITE)
        person = PeopleRepository(self.session).get(self.person_id)
        if person is None:
            raise ForeignerNotFound(f"no person with id {self.person_id!r} in the people registry")
        self.person = person
        repository = ForeignersRepository(self.session)
        foreigner = repository.by_person(self.person_id)
        if foreigner is None:
            foreigner = repository.add_foreigner(self.person_id)
            self.registered = True
            status = presumed_status(list(person.citizenships or []))
            if self.presume:
                repository.add(
                    ForeignerStatusRow(
                        foreigner_id=foreigner.id,
                        status=status.value,
                        valid_from=self.first_day or dt.date.today(),
                        note="presumed when the person was first recorded",
                    )
                )
            do_record(
                self.session,
                self.actor,
                "foreigners.person.register",
                "person",
                self.person_id,
                details={"presumed_status": status.value if self.presume else None},
            )
        self.foreigner = foreigner
        self.records = repository.records(foreigner)

    def check(self, *, new: tuple[str, Any], **lists: Sequence[Any]) -> None:
        """Parse the person's records with ``lists`` replacing the stored ones; the record ``new``
        is named "the new …" in any error."""
        records = self.records
        merged: dict[str, Sequence[Any]] = {
            "crossings": records.crossings,
            "registrations": records.registrations,
            "address_changes": records.address_changes,
            "host_notifications": records.host_notifications,
            "permits": records.permits,
        }
        merged.update(lists)
        status = _status(records, self.person, dt.date.today())[0]
        document = _document(self.person, status, dt.date.today(), merged)
        try:
            request = AssessmentRequest.from_mapping(document, countries=default_rulebook().countries)
            first_unlawful_days(
                index_person(list(self.person.citizenships or [])),
                request.crossings,
                request.permits,
                default_rulebook(),
            )
        except InvalidInputError as exc:
            raise _rejected(exc, merged, new) from exc

    def check_status(self, raw_status: str) -> None:
        try:
            PersonFacts.from_mapping(
                {"status": raw_status, "citizenships": list(self.person.citizenships or [])},
                countries=default_rulebook().countries,
            )
        except InvalidInputError as exc:
            if exc.record == "person.status":
                raise RecordRejected("status", f"the new status: {exc.reason}") from exc
            path = exc.record.removeprefix("person.")
            raise RecordRejected(
                "status", f"the new status: the person's {path} in the people registry: {exc.reason}"
            ) from exc

    def store(self, row: Any | None, action: str, details: Mapping[str, Any]) -> None:
        repository = ForeignersRepository(self.session)
        if row is not None:
            repository.add(row)
        self.session.flush()
        self.records = repository.records(self.foreigner)
        refresh_stay_index(self.person, self.records)
        self.session.flush()
        stored = {
            key: value.isoformat() if isinstance(value, dt.date) else value for key, value in details.items()
        }
        if row is not None and getattr(row, "id", None) is not None:
            stored["id"] = row.id
        do_record(self.session, self.actor, action, "person", self.person_id, details=stored)


def _rejected(
    exc: InvalidInputError, merged: Mapping[str, Sequence[Any]], new: tuple[str, Any]
) -> RecordRejected:
    new_kind, new_row = new

    def label(match: re.Match[str]) -> str:
        kind, index = match.group(1), int(match.group(2))
        rows = merged[kind]
        row = rows[index] if index < len(rows) else None
        if row is new_row or (kind == new_kind and row is not None and getattr(row, "id", None) is None):
            return f"the new {_RECORD_NAME[kind]}"
        if row is None:
            return match.group(0)
        return f"{_RECORD_NAME[kind]} #{row.id}{_span(kind, row)}"

    record = exc.record
    message = _RECORD_PATH.sub(label, str(exc))
    if record.startswith("person."):
        path = record.removeprefix("person.")
        message = f"the person's {path} in the people registry: {exc.reason}"
        return RecordRejected(path, message)
    match = _RECORD_PATH.match(record)
    suffix = record[match.end() :].lstrip(".") if match else ""
    if suffix:
        return RecordRejected(suffix, message)
    reason = exc.reason
    if reason.startswith("exit "):
        return RecordRejected("exit", message)
    if reason.startswith("valid_until"):
        return RecordRejected("valid_until", message)
    if reason.startswith("no exit recorded"):
        return RecordRejected("entry", message)
    return RecordRejected("entry" if match and match.group(1) == "crossings" else "date", message)


def _span(kind: str, row: Any) -> str:
    if kind == "crossings":
        return f" ({row.entry.isoformat()} – {row.exit.isoformat() if row.exit else '…'})"
    if kind == "permits":
        until = row.valid_until.isoformat() if row.valid_until else "…"
        return f" ({row.kind} {row.valid_from.isoformat()} – {until})"
    day = getattr(row, "registered_on", None) or getattr(row, "changed_on", None) or row.notified_on
    return f" ({day.isoformat()})"


def _document(
    person: PersonRow, status: Status, on: dt.date, lists: Mapping[str, Sequence[Any]]
) -> dict[str, Any]:
    return {
        "date": on,
        "person": {
            "status": status.value,
            "citizenships": list(person.citizenships or []),
            "languages": list(person.languages or []),
        },
        "crossings": [{"entry": c.entry, "exit": c.exit} for c in lists["crossings"]],
        "registrations": [
            {"date": r.registered_on, "address": r.address, "confirmed": r.confirmed}
            for r in lists["registrations"]
        ],
        "address_changes": [{"date": c.changed_on, "address": c.address} for c in lists["address_changes"]],
        "host_notifications": [{"date": n.notified_on} for n in lists["host_notifications"]],
        "permits": [
            {"kind": p.kind, "valid_from": p.valid_from, "valid_until": p.valid_until, "ground": p.ground}
            for p in lists["permits"]
        ],
    }


def _request(person: PersonRow, records: Records | None, status: Status, on: dt.date) -> AssessmentRequest:
    lists: dict[str, Sequence[Any]] = (
        {
            "crossings": records.crossings,
            "registrations": records.registrations,
            "address_changes": records.address_changes,
            "host_notifications": records.host_notifications,
            "permits": records.permits,
        }
        if records is not None
        else {key: [] for key in RECORD_KINDS}
    )
    return AssessmentRequest.from_mapping(
        _document(person, status, on, lists), countries=default_rulebook().countries
    )


def _permit_facts(permits: Sequence[ForeignerPermitRow]) -> tuple[Permit, ...]:
    """Stored permits as domain facts (they were checked when stored)."""
    return tuple(
        Permit(
            index=index,
            kind=PermitKind(p.kind),
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            ground=p.ground,
        )
        for index, p in enumerate(permits)
    )


def _load(session: Session, person_id: str) -> tuple[PersonRow, ForeignerRow | None, Records | None]:
    person = PeopleRepository(session).get(person_id)
    if person is None:
        raise ForeignerNotFound(f"no person with id {person_id!r} in the people registry")
    repository = ForeignersRepository(session)
    foreigner = repository.by_person(person_id)
    records = repository.records(foreigner) if foreigner is not None else None
    return person, foreigner, records


def _status(records: Records | None, person: PersonRow, on: dt.date) -> tuple[Status, bool]:
    statuses = records.statuses if records is not None else []
    if not statuses:
        return presumed_status(list(person.citizenships or [])), True
    in_force = [s for s in statuses if s.valid_from <= on]
    chosen = in_force[-1] if in_force else statuses[0]
    return Status(chosen.status), False


def _person_summary(person: PersonRow) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "latin_name": person.latin_name,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "citizenships": list(person.citizenships or []),
        "languages": list(person.languages or []),
    }


def _peek_date(data: Mapping[str, Any], key: str) -> dt.date | None:
    try:
        return _date(data, key)
    except RecordRejected:
        return None


def _date(data: Mapping[str, Any], key: str) -> dt.date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return parse_date(value, key)
    except InvalidInputError as exc:
        raise RecordRejected(key, str(exc)) from exc


def _required_date(data: Mapping[str, Any], key: str) -> dt.date:
    value = _date(data, key)
    if value is None:
        raise RecordRejected(key, f"{key}: required (YYYY-MM-DD)")
    return value


def _text(data: Mapping[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise RecordRejected(key, f"{key}: at most {limit} characters")
    return text or None


__all__ = [
    "DueItem",
    "ForeignerNotFound",
    "Overstay",
    "RecordRejected",
    "StayRecord",
    "Timeline",
    "assess_person",
    "do_add_address_change",
    "do_add_crossing",
    "do_add_host_notification",
    "do_add_permit",
    "do_add_registration",
    "do_record_exit",
    "do_set_status",
    "due_today",
    "overstays",
    "participant_requirements_for",
    "presumed_status",
    "refresh_stay_index",
    "status_on",
    "timeline",
]
