"""The rules of one monitoring order: a per-device state machine that raises alerts.

:class:`OrderRules` is what an order says (term, zones with schedules, minimum distance to a
protected person, signal-loss limit, battery threshold); :class:`DeviceState` is what the center
knows about the device under that order. Two pure functions advance the state:

- :func:`evaluate_fix` — a position (with battery and event) arrived;
- :func:`evaluate_timer` — time passed without a fix (the service calls it at least at
  :func:`next_deadline`);

plus :func:`evaluate_protected_fix` for a position of the protected person (victim app). Each
returns ``(new_state, alerts)`` and leaves its argument untouched; :func:`apply_fix` and friends are
the in-place variants for an engine that owns its states (:mod:`.fleet`).

Rules are **state-based**, not transition-based (Traccar only fires on enter/exit, so a curfew
cannot fire for a person who is already out when it starts):

``inclusion_zone_violation``
    the last known position is outside an inclusion zone while its schedule is active: a fix
    outside during a window, being outside when a window opens (raised at the opening instant), or
    no fix inside for ``inclusion_grace_s`` of an open window (raised when the grace runs out).
``exclusion_zone_violation``
    the last known position is inside an exclusion zone while it is active (also at the opening).
``victim_proximity``
    the distance between the device and the protected person's latest position is below
    ``min_distance_m``; a position older than ``proximity_staleness_s`` (relative to the moment
    of evaluation) is ignored, which clears the episode.
``tamper`` / ``device_off``
    a fix carries the event ``tamper`` / ``power_off`` or ``power_cut``.
``low_battery``
    battery below ``low_battery_percent``; cleared only at ``low + hysteresis`` or above.
``signal_loss``
    no fix for ``signal_loss_s`` (from the last fix, or from the order's start), raised at the
    instant the limit runs out — by a timer, or retroactively by the next fix if no timer ran.

Each condition raises **one alert per episode**: while it persists nothing new is raised; after it
clears (a fix inside, the window closing, a fix without the event, the battery recovering, a fix
arriving) the next occurrence is a new episode.

Time-driven conditions are caught up by every call: a fix first processes the deadlines and window
openings strictly before it, so a missed timer never loses an alert and the alert carries the
instant the condition began. A fix older than what the state already reflects
(``evaluated_until``: its last fix, or the last deadline that changed something) is "late" and
cannot rewrite history: it only raises a tamper or power event whose episode is not open.

A timer moves ``evaluated_until`` only through the deadlines it actually acted on — a signal-loss
limit reached, a window that opened with the person on the wrong side, a grace period run out, a
window closing an open episode, a protected position gone stale — never to its ``now``. So a
timer may run at the server's clock: a fix stamped before the sweep but still in flight is
evaluated in full when it arrives, unless a deadline between its time and the sweep already
decided (a fix from before a signal-loss alert cannot take the alert back). How far timers have
looked without finding anything due is kept apart (``timers_until``), so repeated sweeps cost
nothing and a fix stamped inside that stretch reopens it.

Fixes outside the order's term are never evaluated (:func:`order_is_active`): there is no tracking
without an order. Instants are POSIX seconds (UTC floats).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from qorgau.monitoring.domain.geometry import haversine_m
from qorgau.monitoring.domain.zones import CompiledZone, Zone, compile_zone


class RuleError(ValueError):
    """Order parameters that cannot be evaluated (the message names the parameter)."""


class AlertType(StrEnum):
    """Alert types; the strings are part of the public contract (``qorgau monitoring alerts``)."""

    INCLUSION_ZONE_VIOLATION = "inclusion_zone_violation"
    EXCLUSION_ZONE_VIOLATION = "exclusion_zone_violation"
    VICTIM_PROXIMITY = "victim_proximity"
    TAMPER = "tamper"
    DEVICE_OFF = "device_off"
    LOW_BATTERY = "low_battery"
    SIGNAL_LOSS = "signal_loss"


class DeviceEvent(StrEnum):
    """Events a device reports with a fix (decoders map protocol alarms onto these)."""

    TAMPER = "tamper"
    POWER_OFF = "power_off"
    POWER_CUT = "power_cut"


@dataclass(frozen=True, slots=True)
class Fix:
    """One report of a device: POSIX ``time``, position, optional battery (%) and event.

    The position may be missing (``None``): a tracker without a GPS fix still reports its tamper or
    power events and its battery, and those must not be lost. Such a report raises events and
    battery alerts and lets time-driven conditions run, but it is not a *fix* for the zone and
    proximity rules and does not end a signal loss (NIJ's "GPS signal loss").
    """

    device: str
    time: float
    lat: float | None
    lon: float | None
    battery: float | None = None
    event: DeviceEvent | None = None


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An alert raised by the rules. ``time`` is when the condition began (POSIX seconds);
    ``zone_id`` is set for zone alerts; ``details`` explains the alert (reason, position, …)."""

    type: AlertType
    order_id: str
    device: str
    time: float
    zone_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=True)

    @property
    def moment(self) -> datetime:
        """``time`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time, UTC)


@dataclass(frozen=True, slots=True)
class OrderRules:
    """What one order asks the center to check, compiled for evaluation.

    ``start <= t < end`` is the order's term. ``zones`` are compiled (see :meth:`build`).
    ``min_distance_m`` and ``protected_device`` together enable the proximity rule.
    """

    order_id: str
    device: str
    start: float
    end: float
    zones: tuple[CompiledZone, ...] = ()
    min_distance_m: float | None = None
    protected_device: str | None = None
    proximity_staleness_s: float = 300.0
    signal_loss_s: float = 1800.0
    low_battery_percent: float = 20.0
    battery_hysteresis_percent: float = 5.0
    inclusion_grace_s: float = 900.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and self.start < self.end):
            raise RuleError(f"order {self.order_id}: the term must start before it ends")
        for name in ("signal_loss_s", "proximity_staleness_s", "inclusion_grace_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise RuleError(f"order {self.order_id}: {name} must be positive")
        if self.min_distance_m is not None and not (
            math.isfinite(self.min_distance_m) and self.min_distance_m > 0
        ):
            raise RuleError(f"order {self.order_id}: min_distance_m must be positive")
        if self.battery_hysteresis_percent < 0:
            raise RuleError(f"order {self.order_id}: battery_hysteresis_percent must not be negative")
        if len({zone.id for zone in self.zones}) != len(self.zones):
            raise RuleError(f"order {self.order_id}: zone ids must be unique")

    @classmethod
    def build(
        cls,
        order_id: str,
        device: str,
        start: float,
        end: float,
        zones: Iterable[Zone] = (),
        **parameters: Any,
    ) -> OrderRules:
        """Compile ``zones`` and make the rules; ``parameters`` are the optional fields above."""
        return cls(order_id, device, start, end, tuple(compile_zone(zone) for zone in zones), **parameters)

    @property
    def watches_proximity(self) -> bool:
        return self.min_distance_m is not None and self.protected_device is not None


def order_is_active(rules: OrderRules, t: float) -> bool:
    """Whether the order's term covers ``t`` (start inclusive, end exclusive). Outside it nothing is
    evaluated: a fix then belongs to no order."""
    return rules.start <= t < rules.end


@dataclass(slots=True)
class DeviceState:
    """What the center knows about the device under one order, between two evaluations.

    ``evaluated_until`` is the instant the state reflects: the last fix, or the last deadline a
    timer acted on; a fix older than it is late. ``zone_inside[k]`` is whether the last fix was
    inside ``rules.zones[k]`` (``None``: no fix yet); ``zone_open[k]`` and the ``*_open`` flags say
    which alert episodes are open. ``timers_until`` (``None``: same as ``evaluated_until``) is how
    far timers have looked and found nothing due after ``evaluated_until`` — bookkeeping only (not
    in the stored snapshot: without it the next timer looks again from ``evaluated_until`` and
    finds the same).
    """

    rules: OrderRules
    evaluated_until: float
    zone_inside: list[bool | None]
    zone_open: list[bool]
    last_fix_time: float | None = None
    last_lat: float | None = None
    last_lon: float | None = None
    signal_loss_open: bool = False
    low_battery_open: bool = False
    tamper_open: bool = False
    device_off_open: bool = False
    proximity_open: bool = False
    victim_time: float | None = None
    victim_lat: float | None = None
    victim_lon: float | None = None
    timers_until: float | None = None

    @property
    def checked_until(self) -> float:
        """The instant from which the next timer looks for deadlines."""
        timers_until = self.timers_until
        if timers_until is None or timers_until < self.evaluated_until:
            return self.evaluated_until
        return timers_until

    def copy(self) -> DeviceState:
        """An independent copy (the zone lists are copied too)."""
        return DeviceState(
            self.rules,
            self.evaluated_until,
            list(self.zone_inside),
            list(self.zone_open),
            self.last_fix_time,
            self.last_lat,
            self.last_lon,
            self.signal_loss_open,
            self.low_battery_open,
            self.tamper_open,
            self.device_off_open,
            self.proximity_open,
            self.victim_time,
            self.victim_lat,
            self.victim_lon,
            self.timers_until,
        )


def new_device_state(rules: OrderRules) -> DeviceState:
    """The state at the start of the order: nothing known, nothing open."""
    count = len(rules.zones)
    return DeviceState(rules, rules.start, [None] * count, [False] * count)


# --- the pure API ---------------------------------------------------------------------------------


def evaluate_fix(state: DeviceState, fix: Fix) -> tuple[DeviceState, list[AlertEvent]]:
    """Process one fix of the order's device: returns the new state and the alerts raised."""
    new_state = state.copy()
    alerts: list[AlertEvent] = []
    apply_fix(new_state, fix, alerts)
    return new_state, alerts


