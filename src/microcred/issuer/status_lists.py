"""Revoke, suspend, reinstate; publish the signed, anchored status lists.

Each credential's single status entry points at a revocation list (high bit) whose partner
suspension list holds the low bit at the same index; they are published together as one
2-bit list credential. Every published version is anchored on the ledger, so "what did the
list say on date D?" has an answer nobody can rewrite.

    <status dir>/<list id>.json               the current version (what the URL serves)
    <status dir>/<list id>/r<revision>.json   every published version, kept

The records keep every published version's exact text, so ``restore_status_files`` can
re-create a lost or altered directory byte for byte (each text checked against its recorded
SHA-256 first), without signing or anchoring anything again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from microcred.chain import Ledger
from microcred.errors import KeyStoreError
from microcred.issuer.anchoring import (
    BatchAnchor,
    anchor_marker,
    anchor_record,
    anchor_root,
    attach_anchor_proofs,
    prepare_anchor,
)
from microcred.issuer.profile import Issuer
from microcred.issuer.records import suspension_partner
from microcred.proofs import add_proof, cryptosuite_for
from microcred.status import (
    Bitstring,
    StatusPurpose,
    revision_marker,
    revocation_and_suspension_bits,
    status_list_credential,
)
from microcred.store import (
    Batch,
    Credential,
    Specification,
    StatusAction,
    StatusChangeRejected,
    StatusList,
    StatusListVersion,
    Store,
    StoreError,
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


@dataclass(frozen=True)
class CredentialInfo:
    """What a person deciding on a status change needs to see about one credential."""

    credential_id: str
    learner_ref: str | None
    credential_format: str
    batch_id: str
    spec_uri: str
    spec_file: str


def find_credentials(
    store: Store,
    *,
    ids: Sequence[str] = (),
    learner: str | None = None,
    batch: str | None = None,
    spec: str | None = None,
) -> tuple[list[CredentialInfo], list[str]]:
    """The credentials named by ``ids`` plus those matching every filter given.

    The filters (learner reference, batch id, specification id or file name) select
    together; with no filter only ``ids`` count. Returns (found, ids not in the records).
    """
    query = (
        select(Credential, Specification.spec_uri, Specification.source_name)
        .join(Batch, Batch.id == Credential.batch_id)
        .join(Specification, Specification.id == Batch.specification_id)
        .order_by(Credential.batch_id, Credential.learner_ref, Credential.format, Credential.id)
    )
    found: dict[str, CredentialInfo] = {}
    with store.transaction() as session:
        if ids:
            for row in session.execute(query.where(Credential.id.in_(list(ids)))):
                found[row[0].id] = _info(*row)
        if learner is not None or batch is not None or spec is not None:
            if learner is not None:
                query = query.where(Credential.learner_ref == learner)
            if batch is not None:
                query = query.where(Credential.batch_id == batch)
            if spec is not None:
                query = query.where(
                    or_(Specification.spec_uri == spec, Specification.source_name == spec)
                )
            for row in session.execute(query):
                found.setdefault(row[0].id, _info(*row))
    unknown = [cid for cid in dict.fromkeys(ids) if cid not in found]
    return list(found.values()), unknown


def _info(credential: Credential, spec_uri: str, spec_file: str) -> CredentialInfo:
    return CredentialInfo(
        credential.id,
        credential.learner_ref,
        credential.format,
        credential.batch_id,
        spec_uri,
        spec_file,
    )


def publish_status_lists(
    store: Store,
    issuer: Issuer,
    status_dir: Path,
    *,
    ledger: Ledger,
    account: LocalAccount,
    at: datetime,
    signer_for: Callable[[str | None], Issuer] | None = None,
    marker_account: Callable[[str | None], LocalAccount] | None = None,
) -> tuple[list[PublishedList], BatchAnchor | None]:
    """Sign every list whose bits changed since its last publication, anchor them, write them.

    Each list is signed by the DID it records (its credentials' issuer): ``issuer`` for its
    own DID, ``signer_for(did)`` for another (a did:key retired by ``keys rotate``).
    Each version is anchored twice: in the batch's Merkle root (its anchor proof) and as a
    revision marker, so a verifier shown an older version can tell that a later one exists.
    Both are on the ledger before anything is recorded or written. A marker is anchored by
    ``marker_account(list DID)`` (default ``account``): verifiers count only markers from an
    address accredited for the list's DID.
    """
    with store.transaction() as session:
        pending = _unpublished(session, at)
    if not pending:
        return [], None
    documents = [
        _signed_list(_list_signer(issuer, signer_for, lst), lst, bits, at)
        for lst, _, bits in pending
    ]
    prepared = prepare_anchor(documents)
    anchor = anchor_root(prepared, ledger, account)
    for (lst, revision, _), leaf in zip(pending, prepared.leaves, strict=True):
        by = account if marker_account is None else marker_account(lst.issuer_did)
        anchor_marker(revision_marker(lst.url, revision, leaf), ledger, by)
    anchored = attach_anchor_proofs(prepared, anchor)
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


def _list_signer(
    issuer: Issuer, signer_for: Callable[[str | None], Issuer] | None, lst: StatusList
) -> Issuer:
    if lst.issuer_did in (None, issuer.profile.did):
        return issuer
    if signer_for is None:
        raise KeyStoreError(
            f"status list {lst.url} belongs to {lst.issuer_did}, not {issuer.profile.did}: "
            "its key is needed to sign it"
        )
    return signer_for(lst.issuer_did)


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


@dataclass(frozen=True)
class RestoredFiles:
    verified: int  # already there, byte-identical to the recorded version
    rebuilt: int  # missing or altered, written again from the records


def restore_status_files(store: Store, status_dir: Path) -> RestoredFiles:
    """Every recorded version's file, and each list's current file, as published.

    StoreError (nothing written) if a recorded text does not match its recorded SHA-256.
    """
    with store.transaction() as session:
        rows = session.execute(
            select(StatusListVersion.list_id, StatusListVersion.revision)
            .add_columns(StatusListVersion.document, StatusListVersion.sha256)
            .order_by(StatusListVersion.list_id, StatusListVersion.revision)
        ).all()
    files: dict[Path, bytes] = {}
    for list_id, revision, document, sha256 in rows:
        data = document.encode("utf-8")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StoreError(f"the recorded revision {revision} of list {list_id} is corrupt")
        files[status_dir / list_id / f"r{revision}.json"] = data
        files[status_dir / f"{list_id}.json"] = data  # the highest revision comes last
    verified = rebuilt = 0
    for path, data in files.items():
        if path.is_file() and path.read_bytes() == data:
            verified += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        rebuilt += 1
    return RestoredFiles(verified, rebuilt)
