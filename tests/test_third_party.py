"""Other issuers' credentials: the 1EdTech and DCC examples, and forged verification methods.

One test per example (sources in tests/vectors/SOURCES.md), each asserting the outcome and
reason of the steps that decide its verdict. The policy is a third party's: no ledger,
anchoring not required, the issuers it trusts on a trust list (docs/verification-policy.md).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from _controller_documents import controller_document
from microcred.cli import main
from microcred.errors import InputError, MethodNotAuthorised
from microcred.keys import DidResolver, KeyType, SigningKey, did_key, did_key_verification_method
from microcred.proofs import add_proof, verify_proofs
from microcred.verifier import (
    AnchorRequirement,
    StatusDirectory,
    StatusListFiles,
    StatusSources,
    StepStatus,
    Verdict,
    VerificationPolicy,
    VerificationReport,
    read_trust_list,
    verify_file,
    verify_path,
)

VECTORS = Path(__file__).parent / "vectors"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
PASS, FAIL, ERROR, SKIPPED = StepStatus.PASS, StepStatus.FAIL, StepStatus.ERROR, StepStatus.SKIPPED

DCC_ISSUER = "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q"  # v2 example and list
DCC_V1_ISSUER = "did:key:z6MkjoriXdbyWD25YXTed114F8hdJrLXQ567xxPHAUKxpKkS"
DCC_LIST_URL = (
    "https://digitalcredentials.github.io/vc-test-fixtures/statusLists/"
    "didkey-ed25519Signature2020/e5WK8CbZ1GjycuPombrj"
)
ONEEDTECH_LIST_URL = (
    "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/"
    "main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
)
SPEC_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"  # 1EdTech's spec key
NO_FRAGMENT_KEYS = "(a key is never taken from a URL fragment)"

THIRD_PARTY = VerificationPolicy(now=NOW, anchoring=AnchorRequirement.OPTIONAL)


def _policy(*trusted: str, documents: tuple[dict[str, Any], ...] = (), **changes: Any) -> Any:
    resolver = DidResolver({document["id"]: document for document in documents})
    return dataclasses.replace(
        THIRD_PARTY, trusted_issuers=frozenset(trusted), resolver=resolver, **changes
    )


def _verify(relative: str, policy: VerificationPolicy = THIRD_PARTY) -> VerificationReport:
    return verify_file(VECTORS / relative, policy)


def _step(report: VerificationReport, name: str) -> tuple[StepStatus, str]:
    step = report.step(name)
    return step.status, step.reason


def _issuer_document(method: str) -> dict[str, Any]:
    """What the issuer of an https:// method publishes (nothing is at these example URLs)."""
    return controller_document(method, method.split("#")[1])


# --- DCC examples (digitalcredentials/vc-test-fixtures@0440d64c) -----------------------------


def test_dcc_v2_eddsa_did_key_badge_is_valid_when_its_issuer_is_trusted() -> None:
    report = _verify("dcc-examples/v2-eddsa-rdfc-2022-didkey-basicOBv3.json", _policy(DCC_ISSUER))
    assert _step(report, "proof") == (PASS, "1 valid proof(s) (eddsa-rdfc-2022)")
    assert _step(report, "validity") == (PASS, "valid from 2025-01-09T15:06:31Z, no expiry")
    assert _step(report, "anchored") == (
        SKIPPED,
        "the credential carries no ledger anchor; anchoring not required by policy",
    )
    assert _step(report, "trusted") == (PASS, f"{DCC_ISSUER} is on the verifier's trust list")
    assert report.verdict is Verdict.VALID, report.to_dict()


def test_dcc_v2_badge_from_an_issuer_nobody_trusts_is_not_verified() -> None:
    report = _verify("dcc-examples/v2-eddsa-rdfc-2022-didkey-basicOBv3.json")
    assert _step(report, "proof")[0] is PASS  # the signature is fine ...
    assert _step(report, "trusted") == (  # ... but who is did:key:z6MknNQD…?
        ERROR,
        f"issuer not known to be trusted: {DCC_ISSUER} is not on the trust list, and the "
        "registry was not consulted: no ledger configured",
    )
    assert report.verdict is Verdict.NOT_VERIFIED


