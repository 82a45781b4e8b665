"""OsmAnd HTTP protocol (Traccar-compatible, port 5055): query/form fields and the JSON body.

This is what the Traccar Client phone app and many small trackers speak. Field meanings follow
Traccar's documentation (https://www.traccar.org/osmand/) and its ``OsmAndProtocolDecoder``:

* ``id`` or ``deviceid`` (required); ``timestamp`` as epoch seconds, epoch milliseconds (a value
  above 2**31 - 1), ISO 8601 (contains ``T``) or ``yyyy-MM-dd HH:mm:ss`` — taken as UTC, since Qorgau
  stores UTC and Traccar's own reading (the server's zone) is not portable; absent → ``now``;
* ``lat`` and ``lon``, or ``location=lat,lon``; ``valid`` (``true``/``1``; default true);
* ``speed`` in knots; ``bearing`` or ``heading``; ``altitude``; ``accuracy``; ``hdop``; ``batt``
  (percent); ``charge``; repeatable ``cell`` (``mcc,mnc,lac,cellId[,signal]``) and ``wifi``
  (``mac,rssi``); ``alarm`` (a Traccar alarm name); anything else is kept as an attribute
  (number, boolean or text).

The JSON variant (Traccar Client 9+, the background-geolocation SDK's native format)::

    {"device_id": "48241179",
     "location": {"timestamp": "2025-06-15T13:45:12.862Z",
                  "coords": {"latitude": 37.42, "longitude": -122.08, "accuracy": 5,
                             "speed": 0, "heading": -1, "altitude": 5},
                  "is_moving": false, "odometer": 0, "event": "motionchange",
                  "battery": {"level": 1, "is_charging": false},
                  "activity": {"type": "still"}, "extras": {}}}

Speeds there are m/s; ``-1`` means unknown for speed, heading, accuracy and battery level.
``battery`` and ``alarm`` are read inside ``location`` or at the top level.

The HTTP answer is the listener's business: 200 on success, 400 (query) or 404 (JSON, unknown
device) as Traccar does; a :class:`ProtocolError` from here maps to 400 naming ``error.field``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from ._fields import datetime_from_epoch, is_finite_decimal, number_from_json, parse_decimal
from .model import (
    KNOTS_TO_KMH,
    METRES_PER_SECOND_TO_KMH,
    DecodedFix,
    MalformedFrame,
    ensure_aware,
    normalise_alarm,
)

QueryParams = Mapping[str, Sequence[str] | str] | Iterable[tuple[str, str]] | str | bytes

_MAX_DEVICE_ID_LENGTH = 128
_MAX_REPEATED = 32  # cells or wifi points kept per report; more is noise, not information

_ISO_LIKE = "T"


def decode_osmand_query(params: QueryParams, now: datetime) -> DecodedFix:
    """Decode an OsmAnd request's query string or form body into a :class:`DecodedFix`.

    ``params`` is a mapping of field to values (``parse_qs`` style, or one string per field), a list
    of ``(field, value)`` pairs in request order, or the raw query string itself. ``now`` (aware)
    stands in for an absent ``timestamp``. Raises :class:`MalformedFrame` naming the field for a
    missing device id, an unparseable number or time, a coordinate without its pair, or two
    different device ids.

    >>> fix = decode_osmand_query("id=123456&lat=43.2389&lon=76.8897&speed=10&timestamp=1700000000",
    ...                           datetime(2024, 1, 1, tzinfo=UTC))
    >>> fix.device_id, fix.lat, fix.lon, round(fix.speed_kmh, 2), fix.time.isoformat()
    ('123456', 43.2389, 76.8897, 18.52, '2023-11-14T22:13:20+00:00')
    """
    now = ensure_aware(now)
    device_id: str | None = None
    time: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    valid = True
    speed_kmh = course = altitude = accuracy = battery = None
    charging: bool | None = None
    event: str | None = None
    attributes: dict[str, object] = {}
    cells: list[dict[str, int]] = []
    wifis: list[dict[str, object]] = []

    for key, value in _pairs(params):
        if key in ("id", "deviceid"):
            candidate = value.strip()
            if not candidate:
                continue
            if len(candidate) > _MAX_DEVICE_ID_LENGTH:
                raise MalformedFrame(f"{key}: device id longer than {_MAX_DEVICE_ID_LENGTH}", field=key)
            if device_id is not None and device_id != candidate:
                raise MalformedFrame(f"{key}: two different device ids in one request", field=key)
            device_id = candidate
        elif key == "valid":
            valid = value.strip().lower() in ("true", "1")
        elif key == "timestamp":
            time = _parse_query_time(value)
        elif key == "lat":
            lat = parse_decimal(value, "lat")
        elif key == "lon":
            lon = parse_decimal(value, "lon")
        elif key == "location":
            parts = value.split(",")
            if len(parts) != 2:
                raise MalformedFrame("location: expected 'lat,lon'", field="location")
            lat = parse_decimal(parts[0], "location")
            lon = parse_decimal(parts[1], "location")
        elif key == "speed":
            speed_kmh = parse_decimal(value, "speed") * KNOTS_TO_KMH
        elif key in ("bearing", "heading"):
            course = parse_decimal(value, key)
        elif key == "altitude":
            altitude = parse_decimal(value, "altitude")
        elif key == "accuracy":
            accuracy = parse_decimal(value, "accuracy")
        elif key == "hdop":
            attributes["hdop"] = parse_decimal(value, "hdop")
        elif key == "batt":
            level = parse_decimal(value, "batt")
            battery = level if 0.0 <= level <= 100.0 else None
            if battery is None:
                attributes["battery_raw"] = value.strip()[:32]
        elif key == "charge":
            charging = _parse_boolean(value, "charge")
        elif key == "cell":
            if len(cells) < _MAX_REPEATED:
                cells.append(_parse_cell(value))
        elif key == "wifi":
            if len(wifis) < _MAX_REPEATED:
                wifis.append(_parse_wifi(value))
        elif key == "alarm":
            event = normalise_alarm(value)
            attributes["alarm"] = value[:64]
        elif key:
            attributes[key[:64]] = _attribute_value(value)

    if device_id is None:
        raise MalformedFrame("id: the device id (id or deviceid) is required", field="id")
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise MalformedFrame(f"{missing}: a coordinate was sent without its pair", field=missing)
    if cells:
        attributes["cells"] = cells
    if wifis:
        attributes["wifi"] = wifis
    return DecodedFix(
        device_id=device_id,
        time=time if time is not None else now,
        lat=lat,
        lon=lon,
        valid=valid if lat is not None else False,
        speed_kmh=speed_kmh,
        course=course,
        altitude=altitude,
        accuracy_m=accuracy,
        battery=battery,
        charging=charging,
        event=event,
        attributes=attributes,
    )


def decode_osmand_json(body: bytes | str | Mapping[str, object], now: datetime) -> DecodedFix:
    """Decode an OsmAnd JSON body (raw bytes/text or an already parsed mapping).

    ``device_id`` (text or integer) is required; ``location`` may be absent (a report without a
    position, timed ``now``); within it ``coords`` needs both ``latitude`` and ``longitude``.
    A location the phone marks ``mock`` carries the event ``mock_location`` unless an alarm is set.
    Raises :class:`MalformedFrame` naming the field for anything not matching these types.

    >>> fix = decode_osmand_json(b'{"device_id": "48241179", "location": {"timestamp": '
    ...     b'"2021-07-21T08:06:34.444Z", "coords": {"latitude": -6.1148096, "longitude": 106.6837015, '
    ...     b'"accuracy": 3.8, "speed": 18.67, "heading": 63, "altitude": 35.7}, '
    ...     b'"battery": {"level": 0.79, "is_charging": false}}}', datetime(2024, 1, 1, tzinfo=UTC))
    >>> fix.device_id, fix.lat, round(fix.speed_kmh, 3), fix.battery, fix.charging
    ('48241179', -6.1148096, 67.212, 79.0, False)
    """
    now = ensure_aware(now)
    root = _load_json(body)
    device_id = _json_device_id(root.get("device_id"))
    location = _json_object(root.get("location"), "location")
    attributes: dict[str, object] = {}

    timestamp = location.get("timestamp")
    time = now if timestamp is None else _parse_json_time(timestamp)

    lat = lon = speed_kmh = course = altitude = accuracy = None
    coords = _json_object(location.get("coords"), "location.coords")
    if coords:
        lat = number_from_json(coords.get("latitude"), "location.coords.latitude")
        lon = number_from_json(coords.get("longitude"), "location.coords.longitude")
        if lat is None or lon is None:
            missing = "latitude" if lat is None else "longitude"
            raise MalformedFrame(f"location.coords.{missing} is required", field=f"location.coords.{missing}")
        speed = _known(number_from_json(coords.get("speed"), "location.coords.speed"))
        speed_kmh = None if speed is None else speed * METRES_PER_SECOND_TO_KMH
        course = _known(number_from_json(coords.get("heading"), "location.coords.heading"))
        accuracy = _known(number_from_json(coords.get("accuracy"), "location.coords.accuracy"))
        altitude = number_from_json(coords.get("altitude"), "location.coords.altitude")

    battery_object = location.get("battery", root.get("battery"))
    battery, charging = _json_battery(_json_object(battery_object, "battery"), attributes)

    alarm = location.get("alarm", root.get("alarm"))
    event: str | None = None
    if alarm is not None:
        if not isinstance(alarm, str):
            raise MalformedFrame("alarm: expected text", field="alarm")
        event = normalise_alarm(alarm)
        attributes["alarm"] = alarm[:64]

    for source, target in (("is_moving", "motion"), ("mock", "mock")):
        if isinstance(location.get(source), bool):
            attributes[target] = location[source]
    for source, target in (("event", "app_event"), ("uuid", "uuid")):
        if isinstance(location.get(source), str):
            attributes[target] = str(location[source])[:64]
    odometer = location.get("odometer")
    if isinstance(odometer, int | float) and not isinstance(odometer, bool) and math.isfinite(odometer):
        attributes["odometer"] = odometer
    activity = location.get("activity")
    if isinstance(activity, Mapping) and isinstance(activity.get("type"), str):
        attributes["activity"] = activity["type"][:32]
    extras = location.get("extras", root.get("extras"))
    if isinstance(extras, Mapping):
        for key, value in extras.items():
            if isinstance(key, str) and _is_json_scalar(value):
                attributes.setdefault(key[:64], value)

    if event is None and attributes.get("mock") is True:
        event = "mock_location"
    return DecodedFix(
        device_id=device_id,
        time=time,
        lat=lat,
        lon=lon,
        valid=lat is not None,
        speed_kmh=speed_kmh,
        course=course,
        altitude=altitude,
        accuracy_m=accuracy,
        battery=battery,
        charging=charging,
        event=event,
        attributes=attributes,
    )


def _pairs(params: QueryParams) -> list[tuple[str, str]]:
    if isinstance(params, bytes | bytearray):
        params = bytes(params).decode("latin-1")
    if isinstance(params, str):
        try:
            return parse_qsl(params, keep_blank_values=True, max_num_fields=1000)
        except ValueError as error:
            raise MalformedFrame(f"query: {error}", field="query") from None
    pairs: list[tuple[str, str]] = []
    if isinstance(params, Mapping):
        for key, values in params.items():
            if isinstance(values, str):
                pairs.append((str(key), values))
            else:
                pairs.extend((str(key), str(value)) for value in values)
    else:
        pairs.extend((str(key), str(value)) for key, value in params)
    return pairs


def _parse_query_time(value: str) -> datetime:
    text = value.strip()
    if is_finite_decimal(text):
        return datetime_from_epoch(float(text), "timestamp")
    if _ISO_LIKE in text:
        return _parse_iso(text, "timestamp")
    try:
        parsed = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise MalformedFrame(
            f"timestamp: {text[:40]!r} is not a known time format", field="timestamp"
        ) from None
    return parsed.replace(tzinfo=UTC)


def _parse_iso(text: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedFrame(f"{field}: {text[:40]!r} is not ISO 8601", field=field) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise MalformedFrame(f"{field}: {text[:40]!r} is outside the supported range", field=field) from None


def _parse_json_time(value: object) -> datetime:
    if isinstance(value, str):
        return _parse_iso(value.strip(), "location.timestamp")
    number = number_from_json(value, "location.timestamp")
    assert number is not None  # None was handled by the caller
    return datetime_from_epoch(number, "location.timestamp")


def _parse_boolean(value: str, field: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise MalformedFrame(f"{field}: {value[:16]!r} is not true/false", field=field)


def _parse_integer(text: str, field: str) -> int:
    candidate = text.strip()
    if not candidate.lstrip("+-").isdigit() or len(candidate) > 12:
        raise MalformedFrame(f"{field}: {text[:16]!r} is not an integer", field=field)
    return int(candidate)


def _parse_cell(value: str) -> dict[str, int]:
    parts = value.split(",")
    if len(parts) not in (4, 5):
        raise MalformedFrame("cell: expected 'mcc,mnc,lac,cellId[,signal]'", field="cell")
    numbers = [_parse_integer(part, "cell") for part in parts]
    cell = {"mcc": numbers[0], "mnc": numbers[1], "lac": numbers[2], "cell_id": numbers[3]}
    if len(numbers) == 5:
        cell["signal"] = numbers[4]
    return cell


def _parse_wifi(value: str) -> dict[str, object]:
    parts = value.split(",")
    if len(parts) != 2 or not parts[0].strip():
        raise MalformedFrame("wifi: expected 'mac,rssi'", field="wifi")
    return {"mac": parts[0].strip().replace("-", ":")[:32].lower(), "rssi": _parse_integer(parts[1], "wifi")}


def _attribute_value(value: str) -> object:
    if is_finite_decimal(value):
        return float(value)
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return value[:256]


def _load_json(body: bytes | str | Mapping[str, object]) -> Mapping[str, object]:
    if isinstance(body, Mapping):
        root: object = body
    else:
        try:
            root = json.loads(body)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            raise MalformedFrame(f"body is not JSON: {str(error)[:80]}", field="body") from None
    if not isinstance(root, Mapping):
        raise MalformedFrame("body: expected a JSON object", field="body")
    return root


def _json_device_id(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedFrame("device_id: the device id is required (text)", field="device_id")
    text = str(value).strip()
    if not text or len(text) > _MAX_DEVICE_ID_LENGTH:
        raise MalformedFrame("device_id: empty or too long", field="device_id")
    return text


def _json_object(value: object, field: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedFrame(f"{field}: expected an object", field=field)
    return value


def _json_battery(
    battery: Mapping[str, object], attributes: dict[str, object]
) -> tuple[float | None, bool | None]:
    level = _known(number_from_json(battery.get("level"), "battery.level"))
    percent: float | None = None
    if level is not None and math.isfinite(level):
        if level <= 1.0:
            percent = level * 100.0
        else:
            attributes["battery_raw"] = level
    charging = battery.get("is_charging")
    if charging is not None and not isinstance(charging, bool):
        raise MalformedFrame("battery.is_charging: expected true or false", field="battery.is_charging")
    return percent, charging


def _known(value: float | None) -> float | None:
    """The SDK writes -1 (any negative) for an unknown speed, heading, accuracy or battery level."""
    return None if value is None or value < 0 else value


def _is_json_scalar(value: object) -> bool:
    if isinstance(value, bool | int | str):
        return True
    return isinstance(value, float) and math.isfinite(value)
