"""Zones of a monitoring order and fast point-in-zone tests.

A :class:`Zone` is what a court order states: a place (a :class:`Circle`, a GeoJSON
:class:`Polygon` with holes, or a :class:`Corridor` — a route with a width), a kind (an
*inclusion* zone where the person must be, e.g. home during a curfew, or an *exclusion* zone where
they must not be, e.g. the victim's street) and a :class:`~.schedules.Schedule` (``None``: always).

:func:`compile_zone` turns a zone into a :class:`CompiledZone` whose ``contains(lat, lon)`` answers
in well under a microsecond for most points:

- every test starts with a bounding-box check in degrees;
- a circle compares a squared distance on its local equirectangular plane against ``(r ± ε)²``
  where ε bounds the projection error, and only a point inside that thin band (millimetres wide)
  pays for an exact haversine — so the answer *is* "haversine distance ≤ radius";
- a polygon is rasterised once onto a grid of at most 4,096 cells over its bounding box: a cell
  that no edge touches is wholly inside or wholly outside and answers from one byte; only a point in
  a cell crossed by an edge is asked of the shapely 2 prepared polygon (``contains_xy``). The answer
  is therefore exactly shapely's ``contains`` (a point on the boundary is outside);
- a corridor measures the distance to each segment on that segment's own local plane.

:class:`ZoneTable` answers the same questions for arrays of (zone, point) pairs with numpy, for
the batch evaluator (:mod:`.fleet`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely

from qorgau.monitoring.domain.geometry import (
    EARTH_RADIUS_M,
    METRES_PER_DEGREE,
    BoundingBox,
    GeometryError,
    check_latlon,
    haversine_m,
    haversine_m_array,
)
from qorgau.monitoring.domain.schedules import (
    Schedule,
    ScheduleError,
    ScheduleTimeline,
    schedule_from_json,
    timeline_for,
)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

MAX_CIRCLE_RADIUS_M: Final = 1_000_000.0
GRID_CELLS: Final = 4096
"""Cells of a polygon's raster (64 × 64 for a square polygon): 4 KiB per polygon."""

_CELL_OUTSIDE: Final = 0
_CELL_INSIDE: Final = 1
_CELL_EDGE: Final = 2


class ZoneError(ValueError):
    """A zone that cannot be used: bad shape, kind or schedule (the message names the field)."""


class ZoneKind(StrEnum):
    INCLUSION = "inclusion"
    """The person must be inside while the schedule is active (home under curfew, house arrest)."""
    EXCLUSION = "exclusion"
    """The person must stay outside while the schedule is active (a victim's home, a school)."""


@dataclass(frozen=True, slots=True)
class Circle:
    """All points within ``radius_m`` metres (great-circle distance) of (lat, lon)."""

    lat: float
    lon: float
    radius_m: float

    def __post_init__(self) -> None:
        check_latlon(self.lat, self.lon)
        if not (math.isfinite(self.radius_m) and 0.0 < self.radius_m <= MAX_CIRCLE_RADIUS_M):
            raise GeometryError(f"radius_m {self.radius_m!r} must be in (0, {MAX_CIRCLE_RADIUS_M:.0f}]")


Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Polygon:
    """A GeoJSON polygon: an outer ring and holes, positions as (lon, lat), rings closed.

    Containment is planar in degrees (the same as on any local plane: the projection is affine),
    with shapely's ``contains`` semantics: the boundary is outside.
    """

    shell: Ring
    holes: tuple[Ring, ...] = ()

    def __post_init__(self) -> None:
        for ring in (self.shell, *self.holes):
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise GeometryError("a polygon ring needs at least 4 positions and must be closed")
            for lon, lat in ring:
                check_latlon(lat, lon)
        geometry = self.to_shapely()
        if not geometry.is_valid:
            raise GeometryError(f"invalid polygon: {shapely.is_valid_reason(geometry)}")
        if geometry.area == 0.0:
            raise GeometryError("a polygon must have an area")

    def to_shapely(self) -> shapely.Polygon:
        """The polygon in (lon, lat) degrees as a shapely geometry."""
        return shapely.Polygon(self.shell, list(self.holes))


