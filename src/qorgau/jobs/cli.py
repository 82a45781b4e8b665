"""``qorgau jobs``: the Spark jobs that run past one machine.

Contracts (exit 0 on success; 2 on bad input with one line on stderr; ``--json`` prints one JSON
document on stdout; progress goes to stderr):

- ``export-history --out DIR [--from DAY --to DAY] --purpose P --basis B [--json]`` — positions under
  orders to Parquet partitioned by UTC day and H3 cell (:mod:`qorgau.jobs.history`); the days given
  (default: every day with a position) are replaced whole. JSON: the export report.
- ``correlate --history DIR --lat --lon --radius-m --from --to --purpose --basis [--json]`` →
  ``{"matches": [...]}``, the shape and rows of ``qorgau monitoring near``.
- ``dedupe FILE.csv [--threshold P] [--json]`` → ``qorgau protection dedupe``'s document, computed
  on Splink's Spark backend.
- ``eurostat FILE --dataset CODE --year YYYY [--applicant] [--per-million] [--json]`` →
  ``qorgau protection stats``'s document, computed with Spark DataFrames.

The Spark master comes from ``QORGAU_SPARK_MASTER`` (default ``local[*]``); see :mod:`.spark`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail
from qorgau.kernel.context import cli_principal, open_database

app = typer.Typer(
    name="jobs",
    no_args_is_help=True,
    help="Spark jobs over the whole history: Parquet export, correlation, deduplication, statistics.",
)

PurposeOption = Annotated[str, typer.Option("--purpose", help="Why the data are read (audited).")]
BasisOption = Annotated[
    str, typer.Option("--basis", help="Legal basis: court order, case number, sanction (audited).")
]
_STAGES = {"read": "reading positions", "write": "writing Parquet days", "spark": "Spark"}


@contextmanager
def _errors() -> Iterator[None]:
    """Domain errors become one line on stderr and exit code 2 (bad input)."""
    try:
        yield
    except (ValueError, LookupError, PermissionError) as error:
        field = getattr(error, "field", None)
        message = str(error)
        fail(f"{field}: {message}" if field and not message.startswith(str(field)) else message)


@contextmanager
def _progress() -> Iterator[Any]:
    """A rich progress display on stderr; yields ``report(stage, done, total)``."""
    console = Console(stderr=True)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(_STAGES.get(stage, stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report


@contextmanager
def _spark(data_dir: Path | None, what: str) -> Iterator[Any]:
    from qorgau.jobs.spark import spark_available, spark_session
    from qorgau.settings import load_settings

    missing = spark_available()
    if missing:
        fail(f"Spark cannot run: {missing}", code=1)
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()  # a caller's session (tests, a notebook) is kept
    if running is not None:
        yield running
        return
    with Console(stderr=True).status(f"starting Spark for {what} …"):
        session = spark_session(load_settings(data_dir).data_dir, app_name=f"qorgau {what}")
    try:
        yield session
    finally:
        session.stop()


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a day (YYYY-MM-DD): {value!r}")


def _moment(value: str, option: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not an ISO 8601 time: {value!r}")
    if moment.tzinfo is None:
        fail(f"{option}: the time needs an offset (e.g. 2026-02-01T21:00:00+05:00)")
    return moment


@app.command("export-history")
def export_history_command(
    out: Annotated[Path, typer.Option("--out", help="The history directory (created if missing).")],
    purpose: PurposeOption,
    basis: BasisOption,
    from_: Annotated[str | None, typer.Option("--from", help="First UTC day (YYYY-MM-DD).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last UTC day (YYYY-MM-DD).")] = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Write positions under orders to Parquet, partitioned by day and H3 cell (days replaced whole)."""
    from qorgau.jobs.history import export_history

    first, last = _day(from_, "--from"), _day(to, "--to")
    database = open_database(data_dir)
    try:
        with _errors(), _spark(data_dir, "export-history") as spark, _progress() as report:
            result = export_history(
                database,
                spark,
                cli_principal(),
                out,
                first,
                last,
                purpose=purpose,
                legal_basis=basis,
                progress=report,
            )
    finally:
        database.dispose()
    summary = result.to_dict()
    if json:
        emit_json(summary)
        return
    typer.echo(
        f"{summary['fixes']} fixes of {summary['days']} day(s) "
        f"({summary['first_day']} … {summary['last_day']}) → {summary['partitions']} partitions, "
        f"{summary['parquet_bytes']} bytes in {summary['seconds']} s"
    )


