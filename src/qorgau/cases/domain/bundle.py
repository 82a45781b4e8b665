"""A case bundle: the materials of a case with the proof that none was changed, removed, added or moved.

A bundle is a zip archive, built in memory and checked in memory (no database, no files)::

    manifest.json       format, origin, tree size, root hash and one record per entry
    checkpoint.txt      the signed checkpoint of the case log (c2sp.org/tlog-checkpoint)
    proofs.json         an RFC 9162 inclusion proof per entry; consistency proofs from earlier checkpoints
    public_keys.txt     verifier keys: the checkpoint's signer first, then keys of earlier checkpoints
    materials/000000-<name>, materials/000001-<name>, ...   the materials, one file per entry

Each entry is one leaf of the case's Merkle log. The leaf is the canonical JSON (sorted keys, no
spaces, UTF-8) of the entry's ``format``, ``index``, ``name``, ``title``, ``kind``, ``time`` and the
``sha256`` of its bytes; the position in the log is inside the leaf, so moving an entry changes its
hash. The manifest repeats each record with ``size``, ``leaf_hash`` and ``path``, which the verifier
recomputes rather than trusts.

:func:`verify_bundle` trusts only the signed checkpoint: its size says how many entries the log
holds and its root hash commits to every leaf. Everything else in the archive is checked against
it, and each failure becomes a :class:`Problem` naming the entry and the material.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qorgau.cases.domain.checkpoint import (
    Checkpoint,
    Keyring,
    NoteSigner,
    VerifierKey,
    open_checkpoint,
)
from qorgau.cases.domain.errors import BundleError, CheckpointError
from qorgau.cases.domain.merkle import (
    HASH_SIZE,
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

BUNDLE_FORMAT = "qorgau-case-bundle/1"
ENTRY_FORMAT = "qorgau-case-entry/1"
MANIFEST = "manifest.json"
CHECKPOINT = "checkpoint.txt"
PROOFS = "proofs.json"
PUBLIC_KEYS = "public_keys.txt"
MATERIALS = "materials/"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same entries give the same archive, byte for byte
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
_MAX_NAME = 180
# Reorder detection tries each failing entry at each failing position; beyond this it only names them.
_MAX_REORDER_CANDIDATES = 256


@dataclass(frozen=True)
class EntryRecord:
    """One entry of the case log as it appears in the manifest."""

    index: int
    name: str
    title: str
    kind: str
    time: str | None
    sha256: str
    size: int

    @property
    def path(self) -> str:
        return material_path(self.index, self.name)

    def leaf_data(self) -> bytes:
        """The bytes hashed into the leaf: canonical JSON of the fields that identify the entry."""
        return canonical_leaf_data(self.index, self.name, self.title, self.kind, self.time, self.sha256)

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf_data())

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "time": self.time,
            "sha256": self.sha256,
            "size": self.size,
            "leaf_hash": self.leaf_hash().hex(),
            "path": self.path,
        }


def canonical_leaf_data(index: int, name: str, title: str, kind: str, time: str | None, sha256: str) -> bytes:
    document = {
        "format": ENTRY_FORMAT,
        "index": index,
        "name": name,
        "title": title,
        "kind": kind,
        "time": time,
        "sha256": sha256,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def material_path(index: int, name: str) -> str:
    return f"{MATERIALS}{index:06d}-{name}"


def make_record(
    index: int, name: str, content: bytes, metadata: Mapping[str, Any] | None = None
) -> EntryRecord:
    """Validate one entry and describe it; :class:`BundleError` naming the entry when it cannot be logged.

    ``metadata`` may give ``title`` (default: the name), ``kind`` (default ``"material"``) and
    ``time`` (an aware datetime or ISO 8601 text with an offset; stored in UTC; default none).
    """
    where = f"entries[{index}]"
    if not isinstance(name, str) or not name or name in (".", "..") or len(name) > _MAX_NAME:
        raise BundleError(f"{where}.name: must be 1–{_MAX_NAME} characters, not '.' or '..'")
    if _BAD_NAME.search(name):
        raise BundleError(f"{where}.name: {name!r} must not contain slashes or control characters")
    if not isinstance(content, bytes | bytearray):
        raise BundleError(f"{where}.content: must be bytes")
    metadata = dict(metadata or {})
    unknown = set(metadata) - {"title", "kind", "time"}
    if unknown:
        raise BundleError(f"{where}.metadata: unknown field(s) {', '.join(sorted(unknown))}")
    title = metadata.get("title", name)
    kind = metadata.get("kind", "material")
    for label, value in (("title", title), ("kind", kind)):
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            raise BundleError(f"{where}.{label}: must be one non-empty line of text")
    return EntryRecord(
        index=index,
        name=name,
        title=title,
        kind=kind,
        time=_normalise_time(metadata.get("time"), where=f"{where}.time"),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )


def _normalise_time(value: Any, *, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise BundleError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise BundleError(f"{where}: needs a date-time with a UTC offset")
    return value.astimezone(dt.UTC).isoformat()


def build_bundle(
    entries: Sequence[tuple[str, bytes, Mapping[str, Any] | None]],
    signer: NoteSigner,
    *,
    origin: str | None = None,
    earlier_checkpoints: Sequence[str] = (),
    earlier_keys: Sequence[VerifierKey] = (),
) -> bytes:
    """Pack ``entries`` (name, bytes, metadata) with a checkpoint signed by ``signer``; the zip's bytes.

    ``origin`` names the log in the checkpoint (default: the signer's name; for a case, e.g.
    ``qorgau.kz/cases/<ERDR number>``). ``earlier_checkpoints`` are signed notes published before
    (held by witnesses, say): the bundle carries a consistency proof from each to this one, and
    ``earlier_keys`` the verifier keys that signed them, when a key was rotated since.
    Raises :class:`BundleError` for an entry that cannot be logged or an earlier checkpoint that
    this log does not extend.
    """
    records = [make_record(index, *entry) for index, entry in enumerate(entries)]
    tree = MerkleTree(record.leaf_hash() for record in records)
    return _write_bundle(
        records, [entry[1] for entry in entries], tree, signer, origin, earlier_checkpoints, earlier_keys
    )


def _write_bundle(
    records: Sequence[EntryRecord],
    contents: Sequence[bytes],
    tree: MerkleTree,
    signer: NoteSigner,
    origin: str | None,
    earlier_checkpoints: Sequence[str],
    earlier_keys: Sequence[VerifierKey],
) -> bytes:
    checkpoint = Checkpoint(origin or signer.name, tree.size, tree.root())
    consistency = []
    for number, note in enumerate(earlier_checkpoints):
        try:
            earlier = Checkpoint.parse_body(note[: note.rfind("\n\n") + 1])
        except CheckpointError as exc:
            raise BundleError(f"earlier_checkpoints[{number}]: {exc}") from None
        if earlier.size > tree.size or tree.root(earlier.size) != earlier.root_hash:
            raise BundleError(
                f"earlier_checkpoints[{number}]: this log does not extend it (size {earlier.size})"
            )
        consistency.append(
            {
                "checkpoint": note,
                "old_size": earlier.size,
                "path": _b64_list(tree.consistency_proof(earlier.size)),
            }
        )
    manifest = {
        "format": BUNDLE_FORMAT,
        "origin": checkpoint.origin,
        "tree_size": tree.size,
        "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
        "hash": "RFC 9162 SHA-256; leaf = SHA-256(0x00 || canonical JSON of the entry)",
        "entries": [record.to_dict() for record in records],
    }
    proofs = {
        "tree_size": tree.size,
        "inclusion": [
            {
                "index": record.index,
                "name": record.name,
                "leaf_hash": base64.b64encode(tree.leaf_hash_at(record.index)).decode(),
                "path": _b64_list(tree.inclusion_proof(record.index)),
            }
            for record in records
        ],
        "consistency": consistency,
    }
    keys = [signer.verifier, *(key for key in earlier_keys if key != signer.verifier)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        _write(archive, CHECKPOINT, checkpoint.sign([signer]).encode("utf-8"))
        _write(archive, PROOFS, json.dumps(proofs, separators=(",", ":")).encode("utf-8"))
        _write(archive, PUBLIC_KEYS, "".join(key.encode() + "\n" for key in keys).encode("utf-8"))
        for record, content in zip(records, contents, strict=True):
            _write(archive, record.path, bytes(content))
    return buffer.getvalue()


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _b64_list(hashes: Iterable[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle. ``code`` is stable; ``message`` names the entry and material.

    Codes: ``bundle_unreadable``, ``member_missing``, ``member_duplicated``, ``member_unexpected``,
    ``keys_malformed``, ``key_not_trusted``, ``checkpoint_invalid``, ``manifest_malformed``,
    ``manifest_checkpoint_mismatch``, ``proofs_malformed``, ``entry_removed``, ``entry_added``,
    ``entry_duplicated``, ``entry_reordered``, ``entry_altered``, ``log_root_mismatch``,
    ``material_missing``, ``material_changed``, ``material_reordered``, ``material_added``,
    ``earlier_checkpoint_invalid``, ``earlier_checkpoint_inconsistent``.
    """

    code: str
    message: str
    entry: int | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "entry": self.entry, "name": self.name}


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify_bundle`: ``ok`` when no problem was found."""

    ok: bool
    entries: int
    problems: tuple[Problem, ...] = ()
    origin: str | None = None
    root_hash: str | None = None
    key_name: str | None = None
    key_id: str | None = None
    key_pinned: bool = False
    earlier_checkpoints: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "origin": self.origin,
            "root_hash": self.root_hash,
            "key_name": self.key_name,
            "key_id": self.key_id,
            "key_pinned": self.key_pinned,
            "earlier_checkpoints": self.earlier_checkpoints,
            "problems": [problem.to_dict() for problem in self.problems],
        }


@dataclass
class _Check:
    """The state of one verification run: what has been read and what is wrong so far."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, entry: int | None = None, name: str | None = None) -> None:
        self.problems.append(Problem(code, message, entry, name))


def verify_bundle(
    zip_bytes: bytes, trusted_keys: Keyring | Sequence[VerifierKey] | None = None
) -> VerifyResult:
    """Check a bundle against its own signed checkpoint, with no database.

    Without ``trusted_keys`` the signature is checked against the key the bundle carries (this
    proves the bundle is intact as its signer made it; who the signer is, the reported key id
    tells). With ``trusted_keys`` (a pinned keyring) only those keys are accepted.
    """
    check = _Check()
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        check.add("bundle_unreadable", f"the bundle is not a readable zip archive: {exc}")
        return VerifyResult(False, 0, tuple(check.problems))
    with archive:
        return _verify_archive(archive, names, trusted_keys, check)


def _read(archive: zipfile.ZipFile, name: str, check: _Check) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        check.add("member_missing", f"{name} is missing from the bundle", name=name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        check.add("bundle_unreadable", f"{name} cannot be read: {exc}", name=name)
    return None


def _verify_archive(
    archive: zipfile.ZipFile,
    names: list[str],
    trusted_keys: Keyring | Sequence[VerifierKey] | None,
    check: _Check,
) -> VerifyResult:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            check.add("member_duplicated", f"{name} appears more than once in the archive", name=name)
        seen.add(name)

    bundled_keys = _read_keys(archive, check)
    pinned = trusted_keys is not None
    # Pinned keys replace the bundle's own: a bundle cannot vouch for the key that signed it.
    if trusted_keys is None:
        keyring = Keyring.of(bundled_keys)
    elif isinstance(trusted_keys, Keyring):
        keyring = trusted_keys
    else:
        keyring = Keyring.of(trusted_keys)
    checkpoint, signer = _read_checkpoint(archive, keyring, bundled_keys, pinned, check)
    records = _read_manifest(archive, checkpoint, check)
    proofs = _read_proofs(archive, check)
    if checkpoint is None or records is None:
        entries = checkpoint.size if checkpoint else len(records or [])
        return VerifyResult(False, entries, tuple(check.problems), key_pinned=pinned)

    _check_entries(records, proofs, checkpoint, check)
    _check_materials(archive, names, records, check)
    earlier = _check_earlier(proofs, checkpoint, keyring, check)
    expected = {MANIFEST, CHECKPOINT, PROOFS, PUBLIC_KEYS}
    for name in sorted(set(names) - expected):
        if not name.startswith(MATERIALS):
            check.add("member_unexpected", f"{name} is not part of a case bundle", name=name)
    return VerifyResult(
        ok=not check.problems,
        entries=checkpoint.size,
        problems=tuple(check.problems),
        origin=checkpoint.origin,
        root_hash=base64.b64encode(checkpoint.root_hash).decode(),
        key_name=signer.name if signer else None,
        key_id=signer.key_id_hex if signer else None,
        key_pinned=pinned,
        earlier_checkpoints=earlier,
    )


def _read_keys(archive: zipfile.ZipFile, check: _Check) -> tuple[VerifierKey, ...]:
    raw = _read(archive, PUBLIC_KEYS, check)
    if raw is None:
        return ()
    try:
        return Keyring.parse(raw.decode("utf-8")).keys
    except (CheckpointError, UnicodeDecodeError) as exc:
        check.add("keys_malformed", f"{PUBLIC_KEYS}: {exc}", name=PUBLIC_KEYS)
        return ()


def _read_checkpoint(
    archive: zipfile.ZipFile,
    keyring: Keyring,
    bundled_keys: tuple[VerifierKey, ...],
    pinned: bool,
    check: _Check,
) -> tuple[Checkpoint | None, VerifierKey | None]:
    raw = _read(archive, CHECKPOINT, check)
    if raw is None:
        return None, None
    try:
        checkpoint, keys = open_checkpoint(raw.decode("utf-8"), keyring)
    except UnicodeDecodeError:
        check.add("checkpoint_invalid", f"{CHECKPOINT} is not UTF-8 text", name=CHECKPOINT)
        return None, None
    except CheckpointError as exc:
        if pinned and bundled_keys and not any(key in keyring.keys for key in bundled_keys):
            carried = ", ".join(f"{k.name}+{k.key_id_hex}" for k in bundled_keys)
            check.add(
                "key_not_trusted", f"the bundle is signed by a key that is not pinned ({carried}): {exc}"
            )
        else:
            check.add("checkpoint_invalid", f"{CHECKPOINT}: {exc}", name=CHECKPOINT)
        return None, None
    return checkpoint, keys[0]


def _read_manifest(
    archive: zipfile.ZipFile, checkpoint: Checkpoint | None, check: _Check
) -> list[EntryRecord] | None:
    raw = _read(archive, MANIFEST, check)
    if raw is None:
        return None
    try:
        document = json.loads(raw.decode("utf-8"))
        if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
            raise ValueError("needs an 'entries' list")
        records = [_record_from_dict(item, position) for position, item in enumerate(document["entries"])]
    except (ValueError, UnicodeDecodeError) as exc:
        check.add("manifest_malformed", f"{MANIFEST}: {exc}", name=MANIFEST)
        return None
    if checkpoint is not None:
        root = base64.b64encode(checkpoint.root_hash).decode()
        if (document.get("tree_size"), document.get("root_hash"), document.get("origin")) != (
            checkpoint.size,
            root,
            checkpoint.origin,
        ):
            check.add(
                "manifest_checkpoint_mismatch",
                f"{MANIFEST} states tree size {document.get('tree_size')} and root "
                f"{document.get('root_hash')}, the signed checkpoint {checkpoint.size} and {root}",
                name=MANIFEST,
            )
    return records


def _record_from_dict(item: Any, position: int) -> EntryRecord:
    where = f"entries[{position}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    strings = ("name", "title", "kind", "sha256")
    if not isinstance(item.get("index"), int) or isinstance(item.get("index"), bool):
        raise ValueError(f"{where}.index must be an integer")
    for key in strings:
        if not isinstance(item.get(key), str):
            raise ValueError(f"{where}.{key} must be text")
    if item.get("time") is not None and not isinstance(item.get("time"), str):
        raise ValueError(f"{where}.time must be text or null")
    if not isinstance(item.get("size"), int):
        raise ValueError(f"{where}.size must be an integer")
    return EntryRecord(
        index=item["index"],
        name=item["name"],
        title=item["title"],
        kind=item["kind"],
        time=item.get("time"),
        sha256=item["sha256"],
        size=item["size"],
    )


@dataclass(frozen=True)
class _Proofs:
    inclusion: dict[int, tuple[bytes, list[bytes], str | None]]
    consistency: list[Any]


def _read_proofs(archive: zipfile.ZipFile, check: _Check) -> _Proofs | None:
    raw = _read(archive, PROOFS, check)
    if raw is None:
        return None
    try:
        document = json.loads(raw.decode("utf-8"))
        inclusion: dict[int, tuple[bytes, list[bytes], str | None]] = {}
        for item in document["inclusion"]:
            name = item.get("name") if isinstance(item.get("name"), str) else None
            inclusion[int(item["index"])] = (
                _b64_hash(item["leaf_hash"]),
                [_b64_hash(h) for h in item["path"]],
                name,
            )
        consistency = document.get("consistency", [])
        if not isinstance(consistency, list):
            raise ValueError("'consistency' must be a list")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, binascii.Error) as exc:
        check.add("proofs_malformed", f"{PROOFS}: {exc}", name=PROOFS)
        return None
    return _Proofs(inclusion, consistency)


def _b64_hash(text: Any) -> bytes:
    raw = base64.b64decode(str(text), validate=True)
    if len(raw) != HASH_SIZE:
        raise ValueError(f"a hash has {HASH_SIZE} bytes")
    return raw


def _check_entries(
    records: list[EntryRecord], proofs: _Proofs | None, checkpoint: Checkpoint, check: _Check
) -> None:
    """Every index of the signed log is listed once, in place, with a leaf the root commits to."""
    size, root = checkpoint.size, checkpoint.root_hash
    by_index: dict[int, EntryRecord] = {}
    failing: list[tuple[int, EntryRecord]] = []
    for position, record in enumerate(records):
        label = f"entry {record.index} ({record.name!r})"
        if not 0 <= record.index < size:
            check.add(
                "entry_added",
                f"{label} is not in the signed log of {size} entries",
                record.index,
                record.name,
            )
            continue
        if record.index in by_index:
            check.add(
                "entry_duplicated", f"{label} is listed twice in the manifest", record.index, record.name
            )
            continue
        by_index[record.index] = record
        verified = _leaf_verifies(record.leaf_hash(), record.index, proofs, checkpoint)
        if verified is False:
            failing.append((position, record))
        elif position != record.index:
            check.add(
                "entry_reordered",
                f"{label} is listed at position {position} but was logged at index {record.index}",
                record.index,
                record.name,
            )
    for index in range(size):
        if index not in by_index:
            hint = proofs.inclusion.get(index, (b"", [], None))[2] if proofs else None
            named = f" ({hint!r} according to {PROOFS})" if hint else ""
            check.add(
                "entry_removed",
                f"entry {index}{named} of the signed log is missing from the manifest",
                index,
                hint,
            )
    _name_failing_entries(failing, proofs, checkpoint, check)
    if proofs is None and len(by_index) == size:
        # No proofs to name a culprit: the manifest as a whole must still give the signed root.
        computed = MerkleTree(by_index[i].leaf_hash() for i in range(size)).root()
        if computed != root:
            check.add("log_root_mismatch", "the manifest's entries do not give the signed root hash")


def _leaf_verifies(hashed: bytes, index: int, proofs: _Proofs | None, checkpoint: Checkpoint) -> bool | None:
    """True/False from the inclusion proof; None when there is no proof to check with."""
    if proofs is None or index not in proofs.inclusion:
        return None
    _, path, _ = proofs.inclusion[index]
    return verify_inclusion(hashed, index, checkpoint.size, path, checkpoint.root_hash)


def _name_failing_entries(
    failing: list[tuple[int, EntryRecord]], proofs: _Proofs | None, checkpoint: Checkpoint, check: _Check
) -> None:
    """An entry whose leaf is not in the log was either moved (it verifies at another index) or altered."""
    candidates = sorted({record.index for _, record in failing})[:_MAX_REORDER_CANDIDATES]
    for _position, record in failing:
        moved_from = None
        for index in candidates:
            if index == record.index:
                continue
            data = canonical_leaf_data(
                index, record.name, record.title, record.kind, record.time, record.sha256
            )
            if _leaf_verifies(leaf_hash(data), index, proofs, checkpoint):
                moved_from = index
                break
        label = f"entry {record.index} ({record.name!r})"
        if moved_from is not None:
            check.add(
                "entry_reordered",
                f"{label} was logged at index {moved_from} and has been moved to {record.index}",
                record.index,
                record.name,
            )
        else:
            check.add(
                "entry_altered",
                f"{label}: its record (name, title, kind, time or hash) differs from what was logged",
                record.index,
                record.name,
            )


def _check_materials(
    archive: zipfile.ZipFile, names: list[str], records: list[EntryRecord], check: _Check
) -> None:
    by_digest = {record.sha256: record for record in records}
    referenced = set()
    for record in records:
        referenced.add(record.path)
        label = f"material {record.path!r} of entry {record.index} ({record.title!r})"
        if record.path not in names:
            check.add("material_missing", f"{label} is missing", record.index, record.name)
            continue
        content = _read(archive, record.path, check)
        if content is None:
            continue
        digest = hashlib.sha256(content).hexdigest()
        if digest == record.sha256 and len(content) == record.size:
            continue
        other = by_digest.get(digest)
        if other is not None and other.index != record.index:
            check.add(
                "material_reordered",
                f"{label} holds the content of entry {other.index} ({other.name!r})",
                record.index,
                record.name,
            )
        else:
            check.add(
                "material_changed", f"{label} has been changed (SHA-256 {digest})", record.index, record.name
            )
    for name in sorted(set(names) - referenced):
        if name.startswith(MATERIALS) and not name.endswith("/"):
            check.add(
                "material_added", f"material {name!r} is not in the case log", name=name[len(MATERIALS) :]
            )


def _check_earlier(proofs: _Proofs | None, checkpoint: Checkpoint, keyring: Keyring, check: _Check) -> int:
    """Each earlier checkpoint carried must be signed and a prefix of this log. Returns how many were."""
    if proofs is None:
        return 0
    good = 0
    for number, item in enumerate(proofs.consistency):
        where = f"{PROOFS} consistency[{number}]"
        try:
            earlier, _ = open_checkpoint(str(item["checkpoint"]), keyring)
            path = [_b64_hash(h) for h in item["path"]]
        except (CheckpointError, KeyError, TypeError, ValueError, binascii.Error) as exc:
            check.add("earlier_checkpoint_invalid", f"{where}: {exc}")
            continue
        if not verify_consistency(
            earlier.size, checkpoint.size, earlier.root_hash, checkpoint.root_hash, path
        ):
            check.add(
                "earlier_checkpoint_inconsistent",
                f"{where}: the log of size {checkpoint.size} does not extend "
                f"the checkpoint of size {earlier.size}",
            )
            continue
        good += 1
    return good