def _dcc_v1_policy(**changes: Any) -> VerificationPolicy:
    lists = StatusListFiles(
        {DCC_LIST_URL: VECTORS / "dcc-examples/statuslist-e5WK8CbZ1GjycuPombrj.json"}
    )
    policy: VerificationPolicy = _policy(DCC_V1_ISSUER, DCC_ISSUER, status_lists=lists, **changes)
    return policy


def test_dcc_v1_two_proofs_expired_and_revoked_is_invalid() -> None:
    report = _verify("dcc-examples/v1-two-proofs-bitstring-revoked-expired.json", _dcc_v1_policy())
    assert _step(report, "proof") == (
        PASS,
        "2 valid proof(s) (Ed25519Signature2020, eddsa-rdfc-2022)",
    )
    assert _step(report, "validity") == (
        FAIL,
        "expired on 2025-01-09T16:23:24Z (now 2026-06-01T00:00:00Z)",
    )
    # A VC 1.1 badge is judged by the OB 3.0 schema with the names VC 2.0 changed mapped.
    assert _step(report, "format")[0] is PASS
    assert "a VC 1.1 badge" in _step(report, "format")[1]
    # The list has 100,000 entries: fewer than BSL's minimum, so it proves nothing.
    assert _step(report, "status") == (
        FAIL,
        "invalid: the list has 100000 entries, fewer than the minimum 131072 (current list; "
        "the list's id https://testing.dcconsortium.org/status/e5WK8CbZ1GjycuPombrj is not its "
        "URL, which BSL allows)",
    )
    assert report.verdict is Verdict.INVALID


def test_dcc_v1_revocation_is_read_under_the_dcc_ecosystem_list_size() -> None:
    policy = _dcc_v1_policy(min_status_list_entries=100_000)
    report = _verify("dcc-examples/v1-two-proofs-bitstring-revoked-expired.json", policy)
    status, reason = _step(report, "status")
    assert status is FAIL
    assert reason.startswith(f"revoked: bit 6 of {DCC_LIST_URL} is set (revoked) (current list")


def test_dcc_v1_status_list_from_an_untrusted_other_issuer_is_not_used() -> None:
    lists = StatusListFiles(
        {DCC_LIST_URL: VECTORS / "dcc-examples/statuslist-e5WK8CbZ1GjycuPombrj.json"}
    )
    policy = _policy(DCC_V1_ISSUER, status_lists=lists, min_status_list_entries=100_000)
    report = _verify("dcc-examples/v1-two-proofs-bitstring-revoked-expired.json", policy)
    assert _step(report, "status") == (
        ERROR,
        f"unverifiable: status list issued by '{DCC_ISSUER}', not by the credential's issuer "
        f"'{DCC_V1_ISSUER}' nor a trusted list issuer (current list; the list's id "
        "https://testing.dcconsortium.org/status/e5WK8CbZ1GjycuPombrj is not its URL, which "
        "BSL allows)",
    )


def test_dcc_status_list_credential_is_verified_as_a_status_list() -> None:
    report = _verify("dcc-examples/statuslist-e5WK8CbZ1GjycuPombrj.json", _policy(DCC_ISSUER))
    assert report.credential_format == "status-list"
    assert _step(report, "format") == (SKIPPED, "a status list credential: not applicable")
    assert _step(report, "annex-i") == (SKIPPED, "a status list credential: not applicable")
    assert _step(report, "proof") == (PASS, "1 valid proof(s) (Ed25519Signature2020)")
    assert _step(report, "issuer")[0] is PASS
    assert _step(report, "validity") == (PASS, "valid from 2025-01-09T15:20:02.183Z, no expiry")
    assert _step(report, "status") == (SKIPPED, "the credential has no credentialStatus")
    assert report.verdict is Verdict.VALID


def test_ed25519_signature_2020_status_list_altered_is_invalid(tmp_path: Path) -> None:
    document = json.loads(
        (VECTORS / "dcc-examples/statuslist-e5WK8CbZ1GjycuPombrj.json").read_text()
    )
    document["validFrom"] = "2025-01-08T15:20:02.183Z"
    altered = tmp_path / "list.json"
    altered.write_text(json.dumps(document))
    report = verify_file(altered, _policy(DCC_ISSUER))
    status, reason = _step(report, "proof")
    assert status is FAIL and reason.endswith(
        "signature does not verify (document or proof altered)"
    )


