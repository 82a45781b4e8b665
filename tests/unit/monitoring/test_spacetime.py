"""The space-time index never misses: every fix or pass within R of a place is found by its keys."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.domain.correlation import TrackPoint, closest_approach
from qorgau.monitoring.domain.geometry import destination, haversine_m
from qorgau.monitoring.domain.spacetime import (
    INTERPOLATION_MAX_GAP_S,
    MAX_SAMPLES,
    SPACING_M,
    buckets_between,
    fix_keys,
    movement_keys,
    query_cells,
    resolution_for_length,
    segment_samples,
    time_bucket,
    track_keys,
)

places = st.tuples(st.floats(-70, 70), st.floats(-175, 175))


@settings(max_examples=300, deadline=None)
@given(
    places,
    st.floats(10, 3000),
    st.floats(0, 360),
    st.floats(0, 1.0),
    st.floats(0, 360),
    st.floats(1, 40_000),
    st.floats(1, INTERPOLATION_MAX_GAP_S),
    st.floats(0, 1e5),
)
def test_a_pass_within_the_radius_is_in_the_index(
    place: tuple[float, float],
    radius: float,
    bearing: float,
    offset_share: float,
    heading: float,
    length: float,
    duration: float,
    start_time: float,
) -> None:
    # A movement whose middle passes offset_share·radius from the place.
    lat, lon = place
    middle = destination(lat, lon, bearing, radius * offset_share)
    a = destination(*middle, heading, length / 2)
    b = destination(*middle, (heading + 180) % 360, length / 2)
    start = TrackPoint(start_time, *a)
    end = TrackPoint(start_time + duration, *b)
    approach = closest_approach(start, end, lat, lon)
    assert approach is not None
    if approach.distance_m > radius:
        return
    keys = movement_keys(start, end)
    wanted = query_cells(lat, lon, radius)
    assert {(cell, time_bucket(approach.time)) for cell in wanted} & keys


@settings(max_examples=200, deadline=None)
@given(places, st.floats(1, 5000), st.floats(0, 360), st.floats(0, 1), st.floats(0, 1e6))
def test_a_fix_within_the_radius_is_in_the_index(
    place: tuple[float, float], radius: float, bearing: float, share: float, t: float
) -> None:
    point = TrackPoint(t, *destination(*place, bearing, radius * share))
    if haversine_m(*place, point.lat, point.lon) > radius:
        return
    ((cell, bucket),) = fix_keys(point)
    assert cell in query_cells(*place, radius) and bucket == time_bucket(t)


@given(st.floats(0, 2.0e7))
def test_every_movement_needs_few_samples(length: float) -> None:
    resolution = resolution_for_length(length)
    assert length <= SPACING_M[resolution] * MAX_SAMPLES or resolution == 0


@settings(max_examples=100, deadline=None)
@given(places, st.floats(0, 360), st.floats(1, 3_000_000))
def test_samples_are_never_further_apart_than_the_spacing(
    place: tuple[float, float], heading: float, length: float
) -> None:
    start = TrackPoint(0.0, *place)
    end = TrackPoint(60.0, *destination(*place, heading, length))
    resolution, points = segment_samples(start, end)
    assert points[0] == (start.lat, start.lon) and points[-1] == (end.lat, end.lon)
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        assert haversine_m(lat1, lon1, lat2, lon2) <= SPACING_M[resolution] + 1e-6


def test_a_silence_longer_than_the_gap_is_not_a_movement() -> None:
    start = TrackPoint(0.0, 43.0, 76.0)
    end = TrackPoint(INTERPOLATION_MAX_GAP_S + 1, 43.2, 76.2)
    assert movement_keys(start, end) == fix_keys(start) | fix_keys(end)


def test_a_movement_is_indexed_in_every_hour_it_spans() -> None:
    start = TrackPoint(3590.0, 43.0, 76.0)
    end = TrackPoint(3610.0, 43.0001, 76.0001)
    assert (
        {bucket for _, bucket in movement_keys(start, end)} == set(buckets_between(3590.0, 3610.0)) == {0, 1}
    )


def test_track_keys_cover_fixes_and_movements() -> None:
    points = [TrackPoint(0.0, 43.0, 76.0), TrackPoint(600.0, 43.05, 76.0), TrackPoint(60.0, 43.0, 76.01)]
    keys = track_keys(points)
    for point in points:
        assert fix_keys(point) <= keys
    ordered = sorted(points, key=lambda p: p.time)
    assert movement_keys(ordered[0], ordered[1]) <= keys
