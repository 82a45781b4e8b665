"""The history's partitioning never hides a pass: every movement within R of a place has a copy in a
partition that a query for that place reads (the property correlation over Parquet relies on)."""

from __future__ import annotations

import h3
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.jobs.history import LONG_PARTITION, HistoryLayout, movement_partitions
from qorgau.monitoring.domain.correlation import TrackPoint, closest_approach, disc_cells
from qorgau.monitoring.domain.geometry import destination

LAYOUT = HistoryLayout()
CITY = (43.2567, 76.9286)


def partition_of(point: TrackPoint) -> str:
    return str(h3.latlng_to_cell(point.lat, point.lon, LAYOUT.partition_resolution))


def stored_in(start: TrackPoint, end: TrackPoint) -> set[str]:
    return {partition_of(end)} | movement_partitions(start, end, partition_of(start), partition_of(end))


def read_for(lat: float, lon: float, radius_m: float) -> set[str]:
    return disc_cells(lat, lon, radius_m + LAYOUT.sample_spacing_m, LAYOUT.partition_resolution) | {
        LONG_PARTITION
    }


@settings(max_examples=150, deadline=None)
@given(
    bearing=st.floats(0, 360),
    offset=st.floats(0, 20_000),
    heading=st.floats(0, 360),
    length=st.floats(0, 45_000),
    fraction=st.floats(0, 1),
    side=st.floats(0, 360),
    radius=st.sampled_from([20.0, 150.0, 500.0, 3000.0, 10_000.0]),
)
def test_a_movement_that_passes_within_the_radius_is_in_a_partition_the_query_reads(
    bearing: float, offset: float, heading: float, length: float, fraction: float, side: float, radius: float
) -> None:
    start = TrackPoint(0.0, *destination(*CITY, bearing, offset))
    end = TrackPoint(600.0, *destination(start.lat, start.lon, heading, length))
    # A place near a point of the movement: at most the radius away from it.
    along = (start.lat + (end.lat - start.lat) * fraction, start.lon + (end.lon - start.lon) * fraction)
    place = destination(*along, side, radius * 0.999)
    approach = closest_approach(start, end, *place)
    assert approach.distance_m <= radius * 1.001
    assert stored_in(start, end) & read_for(*place, radius)


def test_a_short_movement_inside_one_cell_is_not_copied() -> None:
    start = TrackPoint(0.0, *CITY)
    end = TrackPoint(60.0, *destination(*CITY, 45.0, 100.0))
    if partition_of(start) == partition_of(end):
        assert movement_partitions(start, end, partition_of(start), partition_of(end)) == set()


def test_a_gps_jump_goes_to_the_long_partition() -> None:
    start = TrackPoint(0.0, *CITY)
    end = TrackPoint(60.0, *destination(*CITY, 90.0, 80_000.0))
    assert movement_partitions(start, end, partition_of(start), partition_of(end)) == {LONG_PARTITION}


def test_a_movement_across_cells_is_copied_to_the_cells_between() -> None:
    start = TrackPoint(0.0, *destination(*CITY, 270.0, 6000.0))
    end = TrackPoint(600.0, *destination(*CITY, 90.0, 6000.0))
    copies = movement_partitions(start, end, partition_of(start), partition_of(end))
    assert partition_of(TrackPoint(300.0, *CITY)) in copies and partition_of(end) not in copies
