"""COSE_Sign1 (RFC 9052) with one signer: EdDSA over Ed25519, or ES256 over P-256.

Built with cbor2 because the structure is four fields and one Sig_structure; the
signature itself is microcred's ``SigningKey.sign`` (raw r‖s for ES256, as COSE wants).
"""

from __future__ import annotations

from dataclasses import dataclass

import cbor2

from microcred.errors import ProofError
from microcred.keys import KeyType, PublicKey, SigningKey

COSE_SIGN1_TAG = 18
_ALG, _KID = 1, 4
ALGORITHMS = {KeyType.ED25519: -8, KeyType.P256: -7}  # EdDSA, ES256
ALGORITHM_NAMES = {-8: "EdDSA", -7: "ES256"}


@dataclass(frozen=True)
class CoseSign1:
    protected: bytes  # the serialized protected header, exactly as signed
    algorithm: int
    kid: str
    payload: bytes
    signature: bytes

    def verify(self, key: PublicKey) -> bool:
        """True if the signature is valid and the algorithm fits the key type."""
        if ALGORITHMS[key.key_type] != self.algorithm:
            return False
        return key.verify(self.signature, _to_be_signed(self.protected, self.payload))


def sign1(payload: bytes, key: SigningKey, kid: str) -> bytes:
    """A tagged COSE_Sign1 message over ``payload``, with alg and kid protected."""
    protected = cbor2.dumps({_ALG: ALGORITHMS[key.key_type], _KID: kid.encode("utf-8")})
    signature = key.sign(_to_be_signed(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def parse_sign1(data: bytes) -> CoseSign1:
    """The parts of a COSE_Sign1 message; ProofError if it is not one we can check."""
    try:
        message = cbor2.loads(data)
        if isinstance(message, cbor2.CBORTag):
            if message.tag != COSE_SIGN1_TAG:
                raise ValueError(f"CBOR tag {message.tag} is not COSE_Sign1 (18)")
            message = message.value
        protected, _unprotected, payload, signature = message
        header = cbor2.loads(protected)
        algorithm, kid = header[_ALG], header[_KID]
        if not all(isinstance(x, bytes) for x in (protected, payload, signature, kid)):
            raise ValueError("protected, payload, signature and kid must be byte strings")
    except (cbor2.CBORDecodeError, ValueError, TypeError, KeyError) as exc:
        raise ProofError(f"not a COSE_Sign1 message ({exc})") from exc
    if algorithm not in ALGORITHM_NAMES:
        raise ProofError(f"COSE algorithm {algorithm!r} is not EdDSA (-8) or ES256 (-7)")
    return CoseSign1(protected, algorithm, kid.decode("utf-8", "replace"), payload, signature)


def _to_be_signed(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])
