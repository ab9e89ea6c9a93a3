"""Is the status list shown the latest revision the ledger records? (A replayed list is not.)

A mirror, a local status directory or a trust bundle may hold only an older revision of a
list, signed and anchored in its day, from before a revocation. Checked against it, a revoked
credential would look valid. The issuer anchors a revision marker for every version it
publishes (``microcred.status.revision_marker``); the last marker anchored (by an address
accredited for the list's issuer, at or before the cut-off) names the revision in force.
A list older than that cannot tell the current status: the step says ERROR, naming both
revisions, and the verdict is "not verified" until the latest list is at hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from microcred.chain import Ledger
from microcred.chain.anchor_proof import credential_leaf
from microcred.errors import MicrocredError
from microcred.status import RevisionMarker, read_revision_marker
from microcred.verifier.report import StepResult, StepStatus

ERROR = StepStatus.ERROR


@dataclass(frozen=True)
class AnchoredRevision:
    marker: RevisionMarker
    anchored_at: int  # unix seconds (block time)

    @property
    def number(self) -> int:
        return self.marker.revision

    def when(self) -> str:
        return datetime.fromtimestamp(self.anchored_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def anchored_revisions(ledger: Ledger, list_url: str, issuer: str) -> list[AnchoredRevision]:
    """Every revision marker of ``list_url`` anchored by an address accredited for ``issuer``.

    Raises MicrocredError (e.g. LedgerError) when the ledger cannot be read.
    """
    addresses = {i.address.lower() for i in ledger.accredited_issuers() if i.did == issuer}
    found = []
    for event in ledger.anchor_events():
        if event.record.issuer.lower() not in addresses:
            continue
        marker = read_revision_marker(event.record.root, list_url)
        if marker is not None:
            found.append(AnchoredRevision(marker, event.record.timestamp))
    return found


def check_list_freshness(
    list_url: str,
    version: Mapping[str, Any],
    issuer: str | None,
    ledger: Ledger | None,
    *,
    cutoff: datetime | None,
) -> StepResult | str:
    """An ERROR step if ``version`` is older than the latest revision anchored by ``cutoff``
    (None: ever); otherwise a note for the status step's reason."""
    if ledger is None or issuer is None:
        return "revision not checked against the ledger"
    try:
        revisions = anchored_revisions(ledger, list_url, issuer)
        leaf = credential_leaf(version)
    except MicrocredError as exc:
        return StepResult("status", ERROR, f"could not check the list is the latest: {exc}")
    if not revisions:
        return "no revision of this list is recorded on the ledger"
    shown = next((r for r in revisions if r.marker.names(leaf)), None)
    limit = None if cutoff is None else cutoff.timestamp()
    in_force = [r for r in revisions if limit is None or r.anchored_at <= limit]
    latest = max(in_force, key=lambda r: (r.number, r.anchored_at), default=None)
    if shown is None:
        newest = max(revisions, key=lambda r: r.number)
        return StepResult(
            "status",
            ERROR,
            f"the status list shown is not a revision recorded on the ledger (the latest is "
            f"revision {newest.number}, recorded {newest.when()}): it cannot tell the status",
        )
    if latest is not None and latest.number > shown.number:
        return StepResult(
            "status",
            ERROR,
            f"stale status list: revision {shown.number} (recorded {shown.when()}) was "
            f"superseded by revision {latest.number}, recorded on the ledger {latest.when()}"
            + (
                "; an older revision cannot tell the current status: get the latest list"
                if cutoff is None
                else f" by {cutoff:%Y-%m-%dT%H:%M:%SZ}; an older revision cannot tell the "
                "status as of then: get the revision in force"
            ),
            {"shownRevision": shown.number, "latestRevision": latest.number},
        )
    return f"revision {shown.number}, the latest anchored"
