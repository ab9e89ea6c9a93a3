"""add_proof / verify_proofs behaviour beyond the published vectors, and canonicalize guards."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import microcred.proofs
from _controller_documents import controller_document
from microcred.contexts import CREDENTIALS_V1, DATA_INTEGRITY_V2
from microcred.errors import ContextError, ProofError
from microcred.keys import DidResolver, KeyType, SigningKey, did_key, did_key_verification_method
from microcred.proofs import add_proof, canonicalize, cryptosuite_for, verify_proofs
from microcred.proofs._canonicalize import canonicalize_with
from microcred.proofs._jsonld_fast import FastPathUnsupported

VECTORS = Path(__file__).parent / "vectors"
CREATED = "2024-05-01T10:00:00Z"
SUITE_FOR = {KeyType.ED25519: "eddsa-rdfc-2022", KeyType.P256: "ecdsa-rdfc-2019"}


def _credential(key: SigningKey) -> dict[str, Any]:
    """The W3C vc-di-eddsa unsigned.json, issued by ``key``'s did:key."""
    document = json.loads((VECTORS / "eddsa-rdfc-2022" / "unsigned.json").read_bytes())
    document["issuer"] = did_key(key.public_key)
    return document


def _sign(document: dict[str, Any], key: SigningKey, **options: Any) -> dict[str, Any]:
    return add_proof(
        document,
        key,
        verification_method=did_key_verification_method(key.public_key),
        cryptosuite=SUITE_FOR[key.key_type],
        created=options.pop("created", CREATED),
        **options,
    )


@pytest.fixture(scope="module")
def ed_key() -> SigningKey:
    return SigningKey.generate(KeyType.ED25519)


@pytest.fixture(scope="module")
def p256_key() -> SigningKey:
    return SigningKey.generate(KeyType.P256)


def test_public_surface_is_exact() -> None:
    assert sorted(microcred.proofs.__all__) == [
        "ProofResult",
        "add_proof",
        "canonicalize",
        "check_signed_form",
        "cryptosuite_for",
        "is_compact_jws",
        "sign_vc_jwt",
        "signed_form_problem",
        "verify_proofs",
        "verify_vc_jwt",
    ]


@pytest.mark.parametrize("key_type", list(KeyType))
def test_round_trip_and_input_untouched(key_type: KeyType) -> None:
    key = SigningKey.generate(key_type)
    document = _credential(key)
    before = copy.deepcopy(document)
    signed = _sign(document, key)
    assert document == before
    assert signed["proof"]["cryptosuite"] == SUITE_FOR[key_type]
    assert list(signed["proof"]) == [
        "type",
        "cryptosuite",
        "created",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ]
    [result] = verify_proofs(signed, DidResolver())
    assert (result.outcome, result.cryptosuite) == ("valid", SUITE_FOR[key_type])


def test_proof_set_signs_document_without_existing_proofs(
    ed_key: SigningKey, p256_key: SigningKey
) -> None:
    first = _sign(_credential(ed_key), ed_key)
    both = _sign(first, p256_key, created="2024-05-02T00:00:00Z")
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    assert both["proof"][0] == first["proof"]
    results = verify_proofs(both, DidResolver(), expected_controller=did_key(ed_key.public_key))
    assert [r.outcome for r in results] == ["valid", "invalid"]  # second key: other controller
    assert "is not the issuer" in results[1].reason


def test_proof_as_list(ed_key: SigningKey) -> None:
    signed = _sign(_credential(ed_key), ed_key, proof_as_list=True)
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    assert verify_proofs(signed, DidResolver())[0].outcome == "valid"


@pytest.mark.parametrize(
    ("created", "lexical"),
    [
        (datetime(2024, 5, 1, 12, 30, 15, 999, tzinfo=UTC), "2024-05-01T12:30:15Z"),
        (datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))), "2024-05-01T12:00:00Z"),
        ("2024-05-01T12:00:00.123+02:00", "2024-05-01T12:00:00.123+02:00"),
    ],
)
def test_created_forms(ed_key: SigningKey, created: datetime | str, lexical: str) -> None:
    signed = _sign(_credential(ed_key), ed_key, created=created)
    assert signed["proof"]["created"] == lexical
    assert verify_proofs(signed, DidResolver())[0].outcome == "valid"


