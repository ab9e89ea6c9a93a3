"""Real issuer homes, real databases and the real `microcred` command, for the batch tests.

Everything here runs `microcred` as a separate process (the console script beside the test
interpreter: `python -m microcred.cli` has no entry point), so a SIGKILL is a real crash.
Store contents are read back with SQLAlchemy; helpers return data and the tests assert.
"""

from __future__ import annotations

import contextlib
import csv
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from microcred.chain import open_ledger
from microcred.chain.ledger import AnchorEvent
from microcred.store import (
    Anchor,
    Batch,
    Credential,
    StatusAllocation,
    StatusList,
    default_store_url,
    open_store,
)

MICROCRED = Path(sys.executable).with_name("microcred")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
SPEC = EXAMPLE / "microcredential.yaml"
PASSPHRASE = "correct horse battery staple"
POSTGRES_ADMIN_URL = os.environ.get(
    "MICROCRED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SETUP_TIMEOUT_S = 120


@dataclass(frozen=True)
class IssuerHome:
    """An issuer home (profile, key, embedded ledger) writing to ``database_url``."""

    home: Path
    database_url: str

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "MICROCRED_HOME": str(self.home),
            "MICROCRED_KEY_PASSPHRASE": PASSPHRASE,
            "MICROCRED_DB": self.database_url,
        }

    def run(self, *args: str, timeout: float = SETUP_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MICROCRED), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, args: list[str], log: Path) -> subprocess.Popen[bytes]:
        """Start `microcred ARGS` in its own process group, output to ``log``."""
        with log.open("ab") as sink:
            return subprocess.Popen(
                [str(MICROCRED), *args],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


def issue_args(learners: Path, out_dir: Path, formats: tuple[str, ...] = ()) -> list[str]:
    chosen = [part for fmt in formats for part in ("--format", fmt)]
    return [
        "issue",
        "--spec",
        str(SPEC),
        "--learners",
        str(learners),
        "--out",
        str(out_dir),
        *chosen,
    ]


def make_issuer_home(home: Path, database_url: str | None = None) -> IssuerHome:
    """`init`, `chain deploy`, `registry add-authority`, `registry accredit --eqf 7`."""
    issuer = IssuerHome(home, database_url or default_store_url(home))
    steps = (
        ["init", "--name", "Crash Test University", "--country", "GE", "--legal-id", "204000000"],
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "7"],
    )
    for step in steps:
        done = issuer.run(*step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    return issuer


def write_learners(path: Path, count: int, prefix: str) -> Path:
    """``count`` learners cycled from the example cohort, each with its own id and e-mail."""
    with (EXAMPLE / "learners.csv").open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        for n in range(count):
            row = dict(rows[n % len(rows)])
            local, domain = row["email"].split("@")
            row["learner_id"] = f"{prefix}{n:05d}"
            row["email"] = f"{local}.{prefix.lower()}{n}@{domain}"
            if row["national_id"]:
                row["national_id"] = f"{n:011d}"
            writer.writerow(row)
    return path


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards; FAILS if there is no server."""
    name = f"microcred_crash_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        safe = make_url(POSTGRES_ADMIN_URL).render_as_string(hide_password=True)
        pytest.fail(f"PostgreSQL not reachable at {safe}: {exc}", pytrace=False)
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def backend_url(backend: str, home: Path) -> Iterator[str]:
    """The records database for ``backend``: SQLite in ``home`` or a fresh PostgreSQL one."""
    if backend == "sqlite":
        yield default_store_url(home)
        return
    with postgres_database() as url:
        yield url


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and anything it started, then reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)


def wait_until(
    condition: Callable[[], bool], process: subprocess.Popen[bytes], limit: float
) -> bool:
    """Poll until ``condition`` holds (True) or the process ends (False); raise after ``limit``."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(0.02)
    raise TimeoutError(f"condition not reached within {limit:.0f} s")


@dataclass(frozen=True)
class CredentialRow:
    id: str
    learner_ref: str | None
    format: str
    sha256: str | None


@dataclass(frozen=True)
class BatchRecord:
    id: str
    state: str
    learner_count: int
    credentials: tuple[CredentialRow, ...]
    anchor_roots: tuple[str, ...]


@dataclass(frozen=True)
class AllocationRow:
    list_url: str
    purpose: str
    index: int
    credential_id: str | None


def batch_records(database_url: str) -> list[BatchRecord]:
    with open_store(database_url) as store, store.transaction() as session:
        batches = list(session.scalars(select(Batch).order_by(Batch.created_at)))
        credentials = list(session.scalars(select(Credential)))
        anchors = list(session.scalars(select(Anchor).where(Anchor.batch_id.is_not(None))))
    return [
        BatchRecord(
            id=batch.id,
            state=batch.state,
            learner_count=batch.learner_count,
            credentials=tuple(
                CredentialRow(c.id, c.learner_ref, c.format, c.sha256)
                for c in credentials
                if c.batch_id == batch.id
            ),
            anchor_roots=tuple(a.root_hex for a in anchors if a.batch_id == batch.id),
        )
        for batch in batches
    ]


def status_allocations(database_url: str) -> list[AllocationRow]:
    with open_store(database_url) as store, store.transaction() as session:
        rows = session.execute(
            select(StatusAllocation, StatusList.url).join(
                StatusList, StatusList.id == StatusAllocation.list_id
            )
        ).all()
    return [
        AllocationRow(url, row.purpose, row.status_index, row.credential_id) for row, url in rows
    ]


def ledger_anchor_events(home: Path) -> list[AnchorEvent]:
    with open_ledger(str(home / "ledger")) as ledger:
        return ledger.anchor_events()
