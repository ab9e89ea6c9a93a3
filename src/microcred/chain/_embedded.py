"""The embedded ledger: an in-process EVM (py-evm through eth-tester) persisted in SQLite.

Persistence. py-evm keeps every piece of chain data (headers, bodies, receipts, state trie
nodes, the canonical-head pointer) in one key-value database. Here that database is a SQLite
table, committed once per mined block, so a process that dies mid-transaction leaves the chain
at its last complete block. Reopening reads the head pointer back: no replay, so opening costs
the same with 10 or 10,000 anchors (see docs/ledger.md). An exclusive lock on the directory
keeps two processes from extending the same head into two chains.

Time. Each transaction is mined in its own block whose timestamp comes from the injected clock
(real time by default), bumped to parent + 1 s when the clock has not moved on, as the EVM
requires strictly increasing block times.

Gas. The genesis base fee is 0 and stays 0 (the base fee only rises when a block uses more
than half the block gas limit, which no transaction of this contract comes near), and
transactions are sent with a zero fee: gas is measured but free, so accounts need no funds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, cast

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth.vm.forks.prague import PragueVM
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_genesis_params
from eth_tester.exceptions import TransactionFailed
from eth_typing import BlockNumber
from web3 import EthereumTesterProvider, Web3

from microcred.chain._web3_ledger import Web3Ledger
from microcred.chain.errors import LedgerError

__all__ = ["EMBEDDED_CHAIN_ID", "EmbeddedLedger", "open_embedded"]

Clock = Callable[[], int]

# web3's EthereumTesterProvider answers eth_chainId with this constant, so the chain uses it.
EMBEDDED_CHAIN_ID = 131277322940537
_ZERO_ADDRESS = "0x" + "00" * 20
_DB_FILE = "chain.sqlite3"
_LOCK_FILE = ".lock"
_LOCK_WAIT_S = 30.0
_FORMAT_VERSION = "1"
# Gas here is free, so no estimate (which py-evm runs at wall-clock time, not the block's).
_EMBEDDED_GAS_LIMIT = 8_000_000


def _system_clock() -> int:
    return int(time.time())


class _SqliteKeyValueStore(BaseDB):
    """py-evm's key-value database in one SQLite table; writes become durable on commit()."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID"
        )
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        self._connection.commit()

    def __getitem__(self, key: bytes) -> bytes:
        row = self._connection.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._connection.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        if self._connection.execute("DELETE FROM kv WHERE k = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        row = self._connection.execute("SELECT 1 FROM kv WHERE k = ?", (key,)).fetchone()
        return row is not None

    def get_meta(self, name: str) -> str | None:
        row = self._connection.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self._connection.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value)
        )

    def commit(self) -> None:
        self._connection.commit()

    def close(self) -> None:
        # Closing without commit drops a half-applied block: the chain stays at its last one.
        self._connection.rollback()
        self._connection.close()


class _EmbeddedChain(MiningChain):
    chain_id = EMBEDDED_CHAIN_ID
    vm_configuration = ((BlockNumber(0), PragueVM),)

    def create_header_from_parent(self, parent_header: Any, **header_params: Any) -> Any:
        # A constant gas limit, as eth-tester's own chain keeps it.
        header_params["gas_limit"] = parent_header.gas_limit
        return super().create_header_from_parent(parent_header, **header_params)

    def get_transaction_builder(self) -> Any:
        return self.get_vm().get_transaction_builder()


class _PersistentBackend(PyEVMBackend):  # type: ignore[misc]
    """eth-tester's py-evm backend over an existing chain, committing each mined block."""

    def __init__(self, chain: _EmbeddedChain, store: _SqliteKeyValueStore) -> None:
        # PyEVMBackend.__init__ would build a fresh in-memory chain; this one is given.
        self.account_keys = ()
        self.chain = chain
        self._store = store

    def mine_blocks(self, num_blocks: int = 1, coinbase: Any = None) -> Any:
        mined = super().mine_blocks(num_blocks, coinbase or b"\x00" * 20)
        self._store.commit()
        return mined

    def set_next_block_time(self, timestamp: int) -> int:
        """Stamp the pending (empty) block; returns the time actually used."""
        parent_time = self.chain.get_canonical_head().timestamp
        used = max(timestamp, parent_time + 1)
        self.chain.header = self.chain.header.copy(timestamp=used)
        return used


