"""Participants after registration, the interpreter requirement and correlation reports through the
command line (``qorgau cases add-participant``, ``attach-correlation``, ``show``) and the API."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qorgau.cases.cli import app
from qorgau.kernel.context import open_database
from qorgau.monitoring import service as monitoring
from tests.integration.cases.conftest import case_document
from tests.integration.monitoring.conftest import HOME, T0, add_order, fix

FOREIGN_SUSPECT = {
    "role": "suspect",
    "age": 31,
    "admits_guilt": True,
    "has_defender": True,
    "name": "Rustam Karimov",
    "citizenships": ["UZ"],
    "languages": ["uz"],
}


@pytest.fixture
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click ≥ 8.2 keeps stderr apart by default
        return CliRunner()


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_command_line_adds_a_participant_and_files_a_correlation_report(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QORGAU_DATABASE_URL", raising=False)
    data = tmp_path / "var"
    options = ["--data-dir", str(data), "--json"]
    registered = runner.invoke(
        app, ["register", str(write(tmp_path, "case.json", case_document())), *options]
    )
    assert registered.exit_code == 0, registered.output
    case = str(json.loads(registered.stdout)["id"])
    database = open_database(data)
    add_order(database, "near-7", "dev-near-7")
    monitoring.do_ingest(database, [fix("dev-near-7", minute) for minute in range(0, 120, 10)], "test")
    database.dispose()

    added = runner.invoke(
        app, ["add-participant", case, str(write(tmp_path, "suspect.json", FOREIGN_SUSPECT)), *options]
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["position"] == 3

    refused = runner.invoke(
        app,
        [
            "add-participant",
            case,
            str(write(tmp_path, "bad.json", {"role": "juror", "name": "X Y"})),
            *options,
        ],
    )
    assert refused.exit_code == 2 and "persons[3].role" in refused.stderr

    window = ["--from", T0.isoformat(), "--to", (T0 + dt.timedelta(hours=1)).isoformat()]
    reasons = ["--purpose", "who was at the scene", "--basis", "ERDR case, investigator in charge"]
    place = ["--lat", str(HOME[0]), "--lon", str(HOME[1]), "--radius-m", "150"]
    attached = runner.invoke(app, ["attach-correlation", case, *place, *window, *reasons, *options])
    assert attached.exit_code == 0, attached.output
    result = json.loads(attached.stdout)
    assert (
        result["kind"] == "correlation_report" and result["persons"] == 1 and len(result["legal_holds"]) == 1
    )

    wide = ["--lat", "43.2", "--lon", "76.9", "--radius-m", "900000"]
    too_wide = runner.invoke(
        app, ["attach-correlation", case, *wide, *window, *reasons, "--data-dir", str(data)]
    )
    assert too_wide.exit_code == 2 and "radius_m" in too_wide.stderr

    shown = runner.invoke(app, ["show", case, *options])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    needs = {item["position"]: item for item in detail["interpreters"]}
    assert needs[3]["interpreter_required"] is True and needs[3]["basis"] == "language"
    assert [m["kind"] for m in detail["materials"]][-1] == "correlation_report"


def test_the_api_adds_a_participant_and_shows_the_interpreter_requirement(
    app_client: Any, staff: Any
) -> None:
    investigator = staff.headers("investigator")
    created = app_client.post(
        "/api/v1/cases", json=case_document(prosecutor="prosecutor_user"), headers=investigator
    ).json()
    response = app_client.post(
        f"/api/v1/cases/{created['id']}/participants", json=FOREIGN_SUSPECT, headers=investigator
    )
    assert response.status_code == 201, response.text
    assert response.json()["position"] == 3 and response.json()["person_id"]
    bad = app_client.post(
        f"/api/v1/cases/{created['id']}/participants",
        json={"role": "suspect", "name": "A B"},
        headers=investigator,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "persons[3].age"
    assert (
        app_client.post(
            f"/api/v1/cases/{created['id']}/participants",
            json=FOREIGN_SUSPECT,
            headers=staff.headers("prosecutor"),
        ).status_code
        == 403
    )
    needs = app_client.get(
        f"/api/v1/cases/{created['id']}/interpreters",
        params={"purpose": "preparing the interrogation", "legal_basis": "ERDR case"},
        headers=investigator,
    ).json()["interpreters"]
    assert [(item["position"], item["interpreter_required"]) for item in needs if item["position"] == 3] == [
        (3, True)
    ]
    detail = app_client.get(f"/api/v1/cases/{created['id']}", headers=investigator).json()
    assert {form["form"]: form["allowed"] for form in detail["assessment"]["forms"]}["accelerated"] is False
    refused = app_client.post(
        f"/api/v1/cases/{created['id']}/correlation-reports",
        json={
            "lat": 43.2,
            "lon": 76.9,
            "radius_m": 900000,
            "from": T0.isoformat(),
            "to": (T0 + dt.timedelta(hours=1)).isoformat(),
            "purpose": "who was at the scene",
            "legal_basis": "ERDR case",
        },
        headers=investigator,
    )
    assert refused.status_code == 422 and refused.json()["field"] == "radius_m"


def test_the_case_page_shows_each_linked_participants_interpreter_requirement(
    app_client: Any, staff: Any, login: Any
) -> None:
    persons = [
        {**case_document()["persons"][0], "citizenships": ["KZ"], "languages": ["kk", "ru"]},
        {"role": "victim", "name": "Hans Müller", "citizenships": ["DE"], "languages": ["de"]},
    ]
    created = app_client.post(
        "/api/v1/cases",
        json=case_document(prosecutor="prosecutor_user", persons=persons),
        headers=staff.headers("investigator"),
    ).json()
    login(app_client, "investigator_user")
    page = app_client.get(f"/cases/{created['id']}")
    assert page.status_code == 200
    cells = re.findall(r'data-interpreter="([a-z-]+)"', page.text)
    assert cells == ["not-required", "required"]
    assert "Язык судопроизводства" in page.text and "не владеет языком судопроизводства" in page.text
