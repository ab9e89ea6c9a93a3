"""The one place that turns a ledger location into a concrete backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from microcred.chain.errors import LedgerError
from microcred.chain.ledger import Ledger

__all__ = ["open_ledger"]

_URL_SCHEMES = ("http://", "https://")
DEFAULT_RECEIPT_TIMEOUT_S = 120.0


def open_ledger(
    location: str | Path,
    *,
    expected_chain_id: int | None = None,
    contract: str | None = None,
    receipt_timeout: float = DEFAULT_RECEIPT_TIMEOUT_S,
    clock: Callable[[], int] | None = None,
    create: bool = True,
) -> Ledger:
    """Open the ledger at ``location``: a node URL (JSON-RPC) or a directory (embedded).

    A node URL needs ``expected_chain_id`` (checked against the node) and, once deployed, the
    ``contract`` address. A directory remembers its own contract; ``clock`` (unix seconds)
    sets its block times and is for tests; ``create=False`` refuses a directory without a
    ledger instead of starting one there. Close the ledger (or use it in ``with``) when done.
    """
    text = str(location)
    if text.startswith(_URL_SCHEMES):
        if expected_chain_id is None:
            raise LedgerError(f"a ledger node URL needs the expected chain id ({text})")
        if clock is not None:
            raise LedgerError("only the embedded ledger takes a clock; a node keeps its own time")
        from microcred.chain._jsonrpc import open_jsonrpc

        return open_jsonrpc(
            text,
            expected_chain_id=expected_chain_id,
            contract=contract,
            receipt_timeout=receipt_timeout,
        )
    if "://" in text:
        raise LedgerError(f"unsupported ledger URL {text!r}: use http(s):// or a directory")
    from microcred.chain._embedded import EMBEDDED_CHAIN_ID, open_embedded

    if expected_chain_id not in (None, EMBEDDED_CHAIN_ID):
        raise LedgerError(
            f"the embedded ledger's chain id is {EMBEDDED_CHAIN_ID}, not {expected_chain_id}"
        )
    if contract is not None:
        raise LedgerError("the embedded ledger remembers its own contract; pass no address")
    return open_embedded(Path(text), clock=clock, create=create)
