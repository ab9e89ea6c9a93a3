"""Controlled vocabularies: the codes a spec file uses, and the EU concepts they stand for.

Concept and scheme URIs come from the ELM/EDC vocabularies (shared/elm/vocab-xsd and the
official samples, see docs/annex-i-mapping.md). Codes are the short, stable names a registrar
types in a YAML file; everything else is derived from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Concept:
    uri: str
    scheme: str
    label: str  # English preferred label
    notation: str | None = None


SNB = "http://data.europa.eu/snb"
AUTHORITY = "http://publications.europa.eu/resource/authority"

EQF_SCHEME = f"{SNB}/eqf/25831c2"
MODE_SCHEME = f"{SNB}/learning-assessment/25831c2"  # sic: ELM files "mode" under this scheme
ASSESSMENT_SCHEME = f"{SNB}/assessment/25831c2"
SUPERVISION_SCHEME = f"{SNB}/supervision-verification/25831c2"
CREDIT_SCHEME = f"{SNB}/education-credit/25831c2"
ACCREDITATION_SCHEME = f"{SNB}/accreditation/25831c2"
LEARNING_SETTING_SCHEME = f"{SNB}/learning-setting/25831c2"
LEARNING_OPPORTUNITY_SCHEME = f"{SNB}/learning-opportunity/25831c2"
ISCED_F_SCHEME = f"{SNB}/isced-f/25831c2"
CREDENTIAL_PROFILE_SCHEME = f"{SNB}/credential/25831c2"
COUNTRY_SCHEME = f"{AUTHORITY}/country"
LANGUAGE_SCHEME = f"{AUTHORITY}/language"


def _concepts(scheme: str, base: str, items: dict[str, tuple[str, str]]) -> Mapping[str, Concept]:
    return MappingProxyType(
        {
            code: Concept(f"{base}/{suffix}", scheme, label)
            for code, (suffix, label) in items.items()
        }
    )


EQF_LEVELS: Mapping[int, Concept] = MappingProxyType(
    {n: Concept(f"{SNB}/eqf/{n}", EQF_SCHEME, f"Level {n}") for n in range(1, 9)}
)

PARTICIPATION_MODES = _concepts(
    MODE_SCHEME,
    f"{SNB}/learning-assessment",
    {
        "online": ("920fbb3cbe", "Online"),
        "onsite": ("9191af2ed9", "Presential"),
        "blended": ("e92d221e4d", "Blended"),
    },
)

ASSESSMENT_TYPES = _concepts(
    ASSESSMENT_SCHEME,
    f"{SNB}/assessment",
    {
        "written-exam": ("6e6cb2cc78", "Written exam"),
        "oral-exam": ("d30284d7df", "Oral exam"),
        "artefact-assessment": ("de4d165a6c", "Artefact assessment"),
        "portfolio": ("4f03b91c0e", "Portfolio"),
        "practical": ("6a4db9f11d", "Practical assessment"),
        "project-work": ("795dac4096", "Project work"),
        "quiz": ("b1b68f6735", "Quiz"),
        "continuous-evaluation": ("3484bd7e51", "Continuous evaluation"),
    },
)

SUPERVISION_TYPES = _concepts(
    SUPERVISION_SCHEME,
    f"{SNB}/supervision-verification",
    {
        "unsupervised-no-id": ("c598449d64", "Unsupervised without ID Verification"),
    },
)
"""Only the concept confirmed in official samples; other Annex I values are stated as text."""

ECTS = Concept(
    f"{SNB}/education-credit/6fcec5c5af", CREDIT_SCHEME, "European Credit Transfer System"
)

ACCREDITATION_TYPES = _concepts(
    ACCREDITATION_SCHEME,
    f"{SNB}/accreditation",
    {
        "institutional-qa": ("bb4618238e", "Institutional quality assurance"),
        "programme-qa": ("820101cba6", "Programme quality assurance"),
        "institutional-licence": ("003293d2ce", "Institutional licence"),
        "programme-licence": ("e57dddfcf3", "Programme licence"),
    },
)

LEARNING_SETTINGS = _concepts(
    LEARNING_SETTING_SCHEME,
    f"{SNB}/learning-setting",
    {
        "formal": ("6fd4685715", "formal learning"),
        "non-formal": ("e207a81fc7", "non-formal learning"),
    },
)

SHORT_LEARNING_PROGRAMME = Concept(
    f"{SNB}/learning-opportunity/74a4a268e8",
    LEARNING_OPPORTUNITY_SCHEME,
    "Short learning programme",
)
GENERIC_PROFILE = Concept(f"{SNB}/credential/e34929035b", CREDENTIAL_PROFILE_SCHEME, "Generic")

QF_EHEA_CYCLES: Mapping[str, str] = MappingProxyType(
    {
        "short": "Short cycle",
        "first": "First cycle",
        "second": "Second cycle",
        "third": "Third cycle",
    }
)
