"""H02: text and binary frames per message kind, replies, encoders and the stream framer.

The device frames are captures kept in Traccar's ``H02ProtocolDecoderTest``; where that test states
the expected position (time, validity, latitude, longitude) the same values are asserted here.
"""

from __future__ import annotations

import contextlib
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.monitoring.domain.protocols import (
    H02Framer,
    MalformedFrame,
    ProtocolError,
    decode_h02,
    decode_h02_message,
    encode_h02_binary_location,
    encode_h02_heartbeat,
    encode_h02_location,
    h02_reply,
)
from qorgau.monitoring.domain.protocols.model import KNOTS_TO_KMH

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
V1_COSTA_RICA = (
    b"*HQ,4210051415,V1,164549,A,0956.3869,N,08406.7068,W,000.00,000,221215,FFFFFBFF,712,01,0,0,6#"
)
V1_DEGREE_DASH = b"*HQ,1451316409,V1,030149,A,-23-29.0095,S,-46-51.5852,W,2.4,065,070315,FFFFFFFF#"
V1_NO_VALIDITY = b"*HQ,355488020119695,V1,050418,,2827.61232,N,07703.84822,E,0.00,0,031015,FFFEFBFF#"
V1_BATTERY_BEFORE_DATE = (
    b"*HQ,4210209006,V1,054048,A,2828.2297,N,07733.4332,E,000.5,047,4,080918,EEE7FBDF,4261193,0#"
)
V19_WITH_SIM = (
    b"*HQ,4209951296,V19,214452,A,5201.0178,N,01830.5029,E,000.00,000,200417,,195.63.13.195,"
    b"89480610500392633029,BFFFFBFF#"
)
V4_REPLY = (
    b"*TH,2020916012,V4,S23,165.165.33.250:8800,130305,050316,A,2212.8745,N,11346.6574,E,14.28,028,"
    b"220902,FFFFFBFF#"
)
NBR = (
    b"*HQ,4109179024,NBR,103732,722,310,0,6,8106,32010,23,8101,22007,25,8106,12010,23,8106,22105,22,"
    b"8101,22012,16,8106,42010,5,100217,FFFFFBFF,5#"
)
LINK = b"*HQ,1700086468,LINK,180902,15,0,84,0,0,240517,FFFFFBFF#"
V3 = b"*HQ,353111080001055,V3,044855,28403,01,001450,011473,158,-62,0292,0,X,030817,FFFFFBFF#"
NO_FIX = b"*HQ,353505510948929,V1,,V,,N,,E,0.00,0,,FFFFF7FF,f0,a,11a0,c0c6#"
BINARY_BOGOTA = bytes.fromhex(
    "24410600082621532131081504419390060740418306000000fffffbfdff0015060000002c02dc0c000000001f"
)
BINARY_SHORT = bytes.fromhex("2441060116601245431311165035313006004318210e000000fffffbffff0024")
BINARY_LONG_ID = bytes.fromhex(
    "2435248308419329301047591808172627335900074412294E024138FEFFFFFFFF01120064BA73005ECC"
)


# --- text position reports -----------------------------------------------------------------------


def test_v1_report_decodes_to_the_position_traccar_expects() -> None:
    message = decode_h02_message(V1_COSTA_RICA, NOW)
    fix = message.fix
    assert (message.kind, message.command, message.device_id) == ("location", "V1", "4210051415")
    assert fix is not None
    assert fix.time == datetime(2015, 12, 22, 16, 45, 49, tzinfo=UTC)
    assert fix.valid is True
    assert fix.lat == pytest.approx(9.93978, abs=1e-5) and fix.lon == pytest.approx(-84.11178, abs=1e-5)
    assert fix.attributes["status"] == "FFFFFBFF" and fix.event is None


def test_v1_with_degree_dash_minutes_coordinates() -> None:
    fix = decode_h02(V1_DEGREE_DASH, NOW)
    assert fix is not None and fix.time == datetime(2015, 3, 7, 3, 1, 49, tzinfo=UTC)
    assert fix.lat == pytest.approx(-23.48349, abs=1e-5) and fix.lon == pytest.approx(-46.85975, abs=1e-5)
    assert fix.speed_kmh == pytest.approx(2.4 * KNOTS_TO_KMH) and fix.course == 65.0


