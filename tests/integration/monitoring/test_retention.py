"""Retention and legal holds on both stores; alert transitions pushed only once committed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.db import Database
from qorgau.monitoring import service
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.store import AlertTransitionRow, PositionRow, PresenceRow
from tests.integration.monitoring.conftest import ACTOR, HOME, T0, add_order, fix

END = T0 + dt.timedelta(days=2)


def positions(database: Database, order: str | None) -> int:
    with database.session() as session:
        query = select(func.count()).select_from(PositionRow)
        if order is None:
            query = query.where(PositionRow.order_id.is_(None))
        else:
            query = query.where(PositionRow.order_id == service._order(session, order).id)
        return int(session.scalar(query) or 0)


def fill(database: Database) -> None:
    add_order(database, "kept", "dev-kept", end=END, retention_days=30)
    add_order(database, "gone", "dev-gone", end=END, retention_days=30)
    add_order(database, "held", "dev-held", end=END, retention_days=30)
    batch = [
        fix(device, minute) for device in ("dev-kept", "dev-gone", "dev-held") for minute in range(0, 120, 10)
    ]
    batch += [fix("stray", minute) for minute in range(3)]
    service.do_ingest(database, batch, "test", now=T0 + dt.timedelta(hours=3), register_unknown=True)


def test_purge_deletes_past_retention_and_keeps_what_is_held(any_db: Database) -> None:
    fill(any_db)
    with any_db.session() as session:
        service.do_update_order(session, ACTOR, "kept", {"retention_days": 400})
        service.do_place_legal_hold(
            session,
            ACTOR,
            "261500031000123",
            order="held",
            start=T0 + dt.timedelta(minutes=30),
            end=T0 + dt.timedelta(minutes=60),
            reason="the accused's alibi",
        )
    # Before the end plus retention nothing goes (the strays are younger than 30 days too).
    with any_db.session() as session:
        early = service.do_purge(session, ACTOR, END + dt.timedelta(days=27))
    assert early["positions_deleted"] == 0
    with any_db.session() as session:
        summary = service.do_purge(session, ACTOR, END + dt.timedelta(days=31))
    assert summary["orders"] == {"gone": 12, "held": 8}
    assert summary["unassigned_deleted"] == 3 and summary["kept_under_legal_hold"] == 4
    assert (
        positions(any_db, "kept") == 12 and positions(any_db, "gone") == 0 and positions(any_db, "held") == 4
    )
    assert positions(any_db, None) == 0
    with any_db.session() as session:
        gone = service._order(session, "gone").id
        assert (
            session.scalar(select(func.count()).select_from(PresenceRow).where(PresenceRow.order_id == gone))
            == 0
        )
        entry = session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "monitoring.retention.purge")
            .order_by(AuditEntry.seq.desc())
        )
    assert entry is not None and '"gone": 12' in entry.details


def test_a_released_hold_no_longer_protects(any_db: Database) -> None:
    fill(any_db)
    with any_db.session() as session:
        hold = service.do_place_legal_hold(
            session, ACTOR, "case-9", device="dev-held", start=T0, end=END, reason="appeal pending"
        )
        hold_id = hold.id
    with any_db.session() as session:
        service.do_release_legal_hold(session, ACTOR, hold_id, "appeal decided")
    with any_db.session() as session:
        service.do_purge(session, ACTOR, END + dt.timedelta(days=31))
    assert positions(any_db, "held") == 0


def test_an_order_under_legal_hold_keeps_every_position(any_db: Database) -> None:
    fill(any_db)
    with any_db.session() as session:
        service.do_update_order(session, ACTOR, "gone", {"legal_hold": True})
        service.do_purge(session, ACTOR, END + dt.timedelta(days=31))
    assert positions(any_db, "gone") == 12


def test_a_transition_is_pushed_only_after_commit(sqlite_db: Database, heard: list[Any]) -> None:
    add_order(
        sqlite_db,
        "o1",
        "dev-1",
        zones=[
            {
                "id": "home",
                "kind": "inclusion",
                "shape": {"type": "circle", "lat": HOME[0], "lon": HOME[1], "radius_m": 100},
            }
        ],
    )
    (raised,) = service.do_ingest(
        sqlite_db, [fix("dev-1", 0, *destination(*HOME, 0.0, 1000.0))], "test"
    ).alerts
    heard.clear()
    with pytest.raises(RuntimeError), sqlite_db.session() as session:
        service.do_transition_alert(session, ACTOR, raised.id, "acknowledged")
        raise RuntimeError("the operator's request failed later")
    assert heard == []
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(AlertTransitionRow)) == 0
        service.do_transition_alert(session, ACTOR, raised.id, "acknowledged", note="called the person")
        assert heard == []  # not yet committed
    assert [(r.id, r.status, r.change) for r in heard] == [(raised.id, "acknowledged", "acknowledged")]
    with sqlite_db.session() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_id == str(raised.id))
                .order_by(AuditEntry.seq)
            )
        )
    assert actions[-1] == "monitoring.alert.acknowledge"
