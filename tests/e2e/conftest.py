"""A real ``qorgau serve`` process and a real Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.components import chromium_path, free_port, unavailable

ARTIFACTS = Path(__file__).parent / "artifacts"
ADMIN_PASSWORD = "e2e-admin-password-1"


@dataclass
class Server:
    url: str
    data_dir: Path
    osmand_port: int = 0  # the device listener (OsmAnd HTTP) on a free port


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e") / "var"
    port = free_port()
    osmand_port = free_port()
    env = {
        **os.environ,
        "QORGAU_DATA_DIR": str(data_dir),
        "QORGAU_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # Device listeners on free ports (never the defaults): the monitoring pages are fed through them.
        "QORGAU_LISTENERS": "true",
        "QORGAU_OSMAND_PORT": str(osmand_port),
        "QORGAU_H02_PORT": str(free_port()),
        "QORGAU_GT06_PORT": str(free_port()),
        "QORGAU_MONITORING_SIMULATE": "false",
        "QORGAU_ENVIRONMENT": "test",
    }
    cli = [sys.executable, "-m", "qorgau.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "users", "ensure-admin"], env=env, check=True, capture_output=True)
    env_user = {**env, "QORGAU_USER_PASSWORD": ADMIN_PASSWORD}
    for username, role in (("investigator", "investigator"), ("analyst", "analyst")):
        subprocess.run(
            [*cli, "users", "add", "--username", username, "--role", role],
            env=env_user,
            check=True,
            capture_output=True,
        )
    log = (tmp_path_factory.mktemp("e2e-log") / "serve.log").open("w")
    process = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("qorgau serve did not become healthy in 60 s")
    yield Server(url, data_dir, osmand_port)
    process.terminate()
    process.wait(timeout=20)


# Package scope: Playwright's sync API keeps an event loop running in this thread while it lives, so it
# must be closed before the integration tests (which call asyncio.run) start.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium", "Debian package 'chromium' is not installed (make test installs it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the lock installs it
        unavailable("Playwright", str(exc))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()
