"""Four issuing processes allocate status indices from one list at once: none is duplicated.

Every worker draws from the same seeded rng, so they all want the same indices: the worst
case for the ON CONFLICT / retry path. Runs on SQLite (a file) and on PostgreSQL (a fresh
database on 127.0.0.1:5432; FAILS with "PostgreSQL not reachable at …" if there is none).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from microcred.store import (
    StatusAllocation,
    allocate_indices,
    default_store_url,
    open_status_list,
    open_store,
)

WORKERS = 4
ROUNDS = (25, 400, 25, 400, 60)
SEED = 20260301
NOW = datetime(2026, 3, 1, tzinfo=UTC)
pytestmark = pytest.mark.slow

ADMIN_URL = os.environ.get(
    "MICROCRED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _allocate_in_worker(url: str, list_id: str, barrier: Any, results: Any) -> None:
    """Child process: one transaction per round, all children starting together."""
    try:
        with open_store(url) as store:
            taken: list[int] = []
            rng = random.Random(SEED)
            barrier.wait(timeout=60)
            for count in ROUNDS:
                with store.transaction() as session:
                    taken += allocate_indices(session, list_id, count, rng, at=NOW)
            results.put(("ok", taken))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(("error", repr(exc)))


def _run_workers(url: str) -> list[int]:
    with open_store(url) as store, store.transaction() as session:
        list_id = open_status_list(session, "revocation", "https://i.example/s/c", at=NOW).id
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [
        context.Process(target=_allocate_in_worker, args=(url, list_id, barrier, results))
        for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    errors = [detail for kind, detail in outcomes if kind == "error"]
    assert not errors, errors
    with open_store(url) as store, store.transaction() as session:
        stored = session.scalar(select(func.count()).where(StatusAllocation.list_id == list_id))
    indices = [index for _kind, taken in outcomes for index in taken]
    assert stored == len(indices)
    return indices


def _assert_all_unique(indices: list[int]) -> None:
    assert len(indices) == WORKERS * sum(ROUNDS)
    assert len(set(indices)) == len(indices)


def test_concurrent_allocation_on_sqlite(tmp_path: Path) -> None:
    _assert_all_unique(_run_workers(default_store_url(tmp_path)))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"microcred_test_{secrets.token_hex(6)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        safe = make_url(ADMIN_URL).render_as_string(hide_password=True)
        pytest.fail(f"PostgreSQL not reachable at {safe}: {exc}", pytrace=False)
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_allocation_on_postgresql(postgres_url: str) -> None:
    _assert_all_unique(_run_workers(postgres_url))
