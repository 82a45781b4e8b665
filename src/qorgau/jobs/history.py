"""The location history as Parquet: its layout, and the export from the store (``export-history``).

Layout under the history directory (Hive-style partitions, readable by Spark, DuckDB, Trino …)::

    _qorgau_history.json                 format, resolutions, gap and sample spacing used
    day=2026-03-02/h3=862175a5fffffff/   one Parquet file per (UTC day, H3 cell at resolution 6)
    day=2026-03-02/h3=long/              movements too long to place in cells (GPS jumps)

One row per fix under an order (valid, with a position, inside the order's term), with what
correlation needs: order (id, shown reference, term), person (id, shown reference), device (id,
identifier), ``time``, ``lat``, ``lon``, the fine H3 ``cell`` (resolution 9, as stored at ingest) and
the fix before it under the same order and device (``prev_time``, ``prev_lat``, ``prev_lon``) when it
is at most :data:`~qorgau.monitoring.domain.spacetime.INTERPOLATION_MAX_GAP_S` earlier — the
movement between the two, which correlation interpolates.

Why cells at resolution 6 (edge ≈ 3.2 km, ≈ 36 km²): a correlation query (radius up to 10 km,
typically a few hundred metres) reads the one to three cells around the place instead of a whole
day; at 1,000,000 devices with one fix a minute a day holds ≈ 1.44 billion fixes over a few thousand
inhabited cells, i.e. files of a few MB — big enough for Parquet, while resolution 5 (≈ 250 km²)
would make a query in a city read seven times as much, and resolution 7 would make files too small.

Why movements are copied: a pass between two fixes can cross a cell that holds neither fix. Each
movement is sampled as the space-time index samples it (points linear in degrees, at most
:data:`SAMPLE_SPACING_M` apart, both fixes included; :func:`movement_partitions`), and its row is
copied (``is_fix`` false) into the cell of every sample other than its own fix's cell. A point of
the movement within R of a place is then within half a spacing of a sample, so a query that reads
:func:`~.correlation.disc_cells` of radius R + spacing finds it. Movements longer than
:data:`LONG_AFTER_SAMPLES` spacings (GPS jumps) go to the day's ``h3=long`` partition, which every
query reads.

Incremental by day: exporting days D1…D2 rewrites exactly those ``day=`` directories (a day with no
fixes left is removed); the new files are written beside them first and moved in when complete. The
first fix of a day refers to the last one of the day before, so a late fix for day D changes day
D + 1's first movement: re-export both (``--from D --to D+1``).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import h3
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.jobs.permissions import HISTORY_EXPORT
from qorgau.kernel.audit.service import check_purpose, do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission
from qorgau.kernel.db import Database
from qorgau.monitoring.center import person_refs
from qorgau.monitoring.domain.correlation import TrackPoint
from qorgau.monitoring.domain.geometry import haversine_m
from qorgau.monitoring.domain.spacetime import FIX_RESOLUTION, INTERPOLATION_MAX_GAP_S
from qorgau.monitoring.store import DeviceRow, OrderRow, PositionRow

HISTORY_FORMAT = 1
PARTITION_RESOLUTION = 6
LONG_PARTITION = "long"
SAMPLE_SPACING_M = 500.0
"""Largest distance between two sample points of a movement; queries widen their radius by it."""
LONG_AFTER_SAMPLES = 64
"""A movement longer than this many spacings (32 km) is "long": it goes to :data:`LONG_PARTITION`."""
METADATA_FILE = "_qorgau_history.json"
CHUNK_ROWS = 500_000
"""Rows per staging file (and per progress step); also the server-side cursor's batch."""

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
CSV_COLUMNS = (
    "day",
    "h3",
    "order_id",
    "order_ref",
    "person_id",
    "person_ref",
    "term_start_us",
    "term_end_us",
    "device_id",
    "device",
    "time_us",
    "lat",
    "lon",
    "cell",
    "prev_time_us",
    "prev_lat",
    "prev_lon",
    "is_fix",
)

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: called as a job advances (``total`` None when unknown)."""


def _no_progress(stage: str, done: int, total: int | None) -> None:
    return None


def micros(moment: dt.datetime) -> int:
    """Microseconds since the epoch, exactly (``moment`` has an offset)."""
    return (moment - _EPOCH) // _MICROSECOND


def history_schema() -> Any:
    """The Spark schema of the history's Parquet files (without the ``day``/``h3`` partitions)."""
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField("order_id", T.LongType(), False),
            T.StructField("order_ref", T.StringType(), False),
            T.StructField("person_id", T.StringType(), False),
            T.StructField("person_ref", T.StringType(), False),
            T.StructField("term_start", T.TimestampType(), False),
            T.StructField("term_end", T.TimestampType(), False),
            T.StructField("device_id", T.LongType(), False),
            T.StructField("device", T.StringType(), False),
            T.StructField("time", T.TimestampType(), False),
            T.StructField("lat", T.DoubleType(), False),
            T.StructField("lon", T.DoubleType(), False),
            T.StructField("cell", T.StringType(), True),
            T.StructField("prev_time", T.TimestampType(), True),
            T.StructField("prev_lat", T.DoubleType(), True),
            T.StructField("prev_lon", T.DoubleType(), True),
            T.StructField("is_fix", T.BooleanType(), False),
        ]
    )


