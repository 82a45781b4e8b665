"""GT06 protocol (Concox and compatible trackers; default port 5023): CRC, framing, decoding, acks.

Frame layout (Concox "GT06 GPS Tracker Communication Protocol"; Traccar ``Gt06ProtocolDecoder``)::

    basic     78 78 | length (1) | protocol number (1) | content | serial (2) | CRC (2) | 0D 0A
    extended  79 79 | length (2) | protocol number (1) | content | serial (2) | CRC (2) | 0D 0A

``length`` counts the protocol number through the CRC (content + 5). The check code is CRC-ITU
(CRC-16/X-25: reflected polynomial 0x8408, initial 0xFFFF, final XOR 0xFFFF) over the bytes from
the length field through the serial number. Multi-byte fields are big-endian.

Packets decoded here:

* ``0x01`` login: IMEI in 8 BCD bytes (a leading 0 nibble, then 15 digits), optionally a model code
  and a time-zone word (bits 15-4: hours*100+minutes, bit 3: west). The server must answer within
  5 seconds or the device reconnects;
* location ``0x10 0x11 0x12 0x22 0x2D 0x31 0x37``: date-time (YY MM DD hh mm ss, binary), a byte
  with the satellite count in its low nibble, latitude and longitude as unsigned minutes*30000,
  speed km/h, then a word with course (bits 9-0), north (bit 10), west (bit 11), positioned (bit 12)
  and ACC (bit 15, valid when bit 14 is set); ``0x12`` and ``0x22`` add MCC, MNC, LAC, cell id,
  ``0x22`` then ACC, upload mode and a re-upload (archived position) flag;
* heartbeat ``0x13`` (terminal information, voltage level 0-6, GSM signal 0-4, alarm, language) and
  ``0x23`` (terminal information, voltage in 0.01 V, GSM signal, language);
* alarm ``0x16 0x26 0x27``: the location block, a length-prefixed cell block, then the status
  block of the heartbeat (``0x27`` adds a second language byte and a fence number).

Terminal information: bit 0 armed, bit 1 ACC, bit 2 charging, bits 5-3 alarm (1 vibration,
2 power cut, 3 low battery, 4 SOS, 6 fence, 7 removal), bit 6 GPS tracking on, bit 7 fuel/power cut
by command. The alarm byte wins over these bits; its codes follow Traccar's table (0x01 SOS,
0x02 power cut, 0x03/0x09 vibration, 0x04/0x05 fence in/out, 0x06 overspeed, 0x0E/0x0F low
battery, 0x11 power off, 0x13 tamper, 0x14 door, 0x23 fall...). A strap removal is ``tamper``.

Times in GT06 frames are the device clock, UTC unless the device was configured otherwise; pass the
offset learnt from the login (``Gt06Message.attributes["utc_offset_minutes"]``) as
``device_utc_offset`` if the fleet runs on local time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from ._fields import bcd_digits, utc_datetime
from .model import ChecksumError, DecodedFix, MalformedFrame, ensure_aware

LOGIN = 0x01
STATUS = 0x13
HEARTBEAT_GK310 = 0x23
TIME_REQUEST = 0x8A
LOCATION_TYPES = frozenset({0x10, 0x11, 0x12, 0x22, 0x2D, 0x31, 0x37})
ALARM_TYPES = frozenset({0x16, 0x26, 0x27})
_NOT_ACKNOWLEDGED = frozenset({0x80, 0x81, 0x82, 0x94})  # server commands and information uploads

_BASIC_START = b"\x78\x78"
_EXTENDED_START = b"\x79\x79"
_STOP = b"\r\n"
_COORDINATE_SCALE = 30000.0 * 60.0  # minutes * 30000

_ALARM_CODES: dict[int, str] = {
    0x01: "sos",
    0x02: "power_cut",
    0x03: "vibration",
    0x04: "geofence_enter",
    0x05: "geofence_exit",
    0x06: "overspeed",
    0x09: "vibration",
    0x0E: "low_battery",
    0x0F: "low_battery",
    0x11: "power_off",
    0x13: "tamper",
    0x14: "door",
    0x23: "fall",
    0x29: "acceleration",
    0x2A: "cornering",
    0x2B: "cornering",
    0x2C: "accident",
    0x30: "braking",
}
_TERMINAL_ALARMS: dict[int, str] = {
    1: "vibration",
    2: "power_cut",
    3: "low_battery",
    4: "sos",
    6: "geofence",
    7: "tamper",
}
_ALARM_CODE_FOR_EVENT: dict[str, int] = {
    "sos": 0x01,
    "power_cut": 0x02,
    "vibration": 0x03,
    "geofence_enter": 0x04,
    "geofence_exit": 0x05,
    "overspeed": 0x06,
    "low_battery": 0x0E,
    "power_off": 0x11,
    "tamper": 0x13,
    "door": 0x14,
    "fall": 0x23,
    "acceleration": 0x29,
    "cornering": 0x2A,
    "accident": 0x2C,
    "braking": 0x30,
}


class _Position(NamedTuple):
    time: datetime | None
    lat: float
    lon: float
    valid: bool
    speed_kmh: float
    course: float


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc_itu(data: bytes | bytearray) -> int:
    """CRC-ITU as GT06 uses it (CRC-16/X-25).

    >>> hex(crc_itu(b"123456789"))
    '0x906e'
    >>> hex(crc_itu(bytes.fromhex("0D01012345678901234500 01")))  # the maker's login example
    '0x8cdd'
    """
    crc = 0xFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF


@dataclass(frozen=True)
class Gt06Message:
    """One decoded GT06 frame.

    ``kind`` is ``"login"`` (``imei`` set), ``"location"`` or ``"alarm"`` (``fix`` set, its
    ``device_id`` the one given to :func:`decode_gt06`), ``"heartbeat"`` (no ``fix``; ``battery``,
    ``charging`` and ``alarm`` from the status block) or ``"other"``. ``alarm`` is the normalised
    event name (also ``fix.event`` when there is a fix). ``serial`` and ``extended`` feed
    :func:`gt06_ack`.
    """

    kind: str
    protocol_number: int
    serial: int
    extended: bool = False
    imei: str | None = None
    fix: DecodedFix | None = None
    alarm: str | None = None
    battery: float | None = None
    charging: bool | None = None
    attributes: dict[str, object] = field(default_factory=dict, hash=False)


class GT06Framer:
    """Cut a GT06 byte stream into frames; never raises on content, keeps its buffer bounded.

    A frame starts at ``78 78`` or ``79 79``, is as long as its length field says and ends with
    ``0D 0A``; a start whose length is impossible (below 5, or a frame above ``max_frame_length``)
    or whose frame does not end with ``0D 0A`` is dropped one byte at a time, and bytes outside
    frames are counted in ``dropped``. While a frame is incomplete, a complete frame with a valid
    CRC further on proves the start was noise, so a corrupted length cannot stall the stream.
    The CRC of emitted frames is checked by :func:`decode_gt06`, not here. Frames come out the
    same however the stream is split.
    """

    def __init__(self, *, max_frame_length: int = 1024) -> None:
        if max_frame_length < 10:
            raise ValueError("max_frame_length must be at least 10")
        self._buffer = bytearray()
        self._max_frame_length = max_frame_length
        self.dropped = 0

    @property
    def buffered(self) -> int:
        """Bytes held for an incomplete frame; always below ``max_frame_length``."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Append ``data`` and return every frame it completes, in stream order."""
        self._buffer += data
        frames: list[bytes] = []
        while (frame := self._next_frame()) is not None:
            frames.append(frame)
        return frames

    def _drop(self, count: int) -> None:
        self.dropped += count
        del self._buffer[:count]

    def _next_frame(self) -> bytes | None:
        buffer = self._buffer
        while buffer:
            start = _find_start(buffer, 0)
            if start < 0:
                keep = 1 if buffer[-1] in (0x78, 0x79) else 0  # maybe the first half of a start
                self._drop(len(buffer) - keep)
                return None
            if start:
                self._drop(start)
            total = _frame_length(buffer, self._max_frame_length)
            if total is None:
                return None
            if total < 0:
                self._drop(1)
                continue
            if len(buffer) < total:
                later = _later_complete_frame(buffer, self._max_frame_length)
                if later is None:
                    return None
                self._drop(later)
                continue
            if buffer[total - 2 : total] != _STOP:
                self._drop(1)
                continue
            frame = bytes(buffer[:total])
            del buffer[:total]
            return frame
        return None


