"""H02 protocol (Sinotrack, "HQ" trackers; default port 5013): stream framing, decoding, replies.

Two frame families share one TCP stream:

* text, ``*`` … ``#``, comma separated: ``*HQ,<id>,<type>,...#``. The position report is
  ``*HQ,<id>,V1,hhmmss,A,ddmm.mmmm,N,dddmm.mmmm,E,<speed knots>,<course>,ddmmyy,<status hex>#``;
  ``V2``/``VI1``/``V19`` share its layout (``V19`` adds SIM fields before the status), ``V4`` is a
  reply to a server command followed by a position, ``HTBT``/``V0`` are heartbeats, ``NBR``/``V3``
  report cell towers and ``LINK`` battery and steps without a position;
* binary, starting with ``$`` (0x24), BCD fields, no length and no terminator: device id (5 bytes,
  or 8 in the 42-byte variant), hhmmss, ddmmyy, latitude ddmm.mmmm, a battery byte, longitude
  dddmm.mmmm with a flag nibble (0x2 valid, 0x4 north, 0x8 east), speed (knots) and course in
  three BCD digits each, a 32-bit status word, then 3 or more bytes the decoder keeps raw.
  The short frame is 32 bytes; 42, 45, 46 and 48 bytes are seen in the wild.

The status word uses negative logic (a bit at 0 raises the condition). Its alarm bits follow
Traccar's ``H02ProtocolDecoder`` (bit 1 or 18 SOS, bit 19 main power cut, bit 2 overspeed, bit 0
vibration), a secondary source: the maker's table was not available to check.

Server replies (:func:`h02_reply`): ``V1`` is confirmed with ``*HQ,<id>,V4,V1,yyyyMMddHHmmss#``,
``NBR`` likewise, heartbeats are echoed ``*HQ,<id>,HTBT#``; binary frames need no reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ._fields import bcd_digits, parse_decimal, utc_datetime
from .model import KNOTS_TO_KMH, DecodedFix, MalformedFrame, ensure_aware

SHORT_BINARY_LENGTH = 32
"""Length of the common binary frame; the shortest the framer and decoder accept."""

_KNOWN_BINARY_LENGTHS = frozenset({32, 42, 45, 46, 48})

_TEXT_START, _TEXT_END, _BINARY_START = 0x2A, 0x23, 0x24  # '*', '#', '$'
_DEVICE_ID = re.compile(r"[0-9A-Za-z]{1,32}")
_HEX_STATUS = re.compile(r"[0-9A-Fa-f]{8}")
_DIGITS = re.compile(r"[0-9]+")
_INTEGER = re.compile(r"-?[0-9]{1,12}")


@dataclass(frozen=True)
class H02Message:
    """One decoded H02 frame.

    ``kind`` is ``"location"`` (a position report, ``fix`` has coordinates unless the device had
    none), ``"status"`` (``NBR``/``LINK``/``V3``: ``fix`` without coordinates but with time, battery,
    cell towers and alarm flags), ``"heartbeat"`` (``fix`` is ``None``; ``battery`` as sent) or
    ``"other"`` (a type Qorgau does not decode; ``fix`` is ``None``). ``command`` is the frame's type
    field upper-cased (``"V1"``, ``"HTBT"``...) or ``"BINARY"``. ``device_id`` binds the connection
    and refreshes the device's last-seen time; it is empty when a text frame omits it
    (``*HQ,,V1,...``), and the listener then uses the id already bound to the connection, as it does
    for every GT06 frame after the login.
    """

    device_id: str
    kind: str
    command: str
    fix: DecodedFix | None
    battery: float | None = None
    binary: bool = False
    attributes: dict[str, object] = field(default_factory=dict, hash=False)


class H02Framer:
    """Cut an H02 byte stream into frames; never raises on content, keeps its buffer bounded.

    ``feed(data)`` returns the frames completed by ``data``: text frames ``*...#`` (a ``*`` that
    meets another ``*`` before its ``#`` is dropped as garbage, and so is one longer than
    ``max_text_length``) and binary ``$`` frames. Bytes before a frame start are dropped and counted
    in ``dropped`` (line breaks excepted). A binary frame carries no length, so with
    ``binary_length=None`` the framer learns it from content: a binary frame ends where the next
    plausible frame starts (``$`` and five BCD bytes, or ``*`` two letters and a comma). The learnt
    length is kept for the connection, as Traccar does, once it is one of the lengths seen in the
    wild (32, 42, 45, 46, 48) or has come twice in a row, and forgotten if the byte after a frame cut
    at it is not a frame start. Until then a binary frame waits for the start of the next one; pass
    ``binary_length`` when the devices' variant is known. On a stream without stray bytes, frames
    come out the same however the stream is split.
    """

    def __init__(
        self, *, binary_length: int | None = None, max_text_length: int = 1024, max_binary_length: int = 128
    ) -> None:
        if binary_length is not None and not SHORT_BINARY_LENGTH <= binary_length <= max_binary_length:
            raise ValueError(f"binary_length must be within [{SHORT_BINARY_LENGTH}, {max_binary_length}]")
        self._buffer = bytearray()
        self._binary_length = binary_length
        self._learning = binary_length is None
        self._candidate_length: int | None = None
        self._max_text_length = max_text_length
        self._max_binary_length = max_binary_length
        self.dropped = 0

    @property
    def buffered(self) -> int:
        """Bytes held for an incomplete frame; at most ``max(max_text_length, max_binary_length + 7)``."""
        return len(self._buffer)

    @property
    def binary_length(self) -> int | None:
        """The binary frame length in use: given, learnt, or ``None`` while still unknown."""
        return self._binary_length

    def feed(self, data: bytes) -> list[bytes]:
        """Append ``data`` and return every frame it completes, in stream order."""
        self._buffer += data
        frames: list[bytes] = []
        while (frame := self._next_frame()) is not None:
            frames.append(frame)
        return frames

    def _drop(self, count: int) -> None:
        chunk = self._buffer[:count]
        self.dropped += len(chunk) - chunk.count(b"\r") - chunk.count(b"\n")
        del self._buffer[:count]

    def _next_frame(self) -> bytes | None:
        buffer = self._buffer
        while buffer:
            start = _first_start(buffer)
            if start < 0:
                self._drop(len(buffer))
                return None
            if start:
                self._drop(start)
            if buffer[0] == _TEXT_START:
                limit = min(len(buffer), self._max_text_length)
                end = buffer.find(b"#", 1, limit)
                restart = buffer.find(b"*", 1, end if end >= 0 else limit)
                if restart >= 0:
                    self._drop(restart)
                    continue
                if end < 0:
                    if len(buffer) >= self._max_text_length:
                        self._drop(1)
                        continue
                    return None
                frame = bytes(buffer[: end + 1])
                del buffer[: end + 1]
                return frame
            length = self._binary_frame_length()
            if length is None or len(buffer) < length:
                return None
            frame = bytes(buffer[:length])
            del buffer[:length]
            if self._learning and buffer and buffer[0] not in (_TEXT_START, _BINARY_START):
                self._binary_length = None  # the stream contradicts the learnt length: learn it again
            return frame
        return None

    def _binary_frame_length(self) -> int | None:
        if self._binary_length is not None:
            return self._binary_length
        buffer = self._buffer
        for length in range(SHORT_BINARY_LENGTH, min(len(buffer), self._max_binary_length + 1)):
            verdict = _frame_starts_at(buffer, length)
            if verdict is None:
                return None
            if verdict:
                # Trust a length at once if devices are known to use it, else once it repeats:
                # a length inflated by stray bytes after the first frame is unlikely to recur.
                if length in _KNOWN_BINARY_LENGTHS or length == self._candidate_length:
                    self._binary_length = length
                self._candidate_length = length
                return length
        if len(buffer) >= self._max_binary_length + 7:
            return SHORT_BINARY_LENGTH  # no plausible successor: cut the common length, learn nothing
        return None


def decode_h02_message(frame: bytes, now: datetime) -> H02Message:
    """Decode one H02 frame (text or binary) as cut by :class:`H02Framer`.

    ``now`` (aware) dates reports that carry no date (``attributes["time_source"] == "server"``).
    Raises :class:`MalformedFrame` for anything that is not a well-formed H02 frame.

    >>> message = decode_h02_message(
    ...     b"*HQ,4210051415,V1,164549,A,0956.3869,N,08406.7068,W,000.00,000,221215,FFFFFBFF#",
    ...     datetime(2016, 1, 1, tzinfo=UTC))
    >>> message.kind, message.fix.time.isoformat(), round(message.fix.lat, 5), round(message.fix.lon, 5)
    ('location', '2015-12-22T16:45:49+00:00', 9.93978, -84.11178)
    """
    now = ensure_aware(now)
    frame = bytes(frame)
    if not frame:
        raise MalformedFrame("empty frame")
    if frame[0] == _TEXT_START:
        try:
            text = frame.decode("ascii").rstrip("\r\n ")
        except UnicodeDecodeError:
            raise MalformedFrame("text frame contains non-ASCII bytes") from None
        return _decode_text(text, now)
    if frame[0] == _BINARY_START:
        return _decode_binary(frame, now)
    raise MalformedFrame(f"frame starts with 0x{frame[0]:02x}, not '*' or '$'")


def decode_h02(frame: bytes, now: datetime) -> DecodedFix | None:
    """The report in ``frame``, or ``None`` for heartbeats and types without one.

    Shorthand for ``decode_h02_message(frame, now).fix``; use :func:`decode_h02_message` to learn
    the device id of a heartbeat and to build the reply.
    """
    return decode_h02_message(frame, now).fix


def h02_reply(message: H02Message, now: datetime) -> bytes | None:
    """What the server sends back for ``message``, or ``None`` when the protocol expects nothing.

    >>> h02_reply(H02Message("4210051415", "heartbeat", "HTBT", None), datetime(2024, 1, 1, tzinfo=UTC))
    b'*HQ,4210051415,HTBT#'
    """
    if message.binary or not message.device_id:
        return None
    if message.command in ("V1", "NBR"):
        stamp = ensure_aware(now).strftime("%Y%m%d%H%M%S")
        return f"*HQ,{message.device_id},V4,{message.command},{stamp}#".encode("ascii")
    if message.command in ("HTBT", "V0"):
        return f"*HQ,{message.device_id},{message.command}#".encode("ascii")
    return None


def encode_h02_location(
    device_id: str,
    *,
    time: datetime,
    lat: float,
    lon: float,
    speed_kmh: float = 0.0,
    course: float = 0.0,
    valid: bool = True,
    status: int = 0xFFFFFFFF,
    manufacturer: str = "HQ",
) -> bytes:
    """A text ``V1`` frame, for tests and the demo (coordinates to 0.0001 minute, speed 0.01 knot)."""
    stamp = time.astimezone(UTC)
    return (
        f"*{manufacturer},{device_id},V1,{stamp:%H%M%S},{'A' if valid else 'V'},"
        f"{_text_degrees(lat, 2)},{'N' if lat >= 0 else 'S'},"
        f"{_text_degrees(lon, 3)},{'E' if lon >= 0 else 'W'},"
        f"{speed_kmh / KNOTS_TO_KMH:.2f},{course:.2f},{stamp:%d%m%y},{status & 0xFFFFFFFF:08X}#"
    ).encode("ascii")


def encode_h02_heartbeat(device_id: str, battery: int = 100) -> bytes:
    """A text heartbeat ``*HQ,<id>,HTBT,<battery>#``."""
    return f"*HQ,{device_id},HTBT,{battery}#".encode("ascii")


