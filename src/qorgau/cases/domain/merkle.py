"""An append-only Merkle log as defined by RFC 9162 (Certificate Transparency 2.0), section 2.1.

Hashing (RFC 9162 §2.1.1), with SHA-256:

- the hash of an empty tree is ``SHA-256()`` (the hash of no bytes);
- a leaf is ``SHA-256(0x00 || data)``;
- for ``n > 1`` leaves, ``k`` is the largest power of two smaller than ``n`` and
  ``MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`` — so a tree of any size, not only a
  power of two, has one well-defined root.

Two classes keep a log:

- :class:`MerkleTree` holds the leaf hashes (never the data) and a cache of the hashes of the full,
  aligned subtrees built from them, so roots, inclusion proofs (§2.1.3.1) and consistency proofs
  (§2.1.4.1) of any earlier size cost O(log n) hashes. The cache is derived: the leaf hashes alone
  rebuild the tree.
- :class:`CompactRange` holds only the O(log n) roots of the full subtrees on the right edge of the
  tree: enough to append and recompute the root incrementally, for a store that wants the new
  root after each entry without reading every leaf.

The verifiers :func:`verify_inclusion` (§2.1.3.2) and :func:`verify_consistency` (§2.1.4.2) need
only hashes: a bundle can be checked without the log.

>>> tree = MerkleTree()
>>> for word in (b"a", b"b", b"c"):
...     _ = tree.append(word)
>>> verify_inclusion(leaf_hash(b"b"), 1, 3, tree.inclusion_proof(1), tree.root())
True
>>> verify_consistency(2, 3, tree.root(2), tree.root(3), tree.consistency_proof(2, 3))
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from qorgau.cases.domain.errors import MerkleError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one log entry (RFC 9162 §2.1.1)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an inner node (RFC 9162 §2.1.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (``size`` ≥ 2): RFC 9162's ``k``."""
    if size < 2:
        raise MerkleError(f"a tree of {size} leaves has no split point")
    return 1 << ((size - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """``MTH`` computed straight from the definition; the reference the classes are tested against."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = split_point(len(hashes))
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


class MerkleTree:
    """An append-only RFC 9162 tree over leaf hashes, answering roots and proofs for any size.

    ``_levels[h][i]`` is the hash of the full subtree of ``2**h`` leaves starting at leaf
    ``i * 2**h``; level 0 holds the leaf hashes themselves. Appending costs amortised O(1) hashes;
    a root or a proof costs O(log n) lookups and hashes.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        # Hashes of ranges that are not full aligned subtrees (the right edge of some tree size).
        # A range of leaves never changes in an append-only log, so they are kept without
        # invalidation; without them every proof near the right edge would rehash that edge.
        self._partial: dict[tuple[int, int], bytes] = {}
        for hashed in leaf_hashes:
            self.append_leaf_hash(hashed)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def __len__(self) -> int:
        return self.size

    def leaf_hashes(self) -> list[bytes]:
        """A copy of every leaf hash, in log order."""
        return list(self._levels[0])

    def leaf_hash_at(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise MerkleError(f"no leaf {index} in a tree of {self.size}")
        return self._levels[0][index]

    def append(self, data: bytes) -> int:
        """Add an entry (hashed as a leaf); return its index."""
        return self.append_leaf_hash(leaf_hash(data))

    def append_leaf_hash(self, hashed: bytes) -> int:
        """Add an already hashed leaf; return its index."""
        if len(hashed) != HASH_SIZE:
            raise MerkleError(f"a leaf hash has {HASH_SIZE} bytes, not {len(hashed)}")
        index = self.size
        self._levels[0].append(hashed)
        level = 0
        # A level of even length has just completed a full subtree one level up.
        while len(self._levels[level]) % 2 == 0:
            if len(self._levels) == level + 1:
                self._levels.append([])
            row = self._levels[level]
            self._levels[level + 1].append(node_hash(row[-2], row[-1]))
            level += 1
        return index

    def root(self, size: int | None = None) -> bytes:
        """``MTH(D[0:size])``; the current root when ``size`` is None."""
        size = self._checked_size(size)
        return self._range_hash(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1)."""
        size = self._checked_size(size)
        if not 0 <= index < size:
            raise MerkleError(f"no leaf {index} in a tree of {size}")
        return self._path(index, 0, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Proof that the tree of ``old_size`` leaves is a prefix of the one of ``new_size`` (§2.1.4.1).

        Empty when ``old_size`` is 0 or equals ``new_size``.
        """
        new_size = self._checked_size(new_size)
        if not 0 <= old_size <= new_size:
            raise MerkleError(f"no consistency proof from size {old_size} to size {new_size}")
        if old_size in (0, new_size):
            return []
        return self._subproof(old_size, 0, new_size, True)

    def _checked_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise MerkleError(f"size {size} is beyond the tree of {self.size}")
        return size

    def _range_hash(self, start: int, end: int) -> bytes:
        """``MTH(D[start:end])`` for ``end > start``, looking full aligned subtrees up in the cache."""
        count = end - start
        if count & (count - 1) == 0 and start % count == 0:
            level = count.bit_length() - 1
            return self._levels[level][start >> level]
        cached = self._partial.get((start, end))
        if cached is None:
            k = split_point(count)
            cached = node_hash(self._range_hash(start, start + k), self._range_hash(start + k, end))
            self._partial[(start, end)] = cached
        return cached

    def _path(self, index: int, start: int, end: int) -> list[bytes]:
        # PATH(m, D[n]) of RFC 9162 §2.1.3.1, on the sub-range D[start:end], leaf first.
        count = end - start
        if count == 1:
            return []
        k = split_point(count)
        if index - start < k:
            return [*self._path(index, start, start + k), self._range_hash(start + k, end)]
        return [*self._path(index, start + k, end), self._range_hash(start, start + k)]

    def _subproof(self, old_size: int, start: int, end: int, whole: bool) -> list[bytes]:
        # SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1 on D[start:end]; old_size counts from start.
        count = end - start
        if old_size == count:
            return [] if whole else [self._range_hash(start, end)]
        k = split_point(count)
        if old_size <= k:
            return [*self._subproof(old_size, start, start + k, whole), self._range_hash(start + k, end)]
        return [*self._subproof(old_size - k, start + k, end, False), self._range_hash(start, start + k)]


class CompactRange:
    """The right edge of a tree: the roots of its full subtrees, largest first.

    A tree of ``n`` leaves is the sequence of full subtrees given by the binary digits of ``n``;
    keeping only their roots (at most log2(n) + 1 hashes) is enough to append a leaf and to
    compute the root, without the leaves. A store can persist ``(size, frontier)`` per case.
    """

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        if size < 0 or len(frontier) != size.bit_count():
            raise MerkleError(f"a tree of {size} leaves has {max(size, 0).bit_count()} frontier hashes")
        self._size = size
        self._frontier = list(frontier)

    @property
    def size(self) -> int:
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        return tuple(self._frontier)

    def append(self, data: bytes) -> int:
        return self.append_leaf_hash(leaf_hash(data))

    def append_leaf_hash(self, hashed: bytes) -> int:
        """Add a leaf hash, merging equal-sized subtrees as a binary counter carries; return its index."""
        if len(hashed) != HASH_SIZE:
            raise MerkleError(f"a leaf hash has {HASH_SIZE} bytes, not {len(hashed)}")
        index = self._size
        carry = hashed
        merged = 0
        # Each trailing 1 bit of the size is a full subtree of the new leaf's size to merge with.
        while (index >> merged) & 1:
            carry = node_hash(self._frontier.pop(), carry)
            merged += 1
        self._frontier.append(carry)
        self._size += 1
        return index

    def root(self) -> bytes:
        """The root of the whole tree: the frontier folded from the right."""
        if not self._frontier:
            return EMPTY_ROOT
        result = self._frontier[-1]
        for left in reversed(self._frontier[:-1]):
            result = node_hash(left, result)
        return result


def verify_inclusion(hashed_leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """True when ``proof`` shows leaf ``index`` (hash ``hashed_leaf``) in the tree (``size``, ``root``).

    The algorithm of RFC 9162 §2.1.3.2; never raises on a malformed proof, it just fails.
    """
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn = index, size - 1
    result = hashed_leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows that tree (``old_size``, ``old_root``) is a prefix of the new one.

    The algorithm of RFC 9162 §2.1.4.2, with its two edge cases made explicit: equal sizes need an
    empty proof and equal roots; an empty old tree (whose root is ``SHA-256()``) is a prefix of any tree.
    """
    if not 0 <= old_size <= new_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_result = second_result = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first_result = node_hash(sibling, first_result)
            second_result = node_hash(sibling, second_result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second_result = node_hash(second_result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first_result == old_root and second_result == new_root
