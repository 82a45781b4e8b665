"""``qorgau monitoring`` as a user runs it: the contract bundle imported, then alerts, near, positions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

QORGAU = [sys.executable, "-m", "qorgau.cli", "monitoring"]
BUNDLE = Path(__file__).with_name("contract_bundle.json")
BASIS = ["--purpose", "robbery at 10 Abay avenue", "--basis", "criminal case 261500031000123"]
WINDOW = ["--from", "2026-02-01T21:00:00+05:00", "--to", "2026-02-01T23:00:00+05:00"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*QORGAU, *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "QORGAU_ENVIRONMENT": "test"},
        timeout=180,
    )


def document(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("monitoring-cli") / "var"
    imported = document(run(directory, "import", str(BUNDLE), "--json"))
    assert imported["fixes"]["accepted"] == 1 and imported["orders"]["created"] == 1
    return directory


def test_alerts_show_the_curfew_violation_once_the_window_opens(data_dir: Path) -> None:
    alerts = document(run(data_dir, "alerts", "--json"))["alerts"]
    opening = [
        a
        for a in alerts
        if a["type"] == "inclusion_zone_violation" and a["time"] == "2026-02-01T17:00:00+00:00"
    ]
    assert len(opening) == 1
    assert {k: opening[0][k] for k in ("person", "order", "device", "status")} == {
        "person": "p1",
        "order": "o1",
        "device": "860000000000001",
        "status": "new",
    }
    assert set(opening[0]) >= {"id", "type", "person", "order", "device", "time", "status"}
    new_only = document(run(data_dir, "alerts", "--status", "new", "--json"))["alerts"]
    assert len(new_only) == len(alerts)


def test_near_finds_the_person_at_the_fix(data_dir: Path) -> None:
    found = document(
        run(
            data_dir,
            "near",
            "--lat",
            "43.2501",
            "--lon",
            "76.95",
            "--radius-m",
            "50",
            *WINDOW,
            *BASIS,
            "--json",
        )
    )
    (match,) = found["matches"]
    assert (match["person"], match["order"], match["device"], match["kind"]) == (
        "p1",
        "o1",
        "860000000000001",
        "fix",
    )
    assert match["time"] == "2026-02-01T16:50:00+00:00" and 10 < match["distance_m"] < 12
    elsewhere = document(
        run(
            data_dir,
            "near",
            "--lat",
            "43.30",
            "--lon",
            "76.95",
            "--radius-m",
            "50",
            *WINDOW,
            *BASIS,
            "--json",
        )
    )
    assert elsewhere == {"matches": []}


def test_positions_list_the_fix(data_dir: Path) -> None:
    positions = document(run(data_dir, "positions", "--device", "860000000000001", "--json"))["positions"]
    assert [
        {k: p[k] for k in ("time", "lat", "lon", "speed_kmh", "course", "attributes")} for p in positions
    ] == [
        {
            "time": "2026-02-01T16:50:00+00:00",
            "lat": 43.25,
            "lon": 76.95,
            "speed_kmh": 4.0,
            "course": None,
            "attributes": {},
        }
    ]
    windowed = run(
        data_dir, "positions", "--device", "860000000000001", "--from", "2026-02-02T00:00:00+05:00", "--json"
    )
    assert document(windowed) == {"positions": []}


def test_reimporting_stores_nothing_twice(data_dir: Path) -> None:
    before = len(document(run(data_dir, "alerts", "--json"))["alerts"])
    again = document(run(data_dir, "import", str(BUNDLE), "--json"))
    assert again["fixes"] == {
        "received": 1,
        "accepted": 0,
        "duplicates": 1,
        "unassigned": 0,
        "rejected": {},
        "alerts": 0,
    }
    assert again["people"] == {"created": 0, "existing": 1} and again["orders"] == {
        "created": 0,
        "existing": 1,
    }
    assert len(document(run(data_dir, "alerts", "--json"))["alerts"]) == before
    positions = document(run(data_dir, "positions", "--device", "860000000000001", "--json"))["positions"]
    assert len(positions) == 1


def test_an_alibi_report_is_written_as_pdf(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = document(
        run(
            data_dir,
            "alibi",
            "--person",
            "p1",
            "--lat",
            "43.238",
            "--lon",
            "76.945",
            "--radius-m",
            "150",
            *WINDOW,
            *BASIS,
            "--out",
            str(out),
            "--json",
        )
    )
    assert out.read_bytes().startswith(b"%PDF") and result["conclusion"] == "insufficient_data"
    assert result["closest"]["distance_m"] > 150


def test_bad_input_exits_2_with_one_line(data_dir: Path, tmp_path: Path) -> None:
    naive = run(
        data_dir,
        "near",
        "--lat",
        "43.25",
        "--lon",
        "76.95",
        "--radius-m",
        "50",
        "--from",
        "2026-02-01T21:00:00",
        "--to",
        "2026-02-01T23:00:00+05:00",
        *BASIS,
    )
    assert naive.returncode == 2 and naive.stderr.count("\n") == 1 and "--from" in naive.stderr
    no_basis = run(
        data_dir,
        "near",
        "--lat",
        "43.25",
        "--lon",
        "76.95",
        "--radius-m",
        "50",
        *WINDOW,
        "--purpose",
        "x",
        "--basis",
        "case 1",
    )
    assert no_basis.returncode == 2 and "purpose" in no_basis.stderr
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"orders": [{"id": "o9", "person": "p1", "kind": "house_arrest"}]}))
    bad = run(data_dir, "import", str(broken))
    assert bad.returncode == 2 and "orders[0].basis" in bad.stderr
    status = run(data_dir, "alerts", "--status", "forgotten", "--json")
    assert status.returncode == 2 and "status" in status.stderr


def test_purge_keeps_positions_of_an_order_in_force(data_dir: Path) -> None:
    summary = document(run(data_dir, "purge", "--json"))
    assert summary["positions_deleted"] == 0
    assert (
        len(document(run(data_dir, "positions", "--device", "860000000000001", "--json"))["positions"]) == 1
    )
