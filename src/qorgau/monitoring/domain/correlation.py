"""Crime-scene correlation geometry: who was within R metres of a place between two times.

Between two fixes a person moved along (roughly) the segment joining them, so a pass near the
scene can hide between two fixes that are both far away. :func:`closest_approach` finds the point of
a segment nearest to the place on the place's local plane and the time at which the person was
there (linear interpolation); :func:`near` is the brute-force reference answer that every indexed
path (SQLite, PostgreSQL, Spark) must reproduce exactly — it measures every fix and movement it is
given (only those provably beyond the radius are skipped, see :class:`ReachBox`) and is easy to audit.

Only fixes inside the term of an order count: a :class:`Track` carries its order's term and
:func:`near` ignores everything outside it (principle: no tracking without an order).

The H3 helpers serve a (cell, time) index: :func:`disc_cells` lists the cells that cover every point
within R of a place, so "who was near P" becomes an equality lookup on a few cells;
:func:`segment_cells` lists cells covering a segment, to index passes between fixes.

>>> a = TrackPoint(0.0, 43.2500, 76.9400)
>>> b = TrackPoint(600.0, 43.2500, 76.9600)
>>> approach = closest_approach(a, b, 43.2510, 76.9500)
>>> round(approach.distance_m), round(approach.time), approach.interpolated
(111, 300, True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import h3

from qorgau.monitoring.domain.geometry import (
    EARTH_RADIUS_M,
    LocalPlane,
    check_latlon,
    closest_point_on_segment,
    haversine_m,
)

MatchKind = Literal["fix", "interpolated"]


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """A fix reduced to what correlation needs: POSIX ``time`` and position."""

    time: float
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Approach:
    """The closest point of a movement to a place: distance (m), when, where, and whether it lies
    strictly between two fixes (``interpolated``) or is a fix itself."""

    distance_m: float
    time: float
    lat: float
    lon: float
    interpolated: bool


def closest_approach(start: TrackPoint, end: TrackPoint, place_lat: float, place_lon: float) -> Approach:
    """The closest approach of the movement ``start → end`` to the place.

    Positions are interpolated linearly in time on the place's local plane (the equirectangular
    projection is affine, so this is also linear in degrees); the distance returned is the
    haversine distance from the place to the closest point.
    """
    approach = closest_approach_within(start, end, place_lat, place_lon, -math.inf, math.inf)
    assert approach is not None  # an unbounded window always overlaps
    return approach


def closest_approach_within(
    start: TrackPoint, end: TrackPoint, place_lat: float, place_lon: float, t1: float, t2: float
) -> Approach | None:
    """:func:`closest_approach` counting only the part of the movement inside ``[t1, t2]``;
    ``None`` if the movement and the window do not overlap."""
    if end.time < start.time:
        start, end = end, start
    if end.time < t1 or start.time > t2 or t2 < t1:
        return None
    duration = end.time - start.time
    low, high = 0.0, 1.0
    if duration > 0:
        low = max(0.0, (t1 - start.time) / duration)
        high = min(1.0, (t2 - start.time) / duration)
    plane = LocalPlane.around(place_lat, place_lon)
    ax, ay = plane.to_xy(start.lat, start.lon)
    bx, by = plane.to_xy(end.lat, end.lon)
    # The clipped sub-segment, then the closest point on it, mapped back to a fraction of the whole.
    cx, cy = ax + (bx - ax) * low, ay + (by - ay) * low
    dx, dy = ax + (bx - ax) * high, ay + (by - ay) * high
    _, along = closest_point_on_segment(0.0, 0.0, cx, cy, dx, dy)
    fraction = low + (high - low) * along
    lat = start.lat + (end.lat - start.lat) * fraction
    lon = start.lon + (end.lon - start.lon) * fraction
    at_fix = fraction in (0.0, 1.0) or (start.lat == end.lat and start.lon == end.lon)
    return Approach(
        distance_m=haversine_m(place_lat, place_lon, lat, lon),
        time=start.time + duration * fraction,
        lat=lat,
        lon=lon,
        interpolated=not at_fix,
    )


@dataclass(frozen=True, slots=True)
class ReachBox:
    """A box of latitudes and longitudes around a place: every point outside it, and every movement
    (linear in degrees) with both ends beyond the same side of it, is farther than the radius from
    the place. :func:`near` skips those without computing a distance — its answer is unchanged.

    Why (haversine, sphere of radius E): ``h = sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2)`` and
    ``d = 2E·asin(√h)``. From ``h ≥ sin²(Δφ/2)``, ``d ≥ E·|Δφ|``: a point whose latitude is more
    than ``reach/E`` from the place's is farther than ``reach``. Inside that band ``cos φ ≥ c`` (the
    cosine at the band's edge nearest a pole), so ``h ≥ cos φ₀ · c · sin²(Δλ/2)``, and a longitude
    difference (taken the short way round) of ``2·asin(sin(reach/2E) / √(cos φ₀ · c))`` or more is
    again farther than ``reach``. The box lies inside (−180°, 180°), so a point beyond its side is at
    least that far the short way round too. ``reach`` is the radius widened by a relative 10⁻⁹ and
    a micrometre, far above the rounding of :func:`haversine_m`.
    """

    lat_low: float
    lat_high: float
    lon_low: float
    lon_high: float

    @classmethod
    def around(cls, lat: float, lon: float, radius_m: float) -> ReachBox | None:
        """The box for ``radius_m`` around (lat, lon); ``None`` where it would reach a pole or the
        antimeridian (then nothing is skipped)."""
        reach = radius_m * (1.0 + 1e-9) + 1e-6
        half_lat = math.degrees(reach / EARTH_RADIUS_M)
        lat_low, lat_high = lat - half_lat, lat + half_lat
        if lat_low <= -90.0 or lat_high >= 90.0:
            return None
        edge_cosine = math.cos(math.radians(max(abs(lat_low), abs(lat_high))))
        sine = math.sin(reach / (2.0 * EARTH_RADIUS_M)) / math.sqrt(math.cos(math.radians(lat)) * edge_cosine)
        if sine >= 1.0:
            return None
        half_lon = math.degrees(2.0 * math.asin(sine))
        if lon - half_lon <= -180.0 or lon + half_lon >= 180.0:
            return None
        return cls(lat_low, lat_high, lon - half_lon, lon + half_lon)

    def excludes(self, start: TrackPoint, end: TrackPoint) -> bool:
        """Whether every point of ``start → end`` (a fix: ``start is end``) is beyond the radius."""
        return (
            (start.lat < self.lat_low and end.lat < self.lat_low)
            or (start.lat > self.lat_high and end.lat > self.lat_high)
            or (start.lon < self.lon_low and end.lon < self.lon_low)
            or (start.lon > self.lon_high and end.lon > self.lon_high)
        )


@dataclass(frozen=True, slots=True)
class Track:
    """One device's fixes under one order (any order of points; sorted by :func:`near`), with the
    order's term ``[term_start, term_end)``."""

    person: str
    order: str
    device: str
    points: Sequence[TrackPoint]
    term_start: float
    term_end: float


