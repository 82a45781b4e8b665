"""The rule state survives a round trip through its JSON snapshot (what a restart reads back)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from qorgau.monitoring.center import rejection_reason, state_from_json, state_to_json
from qorgau.monitoring.domain.rules import DeviceState, Fix, OrderRules, apply_fix
from qorgau.monitoring.domain.zones import zone_from_json

ZONES = [
    zone_from_json(
        {
            "id": "home",
            "kind": "inclusion",
            "shape": {"type": "circle", "lat": 43.238, "lon": 76.945, "radius_m": 150},
        }
    ),
    zone_from_json(
        {
            "id": "school",
            "kind": "exclusion",
            "shape": {"type": "circle", "lat": 43.26, "lon": 76.93, "radius_m": 300},
        }
    ),
]
RULES = OrderRules.build("1", "dev", 0.0, 1e9, ZONES, min_distance_m=500, protected_device="victim")

fixes = st.lists(
    st.tuples(
        st.floats(1, 3600), st.floats(43.2, 43.3), st.floats(76.9, 77.0), st.sampled_from([None, 10.0, 90.0])
    ),
    max_size=12,
)


@given(fixes)
def test_a_state_after_any_fixes_round_trips_through_json(
    steps: list[tuple[float, float, float, float | None]],
) -> None:
    state = DeviceState(RULES, 0.0, [None, None], [False, False])
    t = 0.0
    for gap, lat, lon, battery in steps:
        t += gap
        apply_fix(state, Fix("dev", t, lat, lon, battery), [])
    restored = state_from_json(RULES, json.loads(json.dumps(state_to_json(state))))
    assert restored == state


def test_zones_are_matched_by_id_when_an_order_changes() -> None:
    state = DeviceState(RULES, 10.0, [False, True], [True, False])
    snapshot = state_to_json(state)
    reordered = OrderRules.build(
        "1", "dev", 0.0, 1e9, [ZONES[1]], min_distance_m=500, protected_device="victim"
    )
    restored = state_from_json(reordered, snapshot)
    assert restored.zone_inside == [True] and restored.zone_open == [False]


def test_no_snapshot_means_the_start_of_the_term() -> None:
    state = state_from_json(RULES, None)
    assert state.evaluated_until == RULES.start and state.zone_inside == [None, None]


def test_rejections_are_counted_under_short_reasons() -> None:
    assert (
        rejection_reason("time 2030-01-01T00:00:00+00:00 is more than a day in the future") == "future_time"
    )
    assert rejection_reason("latitude 95.0 is outside [-90, 90]") == "impossible_coordinates"
    assert rejection_reason("position (0, 0) is null island, yet flagged valid") == "null_island"
    assert rejection_reason("speed is not a finite number") == "not_finite"


def test_details_and_attributes_become_plain_json() -> None:
    from qorgau.monitoring.center import _jsonable

    cleaned = _jsonable({"last_fix_time": 0.0, "snr": float("nan"), "raw": b"\x01", "cells": [1, (2, 3)]})
    assert cleaned == {
        "last_fix_time": "1970-01-01T00:00:00+00:00",
        "snr": None,
        "raw": "b'\\x01'",
        "cells": [1, [2, 3]],
    }
    assert json.loads(json.dumps(cleaned)) == cleaned