def test_v1_with_empty_validity_is_not_valid() -> None:
    fix = decode_h02(V1_NO_VALIDITY, NOW)
    assert fix is not None and fix.valid is False
    assert fix.lat == pytest.approx(28.46021, abs=1e-5) and fix.lon == pytest.approx(77.06414, abs=1e-5)


def test_v1_with_a_battery_field_before_the_date_and_a_power_cut_status() -> None:
    fix = decode_h02(V1_BATTERY_BEFORE_DATE, NOW)
    assert fix is not None and fix.time == datetime(2018, 9, 8, 5, 40, 48, tzinfo=UTC)
    assert fix.attributes["battery_raw"] == "4"
    assert fix.event == "power_cut"  # status bit 19 cleared (negative logic)


def test_v19_keeps_the_sim_fields_and_reads_the_status_after_them() -> None:
    fix = decode_h02(V19_WITH_SIM, NOW)
    assert fix is not None and fix.attributes["sim"] == ["", "195.63.13.195", "89480610500392633029"]
    assert fix.attributes["status"] == "BFFFFBFF"


def test_v4_command_reply_keeps_the_reply_and_decodes_the_position() -> None:
    message = decode_h02_message(V4_REPLY, NOW)
    assert message.kind == "location" and message.fix is not None
    assert message.fix.attributes["reply"] == "S23,165.165.33.250:8800,130305"
    assert message.fix.time == datetime(2002, 9, 22, 5, 3, 16, tzinfo=UTC)


def test_report_without_a_fix_has_no_position_and_the_receive_time() -> None:
    fix = decode_h02(NO_FIX, NOW)
    assert fix is not None and not fix.has_position and fix.valid is False
    assert fix.time == NOW and fix.attributes["time_source"] == "server"


def test_status_word_with_sos_bit_cleared_raises_sos() -> None:
    frame = encode_h02_location("4210051415", time=NOW, lat=43.2, lon=76.9, status=0xFFFBFFFF)
    fix = decode_h02(frame, NOW)
    assert fix is not None and fix.event == "sos"


# --- heartbeats, cell reports, other types -------------------------------------------------------


def test_heartbeat_has_no_fix_but_names_the_device_and_battery() -> None:
    message = decode_h02_message(encode_h02_heartbeat("353456789012345", 80), NOW)
    assert (message.kind, message.device_id, message.fix, message.battery) == (
        "heartbeat", "353456789012345", None, 80.0,
    )  # fmt: skip
    assert decode_h02(encode_h02_heartbeat("353456789012345"), NOW) is None


def test_nbr_report_lists_the_cells_without_a_position() -> None:
    message = decode_h02_message(NBR, NOW)
    assert message.kind == "status" and message.fix is not None and not message.fix.has_position
    cells = message.fix.attributes["cells"]
    assert isinstance(cells, list) and len(cells) == 6
    assert cells[0] == {"mcc": 722, "mnc": 310, "lac": 8106, "cell_id": 32010, "signal": 23}
    assert message.fix.time == datetime(2017, 2, 10, 10, 37, 32, tzinfo=UTC)


def test_link_report_carries_battery_and_steps() -> None:
    message = decode_h02_message(LINK, NOW)
    assert message.kind == "status" and message.battery == 84.0
    assert message.fix is not None and message.fix.attributes["steps"] == 0


def test_v3_report_decodes_mcc_and_mnc_from_one_field() -> None:
    fix = decode_h02(V3, NOW)
    assert fix is not None and fix.attributes["cells"] == [
        {"mcc": 284, "mnc": 3, "lac": 1450, "cell_id": 11473}
    ]


def test_unknown_type_is_other_and_needs_no_reply() -> None:
    message = decode_h02_message(b"*HQ,356327080425330,XT,1,100#", NOW)
    assert (message.kind, message.fix, h02_reply(message, NOW)) == ("other", None, None)


