"""``qorgau protection``: Eurostat statistics, temporary-protection end dates, burden-sharing keys.

Contracts (exit 0 on success; 2 on bad input with one line on stderr; ``--json`` prints one JSON
document on stdout):

- ``stats FILE --dataset CODE [--applicant FRST|TOTAL|SSEQ] --year YYYY --json`` →
  ``{"total": N, "by_geo": {...}, "previous_total": N, "growth_pct": x.x, "top": [["DE", N], ...]}``
  (and the fields :func:`qorgau.protection.domain.statistics.stats` documents). Reads the file
  directly; ``--per-million`` adds rates from the shipped population table (or ``--population``).
- ``import-eurostat FILE --dataset CODE [--data-dir DIR]`` — reads and validates the file (format
  detected from the content) and stores it in one transaction: a bad file stores nothing.
- ``tp-end --activation 2022/382 --on DATE --json`` → ``{"end": "YYYY-MM-DD", "acts": [...]}``.
- ``fair-share FILE.csv --key relocation2015|reference50 [--total N] --json`` →
  ``{"shares": {...}, "quotas": {...}}``, with ``gap`` and ``ratio`` when the CSV has ``actual``.
- ``dedupe FILE.csv [--threshold P] [--links] --json`` →
  ``{"clusters": [{"ids": [...], "probability": p, "agreements": {...}}], "pairs": N, ...}``:
  duplicate registrations across states (:mod:`qorgau.protection.dedupe`). Only clusters of two or
  more ids are listed; ``pairs`` is the number of scored pairs with a match probability at or
  above the threshold (the links the clusters are built from). A progress bar goes to stderr.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail
from qorgau.protection.domain.burden_sharing import fair_share, parse_indicators_csv
from qorgau.protection.domain.errors import ProtectionError
from qorgau.protection.domain.observations import DATASETS, summarise
from qorgau.protection.domain.statistics import APPLICANT_TYPES, stats
from qorgau.protection.domain.temporary_protection import tp_end
from qorgau.protection.eurostat import SHIPPED_POPULATION, read_observations, read_population
from qorgau.protection.rules import activation as find_activation
from qorgau.protection.rules import load_keys

app = typer.Typer(
    name="protection",
    no_args_is_help=True,
    help=(
        "Asylum and temporary protection: Eurostat statistics, protection end dates, burden-sharing keys, "
        "duplicate registrations."
    ),
)

FileArgument = Annotated[Path, typer.Argument(help="The file to read.", show_default=False)]
DatasetOption = Annotated[
    str, typer.Option("--dataset", help=f"Eurostat dataset code: {', '.join(DATASETS)}.", show_default=False)
]


@app.command("stats")
def stats_command(
    file: FileArgument,
    dataset: DatasetOption,
    year: Annotated[str, typer.Option("--year", help="The year (YYYY).", show_default=False)],
    applicant: Annotated[
        str | None,
        typer.Option("--applicant", help="FRST, TOTAL or SSEQ (applicant datasets; default TOTAL)."),
    ] = None,
    decision: Annotated[
        str | None, typer.Option("--decision", help="Decision code for migr_asydcfsta (default TOTAL).")
    ] = None,
    per_million: Annotated[
        bool,
        typer.Option("--per-million", help="Add rates per million inhabitants (shipped population table)."),
    ] = False,
    population: Annotated[
        Path | None,
        typer.Option("--population", help="Population CSV (geo,year,population); implies --per-million."),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many countries to rank.")] = 5,
    json_output: JsonOption = False,
) -> None:
    """Totals, countries, growth on the previous year and top countries of one dataset and year."""
    _check_dataset(dataset)
    wanted_year = _year(year)
    if applicant is not None and applicant.upper() not in APPLICANT_TYPES:
        fail(f"--applicant must be one of {', '.join(APPLICANT_TYPES)}, not {applicant!r}")
    try:
        _, observations = read_observations(file, dataset)
        rates = None
        if per_million or population is not None:
            rates = read_population(population or SHIPPED_POPULATION, wanted_year)
        result = stats(
            observations,
            dataset,
            applicant.upper() if applicant else None,
            wanted_year,
            decision=decision.upper() if decision else None,
            population=rates,
            top=top,
        )
    except ProtectionError as exc:
        fail(str(exc))
    if json_output:
        emit_json(result)
        return
    _print_stats(result)


@app.command("import-eurostat")
def import_eurostat(
    file: FileArgument,
    dataset: DatasetOption,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Store a Eurostat file (TSV, SDMX-CSV or JSON-stat, told apart by content) and print its counts.

    The whole file is read and checked first: a bad file exits 2 naming the line and stores
    nothing. The import is one transaction; the file's name is its vintage, and importing the same
    dataset and vintage again replaces the earlier import.
    """
    from qorgau.kernel.context import cli_principal, open_database
    from qorgau.protection.service import do_store_import

    _check_dataset(dataset)
    try:
        found, observations = read_observations(file, dataset)
    except ProtectionError as exc:
        fail(str(exc))
    counts: dict[str, Any] = summarise(observations)
    database = open_database(data_dir)
    try:
        with database.session() as session:
            report: dict[str, Any] = do_store_import(
                session,
                cli_principal(),
                dataset,
                observations,
                found=found,
                source=str(file),
                vintage=file.name,
            )
    except ProtectionError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    if json_output:
        emit_json(report)
        return
    replaced = f"; replaced import #{report['replaced']}" if report["replaced"] is not None else ""
    typer.echo(
        f"{dataset} ({found}): {counts['observations']} observations, {counts['with_value']} with a value, "
        f"{counts['missing']} missing, {counts['flagged']} flagged; "
        f"{counts['first_period']}–{counts['last_period']}; "
        f"{counts['countries']} countries; aggregates {', '.join(counts['aggregates']) or 'none'}. "
        f"Stored as import #{report['dataset_id']} (vintage {report['vintage']}){replaced}."
    )


