"""Read the facts of an OB 3.0 AchievementCredential written by microcred.

OB3 has one language per field; microcred writes the primary language in the fields and
every other language as a ``# [ka] <title>`` part of the criteria narrative, whose ``##``
sections name the Annex I elements (docs/annex-i-mapping.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from microcred.render._facts_model import CertificateFacts, LangText, Outcome, QualityAssurance

_OTHER_LANGUAGE = re.compile(r"^# \[([a-z]{2,3})\] (.+)$", re.MULTILINE)
_ALSO_NAMED = re.compile(r"Also named: (.+?) \(([a-z]{2,3})\)")
_HOURS = re.compile(r"(\d+) hours")

Sections = dict[str, str]


def read_ob3_facts(document: Mapping[str, Any]) -> CertificateFacts:
    subject = document["credentialSubject"]
    achievement = subject["achievement"]
    primary = str(achievement.get("inLanguage") or "en")
    narrative = str((achievement.get("criteria") or {}).get("narrative") or "")
    parts = _language_parts(narrative, primary)
    alignments = _alignments(achievement)
    issuer = document["issuer"]
    address = issuer.get("address") or {}
    workload = parts[primary].get("Notional workload", "")
    hours = _HOURS.search(workload)
    return CertificateFacts(
        credential_id=str(document["id"]),
        credential_format="ob3",
        issuer_did=str(issuer["id"]),
        issuer_name=_named(issuer, primary),
        learner_name=_identity(subject, "name") or "",
        learner_id=_identity(subject, "sisSourcedId"),
        title=_title(achievement, narrative, primary),
        primary_language=primary,
        awarding_bodies=tuple(_named(c, primary) for c in _list(achievement.get("creator"))),
        country=str(address["addressCountryCode"]),
        region=address.get("addressRegion"),
        issued=str(document["validFrom"])[
            :10
        ],  # Annex I "date of issuing"; awardedDate is the award
        ects=_number(achievement.get("creditsAvailable")),
        hours=int(hours.group(1)) if hours else None,
        eqf_level=_eqf(alignments),
        nqf_level=_target(alignments, "ext:NQFLevel"),
        qf_ehea_cycle=_target(alignments, "ext:QFEHEACycle"),
        assessment_types=tuple(
            str(a.get("targetCode")) for a in alignments.get("ext:AssessmentType", [])
        ),
        assessment_labels=tuple(
            str(a.get("targetName")) for a in alignments.get("ext:AssessmentType", [])
        ),
        assessment_description=_per_language(parts, "Type of assessment", last_paragraph=True),
        participation=_target(alignments, "ext:FormOfParticipation"),
        quality_assurance=_quality_assurance(alignments, parts),
        outcomes=_outcomes(parts, primary),
        description={primary: str(achievement.get("description") or "")},
        grade=_grade(subject),
        prerequisites=_per_language(parts, "Prerequisites"),
        stackability=_per_language(parts, "Integration and stackability", last_paragraph=True),
        supervision=_target(alignments, "ext:SupervisionAndIdVerification"),
        further_information=_per_language(parts, "Further information", first_paragraph=True),
        homepage=_homepage(achievement),
        valid_until=_date(document.get("validUntil")),
    )


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _date(value: object) -> str | None:
    return str(value)[:10] if isinstance(value, str) else None


def _named(profile: Mapping[str, Any], primary: str) -> LangText:
    names = {primary: str(profile.get("name", ""))}
    for name, lang in _ALSO_NAMED.findall(str(profile.get("description") or "")):
        names.setdefault(lang, name)
    return names


def _identity(subject: Mapping[str, Any], identity_type: str) -> str | None:
    for identity in _list(subject.get("identifier")):
        hashed = str(identity.get("hashed")).lower() == "true"
        if identity.get("identityType") == identity_type and not hashed:
            return str(identity["identityHash"])
    return None


def _language_parts(narrative: str, primary: str) -> dict[str, Sections]:
    """The narrative's sections (heading -> body) per language, the primary one first."""
    parts = {primary: _sections(narrative.split("\n---\n", 1)[0])}
    matches = list(_OTHER_LANGUAGE.finditer(narrative))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(narrative)
        parts[match.group(1)] = _sections(narrative[match.end() : end].split("\n---\n", 1)[0])
    return parts


