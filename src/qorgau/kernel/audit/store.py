"""The audit log table and its head record (count and last hash, updated in the same transaction)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from qorgau.kernel.audit.domain import AuditRecord
from qorgau.kernel.db import Base, UtcDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def to_record(self) -> AuditRecord:
        return AuditRecord(
            seq=self.seq,
            at=self.at,
            actor=self.actor,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            purpose=self.purpose,
            legal_basis=self.legal_basis,
            details=json.loads(self.details or "{}"),
            prev_hash=self.prev_hash,
            hash=self.hash,
        )


class AuditHead(Base):
    """One row: how many entries the log holds and the last hash. Also the append lock."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def head_for_update(self) -> AuditHead | None:
        return self.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())

    def head(self) -> AuditHead | None:
        return self.session.get(AuditHead, 1)

    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)

    def iter_records(self, batch: int = 5000) -> Iterator[AuditRecord]:
        """Every entry in stored order (by sequence number), streamed."""
        result = self.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        for entry in result.yield_per(batch):
            yield entry.to_record()

    def recent(
        self, limit: int = 100, object_type: str | None = None, object_id: str | None = None
    ) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if object_type:
            query = query.where(AuditEntry.object_type == object_type)
        if object_id:
            query = query.where(AuditEntry.object_id == object_id)
        return list(self.session.scalars(query))


def details_json(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, ensure_ascii=False, default=str)