@dataclass(frozen=True, slots=True)
class Corridor:
    """A route: every point within ``width_m / 2`` metres of the polyline ``line`` ((lon, lat))."""

    line: tuple[tuple[float, float], ...]
    width_m: float

    def __post_init__(self) -> None:
        if len(self.line) < 2:
            raise GeometryError("a corridor needs at least two positions")
        for lon, lat in self.line:
            check_latlon(lat, lon)
        if not (math.isfinite(self.width_m) and 0.0 < self.width_m <= 2 * MAX_CIRCLE_RADIUS_M):
            raise GeometryError(f"width_m {self.width_m!r} must be positive")


Shape = Circle | Polygon | Corridor


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone of an order: ``id`` is the caller's identifier and is carried on every alert."""

    id: str
    kind: ZoneKind
    shape: Shape
    schedule: Schedule | None = None


# --- reading zones from JSON ----------------------------------------------------------------------


def _number(obj: Mapping[str, Any], key: str, where: str) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ZoneError(f"{where}.{key}: a number is required")
    return float(value)


def _positions(raw: object, where: str) -> tuple[tuple[float, float], ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ZoneError(f"{where}: expected a list of [lon, lat] positions")
    positions = []
    for i, position in enumerate(raw):
        if (
            not isinstance(position, Sequence)
            or isinstance(position, str)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        ):
            raise ZoneError(f"{where}[{i}]: expected [lon, lat]")
        positions.append((float(position[0]), float(position[1])))
    return tuple(positions)


def _closed(ring: tuple[tuple[float, float], ...]) -> Ring:
    return ring if ring and ring[0] == ring[-1] else (*ring, ring[0]) if ring else ring


def shape_from_json(obj: object, where: str = "shape") -> Shape:
    """Read a shape: ``{"type": "circle", "lat", "lon", "radius_m"}``, a GeoJSON ``Polygon``
    (``coordinates``: rings of [lon, lat]; unclosed rings are closed) or ``{"type": "corridor",
    "coordinates": [[lon, lat], …], "width_m"}`` (GeoJSON ``LineString`` with ``width_m`` too).
    Raises :class:`ZoneError` naming the field."""
    if not isinstance(obj, Mapping):
        raise ZoneError(f"{where}: expected an object")
    kind = str(obj.get("type", "")).lower()
    try:
        if kind == "circle":
            return Circle(
                _number(obj, "lat", where), _number(obj, "lon", where), _number(obj, "radius_m", where)
            )
        if kind == "polygon":
            rings = obj.get("coordinates")
            if not isinstance(rings, Sequence) or isinstance(rings, str) or not rings:
                raise ZoneError(f"{where}.coordinates: expected a list of rings")
            closed = [_closed(_positions(ring, f"{where}.coordinates[{i}]")) for i, ring in enumerate(rings)]
            return Polygon(closed[0], tuple(closed[1:]))
        if kind in ("corridor", "linestring"):
            line = _positions(obj.get("coordinates"), f"{where}.coordinates")
            return Corridor(line, _number(obj, "width_m", where))
    except GeometryError as error:
        raise ZoneError(f"{where}: {error}") from error
    raise ZoneError(f"{where}.type: expected circle, Polygon or corridor, got {obj.get('type')!r}")


def zone_from_json(obj: object, where: str = "zone") -> Zone:
    """Read ``{"id", "kind": "inclusion"|"exclusion", "shape", "schedule"}`` (schedule may be null)."""
    if not isinstance(obj, Mapping):
        raise ZoneError(f"{where}: expected an object")
    zone_id = obj.get("id")
    if not isinstance(zone_id, str) or not zone_id:
        raise ZoneError(f"{where}.id: a non-empty string is required")
    try:
        kind = ZoneKind(str(obj.get("kind")))
    except ValueError as error:
        raise ZoneError(f"{where}.kind: expected inclusion or exclusion, got {obj.get('kind')!r}") from error
    schedule_obj = obj.get("schedule")
    if schedule_obj is not None and not isinstance(schedule_obj, Mapping):
        raise ZoneError(f"{where}.schedule: expected an object or null")
    try:
        schedule = schedule_from_json(schedule_obj)
    except ScheduleError as error:
        raise ZoneError(f"{where}.{error}") from error
    return Zone(zone_id, kind, shape_from_json(obj.get("shape"), f"{where}.shape"), schedule)


# --- compiled zones: the fast scalar tests --------------------------------------------------------


class CompiledZone:
    """A zone ready for evaluation: ``contains(lat, lon)`` and the schedule's timeline.

    ``timeline`` is ``None`` for a zone that always applies. The compiled zone keeps no reference to
    the :class:`Zone` it came from (its coordinates as Python tuples are the largest part of an
    order in memory), only what evaluation needs.
    """

    __slots__ = ("id", "inclusion", "max_lat", "max_lon", "min_lat", "min_lon", "schedule", "timeline")

    def __init__(self, zone: Zone, bbox: BoundingBox) -> None:
        self.id = zone.id
        self.schedule = zone.schedule
        self.inclusion = zone.kind is ZoneKind.INCLUSION
        self.timeline: ScheduleTimeline | None = (
            None if zone.schedule is None else timeline_for(zone.schedule)
        )
        self.min_lat = bbox.min_lat
        self.min_lon = bbox.min_lon
        self.max_lat = bbox.max_lat
        self.max_lon = bbox.max_lon

    @property
    def bbox(self) -> BoundingBox:
        return BoundingBox(self.min_lat, self.min_lon, self.max_lat, self.max_lon)

    def active_at(self, t: float) -> bool:
        """Whether the zone's schedule applies at POSIX time ``t``."""
        return True if self.timeline is None else self.timeline.active_at(t)

    def contains(self, lat: float, lon: float) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


class CompiledCircle(CompiledZone):
    __slots__ = ("center_lat", "center_lon", "inner_sq", "metres_per_degree_lon", "outer_sq", "radius_m")

    def __init__(self, zone: Zone, circle: Circle) -> None:
        radius = circle.radius_m
        angular = radius / EARTH_RADIUS_M
        dlat = math.degrees(angular)
        reach = abs(circle.lat) + dlat
        if reach < 80.0 and radius <= 200_000.0:
            dlon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(circle.lat)))))
            # The plane's error for a point near the boundary: the parallel's scale changes by about
            # tan(lat)·Δlat across the circle, plus second-order terms; doubled for safety.
            relative = math.tan(math.radians(reach)) * angular + 4.0 * angular * angular + 1e-12
            margin = 2.0 * radius * relative + 1e-6
            inner = max(0.0, radius - margin)
            self.inner_sq = inner * inner
            self.outer_sq = (radius + margin) ** 2
            bbox = BoundingBox(
                circle.lat - dlat - 1e-9,
                circle.lon - dlon - 1e-9,
                circle.lat + dlat + 1e-9,
                circle.lon + dlon + 1e-9,
            )
        else:  # near a pole or huge: the plane is no good, every candidate gets the exact test
            self.inner_sq = -1.0
            self.outer_sq = math.inf
            bbox = BoundingBox(max(-90.0, circle.lat - dlat), -180.0, min(90.0, circle.lat + dlat), 180.0)
        super().__init__(zone, bbox)
        self.center_lat = circle.lat
        self.center_lon = circle.lon
        self.radius_m = radius
        self.metres_per_degree_lon = METRES_PER_DEGREE * math.cos(math.radians(circle.lat))

    def contains(self, lat: float, lon: float) -> bool:
        """Haversine distance to the centre ≤ radius (exact; the plane only decides far from the edge)."""
        if lat < self.min_lat or lat > self.max_lat or lon < self.min_lon or lon > self.max_lon:
            return False
        dx = (lon - self.center_lon) * self.metres_per_degree_lon
        dy = (lat - self.center_lat) * METRES_PER_DEGREE
        distance_sq = dx * dx + dy * dy
        if distance_sq <= self.inner_sq:
            return True
        if distance_sq > self.outer_sq:
            return False
        return haversine_m(lat, lon, self.center_lat, self.center_lon) <= self.radius_m


