"""VC-JWT (OB 3.0 external proof): round trips, tampering, claim checks, 1EdTech sample."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk, jws

from microcred.keys import DidResolver, KeyType, SigningKey, did_key, did_key_verification_method
from microcred.proofs import is_compact_jws, sign_vc_jwt, verify_vc_jwt

VECTORS = Path(__file__).parent / "vectors"


def _credential(key: SigningKey) -> dict[str, Any]:
    """The 1EdTech OB3 spec vector credential, issued by ``key``'s did:key."""
    document = json.loads((VECTORS / "ob3-spec-eddsa-rdfc-2022" / "unsigned.json").read_bytes())
    document["issuer"]["id"] = did_key(key.public_key)
    document["validUntil"] = "2030-01-01T00:00:00Z"
    return document


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    decode = lambda p: json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


@pytest.mark.parametrize(("key_type", "alg"), [(KeyType.ED25519, "EdDSA"), (KeyType.P256, "ES256")])
def test_round_trip(key_type: KeyType, alg: str) -> None:
    key = SigningKey.generate(key_type)
    credential = _credential(key)
    kid = did_key_verification_method(key.public_key)
    token = sign_vc_jwt(credential, key, kid=kid)
    header, payload, _ = _parts(token)
    assert header == {"alg": alg, "kid": kid, "typ": "JWT"}
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == 1262304000  # validFrom 2010-01-01T00:00:00Z
    assert payload["exp"] == 1893456000  # validUntil 2030-01-01T00:00:00Z
    assert "vc" not in payload
    decoded, result = verify_vc_jwt(token, DidResolver())
    assert result.outcome == "valid", result.reason
    assert (result.verification_method, result.cryptosuite) == (kid, f"VC-JWT {alg}")
    assert decoded == credential


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256])
def test_signing_is_deterministic_and_jwcrypto_verifies_it(key_type: KeyType) -> None:
    """A lost ob3-jwt file must be rebuilt byte for byte: RFC 6979 ECDSA, not a random k."""
    key = SigningKey.generate(key_type)
    kid = did_key_verification_method(key.public_key)
    first = sign_vc_jwt(_credential(key), key, kid=kid)
    assert sign_vc_jwt(_credential(key), key, kid=kid) == first
    # An independent implementation accepts the hand-assembled compact JWS.
    public = jwk.JWK(**{k: v for k, v in key.to_private_jwk().items() if k != "d"})
    checked = jws.JWS()
    checked.deserialize(first)
    checked.verify(public)
    assert json.loads(checked.payload)["jti"] == _credential(key)["id"]


def test_tampered_payload_is_invalid() -> None:
    key = SigningKey.generate(KeyType.ED25519)
    token = sign_vc_jwt(_credential(key), key, kid=did_key_verification_method(key.public_key))
    header, _, signature = token.split(".")
    claims = _parts(token)[1]
    claims["name"] = claims["name"] + "!"
    _, result = verify_vc_jwt(f"{header}.{_b64(claims)}.{signature}", DidResolver())
    assert result.outcome == "invalid" and "signature" in result.reason


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", "https://other.example"), ("jti", "urn:uuid:x"), ("nbf", 1), ("sub", "did:x:y")],
)
def test_claim_mismatch_is_invalid(claim: str, value: Any) -> None:
    key = SigningKey.generate(KeyType.ED25519)
    kid = did_key_verification_method(key.public_key)
    header, payload, _ = _parts(sign_vc_jwt(_credential(key), key, kid=kid))
    payload[claim] = value
    signing_input = f"{_b64(header)}.{_b64(payload)}"
    signature = base64.urlsafe_b64encode(key.sign(signing_input.encode())).rstrip(b"=").decode()
    _, result = verify_vc_jwt(f"{signing_input}.{signature}", DidResolver())
    assert result.outcome == "invalid"
    assert claim in result.reason