@dataclass(frozen=True, slots=True)
class NearMatch:
    """One row of a correlation answer: the closest approach of one person."""

    person: str
    order: str
    device: str
    distance_m: float
    time: float
    kind: MatchKind


def near(
    place_lat: float,
    place_lon: float,
    radius_m: float,
    t1: float,
    t2: float,
    tracks: Iterable[Track],
    max_gap_s: float | None = None,
    *,
    skip_far: bool = True,
) -> list[NearMatch]:
    """Brute force: every person whose track came within ``radius_m`` of the place in ``[t1, t2]``.

    A track contributes its fixes inside the window and inside its order's term, and every movement
    between two consecutive such fixes — clipped to the window — as an interpolated pass (unless the
    two fixes are more than ``max_gap_s`` apart: a long silence is not a movement). One row per
    person: the closest approach over all their tracks (ties: the earliest). Rows are sorted by
    distance, then time, then person. Raises ``ValueError`` on a bad place, radius or window.

    ``skip_far``: fixes and movements outside the :class:`ReachBox` are skipped unmeasured — they
    are provably beyond the radius, so the answer is the same; ``False`` measures every one (the
    plainest reference, for checking the skipping itself).
    """
    check_latlon(place_lat, place_lon)
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise ValueError("radius_m must be a non-negative number")
    if not t1 <= t2:
        raise ValueError("the window must not end before it starts")
    box = ReachBox.around(place_lat, place_lon, radius_m) if skip_far else None
    best: dict[str, NearMatch] = {}
    for track in tracks:
        low = max(t1, track.term_start)
        high = min(t2, track.term_end)
        if low > high:
            continue
        term_points = sorted(
            (p for p in track.points if track.term_start <= p.time < track.term_end), key=lambda p: p.time
        )
        candidates: list[Approach] = []
        for point in term_points:
            if low <= point.time <= high and (box is None or not box.excludes(point, point)):
                distance = haversine_m(place_lat, place_lon, point.lat, point.lon)
                candidates.append(Approach(distance, point.time, point.lat, point.lon, False))
        for a, b in itertools.pairwise(term_points):
            if max_gap_s is not None and b.time - a.time > max_gap_s:
                continue
            if box is not None and box.excludes(a, b):
                continue
            approach = closest_approach_within(a, b, place_lat, place_lon, low, high)
            if approach is not None:
                candidates.append(approach)
        for approach in candidates:
            if approach.distance_m > radius_m:
                continue
            match = NearMatch(
                track.person,
                track.order,
                track.device,
                approach.distance_m,
                approach.time,
                "interpolated" if approach.interpolated else "fix",
            )
            current = best.get(track.person)
            if current is None or (match.distance_m, match.time) < (current.distance_m, current.time):
                best[track.person] = match
    return sorted(best.values(), key=lambda m: (m.distance_m, m.time, m.person))


