"""A batch's files can always be regenerated, and `issue` never says "written" for nothing.

A registrar loses an output folder and runs the very same command again: the records plus
the same specification and learners file give back byte-identical files (same ids, time,
status indices, signatures and anchor proofs), with no new batch and no new anchor. Input
that no longer matches the record, another batch's folder, or learner ids that would share
a file are refused before anything is signed. Real CLI, real SQLite/PostgreSQL store, real
embedded EVM ledger.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import update

from _issuing_fixtures import (
    SPEC,
    backend_url,
    batch_records,
    ledger_anchor_events,
    status_allocations,
    write_learners,
)
from microcred.cli import main
from microcred.store import Credential, open_store

PASSPHRASE = "rebuild test passphrase"
EXIT_BAD_INPUT, EXIT_PENDING = 3, 4
ALL_FORMATS = ("--format", "elm", "--format", "ob3", "--format", "ob3-jwt")


@dataclass(frozen=True)
class Home:
    path: Path
    database_url: str

    def run(self, *args: str) -> Result:
        env = {
            "MICROCRED_HOME": str(self.path),
            "MICROCRED_KEY_PASSPHRASE": PASSPHRASE,
            "MICROCRED_DB": self.database_url,
        }
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    def ok(self, *args: str, code: int = 0) -> Result:
        result = self.run(*args)
        assert result.exit_code == code, (args, result.output)
        return result

    def issue(self, learners: Path, out: Path, *extra: str, code: int = 0) -> Result:
        args = ["issue", "--spec", str(SPEC), "--learners", str(learners), "--out", str(out)]
        return self.ok(*args, "--issued", "2026-11-02", *extra, code=code)


def _make_home(path: Path, database_url: str, key_type: str) -> Home:
    home = Home(path, database_url)
    home.ok("init", "--name", "Rebuild University", "--country", "GE", "--legal-id", "204000000",
            "--key-type", key_type)  # fmt: skip
    for step in (["chain", "deploy"], ["registry", "add-authority"]):
        home.ok(*step)
    home.ok("registry", "accredit", "--eqf", "7")
    return home


@pytest.fixture(scope="module", params=["ed25519", "p-256"])
def home(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Home:
    path = tmp_path_factory.mktemp(f"home-{request.param}")
    return _make_home(path, f"sqlite:///{path / 'microcred.db'}", request.param)


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _verdicts(home: Home, files: list[Path]) -> list[dict[str, object]]:
    result = home.run("verify", "--json", *map(str, files))
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def _assert_verifies(home: Home, out: Path) -> None:
    """Signature and anchor PASS, and the whole verdict is VALID, for both key types."""
    files = [
        out / "elm" / "R00000.jsonld",
        out / "ob3" / "R00001.json",
        out / "ob3-jwt" / "R00002.jwt",
    ]
    for report in _verdicts(home, files):
        passed = {s["step"] for s in report["steps"] if s["status"] == "PASS"}  # type: ignore[attr-defined]
        assert {"proof", "anchored"} <= passed, report
        assert report["verdict"] == "valid", report


def test_a_deleted_anchored_batch_is_rebuilt_byte_identical(home: Home, tmp_path: Path) -> None:
    learners = write_learners(tmp_path / "learners.csv", 3, "R")
    out = tmp_path / "out"
    first = home.issue(learners, out, *ALL_FORMATS)
    assert "written: 7 file(s)" in first.output  # 3 × (elm, ob3) + manifest; JWTs on anchoring
    assert "10 file(s) written with their anchor proofs" in first.output
    home.ok("status", "publish")
    original = _snapshot(out)
    batches, anchors = len(batch_records(home.database_url)), len(ledger_anchor_events(home.path))
    shutil.rmtree(out)

    again = home.issue(learners, out, *ALL_FORMATS)
    assert "written" not in again.output
    assert f"rebuilt from the records: {len(original)} file(s) in {out}" in again.output
    assert "already anchored" in again.output and "no new transaction" in again.output
    assert _snapshot(out) == original
    assert len(batch_records(home.database_url)) == batches
    assert len(ledger_anchor_events(home.path)) == anchors
    batch_id = json.loads(original["manifest.json"])["batch"]
    (record,) = [r for r in batch_records(home.database_url) if r.id == batch_id]
    assert len(record.anchor_roots) == 1
    _assert_verifies(home, out)

    # Nothing missing now: the same command only checks, and says so.
    checked = home.issue(learners, out, *ALL_FORMATS)
    assert f"already present and verified: {len(original)} file(s)" in checked.output
    assert "written" not in checked.output and "rebuilt" not in checked.output

    # --rebuild never issues: a mistyped --out is refused, not made a new batch.
    refused = home.issue(learners, tmp_path / "typo", *ALL_FORMATS, "--rebuild", code=3)
    assert "--rebuild: no batch" in refused.output and "nothing was issued" in refused.output
    assert not (tmp_path / "typo").exists()
    assert len(batch_records(home.database_url)) == batches


def test_a_deleted_pending_batch_is_rebuilt_then_anchored_once(home: Home, tmp_path: Path) -> None:
    learners = write_learners(tmp_path / "learners.csv", 3, "R")
    out = tmp_path / "out"
    home.issue(learners, out, "--no-anchor", code=EXIT_PENDING)
    original = _snapshot(out)
    anchors = len(ledger_anchor_events(home.path))
    shutil.rmtree(out)

    again = home.issue(learners, out, "--no-anchor", "--rebuild", code=EXIT_PENDING)
    assert "written" not in again.output
    assert f"rebuilt from the records: {len(original)} file(s)" in again.output
    assert _snapshot(out) == original
    assert len(ledger_anchor_events(home.path)) == anchors

    home.ok("anchor", str(out))
    anchored = _snapshot(out)
    shutil.rmtree(out)
    home.issue(learners, out)
    assert _snapshot(out) == anchored
    assert len(ledger_anchor_events(home.path)) == anchors + 1
    batch_id = json.loads(anchored["manifest.json"])["batch"]
    (record,) = [r for r in batch_records(home.database_url) if r.id == batch_id]
    assert record.state == "anchored"
    assert len(record.anchor_roots) == 1
    home.ok("status", "publish")
    _assert_verifies(home, out)


def test_an_altered_file_is_restored_and_the_rest_verified(home: Home, tmp_path: Path) -> None:
    learners = write_learners(tmp_path / "learners.csv", 2, "R")
    out = tmp_path / "out"
    home.issue(learners, out)
    original = _snapshot(out)
    altered = out / "ob3" / "R00001.json"
    altered.write_text(altered.read_text("utf-8").replace("R00001", "R99999"), "utf-8")
    checked = home.run("anchor", str(out))  # nothing to anchor, and it says what is wrong
    assert checked.exit_code == EXIT_BAD_INPUT, checked.output
    assert f"{altered} is missing or altered" in checked.output
    again = home.issue(learners, out)
    assert "rebuilt from the records: 1 file(s)" in again.output
    assert f"already present and verified: {len(original) - 1} file(s)" in again.output
    assert _snapshot(out) == original


def test_a_changed_learners_file_is_refused_naming_the_learner(home: Home, tmp_path: Path) -> None:
    learners = write_learners(tmp_path / "learners.csv", 3, "R")
    out = tmp_path / "out"
    home.issue(learners, out)
    batches = len(batch_records(home.database_url))
    text = learners.read_text("utf-8").splitlines()
    header = text[0].split(",")
    row = text[2].split(",")
    row[header.index("family_name")] = "Changed"
    learners.write_text("\n".join([*text[:2], ",".join(row), *text[3:]]) + "\n", "utf-8")
    for present in (True, False):  # the folder still there (manifest), or lost (records)
        if not present:
            shutil.rmtree(out)
        refused = home.issue(learners, out, code=EXIT_BAD_INPUT)
        assert "row 2: learner 'R00001'" in refused.output, refused.output
        assert "choose another --out" in refused.output
    assert not out.exists()
    assert len(batch_records(home.database_url)) == batches

    added = write_learners(tmp_path / "more.csv", 4, "R")
    refused = home.issue(added, out, code=EXIT_BAD_INPUT)
    assert "row 4: learner_id 'R00003' is not in it" in refused.output


def test_a_second_batch_into_a_pending_batchs_out_is_refused(home: Home, tmp_path: Path) -> None:
    first = write_learners(tmp_path / "first.csv", 2, "P")
    second = write_learners(tmp_path / "second.csv", 2, "Q")
    out = tmp_path / "out"
    home.issue(first, out, "--no-anchor", code=EXIT_PENDING)
    pending = json.loads((out / "manifest.json").read_text("utf-8"))["batch"]
    batches = len(batch_records(home.database_url))
    refused = home.issue(second, out, code=EXIT_BAD_INPUT)
    assert f"{out} holds batch {pending} (pending-anchor, 2 learner(s)" in refused.output
    assert "learner_id 'Q00000' is not in it" in refused.output
    assert len(batch_records(home.database_url)) == batches
    assert json.loads((out / "manifest.json").read_text("utf-8"))["batch"] == pending
    anchored = home.ok("anchor")
    assert f"anchored {out.resolve()}" in anchored.output or f"anchored {out}" in anchored.output


@pytest.mark.parametrize(("one", "other"), [("COL~1", "COL_1"), ("A1", "a1")])
def test_learner_ids_sharing_a_file_are_refused_before_signing(
    home: Home, tmp_path: Path, one: str, other: str
) -> None:
    learners = write_learners(tmp_path / "learners.csv", 3, "C")
    text = learners.read_text("utf-8").replace("C00000", one).replace("C00002", other)
    learners.write_text(text, "utf-8")
    batches = len(batch_records(home.database_url))
    indices = len(status_allocations(home.database_url))
    out = tmp_path / "out"
    refused = home.issue(learners, out, code=EXIT_BAD_INPUT)
    assert f"{learners}, row 3, field 'learner_id'" in refused.output, refused.output
    assert f"{other!r} and {one!r} (row 1)" in refused.output
    assert "nothing was signed" in refused.output
    assert not out.exists()
    assert len(batch_records(home.database_url)) == batches
    assert len(status_allocations(home.database_url)) == indices


def test_a_rebuild_that_would_not_match_the_record_writes_nothing(
    home: Home, tmp_path: Path
) -> None:
    """The check against the recorded hash is real: a record that disagrees stops the rebuild."""
    learners = write_learners(tmp_path / "learners.csv", 2, "R")
    out = tmp_path / "out"
    home.issue(learners, out)
    credential_id = json.loads((out / "ob3" / "R00001.json").read_text("utf-8"))["id"]
    with open_store(home.database_url) as store, store.transaction() as session:
        session.execute(
            update(Credential).where(Credential.id == credential_id).values(sha256="0" * 64)
        )
    shutil.rmtree(out)
    refused = home.issue(learners, out, code=EXIT_BAD_INPUT)
    assert "the OB3 credential of learner 'R00001'" in refused.output, refused.output
    assert "nothing was written" in refused.output
    assert not out.exists()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ed25519_home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Home]:
    path = tmp_path_factory.mktemp(f"status-home-{request.param}")
    with backend_url(request.param, path) as url:
        yield _make_home(path, url, "ed25519")


def test_deleted_status_list_files_are_rebuilt_identically(
    ed25519_home: Home, tmp_path: Path
) -> None:
    home = ed25519_home
    learners = write_learners(tmp_path / "learners.csv", 3, "S")
    out = tmp_path / "out"
    home.issue(learners, out)
    home.ok("status", "publish")
    home.ok("revoke", str(out / "ob3" / "S00000.json"), "--reason", "decision 1")
    home.ok("status", "publish")
    home.ok("suspend", str(out / "ob3" / "S00001.json"), "--reason", "case 2")
    home.ok("status", "publish")
    published = home.path / "status-lists"
    original = _snapshot(published)
    assert sum(1 for name in original if "/r" in name) >= 3  # every revision is kept
    anchors = len(ledger_anchor_events(home.path))
    shutil.rmtree(published)
    again = home.ok("status", "publish")
    assert f"rebuilt from the records: {len(original)} status list file(s)" in again.output
    assert "published" not in again.output
    assert _snapshot(published) == original
    assert len(ledger_anchor_events(home.path)) == anchors
    revoked, valid = _verdicts(home, [out / "ob3" / "S00000.json", out / "ob3" / "S00002.json"])
    status = {s["step"]: s for s in revoked["steps"]}["status"]  # type: ignore[attr-defined]
    assert (revoked["verdict"], status["status"]) == ("invalid", "FAIL"), revoked
    assert "revoked" in status["reason"]
    assert valid["verdict"] == "valid", valid

    # The lost output folder of this (PostgreSQL or SQLite) batch comes back too.
    files = _snapshot(out)
    shutil.rmtree(out)
    home.issue(learners, out)
    assert _snapshot(out) == files
