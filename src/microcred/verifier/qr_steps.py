"""Verifying a scanned QR code: the issuer's signature over the Annex I summary, the batch
anchor and accreditation it names, and the credential's revocation status.

A QR code carries a signed summary, not the credential: the steps say what that proves, and
``microcred verify`` on the full credential (e.g. the PDF's attachment) proves the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime

from microcred.chain import LedgerError
from microcred.errors import MicrocredError
from microcred.qr import QrVerification, verify_qr_payload
from microcred.status import revocation_and_suspension_entry
from microcred.verifier.facts import QR_PAGE_NOT_SIGNED, qr_facts
from microcred.verifier.ledger_steps import accreditation_step
from microcred.verifier.policy import VerificationPolicy
from microcred.verifier.report import StepResult, StepStatus, VerificationReport
from microcred.verifier.status_step import status_entry_step

PASS, FAIL, ERROR = StepStatus.PASS, StepStatus.FAIL, StepStatus.ERROR


def verify_qr(payload: str, policy: VerificationPolicy, *, source: str) -> VerificationReport:
    checked = verify_qr_payload(payload, policy.resolver)
    reference = checked.reference
    steps = [_signature_step(checked)]
    if checked.valid and checked.claims is not None and reference is not None:
        steps += _ledger_steps(checked, policy)
        steps.append(_status_step(checked, policy))
    return VerificationReport(
        source=source,
        credential_format="qr",
        credential_id=reference.credential_id if reference else None,
        steps=steps,
        facts=qr_facts(checked.claims) if checked.valid and checked.claims else None,
        notes=(QR_PAGE_NOT_SIGNED,),
    )


def _signature_step(checked: QrVerification) -> StepResult:
    status = {"valid": PASS, "invalid": FAIL}.get(checked.outcome, ERROR)
    details = {}
    if checked.claims is not None:
        claims = checked.claims
        details = {
            "learner": claims.learner_name,
            "title": dict(claims.title),
            "issued": claims.issued,
            "ects": claims.ects,
            "eqf": claims.eqf_level,
        }
    return StepResult("qr-signature", status, checked.reason, details)


def _ledger_steps(checked: QrVerification, policy: VerificationPolicy) -> list[StepResult]:
    assert checked.claims is not None and checked.reference is not None
    anchor = checked.reference.anchor
    if anchor is None:
        return [StepResult("anchored", ERROR, "the QR code names no ledger anchor")]
    if policy.ledger is None:
        return [StepResult("anchored", ERROR, "no ledger configured: not checked")]
    if (
        anchor.chain_id != policy.ledger.chain_id
        or anchor.contract.lower() != (policy.ledger.contract_address or "").lower()
    ):
        return [StepResult("anchored", ERROR, "anchored on another ledger: not checked")]
    try:
        record = policy.ledger.anchor_of(anchor.merkle_root)
    except LedgerError as exc:
        return [StepResult("anchored", ERROR, f"ledger not reachable, not checked: {exc}")]
    if record is None:
        return [StepResult("anchored", FAIL, "the batch root it names was never anchored")]
    at = datetime.fromtimestamp(record.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    anchored = StepResult(
        "anchored",
        PASS,
        f"its batch root is anchored in block {record.block_number} at {at} by {record.issuer} "
        "(this credential's place in the batch is proven by the full credential)",
    )
    accredited = accreditation_step(policy, record, checked.issuer or "", checked.claims.eqf_level)
    return [anchored, accredited]


def _status_step(checked: QrVerification, policy: VerificationPolicy) -> StepResult:
    assert checked.reference is not None
    if checked.reference.status is None:
        return StepResult("status", ERROR, "the QR code names no status entry: not checked")
    url, index = checked.reference.status
    try:
        entry = revocation_and_suspension_entry(url, index)
    except (MicrocredError, ValueError) as exc:
        return StepResult("status", FAIL, f"malformed status reference: {exc}")
    return status_entry_step(entry, checked.issuer, policy)
