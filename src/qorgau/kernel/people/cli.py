"""``qorgau people``: add, list (search in any script), show."""

from __future__ import annotations

from typing import Annotated

import typer

from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail
from qorgau.kernel.context import cli_principal, open_database
from qorgau.kernel.people.domain.model import PersonInvalid
from qorgau.kernel.people.service import (
    PersonNotFound,
    access_person,
    do_add_person,
    person_detail,
    person_summary,
    search_people,
)

app = typer.Typer(name="people", help="The people registry.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Name in the original script.")],
    latin_name: Annotated[
        str | None, typer.Option(help="Name in Latin letters (default: transliterated).")
    ] = None,
    birth_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    sex: Annotated[str | None, typer.Option(help="F or M")] = None,
    citizenship: Annotated[list[str] | None, typer.Option(help="ISO 3166-1 alpha-2; repeatable.")] = None,
    language: Annotated[list[str] | None, typer.Option(help="ISO 639-1; repeatable.")] = None,
    immunity: Annotated[str | None, typer.Option(help="mp, judge, diplomat, …")] = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Add a person; prints the new id."""
    database = open_database(data_dir)
    data = {
        "name": name,
        "latin_name": latin_name,
        "birth_date": birth_date,
        "sex": sex,
        "citizenships": citizenship or [],
        "languages": language or [],
        "immunity": immunity,
    }
    try:
        with database.session() as session:
            row = do_add_person(session, cli_principal(), data)
            result = {"id": row.id, "latin_name": row.latin_name}
    except PersonInvalid as exc:
        fail(f"--{exc.field.split('[')[0].replace('_', '-')}: {exc.message}")
    if json:
        emit_json(result)
    else:
        typer.echo(result["id"])


@app.command("list")
def list_people(
    query: Annotated[
        str | None, typer.Option(help="A name in any script: Олександр, Oleksandr, Aleksandr…")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """List the registry, or search it by name across scripts."""
    database = open_database(data_dir)
    with database.session() as session:
        hits = search_people(session, cli_principal(), query, limit=limit)
        people = [person_summary(hit.person) for hit in hits]
    if json:
        emit_json({"people": people})
        return
    for person in people:
        typer.echo(
            f"{person['id']}  {person['name']:<32} {person['latin_name']:<32} {person['birth_date'] or ''}"
        )


@app.command("show")
def show(
    person_id: Annotated[str, typer.Argument(help="The person's id.")],
    purpose: Annotated[str, typer.Option(help="Why the record is read (audited).")] = "administration",
    basis: Annotated[
        str, typer.Option(help="Legal basis of the read (audited).")
    ] = "data controller, local access",
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """One person's record; the read is audited with its purpose and basis."""
    database = open_database(data_dir)
    try:
        with database.session() as session:
            detail = person_detail(
                access_person(session, cli_principal(), person_id, purpose=purpose, legal_basis=basis)
            )
    except PersonNotFound:
        fail(f"no person with id {person_id!r}")
    except ValueError as exc:
        fail(str(exc))
    if json:
        emit_json(detail)
        return
    for key, value in detail.items():
        typer.echo(f"{key:>14}: {value}")
