"""Where each mandatory Annex I element lives in an ELM and an OB3 credential.

The paths follow docs/annex-i-mapping.md; a credential lacking one is not a complete
EU micro-credential, whatever its signature says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from microcred.verifier.inputs import as_list

Predicate = Callable[[Mapping[str, Any]], bool]


def _get(node: object, *path: str) -> list[Any]:
    """All values at ``path``, following lists at every level."""
    values: list[Any] = [node]
    for key in path:
        values = [
            item.get(key)
            for value in values
            for item in as_list(value)
            if isinstance(item, Mapping) and item.get(key) not in (None, "", [], {})
        ]
    return [v for value in values for v in as_list(value)]


def _has(*path: str) -> Predicate:
    return lambda document: bool(_get(document, *path))


def _any(*predicates: Predicate) -> Predicate:
    return lambda document: any(p(document) for p in predicates)


_CLAIM = ("credentialSubject", "hasClaim")
_SPEC = (*_CLAIM, "specifiedBy")

ELM_ELEMENTS: Mapping[str, Predicate] = {
    "learner identification": _any(
        _has("credentialSubject", "fullName"),
        _has("credentialSubject", "familyName"),
        _has("credentialSubject", "nationalID"),
        _has("credentialSubject", "identifier"),
    ),
    "title": _has(*_CLAIM, "title"),
    "country of the issuer": _has("issuer", "location", "address", "countryCode"),
    "awarding body": _has(*_CLAIM, "awardedBy", "awardingBody", "legalName"),
    "date of issue": _any(_has("issued"), _has("issuanceDate")),
    "learning outcomes": _has(*_SPEC, "learningOutcome", "title"),
    "notional workload": _any(
        _has(*_SPEC, "creditPoint", "point"), _has(*_SPEC, "volumeOfLearning")
    ),
    "level": _any(_has(*_SPEC, "eqfLevel"), _has(*_SPEC, "nqfLevel")),
    "type of assessment": _has(*_CLAIM, "provenBy", "specifiedBy", "dcType"),
    "form of participation": _has(*_SPEC, "mode"),
    "type of quality assurance": _any(
        _has(*_SPEC, "accreditation", "dcType"),
        _has(*_CLAIM, "awardedBy", "awardingBody", "accreditation", "dcType"),
    ),
}

_ACHIEVEMENT = ("credentialSubject", "achievement")


def _aligned(target_type: str) -> Predicate:
    def predicate(document: Mapping[str, Any]) -> bool:
        alignments = _get(document, *_ACHIEVEMENT, "alignment")
        return any(
            isinstance(a, Mapping) and a.get("targetType") == target_type and a.get("targetUrl")
            for a in alignments
        )

    return predicate


def _narrative_section(heading: str) -> Predicate:
    def predicate(document: Mapping[str, Any]) -> bool:
        narratives = _get(document, *_ACHIEVEMENT, "criteria", "narrative")
        return any(isinstance(n, str) and f"## {heading}" in n for n in narratives)

    return predicate


OB3_ELEMENTS: Mapping[str, Predicate] = {
    "learner identification": _any(
        _has("credentialSubject", "id"), _has("credentialSubject", "identifier", "identityHash")
    ),
    "title": _has(*_ACHIEVEMENT, "name"),
    "country of the issuer": _has("issuer", "address", "addressCountryCode"),
    "awarding body": _has(*_ACHIEVEMENT, "creator", "name"),
    "date of issue": _any(_has("awardedDate"), _has("validFrom")),
    "learning outcomes": _narrative_section("Learning outcomes"),
    "notional workload": _has(*_ACHIEVEMENT, "creditsAvailable"),
    "level": _aligned("ext:EQFLevel"),
    "type of assessment": _aligned("ext:AssessmentType"),
    "form of participation": _aligned("ext:FormOfParticipation"),
    "type of quality assurance": _any(
        _aligned("ext:QualityAssurance"), _narrative_section("Quality assurance")
    ),
}


def missing_annex_i_elements(document: Mapping[str, Any], credential_format: str) -> list[str]:
    """Names of the mandatory Annex I elements the credential lacks (empty when complete)."""
    elements = ELM_ELEMENTS if credential_format == "elm" else OB3_ELEMENTS
    return [name for name, present in elements.items() if not present(document)]


def declares_micro_credential(document: Mapping[str, Any]) -> bool:
    """An OB3 credential opts in to the Annex I check with achievementType MicroCredential."""
    return "MicroCredential" in _get(document, *_ACHIEVEMENT, "achievementType")


def eqf_level(document: Mapping[str, Any], credential_format: str) -> int | None:
    """The EQF level a credential states (ELM concept URI, or the OB3 EQF alignment)."""
    if credential_format == "elm":
        values = [c.get("id") for c in _get(document, *_SPEC, "eqfLevel") if isinstance(c, Mapping)]
        codes = [v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)]
    else:
        alignments = _get(document, *_ACHIEVEMENT, "alignment")
        codes = [
            str(a.get("targetCode"))
            for a in alignments
            if isinstance(a, Mapping) and a.get("targetType") == "ext:EQFLevel"
        ]
    levels = [int(code) for code in codes if code.isdigit()]
    return levels[0] if len(levels) == 1 else None
