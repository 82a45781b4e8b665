"""Cases: the full-text vectors move to the narrow table ``cases_search``.

Revision ID: cases0002
Revises: cases0001
Create Date: 2026-11-25

Why: with the vector in ``cases_entries`` every match of a query costs a read of the entry's wide
row and, the vector being large, of its TOAST chunks — over 1,000,000 materials a median query
took ~275 ms (``bench/cases_search.py``). ``cases_search`` holds only (entry id, case id, vector),
the vector kept inline (``STORAGE MAIN``: compressed, not moved out of line), under the GIN index.
Existing vectors are copied over; on SQLite the table stays empty (FTS5 serves search there).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cases0002"
down_revision: str | None = "cases0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "cases_search",
        sa.Column("entry_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_cases_search"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["cases_entries.id"],
            ondelete="CASCADE",
            name="fk_cases_search_entry_id_cases_entries",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases_cases.id"], ondelete="CASCADE", name="fk_cases_search_case_id_cases_cases"
        ),
    )
    op.create_index("ix_cases_search_case_id", "cases_search", ["case_id"])
    if postgres:
        op.execute("ALTER TABLE cases_search ALTER COLUMN search_vector SET STORAGE MAIN")
        op.execute(
            "INSERT INTO cases_search (entry_id, case_id, search_vector) "
            "SELECT id, case_id, search_vector FROM cases_entries WHERE search_vector IS NOT NULL"
        )
    op.create_index(
        "ix_cases_search_search_vector", "cases_search", ["search_vector"], postgresql_using="gin"
    )
    op.drop_index("ix_cases_entries_search_vector", table_name="cases_entries")
    # A plain ALTER TABLE … DROP COLUMN on both stores (SQLite ≥ 3.35): a batch copy of the table would
    # drop the FTS5 triggers that ``ensure_sqlite_fts`` put on it.
    op.execute("ALTER TABLE cases_entries DROP COLUMN search_vector")


def downgrade() -> None:
    op.add_column(
        "cases_entries", sa.Column("search_vector", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"))
    )
    op.create_index(
        "ix_cases_entries_search_vector", "cases_entries", ["search_vector"], postgresql_using="gin"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE cases_entries SET search_vector = s.search_vector FROM cases_search s "
            "WHERE s.entry_id = cases_entries.id"
        )
    op.drop_index("ix_cases_search_search_vector", table_name="cases_search")
    op.drop_index("ix_cases_search_case_id", table_name="cases_search")
    op.drop_table("cases_search")
