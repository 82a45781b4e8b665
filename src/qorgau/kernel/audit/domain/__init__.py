"""The hash chain of the audit log, as pure functions.

Each entry's hash covers its sequence number, time, actor, action, object, purpose, legal basis,
details and the previous entry's hash, as canonical JSON under SHA-256. Changing any field of any
entry, deleting one, inserting one or reordering them breaks the chain at the first affected
entry; the head record (count and last hash) catches truncation of the tail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: str  # ISO 8601 UTC, as stored
    actor: str
    action: str
    object_type: str
    object_id: str
    purpose: str | None
    legal_basis: str | None
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""


def entry_hash(record: AuditRecord) -> str:
    """SHA-256 over the canonical JSON of every field but ``hash`` itself."""
    payload = {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "purpose": record.purpose,
        "legal_basis": record.legal_basis,
        "details": record.details,
        "prev_hash": record.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_broken: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"entries": self.entries, "ok": self.ok}
        if not self.ok:
            document["first_broken"] = self.first_broken
            document["problem"] = self.problem
        return document


def verify_chain(records: Iterable[AuditRecord], head: tuple[int, str] | None) -> ChainReport:
    """Check ``records`` (in stored order) link up, hash right, number 1..N, and end at ``head``.

    ``head`` is ``(count, last_hash)`` as kept beside the log (None when the log was never written).
    """
    previous = GENESIS_HASH
    count = 0
    for record in records:
        count += 1
        if record.seq != count:
            return ChainReport(count - 1, False, count, f"expected entry {count}, found entry {record.seq}")
        if record.prev_hash != previous:
            return ChainReport(count - 1, False, record.seq, "does not link to the previous entry")
        if entry_hash(record) != record.hash:
            return ChainReport(count - 1, False, record.seq, "content does not match its hash")
        previous = record.hash
    head_count, head_hash = head if head else (0, GENESIS_HASH)
    if head_count != count or head_hash != previous:
        return ChainReport(
            count, False, min(count, head_count) + 1, f"log ends at entry {count}, head says {head_count}"
        )
    return ChainReport(count, True)
