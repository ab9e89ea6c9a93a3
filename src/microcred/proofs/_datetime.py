"""XML Schema dateTimeStamp: the lexical form Data Integrity uses for ``created``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# dateTimeStamp = dateTime with a mandatory timezone; years beyond 9999 are not supported here.
_DATE_TIME_STAMP = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})"
)


def parse_date_time_stamp(text: str) -> datetime:
    """The aware datetime of an XML Schema dateTimeStamp; ValueError if ``text`` is not one."""
    match = _DATE_TIME_STAMP.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an XML Schema dateTimeStamp: {text!r}")
    fraction = (match["fraction"] or "")[:7]  # datetime keeps microseconds at most
    zone = "+00:00" if match["zone"] == "Z" else match["zone"]
    return datetime.fromisoformat(f"{match['date']}T{match['time']}{fraction}{zone}")


def format_date_time_stamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC (fractions dropped); ValueError for naive datetimes."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("created must be a timezone-aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
