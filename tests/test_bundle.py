"""Trust bundles: export from a real ledger, verify offline with the same verdicts as online."""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from eth_account import Account

from microcred._cli_bundle import bundle as bundle_command
from microcred._cli_context import AppContext
from microcred.bundle import (
    BundleError,
    TrustBundle,
    UntrustedBundleSigner,
    dump_bundle,
    export_bundle,
    load_bundle,
    load_bundle_file,
    missing_did_documents,
)
from microcred.chain import AccreditationScope, LedgerError, open_ledger
from microcred.chain.anchor_proof import anchor_proofs, decode_anchor_proof
from microcred.cli import main
from microcred.elm_models.record import IssuerProfile, multilingual
from microcred.issuer import Issuer, read_profile
from microcred.keys import (
    DidResolver,
    KeyType,
    SigningKey,
    did_key,
    did_key_verification_method,
    did_web_document,
)
from microcred.verifier import (
    DEFAULT_STEPS,
    StatusDirectory,
    StepStatus,
    Verdict,
    VerificationPolicy,
    VerificationReport,
    verify_file,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "bundle test passphrase"


def _env(home: Path) -> dict[str, str]:
    return {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}


def _ok(home: Path, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=_env(home), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _bundle_cli(home: Path, *args: str) -> Result:
    return CliRunner().invoke(bundle_command, list(args), obj=AppContext(home=home), env=_env(home))


def _learners(tmp: Path, name: str, rows: slice) -> Path:
    lines = (EXAMPLE / "learners.csv").read_text("utf-8").splitlines()
    path = tmp / name
    path.write_text("\n".join([lines[0], *lines[rows]]) + "\n", "utf-8")
    return path


@dataclasses.dataclass(frozen=True)
class World:
    home: Path
    anchored: Path  # an anchored batch (S2025-0001..3); S2025-0002 revoked in r1
    pending: Path  # a batch signed but never anchored (S2025-0004)
    tampered: Path
    bundle_file: Path
    first_list_anchored_at: datetime  # when status list version r0 was anchored
    now: datetime  # just after the export

    @property
    def signer(self) -> str:
        return read_profile(self.home).did


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    _ok(home, "init", "--name", "Example State University", "--country", "GE", "--legal-id", "1")
    _ok(home, "chain", "deploy")
    _ok(home, "registry", "add-authority")
    _ok(home, "registry", "accredit", "--eqf", "7")
    spec = str(EXAMPLE / "microcredential.yaml")
    anchored, pending = work / "anchored", work / "pending"
    _ok(home, "issue", "--spec", spec, "--learners", str(_learners(work, "a.csv", slice(1, 4))),
        "--out", str(anchored))  # fmt: skip
    never = CliRunner().invoke(
        main,
        ["issue", "--spec", spec, "--learners", str(_learners(work, "b.csv", slice(4, 5))),
         "--out", str(pending), "--no-anchor"],
        env=_env(home),
    )  # fmt: skip
    assert never.exit_code == 4, never.output  # pending: signed, not anchored
    _ok(home, "status", "publish")
    _ok(home, "revoke", str(anchored / "ob3/S2025-0002.json"), "--reason", "decision 2026/1")
    _ok(home, "status", "publish")
    tampered = work / "tampered.jsonld"
    original = (anchored / "elm/S2025-0003.jsonld").read_text("utf-8")
    tampered.write_text(original.replace("2025-10-15", "2025-10-16"), "utf-8")  # completion
    assert tampered.read_text("utf-8") != original
    bundle_file = work / "trust-bundle.json"
    exported = _bundle_cli(home, "export", "--out", str(bundle_file))
    assert exported.exit_code == 0, exported.output
    first = next((home / "status-lists").glob("*/r0.json"))
    proof = decode_anchor_proof(anchor_proofs(json.loads(first.read_text("utf-8")))[0])
    return World(
        home,
        anchored,
        pending,
        tampered,
        bundle_file,
        datetime.fromtimestamp(proof.anchored_at, UTC),
        datetime.now(UTC),
    )


def _load(world: World, *, now: datetime | None = None, data: bytes | None = None) -> TrustBundle:
    return load_bundle(
        world.bundle_file.read_bytes() if data is None else data,
        trusted_signers={world.signer},
        resolver=DidResolver(),
        now=now or world.now,
    )


def _statuses(report: VerificationReport) -> list[tuple[str, StepStatus]]:
    return [(step.name, step.status) for step in report.steps]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("offline verification tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


CASES = {
    "valid-elm": ("anchored", "elm/S2025-0001.jsonld", Verdict.VALID, None),
    "valid-ob3": ("anchored", "ob3/S2025-0003.json", Verdict.VALID, None),
    "revoked": ("anchored", "ob3/S2025-0002.json", Verdict.INVALID, "status"),
    "tampered": ("tampered", "", Verdict.INVALID, "proof"),
    # Never valid, and not invalid either: a third party's badge may simply not be anchored.
    "never-anchored": ("pending", "elm/S2025-0004.jsonld", Verdict.NOT_VERIFIED, "anchored"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("as_of_first_list", [False, True], ids=["now", "as-of-r0"])
def test_offline_with_the_bundle_gives_the_online_verdicts(
    world: World, case: str, as_of_first_list: bool, no_network: None
) -> None:
    where, relative, expected, failing_step = CASES[case]
    path = getattr(world, where) / relative if relative else world.tampered
    as_of = world.first_list_anchored_at if as_of_first_list else None
    trust = _load(world)
    offline = verify_file(
        path,
        VerificationPolicy(
            now=world.now,
            resolver=trust.resolver(),
            ledger=trust.ledger,
            status_lists=trust.status_lists,
            status_as_of=as_of,
        ),
    )
    with open_ledger(world.home / "ledger") as ledger:
        online = verify_file(
            path,
            VerificationPolicy(
                now=world.now,
                ledger=ledger,
                status_lists=StatusDirectory(world.home / "status-lists"),
                status_as_of=as_of,
            ),
        )
    assert _statuses(offline) == _statuses(online)
    assert [step.reason for step in offline.steps] == [step.reason for step in online.steps]
    if case == "revoked" and as_of_first_list:  # r0 predates the revocation
        assert offline.verdict is Verdict.VALID
        return
    assert offline.verdict is online.verdict is expected
    if failing_step:
        invalid = expected is Verdict.INVALID
        assert offline.step(failing_step).status is (
            StepStatus.FAIL if invalid else StepStatus.ERROR
        )


def test_the_bundle_holds_every_status_list_version_and_the_anchor_transactions(
    world: World,
) -> None:
    data = json.loads(world.bundle_file.read_text("utf-8"))
    [status_list] = data["statusLists"]
    assert len(status_list["versions"]) == 2  # r0 and r1; the current file is not repeated
    manifest = json.loads((world.anchored / "manifest.json").read_text("utf-8"))
    transactions = {anchor["transactionHash"] for anchor in data["anchors"]}
    assert manifest["anchor"]["transaction_hash"] in transactions
    # the batch, and two status list publications each with its revision marker
    assert len(data["anchors"]) == 5
    [issuer] = data["issuers"]
    assert issuer["dids"] == [world.signer]
    assert issuer["history"][0]["eqfLevels"] == [7]
    assert data["signature"].count(".") == 2 and ".." in data["signature"]


def test_export_command_reports_what_it_wrote(world: World, tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    result = _bundle_cli(world.home, "export", "--out", str(out), "--valid-days", "2")
    assert result.exit_code == 0, result.output
    assert "1 issuer(s), 5 anchor(s), 1 status list(s) (2 version(s))" in result.output
    assert load_bundle_file(
        out, trusted_signers={world.signer}, resolver=DidResolver(), now=world.now
    ).valid_until - world.now < timedelta(days=2, minutes=1)
    assert "Example:" in _bundle_cli(world.home, "export", "--help").output


def test_show_command_needs_a_trusted_signer(world: World) -> None:
    shown = _bundle_cli(world.home, "show", str(world.bundle_file), "--signer", world.signer)
    assert shown.exit_code == 0, shown.output
    assert f"signed by {world.signer}" in shown.output and "old" in shown.output
    assert _bundle_cli(world.home, "show", str(world.bundle_file)).exit_code == 2
    untrusted = _bundle_cli(world.home, "show", str(world.bundle_file), "--signer", "did:key:zX")
    assert isinstance(untrusted.exception, UntrustedBundleSigner)


def _alter_one_byte(raw: bytes, marker: bytes) -> bytes:
    """Replace the first alphanumeric byte after ``marker`` by another one (JSON stays valid)."""
    start = raw.index(marker) + len(marker)
    position = next(i for i in range(start, len(raw)) if chr(raw[i]).isalnum())
    replacement = b"1" if raw[position] != ord("1") else b"2"
    return raw[:position] + replacement + raw[position + 1 :]


@pytest.mark.parametrize(
    "marker",
    [b'"root": "0x', b'"eqfLevels": [', b'"encodedList": "', b'"validUntil": "', b'"active": '],
    ids=["anchor-root", "accreditation-scope", "status-list", "bundle-validity", "authority"],
)
def test_a_bundle_altered_in_one_byte_is_rejected(world: World, marker: bytes) -> None:
    raw = world.bundle_file.read_bytes()
    if marker == b'"active": ':  # true -> frue is not JSON; flip the boolean instead
        altered = raw.replace(b'"active": true', b'"active": false', 1)
    else:
        altered = _alter_one_byte(raw, marker)
    assert altered != raw
    with pytest.raises(BundleError, match="altered after signing"):
        _load(world, data=altered)


def test_a_tampered_signature_is_rejected(world: World) -> None:
    data = json.loads(world.bundle_file.read_text("utf-8"))
    header, signature = data["signature"].split("..")
    data["signature"] = header + ".." + ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(BundleError, match="does not verify"):
        _load(world, data=dump_bundle(data))


def test_layout_is_not_signed_content(world: World) -> None:
    data = json.loads(world.bundle_file.read_text("utf-8"))
    compact = json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode()
    assert _load(world, data=compact).signer == world.signer


def test_an_untrusted_signer_is_rejected(world: World) -> None:
    raw = world.bundle_file.read_bytes()
    with pytest.raises(UntrustedBundleSigner, match="not a trusted bundle signer"):
        load_bundle(
            raw,
            trusted_signers={"did:key:z6MkOther"},
            resolver=DidResolver(),
            now=datetime.now(UTC),
        )
    with pytest.raises(UntrustedBundleSigner):
        load_bundle(raw, trusted_signers=set(), resolver=DidResolver(), now=datetime.now(UTC))
    assert load_bundle(
        raw, trusted_signers=None, resolver=DidResolver(), now=datetime.now(UTC)
    ).signer == (world.signer)


def _impostor(profile: IssuerProfile) -> Issuer:
    key = SigningKey.generate(KeyType.ED25519)
    method = did_key_verification_method(key.public_key)
    return Issuer(dataclasses.replace(profile, verification_method=method), key)


def test_a_bundle_claiming_a_trusted_signer_but_signed_by_another_key_is_rejected(
    world: World,
) -> None:
    trust = _load(world)
    forged = export_bundle(
        trust.ledger,
        status_dir=None,
        signer=_impostor(read_profile(world.home)),  # claims the trusted DID, other key
        now=world.now,
    )
    with pytest.raises(BundleError, match="signed it"):
        _load(world, data=dump_bundle(forged))
    # The same with the trusted DID's own key id: the signature itself fails.
    forged["signature"] = _sign_as(forged, read_profile(world.home).verification_method)
    with pytest.raises(BundleError, match="altered after signing"):
        _load(world, data=dump_bundle(forged))


def _sign_as(bundle: dict[str, Any], kid: str) -> str:
    from microcred.bundle._signature import sign_detached

    content = {key: value for key, value in bundle.items() if key != "signature"}
    return sign_detached(content, SigningKey.generate(KeyType.ED25519), kid=kid)


def test_a_did_web_signer_needs_its_document_from_the_verifier(world: World) -> None:
    key = SigningKey.generate(KeyType.P256)
    did = "did:web:qa-agency.example"
    method = f"{did}#{key.public_key.multibase()}"
    document = did_web_document(did, [(method, key.public_key)])
    profile = dataclasses.replace(read_profile(world.home), did=did, verification_method=method)
    exported = export_bundle(
        _load(world).ledger,  # a bundle's ledger view re-exports like a ledger
        status_dir=None,
        signer=Issuer(profile, key),
        now=world.now,
        did_documents=[document],
    )
    data = dump_bundle(exported)
    # The bundle carries the signer's document, but it cannot vouch for its own signer.
    with pytest.raises(BundleError, match="cannot be resolved"):
        load_bundle(data, trusted_signers={did}, resolver=DidResolver(), now=world.now)
    loaded = load_bundle(
        data, trusted_signers={did}, resolver=DidResolver({did: document}), now=world.now
    )
    assert loaded.did_documents[did] == document
    assert loaded.ledger.anchor_events() == _load(world).ledger.anchor_events()


def test_an_expired_bundle_loads_flagged_and_makes_verification_not_verified(
    world: World,
) -> None:
    later = world.now + timedelta(days=9)
    trust = _load(world, now=later)
    assert trust.expired and trust.age >= timedelta(days=9) - timedelta(minutes=5)
    assert "EXPIRED" in trust.summary() and "days ago" in trust.summary()
    report = verify_file(
        world.anchored / "elm/S2025-0001.jsonld",
        VerificationPolicy(
            now=later,
            resolver=trust.resolver(),
            ledger=trust.ledger,
            status_lists=trust.status_lists,
        ),
        steps=(*DEFAULT_STEPS, trust.check_freshness),
    )
    assert report.step("bundle").status is StepStatus.ERROR
    assert "EXPIRED" in report.step("bundle").reason
    assert report.verdict is Verdict.NOT_VERIFIED
    assert all(s.status is StepStatus.PASS for s in report.steps if s.name != "bundle")


def test_a_fresh_bundle_says_how_old_it_is_in_every_report(world: World) -> None:
    trust = _load(world)
    assert not trust.expired
    report = verify_file(
        world.anchored / "ob3/S2025-0001.json",
        VerificationPolicy(
            now=world.now + timedelta(hours=5),
            resolver=trust.resolver(),
            ledger=trust.ledger,
            status_lists=trust.status_lists,
        ),
        steps=(*DEFAULT_STEPS, trust.check_freshness),
    )
    assert report.verdict is Verdict.VALID
    step = report.step("bundle")
    assert step.status is StepStatus.PASS and "5 hours before" in step.reason
    assert step.details["signer"] == world.signer


def test_a_bundle_dated_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(BundleError, match="in the future"):
        _load(world, now=world.now - timedelta(days=1))


def test_malformed_bundles_are_refused_with_a_reason(world: World) -> None:
    with pytest.raises(BundleError, match="more than the limit"):
        load_bundle(
            b"{}" * 10, trusted_signers=None, resolver=DidResolver(), now=world.now, max_bytes=8
        )
    with pytest.raises(BundleError, match="not a MicrocredTrustBundle"):
        load_bundle(
            b'{"type": "x"}', trusted_signers=None, resolver=DidResolver(), now=datetime.now(UTC)
        )
    raw = world.bundle_file.read_text("utf-8")
    with pytest.raises(BundleError, match="repeats a key"):
        _load(world, data=raw.replace('"version": 1,', '"version": 1, "version": 1,').encode())
    with pytest.raises(BundleError, match="non-integer"):
        _load(world, data=raw.replace('"version": 1,', '"version": 1, "x": 1.5,').encode())


def test_a_root_missing_from_the_bundle_is_not_checked_rather_than_invalid(world: World) -> None:
    ledger = _load(world).ledger
    with pytest.raises(LedgerError, match="not in the trust bundle"):
        ledger.anchor_of(b"\x01" * 32)
    with pytest.raises(LedgerError, match="read-only"):
        ledger.suspend(Account.create(), "0x" + "11" * 20)


def test_did_web_issuers_without_a_document_are_listed() -> None:
    bundle = {
        "issuers": [{"dids": ["did:web:a.example", "did:web:b.example", "did:key:z6Mk"]}],
        "didDocuments": [{"id": "did:web:a.example"}],
    }
    assert missing_did_documents(bundle) == ["did:web:b.example"]


def test_the_ledger_view_answers_is_accredited_at_as_the_contract_does(tmp_path: Path) -> None:
    """Suspension, reinstatement, the authority's removal and return: every boundary agrees."""
    clock = [1_800_000_000]
    root, authority, issuer = Account.create(), Account.create(), Account.create()
    key = SigningKey.generate(KeyType.ED25519)
    did = did_key(key.public_key)
    profile = IssuerProfile(
        did, did_key_verification_method(key.public_key), multilingual({"en": "X"}), "GE", "1"
    )
    moments: list[int] = []

    def at(step: int) -> int:
        clock[0] += step
        moments.append(clock[0])
        return clock[0]

    with open_ledger(tmp_path / "ledger", clock=lambda: clock[0]) as ledger:
        at(10)
        ledger.deploy(root)
        at(10)
        ledger.add_authority(root, authority.address)
        start = at(10)
        scope = AccreditationScope(frozenset({6, 7}), "MicroCredential")
        ledger.accredit(authority, issuer.address, did, start + 20, start + 400, scope)
        at(50)
        ledger.suspend(authority, issuer.address)
        at(50)
        ledger.reinstate(authority, issuer.address)
        at(50)
        ledger.remove_authority(root, authority.address)
        at(50)
        ledger.add_authority(root, authority.address)
        at(50)
        ledger.renew(authority, issuer.address, start + 600)
        exported = export_bundle(
            ledger, status_dir=None, signer=Issuer(profile, key), now=datetime.now(UTC)
        )
        view = load_bundle(
            dump_bundle(exported),
            trusted_signers={did},
            resolver=DidResolver(),
            now=datetime.now(UTC),
        ).ledger
        times = {
            t + d for t in [*moments, start + 20, start + 400, start + 600] for d in (-1, 0, 1)
        }
        for moment in sorted(times):
            expected = ledger.is_accredited_at(issuer.address, moment)
            assert view.is_accredited_at(issuer.address, moment) is expected, moment
        assert view.accreditation_history(issuer.address) == ledger.accreditation_history(
            issuer.address
        )
        assert view.accredited_issuers() == ledger.accredited_issuers()
        assert view.authority_changes() == ledger.authority_changes()
    answers = {view.is_accredited_at(issuer.address, t) for t in times}
    assert answers == {True, False}  # the sequence exercises both answers


def test_a_copied_home_exports_the_same_chain_content(world: World, tmp_path: Path) -> None:
    """Export twice from the same chain: identical content apart from dates and signature."""
    copy = tmp_path / "home"
    shutil.copytree(world.home, copy, ignore=shutil.ignore_patterns(".lock"))
    out = tmp_path / "again.json"
    assert _bundle_cli(copy, "export", "--out", str(out)).exit_code == 0
    first, second = (json.loads(p.read_text("utf-8")) for p in (world.bundle_file, out))
    for volatile in ("issued", "validUntil", "signature"):
        first.pop(volatile), second.pop(volatile)
    assert first == second
