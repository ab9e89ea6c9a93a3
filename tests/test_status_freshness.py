"""A replayed (older) status list: the ledger knows the latest revision, the verifier refuses
an older one as stale, and `verify --at D` still answers with the revision in force at D."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from eth_account import Account

from microcred.chain import AccreditationScope, open_ledger
from microcred.chain.anchor_proof import credential_leaf
from microcred.cli import main
from microcred.contexts import CREDENTIALS_V2
from microcred.issuer import load_issuer
from microcred.qr import make_qr_payload, render_qr_png
from microcred.status import read_revision_marker, revision_marker
from microcred.verifier import StepStatus
from microcred.verifier.list_freshness import anchored_revisions, check_list_freshness
from microcred.verifier.report import StepResult

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "freshness test passphrase"


def _run(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _ok(home: Path, *args: str) -> str:
    result = _run(home, *args)
    assert result.exit_code == 0, result.output
    return result.output


def _report(home: Path, path: Path, *extra: str) -> dict[str, Any]:
    result = _run(home, "verify", "--json", *extra, str(path))
    report: dict[str, Any] = json.loads(result.output.splitlines()[-1])
    return report


def _status(report: dict[str, Any]) -> dict[str, Any]:
    return next(step for step in report["steps"] if step["step"] == "status")


class Published:
    """An issuer home whose list has r<before> (all valid) and r<after> (S2025-0002 revoked)."""

    def __init__(self, home: Path, out: Path, moment: str, before: int, after: int) -> None:
        self.home, self.out, self.moment = home, out, moment
        self.before, self.after = before, after

    @property
    def lists(self) -> Path:
        return self.home / "status-lists"

    def stale_directory(self, target: Path) -> Path:
        """What a mirror that missed the revocation serves: only the earlier revision."""
        target.mkdir()
        for current in self.lists.glob("*.json"):
            older = self.lists / current.stem / f"r{self.before}.json"
            shutil.copyfile(older, target / current.name)
        return target


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    learners = EXAMPLE.joinpath("learners.csv").read_text("utf-8").splitlines()
    (work / "learners.csv").write_text("\n".join(learners[:4]) + "\n", "utf-8")
    out = work / "cohort"
    _ok(home, "init", "--name", "Example University", "--country", "GE", "--legal-id", "204000000")
    _ok(home, "chain", "deploy")
    _ok(home, "registry", "add-authority")
    _ok(home, "registry", "accredit", "--eqf", "7")
    spec = str(EXAMPLE / "microcredential.yaml")
    _ok(home, "issue", "--spec", spec, "--learners", str(work / "learners.csv"), "--out", str(out))
    _ok(home, "status", "publish")
    time.sleep(1.1)  # the revocation's list is anchored in a later second than the moment
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1.1)
    _ok(home, "revoke", "--learner", "S2025-0002", "--reason", "decision 2026/14", "--yes")
    _ok(home, "status", "publish")
    [history] = [p for p in (home / "status-lists").iterdir() if p.is_dir()]
    before, after = sorted(int(p.stem[1:]) for p in history.glob("r*.json"))
    return Published(home, out, moment, before, after)


FILES = {"elm": "elm/S2025-0002.jsonld", "ob3": "ob3/S2025-0002.json"}


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_with_the_latest_list_the_revoked_credential_is_invalid(
    published: Published, fmt: str
) -> None:
    report = _report(published.home, published.out / FILES[fmt])
    assert report["verdict"] == "invalid"
    assert "revoked" in _status(report)["reason"]


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_an_older_revision_in_the_status_directory_is_stale(
    published: Published, fmt: str, tmp_path: Path
) -> None:
    stale = published.stale_directory(tmp_path / "mirror")
    report = _report(published.home, published.out / FILES[fmt], "--status-dir", str(stale))
    step = _status(report)
    assert report["verdict"] != "valid"
    assert step["status"] == "ERROR"
    assert "stale" in step["reason"]
    assert f"revision {published.before} " in step["reason"]
    assert f"revision {published.after}, recorded" in step["reason"]
    assert step["details"] == {
        "shownRevision": published.before,
        "latestRevision": published.after,
    }


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_as_of_a_date_before_the_revocation_the_older_revision_answers(
    published: Published, fmt: str, tmp_path: Path
) -> None:
    stale = published.stale_directory(tmp_path / "mirror")
    path = published.out / FILES[fmt]
    at = ("--at", published.moment)
    for directory in (stale, published.lists):
        step = _status(_report(published.home, path, "--status-dir", str(directory), *at))
        assert step["status"] == "PASS", step
        assert step["reason"].startswith("valid:")
        assert f"revision {published.before}, the latest anchored" in step["reason"]


def test_a_credential_not_revoked_is_still_not_valid_on_a_stale_list(
    published: Published, tmp_path: Path
) -> None:
    """The old list says "valid" for everyone; that is exactly what it cannot vouch for now."""
    stale = published.stale_directory(tmp_path / "mirror")
    report = _report(
        published.home, published.out / "elm/S2025-0001.jsonld", "--status-dir", str(stale)
    )
    assert report["verdict"] == "not verified"
    assert "stale" in _status(report)["reason"]


def test_a_qr_code_checked_against_a_stale_list_is_not_valid(
    published: Published, tmp_path: Path
) -> None:
    document = json.loads((published.out / FILES["ob3"]).read_text("utf-8"))
    photo = tmp_path / "qr.png"
    issuer = load_issuer(published.home, PASSPHRASE)
    photo.write_bytes(render_qr_png(make_qr_payload(document, issuer)))
    stale = published.stale_directory(tmp_path / "mirror")
    step = _status(_report(published.home, photo, "--status-dir", str(stale)))
    assert step["status"] == "ERROR" and "stale" in step["reason"]
    assert _status(_report(published.home, photo))["status"] == "FAIL"


def _bundle(published: Published, status_dir: Path, out: Path) -> Path:
    _ok(published.home, "bundle", "export", "--out", str(out), "--status-dir", str(status_dir))
    return out


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_a_trust_bundle_with_an_older_revision_is_stale(
    published: Published, fmt: str, tmp_path: Path
) -> None:
    stale = _bundle(published, published.stale_directory(tmp_path / "m"), tmp_path / "b.json")
    full = _bundle(published, published.lists, tmp_path / "full.json")
    path = published.out / FILES[fmt]
    trust = ("--trust-bundle-issuer", "--bundle")
    complete = _report(published.home, path, *trust, str(full))
    assert complete["verdict"] == "invalid" and "revoked" in _status(complete)["reason"]
    report = _report(published.home, path, *trust, str(stale))
    step = _status(report)
    assert report["verdict"] != "valid"
    assert step["status"] == "ERROR" and "stale" in step["reason"]
    assert f"revision {published.before} " in step["reason"]
    assert f"revision {published.after}, recorded" in step["reason"]
    as_of = _status(_report(published.home, path, *trust, str(stale), "--at", published.moment))
    assert as_of["status"] == "PASS" and as_of["reason"].startswith("valid:")


# -- the markers themselves, on a real embedded ledger ----------------------------------------

URL = "https://uni.example/credentials/status/1"


def _list(valid_from: str) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2],
        "id": URL,
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": valid_from,
    }


def test_a_marker_names_its_list_revision_and_document() -> None:
    leaf = bytes(range(32))
    marker = revision_marker(URL, 7, leaf)
    assert len(marker) == 32
    read = read_revision_marker(marker, URL)
    assert read is not None and read.revision == 7 and read.names(leaf)
    assert not read.names(bytes(32))
    assert read_revision_marker(marker, URL + "x") is None  # another list's marker
    assert read_revision_marker(bytes(32), URL) is None  # an ordinary Merkle root
    with pytest.raises(ValueError):
        revision_marker(URL, -1, leaf)


def test_only_markers_of_an_address_accredited_for_the_list_issuer_count(tmp_path: Path) -> None:
    """Another accredited issuer cannot declare someone else's list stale."""
    root, authority, issuer, other = (Account.create() for _ in range(4))
    shown, newer = _list("2026-01-01T00:00:00Z"), _list("2026-02-01T00:00:00Z")
    scope = AccreditationScope(frozenset({7}), "MicroCredential")
    with open_ledger(tmp_path / "ledger") as ledger:
        ledger.deploy(root)
        ledger.add_authority(root, authority.address)
        now = int(time.time())
        ledger.accredit(authority, issuer.address, "did:example:issuer", now - 10, now + 999, scope)
        ledger.accredit(authority, other.address, "did:example:other", now - 10, now + 999, scope)
        ledger.anchor(issuer, revision_marker(URL, 3, credential_leaf(shown)))
        ledger.anchor(other, revision_marker(URL, 9, credential_leaf(newer)))
        found = anchored_revisions(ledger, URL, "did:example:issuer")
        assert [r.number for r in found] == [3]
        kept = check_list_freshness(URL, shown, "did:example:issuer", ledger, cutoff=None)
        assert kept == "revision 3, the latest anchored"
        ledger.anchor(issuer, revision_marker(URL, 4, credential_leaf(newer)))
        stale = check_list_freshness(URL, shown, "did:example:issuer", ledger, cutoff=None)
        assert isinstance(stale, StepResult) and stale.status is StepStatus.ERROR
        assert "stale" in stale.reason and "revision 3 " in stale.reason
        unrecorded = check_list_freshness(
            URL, _list("2026-03-01T00:00:00Z"), "did:example:issuer", ledger, cutoff=None
        )
        assert isinstance(unrecorded, StepResult) and "not a revision recorded" in unrecorded.reason
