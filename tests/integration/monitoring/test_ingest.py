"""The ingest pipeline on SQLite and PostgreSQL: idempotent, transactional, rules run once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.db import Database
from qorgau.monitoring import service
from qorgau.monitoring.center import MonitoringCenter, center_for
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.store import AlertRow, DeviceRow, IngestCounterRow, PositionRow, PresenceRow
from tests.integration.monitoring.conftest import ACTOR, HOME, NOW, T0, add_order, add_person, fix, home_zone

AWAY = destination(*HOME, 90.0, 2000.0)


def alerts_of(database: Database) -> list[tuple[str, str]]:
    with database.session() as session:
        return [
            (row.type, row.started_at.isoformat())
            for row in session.scalars(select(AlertRow).order_by(AlertRow.started_at, AlertRow.id))
        ]


def counters(database: Database) -> dict[tuple[str, str], int]:
    with database.session() as session:
        return {
            (row.outcome, row.reason): row.count
            for row in session.scalars(select(IngestCounterRow).where(IngestCounterRow.source == "test"))
        }


def test_a_resent_fix_is_stored_once_and_evaluated_once(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1", zones=[home_zone()])
    batch = [fix("dev-1", 0), fix("dev-1", 1, *AWAY), fix("dev-1", 1, *AWAY)]
    first = service.do_ingest(any_db, batch, "test", now=NOW)
    assert first.outcomes == ["accepted", "accepted", "duplicate"]
    assert [a.type for a in first.alerts] == ["inclusion_zone_violation"]
    again = service.do_ingest(any_db, batch, "test", now=NOW)
    assert again.outcomes == ["duplicate", "duplicate", "duplicate"] and again.alerts == []
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(PositionRow)) == 2
    assert alerts_of(any_db) == [("inclusion_zone_violation", (T0 + dt.timedelta(minutes=1)).isoformat())]
    assert counters(any_db) == {("accepted", ""): 2, ("duplicate", ""): 4}


def test_implausible_fixes_and_unknown_devices_are_rejected_and_counted_by_reason(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1")
    future = dataclasses.replace(fix("dev-1", 0), time=NOW + dt.timedelta(days=2))
    result = service.do_ingest(
        any_db,
        [future, fix("dev-1", 1, 95.0, 10.0), fix("dev-1", 2, 0.0, 0.0), fix("stranger", 3), fix("dev-1", 4)],
        "test",
        now=NOW,
    )
    assert result.outcomes == [
        "rejected:future_time",
        "rejected:impossible_coordinates",
        "rejected:null_island",
        "rejected:unknown_device",
        "accepted",
    ]
    assert counters(any_db) == {
        ("rejected", "future_time"): 1,
        ("rejected", "impossible_coordinates"): 1,
        ("rejected", "null_island"): 1,
        ("rejected", "unknown_device"): 1,
        ("accepted", ""): 1,
    }


def test_a_fix_outside_every_order_is_kept_unassigned_and_never_evaluated(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1", zones=[home_zone()], start=T0 + dt.timedelta(days=1))
    result = service.do_ingest(any_db, [fix("dev-1", 0, *AWAY, event="tamper")], "test", now=NOW)
    assert result.accepted == 1 and result.unassigned == 1 and result.alerts == []
    with any_db.session() as session:
        row = session.scalar(select(PositionRow))
        assert row is not None and row.order_id is None
        assert session.scalar(select(func.count()).select_from(PresenceRow)) == 0
        found = service.find_near(
            session,
            ACTOR,
            *AWAY,
            100.0,
            T0 - dt.timedelta(hours=1),
            T0 + dt.timedelta(hours=1),
            purpose="test search",
            legal_basis="case 1",
        )
    assert found == []
    assert counters(any_db) == {("unassigned", ""): 1}


def test_a_tamper_episode_raises_one_alert_until_it_clears(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1")
    events = ["tamper", "tamper", None, "tamper"]
    for minute, event in enumerate(events):
        service.do_ingest(any_db, [fix("dev-1", minute, event=event)], "test", now=NOW)
    assert [t for t, _ in alerts_of(any_db)] == ["tamper", "tamper"]


def test_a_report_without_position_still_raises_tamper(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1", zones=[home_zone()])
    blind = DecodedFix("dev-1", T0, None, None, False, event="tamper")
    result = service.do_ingest(any_db, [blind], "test", now=NOW)
    assert [a.type for a in result.alerts] == ["tamper"]
    # With a known position the rules use it: no zone alert for a person last seen at home.
    service.do_ingest(any_db, [fix("dev-1", 1)], "test", now=NOW)
    later = DecodedFix("dev-1", T0 + dt.timedelta(minutes=2), None, None, False, event="power_off")
    assert [a.type for a in service.do_ingest(any_db, [later], "test", now=NOW).alerts] == ["device_off"]


def test_a_restart_resumes_the_rule_state_from_the_database(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1", zones=[home_zone()])
    service.do_ingest(any_db, [fix("dev-1", 0, *AWAY)], "test", now=NOW)
    fresh = MonitoringCenter(any_db)  # what a new process sees
    # Still outside: the episode is open, so nothing new; back home and out again: a new episode.
    assert fresh.ingest([fix("dev-1", 1, *AWAY)], "test", now=NOW).alerts == []
    fresh.ingest([fix("dev-1", 2)], "test", now=NOW)
    assert [a.type for a in fresh.ingest([fix("dev-1", 3, *AWAY)], "test", now=NOW).alerts] == [
        "inclusion_zone_violation"
    ]
    assert len(alerts_of(any_db)) == 2


def test_two_processes_never_double_an_alert_or_miss_an_episode(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1", zones=[home_zone()])
    first, second = MonitoringCenter(any_db), MonitoringCenter(any_db)
    assert len(first.ingest([fix("dev-1", 0, *AWAY)], "test", now=NOW).alerts) == 1
    # The second process must see the open episode that the first one wrote.
    assert second.ingest([fix("dev-1", 1, *AWAY)], "test", now=NOW).alerts == []
    second.ingest([fix("dev-1", 2)], "test", now=NOW)
    # And the first must see that the second closed it.
    assert len(first.ingest([fix("dev-1", 3, *AWAY)], "test", now=NOW).alerts) == 1
    assert len(alerts_of(any_db)) == 2


def test_a_failed_transaction_loses_nothing_and_a_retry_stores_everything(
    any_db: Database, monkeypatch: pytest.MonkeyPatch, heard: list[Any]
) -> None:
    add_order(any_db, "o1", "dev-1", zones=[home_zone()])
    center = center_for(any_db)

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(MonitoringCenter, "_count", staticmethod(broken))
    with pytest.raises(RuntimeError):
        center.ingest([fix("dev-1", 0, *AWAY)], "test", now=NOW)
    monkeypatch.undo()
    assert alerts_of(any_db) == [] and heard == []
    retry = center.ingest([fix("dev-1", 0, *AWAY)], "test", now=NOW)
    assert retry.accepted == 1 and [a.type for a in retry.alerts] == ["inclusion_zone_violation"]
    assert [record.type for record in heard] == ["inclusion_zone_violation"]


def test_timers_raise_signal_loss_and_escalate_unacknowledged_alerts(
    any_db: Database, heard: list[Any]
) -> None:
    add_order(any_db, "o1", "dev-1", signal_loss_minutes=30, acknowledgement_minutes=5)
    service.do_ingest(any_db, [fix("dev-1", 0)], "test", now=T0)
    center = center_for(any_db)
    raised = center.run_timers(T0 + dt.timedelta(minutes=31), now=T0 + dt.timedelta(minutes=31))
    assert [r.type for r in raised] == ["signal_loss"]
    assert raised[0].time == T0 + dt.timedelta(minutes=30)
    escalated = center.run_timers(T0 + dt.timedelta(minutes=37))
    assert [(r.type, r.change, r.escalated) for r in escalated] == [("signal_loss", "escalated", True)]
    assert center.run_timers(T0 + dt.timedelta(minutes=40)) == []
    assert [r.change for r in heard] == ["raised", "escalated"]
    with any_db.session() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("monitoring.alert.%"))
                .order_by(AuditEntry.seq)
            )
        )
    assert actions == ["monitoring.alert.raise", "monitoring.alert.escalate"]


def test_a_fix_stamped_before_a_sweep_at_the_clock_still_raises_its_zone_alert(
    any_db: Database, heard: list[Any]
) -> None:
    add_order(any_db, "o1", "dev-1", zones=[home_zone()], signal_loss_minutes=30)
    center = center_for(any_db)
    service.do_ingest(any_db, [fix("dev-1", 0)], "test", now=T0)
    for second in range(5, 125, 5):  # the server's sweep, every 5 s at the clock
        instant = T0 + dt.timedelta(seconds=second)
        assert center.run_timers(instant, now=instant) == []
    # Stamped at 1:30, in flight while the sweeps ran to 2:00: evaluated in full when it lands.
    result = service.do_ingest(any_db, [fix("dev-1", 1.5, *AWAY)], "test", now=T0 + dt.timedelta(minutes=2))
    assert [a.type for a in result.alerts] == ["inclusion_zone_violation"]
    assert result.alerts[0].time == T0 + dt.timedelta(minutes=1.5)
    # Signal loss is raised once, at its deadline, however many sweeps pass over it.
    raised = []
    for minute in range(2, 40):
        instant = T0 + dt.timedelta(minutes=minute)
        raised += center.run_timers(instant, now=instant, escalate=False)
    assert [(r.type, r.time) for r in raised] == [("signal_loss", T0 + dt.timedelta(minutes=31.5))]
    center.forget()  # a restart reads the state back: the alert is not raised again
    assert center.run_timers(T0 + dt.timedelta(minutes=45), escalate=False) == []
    assert [r.type for r in heard] == ["inclusion_zone_violation", "signal_loss"]


def test_the_live_sweep_waits_for_a_new_orders_data_to_land(any_db: Database) -> None:
    # An import writes its orders, then their fixes; the server's sweep may run in between. Judged
    # before its fixes, an order's whole term looks silent and the fixes that follow come late.
    from qorgau.monitoring.listeners import sweep_timers

    wall = dt.datetime.now(dt.UTC).replace(microsecond=0)
    term = {"start": wall - dt.timedelta(days=3), "end": wall + dt.timedelta(days=30)}
    add_order(any_db, "o1", "dev-1", zones=[home_zone()], **term)
    add_order(any_db, "o2", "dev-2", zones=[home_zone()], **term)
    first = wall - dt.timedelta(days=3) + dt.timedelta(minutes=5)  # out, five minutes into the term

    def out(device: str) -> DecodedFix:
        return dataclasses.replace(fix(device, 0, *AWAY), time=first)

    sweep_timers(any_db)  # both orders were written a moment ago: not taken up yet
    result = service.do_ingest(any_db, [out("dev-1")], "import", now=wall)
    assert [(a.type, a.details["reason"], a.time) for a in result.alerts] == [
        ("inclusion_zone_violation", "outside", first)
    ]
    # What a sweep that took the order up at once would have done: three silent days judged, and
    # the fix from before them comes late.
    center_for(any_db).run_timers(wall, now=wall, escalate=False)
    late = service.do_ingest(any_db, [out("dev-2")], "import", now=wall)
    assert late.accepted == 1 and late.alerts == []


def test_victim_proximity_uses_the_protected_persons_device(any_db: Database) -> None:
    victim = add_person(any_db, "Айгерим Сапарова")
    with any_db.session() as session:
        service.do_register_device(session, ACTOR, "victim-app", protocol="osmand", holder_person=victim)
    add_order(any_db, "o1", "dev-1", min_distance_m=500, protected_person=victim)
    near_home = destination(*HOME, 0.0, 200.0)
    service.do_ingest(any_db, [fix("victim-app", 0)], "test", now=NOW)
    result = service.do_ingest(any_db, [fix("dev-1", 1, *near_home)], "test", now=NOW)
    assert [a.type for a in result.alerts] == ["victim_proximity"]
    assert result.alerts[0].details["distance_m"] == pytest.approx(200.0, abs=1.0)
    with any_db.session() as session:
        kept = session.execute(
            select(PositionRow.order_id).join(DeviceRow).where(DeviceRow.identifier == "victim-app")
        ).all()
    # The protected person's positions serve the proximity rule only: no order, no correlation.
    assert kept == [(None,)]


def test_an_import_sized_batch_is_stored_in_one_transaction(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1")
    batch = [fix("dev-1", minute / 6, *destination(*HOME, 90.0, minute * 2.0)) for minute in range(3000)]
    result = service.do_ingest(any_db, batch, "test", now=NOW)
    assert result.accepted == 3000
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(PositionRow)) == 3000
        assert session.scalar(select(func.count()).select_from(PresenceRow)) > 0


def test_decoded_device_reports_go_through_the_same_pipeline(sqlite_db: Database) -> None:
    from qorgau.monitoring.domain.protocols import decode_osmand_query

    add_order(sqlite_db, "o1", "123456", zones=[home_zone()])
    stamp = int(T0.timestamp()) + 60
    away = f"id=123456&lat={AWAY[0]}&lon={AWAY[1]}&timestamp={stamp}&alarm=removing&batt=15"
    decoded = decode_osmand_query(away, NOW)
    result = service.do_ingest(sqlite_db, [decoded, decoded], "osmand", now=NOW)
    assert result.outcomes == ["accepted", "duplicate"]
    assert sorted(a.type for a in result.alerts) == ["inclusion_zone_violation", "low_battery", "tamper"]