def evaluate_timer(state: DeviceState, now: float) -> tuple[DeviceState, list[AlertEvent]]:
    """Process the passing of time up to ``now`` (inclusive) with no new fix.

    Raises what falls due by ``now`` and moves ``evaluated_until`` only to the last deadline that
    changed the state (see the module docstring): a fix stamped before ``now`` that arrives
    afterwards is still evaluated in full unless such a deadline lies after its time.
    """
    new_state = state.copy()
    alerts: list[AlertEvent] = []
    apply_timer(new_state, now, alerts)
    return new_state, alerts


def evaluate_protected_fix(state: DeviceState, fix: Fix) -> tuple[DeviceState, list[AlertEvent]]:
    """Process one fix of the protected person's device (proximity rule only)."""
    new_state = state.copy()
    alerts: list[AlertEvent] = []
    apply_protected_fix(new_state, fix, alerts)
    return new_state, alerts


# --- in-place variants ----------------------------------------------------------------------------


def apply_fix(
    state: DeviceState,
    fix: Fix,
    alerts: list[AlertEvent],
    inside: Sequence[bool] | None = None,
    check_proximity: bool = True,
) -> None:
    """:func:`evaluate_fix` in place, appending to ``alerts``.

    ``inside`` may give the zone containment already computed (in ``rules.zones`` order);
    ``check_proximity=False`` leaves the proximity rule to a caller that evaluates it separately.
    """
    rules = state.rules
    t = fix.time
    if not (rules.start <= t < rules.end):
        return
    event = fix.event
    if t < state.evaluated_until:
        _late_fix(state, fix, alerts)
        return
    _advance(state, state.evaluated_until, t, False, alerts)
    state.timers_until = None  # the fix may change what is due after it: timers look again from t

    tamper = event is DeviceEvent.TAMPER
    if tamper and not state.tamper_open:
        alerts.append(
            AlertEvent(AlertType.TAMPER, rules.order_id, fix.device, t, None, {"event": str(event)})
        )
    state.tamper_open = tamper
    powered_off = event is DeviceEvent.POWER_OFF or event is DeviceEvent.POWER_CUT
    if powered_off and not state.device_off_open:
        alerts.append(
            AlertEvent(AlertType.DEVICE_OFF, rules.order_id, fix.device, t, None, {"event": str(event)})
        )
    state.device_off_open = powered_off

    battery = fix.battery
    if battery is not None:
        if battery < rules.low_battery_percent:
            if not state.low_battery_open:
                alerts.append(
                    AlertEvent(
                        AlertType.LOW_BATTERY,
                        rules.order_id,
                        fix.device,
                        t,
                        None,
                        {"battery": float(battery), "threshold": rules.low_battery_percent},
                    )
                )
                state.low_battery_open = True
        elif battery >= rules.low_battery_percent + rules.battery_hysteresis_percent:
            state.low_battery_open = False

    lat = fix.lat
    lon = fix.lon
    if lat is None or lon is None:
        state.evaluated_until = t
        return
    state.signal_loss_open = False
    zone_open = state.zone_open
    zone_inside = state.zone_inside
    for index, zone in enumerate(rules.zones):
        is_inside = zone.contains(lat, lon) if inside is None else bool(inside[index])
        active = zone.timeline is None or zone.timeline.active_at(t)
        violation = active and (is_inside is not zone.inclusion)
        if violation and not zone_open[index]:
            alerts.append(
                AlertEvent(
                    AlertType.INCLUSION_ZONE_VIOLATION
                    if zone.inclusion
                    else AlertType.EXCLUSION_ZONE_VIOLATION,
                    rules.order_id,
                    fix.device,
                    t,
                    zone.id,
                    {"reason": "outside" if zone.inclusion else "inside", "lat": lat, "lon": lon},
                )
            )
        zone_open[index] = violation
        zone_inside[index] = is_inside

    state.last_fix_time = t
    state.last_lat = lat
    state.last_lon = lon
    state.evaluated_until = t
    if check_proximity and rules.watches_proximity:
        _check_proximity(state, t, alerts)


