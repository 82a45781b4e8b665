"""Monitoring orders, fixes and the import bundle as the center receives them: parsing and checks.

An *order* is the court decision that makes monitoring lawful: a subject, a kind of measure, a
legal basis (court, decision number and date, article), a term, the devices assigned, zones with
schedules, and the parameters of the rules. There is no monitoring without one (DESIGN.md,
principle 2), so every position the center evaluates belongs to an order in force at its time.

This module turns JSON (the import bundle, the API) into checked values and raises
:class:`OrderInvalid` naming the offending field (``orders[0].basis.date``), which the API turns into
a 422 problem document and the CLI into one line on stderr::

    ValueError
    └── OrderInvalid      ``field`` names the culprit, ``message`` says what is wrong

The kinds of measure are the ones a Kazakh court or probation service can back with electronic
monitoring (Criminal Code art. 44 restriction of liberty, art. 63–64 conditional sentence and
probation control; Criminal Procedure Code art. 146–147 house arrest and other pre-trial restraints):

>>> sorted(ORDER_KINDS)[:2]
['conditional_sentence', 'house_arrest']
>>> parse_instant("2026-02-01T21:50:00+05:00", "time").isoformat()
'2026-02-01T16:50:00+00:00'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qorgau.monitoring.domain.protocols import EVENT_NAMES, DecodedFix
from qorgau.monitoring.domain.zones import Zone, ZoneError, zone_from_json

ORDER_KINDS: frozenset[str] = frozenset(
    {"probation", "conditional_sentence", "restriction_of_liberty", "house_arrest", "pretrial_restraint"}
)
"""Kinds of measure: probation (пробационный контроль), conditional sentence (условное осуждение),
restriction of liberty (ограничение свободы), house arrest (домашний арест), another pre-trial
restraint (иная мера пресечения)."""

DEFAULT_SIGNAL_LOSS_MINUTES = 30
"""Operational default, not law: NIJ Standard-1004.00 asks for signal-loss alerts without fixing a
period; 30 minutes is the figure the issue's bundle uses."""
DEFAULT_ACKNOWLEDGEMENT_MINUTES = 10
"""Operational default: NIJ (secondary) expects alerts to reach the agency within 3–4 minutes; an
operator then has this long to acknowledge before the alert is escalated."""
DEFAULT_RETENTION_DAYS = 365
"""Operational default: positions are kept this long after the order ends unless under legal hold.
The law on the retention of electronic-monitoring data was not found; set per order."""

MAX_MINUTES = 7 * 24 * 60
MAX_RETENTION_DAYS = 50 * 365