def decode_gt06(
    frame: bytes,
    *,
    device_id: str = "",
    device_utc_offset: timedelta = timedelta(0),
    verify_crc: bool = True,
) -> Gt06Message:
    """Decode one GT06 frame as cut by :class:`GT06Framer`.

    Only the login names the device; pass the IMEI learnt from it on this connection as
    ``device_id`` so that fixes carry it. ``device_utc_offset`` is the offset of the device clock
    (zero: the device sends UTC). ``verify_crc=False`` accepts clones that send a wrong check code.
    Raises :class:`ChecksumError` for a CRC mismatch and :class:`MalformedFrame` for anything else
    that does not fit the layout.

    >>> message = decode_gt06(bytes.fromhex("78780D01012345678901234500018CDD0D0A"))
    >>> message.kind, message.imei, message.serial
    ('login', '123456789012345', 1)
    """
    frame = bytes(frame)
    if len(frame) < 10:
        raise MalformedFrame(f"frame of {len(frame)} bytes is shorter than the minimum 10")
    if frame[:2] == _BASIC_START:
        extended, header, length = False, 3, frame[2]
    elif frame[:2] == _EXTENDED_START:
        extended, header, length = True, 4, int.from_bytes(frame[2:4], "big")
    else:
        raise MalformedFrame("frame does not start with 78 78 or 79 79", field="start")
    if length < 5 or len(frame) != header + length + 2:
        raise MalformedFrame(
            f"length field {length} does not match a frame of {len(frame)} bytes", field="length"
        )
    if frame[-2:] != _STOP:
        raise MalformedFrame("frame does not end with 0D 0A", field="stop")
    expected = int.from_bytes(frame[-4:-2], "big")
    if verify_crc:
        actual = crc_itu(frame[2:-4])
        if actual != expected:
            raise ChecksumError(f"CRC {expected:04X} in frame, {actual:04X} computed", field="crc")
    protocol_number = frame[header]
    content = frame[header + 1 : -6]
    serial = int.from_bytes(frame[-6:-4], "big")

    if protocol_number == LOGIN:
        return _decode_login(content, serial, extended)
    if protocol_number in LOCATION_TYPES:
        return _decode_location(protocol_number, content, serial, extended, device_id, device_utc_offset)
    if protocol_number in ALARM_TYPES:
        return _decode_alarm(protocol_number, content, serial, extended, device_id, device_utc_offset)
    if protocol_number == STATUS:
        return _decode_status(protocol_number, content, serial, extended)
    if protocol_number == HEARTBEAT_GK310:
        return _decode_gk310_heartbeat(protocol_number, content, serial, extended)
    return Gt06Message(
        "other", protocol_number, serial, extended, attributes={"content": content.hex()[:512]}
    )


