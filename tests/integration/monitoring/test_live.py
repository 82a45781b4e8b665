"""Live push: operators' browsers get alerts over Server-Sent Events within a second of ingest, and
configured webhooks receive them with retries — over a real server, real sockets, a real receiver."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from qorgau.monitoring import service
from qorgau.monitoring.live import ALERT, POSITION, LiveBroker, LiveEvent, Subscription
from tests.components import free_port
from tests.integration.monitoring.conftest import ACTOR, HOME
from tests.integration.monitoring.test_listeners import AWAY, LiveServer, live_server, new_device, recent

EXCLUSION = {
    "id": "market",
    "kind": "exclusion",
    "shape": {"type": "circle", "lat": AWAY[0], "lon": AWAY[1], "radius_m": 300},
    "schedule": None,
}


class EventStream:
    """Reads ``/monitoring/live`` in a thread; each event is queued with the time it arrived."""

    def __init__(self, server: LiveServer, role: str, query: str = "") -> None:
        self.events: queue.Queue[tuple[str, dict[str, Any], float]] = queue.Queue()
        self.comments: list[str] = []
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.status: int | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        headers = server.headers(role, Accept="text/event-stream")
        self._thread = threading.Thread(
            target=self._read, args=(f"{server.url}/monitoring/live{query}", headers)
        )
        self._thread.start()
        assert self._ready.wait(10), "the event stream did not open"

    def _read(self, url: str, headers: dict[str, str]) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(5.0, read=30.0)) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            self.status = response.status_code
            self._ready.set()
            kind, data = "message", ""
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(":"):
                    self.comments.append(line)
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif line == "" and data:
                    self.seen.append((kind, json.loads(data)))
                    self.events.put((kind, self.seen[-1][1], time.perf_counter()))
                    kind, data = "message", ""

    def next(self, kind: str, timeout: float = 5.0) -> tuple[dict[str, Any], float]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind!r} event within {timeout} s")
            got, data, arrived = self.events.get(timeout=remaining)
            if got == kind:
                return data, arrived

    def saw(self, kind: str, timeout: float = 5.0) -> bool:
        """Whether a ``kind`` event has arrived (waiting up to ``timeout``), consumed or not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(seen == kind for seen, _ in list(self.seen)):
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    patch = pytest.MonkeyPatch()
    patch.setenv("QORGAU_MONITORING_HEARTBEAT_S", "0.3")
    try:
        with live_server(tmp_path_factory.mktemp("live") / "var") as running:
            yield running
    finally:
        patch.undo()


def osmand(server: LiveServer, device: str, lat: float, lon: float, when: dt.datetime) -> float:
    """Send one OsmAnd fix; return when the request was sent (perf_counter)."""
    sent = time.perf_counter()
    response = httpx.get(
        f"http://127.0.0.1:{server.osmand}/",
        params={"id": device, "lat": lat, "lon": lon, "timestamp": when.isoformat()},
    )
    assert response.status_code == 200, response.text
    return sent


def test_an_alert_reaches_the_operator_within_a_second_of_the_fix(server: LiveServer) -> None:
    device = new_device(server, prefix="live-", zones=[EXCLUSION])
    stream = EventStream(server, "operator")
    try:
        assert stream.status == 200
        osmand(server, device, *HOME, recent(10))
        position, _ = stream.next(POSITION)
        assert position["device"] == device and position["order"] == f"order-{device}"
        assert position["lat"] == pytest.approx(HOME[0]) and isinstance(position["order_id"], int)
        sent = osmand(server, device, *AWAY, recent(5))
        alert, arrived = stream.next(ALERT)
    finally:
        stream.close()
    assert alert["type"] == "exclusion_zone_violation" and alert["device"] == device
    assert alert["status"] == "new" and alert["zone"] == "market"
    assert arrived - sent < 1.0


def published_positions(server: LiveServer) -> int:
    return int(server.stats()["live"]["published"][POSITION])


