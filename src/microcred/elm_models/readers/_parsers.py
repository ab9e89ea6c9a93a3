"""Value parsers for spec documents: each returns the parsed value, or INVALID after reporting.

A parser reports every problem at a dotted field path (``learning_outcomes[2].text.ka``) and
never raises, so one pass over a document finds all its problems.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Any, Final

import pycountry

from microcred.elm_models.readers._files import FILE_FIELD
from microcred.elm_models.record import multilingual
from microcred.errors import FieldProblem

#: Returned by a parser whose value is invalid (after it reported why).
INVALID: Final = object()

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_HTTP_URL = re.compile(r"https?://[^/\s?#]+\S*")


# Bidirectional formatting characters (embeddings, overrides, isolates, and the implicit
# marks LRM, RLM, ALM): invisible, they reorder what a reader sees, so a signed name could
# display as something else than what was checked ("Trojan Source", CVE-2021-42574).
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def bidi_problem(value: str) -> str | None:
    """Why ``value`` is refused for holding a bidirectional control character, or None."""
    found = _BIDI_CONTROL.search(value)
    if found is None:
        return None
    return (
        f"contains the invisible bidirectional control character U+{ord(found.group()):04X}, "
        "which can make the text display as something else than what is signed; remove it"
    )


def bidi_problems(value: object, path: str, report: Report) -> None:
    """Report every string (keys too) of a parsed YAML/JSON document that holds a bidi control."""
    if isinstance(value, str):
        message = bidi_problem(value)
        if message is not None:
            report.add(path or FILE_FIELD, message)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and bidi_problem(key) is not None:
                report.add(join(path, key), f"the key {bidi_problem(key)}")
            bidi_problems(item, join(path, key), report)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            bidi_problems(item, f"{path}[{index}]", report)


class Report:
    """The problems found so far in one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FieldProblem] = []

    def add(self, field: str, message: str, row: int | None = None) -> None:
        self.problems.append(FieldProblem(self.file, field, message, row))


Parser = Callable[[object, str, Report], Any]


