"""Use cases of the monitoring center: orders, devices, ingest, alerts, queries under a legal basis,
legal holds, retention, bundle import.

Verbs (STYLE.md): ``check_*`` validates and authorises, ``do_*`` changes state and writes the audit
entry in the same transaction, ``access_*`` loads one object with the permission and scope check
built in, ``read_*``/``find_*`` are reads of location history — each states a purpose and a legal
basis (:func:`~qorgau.kernel.audit.service.check_purpose`) and is audited with them.

Ingest and timers live in :mod:`.center` (one engine per process); :func:`do_ingest`,
:func:`do_run_timers` and :data:`alert_listeners` are its public face here.

Errors::

    ValueError
    ├── OrderInvalid            bad input, ``field`` names it (domain.orders)
    ├── TransitionInvalid       an alert transition the workflow does not allow (domain.alerts)
    ├── MissingLegalBasis       a read without purpose or legal basis (kernel audit)
    └── RequestTooBroad         a correlation query wider than the law allows (``field``)
    LookupError
    └── NotFound                order, alert, device, person or legal hold not found
    PermissionError
    └── Forbidden               the role lacks the permission, or the object is outside its scope
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from qorgau.kernel.audit.service import check_purpose, do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission, check_scope, register_scope
from qorgau.kernel.auth.store import User, UserRepository
from qorgau.kernel.db import Database, utcnow
from qorgau.kernel.people.service import do_add_person
from qorgau.kernel.people.store import PersonRow
from qorgau.monitoring.center import (
    AlertListener,
    AlertRecord,
    IngestResult,
    alert_listeners,
    center_for,
    describe_alerts,
    escalate_overdue,
    from_posix,
    notify_after_commit,
    person_refs,
    posix,
)
from qorgau.monitoring.domain.alerts import ALERT_STATUSES, AlertStatus, check_transition
from qorgau.monitoring.domain.correlation import NearMatch, Track, TrackPoint, near
from qorgau.monitoring.domain.orders import (
    ORDER_KINDS,
    Bundle,
    OrderInput,
    OrderInvalid,
    ZoneInput,
    check_bundle,
    check_order,
    check_zone,
    parse_instant,
)
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.domain.spacetime import (
    INTERPOLATION_MAX_GAP_S,
    buckets_between,
    candidate_ranges,
    query_cells,
)
from qorgau.monitoring.domain.tracks import AlibiFacts, ExportPoint, TrackExport, alibi_facts
from qorgau.monitoring.permissions import (
    ALERTS_READ,
    ALERTS_WORK,
    ALIBI_REPORT,
    CORRELATION_QUERY,
    DEVICES_MANAGE,
    IMPORT_BUNDLE,
    LEGAL_HOLD,
    ORDERS_READ,
    ORDERS_WRITE,
    RETENTION_PURGE,
    TRACK_READ,
    UNASSIGNED_READ,
)
from qorgau.monitoring.store import (
    AlertRow,
    AlertTransitionRow,
    AssignmentRow,
    DeviceRow,
    LegalHoldRow,
    OrderRow,
    PersonRefRow,
    PositionRow,
    PresenceRow,
    RuleStateRow,
    ZoneRow,
)

__all__ = [
    "AlertListener",
    "AlertRecord",
    "IngestResult",
    "alert_listeners",
    "do_ingest",
    "do_run_timers",
]

MAX_NEAR_RADIUS_M = 10_000.0
"""Widest correlation radius: a request for more is "too broad" (UK police-request practice: limit
a request to the minimum necessary and reject one that is not)."""
MAX_NEAR_WINDOW = dt.timedelta(days=31)
"""Longest correlation window, for the same reason."""
UNASSIGNED_RETENTION_DAYS = 30
"""Unassigned fixes (no order in force) are kept only this long, for troubleshooting devices."""
IMPORT_TIMER_HORIZON = dt.timedelta(days=1)
"""An import runs the timers up to its last fix plus this (never past the present): conditions that
follow from the last fixes — a window opening with the person outside, signal loss — are raised,
without replaying months of silence; ``qorgau serve``'s timer takes over from there."""
POSITIONS_LIMIT = 100_000
TRANSITION_ACTIONS = {
    "acknowledged": "monitoring.alert.acknowledge",
    "dispatched": "monitoring.alert.dispatch",
    "resolved": "monitoring.alert.resolve",
}


class NotFound(LookupError):
    """The order, alert, device, person or legal hold does not exist."""


class RequestTooBroad(ValueError):
    """A correlation query wider than :data:`MAX_NEAR_RADIUS_M` or :data:`MAX_NEAR_WINDOW`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# --- ingest and timers ----------------------------------------------------------------------------


def do_ingest(
    database: Database,
    fixes: Sequence[DecodedFix],
    source: str,
    *,
    now: dt.datetime | None = None,
    register_unknown: bool = False,
) -> IngestResult:
    """Store and evaluate ``fixes`` from ``source`` in one transaction (see :mod:`.center`): every
    source — OsmAnd, H02, GT06, the batch API, imports — comes through here. Synchronous; call it
    from a worker thread in async code. Alerts go to :data:`alert_listeners` after the commit."""
    return center_for(database).ingest(fixes, source, now=now, register_unknown=register_unknown)


def do_run_timers(database: Database, now: dt.datetime | None = None) -> list[AlertRecord]:
    """The periodic sweep (``qorgau serve`` calls it every few seconds): signal loss, schedule
    windows, proximity staleness up to ``now``, then escalation of alerts past their deadline."""
    return center_for(database).run_timers(now or utcnow())


# --- scopes ---------------------------------------------------------------------------------------


def _order_in_scope(session: Session, principal: Principal, order_id: str) -> bool:
    """A probation officer's caseload: the orders they supervise. Other roles: their permission."""
    if principal.via in ("cli", "system") or principal.role != "probation_officer":
        return True
    try:
        key = int(order_id)
    except ValueError:
        return False
    officer = session.scalar(select(OrderRow.supervising_officer_id).where(OrderRow.id == key))
    return officer == principal.user_id


register_scope("order", _order_in_scope)


def _caseload_only(actor: Principal) -> bool:
    return actor.via not in ("cli", "system") and actor.role == "probation_officer"


# --- people and devices ---------------------------------------------------------------------------


def resolve_person(session: Session, reference: str, field: str = "person") -> str:
    """The registry id of a person given by an external reference (a bundle id) or a registry id."""
    mapped = session.get(PersonRefRow, reference)
    if mapped is not None:
        return mapped.person_id
    if session.get(PersonRow, reference) is not None:
        return reference
    raise OrderInvalid(field, f"no person {reference!r} (neither an imported id nor a registry id)")


def hash_device_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _device(session: Session, identifier: str) -> DeviceRow | None:
    return session.scalar(select(DeviceRow).where(DeviceRow.identifier == identifier))


def _ensure_device(session: Session, identifier: str, protocol: str = "unknown") -> DeviceRow:
    device = _device(session, identifier)
    if device is None:
        device = DeviceRow(identifier=identifier, protocol=protocol[:16])
        session.add(device)
        session.flush()
    return device


