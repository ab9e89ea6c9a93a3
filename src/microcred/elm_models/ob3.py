"""Award -> unsigned Open Badges 3.0 AchievementCredential (VC Data Model 2.0, OB context 3.0.3).

Where each Annex I element lands, and why: docs/annex-i-mapping.md (its Open Badges 3.0 part).
The short version: what OB 3.0 has a property for goes there; controlled values (levels, assessment
type, form of participation, supervision, quality assurance, credit system) become ``alignment``
entries with an ``ext:`` targetType per Annex I element; everything else is a fixed ``## heading``
of ``criteria.narrative``. The primary language (English if present) fills the string-only OB3
fields; other languages follow as Markdown sections, because the OB3 schema allows no language maps.

The mapper is pure: the same Award always gives the same dict (no clock, no randomness).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from typing import Any

from microcred.contexts import CREDENTIALS_V2, OB_V3P0, OB_V3P0_EXTENSIONS
from microcred.elm_models import vocabularies as vocab
from microcred.elm_models._ob3_alignments import alignments
from microcred.elm_models._ob3_text import (
    criteria_narrative,
    multilingual_description,
    primary_language,
    text_in,
)
from microcred.elm_models.record import (
    Award,
    IssuerProfile,
    MicroCredentialSpec,
    Multilingual,
    Organisation,
)
from microcred.errors import FieldProblem, RecordError

__all__ = ["OB3_CONTEXT", "OB3_SCHEMA_ID", "award_to_ob3", "primary_language"]

#: The extensions context is needed for the ``1EdTechJsonSchemaValidator2019`` type.
OB3_CONTEXT: tuple[str, ...] = (CREDENTIALS_V2, OB_V3P0, OB_V3P0_EXTENSIONS)
OB3_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def award_to_ob3(award: Award) -> dict[str, Any]:
    """The unsigned AchievementCredential for one learner's award (no proof, no status)."""
    spec = award.spec
    _check_codes(spec)
    lang = primary_language(spec.title)
    document: dict[str, Any] = {
        "@context": list(OB3_CONTEXT),
        "id": award.ob3_id,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": text_in(spec.title, lang),
        "description": text_in(spec.description, lang),
        "issuer": _issuer_profile(award.issuer, spec),
        "validFrom": _datetime_z(award, "issued", award.issued),
        "awardedDate": _award_date_z(award),
        "credentialSubject": _achievement_subject(award, lang),
        "evidence": [_provenance_evidence(award)],
        "credentialSchema": [{"id": OB3_SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if award.valid_until is not None:
        document["validUntil"] = _datetime_z(award, "valid_until", award.valid_until)
    return document


def _check_codes(spec: MicroCredentialSpec) -> None:
    """Every code must name a known concept; checked up front so no lookup below can fail."""
    unknown = [
        ("level.eqf", spec.level.eqf, spec.level.eqf not in vocab.EQF_LEVELS),
        *(
            ("assessment.types", code, code not in vocab.ASSESSMENT_TYPES)
            for code in spec.assessment.types
        ),
        *(
            ("quality_assurance.external.type", acc.type, acc.type not in vocab.ACCREDITATION_TYPES)
            for acc in spec.quality_assurance.external
        ),
    ]
    problems = [
        FieldProblem(spec.source, field, f"no known concept for {value!r}")
        for field, value, is_unknown in unknown
        if is_unknown
    ]
    if problems:
        raise RecordError(problems)


# --- profiles -------------------------------------------------------------------------------


def _issuer_profile(issuer: IssuerProfile, spec: MicroCredentialSpec) -> dict[str, Any]:
    # Annex I "country/region of the issuer": the region is the provider's (spec), so it is only
    # stated when the signing organisation sits in that same country.
    region = spec.region if spec.country == issuer.country else None
    profile = _profile(issuer.did, issuer.name, issuer.homepage, issuer.email)
    profile["address"] = _address(issuer.country, region)
    if issuer.legal_identifier:
        profile["otherIdentifier"] = [_legal_identifier(issuer.legal_identifier)]
    return profile


def _organisation_profile(org: Organisation) -> dict[str, Any]:
    profile = _profile(org.id, org.legal_name, org.homepage, org.email)
    profile["address"] = _address(org.country, org.region)
    if org.legal_identifier:
        profile["otherIdentifier"] = [_legal_identifier(org.legal_identifier)]
    return profile


def _profile(
    profile_id: str, name: Multilingual, url: str | None, email: str | None
) -> dict[str, Any]:
    lang = primary_language(name)
    profile: dict[str, Any] = {"id": profile_id, "type": ["Profile"], "name": text_in(name, lang)}
    other_names = [f"{text} ({code})" for code, text in name.items() if code != lang]
    if other_names:
        profile["description"] = "Also named: " + "; ".join(other_names)
    if url:
        profile["url"] = url
    if email:
        profile["email"] = email
    return profile


def _address(country: str, region: str | None) -> dict[str, Any]:
    address: dict[str, Any] = {"type": ["Address"], "addressCountryCode": country}
    if region:
        address["addressRegion"] = region
    return address


def _legal_identifier(value: str) -> dict[str, str]:
    return {"type": "IdentifierEntry", "identifier": value, "identifierType": "ext:legalIdentifier"}


# --- subject --------------------------------------------------------------------------------


def _achievement_subject(award: Award, lang: str) -> dict[str, Any]:
    learner = award.learner
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if learner.did:
        # OB 3.0 §8.2.4.1: a VC-JWT's ``sub`` is the credentialSubject's id (the holder's DID).
        subject["id"] = learner.did
    subject |= {
        "identifier": _learner_identifiers(award),
        "achievement": _achievement(award, lang),
        "creditsEarned": float(award.spec.workload.ects),
    }
    if learner.completion_date is not None:
        subject["activityEndDate"] = _date_as_datetime_z(learner.completion_date)
    if learner.grade:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": _grade_description_id(award.spec),
                "value": learner.grade,
            }
        ]
    return subject


def _learner_identifiers(award: Award) -> list[dict[str, Any]]:
    # A learner may have a wallet DID (the subject id); the identifiers work without one. Name and
    # student number are stated in clear (Annex I asks for the learner to be identifiable); the
    # e-mail is hashed so that anyone who already knows it can confirm it, without the badge
    # publishing it. Date of birth and national id are left to the ELM credential: a badge is
    # made to be shared widely, and those values are too low-entropy for a hash with a
    # published salt to protect them.
    learner = award.learner
    identifiers = [
        _plain_identity("name", learner.full_name),
        _plain_identity("sisSourcedId", learner.learner_id),
    ]
    if learner.email:
        identifiers.append(_hashed_identity("emailAddress", learner.email.strip().lower(), award))
    return identifiers


def _plain_identity(identity_type: str, value: str) -> dict[str, Any]:
    return {
        "type": "IdentityObject",
        "identityHash": value,
        "identityType": identity_type,
        "hashed": False,
    }


def _hashed_identity(identity_type: str, value: str, award: Award) -> dict[str, Any]:
    salt = _identity_salt(award)
    digest = hashlib.sha256((value + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": identity_type,
        "hashed": True,
        "salt": salt,
    }


def _identity_salt(award: Award) -> str:
    # Derived from the credential id rather than drawn at random: the mapper stays pure (a re-run
    # gives the same bytes), and ob3_id is unique per award, so one e-mail hashes differently in
    # every credential and cannot be used to link a learner's badges. The salt is published
    # next to the hash anyway, so it need not be secret.
    seed = f"microcred/ob3/identity-salt/{award.ob3_id}".encode()
    return hashlib.sha256(seed).hexdigest()[:32]


# --- achievement ----------------------------------------------------------------------------


def _achievement(award: Award, lang: str) -> dict[str, Any]:
    spec = award.spec
    achievement: dict[str, Any] = {
        "id": spec.id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": text_in(spec.title, lang),
        "description": multilingual_description(spec, lang),
        "criteria": {"narrative": criteria_narrative(spec, lang)},
        "creditsAvailable": float(spec.workload.ects),
        "alignment": alignments(spec),
        "inLanguage": lang,
        "creator": _organisation_profile(spec.awarding_bodies[0]),
        "tag": _tags(spec),
    }
    if spec.isced_f:
        achievement["fieldOfStudy"] = f"ISCED-F 2013 {spec.isced_f}"
    if spec.grading_scheme or award.learner.grade:
        achievement["resultDescription"] = [_grade_description(spec)]
    return achievement


def _grade_description_id(spec: MicroCredentialSpec) -> str:
    return f"{spec.id}#grade"


def _grade_description(spec: MicroCredentialSpec) -> dict[str, Any]:
    # The grading scheme is prose (often long); it is in the narrative, not in this name.
    return {
        "id": _grade_description_id(spec),
        "type": ["ResultDescription"],
        "name": "Grade",
        "resultType": "Result",
    }


def _tags(spec: MicroCredentialSpec) -> list[str]:
    tags = ["micro-credential", f"EQF {spec.level.eqf}", f"{spec.workload.ects:g} ECTS"]
    tags.append(vocab.PARTICIPATION_MODES[spec.participation.value].label.lower())
    if spec.stackability is not None:
        tags.append(spec.stackability.mode.value)
    return tags


# --- provenance and dates -------------------------------------------------------------


def _provenance_evidence(award: Award) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "type": ["Evidence"],
        "name": "Issuing record",
        "description": (
            f"Issued from award record {award.record_id} of the micro-credential specification "
            f"{award.spec.id}. The same award is issued as the ELM credential {award.elm_id}."
        ),
        "genre": "Issuing record",
    }
    # A relative IRI would be resolved against whatever base a processor uses, so only an
    # absolute record id becomes the evidence node's id.
    if _ABSOLUTE_URI.match(award.record_id):
        evidence = {"id": award.record_id, **evidence}
    return evidence


def _datetime_z(award: Award, field: str, value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive time would be read in the machine's zone, making the output machine-dependent.
        where = award.learner.row
        problem = FieldProblem(award.spec.source, field, "must be timezone-aware", row=where)
        raise RecordError([problem])
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _award_date_z(award: Award) -> str:
    when = award.award_date
    if isinstance(when, datetime):
        return _datetime_z(award, "issued", when)
    return _date_as_datetime_z(when)


def _date_as_datetime_z(value: date) -> str:
    # The OB3 schema types activityEndDate as date-time (the 3.0.3 context says xsd:date);
    # the schema is what validators check, so the date is given as midnight UTC.
    return f"{value.isoformat()}T00:00:00Z"
