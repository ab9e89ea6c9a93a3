"""The ledger over a web3 connection: registry and anchors, shared by both backends.

web3 already abstracts the transport (in-process EVM or JSON-RPC), so one class does the
work; a backend only supplies the connection, its exception types and three hooks (block
time, fees, gas limit).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any, ClassVar, Self, cast

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, TransactionNotFound, Web3RPCError
from web3.logs import DISCARD
from web3.types import TxParams

from microcred.chain.contracts import load_artifact
from microcred.chain.errors import LedgerError, LedgerUnavailable, TransactionRejected
from microcred.chain.ledger import (
    AccreditationEntry,
    AccreditationScope,
    AccreditationStatus,
    AccreditedIssuer,
    AnchorEvent,
    AnchorReceipt,
    AnchorRecord,
    AuthorityChange,
)

_REVERT_PREFIXES = ("execution reverted: ", "execution reverted")
# Hardhat words a revert as "... reverted with reason string 'the reason'".
_QUOTED_REASON = re.compile(r"reverted with reason string '(?P<reason>.*)'")
_ZERO_ADDRESS = "0x" + "00" * 20
_ROOT_SIZE = 32


class Web3Ledger:
    """Implements :class:`microcred.chain.ledger.Ledger` over a connected ``Web3``."""

    # Exceptions meaning "the contract reverted" / "the node cannot be reached".
    _revert_errors: ClassVar[tuple[type[Exception], ...]] = (ContractLogicError,)
    _unavailable_errors: ClassVar[tuple[type[Exception], ...]] = ()
    log_window_blocks: ClassVar[int] = 5_000  # blocks per eth_getLogs call

    def __init__(self, w3: Web3, chain_id: int, contract: str | None, receipt_timeout: float):
        self._w3 = w3
        self._chain_id = chain_id
        self._receipt_timeout = receipt_timeout
        self._artifact = load_artifact()
        self._contract: Contract | None = None
        if contract is not None:
            self._bind(contract)

    # -- hooks for backends --------------------------------------------------------------------

    def _before_transaction(self, sender: str) -> None:
        """Called before each transaction is checked and sent (the embedded block time)."""

    def _fee_fields(self) -> dict[str, int]:
        """Fee fields to set; none means web3 fills them from the node's fee market."""
        return {}

    def _gas_limit(self, call: Any, sender: str) -> int:
        # A margin over the estimate: storage refunds and pending-state drift can make the
        # estimate a little short.
        return int(call.estimate_gas({"from": sender}) * 1.25)

    # -- the Ledger protocol -------------------------------------------------------------------

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def contract_address(self) -> str | None:
        return None if self._contract is None else self._contract.address

    def deploy(self, root: LocalAccount) -> str:
        factory = self._w3.eth.contract(abi=self._artifact.abi, bytecode=self._artifact.bytecode)
        receipt = self._transact(root, factory.constructor())
        address = Web3.to_checksum_address(receipt["contractAddress"])
        self._bind(address)
        return address

    def add_authority(self, root: LocalAccount, authority: str) -> str:
        return self._send(root, "addAuthority", _address(authority))

    def remove_authority(self, root: LocalAccount, authority: str) -> str:
        return self._send(root, "removeAuthority", _address(authority))

    def accredit(
        self,
        authority: LocalAccount,
        issuer: str,
        issuer_did: str,
        valid_from: int,
        valid_until: int,
        scope: AccreditationScope,
    ) -> str:
        return self._send(
            authority,
            "accredit",
            _address(issuer),
            issuer_did,
            valid_from,
            valid_until,
            scope.eqf_bitmask(),
            scope.type_tag(),
        )

    def renew(self, authority: LocalAccount, issuer: str, valid_until: int) -> str:
        return self._send(authority, "renew", _address(issuer), valid_until)

    def suspend(self, authority: LocalAccount, issuer: str) -> str:
        return self._send(authority, "suspend", _address(issuer))

    def reinstate(self, authority: LocalAccount, issuer: str) -> str:
        return self._send(authority, "reinstate", _address(issuer))

    def revoke(self, authority: LocalAccount, issuer: str) -> str:
        return self._send(authority, "revoke", _address(issuer))

    def accreditation_history(self, issuer: str) -> list[AccreditationEntry]:
        functions = self._deployed().functions
        address = _address(issuer)
        with self._translated():
            count = self._view(functions.historyLength(address))
            entries = [self._view(functions.historyAt(address, i)) for i in range(count)]
            grants = {
                grant_index: self._view(functions.grantAt(address, grant_index))
                for grant_index in {entry[4] for entry in entries}
            }
        return [_history_entry(entry, grants[entry[4]]) for entry in entries]

    def is_accredited_at(self, issuer: str, time: int) -> bool:
        with self._translated():
            call = self._deployed().functions.isAccreditedAt(_address(issuer), time)
            return bool(self._view(call))

    def anchor(self, issuer: LocalAccount, root: bytes) -> AnchorReceipt:
        _check_root(root)
        receipt = self._transact(issuer, self._deployed().functions.anchor(root))
        with self._translated():
            block = self._w3.eth.get_block(receipt["blockNumber"])
        return AnchorReceipt(
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=receipt["blockNumber"],
            block_time=block["timestamp"],
            chain_id=self._chain_id,
            contract=self._deployed().address,
            gas_used=receipt["gasUsed"],
        )

    def anchor_of(self, root: bytes) -> AnchorRecord | None:
        _check_root(root)
        with self._translated():
            issuer, timestamp, block_number = self._view(self._deployed().functions.anchorOf(root))
        if issuer == _ZERO_ADDRESS:
            return None
        return AnchorRecord(root, Web3.to_checksum_address(issuer), timestamp, block_number)

    def anchors_in_transaction(self, tx_hash: str) -> list[AnchorRecord]:
        contract = self._deployed()
        with self._translated():
            try:
                receipt = self._w3.eth.get_transaction_receipt(HexBytes(tx_hash))
            except TransactionNotFound:
                return []
            events = contract.events.Anchored().process_receipt(receipt, errors=DISCARD)
        return [
            AnchorRecord(
                bytes(event["args"]["root"]),
                Web3.to_checksum_address(event["args"]["issuer"]),
                int(event["args"]["timestamp"]),
                int(event["args"]["blockNumber"]),
            )
            for event in events
            if event["address"].lower() == contract.address.lower()
        ]

    def anchor_events(self) -> list[AnchorEvent]:
        return [
            AnchorEvent(
                AnchorRecord(
                    bytes(log["args"]["root"]),
                    Web3.to_checksum_address(log["args"]["issuer"]),
                    int(log["args"]["timestamp"]),
                    int(log["args"]["blockNumber"]),
                ),
                "0x" + bytes(log["transactionHash"]).hex(),
            )
            for log in self._event_logs("Anchored")
        ]

    def accredited_issuers(self) -> list[AccreditedIssuer]:
        identities = (
            AccreditedIssuer(Web3.to_checksum_address(log["args"]["issuer"]), log["args"]["did"])
            for log in self._event_logs("Accredited")
        )
        return list(dict.fromkeys(identities))

    def authority_changes(self) -> list[AuthorityChange]:
        return [
            AuthorityChange(
                Web3.to_checksum_address(log["args"]["authority"]),
                bool(log["args"]["active"]),
                int(log["args"]["timestamp"]),
            )
            for log in self._event_logs("AuthorityChanged")
        ]

    def close(self) -> None:
        """Release the backend's resources (nothing to do for a plain web3 connection)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------------

    def _bind(self, address: str) -> None:
        self._contract = self._w3.eth.contract(address=_address(address), abi=self._artifact.abi)

    def _deployed(self) -> Contract:
        if self._contract is None:
            raise LedgerError("no registry contract: deploy it first, or configure its address")
        return self._contract

    def _event_logs(self, event: str) -> list[Any]:
        """Every log of ``event`` the contract emitted since block 0, in chain order.

        Read in windows of ``log_window_blocks`` blocks: public nodes refuse ``eth_getLogs`` over
        wide ranges (often 10,000 blocks or fewer).
        """
        logs: list[Any] = []
        with self._translated():
            reader = getattr(self._deployed().events, event)()
            head = self._w3.eth.block_number
            for start in range(0, head + 1, self.log_window_blocks):
                end = min(start + self.log_window_blocks - 1, head)
                logs += reader.get_logs(from_block=start, to_block=end)
        return sorted(logs, key=lambda log: (log["blockNumber"], log["logIndex"]))

    def _view(self, call: ContractFunction) -> Any:
        return call.call(cast(TxParams, self._fee_fields()))

    def _send(self, account: LocalAccount, function: str, *args: Any) -> str:
        call = self._deployed().functions[function](*args)
        receipt = self._transact(account, call)
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def _transact(self, account: LocalAccount, call: Any) -> Any:
        with self._translated():
            self._before_transaction(account.address)
            self._preflight(account.address, call)
            params: dict[str, Any] = {
                "from": account.address,
                "chainId": self._chain_id,
                "nonce": self._w3.eth.get_transaction_count(account.address, "pending"),
                **self._fee_fields(),
            }
            params["gas"] = self._gas_limit(call, account.address)
            transaction = call.build_transaction(params)
            signed = account.sign_transaction(transaction)
            tx_hash = self._w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = self._wait_for_receipt(tx_hash)
        if receipt["status"] != 1:
            raise _failed_transaction(receipt, params["gas"])
        return receipt

    def _preflight(self, sender: str, call: Any) -> None:
        """Run the call against the pending block first: a revert comes back with its reason."""
        if isinstance(call, ContractFunction):
            params = cast(TxParams, {"from": sender, **self._fee_fields()})
            call.call(params, block_identifier="pending")

    def _wait_for_receipt(self, tx_hash: bytes) -> Any:
        try:
            return self._w3.eth.wait_for_transaction_receipt(
                tx_hash,  # type: ignore[arg-type]
                timeout=self._receipt_timeout,
            )
        except TimeExhausted as exc:
            raise LedgerUnavailable(
                f"no receipt for transaction 0x{bytes(tx_hash).hex()} within "
                f"{self._receipt_timeout:g} s; it may still be mined"
            ) from exc

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn web3 / backend exceptions into the ledger's, where they enter."""
        try:
            yield
        except LedgerError:
            raise
        except self._revert_errors as exc:
            reason = _revert_reason(exc)
            raise TransactionRejected(f"the contract refused: {reason}", reason=reason) from exc
        except self._unavailable_errors as exc:
            raise LedgerUnavailable(f"the ledger node cannot be reached: {exc}") from exc
        except Web3RPCError as exc:
            raise TransactionRejected(f"the node refused: {_rpc_message(exc)}") from exc


