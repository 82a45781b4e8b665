"""Crime-scene correlation through the space-time index equals brute force, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from sqlalchemy import select

from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.db import Database
from qorgau.monitoring import service
from qorgau.monitoring.center import from_posix, posix
from qorgau.monitoring.domain.correlation import Track, TrackPoint, near
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.domain.spacetime import INTERPOLATION_MAX_GAP_S
from qorgau.monitoring.store import DeviceRow, OrderRow, PositionRow
from tests.integration.monitoring.conftest import ACTOR, NOW, T0, add_order, add_person

CITY = (43.2567, 76.9286)
DAY = dt.timedelta(days=1)


def brute_force(database: Database, lat: float, lon: float, radius: float, t1: dt.datetime, t2: dt.datetime):  # type: ignore[no-untyped-def]
    """Every stored track under an order, no index: the reference answer."""
    with database.session() as session:
        orders = {o.id: o for o in session.scalars(select(OrderRow))}
        devices = dict(session.execute(select(DeviceRow.id, DeviceRow.identifier)).all())
        points: dict[tuple[int, int], list[TrackPoint]] = defaultdict(list)
        for row in session.scalars(select(PositionRow).where(PositionRow.order_id.is_not(None))):
            if row.valid and row.lat is not None and row.lon is not None:
                points[(row.order_id, row.device_id)].append(TrackPoint(posix(row.time), row.lat, row.lon))
    tracks = [
        Track(
            orders[order_id].person_id,
            str(order_id),
            devices[device_id],
            track,
            posix(orders[order_id].start_at),
            posix(orders[order_id].end_at),
        )
        for (order_id, device_id), track in points.items()
    ]
    return near(lat, lon, radius, posix(t1), posix(t2), tracks, max_gap_s=INTERPOLATION_MAX_GAP_S)


def indexed(database: Database, lat: float, lon: float, radius: float, t1: dt.datetime, t2: dt.datetime):  # type: ignore[no-untyped-def]
    with database.session() as session:
        return service.find_near(
            session, ACTOR, lat, lon, radius, t1, t2, purpose="equality test", legal_basis="test case 1"
        )


def fill(database: Database, seed: int) -> list[DecodedFix]:
    """Random walks of 10 people over two days: some orders end, one device moves to another order,
    a device with no order, silences longer than the interpolation gap, and GPS jumps."""
    rng = random.Random(seed)
    people = [add_person(database, f"Person {i}") for i in range(10)]
    for i, person in enumerate(people):
        if i == 0:  # one device, two orders one after the other
            add_order(database, f"o{i}a", "shared", person=person, start=T0, end=T0 + DAY)
            add_order(database, f"o{i}b", "shared", person=people[1], start=T0 + DAY, end=T0 + 3 * DAY)
        elif i != 1:
            start = T0 + dt.timedelta(hours=rng.choice([0, 0, 6]))
            end = start + dt.timedelta(hours=rng.choice([20, 30, 60]))
            add_order(database, f"o{i}", f"dev{i}", person=person, start=start, end=end)
    fixes: list[DecodedFix] = []
    for device in ["shared", *(f"dev{i}" for i in range(2, 10)), "no-order"]:
        lat, lon = destination(*CITY, rng.uniform(0, 360), rng.uniform(0, 3000))
        t = T0 - dt.timedelta(hours=2)
        while t < T0 + 2 * DAY:
            step = rng.random()
            if step < 0.03:
                t += dt.timedelta(minutes=rng.uniform(31, 120))  # a silence: no movement in between
            else:
                t += dt.timedelta(seconds=rng.uniform(20, 600))
            if rng.random() < 0.01:  # a GPS jump
                lat, lon = destination(lat, lon, rng.uniform(0, 360), rng.uniform(5000, 40000))
            else:
                lat, lon = destination(lat, lon, rng.uniform(0, 360), rng.uniform(0, 400))
            fixes.append(DecodedFix(device, t.replace(microsecond=0), lat, lon, True, speed_kmh=5.0))
    rng.shuffle(fixes)  # arrival order is not time order: late fixes must be indexed too
    for start in range(0, len(fixes), 700):
        service.do_ingest(database, fixes[start : start + 700], "test", now=NOW, register_unknown=True)
    return fixes


@pytest.mark.parametrize(("seed", "hull"), [(1, False), (2, False), (1, True)])
def test_indexed_correlation_equals_brute_force_on_random_data(
    any_db: Database, seed: int, hull: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if hull:  # the fallback of very broad requests: the window's hull, a few devices a statement
        monkeypatch.setattr(service, "NEAR_RANGE_TERMS", 0)
        monkeypatch.setattr(service, "NEAR_DEVICES_PER_STATEMENT", 2)
    fixes = fill(any_db, seed)
    rng = random.Random(seed * 100)
    matches = interpolated = 0
    for _ in range(50):
        # Around a stored fix, or anywhere in town; windows from minutes to hours.
        seen = rng.choice(fixes)
        assert seen.time is not None and seen.lat is not None and seen.lon is not None
        radius = rng.choice([30.0, 150.0, 500.0, 2000.0])
        window = dt.timedelta(minutes=rng.choice([5, 30, 120, 600]))
        if rng.random() < 0.7:
            lat, lon = destination(seen.lat, seen.lon, rng.uniform(0, 360), rng.uniform(0, 1.5 * radius))
            t1 = seen.time - window * rng.random()
        else:
            lat, lon = destination(*CITY, rng.uniform(0, 360), rng.uniform(0, 4000))
            t1 = T0 + dt.timedelta(minutes=rng.uniform(-180, 2 * 24 * 60))
        t2 = t1 + window
        expected = brute_force(any_db, lat, lon, radius, t1, t2)
        got = indexed(any_db, lat, lon, radius, t1, t2)
        assert [(r.person_id, str(r.order_id), r.device, r.distance_m, r.time, r.kind) for r in got] == [
            (m.person, m.order, m.device, m.distance_m, from_posix(m.time), m.kind) for m in expected
        ]
        matches += len(got)
        interpolated += sum(1 for r in got if r.kind == "interpolated")
    assert matches > 20 and interpolated > 0  # the comparison was not vacuous


def test_a_pass_between_two_far_fixes_is_found_as_interpolated(any_db: Database) -> None:
    add_order(any_db, "o1", "dev-1")
    west = destination(*destination(*CITY, 0.0, 40.0), 270.0, 2000.0)
    east = destination(*destination(*CITY, 0.0, 40.0), 90.0, 2000.0)
    service.do_ingest(
        any_db,
        [
            DecodedFix("dev-1", T0, *west, True),
            DecodedFix("dev-1", T0 + dt.timedelta(minutes=10), *east, True),
        ],
        "test",
        now=NOW,
    )
    (row,) = indexed(any_db, *CITY, 100.0, T0, T0 + dt.timedelta(minutes=10))
    assert row.kind == "interpolated" and row.order == "o1" and row.person.startswith("")
    assert row.distance_m == pytest.approx(40.0, abs=0.5)
    assert row.time == T0 + dt.timedelta(minutes=5)


def test_a_correlation_query_needs_a_purpose_and_basis_and_is_audited(any_db: Database) -> None:
    with any_db.session() as session, pytest.raises(MissingLegalBasis) as caught:
        service.find_near(session, ACTOR, *CITY, 100.0, T0, T0 + DAY, purpose="x", legal_basis="case 1")
    assert caught.value.field == "purpose"
    indexed(any_db, *CITY, 100.0, T0, T0 + DAY)
    with any_db.session() as session:
        entry = session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "monitoring.correlation.near")
            .order_by(AuditEntry.seq)
        )
    assert entry is not None and entry.purpose == "equality test" and entry.legal_basis == "test case 1"


@pytest.mark.parametrize(
    ("radius", "hours", "field"), [(50_000.0, 1, "radius_m"), (100.0, 24 * 40, "to"), (-1.0, 1, "radius_m")]
)
def test_a_request_too_broad_is_refused(sqlite_db: Database, radius: float, hours: int, field: str) -> None:
    with sqlite_db.session() as session, pytest.raises(ValueError) as caught:
        service.find_near(
            session,
            ACTOR,
            *CITY,
            radius,
            T0,
            T0 + dt.timedelta(hours=hours),
            purpose="too wide",
            legal_basis="case 1",
        )
    assert getattr(caught.value, "field", None) == field