def test_ed25519_signature_2020_needs_its_context() -> None:
    document = json.loads(
        (VECTORS / "dcc-examples/statuslist-e5WK8CbZ1GjycuPombrj.json").read_text()
    )
    document["@context"] = document["@context"][:1]
    [result] = verify_proofs(document, DidResolver())
    assert (result.outcome, result.reason) == (
        "invalid",
        "Ed25519Signature2020 needs https://w3id.org/security/suites/ed25519-2020/v1 in the "
        "@context",
    )


# --- 1EdTech examples (digital-credentials-public-validator@38254719, spec@1af145ff) ----------

SIMPLE_METHOD = f"https://example.com/issuers/876543#{SPEC_KEY}"
SIMPLE_V1_METHOD = (
    "https://example.com/issuers/876543#z6MknNHHrBzPytzu6CUBP9Lg7fg4KSBjzimc2Frh693YbMiv"
)
BAKED_METHOD = "https://example.com/issuers/876543#z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x"
SPEC_METHOD = f"https://example.edu/issuers/565049#{SPEC_KEY}"
BSL_METHOD = f"https://1edtech.edu/issuers/565049#{SPEC_KEY}"


@pytest.mark.parametrize(
    ("relative", "method", "suite"),
    [
        ("ob3-examples/simple.json", SIMPLE_METHOD, "eddsa-rdfc-2022"),
        ("ob3-examples/simple_v1.json", SIMPLE_V1_METHOD, "Ed25519Signature2020"),
        ("ob3-spec-eddsa-rdfc-2022/signed.json", SPEC_METHOD, "eddsa-rdfc-2022"),
        ("ob3-examples/simple-json.png", BAKED_METHOD, "eddsa-rdfc-2022"),
        ("ob3-examples/simple-json.svg", BAKED_METHOD, "eddsa-rdfc-2022"),
    ],
)
def test_1edtech_key_in_url_example_cannot_be_checked_without_its_controller_document(
    relative: str, method: str, suite: str
) -> None:
    report = _verify(relative)
    controller = method.split("#")[0]
    why = (
        f"{method} is not a DID URL and no controller document for {controller} was given "
        + NO_FRAGMENT_KEYS
    )
    assert _step(report, "proof") == (
        ERROR,
        f"{suite} proof by {method}: cannot resolve verification method: {why}",
    )
    assert _step(report, "issuer") == (ERROR, f"cannot resolve {method}: {why}")
    assert report.verdict is Verdict.NOT_VERIFIED


@pytest.mark.parametrize(
    ("relative", "method"),
    [
        ("ob3-examples/simple.json", SIMPLE_METHOD),
        ("ob3-examples/simple_v1.json", SIMPLE_V1_METHOD),
        ("ob3-spec-eddsa-rdfc-2022/signed.json", SPEC_METHOD),
        ("ob3-examples/simple-json.png", BAKED_METHOD),
        ("ob3-examples/simple-json.svg", BAKED_METHOD),
    ],
)
def test_1edtech_key_in_url_example_is_valid_with_its_controller_document_and_trust(
    relative: str, method: str
) -> None:
    controller = method.split("#")[0]
    policy = _policy(controller, documents=(_issuer_document(method),))
    report = _verify(relative, policy)
    assert _step(report, "issuer") == (PASS, f"{controller} resolved; it controls the signing key")
    assert _step(report, "validity")[0] is PASS
    assert report.verdict is Verdict.VALID, report.to_dict()


def test_1edtech_did_key_method_example_is_invalid_its_key_is_not_the_issuers() -> None:
    """1EdTech's validator accepts it, but the key did:key:z6MkjZRZ… does not belong to the
    issuer urn:uuid:6f2e…: anyone's key would do. Stricter on purpose (verification-policy.md)."""
    report = _verify("ob3-examples/simple-did-key-method.json", _policy(f"did:key:{SPEC_KEY}"))
    issuer = "urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164"
    assert _step(report, "proof") == (
        FAIL,
        f"eddsa-rdfc-2022 proof by did:key:{SPEC_KEY}: key controller did:key:{SPEC_KEY} "
        f"is not the issuer {issuer}",
    )
    # The issuer is also the subject, described differently in the two places: microcred
    # reads each path on its own, so such a document is not in its signed form either.
    assert _step(report, "signed-form")[0] is FAIL
    assert f"node {issuer} is described differently" in _step(report, "signed-form")[1]
    assert report.verdict is Verdict.INVALID


