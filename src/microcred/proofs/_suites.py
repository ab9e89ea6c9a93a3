"""The cryptosuites as compositions of shared stages: transform (RDFC-1.0), hash, sign.

Every suite here hashes the canonical proof configuration and the canonical document
with SHA-256 and signs ``proofHash ‖ documentHash``; they differ only in key type and
in how the proof names itself (cryptosuite string, or a legacy proof type).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import base58

from microcred.keys import KeyType
from microcred.proofs._canonicalize import DocumentLoader, canonicalize

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"


@dataclass(frozen=True)
class Cryptosuite:
    """What distinguishes one suite from another."""

    name: str
    proof_type: str
    key_type: KeyType


SUITES: Mapping[str, Cryptosuite] = {
    "eddsa-rdfc-2022": Cryptosuite("eddsa-rdfc-2022", DATA_INTEGRITY_PROOF, KeyType.ED25519),
    "ecdsa-rdfc-2019": Cryptosuite("ecdsa-rdfc-2019", DATA_INTEGRITY_PROOF, KeyType.P256),
    # Legacy suite of VC 1.1 badges: same stages, named by its proof type (no cryptosuite).
    ED25519_SIGNATURE_2020: Cryptosuite(
        ED25519_SIGNATURE_2020, ED25519_SIGNATURE_2020, KeyType.ED25519
    ),
}
CREATABLE_SUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
#: The suite an issuer signs with: decided by its key, for credentials and status lists alike.
CRYPTOSUITE_FOR_KEY: Mapping[KeyType, str] = {
    KeyType.ED25519: "eddsa-rdfc-2022",
    KeyType.P256: "ecdsa-rdfc-2019",
}


def cryptosuite_for(key_type: KeyType) -> str:
    """The Data Integrity suite that signs with a key of ``key_type``."""
    return CRYPTOSUITE_FOR_KEY[key_type]


def suite_name_of(proof: Mapping[str, Any]) -> str:
    """The suite a proof claims: its cryptosuite, or its type for legacy proofs."""
    if proof.get("type") == DATA_INTEGRITY_PROOF:
        return str(proof.get("cryptosuite", ""))
    return str(proof.get("type", ""))


def document_hash(unsecured: Mapping[str, Any], loader: DocumentLoader | None) -> bytes:
    """SHA-256 of the canonical unsecured document (transform + hash stages)."""
    return hashlib.sha256(canonicalize(unsecured, loader=loader).encode("utf-8")).digest()


def proof_config_hash(
    proof_config: Mapping[str, Any], context: Any, loader: DocumentLoader | None
) -> bytes:
    """SHA-256 of the canonical proof configuration, evaluated in the document's @context."""
    config = {**proof_config, "@context": context}
    return hashlib.sha256(canonicalize(config, loader=loader).encode("utf-8")).digest()


def hash_data(proof_hash: bytes, doc_hash: bytes) -> bytes:
    """The bytes that get signed: proof configuration hash first."""
    return proof_hash + doc_hash


def encode_proof_value(signature: bytes) -> str:
    """Multibase base58btc ("z…"), the proofValue encoding of every suite here."""
    return "z" + base58.b58encode(signature).decode("ascii")


def decode_proof_value(proof_value: object) -> bytes:
    """The signature bytes of a proofValue; ValueError if it is not multibase base58btc."""
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        raise ValueError("proofValue must be a multibase base58btc string starting with 'z'")
    return base58.b58decode(proof_value[1:])