@app.command("tp-end")
def tp_end_command(
    activation: Annotated[
        str, typer.Option("--activation", help="The implementing decision, e.g. 2022/382.")
    ],
    on: Annotated[str, typer.Option("--on", help="The day to answer for (YYYY-MM-DD).", show_default=False)],
    json_output: JsonOption = False,
) -> None:
    """When temporary protection ends, as things stood on a day (acts adopted by then)."""
    try:
        day = date.fromisoformat(on)
    except ValueError:
        fail(f"--on: {on!r} is not a date (YYYY-MM-DD)")
    try:
        answer = tp_end(find_activation(activation), day)
    except ProtectionError as exc:
        fail(str(exc))
    if json_output:
        emit_json(answer)
        return
    state = "runs until" if answer.in_force else "ended on"
    typer.echo(
        f"Temporary protection under {answer.activation}, as things stood on {day.isoformat()}, "
        f"{state} {answer.end.isoformat()}."
    )
    for step in answer.steps:
        verified = "" if step.citation.verified else " (not verified)"
        typer.echo(
            f"  from {step.counts_from.isoformat()}: {step.citation.label()} "
            f"→ {step.sets_end.isoformat()}{verified}"
        )


@app.command("fair-share")
def fair_share_command(
    file: Annotated[
        Path, typer.Argument(help="CSV: geo,population,gdp,unemployment_rate,asylum_per_million[,actual].")
    ],
    key: Annotated[str, typer.Option("--key", help="relocation2015 or reference50.", show_default=False)],
    total: Annotated[
        str | None, typer.Option("--total", help="People to share (default: the sum of 'actual').")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Shares and quotas under a burden-sharing key; with 'actual', the fair-share gap and ratio."""
    keys = load_keys()
    if key not in keys:
        fail(f"--key must be one of {', '.join(keys)}, not {key!r}")
    people: int | None = None
    if total is not None:
        if not re.fullmatch(r"\d+", total.strip()):
            fail(f"--total must be a whole non-negative number, not {total!r}")
        people = int(total)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read: {exc}")
    try:
        result = fair_share(parse_indicators_csv(text), keys[key], people)
    except ProtectionError as exc:
        fail(f"{file}: {exc}")
    if json_output:
        emit_json(result)
        return
    typer.echo(f"{key}: {result['total']} people")
    for geo, share in sorted(result["shares"].items(), key=lambda item: -item[1]):
        line = f"  {geo:<10} {share:8.4%}  {result['quotas'][geo]:>10}"
        if "gap" in result:
            line += f"  gap {result['gap'][geo]:>+12.1f}  ratio {result['ratio'][geo]}"
        typer.echo(line)


@app.command("dedupe")
def dedupe_command(
    file: Annotated[
        Path,
        typer.Argument(
            help=(
                "Registrations CSV: id, surname, given_names, birth_date, sex, nationality, document_number, "
                "document_country, registering_state, registration_date (names in any script)."
            ),
            show_default=False,
        ),
    ],
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            envvar="QORGAU_PROTECTION_DEDUPE_THRESHOLD",
            help="Match probability (0–1] at or above which two registrations are one person (default 0.9).",
            show_default=False,
        ),
    ] = None,
    links: Annotated[bool, typer.Option("--links", help="Also list each cluster's scored pairs.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Find duplicate registrations of one person across states (Splink, Fellegi–Sunter, EM)."""
    from qorgau.protection.dedupe import DEFAULT_THRESHOLD, dedupe_file

    probability = DEFAULT_THRESHOLD if threshold is None else _probability(threshold)
    with _progress_on_stderr() as progress:
        try:
            result = dedupe_file(file, threshold=probability, progress=progress)
        except ProtectionError as exc:
            progress.stop()
            fail(str(exc))
    if json_output:
        emit_json(result.to_dict(with_links=links))
        return
    document = result.to_dict()
    typer.echo(
        f"{document['records']} registrations; {document['pairs']} pairs at or above {probability}; "
        f"{len(result.clusters)} clusters holding {document['duplicated_records']} registrations."
    )
    for cluster in result.clusters[:50]:
        agreed = ", ".join(f"{name} {label}" for name, label in cluster.agreements.items())
        typer.echo(f"  {cluster.probability:.4f}  {' '.join(cluster.ids)}  ({agreed})")
    if len(result.clusters) > 50:
        typer.echo(f"  … {len(result.clusters) - 50} more (use --json)")


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        fail(f"--threshold must be a probability in (0, 1], not {text!r}")
    if not 0.0 < value <= 1.0:
        fail(f"--threshold must be a probability in (0, 1], not {text!r}")
    return value


class _RichProgress:
    """A :class:`~qorgau.protection.dedupe.ProgressReporter` drawing one rich bar per stage on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._task: Any = None

    def start(self) -> None:
        self._progress.start()

    def stop(self) -> None:
        self._progress.stop()

    def stage(self, description: str, total: int | None = None) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, completed=task.total or 1, total=task.total or 1)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


@contextmanager
def _progress_on_stderr() -> Iterator[_RichProgress]:
    progress = _RichProgress()
    progress.start()
    try:
        yield progress
    finally:
        progress.stop()


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        fail(f"--dataset must be one of {', '.join(DATASETS)}, not {dataset!r}")


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        fail(f"--year must be a year (YYYY), not {text!r}")
    return int(text)


def _print_stats(result: dict[str, Any]) -> None:
    selection = ", ".join(f"{name}={code}" for name, code in result["selection"].items())
    typer.echo(f"{result['dataset']} {result['year']} ({selection})")
    typer.echo(
        f"  total {result['total']} ({result['total_source']}); "
        f"previous year {result['previous_total'] if result['previous_total'] is not None else 'n/a'}; "
        f"growth {str(result['growth_pct']) + '%' if result['growth_pct'] is not None else 'n/a'}"
    )
    if result.get("total_per_million") is not None:
        typer.echo(f"  total per million inhabitants {result['total_per_million']}")
    for geo, value in result["top"]:
        rate = result.get("per_million", {}).get(geo)
        typer.echo(f"  {geo:<10} {value:>12}" + (f"  {rate} per million" if rate is not None else ""))
    for note in result["notes"]:
        typer.echo(f"  note: {note}")


# --- the store: registrations out to ``dedupe``, its clusters back into the review queue -----------------


@app.command("export-registrations")
def export_registrations_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the CSV here (default: stdout).", show_default=False),
    ] = None,
    purpose: Annotated[
        str, typer.Option("--purpose", help="Why the registrations are read (audited).")
    ] = "duplicate detection across states",
    legal_basis: Annotated[
        str, typer.Option("--legal-basis", help="Under which basis (audited).")
    ] = "Directive 2001/55/EC art. 10; detection of multiple registrations (Temporary Protection Platform)",
    data_dir: DataDirOption = None,
) -> None:
    """Every stored registration as the CSV that ``dedupe`` reads (a read of personal data, audited)."""
    from qorgau.kernel.context import cli_principal, open_database
    from qorgau.protection.service import registrations_csv

    database = open_database(data_dir)
    try:
        with database.session() as session:
            text = registrations_csv(session, cli_principal(), purpose=purpose, legal_basis=legal_basis)
    except ValueError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write: {exc}")


@app.command("enqueue-duplicates")
def enqueue_duplicates_command(
    file: Annotated[
        Path,
        typer.Argument(help="The JSON document of 'dedupe --json' (clusters of ids).", show_default=False),
    ],
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Queue the clusters of a ``dedupe --json`` document for review (a cluster already queued is skipped)."""
    from qorgau.kernel.clitools import read_json_file
    from qorgau.kernel.context import cli_principal, open_database
    from qorgau.protection.service import do_enqueue_duplicates

    document = read_json_file(file)
    database = open_database(data_dir)
    try:
        with database.session() as session:
            result = do_enqueue_duplicates(session, cli_principal(), document, source=file.name)
    except ProtectionError as exc:
        fail(f"{file}: {exc}")
    finally:
        database.dispose()
    if json_output:
        emit_json(result)
        return
    typer.echo(f"{result['added']} review items added, {result['already_queued']} already queued.")
