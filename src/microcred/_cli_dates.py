"""Dates and times on the command line, in the forms microcred itself prints.

microcred prints times as ``2026-06-01T00:00:00Z``; every option that takes a time accepts
that form back, with any UTC offset, or without one (then it is UTC). A date option takes
``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import click

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# ISO 8601 extended format only: what microcred prints, and what people type.
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?",
    re.IGNORECASE,
)


class UtcDateTime(click.ParamType[datetime, Any]):
    """``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM[:SS]`` with ``Z``, an offset or none (UTC)."""

    name = "datetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        text = str(value).strip()
        if _DATE_TIME.fullmatch(text):
            try:
                moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            except ValueError as exc:
                self.fail(f"{text!r} is not a valid date or time: {exc}", param, ctx)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        self.fail(
            f"{text!r} is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ "
            "(e.g. 2026-06-01 or 2026-06-01T00:00:00Z; no offset means UTC)",
            param,
            ctx,
        )


class IsoDate(click.ParamType[date, Any]):
    """A calendar date ``YYYY-MM-DD`` (also the midnight-UTC time microcred prints)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        text = str(value).strip()
        if _DATE.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError as exc:
                self.fail(f"{text!r} is not a calendar date: {exc}", param, ctx)
        moment = UtcDateTime().convert(text, param, ctx)
        if (moment.hour, moment.minute, moment.second, moment.microsecond) != (0, 0, 0, 0):
            self.fail(f"{text!r} is a time of day; give a date YYYY-MM-DD", param, ctx)
        return moment.date()


UTC_DATE_TIME = UtcDateTime()
ISO_DATE = IsoDate()
