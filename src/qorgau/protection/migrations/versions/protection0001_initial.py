"""Protection: Eurostat datasets and observations, registrations with their name keys and decisions,
the duplicate-review queue.

Revision ID: protection0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qorgau.kernel.db import UtcDateTime

revision: str = "protection0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("protection",)
depends_on: Sequence[str] | None = ("k0001",)


def upgrade() -> None:
    op.create_table(
        "protection_datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("vintage", sa.String(255), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("imported_at", UtcDateTime, nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("observations", sa.Integer, nullable=False),
        sa.Column("first_period", sa.String(7)),
        sa.Column("last_period", sa.String(7)),
        sa.PrimaryKeyConstraint("id", name="pk_protection_datasets"),
        sa.UniqueConstraint("code", "vintage", name="uq_protection_datasets_code_vintage"),
    )
    op.create_table(
        "protection_observations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("dimensions", sa.JSON, nullable=False),
        sa.Column("geo", sa.String(16), nullable=False),
        sa.Column("citizen", sa.String(16)),
        sa.Column("time_period", sa.String(7), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("whole", sa.Boolean, nullable=False),
        sa.Column("flags", sa.String(16), nullable=False),
        sa.Column("line", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_protection_observations"),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["protection_datasets.id"],
            ondelete="CASCADE",
            name="fk_protection_observations_dataset",
        ),
    )
    op.create_index(
        "ix_protection_observations_dataset_id_time_period",
        "protection_observations",
        ["dataset_id", "time_period"],
    )
    op.create_index(
        "ix_protection_observations_dataset_id_geo", "protection_observations", ["dataset_id", "geo"]
    )
    op.create_index(
        "ix_protection_observations_dataset_id_citizen", "protection_observations", ["dataset_id", "citizen"]
    )
    op.create_table(
        "protection_registrations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(36)),
        sa.Column("surname", sa.String(200), nullable=False),
        sa.Column("given_names", sa.String(200), nullable=False),
        sa.Column("surname_latin", sa.String(200), nullable=False),
        sa.Column("given_names_latin", sa.String(200), nullable=False),
        sa.Column("earlier_names", sa.JSON, nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("birth_place", sa.String(200)),
        sa.Column("nationality", sa.String(2)),
        sa.Column("nationality_type", sa.String(20), nullable=False),
        sa.Column("sex", sa.String(1)),
        sa.Column("document_kind", sa.String(40)),
        sa.Column("document_number", sa.String(60)),
        sa.Column("document_country", sa.String(2)),
        sa.Column("document_issued_on", sa.Date),
        sa.Column("document_expires_on", sa.Date),
        sa.Column("activation", sa.String(20)),
        sa.Column("registering_state", sa.String(4), nullable=False),
        sa.Column("registration_date", sa.Date, nullable=False),
        sa.Column("accompanying_adult_id", sa.String(64)),
        sa.Column("relation_to_adult", sa.String(20)),
        sa.Column("unaccompanied", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_protection_registrations"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], ondelete="SET NULL", name="fk_protection_registrations_person"
        ),
    )
    op.create_index("ix_protection_registrations_person_id", "protection_registrations", ["person_id"])
    op.create_index("ix_protection_registrations_birth_date", "protection_registrations", ["birth_date"])
    op.create_index(
        "ix_protection_registrations_registering_state_registration_date",
        "protection_registrations",
        ["registering_state", "registration_date"],
    )
    op.create_table(
        "protection_registration_name_keys",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("registration_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("key", "registration_id", name="pk_protection_registration_name_keys"),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["protection_registrations.id"],
            ondelete="CASCADE",
            name="fk_protection_registration_name_keys_registration",
        ),
    )
    op.create_table(
        "protection_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("registration_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("legal_basis", sa.String(500), nullable=False),
        sa.Column("reasons", sa.Text),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_protection_decisions"),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["protection_registrations.id"],
            ondelete="CASCADE",
            name="fk_protection_decisions_registration",
        ),
    )
    op.create_index("ix_protection_decisions_registration_id", "protection_decisions", ["registration_id"])
    op.create_table(
        "protection_review_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("registration_ids", sa.JSON, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("agreements", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("reviewer", sa.String(100)),
        sa.Column("reviewed_at", UtcDateTime),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_protection_review_items"),
        sa.UniqueConstraint("fingerprint", name="uq_protection_review_items_fingerprint"),
    )
    op.create_index(
        "ix_protection_review_items_status_probability", "protection_review_items", ["status", "probability"]
    )


def downgrade() -> None:
    op.drop_table("protection_review_items")
    op.drop_table("protection_decisions")
    op.drop_table("protection_registration_name_keys")
    op.drop_table("protection_registrations")
    op.drop_table("protection_observations")
    op.drop_table("protection_datasets")