def apply_timer(state: DeviceState, now: float, alerts: list[AlertEvent]) -> None:
    """:func:`evaluate_timer` in place, appending to ``alerts``.

    Looks at ``(checked_until, now]``; ``evaluated_until`` moves to the latest instant at which
    something changed (an alert raised, an episode ended), ``timers_until`` to ``now``.
    """
    rules = state.rules
    begin = state.checked_until
    if now < rules.start or now <= begin or begin >= rules.end:
        return  # nothing new, or the order is over: its state is final
    changed = _advance(state, begin, now, True, alerts)
    until = min(now, rules.end)
    if state.proximity_open:
        stale = proximity_stale_at(state)
        if stale is not None and stale < until:
            # One of the two positions is too old from just after ``stale``: the episode ends there.
            state.proximity_open = False
            changed = stale if changed is None else max(changed, stale)
    if changed is not None and changed > state.evaluated_until:
        state.evaluated_until = changed
    state.timers_until = until if until > state.evaluated_until else None


def apply_protected_fix(state: DeviceState, fix: Fix, alerts: list[AlertEvent]) -> None:
    """:func:`evaluate_protected_fix` in place. A fix of another device, outside the term or older
    than the protected position already known is ignored."""
    rules = state.rules
    t = fix.time
    if fix.device != rules.protected_device or not (rules.start <= t < rules.end):
        return
    if fix.lat is None or fix.lon is None or (state.victim_time is not None and t < state.victim_time):
        return
    state.victim_time = t
    state.victim_lat = fix.lat
    state.victim_lon = fix.lon
    if rules.min_distance_m is not None:
        _check_proximity(state, t, alerts)


