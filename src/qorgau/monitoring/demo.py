"""The monitoring demo: people under orders moving through Almaty, and violations within a minute.

:func:`run` (called by ``qorgau demo``) registers, through the same import pipeline as a real
bundle, five demo people, four monitoring orders with zones (home curfew circles 22:00–06:00
Asia/Almaty, an exclusion polygon around the Green Bazaar, a district inclusion polygon), a
protected person (a victim with a phone app) with a minimum distance, and the last half hour of
each device's track.

:func:`start_simulator` (started with the listeners by ``qorgau serve`` when the store holds the
demo orders, or when ``QORGAU_MONITORING_SIMULATE=true``) keeps the devices moving: every
``STEP_S`` seconds each device reports a fix through the ingest pipeline. The scenario repeats
every ``CYCLE_S`` seconds and, counted from the server's start:

* ~15 s — the theft convict's taxi enters the Green Bazaar exclusion zone (``exclusion_zone_violation``);
* ~25 s — the domestic-violence subject drives within 500 m of the victim (``victim_proximity``);
* 45 s  — the third bracelet reports a cut strap (``tamper``), its battery runs low (``low_battery``);
* 110 s — the fourth device reports it is switching off (``device_off``) and then stays silent
  until its two-minute signal-loss limit runs out (``signal_loss``, raised by the timer sweep).

Streets are polylines in (lat, lon) drawn along real Almaty avenues (approximately); speeds are
realistic: 5 km/h on foot, 25–35 km/h in city traffic.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import math
import os
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from qorgau.kernel.auth.store import UserRepository
from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database
from qorgau.monitoring.domain.geometry import haversine_m
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.service import do_import_bundle
from qorgau.monitoring.store import OrderRow

if TYPE_CHECKING:
    from fastapi import FastAPI

    from qorgau.monitoring.listeners import Listeners

logger = logging.getLogger("qorgau.monitoring.demo")

STEP_S = 5.0
"""Seconds between two fixes of one device in the simulation."""
CYCLE_S = 600.0
"""The scripted events (tamper, low battery, device off, silence) repeat with this period."""
HISTORY = dt.timedelta(minutes=30)
HISTORY_STEP_S = 60.0
ALMATY = "Asia/Almaty"
CURFEW = {"tz": ALMATY, "windows": [{"from": "22:00", "to": "06:00"}]}
DEMO_ORDER_PREFIX = "demo-"

LatLon = tuple[float, float]


@dataclasses.dataclass(frozen=True)
class Route:
    """A polyline driven back and forth at ``speed_kmh``; ``start_m`` is where the simulation starts."""

    points: tuple[LatLon, ...]
    speed_kmh: float
    start_m: float

    @property
    def lengths(self) -> list[float]:
        return [haversine_m(*a, *b) for a, b in zip(self.points, self.points[1:], strict=False)]

    @property
    def length_m(self) -> float:
        return sum(self.lengths)

    def at(self, distance_m: float) -> tuple[float, float, float]:
        """(lat, lon, course) at ``distance_m`` along the route, back and forth (ping-pong)."""
        total = self.length_m
        period = 2 * total
        folded = distance_m % period
        backwards = folded > total
        along = period - folded if backwards else folded
        for (a, b), length in zip(zip(self.points, self.points[1:], strict=False), self.lengths, strict=True):
            if along <= length or (a, b) == (self.points[-2], self.points[-1]):
                share = 0.0 if length == 0 else min(1.0, along / length)
                lat = a[0] + (b[0] - a[0]) * share
                lon = a[1] + (b[1] - a[1]) * share
                course = _bearing(a, b) if not backwards else _bearing(b, a)
                return lat, lon, course
            along -= length
        lat, lon = self.points[-1]
        return lat, lon, 0.0

    def distance_at(self, seconds: float) -> float:
        """Distance along the route ``seconds`` after the simulation start; before it (history) the
        person comes from the route's first point (home) and waits there before that."""
        metres = self.start_m + self.speed_kmh / 3.6 * seconds
        return max(0.0, metres) if seconds < 0 else metres


def _bearing(a: LatLon, b: LatLon) -> float:
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    dlon = math.radians(b[1] - a[1])
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return round(math.degrees(math.atan2(x, y)) % 360.0, 1)


