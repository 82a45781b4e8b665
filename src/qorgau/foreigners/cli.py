"""``qorgau foreigners`` commands (the lead mounts :data:`app` under the root command).

- ``assess FILE.json [--json] [--lang ru|kk|en]`` — stay, registration, rights and restrictions of one
  person on a date (input and output: :mod:`qorgau.foreigners.domain.assessment`).
- ``rights STATUS [--date YYYY-MM-DD] [--json] [--lang ...]`` — the rights, restrictions and duties of
  a status on a date.

Exit 0 on success; exit 2 with one line on stderr on bad input (DESIGN.md, "Contracts").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from qorgau.foreigners.domain.assessment import Assessment, assess
from qorgau.foreigners.domain.errors import ForeignersError
from qorgau.foreigners.domain.facts import parse_date
from qorgau.foreigners.domain.status_rights import StatusItem, StatusRights, rights_and_restrictions
from qorgau.kernel.clitools import JsonOption, emit_json, fail, read_json_file
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
