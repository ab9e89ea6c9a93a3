"""The claims a QR code carries: the essential Annex I elements and a reference to the credential.

Short CBOR keys keep the code small enough to print at 4 cm (docs/qr-and-pdf.md lists them):

    n learner name      i learner id        t title {lang: text}, primary (+ second) language
    b awarding bodies   c country (alpha-2) d date of issue (YYYY-MM-DD)
    e ECTS              q EQF level         nq NQF level      a assessment type codes
    qa quality assurance types
    r reference {id: credential id (a tag-37 UUID for urn:uuid ids), h: SHA-256 leaf,
                 x: anchor {c: chain id, k: contract address (20 bytes), m: Merkle root},
                 s: [status list URL, index]}

Texts are in the record's primary language; the title may add a second language when the
code stays small enough (``make_qr_payload`` decides).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microcred.chain.anchor_proof import anchor_proofs, credential_leaf, decode_anchor_proof
from microcred.render.facts import CertificateFacts, read_facts

_UUID_URN = "urn:uuid:"
_NQF_LEVEL = re.compile(r"level\s+([0-9A-Za-z.+-]+)")


@dataclass(frozen=True)
class AnchorReference:
    chain_id: int
    contract: str  # 0x-prefixed address
    merkle_root: bytes


@dataclass(frozen=True)
class CredentialReference:
    """Which full credential the QR stands for: its id, its anchored leaf, where it is anchored."""

    credential_id: str
    leaf: bytes  # SHA-256 of the canonical N-Quads (chain.anchor_proof.credential_leaf)
    anchor: AnchorReference | None
    status: tuple[str, int] | None = None  # (status list URL, index): revocation is checkable


@dataclass(frozen=True)
class QrClaims:
    learner_name: str
    learner_id: str | None
    title: Mapping[str, str]
    awarding_bodies: tuple[str, ...]
    country: str
    issued: str
    ects: str | None
    eqf_level: int | None
    nqf_level: str | None
    assessment_types: tuple[str, ...]
    quality_assurance: str | None
    reference: CredentialReference


def claims_map(document: Mapping[str, Any], *, title_languages: int = 2) -> dict[str, Any]:
    """The CBOR claims map for a signed credential (ELM or OB3)."""
    facts = read_facts(document)
    claims: dict[str, Any] = {
        "n": facts.learner_name,
        "i": facts.learner_id,
        "t": dict(list(facts.title.items())[:title_languages]),
        "b": [facts.in_language(body) for body in facts.awarding_bodies],
        "c": facts.country,
        "d": facts.issued,
        "e": facts.ects,
        "q": facts.eqf_level,
        "nq": _nqf_code(facts.nqf_level),
        "a": list(facts.assessment_types),
        "qa": _quality_summary(facts),
        "r": _reference_map(document),
    }
    return {key: value for key, value in claims.items() if value not in (None, [], {})}


def _nqf_code(text: str | None) -> str | None:
    match = _NQF_LEVEL.search(text or "")
    return match.group(1) if match else text


def _quality_summary(facts: CertificateFacts) -> str | None:
    # The types only: agents' names would double the code's size; the credential has them.
    kinds = [qa.kind for qa in facts.quality_assurance if qa.kind != "internal"]
    if any(qa.kind == "internal" for qa in facts.quality_assurance):
        kinds.append("internal")
    return "; ".join(kinds) or None


def _compact_id(credential_id: str) -> str | uuid.UUID:
    if credential_id.startswith(_UUID_URN):
        try:
            return uuid.UUID(credential_id.removeprefix(_UUID_URN))
        except ValueError:
            pass  # not a well-formed UUID: keep the text
    return credential_id


def _reference_map(document: Mapping[str, Any]) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "id": _compact_id(str(document["id"])),
        "h": credential_leaf(document),
    }
    status = _status_reference(document.get("credentialStatus"))
    if status is not None:
        reference["s"] = list(status)
    anchors = anchor_proofs(document)
    if anchors:
        block = decode_anchor_proof(anchors[-1])
        reference["x"] = {
            "c": block.chain_id,
            "k": bytes.fromhex(block.contract.removeprefix("0x")),
            "m": block.root,
        }
    return reference


def _status_reference(entry: object) -> tuple[str, int] | None:
    if not isinstance(entry, Mapping):
        return None
    url, index = entry.get("statusListCredential"), str(entry.get("statusListIndex", ""))
    return (url, int(index)) if isinstance(url, str) and index.isdigit() else None


def parse_claims(claims: object) -> QrClaims:
    """Typed claims from a decoded CBOR map; ValueError/KeyError/TypeError if malformed."""
    if not isinstance(claims, Mapping):
        raise TypeError("the claims are not a CBOR map")
    title = claims["t"]
    if not isinstance(title, Mapping) or not all(isinstance(v, str) for v in title.values()):
        raise TypeError("the title must map languages to text")
    return QrClaims(
        learner_name=_text(claims["n"]),
        learner_id=_optional_text(claims.get("i")),
        title=dict(title),
        awarding_bodies=tuple(_text(body) for body in claims.get("b", [])),
        country=_text(claims["c"]),
        issued=_text(claims["d"]),
        ects=_optional_text(claims.get("e")),
        eqf_level=_optional_int(claims.get("q")),
        nqf_level=_optional_text(claims.get("nq")),
        assessment_types=tuple(_text(code) for code in claims.get("a", [])),
        quality_assurance=_optional_text(claims.get("qa")),
        reference=_parse_reference(claims["r"]),
    )


def _parse_reference(reference: Mapping[str, Any]) -> CredentialReference:
    leaf = reference["h"]
    if not isinstance(leaf, bytes) or len(leaf) != 32:
        raise ValueError("the credential hash must be 32 bytes")
    anchor = reference.get("x")
    identifier = reference["id"]
    status = reference.get("s")
    return CredentialReference(
        status=None if status is None else (_text(status[0]), _index(status[1])),
        credential_id=_UUID_URN + str(identifier)
        if isinstance(identifier, uuid.UUID)
        else _text(identifier),
        leaf=leaf,
        anchor=None
        if anchor is None
        else AnchorReference(
            chain_id=int(anchor["c"]),
            contract="0x" + bytes(anchor["k"]).hex(),
            merkle_root=bytes(anchor["m"]),
        ),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _index(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError("a status index is a non-negative integer")
    return value


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value
