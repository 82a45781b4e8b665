"""``qorgau foreigners`` commands through Typer's runner: the contract, bad input, text output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qorgau.foreigners.cli import app

RUNNER = CliRunner()
CONTRACT_INPUT = {
    "date": "2026-11-25",
    "person": {"citizenships": ["RU"], "status": "visitor"},
    "crossings": [{"entry": "2026-06-01", "exit": "2026-07-20"}, {"entry": "2026-09-10", "exit": None}],
    "registrations": [{"date": "2026-09-25", "address": "..."}],
    "address_changes": [],
}


def _write(tmp_path: Path, document: Any, name: str = "input.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_assess_json_prints_the_contract_document(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["assess", str(_write(tmp_path, CONTRACT_INPUT)), "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    stay = document["stay"]
    assert (stay["days_in_window"], stay["limit"], stay["window_days"]) == (127, 90, 180)
    assert stay["overstay"] is True and stay["last_lawful_day"] == "2026-10-19"
    registration = document["registration"]
    assert (registration["required"], registration["due"], registration["status"]) == (
        True,
        "2026-10-10",
        "ok",
    )
    for key in ("rights", "restrictions"):
        assert document[key]
        for item in document[key]:
            assert {"id", "citation", "verified", "text"} <= set(item)
            assert set(item["text"]) == {"ru", "kk", "en"}
    assert stay["reasons"] and all(reason["citation"] for reason in stay["reasons"])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {**CONTRACT_INPUT, "crossings": [{"entry": "2026-07-20", "exit": "2026-07-01"}]},
            "crossings[0]: exit 2026-07-01 is before entry 2026-07-20",
        ),
        (
            {
                **CONTRACT_INPUT,
                "crossings": [
                    {"entry": "2026-06-01", "exit": "2026-07-20"},
                    {"entry": "2026-07-01", "exit": None},
                ],
            },
            "crossings[1]: entry 2026-07-01 overlaps",
        ),
        (
            {**CONTRACT_INPUT, "person": {"citizenships": ["QQ"], "status": "visitor"}},
            "unknown country code 'QQ'",
        ),
        (
            {**CONTRACT_INPUT, "person": {"citizenships": ["RU"], "status": "tourist"}},
            "unknown status 'tourist'",
        ),
        ([1, 2, 3], "the input must be a JSON object"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_record(
    tmp_path: Path, document: Any, message: str
) -> None:
    result = RUNNER.invoke(app, ["assess", str(_write(tmp_path, document)), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_invalid_json_and_missing_files_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert RUNNER.invoke(app, ["assess", str(broken)]).exit_code == 2
    assert RUNNER.invoke(app, ["assess", str(tmp_path / "absent.json")]).exit_code == 2


def test_assess_without_json_prints_a_readable_summary_in_the_chosen_language(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["assess", str(_write(tmp_path, CONTRACT_INPUT)), "--lang", "kk"])
    assert result.exit_code == 0
    assert "overstay: yes" in result.stdout
    assert "заңды болудың соңғы күні — 2026-10-19" in result.stdout


def test_rights_lists_a_status_on_a_date(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["rights", "visitor", "--date", "2026-07-01", "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["status"] == "visitor" and document["date"] == "2026-07-01"
    assert any(
        item["id"] == "no_elections" and item["verified"] is False for item in document["restrictions"]
    )


def test_rights_refuses_an_unknown_status_or_date() -> None:
    assert RUNNER.invoke(app, ["rights", "alien"]).exit_code == 2
    assert RUNNER.invoke(app, ["rights", "visitor", "--date", "2026-02-30"]).exit_code == 2


def test_no_arguments_shows_help() -> None:
    result = RUNNER.invoke(app, [])
    assert "assess" in result.stdout and "rights" in result.stdout