def test_frame_without_device_id_leaves_it_to_the_connection() -> None:
    message = decode_h02_message(b"*HQ,,V1,173212,A,2225.78879,S,02829.19021,E,0.00,0,290418,FFFFFBFF#", NOW)
    assert message.device_id == "" and message.fix is not None and message.fix.has_position
    assert h02_reply(message, NOW) is None


# --- binary frames -------------------------------------------------------------------------------


def test_binary_frame_decodes_to_the_position_traccar_expects() -> None:
    message = decode_h02_message(BINARY_BOGOTA, NOW)
    fix = message.fix
    assert (message.kind, message.device_id, message.binary) == ("location", "4106000826", True)
    assert fix is not None and fix.time == datetime(2015, 8, 31, 21, 53, 21, tzinfo=UTC)
    assert fix.valid is True
    assert fix.lat == pytest.approx(4.69898, abs=1e-5) and fix.lon == pytest.approx(-74.06971, abs=1e-5)
    assert h02_reply(message, NOW) is None


def test_short_binary_frame_of_32_bytes() -> None:
    fix = decode_h02(BINARY_SHORT, NOW)
    assert fix is not None and fix.time == datetime(2016, 11, 13, 12, 45, 43, tzinfo=UTC)
    assert fix.lat == pytest.approx(50 + 35.3130 / 60) and fix.lon == pytest.approx(4 + 31.8210 / 60)


def test_binary_frame_with_an_eight_byte_imei() -> None:
    message = decode_h02_message(BINARY_LONG_ID, NOW)
    assert message.device_id == "352483084193293"
    assert message.fix is not None and message.fix.speed_kmh == pytest.approx(24 * KNOTS_TO_KMH)
    assert message.fix.course == 138.0


def test_binary_frame_with_non_bcd_time_is_malformed() -> None:
    frame = bytearray(BINARY_SHORT)
    frame[6] = 0xAB
    with pytest.raises(MalformedFrame):
        decode_h02_message(bytes(frame), NOW)


# --- replies -------------------------------------------------------------------------------------


def test_replies_follow_the_protocol() -> None:
    assert h02_reply(decode_h02_message(V1_COSTA_RICA, NOW), NOW) == b"*HQ,4210051415,V4,V1,20250301120000#"
    assert h02_reply(decode_h02_message(NBR, NOW), NOW) == b"*HQ,4109179024,V4,NBR,20250301120000#"
    heartbeat = decode_h02_message(encode_h02_heartbeat("4210051415"), NOW)
    assert h02_reply(heartbeat, NOW) == b"*HQ,4210051415,HTBT#"


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"HQ,1,V1#",
        b"*HQ,1,V1,164549#",
        b"*HQ,1,V1,164549,A,0956.3869,N,08406.7068,W,000.00,000,221399,FFFFFBFF#",  # month 13
        b"*HQ,1,V1,164549,A,0975.3869,N,08406.7068,W,000.00,000,221215,FFFFFBFF#",  # 75 minutes
        b"*HQ,1,V1,164549,A,0956.3869,N,08406.7068,W,fast,000,221215,FFFFFBFF#",
        b"*HQ,1,NBR,103732,722,310,0,9,8106#",
        b"*HQ,\xff,V1#",
        b"$" + bytes(10),
    ],
)
def test_malformed_frames_raise_malformed_frame(frame: bytes) -> None:
    with pytest.raises(MalformedFrame):
        decode_h02_message(frame, NOW)


# --- properties ----------------------------------------------------------------------------------

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
device_ids = st.from_regex(r"[0-9]{10}", fullmatch=True)
MINUTE_RESOLUTION = 0.00005 / 60 + 1e-12  # half of 0.0001 minute, in degrees


