"""The ``qorgau`` command: kernel commands, then each module's command group.

Contract: data commands take ``--data-dir`` (env ``QORGAU_DATA_DIR``, default ``./var``) and, where
they print data, ``--json``; exit 0 on success, 2 on bad input with one line on stderr.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from qorgau.ingest.cli import register as register_worker
from qorgau.jobs.cli import app as jobs_app
from qorgau.kernel.audit.cli import app as audit_app
from qorgau.kernel.auth.cli import app as users_app
from qorgau.kernel.clitools import DataDirOption
from qorgau.kernel.context import open_database, settings_for
from qorgau.kernel.law.cli import app as law_app
from qorgau.kernel.people.cli import app as people_app
from qorgau.kernel.registry import optional_module
from qorgau.modules import MODULES

app = typer.Typer(
    name="qorgau",
    help="Qorgau: monitoring, cases, foreigners, protection and image analytics on one kernel.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(name="db", help="The database: migrations.", no_args_is_help=True)
app.add_typer(db_app)
app.add_typer(users_app)
app.add_typer(people_app)
app.add_typer(audit_app)
app.add_typer(law_app)
register_worker(app)
app.add_typer(jobs_app)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Apply every migration of the kernel and the modules (works on a fresh data directory)."""
    from qorgau.kernel.db import upgrade

    settings = settings_for(data_dir)
    upgrade(settings)
    typer.echo(f"database at the latest version: {settings.sqlalchemy_url.split('@')[-1]}", err=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default 8000).")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the web app, the API and the device listeners."""
    import uvicorn

    from qorgau.app import create_app

    overrides: dict[str, Any] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    from qorgau.settings import load_settings

    settings = load_settings(data_dir, **overrides)
    database = open_database(data_dir)
    database.dispose()
    application = create_app(settings)
    typer.echo(f"Qorgau on http://{settings.host}:{settings.port}/", err=True)
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="info", access_log=False)


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the store holds no people yet.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Fill the data directory with a realistic demo (users for each role, people, module data)."""
    from qorgau.kernel.demo import run_demo

    database = open_database(data_dir)
    run_demo(database, if_empty=if_empty)


def _mount_modules() -> None:
    for name in MODULES:
        module_cli = optional_module(f"qorgau.{name}.cli")
        group = getattr(module_cli, "app", None) if module_cli else None
        if isinstance(group, typer.Typer):
            app.add_typer(group, name=name)


_mount_modules()


def main() -> None:
    """Entry point: bad input never ends in a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