def gt06_ack(message: Gt06Message, now: datetime | None = None) -> bytes | None:
    """The acknowledgement the server sends for ``message``, or ``None`` if none is expected.

    It repeats the protocol number and serial with empty content (``78 78 05 <protocol> <serial>
    <CRC> 0D 0A``), in the framing the device used. A time request (``0x8A``) is answered with
    ``now`` (UTC) as YY MM DD hh mm ss, so it needs ``now``. Server commands (``0x80``-``0x82``) and
    information uploads (``0x94``) are not acknowledged.

    >>> gt06_ack(decode_gt06(bytes.fromhex("78780D01012345678901234500018CDD0D0A"))).hex(" ").upper()
    '78 78 05 01 00 01 D9 DC 0D 0A'
    """
    if message.protocol_number in _NOT_ACKNOWLEDGED:
        return None
    if message.protocol_number == TIME_REQUEST:
        if now is None:
            return None
        clock = ensure_aware(now)
        content = bytes([clock.year - 2000, clock.month, clock.day, clock.hour, clock.minute, clock.second])
        return encode_gt06_frame(TIME_REQUEST, content, message.serial, extended=message.extended)
    return encode_gt06_frame(message.protocol_number, b"", message.serial, extended=message.extended)


def encode_gt06_frame(
    protocol_number: int, content: bytes = b"", serial: int = 0, *, extended: bool = False
) -> bytes:
    """A complete frame around ``content`` with length, serial and CRC; basic unless ``extended``."""
    length = len(content) + 5
    if not extended and length > 0xFF:
        raise ValueError("content too long for a basic frame; use extended=True")
    if length > 0xFFFF:
        raise ValueError("content too long for a GT06 frame")
    length_field = length.to_bytes(2 if extended else 1, "big")
    body = (
        length_field + bytes([protocol_number & 0xFF]) + bytes(content) + (serial & 0xFFFF).to_bytes(2, "big")
    )
    start = _EXTENDED_START if extended else _BASIC_START
    return start + body + crc_itu(body).to_bytes(2, "big") + _STOP


