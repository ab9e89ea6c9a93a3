"""The issuer's records of a batch, kept in the store before anything is signed.

A batch is identified by what produced it (specification and learners file contents, output
directory, formats, issuer); running the same command again finds it and resumes with the
same credential ids, issue time and status indices, so a crash at any point loses nothing,
duplicates nothing and never reuses an index. Signatures are deterministic (Ed25519; ECDSA
with RFC 6979), so a re-signed credential is byte-identical to one signed before a crash.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.elm_models.record import Learner, MicroCredentialSpec
from microcred.errors import MicrocredError
from microcred.issuer.batch import document_formats
from microcred.status import revocation_and_suspension_entry
from microcred.store import (
    Anchor,
    Batch,
    Credential,
    Specification,
    StatusAllocation,
    StatusList,
    Store,
    allocate_slots,
    existing_slots,
    open_status_list,
)

# Each credential holds one revocation index; the same index in a partner suspension list
# completes its 2-bit status entry (see microcred.status.revocation_and_suspension_entry).
_PARTNER_SUFFIX = "#suspension"
_Row = TypeVar("_Row", Batch, Specification)


class RecordMismatch(MicrocredError):
    """The input or the output directory does not match what the records say of the batch."""


@dataclass(frozen=True)
class RecordedBatch:
    """What the records keep of a batch (no learner data beyond the learner ids)."""

    batch_id: str
    key: str
    state: str
    issued: datetime
    spec_uri: str
    spec_sha256: str
    spec_title: str
    learner_ids: frozenset[str]
    documents: frozenset[str]  # the document formats recorded: elm, ob3


@dataclass(frozen=True)
class CredentialPlan:
    learner_id: str
    elm_id: str | None  # None: the batch has no document in that format
    ob3_id: str | None


@dataclass(frozen=True)
class BatchPlan:
    batch_id: str
    issued: datetime
    state: str
    credentials: Mapping[str, CredentialPlan]  # learner_id -> ids
    statuses: Mapping[str, Mapping[str, Any]]  # credential id -> credentialStatus entry


def batch_key(
    spec_file: Path, learners_file: Path, out_dir: Path, formats: Sequence[str], issuer_did: str
) -> str:
    """What makes two runs the same batch."""
    digest = hashlib.sha256()
    for part in (spec_file.read_bytes(), learners_file.read_bytes()):
        digest.update(hashlib.sha256(part).digest())
    digest.update(f"{out_dir.resolve()}|{','.join(sorted(formats))}|{issuer_did}".encode())
    return digest.hexdigest()


def plan_batch(
    store: Store,
    *,
    key: str,
    spec: MicroCredentialSpec,
    spec_sha256: str,
    learners: Sequence[Learner],
    formats: Sequence[str],
    issued: datetime,
    status_base_url: str,
    rng: random.Random,
    issuer_did: str | None = None,
    out_dir: Path | None = None,
) -> BatchPlan:
    """Find the batch made by this exact input, or record a new one with all its ids and slots.

    Only the documents the formats produce are recorded (a VC-JWT is its OB3 credential), so
    no status index is spent on a credential that is never issued.
    """
    documents = document_formats(formats)
    with store.transaction() as session:
        batch = _find_batch(session, key) or _new_batch(
            session, key, spec, spec_sha256, learners, documents, issued, out_dir
        )
        rows = _credential_rows(session, batch.id)
        ids = _ids_by_learner(rows)
        if len(ids) != len(learners) or any(learner.learner_id not in ids for learner in learners):
            raise RecordMismatch(f"batch {batch.id} in the store does not match the learners file")
        statuses = _allocate_statuses(
            session, [row.id for row in rows], rng, batch.created_at, status_base_url, issuer_did
        )
        return BatchPlan(batch.id, batch.issued_at, batch.state, ids, statuses)


def mark_batch(
    store: Store,
    batch_id: str,
    state: str,
    *,
    at: datetime,
    hashes: Mapping[str, str] | None = None,
) -> None:
    """Move the batch on; with ``hashes`` also record each signed credential's SHA-256."""
    with store.transaction() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise ValueError(f"no batch {batch_id}")
        for credential_id, digest in (hashes or {}).items():
            credential = session.get(Credential, credential_id)
            if credential is None:
                raise ValueError(f"no credential {credential_id} in batch {batch_id}")
            if credential.sha256 not in (None, digest):
                raise RecordMismatch(
                    f"{credential_id} (learner {credential.learner_ref}) was already signed "
                    f"differently (recorded sha256 {credential.sha256}, now {digest}); "
                    "nothing was written"
                )
            credential.sha256, credential.signed_at = digest, credential.signed_at or at
        batch.state, batch.updated_at = state, at


