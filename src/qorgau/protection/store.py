"""Tables of the protection module and the repository that reads and writes them (SQLAlchemy 2).

- ``protection_datasets`` — one import of a Eurostat file: the dataset code, its vintage (the source
  file's name), the format found, who imported it and when, and counts. A vintage is imported once:
  importing the same code and vintage again replaces the earlier import.
- ``protection_observations`` — the cells of an import: every dimension as JSON, and ``geo``,
  ``citizen`` and ``time_period`` copied into indexed columns for the queries the dashboards make;
  the value (``None`` where Eurostat prints ``:``), whether it was written as a whole number, and
  the flags.
- ``protection_registrations`` — registrations of asylum applications and temporary protection with
  the fields of the EU Temporary Protection Platform (:mod:`qorgau.protection.domain.registration`),
  linked to the kernel's people registry (``person_id``); ``protection_registration_name_keys`` holds
  the phonetic keys of every name (original, Latin, earlier names, aliases) for search in any script.
- ``protection_decisions`` — decisions on a registration, in order.
- ``protection_review_items`` — likely duplicate registrations (a pair or a cluster) with their match
  probability and agreeing fields, ``pending`` until a reviewer confirms or rejects them;
  ``fingerprint`` (the sorted ids) makes enqueueing the same cluster twice a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from qorgau.kernel.db import Base, UtcDateTime, utcnow
from qorgau.protection.domain.observations import Observation

INSERT_CHUNK = 5000


class EurostatDatasetRow(Base):
    __tablename__ = "protection_datasets"
    __table_args__ = (UniqueConstraint("code", "vintage", name="uq_protection_datasets_code_vintage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    vintage: Mapped[str] = mapped_column(String(255), nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)
    observations: Mapped[int] = mapped_column(Integer, nullable=False)
    first_period: Mapped[str | None] = mapped_column(String(7))
    last_period: Mapped[str | None] = mapped_column(String(7))


class EurostatObservationRow(Base):
    __tablename__ = "protection_observations"
    __table_args__ = (
        Index("ix_protection_observations_dataset_id_time_period", "dataset_id", "time_period"),
        Index("ix_protection_observations_dataset_id_geo", "dataset_id", "geo"),
        Index("ix_protection_observations_dataset_id_citizen", "dataset_id", "citizen"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("protection_datasets.id", ondelete="CASCADE", name="fk_protection_observations_dataset"),
        nullable=False,
    )
    dimensions: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    geo: Mapped[str] = mapped_column(String(16), nullable=False)
    citizen: Mapped[str | None] = mapped_column(String(16))
    time_period: Mapped[str] = mapped_column(String(7), nullable=False)
    value: Mapped[float | None] = mapped_column(Float)
    whole: Mapped[bool] = mapped_column(Boolean, nullable=False)
    flags: Mapped[str] = mapped_column(String(16), nullable=False)
    line: Mapped[int | None] = mapped_column(Integer)

    def to_observation(self, code: str) -> Observation:
        return observation_from(
            code, self.dimensions, self.time_period, self.value, self.whole, self.flags, self.line
        )


def observation_from(
    code: str,
    dimensions: dict[str, str],
    time_period: str,
    value: float | None,
    whole: bool,
    flags: str,
    line: int | None,
) -> Observation:
    """An :class:`Observation` as the reader gave it: whole numbers come back as ``int``."""
    number: int | float | None = value
    if value is not None and whole:
        number = int(value)
    return Observation(code, dict(dimensions), time_period, number, flags, line)


class ProtectionRegistrationRow(Base):
    __tablename__ = "protection_registrations"
    __table_args__ = (
        Index(
            "ix_protection_registrations_registering_state_registration_date",
            "registering_state",
            "registration_date",
        ),
        Index("ix_protection_registrations_birth_date", "birth_date"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL", name="fk_protection_registrations_person"), index=True
    )
    surname: Mapped[str] = mapped_column(String(200), nullable=False)
    given_names: Mapped[str] = mapped_column(String(200), nullable=False)
    surname_latin: Mapped[str] = mapped_column(String(200), nullable=False)
    given_names_latin: Mapped[str] = mapped_column(String(200), nullable=False)
    earlier_names: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    aliases: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    birth_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    birth_place: Mapped[str | None] = mapped_column(String(200))
    nationality: Mapped[str | None] = mapped_column(String(2))
    nationality_type: Mapped[str] = mapped_column(String(20), nullable=False)
    sex: Mapped[str | None] = mapped_column(String(1))
    document_kind: Mapped[str | None] = mapped_column(String(40))
    document_number: Mapped[str | None] = mapped_column(String(60))
    document_country: Mapped[str | None] = mapped_column(String(2))
    document_issued_on: Mapped[dt.date | None] = mapped_column(Date)
    document_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    activation: Mapped[str | None] = mapped_column(String(20))
    registering_state: Mapped[str] = mapped_column(String(4), nullable=False)
    registration_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    accompanying_adult_id: Mapped[str | None] = mapped_column(String(64))
    relation_to_adult: Mapped[str | None] = mapped_column(String(20))
    unaccompanied: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)

    decisions: Mapped[list[ProtectionDecisionRow]] = relationship(
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="(ProtectionDecisionRow.decided_on, ProtectionDecisionRow.id)",
        lazy="selectin",
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_names) if part)

    @property
    def full_latin_name(self) -> str:
        return " ".join(part for part in (self.surname_latin, self.given_names_latin) if part)


class ProtectionNameKeyRow(Base):
    """One phonetic key of one name of a registration (kernel ``name_search_keys``)."""

    __tablename__ = "protection_registration_name_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey(
            "protection_registrations.id",
            ondelete="CASCADE",
            name="fk_protection_registration_name_keys_registration",
        ),
        primary_key=True,
    )


class ProtectionDecisionRow(Base):
    __tablename__ = "protection_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey(
            "protection_registrations.id", ondelete="CASCADE", name="fk_protection_decisions_registration"
        ),
        index=True,
        nullable=False,
    )
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    decided_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(500), nullable=False)
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    registration: Mapped[ProtectionRegistrationRow] = relationship(back_populates="decisions")


class DuplicateReviewRow(Base):
    __tablename__ = "protection_review_items"
    __table_args__ = (
        UniqueConstraint("fingerprint", name="uq_protection_review_items_fingerprint"),
        Index("ix_protection_review_items_status_probability", "status", "probability"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    registration_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    probability: Mapped[float] = mapped_column(Float, nullable=False)
    agreements: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    reviewer: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class ProtectionRepository:
    """Reads and writes of the protection tables, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- datasets ---------------------------------------------------------------------------------
    def dataset_by_vintage(self, code: str, vintage: str) -> EurostatDatasetRow | None:
        return self.session.scalar(
            select(EurostatDatasetRow).where(
                EurostatDatasetRow.code == code, EurostatDatasetRow.vintage == vintage
            )
        )

    def dataset(self, dataset_id: int) -> EurostatDatasetRow | None:
        return self.session.get(EurostatDatasetRow, dataset_id)

    def latest_dataset(self, code: str) -> EurostatDatasetRow | None:
        query = (
            select(EurostatDatasetRow)
            .where(EurostatDatasetRow.code == code)
            .order_by(EurostatDatasetRow.imported_at.desc(), EurostatDatasetRow.id.desc())
            .limit(1)
        )
        return self.session.scalar(query)

    def datasets(self) -> list[EurostatDatasetRow]:
        query = select(EurostatDatasetRow).order_by(
            EurostatDatasetRow.code, EurostatDatasetRow.imported_at.desc(), EurostatDatasetRow.id.desc()
        )
        return list(self.session.scalars(query))

    def delete_dataset(self, dataset: EurostatDatasetRow) -> None:
        # Bulk delete first: the ORM cascade would load every observation to delete it one by one.
        self.session.execute(
            delete(EurostatObservationRow).where(EurostatObservationRow.dataset_id == dataset.id)
        )
        self.session.delete(dataset)
        self.session.flush()

    def add_dataset(
        self, dataset: EurostatDatasetRow, observations: Sequence[Observation]
    ) -> EurostatDatasetRow:
        self.session.add(dataset)
        self.session.flush()
        rows = (
            {
                "dataset_id": dataset.id,
                "dimensions": dict(o.dimensions),
                "geo": o.dimensions.get("geo", ""),
                "citizen": o.dimensions.get("citizen"),
                "time_period": o.time_period,
                "value": None if o.value is None else float(o.value),
                "whole": isinstance(o.value, int),
                "flags": o.flags,
                "line": o.line,
            }
            for o in observations
        )
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= INSERT_CHUNK:
                self.session.execute(insert(EurostatObservationRow), chunk)
                chunk = []
        if chunk:
            self.session.execute(insert(EurostatObservationRow), chunk)
        self.session.flush()
        return dataset

    def observations(
        self,
        dataset: EurostatDatasetRow,
        *,
        geos: Iterable[str] | None = None,
        citizens: Iterable[str] | None = None,
        periods: Iterable[str] | None = None,
    ) -> list[Observation]:
        """The observations of one import, in file order, narrowed on the indexed columns if asked."""
        query = select(
            EurostatObservationRow.dimensions,
            EurostatObservationRow.time_period,
            EurostatObservationRow.value,
            EurostatObservationRow.whole,
            EurostatObservationRow.flags,
            EurostatObservationRow.line,
        ).where(EurostatObservationRow.dataset_id == dataset.id)
        if geos is not None:
            query = query.where(EurostatObservationRow.geo.in_(sorted(set(geos))))
        if citizens is not None:
            query = query.where(EurostatObservationRow.citizen.in_(sorted(set(citizens))))
        if periods is not None:
            query = query.where(EurostatObservationRow.time_period.in_(sorted(set(periods))))
        query = query.order_by(EurostatObservationRow.id)
        return [
            observation_from(dataset.code, dimensions, period, value, whole, flags, line)
            for dimensions, period, value, whole, flags, line in self.session.execute(query)
        ]

    def count_observations(self, dataset_id: int | None = None) -> int:
        query = select(func.count()).select_from(EurostatObservationRow)
        if dataset_id is not None:
            query = query.where(EurostatObservationRow.dataset_id == dataset_id)
        return self.session.scalar(query) or 0

    # --- registrations ------------------------------------------------------------------------------
    def registration(self, registration_id: str) -> ProtectionRegistrationRow | None:
        return self.session.get(ProtectionRegistrationRow, registration_id)

    def registrations_by_id(self, ids: Iterable[str]) -> dict[str, ProtectionRegistrationRow]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.session.scalars(
            select(ProtectionRegistrationRow).where(ProtectionRegistrationRow.id.in_(wanted))
        )
        return {row.id: row for row in rows}

    def add_registration(
        self, row: ProtectionRegistrationRow, keys: Iterable[str]
    ) -> ProtectionRegistrationRow:
        self.session.add(row)
        self.session.flush()
        self.session.add_all(
            ProtectionNameKeyRow(key=key, registration_id=row.id) for key in sorted(set(keys))
        )
        self.session.flush()
        return row

    def search_registrations(
        self,
        token_key_sets: Sequence[Iterable[str]],
        *,
        registering_state: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ProtectionRegistrationRow]:
        """Registrations whose names match every query word (by key), newest registration first."""
        query = select(ProtectionRegistrationRow)
        for keys in [sorted(set(keys)) for keys in token_key_sets if keys][:8]:
            matching = select(ProtectionNameKeyRow.registration_id).where(ProtectionNameKeyRow.key.in_(keys))
            query = query.where(ProtectionRegistrationRow.id.in_(matching))
        if registering_state:
            query = query.where(ProtectionRegistrationRow.registering_state == registering_state)
        if kind:
            query = query.where(ProtectionRegistrationRow.kind == kind)
        if status:
            query = query.where(ProtectionRegistrationRow.status == status)
        query = (
            query.order_by(ProtectionRegistrationRow.registration_date.desc(), ProtectionRegistrationRow.id)
            .limit(limit)
            .offset(offset)
        )
        return list(self.session.scalars(query))

    def all_registrations(self) -> list[ProtectionRegistrationRow]:
        return list(
            self.session.scalars(
                select(ProtectionRegistrationRow).order_by(
                    ProtectionRegistrationRow.registration_date, ProtectionRegistrationRow.id
                )
            )
        )

    def count_registrations(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ProtectionRegistrationRow)) or 0

    def minors_of(self, registration_id: str) -> list[ProtectionRegistrationRow]:
        query = select(ProtectionRegistrationRow).where(
            ProtectionRegistrationRow.accompanying_adult_id == registration_id
        )
        return list(self.session.scalars(query.order_by(ProtectionRegistrationRow.birth_date)))

    # --- review queue -------------------------------------------------------------------------------
    def review_item(self, item_id: int) -> DuplicateReviewRow | None:
        return self.session.get(DuplicateReviewRow, item_id)

    def review_item_by_fingerprint(self, fingerprint: str) -> DuplicateReviewRow | None:
        return self.session.scalar(
            select(DuplicateReviewRow).where(DuplicateReviewRow.fingerprint == fingerprint)
        )

    def review_items(
        self, status: str | None = "pending", limit: int = 100, offset: int = 0
    ) -> list[DuplicateReviewRow]:
        query = select(DuplicateReviewRow)
        if status:
            query = query.where(DuplicateReviewRow.status == status)
        query = (
            query.order_by(DuplicateReviewRow.probability.desc(), DuplicateReviewRow.id)
            .limit(limit)
            .offset(offset)
        )
        return list(self.session.scalars(query))

    def count_review_items(self, status: str | None = None) -> int:
        query = select(func.count()).select_from(DuplicateReviewRow)
        if status:
            query = query.where(DuplicateReviewRow.status == status)
        return self.session.scalar(query) or 0