def test_fixes_posted_to_the_batch_api_reach_the_live_map_once_each(server: LiveServer) -> None:
    device = new_device(server, prefix="batch-", zones=[EXCLUSION])
    stray = f"stray-{device}"
    with server.database.session() as session:
        service.do_register_device(session, ACTOR, stray, protocol="api")  # under no order
        tokens = {name: service.do_issue_device_token(session, ACTOR, name) for name in (device, stray)}

    def post(name: str, fixes: list[dict[str, Any]]) -> dict[str, Any]:
        response = httpx.post(
            f"{server.url}/api/v1/monitoring/fixes",
            json={"fixes": fixes},
            headers={"Authorization": f"Bearer {tokens[name]}"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    times = [recent(30), recent(20), recent(10)]
    fixes = [
        {
            "time": moment.isoformat(),
            "lat": HOME[0],
            "lon": HOME[1] + 0.001 * k,
            "speed_kmh": 4.0,
            "battery": 77,
        }
        for k, moment in enumerate(times)
    ]
    stream = EventStream(server, "operator", "?kinds=position")
    before = published_positions(server)
    try:
        assert post(device, fixes)["accepted"] == 3
        assert post(device, fixes)["duplicates"] == 3  # a re-sent batch is stored and pushed once
        assert post(stray, fixes[:1])["accepted"] == 1  # unassigned: kept, never on the map
        # A browser gets at least the newest position of the device (older ones may be coalesced).
        newest = stream.next(POSITION, timeout=10)[0]
        while newest["time"] != times[-1].isoformat():
            newest = stream.next(POSITION, timeout=10)[0]
    finally:
        stream.close()
    assert published_positions(server) - before == 3  # one push per stored fix: no double, no stray
    positions = [data for kind, data in stream.seen if kind == POSITION]
    assert {p["device"] for p in positions} == {device}
    assert len({p["time"] for p in positions}) == len(positions)
    assert newest["order"] == f"order-{device}" and isinstance(newest["order_id"], int)
    assert newest["person"] and newest["lat"] == pytest.approx(HOME[0])
    assert newest["lon"] == pytest.approx(HOME[1] + 0.002)
    assert (newest["speed_kmh"], newest["battery"]) == (4.0, 77.0)
    assert newest["course"] is None and newest["event"] is None


def test_a_fix_from_a_device_listener_is_pushed_once(server: LiveServer) -> None:
    device = new_device(server, prefix="once-")
    stream = EventStream(server, "operator", "?kinds=position")
    before = published_positions(server)
    try:
        osmand(server, device, *HOME, recent(5))
        assert stream.next(POSITION)[0]["device"] == device
    finally:
        stream.close()
    assert published_positions(server) - before == 1


def test_a_stream_asked_for_alerts_gets_no_positions(server: LiveServer) -> None:
    device = new_device(server, prefix="live-", zones=[EXCLUSION])
    alerts_only = EventStream(server, "operator", "?kinds=alert")
    everything = EventStream(server, "operator")
    try:
        osmand(server, device, *HOME, recent(10))
        osmand(server, device, *AWAY, recent(5))
        assert alerts_only.next(ALERT)[0]["device"] == device
        everything.next(ALERT)
        assert everything.saw(POSITION)
    finally:
        alerts_only.close()
        everything.close()
    assert {kind for kind, _ in alerts_only.seen} == {ALERT}
    bad = httpx.get(
        f"{server.url}/monitoring/live?kinds=gossip",
        headers=server.headers("operator", Accept="text/event-stream"),
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kinds"


def test_an_acknowledgement_is_pushed_as_an_alert_update(server: LiveServer) -> None:
    device = new_device(server, prefix="live-", zones=[EXCLUSION])
    stream = EventStream(server, "operator")
    try:
        osmand(server, device, *AWAY, recent(5))
        alert, _ = stream.next(ALERT)
        response = httpx.post(
            f"{server.url}/api/v1/monitoring/alerts/{alert['id']}/transitions",
            json={"to": "acknowledged"},
            headers=server.headers("operator"),
        )
        assert response.status_code == 200, response.text
        update, _ = stream.next("alert_update")
    finally:
        stream.close()
    assert (update["id"], update["status"], update["change"]) == (alert["id"], "acknowledged", "acknowledged")


def test_the_stream_sends_heartbeats_and_refuses_clients_that_do_not_accept_it(server: LiveServer) -> None:
    stream = EventStream(server, "operator")
    time.sleep(1.0)
    stream.close()
    assert any("heartbeat" in comment for comment in stream.comments)
    plain = httpx.get(f"{server.url}/monitoring/live", headers=server.headers("operator"))
    assert plain.status_code == 406
    assert (
        httpx.get(f"{server.url}/monitoring/live", headers={"Accept": "text/event-stream"}).status_code == 401
    )
    denied = httpx.get(
        f"{server.url}/monitoring/live", headers=server.headers("investigator", Accept="text/event-stream")
    )
    assert denied.status_code == 403


def test_a_probation_officer_only_hears_of_their_caseload(server: LiveServer) -> None:
    mine = new_device(server, prefix="case-", zones=[EXCLUSION], supervising_officer="probation_officer_user")
    other = new_device(server, prefix="case-", zones=[EXCLUSION])
    officer = EventStream(server, "probation_officer")
    operator = EventStream(server, "operator")
    try:
        osmand(server, other, *AWAY, recent(6))
        assert operator.next(ALERT)[0]["device"] == other
        osmand(server, mine, *AWAY, recent(5))
        assert officer.next(ALERT)[0]["device"] == mine
        assert operator.next(ALERT)[0]["device"] == mine
        # The fix's position is queued behind its alert (a stream sends alerts first) and may still
        # be on its way: closing now would stop the reader before it is recorded. Wait for it.
        assert officer.saw(POSITION)
    finally:
        officer.close()
        operator.close()
    assert {data["device"] for _, data in officer.seen} == {mine}
    assert {kind for kind, _ in officer.seen} == {ALERT, POSITION}
    # The operator watches every order: both devices, and whatever else the server is busy with.
    assert {mine, other} <= {data["device"] for _, data in operator.seen}


# --- webhooks --------------------------------------------------------------------------------------


class Receiver:
    """A local HTTP receiver that fails the first ``failures`` requests with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: queue.Queue[tuple[bytes, dict[str, str], float]] = queue.Queue()
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.attempts += 1
                if receiver.attempts <= failures:
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.bodies.put((body, dict(self.headers), time.perf_counter()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.port = free_port()
        self.http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/qorgau"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def test_a_webhook_receives_the_alert_signed_after_a_failed_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Receiver(failures=1)
    monkeypatch.setenv("QORGAU_MONITORING_WEBHOOKS", f"{receiver.url}, ")
    monkeypatch.setenv("QORGAU_MONITORING_WEBHOOK_SECRET", "shared-secret")
    monkeypatch.setenv("QORGAU_MONITORING_WEBHOOK_BACKOFF_S", "0.1")
    try:
        with live_server(tmp_path / "var") as server:
            device = new_device(server, prefix="hook-", zones=[EXCLUSION])
            sent = osmand(server, device, *AWAY, recent(5))
            body, headers, arrived = receiver.bodies.get(timeout=10)
            stats = server.stats()["live"]["webhooks"]
    finally:
        receiver.close()
    document = json.loads(body)
    assert document["event"] == "alert"
    assert document["alert"]["type"] == "exclusion_zone_violation" and document["alert"]["device"] == device
    expected = hmac.new(b"shared-secret", body, hashlib.sha256).hexdigest()
    assert headers["X-Qorgau-Signature"] == f"sha256={expected}"
    assert receiver.attempts == 2 and stats["delivered"] == 1 and stats["retried"] == 1
    assert arrived - sent < 5.0


# --- the broker's bounds -----------------------------------------------------------------------------


def test_a_slow_browser_loses_old_positions_but_never_an_alert() -> None:
    async def scenario() -> list[LiveEvent]:
        subscription = Subscription(capacity=10, alert_backlog_limit=1000)
        sequence = 0
        for round_ in range(50):
            for device in range(30):
                sequence += 1
                subscription.offer(LiveEvent(sequence, POSITION, {"device": f"d{device}", "round": round_}))
            sequence += 1
            subscription.offer(LiveEvent(sequence, ALERT, {"id": round_, "order_id": 1}))
        subscription.close()
        received = []
        while (event := await subscription.next(0.01)) is not None:
            received.append(event)
        return received

    received = asyncio.run(scenario())
    alerts = [event.data["id"] for event in received if event.kind == ALERT]
    positions = [event for event in received if event.kind == POSITION]
    assert alerts == list(range(50))
    assert len(positions) <= 10
    assert all(event.data["round"] == 49 for event in positions)  # only the newest survive


def test_an_overwhelmed_browser_is_told_to_resync_and_disconnected() -> None:
    async def scenario() -> tuple[list[str], bool]:
        broker = LiveBroker(client_queue=5, alert_backlog_limit=3)
        broker.bind(asyncio.get_running_loop())
        subscription = broker.subscribe()
        for index in range(5):
            broker.publish(ALERT, {"id": index})
        kinds = []
        while (event := await subscription.next(0.01)) is not None:
            kinds.append(event.kind)
        return kinds, broker.subscribers == 0

    kinds, dropped = asyncio.run(scenario())
    # Three alerts fill the backlog; the fourth turns the queue into one resync and closes it.
    assert kinds == ["resync"]
    assert dropped