def _1edtech_lists() -> StatusListFiles:
    return StatusListFiles({ONEEDTECH_LIST_URL: VECTORS / "ob3-examples/bsl-testlist.json"})


def test_1edtech_revoked_example_is_caught() -> None:
    controller = BSL_METHOD.split("#")[0]
    policy = _policy(
        controller, documents=(_issuer_document(BSL_METHOD),), status_lists=_1edtech_lists()
    )
    report = _verify("ob3-examples/bsl-credential-status-revoked.json", policy)
    assert _step(report, "proof") == (PASS, "1 valid proof(s) (eddsa-rdfc-2022)")
    assert _step(report, "status") == (
        FAIL,
        f"revoked: bit 23 of {ONEEDTECH_LIST_URL} is set (revoked) (current list; the list's id "
        "https://example.com/credentials/status/3 is not its URL, which BSL allows)",
    )
    assert report.verdict is Verdict.INVALID


def test_1edtech_revoked_example_without_the_issuers_document_is_not_verified() -> None:
    report = _verify(
        "ob3-examples/bsl-credential-status-revoked.json", _policy(status_lists=_1edtech_lists())
    )
    status, reason = _step(report, "status")
    assert status is ERROR
    assert reason.startswith(
        f"unverifiable: status list proof not checked: cannot resolve verification method: "
        f"{BSL_METHOD} is not a DID URL"
    )
    assert report.verdict is Verdict.NOT_VERIFIED


def test_1edtech_status_list_credential_is_verified_as_a_status_list() -> None:
    controller = BSL_METHOD.split("#")[0]
    report = _verify(
        "ob3-examples/bsl-testlist.json",
        _policy(controller, documents=(_issuer_document(BSL_METHOD),)),
    )
    assert report.credential_format == "status-list"
    assert _step(report, "format") == (SKIPPED, "a status list credential: not applicable")
    assert _step(report, "proof") == (PASS, "1 valid proof(s) (eddsa-rdfc-2022)")
    assert report.verdict is Verdict.VALID


def test_1edtech_jwt_example_signed_with_its_own_jwk_header_is_invalid() -> None:
    issuer = "https://1edtech.edu/issuers/565049"
    report = _verify("ob3-examples/simple-jwt.png", _policy(issuer))
    assert _step(report, "proof") == (
        ERROR,
        "VC-JWT RS256 proof by jwk: JWS signature verified (RS256) with the key in the jwk "
        "header only: nothing binds that key to the issuer",
    )
    # No kid: the token names no key of the issuer at all.
    assert _step(report, "issuer") == (FAIL, f"no signing key is named for issuer {issuer}")
    assert report.verdict is Verdict.INVALID


# --- attacks: a key in a URL fragment, a did:key with another key's fragment ----------------

UNIVERSITY = "https://www.example.edu.ge"


def _forged(
    issuer: str, method: str, key: SigningKey, cryptosuite: str = "eddsa-rdfc-2022"
) -> dict[str, Any]:
    document = json.loads(
        (VECTORS / "dcc-examples/v2-eddsa-rdfc-2022-didkey-basicOBv3.json").read_text()
    )
    del document["proof"]
    document["issuer"]["id"] = issuer
    return add_proof(
        document, key, verification_method=method, cryptosuite=cryptosuite, created=None
    )


def _cli_verify(tmp_path: Path, document: dict[str, Any], *options: str) -> Any:
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document), "utf-8")
    args = ["--home", str(tmp_path / "home"), "verify", "--no-ledger", "--anchoring", "optional"]
    return CliRunner().invoke(main, [*args, *options, str(path)], catch_exceptions=False)


