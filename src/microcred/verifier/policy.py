"""What the verifier trusts and when it checks: passed in, never global."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from microcred.chain.anchor_proof import MAX_ANCHOR_DELAY
from microcred.keys import DidResolver
from microcred.status import MIN_LIST_SIZE

if TYPE_CHECKING:
    from microcred.chain import Ledger
    from microcred.verifier.status_step import StatusListSource

# Ed25519Signature2020: the legacy suite most OB 3.0 badges in wallets still carry.
DEFAULT_CRYPTOSUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "Ed25519Signature2020")
DEFAULT_MAX_INPUT_BYTES = 5_000_000


class AnchorRequirement(StrEnum):
    """Which credentials must carry a ledger anchor (one that is present is always checked)."""

    REQUIRED = "required"  # every credential
    REGISTERED = "registered"  # those of issuers the ledger's registry has ever accredited
    OPTIONAL = "optional"  # none: a credential without an anchor skips the ledger steps


@dataclass(frozen=True)
class VerificationPolicy:
    """``now`` is the verification time; ``resolver`` decides which DIDs resolve and how.

    ``trusted_issuers`` (DIDs or issuer URLs) are trusted besides the issuers the ledger's
    registry knows, as issuers of credentials and of status lists; see
    docs/verification-policy.md for how they and ``anchoring`` decide the verdict.
    """

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    resolver: DidResolver = field(default_factory=DidResolver)
    allowed_cryptosuites: tuple[str, ...] = DEFAULT_CRYPTOSUITES
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    check_format: bool = True
    ledger: Ledger | None = None  # None: the ledger steps report "not checked"
    anchoring: AnchorRequirement = AnchorRequirement.REGISTERED
    trusted_issuers: frozenset[str] = frozenset()
    max_anchor_delay: timedelta = MAX_ANCHOR_DELAY  # longer looks back-dated
    status_lists: StatusListSource | None = None  # None: the status step says "not checked"
    status_as_of: datetime | None = None  # answer from the list version anchored by then
    min_status_list_entries: int = MIN_LIST_SIZE  # BSL's 131,072 unless an ecosystem sets less
