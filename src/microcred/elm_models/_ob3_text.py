"""Text of an OB3 achievement: the primary language, other languages, and the criteria Markdown.

OB 3.0 fields are plain strings (the JSON schema allows no language maps), so the primary
language fills them and every other language follows as a Markdown block. Section headings are
fixed English strings: they are how a reader (or a program) finds an Annex I element that OB3
has no property for. See docs/annex-i-mapping.md (Open Badges 3.0 part).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from microcred.elm_models import vocabularies as vocab
from microcred.elm_models.record import (
    Accreditation,
    MicroCredentialSpec,
    Multilingual,
    OutcomeCategory,
)

Pick = Callable[[Multilingual | None], str | None]

#: Annex I wording of the supervision options (only one has a confirmed ELM concept).
SUPERVISION_WORDING = {
    "unsupervised-no-id": "Unsupervised with no identity verification",
    "supervised-no-id": "Supervised with no identity verification",
    "supervised-online": "Supervised online",
    "onsite-with-id": "Onsite with identity verification",
}
_STACKABILITY_WORDING = {
    "stand-alone": "Stand-alone, independent micro-credential",
    "stackable": "Integrated, stackable towards another credential",
}
_OUTCOME_HEADINGS = {
    OutcomeCategory.KNOWLEDGE: "Knowledge",
    OutcomeCategory.SKILLS: "Skills",
    OutcomeCategory.RESPONSIBILITY_AUTONOMY: "Responsibility and autonomy",
}


def primary_language(text: Multilingual) -> str:
    """English when present (OB3 wallets are international), else the first language given."""
    return "en" if "en" in text else next(iter(text))


def multilingual_description(spec: MicroCredentialSpec, lang: str) -> str:
    parts = [text_in(spec.description, lang) or ""]
    for other in other_languages(spec, lang):
        title, text = spec.title.get(other), spec.description.get(other)
        if title or text:
            parts.append("\n\n".join(p for p in (f"[{other}] {title or ''}".strip(), text) if p))
    return "\n\n---\n\n".join(parts)


def criteria_narrative(spec: MicroCredentialSpec, lang: str) -> str:
    blocks = [_sections(spec, _with_fallback(lang), facts=True)]
    for other in other_languages(spec, lang):
        body = _sections(spec, _exactly(other))
        title = spec.title.get(other)
        blocks.append(f"# [{other}] {title}\n\n{body}" if title else f"# [{other}]\n\n{body}")
    return "\n\n---\n\n".join(block.rstrip() for block in blocks)


def _sections(spec: MicroCredentialSpec, pick: Pick, *, facts: bool = False) -> str:
    sections = [
        ("Learning outcomes", _outcomes_markdown(spec, pick)),
        ("Notional workload", _workload_markdown(spec) if facts else None),
        ("Level", _level_markdown(spec) if facts else None),
        ("Type of assessment", _assessment_markdown(spec, pick, facts)),
        ("Form of participation", _participation_markdown(spec) if facts else None),
        ("Supervision and identity verification", _supervision_markdown(spec) if facts else None),
        ("Quality assurance", _quality_markdown(spec, pick, facts)),
        ("Awarding bodies", _bodies_markdown(spec, pick, facts)),
        ("Prerequisites", pick(spec.prerequisites)),
        ("Grading scheme", pick(spec.grading_scheme)),
        ("Integration and stackability", _stackability_markdown(spec, pick, facts)),
        ("Languages of instruction", ", ".join(spec.languages) if facts else None),
        ("Further information", _further_markdown(spec, pick, facts)),
    ]
    return "\n\n".join(f"## {heading}\n\n{body}" for heading, body in sections if body)


def _outcomes_markdown(spec: MicroCredentialSpec, pick: Pick) -> str | None:
    groups = []
    for category, heading in _OUTCOME_HEADINGS.items():
        items = [pick(o.text) for o in spec.learning_outcomes if o.category is category]
        lines = "\n".join(f"- {item}" for item in items if item)
        if lines:
            groups.append(f"### {heading}\n\n{lines}")
    return "\n\n".join(groups) or None


def _workload_markdown(spec: MicroCredentialSpec) -> str:
    workload = spec.workload
    text = f"{workload.ects:g} ECTS credits"
    if workload.hours is not None:
        text += f", {workload.hours} hours"
    if workload.hours_per_ects is not None:
        text += f" (1 ECTS = {workload.hours_per_ects} hours)"
    lines = [
        f"- {activity.replace('_', ' ')}: {hours} h"
        for activity, hours in workload.breakdown.items()
    ]
    return "\n\n".join([text + ".", "\n".join(lines)]) if lines else text + "."


def _level_markdown(spec: MicroCredentialSpec) -> str:
    level = spec.level
    parts = [f"EQF level {level.eqf}"]
    if level.nqf is not None:
        parts.append(f"NQF level {level.nqf} ({spec.country})")
    if level.qf_ehea_cycle is not None:
        parts.append(f"QF-EHEA {vocab.QF_EHEA_CYCLES[level.qf_ehea_cycle.value].lower()}")
    return "; ".join(parts) + "."


def _assessment_markdown(spec: MicroCredentialSpec, pick: Pick, facts: bool) -> str | None:
    description = pick(spec.assessment.description)
    if not facts:
        return description
    labels = [vocab.ASSESSMENT_TYPES[code].label for code in spec.assessment.types]
    return "\n\n".join(p for p in (", ".join(labels) + ".", description) if p)


def _participation_markdown(spec: MicroCredentialSpec) -> str:
    return vocab.PARTICIPATION_MODES[spec.participation.value].label + "."


def _supervision_markdown(spec: MicroCredentialSpec) -> str | None:
    return SUPERVISION_WORDING[spec.supervision.value] + "." if spec.supervision else None


def _quality_markdown(spec: MicroCredentialSpec, pick: Pick, facts: bool) -> str | None:
    qa = spec.quality_assurance
    internal = pick(qa.internal)
    lines = [f"- Internal: {internal}"] if internal else []
    for acc in qa.external:
        if facts:
            lines.append(f"- External: {accreditation_line(acc, primary_language(acc.title))}")
        elif pick(acc.title):
            lines.append(f"- External: {pick(acc.title)}")
    return "\n".join(lines) or None


def accreditation_line(acc: Accreditation, lang: str) -> str:
    agency = acc.agency
    parts = [
        f"{text_in(acc.title, lang)} ({vocab.ACCREDITATION_TYPES[acc.type].label})",
        f"by {text_in(agency.legal_name, primary_language(agency.legal_name))} ({agency.country})",
    ]
    if acc.decision_date is not None:
        parts.append(f"decided {acc.decision_date.isoformat()}")
    if acc.expiry_date is not None:
        parts.append(f"valid until {acc.expiry_date.isoformat()}")
    if acc.homepage:
        parts.append(acc.homepage)
    return ", ".join(parts)


def _bodies_markdown(spec: MicroCredentialSpec, pick: Pick, facts: bool) -> str | None:
    lines = []
    for org in spec.awarding_bodies:
        name = pick(org.legal_name)
        if name and facts:
            where = ", ".join(p for p in (org.region, org.country) if p)
            lines.append(f"- {name} ({where}), {org.id}")
        elif name:
            lines.append(f"- {name}")
    return "\n".join(lines) or None


def _stackability_markdown(spec: MicroCredentialSpec, pick: Pick, facts: bool) -> str | None:
    if spec.stackability is None:
        return None
    description = pick(spec.stackability.description)
    mode = _STACKABILITY_WORDING[spec.stackability.mode.value] + "." if facts else None
    return "\n\n".join(p for p in (mode, description) if p) or None


def _further_markdown(spec: MicroCredentialSpec, pick: Pick, facts: bool) -> str | None:
    homepage = spec.homepage if facts else None
    return "\n\n".join(p for p in (pick(spec.further_information), homepage) if p) or None


def _with_fallback(lang: str) -> Pick:
    return lambda text: text_in(text, lang)


def _exactly(lang: str) -> Pick:
    return lambda text: text.get(lang) if text else None


def text_in(text: Multilingual | None, lang: str) -> str | None:
    """The value in ``lang``, else the first one given, so no field is ever left out."""
    if not text:
        return None
    return text.get(lang) or next(iter(text.values()))


def other_languages(spec: MicroCredentialSpec, lang: str) -> list[str]:
    seen: dict[str, None] = {}
    for text in _all_texts(spec):
        seen.update(dict.fromkeys(text))
    return [code for code in seen if code != lang]


def _all_texts(spec: MicroCredentialSpec) -> Iterable[Multilingual]:
    yield spec.title
    yield spec.description
    yield from (outcome.text for outcome in spec.learning_outcomes)
    yield spec.assessment.description
    yield from (acc.title for acc in spec.quality_assurance.external)
    optional = (
        spec.quality_assurance.internal,
        spec.prerequisites,
        spec.grading_scheme,
        spec.stackability.description if spec.stackability else None,
        spec.further_information,
    )
    yield from (text for text in optional if text)
