"""Case bundles: built in memory, verified without a database; every tampering is found and named."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.cases.domain.bundle import MANIFEST, build_bundle, material_path, verify_bundle
from qorgau.cases.domain.checkpoint import Keyring, NoteSigner
from qorgau.cases.domain.errors import BundleError
from qorgau.cases.domain.merkle import MerkleTree

ALMATY = dt.timezone(dt.timedelta(hours=5))
SIGNER = NoteSigner.from_seed("qorgau.kz/cases", bytes([3]) * 32)
ORIGIN = "qorgau.kz/cases/2611030000012300"


def entries(count: int = 4) -> list[tuple[str, bytes, dict[str, object]]]:
    kinds = ["act", "material"]
    return [
        (
            f"doc-{i}.txt",
            f"Протокол допроса № {i}\n".encode() * (i + 1),
            {
                "title": f"Протокол № {i}",
                "kind": kinds[i % 2],
                "time": dt.datetime(2026, 11, 25, 9, i, tzinfo=ALMATY),
            },
        )
        for i in range(count)
    ]


def bundle(count: int = 4) -> bytes:
    return build_bundle(entries(count), SIGNER, origin=ORIGIN)


def rewrite(data: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    """Apply ``change`` to the archive's members (name → bytes) and pack them again."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def edit_manifest(data: bytes, change: Callable[[list[dict[str, object]]], None]) -> bytes:
    def apply(members: dict[str, bytes]) -> None:
        manifest = json.loads(members[MANIFEST])
        change(manifest["entries"])
        members[MANIFEST] = json.dumps(manifest).encode()

    return rewrite(data, apply)


def codes(data: bytes, keys: Keyring | None = None) -> list[str]:
    return [problem.code for problem in verify_bundle(data, keys).problems]


def test_an_untouched_bundle_verifies_with_its_entry_count_and_key_id() -> None:
    result = verify_bundle(bundle(5))
    assert result.ok, result.problems
    assert result.entries == 5
    assert result.origin == ORIGIN
    assert result.key_id == SIGNER.verifier.key_id_hex
    assert not result.key_pinned


def test_the_same_entries_give_the_same_bundle_byte_for_byte() -> None:
    assert bundle(3) == bundle(3)


def test_manifest_lists_index_name_title_hash_leaf_time_and_kind() -> None:
    with zipfile.ZipFile(io.BytesIO(bundle(2))) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    first = manifest["entries"][0]
    assert {"index", "name", "title", "sha256", "leaf_hash", "time", "kind", "size", "path"} <= set(first)
    assert first["time"] == "2026-11-25T04:00:00+00:00"
    assert manifest["tree_size"] == 2


def test_a_changed_material_is_named() -> None:
    tampered = rewrite(bundle(), lambda m: m.__setitem__(material_path(2, "doc-2.txt"), b"forged"))
    result = verify_bundle(tampered)
    assert not result.ok
    assert [(p.code, p.entry, p.name) for p in result.problems] == [("material_changed", 2, "doc-2.txt")]


def test_a_removed_material_is_named() -> None:
    tampered = rewrite(bundle(), lambda m: m.pop(material_path(1, "doc-1.txt")))
    assert [(p.code, p.name) for p in verify_bundle(tampered).problems] == [("material_missing", "doc-1.txt")]


def test_a_material_removed_with_its_manifest_entry_is_named_from_the_proofs() -> None:
    def remove(members: dict[str, bytes]) -> None:
        members.pop(material_path(3, "doc-3.txt"))
        manifest = json.loads(members[MANIFEST])
        del manifest["entries"][3]
        members[MANIFEST] = json.dumps(manifest).encode()

    problems = verify_bundle(rewrite(bundle(), remove)).problems
    assert [(p.code, p.entry, p.name) for p in problems] == [("entry_removed", 3, "doc-3.txt")]


def test_an_added_material_is_named() -> None:
    tampered = rewrite(bundle(), lambda m: m.__setitem__("materials/000004-extra.pdf", b"%PDF"))
    assert [(p.code, p.name) for p in verify_bundle(tampered).problems] == [
        ("material_added", "000004-extra.pdf")
    ]


def test_an_entry_added_to_the_manifest_is_not_in_the_signed_log() -> None:
    def add(members: dict[str, bytes]) -> None:
        manifest = json.loads(members[MANIFEST])
        extra = dict(manifest["entries"][0], index=4, name="extra.txt", path=material_path(4, "extra.txt"))
        manifest["entries"].append(extra)
        members[MANIFEST] = json.dumps(manifest).encode()
        members[material_path(4, "extra.txt")] = members[material_path(0, "doc-0.txt")]

    assert codes(rewrite(bundle(), add)) == ["entry_added"]


def test_entries_listed_out_of_order_are_named_as_reordered() -> None:
    def swap(items: list[dict[str, object]]) -> None:
        items[0], items[1] = items[1], items[0]

    problems = verify_bundle(edit_manifest(bundle(), swap)).problems
    assert {(p.code, p.name) for p in problems} == {
        ("entry_reordered", "doc-0.txt"),
        ("entry_reordered", "doc-1.txt"),
    }


def test_entries_moved_with_rewritten_indexes_are_named_as_reordered() -> None:
    def move(members: dict[str, bytes]) -> None:
        manifest = json.loads(members[MANIFEST])
        items = manifest["entries"]
        items[1], items[2] = items[2], items[1]
        for position, item in enumerate(items):
            old_path = item["path"]
            item["index"], item["path"] = position, material_path(position, item["name"])
            members[item["path"] + ".new"] = members.pop(old_path)
        for name in [n for n in members if n.endswith(".new")]:
            members[name[:-4]] = members.pop(name)
        members[MANIFEST] = json.dumps(manifest).encode()

    problems = verify_bundle(rewrite(bundle(), move)).problems
    assert {(p.code, p.name) for p in problems} == {
        ("entry_reordered", "doc-1.txt"),
        ("entry_reordered", "doc-2.txt"),
    }