def next_deadline(state: DeviceState) -> float | None:
    """The earliest instant after ``checked_until`` at which :func:`evaluate_timer` could change
    the state (signal-loss limit, a window opening or closing, a grace period running out, a
    protected position going stale), or ``None`` if nothing is pending before the order ends."""
    rules = state.rules
    begin = state.checked_until
    candidates: list[float] = []
    if not state.signal_loss_open:
        reference = rules.start if state.last_fix_time is None else state.last_fix_time
        candidates.append(reference + rules.signal_loss_s)
    for index, zone in enumerate(rules.zones):
        window: tuple[float, float] | None = (-math.inf, math.inf)
        if zone.timeline is not None:
            change = zone.timeline.next_change(begin)
            if change is not None:
                candidates.append(change)
            window = zone.timeline.window_at(begin)
        deadline = _grace_deadline(state, index, zone, window)
        if deadline is not None:
            candidates.append(deadline)
    stale = proximity_stale_at(state) if state.proximity_open else None
    if stale is not None:
        candidates.append(stale)
    future = [c for c in candidates if begin < c < rules.end]
    return min(future) if future else None


def proximity_stale_at(state: DeviceState) -> float | None:
    """The last instant at which both positions of an open proximity episode are fresh (after it the
    episode ends), or ``None`` if a position is missing."""
    if state.victim_time is None or state.last_fix_time is None:
        return None
    return min(state.victim_time, state.last_fix_time) + state.rules.proximity_staleness_s


