"""From the example course to signed credentials and back, through the `microcred` command."""

from __future__ import annotations

import json
import random
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from microcred.cli import main
from microcred.store import Credential, StatusAllocation, default_store_url, open_store

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "correct horse battery staple"
LEARNERS = 30


def _run(home: Path, *args: str, passphrase: str = PASSPHRASE) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": passphrase}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("home")
    out = tmp_path_factory.mktemp("out") / "cohort"
    init = _run(
        home,
        "init",
        "--name",
        "Example State University",
        "--name",
        "ka=სანიმუშო სახელმწიფო უნივერსიტეტი",
        "--country",
        "GE",
        "--legal-id",
        "204000000",
        "--homepage",
        "https://www.example.edu.ge",
    )
    assert init.exit_code == 0, init.output
    for step in (
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "6", "--eqf", "7"],
    ):
        assert _run(home, *step).exit_code == 0, step
    result = _run(
        home,
        "issue",
        "--spec",
        str(EXAMPLE / "microcredential.yaml"),
        "--learners",
        str(EXAMPLE / "learners.csv"),
        "--out",
        str(out),
        "--format",
        "elm",
        "--format",
        "ob3",
        "--format",
        "ob3-jwt",
    )
    assert result.exit_code == 0, result.output
    published = _run(home, "status", "publish")
    assert published.exit_code == 0, published.output
    return home, out


def test_issue_writes_every_format_for_every_learner(issued: tuple[Path, Path]) -> None:
    _, out = issued
    assert len(list((out / "elm").glob("*.jsonld"))) == LEARNERS
    assert len(list((out / "ob3").glob("*.json"))) == LEARNERS
    assert len(list((out / "ob3-jwt").glob("*.jwt"))) == LEARNERS
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["count"] == LEARNERS
    assert manifest["state"] == "anchored"
    assert manifest["anchor"]["transaction_hash"].startswith("0x")


def test_every_issued_credential_verifies(issued: tuple[Path, Path]) -> None:
    home, out = issued
    files = sorted(str(p) for p in out.glob("*/*") if p.suffix in {".jsonld", ".json", ".jwt"})
    result = _run(home, "verify", "--json", *files)
    reports = [json.loads(line) for line in result.output.splitlines()]
    assert len(reports) == 3 * LEARNERS
    not_valid = [(r["source"], r["steps"]) for r in reports if r["verdict"] != "valid"]
    assert not not_valid
    assert result.exit_code == 0


def _one_character_edits(text: str, count: int, seed: int) -> list[str]:
    """Replace one letter or digit somewhere in the file; keep only edits that are still JSON."""
    rng = random.Random(seed)
    positions = [i for i, ch in enumerate(text) if ch.isalnum()]
    edits: list[str] = []
    while len(edits) < count:
        i = rng.choice(positions)
        replacement = rng.choice(
            [c for c in "abcdefghijklmnopqrstuvwxyz0123456789" if c != text[i]]
        )
        edited = text[:i] + replacement + text[i + 1 :]
        try:
            json.loads(edited)
        except ValueError:
            continue
        edits.append(edited)
    return edits


@pytest.mark.parametrize("relative", ["elm/S2025-0001.jsonld", "ob3/S2025-0017.json"])
def test_a_one_character_edit_anywhere_is_rejected(
    issued: tuple[Path, Path], tmp_path: Path, relative: str
) -> None:
    home, out = issued
    original = (out / relative).read_text("utf-8")
    for n, edited in enumerate(_one_character_edits(original, count=12, seed=len(relative))):
        path = tmp_path / f"edit{n}{Path(relative).suffix}"
        path.write_text(edited, "utf-8")
        result = _run(home, "verify", "--json", str(path))
        report = json.loads(result.output)
        assert report["verdict"] != "valid", (relative, n)
        assert result.exit_code == 1


def test_tampered_learner_name_fails_the_proof_step(
    issued: tuple[Path, Path], tmp_path: Path
) -> None:
    home, out = issued
    document = json.loads((out / "ob3" / "S2025-0002.json").read_text("utf-8"))
    document["name"] = document["name"] + "!"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(document), "utf-8")
    report = json.loads(_run(home, "verify", "--json", str(path)).output)
    proof = next(step for step in report["steps"] if step["step"] == "proof")
    assert proof["status"] == "FAIL"


def test_invalid_learner_rows_sign_nothing(issued: tuple[Path, Path], tmp_path: Path) -> None:
    home, _ = issued
    out = tmp_path / "never"
    result = _run(
        home,
        "issue",
        "--spec",
        str(EXAMPLE / "microcredential.yaml"),
        "--learners",
        str(EXAMPLE / "learners-invalid.csv"),
        "--out",
        str(out),
    )
    assert result.exit_code == 3
    assert "learners-invalid.csv" in result.output
    assert "row" in result.output
    assert not out.exists()


