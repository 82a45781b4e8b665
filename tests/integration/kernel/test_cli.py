"""The command-line contracts of the kernel, run as a user would run them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

QORGAU = [sys.executable, "-m", "qorgau.cli"]


def run(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*QORGAU, *args, "--data-dir", str(data_dir)] if args and args[0] != "--help" else [*QORGAU, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli") / "var"


def test_people_add_list_show_and_audit_verify_on_a_fresh_directory(data_dir: Path) -> None:
    added = run(
        data_dir,
        "people",
        "add",
        "--name",
        "Олександр Шевченко",
        "--birth-date",
        "1988-03-14",
        "--sex",
        "M",
        "--citizenship",
        "UA",
        "--language",
        "uk",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    person_id = json.loads(added.stdout)["id"]
    listed = run(data_dir, "people", "list", "--query", "Aleksandr", "--json")
    people = json.loads(listed.stdout)["people"]
    assert people == [
        {
            "id": person_id,
            "name": "Олександр Шевченко",
            "latin_name": people[0]["latin_name"],
            "birth_date": "1988-03-14",
            "citizenships": ["UA"],
        }
    ]
    shown = run(data_dir, "people", "show", person_id, "--json")
    assert json.loads(shown.stdout)["languages"] == ["uk"]
    verified = run(data_dir, "audit", "verify", "--json")
    assert verified.returncode == 0
    report = json.loads(verified.stdout)
    assert report["ok"] is True and report["entries"] >= 3


def test_audit_verify_fails_after_a_direct_edit(data_dir: Path) -> None:
    run(data_dir, "people", "add", "--name", "Иван Петров", "--json")
    with sqlite3.connect(data_dir / "qorgau.db") as connection:
        connection.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    result = run(data_dir, "audit", "verify", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["first_broken"] == 1


def test_bad_cli_input_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run(tmp_path / "var", "people", "add", "--name", "Иван", "--birth-date", "31.01.1990", "--json")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "birth-date" in result.stderr
    unknown_role = run(
        tmp_path / "var",
        "users",
        "add",
        "--username",
        "x1",
        "--role",
        "king",
        env={"QORGAU_USER_PASSWORD": "long-enough-password"},
    )
    assert unknown_role.returncode == 2 and "role" in unknown_role.stderr


def test_users_add_takes_the_password_from_the_environment(tmp_path: Path) -> None:
    result = run(
        tmp_path / "var",
        "users",
        "add",
        "--username",
        "aigerim",
        "--role",
        "migration_officer",
        "--json",
        env={"QORGAU_USER_PASSWORD": "long-enough-password"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["role"] == "migration_officer"