def test_materials_swapped_between_entries_are_named_as_reordered() -> None:
    def swap(members: dict[str, bytes]) -> None:
        first, second = material_path(0, "doc-0.txt"), material_path(1, "doc-1.txt")
        members[first], members[second] = members[second], members[first]

    assert codes(rewrite(bundle(), swap)) == ["material_reordered", "material_reordered"]


@pytest.mark.parametrize("field", ["title", "kind", "time", "sha256", "name"])
def test_an_edited_manifest_record_no_longer_matches_the_log(field: str) -> None:
    def edit(items: list[dict[str, object]]) -> None:
        items[2][field] = "0" * 64 if field == "sha256" else "edited"

    result = verify_bundle(edit_manifest(bundle(), edit))
    assert not result.ok
    assert ("entry_altered", 2) in [(p.code, p.entry) for p in result.problems]


def test_a_material_and_its_hash_changed_together_are_still_caught_by_the_log() -> None:
    def forge(members: dict[str, bytes]) -> None:
        import hashlib

        members[material_path(0, "doc-0.txt")] = b"forged"
        manifest = json.loads(members[MANIFEST])
        manifest["entries"][0]["sha256"] = hashlib.sha256(b"forged").hexdigest()
        manifest["entries"][0]["size"] = 6
        members[MANIFEST] = json.dumps(manifest).encode()

    assert codes(rewrite(bundle(), forge)) == ["entry_altered"]


def test_a_re_signed_checkpoint_by_another_key_fails_when_the_key_is_pinned() -> None:
    other = NoteSigner.from_seed("qorgau.kz/cases", bytes([9]) * 32)
    forged = build_bundle(entries()[:2], other, origin=ORIGIN)
    assert verify_bundle(forged).ok  # consistent in itself, signed by the key it carries...
    pinned = verify_bundle(forged, Keyring.of([SIGNER.verifier]))
    assert [p.code for p in pinned.problems] == ["key_not_trusted"]  # ...but not by the pinned key
    assert verify_bundle(bundle(), Keyring.of([SIGNER.verifier])).key_pinned


def test_an_edited_checkpoint_fails_its_signature() -> None:
    def edit(members: dict[str, bytes]) -> None:
        members["checkpoint.txt"] = members["checkpoint.txt"].replace(b"\n4\n", b"\n3\n")

    assert codes(rewrite(bundle(), edit)) == ["checkpoint_invalid"]


def test_a_bundle_that_is_not_a_zip_is_reported_not_raised() -> None:
    result = verify_bundle(b"not a zip at all")
    assert not result.ok and [p.code for p in result.problems] == ["bundle_unreadable"]
    assert not verify_bundle(bundle()[:-40]).ok


def test_an_empty_case_verifies() -> None:
    result = verify_bundle(build_bundle([], SIGNER))
    assert result.ok and result.entries == 0


def test_earlier_checkpoint_signed_by_a_rotated_key_is_proven_a_prefix() -> None:
    old = NoteSigner.from_seed("qorgau.kz/cases", bytes([1]) * 32)
    items = entries(6)
    earlier_tree = MerkleTree()
    from qorgau.cases.domain.bundle import make_record
    from qorgau.cases.domain.checkpoint import Checkpoint

    for index, item in enumerate(items[:4]):
        earlier_tree.append_leaf_hash(make_record(index, *item).leaf_hash())
    earlier = Checkpoint(ORIGIN, 4, earlier_tree.root()).sign([old])
    data = build_bundle(
        items, SIGNER, origin=ORIGIN, earlier_checkpoints=[earlier], earlier_keys=[old.verifier]
    )
    result = verify_bundle(data)
    assert result.ok, result.problems
    assert result.earlier_checkpoints == 1
    forged = Checkpoint(ORIGIN, 4, bytes(32)).sign([old])
    with pytest.raises(BundleError, match="does not extend"):
        build_bundle(items, SIGNER, earlier_checkpoints=[forged])


@pytest.mark.parametrize(
    ("name", "metadata"),
    [
        ("../escape", {}),
        ("", {}),
        ("ok.txt", {"time": dt.datetime(2026, 1, 1)}),
        ("ok.txt", {"colour": "red"}),
    ],
)
def test_entries_that_cannot_be_logged_raise_bundle_error(name: str, metadata: dict[str, object]) -> None:
    with pytest.raises(BundleError, match=r"entries\[0\]"):
        build_bundle([(name, b"x", metadata)], SIGNER)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 3), st.integers(0, 200), st.integers(1, 255))
def test_any_flipped_byte_in_any_material_is_detected(index: int, offset: int, mask: int) -> None:
    data = bundle()
    path = material_path(index, f"doc-{index}.txt")

    def flip(members: dict[str, bytes]) -> None:
        content = bytearray(members[path])
        content[offset % len(content)] ^= mask
        members[path] = bytes(content)

    result = verify_bundle(rewrite(data, flip))
    assert [(p.code, p.entry) for p in result.problems] == [("material_changed", index)]


def test_ten_thousand_entries_export_and_verify() -> None:
    """Size, not speed: the time is measured in bench/cases_bundle.py."""
    items = [(f"m{i}.txt", i.to_bytes(4, "big"), {"kind": "material"}) for i in range(10_000)]
    result = verify_bundle(build_bundle(items, SIGNER))
    assert result.ok and result.entries == 10_000
