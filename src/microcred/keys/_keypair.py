"""Ed25519 and P-256 keys: Multikey encodings, signing, verification and JWK export."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from microcred.keys._multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    P256_PRIV,
    P256_PUB,
    decode_base58btc,
    encode_base58btc,
    split_multicodec,
)

_P256_COORD_BYTES = 32
_RAW_SIGNATURE_BYTES = 64
_PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


class KeyType(StrEnum):
    """The key types microcred signs with."""

    ED25519 = "Ed25519"
    P256 = "P-256"


_PUB_PREFIX = {KeyType.ED25519: ED25519_PUB, KeyType.P256: P256_PUB}
_PRIV_PREFIX = {KeyType.ED25519: ED25519_PRIV, KeyType.P256: P256_PRIV}
_RAW_PUBLIC_LENGTH = {KeyType.ED25519: 32, KeyType.P256: 33}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PublicKey:
    """A public key: Ed25519 (32 raw bytes) or P-256 (33-byte compressed point)."""

    key_type: KeyType
    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _RAW_PUBLIC_LENGTH[self.key_type]:
            raise ValueError(
                f"a {self.key_type} public key must be {_RAW_PUBLIC_LENGTH[self.key_type]} bytes"
            )
        self._crypto_key()  # rejects points that are not on the curve

    @classmethod
    def from_multibase(cls, text: str) -> PublicKey:
        """Parse a Multikey ``publicKeyMultibase`` (z6Mk… Ed25519, zDna… P-256)."""
        prefix, raw = split_multicodec(decode_base58btc(text), (ED25519_PUB, P256_PUB))
        return cls(KeyType.ED25519 if prefix == ED25519_PUB else KeyType.P256, raw)

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> PublicKey:
        """Parse a public JWK (OKP/Ed25519 or EC/P-256); ValueError otherwise."""
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return cls(KeyType.ED25519, _b64url_decode(str(jwk["x"])))
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(_b64url_decode(str(jwk["x"])), "big"),
                int.from_bytes(_b64url_decode(str(jwk["y"])), "big"),
                ec.SECP256R1(),
            )
            return cls._from_crypto_key(numbers.public_key())
        raise ValueError("only OKP/Ed25519 and EC/P-256 JWKs are supported")

    @classmethod
    def _from_crypto_key(
        cls, key: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
    ) -> PublicKey:
        if isinstance(key, ed25519.Ed25519PublicKey):
            raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return cls(KeyType.ED25519, raw)
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError(f"unsupported curve {key.curve.name}")
        raw = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return cls(KeyType.P256, raw)

    def multibase(self) -> str:
        """The Multikey ``publicKeyMultibase`` value."""
        return encode_base58btc(_PUB_PREFIX[self.key_type] + self.raw)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True if ``signature`` (Ed25519, or raw r‖s ECDSA-SHA256) is valid for ``data``."""
        if len(signature) != _RAW_SIGNATURE_BYTES:
            return False
        key = self._crypto_key()
        try:
            if isinstance(key, ed25519.Ed25519PublicKey):
                key.verify(signature, data)
            else:
                der = encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                )
                key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def to_jwk(self) -> dict[str, str]:
        """The public JWK (RFC 8037 OKP for Ed25519, RFC 7518 EC for P-256)."""
        key = self._crypto_key()
        if isinstance(key, ed25519.Ed25519PublicKey):
            return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(self.raw)}
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(_P256_COORD_BYTES, "big")),
            "y": _b64url(numbers.y.to_bytes(_P256_COORD_BYTES, "big")),
        }

    def _crypto_key(self) -> ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey:
        if self.key_type is KeyType.ED25519:
            return ed25519.Ed25519PublicKey.from_public_bytes(self.raw)
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), self.raw)


class SigningKey:
    """A private key. Its ``repr`` shows the type and public key, never secret material."""

    __slots__ = ("_private", "_public")

    def __init__(self, private_key: _PrivateKey) -> None:
        """Wrap a pyca/cryptography Ed25519 or P-256 private key."""
        if isinstance(private_key, ec.EllipticCurvePrivateKey) and not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            raise ValueError(f"unsupported curve {private_key.curve.name}")
        self._private = private_key
        self._public = PublicKey._from_crypto_key(private_key.public_key())

    @classmethod
    def generate(cls, key_type: KeyType) -> SigningKey:
        """A fresh random key of ``key_type``."""
        if KeyType(key_type) is KeyType.ED25519:
            return cls(ed25519.Ed25519PrivateKey.generate())
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_multibase(cls, secret_multibase: str) -> SigningKey:
        """Parse a Multikey secret (0x8026 Ed25519 seed, or 0x8626 P-256 scalar)."""
        prefix, secret = split_multicodec(
            decode_base58btc(secret_multibase), (ED25519_PRIV, P256_PRIV)
        )
        if prefix == ED25519_PRIV:
            return cls._from_ed25519_secret(secret)
        if len(secret) != 32:
            raise ValueError("a P-256 secret key must be 32 bytes")
        return cls(ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1()))

    @classmethod
    def _from_ed25519_secret(cls, secret: bytes) -> SigningKey:
        # Some JS libraries print seed ‖ public key (64 bytes); accept it only if consistent.
        if len(secret) not in (32, 64):
            raise ValueError("an Ed25519 secret key must be 32 bytes (or 64: seed ‖ public)")
        key = cls(ed25519.Ed25519PrivateKey.from_private_bytes(secret[:32]))
        if len(secret) == 64 and secret[32:] != key.public_key.raw:
            raise ValueError("the Ed25519 secret key does not match its embedded public key")
        return key

    @property
    def key_type(self) -> KeyType:
        return self._public.key_type

    @property
    def public_key(self) -> PublicKey:
        return self._public

    def sign(self, data: bytes) -> bytes:
        """Ed25519, or deterministic (RFC 6979) ECDSA-SHA256 as raw r‖s (64 bytes)."""
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.sign(data)
        der = self._private.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        return r.to_bytes(_P256_COORD_BYTES, "big") + s.to_bytes(_P256_COORD_BYTES, "big")

    def secret_multibase(self) -> str:
        """The Multikey ``secretKeyMultibase``; handle with care."""
        return encode_base58btc(_PRIV_PREFIX[self.key_type] + self._secret_bytes())

    def to_private_jwk(self) -> dict[str, str]:
        """The private JWK (public members plus ``d``) for JOSE libraries."""
        return {**self._public.to_jwk(), "d": _b64url(self._secret_bytes())}

    def _secret_bytes(self) -> bytes:
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        return self._private.private_numbers().private_value.to_bytes(_P256_COORD_BYTES, "big")

    def _crypto_key(self) -> _PrivateKey:
        return self._private

    def __repr__(self) -> str:
        return f"SigningKey({self.key_type.value}, public={self._public.multibase()})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("SigningKey cannot be pickled; store it with save_signing_key()")
