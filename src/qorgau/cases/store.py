"""Tables of the electronic case, and where material bytes live.

Tables (all prefixed ``cases_``):

- ``cases_cases`` — one row per case: ERDR number (unique), registration moment and local date,
  region, authority, reason, the assessment facts (JSON, re-assessed on demand), the chosen form
  and its motivated decision, the responsible investigator and the supervising prosecutor (user
  ids), status and the moments the case was completed and sent to court;
- ``cases_offences``, ``cases_participants`` (linked to the people registry by ``person_id``),
  ``cases_defenders`` (which defender user may read which case);
- ``cases_entries`` — the case log: every uploaded material and every procedural act is one entry,
  with its leaf index and RFC 9162 leaf hash; bytes inline (small) or in a file under the data
  directory (``materials/<case id>/<sha256>``); ``search_text`` is the normalised text for search;
- ``cases_acts`` — the procedural acts, each pointing at its log entry;
- ``cases_logs`` — the Merkle state per case: size, compact-range frontier (hex hashes) and the
  latest signed checkpoint;
- ``cases_agreements`` — procedural agreements with their history;
- ``cases_erdr_counters`` — the last serial per year, region, authority and unit.

Full-text search: PostgreSQL keeps ``to_tsvector('simple', search_text)`` of every entry in the narrow
table ``cases_search`` (entry id, case id, the vector stored inline: ``STORAGE MAIN``) with a GIN
index — a search then reads ~0.8 KB a match instead of the entry's wide row and its TOASTed vector
(migration ``cases0002``; ``bench/cases_search.py`` measures it); SQLite leaves that table empty and
uses an FTS5 table kept in step by triggers, created on first
use by :func:`ensure_sqlite_fts` (it is derived data, rebuilt from ``cases_entries`` when missing —
and a virtual table's shadow tables would otherwise be reported by the migration-vs-model check).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, Session, mapped_column

from qorgau.kernel.db import Base, UtcDateTime, utcnow

INLINE_LIMIT = 256 * 1024
FTS_TABLE = "cases_entries_fts"


class CaseRow(Base):
    __tablename__ = "cases_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(15), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[int] = mapped_column(Integer, index=True)
    authority: Mapped[int] = mapped_column(Integer)
    unit: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    registered_on: Mapped[dt.date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    form: Mapped[str | None] = mapped_column(String(20), index=True)
    form_decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    form_motivation: Mapped[str | None] = mapped_column(Text)
    investigator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    prosecutor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_to_court_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class OffenceRow(Base):
    __tablename__ = "cases_offences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    article: Mapped[str] = mapped_column(String(10))
    part: Mapped[str | None] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20))
    category_source: Mapped[str] = mapped_column(String(10))


class ParticipantRow(Base):
    __tablename__ = "cases_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(300))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class DefenderRow(Base):
    __tablename__ = "cases_defenders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    client_position: Mapped[int | None] = mapped_column(Integer)
    assigned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    assigned_by: Mapped[str] = mapped_column(String(100))


class EntryRow(Base):
    """One entry of a case log: an uploaded material or the JSON record of a procedural act."""

    __tablename__ = "cases_entries"
    __table_args__ = (UniqueConstraint("case_id", "leaf_index", name="uq_cases_entries_case_id_leaf_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), index=True)
    leaf_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(180))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    storage_path: Mapped[str | None] = mapped_column(String(300))
    leaf_time: Mapped[str] = mapped_column(String(40))
    leaf_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    added_by: Mapped[str] = mapped_column(String(100))


class EntrySearchRow(Base):
    """PostgreSQL's full-text index of one entry: ``to_tsvector('simple', search_text)``, set on insert.

    Kept apart from ``cases_entries`` so that ranking the matches of a query touches only narrow rows
    (the vector stored inline, ``STORAGE MAIN``), not the entries' texts. Unused on SQLite (FTS5).
    """

    __tablename__ = "cases_search"
    __table_args__ = (Index("ix_cases_search_search_vector", "search_vector", postgresql_using="gin"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("cases_entries.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), index=True)
    search_vector: Mapped[Any] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))


class ActRow(Base):
    __tablename__ = "cases_acts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("cases_entries.id"))


class LogRow(Base):
    """The Merkle state of one case log: enough to append without reading the leaves."""

    __tablename__ = "cases_logs"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    frontier: Mapped[list[str]] = mapped_column(JSON)
    checkpoint: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AgreementRow(Base):
    __tablename__ = "cases_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(30), index=True)
    participant_position: Mapped[int | None] = mapped_column(Integer)
    forwarding_days: Mapped[int] = mapped_column(Integer)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ErdrCounterRow(Base):
    __tablename__ = "cases_erdr_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def next_serial(
    session: Session, year: int, region: int, authority: int, unit: int, *, at_least: int = 0
) -> int:
    """Take the next ERDR serial for (year, region, authority, unit), locking the counter row.

    The counter row is created on first use (``INSERT … ON CONFLICT DO NOTHING``, so two first
    registrations cannot both create it), then locked (``FOR UPDATE`` on PostgreSQL; SQLite
    transactions are serialised by ``BEGIN IMMEDIATE``) until the transaction ends.
    ``at_least`` raises the counter to an imported serial.
    """
    key = {"year": year, "region": region, "authority": authority, "unit": unit}
    if dialect(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(ErdrCounterRow).values(**key, last_serial=0).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(ErdrCounterRow).values(**key, last_serial=0).on_conflict_do_nothing())
    row = session.scalars(
        select(ErdrCounterRow).filter_by(**key).with_for_update().execution_options(populate_existing=True)
    ).one()
    if at_least:
        row.last_serial = max(row.last_serial, at_least)
        session.flush()
        return at_least
    row.last_serial += 1
    session.flush()
    return row.last_serial


def lock_log(session: Session, case_id: int) -> LogRow:
    """The case's log state, locked for an append until the transaction ends."""
    return session.scalars(
        select(LogRow)
        .where(LogRow.case_id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def entries_of(session: Session, case_id: int) -> list[EntryRow]:
    return list(
        session.scalars(select(EntryRow).where(EntryRow.case_id == case_id).order_by(EntryRow.leaf_index))
    )


def ensure_sqlite_fts(session: Session) -> None:
    """Create the SQLite FTS5 index of ``cases_entries.search_text`` (and its triggers) if missing.

    An external-content FTS5 table: the text stays in ``cases_entries``; triggers keep the index in
    step; ``rebuild`` fills it from the table when it is created.
    """
    exists = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": FTS_TABLE}
    ).first()
    if exists:
        return
    old_values = "VALUES ('delete', old.id, old.search_text);"
    remove = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) {old_values}"
    statements = [
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='cases_entries', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON cases_entries BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON cases_entries BEGIN {remove} END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF search_text ON cases_entries BEGIN "
        f"{remove} INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    ]
    for statement in statements:
        session.execute(text(statement))


@dataclass(frozen=True)
class MaterialFiles:
    """Material bytes too large to keep inline, as files under ``<data dir>/materials``.

    Files are content-addressed (``<case id>/<sha256>``) and written atomically (a temporary file
    renamed into place), so a write that fails leaves no partial file, and a file whose database
    row was rolled back is an orphan that harms nothing (the same bytes map to the same name).
    """

    root: Path

    @classmethod
    def under(cls, data_dir: Path) -> MaterialFiles:
        return cls(Path(data_dir) / "materials")

    def relative_path(self, case_id: int, sha256: str) -> str:
        return f"{case_id}/{sha256}"

    def write(self, case_id: int, sha256: str, content: bytes) -> str:
        """Store ``content``; return its path relative to the root. Raises ``OSError`` on failure."""
        relative = self.relative_path(case_id, sha256)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file() and target.stat().st_size == len(content):
            return relative
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return relative

    def read(self, relative: str) -> bytes:
        path = (self.root / relative).resolve()
        if self.root.resolve() not in path.parents:
            raise OSError(f"material path {relative!r} leaves the materials directory")
        return path.read_bytes()
