"""Published status list versions: the record of each publication, and the one in force."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.status import Bitstring
from microcred.store._errors import StoreError
from microcred.store._models import StatusList, StatusListVersion


def status_list_bits(status_list: StatusList) -> Bitstring:
    """The list's current bits, ready for ``microcred.status.status_list_credential``."""
    return Bitstring.from_bytes(status_list.bits)


def record_publication(
    session: Session, list_id: str, revision: int, document: str, *, at: datetime
) -> StatusListVersion:
    """Remember the exact signed list credential published for ``revision`` of the list.

    ``document`` is the file's text as served; its SHA-256 (of the UTF-8 bytes) is what
    gets anchored. Recording the same document twice returns the first record.
    """
    sha256 = hashlib.sha256(document.encode()).hexdigest()
    existing = session.scalar(
        select(StatusListVersion).where(
            StatusListVersion.list_id == list_id, StatusListVersion.revision == revision
        )
    )
    if existing is not None:
        if existing.sha256 != sha256:
            raise StoreError(f"revision {revision} of {list_id} was already published differently")
        return existing
    version = StatusListVersion(
        list_id=list_id, revision=revision, sha256=sha256, document=document, published_at=at
    )
    session.add(version)
    session.flush()
    return version


def version_in_force(session: Session, list_id: str, moment: datetime) -> StatusListVersion | None:
    """The last version of the list published at or before ``moment`` (None: none yet)."""
    query = (
        select(StatusListVersion)
        .where(StatusListVersion.list_id == list_id, StatusListVersion.published_at <= moment)
        .order_by(StatusListVersion.published_at.desc(), StatusListVersion.revision.desc())
        .limit(1)
    )
    return session.scalar(query)
