"""The command-line chain as a user runs it: register → add-material → export → verify, then tamper.

Every step is a separate ``qorgau`` process on one data directory; ``verify`` reads only the zip.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cases.conftest import case_document

MATERIALS = {
    "zayavlenie.txt": (
        "Заявление потерпевшей",
        "Прошу привлечь к ответственности лицо, похитившее мой телефон.",
    ),
    "dopros.txt": ("Протокол допроса свидетеля", "Свидетель видел, как подозреваемый взял телефон со стола."),
    "tusindirme.txt": ("Күдіктінің түсініктемесі", "Мен телефонды ұрладым, кінәмді толық мойындаймын."),
}


def qorgau(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "qorgau.cli", *args]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    environment = {**os.environ, "QORGAU_ENVIRONMENT": "test"}
    environment.pop("QORGAU_DATABASE_URL", None)
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment)


def rewrite(bundle: Path, target: Path, change: Any) -> Path:
    """Copy the zip member by member through ``change(members) -> members`` (an ordered dict)."""
    with zipfile.ZipFile(bundle) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members = change(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    target.write_bytes(buffer.getvalue())
    return target


def material_named(members: dict[str, bytes], filename: str) -> str:
    return next(name for name in members if name.startswith("materials/") and name.endswith(filename))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One case registered, three materials added and the bundle exported, all through the CLI."""
    work = tmp_path_factory.mktemp("cli-chain")
    data_dir = work / "var"
    case_file = work / "case.json"
    case_file.write_text(json.dumps(case_document()), encoding="utf-8")
    registered = qorgau("cases", "register", str(case_file), "--json", data_dir=data_dir)
    assert registered.returncode == 0, registered.stderr
    created = json.loads(registered.stdout)
    assert set(created) == {"id", "number"} and len(created["number"]) == 15
    for index, (filename, (title, content)) in enumerate(MATERIALS.items()):
        path = work / filename
        path.write_text(content, encoding="utf-8")
        # The case is named by its id first, then by its ERDR number.
        reference = str(created["id"]) if index == 0 else created["number"]
        added = qorgau("cases", "add-material", reference, str(path), "--title", title, data_dir=data_dir)
        assert added.returncode == 0, added.stderr
    bundle = work / "bundle.zip"
    export = qorgau("cases", "export", created["number"], "--out", str(bundle), data_dir=data_dir)
    assert export.returncode == 0, export.stderr
    return {"work": work, "data_dir": data_dir, "bundle": bundle, "case": created}


def test_register_add_material_export_and_verify_through_the_command_line(exported: dict[str, Any]) -> None:
    verified = qorgau("cases", "verify", str(exported["bundle"]), "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    document = json.loads(verified.stdout)
    assert document["ok"] is True
    assert document["entries"] == 1 + len(MATERIALS)  # the registration act and the three materials
    with zipfile.ZipFile(exported["bundle"]) as archive:
        names = archive.namelist()
        assert {"manifest.json", "checkpoint.txt", "proofs.json", "public_keys.txt"} <= set(names)
        assert (
            archive.read(material_named(dict.fromkeys(names, b""), "dopros.txt")).decode()
            == MATERIALS["dopros.txt"][1]
        )


def test_verify_pins_the_data_directory_keyring(exported: dict[str, Any]) -> None:
    keyring = exported["data_dir"] / "keys" / "cases-keyring.txt"
    pinned = qorgau("cases", "verify", str(exported["bundle"]), "--trusted-key", str(keyring), "--json")
    assert pinned.returncode == 0 and json.loads(pinned.stdout)["key_pinned"] is True


def _changed(members: dict[str, bytes]) -> dict[str, bytes]:
    members[material_named(members, "dopros.txt")] = "Свидетель ничего не видел.".encode()
    return members


def _removed(members: dict[str, bytes]) -> dict[str, bytes]:
    del members[material_named(members, "dopros.txt")]
    manifest = json.loads(members["manifest.json"])
    manifest["entries"] = [entry for entry in manifest["entries"] if entry["name"] != "dopros.txt"]
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    return members


def _added(members: dict[str, bytes]) -> dict[str, bytes]:
    members["materials/000004-alibi.txt"] = "Алиби подозреваемого.".encode()
    return members


def _reordered(members: dict[str, bytes]) -> dict[str, bytes]:
    manifest = json.loads(members["manifest.json"])
    entries = manifest["entries"]
    first, second = (
        next(i for i, e in enumerate(entries) if e["name"] == n) for n in ("dopros.txt", "tusindirme.txt")
    )
    entries[first], entries[second] = entries[second], entries[first]
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    return members


def _contents_swapped(members: dict[str, bytes]) -> dict[str, bytes]:
    one, other = material_named(members, "dopros.txt"), material_named(members, "tusindirme.txt")
    members[one], members[other] = members[other], members[one]
    return members


@pytest.mark.parametrize(
    ("tamper", "named", "codes"),
    [
        (_changed, "dopros.txt", {"material_changed"}),
        (_removed, "dopros.txt", {"entry_removed"}),
        (_added, "alibi.txt", {"material_added"}),
        (_reordered, "dopros.txt", {"entry_reordered"}),
        (_contents_swapped, "dopros.txt", {"material_reordered"}),
    ],
    ids=["changed", "removed", "added", "reordered", "contents-swapped"],
)
def test_verify_names_a_changed_removed_added_or_reordered_material(
    exported: dict[str, Any], tamper: Any, named: str, codes: set[str]
) -> None:
    tampered = rewrite(exported["bundle"], exported["work"] / f"{tamper.__name__}.zip", tamper)
    verified = qorgau("cases", "verify", str(tampered), "--json")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    document = json.loads(verified.stdout)
    assert document["ok"] is False
    problems = document["problems"]
    assert codes <= {problem["code"] for problem in problems}, problems
    assert any(named in (problem["name"] or "") or named in problem["message"] for problem in problems), (
        problems
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"region": "atlantis"}, "region"),
        ({"reason": None}, "reason"),
        ({"offences": [{"article": "188", "category": "big"}]}, "offences[0].category"),
        ({"offences": []}, "offences"),
        ({"registered_at": "2026-11-25 10:30"}, "registered_at"),
    ],
)
def test_register_refuses_bad_input_with_exit_2_naming_the_field(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    document = case_document(**change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = qorgau("cases", "register", str(path), "--json", data_dir=tmp_path / "var")
    assert result.returncode == 2
    assert result.stdout == ""
    assert field in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_an_unknown_case_is_a_clear_error(exported: dict[str, Any]) -> None:
    result = qorgau(
        "cases", "export", "99", "--out", str(exported["work"] / "x.zip"), data_dir=exported["data_dir"]
    )
    assert result.returncode == 2 and "no case" in result.stderr
