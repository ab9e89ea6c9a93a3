"""The ELM 3 mapper: one Award -> one European Digital Credential (generic profile) as JSON-LD.

The document follows the official EDC micro-credential sample (ELM 3.2, ``edc-generic-full``
shapes) and is ready for a Data Integrity proof. Annex I elements that ELM has no property for
are written as ``additionalNote`` entries whose ``subject`` names the element; the conventions
are listed in docs/annex-i-mapping.md. The function is pure: no clock, no randomness, no I/O.
"""

from __future__ import annotations

from typing import Any

from microcred.contexts import CREDENTIALS_V1, DATA_INTEGRITY_V2, EDC_AP
from microcred.elm_models import _elm_nodes as n
from microcred.elm_models._elm_nodes import Node
from microcred.elm_models.record import (
    Accreditation,
    Award,
    Learner,
    LearningOutcome,
    MicroCredentialSpec,
    Stackability,
    Supervision,
)
from microcred.elm_models.vocabularies import (
    ACCREDITATION_TYPES,
    ASSESSMENT_TYPES,
    ECTS,
    EQF_LEVELS,
    GENERIC_PROFILE,
    ISCED_F_SCHEME,
    PARTICIPATION_MODES,
    QF_EHEA_CYCLES,
    SHORT_LEARNING_PROGRAMME,
    SNB,
    SUPERVISION_TYPES,
    Concept,
)
from microcred.errors import FieldProblem, RecordError

__all__ = ["EDC_GENERIC_FULL", "ELM_CONTEXT", "award_to_elm"]

#: VC 1.1 first (it carries the protected, type-scoped VerifiableCredential terms EDC relies on),
#: then the EDC application profile, then Data Integrity v2 so ``proof``/``DataIntegrityProof``
#: expand. DI v2 redefines the protected ``proof`` term identically to VC 1.1, which JSON-LD 1.1
#: allows; pyld expands this order without a protected-term error (tested in test_elm_mapper).
ELM_CONTEXT: tuple[str, ...] = (CREDENTIALS_V1, EDC_AP, DATA_INTEGRITY_V2)

#: The shapes a verifier runs for this credential (the owl:Ontology IRI of EDC-generic-full.ttl).
EDC_GENERIC_FULL = "http://data.europa.eu/snb/model/ap/edc-generic-full"


def award_to_elm(award: Award) -> dict[str, Any]:
    """The unsigned ELM 3 credential of one award; RecordError if a code has no ELM concept."""
    try:
        return _credential(award)
    except n.UnknownCode as exc:
        raise RecordError([FieldProblem(award.spec.source, exc.field, str(exc))]) from exc


def _credential(award: Award) -> dict[str, Any]:
    issued = n.date_time(award.issued)
    document: dict[str, Any] = {
        "@context": list(ELM_CONTEXT),
        "id": award.elm_id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": [n.concept(GENERIC_PROFILE)],
        "credentialSchema": [{"id": EDC_GENERIC_FULL, "type": "ShaclValidator2017"}],
        "identifier": [n.identifier(award.elm_id, award.record_id, "microcred record")],
        "issuer": _issuer(award),
        "issued": issued,
        "issuanceDate": issued,
        "validFrom": issued,
        "credentialSubject": _person(award),
        "displayParameter": n.display_parameter(
            award.elm_id, award.spec.title, award.spec.description, _primary_language(award.spec)
        ),
    }
    if award.valid_until is not None:
        document["validUntil"] = document["expirationDate"] = n.date_time(award.valid_until)
    return document


# --- issuer and learner --------------------------------------------------------------------


def _issuer(award: Award) -> Node:
    issuer, spec = award.issuer, award.spec
    region = spec.region if spec.country.upper() == issuer.country.upper() else None
    locations = [n.location(f"issuer/{issuer.did}", issuer.country, region)]
    if spec.country.upper() != issuer.country.upper():
        # Annex I element 3 is the provider's country; keep it when a sealing issuer differs.
        locations.append(n.location(f"spec/{spec.id}", spec.country, spec.region))
    node: Node = {
        "id": issuer.did,
        "type": "Organisation",
        "legalName": n.lang_map(issuer.name),
        "location": locations,
        "eIDASIdentifier": n.legal_identifier(
            f"issuer/{issuer.did}", issuer.legal_identifier, issuer.country
        ),
    }
    if issuer.homepage:
        node["homepage"] = n.web_resource(issuer.homepage)
    if issuer.email:
        node["contactPoint"] = [n.contact_point(f"issuer/{issuer.did}", issuer.email)]
    return node


