"""Annex I controlled values of a micro-credential as OB3 ``Alignment`` objects.

Each alignment carries an ``ext:`` targetType naming the Annex I element (the OB3 enumeration
has nothing for levels, assessment types and the like), the concept URI as targetUrl and our
code as targetCode, so a consumer can find every element without parsing prose.
"""

from __future__ import annotations

from typing import Any

from microcred.elm_models import vocabularies as vocab
from microcred.elm_models._ob3_text import (
    SUPERVISION_WORDING,
    accreditation_line,
    primary_language,
)
from microcred.elm_models.record import Accreditation, MicroCredentialSpec

TARGET_EQF = "ext:EQFLevel"
TARGET_NQF = "ext:NQFLevel"
TARGET_QF_EHEA = "ext:QFEHEACycle"
TARGET_CREDIT_SYSTEM = "ext:CreditSystem"
TARGET_ASSESSMENT = "ext:AssessmentType"
TARGET_PARTICIPATION = "ext:FormOfParticipation"
TARGET_SUPERVISION = "ext:SupervisionAndIdVerification"
TARGET_QUALITY_ASSURANCE = "ext:QualityAssurance"
TARGET_FIELD = "ext:ISCEDF"

# No EU concept exists per national level (Georgia is absent from the QDR lists) nor per
# QF-EHEA cycle, so these alignments point at the framework and carry the level in targetCode.
_NQF_SCHEME = "http://data.europa.eu/snb/qdr/25831c2"
_QF_EHEA_PAGE = "https://ehea.info/page-qualification-frameworks"


def alignments(spec: MicroCredentialSpec) -> list[dict[str, Any]]:
    return [
        *_level_alignments(spec),
        _concept_alignment(vocab.ECTS, TARGET_CREDIT_SYSTEM, "ELM education credit system"),
        *(
            _concept_alignment(
                vocab.ASSESSMENT_TYPES[code],
                TARGET_ASSESSMENT,
                "ELM assessment type",
                code,
            )
            for code in spec.assessment.types
        ),
        _concept_alignment(
            vocab.PARTICIPATION_MODES[spec.participation.value],
            TARGET_PARTICIPATION,
            "ELM learning mode",
            spec.participation.value,
        ),
        *_supervision_alignments(spec),
        *(_accreditation_alignment(acc) for acc in spec.quality_assurance.external),
        *_field_alignments(spec),
    ]


def _level_alignments(spec: MicroCredentialSpec) -> list[dict[str, Any]]:
    level = spec.level
    eqf = vocab.EQF_LEVELS[level.eqf]
    alignments = [
        _alignment(
            f"EQF level {level.eqf}",
            eqf.uri,
            TARGET_EQF,
            "European Qualifications Framework",
            str(level.eqf),
        )
    ]
    if level.nqf is not None:
        alignments.append(
            _alignment(
                f"NQF level {level.nqf} ({spec.country})",
                _NQF_SCHEME,
                TARGET_NQF,
                f"National Qualifications Framework of {spec.country}",
                str(level.nqf),
            )
        )
    if level.qf_ehea_cycle is not None:
        cycle = level.qf_ehea_cycle.value
        alignments.append(
            _alignment(
                f"QF-EHEA {vocab.QF_EHEA_CYCLES[cycle].lower()}",
                _QF_EHEA_PAGE,
                TARGET_QF_EHEA,
                "Qualifications Framework of the European Higher Education Area",
                cycle,
            )
        )
    return alignments


def _supervision_alignments(spec: MicroCredentialSpec) -> list[dict[str, Any]]:
    if spec.supervision is None:
        return []
    code = spec.supervision.value
    concept = vocab.SUPERVISION_TYPES.get(code)
    framework = "ELM supervision and verification"
    if concept is not None:
        return [_concept_alignment(concept, TARGET_SUPERVISION, framework, code)]
    # Only one concept of this list is confirmed; the others point at the scheme.
    wording = SUPERVISION_WORDING[code]
    return [_alignment(wording, vocab.SUPERVISION_SCHEME, TARGET_SUPERVISION, framework, code)]


def _accreditation_alignment(acc: Accreditation) -> dict[str, Any]:
    concept = vocab.ACCREDITATION_TYPES[acc.type]
    alignment = _concept_alignment(concept, TARGET_QUALITY_ASSURANCE, "ELM accreditation type")
    alignment["targetCode"] = acc.type
    alignment["targetDescription"] = accreditation_line(acc, primary_language(acc.title))
    return alignment


def _field_alignments(spec: MicroCredentialSpec) -> list[dict[str, Any]]:
    if not spec.isced_f:
        return []
    uri = f"{vocab.SNB}/isced-f/{spec.isced_f}"
    return [_alignment(f"ISCED-F {spec.isced_f}", uri, TARGET_FIELD, "ISCED-F 2013", spec.isced_f)]


def _concept_alignment(
    concept: vocab.Concept, target_type: str, framework: str, code: str | None = None
) -> dict[str, Any]:
    return _alignment(concept.label, concept.uri, target_type, framework, code)


def _alignment(
    name: str, url: str, target_type: str, framework: str, code: str | None = None
) -> dict[str, Any]:
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": url,
        "targetType": target_type,
        "targetFramework": framework,
    }
    if code is not None:
        alignment["targetCode"] = code
    return alignment