def test_wrong_passphrase_is_refused_without_detail(
    issued: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = issued
    result = _run(
        home,
        "issue",
        "--spec",
        str(EXAMPLE / "microcredential.yaml"),
        "--learners",
        str(EXAMPLE / "learners.csv"),
        "--out",
        str(tmp_path / "x"),
        passphrase="wrong",
    )
    assert result.exit_code == 3
    assert "passphrase" in result.output
    assert not (tmp_path / "x").exists()


def test_unknown_context_is_rejected_naming_it(issued: tuple[Path, Path], tmp_path: Path) -> None:
    home, out = issued
    document = json.loads((out / "ob3" / "S2025-0003.json").read_text("utf-8"))
    document["@context"].append("https://example.org/unknown-context.jsonld")
    path = tmp_path / "ctx.json"
    path.write_text(json.dumps(document), "utf-8")
    result = _run(home, "verify", str(path))
    assert result.exit_code == 1
    assert "https://example.org/unknown-context.jsonld" in result.output


@pytest.mark.parametrize("command", ["init", "issue", "verify", "whoami"])
def test_every_command_explains_itself_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_a_ledger_outage_leaves_a_pending_batch_that_anchor_completes(
    tmp_path: Path,
) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    assert (
        _run(home, "init", "--name", "Example", "--country", "GE", "--legal-id", "1").exit_code == 0
    )
    for step in (
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "7"],
    ):
        assert _run(home, *step).exit_code == 0, step
    working = (home / "ledger.json").read_text("utf-8")
    with socket.socket() as probe:  # a port nobody listens on: the node is "down"
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (home / "ledger.json").write_text(
        json.dumps({"location": f"http://127.0.0.1:{port}", "chainId": 1, "contract": None}),
        "utf-8",
    )
    spec, learners = str(EXAMPLE / "microcredential.yaml"), str(EXAMPLE / "learners.csv")
    down = _run(home, "issue", "--spec", spec, "--learners", learners, "--out", str(out))
    assert down.exit_code == 4, down.output
    assert "pending" in down.output
    assert json.loads((out / "manifest.json").read_text("utf-8"))["state"] == "pending-anchor"
    signed = sorted(p.read_text("utf-8") for p in out.glob("*/*.json*"))
    assert len(signed) == 2 * LEARNERS

    (home / "ledger.json").write_text(working, "utf-8")
    done = _run(home, "anchor")
    assert done.exit_code == 0, done.output
    assert "transaction 0x" in done.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["state"] == "anchored"
    assert _run(home, "anchor").output.strip() == "no pending batch"
    again = _run(home, "anchor", str(out))  # nothing to anchor: the files are checked instead
    assert f"batch {manifest['batch']} is already anchored" in again.output
    assert f"already present and verified: {2 * LEARNERS + 1} file(s)" in again.output
    assert _run(home, "status", "publish").exit_code == 0
    files = sorted(str(p) for p in out.glob("*/*.json*"))
    report = _run(home, "verify", "--json", *files)
    assert report.exit_code == 0, report.output


@pytest.mark.parametrize("fmt", ["ob3-jwt", "elm"])
def test_one_format_records_and_spends_status_indices_on_that_format_only(
    issued: tuple[Path, Path], tmp_path: Path, fmt: str
) -> None:
    home, _ = issued
    learners = tmp_path / "learners.csv"
    rows = (EXAMPLE / "learners.csv").read_text("utf-8").splitlines()
    learners.write_text("\n".join(rows[:4]) + "\n", "utf-8")
    out = tmp_path / "out"
    spec = str(EXAMPLE / "microcredential.yaml")
    result = _run(
        home, "issue", "--spec", spec, "--learners", str(learners), "--out", str(out),
        "--format", fmt,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    batch_id = json.loads((out / "manifest.json").read_text("utf-8"))["batch"]
    with open_store(default_store_url(home)) as store, store.transaction() as session:
        rows_of_batch = list(
            session.scalars(select(Credential).where(Credential.batch_id == batch_id))
        )
        allocated = set(
            session.scalars(
                select(StatusAllocation.credential_id).where(
                    StatusAllocation.credential_id.in_([row.id for row in rows_of_batch])
                )
            )
        )
    recorded = "ob3" if fmt == "ob3-jwt" else fmt
    assert [row.format for row in rows_of_batch] == [recorded] * 3
    assert all(row.sha256 for row in rows_of_batch)  # every recorded credential was signed
    assert allocated == {row.id for row in rows_of_batch}
    assert _run(home, "status", "publish").exit_code == 0
    files = sorted(str(p) for p in out.glob(f"{fmt}/*"))
    report = _run(home, "verify", "--json", *files)
    assert len(files) == 3 and report.exit_code == 0, report.output
