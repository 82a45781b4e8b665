"""The device listeners over real sockets: GT06 and H02 over TCP, OsmAnd over HTTP, on free ports.

A real ``uvicorn`` server runs the app (with the listeners started by its start-up handler) in a
thread, on a migrated SQLite store; devices are played by plain sockets and an HTTP client.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qorgau.app import create_app
from qorgau.kernel.auth.service import do_create_api_token, do_create_user
from qorgau.kernel.db import Database, upgrade
from qorgau.monitoring import service
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.domain.protocols import (
    DecodedFix,
    crc_itu,
    encode_gt06_alarm,
    encode_gt06_heartbeat,
    encode_gt06_location,
    encode_gt06_login,
    encode_h02_binary_location,
    encode_h02_heartbeat,
    encode_h02_location,
)
from qorgau.monitoring.listeners import (
    GT06,
    H02,
    OSMAND,
    FixOutcome,
    ListenerConfig,
    Listeners,
    ServiceStore,
    install,
)
from qorgau.settings import Settings
from tests.components import free_port
from tests.conftest import TEST_PASSWORD
from tests.integration.monitoring.conftest import ACTOR, HOME, add_order, home_zone

AWAY = destination(*HOME, 90.0, 3000.0)


# --- a real server in a thread --------------------------------------------------------------------


@dataclass
class LiveServer:
    """A running app: its URL, the listener ports, the store and a bearer token per role."""

    url: str
    osmand: int
    h02: int
    gt06: int
    database: Database
    app: FastAPI
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", "Accept": "application/json", **extra}

    def stats(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/api/v1/monitoring/ingest/stats", headers=self.headers("admin"))
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


@contextlib.contextmanager
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    """Start the app with its listeners on free ports; stop it (after draining) on exit."""
    settings = Settings(  # type: ignore[call-arg]
        environment="test",
        data_dir=data_dir,
        listeners=True,
        osmand_port=free_port(),
        h02_port=free_port(),
        gt06_port=free_port(),
    )
    upgrade(settings)
    database = Database(settings)
    tokens = {}
    with database.session() as session:
        for role in ("admin", "operator", "probation_officer", "investigator"):
            user = do_create_user(session, "test", f"{role}_user", TEST_PASSWORD, role)  # type: ignore[arg-type]
            tokens[role] = do_create_api_token(session, "test", user, "tests")
    app = create_app(settings, database=database)
    install(app)  # a no-op once register() wires the monitoring web side itself
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=3
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(
            f"http://127.0.0.1:{port}",
            settings.osmand_port,
            settings.h02_port,
            settings.gt06_port,
            database,
            app,
            tokens,
        )
    finally:
        server.should_exit = True
        thread.join(20)
        database.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("listeners") / "var") as running:
        yield running


_devices = iter(range(1, 10_000))


def new_device(
    server: LiveServer, prefix: str = "86100000000", zones: list[dict[str, Any]] | None = None, **extra: Any
) -> str:
    """A fresh device (IMEI-like digits) under a fresh order in force now."""
    identifier = f"{prefix}{next(_devices):04d}"
    now = dt.datetime.now(dt.UTC)
    add_order(
        server.database,
        f"order-{identifier}",
        identifier,
        start=now - dt.timedelta(minutes=2),  # recent: no signal-loss alert for the silence before
        end=now + dt.timedelta(days=30),
        zones=zones or [],
        **extra,
    )
    return identifier


def stored(server: LiveServer, device: str) -> list[tuple[dt.datetime, float | None, float | None]]:
    with server.database.session() as session:
        rows = service.read_positions(
            session, ACTOR, device, None, None, purpose="listener test", legal_basis="test suite"
        )
        return [(row.time, row.lat, row.lon) for row in rows]


def recent(seconds: float = 5.0) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)).replace(microsecond=0)


def receive(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def receive_until(sock: socket.socket, terminator: bytes) -> bytes:
    data = b""
    while not data.endswith(terminator):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def gt06_ack_bytes(protocol_number: int, serial: int) -> bytes:
    """The acknowledgement as the Concox document lays it out: 78 78 05 <protocol> <serial> <CRC> 0D 0A."""
    body = bytes([0x05, protocol_number]) + serial.to_bytes(2, "big")
    return b"\x78\x78" + body + crc_itu(body).to_bytes(2, "big") + b"\r\n"


# --- GT06 -----------------------------------------------------------------------------------------


def test_gt06_login_and_location_are_acknowledged_and_the_fix_is_stored(server: LiveServer) -> None:
    imei = new_device(server)
    when = recent()
    with socket.create_connection(("127.0.0.1", server.gt06), timeout=5) as sock:
        sock.sendall(encode_gt06_login(imei, serial=1))
        login_ack = receive(sock, 10)
        assert login_ack == bytes.fromhex("78 78 05 01 00 01 D9 DC 0D 0A")  # the maker's example
        sock.sendall(encode_gt06_location(time=when, lat=HOME[0], lon=HOME[1], speed_kmh=12, serial=2))
        assert receive(sock, 10) == gt06_ack_bytes(0x12, 2)
        sock.sendall(encode_gt06_heartbeat(serial=3))
        assert receive(sock, 10) == gt06_ack_bytes(0x13, 3)
    [(time_, lat, lon)] = stored(server, imei)
    assert time_ == when
    assert lat == pytest.approx(HOME[0], abs=1e-5) and lon == pytest.approx(HOME[1], abs=1e-5)


def test_gt06_alarm_frame_is_acknowledged_and_raises_a_tamper_alert(server: LiveServer) -> None:
    imei = new_device(server)
    with socket.create_connection(("127.0.0.1", server.gt06), timeout=5) as sock:
        sock.sendall(encode_gt06_login(imei, serial=7))
        assert receive(sock, 10) == gt06_ack_bytes(0x01, 7)
        sock.sendall(encode_gt06_alarm(time=recent(), lat=HOME[0], lon=HOME[1], alarm="tamper", serial=8))
        assert receive(sock, 10) == gt06_ack_bytes(0x16, 8)
    with server.database.session() as session:
        alerts = service.list_alerts(session, ACTOR, order_id=f"order-{imei}")
    assert [alert.type for alert in alerts] == ["tamper"]


def test_gt06_garbage_and_a_corrupt_frame_do_not_stop_the_connection(server: LiveServer) -> None:
    imei = new_device(server)
    before = server.stats()["malformed"][GT06]
    good = encode_gt06_location(time=recent(), lat=HOME[0], lon=HOME[1], serial=5)
    corrupt = bytearray(encode_gt06_location(time=recent(8), lat=HOME[0], lon=HOME[1], serial=4))
    corrupt[-4] ^= 0xFF  # the CRC no longer matches
    with socket.create_connection(("127.0.0.1", server.gt06), timeout=5) as sock:
        sock.sendall(encode_gt06_login(imei, serial=1))
        assert receive(sock, 10) == gt06_ack_bytes(0x01, 1)
        sock.sendall(b"\x00\xffnoise\x78\x78\x05\x01" + bytes(corrupt))
        sock.sendall(good)
        assert receive(sock, 10) == gt06_ack_bytes(0x12, 5)
    assert len(stored(server, imei)) == 1
    assert server.stats()["malformed"][GT06] >= before + 1


def test_gt06_position_before_any_login_is_not_acknowledged(server: LiveServer) -> None:
    before = server.stats()["rejected"].get("no_login", 0)
    with socket.create_connection(("127.0.0.1", server.gt06), timeout=2) as sock:
        sock.sendall(encode_gt06_location(time=recent(), lat=HOME[0], lon=HOME[1], serial=9))
        sock.sendall(encode_gt06_heartbeat(serial=10))
        # The heartbeat is acknowledged; the anonymous position before it is not.
        assert receive(sock, 10) == gt06_ack_bytes(0x13, 10)
    assert server.stats()["rejected"]["no_login"] == before + 1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(max_size=64), split=st.integers(min_value=1, max_value=40))
def test_gt06_a_valid_frame_after_any_garbage_is_acknowledged(
    server: LiveServer, garbage: bytes, split: int
) -> None:
    imei = new_device(server, prefix="86200000000")
    frame = encode_gt06_location(time=recent(), lat=HOME[0], lon=HOME[1], serial=300)
    stream = garbage + frame
    with socket.create_connection(("127.0.0.1", server.gt06), timeout=5) as sock:
        sock.sendall(encode_gt06_login(imei, serial=1))
        assert receive(sock, 10) == gt06_ack_bytes(0x01, 1)
        sock.sendall(stream[:split])
        time.sleep(0.01)
        sock.sendall(stream[split:])
        # Garbage may itself look like the start of a frame; the valid frame proves it was noise.
        sock.sendall(encode_gt06_heartbeat(serial=301))
        acks = receive(sock, 20)
    assert gt06_ack_bytes(0x12, 300) in acks
    assert len(stored(server, imei)) == 1


# --- H02 ------------------------------------------------------------------------------------------


def test_h02_text_location_is_replied_to_and_stored(server: LiveServer) -> None:
    device = new_device(server, prefix="421005")
    when = recent()
    with socket.create_connection(("127.0.0.1", server.h02), timeout=5) as sock:
        sock.sendall(encode_h02_location(device, time=when, lat=AWAY[0], lon=AWAY[1], speed_kmh=20.0))
        reply = receive_until(sock, b"#").decode("ascii")
        assert reply.startswith(f"*HQ,{device},V4,V1,") and len(reply) == len(f"*HQ,{device},V4,V1,#") + 14
        sock.sendall(encode_h02_heartbeat(device))
        assert receive_until(sock, b"#") == f"*HQ,{device},HTBT#".encode()
    [(time_, lat, lon)] = stored(server, device)
    assert time_ == when
    assert lat == pytest.approx(AWAY[0], abs=1e-5) and lon == pytest.approx(AWAY[1], abs=1e-5)


def test_h02_binary_frame_is_stored_and_garbage_before_it_is_skipped(server: LiveServer) -> None:
    device = new_device(server, prefix="421006")
    before = server.stats()
    with socket.create_connection(("127.0.0.1", server.h02), timeout=5) as sock:
        sock.sendall(b"hello\r\n*HQ,broken,V1,not-a-time#")
        sock.sendall(encode_h02_binary_location(device, time=recent(), lat=HOME[0], lon=HOME[1]))
        sock.sendall(encode_h02_location(device, time=recent(2), lat=HOME[0], lon=HOME[1]))
        assert receive_until(sock, b"#").startswith(f"*HQ,{device},V4,V1,".encode())
    assert len(stored(server, device)) == 2
    after = server.stats()
    assert after["malformed"][H02] == before["malformed"][H02] + 1
    assert after["garbage_bytes"][H02] >= before["garbage_bytes"][H02] + len("hello")


# --- OsmAnd ---------------------------------------------------------------------------------------


def test_osmand_query_form_and_json_are_stored_with_traccar_answers(server: LiveServer) -> None:
    device = new_device(server, prefix="osm-")
    base = f"http://127.0.0.1:{server.osmand}"
    first, second, third = (recent(seconds) for seconds in (30, 20, 10))
    before = server.stats()
    with httpx.Client(base_url=base, timeout=5) as client:
        query = client.get(
            "/",
            params={
                "id": device,
                "lat": HOME[0],
                "lon": HOME[1],
                "timestamp": int(first.timestamp()),
                "speed": 5,
                "batt": 77,
            },
        )
        assert query.status_code == 200
        form = client.post(
            "/",
            content=urlencode(
                {"deviceid": device, "lat": AWAY[0], "lon": AWAY[1], "timestamp": second.isoformat()}
            ),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert form.status_code == 200
        body = {
            "device_id": device,
            "location": {
                "timestamp": third.isoformat(),
                "coords": {"latitude": HOME[0], "longitude": HOME[1], "speed": 1.5, "heading": 90},
                "battery": {"level": 0.5, "is_charging": False},
            },
        }
        assert client.post("/", json=body).status_code == 200
        assert client.get("/", params={"id": "stranger-1", "lat": 1.0, "lon": 1.0}).status_code == 400
        assert client.post("/", json={**body, "device_id": "stranger-2"}).status_code == 404
        assert client.get("/", params={"id": device, "lat": "north", "lon": 1.0}).status_code == 400
        future = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).timestamp())
        late = client.get("/", params={"id": device, "lat": HOME[0], "lon": HOME[1], "timestamp": future})
        assert late.status_code == 400 and "future_time" in late.text
        assert client.request("DELETE", "/").status_code == 405
    assert [t for t, _, _ in stored(server, device)] == [first, second, third]
    after = server.stats()
    assert after["accepted"] - before["accepted"] == 3
    assert after["rejected"]["unknown_device"] - before["rejected"].get("unknown_device", 0) == 2
    assert after["rejected"]["future_time"] - before["rejected"].get("future_time", 0) == 1
    assert after["malformed"][OSMAND] - before["malformed"][OSMAND] == 1
    # One client, one kept-alive connection for all nine requests.
    assert after["connections_total"][OSMAND] - before["connections_total"][OSMAND] == 1


def test_osmand_refuses_a_body_over_the_bound_and_keeps_listening(server: LiveServer) -> None:
    device = new_device(server, prefix="osm-")
    base = f"http://127.0.0.1:{server.osmand}"
    huge = "id=" + device + "&note=" + "x" * 200_000
    response = httpx.post(base, content=huge, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    ok = httpx.get(base, params={"id": device, "lat": HOME[0], "lon": HOME[1]})
    assert ok.status_code == 200


def test_ingest_stats_need_a_monitoring_permission(server: LiveServer) -> None:
    url = f"{server.url}/api/v1/monitoring/ingest/stats"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=server.headers("investigator")).status_code == 403
    stats = httpx.get(url, headers=server.headers("admin")).json()
    assert stats["running"] is True
    assert stats["listening"] == {OSMAND: server.osmand, H02: server.h02, GT06: server.gt06}


# --- a slow store never stalls the sockets ----------------------------------------------------------


def test_a_slow_store_does_not_delay_other_devices_heartbeats(tmp_path: Path) -> None:
    """While one batch takes a second to store, another device's heartbeat is answered at once and
    the slow device's acknowledgement waits for its fix to be stored."""
    settings_ = Settings(environment="test", data_dir=tmp_path / "var", listeners=False)  # type: ignore[call-arg]
    upgrade(settings_)
    database = Database(settings_)
    now = dt.datetime.now(dt.UTC)
    add_order(
        database,
        "slow",
        "864000000000001",
        start=now - dt.timedelta(minutes=2),
        end=now + dt.timedelta(days=1),
        zones=[home_zone()],
    )
    real = ServiceStore(database)

    def slow_store(fixes: list[Any], source: str) -> list[FixOutcome]:
        time.sleep(1.0)
        return real(fixes, source)

    async def scenario() -> tuple[float, float]:
        config = ListenerConfig(
            host="127.0.0.1", osmand_port=free_port(), h02_port=free_port(), gt06_port=free_port()
        )
        listeners = Listeners(slow_store, config)
        await listeners.start()
        try:
            slow_reader, slow_writer = await asyncio.open_connection("127.0.0.1", config.gt06_port)
            slow_writer.write(encode_gt06_login("864000000000001", serial=1))
            await slow_reader.readexactly(10)
            started = time.perf_counter()
            slow_writer.write(encode_gt06_location(time=recent(), lat=HOME[0], lon=HOME[1], serial=2))
            await slow_writer.drain()
            await asyncio.sleep(0.1)  # the slow batch is now being stored
            other_reader, other_writer = await asyncio.open_connection("127.0.0.1", config.gt06_port)
            asked = time.perf_counter()
            other_writer.write(encode_gt06_heartbeat(serial=9))
            assert await other_reader.readexactly(10) == gt06_ack_bytes(0x13, 9)
            heartbeat_s = time.perf_counter() - asked
            assert await slow_reader.readexactly(10) == gt06_ack_bytes(0x12, 2)
            stored_s = time.perf_counter() - started
            for writer in (slow_writer, other_writer):
                writer.close()
            return heartbeat_s, stored_s
        finally:
            await listeners.stop()

    heartbeat_s, stored_s = asyncio.run(scenario())
    database.dispose()
    assert heartbeat_s < 0.3
    assert stored_s >= 1.0


