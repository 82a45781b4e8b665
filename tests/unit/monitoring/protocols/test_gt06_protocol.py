"""GT06: CRC-ITU, frame decoding per packet kind, acknowledgements, encoders and the stream framer.

Known vectors are the maker's document examples (login ``78 78 0D 01 01 23 45 67 89 01 23 45 00 01
8C DD 0D 0A`` and its answer ``78 78 05 01 00 01 D9 DC 0D 0A``; location ``78 78 1F 12 0B 08 1D 11 2E
10 CF ...``) and frames captured from devices that Traccar keeps in ``Gt06ProtocolDecoderTest``.
"""

from __future__ import annotations

import contextlib
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.monitoring.domain.protocols import (
    ChecksumError,
    GT06Framer,
    MalformedFrame,
    ProtocolError,
    crc_itu,
    decode_gt06,
    encode_gt06_alarm,
    encode_gt06_frame,
    encode_gt06_heartbeat,
    encode_gt06_location,
    encode_gt06_login,
    gt06_ack,
)

LOGIN_EXAMPLE = bytes.fromhex("78780D01012345678901234500018CDD0D0A")
LOGIN_ANSWER = bytes.fromhex("78780501 0001 D9DC 0D0A".replace(" ", ""))
LOCATION_EXAMPLE = bytes.fromhex("78781F120B081D112E10CF027AC7EB0C46584900148F01CC00287D001FB8000380810D0A")
STRAP_REMOVAL_ALARM = bytes.fromhex(
    "7878251613020C12141AC5027951430C2A16F60014000900000000001A00007C550300020002F1E70D0A"
)
ALARM_0X26 = bytes.fromhex(
    "7878252612030C063816C3026C10540C38C9700144030901CC002866000EEE0C06040302000DA2DB0D0A"
)
LOCATION_0X22 = bytes.fromhex(
    "78782222120616083817c5050cc8c801a819d600152400e8011dbf003332000000004862500d0a"
)
LOGIN_WITH_TIMEZONE = bytes.fromhex("787811010863586038760942a0010000010aa4000d0a")
EXTENDED_MODULAR = bytes.fromhex(
    "797900377000000001020035000103002c0004616219d00043000b013601048153931500001a00010008"
    "08652820400643521000000101004e46760d0a"
)
ALMATY = (43.2389, 76.8897)
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def flip_bit(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


# --- CRC-ITU -------------------------------------------------------------------------------------


def test_crc_itu_matches_the_crc16_x25_check_value() -> None:
    assert crc_itu(b"123456789") == 0x906E


@pytest.mark.parametrize(
    "frame",
    [LOGIN_EXAMPLE, LOGIN_ANSWER, LOCATION_EXAMPLE, STRAP_REMOVAL_ALARM, ALARM_0X26, EXTENDED_MODULAR],
)
def test_crc_itu_reproduces_the_check_code_of_published_frames(frame: bytes) -> None:
    assert crc_itu(frame[2:-4]) == int.from_bytes(frame[-4:-2], "big")


@given(st.binary(min_size=1, max_size=300), st.data())
def test_crc_itu_detects_every_single_bit_flip(data: bytes, draw: st.DataObject) -> None:
    bit = draw.draw(st.integers(min_value=0, max_value=len(data) * 8 - 1))
    assert crc_itu(flip_bit(data, bit)) != crc_itu(data)


# --- login ---------------------------------------------------------------------------------------


def test_login_example_yields_imei_and_serial() -> None:
    message = decode_gt06(LOGIN_EXAMPLE)
    assert (message.kind, message.imei, message.serial, message.fix) == ("login", "123456789012345", 1, None)


def test_login_answer_is_the_one_the_maker_documents() -> None:
    assert gt06_ack(decode_gt06(LOGIN_EXAMPLE)) == LOGIN_ANSWER


def test_login_from_a_device_carries_model_code_and_time_zone_word() -> None:
    message = decode_gt06(LOGIN_WITH_TIMEZONE)
    assert message.imei == "863586038760942"
    assert message.attributes == {"model_code": "a001", "utc_offset_minutes": 0}
    assert message.serial == 0x010A


def test_login_encoder_writes_a_west_time_zone_that_decodes_back() -> None:
    message = decode_gt06(encode_gt06_login("358899051234567", 7, model_code=0x3601, utc_offset_minutes=-330))
    assert message.imei == "358899051234567"
    assert message.attributes["utc_offset_minutes"] == -330
    assert message.serial == 7


def test_login_encoder_reproduces_the_maker_example() -> None:
    assert encode_gt06_login("123456789012345", 1) == LOGIN_EXAMPLE


# --- location ------------------------------------------------------------------------------------


def test_location_example_decodes_to_its_documented_position() -> None:
    message = decode_gt06(LOCATION_EXAMPLE, device_id="123456789012345")
    fix = message.fix
    assert message.kind == "location" and fix is not None
    assert fix.device_id == "123456789012345"
    assert fix.time == datetime(2011, 8, 29, 17, 46, 16, tzinfo=UTC)
    assert fix.lat == pytest.approx(0x027AC7EB / 1_800_000)  # 23.1116683 N
    assert fix.lon == pytest.approx(0x0C465849 / 1_800_000)  # 114.4092850 E
    assert (fix.valid, fix.speed_kmh, fix.course) == (True, 0.0, 143.0)
    assert fix.attributes["satellites"] == 15
    assert fix.attributes["cell"] == {"mcc": 460, "mnc": 0, "lac": 0x287D, "cell_id": 0x1FB8}
    assert message.serial == 3


def test_location_0x22_reports_acc_and_the_archive_flag() -> None:
    fix = decode_gt06(LOCATION_0X22, device_id="1").fix
    assert fix is not None
    assert fix.time == datetime(2018, 6, 22, 8, 56, 23, tzinfo=UTC)
    assert (fix.lat, fix.lon) == (pytest.approx(47.06884, abs=1e-5), pytest.approx(15.44104, abs=1e-5))
    assert (fix.attributes["ignition"], fix.attributes["archive"]) == (False, False)


def test_location_south_and_west_hemispheres_are_negative() -> None:
    frame = encode_gt06_location(time=NOW, lat=-33.8688, lon=-70.6693, speed_kmh=42, course=271)
    fix = decode_gt06(frame).fix
    assert fix is not None
    assert fix.lat == pytest.approx(-33.8688, abs=1e-6) and fix.lon == pytest.approx(-70.6693, abs=1e-6)
    assert (fix.speed_kmh, fix.course) == (42.0, 271.0)


def test_location_time_is_shifted_by_the_device_clock_offset() -> None:
    frame = encode_gt06_location(time=datetime(2025, 3, 1, 17, 0, tzinfo=UTC), lat=ALMATY[0], lon=ALMATY[1])
    fix = decode_gt06(frame, device_utc_offset=timedelta(hours=5)).fix
    assert fix is not None and fix.time == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_location_without_a_position_block_is_malformed() -> None:
    with pytest.raises(MalformedFrame):
        decode_gt06(bytes.fromhex("787805120099abec0d0a"))


# --- heartbeat and alarm -------------------------------------------------------------------------


def test_heartbeat_reports_battery_charging_and_no_fix() -> None:
    message = decode_gt06(encode_gt06_heartbeat(9, voltage_level=3, gsm_signal=2, charging=True))
    assert (message.kind, message.fix, message.alarm) == ("heartbeat", None, None)
    assert message.battery == pytest.approx(50.0)
    assert message.charging is True
    assert message.attributes["gsm_signal"] == 2
    assert gt06_ack(message) == encode_gt06_frame(0x13, b"", 9)


def test_heartbeat_carrying_a_power_cut_alarm_reports_it() -> None:
    message = decode_gt06(encode_gt06_heartbeat(alarm="power_cut"))
    assert (message.kind, message.alarm) == ("heartbeat", "power_cut")


def test_strap_removal_in_the_terminal_information_is_a_tamper_alarm() -> None:
    message = decode_gt06(STRAP_REMOVAL_ALARM, device_id="7")
    assert (message.kind, message.alarm) == ("alarm", "tamper")
    assert message.fix is not None and message.fix.event == "tamper"
    assert message.fix.time == datetime(2019, 2, 12, 18, 20, 26, tzinfo=UTC)
    assert message.battery == 85.0  # a percentage where the maker's document has a 0-6 level


def test_alarm_0x26_reads_the_status_block_after_the_cell_block() -> None:
    message = decode_gt06(ALARM_0X26)
    fix = message.fix
    assert fix is not None and fix.valid is False
    assert message.alarm == "vibration"  # alarm code 0x03
    assert message.battery == pytest.approx(100.0)
    assert fix.attributes["cell"] == {"mcc": 460, "mnc": 0, "lac": 0x2866, "cell_id": 0x0EEE}


@pytest.mark.parametrize("event", ["sos", "tamper", "power_cut", "power_off", "low_battery", "geofence_exit"])
def test_alarm_encoder_and_decoder_agree_on_each_event(event: str) -> None:
    frame = encode_gt06_alarm(time=NOW, lat=ALMATY[0], lon=ALMATY[1], alarm=event, serial=42)
    message = decode_gt06(frame, device_id="865205030001234")
    assert (message.kind, message.alarm, message.serial) == ("alarm", event, 42)
    assert message.fix is not None and message.fix.event == event
    assert message.fix.device_id == "865205030001234"
    assert gt06_ack(message) == encode_gt06_frame(0x16, b"", 42)


def test_unknown_alarm_code_is_kept_raw_without_inventing_an_event() -> None:
    frame = bytearray(encode_gt06_alarm(time=NOW, lat=1.0, lon=1.0, alarm=None))
    frame[-8] = 0x7E  # alarm code byte: content[-2]
    frame[-4:-2] = crc_itu(bytes(frame[2:-4])).to_bytes(2, "big")
    message = decode_gt06(bytes(frame))
    assert message.alarm is None and message.attributes["alarm_code"] == "7E"


# --- acknowledgements and other packets ----------------------------------------------------------


def test_time_request_is_answered_with_the_server_time() -> None:
    message = decode_gt06(encode_gt06_frame(0x8A, b"", 5))
    assert gt06_ack(message) is None  # no clock given, no answer invented
    answer = gt06_ack(message, NOW)
    assert answer == encode_gt06_frame(0x8A, bytes([25, 3, 1, 12, 0, 0]), 5)


def test_information_uploads_and_commands_are_not_acknowledged() -> None:
    assert gt06_ack(decode_gt06(encode_gt06_frame(0x94, b"\x00\x01\x02", 3))) is None
    assert gt06_ack(decode_gt06(encode_gt06_frame(0x80, b"\x00", 3))) is None


def test_extended_frame_is_decoded_and_acknowledged_in_extended_framing() -> None:
    message = decode_gt06(EXTENDED_MODULAR)
    assert (message.kind, message.protocol_number, message.extended) == ("other", 0x70, True)
    location = decode_gt06(encode_gt06_location(time=NOW, lat=1.5, lon=2.5, serial=300, extended=True))
    assert location.kind == "location" and location.extended
    assert gt06_ack(location) == encode_gt06_frame(0x12, b"", 300, extended=True)


def test_checksum_mismatch_raises_checksum_error_unless_disabled() -> None:
    broken = LOGIN_EXAMPLE[:-4] + b"\x00\x00" + LOGIN_EXAMPLE[-2:]
    with pytest.raises(ChecksumError) as error:
        decode_gt06(broken)
    assert error.value.field == "crc"
    assert decode_gt06(broken, verify_crc=False).imei == "123456789012345"


@pytest.mark.parametrize(
    "frame",
    [b"", b"\x78\x78", LOGIN_EXAMPLE[:-1], LOGIN_EXAMPLE[:-2] + b"\r\r", b"\x77" + LOGIN_EXAMPLE[1:]],
)
def test_structurally_wrong_frames_are_malformed(frame: bytes) -> None:
    with pytest.raises(MalformedFrame):
        decode_gt06(frame)


# --- properties ----------------------------------------------------------------------------------

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
serials = st.integers(min_value=0, max_value=0xFFFF)
imeis = st.from_regex(r"[0-9]{15}", fullmatch=True)


@given(
    time=times,
    lat=latitudes,
    lon=longitudes,
    speed=st.integers(min_value=0, max_value=255),
    course=st.integers(min_value=0, max_value=359),
    valid=st.booleans(),
    satellites=st.integers(min_value=0, max_value=15),
    serial=serials,
    protocol_number=st.sampled_from([0x12, 0x22]),
)
def test_location_encode_then_decode_round_trips(
    time: datetime,
    lat: float,
    lon: float,
    speed: int,
    course: int,
    valid: bool,
    satellites: int,
    serial: int,
    protocol_number: int,
) -> None:
    frame = encode_gt06_location(
        time=time, lat=lat, lon=lon, speed_kmh=speed, course=course, valid=valid,
        satellites=satellites, serial=serial, protocol_number=protocol_number,
    )  # fmt: skip
    message = decode_gt06(frame, device_id="d")
    fix = message.fix
    assert fix is not None and message.serial == serial and message.protocol_number == protocol_number
    resolution = 0.5 / 1_800_000 + 1e-12
    assert math.isclose(fix.lat or 0.0, lat, abs_tol=resolution)
    assert math.isclose(fix.lon or 0.0, lon, abs_tol=resolution)
    assert (fix.time, fix.valid, fix.speed_kmh, fix.course) == (time, valid, float(speed), float(course))
    assert fix.attributes["satellites"] == satellites


@given(imei=imeis, serial=serials)
def test_login_encode_then_decode_round_trips(imei: str, serial: int) -> None:
    message = decode_gt06(encode_gt06_login(imei, serial))
    assert (message.imei, message.serial) == (imei, serial)


def valid_frames() -> st.SearchStrategy[bytes]:
    logins = st.builds(encode_gt06_login, imeis, serials)
    locations = st.builds(
        lambda time, lat, lon, serial: encode_gt06_location(time=time, lat=lat, lon=lon, serial=serial),
        times, latitudes, longitudes, serials,
    )  # fmt: skip
    heartbeats = st.builds(
        lambda serial, level: encode_gt06_heartbeat(serial, voltage_level=level), serials, st.integers(0, 6)
    )
    alarms = st.builds(
        lambda time, event: encode_gt06_alarm(time=time, lat=ALMATY[0], lon=ALMATY[1], alarm=event),
        times, st.sampled_from(["sos", "tamper", "power_cut", None]),
    )  # fmt: skip
    arbitrary = st.builds(
        lambda number, content, serial, wide: encode_gt06_frame(number, content, serial, extended=wide),
        st.integers(0, 255), st.binary(max_size=80), serials, st.booleans(),
    )  # fmt: skip
    return st.one_of(logins, locations, heartbeats, alarms, arbitrary)


@given(frame=valid_frames(), data=st.data())
def test_any_single_bit_flip_in_a_frame_is_rejected(frame: bytes, data: st.DataObject) -> None:
    bit = data.draw(st.integers(min_value=0, max_value=len(frame) * 8 - 1))
    with pytest.raises(ProtocolError):
        decode_gt06(flip_bit(frame, bit))


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_nothing_but_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_gt06(data)


@given(protocol=st.integers(0, 255), content=st.binary(max_size=120), serial=serials, extended=st.booleans())
def test_well_framed_arbitrary_content_raises_nothing_but_protocol_errors(
    protocol: int, content: bytes, serial: int, extended: bool
) -> None:
    try:
        message = decode_gt06(encode_gt06_frame(protocol, content, serial, extended=extended), device_id="x")
    except ProtocolError:
        return
    assert message.serial == serial
    gt06_ack(message, NOW)


# --- framer --------------------------------------------------------------------------------------


def test_framer_waits_for_the_rest_of_a_partial_frame() -> None:
    framer = GT06Framer()
    assert framer.feed(LOCATION_EXAMPLE[:7]) == []
    assert framer.feed(LOCATION_EXAMPLE[7:20]) == []
    assert framer.feed(LOCATION_EXAMPLE[20:] + LOGIN_EXAMPLE[:3]) == [LOCATION_EXAMPLE]
    assert framer.feed(LOGIN_EXAMPLE[3:]) == [LOGIN_EXAMPLE]
    assert framer.buffered == 0


def test_framer_drops_and_counts_garbage_between_frames() -> None:
    framer = GT06Framer()
    frames = framer.feed(b"\x00GARBAGE" + LOGIN_EXAMPLE + b"\r\n\x01\x02" + LOCATION_EXAMPLE + b"zz")
    assert frames == [LOGIN_EXAMPLE, LOCATION_EXAMPLE]
    assert framer.dropped == 8 + 4 + 2


def test_framer_is_not_stalled_by_a_start_with_a_huge_length() -> None:
    framer = GT06Framer()
    assert framer.feed(b"\x79\x79\x03\xf0\x12") == []  # noise announcing a 1 KB frame
    assert framer.feed(LOGIN_EXAMPLE) == [LOGIN_EXAMPLE]


def test_framer_buffer_stays_bounded_under_garbage() -> None:
    framer = GT06Framer(max_frame_length=512)
    for _ in range(200):
        framer.feed(b"\x78\x78\xff" + bytes(range(256)) * 4)
        assert framer.buffered < 512


garbage = st.binary(max_size=40).map(lambda chunk: bytes(byte for byte in chunk if byte not in (0x78, 0x79)))


@given(frames=st.lists(st.tuples(valid_frames(), garbage), max_size=8), data=st.data())
def test_framer_yields_the_same_frames_however_the_stream_is_split(
    frames: list[tuple[bytes, bytes]], data: st.DataObject
) -> None:
    stream = b"".join(frame + noise for frame, noise in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    framer = GT06Framer()
    received: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        received.extend(framer.feed(stream[start:end]))
    assert received == [frame for frame, _ in frames]
    assert framer.buffered == 0


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_framer_never_raises_and_keeps_its_bound(chunks: list[bytes]) -> None:
    framer = GT06Framer(max_frame_length=300)
    for chunk in chunks:
        for frame in framer.feed(chunk):
            assert frame[-2:] == b"\r\n"
        assert framer.buffered < 300
