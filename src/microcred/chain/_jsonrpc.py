"""The ledger on any Ethereum node reached over JSON-RPC (Besu, Hardhat, anvil, a public chain)."""

from __future__ import annotations

from typing import ClassVar

import requests
from web3 import HTTPProvider, Web3
from web3.exceptions import ProviderConnectionError

from microcred.chain._web3_ledger import Web3Ledger
from microcred.chain.errors import LedgerError, LedgerUnavailable

__all__ = ["JsonRpcLedger", "open_jsonrpc"]

_REQUEST_TIMEOUT_S = 10


class JsonRpcLedger(Web3Ledger):
    """The ledger through a node's HTTP JSON-RPC endpoint; transactions are signed locally."""

    _unavailable_errors: ClassVar[tuple[type[Exception], ...]] = (
        requests.ConnectionError,
        requests.Timeout,
        ProviderConnectionError,
    )


def open_jsonrpc(
    url: str, *, expected_chain_id: int, contract: str | None, receipt_timeout: float
) -> JsonRpcLedger:
    """Connect to ``url`` and check that it serves the configured chain."""
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": _REQUEST_TIMEOUT_S}))
    try:
        chain_id = w3.eth.chain_id
    except JsonRpcLedger._unavailable_errors as exc:
        raise LedgerUnavailable(f"ledger node {url} cannot be reached: {exc}") from exc
    if chain_id != expected_chain_id:
        raise LedgerError(
            f"ledger node {url} serves chain id {chain_id}, but {expected_chain_id} is configured"
        )
    ledger = JsonRpcLedger(w3, chain_id, contract, receipt_timeout)
    if contract is not None:
        _check_contract_code(w3, ledger, url)
    return ledger


def _check_contract_code(w3: Web3, ledger: JsonRpcLedger, url: str) -> None:
    address = ledger.contract_address
    if address is not None and not w3.eth.get_code(address):  # type: ignore[arg-type]
        raise LedgerError(f"no contract at {address} on the chain served by {url}")
