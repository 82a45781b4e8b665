"""Crime-scene correlation: closest approach, the brute-force reference, and H3 covers."""

from __future__ import annotations

import h3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.domain.correlation import (
    ReachBox,
    Track,
    TrackPoint,
    cell_of,
    closest_approach,
    closest_approach_within,
    disc_cells,
    near,
    segment_cells,
)
from qorgau.monitoring.domain.geometry import destination, haversine_m

SCENE = (43.2567, 76.9286)


def point(t: float, metres: float, bearing: float = 90.0) -> TrackPoint:
    lat, lon = destination(*SCENE, bearing, metres)
    return TrackPoint(t, lat, lon)


def test_pass_between_two_far_fixes_is_found_and_interpolated() -> None:
    # West of the scene at t=0, east at t=600: passes 50 m north of it at t=300.
    start = TrackPoint(0.0, *destination(*destination(*SCENE, 0.0, 50.0), 270.0, 2000.0))
    end = TrackPoint(600.0, *destination(*destination(*SCENE, 0.0, 50.0), 90.0, 2000.0))
    approach = closest_approach(start, end, *SCENE)
    assert approach.interpolated
    assert approach.distance_m == pytest.approx(50.0, abs=0.5)
    assert approach.time == pytest.approx(300.0, abs=1.0)
    assert haversine_m(*SCENE, start.lat, start.lon) > 1900


def test_closest_approach_at_a_fix_is_not_interpolated() -> None:
    approach = closest_approach(point(0.0, 100.0), point(60.0, 900.0), *SCENE)
    assert not approach.interpolated
    assert approach.time == 0.0 and approach.distance_m == pytest.approx(100.0, abs=0.01)


def test_closest_approach_only_counts_the_part_inside_the_window() -> None:
    start, end = point(0.0, 1000.0, 270.0), point(1000.0, 1000.0, 90.0)
    clipped = closest_approach_within(start, end, *SCENE, 0.0, 250.0)
    assert clipped is not None
    assert clipped.time == pytest.approx(250.0)
    assert clipped.distance_m == pytest.approx(500.0, abs=1.0)
    assert clipped.interpolated
    assert closest_approach_within(start, end, *SCENE, 2000.0, 3000.0) is None


@settings(max_examples=200)
@given(
    st.floats(0, 360),
    st.floats(0, 3000),
    st.floats(0, 360),
    st.floats(0, 3000),
    st.floats(0.0, 1.0),
)
def test_closest_approach_is_no_farther_than_any_point_of_the_movement(
    bearing_a: float, distance_a: float, bearing_b: float, distance_b: float, share: float
) -> None:
    start, end = point(0.0, distance_a, bearing_a), point(100.0, distance_b, bearing_b)
    approach = closest_approach(start, end, *SCENE)
    lat = start.lat + (end.lat - start.lat) * share
    lon = start.lon + (end.lon - start.lon) * share
    # The minimum is taken on the local plane; against haversine it may differ by its tiny error.
    assert approach.distance_m <= haversine_m(*SCENE, lat, lon) * (1 + 1e-4) + 1e-3
    assert 0.0 <= approach.time <= 100.0


def track(person: str, points: list[TrackPoint], start: float = 0.0, end: float = 10_000.0) -> Track:
    return Track(person, f"order-{person}", f"device-{person}", points, start, end)


def test_near_reports_one_row_per_person_sorted_by_distance() -> None:
    tracks = [
        track("far", [point(100.0, 450.0), point(200.0, 460.0)]),
        track("close", [point(100.0, 50.0), point(200.0, 80.0)]),
        track("close", [point(150.0, 20.0)]),  # a second device of the same person
        track("outside", [point(100.0, 900.0)]),
    ]
    matches = near(*SCENE, 500.0, 0.0, 1000.0, tracks)
    assert [m.person for m in matches] == ["close", "far"]
    assert matches[0].distance_m == pytest.approx(20.0, abs=0.01) and matches[0].kind == "fix"


def test_near_marks_passes_between_fixes_as_interpolated() -> None:
    passing = track("passer", [point(0.0, 2000.0, 270.0), point(600.0, 2000.0, 90.0)])
    [match] = near(*SCENE, 100.0, 0.0, 600.0, [passing])
    assert match.kind == "interpolated"
    assert match.time == pytest.approx(300.0, abs=1.0)


def test_near_ignores_fixes_outside_the_order_term() -> None:
    before_order = track("p", [point(100.0, 10.0), point(5000.0, 10.0)], start=1000.0, end=2000.0)
    assert near(*SCENE, 100.0, 0.0, 10_000.0, [before_order]) == []


