"""SHA-256 Merkle trees over credential hashes: root, inclusion proofs, verification (pure).

Hashing follows RFC 6962 §2.1 for domain separation: a leaf is hashed as
``SHA-256(0x00 || leaf)`` and an inner node as ``SHA-256(0x01 || left || right)``, so no inner
node can be passed off as a leaf (the second-preimage forgery of unprefixed trees).

Odd levels: the lone last node of a level is promoted unchanged to the next level. It is never
paired with a copy of itself, the Bitcoin habit that lets two different leaf lists share a root
(CVE-2012-2459). A tree of one leaf has the leaf's hash as its root.

A proof lists the sibling hashes from the leaf up to the root, each with the side the sibling
sits on; promoted levels contribute no step, so proofs have at most ``ceil(log2 n)`` steps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

__all__ = [
    "LEAF_SIZE",
    "ProofStep",
    "Side",
    "inclusion_proof",
    "inclusion_proofs",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "verify_inclusion",
]

LEAF_SIZE = 32
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

Side = Literal["left", "right"]
ProofStep = tuple[Side, bytes]


def leaf_hash(leaf: bytes) -> bytes:
    """Hash of a leaf (a 32-byte credential hash) as it enters the tree."""
    _check_leaf(leaf)
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an inner node from its two children."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Root of the tree over ``leaves`` (in order; each 32 bytes, at least one)."""
    return _levels(leaves)[-1][0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[ProofStep]:
    """Sibling hashes, leaf to root, that prove ``leaves[index]`` is in the tree."""
    levels = _levels(leaves)
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf index {index} out of range for {len(leaves)} leaves")
    return _proof_from_levels(levels, index)


def inclusion_proofs(leaves: Sequence[bytes]) -> list[list[ProofStep]]:
    """The proof of every leaf, in leaf order, building the tree once (for a whole batch)."""
    levels = _levels(leaves)
    return [_proof_from_levels(levels, index) for index in range(len(leaves))]


def verify_inclusion(leaf: bytes, proof: Sequence[ProofStep], root: bytes) -> bool:
    """Whether ``proof`` leads from ``leaf`` to ``root``. Malformed input is simply not valid."""
    if len(leaf) != LEAF_SIZE or len(root) != LEAF_SIZE:
        return False
    current = leaf_hash(leaf)
    for side, sibling in proof:
        if len(sibling) != LEAF_SIZE:
            return False
        if side == "left":
            current = node_hash(sibling, current)
        elif side == "right":
            current = node_hash(current, sibling)
        else:
            return False
    return current == root


def _check_leaf(leaf: bytes) -> None:
    if not isinstance(leaf, bytes) or len(leaf) != LEAF_SIZE:
        raise ValueError(f"a Merkle leaf must be {LEAF_SIZE} bytes (a SHA-256 digest)")


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf")
    levels = [[leaf_hash(leaf) for leaf in leaves]]
    while len(levels[-1]) > 1:
        levels.append(_parent_level(levels[-1]))
    return levels


def _proof_from_levels(levels: list[list[bytes]], index: int) -> list[ProofStep]:
    proof: list[ProofStep] = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            side: Side = "left" if sibling < index else "right"
            proof.append((side, level[sibling]))
        index //= 2
    return proof


def _parent_level(level: list[bytes]) -> list[bytes]:
    parents = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        parents.append(level[-1])
    return parents
