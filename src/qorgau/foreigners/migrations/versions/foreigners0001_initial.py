"""Foreigners: persons known to the migration service, status history, crossings with the stay index,
host notifications, registrations, address changes, visas and permits.

Revision ID: foreigners0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qorgau.kernel.db import UtcDateTime

revision: str = "foreigners0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("foreigners",)
depends_on: Sequence[str] | None = ("k0001",)

OVERSTAY_PREDICATE = "first_unlawful_day IS NOT NULL AND (exit IS NULL OR exit >= first_unlawful_day)"


def _foreigner_column() -> sa.Column[int]:
    return sa.Column("foreigner_id", sa.Integer, nullable=False)


def _foreigner_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["foreigner_id"],
        ["foreigners_persons.id"],
        ondelete="CASCADE",
        name=f"fk_{table}_foreigner",
    )


def upgrade() -> None:
    op.create_table(
        "foreigners_persons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("has_permits", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_foreigners_persons"),
        sa.UniqueConstraint("person_id", name="uq_foreigners_persons_person_id"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], ondelete="CASCADE", name="fk_foreigners_persons_person_id_people"
        ),
    )
    op.create_table(
        "foreigners_statuses",
        sa.Column("id", sa.Integer, primary_key=True),
        _foreigner_column(),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_foreigners_statuses"),
        _foreigner_key("foreigners_statuses"),
    )
    op.create_index(
        "ix_foreigners_statuses_foreigner_id_valid_from",
        "foreigners_statuses",
        ["foreigner_id", "valid_from"],
    )
    op.create_table(
        "foreigners_crossings",
        sa.Column("id", sa.Integer, primary_key=True),
        _foreigner_column(),
        sa.Column("entry", sa.Date, nullable=False),
        sa.Column("exit", sa.Date),
        sa.Column("entry_border_point", sa.String(120)),
        sa.Column("exit_border_point", sa.String(120)),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("first_unlawful_day", sa.Date),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_foreigners_crossings"),
        sa.UniqueConstraint("foreigner_id", "entry", name="uq_foreigners_crossings_foreigner_id_entry"),
        _foreigner_key("foreigners_crossings"),
    )
    op.create_index("ix_foreigners_crossings_exit", "foreigners_crossings", ["exit"])
    op.create_index(
        "ix_foreigners_crossings_overstay",
        "foreigners_crossings",
        ["exit", "first_unlawful_day", "entry"],
        postgresql_where=sa.text(OVERSTAY_PREDICATE),
        sqlite_where=sa.text(OVERSTAY_PREDICATE),
    )
    op.create_table(
        "foreigners_host_notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        _foreigner_column(),
        sa.Column("notified_on", sa.Date, nullable=False),
        sa.Column("host_name", sa.String(300)),
        sa.Column("address", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_foreigners_host_notifications"),
        _foreigner_key("foreigners_host_notifications"),
    )
    op.create_index(
        "ix_foreigners_host_notifications_foreigner_id", "foreigners_host_notifications", ["foreigner_id"]
    )
    op.create_table(
        "foreigners_registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        _foreigner_column(),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("confirmed", sa.Boolean),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_foreigners_registrations"),
        _foreigner_key("foreigners_registrations"),
    )
    op.create_index("ix_foreigners_registrations_foreigner_id", "foreigners_registrations", ["foreigner_id"])
    op.create_table(
        "foreigners_address_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        _foreigner_column(),
        sa.Column("changed_on", sa.Date, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_foreigners_address_changes"),
        _foreigner_key("foreigners_address_changes"),
    )
    op.create_index(
        "ix_foreigners_address_changes_foreigner_id", "foreigners_address_changes", ["foreigner_id"]
    )
    op.create_table(
        "foreigners_permits",
        sa.Column("id", sa.Integer, primary_key=True),
        _foreigner_column(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("number", sa.String(60)),
        sa.Column("category", sa.String(60)),
        sa.Column("ground", sa.String(40)),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_foreigners_permits"),
        _foreigner_key("foreigners_permits"),
    )
    op.create_index("ix_foreigners_permits_foreigner_id", "foreigners_permits", ["foreigner_id"])


def downgrade() -> None:
    for table in (
        "foreigners_permits",
        "foreigners_address_changes",
        "foreigners_registrations",
        "foreigners_host_notifications",
        "foreigners_crossings",
        "foreigners_statuses",
        "foreigners_persons",
    ):
        op.drop_table(table)