def encode_h02_binary_location(
    device_id: str,
    *,
    time: datetime,
    lat: float,
    lon: float,
    speed_kmh: float = 0.0,
    course: float = 0.0,
    valid: bool = True,
    battery_byte: int = 6,
    status: int = 0xFFFFFBFF,
    tail: bytes = b"\xff\x00\x01",
) -> bytes:
    """A binary ``$`` frame with a 10-digit ``device_id``; 29 bytes plus ``tail`` (32 by default).

    Speed is whole knots (at most 999) and course whole degrees, as the BCD fields allow.
    """
    if not _DIGITS.fullmatch(device_id) or len(device_id) != 10:
        raise ValueError("a binary H02 device id has exactly 10 digits")
    stamp = time.astimezone(UTC)
    lat_digits = _text_degrees(lat, 2).replace(".", "")
    lon_digits = _text_degrees(lon, 3).replace(".", "")
    flags = (0x2 if valid else 0) | (0x4 if lat >= 0 else 0) | (0x8 if lon >= 0 else 0)
    knots = min(999, round(speed_kmh / KNOTS_TO_KMH))
    digits = (
        f"{device_id}{stamp:%H%M%S}{stamp:%d%m%y}{lat_digits}"
        + f"{battery_byte & 0xFF:02x}"
        + f"{lon_digits}{flags:x}{knots:03d}{round(course) % 360:03d}{status & 0xFFFFFFFF:08x}"
    )
    return b"$" + bytes.fromhex(digits) + bytes(tail)


