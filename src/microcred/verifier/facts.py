"""What a person must compare: the facts of a verified credential, read from what was signed.

A verdict of "valid" says the credential is genuine; it does not say it is *this* person's
diploma. An employer holding a printed certificate, a PDF or a badge must compare the
learner, the title and the awarding body with what the signed credential says, so the
report carries them. They are read only from a credential whose proof and issuer verified
(``verified_facts``); for any other the report shows none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from microcred.errors import InputError
from microcred.qr import QrClaims
from microcred.render.facts import LangText, read_facts
from microcred.verifier.inputs import ParsedCredential, checked_view
from microcred.verifier.report import StepResult, StepStatus

_MAX_SHOWN_CHARS = 300
# What the signature covers, and so what the facts may be read from.
_SIGNED_BY_THE_ISSUER = ("proof", "issuer")
_QR_SIGNED = ("qr-signature",)

PDF_PAGE_NOT_SIGNED = (
    "the printed page of this PDF is not covered by any signature (the PDF is not sealed): "
    "only the attached credentials are verified. Compare what the page says with the facts "
    "shown for them"
)

QR_PAGE_NOT_SIGNED = (
    "only the QR code's signed summary is verified, not the page it is printed on: compare "
    "what the page says with the facts shown; the full credential proves the rest"
)


@dataclass(frozen=True)
class VerifiedFacts:
    """The elements a person compares with a certificate, as the issuer signed them.

    Texts are language maps (``{"en": …, "ka": …}``, the credential's primary language
    first) holding every language the credential gives.
    """

    learner_name: str
    learner_id: str | None
    title: LangText
    awarding_bodies: tuple[LangText, ...]
    issuer_name: LangText
    issued: str  # YYYY-MM-DD
    grade: str | None = None
    ects: str | None = None
    eqf_level: int | None = None
    nqf_level: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "learner": self.learner_name,
            "learnerId": self.learner_id,
            "title": dict(self.title),
            "awardingBody": [dict(body) for body in self.awarding_bodies],
            "issuerName": dict(self.issuer_name),
            "issued": self.issued,
            "grade": self.grade,
            "ects": self.ects,
            "eqfLevel": self.eqf_level,
            "nqfLevel": self.nqf_level,
        }

    def text_lines(self) -> list[tuple[str, str]]:
        """(label, value) rows for a terminal; a label repeats for each language of a text.

        Control characters are shown escaped (see ``printable``).
        """
        learner = self.learner_name + (
            f" (learner id {self.learner_id})" if self.learner_id else ""
        )
        rows = [("Learner", learner), *_languages("Title", self.title)]
        for body in self.awarding_bodies:
            rows += _languages("Awarded by", body)
        if self.issuer_name and dict(self.issuer_name) not in [
            dict(b) for b in self.awarding_bodies
        ]:
            rows += _languages("Issued by", self.issuer_name)
        rows.append(("Issued on", self.issued))
        if self.grade:
            rows.append(("Grade", self.grade))
        if self.ects:
            rows.append(("Credits", f"{self.ects} ECTS"))
        levels = [f"EQF {self.eqf_level}" if self.eqf_level else "", self.nqf_level or ""]
        if any(levels):
            rows.append(("Level", "; ".join(level for level in levels if level)))
        return [(label, printable(value)) for label, value in rows]


def _languages(label: str, text: LangText) -> list[tuple[str, str]]:
    if len(text) == 1:
        return [(label, next(iter(text.values())))]
    return [(label, f"{value} [{lang}]") for lang, value in text.items()]


def verified_facts(credential: ParsedCredential) -> VerifiedFacts | None:
    """The facts the signed credential states; None if it states none a person can compare.

    The one place the verifier reads facts from a credential document. The caller decides
    whether the document's signature verified (``signature_verified``).
    """
    document = checked_view(credential)
    if document is None:  # not its signed graph: nothing in it may be shown as signed
        return None
    try:
        facts = read_facts(document)
    except InputError:
        return None
    return VerifiedFacts(
        learner_name=facts.learner_name,
        learner_id=facts.learner_id,
        title=dict(facts.title),
        awarding_bodies=tuple(dict(body) for body in facts.awarding_bodies),
        issuer_name=dict(facts.issuer_name),
        issued=facts.issued,
        grade=facts.grade,
        ects=facts.ects,
        eqf_level=facts.eqf_level,
        nqf_level=facts.nqf_level,
    )


def qr_facts(claims: QrClaims) -> VerifiedFacts:
    """The facts a QR code's signed summary carries (no grade: the code leaves it out).

    The code gives the awarding bodies in its primary language only, the title's first.
    """
    primary = next(iter(claims.title), "")
    return VerifiedFacts(
        learner_name=claims.learner_name,
        learner_id=claims.learner_id,
        title=dict(claims.title),
        awarding_bodies=tuple({primary: body} for body in claims.awarding_bodies),
        issuer_name={},
        issued=claims.issued,
        ects=claims.ects,
        eqf_level=claims.eqf_level,
        nqf_level=f"NQF level {claims.nqf_level}" if claims.nqf_level else None,
    )


def signature_verified(steps: Sequence[StepResult], qr: bool = False) -> bool:
    """Whether the steps show the document was signed by its issuer (facts may be shown)."""
    wanted = _QR_SIGNED if qr else _SIGNED_BY_THE_ISSUER
    passed = {step.name for step in steps if step.status is StepStatus.PASS}
    return all(name in passed for name in wanted)


def printable(text: str) -> str:
    """``text`` with control and format characters escaped, and bounded in length.

    A signed credential is still a stranger's text: a name must not move the cursor,
    recolour the terminal or start a new line that looks like a verifier's own.
    """
    shown = "".join(
        char if unicodedata.category(char)[0] != "C" else f"\\u{ord(char):04x}" for char in text
    )
    return shown if len(shown) <= _MAX_SHOWN_CHARS else shown[: _MAX_SHOWN_CHARS - 1] + "…"
