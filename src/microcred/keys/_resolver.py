"""Resolve a verification method id to a key: did:key, did:jwk, did:web and controller documents.

A key is trusted only through its controller's document: the DID document (generated for
did:key and did:jwk, published for did:web) or, for an ``https://`` method, a controller
document the caller supplied. A key is never read from a URL fragment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microcred.errors import DidResolutionError, MethodNotAuthorised
from microcred.keys._did import VerificationMethod, did_web_segments, did_web_url
from microcred.keys._did_jwk import resolve_did_jwk
from microcred.keys._https_fetch import fetch_json_document
from microcred.keys._keypair import PublicKey

_NETWORK_TIMEOUT_SECONDS = 10
_KEY_TYPES = ("Multikey", "Ed25519VerificationKey2020", "JsonWebKey", "JsonWebKey2020")


class DidResolver:
    """Resolves verification methods offline unless the caller allows the network.

    did:key and did:jwk are decoded locally. did:web documents come from
    ``did_web_documents`` (DID → document), then ``did_web_dir`` (``did_web_example.edu.json``
    style names, or the ``<host>/<path>/did.json`` tree as published), then HTTPS only when
    ``allow_network``. An ``https://…#key`` method resolves only through a controller
    document given in ``did_web_documents`` under its URL (never fetched): 1EdTech's
    samples put a public key in the fragment, and anyone can make such a URL with their
    own key, so the fragment is never used as the key.

    A method its controller's document does not list under ``assertionMethod`` raises
    MethodNotAuthorised (the proof is invalid); any other failure DidResolutionError.
    """

    def __init__(
        self,
        did_web_documents: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        did_web_dir: Path | None = None,
        allow_network: bool = False,
        max_document_bytes: int = 100_000,
    ) -> None:
        self._documents: dict[str, Mapping[str, Any]] = dict(did_web_documents or {})
        self._dir = did_web_dir
        self._allow_network = allow_network
        self._max_bytes = max_document_bytes

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        """The method ``vm_id`` names; DidResolutionError (which id, why) otherwise."""
        if not isinstance(vm_id, str) or not vm_id:
            raise DidResolutionError(
                f"verification method id must be a non-empty string: {vm_id!r}"
            )
        if vm_id.startswith("did:key:"):
            return _resolve_did_key(vm_id)
        if vm_id.startswith("did:jwk:"):
            return resolve_did_jwk(vm_id)
        if vm_id.startswith("did:web:"):
            return self._resolve_did_web(vm_id)
        if vm_id.startswith("https://"):
            return self._resolve_controller_url(vm_id)
        raise DidResolutionError(f"unsupported verification method (DID method or scheme): {vm_id}")

    def _resolve_did_web(self, vm_id: str) -> VerificationMethod:
        did, _, fragment = vm_id.partition("#")
        if not fragment:
            raise DidResolutionError(f"did:web verification method needs a #fragment: {vm_id}")
        return _authorised_method(self._did_web_document(did), did, vm_id)

    def _resolve_controller_url(self, vm_id: str) -> VerificationMethod:
        controller, _, fragment = vm_id.partition("#")
        if not fragment:
            raise DidResolutionError(f"verification method needs a #fragment: {vm_id}")
        document = self._documents.get(controller)
        if document is None:
            raise DidResolutionError(
                f"{vm_id} is not a DID URL and no controller document for {controller} was "
                "given (a key is never taken from a URL fragment)"
            )
        return _authorised_method(document, controller, vm_id)

    def _did_web_document(self, did: str) -> Mapping[str, Any]:
        if did in self._documents:
            return self._documents[did]
        document = self._document_from_dir(did)
        if document is None and self._allow_network:
            document = _fetch_did_document(did, self._max_bytes)
        if document is None:
            raise DidResolutionError(
                f"DID document for {did} not found locally and network resolution is off"
            )
        self._documents[did] = document
        return document

    def _document_from_dir(self, did: str) -> Mapping[str, Any] | None:
        if self._dir is None:
            return None
        host, *path = did_web_segments(did)
        candidates = [
            self._dir / (did.replace(":", "_") + ".json"),
            self._dir.joinpath(host, *(path or [".well-known"]), "did.json"),
        ]
        for candidate in candidates:
            if candidate.is_file():
                return _read_json_file(candidate, self._max_bytes, did)
        return None


def _resolve_did_key(vm_id: str) -> VerificationMethod:
    did, _, fragment = vm_id.partition("#")
    multibase = did.removeprefix("did:key:")
    if fragment and fragment != multibase:
        raise MethodNotAuthorised(f"did:key fragment does not match the key: {vm_id}")
    try:
        key = PublicKey.from_multibase(multibase)
    except ValueError as exc:
        raise DidResolutionError(f"cannot decode did:key {did}: {exc}") from exc
    return VerificationMethod(id=f"{did}#{multibase}", controller=did, public_key=key)


def _authorised_method(
    document: Mapping[str, Any], controller: str, vm_id: str
) -> VerificationMethod:
    """The key of ``vm_id`` as ``controller``'s document lists it under assertionMethod."""
    if document.get("id") != controller:
        raise DidResolutionError(f"the document for {controller} has id {document.get('id')!r}")
    entry = _find_method(document, controller, vm_id)
    if not _is_assertion_method(document, controller, vm_id):
        raise MethodNotAuthorised(f"{vm_id} is not listed under assertionMethod of {controller}")
    return _method_from_entry(entry, controller, vm_id)