def _first_start(buffer: bytearray) -> int:
    if buffer[0] in (_TEXT_START, _BINARY_START):
        return 0  # the usual case: frames back to back
    text = buffer.find(b"*")
    binary = buffer.find(b"$", 0, text + 1 if text >= 0 else len(buffer))
    if text < 0:
        return binary
    if binary < 0:
        return text
    return min(text, binary)


def _frame_starts_at(buffer: bytearray, offset: int) -> bool | None:
    """Whether a plausible frame starts at ``offset``; ``None`` when more bytes are needed to tell."""
    marker = buffer[offset]
    if marker == _BINARY_START:
        if len(buffer) < offset + 6:
            return None
        return buffer[offset + 1 : offset + 6].hex().isdigit()
    if marker == _TEXT_START:
        if len(buffer) < offset + 4:
            return None
        return bytes(buffer[offset + 1 : offset + 3]).isalpha() and buffer[offset + 3] == 0x2C
    return False


def _decode_text(text: str, now: datetime) -> H02Message:
    if len(text) < 4 or not text.endswith("#"):
        raise MalformedFrame("text frame does not end with '#'")
    fields = text[1:-1].split(",")
    if len(fields) < 3:
        raise MalformedFrame("text frame has fewer than three fields")
    device_id = fields[1].strip()
    if device_id and not _DEVICE_ID.fullmatch(device_id):
        raise MalformedFrame("device id is not alphanumeric", field="device_id")
    command = fields[2].strip().upper()
    if command in ("HTBT", "V0"):
        battery = None
        if len(fields) > 3 and _DIGITS.fullmatch(fields[3].strip()):
            level = int(fields[3].strip())
            battery = float(level) if level <= 100 else None
        return H02Message(device_id, "heartbeat", command, None, battery=battery)
    if command == "NBR":
        return _decode_nbr(device_id, fields, now)
    if command == "LINK":
        return _decode_link(device_id, fields, now)
    if command == "V3":
        return _decode_v3(device_id, fields, now)
    if command == "VP1":
        return _decode_vp1(device_id, fields, now)
    if command == "V4":
        start = _position_start(fields)
        if start is None:
            return H02Message(
                device_id, "other", command, None, attributes={"reply": ",".join(fields[3:])[:256]}
            )
        reply = {"reply": ",".join(fields[3:start])[:256]}
        fix = _decode_position(device_id, fields, start, now, reply)
        return H02Message(device_id, "location", command, fix, battery=fix.battery)
    if command.startswith("V"):
        fix = _decode_position(device_id, fields, 3, now)
        return H02Message(device_id, "location", command, fix, battery=fix.battery)
    return H02Message(device_id, "other", command, None)