def describe(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"{value!r}"


def suggestion(word: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_text(value: object, path: str, report: Report) -> Any:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, str):
        report.add(path, "must not be empty")
    elif isinstance(value, int | float | date) and not isinstance(value, bool):
        # YAML reads 0111 as the octal number 73 and 2025-10-01 as a date: quoting keeps the text.
        report.add(path, f"expected text, got {describe(value)}; put the value in quotes")
    else:
        report.add(path, f"expected text, got {describe(value)}")
    return INVALID


def parse_language(value: object, path: str, report: Report) -> Any:
    if isinstance(value, bool):
        report.add(path, "a language code was read as true/false: quote codes such as 'no'")
        return INVALID
    code = str(value).strip().lower()
    if len(code) == 2 and pycountry.languages.get(alpha_2=code) is not None:
        return code
    report.add(path, f"{value!r} is not an ISO 639-1 two-letter language code (e.g. en, ka)")
    return INVALID


def parse_country(value: object, path: str, report: Report) -> Any:
    code = str(value).strip().upper() if isinstance(value, str) else ""
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return code
    alpha3 = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    hint = f"; use {alpha3.alpha_2!r} instead" if alpha3 is not None else " (e.g. GE, DE)"
    report.add(path, f"{describe(value)} is not an ISO 3166-1 alpha-2 country code{hint}")
    return INVALID


def parse_multilingual(value: object, path: str, report: Report) -> Any:
    if isinstance(value, str):
        text = parse_text(value, path, report)
        return INVALID if text is INVALID else multilingual({"en": text})
    if not isinstance(value, Mapping) or not value:
        report.add(path, "expected text, or language codes mapped to text (en: ..., ka: ...)")
        return INVALID
    texts, ok = {}, True
    for key, item in value.items():
        where = f"{path}.{key}"
        language, text = parse_language(key, where, report), parse_text(item, where, report)
        repeated = language is not INVALID and language in texts
        if repeated:
            report.add(where, f"the language {language!r} is given twice")
        ok = ok and not repeated and INVALID not in (language, text)
        texts[language] = text
    return multilingual(texts) if ok else INVALID


def parse_absolute_uri(value: object, path: str, report: Report) -> Any:
    if isinstance(value, str) and _URI.fullmatch(value.strip()):
        uri = value.strip()
        is_web = uri.lower().startswith(("http:", "https:"))
        return parse_http_url(uri, path, report) if is_web else uri
    report.add(path, f"{describe(value)} is not an absolute URI (e.g. https://…, urn:…)")
    return INVALID


def parse_http_url(value: object, path: str, report: Report) -> Any:
    if isinstance(value, str) and _HTTP_URL.fullmatch(value.strip()):
        return value.strip()
    report.add(path, f"{describe(value)} is not an absolute http(s) URL")
    return INVALID


def parse_email(value: object, path: str, report: Report) -> Any:
    if isinstance(value, str) and EMAIL.fullmatch(value.strip()):
        return value.strip()
    report.add(path, f"{describe(value)} is not an e-mail address")
    return INVALID


def parse_whole_number(low: int, high: int | None, value: object, path: str, report: Report) -> Any:
    if not isinstance(value, int) or isinstance(value, bool):
        report.add(path, f"expected a whole number, got {describe(value)}")
        return INVALID
    if value < low or (high is not None and value > high):
        report.add(path, f"{value} is out of range ({low}–{high or '∞'})")
        return INVALID
    return value


def parse_positive_number(value: object, path: str, report: Report) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        report.add(path, f"expected a number greater than 0, got {describe(value)}")
        return INVALID
    if not (math.isfinite(value) and value > 0):
        report.add(path, f"expected a number greater than 0, got {value}")
        return INVALID
    return float(value)


def parse_choice(choices: Mapping[str, Any], value: object, path: str, report: Report) -> Any:
    if isinstance(value, str) and value in choices:
        return choices[value]
    report.add(
        path,
        f"unknown value {describe(value)}{suggestion(value, choices)}; "
        f"expected one of: {', '.join(choices)}",
    )
    return INVALID


def enum_parser(kind: type[StrEnum]) -> Parser:
    return partial(parse_choice, {member.value: member for member in kind})


def code_parser(vocabulary: Mapping[str, object]) -> Parser:
    return partial(parse_choice, {code: code for code in vocabulary})


def parse_date(value: object, path: str, report: Report) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    report.add(path, f"{describe(value)} is not an ISO 8601 date (YYYY-MM-DD)")
    return INVALID


def parse_list(item: Parser, min_items: int, value: object, path: str, report: Report) -> Any:
    if not isinstance(value, list):
        report.add(path, f"expected a list, got {describe(value)}")
        return INVALID
    if len(value) < min_items:
        report.add(path, f"at least {min_items} item(s) required")
        return INVALID
    items = [item(element, f"{path}[{index}]", report) for index, element in enumerate(value)]
    if INVALID in items:
        return INVALID
    for index, parsed in enumerate(items):
        if isinstance(parsed, str) and parsed in items[:index]:
            report.add(f"{path}[{index}]", f"{parsed!r} is listed twice")
            return INVALID
    return tuple(items)


@dataclass(frozen=True)
class Field:
    parse: Parser
    required: bool = False
    default: object = INVALID  # INVALID: leave it to the dataclass default


Check = Callable[[dict[str, Any], str, Report], bool]


def record_parser(
    build: Callable[..., Any], fields: Mapping[str, Field], check: Check | None = None
) -> Parser:
    """A parser for a mapping whose keys are exactly ``fields`` (typos are errors)."""

    def parse(value: object, path: str, report: Report) -> Any:
        if not isinstance(value, Mapping):
            report.add(path or FILE_FIELD, f"expected a mapping of fields, got {describe(value)}")
            return INVALID
        ok = True
        for key in value:
            if key not in fields:
                report.add(join(path, key), f"unknown field {key!r}{suggestion(key, fields)}")
                ok = False
        kwargs: dict[str, Any] = {}
        for name, field in fields.items():
            where = join(path, name)
            if value.get(name) is None:
                if field.required:
                    report.add(where, "required field is missing")
                    ok = False
                elif field.default is not INVALID:
                    kwargs[name] = field.default
                continue
            kwargs[name] = field.parse(value[name], where, report)
            ok = ok and kwargs[name] is not INVALID
        if not ok or (check is not None and not check(kwargs, path, report)):
            return INVALID
        return build(**kwargs)

    return parse


def join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)