class OrderInvalid(ValueError):
    """Bad input for an order, a fix or a bundle; ``field`` names it (``orders[0].start``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _where(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def parse_instant(value: object, field: str) -> dt.datetime:
    """An ISO 8601 date-time *with* offset, as an aware UTC datetime; a naive one is refused
    (a monitoring center must never guess the zone of a fix or a term)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError as error:
            raise OrderInvalid(field, f"expected an ISO 8601 date-time, got {value!r}") from error
    else:
        raise OrderInvalid(field, f"expected an ISO 8601 date-time, got {value!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise OrderInvalid(field, "the time needs an offset (e.g. +05:00 or Z)")
    return moment.astimezone(dt.UTC)


def parse_date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise OrderInvalid(field, f"expected a date YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise OrderInvalid(field, f"expected a date YYYY-MM-DD, got {value!r}") from error


def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool, limit: int) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise OrderInvalid(_where(where, key), "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise OrderInvalid(_where(where, key), "expected a string")
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise OrderInvalid(_where(where, key), f"at most {limit} characters")
    return text


def _number(
    obj: Mapping[str, Any], key: str, where: str, *, low: float | None = None, high: float | None = None
) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OrderInvalid(_where(where, key), f"expected a number, got {value!r}")
    number = float(value)
    if low is not None and number < low:
        raise OrderInvalid(_where(where, key), f"must be at least {low:g}")
    if high is not None and number > high:
        raise OrderInvalid(_where(where, key), f"must be at most {high:g}")
    return number


def _whole(obj: Mapping[str, Any], key: str, where: str, default: int, low: int, high: int) -> int:
    value = obj.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise OrderInvalid(_where(where, key), f"expected a whole number, got {value!r}")
    if not low <= int(value) <= high:
        raise OrderInvalid(_where(where, key), f"must be between {low} and {high}")
    return int(value)


@dataclass(frozen=True)
class CourtBasis:
    """The decision that orders monitoring: court, decision number and date, article applied."""

    court: str
    number: str
    date: dt.date
    article: str | None = None


@dataclass(frozen=True)
class ZoneInput:
    """A checked zone and the JSON it is stored as (``shape`` and ``schedule`` as given)."""

    zone: Zone
    ref: str
    kind: str
    shape: dict[str, Any]
    schedule: dict[str, Any] | None


@dataclass(frozen=True)
class OrderInput:
    """A checked order. ``person`` and ``protected_person`` are references in the caller's space
    (a bundle id or a registry id — the service resolves them); ``devices`` are device identifiers
    (IMEI or the id a phone app reports)."""

    ref: str | None
    person: str
    kind: str
    basis: CourtBasis
    start: dt.datetime
    end: dt.datetime
    devices: tuple[str, ...]
    min_distance_m: float | None = None
    protected_person: str | None = None
    protected_device: str | None = None
    signal_loss_minutes: int = DEFAULT_SIGNAL_LOSS_MINUTES
    acknowledgement_minutes: int = DEFAULT_ACKNOWLEDGEMENT_MINUTES
    retention_days: int = DEFAULT_RETENTION_DAYS
    supervising_officer: str | None = None
    zones: tuple[ZoneInput, ...] = ()


def check_zone(obj: object, where: str = "") -> ZoneInput:
    """A zone ``{"id", "kind": "inclusion"|"exclusion", "shape", "schedule"}`` checked by the
    domain's :func:`~.zones.zone_from_json`; errors become :class:`OrderInvalid` naming the field."""
    if not isinstance(obj, Mapping):
        raise OrderInvalid(where or "zone", "expected an object")
    prefix = where or "zone"
    try:
        zone = zone_from_json(obj, prefix)
    except (ZoneError, ValueError) as error:
        text = str(error)
        # The domain's messages start with the field path ("zones[0].shape.radius_m: ...").
        field, _, message = text.partition(": ")
        if not message or not field.startswith(prefix):
            field, message = prefix, text
        if not where:  # a zone on its own (the API): fields relative to it ("shape.radius_m")
            field = field.removeprefix("zone").lstrip(".") or "zone"
        raise OrderInvalid(field, message) from error
    schedule = obj.get("schedule")
    return ZoneInput(
        zone=zone,
        ref=zone.id,
        kind=str(zone.kind),
        shape=dict(obj["shape"]),
        schedule=dict(schedule) if isinstance(schedule, Mapping) else None,
    )


def check_basis(obj: object, where: str = "basis") -> CourtBasis:
    if not isinstance(obj, Mapping):
        raise OrderInvalid(where, "expected an object with court, number and date")
    court = _text(obj, "court", where, required=True, limit=300)
    number = _text(obj, "number", where, required=True, limit=100)
    if "date" not in obj or obj["date"] is None:
        raise OrderInvalid(_where(where, "date"), "is required")
    date = parse_date(obj["date"], _where(where, "date"))
    article = _text(obj, "article", where, required=False, limit=200)
    assert court is not None and number is not None
    return CourtBasis(court, number, date, article)


def check_order(obj: object, where: str = "") -> OrderInput:
    """Check an order in the bundle's form (see ``issues show 3``, "Contracts").

    Required: ``person``, ``kind``, ``basis``, ``start``, ``end``; ``device`` (one identifier) or
    ``devices`` (a list) may be left out (an order can be registered before a bracelet is fitted).
    Optional: ``id`` (kept as the external reference), ``min_distance_m``, ``protected_person``,
    ``protected_device``, ``signal_loss_minutes``, ``acknowledgement_minutes``, ``retention_days``,
    ``supervising_officer`` (a user name), ``zones``.
    """
    if not isinstance(obj, Mapping):
        raise OrderInvalid(where or "order", "expected an object")
    ref = _text(obj, "id", where, required=False, limit=100)
    person = _text(obj, "person", where, required=True, limit=100)
    kind = obj.get("kind")
    if kind not in ORDER_KINDS:
        raise OrderInvalid(_where(where, "kind"), f"one of {', '.join(sorted(ORDER_KINDS))}")
    basis = check_basis(obj.get("basis"), _where(where, "basis"))
    for key in ("start", "end"):
        if obj.get(key) is None:
            raise OrderInvalid(_where(where, key), "is required")
    start = parse_instant(obj["start"], _where(where, "start"))
    end = parse_instant(obj["end"], _where(where, "end"))
    if end <= start:
        raise OrderInvalid(_where(where, "end"), "the term must end after it starts")
    devices: list[str] = []
    if obj.get("device") is not None:
        device = _text(obj, "device", where, required=True, limit=64)
        assert device is not None
        devices.append(device)
    raw_devices = obj.get("devices")
    if raw_devices is not None:
        if not isinstance(raw_devices, Sequence) or isinstance(raw_devices, str):
            raise OrderInvalid(_where(where, "devices"), "expected a list of device identifiers")
        for index, item in enumerate(raw_devices):
            if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
                raise OrderInvalid(_where(where, f"devices[{index}]"), "expected a device identifier")
            if str(item).strip() not in devices:
                devices.append(str(item).strip())
    raw_zones = obj.get("zones") or []
    if not isinstance(raw_zones, Sequence) or isinstance(raw_zones, str):
        raise OrderInvalid(_where(where, "zones"), "expected a list")
    zones = tuple(check_zone(z, _where(where, f"zones[{i}]")) for i, z in enumerate(raw_zones))
    refs = [z.ref for z in zones]
    if len(set(refs)) != len(refs):
        raise OrderInvalid(_where(where, "zones"), "zone ids must be unique within an order")
    return OrderInput(
        ref=ref,
        person=person or "",
        kind=str(kind),
        basis=basis,
        start=start,
        end=end,
        devices=tuple(devices),
        min_distance_m=_number(obj, "min_distance_m", where, low=1.0, high=100_000.0),
        protected_person=_text(obj, "protected_person", where, required=False, limit=100),
        protected_device=_text(obj, "protected_device", where, required=False, limit=64),
        signal_loss_minutes=_whole(
            obj, "signal_loss_minutes", where, DEFAULT_SIGNAL_LOSS_MINUTES, 1, MAX_MINUTES
        ),
        acknowledgement_minutes=_whole(
            obj, "acknowledgement_minutes", where, DEFAULT_ACKNOWLEDGEMENT_MINUTES, 1, MAX_MINUTES
        ),
        retention_days=_whole(obj, "retention_days", where, DEFAULT_RETENTION_DAYS, 0, MAX_RETENTION_DAYS),
        supervising_officer=_text(obj, "supervising_officer", where, required=False, limit=64),
        zones=zones,
    )


# --- fixes ------------------------------------------------------------------------------------------

_FIX_KEYS = frozenset(
    {
        "device",
        "time",
        "lat",
        "lon",
        "valid",
        "speed_kmh",
        "course",
        "altitude",
        "accuracy_m",
        "battery",
        "charging",
        "event",
        "attributes",
    }
)


def check_fix(obj: object, where: str = "fix", *, device: str | None = None) -> DecodedFix:
    """A fix in the bundle / batch-API form as a :class:`DecodedFix`.

    ``{"device", "time", "lat", "lon", "speed_kmh", "course", "battery", "event"}`` plus optional
    ``valid`` (default true), ``altitude``, ``accuracy_m``, ``charging`` and ``attributes`` (an
    object). ``device`` may be left out when the caller gives it (a device-token request). Only
    *structure* is checked here (a number where a number belongs, a time with an offset, a known
    event): plausibility — a time in the future, a latitude of 95° — is :func:`validate_fix`'s
    business, and such fixes are counted as rejected rather than failing the whole batch.

    Unknown keys are kept in ``attributes`` (nothing a device sends is lost).
    """
    if not isinstance(obj, Mapping):
        raise OrderInvalid(where, "expected an object")
    given = obj.get("device")
    if given is None:
        if device is None:
            raise OrderInvalid(_where(where, "device"), "is required")
        identifier = device
    else:
        if isinstance(given, bool) or not isinstance(given, str | int) or not str(given).strip():
            raise OrderInvalid(_where(where, "device"), "expected a device identifier")
        identifier = str(given).strip()
        if device is not None and identifier != device:
            raise OrderInvalid(_where(where, "device"), "a device may only report its own fixes")
    if obj.get("time") is None:
        raise OrderInvalid(_where(where, "time"), "is required")
    time = parse_instant(obj["time"], _where(where, "time"))
    lat = _loose_number(obj, "lat", where)
    lon = _loose_number(obj, "lon", where)
    if (lat is None) != (lon is None):
        raise OrderInvalid(
            _where(where, "lon" if lon is None else "lat"), "give both lat and lon, or neither"
        )
    valid = obj.get("valid", lat is not None)
    if not isinstance(valid, bool):
        raise OrderInvalid(_where(where, "valid"), "expected true or false")
    event = obj.get("event")
    if event is not None and (not isinstance(event, str) or event not in EVENT_NAMES):
        raise OrderInvalid(_where(where, "event"), f"null or one of {', '.join(sorted(EVENT_NAMES))}")
    charging = obj.get("charging")
    if charging is not None and not isinstance(charging, bool):
        raise OrderInvalid(_where(where, "charging"), "expected true, false or null")
    attributes = obj.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise OrderInvalid(_where(where, "attributes"), "expected an object")
    extra = {str(k): v for k, v in obj.items() if k not in _FIX_KEYS}
    return DecodedFix(
        device_id=identifier,
        time=time,
        lat=lat,
        lon=lon,
        valid=valid,
        speed_kmh=_loose_number(obj, "speed_kmh", where),
        course=_loose_number(obj, "course", where),
        altitude=_loose_number(obj, "altitude", where),
        accuracy_m=_loose_number(obj, "accuracy_m", where),
        battery=_loose_number(obj, "battery", where),
        charging=charging,
        event=event,
        attributes={**dict(attributes), **extra},
    )


def _loose_number(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    """A JSON number (any value: range checks belong to :func:`validate_fix`) or null."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OrderInvalid(_where(where, key), f"expected a number or null, got {value!r}")
    return float(value)


# --- the bundle -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    """A person of the bundle: the caller's ``ref`` and the fields the people registry checks."""

    ref: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Bundle:
    """A checked import bundle (``issues show 3``, "Contracts")."""

    people: tuple[PersonInput, ...]
    orders: tuple[OrderInput, ...]
    fixes: tuple[DecodedFix, ...]

    @property
    def last_fix_time(self) -> dt.datetime | None:
        times = [fix.time for fix in self.fixes if fix.time is not None]
        return max(times) if times else None


def check_bundle(doc: object) -> Bundle:
    """Check a whole bundle ``{"people": [...], "orders": [...], "fixes": [...]}`` (each list may be
    absent). Person and order ids must be unique; an order's ``person`` must name a person of the
    bundle or a person already in the registry (the service checks the latter)."""
    if not isinstance(doc, Mapping):
        raise OrderInvalid("bundle", "expected a JSON object with people, orders and fixes")
    unknown = set(doc) - {"people", "orders", "fixes", "version", "source"}
    if unknown:
        raise OrderInvalid(sorted(unknown)[0], "unknown section (expected people, orders, fixes)")

    def section(name: str) -> Sequence[Any]:
        value = doc.get(name) or []
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise OrderInvalid(name, "expected a list")
        return value

    people: list[PersonInput] = []
    seen: set[str] = set()
    for index, raw in enumerate(section("people")):
        where = f"people[{index}]"
        if not isinstance(raw, Mapping):
            raise OrderInvalid(where, "expected an object")
        ref = _text(raw, "id", where, required=True, limit=100)
        assert ref is not None
        if ref in seen:
            raise OrderInvalid(f"{where}.id", f"duplicate person id {ref!r}")
        seen.add(ref)
        people.append(PersonInput(ref, {k: v for k, v in raw.items() if k != "id"}))
    orders: list[OrderInput] = []
    order_refs: set[str] = set()
    for index, raw in enumerate(section("orders")):
        order = check_order(raw, f"orders[{index}]")
        if order.ref is not None:
            if order.ref in order_refs:
                raise OrderInvalid(f"orders[{index}].id", f"duplicate order id {order.ref!r}")
            order_refs.add(order.ref)
        orders.append(order)
    fixes = tuple(check_fix(raw, f"fixes[{index}]") for index, raw in enumerate(section("fixes")))
    return Bundle(tuple(people), tuple(orders), fixes)
