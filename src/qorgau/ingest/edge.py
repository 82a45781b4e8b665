"""The edge of the bus inside ``qorgau serve``: publish decoded fixes, relay live events back.

:class:`BusStore` is a :data:`qorgau.monitoring.listeners.StoreBatch` — what the device listeners
call with a batch of decoded fixes (in a worker thread). It checks each fix's plausibility
(:func:`~qorgau.monitoring.domain.protocols.validate_fix`, the same rule as the embedded store, so
a device gets the same 400 for a fix a day in the future), publishes the rest to JetStream on the
subject of the device's partition with ``Nats-Msg-Id`` = device and fix time, and answers
``stored`` for a fix only once JetStream has acknowledged it — written to the stream's file storage.
The listeners acknowledge the device only then (the GT06/H02 reply, OsmAnd's 200); a fix the bus
did not take is not acknowledged (503 / no reply) and the device sends it again. Duplicates within
the stream's window are dropped by JetStream; later ones by the store (idempotent on device, time).

Unlike the embedded store the edge does not look devices up: an unknown device's fix is accepted
here and rejected (and counted) by the worker, so the edge keeps taking fixes while PostgreSQL is
down.

:class:`LiveRelay` subscribes to the live subjects the workers publish on and feeds the
:class:`~qorgau.monitoring.live.LiveHub`: alerts (``hub.on_alert`` takes their JSON form as it
takes a record) and positions (``hub.publish_position``).

:func:`start_edge` / :func:`stop_edge` are what ``start_listeners`` / ``stop_listeners`` call: with
``QORGAU_INGEST_URL`` unset, :func:`start_edge` returns ``None`` and serve stays embedded.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from qorgau.ingest.bus import (
    LIVE_ALERTS,
    LIVE_POSITIONS,
    SOURCE_HEADER,
    IngestSettings,
    connect,
    encode_fix,
    ensure_stream,
    message_id,
    partition_of,
)
from qorgau.monitoring.center import rejection_reason
from qorgau.monitoring.domain.protocols import DecodedFix, validate_fix
from qorgau.monitoring.listeners import REJECTED, STORED, FixOutcome
from qorgau.monitoring.live import LiveHub

log = logging.getLogger("qorgau.ingest.edge")

EDGE_KEY = "ingest_edge"


class Publisher:
    """Publishes fixes to the stream from async code (the edge, benchmarks, tests)."""

    def __init__(self, js: JetStreamContext, settings: IngestSettings) -> None:
        self.js = js
        self.settings = settings

    async def publish(self, fixes: Sequence[DecodedFix], source: str) -> None:
        """Publish every fix and wait for all acknowledgements (raises if any is missing)."""
        futures = [
            self.js.publish(
                self.settings.subject(partition_of(fix.device_id, self.settings.partitions)),
                encode_fix(fix),
                timeout=self.settings.publish_timeout_s,
                headers={"Nats-Msg-Id": message_id(fix), SOURCE_HEADER: source},
            )
            for fix in fixes
        ]
        await asyncio.gather(*futures)


class BusStore:
    """:data:`~qorgau.monitoring.listeners.StoreBatch` over the bus (see the module docstring).
    Called from a worker thread; the publishing runs on ``loop`` (where the connection lives)."""

    def __init__(self, publisher: Publisher, loop: asyncio.AbstractEventLoop) -> None:
        self.publisher = publisher
        self.loop = loop

    def __call__(self, fixes: list[DecodedFix], source: str) -> list[FixOutcome]:
        now = dt.datetime.now(dt.UTC)
        outcomes: list[FixOutcome] = []
        accepted: list[DecodedFix] = []
        for fix in fixes:
            if fix.time is None:
                # As the embedded store does: the server's clock, said so in the attributes.
                fix = dataclasses.replace(
                    fix, time=now, attributes={**fix.attributes, "time_source": "server"}
                )
            reasons = validate_fix(fix, now)
            if reasons or not fix.device_id:
                outcomes.append(
                    FixOutcome(REJECTED, rejection_reason(reasons[0]) if reasons else "no_device_id")
                )
                continue
            accepted.append(fix)
            outcomes.append(FixOutcome(STORED))
        if accepted:
            future = asyncio.run_coroutine_threadsafe(
                self.publisher.publish(accepted, source[:16]), self.loop
            )
            # Raises when the bus did not take every fix: the listeners then answer none of them.
            future.result(timeout=self.publisher.settings.publish_timeout_s * 2)
        return outcomes


class LiveRelay:
    """Feeds the hub from the workers' live subjects (core NATS: at most once, as live push is)."""

    def __init__(self, nc: NATS, hub: LiveHub) -> None:
        self.nc = nc
        self.hub = hub
        self._subscriptions: list[Subscription] = []
        self.received = 0

    async def start(self) -> None:
        self._subscriptions = [
            await self.nc.subscribe(LIVE_ALERTS, cb=self._on_alert),
            await self.nc.subscribe(LIVE_POSITIONS, cb=self._on_position),
        ]

    async def stop(self) -> None:
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        self._subscriptions = []

    @staticmethod
    def _data(message: Msg) -> dict[str, Any] | None:
        try:
            data = json.loads(message.data)
        except ValueError:
            log.warning("live relay: a message on %s is not JSON", message.subject)
            return None
        return data if isinstance(data, dict) else None

    async def _on_alert(self, message: Msg) -> None:
        data = self._data(message)
        if data is not None:
            self.received += 1
            self.hub.on_alert(data)

    async def _on_position(self, message: Msg) -> None:
        data = self._data(message)
        if data is not None:
            self.received += 1
            self.hub.publish_position(data)


