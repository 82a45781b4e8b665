"""Track exports (GeoJSON, GPX) and the facts of an alibi check."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

from qorgau.monitoring.domain.correlation import Track, TrackPoint
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.domain.tracks import GPX_NAMESPACE, ExportPoint, TrackExport, alibi_facts, geojson, gpx

T0 = dt.datetime(2026, 2, 1, 16, 0, tzinfo=dt.UTC)
PLACE = (43.2567, 76.9286)


def export(*offsets_minutes: int) -> TrackExport:
    points = tuple(
        ExportPoint(T0 + dt.timedelta(minutes=m), 43.25 + m * 0.001, 76.95, speed_kmh=3.6, course=90.0)
        for m in offsets_minutes
    )
    return TrackExport("p1", "o1", "860000000000001", points)


def test_geojson_has_a_line_with_the_time_of_every_coordinate_in_order() -> None:
    collection = geojson([export(10, 0, 5)])
    (feature,) = collection["features"]
    assert feature["geometry"]["type"] == "LineString"
    assert feature["geometry"]["coordinates"][0] == [76.95, 43.25]
    assert feature["properties"]["times"] == [(T0 + dt.timedelta(minutes=m)).isoformat() for m in (0, 5, 10)]
    assert feature["properties"]["person"] == "p1"


def test_an_empty_track_is_left_out() -> None:
    assert geojson([TrackExport("p", "o", "d", ())])["features"] == []


def test_gpx_is_valid_xml_with_a_point_per_position_and_speed_in_metres_per_second() -> None:
    document = ElementTree.fromstring(gpx([export(0, 1)]).split("\n", 1)[1])
    points = document.findall(f".//{{{GPX_NAMESPACE}}}trkpt")
    assert [p.get("lat") for p in points] == ["43.2500000", "43.2510000"]
    assert points[0].find(f"{{{GPX_NAMESPACE}}}time").text == "2026-02-01T16:00:00.000000Z"  # type: ignore[union-attr]
    assert points[0].find(f".//{{{GPX_NAMESPACE}}}speed").text == "1.000"  # type: ignore[union-attr]


def _track(points: list[TrackPoint]) -> Track:
    return Track("p", "o", "d", points, 0.0, 10_000_000.0)


def test_a_person_at_the_place_was_within_the_radius() -> None:
    at_place = TrackPoint(1000.0, *PLACE)
    facts = alibi_facts([_track([at_place])], *PLACE, 50.0, 900.0, 1100.0)
    assert facts.conclusion == "was_within_radius" and facts.closest is not None
    assert facts.closest.distance_m == 0.0


def test_a_person_seen_far_away_every_ten_minutes_was_elsewhere() -> None:
    far = destination(*PLACE, 90.0, 5000.0)
    points = [TrackPoint(t, *far) for t in range(0, 7201, 600)]
    facts = alibi_facts([_track(points)], *PLACE, 100.0, 0.0, 7200.0)
    assert facts.conclusion == "was_elsewhere" and facts.covered
    assert facts.fixes_in_period == 13 and facts.longest_gap_s == 600.0
    assert facts.closest is not None and round(facts.closest.distance_m) == 5000


def test_a_gap_longer_than_the_interpolation_limit_leaves_the_question_open() -> None:
    far = destination(*PLACE, 90.0, 5000.0)
    points = [TrackPoint(0.0, *far), TrackPoint(7200.0, *far)]
    facts = alibi_facts([_track(points)], *PLACE, 100.0, 0.0, 7200.0)
    assert facts.conclusion == "insufficient_data" and not facts.covered


def test_a_pass_between_two_far_fixes_places_the_person_at_the_scene() -> None:
    west = destination(*PLACE, 270.0, 2000.0)
    east = destination(*PLACE, 90.0, 2000.0)
    facts = alibi_facts(
        [_track([TrackPoint(0.0, *west), TrackPoint(600.0, *east)])], *PLACE, 50.0, 0.0, 600.0
    )
    assert facts.conclusion == "was_within_radius"
    assert facts.closest is not None and facts.closest.kind == "interpolated"
