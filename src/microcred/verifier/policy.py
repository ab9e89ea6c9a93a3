"""What the verifier trusts and when it checks: passed in, never global."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from microcred.chain.anchor_proof import MAX_ANCHOR_DELAY
from microcred.keys import DidResolver

if TYPE_CHECKING:
    from microcred.chain import Ledger
    from microcred.verifier.status_step import StatusListSource

DEFAULT_CRYPTOSUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
DEFAULT_MAX_INPUT_BYTES = 5_000_000


@dataclass(frozen=True)
class VerificationPolicy:
    """``now`` is the verification time; ``resolver`` decides which DIDs resolve and how."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    resolver: DidResolver = field(default_factory=DidResolver)
    allowed_cryptosuites: tuple[str, ...] = DEFAULT_CRYPTOSUITES
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    check_format: bool = True
    ledger: Ledger | None = None  # None: the ledger steps report "not checked"
    require_anchor: bool = True  # a credential without an anchor fails the ledger steps
    max_anchor_delay: timedelta = MAX_ANCHOR_DELAY  # longer looks back-dated
    status_lists: StatusListSource | None = None  # None: the status step says "not checked"
    status_as_of: datetime | None = None  # answer from the list version anchored by then
