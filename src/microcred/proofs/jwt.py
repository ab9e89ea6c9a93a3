"""VC-JWT for OB 3.0: the credential as the JWS payload plus the iss/jti/nbf/sub/exp claims.

Follows Open Badges 3.0 §8.2 "JSON Web Token Proof Format": §8.2.3 (JOSE header: ``alg``,
``kid`` or ``jwk``, optional ``typ`` "JWT", nothing else) and §8.2.4.1 (JWT payload: the
credential itself, not wrapped in ``vc``, plus the registered claims). W3C VC-JOSE-COSE §3.1.1
agrees on the unwrapped payload and on ``iss`` = the issuer, and recommends ``typ`` "vc+jwt"
and no ``nbf``; where the two differ, OB 3.0 wins here (its ``nbf`` is required, and 1EdTech's
validator expects it).

Signing and verification go through jwcrypto. The verifier resolves ``kid`` with the
DidResolver (and then requires the key's controller to be the issuer). An embedded public
``jwk`` header is checked too, but anyone can embed their own key, so a token signed only
by it is never "valid": it proves integrity, not who the issuer is ("unverifiable").
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from microcred.errors import DidResolutionError, MethodNotAuthorised, ProofError
from microcred.keys import DidResolver, KeyType, SigningKey
from microcred.proofs._canonicalize import expand_checked
from microcred.proofs._datetime import parse_date_time_stamp
from microcred.proofs._verify import ProofResult

# OB 3.0 §8.2.3: "alg" of at least RS256; 1EdTech's validator accepts RS256 and ES256. An
# Ed25519 issuer signs EdDSA (RFC 8037), which VC-JOSE-COSE allows but that validator refuses;
# RS256 would need an RSA key type, which microcred does not make.
_ALG_FOR_KEY = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256"}
_ALLOWED_ALGS = ("EdDSA", "ES256", "RS256")
_KTY_FOR_ALG = {"EdDSA": "OKP", "ES256": "EC", "RS256": "RSA"}
_ALLOWED_HEADERS = {"alg", "kid", "jwk", "typ", "cty"}
_JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp", "iat", "aud")
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_MIN_RSA_BITS = 2048


def is_compact_jws(text: str) -> bool:
    """True if ``text`` (surrounding whitespace ignored) has the compact JWS shape."""
    return isinstance(text, str) and _COMPACT_JWS.fullmatch(text.strip()) is not None


def sign_vc_jwt(credential: Mapping[str, Any], key: SigningKey, *, kid: str) -> str:
    """A compact JWS (EdDSA for Ed25519, ES256 for P-256) of ``credential`` with OB3 claims.

    Signed with the key's own ``sign`` (Ed25519; RFC 6979 ECDSA as raw r‖s, which is the JWS
    form): the same credential always gives the same token, so a lost batch can be rebuilt
    byte for byte. jwcrypto's ES256 would draw a random nonce.

    ProofError if JSON-LD would drop part of the credential: a JSON-LD reader of the token
    would not see what the issuer signed.
    """
    expand_checked(credential)
    payload = {**credential, **_claims_for(credential)}
    # OB 3.0 §8.2.3: kid is a DID URL that dereferences to the public key; typ "JWT".
    header = {"alg": _ALG_FOR_KEY[key.key_type], "kid": kid, "typ": "JWT"}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(body)}"
    return f"{signing_input}.{_b64url(key.sign(signing_input.encode('ascii')))}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _claims_for(credential: Mapping[str, Any]) -> dict[str, Any]:
    """OB 3.0 §8.2.4.1: iss = issuer.id, jti = id, nbf = validFrom, sub = credentialSubject.id
    (whenever the subject has one, e.g. the learner's wallet DID), exp = validUntil if set;
    dates as NumericDate (seconds since the epoch, RFC 7519 §2)."""
    issuer = _issuer_id(credential)
    if issuer is None:
        raise ProofError("the credential has no issuer (or issuer.id) for the iss claim")
    claims: dict[str, Any] = {"iss": issuer}
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    valid_from = credential.get("validFrom", credential.get("issuanceDate"))
    if valid_from is not None:
        claims["nbf"] = _numeric_date(valid_from, "validFrom")
    subject_id = _subject_id(credential)
    if subject_id is not None:
        claims["sub"] = subject_id
    valid_until = credential.get("validUntil", credential.get("expirationDate"))
    if valid_until is not None:
        claims["exp"] = _numeric_date(valid_until, "validUntil")
    return claims


def _numeric_date(value: Any, name: str) -> int:
    try:
        return int(parse_date_time_stamp(value).timestamp())
    except ValueError as exc:
        raise ProofError(f"{name}: {exc}") from exc


def verify_vc_jwt(
    token: str, resolver: DidResolver, *, max_bytes: int = 1_000_000
) -> tuple[dict[str, Any] | None, ProofResult]:
    """(credential, result): the payload without JWT claims, and the signature verdict.

    The credential is returned whenever the payload decodes, even if the result is not
    "valid", so a caller can report on it; trust it only with a "valid" result.
    """
    if not isinstance(token, str) or len(token) > max_bytes:
        return None, ProofResult(
            "", "", "unverifiable", f"token is not a string of at most {max_bytes} bytes"
        )
    token = token.strip()
    if not is_compact_jws(token):
        return None, ProofResult("", "", "invalid", "not a compact JWS")
    try:
        header, payload = _decode_part(token, 0), _decode_part(token, 1)
    except ValueError as exc:
        return None, ProofResult("", "", "invalid", f"undecodable JWS: {exc}")
    credential = {k: v for k, v in payload.items() if k not in _JWT_CLAIMS}
    return credential, _verify_decoded(token, header, payload, credential, resolver)


def _decode_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"part {index} is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise ValueError(f"part {index} is not a JSON object")
    return value


def _verify_decoded(
    token: str,
    header: Mapping[str, Any],
    payload: Mapping[str, Any],
    credential: Mapping[str, Any],
    resolver: DidResolver,
) -> ProofResult:
    alg = str(header.get("alg"))
    source = str(header.get("kid") or ("jwk" if "jwk" in header else ""))
    suite = f"VC-JWT {alg}"
    try:
        _check_header(header)
        key, controller = _verification_key(header, resolver)
        _check_signature(token, key, alg)
        _check_claims(payload, credential, controller)
    except _JwtRejected as rejected:
        return ProofResult(source, suite, rejected.outcome, rejected.reason)
    if controller is None:
        return ProofResult(
            source,
            suite,
            "unverifiable",
            f"JWS signature verified ({alg}) with the key in the jwk header only: nothing "
            "binds that key to the issuer",
        )
    return ProofResult(source, suite, "valid", f"JWS signature verified ({alg})")


class _JwtRejected(Exception):
    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome: Any = outcome
        self.reason = reason


def _check_header(header: Mapping[str, Any]) -> None:
    alg = header.get("alg")
    if alg == "none" or not isinstance(alg, str):
        raise _JwtRejected("invalid", f"JWS alg {alg!r} is not acceptable")
    if alg not in _ALLOWED_ALGS:
        raise _JwtRejected(
            "unverifiable", f"JWS alg {alg} is not in the allow-list {_ALLOWED_ALGS}"
        )
    extra = set(header) - _ALLOWED_HEADERS
    if extra:
        raise _JwtRejected("invalid", f"JOSE header has unexpected members {sorted(extra)}")


def _verification_key(
    header: Mapping[str, Any], resolver: DidResolver
) -> tuple[jwk.JWK, str | None]:
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        try:
            method = resolver.resolve_verification_method(kid)
        except MethodNotAuthorised as exc:
            raise _JwtRejected("invalid", f"kid not authorised: {exc}") from exc
        except DidResolutionError as exc:
            if "jwk" not in header:
                raise _JwtRejected("unverifiable", f"cannot resolve kid: {exc}") from exc
        else:
            return jwk.JWK(**method.public_key.to_jwk()), method.controller
    embedded = header.get("jwk")
    if not isinstance(embedded, Mapping):
        raise _JwtRejected("unverifiable", "JOSE header has neither a resolvable kid nor a jwk")
    if "d" in embedded:
        raise _JwtRejected("invalid", "the jwk header contains a private key")
    try:
        return jwk.JWK(**embedded), None
    except (JWException, ValueError, TypeError) as exc:
        raise _JwtRejected("invalid", f"unusable jwk header: {exc}") from exc


def _check_signature(token: str, key: jwk.JWK, alg: str) -> None:
    if key.get("kty") != _KTY_FOR_ALG[alg]:
        raise _JwtRejected("invalid", f"alg {alg} does not match key type {key.get('kty')}")
    if alg == "RS256" and key.get_op_key("verify").key_size < _MIN_RSA_BITS:
        raise _JwtRejected("invalid", f"RSA keys under {_MIN_RSA_BITS} bits are not accepted")
    verifier = jws.JWS()
    try:
        verifier.deserialize(token)
        verifier.verify(key, alg=alg)
    except jws.InvalidJWSSignature:
        raise _JwtRejected("invalid", "JWS signature does not verify") from None
    except (jws.InvalidJWSObject, JWException, ValueError) as exc:
        raise _JwtRejected("invalid", f"malformed JWS: {exc}") from exc


def _check_claims(
    payload: Mapping[str, Any], credential: Mapping[str, Any], controller: str | None
) -> None:
    issuer = _issuer_id(credential)
    if payload.get("iss") != issuer or issuer is None:
        raise _JwtRejected("invalid", f"iss {payload.get('iss')!r} is not the issuer {issuer!r}")
    if controller is not None and controller != issuer:
        raise _JwtRejected("invalid", f"key controller {controller} is not the issuer {issuer}")
    expected = _expected_claims(credential)
    for claim in ("jti", "nbf", "sub", "exp"):
        if claim in payload and payload[claim] != expected.get(claim):
            raise _JwtRejected(
                "invalid", f"claim {claim}={payload[claim]!r} does not match the credential"
            )


def _expected_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return _claims_for(credential)
    except ProofError as exc:
        raise _JwtRejected("invalid", str(exc)) from exc


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None