def _address(value: str) -> ChecksumAddress:
    try:
        return Web3.to_checksum_address(value)
    except ValueError as exc:
        raise LedgerError(f"not an Ethereum address: {value!r}") from exc


def _check_root(root: bytes) -> None:
    if len(root) != _ROOT_SIZE:
        raise LedgerError(f"a batch root is {_ROOT_SIZE} bytes, got {len(root)}")


def _revert_reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    quoted = _QUOTED_REASON.search(message)
    if quoted:
        return quoted["reason"]
    for prefix in _REVERT_PREFIXES:
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message.strip() or "reverted without a reason"


def _rpc_message(exc: Web3RPCError) -> str:
    response = exc.rpc_response or {}
    error = response.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return str(exc)


def _failed_transaction(receipt: Any, gas_limit: int) -> TransactionRejected:
    tx = "0x" + bytes(receipt["transactionHash"]).hex()
    if receipt["gasUsed"] >= gas_limit:
        return TransactionRejected(f"transaction {tx} ran out of gas (limit {gas_limit})")
    return TransactionRejected(f"transaction {tx} reverted in block {receipt['blockNumber']}")


def _history_entry(entry: tuple[Any, ...], grant: tuple[Any, ...]) -> AccreditationEntry:
    changed_at, status, valid_from, valid_until, _grant_index = entry
    did_hash, authority, eqf_bitmask, type_tag = grant
    return AccreditationEntry(
        changed_at=changed_at,
        status=AccreditationStatus(status),
        valid_from=valid_from,
        valid_until=valid_until,
        authority=Web3.to_checksum_address(authority),
        did_hash=bytes(did_hash),
        scope=AccreditationScope.from_chain(eqf_bitmask, bytes(type_tag)),
    )
