"""The batch evaluator gives exactly what the fix-by-fix state machine gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.domain.fleet import FixBatch, FleetEvaluator, evaluate_sequentially
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.domain.rules import (
    AlertEvent,
    AlertType,
    DeviceEvent,
    DeviceState,
    Fix,
    OrderRules,
    apply_timer,
    new_device_state,
)
from qorgau.monitoring.domain.schedules import schedule_from_json
from qorgau.monitoring.domain.zones import Circle, Polygon, Zone, ZoneKind

# The night of 28–29 March 2026 has the spring change in Berlin: windows move in UTC.
BASE = datetime(2026, 3, 28, 18, tzinfo=UTC).timestamp()
SCHEDULES = [
    None,
    schedule_from_json(
        {
            "tz": "Europe/Berlin",
            "windows": [{"from": "20:00", "to": "20:30"}, {"from": "21:00", "to": "06:00"}],
        }
    ),
    schedule_from_json(
        {"tz": "Asia/Almaty", "windows": [{"days": ["sat", "sun"], "from": "00:00", "to": "01:00"}]}
    ),
]


def random_orders(rnd: random.Random, count: int) -> list[OrderRules]:
    orders = []
    for index in range(count):
        lat, lon = 43.2 + rnd.uniform(-0.01, 0.01), 76.9 + rnd.uniform(-0.01, 0.01)
        zones = []
        for k in range(rnd.choice([0, 1, 1, 2, 3])):
            shape: Circle | Polygon
            if rnd.random() < 0.5:
                shape = Circle(
                    lat + rnd.uniform(-0.002, 0.002), lon + rnd.uniform(-0.002, 0.002), rnd.uniform(100, 600)
                )
            else:
                ring = []
                for j in range(12):
                    point_lat, point_lon = destination(lat, lon, j * 30, rnd.uniform(200, 700))
                    ring.append((point_lon, point_lat))
                shape = Polygon((*ring, ring[0]))
            kind = rnd.choice([ZoneKind.INCLUSION, ZoneKind.EXCLUSION])
            zones.append(Zone(f"z{index}.{k}", kind, shape, rnd.choice(SCHEDULES)))
        protected = f"victim{index}" if rnd.random() < 0.4 else None
        start = BASE + rnd.uniform(-3600, 3600)
        orders.append(
            OrderRules.build(
                f"o{index}",
                f"device{index % max(1, count - 2)}",  # some devices carry two orders
                start,
                start + rnd.uniform(3 * 3600, 8 * 3600),
                zones,
                min_distance_m=rnd.choice([300.0, 1200.0]) if protected else None,
                proximity_staleness_s=rnd.choice([300.0, 3600.0]),
                protected_device=protected,
                signal_loss_s=rnd.choice([600.0, 1800.0]),
                inclusion_grace_s=rnd.choice([300.0, 900.0]),
            )
        )
    return orders


def random_fixes(rnd: random.Random, orders: list[OrderRules], count: int) -> list[Fix]:
    devices = sorted({o.device for o in orders} | {o.protected_device for o in orders if o.protected_device})
    position = {d: (43.2 + rnd.uniform(-0.01, 0.01), 76.9 + rnd.uniform(-0.01, 0.01)) for d in devices}
    battery = {d: rnd.uniform(10, 100) for d in devices}
    fixes = []
    t = BASE - 1800
    for _ in range(count):
        t += rnd.expovariate(1 / 60)
        device = rnd.choice(devices)
        lat, lon = position[device]
        position[device] = (lat + rnd.uniform(-0.001, 0.001), lon + rnd.uniform(-0.001, 0.001))
        battery[device] = min(100.0, max(0.0, battery[device] + rnd.uniform(-4, 3)))
        event = rnd.choices(
            [None, DeviceEvent.TAMPER, DeviceEvent.POWER_OFF, DeviceEvent.POWER_CUT], [30, 1, 1, 1]
        )[0]
        late = rnd.uniform(0, 600) if rnd.random() < 0.03 else 0.0  # a few fixes arrive late
        reading = None if rnd.random() < 0.2 else float(round(battery[device]))
        lat, lon = position[device] if rnd.random() > 0.05 else (None, None)  # no GPS fix
        fixes.append(Fix(device, t - late, lat, lon, reading, event))
    return fixes


def run_both(
    seed: int,
    orders_count: int = 8,
    fixes_count: int = 500,
    batches: int = 5,
    sweeps: tuple[float, float] = (0.0, 1200.0),
) -> None:
    """Fixes in batches, each followed by a timer at the batch's last fix time plus a random offset
    within ``sweeps`` (a negative one: the next batch brings fixes older than the timer)."""
    rnd = random.Random(seed)
    orders = random_orders(rnd, orders_count)
    fixes = random_fixes(rnd, orders, fixes_count)
    states: dict[str, DeviceState] = {o.order_id: new_device_state(o) for o in orders}
    fleet = FleetEvaluator()
    for o in orders:
        fleet.add_order(o)
    expected: list[AlertEvent] = []
    got: list[AlertEvent] = []
    cuts = sorted(rnd.sample(range(1, fixes_count), batches - 1))
    for low, high in zip([0, *cuts], [*cuts, fixes_count], strict=True):
        chunk = fixes[low:high]
        expected += evaluate_sequentially(orders, states, chunk)
        got += fleet.evaluate_fixes(FixBatch.from_fixes(fleet, chunk))
        last = max(f.time for f in chunk)
        for now in sorted(last + rnd.uniform(*sweeps) for _ in range(rnd.choice([1, 1, 3]))):
            for o in orders:
                apply_timer(states[o.order_id], now, expected)
            got += fleet.evaluate_timers(now)

    def key(a: AlertEvent) -> tuple[float, str, str, str]:
        return (a.time, a.order_id, a.type, a.zone_id or "")

    assert sorted(got, key=key) == sorted(expected, key=key)
    for o in orders:
        assert fleet.state(o.order_id) == states[o.order_id]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_batch_evaluation_matches_fix_by_fix_evaluation(seed: int) -> None:
    run_both(seed)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_timers_at_the_clock_match_with_fixes_arriving_after_them(seed: int) -> None:
    # Sweeps at the clock, a few minutes ahead of fixes still in flight (the server's situation).
    run_both(seed, batches=20, sweeps=(-600.0, 300.0))


@pytest.mark.parametrize("batches", [1, 2, 50])
def test_batch_size_does_not_change_the_outcome(batches: int) -> None:
    run_both(20260328, batches=batches)


def home_order(order_id: str = "o1", device: str = "d1") -> OrderRules:
    curfew = schedule_from_json({"tz": "UTC", "windows": [{"from": "22:00", "to": "06:00"}]})
    return OrderRules.build(
        order_id,
        device,
        BASE,
        BASE + 86_400,
        [Zone("home", ZoneKind.INCLUSION, Circle(43.2, 76.9, 200.0), curfew)],
    )


def test_fixes_of_a_device_without_an_order_are_not_evaluated() -> None:
    fleet = FleetEvaluator()
    fleet.add_order(home_order())
    alerts = fleet.evaluate_fixes(
        FixBatch.from_fixes(fleet, [Fix("stranger", BASE + 60, 43.3, 76.9, 1.0, DeviceEvent.TAMPER)])
    )
    assert alerts == []
    assert fleet.state("o1") == new_device_state(fleet.state("o1").rules)


def test_order_added_later_starts_fresh_and_others_keep_their_state() -> None:
    fleet = FleetEvaluator()
    fleet.add_order(home_order())
    fleet.evaluate_fixes(FixBatch.from_fixes(fleet, [Fix("d1", BASE + 60, 43.3, 76.9, 10.0)]))
    before = fleet.state("o1")
    fleet.add_order(home_order("o2", "d2"))
    assert fleet.state("o1") == before
    [alert] = fleet.evaluate_fixes(FixBatch.from_fixes(fleet, [Fix("d2", BASE + 120, 43.2, 76.9, 5.0)]))
    assert alert.type == AlertType.LOW_BATTERY and alert.order_id == "o2"


def test_removed_order_is_no_longer_evaluated() -> None:
    fleet = FleetEvaluator()
    fleet.add_order(home_order())
    final = fleet.remove_order("o1")
    assert final.last_fix_time is None
    assert fleet.evaluate_fixes(FixBatch.from_fixes(fleet, [Fix("d1", BASE + 60, 43.3, 76.9, 1.0)])) == []
    assert fleet.evaluate_timers(BASE + 86_000) == []


def test_order_can_resume_from_a_saved_state() -> None:
    rules = home_order()
    state = new_device_state(rules)
    state.low_battery_open = True
    state.last_fix_time = BASE + 10
    state.last_lat, state.last_lon = 43.2, 76.9
    state.evaluated_until = BASE + 10
    state.zone_inside = [True]
    fleet = FleetEvaluator()
    fleet.add_order(rules, state)
    assert fleet.state("o1") == state
    assert fleet.evaluate_fixes(FixBatch.from_fixes(fleet, [Fix("d1", BASE + 60, 43.2, 76.9, 10.0)])) == []


def test_a_sweep_moves_only_what_it_acted_on() -> None:
    fleet = FleetEvaluator()
    fleet.add_order(home_order())
    home = (43.2, 76.9)
    out = destination(*home, 90.0, 1000.0)
    night = BASE + 4 * 3600  # the curfew opens at 22:00 UTC
    fleet.evaluate_fixes(FixBatch.from_fixes(fleet, [Fix("d1", night + 60, *home)]))
    changed: list[str] = []
    assert fleet.evaluate_timers(night + 600, changed) == [] and changed == []
    state = fleet.state("o1")
    assert state.evaluated_until == night + 60 and state.timers_until == night + 600
    # A fix stamped before the sweep arrives after it: evaluated in full, not late.
    [alert] = fleet.evaluate_fixes(FixBatch.from_fixes(fleet, [Fix("d1", night + 300, *out)]))
    assert alert.type == AlertType.INCLUSION_ZONE_VIOLATION and alert.time == night + 300
    assert fleet.state("o1").timers_until is None
    # Signal loss (30 minutes) is acted on at its deadline: the state moves there and is reported.
    [loss] = fleet.evaluate_timers(night + 3000, changed)
    assert loss.type == AlertType.SIGNAL_LOSS and loss.time == night + 300 + 1800
    assert changed == ["o1"] and fleet.state("o1").evaluated_until == night + 2100
    assert fleet.evaluate_timers(night + 3005) == []
