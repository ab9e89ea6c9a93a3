"""Each verifier step on real signed credentials: what passes, fails, or cannot be checked."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import IssuerProfile, multilingual
from microcred.issuer import Batch, Issuer, issue_batch, make_awards
from microcred.keys import (
    DidResolver,
    KeyType,
    SigningKey,
    did_key,
    did_key_verification_method,
    did_web_document,
)
from microcred.proofs import add_proof, sign_vc_jwt
from microcred.verifier import (
    AnchorRequirement,
    StepStatus,
    Verdict,
    VerificationPolicy,
    parse_credential_bytes,
    verify_credential,
    verify_file,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
ISSUED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
WEB_DID = "did:web:credentials.example.edu.ge"


def _issuer(key: SigningKey, did: str | None = None) -> Issuer:
    did = did or did_key(key.public_key)
    method = (
        did_key_verification_method(key.public_key)
        if did.startswith("did:key")
        else f"{did}#{key.public_key.multibase()}"
    )
    profile = IssuerProfile(
        did=did,
        verification_method=method,
        name=multilingual({"en": "Example State University"}),
        country="GE",
        legal_identifier="204000000",
    )
    return Issuer(profile=profile, key=key)


def _batch(issuer: Issuer, count: int = 2, formats: tuple[str, ...] = ("elm", "ob3")) -> Batch:
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    learners = read_learners(EXAMPLE / "learners.csv", spec)[:count]
    awards = make_awards(spec, learners, issuer.profile, issued=ISSUED)
    return issue_batch(awards, issuer, formats=formats)


@pytest.fixture(scope="module")
def ed_issuer() -> Issuer:
    return _issuer(SigningKey.generate(KeyType.ED25519))


@pytest.fixture(scope="module")
def batch(ed_issuer: Issuer) -> Batch:
    return _batch(ed_issuer, formats=("elm", "ob3"))


def _ob3(batch: Batch) -> dict[str, Any]:
    document = batch.credentials[0].ob3
    assert document is not None
    return copy.deepcopy(document)


def _statuses(report: Any) -> dict[str, StepStatus]:
    return {step.name: step.status for step in report.steps}


# Anchoring: tests/test_anchoring.py. Trust: the issuers a test signs with are put on the list.
POLICY = VerificationPolicy(now=NOW, anchoring=AnchorRequirement.OPTIONAL)


def _trusting(*issuers: Issuer, **changes: Any) -> VerificationPolicy:
    dids = frozenset(issuer.profile.did for issuer in issuers)
    return dataclasses.replace(POLICY, trusted_issuers=dids, **changes)


def test_signed_elm_and_ob3_pass_every_step(batch: Batch, ed_issuer: Issuer) -> None:
    for credential in batch.credentials:
        for document in (credential.elm, credential.ob3):
            assert document is not None
            report = verify_credential(document, _trusting(ed_issuer))
            statuses = _statuses(report)
            skipped = [statuses.pop(name) for name in ("anchored", "accredited", "status")]
            assert set(skipped) == {StepStatus.SKIPPED}
            assert set(statuses.values()) == {StepStatus.PASS}, report.to_dict()
            assert report.verdict is Verdict.VALID


def test_vc_jwt_verifies_and_a_forged_signature_does_not(batch: Batch, ed_issuer: Issuer) -> None:
    document = batch.credentials[0].ob3
    assert document is not None
    token = sign_vc_jwt(document, ed_issuer.key, kid=ed_issuer.profile.verification_method)
    parsed = parse_credential_bytes(token.encode(), source="t.jwt", max_bytes=10**6)
    assert parsed.credential_format == "ob3-jwt"
    assert verify_credential(parsed, _trusting(ed_issuer)).verdict is Verdict.VALID
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    report = verify_credential(
        parse_credential_bytes(forged.encode(), source="f", max_bytes=10**6), POLICY
    )
    assert report.step("proof").status is StepStatus.FAIL


def test_p256_issuer_signs_ecdsa_rdfc_2019() -> None:
    issuer = _issuer(SigningKey.generate(KeyType.P256))
    credential = _batch(issuer, count=1).credentials[0]
    assert credential.ob3 is not None
    assert credential.ob3["proof"][0]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert verify_credential(credential.ob3, _trusting(issuer)).verdict is Verdict.VALID


def test_expired_and_not_yet_valid(batch: Batch) -> None:
    document = _ob3(batch)
    early = verify_credential(document, dataclasses.replace(POLICY, now=ISSUED - timedelta(days=1)))
    assert early.step("validity").status is StepStatus.FAIL
    assert "not valid before" in early.step("validity").reason


def test_missing_proof_fails(batch: Batch) -> None:
    document = _ob3(batch)
    del document["proof"]
    report = verify_credential(document, POLICY)
    assert report.step("proof").status is StepStatus.FAIL
    assert report.verdict is Verdict.INVALID


def test_key_of_another_controller_is_rejected(batch: Batch) -> None:
    """A valid signature by someone else's key must not pass as the issuer's."""
    document = _ob3(batch)
    del document["proof"]
    intruder = SigningKey.generate(KeyType.ED25519)
    signed = add_proof(
        document,
        intruder,
        verification_method=did_key_verification_method(intruder.public_key),
        created=ISSUED,
        proof_as_list=True,
    )
    report = verify_credential(signed, POLICY)
    assert report.verdict is Verdict.INVALID
    assert StepStatus.FAIL in {report.step("proof").status, report.step("issuer").status}


def test_did_web_needs_a_local_copy_unless_network_allowed() -> None:
    key = SigningKey.generate(KeyType.ED25519)
    issuer = _issuer(key, did=WEB_DID)
    document = _batch(issuer, count=1, formats=("ob3",)).credentials[0].ob3
    assert document is not None
    offline = verify_credential(document, POLICY)
    assert offline.verdict is Verdict.NOT_VERIFIED
    assert offline.step("issuer").status is StepStatus.ERROR
    did_document = did_web_document(WEB_DID, [(issuer.profile.verification_method, key.public_key)])
    trusted = _trusting(issuer, resolver=DidResolver({WEB_DID: did_document}))
    assert verify_credential(document, trusted).verdict is Verdict.VALID


def test_schema_violation_fails_the_format_step(batch: Batch) -> None:
    document = _ob3(batch)
    document["credentialSubject"]["achievement"].pop("criteria")
    report = verify_credential(document, POLICY)
    assert report.step("format").status is StepStatus.FAIL
    assert "criteria" in report.step("format").reason


def test_elm_shape_violation_fails_the_format_step(batch: Batch) -> None:
    document = batch.credentials[0].elm
    assert document is not None
    broken = copy.deepcopy(document)
    broken["issuer"].pop("eIDASIdentifier")
    report = verify_credential(broken, POLICY)
    assert report.step("format").status is StepStatus.FAIL
    assert report.step("proof").status is StepStatus.FAIL


def test_missing_annex_i_element_fails(batch: Batch) -> None:
    document = _ob3(batch)
    achievement = document["credentialSubject"]["achievement"]
    achievement["alignment"] = [
        a for a in achievement["alignment"] if a.get("targetType") != "ext:FormOfParticipation"
    ]
    report = verify_credential(document, POLICY)
    assert report.step("annex-i").status is StepStatus.FAIL
    assert "form of participation" in report.step("annex-i").reason


def test_verifier_does_not_modify_its_input(batch: Batch) -> None:
    document = _ob3(batch)
    before = json.dumps(document, sort_keys=True)
    verify_credential(document, POLICY)
    assert json.dumps(document, sort_keys=True) == before


def test_inputs_are_bounded_and_unreadable_files_fail(tmp_path: Path, batch: Batch) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps(_ob3(batch)), "utf-8")
    report = verify_file(big, dataclasses.replace(POLICY, max_input_bytes=1000))
    assert report.verdict is Verdict.INVALID
    assert "limit" in report.steps[0].reason
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xff not a credential")
    assert "UTF-8" in verify_file(garbage, POLICY).steps[0].reason
    broken_image = tmp_path / "broken.png"
    broken_image.write_bytes(b"\x89PNG not really an image")
    assert "not a readable image" in verify_file(broken_image, POLICY).steps[0].reason
