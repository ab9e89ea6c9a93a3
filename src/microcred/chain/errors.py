"""Errors of the ledger layer, under the one :class:`microcred.errors.MicrocredError` tree.

    MicrocredError
    └── LedgerError              the ledger cannot be used as asked (configuration, chain id,
        │                        contract not deployed, embedded state in use or unreadable)
        ├── LedgerUnavailable    the node is unreachable, or no receipt arrived in time: the
        │                        outcome is unknown, so a caller may retry later
        └── TransactionRejected  the chain refused the transaction: revert (with the contract's
                                 reason), out of gas, insufficient funds

An issuer keeps a batch pending on any LedgerError; a verifier reports LedgerUnavailable as
"could not check", never as "invalid".
"""

from __future__ import annotations

from microcred.errors import MicrocredError

__all__ = ["LedgerError", "LedgerUnavailable", "TransactionRejected"]


class LedgerError(MicrocredError):
    """The ledger cannot be used as asked."""


class LedgerUnavailable(LedgerError):
    """The node cannot be reached, or did not answer in time; nothing is known to have failed."""


class TransactionRejected(LedgerError):
    """The chain refused a transaction; ``reason`` is the contract's revert reason when known."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
