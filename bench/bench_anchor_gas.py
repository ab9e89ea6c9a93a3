"""Gas and timing figures of the ledger, on the embedded chain (docs/ledger.md quotes them).

    .venv/bin/python bench/bench_anchor_gas.py [--anchors 1000]

Prints a Markdown table: gas of deploy and of each registry call, gas of ``anchor`` for
batches of 1, 100 and 10,000 credentials (one root each, so it must not change), the time to
build a batch tree with all its proofs, and the time to reopen an embedded ledger holding N
anchors (opening reads the head pointer, so it should not grow with N).
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from microcred.chain import AccreditationScope, inclusion_proofs, merkle_root, open_ledger
from microcred.chain._web3_ledger import Web3Ledger

BATCH_SIZES = (1, 100, 10_000)
YEAR = 365 * 86_400
SCOPE = AccreditationScope(frozenset({5, 6}), "MicroCredential")


def _account(seed: str) -> LocalAccount:
    account: LocalAccount = Account.from_key(keccak(text=seed))
    return account


def _leaves(count: int, salt: str) -> list[bytes]:
    return [hashlib.sha256(f"{salt}/{i}".encode()).digest() for i in range(count)]


def _gas(ledger: Web3Ledger, tx_hash: str) -> int:
    gas: int = ledger._w3.eth.get_transaction_receipt(tx_hash)["gasUsed"]  # type: ignore[arg-type]
    return gas


def _registry_gas(ledger: Web3Ledger, root: LocalAccount) -> dict[str, int]:
    nceqe, issuer, second = _account("nceqe"), _account("issuer"), _account("second")
    now = int(time.time())
    rows = {"addAuthority": _gas(ledger, ledger.add_authority(root, nceqe.address))}
    rows["accredit"] = _gas(
        ledger,
        ledger.accredit(nceqe, issuer.address, "did:web:tsu.ge", now - 60, now + YEAR, SCOPE),
    )
    rows["renew"] = _gas(ledger, ledger.renew(nceqe, issuer.address, now + 2 * YEAR))
    ledger.accredit(nceqe, second.address, "did:web:second.ge", now - 60, now + YEAR, SCOPE)
    rows["suspend"] = _gas(ledger, ledger.suspend(nceqe, second.address))
    rows["reinstate"] = _gas(ledger, ledger.reinstate(nceqe, second.address))
    rows["revoke"] = _gas(ledger, ledger.revoke(nceqe, second.address))
    return rows


def _anchor_gas(ledger: Web3Ledger) -> dict[int, int]:
    issuer = _account("issuer")
    return {
        size: ledger.anchor(issuer, merkle_root(_leaves(size, f"batch-{size}"))).gas_used
        for size in BATCH_SIZES
    }


def _tree_seconds(size: int) -> float:
    leaves = _leaves(size, "tree")
    started = time.perf_counter()
    merkle_root(leaves)
    inclusion_proofs(leaves)
    return time.perf_counter() - started


def _open_seconds(directory: Path, anchors: int) -> tuple[float, float]:
    """Anchor until the ledger holds ``anchors`` roots; return (seconds per anchor, open time)."""
    issuer = _account("issuer")
    with open_ledger(directory) as ledger:
        started = time.perf_counter()
        for i in range(anchors):
            ledger.anchor(issuer, hashlib.sha256(f"open/{anchors}/{i}".encode()).digest())
        per_anchor = (time.perf_counter() - started) / max(anchors, 1)
    started = time.perf_counter()
    with open_ledger(directory) as ledger:
        ledger.anchor_of(bytes(32))
    return per_anchor, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anchors", type=int, default=1000, help="anchors for the open test")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "ledger"
        root = _account("root")
        with open_ledger(directory) as ledger:
            assert isinstance(ledger, Web3Ledger)
            ledger.deploy(root)
            # Each transaction is mined in a block of its own.
            deploy_gas = ledger._w3.eth.get_block("latest")["gasUsed"]
            registry = _registry_gas(ledger, root)
            anchors = _anchor_gas(ledger)
        opening = {
            count: _open_seconds(directory, count - done)
            for done, count in ((0, 0), (0, 100), (100, arguments.anchors))
        }

    print(
        f"Machine: {platform.machine()} {platform.processor() or ''}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"Date: {datetime.now(UTC).date().isoformat()}\n")
    print("| operation | gas used |\n| --- | ---: |")
    print(f"| deploy | {deploy_gas:,} |")
    for name, gas in registry.items():
        print(f"| {name} | {gas:,} |")
    for size, gas in anchors.items():
        print(f"| anchor, batch of {size:,} | {gas:,} |")
    print("\n| batch tree (root + every proof) | seconds |\n| --- | ---: |")
    for size in BATCH_SIZES:
        print(f"| {size:,} leaves | {_tree_seconds(size):.3f} |")
    print("\n| embedded ledger holding N anchors | open + one read, s | s per anchor |")
    print("| --- | ---: | ---: |")
    for count, (per_anchor, opened) in opening.items():
        print(f"| {count:,} | {opened:.3f} | {per_anchor:.3f} |")


if __name__ == "__main__":
    main()
