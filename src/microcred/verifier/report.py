"""The verification report: named steps, each with a status and a reason, and a derived verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microcred.verifier.facts import VerifiedFacts


class StepStatus(StrEnum):
    PASS = "PASS"  # checked, and it holds
    FAIL = "FAIL"  # checked, and it does not hold: the credential is invalid
    ERROR = "ERROR"  # could not be checked (e.g. a resource is unavailable)
    SKIPPED = "SKIPPED"  # not applicable to this credential


class Verdict(StrEnum):
    VALID = "valid"  # every applicable step passed
    INVALID = "invalid"  # at least one step failed
    NOT_VERIFIED = "not verified"  # nothing failed, but something could not be checked


@dataclass(frozen=True)
class StepResult:
    name: str
    status: StepStatus
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "step": self.name,
            "status": str(self.status),
            "reason": self.reason,
        }
        if self.details:
            result["details"] = dict(self.details)
        return result


@dataclass(frozen=True)
class VerificationReport:
    source: str  # file name or "<stdin>"
    credential_format: str  # "elm", "ob3", "ob3-jwt", "unknown"
    credential_id: str | None
    steps: Sequence[StepResult]
    facts: VerifiedFacts | None = None  # only from a credential whose signature verified
    notes: tuple[str, ...] = ()  # what the steps do not cover, e.g. a PDF's printed page

    @property
    def verdict(self) -> Verdict:
        statuses = {step.status for step in self.steps}
        if StepStatus.FAIL in statuses:
            return Verdict.INVALID
        if StepStatus.ERROR in statuses or StepStatus.PASS not in statuses:
            return Verdict.NOT_VERIFIED
        return Verdict.VALID

    @property
    def is_valid(self) -> bool:
        return self.verdict is Verdict.VALID

    def step(self, name: str) -> StepResult:
        for result in self.steps:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.credential_format,
            "id": self.credential_id,
            "verdict": str(self.verdict),
            "facts": None if self.facts is None else self.facts.to_dict(),
            "notes": list(self.notes),
            "steps": [step.to_dict() for step in self.steps],
        }