def test_attack_a_fresh_key_in_a_url_fragment_is_refused(tmp_path: Path) -> None:
    attacker = SigningKey.generate(KeyType.ED25519)
    method = f"{UNIVERSITY}#{attacker.public_key.multibase()}"
    forged = _forged(UNIVERSITY, method, attacker)
    [result] = verify_proofs(forged, DidResolver())
    assert result.outcome == "unverifiable" and result.reason.endswith(NO_FRAGMENT_KEYS)
    cli = _cli_verify(tmp_path, forged, "--trust-list", str(_trust_file(tmp_path, UNIVERSITY)))
    assert cli.exit_code != 0 and "NOT VERIFIED" in cli.output
    assert NO_FRAGMENT_KEYS in cli.output
    # With the university's real controller document the forgery is plainly invalid.
    real = SigningKey.generate(KeyType.ED25519).public_key.multibase()
    published = controller_document(f"{UNIVERSITY}#key-1", real)
    [result] = verify_proofs(forged, DidResolver({UNIVERSITY: published}))
    assert result.outcome == "invalid"
    assert f"{method} is not in the document of {UNIVERSITY}" in result.reason
    document_file = tmp_path / "university.json"
    document_file.write_text(json.dumps(published), "utf-8")
    cli = _cli_verify(tmp_path, forged, "--did-document", str(document_file))
    assert cli.exit_code != 0 and "INVALID" in cli.output


def test_attack_the_fragment_cannot_replace_the_key_of_a_listed_method() -> None:
    """The document authorises #<real key>; a proof naming that id is checked with the document's
    key, so the attacker's signature fails even though the fragment "looks" like a key."""
    attacker = SigningKey.generate(KeyType.ED25519)
    real = SigningKey.generate(KeyType.ED25519).public_key.multibase()
    method = f"{UNIVERSITY}#{attacker.public_key.multibase()}"
    published = controller_document(method, real)  # the id is listed, with the real key
    [result] = verify_proofs(
        _forged(UNIVERSITY, method, attacker), DidResolver({UNIVERSITY: published})
    )
    assert result.outcome == "invalid" and "signature does not verify" in result.reason


@pytest.mark.parametrize(
    "which", ["issuer DID, attacker fragment", "attacker DID, issuer fragment"]
)
def test_attack_did_key_with_a_mismatched_fragment_is_invalid(tmp_path: Path, which: str) -> None:
    attacker = SigningKey.generate(KeyType.ED25519)
    issuer = SigningKey.generate(KeyType.ED25519)
    issuer_mb, attacker_mb = issuer.public_key.multibase(), attacker.public_key.multibase()
    if which.startswith("issuer"):
        method = f"{did_key(issuer.public_key)}#{attacker_mb}"
    else:
        method = f"did:key:{attacker_mb}#{issuer_mb}"
    forged = _forged(did_key(issuer.public_key), method, attacker)
    [result] = verify_proofs(forged, DidResolver())
    assert result.outcome == "invalid"
    assert result.reason == (
        f"verification method not authorised: did:key fragment does not match the key: {method}"
    )
    trust = _trust_file(tmp_path, did_key(issuer.public_key))
    cli = _cli_verify(tmp_path, forged, "--trust-list", str(trust))
    assert cli.exit_code != 0 and "INVALID" in cli.output


def test_a_proper_did_key_proof_still_verifies_through_the_cli(tmp_path: Path) -> None:
    """The check the attacks above get around, done right: valid, and exit code 0."""
    issuer = SigningKey.generate(KeyType.ED25519)
    did = did_key(issuer.public_key)
    signed = _forged(did, did_key_verification_method(issuer.public_key), issuer)
    cli = _cli_verify(tmp_path, signed, "--trust-list", str(_trust_file(tmp_path, did)))
    assert cli.exit_code == 0, cli.output
    assert "VALID" in cli.output and "is on the verifier's trust list" in cli.output


def test_did_jwk_resolves_offline_and_signs(tmp_path: Path) -> None:
    import base64

    key = SigningKey.generate(KeyType.P256)
    jwk = json.dumps(key.public_key.to_jwk(), separators=(",", ":")).encode()
    did = "did:jwk:" + base64.urlsafe_b64encode(jwk).decode().rstrip("=")
    signed = _forged(did, f"{did}#0", key, cryptosuite="ecdsa-rdfc-2019")
    [result] = verify_proofs(signed, DidResolver())
    assert result.outcome == "valid", result.reason
    for bad in (f"{did}#1", f"{did}#{key.public_key.multibase()}"):
        forged = copy.deepcopy(signed)
        forged["proof"]["verificationMethod"] = bad
        [result] = verify_proofs(forged, DidResolver())
        assert result.outcome == "invalid" and "only the method #0" in result.reason
    encryption_only = json.dumps({**key.public_key.to_jwk(), "use": "enc"}).encode()
    enc_did = "did:jwk:" + base64.urlsafe_b64encode(encryption_only).decode().rstrip("=")
    with pytest.raises(MethodNotAuthorised, match="encryption key"):
        DidResolver().resolve_verification_method(f"{enc_did}#0")


