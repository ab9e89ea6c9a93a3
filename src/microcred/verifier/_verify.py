from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from microcred.errors import InputError
from microcred.verifier.containers import MAX_CONTAINER_BYTES, QrPayload, credentials_in
from microcred.verifier.facts import PDF_PAGE_NOT_SIGNED, signature_verified, verified_facts
from microcred.verifier.inputs import ParsedCredential, read_credential_file
from microcred.verifier.ledger_steps import check_accredited, check_anchored
from microcred.verifier.policy import VerificationPolicy
from microcred.verifier.qr_steps import verify_qr
from microcred.verifier.report import StepResult, StepStatus, VerificationReport
from microcred.verifier.status_step import check_credential_status
from microcred.verifier.steps import (
    Step,
    check_annex_i,
    check_contexts,
    check_format,
    check_issuer,
    check_proof,
    check_signed_form,
    check_validity_period,
)
from microcred.verifier.trust_step import check_trusted

PDF_SIGNATURE = b"%PDF-"

DEFAULT_STEPS: tuple[Step, ...] = (
    check_contexts,
    check_signed_form,
    check_format,
    check_annex_i,
    check_proof,
    check_issuer,
    check_validity_period,
    check_anchored,
    check_accredited,
    check_trusted,
    check_credential_status,
)


def verify_credential(
    credential: ParsedCredential | Mapping[str, Any],
    policy: VerificationPolicy | None = None,
    *,
    steps: Sequence[Step] = DEFAULT_STEPS,
) -> VerificationReport:
    """Run every step on one credential; the input is never modified."""
    policy = policy or VerificationPolicy()
    if not isinstance(credential, ParsedCredential):
        credential = ParsedCredential(source="<document>", document=credential)
    results = [step(credential, policy) for step in steps]
    return VerificationReport(
        source=credential.source,
        credential_format=credential.credential_format,
        credential_id=credential.credential_id,
        steps=results,
        facts=verified_facts(credential) if signature_verified(results) else None,
    )


def verify_file(
    path: Path,
    policy: VerificationPolicy | None = None,
    *,
    steps: Sequence[Step] = DEFAULT_STEPS,
) -> VerificationReport:
    """Verify a file holding one credential (see ``verify_path`` for containers of several)."""
    return verify_path(path, policy, steps=steps)[0]


def verify_path(
    path: Path,
    policy: VerificationPolicy | None = None,
    *,
    steps: Sequence[Step] = DEFAULT_STEPS,
) -> list[VerificationReport]:
    """One report per credential in the file: JSON-LD, VC-JWT, baked PNG/SVG, PDF certificate,
    or a photo of a QR code."""
    policy = policy or VerificationPolicy()
    try:
        data = read_credential_file(path, max_bytes=MAX_CONTAINER_BYTES)
        credentials = credentials_in(data, source=str(path), max_bytes=policy.max_input_bytes)
    except InputError as exc:
        return [unreadable_report(str(path), exc)]
    reports = [
        verify_qr(found.text, policy, source=found.source)
        if isinstance(found, QrPayload)
        else verify_credential(found, policy, steps=steps)
        for found in credentials
    ]
    if data.startswith(PDF_SIGNATURE):  # the page is drawn, not signed (no PAdES seal yet)
        reports = [replace(r, notes=(*r.notes, PDF_PAGE_NOT_SIGNED)) for r in reports]
    return reports


def unreadable_report(source: str, error: InputError) -> VerificationReport:
    step = StepResult("input", StepStatus.FAIL, str(error))
    return VerificationReport(
        source=source, credential_format="unknown", credential_id=None, steps=[step]
    )
