"""National profiles: pluggable rules a country adds on top of Annex I completeness.

A spec names its profile (``profile: GE``); the reader looks it up here. Built-in: ``EU``
(the permissive default) and ``GE`` (Georgia). Other countries plug in with
``register_profile``.
"""

from __future__ import annotations

from microcred.elm_models.profiles._base import NationalProfile
from microcred.elm_models.profiles.eu import EuProfile
from microcred.elm_models.profiles.ge import GeorgiaProfile

__all__ = [
    "DEFAULT_PROFILE",
    "EuProfile",
    "GeorgiaProfile",
    "NationalProfile",
    "get_profile",
    "profile_codes",
    "register_profile",
]

DEFAULT_PROFILE = "EU"

_registry: dict[str, NationalProfile] = {
    profile.code: profile for profile in (EuProfile(), GeorgiaProfile())
}


def get_profile(code: str) -> NationalProfile:
    """The profile registered under ``code``; ``LookupError`` (naming the known codes) if none."""
    try:
        return _registry[code]
    except KeyError:
        raise LookupError(
            f"unknown national profile {code!r}; known: {', '.join(profile_codes())}"
        ) from None


def register_profile(profile: NationalProfile, *, replace: bool = False) -> None:
    """Make ``profile`` available under ``profile.code`` (``replace=True`` to override one)."""
    if profile.code in _registry and not replace:
        raise ValueError(f"a national profile {profile.code!r} is already registered")
    _registry[profile.code] = profile


def profile_codes() -> tuple[str, ...]:
    return tuple(sorted(_registry))
