"""Hostile inputs to `microcred verify` and the Python verifier (issue #8, containment).

No input may crash the command, stop the reports of the other files, or cost more than a
bounded amount of memory: each attack below becomes a clean per-file report (FAIL for a
malformed input, ERROR for what could not be checked), and the good file beside it is still
reported. Crashes and unbounded reads are observed from outside, in a child process.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from _hostile import (
    MAX_PEAK_RSS_BYTES,
    NOW,
    Issued,
    dumps,
    issue_one,
    pdf_with_attachments,
    pdf_with_flate_bombs,
    png_with_text_bomb,
    report_heads,
    run_verify_in_child,
)
from microcred.cli import main
from microcred.errors import DidResolutionError
from microcred.keys import DidResolver
from microcred.proofs import sign_vc_jwt
from microcred.render.baking import bake
from microcred.verifier import (
    AnchorRequirement,
    ParsedCredential,
    StepResult,
    StepStatus,
    Verdict,
    VerificationPolicy,
    verify_credential,
    verify_path,
)
from microcred.verifier._verify import DEFAULT_STEPS, SAFE_RECURSION_LIMIT

POLICY = VerificationPolicy(now=NOW, anchoring=AnchorRequirement.OPTIONAL)


@pytest.fixture(scope="module")
def issued() -> Issued:
    return issue_one()


@pytest.fixture
def good(tmp_path: Path, issued: Issued) -> Path:
    path = tmp_path / "good.json"
    path.write_text(dumps(issued.ob3), "utf-8")
    return path


def _ob3(issued: Issued) -> dict[str, Any]:
    return copy.deepcopy(issued.ob3)


def _verify(tmp_path: Path, *paths: Path, color: bool = False) -> Result:
    """`microcred verify --no-ledger PATHS` in this process; a raised exception fails the test."""
    env = {"MICROCRED_HOME": str(tmp_path / "home")}
    args = ["verify", "--no-ledger", *map(str, paths)]
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False, color=color)


def _assert_reported_beside_good(result: Result, hostile: Path, good: Path, status: str) -> str:
    """Both files reported, the hostile one with a step of ``status``; its report text."""
    assert result.exit_code == 1, result.output
    heads = report_heads(result.output)
    assert heads[0].startswith(f"{hostile}: ") and heads[1].startswith(f"{good}: "), heads
    assert "NOT VERIFIED" in heads[1]  # good, but no ledger here: never "invalid"
    hostile_report = result.output.split(f"{good}: ")[0]
    assert f"  {status}" in hostile_report, hostile_report
    assert "Traceback" not in result.output
    return hostile_report


# --- malformed JSON-LD that used to abort the whole command -------------------------------


def test_type_holding_a_list_is_a_report(tmp_path: Path, issued: Issued, good: Path) -> None:
    document = _ob3(issued)
    document["type"] = [["VerifiableCredential"]]
    hostile = tmp_path / "nested-type.json"
    hostile.write_text(dumps(document), "utf-8")
    report = _assert_reported_beside_good(_verify(tmp_path, hostile, good), hostile, good, "FAIL")
    assert "neither an ELM nor an Open Badges 3.0 credential" in report


def test_bad_language_tag_in_a_language_map_is_a_report(
    tmp_path: Path, issued: Issued, good: Path
) -> None:
    elm = copy.deepcopy(issued.elm)
    elm["credentialSubject"]["hasClaim"][0]["title"]["not a tag!"] = "x"
    hostile = tmp_path / "language-tag.jsonld"
    hostile.write_text(dumps(elm), "utf-8")
    report = _assert_reported_beside_good(_verify(tmp_path, hostile, good), hostile, good, "FAIL")
    # The signed form refuses it first (a malformed tag is data JSON-LD may drop or change).
    assert "FAIL     signed-form" in report and "not a tag!" in report


def test_five_thousand_digit_number_is_refused(tmp_path: Path, issued: Issued, good: Path) -> None:
    text = dumps(_ob3(issued)).replace('"name":', '"n":' + "9" * 5000 + ',"name":', 1)
    hostile = tmp_path / "big-number.json"
    hostile.write_text(text, "utf-8")
    report = _assert_reported_beside_good(_verify(tmp_path, hostile, good), hostile, good, "FAIL")
    assert "a number with 5000 digits" in report


def test_lone_surrogate_is_refused(tmp_path: Path, issued: Issued, good: Path) -> None:
    text = dumps(_ob3(issued)).replace('"name":"', '"name":"\\ud800', 1)
    hostile = tmp_path / "surrogate.json"
    hostile.write_text(text, "utf-8")
    report = _assert_reported_beside_good(_verify(tmp_path, hostile, good), hostile, good, "FAIL")
    assert "lone surrogate" in report


@pytest.mark.parametrize("chunk", [b"zTXt", b"iTXt"])
def test_png_compressed_text_bomb_is_a_report(tmp_path: Path, good: Path, chunk: bytes) -> None:
    hostile = tmp_path / f"{chunk.decode()}-bomb.png"
    hostile.write_bytes(png_with_text_bomb(chunk))
    report = _assert_reported_beside_good(_verify(tmp_path, hostile, good), hostile, good, "FAIL")
    assert "not a readable image" in report


# --- crashes and unbounded work, observed from outside ------------------------------------


def test_deep_nesting_does_not_kill_the_process(tmp_path: Path, good: Path) -> None:
    hostile = tmp_path / "deep.json"
    hostile.write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    run = run_verify_in_child(tmp_path, str(hostile), str(good))
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])  # a segfault is -11
    assert "nested more than 64 levels deep" in run.stdout
    assert len(report_heads(run.stdout)) == 2


def test_the_cli_imports_raise_the_recursion_limit_but_verification_runs_under_pythons() -> None:
    """py-evm and py_ecc raise the limit on import; verification contains it and restores it."""
    import microcred.cli  # noqa: F401 - the import that raises the limit is what is tested

    raised = sys.getrecursionlimit()
    assert raised > SAFE_RECURSION_LIMIT  # else this test proves nothing
    seen: list[int] = []

    def check_recursion_limit(
        credential: ParsedCredential, policy: VerificationPolicy
    ) -> StepResult:
        seen.append(sys.getrecursionlimit())
        return StepResult("recursion-limit", StepStatus.PASS, "seen")

    verify_credential({"@context": []}, POLICY, steps=[check_recursion_limit])
    assert seen == [SAFE_RECURSION_LIMIT]
    assert sys.getrecursionlimit() == raised


def test_a_document_built_deep_in_python_is_refused_not_recursed(issued: Issued) -> None:
    document = _ob3(issued)
    node: dict[str, Any] = document["credentialSubject"]
    for _ in range(100_000):
        node["next"] = {}
        node = node["next"]
    report = verify_credential(document, POLICY)
    assert [step.name for step in report.steps] == ["input"]
    assert "nested more than 64 levels deep" in report.steps[0].reason


def test_repeated_contexts_are_refused_before_any_json_ld_work(
    tmp_path: Path, issued: Issued, good: Path
) -> None:
    document = _ob3(issued)
    document["@context"] += ["https://www.w3.org/ns/credentials/v2"] * 100_000
    hostile = tmp_path / "contexts.json"
    hostile.write_text(dumps(document), "utf-8")
    run = run_verify_in_child(tmp_path, str(hostile), str(good))
    assert run.returncode == 1, run.stderr[-2000:]
    assert "an @context of 100003 entries (at most 16)" in run.stdout
    assert run.peak_rss_bytes < MAX_PEAK_RSS_BYTES


def test_a_context_listed_twice_is_refused(issued: Issued) -> None:
    document = _ob3(issued)
    document["@context"].append(document["@context"][1])
    report = verify_credential(document, POLICY)
    assert report.verdict is Verdict.INVALID
    assert "the same context more than once" in report.steps[0].reason


def test_pdf_flate_bombs_are_bounded_while_decompressing(tmp_path: Path, good: Path) -> None:
    hostile = tmp_path / "bombs.pdf"
    hostile.write_bytes(pdf_with_flate_bombs())
    run = run_verify_in_child(tmp_path, str(hostile), str(good))
    assert run.returncode == 1, run.stderr[-2000:]
    assert f"{hostile}: an attachment (or another stream) inflates past 5000000 bytes" in run.stdout
    assert run.peak_rss_bytes < 300 * 1024 * 1024  # 4 × 70 MB inflated: it was about 430 MB


def test_the_attackers_pdf_of_sixteen_bombs_is_refused_before_inflating(
    tmp_path: Path, good: Path
) -> None:
    hostile = tmp_path / "bombs.pdf"
    hostile.write_bytes(pdf_with_flate_bombs(count=16))
    run = run_verify_in_child(tmp_path, str(hostile), str(good))
    assert run.returncode == 1, run.stderr[-2000:]
    assert f"{hostile}: the PDF has more than 4 attachments" in run.stdout
    assert run.peak_rss_bytes < 300 * 1024 * 1024  # it was 1.25 GB


def test_too_many_pdf_attachments_are_refused_before_reading_them(
    tmp_path: Path, issued: Issued
) -> None:
    content = dumps(issued.ob3).encode()
    hostile = tmp_path / "many.pdf"
    hostile.write_bytes(pdf_with_attachments([(f"c{i}.json", content) for i in range(5)]))
    [report] = verify_path(hostile, POLICY)
    assert "more than 4 attachments" in report.steps[0].reason


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "directory"])
def test_only_regular_files_are_read(tmp_path: Path, good: Path, special: str) -> None:
    if special == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)  # no writer: reading it would wait forever
    elif special == "directory":
        path = tmp_path / "directory"
        path.mkdir()
    else:
        path = Path(special)
    [report] = verify_path(path, POLICY)
    assert report.steps[0].status is StepStatus.FAIL
    assert "not a regular file" in report.steps[0].reason


def test_dev_zero_through_the_cli_is_a_report(tmp_path: Path, good: Path) -> None:
    run = run_verify_in_child(tmp_path, "/dev/zero", str(good))
    assert run.returncode == 1, run.stderr[-2000:]
    assert "/dev/zero: not a regular file" in run.stdout
    assert len(report_heads(run.stdout)) == 2
    assert run.peak_rss_bytes < MAX_PEAK_RSS_BYTES


def test_ten_thousand_copies_of_one_proof_are_refused(
    tmp_path: Path, issued: Issued, good: Path
) -> None:
    document = _ob3(issued)
    document["proof"] = document["proof"] * 10_000
    hostile = tmp_path / "proofs.json"
    hostile.write_text(dumps(document), "utf-8")
    report = _assert_reported_beside_good(_verify(tmp_path, hostile, good), hostile, good, "FAIL")
    assert "more than 16 proofs in the document" in report


def test_a_credential_of_many_small_objects_is_refused(issued: Issued) -> None:
    document = _ob3(issued)
    document["evidence"] = [{"type": ["Evidence"], "name": f"e{i}"} for i in range(100_000)]
    report = verify_credential(document, POLICY)
    assert [step.name for step in report.steps] == ["input"]
    assert "more than 20000 JSON values" in report.steps[0].reason


# --- keys, DIDs and JWTs of bounded length ------------------------------------------------


def test_megabyte_verification_method_is_refused_unread(issued: Issued) -> None:
    document = _ob3(issued)
    document["proof"][0]["verificationMethod"] = "did:key:z" + "2" * 1_000_000
    report = verify_credential(document, POLICY)
    assert "a verificationMethod of 1000009 characters (at most 2048)" in report.steps[0].reason


def test_megabyte_issuer_did_is_refused_unread(issued: Issued) -> None:
    document = _ob3(issued)
    document["issuer"]["id"] = "did:key:z" + "2" * 1_000_000
    report = verify_credential(document, POLICY)
    assert "an issuer id of 1000009 characters" in report.steps[0].reason


def test_did_key_decoding_is_bounded_whoever_calls_it() -> None:
    with pytest.raises(DidResolutionError, match=r"100001 characters \(at most 256\)"):
        DidResolver().resolve_verification_method("did:key:z" + "2" * 100_000)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_file(tmp_path: Path, header: dict[str, Any], payload: str) -> Path:
    path = tmp_path / "token.jwt"
    path.write_text(f"{_b64(json.dumps(header).encode())}.{payload}.c2ln", "ascii")
    return path


def test_oversized_jwt_is_refused(tmp_path: Path, issued: Issued) -> None:
    path = _jwt_file(tmp_path, {"alg": "EdDSA"}, "A" * 1_000_001)
    [report] = verify_path(path, POLICY)
    assert "a JWT of 1000029 characters (at most 1000000)" in report.steps[0].reason


def test_oversized_jwt_header_is_refused(tmp_path: Path) -> None:
    path = _jwt_file(tmp_path, {"alg": "EdDSA", "x": "y" * 9000}, _b64(b"{}"))
    [report] = verify_path(path, POLICY)
    assert "a JWT header of" in report.steps[0].reason
    assert "(at most 8192)" in report.steps[0].reason


def test_oversized_jwt_kid_is_refused(tmp_path: Path) -> None:
    path = _jwt_file(tmp_path, {"alg": "EdDSA", "kid": "did:key:z" + "2" * 5000}, _b64(b"{}"))
    [report] = verify_path(path, POLICY)
    assert "a JWT kid of 5009 characters (at most 2048)" in report.steps[0].reason


def test_deeply_nested_jwt_payload_is_refused(tmp_path: Path) -> None:
    path = _jwt_file(tmp_path, {"alg": "EdDSA"}, _b64(b"[" * 100_000 + b"]" * 100_000))
    [report] = verify_path(path, POLICY)
    assert "the JWT payload is not base64url JSON (nested more than 64" in report.steps[0].reason


def test_a_real_vc_jwt_is_still_within_the_bounds(tmp_path: Path, issued: Issued) -> None:
    token = sign_vc_jwt(
        issued.ob3, issued.issuer.key, kid=issued.issuer.profile.verification_method
    )
    path = tmp_path / "real.jwt"
    path.write_text(token, "ascii")
    [report] = verify_path(path, POLICY)
    assert report.step("proof").status is StepStatus.PASS


# --- what is printed cannot forge a report line -------------------------------------------

_FORGED = "\n/tmp/forged.json: VALID  (ob3, urn:uuid:forged)\x1b[32m\u2028\u202e"


def _assert_no_forged_line(output: str, reports: int) -> None:
    assert len(report_heads(output)) == reports, output
    assert not any(line.startswith("/tmp/forged.json") for line in output.splitlines())
    for raw in ("\x1b[32m\u2028", "\u202e"):
        assert raw not in output
    assert "\\n/tmp/forged.json: VALID" in output


def test_credential_id_and_reasons_are_escaped(tmp_path: Path, issued: Issued) -> None:
    document = _ob3(issued)
    document["id"] = "urn:x" + _FORGED
    document["issuer"]["id"] = "did:example:x" + _FORGED  # the issuer step's reason shows it
    path = tmp_path / "id.json"
    path.write_text(dumps(document), "utf-8")
    result = _verify(tmp_path, path, color=True)  # as on a terminal: escape codes pass through
    _assert_no_forged_line(result.output, 1)
    assert "\\x1b[32m\\u2028\\u202e" in result.output


def test_pdf_attachment_names_are_escaped(tmp_path: Path, issued: Issued) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf_with_attachments([("c.json" + _FORGED, dumps(issued.ob3).encode())]))
    _assert_no_forged_line(_verify(tmp_path, path, color=True).output, 1)


def test_baked_badge_file_names_are_escaped(tmp_path: Path, issued: Issued) -> None:
    path = tmp_path / ("badge" + _FORGED.replace("/", "_") + ".png")
    path.write_bytes(bake(dumps(issued.ob3), "png"))
    output = _verify(tmp_path, path, color=True).output
    assert len(report_heads(output)) == 1, output
    assert "\\n_tmp_forged.json: VALID" in output and "(baked PNG)" in output


# --- a step reports, it never raises ------------------------------------------------------


def check_explodes(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    raise ZeroDivisionError("a bug in a step")


def test_a_step_that_raises_is_that_steps_error(tmp_path: Path, good: Path) -> None:
    [report] = verify_path(good, POLICY, steps=(*DEFAULT_STEPS, check_explodes))
    step = report.step("explodes")
    assert step.status is StepStatus.ERROR
    assert step.reason == "could not check: ZeroDivisionError: a bug in a step"
    assert report.step("proof").status is StepStatus.PASS  # the other steps still ran
    assert report.verdict is Verdict.NOT_VERIFIED


def test_every_file_is_reported_and_the_exit_code_is_kept(
    tmp_path: Path, issued: Issued, good: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": [["x"]], "@context": [{}], "proof": 7}', "utf-8")
    result = _verify(tmp_path, broken, good, broken)
    assert result.exit_code == 1
    assert len(report_heads(result.output)) == 3
    assert all(step.status is not StepStatus.PASS for step in verify_path(broken, POLICY)[0].steps)


def test_a_deep_did_document_is_a_clear_error(tmp_path: Path, good: Path) -> None:
    document = tmp_path / "did.json"
    document.write_text("[" * 40_000 + "]" * 40_000, "utf-8")  # within the 100 kB bound
    run = run_verify_in_child(tmp_path, "--did-document", str(document), str(good))
    assert run.returncode == 3, (run.returncode, run.stderr[-2000:])  # bad input
    assert "not a readable JSON DID document (nested more than 64 levels deep" in run.stderr
