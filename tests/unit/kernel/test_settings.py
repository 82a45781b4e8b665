"""Typed settings fail fast."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from qorgau.settings import DEVELOPMENT_SECRET, Settings


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="QORGAU_SECRET_KEY"):
        Settings(environment="production", secret_key=DEVELOPMENT_SECRET)


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(environment="production", secret_key="short")


def test_default_store_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'qorgau.db'}"


def test_postgres_url_gets_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QORGAU_DATABASE_URL", "postgresql://u:p@localhost/q")
    assert Settings().sqlalchemy_url == "postgresql+psycopg://u:p@localhost/q"


def test_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QORGAU_PORT", "70000")
    with pytest.raises(ValidationError, match="port"):
        Settings()
