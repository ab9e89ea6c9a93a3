"""The bundle's signature: a detached JWS (RFC 7515, Appendix F) over its canonical JSON.

The signed bytes are the bundle without its ``signature`` member, serialized as RFC 8785
(JCS) prescribes: keys sorted, no whitespace, UTF-8, minimal string escapes. Python's own
``json.dumps`` gives exactly that for the values a bundle holds (objects, arrays, strings,
integers, booleans, null); floats, whose JCS form differs, are refused on both sides.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from microcred.bundle.errors import BundleError
from microcred.errors import DidResolutionError
from microcred.keys import DidResolver, KeyType, SigningKey

MEDIA_TYPE = "microcred-trust-bundle+json"
_ALG_FOR_KEY = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256"}
_KTY_FOR_ALG = {"EdDSA": "OKP", "ES256": "EC"}
_ALLOWED_HEADERS = frozenset({"alg", "kid", "typ"})
_DETACHED_JWS = re.compile(r"(?P<header>[A-Za-z0-9_-]+)\.\.(?P<signature>[A-Za-z0-9_-]+)")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 serialization of ``value`` (which must hold no floats)."""
    _refuse_floats(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _refuse_floats(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            raise BundleError(f"a trust bundle holds no floating-point numbers (found {item!r})")
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def sign_detached(content: Mapping[str, Any], key: SigningKey, *, kid: str) -> str:
    """``<protected header>..<signature>``: the JWS of ``content`` with its payload left out."""
    header = {"alg": _ALG_FOR_KEY[key.key_type], "kid": kid, "typ": MEDIA_TYPE}
    token = jws.JWS(canonical_json(content))
    token.add_signature(jwk.JWK(**key.to_private_jwk()), None, json.dumps(header))
    protected, _payload, signature = str(token.serialize(compact=True)).split(".")
    return f"{protected}..{signature}"


def verify_detached(content: Mapping[str, Any], signature: str, resolver: DidResolver) -> str:
    """Check the detached JWS over ``content``; returns the DID controlling the signing key."""
    match = _DETACHED_JWS.fullmatch(signature) if isinstance(signature, str) else None
    if match is None:
        raise BundleError("the bundle's signature is not a detached compact JWS")
    header = _protected_header(match["header"])
    alg, kid = header["alg"], header["kid"]
    try:
        method = resolver.resolve_verification_method(kid)
    except DidResolutionError as exc:
        raise BundleError(f"the bundle signer's key cannot be resolved: {exc}") from exc
    key = jwk.JWK(**method.public_key.to_jwk())
    if key.get("kty") != _KTY_FOR_ALG[alg]:
        raise BundleError(f"the bundle is signed with alg {alg}, which does not fit key {kid}")
    payload = base64.urlsafe_b64encode(canonical_json(content)).rstrip(b"=").decode("ascii")
    verifier = jws.JWS()
    try:
        verifier.deserialize(f"{match['header']}.{payload}.{match['signature']}")
        verifier.verify(key, alg=alg)
    except (jws.InvalidJWSSignature, jws.InvalidJWSObject, JWException, ValueError) as exc:
        raise BundleError(
            "the bundle's signature does not verify: it was altered after signing"
        ) from exc
    return method.controller


def _protected_header(segment: str) -> dict[str, Any]:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError("the bundle's JWS header is not base64url JSON") from exc
    if not isinstance(header, dict):
        raise BundleError("the bundle's JWS header is not a JSON object")
    extra = set(header) - _ALLOWED_HEADERS
    if extra:
        # An unknown member (crit, b64, jku, x5u…) could change how the signature is meant.
        raise BundleError(f"the bundle's JWS header has unexpected members {sorted(extra)}")
    if header.get("alg") not in _KTY_FOR_ALG:
        raise BundleError(f"the bundle's JWS alg {header.get('alg')!r} is not EdDSA or ES256")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise BundleError("the bundle's JWS header names no kid (verification method)")
    return header