class CompiledPolygon(CompiledZone):
    __slots__ = ("columns", "geometry", "grid", "grid_lat", "grid_lon", "lat_scale", "lon_scale", "rows")

    def __init__(self, zone: Zone, polygon: Polygon) -> None:
        geometry = polygon.to_shapely()
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        super().__init__(zone, BoundingBox(min_lat, min_lon, max_lat, max_lon))
        shapely.prepare(geometry)
        self.geometry = geometry
        self.grid: bytes | memoryview
        self.columns, self.rows, self.grid = _rasterise(polygon, geometry)
        self.grid_lon = min_lon
        self.grid_lat = min_lat
        self.lon_scale = self.columns / (max_lon - min_lon) if max_lon > min_lon else 0.0
        self.lat_scale = self.rows / (max_lat - min_lat) if max_lat > min_lat else 0.0

    def contains(self, lat: float, lon: float) -> bool:
        """shapely ``contains`` (boundary outside), answered from the raster where it can be."""
        if lat < self.min_lat or lat > self.max_lat or lon < self.min_lon or lon > self.max_lon:
            return False
        column = int((lon - self.grid_lon) * self.lon_scale)
        row = int((lat - self.grid_lat) * self.lat_scale)
        if column >= self.columns:
            column = self.columns - 1
        if row >= self.rows:
            row = self.rows - 1
        cell = self.grid[row * self.columns + column]
        if cell != _CELL_EDGE:
            return bool(cell == _CELL_INSIDE)
        return bool(shapely.contains_xy(self.geometry, lon, lat))

    def edge_cell_share(self) -> float:
        """Share of raster cells crossed by an edge (those fall back to shapely)."""
        return bytes(self.grid).count(_CELL_EDGE) / len(self.grid)


