"""What `issue` checks before it signs anything or spends a status index.

A batch that a verifier would reject forever must not be signed, anchored and delivered
with exit code 0. Each check here mirrors one verifier step (docs/issuer-checks.md):

- the issue time (validFrom) is not in the future (verifier step ``validity``) and not so
  old that the anchor made now is too late for it (step ``anchored``: "possibly back-dated");
- every award date lies on or before the issue time and not before the learning ended;
- the anchoring address is accredited now, for this issuer DID, for the spec's EQF level
  and for micro-credentials (step ``accredited``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from eth_hash.auto import keccak

from microcred.chain import Ledger
from microcred.chain.anchor_proof import MAX_ANCHOR_DELAY
from microcred.chain.ledger import MICRO_CREDENTIAL, AccreditationEntry, AccreditationStatus
from microcred.elm_models.record import Learner, MicroCredentialSpec
from microcred.errors import FieldProblem, MicrocredError, RecordError

#: Time left between signing and the latest anchor the verifier still accepts: room for a
#: ledger outage (the batch waits, pending) without the batch turning invalid.
ANCHOR_MARGIN = timedelta(days=1)


class IssueRefused(MicrocredError):
    """The batch would never verify; nothing was signed and no status index was spent."""


def check_issue_time(issued: datetime, now: datetime, *, option: str = "--issued") -> None:
    """Refuse an issue time the verifier would reject: in the future, or too old to anchor."""
    shown = issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    if issued > now:
        raise IssueRefused(
            f"{option} {shown} is in the future: a verifier rejects a credential before its "
            "validFrom (step 'validity'). The issue time is when the batch is signed; give "
            "the date the learners were awarded with --awarded DATE."
        )
    if now - issued > MAX_ANCHOR_DELAY - ANCHOR_MARGIN:
        days = (now - issued).days
        raise IssueRefused(
            f"{option} {shown} is {days} days ago: the batch is anchored now, and a verifier "
            f"fails a credential signed more than {MAX_ANCHOR_DELAY.days} days before its "
            "anchor as possibly back-dated (step 'anchored'). Leave --issued out (the issue "
            "time is then now) and give the date of award with --awarded DATE."
        )


def check_award_dates(
    learners: Sequence[Learner], awarded: date | None, issued: datetime, learners_file: str
) -> None:
    """Each learner's award date is not after the issue date nor before their completion date."""
    problems = []
    issue_day = issued.date()
    for learner in learners:
        when = learner.awarded_date or awarded
        if when is None:
            continue
        field = "awarded_date" if learner.awarded_date else "--awarded"
        if when > issue_day:
            problems.append(
                FieldProblem(
                    learners_file,
                    field,
                    f"award date {when} is after the issue date {issue_day}: a credential "
                    "cannot state an award made after it was signed",
                    learner.row,
                )
            )
        elif learner.completion_date is not None and when < learner.completion_date:
            problems.append(
                FieldProblem(
                    learners_file,
                    field,
                    f"award date {when} is before completion_date {learner.completion_date}",
                    learner.row,
                )
            )
    if problems:
        raise RecordError(problems)


def check_accreditation(
    ledger: Ledger,
    address: str,
    issuer_did: str,
    spec: MicroCredentialSpec,
    now: datetime,
) -> None:
    """Refuse unless ``address`` is accredited now for ``issuer_did`` and the spec's scope.

    Mirrors the verifier's ``accredited`` step at the moment of anchoring (now): a batch
    anchored outside its issuer's accreditation is invalid for good.
    """
    moment = int(now.timestamp())
    history = ledger.accreditation_history(address)  # LedgerError: the caller decides
    accredited = ledger.is_accredited_at(address, moment)
    in_force = [entry for entry in history if entry.changed_at <= moment]
    who = f"{issuer_did} (anchoring address {address})"
    if not in_force:
        raise IssueRefused(
            f"{who} is not accredited on the ledger: a verifier would fail every credential "
            "(step 'accredited'). Ask the quality-assurance authority to accredit it first "
            "('microcred registry accredit')."
        )
    entry = in_force[-1]
    if entry.did_hash != keccak(issuer_did.encode()):
        raise IssueRefused(
            f"the anchoring address {address} is accredited for another DID than {issuer_did}"
        )
    if not accredited:
        raise IssueRefused(f"{who} is not accredited now: {_why_not(entry, moment)}")
    level = spec.level.eqf
    if not entry.scope.covers(level, MICRO_CREDENTIAL):
        raise IssueRefused(
            f"{spec.source}: the course is EQF level {level}, but {who} is accredited for "
            f"EQF {sorted(entry.scope.eqf_levels)} {entry.scope.credential_type} only: a "
            "verifier would fail every credential (step 'accredited'); nothing was signed"
        )


def _why_not(entry: AccreditationEntry, moment: int) -> str:
    def day(unix: int) -> str:
        return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d")

    if entry.status is not AccreditationStatus.ACTIVE:
        return f"the accreditation is {entry.status.name.lower()} since {day(entry.changed_at)}"
    if moment < entry.valid_from:
        return f"the accreditation starts on {day(entry.valid_from)}"
    if moment >= entry.valid_until:
        return f"the accreditation expired on {day(entry.valid_until)}"
    return "its quality-assurance authority is no longer one"
