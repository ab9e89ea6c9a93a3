"""Ledger steps: the credential's batch root is anchored, and its issuer was accredited then.

With no ledger configured or reachable these steps report ERROR ("not checked"): they
never pass silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_hash.auto import keccak

from microcred.chain import (
    AccreditationEntry,
    AccreditationStatus,
    AnchorRecord,
    Ledger,
    LedgerError,
    verify_inclusion,
)
from microcred.chain.anchor_proof import (
    ANCHOR_CLOCK_SKEW,
    AnchorBlock,
    anchor_proofs,
    credential_leaf,
    decode_anchor_proof,
    encode_anchor_proof,
)
from microcred.chain.ledger import MICRO_CREDENTIAL
from microcred.errors import MicrocredError
from microcred.verifier.annex_i import eqf_level
from microcred.verifier.inputs import STATUS_LIST_FORMAT, ParsedCredential, checked_view
from microcred.verifier.policy import AnchorRequirement, VerificationPolicy
from microcred.verifier.report import StepResult, StepStatus
from microcred.verifier.steps import issuer_id, unchecked
from microcred.verifier.trust_step import RegistryUnknown, registry_knows

PASS, FAIL, ERROR, SKIPPED = StepStatus.PASS, StepStatus.FAIL, StepStatus.ERROR, StepStatus.SKIPPED
CLOCK_SKEW_SECONDS = int(ANCHOR_CLOCK_SKEW.total_seconds())


@dataclass(frozen=True)
class _Anchored:
    block: AnchorBlock
    record: AnchorRecord


class _Verdict(Exception):
    """Carries a finished step result out of the shared anchor lookup."""

    def __init__(self, result: StepResult) -> None:
        self.result = result


def check_anchored(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """The inclusion proof leads to a root anchored by the issuer's address, in time."""
    document = checked_view(credential)
    if document is None:
        return unchecked("anchored")
    try:
        anchored = _lookup("anchored", credential, policy)
    except _Verdict as verdict:
        return verdict.result
    block, record = anchored.block, anchored.record
    issued = _issued_at(document)
    anchored_at = _iso(record.timestamp)
    details = {"root": "0x" + block.root.hex(), "block": record.block_number, "at": anchored_at}
    if issued is not None and issued > record.timestamp + CLOCK_SKEW_SECONDS:
        return StepResult(
            "anchored",
            FAIL,
            f"claims to be issued {_iso(issued)}, after its anchor ({anchored_at})",
        )
    delay = 0 if issued is None else record.timestamp - issued
    if delay > policy.max_anchor_delay.total_seconds():
        return StepResult(
            "anchored",
            FAIL,
            f"issue date {_iso(issued or 0)} is {delay // 86400} days before the anchor "
            f"({anchored_at}): possibly back-dated",
            details,
        )
    return StepResult(
        "anchored",
        PASS,
        f"batch root anchored in block {record.block_number} at {anchored_at} "
        f"by {record.issuer} (chain {block.chain_id})",
        details,
    )