def test_created_none_is_omitted(ed_key: SigningKey) -> None:
    signed = _sign(_credential(ed_key), ed_key, created=None)
    assert "created" not in signed["proof"]
    assert verify_proofs(signed, DidResolver())[0].outcome == "valid"


@pytest.mark.parametrize("created", [datetime(2024, 5, 1), "2024-05-01", "2024-13-01T00:00:00Z"])
def test_invalid_created_is_refused(ed_key: SigningKey, created: datetime | str) -> None:
    with pytest.raises(ProofError, match="created"):
        _sign(_credential(ed_key), ed_key, created=created)


def test_key_must_match_suite(ed_key: SigningKey, p256_key: SigningKey) -> None:
    vm = did_key_verification_method(p256_key.public_key)
    with pytest.raises(ProofError, match="needs a Ed25519 key"):
        add_proof(
            _credential(p256_key), p256_key, verification_method=vm, cryptosuite="eddsa-rdfc-2022"
        )
    with pytest.raises(ProofError, match="unsupported cryptosuite"):
        add_proof(_credential(ed_key), ed_key, verification_method=vm, cryptosuite="bbs-2023")


def test_without_a_cryptosuite_the_key_chooses_it(ed_key: SigningKey, p256_key: SigningKey) -> None:
    # A P-256 issuer's status lists failed with "eddsa-rdfc-2022 needs a Ed25519 key".
    for key, suite in ((ed_key, "eddsa-rdfc-2022"), (p256_key, "ecdsa-rdfc-2019")):
        vm = did_key_verification_method(key.public_key)
        secured = add_proof(_credential(key), key, verification_method=vm)
        assert secured["proof"]["cryptosuite"] == suite == cryptosuite_for(key.key_type)
        assert [r.outcome for r in verify_proofs(secured, DidResolver())] == ["valid"]


def test_vc_v1_needs_data_integrity_context(ed_key: SigningKey) -> None:
    document = json.loads((VECTORS / "ob3-examples" / "simple_v1.json").read_bytes())
    del document["proof"]
    document["issuer"] = did_key(ed_key.public_key)
    with pytest.raises(ProofError, match=re.escape(DATA_INTEGRITY_V2)):
        _sign(document, ed_key)
    assert CREDENTIALS_V1 in document["@context"]
    document["@context"] = [*document["@context"], DATA_INTEGRITY_V2]
    assert verify_proofs(_sign(document, ed_key), DidResolver())[0].outcome == "valid"


def _simple_v1_resolver(document: dict[str, Any]) -> DidResolver:
    """simple_v1.json's https:// method, as its issuer's controller document would list it."""
    method = document["proof"][0]["verificationMethod"]
    controller = controller_document(method, method.split("#")[1])
    return DidResolver({controller["id"]: controller})


def test_undefined_terms_are_refused_not_dropped(ed_key: SigningKey) -> None:
    document = json.loads((VECTORS / "ob3-examples" / "simple_v1.json").read_bytes())
    document["favouriteColour"] = "green"
    document["type"] = [*document["type"], "UnknownType"]
    with pytest.raises(ProofError, match="favouriteColour") as info:
        canonicalize(document)
    assert "UnknownType" in str(info.value)
    assert verify_proofs(document, _simple_v1_resolver(document))[0].outcome == "invalid"


def test_undefined_term_added_after_signing_is_invalid(ed_key: SigningKey) -> None:
    document = json.loads((VECTORS / "ob3-examples" / "simple_v1.json").read_bytes())
    document["credentialSubject"]["extra"] = "unsigned"
    [result] = verify_proofs(document, _simple_v1_resolver(document))
    assert result.outcome == "invalid" and "extra" in result.reason


def test_unknown_context_is_context_error_and_unverifiable(ed_key: SigningKey) -> None:
    document = _credential(ed_key)
    document["@context"] = [*document["@context"], "https://unknown.example/context.jsonld"]
    with pytest.raises(ContextError, match=r"unknown\.example"):
        _sign(document, ed_key)
    signed = _sign(_credential(ed_key), ed_key)
    signed["@context"] = document["@context"]
    [result] = verify_proofs(signed, DidResolver())
    assert result.outcome == "unverifiable" and "unknown.example" in result.reason


def test_no_proof_gives_no_results(ed_key: SigningKey) -> None:
    assert verify_proofs(_credential(ed_key), DidResolver()) == []


