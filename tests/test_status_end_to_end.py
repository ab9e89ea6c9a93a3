"""Revoke, suspend, reinstate, publish, and what a verifier sees, now and as of a past date."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from microcred.cli import main
from microcred.store import open_store, status_history

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "status test passphrase"


def _run(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _ok(home: Path, *args: str) -> str:
    result = _run(home, *args)
    assert result.exit_code == 0, result.output
    return result.output


def _status_step(home: Path, path: Path, *extra: str) -> dict[str, Any]:
    report = json.loads(_run(home, "verify", "--json", *extra, str(path)).output)
    return next(step for step in report["steps"] if step["step"] == "status")


@pytest.fixture(scope="module", params=["ed25519", "p-256"])
def issued(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[Path, Path]:
    """The example cohort, issued and published by an issuer of each key type."""
    home = tmp_path_factory.mktemp("home")
    out = tmp_path_factory.mktemp("out") / "cohort"
    _ok(
        home,
        "init",
        "--key-type",
        request.param,
        "--name",
        "Example State University",
        "--country",
        "GE",
        "--legal-id",
        "204000000",
        "--homepage",
        "https://www.example.edu.ge",
    )
    _ok(home, "chain", "deploy")
    _ok(home, "registry", "add-authority")
    _ok(home, "registry", "accredit", "--eqf", "7")
    _ok(
        home,
        "issue",
        "--spec",
        str(EXAMPLE / "microcredential.yaml"),
        "--learners",
        str(EXAMPLE / "learners.csv"),
        "--out",
        str(out),
    )
    _ok(home, "status", "publish")
    return home, out


def test_status_lists_are_signed_with_the_suite_of_the_issuer_key(
    issued: tuple[Path, Path],
) -> None:
    home, _ = issued
    key_type = json.loads((home / "issuer.json").read_text("utf-8"))["key_type"]
    expected = {"Ed25519": "eddsa-rdfc-2022", "P-256": "ecdsa-rdfc-2019"}[key_type]
    document = json.loads(_published_list(home).read_text("utf-8"))
    suites = [p.get("cryptosuite") for p in _as_list(document["proof"])]
    assert expected in suites


def test_every_credential_has_one_status_entry_for_both_purposes(issued: tuple[Path, Path]) -> None:
    _, out = issued
    entries = [json.loads(p.read_text("utf-8"))["credentialStatus"] for p in out.glob("*/*.json*")]
    assert len(entries) == 60
    assert all(isinstance(e, dict) and e["statusPurpose"] == "message" for e in entries)
    assert all(e["statusSize"] == 2 for e in entries)
    indices = {(e["statusListCredential"], e["statusListIndex"]) for e in entries}
    assert len(indices) == 60  # never shared


def test_revoke_suspend_reinstate_end_to_end(issued: tuple[Path, Path]) -> None:
    home, out = issued
    revoked, suspended, untouched = (
        out / "ob3/S2025-0005.json",
        out / "elm/S2025-0006.jsonld",
        out / "elm/S2025-0007.jsonld",
    )
    assert _status_step(home, revoked)["status"] == "PASS"
    _ok(home, "revoke", str(revoked), "--reason", "decision 2026/14", "--actor", "registrar")
    _ok(home, "suspend", "--learner", "S2025-0006", "--reason", "complaint 2026/7", "--yes")
    before_publish = _status_step(home, revoked)
    assert before_publish["status"] == "PASS"  # the world sees only published lists
    _ok(home, "status", "publish")
    assert "revoked" in _status_step(home, revoked)["reason"]
    assert _status_step(home, revoked)["status"] == "FAIL"
    assert "suspended" in _status_step(home, suspended)["reason"]
    assert _status_step(home, untouched)["status"] == "PASS"
    time.sleep(1.1)  # the next list version gets a later anchor time
    moment_suspended = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1.1)
    _ok(home, "reinstate", "--learner", "S2025-0006", "--reason", "complaint closed", "--yes")
    _ok(home, "status", "publish")
    assert _status_step(home, suspended)["status"] == "PASS"
    as_of = _status_step(home, suspended, "--at", moment_suspended)
    assert as_of["status"] == "FAIL" and "suspended" in as_of["reason"]
    assert "anchored" in as_of["reason"]


def test_revocation_is_final(issued: tuple[Path, Path]) -> None:
    home, out = issued
    target = out / "ob3/S2025-0009.json"
    _ok(home, "revoke", str(target), "--reason", "issued in error")
    again = _run(home, "reinstate", str(target), "--reason", "try")
    assert again.exit_code == 3
    assert "final" in again.output


def test_status_changes_keep_who_when_why(issued: tuple[Path, Path]) -> None:
    home, out = issued
    target = out / "elm/S2025-0010.jsonld"
    _ok(home, "suspend", str(target), "--reason", "ticket 88", "--actor", "dean's office")
    shown = _ok(home, "status", "show", str(target))
    assert "suspended" in shown and "dean's office" in shown and "ticket 88" in shown
    credential_id = json.loads(target.read_text("utf-8"))["id"]
    with open_store(f"sqlite:///{home / 'microcred.db'}") as store, store.transaction() as s:
        events = status_history(s, credential_id)
    assert [(e.action, e.actor, e.reason) for e in events] == [
        ("suspend", "dean's office", "ticket 88")
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _published_list(home: Path) -> Path:
    return next((home / "status-lists").glob("*.json"))


def test_a_tampered_status_list_is_rejected(issued: tuple[Path, Path], tmp_path: Path) -> None:
    home, out = issued
    lists = tmp_path / "lists"
    lists.mkdir()
    document = json.loads(_published_list(home).read_text("utf-8"))
    encoded = document["credentialSubject"]["encodedList"]
    middle = len(encoded) // 2  # the tail is gzip's size field, which may already read "AAAA"
    flipped = "B" if encoded[middle] != "B" else "C"
    document["credentialSubject"]["encodedList"] = (
        encoded[:middle] + flipped + encoded[middle + 1 :]
    )
    (lists / _published_list(home).name).write_text(json.dumps(document), "utf-8")
    step = _status_step(home, out / "elm/S2025-0011.jsonld", "--status-dir", str(lists))
    assert step["status"] == "FAIL"
    assert "proof" in step["reason"] or "encodedList" in step["reason"]


def test_an_unsigned_status_list_is_rejected(issued: tuple[Path, Path], tmp_path: Path) -> None:
    home, out = issued
    lists = tmp_path / "lists"
    lists.mkdir()
    document = json.loads(_published_list(home).read_text("utf-8"))
    del document["proof"]
    (lists / _published_list(home).name).write_text(json.dumps(document), "utf-8")
    step = _status_step(home, out / "elm/S2025-0011.jsonld", "--status-dir", str(lists))
    assert step["status"] == "FAIL"
    assert "not signed" in step["reason"]


def test_without_status_lists_the_status_is_not_checked(
    issued: tuple[Path, Path], tmp_path: Path
) -> None:
    home, out = issued
    step = _status_step(home, out / "elm/S2025-0012.jsonld", "--status-dir", str(tmp_path))
    assert step["status"] == "ERROR"
    assert "not available locally" in step["reason"]


def test_as_of_a_date_before_any_anchored_list_is_not_answered(issued: tuple[Path, Path]) -> None:
    home, out = issued
    step = _status_step(home, out / "elm/S2025-0012.jsonld", "--at", "2020-01-01")
    assert step["status"] == "ERROR"
    assert "no status list version anchored" in step["reason"]
