"""Byte-exact reproduction of published Data Integrity vectors, and verification of
1EdTech / DCC sample credentials. Provenance of every file: tests/vectors/SOURCES.md."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from _controller_documents import controller_document
from microcred.keys import DidResolver, SigningKey
from microcred.proofs import add_proof, canonicalize, verify_proofs
from microcred.proofs._canonicalize import canonicalize_with

VECTORS = Path(__file__).parent / "vectors"


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _json(path: Path) -> Any:
    return json.loads(path.read_bytes())


@dataclass(frozen=True)
class DiVector:
    """One published vector set; the file names are those of the upstream repository."""

    name: str
    source: str
    cryptosuite: str
    unsigned: Path
    proof_options: Path
    canon_doc: Path
    canon_proof: Path
    doc_hash_hex: str
    proof_hash_hex: str
    signature_hex: str
    proof_value: str
    signed: Path
    controller: str

    secret_multibase: str
    combined_hex: str

    def key(self) -> SigningKey:
        return SigningKey.from_multibase(self.secret_multibase)


def _w3c(
    name: str, source: str, suffix: str, cryptosuite: str, key_file: str, key_field: str
) -> DiVector:
    base = VECTORS / name
    return DiVector(
        name=name,
        source=source,
        cryptosuite=cryptosuite,
        unsigned=base / "unsigned.json",
        proof_options=base / f"proofConfig{suffix}.json",
        canon_doc=base / f"canonDoc{suffix}.txt",
        canon_proof=base / f"proofCanon{suffix}.txt",
        doc_hash_hex=_text(base / f"docHash{suffix}.txt"),
        proof_hash_hex=_text(base / f"proofHash{suffix}.txt"),
        signature_hex=_text(base / f"sigHex{suffix}.txt"),
        proof_value=_text(base / f"sigBTC58{suffix}.txt"),
        signed=base / f"signed{suffix}.json",
        controller=_json(base / f"proofConfig{suffix}.json")["verificationMethod"].split("#")[0],
        secret_multibase=_json(base / key_file)[key_field],
        combined_hex=_text(base / f"combinedHash{suffix}.txt"),
    )


def _ob3_spec() -> DiVector:
    base = VECTORS / "ob3-spec-eddsa-rdfc-2022"
    expected = _json(base / "expected-values.json")
    return DiVector(
        name="ob3-spec-eddsa-rdfc-2022",
        source="1EdTech/openbadges-specification@1af145ff ob_v3p0/impl/test-vectors",
        cryptosuite="eddsa-rdfc-2022",
        unsigned=base / "unsigned.json",
        proof_options=base / "proof-options.json",
        canon_doc=base / "document-canon.txt",
        canon_proof=base / "proof-canon.txt",
        doc_hash_hex=expected["documentHashHex"],
        proof_hash_hex=expected["proofHashHex"],
        signature_hex=expected["signatureHex"],
        proof_value=expected["proofValue"],
        signed=base / "signed.json",
        controller=expected["controller"],
        # 64 bytes (seed ‖ public key), as the 1EdTech page's JS library prints it.
        secret_multibase=expected["secretKeyMultibase_as_printed_by_js_lib"],
        combined_hex=expected["dataToSignHex_proofHash_then_docHash"],
    )


DI_VECTORS = [
    _w3c(
        "eddsa-rdfc-2022",
        "w3c/vc-di-eddsa@abb673eb TestVectors",
        "DataInt",
        "eddsa-rdfc-2022",
        "keyPair.json",
        "privateKeyMultibase",
    ),
    _w3c(
        "ecdsa-rdfc-2019-p256",
        "w3c/vc-di-ecdsa@00781de5 TestVectors",
        "ECDSAP256",
        "ecdsa-rdfc-2019",
        "p256KeyPair.json",
        "secretKeyMultibase",
    ),
    _ob3_spec(),
]
_ids = [v.name for v in DI_VECTORS]


def _proof_config(vector: DiVector) -> dict[str, Any]:
    options = {k: v for k, v in _json(vector.proof_options).items() if k != "@context"}
    return {**options, "@context": _json(vector.unsigned)["@context"]}


@pytest.mark.parametrize("vector", DI_VECTORS, ids=_ids)
def test_canonical_document_matches(vector: DiVector) -> None:
    assert canonicalize(_json(vector.unsigned)) == _text(vector.canon_doc)


@pytest.mark.parametrize("vector", DI_VECTORS, ids=_ids)
def test_canonical_proof_config_matches(vector: DiVector) -> None:
    assert canonicalize(_proof_config(vector)) == _text(vector.canon_proof)


@pytest.mark.parametrize("backend", ["auto", "oxigraph", "pyld"])
@pytest.mark.parametrize("vector", DI_VECTORS, ids=_ids)
def test_both_canonicalization_backends_match(vector: DiVector, backend: Any) -> None:
    document = _json(vector.unsigned)
    assert canonicalize_with(document, loader=None, backend=backend) == _text(vector.canon_doc)


@pytest.mark.parametrize("vector", DI_VECTORS, ids=_ids)
def test_hashes_match(vector: DiVector) -> None:
    doc_hash = hashlib.sha256(_text(vector.canon_doc).encode()).hexdigest()
    proof_hash = hashlib.sha256(_text(vector.canon_proof).encode()).hexdigest()
    assert (doc_hash, proof_hash) == (vector.doc_hash_hex, vector.proof_hash_hex)
    assert vector.combined_hex == proof_hash + doc_hash


@pytest.mark.parametrize("vector", DI_VECTORS, ids=_ids)
def test_add_proof_reproduces_signed_document(vector: DiVector) -> None:
    options = _json(vector.proof_options)
    signed = add_proof(
        _json(vector.unsigned),
        vector.key(),
        verification_method=options["verificationMethod"],
        cryptosuite=vector.cryptosuite,
        created=options["created"],
    )
    assert signed["proof"]["proofValue"] == vector.proof_value
    assert signed == _json(vector.signed)


@pytest.mark.parametrize("vector", DI_VECTORS, ids=_ids)
def test_signature_bytes_match(vector: DiVector) -> None:
    data = bytes.fromhex(vector.proof_hash_hex + vector.doc_hash_hex)
    assert vector.key().sign(data).hex() == vector.signature_hex


def test_ob3_spec_private_key_hex_is_the_same_key() -> None:
    expected = _json(VECTORS / "ob3-spec-eddsa-rdfc-2022" / "expected-values.json")
    seed = bytes.fromhex(expected["privateKeyHex_seed_plus_public_64_bytes"][:64])
    key = SigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(seed))
    assert key.public_key == _ob3_spec().key().public_key
    assert key.public_key.multibase() == expected["publicKeyMultibase"]


@pytest.mark.parametrize("vector", DI_VECTORS, ids=_ids)
def test_signed_vector_verifies(vector: DiVector) -> None:
    document = _json(vector.signed)
    [result] = verify_proofs(
        document, _resolver_for(document), expected_controller=vector.controller
    )
    assert result.outcome == "valid", result.reason


@dataclass(frozen=True)
class Example:
    path: str
    source: str
    proofs: int
    expected_controller: str | None = None


EXAMPLES = [
    Example("ob3-examples/simple.json", "1EdTech public-validator@38254719 ob30/simple.json", 1),
    Example(
        "ob3-examples/simple-did-key-method.json",
        "1EdTech public-validator@38254719 ob30/simple-did-key-method.json (issuer is a urn:uuid)",
        1,
        "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
    ),
    Example(
        "ob3-examples/bsl-credential-status-revoked.json",
        "1EdTech public-validator@38254719 bit-string-list/credential-status-revoked.json",
        1,
    ),
    Example("ob3-examples/bsl-testlist.json", "1EdTech public-validator@38254719 testlist", 1),
    Example(
        "ob3-examples/simple_v1.json",
        "1EdTech public-validator@38254719 simple_v1.json (Ed25519Signature2020)",
        1,
    ),
    Example(
        "dcc-examples/v2-eddsa-rdfc-2022-didkey-basicOBv3.json",
        "digitalcredentials/vc-test-fixtures@0440d64c v2 didKey basicOBv3",
        1,
    ),
    Example(
        "dcc-examples/v1-two-proofs-bitstring-revoked-expired.json",
        "digitalcredentials/vc-test-fixtures@0440d64c v1 bothSignatureTypes (proof set)",
        2,
    ),
    Example(
        "dcc-examples/statuslist-e5WK8CbZ1GjycuPombrj.json",
        "digitalcredentials/vc-test-fixtures@0440d64c statusLists (Ed25519Signature2020)",
        1,
    ),
]
_example_ids = [Path(e.path).stem for e in EXAMPLES]


def _resolver_for(document: dict[str, Any]) -> DidResolver:
    """did:key needs nothing; an https:// method needs its issuer's controller document."""
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    methods = [p["verificationMethod"] for p in proofs if p["verificationMethod"][:6] == "https:"]
    documents = [controller_document(vm, vm.split("#")[1]) for vm in methods]
    return DidResolver({doc["id"]: doc for doc in documents})


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_ids)
def test_example_verifies(example: Example) -> None:
    document = _json(VECTORS / example.path)
    results = verify_proofs(
        document,
        _resolver_for(document),
        expected_controller=example.expected_controller,
    )
    assert len(results) == example.proofs
    assert [r.outcome for r in results] == ["valid"] * example.proofs, results


