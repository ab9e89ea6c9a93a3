"""The verifier: named steps, each PASS / FAIL / ERROR / SKIPPED, and the verdict they give."""

from microcred.verifier._verify import DEFAULT_STEPS, verify_credential, verify_file, verify_path
from microcred.verifier.facts import VerifiedFacts
from microcred.verifier.inputs import ParsedCredential, parse_credential_bytes
from microcred.verifier.policy import VerificationPolicy
from microcred.verifier.report import StepResult, StepStatus, Verdict, VerificationReport
from microcred.verifier.status_step import StatusDirectory, StatusListSource
from microcred.verifier.steps import Step

__all__ = [
    "DEFAULT_STEPS",
    "ParsedCredential",
    "StatusDirectory",
    "StatusListSource",
    "Step",
    "StepResult",
    "StepStatus",
    "Verdict",
    "VerificationPolicy",
    "VerificationReport",
    "VerifiedFacts",
    "parse_credential_bytes",
    "verify_credential",
    "verify_file",
    "verify_path",
]