# --- the trust list file ----------------------------------------------------------------------


def _trust_file(tmp_path: Path, *issuers: str) -> Path:
    path = tmp_path / "trusted.txt"
    path.write_text("# issuers we trust\n" + "\n".join(issuers) + "\n", "utf-8")
    return path


def test_trust_list_reads_dids_and_issuer_urls_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(f"# QA agency list\n{DCC_ISSUER}  # DCC\n\nhttps://example.com/issuers/1\n")
    assert read_trust_list(path) == {DCC_ISSUER, "https://example.com/issuers/1"}


@pytest.mark.parametrize(
    "line", ["example.edu", "http://example.com/i", "did:", "DID:KEY:z6", "did:key:a b"]
)
def test_trust_list_names_the_file_and_line_of_a_bad_entry(tmp_path: Path, line: str) -> None:
    path = tmp_path / "t.txt"
    path.write_text(f"{DCC_ISSUER}\n{line}\n")
    with pytest.raises(InputError, match=r"t\.txt, line 2: "):
        read_trust_list(path)


def test_cli_trust_list_and_status_list_options(tmp_path: Path) -> None:
    credential = VECTORS / "dcc-examples/v1-two-proofs-bitstring-revoked-expired.json"
    listing = VECTORS / "dcc-examples/statuslist-e5WK8CbZ1GjycuPombrj.json"
    trust = _trust_file(tmp_path, DCC_V1_ISSUER, DCC_ISSUER)
    args = ["--home", str(tmp_path / "home"), "verify", "--no-ledger", "--json"]
    result = CliRunner().invoke(
        main,
        [
            *args,
            "--trust-list",
            str(trust),
            "--status-list",
            f"{DCC_LIST_URL}={listing}",
            str(credential),
        ],
        catch_exceptions=False,
    )
    report = json.loads(result.output)
    steps = {step["step"]: step for step in report["steps"]}
    assert steps["trusted"]["status"] == "PASS"
    assert steps["status"]["details"]["code"] == "STATUS_LIST_LENGTH_ERROR"
    # Default anchoring policy, no ledger: whether anchoring is required cannot be told.
    assert steps["anchored"]["status"] == "ERROR"
    assert "whether its issuer is in the registry" in steps["anchored"]["reason"]
    assert result.exit_code != 0
    bad = CliRunner().invoke(main, [*args, "--status-list", "no-equals-sign", str(credential)])
    assert bad.exit_code == 2 and "is not URL=FILE" in bad.output


def test_verify_path_reads_every_third_party_example_without_raising() -> None:
    """Every example in tests/vectors gets a report with all steps, never an exception."""
    files = [
        *sorted((VECTORS / "ob3-examples").iterdir()),
        *sorted((VECTORS / "dcc-examples").iterdir()),
    ]
    for path in files:
        for report in verify_path(path, THIRD_PARTY):
            assert [step.name for step in report.steps][-2:] == ["trusted", "status"], path


def test_a_status_directory_finds_lists_by_name_only_if_their_id_is_the_url(
    tmp_path: Path,
) -> None:
    """A directory lookup binds only the last URL segment; the list's own id must bind the
    rest. 1EdTech's list (id https://example.com/…/3) is therefore given by URL instead."""
    (tmp_path / "testlist.json").write_bytes(
        (VECTORS / "ob3-examples/bsl-testlist.json").read_bytes()
    )
    controller = BSL_METHOD.split("#")[0]
    policy = _policy(
        controller,
        documents=(_issuer_document(BSL_METHOD),),
        status_lists=StatusDirectory(tmp_path),
    )
    report = _verify("ob3-examples/bsl-credential-status-revoked.json", policy)
    assert _step(report, "status") == (
        ERROR,
        f"status list {ONEEDTECH_LIST_URL} is not available locally (a status directory holds "
        "lists whose id is their URL; give another issuer's list with --status-list URL=FILE)",
    )
    by_url = dataclasses.replace(
        policy, status_lists=StatusSources([_1edtech_lists(), StatusDirectory(tmp_path)])
    )
    report = _verify("ob3-examples/bsl-credential-status-revoked.json", by_url)
    assert report.step("status").reason.startswith("revoked: bit 23")