def _person(award: Award) -> Node:
    learner, key = award.learner, award.elm_id
    name_language = _primary_language(award.spec)
    node: Node = {
        # The learner's wallet DID when the CSV gives one, so a holder can prove control of it.
        "id": learner.did or n.node_id("person", key),
        "type": "Person",
        # ELM names are language-tagged; records are not, so they take the display language.
        "fullName": {name_language: learner.full_name},
        "givenName": {name_language: learner.given_name},
        "familyName": {name_language: learner.family_name},
        "identifier": [n.identifier(f"learner/{key}", learner.learner_id, "Student number")],
        "hasClaim": [_achievement(award)],
    }
    if learner.date_of_birth is not None:
        node["dateOfBirth"] = n.date_time(learner.date_of_birth)
    if learner.national_id:
        node["nationalID"] = _national_id(award.spec, learner, key)
    if learner.email:
        node["contactPoint"] = [n.contact_point(f"learner/{key}", learner.email)]
    return node


def _national_id(spec: MicroCredentialSpec, learner: Learner, key: str) -> Node:
    # LegalIdentifier.spatial is mandatory; an ID without a country is the issuing country's.
    country = learner.national_id_country or spec.country
    return n.legal_identifier(f"learner/{key}", learner.national_id or "", country)


# --- the claim ---------------------------------------------------------------------------


def _achievement(award: Award) -> Node:
    spec = award.spec
    return {
        "id": n.node_id("learningAchievement", award.elm_id),
        "type": "LearningAchievement",
        "title": n.lang_map(spec.title),
        "awardedBy": _awarding_process(award),
        "specifiedBy": _qualification(spec),
        "provenBy": [_assessment(award)],
    }


def _awarding_process(award: Award) -> Node:
    return {
        "id": n.node_id("awardingProcess", award.elm_id),
        "type": "AwardingProcess",
        "awardingBody": [n.organisation(body) for body in award.spec.awarding_bodies],
        "awardingDate": n.date_time(award.award_date),
    }


def _qualification(spec: MicroCredentialSpec) -> Node:
    """``Qualification`` rather than a plain specification: only it may carry an EQF level."""
    node: Node = {
        "id": spec.id if n.is_absolute_iri(spec.id) else n.node_id("qualification", spec.id),
        "type": "Qualification",
        "identifier": [n.identifier(f"spec/{spec.id}", spec.id, "microcred specification")],
        "title": n.lang_map(spec.title),
        "description": n.lang_map(spec.description),
        "dcType": [n.concept(SHORT_LEARNING_PROGRAMME)],
        "language": [n.concept(n.language_concept(code)) for code in spec.languages],
        "learningOutcome": [_outcome(spec, i, lo) for i, lo in enumerate(spec.learning_outcomes)],
        "creditPoint": [_ects(spec)],
        "eqfLevel": n.concept(_eqf(spec)),
        "mode": [n.concept(_participation(spec))],
    }
    node.update(_optional_qualification_fields(spec))
    notes = _qualification_notes(spec)
    if notes:
        node["additionalNote"] = notes
    return node


def _optional_qualification_fields(spec: MicroCredentialSpec) -> Node:
    fields: Node = {}
    hours = _total_hours(spec)
    if hours is not None:
        fields["volumeOfLearning"] = f"PT{hours}H"
    nqf = _nqf_concept(spec)
    if nqf is not None:
        fields["nqfLevel"] = [n.concept(nqf)]
    if spec.isced_f:
        isced = Concept(f"{SNB}/isced-f/{spec.isced_f}", ISCED_F_SCHEME, f"ISCED-F {spec.isced_f}")
        fields["thematicArea"] = [n.concept(isced)]
    if spec.quality_assurance.external:
        fields["accreditation"] = [_accreditation(spec, a) for a in spec.quality_assurance.external]
    if spec.prerequisites:
        fields["entryRequirement"] = n.note(f"{spec.id}/prerequisites", spec.prerequisites)
    if spec.stackability is not None:
        fields["isPartialQualification"] = spec.stackability.mode is Stackability.STACKABLE
    if spec.homepage:
        fields["homepage"] = [n.web_resource(spec.homepage)]
    return fields


