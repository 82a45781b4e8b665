"""Zones: shapes, JSON, and the fast containment tests against their references."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qorgau.monitoring.domain.geometry import destination, haversine_m
from qorgau.monitoring.domain.zones import (
    Circle,
    CompiledCircle,
    CompiledPolygon,
    Corridor,
    Polygon,
    Zone,
    ZoneError,
    ZoneKind,
    ZoneTable,
    compile_zone,
    shape_from_json,
    zone_from_json,
)


def compiled(shape: Circle | Polygon | Corridor) -> object:
    return compile_zone(Zone("z", ZoneKind.INCLUSION, shape))


def star(
    lat: float, lon: float, radii: list[float], rotation: float = 0.0
) -> tuple[tuple[float, float], ...]:
    """A star-shaped ring (valid by construction) with one vertex per radius, as (lon, lat)."""
    ring = []
    for index, radius in enumerate(radii):
        point_lat, point_lon = destination(lat, lon, rotation + 360.0 * index / len(radii), radius)
        ring.append((point_lon, point_lat))
    ring.append(ring[0])
    return tuple(ring)


# --- circles ----------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(
    st.floats(-75, 75),
    st.floats(-170, 170),
    st.floats(1.0, 50_000.0),
    st.floats(0, 360),
    st.floats(0.0, 2.0),
)
def test_circle_containment_agrees_with_haversine(
    lat: float, lon: float, radius: float, bearing: float, relative_distance: float
) -> None:
    zone = compiled(Circle(lat, lon, radius))
    assert isinstance(zone, CompiledCircle)
    point_lat, point_lon = destination(lat, lon, bearing, radius * relative_distance)
    # Exact agreement, not only outside a tolerance band: near the edge the test *is* haversine.
    assert zone.contains(point_lat, point_lon) is (haversine_m(point_lat, point_lon, lat, lon) <= radius)


@given(st.floats(-75, 75), st.floats(-170, 170), st.floats(10.0, 5_000.0), st.floats(0, 360))
def test_circle_edge_is_decided_within_a_millimetre(
    lat: float, lon: float, radius: float, bearing: float
) -> None:
    zone = compiled(Circle(lat, lon, radius))
    assert isinstance(zone, CompiledCircle)
    inside_lat, inside_lon = destination(lat, lon, bearing, radius - 0.001)
    outside_lat, outside_lon = destination(lat, lon, bearing, radius + 0.001)
    assert zone.contains(inside_lat, inside_lon)
    assert not zone.contains(outside_lat, outside_lon)


def test_circle_near_the_pole_falls_back_to_haversine_everywhere() -> None:
    zone = compiled(Circle(89.5, 10.0, 100_000.0))
    assert isinstance(zone, CompiledCircle)
    assert zone.contains(89.9, -170.0) is (haversine_m(89.9, -170.0, 89.5, 10.0) <= 100_000.0)


# --- polygons ---------------------------------------------------------------------------------------

radii_lists = st.lists(st.floats(300.0, 3_000.0), min_size=3, max_size=60)


@st.composite
def polygons_and_points(draw: st.DrawFn) -> tuple[Polygon, list[tuple[float, float]]]:
    lat = draw(st.floats(-60, 60))
    lon = draw(st.floats(-170, 170))
    radii = draw(radii_lists)
    shell = star(lat, lon, radii, draw(st.floats(0, 360)))
    holes: tuple[tuple[tuple[float, float], ...], ...] = ()
    if draw(st.booleans()):
        # Every edge of the shell stays at least min(r)·cos(π/n) from the centre: the hole fits inside.
        room = min(radii) * math.cos(math.pi / len(radii)) * 0.9
        hole_radii = draw(st.lists(st.floats(min(20.0, room / 2), room), min_size=3, max_size=12))
        holes = (star(lat, lon, hole_radii, draw(st.floats(0, 360))),)
    polygon = Polygon(shell, holes)
    points = [
        destination(lat, lon, draw(st.floats(0, 360)), draw(st.floats(0, 3_500.0)))
        for _ in range(draw(st.integers(1, 30)))
    ]
    # Vertices and edge midpoints are boundary points: shapely says "not contained".
    vertex_lon, vertex_lat = shell[draw(st.integers(0, len(shell) - 2))]
    points.append((vertex_lat, vertex_lon))
    return polygon, points


@settings(max_examples=150, deadline=None)
@given(polygons_and_points())
def test_polygon_containment_agrees_with_shapely_contains(
    case: tuple[Polygon, list[tuple[float, float]]],
) -> None:
    polygon, points = case
    zone = compiled(polygon)
    assert isinstance(zone, CompiledPolygon)
    reference = polygon.to_shapely()
    for lat, lon in points:
        assert zone.contains(lat, lon) is reference.contains(shapely.Point(lon, lat))


def test_polygon_hole_is_outside() -> None:
    shell = star(43.24, 76.95, [1000.0] * 16)
    hole = star(43.24, 76.95, [300.0] * 8)
    zone = compiled(Polygon(shell, (hole,)))
    assert isinstance(zone, CompiledPolygon)
    assert not zone.contains(43.24, 76.95)
    ring_lat, ring_lon = destination(43.24, 76.95, 45.0, 600.0)
    assert zone.contains(ring_lat, ring_lon)


def test_most_polygon_raster_cells_answer_without_shapely() -> None:
    zone = compiled(Polygon(star(43.24, 76.95, [800.0 + 200.0 * math.sin(i) for i in range(200)])))
    assert isinstance(zone, CompiledPolygon)
    assert zone.edge_cell_share() < 0.35


def test_self_intersecting_polygon_is_rejected() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[76.0, 43.0], [76.1, 43.1], [76.1, 43.0], [76.0, 43.1]]]}
    with pytest.raises(ZoneError, match="invalid polygon"):
        shape_from_json(bowtie)


# --- corridors --------------------------------------------------------------------------------------


def reference_corridor_distance(line: list[tuple[float, float]], lat: float, lon: float) -> float:
    """Brute force: haversine to points sampled every ~1 m along the route."""
    best = math.inf
    for (lon_a, lat_a), (lon_b, lat_b) in itertools.pairwise(line):
        steps = max(1, int(haversine_m(lat_a, lon_a, lat_b, lon_b)))
        for step in range(steps + 1):
            f = step / steps
            best = min(best, haversine_m(lat, lon, lat_a + (lat_b - lat_a) * f, lon_a + (lon_b - lon_a) * f))
    return best


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-60, 60),
    st.floats(-170, 170),
    st.lists(st.tuples(st.floats(0, 360), st.floats(50, 800)), min_size=1, max_size=4),
    st.floats(10, 200),
    st.floats(0, 360),
    st.floats(0, 600),
)
def test_corridor_containment_agrees_with_distance_to_the_route(
    lat: float,
    lon: float,
    legs: list[tuple[float, float]],
    width: float,
    bearing: float,
    offset: float,
) -> None:
    line = [(lon, lat)]
    for leg_bearing, leg_length in legs:
        next_lat, next_lon = destination(line[-1][1], line[-1][0], leg_bearing, leg_length)
        line.append((next_lon, next_lat))
    zone = compiled(Corridor(tuple(line), width))
    anchor_lon, anchor_lat = line[len(line) // 2]
    point_lat, point_lon = destination(anchor_lat, anchor_lon, bearing, offset)
    distance = reference_corridor_distance(line, point_lat, point_lon)
    assume(abs(distance - width / 2) > 1.0)  # the 1 m sampling tolerance band
    assert zone.contains(point_lat, point_lon) is (distance <= width / 2)  # type: ignore[attr-defined]


# --- the vectorised table ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_zone_table_answers_like_each_zone(seed: int) -> None:
    rng = np.random.default_rng(seed)
    zones = []
    for index in range(12):
        lat = 43.2 + rng.uniform(-0.02, 0.02)
        lon = 76.9 + rng.uniform(-0.02, 0.02)
        kind = index % 3
        shape: Circle | Polygon | Corridor
        if kind == 0:
            shape = Circle(lat, lon, float(rng.uniform(50, 2000)))
        elif kind == 1:
            shape = Polygon(star(lat, lon, list(rng.uniform(200, 1500, int(rng.integers(3, 80))))))
        else:
            end_lat, end_lon = destination(lat, lon, float(rng.uniform(0, 360)), 1500)
            shape = Corridor(((lon, lat), (end_lon, end_lat)), float(rng.uniform(20, 300)))
        zones.append(compile_zone(Zone(f"z{index}", ZoneKind.EXCLUSION, shape)))
    table = ZoneTable(zones)
    count = 3000
    zone_index = rng.integers(0, len(zones), count)
    lat = 43.2 + rng.uniform(-0.04, 0.04, count)
    lon = 76.9 + rng.uniform(-0.04, 0.04, count)
    expected = [zones[z].contains(a, b) for z, a, b in zip(zone_index, lat, lon, strict=True)]
    assert table.contains_pairs(zone_index, lat, lon).tolist() == expected


# --- JSON ----------------------------------------------------------------------------------------


def test_zone_from_the_import_bundle_reads_circle_and_schedule() -> None:
    zone = zone_from_json(
        {
            "id": "z1",
            "kind": "inclusion",
            "shape": {"type": "circle", "lat": 43.238, "lon": 76.945, "radius_m": 150},
            "schedule": {"tz": "Asia/Almaty", "windows": [{"days": ["mon"], "from": "22:00", "to": "06:00"}]},
        }
    )
    assert zone.kind is ZoneKind.INCLUSION
    assert zone.shape == Circle(43.238, 76.945, 150.0)
    assert zone.schedule is not None and zone.schedule.tz == "Asia/Almaty"


def test_geojson_polygon_rings_are_closed_when_left_open() -> None:
    shape = shape_from_json({"type": "Polygon", "coordinates": [[[76.0, 43.0], [76.1, 43.0], [76.1, 43.1]]]})
    assert isinstance(shape, Polygon) and shape.shell[0] == shape.shell[-1]


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"id": "z", "kind": "inside", "shape": {}}, "zone.kind"),
        ({"id": "", "kind": "inclusion", "shape": {}}, "zone.id"),
        ({"id": "z", "kind": "inclusion", "shape": {"type": "circle", "lat": 43, "lon": 76}}, "radius_m"),
        (
            {
                "id": "z",
                "kind": "inclusion",
                "shape": {"type": "circle", "lat": 95, "lon": 76, "radius_m": 5},
            },
            "95",
        ),
        ({"id": "z", "kind": "inclusion", "shape": {"type": "square"}}, "zone.shape.type"),
        (
            {
                "id": "z",
                "kind": "inclusion",
                "shape": {"type": "circle", "lat": 43, "lon": 76, "radius_m": 5},
                "schedule": {"tz": "Mars/Olympus"},
            },
            "zone.schedule.tz",
        ),
    ],
)
def test_bad_zone_json_names_the_field(obj: dict[str, object], field: str) -> None:
    with pytest.raises(ZoneError, match=field.replace(".", r"\.")):
        zone_from_json(obj)
