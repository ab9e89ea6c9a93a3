"""The spec document's schema (keys map 1:1 to ``record.py``) and ``read_spec``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from microcred.elm_models import vocabularies
from microcred.elm_models.profiles import DEFAULT_PROFILE, get_profile
from microcred.elm_models.readers._files import load_document
from microcred.elm_models.readers._parsers import (
    INVALID,
    Field,
    Report,
    bidi_problems,
    code_parser,
    describe,
    enum_parser,
    join,
    parse_absolute_uri,
    parse_country,
    parse_date,
    parse_email,
    parse_http_url,
    parse_language,
    parse_list,
    parse_multilingual,
    parse_positive_number,
    parse_text,
    parse_whole_number,
    record_parser,
)
from microcred.elm_models.record import (
    Accreditation,
    Assessment,
    LearningOutcome,
    Level,
    MicroCredentialSpec,
    Organisation,
    OutcomeCategory,
    Participation,
    QfEheaCycle,
    QualityAssurance,
    Stackability,
    StackabilityOptions,
    Supervision,
    Workload,
)
from microcred.errors import RecordError

MAX_SPEC_BYTES: Final = 1 << 20  # 1 MiB: a spec is a few pages of text, never a data dump

_ASSESSMENT_TYPE = code_parser(vocabularies.ASSESSMENT_TYPES)
_ISCED_F = re.compile(r"\d{2}(\d{1,2})?")  # broad (2 digits), narrow (3) or detailed (4) field


def _parse_isced_f(value: object, path: str, report: Report) -> Any:
    code = parse_text(value, path, report)
    if code is INVALID or _ISCED_F.fullmatch(code):
        return code
    report.add(path, f"{code!r} is not an ISCED-F 2013 field code (2 to 4 digits, e.g. '0111')")
    return INVALID


def _parse_breakdown(value: object, path: str, report: Report) -> Any:
    if not isinstance(value, Mapping):
        report.add(path, f"expected activity names mapped to hours, got {describe(value)}")
        return INVALID
    hours: dict[str, int] = {}
    ok = True
    for activity, amount in value.items():
        where = f"{path}.{activity}"
        name = parse_text(activity, where, report)
        parsed = parse_whole_number(1, None, amount, where, report)
        ok = ok and INVALID not in (name, parsed)
        hours[name] = parsed
    return MappingProxyType(hours) if ok else INVALID


def _parse_profile_code(value: object, path: str, report: Report) -> Any:
    code = parse_text(value, path, report)
    if code is INVALID:
        return code
    try:
        return get_profile(code).code
    except LookupError as exc:
        report.add(path, str(exc.args[0]))
        return INVALID


def _internal_or_external(kwargs: dict[str, Any], path: str, report: Report) -> bool:
    if kwargs.get("internal") or kwargs.get("external"):
        return True
    report.add(path, "state internal quality assurance, or at least one external accreditation")
    return False


def _expiry_after_decision(kwargs: dict[str, Any], path: str, report: Report) -> bool:
    decided, expires = kwargs.get("decision_date"), kwargs.get("expiry_date")
    if decided is None or expires is None or expires > decided:
        return True
    report.add(join(path, "expiry_date"), f"{expires} is not after decision_date {decided}")
    return False


_TEXT = Field(parse_text)
_MULTILINGUAL = Field(parse_multilingual)
_URL = Field(parse_http_url)

_ORGANISATION = record_parser(
    Organisation,
    {
        "id": Field(parse_absolute_uri, required=True),
        "legal_name": Field(parse_multilingual, required=True),
        "country": Field(parse_country, required=True),
        "region": _TEXT,
        "homepage": _URL,
        "legal_identifier": _TEXT,
        "email": Field(parse_email),
    },
)

_ACCREDITATION = record_parser(
    Accreditation,
    {
        "agency": Field(_ORGANISATION, required=True),
        "type": Field(code_parser(vocabularies.ACCREDITATION_TYPES), required=True),
        "title": Field(parse_multilingual, required=True),
        "decision_date": Field(parse_date),
        "expiry_date": Field(parse_date),
        "homepage": _URL,
    },
    check=_expiry_after_decision,
)

_SPEC_FIELDS: Mapping[str, Field] = {
    "id": Field(parse_absolute_uri, required=True),
    "profile": Field(_parse_profile_code, default=DEFAULT_PROFILE),
    "title": Field(parse_multilingual, required=True),
    "description": Field(parse_multilingual, required=True),
    "country": Field(parse_country, required=True),
    "region": Field(parse_text, default=None),
    "awarding_bodies": Field(partial(parse_list, _ORGANISATION, 1), required=True),
    "learning_outcomes": Field(
        partial(
            parse_list,
            record_parser(
                LearningOutcome,
                {
                    "category": Field(enum_parser(OutcomeCategory), required=True),
                    "text": Field(parse_multilingual, required=True),
                },
            ),
            1,
        ),
        required=True,
    ),
    "workload": Field(
        record_parser(
            Workload,
            {
                "ects": Field(parse_positive_number, required=True),
                "hours": Field(partial(parse_whole_number, 1, None)),
                "hours_per_ects": Field(partial(parse_whole_number, 1, None)),
                "breakdown": Field(_parse_breakdown),
            },
        ),
        required=True,
    ),
    "level": Field(
        record_parser(
            Level,
            {
                "eqf": Field(partial(parse_whole_number, 1, 8), required=True),
                "nqf": Field(partial(parse_whole_number, 1, None)),
                "qf_ehea_cycle": Field(enum_parser(QfEheaCycle)),
            },
        ),
        required=True,
    ),
    "assessment": Field(
        record_parser(
            Assessment,
            {
                "types": Field(
                    partial(parse_list, code_parser(vocabularies.ASSESSMENT_TYPES), 1),
                    required=True,
                ),
                "description": Field(parse_multilingual, required=True),
            },
        ),
        required=True,
    ),
    "participation": Field(enum_parser(Participation), required=True),
    "quality_assurance": Field(
        record_parser(
            QualityAssurance,
            {
                "internal": Field(parse_multilingual, default=None),
                "external": Field(partial(parse_list, _ACCREDITATION, 0)),
            },
            check=_internal_or_external,
        ),
        required=True,
    ),
    "languages": Field(partial(parse_list, parse_language, 1), required=True),
    "isced_f": Field(_parse_isced_f),
    "prerequisites": _MULTILINGUAL,
    "supervision": Field(enum_parser(Supervision)),
    "grading_scheme": _MULTILINGUAL,
    "stackability": Field(
        record_parser(
            StackabilityOptions,
            {"mode": Field(enum_parser(Stackability), required=True), "description": _MULTILINGUAL},
        )
    ),
    "further_information": _MULTILINGUAL,
    "homepage": _URL,
}


def read_spec(path: Path) -> MicroCredentialSpec:
    """The validated spec in ``path`` (.yaml/.yml/.json), checked against its national profile.

    Raises ``RecordError`` listing every problem: first the structure and values (all at once),
    then, for a structurally valid spec, the rules of the national profile it names.
    """
    document = load_document(path, MAX_SPEC_BYTES)
    report = Report(str(path))
    bidi_problems(document, "", report)
    parse = record_parser(partial(MicroCredentialSpec, source=str(path)), _SPEC_FIELDS)
    spec: MicroCredentialSpec = parse(document, "", report)
    if report.problems:
        raise RecordError(report.problems)
    problems = get_profile(spec.profile).check(spec)
    if problems:
        raise RecordError(problems)
    return spec