@dataclasses.dataclass
class Edge:
    """What serve holds in NATS mode: the connection, the store for the listeners, the relay."""

    nc: NATS
    store: BusStore
    relay: LiveRelay
    settings: IngestSettings


async def open_edge(hub: LiveHub | None, settings: IngestSettings | None = None) -> Edge | None:
    """Connect to the bus named by ``QORGAU_INGEST_URL`` (``None`` when unset: embedded mode),
    make sure the stream exists, and start relaying live events to ``hub``."""
    settings = settings or IngestSettings()
    if not settings.servers:
        return None
    nc = await connect(settings, "qorgau serve")
    js = nc.jetstream(timeout=settings.publish_timeout_s)
    await ensure_stream(js, settings)
    relay = LiveRelay(nc, hub) if hub is not None else LiveRelay(nc, LiveHub())
    if hub is not None:
        await relay.start()
    log.info("ingest through NATS JetStream at %s (%d partitions)", settings.url, settings.partitions)
    return Edge(nc, BusStore(Publisher(js, settings), asyncio.get_running_loop()), relay, settings)


async def close_edge(edge: Edge | None) -> None:
    if edge is None:
        return
    await edge.relay.stop()
    with contextlib.suppress(Exception):
        await edge.nc.drain()


async def start_edge(app: Any, hub: LiveHub | None) -> Edge | None:
    """``start_listeners``' hook: the edge in ``app.state.ingest_edge`` (``None``: embedded).

    The bus is the app's ``Settings.ingest_url`` (``QORGAU_INGEST_URL``); the other bus settings come
    from ``QORGAU_INGEST_*``."""
    url = getattr(getattr(app.state, "settings", None), "ingest_url", None)
    edge = await open_edge(hub, IngestSettings(url=url)) if url else None
    setattr(app.state, EDGE_KEY, edge)
    return edge


async def stop_edge(app: Any) -> None:
    """``stop_listeners``' hook, after the listeners have flushed what they queued."""
    edge = getattr(app.state, EDGE_KEY, None)
    setattr(app.state, EDGE_KEY, None)
    await close_edge(edge if isinstance(edge, Edge) else None)
