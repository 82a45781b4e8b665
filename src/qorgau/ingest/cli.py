"""``qorgau worker``: run one member of the ingest worker group (see :mod:`qorgau.ingest`).

:func:`register` adds the command to a Typer app (the root ``qorgau`` command); ``python -m
qorgau.ingest worker …`` runs it without the root command.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from qorgau.kernel.clitools import DataDirOption

app = typer.Typer(name="ingest", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def worker(
    url: Annotated[
        str | None, typer.Option(help="NATS URL(s); default QORGAU_INGEST_URL.", show_default=False)
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name (default <host>-<pid>).")] = None,
    partitions: Annotated[
        int | None, typer.Option(help="Partition count; default QORGAU_INGEST_PARTITIONS (16).")
    ] = None,
    batch: Annotated[int | None, typer.Option(help="Fixes per transaction, at most (500).")] = None,
    timers: Annotated[bool, typer.Option(help="Run the rule timers of this worker's partitions.")] = True,
    data_dir: DataDirOption = None,
) -> None:
    """Store and evaluate fixes from NATS JetStream (QORGAU_INGEST_URL) until SIGTERM; partitions are
    shared with the other workers through leases and move to the survivors when one dies."""
    from qorgau.ingest.bus import IngestSettings
    from qorgau.ingest.worker import run_worker
    from qorgau.kernel.clitools import fail
    from qorgau.kernel.context import open_database

    overrides: dict[str, object] = {
        key: value for key, value in {"url": url, "partitions": partitions, "batch": batch}.items() if value
    }
    try:
        settings = IngestSettings(**overrides)  # type: ignore[arg-type]
    except ValueError as error:
        fail(f"bad ingest setting: {error}")
    if not settings.servers:
        fail("QORGAU_INGEST_URL (or --url) must name the NATS server, e.g. nats://127.0.0.1:4222")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("nats").setLevel(logging.CRITICAL)  # reconnect chatter; the worker logs its own
    database = open_database(data_dir)
    try:
        asyncio.run(run_worker(database, settings, name=name, timers=timers))
    finally:
        database.dispose()


def register(cli: typer.Typer) -> None:
    """Add ``worker`` to the root command (``qorgau worker``)."""
    cli.command("worker")(worker)


@app.callback()
def _group() -> None:
    """Ingest through NATS JetStream."""


register(app)
