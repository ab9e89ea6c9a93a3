"""The records store on PostgreSQL (server at 127.0.0.1:5432, trust auth; see below).

A fresh database is created for the run and dropped afterwards. Without a server these
tests FAIL on purpose ("PostgreSQL not reachable at …"): the store must be proven on both.
Set MICROCRED_TEST_POSTGRES_URL to use another server (a database the user may connect to).
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from microcred.status import StatusPurpose
from microcred.store import (
    Base,
    Batch,
    Credential,
    Specification,
    StatusChangeRejected,
    StatusList,
    Store,
    allocate_indices,
    allocate_slots,
    current_status,
    open_status_list,
    open_store,
    set_status,
    status_history,
)

ADMIN_URL = os.environ.get(
    "MICROCRED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    name = f"microcred_test_{secrets.token_hex(6)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL not reachable at {_safe(ADMIN_URL)}: {exc}", pytrace=False)
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    with open_store(postgres_url) as opened:
        yield opened
        with opened.engine.begin() as connection:
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} CASCADE"))


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _issue(store: Store, count: int) -> list[str]:
    with store.transaction() as session:
        spec = Specification(
            spec_uri="https://uni.example/mc/1",
            source_name="mc.yaml",
            sha256="a" * 64,
            title="Data literacy",
            created_at=NOW,
        )
        session.add(spec)
        session.flush()
        session.add(
            Batch(
                id="batch-1",
                specification_id=spec.id,
                issued_at=NOW,
                state="building",
                learner_count=count,
                credential_count=count,
                input_sha256="b" * 64,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        ids = [f"urn:uuid:pg-{n}" for n in range(count)]
        session.add_all(
            Credential(
                id=cid, batch_id="batch-1", learner_ref=f"S{n}", format="elm", created_at=NOW
            )
            for n, cid in enumerate(ids)
        )
        session.flush()
        rng = random.Random(5)
        purposes: tuple[StatusPurpose, ...] = ("revocation", "suspension")
        for purpose in purposes:
            allocate_slots(
                session,
                purpose,
                ids,
                rng,
                at=NOW,
                new_list_url=lambda list_id: f"https://issuer.example/status/{list_id}",
            )
    return ids


def test_migrations_build_exactly_the_models_schema(store: Store) -> None:
    assert store.backend == "postgresql"
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_reopening_an_up_to_date_database_is_harmless(postgres_url: str, store: Store) -> None:
    with open_store(postgres_url) as again, again.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


def test_allocation_skips_taken_indices(store: Store) -> None:
    with store.transaction() as session:
        list_id = open_status_list(session, "revocation", "https://i.example/s/1", at=NOW).id
        first = allocate_indices(session, list_id, 40, random.Random(1), at=NOW)
    with store.transaction() as session:
        second = allocate_indices(session, list_id, 40, random.Random(1), at=NOW)
    assert len(set(first + second)) == 80


def test_status_changes_and_times_round_trip(store: Store) -> None:
    target = _issue(store, 3)[1]
    with store.transaction() as session:
        set_status(session, target, "suspension", "suspend", actor="a", reason="r", at=NOW)
        set_status(session, target, "revocation", "revoke", actor="a", reason="r", at=NOW)
    with store.transaction() as session:
        state = current_status(session, target)
        events = status_history(session, target)
        assert (state.revoked, state.suspended) == (True, True)
        assert [event.at for event in events] == [NOW, NOW]
        assert all(event.at.tzinfo == UTC for event in events)
        lists = session.scalars(select(StatusList).order_by(StatusList.purpose)).all()
        assert [lst.revision for lst in lists] == [1, 1]
    with pytest.raises(StatusChangeRejected, match="final"), store.transaction() as session:
        set_status(session, target, "suspension", "reinstate", actor="a", reason="r", at=NOW)


def test_status_events_are_append_only_in_the_database(store: Store) -> None:
    target = _issue(store, 1)[0]
    with store.transaction() as session:
        set_status(session, target, "revocation", "revoke", actor="a", reason="r", at=NOW)
    for statement in ("UPDATE status_events SET reason = 'x'", "DELETE FROM status_events"):
        with pytest.raises(DBAPIError, match="append-only"), store.transaction() as session:
            session.execute(text(statement))