def test_stop_stores_what_is_queued(tmp_path: Path) -> None:
    settings_ = Settings(environment="test", data_dir=tmp_path / "var", listeners=False)  # type: ignore[call-arg]
    upgrade(settings_)
    database = Database(settings_)
    now = dt.datetime.now(dt.UTC)
    add_order(
        database, "drain", "drain-1", start=now - dt.timedelta(minutes=2), end=now + dt.timedelta(days=1)
    )
    store = ServiceStore(database)

    async def scenario() -> None:
        config = ListenerConfig(flush_interval_s=10.0)  # nothing would be flushed for ten seconds
        listeners = Listeners(store, config)
        await listeners.start(sockets=False)
        futures = [
            await listeners.batchers[OSMAND].submit(DecodedFix("drain-1", recent(s), *HOME, True))
            for s in (3, 2, 1)
        ]
        await listeners.stop()
        assert [future.result().status for future in futures] == ["stored"] * 3

    asyncio.run(scenario())
    with database.session() as session:
        rows = service.read_positions(
            session, ACTOR, "drain-1", None, None, purpose="drain test", legal_basis="tests"
        )
    database.dispose()
    assert len(rows) == 3


def test_osmand_accepts_what_the_traccar_client_sends(server: LiveServer) -> None:
    """The Traccar Client's request: POST with every field in the query string and an empty body."""
    device = new_device(server, prefix="osm-")
    when = recent()
    params = {
        "id": device,
        "timestamp": str(int(when.timestamp() * 1000)),
        "lat": str(HOME[0]),
        "lon": str(HOME[1]),
        "speed": "0.0",
        "bearing": "0.0",
        "altitude": "812.0",
        "accuracy": "12.5",
        "batt": "64.0",
        "charge": "false",
    }
    response = httpx.post(f"http://127.0.0.1:{server.osmand}/", params=params, content=b"")
    assert response.status_code == 200
    assert [t for t, _, _ in stored(server, device)] == [when]