def _one_character_changed(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_ids)
def test_example_with_one_changed_character_is_invalid(example: Example) -> None:
    document = _json(VECTORS / example.path)
    document["id"] = _one_character_changed(document["id"])
    results = verify_proofs(
        document, _resolver_for(document), expected_controller=example.expected_controller
    )
    assert [r.outcome for r in results] == ["invalid"] * example.proofs
    assert all("signature does not verify" in r.reason for r in results)


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_ids)
def test_example_with_changed_proof_value_is_invalid(example: Example) -> None:
    document = _json(VECTORS / example.path)
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    proofs[-1]["proofValue"] = proofs[-1]["proofValue"][:-3] + (
        "abc" if not proofs[-1]["proofValue"].endswith("abc") else "abd"
    )
    results = verify_proofs(
        document, _resolver_for(document), expected_controller=example.expected_controller
    )
    assert results[-1].outcome == "invalid"


_KEY_IN_URL_EXAMPLES = [
    e for e in EXAMPLES if "https://" in json.dumps(_json(VECTORS / e.path)["proof"])
]


@pytest.mark.parametrize(
    "example", _KEY_IN_URL_EXAMPLES, ids=[Path(e.path).stem for e in _KEY_IN_URL_EXAMPLES]
)
def test_key_in_url_example_without_controller_document_is_not_checked(example: Example) -> None:
    [result] = verify_proofs(_json(VECTORS / example.path), DidResolver())
    assert result.outcome == "unverifiable"
    assert (
        result.reason.endswith("(a key is never taken from a URL fragment)")
        and "no controller document for https://" in result.reason
    )


def test_did_key_example_without_expected_controller_reports_issuer_mismatch() -> None:
    document = _json(VECTORS / "ob3-examples/simple-did-key-method.json")
    [result] = verify_proofs(document, DidResolver())
    assert result.outcome == "invalid"
    assert "is not the issuer urn:uuid:" in result.reason


def test_verification_does_not_mutate_input() -> None:
    document = _json(VECTORS / "dcc-examples/v1-two-proofs-bitstring-revoked-expired.json")
    before = copy.deepcopy(document)
    verify_proofs(document, DidResolver())
    assert document == before
