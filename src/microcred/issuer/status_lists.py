"""Revoke, suspend, reinstate; publish the signed, anchored status lists.

Each credential's single status entry points at a revocation list (high bit) whose partner
suspension list holds the low bit at the same index; they are published together as one
2-bit list credential. Every published version is anchored on the ledger, so "what did the
list say on date D?" has an answer nobody can rewrite.

    <status dir>/<list id>.json               the current version (what the URL serves)
    <status dir>/<list id>/r<revision>.json   every published version, kept
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.chain import Ledger
from microcred.issuer.anchoring import BatchAnchor, anchor_documents, anchor_record
from microcred.issuer.profile import Issuer
from microcred.issuer.records import suspension_partner
from microcred.proofs import add_proof, cryptosuite_for
from microcred.status import (
    Bitstring,
    StatusPurpose,
    revocation_and_suspension_bits,
    status_list_credential,
)
from microcred.store import (
    Credential,
    StatusAction,
    StatusChangeRejected,
    StatusList,
    StatusListVersion,
    Store,
    record_publication,
    set_status,
)

PURPOSE_OF: dict[str, StatusPurpose] = {
    "revoke": "revocation",
    "suspend": "suspension",
    "reinstate": "suspension",
}


@dataclass(frozen=True)
class StatusChange:
    credential_id: str
    action: str


@dataclass(frozen=True)
class PublishedList:
    list_id: str
    url: str
    revision: int
    path: Path


def change_status(
    store: Store,
    credential_ids: Sequence[str],
    action: str,
    *,
    actor: str,
    reason: str,
    at: datetime,
) -> list[StatusChange]:
    """Apply one action to several credentials, all or none (StatusChangeRejected)."""
    if action not in PURPOSE_OF:
        raise StatusChangeRejected(f"unknown action {action!r}: revoke, suspend or reinstate")
    with store.transaction() as session:
        for credential_id in credential_ids:
            if session.get(Credential, credential_id) is None:
                raise StatusChangeRejected(f"{credential_id} is not a credential of this issuer")
            set_status(
                session,
                credential_id,
                PURPOSE_OF[action],
                cast(StatusAction, action),
                actor=actor,
                reason=reason,
                at=at,
            )
    return [StatusChange(cid, action) for cid in credential_ids]


def credentials_of_learner(store: Store, learner_ref: str) -> list[str]:
    with store.transaction() as session:
        query = select(Credential.id).where(Credential.learner_ref == learner_ref)
        return list(session.scalars(query.order_by(Credential.id)))


def publish_status_lists(
    store: Store,
    issuer: Issuer,
    status_dir: Path,
    *,
    ledger: Ledger,
    account: LocalAccount,
    at: datetime,
) -> tuple[list[PublishedList], BatchAnchor | None]:
    """Sign every list whose bits changed since its last publication, anchor them, write them."""
    with store.transaction() as session:
        pending = _unpublished(session, at)
    if not pending:
        return [], None
    documents = [_signed_list(issuer, lst, bits, at) for lst, _, bits in pending]
    anchored, anchor = anchor_documents(documents, ledger, account)
    published = []
    with store.transaction() as session:
        for (lst, revision, _), document in zip(pending, anchored, strict=True):
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            version = record_publication(session, lst.id, revision, text, at=at)
            session.add(anchor_record(anchor, at, status_list_version_id=version.id))
            published.append(_write(status_dir, lst, revision, text))
    return published, anchor


def _unpublished(session: Session, at: datetime) -> list[tuple[StatusList, int, Bitstring]]:
    """(revocation list, combined revision, 2-bit list) for each list with news to publish."""
    result = []
    query = select(StatusList).where(StatusList.purpose == "revocation")
    for revocation in session.scalars(query.order_by(StatusList.created_at)):
        partner = suspension_partner(session, revocation.id, revocation.url, at)
        revision = revocation.revision + partner.revision
        done = select(StatusListVersion.id).where(
            StatusListVersion.list_id == revocation.id, StatusListVersion.revision == revision
        )
        if session.scalar(done) is not None:
            continue
        bits = revocation_and_suspension_bits(
            Bitstring.from_bytes(revocation.bits), Bitstring.from_bytes(partner.bits)
        )
        session.expunge(revocation)
        result.append((revocation, revision, bits))
    return result


def _signed_list(issuer: Issuer, lst: StatusList, bits: Bitstring, at: datetime) -> dict[str, Any]:
    unsigned = status_list_credential(lst.url, "message", bits, issuer.profile.did, at)
    # The list is signed with the suite of the issuer's key, as its credentials are.
    return add_proof(
        unsigned,
        issuer.key,
        verification_method=issuer.profile.verification_method,
        cryptosuite=cryptosuite_for(issuer.key.key_type),
        created=at,
    )


def _write(status_dir: Path, lst: StatusList, revision: int, text: str) -> PublishedList:
    history = status_dir / lst.id / f"r{revision}.json"
    history.parent.mkdir(parents=True, exist_ok=True)
    for path in (history, status_dir / f"{lst.id}.json"):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    return PublishedList(lst.id, lst.url, revision, status_dir / f"{lst.id}.json")
