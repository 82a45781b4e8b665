"""Typed settings: one class, read from ``QORGAU_*`` environment variables, failing fast.

The embedded default needs nothing: SQLite under ``./var`` (the data directory), a development
secret, listeners on the DESIGN.md ports. Production (``QORGAU_ENVIRONMENT=production``) refuses to
start with the development secret or a short one, as the FastAPI full-stack template does with
"changethis".
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "qorgau-development-secret-do-not-use-in-production"


class SettingsError(ValueError):
    """A setting has a value Qorgau refuses to run with."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QORGAU_", extra="ignore", frozen=True)

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite (WAL) in the data directory."
    )
    secret_key: str = DEVELOPMENT_SECRET
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    osmand_port: int = Field(default=5055, ge=0, le=65535)
    h02_port: int = Field(default=5013, ge=0, le=65535)
    gt06_port: int = Field(default=5023, ge=0, le=65535)
    listeners: bool = True
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    login_attempts: int = Field(default=5, ge=1, description="Failed logins allowed per window.")
    login_window_seconds: int = Field(default=300, ge=1)
    default_language: Literal["ru", "kk", "en"] = "ru"
    display_timezone: str = "Asia/Almaty"
    tile_url: str | None = Field(default=None, description="Map tile URL template; none: plain background.")
    secure_cookies: bool = False
    ingest_url: str | None = Field(
        default=None, description="NATS URL(s) of the ingest bus (QORGAU_INGEST_URL); none: embedded ingest."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEVELOPMENT_SECRET:
                raise SettingsError(
                    "QORGAU_SECRET_KEY must be set in production (the development secret is refused)"
                )
            if len(self.secret_key) < 32:
                raise SettingsError("QORGAU_SECRET_KEY must be at least 32 characters in production")
        return self

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL in use: ``QORGAU_DATABASE_URL`` or SQLite in the data directory."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{(self.data_dir / 'qorgau.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


def load_settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment, with ``--data-dir`` and explicit overrides on top."""
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    return Settings(**overrides)  # type: ignore[arg-type]