def _rasterise(polygon: Polygon, geometry: shapely.Polygon) -> tuple[int, int, bytes]:
    """Classify the cells of a grid over the polygon's bounds: outside, inside, or crossed by an edge.

    A cell is "edge" if any ring segment comes within a hair (10⁻⁷ of a cell) of it: each segment
    is cut into pieces shorter than a cell, and every cell that a piece's (slightly grown) bounding
    box touches is marked — a superset of the crossed cells, which only costs speed, never
    correctness. Any other cell holds no boundary point, so its centre decides for all of it.
    """
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    width_m = (max_lon - min_lon) * METRES_PER_DEGREE * math.cos(math.radians((min_lat + max_lat) / 2))
    height_m = (max_lat - min_lat) * METRES_PER_DEGREE
    aspect = width_m / height_m if height_m > 0 else 1.0
    columns = max(1, min(GRID_CELLS, round(math.sqrt(GRID_CELLS * aspect))))
    rows = max(1, min(GRID_CELLS, GRID_CELLS // columns))
    cell_w = (max_lon - min_lon) / columns
    cell_h = (max_lat - min_lat) / rows
    grid = np.zeros((rows, columns), dtype=np.uint8)

    starts: list[FloatArray] = []
    ends: list[FloatArray] = []
    for ring in (polygon.shell, *polygon.holes):
        coordinates = np.asarray(ring, dtype=np.float64)
        starts.append(coordinates[:-1])
        ends.append(coordinates[1:])
    a = np.concatenate(starts)
    b = np.concatenate(ends)
    pieces = (
        np.ceil(np.maximum(np.abs(b[:, 0] - a[:, 0]) / cell_w, np.abs(b[:, 1] - a[:, 1]) / cell_h)).astype(
            np.intp
        )
        + 1
    )
    segment = np.repeat(np.arange(len(a)), pieces)
    first_piece = np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = np.arange(len(segment)) - first_piece
    f0 = k / pieces[segment]
    f1 = (k + 1) / pieces[segment]
    delta = b[segment] - a[segment]
    p0 = a[segment] + delta * f0[:, None]
    p1 = a[segment] + delta * f1[:, None]
    eps_x = cell_w * 1e-7
    eps_y = cell_h * 1e-7
    lo_x = np.minimum(p0[:, 0], p1[:, 0]) - eps_x
    hi_x = np.maximum(p0[:, 0], p1[:, 0]) + eps_x
    lo_y = np.minimum(p0[:, 1], p1[:, 1]) - eps_y
    hi_y = np.maximum(p0[:, 1], p1[:, 1]) + eps_y
    i0 = np.clip(np.floor((lo_x - min_lon) / cell_w), 0, columns - 1).astype(np.intp)
    i1 = np.clip(np.floor((hi_x - min_lon) / cell_w), 0, columns - 1).astype(np.intp)
    j0 = np.clip(np.floor((lo_y - min_lat) / cell_h), 0, rows - 1).astype(np.intp)
    j1 = np.clip(np.floor((hi_y - min_lat) / cell_h), 0, rows - 1).astype(np.intp)
    span = int(max((i1 - i0).max(initial=0), (j1 - j0).max(initial=0)))
    for di in range(span + 1):
        for dj in range(span + 1):
            mask = (i0 + di <= i1) & (j0 + dj <= j1)
            grid[j0[mask] + dj, i0[mask] + di] = _CELL_EDGE

    free_rows, free_columns = np.nonzero(grid != _CELL_EDGE)
    centre_lon = min_lon + (free_columns + 0.5) * cell_w
    centre_lat = min_lat + (free_rows + 0.5) * cell_h
    inside = shapely.contains_xy(geometry, centre_lon, centre_lat)
    grid[free_rows, free_columns] = np.where(inside, _CELL_INSIDE, _CELL_OUTSIDE)
    return columns, rows, grid.tobytes()


class CompiledCorridor(CompiledZone):
    __slots__ = ("half_width_sq", "segments")

    def __init__(self, zone: Zone, corridor: Corridor) -> None:
        half = corridor.width_m / 2.0
        grow_lat = half / METRES_PER_DEGREE
        segments = []
        lats = [lat for _, lat in corridor.line]
        lons = [lon for lon, _ in corridor.line]
        max_abs_lat = min(89.0, max(abs(v) for v in lats) + grow_lat)
        grow_lon = half / (METRES_PER_DEGREE * math.cos(math.radians(max_abs_lat)))
        for (lon_a, lat_a), (lon_b, lat_b) in itertools.pairwise(corridor.line):
            # Each segment is measured on its own plane, scaled at its middle latitude.
            scale = METRES_PER_DEGREE * math.cos(math.radians((lat_a + lat_b) / 2))
            along_x = (lon_b - lon_a) * scale
            along_y = (lat_b - lat_a) * METRES_PER_DEGREE
            segments.append(
                (
                    min(lat_a, lat_b) - grow_lat,
                    max(lat_a, lat_b) + grow_lat,
                    min(lon_a, lon_b) - grow_lon,
                    max(lon_a, lon_b) + grow_lon,
                    lat_a,
                    lon_a,
                    scale,
                    along_x,
                    along_y,
                    along_x * along_x + along_y * along_y,
                )
            )
        bbox = BoundingBox(
            min(lats) - grow_lat, min(lons) - grow_lon, max(lats) + grow_lat, max(lons) + grow_lon
        )
        super().__init__(zone, bbox)
        self.segments = tuple(segments)
        self.half_width_sq = half * half

    def contains(self, lat: float, lon: float) -> bool:
        """Distance to the route (on each segment's local plane) ≤ half the width."""
        if lat < self.min_lat or lat > self.max_lat or lon < self.min_lon or lon > self.max_lon:
            return False
        for lo_lat, hi_lat, lo_lon, hi_lon, lat_a, lon_a, scale, along_x, along_y, length_sq in self.segments:
            if lat < lo_lat or lat > hi_lat or lon < lo_lon or lon > hi_lon:
                continue
            px = (lon - lon_a) * scale
            py = (lat - lat_a) * METRES_PER_DEGREE
            fraction = (px * along_x + py * along_y) / length_sq if length_sq > 0.0 else 0.0
            fraction = 0.0 if fraction < 0.0 else (1.0 if fraction > 1.0 else fraction)
            dx = px - fraction * along_x
            dy = py - fraction * along_y
            if dx * dx + dy * dy <= self.half_width_sq:
                return True
        return False


def compile_zone(zone: Zone) -> CompiledZone:
    """Precompute the fast test for ``zone`` (see the module docstring)."""
    shape = zone.shape
    if isinstance(shape, Circle):
        return CompiledCircle(zone, shape)
    if isinstance(shape, Polygon):
        return CompiledPolygon(zone, shape)
    return CompiledCorridor(zone, shape)


# --- the vectorised table -------------------------------------------------------------------------

_KIND_CIRCLE: Final = 0
_KIND_POLYGON: Final = 1
_KIND_CORRIDOR: Final = 2


class ZoneTable:
    """Many compiled zones as numpy columns: :meth:`contains_pairs` tests (zone, point) pairs.

    Answers are identical to each zone's ``contains`` (same formulas; the polygon edge cells go to
    the same shapely predicate, vectorised). The table copies the polygons' rasters into one array
    and points each polygon at its slice of it, so a raster is held once, not twice.
    """

    def __init__(self, zones: Sequence[CompiledZone]) -> None:
        self.zones = tuple(zones)
        count = len(self.zones)
        self.kind = np.empty(count, dtype=np.int8)
        self.min_lat = np.array([z.min_lat for z in self.zones], dtype=np.float64)
        self.max_lat = np.array([z.max_lat for z in self.zones], dtype=np.float64)
        self.min_lon = np.array([z.min_lon for z in self.zones], dtype=np.float64)
        self.max_lon = np.array([z.max_lon for z in self.zones], dtype=np.float64)
        # Circle columns (zeros elsewhere).
        self.center_lat = np.zeros(count)
        self.center_lon = np.zeros(count)
        self.scale_lon = np.zeros(count)
        self.inner_sq = np.zeros(count)
        self.outer_sq = np.zeros(count)
        self.radius = np.zeros(count)
        # Polygon columns.
        self.grid_lon = np.zeros(count)
        self.grid_lat = np.zeros(count)
        self.lon_scale = np.zeros(count)
        self.lat_scale = np.zeros(count)
        self.columns = np.ones(count, dtype=np.intp)
        self.rows = np.ones(count, dtype=np.intp)
        self.grid_offset = np.zeros(count, dtype=np.intp)
        self.geometries = np.empty(count, dtype=object)
        grids: list[bytes | memoryview] = []
        offset = 0
        for index, zone in enumerate(self.zones):
            if isinstance(zone, CompiledCircle):
                self.kind[index] = _KIND_CIRCLE
                self.center_lat[index] = zone.center_lat
                self.center_lon[index] = zone.center_lon
                self.scale_lon[index] = zone.metres_per_degree_lon
                self.inner_sq[index] = zone.inner_sq
                self.outer_sq[index] = zone.outer_sq
                self.radius[index] = zone.radius_m
            elif isinstance(zone, CompiledPolygon):
                self.kind[index] = _KIND_POLYGON
                self.grid_lon[index] = zone.grid_lon
                self.grid_lat[index] = zone.grid_lat
                self.lon_scale[index] = zone.lon_scale
                self.lat_scale[index] = zone.lat_scale
                self.columns[index] = zone.columns
                self.rows[index] = zone.rows
                self.grid_offset[index] = offset
                self.geometries[index] = zone.geometry
                grids.append(zone.grid)
                offset += len(zone.grid)
            else:
                self.kind[index] = _KIND_CORRIDOR
        self.grid = np.frombuffer(b"".join(grids), dtype=np.uint8) if grids else np.zeros(1, np.uint8)
        shared = self.grid.data
        for index, zone in enumerate(self.zones):
            if isinstance(zone, CompiledPolygon):
                start = int(self.grid_offset[index])
                zone.grid = shared[start : start + len(zone.grid)]

    def contains_pairs(self, zone: IntArray, lat: FloatArray, lon: FloatArray) -> BoolArray:
        """``out[i] = zones[zone[i]].contains(lat[i], lon[i])`` for every pair, vectorised."""
        out = np.zeros(len(zone), dtype=np.bool_)
        if len(zone) == 0:
            return out
        inside_box = (
            (lat >= self.min_lat[zone])
            & (lat <= self.max_lat[zone])
            & (lon >= self.min_lon[zone])
            & (lon <= self.max_lon[zone])
        )
        candidates = np.flatnonzero(inside_box)
        if len(candidates) == 0:
            return out
        candidate_zone = zone[candidates]
        kind = self.kind[candidate_zone]

        pick = kind == _KIND_CIRCLE
        if pick.any():
            self._circles(out, candidates[pick], candidate_zone[pick], lat, lon)
        pick = kind == _KIND_POLYGON
        if pick.any():
            self._polygons(out, candidates[pick], candidate_zone[pick], lat, lon)
        pick = kind == _KIND_CORRIDOR
        if pick.any():
            for index, zone_index in zip(candidates[pick], candidate_zone[pick], strict=True):
                out[index] = self.zones[zone_index].contains(float(lat[index]), float(lon[index]))
        return out

    def _circles(
        self, out: BoolArray, index: IntArray, zone: IntArray, lat: FloatArray, lon: FloatArray
    ) -> None:
        plat = lat[index]
        plon = lon[index]
        dx = (plon - self.center_lon[zone]) * self.scale_lon[zone]
        dy = (plat - self.center_lat[zone]) * METRES_PER_DEGREE
        distance_sq = dx * dx + dy * dy
        inside = distance_sq <= self.inner_sq[zone]
        band = ~inside & (distance_sq <= self.outer_sq[zone])
        if band.any():
            exact = haversine_m_array(
                plat[band], plon[band], self.center_lat[zone[band]], self.center_lon[zone[band]]
            )
            inside[band] = exact <= self.radius[zone[band]]
        out[index] = inside

    def _polygons(
        self, out: BoolArray, index: IntArray, zone: IntArray, lat: FloatArray, lon: FloatArray
    ) -> None:
        plat = lat[index]
        plon = lon[index]
        columns = self.columns[zone]
        column = np.minimum(
            ((plon - self.grid_lon[zone]) * self.lon_scale[zone]).astype(np.intp), columns - 1
        )
        row = np.minimum(
            ((plat - self.grid_lat[zone]) * self.lat_scale[zone]).astype(np.intp), self.rows[zone] - 1
        )
        cell = self.grid[self.grid_offset[zone] + row * columns + column]
        inside = cell == _CELL_INSIDE
        edge = np.flatnonzero(cell == _CELL_EDGE)
        if len(edge):
            inside[edge] = shapely.contains_xy(self.geometries[zone[edge]], plon[edge], plat[edge])
        out[index] = inside
