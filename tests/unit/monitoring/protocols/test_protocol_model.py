"""The shared report type, its plausibility check, alarm names, errors and the package surface."""

from __future__ import annotations

import doctest
import importlib
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qorgau.monitoring.domain.protocols as protocols
from qorgau.monitoring.domain.protocols import (
    EVENT_NAMES,
    ChecksumError,
    DecodedFix,
    MalformedFrame,
    ProtocolError,
    normalise_alarm,
    validate_fix,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def fix_at(lat: float | None, lon: float | None, *, valid: bool = True) -> DecodedFix:
    return DecodedFix("865205030001234", NOW, lat, lon, valid)


def test_plausible_fix_has_no_rejection_reasons() -> None:
    assert validate_fix(replace(fix_at(43.2389, 76.8897), speed_kmh=4.0, battery=80.0), NOW) == []


def test_fix_more_than_a_day_ahead_is_rejected_but_a_day_is_tolerated() -> None:
    assert validate_fix(replace(fix_at(43.2, 76.9), time=NOW + timedelta(days=1)), NOW) == []
    reasons = validate_fix(replace(fix_at(43.2, 76.9), time=NOW + timedelta(days=1, seconds=1)), NOW)
    assert len(reasons) == 1 and "future" in reasons[0]


@pytest.mark.parametrize(("lat", "lon"), [(90.0001, 0.5), (-91.0, 0.5), (0.5, 180.5), (0.5, -181.0)])
def test_coordinates_outside_the_globe_are_rejected(lat: float, lon: float) -> None:
    assert len(validate_fix(fix_at(lat, lon), NOW)) == 1


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_rejected_wherever_they_are(bad: float) -> None:
    assert validate_fix(fix_at(bad, 1.0), NOW) == ["latitude is not a finite number"]
    assert validate_fix(replace(fix_at(1.0, 1.0), speed_kmh=bad), NOW) == ["speed is not a finite number"]
    assert validate_fix(replace(fix_at(1.0, 1.0), battery=bad), NOW) == ["battery is not a finite number"]


def test_null_island_is_rejected_only_when_claimed_valid() -> None:
    assert validate_fix(fix_at(0.0, 0.0, valid=True), NOW) == [
        "position (0, 0) is null island, yet flagged valid"
    ]
    assert validate_fix(fix_at(0.0, 0.0, valid=False), NOW) == []


def test_report_without_position_passes_and_says_so() -> None:
    fix = fix_at(None, None, valid=False)
    assert validate_fix(fix, NOW) == [] and fix.has_position is False


@given(
    lat=st.floats(allow_nan=True, allow_infinity=True),
    lon=st.floats(allow_nan=True, allow_infinity=True),
    valid=st.booleans(),
)
def test_validate_fix_accepts_exactly_the_finite_coordinates_on_the_globe(
    lat: float, lon: float, valid: bool
) -> None:
    on_globe = math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
    null_island = valid and lat == 0 and lon == 0
    assert (validate_fix(fix_at(lat, lon, valid=valid), NOW) == []) == (on_globe and not null_island)


@pytest.mark.parametrize(
    ("name", "event"),
    [
        ("sos", "sos"),
        ("tampering", "tamper"),
        ("removing", "tamper"),
        ("lowBattery", "low_battery"),
        ("powerCut", "power_cut"),
        ("powerOff", "power_off"),
        ("geofenceEnter", "geofence_enter"),
        ("fallDown", "fall"),
        ("sos,lowBattery", "sos"),
        ("someNewAlarm", "some_new_alarm"),
        ("", None),
        (" , ", None),
    ],
)
def test_alarm_names_are_normalised(name: str, event: str | None) -> None:
    assert normalise_alarm(name) == event


def test_every_alias_target_is_in_the_event_vocabulary() -> None:
    names = ["sos", "tampering", "removing", "powerCut", "powerRestored", "powerOff", "powerOn", "lowBattery",
             "lowPower", "vibration", "overspeed", "geofence", "geofenceEnter", "geofenceExit", "fallDown",
             "door", "jamming", "gpsAntennaCut", "general"]  # fmt: skip
    assert {normalise_alarm(name) for name in names} <= EVENT_NAMES


def test_protocol_errors_form_one_tree_under_value_error() -> None:
    assert issubclass(ProtocolError, ValueError)
    assert issubclass(MalformedFrame, ProtocolError) and issubclass(ChecksumError, ProtocolError)
    assert MalformedFrame("bad", field="lat").field == "lat"


def test_fix_with_attributes_is_hashable_and_compares_by_value() -> None:
    first = replace(fix_at(1.0, 2.0), attributes={"cells": [1]})
    second = replace(fix_at(1.0, 2.0), attributes={"cells": [1]})
    assert first == second and hash(first) == hash(second)


def test_public_surface_is_explicit() -> None:
    assert sorted(protocols.__all__) == sorted(set(protocols.__all__))
    for name in protocols.__all__:
        assert hasattr(protocols, name), name


@pytest.mark.parametrize("module", ["model", "osmand", "h02", "gt06"])
def test_docstring_examples_run(module: str) -> None:
    loaded = importlib.import_module(f"qorgau.monitoring.domain.protocols.{module}")
    result = doctest.testmod(loaded)
    assert result.attempted > 0 and result.failed == 0


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        protocols.decode_osmand_query("id=1", datetime(2025, 1, 1))