class EmbeddedLedger(Web3Ledger):
    """The ledger on this machine's own chain, stored in one directory."""

    _revert_errors: ClassVar[tuple[type[Exception], ...]] = (
        *Web3Ledger._revert_errors,
        TransactionFailed,
    )

    def __init__(
        self,
        w3: Web3,
        backend: _PersistentBackend,
        store: _SqliteKeyValueStore,
        lock: int,
        clock: Clock,
    ) -> None:
        super().__init__(w3, EMBEDDED_CHAIN_ID, store.get_meta("contract"), receipt_timeout=10)
        self._backend = backend
        self._store = store
        self._lock = lock
        self._clock = clock

    def deploy(self, root: Any) -> str:
        address = super().deploy(root)
        self._store.set_meta("contract", address)
        self._store.commit()
        return address

    def close(self) -> None:
        if self._lock < 0:
            return
        self._store.close()
        _release_lock(self._lock)
        self._lock = -1

    def _before_transaction(self, sender: str) -> None:
        self._backend.set_next_block_time(self._clock())

    def _fee_fields(self) -> dict[str, int]:
        return {"maxFeePerGas": 0, "maxPriorityFeePerGas": 0}

    def _gas_limit(self, call: Any, sender: str) -> int:
        return _EMBEDDED_GAS_LIMIT


def open_embedded(
    directory: Path,
    *,
    clock: Clock | None = None,
    lock_timeout: float = _LOCK_WAIT_S,
    create: bool = True,
) -> EmbeddedLedger:
    """Open (creating on first use, unless ``create`` is false) the ledger in ``directory``.

    Waits up to ``lock_timeout`` seconds for another process using the directory to finish.
    With ``create=False`` a directory that holds no ledger is a LedgerError: a verifier
    given a wrong path must not check against a new, empty chain.
    """
    clock = clock or _system_clock
    if not create and not (directory / _DB_FILE).is_file():
        raise LedgerError(f"no embedded ledger in {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    lock = _acquire_lock(directory / _LOCK_FILE, lock_timeout)
    try:
        store = _SqliteKeyValueStore(directory / _DB_FILE)
        chain = _load_or_create_chain(store, clock)
    except (sqlite3.Error, KeyError, ValueError) as exc:
        _release_lock(lock)
        raise LedgerError(f"embedded ledger in {directory} is unreadable: {exc}") from exc
    except BaseException:
        _release_lock(lock)
        raise
    backend = _PersistentBackend(chain, store)
    w3 = Web3(EthereumTesterProvider(EthereumTester(backend)))
    # Views need a sender; the chain has no accounts of its own, and reads cost nothing.
    w3.eth.default_account = Web3.to_checksum_address(_ZERO_ADDRESS)
    return EmbeddedLedger(w3, backend, store, lock, clock)


def _load_or_create_chain(store: _SqliteKeyValueStore, clock: Clock) -> _EmbeddedChain:
    version = store.get_meta("format")
    if version is None:
        return _create_chain(store, clock)
    if version != _FORMAT_VERSION:
        raise ValueError(f"unknown embedded ledger format {version!r}")
    return _EmbeddedChain(AtomicDB(store))


def _create_chain(store: _SqliteKeyValueStore, clock: Clock) -> _EmbeddedChain:
    genesis_params = {**get_default_genesis_params(), "timestamp": clock(), "base_fee_per_gas": 0}
    chain = cast(_EmbeddedChain, _EmbeddedChain.from_genesis(AtomicDB(store), genesis_params, {}))
    store.set_meta("format", _FORMAT_VERSION)
    store.commit()
    return chain


def _acquire_lock(path: Path, timeout: float) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(BlockingIOError):
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        if time.monotonic() > deadline:
            os.close(descriptor)
            raise LedgerError(f"embedded ledger {path.parent} is in use by another process")
        time.sleep(0.05)


def _release_lock(descriptor: int) -> None:
    fcntl.flock(descriptor, fcntl.LOCK_UN)
    os.close(descriptor)
