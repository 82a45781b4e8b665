"""The monitoring center's engine in one process: the ingest pipeline every source uses, and timers.

:class:`MonitoringCenter` owns the rule state of the assignments it has seen (a
:class:`~.domain.fleet.FleetEvaluator`, vectorised) and keeps the database the single source of
truth: the state of every assignment is written (``monitoring_rule_states``, with a revision) in the
same transaction as the positions and alerts it reflects. Hence

- a restart resumes exactly: states are loaded from their snapshots on first use;
- a failed transaction loses nothing and doubles nothing: the in-memory engine is dropped and
  reloaded from the database;
- several processes may ingest (the CLI importing while ``qorgau serve`` runs, or partitioned
  workers): before evaluating, the engine compares the revisions of the assignments it is about to
  touch (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions are serialised) and reloads any
  that another process advanced.

Ingest (:meth:`MonitoringCenter.ingest`), in one transaction:

1. plausibility (:func:`~.domain.protocols.validate_fix`): a time more than a day ahead, impossible
   coordinates, NaN, null island → rejected and counted by reason; a missing time is the server's;
2. the device, by identifier (unknown → rejected as ``unknown_device``, or registered on import);
3. the order in force at the fix time, through the device's assignments; none → stored as
   *unassigned* (``order_id`` NULL), never evaluated, never correlated;
4. ``INSERT … ON CONFLICT (device_id, time) DO NOTHING RETURNING`` — a re-sent fix is stored once
   and evaluated once;
5. the space-time index of the new fixes and the movements to their neighbours;
6. the rules (zones, schedules, proximity, tamper, power, battery, signal loss) on the new fixes in
   time order; alerts are inserted once per episode (``UNIQUE`` on order, device, type, zone,
   start), each audited;
7. the states of the assignments touched, and the ingest counters.

After the commit the alert listeners (:data:`alert_listeners`) are called — live push, webhooks —
and then the position listeners (:data:`position_listeners`) with every new fix filed under an
order — the live map, whatever the source (device listeners, the batch API, an import run inside
the server, the demo). Listeners must be quick and must not raise; an exception is logged and
swallowed.

Timers (:meth:`MonitoringCenter.run_timers`) raise what falls due by an instant for every loaded
assignment (signal loss, windows opening with the person outside, "no fix inside" grace periods,
stale proximity) and escalate alerts not acknowledged by their deadline. A sweep moves an
assignment's state only through the deadlines it acted on, so it may run at the clock: a fix stamped
before the sweep that arrives after it is still evaluated in full (:mod:`.domain.rules`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import h3
from sqlalchemy import ColumnElement, and_, or_, select, text, update
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

from qorgau.kernel.audit.service import do_record
from qorgau.kernel.db import Database, utcnow
from qorgau.monitoring.domain.alerts import AlertStatus, acknowledgement_deadline
from qorgau.monitoring.domain.correlation import TrackPoint
from qorgau.monitoring.domain.fleet import FixBatch, FleetEvaluator
from qorgau.monitoring.domain.protocols import DecodedFix, validate_fix
from qorgau.monitoring.domain.rules import AlertEvent, AlertType, DeviceEvent, DeviceState, Fix, OrderRules
from qorgau.monitoring.domain.spacetime import (
    FIX_RESOLUTION,
    INTERPOLATION_MAX_GAP_S,
    presence_keys,
    time_bucket,
)
from qorgau.monitoring.domain.zones import zone_from_json
from qorgau.monitoring.store import (
    AlertRow,
    AssignmentRow,
    DeviceRow,
    IngestCounterRow,
    OrderRow,
    PersonRefRow,
    PositionRow,
    PresenceRow,
    RuleStateRow,
    ZoneRow,
    insert_for,
)

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:monitoring"
RULE_EVENTS: Mapping[str, DeviceEvent] = {event.value: event for event in DeviceEvent}
AUDIT_ALERTS_PER_ENTRY = 200
UNLOAD_AFTER = dt.timedelta(days=1)
"""An assignment stays in memory this long after its term ends (late fixes, the last timers)."""


# --- records handed out ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRecord:
    """An alert as listeners and queries see it. ``order``/``person`` are the references shown to
    people (the caller's external id when there is one, else the internal id); ``change`` says what
    just happened: ``raised``, ``escalated``, ``acknowledged``, ``dispatched`` or ``resolved``."""

    id: int
    type: str
    order_id: int
    order: str
    person_id: str
    person: str
    device: str
    zone: str | None
    time: dt.datetime
    status: str
    raised_at: dt.datetime
    ack_deadline: dt.datetime
    escalated: bool
    details: Mapping[str, Any] = field(default_factory=dict)
    change: str = "raised"
    response_group: str | None = None
    outcome: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (times ISO 8601 with offset, UTC)."""
        return {
            "id": self.id,
            "type": self.type,
            "person": self.person,
            "order": self.order,
            "device": self.device,
            "zone": self.zone,
            "time": self.time.isoformat(),
            "status": self.status,
            "raised_at": self.raised_at.isoformat(),
            "ack_deadline": self.ack_deadline.isoformat(),
            "escalated": self.escalated,
            "response_group": self.response_group,
            "outcome": self.outcome,
            "details": dict(self.details),
            "change": self.change,
        }


AlertListener = Callable[[AlertRecord], None]
alert_listeners: list[AlertListener] = []
"""Called after commit, once per alert raised, escalated or moved along its workflow."""


def notify(records: Iterable[AlertRecord]) -> None:
    """Hand ``records`` to every listener; a failing listener never stops ingest."""
    for record in records:
        for listener in list(alert_listeners):
            try:
                listener(record)
            except Exception:
                log.exception("alert listener %r failed on alert %s", listener, record.id)


PositionListener = Callable[[dict[str, Any]], None]
position_listeners: list[PositionListener] = []
"""Called after commit, once per fix stored under an order (not duplicates, not unassigned), with the
dict LiveHub.publish_position takes: order_id, order, person, device, time, lat, lon, speed_kmh,
course, battery, event.

``time`` is an aware UTC datetime; ``order``/``person`` are the references shown to people. A report
without coordinates (a tamper alarm with no GPS fix) is no position and is not passed on."""


def notify_positions(positions: Iterable[dict[str, Any]]) -> None:
    """Hand each position to every position listener (each gets its own copy of the dict); a failing
    listener never stops ingest."""
    for position in positions:
        for listener in list(position_listeners):
            try:
                listener(dict(position))
            except Exception:
                log.exception("position listener %r failed on a fix of %s", listener, position.get("device"))


@dataclass
class IngestResult:
    """What happened to a batch. ``outcomes[i]`` is the fate of the i-th fix given:
    ``accepted``, ``duplicate`` or ``rejected:<reason>``; ``unassigned`` counts accepted fixes
    stored without an order."""

    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    unassigned: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    outcomes: list[str] = field(default_factory=list)
    alerts: list[AlertRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "unassigned": self.unassigned,
            "rejected": dict(sorted(self.rejected.items())),
            "alerts": len(self.alerts),
        }


def rejection_reason(message: str) -> str:
    """A short counter key for a :func:`validate_fix` reason."""
    if "future" in message:
        return "future_time"
    if "null island" in message:
        return "null_island"
    if "finite" in message:
        return "not_finite"
    if "outside" in message:
        return "impossible_coordinates"
    return "implausible"


# --- rule state as JSON ---------------------------------------------------------------------------


def state_to_json(state: DeviceState) -> dict[str, Any]:
    """The snapshot stored in ``monitoring_rule_states.state``; zones keyed by their id."""
    return {
        "evaluated_until": state.evaluated_until,
        "last_fix_time": state.last_fix_time,
        "last_lat": state.last_lat,
        "last_lon": state.last_lon,
        "signal_loss_open": state.signal_loss_open,
        "low_battery_open": state.low_battery_open,
        "tamper_open": state.tamper_open,
        "device_off_open": state.device_off_open,
        "proximity_open": state.proximity_open,
        "victim_time": state.victim_time,
        "victim_lat": state.victim_lat,
        "victim_lon": state.victim_lon,
        "zones": {
            zone.id: {"inside": state.zone_inside[index], "open": state.zone_open[index]}
            for index, zone in enumerate(state.rules.zones)
        },
    }


def state_from_json(rules: OrderRules, data: Mapping[str, Any] | None) -> DeviceState:
    """The state for ``rules`` from a snapshot (``None``: the start of the term). Zones are matched
    by id, so editing an order's zones keeps what is known about the others."""
    if not data:
        count = len(rules.zones)
        return DeviceState(rules, rules.start, [None] * count, [False] * count)
    zones = data.get("zones") or {}
    inside: list[bool | None] = []
    open_: list[bool] = []
    for zone in rules.zones:
        known = zones.get(zone.id) or {}
        inside.append(known.get("inside"))
        open_.append(bool(known.get("open", False)))

    def number(key: str) -> float | None:
        value = data.get(key)
        return None if value is None else float(value)

    return DeviceState(
        rules,
        float(data.get("evaluated_until", rules.start)),
        inside,
        open_,
        number("last_fix_time"),
        number("last_lat"),
        number("last_lon"),
        bool(data.get("signal_loss_open", False)),
        bool(data.get("low_battery_open", False)),
        bool(data.get("tamper_open", False)),
        bool(data.get("device_off_open", False)),
        bool(data.get("proximity_open", False)),
        number("victim_time"),
        number("victim_lat"),
        number("victim_lon"),
    )


def _jsonable(value: Any, key: str = "") -> Any:
    """Plain JSON: POSIX times in rule details (keys ending in ``time``) become ISO 8601; NaN and
    infinities become null; anything else unknown becomes its string."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and key.endswith("time"):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def posix(moment: dt.datetime) -> float:
    return moment.timestamp()


def from_posix(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


# --- the engine -----------------------------------------------------------------------------------


@dataclass
class _Watched:
    """One assignment in the engine: who, which order, which device, and its compiled rules."""

    assignment_id: int
    order_id: int
    order: str
    person_id: str
    person: str
    device_id: int
    device: str
    acknowledgement_minutes: int
    rules: OrderRules
    revision: int

    @property
    def key(self) -> str:
        return str(self.assignment_id)


@dataclass(frozen=True)
class _Span:
    """An assignment's effective range (assignment ∩ order term), in POSIX seconds."""

    assignment_id: int
    order_id: int
    start: float
    end: float


@dataclass(frozen=True)
class _New:
    """A fix just stored: its device, the assignment it falls under (``None``: unassigned), its time."""

    fix: DecodedFix
    device_id: int
    span: _Span | None
    t: float


_POSITION_TYPES = {
    "device_id": "integer",
    "order_id": "integer",
    "time": "timestamptz",
    "received_at": "timestamptz",
    "source": "text",
    "lat": "double precision",
    "lon": "double precision",
    "valid": "boolean",
    "speed_kmh": "double precision",
    "course": "double precision",
    "altitude": "double precision",
    "accuracy_m": "double precision",
    "battery": "double precision",
    "event": "text",
    "attributes": "text",
    "cell": "text",
    "bucket": "integer",
}
_POSITION_COLUMNS = tuple(_POSITION_TYPES)
_POSITIONS_UNNEST = text(
    f"INSERT INTO monitoring_positions ({', '.join(_POSITION_COLUMNS)}) "
    "SELECT device_id, order_id, time, received_at, source, lat, lon, valid, speed_kmh, course, altitude, "
    "accuracy_m, battery, event, CAST(attributes AS json), cell, bucket FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _POSITION_TYPES.items())
    + f") AS incoming({', '.join(_POSITION_COLUMNS)}) "
    "ON CONFLICT (device_id, time) DO NOTHING RETURNING device_id, time"
)
_PRESENCE_UNNEST = text(
    "INSERT INTO monitoring_presence (cell, bucket, order_id, device_id) "
    "SELECT * FROM unnest(CAST(:cell AS text[]), CAST(:bucket AS integer[]), CAST(:order_id AS integer[]), "
    "CAST(:device_id AS integer[])) ON CONFLICT DO NOTHING"
)


def _covering(spans: Sequence[_Span] | None, t: float) -> _Span | None:
    """The assignment covering ``t`` (the latest-starting one if several do)."""
    for span in spans or ():
        if span.start <= t < span.end:
            return span
    return None


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


class MonitoringCenter:
    """The ingest pipeline and the rule engine over one database (see the module docstring).

    Thread-safe: one batch or timer sweep at a time per process (a lock), as the rule states must
    advance in order.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.RLock()
        self._reset()

    # --- engine bookkeeping ----------------------------------------------------------------------

    def _reset(self) -> None:
        self._fleet = FleetEvaluator()
        self._watched: dict[int, _Watched] = {}
        self._removed = 0
        # The newest indexed fix per assignment: (time, lat, lon, revision of the assignment's state
        # when it was cached); valid only while nobody else has advanced that assignment.
        self._last_point: dict[int, tuple[float, float, float, int]] = {}

    def forget(self, assignment_ids: Iterable[int] | None = None) -> None:
        """Drop assignments from memory (all if ``None``): they are reloaded from the database on
        next use. The service calls this after changing an order, its zones or its devices."""
        with self._lock:
            if assignment_ids is None:
                self._reset()
                return
            for assignment_id in assignment_ids:
                watched = self._watched.pop(assignment_id, None)
                if watched is not None:
                    self._fleet.remove_order(watched.key)
                    self._removed += 1
                    self._last_point.pop(assignment_id, None)

    def loaded_assignments(self) -> list[int]:
        return sorted(self._watched)

    def _compact(self) -> None:
        """Rebuild the evaluator when removed slots outnumber live ones (they are never reused)."""
        if self._removed <= max(64, len(self._watched)):
            return
        states = {w.assignment_id: self._fleet.state(w.key) for w in self._watched.values()}
        self._fleet = FleetEvaluator()
        for assignment_id, state in states.items():
            self._fleet.add_order(self._watched[assignment_id].rules, state)
        self._removed = 0

    def _load(self, session: Session, assignment_ids: Iterable[int]) -> None:
        """Load (or reload) assignments with their orders, zones and state snapshots."""
        wanted = sorted(set(assignment_ids))
        if not wanted:
            return
        rows: list[Any] = []
        for chunk in _chunks(wanted):
            rows.extend(
                session.execute(
                    select(AssignmentRow, OrderRow, DeviceRow.identifier, RuleStateRow)
                    .join(OrderRow, OrderRow.id == AssignmentRow.order_id)
                    .join(DeviceRow, DeviceRow.id == AssignmentRow.device_id)
                    .outerjoin(RuleStateRow, RuleStateRow.assignment_id == AssignmentRow.id)
                    .where(AssignmentRow.id.in_(chunk))
                ).all()
            )
        order_ids = sorted({order.id for _, order, _, _ in rows})
        zones: dict[int, list[ZoneRow]] = {}
        for chunk in _chunks(order_ids):
            for zone in session.scalars(
                select(ZoneRow).where(ZoneRow.order_id.in_(chunk)).order_by(ZoneRow.order_id, ZoneRow.id)
            ):
                zones.setdefault(zone.order_id, []).append(zone)
        person_ids = sorted({order.person_id for _, order, _, _ in rows})
        refs = person_refs(session, person_ids)
        protected_people = sorted(
            {o.protected_person_id for _, o, _, _ in rows if o.protected_person_id and not o.protected_device}
        )
        carried: dict[str, str] = {}
        for chunk in _chunks(protected_people):
            for holder, identifier in session.execute(
                select(DeviceRow.holder_person_id, DeviceRow.identifier)
                .where(DeviceRow.holder_person_id.in_(chunk))
                .order_by(DeviceRow.id.desc())
            ):
                carried[str(holder)] = identifier
        gone = set(wanted) - {assignment.id for assignment, _, _, _ in rows}
        for assignment, order, identifier, state_row in rows:
            start = max(order.start_at, assignment.start_at)
            end = min(order.end_at, assignment.end_at or order.end_at)
            if start >= end:
                gone.add(assignment.id)
                continue
            protected = order.protected_device or carried.get(order.protected_person_id or "")
            rules = OrderRules.build(
                str(assignment.id),
                identifier,
                posix(start),
                posix(end),
                [
                    zone_from_json({"id": z.ref, "kind": z.kind, "shape": z.shape, "schedule": z.schedule})
                    for z in zones.get(order.id, [])
                ],
                min_distance_m=order.min_distance_m,
                protected_device=protected,
                signal_loss_s=order.signal_loss_minutes * 60.0,
            )
            if state_row is None:
                state_row = RuleStateRow(assignment_id=assignment.id, revision=0, state=None)
                session.add(state_row)
                session.flush()
            state = state_from_json(rules, state_row.state)
            if assignment.id in self._watched:
                self._fleet.remove_order(self._watched[assignment.id].key)
                self._removed += 1
            self._fleet.add_order(rules, state)
            self._watched[assignment.id] = _Watched(
                assignment_id=assignment.id,
                order_id=order.id,
                order=order.external_ref or str(order.id),
                person_id=order.person_id,
                person=refs.get(order.person_id, order.person_id),
                device_id=assignment.device_id,
                device=identifier,
                acknowledgement_minutes=order.acknowledgement_minutes,
                rules=rules,
                revision=state_row.revision,
            )
        self.forget(gone)
        self._compact()

    def _sync(self, session: Session, assignment_ids: Iterable[int]) -> None:
        """Make sure these assignments are loaded and as new as the database (locking their state
        rows until commit, so two processes never advance one assignment at once)."""
        wanted = sorted(set(assignment_ids))
        stale: list[int] = []
        for chunk in _chunks(wanted):
            found = dict(
                session.execute(
                    select(RuleStateRow.assignment_id, RuleStateRow.revision)
                    .where(RuleStateRow.assignment_id.in_(chunk))
                    .with_for_update()
                ).all()
            )
            for assignment_id in chunk:
                watched = self._watched.get(assignment_id)
                if watched is None or found.get(assignment_id) != watched.revision:
                    stale.append(assignment_id)
        if stale:
            for assignment_id in stale:
                self._last_point.pop(assignment_id, None)
            self._load(session, stale)

    def _save_states(self, session: Session, assignment_ids: Iterable[int]) -> None:
        rows = []
        now = utcnow()
        for assignment_id in sorted(set(assignment_ids)):
            watched = self._watched.get(assignment_id)
            if watched is None:
                continue
            watched.revision += 1
            rows.append(
                {
                    "assignment_id": assignment_id,
                    "revision": watched.revision,
                    "state": state_to_json(self._fleet.state(watched.key)),
                    "updated_at": now,
                }
            )
        if rows:
            session.execute(update(RuleStateRow), rows)

    # --- ingest ----------------------------------------------------------------------------------

    def ingest(
        self,
        fixes: Sequence[DecodedFix],
        source: str,
        *,
        now: dt.datetime | None = None,
        register_unknown: bool = False,
    ) -> IngestResult:
        """Store and evaluate a batch of fixes from ``source`` (``osmand``, ``h02``, ``gt06``,
        ``api``, ``import``…) in one transaction; see the module docstring. ``now`` is the wall
        clock (plausibility of fix times, when alerts are raised); ``register_unknown`` registers
        devices never seen before instead of rejecting their fixes (bundle imports)."""
        moment = (now or utcnow()).astimezone(dt.UTC)
        # Built only when someone listens (a bulk import outside the server has nobody to tell).
        positions: list[dict[str, Any]] | None = [] if position_listeners else None
        with self._lock:
            try:
                with self.database.session() as session:
                    result = self._ingest(session, fixes, source[:16], moment, register_unknown, positions)
            except BaseException:
                self._reset()
                raise
        notify(result.alerts)
        notify_positions(positions or ())
        return result

    def _ingest(
        self,
        session: Session,
        fixes: Sequence[DecodedFix],
        source: str,
        now: dt.datetime,
        register_unknown: bool,
        positions: list[dict[str, Any]] | None = None,
    ) -> IngestResult:
        result = IngestResult(received=len(fixes), outcomes=[""] * len(fixes))
        accepted: list[tuple[int, DecodedFix]] = []
        for index, fix in enumerate(fixes):
            if fix.time is None:
                fix = dataclasses.replace(
                    fix, time=now, attributes={**fix.attributes, "time_source": "server"}
                )
            reasons = validate_fix(fix, now)
            if reasons:
                self._reject(result, index, rejection_reason(reasons[0]))
                continue
            accepted.append((index, fix))

        devices = self._devices(session, {fix.device_id for _, fix in accepted}, register_unknown, source)
        spans = self._spans(session, sorted({device_id for device_id, _ in devices.values()}))

        rows: list[dict[str, Any]] = []
        placed: list[tuple[int, _New]] = []
        seen: set[tuple[int, dt.datetime]] = set()
        for index, fix in accepted:
            known = devices.get(fix.device_id)
            if known is None:
                self._reject(result, index, "unknown_device")
                continue
            device_id = known[0]
            moment = fix.time
            assert moment is not None
            moment = moment.astimezone(dt.UTC)
            if (device_id, moment) in seen:
                result.outcomes[index] = "duplicate"
                result.duplicates += 1
                continue
            seen.add((device_id, moment))
            t = moment.timestamp()
            span = _covering(spans.get(device_id), t)
            has_position = fix.lat is not None and fix.lon is not None
            rows.append(
                {
                    "device_id": device_id,
                    "order_id": span.order_id if span else None,
                    "time": moment,
                    "received_at": now,
                    "source": source,
                    "lat": fix.lat,
                    "lon": fix.lon,
                    "valid": bool(fix.valid and has_position),
                    "speed_kmh": fix.speed_kmh,
                    "course": fix.course,
                    "altitude": fix.altitude,
                    "accuracy_m": fix.accuracy_m,
                    "battery": fix.battery,
                    "event": fix.event[:64] if fix.event else None,
                    "attributes": _jsonable(dict(fix.attributes)),
                    "cell": str(h3.latlng_to_cell(fix.lat, fix.lon, FIX_RESOLUTION))
                    if has_position
                    else None,
                    "bucket": time_bucket(t),
                }
            )
            placed.append((index, _New(fix, device_id, span, t)))

        inserted = self._insert_positions(session, rows)

        new: list[_New] = []
        for index, item in placed:
            if (item.device_id, item.t) in inserted:
                result.outcomes[index] = "accepted"
                result.accepted += 1
                if item.span is None:
                    result.unassigned += 1
                new.append(item)
            else:
                result.outcomes[index] = "duplicate"
                result.duplicates += 1

        if new:
            assignment_ids = self._prepare(session, new, devices)
            if positions is not None:
                positions.extend(self._live_positions(session, new))
            self._index(session, new)
            result.alerts = self._evaluate(session, new, assignment_ids, now)
            self._save_states(session, assignment_ids)
            for assignment_id in assignment_ids:
                cached = self._last_point.get(assignment_id)
                watched = self._watched.get(assignment_id)
                if cached is not None and watched is not None:
                    self._last_point[assignment_id] = (*cached[:3], watched.revision)
        self._count(session, now, source, result)
        return result

    def _live_positions(self, session: Session, new: Sequence[_New]) -> list[dict[str, Any]]:
        """What :data:`position_listeners` get for the new fixes filed under an order, in time order
        per device (references as shown to people: the caller's ids when known)."""
        filed = sorted(
            (item for item in new if item.span is not None and item.fix.has_position),
            key=lambda item: (item.t, item.device_id),
        )
        labels: dict[int, tuple[str, str]] = {}
        for item in filed:
            assert item.span is not None
            watched = self._watched.get(item.span.assignment_id)
            if watched is not None:
                labels[item.span.order_id] = (watched.order, watched.person)
        missing = sorted({item.span.order_id for item in filed if item.span} - set(labels))
        if missing:  # not loaded (should not happen: _prepare loads every assignment it files under)
            rows = session.execute(
                select(OrderRow.id, OrderRow.external_ref, OrderRow.person_id).where(OrderRow.id.in_(missing))
            ).all()
            refs = person_refs(session, [person_id for _, _, person_id in rows])
            for order_id, ref, person_id in rows:
                labels[order_id] = (ref or str(order_id), refs.get(person_id, person_id))
        positions = []
        for item in filed:
            assert item.span is not None
            fix = item.fix
            order, person = labels.get(item.span.order_id, (str(item.span.order_id), ""))
            positions.append(
                {
                    "order_id": item.span.order_id,
                    "order": order,
                    "person": person,
                    "device": fix.device_id,
                    "time": from_posix(item.t),
                    "lat": fix.lat,
                    "lon": fix.lon,
                    "speed_kmh": fix.speed_kmh,
                    "course": fix.course,
                    "battery": fix.battery,
                    "event": fix.event,
                }
            )
        return positions

    @staticmethod
    def _reject(result: IngestResult, index: int, reason: str) -> None:
        result.rejected[reason] += 1
        result.outcomes[index] = f"rejected:{reason}"

    def _devices(
        self, session: Session, identifiers: set[str], register_unknown: bool, source: str
    ) -> dict[str, tuple[int, str | None]]:
        """identifier → (device id, holder person id) for the known (or newly registered) devices."""
        wanted = sorted(i for i in identifiers if i and len(i) <= 64)
        found: dict[str, tuple[int, str | None]] = {}
        for chunk in _chunks(wanted):
            for device_id, identifier, holder in session.execute(
                select(DeviceRow.id, DeviceRow.identifier, DeviceRow.holder_person_id).where(
                    DeviceRow.identifier.in_(chunk)
                )
            ):
                found[identifier] = (device_id, holder)
        missing = [i for i in wanted if i not in found]
        if missing and register_unknown:
            session.execute(
                insert_for(session, DeviceRow).on_conflict_do_nothing(index_elements=["identifier"]),
                [{"identifier": i, "protocol": source, "created_at": utcnow()} for i in missing],
            )
            for chunk in _chunks(missing):
                for device_id, identifier in session.execute(
                    select(DeviceRow.id, DeviceRow.identifier).where(DeviceRow.identifier.in_(chunk))
                ):
                    found[identifier] = (device_id, None)
        return found

    @staticmethod
    def _spans(session: Session, device_ids: Sequence[int]) -> dict[int, list[_Span]]:
        """Per device, its assignments as effective ranges (assignment ∩ order term), newest first."""
        spans: dict[int, list[_Span]] = {}
        for chunk in _chunks(device_ids):
            for assignment_id, device_id, order_id, a_start, a_end, o_start, o_end in session.execute(
                select(
                    AssignmentRow.id,
                    AssignmentRow.device_id,
                    AssignmentRow.order_id,
                    AssignmentRow.start_at,
                    AssignmentRow.end_at,
                    OrderRow.start_at,
                    OrderRow.end_at,
                )
                .join(OrderRow, OrderRow.id == AssignmentRow.order_id)
                .where(AssignmentRow.device_id.in_(chunk))
            ):
                start = max(a_start, o_start).timestamp()
                end = min(a_end or o_end, o_end).timestamp()
                if start < end:
                    spans.setdefault(device_id, []).append(_Span(assignment_id, order_id, start, end))
        for items in spans.values():
            items.sort(key=lambda s: (s.start, s.assignment_id), reverse=True)
        return spans

    def _prepare(
        self, session: Session, new: Sequence[_New], devices: Mapping[str, tuple[int, str | None]]
    ) -> set[int]:
        """The assignments these fixes concern — their own, and those protecting a person who carries
        one of the devices — loaded and locked at their latest revision."""
        assignment_ids = {item.span.assignment_id for item in new if item.span is not None}
        identifiers = sorted({item.fix.device_id for item in new})
        holders = sorted({holder for identifier in identifiers if (holder := devices[identifier][1])})
        first = from_posix(min(item.t for item in new))
        last = from_posix(max(item.t for item in new))
        assignment_ids |= self._watchers(session, identifiers, holders, first, last)
        self._sync(session, assignment_ids)
        return {assignment_id for assignment_id in assignment_ids if assignment_id in self._watched}

    def _index(self, session: Session, new: Sequence[_New]) -> None:
        """Presence keys of the new assigned, valid fixes and of the movements to their neighbours."""
        tracks: dict[_Span, list[TrackPoint]] = {}
        devices: dict[_Span, int] = {}
        for item in new:
            fix, span = item.fix, item.span
            if span is None or not fix.valid or fix.lat is None or fix.lon is None:
                continue
            tracks.setdefault(span, []).append(TrackPoint(item.t, fix.lat, fix.lon))
            devices[span] = item.device_id
        keys: set[tuple[str, int, int, int]] = set()
        for span, points in tracks.items():
            device_id = devices[span]
            points.sort(key=lambda p: p.time)
            first, last = points[0].time, points[-1].time
            cached = self._last_point.get(span.assignment_id)
            watched = self._watched.get(span.assignment_id)
            if (
                cached is not None
                and watched is not None
                and cached[3] == watched.revision
                and cached[0] < first
            ):
                track = [TrackPoint(*cached[:3]), *points]
            else:
                # Unknown history (a restart, another process, a late fix): read the neighbours.
                track = [
                    TrackPoint(t.timestamp(), float(lat or 0.0), float(lon or 0.0))
                    for t, lat, lon in session.execute(
                        select(PositionRow.time, PositionRow.lat, PositionRow.lon)
                        .where(
                            PositionRow.device_id == device_id,
                            PositionRow.order_id == span.order_id,
                            PositionRow.valid.is_(True),
                            PositionRow.lat.is_not(None),
                            PositionRow.time >= from_posix(first - INTERPOLATION_MAX_GAP_S),
                            PositionRow.time <= from_posix(last + INTERPOLATION_MAX_GAP_S),
                        )
                        .order_by(PositionRow.time)
                    )
                ]
            cell_keys = presence_keys(track, {p.time for p in points})
            keys.update((cell, bucket, span.order_id, device_id) for cell, bucket in cell_keys)
            newest = track[-1]
            if cached is None or newest.time >= cached[0]:
                self._last_point[span.assignment_id] = (newest.time, newest.lat, newest.lon, -1)
        if not keys:
            return
        ordered = sorted(keys)
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            for chunk in _chunks(ordered, 20_000):
                connection.execute(
                    _PRESENCE_UNNEST,
                    {
                        "cell": [key[0] for key in chunk],
                        "bucket": [key[1] for key in chunk],
                        "order_id": [key[2] for key in chunk],
                        "device_id": [key[3] for key in chunk],
                    },
                )
            return
        statement = insert_for(session, PresenceRow.__table__).on_conflict_do_nothing()
        for chunk in _chunks(ordered, 2000):
            connection.execute(
                statement, [{"cell": c, "bucket": b, "order_id": o, "device_id": d} for c, b, o, d in chunk]
            )

    @staticmethod
    def _insert_positions(session: Session, rows: Sequence[dict[str, Any]]) -> set[tuple[int, float]]:
        """Insert positions idempotently; returns (device id, POSIX time) of the rows inserted.

        SQLite: a Core multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING``. PostgreSQL: the same
        statement over ``unnest`` of one array per column — one statement and a handful of parameters
        for the whole batch (a multi-row VALUES of 10,000 rows costs the driver seconds to parse).
        """
        inserted: set[tuple[int, float]] = set()
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            for chunk in _chunks(rows, 20_000):
                columns: dict[str, list[Any]] = {
                    name: [row[name] for row in chunk] for name in _POSITION_COLUMNS
                }
                columns["attributes"] = [
                    json.dumps(value, ensure_ascii=False) for value in columns["attributes"]
                ]
                inserted.update(
                    (int(d), t.timestamp()) for d, t in connection.execute(_POSITIONS_UNNEST, columns).all()
                )
            return inserted
        table = PositionRow.__table__
        statement = (
            insert_for(session, table)
            .on_conflict_do_nothing(index_elements=["device_id", "time"])
            .returning(table.c.device_id, table.c.time)
        )
        for chunk in _chunks(rows, 2000):
            inserted.update((int(d), t.timestamp()) for d, t in connection.execute(statement, chunk).all())
        return inserted

    def _evaluate(
        self, session: Session, new: Sequence[_New], assignment_ids: set[int], now: dt.datetime
    ) -> list[AlertRecord]:
        """Run the rules on the new fixes of assigned devices and of protected persons' devices."""
        if not assignment_ids:
            return []
        protected = {self._watched[a].rules.protected_device for a in assignment_ids}
        ordered = sorted(new, key=lambda item: (item.t, item.device_id))
        last_seen: dict[str, tuple[float, float]] = {}
        rule_fixes: list[Fix] = []
        direct: list[AlertEvent] = []
        for item in ordered:
            fix, span = item.fix, item.span
            if span is None and fix.device_id not in protected:
                continue
            event = RULE_EVENTS.get(fix.event or "")
            if fix.valid and fix.lat is not None and fix.lon is not None:
                lat, lon = fix.lat, fix.lon
                last_seen[fix.device_id] = (lat, lon)
            elif span is None:
                continue  # a protected person's report without a position says nothing about distance
            else:
                # No usable position (no GPS, or one the device itself flags invalid): the rules
                # see the last known position, so a tamper or power event is never lost.
                known = last_seen.get(fix.device_id) or self._last_known(span)
                if known is None:
                    if event is not None:
                        direct.append(self._positionless_alert(span, fix.device_id, item.t, event))
                    continue
                lat, lon = known
            rule_fixes.append(Fix(fix.device_id, item.t, lat, lon, fix.battery, event))
        events = (
            self._fleet.evaluate_fixes(FixBatch.from_fixes(self._fleet, rule_fixes)) if rule_fixes else []
        )
        return self._persist_alerts(session, [*events, *direct], now)

    def _last_known(self, span: _Span) -> tuple[float, float] | None:
        watched = self._watched.get(span.assignment_id)
        if watched is None:
            return None
        state = self._fleet.state(watched.key)
        if state.last_lat is None or state.last_lon is None:
            return None
        return state.last_lat, state.last_lon

    @staticmethod
    def _positionless_alert(span: _Span, device: str, t: float, event: DeviceEvent) -> AlertEvent:
        """A tamper or power alert from a report without any known position (the rules need one)."""
        kind = AlertType.TAMPER if event is DeviceEvent.TAMPER else AlertType.DEVICE_OFF
        return AlertEvent(
            kind, str(span.assignment_id), device, t, None, {"event": str(event), "position": None}
        )

    def _watchers(
        self,
        session: Session,
        identifiers: Sequence[str],
        holders: Sequence[str],
        first: dt.datetime,
        last: dt.datetime,
    ) -> set[int]:
        """Assignments whose order protects a person carrying one of these devices."""
        conditions: list[ColumnElement[bool]] = []
        if identifiers:
            conditions.append(OrderRow.protected_device.in_(identifiers))
        if holders:
            conditions.append(
                and_(OrderRow.protected_person_id.in_(holders), OrderRow.protected_device.is_(None))
            )
        if not conditions:
            return set()
        found = session.scalars(
            select(AssignmentRow.id)
            .join(OrderRow, OrderRow.id == AssignmentRow.order_id)
            .where(
                or_(*conditions),
                OrderRow.min_distance_m.is_not(None),
                OrderRow.start_at <= last,
                OrderRow.end_at > first,
            )
        )
        return set(found)

    def _persist_alerts(
        self, session: Session, events: Sequence[AlertEvent], now: dt.datetime
    ) -> list[AlertRecord]:
        """Insert alerts once per episode; audit and describe the ones that are new."""
        rows = []
        for event in events:
            watched = self._watched.get(int(event.order_id))
            if watched is None:
                continue
            rows.append(
                {
                    "type": str(event.type),
                    "order_id": watched.order_id,
                    "device_id": watched.device_id,
                    "person_id": watched.person_id,
                    "zone_ref": event.zone_id or "",
                    "started_at": event.moment,
                    "raised_at": now,
                    "ack_deadline": acknowledgement_deadline(now, watched.acknowledgement_minutes),
                    "status": AlertStatus.NEW.value,
                    "escalated": False,
                    "details": _jsonable(dict(event.details)),
                }
            )
        if not rows:
            return []
        by_order_device = {(w.order_id, w.device_id): w for w in self._watched.values()}
        records: list[AlertRecord] = []
        statement = (
            insert_for(session, AlertRow)
            .on_conflict_do_nothing(
                index_elements=["order_id", "device_id", "type", "zone_ref", "started_at"]
            )
            .returning(AlertRow)
        )
        for row in session.scalars(statement, rows).all():
            watched = by_order_device[(row.order_id, row.device_id)]
            records.append(alert_record(row, watched.order, watched.person, watched.device))
        records.sort(key=lambda r: (r.time, r.id))
        # One audit entry per batch of alerts raised (a catch-up after a long silence can raise
        # thousands at once); each entry lists what it covers.
        for start in range(0, len(records), AUDIT_ALERTS_PER_ENTRY):
            part = records[start : start + AUDIT_ALERTS_PER_ENTRY]
            do_record(
                session,
                SYSTEM_ACTOR,
                "monitoring.alert.raise",
                "monitoring_alert",
                part[0].id if len(part) == 1 else f"{min(r.id for r in part)}-{max(r.id for r in part)}",
                details={
                    "alerts": [
                        {
                            "id": r.id,
                            "type": r.type,
                            "order": r.order,
                            "device": r.device,
                            "time": r.time.isoformat(),
                            "zone": r.zone,
                        }
                        for r in part
                    ]
                },
            )
        return records

    @staticmethod
    def _count(session: Session, now: dt.datetime, source: str, result: IngestResult) -> None:
        counts: list[tuple[str, str, int]] = [
            ("accepted", "", result.accepted - result.unassigned),
            ("unassigned", "", result.unassigned),
            ("duplicate", "", result.duplicates),
            *(("rejected", reason[:60], count) for reason, count in result.rejected.items()),
        ]
        rows = [
            {"day": now.date(), "source": source, "outcome": outcome, "reason": reason, "count": count}
            for outcome, reason, count in counts
            if count
        ]
        if not rows:
            return
        statement = insert_for(session, IngestCounterRow)
        statement = statement.on_conflict_do_update(
            index_elements=["day", "source", "outcome", "reason"],
            set_={"count": IngestCounterRow.__table__.c["count"] + statement.excluded["count"]},
        )
        session.execute(statement, rows)

    # --- timers ----------------------------------------------------------------------------------

    def run_timers(
        self,
        until: dt.datetime,
        *,
        now: dt.datetime | None = None,
        escalate: bool = True,
        load_live: bool = True,
        include: Iterable[int] = (),
        settled: dt.datetime | None = None,
    ) -> list[AlertRecord]:
        """Process every loaded assignment up to ``until`` (raising what time alone raises; a state
        moves only through the deadlines acted on, see :func:`.domain.rules.apply_timer`) and, with
        ``escalate``, escalate alerts not acknowledged by their deadline at ``now`` (the wall
        clock, default: ``until``). ``load_live`` first loads every assignment in force at ``until``
        (the live sweep of ``qorgau serve``); an import advances only what it touched and the
        assignments it names in ``include``. With ``settled``, the live load leaves out orders
        recorded after it: an order is written before its data (an import stores its orders, then
        their fixes), and judged without it, its whole term would look silent and the fixes that
        follow would come late."""
        instant = until.astimezone(dt.UTC)
        wall = (now or instant).astimezone(dt.UTC)
        with self._lock:
            try:
                with self.database.session() as session:
                    if load_live:
                        self._load_live(session, instant, settled)
                    self._sync(session, [*self._watched, *include])
                    changed: list[str] = []
                    events = self._fleet.evaluate_timers(posix(instant), changed)
                    records = self._persist_alerts(session, events, wall)
                    # Only states a deadline changed are written (an alert raised, an episode
                    # ended): for the others the sweep only noted how far it looked, which a
                    # reload looks at again and finds the same.
                    self._save_states(session, {int(e.order_id) for e in events} | {int(c) for c in changed})
                    if escalate:
                        records.extend(escalate_overdue(session, wall))
                    self._unload_ended(instant)
            except BaseException:
                self._reset()
                raise
        notify(records)
        return records

    def _load_live(self, session: Session, instant: dt.datetime, settled: dt.datetime | None = None) -> None:
        horizon = instant - UNLOAD_AFTER
        query = (
            select(AssignmentRow.id)
            .join(OrderRow, OrderRow.id == AssignmentRow.order_id)
            .where(
                OrderRow.start_at <= instant,
                OrderRow.end_at > horizon,
                AssignmentRow.start_at <= instant,
                or_(AssignmentRow.end_at.is_(None), AssignmentRow.end_at > horizon),
            )
        )
        if settled is not None:
            query = query.where(OrderRow.created_at <= settled)
        live = session.scalars(query).all()
        missing = [assignment_id for assignment_id in live if assignment_id not in self._watched]
        self._load(session, missing)

    def _unload_ended(self, instant: dt.datetime) -> None:
        limit = posix(instant - UNLOAD_AFTER)
        ended = [w.assignment_id for w in self._watched.values() if w.rules.end < limit]
        self.forget(ended)


# --- helpers shared with the service --------------------------------------------------------------


def person_refs(session: Session, person_ids: Sequence[str]) -> dict[str, str]:
    """person id → the external reference shown for them (the first one given, if any)."""
    refs: dict[str, str] = {}
    for chunk in _chunks(sorted(set(person_ids))):
        for ref, person_id in session.execute(
            select(PersonRefRow.external_ref, PersonRefRow.person_id)
            .where(PersonRefRow.person_id.in_(chunk))
            .order_by(PersonRefRow.external_ref)
        ):
            refs.setdefault(person_id, ref)
    return refs


def alert_record(row: AlertRow, order: str, person: str, device: str, change: str = "raised") -> AlertRecord:
    return AlertRecord(
        id=row.id,
        type=row.type,
        order_id=row.order_id,
        order=order,
        person_id=row.person_id,
        person=person,
        device=device,
        zone=row.zone_ref or None,
        time=row.started_at,
        status=row.status,
        raised_at=row.raised_at,
        ack_deadline=row.ack_deadline,
        escalated=row.escalated,
        details=dict(row.details or {}),
        change=change,
        response_group=row.response_group,
        outcome=row.outcome,
    )


def describe_alerts(session: Session, rows: Sequence[AlertRow], change: str = "raised") -> list[AlertRecord]:
    """Records for alert rows read from the database (references resolved in three queries)."""
    order_ids = sorted({row.order_id for row in rows})
    device_ids = sorted({row.device_id for row in rows})
    orders: dict[int, str] = {}
    for chunk in _chunks(order_ids):
        for order_id, ref in session.execute(
            select(OrderRow.id, OrderRow.external_ref).where(OrderRow.id.in_(chunk))
        ):
            orders[order_id] = ref or str(order_id)
    devices: dict[int, str] = {}
    for chunk in _chunks(device_ids):
        for device_id, identifier in session.execute(
            select(DeviceRow.id, DeviceRow.identifier).where(DeviceRow.id.in_(chunk))
        ):
            devices[device_id] = identifier
    refs = person_refs(session, [row.person_id for row in rows])
    return [
        alert_record(
            row,
            orders.get(row.order_id, str(row.order_id)),
            refs.get(row.person_id, row.person_id),
            devices.get(row.device_id, str(row.device_id)),
            change,
        )
        for row in rows
    ]


def escalate_overdue(session: Session, now: dt.datetime) -> list[AlertRecord]:
    """Flag alerts still new past their acknowledgement deadline; each escalation is audited."""
    overdue = list(
        session.scalars(
            select(AlertRow)
            .where(
                AlertRow.status == AlertStatus.NEW.value,
                AlertRow.escalated.is_(False),
                AlertRow.ack_deadline <= now,
            )
            .order_by(AlertRow.id)
            .with_for_update()
        )
    )
    for row in overdue:
        row.escalated = True
        row.escalated_at = now
        do_record(
            session,
            SYSTEM_ACTOR,
            "monitoring.alert.escalate",
            "monitoring_alert",
            row.id,
            details={"type": row.type, "deadline": row.ack_deadline.isoformat()},
        )
    session.flush()
    return describe_alerts(session, overdue, "escalated")


_centers: weakref.WeakKeyDictionary[Database, MonitoringCenter] = weakref.WeakKeyDictionary()
_centers_lock = threading.Lock()


def center_for(database: Database) -> MonitoringCenter:
    """The one engine of this process for ``database`` (the composition root of ingest)."""
    with _centers_lock:
        center = _centers.get(database)
        if center is None:
            center = MonitoringCenter(database)
            _centers[database] = center
        return center


# --- notifications after commit -------------------------------------------------------------------

_PENDING_KEY = "qorgau_monitoring_alerts"


def notify_after_commit(session: Session, records: Iterable[AlertRecord]) -> None:
    """Queue ``records`` for the alert listeners; they are called once ``session`` commits (and
    dropped if it rolls back), so nobody is told about an alert that is not stored."""
    session.info.setdefault(_PENDING_KEY, []).extend(records)


@sqlalchemy_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        notify(pending)


@sqlalchemy_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