def _position_start(fields: list[str]) -> int | None:
    """Index of the time field of the position block that follows a ``V4`` reply, if any."""
    for start in range(4, len(fields) - 7):
        if fields[start + 3].strip() in ("N", "S") and fields[start + 5].strip() in ("E", "W"):
            return start
    return None


def _decode_position(
    device_id: str,
    fields: list[str],
    start: int,
    now: datetime,
    attributes: Mapping[str, object] | None = None,
) -> DecodedFix:
    if len(fields) < start + 8:
        raise MalformedFrame("position report has too few fields")
    time_text, validity, lat_text, north_south, lon_text, east_west, speed_text, course_text = (
        value.strip() for value in fields[start : start + 8]
    )
    rest = [value.strip() for value in fields[start + 8 :]]
    attributes = dict(attributes or {})

    date_text: str | None = None
    if rest and len(rest[0]) == 6 and rest[0].isdigit():
        date_text, rest = rest[0], rest[1:]
    elif len(rest) >= 2 and _DIGITS.fullmatch(rest[0]) and len(rest[0]) <= 3 and len(rest[1]) == 6:
        attributes["battery_raw"] = rest[0]
        date_text, rest = rest[1], rest[2:]
    elif rest and rest[0] == "":
        rest = rest[1:]

    status: int | None = None
    if rest and _HEX_STATUS.fullmatch(rest[0]):
        status, rest = int(rest[0], 16), rest[1:]
    elif len(rest) >= 4 and _HEX_STATUS.fullmatch(rest[3]):  # V19: SIM number, IP, ICCID first
        attributes["sim"] = [value[:32] for value in rest[:3]]
        status, rest = int(rest[3], 16), rest[4:]
    if rest:
        attributes["extra"] = [value[:32] for value in rest[:16]]

    lat = _text_coordinate(lat_text, north_south, "N", "S", "latitude")
    lon = _text_coordinate(lon_text, east_west, "E", "W", "longitude")
    if lat is None or lon is None:
        lat = lon = None
    time = _text_time(time_text, date_text, now, attributes)
    event = _apply_status(status, attributes)
    valid = lat is not None and (validity == "A" or validity.isdigit())
    return DecodedFix(
        device_id=device_id,
        time=time,
        lat=lat,
        lon=lon,
        valid=valid,
        speed_kmh=parse_decimal(speed_text, "speed") * KNOTS_TO_KMH if speed_text else None,
        course=parse_decimal(course_text, "course") if course_text else None,
        event=event,
        attributes=attributes,
    )