@given(
    device_id=st.one_of(device_ids, st.from_regex(r"[0-9]{15}", fullmatch=True)),
    time=times,
    lat=latitudes,
    lon=longitudes,
    speed=st.floats(min_value=0, max_value=500),
    course=st.floats(min_value=0, max_value=359.99),
    valid=st.booleans(),
    status=st.integers(0, 0xFFFFFFFF),
)
def test_text_location_encode_then_decode_round_trips(
    device_id: str,
    time: datetime,
    lat: float,
    lon: float,
    speed: float,
    course: float,
    valid: bool,
    status: int,
) -> None:
    frame = encode_h02_location(
        device_id, time=time, lat=lat, lon=lon, speed_kmh=speed, course=course, valid=valid, status=status
    )
    message = decode_h02_message(frame, NOW)
    fix = message.fix
    assert message.device_id == device_id and fix is not None
    assert fix.time == time and fix.valid is valid
    assert math.isclose(fix.lat or 0.0, lat, abs_tol=MINUTE_RESOLUTION)
    assert math.isclose(fix.lon or 0.0, lon, abs_tol=MINUTE_RESOLUTION)
    assert math.isclose(fix.speed_kmh or 0.0, speed, abs_tol=0.005 * KNOTS_TO_KMH + 1e-9)
    assert math.isclose(fix.course or 0.0, course, abs_tol=0.005 + 1e-9)
    assert fix.attributes["status"] == f"{status:08X}"


@given(
    device_id=device_ids,
    time=times,
    lat=latitudes,
    lon=longitudes,
    knots=st.integers(0, 999),
    course=st.integers(0, 359),
    valid=st.booleans(),
)
def test_binary_location_encode_then_decode_round_trips(
    device_id: str, time: datetime, lat: float, lon: float, knots: int, course: int, valid: bool
) -> None:
    frame = encode_h02_binary_location(
        device_id, time=time, lat=lat, lon=lon, speed_kmh=knots * KNOTS_TO_KMH, course=course, valid=valid
    )
    fix = decode_h02(frame, NOW)
    assert len(frame) == 32 and fix is not None and fix.device_id == device_id
    assert (fix.time, fix.valid, fix.course) == (time, valid, float(course))
    assert fix.speed_kmh == pytest.approx(knots * KNOTS_TO_KMH)
    assert math.isclose(fix.lat or 0.0, lat, abs_tol=MINUTE_RESOLUTION)
    assert math.isclose(fix.lon or 0.0, lon, abs_tol=MINUTE_RESOLUTION)


@given(st.binary(max_size=120))
def test_arbitrary_bytes_raise_nothing_but_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_h02_message(data, NOW)


text_field = st.text(alphabet="0123456789ABCDEFNSEWV.-,: #", max_size=14)


@given(
    command=st.sampled_from(["V1", "V2", "V4", "V19", "VI1", "NBR", "LINK", "V3", "VP1", "HTBT", "XT", ""]),
    fields=st.lists(text_field, max_size=24),
)
def test_text_frames_with_arbitrary_fields_raise_nothing_but_protocol_errors(
    command: str, fields: list[str]
) -> None:
    frame = ("*HQ,4210051415," + ",".join([command, *fields]) + "#").encode("ascii")
    try:
        message = decode_h02_message(frame, NOW)
    except ProtocolError:
        return
    h02_reply(message, NOW)


