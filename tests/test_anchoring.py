"""Anchoring issued batches on the embedded EVM ledger, and the verifier's ledger steps."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from microcred.chain import (
    AccreditationScope,
    Ledger,
    TransactionRejected,
    merkle_root,
    open_ledger,
)
from microcred.chain.anchor_proof import (
    AnchorBlock,
    anchor_proofs,
    credential_leaf,
    decode_anchor_proof,
    with_anchor_proof,
)
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import IssuerProfile, Learner, multilingual
from microcred.issuer import Issuer, issue_batch, make_awards
from microcred.issuer.anchoring import anchor_documents
from microcred.keys import KeyType, SigningKey, did_key, did_key_verification_method
from microcred.verifier import StepStatus, Verdict, VerificationPolicy, verify_credential

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
ISSUED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
T0 = int(ISSUED.timestamp()) + 3600  # the ledger's clock: an hour after issuing
YEAR = 365 * 86400
SCOPE = AccreditationScope(frozenset({6, 7}), "MicroCredential")


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _account(seed: int) -> LocalAccount:
    return Account.from_key(bytes([seed]) * 32)


ROOT, AUTHORITY, ISSUER_ACCOUNT, OTHER_ACCOUNT = (_account(n) for n in (1, 2, 3, 4))


def _issuer() -> Issuer:
    key = SigningKey.generate(KeyType.ED25519)
    profile = IssuerProfile(
        did=did_key(key.public_key),
        verification_method=did_key_verification_method(key.public_key),
        name=multilingual({"en": "Example State University"}),
        country="GE",
        legal_identifier="204000000",
    )
    return Issuer(profile=profile, key=key)


def _learners(count: int) -> list[Learner]:
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    base = read_learners(EXAMPLE / "learners.csv", spec)
    return [replace(base[i % len(base)], learner_id=f"L{i:05d}", row=i + 1) for i in range(count)]


def _documents(
    issuer: Issuer, count: int, formats: tuple[str, ...] = ("ob3",)
) -> list[dict[str, Any]]:
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    awards = make_awards(spec, _learners(count), issuer.profile, issued=ISSUED)
    batch = issue_batch(awards, issuer, formats=formats, validate=False)
    return [d for c in batch.credentials for d in (c.elm, c.ob3) if d is not None]


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def ledger(tmp_path: Path, clock: Clock) -> Iterator[Ledger]:
    with open_ledger(tmp_path / "ledger", clock=clock) as opened:
        opened.deploy(ROOT)
        opened.add_authority(ROOT, AUTHORITY.address)
        yield opened


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return _issuer()


def _accredit(ledger: Ledger, issuer: Issuer, account: LocalAccount = ISSUER_ACCOUNT) -> None:
    ledger.accredit(
        AUTHORITY, account.address, issuer.profile.did, T0 - YEAR // 2, T0 + 2 * YEAR, SCOPE
    )


def _policy(ledger: Ledger | None, clock: Clock) -> VerificationPolicy:
    return VerificationPolicy(now=datetime.fromtimestamp(clock.now + 60, UTC), ledger=ledger)


def _step(document: dict[str, Any], policy: VerificationPolicy, name: str) -> Any:
    return verify_credential(document, policy).step(name)


def test_a_thousand_learner_batch_is_one_transaction(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    _accredit(ledger, issuer)
    documents = _documents(issuer, 1000)
    anchored, anchor = anchor_documents(documents, ledger, ISSUER_ACCOUNT)
    assert len(anchored) == 1000
    assert anchor.reused is False
    assert {decode_anchor_proof(anchor_proofs(d)[0]).transaction_hash for d in anchored} == {
        anchor.transaction_hash
    }
    record = ledger.anchor_of(anchor.root)
    assert record is not None and record.issuer == ISSUER_ACCOUNT.address
    policy = _policy(ledger, clock)
    for document in random.Random(7).sample(anchored, 5):
        report = verify_credential(document, policy)
        assert report.verdict is Verdict.VALID, report.to_dict()
        assert "still is" in report.step("accredited").reason


def test_anchor_proof_keeps_the_issuers_signature_valid(ledger: Ledger, issuer: Issuer) -> None:
    _accredit(ledger, issuer)
    documents = _documents(issuer, 2, formats=("elm", "ob3"))
    anchored, _ = anchor_documents(documents, ledger, ISSUER_ACCOUNT)
    for before, after in zip(documents, anchored, strict=True):
        assert credential_leaf(after) == credential_leaf(before)
        assert len(after["proof"]) == 2


def test_retrying_never_anchors_twice(ledger: Ledger, issuer: Issuer) -> None:
    _accredit(ledger, issuer)
    documents = _documents(issuer, 3)
    first, anchor = anchor_documents(documents, ledger, ISSUER_ACCOUNT)
    again, second = anchor_documents(first, ledger, ISSUER_ACCOUNT)
    assert second.reused and second.root == anchor.root
    assert second.block_number == anchor.block_number
    with pytest.raises(TransactionRejected, match="root already anchored"):
        ledger.anchor(ISSUER_ACCOUNT, anchor.root)
    assert [credential_leaf(d) for d in again] == [credential_leaf(d) for d in first]


def test_a_non_accredited_issuer_cannot_anchor(ledger: Ledger, issuer: Issuer) -> None:
    with pytest.raises(TransactionRejected, match="issuer not accredited now"):
        anchor_documents(_documents(issuer, 2), ledger, ISSUER_ACCOUNT)


def test_an_expired_accreditation_cannot_anchor(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    _accredit(ledger, issuer)
    clock.now = T0 + 3 * YEAR
    with pytest.raises(TransactionRejected, match="issuer not accredited now"):
        anchor_documents(_documents(issuer, 2), ledger, ISSUER_ACCOUNT)


def _anchored_one(ledger: Ledger, issuer: Issuer) -> dict[str, Any]:
    _accredit(ledger, issuer)
    anchored, _ = anchor_documents(_documents(issuer, 4), ledger, ISSUER_ACCOUNT)
    return anchored[1]


def _with_block(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    block = decode_anchor_proof(anchor_proofs(document)[0])
    return with_anchor_proof(document, replace(block, **changes))


def test_a_forged_inclusion_proof_fails(ledger: Ledger, issuer: Issuer, clock: Clock) -> None:
    document = _anchored_one(ledger, issuer)
    block = decode_anchor_proof(anchor_proofs(document)[0])
    side, _ = block.path[0]
    forged = _with_block(document, path=((side, bytes(32)), *block.path[1:]))
    step = _step(forged, _policy(ledger, clock), "anchored")
    assert step.status is StepStatus.FAIL
    assert "inclusion proof does not lead" in step.reason


def test_a_root_never_anchored_fails(ledger: Ledger, issuer: Issuer, clock: Clock) -> None:
    document = _anchored_one(ledger, issuer)
    leaf = credential_leaf(document)
    lone_root = merkle_root([leaf])  # a one-leaf tree: empty path, valid inclusion
    forged = _with_block(document, path=(), root=lone_root)
    step = _step(forged, _policy(ledger, clock), "anchored")
    assert step.status is StepStatus.FAIL
    assert "never anchored" in step.reason


def test_an_edited_credential_no_longer_matches_its_leaf(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    document = copy.deepcopy(_anchored_one(ledger, issuer))
    document["name"] = document["name"] + " (edited)"
    report = verify_credential(document, _policy(ledger, clock))
    assert report.step("anchored").status is StepStatus.FAIL
    assert "does not match its anchored leaf" in report.step("anchored").reason
    assert report.step("proof").status is StepStatus.FAIL


def test_an_address_accredited_for_another_did_fails(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    impostor = _issuer()  # accredited address, but for someone else's DID
    ledger.accredit(
        AUTHORITY, OTHER_ACCOUNT.address, "did:web:other.example", T0 - 10, T0 + YEAR, SCOPE
    )
    anchored, _ = anchor_documents(_documents(impostor, 2), ledger, OTHER_ACCOUNT)
    step = _step(anchored[0], _policy(ledger, clock), "accredited")
    assert step.status is StepStatus.FAIL
    assert "another DID" in step.reason


def test_out_of_scope_level_fails(ledger: Ledger, issuer: Issuer, clock: Clock) -> None:
    narrow = AccreditationScope(frozenset({5}), "MicroCredential")
    ledger.accredit(
        AUTHORITY, ISSUER_ACCOUNT.address, issuer.profile.did, T0 - 10, T0 + YEAR, narrow
    )
    anchored, _ = anchor_documents(_documents(issuer, 1), ledger, ISSUER_ACCOUNT)
    step = _step(anchored[0], _policy(ledger, clock), "accredited")
    assert step.status is StepStatus.FAIL
    assert "does not cover EQF 7" in step.reason


def test_a_later_revocation_is_reported_but_history_holds(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    document = _anchored_one(ledger, issuer)
    clock.now += 86400
    ledger.revoke(AUTHORITY, ISSUER_ACCOUNT.address)
    step = _step(document, _policy(ledger, clock), "accredited")
    assert step.status is StepStatus.PASS
    assert "no longer is" in step.reason


def test_a_back_dated_credential_fails(ledger: Ledger, issuer: Issuer, clock: Clock) -> None:
    _accredit(ledger, issuer)
    clock.now = T0 + YEAR // 2  # anchored half a year after its stated issue date
    anchored, _ = anchor_documents(_documents(issuer, 1), ledger, ISSUER_ACCOUNT)
    step = _step(anchored[0], _policy(ledger, clock), "anchored")
    assert step.status is StepStatus.FAIL
    assert "back-dated" in step.reason


def test_without_a_ledger_anchors_are_not_checked(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    document = _anchored_one(ledger, issuer)
    report = verify_credential(document, _policy(None, clock))
    assert report.step("anchored").status is StepStatus.ERROR
    assert "not checked" in report.step("anchored").reason
    assert report.verdict is Verdict.NOT_VERIFIED


def test_a_credential_without_anchor_is_never_valid(issuer: Issuer, clock: Clock) -> None:
    document = _documents(issuer, 1)[0]
    report = verify_credential(document, _policy(None, clock))
    assert report.step("anchored").status is StepStatus.ERROR
    assert report.verdict is Verdict.NOT_VERIFIED


def test_anchor_block_round_trips() -> None:
    block = AnchorBlock(
        leaf=bytes(range(32)),
        path=(("left", bytes(32)), ("right", bytes([1]) * 32)),
        root=bytes([9]) * 32,
        chain_id=31337,
        contract="0x" + "ab" * 20,
        transaction_hash="0x" + "cd" * 32,
        block_number=12,
        anchored_at=T0,
        anchored_by=ISSUER_ACCOUNT.address,
    )
    proof = with_anchor_proof({"proof": [{"type": "DataIntegrityProof"}]}, block)["proof"][1]
    assert proof["verificationMethod"] == f"did:pkh:eip155:31337:{ISSUER_ACCOUNT.address}"
    assert decode_anchor_proof(proof) == block


def test_anchor_proof_details_are_checked_against_the_ledger(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    """Even the fields the signature does not cover cannot be changed unnoticed."""
    document = _anchored_one(ledger, issuer)
    block = decode_anchor_proof(anchor_proofs(document)[0])
    other_tx = ledger.accredit(
        AUTHORITY, OTHER_ACCOUNT.address, "did:web:x.example", T0 - 10, T0 + YEAR, SCOPE
    )
    policy = _policy(ledger, clock)
    wrong_tx = _step(_with_block(document, transaction_hash=other_tx), policy, "anchored")
    assert wrong_tx.status is StepStatus.FAIL
    assert "did not anchor this root" in wrong_tx.reason
    wrong_time = _step(
        _with_block(document, anchored_at=block.anchored_at - 60), policy, "anchored"
    )
    assert wrong_time.status is StepStatus.FAIL
    altered = copy.deepcopy(document)
    altered["proof"][-1]["proofPurpose"] = "authentication"
    assert _step(altered, policy, "anchored").status is StepStatus.FAIL


def test_anchoring_is_required_only_for_issuers_the_registry_knows(
    ledger: Ledger, issuer: Issuer, clock: Clock
) -> None:
    """docs/verification-policy.md: the default policy, on a real ledger."""
    _accredit(ledger, issuer)
    anchored, _ = anchor_documents(_documents(issuer, 1), ledger, ISSUER_ACCOUNT)
    stripped = copy.deepcopy(anchored[0])
    stripped["proof"] = [p for p in stripped["proof"] if p not in anchor_proofs(stripped)]
    policy = _policy(ledger, clock)
    registered = verify_credential(stripped, policy)
    assert registered.step("anchored").status is StepStatus.ERROR
    assert registered.step("anchored").reason == (
        "the credential carries no ledger anchor; its issuer is in the registry: "
        "anchoring required by policy"
    )
    assert registered.step("trusted").status is StepStatus.PASS
    assert registered.verdict is Verdict.NOT_VERIFIED
    stranger = _documents(_issuer(), 1)[0]  # never accredited, never anchored
    report = verify_credential(stranger, policy)
    for step in ("anchored", "accredited"):
        assert (report.step(step).status, report.step(step).reason) == (
            StepStatus.SKIPPED,
            "issuer not in the registry; anchoring not required by policy",
        )
    assert report.step("trusted").status is StepStatus.ERROR
    assert "neither in the ledger's registry nor on the trust list" in report.step("trusted").reason
    assert report.verdict is Verdict.NOT_VERIFIED
    trusting = replace(policy, trusted_issuers=frozenset({_issuer_did(stranger)}))
    assert verify_credential(stranger, trusting).verdict is Verdict.VALID


def _issuer_did(document: dict[str, Any]) -> str:
    issuer = document["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)
