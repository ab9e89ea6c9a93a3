"""did:jwk: a DID that is its own public key (base64url of the JWK), resolved offline.

The DID document is generated from the DID: one method, ``<did>#0``, controlled by the DID.
It may sign assertions unless the JWK says ``"use": "enc"`` (did:jwk method spec).
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from microcred.errors import DidResolutionError, MethodNotAuthorised
from microcred.keys._did import VerificationMethod
from microcred.keys._keypair import PublicKey

_DID_JWK = "did:jwk:"
_MAX_ENCODED_CHARS = 1_000  # an Ed25519 or P-256 JWK needs well under 300
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def resolve_did_jwk(vm_id: str) -> VerificationMethod:
    """The one method of a did:jwk DID (``did:jwk:…#0``, or the bare DID)."""
    did, _, fragment = vm_id.partition("#")
    encoded = did.removeprefix(_DID_JWK)
    if fragment not in ("", "0"):
        raise MethodNotAuthorised(f"a did:jwk DID has only the method #0, not {vm_id}")
    if len(encoded) > _MAX_ENCODED_CHARS or not _BASE64URL.fullmatch(encoded):
        raise DidResolutionError(f"malformed did:jwk (not short unpadded base64url): {did[:80]}")
    try:
        jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise DidResolutionError(f"did:jwk does not hold a JSON JWK: {exc}") from exc
    if not isinstance(jwk, dict):
        raise DidResolutionError("did:jwk does not hold a JSON object")
    if "d" in jwk:
        raise DidResolutionError("did:jwk holds a private key")
    if jwk.get("use") == "enc":
        raise MethodNotAuthorised(f"{did}#0 is an encryption key (use=enc), not an assertion key")
    try:
        key = PublicKey.from_jwk(jwk)
    except (KeyError, ValueError) as exc:
        raise DidResolutionError(f"did:jwk key is not usable: {exc}") from exc
    return VerificationMethod(id=f"{did}#0", controller=did, public_key=key)