def encode_gt06_login(
    imei: str, serial: int = 1, *, model_code: int | None = None, utc_offset_minutes: int | None = None
) -> bytes:
    """A login frame for ``imei`` (up to 16 digits), for tests and the demo.

    >>> encode_gt06_login("123456789012345").hex(" ").upper()
    '78 78 0D 01 01 23 45 67 89 01 23 45 00 01 8C DD 0D 0A'
    """
    if not imei.isdigit() or not 1 <= len(imei) <= 16:
        raise ValueError("imei must be 1 to 16 digits")
    content = bytes.fromhex(imei.rjust(16, "0"))
    if model_code is not None or utc_offset_minutes is not None:
        content += (model_code or 0).to_bytes(2, "big")
    if utc_offset_minutes is not None:
        hours, minutes = divmod(abs(utc_offset_minutes), 60)
        word = ((hours * 100 + minutes) << 4) | (0x8 if utc_offset_minutes < 0 else 0)
        content += word.to_bytes(2, "big")
    return encode_gt06_frame(LOGIN, content, serial)


def encode_gt06_location(
    *,
    time: datetime,
    lat: float,
    lon: float,
    speed_kmh: float = 0.0,
    course: float = 0.0,
    valid: bool = True,
    satellites: int = 9,
    serial: int = 1,
    mcc: int = 401,
    mnc: int = 2,
    lac: int = 0x2A1F,
    cell_id: int = 0x00C35B,
    protocol_number: int = 0x12,
    extended: bool = False,
) -> bytes:
    """A location frame (``0x12`` by default, or ``0x22``), for tests and the demo.

    Kazakh cell defaults (MCC 401). Speed is whole km/h (at most 255), course whole degrees,
    coordinates 1/1,800,000 degree; ``time`` is sent as UTC.
    """
    if protocol_number not in (0x12, 0x22):
        raise ValueError("encode_gt06_location writes 0x12 or 0x22 frames")
    content = _gps_block(time, lat, lon, speed_kmh, course, valid, satellites) + _cell_block(
        mcc, mnc, lac, cell_id
    )
    if protocol_number == 0x22:
        content += bytes([0x01, 0x00, 0x00])  # ACC on, upload at fixed interval, real-time (not archived)
    return encode_gt06_frame(protocol_number, content, serial, extended=extended)