def _qualification_notes(spec: MicroCredentialSpec) -> list[Node]:
    key, notes = spec.id, []
    if spec.level.nqf is not None and _nqf_concept(spec) is None:
        notes.append(n.note(f"{key}/nqf", n.english(_nqf_text(spec)), n.SUBJECT_NQF))
    if spec.level.qf_ehea_cycle is not None:
        cycle = QF_EHEA_CYCLES[spec.level.qf_ehea_cycle.value]
        notes.append(n.note(f"{key}/qf-ehea", n.english(f"QF-EHEA: {cycle}"), n.SUBJECT_QF_EHEA))
    if spec.workload.breakdown or spec.workload.hours_per_ects:
        notes.append(n.note(f"{key}/workload", n.english(_workload_text(spec)), n.SUBJECT_WORKLOAD))
    if spec.quality_assurance.internal:
        internal = spec.quality_assurance.internal
        notes.append(n.note(f"{key}/internal-qa", internal, n.SUBJECT_INTERNAL_QA))
    if spec.stackability is not None:
        text = spec.stackability.description or n.english(spec.stackability.mode.value)
        notes.append(n.note(f"{key}/stackability", text, n.SUBJECT_STACKABILITY))
    if spec.further_information:
        info = spec.further_information
        notes.append(n.note(f"{key}/further-information", info, n.SUBJECT_MORE_INFO))
    return notes


def _outcome(spec: MicroCredentialSpec, index: int, outcome: LearningOutcome) -> Node:
    key = f"{spec.id}/{index}"
    label = n.OUTCOME_CATEGORY_LABELS[outcome.category]
    node: Node = {
        "id": n.node_id("learningOutcome", key),
        "type": "LearningOutcome",
        "title": n.lang_map(outcome.text),
        "additionalNote": [n.note(f"{key}/category", n.english(label), n.SUBJECT_OUTCOME_CATEGORY)],
    }
    skill_type = n.SKILL_TYPES.get(outcome.category)
    if skill_type is not None:
        node["dcType"] = n.concept(skill_type)
    return node


def _ects(spec: MicroCredentialSpec) -> Node:
    return {
        "id": n.node_id("creditPoint", spec.id),
        "type": "CreditPoint",
        "framework": n.concept(ECTS),
        "point": f"{spec.workload.ects:g}",  # ELM types the point as a string
    }


def _accreditation(spec: MicroCredentialSpec, accreditation: Accreditation) -> Node:
    kind = ACCREDITATION_TYPES.get(accreditation.type)
    if kind is None:
        raise n.UnknownCode(
            "quality_assurance.external.type",
            f"unknown accreditation type {accreditation.type!r}; "
            f"known: {', '.join(ACCREDITATION_TYPES)}",
        )
    node: Node = {
        "id": n.node_id("accreditation", spec.id, accreditation.agency.id, accreditation.type),
        "type": "Accreditation",
        "dcType": n.concept(kind),
        "title": n.lang_map(accreditation.title),
        "accreditingAgent": n.organisation(accreditation.agency),
    }
    if accreditation.decision_date is not None:
        node["dateIssued"] = n.date_time(accreditation.decision_date)
    if accreditation.expiry_date is not None:
        node["expiryDate"] = n.date_time(accreditation.expiry_date)
    if accreditation.homepage:
        node["homepage"] = [n.web_resource(accreditation.homepage)]
    return node


# --- assessment --------------------------------------------------------------------------


