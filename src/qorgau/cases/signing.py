"""The Ed25519 key that signs case checkpoints, kept under the data directory and never in the database.

Files, under ``<data dir>/keys/``::

    cases-signing.key    the private key, mode 0600, in the Go note signer form
                         ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte seed)>``
    cases-keyring.txt    every verifier key ever used, one per line (``<name>+<key id>+<base64>``),
                         the active one marked ``# active since …``, old ones ``# retired …``

The key is generated on first use (created with ``O_EXCL``, so two processes starting at once
cannot make two keys). Keeping the private key out of the database means a copy of the database
cannot forge checkpoints, and a restored backup keeps verifying against the keyring.

Rotation (``qorgau cases rotate-key``, :func:`SigningKeys.rotate`) follows the procedure in
:mod:`qorgau.cases.domain.checkpoint`:

1. a new key is generated under the same name (so a new key id) and appended to the keyring; the
   old verifier key stays there, marked retired, so every checkpoint it signed keeps verifying;
2. the old private key file is removed (overwritten first); only its public half survives;
3. give the new keyring to every verifier and witness (``qorgau cases verify --trusted-key``).
   Checkpoints stored before the rotation stay valid; a bundle exported afterwards is signed by
   the new key and carries the old verifier keys for the earlier checkpoint it includes.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from qorgau.cases.domain.checkpoint import ED25519_SIGNATURE_TYPE, Keyring, NoteSigner, VerifierKey
from qorgau.cases.domain.errors import CheckpointError

KEY_NAME = "qorgau.kz/cases"
PRIVATE_KEY_FILE = "cases-signing.key"
KEYRING_FILE = "cases-keyring.txt"
_PRIVATE_PREFIX = "PRIVATE+KEY+"


def encode_private_key(signer_name: str, seed: bytes, key_id_hex: str) -> str:
    encoded = base64.b64encode(bytes([ED25519_SIGNATURE_TYPE]) + seed).decode()
    return f"{_PRIVATE_PREFIX}{signer_name}+{key_id_hex}+{encoded}\n"


def decode_private_key(text: str) -> NoteSigner:
    """Read ``PRIVATE+KEY+<name>+<key id>+<base64>``; :class:`CheckpointError` if malformed."""
    line = text.strip()
    if not line.startswith(_PRIVATE_PREFIX):
        raise CheckpointError("signing key file: expected PRIVATE+KEY+<name>+<key id>+<key>")
    parts = line[len(_PRIVATE_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("signing key file: expected PRIVATE+KEY+<name>+<key id>+<key>")
    name, id_hex, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise CheckpointError("signing key file: the key is not base64") from None
    if len(raw) != 33 or raw[0] != ED25519_SIGNATURE_TYPE:
        raise CheckpointError("signing key file: not an Ed25519 key")
    signer = NoteSigner.from_seed(name, raw[1:])
    if signer.verifier.key_id_hex != id_hex.lower():
        raise CheckpointError("signing key file: the key id does not match the key")
    return signer


@dataclass(frozen=True)
class SigningKeys:
    """The signing key and keyring of one data directory."""

    directory: Path
    name: str = KEY_NAME

    @classmethod
    def under(cls, data_dir: Path) -> SigningKeys:
        return cls(Path(data_dir) / "keys")

    @property
    def private_key_path(self) -> Path:
        return self.directory / PRIVATE_KEY_FILE

    @property
    def keyring_path(self) -> Path:
        return self.directory / KEYRING_FILE

    def signer(self) -> NoteSigner:
        """The active signer, generating the key on first use."""
        try:
            return decode_private_key(self.private_key_path.read_text(encoding="ascii"))
        except FileNotFoundError:
            pass
        self._generate(exclusive=True)
        return decode_private_key(self.private_key_path.read_text(encoding="ascii"))

    def keyring(self) -> Keyring:
        """Every verifier key ever used here (the active one included)."""
        self.signer()
        return Keyring.parse(self.keyring_path.read_text(encoding="utf-8"))

    def rotate(self) -> tuple[VerifierKey, VerifierKey]:
        """Replace the active key by a new one; return (retired, new) verifier keys."""
        old = self.signer()
        self._mark_retired(old.verifier)
        wiped = self.private_key_path.with_suffix(".retired")
        os.replace(self.private_key_path, wiped)
        with wiped.open("r+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(0)
            handle.write(os.urandom(size))
            handle.flush()
            os.fsync(handle.fileno())
        wiped.unlink()
        new = self._generate(exclusive=True)
        return old.verifier, new

    def _generate(self, *, exclusive: bool) -> VerifierKey:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        signer = NoteSigner(self.name, private)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
        try:
            descriptor = os.open(self.private_key_path, flags, 0o600)
        except FileExistsError:
            # Another process made the key first: use that one.
            return decode_private_key(self.private_key_path.read_text(encoding="ascii")).verifier
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(encode_private_key(self.name, seed, signer.verifier.key_id_hex))
            handle.flush()
            os.fsync(handle.fileno())
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.keyring_path.open("a", encoding="utf-8") as handle:
            handle.write(f"{signer.verifier.encode()}  # active since {since}\n")
        return signer.verifier

    def _mark_retired(self, key: VerifierKey) -> None:
        if not self.keyring_path.exists():
            return
        when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        lines = []
        for line in self.keyring_path.read_text(encoding="utf-8").splitlines():
            if line.split("#", 1)[0].strip() == key.encode():
                line = f"{key.encode()}  # retired {when}"
            lines.append(line)
        self.keyring_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