def encode_gt06_heartbeat(
    serial: int = 1,
    *,
    voltage_level: int = 6,
    gsm_signal: int = 4,
    charging: bool = False,
    alarm: str | None = None,
) -> bytes:
    """A ``0x13`` heartbeat (status) frame; ``alarm`` is a normalised event name or ``None``."""
    content = _status_block(voltage_level, gsm_signal, charging, alarm)
    return encode_gt06_frame(STATUS, content, serial)


def encode_gt06_alarm(
    *,
    time: datetime,
    lat: float,
    lon: float,
    alarm: str | None,
    speed_kmh: float = 0.0,
    course: float = 0.0,
    valid: bool = True,
    satellites: int = 9,
    serial: int = 1,
    voltage_level: int = 6,
    gsm_signal: int = 4,
    charging: bool = False,
    mcc: int = 401,
    mnc: int = 2,
    lac: int = 0x2A1F,
    cell_id: int = 0x00C35B,
) -> bytes:
    """A ``0x16`` alarm frame with position, cell and status blocks, for tests and the demo."""
    cell = _cell_block(mcc, mnc, lac, cell_id)
    content = (
        _gps_block(time, lat, lon, speed_kmh, course, valid, satellites)
        + bytes([len(cell) + 1])
        + cell
        + _status_block(voltage_level, gsm_signal, charging, alarm)
    )
    return encode_gt06_frame(0x16, content, serial)


def _find_start(buffer: bytearray, offset: int) -> int:
    if buffer[offset : offset + 2] in (_BASIC_START, _EXTENDED_START):
        return offset  # the usual case: frames back to back
    basic = buffer.find(_BASIC_START, offset)
    # an extended start only matters before the basic one; bounding the search keeps feeding linear
    extended = buffer.find(_EXTENDED_START, offset, basic + 1 if basic >= 0 else len(buffer))
    if basic < 0:
        return extended
    if extended < 0:
        return basic
    return min(basic, extended)


def _frame_length(buffer: bytearray, maximum: int, offset: int = 0) -> int | None:
    """Total length of the frame starting at ``offset``: ``None`` if unknown yet, -1 if impossible."""
    extended = buffer[offset] == 0x79
    header = 4 if extended else 3
    if len(buffer) < offset + header:
        return None
    length = int.from_bytes(buffer[offset + 2 : offset + 4], "big") if extended else buffer[offset + 2]
    total = header + length + 2
    if length < 5 or total > maximum:
        return -1
    return total


def _later_complete_frame(buffer: bytearray, maximum: int) -> int | None:
    """Offset of the first complete frame with a valid CRC after the start at 0, if any."""
    offset = _find_start(buffer, 1)
    while offset >= 0:
        total = _frame_length(buffer, maximum, offset)
        if total is not None and total > 0 and len(buffer) >= offset + total:
            end = offset + total
            if buffer[end - 2 : end] == _STOP and crc_itu(buffer[offset + 2 : end - 4]) == int.from_bytes(
                buffer[end - 4 : end - 2], "big"
            ):
                return offset
        offset = _find_start(buffer, offset + 1)
    return None


def _decode_login(content: bytes, serial: int, extended: bool) -> Gt06Message:
    if len(content) < 8:
        raise MalformedFrame("login content shorter than the 8-byte terminal id", field="imei")
    digits = bcd_digits(content[:8], "imei")
    imei = digits[1:] if digits[0] == "0" else digits
    attributes: dict[str, object] = {}
    if len(content) >= 10:
        attributes["model_code"] = content[8:10].hex()
    if len(content) >= 12:
        word = int.from_bytes(content[10:12], "big")
        hours, minutes = divmod(word >> 4, 100)
        offset = hours * 60 + minutes
        attributes["utc_offset_minutes"] = -offset if word & 0x8 else offset
    return Gt06Message("login", LOGIN, serial, extended, imei=imei, attributes=attributes)