@given(st.binary(min_size=31, max_size=47))
def test_binary_frames_with_arbitrary_content_raise_nothing_but_protocol_errors(body: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_h02_message(b"$" + body, NOW)


# --- framer --------------------------------------------------------------------------------------


def test_framer_joins_partial_text_frames_and_skips_line_breaks() -> None:
    framer = H02Framer()
    assert framer.feed(V1_COSTA_RICA[:20]) == []
    assert framer.feed(V1_COSTA_RICA[20:] + b"\r\n" + NBR[:5]) == [V1_COSTA_RICA]
    assert framer.feed(NBR[5:]) == [NBR]
    assert framer.dropped == 0


def test_framer_drops_a_text_start_that_meets_another_start_before_its_end() -> None:
    framer = H02Framer()
    assert framer.feed(b"*HQ,123,V1,broken" + LINK) == [LINK]
    assert framer.dropped == len(b"*HQ,123,V1,broken")


def test_framer_with_a_fixed_binary_length_cuts_binary_frames_at_once() -> None:
    framer = H02Framer(binary_length=32)
    assert framer.feed(BINARY_SHORT[:10]) == []
    assert framer.feed(BINARY_SHORT[10:]) == [BINARY_SHORT]


def test_framer_learns_the_binary_length_from_the_next_frame_start() -> None:
    framer = H02Framer()
    assert framer.feed(BINARY_BOGOTA) == []  # 45 bytes, but nothing says so yet
    assert framer.feed(BINARY_BOGOTA[:1]) == []
    assert framer.feed(BINARY_BOGOTA[1:6]) == [BINARY_BOGOTA]
    assert framer.binary_length == 45
    assert framer.feed(BINARY_BOGOTA[6:]) == [BINARY_BOGOTA]


def test_framer_does_not_learn_a_length_inflated_by_stray_bytes() -> None:
    framer = H02Framer()
    frames = framer.feed(BINARY_SHORT + b"\x00\x01" + BINARY_SHORT + BINARY_SHORT + LINK)
    assert frames == [BINARY_SHORT + b"\x00\x01", BINARY_SHORT, BINARY_SHORT, LINK]
    assert framer.binary_length == 32
    first = decode_h02(frames[0], NOW)
    assert first is not None and first.time == datetime(2016, 11, 13, 12, 45, 43, tzinfo=UTC)


def test_framer_trusts_an_unusual_binary_length_once_it_repeats() -> None:
    frame = encode_h02_binary_location("4106011660", time=NOW, lat=43.2, lon=76.9, tail=bytes(21))
    framer = H02Framer()
    assert len(frame) == 50
    assert framer.feed(frame * 3) == [frame] * 3  # the third is cut without waiting for a successor
    assert framer.binary_length == 50


def test_framer_buffer_stays_bounded_under_garbage() -> None:
    framer = H02Framer(max_text_length=512)
    for _ in range(100):
        framer.feed(b"*" + b"A" * 700)
        assert framer.buffered <= 512
    for _ in range(100):
        framer.feed(b"$" + bytes(200))
        assert framer.buffered <= 512


def text_frames() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.builds(
            lambda device_id, time, lat, lon: encode_h02_location(device_id, time=time, lat=lat, lon=lon),
            device_ids, times, latitudes, longitudes,
        ),
        st.builds(encode_h02_heartbeat, device_ids, st.integers(0, 100)),
        st.sampled_from([NBR, LINK, V3, V4_REPLY, NO_FIX]),
    )  # fmt: skip


def binary_frames() -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda device_id, time, lat, lon: encode_h02_binary_location(device_id, time=time, lat=lat, lon=lon),
        device_ids, times, latitudes, longitudes,
    )  # fmt: skip


def feed_in_pieces(framer: H02Framer, stream: bytes, cuts: list[int]) -> list[bytes]:
    received: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        received.extend(framer.feed(stream[start:end]))
    return received


garbage = st.binary(max_size=30).map(lambda chunk: bytes(byte for byte in chunk if byte not in b"*$"))


@given(
    frames=st.lists(st.tuples(st.one_of(text_frames(), binary_frames()), garbage), max_size=8), data=st.data()
)
def test_framer_with_fixed_length_yields_the_same_frames_however_split(
    frames: list[tuple[bytes, bytes]], data: st.DataObject
) -> None:
    stream = b"".join(frame + noise for frame, noise in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    framer = H02Framer(binary_length=32)
    assert feed_in_pieces(framer, stream, cuts) == [frame for frame, _ in frames]


@given(frames=st.lists(st.one_of(text_frames(), binary_frames()), max_size=8), data=st.data())
def test_framer_learning_the_length_yields_the_same_frames_however_split(
    frames: list[bytes], data: st.DataObject
) -> None:
    stream = b"".join(frames) + encode_h02_heartbeat("4210051415")  # a final frame bounds the last binary one
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    received = feed_in_pieces(H02Framer(), stream, cuts)
    assert received == [*frames, encode_h02_heartbeat("4210051415")]


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_framer_never_raises_and_keeps_its_bound(chunks: list[bytes]) -> None:
    framer = H02Framer(max_text_length=400, max_binary_length=100)
    for chunk in chunks:
        framer.feed(chunk)
        assert framer.buffered <= 400
