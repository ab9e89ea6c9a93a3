"""The embedded ledger: registry, anchors and persistence on this machine's own EVM."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

import microcred.chain
from microcred.chain import (
    AccreditationScope,
    AccreditationStatus,
    LedgerError,
    TransactionRejected,
    create_keystore,
    inclusion_proofs,
    load_account,
    merkle_root,
    open_ledger,
    verify_inclusion,
)
from microcred.chain._embedded import EMBEDDED_CHAIN_ID, EmbeddedLedger, open_embedded
from microcred.errors import KeyStoreError

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400
TWO_YEARS = 730 * DAY
ISSUER_DID = "did:web:tsu.ge"
SCOPE = AccreditationScope(frozenset({5, 6}), "MicroCredential")


class FakeClock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _account(seed: str) -> LocalAccount:
    account: LocalAccount = Account.from_key(keccak(text=seed))
    return account


ROOT = _account("root-tao")
NCEQE = _account("nceqe")
OTHER_AUTHORITY = _account("other-tao")
ISSUER = _account("tsu")
STRANGER = _account("stranger")


def _leaves(count: int, salt: str = "") -> list[bytes]:
    return [hashlib.sha256(f"{salt}credential {i}".encode()).digest() for i in range(count)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def ledger(tmp_path: Path, clock: FakeClock) -> Iterator[EmbeddedLedger]:
    with open_embedded(tmp_path / "ledger", clock=clock) as opened:
        opened.deploy(ROOT)
        opened.add_authority(ROOT, NCEQE.address)
        yield opened


@pytest.fixture
def accredited(ledger: EmbeddedLedger, clock: FakeClock) -> EmbeddedLedger:
    ledger.accredit(NCEQE, ISSUER.address, ISSUER_DID, T0, T0 + TWO_YEARS, SCOPE)
    clock.now += 60
    return ledger


def test_public_surface_is_exact() -> None:
    assert sorted(microcred.chain.__all__) == [
        "AccreditationEntry",
        "AccreditationScope",
        "AccreditationStatus",
        "AccreditedIssuer",
        "AnchorEvent",
        "AnchorReceipt",
        "AnchorRecord",
        "AuthorityChange",
        "Ledger",
        "LedgerError",
        "LedgerUnavailable",
        "TransactionRejected",
        "create_keystore",
        "inclusion_proof",
        "inclusion_proofs",
        "load_account",
        "merkle_root",
        "open_ledger",
        "verify_inclusion",
    ]


def test_a_thousand_credentials_are_anchored_in_one_transaction(
    accredited: EmbeddedLedger, clock: FakeClock
) -> None:
    leaves = _leaves(1000)
    root = merkle_root(leaves)
    block_before = accredited._w3.eth.block_number

    receipt = accredited.anchor(ISSUER, root)

    assert receipt.block_number == block_before + 1
    block = accredited._w3.eth.get_block(receipt.block_number)
    assert [tx.to_0x_hex() for tx in block["transactions"]] == [receipt.tx_hash]
    assert receipt.block_time == clock.now
    assert receipt.chain_id == EMBEDDED_CHAIN_ID
    assert receipt.contract == accredited.contract_address
    record = accredited.anchor_of(root)
    assert record is not None
    assert (record.issuer, record.timestamp, record.block_number) == (
        ISSUER.address,
        receipt.block_time,
        receipt.block_number,
    )
    proofs = inclusion_proofs(leaves)
    assert verify_inclusion(leaves[737], proofs[737], record.root)
    assert accredited.anchor_of(merkle_root(_leaves(3, salt="never anchored"))) is None


def _execution_gas(gas_used: int, root: bytes) -> int:
    """Gas beyond the 21,000 base and the calldata (selector + root; a zero byte costs less)."""
    calldata = keccak(text="anchor(bytes32)")[:4] + root
    calldata_gas = sum(4 if byte == 0 else 16 for byte in calldata)
    return gas_used - 21_000 - calldata_gas


def test_anchor_gas_does_not_depend_on_batch_size(accredited: EmbeddedLedger) -> None:
    roots = [merkle_root(_leaves(size, salt=str(size))) for size in (1, 100, 5000)]
    executions = {_execution_gas(accredited.anchor(ISSUER, root).gas_used, root) for root in roots}
    assert len(executions) == 1


def test_a_root_is_never_overwritten(accredited: EmbeddedLedger) -> None:
    root = merkle_root(_leaves(10))
    first = accredited.anchor(ISSUER, root)
    with pytest.raises(TransactionRejected, match="root already anchored") as caught:
        accredited.anchor(ISSUER, root)
    assert caught.value.reason == "root already anchored"
    record = accredited.anchor_of(root)
    assert record is not None and record.block_number == first.block_number


def test_a_never_accredited_issuer_cannot_anchor(ledger: EmbeddedLedger) -> None:
    with pytest.raises(TransactionRejected, match="issuer not accredited now"):
        ledger.anchor(STRANGER, merkle_root(_leaves(2)))


def test_an_expired_accreditation_cannot_anchor(
    accredited: EmbeddedLedger, clock: FakeClock
) -> None:
    clock.now = T0 + TWO_YEARS + DAY
    with pytest.raises(TransactionRejected, match="issuer not accredited now"):
        accredited.anchor(ISSUER, merkle_root(_leaves(2)))


def test_a_renewed_accreditation_can_anchor_again(
    accredited: EmbeddedLedger, clock: FakeClock
) -> None:
    clock.now = T0 + TWO_YEARS + DAY
    accredited.renew(NCEQE, ISSUER.address, T0 + 2 * TWO_YEARS)
    clock.now += 60
    assert accredited.anchor(ISSUER, merkle_root(_leaves(2))).block_time == clock.now


def test_suspension_blocks_anchors_until_reinstated(
    accredited: EmbeddedLedger, clock: FakeClock
) -> None:
    accredited.suspend(NCEQE, ISSUER.address)
    clock.now += 60
    with pytest.raises(TransactionRejected, match="issuer not accredited now"):
        accredited.anchor(ISSUER, merkle_root(_leaves(2)))
    accredited.reinstate(NCEQE, ISSUER.address)
    clock.now += 60
    accredited.anchor(ISSUER, merkle_root(_leaves(2)))


def test_a_revoked_issuer_cannot_anchor_nor_be_reinstated(accredited: EmbeddedLedger) -> None:
    accredited.revoke(NCEQE, ISSUER.address)
    with pytest.raises(TransactionRejected, match="issuer not accredited now"):
        accredited.anchor(ISSUER, merkle_root(_leaves(2)))
    with pytest.raises(TransactionRejected, match="not suspended"):
        accredited.reinstate(NCEQE, ISSUER.address)


def test_removing_the_authority_ends_its_issuers_accreditation(
    accredited: EmbeddedLedger, clock: FakeClock
) -> None:
    accredited.remove_authority(ROOT, NCEQE.address)
    removed_at = clock.now
    with pytest.raises(TransactionRejected, match="issuer not accredited now"):
        accredited.anchor(ISSUER, merkle_root(_leaves(2)))
    assert accredited.is_accredited_at(ISSUER.address, removed_at - 1)
    assert not accredited.is_accredited_at(ISSUER.address, removed_at)


def test_only_the_root_and_the_accrediting_authority_manage(accredited: EmbeddedLedger) -> None:
    with pytest.raises(TransactionRejected, match="only the root"):
        accredited.add_authority(NCEQE, STRANGER.address)
    with pytest.raises(TransactionRejected, match="caller is not an authority"):
        accredited.accredit(STRANGER, STRANGER.address, "did:web:x", T0, T0 + DAY, SCOPE)
    accredited.add_authority(ROOT, OTHER_AUTHORITY.address)
    with pytest.raises(TransactionRejected, match="only the accrediting authority"):
        accredited.suspend(OTHER_AUTHORITY, ISSUER.address)
    with pytest.raises(TransactionRejected, match="already accredited"):
        accredited.accredit(NCEQE, ISSUER.address, ISSUER_DID, T0, T0 + DAY, SCOPE)


def test_history_answers_was_the_issuer_accredited_on_date_d(
    ledger: EmbeddedLedger, clock: FakeClock
) -> None:
    # Recorded on day 10 with a validFrom of day 0: never retroactive.
    clock.now = T0 + 10 * DAY
    ledger.accredit(NCEQE, ISSUER.address, ISSUER_DID, T0, T0 + 100 * DAY, SCOPE)
    clock.now = T0 + 20 * DAY
    ledger.suspend(NCEQE, ISSUER.address)
    clock.now = T0 + 30 * DAY
    ledger.reinstate(NCEQE, ISSUER.address)
    clock.now = T0 + 200 * DAY
    ledger.revoke(NCEQE, ISSUER.address)

    answers = {
        day: ledger.is_accredited_at(ISSUER.address, T0 + day * DAY)
        for day in (5, 10, 15, 25, 30, 99, 100, 150, 250)
    }
    assert answers == {
        5: False,  # accreditation not yet recorded
        10: True,
        15: True,
        25: False,  # suspended
        30: True,
        99: True,
        100: False,  # validUntil is exclusive
        150: False,  # expired
        250: False,  # revoked
    }
    history = ledger.accreditation_history(ISSUER.address)
    assert [entry.status for entry in history] == [
        AccreditationStatus.ACTIVE,
        AccreditationStatus.SUSPENDED,
        AccreditationStatus.ACTIVE,
        AccreditationStatus.REVOKED,
    ]
    assert [entry.changed_at for entry in history] == [T0 + d * DAY for d in (10, 20, 30, 200)]
    first = history[0]
    assert first.authority == NCEQE.address
    assert first.did_hash == keccak(text=ISSUER_DID)
    assert first.scope == SCOPE and first.scope.covers(6, "MicroCredential")
    assert first.accredits_at(T0 + 50 * DAY) and not first.accredits_at(T0 + 100 * DAY)


_CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from eth_account import Account
    from microcred.chain import AccreditationScope, merkle_root, open_ledger

    step, directory = sys.argv[1], Path(sys.argv[2])
    root_tao, nceqe, issuer = (Account.from_key(bytes([n]) * 32) for n in (1, 2, 3))
    leaves = [n.to_bytes(32, "big") for n in range(1000)]
    with open_ledger(directory) as ledger:
        if step == "issue":
            ledger.deploy(root_tao)
            ledger.add_authority(root_tao, nceqe.address)
            now = ledger._w3.eth.get_block("latest")["timestamp"]
            scope = AccreditationScope(frozenset({6}), "MicroCredential")
            ledger.accredit(nceqe, issuer.address, "did:web:tsu.ge", now - 10, now + 10**7, scope)
            receipt = ledger.anchor(issuer, merkle_root(leaves))
            print(json.dumps({"block": receipt.block_number, "contract": receipt.contract}))
        else:
            record = ledger.anchor_of(merkle_root(leaves))
            print(json.dumps({"block": record.block_number, "contract": ledger.contract_address,
                              "issuer": record.issuer}))
    """
)


