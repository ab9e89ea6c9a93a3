"""The records store on SQLite: migrations, index allocation, status changes, learner data."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

import microcred.store as store_module
from microcred.errors import MicrocredError
from microcred.status import MIN_LIST_SIZE, Bitstring
from microcred.store import (
    Base,
    Batch,
    Credential,
    Specification,
    StatusAllocation,
    StatusChangeRejected,
    StatusEvent,
    StatusList,
    Store,
    StoreError,
    allocate_indices,
    allocate_slots,
    current_status,
    default_store_url,
    forget_learner,
    open_status_list,
    open_store,
    record_publication,
    set_status,
    status_history,
    status_list_bits,
    version_in_force,
)
from microcred.store._migrate import alembic_config

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _url(index: str) -> str:
    return f"https://issuer.example/status/{index}"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(default_store_url(tmp_path / "home")) as opened:
        yield opened


def _add_credentials(session: Session, count: int, fmt: str = "elm") -> list[str]:
    spec = Specification(
        spec_uri="https://uni.example/mc/1",
        source_name="mc.yaml",
        sha256="a" * 64,
        title="Data literacy",
        created_at=NOW,
    )
    session.add(spec)
    session.flush()
    batch = Batch(
        id=f"batch-{fmt}",
        specification_id=spec.id,
        issued_at=NOW,
        state="building",
        learner_count=count,
        credential_count=count,
        input_sha256="b" * 64,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(batch)
    ids = [f"urn:uuid:{fmt}-{n}" for n in range(count)]
    session.add_all(
        Credential(id=cid, batch_id=batch.id, learner_ref=f"S{n:05d}", format=fmt, created_at=NOW)
        for n, cid in enumerate(ids)
    )
    session.flush()
    return ids


def _issued(
    store: Store, count: int = 2, purposes: tuple[str, ...] = ("revocation", "suspension")
) -> list[str]:
    rng = random.Random(7)
    with store.transaction() as session:
        ids = _add_credentials(session, count)
        for purpose in purposes:
            allocate_slots(session, purpose, ids, rng, at=NOW, new_list_url=_url)  # type: ignore[arg-type]
    return ids


def test_public_surface_is_exact() -> None:
    assert sorted(store_module.__all__) == sorted(
        name for name in vars(store_module) if not name.startswith("_")
    )


# --- opening and migrating --------------------------------------------------------------


def test_open_creates_the_database_file_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    home = tmp_path / "issuer-home"
    url = default_store_url(home)
    assert url == f"sqlite:///{home / 'microcred.db'}"
    with open_store(url) as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (home / "microcred.db").is_file()


def test_migrations_build_exactly_the_models_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert context.get_current_revision() == head


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    url = default_store_url(tmp_path)
    with open_store(url) as store, store.transaction() as session:
        _add_credentials(session, 1)
    with open_store(url) as store, store.transaction() as session:
        assert session.scalar(select(Credential.learner_ref)) == "S00000"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://x/y", "unsupported database"),
        ("sqlite://", "in-memory"),
        ("::nonsense", "not a database URL"),
    ],
)
def test_bad_urls_are_store_errors(url: str, words: str) -> None:
    with pytest.raises(StoreError, match=words) as caught:
        open_store(url)
    assert isinstance(caught.value, MicrocredError)


def test_times_come_back_aware_in_utc_and_naive_ones_are_refused(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    with store.transaction() as session:
        status_list = open_status_list(
            session, "revocation", _url("t"), at=NOW.astimezone(plus_two)
        )
        list_id = status_list.id
    with store.transaction() as session:
        created = session.get(StatusList, list_id).created_at  # type: ignore[union-attr]
        assert created == NOW and created.tzinfo == UTC
    with pytest.raises(StatementError, match="timezone-aware"), store.transaction() as session:
        open_status_list(session, "revocation", _url("naive"), at=datetime(2026, 1, 1))


def test_database_refuses_values_outside_the_vocabularies(store: Store) -> None:
    with pytest.raises(DBAPIError, match="CHECK"), store.transaction() as session:
        _add_credentials(session, 1, fmt="pdf")


# --- index allocation -------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 63, 64, 3000])
def test_allocated_indices_are_unique_random_and_in_range(store: Store, count: int) -> None:
    with store.transaction() as session:
        list_id = open_status_list(session, "revocation", _url("a"), at=NOW).id
        first = allocate_indices(session, list_id, count, random.Random(1), at=NOW)
        # The same seed draws the same candidates again: every one must be skipped.
        second = allocate_indices(session, list_id, count, random.Random(1), at=NOW)
    together = first + second
    assert len(set(together)) == len(together) == 2 * count
    assert all(0 <= index < MIN_LIST_SIZE for index in together)
    if count > 10:
        assert together[:10] != sorted(together[:10])  # not handed out in order


def test_allocation_is_reproducible_with_a_seeded_rng(tmp_path: Path) -> None:
    def run(name: str) -> list[int]:
        with (
            open_store(default_store_url(tmp_path / name)) as store,
            store.transaction() as session,
        ):
            list_id = open_status_list(session, "revocation", _url(name), at=NOW).id
            return allocate_indices(session, list_id, 20, random.Random(99), at=NOW)

    assert run("one") == run("two")


def test_allocating_more_than_the_free_indices_fails(store: Store) -> None:
    with pytest.raises(StoreError, match="free"), store.transaction() as session:
        list_id = open_status_list(session, "revocation", _url("f"), at=NOW).id
        allocate_indices(session, list_id, MIN_LIST_SIZE + 1, random.Random(1), at=NOW)


def test_status_lists_below_the_minimum_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="131072"), store.transaction() as session:
        open_status_list(session, "revocation", _url("s"), at=NOW, size=1024)


def test_slots_fill_a_list_up_to_max_fill_then_open_a_new_one(store: Store) -> None:
    rng = random.Random(3)
    with store.transaction() as session:
        ids = _add_credentials(session, 25)
        max_fill = 10 / MIN_LIST_SIZE
        slots = allocate_slots(
            session, "revocation", ids, rng, at=NOW, new_list_url=_url, max_fill=max_fill
        )
        lists = session.scalars(select(StatusList)).all()
        per_list = {lst.id: sum(s.list_id == lst.id for s in slots.values()) for lst in lists}
    assert sorted(per_list.values()) == [5, 10, 10]
    assert all(slot.list_url == _url(slot.list_id) for slot in slots.values())
    assert len({(s.list_id, s.index) for s in slots.values()}) == 25


def test_slots_are_reused_when_a_batch_is_resumed(store: Store) -> None:
    with store.transaction() as session:
        ids = _add_credentials(session, 5)
        first = allocate_slots(
            session, "revocation", ids[:3], random.Random(1), at=NOW, new_list_url=_url
        )
    with store.transaction() as session:
        again = allocate_slots(
            session, "revocation", ids, random.Random(2), at=NOW, new_list_url=_url
        )
        held = session.scalar(
            select(StatusAllocation).where(StatusAllocation.credential_id == ids[0])
        )
    assert {cid: again[cid] for cid in ids[:3]} == first
    assert len({s.index for s in again.values()}) == 5
    assert held is not None and held.purpose == "revocation"


# --- status changes ----------------------------------------------------------------------


def _change(store: Store, credential_id: str, purpose: Any, action: Any) -> StatusEvent:
    with store.transaction() as session:
        return set_status(
            session,
            credential_id,
            purpose,
            action,
            actor="registrar@uni.example",
            reason="ticket 42",
            at=NOW,
        )


def _status(store: Store, credential_id: str) -> tuple[bool | None, bool | None]:
    with store.transaction() as session:
        state = current_status(session, credential_id)
    return state.revoked, state.suspended


def test_suspend_reinstate_revoke_flip_the_right_bits(store: Store) -> None:
    target, other = _issued(store)
    _change(store, target, "suspension", "suspend")
    assert _status(store, target) == (False, True)
    _change(store, target, "suspension", "reinstate")
    assert _status(store, target) == (False, False)
    event = _change(store, target, "revocation", "revoke")
    assert _status(store, target) == (True, False)
    assert _status(store, other) == (False, False)
    with store.transaction() as session:
        revocation_list = session.get(StatusList, event.list_id)
        assert revocation_list is not None and revocation_list.revision == event.list_revision == 1
        slot = session.scalar(
            select(StatusAllocation.status_index).where(
                StatusAllocation.credential_id == target, StatusAllocation.purpose == "revocation"
            )
        )
        assert status_list_bits(revocation_list).set_indices() == [slot]
        history = [(e.action, e.actor, e.reason) for e in status_history(session, target)]
    assert [action for action, _, _ in history] == ["suspend", "reinstate", "revoke"]
    assert history[0][1:] == ("registrar@uni.example", "ticket 42")


@pytest.mark.parametrize(
    ("steps", "purpose", "action", "words"),
    [
        ([("revocation", "revoke")], "revocation", "revoke", "revocation is final"),
        ([("revocation", "revoke")], "suspension", "suspend", "revocation is final"),
        ([("revocation", "revoke")], "suspension", "reinstate", "revocation is final"),
        ([], "revocation", "reinstate", "only lifts a suspension"),
        ([], "suspension", "reinstate", "not suspended"),
        ([("suspension", "suspend")], "suspension", "suspend", "already suspended"),
        ([], "suspension", "revoke", "does not apply"),
        ([], "revocation", "delete", "unknown status action"),
    ],
)
def test_forbidden_changes_are_rejected_and_change_nothing(
    store: Store, steps: list[tuple[str, str]], purpose: str, action: str, words: str
) -> None:
    target = _issued(store)[0]
    for step_purpose, step_action in steps:
        _change(store, target, step_purpose, step_action)
    before = _status(store, target)
    with pytest.raises(StatusChangeRejected, match=words):
        _change(store, target, purpose, action)
    assert _status(store, target) == before
    with store.transaction() as session:
        assert len(status_history(session, target)) == len(steps)


def test_ob3_credential_without_a_suspension_entry_cannot_be_suspended(store: Store) -> None:
    target = _issued(store, purposes=("revocation",))[0]
    assert _status(store, target) == (False, None)
    with pytest.raises(StatusChangeRejected, match="no suspension status entry"):
        _change(store, target, "suspension", "suspend")


def test_a_change_needs_an_actor_and_a_reason(store: Store) -> None:
    target = _issued(store)[0]
    with (
        pytest.raises(StatusChangeRejected, match="actor and a reason"),
        store.transaction() as session,
    ):
        set_status(session, target, "revocation", "revoke", actor="x", reason=" ", at=NOW)


@pytest.mark.parametrize(
    "statement", ["UPDATE status_events SET reason = 'edited'", "DELETE FROM status_events"]
)
def test_status_events_are_append_only_in_the_database(store: Store, statement: str) -> None:
    target = _issued(store)[0]
    _change(store, target, "revocation", "revoke")
    with pytest.raises(DBAPIError, match="append-only"), store.transaction() as session:
        session.execute(text(statement))
    with store.transaction() as session:
        assert [e.reason for e in status_history(session, target)] == ["ticket 42"]


# --- publication ------------------------------------------------------------------------


def test_publication_records_each_revision_once_and_the_one_in_force(store: Store) -> None:
    target = _issued(store)[0]
    with store.transaction() as session:
        lists = {lst.purpose: lst.id for lst in session.scalars(select(StatusList))}
        assert set(lists) == {"revocation", "suspension"}
        for list_id in lists.values():
            record_publication(session, list_id, 0, '{"rev": 0}', at=NOW)
    _change(store, target, "revocation", "revoke")
    later = NOW + timedelta(hours=1)
    with store.transaction() as session:
        changed = session.get(StatusList, lists["revocation"])
        assert changed is not None and changed.revision == 1
        version = record_publication(session, changed.id, 1, '{"rev": 1}', at=later)
        assert record_publication(session, changed.id, 1, '{"rev": 1}', at=later) == version
        with pytest.raises(StoreError, match="already published differently"):
            record_publication(session, changed.id, 1, '{"rev": "other"}', at=later)
        assert version_in_force(session, changed.id, NOW - timedelta(seconds=1)) is None
        assert version_in_force(session, changed.id, NOW + timedelta(minutes=5)).revision == 0  # type: ignore[union-attr]
        assert version_in_force(session, changed.id, later).sha256 == version.sha256  # type: ignore[union-attr]


def test_new_list_bits_are_all_zero(store: Store) -> None:
    with store.transaction() as session:
        status_list = open_status_list(session, "suspension", _url("z"), at=NOW)
        assert status_list_bits(status_list) == Bitstring()


# --- learner data ------------------------------------------------------------------------


def test_only_the_learner_reference_is_stored_and_it_can_be_forgotten(store: Store) -> None:
    ids = _issued(store, count=3)
    credential_columns = {column.name for column in Credential.__table__.columns}
    assert credential_columns == {
        "id",
        "batch_id",
        "learner_ref",
        "format",
        "sha256",
        "created_at",
        "signed_at",
    }
    with store.transaction() as session:
        assert forget_learner(session, "S00001") == 1
        assert forget_learner(session, "S00001") == 0
    with store.transaction() as session:
        refs = {
            cid: ref for cid, ref in session.execute(select(Credential.id, Credential.learner_ref))
        }
    assert refs == {ids[0]: "S00000", ids[1]: None, ids[2]: "S00002"}
    assert _status(store, ids[1]) == (False, False)


def test_sqlite_file_is_a_plain_sqlite_database(tmp_path: Path) -> None:
    with open_store(default_store_url(tmp_path)):
        pass
    with sqlite3.connect(tmp_path / "microcred.db") as raw:
        tables = {
            row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {
        "credentials",
        "status_lists",
        "status_allocations",
        "status_events",
        "anchors",
    } <= tables
