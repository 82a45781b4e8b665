"""Small-scale geometry on the Earth for zones, rules and crime-scene correlation.

Everything works in degrees of WGS 84 latitude and longitude on a spherical Earth of mean radius
:data:`EARTH_RADIUS_M`; the sphere's error against the ellipsoid (below 0.5 %) is far under the
10 m accuracy that NIJ Standard-1004.00 asks of an offender tracking device.

Distances at the scale of a zone (metres to tens of kilometres) are taken on a *local plane*: the
equirectangular projection around an origin, ``x = Δlon·cos(lat₀)·m°``, ``y = Δlat·m°``. It is an
affine map of (lon, lat), so straight edges and point-in-polygon answers are the same in degrees and
on the plane, and a squared distance costs two multiplications. Where exactness matters (circle
boundaries) the callers fall back to :func:`haversine_m` inside a proven error band.

Antimeridian-crossing shapes are not supported (no monitored territory needs them).

>>> round(haversine_m(43.238, 76.945, 43.238, 76.955))
810
>>> plane = LocalPlane.around(43.238, 76.945)
>>> x, y = plane.to_xy(43.238, 76.955)
>>> round(x), round(y)
(810, 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""

METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0
"""Length of one degree of latitude (and of longitude at the equator) on the sphere, metres."""

FloatArray = npt.NDArray[np.float64]


class GeometryError(ValueError):
    """A coordinate or shape that cannot describe a place on the Earth (names the bad value)."""


def check_latlon(lat: float, lon: float) -> None:
    """Raise :class:`GeometryError` unless ``lat`` ∈ [-90, 90] and ``lon`` ∈ [-180, 180], both finite."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise GeometryError(f"latitude {lat!r} is outside [-90, 90]")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise GeometryError(f"longitude {lon!r} is outside [-180, 180]")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    half_dphi = (phi2 - phi1) * 0.5
    half_dlambda = math.radians(lon2 - lon1) * 0.5
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def haversine_m_array(
    lat1: FloatArray | float, lon1: FloatArray | float, lat2: FloatArray | float, lon2: FloatArray | float
) -> FloatArray:
    """Vectorised :func:`haversine_m` (numpy broadcasting); same formula, same rounding."""
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    half_dphi = (phi2 - phi1) * 0.5
    half_dlambda = np.radians(np.subtract(lon2, lon1)) * 0.5
    h = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, h))), dtype=np.float64)


def destination(lat: float, lon: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """The point reached from (lat, lon) along a great circle: returns (lat, lon) in degrees."""
    delta = distance_m / EARTH_RADIUS_M
    theta = math.radians(bearing_deg)
    phi1 = math.radians(lat)
    lambda1 = math.radians(lon)
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * sin_phi2
    )
    lon2 = (math.degrees(lambda2) + 540.0) % 360.0 - 180.0
    return math.degrees(phi2), lon2


@dataclass(frozen=True, slots=True)
class LocalPlane:
    """Equirectangular plane around an origin: metres east (x) and north (y) of the origin.

    Accurate for distances measured *near* the origin: the relative error of a distance ``d`` taken
    ``Δ`` metres north or south of the origin is about ``|tan(lat₀)|·Δ/R``; at 43° N and 5 km
    that is 7·10⁻⁴. Callers that need exactness use :func:`haversine_m` near decision boundaries.
    """

    origin_lat: float
    origin_lon: float
    metres_per_degree_lon: float
    metres_per_degree_lat: float = METRES_PER_DEGREE

    @classmethod
    def around(cls, lat: float, lon: float) -> LocalPlane:
        """The plane whose origin is (lat, lon); the x scale is the parallel's length at ``lat``."""
        return cls(lat, lon, METRES_PER_DEGREE * math.cos(math.radians(lat)))

    def to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Project (lat, lon) to (x east, y north) metres."""
        return (
            (lon - self.origin_lon) * self.metres_per_degree_lon,
            (lat - self.origin_lat) * self.metres_per_degree_lat,
        )

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        """Inverse of :meth:`to_xy`."""
        return (
            self.origin_lat + y / self.metres_per_degree_lat,
            self.origin_lon + x / self.metres_per_degree_lon,
        )


def closest_point_on_segment(
    px: float, py: float, ax: float, ay: float, bx: float, by: float
) -> tuple[float, float]:
    """Closest point of segment a→b to p on a plane: returns (squared distance, fraction along a→b).

    The fraction is 0 at ``a``, 1 at ``b``; a degenerate segment (a = b) returns fraction 0.
    """
    sx = bx - ax
    sy = by - ay
    length_sq = sx * sx + sy * sy
    if length_sq == 0.0:
        fraction = 0.0
    else:
        fraction = ((px - ax) * sx + (py - ay) * sy) / length_sq
        fraction = 0.0 if fraction < 0.0 else (1.0 if fraction > 1.0 else fraction)
    dx = ax + fraction * sx - px
    dy = ay + fraction * sy - py
    return dx * dx + dy * dy, fraction


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A closed box in degrees; ``contains`` is the cheap prefilter before any exact test."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon
