"""Keys are never lost: init refuses to replace them, and `keys rotate` keeps what was issued.

The end-to-end test is issue #8's scenario: issue, anchor, publish; rotate; issue again;
revoke a credential of the FIRST batch; publish; both batches verify as they should.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from _issuing_fixtures import SPEC, write_learners
from microcred.cli import main
from microcred.keys import load_signing_key

PASSPHRASE = "key rotation test passphrase"
INIT = ["init", "--name", "Rotation University", "--country", "GE", "--legal-id", "204000000"]


def _run(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _ok(home: Path, *args: str) -> str:
    result = _run(home, *args)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def _issue(home: Path, tmp: Path, prefix: str) -> Path:
    learners = write_learners(tmp / f"{prefix}.csv", 3, prefix)
    out = tmp / f"out-{prefix}"
    _ok(home, "issue", "--spec", str(SPEC), "--learners", str(learners), "--out", str(out))
    return out


def _reports(home: Path, *paths: Path) -> dict[str, dict[str, Any]]:
    did_document = home / "did.json"
    extra = ["--did-document", str(did_document)] if did_document.exists() else []
    result = _run(home, "verify", "--json", *extra, *map(str, paths))
    reports = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(reports) == len(paths), result.output
    return {Path(report["source"]).name: report for report in reports}


def _steps(report: dict[str, Any]) -> dict[str, str]:
    return {step["step"]: step["status"] for step in report["steps"]}


def _list_issuer(home: Path, credential: Path) -> str:
    url = json.loads(credential.read_text("utf-8"))["credentialStatus"]["statusListCredential"]
    name = url.rsplit("/", 1)[-1]
    issuer = json.loads((home / "status-lists" / f"{name}.json").read_text("utf-8"))["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)


def _issuer_of(credential: Path) -> str:
    issuer = json.loads(credential.read_text("utf-8"))["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)


@pytest.mark.parametrize(
    "identity",
    [[], ["--key-type", "p-256"], ["--did-web", "rotation.example.edu"]],
    ids=["did:key-ed25519", "did:key-p256", "did:web-ed25519"],
)
def test_rotation_keeps_old_credentials_and_their_revocations(
    tmp_path: Path, identity: list[str]
) -> None:
    home = tmp_path / "home"
    _ok(home, *INIT, *identity)
    for step in (["chain", "deploy"], ["registry", "add-authority"]):
        _ok(home, *step)
    _ok(home, "registry", "accredit", "--eqf", "7")
    first = _issue(home, tmp_path, "A")
    _ok(home, "status", "publish")
    old_profile = json.loads((home / "issuer.json").read_text("utf-8"))

    rotated = _ok(home, "keys", "rotate")
    profile = json.loads((home / "issuer.json").read_text("utf-8"))
    assert profile["verification_method"] != old_profile["verification_method"]
    assert profile["anchoring_keystore"] != old_profile["anchoring_keystore"]
    [retired] = profile["retired_keys"]
    assert retired["verification_method"] == old_profile["verification_method"]
    # The retired key is kept, still encrypted, and still opens with the passphrase.
    old_key_file = home / retired["key_file"]
    assert old_key_file.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    kept = load_signing_key(old_key_file, PASSPHRASE).public_key.multibase()
    assert old_profile["verification_method"].endswith("#" + kept)
    assert (home / retired["anchoring_keystore"]).is_file()
    assert profile["anchoring_keystore"] in rotated or "accredit" in rotated

    # Before the new address is accredited, a change is still published: the old, still
    # accredited anchoring address anchors the lists meanwhile.
    suspended = first / "ob3" / "A00001.json"
    _ok(home, "suspend", str(suspended), "--reason", "complaint 2026/7")
    _ok(home, "status", "publish")
    # The authority accredits the new anchoring address (for the new DID, with did:key).
    _ok(home, "registry", "accredit", "--eqf", "7")
    second = _issue(home, tmp_path, "B")
    revoked = first / "ob3" / "A00000.json"
    _ok(home, "revoke", str(revoked), "--reason", "decision 2026/14", "--yes")
    _ok(home, "status", "publish")

    old_files = sorted((first / "ob3").glob("*.json")) + sorted((first / "elm").glob("*"))
    new_files = sorted((second / "ob3").glob("*.json")) + sorted((second / "elm").glob("*"))
    reports = _reports(home, *old_files)
    for path in old_files:
        report = reports[path.name]
        status_reason = next(s for s in report["steps"] if s["step"] == "status")["reason"]
        if path in (revoked, suspended):
            assert report["verdict"] == "invalid", report
            assert _steps(report)["status"] == "FAIL"
            assert ("revoked" if path == revoked else "suspended") in status_reason
        else:
            assert report["verdict"] == "valid", (path, report)
    new_reports = _reports(home, *new_files)
    assert all(r["verdict"] == "valid" for r in new_reports.values()), new_reports

    # Each batch's status list is signed by its credentials' issuer; new ones by the new key.
    assert _list_issuer(home, revoked) == _issuer_of(revoked) == old_profile["did"]
    assert _list_issuer(home, second / "ob3" / "B00000.json") == profile["did"]
    new_credential = json.loads((second / "ob3" / "B00000.json").read_text("utf-8"))
    methods = {proof.get("verificationMethod") for proof in new_credential["proof"]}
    assert profile["verification_method"] in methods
    assert old_profile["verification_method"] not in methods
    if identity and identity[0] == "--did-web":
        assert profile["did"] == old_profile["did"]
        document = json.loads((home / "did.json").read_text("utf-8"))
        assert set(document["assertionMethod"]) == {
            profile["verification_method"],
            old_profile["verification_method"],
        }
        assert document["authentication"] == [profile["verification_method"]]
    else:
        assert profile["did"] != old_profile["did"]
        assert _issuer_of(second / "ob3" / "B00000.json") == profile["did"]


def test_init_never_replaces_existing_keys(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ok(home, *INIT)
    before = {p: p.read_bytes() for p in (home / "keys").iterdir()}
    before[home / "issuer.json"] = (home / "issuer.json").read_bytes()
    again = _run(home, *INIT)
    assert again.exit_code == 3
    assert "keys rotate" in again.output and "never replaces" in again.output
    forced = _run(home, *INIT, "--force")
    assert forced.exit_code == 2  # the option that replaced keys is gone
    after = {p: p.read_bytes() for p in (home / "keys").iterdir()}
    after[home / "issuer.json"] = (home / "issuer.json").read_bytes()
    assert after == before


def test_init_refuses_even_when_only_a_key_file_is_left(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ok(home, *INIT)
    (home / "issuer.json").unlink()
    key = (home / "keys" / "signing-key.pem").read_bytes()
    assert _run(home, *INIT).exit_code == 3
    assert (home / "keys" / "signing-key.pem").read_bytes() == key


def test_init_refuses_a_short_passphrase_and_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": "x"}
    result = CliRunner().invoke(main, INIT, env=env, catch_exceptions=False)
    assert result.exit_code == 3
    assert "at least 15" in result.output
    assert not (home / "issuer.json").exists() and not (home / "keys").exists()


def test_rotation_needs_the_passphrase(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ok(home, *INIT)
    before = (home / "issuer.json").read_bytes()
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": "not the passphrase at all"}
    result = CliRunner().invoke(main, ["keys", "rotate"], env=env, catch_exceptions=False)
    assert result.exit_code == 3 and "wrong passphrase" in result.output
    assert (home / "issuer.json").read_bytes() == before


def test_rotation_waits_for_pending_batches(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ok(home, *INIT)
    learners = write_learners(tmp_path / "P.csv", 1, "P")
    out = tmp_path / "out-P"
    args = ["issue", "--spec", str(SPEC), "--learners", str(learners), "--out", str(out)]
    assert _run(home, *args, "--no-anchor").exit_code == 4  # signed, not anchored
    before = (home / "issuer.json").read_bytes()
    refused = _run(home, "keys", "rotate")
    assert refused.exit_code == 3 and "microcred anchor" in refused.output
    assert (home / "issuer.json").read_bytes() == before
