"""The issuer's own profile (`microcred init`), checked with the same rules as a spec.

Every field is checked when the profile is made, so no later `issue` fails on a value the
issuer typed once (a country ``GEO``, a homepage without ``https://``, which JSON-LD drops).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from microcred.elm_models.readers._parsers import (
    INVALID,
    Report,
    bidi_problem,
    parse_country,
    parse_email,
    parse_http_url,
    parse_language,
)
from microcred.errors import FieldProblem

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_TEXT = 200
# A did:web domain: host name (IDNA A-labels), optional port, optional path segments.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_WEB_DOMAIN = re.compile(
    rf"{_LABEL}(?:\.{_LABEL})*(?::\d{{1,5}})?(?:/[A-Za-z0-9._~-]+)*", re.IGNORECASE
)


def _text_problem(value: str) -> str | None:
    if not value.strip():
        return "must not be empty"
    if len(value) > _MAX_TEXT:
        return f"longer than {_MAX_TEXT} characters"
    if _CONTROL.search(value):
        return "contains a line break or control character"
    return bidi_problem(value)


def issuer_profile_problems(
    *,
    source: str,
    name: Mapping[str, str],
    country: str,
    legal_identifier: str,
    homepage: str | None = None,
    email: str | None = None,
    web_domain: str | None = None,
    status_base_url: str | None = None,
) -> list[FieldProblem]:
    """Every problem of an issuer profile, each named by its option (``--country``…)."""
    report = Report(source)
    if not name:
        report.add("--name", "at least one name is required")
    for language, text in name.items():
        parse_language(language, f"--name {language}=", report)
        message = _text_problem(text)
        if message:
            report.add(f"--name {language}=", message)
    parse_country(country, "--country", report)  # reports, with a hint for alpha-3 codes
    message = _text_problem(legal_identifier)
    if message:
        report.add("--legal-id", message)
    if homepage is not None and parse_http_url(homepage, "", Report(source)) is INVALID:
        report.add(
            "--homepage",
            f"{homepage!r} is not an absolute http(s) URL: write it with its scheme, e.g. "
            f"https://{homepage.strip()} (JSON-LD drops a relative URL from the signed data)",
        )
    if email is not None:
        parse_email(email, "--email", report)
    if web_domain is not None and not _WEB_DOMAIN.fullmatch(web_domain):
        report.add(
            "--did-web",
            f"{web_domain!r} is not a domain name (with an optional :port and /path), "
            "e.g. www.example.edu.ge",
        )
    if status_base_url is not None:
        parse_http_url(status_base_url, "status_base_url", report)
    for field, value in (("--homepage", homepage), ("--email", email)):
        if value is not None and bidi_problem(value):
            report.add(field, bidi_problem(value) or "")
    return report.problems
