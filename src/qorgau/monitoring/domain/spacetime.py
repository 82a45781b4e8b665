"""The space-time index of tracks: which H3 cells a person occupied or passed through, hour by hour.

"Who was within R metres of P between t1 and t2" must not scan every device's history (Traccar's
only index is (device, fix time)). The center keeps a *presence* index: a key ``(cell, bucket)``
for every H3 cell a track touched in every hour (``bucket`` = hours since the epoch), pointing to the
(order, device) whose track it was. A query looks up the cells around P for the hours of the window
and gets the few candidates; the exact answer is then computed on their fixes by the domain's
:func:`~.correlation.near`, so the index only has to be a *superset* of the truth.

Why the superset holds — for fixes and for passes between them (closest approach of a segment):

- A fix Q within R of P lies in ``cell(Q)`` at resolution 9, and every cell holding a point within
  R of P is in :func:`~.correlation.disc_cells` (its contract).
- A movement A → B (consecutive fixes at most :data:`INTERPOLATION_MAX_GAP_S` apart) is sampled at
  points at most ``s`` metres apart (:func:`segment_samples`), and each sample's cell is indexed.
  A point Q of the movement within R of P is within ``s/2`` of a sample S (along the path, which for
  these lengths equals the chord to well under a per cent), so S is within ``R + s`` of P and
  ``cell(S)`` is among the disc cells of radius ``R + s`` that :func:`query_cells` looks up.
- Long movements use coarser resolutions (:data:`RESOLUTIONS`), so a segment never needs more than
  :data:`MAX_SAMPLES` samples; queries look at every resolution (a handful of coarse cells).
- Every hour from A's to B's is indexed, so a pass at any instant of the window is found.

>>> time_bucket(7200.0), time_bucket(7199.9)
(2, 1)
>>> sorted({resolution_for_length(50.0), resolution_for_length(10_000.0)})
[7, 9]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Container, Iterable, Sequence

import h3

from qorgau.monitoring.domain.correlation import TrackPoint, disc_cells
from qorgau.monitoring.domain.geometry import haversine_m

BUCKET_SECONDS = 3600
"""Width of a time bucket of the index: one hour."""

INTERPOLATION_MAX_GAP_S = 1800.0
"""Two fixes further apart than this are not a movement: correlation does not interpolate across a
silence that long (the default signal-loss limit), neither in the index nor in the answer."""

RESOLUTIONS: tuple[int, ...] = (9, 7, 5, 3, 1, 0)
"""H3 resolutions of the index, finest first; resolution 9 (edge ≈ 200 m) holds fixes and short
movements, the coarser ones only long movements (GPS jumps included: brute force counts them too)."""

FIX_RESOLUTION = 9
MAX_SAMPLES = 32
"""A movement is cut into at most this many pieces at the resolution chosen for its length."""

SPACING_M: dict[int, float] = {
    resolution: h3.average_hexagon_edge_length(resolution, unit="m") / 2.0 for resolution in RESOLUTIONS
}
"""Largest distance between two samples of a movement at each resolution (half an average edge)."""


def time_bucket(t: float) -> int:
    """The index bucket (whole hours since 1970-01-01T00:00Z) of POSIX time ``t``."""
    return math.floor(t / BUCKET_SECONDS)


def buckets_between(t1: float, t2: float) -> range:
    """Every bucket from ``t1``'s to ``t2``'s, inclusive (``t1 <= t2``)."""
    return range(time_bucket(t1), time_bucket(t2) + 1)


def resolution_for_length(length_m: float) -> int:
    """The finest resolution at which a movement of ``length_m`` needs at most :data:`MAX_SAMPLES`
    pieces (the coarsest one, 0, for anything up to half the Earth's circumference)."""
    for resolution in RESOLUTIONS:
        if length_m <= SPACING_M[resolution] * MAX_SAMPLES:
            return resolution
    return RESOLUTIONS[-1]


def segment_samples(start: TrackPoint, end: TrackPoint) -> tuple[int, list[tuple[float, float]]]:
    """Points along ``start → end`` (linear in degrees, as :func:`~.correlation.closest_approach`
    interpolates), both ends included, no two consecutive ones more than the spacing of the returned
    resolution apart (measured by haversine, refined until true)."""
    length = haversine_m(start.lat, start.lon, end.lat, end.lon)
    resolution = resolution_for_length(length)
    spacing = SPACING_M[resolution]
    pieces = max(1, math.ceil(length / spacing))
    while True:
        points = [
            (
                start.lat + (end.lat - start.lat) * step / pieces,
                start.lon + (end.lon - start.lon) * step / pieces,
            )
            for step in range(pieces + 1)
        ]
        points[0], points[-1] = (start.lat, start.lon), (end.lat, end.lon)
        widest = max(
            (haversine_m(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(points)),
            default=0.0,
        )
        if widest <= spacing or pieces >= 4096:
            return resolution, points
        pieces *= 2


def fix_keys(point: TrackPoint) -> set[tuple[str, int]]:
    """Index keys ``(cell, bucket)`` of one fix."""
    return {(str(h3.latlng_to_cell(point.lat, point.lon, FIX_RESOLUTION)), time_bucket(point.time))}


def movement_keys(start: TrackPoint, end: TrackPoint) -> set[tuple[str, int]]:
    """Index keys of the movement between two consecutive fixes (both fixes' own keys included);
    nothing for fixes more than :data:`INTERPOLATION_MAX_GAP_S` apart (only their own keys)."""
    if start.time > end.time:
        start, end = end, start
    if end.time - start.time > INTERPOLATION_MAX_GAP_S:
        return fix_keys(start) | fix_keys(end)
    resolution, points = segment_samples(start, end)
    cells = {str(h3.latlng_to_cell(lat, lon, resolution)) for lat, lon in points}
    if resolution != FIX_RESOLUTION:
        cells.add(str(h3.latlng_to_cell(start.lat, start.lon, FIX_RESOLUTION)))
        cells.add(str(h3.latlng_to_cell(end.lat, end.lon, FIX_RESOLUTION)))
    return {(cell, bucket) for cell in cells for bucket in buckets_between(start.time, end.time)}


def presence_keys(
    track: Sequence[TrackPoint], new_times: Container[float] | None = None
) -> set[tuple[str, int]]:
    """The index keys that the fixes at ``new_times`` add to a time-ordered ``track`` (the track holds
    them and their stored neighbours): each new fix's own keys, and the keys of every movement with
    a new fix at either end. ``new_times=None``: every fix of the track is new.

    The one function that decides the rows of ``monitoring_presence``: the center calls it on every
    ingested batch, the benchmark's bulk loader on whole tracks. Fixes that arrive in time order,
    in any batches, give the union of :func:`presence_keys` of the whole track (a late fix in the
    middle adds its movements and keeps the old ones: a superset, which the index may be).
    """
    keys: set[tuple[str, int]] = set()
    previous: TrackPoint | None = None
    previous_new = False
    for point in track:
        is_new = new_times is None or point.time in new_times
        if is_new:
            keys |= fix_keys(point)
        if previous is not None and (is_new or previous_new):
            keys |= movement_keys(previous, point)
        previous, previous_new = point, is_new
    return keys


def track_keys(points: Iterable[TrackPoint]) -> set[tuple[str, int]]:
    """Every index key of a track: its fixes and the movements between consecutive ones."""
    return presence_keys(sorted(points, key=lambda p: p.time))


def query_cells(lat: float, lon: float, radius_m: float) -> set[str]:
    """The cells (all resolutions) to look up for "within ``radius_m`` of (lat, lon)"."""
    cells: set[str] = set()
    for resolution in RESOLUTIONS:
        cells |= disc_cells(lat, lon, radius_m + SPACING_M[resolution], resolution)
    return cells


def candidate_ranges(buckets: Iterable[int], t1: float, t2: float) -> list[tuple[float, float]]:
    """The time ranges of a candidate's fixes that can change a correlation answer for ``[t1, t2]``,
    given the buckets of the window in which the index found it near the place: each bucket
    widened by :data:`INTERPOLATION_MAX_GAP_S` on both sides, clipped to ``[t1 − gap, t2 + gap]``,
    overlapping or touching ranges merged; in time order.

    Why nothing that matters is left out: a fix within reach at ``τ`` indexed ``(cell, bucket(τ))``;
    a movement ``A → B`` within reach at ``τ`` indexed its cells in every bucket from A's to B's,
    ``bucket(τ)`` among them, and ``B − A ≤ gap`` puts both A and B in ``[τ − gap, τ + gap]``, inside
    the widened ``bucket(τ)``. Within a range the fixes are all the track's fixes of that time, so two
    consecutive ones there are consecutive in the track; a movement between two ranges is not
    within reach (else one range would hold both ends) — each range is measured as a track of its own.

    >>> [(a - 7200.0, b - 7200.0) for a, b in candidate_ranges([2], 7000.0, 20000.0)]
    [(-1800.0, 5400.0)]
    >>> len(candidate_ranges([2, 3], 7000.0, 20000.0)), len(candidate_ranges([2, 4], 7000.0, 20000.0))
    (1, 1)
    >>> len(candidate_ranges([2, 5], 7000.0, 30000.0))
    2
    """
    low, high = t1 - INTERPOLATION_MAX_GAP_S, t2 + INTERPOLATION_MAX_GAP_S
    ranges: list[tuple[float, float]] = []
    for bucket in sorted(set(buckets)):
        start = max(low, bucket * BUCKET_SECONDS - INTERPOLATION_MAX_GAP_S)
        end = min(high, (bucket + 1) * BUCKET_SECONDS + INTERPOLATION_MAX_GAP_S)
        if start > end:
            continue
        if ranges and start <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((start, end))
    return ranges
