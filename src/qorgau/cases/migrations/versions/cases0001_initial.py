"""Cases: the register, participants, the case log (entries, acts, Merkle state), agreements.

Revision ID: cases0001
Revises:
Create Date: 2026-11-25

On PostgreSQL the full-text index is a GIN index over ``cases_entries.search_vector`` (a tsvector);
on SQLite that column is unused text and the FTS5 table is created on first use
(``qorgau.cases.store.ensure_sqlite_fts``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from qorgau.kernel.db import UtcDateTime

revision: str = "cases0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("cases",)
depends_on: Sequence[str] | None = ("k0001",)


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases_cases.id"], ondelete="CASCADE", name=f"fk_{table}_case_id_cases_cases"
    )


def upgrade() -> None:
    op.create_table(
        "cases_cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(15), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("region", sa.Integer, nullable=False),
        sa.Column("authority", sa.Integer, nullable=False),
        sa.Column("unit", sa.Integer, nullable=False),
        sa.Column("serial", sa.Integer, nullable=False),
        sa.Column("registered_at", UtcDateTime, nullable=False),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("form", sa.String(20)),
        sa.Column("form_decided_at", UtcDateTime),
        sa.Column("form_motivation", sa.Text),
        sa.Column("investigator_id", sa.Integer),
        sa.Column("prosecutor_id", sa.Integer),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("completed_at", UtcDateTime),
        sa.Column("sent_to_court_at", UtcDateTime),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases_cases"),
        sa.UniqueConstraint("number", name="uq_cases_cases_number"),
        sa.ForeignKeyConstraint(
            ["investigator_id"], ["users.id"], name="fk_cases_cases_investigator_id_users"
        ),
        sa.ForeignKeyConstraint(["prosecutor_id"], ["users.id"], name="fk_cases_cases_prosecutor_id_users"),
    )
    for column in ("region", "registered_on", "form", "investigator_id", "prosecutor_id", "status"):
        op.create_index(f"ix_cases_cases_{column}", "cases_cases", [column])

    op.create_table(
        "cases_offences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("article", sa.String(10), nullable=False),
        sa.Column("part", sa.String(10)),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("category_source", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases_offences"),
        _case_fk("cases_offences"),
    )
    op.create_index("ix_cases_offences_case_id", "cases_offences", ["case_id"])

    op.create_table(
        "cases_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("person_id", sa.String(36)),
        sa.Column("name", sa.String(300)),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases_participants"),
        _case_fk("cases_participants"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_cases_participants_person_id_people"),
    )
    op.create_index("ix_cases_participants_case_id", "cases_participants", ["case_id"])
    op.create_index("ix_cases_participants_person_id", "cases_participants", ["person_id"])

    op.create_table(
        "cases_defenders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("client_position", sa.Integer),
        sa.Column("assigned_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime),
        sa.Column("assigned_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases_defenders"),
        _case_fk("cases_defenders"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_cases_defenders_user_id_users"),
    )
    op.create_index("ix_cases_defenders_case_id", "cases_defenders", ["case_id"])
    op.create_index("ix_cases_defenders_user_id", "cases_defenders", ["user_id"])

    op.create_table(
        "cases_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("leaf_index", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("filename", sa.String(180), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary),
        sa.Column("storage_path", sa.String(300)),
        sa.Column("leaf_time", sa.String(40), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("search_text", sa.Text),
        sa.Column("search_vector", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite")),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases_entries"),
        sa.UniqueConstraint("case_id", "leaf_index", name="uq_cases_entries_case_id_leaf_index"),
        _case_fk("cases_entries"),
    )
    op.create_index("ix_cases_entries_case_id", "cases_entries", ["case_id"])
    op.create_index(
        "ix_cases_entries_search_vector", "cases_entries", ["search_vector"], postgresql_using="gin"
    )

    op.create_table(
        "cases_acts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("entry_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_cases_acts"),
        _case_fk("cases_acts"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["cases_entries.id"], name="fk_cases_acts_entry_id_cases_entries"
        ),
    )
    op.create_index("ix_cases_acts_case_id", "cases_acts", ["case_id"])

    op.create_table(
        "cases_logs",
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("frontier", sa.JSON, nullable=False),
        sa.Column("checkpoint", sa.Text),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases_logs"),
        _case_fk("cases_logs"),
    )

    op.create_table(
        "cases_agreements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("participant_position", sa.Integer),
        sa.Column("forwarding_days", sa.Integer, nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases_agreements"),
        _case_fk("cases_agreements"),
    )
    op.create_index("ix_cases_agreements_case_id", "cases_agreements", ["case_id"])
    op.create_index("ix_cases_agreements_state", "cases_agreements", ["state"])

    op.create_table(
        "cases_erdr_counters",
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("region", sa.Integer, nullable=False),
        sa.Column("authority", sa.Integer, nullable=False),
        sa.Column("unit", sa.Integer, nullable=False),
        sa.Column("last_serial", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("year", "region", "authority", "unit", name="pk_cases_erdr_counters"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS cases_entries_fts")
    for table in (
        "cases_erdr_counters",
        "cases_agreements",
        "cases_logs",
        "cases_acts",
        "cases_entries",
        "cases_defenders",
        "cases_participants",
        "cases_offences",
        "cases_cases",
    ):
        op.drop_table(table)
