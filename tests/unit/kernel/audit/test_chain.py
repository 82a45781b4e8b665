"""The audit hash chain finds every edit, deletion, insertion and reordering."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from qorgau.kernel.audit.domain import GENESIS_HASH, AuditRecord, entry_hash, verify_chain


def chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    previous = GENESIS_HASH
    for seq in range(1, n + 1):
        record = AuditRecord(
            seq,
            f"2026-11-25T10:00:{seq % 60:02d}+00:00",
            "alice",
            "person.read",
            "person",
            str(seq),
            "check",
            "case 1",
            {"n": seq},
            previous,
        )
        record = dataclasses.replace(record, hash=entry_hash(record))
        records.append(record)
        previous = record.hash
    return records


def head(records: list[AuditRecord]) -> tuple[int, str]:
    return (len(records), records[-1].hash if records else GENESIS_HASH)


def test_intact_chain_verifies() -> None:
    records = chain(5)
    report = verify_chain(records, head(records))
    assert report.ok and report.entries == 5


def test_empty_log_verifies_without_head() -> None:
    assert verify_chain([], None).ok


def test_edited_purpose_is_found_at_its_entry() -> None:
    records = chain(5)
    tampered = records.copy()
    tampered[2] = dataclasses.replace(records[2], purpose="curiosity")
    report = verify_chain(tampered, head(records))
    assert not report.ok and report.first_broken == 3


def test_deleted_tail_entry_is_found_by_the_head() -> None:
    records = chain(5)
    report = verify_chain(records[:-1], head(records))
    assert not report.ok and report.first_broken == 5


@given(st.integers(min_value=2, max_value=12), st.data())
def test_any_deletion_or_swap_breaks_the_chain(n: int, data: st.DataObject) -> None:
    records = chain(n)
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, n - 1).filter(lambda x: x != i))
    swapped = records.copy()
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert not verify_chain(swapped, head(records)).ok
    deleted = records[:i] + records[i + 1 :]
    assert not verify_chain(deleted, head(records)).ok
