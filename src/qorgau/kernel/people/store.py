"""Tables and repository of the people registry, with a name-key index for transliterated search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from qorgau.kernel.db import Base, UtcDateTime, utcnow


class PersonRow(Base):
    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    latin_name: Mapped[str] = mapped_column(String(300))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    citizenships: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    immunity: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="DocumentRow.id", lazy="selectin"
    )


class DocumentRow(Base):
    __tablename__ = "person_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(60))
    issuing_country: Mapped[str | None] = mapped_column(String(2))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[PersonRow] = relationship(back_populates="documents")


class NameKeyRow(Base):
    """One phonetic key of one name token of a person (see ``people.domain.transliteration``)."""

    __tablename__ = "person_name_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, person: PersonRow, keys: Iterable[str]) -> PersonRow:
        self.session.add(person)
        self.session.flush()
        self.replace_keys(person.id, keys)
        return person

    def replace_keys(self, person_id: str, keys: Iterable[str]) -> None:
        existing = self.session.scalars(select(NameKeyRow).where(NameKeyRow.person_id == person_id))
        for row in existing:
            self.session.delete(row)
        self.session.flush()
        self.session.add_all(NameKeyRow(key=key, person_id=person_id) for key in sorted(set(keys)))
        self.session.flush()

    def get(self, person_id: str) -> PersonRow | None:
        return self.session.get(PersonRow, person_id)

    def candidates(self, token_key_sets: Sequence[Iterable[str]], limit: int = 500) -> list[PersonRow]:
        """People matching every query token: for each token, at least one of its keys."""
        sets = [sorted(set(keys)) for keys in token_key_sets if keys]
        if not sets:
            return []
        query = select(PersonRow)
        for keys in sets[:8]:
            token_matches = select(NameKeyRow.person_id).where(NameKeyRow.key.in_(keys))
            query = query.where(PersonRow.id.in_(token_matches))
        return list(self.session.scalars(query.limit(limit)))

    def list(self, limit: int = 100, offset: int = 0) -> list[PersonRow]:
        query = select(PersonRow).order_by(PersonRow.latin_name, PersonRow.id).limit(limit).offset(offset)
        return list(self.session.scalars(query))

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(PersonRow)) or 0
