"""What a bundle holds, and its JSON form (format version 1, see docs/trust-bundle.md).

Chain values keep the chain's own units (unix seconds, block numbers, 0x-hex bytes) so the
ledger view answers exactly what the contract would; only the bundle's own dates are ISO.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from microcred.bundle.errors import BundleError
from microcred.chain.ledger import (
    AccreditationEntry,
    AccreditationScope,
    AccreditationStatus,
    AnchorEvent,
    AnchorRecord,
    AuthorityChange,
)

BUNDLE_TYPE = "MicrocredTrustBundle"
FORMAT_VERSION = 1
_ROOT_SIZE = 32

T = TypeVar("T")


@dataclass(frozen=True)
class IssuerRecord:
    """An accredited address: the DIDs it was accredited for and its full history."""

    address: str
    dids: tuple[str, ...]
    history: tuple[AccreditationEntry, ...]


@dataclass(frozen=True)
class BundleContent:
    """The verified payload of a bundle, decoded."""

    chain_id: int
    contract: str
    issuers: tuple[IssuerRecord, ...]
    authorities: tuple[AuthorityChange, ...]
    anchors: tuple[AnchorEvent, ...]
    did_documents: Mapping[str, Mapping[str, Any]]
    status_lists: Mapping[str, tuple[Mapping[str, Any], ...]]


# -- encoding -------------------------------------------------------------------------------


def encode_issuer(record: IssuerRecord) -> dict[str, Any]:
    return {
        "address": record.address,
        "dids": list(record.dids),
        "history": [_encode_entry(entry) for entry in record.history],
    }


def _encode_entry(entry: AccreditationEntry) -> dict[str, Any]:
    return {
        "changedAt": entry.changed_at,
        "status": entry.status.name.lower(),
        "validFrom": entry.valid_from,
        "validUntil": entry.valid_until,
        "authority": entry.authority,
        "didHash": "0x" + entry.did_hash.hex(),
        "eqfLevels": sorted(entry.scope.eqf_levels),
        "credentialType": entry.scope.credential_type,
    }


def encode_authority_change(change: AuthorityChange) -> dict[str, Any]:
    return {"authority": change.authority, "active": change.active, "changedAt": change.changed_at}


def encode_anchor(event: AnchorEvent) -> dict[str, Any]:
    record = event.record
    return {
        "root": "0x" + record.root.hex(),
        "issuer": record.issuer,
        "timestamp": record.timestamp,
        "blockNumber": record.block_number,
        "transactionHash": event.transaction_hash,
    }


def encode_status_lists(lists: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Any]:
    return [{"url": url, "versions": list(versions)} for url, versions in sorted(lists.items())]


# -- decoding (every problem names where it is) ----------------------------------------------


def decode_content(document: Mapping[str, Any]) -> BundleContent:
    ledger = _get(document, "ledger", dict, "bundle")
    return BundleContent(
        chain_id=_get(ledger, "chainId", int, "ledger"),
        contract=_get(ledger, "contract", str, "ledger"),
        issuers=tuple(
            _decode_issuer(item, f"issuers[{i}]")
            for i, item in enumerate(_get(document, "issuers", list, "bundle"))
        ),
        authorities=tuple(
            _decode_authority_change(item, f"authorities[{i}]")
            for i, item in enumerate(_get(document, "authorities", list, "bundle"))
        ),
        anchors=tuple(
            _decode_anchor(item, f"anchors[{i}]")
            for i, item in enumerate(_get(document, "anchors", list, "bundle"))
        ),
        did_documents=_decode_did_documents(_get(document, "didDocuments", list, "bundle")),
        status_lists=_decode_status_lists(_get(document, "statusLists", list, "bundle")),
    )


def _decode_issuer(item: Any, where: str) -> IssuerRecord:
    item = _object(item, where)
    dids = _get(item, "dids", list, where)
    if not all(isinstance(did, str) for did in dids):
        raise BundleError(f"{where}.dids: every DID must be a string")
    return IssuerRecord(
        address=_get(item, "address", str, where),
        dids=tuple(dids),
        history=tuple(
            _decode_entry(entry, f"{where}.history[{i}]")
            for i, entry in enumerate(_get(item, "history", list, where))
        ),
    )


def _decode_entry(item: Any, where: str) -> AccreditationEntry:
    item = _object(item, where)
    status_name = _get(item, "status", str, where).upper()
    levels = _get(item, "eqfLevels", list, where)
    try:
        status = AccreditationStatus[status_name]
        scope = AccreditationScope(frozenset(levels), _get(item, "credentialType", str, where))
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{where}: invalid status or scope ({exc})") from exc
    return AccreditationEntry(
        changed_at=_get(item, "changedAt", int, where),
        status=status,
        valid_from=_get(item, "validFrom", int, where),
        valid_until=_get(item, "validUntil", int, where),
        authority=_get(item, "authority", str, where),
        did_hash=_hex(_get(item, "didHash", str, where), f"{where}.didHash"),
        scope=scope,
    )


def _decode_authority_change(item: Any, where: str) -> AuthorityChange:
    item = _object(item, where)
    return AuthorityChange(
        authority=_get(item, "authority", str, where),
        active=_get(item, "active", bool, where),
        changed_at=_get(item, "changedAt", int, where),
    )


def _decode_anchor(item: Any, where: str) -> AnchorEvent:
    item = _object(item, where)
    root = _hex(_get(item, "root", str, where), f"{where}.root")
    if len(root) != _ROOT_SIZE:
        raise BundleError(f"{where}.root: a batch root is {_ROOT_SIZE} bytes")
    record = AnchorRecord(
        root=root,
        issuer=_get(item, "issuer", str, where),
        timestamp=_get(item, "timestamp", int, where),
        block_number=_get(item, "blockNumber", int, where),
    )
    return AnchorEvent(record, _get(item, "transactionHash", str, where))


def _decode_did_documents(items: list[Any]) -> dict[str, Mapping[str, Any]]:
    documents: dict[str, Mapping[str, Any]] = {}
    for i, item in enumerate(items):
        document = _object(item, f"didDocuments[{i}]")
        documents[_get(document, "id", str, f"didDocuments[{i}]")] = document
    return documents


def _decode_status_lists(items: list[Any]) -> dict[str, tuple[Mapping[str, Any], ...]]:
    lists: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for i, item in enumerate(items):
        where = f"statusLists[{i}]"
        item = _object(item, where)
        versions = _get(item, "versions", list, where)
        lists[_get(item, "url", str, where)] = tuple(
            _object(version, f"{where}.versions[{j}]") for j, version in enumerate(versions)
        )
    return lists


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BundleError(f"{where}: expected a JSON object")
    return value


def _get(item: Mapping[str, Any], name: str, kind: type[T], where: str) -> T:
    value = item.get(name)
    # bool is an int in Python; a bundle never means one for the other.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BundleError(f"{where}.{name}: expected {kind.__name__}, got {value!r:.60}")
    return value


def _hex(text: str, where: str) -> bytes:
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except ValueError as exc:
        raise BundleError(f"{where}: not 0x-hex") from exc
