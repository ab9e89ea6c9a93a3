"""Revoke, suspend, reinstate: flip the list bit and append the event, in one transaction.

Rules: revocation is final (nothing undoes it, and a revoked credential is not suspended);
reinstate only lifts a suspension; every change is an appended ``status_events`` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.status import Bitstring, StatusPurpose
from microcred.store._errors import StatusChangeRejected
from microcred.store._models import StatusAllocation, StatusEvent, StatusList

StatusAction = Literal["revoke", "suspend", "reinstate"]
_PURPOSE_OF_ACTION: dict[str, StatusPurpose] = {
    "revoke": "revocation",
    "suspend": "suspension",
    "reinstate": "suspension",
}


@dataclass(frozen=True)
class CredentialStatus:
    """The current bits of one credential (None: it has no entry for that purpose)."""

    revoked: bool | None
    suspended: bool | None


def set_status(
    session: Session,
    credential_id: str,
    purpose: StatusPurpose,
    action: StatusAction,
    *,
    actor: str,
    reason: str,
    at: datetime,
) -> StatusEvent:
    """Apply ``action`` and record who did it and why; StatusChangeRejected if not allowed."""
    _check_action_fits_purpose(purpose, action)
    if not actor.strip() or not reason.strip():
        raise StatusChangeRejected("a status change needs an actor and a reason")
    slots = _locked_slots(session, credential_id)
    if purpose not in slots:
        raise StatusChangeRejected(f"{credential_id} has no {purpose} status entry")
    _check_transition(credential_id, _status_of(slots), action)
    status_list, index = slots[purpose]
    _write_bit(status_list, index, action != "reinstate", at)
    event = StatusEvent(
        credential_id=credential_id,
        purpose=purpose,
        action=action,
        actor=actor,
        reason=reason,
        at=at,
        list_id=status_list.id,
        list_revision=status_list.revision,
    )
    session.add(event)
    session.flush()
    return event


def current_status(session: Session, credential_id: str) -> CredentialStatus:
    """What the store's lists say now about ``credential_id``."""
    rows = session.execute(
        select(StatusAllocation.purpose, StatusAllocation.status_index, StatusList.bits)
        .join(StatusList, StatusList.id == StatusAllocation.list_id)
        .where(StatusAllocation.credential_id == credential_id)
    ).all()
    bits = {purpose: _bit_set(data, index) for purpose, index, data in rows}
    return CredentialStatus(bits.get("revocation"), bits.get("suspension"))


def status_history(session: Session, credential_id: str) -> list[StatusEvent]:
    """Every status event of ``credential_id``, oldest first."""
    query = (
        select(StatusEvent)
        .where(StatusEvent.credential_id == credential_id)
        .order_by(StatusEvent.at, StatusEvent.id)
    )
    return list(session.scalars(query))


def _check_action_fits_purpose(purpose: str, action: str) -> None:
    if action not in _PURPOSE_OF_ACTION:
        raise StatusChangeRejected(f"unknown status action {action!r}")
    if purpose == "revocation" and action == "reinstate":
        raise StatusChangeRejected("revocation is final: reinstate only lifts a suspension")
    if _PURPOSE_OF_ACTION[action] != purpose:
        raise StatusChangeRejected(f"{action!r} does not apply to the {purpose!r} purpose")


def _check_transition(credential_id: str, state: CredentialStatus, action: str) -> None:
    if state.revoked:
        raise StatusChangeRejected(f"{credential_id} is revoked; revocation is final")
    if action == "suspend" and state.suspended:
        raise StatusChangeRejected(f"{credential_id} is already suspended")
    if action == "reinstate" and not state.suspended:
        raise StatusChangeRejected(f"{credential_id} is not suspended; nothing to reinstate")


def _locked_slots(session: Session, credential_id: str) -> dict[str, tuple[StatusList, int]]:
    """Purpose → (list, index) of the credential, its lists locked in id order.

    The bits are read, checked and written back, so concurrent changes must queue: a row
    lock on PostgreSQL (id order avoids deadlocks); on SQLite BEGIN IMMEDIATE already did it.
    """
    allocations = session.scalars(
        select(StatusAllocation)
        .where(StatusAllocation.credential_id == credential_id)
        .order_by(StatusAllocation.list_id)
    ).all()
    slots: dict[str, tuple[StatusList, int]] = {}
    for allocation in allocations:
        query = select(StatusList).where(StatusList.id == allocation.list_id).with_for_update()
        status_list = session.scalars(query.execution_options(populate_existing=True)).one()
        slots[allocation.purpose] = (status_list, allocation.status_index)
    return slots


def _status_of(slots: dict[str, tuple[StatusList, int]]) -> CredentialStatus:
    bits = {purpose: _bit_set(lst.bits, index) for purpose, (lst, index) in slots.items()}
    return CredentialStatus(bits.get("revocation"), bits.get("suspension"))


def _write_bit(status_list: StatusList, index: int, value: bool, at: datetime) -> None:
    bits = Bitstring.from_bytes(status_list.bits)
    bits.set(index, value)
    status_list.bits = bits.to_bytes()
    status_list.revision += 1
    status_list.updated_at = at


def _bit_set(data: bytes, index: int) -> bool:
    return bool(data[index // 8] & (0x80 >> (index % 8)))