def test_controller_must_be_issuer() -> None:
    key = SigningKey.generate(KeyType.ED25519)
    credential = _credential(key)
    credential["issuer"]["id"] = "https://example.edu/issuers/565049"
    token = sign_vc_jwt(credential, key, kid=did_key_verification_method(key.public_key))
    _, result = verify_vc_jwt(token, DidResolver())
    assert result.outcome == "invalid" and "controller" in result.reason


def _png_itxt(path: Path, keyword: bytes) -> str:
    """The text of the first iTXt chunk with ``keyword`` (OB 3.0 baking, uncompressed)."""
    data = path.read_bytes()
    offset = 8  # PNG signature
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"iTXt" and body.split(b"\0", 1)[0] == keyword:
            # keyword \0 flag method language \0 translated \0 text
            return body.split(b"\0", 1)[1][2:].split(b"\0", 2)[2].decode("utf-8")
        offset += 12 + length
    raise AssertionError("no iTXt chunk")


def test_1edtech_sample_jwt_signature_checks_but_its_jwk_key_is_not_bound_to_the_issuer() -> None:
    """1EdTech digital-credentials-public-validator@38254719 ob30/simple-jwt.png (RS256, jwk).

    The signature verifies, but with a key the token itself carries: anyone can do that, so
    the result is "could not check" the issuer's signature, never "valid".
    """
    token = _png_itxt(VECTORS / "ob3-examples" / "simple-jwt.png", b"openbadgecredential")
    assert is_compact_jws(token)
    credential, result = verify_vc_jwt(token, DidResolver())
    assert result.outcome == "unverifiable", result.reason
    assert result.cryptosuite == "VC-JWT RS256"
    assert result.reason == (
        "JWS signature verified (RS256) with the key in the jwk header only: "
        "nothing binds that key to the issuer"
    )
    assert credential is not None and "iss" not in credential and "aud" not in credential
    assert "OpenBadgeCredential" in credential["type"]


def test_1edtech_sample_with_changed_character_is_invalid() -> None:
    token = _png_itxt(VECTORS / "ob3-examples" / "simple-jwt.png", b"openbadgecredential")
    header, payload, signature = token.split(".")
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    _, result = verify_vc_jwt(f"{header}.{flipped}.{signature}", DidResolver())
    assert result.outcome == "invalid"


def test_unsupported_and_none_algorithms() -> None:
    payload = _b64({"iss": "x"})
    _, none_result = verify_vc_jwt(f"{_b64({'alg': 'none'})}.{payload}.e30", DidResolver())
    _, hs_result = verify_vc_jwt(f"{_b64({'alg': 'HS256'})}.{payload}.e30", DidResolver())
    assert none_result.outcome == "invalid"
    assert hs_result.outcome == "unverifiable" and "allow-list" in hs_result.reason


def test_private_jwk_header_is_invalid() -> None:
    key = SigningKey.generate(KeyType.ED25519)
    header = {"alg": "EdDSA", "jwk": key.to_private_jwk()}
    _, result = verify_vc_jwt(f"{_b64(header)}.{_b64({'iss': 'x'})}.e30", DidResolver())
    assert result.outcome == "invalid" and "private" in result.reason


def test_unresolvable_kid_is_unverifiable() -> None:
    header = {"alg": "EdDSA", "kid": "did:web:unknown.example#k"}
    _, result = verify_vc_jwt(f"{_b64(header)}.{_b64({'iss': 'x'})}.e30", DidResolver())
    assert result.outcome == "unverifiable"


def test_size_bound_and_shape() -> None:
    credential, result = verify_vc_jwt("aGk.aGk.aGk" * 10, DidResolver(), max_bytes=10)
    assert credential is None and result.outcome == "unverifiable"
    assert verify_vc_jwt("not a jws", DidResolver())[1].outcome == "invalid"
    assert is_compact_jws(" aGk.aGk.aGk\n")
    assert not is_compact_jws('{"@context": []}')
    assert not is_compact_jws("a.b")
