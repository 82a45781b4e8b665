"""Helpers for the monitoring integration tests: orders and fixes on a real store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.db import Database
from qorgau.kernel.people.service import do_add_person
from qorgau.monitoring import service
from qorgau.monitoring.center import alert_listeners
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.store import OrderRow

ACTOR = Principal(user_id=0, username="cli:tester", role="admin", via="cli")
HOME = (43.238, 76.945)
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday, 17:00 in Almaty
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def add_person(database: Database, name: str = "Асқар Нұрланов") -> str:
    with database.session() as session:
        return do_add_person(session, ACTOR, {"name": name}).id


def add_order(
    database: Database,
    ref: str,
    device: str,
    *,
    person: str | None = None,
    start: dt.datetime = T0 - dt.timedelta(minutes=1),
    end: dt.datetime = dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    zones: Sequence[dict[str, Any]] = (),
    **extra: Any,
) -> OrderRow:
    person = person or add_person(database, f"Person {ref}")
    data = {
        "id": ref,
        "person": person,
        "kind": "probation",
        "basis": {"court": "Medeu District Court of Almaty", "number": f"2-{ref}/2026", "date": "2026-02-20"},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "device": device,
        "zones": list(zones),
        **extra,
    }
    with database.session() as session:
        return service.do_create_order(session, ACTOR, data)


def home_zone(schedule: dict[str, Any] | None = None, radius_m: float = 150.0) -> dict[str, Any]:
    return {
        "id": "home",
        "kind": "inclusion",
        "shape": {"type": "circle", "lat": HOME[0], "lon": HOME[1], "radius_m": radius_m},
        "schedule": schedule,
    }


def fix(
    device: str,
    minutes: float,
    lat: float = HOME[0],
    lon: float = HOME[1],
    *,
    event: str | None = None,
    battery: float | None = 80.0,
    valid: bool = True,
) -> DecodedFix:
    return DecodedFix(
        device,
        T0 + dt.timedelta(minutes=minutes),
        lat,
        lon,
        valid,
        speed_kmh=3.0,
        battery=battery,
        event=event,
    )


@pytest.fixture
def heard() -> Iterator[list[Any]]:
    """Every alert record handed to the listeners during the test."""
    records: list[Any] = []
    alert_listeners.append(records.append)
    yield records
    alert_listeners.remove(records.append)
