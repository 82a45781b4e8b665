"""Distances and the local plane."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.monitoring.domain.geometry import (
    EARTH_RADIUS_M,
    BoundingBox,
    GeometryError,
    LocalPlane,
    check_latlon,
    closest_point_on_segment,
    destination,
    haversine_m,
    haversine_m_array,
)

latitudes = st.floats(-80, 80)
longitudes = st.floats(-179, 179)


def test_one_degree_of_latitude_is_the_sphere_arc() -> None:
    assert haversine_m(43.0, 76.9, 44.0, 76.9) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)


def test_distance_between_almaty_and_astana_is_about_970_km() -> None:
    # Almaty (43.238, 76.946) – Astana (51.169, 71.449): about 970 km on the sphere.
    assert 960_000 < haversine_m(43.238, 76.946, 51.169, 71.449) < 980_000


@given(latitudes, longitudes, st.floats(0, 360), st.floats(0, 200_000))
def test_destination_lies_at_the_requested_distance(
    lat: float, lon: float, bearing: float, distance: float
) -> None:
    lat2, lon2 = destination(lat, lon, bearing, distance)
    assert math.isclose(haversine_m(lat, lon, lat2, lon2), distance, rel_tol=1e-9, abs_tol=1e-6)


@given(latitudes, longitudes, latitudes, longitudes)
def test_vectorised_haversine_equals_the_scalar_one(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    vector = haversine_m_array(lat1, lon1, lat2, lon2)
    assert float(vector) == pytest.approx(haversine_m(lat1, lon1, lat2, lon2), rel=1e-12, abs=1e-9)


@given(latitudes, longitudes, st.floats(-5000, 5000), st.floats(-5000, 5000))
def test_local_plane_round_trips(lat: float, lon: float, x: float, y: float) -> None:
    plane = LocalPlane.around(lat, lon)
    back_x, back_y = plane.to_xy(*plane.to_latlon(x, y))
    assert math.isclose(back_x, x, abs_tol=1e-6) and math.isclose(back_y, y, abs_tol=1e-6)


@given(st.floats(-70, 70), longitudes, st.floats(0, 360), st.floats(0, 5000))
def test_local_plane_distance_is_close_to_haversine_near_the_origin(
    lat: float, lon: float, bearing: float, distance: float
) -> None:
    lat2, lon2 = destination(lat, lon, bearing, distance)
    x, y = LocalPlane.around(lat, lon).to_xy(lat2, lon2)
    # Relative error ≈ tan(lat)·Δ/R: under 0.3 % at 70° and 5 km.
    assert math.hypot(x, y) == pytest.approx(distance, rel=3e-3, abs=1e-6)


@given(*(st.floats(-1000, 1000) for _ in range(6)))
def test_closest_point_on_segment_is_no_farther_than_the_ends(
    px: float, py: float, ax: float, ay: float, bx: float, by: float
) -> None:
    distance_sq, fraction = closest_point_on_segment(px, py, ax, ay, bx, by)
    assert 0.0 <= fraction <= 1.0
    assert distance_sq <= (px - ax) ** 2 + (py - ay) ** 2 + 1e-6
    assert distance_sq <= (px - bx) ** 2 + (py - by) ** 2 + 1e-6
    middle_sq = (px - (ax + bx) / 2) ** 2 + (py - (ay + by) / 2) ** 2
    assert distance_sq <= middle_sq + 1e-6


def test_impossible_coordinates_are_rejected_with_the_value_named() -> None:

    with pytest.raises(GeometryError, match="91"):
        check_latlon(91.0, 0.0)
    with pytest.raises(GeometryError, match="longitude"):
        check_latlon(0.0, math.nan)


def test_bounding_box_is_closed() -> None:
    box = BoundingBox(43.0, 76.0, 44.0, 77.0)
    assert box.contains(43.0, 77.0) and not box.contains(44.000001, 76.5)
