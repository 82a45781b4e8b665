"""``qorgau worker``: a member of the worker group that stores and evaluates fixes from the bus.

A worker

1. **claims partitions** in the lease bucket (:func:`~.bus.ensure_leases`): key ``partition.<n>``
   holds the owner's name; it is created only if absent and renewed only at the revision the owner
   last wrote (compare-and-set), so two workers never both believe they own a partition for longer
   than a lease. Every worker also keeps ``worker.<name>`` alive; the number of such keys gives the
   fair share ``ceil(P / workers)``. A worker above its share releases partitions (after finishing
   its batch), one below it claims free ones. A worker that dies stops renewing, its keys expire
   after ``lease_s`` (the bucket's TTL) and the survivors claim them.
2. **consumes each partition in order** through its own durable pull consumer. On claiming a
   partition (and after any error of the bus) the consumer is re-created to start just after the
   last message acknowledged, so messages are seen in stream order even after a crash: the
   messages a dead worker had stored but not acknowledged come again, and the store answers
   ``duplicate`` for them (idempotent on device and fix time; the rules see each fix once).
3. **stores a batch through the embedded pipeline** (:meth:`qorgau.monitoring.center.
   MonitoringCenter.ingest`, one transaction: positions, space-time index, rules, alerts, rule
   states with revisions) and acknowledges the batch only after the commit (one acknowledgement
   for all, the consumer acknowledges "all up to"). If PostgreSQL is down it retries the same batch
   with backoff, telling JetStream the messages are in progress; nothing unstored is ever
   acknowledged.
4. **runs the rule timers** of the assignments whose devices hash into its partitions, and escalates
   overdue alerts (``qorgau serve`` runs no timers in this mode). While any of its partitions is
   catching up on a backlog the timers wait: a sweep then would judge devices silent whose fixes
   are still queued.
5. **relays live events**: alerts and positions committed here are published on core NATS
   (``qorgau.live.alerts`` / ``qorgau.live.positions``), where ``qorgau serve`` feeds them to the
   browsers (:mod:`.edge`). Live push is best effort; the database is the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import math
import os
import random
import re
import signal
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import KeyWrongLastSequenceError, NoKeysError, NotFoundError
from nats.js.kv import KeyValue
from sqlalchemy import or_, select

from qorgau.ingest.bus import (
    LIVE_ALERTS,
    LIVE_POSITIONS,
    SOURCE_HEADER,
    IngestSettings,
    connect,
    decode_fix,
    ensure_leases,
    ensure_stream,
    partition_of,
)
from qorgau.kernel.db import Database, utcnow
from qorgau.monitoring import center as center_module
from qorgau.monitoring.center import AlertRecord, center_for
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.live import jsonable
from qorgau.monitoring.store import AssignmentRow, DeviceRow, OrderRow

log = logging.getLogger("qorgau.ingest.worker")

TIMER_MARGIN_S = 15.0
"""As in ``qorgau serve`` (``listeners.sweep_timers``): a sweep acts on deadlines this long past, so
fixes stamped before a deadline and still in flight land first."""
RETRY_FIRST_S = 0.25


class DeafConsumer(Exception):
    """A partition's pulls bring nothing while its consumer holds messages."""


GATHER_S = 0.02
IDLE_CHECKS = 10
"""After this many empty one-second pulls in a row a partition asks the server whether its consumer
holds undelivered or unacknowledged messages; if so the pull has gone deaf (seen after NATS restarts
in the 100,000-fix soak: the consumer had 6,399 pending and the worker heard nothing for minutes) and
the partition starts over from its last commit."""
"""After the first message of a batch, how long a worker waits for more to fill the batch."""


