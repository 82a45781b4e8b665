"""The composition root of command-line work: settings, a migrated database, the acting principal."""

from __future__ import annotations

import getpass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.db import Database, alembic_config, upgrade
from qorgau.settings import Settings, load_settings


def is_current(database: Database) -> bool:
    """Whether the store is at every migration head (so a fresh data directory gets migrated)."""
    script = ScriptDirectory.from_config(alembic_config(database.settings))
    with database.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == set(script.get_heads())


def open_database(data_dir: Path | None = None, *, migrate: bool = True) -> Database:
    settings = load_settings(data_dir)
    database = Database(settings)
    if migrate and not is_current(database):
        upgrade(settings)
    return database


def cli_principal() -> Principal:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(user_id=0, username=f"cli:{user}", role="admin", via="cli")


def settings_for(data_dir: Path | None) -> Settings:
    return load_settings(data_dir)