@app.command("correlate")
def correlate_command(
    history: Annotated[Path, typer.Option("--history", help="A directory written by export-history.")],
    lat: Annotated[float, typer.Option(help="Latitude of the place.")],
    lon: Annotated[float, typer.Option(help="Longitude of the place.")],
    radius_m: Annotated[float, typer.Option("--radius-m", help="Radius in metres.")],
    from_: Annotated[str, typer.Option("--from", help="ISO 8601 time with offset.")],
    to: Annotated[str, typer.Option("--to", help="ISO 8601 time with offset.")],
    purpose: PurposeOption,
    basis: BasisOption,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Who, under an order in force, was within the radius between two times — over the Parquet
    history (the answer of ``qorgau monitoring near``)."""
    from qorgau.jobs.correlation import find_near_in_history

    start, end = _moment(from_, "--from"), _moment(to, "--to")
    database = open_database(data_dir)
    try:
        with (
            _errors(),
            _spark(data_dir, "correlate") as spark,
            Console(stderr=True).status("correlating over the history …"),
        ):
            rows = find_near_in_history(
                database,
                spark,
                cli_principal(),
                history,
                lat,
                lon,
                radius_m,
                start,
                end,
                purpose=purpose,
                legal_basis=basis,
            )
    finally:
        database.dispose()
    matches = [row.to_dict() for row in rows]
    if json:
        emit_json({"matches": matches})
        return
    for row in matches:
        typer.echo(
            f"{row['distance_m']:>9.1f} m  {row['time']}  {row['kind']:<12}  "
            f"person {row['person']}  order {row['order']}  device {row['device']}"
        )
    if not matches:
        typer.echo("nobody under an order in force was there", err=True)


@app.command("eurostat")
def eurostat_command(
    file: Annotated[Path, typer.Argument(help="A Eurostat file: bulk TSV, SDMX-CSV or JSON-stat.")],
    dataset: Annotated[str, typer.Option("--dataset", help="Eurostat dataset code.", show_default=False)],
    year: Annotated[int, typer.Option("--year", help="The year (YYYY).", show_default=False)],
    applicant: Annotated[
        str | None, typer.Option("--applicant", help="FRST, TOTAL or SSEQ (applicant datasets).")
    ] = None,
    decision: Annotated[
        str | None, typer.Option("--decision", help="Decision code (migr_asydcfsta).")
    ] = None,
    per_million: Annotated[
        bool, typer.Option("--per-million", help="Add rates per million (shipped population table).")
    ] = False,
    population: Annotated[
        Path | None, typer.Option("--population", help="Population CSV (geo,year,population).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many countries to rank.")] = 5,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """``qorgau protection stats`` computed with Spark DataFrames (the same document)."""
    from qorgau.jobs.eurostat import eurostat_stats_on_spark
    from qorgau.protection.domain.errors import ProtectionError
    from qorgau.protection.eurostat import SHIPPED_POPULATION, read_observations, read_population

    try:
        _, observations = read_observations(file, dataset)
        rates = None
        if per_million or population is not None:
            rates = read_population(population or SHIPPED_POPULATION, year)
    except ProtectionError as exc:
        fail(str(exc))
    with (
        _spark(data_dir, "eurostat") as spark,
        Console(stderr=True).status("computing statistics on Spark …"),
    ):
        try:
            result = eurostat_stats_on_spark(
                spark,
                observations,
                dataset,
                applicant.upper() if applicant else None,
                year,
                decision=decision.upper() if decision else None,
                population=rates,
                top=top,
            )
        except ProtectionError as exc:
            fail(str(exc))
    if json:
        emit_json(result)
        return
    typer.echo(
        f"{dataset} {year}: total {result['total']} ({result['total_source']}), "
        f"growth {result['growth_pct']} %"
    )
    for geo, value in result["top"]:
        typer.echo(f"  {geo:<10} {value}")


class _StageBars:
    """A :class:`~qorgau.protection.dedupe.ProgressReporter` over a rich progress display."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None

    def stage(self, description: str, total: int | None = None) -> None:
        if self._task is not None:
            done = self._progress.tasks[-1].total or 1
            self._progress.update(self._task, completed=done, total=done)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


@app.command("dedupe")
def dedupe_command(
    file: Annotated[Path, typer.Argument(help="Registrations CSV (as for qorgau protection dedupe).")],
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.0, max=1.0, help="Match probability (0–1] linking two.")
    ] = 0.9,
    links: Annotated[bool, typer.Option("--links", help="Also list each cluster's scored pairs.")] = False,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """``qorgau protection dedupe`` on Splink's Spark backend (the same document)."""
    from qorgau.jobs.dedupe import dedupe_registrations_on_spark
    from qorgau.protection.dedupe import read_registrations
    from qorgau.protection.domain.errors import ProtectionError

    if threshold <= 0.0:
        fail("--threshold must be a probability in (0, 1]")
    try:
        registrations = read_registrations(file)
    except ProtectionError as exc:
        fail(str(exc))
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with (
        _spark(data_dir, "dedupe") as spark,
        Progress(*columns, console=Console(stderr=True), transient=True) as progress,
    ):
        result = dedupe_registrations_on_spark(
            spark, registrations, threshold=threshold, progress=_StageBars(progress)
        )
    if json:
        emit_json(result.to_dict(with_links=links))
        return
    document = result.to_dict()
    typer.echo(
        f"{document['records']} registrations; {document['pairs']} pairs at or above {threshold}; "
        f"{len(result.clusters)} clusters holding {document['duplicated_records']} registrations."
    )
    for cluster in result.clusters[:50]:
        typer.echo(f"  {cluster.probability:.4f}  {' '.join(cluster.ids)}")
