"""The anchor proof a credential carries: where its batch's Merkle root sits on a ledger.

It is one more member of the credential's proof set, written only with terms the Data
Integrity context already defines, so it needs no extra JSON-LD context and the issuer's
signature (which covers the document without its proof set) stays valid:

    {"type": "DataIntegrityProof", "cryptosuite": "microcred-merkle-anchor-2025",
     "proofPurpose": "assertionMethod", "created": <block time>,
     "verificationMethod": "did:pkh:eip155:<chain id>:<anchoring address>",
     "proofValue": "u" + base64url(JSON anchor block)}

The leaf is SHA-256 of the credential's RDFC-1.0 canonical N-Quads, signature proofs
included and anchor proofs excluded. See docs/ledger.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from microcred.chain.merkle import ProofStep
from microcred.errors import ProofError
from microcred.proofs import canonicalize

ANCHOR_CRYPTOSUITE = "microcred-merkle-anchor-2025"
#: A credential signed longer than this before its anchor looks back-dated: the verifier
#: fails it, so the issuer refuses to sign one that could not be anchored in time.
MAX_ANCHOR_DELAY = timedelta(days=60)
#: How much later than its anchor's block time a credential may say it was issued.
ANCHOR_CLOCK_SKEW = timedelta(seconds=600)
_MAX_PATH = 64  # a tree of 2^64 leaves is far beyond any batch


@dataclass(frozen=True)
class AnchorBlock:
    leaf: bytes
    path: tuple[ProofStep, ...]
    root: bytes
    chain_id: int
    contract: str
    transaction_hash: str
    block_number: int
    anchored_at: int  # unix seconds (block time)
    anchored_by: str  # the issuer's anchoring address


def is_anchor_proof(proof: object) -> bool:
    return isinstance(proof, Mapping) and proof.get("cryptosuite") == ANCHOR_CRYPTOSUITE


def _proofs(document: Mapping[str, Any]) -> list[Any]:
    proof = document.get("proof")
    return [] if proof is None else list(proof) if isinstance(proof, list) else [proof]


def without_anchor_proofs(document: Mapping[str, Any]) -> dict[str, Any]:
    """The credential as signed: every proof but the anchor proofs (a new dict)."""
    result = dict(document)
    kept = [p for p in _proofs(document) if not is_anchor_proof(p)]
    if not kept:
        result.pop("proof", None)
    elif isinstance(document.get("proof"), list):
        result["proof"] = kept
    else:
        result["proof"] = kept[0]
    return result


def anchor_proofs(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in _proofs(document) if is_anchor_proof(p)]


def credential_leaf(document: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical form of the signed credential (anchor proofs excluded)."""
    nquads = canonicalize(without_anchor_proofs(document))
    return hashlib.sha256(nquads.encode("utf-8")).digest()


def with_anchor_proof(document: Mapping[str, Any], block: AnchorBlock) -> dict[str, Any]:
    """A new document whose proof set also holds the anchor proof (replacing an older one)."""
    signed = without_anchor_proofs(document)
    proofs = _proofs(signed)
    result = dict(signed)
    result["proof"] = [*proofs, encode_anchor_proof(block)]
    return result


def encode_anchor_proof(block: AnchorBlock) -> dict[str, Any]:
    payload = {
        "leaf": block.leaf.hex(),
        "path": [{side: sibling.hex()} for side, sibling in block.path],
        "merkleRoot": "0x" + block.root.hex(),
        "chainId": block.chain_id,
        "contract": block.contract,
        "transactionHash": block.transaction_hash,
        "blockNumber": block.block_number,
        "anchoredBy": block.anchored_by,
    }
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": ANCHOR_CRYPTOSUITE,
        "proofPurpose": "assertionMethod",
        "created": _iso(block.anchored_at),
        "verificationMethod": f"did:pkh:eip155:{block.chain_id}:{block.anchored_by}",
        "proofValue": "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"),
    }


def decode_anchor_proof(proof: Mapping[str, Any]) -> AnchorBlock:
    """The anchor block of an anchor proof; ProofError if it is malformed."""
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("u") or len(value) > 20_000:
        raise ProofError("anchor proof: proofValue must be a multibase base64url string")
    try:
        data = json.loads(base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4)))
        block = AnchorBlock(
            leaf=bytes.fromhex(data["leaf"]),
            path=tuple(_step(step) for step in data["path"][: _MAX_PATH + 1]),
            root=bytes.fromhex(_strip0x(data["merkleRoot"])),
            chain_id=int(data["chainId"]),
            contract=str(data["contract"]),
            transaction_hash=str(data["transactionHash"]),
            block_number=int(data["blockNumber"]),
            anchored_at=_unix(proof.get("created")),
            anchored_by=str(data["anchoredBy"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProofError(f"anchor proof: malformed anchor block ({exc})") from exc
    if len(block.path) > _MAX_PATH:
        raise ProofError("anchor proof: inclusion path too long")
    return block


def _step(step: Mapping[str, str]) -> ProofStep:
    ((side, sibling),) = step.items()
    if side not in ("left", "right"):
        raise ValueError(f"unknown side {side!r}")
    return (side, bytes.fromhex(sibling))  # type: ignore[return-value]


def _strip0x(value: str) -> str:
    return value[2:] if value.startswith("0x") else value


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unix(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError("created is missing")
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
