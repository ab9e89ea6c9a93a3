"""Shared fixtures: one issued, anchored cohort with published status lists, for the
tests that only read it (issuing through the CLI costs half a minute)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from microcred.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
COHORT_PASSPHRASE = "shared cohort passphrase"


@dataclass(frozen=True)
class Cohort:
    home: Path
    out: Path
    run: Callable[..., Result]

    def credential(self, fmt: str, learner: str) -> Path:
        return self.out / fmt / f"{learner}{'.jsonld' if fmt == 'elm' else '.json'}"


def _runner(home: Path) -> Callable[..., Result]:
    def run(*args: str) -> Result:
        env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": COHORT_PASSPHRASE}
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    """The example course issued to its 30 learners, anchored, status lists published."""
    home = tmp_path_factory.mktemp("cohort-home")
    out = tmp_path_factory.mktemp("cohort-out") / "cohort"
    run = _runner(home)
    for args in (
        [
            "init",
            "--name",
            "Example State University",
            "--name",
            "ka=სანიმუშო უნივერსიტეტი",
            "--country",
            "GE",
            "--legal-id",
            "204000000",
            "--homepage",
            "https://www.example.edu.ge",
        ],
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "6", "--eqf", "7"],
        [
            "issue",
            "--spec",
            str(EXAMPLE / "microcredential.yaml"),
            "--learners",
            str(EXAMPLE / "learners.csv"),
            "--out",
            str(out),
        ],
        ["status", "publish"],
    ):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    return Cohort(home, out, run)
