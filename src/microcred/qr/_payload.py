"""The QR payload: ``MC1:`` + base45(zlib(COSE_Sign1(claims))), as the EU DCC does with ``HC1:``.

Base45 uses exactly the QR alphanumeric alphabet, so the code is encoded at 5.5 bits a
character instead of 8 in byte mode.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import base45  # type: ignore[import-untyped]
import cbor2

from microcred.chain.anchor_proof import credential_leaf
from microcred.errors import DidResolutionError, MicrocredError, ProofError
from microcred.keys import DidResolver
from microcred.qr._claims import CredentialReference, QrClaims, claims_map, parse_claims
from microcred.qr._cose import parse_sign1, sign1

if TYPE_CHECKING:  # the issuer layer sits above this one: only its type is needed here
    from microcred.issuer import Issuer

PAYLOAD_PREFIX = "MC1:"
# Version 22 at ECC M holds 1,134 alphanumeric characters (ISO/IEC 18004 table 7): the largest
# symbol whose modules stay ≥ 0.38 mm printed 4 cm wide (docs/qr-and-pdf.md).
TARGET_QR_VERSION = 22
TARGET_PAYLOAD_CHARS = 1134
MAX_PAYLOAD_CHARS = 4296  # the most alphanumeric characters any QR code holds (40-L)
_MAX_CLAIMS_BYTES = 16_384  # bounds the zlib output: a QR payload inflates to far less

Outcome = Literal["valid", "invalid", "unverifiable"]


@dataclass(frozen=True)
class QrVerification:
    """What a QR code says and whether its issuer signed it.

    ``invalid``: the payload is malformed, the signature or the credential hash does not
    match; ``unverifiable``: the key could not be resolved (e.g. did:web offline).
    """

    outcome: Outcome
    reason: str
    claims: QrClaims | None = None
    issuer: str | None = None  # the DID that controls the signing key
    kid: str | None = None

    @property
    def valid(self) -> bool:
        return self.outcome == "valid"

    @property
    def reference(self) -> CredentialReference | None:
        return self.claims.reference if self.claims else None


def make_qr_payload(credential: Mapping[str, Any], issuer: Issuer) -> str:
    """The signed QR payload text of a signed credential (ELM or OB3)."""
    issuer_id = credential.get("issuer")
    issuer_did = issuer_id.get("id") if isinstance(issuer_id, Mapping) else issuer_id
    if issuer_did != issuer.profile.did:
        raise ProofError(
            f"credential {credential.get('id')!r} was issued by {issuer_did!r}, "
            f"not by this issuer ({issuer.profile.did})"
        )
    payload = ""
    for title_languages in (2, 1):  # the second-language title goes first if space is short
        claims = cbor2.dumps(claims_map(credential, title_languages=title_languages))
        message = sign1(claims, issuer.key, issuer.profile.verification_method)
        payload = PAYLOAD_PREFIX + base45.b45encode(zlib.compress(message, 9)).decode("ascii")
        if len(payload) <= TARGET_PAYLOAD_CHARS:
            break
    return payload


def verify_qr_payload(
    text: str, resolver: DidResolver, *, credential: Mapping[str, Any] | None = None
) -> QrVerification:
    """Check a QR payload's signature and, given the full credential, that it is the one meant."""
    try:
        message = parse_sign1(_unwrap(text))
        claims = parse_claims(_load_claims(message.payload))
    except (ProofError, ValueError, KeyError, TypeError) as exc:
        return QrVerification("invalid", f"not a valid microcred QR payload: {exc}")
    try:
        method = resolver.resolve_verification_method(message.kid)
    except DidResolutionError as exc:
        return QrVerification("unverifiable", str(exc), claims, kid=message.kid)
    checked = _Checked(claims, method.controller, message.kid)
    if not message.verify(method.public_key):
        return checked.result("invalid", "the signature does not verify with the issuer's key")
    if credential is not None:
        return _match_credential(checked, credential)
    return checked.result("valid", f"signed by {method.controller}")


@dataclass(frozen=True)
class _Checked:
    claims: QrClaims
    issuer: str
    kid: str

    def result(self, outcome: Outcome, reason: str) -> QrVerification:
        return QrVerification(outcome, reason, self.claims, self.issuer, self.kid)


def _match_credential(checked: _Checked, credential: Mapping[str, Any]) -> QrVerification:
    reference = checked.claims.reference
    issuer = credential.get("issuer")
    issuer_did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if credential.get("id") != reference.credential_id:
        return checked.result("invalid", "the QR code refers to another credential id")
    if issuer_did != checked.issuer:
        return checked.result("invalid", f"the credential's issuer is not {checked.issuer}")
    try:
        leaf = credential_leaf(credential)
    except MicrocredError as exc:
        return checked.result("invalid", f"the credential cannot be canonicalized: {exc}")
    if leaf != reference.leaf:
        return checked.result("invalid", "the credential's hash differs from the QR code's")
    return checked.result("valid", f"signed by {checked.issuer}; matches {reference.credential_id}")


def _unwrap(text: str) -> bytes:
    text = text.strip()
    if len(text) > MAX_PAYLOAD_CHARS:
        raise ValueError(f"{len(text)} characters is more than a QR code holds")
    if not text.startswith(PAYLOAD_PREFIX):
        raise ValueError(f"the payload does not start with {PAYLOAD_PREFIX!r}")
    compressed = base45.b45decode(text[len(PAYLOAD_PREFIX) :])
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, _MAX_CLAIMS_BYTES)
    except zlib.error as exc:
        raise ValueError(f"not zlib data ({exc})") from exc
    if inflater.unconsumed_tail:
        raise ValueError(f"the payload inflates to more than {_MAX_CLAIMS_BYTES} bytes")
    return data


def _load_claims(payload: bytes) -> object:
    try:
        return cbor2.loads(payload)
    except cbor2.CBORDecodeError as exc:
        raise ValueError(f"the claims are not CBOR ({exc})") from exc