def recorded_hashes(store: Store, batch_id: str) -> dict[str, str]:
    """Credential id -> SHA-256 of each credential of the batch already signed."""
    with store.transaction() as session:
        query = select(Credential.id, Credential.sha256).where(
            Credential.batch_id == batch_id, Credential.sha256.is_not(None)
        )
        return {credential_id: str(digest) for credential_id, digest in session.execute(query)}


def recorded_batch(
    store: Store,
    *,
    batch_id: str | None = None,
    out_dir: Path | None = None,
    key: str | None = None,
) -> RecordedBatch | None:
    """The batch with this id or key, or the latest one recorded for this output directory."""
    query = select(Batch, Specification).join(
        Specification, Specification.id == Batch.specification_id
    )
    if batch_id is not None:
        query = query.where(Batch.id == batch_id)
    if key is not None:
        query = query.where(Batch.input_sha256 == key)
    if out_dir is not None:
        query = query.where(Batch.out_dir == str(out_dir.resolve()))
    with store.transaction() as session:
        found = session.execute(query.order_by(Batch.created_at.desc()).limit(1)).first()
        if found is None:
            return None
        batch, specification = found
        rows = _credential_rows(session, batch.id)
        return RecordedBatch(
            batch.id,
            batch.input_sha256,
            batch.state,
            batch.issued_at,
            specification.spec_uri,
            specification.sha256,
            specification.title,
            frozenset(row.learner_ref or "" for row in rows),
            frozenset(row.format for row in rows),
        )


def recorded_plan(store: Store, batch_id: str) -> BatchPlan:
    """The ids and status entries recorded for a batch (nothing is allocated)."""
    with store.transaction() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise RecordMismatch(f"no batch {batch_id} in the records")
        rows = _credential_rows(session, batch_id)
        slots = existing_slots(session, "revocation", [row.id for row in rows])
        statuses = {
            cid: revocation_and_suspension_entry(slot.list_url, slot.index)
            for cid, slot in slots.items()
        }
        return BatchPlan(batch.id, batch.issued_at, batch.state, _ids_by_learner(rows), statuses)


def recorded_anchor_row(store: Store, batch_id: str) -> Anchor | None:
    """The latest anchor recorded for the batch (detached: safe to read after the session)."""
    with store.transaction() as session:
        query = select(Anchor).where(Anchor.batch_id == batch_id)
        row = session.scalar(query.order_by(Anchor.id.desc()).limit(1))
        if row is not None:
            session.expunge(row)
        return row


def _find_batch(session: Session, key: str) -> Batch | None:
    return session.scalar(select(Batch).where(Batch.input_sha256 == key))


def _new_batch(
    session: Session,
    key: str,
    spec: MicroCredentialSpec,
    spec_sha256: str,
    learners: Sequence[Learner],
    documents: Sequence[str],
    issued: datetime,
    out_dir: Path | None,
) -> Batch:
    specification = _specification(session, spec, spec_sha256, issued)
    return _first_writer_wins(
        session,
        lambda: _add_batch(session, key, specification, learners, documents, issued, out_dir),
        lambda: _find_batch(session, key),
    )


def _first_writer_wins(
    session: Session, insert: Callable[[], _Row], find: Callable[[], _Row | None]
) -> _Row:
    """Insert the row, or take the one another issuer committed since we looked for it."""
    try:
        with session.begin_nested():
            return insert()
    except IntegrityError:
        # PostgreSQL waits for the other transaction's commit, then refuses the duplicate.
        found = find()
        if found is None:
            raise
        return found


