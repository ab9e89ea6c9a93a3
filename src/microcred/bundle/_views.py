"""What the verifier reads from a bundle: a read-only ledger and a status-list source.

The ledger view answers as the contract would have at the bundle's export: the history
rules of ``isAccreditedAt`` (entry in force, period, authority at that time) are applied
to the exported events. A root the bundle does not hold is reported as "cannot say"
(LedgerError, so the verifier's step says ERROR, not FAIL): it may have been anchored
after the export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn, Self

from eth_account.signers.local import LocalAccount

from microcred.bundle._content import BundleContent
from microcred.chain.errors import LedgerError
from microcred.chain.ledger import (
    AccreditationEntry,
    AccreditationScope,
    AccreditedIssuer,
    AnchorEvent,
    AnchorReceipt,
    AnchorRecord,
    AuthorityChange,
)

_ROOT_SIZE = 32


class BundleLedger:
    """Implements the read side of :class:`microcred.chain.Ledger` from a bundle's events."""

    def __init__(self, content: BundleContent, exported: datetime) -> None:
        self._content = content
        self._exported = exported
        self._anchors = {event.record.root: event for event in content.anchors}
        self._issuers = {record.address.lower(): record for record in content.issuers}

    @property
    def chain_id(self) -> int:
        return self._content.chain_id

    @property
    def contract_address(self) -> str | None:
        return self._content.contract

    def accreditation_history(self, issuer: str) -> list[AccreditationEntry]:
        record = self._issuers.get(issuer.lower())
        return [] if record is None else list(record.history)

    def is_accredited_at(self, issuer: str, time: int) -> bool:
        in_force = [e for e in self.accreditation_history(issuer) if e.changed_at <= time]
        if not in_force:
            return False
        entry = in_force[-1]
        return entry.accredits_at(time) and self._is_authority_at(entry.authority, time)

    def _is_authority_at(self, authority: str, time: int) -> bool:
        changes = [
            change
            for change in self._content.authorities
            if change.authority.lower() == authority.lower() and change.changed_at <= time
        ]
        return bool(changes) and changes[-1].active

    def anchor_of(self, root: bytes) -> AnchorRecord | None:
        if len(root) != _ROOT_SIZE:
            raise LedgerError(f"a batch root is {_ROOT_SIZE} bytes, got {len(root)}")
        event = self._anchors.get(root)
        if event is None:
            raise LedgerError(
                f"root 0x{root.hex()} is not in the trust bundle exported "
                f"{self._exported:%Y-%m-%dT%H:%M:%SZ} (anchored later, or never)"
            )
        return event.record

    def anchors_in_transaction(self, tx_hash: str) -> list[AnchorRecord]:
        return [
            event.record
            for event in self._content.anchors
            if event.transaction_hash.lower() == tx_hash.lower()
        ]

    def anchor_events(self) -> list[AnchorEvent]:
        return list(self._content.anchors)

    def accredited_issuers(self) -> list[AccreditedIssuer]:
        return [
            AccreditedIssuer(record.address, did)
            for record in self._content.issuers
            for did in record.dids
        ]

    def authority_changes(self) -> list[AuthorityChange]:
        return list(self._content.authorities)

    # -- the write side: a bundle is a record of the chain, not a chain --------------------------

    def deploy(self, root: LocalAccount) -> str:
        _read_only()

    def add_authority(self, root: LocalAccount, authority: str) -> str:
        _read_only()

    def remove_authority(self, root: LocalAccount, authority: str) -> str:
        _read_only()

    def accredit(
        self,
        authority: LocalAccount,
        issuer: str,
        issuer_did: str,
        valid_from: int,
        valid_until: int,
        scope: AccreditationScope,
    ) -> str:
        _read_only()

    def renew(self, authority: LocalAccount, issuer: str, valid_until: int) -> str:
        _read_only()

    def suspend(self, authority: LocalAccount, issuer: str) -> str:
        _read_only()

    def reinstate(self, authority: LocalAccount, issuer: str) -> str:
        _read_only()

    def revoke(self, authority: LocalAccount, issuer: str) -> str:
        _read_only()

    def anchor(self, issuer: LocalAccount, root: bytes) -> AnchorReceipt:
        _read_only()

    def close(self) -> None:
        """Nothing to release: the bundle is in memory."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _read_only() -> NoReturn:
    raise LedgerError("a trust bundle is a read-only copy of the ledger: nothing can be sent")


class BundleStatusLists:
    """Implements :class:`microcred.verifier.StatusListSource` over a bundle's status lists."""

    def __init__(self, lists: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        self._lists = lists

    def versions(self, url: str) -> Sequence[Mapping[str, Any]]:
        # The same guard as a status directory: a version must say it is the list at ``url``.
        return [doc for doc in self._lists.get(url, ()) if doc.get("id") == url]

    @property
    def urls(self) -> list[str]:
        return sorted(self._lists)
