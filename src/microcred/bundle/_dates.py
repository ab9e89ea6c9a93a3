"""The bundle's own dates: ISO 8601 UTC to the second, and human-readable ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microcred.bundle.errors import BundleError

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: object, where: str) -> datetime:
    if not isinstance(text, str):
        raise BundleError(f"{where}: expected an ISO 8601 date-time, got {text!r:.40}")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BundleError(f"{where}: not an ISO 8601 date-time: {text!r:.40}") from exc
    if moment.tzinfo is None:
        raise BundleError(f"{where}: the date-time has no time zone: {text!r:.40}")
    return moment.astimezone(UTC)


def human_duration(span: timedelta) -> str:
    """'3 days', '5 hours', '1 minute', 'less than a minute' (of the absolute span)."""
    seconds = abs(int(span.total_seconds()))
    for unit, size in _UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"
