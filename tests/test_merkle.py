"""The batch Merkle tree: RFC 6962 domain separation, lone-node promotion, proofs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.chain.merkle import (
    inclusion_proof,
    inclusion_proofs,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_inclusion,
)

digests = st.binary(min_size=32, max_size=32)
leaf_lists = st.lists(digests, min_size=1, max_size=70)


def _leaves(count: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(count)]


def _flip(data: bytes, position: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_leaves_and_nodes_are_hashed_with_rfc6962_prefixes() -> None:
    a, b = _leaves(2)
    assert leaf_hash(a) == hashlib.sha256(b"\x00" + a).digest()
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


def test_single_leaf_root_is_its_leaf_hash() -> None:
    (only,) = _leaves(1)
    assert merkle_root([only]) == leaf_hash(only)
    assert inclusion_proof([only], 0) == []
    assert verify_inclusion(only, [], merkle_root([only]))


def test_three_leaves_promote_the_lone_node_instead_of_duplicating_it() -> None:
    a, b, c = _leaves(3)
    expected = node_hash(node_hash(leaf_hash(a), leaf_hash(b)), leaf_hash(c))
    assert merkle_root([a, b, c]) == expected
    # Bitcoin-style duplication would make [a, b, c] and [a, b, c, c] collide.
    assert merkle_root([a, b, c, c]) != expected


def test_an_inner_node_cannot_pass_as_a_leaf() -> None:
    a, b, c, d = _leaves(4)
    left = node_hash(leaf_hash(a), leaf_hash(b))
    right = node_hash(leaf_hash(c), leaf_hash(d))
    root = merkle_root([a, b, c, d])
    # The unprefixed second-preimage trick: present the left subtree's hash as a leaf.
    assert not verify_inclusion(left, [("right", right)], root)


def test_proof_sides_and_length_for_a_known_tree() -> None:
    leaves = _leaves(5)
    proof = inclusion_proof(leaves, 4)
    # Leaf 4 is promoted twice, then meets the root of the first four.
    assert [side for side, _ in proof] == ["left"]
    assert proof[0][1] == merkle_root(leaves[:4])


@settings(max_examples=60, deadline=None, database=None)
@given(leaves=leaf_lists, data=st.data())
def test_every_leaf_verifies_and_a_flipped_byte_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    root = merkle_root(leaves)
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = inclusion_proof(leaves, index)
    assert verify_inclusion(leaves[index], proof, root)

    position = data.draw(st.integers(0, 31))
    assert not verify_inclusion(_flip(leaves[index], position), proof, root)
    assert not verify_inclusion(leaves[index], proof, _flip(root, position))
    if proof:
        step = data.draw(st.integers(0, len(proof) - 1))
        side, sibling = proof[step]
        forged = [*proof[:step], (side, _flip(sibling, position)), *proof[step + 1 :]]
        assert not verify_inclusion(leaves[index], forged, root)


@settings(max_examples=30, deadline=None, database=None)
@given(leaves=st.lists(digests, min_size=2, max_size=40, unique=True))
def test_a_proof_does_not_verify_another_leaf(leaves: list[bytes]) -> None:
    root = merkle_root(leaves)
    proof = inclusion_proof(leaves, 0)
    assert not verify_inclusion(leaves[1], proof, root)


def test_batch_proofs_match_single_proofs_and_scale_to_thousands() -> None:
    leaves = _leaves(1537)
    root = merkle_root(leaves)
    proofs = inclusion_proofs(leaves)
    assert len(proofs) == len(leaves)
    assert proofs[1000] == inclusion_proof(leaves, 1000)
    assert max(len(proof) for proof in proofs) == 11  # ceil(log2(1537))
    assert all(
        verify_inclusion(leaf, proof, root) for leaf, proof in zip(leaves, proofs, strict=True)
    )


def test_swapped_side_fails() -> None:
    leaves = _leaves(8)
    proof = inclusion_proof(leaves, 3)
    swapped = [("right" if side == "left" else "left", sibling) for side, sibling in proof]
    assert not verify_inclusion(leaves[3], swapped, merkle_root(leaves))


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33])
def test_leaves_must_be_32_bytes(bad: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        merkle_root([bad])
    assert not verify_inclusion(bad, [], merkle_root(_leaves(1)))


def test_empty_batch_and_bad_index_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one leaf"):
        merkle_root([])
    with pytest.raises(IndexError):
        inclusion_proof(_leaves(3), 3)
