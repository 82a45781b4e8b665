"""Evaluate the rules of many orders over a batch of fixes at once, with numpy.

:class:`FleetEvaluator` holds the state of every active order in numpy columns and gives *the same
alerts and the same final states* as calling :func:`.rules.apply_fix` (and
:func:`.rules.apply_protected_fix`) fix by fix in arrival order — the unit tests check this on
random streams. It is fast because almost every fix changes nothing that matters:

1. Each fix is paired with the orders of its device whose term covers it (others are dropped:
   there is no tracking without an order) and the pairs are grouped by order, keeping arrival order.
2. Point-in-zone for every (fix, zone) pair is computed at once by :class:`.zones.ZoneTable`, and
   schedule activity from a small table of window boundaries.
3. A fix is *interesting* if it could raise or clear an alert: it carries an event; its zone
   violation condition differs from the previous fix's; a window opened or closed since the previous
   fix; the gap since the previous fix reaches the signal-loss limit or the grace period; the battery
   changes class; it has no position (or follows one that had none); or its order's group has a
   late fix. The test is conservative: a fix that is not interesting only moves the "last fix"
   fields (and ends event and signal-loss episodes, which raises nothing).
4. Interesting fixes run through the scalar state machine (with the containment already computed);
   the others update the state columns in bulk. The proximity rule (which links two devices) is
   evaluated separately and vectorised, in arrival order, unless a late fix forces the scalar path.

Timers (:meth:`FleetEvaluator.evaluate_timers`) use the same idea: only orders with a deadline or a
window change due since they were last checked run the scalar :func:`.rules.apply_timer`; for the
others only ``timers_until`` moves (``evaluated_until`` stays at their last fix, so a fix still in
flight is not late when it arrives).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from qorgau.monitoring.domain.geometry import haversine_m, haversine_m_array
from qorgau.monitoring.domain.rules import (
    AlertEvent,
    DeviceEvent,
    DeviceState,
    Fix,
    OrderRules,
    apply_fix,
    apply_protected_fix,
    apply_timer,
    new_device_state,
    proximity_alert,
)
from qorgau.monitoring.domain.schedules import ScheduleTimeline
from qorgau.monitoring.domain.zones import ZoneTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

EVENT_CODES: Final[dict[DeviceEvent | None, int]] = {
    None: 0,
    DeviceEvent.TAMPER: 1,
    DeviceEvent.POWER_OFF: 2,
    DeviceEvent.POWER_CUT: 3,
}
_EVENTS: Final = (None, DeviceEvent.TAMPER, DeviceEvent.POWER_OFF, DeviceEvent.POWER_CUT)
_LOOKBACK_S: Final = 2 * 86_400.0
"""How far back a batch looks for window changes since a device's previous evaluation; an order
evaluated longer ago than this takes the scalar path."""


@dataclass(frozen=True, slots=True)
class FixBatch:
    """Fixes as columns, in arrival order. ``device`` holds indices from
    :meth:`FleetEvaluator.device_index` (``-1``: unknown); ``lat``/``lon`` and ``battery`` are NaN
    when not reported; ``event`` holds :data:`EVENT_CODES`."""

    device: IntArray
    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    battery: FloatArray
    event: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.time)

    @classmethod
    def from_fixes(cls, fleet: FleetEvaluator, fixes: Sequence[Fix]) -> FixBatch:
        """Columns for ``fixes`` (devices are registered with ``fleet`` as needed)."""
        return cls(
            np.fromiter((fleet.device_index(f.device) for f in fixes), dtype=np.intp, count=len(fixes)),
            np.fromiter((f.time for f in fixes), dtype=np.float64, count=len(fixes)),
            np.fromiter(
                (math.nan if f.lat is None else f.lat for f in fixes), dtype=np.float64, count=len(fixes)
            ),
            np.fromiter(
                (math.nan if f.lon is None else f.lon for f in fixes), dtype=np.float64, count=len(fixes)
            ),
            np.fromiter(
                (math.nan if f.battery is None else f.battery for f in fixes),
                dtype=np.float64,
                count=len(fixes),
            ),
            np.fromiter((EVENT_CODES[f.event] for f in fixes), dtype=np.int8, count=len(fixes)),
        )

    def take(self, index: slice | IntArray) -> FixBatch:
        """The sub-batch at ``index`` (a slice keeps arrival order)."""
        return FixBatch(
            self.device[index],
            self.time[index],
            self.lat[index],
            self.lon[index],
            self.battery[index],
            self.event[index],
        )


@dataclass(slots=True)
class FleetStatistics:
    """Running counts: fixes seen, (fix, order) items evaluated, and items that took the scalar path."""

    fixes: int = 0
    items: int = 0
    scalar_items: int = 0
    timer_sweeps: int = 0
    scalar_timers: int = 0


class _ScheduleTable:
    """Window boundaries of every timeline in ``(lo, hi]`` as a padded matrix (row J = "always")."""

    def __init__(self, timelines: Sequence[ScheduleTimeline], lo: float, hi: float) -> None:
        self.lo = lo
        self.hi = hi
        rows = [timeline.boundaries_between(lo, hi) for timeline in timelines]
        width = max([len(changes) for _, changes in rows], default=0)
        self.boundaries = np.full((len(rows) + 1, max(width, 1)), np.inf)
        self.initial = np.zeros(len(rows) + 1, dtype=np.bool_)
        self.initial[len(rows)] = True
        for index, (active, changes) in enumerate(rows):
            self.initial[index] = active
            self.boundaries[index, : len(changes)] = changes

    def window(self, lo: float, hi: float) -> tuple[BoolArray, FloatArray]:
        """Activity at ``lo`` and the boundaries in ``(lo, hi]`` (columns trimmed) — ``lo`` and ``hi``
        must lie within the table's range."""
        before = (self.boundaries <= lo).sum(axis=1)
        initial = self.initial ^ (before % 2 == 1)
        inside = np.where((self.boundaries > lo) & (self.boundaries <= hi), self.boundaries, np.inf)
        inside.sort(axis=1)
        width = int(np.isfinite(inside).sum(axis=1).max(initial=0))
        return initial, np.ascontiguousarray(inside[:, : max(width, 0)].T)


