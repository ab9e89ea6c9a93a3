"""Read the facts of an ELM 3 European Digital Credential (paths: docs/annex-i-mapping.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pycountry

from microcred.elm_models.vocabularies import ASSESSMENT_TYPES, ECTS
from microcred.render._facts_model import CertificateFacts, LangText, Outcome, QualityAssurance

_NOTE = "urn:microcred:annex-i-note:"
_ASSESSMENT_CODES = {concept.label: code for code, concept in ASSESSMENT_TYPES.items()}
_HOURS = re.compile(r"^PT(\d+)H$")


def read_elm_facts(document: Mapping[str, Any]) -> CertificateFacts:
    subject = document["credentialSubject"]
    claim = _first(subject["hasClaim"])
    spec = claim["specifiedBy"]
    assessment = _first(claim.get("provenBy")) or {}
    primary = _primary_language(document, claim["title"])
    notes = _notes(spec)
    location = _first(document["issuer"].get("location")) or {}
    labels = _assessment_labels(assessment)
    return CertificateFacts(
        credential_id=str(document["id"]),
        credential_format="elm",
        issuer_did=str(document["issuer"]["id"]),
        issuer_name=_ordered(document["issuer"]["legalName"], primary),
        learner_name=_learner_name(subject),
        learner_id=_learner_id(subject),
        title=_ordered(claim["title"], primary),
        primary_language=primary,
        awarding_bodies=tuple(
            _ordered(body["legalName"], primary)
            for body in _list(claim["awardedBy"]["awardingBody"])
        ),
        country=_alpha2_country(location["address"]["countryCode"]["id"]),
        region=_any_text(location.get("geographicName")),
        issued=str(document.get("issued") or document["issuanceDate"])[:10],
        ects=_ects(spec),
        hours=_hours(spec.get("volumeOfLearning")),
        eqf_level=_eqf(spec.get("eqfLevel")),
        nqf_level=_any_text(notes.get("nqf-level")),
        qf_ehea_cycle=_any_text(notes.get("qf-ehea-cycle")),
        assessment_types=tuple(_ASSESSMENT_CODES[label] for label in labels),
        assessment_labels=labels,
        assessment_description=_ordered(
            (assessment.get("specifiedBy") or {}).get("description"), primary
        ),
        participation=_label(_first(spec.get("mode"))),
        quality_assurance=_quality_assurance(spec, notes, primary),
        outcomes=tuple(_outcome(item, primary) for item in _list(spec.get("learningOutcome"))),
        description=_ordered(spec.get("description"), primary),
        grade=_any_text((assessment.get("grade") or {}).get("noteLiteral")),
        prerequisites=_ordered((spec.get("entryRequirement") or {}).get("noteLiteral"), primary),
        stackability=_ordered(notes.get("stackability"), primary),
        supervision=_any_text(_notes(assessment).get("supervision"))
        or _label(assessment.get("idVerification")),
        further_information=_ordered(notes.get("further-information"), primary),
        homepage=(_first(spec.get("homepage")) or {}).get("contentURL"),
        valid_until=_date(document.get("validUntil") or document.get("expirationDate")),
    )


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(value: object) -> Any:
    items = _list(value)
    return items[0] if items else None


def _ordered(text: object, primary: str) -> LangText:
    """A language map with the primary language first (empty if there is none)."""
    if not isinstance(text, Mapping):
        return {}
    ordered = {primary: str(text[primary])} if primary in text else {}
    ordered.update({lang: str(value) for lang, value in text.items() if lang != primary})
    return ordered


def _any_text(text: object) -> str | None:
    if isinstance(text, Mapping) and text:
        return str(text.get("en") or next(iter(text.values())))
    return None


def _label(concept: object) -> str | None:
    return _any_text(concept.get("prefLabel")) if isinstance(concept, Mapping) else None


def _date(value: object) -> str | None:
    return str(value)[:10] if isinstance(value, str) else None


def _primary_language(document: Mapping[str, Any], title: Mapping[str, str]) -> str:
    display = document.get("displayParameter") or {}
    concept = display.get("primaryLanguage") or _first(display.get("language"))
    if isinstance(concept, Mapping):
        alpha3 = str(concept.get("id", "")).rsplit("/", 1)[-1].lower()
        language = pycountry.languages.get(alpha_3=alpha3)
        code = getattr(language, "alpha_2", None)
        if code in title:
            return str(code)
    return "en" if "en" in title else next(iter(title))


def _alpha2_country(concept_id: str) -> str:
    alpha3 = concept_id.rsplit("/", 1)[-1]
    country = pycountry.countries.get(alpha_3=alpha3)
    return str(country.alpha_2) if country else alpha3


def _learner_name(subject: Mapping[str, Any]) -> str:
    full = _any_text(subject.get("fullName"))
    if full:
        return full
    parts = [_any_text(subject.get(key)) for key in ("givenName", "familyName")]
    return " ".join(part for part in parts if part)


def _learner_id(subject: Mapping[str, Any]) -> str | None:
    identifiers = [i for i in _list(subject.get("identifier")) if isinstance(i, Mapping)]
    preferred = [i for i in identifiers if i.get("schemeName") == "Student number"]
    chosen = (preferred or identifiers or [{}])[0]
    notation = chosen.get("notation")
    return str(notation) if notation else None


def _notes(node: Mapping[str, Any]) -> dict[str, Mapping[str, str]]:
    """microcred's Annex I notes on a node, by code (e.g. "nqf-level")."""
    notes: dict[str, Mapping[str, str]] = {}
    for note in _list(node.get("additionalNote")):
        subject = str((note.get("subject") or {}).get("id", ""))
        if subject.startswith(_NOTE):
            notes[subject.removeprefix(_NOTE)] = note.get("noteLiteral") or {}
    return notes