def _decode_location(
    protocol_number: int, content: bytes, serial: int, extended: bool, device_id: str, utc_offset: timedelta
) -> Gt06Message:
    attributes: dict[str, object] = {}
    position = _decode_gps(content, utc_offset, attributes)
    if protocol_number in (0x12, 0x22) and len(content) >= 26:
        attributes["cell"] = _decode_cell(content, 18)
    if protocol_number == 0x22 and len(content) >= 29:
        attributes["ignition"] = content[26] > 0
        attributes["upload_mode"] = content[27]
        attributes["archive"] = content[28] > 0  # re-uploaded from the device's memory
    fix = _fix(device_id, position, attributes)
    return Gt06Message("location", protocol_number, serial, extended, fix=fix, attributes=dict(attributes))


def _decode_alarm(
    protocol_number: int, content: bytes, serial: int, extended: bool, device_id: str, utc_offset: timedelta
) -> Gt06Message:
    status_length = 7 if protocol_number == 0x27 else 5
    if len(content) < 19 + status_length:
        raise MalformedFrame(f"alarm content of {len(content)} bytes is too short", field="content")
    attributes: dict[str, object] = {}
    position = _decode_gps(content, utc_offset, attributes)
    cell_length = content[18]
    if cell_length >= 9 and len(content) - status_length >= 19 + 8:
        attributes["cell"] = _decode_cell(content, 19)
    status = content[len(content) - status_length :]
    battery, charging, alarm = _decode_status_block(status, attributes)
    if protocol_number == 0x27:
        attributes["geofence"] = status[6]
    fix = _fix(device_id, position, attributes, battery=battery, charging=charging, event=alarm)
    return Gt06Message(
        "alarm", protocol_number, serial, extended, fix=fix, alarm=alarm, battery=battery, charging=charging,
        attributes=dict(attributes),
    )  # fmt: skip


def _decode_status(protocol_number: int, content: bytes, serial: int, extended: bool) -> Gt06Message:
    attributes: dict[str, object] = {}
    if len(content) != 5:  # 16- and 6-byte variants carry other layouts; keep them raw
        attributes["content"] = content.hex()[:512]
        return Gt06Message("heartbeat", protocol_number, serial, extended, attributes=attributes)
    battery, charging, alarm = _decode_status_block(content, attributes)
    return Gt06Message(
        "heartbeat", protocol_number, serial, extended, alarm=alarm, battery=battery, charging=charging,
        attributes=attributes,
    )  # fmt: skip


def _decode_gk310_heartbeat(protocol_number: int, content: bytes, serial: int, extended: bool) -> Gt06Message:
    if len(content) < 1:
        raise MalformedFrame("heartbeat without terminal information", field="content")
    attributes: dict[str, object] = {}
    charging, alarm = _decode_terminal_information(content[0], attributes)
    if len(content) >= 3:
        attributes["battery_volts"] = int.from_bytes(content[1:3], "big") / 100.0
    if len(content) >= 4:
        attributes["gsm_signal"] = content[3]
    return Gt06Message(
        "heartbeat", protocol_number, serial, extended, alarm=alarm, charging=charging, attributes=attributes
    )


def _fix(
    device_id: str,
    position: _Position,
    attributes: dict[str, object],
    *,
    battery: float | None = None,
    charging: bool | None = None,
    event: str | None = None,
) -> DecodedFix:
    return DecodedFix(
        device_id=device_id,
        time=position.time,
        lat=position.lat,
        lon=position.lon,
        valid=position.valid,
        speed_kmh=position.speed_kmh,
        course=position.course,
        battery=battery,
        charging=charging,
        event=event,
        attributes=attributes,
    )


def _decode_gps(content: bytes, utc_offset: timedelta, attributes: dict[str, object]) -> _Position:
    if len(content) < 18:
        raise MalformedFrame(f"position block of {len(content)} bytes, 18 expected", field="content")
    year, month, day, hour, minute, second = content[0:6]
    time: datetime | None = None
    if any(content[0:6]):
        time = utc_datetime(2000 + year, month, day, hour, minute, second, "time") - utc_offset
    attributes["satellites"] = content[6] & 0x0F
    lat = int.from_bytes(content[7:11], "big") / _COORDINATE_SCALE
    lon = int.from_bytes(content[11:15], "big") / _COORDINATE_SCALE
    flags = int.from_bytes(content[16:18], "big")
    if not flags & 0x0400:
        lat = -lat
    if flags & 0x0800:
        lon = -lon
    if flags & 0x4000:
        attributes["ignition"] = bool(flags & 0x8000)
    return _Position(time, lat, lon, bool(flags & 0x1000), float(content[15]), float(flags & 0x03FF))