@dataclasses.dataclass(frozen=True)
class Subject:
    """A demo person under an order, their device and what their simulation does."""

    ref: str
    person: dict[str, Any]
    order: dict[str, Any]
    device: str
    route: Route
    battery_start: float = 85.0
    battery_drain_per_step: float = 0.02
    tamper_at_s: float | None = None
    power_off_at_s: float | None = None
    silent_for_s: float = 0.0


# Green Bazaar (Zelyony Bazar), between Zhibek Zholy and Makataev streets: an exclusion zone for a
# person convicted of thefts at the market. GeoJSON order: [lon, lat].
GREEN_BAZAAR = {
    "type": "Polygon",
    "coordinates": [
        [[76.9508, 43.2618], [76.9572, 43.2616], [76.9578, 43.2652], [76.9540, 43.2663], [76.9505, 43.2655]]
    ],
}
# Medeu district (approximately): where the fourth subject must stay (restriction of liberty).
MEDEU_DISTRICT = {
    "type": "Polygon",
    "coordinates": [
        [[76.9450, 43.2700], [76.9900, 43.2700], [76.9950, 43.2200], [76.9500, 43.2150], [76.9450, 43.2400]]
    ],
}
VICTIM_HOME: LatLon = (43.2302, 76.9108)
VICTIM_DEVICE = "demo-victim-phone"


def _order(ref: str, person: str, kind: str, number: str, device: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{DEMO_ORDER_PREFIX}{ref}",
        "person": person,
        "kind": kind,
        "basis": {
            "court": "Специализированный межрайонный суд по уголовным делам г. Алматы",
            "number": number,
            "date": "2026-01-15",
            "article": extra.pop("article", None),
        },
        "device": device,
        **extra,
    }


def _home(lat: float, lon: float) -> dict[str, Any]:
    return {
        "id": "home",
        "kind": "inclusion",
        "shape": {"type": "circle", "lat": lat, "lon": lon, "radius_m": 150},
        "schedule": CURFEW,
    }


SUBJECTS: tuple[Subject, ...] = (
    Subject(
        ref="demo-p1",
        person={
            "name": "Ерлан Серикович Ахметов",
            "birth_date": "1991-05-17",
            "sex": "M",
            "citizenships": ["KZ"],
        },
        order=_order(
            "order-1",
            "demo-p1",
            "probation",
            "1-2026/0117",
            "860000000000101",
            article="УК РК ст. 188 ч. 2",
            zones=[
                _home(43.2556, 76.9318),
                {"id": "green-bazaar", "kind": "exclusion", "shape": GREEN_BAZAAR, "schedule": None},
            ],
        ),
        device="860000000000101",
        # Tole Bi east, north on Ablai Khan, east along Zhibek Zholy through the bazaar, on to Raiymbek.
        route=Route(
            (
                (43.2556, 76.9318),
                (43.2552, 76.9452),
                (43.2601, 76.9457),
                (43.2604, 76.9525),
                (43.2640, 76.9540),
                (43.2680, 76.9545),
                (43.2685, 76.9650),
            ),
            speed_kmh=30.0,
            start_m=2200.0,
        ),
    ),
    Subject(
        ref="demo-p2",
        person={"name": "Виктор Павлович Ли", "birth_date": "1984-10-02", "sex": "M", "citizenships": ["KZ"]},
        order=_order(
            "order-2",
            "demo-p2",
            "restriction_of_liberty",
            "1-2026/0231",
            "860000000000102",
            article="УК РК ст. 108-1",
            min_distance_m=500,
            protected_person="demo-v1",
            protected_device=VICTIM_DEVICE,
            zones=[_home(43.2236, 76.8702)],
        ),
        device="860000000000102",
        # Along Al-Farabi towards Rozybakiev street, then north: past the victim's block.
        route=Route(
            (
                (43.2236, 76.8702),
                (43.2232, 76.8850),
                (43.2262, 76.8985),
                (43.2290, 76.9075),
                (43.2335, 76.9160),
                (43.2390, 76.9170),
            ),
            speed_kmh=35.0,
            start_m=2900.0,
        ),
    ),
    Subject(
        ref="demo-p3",
        person={
            "name": "Данияр Маратович Жумабаев",
            "birth_date": "1998-02-23",
            "sex": "M",
            "citizenships": ["KZ"],
        },
        order=_order(
            "order-3",
            "demo-p3",
            "conditional_sentence",
            "1-2026/0302",
            "860000000000103",
            article="УК РК ст. 296 ч. 1",
            zones=[_home(43.2489, 76.9641)],
        ),
        device="860000000000103",
        # On foot around the Central Park of Culture and Leisure.
        route=Route(
            (
                (43.2489, 76.9641),
                (43.2532, 76.9652),
                (43.2560, 76.9700),
                (43.2540, 76.9760),
                (43.2505, 76.9745),
                (43.2489, 76.9641),
            ),
            speed_kmh=5.0,
            start_m=300.0,
        ),
        battery_start=20.4,
        battery_drain_per_step=0.05,
        tamper_at_s=45.0,
    ),
    Subject(
        ref="demo-p4",
        person={
            "name": "Руслан Тимурович Ибраев",
            "birth_date": "1979-08-11",
            "sex": "M",
            "citizenships": ["KZ"],
        },
        order=_order(
            "order-4",
            "demo-p4",
            "house_arrest",
            "1-2026/0412",
            "860000000000104",
            article="УПК РК ст. 146",
            signal_loss_minutes=2,
            zones=[
                _home(43.2390, 76.9578),
                {"id": "medeu-district", "kind": "inclusion", "shape": MEDEU_DISTRICT, "schedule": None},
            ],
        ),
        device="860000000000104",
        # Dostyk avenue, south and back.
        route=Route(
            (
                (43.2390, 76.9578),
                (43.2500, 76.9560),
                (43.2600, 76.9555),
                (43.2300, 76.9600),
                (43.2230, 76.9640),
            ),
            speed_kmh=25.0,
            start_m=200.0,
        ),
        power_off_at_s=110.0,
        silent_for_s=190.0,
    ),
)
VICTIM = {"name": "Алия Нурлановна Сейткали", "birth_date": "1993-12-09", "sex": "F", "citizenships": ["KZ"]}