def _assessment(award: Award) -> Node:
    spec, learner = award.spec, award.learner
    node: Node = {
        "id": n.node_id("learningAssessment", award.elm_id),
        "type": "LearningAssessment",
        "title": n.english(_assessment_title(spec)),
        # The grade is mandatory once an assessment is stated; an award without one was passed.
        "grade": n.note(f"{award.elm_id}/grade", n.english(learner.grade or "Pass")),
        "awardedBy": _awarding_process(award),
        "specifiedBy": _assessment_spec(spec),
    }
    if learner.completion_date is not None:
        node["dateIssued"] = n.date_time(learner.completion_date)
    if spec.supervision is not None:
        node.update(_supervision(spec, spec.supervision))
    return node


def _assessment_spec(spec: MicroCredentialSpec) -> Node:
    types = _assessment_types(spec)
    node: Node = {
        "id": n.node_id("learningAssessmentSpec", spec.id),
        "type": "LearningAssessmentSpecification",
        "title": n.english(_assessment_title(spec)),
        "description": n.lang_map(spec.assessment.description),
        # dcType is 0..1 in ELM: the first listed type is the primary one; the title lists all.
        "mode": [n.concept(_participation(spec))],
        "language": [n.concept(n.language_concept(code)) for code in spec.languages],
    }
    if types:
        node["dcType"] = n.concept(types[0])
    if spec.grading_scheme:
        node["gradingScheme"] = {
            "id": n.node_id("gradingScheme", spec.id),
            "type": "GradingScheme",
            "title": n.english("Grading scheme"),
            "description": n.lang_map(spec.grading_scheme),
        }
    return node


def _assessment_types(spec: MicroCredentialSpec) -> list[Concept]:
    unknown = [code for code in spec.assessment.types if code not in ASSESSMENT_TYPES]
    if unknown:
        raise n.UnknownCode(
            "assessment.types",
            f"unknown assessment type(s) {', '.join(unknown)}; "
            f"known: {', '.join(ASSESSMENT_TYPES)}",
        )
    return [ASSESSMENT_TYPES[code] for code in spec.assessment.types]


def _assessment_title(spec: MicroCredentialSpec) -> str:
    labels = [concept.label for concept in _assessment_types(spec)]
    return f"Assessment: {', '.join(labels)}" if labels else "Assessment"


def _supervision(spec: MicroCredentialSpec, supervision: Supervision) -> Node:
    known = SUPERVISION_TYPES.get(supervision.value)
    if known is not None:
        return {"idVerification": n.concept(known)}
    # Only one supervision concept is confirmed in the EDC list; the others are stated as text.
    text = n.english(n.SUPERVISION_LABELS[supervision])
    return {"additionalNote": [n.note(f"{spec.id}/supervision", text, n.SUBJECT_SUPERVISION)]}


# --- small derivations -------------------------------------------------------------------


def _primary_language(spec: MicroCredentialSpec) -> str:
    """The first language of instruction if the title has it, else the title's first language."""
    for code in spec.languages:
        if code in spec.title:
            return code
    return next(iter(spec.title))


def _eqf(spec: MicroCredentialSpec) -> Concept:
    level = EQF_LEVELS.get(spec.level.eqf)
    if level is None:
        raise n.UnknownCode("level.eqf", f"EQF level must be 1..8, got {spec.level.eqf}")
    return level


def _participation(spec: MicroCredentialSpec) -> Concept:
    return PARTICIPATION_MODES[spec.participation.value]


def _nqf_concept(spec: MicroCredentialSpec) -> Concept | None:
    if spec.level.nqf is None:
        return None
    return n.QDR_NQF_LEVELS.get((spec.country.upper(), spec.level.nqf))


def _nqf_text(spec: MicroCredentialSpec) -> str:
    return f"{spec.country.upper()} national qualifications framework level {spec.level.nqf}"


def _total_hours(spec: MicroCredentialSpec) -> int | None:
    workload = spec.workload
    if workload.hours is not None:
        return workload.hours
    if workload.hours_per_ects is not None:
        return round(workload.ects * workload.hours_per_ects)
    return None


def _workload_text(spec: MicroCredentialSpec) -> str:
    workload = spec.workload
    parts = [f"{workload.ects:g} ECTS"]
    if workload.hours_per_ects:
        parts.append(f"1 ECTS = {workload.hours_per_ects} h")
    parts += [f"{activity}: {hours} h" for activity, hours in workload.breakdown.items()]
    return "; ".join(parts)
