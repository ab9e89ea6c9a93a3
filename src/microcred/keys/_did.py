"""did:key and did:web: identifiers, URLs and the DID document an issuer publishes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from microcred.contexts import MULTIKEY_V1
from microcred.errors import DidResolutionError
from microcred.keys._keypair import PublicKey

DID_V1 = "https://www.w3.org/ns/did/v1"
_DID_KEY = "did:key:"
_DID_WEB = "did:web:"


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method: its id, its controller and its key."""

    id: str
    controller: str
    public_key: PublicKey


def did_key(public_key: PublicKey) -> str:
    """The did:key DID of ``public_key``."""
    return _DID_KEY + public_key.multibase()


def did_key_verification_method(public_key: PublicKey) -> str:
    """The did:key verification method id, ``did:key:z…#z…``."""
    multibase = public_key.multibase()
    return f"{_DID_KEY}{multibase}#{multibase}"


def did_web_segments(did: str) -> list[str]:
    """The percent-decoded host (with port) and path segments of a did:web DID."""
    if not did.startswith(_DID_WEB) or "#" in did or "?" in did:
        raise DidResolutionError(f"not a did:web DID: {did!r}")
    segments = [unquote(part) for part in did[len(_DID_WEB) :].split(":")]
    for segment in segments:
        if not segment or segment in (".", "..") or "/" in segment or "\\" in segment:
            raise DidResolutionError(f"malformed did:web DID {did!r}: bad segment {segment!r}")
    host = segments[0]
    if any(c in host for c in "@?#") or host.startswith("-"):
        raise DidResolutionError(f"malformed did:web DID {did!r}: bad host {host!r}")
    return segments


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web DID document (did:web method spec §3.2)."""
    host, *path = did_web_segments(did)
    if not path:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(path)}/did.json"


def did_web_document(did: str, keys: Sequence[tuple[str, PublicKey]]) -> dict[str, Any]:
    """The DID document to publish for ``did``; each key is (fragment or VM id, public key).

    Every key is listed under ``assertionMethod`` (what credential proofs use) and
    ``authentication``.
    """
    did_web_segments(did)
    if not keys:
        raise ValueError("a DID document needs at least one key")
    methods = [_multikey_entry(did, name, key) for name, key in keys]
    ids = [method["id"] for method in methods]
    if len(set(ids)) != len(ids):
        raise ValueError("verification method ids must be unique")
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def _multikey_entry(did: str, name: str, key: PublicKey) -> dict[str, str]:
    if name.startswith(did + "#"):
        vm_id = name
    else:
        fragment = name.removeprefix("#")
        if not fragment or any(c in fragment for c in "#?/ "):
            raise ValueError(f"bad verification method fragment {name!r}")
        vm_id = f"{did}#{fragment}"
    return {
        "id": vm_id,
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key.multibase(),
    }
