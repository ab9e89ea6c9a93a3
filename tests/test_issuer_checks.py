"""`issue` and `init` refuse, before signing, what a verifier would reject forever.

Each test tries to get a never-verifying batch or profile past the issuer, then checks that
nothing was signed, written or spent. See docs/issuer-checks.md.
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from microcred._cli_ledger import open_home_ledger
from microcred.cli import main
from microcred.issuer import load_issuer
from microcred.issuer.prechecks import IssueRefused
from microcred.issuer.profile import anchoring_account
from microcred.issuer.run import IssueRequest, issue_cohort
from microcred.store import Credential, default_store_url, open_store

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
SPEC = EXAMPLE / "microcredential.yaml"  # EQF 7
PASSPHRASE = "issuer checks passphrase"
LEARNER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
INIT = ("init", "--name", "Example State University", "--country", "GE", "--legal-id", "204000000")

Run = Callable[..., Result]


def _runner(home: Path) -> Run:
    def run(*args: str) -> Result:
        env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


def _ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def _issuer_home(home: Path, *eqf: int) -> Run:
    run = _runner(home)
    _ok(run, *INIT, "--homepage", "https://www.example.edu.ge")
    _ok(run, "chain", "deploy")
    _ok(run, "registry", "add-authority")
    if eqf:
        _ok(run, "registry", "accredit", *[arg for level in eqf for arg in ("--eqf", str(level))])
    return run


@pytest.fixture(scope="module")
def accredited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """An issuer accredited for EQF 6 and 7 (the example course is EQF 7)."""
    home = tmp_path_factory.mktemp("accredited")
    return home, _issuer_home(home, 6, 7)


def _learners(path: Path, count: int = 2, **extra: list[str]) -> Path:
    """The first ``count`` learners of the example, with extra columns (one value per row)."""
    with (EXAMPLE / "learners.csv").open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))[:count]
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=list(dict.fromkeys([*rows[0], *extra])))
        writer.writeheader()
        for index, row in enumerate(rows):
            writer.writerow({**row, **{column: values[index] for column, values in extra.items()}})
    return path


def _issue(run: Run, learners: Path, out: Path, *extra: str) -> Result:
    return run("issue", "--spec", str(SPEC), "--learners", str(learners), "--out", str(out), *extra)


def _credentials_in_store(home: Path) -> int:
    with open_store(f"sqlite:///{home / 'microcred.db'}") as store, store.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Credential)) or 0)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _verify(run: Run, *paths: Path) -> list[dict[str, Any]]:
    """Publish the status lists, then verify as a third party with them would."""
    _ok(run, "status", "publish")
    result = run("verify", "--json", *map(str, paths))
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def _assert_refused_and_nothing_spent(result: Result, home: Path, out: Path, *words: str) -> None:
    assert result.exit_code == 3, result.output
    for word in words:
        assert word in result.output
    assert not out.exists()
    assert _credentials_in_store(home) == 0


# --- the issue time and the award date ------------------------------------------------------


def test_issued_on_the_day_the_course_ended_is_refused_before_signing(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    run = _issuer_home(home, 7)
    course_end = datetime.now(UTC) - timedelta(days=152)
    result = _issue(run, _learners(tmp_path / "l.csv"), tmp_path / "out", "--issued",
                    course_end.strftime("%Y-%m-%d"))  # fmt: skip
    _assert_refused_and_nothing_spent(result, home, tmp_path / "out", "back-dated", "--awarded")


def test_the_oldest_issue_time_still_anchorable_is_accepted_one_day_older_is_not(
    accredited: tuple[Path, Run], tmp_path: Path
) -> None:
    _, run = accredited
    learners = _learners(tmp_path / "l.csv", 1)
    too_old = _issue(run, learners, tmp_path / "old", "--issued",
                     _stamp(datetime.now(UTC) - timedelta(days=60)))  # fmt: skip
    assert too_old.exit_code == 3 and "back-dated" in too_old.output
    assert not (tmp_path / "old").exists()
    oldest = _stamp(datetime.now(UTC) - timedelta(days=58))
    _ok(run, "issue", "--spec", str(SPEC), "--learners", str(learners),
        "--out", str(tmp_path / "ok"), "--issued", oldest)  # fmt: skip
    reports = _verify(run, tmp_path / "ok/elm/S2025-0001.jsonld")
    assert [r["verdict"] for r in reports] == ["valid"], reports


def test_a_future_issue_time_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = _issuer_home(home, 7)
    tomorrow = _stamp(datetime.now(UTC) + timedelta(hours=1))
    result = _issue(run, _learners(tmp_path / "l.csv"), tmp_path / "out", "--issued", tomorrow)
    _assert_refused_and_nothing_spent(result, home, tmp_path / "out", "in the future", "validity")


def test_the_award_date_is_separate_from_the_issue_time_and_every_format_verifies(
    accredited: tuple[Path, Run], tmp_path: Path
) -> None:
    _, run = accredited
    course_end = (datetime.now(UTC) - timedelta(days=152)).date()
    own_day = course_end + timedelta(days=3)
    learners = _learners(
        tmp_path / "l.csv",
        completion_date=[str(course_end), str(course_end)],
        awarded_date=["", str(own_day)],
        learner_did=[LEARNER_DID, ""],
    )
    out = tmp_path / "out"
    _ok(run, "issue", "--spec", str(SPEC), "--learners", str(learners), "--out", str(out),
        "--awarded", str(course_end), "--format", "elm", "--format", "ob3",
        "--format", "ob3-jwt")  # fmt: skip
    elm = json.loads((out / "elm/S2025-0001.jsonld").read_text("utf-8"))
    ob3 = json.loads((out / "ob3/S2025-0001.json").read_text("utf-8"))
    achievement = elm["credentialSubject"]["hasClaim"][0]
    assert achievement["awardedBy"]["awardingDate"] == f"{course_end}T00:00:00Z"
    assert ob3["awardedDate"] == f"{course_end}T00:00:00Z"
    assert ob3["validFrom"].startswith(str(datetime.now(UTC).date()))  # signed today
    second = json.loads((out / "ob3/S2025-0002.json").read_text("utf-8"))
    assert second["awardedDate"] == f"{own_day}T00:00:00Z"  # the CSV column wins
    files = sorted(p for p in out.glob("*/*") if p.suffix in (".json", ".jsonld", ".jwt"))
    assert len(files) == 6
    reports = _verify(run, *files)
    assert {r["verdict"] for r in reports} == {"valid"}, [
        (r["source"], [s for s in r["steps"] if s["status"] != "PASS"]) for r in reports
    ]


def test_an_award_date_after_the_issue_date_is_refused_with_its_row(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = _issuer_home(home, 7)
    later = str((datetime.now(UTC) + timedelta(days=5)).date())
    learners = _learners(tmp_path / "l.csv", awarded_date=["", later])
    result = _issue(run, learners, tmp_path / "out")
    _assert_refused_and_nothing_spent(result, home, tmp_path / "out", "row 2", "awarded_date")


# --- the accreditation ----------------------------------------------------------------------


def test_a_course_above_the_accredited_eqf_level_is_refused_before_signing(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    run = _issuer_home(home, 6)
    result = _issue(run, _learners(tmp_path / "l.csv"), tmp_path / "out")
    _assert_refused_and_nothing_spent(result, home, tmp_path / "out", "EQF level 7", "[6]")


def test_an_issuer_without_accreditation_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = _issuer_home(home)
    result = _issue(run, _learners(tmp_path / "l.csv"), tmp_path / "out", "--no-anchor")
    _assert_refused_and_nothing_spent(result, home, tmp_path / "out", "not accredited")


def test_a_suspended_or_not_yet_started_accreditation_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = _issuer_home(home, 7)
    _ok(run, "registry", "suspend")
    result = _issue(run, _learners(tmp_path / "l.csv"), tmp_path / "out")
    _assert_refused_and_nothing_spent(result, home, tmp_path / "out", "suspended")
    later = _issuer_home(tmp_path / "later")
    start = str((datetime.now(UTC) + timedelta(days=30)).date())
    _ok(later, "registry", "accredit", "--eqf", "7", "--from", start)
    result = _issue(later, _learners(tmp_path / "l2.csv"), tmp_path / "out2")
    _assert_refused_and_nothing_spent(result, tmp_path / "later", tmp_path / "out2", "starts")


def test_without_a_ledger_the_batch_still_waits_pending(tmp_path: Path) -> None:
    # No chain deployed: accreditation cannot be checked now, the batch waits (exit 4).
    home = tmp_path / "home"
    run = _runner(home)
    _ok(run, *INIT)
    result = _issue(run, _learners(tmp_path / "l.csv"), tmp_path / "out", "--no-anchor")
    assert result.exit_code == 4, result.output


# --- the learner's DID ----------------------------------------------------------------------


def _jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def decode(part: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return value

    header, payload, _ = token.strip().split(".")
    return decode(header), decode(payload)


@pytest.mark.parametrize(("key_type", "alg"), [("ed25519", "EdDSA"), ("p-256", "ES256")])
def test_the_learner_did_is_the_subject_in_elm_ob3_and_the_jwt_sub(
    tmp_path: Path, key_type: str, alg: str
) -> None:
    run = _runner(tmp_path / "home")
    _ok(run, *INIT, "--key-type", key_type)
    for step in (("chain", "deploy"), ("registry", "add-authority"),
                 ("registry", "accredit", "--eqf", "7")):  # fmt: skip
        _ok(run, *step)
    learners = _learners(tmp_path / "l.csv", 1, learner_did=[LEARNER_DID])
    out = tmp_path / "out"
    _ok(run, "issue", "--spec", str(SPEC), "--learners", str(learners), "--out", str(out),
        "--format", "elm", "--format", "ob3-jwt")  # fmt: skip
    elm = json.loads((out / "elm/S2025-0001.jsonld").read_text("utf-8"))
    assert elm["credentialSubject"]["id"] == LEARNER_DID
    header, payload = _jwt_parts((out / "ob3-jwt/S2025-0001.jwt").read_text("ascii"))
    assert header == {"alg": alg, "kid": header["kid"], "typ": "JWT"}
    assert header["kid"].startswith(payload["iss"] + "#")
    assert payload["sub"] == LEARNER_DID == payload["credentialSubject"]["id"]
    assert payload["jti"] == payload["id"]
    assert payload["nbf"] == int(datetime.fromisoformat(payload["validFrom"]).timestamp())
    assert "vc" not in payload  # OB 3.0 §8.2.4.1: the credential is the payload itself
    reports = _verify(run, out / "elm/S2025-0001.jsonld", out / "ob3-jwt/S2025-0001.jwt")
    assert [r["verdict"] for r in reports] == ["valid", "valid"], reports


def test_without_a_did_the_jwt_has_no_sub(cohort_free_jwt: tuple[dict[str, Any], str]) -> None:
    payload, _ = cohort_free_jwt
    assert "sub" not in payload and "id" not in payload["credentialSubject"]


@pytest.fixture(scope="module")
def cohort_free_jwt(
    accredited: tuple[Path, Run], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], str]:
    _, run = accredited
    tmp = tmp_path_factory.mktemp("nodid")
    out = tmp / "out"
    _ok(run, "issue", "--spec", str(SPEC), "--learners", str(_learners(tmp / "l.csv", 1)),
        "--out", str(out), "--format", "ob3-jwt")  # fmt: skip
    _, payload = _jwt_parts((out / "ob3-jwt/S2025-0001.jwt").read_text("ascii"))
    return payload, str(out)


@pytest.mark.parametrize(
    "bad", ["did:key:z6Mk#key-1", "DID:key:abc", "did:key:", "did:key:a b", "mailto:x@y.ge"]
)
def test_a_malformed_learner_did_is_refused_with_its_row(
    accredited: tuple[Path, Run], tmp_path: Path, bad: str
) -> None:
    _, run = accredited
    learners = _learners(tmp_path / "l.csv", learner_did=["", bad])
    result = _issue(run, learners, tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert "row 2" in result.output and "learner_did" in result.output
    assert not (tmp_path / "out").exists()


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mark", ["\u202e", "\u2066", "\u200f", "\u061c"])
def test_a_bidi_control_in_a_learner_name_is_refused(
    accredited: tuple[Path, Run], tmp_path: Path, mark: str
) -> None:
    _, run = accredited
    learners = _learners(tmp_path / "l.csv", 2)
    text = learners.read_text("utf-8").replace("Giorgi", f"Giorgi{mark}izdapaK", 1)
    learners.write_text(text, "utf-8")
    result = _issue(run, learners, tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert "row 2" in result.output and "given_name" in result.output
    assert f"U+{ord(mark):04X}" in result.output
    assert not (tmp_path / "out").exists()


# --- init ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--country", "GEO", "use 'GE'"),
        ("--country", "XX", "ISO 3166-1"),
        ("--homepage", "www.example.ge", "https://www.example.ge"),
        ("--email", "registrar@", "e-mail"),
        ("--name", "ka=სანიმუშო\u202eუნივერსიტეტი", "U+202E"),
        ("--name", "zz=Example", "ISO 639-1"),
        ("--legal-id", " ", "must not be empty"),
        ("--did-web", "https://www.example.ge", "not a domain name"),
    ],
)
def test_init_refuses_a_profile_that_issue_would_fail_on(
    tmp_path: Path, option: str, value: str, expected: str
) -> None:
    run = _runner(tmp_path / "home")
    args = [*INIT]
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    result = run(*args)
    assert result.exit_code == 3, result.output
    assert option in result.output and expected in result.output
    assert not (tmp_path / "home" / "issuer.json").exists()
    assert not (tmp_path / "home" / "keys").exists()


# --- the command line ----------------------------------------------------------------------


def test_verify_refuses_a_ledger_directory_that_does_not_exist(
    accredited: tuple[Path, Run], cohort_free_jwt: tuple[dict[str, Any], str], tmp_path: Path
) -> None:
    _, run = accredited
    missing = tmp_path / "no" / "such" / "ledger"
    credential = Path(cohort_free_jwt[1]) / "ob3/S2025-0001.json"
    result = run("verify", "--ledger", str(missing), str(credential))
    assert result.exit_code == 3, result.output
    assert str(missing) in result.output
    assert not missing.exists() and not missing.parent.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("verify", "--ledger", str(empty), str(credential))
    assert result.exit_code == 3 and "no embedded ledger" in result.output
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize(
    "at",
    [
        "2026-06-01T00:00:00Z",
        "2026-06-01T00:00:00+00:00",
        "2026-06-01T04:00:00+04:00",
        "2026-06-01",
        "2026-06-01T00:00:00",
    ],
)
def test_verify_at_accepts_the_times_microcred_prints(
    accredited: tuple[Path, Run], cohort_free_jwt: tuple[dict[str, Any], str], at: str
) -> None:
    _, run = accredited
    credential = Path(cohort_free_jwt[1]) / "ob3/S2025-0001.json"
    result = run("verify", "--json", "--at", at, str(credential))
    assert result.exit_code == 1, result.output  # before the credential existed: not valid
    steps = json.loads(result.output.splitlines()[-1])["steps"]
    validity = next(step for step in steps if step["step"] == "validity")
    assert validity["status"] == "FAIL" and "now 2026-06-01T00:00:00Z" in validity["reason"]


@pytest.mark.parametrize("at", ["2026-06-01T00:00:00Q", "01.06.2026", "2026-13-01", "now"])
def test_verify_at_refuses_what_is_not_a_time(accredited: tuple[Path, Run], at: str) -> None:
    _, run = accredited
    result = run("verify", "--at", at, str(SPEC))
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output or "not a valid date" in result.output


def test_issue_accepts_an_issue_time_with_z(accredited: tuple[Path, Run], tmp_path: Path) -> None:
    _, run = accredited
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    out = tmp_path / "out"
    _ok(run, "issue", "--spec", str(SPEC), "--learners", str(_learners(tmp_path / "l.csv", 1)),
        "--out", str(out), "--issued", _stamp(moment), "--format", "ob3")  # fmt: skip
    ob3 = json.loads((out / "ob3/S2025-0001.json").read_text("utf-8"))
    assert ob3["validFrom"] == _stamp(moment)


def test_registry_suspend_until_is_refused_not_ignored(tmp_path: Path) -> None:
    run = _issuer_home(tmp_path / "home", 7)
    result = run("registry", "suspend", "--until", "2027-01-01")
    assert result.exit_code == 2
    assert "cannot suspend until a date" in result.output
    # Nothing was suspended: the history holds the one active entry. (Not "accredited now":
    # the embedded chain's block time can run a second or two ahead of the wall clock.)
    history = json.loads(_ok(run, "registry", "show", "--json"))["history"]
    assert [row["status"] for row in history] == ["active"]
    renewed = _ok(run, "registry", "renew", "--until", "2030-01-01T00:00:00Z")
    assert "renew" in renewed
    assert "2030-01-01" in _ok(run, "registry", "show")


def test_a_pending_batch_whose_issue_time_is_now_too_old_is_not_resumed(
    accredited: tuple[Path, Run], tmp_path: Path
) -> None:
    """A re-run keeps the recorded issue time: 61 days later it could no longer verify."""
    home, run = accredited
    learners, out = _learners(tmp_path / "l.csv", 1), tmp_path / "out"
    assert _issue(run, learners, out, "--no-anchor", "--format", "ob3").exit_code == 4
    request = IssueRequest(spec_file=SPEC, learners_file=learners, out_dir=out, formats=("ob3",))
    later = datetime.now(UTC) + timedelta(days=61)
    with open_store(default_store_url(home)) as store, pytest.raises(IssueRefused) as refused:
        issue_cohort(
            request,
            home=home,
            store=store,
            issuer=load_issuer(home, PASSPHRASE),
            account=anchoring_account(home, PASSPHRASE),
            open_ledger=lambda: open_home_ledger(home),
            now=lambda: later,
        )
    assert "recorded issue time" in str(refused.value) and "back-dated" in str(refused.value)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["state"] != "anchored"
