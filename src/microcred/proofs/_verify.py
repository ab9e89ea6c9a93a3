"""verify_proofs: check every Data Integrity proof of a document (verifier side: reports).

"invalid" means the proof is wrong (bad signature, malformed, wrong purpose or controller);
"unverifiable" means it could not be checked (key not resolvable, context not bundled,
suite not allowed). Only the exceptions these steps are known to raise are translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from microcred.errors import ContextError, DidResolutionError, MethodNotAuthorised, ProofError
from microcred.keys import DidResolver
from microcred.proofs._canonicalize import DocumentLoader
from microcred.proofs._datetime import parse_date_time_stamp
from microcred.proofs._suites import (
    DATA_INTEGRITY_PROOF,
    ED25519_SIGNATURE_2020,
    SUITES,
    Cryptosuite,
    decode_proof_value,
    document_hash,
    hash_data,
    proof_config_hash,
    suite_name_of,
)

Outcome = Literal["valid", "invalid", "unverifiable"]
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
DEFAULT_ALLOWED_CRYPTOSUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", ED25519_SIGNATURE_2020)


@dataclass(frozen=True)
class ProofResult:
    """The outcome of checking one proof, with a reason a person can act on."""

    verification_method: str
    cryptosuite: str
    outcome: Outcome
    reason: str

    @property
    def valid(self) -> bool:
        return self.outcome == "valid"


class _Rejected(Exception):
    """Internal: stops checking one proof with an outcome and a reason."""

    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome: Outcome = outcome
        self.reason = reason


def verify_proofs(
    document: Mapping[str, Any],
    resolver: DidResolver,
    *,
    loader: DocumentLoader | None = None,
    allowed_cryptosuites: Sequence[str] = DEFAULT_ALLOWED_CRYPTOSUITES,
    expected_controller: str | None = None,
) -> list[ProofResult]:
    """One result per proof (empty if there is none); never raises for a bad credential.

    Each proof of a proof set is checked against the document without its ``proof``.
    The key's controller must be the issuer (``issuer`` or ``issuer.id``) unless
    ``expected_controller`` is given. Legacy Ed25519Signature2020 proofs are checked when
    "Ed25519Signature2020" is in ``allowed_cryptosuites`` (it is by default).
    """
    proofs = document.get("proof")
    if proofs is None:
        return []
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    controller = expected_controller or _issuer_id(document)
    doc_hash = _memoized(lambda: document_hash(unsecured, loader))
    context = unsecured.get("@context")
    return [
        _verify_one(
            proof, context, doc_hash, resolver, loader, tuple(allowed_cryptosuites), controller
        )
        for proof in (proofs if isinstance(proofs, list) else [proofs])
    ]


def _verify_one(
    proof: Any,
    context: Any,
    doc_hash: Callable[[], bytes],
    resolver: DidResolver,
    loader: DocumentLoader | None,
    allowed: tuple[str, ...],
    controller: str | None,
) -> ProofResult:
    if not isinstance(proof, Mapping):
        return ProofResult("", "", "invalid", "proof is not a JSON object")
    vm_id = proof.get("verificationMethod")
    suite_name = suite_name_of(proof)
    try:
        reason = _check(proof, context, doc_hash, resolver, loader, allowed, controller)
    except _Rejected as rejected:
        return ProofResult(str(vm_id or ""), suite_name, rejected.outcome, rejected.reason)
    return ProofResult(str(vm_id), suite_name, "valid", reason)


def _check(
    proof: Mapping[str, Any],
    context: Any,
    doc_hash: Callable[[], bytes],
    resolver: DidResolver,
    loader: DocumentLoader | None,
    allowed: tuple[str, ...],
    controller: str | None,
) -> str:
    suite = _allowed_suite(proof, allowed)
    _check_suite_context(suite, context)
    _check_proof_fields(proof)
    signature = _signature(proof)
    method = _resolve(resolver, proof["verificationMethod"])
    if method.public_key.key_type is not suite.key_type:
        raise _Rejected("invalid", f"{suite.name} needs an {suite.key_type} key")
    if controller is None:
        raise _Rejected("invalid", "the credential has no issuer to match the key controller")
    if method.controller != controller:
        raise _Rejected(
            "invalid",
            f"key controller {method.controller} is not the issuer {controller}",
        )
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    proof_context = _proof_context(options, context)
    data = _hashes(options, proof_context, doc_hash, loader)
    if not method.public_key.verify(signature, data):
        raise _Rejected("invalid", "signature does not verify (document or proof altered)")
    return f"signature verified with {method.id} (controller {method.controller})"


def _allowed_suite(proof: Mapping[str, Any], allowed: tuple[str, ...]) -> Cryptosuite:
    proof_type = proof.get("type")
    if proof_type not in (DATA_INTEGRITY_PROOF, ED25519_SIGNATURE_2020):
        raise _Rejected("unverifiable", f"unsupported proof type {proof_type!r}")
    name = suite_name_of(proof)
    if name not in allowed:
        raise _Rejected("unverifiable", f"cryptosuite {name!r} is not in the allow-list {allowed}")
    suite = SUITES.get(name)
    if suite is None:
        raise _Rejected("unverifiable", f"cryptosuite {name!r} is not supported")
    return suite


def _check_suite_context(suite: Cryptosuite, context: Any) -> None:
    # The legacy suite's terms come from its own context; without it the proof type is undefined.
    if suite.name != ED25519_SIGNATURE_2020:
        return
    urls = context if isinstance(context, list) else [context]
    if ED25519_2020_CONTEXT not in urls:
        raise _Rejected("invalid", f"{suite.name} needs {ED25519_2020_CONTEXT} in the @context")


def _check_proof_fields(proof: Mapping[str, Any]) -> None:
    if proof.get("proofPurpose") != "assertionMethod":
        raise _Rejected(
            "invalid", f"proofPurpose must be assertionMethod, not {proof.get('proofPurpose')!r}"
        )
    if not isinstance(proof.get("verificationMethod"), str):
        raise _Rejected("invalid", "proof has no verificationMethod string")
    if "created" in proof:
        try:
            parse_date_time_stamp(proof["created"])
        except ValueError as exc:
            raise _Rejected("invalid", f"proof created: {exc}") from exc


def _signature(proof: Mapping[str, Any]) -> bytes:
    try:
        signature = decode_proof_value(proof.get("proofValue"))
    except ValueError as exc:
        raise _Rejected("invalid", f"malformed proofValue: {exc}") from exc
    if len(signature) != 64:
        raise _Rejected("invalid", f"proofValue holds {len(signature)} bytes, expected 64")
    return signature


def _resolve(resolver: DidResolver, vm_id: str) -> Any:
    try:
        return resolver.resolve_verification_method(vm_id)
    except MethodNotAuthorised as exc:
        raise _Rejected("invalid", f"verification method not authorised: {exc}") from exc
    except DidResolutionError as exc:
        raise _Rejected("unverifiable", f"cannot resolve verification method: {exc}") from exc


def _proof_context(options: dict[str, Any], document_context: Any) -> Any:
    # A proof may carry its own @context only if the document's @context starts with it.
    own = options.pop("@context", None)
    if own is None:
        return document_context
    own_list = own if isinstance(own, list) else [own]
    doc_list = document_context if isinstance(document_context, list) else [document_context]
    if doc_list[: len(own_list)] != own_list:
        raise _Rejected("invalid", "proof @context does not match the document @context")
    return document_context


def _hashes(
    options: Mapping[str, Any],
    context: Any,
    doc_hash: Callable[[], bytes],
    loader: DocumentLoader | None,
) -> bytes:
    try:
        return hash_data(proof_config_hash(options, context, loader), doc_hash())
    except ContextError as exc:
        raise _Rejected("unverifiable", str(exc)) from exc
    except ProofError as exc:
        raise _Rejected("invalid", str(exc)) from exc


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _memoized(compute: Callable[[], bytes]) -> Callable[[], bytes]:
    """Canonicalize the document once for all proofs of a set, and only if one gets that far."""
    cache: list[bytes] = []

    def value() -> bytes:
        if not cache:
            cache.append(compute())
        return cache[0]

    return value
