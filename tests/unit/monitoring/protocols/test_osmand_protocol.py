"""OsmAnd HTTP: query/form fields and the JSON body.

Query and JSON vectors are the requests kept in Traccar's ``OsmAndProtocolDecoderTest``; the
expected time of ``timestamp=1504763810`` (2017-09-07 05:56:50 UTC) is plain epoch arithmetic.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.monitoring.domain.protocols import (
    MalformedFrame,
    ProtocolError,
    decode_osmand_json,
    decode_osmand_query,
    validate_fix,
)
from qorgau.monitoring.domain.protocols.model import KNOTS_TO_KMH

NOW = datetime(2025, 9, 30, 12, 0, tzinfo=UTC)

TRACCAR_QUERIES = [
    "id=123456&timestamp=1377177267&cell=257,02,16,2224&cell=257,02,16,2223,-90"
    "&wifi=00-14-22-01-23-45,-80&wifi=00-1C-B3-09-85-15,-70",
    "id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z&hdop=6.0&altitude=224.0&speed=0.0",
    "id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579&hdop=6.0&altitude=224.0&speed=0.0",
    "lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11&altitude=384.7&speed=0.0&id=353861053849681",
    "id=123456&timestamp=1377177267&lat=60.0&lon=30.0&speed=0.0&bearing=0.0&altitude=0&hdop=0.0",
    "lat=60.0&lon=30.0&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude=0&deviceid=123456",
    "id=861001000719969&lat=41.666667&lon=-0.883333&altitude=350.059479&speed=0.000000&batt=87",
    "id=123456&timestamp=1377177267&location=60.0,30.0",
    "id=123456789012345&timestamp=1504763810&lat=40.7232948571&lon=-74.0061408571&bearing=7.19889788244"
    "&speed=40&ignition=true&rpm=933&fuel=24",
]

TRACCAR_JSON = [
    b'{"location":{"timestamp":"2025-06-15T13:45:12.862Z","coords":{"latitude":37.4219983,'
    b'"longitude":-122.084,"accuracy":5,"speed":0,"heading":-1,"altitude":5},"is_moving":false,'
    b'"odometer":0,"event":"motionchange","battery":{"level":1,"is_charging":false},'
    b'"activity":{"type":"still"},"extras":{}},"device_id":"48241179"}',
    b'{"location":{"extras":{},"mock":true,"coords":{"speed_accuracy":-1,"speed":-1,"longitude":-122.406417,'
    b'"ellipsoidal_altitude":0,"floor":null,"heading_accuracy":-1,"latitude":37.785834000000001,"accuracy":5,'
    b'"altitude_accuracy":-1,"altitude":0,"heading":-1},"is_moving":false,"age":188,"odometer":0,'
    b'"uuid":"2FB04C65-99CF-42AB-8DD3-EBCB4B108BF8","event":"motionchange","battery":{"level":-1,'
    b'"is_charging":false},"activity":{"type":"unknown","confidence":100},'
    b'"timestamp":"2025-05-09T04:11:30.579Z"},"device_id":"658765"}',
    b'{"location":{"event":"motionchange","is_moving":false,"uuid":"0e9a2473-a9a7-4c00-997b-fb97d2154e75",'
    b'"timestamp":"2021-07-21T08:06:34.444Z","odometer":0,"coords":{"latitude":-6.1148096,'
    b'"longitude":106.6837015,"accuracy":3.8,"speed":18.67,"speed_accuracy":0.26,"heading":63,'
    b'"heading_accuracy":0.28,"altitude":35.7,"altitude_accuracy":3.8},"activity":{"type":"still",'
    b'"confidence":100},"battery":{"is_charging":false,"level":0.79},"extras":{}},"device_id":"8737767034"}',
]


# --- query and form ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", TRACCAR_QUERIES)
def test_every_traccar_query_vector_decodes(query: str) -> None:
    fix = decode_osmand_query(query, NOW)
    assert fix.device_id and fix.time is not None


def test_query_fields_are_converted_to_storage_units() -> None:
    fix = decode_osmand_query(
        "id=123456789012345&timestamp=1504763810&lat=40.7232948571&lon=-74.0061408571&bearing=7.19889788244"
        "&speed=40&altitude=12.5&accuracy=8&hdop=1.5&batt=87&charge=true&ignition=true&rpm=933&note=hello",
        NOW,
    )
    assert fix.device_id == "123456789012345"
    assert fix.time == datetime(2017, 9, 7, 5, 56, 50, tzinfo=UTC)
    assert (fix.lat, fix.lon, fix.valid) == (40.7232948571, -74.0061408571, True)
    assert fix.speed_kmh == pytest.approx(40 * KNOTS_TO_KMH)
    assert (fix.course, fix.altitude, fix.accuracy_m, fix.battery, fix.charging) == (
        7.19889788244,
        12.5,
        8.0,
        87.0,
        True,
    )
    assert fix.attributes == {"hdop": 1.5, "ignition": True, "rpm": 933.0, "note": "hello"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1377177267", datetime(2013, 8, 22, 13, 14, 27, tzinfo=UTC)),
        ("1442068686579", datetime(2015, 9, 12, 14, 38, 6, 579000, tzinfo=UTC)),
        ("2016-01-27T18:55:47Z", datetime(2016, 1, 27, 18, 55, 47, tzinfo=UTC)),
        ("2025-06-15T13:45:12.862Z", datetime(2025, 6, 15, 13, 45, 12, 862000, tzinfo=UTC)),
        ("2016-01-27T20:55:47+02:00", datetime(2016, 1, 27, 18, 55, 47, tzinfo=UTC)),
        ("2014-06-04 09:10:11", datetime(2014, 6, 4, 9, 10, 11, tzinfo=UTC)),
    ],
)
def test_query_timestamp_formats(value: str, expected: datetime) -> None:
    fix = decode_osmand_query({"id": ["1"], "timestamp": [value]}, NOW)
    assert fix.time == expected


def test_query_without_timestamp_is_timed_now() -> None:
    fix = decode_osmand_query([("id", "1"), ("lat", "1"), ("lon", "2")], NOW)
    assert fix.time == NOW


def test_query_times_are_returned_in_utc_whatever_now_zone() -> None:
    almaty_now = NOW.astimezone(timezone(timedelta(hours=5)))
    fix = decode_osmand_query({"id": "1"}, almaty_now)
    assert fix.time == NOW and fix.time.utcoffset() == timedelta(0)


def test_query_location_pair_and_validity() -> None:
    fix = decode_osmand_query("id=1&location=60.0,30.0&valid=false", NOW)
    assert (fix.lat, fix.lon, fix.valid) == (60.0, 30.0, False)
    assert decode_osmand_query("id=1&location=60.0,30.0&valid=1", NOW).valid is True


def test_query_without_coordinates_is_a_report_without_position() -> None:
    fix = decode_osmand_query("id=1&batt=15", NOW)
    assert not fix.has_position and fix.valid is False and fix.battery == 15.0


def test_query_cells_and_wifi_are_kept_in_order() -> None:
    fix = decode_osmand_query(TRACCAR_QUERIES[0], NOW)
    assert fix.attributes["cells"] == [
        {"mcc": 257, "mnc": 2, "lac": 16, "cell_id": 2224},
        {"mcc": 257, "mnc": 2, "lac": 16, "cell_id": 2223, "signal": -90},
    ]
    assert fix.attributes["wifi"] == [
        {"mac": "00:14:22:01:23:45", "rssi": -80},
        {"mac": "00:1c:b3:09:85:15", "rssi": -70},
    ]


def test_query_alarm_is_normalised() -> None:
    fix = decode_osmand_query("id=1&alarm=tampering", NOW)
    assert fix.event == "tamper" and fix.attributes["alarm"] == "tampering"


def test_query_non_finite_numbers_stay_text_in_attributes() -> None:
    fix = decode_osmand_query("id=1&x=NaN&y=inf", NOW)
    assert fix.attributes == {"x": "NaN", "y": "inf"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("timestamp=1377177267&lat=60.0&lon=30.0", "id"),
        ("id=", "id"),
        ("id=1&lat=abc&lon=1", "lat"),
        ("id=1&lat=1_0&lon=1", "lat"),
        ("id=1&lat=60.0", "lon"),
        ("id=1&location=60.0", "location"),
        ("id=1&timestamp=yesterday", "timestamp"),
        ("id=1&timestamp=99999999999999999999", "timestamp"),
        ("id=1&speed=fast", "speed"),
        ("id=1&cell=257,02,16", "cell"),
        ("id=1&wifi=00-14-22-01-23-45", "wifi"),
        ("id=1&batt=full", "batt"),
        ("id=1&charge=maybe", "charge"),
        ("id=1&id=2", "id"),
    ],
)
def test_bad_query_names_the_field(query: str, field: str) -> None:
    with pytest.raises(MalformedFrame) as error:
        decode_osmand_query(query, NOW)
    assert error.value.field == field


# --- JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", TRACCAR_JSON)
def test_every_traccar_json_vector_decodes(body: bytes) -> None:
    fix = decode_osmand_json(body, NOW)
    assert fix.device_id and fix.has_position


def test_json_fields_are_converted_to_storage_units() -> None:
    fix = decode_osmand_json(TRACCAR_JSON[2], NOW)
    assert fix.device_id == "8737767034"
    assert fix.time == datetime(2021, 7, 21, 8, 6, 34, 444000, tzinfo=UTC)
    assert (fix.lat, fix.lon, fix.valid) == (-6.1148096, 106.6837015, True)
    assert fix.speed_kmh == pytest.approx(18.67 * 3.6)
    assert (fix.course, fix.accuracy_m, fix.altitude) == (63.0, 3.8, 35.7)
    assert (fix.battery, fix.charging) == (pytest.approx(79.0), False)
    assert fix.attributes["activity"] == "still" and fix.attributes["app_event"] == "motionchange"


def test_json_minus_one_means_unknown_and_mock_location_is_flagged() -> None:
    fix = decode_osmand_json(TRACCAR_JSON[1], NOW)
    assert (fix.speed_kmh, fix.course, fix.battery) == (None, None, None)
    assert fix.attributes["mock"] is True and fix.event == "mock_location"


def test_json_alarm_and_top_level_battery() -> None:
    body = {"device_id": 77, "alarm": "sos", "battery": {"level": 0.05, "is_charging": True}}
    fix = decode_osmand_json(body, NOW)
    assert (fix.device_id, fix.event, fix.charging, fix.time) == ("77", "sos", True, NOW)
    assert fix.battery == pytest.approx(5.0)
    assert not fix.has_position


def test_json_extras_become_attributes_without_overriding_decoded_ones() -> None:
    body = {
        "device_id": "1",
        "location": {"coords": {"latitude": 1, "longitude": 2}, "activity": {"type": "walking"},
                     "extras": {"activity": "spoof", "trip": "a", "count": 12, "nested": {"x": 1}}},
    }  # fmt: skip
    fix = decode_osmand_json(body, NOW)
    assert fix.attributes == {"activity": "walking", "trip": "a", "count": 12}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "body"),
        (b"not json", "body"),
        (b"[]", "body"),
        (b"\xff\xfe", "body"),
        (b"[" * 100_000, "body"),
        (b'{"location":{"timestamp":"2025-05-09T04:11:30Z"}}', "device_id"),
        (b'{"device_id":"","location":{}}', "device_id"),
        (b'{"device_id":true}', "device_id"),
        (b'{"device_id":"1","location":[]}', "location"),
        (b'{"device_id":"1","location":{"timestamp":"yesterday"}}', "location.timestamp"),
        (b'{"device_id":"1","location":{"coords":{"latitude":1}}}', "location.coords.longitude"),
        (
            b'{"device_id":"1","location":{"coords":{"latitude":"1","longitude":2}}}',
            "location.coords.latitude",
        ),
        (b'{"device_id":"1","battery":{"is_charging":"yes"}}', "battery.is_charging"),
        (b'{"device_id":"1","alarm":5}', "alarm"),
    ],
)
def test_bad_json_names_the_field(body: bytes, field: str) -> None:
    with pytest.raises(MalformedFrame) as error:
        decode_osmand_json(body, NOW)
    assert error.value.field == field


def test_json_infinite_coordinate_is_decoded_and_left_to_validate_fix() -> None:
    fix = decode_osmand_json(b'{"device_id":"1","location":{"coords":{"latitude":1e999,"longitude":2}}}', NOW)
    assert validate_fix(fix, NOW) == ["latitude is not a finite number"]


# --- properties ----------------------------------------------------------------------------------

query_keys = st.sampled_from(
    ["id", "deviceid", "timestamp", "lat", "lon", "location", "valid", "speed", "bearing", "heading",
     "altitude", "accuracy", "hdop", "batt", "charge", "cell", "wifi", "alarm", "other"]
)  # fmt: skip
query_values = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"-?[0-9]{1,14}(\.[0-9]{0,8})?", fullmatch=True),
    st.sampled_from(["true", "1", "NaN", "inf", "60.0,30.0", "257,02,16,2224", "00-14-22-01-23-45,-80",
                     "2016-01-27T18:55:47Z", "2014-06-04 09:10:11", "0001-01-01T00:00:00+05:00"]),
)  # fmt: skip


@given(st.lists(st.tuples(query_keys, query_values), max_size=12))
def test_arbitrary_query_fields_raise_nothing_but_protocol_errors(pairs: list[tuple[str, str]]) -> None:
    try:
        fix = decode_osmand_query(pairs, NOW)
    except ProtocolError:
        return
    assert fix.device_id
    json.dumps(fix.attributes, allow_nan=False)


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_query_strings_raise_nothing_but_protocol_errors(raw: str | bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_osmand_query(raw, NOW)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
json_keys = st.sampled_from(
    ["device_id", "location", "timestamp", "coords", "latitude", "longitude", "speed", "heading", "accuracy",
     "altitude", "battery", "level", "is_charging", "alarm", "extras", "mock", "activity", "type", "odometer"]
)  # fmt: skip
json_documents = st.recursive(
    json_values,
    lambda children: st.dictionaries(json_keys, children, max_size=6),
    max_leaves=30,
)


@given(json_documents)
def test_arbitrary_json_documents_raise_nothing_but_protocol_errors(document: object) -> None:
    with contextlib.suppress(ProtocolError):
        decode_osmand_json(json.dumps(document).encode(), NOW)


@given(st.binary(max_size=200))
def test_arbitrary_json_bytes_raise_nothing_but_protocol_errors(body: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_osmand_json(body, NOW)
