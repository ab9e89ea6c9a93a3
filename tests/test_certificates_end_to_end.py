"""A credential as people meet it: a PDF certificate, its printed QR code, a baked badge,
and an offline check with a trust bundle, each verified through `microcred verify`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import Cohort
from microcred.render.baking import bake_png, extract_baked
from microcred.render.pdf import extract_pdf_credentials, render_certificate_pdf

LEARNER = "S2025-0014"


def _reports(cohort: Cohort, *args: str) -> list[dict[str, Any]]:
    result = cohort.run("verify", "--json", *args)
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def certificate(cohort: Cohort, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdf = tmp_path_factory.mktemp("certificate") / "certificate.pdf"
    result = cohort.run(
        "pdf",
        str(cohort.credential("elm", LEARNER)),
        str(cohort.credential("ob3", LEARNER)),
        "--out",
        str(pdf),
    )
    assert result.exit_code == 0, result.output
    return pdf


def test_issue_pdf_page_image_qr_verified(certificate: Path, cohort: Cohort) -> None:
    """issue → PDF → page image → QR decoded from the image → verified."""
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            str(certificate),
            str(certificate.with_suffix("")),
        ],
        check=True,
        timeout=60,
    )
    page = next(certificate.parent.glob("certificate-*1.png"))
    [report] = _reports(cohort, str(page))
    assert report["format"] == "qr"
    assert report["verdict"] == "valid", report
    assert [s["step"] for s in report["steps"]] == [
        "qr-signature",
        "anchored",
        "accredited",
        "status",
    ]
    elm_id = json.loads(cohort.credential("elm", LEARNER).read_text("utf-8"))["id"]
    assert report["id"] == elm_id


def test_the_pdf_carries_the_signed_credentials(certificate: Path, cohort: Cohort) -> None:
    reports = _reports(cohort, str(certificate))
    assert sorted(r["format"] for r in reports) == ["elm", "ob3"]
    assert all(r["verdict"] == "valid" for r in reports), reports


def test_a_tampered_pdf_attachment_fails(certificate: Path, cohort: Cohort, tmp_path: Path) -> None:
    files = extract_pdf_credentials(certificate.read_bytes())
    name, content = files[0]
    document = json.loads(content)
    document["validFrom"] = "2020-01-01T00:00:00Z"  # a signed field: back-date the credential
    edited = (name, json.dumps(document, indent=2).encode("utf-8"))
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(render_certificate_pdf([edited, *files[1:]], qr_payload="MC1:X"))
    verdicts = {
        r["source"].rsplit("#", 1)[-1]: r["verdict"] for r in _reports(cohort, str(tampered))
    }
    assert verdicts[name] == "invalid"
    assert set(verdicts.values()) == {"invalid", "valid"}


def test_a_baked_badge_verifies_and_a_tampered_one_does_not(cohort: Cohort, tmp_path: Path) -> None:
    badge = tmp_path / "badge.png"
    result = cohort.run("bake", str(cohort.credential("ob3", LEARNER)), "--out", str(badge))
    assert result.exit_code == 0, result.output
    [report] = _reports(cohort, str(badge))
    assert report["verdict"] == "valid", report
    document = json.loads(extract_baked(badge.read_bytes())[0])
    document["credentialSubject"]["result"][0]["value"] = "A (100)"  # a better grade
    text = json.dumps(document)
    plain = tmp_path / "plain.png"
    plain.write_bytes(_strip_badge(badge.read_bytes()))
    forged = tmp_path / "forged.png"
    forged.write_bytes(bake_png(plain.read_bytes(), text))
    [forged_report] = _reports(cohort, str(forged))
    assert forged_report["verdict"] == "invalid"


def _strip_badge(png: bytes) -> bytes:
    """The badge image without its credential chunk (re-baking refuses a second one)."""
    out, position = bytearray(png[:8]), 8
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        chunk = png[position : position + 12 + length]
        if chunk[4:8] != b"iTXt" or not chunk[8:].startswith(b"openbadgecredential\0"):
            out += chunk
        position += 12 + length
    return bytes(out)


def test_offline_bundle_gives_the_same_verdicts(cohort: Cohort, tmp_path: Path) -> None:
    bundle = tmp_path / "trust.json"
    exported = cohort.run("bundle", "export", "--out", str(bundle))
    assert exported.exit_code == 0, exported.output
    issuer = json.loads((cohort.home / "issuer.json").read_text("utf-8"))["did"]
    files = [
        str(cohort.credential("elm", "S2025-0015")),
        str(cohort.credential("ob3", "S2025-0016")),
    ]
    tampered = tmp_path / "tampered.json"
    document = json.loads(cohort.credential("ob3", "S2025-0017").read_text("utf-8"))
    document["credentialSubject"]["result"][0]["value"] = "A (99)"
    tampered.write_text(json.dumps(document), "utf-8")
    files.append(str(tampered))
    online = _reports(cohort, *files)
    offline = _reports(cohort, "--bundle", str(bundle), "--bundle-signer", issuer, *files)
    assert [r["verdict"] for r in online] == ["valid", "valid", "invalid"]
    assert [r["verdict"] for r in offline] == [r["verdict"] for r in online]
