"""Export a trust bundle: read the ledger and the published status lists, sign, date."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from microcred.bundle._content import (
    BUNDLE_TYPE,
    FORMAT_VERSION,
    IssuerRecord,
    encode_anchor,
    encode_authority_change,
    encode_issuer,
    encode_status_lists,
)
from microcred.bundle._dates import iso
from microcred.bundle._signature import canonical_json, sign_detached
from microcred.bundle.errors import BundleError
from microcred.chain import Ledger
from microcred.issuer import Issuer
from microcred.verifier.status_step import revision_number

DEFAULT_VALIDITY = timedelta(days=7)
_MAX_LIST_BYTES = 2_000_000


def export_bundle(
    ledger: Ledger,
    *,
    status_dir: Path | None,
    signer: Issuer,
    now: datetime,
    did_documents: Iterable[Mapping[str, Any]] = (),
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> dict[str, Any]:
    """The signed bundle (a JSON object) of everything ``ledger`` and ``status_dir`` hold.

    ``now`` must be timezone-aware; the bundle is valid from then for ``valid_for``.
    """
    if now.tzinfo is None:
        raise BundleError("the export time must be timezone-aware")
    if ledger.contract_address is None:
        raise BundleError("no registry contract on this ledger: nothing to export")
    content: dict[str, Any] = {
        "type": BUNDLE_TYPE,
        "version": FORMAT_VERSION,
        "issuer": signer.profile.did,
        "issued": iso(now),
        "validUntil": iso(now + valid_for),
        "ledger": {"chainId": ledger.chain_id, "contract": ledger.contract_address},
        **_chain_records(ledger),
        "didDocuments": _did_documents(did_documents),
        "statusLists": encode_status_lists(read_status_lists(status_dir)),
    }
    content["signature"] = sign_detached(
        content, signer.key, kid=signer.profile.verification_method
    )
    return content


def _chain_records(ledger: Ledger) -> dict[str, list[Any]]:
    # Read in this order so that one snapshot is consistent even while the chain grows: an
    # anchor needs an accreditation before it, and an accreditation an authority before it,
    # so everything an exported anchor depends on is read after it, and so is included.
    anchors = ledger.anchor_events()
    identities = ledger.accredited_issuers()
    dids: dict[str, list[str]] = {}
    for identity in identities:
        dids.setdefault(identity.address, []).append(identity.did)
    issuers = [
        IssuerRecord(address, tuple(names), tuple(ledger.accreditation_history(address)))
        for address, names in dids.items()
    ]
    authorities = ledger.authority_changes()
    return {
        "authorities": [encode_authority_change(change) for change in authorities],
        "issuers": [encode_issuer(record) for record in issuers],
        "anchors": [encode_anchor(event) for event in anchors],
    }


def _did_documents(documents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for document in documents:
        did = document.get("id")
        if not isinstance(did, str) or not did.startswith("did:"):
            raise BundleError(f"a DID document needs a DID 'id', got {did!r}")
        by_id[did] = dict(document)
    return [by_id[did] for did in sorted(by_id)]


def read_status_lists(status_dir: Path | None) -> dict[str, list[dict[str, Any]]]:
    """Every version of every list in a directory ``microcred status publish`` wrote.

    ``<id>.json`` (the current version) repeats one of ``<id>/r<n>.json``; each version
    is kept once, in publication order.
    """
    if status_dir is None or not status_dir.is_dir():
        return {}
    paths = sorted(status_dir.glob("*/r*.json"), key=_revision_order)
    paths += sorted(status_dir.glob("*.json"))
    lists: dict[str, list[dict[str, Any]]] = {}
    seen: set[bytes] = set()
    for path in paths:
        document = _read_list(path)
        key = canonical_json(document)
        if key not in seen:
            seen.add(key)
            lists.setdefault(document["id"], []).append(document)
    return lists


def _revision_order(path: Path) -> tuple[str, int]:
    return path.parent.name, revision_number(path)


def _read_list(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > _MAX_LIST_BYTES:
            raise BundleError(f"{path}: a status list over {_MAX_LIST_BYTES} bytes")
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{path}: not a readable status list credential ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise BundleError(f"{path}: a status list credential needs an 'id'")
    return document


def missing_did_documents(bundle: Mapping[str, Any]) -> list[str]:
    """The did:web issuers of a bundle that it holds no DID document for.

    Their credentials cannot be verified offline unless the verifier has the document.
    """
    held = {doc.get("id") for doc in bundle.get("didDocuments", [])}
    dids = {did for issuer in bundle.get("issuers", []) for did in issuer.get("dids", [])}
    return sorted(did for did in dids if did.startswith("did:web:") and did not in held)


def dump_bundle(bundle: Mapping[str, Any]) -> bytes:
    """The file form: indented UTF-8 JSON (the signature covers the content, not the layout)."""
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