def _staging_schema() -> Any:
    from pyspark.sql import types as T

    types = {
        "order_id": T.LongType(),
        "term_start_us": T.LongType(),
        "term_end_us": T.LongType(),
        "device_id": T.LongType(),
        "time_us": T.LongType(),
        "lat": T.DoubleType(),
        "lon": T.DoubleType(),
        "prev_time_us": T.LongType(),
        "prev_lat": T.DoubleType(),
        "prev_lon": T.DoubleType(),
        "is_fix": T.BooleanType(),
    }
    return T.StructType([T.StructField(name, types.get(name, T.StringType()), True) for name in CSV_COLUMNS])


@dataclass(frozen=True)
class HistoryLayout:
    """What a history directory was written with (its ``_qorgau_history.json``)."""

    format: int = HISTORY_FORMAT
    partition_resolution: int = PARTITION_RESOLUTION
    fix_resolution: int = FIX_RESOLUTION
    max_gap_s: float = INTERPOLATION_MAX_GAP_S
    sample_spacing_m: float = SAMPLE_SPACING_M
    long_partition: str = LONG_PARTITION

    @classmethod
    def read(cls, history: Path) -> HistoryLayout:
        """The layout of ``history``; ``ValueError`` (field ``history``) if it is not one."""
        path = Path(history) / METADATA_FILE
        if not path.is_file():
            raise HistoryInvalid(f"{history} is not a location history (no {METADATA_FILE})")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != HISTORY_FORMAT:
            raise HistoryInvalid(f"{history}: history format {data.get('format')!r} is not {HISTORY_FORMAT}")
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def write(self, history: Path) -> None:
        (Path(history) / METADATA_FILE).write_text(
            json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8"
        )


class HistoryInvalid(ValueError):
    """The history directory, or the days asked of it, are not usable (``field`` names the option)."""

    def __init__(self, message: str, field: str = "history") -> None:
        super().__init__(message)
        self.field = field


