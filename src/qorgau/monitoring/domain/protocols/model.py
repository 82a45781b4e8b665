"""What every device decoder returns, the errors it raises, and the plausibility check of a fix.

A :class:`DecodedFix` is one report from one device, already in the units Qorgau stores (UTC times,
degrees, km/h, metres, battery percent). Its position may be absent (``lat``/``lon`` ``None``): a phone
that sends only its battery, or a tracker that reports cell towers and alarm flags but has no GPS fix,
still produces a report, because a tamper or power-cut flag must not be lost for want of a position.

Errors form a small tree; a listener catches :class:`ProtocolError`, counts and logs it, and keeps
serving the connection::

    ValueError
    └── ProtocolError        the frame or request cannot be decoded (``field`` names the culprit)
        ├── MalformedFrame   wrong structure, unparseable or missing field, no device id
        └── ChecksumError    the frame's check code does not match its content

An unknown device is not a protocol matter: the decoders return whatever id the device sent and the
service decides whether it knows it.

Alarms are normalised to one vocabulary, :data:`EVENT_NAMES`, whatever the protocol calls them:

>>> normalise_alarm("removing"), normalise_alarm("lowBattery"), normalise_alarm("SOS")
('tamper', 'low_battery', 'sos')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

KNOTS_TO_KMH = 1.852
"""One knot (nautical mile per hour) in km/h; OsmAnd ``speed`` and H02 speeds are in knots."""

METRES_PER_SECOND_TO_KMH = 3.6

EVENT_NAMES: frozenset[str] = frozenset(
    {
        "sos",  # panic button
        "tamper",  # strap cut or opened, case opened, device removed
        "power_cut",  # external power lost, running on the backup battery
        "power_restored",
        "power_off",  # device switched off
        "power_on",
        "low_battery",
        "low_power",  # low external supply voltage
        "vibration",
        "movement",
        "overspeed",
        "geofence",  # a fence kept by the device itself, direction unknown
        "geofence_enter",
        "geofence_exit",
        "fall",
        "door",
        "acceleration",
        "braking",
        "cornering",
        "accident",
        "jamming",
        "gps_antenna_cut",
        "mock_location",  # the phone reports its location as simulated
        "general",  # the device raised an alarm without saying which
    }
)
"""Normalised event names. Rules decide which of them become alerts; decoders only report them."""

# Traccar's alarm keys (org.traccar.model.Position.ALARM_*), used by OsmAnd clients in ``alarm=``.
_ALARM_ALIASES: dict[str, str] = {
    "sos": "sos",
    "panic": "sos",
    "tampering": "tamper",
    "tamper": "tamper",
    "removing": "tamper",
    "removal": "tamper",
    "powercut": "power_cut",
    "powerrestored": "power_restored",
    "poweroff": "power_off",
    "poweron": "power_on",
    "lowbattery": "low_battery",
    "lowpower": "low_power",
    "vibration": "vibration",
    "shock": "vibration",
    "movement": "movement",
    "overspeed": "overspeed",
    "geofence": "geofence",
    "geofenceenter": "geofence_enter",
    "geofenceexit": "geofence_exit",
    "falldown": "fall",
    "fall": "fall",
    "door": "door",
    "acceleration": "acceleration",
    "braking": "braking",
    "cornering": "cornering",
    "accident": "accident",
    "jamming": "jamming",
    "gpsantennacut": "gps_antenna_cut",
    "general": "general",
}

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


class ProtocolError(ValueError):
    """A device frame or request could not be decoded. ``field`` names the offending field if known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class MalformedFrame(ProtocolError):
    """The frame's structure is wrong, a field is missing or unparseable, or no device id is given."""


class ChecksumError(ProtocolError):
    """The frame's check code (e.g. GT06 CRC-ITU) does not match its content."""


