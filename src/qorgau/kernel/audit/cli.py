"""``qorgau audit``: verify the chain, list recent entries."""

from __future__ import annotations

from typing import Annotated

import typer

from qorgau.kernel.audit.service import verify
from qorgau.kernel.audit.store import AuditRepository
from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json
from qorgau.kernel.context import open_database

app = typer.Typer(name="audit", help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
def verify_command(data_dir: DataDirOption = None, json: JsonOption = False) -> None:
    """Walk the whole log; exit 1 at the first edited, deleted, inserted or reordered entry."""
    database = open_database(data_dir)
    with database.session() as session:
        report = verify(session)
    if json:
        emit_json(report.to_dict())
    elif report.ok:
        typer.echo(f"audit log intact: {report.entries} entries")
    else:
        typer.echo(f"audit log BROKEN at entry {report.first_broken}: {report.problem}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """The most recent entries, newest first."""
    database = open_database(data_dir)
    with database.session() as session:
        entries = AuditRepository(session).recent(limit)
        rows = [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object": f"{e.object_type}:{e.object_id}",
                "purpose": e.purpose,
                "legal_basis": e.legal_basis,
            }
            for e in entries
        ]
    if json:
        emit_json({"entries": rows})
        return
    for row in rows:
        typer.echo(f"{row['seq']:>6} {row['at']} {row['actor']:<20} {row['action']:<22} {row['object']}")
