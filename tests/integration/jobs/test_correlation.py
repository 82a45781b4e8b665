"""Crime-scene correlation over the Parquet history gives the SQL path's answers on the same data."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from qorgau.jobs.cli import app as jobs_cli
from qorgau.jobs.correlation import find_near_in_history
from qorgau.jobs.history import HistoryLayout, export_history
from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.db import Database, upgrade
from qorgau.monitoring import service
from qorgau.monitoring.cli import app as monitoring_cli
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.domain.protocols import DecodedFix
from tests.conftest import make_settings
from tests.integration.monitoring.conftest import ACTOR, NOW, T0, add_order
from tests.integration.monitoring.test_near import CITY, fill

BASIS = {"purpose": "equality test", "legal_basis": "test case 1"}


def rows_of(found: list[service.NearRow]) -> list[tuple[Any, ...]]:
    return [
        (r.person, r.order, r.device, r.distance_m, r.time, r.kind, r.person_id, r.order_id) for r in found
    ]


def sql_path(
    database: Database, lat: float, lon: float, radius: float, t1: dt.datetime, t2: dt.datetime
) -> Any:
    with database.session() as session:
        return service.find_near(session, ACTOR, lat, lon, radius, t1, t2, **BASIS)


@dataclass
class Exported:
    database: Database
    data_dir: Path
    history: Path
    fixes: list[DecodedFix]


@pytest.fixture(scope="module")
def exported(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """Random walks of ten people over two days (the monitoring tests' data) on SQLite, exported once."""
    data_dir = tmp_path_factory.mktemp("jobs-var")
    settings = make_settings(data_dir)
    upgrade(settings)
    database = Database(settings)
    fixes = fill(database, seed=3)
    history = tmp_path_factory.mktemp("jobs-history") / "history"
    report = export_history(database, spark, ACTOR, history, **BASIS)
    assert report.fixes > 1000 and report.rows > report.fixes and report.parquet_bytes > 0
    assert report.days == 3 and report.partitions > 3
    yield Exported(database, data_dir, history, fixes)
    database.dispose()


def random_queries(fixes: list[DecodedFix], count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    for _ in range(count):
        seen = rng.choice(fixes)
        assert seen.time is not None and seen.lat is not None and seen.lon is not None
        radius = rng.choice([30.0, 150.0, 500.0, 2000.0])
        window = dt.timedelta(minutes=rng.choice([5, 30, 120, 600]))
        lat, lon = destination(seen.lat, seen.lon, rng.uniform(0, 360), rng.uniform(0, 1.5 * radius))
        t1 = seen.time - window * rng.random()
        yield lat, lon, radius, t1, t1 + window


def test_spark_correlation_equals_the_sql_path_on_random_tracks(exported: Exported, spark: Any) -> None:
    matches = interpolated = 0
    for number, (lat, lon, radius, t1, t2) in enumerate(random_queries(exported.fixes, 10, seed=7)):
        expected = sql_path(exported.database, lat, lon, radius, t1, t2)
        got = find_near_in_history(
            exported.database,
            spark,
            ACTOR,
            exported.history,
            lat,
            lon,
            radius,
            t1,
            t2,
            distribute=number % 4 == 0,  # the executor path too, on a few queries
            **BASIS,
        )
        assert rows_of(got) == rows_of(expected)
        matches += len(got)
        interpolated += sum(1 for r in got if r.kind == "interpolated")
    assert matches > 5 and interpolated > 0  # the comparison was not vacuous


def test_correlate_command_prints_what_monitoring_near_prints(exported: Exported) -> None:
    runner = CliRunner()
    seen = exported.fixes[11]
    assert seen.time is not None and seen.lat is not None and seen.lon is not None
    place = ["--lat", str(seen.lat), "--lon", str(seen.lon), "--radius-m", "800"]
    window = ["--from", (seen.time - dt.timedelta(hours=3)).isoformat(), "--to", seen.time.isoformat()]
    common = [
        *place,
        *window,
        "--purpose",
        "cli equality",
        "--basis",
        "case 7",
        "--data-dir",
        str(exported.data_dir),
    ]
    sql = runner.invoke(monitoring_cli, ["near", *common, "--json"])
    spark = runner.invoke(jobs_cli, ["correlate", "--history", str(exported.history), *common, "--json"])
    assert sql.exit_code == 0, sql.output
    assert spark.exit_code == 0, spark.output
    expected = json.loads(sql.stdout)
    assert expected["matches"] and json.loads(spark.stdout) == expected
    with exported.database.session() as session:
        entries = list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "monitoring.correlation.near"))
        )
    assert any(
        json.loads(e.details).get("engine") == "spark" and e.purpose == "cli equality" for e in entries
    )


def test_correlate_command_refuses_a_too_broad_request(exported: Exported) -> None:
    result = CliRunner().invoke(
        jobs_cli,
        [
            "correlate", "--history", str(exported.history), "--lat", "43.25", "--lon", "76.93",
            "--radius-m", "50000", "--from", "2026-03-02T00:00:00+00:00", "--to", "2026-03-03T00:00:00+00:00",
            "--purpose", "too broad", "--basis", "case 7", "--data-dir", str(exported.data_dir),
        ],
    )  # fmt: skip
    assert result.exit_code == 2 and "radius_m" in result.stderr