def do_register_device(
    session: Session,
    actor: Principal,
    identifier: str,
    *,
    protocol: str = "unknown",
    label: str | None = None,
    holder_person: str | None = None,
) -> DeviceRow:
    """Register a device (idempotent on its identifier). ``holder_person`` marks a device carried by
    a *protected* person (a victim app): its positions serve the proximity rule of orders that
    protect that person and nothing else."""
    check_permission(actor, DEVICES_MANAGE)
    identifier = identifier.strip()
    if not identifier or len(identifier) > 64:
        raise OrderInvalid("identifier", "1–64 characters")
    device = _ensure_device(session, identifier, protocol)
    if label is not None:
        device.label = label[:200]
    if holder_person is not None:
        device.holder_person_id = resolve_person(session, holder_person, "holder_person")
    session.flush()
    do_record(
        session,
        actor,
        "monitoring.device.register",
        "monitoring_device",
        device.id,
        details={"identifier": identifier, "protocol": device.protocol, "protected": bool(holder_person)},
    )
    return device


def do_issue_device_token(session: Session, actor: Principal, identifier: str) -> str:
    """A new secret for the device's batch API calls (``Authorization: Bearer …``); the raw value
    is returned once, only its SHA-256 is stored, and any earlier token stops working."""
    check_permission(actor, DEVICES_MANAGE)
    device = _device(session, identifier)
    if device is None:
        raise NotFound(f"device {identifier!r}")
    raw = "qd_" + secrets.token_urlsafe(32)
    device.token_hash = hash_device_token(raw)
    do_record(session, actor, "monitoring.device.token", "monitoring_device", device.id)
    return raw


def device_for_token(session: Session, raw: str) -> DeviceRow | None:
    """The device owning this token, or ``None``."""
    if not raw or len(raw) > 200:
        return None
    return session.scalar(select(DeviceRow).where(DeviceRow.token_hash == hash_device_token(raw)))


# --- orders ---------------------------------------------------------------------------------------


def _touch(session: Session, order_id: int) -> None:
    """Make every process reload the order's rules: its assignments' revisions move on."""
    assignment_ids = select(AssignmentRow.id).where(AssignmentRow.order_id == order_id)
    session.execute(
        update(RuleStateRow)
        .where(RuleStateRow.assignment_id.in_(assignment_ids))
        .values(revision=RuleStateRow.revision + 1)
        .execution_options(synchronize_session=False)
    )


def _officer_id(session: Session, actor: Principal, username: str | None) -> int | None:
    if username is None:
        return actor.user_id if actor.role == "probation_officer" and actor.user_id else None
    user = UserRepository(session).by_username(username)
    if user is None or user.role != "probation_officer":
        raise OrderInvalid("supervising_officer", f"no probation officer {username!r}")
    return user.id


def _add_zone(session: Session, order_id: int, zone: ZoneInput) -> ZoneRow:
    row = ZoneRow(order_id=order_id, ref=zone.ref, kind=zone.kind, shape=zone.shape, schedule=zone.schedule)
    session.add(row)
    return row


def _assign(
    session: Session, order: OrderRow, device: DeviceRow, start: dt.datetime, end: dt.datetime | None
) -> AssignmentRow:
    assignment = AssignmentRow(order_id=order.id, device_id=device.id, start_at=start, end_at=end)
    session.add(assignment)
    session.flush()
    session.add(RuleStateRow(assignment_id=assignment.id, revision=0, state=None))
    return assignment


def _create_order(session: Session, actor: Principal, order: OrderInput, where: str = "") -> OrderRow:
    prefix = f"{where}." if where else ""
    if order.ref is not None and session.scalar(
        select(OrderRow.id).where(OrderRow.external_ref == order.ref)
    ):
        raise OrderInvalid(f"{prefix}id", f"an order {order.ref!r} already exists")
    row = OrderRow(
        external_ref=order.ref,
        person_id=resolve_person(session, order.person, f"{prefix}person"),
        kind=order.kind,
        basis_court=order.basis.court,
        basis_number=order.basis.number,
        basis_date=order.basis.date,
        basis_article=order.basis.article,
        start_at=order.start,
        end_at=order.end,
        supervising_officer_id=_officer_id(session, actor, order.supervising_officer),
        min_distance_m=order.min_distance_m,
        protected_person_id=(
            resolve_person(session, order.protected_person, f"{prefix}protected_person")
            if order.protected_person
            else None
        ),
        protected_device=order.protected_device,
        signal_loss_minutes=order.signal_loss_minutes,
        acknowledgement_minutes=order.acknowledgement_minutes,
        retention_days=order.retention_days,
        legal_hold=False,
    )
    session.add(row)
    session.flush()
    for zone in order.zones:
        _add_zone(session, row.id, zone)
    for identifier in order.devices:
        _assign(session, row, _ensure_device(session, identifier), order.start, None)
    session.flush()
    do_record(
        session,
        actor,
        "monitoring.order.create",
        "monitoring_order",
        row.id,
        legal_basis=f"{order.basis.court}, {order.basis.number} of {order.basis.date.isoformat()}",
        details={
            "ref": order.ref,
            "kind": order.kind,
            "person": row.person_id,
            "devices": list(order.devices),
            "zones": [z.ref for z in order.zones],
            "start": order.start.isoformat(),
            "end": order.end.isoformat(),
        },
    )
    return row


def do_create_order(session: Session, actor: Principal, data: Mapping[str, Any]) -> OrderRow:
    """Register a monitoring order from its JSON form (:func:`~.domain.orders.check_order`). A
    probation officer becomes its supervising officer unless another officer is named."""
    check_permission(actor, ORDERS_WRITE)
    return _create_order(session, actor, check_order(data))


def access_order(session: Session, actor: Principal, order_id: int | str) -> OrderRow:
    """The order, if the actor may read it (permission and caseload scope); 404 before 403."""
    check_permission(actor, ORDERS_READ)
    order = _order(session, order_id)
    check_scope(session, actor, "order", str(order.id))
    return order


def _order(session: Session, order_id: int | str) -> OrderRow:
    """By internal id, or by the caller's external reference."""
    order: OrderRow | None = None
    if isinstance(order_id, int) or str(order_id).isdigit():
        order = session.get(OrderRow, int(order_id))
    if order is None:
        order = session.scalar(select(OrderRow).where(OrderRow.external_ref == str(order_id)))
    if order is None:
        raise NotFound(f"order {order_id}")
    return order


def list_orders(
    session: Session,
    actor: Principal,
    *,
    active_at: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OrderRow]:
    """Orders the actor may see (a probation officer: their caseload), newest first."""
    check_permission(actor, ORDERS_READ)
    query = select(OrderRow).order_by(OrderRow.start_at.desc(), OrderRow.id.desc())
    if _caseload_only(actor):
        query = query.where(OrderRow.supervising_officer_id == actor.user_id)
    if active_at is not None:
        query = query.where(OrderRow.start_at <= active_at, OrderRow.end_at > active_at)
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    do_record(
        session,
        actor,
        "monitoring.order.list",
        "monitoring_order",
        "*",
        purpose="supervision of monitoring orders",
        legal_basis=f"official duties ({actor.role})",
        details={"results": len(rows)},
    )
    return rows


