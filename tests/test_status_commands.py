"""revoke / suspend / reinstate: only the key holder records a change, and a selection is
shown, narrowed (--batch, --spec) and confirmed before anything changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from _issuing_fixtures import SPEC, write_learners
from microcred.cli import main

PASSPHRASE = "status commands test passphrase"
SECOND_SPEC_ID = "https://www.example.edu.ge/microcredentials/ai-research-skills-advanced"


def _run(home: Path, *args: str, passphrase: str = PASSPHRASE, stdin: str | None = None) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": passphrase}
    return CliRunner().invoke(main, list(args), env=env, input=stdin, catch_exceptions=False)


def _ok(home: Path, *args: str, **kwargs: str) -> str:
    result = _run(home, *args, **kwargs)
    assert result.exit_code == 0, (args, result.output)
    return result.output


class World:
    def __init__(self, home: Path, batches: dict[str, tuple[str, Path]]) -> None:
        self.home = home
        self.batches = batches  # name -> (batch id, output directory)

    def ids(self, batch: str, learner: str) -> list[str]:
        out = self.batches[batch][1]
        files = [out / "elm" / f"{learner}.jsonld", out / "ob3" / f"{learner}.json"]
        return [json.loads(f.read_text("utf-8"))["id"] for f in files]

    def status(self, credential_id: str) -> str:
        shown = _ok(self.home, "status", "show", credential_id).splitlines()[0]
        return shown.rsplit(": ", 1)[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Two batches of one course and one of another, for the same three learners; not anchored."""
    tmp = tmp_path_factory.mktemp("status-commands")
    home = tmp / "home"
    _ok(home, "init", "--name", "Status University", "--country", "GE", "--legal-id", "2040")
    learners = write_learners(tmp / "learners.csv", 3, "L")
    second_spec = tmp / "advanced-course.yaml"
    text = SPEC.read_text("utf-8")
    second_spec.write_text(re.sub(r"^id: .*$", f"id: {SECOND_SPEC_ID}", text, count=1, flags=re.M))
    batches = {}
    for name, spec in (("A", SPEC), ("B", SPEC), ("C", second_spec)):
        out = tmp / f"out-{name}"
        args = ["issue", "--spec", str(spec), "--learners", str(learners), "--out", str(out)]
        result = _run(home, *args, "--no-anchor")
        assert result.exit_code == 4, result.output  # written, signed, pending: no ledger
        match = re.search(r"issued batch (\S+):", result.output)
        assert match, result.output
        batches[name] = (match.group(1), out)
    return World(home, batches)


def test_a_status_change_needs_the_issuers_passphrase(world: World) -> None:
    [target, _] = world.ids("A", "L00000")
    for wrong in ("not the issuer passphrase", "x"):
        refused = _run(world.home, "revoke", target, "--reason", "r", passphrase=wrong)
        assert refused.exit_code == 3
        assert "wrong passphrase" in refused.output
    assert world.status(target) == "valid"


def test_a_learner_selection_is_shown_and_nothing_changes_without_confirmation(
    world: World,
) -> None:
    refused = _run(world.home, "suspend", "--learner", "L00001", "--reason", "r", stdin="n\n")
    assert refused.exit_code == 1  # click's Abort
    listed = [cid for batch in "ABC" for cid in world.ids(batch, "L00001")]
    assert all(cid in refused.output for cid in listed)
    assert "suspend 6 credential(s)" in refused.output
    assert all(world.status(cid) == "valid" for cid in listed)
    no_answer = _run(world.home, "suspend", "--learner", "L00001", "--reason", "r")
    assert no_answer.exit_code == 1  # no terminal, no answer: aborted, not assumed
    assert all(world.status(cid) == "valid" for cid in listed)


def test_a_dry_run_shows_the_selection_and_changes_nothing(world: World) -> None:
    batch_id = world.batches["B"][0]
    shown = _run(
        world.home,
        "revoke",
        "--batch",
        batch_id,
        "--reason",
        "r",
        "--dry-run",
        passphrase="no passphrase is needed to look",
    )
    assert shown.exit_code == 0, shown.output
    assert "would revoke 6 credential(s)" in shown.output
    ids = [cid for learner in ("L00000", "L00001", "L00002") for cid in world.ids("B", learner)]
    assert all(cid in shown.output for cid in ids)
    assert all(world.status(cid) == "valid" for cid in ids)


def test_batch_and_spec_filters_narrow_a_learner_selection(world: World) -> None:
    batch_a = world.batches["A"][0]
    done = _ok(
        world.home, "revoke", "--learner", "L00002", "--batch", batch_a, "--reason", "r", "--yes"
    )
    assert "revoke 2 credential(s)" in done
    assert [world.status(cid) for cid in world.ids("A", "L00002")] == ["revoked", "revoked"]
    assert {world.status(cid) for b in "BC" for cid in world.ids(b, "L00002")} == {"valid"}
    spec_only = ["--learner", "L00002", "--spec", "advanced-course.yaml"]
    _ok(world.home, "suspend", *spec_only, "--reason", "r", "--yes")
    assert [world.status(cid) for cid in world.ids("C", "L00002")] == ["suspended"] * 2
    assert {world.status(cid) for cid in world.ids("B", "L00002")} == {"valid"}
    by_id = ["--learner", "L00002", "--spec", SECOND_SPEC_ID]
    _ok(world.home, "reinstate", *by_id, "--reason", "closed", stdin="y\n")
    assert [world.status(cid) for cid in world.ids("C", "L00002")] == ["valid"] * 2


def test_a_selection_that_matches_nothing_is_an_error(world: World) -> None:
    result = _run(
        world.home, "revoke", "--learner", "L00000", "--batch", "no-such-batch", "--reason", "r"
    )
    assert result.exit_code == 2 and "no credential matches" in result.output
    unknown = _run(world.home, "revoke", "urn:uuid:not-ours", "--reason", "r")
    assert unknown.exit_code == 2 and "not a credential of this issuer" in unknown.output
