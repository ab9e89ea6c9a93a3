"""JSON Schema validation of Open Badges 3.0 AchievementCredentials, offline.

Two bundled schema sets (provenance in data/ob3/SOURCES.md):

- ``FORMAL``: 1EdTech's generated schema (gh-pages build 2024-07). Plain-JSON rules: ``type``,
  ``proof``, ``credentialSchema``, ``evidence``… must be arrays. This is the canonical check.
- ``JSON_LD``: the conform-ed copy of the purl file, the "JSON-LD adaptation" that also accepts
  compacted single values (e.g. one ``proof`` object). 1EdTech's validator only warns when a
  credential passes this one but fails the formal one.

``$ref``s resolve through a ``referencing.Registry`` of the bundled files only, so nothing is
ever fetched. Validators are compiled once, on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

__all__ = ["Ob3Schema", "SchemaReport", "validate_ob3"]


class Ob3Schema(StrEnum):
    FORMAL = "formal"
    JSON_LD = "json-ld"


_DATA = ("data", "ob3")
_FORMAL_DIR = "1edtech-gh-pages-2024-07"
_SCHEMA_FILES: Mapping[Ob3Schema, tuple[str, ...]] = {
    Ob3Schema.FORMAL: (_FORMAL_DIR, "achievementcredential.json"),
    Ob3Schema.JSON_LD: ("ob_v3p0_achievementcredential_schema.json",),
}
_MAX_MESSAGE = 160
# OB3 DateTimeZ / DateTime: RFC 3339 with a mandatory offset (what validators expect).
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class SchemaReport:
    """The outcome of a schema check; each problem starts with its JSON path."""

    conforms: bool
    problems: tuple[str, ...]
    checked: tuple[Ob3Schema, ...]


def validate_ob3(
    document: Mapping[str, Any], *, schemas: Iterable[Ob3Schema] = (Ob3Schema.FORMAL,)
) -> SchemaReport:
    """Check ``document`` against the formal OB3 schema (and the JSON-LD variant if asked).

    With more than one schema set, each problem is prefixed with the set's name.
    """
    checked = tuple(dict.fromkeys(schemas))
    problems: list[str] = []
    for schema in checked:
        found = _problems(_validator(schema), document)
        problems += [f"[{schema}] {p}" for p in found] if len(checked) > 1 else found
    return SchemaReport(conforms=not problems, problems=tuple(problems), checked=checked)


def _problems(validator: Draft201909Validator, document: Mapping[str, Any]) -> list[str]:
    errors = sorted(
        validator.iter_errors(document), key=lambda e: (list(e.absolute_path), e.message)
    )
    return [_describe(error) for error in errors]


def _describe(error: ValidationError) -> str:
    # A oneOf/anyOf error only says "not valid under any"; its closest branch says why.
    if error.context:
        closest = min(error.context, key=lambda e: (-len(e.absolute_path), e.message))
        if len(closest.absolute_path) > len(error.absolute_path):
            error = closest
    message = error.message
    if len(message) > _MAX_MESSAGE:  # messages embed the whole offending value
        message = message[: _MAX_MESSAGE - 1] + "…"
    return f"{error.json_path}: {message}"


@cache
def _validator(schema: Ob3Schema) -> Draft201909Validator:
    contents = _read(*_SCHEMA_FILES[schema])
    return Draft201909Validator(contents, registry=_registry(), format_checker=_format_checker())


@cache
def _registry() -> Registry:
    formal_dir = resources.files("microcred.validation").joinpath(*_DATA, _FORMAL_DIR)
    names: list[tuple[str, ...]] = [
        (_FORMAL_DIR, entry.name) for entry in formal_dir.iterdir() if entry.name.endswith(".json")
    ]
    names.append(_SCHEMA_FILES[Ob3Schema.JSON_LD])
    # Every bundled schema is registered under its own $id, so a $ref to any of them resolves
    # locally; a $ref to anything else fails instead of being retrieved.
    documents = [_read(*parts) for parts in sorted(names)]
    registry: Registry = Registry().with_resources(
        (document["$id"], Resource.from_contents(document)) for document in documents
    )
    return registry


@cache
def _read(*parts: str) -> dict[str, Any]:
    text = resources.files("microcred.validation").joinpath(*_DATA, *parts).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _format_checker() -> FormatChecker:
    # Only the formats the OB3 schemas use, checked here rather than through optional
    # jsonschema extras, so the result never depends on which extras are installed.
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("date")(_is_date)
    return checker


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # type mismatches are the "type" keyword's job
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False