def _decode_cell(content: bytes, offset: int) -> dict[str, int]:
    mcc = int.from_bytes(content[offset : offset + 2], "big")
    mnc_length = 2 if mcc & 0x8000 else 1
    position = offset + 2
    mnc = int.from_bytes(content[position : position + mnc_length], "big")
    position += mnc_length
    return {
        "mcc": mcc & 0x7FFF,
        "mnc": mnc,
        "lac": int.from_bytes(content[position : position + 2], "big"),
        "cell_id": int.from_bytes(content[position + 2 : position + 5], "big"),
    }


def _decode_status_block(
    status: bytes, attributes: dict[str, object]
) -> tuple[float | None, bool, str | None]:
    """Terminal information, voltage level, GSM signal, alarm code → battery, charging, alarm."""
    charging, terminal_alarm = _decode_terminal_information(status[0], attributes)
    level = status[1]
    battery = level * 100.0 / 6.0 if level <= 6 else (float(level) if level <= 100 else None)
    attributes["gsm_signal"] = status[2]
    alarm = _ALARM_CODES.get(status[3])
    if status[3] and alarm is None:
        attributes["alarm_code"] = f"{status[3]:02X}"
    return battery, charging, alarm or terminal_alarm


def _decode_terminal_information(value: int, attributes: dict[str, object]) -> tuple[bool, str | None]:
    attributes["armed"] = bool(value & 0x01)
    attributes.setdefault("ignition", bool(value & 0x02))
    attributes["gps_tracking"] = bool(value & 0x40)
    attributes["output_cut"] = bool(value & 0x80)
    return bool(value & 0x04), _TERMINAL_ALARMS.get((value >> 3) & 0x07)


def _gps_block(
    time: datetime, lat: float, lon: float, speed_kmh: float, course: float, valid: bool, satellites: int
) -> bytes:
    clock = time.astimezone(UTC)
    if not 2000 <= clock.year <= 2255:
        raise ValueError("GT06 times cover the years 2000 to 2255")
    flags = (
        (round(course) % 360)
        | (0x0400 if lat >= 0 else 0)
        | (0x0800 if lon < 0 else 0)
        | (0x1000 if valid else 0)
    )
    return (
        bytes([clock.year - 2000, clock.month, clock.day, clock.hour, clock.minute, clock.second])
        + bytes([0xC0 | (satellites & 0x0F)])
        + round(abs(lat) * _COORDINATE_SCALE).to_bytes(4, "big")
        + round(abs(lon) * _COORDINATE_SCALE).to_bytes(4, "big")
        + bytes([max(0, min(255, round(speed_kmh)))])
        + flags.to_bytes(2, "big")
    )


def _cell_block(mcc: int, mnc: int, lac: int, cell_id: int) -> bytes:
    return mcc.to_bytes(2, "big") + bytes([mnc & 0xFF]) + lac.to_bytes(2, "big") + cell_id.to_bytes(3, "big")


def _status_block(voltage_level: int, gsm_signal: int, charging: bool, alarm: str | None) -> bytes:
    code = 0
    if alarm is not None:
        if alarm not in _ALARM_CODE_FOR_EVENT:
            raise ValueError(f"no GT06 alarm code for {alarm!r}")
        code = _ALARM_CODE_FOR_EVENT[alarm]
    terminal_information = 0x40 | (0x04 if charging else 0)
    return bytes([terminal_information, voltage_level & 0xFF, gsm_signal & 0xFF, code, 0x02])
