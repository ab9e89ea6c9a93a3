"""Batch issuance: records -> awards -> ELM and OB3 documents -> validated -> signed.

Pure: nothing here writes files (see ``output.py``). A batch is all or nothing: every
document is built and validated before the first signature, so an invalid record never
leaves a signed credential behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from microcred.contexts import BITSTRING_STATUS_V1
from microcred.elm_models.elm import award_to_elm
from microcred.elm_models.ob3 import award_to_ob3
from microcred.elm_models.record import Award, IssuerProfile, Learner, MicroCredentialSpec
from microcred.errors import FieldProblem, FormatError
from microcred.issuer.profile import Issuer
from microcred.proofs import add_proof, cryptosuite_for
from microcred.validation.ob3_schema import validate_ob3
from microcred.validation.shacl import validate_elm

FORMATS = ("elm", "ob3", "ob3-jwt")
DEFAULT_FORMATS = ("elm", "ob3")

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class IssuedCredential:
    award: Award
    elm: dict[str, Any] | None
    ob3: dict[str, Any] | None


@dataclass(frozen=True)
class Batch:
    spec: MicroCredentialSpec
    issued: datetime
    formats: tuple[str, ...]
    credentials: tuple[IssuedCredential, ...]


def make_awards(
    spec: MicroCredentialSpec,
    learners: Iterable[Learner],
    issuer: IssuerProfile,
    *,
    issued: datetime,
    awarded: date | None = None,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> list[Award]:
    """One Award per learner; ids come from ``new_id`` so tests can pin them.

    ``issued`` is the signing time (validFrom); ``awarded`` the date of award (default: the
    issue date, or each learner's own ``awarded_date``).
    """
    if issued.tzinfo is None:
        raise ValueError("the issue time must be timezone-aware")
    issued = issued.astimezone(UTC).replace(microsecond=0)
    return [
        Award(
            spec=spec,
            learner=learner,
            issuer=issuer,
            record_id=f"{spec.id}/learners/{learner.learner_id}",
            elm_id=f"urn:uuid:{new_id()}",
            ob3_id=f"urn:uuid:{new_id()}",
            issued=issued,
            awarded=awarded,
        )
        for learner in learners
    ]


@dataclass(frozen=True)
class UnsignedCredential:
    award: Award
    elm: dict[str, Any] | None
    ob3: dict[str, Any] | None


def issue_batch(
    awards: Sequence[Award],
    issuer: Issuer,
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    statuses: Mapping[str, Mapping[str, Any]] | None = None,
    validate: bool = True,
    on_progress: Progress | None = None,
) -> Batch:
    """Build every document, validate them all, then sign them all.

    ``statuses`` maps a credential id to its ``credentialStatus`` entry (see ``records``).
    """
    unsigned = build_documents(awards, formats=formats, statuses=statuses, validate=validate)
    signed = []
    for done, item in enumerate(unsigned, start=1):
        signed.append(sign_credential(item, issuer))
        if on_progress:
            on_progress(done, len(unsigned))
    return Batch(
        spec=awards[0].spec,
        issued=awards[0].issued,
        formats=tuple(formats),
        credentials=tuple(signed),
    )


def build_documents(
    awards: Sequence[Award],
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    statuses: Mapping[str, Mapping[str, Any]] | None = None,
    validate: bool = True,
) -> list[UnsignedCredential]:
    """Every award's documents, validated together: one bad document and nothing is signed."""
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"unknown format(s) {sorted(unknown)}; choose from {FORMATS}")
    if not awards:
        raise ValueError("a batch needs at least one learner")
    documents = [_build(award, formats, statuses or {}) for award in awards]
    if validate:
        _validate_all(awards, documents)
    return [
        UnsignedCredential(award, elm, ob3)
        for award, (elm, ob3) in zip(awards, documents, strict=True)
    ]


def sign_credential(unsigned: UnsignedCredential, issuer: Issuer) -> IssuedCredential:
    return _sign(unsigned.award, unsigned.elm, unsigned.ob3, issuer)


def document_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The documents the output formats need: ``ob3-jwt`` is a signed ``ob3`` credential."""
    wanted = {"ob3" if fmt == "ob3-jwt" else fmt for fmt in formats}
    return tuple(fmt for fmt in ("elm", "ob3") if fmt in wanted)


def _build(
    award: Award, formats: Sequence[str], statuses: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    documents = document_formats(formats)
    elm = award_to_elm(award) if "elm" in documents else None
    if elm is not None and award.elm_id in statuses:
        elm = _with_elm_status(elm, statuses[award.elm_id])
    ob3 = award_to_ob3(award) if "ob3" in documents else None
    if ob3 is not None and award.ob3_id in statuses:
        ob3 = {**ob3, "credentialStatus": dict(statuses[award.ob3_id])}
    return elm, ob3


def _with_elm_status(elm: dict[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """ELM 3.2 shapes want one elm:CredentialStatus; VC 1.1 needs the status context."""
    status = {**entry, "type": ["CredentialStatus", entry["type"]]}
    return {**elm, "@context": [*elm["@context"], BITSTRING_STATUS_V1], "credentialStatus": status}


def _validate_all(
    awards: Sequence[Award],
    documents: Sequence[tuple[dict[str, Any] | None, dict[str, Any] | None]],
) -> None:
    problems: list[FieldProblem] = []
    for award, (elm, ob3) in zip(awards, documents, strict=True):
        where = f"learner {award.learner.learner_id}"
        if elm is not None:
            report = validate_elm(elm, include_proof=False)
            problems += [FieldProblem(where, "ELM", p, award.learner.row) for p in report.problems]
        if ob3 is not None:
            schema = validate_ob3(ob3)
            problems += [FieldProblem(where, "OB3", p, award.learner.row) for p in schema.problems]
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems[:20])
        raise FormatError(f"generated documents do not conform; nothing was signed:\n{listing}")


def _sign(
    award: Award,
    elm: dict[str, Any] | None,
    ob3: dict[str, Any] | None,
    issuer: Issuer,
) -> IssuedCredential:
    """Data Integrity proofs only: a VC-JWT wraps the anchored OB3 credential later."""
    method = issuer.profile.verification_method
    suite = cryptosuite_for(issuer.key.public_key.key_type)

    def sign(document: dict[str, Any] | None, as_list: bool) -> dict[str, Any] | None:
        if document is None:
            return None
        return add_proof(
            document,
            issuer.key,
            verification_method=method,
            cryptosuite=suite,
            created=award.issued,
            proof_as_list=as_list,
        )

    # A proof set from the start: the anchor proof joins it later without changing its shape,
    # so the signed credential (and its recorded hash) is what remains without the anchor.
    return IssuedCredential(award=award, elm=sign(elm, True), ob3=sign(ob3, True))
