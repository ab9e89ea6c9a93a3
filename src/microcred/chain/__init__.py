"""The ledger: a trusted-issuers registry and Merkle batch anchors on an EVM chain.

``open_ledger`` chooses the backend (a directory: the embedded, persisted in-process EVM;
an ``http(s)://`` URL: any JSON-RPC node); ``merkle`` builds the batch trees; ``keystore``
reads the encrypted anchoring key. See docs/ledger.md for the contract and the proof format.
"""

from __future__ import annotations

import importlib
import typing

if typing.TYPE_CHECKING:
    from microcred.chain._open import open_ledger
    from microcred.chain.errors import LedgerError, LedgerUnavailable, TransactionRejected
    from microcred.chain.keystore import create_keystore, load_account
    from microcred.chain.ledger import (
        AccreditationEntry,
        AccreditationScope,
        AccreditationStatus,
        AccreditedIssuer,
        AnchorEvent,
        AnchorReceipt,
        AnchorRecord,
        AuthorityChange,
        Ledger,
    )
    from microcred.chain.merkle import (
        inclusion_proof,
        inclusion_proofs,
        merkle_root,
        verify_inclusion,
    )

# Imported on first use (PEP 562): the verifier needs the Merkle code, not web3's account stack.
_HOMES = {
    "open_ledger": "microcred.chain._open",
    "LedgerError": "microcred.chain.errors",
    "LedgerUnavailable": "microcred.chain.errors",
    "TransactionRejected": "microcred.chain.errors",
    "create_keystore": "microcred.chain.keystore",
    "load_account": "microcred.chain.keystore",
    "AccreditationEntry": "microcred.chain.ledger",
    "AccreditationScope": "microcred.chain.ledger",
    "AccreditationStatus": "microcred.chain.ledger",
    "AnchorReceipt": "microcred.chain.ledger",
    "AnchorRecord": "microcred.chain.ledger",
    "AuthorityChange": "microcred.chain.ledger",
    "AccreditedIssuer": "microcred.chain.ledger",
    "AnchorEvent": "microcred.chain.ledger",
    "Ledger": "microcred.chain.ledger",
    "inclusion_proof": "microcred.chain.merkle",
    "inclusion_proofs": "microcred.chain.merkle",
    "merkle_root": "microcred.chain.merkle",
    "verify_inclusion": "microcred.chain.merkle",
}

__all__ = [
    "AccreditationEntry",
    "AccreditationScope",
    "AccreditationStatus",
    "AccreditedIssuer",
    "AnchorEvent",
    "AnchorReceipt",
    "AnchorRecord",
    "AuthorityChange",
    "Ledger",
    "LedgerError",
    "LedgerUnavailable",
    "TransactionRejected",
    "create_keystore",
    "inclusion_proof",
    "inclusion_proofs",
    "load_account",
    "merkle_root",
    "open_ledger",
    "verify_inclusion",
]


def __getattr__(name: str) -> typing.Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'microcred.chain' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
