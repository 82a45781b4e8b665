"""Writing and verifying the audit log.

``do_record`` appends inside the caller's transaction, so an action and its audit entry commit or
roll back together. The head row is locked for the append (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite transactions are serialised by ``BEGIN IMMEDIATE``), so concurrent writers cannot fork the chain.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy.orm import Session

from qorgau.kernel.audit.domain import GENESIS_HASH, AuditRecord, ChainReport, entry_hash, verify_chain
from qorgau.kernel.audit.store import AuditEntry, AuditHead, AuditRepository, details_json
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.db import utcnow


class MissingLegalBasis(ValueError):
    """A read of sensitive data was attempted without a stated purpose and legal basis."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is required to read this data")
        self.field = field


def check_purpose(purpose: str | None, legal_basis: str | None) -> tuple[str, str]:
    """Both stated and non-trivial, or :class:`MissingLegalBasis` naming the missing one."""
    if not purpose or len(purpose.strip()) < 3:
        raise MissingLegalBasis("purpose")
    if not legal_basis or len(legal_basis.strip()) < 3:
        raise MissingLegalBasis("legal_basis")
    return purpose.strip(), legal_basis.strip()


def do_record(
    session: Session,
    actor: Principal | str,
    action: str,
    object_type: str,
    object_id: str | int,
    *,
    purpose: str | None = None,
    legal_basis: str | None = None,
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry (in the caller's transaction) and move the head."""
    repository = AuditRepository(session)
    head = repository.head_for_update()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS_HASH)
        session.add(head)
    stored_details = details_json(details or {})
    record = AuditRecord(
        seq=head.seq + 1,
        at=(at or utcnow()).astimezone(dt.UTC).isoformat(timespec="microseconds"),
        actor=actor.username if isinstance(actor, Principal) else actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose,
        legal_basis=legal_basis,
        details=json.loads(stored_details),
        prev_hash=head.hash,
    )
    digest = entry_hash(record)
    entry = AuditEntry(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        action=action,
        object_type=object_type,
        object_id=record.object_id,
        purpose=purpose,
        legal_basis=legal_basis,
        details=stored_details,
        prev_hash=record.prev_hash,
        hash=digest,
    )
    repository.add(entry)
    head.seq = record.seq
    head.hash = digest
    head.updated_at = utcnow()
    session.flush()
    return entry


def verify(session: Session) -> ChainReport:
    """Walk the whole log and check it against the head."""
    repository = AuditRepository(session)
    head = repository.head()
    return verify_chain(repository.iter_records(), (head.seq, head.hash) if head else None)
