"""The verifier: named steps, each PASS / FAIL / ERROR / SKIPPED, and the verdict they give."""

from microcred.verifier._verify import DEFAULT_STEPS, verify_credential, verify_file, verify_path
from microcred.verifier.facts import VerifiedFacts
from microcred.verifier.inputs import ParsedCredential, parse_credential_bytes
from microcred.verifier.policy import AnchorRequirement, VerificationPolicy
from microcred.verifier.report import StepResult, StepStatus, Verdict, VerificationReport
from microcred.verifier.status_step import (
    StatusDirectory,
    StatusListFiles,
    StatusListSource,
    StatusSources,
)
from microcred.verifier.steps import Step
from microcred.verifier.trust_step import read_trust_list

__all__ = [
    "DEFAULT_STEPS",
    "AnchorRequirement",
    "ParsedCredential",
    "StatusDirectory",
    "StatusListFiles",
    "StatusListSource",
    "StatusSources",
    "Step",
    "StepResult",
    "StepStatus",
    "Verdict",
    "VerificationPolicy",
    "VerificationReport",
    "VerifiedFacts",
    "parse_credential_bytes",
    "read_trust_list",
    "verify_credential",
    "verify_file",
    "verify_path",
]