def movement_partitions(
    start: TrackPoint,
    end: TrackPoint,
    start_partition: str,
    end_partition: str,
    layout: HistoryLayout | None = None,
) -> set[str]:
    """The partitions, besides ``end_partition`` (the cell of the fix ``end``, which holds the row
    itself), that must hold a copy of the movement ``start → end``.

    Points along the movement (linear in degrees, as correlation interpolates) no more than
    ``sample_spacing_m`` apart, both fixes included; the cells of those points. A movement no longer
    than the spacing needs only its two fixes' cells; one longer than :data:`LONG_AFTER_SAMPLES`
    spacings goes to :data:`LONG_PARTITION` alone.
    """
    layout = layout or HistoryLayout()
    spacing = layout.sample_spacing_m
    length = haversine_m(start.lat, start.lon, end.lat, end.lon)
    if length <= spacing:
        cells = {start_partition}
    elif length > spacing * LONG_AFTER_SAMPLES:
        return {layout.long_partition}
    else:
        pieces = math.ceil(length / spacing)
        while True:
            points = [
                (
                    start.lat + (end.lat - start.lat) * step / pieces,
                    start.lon + (end.lon - start.lon) * step / pieces,
                )
                for step in range(pieces + 1)
            ]
            widest = max(haversine_m(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(points))
            if widest <= spacing:
                break
            pieces *= 2
        cells = {start_partition}
        cells.update(
            str(h3.latlng_to_cell(lat, lon, layout.partition_resolution)) for lat, lon in points[1:-1]
        )
    cells.discard(end_partition)
    return cells


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class ExportReport:
    """What one export wrote."""

    history: str
    first_day: str | None
    last_day: str | None
    days: int
    fixes: int
    rows: int
    partitions: int
    parquet_bytes: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def position_span(database: Database) -> tuple[dt.date, dt.date] | None:
    """The first and last UTC day with a position under an order, or ``None`` if there is none."""
    with database.session() as session:
        low, high = session.execute(
            select(func.min(PositionRow.time), func.max(PositionRow.time)).where(
                PositionRow.order_id.is_not(None)
            )
        ).one()
    if low is None or high is None:
        return None
    return low.astimezone(dt.UTC).date(), high.astimezone(dt.UTC).date()


def _order_facts(session: Session) -> dict[int, tuple[str, str, str, int, int]]:
    """order id → (shown order reference, person id, shown person reference, term start µs, end µs)."""
    rows = session.execute(
        select(OrderRow.id, OrderRow.external_ref, OrderRow.person_id, OrderRow.start_at, OrderRow.end_at)
    ).all()
    refs = person_refs(session, [row.person_id for row in rows])
    return {
        row.id: (
            row.external_ref or str(row.id),
            row.person_id,
            refs.get(row.person_id, row.person_id),
            micros(row.start_at),
            micros(row.end_at),
        )
        for row in rows
    }


def _extract(
    session: Session,
    staging: Path,
    start: dt.datetime,
    end: dt.datetime,
    layout: HistoryLayout,
    progress: Progress,
) -> tuple[int, int]:
    """Stream the positions of ``[start, end)`` (and the ``max_gap_s`` before it, for the first
    movements) into CSV files under ``staging``, ordered by device and time, with each fix's
    partition, its order's facts and its movement; returns (fixes, rows)."""
    orders = _order_facts(session)
    devices = dict(session.execute(select(DeviceRow.id, DeviceRow.identifier)).all())
    lead_in = start - dt.timedelta(seconds=layout.max_gap_s)
    where = (
        PositionRow.order_id.is_not(None),
        PositionRow.valid.is_(True),
        PositionRow.lat.is_not(None),
        PositionRow.lon.is_not(None),
        PositionRow.time >= lead_in,
        PositionRow.time < end,
    )
    total = session.scalar(select(func.count()).select_from(PositionRow).where(*where))
    progress("read", 0, total)
    query = (
        select(
            PositionRow.device_id,
            PositionRow.order_id,
            PositionRow.time,
            PositionRow.lat,
            PositionRow.lon,
            PositionRow.cell,
        )
        .where(*where)
        .order_by(PositionRow.device_id, PositionRow.time)
        .execution_options(yield_per=CHUNK_ROWS, stream_results=True)
    )
    start_us = micros(start)
    max_gap_us = round(layout.max_gap_s * 1_000_000)
    resolution = layout.partition_resolution
    # The last fix of each order on the current device: (time µs, lat, lon, partition).
    last: dict[int, tuple[int, float, float, str]] = {}
    current_device = None
    fixes = rows = seen = part = 0
    handle = None
    writer: Any = None
    try:
        # The WHERE clause makes order, lat and lon non-null.
        stream = cast(
            Iterable[tuple[int, int, dt.datetime, float, float, str | None]], session.execute(query)
        )
        for device_id, order_id, moment, lat, lon, cell in stream:
            seen += 1
            if seen % CHUNK_ROWS == 0:
                progress("read", seen, total)
            if writer is None or fixes >= (part * CHUNK_ROWS):
                if handle is not None:
                    handle.close()
                part += 1
                handle = (staging / f"part-{part:05d}.csv").open("w", newline="", encoding="utf-8")
                writer = csv.writer(handle)
            if device_id != current_device:
                current_device, last = device_id, {}
            facts = orders.get(order_id)
            time_us = micros(moment)
            if facts is None or not facts[3] <= time_us < facts[4]:
                continue  # outside its order's term: correlation ignores it, so does the history
            previous = last.get(order_id)
            partition = str(h3.latlng_to_cell(lat, lon, resolution))
            last[order_id] = (time_us, lat, lon, partition)
            if time_us < start_us:
                continue  # read only as the start of the first movement of the period
            if previous is not None and time_us - previous[0] > max_gap_us:
                previous = None
            moment_utc = moment.astimezone(dt.UTC)
            day = moment_utc.date().isoformat()
            fine = cell or str(h3.latlng_to_cell(lat, lon, layout.fix_resolution))
            base = [
                day,
                partition,
                order_id,
                facts[0],
                facts[1],
                facts[2],
                facts[3],
                facts[4],
                device_id,
                devices[device_id],
                time_us,
                repr(lat),
                repr(lon),
                fine,
            ]
            if previous is None:
                writer.writerow([*base, "", "", "", "true"])
                fixes += 1
                rows += 1
                continue
            movement = [previous[0], repr(previous[1]), repr(previous[2])]
            writer.writerow([*base, *movement, "true"])
            fixes += 1
            rows += 1
            copies = movement_partitions(
                TrackPoint(previous[0] / 10**6, previous[1], previous[2]),
                TrackPoint(time_us / 10**6, lat, lon),
                previous[3],
                partition,
                layout,
            )
            for copy in copies:
                base[1] = copy
                writer.writerow([*base, *movement, "false"])
                rows += 1
    finally:
        if handle is not None:
            handle.close()
    progress("read", seen, total)
    return fixes, rows


def _write_parquet(spark: Any, staging_csv: Path, staging_parquet: Path) -> None:
    from pyspark.sql import functions as F

    frame = spark.read.csv(
        str(staging_csv), schema=_staging_schema(), header=False, escape='"', mode="FAILFAST"
    )
    timestamps = {
        "term_start": "term_start_us",
        "term_end": "term_end_us",
        "time": "time_us",
        "prev_time": "prev_time_us",
    }
    for name, source in timestamps.items():
        frame = frame.withColumn(name, F.timestamp_micros(F.col(source)))
    columns = [field.name for field in history_schema().fields]
    (
        frame.select(*columns, "day", "h3")
        .repartition("day", "h3")
        .sortWithinPartitions("order_id", "device_id", "time")
        .write.partitionBy("day", "h3")
        .mode("overwrite")
        .parquet(str(staging_parquet))
    )


def _directory_bytes(path: Path) -> tuple[int, int]:
    """(bytes of Parquet files, number of partition directories holding them) under ``path``."""
    files = list(path.rglob("*.parquet"))
    return sum(f.stat().st_size for f in files), len({f.parent for f in files})


def export_history(
    database: Database,
    spark: Any,
    actor: Principal,
    history: Path,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    *,
    purpose: str | None,
    legal_basis: str | None,
    progress: Progress = _no_progress,
) -> ExportReport:
    """Write the positions under orders of UTC days ``first_day…last_day`` (default: every day with
    one) to the Parquet history at ``history``, replacing those days' partitions.

    A bulk read of location history: needs :data:`HISTORY_EXPORT`, a purpose and a legal basis, and
    is audited (``jobs.history.export``) with the days and the number of fixes written. Raises
    ``HistoryInvalid`` for an inverted range and ``MissingLegalBasis`` without purpose or basis.
    """
    check_permission(actor, HISTORY_EXPORT)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    began = time.perf_counter()
    history = Path(history).resolve()
    if first_day is None or last_day is None:
        span = position_span(database)
        if span is not None:
            first_day, last_day = first_day or span[0], last_day or span[1]
    if first_day is not None and last_day is not None and last_day < first_day:
        raise HistoryInvalid("the last day comes before the first", field="to")
    layout = HistoryLayout()
    history.mkdir(parents=True, exist_ok=True)
    if (history / METADATA_FILE).exists():
        existing = HistoryLayout.read(history)
        if existing != layout:
            raise HistoryInvalid(f"{history} was written with another layout: export to a new directory")
    fixes = rows = 0
    staging = history / f"_staging-{uuid.uuid4().hex}"
    days = days_between(first_day, last_day) if first_day and last_day else []
    try:
        if days:
            start = dt.datetime.combine(days[0], dt.time(), dt.UTC)
            end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), dt.UTC)
            (staging / "csv").mkdir(parents=True)
            with database.session() as session:
                fixes, rows = _extract(session, staging / "csv", start, end, layout, progress)
            progress("write", 0, len(days))
            if rows:
                _write_parquet(spark, staging / "csv", staging / "parquet")
            # Swap the days in: each day's directory is replaced whole (a day left without fixes goes).
            for number, day in enumerate(days, 1):
                target = history / f"day={day.isoformat()}"
                written = staging / "parquet" / target.name
                if target.exists():
                    shutil.rmtree(target)
                if written.exists():
                    written.rename(target)
                progress("write", number, len(days))
        layout.write(history)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    parquet_bytes = partitions = 0
    for day in days:
        size, count = _directory_bytes(history / f"day={day.isoformat()}")
        parquet_bytes += size
        partitions += count
    report = ExportReport(
        history=str(history),
        first_day=days[0].isoformat() if days else None,
        last_day=days[-1].isoformat() if days else None,
        days=len(days),
        fixes=fixes,
        rows=rows,
        partitions=partitions,
        parquet_bytes=parquet_bytes,
        seconds=round(time.perf_counter() - began, 3),
    )
    with database.session() as session:
        do_record(
            session,
            actor,
            "jobs.history.export",
            "monitoring_history",
            str(history),
            purpose=purpose,
            legal_basis=legal_basis,
            details={
                "from": report.first_day,
                "to": report.last_day,
                "fixes": fixes,
                "rows": rows,
                "parquet_bytes": parquet_bytes,
            },
        )
    return report
