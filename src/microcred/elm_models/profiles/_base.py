"""What a national profile is: extra rules a country adds on top of Annex I completeness."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from microcred.elm_models.record import Learner, MicroCredentialSpec
from microcred.errors import FieldProblem


class NationalProfile(ABC):
    """A country's rules for micro-credentials, checked after the reader built a complete spec.

    Profiles report problems, they never raise: the reader gathers them and raises once.
    """

    code: ClassVar[str]
    name: ClassVar[str]

    @abstractmethod
    def check(self, spec: MicroCredentialSpec) -> list[FieldProblem]:
        """Problems with a complete spec, located at ``spec.source`` with dotted field paths."""

    def check_learner(self, learner: Learner, file: str) -> list[FieldProblem]:
        """Problems with one learner row; most profiles add none."""
        return []
