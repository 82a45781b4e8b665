"""Live push of alerts and positions: an in-process broker for operators' browsers, and webhooks.

The monitoring service raises alerts in whatever thread stores the fixes (the listeners store
through ``asyncio.to_thread``; the batch API in FastAPI's thread pool). After each commit it calls
each hook in its ``alert_listeners`` list (:meth:`LiveHub.on_alert`) and in ``position_listeners``
(:meth:`LiveHub.publish_position`). Neither blocks: each hands the event to the event loop with
``call_soon_threadsafe`` and returns.

On the loop, :class:`LiveBroker` fans every event out to the subscribed browsers (Server-Sent
Events, ``GET /monitoring/live``) and :class:`WebhookDispatcher` posts alerts to the configured
URLs. Each browser has a bounded queue (:class:`Subscription`): a slow browser loses *old position
updates* (only the latest position of each device is kept, and the oldest devices' positions go
first when the bound is reached) but never an alert; a browser so far behind that even its alerts
pile up past ``alert_backlog_limit`` is disconnected with a ``resync`` event, and reloads the
queue from the API.

Events (SSE ``event:`` names, JSON ``data:``):

``alert``         a new alert (``id``, ``type``, ``order``, ``person``, ``device``, ``time``, ``status``…)
``alert_update``  an alert changed state (acknowledged, dispatched, resolved, escalated)
``position``      a stored fix of a device under an order in force (``order_id``, ``order``,
                  ``person``, ``device``, ``time``, ``lat``, ``lon``, ``speed_kmh``, ``course``,
                  ``battery``, ``event``) — from every ingest source (device listeners, the
                  batch API, imports run by the server, the demo)
``resync``        the client fell too far behind; reload

A browser may ask for some kinds only (``?kinds=alert,alert_update``: the alert queue needs no
positions). A probation officer's stream carries the orders of their caseload only.

Webhooks are read from ``QORGAU_MONITORING_WEBHOOKS`` (comma-separated URLs). Each alert and
alert transition is POSTed as JSON (``{"event": "alert"|"alert_update", "alert": {...}}``) with
retries and exponential backoff; deliveries run on the loop with their own bounded queue, so a
dead receiver costs memory up to that bound and never slows ingest. With
``QORGAU_MONITORING_WEBHOOK_SECRET`` set, each request carries ``X-Qorgau-Signature:
sha256=<HMAC of the body>`` so the receiver can check the sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import enum
import hashlib
import hmac
import json
import logging
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from qorgau.kernel.audit.service import do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission
from qorgau.kernel.people.store import PersonRow
from qorgau.monitoring.permissions import ALERTS_READ
from qorgau.monitoring.store import AssignmentRow, DeviceRow, OrderRow, PersonRefRow, PositionRow, ZoneRow

logger = logging.getLogger("qorgau.monitoring.live")

ALERT = "alert"
ALERT_UPDATE = "alert_update"
POSITION = "position"
RESYNC = "resync"
EVENT_KINDS = frozenset({ALERT, ALERT_UPDATE, POSITION, RESYNC})


class LiveSettings(BaseSettings):
    """Settings of live push, from ``QORGAU_MONITORING_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="QORGAU_MONITORING_", extra="ignore", frozen=True)

    webhooks: str = Field(default="", description="Comma-separated webhook URLs that receive alerts.")
    webhook_secret: str | None = Field(default=None, description="HMAC-SHA256 key signing webhook bodies.")
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_retries: int = Field(default=5, ge=0, le=20)
    webhook_backoff_s: float = Field(default=0.5, gt=0)
    webhook_queue: int = Field(default=10_000, ge=1)
    client_queue: int = Field(default=500, ge=1, description="Position updates kept per browser.")
    alert_backlog_limit: int = Field(default=5_000, ge=1)
    heartbeat_s: float = Field(default=15.0, gt=0)

    @property
    def webhook_urls(self) -> list[str]:
        """The configured webhook URLs (http or https), blanks and duplicates removed."""
        urls: list[str] = []
        for part in self.webhooks.split(","):
            url = part.strip()
            if not url or url in urls:
                continue
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"QORGAU_MONITORING_WEBHOOKS: {url!r} is not an http(s) URL")
            urls.append(url)
        return urls


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: dataclasses, mappings, enums, datetimes, sets and NaN handled.

    >>> jsonable({"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "n": math.nan, "k": {1, 2}})
    {'t': '2026-01-01T00:00:00+00:00', 'n': None, 'k': [1, 2]}
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, set | frozenset):
        return [jsonable(item) for item in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    for method in ("to_json", "as_dict", "model_dump"):
        if callable(getattr(value, method, None)):
            return jsonable(getattr(value, method)())
    return str(value)


@dataclasses.dataclass(frozen=True, slots=True)
class LiveEvent:
    """One pushed event: a sequence number, a kind from :data:`EVENT_KINDS`, and JSON data."""

    id: int
    kind: str
    data: Mapping[str, Any]

    def encode(self) -> bytes:
        """The event in the ``text/event-stream`` format (one ``data:`` line: JSON has no newline)."""
        payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.kind}\ndata: {payload}\n\n".encode()


class Subscription:
    """One browser's queue. Alerts queue in order and are never dropped; positions are coalesced
    per device (only the latest is kept) and bounded by ``capacity``, oldest device first."""

    def __init__(
        self,
        capacity: int,
        alert_backlog_limit: int,
        allowed_orders: frozenset[int] | None = None,
        kinds: frozenset[str] | None = None,
    ) -> None:
        self.allowed_orders = allowed_orders
        self.kinds = kinds
        self._alerts: deque[LiveEvent] = deque()
        self._positions: OrderedDict[str, LiveEvent] = OrderedDict()
        self._capacity = capacity
        self._alert_backlog_limit = alert_backlog_limit
        self._wake = asyncio.Event()
        self.closed = False
        self.overflowed = False
        self.dropped_positions = 0
        self.delivered = 0

    @property
    def pending(self) -> int:
        return len(self._alerts) + len(self._positions)

    def offer(self, event: LiveEvent) -> None:
        """Queue ``event`` (on the loop's thread)."""
        if self.closed:
            return
        if self.kinds is not None and event.kind not in self.kinds:
            return
        if self.allowed_orders is not None and event.data.get("order_id") not in self.allowed_orders:
            return
        if event.kind == POSITION:
            key = str(event.data.get("device") or event.data.get("order") or "")
            if key in self._positions:
                del self._positions[key]
                self.dropped_positions += 1
            elif len(self._positions) >= self._capacity:
                self._positions.popitem(last=False)
                self.dropped_positions += 1
            self._positions[key] = event
        else:
            if len(self._alerts) >= self._alert_backlog_limit:
                # Too far behind to catch up; the browser reloads the queue from the store instead.
                self.overflowed = True
                self._alerts.clear()
                self._positions.clear()
                self._alerts.append(LiveEvent(event.id, RESYNC, {"reason": "client too slow"}))
                self.closed = True
            else:
                self._alerts.append(event)
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def next(self, timeout: float) -> LiveEvent | None:
        """The next event (alerts first), or ``None`` after ``timeout`` seconds or when closed and empty."""
        while True:
            if self._alerts:
                self.delivered += 1
                return self._alerts.popleft()
            if self._positions:
                self.delivered += 1
                return self._positions.popitem(last=False)[1]
            if self.closed:
                return None
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                return None


class LiveBroker:
    """Fans events out to subscribers. ``publish`` is safe from any thread; delivery runs on the
    loop given to :meth:`bind` (until then, events published from other threads are dropped)."""

    def __init__(self, *, client_queue: int = 500, alert_backlog_limit: int = 5_000) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: set[Subscription] = set()
        self._client_queue = client_queue
        self._alert_backlog_limit = alert_backlog_limit
        self._sequence = 0
        self._lock = threading.Lock()
        self._taps: list[Callable[[LiveEvent], None]] = []
        self.closed = False
        self.published: dict[str, int] = dict.fromkeys(sorted(EVENT_KINDS), 0)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def add_tap(self, tap: Callable[[LiveEvent], None]) -> None:
        """Call ``tap(event)`` on the loop for every published event (webhooks, tests)."""
        self._taps.append(tap)

    def publish(self, kind: str, data: Mapping[str, Any]) -> None:
        """Send ``data`` as a ``kind`` event to every subscriber; returns at once, from any thread."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown live event kind {kind!r}")
        if self.closed:
            return
        with self._lock:
            self._sequence += 1
            event = LiveEvent(self._sequence, kind, jsonable(data))
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(event)
        else:
            with contextlib.suppress(RuntimeError):  # the loop is shutting down
                loop.call_soon_threadsafe(self._deliver, event)

    def _deliver(self, event: LiveEvent) -> None:
        self.published[event.kind] += 1
        for subscription in list(self._subscribers):
            subscription.offer(event)
            if subscription.closed:
                self._subscribers.discard(subscription)
        for tap in self._taps:
            try:
                tap(event)
            except Exception:  # a broken tap must not stop the others
                logger.exception("live tap failed")

    def subscribe(
        self, allowed_orders: frozenset[int] | None = None, kinds: frozenset[str] | None = None
    ) -> Subscription:
        """A new queue; with ``allowed_orders``, only events of those orders (``order_id``) reach it;
        with ``kinds``, only those kinds of event (a ``resync`` always does)."""
        subscription = Subscription(
            self._client_queue,
            self._alert_backlog_limit,
            allowed_orders,
            None if kinds is None else kinds | {RESYNC},
        )
        if self.closed:
            subscription.close()
        else:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        subscription.close()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def close(self) -> None:
        """End every subscription (their streams finish) and refuse new events."""
        self.closed = True
        for subscription in list(self._subscribers):
            subscription.close()
        self._subscribers.clear()


class WebhookDispatcher:
    """POSTs alert events to each URL with retries and exponential backoff, never blocking the caller.

    ``submit`` (on the loop) queues a body; beyond ``queue_limit`` undelivered bodies the oldest is
    dropped and counted. At most ``concurrency`` requests are in flight.
    """

    def __init__(
        self,
        urls: list[str],
        *,
        secret: str | None = None,
        timeout_s: float = 5.0,
        retries: int = 5,
        backoff_s: float = 0.5,
        queue_limit: int = 10_000,
        concurrency: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = list(urls)
        self._secret = secret.encode() if secret else None
        self._timeout_s = timeout_s
        self._retries = retries
        self._backoff_s = backoff_s
        self._queue: deque[bytes] = deque()
        self._queue_limit = queue_limit
        self._concurrency = concurrency
        self._transport = transport
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self.delivered = 0
        self.failed = 0
        self.retried = 0
        self.dropped = 0

    def start(self) -> None:
        if self._task is None and self.urls:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, transport=self._transport)
            self._task = asyncio.get_running_loop().create_task(self._run(), name="monitoring-webhooks")

    def submit(self, event: LiveEvent) -> None:
        """Queue ``event`` for every URL if it is an alert or an alert transition (on the loop)."""
        if not self.urls or event.kind not in (ALERT, ALERT_UPDATE):
            return
        body = json.dumps(
            {"event": event.kind, "sequence": event.id, "alert": event.data},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        if len(self._queue) >= self._queue_limit:
            self._queue.popleft()
            self.dropped += 1
            logger.warning("webhook queue full: the oldest alert body was dropped")
        self._queue.append(body)
        self._wake.set()

    async def _run(self) -> None:
        semaphore = asyncio.Semaphore(self._concurrency)
        while True:
            while not self._queue:
                self._wake.clear()
                await self._wake.wait()
            body = self._queue.popleft()
            for url in self.urls:
                await semaphore.acquire()
                task = asyncio.get_running_loop().create_task(self._deliver(url, body, semaphore))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, url: str, body: bytes, semaphore: asyncio.Semaphore) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": "Qorgau-monitoring/1"}
        if self._secret is not None:
            digest = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
            headers["X-Qorgau-Signature"] = f"sha256={digest}"
        assert self._client is not None
        try:
            for attempt in range(self._retries + 1):
                try:
                    response = await self._client.post(url, content=body, headers=headers)
                    if response.status_code < 300:
                        self.delivered += 1
                        return
                    problem = f"HTTP {response.status_code}"
                    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                        break  # the receiver refuses this body; repeating it will not help
                except httpx.HTTPError as error:
                    problem = f"{type(error).__name__}: {error}"
                if attempt < self._retries:
                    self.retried += 1
                    await asyncio.sleep(min(60.0, self._backoff_s * 2**attempt))
            self.failed += 1
            logger.warning("webhook %s failed after %d attempt(s): %s", url, attempt + 1, problem)
        finally:
            semaphore.release()

    async def close(self, grace_s: float = 2.0) -> None:
        """Give queued and in-flight deliveries ``grace_s`` seconds, then stop."""
        deadline = asyncio.get_running_loop().time() + grace_s
        while (self._queue or self._deliveries) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        tasks = [task for task in (self._task, *self._deliveries) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def stats(self) -> dict[str, int]:
        return {
            "urls": len(self.urls),
            "queued": len(self._queue),
            "in_flight": len(self._deliveries),
            "delivered": self.delivered,
            "retried": self.retried,
            "failed": self.failed,
            "dropped": self.dropped,
        }


class LiveHub:
    """The broker and the webhooks together: what the app keeps in ``app.state.monitoring_live``.

    :meth:`on_alert` is the hook for the service's ``alert_listeners``; :meth:`publish_position`
    the hook for its ``position_listeners`` (every stored fix of a device under an order).
    """

    def __init__(
        self, settings: LiveSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
    ):
        self.settings = settings or LiveSettings()
        self.broker = LiveBroker(
            client_queue=self.settings.client_queue, alert_backlog_limit=self.settings.alert_backlog_limit
        )
        self.webhooks = WebhookDispatcher(
            self.settings.webhook_urls,
            secret=self.settings.webhook_secret,
            timeout_s=self.settings.webhook_timeout_s,
            retries=self.settings.webhook_retries,
            backoff_s=self.settings.webhook_backoff_s,
            queue_limit=self.settings.webhook_queue,
            transport=transport,
        )
        self.broker.add_tap(self.webhooks.submit)

    def start(self) -> None:
        """Bind to the running loop and start the webhook sender."""
        self.broker.bind(asyncio.get_running_loop())
        self.webhooks.start()

    async def stop(self) -> None:
        self.broker.close()
        await self.webhooks.close()

    def on_alert(self, alert: Any) -> None:
        """Hook for the service's ``alert_listeners``: publish ``alert`` (an ``AlertRecord``).

        Called from any thread after the alert is committed; never blocks, never raises. A record
        whose ``change`` is ``raised`` is a new ``alert``; any other change (``acknowledged``,
        ``dispatched``, ``resolved``, ``escalated``) is an ``alert_update``.
        """
        try:
            to_dict = getattr(alert, "to_dict", None)
            data = jsonable(to_dict() if callable(to_dict) else alert)
            if not isinstance(data, dict):
                data = {"alert": data}
            for name in ("order_id", "person_id"):
                if name not in data and hasattr(alert, name):
                    data[name] = jsonable(getattr(alert, name))
            change = data.get("change", "raised")
            self.broker.publish(ALERT if change == "raised" else ALERT_UPDATE, data)
        except Exception:  # a hook must never break the ingest that called it
            logger.exception("could not publish an alert")

    def publish_position(self, data: Mapping[str, Any]) -> None:
        """Hook for the center's ``position_listeners``: publish a stored fix under an order (from
        any thread, after commit; never blocks, never raises)."""
        try:
            self.broker.publish(POSITION, data)
        except Exception:  # a hook must never break the ingest that called it
            logger.exception("could not publish a position")

    def stats(self) -> dict[str, Any]:
        return {
            "subscribers": self.broker.subscribers,
            "published": dict(self.broker.published),
            "webhooks": self.webhooks.stats(),
        }


# --- what the live map starts from ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LiveOrder:
    """An order in force, as the live map and the alert queue show it."""

    order_id: int
    order: str
    person_id: str
    person: str
    name: str
    kind: str
    devices: tuple[str, ...]
    zones: tuple[dict[str, Any], ...]
    acknowledgement_minutes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "order": self.order,
            "person_id": self.person_id,
            "person": self.person,
            "name": self.name,
            "kind": self.kind,
            "devices": list(self.devices),
            "zones": list(self.zones),
        }


def caseload(session: Session, actor: Principal) -> frozenset[int] | None:
    """Order ids the actor's live channel is limited to; ``None`` means every order.

    A probation officer sees their caseload (the orders they supervise); operators see all.
    """
    if actor.via in ("cli", "system") or actor.role != "probation_officer":
        return None
    return frozenset(
        session.scalars(select(OrderRow.id).where(OrderRow.supervising_officer_id == actor.user_id))
    )


def active_orders(session: Session, actor: Principal, now: dt.datetime) -> list[LiveOrder]:
    """Orders in force at ``now`` that the actor watches, with their devices and zones."""
    check_permission(actor, ALERTS_READ)
    query = (
        select(OrderRow, PersonRow.name)
        .join(PersonRow, PersonRow.id == OrderRow.person_id)
        .where(OrderRow.start_at <= now, OrderRow.end_at > now)
        .order_by(OrderRow.id)
    )
    allowed = caseload(session, actor)
    if allowed is not None:
        query = query.where(OrderRow.id.in_(sorted(allowed)))
    rows = session.execute(query).all()
    order_ids = [order.id for order, _name in rows]
    devices: dict[int, list[str]] = {}
    zones: dict[int, list[dict[str, Any]]] = {}
    refs: dict[str, str] = {}
    if order_ids:
        for order_id, identifier in session.execute(
            select(AssignmentRow.order_id, DeviceRow.identifier)
            .join(DeviceRow, DeviceRow.id == AssignmentRow.device_id)
            .where(
                AssignmentRow.order_id.in_(order_ids),
                AssignmentRow.start_at <= now,
                or_(AssignmentRow.end_at.is_(None), AssignmentRow.end_at > now),
            )
            .order_by(AssignmentRow.id)
        ):
            devices.setdefault(order_id, []).append(identifier)
        for zone in session.scalars(
            select(ZoneRow).where(ZoneRow.order_id.in_(order_ids)).order_by(ZoneRow.id)
        ):
            zones.setdefault(zone.order_id, []).append(
                {"id": zone.ref, "kind": zone.kind, "shape": zone.shape, "schedule": zone.schedule}
            )
        for ref, person_id in session.execute(
            select(PersonRefRow.external_ref, PersonRefRow.person_id)
            .where(PersonRefRow.person_id.in_({order.person_id for order, _ in rows}))
            .order_by(PersonRefRow.external_ref)
        ):
            refs.setdefault(person_id, ref)
    return [
        LiveOrder(
            order_id=order.id,
            order=order.external_ref or str(order.id),
            person_id=order.person_id,
            person=refs.get(order.person_id, order.person_id),
            name=name,
            kind=order.kind,
            devices=tuple(devices.get(order.id, ())),
            zones=tuple(zones.get(order.id, ())),
            acknowledgement_minutes=order.acknowledgement_minutes,
        )
        for order, name in rows
    ]


def person_name(session: Session, person_id: str) -> str | None:
    """The registry name of the person under an order (shown on the order's page)."""
    return session.scalar(select(PersonRow.name).where(PersonRow.id == person_id))


def latest_positions(session: Session, order_ids: list[int], since: dt.datetime) -> list[dict[str, Any]]:
    """The newest valid position of each (order, device) since ``since``."""
    if not order_ids:
        return []
    newest = (
        select(PositionRow.order_id, PositionRow.device_id, func.max(PositionRow.time).label("time"))
        .where(
            PositionRow.order_id.in_(order_ids),
            PositionRow.time >= since,
            PositionRow.valid.is_(True),
        )
        .group_by(PositionRow.order_id, PositionRow.device_id)
        .subquery()
    )
    rows = session.execute(
        select(PositionRow, DeviceRow.identifier)
        .join(
            newest,
            and_(
                PositionRow.order_id == newest.c.order_id,
                PositionRow.device_id == newest.c.device_id,
                PositionRow.time == newest.c.time,
            ),
        )
        .join(DeviceRow, DeviceRow.id == PositionRow.device_id)
        .order_by(PositionRow.order_id)
    ).all()
    return [
        {
            "order_id": position.order_id,
            "device": identifier,
            "time": position.time.isoformat(),
            "lat": position.lat,
            "lon": position.lon,
            "speed_kmh": position.speed_kmh,
            "course": position.course,
            "battery": position.battery,
            "event": position.event,
        }
        for position, identifier in rows
    ]


LIVE_MAP_PURPOSE = "live monitoring of orders in force"


def live_overview(
    session: Session, actor: Principal, now: dt.datetime, *, recent: dt.timedelta = dt.timedelta(hours=6)
) -> dict[str, Any]:
    """The orders in force that ``actor`` watches, their zones, and their devices' latest positions
    of the last ``recent`` hours — what the live map shows before the live channel takes over.

    The current position of a person under an order is read here, so the read is audited with the
    purpose of live monitoring under the orders in force (the center's duty), listing the orders.
    """
    orders = active_orders(session, actor, now)
    order_ids = [order.order_id for order in orders]
    positions = latest_positions(session, order_ids, now - recent)
    do_record(
        session,
        actor,
        "monitoring.live.read",
        "monitoring_order",
        "*",
        purpose=LIVE_MAP_PURPOSE,
        legal_basis="the monitoring orders in force",
        details={"orders": order_ids, "positions": len(positions)},
    )
    return {
        "now": now.isoformat(),
        "orders": [order.to_dict() for order in orders],
        "positions": positions,
    }


def stored_orders(
    session: Session, fixes: Sequence[tuple[str, dt.datetime]]
) -> dict[tuple[str, dt.datetime], int]:
    """The order each stored fix ``(device identifier, fix time)`` was filed under (unassigned fixes
    and fixes not found are left out) — read back after ingest, so the answer is the store's own."""
    wanted = {(identifier, moment.astimezone(dt.UTC)) for identifier, moment in fixes}
    if not wanted:
        return {}
    rows = session.execute(
        select(DeviceRow.identifier, PositionRow.time, PositionRow.order_id)
        .join(DeviceRow, DeviceRow.id == PositionRow.device_id)
        .where(
            DeviceRow.identifier.in_(sorted({identifier for identifier, _ in wanted})),
            PositionRow.time.in_(sorted({moment for _, moment in wanted})),
            PositionRow.order_id.is_not(None),
        )
    ).all()
    found: dict[tuple[str, dt.datetime], int] = {}
    for identifier, moment, order_id in rows:
        key = (identifier, moment.astimezone(dt.UTC))
        if key in wanted and order_id is not None:
            found[key] = int(order_id)
    return found


def order_labels(session: Session, order_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """order id → (the order's reference, its person's reference), as shown to people."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(OrderRow.id, OrderRow.external_ref, OrderRow.person_id).where(
            OrderRow.id.in_(sorted(order_ids))
        )
    ).all()
    refs: dict[str, str] = {}
    for ref, person_id in session.execute(
        select(PersonRefRow.external_ref, PersonRefRow.person_id)
        .where(PersonRefRow.person_id.in_({person_id for _, _, person_id in rows}))
        .order_by(PersonRefRow.external_ref)
    ):
        refs.setdefault(person_id, ref)
    return {
        order_id: (external_ref or str(order_id), refs.get(person_id, person_id))
        for order_id, external_ref, person_id in rows
    }
