"""Crime-scene correlation over the Parquet history, with the SQL path's exact answers.

The question is :func:`qorgau.monitoring.service.find_near`'s: who, under an order in force then,
came within R metres of a place between t1 and t2, at a fix or on the movement between two fixes
(``interpolated``); one row per person, their closest approach, nearest first. The answer is computed
by the same pure function, :func:`qorgau.monitoring.domain.correlation.near`, so the two paths agree
to the last bit (the tests compare them).

How Spark gets there:

1. **Pruning** — only the directories ``day=D/h3=C`` are read for the days from ``t1 − gap`` to
   ``t2 + gap`` and the cells of :func:`~.correlation.disc_cells` of radius R + sample spacing
   (plus each day's ``h3=long``): see :mod:`qorgau.jobs.history` for why that holds every fix and
   every movement that can come within R.
2. **Rows** — fixes in ``[t1, t2]`` and movements overlapping ``[t1, t2]`` (a movement is a real pair
   of consecutive fixes of one order and device, carried by its second fix's row).
3. **Per person, on the executors** — each fix becomes a one-point track and each movement a
   two-point track of its order and device; ``near`` over them returns exactly what it returns over
   the full tracks, because the candidates it weighs (fixes in the window and term, movements
   between consecutive term fixes no more than the gap apart, clipped to the window) are the same
   set. The tracks are ordered as the SQL path orders them (order, device; fixes before movements),
   so even a tie in distance and time resolves the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qorgau.jobs.history import HistoryLayout, days_between
from qorgau.kernel.audit.service import check_purpose
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission
from qorgau.kernel.db import Database
from qorgau.monitoring.center import from_posix, posix
from qorgau.monitoring.domain.correlation import Track, TrackPoint, disc_cells, near
from qorgau.monitoring.permissions import CORRELATION_QUERY
from qorgau.monitoring.service import NearRow, check_near_request, record_near_query

_COLUMNS = (
    "person_id",
    "person_ref",
    "order_id",
    "order_ref",
    "device_id",
    "device",
    "is_fix",
    "lat",
    "lon",
    "prev_lat",
    "prev_lon",
)


DISTRIBUTE_ABOVE_PATHS = 48
"""Above this many ``day/h3`` partitions (e.g. a month around a city), the per-person geometry runs
on the executors; below it, a shuffle costs more than computing on the driver (measured: ≈ 2 s
against ≈ 1 s for a one-hour query on ``local[2]``)."""


@dataclass(frozen=True)
class NearQuery:
    """One correlation question in the form the executors need (POSIX seconds, metres)."""

    lat: float
    lon: float
    radius_m: float
    t1: float
    t2: float
    max_gap_s: float


def partition_paths(
    history: Path,
    layout: HistoryLayout,
    lat: float,
    lon: float,
    radius_m: float,
    t1: dt.datetime,
    t2: dt.datetime,
) -> list[str]:
    """The existing ``day=…/h3=…`` directories a query must read (sorted)."""
    gap = dt.timedelta(seconds=layout.max_gap_s)
    first = (t1 - gap).astimezone(dt.UTC).date()
    last = (t2 + gap).astimezone(dt.UTC).date()
    cells = disc_cells(lat, lon, radius_m + layout.sample_spacing_m, layout.partition_resolution)
    cells.add(layout.long_partition)
    paths: list[str] = []
    for day in days_between(first, last):
        day_dir = Path(history) / f"day={day.isoformat()}"
        if not day_dir.is_dir():
            continue
        paths.extend(
            str(day_dir / f"h3={cell}") for cell in sorted(cells) if (day_dir / f"h3={cell}").is_dir()
        )
    return paths


def closest_for_person(query: NearQuery, rows: Iterable[Any]) -> list[tuple[Any, ...]]:
    """The closest approach of one person (at most one row), from their pruned history rows.

    Each row is a fix (``is_fix``) and/or carries the movement that ends at it (``prev_*``); copies
    of one movement from several partitions count once. Returns
    ``[(person_id, person_ref, order_id, order_ref, device, distance_m, time, kind)]`` or ``[]``.
    """
    fixes: dict[tuple[int, int, int], Any] = {}
    movements: dict[tuple[int, int, int], Any] = {}
    for row in rows:
        key = (row.order_id, row.device_id, row.time_us)
        if row.is_fix and query.t1 <= row.time_us / 10**6 <= query.t2:
            fixes[key] = row
        if row.prev_time_us is not None:
            movements[key] = row
    tracks: list[tuple[tuple[int, int, int, int], Track, Any]] = []
    for key, row in fixes.items():
        point = TrackPoint(row.time_us / 10**6, row.lat, row.lon)
        tracks.append(((key[0], key[1], 0, key[2]), _track(row, [point]), row))
    for key, row in movements.items():
        start = TrackPoint(row.prev_time_us / 10**6, row.prev_lat, row.prev_lon)
        end = TrackPoint(row.time_us / 10**6, row.lat, row.lon)
        tracks.append(((key[0], key[1], 1, key[2]), _track(row, [start, end]), row))
    tracks.sort(key=lambda item: item[0])
    matches = near(
        query.lat,
        query.lon,
        query.radius_m,
        query.t1,
        query.t2,
        [track for _, track, _ in tracks],
        max_gap_s=query.max_gap_s,
    )
    if not matches:
        return []
    (match,) = matches
    source = next(row for _, track, row in tracks if str(row.order_id) == match.order)
    return [
        (
            match.person,
            source.person_ref,
            int(match.order),
            source.order_ref,
            match.device,
            match.distance_m,
            match.time,
            match.kind,
        )
    ]


def _track(row: Any, points: list[TrackPoint]) -> Track:
    return Track(
        person=row.person_id,
        order=str(row.order_id),
        device=row.device,
        points=points,
        term_start=row.term_start_us / 10**6,
        term_end=row.term_end_us / 10**6,
    )


def _per_person(query: NearQuery, keyed: tuple[str, Iterable[Any]]) -> Iterator[tuple[Any, ...]]:
    yield from closest_for_person(query, keyed[1])


def spark_near(
    spark: Any,
    history: Path,
    lat: float,
    lon: float,
    radius_m: float,
    t1: dt.datetime,
    t2: dt.datetime,
    *,
    distribute: bool | None = None,
) -> list[NearRow]:
    """The answer of :func:`find_near` computed by Spark over the history (no permission check and
    no audit: :func:`find_near_in_history` is the use case).

    Spark reads and filters the pruned partitions; the closest approach per person is computed on
    the executors (``distribute=True``: rows shuffled by person, ``near`` in Python workers) or, for
    the usual narrow query whose few hundred rows do not pay for a shuffle, on the driver from the
    collected rows (``False``). ``None`` chooses by the number of partitions read
    (:data:`DISTRIBUTE_ABOVE_PATHS`). Both give the same rows."""
    from pyspark.sql import functions as F

    layout = HistoryLayout.read(history)
    paths = partition_paths(history, layout, lat, lon, radius_m, t1, t2)
    if not paths:
        return []
    from qorgau.jobs.history import history_schema

    query = NearQuery(lat, lon, radius_m, posix(t1), posix(t2), layout.max_gap_s)
    frame = spark.read.schema(history_schema()).option("basePath", str(history)).parquet(*paths)
    start, end = t1.astimezone(dt.UTC), t2.astimezone(dt.UTC)
    fix_in_window = F.col("is_fix") & (F.col("time") >= F.lit(start)) & (F.col("time") <= F.lit(end))
    movement_overlaps = (
        F.col("prev_time").isNotNull() & (F.col("prev_time") <= F.lit(end)) & (F.col("time") >= F.lit(start))
    )
    rows = frame.where(fix_in_window | movement_overlaps).select(
        *_COLUMNS,
        F.unix_micros("time").alias("time_us"),
        F.unix_micros("prev_time").alias("prev_time_us"),
        F.unix_micros("term_start").alias("term_start_us"),
        F.unix_micros("term_end").alias("term_end_us"),
    )
    if distribute is None:
        distribute = len(paths) > DISTRIBUTE_ABOVE_PATHS
    found: list[tuple[Any, ...]] = []
    if distribute:
        found = (
            rows.rdd.keyBy(lambda row: row.person_id)
            .groupByKey()
            .flatMap(functools.partial(_per_person, query))
            .collect()
        )
    else:
        by_person: dict[str, list[Any]] = {}
        for row in rows.collect():
            by_person.setdefault(row.person_id, []).append(row)
        for person_rows in by_person.values():
            found.extend(closest_for_person(query, person_rows))
    found.sort(key=lambda m: (m[5], m[6], m[0]))
    return [
        NearRow(
            person=person_ref,
            order=order_ref,
            device=device,
            distance_m=distance_m,
            time=from_posix(moment),
            kind=kind,
            person_id=person_id,
            order_id=order_id,
        )
        for person_id, person_ref, order_id, order_ref, device, distance_m, moment, kind in found
    ]


def find_near_in_history(
    database: Database,
    spark: Any,
    actor: Principal,
    history: Path,
    lat: float,
    lon: float,
    radius_m: float,
    t1: dt.datetime,
    t2: dt.datetime,
    *,
    purpose: str | None,
    legal_basis: str | None,
    distribute: bool | None = None,
) -> list[NearRow]:
    """:func:`qorgau.monitoring.service.find_near` over the Parquet history: same permission
    (:data:`CORRELATION_QUERY`), same limits on radius and window, same rows; audited in the store
    as ``monitoring.correlation.near`` with ``engine: spark`` and the history read."""
    check_permission(actor, CORRELATION_QUERY)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    start, end = check_near_request(lat, lon, radius_m, t1, t2)
    rows = spark_near(spark, history, lat, lon, radius_m, start, end, distribute=distribute)
    with database.session() as session:
        record_near_query(
            session,
            actor,
            (lat, lon, radius_m, start, end),
            rows,
            purpose,
            legal_basis,
            engine="spark",
            history=str(Path(history).resolve()),
        )
    return rows