def _tampered_proof(ed_key: SigningKey, **changes: Any) -> dict[str, Any]:
    signed = _sign(_credential(ed_key), ed_key)
    signed["proof"].update(changes)
    return signed


@pytest.mark.parametrize(
    ("changes", "outcome", "reason"),
    [
        ({"proofPurpose": "authentication"}, "invalid", "proofPurpose"),
        ({"created": "yesterday"}, "invalid", "created"),
        ({"proofValue": "not-multibase"}, "invalid", "proofValue"),
        ({"proofValue": "z3yM"}, "invalid", "expected 64"),
        ({"cryptosuite": "eddsa-jcs-2022"}, "unverifiable", "allow-list"),
        ({"type": "RsaSignature2018"}, "unverifiable", "unsupported proof type"),
        ({"verificationMethod": "did:web:unknown.example#k"}, "unverifiable", "resolve"),
        ({"verificationMethod": 7}, "invalid", "verificationMethod"),
    ],
    ids=["purpose", "created", "encoding", "length", "suite", "type", "unresolvable", "vm-type"],
)
def test_malformed_proofs(
    ed_key: SigningKey, changes: dict[str, Any], outcome: str, reason: str
) -> None:
    [result] = verify_proofs(_tampered_proof(ed_key, **changes), DidResolver())
    assert result.outcome == outcome
    assert reason in result.reason


def test_allow_list_is_applied(ed_key: SigningKey) -> None:
    signed = _sign(_credential(ed_key), ed_key)
    [result] = verify_proofs(signed, DidResolver(), allowed_cryptosuites=("ecdsa-rdfc-2019",))
    assert result.outcome == "unverifiable"


def test_controller_must_be_issuer(ed_key: SigningKey) -> None:
    signed = _sign(_credential(ed_key), ed_key)
    signed_other_issuer = add_proof(
        {**_credential(ed_key), "issuer": {"id": "https://other.example/issuer"}},
        ed_key,
        verification_method=did_key_verification_method(ed_key.public_key),
        created=CREATED,
    )
    assert verify_proofs(signed, DidResolver())[0].outcome == "valid"
    [result] = verify_proofs(signed_other_issuer, DidResolver())
    assert result.outcome == "invalid" and "https://other.example/issuer" in result.reason
    expected = did_key(ed_key.public_key)
    assert verify_proofs(signed_other_issuer, DidResolver(), expected_controller=expected)[0].valid


def test_non_object_proof_is_invalid(ed_key: SigningKey) -> None:
    [result] = verify_proofs({**_credential(ed_key), "proof": "zabc"}, DidResolver())
    assert result.outcome == "invalid"


def test_canonical_literals_escape_control_characters() -> None:
    document = {"@context": {"@vocab": "https://ex.org/"}, "name": 'a\u0001b\tc"d\\e\nf\u007f'}
    assert (
        canonicalize(document)
        == '_:c14n0 <https://ex.org/name> "a\\u0001b\\tc\\"d\\\\e\\nf\\u007F" .\n'
    )


def test_control_characters_use_rdfc_escaping_on_every_backend() -> None:
    document = {"@context": {"@vocab": "https://ex.org/"}, "name": "a\bb\fc\u001f"}
    expected = '_:c14n0 <https://ex.org/name> "a\\bb\\fc\\u001F" .\n'
    for backend in ("auto", "oxigraph", "pyld"):  # pyld's raw output is corrected there too
        assert canonicalize_with(document, loader=None, backend=backend) == expected


def test_iri_rejected_by_pyoxigraph_falls_back_to_pyld() -> None:
    document = {
        "@context": {"@vocab": "https://ex.org/"},
        "@id": "http://ex.org/%zz",
        "n": "\u0001",
    }
    # pyoxigraph would drop the triple silently; pyld keeps it, with the character raw.
    expected = '<http://ex.org/%zz> <https://ex.org/n> "\u0001" .\n'
    with pytest.raises(FastPathUnsupported):
        canonicalize_with(document, loader=None, backend="oxigraph")
    assert canonicalize_with(document, loader=None, backend="pyld") == expected
    assert canonicalize(document) == expected


def test_invalid_json_ld_is_proof_error() -> None:
    with pytest.raises(ProofError, match="invalid JSON-LD"):
        canonicalize({"@context": {"@vocab": 5}, "name": "x"})
