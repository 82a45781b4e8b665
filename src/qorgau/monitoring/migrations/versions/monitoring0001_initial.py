"""Monitoring center: devices, orders, assignments, zones, positions and their space-time index,
rule states, alerts and their transitions, legal holds, ingest counters.

Revision ID: monitoring0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qorgau.kernel.db import UtcDateTime

revision: str = "monitoring0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("monitoring",)
depends_on: Sequence[str] | None = ("k0001",)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ORDER_KINDS = (
    "'conditional_sentence', 'house_arrest', 'pretrial_restraint', 'probation', 'restriction_of_liberty'"
)
ALERT_STATUSES = "'acknowledged', 'dispatched', 'new', 'resolved'"


def upgrade() -> None:
    op.create_table(
        "monitoring_devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("identifier", sa.String(64), nullable=False),
        sa.Column("protocol", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("token_hash", sa.String(64)),
        sa.Column("holder_person_id", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_devices"),
        sa.UniqueConstraint("identifier", name="uq_monitoring_devices_identifier"),
        sa.UniqueConstraint("token_hash", name="uq_monitoring_devices_token_hash"),
        sa.ForeignKeyConstraint(
            ["holder_person_id"],
            ["people.id"],
            ondelete="SET NULL",
            name="fk_monitoring_devices_holder_person_id_people",
        ),
    )
    op.create_index("ix_monitoring_devices_holder_person_id", "monitoring_devices", ["holder_person_id"])
    op.create_table(
        "monitoring_person_refs",
        sa.Column("external_ref", sa.String(100), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("external_ref", name="pk_monitoring_person_refs"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            ondelete="CASCADE",
            name="fk_monitoring_person_refs_person_id_people",
        ),
    )
    op.create_index("ix_monitoring_person_refs_person_id", "monitoring_person_refs", ["person_id"])
    op.create_table(
        "monitoring_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_ref", sa.String(100)),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("basis_court", sa.String(300), nullable=False),
        sa.Column("basis_number", sa.String(100), nullable=False),
        sa.Column("basis_date", sa.Date, nullable=False),
        sa.Column("basis_article", sa.String(200)),
        sa.Column("start_at", UtcDateTime, nullable=False),
        sa.Column("end_at", UtcDateTime, nullable=False),
        sa.Column("supervising_officer_id", sa.Integer),
        sa.Column("min_distance_m", sa.Float),
        sa.Column("protected_person_id", sa.String(36)),
        sa.Column("protected_device", sa.String(64)),
        sa.Column("signal_loss_minutes", sa.Integer, nullable=False),
        sa.Column("acknowledgement_minutes", sa.Integer, nullable=False),
        sa.Column("retention_days", sa.Integer, nullable=False),
        sa.Column("legal_hold", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_orders"),
        sa.UniqueConstraint("external_ref", name="uq_monitoring_orders_external_ref"),
        sa.CheckConstraint(f"kind IN ({ORDER_KINDS})", name="ck_monitoring_orders_kind"),
        sa.CheckConstraint("start_at < end_at", name="ck_monitoring_orders_term"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_monitoring_orders_person_id_people"),
        sa.ForeignKeyConstraint(
            ["supervising_officer_id"],
            ["users.id"],
            ondelete="SET NULL",
            name="fk_monitoring_orders_supervising_officer_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["protected_person_id"],
            ["people.id"],
            ondelete="SET NULL",
            name="fk_monitoring_orders_protected_person_id_people",
        ),
    )
    op.create_index("ix_monitoring_orders_person_id", "monitoring_orders", ["person_id"])
    op.create_index(
        "ix_monitoring_orders_supervising_officer_id", "monitoring_orders", ["supervising_officer_id"]
    )
    op.create_index("ix_monitoring_orders_protected_person_id", "monitoring_orders", ["protected_person_id"])
    op.create_table(
        "monitoring_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.Integer, nullable=False),
        sa.Column("start_at", UtcDateTime, nullable=False),
        sa.Column("end_at", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_assignments"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["monitoring_orders.id"],
            ondelete="CASCADE",
            name="fk_monitoring_assignments_order_id_monitoring_orders",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["monitoring_devices.id"],
            name="fk_monitoring_assignments_device_id_monitoring_devices",
        ),
    )
    op.create_index("ix_monitoring_assignments_order_id", "monitoring_assignments", ["order_id"])
    op.create_index("ix_monitoring_assignments_device_id", "monitoring_assignments", ["device_id"])
    op.create_table(
        "monitoring_zones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("shape", sa.JSON, nullable=False),
        sa.Column("schedule", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_zones"),
        sa.UniqueConstraint("order_id", "ref", name="uq_monitoring_zones_order_ref"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["monitoring_orders.id"],
            ondelete="CASCADE",
            name="fk_monitoring_zones_order_id_monitoring_orders",
        ),
    )
    op.create_table(
        "monitoring_positions",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("device_id", sa.Integer, nullable=False),
        sa.Column("order_id", sa.Integer),
        sa.Column("time", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("speed_kmh", sa.Float),
        sa.Column("course", sa.Float),
        sa.Column("altitude", sa.Float),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("battery", sa.Float),
        sa.Column("event", sa.String(64)),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("cell", sa.String(16)),
        sa.Column("bucket", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_positions"),
        sa.UniqueConstraint("device_id", "time", name="uq_monitoring_positions_device_time"),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["monitoring_devices.id"],
            name="fk_monitoring_positions_device_id_monitoring_devices",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["monitoring_orders.id"],
            ondelete="CASCADE",
            name="fk_monitoring_positions_order_id_monitoring_orders",
        ),
    )
    op.create_index("ix_monitoring_positions_order_time", "monitoring_positions", ["order_id", "time"])
    op.create_table(
        "monitoring_presence",
        sa.Column("cell", sa.String(16), nullable=False),
        sa.Column("bucket", sa.Integer, nullable=False),
        sa.Column("order_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("cell", "bucket", "order_id", "device_id", name="pk_monitoring_presence"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["monitoring_orders.id"],
            ondelete="CASCADE",
            name="fk_monitoring_presence_order_id_monitoring_orders",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["monitoring_devices.id"],
            name="fk_monitoring_presence_device_id_monitoring_devices",
        ),
    )
    op.create_index("ix_monitoring_presence_order_bucket", "monitoring_presence", ["order_id", "bucket"])
    op.create_table(
        "monitoring_rule_states",
        sa.Column("assignment_id", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", name="pk_monitoring_rule_states"),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["monitoring_assignments.id"],
            ondelete="CASCADE",
            name="fk_monitoring_rule_states_assignment_id_monitoring_assignments",
        ),
    )
    op.create_table(
        "monitoring_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("order_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("zone_ref", sa.String(100), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("raised_at", UtcDateTime, nullable=False),
        sa.Column("ack_deadline", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("escalated_at", UtcDateTime),
        sa.Column("acknowledged_at", UtcDateTime),
        sa.Column("acknowledged_by", sa.String(100)),
        sa.Column("dispatched_at", UtcDateTime),
        sa.Column("dispatched_by", sa.String(100)),
        sa.Column("response_group", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("resolved_at", UtcDateTime),
        sa.Column("resolved_by", sa.String(100)),
        sa.Column("outcome", sa.String(40)),
        sa.Column("details", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_alerts"),
        sa.UniqueConstraint(
            "order_id", "device_id", "type", "zone_ref", "started_at", name="uq_monitoring_alerts_episode"
        ),
        sa.CheckConstraint(f"status IN ({ALERT_STATUSES})", name="ck_monitoring_alerts_status"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["monitoring_orders.id"],
            ondelete="CASCADE",
            name="fk_monitoring_alerts_order_id_monitoring_orders",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["monitoring_devices.id"], name="fk_monitoring_alerts_device_id_monitoring_devices"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_monitoring_alerts_person_id_people"),
    )
    op.create_index("ix_monitoring_alerts_person_id", "monitoring_alerts", ["person_id"])
    op.create_index("ix_monitoring_alerts_status_raised", "monitoring_alerts", ["status", "raised_at"])
    op.create_table(
        "monitoring_alert_transitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("response_group", sa.String(200)),
        sa.Column("outcome", sa.String(40)),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_alert_transitions"),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["monitoring_alerts.id"],
            ondelete="CASCADE",
            name="fk_monitoring_alert_transitions_alert_id_monitoring_alerts",
        ),
    )
    op.create_index("ix_monitoring_alert_transitions_alert_id", "monitoring_alert_transitions", ["alert_id"])
    op.create_table(
        "monitoring_legal_holds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("order_id", sa.Integer),
        sa.Column("device_id", sa.Integer),
        sa.Column("start_at", UtcDateTime, nullable=False),
        sa.Column("end_at", UtcDateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("released_at", UtcDateTime),
        sa.Column("released_by", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_monitoring_legal_holds"),
        sa.CheckConstraint(
            "order_id IS NOT NULL OR device_id IS NOT NULL", name="ck_monitoring_legal_holds_target"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["monitoring_orders.id"],
            ondelete="CASCADE",
            name="fk_monitoring_legal_holds_order_id_monitoring_orders",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["monitoring_devices.id"],
            name="fk_monitoring_legal_holds_device_id_monitoring_devices",
        ),
    )
    op.create_index("ix_monitoring_legal_holds_case_ref", "monitoring_legal_holds", ["case_ref"])
    op.create_index("ix_monitoring_legal_holds_order_id", "monitoring_legal_holds", ["order_id"])
    op.create_index("ix_monitoring_legal_holds_device_id", "monitoring_legal_holds", ["device_id"])
    op.create_table(
        "monitoring_ingest_counters",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("count", BigId, nullable=False),
        sa.PrimaryKeyConstraint("day", "source", "outcome", "reason", name="pk_monitoring_ingest_counters"),
    )


def downgrade() -> None:
    for table in (
        "monitoring_ingest_counters",
        "monitoring_legal_holds",
        "monitoring_alert_transitions",
        "monitoring_alerts",
        "monitoring_rule_states",
        "monitoring_presence",
        "monitoring_positions",
        "monitoring_zones",
        "monitoring_assignments",
        "monitoring_orders",
        "monitoring_person_refs",
        "monitoring_devices",
    ):
        op.drop_table(table)
