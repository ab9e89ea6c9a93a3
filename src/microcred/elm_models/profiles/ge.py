"""Georgia: the rules of the Georgian micro-credential framework (see shared/domain.md).

Sources: NCEQE's thematic analysis (2023) and the Georgian white paper on micro-credentials (2025).
"""

from __future__ import annotations

from microcred.elm_models.profiles._base import NationalProfile
from microcred.elm_models.profiles._workload import breakdown_problems, hours_per_ects_problems
from microcred.elm_models.record import Learner, MicroCredentialSpec, QfEheaCycle
from microcred.errors import FieldProblem

MIN_ECTS, MAX_ECTS = 1, 30

# Georgia places micro-credentials at NQF 6 (bachelor) and 7 (master). ASSUMPTION: Georgia's
# eight-level NQF corresponds to the EQF one to one at these levels (bachelor = 6, master = 7 in
# both), so the EQF level must equal the NQF level. This is our reading, not a cited referencing
# decision; relax it here if NCEQE ever publishes a different correspondence.
CYCLE_BY_NQF_LEVEL = {6: QfEheaCycle.FIRST, 7: QfEheaCycle.SECOND}

# The Georgian personal number (პირადი ნომერი) has 11 digits.
_PERSONAL_NUMBER_LENGTH = 11


class GeorgiaProfile(NationalProfile):
    code = "GE"
    name = "Georgia (NCEQE micro-credential rules)"

    def check(self, spec: MicroCredentialSpec) -> list[FieldProblem]:
        return [
            *_country_problems(spec),
            *_level_problems(spec),
            *_volume_problems(spec),
            *hours_per_ects_problems(spec),
            *breakdown_problems(spec),
            *_accreditation_problems(spec),
        ]

    def check_learner(self, learner: Learner, file: str) -> list[FieldProblem]:
        number = learner.national_id
        if learner.national_id_country != "GE" or number is None:
            return []
        if number.isdigit() and len(number) == _PERSONAL_NUMBER_LENGTH:
            return []
        return [
            FieldProblem(
                file,
                "national_id",
                f"a Georgian personal number has {_PERSONAL_NUMBER_LENGTH} digits, got {number!r}",
                row=learner.row,
            )
        ]


def _problem(spec: MicroCredentialSpec, field: str, message: str) -> FieldProblem:
    return FieldProblem(spec.source, field, f"Georgian profile: {message}")


def _country_problems(spec: MicroCredentialSpec) -> list[FieldProblem]:
    if spec.country == "GE":
        return []
    return [_problem(spec, "country", f"the issuer's country must be GE, got {spec.country}")]


def _level_problems(spec: MicroCredentialSpec) -> list[FieldProblem]:
    level = spec.level
    if level.nqf not in CYCLE_BY_NQF_LEVEL:
        got = "none" if level.nqf is None else str(level.nqf)
        return [_problem(spec, "level.nqf", f"NQF level must be 6 or 7, got {got}")]
    problems = []
    if level.eqf != level.nqf:
        problems.append(
            _problem(
                spec,
                "level.eqf",
                f"EQF level {level.eqf} differs from NQF level {level.nqf}; "
                "the Georgian NQF levels 6 and 7 correspond to EQF levels 6 and 7",
            )
        )
    cycle = CYCLE_BY_NQF_LEVEL[level.nqf]
    if level.qf_ehea_cycle != cycle:
        got = "none" if level.qf_ehea_cycle is None else level.qf_ehea_cycle.value
        problems.append(
            _problem(
                spec,
                "level.qf_ehea_cycle",
                f"NQF level {level.nqf} is the QF-EHEA {cycle.value} cycle, got {got}",
            )
        )
    return problems


def _volume_problems(spec: MicroCredentialSpec) -> list[FieldProblem]:
    workload, problems = spec.workload, []
    if not MIN_ECTS <= workload.ects <= MAX_ECTS:
        problems.append(
            _problem(
                spec,
                "workload.ects",
                f"a micro-credential has {MIN_ECTS} to {MAX_ECTS} ECTS, got {workload.ects:g}",
            )
        )
    if workload.hours_per_ects is None:
        problems.append(
            _problem(spec, "workload.hours_per_ects", "state the hours per ECTS credit (25–30)")
        )
    if workload.hours is None:
        problems.append(_problem(spec, "workload.hours", "state the total workload in hours"))
    return problems


def _accreditation_problems(spec: MicroCredentialSpec) -> list[FieldProblem]:
    # The right to implement a micro-credential is granted by NCEQE, so we require an external
    # accreditation by a Georgian agency. HEIs that register micro-credentials under an accredited
    # programme also state that programme's accreditation here.
    external = spec.quality_assurance.external
    if not external:
        return [
            _problem(
                spec,
                "quality_assurance.external",
                "an external accreditation is required (the right to implement granted by NCEQE, "
                "or the accreditation of the programme the micro-credential is part of)",
            )
        ]
    if any(accreditation.agency.country == "GE" for accreditation in external):
        return []
    return [
        _problem(
            spec,
            "quality_assurance.external",
            "none of the accreditations is by a Georgian agency (country GE), e.g. NCEQE",
        )
    ]
