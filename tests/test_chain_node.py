"""The JSON-RPC ledger against a real node: Hardhat 2 on 127.0.0.1, from the npm registry.

The test installs the pinned Hardhat (tests/chain_node/install.sh), starts ``hardhat node`` on
a free loopback port, deploys, accredits, anchors and reads through ``open_ledger(url)`` with
accounts decrypted from keystore files, and always stops the node.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from microcred.chain import (
    AccreditationScope,
    AccreditationStatus,
    LedgerError,
    LedgerUnavailable,
    TransactionRejected,
    create_keystore,
    inclusion_proofs,
    load_account,
    merkle_root,
    open_ledger,
    verify_inclusion,
)

pytestmark = pytest.mark.interop

NODE_DIR = Path(__file__).parent / "chain_node"
HARDHAT_CHAIN_ID = 31337
INSTALL_TIMEOUT_S = 300
STARTUP_TIMEOUT_S = 60
PASSPHRASE = "correct horse battery staple"
YEAR = 365 * 86_400
SCOPE = AccreditationScope(frozenset({4, 5}), "MicroCredential")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _install_hardhat() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the chain node test needs Node.js 20 and npm; missing: {missing}")
    completed = subprocess.run(
        ["bash", str(NODE_DIR / "install.sh")],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"tests/chain_node/install.sh failed:\n{completed.stderr}", pytrace=False)


def _node_environment() -> dict[str, str]:
    return {
        **os.environ,
        "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true",
        "DO_NOT_TRACK": "1",
        "CI": "true",
    }


def _wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"hardhat node exited early with code {process.returncode}")
        try:
            requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"hardhat node did not answer on {url} within {STARTUP_TIMEOUT_S} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def node_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _install_hardhat()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("hardhat") / "node.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(NODE_DIR / "node_modules" / ".bin" / "hardhat"),
                "node",
                "--hostname",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=NODE_DIR,
            env=_node_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it stops npx's children
        )
        try:
            _wait_until_serving(url, process)
            yield url
        finally:
            _stop(process)


def _keystore_account(directory: Path, name: str) -> LocalAccount:
    path = directory / f"{name}.json"
    create_keystore(path, PASSPHRASE, private_key=keccak(text=name), scrypt_n=2**4)
    return load_account(path, PASSPHRASE)


def _fund(url: str, *accounts: LocalAccount) -> None:
    """Send 10 ETH to each account from Hardhat's first (unlocked) dev account."""
    w3 = Web3(HTTPProvider(url))
    dev = w3.eth.accounts[0]
    for account in accounts:
        tx = w3.eth.send_transaction({"from": dev, "to": account.address, "value": 10 * 10**18})
        w3.eth.wait_for_transaction_receipt(tx, timeout=30)


def _latest_block_time(url: str) -> int:
    timestamp: int = Web3(HTTPProvider(url)).eth.get_block("latest")["timestamp"]
    return timestamp


def test_deploy_accredit_anchor_and_verify_through_a_node(node_url: str, tmp_path: Path) -> None:
    root, nceqe, issuer, stranger = (
        _keystore_account(tmp_path, name) for name in ("root", "nceqe", "issuer", "stranger")
    )
    _fund(node_url, root, nceqe, issuer, stranger)
    leaves = [hashlib.sha256(f"credential {i}".encode()).digest() for i in range(1000)]
    batch_root = merkle_root(leaves)

    with open_ledger(node_url, expected_chain_id=HARDHAT_CHAIN_ID) as ledger:
        contract = ledger.deploy(root)
        ledger.add_authority(root, nceqe.address)
        now = _latest_block_time(node_url)
        ledger.accredit(nceqe, issuer.address, "did:web:tsu.ge", now - 60, now + YEAR, SCOPE)
        receipt = ledger.anchor(issuer, batch_root)
        with pytest.raises(TransactionRejected) as refused:
            ledger.anchor(stranger, merkle_root(leaves[:10]))
        assert refused.value.reason == "issuer not accredited now"
        with pytest.raises(TransactionRejected, match="root already anchored"):
            ledger.anchor(issuer, batch_root)

    assert receipt.chain_id == HARDHAT_CHAIN_ID and receipt.contract == contract
    # A verifier's fresh connection, knowing only the URL, chain id and contract address.
    with open_ledger(node_url, expected_chain_id=HARDHAT_CHAIN_ID, contract=contract) as verifier:
        record = verifier.anchor_of(batch_root)
        assert record is not None
        assert record.issuer == issuer.address
        assert (record.block_number, record.timestamp) == (receipt.block_number, receipt.block_time)
        assert verify_inclusion(leaves[999], inclusion_proofs(leaves)[999], record.root)
        assert verifier.is_accredited_at(issuer.address, record.timestamp)
        assert not verifier.is_accredited_at(issuer.address, now + 2 * YEAR)
        (entry,) = verifier.accreditation_history(issuer.address)
        assert entry.status is AccreditationStatus.ACTIVE and entry.scope == SCOPE
        assert verifier.anchor_of(merkle_root(leaves[:10])) is None
        assert [event.record for event in verifier.anchor_events()] == [record]


def test_event_logs_are_read_in_windows_public_nodes_accept(
    node_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, nceqe, issuer = (_keystore_account(tmp_path, name) for name in ("r3", "n3", "i3"))
    _fund(node_url, root, nceqe, issuer)
    with open_ledger(node_url, expected_chain_id=HARDHAT_CHAIN_ID) as ledger:
        ledger.deploy(root)
        ledger.add_authority(root, nceqe.address)
        now = _latest_block_time(node_url)
        ledger.accredit(nceqe, issuer.address, "did:web:tsu.ge", now - 60, now + YEAR, SCOPE)
        roots = [hashlib.sha256(bytes([i])).digest() for i in range(5)]
        for batch_root in roots:
            ledger.anchor(issuer, batch_root)  # one block each
        whole = (ledger.anchor_events(), ledger.accredited_issuers(), ledger.authority_changes())
        monkeypatch.setattr(type(ledger), "log_window_blocks", 2)
        windowed = (ledger.anchor_events(), ledger.accredited_issuers(), ledger.authority_changes())
    assert windowed == whole
    assert [event.record.root for event in windowed[0]] == roots
    assert [entry.did for entry in windowed[1]] == ["did:web:tsu.ge"]


def test_an_unfunded_issuer_gets_a_clear_refusal(node_url: str, tmp_path: Path) -> None:
    root, nceqe, poor = (_keystore_account(tmp_path, name) for name in ("root2", "nceqe2", "poor"))
    _fund(node_url, root, nceqe)
    with open_ledger(node_url, expected_chain_id=HARDHAT_CHAIN_ID) as ledger:
        ledger.deploy(root)
        ledger.add_authority(root, nceqe.address)
        now = _latest_block_time(node_url)
        ledger.accredit(nceqe, poor.address, "did:web:poor.ge", now - 60, now + YEAR, SCOPE)
        with pytest.raises(TransactionRejected, match=r"(?i)fund"):
            ledger.anchor(poor, merkle_root([bytes(32)]))


def test_a_wrong_chain_id_is_refused(node_url: str) -> None:
    with pytest.raises(LedgerError, match=f"serves chain id {HARDHAT_CHAIN_ID}"):
        open_ledger(node_url, expected_chain_id=1)


def test_a_contract_missing_from_the_chain_is_refused(node_url: str) -> None:
    with pytest.raises(LedgerError, match="no contract at"):
        open_ledger(node_url, expected_chain_id=HARDHAT_CHAIN_ID, contract="0x" + "42" * 20)


def test_an_unreachable_node_is_unavailable_not_invalid() -> None:
    with pytest.raises(LedgerUnavailable, match="cannot be reached"):
        open_ledger(f"http://127.0.0.1:{_free_port()}", expected_chain_id=HARDHAT_CHAIN_ID)