def _run_child(step: str, directory: Path) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", _CHILD, step, str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def test_state_persists_across_processes(tmp_path: Path) -> None:
    directory = tmp_path / "home" / "ledger"
    issued = _run_child("issue", directory)
    verified = _run_child("verify", directory)
    assert verified["block"] == issued["block"]
    assert verified["contract"] == issued["contract"]
    assert verified["issuer"] == Account.from_key(bytes([3]) * 32).address


def test_a_directory_in_use_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    with (
        open_embedded(tmp_path, clock=clock),
        pytest.raises(LedgerError, match="in use by another process"),
    ):
        open_embedded(tmp_path, clock=clock, lock_timeout=0.1)


def test_an_undeployed_ledger_says_so(tmp_path: Path) -> None:
    with open_ledger(tmp_path) as ledger, pytest.raises(LedgerError, match="deploy it first"):
        ledger.anchor_of(bytes(32))


@pytest.mark.parametrize(
    ("location", "options", "message"),
    [
        ("http://127.0.0.1:1", {}, "expected chain id"),
        ("ftp://example.org", {}, "unsupported ledger URL"),
        ("{dir}", {"expected_chain_id": 1}, "embedded ledger's chain id"),
        ("{dir}", {"contract": "0x" + "11" * 20}, "remembers its own contract"),
    ],
)
def test_open_ledger_refuses_inconsistent_settings(
    tmp_path: Path, location: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(LedgerError, match=message):
        open_ledger(location.format(dir=tmp_path), **options)  # type: ignore[arg-type]


def test_keystore_round_trip_and_wrong_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "anchor-key.json"
    address = create_keystore(path, "correct horse battery", scrypt_n=2**4)
    assert load_account(path, "correct horse battery").address == address
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        load_account(path, "battery staple")
    with pytest.raises(KeyStoreError, match="cannot create"):
        create_keystore(path, "again and again", scrypt_n=2**4)


def test_keystore_refuses_a_short_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "anchor-key.json"
    with pytest.raises(KeyStoreError, match="at least 15"):
        create_keystore(path, "fourteen chars", scrypt_n=2**4)
    assert not path.exists()