def order_detail(session: Session, order: OrderRow) -> dict[str, Any]:
    """The JSON form of an order with its devices and zones."""
    refs = person_refs(
        session, [order.person_id, *([order.protected_person_id] if order.protected_person_id else [])]
    )
    devices = session.execute(
        select(DeviceRow.identifier, AssignmentRow.start_at, AssignmentRow.end_at, AssignmentRow.id)
        .join(AssignmentRow, AssignmentRow.device_id == DeviceRow.id)
        .where(AssignmentRow.order_id == order.id)
        .order_by(AssignmentRow.start_at, AssignmentRow.id)
    ).all()
    zones = session.scalars(select(ZoneRow).where(ZoneRow.order_id == order.id).order_by(ZoneRow.id))
    officer = session.get(User, order.supervising_officer_id) if order.supervising_officer_id else None
    return {
        "id": order.id,
        "ref": order.external_ref,
        "person": refs.get(order.person_id, order.person_id),
        "person_id": order.person_id,
        "kind": order.kind,
        "basis": {
            "court": order.basis_court,
            "number": order.basis_number,
            "date": order.basis_date.isoformat(),
            "article": order.basis_article,
        },
        "start": order.start_at.isoformat(),
        "end": order.end_at.isoformat(),
        "supervising_officer": officer.username if officer else None,
        "min_distance_m": order.min_distance_m,
        "protected_person": (
            refs.get(order.protected_person_id, order.protected_person_id)
            if order.protected_person_id
            else None
        ),
        "protected_device": order.protected_device,
        "signal_loss_minutes": order.signal_loss_minutes,
        "acknowledgement_minutes": order.acknowledgement_minutes,
        "retention_days": order.retention_days,
        "legal_hold": order.legal_hold,
        "devices": [
            {"device": identifier, "start": start.isoformat(), "end": end.isoformat() if end else None}
            for identifier, start, end, _ in devices
        ],
        "zones": [zone_detail(zone) for zone in zones],
    }


def zone_detail(zone: ZoneRow) -> dict[str, Any]:
    return {"id": zone.ref, "kind": zone.kind, "shape": zone.shape, "schedule": zone.schedule}


_UPDATABLE = (
    "end",
    "min_distance_m",
    "protected_person",
    "protected_device",
    "signal_loss_minutes",
    "acknowledgement_minutes",
    "retention_days",
    "supervising_officer",
    "legal_hold",
)


def do_update_order(
    session: Session, actor: Principal, order_id: int | str, changes: Mapping[str, Any]
) -> OrderRow:
    """Change an order's term end or parameters (a court's later decision); each change audited.
    ``legal_hold: true`` keeps all its positions past retention."""
    check_permission(actor, ORDERS_WRITE)
    order = access_order(session, actor, order_id)
    unknown = sorted(set(changes) - set(_UPDATABLE))
    if unknown:
        raise OrderInvalid(unknown[0], f"cannot be changed; changeable: {', '.join(_UPDATABLE)}")
    # Reuse the full check on the merged order, so every rule about a field holds after a change.
    current = order_detail(session, order)
    merged = {
        "id": order.external_ref,
        "person": order.person_id,
        "kind": order.kind,
        "basis": current["basis"],
        "start": current["start"],
        "end": changes.get("end", current["end"]),
        "min_distance_m": changes.get("min_distance_m", order.min_distance_m),
        "protected_person": changes.get("protected_person", order.protected_person_id),
        "protected_device": changes.get("protected_device", order.protected_device),
        "signal_loss_minutes": changes.get("signal_loss_minutes", order.signal_loss_minutes),
        "acknowledgement_minutes": changes.get("acknowledgement_minutes", order.acknowledgement_minutes),
        "retention_days": changes.get("retention_days", order.retention_days),
    }
    checked = check_order(merged)
    before = {key: current.get(key) for key in changes}
    order.end_at = checked.end
    order.min_distance_m = checked.min_distance_m
    order.protected_person_id = (
        resolve_person(session, checked.protected_person, "protected_person")
        if checked.protected_person
        else None
    )
    order.protected_device = checked.protected_device
    order.signal_loss_minutes = checked.signal_loss_minutes
    order.acknowledgement_minutes = checked.acknowledgement_minutes
    order.retention_days = checked.retention_days
    if "supervising_officer" in changes:
        order.supervising_officer_id = _officer_id(session, actor, changes["supervising_officer"])
    if "legal_hold" in changes:
        if not isinstance(changes["legal_hold"], bool):
            raise OrderInvalid("legal_hold", "expected true or false")
        order.legal_hold = changes["legal_hold"]
    order.updated_at = utcnow()
    _touch(session, order.id)
    session.flush()
    do_record(
        session,
        actor,
        "monitoring.order.update",
        "monitoring_order",
        order.id,
        details={"before": before, "after": {key: changes[key] for key in changes}},
    )
    return order


def do_delete_order(session: Session, actor: Principal, order_id: int | str) -> None:
    """Delete an order entered by mistake. An order with positions or alerts is a record of
    supervision: it is ended (``PATCH end``), never deleted — :class:`OrderInvalid` says so."""
    check_permission(actor, ORDERS_WRITE)
    order = access_order(session, actor, order_id)
    has_data = session.scalar(
        select(PositionRow.id).where(PositionRow.order_id == order.id).limit(1)
    ) or session.scalar(select(AlertRow.id).where(AlertRow.order_id == order.id).limit(1))
    if has_data:
        raise OrderInvalid("order", "the order has positions or alerts: end it instead of deleting it")
    do_record(
        session,
        actor,
        "monitoring.order.delete",
        "monitoring_order",
        order.id,
        details={"ref": order.external_ref, "person": order.person_id},
    )
    session.execute(delete(PresenceRow).where(PresenceRow.order_id == order.id))
    session.delete(order)
    session.flush()


