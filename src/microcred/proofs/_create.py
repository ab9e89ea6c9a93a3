"""add_proof: secure a document with a Data Integrity proof (issuer side: raises on error)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microcred.contexts import CREDENTIALS_V1, DATA_INTEGRITY_V2
from microcred.errors import ProofError
from microcred.keys import SigningKey
from microcred.proofs._canonicalize import DocumentLoader
from microcred.proofs._datetime import format_date_time_stamp, parse_date_time_stamp
from microcred.proofs._suites import (
    CREATABLE_SUITES,
    DATA_INTEGRITY_PROOF,
    SUITES,
    cryptosuite_for,
    document_hash,
    encode_proof_value,
    hash_data,
    proof_config_hash,
)

_DATA_INTEGRITY_CONTEXTS = ("https://w3id.org/security/data-integrity/v1", DATA_INTEGRITY_V2)


def add_proof(
    document: Mapping[str, Any],
    key: SigningKey,
    *,
    verification_method: str,
    cryptosuite: str | None = None,
    created: datetime | str | None = None,
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader | None = None,
    proof_as_list: bool = False,
) -> dict[str, Any]:
    """A copy of ``document`` with a DataIntegrityProof added (``document`` is untouched).

    An existing ``proof`` turns into a proof set: the new proof signs the document without
    any ``proof``. ``proof_as_list`` always emits ``proof`` as an array (OB3's schema wants
    that). ``created`` may be an aware datetime, a dateTimeStamp string, or None to omit it.
    ``cryptosuite`` defaults to the one that fits ``key`` (eddsa-rdfc-2022 for Ed25519,
    ecdsa-rdfc-2019 for P-256).
    """
    cryptosuite = cryptosuite or cryptosuite_for(key.key_type)
    _check_suite_and_key(cryptosuite, key)
    context = _checked_context(document)
    options = _proof_options(cryptosuite, created, verification_method, proof_purpose)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    data = hash_data(proof_config_hash(options, context, loader), document_hash(unsecured, loader))
    proof = {**options, "proofValue": encode_proof_value(key.sign(data))}
    return _with_proof(document, proof, proof_as_list)


def _check_suite_and_key(cryptosuite: str, key: SigningKey) -> None:
    if cryptosuite not in CREATABLE_SUITES:
        raise ProofError(f"unsupported cryptosuite {cryptosuite!r}; use one of {CREATABLE_SUITES}")
    expected = SUITES[cryptosuite].key_type
    if key.key_type is not expected:
        raise ProofError(f"{cryptosuite} needs a {expected} key, got {key.key_type}")


def _checked_context(document: Mapping[str, Any]) -> Any:
    context = document.get("@context")
    if not context:
        raise ProofError("the document has no @context")
    urls = context if isinstance(context, list) else [context]
    if CREDENTIALS_V1 in urls and not any(url in urls for url in _DATA_INTEGRITY_CONTEXTS):
        raise ProofError(
            f"a VC 1.1 document ({CREDENTIALS_V1}) does not define DataIntegrityProof: "
            f"add {DATA_INTEGRITY_V2!r} to its @context before signing"
        )
    return context


def _proof_options(
    cryptosuite: str, created: datetime | str | None, verification_method: str, purpose: str
) -> dict[str, str]:
    options = {"type": DATA_INTEGRITY_PROOF, "cryptosuite": cryptosuite}
    if created is not None:
        options["created"] = _created_lexical(created)
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = purpose
    return options


def _created_lexical(created: datetime | str) -> str:
    try:
        if isinstance(created, datetime):
            return format_date_time_stamp(created)
        parse_date_time_stamp(created)
    except ValueError as exc:
        raise ProofError(f"invalid created: {exc}") from exc
    return created


def _with_proof(
    document: Mapping[str, Any], proof: dict[str, Any], proof_as_list: bool
) -> dict[str, Any]:
    secured = copy.deepcopy(dict(document))
    existing = secured.get("proof")
    if existing is None:
        secured["proof"] = [proof] if proof_as_list else proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured
