"""``qorgau foreigners`` commands (the lead mounts :data:`app` under the root command).

- ``assess FILE.json [--json] [--lang ru|kk|en]`` — stay, registration, rights and restrictions of one
  person on a date (input and output: :mod:`qorgau.foreigners.domain.assessment`).
- ``rights STATUS [--date YYYY-MM-DD] [--json] [--lang ...]`` — the rights, restrictions and duties of
  a status on a date.
- ``import-crossings FILE.csv [--skip-bad] [--data-dir DIR] [--json]`` — import border crossings
  (columns: :mod:`qorgau.foreigners.imports`) in one transaction, with a progress bar on stderr.
  Every bad row is printed on stderr with its line number; without ``--skip-bad`` a bad row means
  nothing is imported and the exit code is 2; with it the good rows are imported (exit 0).
- ``overstays [--date] [--data-dir] [--json]`` and ``due-today [--date] [--data-dir] [--json]`` — the
  migration officer's lists.

Exit 0 on success; exit 2 with one line on stderr on bad input (DESIGN.md, "Contracts").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from qorgau.foreigners.domain.assessment import Assessment, assess
from qorgau.foreigners.domain.errors import ForeignersError
from qorgau.foreigners.domain.facts import parse_date
from qorgau.foreigners.domain.status_rights import StatusItem, StatusRights, rights_and_restrictions
from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail, read_json_file
from qorgau.kernel.law import LawError

app = typer.Typer(
    name="foreigners", no_args_is_help=True, help="Foreign citizens: stays, registration, rights."
)

LanguageOption = Annotated[str, typer.Option("--lang", help="Language of the text output: ru, kk or en.")]


@app.callback()
def foreigners() -> None:
    """Foreign citizens in Kazakhstan: stays, registration and the rights of each status, by date."""


@app.command("assess")
def assess_command(
    file: Annotated[
        Path, typer.Argument(help="Input JSON: date, person, crossings, registrations, address_changes.")
    ],
    json_output: JsonOption = False,
    language: LanguageOption = "en",
) -> None:
    """Assess one person on a date: days of stay, overstay, registration duty, rights and restrictions."""
    document = read_json_file(file)
    try:
        result = assess(document)
    except (ForeignersError, LawError) as exc:
        fail(f"{file}: {exc}")
    if json_output:
        emit_json(result.to_dict())
        return
    _print_assessment(result, _language(language))


@app.command("rights")
def rights_command(
    status: Annotated[
        str, typer.Argument(help="citizen, visitor, temporary_resident, permanent_resident, ...")
    ],
    on: Annotated[str | None, typer.Option("--date", help="Date (YYYY-MM-DD); today by default.")] = None,
    json_output: JsonOption = False,
    language: LanguageOption = "en",
) -> None:
    """List the rights, restrictions and duties of a status on a date, with their citations."""
    try:
        day = date.today() if on is None else parse_date(on, "--date")
        result = rights_and_restrictions(status, day)
    except (ForeignersError, LawError) as exc:
        fail(str(exc))
    if json_output:
        emit_json(result.to_dict())
        return
    _print_rights(result, _language(language))


@app.command("import-crossings")
def import_crossings_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header: person_id, or name + birth_date + citizenship; entry, exit, "
            "entry_border_point, exit_border_point; optional status."
        ),
    ],
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Import the good rows even when some rows are bad.")
    ] = False,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import border crossings from CSV: all rows or none, unless --skip-bad; bad rows listed by line."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qorgau.foreigners.imports import (
        ImportRejected,
        do_import_crossings,
        do_record_rejected_import,
        read_crossings_csv,
    )
    from qorgau.kernel.context import cli_principal, open_database

    try:
        content = file.read_bytes()
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except OSError as exc:
        fail(f"{file}: cannot read: {exc}")
    try:
        lines, unreadable = read_crossings_csv(content)
    except UnicodeDecodeError as exc:
        fail(f"{file}: not UTF-8 text: {exc}")
    database = open_database(data_dir)
    actor = cli_principal()
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        tasks: dict[str, Any] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)

        try:
            with database.session() as session:
                report = do_import_crossings(
                    session, actor, lines, skip_bad=skip_bad, unreadable=unreadable, progress=advance
                )
        except ImportRejected as rejected:
            report = rejected.report
            with database.session() as session:
                do_record_rejected_import(session, actor, report)
    for bad in report.bad_rows:
        typer.echo(f"{file}:{bad.describe()}", err=True)
    if not report.committed:
        if json_output:
            emit_json(report.to_dict())
        typer.echo(
            f"error: {len(report.bad_rows)} bad row(s) in {report.rows}; nothing imported "
            "(use --skip-bad to import the good rows)",
            err=True,
        )
        raise typer.Exit(2)
    if json_output:
        emit_json(report.to_dict())
        return
    typer.echo(
        f"imported {report.imported} crossing(s), recorded {report.exits_recorded} exit(s), "
        f"{report.duplicates} duplicate(s) skipped, {len(report.bad_rows)} bad row(s) skipped; "
        f"people matched {report.people_matched}, created {report.people_created}"
    )


@app.command("overstays")
def overstays_command(
    on: Annotated[str | None, typer.Option("--date", help="Date (YYYY-MM-DD); today by default.")] = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """List everyone in the country past the last lawful day of the current stay."""
    from qorgau.foreigners.service import overstays
    from qorgau.kernel.context import cli_principal, open_database

    day = _date_option(on)
    database = open_database(data_dir)
    with database.session() as session:
        rows = [row.to_dict() for row in overstays(session, cli_principal(), day)]
    if json_output:
        emit_json({"date": day.isoformat(), "overstays": rows})
        return
    for row in rows:
        typer.echo(
            f"{row['person_id']}  {row['latin_name']:<32} {','.join(row['citizenships']):<6} "
            f"entered {row['entry']}  last lawful day {row['last_lawful_day'] or '—'}  +{row['days_over']} d"
        )


@app.command("due-today")
def due_today_command(
    on: Annotated[str | None, typer.Option("--date", help="Date (YYYY-MM-DD); today by default.")] = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """List registrations and host notifications due on the date, and those already late."""
    from qorgau.foreigners.service import due_today
    from qorgau.kernel.context import cli_principal, open_database

    day = _date_option(on)
    database = open_database(data_dir)
    try:
        with database.session() as session:
            rows = [row.to_dict() for row in due_today(session, cli_principal(), day)]
    except (ForeignersError, LawError) as exc:
        fail(str(exc))
    if json_output:
        emit_json({"date": day.isoformat(), "due": rows})
        return
    for row in rows:
        typer.echo(
            f"{row['status']:<5} {row['due']}  {row['kind']:<18} {row['latin_name']:<32} "
            f"{','.join(row['citizenships'])}  entered {row['entry']}"
        )


def _date_option(value: str | None) -> date:
    try:
        return date.today() if value is None else parse_date(value, "--date")
    except ForeignersError as exc:
        fail(str(exc))


def _language(value: str) -> str:
    if value not in ("ru", "kk", "en"):
        fail(f"--lang: {value!r} is not one of ru, kk, en")
    return value


def _print_assessment(result: Assessment, language: str) -> None:
    stay, registration = result.stay, result.registration
    person = result.request.person
    typer.echo(
        f"{result.request.on.isoformat()}  {person.status.value}  {', '.join(person.citizenships) or '—'}"
    )
    limit = f"{stay.limit}/{stay.window_days}" if stay.limit is not None else "—"
    typer.echo(
        f"stay: {stay.days_in_window} days in {stay.window_days} "
        f"(limit {limit}, per stay {stay.per_stay_limit or '—'}); "
        f"overstay: {'yes' if stay.overstay else 'no'}; last lawful day: {_day(stay.last_lawful_day)}"
    )
    typer.echo(
        f"registration: {registration.status}"
        + (f" ({registration.kind}, due {_day(registration.due)})" if registration.required else "")
    )
    for reason in (*stay.reasons, *registration.reasons):
        mark = "+" if reason.supports else "!"
        typer.echo(f"  {mark} {reason.text.get(language)}  [{reason.citation.label()}]")
    _print_items("rights", result.status_rights.rights, language)
    _print_items("restrictions", result.status_rights.restrictions, language)
    _print_items("duties", result.status_rights.duties, language)


def _print_rights(result: StatusRights, language: str) -> None:
    typer.echo(f"{result.status.value} on {result.on.isoformat()}")
    _print_items("rights", result.rights, language)
    _print_items("restrictions", result.restrictions, language)
    _print_items("duties", result.duties, language)


def _print_items(title: str, items: tuple[StatusItem, ...], language: str) -> None:
    typer.echo(f"{title}:")
    for item in items:
        flag = "" if item.citation.verified else " (unverified)"
        typer.echo(f"  - {item.text.get(language)}  [{item.citation.label()}{flag}]")


def _day(day: date | None) -> str:
    return day.isoformat() if day is not None else "—"
