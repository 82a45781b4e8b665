"""``qorgau serve``'s side of the bus: fixes published after a plausibility check, live events back
(alerts and positions the workers commit reach the live hub of serve)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from qorgau.ingest.bus import IngestSettings
from qorgau.ingest.edge import close_edge, open_edge
from qorgau.kernel.db import Database
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.live import ALERT, POSITION, LiveEvent, LiveHub, LiveSettings
from qorgau.monitoring.store import AlertRow, OrderRow, PositionRow
from tests.integration.ingest.conftest import HOME, ZONE, NatsServer, Workers, exclusion_zone, wait_stored
from tests.integration.monitoring.conftest import add_order

pytestmark = [pytest.mark.postgres]


def test_an_edge_fix_is_stored_by_a_worker_and_its_alert_reaches_the_live_hub(
    postgres_db: Database, nats_server: NatsServer, workers_for: Callable[..., Workers]
) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    term = {"start": now - dt.timedelta(minutes=2), "end": now + dt.timedelta(days=30)}
    add_order(postgres_db, "edge-1", "861000000000001", zones=[exclusion_zone()], **term)
    workers = workers_for(postgres_db, nats_server)
    workers.start("a")
    fixes = [
        DecodedFix("861000000000001", now - dt.timedelta(seconds=20), *HOME, True),
        DecodedFix("861000000000001", now - dt.timedelta(seconds=10), *ZONE, True),
        DecodedFix("861000000000001", now + dt.timedelta(days=2), *HOME, True),  # implausible
    ]

    async def run() -> tuple[list[Any], dict[str, Any], list[dict[str, Any]]]:
        hub = LiveHub(LiveSettings())
        hub.start()
        events: list[LiveEvent] = []
        hub.broker.add_tap(events.append)  # every event (a browser's queue keeps a device's latest only)
        edge = await open_edge(hub, IngestSettings(url=nats_server.url, partitions=8))
        assert edge is not None

        def seen() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            alerts = [dict(e.data) for e in events if e.kind == ALERT and e.data["type"] != "signal_loss"]
            return alerts, [dict(e.data) for e in events if e.kind == POSITION]

        try:
            outcomes = await asyncio.to_thread(edge.store, fixes, "osmand")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while loop.time() < deadline and (not seen()[0] or len(seen()[1]) < 2):
                await asyncio.sleep(0.1)
            alerts, positions = seen()
            if not alerts or len(positions) < 2:
                raise AssertionError(f"alerts {alerts}, positions {positions}\n" + workers.logs())
            return list(outcomes), alerts[0], positions
        finally:
            await close_edge(edge)
            await hub.stop()

    outcomes, alert, positions = asyncio.run(run())
    assert [outcome.status for outcome in outcomes] == ["stored", "stored", "rejected"]
    assert outcomes[2].reason == "future_time"
    assert alert["type"] == "exclusion_zone_violation"
    assert alert["device"] == "861000000000001"
    assert alert["order"] == "edge-1"
    assert isinstance(alert["order_id"], int)  # a probation officer's stream filters on it
    assert [(p["device"], p["lat"], p["order"]) for p in positions] == [
        ("861000000000001", HOME[0], "edge-1"),
        ("861000000000001", ZONE[0], "edge-1"),
    ]
    assert all(p["order_id"] == alert["order_id"] for p in positions)
    wait_stored(postgres_db, 2, 30, workers)
    with postgres_db.session() as session:
        sources = session.scalars(select(PositionRow.source)).all()
    assert sources == ["osmand", "osmand"]


def test_without_an_ingest_url_serve_stays_embedded() -> None:
    assert asyncio.run(open_edge(None, IngestSettings(url=None))) is None


def test_workers_run_the_timers_of_their_partitions_once(
    postgres_db: Database, nats_server: NatsServer, workers_for: Callable[..., Workers]
) -> None:
    """A device that never reports: the worker owning its partition raises signal loss (once, with
    two workers sweeping their own partitions)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    term = {"start": now - dt.timedelta(minutes=30), "end": now + dt.timedelta(days=30)}
    add_order(postgres_db, "silent-1", "861000000000002", signal_loss_minutes=5, **term)
    with postgres_db.session() as session:  # recorded well before the sweeps look at it
        session.execute(update(OrderRow).values(created_at=now - dt.timedelta(hours=1)))
    workers = workers_for(postgres_db, nats_server, QORGAU_INGEST_TIMER_INTERVAL_S="0.5")
    workers.start("a", timers=True)
    workers.start("b", timers=True)
    deadline = time.monotonic() + 60
    found: list[str] = []
    while time.monotonic() < deadline and not found:
        with postgres_db.session() as session:
            found = list(session.scalars(select(AlertRow.type)))
        time.sleep(0.3)
    time.sleep(2.0)  # both workers keep sweeping; neither may raise it again
    with postgres_db.session() as session:
        found = list(session.scalars(select(AlertRow.type)))
    assert found == ["signal_loss"], workers.logs()
