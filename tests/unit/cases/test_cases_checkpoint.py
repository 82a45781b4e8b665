"""C2SP signed notes and tlog checkpoints with Ed25519, key ids, keyrings and key rotation."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.cases.domain.checkpoint import (
    Checkpoint,
    Keyring,
    NoteSigner,
    VerifierKey,
    key_id,
    open_checkpoint,
    open_note,
    parse_note,
    sign_note,
)
from qorgau.cases.domain.errors import CheckpointError
from qorgau.cases.domain.merkle import MerkleTree

# The example key and signed note published with Go's golang.org/x/mod/sumdb/note package.
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)


def signer(name: str = "qorgau.kz/cases", seed: int = 7) -> NoteSigner:
    return NoteSigner.from_seed(name, bytes([seed]) * 32)


def test_signed_note_matches_the_go_note_package_example_byte_for_byte() -> None:
    go_signer = NoteSigner.from_seed("PeterNeumann", GO_SEED)
    assert go_signer.verifier == VerifierKey.parse(GO_VERIFIER)
    assert sign_note(GO_TEXT, [go_signer]) == GO_TEXT + "\n" + GO_SIGNATURE + "\n"
    text, keys = open_note(GO_TEXT + "\n" + GO_SIGNATURE + "\n", Keyring.parse(GO_VERIFIER))
    assert text == GO_TEXT
    assert keys[0].key_id_hex == "c74f20a3"


def test_key_id_is_sha256_of_name_newline_type_and_key() -> None:
    key = VerifierKey.parse(GO_VERIFIER)
    assert key_id(key.name, key.public_key).hex() == "c74f20a3"
    assert VerifierKey.parse(key.encode()) == key


def test_checkpoint_body_has_origin_size_and_base64_root() -> None:
    tree = MerkleTree()
    tree.append(b"first")
    checkpoint = Checkpoint("qorgau.kz/cases/2611030000012300", tree.size, tree.root())
    body = checkpoint.body()
    assert body.split("\n")[:2] == ["qorgau.kz/cases/2611030000012300", "1"]
    assert base64.b64decode(body.split("\n")[2]) == tree.root()
    assert Checkpoint.parse_body(body) == checkpoint


def test_signed_checkpoint_opens_with_the_signers_key() -> None:
    key = signer()
    checkpoint = Checkpoint("qorgau.kz/cases", 42, bytes(32))
    opened, keys = open_checkpoint(checkpoint.sign([key]), Keyring.of([key.verifier]))
    assert opened == checkpoint
    assert keys == (key.verifier,)


@given(st.integers(0, 10**9), st.binary(min_size=32, max_size=32))
def test_altering_the_size_or_root_breaks_the_signature(size: int, root: bytes) -> None:
    key = signer()
    note = Checkpoint("qorgau.kz/cases", size, root).sign([key])
    text, rest = note.split("\n", 1)[0], note.split("\n", 2)[2]
    forged = f"{text}\n{size + 1}\n{rest}"
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(forged, Keyring.of([key.verifier]))


def test_a_note_signed_only_by_unknown_keys_is_rejected() -> None:
    note = Checkpoint("qorgau.kz/cases", 1, bytes(32)).sign([signer(seed=1)])
    with pytest.raises(CheckpointError, match="no signature by a trusted key"):
        open_checkpoint(note, Keyring.of([signer(seed=2).verifier]))


def test_rotation_keeps_old_checkpoints_verifiable_and_cosigned_ones_open_with_either_key() -> None:
    old, new = signer(seed=1), signer(seed=2)
    assert old.key_id != new.key_id
    keyring = Keyring.parse(f"# retired 2026-06-01\n{old.verifier.encode()}\n{new.verifier.encode()}\n")
    before = Checkpoint("qorgau.kz/cases", 10, bytes(32)).sign([old])
    during = Checkpoint("qorgau.kz/cases", 11, bytes([1]) * 32).sign([old, new])
    after = Checkpoint("qorgau.kz/cases", 12, bytes([2]) * 32).sign([new])
    assert open_checkpoint(before, keyring)[1] == (old.verifier,)
    assert open_checkpoint(during, keyring)[1] == (old.verifier, new.verifier)
    assert open_checkpoint(during, Keyring.of([new.verifier]))[1] == (new.verifier,)
    assert open_checkpoint(after, keyring)[0].size == 12


@pytest.mark.parametrize(
    "note",
    [
        "no newline",
        "text\n",
        "text\n\nnot a signature line\n",
        "text\n\n— name\n",
        "text\n\n— name !!!notbase64\n",
        "text\n\n— name AAAA\n",
    ],
)
def test_malformed_notes_raise_checkpoint_error(note: str) -> None:
    with pytest.raises(CheckpointError):
        parse_note(note)


@pytest.mark.parametrize(
    "body",
    [
        "origin\n01\nAAAA\n",
        "origin\n-1\nAAAA\n",
        "origin\n1\n",
        "origin\n1\nnot base64\n",
        "\n1\n" + "A" * 44 + "\n",
    ],
)
def test_malformed_checkpoint_bodies_are_refused(body: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse_body(body)


@pytest.mark.parametrize("name", ["", "has space", "plus+sign"])
def test_key_names_with_spaces_or_plus_are_refused(name: str) -> None:
    with pytest.raises(CheckpointError):
        NoteSigner.from_seed(name, bytes(32))


@given(st.binary(min_size=32, max_size=32))
def test_any_signers_verifier_key_round_trips_through_its_text_form(seed: bytes) -> None:
    key = NoteSigner.from_seed("qorgau.kz/cases", seed).verifier
    assert VerifierKey.parse(key.encode()) == key
    assert Keyring.parse(key.encode() + "\n").keys == (key,)


def test_verifier_key_with_wrong_id_is_refused() -> None:
    with pytest.raises(CheckpointError, match="does not match"):
        VerifierKey.parse(GO_VERIFIER.replace("c74f20a3", "00000000"))
