"""The report shows what a person must compare (learner, title, awarding body, date, grade,
credits, level) read from the signed credential, and says what no signature covers."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fpdf import FPDF

from microcred.cli import main
from microcred.issuer import load_issuer
from microcred.qr import make_qr_payload, render_qr_png
from microcred.verifier.facts import (
    PDF_PAGE_NOT_SIGNED,
    QR_PAGE_NOT_SIGNED,
    VerifiedFacts,
    printable,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "facts test passphrase"
TITLE_EN = "AI for Enhancing Research Skills in Higher Education"
TITLE_KA = "ხელოვნური ინტელექტის გამოყენება"  # the start of the Georgian title


def _run(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _learner(learner_id: str) -> dict[str, str]:
    with (EXAMPLE / "learners.csv").open(newline="", encoding="utf-8") as source:
        return next(row for row in csv.DictReader(source) if row["learner_id"] == learner_id)


GENUINE = _learner("S2025-0002")
GENUINE_NAME = f"{GENUINE['given_name']} {GENUINE['family_name']}"


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    rows = (EXAMPLE / "learners.csv").read_text("utf-8").splitlines()[:3]
    (work / "learners.csv").write_text("\n".join(rows) + "\n", "utf-8")
    out = work / "cohort"
    steps = [
        ["init", "--name", "Example State University", "--name", "ka=სანიმუშო უნივერსიტეტი",
         "--country", "GE", "--legal-id", "204000000"],
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "7"],
        ["issue", "--spec", str(EXAMPLE / "microcredential.yaml"), "--learners",
         str(work / "learners.csv"), "--out", str(out), "--format", "elm", "--format", "ob3",
         "--format", "ob3-jwt"],
        ["status", "publish"],
    ]  # fmt: skip
    for step in steps:
        result = _run(home, *step)
        assert result.exit_code == 0, (step, result.output)
    return home, out


def _forged_pdf(attachment: Path) -> bytes:
    """A page that says one thing, with another learner's genuine credential attached."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=22)
    pdf.cell(text="DOCTOR OF PHILOSOPHY - John Forger")
    pdf.embed_file(bytes=attachment.read_bytes(), basename=attachment.name, desc="credential")
    return bytes(pdf.output())


def _json_reports(home: Path, path: Path) -> list[dict[str, Any]]:
    result = _run(home, "verify", "--json", str(path))
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def test_a_forged_pdf_page_shows_the_genuine_learner_and_says_the_page_is_not_signed(
    issued: tuple[Path, Path], tmp_path: Path
) -> None:
    home, out = issued
    forged = tmp_path / "phd.pdf"
    forged.write_bytes(_forged_pdf(out / "elm" / "S2025-0002.jsonld"))
    result = _run(home, "verify", str(forged))
    assert result.exit_code == 0, result.output  # the attachment is genuine: VALID
    assert "VALID" in result.output
    assert f"Learner:    {GENUINE_NAME} (learner id S2025-0002)" in result.output
    assert TITLE_EN in result.output and TITLE_KA in result.output
    assert "Grade:      " + GENUINE["grade"] in result.output
    assert "John Forger" not in result.output  # the page's claims are never repeated
    assert "DOCTOR" not in result.output
    assert "not covered by any signature" in result.output
    [report] = _json_reports(home, forged)
    assert report["facts"]["learner"] == GENUINE_NAME
    assert report["facts"]["title"]["en"] == TITLE_EN
    assert report["notes"] == [PDF_PAGE_NOT_SIGNED]


@pytest.mark.parametrize(
    "fmt", ["elm/S2025-0002.jsonld", "ob3/S2025-0002.json", "ob3-jwt/S2025-0002.jwt"]
)
def test_every_format_reports_the_signed_facts(issued: tuple[Path, Path], fmt: str) -> None:
    home, out = issued
    result = _run(home, "verify", str(out / fmt))
    assert result.exit_code == 0, result.output
    assert GENUINE_NAME in result.output and TITLE_EN in result.output
    assert "As signed by the issuer" in result.output
    [report] = _json_reports(home, out / fmt)
    facts = report["facts"]
    assert facts["learner"] == GENUINE_NAME
    assert facts["learnerId"] == "S2025-0002"
    assert set(facts["title"]) == {"en", "ka"}
    assert facts["grade"] == GENUINE["grade"]
    assert facts["ects"] == "7" and facts["eqfLevel"] == 7 and facts["nqfLevel"]
    assert facts["issued"] and facts["awardingBody"] and facts["issuerName"]["en"]
    assert report["notes"] == []  # a credential file: nothing unsigned to warn about


def test_a_photo_of_the_qr_code_reports_the_learner(
    issued: tuple[Path, Path], tmp_path: Path
) -> None:
    home, out = issued
    document = json.loads((out / "ob3" / "S2025-0002.json").read_text("utf-8"))
    photo = tmp_path / "qr.png"
    photo.write_bytes(render_qr_png(make_qr_payload(document, load_issuer(home, PASSPHRASE))))
    result = _run(home, "verify", str(photo))
    assert result.exit_code == 0, result.output
    assert f"Learner:    {GENUINE_NAME}" in result.output
    [report] = _json_reports(home, photo)
    assert report["facts"]["learner"] == GENUINE_NAME
    assert report["facts"]["title"]["en"] == TITLE_EN
    assert report["notes"] == [QR_PAGE_NOT_SIGNED]


def test_a_tampered_credential_shows_no_facts(issued: tuple[Path, Path], tmp_path: Path) -> None:
    """The facts come only from a credential whose signature verified."""
    home, out = issued
    document = json.loads((out / "ob3" / "S2025-0002.json").read_text("utf-8"))
    document["credentialSubject"]["identifier"][0]["identityHash"] = "John Forger"
    document["name"] = "John Forger"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document), "utf-8")
    result = _run(home, "verify", str(tampered))
    assert result.exit_code != 0
    assert "No facts shown" in result.output
    assert "John Forger" not in result.output and GENUINE_NAME not in result.output
    [report] = _json_reports(home, tampered)
    assert report["facts"] is None


def test_a_credential_signed_by_an_unknown_key_shows_no_facts(
    issued: tuple[Path, Path], tmp_path: Path
) -> None:
    """A JWT whose signature cannot be checked against its issuer shows nothing either."""
    home, out = issued
    header, payload, signature = (out / "ob3-jwt" / "S2025-0002.jwt").read_text().strip().split(".")
    forged = tmp_path / "forged.jwt"
    forged.write_text(f"{header}.{payload}.{signature[::-1]}", "utf-8")
    [report] = _json_reports(home, forged)
    assert report["verdict"] != "valid" and report["facts"] is None


def test_control_characters_in_signed_text_cannot_forge_report_lines() -> None:
    name = "Eve\x1b[32m\n  PASS     proof      all good\u202e"
    facts = VerifiedFacts(
        learner_name=name,
        learner_id=None,
        title={"en": "T\r\nVALID"},
        awarding_bodies=({"en": "U"},),
        issuer_name={"en": "U"},
        issued="2026-01-01",
    )
    rows = dict(facts.text_lines())
    assert "\n" not in rows["Learner"] and "\x1b" not in rows["Learner"]
    assert rows["Learner"] == "Eve\\u001b[32m\\u000a  PASS     proof      all good\\u202e"
    assert rows["Title"] == "T\\u000d\\u000aVALID"
    assert "Issued by" not in rows  # the same as the awarding body: said once
    assert printable("x" * 1000).endswith("…") and len(printable("x" * 1000)) == 300
