"""Status list indices: random, never reused, safe with several issuing processes at once.

The primary key (list_id, status_index) of ``status_allocations`` is the guarantee: rows are
inserted with ON CONFLICT DO NOTHING, so an index another process took in the meantime is
simply not returned, and the shortfall is drawn again. Each round runs in a savepoint so a
PostgreSQL deadlock between two issuers costs one round, not the transaction.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from microcred.status import MIN_LIST_SIZE, StatusPurpose
from microcred.store._errors import StoreError
from microcred.store._models import StatusAllocation, StatusList

DEFAULT_MAX_FILL = 0.8
_MAX_ROUNDS = 200
_ROWS_PER_STATEMENT = 1000
_LOAD_USED_FROM = 64  # below this many indices, guessing is cheaper than reading the list
_PG_DEADLOCK = "40P01"
_allocations = StatusAllocation.__table__


@dataclass(frozen=True)
class StatusSlot:
    """Where one credential's status bit lives: feed it to ``microcred.status.status_entry``."""

    list_id: str
    list_url: str
    purpose: StatusPurpose
    index: int


def open_status_list(
    session: Session,
    purpose: StatusPurpose,
    url: str,
    *,
    at: datetime,
    size: int = MIN_LIST_SIZE,
    list_id: str | None = None,
    issuer_did: str | None = None,
) -> StatusList:
    """A new, all-zero status list (flushed, so its row exists in this transaction)."""
    if size < MIN_LIST_SIZE or size % 8:
        raise StoreError(f"a status list needs at least {MIN_LIST_SIZE} entries, a multiple of 8")
    status_list = StatusList(
        id=list_id or str(uuid.uuid4()),
        purpose=purpose,
        url=url,
        size=size,
        bits=bytes(size // 8),
        revision=0,
        issuer_did=issuer_did,
        created_at=at,
        updated_at=at,
    )
    session.add(status_list)
    session.flush()
    return status_list


def allocate_indices(
    session: Session,
    list_id: str,
    count: int,
    rng: random.Random,
    *,
    at: datetime,
    credential_ids: Sequence[str | None] | None = None,
) -> list[int]:
    """``count`` random indices of the list that no one holds, now held by this transaction.

    With ``credential_ids`` (``count`` of them) index ``i`` of the result belongs to
    credential ``i``. StoreError if the list has fewer than ``count`` free indices.
    """
    owners = list(credential_ids) if credential_ids is not None else [None] * count
    if len(owners) != count or count < 0:
        raise ValueError("credential_ids must have exactly `count` entries")
    status_list = _locked_list(session, list_id)
    known_used = _used_indices(session, list_id) if count >= _LOAD_USED_FROM else set()
    taken: dict[int, int] = {}
    pending = list(enumerate(owners))
    for _ in range(_MAX_ROUNDS):
        if not pending:
            return [taken[position] for position in range(count)]
        _check_room(session, status_list, len(pending))
        candidates = _draw(rng, status_list.size, known_used, len(pending))
        won = _insert_round(session, status_list, list(zip(candidates, pending, strict=True)), at)
        known_used.update(candidates)
        taken.update(won)
        pending = [(position, owner) for position, owner in pending if position not in won]
    raise StoreError(f"could not allocate {count} indices in {list_id} after {_MAX_ROUNDS} rounds")


def allocate_slots(
    session: Session,
    purpose: StatusPurpose,
    credential_ids: Sequence[str],
    rng: random.Random,
    *,
    at: datetime,
    new_list_url: Callable[[str], str],
    max_fill: float = DEFAULT_MAX_FILL,
    list_size: int = MIN_LIST_SIZE,
    issuer_did: str | None = None,
) -> dict[str, StatusSlot]:
    """A status slot of ``purpose`` for each credential, reusing the ones it already has.

    Lists are filled up to ``max_fill`` of their size (random indices stay unguessable); then
    a new list is opened, its id drawn from ``rng`` and its URL given by ``new_list_url(id)``.
    With ``issuer_did``, only lists of that DID (or of no recorded DID) are filled, and new
    lists record it: one list is signed by one DID.
    """
    slots = existing_slots(session, purpose, credential_ids)
    missing = [cid for cid in dict.fromkeys(credential_ids) if cid not in slots]
    for status_list, room in _lists_with_room(session, purpose, max_fill, issuer_did):
        if not missing:
            break
        _fill(session, status_list, missing[:room], rng, at, slots)
        missing = missing[room:]
    while missing:
        list_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        status_list = open_status_list(
            session,
            purpose,
            new_list_url(list_id),
            at=at,
            size=list_size,
            list_id=list_id,
            issuer_did=issuer_did,
        )
        room = _room(status_list.size, 0, max_fill)
        if room == 0:
            raise StoreError(f"max_fill {max_fill} leaves no room in a new list")
        _fill(session, status_list, missing[:room], rng, at, slots)
        missing = missing[room:]
    return slots


def existing_slots(
    session: Session, purpose: StatusPurpose, credential_ids: Sequence[str]
) -> dict[str, StatusSlot]:
    """The slots of ``purpose`` these credentials already hold (for resumed batches)."""
    rows = session.execute(
        select(StatusAllocation, StatusList.url)
        .join(StatusList, StatusList.id == StatusAllocation.list_id)
        .where(StatusAllocation.purpose == purpose)
        .where(StatusAllocation.credential_id.in_(list(credential_ids)))
    ).all()
    return {
        str(row.credential_id): StatusSlot(row.list_id, url, purpose, row.status_index)
        for row, url in rows
    }


def _fill(
    session: Session,
    status_list: StatusList,
    credential_ids: list[str],
    rng: random.Random,
    at: datetime,
    slots: dict[str, StatusSlot],
) -> None:
    indices = allocate_indices(
        session, status_list.id, len(credential_ids), rng, at=at, credential_ids=credential_ids
    )
    purpose = cast(StatusPurpose, status_list.purpose)
    for credential_id, index in zip(credential_ids, indices, strict=True):
        slots[credential_id] = StatusSlot(status_list.id, status_list.url, purpose, index)


def _lists_with_room(
    session: Session, purpose: StatusPurpose, max_fill: float, issuer_did: str | None
) -> list[tuple[StatusList, int]]:
    counts = (
        select(StatusAllocation.list_id, func.count().label("used"))
        .group_by(StatusAllocation.list_id)
        .subquery()
    )
    rows = session.execute(
        select(StatusList, func.coalesce(counts.c.used, 0))
        .outerjoin(counts, counts.c.list_id == StatusList.id)
        .where(StatusList.purpose == purpose)
        .where(
            true()
            if issuer_did is None
            else or_(StatusList.issuer_did.is_(None), StatusList.issuer_did == issuer_did)
        )
        .order_by(StatusList.created_at, StatusList.id)
    ).all()
    with_room = [
        (status_list, _room(status_list.size, used, max_fill)) for status_list, used in rows
    ]
    return [(status_list, room) for status_list, room in with_room if room > 0]


def _room(size: int, used: int, max_fill: float) -> int:
    return max(0, int(size * max_fill) - used)


def _locked_list(session: Session, list_id: str) -> StatusList:
    # No row lock: the primary key guards the indices, and a lock would make revocations
    # on this list wait for a whole batch to commit.
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise StoreError(f"no status list {list_id}")
    return status_list


def _used_indices(session: Session, list_id: str) -> set[int]:
    query = select(StatusAllocation.status_index).where(StatusAllocation.list_id == list_id)
    return set(session.scalars(query))


def _check_room(session: Session, status_list: StatusList, wanted: int) -> None:
    used = session.scalar(select(func.count()).where(StatusAllocation.list_id == status_list.id))
    if status_list.size - (used or 0) < wanted:
        raise StoreError(
            f"status list {status_list.url} has {status_list.size - (used or 0)} free "
            f"indices, {wanted} needed"
        )


def _draw(rng: random.Random, size: int, known_used: set[int], count: int) -> list[int]:
    """``count`` distinct indices not in ``known_used``, uniformly at random."""
    if len(known_used) + count > size // 2:
        free = [index for index in range(size) if index not in known_used]
        return rng.sample(free, count)
    # Kept in draw order: handing out ascending indices would leak the batch's row order.
    drawn: dict[int, None] = {}
    while len(drawn) < count:
        index = rng.randrange(size)
        if index not in known_used:
            drawn[index] = None
    return list(drawn)


def _insert_round(
    session: Session,
    status_list: StatusList,
    assignments: list[tuple[int, tuple[int, str | None]]],
    at: datetime,
) -> dict[int, int]:
    """Try each (index, (position, owner)); returns position → index for the rows inserted."""
    position_of = {index: position for index, (position, _owner) in assignments}
    won: dict[int, int] = {}
    for start in range(0, len(assignments), _ROWS_PER_STATEMENT):
        # Sorted, so concurrent inserts lock keys in one order and rarely deadlock.
        chunk = sorted(assignments[start : start + _ROWS_PER_STATEMENT], key=lambda a: a[0])
        rows = [
            {
                "list_id": status_list.id,
                "status_index": index,
                "purpose": status_list.purpose,
                "credential_id": owner,
                "allocated_at": at,
            }
            for index, (_position, owner) in chunk
        ]
        for index in _insert_ignoring_taken(session, rows):
            won[position_of[index]] = index
    return won


def _insert_ignoring_taken(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    statement = (
        _dialect_insert(session)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["list_id", "status_index"])
        .returning(_allocations.c.status_index)
    )
    try:
        with session.begin_nested():
            return list(session.scalars(statement))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == _PG_DEADLOCK:
            return []  # the savepoint is rolled back; these candidates are drawn again
        raise StoreError(f"allocating status indices failed: {exc}") from exc


def _dialect_insert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    insert_for: dict[str, Callable[[Any], Insert]] = {
        "postgresql": postgresql.insert,
        "sqlite": sqlite.insert,
    }
    return insert_for[name](_allocations)