# --- internals ------------------------------------------------------------------------------------


def _before(instant: float, until: float, inclusive: bool) -> bool:
    return instant < until or (inclusive and instant == until)


def _late_fix(state: DeviceState, fix: Fix, alerts: list[AlertEvent]) -> None:
    rules = state.rules
    event = fix.event
    if event is DeviceEvent.TAMPER and not state.tamper_open:
        alerts.append(
            AlertEvent(
                AlertType.TAMPER,
                rules.order_id,
                fix.device,
                fix.time,
                None,
                {"event": str(event), "late": True},
            )
        )
    elif (event is DeviceEvent.POWER_OFF or event is DeviceEvent.POWER_CUT) and not state.device_off_open:
        alerts.append(
            AlertEvent(
                AlertType.DEVICE_OFF,
                rules.order_id,
                fix.device,
                fix.time,
                None,
                {"event": str(event), "late": True},
            )
        )


def _latest(changed: float | None, instant: float) -> float:
    return instant if changed is None or instant > changed else changed


def _advance(
    state: DeviceState, begin: float, until: float, inclusive: bool, alerts: list[AlertEvent]
) -> float | None:
    """Process the time-driven conditions in ``(begin, until)`` (``]`` if ``inclusive``); ``begin``
    is ``evaluated_until`` or a later instant up to which nothing was due.

    Returns the latest instant at which the state changed (``None``: nothing changed). Does not
    move ``evaluated_until``; the caller does.
    """
    rules = state.rules
    if until > rules.end:
        until = rules.end
        inclusive = False
    if until <= begin:
        return None
    changed: float | None = None
    if not state.signal_loss_open:
        reference = rules.start if state.last_fix_time is None else state.last_fix_time
        deadline = reference + rules.signal_loss_s
        if _before(deadline, until, inclusive):
            state.signal_loss_open = True
            changed = deadline
            alerts.append(
                AlertEvent(
                    AlertType.SIGNAL_LOSS,
                    rules.order_id,
                    rules.device,
                    deadline,
                    None,
                    {"last_fix_time": state.last_fix_time, "limit_s": rules.signal_loss_s},
                )
            )
    for index, zone in enumerate(rules.zones):
        zone_changed = _advance_zone(state, index, zone, begin, until, inclusive, alerts)
        if zone_changed is not None:
            changed = _latest(changed, zone_changed)
    return changed


def _grace_deadline(
    state: DeviceState, index: int, zone: CompiledZone, window: tuple[float, float] | None
) -> float | None:
    """When "no fix inside an open inclusion window" would begin, or ``None`` if it cannot."""
    if window is None or not zone.inclusion or state.zone_open[index] or state.zone_inside[index] is False:
        return None
    rules = state.rules
    # Last evidence of presence: the last fix (it was inside), or the order's start (no fix yet).
    reference = rules.start if state.last_fix_time is None else state.last_fix_time
    deadline = max(window[0], reference) + rules.inclusion_grace_s
    return deadline if deadline < window[1] else None


