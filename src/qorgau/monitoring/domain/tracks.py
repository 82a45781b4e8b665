"""A person's track as GeoJSON and GPX, and the facts of an alibi check — pure functions.

The service reads the positions (under a purpose and a legal basis, audited) and hands them here as
:class:`TrackPoint` lists with their order and device; nothing here touches a store.

>>> import datetime as dt
>>> t = dt.datetime(2026, 2, 1, 16, 50, tzinfo=dt.UTC)
>>> track = TrackExport("p1", "o1", "860000000000001", (ExportPoint(t, 43.25, 76.95),))
>>> geojson([track])["features"][0]["geometry"]["type"]
'Point'
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from qorgau.monitoring.domain.correlation import NearMatch, Track, near
from qorgau.monitoring.domain.spacetime import INTERPOLATION_MAX_GAP_S

GPX_NAMESPACE = "http://www.topografix.com/GPX/1/1"
WHOLE_EARTH_M = 2.1e7
"""Longer than any distance on the Earth: a "radius" that keeps every approach."""


@dataclass(frozen=True)
class ExportPoint:
    """One stored position as exported: UTC time, position, and what the device said with it."""

    time: dt.datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    course: float | None = None
    battery: float | None = None
    event: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackExport:
    """The positions of one device under one order (``person``/``order``: the references shown)."""

    person: str
    order: str
    device: str
    points: Sequence[ExportPoint]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def geojson(tracks: Iterable[TrackExport]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: per track a LineString (a Point if it has one position) whose
    ``properties.times`` lists the ISO 8601 time of each coordinate (the "coordTimes" convention)."""
    features: list[dict[str, Any]] = []
    for track in tracks:
        points = sorted(track.points, key=lambda p: p.time)
        if not points:
            continue
        coordinates = [[p.lon, p.lat] for p in points]
        geometry: dict[str, Any] = (
            {"type": "Point", "coordinates": coordinates[0]}
            if len(points) == 1
            else {"type": "LineString", "coordinates": coordinates}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "person": track.person,
                    "order": track.order,
                    "device": track.device,
                    "times": [_iso(p.time) for p in points],
                    "speeds_kmh": [p.speed_kmh for p in points],
                    "events": [p.event for p in points],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def gpx(tracks: Iterable[TrackExport], *, creator: str = "Qorgau monitoring center") -> str:
    """A GPX 1.1 document: one ``<trk>`` per track, one ``<trkseg>`` of ``<trkpt>`` with ``<time>``
    (and ``<speed>`` in m/s and ``<course>`` as the GPX 1.0 elements many readers still accept are
    not part of 1.1, speed and course go into ``<extensions>``)."""
    ElementTree.register_namespace("", GPX_NAMESPACE)
    root = ElementTree.Element(f"{{{GPX_NAMESPACE}}}gpx", {"version": "1.1", "creator": creator})
    for track in tracks:
        points = sorted(track.points, key=lambda p: p.time)
        if not points:
            continue
        trk = ElementTree.SubElement(root, f"{{{GPX_NAMESPACE}}}trk")
        ElementTree.SubElement(
            trk, f"{{{GPX_NAMESPACE}}}name"
        ).text = f"{track.person} / order {track.order} / device {track.device}"
        segment = ElementTree.SubElement(trk, f"{{{GPX_NAMESPACE}}}trkseg")
        for point in points:
            trkpt = ElementTree.SubElement(
                segment, f"{{{GPX_NAMESPACE}}}trkpt", {"lat": f"{point.lat:.7f}", "lon": f"{point.lon:.7f}"}
            )
            ElementTree.SubElement(trkpt, f"{{{GPX_NAMESPACE}}}time").text = point.time.astimezone(
                dt.UTC
            ).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            if point.speed_kmh is not None or point.course is not None:
                extensions = ElementTree.SubElement(trkpt, f"{{{GPX_NAMESPACE}}}extensions")
                if point.speed_kmh is not None:
                    ElementTree.SubElement(
                        extensions, f"{{{GPX_NAMESPACE}}}speed"
                    ).text = f"{point.speed_kmh / 3.6:.3f}"
                if point.course is not None:
                    ElementTree.SubElement(
                        extensions, f"{{{GPX_NAMESPACE}}}course"
                    ).text = f"{point.course:.1f}"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


# --- alibi ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlibiFacts:
    """What the location data say about one person, one place and one period.

    ``closest`` is the closest approach (fix or interpolated pass) within the period, ``None`` if
    there is no position in it; ``longest_gap_s`` is the longest stretch of the period not covered
    by fixes (counting from the period's start and to its end); ``covered`` says whether every
    stretch is shorter than :data:`~.spacetime.INTERPOLATION_MAX_GAP_S`, i.e. whether the track
    accounts for the whole period. ``conclusion`` is one of ``was_within_radius`` (the data place
    the person within ``radius_m``), ``was_elsewhere`` (never within it, and the track covers the
    period) and ``insufficient_data`` (never within it, but the track has gaps).
    """

    fixes_in_period: int
    first_fix: float | None
    last_fix: float | None
    longest_gap_s: float
    covered: bool
    closest: NearMatch | None
    conclusion: str


def alibi_facts(
    tracks: Sequence[Track],
    place_lat: float,
    place_lon: float,
    radius_m: float,
    t1: float,
    t2: float,
) -> AlibiFacts:
    """Facts for an alibi check of one person from their tracks (each under an order, bounded by its
    term). The closest approach uses the same brute-force rule as correlation
    (:func:`~.correlation.near`), so the report and a correlation query never disagree."""
    matches = near(
        place_lat,
        place_lon,
        WHOLE_EARTH_M,
        t1,
        t2,
        [Track("person", t.order, t.device, t.points, t.term_start, t.term_end) for t in tracks],
        max_gap_s=INTERPOLATION_MAX_GAP_S,
    )
    closest = matches[0] if matches else None
    inside = sorted(
        p.time for t in tracks for p in t.points if t1 <= p.time <= t2 and t.term_start <= p.time < t.term_end
    )
    edges = [t1, *inside, t2]
    longest_gap = max((b - a for a, b in itertools.pairwise(edges)), default=t2 - t1)
    covered = bool(inside) and longest_gap <= INTERPOLATION_MAX_GAP_S
    if closest is not None and closest.distance_m <= radius_m:
        conclusion = "was_within_radius"
    elif covered:
        conclusion = "was_elsewhere"
    else:
        conclusion = "insufficient_data"
    return AlibiFacts(
        fixes_in_period=len(inside),
        first_fix=inside[0] if inside else None,
        last_fix=inside[-1] if inside else None,
        longest_gap_s=0.0 if math.isinf(longest_gap) else longest_gap,
        covered=covered,
        closest=closest,
        conclusion=conclusion,
    )
