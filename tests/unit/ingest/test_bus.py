"""The wire contract between the edge and the workers: partitions, message bodies, message ids."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.ingest.bus import IngestSettings, decode_fix, encode_fix, message_id, partition_of
from qorgau.monitoring.domain.protocols import DecodedFix

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
fixes = st.builds(
    DecodedFix,
    device_id=st.text(min_size=1, max_size=30),
    time=st.none() | times,
    lat=st.none() | st.floats(min_value=-90, max_value=90),
    lon=st.none() | st.floats(min_value=-180, max_value=180),
    valid=st.booleans(),
    speed_kmh=st.none() | finite,
    course=st.none() | finite,
    battery=st.none() | st.floats(min_value=0, max_value=100),
    charging=st.none() | st.booleans(),
    event=st.none() | st.sampled_from(["tamper", "power_off", "sos"]),
    attributes=st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3),
)


@given(fixes)
def test_a_fix_survives_the_wire_unchanged(fix: DecodedFix) -> None:
    assert decode_fix(encode_fix(fix)) == fix


def test_a_fix_with_a_non_finite_number_travels_with_that_number_left_out() -> None:
    fix = DecodedFix("7", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 43.2, 76.9, True, speed_kmh=math.nan)
    assert decode_fix(encode_fix(fix)).speed_kmh is None


@pytest.mark.parametrize("body", [b"", b"[]", b'{"time": null}', b"\xff"])
def test_a_body_that_is_not_a_fix_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        decode_fix(body)


@given(st.text(min_size=1, max_size=40), st.integers(min_value=1, max_value=1024))
def test_a_device_always_falls_in_one_partition_within_range(device: str, partitions: int) -> None:
    partition = partition_of(device, partitions)
    assert 0 <= partition < partitions
    assert partition_of(device, partitions) == partition


def test_partitions_are_the_same_in_another_process() -> None:
    """Python's own hash() is salted per process; the partition must not be."""
    devices = [f"86{index:013d}" for index in range(50)]
    here = [partition_of(device, 16) for device in devices]
    code = f"from qorgau.ingest.bus import partition_of;print([partition_of(d, 16) for d in {devices!r}])"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert there.strip() == str(here)


def test_devices_spread_over_the_partitions() -> None:
    counts = [0] * 16
    for index in range(16_000):
        counts[partition_of(f"86{index:013d}", 16)] += 1
    assert max(counts) < 1.15 * 1000 and min(counts) > 0.85 * 1000


def test_the_message_id_is_the_device_and_the_fix_time_in_utc() -> None:
    almaty = dt.timezone(dt.timedelta(hours=5))
    here = DecodedFix("7", dt.datetime(2026, 1, 1, 5, 0, tzinfo=almaty), 43.2, 76.9, True)
    there = DecodedFix("7", dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC), 43.3, 76.8, True)
    assert message_id(here) == message_id(there) == "7@2026-01-01T00:00:00+00:00"


def test_settings_name_the_subjects_consumers_and_lease_bucket_of_a_group() -> None:
    settings = IngestSettings(url="nats://a:4222, nats://b:4222", group="replay")
    assert settings.servers == ["nats://a:4222", "nats://b:4222"]
    assert settings.subject(3) == "qorgau.fixes.3"
    assert settings.consumer(3) == "replay-p3"
    assert settings.lease_bucket == "replay_leases"
    assert IngestSettings(url=None).servers == []
