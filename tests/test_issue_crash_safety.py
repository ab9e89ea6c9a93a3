"""Batch issuance survives kill -9 and concurrent issuers, on SQLite and on PostgreSQL.

Real `microcred` processes, real databases (a SQLite file; a fresh PostgreSQL database on
127.0.0.1:5432 that FAILS the test with "PostgreSQL not reachable at …" if there is none)
and the real embedded EVM ledger. See tests/_issuing_fixtures.py for the set-up.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from _issuing_fixtures import (
    AllocationRow,
    BatchRecord,
    IssuerHome,
    backend_url,
    batch_records,
    issue_args,
    kill_group,
    ledger_anchor_events,
    make_issuer_home,
    status_allocations,
    wait_until,
    write_learners,
)
from microcred.chain.anchor_proof import (
    ANCHOR_CRYPTOSUITE,
    anchor_proofs,
    decode_anchor_proof,
    without_anchor_proofs,
)
from microcred.issuer.run import document_hash

pytestmark = pytest.mark.slow

BACKENDS = ["sqlite", "postgresql"]
SEED = 20260415
KILL_LEARNERS = 5_000
RUN_TIMEOUT_S = 20 * 60  # one `microcred issue` of 5,000 learners on a busy 2-core machine
PHASE_TIMEOUT_S = 15 * 60
VERIFIED_SAMPLE = 5
CONCURRENT_COHORTS = 4
COHORT_LEARNERS = 300
EXIT_PENDING = 4
_ANCHOR_MARK = ANCHOR_CRYPTOSUITE.encode("ascii")


@dataclass(frozen=True)
class Kill:
    """One SIGKILL: in which phase it was aimed, and what the output looked like then."""

    phase: str
    after_s: float
    ob3_files: int
    manifest: str


KillMoment = Callable[[subprocess.Popen[bytes]], bool]


def _after_seconds(delay: float) -> KillMoment:
    """While planning (status indices), building and validating: before any signature."""

    def reached(process: subprocess.Popen[bytes]) -> bool:
        start = time.monotonic()
        return wait_until(lambda: time.monotonic() - start >= delay, process, PHASE_TIMEOUT_S)

    return reached


def _while_signing(ob3_dir: Path, files: int, then_s: float) -> KillMoment:
    """Once ``files`` credentials are written, plus a little: mid-chunk, between commits."""

    def reached(process: subprocess.Popen[bytes]) -> bool:
        if not wait_until(lambda: _count(ob3_dir) >= files, process, PHASE_TIMEOUT_S):
            return False
        start = time.monotonic()
        return wait_until(lambda: time.monotonic() - start >= then_s, process, PHASE_TIMEOUT_S)

    return reached


def _while_anchoring(anchored_file: Path) -> KillMoment:
    """After the root is on the ledger, while the files get their anchor proofs."""

    def reached(process: subprocess.Popen[bytes]) -> bool:
        return wait_until(lambda: _has_anchor_proof(anchored_file), process, PHASE_TIMEOUT_S)

    return reached


def _count(directory: Path) -> int:
    if not directory.is_dir():
        return 0
    return sum(1 for name in directory.iterdir() if name.suffix == ".json")


def _has_anchor_proof(path: Path) -> bool:
    try:
        return _ANCHOR_MARK in path.read_bytes()
    except FileNotFoundError:
        return False


def _manifest_state(out_dir: Path) -> str:
    try:
        return str(json.loads((out_dir / "manifest.json").read_text("utf-8"))["state"])
    except (OSError, ValueError):
        return "absent"


def _issue_killed_at(
    issuer: IssuerHome, args: list[str], out_dir: Path, moments: list[tuple[str, KillMoment]]
) -> list[Kill]:
    """Run the command once per moment and SIGKILL it there; the next run resumes the batch."""
    kills = []
    for phase, moment in moments:
        process = issuer.start(args, out_dir.parent / "issue.log")
        started = time.monotonic()
        try:
            reached = moment(process)
        finally:
            kill_group(process)
        assert reached, f"the run ended (exit {process.returncode}) before the {phase} kill"
        assert process.returncode == -9, (phase, process.returncode)
        kills.append(
            Kill(
                phase,
                round(time.monotonic() - started, 1),
                _count(out_dir / "ob3"),
                _manifest_state(out_dir),
            )
        )
    return kills


def _kill_moments(rng: random.Random, out_dir: Path) -> list[tuple[str, KillMoment]]:
    """Three kills, one per phase, each at a seeded random point of that phase.

    Aimed by what the run has done rather than by fractions of a measured run time: a
    measuring run would cost as much as the whole test, and the machine's load varies.
    """
    ob3 = out_dir / "ob3"
    learner = rng.randrange(KILL_LEARNERS // 2)
    return [
        ("planning/validating", _after_seconds(rng.uniform(2.0, 20.0))),
        (
            "signing",
            _while_signing(
                ob3, rng.randint(KILL_LEARNERS // 10, 9 * KILL_LEARNERS // 10), rng.uniform(0, 2)
            ),
        ),
        ("anchoring", _while_anchoring(ob3 / f"K{learner:05d}.json")),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_at_random_moments_of_a_5000_learner_batch(backend: str, tmp_path: Path) -> None:
    """Killed while planning, while signing and while anchoring, then rerun: nothing lost.

    OB3 only (`--format ob3`) keeps one run to a few minutes on a 2-core machine: ELM
    documents take about four times as long to validate, sign and canonicalize, and the
    store-side guarantees under test are the same for both formats.
    """
    rng = random.Random(f"{SEED}-{backend}")
    home, out_dir = tmp_path / "home", tmp_path / "out"
    with backend_url(backend, home) as url:
        issuer = make_issuer_home(home, url)
        learners = write_learners(tmp_path / "learners.csv", KILL_LEARNERS, "K")
        args = issue_args(learners, out_dir, ("ob3",))
        started = time.monotonic()
        kills = _issue_killed_at(issuer, args, out_dir, _kill_moments(rng, out_dir))
        final = issuer.run(*args, timeout=RUN_TIMEOUT_S)
        elapsed = time.monotonic() - started
        print(f"{backend}: kills {kills}; total {elapsed:.0f} s")  # shown with -s / -rA
        assert final.returncode == 0, (final.stdout, final.stderr)
        # The anchoring kill came after the root was mined: the rerun must find it, not redo it.
        assert "found already anchored" in final.stdout, final.stdout

        batch = _only_batch(batch_records(url))
        documents = _delivered(out_dir, "ob3")
        _assert_files_match_the_store(batch, documents, out_dir)
        _assert_statuses_unique(status_allocations(url), batch, documents)
        _assert_anchored_once(issuer, batch, out_dir, documents)
        _assert_sample_verifies(issuer, out_dir, rng)


def _only_batch(records: list[BatchRecord]) -> BatchRecord:
    assert len(records) == 1, [record.id for record in records]
    batch = records[0]
    assert batch.state == "anchored"
    assert batch.learner_count == KILL_LEARNERS
    return batch


def _delivered(out_dir: Path, fmt: str) -> dict[Path, dict[str, Any]]:
    suffix = ".jsonld" if fmt == "elm" else ".json"
    return {
        path: json.loads(path.read_text("utf-8"))
        for path in sorted((out_dir / fmt).glob(f"*{suffix}"))
    }


def _assert_files_match_the_store(
    batch: BatchRecord, documents: dict[Path, dict[str, Any]], out_dir: Path
) -> None:
    # An OB3-only batch records OB3 rows only: no unsigned ELM row holds a status index.
    assert Counter(row.format for row in batch.credentials) == {"ob3": KILL_LEARNERS}
    assert not (out_dir / "elm").exists()
    _assert_delivered_as_recorded(batch, "ob3", documents, out_dir)


def _assert_delivered_as_recorded(
    batch: BatchRecord, fmt: str, documents: dict[Path, dict[str, Any]], out_dir: Path
) -> None:
    """Every signed row of ``fmt`` is one file holding exactly what the store hashed."""
    rows = {row.id: row for row in batch.credentials}
    signed = {row.id for row in batch.credentials if row.format == fmt and row.sha256}
    assert len(signed) == batch.learner_count
    assert len(documents) == batch.learner_count
    assert not list(out_dir.rglob("*.tmp")), "half-written files left behind"
    ids = [document["id"] for document in documents.values()]
    assert len(set(ids)) == len(ids)
    assert set(ids) == signed  # every signed credential is known, every known one delivered
    for path, document in documents.items():
        row = rows[document["id"]]
        assert (row.format, row.learner_ref) == (fmt, path.stem)
        assert row.sha256 == document_hash(without_anchor_proofs(document)), path


def _assert_statuses_unique(
    allocations: list[AllocationRow], batch: BatchRecord, documents: dict[Path, dict[str, Any]]
) -> None:
    credential_ids = {row.id for row in batch.credentials}
    assert len({(a.list_url, a.index) for a in allocations}) == len(allocations)
    assert all(a.credential_id in credential_ids for a in allocations), "an orphan index"
    revocation = _one_per_credential(allocations, "revocation")
    suspension = _one_per_credential(allocations, "suspension")
    assert set(revocation) == set(suspension) == credential_ids
    for credential_id, held in revocation.items():
        assert suspension[credential_id] == (held[0] + "#suspension", held[1])
    for document in documents.values():
        entry = document["credentialStatus"]
        held = revocation[document["id"]]
        assert (entry["statusListCredential"], int(entry["statusListIndex"])) == held


def _one_per_credential(
    allocations: list[AllocationRow], purpose: str
) -> dict[str, tuple[str, int]]:
    mine = [a for a in allocations if a.purpose == purpose]
    held = {str(a.credential_id): (a.list_url, a.index) for a in mine}
    assert len(held) == len(mine), f"a credential holds two {purpose} indices"
    return held


def _assert_anchored_once(
    issuer: IssuerHome, batch: BatchRecord, out_dir: Path, documents: dict[Path, dict[str, Any]]
) -> None:
    manifest = json.loads((out_dir / "manifest.json").read_text("utf-8"))
    assert (manifest["state"], manifest["count"], manifest["batch"]) == (
        "anchored",
        len(documents),
        batch.id,
    )
    root = manifest["anchor"]["root"].removeprefix("0x")
    assert batch.anchor_roots == (root,)
    events = ledger_anchor_events(issuer.home)
    assert [event.record.root.hex() for event in events] == [root]
    for document in documents.values():
        (proof,) = anchor_proofs(document)
        block = decode_anchor_proof(proof)
        assert (block.root.hex(), block.block_number) == (root, events[0].record.block_number)


def _assert_sample_verifies(issuer: IssuerHome, out_dir: Path, rng: random.Random) -> None:
    published = issuer.run("status", "publish", timeout=RUN_TIMEOUT_S)
    assert published.returncode == 0, (published.stdout, published.stderr)
    sample = rng.sample(sorted((out_dir / "ob3").glob("*.json")), VERIFIED_SAMPLE)
    result = issuer.run("verify", "--json", *map(str, sample), timeout=RUN_TIMEOUT_S)
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [report["verdict"] for report in reports] == ["valid"] * VERIFIED_SAMPLE, reports
    for report in reports:
        passed = {step["step"] for step in report["steps"] if step["status"] == "PASS"}
        assert {"proof", "anchored", "status"} <= passed, report["steps"]
    assert result.returncode == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_four_concurrent_issuers_share_one_store_and_ledger(backend: str, tmp_path: Path) -> None:
    """Four cohorts issued at once into one database and one home (one embedded ledger)."""
    home = tmp_path / "home"
    with backend_url(backend, home) as url:
        issuer = make_issuer_home(home, url)
        cohorts = {
            prefix: write_learners(tmp_path / f"{prefix}.csv", COHORT_LEARNERS, prefix)
            for prefix in ("A", "B", "C", "D")[:CONCURRENT_COHORTS]
        }
        outcomes = _issue_at_once(issuer, cohorts, tmp_path)
        pending = {
            prefix: text for prefix, (code, text) in outcomes.items() if code == EXIT_PENDING
        }
        failed = {p: o for p, o in outcomes.items() if o[0] not in (0, EXIT_PENDING)}
        assert not failed, "\n".join(
            f"{p}: exit {code}\n{text}" for p, (code, text) in failed.items()
        )
        # The embedded ledger's lock may outlast a waiting issuer: such a batch stays pending.
        assert all("in use by another process" in text for text in pending.values()), pending
        if pending:
            anchored = issuer.run("anchor", timeout=RUN_TIMEOUT_S)
            assert anchored.returncode == 0, (anchored.stdout, anchored.stderr)
        print(f"{backend}: pending after the concurrent run: {sorted(pending)}")

        records = batch_records(url)
        assert len(records) == CONCURRENT_COHORTS
        for record in records:
            out_dir = tmp_path / f"out-{_cohort_of(record)}"
            _assert_cohort_consistent(record)
            for fmt in ("elm", "ob3"):
                _assert_delivered_as_recorded(record, fmt, _delivered(out_dir, fmt), out_dir)
            manifest = json.loads((out_dir / "manifest.json").read_text("utf-8"))
            assert (manifest["batch"], manifest["state"]) == (record.id, "anchored")
            assert record.anchor_roots == (manifest["anchor"]["root"].removeprefix("0x"),)
        _assert_unique_across_batches(status_allocations(url), records)
        roots = sorted(root for record in records for root in record.anchor_roots)
        events = ledger_anchor_events(issuer.home)
        assert sorted(event.record.root.hex() for event in events) == roots
        assert len(set(roots)) == CONCURRENT_COHORTS


def _issue_at_once(
    issuer: IssuerHome, cohorts: dict[str, Path], tmp_path: Path
) -> dict[str, tuple[int, str]]:
    processes = {
        prefix: issuer.start(
            issue_args(learners, tmp_path / f"out-{prefix}"), tmp_path / f"{prefix}.log"
        )
        for prefix, learners in cohorts.items()
    }
    try:
        for process in processes.values():
            process.wait(timeout=RUN_TIMEOUT_S)
    finally:
        for process in processes.values():
            kill_group(process)
    return {
        prefix: (process.returncode, (tmp_path / f"{prefix}.log").read_text("utf-8"))
        for prefix, process in processes.items()
    }


def _assert_cohort_consistent(record: BatchRecord) -> None:
    assert record.state == "anchored"
    assert record.learner_count == COHORT_LEARNERS
    assert Counter(row.format for row in record.credentials) == {
        "elm": COHORT_LEARNERS,
        "ob3": COHORT_LEARNERS,
    }
    assert all(row.sha256 for row in record.credentials)
    assert len(record.anchor_roots) == 1


def _cohort_of(record: BatchRecord) -> str:
    prefixes = {str(row.learner_ref)[0] for row in record.credentials}
    assert len(prefixes) == 1, "a batch holds learners of another cohort"
    return prefixes.pop()


def _assert_unique_across_batches(
    allocations: list[AllocationRow], records: list[BatchRecord]
) -> None:
    credential_ids = {row.id for record in records for row in record.credentials}
    assert len(credential_ids) == CONCURRENT_COHORTS * COHORT_LEARNERS * 2
    assert len({(a.list_url, a.index) for a in allocations}) == len(allocations)
    revocation = _one_per_credential(allocations, "revocation")
    suspension = _one_per_credential(allocations, "suspension")
    assert set(revocation) == set(suspension) == credential_ids
    for credential_id, held in revocation.items():
        assert suspension[credential_id] == (held[0] + "#suspension", held[1])
