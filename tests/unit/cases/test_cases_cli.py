"""``qorgau cases assess`` and ``qorgau cases verify``: JSON contracts and exit codes."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qorgau.cases.cli import app
from qorgau.cases.domain.bundle import build_bundle, material_path
from qorgau.cases.domain.checkpoint import NoteSigner

CONTRACT_INPUT: dict[str, Any] = {
    "date": "2026-11-25",
    "offences": [{"article": "188", "part": "1", "category": "minor"}],
    "persons": [
        {
            "role": "suspect",
            "age": 34,
            "has_defender": True,
            "speaks_language_of_proceedings": True,
            "immunity": None,
            "admits_guilt": True,
            "disputes_damage": False,
            "mentally_ill": False,
        }
    ],
    "offender_identified": True,
}
SIGNER = NoteSigner.from_seed("qorgau.kz/cases", bytes([5]) * 32)


@pytest.fixture
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click ≥ 8.2 keeps stderr apart by default
        return CliRunner()


def write_json(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_bundle(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    return path


def test_assess_json_prints_five_forms_and_three_agreements_with_reasons(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["assess", str(write_json(tmp_path, CONTRACT_INPUT)), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [form["form"] for form in document["forms"]] == [
        "investigation",
        "inquiry",
        "accelerated",
        "protocol",
        "writ",
    ]
    assert [agreement["kind"] for agreement in document["agreements"]] == [
        "plea",
        "cooperation",
        "asset_return",
    ]
    accelerated = next(form for form in document["forms"] if form["form"] == "accelerated")
    assert accelerated["allowed"] is True
    reason = accelerated["reasons"][0]
    assert {"rule", "citation", "verified", "text"} <= set(reason)
    assert set(reason["text"]) == {"ru", "kk", "en"}


def test_assess_without_json_prints_each_decision(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(write_json(tmp_path, CONTRACT_INPUT))])
    assert result.exit_code == 0
    assert "accelerated: allowed" in result.stdout
    assert "[unverified]" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"offences": [{"article": "188", "category": "big"}]}, "offences[0].category: unknown value 'big'"),
        ({"persons": [{"role": "boss", "age": 3}]}, "persons[0].role: unknown value 'boss'"),
        ({"date": "25/11/2026"}, "date: '25/11/2026' is not a date in the form YYYY-MM-DD"),
        ({"offences": []}, "offences: at least one offence is required"),
    ],
)
def test_assess_bad_input_exits_2_with_one_line_naming_the_field(
    runner: CliRunner, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    result = runner.invoke(app, ["assess", str(write_json(tmp_path, {**CONTRACT_INPUT, **change})), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_assess_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(tmp_path / "nope.json"), "--json"])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_verify_an_intact_bundle_prints_ok_and_the_entry_count(runner: CliRunner, tmp_path: Path) -> None:
    data = build_bundle([("a.txt", b"alpha", {}), ("b.txt", b"beta", {})], SIGNER)
    result = runner.invoke(app, ["verify", str(write_bundle(tmp_path, data)), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["entries"] == 2
    assert document["key_id"] == SIGNER.verifier.key_id_hex


def test_verify_a_tampered_bundle_exits_1_naming_the_material(runner: CliRunner, tmp_path: Path) -> None:
    data = build_bundle([("a.txt", b"alpha", {}), ("b.txt", b"beta", {})], SIGNER)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[material_path(1, "b.txt")] = b"gamma"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    result = runner.invoke(app, ["verify", str(write_bundle(tmp_path, out.getvalue())), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert [(p["code"], p["name"]) for p in document["problems"]] == [("material_changed", "b.txt")]


def test_verify_with_a_pinned_key_rejects_another_signer(runner: CliRunner, tmp_path: Path) -> None:
    data = build_bundle([("a.txt", b"alpha", {})], NoteSigner.from_seed("qorgau.kz/cases", bytes([6]) * 32))
    key_file = tmp_path / "trusted.keys"
    key_file.write_text(SIGNER.verifier.encode() + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["verify", str(write_bundle(tmp_path, data)), "--trusted-key", str(key_file), "--json"]
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["code"] == "key_not_trusted"
    pinned_ok = runner.invoke(
        app,
        [
            "verify",
            str(write_bundle(tmp_path, build_bundle([], SIGNER))),
            "--trusted-key",
            str(key_file),
            "--json",
        ],
    )
    assert pinned_ok.exit_code == 0 and json.loads(pinned_ok.stdout)["key_pinned"] is True


def test_verify_bad_trusted_key_file_or_missing_bundle_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    key_file = tmp_path / "bad.keys"
    key_file.write_text("not a key\n", encoding="utf-8")
    bundle = write_bundle(tmp_path, build_bundle([], SIGNER))
    assert runner.invoke(app, ["verify", str(bundle), "--trusted-key", str(key_file)]).exit_code == 2
    assert runner.invoke(app, ["verify", str(tmp_path / "missing.zip")]).exit_code == 2


def test_verify_a_file_that_is_not_a_bundle_fails_verification(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(write_bundle(tmp_path, b"plain text")), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["code"] == "bundle_unreadable"
