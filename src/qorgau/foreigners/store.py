"""Tables of the foreigners module and the repository that reads and writes them (SQLAlchemy 2).

Every record belongs to a person of the kernel's registry (``people.id``) through one row of
``foreigners_persons``, whose integer id keeps the large tables narrow. Tables:

- ``foreigners_persons`` — a person known to the migration service; ``has_permits`` (any visa or
  permit recorded) is kept with it because the stay rules ask it of every stay.
- ``foreigners_statuses`` — status history: each row holds from ``valid_from`` until the next one;
  the first row also covers the time before it (the status presumed when the person was first met).
- ``foreigners_crossings`` — stays between an entry and an exit (border points of each); an open stay
  has no exit. ``first_unlawful_day`` is the stay index (:mod:`~qorgau.foreigners.domain.stay_index`),
  recomputed by the service on every change of the person's records; the partial index
  ``ix_foreigners_crossings_overstay`` holds only the stays that did run (or may still run) past it.
- ``foreigners_host_notifications``, ``foreigners_registrations`` (address, host's confirmation),
  ``foreigners_address_changes``, ``foreigners_permits`` (visas, temporary and permanent residence
  permits, the ground of art. 6-1 of the migration law, validity).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, aliased, mapped_column

from qorgau.kernel.db import Base, UtcDateTime, utcnow
from qorgau.kernel.people.store import PersonRow

# Stays that ran, or may still run, past their first unlawful day: the only ones an overstay list reads.
OVERSTAY_PREDICATE = "first_unlawful_day IS NOT NULL AND (exit IS NULL OR exit >= first_unlawful_day)"
# Statuses under which stay limits apply on a date: a visitor always; a resident or stateless person
# only when the person holds documents (otherwise the stay is lawful by status, see domain.stay).
LIMITED_ALWAYS = ("visitor",)
LIMITED_WITH_DOCUMENTS = ("temporary_resident", "permanent_resident", "stateless")


class ForeignerRow(Base):
    __tablename__ = "foreigners_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    has_permits: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class ForeignerStatusRow(Base):
    __tablename__ = "foreigners_statuses"
    __table_args__ = (Index("ix_foreigners_statuses_foreigner_id_valid_from", "foreigner_id", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    foreigner_id: Mapped[int] = mapped_column(
        ForeignKey("foreigners_persons.id", ondelete="CASCADE", name="fk_foreigners_statuses_foreigner"),
        nullable=False,
    )
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class BorderCrossingRow(Base):
    __tablename__ = "foreigners_crossings"
    __table_args__ = (
        UniqueConstraint("foreigner_id", "entry", name="uq_foreigners_crossings_foreigner_id_entry"),
        Index("ix_foreigners_crossings_exit", "exit"),
        Index(
            "ix_foreigners_crossings_overstay",
            "exit",
            "first_unlawful_day",
            "entry",
            postgresql_where=text(OVERSTAY_PREDICATE),
            sqlite_where=text(OVERSTAY_PREDICATE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    foreigner_id: Mapped[int] = mapped_column(
        ForeignKey("foreigners_persons.id", ondelete="CASCADE", name="fk_foreigners_crossings_foreigner"),
        nullable=False,
    )
    entry: Mapped[dt.date] = mapped_column(Date, nullable=False)
    exit: Mapped[dt.date | None] = mapped_column(Date)
    entry_border_point: Mapped[str | None] = mapped_column(String(120))
    exit_border_point: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(20), default="manual", nullable=False)
    first_unlawful_day: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class HostNotificationRow(Base):
    __tablename__ = "foreigners_host_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    foreigner_id: Mapped[int] = mapped_column(
        ForeignKey(
            "foreigners_persons.id", ondelete="CASCADE", name="fk_foreigners_host_notifications_foreigner"
        ),
        index=True,
        nullable=False,
    )
    notified_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    host_name: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class StayRegistrationRow(Base):
    __tablename__ = "foreigners_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    foreigner_id: Mapped[int] = mapped_column(
        ForeignKey("foreigners_persons.id", ondelete="CASCADE", name="fk_foreigners_registrations_foreigner"),
        index=True,
        nullable=False,
    )
    registered_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    address: Mapped[str | None] = mapped_column(Text)
    confirmed: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class AddressChangeRow(Base):
    __tablename__ = "foreigners_address_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    foreigner_id: Mapped[int] = mapped_column(
        ForeignKey(
            "foreigners_persons.id", ondelete="CASCADE", name="fk_foreigners_address_changes_foreigner"
        ),
        index=True,
        nullable=False,
    )
    changed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class ForeignerPermitRow(Base):
    """A visa or a temporary or permanent residence permit (``kind``: see ``domain.facts.PermitKind``)."""

    __tablename__ = "foreigners_permits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    foreigner_id: Mapped[int] = mapped_column(
        ForeignKey("foreigners_persons.id", ondelete="CASCADE", name="fk_foreigners_permits_foreigner"),
        index=True,
        nullable=False,
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    number: Mapped[str | None] = mapped_column(String(60))
    category: Mapped[str | None] = mapped_column(String(60))
    ground: Mapped[str | None] = mapped_column(String(40))
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


@dataclass
class Records:
    """Everything stored about one foreigner, each list in date order."""

    foreigner: ForeignerRow
    statuses: list[ForeignerStatusRow]
    crossings: list[BorderCrossingRow]
    host_notifications: list[HostNotificationRow]
    registrations: list[StayRegistrationRow]
    address_changes: list[AddressChangeRow]
    permits: list[ForeignerPermitRow]


@dataclass(frozen=True)
class OverstayRow:
    """One stay in progress past its last lawful day, with who it is."""

    crossing_id: int
    foreigner_id: int
    person_id: str
    name: str
    latin_name: str
    birth_date: dt.date | None
    citizenships: list[str]
    status: str
    entry: dt.date
    exit: dt.date | None
    entry_border_point: str | None
    first_unlawful_day: dt.date


class ForeignersRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------------------------- persons

    def by_person(self, person_id: str) -> ForeignerRow | None:
        return self.session.scalar(select(ForeignerRow).where(ForeignerRow.person_id == person_id))

    def add_foreigner(self, person_id: str) -> ForeignerRow:
        row = ForeignerRow(person_id=person_id, has_permits=False)
        self.session.add(row)
        self.session.flush()
        return row

    def records(self, foreigner: ForeignerRow) -> Records:
        fid = foreigner.id
        session = self.session
        return Records(
            foreigner=foreigner,
            statuses=list(
                session.scalars(
                    select(ForeignerStatusRow)
                    .where(ForeignerStatusRow.foreigner_id == fid)
                    .order_by(ForeignerStatusRow.valid_from, ForeignerStatusRow.id)
                )
            ),
            crossings=list(
                session.scalars(
                    select(BorderCrossingRow)
                    .where(BorderCrossingRow.foreigner_id == fid)
                    .order_by(BorderCrossingRow.entry, BorderCrossingRow.id)
                )
            ),
            host_notifications=list(
                session.scalars(
                    select(HostNotificationRow)
                    .where(HostNotificationRow.foreigner_id == fid)
                    .order_by(HostNotificationRow.notified_on, HostNotificationRow.id)
                )
            ),
            registrations=list(
                session.scalars(
                    select(StayRegistrationRow)
                    .where(StayRegistrationRow.foreigner_id == fid)
                    .order_by(StayRegistrationRow.registered_on, StayRegistrationRow.id)
                )
            ),
            address_changes=list(
                session.scalars(
                    select(AddressChangeRow)
                    .where(AddressChangeRow.foreigner_id == fid)
                    .order_by(AddressChangeRow.changed_on, AddressChangeRow.id)
                )
            ),
            permits=list(
                session.scalars(
                    select(ForeignerPermitRow)
                    .where(ForeignerPermitRow.foreigner_id == fid)
                    .order_by(ForeignerPermitRow.valid_from, ForeignerPermitRow.id)
                )
            ),
        )

    def add(self, row: Base) -> None:
        self.session.add(row)
        self.session.flush()

    # ------------------------------------------------------------------------------- lists

    def overstays(self, on: dt.date, limit: int | None = None) -> list[OverstayRow]:
        """Stays in progress on ``on`` past their first unlawful day (see :func:`overstay_query`)."""
        return [OverstayRow(**row._mapping) for row in self.session.execute(overstay_query(on, limit))]

    def present_on(self, on: dt.date, statuses: Sequence[str] | None = None) -> list[ForeignerRow]:
        """Foreigners with a stay in progress on ``on`` (optionally only those of ``statuses`` on it)."""
        query = (
            select(ForeignerRow)
            .join(BorderCrossingRow, BorderCrossingRow.foreigner_id == ForeignerRow.id)
            .where(
                BorderCrossingRow.entry <= on,
                or_(BorderCrossingRow.exit.is_(None), BorderCrossingRow.exit >= on),
            )
            .distinct()
            .order_by(ForeignerRow.id)
        )
        if statuses is not None:
            query = query.where(_status_on(on, ForeignerRow.id).in_(list(statuses)))
        return list(self.session.scalars(query))

    def registration_candidates(self, on: dt.date) -> list[ForeignerRow]:
        """Visitors present on ``on`` who may have a registration duty not met: no registration
        (other than one the host refused to confirm) dated within the stay in progress, or a change
        of address within it. A superset of those with a duty due or late, so that the domain only
        judges people with something pending rather than every visitor in the country."""
        stay = BorderCrossingRow
        registered = exists().where(
            StayRegistrationRow.foreigner_id == stay.foreigner_id,
            StayRegistrationRow.registered_on >= stay.entry,
            StayRegistrationRow.registered_on <= on,
            or_(StayRegistrationRow.confirmed.is_(None), StayRegistrationRow.confirmed.is_(True)),
        )
        moved = exists().where(
            AddressChangeRow.foreigner_id == stay.foreigner_id,
            AddressChangeRow.changed_on >= stay.entry,
            AddressChangeRow.changed_on <= on,
        )
        query = (
            select(ForeignerRow)
            .join(stay, stay.foreigner_id == ForeignerRow.id)
            .where(
                stay.entry <= on,
                or_(stay.exit.is_(None), stay.exit >= on),
                or_(~registered, moved),
                _status_on(on, ForeignerRow.id) == "visitor",
            )
            .distinct()
            .order_by(ForeignerRow.id)
        )
        return list(self.session.scalars(query))

    def foreigners(self, ids: Iterable[int]) -> list[ForeignerRow]:
        wanted = list(ids)
        if not wanted:
            return []
        return list(self.session.scalars(select(ForeignerRow).where(ForeignerRow.id.in_(wanted))))

    def people(self, person_ids: Iterable[str]) -> dict[str, PersonRow]:
        wanted = list(set(person_ids))
        if not wanted:
            return {}
        rows = self.session.scalars(select(PersonRow).where(PersonRow.id.in_(wanted)))
        return {row.id: row for row in rows}

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ForeignerRow)) or 0


def overstay_query(on: dt.date, limit: int | None = None) -> Select[*tuple[Any, ...]]:
    """Stays in progress on ``on`` past their first unlawful day, under a status with limits.

    Reads the partial index ``ix_foreigners_crossings_overstay`` (its predicate is repeated so the
    planner may use it), then, for those few rows only, the status in force on ``on``. On a day of a
    same-day exit and re-entry the earlier stay is the one in progress (as in
    :func:`~qorgau.foreigners.domain.stay.assess_stay`). Ordered by the first unlawful day.
    """
    crossing = BorderCrossingRow
    earlier = aliased(BorderCrossingRow)
    status = _status_on(on)
    query = (
        select(
            crossing.id.label("crossing_id"),
            crossing.foreigner_id,
            ForeignerRow.person_id,
            PersonRow.name,
            PersonRow.latin_name,
            PersonRow.birth_date,
            PersonRow.citizenships,
            status.label("status"),
            crossing.entry,
            crossing.exit,
            crossing.entry_border_point,
            crossing.first_unlawful_day,
        )
        .join(ForeignerRow, ForeignerRow.id == crossing.foreigner_id)
        .join(PersonRow, PersonRow.id == ForeignerRow.person_id)
        .where(
            # the partial index's predicate, so that the planner may use the index
            crossing.first_unlawful_day.is_not(None),
            or_(crossing.exit.is_(None), crossing.exit >= crossing.first_unlawful_day),
            or_(crossing.exit.is_(None), crossing.exit >= on),
            crossing.first_unlawful_day <= on,
            crossing.entry <= on,
            ~and_(
                crossing.entry == on,
                exists().where(earlier.foreigner_id == crossing.foreigner_id, earlier.exit == on),
            ),
            or_(
                status.in_(LIMITED_ALWAYS),
                and_(status.in_(LIMITED_WITH_DOCUMENTS), ForeignerRow.has_permits.is_(True)),
            ),
        )
        .order_by(crossing.first_unlawful_day, crossing.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return query


def _status_on(
    on: dt.date, foreigner_id: InstrumentedAttribute[int] = BorderCrossingRow.foreigner_id
) -> ColumnElement[str]:
    """The status in force on ``on``: the latest row from on or before it, else the first row."""
    in_force = (
        select(ForeignerStatusRow.status)
        .where(ForeignerStatusRow.foreigner_id == foreigner_id, ForeignerStatusRow.valid_from <= on)
        .order_by(ForeignerStatusRow.valid_from.desc(), ForeignerStatusRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    first = (
        select(ForeignerStatusRow.status)
        .where(ForeignerStatusRow.foreigner_id == foreigner_id)
        .order_by(ForeignerStatusRow.valid_from, ForeignerStatusRow.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(in_force, first)


__all__ = [
    "AddressChangeRow",
    "BorderCrossingRow",
    "ForeignerPermitRow",
    "ForeignerRow",
    "ForeignerStatusRow",
    "ForeignersRepository",
    "HostNotificationRow",
    "OverstayRow",
    "Records",
    "StayRegistrationRow",
    "overstay_query",
]
