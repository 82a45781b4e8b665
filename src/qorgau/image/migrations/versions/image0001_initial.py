"""Image module tables: uploaded surveys and speeches.

Revision ID: image0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qorgau.kernel.db import UtcDateTime

revision: str = "image0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("image",)
depends_on: Sequence[str] | None = ("k0001",)


def upgrade() -> None:
    op.create_table(
        "image_surveys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("scales_yaml", sa.Text, nullable=False),
        sa.Column("ideal", sa.String(100), nullable=False),
        sa.Column("respondents", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_image_surveys"),
    )
    op.create_table(
        "image_speeches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("speaker", sa.String(200), nullable=False),
        sa.Column("delivered_on", sa.Date),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source_filename", sa.String(255)),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_image_speeches"),
    )
    op.create_index("ix_image_speeches_speaker", "image_speeches", ["speaker"])


def downgrade() -> None:
    op.drop_index("ix_image_speeches_speaker", table_name="image_speeches")
    op.drop_table("image_speeches")
    op.drop_table("image_surveys")