def _add_batch(
    session: Session,
    key: str,
    specification: Specification,
    learners: Sequence[Learner],
    documents: Sequence[str],
    issued: datetime,
    out_dir: Path | None,
) -> Batch:
    batch = Batch(
        id=str(uuid.uuid4()),
        specification_id=specification.id,
        issued_at=issued,
        state="building",
        learner_count=len(learners),
        credential_count=len(documents) * len(learners),
        input_sha256=key,
        out_dir=str(out_dir.resolve()) if out_dir is not None else None,
        created_at=issued,
        updated_at=issued,
    )
    session.add(batch)
    for learner in learners:
        for fmt in documents:
            session.add(
                Credential(
                    id=f"urn:uuid:{uuid.uuid4()}",
                    batch_id=batch.id,
                    learner_ref=learner.learner_id,
                    format=fmt,
                    created_at=issued,
                )
            )
    session.flush()
    return batch


def _specification(
    session: Session, spec: MicroCredentialSpec, sha256: str, at: datetime
) -> Specification:
    query = select(Specification).where(
        Specification.spec_uri == spec.id, Specification.sha256 == sha256
    )
    found = session.scalar(query)
    if found is not None:
        return found
    specification = Specification(
        spec_uri=spec.id,
        source_name=Path(spec.source).name,
        sha256=sha256,
        title=spec.title.get("en") or next(iter(spec.title.values())),
        created_at=at,
    )
    return _first_writer_wins(
        session, lambda: _flushed(session, specification), lambda: session.scalar(query)
    )


def _flushed(session: Session, row: _Row) -> _Row:
    session.add(row)
    session.flush()
    return row


def _credential_rows(session: Session, batch_id: str) -> list[Credential]:
    query = select(Credential).where(Credential.batch_id == batch_id).order_by(Credential.id)
    return list(session.scalars(query))


def _ids_by_learner(rows: Sequence[Credential]) -> dict[str, CredentialPlan]:
    by_learner: dict[str, dict[str, str]] = {}
    for row in rows:
        by_learner.setdefault(row.learner_ref or "", {})[row.format] = row.id
    return {
        learner: CredentialPlan(learner, ids.get("elm"), ids.get("ob3"))
        for learner, ids in by_learner.items()
    }


def _allocate_statuses(
    session: Session,
    credential_ids: list[str],
    rng: random.Random,
    at: datetime,
    base_url: str,
    issuer_did: str | None,
) -> dict[str, dict[str, Any]]:
    base = base_url.rstrip("/")
    slots = allocate_slots(
        session,
        "revocation",
        credential_ids,
        rng,
        at=at,
        new_list_url=lambda lid: f"{base}/{lid}",
        issuer_did=issuer_did,
    )
    for credential_id, slot in slots.items():
        _claim_partner_index(session, slot.list_id, slot.list_url, slot.index, credential_id, at)
    return {
        cid: revocation_and_suspension_entry(slot.list_url, slot.index)
        for cid, slot in slots.items()
    }


def _claim_partner_index(
    session: Session, list_id: str, list_url: str, index: int, credential_id: str, at: datetime
) -> None:
    """The same index in the revocation list's partner suspension list (free by construction)."""
    partner = suspension_partner(session, list_id, list_url, at)
    held = session.get(StatusAllocation, (partner.id, index))
    if held is not None:
        if held.credential_id != credential_id:
            raise ValueError(f"suspension index {index} of {partner.url} is held by another")
        return
    session.add(
        StatusAllocation(
            list_id=partner.id,
            status_index=index,
            purpose="suspension",
            credential_id=credential_id,
            allocated_at=at,
        )
    )
    session.flush()


def suspension_partner(session: Session, list_id: str, list_url: str, at: datetime) -> StatusList:
    url = list_url + _PARTNER_SUFFIX
    partner = session.scalar(select(StatusList).where(StatusList.url == url))
    if partner is not None:
        return partner
    revocation = session.get(StatusList, list_id)
    if revocation is None:
        raise ValueError(f"no status list {list_id}")
    return open_status_list(
        session,
        "suspension",
        url,
        at=at,
        size=revocation.size,
        issuer_did=revocation.issuer_did,
    )