def _absolute(did: str, ref: str) -> str:
    return did + ref if ref.startswith("#") else ref


def _find_method(document: Mapping[str, Any], did: str, vm_id: str) -> Mapping[str, Any]:
    embedded = [m for m in document.get("assertionMethod", []) if isinstance(m, Mapping)]
    for entry in [*document.get("verificationMethod", []), *embedded]:
        if isinstance(entry, Mapping) and _absolute(did, str(entry.get("id", ""))) == vm_id:
            return entry
    raise MethodNotAuthorised(f"verification method {vm_id} is not in the document of {did}")


def _is_assertion_method(document: Mapping[str, Any], did: str, vm_id: str) -> bool:
    for ref in document.get("assertionMethod", []):
        ref_id = ref.get("id", "") if isinstance(ref, Mapping) else ref
        if isinstance(ref_id, str) and _absolute(did, ref_id) == vm_id:
            return True
    return False


def _method_from_entry(entry: Mapping[str, Any], did: str, vm_id: str) -> VerificationMethod:
    if entry.get("type") not in _KEY_TYPES:
        raise DidResolutionError(
            f"{vm_id}: unsupported verification method type {entry.get('type')!r}"
        )
    controller = entry.get("controller")
    if controller != did:
        raise MethodNotAuthorised(f"{vm_id}: controller {controller!r} is not {did}")
    try:
        if "publicKeyMultibase" in entry:
            key = PublicKey.from_multibase(str(entry["publicKeyMultibase"]))
        elif isinstance(entry.get("publicKeyJwk"), Mapping):
            key = PublicKey.from_jwk(dict(entry["publicKeyJwk"]))
        else:
            raise ValueError("no publicKeyMultibase or publicKeyJwk")
    except (ValueError, KeyError) as exc:
        raise DidResolutionError(f"{vm_id}: unusable public key: {exc}") from exc
    return VerificationMethod(id=vm_id, controller=did, public_key=key)


def _parse_document(data: bytes, max_bytes: int, did: str) -> Mapping[str, Any]:
    if len(data) > max_bytes:
        raise DidResolutionError(f"DID document for {did} exceeds {max_bytes} bytes")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DidResolutionError(f"DID document for {did} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise DidResolutionError(f"DID document for {did} is not a JSON object")
    return document


def _read_json_file(path: Path, max_bytes: int, did: str) -> Mapping[str, Any]:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DidResolutionError(f"cannot read DID document for {did} at {path}: {exc}") from exc
    return _parse_document(data, max_bytes, did)


def _fetch_did_document(did: str, max_bytes: int) -> Mapping[str, Any]:
    url = did_web_url(did)
    try:
        data = fetch_json_document(url, max_bytes=max_bytes, timeout=_NETWORK_TIMEOUT_SECONDS)
    except DidResolutionError as exc:
        raise DidResolutionError(f"DID document for {did} not fetched: {exc}") from exc
    return _parse_document(data, max_bytes, did)
