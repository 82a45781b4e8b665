"""The import bundle of the issue's contract through the live pipeline, on both stores."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from qorgau.kernel.db import Database
from qorgau.kernel.people.store import PersonRow
from qorgau.monitoring import service
from qorgau.monitoring.domain.orders import OrderInvalid
from qorgau.monitoring.store import AlertRow, OrderRow, PositionRow
from tests.integration.monitoring.conftest import ACTOR

CONTRACT_BUNDLE = Path(__file__).with_name("contract_bundle.json")
ALMATY = dt.timezone(dt.timedelta(hours=5))
NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def bundle() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CONTRACT_BUNDLE.read_text(encoding="utf-8"))
    return loaded


def test_the_contract_bundle_raises_the_curfew_violation_when_the_window_opens(any_db: Database) -> None:
    report = service.do_import_bundle(any_db, ACTOR, bundle(), now=NOW)
    assert report.people_created == 1 and report.orders_created == 1 and report.fixes.accepted == 1
    # Timers ran to the last fix plus one day: the window opening at 22:00 found the person outside.
    assert report.timers_until == dt.datetime(2026, 2, 2, 21, 50, tzinfo=ALMATY)
    with any_db.session() as session:
        alerts = service.list_alerts(session, ACTOR)
    opening = [
        a
        for a in alerts
        if a.type == "inclusion_zone_violation" and a.time == dt.datetime(2026, 2, 1, 22, 0, tzinfo=ALMATY)
    ]
    assert len(opening) == 1
    (alert,) = opening
    assert (alert.person, alert.order, alert.device, alert.zone) == ("p1", "o1", "860000000000001", "z1")
    assert alert.details["reason"] == "outside_at_window_start"
    assert alert.status == "new"
    assert any(
        a.type == "signal_loss" and a.time == dt.datetime(2026, 2, 1, 22, 20, tzinfo=ALMATY) for a in alerts
    )


def test_importing_the_same_bundle_twice_stores_nothing_twice(any_db: Database) -> None:
    service.do_import_bundle(any_db, ACTOR, bundle(), now=NOW)
    again = service.do_import_bundle(any_db, ACTOR, bundle(), now=NOW)
    assert (again.people_created, again.people_existing, again.orders_created, again.orders_existing) == (
        0,
        1,
        0,
        1,
    )
    assert again.fixes.duplicates == 1 and again.fixes.accepted == 0
    assert again.fixes.alerts == [] and again.timer_alerts == []
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(PersonRow)) == 1
        assert session.scalar(select(func.count()).select_from(OrderRow)) == 1
        assert session.scalar(select(func.count()).select_from(PositionRow)) == 1
        total = session.scalar(select(func.count()).select_from(AlertRow))
    first_alerts = len(service.do_import_bundle(any_db, ACTOR, bundle(), now=NOW).timer_alerts)
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(AlertRow)) == total
    assert first_alerts == 0


def test_a_bad_bundle_names_the_field_and_stores_nothing(sqlite_db: Database) -> None:
    broken = copy.deepcopy(bundle())
    broken["orders"][0]["zones"][0]["schedule"]["windows"][0]["from"] = "25:00"
    with pytest.raises(OrderInvalid) as caught:
        service.do_import_bundle(sqlite_db, ACTOR, broken, now=NOW)
    assert caught.value.field.startswith("orders[0].zones[0].schedule.windows[0].from")
    unknown = copy.deepcopy(bundle())
    unknown["orders"][0]["person"] = "p404"
    with pytest.raises(OrderInvalid) as caught:
        service.do_import_bundle(sqlite_db, ACTOR, unknown, now=NOW)
    assert caught.value.field == "orders[0].person"
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(PersonRow)) == 0


def test_an_order_may_refer_to_a_person_already_in_the_registry(sqlite_db: Database) -> None:
    service.do_import_bundle(sqlite_db, ACTOR, bundle(), now=NOW)
    with sqlite_db.session() as session:
        person_id = session.scalar(select(PersonRow.id))
    second = {
        "orders": [copy.deepcopy(bundle()["orders"][0]) | {"id": "o2", "person": person_id, "device": "d2"}]
    }
    report = service.do_import_bundle(sqlite_db, ACTOR, second, now=NOW)
    assert report.orders_created == 1 and report.timers_until is None