def bundle(now: dt.datetime) -> dict[str, Any]:
    """The demo as an import bundle: people, orders (a year's term that began just before the
    history) and half an hour of history for every device, ending at ``now``."""
    # The term starts just before the history: an order in force for weeks without a single fix
    # would (rightly) have raised a curfew and a signal-loss alert for every one of those nights.
    start = (now - HISTORY - dt.timedelta(seconds=HISTORY_STEP_S)).astimezone(dt.UTC).replace(microsecond=0)
    end = start + dt.timedelta(days=365)
    orders = []
    for subject in SUBJECTS:
        order = dict(subject.order)
        order["start"] = start.isoformat()
        order["end"] = end.isoformat()
        orders.append(order)
    fixes: list[dict[str, Any]] = []
    steps = int(HISTORY.total_seconds() // HISTORY_STEP_S)
    for index in range(steps, 0, -1):
        seconds = -index * HISTORY_STEP_S
        moment = now + dt.timedelta(seconds=seconds)
        fixes.append(_fix_json(victim_fix(seconds, moment)))
        for subject in SUBJECTS:
            fix = subject_fix(subject, seconds, moment, history=True)
            if fix is not None:
                fixes.append(_fix_json(fix))
    return {
        "people": [
            *({"id": subject.ref, **subject.person} for subject in SUBJECTS),
            {"id": "demo-v1", **VICTIM},
        ],
        "orders": orders,
        "fixes": fixes,
    }


def _fix_json(fix: DecodedFix) -> dict[str, Any]:
    assert fix.time is not None
    return {
        "device": fix.device_id,
        "time": fix.time.isoformat(),
        "lat": round(fix.lat, 6) if fix.lat is not None else None,
        "lon": round(fix.lon, 6) if fix.lon is not None else None,
        "speed_kmh": fix.speed_kmh,
        "course": fix.course,
        "battery": fix.battery,
        "event": fix.event,
    }


def subject_fix(
    subject: Subject, seconds: float, moment: dt.datetime, *, history: bool = False
) -> DecodedFix | None:
    """The fix ``subject``'s device sends ``seconds`` after the simulation start (``None``: silent)."""
    cycle = seconds % CYCLE_S
    event: str | None = None
    if not history:
        if subject.power_off_at_s is not None:
            if subject.power_off_at_s < cycle < subject.power_off_at_s + subject.silent_for_s:
                return None
            if abs(cycle - subject.power_off_at_s) < STEP_S / 2:
                event = "power_off"
        if subject.tamper_at_s is not None and abs(cycle - subject.tamper_at_s) < STEP_S / 2:
            event = "tamper"
    distance = subject.route.distance_at(seconds)
    lat, lon, course = subject.route.at(distance)
    moving = seconds >= 0 or subject.route.start_m + subject.route.speed_kmh / 3.6 * seconds > 0
    battery = 80.0 if history else _battery(subject, cycle)
    # A few metres of GPS noise, deterministic so that a re-run stores the same fixes.
    jitter = math.sin(seconds * 0.7 + len(subject.device)) * 0.00002
    return DecodedFix(
        device_id=subject.device,
        time=moment.astimezone(dt.UTC).replace(microsecond=0),
        lat=lat + jitter,
        lon=lon - jitter,
        valid=True,
        speed_kmh=subject.route.speed_kmh if moving else 0.0,
        course=course,
        battery=round(battery, 1),
        event=event,
        attributes={"demo": True},
    )


def _battery(subject: Subject, cycle: float) -> float:
    """Drains from ``battery_start``; in the second half of the cycle the device is on its charger."""
    if cycle < CYCLE_S / 2:
        return max(1.0, subject.battery_start - subject.battery_drain_per_step * cycle / STEP_S)
    return min(100.0, 40.0 + (cycle - CYCLE_S / 2) / 2)


def victim_fix(seconds: float, moment: dt.datetime) -> DecodedFix:
    """The protected person's phone: at home, moving a few metres about."""
    wobble = 0.0002 * math.sin(seconds / 90.0)
    return DecodedFix(
        device_id=VICTIM_DEVICE,
        time=moment.astimezone(dt.UTC).replace(microsecond=0),
        lat=VICTIM_HOME[0] + wobble,
        lon=VICTIM_HOME[1] + wobble / 2,
        valid=True,
        speed_kmh=0.0,
        battery=70.0,
        attributes={"demo": True},
    )


def run(database: Database) -> None:
    """Add the demo (idempotent: nothing is added when the demo orders exist)."""
    with database.session() as session:
        if session.scalar(select(OrderRow.id).where(OrderRow.external_ref == SUBJECTS[0].order["id"])):
            return
        officer = UserRepository(session).by_username("probation_officer")
    doc = bundle(dt.datetime.now(dt.UTC))
    if officer is not None and officer.role == "probation_officer":
        for order in doc["orders"]:
            order["supervising_officer"] = officer.username
    do_import_bundle(database, cli_principal(), doc)


def has_demo_orders(database: Database) -> bool:
    with database.session() as session:
        return (
            session.scalar(select(OrderRow.id).where(OrderRow.external_ref == SUBJECTS[0].order["id"]))
            is not None
        )


def simulate_setting() -> bool | None:
    """``QORGAU_MONITORING_SIMULATE``: true, false, or unset (``None``: only with demo data)."""
    value = os.environ.get("QORGAU_MONITORING_SIMULATE", "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


async def start_simulator(app: FastAPI, listeners: Listeners) -> asyncio.Task[None] | None:
    """Start :func:`simulate` if the setting asks for it, or (unset) if the demo orders exist."""
    wanted = simulate_setting()
    database: Database = app.state.db
    if wanted is False:
        return None
    if wanted is None:
        try:
            found = await asyncio.to_thread(has_demo_orders, database)
        except Exception:  # no tables yet: nothing to simulate
            logger.exception("could not look for the demo orders")
            return None
        if not found:
            return None
    logger.info("monitoring demo simulator started (QORGAU_MONITORING_SIMULATE to turn it off)")
    return asyncio.get_running_loop().create_task(simulate(listeners), name="monitoring-demo-simulator")


async def simulate(listeners: Listeners, *, step_s: float = STEP_S) -> None:
    """Feed a fix per device every ``step_s`` seconds through the ingest pipeline, forever."""
    started = dt.datetime.now(dt.UTC)
    loop = asyncio.get_running_loop()
    origin = loop.time()
    tick = 0
    while True:
        seconds = tick * step_s
        moment = started + dt.timedelta(seconds=seconds)
        # The protected person's position first: the proximity rule compares against the latest one.
        fixes = [victim_fix(seconds, moment)]
        fixes.extend(
            fix for subject in SUBJECTS if (fix := subject_fix(subject, seconds, moment)) is not None
        )
        try:
            await listeners.ingest(fixes, "demo")
        except Exception:
            logger.exception("demo simulator: storing failed; retrying at the next step")
        tick += 1
        await asyncio.sleep(max(0.0, origin + tick * step_s - loop.time()))