# --- H3 ------------------------------------------------------------------------------------------

INDEX_RESOLUTIONS = (9, 10)
"""Resolutions used by the (cell, time) index: 9 (edge ≈ 174 m) and 10 (edge ≈ 66 m)."""


def cell_of(lat: float, lon: float, resolution: int) -> str:
    """The H3 cell (v4 string form) that contains the point."""
    return str(h3.latlng_to_cell(lat, lon, resolution))


def _edge_lengths_m(cell: str) -> tuple[float, float]:
    lengths = [h3.edge_length(edge, unit="m") for edge in h3.origin_to_directed_edges(cell)]
    return min(lengths), max(lengths)


def disc_ring_count(lat: float, lon: float, radius_m: float, resolution: int) -> int:
    """The ``k`` for ``grid_disk`` such that the disk around the place's cell holds every cell
    containing a point within ``radius_m`` of the place.

    A point at distance R lies in a cell whose centre is within one circumradius (= edge length e)
    of it, and the place is within e of its own cell's centre, so the two centres are at most
    R + 2e apart; cells k rings away have centres at least 1.5·e·k apart (regular hexagons). Edge
    lengths vary slowly, so the local ones are used with a 15 % allowance.
    """
    shortest, longest = _edge_lengths_m(cell_of(lat, lon, resolution))
    return max(1, math.ceil((radius_m + 2.0 * longest * 1.15) / (1.5 * shortest * 0.85)))


def disc_cells(lat: float, lon: float, radius_m: float, resolution: int) -> set[str]:
    """H3 cells covering every point within ``radius_m`` of (lat, lon) at ``resolution``.

    The ``grid_disk`` of :func:`disc_ring_count` rings, pruned of cells whose centre is farther than
    R plus 1.15 circumradius from the place (they cannot hold a point of the disc).
    """
    check_latlon(lat, lon)
    centre = cell_of(lat, lon, resolution)
    k = disc_ring_count(lat, lon, radius_m, resolution)
    _, longest = _edge_lengths_m(centre)
    limit = radius_m + longest * 1.15
    kept = set()
    for cell in h3.grid_disk(centre, k):
        cell_lat, cell_lon = h3.cell_to_latlng(cell)
        if haversine_m(lat, lon, cell_lat, cell_lon) <= limit:
            kept.add(str(cell))
    return kept


def segment_cells(start: TrackPoint, end: TrackPoint, resolution: int) -> set[str]:
    """H3 cells covering the straight movement ``start → end`` (points every third of an edge, with
    their neighbours — a superset, so an index lookup never misses a pass)."""
    centre = cell_of(start.lat, start.lon, resolution)
    shortest, _ = _edge_lengths_m(centre)
    length = haversine_m(start.lat, start.lon, end.lat, end.lon)
    steps = max(1, math.ceil(length / (shortest / 3.0)))
    cells: set[str] = set()
    for step in range(steps + 1):
        fraction = step / steps
        lat = start.lat + (end.lat - start.lat) * fraction
        lon = start.lon + (end.lon - start.lon) * fraction
        cells.update(str(c) for c in h3.grid_disk(cell_of(lat, lon, resolution), 1))
    return cells
