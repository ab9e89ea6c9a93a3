"""The Annex I record model: one micro-credential specification, one learner, one award.

Every element of Council Recommendation 2022/C 243/02, Annex I, is a named field here.
Objects are immutable and do no I/O; readers (``readers.py``) build them and national
profiles (``profiles.py``) validate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

#: Language code (ISO 639-1, e.g. "en", "ka") -> text.
Multilingual = Mapping[str, str]


def multilingual(values: Mapping[str, str]) -> Multilingual:
    """A read-only copy, so a record can never change after validation."""
    return MappingProxyType(dict(values))


class OutcomeCategory(StrEnum):
    """EQF descriptor groups used by the example syllabus."""

    KNOWLEDGE = "knowledge"
    SKILLS = "skills"
    RESPONSIBILITY_AUTONOMY = "responsibility_autonomy"


class Participation(StrEnum):
    """Annex I element 10: form of participation."""

    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"


class Supervision(StrEnum):
    """Annex I optional element: supervision and identity verification during assessment."""

    UNSUPERVISED_NO_ID = "unsupervised-no-id"
    SUPERVISED_NO_ID = "supervised-no-id"
    SUPERVISED_ONLINE = "supervised-online"
    ONSITE_WITH_ID = "onsite-with-id"


class QfEheaCycle(StrEnum):
    """QF-EHEA cycle (Annex I element 8, "and cycle, if applicable")."""

    SHORT = "short"
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"


class Stackability(StrEnum):
    """Annex I optional element: integration / stackability options."""

    STAND_ALONE = "stand-alone"
    STACKABLE = "stackable"


@dataclass(frozen=True)
class Organisation:
    """An awarding body or a quality-assurance agency."""

    id: str
    legal_name: Multilingual
    country: str  # ISO 3166-1 alpha-2, e.g. "GE"
    region: str | None = None
    homepage: str | None = None
    legal_identifier: str | None = None  # registration / eIDAS legal identifier
    email: str | None = None


@dataclass(frozen=True)
class LearningOutcome:
    category: OutcomeCategory
    text: Multilingual


@dataclass(frozen=True)
class Workload:
    """Annex I element 7: notional workload, in ECTS and hours."""

    ects: float
    hours: int | None = None
    hours_per_ects: int | None = None
    breakdown: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Level:
    """Annex I element 8: EQF level, NQF level and QF-EHEA cycle."""

    eqf: int
    nqf: int | None = None
    qf_ehea_cycle: QfEheaCycle | None = None


@dataclass(frozen=True)
class Assessment:
    """Annex I element 9: type of assessment.

    ``types`` are codes of the ELM assessment vocabulary (see ``vocabularies.ASSESSMENT_TYPES``).
    """

    types: tuple[str, ...]
    description: Multilingual


@dataclass(frozen=True)
class Accreditation:
    """External quality assurance: an agency's decision about the provider or course."""

    agency: Organisation
    type: str  # code of vocabularies.ACCREDITATION_TYPES, e.g. "programme-licence"
    title: Multilingual
    decision_date: date | None = None
    expiry_date: date | None = None
    homepage: str | None = None


@dataclass(frozen=True)
class QualityAssurance:
    """Annex I element 11: type of quality assurance (internal and external)."""

    internal: Multilingual | None
    external: tuple[Accreditation, ...] = ()


@dataclass(frozen=True)
class StackabilityOptions:
    mode: Stackability
    description: Multilingual | None = None


@dataclass(frozen=True)
class MicroCredentialSpec:
    """A micro-credential as a university describes it once (YAML/JSON)."""

    id: str
    source: str  # file the spec was read from, for messages and provenance
    profile: str  # national profile code, e.g. "GE" or "EU"
    title: Multilingual
    description: Multilingual
    country: str  # Annex I element 3: ISO 3166-1 alpha-2 of the issuer
    region: str | None
    awarding_bodies: tuple[Organisation, ...]
    learning_outcomes: tuple[LearningOutcome, ...]
    workload: Workload
    level: Level
    assessment: Assessment
    participation: Participation
    quality_assurance: QualityAssurance
    languages: tuple[str, ...]  # languages of instruction, ISO 639-1
    isced_f: str | None = None  # ISCED-F 2013 field code, e.g. "0111"
    prerequisites: Multilingual | None = None
    supervision: Supervision | None = None
    grading_scheme: Multilingual | None = None
    stackability: StackabilityOptions | None = None
    further_information: Multilingual | None = None
    homepage: str | None = None


@dataclass(frozen=True)
class Learner:
    """One row of the learners CSV (Annex I element 1, plus the optional grade)."""

    row: int  # 1-based data row number in the CSV (header excluded)
    learner_id: str  # the institution's student number
    given_name: str
    family_name: str
    email: str | None = None
    date_of_birth: date | None = None
    national_id: str | None = None
    national_id_country: str | None = None
    grade: str | None = None
    completion_date: date | None = None
    did: str | None = None  # the learner's wallet DID: the credential subject's id
    awarded_date: date | None = None  # when this learner was awarded, if not the batch's date

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class IssuerProfile:
    """Who signs: the issuing organisation and its DID (made by ``microcred init``).

    The issuer may differ from the awarding body (ELM allows a sealing issuer).
    """

    did: str
    verification_method: str  # DID URL of the signing key
    name: Multilingual
    country: str  # ISO 3166-1 alpha-2
    legal_identifier: str  # eIDAS / registration identifier; ELM requires one
    homepage: str | None = None
    email: str | None = None
    status_base_url: str | None = None  # where its status lists are published

    @property
    def status_lists_url(self) -> str:
        """Base URL of the issuer's status lists (a placeholder when it has no web site)."""
        if self.status_base_url:
            return self.status_base_url.rstrip("/")
        if self.homepage:
            return self.homepage.rstrip("/") + "/credentials/status"
        return "https://status.invalid/" + self.did.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Award:
    """One learner's micro-credential: what the signed ELM and OB3 credentials are made from."""

    spec: MicroCredentialSpec
    learner: Learner
    issuer: IssuerProfile
    record_id: str  # stable id of this award, e.g. "<spec id>/learners/<learner_id>"
    elm_id: str  # urn:uuid:… of the ELM credential
    ob3_id: str  # urn:uuid:… of the OB3 credential
    issued: datetime  # Annex I element 5, timezone-aware UTC: the signing time (validFrom)
    valid_until: datetime | None = None
    awarded: date | None = None  # the batch's award date (e.g. the end of the course)

    @property
    def award_date(self) -> date | datetime:
        """When the award was made: the learner's own date, the batch's, or the issue time.

        Separate from ``issued`` so that a credential signed today can state an award made
        on the day the course ended, without back-dating its signature.
        """
        return self.learner.awarded_date or self.awarded or self.issued