def _decode_nbr(device_id: str, fields: list[str], now: datetime) -> H02Message:
    # *HQ,id,NBR,hhmmss,mcc,mnc,ta,count,(lac,cell,rssi)*count,ddmmyy,status[,...]#
    if len(fields) < 10:
        raise MalformedFrame("NBR report has too few fields")
    mcc = _integer(fields[4], "mcc")
    mnc = _integer(fields[5], "mnc")
    count = _integer(fields[7], "count")
    end = 8 + 3 * count
    if count > 16 or len(fields) < end + 2:
        raise MalformedFrame("NBR cell count does not match the fields", field="count")
    cells = [
        {
            "mcc": mcc,
            "mnc": mnc,
            "lac": _integer(fields[index], "lac"),
            "cell_id": _integer(fields[index + 1], "cell_id"),
            "signal": _integer(fields[index + 2], "signal"),
        }
        for index in range(8, end, 3)
    ]
    attributes: dict[str, object] = {"cells": cells}
    return _status_message(device_id, "NBR", fields[3], fields[end], fields[end + 1], now, attributes)


def _decode_link(device_id: str, fields: list[str], now: datetime) -> H02Message:
    # *HQ,id,LINK,hhmmss,rssi,satellites,battery,steps,turnovers,ddmmyy,status#
    if len(fields) < 11:
        raise MalformedFrame("LINK report has too few fields")
    attributes: dict[str, object] = {
        "rssi": _integer(fields[4], "rssi"),
        "satellites": _integer(fields[5], "satellites"),
        "steps": _integer(fields[7], "steps"),
    }
    battery = _integer(fields[6], "battery")
    return _status_message(
        device_id, "LINK", fields[3], fields[9], fields[10], now, attributes, battery=float(battery)
    )


def _decode_v3(device_id: str, fields: list[str], now: datetime) -> H02Message:
    # *HQ,id,V3,hhmmss,mccmnc,count,(lac,cell,rssi,?)*count,battery,reboot,X,ddmmyy,status#
    if len(fields) < 11:
        raise MalformedFrame("V3 report has too few fields")
    network = fields[4].strip()
    count = _integer(fields[5], "count")
    end = 6 + 4 * count
    if count > 16 or len(fields) < end + 5 or len(network) < 4 or not network.isdigit():
        raise MalformedFrame("V3 cell count does not match the fields", field="count")
    mcc, mnc = int(network[:3]), int(network[3:])
    cells = [
        {
            "mcc": mcc,
            "mnc": mnc,
            "lac": _integer(fields[index], "lac"),
            "cell_id": _integer(fields[index + 1], "cell_id"),
        }
        for index in range(6, end, 4)
    ]
    attributes: dict[str, object] = {"cells": cells, "battery_raw": fields[end].strip()[:8]}
    return _status_message(device_id, "V3", fields[3], fields[end + 3], fields[end + 4], now, attributes)