def test_export_needs_a_purpose_and_a_legal_basis(exported: Exported, spark: Any, tmp_path: Path) -> None:
    with pytest.raises(MissingLegalBasis):
        export_history(exported.database, spark, ACTOR, tmp_path / "h", purpose="", legal_basis="case 1")
    assert not (tmp_path / "h").exists()
    with exported.database.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "jobs.history.export"))
    assert (
        entry is not None and entry.purpose == BASIS["purpose"] and json.loads(entry.details)["fixes"] > 1000
    )


def _parquet_fixes(spark: Any, history: Path, day: dt.date) -> int:
    frame = spark.read.parquet(str(history))
    return int(frame.where((frame.day == day.isoformat()) & frame.is_fix).count())


@pytest.mark.parametrize("any_db", ["postgres"], indirect=True)
def test_a_pass_between_far_fixes_is_found_and_a_day_export_replaces_that_day(
    any_db: Database, spark: Any, tmp_path: Path
) -> None:
    """On PostgreSQL (positions streamed through a server-side cursor): two fixes 4 km apart on
    either side of the place, ten minutes apart, are found as an interpolated pass 40 m away; then
    a late fix on the first day, exported alone, replaces that day and leaves the next one alone."""
    add_order(any_db, "o1", "dev-1")
    north = destination(*CITY, 0.0, 40.0)
    west, east = destination(*north, 270.0, 2000.0), destination(*north, 90.0, 2000.0)
    next_day = T0 + dt.timedelta(days=1)
    fixes = [
        DecodedFix("dev-1", T0, *west, True),
        DecodedFix("dev-1", T0 + dt.timedelta(minutes=10), *east, True),
        DecodedFix("dev-1", next_day, *east, True),
    ]
    service.do_ingest(any_db, fixes, "test", now=NOW)
    history = tmp_path / "history"
    report = export_history(any_db, spark, ACTOR, history, **BASIS)
    assert (report.days, report.fixes) == (2, 3)
    assert rows_of(sql_path(any_db, *CITY, 100.0, T0, T0 + dt.timedelta(minutes=10)))
    (row,) = find_near_in_history(
        any_db, spark, ACTOR, history, *CITY, 100.0, T0, T0 + dt.timedelta(minutes=10), **BASIS
    )
    assert (row.kind, row.order, row.device) == ("interpolated", "o1", "dev-1")
    assert row.distance_m == pytest.approx(40.0, abs=0.5) and row.time == T0 + dt.timedelta(minutes=5)
    assert rows_of([row]) == rows_of(sql_path(any_db, *CITY, 100.0, T0, T0 + dt.timedelta(minutes=10)))
    # The pass crosses cells that hold neither fix, so copies of its row carry it there.
    assert len(list(history.glob(f"day={T0.date()}/h3=*"))) > 1
    assert HistoryLayout.read(history).partition_resolution == 6

    next_day_files = sorted(p.stat().st_mtime_ns for p in history.glob(f"day={next_day.date()}/*/*.parquet"))
    service.do_ingest(
        any_db, [DecodedFix("dev-1", T0 + dt.timedelta(minutes=5), *CITY, True)], "test", now=NOW
    )
    again = export_history(any_db, spark, ACTOR, history, T0.date(), T0.date(), **BASIS)
    assert (again.days, again.fixes) == (1, 3)
    assert _parquet_fixes(spark, history, T0.date()) == 3
    assert (
        sorted(p.stat().st_mtime_ns for p in history.glob(f"day={next_day.date()}/*/*.parquet"))
        == next_day_files
    )
    (row,) = find_near_in_history(
        any_db, spark, ACTOR, history, *CITY, 100.0, T0, T0 + dt.timedelta(minutes=10), **BASIS
    )
    assert row.kind == "fix" and row.distance_m == pytest.approx(0.0, abs=1e-6)
    with any_db.session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "jobs.history.export")
            )
            == 2
        )


def test_export_history_command_writes_the_days_asked(exported: Exported, tmp_path: Path) -> None:
    day = T0.date().isoformat()
    result = CliRunner().invoke(
        jobs_cli,
        ["export-history", "--out", str(tmp_path / "h"), "--from", day, "--to", day, "--json",
         "--purpose", "cli export", "--basis", "case 7", "--data-dir", str(exported.data_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["first_day"], report["last_day"], report["days"]) == (day, day, 1)
    assert [p.name for p in (tmp_path / "h").glob("day=*")] == [f"day={day}"]
    whole_day = sum(1 for f in exported.fixes if f.time is not None and f.time.date() == T0.date())
    assert 0 < report["fixes"] <= whole_day  # fixes under an order in force, of that day only
    bad = CliRunner().invoke(jobs_cli, ["export-history", "--out", str(tmp_path / "x"), "--from", "yesterday",
                                        "--purpose", "cli export", "--basis", "case 7"])  # fmt: skip
    assert bad.exit_code == 2 and "--from" in bad.stderr
