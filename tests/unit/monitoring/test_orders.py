"""Orders, fixes and bundles as the center receives them: every bad field is named."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.monitoring.domain.orders import (
    DEFAULT_SIGNAL_LOSS_MINUTES,
    OrderInvalid,
    check_bundle,
    check_fix,
    check_order,
    parse_instant,
)

ORDER: dict[str, Any] = {
    "id": "o1",
    "person": "p1",
    "kind": "probation",
    "basis": {"court": "Medeu District Court", "number": "2-123/2026", "date": "2026-01-15"},
    "start": "2026-01-20T00:00:00+05:00",
    "end": "2027-01-20T00:00:00+05:00",
    "device": "860000000000001",
    "min_distance_m": 500,
    "protected_person": None,
    "signal_loss_minutes": 30,
    "zones": [
        {
            "id": "z1",
            "kind": "inclusion",
            "shape": {"type": "circle", "lat": 43.238, "lon": 76.945, "radius_m": 150},
            "schedule": {"tz": "Asia/Almaty", "windows": [{"days": ["mon"], "from": "22:00", "to": "06:00"}]},
        }
    ],
}


def with_change(path: str, value: object) -> dict[str, Any]:
    order = copy.deepcopy(ORDER)
    target: Any = order
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    target[keys[-1]] = value
    return order


def test_the_contract_order_is_read_with_its_basis_term_device_and_zone() -> None:
    order = check_order(ORDER)
    assert order.ref == "o1" and order.person == "p1" and order.kind == "probation"
    assert order.basis.date == dt.date(2026, 1, 15)
    assert order.start == dt.datetime(2026, 1, 19, 19, 0, tzinfo=dt.UTC)
    assert order.devices == ("860000000000001",)
    assert [z.ref for z in order.zones] == ["z1"] and order.zones[0].schedule is not None
    assert order.signal_loss_minutes == 30 and order.min_distance_m == 500.0


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("kind", "surveillance", "kind"),
        ("basis.court", "", "basis.court"),
        ("basis.date", "15.01.2026", "basis.date"),
        ("start", "2026-01-20T00:00:00", "start"),
        ("end", "2025-01-20T00:00:00+05:00", "end"),
        ("signal_loss_minutes", 0, "signal_loss_minutes"),
        ("min_distance_m", "far", "min_distance_m"),
        ("zones.0.shape.radius_m", -5, "zones[0].shape"),
        ("zones.0.kind", "forbidden", "zones[0].kind"),
        ("zones.0.schedule.tz", "Mars/Olympus", "zones[0].schedule.tz"),
    ],
)
def test_a_bad_order_field_is_named(path: str, value: object, field: str) -> None:
    with pytest.raises(OrderInvalid) as caught:
        check_order(with_change(path, value))
    assert caught.value.field.startswith(field), caught.value.field


def test_an_order_without_person_names_the_field() -> None:
    order = copy.deepcopy(ORDER)
    del order["person"]
    with pytest.raises(OrderInvalid) as caught:
        check_order(order)
    assert caught.value.field == "person"


def test_defaults_apply_when_parameters_are_left_out() -> None:
    order = copy.deepcopy(ORDER)
    del order["signal_loss_minutes"]
    assert check_order(order).signal_loss_minutes == DEFAULT_SIGNAL_LOSS_MINUTES


def test_a_naive_time_is_refused_because_the_zone_cannot_be_guessed() -> None:
    with pytest.raises(OrderInvalid, match="offset"):
        parse_instant("2026-02-01T21:50:00", "time")


@given(
    st.datetimes(
        timezones=st.timezones(), min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)
    )
)
def test_any_aware_time_round_trips_through_iso_8601(moment: dt.datetime) -> None:
    if moment.utcoffset() is None:
        return
    assert parse_instant(moment.isoformat(), "time") == moment.astimezone(dt.UTC)


def test_a_fix_keeps_unknown_keys_as_attributes_and_names_bad_ones() -> None:
    fix = check_fix(
        {
            "device": "d1",
            "time": "2026-02-01T21:50:00Z",
            "lat": 43.25,
            "lon": 76.95,
            "sat": 7,
            "event": "tamper",
        }
    )
    assert fix.attributes == {"sat": 7} and fix.event == "tamper" and fix.valid
    with pytest.raises(OrderInvalid) as caught:
        check_fix({"device": "d1", "time": "2026-02-01T21:50:00Z", "lat": "north", "lon": 1})
    assert caught.value.field == "fix.lat"
    with pytest.raises(OrderInvalid) as caught:
        check_fix({"device": "d1", "time": "2026-02-01T21:50:00Z", "lat": 1, "lon": 1, "event": "explosion"})
    assert caught.value.field == "fix.event"


def test_a_device_may_only_post_its_own_fixes() -> None:
    with pytest.raises(OrderInvalid, match="own fixes"):
        check_fix({"device": "other", "time": "2026-02-01T21:50:00Z", "lat": 1, "lon": 1}, device="mine")
    assert check_fix({"time": "2026-02-01T21:50:00Z", "lat": 1, "lon": 1}, device="mine").device_id == "mine"


def test_an_implausible_latitude_is_structurally_valid_and_left_to_validate_fix() -> None:
    # 95° is a number: the pipeline counts it as rejected instead of failing the whole batch.
    assert check_fix({"device": "d", "time": "2026-02-01T21:50:00Z", "lat": 95, "lon": 1}).lat == 95.0


def test_a_bundle_with_duplicate_ids_or_unknown_sections_is_refused() -> None:
    with pytest.raises(OrderInvalid) as caught:
        check_bundle({"people": [{"id": "p1", "name": "A"}, {"id": "p1", "name": "B"}]})
    assert caught.value.field == "people[1].id"
    with pytest.raises(OrderInvalid) as caught:
        check_bundle({"orders": [ORDER, ORDER]})
    assert caught.value.field == "orders[1].id"
    with pytest.raises(OrderInvalid) as caught:
        check_bundle({"persons": []})
    assert caught.value.field == "persons"
    with pytest.raises(OrderInvalid) as caught:
        check_bundle({"fixes": [{"device": "d", "time": "yesterday", "lat": 1, "lon": 1}]})
    assert caught.value.field == "fixes[0].time"


def test_the_bundle_knows_its_last_fix() -> None:
    bundle = check_bundle(
        {
            "fixes": [
                {"device": "d", "time": "2026-02-01T21:50:00+05:00", "lat": 1, "lon": 1},
                {"device": "d", "time": "2026-02-01T20:50:00+05:00", "lat": 1, "lon": 1},
            ]
        }
    )
    assert bundle.last_fix_time == dt.datetime(2026, 2, 1, 16, 50, tzinfo=dt.UTC)
