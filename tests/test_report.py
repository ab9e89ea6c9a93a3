"""The verdict derives from the steps; ERROR is never reported as valid."""

from __future__ import annotations

import pytest

from microcred.verifier import StepResult, StepStatus, Verdict, VerificationReport

P, F, E, S = StepStatus.PASS, StepStatus.FAIL, StepStatus.ERROR, StepStatus.SKIPPED


def _report(*statuses: StepStatus) -> VerificationReport:
    steps = [StepResult(f"step{i}", status, "reason") for i, status in enumerate(statuses)]
    return VerificationReport("f.json", "ob3", "urn:uuid:x", steps)


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ((P, P, P), Verdict.VALID),
        ((P, S, P), Verdict.VALID),
        ((P, F, P), Verdict.INVALID),
        ((P, E, P), Verdict.NOT_VERIFIED),
        ((F, E), Verdict.INVALID),
        ((S, S), Verdict.NOT_VERIFIED),
        ((), Verdict.NOT_VERIFIED),
    ],
)
def test_verdict_derives_from_steps(statuses: tuple[StepStatus, ...], verdict: Verdict) -> None:
    report = _report(*statuses)
    assert report.verdict is verdict
    assert report.is_valid is (verdict is Verdict.VALID)


def test_report_serialises_every_step() -> None:
    report = _report(P, F)
    data = report.to_dict()
    assert data["verdict"] == "invalid"
    assert [s["status"] for s in data["steps"]] == ["PASS", "FAIL"]
    assert report.step("step1").status is F
    with pytest.raises(KeyError):
        report.step("missing")
