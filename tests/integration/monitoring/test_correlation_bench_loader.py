"""The correlation benchmark's bulk loader stores exactly the rows that live ingest stores.

The benchmark (``bench/monitoring_correlation.py``) loads millions of fixes without the rule
pipeline; its figures mean something only if the positions and the space-time index it writes are
those ingest writes for the same fixes arriving in time order. Here a short slice of the generated
history goes both ways — through :func:`do_ingest` in small batches on SQLite, and through the bulk
loader on each store — and the rows are compared one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.monitoring_correlation import (
    DeviceHistory,
    HistoryOrder,
    bulk_load,
    generate_device_histories,
    history_bundle,
    history_orders,
)
from sqlalchemy import select

from qorgau.kernel.db import Database, upgrade
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.service import do_import_bundle, do_ingest
from qorgau.monitoring.store import DeviceRow, OrderRow, PositionRow, PresenceRow
from qorgau.settings import Settings

from .conftest import ACTOR

NOW = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
SLICE_S = 30 * 3600


def _slice() -> tuple[list[HistoryOrder], list[DeviceHistory]]:
    """Two devices' first 30 hours; the second device's order starts in the middle of them, so its
    earlier fixes are unassigned."""
    orders = history_orders(8_000, seed=7)[:2]
    histories = []
    for number, history in enumerate(generate_device_histories(8_000, seed=7)):
        if number == len(orders):
            break
        keep = history.time < history.time[0] + SLICE_S
        order = history.order
        if number == 1:
            middle = int(history.time[keep][len(history.time[keep]) // 2])
            order = order._replace(start=middle)
        order = order._replace(fixes=int(keep.sum()))
        orders[number] = order
        histories.append(
            DeviceHistory(
                order,
                *(column[keep] for column in (history.time, history.lat, history.lon)),
                *(column[keep] for column in (history.speed_kmh, history.course, history.battery)),
                history.valid[keep],
            )
        )
    return orders, histories


def _ingest(database: Database, orders: list[HistoryOrder], histories: list[DeviceHistory]) -> None:
    do_import_bundle(database, ACTOR, history_bundle(orders), now=NOW)
    fixes = sorted(
        (
            DecodedFix(
                h.order.device,
                dt.datetime.fromtimestamp(int(t), dt.UTC),
                float(lat),
                float(lon),
                bool(valid),
                speed_kmh=float(speed),
                course=float(course),
                battery=float(battery),
            )
            for h in histories
            for t, lat, lon, valid, speed, course, battery in zip(
                h.time, h.lat, h.lon, h.valid, h.speed_kmh, h.course, h.battery, strict=True
            )
        ),
        key=lambda fix: (fix.time, fix.device_id),
    )
    for index in range(0, len(fixes), 250):
        do_ingest(database, fixes[index : index + 250], "osmand", now=NOW)


def _rows(database: Database) -> tuple[list[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Positions and presence rows, with ids replaced by the identifiers they stand for."""
    with database.session() as session:
        devices = dict(session.execute(select(DeviceRow.id, DeviceRow.identifier)).all())
        orders = dict(session.execute(select(OrderRow.id, OrderRow.external_ref)).all())
        positions = [
            (
                devices[p.device_id],
                orders.get(p.order_id),
                p.time,
                p.source,
                p.lat,
                p.lon,
                p.valid,
                p.speed_kmh,
                p.course,
                p.altitude,
                p.accuracy_m,
                p.battery,
                p.event,
                p.attributes,
                p.cell,
                p.bucket,
            )
            for p in session.scalars(select(PositionRow).order_by(PositionRow.device_id, PositionRow.time))
        ]
        presence = {
            (cell, bucket, orders[order_id], devices[device_id])
            for cell, bucket, order_id, device_id in session.execute(select(PresenceRow.__table__))
        }
    return positions, presence


@pytest.fixture
def ingested(tmp_path: Path) -> Iterator[Database]:
    """A SQLite store of its own, filled by live ingest."""
    settings = Settings(environment="test", data_dir=tmp_path / "ingested", listeners=False)  # type: ignore[call-arg]
    upgrade(settings)
    database = Database(settings)
    yield database
    database.dispose()


def test_bulk_loader_writes_the_rows_ingest_writes(ingested: Database, any_db: Database) -> None:
    orders, histories = _slice()
    _ingest(ingested, orders, histories)
    written = bulk_load(any_db, orders, histories)

    positions, presence = _rows(ingested)
    assert written == (len(positions), len(presence))
    assert any(row[1] is None for row in positions), "the slice must hold unassigned fixes"
    assert sum(1 for row in positions if not row[6]) >= 1, "and invalid ones"
    assert _rows(any_db) == (positions, presence)