def key_safe(name: str) -> str:
    """``name`` reduced to the characters a lease key may hold."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def default_name() -> str:
    """``<host>-<pid>``."""
    return key_safe(f"{socket.gethostname()}-{os.getpid()}")


@dataclass
class WorkerStats:
    """Counts since start (logged every ``report_s`` seconds)."""

    fixes: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    store_retries: int = 0
    bus_errors: int = 0
    undecodable: int = 0
    claimed: int = 0
    released: int = 0
    lost: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass
class _Partition:
    number: int
    revision: int
    stop: asyncio.Event
    task: asyncio.Task[None] | None = None
    busy: bool = False
    """Storing a batch (then it is let finish); otherwise only waiting for messages."""
    behind: bool = True
    """Messages may be waiting (the last fetch filled a batch); false once a fetch comes back short."""


class Worker:
    """One worker process's engine: leases, partition consumers, timers, live relay.

    ``run()`` returns when ``stop()`` is called (or SIGTERM/SIGINT with ``handle_signals``), after
    finishing the batches in hand and releasing its leases so the others take over at once.
    """

    def __init__(
        self,
        database: Database,
        settings: IngestSettings,
        *,
        name: str | None = None,
        timers: bool = True,
        report_s: float = 10.0,
    ) -> None:
        self.database = database
        self.settings = settings
        self.name = key_safe(name) if name else default_name()
        self.timers = timers
        self.report_s = report_s
        self.stats = WorkerStats()
        self.center = center_for(database)
        self._owned: dict[int, _Partition] = {}
        self._committed: dict[int, int] = {}
        self._stopping = asyncio.Event()
        self._nc: NATS | None = None
        self._js: JetStreamContext | None = None
        self._kv: KeyValue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[tuple[list[Any], Callable[..., None]]] = []
        self._registered = False

    # --- life cycle ------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stopping.set()

    @property
    def partitions(self) -> list[int]:
        return sorted(self._owned)

    async def run(self, *, handle_signals: bool = False) -> None:
        self._loop = asyncio.get_running_loop()
        if handle_signals:
            for signal_number in (signal.SIGTERM, signal.SIGINT):
                self._loop.add_signal_handler(signal_number, self.stop)
        self._nc = await connect(self.settings, f"qorgau-worker {self.name}")
        self._js = self._nc.jetstream(timeout=self.settings.publish_timeout_s)
        await self._retry_bus(lambda: ensure_stream(self._jetstream, self.settings))
        self._kv = await self._retry_bus(lambda: ensure_leases(self._jetstream, self.settings))
        self._add_live_listeners()
        background = [asyncio.create_task(self._report(), name="worker-report")]
        if self.timers:
            background.append(asyncio.create_task(self._timers(), name="worker-timers"))
        log.info("worker %s: %d partitions on %s", self.name, self.settings.partitions, self.settings.url)
        try:
            while not self._stopping.is_set():
                try:
                    await self._balance()
                except Exception as error:  # the bus is down: try again next tick
                    self.stats.bus_errors += 1
                    log.warning("worker %s: lease round failed: %s", self.name, error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.settings.lease_s / 3)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await asyncio.gather(*(self._release(number, delete=True) for number in list(self._owned)))
            if self._kv is not None:
                with contextlib.suppress(Exception):
                    await self._kv.delete(f"worker.{self.name}")  # the others' share grows at once
            self._remove_live_listeners()
            with contextlib.suppress(Exception):
                # Acknowledgements are plain publishes: send what is buffered, then go.
                await self._nc.flush(timeout=2)
            with contextlib.suppress(Exception):
                await self._nc.close()
            log.info("worker %s stopped: %s", self.name, self.stats)

    @property
    def _jetstream(self) -> JetStreamContext:
        assert self._js is not None
        return self._js

    async def _retry_bus(self, action: Callable[[], Any]) -> Any:
        delay = RETRY_FIRST_S
        while True:
            try:
                return await action()
            except Exception as error:
                if self._stopping.is_set():
                    raise
                log.warning("worker %s: the bus is not ready (%s); retrying", self.name, error)
                await asyncio.sleep(delay)
                delay = min(self.settings.retry_max_s, delay * 2)

    # --- leases ----------------------------------------------------------------------------------

    async def _alive(self) -> int:
        assert self._kv is not None
        try:
            keys = await self._kv.keys()
        except NoKeysError:
            keys = []
        return max(1, sum(key.startswith("worker.") for key in keys))

    async def _balance(self) -> None:
        """One lease round: show that we live, renew, then release or claim toward the fair share."""
        kv = self._kv
        assert kv is not None
        await kv.put(f"worker.{self.name}", str(time.time()).encode())
        if not self._registered:
            # The first round only says we are here: workers started together then all count each
            # other before anyone claims, and split the partitions without a round of hand-overs.
            self._registered = True
            return
        for number, part in list(self._owned.items()):
            try:
                part.revision = await kv.update(f"partition.{number}", self.name.encode(), last=part.revision)
            except KeyWrongLastSequenceError:
                # Expired (we were cut off longer than a lease) or taken: someone else owns it now.
                self.stats.lost += 1
                log.warning("worker %s: lost partition %d", self.name, number)
                await self._release(number, delete=False)
        share = math.ceil(self.settings.partitions / await self._alive())
        while len(self._owned) > share:
            await self._release(max(self._owned), delete=True)
        if len(self._owned) >= share:
            return
        # Start the search at a place of our own, so joining workers do not all race for partition 0.
        offset = random.randrange(self.settings.partitions)
        for step in range(self.settings.partitions):
            if len(self._owned) >= share:
                break
            number = (offset + step) % self.settings.partitions
            if number in self._owned:
                continue
            try:
                revision = await kv.create(f"partition.{number}", self.name.encode())
            except KeyWrongLastSequenceError:
                continue  # held by another worker
            self._claim(number, revision)

    def _claim(self, number: int, revision: int) -> None:
        part = _Partition(number, revision, asyncio.Event())
        part.task = asyncio.create_task(self._consume(part), name=f"partition-{number}")
        self._owned[number] = part
        self.stats.claimed += 1
        log.info("worker %s: claimed partition %d", self.name, number)

    async def _release(self, number: int, *, delete: bool) -> None:
        part = self._owned.pop(number, None)
        if part is None:
            return
        part.stop.set()
        if part.task is not None:
            if not part.busy:
                # Only waiting on the bus: stop now (the next owner re-reads from the last ack).
                part.task.cancel()
            try:
                # A batch in PostgreSQL finishes (or is abandoned unacknowledged) within a retry.
                await asyncio.wait_for(asyncio.shield(part.task), self.settings.retry_max_s * 2)
            except TimeoutError:
                part.task.cancel()
            except BaseException:
                if not part.task.done():
                    raise  # we are being cancelled ourselves
        if delete and self._kv is not None:
            with contextlib.suppress(Exception):
                await self._kv.delete(f"partition.{number}", last=part.revision)
        self.stats.released += 1
        log.info("worker %s: released partition %d", self.name, number)

    # --- consuming -------------------------------------------------------------------------------

    async def _subscribe(self, number: int) -> JetStreamContext.PullSubscription:
        """(Re)create the partition's durable consumer to start after the last acknowledged (or
        committed here) message, and bind to it. Starting over makes delivery follow stream order
        again whatever was in flight before."""
        js = self._jetstream
        stream, durable = self.settings.stream, self.settings.consumer(number)
        start = self._committed.get(number, 0) + 1
        try:
            info = await js.consumer_info(stream, durable)
            floor = info.ack_floor.stream_seq if info.ack_floor else 0
            start = max(start, floor + 1, info.config.opt_start_seq or 1)
            await js.delete_consumer(stream, durable)
        except NotFoundError:
            pass
        config = ConsumerConfig(
            durable_name=durable,
            filter_subject=self.settings.subject(number),
            ack_policy=AckPolicy.ALL,
            ack_wait=self.settings.ack_wait_s,
            max_ack_pending=self.settings.batch * 2,
            max_deliver=-1,
        )
        if start > 1:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = start
        await js.add_consumer(stream, config)
        return await js.pull_subscribe_bind(durable=durable, stream=stream)

    async def _consume(self, part: _Partition) -> None:
        delay = RETRY_FIRST_S
        while not part.stop.is_set():
            try:
                subscription = await self._subscribe(part.number)
                delay = RETRY_FIRST_S
                idle = 0
                while not part.stop.is_set():
                    # Wait for one message, then take what else is there at once: a lingering pull
                    # for a whole batch would return only when the batch is full or the wait is up,
                    # adding up to that wait to the latency of every alert in a quiet minute.
                    try:
                        messages = await subscription.fetch(1, timeout=1.0)
                    except TimeoutError:
                        part.behind = False
                        idle += 1
                        if idle >= IDLE_CHECKS:
                            idle = 0
                            await self._check_deaf(part.number)
                        continue
                    idle = 0
                    if self.settings.batch > 1:
                        with contextlib.suppress(TimeoutError):
                            messages += await subscription.fetch(self.settings.batch - 1, timeout=GATHER_S)
                    part.behind = len(messages) >= self.settings.batch
                    part.busy = True
                    try:
                        await self._handle(part, messages)
                    finally:
                        part.busy = False
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.stats.bus_errors += 1
                log.warning("worker %s: partition %d: %s; starting over", self.name, part.number, error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(part.stop.wait(), delay)
                delay = min(self.settings.retry_max_s, delay * 2)

    async def _check_deaf(self, number: int) -> None:
        """Raise :class:`DeafConsumer` when the partition's consumer has messages for us that no
        pull has brought (see :data:`IDLE_CHECKS`); ``_consume`` then starts over."""
        info = await self._jetstream.consumer_info(self.settings.stream, self.settings.consumer(number))
        if info.num_pending or info.num_ack_pending:
            raise DeafConsumer(
                f"{info.num_pending} pending, {info.num_ack_pending} unacknowledged, none delivered"
            )

    async def _handle(self, part: _Partition, messages: Sequence[Msg]) -> None:
        """Store ``messages`` (in order, one transaction per source run), then acknowledge them."""
        runs: list[tuple[str, list[DecodedFix]]] = []
        for message in messages:
            try:
                fix = decode_fix(message.data)
            except (ValueError, TypeError, KeyError) as error:
                self.stats.undecodable += 1
                log.error("worker %s: dropping an undecodable message: %s", self.name, error)
                continue
            source = (message.headers or {}).get(SOURCE_HEADER, "bus")
            if runs and runs[-1][0] == source:
                runs[-1][1].append(fix)
            else:
                runs.append((source, [fix]))
        for source, fixes in runs:
            if not await self._store(part, fixes, source, messages):
                return  # the partition is being given up: leave the messages unacknowledged
        if messages:
            # The consumer acknowledges "all up to": one acknowledgement per batch, sent after the
            # commit; the partition is read in order, so everything before it is stored too.
            await messages[-1].ack()
            self._committed[part.number] = messages[-1].metadata.sequence.stream
        self.stats.batches += 1

    async def _store(
        self, part: _Partition, fixes: list[DecodedFix], source: str, messages: Sequence[Msg]
    ) -> bool:
        delay = RETRY_FIRST_S
        while True:
            try:
                result = await asyncio.to_thread(self.center.ingest, fixes, source)
            except Exception as error:
                self.stats.store_retries += 1
                log.warning(
                    "worker %s: storing %d fixes failed (%s); retrying in %.2f s",
                    self.name,
                    len(fixes),
                    str(error).splitlines()[0][:200],
                    delay,
                )
                for message in messages:
                    with contextlib.suppress(Exception):
                        await message.in_progress()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(part.stop.wait(), delay)
                if part.stop.is_set():
                    return False
                delay = min(self.settings.retry_max_s, delay * 2)
                continue
            self.stats.fixes += result.received
            self.stats.accepted += result.accepted
            self.stats.duplicates += result.duplicates
            self.stats.rejected += sum(result.rejected.values())
            return True

    # --- timers ----------------------------------------------------------------------------------

    def _assignments_in(self, partitions: set[int], instant: dt.datetime) -> list[int]:
        """Assignments in force at ``instant`` whose device hashes into ``partitions``, of orders
        recorded by then (an import writes an order before its fixes; see ``run_timers``)."""
        horizon = instant - dt.timedelta(days=1)
        with self.database.session() as session:
            rows = session.execute(
                select(AssignmentRow.id, DeviceRow.identifier)
                .join(OrderRow, OrderRow.id == AssignmentRow.order_id)
                .join(DeviceRow, DeviceRow.id == AssignmentRow.device_id)
                .where(
                    OrderRow.start_at <= instant,
                    OrderRow.end_at > horizon,
                    OrderRow.created_at <= instant,
                    AssignmentRow.start_at <= instant,
                    or_(AssignmentRow.end_at.is_(None), AssignmentRow.end_at > horizon),
                )
            ).all()
        count = self.settings.partitions
        return [assignment for assignment, device in rows if partition_of(device, count) in partitions]

    def sweep(self) -> int:
        """Run the timers of this worker's assignments (signal loss, windows opening, stale
        proximity) and escalate overdue alerts; returns the number of alert records."""
        owned = set(self._owned)
        if not owned or any(part.behind for part in self._owned.values()):
            # Catching up on a backlog: a sweep now would judge devices silent whose fixes are
            # still queued (signal loss, curfews). The timers wait; nothing they would raise is lost.
            return 0
        now = utcnow()
        settled = now - dt.timedelta(seconds=TIMER_MARGIN_S)
        include = self._assignments_in(owned, settled)
        records = self.center.run_timers(settled, now=now, load_live=False, include=include)
        return len(records)

    async def _timers(self) -> None:
        while True:
            await asyncio.sleep(self.settings.timer_interval_s)
            try:
                await asyncio.to_thread(self.sweep)
            except Exception as error:
                log.warning("worker %s: timer sweep failed: %s", self.name, str(error).splitlines()[0][:200])

    async def _report(self) -> None:
        while True:
            await asyncio.sleep(self.report_s)
            elapsed = time.monotonic() - self.stats.started
            log.info(
                "worker %s: partitions %s, fixes %d (%.0f/s, %.0f a batch), accepted %d, duplicates %d, "
                "retries %d",
                self.name,
                self.partitions,
                self.stats.fixes,
                self.stats.fixes / elapsed if elapsed else 0.0,
                self.stats.fixes / self.stats.batches if self.stats.batches else 0.0,
                self.stats.accepted,
                self.stats.duplicates,
                self.stats.store_retries,
            )

    # --- live relay ------------------------------------------------------------------------------

    def _add_live_listeners(self) -> None:
        self._listeners = [(center_module.alert_listeners, self._relay_alert)]
        positions = getattr(center_module, "position_listeners", None)
        if isinstance(positions, list):
            self._listeners.append((positions, self._relay_position))
        else:
            log.warning("this qorgau has no position listeners: positions are not relayed to serve")
        for registry, listener in self._listeners:
            registry.append(listener)

    def _remove_live_listeners(self) -> None:
        for registry, listener in self._listeners:
            with contextlib.suppress(ValueError):
                registry.remove(listener)
        self._listeners = []

    def _relay(self, subject: str, data: Any) -> None:
        """Publish on core NATS from the ingest thread, without waiting (called after commit)."""
        loop, nc = self._loop, self._nc
        if loop is None or nc is None or loop.is_closed():
            return
        body = json.dumps(jsonable(data), ensure_ascii=False, separators=(",", ":")).encode()
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(nc.publish(subject, body), loop)

    def _relay_alert(self, record: AlertRecord) -> None:
        self._relay(
            LIVE_ALERTS, {**record.to_dict(), "order_id": record.order_id, "person_id": record.person_id}
        )

    def _relay_position(self, data: dict[str, Any]) -> None:
        self._relay(LIVE_POSITIONS, data)


async def run_worker(database: Database, settings: IngestSettings, **options: Any) -> None:
    """Run one worker until SIGTERM or SIGINT (the ``qorgau worker`` command)."""
    await Worker(database, settings, **options).run(handle_signals=True)