def _decode_vp1(device_id: str, fields: list[str], now: datetime) -> H02Message:
    # *hq,imei,VP1,A,lat,N,lon,E,speed,course,ddmmyy#  or  *hq,imei,VP1,V,mcc,mnc,cells#
    if len(fields) >= 11 and fields[3].strip() in ("A", "B"):
        attributes: dict[str, object] = {"date": fields[10].strip()[:6], "time_source": "server"}
        lat = _text_coordinate(fields[4].strip(), fields[5].strip(), "N", "S", "latitude")
        lon = _text_coordinate(fields[6].strip(), fields[7].strip(), "E", "W", "longitude")
        if lat is None or lon is None:
            raise MalformedFrame("VP1 report without coordinates")
        speed = fields[8].strip()
        course = fields[9].strip()
        fix = DecodedFix(
            device_id=device_id,
            time=now,  # VP1 carries a date but no time of day; the receive time is the better guess
            lat=lat,
            lon=lon,
            valid=True,
            speed_kmh=parse_decimal(speed, "speed") * KNOTS_TO_KMH if speed else None,
            course=parse_decimal(course, "course") if course else None,
            attributes=attributes,
        )
        return H02Message(device_id, "location", "VP1", fix)
    cells: dict[str, object] = {"cells_raw": ",".join(fields[4:])[:256], "time_source": "server"}
    fix = DecodedFix(device_id, now, None, None, False, attributes=cells)
    return H02Message(device_id, "status", "VP1", fix)


def _status_message(
    device_id: str,
    command: str,
    time_text: str,
    date_text: str,
    status_text: str,
    now: datetime,
    attributes: dict[str, object],
    battery: float | None = None,
) -> H02Message:
    status_text = status_text.strip()
    if not _HEX_STATUS.fullmatch(status_text):
        raise MalformedFrame(f"{command} status {status_text[:12]!r} is not 8 hex digits", field="status")
    time = _text_time(time_text.strip(), date_text.strip(), now, attributes)
    event = _apply_status(int(status_text, 16), attributes)
    fix = DecodedFix(device_id, time, None, None, False, battery=battery, event=event, attributes=attributes)
    return H02Message(device_id, "status", command, fix, battery=battery)


def _decode_binary(frame: bytes, now: datetime) -> H02Message:
    if len(frame) < SHORT_BINARY_LENGTH:
        raise MalformedFrame(f"binary frame of {len(frame)} bytes, at least {SHORT_BINARY_LENGTH} expected")
    if len(frame) == 42:  # the variant with an 8-byte id: 15 IMEI digits and a pad nibble
        device_id = frame[1:9].hex()[:15]
        if not device_id.isdigit():
            raise MalformedFrame("device id is not BCD", field="device_id")
        offset = 9
    else:
        device_id = bcd_digits(frame[1:6], "device_id")
        offset = 6
    clock = bcd_digits(frame[offset : offset + 6], "time")
    lat_digits = bcd_digits(frame[offset + 6 : offset + 10], "latitude")
    battery_byte = frame[offset + 10]
    lon_hex = frame[offset + 11 : offset + 16].hex()
    motion = bcd_digits(frame[offset + 16 : offset + 19], "speed")
    status = int.from_bytes(frame[offset + 19 : offset + 23], "big")
    if not lon_hex[:9].isdigit():
        raise MalformedFrame("longitude is not BCD", field="longitude")
    flags = int(lon_hex[9], 16)

    attributes: dict[str, object] = {}
    if clock[6:] == "000000":
        time: datetime = now
        attributes["time_source"] = "server"
    else:
        time = utc_datetime(
            2000 + int(clock[10:12]), int(clock[8:10]), int(clock[6:8]),
            int(clock[0:2]), int(clock[2:4]), int(clock[4:6]), "time",
        )  # fmt: skip
    lat = _minutes_to_degrees(int(lat_digits[:2]), int(lat_digits[2:]) / 10000.0, "latitude")
    lon = _minutes_to_degrees(int(lon_hex[:3]), int(lon_hex[3:9]) / 10000.0, "longitude")
    if not flags & 0x4:
        lat = -lat
    if not flags & 0x8:
        lon = -lon
    if len(frame) > offset + 23:
        attributes["extra"] = frame[offset + 23 :].hex()[:128]
    battery = _binary_battery(battery_byte)
    event = _apply_status(status, attributes)
    fix = DecodedFix(
        device_id=device_id,
        time=time,
        lat=lat,
        lon=lon,
        valid=bool(flags & 0x2),
        speed_kmh=int(motion[:3]) * KNOTS_TO_KMH,
        course=float(int(motion[3:])),
        battery=battery,
        event=event,
        attributes=attributes,
    )
    return H02Message(device_id, "location", "BINARY", fix, battery=battery, binary=True)