def do_assign_device(
    session: Session,
    actor: Principal,
    order_id: int | str,
    identifier: str,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> AssignmentRow:
    """Fit a device under an order from ``start`` (default: the order's start or now, whichever is
    later) — the device is registered if new. Ending the previous device is a separate step."""
    check_permission(actor, ORDERS_WRITE)
    order = access_order(session, actor, order_id)
    identifier = identifier.strip()
    if not identifier or len(identifier) > 64:
        raise OrderInvalid("device", "1–64 characters")
    begin = start or max(order.start_at, utcnow())
    if end is not None and end <= begin:
        raise OrderInvalid("end", "must be after the start")
    device = _ensure_device(session, identifier)
    assignment = _assign(session, order, device, begin, end)
    do_record(
        session,
        actor,
        "monitoring.order.assign_device",
        "monitoring_order",
        order.id,
        details={"device": identifier, "start": begin.isoformat(), "end": end.isoformat() if end else None},
    )
    return assignment


def do_end_device(
    session: Session, actor: Principal, order_id: int | str, identifier: str, at: dt.datetime | None = None
) -> None:
    """End the device's open assignment under the order at ``at`` (default now): a strap removed by
    the officer, a device replaced."""
    check_permission(actor, ORDERS_WRITE)
    order = access_order(session, actor, order_id)
    moment = at or utcnow()
    assignment = session.scalar(
        select(AssignmentRow)
        .join(DeviceRow, DeviceRow.id == AssignmentRow.device_id)
        .where(
            AssignmentRow.order_id == order.id,
            DeviceRow.identifier == identifier,
            or_(AssignmentRow.end_at.is_(None), AssignmentRow.end_at > moment),
        )
        .order_by(AssignmentRow.start_at.desc())
    )
    if assignment is None:
        raise NotFound(f"device {identifier!r} is not assigned to order {order.id}")
    assignment.end_at = max(moment, assignment.start_at + dt.timedelta(seconds=1))
    _touch(session, order.id)
    do_record(
        session,
        actor,
        "monitoring.order.end_device",
        "monitoring_order",
        order.id,
        details={"device": identifier, "end": assignment.end_at.isoformat()},
    )


def list_zones(session: Session, actor: Principal, order_id: int | str) -> list[ZoneRow]:
    order = access_order(session, actor, order_id)
    return list(session.scalars(select(ZoneRow).where(ZoneRow.order_id == order.id).order_by(ZoneRow.id)))


def do_put_zone(session: Session, actor: Principal, order_id: int | str, data: Mapping[str, Any]) -> ZoneRow:
    """Create a zone or replace the one with the same ``id`` (generated if absent)."""
    check_permission(actor, ORDERS_WRITE)
    order = access_order(session, actor, order_id)
    raw = dict(data)
    if not raw.get("id"):
        count = (
            session.scalar(select(func.count()).select_from(ZoneRow).where(ZoneRow.order_id == order.id)) or 0
        )
        raw["id"] = f"zone-{count + 1}"
    zone = check_zone(raw, "")
    existing = session.scalar(select(ZoneRow).where(ZoneRow.order_id == order.id, ZoneRow.ref == zone.ref))
    if existing is None:
        existing = _add_zone(session, order.id, zone)
    else:
        existing.kind, existing.shape, existing.schedule = zone.kind, zone.shape, zone.schedule
    _touch(session, order.id)
    session.flush()
    do_record(
        session,
        actor,
        "monitoring.zone.put",
        "monitoring_order",
        order.id,
        details={"zone": zone.ref, "kind": zone.kind, "shape": zone.shape, "schedule": zone.schedule},
    )
    return existing


def do_delete_zone(session: Session, actor: Principal, order_id: int | str, zone_ref: str) -> None:
    check_permission(actor, ORDERS_WRITE)
    order = access_order(session, actor, order_id)
    zone = session.scalar(select(ZoneRow).where(ZoneRow.order_id == order.id, ZoneRow.ref == zone_ref))
    if zone is None:
        raise NotFound(f"zone {zone_ref!r} of order {order.id}")
    session.delete(zone)
    _touch(session, order.id)
    do_record(
        session, actor, "monitoring.zone.delete", "monitoring_order", order.id, details={"zone": zone_ref}
    )


# --- alerts ---------------------------------------------------------------------------------------


def list_alerts(
    session: Session,
    actor: Principal,
    *,
    status: str | None = None,
    order_id: int | str | None = None,
    limit: int = 1000,
) -> list[AlertRecord]:
    """Alerts, newest condition first (operators: all; a probation officer: their caseload's)."""
    check_permission(actor, ALERTS_READ)
    if status is not None and status not in ALERT_STATUSES:
        raise OrderInvalid("status", f"one of {', '.join(ALERT_STATUSES)}")
    query = select(AlertRow).order_by(AlertRow.started_at.desc(), AlertRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(AlertRow.status == status)
    if order_id is not None:
        order = access_order(session, actor, order_id) if _caseload_only(actor) else _order(session, order_id)
        query = query.where(AlertRow.order_id == order.id)
    if _caseload_only(actor):
        caseload = select(OrderRow.id).where(OrderRow.supervising_officer_id == actor.user_id)
        query = query.where(AlertRow.order_id.in_(caseload))
    return describe_alerts(session, list(session.scalars(query)))


def access_alert(session: Session, actor: Principal, alert_id: int) -> AlertRow:
    check_permission(actor, ALERTS_READ)
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise NotFound(f"alert {alert_id}")
    check_scope(session, actor, "order", str(row.order_id))
    return row


def do_transition_alert(
    session: Session,
    actor: Principal,
    alert_id: int,
    to: str,
    *,
    response_group: str | None = None,
    note: str | None = None,
    outcome: str | None = None,
    now: dt.datetime | None = None,
) -> AlertRecord:
    """Move an alert along new → acknowledged → dispatched → resolved (see
    :mod:`.domain.alerts`); the transition is stored, audited and pushed to the listeners after
    commit."""
    check_permission(actor, ALERTS_WORK)
    row = session.scalar(select(AlertRow).where(AlertRow.id == alert_id).with_for_update())
    if row is None:
        raise NotFound(f"alert {alert_id}")
    check_scope(session, actor, "order", str(row.order_id))
    check_transition(row.status, to, response_group=response_group, outcome=outcome)
    moment = now or utcnow()
    previous = row.status
    row.status = to
    if note:
        row.note = "\n".join(filter(None, [row.note, note.strip()]))[:10_000]
    if to == AlertStatus.ACKNOWLEDGED:
        row.acknowledged_at, row.acknowledged_by = moment, actor.username
    elif to == AlertStatus.DISPATCHED:
        row.dispatched_at, row.dispatched_by = moment, actor.username
        row.response_group = (response_group or "").strip()[:200]
    elif to == AlertStatus.RESOLVED:
        row.resolved_at, row.resolved_by, row.outcome = moment, actor.username, outcome
    session.add(
        AlertTransitionRow(
            alert_id=row.id,
            at=moment,
            actor=actor.username,
            from_status=previous,
            to_status=to,
            response_group=row.response_group if to == AlertStatus.DISPATCHED else None,
            outcome=outcome if to == AlertStatus.RESOLVED else None,
            note=note,
        )
    )
    session.flush()
    do_record(
        session,
        actor,
        TRANSITION_ACTIONS[to],
        "monitoring_alert",
        row.id,
        details={
            "from": previous,
            "to": to,
            "response_group": response_group,
            "outcome": outcome,
            "note": note,
        },
    )
    record = describe_alerts(session, [row], to)[0]
    notify_after_commit(session, [record])
    return record


def alert_transitions(session: Session, actor: Principal, alert_id: int) -> list[dict[str, Any]]:
    access_alert(session, actor, alert_id)
    rows = session.scalars(
        select(AlertTransitionRow)
        .where(AlertTransitionRow.alert_id == alert_id)
        .order_by(AlertTransitionRow.id)
    )
    return [
        {
            "at": row.at.isoformat(),
            "actor": row.actor,
            "from": row.from_status,
            "to": row.to_status,
            "response_group": row.response_group,
            "outcome": row.outcome,
            "note": row.note,
        }
        for row in rows
    ]


def do_escalate_overdue(session: Session, now: dt.datetime | None = None) -> list[AlertRecord]:
    """Escalate alerts not acknowledged by their deadline (also part of :func:`do_run_timers`)."""
    records = escalate_overdue(session, now or utcnow())
    notify_after_commit(session, records)
    return records


# --- reads of location history --------------------------------------------------------------------


def _window(t1: dt.datetime | None, t2: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    start = t1 or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    end = t2 or dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
    if start.tzinfo is None or end.tzinfo is None:
        raise OrderInvalid("from", "times need an offset")
    if end < start:
        raise OrderInvalid("to", "the window must not end before it starts")
    return start, end


def position_detail(row: PositionRow) -> dict[str, Any]:
    return {
        "time": row.time.isoformat(),
        "lat": row.lat,
        "lon": row.lon,
        "speed_kmh": row.speed_kmh,
        "course": row.course,
        "attributes": dict(row.attributes or {}),
        "battery": row.battery,
        "event": row.event,
        "valid": row.valid,
    }


def read_positions(
    session: Session,
    actor: Principal,
    device: str,
    t1: dt.datetime | None,
    t2: dt.datetime | None,
    *,
    purpose: str | None,
    legal_basis: str | None,
    limit: int = POSITIONS_LIMIT,
) -> list[PositionRow]:
    """A device's stored positions in ``[t1, t2]``, oldest first. Positions under orders need
    :data:`TRACK_READ` (and the caseload scope of each order); unassigned ones are included only
    for holders of :data:`UNASSIGNED_READ` (administrators). Audited with purpose and basis."""
    if not actor.can(UNASSIGNED_READ):
        check_permission(actor, TRACK_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    start, end = _window(t1, t2)
    row = _device(session, device)
    if row is None:
        raise NotFound(f"device {device!r}")
    query = (
        select(PositionRow)
        .where(PositionRow.device_id == row.id, PositionRow.time >= start, PositionRow.time <= end)
        .order_by(PositionRow.time)
        .limit(limit)
    )
    conditions = []
    if actor.can(TRACK_READ):
        conditions.append(PositionRow.order_id.is_not(None))
    if actor.can(UNASSIGNED_READ):
        conditions.append(PositionRow.order_id.is_(None))
    query = query.where(or_(*conditions))
    positions = list(session.scalars(query))
    for order_id in sorted({p.order_id for p in positions if p.order_id is not None}):
        check_scope(session, actor, "order", str(order_id))
    do_record(
        session,
        actor,
        "monitoring.positions.read",
        "monitoring_device",
        row.id,
        purpose=purpose,
        legal_basis=legal_basis,
        details={
            "device": device,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "results": len(positions),
            "unassigned": sum(1 for p in positions if p.order_id is None),
        },
    )
    return positions


def _person_tracks(
    session: Session, person_id: str, start: dt.datetime, end: dt.datetime, margin: dt.timedelta
) -> list[tuple[OrderRow, str, list[PositionRow]]]:
    """The person's positions under each of their orders overlapping the window (± margin)."""
    orders = list(
        session.scalars(
            select(OrderRow)
            .where(OrderRow.person_id == person_id, OrderRow.start_at <= end, OrderRow.end_at > start)
            .order_by(OrderRow.start_at)
        )
    )
    tracks: list[tuple[OrderRow, str, list[PositionRow]]] = []
    for order in orders:
        rows = session.execute(
            select(PositionRow, DeviceRow.identifier)
            .join(DeviceRow, DeviceRow.id == PositionRow.device_id)
            .where(
                PositionRow.order_id == order.id,
                PositionRow.time >= start - margin,
                PositionRow.time <= end + margin,
                PositionRow.lat.is_not(None),
            )
            .order_by(PositionRow.device_id, PositionRow.time)
        ).all()
        by_device: dict[str, list[PositionRow]] = {}
        for position, identifier in rows:
            by_device.setdefault(identifier, []).append(position)
        tracks.extend((order, identifier, positions) for identifier, positions in by_device.items())
    return tracks


def read_track(
    session: Session,
    actor: Principal,
    person: str,
    t1: dt.datetime | None,
    t2: dt.datetime | None,
    *,
    purpose: str | None,
    legal_basis: str | None,
) -> list[TrackExport]:
    """A person's track between two times, one :class:`TrackExport` per (order, device); only
    positions under orders (there is no track without an order). Audited with purpose and basis;
    render with :func:`~.domain.tracks.geojson` or :func:`~.domain.tracks.gpx`."""
    check_permission(actor, TRACK_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    start, end = _window(t1, t2)
    person_id = resolve_person(session, person)
    shown = person_refs(session, [person_id]).get(person_id, person_id)
    tracks = _person_tracks(session, person_id, start, end, dt.timedelta(0))
    for order, _, _ in tracks:
        check_scope(session, actor, "order", str(order.id))
    exports = [
        TrackExport(
            shown,
            order.external_ref or str(order.id),
            identifier,
            tuple(
                ExportPoint(
                    p.time,
                    float(p.lat or 0.0),
                    float(p.lon or 0.0),
                    p.speed_kmh,
                    p.course,
                    p.battery,
                    p.event,
                    p.attributes or {},
                )
                for p in positions
                if p.valid
            ),
        )
        for order, identifier, positions in tracks
    ]
    do_record(
        session,
        actor,
        "monitoring.track.read",
        "person",
        person_id,
        purpose=purpose,
        legal_basis=legal_basis,
        details={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "orders": sorted({order.id for order, _, _ in tracks}),
            "positions": sum(len(t.points) for t in exports),
        },
    )
    return exports


@dataclass(frozen=True)
class NearRow:
    """One row of a correlation answer with the references shown to people."""

    person: str
    order: str
    device: str
    distance_m: float
    time: dt.datetime
    kind: str
    person_id: str = ""
    order_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "order": self.order,
            "device": self.device,
            "distance_m": round(self.distance_m, 2),
            "time": self.time.isoformat(),
            "kind": self.kind,
        }


def check_near_request(
    lat: float, lon: float, radius_m: float, t1: dt.datetime, t2: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Raise unless the place, radius and window make a proportionate request."""
    if not (-90.0 <= lat <= 90.0):
        raise OrderInvalid("lat", "must be within [-90, 90]")
    if not (-180.0 <= lon <= 180.0):
        raise OrderInvalid("lon", "must be within [-180, 180]")
    if not (math.isfinite(radius_m) and radius_m > 0.0):
        raise OrderInvalid("radius_m", "must be a positive number")
    if radius_m > MAX_NEAR_RADIUS_M:
        raise RequestTooBroad("radius_m", f"at most {MAX_NEAR_RADIUS_M:.0f} m: narrow the request")
    start, end = _window(t1, t2)
    if end - start > MAX_NEAR_WINDOW:
        raise RequestTooBroad("to", f"a window of at most {MAX_NEAR_WINDOW.days} days: narrow the request")
    return start, end


NEAR_RANGE_TERMS = 8
"""Past this many distinct time ranges, :func:`near_tracks` reads each candidate's whole window in
one range instead of one ``OR`` term per range (long windows; the answer is the same)."""
NEAR_DEVICES_PER_STATEMENT = 5_000
"""At most this many device ids in one statement (SQLite binds at most 32,766 parameters)."""


def near_tracks(
    session: Session, lat: float, lon: float, radius_m: float, t1: dt.datetime, t2: dt.datetime
) -> list[Track]:
    """Candidate tracks for a correlation query, from the space-time index: every (order, device)
    whose track touched a cell within ``radius_m`` (plus the sampling margin) in an hour of the
    window, with its fixes in the :func:`~.domain.spacetime.candidate_ranges` of those hours (each
    hour ± the interpolation gap, so movements across its edges count) — one :class:`Track` per
    range. A superset of the answer; :func:`~.domain.correlation.near` decides. No audit: internal.

    Two statements for a usual query, whatever the number of candidates: the index joined to the
    orders and devices it names, then the candidates' fixes through the ``(device_id, time)`` index
    — one ``OR`` term per distinct range (ranges are whole hours ± the gap, so there are a handful).
    Very broad requests fall back to the window's hull, :data:`NEAR_DEVICES_PER_STATEMENT` devices
    a statement."""
    cells = sorted(query_cells(lat, lon, radius_m))
    start, end = posix(t1), posix(t2)
    buckets = buckets_between(start, end)
    hours: dict[tuple[int, int], set[int]] = {}
    about: dict[tuple[int, int], tuple[str, float, float, str]] = {}
    for index in range(0, len(cells), 400):
        for order_id, device_id, bucket, person_id, term_start, term_end, identifier in session.execute(
            select(
                PresenceRow.order_id,
                PresenceRow.device_id,
                PresenceRow.bucket,
                OrderRow.person_id,
                OrderRow.start_at,
                OrderRow.end_at,
                DeviceRow.identifier,
            )
            .join(OrderRow, OrderRow.id == PresenceRow.order_id)
            .join(DeviceRow, DeviceRow.id == PresenceRow.device_id)
            .where(
                PresenceRow.cell.in_(cells[index : index + 400]),
                PresenceRow.bucket >= buckets.start,
                PresenceRow.bucket < buckets.stop,
            )
            .distinct()
        ):
            key = (int(order_id), int(device_id))
            hours.setdefault(key, set()).add(int(bucket))
            about[key] = (person_id, posix(term_start), posix(term_end), identifier)
    if not hours:
        return []
    ranges = {key: candidate_ranges(found, start, end) for key, found in hours.items()}
    terms: dict[tuple[float, float], set[int]] = {}
    for (_, device_id), key_ranges in ranges.items():
        for time_range in key_ranges:
            terms.setdefault(time_range, set()).add(device_id)
    statements = [sorted(terms.items())]
    if len(terms) > NEAR_RANGE_TERMS or sum(len(d) for d in terms.values()) > NEAR_DEVICES_PER_STATEMENT:
        hull = (min(a for a, _ in terms), max(b for _, b in terms))
        everyone = sorted({device_id for _, device_id in ranges})
        statements = [
            [(hull, set(everyone[index : index + NEAR_DEVICES_PER_STATEMENT]))]
            for index in range(0, len(everyone), NEAR_DEVICES_PER_STATEMENT)
        ]
    points: dict[tuple[int, int, int], list[TrackPoint]] = {}
    rows = (
        row
        for statement_terms in statements
        for row in session.execute(
            select(
                PositionRow.order_id,
                PositionRow.device_id,
                PositionRow.time,
                PositionRow.lat,
                PositionRow.lon,
            ).where(
                or_(
                    *(
                        and_(
                            PositionRow.device_id.in_(sorted(device_ids)),
                            PositionRow.time >= from_posix(range_start),
                            PositionRow.time <= from_posix(range_end),
                        )
                        for (range_start, range_end), device_ids in statement_terms
                    )
                ),
                PositionRow.valid.is_(True),
                PositionRow.lat.is_not(None),
            )
        )
    )
    for stored_order, device_id, moment, plat, plon in rows:
        key = (stored_order or 0, device_id)
        own = ranges.get(key)
        if own is None:
            continue  # the device's fixes under another order
        t = posix(moment)
        which = bisect.bisect_right(own, (t, math.inf)) - 1
        if which >= 0 and t <= own[which][1]:
            points.setdefault((*key, which), []).append(TrackPoint(t, float(plat or 0.0), float(plon or 0.0)))
    tracks = []
    for (order_id, device_id, _), track_points in sorted(points.items()):
        person, term_from, term_to, device = about[(order_id, device_id)]
        tracks.append(Track(person, str(order_id), device, track_points, term_from, term_to))
    return tracks


def find_near(
    session: Session,
    actor: Principal,
    lat: float,
    lon: float,
    radius_m: float,
    t1: dt.datetime,
    t2: dt.datetime,
    *,
    purpose: str | None,
    legal_basis: str | None,
) -> list[NearRow]:
    """Crime-scene correlation: who, under an order in force then, came within ``radius_m`` of
    (lat, lon) between ``t1`` and ``t2`` — at a fix or on the movement between two fixes
    (``interpolated``). One row per person (their closest approach), nearest first. Candidates come
    from the space-time index; the answer is the domain's brute force on them, hence equal to brute
    force on everything. Requires purpose and basis; audited with the persons found."""
    check_permission(actor, CORRELATION_QUERY)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    start, end = check_near_request(lat, lon, radius_m, t1, t2)
    matches = near(
        lat,
        lon,
        radius_m,
        posix(start),
        posix(end),
        near_tracks(session, lat, lon, radius_m, start, end),
        max_gap_s=INTERPOLATION_MAX_GAP_S,
    )
    rows = _near_rows(session, matches)
    record_near_query(session, actor, (lat, lon, radius_m, start, end), rows, purpose, legal_basis)
    return rows


def record_near_query(
    session: Session,
    actor: Principal,
    request: tuple[float, float, float, dt.datetime, dt.datetime],
    rows: Sequence[NearRow],
    purpose: str,
    legal_basis: str,
    **details: Any,
) -> None:
    """The audit entry of a correlation query — ``request`` is (lat, lon, radius_m, from, to) — with
    the persons it found; every engine that answers one (SQL here, Spark in ``qorgau.jobs``) writes
    this same entry, ``details`` adding what is particular to it."""
    lat, lon, radius_m, start, end = request
    do_record(
        session,
        actor,
        "monitoring.correlation.near",
        "place",
        f"{lat:.6f},{lon:.6f}",
        purpose=purpose,
        legal_basis=legal_basis,
        details={
            "lat": lat,
            "lon": lon,
            "radius_m": radius_m,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "persons": [row.person_id for row in rows],
            **details,
        },
    )


def _near_rows(session: Session, matches: Sequence[NearMatch]) -> list[NearRow]:
    refs = person_refs(session, [m.person for m in matches])
    order_ids = sorted({int(m.order) for m in matches})
    orders = dict(
        session.execute(select(OrderRow.id, OrderRow.external_ref).where(OrderRow.id.in_(order_ids))).all()
    )
    return [
        NearRow(
            person=refs.get(m.person, m.person),
            order=orders.get(int(m.order)) or m.order,
            device=m.device,
            distance_m=m.distance_m,
            time=from_posix(m.time),
            kind=m.kind,
            person_id=m.person,
            order_id=int(m.order),
        )
        for m in matches
    ]


@dataclass(frozen=True)
class AlibiReport:
    """The facts of an alibi check and everything the PDF states about the request."""

    person: str
    person_id: str
    person_name: str
    lat: float
    lon: float
    radius_m: float
    start: dt.datetime
    end: dt.datetime
    facts: AlibiFacts
    orders: tuple[str, ...]
    purpose: str
    legal_basis: str
    requested_by: str
    requested_at: dt.datetime
    audit_seq: int
    data_digest: str
    track: tuple[ExportPoint, ...] = field(default=())


def do_alibi_report(
    session: Session,
    actor: Principal,
    person: str,
    lat: float,
    lon: float,
    radius_m: float,
    t1: dt.datetime,
    t2: dt.datetime,
    *,
    purpose: str | None,
    legal_basis: str | None,
) -> AlibiReport:
    """Was this person within ``radius_m`` of the place between ``t1`` and ``t2``? The facts
    (closest approach, coverage of the period by fixes) under the same rules as correlation; render
    the PDF with :func:`~.reports.alibi_pdf`. Audited; the report cites its audit entry and a
    SHA-256 of the positions it rests on."""
    check_permission(actor, ALIBI_REPORT)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    start, end = check_near_request(lat, lon, radius_m, t1, t2)
    person_id = resolve_person(session, person)
    shown = person_refs(session, [person_id]).get(person_id, person_id)
    margin = dt.timedelta(seconds=INTERPOLATION_MAX_GAP_S)
    rows = _person_tracks(session, person_id, start, end, margin)
    tracks = [
        Track(
            person_id,
            str(order.id),
            identifier,
            [
                TrackPoint(posix(p.time), float(p.lat or 0.0), float(p.lon or 0.0))
                for p in positions
                if p.valid
            ],
            posix(order.start_at),
            posix(order.end_at),
        )
        for order, identifier, positions in rows
    ]
    facts = alibi_facts(tracks, lat, lon, radius_m, posix(start), posix(end))
    digest = hashlib.sha256()
    in_window: list[ExportPoint] = []
    for order, identifier, positions in rows:
        for p in positions:
            digest.update(f"{order.id}|{identifier}|{p.time.isoformat()}|{p.lat!r}|{p.lon!r}\n".encode())
            if start <= p.time <= end and p.valid:
                in_window.append(ExportPoint(p.time, float(p.lat or 0.0), float(p.lon or 0.0), p.speed_kmh))
    entry = do_record(
        session,
        actor,
        "monitoring.alibi.report",
        "person",
        person_id,
        purpose=purpose,
        legal_basis=legal_basis,
        details={
            "lat": lat,
            "lon": lon,
            "radius_m": radius_m,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "conclusion": facts.conclusion,
            "data_sha256": digest.hexdigest(),
        },
    )
    name_row = session.get(PersonRow, person_id)
    return AlibiReport(
        person=shown,
        person_id=person_id,
        person_name=name_row.name if name_row else shown,
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        start=start,
        end=end,
        facts=facts,
        orders=tuple(sorted({order.external_ref or str(order.id) for order, _, _ in rows})),
        purpose=purpose,
        legal_basis=legal_basis,
        requested_by=actor.username,
        requested_at=utcnow(),
        audit_seq=entry.seq,
        data_digest=digest.hexdigest(),
        track=tuple(sorted(in_window, key=lambda p: p.time)),
    )


def alibi_detail(report: AlibiReport) -> dict[str, Any]:
    """The JSON form of an alibi report's facts."""
    facts = report.facts
    closest = facts.closest
    return {
        "person": report.person,
        "orders": list(report.orders),
        "place": {"lat": report.lat, "lon": report.lon, "radius_m": report.radius_m},
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "fixes_in_period": facts.fixes_in_period,
        "first_fix": from_posix(facts.first_fix).isoformat() if facts.first_fix is not None else None,
        "last_fix": from_posix(facts.last_fix).isoformat() if facts.last_fix is not None else None,
        "longest_gap_s": facts.longest_gap_s,
        "covered": facts.covered,
        "closest": (
            {
                "distance_m": round(closest.distance_m, 2),
                "time": from_posix(closest.time).isoformat(),
                "kind": closest.kind,
            }
            if closest
            else None
        ),
        "conclusion": facts.conclusion,
        "audit_seq": report.audit_seq,
        "data_sha256": report.data_digest,
    }


# --- legal holds ----------------------------------------------------------------------------------


def do_place_legal_hold(
    session: Session,
    actor: Principal,
    case_ref: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    order: int | str | None = None,
    device: str | None = None,
) -> LegalHoldRow:
    """Keep positions for a case beyond retention: those of ``order`` and/or ``device`` between
    ``start`` and ``end`` (e.g. the persons a correlation report found, attached to the case)."""
    check_permission(actor, LEGAL_HOLD)
    case = " ".join(case_ref.split())
    if not case or len(case) > 100:
        raise OrderInvalid("case", "name the case (1–100 characters)")
    if not reason or len(reason.strip()) < 3:
        raise OrderInvalid("reason", "state why the positions are held")
    if order is None and device is None:
        raise OrderInvalid("order", "give an order, a device or both")
    window_start, window_end = _window(start, end)
    order_row = _order(session, order) if order is not None else None
    device_row = _device(session, device) if device is not None else None
    if device is not None and device_row is None:
        raise NotFound(f"device {device!r}")
    hold = LegalHoldRow(
        case_ref=case,
        order_id=order_row.id if order_row else None,
        device_id=device_row.id if device_row else None,
        start_at=window_start,
        end_at=window_end,
        reason=reason.strip(),
        created_by=actor.username,
    )
    session.add(hold)
    session.flush()
    do_record(
        session,
        actor,
        "monitoring.legal_hold.place",
        "monitoring_legal_hold",
        hold.id,
        legal_basis=case,
        details={
            "case": case,
            "order": order_row.id if order_row else None,
            "device": device,
            "from": window_start.isoformat(),
            "to": window_end.isoformat(),
            "reason": hold.reason,
        },
    )
    return hold


def do_release_legal_hold(session: Session, actor: Principal, hold_id: int, reason: str) -> LegalHoldRow:
    """Release a hold (the case is closed); its positions fall under retention again."""
    check_permission(actor, LEGAL_HOLD)
    hold = session.get(LegalHoldRow, hold_id)
    if hold is None or hold.released_at is not None:
        raise NotFound(f"active legal hold {hold_id}")
    if not reason or len(reason.strip()) < 3:
        raise OrderInvalid("reason", "state why the hold is released")
    hold.released_at, hold.released_by = utcnow(), actor.username
    do_record(
        session,
        actor,
        "monitoring.legal_hold.release",
        "monitoring_legal_hold",
        hold.id,
        legal_basis=hold.case_ref,
        details={"reason": reason.strip()},
    )
    return hold


def list_legal_holds(session: Session, actor: Principal, case_ref: str | None = None) -> list[LegalHoldRow]:
    check_permission(actor, LEGAL_HOLD)
    query = select(LegalHoldRow).order_by(LegalHoldRow.id)
    if case_ref:
        query = query.where(LegalHoldRow.case_ref == case_ref)
    return list(session.scalars(query))


def hold_detail(hold: LegalHoldRow) -> dict[str, Any]:
    return {
        "id": hold.id,
        "case": hold.case_ref,
        "order": hold.order_id,
        "device": hold.device_id,
        "from": hold.start_at.isoformat(),
        "to": hold.end_at.isoformat(),
        "reason": hold.reason,
        "created_by": hold.created_by,
        "released_at": hold.released_at.isoformat() if hold.released_at else None,
    }


# --- retention ------------------------------------------------------------------------------------


def _not_held() -> Any:
    """No active legal hold covers the position (by its order and/or device, and time)."""
    return (
        ~select(LegalHoldRow.id)
        .where(
            LegalHoldRow.released_at.is_(None),
            or_(LegalHoldRow.order_id.is_(None), LegalHoldRow.order_id == PositionRow.order_id),
            or_(LegalHoldRow.device_id.is_(None), LegalHoldRow.device_id == PositionRow.device_id),
            LegalHoldRow.start_at <= PositionRow.time,
            LegalHoldRow.end_at >= PositionRow.time,
        )
        .exists()
    )


def do_purge(session: Session, actor: Principal, now: dt.datetime | None = None) -> dict[str, Any]:
    """Delete positions past retention: of an order once ``end + retention_days`` has passed (unless
    the order or the positions are under legal hold), unassigned ones after
    :data:`UNASSIGNED_RETENTION_DAYS`. Audited with what was deleted; returns the same summary."""
    check_permission(actor, RETENTION_PURGE)
    moment = now or utcnow()
    purged: dict[str, int] = {}
    held_back = 0
    for order in session.scalars(
        select(OrderRow).where(OrderRow.end_at < moment, OrderRow.legal_hold.is_(False)).order_by(OrderRow.id)
    ):
        if order.end_at + dt.timedelta(days=order.retention_days) >= moment:
            continue
        deleted = cast(
            CursorResult[Any],
            session.execute(
                delete(PositionRow)
                .where(PositionRow.order_id == order.id, _not_held())
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        remaining = session.scalar(
            select(func.count()).select_from(PositionRow).where(PositionRow.order_id == order.id)
        )
        held_back += remaining or 0
        if not remaining:
            session.execute(delete(PresenceRow).where(PresenceRow.order_id == order.id))
        if deleted:
            purged[order.external_ref or str(order.id)] = deleted
    cutoff = moment - dt.timedelta(days=UNASSIGNED_RETENTION_DAYS)
    unassigned = cast(
        CursorResult[Any],
        session.execute(
            delete(PositionRow)
            .where(PositionRow.order_id.is_(None), PositionRow.time < cutoff, _not_held())
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    summary = {
        "now": moment.isoformat(),
        "orders": purged,
        "positions_deleted": sum(purged.values()) + (unassigned or 0),
        "unassigned_deleted": unassigned or 0,
        "kept_under_legal_hold": held_back,
    }
    do_record(session, actor, "monitoring.retention.purge", "monitoring_positions", "*", details=summary)
    return summary


# --- import ---------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    people_created: int = 0
    people_existing: int = 0
    orders_created: int = 0
    orders_existing: int = 0
    fixes: IngestResult = field(default_factory=IngestResult)
    timer_alerts: list[AlertRecord] = field(default_factory=list)
    timers_until: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "people": {"created": self.people_created, "existing": self.people_existing},
            "orders": {"created": self.orders_created, "existing": self.orders_existing},
            "fixes": self.fixes.to_dict(),
            "alerts": len(self.fixes.alerts) + len(self.timer_alerts),
            "timers_until": self.timers_until.isoformat() if self.timers_until else None,
        }


def do_import_bundle(
    database: Database,
    actor: Principal,
    doc: Any,
    *,
    now: dt.datetime | None = None,
    timers_until: dt.datetime | None = None,
) -> ImportReport:
    """Load a bundle (``issues show 3``, "Contracts") through the same pipeline as live ingest.

    1. People and orders (with basis, zones, schedules, devices), in one transaction. The caller's
       ids are kept as external references; a person or order whose id is already known is reused,
       so a bundle imported twice stores nothing twice.
    2. Fixes through :func:`do_ingest` (source ``import``; devices never seen are registered).
    3. Timers up to ``timers_until`` — by default the last fix plus :data:`IMPORT_TIMER_HORIZON`,
       never past ``now`` — for the orders of the bundle: what follows from the last fixes (a curfew
       window opening with the person outside, signal loss) is raised too. No timers without fixes.
    """
    check_permission(actor, IMPORT_BUNDLE)
    moment = (now or utcnow()).astimezone(dt.UTC)
    bundle = check_bundle(doc)
    report = ImportReport()
    with database.session() as session:
        assignment_ids = _import_records(session, actor, bundle, report)
        do_record(
            session,
            actor,
            "monitoring.import",
            "monitoring_bundle",
            "*",
            details={
                "people": len(bundle.people),
                "orders": [o.ref for o in bundle.orders],
                "fixes": len(bundle.fixes),
            },
        )
    report.fixes = do_ingest(database, list(bundle.fixes), "import", now=moment, register_unknown=True)
    last = bundle.last_fix_time
    until = timers_until or (min(moment, last + IMPORT_TIMER_HORIZON) if last else None)
    if until is not None:
        report.timers_until = until
        report.timer_alerts = center_for(database).run_timers(
            until, now=moment, escalate=False, load_live=False, include=assignment_ids
        )
    return report


def _import_records(session: Session, actor: Principal, bundle: Bundle, report: ImportReport) -> list[int]:
    for index, person in enumerate(bundle.people):
        if session.get(PersonRefRow, person.ref) is not None:
            report.people_existing += 1
            continue
        try:
            row = do_add_person(session, actor, person.data)
        except ValueError as error:
            inner = getattr(error, "field", "")
            raise OrderInvalid(f"people[{index}].{inner}".rstrip("."), str(error)) from error
        session.add(PersonRefRow(external_ref=person.ref, person_id=row.id))
        session.flush()
        report.people_created += 1
    order_ids: list[int] = []
    for index, order in enumerate(bundle.orders):
        existing = (
            session.scalar(select(OrderRow).where(OrderRow.external_ref == order.ref)) if order.ref else None
        )
        if existing is not None:
            if existing.person_id != resolve_person(session, order.person, f"orders[{index}].person"):
                raise OrderInvalid(f"orders[{index}].id", f"order {order.ref!r} exists for another person")
            report.orders_existing += 1
            order_ids.append(existing.id)
            continue
        order_ids.append(_create_order(session, actor, order, f"orders[{index}]").id)
        report.orders_created += 1
    session.flush()
    return (
        list(session.scalars(select(AssignmentRow.id).where(AssignmentRow.order_id.in_(order_ids))))
        if order_ids
        else []
    )


def kinds() -> list[str]:
    return sorted(ORDER_KINDS)


def parse_time_option(value: str | None, field: str) -> dt.datetime | None:
    """An optional ISO 8601 time with offset from a query parameter or a CLI option."""
    return None if value is None or value == "" else parse_instant(value, field)


def counts_by_status(session: Session) -> dict[str, int]:
    return {
        status: count
        for status, count in session.execute(select(AlertRow.status, func.count()).group_by(AlertRow.status))
    }