def _sections(text: str) -> Sections:
    sections: Sections = {}
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        heading, _, body = chunk.partition("\n")
        sections[heading.strip()] = body.strip()
    return sections


def _title(achievement: Mapping[str, Any], narrative: str, primary: str) -> LangText:
    title = {primary: str(achievement["name"])}
    for lang, text in _OTHER_LANGUAGE.findall(narrative):
        title.setdefault(lang, text.strip())
    return title


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def _per_language(
    parts: Mapping[str, Sections],
    heading: str,
    *,
    first_paragraph: bool = False,
    last_paragraph: bool = False,
) -> LangText:
    found: dict[str, str] = {}
    for lang, sections in parts.items():
        paragraphs = _paragraphs(sections.get(heading, ""))
        if not paragraphs:
            continue
        if first_paragraph or last_paragraph:
            paragraphs = [paragraphs[0 if first_paragraph else -1]]
        found[lang] = " ".join(paragraphs)
    return found


def _alignments(achievement: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for alignment in _list(achievement.get("alignment")):
        by_type.setdefault(str(alignment.get("targetType")), []).append(alignment)
    return by_type


def _target(alignments: Mapping[str, list[Mapping[str, Any]]], target_type: str) -> str | None:
    found = alignments.get(target_type)
    return str(found[0].get("targetName")) if found else None


def _eqf(alignments: Mapping[str, list[Mapping[str, Any]]]) -> int | None:
    codes = [str(a.get("targetCode")) for a in alignments.get("ext:EQFLevel", [])]
    return int(codes[0]) if codes and codes[0].isdigit() else None


def _number(value: object) -> str | None:
    if value is None:
        return None
    number = float(str(value))
    return str(int(number)) if number.is_integer() else str(number)


def _grade(subject: Mapping[str, Any]) -> str | None:
    results = [r for r in _list(subject.get("result")) if r.get("value")]
    return str(results[0]["value"]) if results else None


def _homepage(achievement: Mapping[str, Any]) -> str | None:
    identifier = str(achievement.get("id") or "")
    return identifier if identifier.startswith("https://") else None


def _quality_assurance(
    alignments: Mapping[str, list[Mapping[str, Any]]], parts: Mapping[str, Sections]
) -> tuple[QualityAssurance, ...]:
    found = [
        QualityAssurance(
            kind=str(a.get("targetName")),
            text={next(iter(parts)): str(a.get("targetDescription") or a.get("targetName"))},
        )
        for a in alignments.get("ext:QualityAssurance", [])
    ]
    internal = {
        lang: line.removeprefix("- Internal:").strip()
        for lang, sections in parts.items()
        for line in sections.get("Quality assurance", "").splitlines()
        if line.startswith("- Internal:")
    }
    if internal:
        found.append(QualityAssurance(kind="internal", text=internal))
    return tuple(found)


def _outcomes(parts: Mapping[str, Sections], primary: str) -> tuple[Outcome, ...]:
    """Outcomes per category, each paired with its translations by position."""
    listed = {lang: _outcome_items(s.get("Learning outcomes", "")) for lang, s in parts.items()}
    outcomes = []
    for index, (category, text) in enumerate(listed[primary]):
        translations = {
            lang: items[index][1]
            for lang, items in listed.items()
            if lang != primary and index < len(items)
        }
        outcomes.append(Outcome(category=category, text={primary: text, **translations}))
    return tuple(outcomes)


def _outcome_items(body: str) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    category = ""
    for line in body.splitlines():
        if line.startswith("### "):
            category = line[4:].strip()
        elif line.startswith("- "):
            items.append((category, line[2:].strip()))
    return items
