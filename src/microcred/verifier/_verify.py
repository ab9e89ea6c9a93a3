from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from microcred.errors import InputError
from microcred.verifier._bounds import document_bounds_problem
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

# Python's own default. py-evm and py_ecc raise the limit to 12,288 and 100,000 when imported
# (the CLI imports them for the ledger); at that height, C code that recurses (json, cbor2,
# pypdf, the XML parser) overflows the C stack and the process dies, instead of raising
# RecursionError. Verification runs under this limit and puts the caller's back afterwards.
SAFE_RECURSION_LIMIT = 1000
_T = TypeVar("_T")
_STEP_NAMES = {
    "check_contexts": "contexts",
    "check_signed_form": "signed-form",
    "check_format": "format",
    "check_annex_i": "annex-i",
    "check_proof": "proof",
    "check_issuer": "issuer",
    "check_validity_period": "validity",
    "check_anchored": "anchored",
    "check_accredited": "accredited",
    "check_trusted": "trusted",
    "check_credential_status": "status",
}

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
    """Run every step on one credential; the input is never modified, and nothing raises.

    A document outside the structural bounds (``_bounds``) fails before any step runs; a
    step that raises is that step's ERROR, named by the exception's type.
    """
    policy = policy or VerificationPolicy()
    if not isinstance(credential, ParsedCredential):
        credential = ParsedCredential(source="<document>", document=credential)
    with contained_recursion():
        problem = _bounds_problem(credential)
        results = (
            [StepResult("input", StepStatus.FAIL, f"refused before verification: {problem}")]
            if problem
            else [run_step(step, credential, policy) for step in steps]
        )
    return VerificationReport(
        source=credential.source,
        credential_format=_safely(lambda: credential.credential_format, "unknown"),
        credential_id=_safely(lambda: credential.credential_id, None),
        steps=results,
        facts=verified_facts(credential) if signature_verified(results) else None,
    )


def run_step(step: Step, credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """``step``'s result; ERROR if it raised (a bug or an input no bound foresaw: not valid)."""
    try:
        return step(credential, policy)
    except Exception as exc:  # a step reports; the exception type is the report
        return StepResult(step_name(step), StepStatus.ERROR, f"could not check: {_described(exc)}")


def step_name(step: Step) -> str:
    name = getattr(step, "__name__", type(step).__name__)
    return _STEP_NAMES.get(name, name.removeprefix("check_").replace("_", "-"))


@contextmanager
def contained_recursion(limit: int = SAFE_RECURSION_LIMIT) -> Iterator[None]:
    """Run the block under at most ``limit`` frames of recursion, then restore the caller's."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(min(before, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


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
    or a photo of a QR code. Never raises: an unreadable file is a one-step report."""
    policy = policy or VerificationPolicy()
    with contained_recursion():
        try:
            data = read_credential_file(path, max_bytes=MAX_CONTAINER_BYTES)
            credentials = credentials_in(data, source=str(path), max_bytes=policy.max_input_bytes)
        except Exception as exc:  # InputError, or a container library's own
            return [unreadable_report(str(path), exc)]
        reports = [_verify_found(found, policy, steps) for found in credentials]
    if data.startswith(PDF_SIGNATURE):  # the page is drawn, not signed (no PAdES seal yet)
        reports = [replace(r, notes=(*r.notes, PDF_PAGE_NOT_SIGNED)) for r in reports]
    return reports


def _verify_found(
    found: ParsedCredential | QrPayload, policy: VerificationPolicy, steps: Sequence[Step]
) -> VerificationReport:
    if not isinstance(found, QrPayload):
        return verify_credential(found, policy, steps=steps)
    try:
        return verify_qr(found.text, policy, source=found.source)
    except Exception as exc:  # as for a step: ERROR, named by its type
        step = StepResult("qr-signature", StepStatus.ERROR, f"could not check: {_described(exc)}")
        return VerificationReport(found.source, "qr", None, [step])


def unreadable_report(source: str, error: Exception) -> VerificationReport:
    """FAIL for an input refused (InputError); ERROR if reading it failed unexpectedly."""
    if isinstance(error, InputError):
        step = StepResult("input", StepStatus.FAIL, str(error))
    else:
        step = StepResult("input", StepStatus.ERROR, f"could not read: {_described(error)}")
    return VerificationReport(
        source=source, credential_format="unknown", credential_id=None, steps=[step]
    )


def _bounds_problem(credential: ParsedCredential) -> str | None:
    try:
        return document_bounds_problem(credential.document)
    except Exception as exc:  # e.g. a Mapping whose methods raise
        return f"unreadable document ({_described(exc)})"


def _safely(read: Callable[[], _T], default: _T) -> _T:
    try:
        return read()
    except Exception:  # a report line must not be what fails
        return default


_MAX_EXCEPTION_TEXT = 200


def _described(exc: BaseException) -> str:
    """The exception's type and the start of its message: no traceback, bounded length."""
    text = str(exc)
    if len(text) > _MAX_EXCEPTION_TEXT:
        text = text[:_MAX_EXCEPTION_TEXT] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
