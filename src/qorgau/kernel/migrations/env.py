"""Alembic environment: runs the kernel's and every module's migrations on the configured store."""

from alembic import context
from sqlalchemy import create_engine, pool

from qorgau.kernel.db import Base
from qorgau.kernel.registry import import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