def _advance_zone(
    state: DeviceState,
    index: int,
    zone: CompiledZone,
    begin: float,
    until: float,
    inclusive: bool,
    alerts: list[AlertEvent],
) -> float | None:
    """One zone's windows and grace periods in ``(begin, until)``; returns the latest instant at
    which the zone's episode changed (``None``: it did not)."""
    rules = state.rules
    timeline = zone.timeline
    inside = state.zone_inside[index]
    window: tuple[float, float] | None = (
        (-math.inf, math.inf) if timeline is None else timeline.window_at(begin)
    )
    cursor = begin
    changed: float | None = None
    while True:
        if window is not None:
            deadline = _grace_deadline(state, index, zone, window)
            if deadline is not None and _before(deadline, until, inclusive):
                state.zone_open[index] = True
                changed = _latest(changed, deadline)
                alerts.append(
                    AlertEvent(
                        AlertType.INCLUSION_ZONE_VIOLATION,
                        rules.order_id,
                        rules.device,
                        deadline,
                        zone.id,
                        {"reason": "no_fix_inside", "last_fix_time": state.last_fix_time},
                    )
                )
            if not _before(window[1], until, inclusive):
                return changed
            if state.zone_open[index]:  # the window closed: the episode ends with it
                state.zone_open[index] = False
                changed = _latest(changed, window[1])
            cursor = window[1]
            window = None
        else:
            assert timeline is not None  # an always-active zone never leaves its window
            opening = timeline.next_window_start(cursor)
            if opening is None or not _before(opening, until, inclusive):
                return changed
            closing = timeline.next_window_end(opening)
            window = (opening, math.inf if closing is None else closing)
            cursor = opening
            violation = inside is False if zone.inclusion else inside is True
            if violation:
                state.zone_open[index] = True
                changed = _latest(changed, opening)
                alerts.append(
                    AlertEvent(
                        AlertType.INCLUSION_ZONE_VIOLATION
                        if zone.inclusion
                        else AlertType.EXCLUSION_ZONE_VIOLATION,
                        rules.order_id,
                        rules.device,
                        opening,
                        zone.id,
                        {
                            "reason": "outside_at_window_start"
                            if zone.inclusion
                            else "inside_at_window_start",
                            "lat": state.last_lat,
                            "lon": state.last_lon,
                            "last_fix_time": state.last_fix_time,
                        },
                    )
                )


def proximity_condition(state: DeviceState, t: float) -> float | None:
    """The distance (m) to the protected person if both positions are fresh at ``t`` and closer than
    the order's minimum; else ``None``."""
    rules = state.rules
    if (
        rules.min_distance_m is None
        or state.victim_time is None
        or state.last_fix_time is None
        or state.last_lat is None
        or state.last_lon is None
        or state.victim_lat is None
        or state.victim_lon is None
        or abs(t - state.victim_time) > rules.proximity_staleness_s
        or abs(t - state.last_fix_time) > rules.proximity_staleness_s
    ):
        return None
    distance = haversine_m(state.last_lat, state.last_lon, state.victim_lat, state.victim_lon)
    return distance if distance < rules.min_distance_m else None


def _check_proximity(state: DeviceState, t: float, alerts: list[AlertEvent]) -> None:
    distance = proximity_condition(state, t)
    if distance is not None and not state.proximity_open:
        rules = state.rules
        alerts.append(proximity_alert(rules, t, distance, state.victim_time))
    state.proximity_open = distance is not None


def proximity_alert(rules: OrderRules, t: float, distance: float, victim_time: float | None) -> AlertEvent:
    """The ``victim_proximity`` alert (shared by the scalar and the batch evaluators)."""
    return AlertEvent(
        AlertType.VICTIM_PROXIMITY,
        rules.order_id,
        rules.device,
        t,
        None,
        {
            "distance_m": round(distance, 1),
            "min_distance_m": rules.min_distance_m,
            "protected_device": rules.protected_device,
            "victim_fix_time": victim_time,
        },
    )
