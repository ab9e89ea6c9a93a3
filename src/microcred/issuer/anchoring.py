"""Anchor a signed batch: one Merkle root, one transaction, an anchor proof in every credential.

Retrying is safe: a root that is already on the ledger (an earlier attempt was mined after
its receipt timed out) is taken from the ledger, never anchored twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_account.signers.local import LocalAccount

from microcred.chain import Ledger, LedgerError, inclusion_proofs, merkle_root
from microcred.chain.anchor_proof import AnchorBlock, credential_leaf, with_anchor_proof
from microcred.store import Anchor


@dataclass(frozen=True)
class BatchAnchor:
    root: bytes
    chain_id: int
    contract: str
    transaction_hash: str  # after a lost receipt: from the ledger's Anchored event
    block_number: int
    block_time: int
    anchored_by: str
    reused: bool  # the root was already on the ledger


@dataclass(frozen=True)
class PreparedBatch:
    """What anchoring needs, computed without the ledger (so its lock is held briefly)."""

    documents: Sequence[Mapping[str, Any]]
    leaves: list[bytes]
    root: bytes


def prepare_anchor(documents: Sequence[Mapping[str, Any]]) -> PreparedBatch:
    if not documents:
        raise ValueError("nothing to anchor")
    leaves = [credential_leaf(document) for document in documents]
    return PreparedBatch(documents, leaves, merkle_root(leaves))


def anchor_root(prepared: PreparedBatch, ledger: Ledger, account: LocalAccount) -> BatchAnchor:
    """The root's anchor: found on the ledger (an earlier attempt), or written now."""
    return _existing_anchor(ledger, prepared.root) or _new_anchor(ledger, account, prepared.root)


def anchor_marker(marker: bytes, ledger: Ledger, account: LocalAccount) -> BatchAnchor:
    """Anchor a 32-byte marker (not a Merkle root), once: a retry finds the earlier one."""
    return _existing_anchor(ledger, marker) or _new_anchor(ledger, account, marker)


def attach_anchor_proofs(prepared: PreparedBatch, anchor: BatchAnchor) -> list[dict[str, Any]]:
    paths = inclusion_proofs(prepared.leaves)
    return [
        with_anchor_proof(document, _block(anchor, leaf, path))
        for document, leaf, path in zip(prepared.documents, prepared.leaves, paths, strict=True)
    ]


def anchor_documents(
    documents: Sequence[Mapping[str, Any]], ledger: Ledger, account: LocalAccount
) -> tuple[list[dict[str, Any]], BatchAnchor]:
    """Anchor the batch's root and return every document with its anchor proof."""
    prepared = prepare_anchor(documents)
    anchor = anchor_root(prepared, ledger, account)
    return attach_anchor_proofs(prepared, anchor), anchor


def anchor_record(
    anchor: BatchAnchor,
    at: datetime,
    *,
    batch_id: str | None = None,
    status_list_version_id: int | None = None,
) -> Anchor:
    """The store's row for an anchor of a batch or of a published status list version."""
    return Anchor(
        batch_id=batch_id,
        status_list_version_id=status_list_version_id,
        root_hex=anchor.root.hex(),
        tx_hash=anchor.transaction_hash or None,
        chain_id=anchor.chain_id,
        contract=anchor.contract,
        block_number=anchor.block_number,
        block_time=anchor.block_time,
        anchored_by=anchor.anchored_by,
        created_at=at,
        anchored_at=datetime.fromtimestamp(anchor.block_time, UTC),
    )


def anchor_of_record(row: Anchor, anchored_by: str) -> BatchAnchor:
    """The anchor as the store recorded it (``anchored_by``: the row's, or the ledger's)."""
    if row.chain_id is None or row.contract is None or row.block_number is None:
        raise LedgerError(f"the recorded anchor of root 0x{row.root_hex} is incomplete")
    return BatchAnchor(
        root=bytes.fromhex(row.root_hex),
        chain_id=row.chain_id,
        contract=row.contract,
        transaction_hash=row.tx_hash or "",
        block_number=row.block_number,
        block_time=row.block_time or 0,
        anchored_by=anchored_by,
        reused=True,
    )


def _existing_anchor(ledger: Ledger, root: bytes) -> BatchAnchor | None:
    record = ledger.anchor_of(root)
    if record is None:
        return None
    return BatchAnchor(
        root=root,
        chain_id=ledger.chain_id,
        contract=_contract(ledger),
        transaction_hash=_transaction_of(ledger, root),
        block_number=record.block_number,
        block_time=record.timestamp,
        anchored_by=record.issuer,
        reused=True,
    )


def _transaction_of(ledger: Ledger, root: bytes) -> str:
    """The transaction that anchored ``root`` (its receipt was lost, but the event remains)."""
    for event in ledger.anchor_events():
        if event.record.root == root:
            return event.transaction_hash
    return ""


def _new_anchor(ledger: Ledger, account: LocalAccount, root: bytes) -> BatchAnchor:
    receipt = ledger.anchor(account, root)
    return BatchAnchor(
        root=root,
        chain_id=receipt.chain_id,
        contract=receipt.contract,
        transaction_hash=receipt.tx_hash,
        block_number=receipt.block_number,
        block_time=receipt.block_time,
        anchored_by=account.address,
        reused=False,
    )


def _contract(ledger: Ledger) -> str:
    if ledger.contract_address is None:
        raise LedgerError("the ledger has no registry contract: run 'microcred chain deploy'")
    return ledger.contract_address


def _block(anchor: BatchAnchor, leaf: bytes, path: Sequence[Any]) -> AnchorBlock:
    return AnchorBlock(
        leaf=leaf,
        path=tuple(path),
        root=anchor.root,
        chain_id=anchor.chain_id,
        contract=anchor.contract,
        transaction_hash=anchor.transaction_hash,
        block_number=anchor.block_number,
        anchored_at=anchor.block_time,
        anchored_by=anchor.anchored_by,
    )
