"""Device listeners: OsmAnd HTTP, H02 TCP and GT06 TCP on the web app's event loop.

:func:`start_listeners` starts the live hub (:mod:`.live`, always: alerts from every source reach
the browsers), the rule timers (a sweep every 5 s), the three servers (when ``settings.listeners``
is true) and, with demo data in the store, the demo simulator (:mod:`.demo`).
:func:`stop_listeners` closes them after storing what is queued. :func:`install` wires all of it,
and the pages of :mod:`.web.routes`, into an app (``register`` calls it).

The path of a fix::

    socket → framer → decoder (on the loop) → IngestBatcher → service.do_ingest (in a thread)
                                                      ↓ outcome per fix      ↓ after commit
                      acknowledgement / HTTP answer ←─┘    alert and position listeners → live hub

* **Decoding** runs on the loop: it is pure and fast, and a malformed frame is counted
  (``malformed`` by protocol), logged and skipped — the connection keeps serving.
* **Storing** runs in a worker thread (``asyncio.to_thread``) in small batches, flushed every
  ``flush_interval_s`` (50 ms) or at ``max_batch`` (200) fixes, so a slow database never stalls a
  socket. One batcher per protocol flushes in order, so a device's fixes are stored in the order
  they arrived. At most ``max_pending`` fixes wait; beyond that readers wait (back-pressure).
* **Acknowledgements** of GT06 positions and H02 ``V1`` replies are sent *after* the fix is stored:
  a device that gets no answer resends, so a crash between receipt and storage loses nothing
  (at-least-once; the store is idempotent on device and fix time). Logins and heartbeats are
  answered at once.
* **OsmAnd** answers 200 when stored, 400 for a request it cannot decode or a fix it rejects, and
  for an unknown device 400 (query/form) or 404 (JSON) as Traccar does; 503 if the store failed.
* **Buffers** are bounded: the framers keep at most one frame, HTTP heads 16 KiB and bodies 64 KiB;
  idle connections are closed (TCP after ``tcp_idle_s``, HTTP keep-alive after ``http_idle_s``).

Counters (:class:`IngestCounters`, ``GET /api/v1/monitoring/ingest/stats``): fixes accepted,
duplicates, unassigned, rejected by reason, malformed frames by protocol, frames, store errors,
connections, batches and the store latency.

Timers run ``TIMER_MARGIN_S`` (15 s) behind the clock (:func:`sweep_timers` says why); escalation
of unacknowledged alerts uses the clock itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import h11
from fastapi import FastAPI

from qorgau.kernel.db import Database
from qorgau.monitoring.center import center_for, position_listeners
from qorgau.monitoring.domain.protocols import (
    DecodedFix,
    GT06Framer,
    H02Framer,
    ProtocolError,
    decode_gt06,
    decode_h02_message,
    decode_osmand_json,
    decode_osmand_query,
    gt06_ack,
    h02_reply,
)
from qorgau.monitoring.live import LiveHub, LiveSettings, order_labels, stored_orders
from qorgau.monitoring.service import alert_listeners, do_ingest

logger = logging.getLogger("qorgau.monitoring.listeners")

OSMAND, H02, GT06 = "osmand", "h02", "gt06"
PROTOCOLS = (OSMAND, H02, GT06)

STORED, DUPLICATE, UNASSIGNED, REJECTED = "stored", "duplicate", "unassigned", "rejected"
UNKNOWN_DEVICE = "unknown_device"

MAX_HTTP_HEAD = 16 * 1024
MAX_HTTP_BODY = 64 * 1024
READ_CHUNK = 4096


@dataclasses.dataclass(frozen=True, slots=True)
class FixOutcome:
    """What became of one fix: ``status`` is ``stored``, ``duplicate`` (already stored),
    ``unassigned`` (stored, no order in force) or ``rejected`` (``reason`` says why, e.g.
    ``unknown_device``). ``order_id``, ``order`` and ``person`` (the references shown to people) are
    set for a fix stored under an order."""

    status: str
    reason: str | None = None
    order: str | None = None
    person: str | None = None
    order_id: int | None = None

    @property
    def kept(self) -> bool:
        return self.status != REJECTED


StoreBatch = Callable[[list[DecodedFix], str], Sequence[FixOutcome]]
"""Stores fixes from one source and returns one outcome per fix, in order (runs in a thread)."""


@dataclasses.dataclass
class IngestCounters:
    """Running counts since start; :meth:`snapshot` is the JSON of the stats route."""

    accepted: int = 0
    duplicate: int = 0
    unassigned: int = 0
    rejected: Counter[str] = dataclasses.field(default_factory=Counter)
    malformed: Counter[str] = dataclasses.field(default_factory=Counter)
    frames: Counter[str] = dataclasses.field(default_factory=Counter)
    garbage_bytes: Counter[str] = dataclasses.field(default_factory=Counter)
    connections_open: Counter[str] = dataclasses.field(default_factory=Counter)
    connections_total: Counter[str] = dataclasses.field(default_factory=Counter)
    store_errors: int = 0
    batches: int = 0
    store_seconds: float = 0.0
    max_store_seconds: float = 0.0
    started_at: float = dataclasses.field(default_factory=time.time)

    def count_outcome(self, outcome: FixOutcome) -> None:
        if outcome.status == STORED:
            self.accepted += 1
        elif outcome.status == UNASSIGNED:
            self.accepted += 1
            self.unassigned += 1
        elif outcome.status == DUPLICATE:
            self.duplicate += 1
        else:
            self.rejected[outcome.reason or "rejected"] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "since": datetime.fromtimestamp(self.started_at, UTC).isoformat(),
            "accepted": self.accepted,
            "duplicate": self.duplicate,
            "unassigned": self.unassigned,
            "rejected": dict(sorted(self.rejected.items())),
            "rejected_total": sum(self.rejected.values()),
            "malformed": {protocol: self.malformed[protocol] for protocol in PROTOCOLS},
            "malformed_total": sum(self.malformed.values()),
            "frames": {protocol: self.frames[protocol] for protocol in PROTOCOLS},
            "garbage_bytes": {protocol: self.garbage_bytes[protocol] for protocol in PROTOCOLS},
            "connections_open": {protocol: self.connections_open[protocol] for protocol in PROTOCOLS},
            "connections_total": {protocol: self.connections_total[protocol] for protocol in PROTOCOLS},
            "store_errors": self.store_errors,
            "batches": self.batches,
            "store_seconds_mean": round(self.store_seconds / self.batches, 6) if self.batches else None,
            "store_seconds_max": round(self.max_store_seconds, 6),
        }


class StoreFailed(Exception):
    """The store raised while saving a batch; the fixes were not acknowledged."""


class IngestBatcher:
    """Collects fixes of one source and stores them in batches, in arrival order, off the loop.

    ``submit(fix)`` returns a future of the fix's :class:`FixOutcome` (or :class:`StoreFailed`).
    ``on_stored(fix, outcome)`` runs on the loop after each batch (live positions).
    """

    def __init__(
        self,
        store: StoreBatch,
        source: str,
        counters: IngestCounters,
        *,
        on_stored: Callable[[DecodedFix, FixOutcome], None] | None = None,
        flush_interval_s: float = 0.05,
        max_batch: int = 200,
        max_pending: int = 20_000,
    ) -> None:
        self._store = store
        self.source = source
        self._counters = counters
        self._on_stored = on_stored
        self._flush_interval_s = flush_interval_s
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._pending: deque[tuple[DecodedFix, asyncio.Future[FixOutcome]]] = deque()
        self._arrived = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"ingest-{self.source}")

    async def submit(self, fix: DecodedFix) -> asyncio.Future[FixOutcome]:
        """Queue ``fix``; waits only while ``max_pending`` fixes are already queued."""
        while len(self._pending) >= self._max_pending:
            self._space.clear()
            await self._space.wait()
        future: asyncio.Future[FixOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append((fix, future))
        if len(self._pending) == 1 or len(self._pending) >= self._max_batch:
            self._arrived.set()
        return future

    async def _run(self) -> None:
        while True:
            while not self._pending:
                if self._closing:
                    return
                self._arrived.clear()
                await self._arrived.wait()
            # Let a batch gather for a moment: one round trip to the store per batch, not per fix.
            if len(self._pending) < self._max_batch and not self._closing:
                self._arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), self._flush_interval_s)
            batch = [self._pending.popleft() for _ in range(min(self._max_batch, len(self._pending)))]
            if len(self._pending) < self._max_pending:
                self._space.set()
            await self._flush(batch)

    async def _flush(self, batch: list[tuple[DecodedFix, asyncio.Future[FixOutcome]]]) -> None:
        fixes = [fix for fix, _future in batch]
        started = time.perf_counter()
        try:
            outcomes = await asyncio.to_thread(self._store, fixes, self.source)
            if len(outcomes) != len(fixes):
                raise RuntimeError(f"the store answered {len(outcomes)} outcomes for {len(fixes)} fixes")
        except Exception as error:
            self._counters.store_errors += 1
            logger.exception("storing %d %s fix(es) failed", len(fixes), self.source)
            for _fix, future in batch:
                if not future.done():
                    future.set_exception(StoreFailed(str(error)))
                    future.exception()  # retrieved here, so an unawaited future does not warn
            return
        elapsed = time.perf_counter() - started
        self._counters.batches += 1
        self._counters.store_seconds += elapsed
        self._counters.max_store_seconds = max(self._counters.max_store_seconds, elapsed)
        for (fix, future), outcome in zip(batch, outcomes, strict=True):
            self._counters.count_outcome(outcome)
            if self._on_stored is not None and outcome.status == STORED:
                try:
                    self._on_stored(fix, outcome)
                except Exception:
                    logger.exception("live position push failed")
            if not future.done():
                future.set_result(outcome)

    async def close(self) -> None:
        """Store everything queued, then stop."""
        self._closing = True
        self._arrived.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclasses.dataclass
class ListenerConfig:
    host: str = "0.0.0.0"
    osmand_port: int = 5055
    h02_port: int = 5013
    gt06_port: int = 5023
    tcp_idle_s: float = 15 * 60.0
    http_idle_s: float = 60.0
    flush_interval_s: float = 0.05
    max_batch: int = 200
    max_pending: int = 20_000


class Listeners:
    """The three protocol servers, their batchers and counters, and the live hub."""

    def __init__(self, store: StoreBatch, config: ListenerConfig, hub: LiveHub | None = None) -> None:
        self.config = config
        self.counters = IngestCounters()
        self.hub = hub
        self._store = store
        self._servers: dict[str, asyncio.base_events.Server] = {}
        self._connections: set[asyncio.Task[Any]] = set()
        self.batchers: dict[str, IngestBatcher] = {
            protocol: IngestBatcher(
                store,
                protocol,
                self.counters,
                flush_interval_s=config.flush_interval_s,
                max_batch=config.max_batch,
                max_pending=config.max_pending,
            )
            for protocol in (*PROTOCOLS, "demo")
        }
        self.background: list[asyncio.Task[Any]] = []

    # --- life cycle --------------------------------------------------------------------------

    async def start(self, *, sockets: bool = True) -> None:
        for batcher in self.batchers.values():
            batcher.start()
        if not sockets:
            return
        handlers: dict[
            str, tuple[int, Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]]
        ] = {
            OSMAND: (self.config.osmand_port, self._serve_osmand),
            H02: (self.config.h02_port, self._serve_h02),
            GT06: (self.config.gt06_port, self._serve_gt06),
        }
        try:
            for protocol, (port, handler) in handlers.items():
                self._servers[protocol] = await asyncio.start_server(
                    self._tracked(protocol, handler), self.config.host, port, reuse_address=True
                )
                logger.info("%s listener on %s:%s", protocol, self.config.host, self.port(protocol))
        except OSError:
            await self.stop()
            raise

    def port(self, protocol: str) -> int | None:
        """The port a listener is bound to (useful when configured as 0)."""
        server = self._servers.get(protocol)
        if server is None or not server.sockets:
            return None
        return int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        for task in self.background:
            task.cancel()
        for task in self.background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.background.clear()
        for server in self._servers.values():
            server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for server in self._servers.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        self._servers.clear()
        for batcher in self.batchers.values():
            await batcher.close()

    def stats(self) -> dict[str, Any]:
        snapshot = self.counters.snapshot()
        snapshot["listening"] = {protocol: self.port(protocol) for protocol in PROTOCOLS}
        snapshot["queued"] = {source: batcher.pending for source, batcher in self.batchers.items()}
        if self.hub is not None:
            snapshot["live"] = self.hub.stats()
        return snapshot

    def _tracked(
        self, protocol: str, handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
    ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._connections.add(task)
            self.counters.connections_open[protocol] += 1
            self.counters.connections_total[protocol] += 1
            try:
                await handler(reader, writer)
            except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
                pass
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one connection must not take the listener down
                logger.exception("%s connection failed", protocol)
            finally:
                self.counters.connections_open[protocol] -= 1
                if task is not None:
                    self._connections.discard(task)
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 1)

        return serve

    async def ingest(self, fixes: Sequence[DecodedFix], source: str = "demo") -> list[FixOutcome]:
        """Store ``fixes`` through the batcher of ``source`` (the demo simulator's door)."""
        futures = [await self.batchers[source].submit(fix) for fix in fixes]
        return [await future for future in futures]

    # --- GT06 --------------------------------------------------------------------------------

    async def _serve_gt06(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        framer = GT06Framer(max_frame_length=1024)
        batcher = self.batchers[GT06]
        imei = ""
        peer = writer.get_extra_info("peername")
        while True:
            async with asyncio.timeout(self.config.tcp_idle_s):  # no extra task per read
                data = await reader.read(READ_CHUNK)
            if not data:
                return
            dropped = framer.dropped
            frames = framer.feed(data)
            self.counters.garbage_bytes[GT06] += framer.dropped - dropped
            replies: list[bytes | tuple[asyncio.Future[FixOutcome], bytes | None]] = []
            now = datetime.now(UTC)
            for frame in frames:
                try:
                    message = decode_gt06(frame, device_id=imei)
                except ProtocolError as error:
                    self.counters.malformed[GT06] += 1
                    logger.warning("gt06 %s: malformed frame (%s): %s", peer, error, frame[:48].hex())
                    continue
                self.counters.frames[GT06] += 1
                ack = gt06_ack(message, now)
                if message.kind == "login":
                    imei = message.imei or imei
                    if ack:
                        replies.append(ack)
                    continue
                fix = message.fix
                if fix is None and message.alarm:
                    # An alarm in a status frame has no position; it must still reach the rules.
                    fix = DecodedFix(
                        device_id=imei,
                        time=now,
                        lat=None,
                        lon=None,
                        valid=False,
                        battery=message.battery,
                        charging=message.charging,
                        event=message.alarm,
                        attributes=dict(message.attributes),
                    )
                if fix is None:
                    if ack:
                        replies.append(ack)
                    continue
                if not imei:
                    self.counters.rejected["no_login"] += 1
                    logger.warning("gt06 %s: %s frame before a login; not acknowledged", peer, message.kind)
                    continue
                replies.append((await batcher.submit(fix), ack))
            await self._answer(writer, replies)

    async def _answer(
        self,
        writer: asyncio.StreamWriter,
        replies: list[bytes | tuple[asyncio.Future[FixOutcome], bytes | None]],
    ) -> None:
        """Send the replies in order; a fix's reply only once it is stored (none if storing failed)."""
        for reply in replies:
            if isinstance(reply, bytes):
                writer.write(reply)
                continue
            future, answer = reply
            try:
                await future
            except StoreFailed:
                continue
            if answer:
                writer.write(answer)
        if replies:
            await writer.drain()

    # --- H02 ---------------------------------------------------------------------------------

    async def _serve_h02(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        framer = H02Framer()
        batcher = self.batchers[H02]
        bound = ""
        peer = writer.get_extra_info("peername")
        while True:
            async with asyncio.timeout(self.config.tcp_idle_s):  # no extra task per read
                data = await reader.read(READ_CHUNK)
            if not data:
                return
            dropped = framer.dropped
            frames = framer.feed(data)
            self.counters.garbage_bytes[H02] += framer.dropped - dropped
            replies: list[bytes | tuple[asyncio.Future[FixOutcome], bytes | None]] = []
            now = datetime.now(UTC)
            for frame in frames:
                try:
                    message = decode_h02_message(frame, now)
                except ProtocolError as error:
                    self.counters.malformed[H02] += 1
                    logger.warning("h02 %s: malformed frame (%s): %r", peer, error, frame[:64])
                    continue
                self.counters.frames[H02] += 1
                bound = message.device_id or bound
                if message.device_id == "" and bound:
                    message = dataclasses.replace(message, device_id=bound)
                reply = h02_reply(message, now)
                fix = message.fix
                if fix is None:
                    if reply:
                        replies.append(reply)
                    continue
                if not fix.device_id:
                    if not bound:
                        self.counters.rejected["no_device_id"] += 1
                        continue
                    fix = dataclasses.replace(fix, device_id=bound)
                replies.append((await batcher.submit(fix), reply))
            await self._answer(writer, replies)

    # --- OsmAnd HTTP -------------------------------------------------------------------------

    async def _serve_osmand(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HTTP_HEAD)
        while True:
            request, body, error_status = await self._read_request(connection, reader, writer)
            if request is None:
                return
            if error_status is not None:
                status, text = error_status, "request too large" if error_status == 413 else "bad request"
            else:
                status, text = await self._handle_osmand(request, body)
            keep_alive = error_status is None
            headers = [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(text.encode()))),
            ]
            if not keep_alive:
                headers.append(("Connection", "close"))
            try:
                reason = HTTPStatus(status).phrase.encode()
                response = h11.Response(status_code=status, headers=headers, reason=reason)
                writer.write(connection.send(response) or b"")
                writer.write(connection.send(h11.Data(data=text.encode())) or b"")
                writer.write(connection.send(h11.EndOfMessage()) or b"")
            except h11.LocalProtocolError:
                return
            await writer.drain()
            if not keep_alive or connection.our_state is h11.MUST_CLOSE:
                return
            try:
                connection.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _read_request(
        self, connection: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[h11.Request | None, bytes, int | None]:
        """The next request and its body; ``(None, …)`` when the client is gone. A request that
        breaks HTTP or the size bounds comes back with the status to answer (then the connection
        closes)."""
        request: h11.Request | None = None
        body = bytearray()
        while True:
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError as error:
                self.counters.malformed[OSMAND] += 1
                status = 413 if "exceeded" in str(error) or "too long" in str(error) else 400
                if connection.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    return (
                        request or h11.Request(method="GET", target="/", headers=[("Host", "x")]),
                        b"",
                        status,
                    )
                return None, b"", None
            if event is h11.NEED_DATA:
                if connection.they_are_waiting_for_100_continue:
                    writer.write(
                        connection.send(h11.InformationalResponse(status_code=100, headers=[])) or b""
                    )
                try:
                    async with asyncio.timeout(self.config.http_idle_s):
                        data = await reader.read(READ_CHUNK * 4)
                except TimeoutError:
                    return None, b"", None
                connection.receive_data(data)
                if not data and connection.their_state is not h11.DONE:
                    # EOF: h11 reports ConnectionClosed or an error on the next call.
                    continue
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > MAX_HTTP_BODY:
                    self.counters.malformed[OSMAND] += 1
                    return request, b"", 413
            elif isinstance(event, h11.EndOfMessage):
                return request, bytes(body), None
            elif isinstance(event, h11.ConnectionClosed):
                return None, b"", None

    async def _handle_osmand(self, request: h11.Request | None, body: bytes) -> tuple[int, str]:
        if request is None:
            return 400, "bad request"
        if request.method not in (b"GET", b"POST"):
            return 405, "use GET or POST"
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in request.headers}
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        target = request.target.decode("latin-1")
        query = target.split("?", 1)[1] if "?" in target else ""
        is_json = content_type == "application/json" or (
            not query and content_type in ("", "text/plain") and body.lstrip()[:1] == b"{"
        )
        now = datetime.now(UTC)
        try:
            if is_json:
                fix = decode_osmand_json(body, now)
            else:
                form = body.decode("latin-1") if body else ""
                fix = decode_osmand_query("&".join(part for part in (query, form) if part), now)
        except ProtocolError as error:
            self.counters.malformed[OSMAND] += 1
            logger.info("osmand: malformed request (%s)", error)
            return 400, f"{error}"
        self.counters.frames[OSMAND] += 1
        future = await self.batchers[OSMAND].submit(fix)
        try:
            outcome = await future
        except StoreFailed:
            return 503, "store unavailable, retry"
        if outcome.kept:
            return 200, ""
        if outcome.reason == UNKNOWN_DEVICE:
            return (404 if is_json else 400), "unknown device"
        return 400, f"rejected: {outcome.reason}"


# --- wiring into the app ---------------------------------------------------------------------------

STATE_KEY = "monitoring_listeners"
LIVE_KEY = "monitoring_live"
TIMER_INTERVAL_S = 5.0
TIMER_MARGIN_S = 15.0
"""How long a sweep waits before acting on a deadline (see :func:`sweep_timers`)."""
GC_YOUNG_THRESHOLD = 50_000


class ServiceStore:
    """:data:`StoreBatch` over the service's ``do_ingest``: one outcome per fix. For the fixes it
    stored, the order each was filed under is read back from the store (one indexed query per
    batch), so the live map gets exactly what the rules saw; the orders' references are cached."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._labels: dict[int, tuple[str, str]] = {}

    def __call__(self, fixes: list[DecodedFix], source: str) -> list[FixOutcome]:
        result = do_ingest(self.database, fixes, source)
        accepted = [
            (fix.device_id, fix.time)
            for fix, outcome in zip(fixes, result.outcomes, strict=True)
            if outcome == "accepted" and fix.time is not None
        ]
        with self.database.session() as session:
            filed = stored_orders(session, accepted)
            missing = sorted(set(filed.values()) - set(self._labels))
            if missing:
                self._labels.update(order_labels(session, missing))
        outcomes: list[FixOutcome] = []
        for fix, outcome in zip(fixes, result.outcomes, strict=True):
            if outcome.startswith("rejected"):
                outcomes.append(FixOutcome(REJECTED, outcome.partition(":")[2] or "rejected"))
            elif outcome == "duplicate":
                outcomes.append(FixOutcome(DUPLICATE))
            else:
                order_id = filed.get((fix.device_id, fix.time.astimezone(UTC))) if fix.time else None
                if order_id is None:
                    outcomes.append(FixOutcome(UNASSIGNED))
                else:
                    order, person = self._labels.get(order_id, (str(order_id), ""))
                    outcomes.append(FixOutcome(STORED, order=order, person=person, order_id=order_id))
        return outcomes


async def start_listeners(app: FastAPI) -> Listeners:
    """Start the live hub, the device listeners (when ``settings.listeners``), the timer sweep
    and, with demo data in the store, the demo simulator.

    Idempotent: a second call returns what the first started. The result is kept in
    ``app.state.monitoring_listeners``, the hub in ``app.state.monitoring_live``.
    """
    existing = getattr(app.state, STATE_KEY, None)
    if isinstance(existing, Listeners):
        return existing
    settings = app.state.settings
    database: Database = app.state.db
    hub = LiveHub(LiveSettings())
    hub.start()
    setattr(app.state, LIVE_KEY, hub)
    # Alerts and positions reach the hub from the ingest pipeline after each commit, whatever the
    # source: device listeners, the batch API, an import run in this process, the demo.
    alert_listeners.append(hub.on_alert)
    position_listeners.append(hub.publish_position)
    config = ListenerConfig(
        osmand_port=settings.osmand_port, h02_port=settings.h02_port, gt06_port=settings.gt06_port
    )
    # QORGAU_INGEST_URL set: fixes go to NATS JetStream and `qorgau worker`s store them (qorgau.ingest).
    from qorgau.ingest.edge import start_edge

    edge = await start_edge(app, hub)
    listeners = Listeners(edge.store if edge is not None else ServiceStore(database), config, hub)
    setattr(app.state, STATE_KEY, listeners)
    try:
        # Load every order in force (and catch up on its timers) before the first device is heard:
        # otherwise the first sweep does it while fixes wait behind it. With the bus, the workers
        # run the rules and the timers of their partitions (sweeping here too would lock their rows).
        if edge is None:
            await asyncio.to_thread(sweep_timers, database)
    except Exception:
        logger.exception("the first monitoring timer sweep failed; ingest starts anyway")
    # Everything loaded so far lives as long as the process: keep it out of the collector's full
    # passes, and make those passes rarer. With 5,000 devices connected, each full pass walks a few
    # hundred thousand objects and stalls the loop for 0.2–0.4 s (measured by bench/monitoring_e2e).
    gc.collect()
    gc.freeze()
    threshold, *older = gc.get_threshold()
    gc.set_threshold(max(threshold, GC_YOUNG_THRESHOLD), *older)
    try:
        await listeners.start(sockets=bool(settings.listeners))
    except OSError:
        _unhook(hub)
        await hub.stop()
        setattr(app.state, STATE_KEY, None)
        raise
    loop = asyncio.get_running_loop()
    listeners.background.append(loop.create_task(_watch_shutdown(hub), name="monitoring-shutdown-watch"))
    if edge is None:
        listeners.background.append(loop.create_task(_run_timers(database), name="monitoring-timers"))
    from qorgau.monitoring import demo

    simulator = await demo.start_simulator(app, listeners)
    if simulator is not None:
        listeners.background.append(simulator)
    return listeners


async def stop_listeners(app: FastAPI) -> None:
    """Close the listeners after storing what is queued, end the live streams, stop webhooks."""
    listeners = getattr(app.state, STATE_KEY, None)
    if not isinstance(listeners, Listeners):
        return
    setattr(app.state, STATE_KEY, None)
    await listeners.stop()
    from qorgau.ingest.edge import stop_edge

    await stop_edge(app)
    if listeners.hub is not None:
        _unhook(listeners.hub)
        await listeners.hub.stop()


def _unhook(hub: LiveHub) -> None:
    """Take the hub off the center's alert and position listeners."""
    with contextlib.suppress(ValueError):
        alert_listeners.remove(hub.on_alert)
    with contextlib.suppress(ValueError):
        position_listeners.remove(hub.publish_position)


def sweep_timers(database: Database, margin_s: float = TIMER_MARGIN_S) -> None:
    """Run the rule timers up to ``margin_s`` seconds ago, and escalate alerts late at the wall clock.

    A sweep only acts on deadlines that fell due (a signal-loss limit, a curfew opening with the
    person out, a grace period, a stale proximity): fixes stamped before the sweep that arrive after
    it are evaluated in full (:mod:`.domain.rules`). What a sweep decides is final, though: a fix
    stamped just before a deadline but still in flight (device, mobile network, the 50 ms ingest
    batch) when the sweep acts would arrive late, and could neither stop a signal-loss alert nor
    show the person home when the curfew opened. The small margin lets such fixes land first; it
    delays only the alerts raised by time alone (by the margin plus the sweep interval, 20 s at
    most — NIJ allows 3–4 minutes from event to agency). A new order waits as long before the
    sweep takes it up: an import (API or command line) writes its orders first and their fixes
    right after.
    """
    now = datetime.now(UTC)
    settled = now - timedelta(seconds=margin_s)
    center_for(database).run_timers(settled, now=now, settled=settled)


async def _run_timers(database: Database, interval_s: float = TIMER_INTERVAL_S) -> None:
    """The periodic sweep: signal loss, schedule windows opening, escalation of late alerts."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(sweep_timers, database)
        except Exception:
            logger.exception("monitoring timer sweep failed")


async def _watch_shutdown(hub: LiveHub) -> None:
    """End the live streams as soon as the server is asked to stop.

    uvicorn waits for open responses to finish *before* it runs the app's shut-down handlers, and an
    event stream never finishes by itself; so the process's SIGTERM handler (uvicorn's
    ``Server.handle_exit``, a bound method) is looked up and its ``should_exit`` flag watched.
    """
    import signal

    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    if server is None or not hasattr(server, "should_exit"):
        return
    while not server.should_exit:
        await asyncio.sleep(0.25)
    hub.broker.close()


def install(app: FastAPI) -> None:
    """Wire the monitoring center's web side into ``app``; idempotent, so safe to call twice.

    Adds the pages, the live channel and the ingest counters (:mod:`.web.routes`), the static files
    at ``/static/monitoring``, and :func:`start_listeners` / :func:`stop_listeners` as the app's
    start-up and shut-down handlers.
    """
    from fastapi.staticfiles import StaticFiles

    from qorgau.monitoring.web import routes

    if getattr(app.state, "monitoring_web_installed", False):
        return
    app.state.monitoring_web_installed = True
    paths = set(_route_paths(app.router.routes))
    if "/monitoring/live" not in paths:
        app.include_router(routes.router)
    if "/static/monitoring" not in paths:
        static = Path(routes.__file__).parent / "static"
        app.mount("/static/monitoring", StaticFiles(directory=static), name="static-monitoring")
    handlers = [getattr(handler, "func", handler) for handler in app.router.on_startup]
    if start_listeners not in handlers:
        app.router.add_event_handler("startup", functools.partial(start_listeners, app))
        app.router.add_event_handler("shutdown", functools.partial(stop_listeners, app))


def _route_paths(routes: Sequence[Any]) -> Iterator[str]:
    """Every path of ``routes``, through included routers (FastAPI may keep them nested)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _route_paths(route.effective_candidates())
        elif isinstance(getattr(route, "path", None), str):
            yield route.path
