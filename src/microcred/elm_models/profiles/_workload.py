"""Workload rules shared by profiles: the ECTS users' guide's 25–30 hours per credit."""

from __future__ import annotations

from microcred.elm_models.record import MicroCredentialSpec
from microcred.errors import FieldProblem

#: ECTS users' guide (2015): one credit is 25 to 30 hours of learner workload.
HOURS_PER_ECTS_MIN = 25
HOURS_PER_ECTS_MAX = 30

# Hours are whole numbers, so ects × hours_per_ects (e.g. 2.5 × 25 = 62.5) may be rounded.
_ROUNDING = 0.5


def hours_per_ects_problems(spec: MicroCredentialSpec) -> list[FieldProblem]:
    """The declared rate, the rate implied by hours/ECTS, and their agreement."""
    workload, problems = spec.workload, []
    rate = workload.hours_per_ects
    if rate is not None and not HOURS_PER_ECTS_MIN <= rate <= HOURS_PER_ECTS_MAX:
        problems.append(
            FieldProblem(
                spec.source,
                "workload.hours_per_ects",
                f"{rate} hours per ECTS credit is outside the ECTS range of "
                f"{HOURS_PER_ECTS_MIN}–{HOURS_PER_ECTS_MAX}",
            )
        )
    if workload.hours is None:
        return problems
    implied = workload.hours / workload.ects
    if not HOURS_PER_ECTS_MIN <= implied <= HOURS_PER_ECTS_MAX:
        problems.append(
            FieldProblem(
                spec.source,
                "workload.hours",
                f"{workload.hours} h for {workload.ects:g} ECTS is {implied:.1f} h per credit; "
                f"ECTS credits stand for {HOURS_PER_ECTS_MIN}–{HOURS_PER_ECTS_MAX} h each",
            )
        )
    elif rate is not None and abs(workload.hours - workload.ects * rate) > _ROUNDING:
        problems.append(
            FieldProblem(
                spec.source,
                "workload.hours",
                f"{workload.hours} h does not match {workload.ects:g} ECTS × {rate} h per credit "
                f"= {workload.ects * rate:g} h",
            )
        )
    return problems


def breakdown_problems(spec: MicroCredentialSpec) -> list[FieldProblem]:
    """A declared breakdown must account for exactly the declared hours."""
    workload = spec.workload
    if not workload.breakdown or workload.hours is None:
        return []
    total = sum(workload.breakdown.values())
    if total == workload.hours:
        return []
    return [
        FieldProblem(
            spec.source,
            "workload.breakdown",
            f"the breakdown adds up to {total} h but workload.hours is {workload.hours} h",
        )
    ]
