"""The permissive default profile: Annex I completeness (done by the reader) plus ECTS sanity."""

from __future__ import annotations

from microcred.elm_models.profiles._base import NationalProfile
from microcred.elm_models.profiles._workload import breakdown_problems, hours_per_ects_problems
from microcred.elm_models.record import MicroCredentialSpec
from microcred.errors import FieldProblem

# A full academic year is 60 ECTS; anything larger is not a "small volume of learning".
MAX_ECTS = 60


class EuProfile(NationalProfile):
    code = "EU"
    name = "European Union (Council Recommendation 2022/C 243/02, Annex I)"

    def check(self, spec: MicroCredentialSpec) -> list[FieldProblem]:
        problems = []
        if spec.workload.ects > MAX_ECTS:
            problems.append(
                FieldProblem(
                    spec.source,
                    "workload.ects",
                    f"{spec.workload.ects:g} ECTS is more than a full academic year "
                    f"({MAX_ECTS} ECTS); a micro-credential certifies a small volume of learning",
                )
            )
        return problems + hours_per_ects_problems(spec) + breakdown_problems(spec)
