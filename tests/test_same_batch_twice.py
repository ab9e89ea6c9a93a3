"""The same `microcred issue` started twice: one batch, one set of credentials, one anchor.

A registrar who presses Enter twice, or a scheduler that retries too early, must not get a
second batch with new ids and status indices for the same learners.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from _issuing_fixtures import (
    EXAMPLE,
    SPEC,
    IssuerHome,
    backend_url,
    batch_records,
    issue_args,
    kill_group,
    ledger_anchor_events,
    make_issuer_home,
    write_learners,
)
from microcred.elm_models.readers import read_learners, read_spec
from microcred.issuer import records
from microcred.issuer.locks import batch_in_hand
from microcred.store import Store, open_store

BACKENDS = ["sqlite", "postgresql"]
EXIT_BAD_INPUT = 3
RUN_TIMEOUT_S = 10 * 60
LEARNERS = 200


@pytest.fixture(scope="module", params=BACKENDS)
def issuer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IssuerHome]:
    home = tmp_path_factory.mktemp(f"home-{request.param}")
    with backend_url(request.param, home) as url:
        yield make_issuer_home(home, url)


def test_a_second_run_while_the_first_holds_the_batch_is_refused(
    issuer: IssuerHome, tmp_path: Path
) -> None:
    learners = write_learners(tmp_path / "learners.csv", 3, "H")
    out_dir = tmp_path / "out"
    before = len(batch_records(issuer.database_url))
    with batch_in_hand(issuer.home, out_dir):
        refused = issuer.run(*issue_args(learners, out_dir))
    assert refused.returncode == EXIT_BAD_INPUT, refused.stdout
    assert f"another microcred process is issuing or anchoring {out_dir}" in refused.stderr
    assert not out_dir.exists()
    assert len(batch_records(issuer.database_url)) == before
    done = issuer.run(*issue_args(learners, out_dir))
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert len(batch_records(issuer.database_url)) == before + 1


def test_two_identical_commands_at_once_make_one_batch(issuer: IssuerHome, tmp_path: Path) -> None:
    learners = write_learners(tmp_path / "learners.csv", LEARNERS, "T")
    out_dir = tmp_path / "out"
    before = {record.id for record in batch_records(issuer.database_url)}
    anchors_before = len(ledger_anchor_events(issuer.home))
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes = [issuer.start(issue_args(learners, out_dir), log) for log in logs]
    try:
        codes = [process.wait(timeout=RUN_TIMEOUT_S) for process in processes]
    finally:
        for process in processes:
            kill_group(process)
    outputs = [log.read_text("utf-8") for log in logs]
    assert 0 in codes, outputs
    for code, output in zip(codes, outputs, strict=True):
        assert code == 0 or (code == EXIT_BAD_INPUT and "another microcred process" in output)
    new = [record for record in batch_records(issuer.database_url) if record.id not in before]
    assert len(new) == 1
    assert new[0].state == "anchored" and len(new[0].credentials) == 2 * LEARNERS
    assert len(ledger_anchor_events(issuer.home)) == anchors_before + 1


def test_a_batch_recorded_by_another_issuer_meanwhile_is_resumed_not_duplicated(
    issuer: IssuerHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = read_spec(SPEC)
    learners = read_learners(EXAMPLE / "learners.csv", spec)
    with open_store(issuer.database_url) as store:
        first = _plan(store, spec, learners)
        real_find = records._find_batch
        looks: list[str] = []

        def find_after_the_other_committed(session: object, key: str) -> object:
            # The first look happened before the other issuer's commit: it saw nothing.
            looks.append(key)
            return None if len(looks) == 1 else real_find(session, key)  # type: ignore[arg-type]

        monkeypatch.setattr(records, "_find_batch", find_after_the_other_committed)
        second = _plan(store, spec, learners)
    assert len(looks) == 2  # the insert was refused by the unique key, then the row was found
    assert second.batch_id == first.batch_id
    assert second.credentials == first.credentials
    assert second.statuses == first.statuses


def _plan(
    store: Store, spec: records.MicroCredentialSpec, learners: list[records.Learner]
) -> records.BatchPlan:
    return records.plan_batch(
        store,
        key=hashlib.sha256(b"one command, two issuers").hexdigest(),
        spec=spec,
        spec_sha256="0" * 64,
        learners=learners,
        formats=("elm", "ob3"),
        issued=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        status_base_url="https://www.example.edu.ge/credentials/status",
        rng=random.Random(7),
    )