def _binary_battery(value: int) -> float | None:
    """Battery percent from the binary battery byte (levels 1-6 or a percentage, as Traccar reads it)."""
    if value == 0 or value > 100:
        return None
    if value <= 3:
        return float((value - 1) * 10)
    if value <= 6:
        return float((value - 1) * 20)
    return float(value)


def _text_coordinate(text: str, hemisphere: str, positive: str, negative: str, field: str) -> float | None:
    """Degrees from ``ddmm.mmmm`` (any number of degree digits) or ``-dd-mm.mmmm``; ``None`` if absent."""
    if not text or hemisphere not in (positive, negative):
        return None
    if text.startswith("-"):
        degrees_text, separator, minutes_text = text[1:].partition("-")
        if not separator or not _DIGITS.fullmatch(degrees_text):
            raise MalformedFrame(f"{field}: {text[:16]!r} is not a coordinate", field=field)
        degrees, minutes = int(degrees_text), parse_decimal(minutes_text, field)
    else:
        whole, _, fraction = text.partition(".")
        if not _DIGITS.fullmatch(whole) or (fraction and not _DIGITS.fullmatch(fraction)) or len(whole) > 5:
            raise MalformedFrame(f"{field}: {text[:16]!r} is not a coordinate", field=field)
        degrees, minutes = int(whole[:-2] or "0"), float(f"{whole[-2:]}.{fraction or '0'}")
    value = _minutes_to_degrees(degrees, minutes, field)
    return -value if hemisphere == negative else value


def _minutes_to_degrees(degrees: int, minutes: float, field: str) -> float:
    if not 0.0 <= minutes < 60.0:
        raise MalformedFrame(f"{field}: {minutes} minutes is not below 60", field=field)
    return degrees + minutes / 60.0


def _text_time(
    time_text: str, date_text: str | None, now: datetime, attributes: dict[str, object]
) -> datetime:
    """Fix time from ``hhmmss`` and ``ddmmyy``; ``now`` (marked in attributes) when either is empty.

    The time of day is added leniently (``160169`` is 16:02:09), as devices occasionally count a
    sixtieth second and Traccar accepts it; the date itself must be a real date.
    """
    time_text = time_text[:6]
    if not date_text or date_text == "000000" or not time_text:
        attributes["time_source"] = "server"
        return now
    if not (len(date_text) == 6 and date_text.isdigit() and len(time_text) == 6 and time_text.isdigit()):
        raise MalformedFrame(f"time {time_text!r} / date {date_text!r} not hhmmss / ddmmyy", field="time")
    midnight = utc_datetime(
        2000 + int(date_text[4:]), int(date_text[2:4]), int(date_text[:2]), 0, 0, 0, "date"
    )
    return midnight + timedelta(
        hours=int(time_text[:2]), minutes=int(time_text[2:4]), seconds=int(time_text[4:])
    )


def _apply_status(status: int | None, attributes: dict[str, object]) -> str | None:
    """Record the status word and return the most urgent alarm it raises (negative logic)."""
    if status is None:
        return None
    attributes["status"] = f"{status:08X}"
    alarms = []
    if not status & (1 << 1) or not status & (1 << 18):
        alarms.append("sos")
    if not status & (1 << 19):
        alarms.append("power_cut")
    if not status & (1 << 2):
        alarms.append("overspeed")
    if not status & 1:
        alarms.append("vibration")
    if len(alarms) > 1:
        attributes["alarms"] = alarms
    return alarms[0] if alarms else None


def _integer(text: str, field: str) -> int:
    value = text.strip()
    if not _INTEGER.fullmatch(value):
        raise MalformedFrame(f"{field}: {text[:16]!r} is not an integer", field=field)
    return int(value)


def _text_degrees(value: float, degree_digits: int) -> str:
    """``value`` as ``d..dmm.mmmm`` with ``degree_digits`` degree digits, rounded to 0.0001 minute."""
    ten_thousandths = round(abs(value) * 60 * 10000)
    degrees, rest = divmod(ten_thousandths, 60 * 10000)
    minutes, fraction = divmod(rest, 10000)
    return f"{degrees:0{degree_digits}d}{minutes:02d}.{fraction:04d}"
