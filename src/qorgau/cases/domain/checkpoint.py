"""Signed checkpoints of a case log: C2SP signed notes (c2sp.org/signed-note) with Ed25519.

A **checkpoint** (c2sp.org/tlog-checkpoint) is the note text::

    qorgau.kz/cases/2611030000012347      ← origin: which log
    42                                    ← tree size, decimal, no leading zeroes
    3q2+7w...=                            ← base64 of the RFC 9162 root hash at that size

followed by a blank line and one or more signature lines ``— <key name> base64(key id || signature)``.
The **key id** is the first four bytes of ``SHA-256(key name || 0x0A || 0x01 || public key)``
(0x01: the Ed25519 signature type); the Ed25519 signature is over the note text, final newline included.

Public keys travel as *verifier keys* in the Go ``golang.org/x/mod/sumdb/note`` text form
``<name>+<key id, 8 hex digits>+<base64(0x01 || 32-byte public key)>``, one per line in a keyring file.

Key rotation
------------
A key is never edited or reused under a new meaning; rotation adds a key:

1. Generate the new key (same name, hence a different key id; or a new name) and add its verifier
   key to the keyring that verifiers and witnesses hold. Keep the old verifier key in the keyring.
2. For a transition period sign new checkpoints with both keys (a note may carry several
   signatures; verifiers ignore the ones from keys they do not know, c2sp signed-note §Signatures).
3. Stop signing with the old key and destroy its private half. Its verifier key stays in the keyring
   for good, marked retired in a comment, so every checkpoint it signed remains verifiable.

A compromised key is handled the same way, except that checkpoints it signed after the compromise
must be re-checked against a witness's copy or a consistency proof from a trusted checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from qorgau.cases.domain.errors import CheckpointError
from qorgau.cases.domain.merkle import HASH_SIZE

ED25519_SIGNATURE_TYPE = 0x01
SIGNATURE_DASH = "\u2014"
MAX_SIGNATURES = 64
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SIZE = re.compile(r"0|[1-9][0-9]*")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte id of an Ed25519 key: ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_SIGNATURE_TYPE]) + public_key).digest()[:4]


def _check_key_name(name: str) -> None:
    if not name or any(ch.isspace() for ch in name) or "+" in name or _CONTROL.search(name):
        raise CheckpointError(f"key name {name!r} must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class VerifierKey:
    """A public key that can check note signatures, with its name and key id."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if len(self.public_key) != 32:
            raise CheckpointError(f"an Ed25519 public key has 32 bytes, not {len(self.public_key)}")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()

    def encode(self) -> str:
        """``<name>+<key id hex>+<base64(0x01 || public key)>``."""
        encoded = base64.b64encode(bytes([ED25519_SIGNATURE_TYPE]) + self.public_key).decode()
        return f"{self.name}+{self.key_id_hex}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Read the ``encode`` form; :class:`CheckpointError` if malformed or the id does not match."""
        # Name and key id never contain '+'; the base64 key may.
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise CheckpointError("a verifier key reads <name>+<key id>+<base64 key>")
        name, id_hex, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError("verifier key: the key is not base64") from None
        if len(raw) != 33 or raw[0] != ED25519_SIGNATURE_TYPE:
            raise CheckpointError("verifier key: only Ed25519 keys (type 0x01, 32 bytes) are supported")
        key = cls(name, raw[1:])
        if key.key_id_hex != id_hex.lower():
            raise CheckpointError(f"verifier key: key id {id_hex} does not match the key ({key.key_id_hex})")
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    """An Ed25519 private key with the name it signs under."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_key_name(name)
        self.name = name
        self._private_key = private_key
        raw_public = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.verifier = VerifierKey(name, raw_public)

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> NoteSigner:
        """A signer from the 32-byte Ed25519 private seed (deterministic; for tests and key files)."""
        if len(seed) != 32:
            raise CheckpointError(f"an Ed25519 seed has 32 bytes, not {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    def signature_line(self, text: str) -> str:
        """``— <name> base64(key id || Ed25519 signature over text)``, without the newline."""
        signature = self._private_key.sign(text.encode("utf-8"))
        return f"{SIGNATURE_DASH} {self.name} {base64.b64encode(self.key_id + signature).decode()}"


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note, decoded but not yet checked."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Keyring:
    """The verifier keys a reader trusts, old (rotated-out) keys included."""

    keys: tuple[VerifierKey, ...] = ()

    @classmethod
    def of(cls, keys: Iterable[VerifierKey]) -> Keyring:
        return cls(tuple(keys))

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """One verifier key per line; blank lines and ``#`` comments are skipped."""
        keys = []
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.split("#", 1)[0].strip()
            if not stripped:
                continue
            try:
                keys.append(VerifierKey.parse(stripped))
            except CheckpointError as exc:
                raise CheckpointError(f"keyring line {number}: {exc}") from None
        if not keys:
            raise CheckpointError("the keyring holds no key")
        return cls(tuple(keys))

    def find(self, name: str, id_: bytes) -> VerifierKey | None:
        for key in self.keys:
            if key.name == name and key.key_id == id_:
                return key
        return None


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise CheckpointError("note text must end with a newline")
    if _CONTROL.search(text):
        raise CheckpointError("note text must not contain control characters other than newline")


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """``text`` (ending in a newline), a blank line, then one signature line per signer."""
    _check_note_text(text)
    if not signers:
        raise CheckpointError("a note needs at least one signer")
    return text + "\n" + "".join(signer.signature_line(text) + "\n" for signer in signers)


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and its decoded signature lines.

    Raises :class:`CheckpointError` when the note is malformed.
    """
    _check_note_text(note)
    separator = note.rfind("\n\n")
    if separator < 0:
        raise CheckpointError("signed note: no blank line before the signatures")
    text, block = note[: separator + 1], note[separator + 2 :]
    lines = block.split("\n")
    if lines[-1] != "" or len(lines) < 2:
        raise CheckpointError("signed note: no signature lines")
    signatures = []
    for line in lines[:-1]:
        dash, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        if dash != SIGNATURE_DASH or not name or not encoded or " " in encoded:
            raise CheckpointError(f"signed note: malformed signature line {line!r}")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError(f"signed note: signature of {name!r} is not base64") from None
        if len(raw) < 5:
            raise CheckpointError(f"signed note: signature of {name!r} is too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise CheckpointError(f"signed note: more than {MAX_SIGNATURES} signatures")
    return text, signatures


def open_note(note: str, keyring: Keyring) -> tuple[str, tuple[VerifierKey, ...]]:
    """The note's text and the known keys whose signatures verified.

    Per c2sp signed-note: signatures from unknown keys are ignored; a signature from a known key
    that fails rejects the whole note; at least one known key must have signed.
    Raises :class:`CheckpointError` naming the problem.
    """
    text, signatures = parse_note(note)
    verified: list[VerifierKey] = []
    for signature in signatures:
        key = keyring.find(signature.name, signature.key_id)
        if key is None:
            continue
        if not key.verify(text.encode("utf-8"), signature.signature):
            raise CheckpointError(
                f"signature by {key.name} (key id {key.key_id_hex}) does not verify: the note was altered"
            )
        verified.append(key)
    if not verified:
        known = ", ".join(f"{k.name}+{k.key_id_hex}" for k in keyring.keys) or "none"
        found = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in signatures)
        raise CheckpointError(f"no signature by a trusted key (trusted: {known}; signed by: {found})")
    return text, tuple(verified)


@dataclass(frozen=True)
class Checkpoint:
    """The body of a tlog checkpoint: origin, tree size and root hash (c2sp.org/tlog-checkpoint)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or _CONTROL.search(self.origin):
            raise CheckpointError("checkpoint origin must be one non-empty line")
        if self.size < 0:
            raise CheckpointError("checkpoint tree size must not be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root hash has {HASH_SIZE} bytes, not {len(self.root_hash)}")
        if any(not line or "\n" in line for line in self.extensions):
            raise CheckpointError("checkpoint extension lines must be non-empty single lines")

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse_body(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise CheckpointError(
                "checkpoint: needs origin, size and root hash lines, each ending in a newline"
            )
        origin, size_text, root_text, *extensions = lines[:-1]
        if not _SIZE.fullmatch(size_text):
            raise CheckpointError(
                f"checkpoint: tree size {size_text!r} is not a decimal without leading zeroes"
            )
        try:
            root = base64.b64decode(root_text, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError("checkpoint: root hash is not base64") from None
        return cls(origin, int(size_text), root, tuple(extensions))

    def sign(self, signers: Sequence[NoteSigner]) -> str:
        """The checkpoint as a signed note."""
        return sign_note(self.body(), signers)


def open_checkpoint(note: str, keyring: Keyring) -> tuple[Checkpoint, tuple[VerifierKey, ...]]:
    """Verify a signed checkpoint against ``keyring``; the checkpoint and the keys that signed it."""
    text, keys = open_note(note, keyring)
    return Checkpoint.parse_body(text), keys
