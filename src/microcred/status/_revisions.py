"""Revision markers: which revision of a status list is the latest, recorded on the ledger.

A mirror or a stale copy can serve an older, genuinely signed and anchored version of a
list, from before a revocation. The list's own anchor cannot reveal that a later version
exists (a ledger holds only Merkle roots), so each published revision is also anchored as a
*marker*: a 32-byte value the verifier can read without the document it stands for.

    marker = SHA-256("microcred:status-list-revision:" || list URL)[:12]   which list
             || revision as 4 bytes, big-endian                           which revision
             || leaf[:16]                                                 which document

``leaf`` is the list version's anchor leaf (SHA-256 of its canonical form, anchor proofs
excluded), so a marker names exactly one signed document. Only markers anchored by an
address accredited for the list's issuer count; the verifier checks that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

_DOMAIN = b"microcred:status-list-revision:"
_TAG_SIZE, _REVISION_SIZE, _LEAF_SIZE = 12, 4, 16
MAX_REVISION = 2 ** (8 * _REVISION_SIZE) - 1


@dataclass(frozen=True)
class RevisionMarker:
    revision: int
    leaf_prefix: bytes

    def names(self, leaf: bytes) -> bool:
        """Whether this marker stands for the document whose anchor leaf is ``leaf``."""
        return leaf[:_LEAF_SIZE] == self.leaf_prefix


def _tag(list_url: str) -> bytes:
    return hashlib.sha256(_DOMAIN + list_url.encode("utf-8")).digest()[:_TAG_SIZE]


def revision_marker(list_url: str, revision: int, leaf: bytes) -> bytes:
    """The 32-byte marker to anchor for ``revision`` of the list at ``list_url``."""
    if isinstance(revision, bool) or not 0 <= revision <= MAX_REVISION:
        raise ValueError(f"a status list revision is 0..{MAX_REVISION}, not {revision!r}")
    if len(leaf) < _LEAF_SIZE:
        raise ValueError("an anchor leaf is a 32-byte hash")
    return _tag(list_url) + revision.to_bytes(_REVISION_SIZE, "big") + leaf[:_LEAF_SIZE]


def read_revision_marker(root: bytes, list_url: str) -> RevisionMarker | None:
    """The revision a ledger root records for ``list_url``; None if it is not such a marker."""
    if len(root) != _TAG_SIZE + _REVISION_SIZE + _LEAF_SIZE or root[:_TAG_SIZE] != _tag(list_url):
        return None
    revision = int.from_bytes(root[_TAG_SIZE : _TAG_SIZE + _REVISION_SIZE], "big")
    return RevisionMarker(revision, root[_TAG_SIZE + _REVISION_SIZE :])
