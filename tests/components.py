"""Real components the tests start: embedded PostgreSQL, Chromium (and, for later modules, NATS, Spark).

Where a component cannot be had here (no binary, no root for apt), its tests skip with one clear
line — except under CI (``CI=true``), where such a skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(component: str, reason: str) -> None:
    """Skip (locally) or fail (in CI) because ``component`` is missing."""
    message = f"{component} unavailable: {reason}"
    if in_ci():
        pytest.fail(message + " (a missing component is a failure under CI=true)", pytrace=False)
    pytest.skip(message)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("QORGAU_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
