"""RFC 9162 Merkle log: reference vectors, and properties over random trees (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.cases.domain.errors import MerkleError
from qorgau.cases.domain.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# The leaves and roots of the RFC 6962 test data shipped with Certificate Transparency
# implementations (same hashing as RFC 9162).
REFERENCE_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
REFERENCE_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def reference_tree() -> MerkleTree:
    tree = MerkleTree()
    for leaf in REFERENCE_LEAVES:
        tree.append(leaf)
    return tree


def tree_of(count: int) -> MerkleTree:
    return MerkleTree(leaf_hash(i.to_bytes(4, "big")) for i in range(count))


def test_empty_tree_root_is_hash_of_nothing() -> None:
    assert MerkleTree().root().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert CompactRange().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_root_matches_reference_vector_for_every_prefix(size: int) -> None:
    assert reference_tree().root(size).hex() == REFERENCE_ROOTS[size - 1]


def test_leaf_and_node_hashes_use_domain_separation_prefixes() -> None:
    assert leaf_hash(b"x") != node_hash(b"", b"x")
    assert leaf_hash(b"") == bytes.fromhex(REFERENCE_ROOTS[0])


def test_inclusion_and_consistency_proofs_match_reference_vectors() -> None:
    tree = reference_tree()
    assert [h.hex()[:8] for h in tree.inclusion_proof(0, 8)] == ["96a296d2", "5f083f0a", "6b47aaf2"]
    assert [h.hex()[:8] for h in tree.inclusion_proof(5, 8)] == ["bc1a0643", "ca854ea1", "d37ee418"]
    assert [h.hex()[:8] for h in tree.consistency_proof(1, 8)] == ["96a296d2", "5f083f0a", "6b47aaf2"]
    assert [h.hex()[:8] for h in tree.consistency_proof(6, 8)] == ["0ebc5d34", "ca854ea1", "d37ee418"]
    assert [h.hex()[:8] for h in tree.consistency_proof(2, 5)] == ["5f083f0a", "bc1a0643"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=70))
def test_tree_root_equals_the_recursive_definition_for_every_size(leaves: list[bytes]) -> None:
    tree = MerkleTree()
    compact = CompactRange()
    hashes = [leaf_hash(leaf) for leaf in leaves]
    for leaf in leaves:
        tree.append(leaf)
        compact.append(leaf)
    for size in range(len(leaves) + 1):
        assert tree.root(size) == root_from_leaf_hashes(hashes[:size])
    assert compact.root() == tree.root()
    assert len(compact.frontier) == len(leaves).bit_count()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    size, index = case
    tree = tree_of(size)
    proof = tree.inclusion_proof(index)
    assert verify_inclusion(tree.leaf_hash_at(index), index, size, proof, tree.root())
    assert len(proof) <= math.ceil(math.log2(size)) if size > 1 else not proof


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 120).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n), st.data())))
def test_inclusion_proofs_verify_against_every_earlier_size(case: tuple[int, int, st.DataObject]) -> None:
    full, size, data = case
    tree = tree_of(full)
    index = data.draw(st.integers(0, size - 1))
    assert verify_inclusion(
        tree.leaf_hash_at(index), index, size, tree.inclusion_proof(index, size), tree.root(size)
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_every_consistency_proof_between_sizes_verifies(sizes: tuple[int, int]) -> None:
    old, new = sizes
    tree = tree_of(new)
    proof = tree.consistency_proof(old, new)
    assert verify_consistency(old, new, tree.root(old), tree.root(new), proof)
    assert len(proof) <= 2 * max(1, math.ceil(math.log2(max(new, 2))))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 200).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))), st.binary(max_size=6)
)
def test_any_modified_leaf_fails_inclusion(case: tuple[int, int], replacement: bytes) -> None:
    size, index = case
    tree = tree_of(size)
    forged = leaf_hash(b"forged" + replacement)
    assert not verify_inclusion(forged, index, size, tree.inclusion_proof(index), tree.root())


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 200).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1), st.integers(0, n - 1)))
)
def test_inclusion_proof_fails_at_another_index_or_with_a_flipped_hash(case: tuple[int, int, int]) -> None:
    size, index, other = case
    tree = tree_of(size)
    proof = tree.inclusion_proof(index)
    if other != index:
        assert not verify_inclusion(tree.leaf_hash_at(index), other, size, proof, tree.root())
    flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    assert not verify_inclusion(tree.leaf_hash_at(index), index, size, flipped, tree.root())


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n), st.integers(0, n - 1))))
def test_consistency_fails_when_an_old_leaf_was_rewritten(case: tuple[int, int, int]) -> None:
    old, new, rewritten = case
    honest = tree_of(new)
    hashes = honest.leaf_hashes()
    if rewritten >= old:
        rewritten = old - 1
    hashes[rewritten] = leaf_hash(b"rewritten")
    forged = MerkleTree(hashes)
    proof = forged.consistency_proof(old, new)
    assert not verify_consistency(old, new, honest.root(old), forged.root(new), proof)


def test_requests_beyond_the_tree_raise_named_errors() -> None:
    tree = tree_of(5)
    with pytest.raises(MerkleError):
        tree.inclusion_proof(5)
    with pytest.raises(MerkleError):
        tree.root(6)
    with pytest.raises(MerkleError):
        tree.consistency_proof(4, 6)
    with pytest.raises(MerkleError):
        tree.append_leaf_hash(b"short")


def test_compact_range_restores_from_its_frontier() -> None:
    compact = CompactRange()
    for i in range(13):
        compact.append(bytes([i]))
    restored = CompactRange(compact.size, compact.frontier)
    restored.append(b"next")
    compact.append(b"next")
    assert restored.root() == compact.root()
    with pytest.raises(MerkleError):
        CompactRange(13, compact.frontier[:1])


def test_ten_thousand_leaves_give_logarithmic_proofs() -> None:
    tree = tree_of(10_000)
    proof = tree.inclusion_proof(7_777)
    assert len(proof) == 14
    assert verify_inclusion(tree.leaf_hash_at(7_777), 7_777, 10_000, proof, tree.root())