@dataclass(frozen=True)
class DecodedFix:
    """One report of one device, in storage units.

    ``time`` is the device's fix time, timezone-aware UTC (``None`` only when the device sent an
    empty time and no fallback applies); ``lat``/``lon`` are WGS-84 degrees or both ``None``;
    ``valid`` is the device's own claim that the position is a real GPS fix; ``speed_kmh`` km/h;
    ``course`` degrees from north; ``altitude`` and ``accuracy_m`` metres; ``battery`` percent 0..100;
    ``charging`` whether external power is connected; ``event`` one of :data:`EVENT_NAMES` (or a
    snake_case name for an alarm outside that list); ``attributes`` everything else the device sent
    (satellites, cell towers, raw status words, client extras), JSON-serialisable.
    """

    device_id: str
    time: datetime | None
    lat: float | None
    lon: float | None
    valid: bool
    speed_kmh: float | None = None
    course: float | None = None
    altitude: float | None = None
    accuracy_m: float | None = None
    battery: float | None = None
    charging: bool | None = None
    event: str | None = None
    attributes: dict[str, object] = field(default_factory=dict, hash=False)

    @property
    def has_position(self) -> bool:
        """Whether the report carries coordinates (valid or not)."""
        return self.lat is not None and self.lon is not None


def normalise_alarm(name: str) -> str | None:
    """Map a device or client alarm name to the vocabulary of :data:`EVENT_NAMES`.

    Known aliases (Traccar's ``tampering``, ``removing``, ``lowBattery``, ``powerCut``...) map to
    their normalised name; any other non-empty name becomes snake_case so that no alarm is dropped;
    an empty name gives ``None``. Only the first of comma-separated alarms is kept.

    >>> normalise_alarm("powerCut"), normalise_alarm("geofenceExit"), normalise_alarm("doorOpen")
    ('power_cut', 'geofence_exit', 'door_open')
    """
    first = name.split(",", 1)[0].strip()
    if not first:
        return None
    alias = _ALARM_ALIASES.get(_NON_WORD.sub("", first.lower()))
    if alias is not None:
        return alias
    snake = _NON_WORD.sub("_", _CAMEL_BOUNDARY.sub("_", first).lower()).strip("_")
    return snake[:64] or None


def validate_fix(fix: DecodedFix, now: datetime) -> list[str]:
    """Reasons to reject ``fix`` as implausible; an empty list means it may be stored as a position.

    Rejected: a time more than a day after ``now`` (a timezone-aware datetime); a latitude outside
    [-90, 90] or a longitude outside [-180, 180]; any NaN or infinite number; a position at exactly
    (0, 0) — "null island", what many receivers send before their first fix — claimed as valid.

    >>> now = datetime(2025, 1, 1, tzinfo=UTC)
    >>> validate_fix(DecodedFix("7", now, 0.0, 0.0, valid=True), now)
    ['position (0, 0) is null island, yet flagged valid']
    """
    reasons: list[str] = []
    if fix.time is not None and fix.time - now > timedelta(days=1):
        reasons.append(f"time {fix.time.isoformat()} is more than a day in the future")
    numbers = {
        "latitude": fix.lat,
        "longitude": fix.lon,
        "speed": fix.speed_kmh,
        "course": fix.course,
        "altitude": fix.altitude,
        "accuracy": fix.accuracy_m,
        "battery": fix.battery,
    }
    for name, value in numbers.items():
        if value is not None and not math.isfinite(value):
            reasons.append(f"{name} is not a finite number")
    if fix.lat is not None and math.isfinite(fix.lat) and not -90.0 <= fix.lat <= 90.0:
        reasons.append(f"latitude {fix.lat} is outside [-90, 90]")
    if fix.lon is not None and math.isfinite(fix.lon) and not -180.0 <= fix.lon <= 180.0:
        reasons.append(f"longitude {fix.lon} is outside [-180, 180]")
    if fix.valid and fix.lat == 0.0 and fix.lon == 0.0:
        reasons.append("position (0, 0) is null island, yet flagged valid")
    return reasons


def ensure_aware(now: datetime) -> datetime:
    """``now`` in UTC; a naive datetime is a programming error, not a device's."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(UTC)
