"""did:key, did:web URL mapping and documents, and the offline-first DidResolver."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from microcred.errors import DidResolutionError, MethodNotAuthorised
from microcred.keys import (
    DidResolver,
    KeyType,
    PublicKey,
    SigningKey,
    did_key,
    did_key_verification_method,
    did_web_document,
    did_web_url,
)

ED_MB = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"  # w3c/vc-di-eddsa keyPair.json
P256_MB = "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"  # w3c/vc-di-ecdsa p256KeyPair.json
DID = "did:web:example.edu:issuers:x"


def test_did_key_forms() -> None:
    key = PublicKey.from_multibase(ED_MB)
    assert did_key(key) == f"did:key:{ED_MB}"
    assert did_key_verification_method(key) == f"did:key:{ED_MB}#{ED_MB}"


@pytest.mark.parametrize("multibase", [ED_MB, P256_MB])
def test_did_key_resolves_offline(multibase: str) -> None:
    method = DidResolver().resolve_verification_method(f"did:key:{multibase}#{multibase}")
    assert method.controller == f"did:key:{multibase}"
    assert method.public_key.multibase() == multibase


def test_did_key_without_fragment_and_with_wrong_fragment() -> None:
    resolver = DidResolver()
    assert resolver.resolve_verification_method(f"did:key:{ED_MB}").id == f"did:key:{ED_MB}#{ED_MB}"
    with pytest.raises(DidResolutionError, match="fragment"):
        resolver.resolve_verification_method(f"did:key:{ED_MB}#{P256_MB}")
    with pytest.raises(DidResolutionError, match="did:key:zNotAKey"):
        resolver.resolve_verification_method("did:key:zNotAKey")


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.edu", "https://example.edu/.well-known/did.json"),
        ("did:web:example.edu:issuers:x", "https://example.edu/issuers/x/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did", ["did:key:z6Mk", "did:web:", "did:web:example.edu:..:x", "did:web:a%2Fb", "did:web:e#k"]
)
def test_did_web_url_rejects_malformed(did: str) -> None:
    with pytest.raises(DidResolutionError):
        did_web_url(did)


def _document() -> dict[str, Any]:
    return did_web_document(
        DID,
        [("key-1", PublicKey.from_multibase(ED_MB)), ("#key-2", PublicKey.from_multibase(P256_MB))],
    )


def test_did_web_document_shape() -> None:
    document = _document()
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert document["id"] == DID
    assert document["verificationMethod"][0] == {
        "id": f"{DID}#key-1",
        "type": "Multikey",
        "controller": DID,
        "publicKeyMultibase": ED_MB,
    }
    assert document["assertionMethod"] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert document["authentication"] == document["assertionMethod"]


def test_did_web_resolves_from_mapping() -> None:
    method = DidResolver({DID: _document()}).resolve_verification_method(f"{DID}#key-2")
    assert (method.id, method.controller) == (f"{DID}#key-2", DID)
    assert method.public_key.key_type is KeyType.P256


def test_did_web_only_assertion_methods_count() -> None:
    document = _document()
    document["assertionMethod"] = [f"{DID}#key-1"]
    resolver = DidResolver({DID: document})
    with pytest.raises(DidResolutionError, match="not listed under assertionMethod"):
        resolver.resolve_verification_method(f"{DID}#key-2")


def test_did_web_relative_ids_and_embedded_methods() -> None:
    key = SigningKey.generate(KeyType.ED25519).public_key
    document = {
        "id": DID,
        "assertionMethod": [
            {
                "id": "#k",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": key.multibase(),
            }
        ],
    }
    assert DidResolver({DID: document}).resolve_verification_method(f"{DID}#k").public_key == key


def test_did_web_rejects_foreign_controller_and_wrong_id() -> None:
    document = _document()
    document["verificationMethod"][0]["controller"] = "did:web:evil.example"
    with pytest.raises(DidResolutionError, match="controller"):
        DidResolver({DID: document}).resolve_verification_method(f"{DID}#key-1")
    with pytest.raises(DidResolutionError, match="has id"):
        DidResolver({DID: {**_document(), "id": "did:web:other"}}).resolve_verification_method(
            f"{DID}#key-1"
        )


@pytest.mark.parametrize("layout", ["flat", "tree"])
def test_did_web_resolves_from_directory(tmp_path: Path, layout: str) -> None:
    if layout == "flat":
        path = tmp_path / "did_web_example.edu_issuers_x.json"
    else:
        path = tmp_path / "example.edu" / "issuers" / "x" / "did.json"
        path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_document()))
    method = DidResolver(did_web_dir=tmp_path).resolve_verification_method(f"{DID}#key-1")
    assert method.public_key.multibase() == ED_MB


def test_did_web_document_size_bound(tmp_path: Path) -> None:
    document = _document()
    document["padding"] = "x" * 2000
    (tmp_path / "did_web_example.edu_issuers_x.json").write_text(json.dumps(document))
    resolver = DidResolver(did_web_dir=tmp_path, max_document_bytes=1000)
    with pytest.raises(DidResolutionError, match="exceeds 1000 bytes"):
        resolver.resolve_verification_method(f"{DID}#key-1")


def test_did_web_is_offline_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    # Tripwires on the two calls any fetch must make (the network fetch itself is tested
    # against a local HTTPS server in test_did_web_network.py).
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(
        DidResolutionError, match=r"did:web:example\.edu.*network resolution is off"
    ):
        DidResolver().resolve_verification_method("did:web:example.edu#key-1")


def test_a_key_in_a_url_fragment_is_never_used() -> None:
    resolver = DidResolver()
    with pytest.raises(DidResolutionError, match="never taken from a URL fragment"):
        resolver.resolve_verification_method(f"https://example.com/issuers/876543#{ED_MB}")
    for bad in (f"http://example.com/i#{ED_MB}", "urn:x", "https://example.com/issuers/1"):
        with pytest.raises(DidResolutionError, match=r"unsupported|needs a #fragment"):
            resolver.resolve_verification_method(bad)


def test_https_method_resolves_only_through_its_controller_document() -> None:
    controller = "https://example.com/issuers/876543"
    other = SigningKey.generate(KeyType.ED25519).public_key.multibase()
    document = {
        "id": controller,
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": ED_MB,
            },
            {
                "id": f"{controller}#{other}",
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": ED_MB,
            },
            {
                "id": "#auth",
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": ED_MB,
            },
        ],
        "assertionMethod": ["#key-1", f"{controller}#{other}"],
    }
    resolver = DidResolver({controller: document})
    method = resolver.resolve_verification_method(f"{controller}#key-1")
    assert (method.controller, method.public_key.multibase()) == (controller, ED_MB)
    # The key comes from the document, whatever the fragment says.
    assert (
        resolver.resolve_verification_method(f"{controller}#{other}").public_key.multibase()
        == ED_MB
    )
    for unlisted in (f"{controller}#auth", f"{controller}#{ED_MB}"):
        with pytest.raises(MethodNotAuthorised):
            resolver.resolve_verification_method(unlisted)
    impostor = {**document, "id": "https://attacker.example/me"}
    with pytest.raises(DidResolutionError, match="has id"):
        DidResolver({controller: impostor}).resolve_verification_method(f"{controller}#key-1")