def _ects(spec: Mapping[str, Any]) -> str | None:
    for credit in _list(spec.get("creditPoint")):
        if (credit.get("framework") or {}).get("id") == ECTS.uri:
            return str(credit["point"])
    return None


def _hours(duration: object) -> int | None:
    match = _HOURS.match(duration) if isinstance(duration, str) else None
    return int(match.group(1)) if match else None


def _eqf(concept: object) -> int | None:
    if not isinstance(concept, Mapping):
        return None
    code = str(concept.get("id", "")).rsplit("/", 1)[-1]
    return int(code) if code.isdigit() else None


def _assessment_labels(assessment: Mapping[str, Any]) -> tuple[str, ...]:
    # dcType holds only the first type (ELM allows one); the title lists them all.
    specification = assessment.get("specifiedBy") or {}
    title = _any_text(specification.get("title")) or ""
    listed = [label.strip() for label in title.partition(":")[2].split(",") if label.strip()]
    known = tuple(label for label in listed if label in _ASSESSMENT_CODES)
    first = _label(specification.get("dcType"))
    return known or ((first,) if first in _ASSESSMENT_CODES else ())


def _quality_assurance(
    spec: Mapping[str, Any], notes: Mapping[str, Mapping[str, str]], primary: str
) -> tuple[QualityAssurance, ...]:
    found = [
        QualityAssurance(
            kind=_label(item.get("dcType")) or "external",
            text=_ordered(item.get("title"), primary),
            agent=_any_text((item.get("accreditingAgent") or {}).get("legalName")),
        )
        for item in _list(spec.get("accreditation"))
    ]
    if notes.get("internal-qa"):
        found.append(
            QualityAssurance(kind="internal", text=_ordered(notes["internal-qa"], primary))
        )
    return tuple(found)


def _outcome(item: Mapping[str, Any], primary: str) -> Outcome:
    category = _any_text(_notes(item).get("outcome-category")) or _label(item.get("dcType"))
    return Outcome(category=category or "", text=_ordered(item["title"], primary))
