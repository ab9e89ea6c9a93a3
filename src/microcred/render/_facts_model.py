"""The facts a certificate shows: plain, format-independent values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LangText = Mapping[str, str]
"""A language map (``{"en": …, "ka": …}``), the primary language first."""


@dataclass(frozen=True)
class Outcome:
    category: str  # "Knowledge", "Skills", "Responsibility and autonomy"
    text: LangText


@dataclass(frozen=True)
class QualityAssurance:
    kind: str  # "internal" or the external type, e.g. "Programme licence"
    text: LangText
    agent: str | None = None


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate states. Dates are ISO ``YYYY-MM-DD``; codes follow the record format."""

    credential_id: str
    credential_format: str  # "elm" or "ob3"
    issuer_did: str
    issuer_name: LangText
    learner_name: str
    learner_id: str | None
    title: LangText
    primary_language: str
    awarding_bodies: tuple[LangText, ...]
    country: str  # ISO 3166-1 alpha-2
    region: str | None
    issued: str
    ects: str | None
    hours: int | None
    eqf_level: int | None
    nqf_level: str | None
    qf_ehea_cycle: str | None
    assessment_types: tuple[str, ...]  # codes, e.g. "written-exam"
    assessment_labels: tuple[str, ...]  # "Written exam", …
    assessment_description: LangText = field(default_factory=dict)
    participation: str | None = None
    quality_assurance: tuple[QualityAssurance, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    description: LangText = field(default_factory=dict)
    grade: str | None = None
    prerequisites: LangText = field(default_factory=dict)
    stackability: LangText = field(default_factory=dict)
    supervision: str | None = None
    further_information: LangText = field(default_factory=dict)
    homepage: str | None = None
    valid_until: str | None = None

    def in_language(self, text: LangText, language: str | None = None) -> str:
        """``text`` in ``language`` (default: the primary one), else its first language."""
        wanted = language or self.primary_language
        return text.get(wanted) or next(iter(text.values()), "")

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the title is given in, the primary one first."""
        return tuple(self.title)
