"""The space-time index never misses: every fix or pass within R of a place is found by its keys."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.domain.correlation import Track, TrackPoint, closest_approach, near
from qorgau.monitoring.domain.geometry import destination, haversine_m
from qorgau.monitoring.domain.spacetime import (
    INTERPOLATION_MAX_GAP_S,
    MAX_SAMPLES,
    SPACING_M,
    buckets_between,
    candidate_ranges,
    fix_keys,
    movement_keys,
    presence_keys,
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


# --- presence rows by batch, and the ranges a query reads --------------------------------------------

SCENE = (43.2567, 76.9286)
steps = st.lists(
    st.tuples(st.floats(10, 2500), st.floats(0, 1500), st.floats(0, 360)), min_size=1, max_size=30
)


def walk(moves: list[tuple[float, float, float]], start: float = 0.0) -> list[TrackPoint]:
    """A track from the scene: each move waits ``dt`` seconds and goes ``metres`` along ``bearing``."""
    t, lat, lon = start, *SCENE
    points = []
    for wait, metres, bearing in moves:
        t += wait
        lat, lon = destination(lat, lon, bearing, metres)
        points.append(TrackPoint(t, lat, lon))
    return points


@settings(max_examples=60, deadline=None)
@given(steps, st.lists(st.integers(1, 6), min_size=1, max_size=10))
def test_presence_keys_of_batches_in_time_order_are_those_of_the_whole_track(
    moves: list[tuple[float, float, float]], sizes: list[int]
) -> None:
    track = walk(moves)
    keys: set[tuple[str, int]] = set()
    position = 0
    for size in itertools.cycle(sizes):
        if position >= len(track):
            break
        batch = track[position : position + size]
        # As ingest does: the batch, after the last fix already stored.
        keys |= presence_keys(track[max(0, position - 1) : position + size], {p.time for p in batch})
        position += size
    assert keys == presence_keys(track) == track_keys(track)


@settings(max_examples=150, deadline=None)
@given(steps, st.floats(0, 20_000), st.floats(600, 3 * 3600), st.floats(100, 1000))
def test_reading_only_the_candidate_ranges_gives_the_same_answer(
    moves: list[tuple[float, float, float]], t1: float, window: float, radius: float
) -> None:
    track = walk(moves, start=3000.0)
    t2 = t1 + window
    cells = query_cells(*SCENE, radius)
    found = {
        bucket for cell, bucket in presence_keys(track) if cell in cells and bucket in buckets_between(t1, t2)
    }
    pieces = [
        Track("p", "o", "d", [p for p in track if low <= p.time <= high], 0.0, 1e9)
        for low, high in candidate_ranges(found, t1, t2)
    ]
    whole = Track("p", "o", "d", track, 0.0, 1e9)
    gap = INTERPOLATION_MAX_GAP_S
    assert near(*SCENE, radius, t1, t2, pieces, max_gap_s=gap) == near(
        *SCENE, radius, t1, t2, [whole], max_gap_s=gap
    )


def test_candidate_ranges_widen_each_hour_by_the_gap_and_merge() -> None:
    hour, gap = 3600.0, INTERPOLATION_MAX_GAP_S
    assert candidate_ranges([5], 0.0, 10 * hour) == [(5 * hour - gap, 6 * hour + gap)]
    assert candidate_ranges([5, 7], 0.0, 10 * hour) == [(5 * hour - gap, 8 * hour + gap)]  # touching
    assert candidate_ranges([2, 5], 0.0, 10 * hour) == [
        (2 * hour - gap, 3 * hour + gap),
        (5 * hour - gap, 6 * hour + gap),
    ]
    assert candidate_ranges([0], 1000.0, 2000.0) == [(1000.0 - gap, 2000.0 + gap)]  # clipped to the window
    assert candidate_ranges([], 0.0, hour) == []