def check_accredited(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """The anchoring address was accredited for this issuer DID, in scope, at anchoring time."""
    document = checked_view(credential)
    if document is None:
        return unchecked("accredited")
    try:
        anchored = _lookup("accredited", credential, policy)
    except _Verdict as verdict:
        return verdict.result
    level = eqf_level(document, credential.credential_format)
    issuer = issuer_id(document) or ""
    # A status list awards nothing: its issuer needs an accreditation, not one for a level.
    scoped = credential.credential_format != STATUS_LIST_FORMAT
    return accreditation_step(policy, anchored.record, issuer, level, scoped=scoped)


def accreditation_step(
    policy: VerificationPolicy,
    record: AnchorRecord,
    issuer: str,
    level: int | None,
    *,
    scoped: bool = True,
) -> StepResult:
    """Was ``record.issuer`` accredited for ``issuer`` (DID), in scope, when it anchored?"""
    assert policy.ledger is not None
    try:
        history = policy.ledger.accreditation_history(record.issuer)
        then = policy.ledger.is_accredited_at(record.issuer, record.timestamp)
        now = policy.ledger.is_accredited_at(record.issuer, int(policy.now.timestamp()))
    except MicrocredError as exc:
        return StepResult("accredited", ERROR, f"registry not checked: {exc}")
    in_force = [e for e in history if e.changed_at <= record.timestamp]
    if not in_force:
        return StepResult(
            "accredited", FAIL, f"{record.issuer} was never accredited before its anchor"
        )
    entry = in_force[-1]
    if entry.did_hash != keccak(issuer.encode()):
        return StepResult(
            "accredited",
            FAIL,
            f"the anchoring address {record.issuer} is accredited for another DID",
        )
    if not then:
        return StepResult(
            "accredited",
            FAIL,
            f"{issuer} was not accredited when anchored at {_iso(record.timestamp)}: "
            + _why_not(entry, record.timestamp),
        )
    if scoped and (level is None or not entry.scope.covers(level, MICRO_CREDENTIAL)):
        return StepResult(
            "accredited",
            FAIL,
            f"accreditation scope (EQF {sorted(entry.scope.eqf_levels)}, "
            f"{entry.scope.credential_type}) does not cover EQF {level} {MICRO_CREDENTIAL}",
        )
    still = "and still is" if now else "but no longer is"
    return StepResult(
        "accredited",
        PASS,
        f"accredited by {entry.authority} at {_iso(record.timestamp)} "
        f"(until {_iso(entry.valid_until)}), {still}",
        {
            "authority": entry.authority,
            "validUntil": _iso(entry.valid_until),
            "stillAccredited": now,
        },
    )


def _why_not(entry: AccreditationEntry, moment: int) -> str:
    if entry.status is not AccreditationStatus.ACTIVE:
        return f"accreditation {entry.status.name.lower()} since {_iso(entry.changed_at)}"
    if moment < entry.valid_from:
        return f"accreditation starts {_iso(entry.valid_from)}"
    return f"accreditation expired {_iso(entry.valid_until)}"


def _lookup(step: str, credential: ParsedCredential, policy: VerificationPolicy) -> _Anchored:
    proofs = anchor_proofs(credential.document)
    if not proofs:
        raise _Verdict(_without_anchor(step, credential, policy))
    if len(proofs) > 1:
        # Which one would count is a guess; a credential is anchored once (see signed-form).
        raise _Verdict(StepResult(step, FAIL, f"the credential carries {len(proofs)} anchors"))
    try:
        block = decode_anchor_proof(proofs[0])
    except MicrocredError as exc:
        raise _Verdict(StepResult(step, FAIL, str(exc))) from exc
    if encode_anchor_proof(block) != dict(proofs[0]):
        # Only the canonical encoding is accepted, so no byte of the proof goes unchecked.
        raise _Verdict(StepResult(step, FAIL, "the anchor proof was altered (not canonical)"))
    if policy.ledger is None:
        raise _Verdict(StepResult(step, ERROR, "no ledger configured: not checked"))
    _check_block(step, credential.document, block, policy.ledger)
    try:
        record = policy.ledger.anchor_of(block.root)
    except LedgerError as exc:
        raise _Verdict(
            StepResult(step, ERROR, f"ledger not reachable, not checked: {exc}")
        ) from exc
    if record is None:
        raise _Verdict(StepResult(step, FAIL, f"root 0x{block.root.hex()} was never anchored"))
    if record.issuer.lower() != block.anchored_by.lower():
        raise _Verdict(
            StepResult(step, FAIL, f"root anchored by {record.issuer}, not {block.anchored_by}")
        )
    if (block.anchored_at, block.block_number) != (record.timestamp, record.block_number):
        raise _Verdict(
            StepResult(step, FAIL, "the anchor proof's block or time is not the ledger's")
        )
    _check_transaction(step, block, policy.ledger)
    return _Anchored(block, record)


def _without_anchor(
    step: str, credential: ParsedCredential, policy: VerificationPolicy
) -> StepResult:
    """No anchor: not invalid in itself (a third party's badge), but never valid when the
    policy requires one, since an anchor proof can be stripped without touching the signature."""
    missing = "the credential carries no ledger anchor"
    if policy.anchoring is AnchorRequirement.OPTIONAL:
        return StepResult(step, SKIPPED, f"{missing}; anchoring not required by policy")
    if policy.anchoring is AnchorRequirement.REQUIRED:
        return StepResult(step, ERROR, f"{missing}; anchoring required by policy")
    issuer = issuer_id(credential.document) or ""
    try:
        known = registry_knows(policy, issuer)
    except RegistryUnknown as exc:
        return StepResult(
            step,
            ERROR,
            f"{missing}; whether its issuer is in the registry (which makes anchoring "
            f"required) is not known: {exc}",
        )
    if known:
        return StepResult(
            step, ERROR, f"{missing}; its issuer is in the registry: anchoring required by policy"
        )
    return StepResult(step, SKIPPED, "issuer not in the registry; anchoring not required by policy")


def _check_transaction(step: str, block: AnchorBlock, ledger: Ledger) -> None:
    """The transaction the proof names really anchored this root (unknown after a lost receipt)."""
    if not block.transaction_hash:
        return
    try:
        anchors = ledger.anchors_in_transaction(block.transaction_hash)
    except LedgerError as exc:
        raise _Verdict(
            StepResult(step, ERROR, f"ledger not reachable, not checked: {exc}")
        ) from exc
    if not any(anchor.root == block.root for anchor in anchors):
        raise _Verdict(
            StepResult(step, FAIL, f"transaction {block.transaction_hash} did not anchor this root")
        )


def _check_block(
    step: str, document: Mapping[str, Any], block: AnchorBlock, ledger: Ledger
) -> None:
    if (
        block.chain_id != ledger.chain_id
        or (block.contract or "").lower() != (ledger.contract_address or "").lower()
    ):
        raise _Verdict(
            StepResult(
                step,
                ERROR,
                f"anchored on chain {block.chain_id} contract {block.contract}, "
                f"not on the configured ledger: not checked",
            )
        )
    try:
        leaf = credential_leaf(document)
    except MicrocredError as exc:
        raise _Verdict(StepResult(step, FAIL, f"cannot hash the credential: {exc}")) from exc
    if leaf != block.leaf:
        raise _Verdict(StepResult(step, FAIL, "the credential does not match its anchored leaf"))
    if not verify_inclusion(leaf, block.path, block.root):
        raise _Verdict(
            StepResult(step, FAIL, "the inclusion proof does not lead to the anchored root")
        )


def _issued_at(document: Mapping[str, Any]) -> int | None:
    value = document.get("issued") or document.get("validFrom") or document.get("issuanceDate")
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