class FleetEvaluator:
    """The rule state of many orders, evaluated in batches (see the module docstring).

    Orders are added with :meth:`add_order`; :meth:`state` returns a copy of one order's
    :class:`.rules.DeviceState`. Alerts come back sorted by (time, order, type, zone).
    """

    def __init__(self) -> None:
        self._device_ids: dict[str, int] = {}
        self._device_names: list[str] = []
        self._rules: list[OrderRules] = []
        self._slots: dict[str, int] = {}
        self._removed: set[int] = set()
        self._pending: dict[int, DeviceState] = {}
        self._dirty = True
        self._table_cache: _ScheduleTable | None = None
        self.statistics = FleetStatistics()
        self._proximity_final: tuple[IntArray, BoolArray, IntArray, IntArray] | None = None
        self._proximity_batch: FixBatch | None = None
        self._size = 0
        self._zone_size = 0
        self._allocate_state(0, 0)

    # --- registration -----------------------------------------------------------------------------

    def device_index(self, device: str) -> int:
        """The column index of ``device`` for :class:`FixBatch` (registered on first use)."""
        index = self._device_ids.get(device)
        if index is None:
            index = len(self._device_names)
            self._device_ids[device] = index
            self._device_names.append(device)
        return index

    def add_order(self, rules: OrderRules, state: DeviceState | None = None) -> None:
        """Start evaluating an order (from ``state``, or from the start of its term)."""
        if rules.order_id in self._slots:
            raise ValueError(f"order {rules.order_id} is already evaluated")
        if state is not None and state.rules is not rules:
            raise ValueError("the state belongs to other rules")
        slot = len(self._rules)
        self._rules.append(rules)
        self._slots[rules.order_id] = slot
        self._pending[slot] = state.copy() if state is not None else new_device_state(rules)
        self.device_index(rules.device)
        if rules.protected_device is not None:
            self.device_index(rules.protected_device)
        self._dirty = True

    def remove_order(self, order_id: str) -> DeviceState:
        """Stop evaluating an order; returns its final state."""
        final = self.state(order_id)
        slot = self._slots.pop(order_id)
        self._removed.add(slot)
        self._dirty = True
        return final

    @property
    def order_ids(self) -> list[str]:
        return list(self._slots)

    def state(self, order_id: str) -> DeviceState:
        """A copy of the current state of ``order_id``."""
        self._ensure_built()
        return self._load(self._slots[order_id])

    # --- columns ----------------------------------------------------------------------------------

    def _allocate_state(self, orders: int, zones: int) -> None:
        self._evaluated_until = np.zeros(orders)
        self._timers_until = np.full(orders, np.nan)
        self._last_fix_time = np.full(orders, np.nan)
        self._last_lat = np.full(orders, np.nan)
        self._last_lon = np.full(orders, np.nan)
        self._signal_open = np.zeros(orders, dtype=np.bool_)
        self._battery_open = np.zeros(orders, dtype=np.bool_)
        self._tamper_open = np.zeros(orders, dtype=np.bool_)
        self._off_open = np.zeros(orders, dtype=np.bool_)
        self._proximity_open = np.zeros(orders, dtype=np.bool_)
        self._victim_time = np.full(orders, np.nan)
        self._victim_lat = np.full(orders, np.nan)
        self._victim_lon = np.full(orders, np.nan)
        self._zone_inside = np.full(zones, -1, dtype=np.int8)
        self._zone_open = np.zeros(zones, dtype=np.bool_)

    def _ensure_built(self) -> None:
        if self._dirty:
            self._build()

    def _build(self) -> None:
        old_orders, old_zones = self._size, self._zone_size
        old = (
            self._evaluated_until,
            self._timers_until,
            self._last_fix_time,
            self._last_lat,
            self._last_lon,
            self._signal_open,
            self._battery_open,
            self._tamper_open,
            self._off_open,
            self._proximity_open,
            self._victim_time,
            self._victim_lat,
            self._victim_lon,
        )
        old_inside, old_open = self._zone_inside, self._zone_open
        rules = self._rules
        count = len(rules)
        zone_counts = np.array([len(r.zones) for r in rules], dtype=np.intp)
        self._zone_count = zone_counts
        self._zone_first = np.cumsum(zone_counts) - zone_counts
        zones = [zone for r in rules for zone in r.zones]
        self._zone_order = np.repeat(np.arange(count), zone_counts)
        self._table = ZoneTable(zones)
        self._allocate_state(count, len(zones))
        for new, previous in zip(
            (
                self._evaluated_until,
                self._timers_until,
                self._last_fix_time,
                self._last_lat,
                self._last_lon,
                self._signal_open,
                self._battery_open,
                self._tamper_open,
                self._off_open,
                self._proximity_open,
                self._victim_time,
                self._victim_lat,
                self._victim_lon,
            ),
            old,
            strict=True,
        ):
            new[:old_orders] = previous[:old_orders]
        self._zone_inside[:old_zones] = old_inside[:old_zones]
        self._zone_open[:old_zones] = old_open[:old_zones]
        self._size, self._zone_size = count, len(zones)

        timelines: dict[int, int] = {}
        timeline_list: list[ScheduleTimeline] = []
        zone_timeline = np.empty(len(zones), dtype=np.intp)
        for index, zone in enumerate(zones):
            if zone.timeline is None:
                zone_timeline[index] = -1
            else:
                key = id(zone.timeline)
                if key not in timelines:
                    timelines[key] = len(timeline_list)
                    timeline_list.append(zone.timeline)
                zone_timeline[index] = timelines[key]
        zone_timeline[zone_timeline < 0] = len(timeline_list)  # the "always" row
        self._timelines = timeline_list
        self._zone_timeline = zone_timeline
        self._zone_inclusion = np.array([zone.inclusion for zone in zones], dtype=np.bool_)
        self._table_cache = None

        removed = self._removed
        self._start = np.array([r.start for r in rules])
        self._end = np.array([-np.inf if i in removed else r.end for i, r in enumerate(rules)])
        self._signal_limit = np.array([r.signal_loss_s for r in rules])
        self._grace = np.array([r.inclusion_grace_s for r in rules])
        self._low = np.array([r.low_battery_percent for r in rules])
        self._high = np.array([r.low_battery_percent + r.battery_hysteresis_percent for r in rules])
        self._staleness = np.array([r.proximity_staleness_s for r in rules])
        self._min_distance = np.array(
            [np.nan if r.min_distance_m is None else r.min_distance_m for r in rules]
        )
        self._watches = np.array([r.watches_proximity for r in rules], dtype=np.bool_)
        self._has_inclusion = np.array([any(z.inclusion for z in r.zones) for r in rules], dtype=np.bool_)
        self._single_zone = bool(count) and bool((zone_counts == 1).all())

        devices = len(self._device_names)
        self._device_orders, self._device_first, self._device_count = self._csr(
            devices, [(self._device_ids[r.device], i) for i, r in enumerate(rules) if i not in removed]
        )
        self._protected_orders, self._protected_first, self._protected_count = self._csr(
            devices,
            [
                (self._device_ids[r.protected_device], i)
                for i, r in enumerate(rules)
                if i not in removed and r.watches_proximity and r.protected_device is not None
            ],
        )
        self._one_order_per_device = bool((self._device_count <= 1).all())
        self._device_single = np.where(self._device_count == 1, self._device_orders[self._device_first], -1)
        for slot, state in self._pending.items():
            self._store(slot, state)
        self._pending.clear()
        self._dirty = False

    @staticmethod
    def _csr(devices: int, pairs: list[tuple[int, int]]) -> tuple[IntArray, IntArray, IntArray]:
        pairs.sort()
        orders = np.array([order for _, order in pairs] + [-1], dtype=np.intp)
        count = np.bincount(np.array([d for d, _ in pairs], dtype=np.intp), minlength=devices).astype(np.intp)
        first = np.cumsum(count) - count
        return orders, first, count

    def _load(self, slot: int) -> DeviceState:
        rules = self._rules[slot]
        first = int(self._zone_first[slot])
        inside = self._zone_inside[first : first + len(rules.zones)].tolist()
        last_fix_time = float(self._last_fix_time[slot])
        victim_time = float(self._victim_time[slot])
        timers_until = float(self._timers_until[slot])
        known = not math.isnan(last_fix_time)
        victim = not math.isnan(victim_time)
        return DeviceState(
            rules,
            float(self._evaluated_until[slot]),
            [None if value < 0 else value == 1 for value in inside],
            self._zone_open[first : first + len(rules.zones)].tolist(),
            last_fix_time if known else None,
            float(self._last_lat[slot]) if known else None,
            float(self._last_lon[slot]) if known else None,
            bool(self._signal_open[slot]),
            bool(self._battery_open[slot]),
            bool(self._tamper_open[slot]),
            bool(self._off_open[slot]),
            bool(self._proximity_open[slot]),
            victim_time if victim else None,
            float(self._victim_lat[slot]) if victim else None,
            float(self._victim_lon[slot]) if victim else None,
            None if math.isnan(timers_until) else timers_until,
        )

    def _store(self, slot: int, state: DeviceState) -> None:
        first = int(self._zone_first[slot])
        count = len(state.zone_open)
        self._evaluated_until[slot] = state.evaluated_until
        self._timers_until[slot] = np.nan if state.timers_until is None else state.timers_until
        self._last_fix_time[slot] = np.nan if state.last_fix_time is None else state.last_fix_time
        self._last_lat[slot] = np.nan if state.last_lat is None else state.last_lat
        self._last_lon[slot] = np.nan if state.last_lon is None else state.last_lon
        self._signal_open[slot] = state.signal_loss_open
        self._battery_open[slot] = state.low_battery_open
        self._tamper_open[slot] = state.tamper_open
        self._off_open[slot] = state.device_off_open
        self._proximity_open[slot] = state.proximity_open
        self._victim_time[slot] = np.nan if state.victim_time is None else state.victim_time
        self._victim_lat[slot] = np.nan if state.victim_lat is None else state.victim_lat
        self._victim_lon[slot] = np.nan if state.victim_lon is None else state.victim_lon
        if count:
            self._zone_inside[first : first + count] = [
                -1 if v is None else int(v) for v in state.zone_inside
            ]
            self._zone_open[first : first + count] = state.zone_open

    def _schedule_window(self, lo: float, hi: float) -> tuple[BoolArray, FloatArray]:
        table = self._table_cache
        if table is None or table.lo > lo or table.hi < hi:
            table = _ScheduleTable(self._timelines, lo - 3600.0, hi + 86_400.0)
            self._table_cache = table
        return table.window(lo, hi)

    # --- fixes ------------------------------------------------------------------------------------

    def evaluate_fixes(self, batch: FixBatch) -> list[AlertEvent]:
        """Evaluate a batch of fixes (arrival order); returns the alerts raised."""
        self._ensure_built()
        alerts: list[AlertEvent] = []
        if len(batch) == 0 or self._size == 0:
            return alerts
        self.statistics.fixes += len(batch)
        item_row, order = self._items(batch)
        self.statistics.items += len(order)
        if len(order) == 0:  # only fixes of protected persons (or of no order) in this batch
            nothing = np.zeros(0, dtype=np.bool_)
            no_index = np.zeros(0, dtype=np.intp)
            proximity_scalar = self._proximity_and_victims(
                batch, item_row, order, np.zeros(0), nothing, alerts
            )
            self._scalar_pass(
                batch,
                item_row,
                order,
                nothing,
                nothing,
                nothing,
                no_index,
                no_index,
                proximity_scalar,
                alerts,
            )
            self._finish_proximity()
            return _sorted(alerts)

        t = batch.time[item_row]
        lat = batch.lat[item_row]
        lon = batch.lon[item_row]
        count = len(order)
        first = np.ones(count, dtype=np.bool_)
        first[1:] = order[1:] != order[:-1]
        first_index = np.flatnonzero(first)
        first_order = order[first_index]
        last = np.ones(count, dtype=np.bool_)
        last[:-1] = first[1:]

        previous_time = np.empty(count)
        previous_time[1:] = t[:-1]
        previous_time[first_index] = self._evaluated_until[first_order]
        interesting = batch.event[item_row] != 0
        # A report without a position takes the scalar path, and so does the fix after it (whose
        # "previous violation" would otherwise be read from a position that does not exist).
        unplaced = np.isnan(lat) | np.isnan(lon)
        if unplaced.any():
            interesting |= unplaced
            interesting[1:] |= unplaced[:-1] & ~first[1:]

        late = t < previous_time
        late_group = np.zeros(count, dtype=np.bool_)
        if late.any():
            group = np.cumsum(first) - 1
            marked = np.zeros(len(first_index), dtype=np.bool_)
            marked[group[late]] = True
            late_group = marked[group]
            interesting |= late_group

        # Gaps: signal-loss limit and inclusion grace period since the previous fix (or evaluation).
        reference = np.empty(count)
        reference[1:] = t[:-1]
        known = self._last_fix_time[first_order]
        reference[first_index] = np.where(np.isnan(known), self._start[first_order], known)
        gap = t - reference
        signal = gap >= self._signal_limit[order]
        signal[first_index] &= ~self._signal_open[first_order]
        interesting |= signal
        interesting |= self._has_inclusion[order] & (gap >= self._grace[order])
        lookback_floor = t.min() - _LOOKBACK_S
        interesting |= previous_time < lookback_floor

        # Battery: a fix that could open or close the low-battery latch.
        battery = batch.battery[item_row]
        low = battery < self._low[order]
        high = battery >= self._high[order]
        battery_class = low.astype(np.int8) + 2 * high.astype(np.int8)
        previous_class = np.empty(count, dtype=np.int8)
        previous_class[1:] = battery_class[:-1]
        battery_change = (battery_class != 0) & (battery_class != previous_class)
        latch = self._battery_open[first_order]
        battery_change[first_index] = (low[first_index] & ~latch) | (high[first_index] & latch)
        interesting |= battery_change

        # Zones: containment, activity and whether the violation condition changed.
        pair_item, pair_zone, pair_start, zone_count = self._pairs(order)
        inside = self._table.contains_pairs(pair_zone, lat[pair_item], lon[pair_item])
        if len(pair_zone):
            pair_time = t[pair_item]
            pair_previous = previous_time[pair_item]
            lo = max(float(pair_previous.min()), lookback_floor)
            initial, boundaries = self._schedule_window(lo, float(t.max()))
            timeline = self._zone_timeline[pair_zone]
            active = initial[timeline]
            crossed = np.zeros(len(pair_zone), dtype=np.bool_)
            for column in boundaries:
                boundary = column[timeline]
                active ^= boundary <= pair_time
                crossed |= (boundary >= pair_previous) & (boundary <= pair_time)
            violation = active & (inside != self._zone_inclusion[pair_zone])
            previous_violation = np.empty(len(pair_zone), dtype=np.bool_)
            first_pair = first[pair_item]
            later = np.flatnonzero(~first_pair)
            previous_violation[later] = violation[later - zone_count[pair_item[later]]]
            earliest = np.flatnonzero(first_pair)
            previous_violation[earliest] = self._zone_open[pair_zone[earliest]]
            changed = (violation != previous_violation) | crossed
            if self._single_zone:
                interesting |= changed
            else:
                running = np.concatenate(([0], np.cumsum(changed)))
                interesting |= running[pair_start + zone_count] > running[pair_start]

        # Proximity: vectorised unless a late fix forces the order onto the scalar path.
        proximity_scalar = self._proximity_and_victims(batch, item_row, order, t, late_group, alerts)
        if proximity_scalar is not None:
            interesting |= proximity_scalar[0][order]

        self._scalar_pass(
            batch,
            item_row,
            order,
            first,
            interesting,
            inside,
            pair_start,
            zone_count,
            proximity_scalar,
            alerts,
        )

        # Bulk update for orders whose last fix in the batch took no scalar path.
        quiet_last = np.flatnonzero(last & ~interesting)
        slots = order[quiet_last]
        self._evaluated_until[slots] = t[quiet_last]
        self._timers_until[slots] = np.nan
        self._last_fix_time[slots] = t[quiet_last]
        self._last_lat[slots] = lat[quiet_last]
        self._last_lon[slots] = lon[quiet_last]
        self._signal_open[slots] = False
        self._tamper_open[slots] = False
        self._off_open[slots] = False
        if len(pair_zone):
            mask = (last & ~interesting)[pair_item]
            self._zone_inside[pair_zone[mask]] = inside[mask]
        self._finish_proximity()
        return _sorted(alerts)

    def _items(self, batch: FixBatch) -> tuple[IntArray, IntArray]:
        """(row, order) pairs for the fixes inside their order's term, grouped by order, stable."""
        device = batch.device
        devices = len(self._device_count)
        known = (device >= 0) & (device < devices)
        safe = np.where(known, device, 0)
        if self._one_order_per_device:
            order = np.where(known, self._device_single[safe], -1)
            item_row = np.flatnonzero(order >= 0)
            order = order[item_row]
        else:
            counts = np.where(known, self._device_count[safe], 0)
            item_row = np.repeat(np.arange(len(device)), counts)
            offsets = np.arange(len(item_row)) - np.repeat(np.cumsum(counts) - counts, counts)
            order = self._device_orders[np.repeat(self._device_first[safe], counts) + offsets]
        t = batch.time[item_row]
        keep = (t >= self._start[order]) & (t < self._end[order])
        item_row = item_row[keep]
        order = order[keep]
        if self._size < 2**15:
            permutation = np.argsort(order.astype(np.int16), kind="stable")
        else:
            permutation = np.argsort(order * len(batch) + item_row)
        return item_row[permutation], order[permutation]

    def _pairs(self, order: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """(item, zone slot) pairs: every item with each zone of its order, items in order."""
        zone_count = self._zone_count[order]
        if self._single_zone:
            item = np.arange(len(order))
            return item, self._zone_first[order], item, zone_count
        pair_start = np.cumsum(zone_count) - zone_count
        item = np.repeat(np.arange(len(order)), zone_count)
        offsets = np.arange(len(item)) - np.repeat(pair_start, zone_count)
        return item, np.repeat(self._zone_first[order], zone_count) + offsets, pair_start, zone_count

    def _scalar_pass(
        self,
        batch: FixBatch,
        item_row: IntArray,
        order: IntArray,
        first: BoolArray,
        interesting: BoolArray,
        inside: BoolArray,
        pair_start: IntArray,
        zone_count: IntArray,
        proximity_scalar: tuple[BoolArray, list[tuple[int, int]]] | None,
        alerts: list[AlertEvent],
    ) -> None:
        """Run the scalar state machine on the interesting fixes (and on victim fixes of orders whose
        proximity takes the scalar path), in arrival order."""
        chosen = np.flatnonzero(interesting)
        self.statistics.scalar_items += len(chosen)
        work: list[tuple[int, int, int]] = [(int(item_row[i]), 0, int(i)) for i in chosen]
        scalar_orders: BoolArray | None = None
        if proximity_scalar is not None:
            scalar_orders, victims = proximity_scalar
            work.extend((row, 1, slot) for row, slot in victims)
        work.sort()
        names = self._device_names
        for row, kind, index in work:
            lat, lon = float(batch.lat[row]), float(batch.lon[row])
            fix = Fix(
                names[int(batch.device[row])],
                float(batch.time[row]),
                None if math.isnan(lat) else lat,
                None if math.isnan(lon) else lon,
                None if math.isnan(batch.battery[row]) else float(batch.battery[row]),
                _EVENTS[int(batch.event[row])],
            )
            if kind == 1:
                state = self._load(index)
                apply_protected_fix(state, fix, alerts)
                self._store(index, state)
                continue
            slot = int(order[index])
            state = self._load(slot)
            if not first[index] and not interesting[index - 1]:
                self._catch_up(state, index - 1, item_row, batch, inside, pair_start, zone_count)
            start = int(pair_start[index])
            flags = inside[start : start + int(zone_count[index])].tolist()
            check = scalar_orders is not None and bool(scalar_orders[slot])
            apply_fix(state, fix, alerts, inside=flags, check_proximity=check)
            self._store(slot, state)

    def _catch_up(
        self,
        state: DeviceState,
        previous: int,
        item_row: IntArray,
        batch: FixBatch,
        inside: BoolArray,
        pair_start: IntArray,
        zone_count: IntArray,
    ) -> None:
        """Bring ``state`` to just after the quiet fix ``previous`` (only "last fix" fields move)."""
        row = int(item_row[previous])
        t = float(batch.time[row])
        state.evaluated_until = t
        state.timers_until = None
        state.last_fix_time = t
        state.last_lat = float(batch.lat[row])
        state.last_lon = float(batch.lon[row])
        state.signal_loss_open = False
        state.tamper_open = False
        state.device_off_open = False
        start = int(pair_start[previous])
        state.zone_inside = [bool(v) for v in inside[start : start + int(zone_count[previous])]]

    # --- proximity --------------------------------------------------------------------------------

    def _proximity_and_victims(
        self,
        batch: FixBatch,
        item_row: IntArray,
        order: IntArray,
        t: FloatArray,
        late_group: BoolArray,
        alerts: list[AlertEvent],
    ) -> tuple[BoolArray, list[tuple[int, int]]] | None:
        """Evaluate the proximity rule for the batch. Returns ``None`` if no order watches
        proximity, else (orders on the scalar path, their victim fixes as (row, slot))."""
        self._proximity_final = None
        if not self._watches.any():
            return None
        # Offender events: items of watching orders.
        offender = np.flatnonzero(self._watches[order]) if len(order) else np.zeros(0, np.intp)
        # Victim events: fixes of protected devices, one per watching order in its term.
        device = batch.device
        devices = len(self._protected_count)
        known = (device >= 0) & (device < devices)
        counts = np.where(known, self._protected_count[np.where(known, device, 0)], 0)
        victim_row = np.repeat(np.arange(len(device)), counts)
        offsets = np.arange(len(victim_row)) - np.repeat(np.cumsum(counts) - counts, counts)
        victim_order = self._protected_orders[
            np.repeat(self._protected_first[np.where(known, device, 0)], counts) + offsets
        ]
        victim_time = batch.time[victim_row]
        keep = (victim_time >= self._start[victim_order]) & (victim_time < self._end[victim_order])
        victim_row, victim_order, victim_time = victim_row[keep], victim_order[keep], victim_time[keep]

        placed = ~np.isnan(batch.lat[victim_row]) & ~np.isnan(batch.lon[victim_row])
        victim_row, victim_order = victim_row[placed], victim_order[placed]
        offender = offender[
            ~np.isnan(batch.lat[item_row[offender]]) & ~np.isnan(batch.lon[item_row[offender]])
        ]
        event_order = np.concatenate((order[offender], victim_order))
        event_row = np.concatenate((item_row[offender], victim_row))
        event_kind = np.concatenate((np.zeros(len(offender), np.int8), np.ones(len(victim_row), np.int8)))
        scalar = np.zeros(self._size, dtype=np.bool_)
        if len(offender):
            scalar[order[offender][late_group[offender]]] = True
        if len(event_order) == 0:
            return scalar, []
        sort = np.lexsort((event_kind, event_row, event_order))
        event_order, event_row, event_kind = event_order[sort], event_row[sort], event_kind[sort]
        event_time = batch.time[event_row]

        # A victim fix older than the protected position already known is "late": scalar path.
        is_victim = event_kind == 1
        victim_index = np.flatnonzero(is_victim)
        if len(victim_index):
            v_order = event_order[victim_index]
            v_time = event_time[victim_index]
            before = np.empty(len(victim_index))
            before[0] = np.nan
            before[1:] = v_time[:-1]
            new_group = np.ones(len(victim_index), dtype=np.bool_)
            new_group[1:] = v_order[1:] != v_order[:-1]
            before[new_group] = self._victim_time[v_order[new_group]]
            late_victim = v_time < before  # NaN compares False: no earlier position is not late
            scalar[v_order[late_victim]] = True

        on_scalar = scalar[event_order]
        victims = [
            (int(row), int(slot))
            for row, slot in zip(
                event_row[on_scalar & is_victim], event_order[on_scalar & is_victim], strict=True
            )
        ]
        keep_events = ~on_scalar
        event_order, event_row, event_kind, event_time = (
            event_order[keep_events],
            event_row[keep_events],
            event_kind[keep_events],
            event_time[keep_events],
        )
        if len(event_order) == 0:
            return scalar, victims

        count = len(event_order)
        index = np.arange(count)
        first = np.ones(count, dtype=np.bool_)
        first[1:] = event_order[1:] != event_order[:-1]
        group_start = np.maximum.accumulate(np.where(first, index, 0))
        lat = batch.lat[event_row]
        lon = batch.lon[event_row]

        def latest(kind: int) -> tuple[BoolArray, IntArray]:
            seen = np.maximum.accumulate(np.where(event_kind == kind, index, -1))
            return seen >= group_start, np.maximum(seen, 0)

        has_offender, offender_at = latest(0)
        has_victim, victim_at = latest(1)
        off_time = np.where(has_offender, event_time[offender_at], self._last_fix_time[event_order])
        off_lat = np.where(has_offender, lat[offender_at], self._last_lat[event_order])
        off_lon = np.where(has_offender, lon[offender_at], self._last_lon[event_order])
        vic_time = np.where(has_victim, event_time[victim_at], self._victim_time[event_order])
        vic_lat = np.where(has_victim, lat[victim_at], self._victim_lat[event_order])
        vic_lon = np.where(has_victim, lon[victim_at], self._victim_lon[event_order])
        staleness = self._staleness[event_order]
        minimum = self._min_distance[event_order]
        with np.errstate(invalid="ignore"):
            fresh = (np.abs(event_time - off_time) <= staleness) & (
                np.abs(event_time - vic_time) <= staleness
            )
            distance = haversine_m_array(off_lat, off_lon, vic_lat, vic_lon)
            near = fresh & (distance < minimum)
        # Exactly at the threshold the scalar formula decides, so both paths agree to the last bit.
        edge = np.flatnonzero(fresh & (np.abs(distance - minimum) < 1e-6))
        for i in edge:
            exact = haversine_m(float(off_lat[i]), float(off_lon[i]), float(vic_lat[i]), float(vic_lon[i]))
            distance[i] = exact
            near[i] = exact < minimum[i]
        previous = np.empty(count, dtype=np.bool_)
        previous[1:] = near[:-1]
        previous[first] = self._proximity_open[event_order[first]]
        for i in np.flatnonzero(near & ~previous):
            slot = int(event_order[i])
            exact = haversine_m(float(off_lat[i]), float(off_lon[i]), float(vic_lat[i]), float(vic_lon[i]))
            alerts.append(proximity_alert(self._rules[slot], float(event_time[i]), exact, float(vic_time[i])))

        last = np.ones(count, dtype=np.bool_)
        last[:-1] = first[1:]
        last_index = np.flatnonzero(last)
        last_victim = np.flatnonzero(last & has_victim)
        self._proximity_final = (
            event_order[last_index],
            near[last_index],
            event_order[last_victim],
            event_row[victim_at[last_victim]],
        )
        self._proximity_batch = batch
        return scalar, victims

    def _finish_proximity(self) -> None:
        final = self._proximity_final
        if final is None:
            return
        slots, near, victim_slots, victim_rows = final
        self._proximity_open[slots] = near
        batch = self._proximity_batch
        assert batch is not None
        self._victim_time[victim_slots] = batch.time[victim_rows]
        self._victim_lat[victim_slots] = batch.lat[victim_rows]
        self._victim_lon[victim_slots] = batch.lon[victim_rows]
        self._proximity_final = None
        self._proximity_batch = None

    # --- timers -----------------------------------------------------------------------------------

    def evaluate_timers(self, now: float, changed: list[str] | None = None) -> list[AlertEvent]:
        """Process the passing of time up to ``now`` for every order (see :func:`.rules.apply_timer`:
        ``now`` may be the server's clock). The ids of orders whose state changed beyond
        ``timers_until`` are appended to ``changed`` when given (what a caller must save)."""
        self._ensure_built()
        alerts: list[AlertEvent] = []
        if self._size == 0:
            return alerts
        begin = np.fmax(self._evaluated_until, self._timers_until)  # rules.DeviceState.checked_until
        live = (self._start <= now) & (begin < now) & (begin < self._end)
        known = self._last_fix_time
        reference = np.where(np.isnan(known), self._start, known)
        due = ~self._signal_open & (reference + self._signal_limit <= now)
        due |= self._has_inclusion & (now - reference >= self._grace)
        until = np.minimum(now, self._end)
        with np.errstate(invalid="ignore"):
            stale = (np.abs(until - self._victim_time) > self._staleness) | (
                np.abs(until - known) > self._staleness
            )
        due |= self._proximity_open & stale
        floor = now - _LOOKBACK_S
        due |= begin < floor
        if self._zone_size:
            since = np.maximum(begin[self._zone_order], floor)
            considered = live[self._zone_order]
            lo = float(since[considered].min()) if considered.any() else now
            _, boundaries = self._schedule_window(min(lo, now), now)
            timeline = self._zone_timeline
            crossed = np.zeros(self._zone_size, dtype=np.bool_)
            for column in boundaries:
                boundary = column[timeline]
                crossed |= (boundary >= since) & (boundary <= now)
            due[self._zone_order[crossed]] = True
        due &= live
        self.statistics.timer_sweeps += 1
        self.statistics.scalar_timers += int(due.sum())
        for slot in np.flatnonzero(due):
            state = self._load(int(slot))
            before = state.copy() if changed is not None else None
            apply_timer(state, now, alerts)
            self._store(int(slot), state)
            if before is not None and changed is not None:
                before.timers_until = state.timers_until
                if before != state:
                    changed.append(state.rules.order_id)
        # Nothing due: the scalar function would only move ``timers_until`` (``now`` is past
        # ``evaluated_until`` for every live order, and so is the order's end).
        quiet = live & ~due
        self._timers_until[quiet] = np.minimum(now, self._end[quiet])
        return _sorted(alerts)


def _sorted(alerts: list[AlertEvent]) -> list[AlertEvent]:
    alerts.sort(key=lambda a: (a.time, a.order_id, a.type, a.zone_id or ""))
    return alerts


def evaluate_sequentially(
    rules: Iterable[OrderRules], states: dict[str, DeviceState], fixes: Iterable[Fix]
) -> list[AlertEvent]:
    """The reference semantics of :class:`FleetEvaluator`: every fix in arrival order through the
    scalar functions (``states`` is updated in place, keyed by order id). Slow; for tests."""
    by_device: dict[str, list[OrderRules]] = {}
    by_protected: dict[str, list[OrderRules]] = {}
    for r in rules:
        by_device.setdefault(r.device, []).append(r)
        if r.watches_proximity and r.protected_device is not None:
            by_protected.setdefault(r.protected_device, []).append(r)
    alerts: list[AlertEvent] = []
    for fix in fixes:
        for r in by_device.get(fix.device, ()):
            apply_fix(states[r.order_id], fix, alerts)
        for r in by_protected.get(fix.device, ()):
            apply_protected_fix(states[r.order_id], fix, alerts)
    return _sorted(alerts)
