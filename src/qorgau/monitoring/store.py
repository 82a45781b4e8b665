"""Tables of the monitoring center (SQLAlchemy 2) and the dialect helpers the ingest path needs.

- ``monitoring_devices``: a tracker or phone app, by the identifier it reports (IMEI); the SHA-256
  of its token for the batch API; optionally the person who carries it as a *protected* person
  (a victim app), whose positions feed the proximity rule only.
- ``monitoring_person_refs``: the caller's ids of people (import bundles), mapped to the registry.
- ``monitoring_orders`` / ``monitoring_assignments`` / ``monitoring_zones``: the court orders, the
  devices fitted under them for a time range, and their zones with schedules (JSON as given).
- ``monitoring_positions``: every stored fix; ``order_id`` NULL means *unassigned* (no order in force
  at its time: kept for administrators, never evaluated, never correlated). UNIQUE(device, time)
  makes ingest idempotent. ``cell`` (H3, resolution 9) and ``bucket`` (hour) place it in space-time.
- ``monitoring_presence``: the space-time index of tracks (see ``domain/spacetime.py``): one row per
  (cell, hour, order, device) a track touched, fixes and movements between them alike.
- ``monitoring_rule_states``: the rule state of each assignment (JSON) with a revision, written in
  the same transaction as the positions it reflects, so a restart resumes exactly.
- ``monitoring_alerts`` / ``monitoring_alert_transitions``: alerts, one per episode (UNIQUE on
  order, device, type, zone, start), and the history of their workflow.
- ``monitoring_legal_holds``: positions kept for a case beyond retention.
- ``monitoring_ingest_counters``: accepted / duplicate / rejected (by reason) per day and source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from qorgau.kernel.db import Base, UtcDateTime, utcnow
from qorgau.monitoring.domain.alerts import ALERT_STATUSES
from qorgau.monitoring.domain.orders import ORDER_KINDS

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; SQLite only auto-increments an ``INTEGER PRIMARY KEY``."""


def _one_of(column: str, values: tuple[str, ...] | frozenset[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in sorted(values))})"


class DeviceRow(Base):
    __tablename__ = "monitoring_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), unique=True)
    protocol: Mapped[str] = mapped_column(String(16), default="unknown")
    label: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    holder_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class PersonRefRow(Base):
    __tablename__ = "monitoring_person_refs"

    external_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)


class OrderRow(Base):
    __tablename__ = "monitoring_orders"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ORDER_KINDS), name="kind"),
        CheckConstraint("start_at < end_at", name="term"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    basis_court: Mapped[str] = mapped_column(String(300))
    basis_number: Mapped[str] = mapped_column(String(100))
    basis_date: Mapped[dt.date] = mapped_column(Date)
    basis_article: Mapped[str | None] = mapped_column(String(200))
    start_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    supervising_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    min_distance_m: Mapped[float | None] = mapped_column(Float)
    protected_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    protected_device: Mapped[str | None] = mapped_column(String(64))
    signal_loss_minutes: Mapped[int] = mapped_column(Integer)
    acknowledgement_minutes: Mapped[int] = mapped_column(Integer)
    retention_days: Mapped[int] = mapped_column(Integer)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class AssignmentRow(Base):
    """A device fitted under an order from ``start_at`` to ``end_at`` (NULL: until the order ends)."""

    __tablename__ = "monitoring_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("monitoring_orders.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("monitoring_devices.id"), index=True)
    start_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ZoneRow(Base):
    __tablename__ = "monitoring_zones"
    __table_args__ = (UniqueConstraint("order_id", "ref", name="uq_monitoring_zones_order_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("monitoring_orders.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    shape: Mapped[dict[str, Any]] = mapped_column(JSON)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PositionRow(Base):
    __tablename__ = "monitoring_positions"
    __table_args__ = (
        UniqueConstraint("device_id", "time", name="uq_monitoring_positions_device_time"),
        Index("ix_monitoring_positions_order_time", "order_id", "time"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("monitoring_devices.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_orders.id", ondelete="CASCADE"))
    time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    valid: Mapped[bool] = mapped_column(Boolean)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    course: Mapped[float | None] = mapped_column(Float)
    altitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    event: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    cell: Mapped[str | None] = mapped_column(String(16))
    bucket: Mapped[int] = mapped_column(Integer)


class PresenceRow(Base):
    __tablename__ = "monitoring_presence"
    __table_args__ = (Index("ix_monitoring_presence_order_bucket", "order_id", "bucket"),)

    cell: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_orders.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[int] = mapped_column(ForeignKey("monitoring_devices.id"), primary_key=True)


class RuleStateRow(Base):
    __tablename__ = "monitoring_rule_states"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_assignments.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class AlertRow(Base):
    __tablename__ = "monitoring_alerts"
    __table_args__ = (
        UniqueConstraint(
            "order_id", "device_id", "type", "zone_ref", "started_at", name="uq_monitoring_alerts_episode"
        ),
        CheckConstraint(_one_of("status", ALERT_STATUSES), name="status"),
        Index("ix_monitoring_alerts_status_raised", "status", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int] = mapped_column(ForeignKey("monitoring_orders.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(ForeignKey("monitoring_devices.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    zone_ref: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ack_deadline: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="new")
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    dispatched_by: Mapped[str | None] = mapped_column(String(100))
    response_group: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class AlertTransitionRow(Base):
    __tablename__ = "monitoring_alert_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("monitoring_alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    response_group: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)


class LegalHoldRow(Base):
    """Positions kept for a case: of an order, of a device, or of both, within ``[start_at, end_at]``."""

    __tablename__ = "monitoring_legal_holds"
    __table_args__ = (CheckConstraint("order_id IS NOT NULL OR device_id IS NOT NULL", name="target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(100), index=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_orders.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_devices.id"), index=True)
    start_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    released_by: Mapped[str | None] = mapped_column(String(100))


class IngestCounterRow(Base):
    __tablename__ = "monitoring_ingest_counters"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(60), primary_key=True)
    count: Mapped[int] = mapped_column(BigId)


def insert_for(session: Session, target: Any) -> Any:
    """The dialect's ``INSERT`` (PostgreSQL or SQLite) for a mapped class (ORM bulk insert) or a
    table (Core, for the hot ingest path), with ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` — the same idempotent statement on both stores (``RETURNING`` gives
    back only the rows actually inserted)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)