def test_near_ignores_movements_across_long_silences_when_asked() -> None:
    silent = track("p", [point(0.0, 2000.0, 270.0), point(7200.0, 2000.0, 90.0)])
    assert near(*SCENE, 100.0, 0.0, 7200.0, [silent], max_gap_s=1800.0) == []
    assert len(near(*SCENE, 100.0, 0.0, 7200.0, [silent])) == 1


def test_near_rejects_a_window_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="window"):
        near(*SCENE, 100.0, 10.0, 0.0, [])


# --- H3 -------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.floats(-70, 70),
    st.floats(-170, 170),
    st.floats(10.0, 2000.0),
    st.sampled_from([9, 10]),
    st.lists(st.tuples(st.floats(0, 360), st.floats(0.0, 1.0)), min_size=1, max_size=20),
)
def test_disc_cells_cover_every_point_of_the_disc(
    lat: float, lon: float, radius: float, resolution: int, offsets: list[tuple[float, float]]
) -> None:
    cells = disc_cells(lat, lon, radius, resolution)
    for bearing, share in offsets:
        point_lat, point_lon = destination(lat, lon, bearing, radius * share)
        assert cell_of(point_lat, point_lon, resolution) in cells


def test_disc_cells_stay_few_for_a_typical_query() -> None:
    cells = disc_cells(*SCENE, 500.0, 9)
    # A 500 m disc is ~0.8 km²; resolution-9 cells are ~0.1 km² each.
    assert 8 <= len(cells) <= 60
    assert all(h3.get_resolution(cell) == 9 for cell in cells)


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 360), st.floats(0, 5000), st.floats(0.0, 1.0), st.sampled_from([9, 10]))
def test_segment_cells_cover_the_whole_movement(
    bearing: float, length: float, share: float, resolution: int
) -> None:
    start = TrackPoint(0.0, *SCENE)
    end = point(60.0, length, bearing)
    cells = segment_cells(start, end, resolution)
    lat = start.lat + (end.lat - start.lat) * share
    lon = start.lon + (end.lon - start.lon) * share
    assert cell_of(lat, lon, resolution) in cells


# --- the reach box: what near() may skip unmeasured -------------------------------------------------

places = st.tuples(st.floats(-89.0, 89.0), st.floats(-179.9, 179.9))
radii = st.floats(1.0, 20_000.0)


@given(places, radii, st.floats(0, 360), st.floats(0.5, 3.0), st.floats(0, 360), st.floats(0.5, 3.0))
@settings(max_examples=300)
def test_a_movement_the_reach_box_excludes_is_beyond_the_radius(
    place: tuple[float, float],
    radius: float,
    bearing_a: float,
    reach_a: float,
    bearing_b: float,
    reach_b: float,
) -> None:
    box = ReachBox.around(*place, radius)
    if box is None:
        return
    start = TrackPoint(0.0, *destination(*place, bearing_a, radius * reach_a))
    end = TrackPoint(60.0, *destination(*place, bearing_b, radius * reach_b))
    if box.excludes(start, end):
        assert closest_approach(start, end, *place).distance_m > radius
    if box.excludes(start, start):
        assert haversine_m(*place, start.lat, start.lon) > radius


@given(places, radii, st.floats(0, 360))
def test_the_reach_box_keeps_every_point_within_the_radius(
    place: tuple[float, float], radius: float, bearing: float
) -> None:
    box = ReachBox.around(*place, radius)
    inside = TrackPoint(0.0, *destination(*place, bearing, radius * 0.999))
    assert box is None or not box.excludes(inside, inside)


def test_the_reach_box_is_tight_enough_to_skip_most_of_a_city() -> None:
    box = ReachBox.around(*SCENE, 500.0)
    assert box is not None
    far = [TrackPoint(0.0, *destination(*SCENE, bearing, 700.0)) for bearing in range(0, 360, 10)]
    assert sum(box.excludes(p, p) for p in far) >= 20
    assert ReachBox.around(89.999, 0.0, 500.0) is None
    assert ReachBox.around(10.0, 179.999, 500.0) is None


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.floats(0, 7200), st.floats(0, 1500), st.floats(0, 360)),
        min_size=1,
        max_size=40,
    ),
    st.floats(50, 800),
)
@settings(max_examples=150)
def test_near_answers_the_same_with_and_without_skipping(
    fixes: list[tuple[int, float, float, float]], radius: float
) -> None:
    tracks = [
        Track(
            f"p{person}",
            f"o{person}",
            f"d{person}",
            [point(t, metres, bearing) for who, t, metres, bearing in fixes if who == person],
            0.0,
            10_000.0,
        )
        for person in range(4)
    ]
    skipped = near(*SCENE, radius, 600.0, 6000.0, tracks, max_gap_s=1800.0)
    measured = near(*SCENE, radius, 600.0, 6000.0, tracks, max_gap_s=1800.0, skip_far=False)
    assert skipped == measured
