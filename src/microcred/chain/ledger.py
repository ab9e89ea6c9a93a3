"""What a ledger offers: the trusted-issuers registry and batch anchors, backend-neutral.

Times are unix seconds (the EVM's ``block.timestamp``). Accounts are ``eth_account`` local
accounts: every transaction is signed in-process, so no node ever holds a key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:  # the verifier reads ledgers and never needs the account stack
    from eth_account.signers.local import LocalAccount

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
]

EQF_LEVELS = range(1, 9)
#: The credential-type tag of an accreditation to award micro-credentials.
MICRO_CREDENTIAL = "MicroCredential"
_TYPE_TAG_SIZE = 32


class AccreditationStatus(enum.IntEnum):
    """The contract's status codes."""

    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 3


@dataclass(frozen=True)
class AccreditationScope:
    """What an issuer is accredited for: EQF levels (1-8) and a credential-type tag (≤ 32 bytes)."""

    eqf_levels: frozenset[int]
    credential_type: str

    def __post_init__(self) -> None:
        if not self.eqf_levels or not self.eqf_levels <= set(EQF_LEVELS):
            raise ValueError("scope needs at least one EQF level, each between 1 and 8")
        if len(self.credential_type.encode()) > _TYPE_TAG_SIZE:
            raise ValueError(f"credential type tag is longer than {_TYPE_TAG_SIZE} bytes")

    def eqf_bitmask(self) -> int:
        """Bit ``n-1`` set for EQF level ``n``, as the contract stores it."""
        return sum(1 << (level - 1) for level in self.eqf_levels)

    def type_tag(self) -> bytes:
        """The credential type as a left-aligned, zero-padded bytes32."""
        return self.credential_type.encode().ljust(_TYPE_TAG_SIZE, b"\x00")

    @classmethod
    def from_chain(cls, eqf_bitmask: int, type_tag: bytes) -> AccreditationScope:
        levels = frozenset(level for level in EQF_LEVELS if eqf_bitmask >> (level - 1) & 1)
        return cls(levels, type_tag.rstrip(b"\x00").decode())

    def covers(self, eqf_level: int, credential_type: str) -> bool:
        return eqf_level in self.eqf_levels and credential_type == self.credential_type


@dataclass(frozen=True)
class AccreditationEntry:
    """One entry of an issuer's on-chain history: the state in force from ``changed_at`` on."""

    changed_at: int
    status: AccreditationStatus
    valid_from: int
    valid_until: int
    authority: str
    did_hash: bytes
    scope: AccreditationScope

    def accredits_at(self, time: int) -> bool:
        """Whether this entry, if in force at ``time``, makes the issuer accredited then.

        The contract also requires the authority to be one at ``time``; see ``is_accredited_at``.
        """
        in_period = self.valid_from <= time < self.valid_until
        return self.status is AccreditationStatus.ACTIVE and in_period


@dataclass(frozen=True)
class AnchorReceipt:
    """What the issuer records once a root is anchored (goes into each credential's proof)."""

    tx_hash: str
    block_number: int
    block_time: int
    chain_id: int
    contract: str
    gas_used: int


@dataclass(frozen=True)
class AnchorRecord:
    """What the contract says about an anchored root."""

    root: bytes
    issuer: str
    timestamp: int
    block_number: int


@dataclass(frozen=True)
class AnchorEvent:
    """An ``Anchored`` event: the anchor and the transaction that made it."""

    record: AnchorRecord
    transaction_hash: str


@dataclass(frozen=True)
class AccreditedIssuer:
    """An ``Accredited`` event's identity: this address was accredited for this DID."""

    address: str
    did: str


@dataclass(frozen=True)
class AuthorityChange:
    """An ``AuthorityChanged`` event: ``authority`` became (in)active at ``changed_at``."""

    authority: str
    active: bool
    changed_at: int


class Ledger(Protocol):
    """The registry and the anchors on one chain, through one deployed contract."""

    @property
    def chain_id(self) -> int: ...

    @property
    def contract_address(self) -> str | None: ...

    def deploy(self, root: LocalAccount) -> str:
        """Deploy the contract with ``root`` as the RootTAO; returns its address."""
        ...

    def add_authority(self, root: LocalAccount, authority: str) -> str: ...

    def remove_authority(self, root: LocalAccount, authority: str) -> str: ...

    def accredit(
        self,
        authority: LocalAccount,
        issuer: str,
        issuer_did: str,
        valid_from: int,
        valid_until: int,
        scope: AccreditationScope,
    ) -> str: ...

    def renew(self, authority: LocalAccount, issuer: str, valid_until: int) -> str: ...

    def suspend(self, authority: LocalAccount, issuer: str) -> str: ...

    def reinstate(self, authority: LocalAccount, issuer: str) -> str: ...

    def revoke(self, authority: LocalAccount, issuer: str) -> str: ...

    def accreditation_history(self, issuer: str) -> list[AccreditationEntry]: ...

    def is_accredited_at(self, issuer: str, time: int) -> bool: ...

    def anchor(self, issuer: LocalAccount, root: bytes) -> AnchorReceipt: ...

    def anchor_of(self, root: bytes) -> AnchorRecord | None: ...

    def anchors_in_transaction(self, tx_hash: str) -> list[AnchorRecord]:
        """The anchors a mined transaction of the registry contract made (empty if none)."""
        ...

    # Enumerations (from the contract's events, oldest first): what a trust bundle exports.

    def anchor_events(self) -> list[AnchorEvent]: ...

    def accredited_issuers(self) -> list[AccreditedIssuer]:
        """Every (address, DID) ever accredited, without repeats."""
        ...

    def authority_changes(self) -> list[AuthorityChange]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...
